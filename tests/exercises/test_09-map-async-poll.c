/* Grader for 09-map-async-poll: the results, polls answered "not ready"
 * before the result was ready, and idle work done in the meantime. */
#include "harness.h"

#define MAXN 12

struct ctx {
    size_t n;
    int rc;
    long polls;
    struct ex_job jobs[MAXN];
    int64_t out[MAXN];
};

static void body(void *p)
{
    struct ctx *c = p;
    mp_pool *pool = mp_pool_new(2);
    if (!pool) {
        c->rc = -ENOMEM;
        return;
    }
    c->rc = ex_map_async_poll(pool, c->jobs, c->n, c->out, &c->polls);
    mp_pool_terminate(pool);
    mp_pool_free(pool);
}

static struct ctx *run(struct gr_run *r)
{
    unsigned s = gr_seed();
    struct ctx *c = gr_shared(sizeof *c);
    c->n = (size_t)gr_rand(&s, 6, MAXN);
    /* 40 ms a job on 2 workers: the result is ready after >= 120 ms */
    for (size_t i = 0; i < c->n; i++) c->jobs[i] = (struct ex_job){.x = gr_rand(&s, -99999, 99999), .delay_ms = 40};
    gr_run(body, c, gr_limit(15), r);
    gr_require_finished(r);
    gr_require_rc0("ex_map_async_poll", c->rc);
    return c;
}

static const struct model_async *the_map(const struct gr_run *r)
{
    for (size_t i = 0; i < r->model.nasyncs; i++)
        if (strcmp(r->model.asyncs[i].what, "map_async") == 0) return &r->model.asyncs[i];
    return NULL;
}

Test(ex09_map_async_poll, c1_results, .timeout = 60.)
{
    struct gr_run r;
    struct ctx *c = run(&r);
    for (size_t i = 0; i < c->n; i++)
        cr_assert(c->out[i] == c->jobs[i].x * c->jobs[i].x, "out[%zu] is %lld, expected %lld^2 = %lld", i,
                  (long long)c->out[i], (long long)c->jobs[i].x, (long long)(c->jobs[i].x * c->jobs[i].x));
    cr_assert(gr_stats->job_calls_in_caller == 0, "ex_task_job ran in the parent: use mp_pool_map_async");
    gr_run_free(&r);
    tu_assert_no_children();
}

Test(ex09_map_async_poll, c2_polled_before_ready, .timeout = 60.)
{
    struct gr_run r;
    struct ctx *c = run(&r);
    const struct model_async *a = the_map(&r);
    cr_assert(a, "no map_async result in the trace: use mp_pool_map_async");
    cr_assert(a->polls_before_ready >= 1, "mp_async_ready() never answered \"not ready\": poll it while the "
              "tasks run instead of waiting in get");
    size_t traced = gr_count(&r, MP_EV_ASYNC_POLL, r.caller, a->id);
    cr_assert(c->polls == (long)traced, "*polls_out is %ld but mp_async_ready() was called %zu times", c->polls,
              traced);
    gr_run_free(&r);
    tu_assert_no_children();
}

Test(ex09_map_async_poll, c3_idle_work_while_waiting, .timeout = 60.)
{
    struct gr_run r;
    run(&r);
    const struct model_async *a = the_map(&r);
    cr_assert(a && a->ready, "the map_async result never became ready");
    cr_assert(gr_stats->idle_calls >= 1, "ex_idle_work() was never called while waiting");
    cr_assert(gr_stats->idle_calls_elsewhere == 0, "ex_idle_work() ran outside the parent");
    cr_assert(gr_stats->idle_first_ns < a->t_ready, "ex_idle_work() was first called only after the result "
              "was ready: do it between polls");
    gr_run_free(&r);
    tu_assert_no_children();
}
