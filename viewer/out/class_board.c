/* class_board.c — the class board's data and its log (class_board.h). */
#include "class_board.h"

#include <errno.h>
#include <stdarg.h>
#include <openssl/crypto.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

static struct cls_student *find(const struct cls_board *b, const char *name)
{
    for (size_t i = 0; i < b->n; i++)
        if (!strcmp(b->st[i].name, name)) return &b->st[i];
    return NULL;
}

static bool token_is(const struct cls_student *s, const char *token)
{
    return strlen(token) == CLASS_TOKEN_LEN && CRYPTO_memcmp(s->token, token, CLASS_TOKEN_LEN) == 0;
}

static struct cls_student *add(struct cls_board *b, const char *name, const char *token, int64_t at)
{
    if (b->n == CLASS_MAX_STUDENTS) return NULL;
    if (b->n == b->cap) {
        size_t cap = b->cap ? b->cap * 2 : 16;
        struct cls_student *st = realloc(b->st, cap * sizeof *st);
        if (!st) return NULL;
        b->st = st;
        b->cap = cap;
    }
    struct cls_student *s = &b->st[b->n++];
    memset(s, 0, sizeof *s);
    snprintf(s->name, sizeof s->name, "%s", name);
    snprintf(s->token, sizeof s->token, "%s", token);
    s->joined = s->last = at;
    return s;
}

/* Keeps the newest result per exercise (a queued result sent late does
 * not replace a newer one). */
static int put_result(struct cls_student *s, const struct cls_result *r)
{
    struct cls_result *slot = NULL;
    for (size_t i = 0; i < s->nres; i++)
        if (!strcmp(s->res[i].ex, r->ex)) slot = &s->res[i];
    if (!slot) {
        if (s->nres == CLASS_MAX_EXERCISES) return -ENOSPC;
        slot = &s->res[s->nres++];
    } else if (slot->at > r->at) {
        return 0;
    }
    *slot = *r;
    if (r->at > s->last) s->last = r->at;
    return 0;
}

static int log_line(struct cls_board *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int log_line(struct cls_board *b, const char *fmt, ...)
{
    if (!b->log) return 0;
    va_list ap;
    va_start(ap, fmt);
    int n = vfprintf(b->log, fmt, ap);
    va_end(ap);
    /* Flushed before the reply: a server killed after acknowledging has
     * the change in the kernel's hands. */
    if (n < 0 || fflush(b->log) != 0) return -EIO;
    return 0;
}

static void log_student(FILE *f, const struct cls_student *s)
{
    fprintf(f, "S\t%s\t%s\t%lld\n", s->name, s->token, (long long)s->joined);
    if (s->lesson[0]) fprintf(f, "W\t%s\t%s\t%d\t%lld\n", s->name, s->lesson, s->slide, (long long)s->last);
    for (size_t i = 0; i < s->nres; i++)
        fprintf(f, "R\t%s\t%s\t%d\t%d\t%s\t%lld\n", s->name, s->res[i].ex, s->res[i].points, s->res[i].max,
                s->res[i].status, (long long)s->res[i].at);
}

/* One log line back into the board; a damaged line is skipped. */
static void replay(struct cls_board *b, char *line)
{
    char *f[8];
    size_t n = 0;
    for (char *p = line; n < 8;) {
        f[n++] = p;
        char *tab = strchr(p, '\t');
        if (!tab) break;
        *tab = '\0';
        p = tab + 1;
    }
    struct cls_student *s = n >= 2 ? find(b, f[1]) : NULL;
    if (n == 4 && !strcmp(f[0], "S") && !s && strlen(f[2]) == CLASS_TOKEN_LEN) {
        add(b, f[1], f[2], atoll(f[3]));
    } else if (n == 5 && !strcmp(f[0], "W") && s) {
        snprintf(s->lesson, sizeof s->lesson, "%s", f[2]);
        s->slide = atoi(f[3]);
        if (atoll(f[4]) > s->last) s->last = atoll(f[4]);
    } else if (n == 7 && !strcmp(f[0], "R") && s) {
        struct cls_result r = {.points = atoi(f[3]), .max = atoi(f[4]), .at = atoll(f[6])};
        snprintf(r.ex, sizeof r.ex, "%s", f[2]);
        snprintf(r.status, sizeof r.status, "%s", f[5]);
        put_result(s, &r);
    }
}

int board_open(struct cls_board *b, const char *dir, bool writable)
{
    memset(b, 0, sizeof *b);
    char path[4096], tmp[4200], line[512];
    if (writable && mkdir(dir, 0700) < 0 && errno != EEXIST) return -errno;
    snprintf(path, sizeof path, "%s/board.log", dir);
    snprintf(tmp, sizeof tmp, "%s/board.log.new", dir);
    FILE *in = fopen(path, "r");
    if (in) {
        while (fgets(line, sizeof line, in)) {
            line[strcspn(line, "\n")] = '\0';
            replay(b, line);
        }
        fclose(in);
    } else if (errno != ENOENT) {
        return -errno;
    }
    if (!writable) return 0; /* a reader (export) never rewrites a log the server appends to */
    FILE *out = fopen(tmp, "w");
    if (!out) return -errno;
    for (size_t i = 0; i < b->n; i++) log_student(out, &b->st[i]);
    bool ok = fflush(out) == 0 && fsync(fileno(out)) == 0;
    if (fclose(out) != 0 || !ok || rename(tmp, path) != 0) {
        unlink(tmp);
        return -EIO;
    }
    b->log = fopen(path, "a");
    return b->log ? 0 : -errno;
}

void board_close(struct cls_board *b)
{
    if (b->log) fclose(b->log);
    free(b->st);
    memset(b, 0, sizeof *b);
}

int board_join(struct cls_board *b, const char *name, char token[CLASS_TOKEN_LEN + 1], int64_t now)
{
    if (!name[0]) return -EINVAL;
    struct cls_student *s = find(b, name);
    if (s) return token_is(s, token) ? 0 : -EEXIST; /* the same student again, or someone else */
    char t[CLASS_TOKEN_LEN + 1];
    int r = class_random_hex(t, CLASS_TOKEN_LEN);
    if (r < 0) return r;
    if (!(s = add(b, name, t, now))) return -ENOSPC;
    memcpy(token, t, sizeof t);
    return log_line(b, "S\t%s\t%s\t%lld\n", s->name, s->token, (long long)now);
}

static struct cls_student *owner(struct cls_board *b, const char *name, const char *token)
{
    struct cls_student *s = find(b, name);
    return s && token_is(s, token) ? s : NULL;
}

bool board_member(struct cls_board *b, const char *name, const char *token)
{
    return owner(b, name, token) != NULL;
}

int board_result(struct cls_board *b, const char *name, const char *token, const struct cls_result *r, int64_t now)
{
    struct cls_student *s = owner(b, name, token);
    if (!s) return -EPERM;
    struct cls_result c = *r;
    if (c.at > now || c.at <= 0) c.at = now; /* no results from the future */
    int rc = put_result(s, &c);
    if (rc < 0) return rc;
    if (now > s->last) s->last = now;
    return log_line(b, "R\t%s\t%s\t%d\t%d\t%s\t%lld\n", s->name, c.ex, c.points, c.max, c.status, (long long)c.at);
}

int board_where(struct cls_board *b, const char *name, const char *token, const char *lesson, int slide, int64_t now)
{
    struct cls_student *s = owner(b, name, token);
    if (!s) return -EPERM;
    snprintf(s->lesson, sizeof s->lesson, "%s", lesson);
    s->slide = slide;
    s->last = now;
    return log_line(b, "W\t%s\t%s\t%d\t%lld\n", s->name, s->lesson, slide, (long long)now);
}

/* ---- display */

static int cmp_text(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* The exercises anybody has a result for, sorted; n <= cap. */
static size_t columns(const struct cls_board *b, const char **cols, size_t cap)
{
    size_t n = 0;
    for (size_t i = 0; i < b->n; i++)
        for (size_t k = 0; k < b->st[i].nres; k++) {
            const char *ex = b->st[i].res[k].ex;
            bool seen = false;
            for (size_t j = 0; j < n && !seen; j++) seen = !strcmp(cols[j], ex);
            if (!seen && n < cap) cols[n++] = ex;
        }
    qsort(cols, n, sizeof *cols, cmp_text);
    return n;
}

static const struct cls_result *result_of(const struct cls_student *s, const char *ex)
{
    for (size_t k = 0; k < s->nres; k++)
        if (!strcmp(s->res[k].ex, ex)) return &s->res[k];
    return NULL;
}

static int cmp_student(const void *a, const void *b)
{
    return strcmp((*(const struct cls_student *const *)a)->name, (*(const struct cls_student *const *)b)->name);
}

void board_print(const struct cls_board *b, FILE *out, int64_t now)
{
    const char *cols[64];
    size_t nc = columns(b, cols, 64);
    const struct cls_student **rows = malloc((b->n + 1) * sizeof *rows);
    if (!rows) return;
    for (size_t i = 0; i < b->n; i++) rows[i] = &b->st[i];
    qsort(rows, b->n, sizeof *rows, cmp_student);
    fprintf(out, "class board: %zu students\n%-20s %-16s %8s", b->n, "student", "lesson/slide", "idle");
    for (size_t j = 0; j < nc; j++) fprintf(out, "  %-18.18s", cols[j]);
    fputc('\n', out);
    for (size_t i = 0; i < b->n; i++) {
        const struct cls_student *s = rows[i];
        char where[64] = "-";
        if (s->lesson[0]) snprintf(where, sizeof where, "%.40s/%d", s->lesson, s->slide);
        fprintf(out, "%-20s %-16s %7llds", s->name, where, (long long)(now > s->last ? now - s->last : 0));
        for (size_t j = 0; j < nc; j++) {
            const struct cls_result *r = result_of(s, cols[j]);
            char cell[64] = "-";
            if (r) snprintf(cell, sizeof cell, "%d/%d %.10s", r->points, r->max, r->status);
            fprintf(out, "  %-18s", cell);
        }
        fputc('\n', out);
    }
    free(rows);
    fflush(out);
}

static void iso_time(int64_t t, char *buf, size_t cap)
{
    time_t tt = (time_t)t;
    struct tm tm;
    if (!gmtime_r(&tt, &tm) || !strftime(buf, cap, "%Y-%m-%dT%H:%M:%SZ", &tm)) snprintf(buf, cap, "?");
}

int board_export(const struct cls_board *b, FILE *out, bool csv)
{
    /* Texts are printable ASCII without '"' worries for CSV only when
     * quoted: class_clean keeps '"' and '\\', so both formats escape. */
    if (csv) fprintf(out, "student,exercise,status,points,max_points,graded_at\n");
    else fprintf(out, "[");
    bool first = true;
    for (size_t i = 0; i < b->n; i++)
        for (size_t k = 0; k < b->st[i].nres; k++) {
            const struct cls_student *s = &b->st[i];
            const struct cls_result *r = &s->res[k];
            char when[32];
            iso_time(r->at, when, sizeof when);
            const char *t[3] = {s->name, r->ex, r->status};
            if (!csv) fprintf(out, "%s\n  {", first ? "" : ",");
            static const char *keys[3] = {"student", "exercise", "status"};
            for (int j = 0; j < 3; j++) {
                if (csv) fputc('"', out);
                else fprintf(out, "%s\"%s\": \"", j ? ", " : "", keys[j]);
                for (const char *p = t[j]; *p; p++) {
                    if (*p == '"') fputs(csv ? "\"\"" : "\\\"", out);
                    else if (*p == '\\' && !csv) fputs("\\\\", out);
                    else fputc(*p, out);
                }
                fputs(csv ? "\"," : "\"", out);
            }
            if (csv) fprintf(out, "%d,%d,%s\n", r->points, r->max, when);
            else fprintf(out, ", \"points\": %d, \"max_points\": %d, \"graded_at\": \"%s\"}", r->points, r->max, when);
            first = false;
        }
    if (!csv) fprintf(out, "%s]\n", first ? "" : "\n");
    return fflush(out) == 0 && !ferror(out) ? 0 : -EIO;
}
