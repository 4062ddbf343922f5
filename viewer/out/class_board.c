/* class_board.c — the class board's data and its log (class_board.h). */
#include "class_board.h"
#include "class_rows.h"
#include "mp_private.h"

#include <errno.h>
#include <stdarg.h>
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
    return strlen(token) == CLASS_TOKEN_LEN && mp__equal_ct(s->token, token, CLASS_TOKEN_LEN);
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
    s->joined = s->last = s->progress = at;
    return s;
}

/* Keeps the newest result per exercise (a queued result sent late does
 * not replace a newer one). */
static int put_result(struct cls_student *s, const struct cls_result *r)
{
    struct cls_result *slot = NULL;
    for (size_t i = 0; i < s->nres; i++)
        if (!strcmp(s->res[i].ex, r->ex)) slot = &s->res[i];
    int before = -1;
    if (!slot) {
        if (s->nres == CLASS_MAX_EXERCISES) return -ENOSPC;
        slot = &s->res[s->nres++];
    } else if (slot->at > r->at) {
        return 0;
    } else {
        before = slot->points;
    }
    /* A first try, or more points than before, is progress; the same
     * failure again is not. */
    if ((before < 0 || r->points > before) && r->at > s->progress) s->progress = r->at;
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
    fprintf(f, "P\t%s\t%lld\n", s->name, (long long)s->progress);
}

static void set_where(struct cls_student *s, const char *lesson, int slide, int64_t at)
{
    if (strcmp(s->lesson, lesson) != 0 || s->slide != slide) {
        snprintf(s->lesson, sizeof s->lesson, "%s", lesson);
        s->slide = slide;
        if (at > s->progress) s->progress = at;
    }
    if (at > s->last) s->last = at;
}

/* One log line back into the board; a damaged line is skipped. Every
 * field is cleaned again: a log damaged or edited by hand must not bring
 * an escape sequence to the instructor's terminal either. */
static void replay(struct cls_board *b, char *line)
{
    char f[8][CLASS_TEXT_MAX + 1];
    size_t n = 0;
    for (char *p = line; n < 8;) {
        char *tab = strchr(p, '\t');
        size_t len = tab ? (size_t)(tab - p) : strlen(p);
        class_clean(f[n++], sizeof f[0], p, len);
        if (!tab) break;
        p = tab + 1;
    }
    struct cls_student *s = n >= 2 ? find(b, f[1]) : NULL;
    if (n == 4 && !strcmp(f[0], "S") && !s && strlen(f[2]) == CLASS_TOKEN_LEN) {
        add(b, f[1], f[2], atoll(f[3]));
    } else if (n == 5 && !strcmp(f[0], "W") && s) {
        set_where(s, f[2], atoi(f[3]), atoll(f[4]));
    } else if (n == 3 && !strcmp(f[0], "P") && s) {
        s->progress = atoll(f[2]);
    } else if (n == 7 && !strcmp(f[0], "R") && s) {
        struct cls_result r = {.points = atoi(f[3]), .max = atoi(f[4]), .at = atoll(f[6])};
        snprintf(r.ex, sizeof r.ex, "%s", f[2]);
        snprintf(r.status, sizeof r.status, "%s", f[5]);
        put_result(s, &r);
    }
}

/* Replays the complete lines from f's position on; a line the server is
 * still writing is left for next time. Number of lines replayed. */
static size_t read_lines(struct cls_board *b, FILE *f)
{
    char line[512];
    size_t n = 0;
    for (;;) {
        long at = ftell(f);
        if (!fgets(line, sizeof line, f)) break;
        size_t len = strcspn(line, "\n");
        if (line[len] != '\n') {
            if (feof(f)) { /* half a line: wait for the rest */
                fseek(f, at, SEEK_SET);
                break;
            }
            continue; /* longer than any line we write: skipped */
        }
        line[len] = '\0';
        replay(b, line);
        n++;
    }
    clearerr(f); /* the end of the file now is not the end for good */
    return n;
}

int board_follow(struct cls_board *b)
{
    if (!b->tail) return 0;
    return read_lines(b, b->tail) > 0;
}

int board_open(struct cls_board *b, const char *dir, bool writable)
{
    memset(b, 0, sizeof *b);
    char path[4096], tmp[4200];
    if (writable && mkdir(dir, 0700) < 0 && errno != EEXIST) return -errno;
    snprintf(path, sizeof path, "%s/board.log", dir);
    snprintf(tmp, sizeof tmp, "%s/board.log.new", dir);
    FILE *in = fopen(path, "r");
    if (in) {
        read_lines(b, in);
    } else if (errno != ENOENT) {
        return -errno;
    }
    if (!writable) { /* a reader (export, the board's screen) never rewrites a log the server appends to */
        b->tail = in;
        return 0;
    }
    if (in) fclose(in);
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
    if (b->tail) fclose(b->tail);
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
    set_where(s, lesson, slide, now);
    return log_line(b, "W\t%s\t%s\t%d\t%lld\n", s->name, s->lesson, slide, (long long)now);
}

/* ---- display */

/* One line of the text table, without the padding at its end. */
static void put_line(FILE *out, char *line)
{
    size_t n = strlen(line);
    while (n > 0 && line[n - 1] == ' ') n--;
    fprintf(out, "%.*s\n", (int)n, line);
}

/* The board's screen's table as text: every column, nothing cut, sorted
 * by name, after a line on who has been stuck longest. */
void board_print(const struct cls_board *b, FILE *out, int64_t now)
{
    const char *cols[CLASS_MAX_EXERCISES * 2];
    size_t nc = crow_columns(b, "", cols, sizeof cols / sizeof cols[0]);
    struct crow *rows = malloc((b->n + 1) * sizeof *rows);
    struct crow_table tb;
    crow_table_full(b, cols, nc, &tb);
    size_t cap = (size_t)tb.width + 64;
    char *line = malloc(cap);
    if (!rows || !line) {
        free(rows);
        free(line);
        return;
    }
    const struct crow_query q = {.sort = CROW_BY_NAME};
    size_t n = crow_select(b, &q, now, rows, b->n);
    fprintf(out, "class board: %zu students\n", b->n);
    if (crow_stuck_text(b, now, line, cap)) fprintf(out, "%s\n", line);
    crow_header(&tb, line, cap);
    put_line(out, line);
    for (size_t i = 0; i < n; i++) {
        crow_line(&tb, &rows[i], line, cap);
        put_line(out, line);
    }
    free(line);
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
