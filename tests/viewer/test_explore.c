/* Unit tests of the explorer's pure parts (core/explore_tree.h,
 * core/explore_outcome.h): on a simulated system of processes with known
 * operations, the search visits exactly the interleavings the bound
 * allows, sleep sets skip reorderings of independent steps only, PCT runs
 * replay from their seed, and the outcome table counts and keeps the
 * shortest schedule. */
#include "explore_outcome.h"
#include "explore_tree.h"
#include "mp_gate.h"

#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

/* A simulated program: nproc processes, each a list of operations, each
 * enabled until done. A run's result is the order of its steps. */
struct sim {
    int nproc;
    struct ex_op ops[4][8];
    int nops[4];
};

struct sim_result {
    size_t runs, pruned;
    char leaves[4096][40];
    size_t nleaves;
};

static void sim_explore(const struct sim *sm, bool random, uint32_t bound, uint64_t seed, size_t maxruns,
                        struct sim_result *out, struct ex_search *keep)
{
    struct ex_search s;
    ex_search_init(&s, random, bound, seed);
    memset(out, 0, sizeof *out);
    struct ex_run r;
    while (out->runs + out->pruned < maxruns && ex_run_begin(&s, &r)) {
        int pos[4] = {0};
        char trace[40] = "";
        size_t len = 0;
        bool pruned = false;
        for (;;) {
            struct ex_op en[4];
            size_t n = 0;
            for (int p = 0; p < sm->nproc; p++)
                if (pos[p] < sm->nops[p]) {
                    en[n] = sm->ops[p][pos[p]];
                    en[n++].index = p;
                }
            if (!n) break;
            int pick = ex_decide(&s, &r, en, n);
            cr_assert(pick != EX_DIVERGED && pick >= EX_PRUNE, "decide failed: %d", pick);
            if (pick == EX_PRUNE) {
                pruned = true;
                break;
            }
            pos[pick]++;
            trace[len++] = (char)('0' + pick);
            trace[len] = '\0';
            cr_assert(ex_stepped(&s, &r, false) == 0);
        }
        ex_run_end(&s, &r);
        if (pruned) out->pruned++;
        else {
            out->runs++;
            if (out->nleaves < 4096) snprintf(out->leaves[out->nleaves++], 40, "%s", trace);
        }
    }
    if (keep) *keep = s;
    else ex_search_free(&s);
}

static struct ex_op op(uint32_t kind, uint64_t obj)
{
    return (struct ex_op){.kind = kind, .obj = obj};
}

/* Preemptions of an order ("0011") when every process is enabled until done. */
static unsigned preemptions(const char *t, const int *nops)
{
    int left[4];
    memcpy(left, nops, sizeof left);
    unsigned pre = 0;
    for (size_t i = 0; t[i]; i++) {
        if (i && t[i] != t[i - 1] && left[t[i - 1] - '0'] > 0) pre++;
        left[t[i] - '0']--;
    }
    return pre;
}

/* Orders of a steps of 0 and b of 1 with at most `bound` preemptions. */
static size_t count_orders(int a, int b, const int *nops, unsigned bound, char *buf, size_t len)
{
    if (!a && !b) {
        buf[len] = '\0';
        return preemptions(buf, nops) <= bound;
    }
    size_t n = 0;
    if (a) {
        buf[len] = '0';
        n += count_orders(a - 1, b, nops, bound, buf, len + 1);
    }
    if (b) {
        buf[len] = '1';
        n += count_orders(a, b - 1, nops, bound, buf, len + 1);
    }
    return n;
}

static struct sim dependent_pair(void)
{
    struct sim sm = {.nproc = 2, .nops = {3, 3}};
    for (int p = 0; p < 2; p++)
        for (int i = 0; i < 3; i++) sm.ops[p][i] = op(MP_GOP_MEM_WRITE, 7); /* all on one object */
    return sm;
}

Test(explore_tree, exhaustive_visits_every_order_of_dependent_steps)
{
    struct sim sm = dependent_pair();
    static struct sim_result res;
    sim_explore(&sm, false, EX_BOUND_ALL, 0, 100000, &res, NULL);
    cr_assert_eq(res.runs, 20, "C(6,3) = 20 orders, got %zu", res.runs);
    cr_assert_eq(res.pruned, 0);
    for (size_t i = 0; i < res.nleaves; i++)
        for (size_t j = i + 1; j < res.nleaves; j++)
            cr_assert_str_neq(res.leaves[i], res.leaves[j], "order %s visited twice", res.leaves[i]);
}

Test(explore_tree, bound_k_visits_exactly_the_orders_with_k_preemptions_at_most)
{
    struct sim sm = dependent_pair();
    static struct sim_result res;
    char buf[16];
    for (unsigned k = 0; k <= 4; k++) {
        struct ex_search s;
        sim_explore(&sm, false, k, 0, 100000, &res, &s);
        size_t want = count_orders(3, 3, sm.nops, k, buf, 0);
        cr_assert_eq(res.runs, want, "bound %u: %zu runs, want %zu", k, res.runs, want);
        for (size_t i = 0; i < res.nleaves; i++)
            cr_assert(preemptions(res.leaves[i], sm.nops) <= k, "bound %u visited %s", k, res.leaves[i]);
        cr_assert_eq(s.bound_cut, want < 20, "bound %u: bound_cut %d", k, s.bound_cut);
        ex_search_free(&s);
    }
}

Test(explore_tree, independent_steps_are_not_reordered)
{
    /* two processes writing different objects: one complete run is enough */
    struct sim sm = {.nproc = 2, .nops = {2, 2}};
    sm.ops[0][0] = sm.ops[0][1] = op(MP_GOP_MEM_WRITE, 1);
    sm.ops[1][0] = sm.ops[1][1] = op(MP_GOP_MEM_WRITE, 2);
    static struct sim_result res;
    sim_explore(&sm, false, EX_BOUND_ALL, 0, 1000, &res, NULL);
    cr_assert_eq(res.runs, 1, "independent writes: %zu complete runs (want 1)", res.runs);
}

Test(explore_tree, dependent_steps_keep_both_orders)
{
    /* one write each on the same object, then a private step each */
    struct sim sm = {.nproc = 2, .nops = {2, 2}};
    sm.ops[0][0] = op(MP_GOP_MEM_WRITE, 9);
    sm.ops[0][1] = op(MP_GOP_MEM_WRITE, 1);
    sm.ops[1][0] = op(MP_GOP_MEM_WRITE, 9);
    sm.ops[1][1] = op(MP_GOP_MEM_WRITE, 2);
    static struct sim_result res;
    sim_explore(&sm, false, EX_BOUND_ALL, 0, 1000, &res, NULL);
    bool first0 = false, first1 = false;
    for (size_t i = 0; i < res.nleaves; i++) {
        first0 |= res.leaves[i][0] == '0';
        first1 |= res.leaves[i][0] == '1';
    }
    cr_assert(first0 && first1, "both orders of the conflicting writes must be tried");
    cr_assert_lt(res.runs, 6, "the private steps are not reordered: %zu runs (6 orders exist)", res.runs);
}

Test(explore_tree, independence_rules)
{
    struct ex_op r1 = {.index = 1, .kind = MP_GOP_MEM_READ, .obj = 5};
    struct ex_op r2 = {.index = 2, .kind = MP_GOP_MEM_READ, .obj = 5};
    struct ex_op w2 = {.index = 2, .kind = MP_GOP_MEM_WRITE, .obj = 5};
    struct ex_op l2 = {.index = 2, .kind = MP_GOP_LOCK_ACQUIRE, .obj = 6};
    struct ex_op j2 = {.index = 2, .kind = MP_GOP_JOIN}, s2 = {.index = 2, .kind = MP_GOP_START};
    cr_assert(ex_independent(&r1, &r2), "two reads of one object commute");
    cr_assert(!ex_independent(&r1, &w2), "a read and a write of one object do not");
    cr_assert(ex_independent(&r1, &l2), "different objects commute");
    cr_assert(!ex_independent(&r1, &j2), "a join conflicts with everything");
    cr_assert(ex_independent(&r1, &s2), "a first step changes nothing others see");
    struct ex_op p1 = r1, p2 = l2;
    p1.printed = p2.printed = true;
    cr_assert(!ex_independent(&p1, &p2), "two steps that both printed do not commute (output order)");
    struct ex_op same = r2;
    same.index = 1;
    cr_assert(!ex_independent(&r1, &same), "steps of one process never commute");
}

Test(explore_tree, pct_runs_replay_from_their_seed)
{
    struct sim sm = dependent_pair();
    static struct sim_result a, b, c;
    sim_explore(&sm, true, 0, 42, 30, &a, NULL);
    sim_explore(&sm, true, 0, 42, 30, &b, NULL);
    sim_explore(&sm, true, 0, 43, 30, &c, NULL);
    cr_assert_eq(a.runs, 30);
    bool differ = false;
    for (size_t i = 0; i < 30; i++) {
        cr_assert_str_eq(a.leaves[i], b.leaves[i], "run %zu differs with the same seed", i);
        differ |= strcmp(a.leaves[i], c.leaves[i]) != 0;
    }
    cr_assert(differ, "another seed gives other runs");
    bool distinct = false;
    for (size_t i = 1; i < 30; i++) distinct |= strcmp(a.leaves[i], a.leaves[0]) != 0;
    cr_assert(distinct, "random runs are not all the same order");
}

Test(explore_outcome, counts_and_keeps_the_shortest_schedule)
{
    struct ex_outcomes t = {0};
    cr_assert_eq(exo_add(&t, "counter = 3", "0 1 1 2", 4, 1), 1);
    cr_assert_eq(exo_add(&t, "counter = 4", "0 1 2", 3, 2), 1);
    cr_assert_eq(exo_add(&t, "counter = 3", "0 2", 2, 3), 0);
    cr_assert_eq(exo_add(&t, "counter = 3", "0 2 2 2 2", 5, 4), 0);
    cr_assert_eq(exo_add(&t, "counter = 4", "0 2 1", 3, 5), 0);
    cr_assert_eq(exo_add(&t, "counter = 4", "0 1 3", 3, 6), 0);
    exo_sort(&t);
    cr_assert_eq(t.n, 2);
    cr_assert_str_eq(t.v[0].text, "counter = 3", "most frequent first");
    cr_assert_eq(t.v[0].count, 3);
    cr_assert_str_eq(t.v[0].schedule, "0 2", "the shortest schedule is kept");
    cr_assert_eq(t.v[0].first_run, 1);
    cr_assert_str_eq(t.v[1].schedule, "0 1 2", "among equal lengths the smallest text, whatever the order found");
    char st[32];
    exo_status(-11, 1, st, sizeof st);
    cr_assert_str_eq(st, "SIGSEGV");
    exo_status(3, 1, st, sizeof st);
    cr_assert_str_eq(st, "3");
    exo_status(0, 0, st, sizeof st);
    cr_assert_str_eq(st, "?");
    exo_free(&t);
}
