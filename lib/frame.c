/*
 * frame.c — encoder and decoder of the manager's frames (format in
 * frame.h). The decoder trusts nothing: every length is checked against
 * the bytes present before it is used.
 */
#include "frame.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

/* ------------------------------------------------------------- buffer */

void mp__buf_free(mp__buf *b)
{
    free(b->data);
    *b = (mp__buf){0};
}

void mp__buf_reset(mp__buf *b)
{
    b->len = 0;
    b->oom = b->toobig = false;
}

static bool buf_reserve(mp__buf *b, size_t n)
{
    if (b->oom) return false;
    if (n <= b->cap - b->len) return true;
    size_t want = b->cap ? b->cap : 256;
    while (want - b->len < n) {
        if (want > SIZE_MAX / 2) {
            b->oom = true;
            return false;
        }
        want *= 2;
    }
    uint8_t *p = realloc(b->data, want);
    if (!p) {
        b->oom = true;
        return false;
    }
    b->data = p;
    b->cap = want;
    return true;
}

uint8_t *mp__buf_space(mp__buf *b, size_t n)
{
    return buf_reserve(b, n) ? b->data + b->len : NULL;
}

int mp__buf_reserve_total(mp__buf *b, size_t total)
{
    if (b->oom) return -ENOMEM;
    if (total <= b->cap) return 0;
    uint8_t *p = realloc(b->data, total);
    if (!p) return -ENOMEM;
    b->data = p;
    b->cap = total;
    return 0;
}

void mp__buf_put(mp__buf *b, const void *p, size_t n)
{
    if (n == 0 || !buf_reserve(b, n)) return;
    memcpy(b->data + b->len, p, n);
    b->len += n;
}

void mp__buf_consume(mp__buf *b, size_t n)
{
    if (n >= b->len) {
        b->len = 0;
        return;
    }
    memmove(b->data, b->data + n, b->len - n);
    b->len -= n;
}

/* ------------------------------------------------------------ encoder */

static void put_u32(mp__buf *b, uint32_t v)
{
    uint8_t x[4] = {(uint8_t)(v >> 24), (uint8_t)(v >> 16), (uint8_t)(v >> 8), (uint8_t)v};
    mp__buf_put(b, x, 4);
}

static void put_u64(mp__buf *b, uint64_t v)
{
    uint8_t x[8];
    for (int k = 0; k < 8; k++) x[k] = (uint8_t)(v >> (56 - 8 * k));
    mp__buf_put(b, x, 8);
}

static void put_tag(mp__buf *b, uint8_t tag)
{
    mp__buf_put(b, &tag, 1);
}

void mp__enc_none(mp__buf *b)
{
    put_tag(b, MP__T_NONE);
}

void mp__enc_int(mp__buf *b, int64_t v)
{
    put_tag(b, MP__T_INT);
    put_u64(b, (uint64_t)v);
}

void mp__enc_double(mp__buf *b, double v)
{
    uint64_t bits;
    memcpy(&bits, &v, sizeof bits);
    put_tag(b, MP__T_DOUBLE);
    put_u64(b, bits);
}

static void enc_blob(mp__buf *b, uint8_t tag, const void *p, size_t n)
{
    if (n > MP__FRAME_MAX) { /* can never fit a frame: make frame_end refuse it */
        b->toobig = true;
        return;
    }
    put_tag(b, tag);
    put_u32(b, (uint32_t)n);
    mp__buf_put(b, p, n);
}

void mp__enc_str(mp__buf *b, const char *s, size_t n)
{
    enc_blob(b, MP__T_STR, s, n);
}

void mp__enc_bytes(mp__buf *b, const void *p, size_t n)
{
    enc_blob(b, MP__T_BYTES, p, n);
}

void mp__enc_val(mp__buf *b, const mp__val *v)
{
    switch (v->tag) {
    case MP__T_INT: mp__enc_int(b, v->i); break;
    case MP__T_DOUBLE: mp__enc_double(b, v->d); break;
    case MP__T_STR: mp__enc_str(b, (const char *)v->p, v->len); break;
    case MP__T_BYTES: mp__enc_bytes(b, v->p, v->len); break;
    default: mp__enc_none(b); break;
    }
}

size_t mp__frame_begin(mp__buf *b)
{
    size_t at = b->len;
    put_u32(b, 0);
    return at;
}

int mp__frame_end(mp__buf *b, size_t at, size_t max)
{
    if (b->oom || b->toobig) {
        int r = b->oom ? -ENOMEM : -EMSGSIZE;
        b->len = at < b->len ? at : b->len;
        b->oom = b->toobig = false;
        return r;
    }
    size_t payload = b->len - at - MP__FRAME_HDR;
    if (payload > max) {
        b->len = at;
        return -EMSGSIZE;
    }
    uint8_t *h = b->data + at;
    h[0] = (uint8_t)(payload >> 24);
    h[1] = (uint8_t)(payload >> 16);
    h[2] = (uint8_t)(payload >> 8);
    h[3] = (uint8_t)payload;
    return 0;
}

static uint32_t get_u32(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

int mp__frame_peek(const uint8_t *buf, size_t have, size_t max, uint32_t *payload)
{
    if (have < MP__FRAME_HDR) return 0;
    uint32_t n = get_u32(buf);
    /* Refuse before buffering: a peer claiming 4 GiB costs us nothing. */
    if (n > max) return -EMSGSIZE;
    if (have - MP__FRAME_HDR < n) return 0;
    *payload = n;
    return 1;
}

/* ------------------------------------------------------------ decoder */

void mp__dec_init(mp__dec *d, const void *p, size_t len)
{
    d->p = p;
    d->len = p ? len : 0;
    d->pos = 0;
}

bool mp__dec_at_end(const mp__dec *d)
{
    return d->pos >= d->len;
}

static bool take(mp__dec *d, size_t n, const uint8_t **out)
{
    if (d->len - d->pos < n) return false;
    *out = d->p + d->pos;
    d->pos += n;
    return true;
}

static uint64_t get_u64(const uint8_t *p)
{
    uint64_t v = 0;
    for (int k = 0; k < 8; k++) v = v << 8 | p[k];
    return v;
}

int mp__dec_val(mp__dec *d, mp__val *v)
{
    const uint8_t *p;
    if (mp__dec_at_end(d)) return 0;
    *v = (mp__val){.tag = d->p[d->pos++]};
    switch (v->tag) {
    case MP__T_NONE: return 1;
    case MP__T_INT:
        if (!take(d, 8, &p)) return -EBADMSG;
        v->i = (int64_t)get_u64(p);
        return 1;
    case MP__T_DOUBLE: {
        if (!take(d, 8, &p)) return -EBADMSG;
        uint64_t bits = get_u64(p);
        memcpy(&v->d, &bits, sizeof v->d);
        return 1;
    }
    case MP__T_STR:
    case MP__T_BYTES:
        if (!take(d, 4, &p)) return -EBADMSG;
        v->len = get_u32(p);
        if (!take(d, v->len, &v->p)) return -EBADMSG;
        /* Text is handed to C string functions later: no NUL inside. */
        if (v->tag == MP__T_STR && v->len && memchr(v->p, 0, v->len)) return -EBADMSG;
        return 1;
    default: return -EBADMSG;
    }
}

static int dec_typed(mp__dec *d, mp__val *v, uint8_t tag)
{
    int r = mp__dec_val(d, v);
    if (r != 1) return -EBADMSG;
    return tag && v->tag != tag ? -EBADMSG : 0;
}

int mp__dec_int(mp__dec *d, int64_t *out)
{
    mp__val v;
    int r = dec_typed(d, &v, MP__T_INT);
    if (r == 0) *out = v.i;
    return r;
}

int mp__dec_str(mp__dec *d, mp__val *v)
{
    return dec_typed(d, v, MP__T_STR);
}

int mp__dec_data(mp__dec *d, mp__val *v)
{
    int r = dec_typed(d, v, 0);
    return r == 0 && v->tag == MP__T_NONE ? -EBADMSG : r;
}
