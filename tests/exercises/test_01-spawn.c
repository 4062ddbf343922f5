/* Grader for 01-spawn: n real children, started by the caller, whose own
 * pids and parent pid are what ex_spawn returned. */
#include "gr_explore.h"
#include "harness.h"

#include <unistd.h>

/* Explored case (c0): ex_spawn(2); the pids must be two new processes
 * whose parent is the caller, and the run must start exactly two
 * processes (the outcome lists one exit status per process started). */
static int explore_case(const char *arg)
{
    (void)arg;
    pid_t pids[2] = {0}, ppids[2] = {0};
    int rc = ex_spawn(2, pids, ppids);
    bool ok = pids[0] > 0 && pids[1] > 0 && pids[0] != pids[1] && pids[0] != getpid() && pids[1] != getpid() &&
              ppids[0] == getpid() && ppids[1] == getpid();
    printf("returned %d, pids %s\n", rc, ok ? "plausible" : "wrong");
    return 0;
}
GR_EXPLORE_MAIN(explore_case)

Test(ex01_spawn, c0_explore_two_processes, .timeout = 120.)
{
    gr_explore_require("", "returned 0, pids plausible · exits 0 0 0");
    tu_assert_no_children();
}

struct ctx {
    int n, rc;
    pid_t pids[16], ppids[16];
};

static void body(void *p)
{
    struct ctx *c = p;
    c->rc = ex_spawn(c->n, c->pids, c->ppids);
}

static struct ctx *run(struct gr_run *r)
{
    unsigned s = gr_seed();
    struct ctx *c = gr_shared(sizeof *c);
    c->n = (int)gr_rand(&s, 2, 6);
    gr_run(body, c, gr_limit(10), r);
    gr_require_finished(r);
    gr_require_rc0("ex_spawn", c->rc);
    return c;
}

static bool has(const pid_t *v, size_t n, pid_t x)
{
    for (size_t i = 0; i < n; i++)
        if (v[i] == x) return true;
    return false;
}

Test(ex01_spawn, c1_reports_pid_and_ppid, .timeout = 30.)
{
    struct gr_run r;
    struct ctx *c = run(&r);
    for (int i = 0; i < c->n; i++) {
        cr_assert(c->pids[i] > 0 && c->pids[i] != r.caller,
                  "worker %d reported pid %d: expected the pid of a new child process", i, (int)c->pids[i]);
        cr_assert(!has(c->pids, (size_t)i, c->pids[i]), "worker %d reported pid %d, like an earlier worker: "
                  "each worker must be its own process", i, (int)c->pids[i]);
        cr_assert(c->ppids[i] == r.caller, "worker %d reported parent pid %d, but the parent (the process "
                  "that called ex_spawn) is %d", i, (int)c->ppids[i], (int)r.caller);
    }
    gr_run_free(&r);
    tu_assert_no_children();
}

Test(ex01_spawn, c2_children_really_started, .timeout = 30.)
{
    struct gr_run r;
    struct ctx *c = run(&r);
    pid_t kids[64];
    size_t nk = gr_children_of(&r, r.caller, kids, 64);
    cr_assert(nk == (size_t)c->n, "the trace shows %zu processes started by the caller, expected n = %d "
              "(use mp_process_start)", nk, c->n);
    for (int i = 0; i < c->n; i++)
        cr_assert(has(kids, nk, c->pids[i]), "pid %d (worker %d) is not a process the caller started: "
                  "report the pid the child sees with getpid()", (int)c->pids[i], i);
    gr_run_free(&r);
    tu_assert_no_children();
}

Test(ex01_spawn, c3_children_joined, .timeout = 30.)
{
    struct gr_run r;
    struct ctx *c = run(&r);
    for (int i = 0; i < c->n; i++) {
        bool reaped = false;
        for (size_t k = 0; k < r.nev; k++)
            reaped |= r.ev[k].kind == MP_EV_PROC_EXIT && r.ev[k].a == c->pids[i] && r.ev[k].pid == r.caller;
        cr_assert(reaped, "worker %d (pid %d) was not joined by the parent before ex_spawn returned", i,
                  (int)c->pids[i]);
    }
    cr_assert(r.leftovers == 0, "%d processes were still running after ex_spawn returned", r.leftovers);
    gr_run_free(&r);
    tu_assert_no_children();
}
