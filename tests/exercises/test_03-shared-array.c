/* Grader for 03-shared-array: every item squared in place, and written by
 * one child process, not by the parent. */
#include "harness.h"

#define MAXLEN 64

struct ctx {
    size_t len;
    int rc;
    int64_t orig[MAXLEN], after[MAXLEN];
};

static void body(void *p)
{
    struct ctx *c = p;
    mp_array *a = mp_array_new('q', c->len);
    if (!a) {
        c->rc = -ENOMEM;
        return;
    }
    /* through the pointer, so the grader's own writes are not traced */
    memcpy(mp_array_data(a), c->orig, c->len * sizeof(int64_t));
    c->rc = ex_shared_array(a);
    memcpy(c->after, mp_array_data(a), c->len * sizeof(int64_t));
    mp_array_free(a);
}

static struct ctx *run(struct gr_run *r)
{
    unsigned s = gr_seed();
    struct ctx *c = gr_shared(sizeof *c);
    c->len = (size_t)gr_rand(&s, 5, MAXLEN);
    for (size_t i = 0; i < c->len; i++) c->orig[i] = gr_rand(&s, -3000, 3000);
    gr_run(body, c, gr_limit(10), r);
    gr_require_finished(r);
    gr_require_rc0("ex_shared_array", c->rc);
    return c;
}

Test(ex03_shared_array, c1_squared_in_place, .timeout = 30.)
{
    struct gr_run r;
    struct ctx *c = run(&r);
    for (size_t i = 0; i < c->len; i++)
        cr_assert(c->after[i] == c->orig[i] * c->orig[i], "arr[%zu] is %lld after the call, expected %lld^2 = %lld",
                  i, (long long)c->after[i], (long long)c->orig[i], (long long)(c->orig[i] * c->orig[i]));
    gr_run_free(&r);
    tu_assert_no_children();
}

Test(ex03_shared_array, c2_written_by_the_child, .timeout = 30.)
{
    struct gr_run r;
    struct ctx *c = run(&r);
    pid_t kid[8];
    size_t nk = gr_children_of(&r, r.caller, kid, 8);
    cr_assert(nk == 1, "the trace shows %zu child processes, expected exactly one", nk);
    const struct mp_trace_event *made = gr_find(&r, MP_EV_ARRAY_NEW, 0, NULL);
    cr_assert(made, "grader: the array's creation is not in the trace");
    size_t by_child = gr_count(&r, MP_EV_MEM_WRITE, kid[0], made->obj);
    size_t by_parent = gr_count(&r, MP_EV_MEM_WRITE, r.caller, made->obj);
    cr_assert(by_parent == 0, "the parent wrote %zu items itself: the child must do the squaring", by_parent);
    cr_assert(by_child >= c->len, "the child wrote %zu items through mp_array_set_i64, expected all %zu",
              by_child, c->len);
    gr_run_free(&r);
    tu_assert_no_children();
}

Test(ex03_shared_array, c3_child_joined, .timeout = 30.)
{
    struct gr_run r;
    run(&r);
    pid_t kid[8];
    size_t nk = gr_children_of(&r, r.caller, kid, 8);
    cr_assert(nk >= 1, "no child process was started");
    bool joined = false;
    for (size_t k = 0; k < r.nev; k++)
        joined |= r.ev[k].kind == MP_EV_PROC_EXIT && r.ev[k].a == kid[0] && r.ev[k].pid == r.caller && r.ev[k].b == 0;
    cr_assert(joined, "the child (pid %d) was not joined with exit code 0 before ex_shared_array returned", (int)kid[0]);
    cr_assert(r.leftovers == 0, "%d processes were still running after the call", r.leftovers);
    gr_run_free(&r);
    tu_assert_no_children();
}
