/* Grader for 08-pool-sum: the exact sum, each square computed once in a
 * worker, at least 2 workers used (ex_task_square holds the first worker
 * until a second one takes a task, so this does not depend on timing). */
#include "harness.h"

#define MAXN 200

struct ctx {
    size_t n;
    int rc;
    int64_t xs[MAXN], sum;
};

static void body(void *p)
{
    struct ctx *c = p;
    mp_pool *pool = mp_pool_new(2);
    if (!pool) {
        c->rc = -ENOMEM;
        return;
    }
    c->rc = ex_pool_sum(pool, c->xs, c->n, &c->sum);
    mp_pool_close(pool);
    mp_pool_join(pool);
    mp_pool_free(pool);
}

static struct ctx *run(struct gr_run *r)
{
    unsigned s = gr_seed();
    struct ctx *c = gr_shared(sizeof *c);
    c->n = (size_t)gr_rand(&s, 20, MAXN);
    for (size_t i = 0; i < c->n; i++) c->xs[i] = gr_rand(&s, -1000000, 1000000);
    gr_run(body, c, gr_limit(15), r);
    gr_require_finished(r);
    gr_require_rc0("ex_pool_sum", c->rc);
    return c;
}

Test(ex08_pool_sum, c1_exact_sum, .timeout = 60.)
{
    struct gr_run r;
    struct ctx *c = run(&r);
    int64_t want = 0;
    for (size_t i = 0; i < c->n; i++) want += c->xs[i] * c->xs[i];
    cr_assert(c->sum == want, "the sum of squares is %lld, expected %lld (%zu numbers)", (long long)c->sum,
              (long long)want, c->n);
    gr_run_free(&r);
    tu_assert_no_children();
}

Test(ex08_pool_sum, c2_each_square_once_in_a_worker, .timeout = 60.)
{
    struct gr_run r;
    struct ctx *c = run(&r);
    cr_assert(gr_stats->square_calls_in_caller == 0, "ex_task_square ran %d times in the parent: the workers "
              "must compute the squares", gr_stats->square_calls_in_caller);
    cr_assert(gr_stats->square_calls == (int)c->n, "ex_task_square ran %d times for %zu numbers, expected "
              "once each", gr_stats->square_calls, c->n);
    gr_run_free(&r);
    tu_assert_no_children();
}

Test(ex08_pool_sum, c3_two_workers_used, .timeout = 60.)
{
    struct gr_run r;
    run(&r);
    int traced = model_pool_distinct_workers(&r.model, NULL);
    cr_assert(gr_stats->npids >= 2 && traced >= 2, "the squares were computed by %d worker(s) (%d in the trace), "
              "expected at least 2: hand the work out in several chunks", gr_stats->npids, traced);
    gr_run_free(&r);
    tu_assert_no_children();
}
