/*
 * lesson.h — a lesson, loaded from lessons/NN-topic.yaml (schema:
 * lessons/README.md). The loader copies what it needs out of the libyaml
 * document; a struct lesson owns all its strings (lesson_free).
 */
#ifndef FORKLAB_LESSON_H
#define FORKLAB_LESSON_H

#include <stdbool.h>
#include <stddef.h>

struct lesson_bullet {
    char *text;
    int level;               /* 0 = top, 1 = nested ... */
};

struct lesson_slide {
    char *title;
    struct lesson_bullet *bullets;
    size_t nbullets;
    char *notes;             /* may be NULL */
};

struct lesson_quiz {
    char *question;
    char **choices;
    size_t nchoices;
    int answer;              /* index into choices */
    char *explanation;
};

struct lesson {
    char *path;              /* the YAML file it came from */
    char *id;                /* "08-queues" */
    char *title;
    int order;
    struct lesson_slide *slides;
    size_t nslides;
    char *python;            /* the Python version (source text) */
    char *c_path;            /* the C example's source, relative to the repo: "lessons/08-queues.c" */
    /* run: */
    char *program;           /* example binary name: "08-queues" (built as build/lessons/08-queues) */
    char **args;
    size_t nargs;
    char **panels;           /* "processes", "locks", "queues", "pipes", "arrays", "pool", "async", "timeline", "notes", "output" */
    size_t npanels;
    char *watch_for;
    char **expect;           /* regexes the example's output must match (tests) */
    size_t nexpect;
    char *exercise;          /* exercise id "06-queue", may be NULL */
    struct lesson_quiz *quiz;
    size_t nquiz;
};

/* One error, with 1-based line and column (0 when unknown). */
struct lesson_error {
    char file[256];
    int line, column;
    char field[128];         /* path of the field: "quiz[0].answer" (empty for syntax errors) */
    char message[256];       /* what was expected / libyaml's problem */
};

/* Formats "file:line:col: field: message" into buf. */
void lesson_error_format(const struct lesson_error *e, char *buf, size_t cap);

/* Load one lesson. 0 | -1 with *err filled (the lesson is left empty). */
int lesson_load(const char *path, struct lesson *out, struct lesson_error *err);
/* Load from memory (fuzzing, tests); name is used in errors. */
int lesson_load_buffer(const char *name, const char *data, size_t len, struct lesson *out,
                       struct lesson_error *err);
void lesson_free(struct lesson *l);

/* All lessons of dir (*.yaml), sorted by order. Files that fail to load
 * are skipped and counted in *nerrors (may be NULL). 0 | -errno. */
int lessons_load_dir(const char *dir, struct lesson **out, size_t *n, size_t *nerrors);
void lessons_free(struct lesson *ls, size_t n);

/* Where the tree is: $FORKLAB_HOME, else found from the executable's
 * location (build/forklab -> ..), else ".". Static string. */
const char *forklab_home(void);
/* Where built programs are: $FORKLAB_BUILD, else the executable's dir. */
const char *forklab_build_dir(void);

#endif
