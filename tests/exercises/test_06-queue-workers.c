/* Grader for 06-queue-workers: the exact sum, every item through the queue
 * exactly once, and one sentinel taken by each consumer. */
#include "harness.h"

#include <stdio.h>

#define MAXN 300

struct ctx {
    size_t n;
    int nconsumers, rc;
    int64_t sum;
    int32_t items[MAXN];
};

static void body(void *p)
{
    struct ctx *c = p;
    c->rc = ex_queue_workers(c->items, c->n, c->nconsumers, &c->sum);
}

static struct ctx *run(struct gr_run *r)
{
    unsigned s = gr_seed();
    struct ctx *c = gr_shared(sizeof *c);
    c->n = (size_t)gr_rand(&s, 50, MAXN);
    c->nconsumers = (int)gr_rand(&s, 2, 4);
    /* distinct items, so each one can be followed through the queue */
    long v = gr_rand(&s, -100000, 100000);
    for (size_t i = 0; i < c->n; i++) c->items[i] = (int32_t)(v += gr_rand(&s, 1, 7));
    gr_run(body, c, gr_limit(15), r);
    gr_require_finished(r);
    gr_require_rc0("ex_queue_workers", c->rc);
    return c;
}

Test(ex06_queue_workers, c1_exact_sum, .timeout = 60.)
{
    struct gr_run r;
    struct ctx *c = run(&r);
    int64_t want = 0;
    for (size_t i = 0; i < c->n; i++) want += c->items[i];
    cr_assert(c->sum == want, "the sum is %lld, expected %lld (%zu items)", (long long)c->sum, (long long)want, c->n);
    gr_run_free(&r);
    tu_assert_no_children();
}

Test(ex06_queue_workers, c2_every_item_once, .timeout = 60.)
{
    struct gr_run r;
    struct ctx *c = run(&r);
    uint64_t q = gr_busiest(&r, MP_EV_QUEUE_GET);
    cr_assert(q != 0, "nothing was ever taken from a queue");
    size_t puts = gr_count(&r, MP_EV_QUEUE_PUT, 0, q), gets = gr_count(&r, MP_EV_QUEUE_GET, 0, q);
    size_t want = c->n + (size_t)c->nconsumers;
    cr_assert(puts == want, "%zu items were put on the work queue, expected %zu items + %d sentinels", puts, c->n,
              c->nconsumers);
    cr_assert(gets == want, "%zu items were taken from the work queue, expected %zu (each item and sentinel once)",
              gets, want);
    for (size_t i = 0; i < c->n; i++) {
        char text[16];
        snprintf(text, sizeof text, "%d", c->items[i]);
        size_t seen = 0;
        for (size_t k = 0; k < r.nev; k++)
            seen += r.ev[k].kind == MP_EV_QUEUE_GET && r.ev[k].obj == q && r.ev[k].pid != r.caller &&
                    strcmp(r.ev[k].text, text) == 0;
        cr_assert(seen == 1, "item %s was taken by a consumer %zu times, expected exactly once", text, seen);
    }
    gr_run_free(&r);
    tu_assert_no_children();
}

Test(ex06_queue_workers, c3_one_sentinel_each, .timeout = 60.)
{
    struct gr_run r;
    struct ctx *c = run(&r);
    char sentinel[16];
    snprintf(sentinel, sizeof sentinel, "%d", EX_SENTINEL);
    pid_t got[64];
    size_t n = 0;
    for (size_t k = 0; k < r.nev; k++) {
        const struct mp_trace_event *e = &r.ev[k];
        if (e->kind != MP_EV_QUEUE_GET || strcmp(e->text, sentinel) != 0) continue;
        cr_assert(e->pid != r.caller, "the parent took a sentinel itself");
        for (size_t j = 0; j < n; j++)
            cr_assert(got[j] != e->pid, "consumer %d took two sentinels: stop at the first one", (int)e->pid);
        if (n < 64) got[n++] = e->pid;
    }
    cr_assert(n == (size_t)c->nconsumers, "%zu consumers took a sentinel, expected all %d", n, c->nconsumers);
    size_t kids = gr_children_of(&r, r.caller, NULL, 0);
    cr_assert(kids == (size_t)c->nconsumers, "%zu consumer processes were started, expected %d", kids, c->nconsumers);
    cr_assert(r.leftovers == 0, "%d processes were still running after the call", r.leftovers);
    gr_run_free(&r);
    tu_assert_no_children();
}
