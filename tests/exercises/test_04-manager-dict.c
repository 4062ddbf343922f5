/* Grader for 04-manager-dict: the dict holds every key with its value, and
 * the writes came from the worker processes, each doing a share. */
#include "harness.h"

#include <stdio.h>

#define MAXN 24

struct ctx {
    size_t n;
    int nprocs, rc, len;
    pid_t server;
    char keys[MAXN][48];
    double vals[MAXN], got[MAXN];
    int got_rc[MAXN];
};

static void body(void *p)
{
    struct ctx *c = p;
    mp_manager *m = mp_manager_start();
    mp_dict *d = m ? mp_manager_dict(m, "d") : NULL;
    if (!d) {
        c->rc = -ENOMEM;
        mp_manager_shutdown(m);
        return;
    }
    c->server = mp_manager_pid(m);
    const char *keys[MAXN];
    for (size_t i = 0; i < c->n; i++) keys[i] = c->keys[i];
    c->rc = ex_manager_dict(d, keys, c->vals, c->n, c->nprocs);
    c->len = mp_dict_len(d);
    for (size_t i = 0; i < c->n; i++) c->got_rc[i] = mp_dict_get_double(d, c->keys[i], &c->got[i]);
    mp_dict_free(d);
    mp_manager_shutdown(m);
}

static struct ctx *run(struct gr_run *r)
{
    unsigned s = gr_seed();
    struct ctx *c = gr_shared(sizeof *c);
    c->nprocs = (int)gr_rand(&s, 2, 4);
    c->n = (size_t)gr_rand(&s, 8, MAXN);
    for (size_t i = 0; i < c->n; i++) {
        /* distinct keys: the index is part of the name */
        snprintf(c->keys[i], sizeof c->keys[i], "k%zu_%ld", i, gr_rand(&s, 0, 99999));
        c->vals[i] = (double)gr_rand(&s, -50000, 50000) / 8.0;
    }
    gr_run(body, c, gr_limit(15), r);
    gr_require_finished(r);
    gr_require_rc0("ex_manager_dict", c->rc);
    return c;
}

Test(ex04_manager_dict, c1_every_key_set, .timeout = 60.)
{
    struct gr_run r;
    struct ctx *c = run(&r);
    cr_assert(c->len == (int)c->n, "the dict has %d keys after the call, expected %zu", c->len, c->n);
    for (size_t i = 0; i < c->n; i++) {
        cr_assert(c->got_rc[i] == 0, "d['%s'] is missing (%s)", c->keys[i], mp_err_name(c->got_rc[i]));
        cr_assert(c->got[i] == c->vals[i], "d['%s'] is %g, expected %g", c->keys[i], c->got[i], c->vals[i]);
    }
    gr_run_free(&r);
    tu_assert_no_children();
}

/* The pids that set keys, apart from the caller. */
static size_t setters(const struct gr_run *r, pid_t *out, size_t cap, size_t *by_caller, size_t *sets)
{
    size_t n = 0;
    *by_caller = *sets = 0;
    for (size_t i = 0; i < r->nev; i++) {
        const struct mp_trace_event *e = &r->ev[i];
        if (e->kind != MP_EV_MANAGER_OP || strncmp(e->text, "set ", 4) != 0 || e->b != 0) continue;
        if (e->pid == r->caller) {
            (*by_caller)++;
            continue;
        }
        (*sets)++;
        size_t j = 0;
        while (j < n && out[j] != e->pid) j++;
        if (j == n && n < cap) out[n++] = e->pid;
    }
    return n;
}

Test(ex04_manager_dict, c2_workers_wrote, .timeout = 60.)
{
    struct gr_run r;
    struct ctx *c = run(&r);
    pid_t who[64];
    size_t by_caller, sets;
    size_t n = setters(&r, who, 64, &by_caller, &sets);
    cr_assert(by_caller == 0, "the parent set %zu keys itself: only the worker processes may write", by_caller);
    cr_assert(sets >= c->n, "the workers set %zu keys through the manager, expected all %zu", sets, c->n);
    cr_assert(n == (size_t)c->nprocs, "%zu processes wrote to the dict, expected all nprocs = %d to take a share",
              n, c->nprocs);
    gr_run_free(&r);
    tu_assert_no_children();
}

Test(ex04_manager_dict, c3_workers_joined, .timeout = 60.)
{
    struct gr_run r;
    struct ctx *c = run(&r);
    pid_t kids[64];
    size_t nk = gr_children_of(&r, r.caller, kids, 64), workers = 0;
    for (size_t k = 0; k < nk && k < 64; k++) {
        if (kids[k] == c->server) continue;
        workers++;
        bool joined = false;
        for (size_t i = 0; i < r.nev; i++)
            joined |= r.ev[i].kind == MP_EV_PROC_EXIT && r.ev[i].a == kids[k] && r.ev[i].pid == r.caller;
        cr_assert(joined, "worker %d was not joined before ex_manager_dict returned", (int)kids[k]);
    }
    cr_assert(workers == (size_t)c->nprocs, "%zu worker processes were started, expected nprocs = %d", workers,
              c->nprocs);
    gr_run_free(&r);
    tu_assert_no_children();
}
