/* Grader for 07-apply-timeout: a too-slow task gives -ETIMEDOUT without
 * being waited for, an in-time one gives its result, both ran in workers. */
#include "harness.h"

struct ctx {
    struct ex_job fast, slow;
    double timeout, secs;
    int rc, slow_rc;
    int64_t fast_out, slow_out;
};

static void body(void *p)
{
    struct ctx *c = p;
    mp_pool *pool = mp_pool_new(2);
    if (!pool) {
        c->rc = -ENOMEM;
        return;
    }
    c->slow_rc = 12345; /* must be overwritten */
    uint64_t t0 = gr_now_ns();
    c->rc = ex_apply_timeout(pool, &c->fast, &c->slow, c->timeout, &c->fast_out, &c->slow_rc, &c->slow_out);
    c->secs = (double)(gr_now_ns() - t0) / 1e9;
    mp_pool_terminate(pool); /* the slow task may still run */
    mp_pool_free(pool);
}

static struct ctx *run(struct gr_run *r, bool too_slow)
{
    unsigned s = gr_seed();
    struct ctx *c = gr_shared(sizeof *c);
    c->fast = (struct ex_job){.x = gr_rand(&s, -100000, 100000), .delay_ms = (int32_t)gr_rand(&s, 0, 20)};
    c->slow = (struct ex_job){.x = gr_rand(&s, -100000, 100000),
                              .delay_ms = too_slow ? 4000 : (int32_t)gr_rand(&s, 0, 30)};
    c->timeout = too_slow ? 0.3 : 3.0;
    gr_run(body, c, gr_limit(15), r);
    gr_require_finished(r);
    gr_require_rc0("ex_apply_timeout", c->rc);
    cr_assert(c->fast_out == c->fast.x * c->fast.x, "the fast result is %lld, expected %lld^2 = %lld",
              (long long)c->fast_out, (long long)c->fast.x, (long long)(c->fast.x * c->fast.x));
    return c;
}

Test(ex07_apply_timeout, c1_slow_task_times_out, .timeout = 60.)
{
    struct gr_run r;
    struct ctx *c = run(&r, true);
    cr_assert(c->slow_rc == -ETIMEDOUT, "the slow job (4 s, timeout 0.3 s) gave %d (%s), expected -ETIMEDOUT",
              c->slow_rc, mp_err_name(c->slow_rc));
    cr_assert(c->secs < 3.0, "ex_apply_timeout took %.2f s: it waited for the slow job instead of giving up "
              "after the timeout", c->secs);
    gr_run_free(&r);
    tu_assert_no_children();
}

Test(ex07_apply_timeout, c2_in_time_task_is_not_a_timeout, .timeout = 60.)
{
    struct gr_run r;
    struct ctx *c = run(&r, false);
    cr_assert(c->slow_rc == 0, "the second job took at most 30 ms with a 3 s timeout but gave %d (%s), expected 0",
              c->slow_rc, mp_err_name(c->slow_rc));
    cr_assert(c->slow_out == c->slow.x * c->slow.x, "the second result is %lld, expected %lld",
              (long long)c->slow_out, (long long)(c->slow.x * c->slow.x));
    gr_run_free(&r);
    tu_assert_no_children();
}

Test(ex07_apply_timeout, c3_both_ran_async_in_workers, .timeout = 60.)
{
    struct gr_run r;
    run(&r, true);
    size_t submits = gr_count(&r, MP_EV_TASK_SUBMIT, r.caller, 0);
    size_t asyncs = 0;
    for (size_t i = 0; i < r.nev; i++)
        asyncs += r.ev[i].kind == MP_EV_ASYNC_NEW && strcmp(r.ev[i].text, "apply_async") == 0;
    cr_assert(asyncs >= 2 && submits >= 2, "%zu apply_async results (%zu tasks) were made, expected one for each "
              "job", asyncs, submits);
    cr_assert(gr_stats->job_calls >= 2, "ex_task_job ran %d times, expected at least twice", gr_stats->job_calls);
    cr_assert(gr_stats->job_calls_in_caller == 0, "ex_task_job ran in the parent: submit it to the pool");
    cr_assert(gr_count(&r, MP_EV_TASK_START, r.caller, 0) == 0, "a task ran in the parent process");
    gr_run_free(&r);
    tu_assert_no_children();
}
