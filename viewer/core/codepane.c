/*
 * codepane.c — the code pane's logic (codepane.h): where each process is
 * in the source, the markers, and which part of the source a pane shows.
 */
#include "codepane.h"

#include "text.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ------------------------------------------------------------ source */

/* Columns of a line with tabs expanded to 4, as the panes draw it. */
static int line_width(const char *s)
{
    int col = 0;
    for (; *s; s++) {
        if (*s == '\t') col += 4 - col % 4;
        else if (((unsigned char)*s & 0xc0) != 0x80) col++; /* count code points, not bytes */
    }
    return col;
}

int cp_source_init(struct cp_source *s, char *text)
{
    memset(s, 0, sizeof *s);
    s->text = text;
    if (!text) return 0;
    int cap = 1;
    for (char *c = text; *c; c++)
        if (*c == '\n') cap++;
    s->lines = calloc((size_t)cap, sizeof *s->lines);
    if (!s->lines) return -ENOMEM;
    for (char *c = text; c && *c && s->n < cap;) {
        s->lines[s->n++] = c;
        char *nl = strchr(c, '\n');
        if (nl) *nl = '\0';
        int w = line_width(c);
        if (w > s->widest) s->widest = w;
        c = nl ? nl + 1 : NULL;
    }
    return 0;
}

void cp_source_free(struct cp_source *s)
{
    free(s->lines);
    free(s->text);
    memset(s, 0, sizeof *s);
}

/* ------------------------------------------------------------ where each process is */

static const char *basename_of(const char *path)
{
    const char *slash = strrchr(path, '/');
    return slash ? slash + 1 : path;
}

/* The line of a process's last event, when it was in the file shown. */
static unsigned last_line(const struct model_proc *p, uint32_t file_id)
{
    if (!p || !p->last_line) return 0;
    return !file_id || !p->last_file || p->last_file == file_id ? p->last_line : 0;
}

size_t cp_where(const struct model *m, const struct sched_proc *procs, size_t nprocs, const char *base,
                struct cp_where *out, size_t cap)
{
    size_t n = 0;
    if (!m || !out) return 0;
    const char *b = base && *base ? basename_of(base) : NULL;
    uint32_t file_id = b ? mp_trace_file_id(b) : 0;
    if (procs) {
        for (size_t i = 0; i < nprocs && n < cap; i++) {
            const struct sched_proc *p = &procs[i];
            const struct model_proc *mp = model_proc(m, p->pid);
            if (!p->alive || (mp && mp->state == MPROC_EXITED)) continue;
            struct cp_where w = {p->index, p->pid, 0, false};
            if (p->parked && p->op.line) {
                /* The gate names the file: an operation elsewhere marks nothing here. */
                char f[MP_GATE_FILE + 1];
                snprintf(f, sizeof f, "%.*s", MP_GATE_FILE, p->op.file);
                w.pending = true;
                w.line = !b || !f[0] || !strcmp(basename_of(f), b) ? p->op.line : 0;
            } else {
                w.line = last_line(mp, file_id);
            }
            out[n++] = w;
        }
        return n;
    }
    for (size_t i = 0; i < m->nprocs && n < cap; i++) {
        const struct model_proc *p = &m->procs[i];
        if (p->state == MPROC_EXITED) continue;
        out[n++] = (struct cp_where){(int)i, p->pid, last_line(p, file_id), false};
    }
    return n;
}

int cp_marker(const struct cp_where *w, size_t n, unsigned line, int sel, char *buf, size_t cap, int width,
              bool *has_sel)
{
    int order[64], k = 0;
    bool sel_on = false;
    if (has_sel) *has_sel = false;
    if (!buf || !cap) return 0;
    buf[0] = '\0';
    if (!line) return 0;
    /* The selected process first, then the others in order. */
    for (size_t i = 0; i < n && k < 64; i++)
        if (w[i].line == line && w[i].index == sel) order[k++] = w[i].index, sel_on = true;
    for (size_t i = 0; i < n && k < 64; i++)
        if (w[i].line == line && w[i].index != sel) order[k++] = w[i].index;
    if (has_sel) *has_sel = sel_on;
    if (!k) return 0;
    char out[128] = "";
    size_t len = 0;
    int shown = 0;
    /* Each number goes in only with room left for a "+" when more follow. */
    for (; shown < k; shown++) {
        char num[16];
        snprintf(num, sizeof num, "%s%d", shown ? "," : "", order[shown]);
        if ((int)(len + strlen(num)) + (shown + 1 < k ? 1 : 0) > width) break;
        snprintf(out + len, sizeof out - len, "%s", num);
        len = strlen(out);
    }
    if (shown == k) snprintf(buf, cap, "%s", out);
    else if (shown) snprintf(buf, cap, "%s+", out);
    else snprintf(buf, cap, "%.*s", width > 0 ? width : 0, "+");
    return k;
}

unsigned cp_focus(const struct cp_where *w, size_t n, int sel)
{
    for (size_t i = 0; i < n; i++)
        if (w[i].index == sel && w[i].line) return w[i].line;
    for (size_t i = 0; i < n; i++)
        if (w[i].line) return w[i].line;
    return 0;
}

/* ------------------------------------------------------------ scrolling */

int cp_top(int nlines, int height, unsigned focus, int top)
{
    if (height <= 0 || nlines <= height) return 0;
    int max_top = nlines - height;
    if (top > max_top) top = max_top;
    if (top < 0) top = 0;
    if (!focus || (int)focus > nlines) return top;
    int f = (int)focus - 1, margin = height >= 5 ? 1 : 0;
    if (f < top + margin) top = f - margin;
    else if (f > top + height - 1 - margin) top = f - (height - 1 - margin);
    if (top > max_top) top = max_top;
    return top < 0 ? 0 : top;
}

int cp_hmax(int widest, int width)
{
    return widest > width && width > 0 ? widest - width : 0;
}

int cp_slice(const char *text, int off, int width, char *dst, size_t cap, bool *left, bool *right)
{
    bool l = false, r = false;
    int col = 0, used = 0;
    size_t len = 0;
    if (off < 0) off = 0;
    if (dst && cap) dst[0] = '\0';
    for (const char *s = text ? text : ""; *s;) {
        if (((unsigned char)*s & 0xc0) == 0x80) { /* a stray continuation byte: no column (as fmt_width) */
            s++;
            continue;
        }
        size_t cp = 1;
        while ((s[cp] & 0xc0) == 0x80) cp++; /* the whole code point */
        if (col < off) l = true;
        else if (used < width && (!dst || len + cp < cap)) {
            if (dst) {
                memcpy(dst + len, s, cp);
                len += cp;
                dst[len] = '\0';
            }
            used++;
        } else { /* out of columns, or of room in dst */
            r = true;
            break;
        }
        col++;
        s += cp;
    }
    if (left) *left = l;
    if (right) *right = r;
    return used;
}

/* ------------------------------------------------------------ place on the run screen */

void cp_run_split(int cols, int lines, int watch_rows, bool shown, struct rect *code, int *rest)
{
    int watch = watch_rows < 0 ? 0 : watch_rows > 3 ? 3 : watch_rows;
    *code = (struct rect){0, 0, 0, 0};
    *rest = cols;
    if (!shown || cols < CP_OWN_COLUMN_COLS) return;
    int w = cols * 2 / 5;
    if (w > 100) w = 100;
    *rest = cols - w;
    *code = (struct rect){cols - w, 1, w, lines - 2 - watch};
}

bool cp_shown(int pref, int cols, bool controlled)
{
    return pref > 0 || (pref == 0 && (cols >= CP_OWN_COLUMN_COLS || (controlled && cols >= 80)));
}
