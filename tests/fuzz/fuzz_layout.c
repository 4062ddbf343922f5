/* fuzz_layout.c — the viewer's pure text functions on arbitrary bytes:
 * fitting, wrapping, tab expansion and highlighting must never read or
 * write out of bounds, and must keep their promises (widths, coverage). */
#include "codepane.h"
#include "highlight.h"
#include "layout.h"
#include "rows.h"
#include "text.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static void ignore_line(void *ctx, const char *line)
{
    size_t *n = ctx;
    *n += strlen(line);
}

/* The code pane: a sideways slice keeps to its width and its buffer and
 * never splits a code point; the source's lines and widest agree with the
 * text; a marker fits its width. */
static void fuzz_codepane(const char *text, int width, size_t cap, uint8_t b)
{
    char *out = malloc(cap);
    if (!out) return;
    bool left, right;
    int off = b % 50, used = cp_slice(text, off, width, out, cap, &left, &right);
    if (used < 0 || used > width || strlen(out) >= cap || fmt_width(out) != used) abort();
    if (cp_slice(text, off, width, NULL, 0, NULL, NULL) < used) abort(); /* counting alone sees no less */
    free(out);
    struct cp_source src;
    char *copy = strdup(text);
    if (copy && cp_source_init(&src, copy) == 0) {
        for (int i = 0; i < src.n; i++)
            if (!src.lines[i] || strchr(src.lines[i], '\n')) abort();
        int top = cp_top(src.n, width % 30, (unsigned)b, b % 40);
        if (top < 0 || (src.n > width % 30 && top > src.n - width % 30)) abort();
        cp_source_free(&src);
    }
    struct cp_where w[4] = {{b % 13, 1, 5, false}, {b % 7, 2, 5, true}, {b, 3, 5, false}, {1000000 + b, 4, 5, true}};
    char mark[32];
    cp_marker(w, 4, 5, b % 5, mark, sizeof mark, width % 8, NULL);
    if ((int)strlen(mark) > width % 8) abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 2) return 0;
    /* First byte: a width; second: a buffer size; the rest is the text. */
    int width = data[0] % 120;
    size_t cap = (size_t)data[1] % 200 + 1;
    char *text = malloc(size - 1);
    if (!text) return 0;
    memcpy(text, data + 2, size - 2);
    text[size - 2] = '\0';

    char *out = malloc(cap);
    if (out) {
        int used = fmt_fit(out, cap, text, width);
        if (used > width || strlen(out) >= cap || fmt_width(out) != used) abort();
        fmt_expand_tabs(out, cap, text, 4);
        if (strlen(out) >= cap) abort();
        /* text_safe: fits, and nothing a terminal would act on is left. */
        size_t n = text_safe(out, cap, text);
        if (n != strlen(out) || n >= cap || text_find_control(out, NULL)) abort();
        free(out);
    }
    size_t total = 0;
    fmt_wrap(text, width, data[0] % 7, ignore_line, &total);

    struct hl_span spans[32];
    for (int lang = 0; lang < 2; lang++) {
        int state = data[1] % 4;
        size_t n = hl_line((enum hl_lang)lang, text, &state, spans, 32);
        int pos = 0;
        for (size_t i = 0; i < n; i++) {
            if (spans[i].start != pos || spans[i].len <= 0) abort(); /* spans tile the line */
            pos += spans[i].len;
        }
        if (pos != (int)strlen(text)) abort();
    }
    fuzz_codepane(text, width, cap, data[1]);
    free(text);
    return 0;
}
