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
 * This file is the schema walk; the libyaml helpers and the event pass are
 * in lesson_yaml.c, reading the file in files.c. Every error names the
 * file, the 1-based line and column (libyaml marks are 0-based), the path
 * of the field ("quiz[0].answer") and what was expected. The schema is
 * strict: an unknown key is an error, so a typo cannot hide a slide.
 */
#include "lesson.h"

#include "files.h"
#include "lesson_yaml.h"
#include "panels.h"
#include "text.h"

#include <ctype.h>
#include <errno.h>
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ------------------------------------------------------------------ slides */

static int add_bullet(struct loader *ld, struct lesson_slide *s, yaml_node_t *n, const char *path, int level)
{
    if (s->nbullets >= LESSON_MAX_BULLETS)
        return ly_fail_mark(ld, n->start_mark, path, "too many bullets on one slide (at most %d)",
                         LESSON_MAX_BULLETS);
    struct lesson_bullet *b = realloc(s->bullets, (s->nbullets + 1) * sizeof *b);
    if (!b) return ly_fail_mark(ld, n->start_mark, path, "out of memory");
    s->bullets = b;
    b[s->nbullets].text = NULL;
    b[s->nbullets].level = level;
    s->nbullets++;
    return ly_get_str(ld, n, path, true, &b[s->nbullets - 1].text);
}

/* A bullet is a string; a sequence right after a bullet holds its
 * sub-bullets, one level deeper. */
static int parse_bullets(struct loader *ld, struct lesson_slide *s, yaml_node_t *n, const char *path, int level)
{
    if (ly_want_seq(ld, n, path, 1, LESSON_MAX_BULLETS, "bullets") < 0) return -1;
    for (size_t i = 0; i < ly_seq_len(n); i++) {
        char p[160];
        ly_fmt_path(p, sizeof p, "%s[%zu]", path, i);
        yaml_node_t *item = ly_seq_item(ld, n, i);
        if (item->type == YAML_SCALAR_NODE) {
            if (add_bullet(ld, s, item, p, level) < 0) return -1;
        } else if (item->type == YAML_SEQUENCE_NODE) {
            if (i == 0)
                return ly_fail_mark(ld, item->start_mark, p,
                                 "expected a bullet first: a nested list belongs to the bullet before it");
            if (level + 1 > LESSON_MAX_BULLET_LEVEL)
                return ly_fail_mark(ld, item->start_mark, p, "bullets nested too deep (at most %d levels)",
                                 LESSON_MAX_BULLET_LEVEL + 1);
            if (parse_bullets(ld, s, item, p, level + 1) < 0) return -1;
        } else {
            return ly_fail_mark(ld, item->start_mark, p,
                             "expected a bullet (a string) or a nested list of bullets, found %s%s",
                             ly_node_kind(item),
                             item->type == YAML_MAPPING_NODE ? " (put text containing ': ' in quotes)" : "");
        }
    }
    return 0;
}

static int parse_slide(struct loader *ld, yaml_node_t *n, const char *path, struct lesson_slide *s)
{
    struct field f[] = {{"title", true, NULL, NULL}, {"bullets", true, NULL, NULL}, {"notes", false, NULL, NULL}};
    if (ly_collect_fields(ld, n, path, "a slide", f, 3) < 0) return -1;
    char p[160];
    ly_field_path(p, sizeof p, path, "title");
    if (ly_get_str(ld, f[0].node, p, true, &s->title) < 0) return -1;
    ly_field_path(p, sizeof p, path, "bullets");
    if (parse_bullets(ld, s, f[1].node, p, 0) < 0) return -1;
    ly_field_path(p, sizeof p, path, "notes");
    if (f[2].node && ly_get_str(ld, f[2].node, p, false, &s->notes) < 0) return -1;
    return 0;
}

static int parse_slides(struct loader *ld, yaml_node_t *n, struct lesson *l)
{
    if (ly_want_seq(ld, n, "slides", 1, LESSON_MAX_SLIDES, "slides") < 0) return -1;
    size_t len = ly_seq_len(n);
    l->slides = calloc(len, sizeof *l->slides);
    if (!l->slides) return ly_fail_mark(ld, n->start_mark, "slides", "out of memory");
    for (size_t i = 0; i < len; i++) {
        char p[64];
        ly_fmt_path(p, sizeof p, "slides[%zu]", i);
        l->nslides++;
        if (parse_slide(ld, ly_seq_item(ld, n, i), p, &l->slides[i]) < 0) return -1;
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
    if (ly_collect_fields(ld, n, path, "a quiz question", f, 4) < 0) return -1;
    char p[160];
    ly_field_path(p, sizeof p, path, "question");
    if (ly_get_str(ld, f[0].node, p, true, &q->question) < 0) return -1;
    ly_field_path(p, sizeof p, path, "choices");
    if (ly_want_seq(ld, f[1].node, p, 2, LESSON_MAX_CHOICES, "choices") < 0) return -1;
    size_t len = ly_seq_len(f[1].node);
    q->choices = calloc(len, sizeof *q->choices);
    if (!q->choices) return ly_fail_mark(ld, n->start_mark, p, "out of memory");
    for (size_t i = 0; i < len; i++) {
        char pc[180];
        ly_fmt_path(pc, sizeof pc, "%s[%zu]", p, i);
        q->nchoices++;
        if (ly_get_str(ld, ly_seq_item(ld, f[1].node, i), pc, true, &q->choices[i]) < 0) return -1;
    }
    ly_field_path(p, sizeof p, path, "answer");
    long a;
    if (!ly_scalar_int(f[2].node, 0, (long)len - 1, &a))
        return ly_fail_mark(ld, f[2].node->start_mark, p, "expected an integer index into choices (0..%zu)", len - 1);
    q->answer = (int)a;
    ly_field_path(p, sizeof p, path, "explanation");
    return ly_get_str(ld, f[3].node, p, true, &q->explanation);
}

static int parse_quiz(struct loader *ld, yaml_node_t *n, struct lesson *l)
{
    if (ly_want_seq(ld, n, "quiz", 1, LESSON_MAX_QUIZ, "quiz questions") < 0) return -1;
    size_t len = ly_seq_len(n);
    l->quiz = calloc(len, sizeof *l->quiz);
    if (!l->quiz) return ly_fail_mark(ld, n->start_mark, "quiz", "out of memory");
    for (size_t i = 0; i < len; i++) {
        char p[64];
        ly_fmt_path(p, sizeof p, "quiz[%zu]", i);
        l->nquiz++;
        if (parse_question(ld, ly_seq_item(ld, n, i), p, &l->quiz[i]) < 0) return -1;
    }
    return 0;
}

/* --------------------------------------------------------------------- run */

static int check_panels(struct loader *ld, yaml_node_t *seq, struct lesson *l)
{
    for (size_t i = 0; i < l->npanels; i++) {
        char p[64];
        ly_fmt_path(p, sizeof p, "run.panels[%zu]", i);
        if (panel_find(l->panels[i]) < 0) {
            char names[256];
            panel_names(names, sizeof names);
            return ly_fail_mark(ld, ly_seq_item(ld, seq, i)->start_mark, p,
                                "unknown panel '%.40s' (expected one of: %s)", l->panels[i], names);
        }
        for (size_t j = 0; j < i; j++)
            if (!strcmp(l->panels[j], l->panels[i]))
                return ly_fail_mark(ld, ly_seq_item(ld, seq, i)->start_mark, p, "panel listed twice");
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
        ly_fmt_path(p0, sizeof p0, "run.expect[%zu]", i);
        if (costly)
            return ly_fail_mark(ld, ly_seq_item(ld, seq, i)->start_mark, p0,
                             "pattern too complex to check: %s", costly);
        regex_t re;
        int rc = regcomp(&re, l->expect[i], REG_EXTENDED | REG_NOSUB);
        char p[64];
        ly_fmt_path(p, sizeof p, "run.expect[%zu]", i);
        if (rc != 0) {
            char why[128];
            regerror(rc, &re, why, sizeof why);
            return ly_fail_mark(ld, ly_seq_item(ld, seq, i)->start_mark, p,
                             "expected an extended regular expression (grep -E): %s", why);
        }
        regfree(&re);
        if (!l->expect[i][0])
            return ly_fail_mark(ld, ly_seq_item(ld, seq, i)->start_mark, p, "an empty pattern matches anything");
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
    if (ly_collect_fields(ld, n, "run", "the run section", f, 8) < 0) return -1;
    if (f[7].node) {
        if (ly_get_str(ld, f[7].node, "run.mode", true, &l->mode) < 0) return -1;
        if (strcmp(l->mode, "free") && strcmp(l->mode, "paced") && strcmp(l->mode, "schedule"))
            return ly_fail_mark(ld, f[7].node->start_mark, "run.mode", "expected one of: free, paced, schedule");
    }
    if (ly_get_str(ld, f[0].node, "run.program", true, &l->program) < 0) return -1;
    if (!is_program_name(l->program))
        return ly_fail_mark(ld, f[0].node->start_mark, "run.program",
                         "expected the name of an example program (lessons/NAME.c), not a path");
    l->pos_program = ly_pos_of(f[0].node);
    if (f[1].node && ly_get_str_list(ld, f[1].node, "run.args", 0, "arguments", &l->args, &l->nargs) < 0)
        return -1;
    if (ly_get_str_list(ld, f[2].node, "run.panels", 1, "panel names", &l->panels, &l->npanels) < 0) return -1;
    if (check_panels(ld, f[2].node, l) < 0) return -1;
    if (ly_get_str(ld, f[3].node, "run.watch_for", true, &l->watch_for) < 0) return -1;
    if (ly_get_str_list(ld, f[4].node, "run.expect", 1, "regular expressions", &l->expect, &l->nexpect) < 0)
        return -1;
    long ranks = 0;
    if (f[5].node && !ly_scalar_int(f[5].node, 1, 64, &ranks))
        return ly_fail_mark(ld, f[5].node->start_mark, "run.mpi", "expected a number of MPI ranks (1..64)");
    l->mpi = (int)ranks;
    if (f[6].node && ly_get_str_list(ld, f[6].node, "run.mpi_args", 0, "mpirun options", &l->mpi_args, &l->nmpi_args) < 0)
        return -1;
    if (f[6].node && !l->mpi)
        return ly_fail_mark(ld, f[6].node->start_mark, "run.mpi_args", "only with run.mpi (the number of ranks)");
    return check_regexes(ld, f[4].node, l);
}

/* ------------------------------------------------------------------ lesson */

enum { F_ID, F_TITLE, F_ORDER, F_SLIDES, F_PYTHON, F_C, F_RUN, F_EXERCISE, F_QUIZ, F_COUNT };

static int parse_top_scalars(struct loader *ld, struct field *f, struct lesson *l)
{
    if (ly_get_str(ld, f[F_ID].node, "id", true, &l->id) < 0) return -1;
    if (!ly_is_numbered_name(l->id))
        return ly_fail_mark(ld, f[F_ID].node->start_mark, "id",
                         "expected NN-topic (two digits, a dash, then a-z, 0-9 and dashes)");
    l->pos_id = ly_pos_of(f[F_ID].node);
    if (ly_get_str(ld, f[F_TITLE].node, "title", true, &l->title) < 0) return -1;
    if (ly_check_one_line(ld, f[F_TITLE].node, "title", l->title) < 0) return -1;
    long order;
    if (!ly_scalar_int(f[F_ORDER].node, 1, 999, &order))
        return ly_fail_mark(ld, f[F_ORDER].node->start_mark, "order", "expected an integer (1..999)");
    l->order = (int)order;
    l->pos_order = ly_pos_of(f[F_ORDER].node);
    if (ly_get_str(ld, f[F_PYTHON].node, "python", true, &l->python) < 0) return -1;
    if (ly_get_str(ld, f[F_C].node, "c", true, &l->c_path) < 0) return -1;
    if (l->c_path[0] == '/' || strstr(l->c_path, "..") || ly_check_one_line(ld, f[F_C].node, "c", l->c_path) < 0)
        return ly_fail_mark(ld, f[F_C].node->start_mark, "c",
                         "expected a path relative to the repository, e.g. lessons/08-queues.c");
    l->pos_c = ly_pos_of(f[F_C].node);
    if (f[F_EXERCISE].node) {
        if (ly_get_str(ld, f[F_EXERCISE].node, "exercise", true, &l->exercise) < 0) return -1;
        if (!ly_is_numbered_name(l->exercise))
            return ly_fail_mark(ld, f[F_EXERCISE].node->start_mark, "exercise",
                             "expected an exercise id NN-topic (exercises/NN-topic.c)");
        l->pos_exercise = ly_pos_of(f[F_EXERCISE].node);
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
    if (ly_collect_fields(ld, root, "", "a lesson (id, title, order, slides, python, c, run, exercise, quiz)", f,
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
    ly_error_reset(err, name ? name : "(buffer)");
    if (!out || (!data && len)) {
        ly_copy_text(err->message, sizeof err->message, "invalid arguments");
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
    if (ly_check_structure(data, len, err) < 0) return -1;

    yaml_parser_t parser;
    yaml_document_t doc;
    if (!yaml_parser_initialize(&parser)) {
        ly_copy_text(err->message, sizeof err->message, "out of memory");
        return -1;
    }
    yaml_parser_set_input_string(&parser, (const unsigned char *)data, len);
    int rc = -1;
    if (!yaml_parser_load(&parser, &doc)) {
        ly_fail_syntax(&parser, data, len, err);
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
        ly_copy_text(err->message, sizeof err->message,
                  "empty file: expected a mapping with id, title, order, slides, python, c, run");
    } else {
        rc = parse_lesson(&ld, root, out);
    }
    yaml_document_delete(&doc);
    yaml_parser_delete(&parser);
    if (rc == 0) {
        out->path = strdup(name ? name : "(buffer)");
        if (!out->path) {
            ly_copy_text(err->message, sizeof err->message, "out of memory");
            rc = -1;
        }
    }
    if (rc < 0) lesson_free(out);
    return rc;
}


int lesson_load(const char *path, struct lesson *out, struct lesson_error *err)
{
    struct lesson_error scratch;
    if (!err) err = &scratch;
    ly_error_reset(err, path ? path : "(null)");
    if (out) memset(out, 0, sizeof *out);
    if (!path || !out) {
        ly_copy_text(err->message, sizeof err->message, "invalid arguments");
        return -1;
    }
    char *data = NULL;
    size_t len = 0;
    /* One byte more than a lesson may have, so a huge file is refused
     * without reading it all. */
    int rc = files_read(path, LESSON_MAX_FILE + 1, &data, &len);
    if (rc < 0) {
        files_error_text(rc, err->message, sizeof err->message);
        return -1;
    }
    rc = lesson_load_buffer(path, data, len, out, err);
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


/* ------------------------------------------------------------ text fields */

#define VISIT(field, text, multi)                                   \
    do {                                                            \
        if ((text) && (rc = fn(ctx, (field), (text), (multi)))) return rc; \
    } while (0)

static int each_list(const char *base, char **v, size_t n, lesson_text_fn fn, void *ctx)
{
    int rc;
    char path[64];
    for (size_t i = 0; i < n; i++) {
        ly_fmt_path(path, sizeof path, "%s[%zu]", base, i);
        VISIT(path, v[i], false);
    }
    return 0;
}

static int each_slide(const struct lesson_slide *s, size_t i, lesson_text_fn fn, void *ctx)
{
    int rc;
    char path[96];
    ly_fmt_path(path, sizeof path, "slides[%zu].title", i);
    VISIT(path, s->title, false);
    for (size_t b = 0; b < s->nbullets; b++) {
        ly_fmt_path(path, sizeof path, "slides[%zu].bullets[%zu]", i, b);
        VISIT(path, s->bullets[b].text, true);
    }
    ly_fmt_path(path, sizeof path, "slides[%zu].notes", i);
    VISIT(path, s->notes, true);
    return 0;
}

static int each_question(const struct lesson_quiz *q, size_t i, lesson_text_fn fn, void *ctx)
{
    int rc;
    char path[96];
    ly_fmt_path(path, sizeof path, "quiz[%zu].question", i);
    VISIT(path, q->question, true);
    ly_fmt_path(path, sizeof path, "quiz[%zu].choices", i);
    if ((rc = each_list(path, q->choices, q->nchoices, fn, ctx))) return rc;
    ly_fmt_path(path, sizeof path, "quiz[%zu].explanation", i);
    VISIT(path, q->explanation, true);
    return 0;
}

int lesson_each_text(const struct lesson *l, lesson_text_fn fn, void *ctx)
{
    int rc;
    if (!l || !fn) return 0;
    VISIT("id", l->id, false);
    VISIT("title", l->title, false);
    for (size_t i = 0; i < l->nslides; i++)
        if ((rc = each_slide(&l->slides[i], i, fn, ctx))) return rc;
    VISIT("python", l->python, true);
    VISIT("c", l->c_path, false);
    VISIT("run.program", l->program, false);
    if ((rc = each_list("run.args", l->args, l->nargs, fn, ctx))) return rc;
    if ((rc = each_list("run.panels", l->panels, l->npanels, fn, ctx))) return rc;
    VISIT("run.watch_for", l->watch_for, true);
    if ((rc = each_list("run.expect", l->expect, l->nexpect, fn, ctx))) return rc;
    if ((rc = each_list("run.mpi_args", l->mpi_args, l->nmpi_args, fn, ctx))) return rc;
    VISIT("exercise", l->exercise, false);
    for (size_t i = 0; i < l->nquiz; i++)
        if ((rc = each_question(&l->quiz[i], i, fn, ctx))) return rc;
    return 0;
}
