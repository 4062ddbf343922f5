/*
 * manager_store.c — the manager server's data: named dicts, lists and
 * values, and the request handler that reads and changes them. Pure: no
 * I/O, no globals, so the fuzzer (tests/fuzz/fuzz_frame.c) drives it with
 * any bytes and the server loop (manager_server.c) only moves frames.
 *
 * Design notes:
 *  - Every handler parses all its arguments before changing anything, so a
 *    malformed request (-EBADMSG) leaves the data as it was.
 *  - Values are owned copies: a request's bytes die with its frame.
 */
#include "manager_private.h"

#include <stdlib.h>
#include <string.h>

/* The server's data. Dicts keep insertion order (as Python's do) in an
 * array of entries, with an open-addressing index of entry numbers beside
 * it so a lookup does not scan the whole dict. Objects themselves are few
 * and found by a linear scan. */

enum obj_kind { K_DICT = 1, K_LIST, K_VALUE };

struct entry {
    mp__val key; /* dicts only: an owned 's' */
    mp__val val; /* owned copy */
};

struct object {
    int kind;
    mp__val name;
    struct entry *e;
    size_t n, cap;
    uint32_t *slots; /* dicts: entry number + 1 per slot, 0 = empty */
    size_t nslots;   /* a power of two, at least twice n */
};

struct mp__store {
    struct object *objs;
    size_t n, cap;
    mp__buf scratch; /* reply values of the request being handled */
};

static int val_dup(mp__val *dst, const mp__val *src)
{
    *dst = *src;
    if (src->tag != MP__T_STR && src->tag != MP__T_BYTES) {
        dst->p = NULL;
        return 0;
    }
    uint8_t *p = malloc(src->len ? src->len : 1);
    if (!p) return -ENOMEM;
    if (src->len) memcpy(p, src->p, src->len);
    dst->p = p;
    return 0;
}

static void val_drop(mp__val *v)
{
    free((void *)v->p);
    v->p = NULL;
}

static bool same_text(const mp__val *a, const mp__val *b)
{
    return a->len == b->len && (a->len == 0 || memcmp(a->p, b->p, a->len) == 0);
}

mp__store *mp__store_new(void)
{
    return calloc(1, sizeof(mp__store));
}

static void object_clear(struct object *o)
{
    for (size_t k = 0; k < o->n; k++) {
        val_drop(&o->e[k].key);
        val_drop(&o->e[k].val);
    }
    o->n = 0;
    if (o->slots) memset(o->slots, 0, o->nslots * sizeof *o->slots);
}

void mp__store_free(mp__store *s)
{
    if (!s) return;
    for (size_t k = 0; k < s->n; k++) {
        object_clear(&s->objs[k]);
        free(s->objs[k].e);
        free(s->objs[k].slots);
        val_drop(&s->objs[k].name);
    }
    free(s->objs);
    mp__buf_free(&s->scratch);
    free(s);
}

static struct object *find_object(mp__store *s, int kind, const mp__val *name, bool create)
{
    for (size_t k = 0; k < s->n; k++)
        if (s->objs[k].kind == kind && same_text(&s->objs[k].name, name)) return &s->objs[k];
    if (!create) return NULL;
    if (s->n == s->cap) {
        size_t cap = s->cap ? s->cap * 2 : 8;
        struct object *o = realloc(s->objs, cap * sizeof *o);
        if (!o) return NULL;
        s->objs = o;
        s->cap = cap;
    }
    struct object *o = &s->objs[s->n];
    *o = (struct object){.kind = kind};
    if (val_dup(&o->name, name) < 0) return NULL;
    s->n++;
    return o;
}

static struct entry *grow(struct object *o)
{
    if (o->n == o->cap) {
        size_t cap = o->cap ? o->cap * 2 : 8;
        struct entry *e = realloc(o->e, cap * sizeof *e);
        if (!e) return NULL;
        o->e = e;
        o->cap = cap;
    }
    return &o->e[o->n];
}

static size_t hash_text(const mp__val *k) /* FNV-1a */
{
    uint64_t h = 1469598103934665603ull;
    for (uint32_t i = 0; i < k->len; i++) h = (h ^ k->p[i]) * 1099511628211ull;
    return (size_t)h;
}

static void index_add(struct object *o, size_t entry)
{
    size_t mask = o->nslots - 1, h = hash_text(&o->e[entry].key) & mask;
    while (o->slots[h]) h = (h + 1) & mask;
    o->slots[h] = (uint32_t)entry + 1;
}

/* Refills the index from the entries (after a removal shifted them). */
static void index_refill(struct object *o)
{
    memset(o->slots, 0, o->nslots * sizeof *o->slots);
    for (size_t k = 0; k < o->n; k++) index_add(o, k);
}

/* Room in the index for one more key. 0 | -ENOMEM */
static int index_reserve(struct object *o)
{
    if ((o->n + 1) * 2 <= o->nslots) return 0;
    if (o->n >= UINT32_MAX / 4) return -ENOMEM;
    size_t nslots = o->nslots ? o->nslots * 2 : 16;
    uint32_t *slots = calloc(nslots, sizeof *slots);
    if (!slots) return -ENOMEM;
    free(o->slots);
    o->slots = slots;
    o->nslots = nslots;
    index_refill(o);
    return 0;
}

static struct entry *dict_find(struct object *o, const mp__val *key)
{
    if (!o->nslots) return NULL;
    size_t mask = o->nslots - 1;
    for (size_t h = hash_text(key) & mask; o->slots[h]; h = (h + 1) & mask) {
        struct entry *e = &o->e[o->slots[h] - 1];
        if (same_text(&e->key, key)) return e;
    }
    return NULL;
}

/* Stores a copy of v under key (replacing, or appending a new key). */
static int dict_put(struct object *o, const mp__val *key, const mp__val *v)
{
    mp__val copy;
    if (val_dup(&copy, v) < 0) return -ENOMEM;
    struct entry *e = dict_find(o, key);
    if (e) {
        val_drop(&e->val);
        e->val = copy;
        return 0;
    }
    e = index_reserve(o) == 0 ? grow(o) : NULL;
    if (!e || val_dup(&e->key, key) < 0) {
        val_drop(&copy);
        return -ENOMEM;
    }
    e->val = copy;
    index_add(o, o->n);
    o->n++;
    return 0;
}

static void remove_at(struct object *o, size_t k)
{
    val_drop(&o->e[k].key);
    val_drop(&o->e[k].val);
    memmove(&o->e[k], &o->e[k + 1], (o->n - k - 1) * sizeof *o->e);
    o->n--;
    if (o->slots) index_refill(o); /* entry numbers after k moved down */
}

/* cur + delta as Python computes it: int + int stays int (overflow is
 * -ERANGE: no bignums here), anything with a float becomes float. */
static int add_numbers(const mp__val *cur, const mp__val *delta, mp__val *out)
{
    if ((cur->tag != MP__T_INT && cur->tag != MP__T_DOUBLE) ||
        (delta->tag != MP__T_INT && delta->tag != MP__T_DOUBLE))
        return -EINVAL;
    *out = (mp__val){0};
    if (cur->tag == MP__T_INT && delta->tag == MP__T_INT) {
        out->tag = MP__T_INT;
        return __builtin_add_overflow(cur->i, delta->i, &out->i) ? -ERANGE : 0;
    }
    double a = cur->tag == MP__T_INT ? (double)cur->i : cur->d;
    double b = delta->tag == MP__T_INT ? (double)delta->i : delta->d;
    out->tag = MP__T_DOUBLE;
    out->d = a + b;
    return 0;
}

/* Python index rules: negative counts from the end. -ERANGE outside. */
static int list_index(const struct object *o, int64_t i, size_t *at)
{
    if (i < 0) i += (int64_t)o->n;
    if (i < 0 || (uint64_t)i >= o->n) return -ERANGE;
    *at = (size_t)i;
    return 0;
}

/* Each handler parses all its arguments before changing anything, so a
 * malformed request (-EBADMSG) leaves the data as it was. Reply values go
 * to r; the return value is the reply's status. */
#define ARGS_END(d) \
    do { if (!mp__dec_at_end(d)) return -EBADMSG; } while (0)

static int dict_op(struct object *o, int op, mp__dec *d, mp__buf *r)
{
    mp__val key, v, sum;
    struct entry *e;
    int rc;
    switch (op) {
    case OP_DICT_OPEN: ARGS_END(d); return 0;
    case OP_DICT_SET:
        if (mp__dec_str(d, &key) || mp__dec_data(d, &v)) return -EBADMSG;
        ARGS_END(d);
        return dict_put(o, &key, &v);
    case OP_DICT_GET:
    case OP_DICT_DEL:
    case OP_DICT_CONTAINS:
        if (mp__dec_str(d, &key)) return -EBADMSG;
        ARGS_END(d);
        e = dict_find(o, &key);
        if (op == OP_DICT_CONTAINS) return e != NULL;
        if (!e) return -ENOENT;
        if (op == OP_DICT_GET) mp__enc_val(r, &e->val);
        else remove_at(o, (size_t)(e - o->e));
        return 0;
    case OP_DICT_ADD:
        if (mp__dec_str(d, &key) || mp__dec_data(d, &v)) return -EBADMSG;
        ARGS_END(d);
        e = dict_find(o, &key);
        if (!e) {
            if (v.tag != MP__T_INT && v.tag != MP__T_DOUBLE) return -EINVAL;
            sum = v;
        } else if ((rc = add_numbers(&e->val, &v, &sum)) < 0) {
            return rc;
        }
        if ((rc = dict_put(o, &key, &sum)) < 0) return rc;
        mp__enc_val(r, &sum);
        return 0;
    case OP_DICT_LEN: ARGS_END(d); return (int)o->n;
    case OP_DICT_CLEAR: ARGS_END(d); object_clear(o); return 0;
    case OP_DICT_KEYS:
    case OP_DICT_ITEMS:
        ARGS_END(d);
        for (size_t k = 0; k < o->n; k++) {
            mp__enc_val(r, &o->e[k].key);
            if (op == OP_DICT_ITEMS) mp__enc_val(r, &o->e[k].val);
        }
        return (int)o->n;
    default: return -EBADMSG;
    }
}

static int list_op(struct object *o, int op, mp__dec *d, mp__buf *r)
{
    mp__val v;
    int64_t i, want;
    size_t at;
    int rc;
    struct entry *e;
    switch (op) {
    case OP_LIST_OPEN: ARGS_END(d); return 0;
    case OP_LIST_APPEND:
        if (mp__dec_data(d, &v)) return -EBADMSG;
        ARGS_END(d);
        if (!(e = grow(o))) return -ENOMEM;
        *e = (struct entry){0};
        if (val_dup(&e->val, &v) < 0) return -ENOMEM;
        o->n++;
        return (int)o->n;
    case OP_LIST_GET:
        if (mp__dec_int(d, &i)) return -EBADMSG;
        ARGS_END(d);
        if ((rc = list_index(o, i, &at)) < 0) return rc;
        mp__enc_val(r, &o->e[at].val);
        return 0;
    case OP_LIST_SET:
        if (mp__dec_int(d, &i) || mp__dec_data(d, &v)) return -EBADMSG;
        ARGS_END(d);
        if ((rc = list_index(o, i, &at)) < 0) return rc;
        mp__val copy;
        if (val_dup(&copy, &v) < 0) return -ENOMEM;
        val_drop(&o->e[at].val);
        o->e[at].val = copy;
        return 0;
    case OP_LIST_POP: /* index, then the type the caller wants (0 = any) */
        if (mp__dec_int(d, &i) || mp__dec_int(d, &want)) return -EBADMSG;
        ARGS_END(d);
        if ((rc = list_index(o, i, &at)) < 0) return rc;
        /* Check the type before removing, so a wrong-typed pop loses nothing. */
        if (want && o->e[at].val.tag != want &&
            !(want == MP__T_DOUBLE && o->e[at].val.tag == MP__T_INT))
            return -EINVAL;
        mp__enc_val(r, &o->e[at].val);
        remove_at(o, at);
        return 0;
    case OP_LIST_LEN: ARGS_END(d); return (int)o->n;
    case OP_LIST_ITEMS:
        ARGS_END(d);
        for (size_t k = 0; k < o->n; k++) mp__enc_val(r, &o->e[k].val);
        return (int)o->n;
    default: return -EBADMSG;
    }
}

static int value_op(struct object *o, int op, mp__dec *d, mp__buf *r)
{
    mp__val v, sum;
    int rc;
    switch (op) {
    case OP_VALUE_OPEN: ARGS_END(d); return 0;
    case OP_VALUE_GET:
        ARGS_END(d);
        if (o->n == 0) return -ENOENT;
        mp__enc_val(r, &o->e[0].val);
        return 0;
    case OP_VALUE_SET:
    case OP_VALUE_ADD:
        if (mp__dec_data(d, &v)) return -EBADMSG;
        ARGS_END(d);
        if (op == OP_VALUE_ADD) {
            if (o->n == 0) {
                if (v.tag != MP__T_INT && v.tag != MP__T_DOUBLE) return -EINVAL;
                sum = v;
            } else if ((rc = add_numbers(&o->e[0].val, &v, &sum)) < 0) {
                return rc;
            }
            v = sum;
        }
        mp__val copy;
        if (val_dup(&copy, &v) < 0) return -ENOMEM;
        if (o->n == 0) {
            if (!grow(o)) {
                val_drop(&copy);
                return -ENOMEM;
            }
            o->e[0] = (struct entry){0};
            o->n = 1;
        } else {
            val_drop(&o->e[0].val);
        }
        o->e[0].val = copy;
        if (op == OP_VALUE_ADD) mp__enc_val(r, &copy);
        return 0;
    default: return -EBADMSG;
    }
}

static int op_kind(int64_t op)
{
    if (op >= OP_DICT_OPEN && op <= OP_DICT_ITEMS) return K_DICT;
    if (op >= OP_LIST_OPEN && op <= OP_LIST_ITEMS) return K_LIST;
    if (op >= OP_VALUE_OPEN && op <= OP_VALUE_ADD) return K_VALUE;
    return 0;
}

static int run_request(mp__store *s, const uint8_t *req, size_t len, mp__buf *r)
{
    mp__dec d;
    int64_t op;
    mp__val name;
    mp__dec_init(&d, req, len);
    if (mp__dec_int(&d, &op) || mp__dec_str(&d, &name)) return -EBADMSG;
    if (op == OP_PING) {
        ARGS_END(&d);
        return 0;
    }
    int kind = op_kind(op);
    if (!kind || name.len == 0 || name.len > NAME_MAX_LEN) return -EBADMSG;
    struct object *o = find_object(s, kind, &name, true);
    if (!o) return -ENOMEM;
    switch (kind) {
    case K_DICT: return dict_op(o, (int)op, &d, r);
    case K_LIST: return list_op(o, (int)op, &d, r);
    default: return value_op(o, (int)op, &d, r);
    }
}

int mp__store_handle(mp__store *s, const uint8_t *req, size_t len, mp__buf *out)
{
    mp__buf_reset(&s->scratch);
    int status = run_request(s, req, len, &s->scratch);
    size_t at = mp__frame_begin(out);
    mp__enc_int(out, status);
    if (status >= 0) mp__buf_put(out, s->scratch.data, s->scratch.len);
    int rc = mp__frame_end(out, at, MP__FRAME_MAX);
    if (rc == -EMSGSIZE) { /* the reply would not fit a frame: say so instead */
        at = mp__frame_begin(out);
        mp__enc_int(out, -EMSGSIZE);
        rc = mp__frame_end(out, at, MP__FRAME_MAX);
    }
    if (rc < 0) return rc;
    return status == -EBADMSG ? -EBADMSG : 0;
}
