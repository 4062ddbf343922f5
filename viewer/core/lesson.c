/*
 * lesson.c — load lessons/NN-topic.yaml into a struct lesson.
 *
 * Two passes over the text, both with libyaml:
 *
 *  1. an event pass (yaml_parser_parse) that enforces what the document API
 *     cannot: a nesting limit, one document per file and no aliases. Aliases
 *     are refused because the document API shares aliased nodes, so a walk
 *     over "a: &a [*a, *a]"-style graphs could visit a node exponentially
 *     often; lessons have no use for them.
 *  2. the document API (yaml_parser_load), then a walk over the nodes that
 *     checks the schema (lessons/README.md) and copies every value out, so
 *     the document can be deleted at once.
 *
 * Every error names the file, the 1-based line and column (libyaml marks are
 * 0-based), the path of the field ("quiz[0].answer") and what was expected.
 * The schema is strict: an unknown key is an error, so a typo cannot hide
 * a slide.
 */
#include "lesson.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <regex.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <yaml.h>

/* ------------------------------------------------------------------ errors */

static void copy_text(char *dst, size_t cap, const char *src)
{
    snprintf(dst, cap, "%s", src ? src : "");
}

void lesson_error_format(const struct lesson_error *e, char *buf, size_t cap)
{
    if (!buf || cap == 0) return;
    if (!e) {
        copy_text(buf, cap, "(no error)");
        return;
    }
    char where[300];
    if (e->line > 0)
        snprintf(where, sizeof where, "%s:%d:%d", e->file, e->line, e->column);
    else
        snprintf(where, sizeof where, "%s", e->file);
    char ctx[200] = "";
    if (e->context[0] && e->context_line > 0)
        snprintf(ctx, sizeof ctx, " (%s at %d:%d)", e->context, e->context_line, e->context_column);
    else if (e->context[0])
        snprintf(ctx, sizeof ctx, " (%s)", e->context);
    if (e->field[0])
        snprintf(buf, cap, "%s: %s: %s%s", where, e->field, e->message, ctx);
    else
        snprintf(buf, cap, "%s: %s%s", where, e->message, ctx);
}

static void error_reset(struct lesson_error *err, const char *name)
{
    memset(err, 0, sizeof *err);
    copy_text(err->file, sizeof err->file, name);
}

/* snprintf for field paths: a path cut short is still a useful message,
 * and going through vsnprintf keeps gcc's truncation warnings quiet. */
static void fmt_path(char *dst, size_t cap, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void fmt_path(char *dst, size_t cap, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(dst, cap, fmt, ap);
    va_end(ap);
}

/* The walker's state: the document being read and where errors go. */
struct loader {
    yaml_document_t *doc;
    struct lesson_error *err;
};

static int fail_mark(struct loader *ld, yaml_mark_t mark, const char *field, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static int fail_mark(struct loader *ld, yaml_mark_t mark, const char *field, const char *fmt, ...)
{
    ld->err->line = (int)mark.line + 1;
    ld->err->column = (int)mark.column + 1;
    copy_text(ld->err->field, sizeof ld->err->field, field);
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(ld->err->message, sizeof ld->err->message, fmt, ap);
    va_end(ap);
    return -1;
}

/* Position from a byte offset, for libyaml's reader errors (bad UTF-8),
 * which carry an offset instead of a mark. */
static void offset_to_pos(const char *data, size_t len, size_t off, int *line, int *col)
{
    int l = 1, c = 1;
    for (size_t i = 0; i < off && i < len; i++) {
        if (data[i] == '\n') {
            l++;
            c = 1;
        } else {
            c++;
        }
    }
    *line = l;
    *col = c;
}

/* libyaml's own error: its problem and mark, and its context with mark. */
static int fail_syntax(const yaml_parser_t *p, const char *data, size_t len, struct lesson_error *err)
{
    switch (p->error) {
    case YAML_MEMORY_ERROR:
        copy_text(err->message, sizeof err->message, "out of memory while parsing");
        return -1;
    case YAML_READER_ERROR:
        offset_to_pos(data, len, p->problem_offset, &err->line, &err->column);
        if (p->problem_value != -1)
            snprintf(err->message, sizeof err->message, "%s (byte 0x%02x)",
                     p->problem ? p->problem : "cannot read the input", (unsigned)p->problem_value & 0xffu);
        else
            copy_text(err->message, sizeof err->message, p->problem ? p->problem : "cannot read the input");
        return -1;
    default:
        err->line = (int)p->problem_mark.line + 1;
        err->column = (int)p->problem_mark.column + 1;
        copy_text(err->message, sizeof err->message, p->problem ? p->problem : "YAML syntax error");
        if (p->context) {
            copy_text(err->context, sizeof err->context, p->context);
            err->context_line = (int)p->context_mark.line + 1;
            err->context_column = (int)p->context_mark.column + 1;
        }
        return -1;
    }
}

/* --------------------------------------------------------- the event pass */

static int check_structure(const char *data, size_t len, struct lesson_error *err)
{
    yaml_parser_t parser;
    if (!yaml_parser_initialize(&parser)) {
        copy_text(err->message, sizeof err->message, "out of memory");
        return -1;
    }
    yaml_parser_set_input_string(&parser, (const unsigned char *)data, len);
    int depth = 0, documents = 0, rc = 0;
    struct loader ld = {NULL, err};
    for (;;) {
        yaml_event_t ev;
        if (!yaml_parser_parse(&parser, &ev)) {
            rc = fail_syntax(&parser, data, len, err);
            break;
        }
        yaml_event_type_t type = ev.type;
        yaml_mark_t mark = ev.start_mark;
        yaml_event_delete(&ev);
        if (type == YAML_STREAM_END_EVENT) break;
        if (type == YAML_DOCUMENT_START_EVENT && ++documents > 1) {
            rc = fail_mark(&ld, mark, "", "expected one YAML document per lesson file, found a second one");
            break;
        }
        if (type == YAML_ALIAS_EVENT) {
            rc = fail_mark(&ld, mark, "", "aliases (*name) are not allowed in lesson files");
            break;
        }
        if (type == YAML_SEQUENCE_START_EVENT || type == YAML_MAPPING_START_EVENT) {
            if (++depth > LESSON_MAX_DEPTH) {
                rc = fail_mark(&ld, mark, "", "nesting too deep (more than %d levels)", LESSON_MAX_DEPTH);
                break;
            }
        }
        if (type == YAML_SEQUENCE_END_EVENT || type == YAML_MAPPING_END_EVENT) depth--;
    }
    yaml_parser_delete(&parser);
    if (rc == 0 && documents == 0) {
        err->line = 1;
        err->column = 1;
        copy_text(err->message, sizeof err->message,
                  "empty file: expected a mapping with id, title, order, slides, python, c, run");
        rc = -1;
    }
    return rc;
}

/* ------------------------------------------------------ node walk helpers */

static const char *node_kind(const yaml_node_t *n)
{
    switch (n->type) {
    case YAML_SCALAR_NODE: return "a scalar";
    case YAML_SEQUENCE_NODE: return "a sequence";
    case YAML_MAPPING_NODE: return "a mapping";
    default: return "nothing";
    }
}

static yaml_node_t *node_at(struct loader *ld, int index)
{
    return yaml_document_get_node(ld->doc, index);
}

static size_t seq_len(const yaml_node_t *n)
{
    return (size_t)(n->data.sequence.items.top - n->data.sequence.items.start);
}

static yaml_node_t *seq_item(struct loader *ld, const yaml_node_t *n, size_t i)
{
    return node_at(ld, n->data.sequence.items.start[i]);
}

/* A sequence of at most max items (and at least min). */
static int want_seq(struct loader *ld, yaml_node_t *n, const char *path, size_t min, size_t max,
                    const char *what)
{
    if (n->type != YAML_SEQUENCE_NODE)
        return fail_mark(ld, n->start_mark, path, "expected a sequence of %s, found %s", what, node_kind(n));
    size_t len = seq_len(n);
    if (len < min)
        return fail_mark(ld, n->start_mark, path, "expected at least %zu %s, found %zu", min, what, len);
    if (len > max)
        return fail_mark(ld, n->start_mark, path, "expected at most %zu %s, found %zu", max, what, len);
    return 0;
}

/* Copies a scalar out as a string. nonempty: "" (or only blanks) is an error. */
static int get_str(struct loader *ld, yaml_node_t *n, const char *path, bool nonempty, char **out)
{
    if (n->type != YAML_SCALAR_NODE)
        return fail_mark(ld, n->start_mark, path, "expected a string, found %s", node_kind(n));
    const char *v = (const char *)n->data.scalar.value;
    size_t len = n->data.scalar.length;
    if (memchr(v, '\0', len))
        return fail_mark(ld, n->start_mark, path, "expected text, found a NUL byte");
    if (nonempty) {
        size_t i = 0;
        while (i < len && isspace((unsigned char)v[i])) i++;
        if (i == len) return fail_mark(ld, n->start_mark, path, "expected a non-empty string");
    }
    char *s = strndup(v, len);
    if (!s) return fail_mark(ld, n->start_mark, path, "out of memory");
    free(*out);
    *out = s;
    return 0;
}

/* A plain decimal integer in [lo, hi]. */
static bool scalar_int(const yaml_node_t *n, long lo, long hi, long *out)
{
    if (n->type != YAML_SCALAR_NODE || n->data.scalar.style != YAML_PLAIN_SCALAR_STYLE) return false;
    const char *v = (const char *)n->data.scalar.value;
    size_t len = n->data.scalar.length;
    if (len == 0 || len > 12) return false;
    char buf[16];
    memcpy(buf, v, len);
    buf[len] = '\0';
    size_t i = (buf[0] == '-' || buf[0] == '+') ? 1 : 0;
    if (!buf[i]) return false;
    for (; buf[i]; i++)
        if (!isdigit((unsigned char)buf[i])) return false;
    long x = strtol(buf, NULL, 10);
    if (x < lo || x > hi) return false;
    *out = x;
    return true;
}

/* One line of plain text: a name, an argument, a regex. */
static int check_one_line(struct loader *ld, yaml_node_t *n, const char *path, const char *s)
{
    if (strpbrk(s, "\n\r"))
        return fail_mark(ld, n->start_mark, path, "expected a single line, found a line break");
    return 0;
}

/* Names made of [a-z0-9-] starting with two digits: "08-queues". */
static bool is_numbered_name(const char *s)
{
    if (!isdigit((unsigned char)s[0]) || !isdigit((unsigned char)s[1]) || s[2] != '-' || !s[3]) return false;
    for (const char *p = s; *p; p++)
        if (!(islower((unsigned char)*p) || isdigit((unsigned char)*p) || *p == '-')) return false;
    return true;
}

static int get_str_list(struct loader *ld, yaml_node_t *n, const char *path, size_t min, const char *what,
                        char ***out, size_t *count)
{
    if (want_seq(ld, n, path, min, LESSON_MAX_LIST, what) < 0) return -1;
    size_t len = seq_len(n);
    char **v = calloc(len ? len : 1, sizeof *v);
    if (!v) return fail_mark(ld, n->start_mark, path, "out of memory");
    *out = v;
    for (size_t i = 0; i < len; i++) {
        char p[160];
        fmt_path(p, sizeof p, "%s[%zu]", path, i);
        yaml_node_t *item = seq_item(ld, n, i);
        if (get_str(ld, item, p, false, &v[i]) < 0) return -1;
        (*count)++;
        if (check_one_line(ld, item, p, v[i]) < 0) return -1;
    }
    return 0;
}

/* --------------------------------------------------------- mapping fields */

/* The keys a mapping may have; collect_fields fills node/key_node. */
struct field {
    const char *key;
    bool required;
    yaml_node_t *node;       /* the value, NULL when absent */
    yaml_node_t *key_node;
};

static void join_keys(const struct field *f, size_t n, char *buf, size_t cap)
{
    buf[0] = '\0';
    size_t used = 0;
    for (size_t i = 0; i < n && used < cap; i++)
        used += (size_t)snprintf(buf + used, cap - used, "%s%s", i ? ", " : "", f[i].key);
}

static void field_path(char *buf, size_t cap, const char *base, const char *key)
{
    if (base[0])
        fmt_path(buf, cap, "%s.%s", base, key);
    else
        fmt_path(buf, cap, "%s", key);
}

/* Checks that n is a mapping with only the allowed keys, each at most once,
 * and every required key present. what names the mapping in messages. */
static int collect_fields(struct loader *ld, yaml_node_t *n, const char *base, const char *what,
                          struct field *f, size_t nf)
{
    if (n->type != YAML_MAPPING_NODE)
        return fail_mark(ld, n->start_mark, base, "expected %s (a mapping), found %s", what, node_kind(n));
    for (yaml_node_pair_t *pr = n->data.mapping.pairs.start; pr < n->data.mapping.pairs.top; pr++) {
        yaml_node_t *k = node_at(ld, pr->key), *v = node_at(ld, pr->value);
        if (!k || !v) return fail_mark(ld, n->start_mark, base, "malformed mapping");
        if (k->type != YAML_SCALAR_NODE)
            return fail_mark(ld, k->start_mark, base, "expected a key (a plain word), found %s", node_kind(k));
        const char *key = (const char *)k->data.scalar.value;
        size_t i = 0;
        while (i < nf && !(strlen(f[i].key) == k->data.scalar.length && !strcmp(f[i].key, key))) i++;
        char p[160], keys[256];
        char shown[48];
        snprintf(shown, sizeof shown, "%.*s", (int)(k->data.scalar.length < 40 ? k->data.scalar.length : 40),
                 key);
        field_path(p, sizeof p, base, shown);
        if (i == nf) {
            join_keys(f, nf, keys, sizeof keys);
            return fail_mark(ld, k->start_mark, p, "unknown key (expected one of: %s)", keys);
        }
        if (f[i].node) return fail_mark(ld, k->start_mark, p, "duplicate key");
        f[i].node = v;
        f[i].key_node = k;
    }
    for (size_t i = 0; i < nf; i++) {
        if (f[i].required && !f[i].node) {
            char p[160];
            field_path(p, sizeof p, base, f[i].key);
            return fail_mark(ld, n->start_mark, p, "missing required key in %s", what);
        }
    }
    return 0;
}

static struct lesson_pos pos_of(const yaml_node_t *n)
{
    struct lesson_pos p = {0, 0};
    if (n) {
        p.line = (int)n->start_mark.line + 1;
        p.column = (int)n->start_mark.column + 1;
    }
    return p;
}

/* ------------------------------------------------------------------ slides */

static int add_bullet(struct loader *ld, struct lesson_slide *s, yaml_node_t *n, const char *path, int level)
{
    if (s->nbullets >= LESSON_MAX_BULLETS)
        return fail_mark(ld, n->start_mark, path, "too many bullets on one slide (at most %d)",
                         LESSON_MAX_BULLETS);
    struct lesson_bullet *b = realloc(s->bullets, (s->nbullets + 1) * sizeof *b);
    if (!b) return fail_mark(ld, n->start_mark, path, "out of memory");
    s->bullets = b;
    b[s->nbullets].text = NULL;
    b[s->nbullets].level = level;
    s->nbullets++;
    return get_str(ld, n, path, true, &b[s->nbullets - 1].text);
}

/* A bullet is a string; a sequence right after a bullet holds its
 * sub-bullets, one level deeper. */
static int parse_bullets(struct loader *ld, struct lesson_slide *s, yaml_node_t *n, const char *path, int level)
{
    if (want_seq(ld, n, path, 1, LESSON_MAX_BULLETS, "bullets") < 0) return -1;
    for (size_t i = 0; i < seq_len(n); i++) {
        char p[160];
        fmt_path(p, sizeof p, "%s[%zu]", path, i);
        yaml_node_t *item = seq_item(ld, n, i);
        if (item->type == YAML_SCALAR_NODE) {
            if (add_bullet(ld, s, item, p, level) < 0) return -1;
        } else if (item->type == YAML_SEQUENCE_NODE) {
            if (i == 0)
                return fail_mark(ld, item->start_mark, p,
                                 "expected a bullet first: a nested list belongs to the bullet before it");
            if (level + 1 > LESSON_MAX_BULLET_LEVEL)
                return fail_mark(ld, item->start_mark, p, "bullets nested too deep (at most %d levels)",
                                 LESSON_MAX_BULLET_LEVEL + 1);
            if (parse_bullets(ld, s, item, p, level + 1) < 0) return -1;
        } else {
            return fail_mark(ld, item->start_mark, p,
                             "expected a bullet (a string) or a nested list of bullets, found %s%s",
                             node_kind(item),
                             item->type == YAML_MAPPING_NODE ? " (put text containing ': ' in quotes)" : "");
        }
    }
    return 0;
}

static int parse_slide(struct loader *ld, yaml_node_t *n, const char *path, struct lesson_slide *s)
{
    struct field f[] = {{"title", true, NULL, NULL}, {"bullets", true, NULL, NULL}, {"notes", false, NULL, NULL}};
    if (collect_fields(ld, n, path, "a slide", f, 3) < 0) return -1;
    char p[160];
    field_path(p, sizeof p, path, "title");
    if (get_str(ld, f[0].node, p, true, &s->title) < 0) return -1;
    field_path(p, sizeof p, path, "bullets");
    if (parse_bullets(ld, s, f[1].node, p, 0) < 0) return -1;
    field_path(p, sizeof p, path, "notes");
    if (f[2].node && get_str(ld, f[2].node, p, false, &s->notes) < 0) return -1;
    return 0;
}

static int parse_slides(struct loader *ld, yaml_node_t *n, struct lesson *l)
{
    if (want_seq(ld, n, "slides", 1, LESSON_MAX_SLIDES, "slides") < 0) return -1;
    size_t len = seq_len(n);
    l->slides = calloc(len, sizeof *l->slides);
    if (!l->slides) return fail_mark(ld, n->start_mark, "slides", "out of memory");
    for (size_t i = 0; i < len; i++) {
        char p[64];
        fmt_path(p, sizeof p, "slides[%zu]", i);
        l->nslides++;
        if (parse_slide(ld, seq_item(ld, n, i), p, &l->slides[i]) < 0) return -1;
    }
    return 0;
}

/* -------------------------------------------------------------------- quiz */

static int parse_question(struct loader *ld, yaml_node_t *n, const char *path, struct lesson_quiz *q)
{
    struct field f[] = {{"question", true, NULL, NULL},
                        {"choices", true, NULL, NULL},
                        {"answer", true, NULL, NULL},
                        {"explanation", true, NULL, NULL}};
    if (collect_fields(ld, n, path, "a quiz question", f, 4) < 0) return -1;
    char p[160];
    field_path(p, sizeof p, path, "question");
    if (get_str(ld, f[0].node, p, true, &q->question) < 0) return -1;
    field_path(p, sizeof p, path, "choices");
    if (want_seq(ld, f[1].node, p, 2, LESSON_MAX_CHOICES, "choices") < 0) return -1;
    size_t len = seq_len(f[1].node);
    q->choices = calloc(len, sizeof *q->choices);
    if (!q->choices) return fail_mark(ld, n->start_mark, p, "out of memory");
    for (size_t i = 0; i < len; i++) {
        char pc[180];
        fmt_path(pc, sizeof pc, "%s[%zu]", p, i);
        q->nchoices++;
        if (get_str(ld, seq_item(ld, f[1].node, i), pc, true, &q->choices[i]) < 0) return -1;
    }
    field_path(p, sizeof p, path, "answer");
    long a;
    if (!scalar_int(f[2].node, 0, (long)len - 1, &a))
        return fail_mark(ld, f[2].node->start_mark, p, "expected an integer index into choices (0..%zu)", len - 1);
    q->answer = (int)a;
    field_path(p, sizeof p, path, "explanation");
    return get_str(ld, f[3].node, p, true, &q->explanation);
}

static int parse_quiz(struct loader *ld, yaml_node_t *n, struct lesson *l)
{
    if (want_seq(ld, n, "quiz", 1, LESSON_MAX_QUIZ, "quiz questions") < 0) return -1;
    size_t len = seq_len(n);
    l->quiz = calloc(len, sizeof *l->quiz);
    if (!l->quiz) return fail_mark(ld, n->start_mark, "quiz", "out of memory");
    for (size_t i = 0; i < len; i++) {
        char p[64];
        fmt_path(p, sizeof p, "quiz[%zu]", i);
        l->nquiz++;
        if (parse_question(ld, seq_item(ld, n, i), p, &l->quiz[i]) < 0) return -1;
    }
    return 0;
}

/* --------------------------------------------------------------------- run */

static const char *const known_panels[] = {"processes", "locks", "queues", "pipes", "arrays",
                                           "pool",      "async", "timeline", "notes", "output",
                                           "ranks",     "messages", "collectives"};
#define NPANELS (sizeof known_panels / sizeof known_panels[0])

static int check_panels(struct loader *ld, yaml_node_t *seq, struct lesson *l)
{
    for (size_t i = 0; i < l->npanels; i++) {
        size_t k = 0;
        while (k < NPANELS && strcmp(known_panels[k], l->panels[i])) k++;
        char p[64];
        fmt_path(p, sizeof p, "run.panels[%zu]", i);
        if (k == NPANELS)
            return fail_mark(ld, seq_item(ld, seq, i)->start_mark, p,
                             "unknown panel '%.40s' (expected one of: processes, locks, queues, pipes, "
                             "arrays, pool, async, timeline, notes, output, ranks, messages, collectives)",
                             l->panels[i]);
        for (size_t j = 0; j < i; j++)
            if (!strcmp(l->panels[j], l->panels[i]))
                return fail_mark(ld, seq_item(ld, seq, i)->start_mark, p, "panel listed twice");
    }
    return 0;
}

/* Skips a bracket expression "[...]" starting at p; returns its last
 * character (the closing ']') or the end of the string. */
static const char *skip_bracket(const char *p)
{
    p++;
    if (*p == '^') p++;
    if (*p == ']') p++;
    while (*p && *p != ']') {
        if (*p == '[' && (p[1] == ':' || p[1] == '.' || p[1] == '=')) {
            char kind = p[1];
            p += 2;
            while (*p && !(*p == kind && p[1] == ']')) p++;
            if (*p) p++;
        }
        if (*p) p++;
    }
    return p;
}

/* glibc's regcomp copies the tree of a repeated expression for each '+'
 * and {n,m}, so stacked or deeply nested repetitions ("a++++", "((a+)+)+",
 * "a{99}{99}") take exponential time and memory to compile. Patterns that
 * match a line of output need none of that: refuse them up front. NULL
 * when the pattern is fine, else why it is not. */
static const char *regex_too_costly(const char *re)
{
    if (strlen(re) > 256) return "longer than 256 characters";
    int depth = 0, intervals = 0;
    bool after_quantifier = false;
    for (const char *p = re; *p; p++) {
        bool quantifier = *p == '*' || *p == '+' || *p == '?' || *p == '{';
        if (quantifier && after_quantifier) return "one repetition right after another (like a++)";
        after_quantifier = quantifier;
        switch (*p) {
        case '\\':
            if (p[1]) p++;
            break;
        case '[':
            p = skip_bracket(p);
            if (!*p) return NULL; /* unterminated: regcomp reports it */
            break;
        case '(':
            if (++depth > 3) return "groups nested more than 3 deep";
            break;
        case ')':
            depth--;
            break;
        case '{':
            if (++intervals > 2) return "more than 2 {n,m} repetitions";
            for (p++; *p && *p != '}'; p++) {
                if (isdigit((unsigned char)*p) && strtol(p, NULL, 10) > 32) return "a repetition count above 32";
                while (isdigit((unsigned char)p[1])) p++;
            }
            if (!*p) return NULL;
            break;
        default:
            break;
        }
    }
    return NULL;
}

static int check_regexes(struct loader *ld, yaml_node_t *seq, struct lesson *l)
{
    for (size_t i = 0; i < l->nexpect; i++) {
        const char *costly = regex_too_costly(l->expect[i]);
        char p0[64];
        fmt_path(p0, sizeof p0, "run.expect[%zu]", i);
        if (costly)
            return fail_mark(ld, seq_item(ld, seq, i)->start_mark, p0,
                             "pattern too complex to check: %s", costly);
        regex_t re;
        int rc = regcomp(&re, l->expect[i], REG_EXTENDED | REG_NOSUB);
        char p[64];
        fmt_path(p, sizeof p, "run.expect[%zu]", i);
        if (rc != 0) {
            char why[128];
            regerror(rc, &re, why, sizeof why);
            return fail_mark(ld, seq_item(ld, seq, i)->start_mark, p,
                             "expected an extended regular expression (grep -E): %s", why);
        }
        regfree(&re);
        if (!l->expect[i][0])
            return fail_mark(ld, seq_item(ld, seq, i)->start_mark, p, "an empty pattern matches anything");
    }
    return 0;
}

static bool is_program_name(const char *s)
{
    if (!s[0] || s[0] == '.' || s[0] == '-') return false;
    for (const char *p = s; *p; p++)
        if (!(isalnum((unsigned char)*p) || *p == '-' || *p == '_' || *p == '.')) return false;
    return true;
}

static int parse_run(struct loader *ld, yaml_node_t *n, struct lesson *l)
{
    struct field f[] = {{"program", true, NULL, NULL}, {"args", false, NULL, NULL},
                        {"panels", true, NULL, NULL},  {"watch_for", true, NULL, NULL},
                        {"expect", true, NULL, NULL},  {"mpi", false, NULL, NULL},
                        {"mpi_args", false, NULL, NULL}, {"mode", false, NULL, NULL}};
    if (collect_fields(ld, n, "run", "the run section", f, 8) < 0) return -1;
    if (f[7].node) {
        if (get_str(ld, f[7].node, "run.mode", true, &l->mode) < 0) return -1;
        if (strcmp(l->mode, "free") && strcmp(l->mode, "paced") && strcmp(l->mode, "schedule"))
            return fail_mark(ld, f[7].node->start_mark, "run.mode", "expected one of: free, paced, schedule");
    }
    if (get_str(ld, f[0].node, "run.program", true, &l->program) < 0) return -1;
    if (!is_program_name(l->program))
        return fail_mark(ld, f[0].node->start_mark, "run.program",
                         "expected the name of an example program (lessons/NAME.c), not a path");
    l->pos_program = pos_of(f[0].node);
    if (f[1].node && get_str_list(ld, f[1].node, "run.args", 0, "arguments", &l->args, &l->nargs) < 0)
        return -1;
    if (get_str_list(ld, f[2].node, "run.panels", 1, "panel names", &l->panels, &l->npanels) < 0) return -1;
    if (check_panels(ld, f[2].node, l) < 0) return -1;
    if (get_str(ld, f[3].node, "run.watch_for", true, &l->watch_for) < 0) return -1;
    if (get_str_list(ld, f[4].node, "run.expect", 1, "regular expressions", &l->expect, &l->nexpect) < 0)
        return -1;
    long ranks = 0;
    if (f[5].node && !scalar_int(f[5].node, 1, 64, &ranks))
        return fail_mark(ld, f[5].node->start_mark, "run.mpi", "expected a number of MPI ranks (1..64)");
    l->mpi = (int)ranks;
    if (f[6].node && get_str_list(ld, f[6].node, "run.mpi_args", 0, "mpirun options", &l->mpi_args, &l->nmpi_args) < 0)
        return -1;
    if (f[6].node && !l->mpi)
        return fail_mark(ld, f[6].node->start_mark, "run.mpi_args", "only with run.mpi (the number of ranks)");
    return check_regexes(ld, f[4].node, l);
}

/* ------------------------------------------------------------------ lesson */

enum { F_ID, F_TITLE, F_ORDER, F_SLIDES, F_PYTHON, F_C, F_RUN, F_EXERCISE, F_QUIZ, F_COUNT };

static int parse_top_scalars(struct loader *ld, struct field *f, struct lesson *l)
{
    if (get_str(ld, f[F_ID].node, "id", true, &l->id) < 0) return -1;
    if (!is_numbered_name(l->id))
        return fail_mark(ld, f[F_ID].node->start_mark, "id",
                         "expected NN-topic (two digits, a dash, then a-z, 0-9 and dashes)");
    l->pos_id = pos_of(f[F_ID].node);
    if (get_str(ld, f[F_TITLE].node, "title", true, &l->title) < 0) return -1;
    if (check_one_line(ld, f[F_TITLE].node, "title", l->title) < 0) return -1;
    long order;
    if (!scalar_int(f[F_ORDER].node, 1, 999, &order))
        return fail_mark(ld, f[F_ORDER].node->start_mark, "order", "expected an integer (1..999)");
    l->order = (int)order;
    l->pos_order = pos_of(f[F_ORDER].node);
    if (get_str(ld, f[F_PYTHON].node, "python", true, &l->python) < 0) return -1;
    if (get_str(ld, f[F_C].node, "c", true, &l->c_path) < 0) return -1;
    if (l->c_path[0] == '/' || strstr(l->c_path, "..") || check_one_line(ld, f[F_C].node, "c", l->c_path) < 0)
        return fail_mark(ld, f[F_C].node->start_mark, "c",
                         "expected a path relative to the repository, e.g. lessons/08-queues.c");
    l->pos_c = pos_of(f[F_C].node);
    if (f[F_EXERCISE].node) {
        if (get_str(ld, f[F_EXERCISE].node, "exercise", true, &l->exercise) < 0) return -1;
        if (!is_numbered_name(l->exercise))
            return fail_mark(ld, f[F_EXERCISE].node->start_mark, "exercise",
                             "expected an exercise id NN-topic (exercises/NN-topic.c)");
        l->pos_exercise = pos_of(f[F_EXERCISE].node);
    }
    return 0;
}

static int parse_lesson(struct loader *ld, yaml_node_t *root, struct lesson *l)
{
    struct field f[F_COUNT] = {
        [F_ID] = {"id", true, NULL, NULL},         [F_TITLE] = {"title", true, NULL, NULL},
        [F_ORDER] = {"order", true, NULL, NULL},   [F_SLIDES] = {"slides", true, NULL, NULL},
        [F_PYTHON] = {"python", true, NULL, NULL}, [F_C] = {"c", true, NULL, NULL},
        [F_RUN] = {"run", true, NULL, NULL},       [F_EXERCISE] = {"exercise", false, NULL, NULL},
        [F_QUIZ] = {"quiz", true, NULL, NULL},
    };
    if (collect_fields(ld, root, "", "a lesson (id, title, order, slides, python, c, run, exercise, quiz)", f,
                       F_COUNT) < 0)
        return -1;
    if (parse_top_scalars(ld, f, l) < 0) return -1;
    if (parse_slides(ld, f[F_SLIDES].node, l) < 0) return -1;
    if (parse_run(ld, f[F_RUN].node, l) < 0) return -1;
    return parse_quiz(ld, f[F_QUIZ].node, l);
}

int lesson_load_buffer(const char *name, const char *data, size_t len, struct lesson *out,
                       struct lesson_error *err)
{
    struct lesson_error scratch;
    if (!err) err = &scratch;
    error_reset(err, name ? name : "(buffer)");
    if (!out || (!data && len)) {
        copy_text(err->message, sizeof err->message, "invalid arguments");
        if (out) memset(out, 0, sizeof *out);
        return -1;
    }
    memset(out, 0, sizeof *out);
    if (len > LESSON_MAX_FILE) {
        snprintf(err->message, sizeof err->message, "file too big (%zu bytes; a lesson may have at most %d)",
                 len, LESSON_MAX_FILE);
        return -1;
    }
    if (!data) data = "";
    if (check_structure(data, len, err) < 0) return -1;

    yaml_parser_t parser;
    yaml_document_t doc;
    if (!yaml_parser_initialize(&parser)) {
        copy_text(err->message, sizeof err->message, "out of memory");
        return -1;
    }
    yaml_parser_set_input_string(&parser, (const unsigned char *)data, len);
    int rc = -1;
    if (!yaml_parser_load(&parser, &doc)) {
        fail_syntax(&parser, data, len, err);
        yaml_parser_delete(&parser);
        return -1;
    }
    struct loader ld = {&doc, err};
    yaml_node_t *root = yaml_document_get_root_node(&doc);
    /* "---" alone gives an empty scalar as the root: nothing written either */
    if (!root || (root->type == YAML_SCALAR_NODE && root->data.scalar.length == 0 &&
                  root->data.scalar.style == YAML_PLAIN_SCALAR_STYLE)) {
        err->line = 1;
        err->column = 1;
        copy_text(err->message, sizeof err->message,
                  "empty file: expected a mapping with id, title, order, slides, python, c, run");
    } else {
        rc = parse_lesson(&ld, root, out);
    }
    yaml_document_delete(&doc);
    yaml_parser_delete(&parser);
    if (rc == 0) {
        out->path = strdup(name ? name : "(buffer)");
        if (!out->path) {
            copy_text(err->message, sizeof err->message, "out of memory");
            rc = -1;
        }
    }
    if (rc < 0) lesson_free(out);
    return rc;
}

/* Reads at most LESSON_MAX_FILE + 1 bytes, so a huge file is refused
 * without reading it all. */
static int read_small_file(const char *path, char **data, size_t *len, struct lesson_error *err)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        snprintf(err->message, sizeof err->message, "cannot open: %s", strerror(errno));
        return -1;
    }
    struct stat st;
    if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
        copy_text(err->message, sizeof err->message, "not a regular file");
        close(fd);
        return -1;
    }
    size_t cap = LESSON_MAX_FILE + 1, used = 0;
    char *buf = malloc(cap);
    if (!buf) {
        close(fd);
        copy_text(err->message, sizeof err->message, "out of memory");
        return -1;
    }
    for (;;) {
        ssize_t n = read(fd, buf + used, cap - used);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) {
            snprintf(err->message, sizeof err->message, "cannot read: %s", strerror(errno));
            free(buf);
            close(fd);
            return -1;
        }
        if (n == 0) break;
        used += (size_t)n;
        if (used == cap) break;
    }
    close(fd);
    *data = buf;
    *len = used;
    return 0;
}

int lesson_load(const char *path, struct lesson *out, struct lesson_error *err)
{
    struct lesson_error scratch;
    if (!err) err = &scratch;
    error_reset(err, path ? path : "(null)");
    if (out) memset(out, 0, sizeof *out);
    if (!path || !out) {
        copy_text(err->message, sizeof err->message, "invalid arguments");
        return -1;
    }
    char *data = NULL;
    size_t len = 0;
    if (read_small_file(path, &data, &len, err) < 0) return -1;
    int rc = lesson_load_buffer(path, data, len, out, err);
    free(data);
    return rc;
}

static void free_strv(char **v, size_t n)
{
    if (!v) return;
    for (size_t i = 0; i < n; i++) free(v[i]);
    free(v);
}

void lesson_free(struct lesson *l)
{
    if (!l) return;
    free(l->path);
    free(l->id);
    free(l->title);
    for (size_t i = 0; i < l->nslides; i++) {
        struct lesson_slide *s = &l->slides[i];
        free(s->title);
        for (size_t b = 0; b < s->nbullets; b++) free(s->bullets[b].text);
        free(s->bullets);
        free(s->notes);
    }
    free(l->slides);
    free(l->python);
    free(l->c_path);
    free(l->program);
    free_strv(l->args, l->nargs);
    free_strv(l->mpi_args, l->nmpi_args);
    free_strv(l->panels, l->npanels);
    free(l->watch_for);
    free(l->mode);
    free_strv(l->expect, l->nexpect);
    free(l->exercise);
    for (size_t i = 0; i < l->nquiz; i++) {
        free(l->quiz[i].question);
        free_strv(l->quiz[i].choices, l->quiz[i].nchoices);
        free(l->quiz[i].explanation);
    }
    free(l->quiz);
    memset(l, 0, sizeof *l);
}

/* -------------------------------------------------------------- a directory */

static int by_order(const void *a, const void *b)
{
    const struct lesson *x = a, *y = b;
    if (x->order != y->order) return x->order < y->order ? -1 : 1;
    return strcmp(x->id, y->id);
}

static int yaml_name(const struct dirent *d)
{
    size_t n = strlen(d->d_name);
    return d->d_name[0] != '.' && n > 5 && !strcmp(d->d_name + n - 5, ".yaml");
}

int lessons_load_dir(const char *dir, struct lesson **out, size_t *n, size_t *nerrors)
{
    if (nerrors) *nerrors = 0;
    if (!dir || !out || !n) return -EINVAL;
    *out = NULL;
    *n = 0;
    struct dirent **names;
    int count = scandir(dir, &names, yaml_name, alphasort);
    if (count < 0) return -errno;
    struct lesson *ls = calloc(count ? (size_t)count : 1, sizeof *ls);
    if (!ls) {
        for (int i = 0; i < count; i++) free(names[i]);
        free(names);
        return -ENOMEM;
    }
    size_t loaded = 0;
    for (int i = 0; i < count; i++) {
        char path[PATH_MAX];
        struct lesson_error err;
        snprintf(path, sizeof path, "%s/%s", dir, names[i]->d_name);
        if (lesson_load(path, &ls[loaded], &err) == 0)
            loaded++;
        else if (nerrors)
            (*nerrors)++;
        free(names[i]);
    }
    free(names);
    qsort(ls, loaded, sizeof *ls, by_order);
    *out = ls;
    *n = loaded;
    return 0;
}

void lessons_free(struct lesson *ls, size_t n)
{
    if (!ls) return;
    for (size_t i = 0; i < n; i++) lesson_free(&ls[i]);
    free(ls);
}

/* ------------------------------------------------------------ where things are */

/* The directory holding this executable, or "" when unknown. */
static void exe_dir(char *buf, size_t cap)
{
    ssize_t n = readlink("/proc/self/exe", buf, cap - 1);
    if (n <= 0) {
        buf[0] = '\0';
        return;
    }
    buf[n] = '\0';
    char *slash = strrchr(buf, '/');
    if (slash == buf)
        buf[1] = '\0';
    else if (slash)
        *slash = '\0';
    else
        buf[0] = '\0';
}

const char *forklab_home(void)
{
    static char home[PATH_MAX];
    const char *env = getenv("FORKLAB_HOME");
    if (env && env[0]) {
        copy_text(home, sizeof home, env);
        return home;
    }
    char dir[PATH_MAX];
    exe_dir(dir, sizeof dir);
    if (dir[0]) {
        /* build/forklab -> the repository above build/ */
        char *slash = strrchr(dir, '/');
        if (slash && slash != dir) {
            *slash = '\0';
            char probe[PATH_MAX + 16];
            struct stat st;
            snprintf(probe, sizeof probe, "%s/lessons", dir);
            if (stat(probe, &st) == 0 && S_ISDIR(st.st_mode)) {
                copy_text(home, sizeof home, dir);
                return home;
            }
        }
    }
    copy_text(home, sizeof home, ".");
    return home;
}

const char *forklab_build_dir(void)
{
    static char build[PATH_MAX];
    const char *env = getenv("FORKLAB_BUILD");
    if (env && env[0]) {
        copy_text(build, sizeof build, env);
        return build;
    }
    exe_dir(build, sizeof build);
    if (!build[0]) copy_text(build, sizeof build, ".");
    return build;
}
