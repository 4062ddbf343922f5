/*
 * lint.c — `forklab lint [FILES...]` and `forklab list [--examples]`.
 *
 * lint loads every lesson (all of lessons/ under forklab_home() by default),
 * then checks what the loader cannot see from one file: that the example,
 * the C source and the exercise it names exist in the tree, that the id
 * matches the file name, that ids and orders are unique, and that no text
 * a person reads holds a control character (an escape sequence in a title
 * would act on the learner's terminal). It prints every problem as
 * file:line:col: field: message and exits 1 when there is any; every line
 * it prints, and every line of list, goes out through text_safe.
 *
 * list prints the lessons in order as a table; `list --examples` prints
 * the run section as tab-separated records for lessons/check-examples.sh,
 * so the script never parses YAML itself:
 *
 *     lesson<TAB>ID<TAB>PROGRAM
 *     arg<TAB>VALUE          (one per argument, in order)
 *     expect<TAB>REGEX       (one per pattern)
 */
#include "catalogue.h"
#include "commands.h"
#include "lesson.h"
#include "paths.h"
#include "runner.h"
#include "text.h"

#include <dirent.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static bool file_exists(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static bool file_exists(const char *fmt, ...)
{
    char path[PATH_MAX];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(path, sizeof path, fmt, ap);
    va_end(ap);
    struct stat st;
    return stat(path, &st) == 0 && S_ISREG(st.st_mode);
}

/* True when exercises/ has at least one .c: until the exercises land, a
 * missing one is only a warning. */
static bool exercises_present(const char *home)
{
    char dir[PATH_MAX];
    snprintf(dir, sizeof dir, "%s/exercises", home);
    DIR *d = opendir(dir);
    if (!d) return false;
    bool any = false;
    struct dirent *e;
    while (!any && (e = readdir(d))) {
        size_t n = strlen(e->d_name);
        any = n > 2 && !strcmp(e->d_name + n - 2, ".c");
    }
    closedir(d);
    return any;
}

/* Messages quote the lesson's own text, which may hold control
 * characters: every line goes out through text_safe. */
static void print_safe(const char *line)
{
    char safe[2048];
    text_safe(safe, sizeof safe, line);
    printf("%s\n", safe);
}

static void report(int *errors, const char *file, struct lesson_pos pos, const char *field, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));
static void report(int *errors, const char *file, struct lesson_pos pos, const char *field, const char *fmt, ...)
{
    char msg[512], line[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    if (pos.line > 0)
        snprintf(line, sizeof line, "%s:%d:%d: %s: %s", file, pos.line, pos.column, field, msg);
    else
        snprintf(line, sizeof line, "%s: %s: %s", file, field, msg);
    print_safe(line);
    if (errors) (*errors)++;
}

/* "lessons/08-queues.yaml" -> "08-queues" */
static void stem(const char *path, char *out, size_t cap)
{
    const char *base = strrchr(path, '/');
    base = base ? base + 1 : path;
    snprintf(out, cap, "%s", base);
    size_t n = strlen(out);
    if (n > 5 && !strcmp(out + n - 5, ".yaml")) out[n - 5] = '\0';
}

/* What one lesson refers to must exist under home. */
static void check_references(const struct lesson *l, const char *home, bool exercises, int *errors, int *warnings)
{
    char name[256];
    stem(l->path, name, sizeof name);
    if (strcmp(name, l->id))
        report(errors, l->path, l->pos_id, "id", "'%s' does not match the file name (%s.yaml)", l->id, name);
    if (!file_exists("%s/lessons/%s.c", home, l->program))
        report(errors, l->path, l->pos_program, "run.program", "no example lessons/%s.c", l->program);
    if (!file_exists("%s/%s", home, l->c_path))
        report(errors, l->path, l->pos_c, "c", "no such file %s", l->c_path);
    if (l->exercise && !file_exists("%s/exercises/%s.c", home, l->exercise)) {
        if (exercises)
            report(errors, l->path, l->pos_exercise, "exercise", "no exercise exercises/%s.c", l->exercise);
        else
            report(warnings, l->path, l->pos_exercise, "exercise",
                   "warning: no exercise exercises/%s.c (exercises/ has none yet)", l->exercise);
    }
}

/* Every text a person reads must be free of control characters (ESC
 * starts a terminal sequence); prose and code may hold newlines and tabs. */
struct text_check {
    const struct lesson *l;
    int *errors;
};

static int check_one_text(void *ctx, const char *field, const char *text, bool multiline)
{
    struct text_check *tc = ctx;
    const char *bad = text_find_control(text, multiline ? "\n\t" : NULL);
    if (bad) {
        struct lesson_pos none = {0, 0};
        report(tc->errors, tc->l->path, none, field, "control character 0x%02x at byte %zu (not allowed in a lesson)",
               (unsigned char)(*bad == '\xc2' ? bad[1] : *bad), (size_t)(bad - text));
    }
    return 0;
}

static void check_text(const struct lesson *l, int *errors)
{
    struct text_check tc = {l, errors};
    lesson_each_text(l, check_one_text, &tc);
}

static void check_unique(const struct lesson *ls, size_t n, int *errors)
{
    for (size_t i = 0; i < n; i++) {
        for (size_t j = 0; j < i; j++) {
            if (!strcmp(ls[i].id, ls[j].id))
                report(errors, ls[i].path, ls[i].pos_id, "id", "'%s' is also the id of %s", ls[i].id, ls[j].path);
            if (ls[i].order == ls[j].order)
                report(errors, ls[i].path, ls[i].pos_order, "order", "%d is also the order of %s", ls[i].order,
                       ls[j].path);
        }
    }
}

/* The files to check: the arguments, or every .yaml file in lessons/. */
static char **lesson_files(int argc, char **argv, const char *home, size_t *n)
{
    if (argc > 0) {
        char **v = calloc((size_t)argc, sizeof *v);
        for (int i = 0; v && i < argc; i++) v[i] = strdup(argv[i]);
        *n = v ? (size_t)argc : 0;
        return v;
    }
    char dir[PATH_MAX], **v;
    snprintf(dir, sizeof dir, "%s/lessons", home);
    if (lessons_list_files(dir, &v, n) < 0) {
        fprintf(stderr, "forklab lint: cannot read %s\n", dir);
        *n = 0;
        return NULL;
    }
    return v;
}

int cmd_lint(int argc, char **argv)
{
    if (argc > 0 && (!strcmp(argv[0], "--help") || !strcmp(argv[0], "-h"))) {
        printf("usage: forklab lint [FILES...]   (default: every lessons/*.yaml)\n");
        return 0;
    }
    const char *home = forklab_home();
    size_t nfiles = 0;
    char **files = lesson_files(argc, argv, home, &nfiles);
    if (!files) return 1;
    if (nfiles == 0) {
        printf("forklab lint: no lessons found in %s/lessons\n", home);
        free(files);
        return 1;
    }
    struct lesson *ls = calloc(nfiles, sizeof *ls);
    if (!ls) return 1;
    bool exercises = exercises_present(home);
    int errors = 0, warnings = 0;
    size_t loaded = 0;
    for (size_t i = 0; i < nfiles; i++) {
        struct lesson_error err;
        if (!files[i] || lesson_load(files[i], &ls[loaded], &err) < 0) {
            char msg[1024];
            lesson_error_format(&err, msg, sizeof msg);
            print_safe(files[i] ? msg : "out of memory");
            errors++;
            continue;
        }
        check_references(&ls[loaded], home, exercises, &errors, &warnings);
        check_text(&ls[loaded], &errors);
        loaded++;
    }
    check_unique(ls, loaded, &errors);
    if (errors)
        printf("%d error%s in %zu lesson%s\n", errors, errors == 1 ? "" : "s", nfiles, nfiles == 1 ? "" : "s");
    else
        printf("%zu lessons OK%s\n", nfiles, warnings ? " (with warnings)" : "");
    lessons_free(ls, loaded);
    lessons_free_files(files, nfiles);
    return errors ? 1 : 0;
}

/* ------------------------------------------------------------------- list */

/* A lesson's text as list shows it: control characters made visible. */
static const char *shown(const char *text, char *buf, size_t cap)
{
    text_safe(buf, cap, text ? text : "-");
    return buf;
}

static void print_examples(const struct lesson *ls, size_t n)
{
    char a[512], b[512];
    for (size_t i = 0; i < n; i++) {
        printf("lesson\t%s\t%s\n", shown(ls[i].id, a, sizeof a), shown(ls[i].program, b, sizeof b));
        for (size_t k = 0; k < ls[i].nargs; k++) printf("arg\t%s\n", shown(ls[i].args[k], a, sizeof a));
        if (ls[i].mpi) printf("mpi\t%d\n", ls[i].mpi);
        for (size_t k = 0; k < ls[i].nmpi_args; k++) printf("mpiarg\t%s\n", shown(ls[i].mpi_args[k], a, sizeof a));
        for (size_t e = 0; e < ls[i].nexpect; e++) printf("expect\t%s\n", shown(ls[i].expect[e], a, sizeof a));
    }
}

/* The widest entry of one column, in bytes as printf pads them. */
static int width(const struct lesson *ls, size_t n, const char *head, size_t off)
{
    size_t w = strlen(head);
    char buf[512];
    for (size_t i = 0; i < n; i++) {
        const char *s = *(char *const *)((const char *)&ls[i] + off);
        size_t len = strlen(shown(s, buf, sizeof buf));
        if (len > w) w = len;
    }
    return (int)w;
}

/* "10-pool-map-async,10-pool-map": every example the lesson runs, its own first. */
static void examples_of(const struct lesson *l, char *buf, size_t cap)
{
    char ex[8][RUNNER_NAME_MAX];
    size_t k = runner_lesson_examples(l, ex, 8), len = 0;
    buf[0] = '\0';
    for (size_t j = 0; j < k && len < cap; j++)
        len += (size_t)snprintf(buf + len, cap - len, "%s%s", j ? "," : "", ex[j]);
    if (!k) snprintf(buf, cap, "%s", l->program ? l->program : "-");
}

static void print_table(const struct lesson *ls, size_t n)
{
    int wid = width(ls, n, "ID", offsetof(struct lesson, id));
    int wti = width(ls, n, "TITLE", offsetof(struct lesson, title));
    int wex = (int)strlen("EXAMPLES");
    char ex[512], id[512], title[512], exercise[512];
    for (size_t i = 0; i < n; i++) {
        examples_of(&ls[i], ex, sizeof ex);
        if ((int)strlen(ex) > wex) wex = (int)strlen(ex);
    }
    printf("%5s  %-*s  %-*s  %-*s  %s\n", "ORDER", wid, "ID", wti, "TITLE", wex, "EXAMPLES", "EXERCISE");
    for (size_t i = 0; i < n; i++) {
        examples_of(&ls[i], ex, sizeof ex);
        printf("%5d  %-*s  %-*s  %-*s  %s\n", ls[i].order, wid, shown(ls[i].id, id, sizeof id), wti,
               shown(ls[i].title, title, sizeof title), wex, ex, shown(ls[i].exercise, exercise, sizeof exercise));
    }
}

int cmd_list(int argc, char **argv)
{
    bool examples = false;
    for (int i = 0; i < argc; i++) {
        if (!strcmp(argv[i], "--examples")) {
            examples = true;
        } else if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
            printf("usage: forklab list [--examples]\n");
            return 0;
        } else {
            fprintf(stderr, "forklab list: unexpected argument '%s'\n", argv[i]);
            return 2;
        }
    }
    char dir[PATH_MAX];
    snprintf(dir, sizeof dir, "%s/lessons", forklab_home());
    struct lesson *ls;
    size_t n, nerr;
    int rc = lessons_load_dir(dir, &ls, &n, &nerr);
    if (rc < 0) {
        fprintf(stderr, "forklab list: cannot read %s\n", dir);
        return 1;
    }
    if (examples)
        print_examples(ls, n);
    else
        print_table(ls, n);
    lessons_free(ls, n);
    if (nerr) fprintf(stderr, "forklab list: %zu lesson file%s failed to load (run forklab lint)\n", nerr,
                      nerr == 1 ? "" : "s");
    return nerr ? 1 : 0;
}
