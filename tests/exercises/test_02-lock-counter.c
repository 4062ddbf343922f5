/* Grader for 02-lock-counter: the exact total, and the lock taken for each
 * of the nprocs * iters increments by the workers themselves. */
#include "gr_explore.h"
#include "harness.h"

/* Explored case (c0): 2 processes x 2 increments from 0: every
 * interleaving must end at 4 (an unlocked counter ends at 2 or 3 in some). */
static int explore_case(const char *arg)
{
    (void)arg;
    mp_value *v = mp_value_new('q');
    if (!v) return 91;
    int rc = ex_lock_counter(v, 2, 2);
    printf("counter = %lld, returned %d\n", (long long)mp_value_get_i64(v), rc);
    mp_value_free(v);
    return 0;
}
GR_EXPLORE_MAIN(explore_case)

Test(ex02_lock_counter, c0_explore_no_lost_update, .timeout = 120.)
{
    gr_explore_require("", "counter = 4, returned 0 · exits 0 0 0");
    tu_assert_no_children();
}

struct ctx {
    int nprocs, iters, rc;
    int64_t start, final;
};

static void body(void *p)
{
    struct ctx *c = p;
    mp_value *v = mp_value_new('q');
    if (!v) {
        c->rc = -ENOMEM;
        return;
    }
    *(int64_t *)mp_value_ptr(v) = c->start;
    c->rc = ex_lock_counter(v, c->nprocs, c->iters);
    c->final = mp_value_get_i64(v);
    mp_value_free(v);
}

static struct ctx *run(struct gr_run *r)
{
    unsigned s = gr_seed();
    struct ctx *c = gr_shared(sizeof *c);
    c->nprocs = (int)gr_rand(&s, 2, 4);
    c->iters = (int)gr_rand(&s, 500, 1500);
    c->start = gr_rand(&s, -100000, 100000);
    gr_run(body, c, gr_limit(20), r);
    gr_require_finished(r);
    gr_require_rc0("ex_lock_counter", c->rc);
    return c;
}

Test(ex02_lock_counter, c1_exact_total, .timeout = 60.)
{
    struct gr_run r;
    struct ctx *c = run(&r);
    int64_t want = c->start + (int64_t)c->nprocs * c->iters;
    cr_assert(c->final == want, "the counter ended at %lld, expected %lld (start %lld + %d processes x %d): "
              "%s", (long long)c->final, (long long)want, (long long)c->start, c->nprocs, c->iters,
              c->final < want ? "updates were lost" : "too many increments");
    gr_run_free(&r);
    tu_assert_no_children();
}

Test(ex02_lock_counter, c2_lock_per_increment, .timeout = 60.)
{
    struct gr_run r;
    struct ctx *c = run(&r);
    pid_t kids[64];
    size_t nk = gr_children_of(&r, r.caller, kids, 64);
    cr_assert(nk == (size_t)c->nprocs, "the trace shows %zu processes started, expected nprocs = %d", nk, c->nprocs);
    uint64_t lock = gr_busiest(&r, MP_EV_LOCK_ACQUIRE);
    cr_assert(lock != 0, "no lock was ever acquired");
    for (size_t k = 0; k < nk && k < 64; k++) {
        size_t got = gr_count(&r, MP_EV_LOCK_ACQUIRE, kids[k], lock);
        cr_assert(got >= (size_t)c->iters, "worker %d acquired the lock %zu times, expected once per increment "
                  "(%d): take the lock around every single update", (int)kids[k], got, c->iters);
    }
    gr_run_free(&r);
    tu_assert_no_children();
}

Test(ex02_lock_counter, c3_workers_joined, .timeout = 60.)
{
    struct gr_run r;
    run(&r);
    size_t starts = gr_children_of(&r, r.caller, NULL, 0);
    size_t exits = gr_count(&r, MP_EV_PROC_EXIT, r.caller, 0);
    cr_assert(starts > 0 && exits >= starts, "%zu workers started but the parent joined only %zu", starts, exits);
    for (size_t k = 0; k < r.nev; k++)
        if (r.ev[k].kind == MP_EV_PROC_EXIT && r.ev[k].pid == r.caller)
            cr_assert(r.ev[k].b == 0, "worker %lld ended with exit code %lld", (long long)r.ev[k].a,
                      (long long)r.ev[k].b);
    cr_assert(r.leftovers == 0, "%d processes were still running after ex_lock_counter returned", r.leftovers);
    gr_run_free(&r);
    tu_assert_no_children();
}
