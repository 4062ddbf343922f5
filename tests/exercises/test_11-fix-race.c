/* Grader for 11-fix-race: explored, every interleaving of a small case ends
 * at the one exact balance (a gate: failing it scores 0); the lock is taken
 * for every deposit by the workers. */
#include "gr_explore.h"
#include "harness.h"

/* The explored case: "NPROCS DEPOSITS START"; prints the balance. */
static int explore_case(const char *arg)
{
    int nprocs = 2, deposits = 2;
    long long start = 0;
    if (sscanf(arg, "%d %d %lld", &nprocs, &deposits, &start) != 3) return 90;
    mp_value *v = mp_value_new('q');
    if (!v) return 91;
    mp_value_set_i64(v, start);
    int rc = ex_fix_race(v, nprocs, deposits);
    printf("balance = %lld, returned %d\n", (long long)mp_value_get_i64(v), rc);
    mp_value_free(v);
    return 0;
}
GR_EXPLORE_MAIN(explore_case)

static void require_one(const char *arg, long long want_balance, int nprocs)
{
    struct explore_result res;
    char want[128], msg[4096];
    int len = snprintf(want, sizeof want, "balance = %lld, returned 0 · exits 0", want_balance);
    for (int i = 0; i < nprocs; i++) len += snprintf(want + len, sizeof want - (size_t)len, " 0");
    int rc = gr_explore(arg, 1, 3000, want, &res);
    cr_assert(rc == 0, "could not explore the program: %s", mp_strerror(rc));
    bool one = gr_explore_one(&res, want, msg, sizeof msg);
    explore_result_free(&res);
    cr_assert(one, "%s. Replay one with: forklab run ... --schedule S", msg);
}

Test(ex11_fix_race, c0_explore_one_outcome, .timeout = 120.)
{
    require_one("2 2 0", 4, 2);
    tu_assert_no_children();
}

Test(ex11_fix_race, c1_explore_three_depositors, .timeout = 120.)
{
    unsigned s = gr_seed();
    long long start = gr_rand(&s, -1000, 1000);
    char arg[64];
    snprintf(arg, sizeof arg, "3 1 %lld", start);
    require_one(arg, start + 3, 3);
    tu_assert_no_children();
}

struct ctx {
    int nprocs, deposits, rc;
};

static void body(void *p)
{
    struct ctx *c = p;
    mp_value *v = mp_value_new('q');
    if (!v) {
        c->rc = -ENOMEM;
        return;
    }
    c->rc = ex_fix_race(v, c->nprocs, c->deposits);
    mp_value_free(v);
}

Test(ex11_fix_race, c2_lock_per_deposit, .timeout = 60.)
{
    unsigned s = gr_seed();
    struct ctx *c = gr_shared(sizeof *c);
    c->nprocs = (int)gr_rand(&s, 2, 4);
    c->deposits = (int)gr_rand(&s, 20, 60);
    struct gr_run r;
    gr_run(body, c, gr_limit(20), &r);
    gr_require_finished(&r);
    gr_require_rc0("ex_fix_race", c->rc);
    pid_t kids[64];
    size_t nk = gr_children_of(&r, r.caller, kids, 64);
    cr_assert(nk == (size_t)c->nprocs, "the trace shows %zu processes started, expected nprocs = %d", nk, c->nprocs);
    uint64_t lock = gr_busiest(&r, MP_EV_LOCK_ACQUIRE);
    cr_assert(lock != 0, "no lock was ever acquired: hold mp_value_get_lock(balance) around each deposit");
    for (size_t k = 0; k < nk && k < 64; k++) {
        size_t got = gr_count(&r, MP_EV_LOCK_ACQUIRE, kids[k], lock);
        cr_assert(got >= (size_t)c->deposits, "worker %d acquired the lock %zu times, expected once per deposit (%d)",
                  (int)kids[k], got, c->deposits);
    }
    gr_run_free(&r);
    tu_assert_no_children();
}
