/*
 * lesson_yaml.h — private to the lesson loader (lesson.c, lesson_yaml.c):
 * the walker's state and the helpers that read libyaml nodes into a
 * struct lesson, each failing with a positioned error (ly_fail_mark) so the
 * schema walk in lesson.c reads as the schema.
 */
#ifndef FORKLAB_LESSON_YAML_H
#define FORKLAB_LESSON_YAML_H

#include "lesson.h"

#include <stdbool.h>
#include <stddef.h>
#include <yaml.h>

/* The walker's state: the document being read and where errors go. */
struct loader {
    yaml_document_t *doc;
    struct lesson_error *err;
};

/* The keys a mapping may have; ly_collect_fields fills node/key_node. */
struct field {
    const char *key;
    bool required;
    yaml_node_t *node;       /* the value, NULL when absent */
    yaml_node_t *key_node;
};

/* ------------------------------------------------------------ errors */
void ly_copy_text(char *dst, size_t cap, const char *src);
void ly_error_reset(struct lesson_error *err, const char *name);
/* snprintf for field paths: a path cut short is still a useful message. */
void ly_fmt_path(char *dst, size_t cap, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* Fills the error at mark (0-based, stored 1-based); returns -1. */
int ly_fail_mark(struct loader *ld, yaml_mark_t mark, const char *field, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
/* A libyaml parser error into err, with its context. Returns -1. */
int ly_fail_syntax(const yaml_parser_t *p, const char *data, size_t len, struct lesson_error *err);
/* The event pass: nesting limit, one document, no aliases. 0 | -1. */
int ly_check_structure(const char *data, size_t len, struct lesson_error *err);

/* ------------------------------------------------------------ nodes */
const char *ly_node_kind(const yaml_node_t *n);
yaml_node_t *ly_node_at(struct loader *ld, int index);
size_t ly_seq_len(const yaml_node_t *n);
yaml_node_t *ly_seq_item(struct loader *ld, const yaml_node_t *n, size_t i);
/* A sequence of min..max items. 0 | -1. */
int ly_want_seq(struct loader *ld, yaml_node_t *n, const char *path, size_t min, size_t max, const char *what);
/* Copies a scalar out as a string. nonempty: "" (or only blanks) is an error. */
int ly_get_str(struct loader *ld, yaml_node_t *n, const char *path, bool nonempty, char **out);
/* A plain decimal integer in [lo, hi]. */
bool ly_scalar_int(const yaml_node_t *n, long lo, long hi, long *out);
/* One line of plain text: a name, an argument, a regex. 0 | -1. */
int ly_check_one_line(struct loader *ld, yaml_node_t *n, const char *path, const char *s);
/* Names made of [a-z0-9-] starting with two digits: "08-queues". */
bool ly_is_numbered_name(const char *s);
int ly_get_str_list(struct loader *ld, yaml_node_t *n, const char *path, size_t min, const char *what,
                    char ***out, size_t *count);

/* ------------------------------------------------------------ mappings */
void ly_field_path(char *buf, size_t cap, const char *base, const char *key);
/* n is a mapping with only the allowed keys, each at most once, and every
 * required key present. what names the mapping in messages. 0 | -1. */
int ly_collect_fields(struct loader *ld, yaml_node_t *n, const char *base, const char *what, struct field *f,
                      size_t nf);
struct lesson_pos ly_pos_of(const yaml_node_t *n);

#endif
