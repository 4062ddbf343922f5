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

/* Where a field was found in its file: 1-based, 0 when unknown. */
struct lesson_pos {
    int line, column;
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
    char *mode;              /* how the viewer runs it first: "free" (NULL too), "paced", "schedule" */
    int mpi;                 /* run.mpi: ranks to start under mpirun (0 = a plain program) */
    char **mpi_args;         /* run.mpi_args: more mpirun options ("--mca", "btl", "tcp,self") */
    size_t nmpi_args;
    char **expect;           /* regexes the example's output must match (tests) */
    size_t nexpect;
    char *exercise;          /* exercise id "06-queue-workers" (exercises/<id>.c), may be NULL */
    struct lesson_quiz *quiz;
    size_t nquiz;
    /* Positions of the fields lint checks against the tree, for its messages. */
    struct lesson_pos pos_id, pos_order, pos_c, pos_program, pos_exercise;
};

/* Limits the loader enforces (a lesson is small; anything bigger is a mistake). */
#define LESSON_MAX_FILE (1024 * 1024)   /* bytes */
#define LESSON_MAX_DEPTH 32             /* nested collections */
#define LESSON_MAX_SLIDES 16
#define LESSON_MAX_BULLETS 64           /* per slide, all levels */
#define LESSON_MAX_BULLET_LEVEL 4       /* nesting of bullets under bullets */
#define LESSON_MAX_QUIZ 16
#define LESSON_MAX_CHOICES 8
#define LESSON_MAX_LIST 32              /* args, panels, expect */

/* One error, with 1-based line and column (0 when unknown). */
struct lesson_error {
    char file[256];
    int line, column;
    char field[128];         /* path of the field: "quiz[0].answer" (empty for syntax errors) */
    char message[256];       /* what was expected / libyaml's problem */
    /* libyaml's context ("while scanning a quoted scalar") and where it
     * started: for an unclosed quote, line/column above are the end of the
     * file and these are the opening quote. Empty / 0 when there is none. */
    char context[128];
    int context_line, context_column;
};

/* Formats "file:line:col: field: message" into buf; the field part is
 * left out when empty, ":line:col" when unknown, and a libyaml context is
 * appended as " (while ... at line:col)". */
void lesson_error_format(const struct lesson_error *e, char *buf, size_t cap);

/* Load one lesson. 0 | -1 with *err filled (the lesson is left empty). */
int lesson_load(const char *path, struct lesson *out, struct lesson_error *err);
/* Load from memory (fuzzing, tests); name is used in errors. */
int lesson_load_buffer(const char *name, const char *data, size_t len, struct lesson *out,
                       struct lesson_error *err);
void lesson_free(struct lesson *l);

/* Calls fn for every text field of l that a person reads (title, slides,
 * quiz, watch_for ...), with the field's path ("slides[2].bullets[0]") and
 * whether the text may span lines. Stops at and returns the first nonzero
 * result of fn; 0 when every call returned 0. */
typedef int (*lesson_text_fn)(void *ctx, const char *field, const char *text, bool multiline);
int lesson_each_text(const struct lesson *l, lesson_text_fn fn, void *ctx);

#endif
