/* Grader for 05-pipe-pingpong: the final value, and a real exchange: both
 * processes sent a struct message every round. */
#include "harness.h"

struct ctx {
    int rounds, rc;
    int64_t start, final;
};

static void body(void *p)
{
    struct ctx *c = p;
    c->rc = ex_pipe_pingpong(c->rounds, c->start, &c->final);
}

static struct ctx *run(struct gr_run *r)
{
    unsigned s = gr_seed();
    struct ctx *c = gr_shared(sizeof *c);
    c->rounds = (int)gr_rand(&s, 5, 40);
    c->start = gr_rand(&s, 0, 1000000);
    gr_run(body, c, gr_limit(10), r);
    gr_require_finished(r);
    gr_require_rc0("ex_pipe_pingpong", c->rc);
    return c;
}

Test(ex05_pipe_pingpong, c1_final_value, .timeout = 30.)
{
    struct gr_run r;
    struct ctx *c = run(&r);
    int64_t want = c->start;
    for (int i = 0; i < c->rounds; i++) want = ex_pong_value(want);
    cr_assert(c->final == want, "after %d rounds from %lld the last pong should be %lld, got %lld", c->rounds,
              (long long)c->start, (long long)want, (long long)c->final);
    gr_run_free(&r);
    tu_assert_no_children();
}

Test(ex05_pipe_pingpong, c2_both_sides_talk, .timeout = 30.)
{
    struct gr_run r;
    struct ctx *c = run(&r);
    pid_t kid[8];
    size_t nk = gr_children_of(&r, r.caller, kid, 8);
    cr_assert(nk == 1, "the trace shows %zu child processes, expected exactly one", nk);
    size_t ps = gr_count(&r, MP_EV_PIPE_SEND, r.caller, 0), cs = gr_count(&r, MP_EV_PIPE_SEND, kid[0], 0);
    size_t pr = gr_count(&r, MP_EV_PIPE_RECV, r.caller, 0), cr = gr_count(&r, MP_EV_PIPE_RECV, kid[0], 0);
    cr_assert(ps == (size_t)c->rounds, "the parent sent %zu messages, expected one ping per round (%d)", ps, c->rounds);
    cr_assert(cs == (size_t)c->rounds, "the child sent %zu messages, expected one pong per round (%d)", cs, c->rounds);
    cr_assert(pr >= (size_t)c->rounds && cr >= (size_t)c->rounds,
              "the parent received %zu and the child %zu messages, expected %d each", pr, cr, c->rounds);
    for (size_t i = 0; i < r.nev; i++)
        if (r.ev[i].kind == MP_EV_PIPE_SEND)
            cr_assert(r.ev[i].a == (int64_t)sizeof(struct ex_msg), "a message of %lld bytes was sent, expected "
                      "one whole struct ex_msg (%zu bytes)", (long long)r.ev[i].a, sizeof(struct ex_msg));
    gr_run_free(&r);
    tu_assert_no_children();
}

Test(ex05_pipe_pingpong, c3_child_joined, .timeout = 30.)
{
    struct gr_run r;
    run(&r);
    pid_t kid[8];
    cr_assert(gr_children_of(&r, r.caller, kid, 8) >= 1, "no child process was started");
    bool joined = false;
    for (size_t i = 0; i < r.nev; i++)
        joined |= r.ev[i].kind == MP_EV_PROC_EXIT && r.ev[i].a == kid[0] && r.ev[i].pid == r.caller && r.ev[i].b == 0;
    cr_assert(joined, "the child was not joined with exit code 0 (close your end so its recv gives -EPIPE)");
    cr_assert(r.leftovers == 0, "%d processes were still running after the call", r.leftovers);
    gr_run_free(&r);
    tu_assert_no_children();
}
