/*
 * waitfor_words.c — the wait-for graph's findings in a learner's words
 * (waitfor.h): the deadlock's cycle, each blocked call, lock-order
 * warnings. Pure, like the graph (waitfor.c).
 */
#include "waitfor.h"

#include "model.h"

#include <stdio.h>
#include <string.h>

/* What an MPI rank does (model_mpi.c); weak, as in waitfor.c. */
int model_mpi_doing_text(const struct model *m, int pid, char *buf, size_t cap) __attribute__((weak));

/* "lock 2", "queue 1", "pipe 1", "result 3". */
static void obj_name(const struct model *m, const char *what, uint64_t id, char *buf, size_t cap)
{
    int n = model_obj_number(m, id);
    if (n) snprintf(buf, cap, "%s %d", what, n);
    else snprintf(buf, cap, "%s ?", what);
}

/* "PID 745", or "process 1" when names map pids to creation order. */
static const char *who(const struct wf_names *nm, int pid, char *buf, size_t cap)
{
    for (size_t i = 0; nm && nm->pids && i < nm->n; i++)
        if (nm->pids[i] == pid) {
            snprintf(buf, cap, "process %zu", i);
            return buf;
        }
    snprintf(buf, cap, "PID %d", pid);
    return buf;
}

/* What the waiter does: "waits for lock 2", "waits to get from queue 1 (empty)". */
static int doing(const struct model *m, const struct wf_wait *x, const struct wf_names *nm, char *buf, size_t cap)
{
    char o[48], p[32];
    switch (x->kind) {
    case WF_LOCK: obj_name(m, "lock", x->obj, o, sizeof o); return snprintf(buf, cap, "waits for %s", o);
    case WF_QUEUE_GET:
        obj_name(m, "queue", x->obj, o, sizeof o);
        return snprintf(buf, cap, "waits to get from %s (empty)", o);
    case WF_QUEUE_PUT:
        obj_name(m, "queue", x->obj, o, sizeof o);
        return snprintf(buf, cap, "waits to put into %s (full)", o);
    case WF_PIPE_RECV:
        obj_name(m, "pipe", x->obj, o, sizeof o);
        return snprintf(buf, cap, "waits to receive on %s", o);
    case WF_JOIN: return snprintf(buf, cap, "waits to join %s", who(nm, (int)x->arg, p, sizeof p));
    case WF_ASYNC:
        obj_name(m, "async result", x->obj, o, sizeof o);
        return snprintf(buf, cap, "waits for %s", o);
    case WF_MANAGER: return snprintf(buf, cap, "waits for the manager (%s)", who(nm, (int)x->arg, p, sizeof p));
    case WF_POOL_CLAIM:
        obj_name(m, "pool", x->obj, o, sizeof o);
        return snprintf(buf, cap, "waits for a task from %s", o);
    case WF_POOL_JOIN:
        obj_name(m, "pool", x->obj, o, sizeof o);
        return snprintf(buf, cap, "waits for the workers of %s to leave", o);
    case WF_MPI:
        if (model_mpi_doing_text) return model_mpi_doing_text(m, x->pid, buf, cap);
        return snprintf(buf, cap, "waits in MPI");
    default: return snprintf(buf, cap, "waits");
    }
}

/* Who could end it, naming `next`: "held by PID 746". */
static int released_by(const struct wf_wait *x, int next, int nrel, const struct wf_names *nm, char *buf, size_t cap)
{
    const char *only = nrel > 1 ? "" : "only ";
    const char *also = nrel > 1 ? " (and others, all stuck)" : "";
    char p[32];
    who(nm, next, p, sizeof p);
    switch (x->kind) {
    case WF_LOCK: return snprintf(buf, cap, "held by %s", p);
    case WF_QUEUE_GET: return snprintf(buf, cap, "%s%s could put%s", only, p, also);
    case WF_QUEUE_PUT: return snprintf(buf, cap, "%s%s could get%s", only, p, also);
    case WF_PIPE_RECV: return snprintf(buf, cap, "%s%s holds the other end%s", only, p, also);
    case WF_JOIN: return snprintf(buf, cap, "%s", p);
    case WF_ASYNC: return snprintf(buf, cap, "computed by worker %s%s", p, also);
    case WF_MANAGER: return snprintf(buf, cap, "served by %s", p);
    case WF_POOL_CLAIM: return snprintf(buf, cap, "only %s could submit one", p);
    case WF_POOL_JOIN: return snprintf(buf, cap, "worker %s%s", p, also);
    case WF_MPI: return snprintf(buf, cap, "%srank %s could send%s", only, p, also);
    default: return snprintf(buf, cap, "%s", p);
    }
}

/* Appends with snprintf semantics: *len counts what would have been written. */
static void cat(char *buf, size_t cap, int *len, const char *s)
{
    size_t at = (size_t)*len;
    if (at < cap) snprintf(buf + at, cap - at, "%s", s);
    *len += (int)strlen(s);
}

/* " at 15-deadlock.c:55" when names ask for sites and the wait has one. */
static void cat_site(char *buf, size_t cap, int *len, const struct wf_wait *x, const struct wf_names *nm)
{
    if (!nm || !nm->sites || !x->site[0]) return;
    cat(buf, cap, len, " at ");
    cat(buf, cap, len, x->site);
}

/* Where the cycle's words start: the lowest pid (fill_cycle's order), or
 * with names the lowest creation index, so a run's text does not depend
 * on which pids it got. */
static size_t cycle_start(const struct wf_deadlock *d, const struct wf_names *nm)
{
    if (!nm || !nm->pids) return 0;
    size_t best = 0, best_idx = (size_t)-1;
    for (size_t i = 0; i < d->ncycle; i++)
        for (size_t k = 0; k < nm->n; k++)
            if (nm->pids[k] == d->cycle[i].pid && k < best_idx) {
                best_idx = k;
                best = i;
            }
    return best;
}

int waitfor_cycle_text_named(const struct model *m, const struct wf_deadlock *d, const struct wf_names *nm,
                             char *buf, size_t cap)
{
    int len = 0;
    char part[192], rel[96], o[48], p[32];
    if (cap) buf[0] = '\0';
    if (!d->ncycle) {
        const struct wf_wait *x = &d->cycle[0];
        doing(m, x, nm, part, sizeof part);
        snprintf(rel, sizeof rel, "%s ", who(nm, x->pid, p, sizeof p));
        cat(buf, cap, &len, rel);
        cat(buf, cap, &len, part);
        cat_site(buf, cap, &len, x, nm);
        switch (x->kind) {
        case WF_PIPE_RECV:
            cat(buf, cap, &len, " <- nobody else holds the other end (it still holds it itself: close the end it does not use)");
            break;
        case WF_QUEUE_GET: cat(buf, cap, &len, " <- no other live process could put"); break;
        case WF_QUEUE_PUT: cat(buf, cap, &len, " <- no other live process could get"); break;
        default: cat(buf, cap, &len, " <- nobody alive can release it"); break;
        }
        return len;
    }
    size_t start = cycle_start(d, nm), nc = d->ncycle;
    for (size_t k = 0; k < nc; k++) {
        size_t i = (start + k) % nc;
        const struct wf_wait *x = &d->cycle[i];
        int next = d->cycle[(i + 1) % nc].pid;
        if (k == 0) {
            snprintf(part, sizeof part, "%s ", who(nm, x->pid, p, sizeof p));
            cat(buf, cap, &len, part);
            /* The lock the one before it waits for is ours: say so first. */
            const struct wf_wait *last = &d->cycle[(i + nc - 1) % nc];
            if (last->kind == WF_LOCK) {
                obj_name(m, "lock", last->obj, o, sizeof o);
                snprintf(part, sizeof part, "holds %s and ", o);
                cat(buf, cap, &len, part);
            }
        } else {
            cat(buf, cap, &len, ", which ");
        }
        doing(m, x, nm, part, sizeof part);
        cat(buf, cap, &len, part);
        cat_site(buf, cap, &len, x, nm);
        released_by(x, next, d->releasers[i], nm, rel, sizeof rel);
        cat(buf, cap, &len, " <- ");
        cat(buf, cap, &len, rel);
    }
    return len;
}

int waitfor_cycle_text(const struct model *m, const struct wf_deadlock *d, char *buf, size_t cap)
{
    return waitfor_cycle_text_named(m, d, NULL, buf, cap);
}

int waitfor_doing_text(const struct model *m, const struct wf_wait *w, char *buf, size_t cap)
{
    return doing(m, w, NULL, buf, cap);
}

int waitfor_member_text(const struct model *m, const struct wf_wait *x, char *buf, size_t cap)
{
    char part[160];
    doing(m, x, NULL, part, sizeof part);
    if (x->site[0]) return snprintf(buf, cap, "PID %d %s, at %s", x->pid, part, x->site);
    return snprintf(buf, cap, "PID %d %s", x->pid, part);
}

static int order_text(const struct model *m, const struct wf_order *o, char *buf, size_t cap)
{
    char a[48], b[48];
    obj_name(m, "lock", o->first, a, sizeof a);
    obj_name(m, "lock", o->second, b, sizeof b);
    if (o->site[0]) return snprintf(buf, cap, "PID %d took %s then %s (at %s)", o->pid, a, b, o->site);
    return snprintf(buf, cap, "PID %d took %s then %s", o->pid, a, b);
}

int waitfor_inversion_text(const struct model *m, const struct wf_inversion *v, char *buf, size_t cap)
{
    char a[48], b[48], o1[256], o2[256];
    /* The lower-numbered lock first, and its order first. */
    bool swap = model_obj_number(m, v->a) > model_obj_number(m, v->b);
    obj_name(m, "lock", swap ? v->b : v->a, a, sizeof a);
    obj_name(m, "lock", swap ? v->a : v->b, b, sizeof b);
    order_text(m, &v->orders[swap ? 1 : 0], o1, sizeof o1);
    order_text(m, &v->orders[swap ? 0 : 1], o2, sizeof o2);
    return snprintf(buf, cap, "%s and %s were taken in both orders: %s; %s. Run at the same time, they can deadlock",
                    a, b, o1, o2);
}

/* "lock 1 then lock 2 by PID 745 at line 40" */
static int order_brief(const struct model *m, const struct wf_order *o, char *buf, size_t cap)
{
    char a[48], b[48];
    obj_name(m, "lock", o->first, a, sizeof a);
    obj_name(m, "lock", o->second, b, sizeof b);
    if (o->site[0]) return snprintf(buf, cap, "%s then %s by PID %d at %s", a, b, o->pid, o->site);
    return snprintf(buf, cap, "%s then %s by PID %d", a, b, o->pid);
}

int waitfor_inversion_brief(const struct model *m, const struct wf_inversion *v, char *buf, size_t cap)
{
    char o1[200], o2[200];
    bool swap = model_obj_number(m, v->a) > model_obj_number(m, v->b);
    order_brief(m, &v->orders[swap ? 1 : 0], o1, sizeof o1);
    order_brief(m, &v->orders[swap ? 0 : 1], o2, sizeof o2);
    return snprintf(buf, cap, "LOCK ORDER: %s; %s: can deadlock", o1, o2);
}
