/*
 * lesson_yaml.c — the libyaml side of the lesson loader: error records,
 * the event pass that bounds a document (nesting, one document, no
 * aliases), and the helpers the schema walk in lesson.c uses to read nodes
 * (lesson_yaml.h). Every error gets the file, a 1-based line and column,
 * the field's path and what was expected.
 */
#include "lesson_yaml.h"

#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ------------------------------------------------------------------ errors */

void ly_copy_text(char *dst, size_t cap, const char *src)
{
    snprintf(dst, cap, "%s", src ? src : "");
}

void lesson_error_format(const struct lesson_error *e, char *buf, size_t cap)
{
    if (!buf || cap == 0) return;
    if (!e) {
        ly_copy_text(buf, cap, "(no error)");
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

void ly_error_reset(struct lesson_error *err, const char *name)
{
    memset(err, 0, sizeof *err);
    ly_copy_text(err->file, sizeof err->file, name);
}

/* snprintf for field paths: a path cut short is still a useful message,
 * and going through vsnprintf keeps gcc's truncation warnings quiet. */
void ly_fmt_path(char *dst, size_t cap, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(dst, cap, fmt, ap);
    va_end(ap);
}

int ly_fail_mark(struct loader *ld, yaml_mark_t mark, const char *field, const char *fmt, ...)
{
    ld->err->line = (int)mark.line + 1;
    ld->err->column = (int)mark.column + 1;
    ly_copy_text(ld->err->field, sizeof ld->err->field, field);
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
int ly_fail_syntax(const yaml_parser_t *p, const char *data, size_t len, struct lesson_error *err)
{
    switch (p->error) {
    case YAML_MEMORY_ERROR:
        ly_copy_text(err->message, sizeof err->message, "out of memory while parsing");
        return -1;
    case YAML_READER_ERROR:
        offset_to_pos(data, len, p->problem_offset, &err->line, &err->column);
        if (p->problem_value != -1)
            snprintf(err->message, sizeof err->message, "%s (byte 0x%02x)",
                     p->problem ? p->problem : "cannot read the input", (unsigned)p->problem_value & 0xffu);
        else
            ly_copy_text(err->message, sizeof err->message, p->problem ? p->problem : "cannot read the input");
        return -1;
    default:
        err->line = (int)p->problem_mark.line + 1;
        err->column = (int)p->problem_mark.column + 1;
        ly_copy_text(err->message, sizeof err->message, p->problem ? p->problem : "YAML syntax error");
        if (p->context) {
            ly_copy_text(err->context, sizeof err->context, p->context);
            err->context_line = (int)p->context_mark.line + 1;
            err->context_column = (int)p->context_mark.column + 1;
        }
        return -1;
    }
}

/* --------------------------------------------------------- the event pass */

int ly_check_structure(const char *data, size_t len, struct lesson_error *err)
{
    yaml_parser_t parser;
    if (!yaml_parser_initialize(&parser)) {
        ly_copy_text(err->message, sizeof err->message, "out of memory");
        return -1;
    }
    yaml_parser_set_input_string(&parser, (const unsigned char *)data, len);
    int depth = 0, documents = 0, rc = 0;
    struct loader ld = {NULL, err};
    for (;;) {
        yaml_event_t ev;
        if (!yaml_parser_parse(&parser, &ev)) {
            rc = ly_fail_syntax(&parser, data, len, err);
            break;
        }
        yaml_event_type_t type = ev.type;
        yaml_mark_t mark = ev.start_mark;
        yaml_event_delete(&ev);
        if (type == YAML_STREAM_END_EVENT) break;
        if (type == YAML_DOCUMENT_START_EVENT && ++documents > 1) {
            rc = ly_fail_mark(&ld, mark, "", "expected one YAML document per lesson file, found a second one");
            break;
        }
        if (type == YAML_ALIAS_EVENT) {
            rc = ly_fail_mark(&ld, mark, "", "aliases (*name) are not allowed in lesson files");
            break;
        }
        if (type == YAML_SEQUENCE_START_EVENT || type == YAML_MAPPING_START_EVENT) {
            if (++depth > LESSON_MAX_DEPTH) {
                rc = ly_fail_mark(&ld, mark, "", "nesting too deep (more than %d levels)", LESSON_MAX_DEPTH);
                break;
            }
        }
        if (type == YAML_SEQUENCE_END_EVENT || type == YAML_MAPPING_END_EVENT) depth--;
    }
    yaml_parser_delete(&parser);
    if (rc == 0 && documents == 0) {
        err->line = 1;
        err->column = 1;
        ly_copy_text(err->message, sizeof err->message,
                  "empty file: expected a mapping with id, title, order, slides, python, c, run");
        rc = -1;
    }
    return rc;
}

/* ------------------------------------------------------ node walk helpers */

const char *ly_node_kind(const yaml_node_t *n)
{
    switch (n->type) {
    case YAML_SCALAR_NODE: return "a scalar";
    case YAML_SEQUENCE_NODE: return "a sequence";
    case YAML_MAPPING_NODE: return "a mapping";
    default: return "nothing";
    }
}

yaml_node_t *ly_node_at(struct loader *ld, int index)
{
    return yaml_document_get_node(ld->doc, index);
}

size_t ly_seq_len(const yaml_node_t *n)
{
    return (size_t)(n->data.sequence.items.top - n->data.sequence.items.start);
}

yaml_node_t *ly_seq_item(struct loader *ld, const yaml_node_t *n, size_t i)
{
    return ly_node_at(ld, n->data.sequence.items.start[i]);
}

/* A sequence of at most max items (and at least min). */
int ly_want_seq(struct loader *ld, yaml_node_t *n, const char *path, size_t min, size_t max,
                    const char *what)
{
    if (n->type != YAML_SEQUENCE_NODE)
        return ly_fail_mark(ld, n->start_mark, path, "expected a sequence of %s, found %s", what, ly_node_kind(n));
    size_t len = ly_seq_len(n);
    if (len < min)
        return ly_fail_mark(ld, n->start_mark, path, "expected at least %zu %s, found %zu", min, what, len);
    if (len > max)
        return ly_fail_mark(ld, n->start_mark, path, "expected at most %zu %s, found %zu", max, what, len);
    return 0;
}

/* Copies a scalar out as a string. nonempty: "" (or only blanks) is an error. */
int ly_get_str(struct loader *ld, yaml_node_t *n, const char *path, bool nonempty, char **out)
{
    if (n->type != YAML_SCALAR_NODE)
        return ly_fail_mark(ld, n->start_mark, path, "expected a string, found %s", ly_node_kind(n));
    const char *v = (const char *)n->data.scalar.value;
    size_t len = n->data.scalar.length;
    if (memchr(v, '\0', len))
        return ly_fail_mark(ld, n->start_mark, path, "expected text, found a NUL byte");
    if (nonempty) {
        size_t i = 0;
        while (i < len && isspace((unsigned char)v[i])) i++;
        if (i == len) return ly_fail_mark(ld, n->start_mark, path, "expected a non-empty string");
    }
    char *s = strndup(v, len);
    if (!s) return ly_fail_mark(ld, n->start_mark, path, "out of memory");
    free(*out);
    *out = s;
    return 0;
}

/* A plain decimal integer in [lo, hi]. */
bool ly_scalar_int(const yaml_node_t *n, long lo, long hi, long *out)
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
int ly_check_one_line(struct loader *ld, yaml_node_t *n, const char *path, const char *s)
{
    if (strpbrk(s, "\n\r"))
        return ly_fail_mark(ld, n->start_mark, path, "expected a single line, found a line break");
    return 0;
}

/* Names made of [a-z0-9-] starting with two digits: "08-queues". */
bool ly_is_numbered_name(const char *s)
{
    if (!isdigit((unsigned char)s[0]) || !isdigit((unsigned char)s[1]) || s[2] != '-' || !s[3]) return false;
    for (const char *p = s; *p; p++)
        if (!(islower((unsigned char)*p) || isdigit((unsigned char)*p) || *p == '-')) return false;
    return true;
}

int ly_get_str_list(struct loader *ld, yaml_node_t *n, const char *path, size_t min, const char *what,
                        char ***out, size_t *count)
{
    if (ly_want_seq(ld, n, path, min, LESSON_MAX_LIST, what) < 0) return -1;
    size_t len = ly_seq_len(n);
    char **v = calloc(len ? len : 1, sizeof *v);
    if (!v) return ly_fail_mark(ld, n->start_mark, path, "out of memory");
    *out = v;
    for (size_t i = 0; i < len; i++) {
        char p[160];
        ly_fmt_path(p, sizeof p, "%s[%zu]", path, i);
        yaml_node_t *item = ly_seq_item(ld, n, i);
        if (ly_get_str(ld, item, p, false, &v[i]) < 0) return -1;
        (*count)++;
        if (ly_check_one_line(ld, item, p, v[i]) < 0) return -1;
    }
    return 0;
}

/* --------------------------------------------------------- mapping fields */

static void join_keys(const struct field *f, size_t n, char *buf, size_t cap)
{
    buf[0] = '\0';
    size_t used = 0;
    for (size_t i = 0; i < n && used < cap; i++)
        used += (size_t)snprintf(buf + used, cap - used, "%s%s", i ? ", " : "", f[i].key);
}

void ly_field_path(char *buf, size_t cap, const char *base, const char *key)
{
    if (base[0])
        ly_fmt_path(buf, cap, "%s.%s", base, key);
    else
        ly_fmt_path(buf, cap, "%s", key);
}

/* Checks that n is a mapping with only the allowed keys, each at most once,
 * and every required key present. what names the mapping in messages. */
int ly_collect_fields(struct loader *ld, yaml_node_t *n, const char *base, const char *what,
                          struct field *f, size_t nf)
{
    if (n->type != YAML_MAPPING_NODE)
        return ly_fail_mark(ld, n->start_mark, base, "expected %s (a mapping), found %s", what, ly_node_kind(n));
    for (yaml_node_pair_t *pr = n->data.mapping.pairs.start; pr < n->data.mapping.pairs.top; pr++) {
        yaml_node_t *k = ly_node_at(ld, pr->key), *v = ly_node_at(ld, pr->value);
        if (!k || !v) return ly_fail_mark(ld, n->start_mark, base, "malformed mapping");
        if (k->type != YAML_SCALAR_NODE)
            return ly_fail_mark(ld, k->start_mark, base, "expected a key (a plain word), found %s", ly_node_kind(k));
        const char *key = (const char *)k->data.scalar.value;
        size_t i = 0;
        while (i < nf && !(strlen(f[i].key) == k->data.scalar.length && !strcmp(f[i].key, key))) i++;
        char p[160], keys[256];
        char shown[48];
        snprintf(shown, sizeof shown, "%.*s", (int)(k->data.scalar.length < 40 ? k->data.scalar.length : 40),
                 key);
        ly_field_path(p, sizeof p, base, shown);
        if (i == nf) {
            join_keys(f, nf, keys, sizeof keys);
            return ly_fail_mark(ld, k->start_mark, p, "unknown key (expected one of: %s)", keys);
        }
        if (f[i].node) return ly_fail_mark(ld, k->start_mark, p, "duplicate key");
        f[i].node = v;
        f[i].key_node = k;
    }
    for (size_t i = 0; i < nf; i++) {
        if (f[i].required && !f[i].node) {
            char p[160];
            ly_field_path(p, sizeof p, base, f[i].key);
            return ly_fail_mark(ld, n->start_mark, p, "missing required key in %s", what);
        }
    }
    return 0;
}

struct lesson_pos ly_pos_of(const yaml_node_t *n)
{
    struct lesson_pos p = {0, 0};
    if (n) {
        p.line = (int)n->start_mark.line + 1;
        p.column = (int)n->start_mark.column + 1;
    }
    return p;
}

