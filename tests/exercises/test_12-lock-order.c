/* Grader for 12-lock-order: explored, no interleaving of one move each way
 * deadlocks (a gate: failing it scores 0); the balances, both locks held
 * for every move, and one lock order. Every check first requires that no two processes took
 * (or tried to take) the two locks in opposite orders: ex_between_locks()
 * makes the bad order deadlock, and a run that escaped it by luck (or by a
 * timeout and a retry) still shows the inversion in the trace. */
#include "gr_explore.h"
#include "harness.h"

/* Explored case (c0): one move each way between two accounts of 100. In
 * every interleaving both must end at 100; opposite lock orders deadlock
 * in some, and the explorer names the cycle with its lines. */
static int explore_case(const char *arg)
{
    (void)arg;
    gr_stats_init();
    mp_lock *locks[2] = {mp_lock_new(), mp_lock_new()};
    mp_array *acc = mp_array_new('q', 2);
    if (!locks[0] || !locks[1] || !acc) return 91;
    mp_array_set_i64(acc, 0, 100);
    mp_array_set_i64(acc, 1, 100);
    int rc = ex_lock_order(locks, acc, 1, 7);
    int64_t a = 0, b = 0;
    mp_array_get_i64(acc, 0, &a);
    mp_array_get_i64(acc, 1, &b);
    printf("accounts %lld %lld, returned %d\n", (long long)a, (long long)b, rc);
    mp_array_free(acc);
    mp_lock_free(locks[0]);
    mp_lock_free(locks[1]);
    return 0;
}
GR_EXPLORE_MAIN(explore_case)

Test(ex12_lock_order, c0_explore_no_deadlock, .timeout = 120.)
{
    gr_explore_require("", "accounts 100 100, returned 0 · exits 0 0 0");
    tu_assert_no_children();
}

struct ctx {
    int rounds, rc;
    int64_t amount, start[2], final[2];
    uint64_t locks[2];
};

static void body(void *p)
{
    struct ctx *c = p;
    mp_lock *locks[2] = {mp_lock_new(), mp_lock_new()};
    mp_array *acc = mp_array_new('q', 2);
    if (!locks[0] || !locks[1] || !acc) {
        c->rc = -ENOMEM;
        return;
    }
    for (int i = 0; i < 2; i++) mp_array_set_i64(acc, (size_t)i, c->start[i]);
    c->rc = ex_lock_order(locks, acc, c->rounds, c->amount);
    for (int i = 0; i < 2; i++) mp_array_get_i64(acc, (size_t)i, &c->final[i]);
    mp_array_free(acc);
    mp_lock_free(locks[0]);
    mp_lock_free(locks[1]);
}

static struct ctx *run(struct gr_run *r)
{
    unsigned s = gr_seed();
    struct ctx *c = gr_shared(sizeof *c);
    c->rounds = (int)gr_rand(&s, 2, 3);
    c->amount = gr_rand(&s, 1, 1000);
    c->start[0] = gr_rand(&s, 1000, 100000);
    c->start[1] = gr_rand(&s, 1000, 100000);
    gr_stats_init();
    gr_run(body, c, gr_limit(20), r);
    gr_require_finished(r);
    gr_require_rc0("ex_lock_order", c->rc);
    if (r->model.wf.ninvs) {
        char text[1024];
        waitfor_inversion_text(&r->model, &r->model.wf.invs[0], text, sizeof text);
        cr_assert_fail("no deadlock this time, but only by luck: %s", text);
    }
    return c;
}

Test(ex12_lock_order, c1_balances, .timeout = 60.)
{
    struct gr_run r;
    struct ctx *c = run(&r);
    /* Each direction moved amount rounds times: the balances end where they began. */
    cr_assert(c->final[0] == c->start[0] && c->final[1] == c->start[1],
              "the accounts ended at %lld and %lld, expected %lld and %lld (each moved %lld x %d both ways)",
              (long long)c->final[0], (long long)c->final[1], (long long)c->start[0], (long long)c->start[1],
              (long long)c->amount, c->rounds);
    gr_run_free(&r);
    tu_assert_no_children();
}

Test(ex12_lock_order, c2_both_locks_per_move, .timeout = 60.)
{
    struct gr_run r;
    struct ctx *c = run(&r);
    pid_t kids[8];
    size_t nk = gr_children_of(&r, r.caller, kids, 8);
    cr_assert(nk == 2, "the trace shows %zu processes started, expected 2 (one per direction)", nk);
    cr_assert(r.model.nlocks >= 2, "the trace shows %zu locks, expected the 2 accounts' locks", r.model.nlocks);
    for (size_t k = 0; k < nk; k++)
        for (size_t l = 0; l < 2; l++) {
            size_t got = gr_count(&r, MP_EV_LOCK_ACQUIRE, kids[k], r.model.locks[l].id);
            cr_assert(got == (size_t)c->rounds, "process %d took lock %zu %zu times, expected once per move (%d): "
                      "hold both locks for every move", (int)kids[k], l + 1, got, c->rounds);
        }
    int calls = atomic_load(&gr_stats->between_calls);
    cr_assert(calls == 2 * c->rounds, "ex_between_locks() was called %d times, expected once per move (%d): "
              "call it right after taking the first lock", calls, 2 * c->rounds);
    gr_run_free(&r);
    tu_assert_no_children();
}

Test(ex12_lock_order, c3_workers_joined, .timeout = 60.)
{
    struct gr_run r;
    run(&r);
    size_t starts = gr_children_of(&r, r.caller, NULL, 0);
    size_t exits = gr_count(&r, MP_EV_PROC_EXIT, r.caller, 0);
    cr_assert(starts == 2 && exits >= starts, "%zu workers started, the parent joined %zu", starts, exits);
    cr_assert(r.leftovers == 0, "%d processes were still running after ex_lock_order returned", r.leftovers);
    gr_run_free(&r);
    tu_assert_no_children();
}
