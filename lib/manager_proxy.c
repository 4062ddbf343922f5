/*
 * manager_proxy.c — the proxies a program uses: mp_dict, mp_list and
 * mp_mvalue. Each call encodes one request (op, object name, arguments),
 * makes one round trip through its manager (manager.c) and decodes the
 * reply; formatting (str(d)) happens here, on the client.
 */
#include "manager_private.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct mp__proxy {
    mp_manager *m;
    uint64_t id;
    char *name;
    size_t namelen;
};

struct mp_dict { struct mp__proxy px; };
struct mp_list { struct mp__proxy px; };
struct mp_mvalue { struct mp__proxy px; };

static void req_begin(struct mp__proxy *px, int op)
{
    mp_manager *m = px->m;
    mp__buf_reset(&m->tx);
    m->tx_at = (int)mp__frame_begin(&m->tx);
    m->tx_op = op;
    mp__enc_int(&m->tx, op);
    mp__enc_str(&m->tx, px->name, px->namelen);
}

/* The value a traced call shows (mp_trace.h): the one it sent for a set or
 * an append, the one it got back for a get, an add or a pop; else none. */
static const char *shown_value(int op, const mp__val *arg, const mp__dec *reply, mp__val *v)
{
    switch (op) {
    case OP_DICT_SET: case OP_LIST_SET: case OP_LIST_APPEND: case OP_VALUE_SET:
        if (!arg) return NULL;
        *v = *arg;
        return " = ";
    case OP_DICT_GET: case OP_DICT_ADD: case OP_LIST_GET: case OP_LIST_POP: case OP_VALUE_GET: case OP_VALUE_ADD: {
        if (!reply) return NULL;
        mp__dec peek = *reply; /* the caller decodes the reply itself after */
        return mp__dec_data(&peek, v) == 0 ? " -> " : NULL;
    }
    default: return NULL;
    }
}

/* "set fruits['Apple'] = 0.7", "append l = 3", "get l[3] -> 9", "len d" —
 * only built when tracing; the viewer's model rebuilds the contents from
 * them (viewer/core/model_manager.c). */
static void trace_op(struct mp__proxy *px, int rc, const char *verb, const char *key, long index, bool has_index,
                     const mp__val *arg, const mp__dec *reply)
{
    if (!mp__trace_on) return;
    mp__buf t = {0};
    char num[32];
    mp__buf_put(&t, verb, strlen(verb));
    mp__buf_put(&t, " ", 1);
    /* The event keeps MP_TRACE_TEXT bytes: longer names, keys and values
     * are cut before they are formatted (the event then says it was cut). */
    mp__buf_put(&t, px->name, px->namelen < MP_TRACE_TEXT ? px->namelen : MP_TRACE_TEXT);
    if (key) {
        mp__buf_put(&t, "[", 1);
        mp__repr_str(&t, (const uint8_t *)key, strnlen(key, MP_TRACE_TEXT));
        mp__buf_put(&t, "]", 1);
    } else if (has_index) {
        mp__buf_put(&t, num, (size_t)snprintf(num, sizeof num, "[%ld]", index));
    }
    mp__val v;
    const char *sep = rc >= 0 ? shown_value(px->m->tx_op, arg, reply, &v) : NULL;
    if (sep) {
        if (v.len > MP_TRACE_TEXT) v.len = MP_TRACE_TEXT;
        mp__buf_put(&t, sep, strlen(sep));
        mp__repr_val(&t, &v);
    }
    mp__buf_put(&t, "", 1);
    /* Out of memory: the call is still worth an event, without its text. */
    mp__trace_emit(MP_EV_MANAGER_OP, px->id, px->m->tx_op, rc, t.oom ? verb : (const char *)t.data);
    mp__buf_free(&t);
}

static int proxy_init(struct mp__proxy *px, mp_manager *m, const char *name, int open_op)
{
    if (!m || !name || !name[0] || strlen(name) > NAME_MAX_LEN) return -EINVAL;
    if (m->shut) return -ESHUTDOWN;
    px->name = strdup(name);
    if (!px->name) return -ENOMEM;
    px->namelen = strlen(name);
    px->m = m;
    px->id = mp__obj_id();
    mp__dec reply;
    req_begin(px, open_op);
    int rc = mp__mgr_roundtrip(m, &reply);
    trace_op(px, rc, "open", NULL, 0, false, NULL, NULL);
    if (rc < 0) {
        free(px->name);
        return rc;
    }
    m->refs++;
    return 0;
}

static void proxy_fini(struct mp__proxy *px)
{
    free(px->name);
    mp__mgr_unref(px->m);
}

/* The next reply value, which must be there. */
static int reply_val(mp__dec *reply, mp__val *v)
{
    return mp__dec_data(reply, v) < 0 ? -EPROTO : 0;
}

static int val_to_int(const mp__val *v, int64_t *out)
{
    if (v->tag != MP__T_INT) return -EINVAL;
    if (out) *out = v->i;
    return 0;
}

static int val_to_double(const mp__val *v, double *out)
{
    if (v->tag == MP__T_INT) {
        if (out) *out = (double)v->i;
    } else if (v->tag == MP__T_DOUBLE) {
        if (out) *out = v->d;
    } else {
        return -EINVAL;
    }
    return 0;
}

/* Copies text (NUL-terminated) or bytes out. Length | -EMSGSIZE | -EINVAL */
static ssize_t val_to_blob(const mp__val *v, uint8_t tag, void *buf, size_t cap)
{
    if (v->tag != tag) return -EINVAL;
    size_t need = v->len + (tag == MP__T_STR);
    if (need > cap) return -EMSGSIZE;
    if (v->len) memcpy(buf, v->p, v->len);
    if (tag == MP__T_STR) ((char *)buf)[v->len] = '\0';
    return (ssize_t)v->len;
}

/* Copies a formatted result (str(d), str(l)) into the caller's buffer. */
static int copy_text(mp__buf *b, char *buf, size_t cap)
{
    int rc;
    if (b->oom) rc = -ENOMEM;
    else if (b->len > INT_MAX) rc = -EMSGSIZE;
    else if (b->len + 1 > cap) rc = -EMSGSIZE;
    else {
        if (b->len) memcpy(buf, b->data, b->len);
        buf[b->len] = '\0';
        rc = (int)b->len;
    }
    mp__buf_free(b);
    return rc;
}

/* ------------------------------------------------------------------ dict */

mp_dict *mp_manager_dict(mp_manager *m, const char *name)
{
    mp_dict *d = calloc(1, sizeof *d);
    if (!d) return NULL;
    int rc = proxy_init(&d->px, m, name, OP_DICT_OPEN);
    if (rc < 0) {
        free(d);
        errno = -rc;
        return NULL;
    }
    return d;
}

void mp_dict_free(mp_dict *d)
{
    if (!d) return;
    proxy_fini(&d->px);
    free(d);
}

/* op on d[key] with an optional value argument. */
static int dict_key_call(mp_dict *d, int op, const char *verb, const char *key, const mp__val *arg, mp__dec *reply)
{
    if (!d || !key) return -EINVAL;
    req_begin(&d->px, op);
    mp__enc_str(&d->px.m->tx, key, strlen(key));
    if (arg) mp__enc_val(&d->px.m->tx, arg);
    int rc = mp__mgr_roundtrip(d->px.m, reply);
    trace_op(&d->px, rc, verb, key, 0, false, arg, reply);
    return rc;
}

static int dict_set(mp_dict *d, const char *key, const mp__val *v)
{
    mp__dec reply;
    int rc = dict_key_call(d, OP_DICT_SET, "set", key, v, &reply);
    return rc < 0 ? rc : 0;
}

int mp_dict_set_int(mp_dict *d, const char *key, int64_t v)
{
    return dict_set(d, key, &(mp__val){.tag = MP__T_INT, .i = v});
}

int mp_dict_set_double(mp_dict *d, const char *key, double v)
{
    return dict_set(d, key, &(mp__val){.tag = MP__T_DOUBLE, .d = v});
}

int mp_dict_set_str(mp_dict *d, const char *key, const char *v)
{
    if (!v) return -EINVAL;
    return dict_set(d, key, &(mp__val){.tag = MP__T_STR, .p = (const uint8_t *)v, .len = (uint32_t)strnlen(v, MP__FRAME_MAX + 1)});
}

int mp_dict_set_bytes(mp_dict *d, const char *key, const void *v, size_t len)
{
    if (!v && len) return -EINVAL;
    if (len > MP__FRAME_MAX) return -EMSGSIZE;
    return dict_set(d, key, &(mp__val){.tag = MP__T_BYTES, .p = v, .len = (uint32_t)len});
}

/* d[key] into *v (pointing into the reply). 0 | -errno */
static int dict_get(mp_dict *d, const char *key, mp__val *v)
{
    mp__dec reply;
    int rc = dict_key_call(d, OP_DICT_GET, "get", key, NULL, &reply);
    return rc < 0 ? rc : reply_val(&reply, v);
}

int mp_dict_get_int(mp_dict *d, const char *key, int64_t *v)
{
    mp__val x;
    int rc = dict_get(d, key, &x);
    return rc < 0 ? rc : val_to_int(&x, v);
}

int mp_dict_get_double(mp_dict *d, const char *key, double *v)
{
    mp__val x;
    int rc = dict_get(d, key, &x);
    return rc < 0 ? rc : val_to_double(&x, v);
}

ssize_t mp_dict_get_str(mp_dict *d, const char *key, char *buf, size_t cap)
{
    if (!buf && cap) return -EINVAL;
    mp__val x;
    int rc = dict_get(d, key, &x);
    return rc < 0 ? rc : val_to_blob(&x, MP__T_STR, buf, cap);
}

ssize_t mp_dict_get_bytes(mp_dict *d, const char *key, void *buf, size_t cap)
{
    if (!buf && cap) return -EINVAL;
    mp__val x;
    int rc = dict_get(d, key, &x);
    return rc < 0 ? rc : val_to_blob(&x, MP__T_BYTES, buf, cap);
}

static int dict_add(mp_dict *d, const char *key, const mp__val *delta, mp__val *sum)
{
    mp__dec reply;
    int rc = dict_key_call(d, OP_DICT_ADD, "add", key, delta, &reply);
    return rc < 0 ? rc : reply_val(&reply, sum);
}

int mp_dict_add_int(mp_dict *d, const char *key, int64_t delta, int64_t *out)
{
    mp__val sum;
    int rc = dict_add(d, key, &(mp__val){.tag = MP__T_INT, .i = delta}, &sum);
    /* A float entry stays float (Python: 1.5 + 1 == 2.5): no int to report. */
    return rc < 0 ? rc : val_to_int(&sum, out);
}

int mp_dict_add_double(mp_dict *d, const char *key, double delta, double *out)
{
    mp__val sum;
    int rc = dict_add(d, key, &(mp__val){.tag = MP__T_DOUBLE, .d = delta}, &sum);
    return rc < 0 ? rc : val_to_double(&sum, out);
}

int mp_dict_del(mp_dict *d, const char *key)
{
    mp__dec reply;
    int rc = dict_key_call(d, OP_DICT_DEL, "del", key, NULL, &reply);
    return rc < 0 ? rc : 0;
}

int mp_dict_contains(mp_dict *d, const char *key)
{
    mp__dec reply;
    return dict_key_call(d, OP_DICT_CONTAINS, "in", key, NULL, &reply);
}

/* An op on the whole dict; the status is the count for len/keys/items. */
static int dict_call(mp_dict *d, int op, const char *verb, mp__dec *reply)
{
    if (!d) return -EINVAL;
    req_begin(&d->px, op);
    int rc = mp__mgr_roundtrip(d->px.m, reply);
    trace_op(&d->px, rc, verb, NULL, 0, false, NULL, NULL);
    return rc;
}

int mp_dict_len(mp_dict *d)
{
    mp__dec reply;
    return dict_call(d, OP_DICT_LEN, "len", &reply);
}

int mp_dict_clear(mp_dict *d)
{
    mp__dec reply;
    int rc = dict_call(d, OP_DICT_CLEAR, "clear", &reply);
    return rc < 0 ? rc : 0;
}

int mp_dict_keys(mp_dict *d, char *buf, size_t cap)
{
    if (!buf && cap) return -EINVAL;
    mp__dec reply;
    int n = dict_call(d, OP_DICT_KEYS, "keys", &reply);
    size_t used = 0;
    for (int k = 0; k < n; k++) {
        mp__val key;
        if (mp__dec_str(&reply, &key) < 0) return -EPROTO;
        if (key.len + 1 > cap - used) return -EMSGSIZE;
        memcpy(buf + used, key.p, key.len);
        buf[used + key.len] = '\0';
        used += key.len + 1;
    }
    return n;
}

int mp_dict_format(mp_dict *d, char *buf, size_t cap)
{
    if (!buf && cap) return -EINVAL;
    mp__dec reply;
    int n = dict_call(d, OP_DICT_ITEMS, "str", &reply);
    if (n < 0) return n;
    mp__buf out = {0};
    mp__buf_put(&out, "{", 1);
    for (int k = 0; k < n; k++) {
        mp__val key, v;
        if (mp__dec_str(&reply, &key) < 0 || mp__dec_data(&reply, &v) < 0) {
            mp__buf_free(&out);
            return -EPROTO;
        }
        if (k) mp__buf_put(&out, ", ", 2);
        mp__repr_val(&out, &key);
        mp__buf_put(&out, ": ", 2);
        mp__repr_val(&out, &v);
    }
    mp__buf_put(&out, "}", 1);
    return copy_text(&out, buf, cap);
}

/* ------------------------------------------------------------------ list */

mp_list *mp_manager_list(mp_manager *m, const char *name)
{
    mp_list *l = calloc(1, sizeof *l);
    if (!l) return NULL;
    int rc = proxy_init(&l->px, m, name, OP_LIST_OPEN);
    if (rc < 0) {
        free(l);
        errno = -rc;
        return NULL;
    }
    return l;
}

void mp_list_free(mp_list *l)
{
    if (!l) return;
    proxy_fini(&l->px);
    free(l);
}

static int list_append(mp_list *l, const mp__val *v)
{
    if (!l) return -EINVAL;
    mp__dec reply;
    req_begin(&l->px, OP_LIST_APPEND);
    mp__enc_val(&l->px.m->tx, v);
    int rc = mp__mgr_roundtrip(l->px.m, &reply);
    trace_op(&l->px, rc, "append", NULL, 0, false, v, NULL);
    return rc < 0 ? rc : 0;
}

int mp_list_append_int(mp_list *l, int64_t v)
{
    return list_append(l, &(mp__val){.tag = MP__T_INT, .i = v});
}

int mp_list_append_double(mp_list *l, double v)
{
    return list_append(l, &(mp__val){.tag = MP__T_DOUBLE, .d = v});
}

int mp_list_append_str(mp_list *l, const char *v)
{
    if (!v) return -EINVAL;
    return list_append(l, &(mp__val){.tag = MP__T_STR, .p = (const uint8_t *)v, .len = (uint32_t)strnlen(v, MP__FRAME_MAX + 1)});
}

/* op on l[index]; arg is the value (set) or the wanted type (pop). */
static int list_index_call(mp_list *l, int op, const char *verb, long index, const mp__val *arg, mp__dec *reply)
{
    if (!l) return -EINVAL;
    req_begin(&l->px, op);
    mp__enc_int(&l->px.m->tx, index);
    if (arg) mp__enc_val(&l->px.m->tx, arg);
    int rc = mp__mgr_roundtrip(l->px.m, reply);
    trace_op(&l->px, rc, verb, NULL, index, true, arg, reply);
    return rc;
}

static int list_get(mp_list *l, long index, mp__val *v)
{
    mp__dec reply;
    int rc = list_index_call(l, OP_LIST_GET, "get", index, NULL, &reply);
    return rc < 0 ? rc : reply_val(&reply, v);
}

int mp_list_get_int(mp_list *l, long index, int64_t *v)
{
    mp__val x;
    int rc = list_get(l, index, &x);
    return rc < 0 ? rc : val_to_int(&x, v);
}

int mp_list_get_double(mp_list *l, long index, double *v)
{
    mp__val x;
    int rc = list_get(l, index, &x);
    return rc < 0 ? rc : val_to_double(&x, v);
}

ssize_t mp_list_get_str(mp_list *l, long index, char *buf, size_t cap)
{
    if (!buf && cap) return -EINVAL;
    mp__val x;
    int rc = list_get(l, index, &x);
    return rc < 0 ? rc : val_to_blob(&x, MP__T_STR, buf, cap);
}

static int list_set(mp_list *l, long index, const mp__val *v)
{
    mp__dec reply;
    int rc = list_index_call(l, OP_LIST_SET, "set", index, v, &reply);
    return rc < 0 ? rc : 0;
}

int mp_list_set_int(mp_list *l, long index, int64_t v)
{
    return list_set(l, index, &(mp__val){.tag = MP__T_INT, .i = v});
}

int mp_list_set_double(mp_list *l, long index, double v)
{
    return list_set(l, index, &(mp__val){.tag = MP__T_DOUBLE, .d = v});
}

int mp_list_set_str(mp_list *l, long index, const char *v)
{
    if (!v) return -EINVAL;
    return list_set(l, index, &(mp__val){.tag = MP__T_STR, .p = (const uint8_t *)v, .len = (uint32_t)strnlen(v, MP__FRAME_MAX + 1)});
}

int mp_list_pop_int(mp_list *l, long index, int64_t *v)
{
    mp__dec reply;
    mp__val x;
    int rc = list_index_call(l, OP_LIST_POP, "pop", index, &(mp__val){.tag = MP__T_INT, .i = MP__T_INT}, &reply);
    if (rc < 0 || (rc = reply_val(&reply, &x)) < 0) return rc;
    return val_to_int(&x, v);
}

static int list_call(mp_list *l, int op, const char *verb, mp__dec *reply)
{
    if (!l) return -EINVAL;
    req_begin(&l->px, op);
    int rc = mp__mgr_roundtrip(l->px.m, reply);
    trace_op(&l->px, rc, verb, NULL, 0, false, NULL, NULL);
    return rc;
}

int mp_list_len(mp_list *l)
{
    mp__dec reply;
    return list_call(l, OP_LIST_LEN, "len", &reply);
}

int mp_list_format(mp_list *l, char *buf, size_t cap)
{
    if (!buf && cap) return -EINVAL;
    mp__dec reply;
    int n = list_call(l, OP_LIST_ITEMS, "str", &reply);
    if (n < 0) return n;
    mp__buf out = {0};
    mp__buf_put(&out, "[", 1);
    for (int k = 0; k < n; k++) {
        mp__val v;
        if (mp__dec_data(&reply, &v) < 0) {
            mp__buf_free(&out);
            return -EPROTO;
        }
        if (k) mp__buf_put(&out, ", ", 2);
        mp__repr_val(&out, &v);
    }
    mp__buf_put(&out, "]", 1);
    return copy_text(&out, buf, cap);
}

/* ----------------------------------------------------------------- value */

mp_mvalue *mp_manager_value(mp_manager *m, const char *name)
{
    mp_mvalue *v = calloc(1, sizeof *v);
    if (!v) return NULL;
    int rc = proxy_init(&v->px, m, name, OP_VALUE_OPEN);
    if (rc < 0) {
        free(v);
        errno = -rc;
        return NULL;
    }
    return v;
}

void mp_mvalue_free(mp_mvalue *v)
{
    if (!v) return;
    proxy_fini(&v->px);
    free(v);
}

static int mvalue_call(mp_mvalue *v, int op, const char *verb, const mp__val *arg, mp__val *out)
{
    if (!v) return -EINVAL;
    mp__dec reply;
    req_begin(&v->px, op);
    if (arg) mp__enc_val(&v->px.m->tx, arg);
    int rc = mp__mgr_roundtrip(v->px.m, &reply);
    trace_op(&v->px, rc, verb, NULL, 0, false, arg, &reply);
    if (rc < 0 || !out) return rc < 0 ? rc : 0;
    return reply_val(&reply, out);
}

int mp_mvalue_set_int(mp_mvalue *v, int64_t x)
{
    return mvalue_call(v, OP_VALUE_SET, "set", &(mp__val){.tag = MP__T_INT, .i = x}, NULL);
}

int mp_mvalue_set_double(mp_mvalue *v, double x)
{
    return mvalue_call(v, OP_VALUE_SET, "set", &(mp__val){.tag = MP__T_DOUBLE, .d = x}, NULL);
}

int mp_mvalue_set_str(mp_mvalue *v, const char *x)
{
    if (!x) return -EINVAL;
    return mvalue_call(v, OP_VALUE_SET, "set", &(mp__val){.tag = MP__T_STR, .p = (const uint8_t *)x, .len = (uint32_t)strnlen(x, MP__FRAME_MAX + 1)}, NULL);
}

int mp_mvalue_get_int(mp_mvalue *v, int64_t *out)
{
    mp__val x;
    int rc = mvalue_call(v, OP_VALUE_GET, "get", NULL, &x);
    return rc < 0 ? rc : val_to_int(&x, out);
}

int mp_mvalue_get_double(mp_mvalue *v, double *out)
{
    mp__val x;
    int rc = mvalue_call(v, OP_VALUE_GET, "get", NULL, &x);
    return rc < 0 ? rc : val_to_double(&x, out);
}

ssize_t mp_mvalue_get_str(mp_mvalue *v, char *buf, size_t cap)
{
    if (!buf && cap) return -EINVAL;
    mp__val x;
    int rc = mvalue_call(v, OP_VALUE_GET, "get", NULL, &x);
    return rc < 0 ? rc : val_to_blob(&x, MP__T_STR, buf, cap);
}

int mp_mvalue_add_int(mp_mvalue *v, int64_t delta, int64_t *out)
{
    mp__val x;
    int rc = mvalue_call(v, OP_VALUE_ADD, "add", &(mp__val){.tag = MP__T_INT, .i = delta}, &x);
    return rc < 0 ? rc : val_to_int(&x, out);
}

int mp_mvalue_add_double(mp_mvalue *v, double delta, double *out)
{
    mp__val x;
    int rc = mvalue_call(v, OP_VALUE_ADD, "add", &(mp__val){.tag = MP__T_DOUBLE, .d = delta}, &x);
    return rc < 0 ? rc : val_to_double(&x, out);
}

int mp_mvalue_format(mp_mvalue *v, char *buf, size_t cap)
{
    if (!buf && cap) return -EINVAL;
    mp__val x;
    int rc = mvalue_call(v, OP_VALUE_GET, "str", NULL, &x);
    if (rc == -ENOENT) x = (mp__val){.tag = MP__T_NONE};
    else if (rc < 0) return rc;
    mp__buf out = {0};
    mp__repr_val(&out, &x);
    return copy_text(&out, buf, cap);
}
