/* test_lesson.c — the lesson loader (viewer/core/lesson.c), on good and broken
 * input, every shipped lesson, and `forklab lint`'s exit status. */
#include "catalogue.h"
#include "lesson.h"
#include "paths.h"
#include "testutil.h"

#include <limits.h>
#include <stdarg.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* A complete, valid lesson. The tests below break one thing at a time; the
 * line numbers they expect refer to this text (line 1 is "id:"). */
static const char GOOD[] =
    "id: 07-pipes\n"                       /* 1 */
    "title: Pipes\n"                       /* 2 */
    "order: 7\n"                           /* 3 */
    "slides:\n"                            /* 4 */
    "  - title: Two ends\n"                /* 5 */
    "    bullets:\n"                       /* 6 */
    "      - A pipe has two ends\n"        /* 7 */
    "      - - each end is a connection\n" /* 8 */
    "        - send and recv\n"            /* 9 */
    "      - Close what you do not use\n"  /* 10 */
    "    notes: say why\n"                 /* 11 */
    "python: |\n"                          /* 12 */
    "  from multiprocessing import Pipe\n" /* 13 */
    "c: lessons/07-pipes.c\n"              /* 14 */
    "run:\n"                               /* 15 */
    "  program: 07-pipes\n"                /* 16 */
    "  args: [\"3\"]\n"                    /* 17 */
    "  panels: [processes, pipes]\n"       /* 18 */
    "  watch_for: the message\n"           /* 19 */
    "  expect: ['^got [0-9]+$']\n"         /* 20 */
    "exercise: 05-pipe-pingpong\n"         /* 21 */
    "quiz:\n"                              /* 22 */
    "  - question: How many ends?\n"       /* 23 */
    "    choices: [one, two, three, four]\n" /* 24 */
    "    answer: 1\n"                      /* 25 */
    "    explanation: Two.\n";             /* 26 */

/* GOOD with the text of one line (1-based) replaced. */
static char *with_line(int line, const char *replacement)
{
    static char buf[4096];
    const char *p = GOOD;
    size_t used = 0;
    for (int n = 1; *p; n++) {
        const char *end = strchr(p, '\n');
        size_t len = end ? (size_t)(end - p + 1) : strlen(p);
        if (n == line)
            used += (size_t)snprintf(buf + used, sizeof buf - used, "%s", replacement);
        else
            used += (size_t)snprintf(buf + used, sizeof buf - used, "%.*s", (int)len, p);
        p += len;
    }
    return buf;
}

static int load_str(const char *text, struct lesson *l, struct lesson_error *e)
{
    return lesson_load_buffer("lessons/07-pipes.yaml", text, strlen(text), l, e);
}

/* Loads text, expects failure at line:col with field and a message part. */
static void expect_error(const char *text, int line, int col, const char *field, const char *part)
{
    struct lesson l;
    struct lesson_error e;
    int rc = load_str(text, &l, &e);
    char msg[1024];
    lesson_error_format(&e, msg, sizeof msg);
    cr_assert_eq(rc, -1, "loaded although broken (wanted %s)", part);
    cr_expect_eq(e.line, line, "line: %s", msg);
    cr_expect_eq(e.column, col, "column: %s", msg);
    cr_expect_str_eq(e.field, field, "field: %s", msg);
    cr_expect(strstr(msg, part) != NULL, "'%s' not in '%s'", part, msg);
    cr_expect(strncmp(msg, "lessons/07-pipes.yaml:", 22) == 0, "file name first: %s", msg);
    cr_expect(l.id == NULL && l.slides == NULL && l.nslides == 0, "lesson left empty after an error");
}

Test(lesson, good_lesson_loads_every_field, .timeout = 5.)
{
    struct lesson l;
    struct lesson_error e;
    cr_assert_eq(load_str(GOOD, &l, &e), 0, "%s", e.message);
    cr_expect_str_eq(l.id, "07-pipes");
    cr_expect_str_eq(l.title, "Pipes");
    cr_expect_eq(l.order, 7);
    cr_assert_eq(l.nslides, 1);
    cr_expect_str_eq(l.slides[0].title, "Two ends");
    cr_assert_eq(l.slides[0].nbullets, 4);
    cr_expect_str_eq(l.slides[0].bullets[0].text, "A pipe has two ends");
    cr_expect_eq(l.slides[0].bullets[0].level, 0);
    cr_expect_str_eq(l.slides[0].bullets[1].text, "each end is a connection");
    cr_expect_eq(l.slides[0].bullets[1].level, 1);
    cr_expect_eq(l.slides[0].bullets[2].level, 1);
    cr_expect_eq(l.slides[0].bullets[3].level, 0);
    cr_expect_str_eq(l.slides[0].notes, "say why");
    cr_expect_str_eq(l.python, "from multiprocessing import Pipe\n", "a literal block keeps its newline");
    cr_expect_str_eq(l.c_path, "lessons/07-pipes.c");
    cr_expect_str_eq(l.program, "07-pipes");
    cr_assert_eq(l.nargs, 1);
    cr_expect_str_eq(l.args[0], "3");
    cr_assert_eq(l.npanels, 2);
    cr_expect_str_eq(l.panels[1], "pipes");
    cr_expect_str_eq(l.watch_for, "the message");
    cr_assert_eq(l.nexpect, 1);
    cr_expect_str_eq(l.expect[0], "^got [0-9]+$");
    lesson_free(&l);
    /* brackets and escapes are not repetitions: [+*]+ and \++ are fine */
    cr_assert_eq(load_str(with_line(20, "  expect: ['^[+*?{]+ \\++ (a|b){2,3}$']\n"), &l, &e), 0, "%s", e.message);
    cr_expect_str_eq(l.expect[0], "^[+*?{]+ \\++ (a|b){2,3}$");
    lesson_free(&l);
    cr_assert_eq(load_str(GOOD, &l, &e), 0, "%s", e.message);
    cr_expect_str_eq(l.exercise, "05-pipe-pingpong");
    cr_assert_eq(l.nquiz, 1);
    cr_expect_eq(l.quiz[0].nchoices, 4);
    cr_expect_eq(l.quiz[0].answer, 1);
    cr_expect_str_eq(l.quiz[0].choices[3], "four");
    cr_expect_str_eq(l.path, "lessons/07-pipes.yaml");
    cr_expect_eq(l.pos_program.line, 16);
    cr_expect_eq(l.pos_program.column, 12);
    cr_expect_eq(l.pos_exercise.line, 21);
    lesson_free(&l);
    cr_expect(l.id == NULL, "lesson_free clears the struct");
    lesson_free(&l); /* twice is harmless */
}

Test(lesson, syntax_error_has_libyaml_problem_and_mark, .timeout = 5.)
{
    /* a tab cannot indent YAML */
    expect_error(with_line(3, "order: 7\n\t- x\n"), 4, 1, "",
                 "found a tab character that violates indentation (while scanning a plain scalar at 3:8)");
    expect_error(with_line(2, "title: Pipes: two ends\n"), 2, 13, "", "mapping values are not allowed in this context");
}

Test(lesson, unclosed_quote_reports_problem_and_context_marks, .timeout = 5.)
{
    struct lesson l;
    struct lesson_error e;
    const char *text = with_line(26, "    explanation: \"Two.\n");
    cr_assert_eq(load_str(text, &l, &e), -1);
    /* problem at the end of the stream, context at the opening quote */
    cr_expect_eq(e.line, 27, "problem line %d", e.line);
    cr_expect_eq(e.column, 1);
    cr_expect(strstr(e.message, "end of stream") != NULL, "%s", e.message);
    cr_expect_str_eq(e.context, "while scanning a quoted scalar");
    cr_expect_eq(e.context_line, 26);
    cr_expect_eq(e.context_column, 18);
    char msg[512];
    lesson_error_format(&e, msg, sizeof msg);
    cr_expect(strstr(msg, "lessons/07-pipes.yaml:27:1: ") == msg, "%s", msg);
    cr_expect(strstr(msg, "(while scanning a quoted scalar at 26:18)") != NULL, "%s", msg);
}

Test(lesson, wrong_type, .timeout = 5.)
{
    expect_error(with_line(2, "title: [a, b]\n"), 2, 8, "title", "expected a string, found a sequence");
    expect_error(with_line(3, "order: seven\n"), 3, 8, "order", "expected an integer (1..999)");
    expect_error(with_line(18, "  panels: processes\n"), 18, 11, "run.panels", "expected a sequence");
    expect_error(with_line(11, "    notes: [a]\n"), 11, 12, "slides[0].notes", "expected a string, found a sequence");
    expect_error(with_line(17, "  args: {a: b}\n"), 17, 9, "run.args", "expected a sequence of arguments, found a mapping");
}

Test(lesson, unknown_key_is_an_error, .timeout = 5.)
{
    expect_error(with_line(6, "    bulets:\n"), 6, 5, "slides[0].bulets", "unknown key (expected one of: title, bullets, notes)");
    expect_error(with_line(21, "exercize: 05-pipe-pingpong\n"), 21, 1, "exercize", "unknown key");
}

Test(lesson, duplicate_key_is_an_error, .timeout = 5.)
{
    expect_error(with_line(2, "title: Pipes\ntitle: Again\n"), 3, 1, "title", "duplicate key");
}

Test(lesson, missing_required_key, .timeout = 5.)
{
    /* reported at the start of the mapping that lacks it */
    expect_error(with_line(19, ""), 16, 3, "run.watch_for", "missing required key");
    expect_error(with_line(2, ""), 1, 1, "title", "missing required key");
}

Test(lesson, answer_out_of_range, .timeout = 5.)
{
    expect_error(with_line(25, "    answer: 4\n"), 25, 13, "quiz[0].answer",
                 "expected an integer index into choices (0..3)");
    expect_error(with_line(25, "    answer: -1\n"), 25, 13, "quiz[0].answer", "(0..3)");
    expect_error(with_line(25, "    answer: \"1\"\n"), 25, 13, "quiz[0].answer", "(0..3)");
}

Test(lesson, bad_values, .timeout = 5.)
{
    expect_error(with_line(18, "  panels: [processes, lockz]\n"), 18, 23, "run.panels[1]", "unknown panel 'lockz'");
    expect_error(with_line(20, "  expect: ['(unclosed']\n"), 20, 12, "run.expect[0]", "regular expression");
    /* glibc's regcomp is exponential on stacked repetitions (found by fuzzing) */
    expect_error(with_line(20, "  expect: ['0.7++++++++++++++++++++++++++++++++++++++++']\n"), 20, 12, "run.expect[0]",
                 "pattern too complex to check: one repetition right after another");
    expect_error(with_line(20, "  expect: ['((((a+)+)+)+)']\n"), 20, 12, "run.expect[0]", "nested more than 3 deep");
    expect_error(with_line(20, "  expect: ['a{2}b{3}c{4}']\n"), 20, 12, "run.expect[0]", "more than 2 {n,m}");
    expect_error(with_line(20, "  expect: ['a{99}']\n"), 20, 12, "run.expect[0]", "above 32");
    expect_error(with_line(16, "  program: ../bin/sh\n"), 16, 12, "run.program", "not a path");
    expect_error(with_line(1, "id: Pipes\n"), 1, 5, "id", "NN-topic");
    expect_error(with_line(2, "title: \"\"\n"), 2, 8, "title", "non-empty");
    expect_error(with_line(24, "    choices: [only]\n"), 24, 14, "quiz[0].choices", "at least 2");
    expect_error(with_line(8, "      - - a\n        - b: c\n"), 9, 11, "slides[0].bullets[1][1]", "bullet");
}

Test(lesson, aliases_and_second_documents_are_refused, .timeout = 5.)
{
    expect_error(with_line(2, "title: &t Pipes\nx: *t\n"), 3, 4, "", "aliases");
    char two[4200];
    snprintf(two, sizeof two, "%s---\n%s", GOOD, GOOD);
    expect_error(two, 27, 1, "", "one YAML document");
}

Test(lesson, too_deep_nesting, .timeout = 5.)
{
    char deep[256] = "id: ";
    for (int i = 0; i < 40; i++) strcat(deep, "[");
    for (int i = 0; i < 40; i++) strcat(deep, "]");
    strcat(deep, "\n");
    /* the mapping is level 1, so the 32nd bracket (column 5 + 31) is level 33 */
    expect_error(deep, 1, 36, "", "nesting too deep (more than 32 levels)");
}

Test(lesson, bullets_nested_too_deep, .timeout = 5.)
{
    /* levels 0..4 are allowed: [e, ...] would be a sixth */
    expect_error(with_line(9, "        - [b, [c, [d, [e]]]]\n"), 9, 23, "slides[0].bullets[1][1][1][1][1]",
                 "nested too deep (at most 5 levels)");
}

Test(lesson, empty_file, .timeout = 5.)
{
    expect_error("", 1, 1, "", "empty file");
    expect_error("# only a comment\n\n", 1, 1, "", "empty file");
    expect_error("---\n...\n", 1, 1, "", "empty file");
    expect_error("just words\n", 1, 1, "", "expected a lesson");
}

Test(lesson, file_too_big, .timeout = 10.)
{
    char path[] = "/tmp/fl-lesson-bigXXXXXX";
    int fd = mkstemp(path);
    cr_assert(fd >= 0);
    static char chunk[65536];
    memset(chunk, '#', sizeof chunk);
    for (int i = 0; i < 17; i++) cr_assert_eq(write(fd, chunk, sizeof chunk), (ssize_t)sizeof chunk);
    close(fd);
    struct lesson l;
    struct lesson_error e;
    int rc = lesson_load(path, &l, &e);
    unlink(path);
    cr_assert_eq(rc, -1);
    cr_expect_eq(e.line, 0, "no position for a whole-file error");
    cr_expect(strstr(e.message, "file too big") != NULL, "%s", e.message);
    char msg[512];
    lesson_error_format(&e, msg, sizeof msg);
    cr_expect(strncmp(msg, path, strlen(path)) == 0 && msg[strlen(path)] == ':', "%s", msg);
    /* the buffer API refuses too */
    char *big = malloc(LESSON_MAX_FILE + 2);
    cr_assert(big);
    memset(big, ' ', LESSON_MAX_FILE + 1);
    cr_expect_eq(lesson_load_buffer("big", big, LESSON_MAX_FILE + 1, &l, &e), -1);
    free(big);
}

Test(lesson, bad_arguments_and_missing_file, .timeout = 5.)
{
    struct lesson l;
    struct lesson_error e;
    cr_expect_eq(lesson_load(NULL, &l, &e), -1);
    cr_expect_eq(lesson_load("/nonexistent/x.yaml", &l, &e), -1);
    cr_expect(strstr(e.message, "cannot open") != NULL, "%s", e.message);
    cr_expect_eq(lesson_load("/tmp", &l, &e), -1, "a directory is not a lesson");
    cr_expect_eq(lesson_load_buffer("x", NULL, 5, &l, &e), -1);
    cr_expect_eq(lesson_load_buffer("x", GOOD, strlen(GOOD), NULL, &e), -1);
    lesson_free(NULL);
    lessons_free(NULL, 0);
}

Test(lesson, invalid_utf8_is_a_reader_error_with_position, .timeout = 5.)
{
    expect_error(with_line(2, "title: Pi\xff" "pes\n"), 2, 10, "", "invalid");
}

/* ------------------------------------------------------ the shipped lessons */

static const char *repo_dir(void)
{
    /* Criterion runs from the repository (make test); FORKLAB_HOME wins. */
    const char *h = getenv("FORKLAB_HOME");
    return h && h[0] ? h : ".";
}

Test(shipped, every_lesson_loads_with_every_required_field, .timeout = 20.)
{
    char dir[PATH_MAX];
    snprintf(dir, sizeof dir, "%s/lessons", repo_dir());
    struct lesson *ls;
    size_t n, nerr;
    cr_assert_eq(lessons_load_dir(dir, &ls, &n, &nerr), 0, "cannot read %s", dir);
    cr_expect_eq(nerr, 0, "%zu lesson files failed to load (run forklab lint)", nerr);
    cr_assert_geq(n, 13, "only %zu lessons", n);
    for (size_t i = 0; i < n; i++) {
        const struct lesson *l = &ls[i];
        cr_expect(l->id[0] && l->title[0] && l->python[0] && l->c_path[0] && l->program[0] && l->watch_for[0],
                  "%s: a required field is empty", l->path);
        cr_expect(l->nslides >= 2 && l->nslides <= 4, "%s: %zu slides (want 2-4)", l->path, l->nslides);
        for (size_t s = 0; s < l->nslides; s++)
            cr_expect(l->slides[s].title[0] && l->slides[s].nbullets > 0, "%s: slide %zu", l->path, s);
        cr_expect(l->nquiz >= 2 && l->nquiz <= 3, "%s: %zu quiz questions (want 2-3)", l->path, l->nquiz);
        for (size_t q = 0; q < l->nquiz; q++)
            cr_expect(l->quiz[q].answer >= 0 && (size_t)l->quiz[q].answer < l->quiz[q].nchoices, "%s", l->path);
        cr_expect(l->npanels > 0 && l->nexpect > 0, "%s: panels and expect", l->path);
        cr_expect_eq(l->order, (int)i + 1, "%s: orders run 1..N without gaps", l->path);
        char want[PATH_MAX];
        snprintf(want, sizeof want, "%s/lessons/%s.yaml", repo_dir(), l->id);
        cr_expect_str_eq(l->path, want, "id matches the file name");
    }
    lessons_free(ls, n);
}

/* ---------------------------------------------------------------- forklab lint */

/* Runs "forklab lint FILE" with output to a log; returns the exit status. */
static int run_lint(const char *file, char *out, size_t cap)
{
    char cmd[PATH_MAX * 3];
    snprintf(cmd, sizeof cmd, "FORKLAB_HOME=%s '%s' lint '%s'", repo_dir(), tu_forklab_bin(), file);
    return tu_sh(out, cap, cmd);
}

/* Writes text to path (replacing it), then lints path like run_lint. */
static int lint_text(const char *path, const char *text, char *out, size_t cap)
{
    FILE *f = fopen(path, "w");
    cr_assert(f, "cannot write %s", path);
    fputs(text, f);
    fclose(f);
    return run_lint(path, out, cap);
}

Test(lint, exit_status_on_broken_and_good_lessons, .timeout = 20.)
{
    if (access(tu_forklab_bin(), X_OK) != 0) cr_skip_test("no %s (set FORKLAB_BUILD)", tu_forklab_bin());
    char dir[] = "/tmp/fl-lint-XXXXXX";
    cr_assert(mkdtemp(dir));
    char path[PATH_MAX];
    snprintf(path, sizeof path, "%s/07-pipes.yaml", dir);
    char out[4096];
    int rc = lint_text(path, with_line(25, "    answer: 9\n"), out, sizeof out);
    cr_expect_eq(rc, 1, "lint of a broken lesson exits 1: %s", out);
    cr_expect(strstr(out, ":25:13: quiz[0].answer: expected an integer index into choices (0..3)") != NULL, "%s", out);

    /* A lesson that loads but points at an example that does not exist. */
    rc = lint_text(path, with_line(16, "  program: 99-no-such-example\n"), out, sizeof out);
    cr_expect_eq(rc, 1, "%s", out);
    cr_expect(strstr(out, ":16:12: run.program:") != NULL, "%s", out);

    /* A missing C source and a missing exercise (exercises/ has some). */
    rc = lint_text(path, with_line(14, "c: lessons/nope.c\n"), out, sizeof out);
    cr_expect_eq(rc, 1, "%s", out);
    cr_expect(strstr(out, ":14:4: c: no such file lessons/nope.c") != NULL, "%s", out);
    rc = lint_text(path, with_line(21, "exercise: 99-nope\n"), out, sizeof out);
    cr_expect_eq(rc, 1, "%s", out);
    cr_expect(strstr(out, ":21:11: exercise: no exercise exercises/99-nope.c") != NULL, "%s", out);

    /* The good lesson, in a file named after its id, passes. */
    rc = lint_text(path, GOOD, out, sizeof out);
    cr_expect_eq(rc, 0, "%s", out);

    /* The shipped lesson itself passes. */
    char shipped[PATH_MAX];
    snprintf(shipped, sizeof shipped, "%s/lessons/02-spawn.yaml", repo_dir());
    rc = run_lint(shipped, out, sizeof out);
    cr_expect_eq(rc, 0, "%s", out);
    cr_expect(strstr(out, "1 lessons OK") != NULL, "%s", out);
    unlink(path);
    rmdir(dir);
    tu_assert_no_children();
}

/* Writes GOOD with id and order changed to dir/ID.yaml. */
static void write_lesson(const char *dir, const char *id, int order)
{
    char path[PATH_MAX], text[4200];
    snprintf(path, sizeof path, "%s/%s.yaml", dir, id);
    const char *rest = strchr(GOOD, '\n') + 1;              /* after id: */
    rest = strchr(rest, '\n') + 1;                          /* after title: */
    rest = strchr(rest, '\n') + 1;                          /* after order: */
    snprintf(text, sizeof text, "id: %s\ntitle: Lesson %s\norder: %d\n%s", id, id, order, rest);
    FILE *f = fopen(path, "w");
    cr_assert(f, "cannot write %s", path);
    fputs(text, f);
    fclose(f);
}

static void remove_lesson(const char *dir, const char *id)
{
    char path[PATH_MAX];
    snprintf(path, sizeof path, "%s/%s.yaml", dir, id);
    unlink(path);
}

Test(lessons_dir, sorted_by_order_and_broken_files_counted, .timeout = 10.)
{
    char dir[] = "/tmp/fl-lessons-dirXXXXXX";
    cr_assert(mkdtemp(dir));
    write_lesson(dir, "01-c", 30);
    write_lesson(dir, "02-a", 10);
    write_lesson(dir, "03-b", 20);
    char broken[PATH_MAX];
    snprintf(broken, sizeof broken, "%s/04-broken.yaml", dir);
    FILE *f = fopen(broken, "w");
    cr_assert(f);
    fputs("id: [\n", f);
    fclose(f);
    struct lesson *ls;
    size_t n, nerr;
    int rc = lessons_load_dir(dir, &ls, &n, &nerr);
    remove_lesson(dir, "01-c");
    remove_lesson(dir, "02-a");
    remove_lesson(dir, "03-b");
    unlink(broken);
    rmdir(dir);
    cr_assert_eq(rc, 0);
    cr_expect_eq(nerr, 1, "the broken file is counted");
    cr_assert_eq(n, 3);
    cr_expect_str_eq(ls[0].id, "02-a");
    cr_expect_str_eq(ls[1].id, "03-b");
    cr_expect_str_eq(ls[2].id, "01-c");
    lessons_free(ls, n);
    cr_expect_eq(lessons_load_dir("/nonexistent-dir", &ls, &n, &nerr), -ENOENT);
}

Test(lint, duplicate_orders_and_ids_are_errors, .timeout = 20.)
{
    if (access(tu_forklab_bin(), X_OK) != 0) cr_skip_test("no %s (set FORKLAB_BUILD)", tu_forklab_bin());
    char dir[] = "/tmp/fl-lint-dupXXXXXX";
    cr_assert(mkdtemp(dir));
    /* Both name real examples of the tree so only the duplicates are wrong:
     * program/c of GOOD are 07-pipes. */
    write_lesson(dir, "07-pipes", 7);
    char sub[PATH_MAX];
    snprintf(sub, sizeof sub, "%s/other", dir);
    cr_assert_eq(mkdir(sub, 0700), 0);
    write_lesson(sub, "07-pipes", 7);
    char a[PATH_MAX + 64], b[PATH_MAX + 64], cmd[PATH_MAX * 4], out[4096];
    snprintf(a, sizeof a, "%s/07-pipes.yaml", dir);
    snprintf(b, sizeof b, "%s/07-pipes.yaml", sub);
    snprintf(cmd, sizeof cmd, "FORKLAB_HOME=%s '%s' lint '%s' '%s'", repo_dir(), tu_forklab_bin(), a, b);
    int st = tu_sh(out, sizeof out, cmd);
    unlink(a);
    unlink(b);
    rmdir(sub);
    rmdir(dir);
    cr_expect_eq(st, 1, "exit 1 on duplicates: %s", out);
    cr_expect(strstr(out, ":1:5: id: '07-pipes' is also the id of") != NULL, "%s", out);
    cr_expect(strstr(out, ":3:8: order: 7 is also the order of") != NULL, "%s", out);
    tu_assert_no_children();
}

Test(list, shows_every_shipped_lesson_in_order, .timeout = 20.)
{
    if (access(tu_forklab_bin(), X_OK) != 0) cr_skip_test("no %s (set FORKLAB_BUILD)", tu_forklab_bin());
    char cmd[PATH_MAX * 2], out[8192];
    snprintf(cmd, sizeof cmd, "FORKLAB_HOME=%s '%s' list", repo_dir(), tu_forklab_bin());
    cr_assert_eq(tu_sh(out, sizeof out, cmd), 0, "%s", out);
    cr_expect(strncmp(out, "ORDER  ID ", 10) == 0, "header first: %s", out);
    const char *first = strstr(out, "    1  01-processes-threads ");
    const char *last = strstr(out, "   13  13-address-spaces ");
    cr_expect(first && last && first < last, "lessons 1 and 13 in order: %s", out);
    /* aligned: the EXAMPLE column starts at the same offset on every line */
    const char *hdr_ex = strstr(out, "EXAMPLE");
    const char *row_ex = first ? strstr(first, "01-processes-threads  ") : NULL;
    cr_assert(hdr_ex && row_ex);
    row_ex = strstr(row_ex + 21, "01-processes-threads");
    cr_assert(row_ex, "%s", out);
    cr_expect_eq(hdr_ex - out, row_ex - first, "EXAMPLE column aligned: %s", out);
    tu_assert_no_children();
}

Test(where, home_and_build_dir_from_environment_or_executable, .timeout = 5.)
{
    setenv("FORKLAB_HOME", "/some/home", 1);
    setenv("FORKLAB_BUILD", "/some/build", 1);
    cr_expect_str_eq(forklab_home(), "/some/home");
    cr_expect_str_eq(forklab_build_dir(), "/some/build");
    unsetenv("FORKLAB_HOME");
    unsetenv("FORKLAB_BUILD");
    /* this test binary lives in BUILD/tests/viewer: that is its build dir */
    char exe[PATH_MAX];
    ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
    cr_assert(n > 0);
    exe[n] = '\0';
    *strrchr(exe, '/') = '\0';
    cr_expect_str_eq(forklab_build_dir(), exe);
    /* BUILD/tests has no lessons/, so home falls back to "." */
    char parent[PATH_MAX + 16];
    snprintf(parent, sizeof parent, "%s/../lessons", exe);
    struct stat st;
    if (stat(parent, &st) != 0) cr_expect_str_eq(forklab_home(), ".");
}
