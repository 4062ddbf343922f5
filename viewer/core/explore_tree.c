/*
 * explore_tree.c — depth-first search over scheduling choices with a
 * preemption bound and sleep sets, and PCT-style random runs
 * (explore_tree.h).
 */
#include "explore_tree.h"

#include "mp_gate.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

/* Kinds whose whole effect stays on their object (obj != 0). */
static bool local_kind(uint32_t kind)
{
    switch (kind) {
    case MP_GOP_LOCK_ACQUIRE: case MP_GOP_LOCK_RELEASE:
    case MP_GOP_MEM_READ: case MP_GOP_MEM_WRITE:
    case MP_GOP_QUEUE_PUT: case MP_GOP_QUEUE_GET:
    case MP_GOP_PIPE_SEND: case MP_GOP_PIPE_RECV: case MP_GOP_PIPE_POLL: case MP_GOP_PIPE_CLOSE:
        return true;
    default:
        return false;
    }
}

/* Kinds that change nothing another process can see (the step after
 * them may print, which `printed` covers). */
static bool silent_kind(uint32_t kind)
{
    return kind == MP_GOP_START || kind == MP_GOP_NOTE;
}

bool ex_independent(const struct ex_op *a, const struct ex_op *b)
{
    if (a->index == b->index) return false;
    if (a->printed && b->printed) return false;
    if (silent_kind(a->kind) || silent_kind(b->kind)) return true;
    if (!local_kind(a->kind) || !local_kind(b->kind) || !a->obj || !b->obj) return false;
    if (a->obj != b->obj) return true;
    return a->kind == MP_GOP_MEM_READ && b->kind == MP_GOP_MEM_READ;
}

void ex_search_init(struct ex_search *s, bool random, uint32_t bound, uint64_t seed)
{
    memset(s, 0, sizeof *s);
    s->random = random;
    s->bound = bound;
    s->seed = seed;
    s->pct_depth = 3;
    s->est_len = 16;
}

static void item_free(struct ex_item *it)
{
    free(it->prefix);
    free(it->sleep);
    memset(it, 0, sizeof *it);
}

void ex_search_free(struct ex_search *s)
{
    for (size_t i = 0; i < s->nstack; i++) item_free(&s->stack[i]);
    free(s->stack);
    memset(s, 0, sizeof *s);
}

size_t ex_pending(const struct ex_search *s)
{
    return s->nstack;
}

static uint64_t splitmix(uint64_t *x)
{
    uint64_t z = (*x += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

bool ex_run_begin(struct ex_search *s, struct ex_run *r)
{
    memset(r, 0, sizeof *r);
    r->prev = -1;
    if (s->random) {
        r->rng = s->seed ^ (s->runs_begun * 0xd1b54a32d192ed03ull);
        splitmix(&r->rng);
        r->nchange = s->pct_depth > 1 ? s->pct_depth - 1 : 0;
        if (r->nchange > 8) r->nchange = 8;
        for (unsigned k = 0; k < r->nchange; k++) r->change[k] = (size_t)(splitmix(&r->rng) % (s->est_len ? s->est_len : 1));
        s->runs_begun++;
        return true;
    }
    if (!s->started) {
        s->started = true;
        s->runs_begun++;
        return true;
    }
    if (!s->nstack) return false;
    r->item = s->stack[--s->nstack];
    s->runs_begun++;
    return true;
}

static bool has_index(const struct ex_op *ops, size_t n, int index)
{
    for (size_t i = 0; i < n; i++)
        if (ops[i].index == index) return true;
    return false;
}

static const struct ex_op *find_op(const struct ex_op *ops, size_t n, int index)
{
    for (size_t i = 0; i < n; i++)
        if (ops[i].index == index) return &ops[i];
    return NULL;
}

/* Is ops[i] asleep? (same process, same pending operation) */
static bool asleep(const struct ex_run *r, const struct ex_op *op)
{
    for (size_t i = 0; i < r->nsleep; i++)
        if (r->sleep[i].index == op->index && r->sleep[i].kind == op->kind && r->sleep[i].obj == op->obj) return true;
    return false;
}

static int pct_pick(struct ex_search *s, struct ex_run *r, const struct ex_op *ops, size_t n)
{
    (void)s;
    for (size_t i = 0; i < n; i++) {
        int ix = ops[i].index;
        if (ix >= 0 && ix < 256 && !r->prio[ix]) r->prio[ix] = 16 + (splitmix(&r->rng) >> 8);
    }
    for (int pass = 0; pass < 2; pass++) {
        size_t best = 0;
        for (size_t i = 1; i < n; i++)
            if (r->prio[ops[i].index & 255] > r->prio[ops[best].index & 255]) best = i;
        bool dropped = false;
        for (unsigned k = 0; k < r->nchange && pass == 0; k++)
            if (r->change[k] == r->depth) {
                r->prio[ops[best].index & 255] = k + 1; /* below every fresh priority */
                dropped = true;
            }
        if (!dropped) return ops[best].index;
    }
    return ops[0].index;
}

static int path_push(struct ex_run *r, int index)
{
    /* item.prefix doubles as the path: the prefix, then fresh choices */
    if (r->depth < r->item.len) return 0;
    int *p = realloc(r->item.prefix, (r->depth + 1) * sizeof *p);
    if (!p) return -ENOMEM;
    r->item.prefix = p;
    r->item.prefix[r->depth] = index;
    r->item.len = r->depth + 1;
    return 0;
}

static bool preempts(const struct ex_run *r, const struct ex_op *ops, size_t n, int index)
{
    return r->prev >= 0 && index != r->prev && has_index(ops, n, r->prev);
}

static int decide_fresh(struct ex_search *s, struct ex_run *r, const struct ex_op *ops, size_t n)
{
    const struct ex_op *def = NULL;
    const struct ex_op *prev = find_op(ops, n, r->prev);
    if (prev && !asleep(r, prev)) def = prev;
    for (size_t i = 0; i < n && !def; i++)
        if (!asleep(r, &ops[i])) def = &ops[i];
    if (!def) return EX_PRUNE;
    free(r->alts);
    free(r->alt_preempt);
    r->alts = malloc(n * sizeof *r->alts);
    r->alt_preempt = malloc(n * sizeof *r->alt_preempt);
    if (!r->alts || !r->alt_preempt) return -ENOMEM;
    r->nalts = 0;
    uint32_t base = r->preempt;
    for (size_t i = 0; i < n; i++) {
        if (&ops[i] == def || asleep(r, &ops[i])) continue;
        uint32_t p = base + (preempts(r, ops, n, ops[i].index) ? 1 : 0);
        if (s->bound != EX_BOUND_ALL && p > s->bound) {
            s->bound_cut = true;
            continue;
        }
        r->alt_preempt[r->nalts] = p;
        r->alts[r->nalts++] = ops[i];
    }
    if (preempts(r, ops, n, def->index)) r->preempt++;
    r->fresh = true;
    r->chosen = *def;
    return def->index;
}

int ex_decide(struct ex_search *s, struct ex_run *r, const struct ex_op *ops, size_t n)
{
    int pick;
    r->fresh = false;
    if (s->random) {
        pick = pct_pick(s, r, ops, n);
    } else if (r->depth < r->item.len) {
        pick = r->item.prefix[r->depth];
        const struct ex_op *op = find_op(ops, n, pick);
        if (!op) {
            s->diverged++;
            return EX_DIVERGED;
        }
        r->chosen = *op;
        if (r->depth + 1 == r->item.len) { /* the new choice: its sleep set starts here */
            r->sleep = r->item.sleep;
            r->nsleep = r->item.nsleep;
            r->item.sleep = NULL;
            r->item.nsleep = 0;
            r->preempt = r->item.preempt;
        }
    } else {
        pick = decide_fresh(s, r, ops, n);
        if (pick == EX_PRUNE) s->pruned++;
        if (pick < 0) return pick;
        if (path_push(r, pick) < 0) return -ENOMEM;
    }
    r->pending = true;
    return pick;
}

static int queue_alts(struct ex_search *s, struct ex_run *r)
{
    for (size_t j = r->nalts; j-- > 0;) { /* pushed last-first: the first pops first */
        struct ex_item it = {0};
        it.len = r->depth + 1;
        it.prefix = malloc(it.len * sizeof *it.prefix);
        it.sleep = malloc((r->nsleep + 1 + j) * sizeof *it.sleep);
        if (!it.prefix || !it.sleep) {
            item_free(&it);
            return -ENOMEM;
        }
        if (r->depth) memcpy(it.prefix, r->item.prefix, r->depth * sizeof *it.prefix);
        it.prefix[r->depth] = r->alts[j].index;
        if (r->nsleep) memcpy(it.sleep, r->sleep, r->nsleep * sizeof *it.sleep); /* (memcpy from NULL is undefined) */
        it.nsleep = r->nsleep;
        it.sleep[it.nsleep++] = r->chosen;
        for (size_t k = 0; k < j; k++) {
            it.sleep[it.nsleep] = r->alts[k];
            it.sleep[it.nsleep++].printed = true; /* not run yet: assume the worst */
        }
        it.preempt = r->alt_preempt[j];
        if (s->nstack == s->cap_stack) {
            size_t ncap = s->cap_stack ? s->cap_stack * 2 : 64;
            struct ex_item *p = realloc(s->stack, ncap * sizeof *p);
            if (!p) {
                item_free(&it);
                return -ENOMEM;
            }
            s->stack = p;
            s->cap_stack = ncap;
        }
        s->stack[s->nstack++] = it;
    }
    r->nalts = 0;
    return 0;
}

int ex_stepped(struct ex_search *s, struct ex_run *r, bool printed)
{
    if (!r->pending) return 0;
    r->pending = false;
    r->chosen.printed = printed;
    int rc = 0;
    if (!s->random && r->fresh) rc = queue_alts(s, r);
    /* the sleep set goes on with what commutes with the step taken */
    size_t k = 0;
    for (size_t i = 0; i < r->nsleep; i++)
        if (ex_independent(&r->sleep[i], &r->chosen)) r->sleep[k++] = r->sleep[i];
    r->nsleep = k;
    r->prev = r->chosen.index;
    r->depth++;
    return rc;
}

void ex_run_end(struct ex_search *s, struct ex_run *r)
{
    if (r->depth > s->est_len) s->est_len = r->depth;
    item_free(&r->item);
    free(r->sleep);
    free(r->alts);
    free(r->alt_preempt);
    memset(r, 0, sizeof *r);
}
