/*
 * pyrepr.c — Python's repr() of the manager's values, so that
 * mp_dict_format prints what print(d) prints in the lecture:
 * {'Apple': 0.7, 'Orange': 1.2}.
 *
 *  - float: the shortest digits that read back to the same double (Python's
 *    repr since 3.1), fixed notation when the decimal exponent is in
 *    [-4, 16), else 1e+16 style; integral values keep ".0"; inf, -inf, nan.
 *  - str: single quotes unless the text has ' and no "; \\ \n \r \t and the
 *    chosen quote escaped; control characters and the non-printable code
 *    points Python escapes as \xNN / \uNNNN.
 *  - bytes: b'...' with the same quoting; bytes outside 0x20..0x7e as \xNN.
 */
#include "frame.h"

#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void put_s(mp__buf *b, const char *s)
{
    mp__buf_put(b, s, strlen(s));
}

static void put_c(mp__buf *b, char c)
{
    mp__buf_put(b, &c, 1);
}

/* ---------------------------------------------------------------- float */

/* Shortest %.*e that round-trips: its digits (no dot) and decimal exponent. */
static void shortest_digits(double x, char digits[32], int *exp10)
{
    char tmp[40];
    for (int prec = 1; prec <= 17; prec++) {
        snprintf(tmp, sizeof tmp, "%.*e", prec - 1, x);
        if (strtod(tmp, NULL) == x || prec == 17) break;
    }
    /* tmp is d[.ddd]e[+-]XX */
    int n = 0;
    const char *p = tmp;
    for (; *p && *p != 'e'; p++)
        if (*p >= '0' && *p <= '9') digits[n++] = *p;
    while (n > 1 && digits[n - 1] == '0') n--; /* 1e+02 style never has any, but be safe */
    digits[n] = '\0';
    *exp10 = *p == 'e' ? atoi(p + 1) : 0;
}

void mp__repr_double(mp__buf *b, double x)
{
    if (isnan(x)) {
        put_s(b, "nan");
        return;
    }
    if (isinf(x)) {
        put_s(b, x < 0 ? "-inf" : "inf");
        return;
    }
    if (signbit(x)) {
        put_c(b, '-');
        x = -x;
    }
    if (x == 0) {
        put_s(b, "0.0");
        return;
    }
    char d[32];
    int e;
    shortest_digits(x, d, &e);
    int n = (int)strlen(d);
    int decpt = e + 1; /* value = 0.d1d2... * 10^decpt */
    char out[64];
    if (decpt > 16 || decpt < -3) {
        /* 1e+16, 1.5e-05 */
        int k = 0;
        out[k++] = d[0];
        if (n > 1) {
            out[k++] = '.';
            memcpy(out + k, d + 1, (size_t)n - 1);
            k += n - 1;
        }
        snprintf(out + k, sizeof out - (size_t)k, "e%c%02d", e < 0 ? '-' : '+', abs(e));
    } else if (decpt <= 0) {
        snprintf(out, sizeof out, "0.%.*s%s", -decpt, "0000", d);
    } else if (decpt < n) {
        snprintf(out, sizeof out, "%.*s.%s", decpt, d, d + decpt);
    } else {
        snprintf(out, sizeof out, "%s%.*s.0", d, decpt - n, "0000000000000000");
    }
    put_s(b, out);
}

/* ----------------------------------------------------------------- text */

static char pick_quote(const uint8_t *s, size_t n)
{
    if (n == 0) return '\'';
    bool single = memchr(s, '\'', n) != NULL, dbl = memchr(s, '"', n) != NULL;
    return single && !dbl ? '"' : '\'';
}

/* Escapes shared by str and bytes; false when c needs the caller's rule. */
static bool put_simple(mp__buf *b, uint8_t c, char quote)
{
    switch (c) {
    case '\\': put_s(b, "\\\\"); return true;
    case '\n': put_s(b, "\\n"); return true;
    case '\r': put_s(b, "\\r"); return true;
    case '\t': put_s(b, "\\t"); return true;
    default: break;
    }
    if (c == (uint8_t)quote) {
        put_c(b, '\\');
        put_c(b, quote);
        return true;
    }
    if (c >= 0x20 && c < 0x7f) {
        put_c(b, (char)c);
        return true;
    }
    return false;
}

static void put_hex(mp__buf *b, const char *fmt, unsigned v)
{
    char tmp[16];
    snprintf(tmp, sizeof tmp, fmt, v);
    put_s(b, tmp);
}

/* Decodes one UTF-8 sequence; its length, or 0 when invalid. */
static size_t utf8_decode(const uint8_t *s, size_t n, unsigned *cp)
{
    size_t len;
    unsigned c = s[0], min;
    if (c >= 0xc2 && c <= 0xdf) len = 2, c &= 0x1f, min = 0x80;
    else if (c >= 0xe0 && c <= 0xef) len = 3, c &= 0x0f, min = 0x800;
    else if (c >= 0xf0 && c <= 0xf4) len = 4, c &= 0x07, min = 0x10000;
    else return 0;
    if (len > n) return 0;
    for (size_t k = 1; k < len; k++) {
        if ((s[k] & 0xc0) != 0x80) return 0;
        c = c << 6 | (s[k] & 0x3f);
    }
    if (c < min || c > 0x10ffff || (c >= 0xd800 && c <= 0xdfff)) return 0;
    *cp = c;
    return len;
}

/* Code points Python's str.isprintable() rejects, among those met in
 * practice: C1 controls, separators other than ' ', format characters,
 * private use. */
static bool py_unprintable(unsigned c)
{
    return (c >= 0x80 && c <= 0xa0) || c == 0xad || c == 0x1680 || (c >= 0x2000 && c <= 0x200f) ||
           (c >= 0x2028 && c <= 0x202f) || (c >= 0x205f && c <= 0x2064) || c == 0x3000 ||
           c == 0xfeff || (c >= 0xe000 && c <= 0xf8ff);
}

void mp__repr_str(mp__buf *b, const uint8_t *s, size_t n)
{
    char q = pick_quote(s, n);
    put_c(b, q);
    for (size_t k = 0; k < n;) {
        if (s[k] < 0x80) {
            if (!put_simple(b, s[k], q)) put_hex(b, "\\x%02x", s[k]);
            k++;
            continue;
        }
        unsigned cp;
        size_t len = utf8_decode(s + k, n - k, &cp);
        if (len == 0) { /* not UTF-8: show the byte (Python text cannot hold it) */
            put_hex(b, "\\x%02x", s[k]);
            k++;
            continue;
        }
        if (!py_unprintable(cp)) mp__buf_put(b, s + k, len);
        else if (cp < 0x100) put_hex(b, "\\x%02x", cp);
        else if (cp < 0x10000) put_hex(b, "\\u%04x", cp);
        else put_hex(b, "\\U%08x", cp);
        k += len;
    }
    put_c(b, q);
}

void mp__repr_bytes(mp__buf *b, const uint8_t *s, size_t n)
{
    char q = pick_quote(s, n);
    put_c(b, 'b');
    put_c(b, q);
    for (size_t k = 0; k < n; k++)
        if (!put_simple(b, s[k], q)) put_hex(b, "\\x%02x", s[k]);
    put_c(b, q);
}

void mp__repr_val(mp__buf *b, const mp__val *v)
{
    char tmp[32];
    switch (v->tag) {
    case MP__T_INT:
        snprintf(tmp, sizeof tmp, "%" PRId64, v->i);
        put_s(b, tmp);
        break;
    case MP__T_DOUBLE: mp__repr_double(b, v->d); break;
    case MP__T_STR: mp__repr_str(b, v->p, v->len); break;
    case MP__T_BYTES: mp__repr_bytes(b, v->p, v->len); break;
    default: put_s(b, "None"); break;
    }
}
