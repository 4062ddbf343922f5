/*
 * model_manager.c — a manager's contents rebuilt from its operations
 * (model_manager.h).
 *
 * Each successful call is replayed as the server applied it: a set puts a
 * key (a dict keeps insertion order, as Python's does), an append adds an
 * element, a pop removes one, clear empties. Reads teach us too: a get
 * returns what is there, so a key set before tracing began shows up once
 * read. Counts the server returns (len, str, keys) check our copy: when
 * they differ, the object is marked partial. Calls the server refused
 * change nothing.
 */
#include "model_manager.h"

#include "grow.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MODEL_MGR_MAX_ITEMS 4096 /* per object: a long list must not eat memory */
#define CUT "\xe2\x80\xa6"        /* "…": the trace cut this value */

static void copy_n(char *dst, size_t cap, const char *src, size_t n)
{
    if (n > cap - 1) n = cap - 1;
    memcpy(dst, src, n);
    dst[n] = '\0';
}

/* ------------------------------------------------------------ parsing */

/* The end of the repr of a str starting at s (a quote): one past its
 * closing quote, NULL when it does not close. */
static const char *repr_end(const char *s)
{
    char q = *s;
    for (s++; *s; s++) {
        if (*s == '\\' && s[1]) s++;
        else if (*s == q) return s + 1;
    }
    return NULL;
}

int model_mgr_parse(const char *text, struct mgr_op_text *out)
{
    if (!text || !out) return -EINVAL;
    memset(out, 0, sizeof *out);
    const char *sp = strchr(text, ' ');
    if (!sp || sp == text) return -EINVAL;
    copy_n(out->verb, sizeof out->verb, text, (size_t)(sp - text));
    const char *name = sp + 1, *p = name + strcspn(name, "[ ");
    if (p == name) return -EINVAL;
    copy_n(out->name, sizeof out->name, name, (size_t)(p - name));
    if (*p == '[') {
        p++;
        if (*p == '\'' || *p == '"') {
            const char *end = repr_end(p);
            if (!end || *end != ']') return -EINVAL;
            out->has_key = true;
            copy_n(out->key, sizeof out->key, p, (size_t)(end - p));
            p = end + 1;
        } else {
            char *end;
            out->index = strtol(p, &end, 10);
            if (end == p || *end != ']') return -EINVAL;
            out->has_index = true;
            p = end + 1;
        }
    }
    if (!*p) return 0;
    if (!strncmp(p, " = ", 3)) out->sep = '=';
    else if (!strncmp(p, " -> ", 4)) out->sep = '>';
    else return -EINVAL;
    p += out->sep == '=' ? 3 : 4;
    copy_n(out->value, sizeof out->value, p, strlen(p));
    return 0;
}

/* ------------------------------------------------------------ objects */

static char kind_of(int64_t op)
{
    return op >= MP_MGR_DICT_OPEN && op < MP_MGR_LIST_OPEN    ? 'd'
           : op >= MP_MGR_LIST_OPEN && op < MP_MGR_VALUE_OPEN ? 'l'
           : op >= MP_MGR_VALUE_OPEN && op <= MP_MGR_VALUE_ADD ? 'v'
                                                               : 0;
}

const struct model_mgr_obj *model_mgr_obj(const struct model *m, const char *name, char kind)
{
    for (size_t i = 0; m && name && i < m->nmobjs; i++)
        if (m->mobjs[i].kind == kind && !strcmp(m->mobjs[i].name, name)) return &m->mobjs[i];
    return NULL;
}

static struct model_mgr_obj *obj_get(struct model *m, const char *name, char kind)
{
    struct model_mgr_obj *o = (struct model_mgr_obj *)model_mgr_obj(m, name, kind);
    if (o) return o;
    if (core_grow(&m->mobjs, &m->cap_mobjs, m->nmobjs + 1, sizeof *m->mobjs)) return NULL;
    o = &m->mobjs[m->nmobjs++];
    memset(o, 0, sizeof *o);
    snprintf(o->name, sizeof o->name, "%s", name);
    o->kind = kind;
    return o;
}

/* Item i becomes value, or a new item at the end when i == nitems. */
static int item_put(struct model_mgr_obj *o, size_t i, const char *key, const char *value)
{
    if (i == o->nitems) {
        if (o->nitems >= MODEL_MGR_MAX_ITEMS) {
            o->partial = true;
            return 0;
        }
        if (core_grow(&o->items, &o->cap_items, o->nitems + 1, sizeof *o->items)) return -ENOMEM;
        o->nitems++;
    }
    snprintf(o->items[i].key, sizeof o->items[i].key, "%s", key);
    snprintf(o->items[i].value, sizeof o->items[i].value, "%s", value);
    return 0;
}

static void item_remove(struct model_mgr_obj *o, size_t i)
{
    memmove(o->items + i, o->items + i + 1, (o->nitems - i - 1) * sizeof *o->items);
    o->nitems--;
}

static size_t key_index(const struct model_mgr_obj *o, const char *key)
{
    size_t i = 0;
    while (i < o->nitems && strcmp(o->items[i].key, key) != 0) i++;
    return i;
}

/* A list index as Python reads it (l[-1] is the last); nitems when out of range. */
static size_t list_index(const struct model_mgr_obj *o, long index)
{
    long n = (long)o->nitems, i = index < 0 ? index + n : index;
    return i >= 0 && i < n ? (size_t)i : o->nitems;
}

/* The server's count (len, str, keys) against ours. */
static void check_count(struct model_mgr_obj *o, int64_t count)
{
    if (count >= 0 && (uint64_t)count != o->nitems) o->partial = true;
}

static int apply_dict(struct model_mgr_obj *o, int64_t op, int64_t result, const struct mgr_op_text *t)
{
    size_t i = t->has_key ? key_index(o, t->key) : o->nitems;
    switch (op) {
    case MP_MGR_DICT_SET: case MP_MGR_DICT_ADD: case MP_MGR_DICT_GET:
        if (!t->has_key || !t->sep) break;
        return item_put(o, i, t->key, t->value);
    case MP_MGR_DICT_DEL:
        if (i < o->nitems) item_remove(o, i);
        else o->partial = true; /* the server had a key we never saw */
        break;
    case MP_MGR_DICT_CONTAINS:
        if (t->has_key && (result != 0) != (i < o->nitems)) o->partial = true;
        break;
    case MP_MGR_DICT_CLEAR:
        o->nitems = 0;
        o->partial = false; /* empty, whatever we missed before */
        break;
    case MP_MGR_DICT_LEN: case MP_MGR_DICT_KEYS: case MP_MGR_DICT_ITEMS: check_count(o, result); break;
    }
    return 0;
}

static int apply_list(struct model_mgr_obj *o, int64_t op, int64_t result, const struct mgr_op_text *t)
{
    size_t i = t->has_index ? list_index(o, t->index) : o->nitems;
    switch (op) {
    case MP_MGR_LIST_APPEND:
        if (t->sep) return item_put(o, o->nitems, "", t->value);
        break;
    case MP_MGR_LIST_SET: case MP_MGR_LIST_GET:
        if (i < o->nitems && t->sep) return item_put(o, i, "", t->value);
        o->partial = true;
        break;
    case MP_MGR_LIST_POP:
        if (i < o->nitems) item_remove(o, i);
        else o->partial = true;
        break;
    case MP_MGR_LIST_LEN: case MP_MGR_LIST_ITEMS: check_count(o, result); break;
    }
    return 0;
}

static int apply_value(struct model_mgr_obj *o, int64_t op, const struct mgr_op_text *t)
{
    if (op == MP_MGR_VALUE_OPEN || !t->sep) return 0;
    return item_put(o, 0, "", t->value);
}

int model_manager_apply(struct model *m, const struct mp_trace_event *ev)
{
    char kind = kind_of(ev->a);
    if (!kind) return 0;
    char text[MP_TRACE_TEXT];
    memcpy(text, ev->text, sizeof text);
    text[sizeof text - 1] = '\0';
    struct mgr_op_text t;
    int prc = model_mgr_parse(text, &t);
    if (!t.name[0]) return 0; /* not even a name: nothing to attach it to */
    struct model_mgr_obj *o = obj_get(m, t.name, kind);
    if (!o) return -ENOMEM;
    o->ops++;
    if (ev->b < 0) return 0; /* refused by the server: nothing changed */
    if (prc < 0) {
        o->partial = true; /* a cut key or a text we cannot read */
        return 0;
    }
    if ((ev->flags & MP_EVF_TRUNCATED) && t.sep) {
        size_t n = strlen(t.value), room = sizeof t.value - sizeof CUT;
        snprintf(t.value + (n < room ? n : room), sizeof CUT, "%s", CUT);
    }
    if (kind == 'd') return apply_dict(o, ev->a, ev->b, &t);
    if (kind == 'l') return apply_list(o, ev->a, ev->b, &t);
    return apply_value(o, ev->a, &t);
}

/* ------------------------------------------------------------ str() */

/* Appends s to buf (*len bytes used); false once it no longer fits, buf
 * then ending with "…" (never inside a UTF-8 sequence). */
static bool put(char *buf, size_t cap, size_t *len, const char *s)
{
    size_t n = strlen(s);
    if (*len + n < cap) {
        memcpy(buf + *len, s, n + 1);
        *len += n;
        return true;
    }
    if (cap < sizeof CUT) return false;
    size_t at = *len + sizeof CUT <= cap ? cap - sizeof CUT : *len;
    if (at > *len) memcpy(buf + *len, s, at - *len);
    if (at + sizeof CUT > cap) at = cap - sizeof CUT;
    while (at > 0 && ((unsigned char)buf[at] & 0xc0) == 0x80) at--;
    memcpy(buf + at, CUT, sizeof CUT);
    *len = at + sizeof CUT - 1;
    return false;
}

void model_mgr_format(const struct model_mgr_obj *o, char *buf, size_t cap)
{
    if (!buf || !cap) return;
    buf[0] = '\0';
    size_t len = 0;
    bool ok = put(buf, cap, &len, o->name);
    if (o->kind == 'v') {
        ok = ok && put(buf, cap, &len, o->nitems ? " = " : ": not set yet");
        if (o->nitems) ok = ok && put(buf, cap, &len, o->items[0].value);
    } else {
        bool dict = o->kind == 'd';
        ok = ok && put(buf, cap, &len, dict ? " = {" : " = [");
        for (size_t i = 0; ok && i < o->nitems; i++) {
            if (i) ok = put(buf, cap, &len, ", ");
            if (ok && dict) ok = put(buf, cap, &len, o->items[i].key) && put(buf, cap, &len, ": ");
            if (ok) ok = put(buf, cap, &len, o->items[i].value);
        }
        if (ok) ok = put(buf, cap, &len, dict ? "}" : "]");
    }
    if (ok && o->partial) put(buf, cap, &len, " (incomplete: some changes were not seen)");
}

void model_manager_free(struct model *m)
{
    for (size_t i = 0; i < m->nmobjs; i++) free(m->mobjs[i].items);
    free(m->mobjs);
    m->mobjs = NULL;
    m->nmobjs = m->cap_mobjs = 0;
}
