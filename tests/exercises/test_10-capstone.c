/* Grader for 10-capstone: the exact hit count for the seeds (computed here
 * serially), pi from it, and the work done in the pool's workers: every
 * task ran in a worker and the parent used little CPU. */
#include "harness.h"

#include <math.h>
#include <sys/resource.h>

struct ctx {
    uint64_t seed;
    int ntasks, rc;
    int64_t samples, hits;
    double pi, caller_cpu, workers_cpu;
};

static double cpu_secs(int who)
{
    struct rusage ru;
    getrusage(who, &ru);
    return (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec / 1e6 + (double)ru.ru_stime.tv_sec +
           (double)ru.ru_stime.tv_usec / 1e6;
}

static void body(void *p)
{
    struct ctx *c = p;
    mp_pool *pool = mp_pool_new(2);
    if (!pool) {
        c->rc = -ENOMEM;
        return;
    }
    double self0 = cpu_secs(RUSAGE_SELF), kids0 = cpu_secs(RUSAGE_CHILDREN);
    c->rc = ex_capstone_pi(pool, c->seed, c->ntasks, c->samples, &c->hits, &c->pi);
    c->caller_cpu = cpu_secs(RUSAGE_SELF) - self0;
    mp_pool_close(pool);
    mp_pool_join(pool);
    mp_pool_free(pool); /* workers reaped: their CPU time is counted now */
    c->workers_cpu = cpu_secs(RUSAGE_CHILDREN) - kids0;
}

static int64_t expected_hits(const struct ctx *c)
{
    int64_t hits = 0;
    for (int i = 0; i < c->ntasks; i++) {
        uint64_t st = c->seed + (uint64_t)i;
        for (int64_t k = 0; k < c->samples; k++) {
            double x = ex_rng_unit(&st), y = ex_rng_unit(&st);
            hits += x * x + y * y <= 1.0;
        }
    }
    return hits;
}

static struct ctx *run(struct gr_run *r)
{
    unsigned s = gr_seed();
    struct ctx *c = gr_shared(sizeof *c);
    c->seed = ((uint64_t)gr_rand(&s, 0, 0x7fffffff) << 32) | (uint64_t)gr_rand(&s, 0, 0x7fffffff);
    c->ntasks = (int)gr_rand(&s, 4, 10);
    c->samples = gr_rand(&s, 300000, 600000);
    gr_run(body, c, gr_limit(30), r);
    gr_require_finished(r);
    gr_require_rc0("ex_capstone_pi", c->rc);
    return c;
}

Test(ex10_capstone, c1_exact_hits_and_pi, .timeout = 90.)
{
    struct gr_run r;
    struct ctx *c = run(&r);
    int64_t want = expected_hits(c);
    cr_assert(c->hits == want, "%lld hits, expected %lld for seed %llu with %d tasks x %lld samples (task i "
              "starts at seed + i; x first, then y)", (long long)c->hits, (long long)want,
              (unsigned long long)c->seed, c->ntasks, (long long)c->samples);
    double pi = 4.0 * (double)want / ((double)c->ntasks * (double)c->samples);
    cr_assert(fabs(c->pi - pi) < 1e-12, "pi is %.12f, expected 4 * hits / samples = %.12f", c->pi, pi);
    gr_run_free(&r);
    tu_assert_no_children();
}

Test(ex10_capstone, c2_tasks_ran_in_workers, .timeout = 90.)
{
    struct gr_run r;
    struct ctx *c = run(&r);
    size_t submitted = gr_count(&r, MP_EV_TASK_SUBMIT, r.caller, 0);
    size_t done = gr_count(&r, MP_EV_TASK_DONE, 0, 0);
    cr_assert(submitted >= 2, "%zu pool task(s) were submitted: split the work into the %d tasks", submitted,
              c->ntasks);
    cr_assert(done == submitted, "%zu of %zu pool tasks finished", done, submitted);
    cr_assert(gr_count(&r, MP_EV_TASK_START, r.caller, 0) == 0, "a task ran in the parent process");
    gr_run_free(&r);
    tu_assert_no_children();
}

Test(ex10_capstone, c3_work_done_by_the_pool, .timeout = 90.)
{
    struct gr_run r;
    struct ctx *c = run(&r);
    cr_assert(c->workers_cpu > 2 * c->caller_cpu, "the parent used %.3f s of CPU and the workers %.3f s: the "
              "sampling must run in the pool, not in the parent", c->caller_cpu, c->workers_cpu);
    gr_run_free(&r);
    tu_assert_no_children();
}
