/* test_input.c — input the viewer must not trust (issue: viewer input):
 * a FIFO named as a lesson or sitting in lessons/ is refused at once
 * instead of hanging `forklab lint` and `forklab list`; control characters
 * in a lesson fail lint, and no output path (list, lint's messages, the
 * headless dump) writes one. Also the tables the viewer reads: keys and
 * panels. */
#include "catalogue.h"
#include "dump.h"
#include "files.h"
#include "keys.h"
#include "lesson.h"
#include "panels.h"
#include "text.h"
#include "testutil.h"

#include <limits.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

/* Runs a shell command under a 20 s limit with its output in out; returns
 * the exit status (137 when the limit killed it). */
static int run(char *out, size_t cap, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static int run(char *out, size_t cap, const char *fmt, ...)
{
    char cmd[PATH_MAX * 4], full[PATH_MAX * 5];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(cmd, sizeof cmd, fmt, ap);
    va_end(ap);
    snprintf(full, sizeof full, "timeout -s KILL 20 sh -c \"%s\"", cmd);
    return tu_sh(out, cap, full);
}

/* The first byte of s a terminal would act on (C0 but newline, DEL), or
 * -1 when none. */
static int control_byte(const char *s)
{
    for (; *s; s++)
        if (((unsigned char)*s < 0x20 && *s != '\n') || *s == 0x7f) return (unsigned char)*s;
    return -1;
}

static const char LESSON[] =
    "id: 07-pipes\n"
    "title: %s\n"
    "order: 7\n"
    "slides:\n"
    "  - title: Two ends\n"
    "    bullets: [A pipe has two ends]\n"
    "python: |\n"
    "  from multiprocessing import Pipe\n"
    "c: lessons/07-pipes.c\n"
    "run:\n"
    "  program: 07-pipes\n"
    "  panels: [processes, pipes]\n"
    "  watch_for: the message\n"
    "  expect: ['^got']\n"
    "quiz:\n"
    "  - question: How many ends?\n"
    "    choices: [one, two]\n"
    "    answer: 1\n"
    "    explanation: Two.\n";

/* A tree with lessons/ (and the files lint checks the lesson against). */
static void make_tree(char *dir, const char *title)
{
    char path[PATH_MAX];
    cr_assert(mkdtemp(dir));
    snprintf(path, sizeof path, "%s/lessons", dir);
    cr_assert_eq(mkdir(path, 0755), 0);
    snprintf(path, sizeof path, "%s/lessons/07-pipes.c", dir);
    FILE *f = fopen(path, "w");
    cr_assert(f);
    fputs("int main(void) { return 0; }\n", f);
    fclose(f);
    snprintf(path, sizeof path, "%s/lessons/07-pipes.yaml", dir);
    f = fopen(path, "w");
    cr_assert(f);
    fprintf(f, LESSON, title);
    fclose(f);
}

static void remove_tree(const char *dir)
{
    char cmd[PATH_MAX + 16];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    cr_assert_eq(system(cmd), 0);
}

/* ------------------------------------------------------------ FIFOs */

Test(fifo, files_read_refuses_what_is_not_a_regular_file, .timeout = 10.)
{
    char dir[] = "/tmp/fl-fifoXXXXXX", fifo[PATH_MAX];
    cr_assert(mkdtemp(dir));
    snprintf(fifo, sizeof fifo, "%s/x.yaml", dir);
    cr_assert_eq(mkfifo(fifo, 0644), 0);
    char *data = NULL;
    size_t len = 7;
    cr_expect_eq(files_read(fifo, 100, &data, &len), -ENODEV, "a FIFO is refused (no writer: a blocking open would hang)");
    cr_expect(data == NULL && len == 0);
    cr_expect_eq(files_read(dir, 100, &data, &len), -EISDIR);
    cr_expect_eq(files_read("/dev/null", 100, &data, &len), -ENODEV, "a device is refused");
    cr_expect_eq(files_read("/nonexistent/x", 100, &data, &len), -ENOENT);
    char msg[128];
    files_error_text(-ENODEV, msg, sizeof msg);
    cr_expect_str_eq(msg, "not a regular file (a FIFO, socket or device)");
    unlink(fifo);
    rmdir(dir);
}

Test(fifo, lint_and_list_return_at_once_with_an_error, .timeout = 60.)
{
    if (access(tu_forklab_bin(), X_OK) != 0) cr_skip_test("no %s (set FORKLAB_BUILD)", tu_forklab_bin());
    char dir[] = "/tmp/fl-fifo-treeXXXXXX", fifo[PATH_MAX], out[4096];
    make_tree(dir, "Pipes");
    snprintf(fifo, sizeof fifo, "%s/lessons/08-fifo.yaml", dir);
    cr_assert_eq(mkfifo(fifo, 0644), 0);

    double t0 = tu_now();
    int rc = run(out, sizeof out, "FORKLAB_HOME='%s' '%s' lint '%s'", dir, tu_forklab_bin(), fifo);
    cr_expect_eq(rc, 1, "lint of a FIFO fails (124/137 = it hung): %s", out);
    cr_expect(strstr(out, "08-fifo.yaml: not a regular file (a FIFO, socket or device)"), "%s", out);

    /* The FIFO among the lessons: the good one is listed, the FIFO counted. */
    rc = run(out, sizeof out, "FORKLAB_HOME='%s' '%s' list", dir, tu_forklab_bin());
    cr_expect_eq(rc, 1, "list with a FIFO in lessons/ exits 1: %s", out);
    cr_expect(strstr(out, "    7  07-pipes "), "%s", out);
    cr_expect(strstr(out, "1 lesson file failed to load"), "%s", out);
    double took = tu_now() - t0;
    cr_expect_lt(took, 15.0, "both returned at once (a hang is killed at 20 s), took %.1f s", took);
    remove_tree(dir);
    tu_assert_no_children();
}

/* ------------------------------------------------------------ control characters */

#define PWNED "\"\\e]0;pwned\\a\\e[2J\""   /* YAML for ESC ] 0 ; pwned BEL ESC [ 2 J */

Test(escape, lint_rejects_a_title_with_control_characters, .timeout = 30.)
{
    if (access(tu_forklab_bin(), X_OK) != 0) cr_skip_test("no %s (set FORKLAB_BUILD)", tu_forklab_bin());
    char dir[] = "/tmp/fl-escXXXXXX", out[4096];
    make_tree(dir, PWNED);
    int rc = run(out, sizeof out, "FORKLAB_HOME='%s' '%s' lint", dir, tu_forklab_bin());
    cr_expect_eq(rc, 1, "%s", out);
    cr_expect(strstr(out, "07-pipes.yaml: title: control character 0x1b at byte 0"), "%s", out);
    cr_expect_eq(control_byte(out), -1, "lint's own output carries no control byte: %s", out);
    remove_tree(dir);
    char plain[] = "/tmp/fl-esc-plainXXXXXX";
    make_tree(plain, "Pipes");
    rc = run(out, sizeof out, "FORKLAB_HOME='%s' '%s' lint", plain, tu_forklab_bin());
    cr_expect_eq(rc, 0, "the same lesson with a plain title passes: %s", out);
    remove_tree(plain);
}

Test(escape, list_shows_the_title_harmlessly, .timeout = 30.)
{
    if (access(tu_forklab_bin(), X_OK) != 0) cr_skip_test("no %s (set FORKLAB_BUILD)", tu_forklab_bin());
    char dir[] = "/tmp/fl-esc-listXXXXXX", out[4096];
    make_tree(dir, PWNED);
    int rc = run(out, sizeof out, "FORKLAB_HOME='%s' '%s' list", dir, tu_forklab_bin());
    cr_expect_eq(rc, 0, "%s", out);
    cr_expect(strstr(out, "07-pipes  ?]0;pwned??[2J"), "the title, each control shown as '?': %s", out);
    cr_expect_eq(control_byte(out), -1, "no control byte reaches the terminal: %s", out);
    remove_tree(dir);
}

Test(escape, every_text_field_is_checked, .timeout = 5.)
{
    struct lesson l;
    struct lesson_error e;
    char text[4096];
    snprintf(text, sizeof text, LESSON, "Pipes");
    cr_assert_eq(lesson_load_buffer("x.yaml", text, strlen(text), &l, &e), 0, "%s", e.message);
    size_t n = 0;
    int count(void *ctx, const char *field, const char *t, bool multi);
    cr_assert_eq(lesson_each_text(&l, count, &n), 0);
    /* id, title, slides[0].title, one bullet, python, c, run.program, two
     * panels, watch_for, one expect, question, two choices, explanation */
    cr_expect_eq(n, 15, "text fields visited: %zu", n);
    lesson_free(&l);
}

int count(void *ctx, const char *field, const char *t, bool multi)
{
    (void)field, (void)t, (void)multi;
    (*(size_t *)ctx)++;
    return 0;
}

Test(escape, dump_shows_traced_text_harmlessly, .timeout = 5.)
{
    struct model m;
    model_init(&m);
    struct mp_trace_event ev = {.t_ns = 1000, .pid = 42, .kind = MP_EV_PROC_START};
    snprintf(ev.text, sizeof ev.text, "\x1b]0;name\a");
    cr_assert_eq(model_apply(&m, &ev), 0);
    ev.kind = MP_EV_NOTE;
    ev.t_ns = 2000;
    snprintf(ev.text, sizeof ev.text, "\x1b[2Jnote\xc2\x9b" "1m");
    cr_assert_eq(model_apply(&m, &ev), 0);
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    cr_assert(f);
    dump_model(f, &m, NULL);
    dump_frame(f, &m, 1);
    fclose(f);
    cr_expect(strstr(buf, "?[2Jnote?1m"), "the note, controls (C0 and C1) as '?': %s", buf);
    cr_expect_eq(control_byte(buf), -1, "no control byte in the dump");
    cr_expect(strstr(buf, "\xc2\x9b") == NULL, "no C1 control in the dump");
    free(buf);
    model_free(&m);
}

Test(escape, text_safe_keeps_text_and_whole_code_points, .timeout = 5.)
{
    char out[16];
    cr_expect_eq(text_safe(out, sizeof out, "a\x1b[1mb\tc\x7f"), 9);
    cr_expect_str_eq(out, "a?[1mb?c?");
    text_safe(out, sizeof out, "\xe2\x80\xa6 ok \xc2\x9b!");
    cr_expect_str_eq(out, "\xe2\x80\xa6 ok ?!", "UTF-8 kept, U+009B (a CSI) replaced");
    text_safe(out, 5, "ab\xe2\x80\xa6");
    cr_expect_str_eq(out, "ab", "a code point that does not fit is left out whole");
    cr_expect(text_find_control("line\nnext\ttab", "\n\t") == NULL);
    cr_expect(text_find_control("line\nnext", NULL) != NULL);
}

/* ------------------------------------------------------------ tables */

Test(tables, keys_drive_handling_and_help, .timeout = 5.)
{
    cr_expect_eq(keys_action(KEYS_RUN, ' '), KA_PAUSE);
    cr_expect_eq(keys_action(KEYS_RUN, '='), KA_FASTER);
    cr_expect_eq(keys_action(KEYS_LESSON, ' '), KA_NEXT_SLIDE, "a screen's own rows come first");
    cr_expect_eq(keys_action(KEYS_LESSON, '?'), KA_HELP, "then the rows for every screen");
    cr_expect_eq(keys_action(KEYS_LIST, KEYS_ESC), KA_BACK);
    cr_expect_eq(keys_action(KEYS_QUIZ, '3'), KA_ANSWER_NUMBER);
    cr_expect_eq(keys_action(KEYS_LIST, 'x'), KA_NONE);
    size_t n = 0;
    const char *const *lines = keys_help_lines(&n);
    bool run_title = false, pause = false;
    for (size_t i = 0; i < n; i++) {
        if (!strcmp(lines[i], "Live run")) run_title = true;
        if (strstr(lines[i], "space      pause / resume")) pause = true;
    }
    cr_expect(run_title && pause, "the help is the table's words");
}

Test(tables, panels_come_from_one_table, .timeout = 5.)
{
    const char *names[] = {"processes", "locks", "queues", "pipes", "arrays", "pool", "async",
                           "timeline", "notes", "output", "ranks", "messages", "collectives", "manager",
                           "code"};
    cr_assert_eq(PANEL__COUNT, 15);
    for (int i = 0; i < PANEL__COUNT; i++) {
        cr_expect_eq(panel_find(names[i]), i, "%s", names[i]);
        cr_expect_str_eq(panel_kind(i)->name, names[i]);
    }
    cr_expect_eq(panel_find("nope"), -1);
    char all[256];
    panel_names(all, sizeof all);
    cr_expect_str_eq(all, "processes, locks, queues, pipes, arrays, pool, async, timeline, notes, output, "
                          "ranks, messages, collectives, manager, code");
    struct model m;
    model_init(&m);
    struct panel_input in = {&m, 7, 40, 0};
    cr_expect_eq(panel_want(PANEL_output, &in), 9, "7 lines and 2 borders");
    cr_expect_eq(panel_want(PANEL_locks, &in), 3, "empty: one row and the borders");
    model_free(&m);
}
