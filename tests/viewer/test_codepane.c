/* test_codepane.c — the code pane's logic without a terminal: where each
 * process is in the source (pending operation or last call), the marker of
 * a line, which lines a pane shows, sideways slices, the place of the pane
 * on the run screen, and the key table's help for the keys that go with it. */
#include "codepane.h"
#include "dump.h"
#include "keys.h"
#include "text.h"

#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ------------------------------------------------------------ helpers */

static void apply(struct model *m, int pid, int kind, uint32_t line, const char *file)
{
    struct mp_trace_event ev;
    memset(&ev, 0, sizeof ev);
    ev.t_ns = 1000 + m->applied;
    ev.pid = pid;
    ev.kind = (uint16_t)kind;
    ev.line = line;
    ev.file = file ? mp_trace_file_id(file) : 0;
    if (kind == MP_EV_PROC_START) ev.a = 1; /* ppid */
    cr_assert_eq(model_apply(m, &ev), 0);
}

static struct sched_proc parked(int index, int pid, uint32_t line, const char *file)
{
    struct sched_proc p;
    memset(&p, 0, sizeof p);
    p.index = index;
    p.pid = pid;
    p.alive = true;
    p.parked = line != 0;
    p.op.line = line;
    snprintf(p.op.file, sizeof p.op.file, "%s", file);
    return p;
}

/* ------------------------------------------------------------ where */

Test(codepane, free_run_marks_the_last_call_of_each_live_process, .timeout = 5.)
{
    struct model m;
    model_init(&m);
    apply(&m, 100, MP_EV_PROC_START, 50, "03-sync.c");
    apply(&m, 101, MP_EV_PROC_START, 52, "03-sync.c");
    apply(&m, 101, MP_EV_NOTE, 32, "03-sync.c");
    apply(&m, 102, MP_EV_PROC_START, 52, "03-sync.c");
    apply(&m, 102, MP_EV_NOTE, 7, "helper.c");  /* another file: not a line of this one */
    apply(&m, 100, MP_EV_NOTE, 0, NULL);          /* no site: the last known line stays */
    struct cp_where w[8];
    size_t n = cp_where(&m, NULL, 0, "lessons/03-sync.c", w, 8);
    cr_assert_eq(n, 3);
    cr_expect_eq(w[0].index, 0);
    cr_expect_eq(w[0].pid, 100);
    cr_expect_eq(w[0].line, 50);
    cr_expect_eq(w[1].line, 32);
    cr_expect_eq(w[2].line, 0, "last call in helper.c: nothing marked in 03-sync.c");
    cr_expect(!w[1].pending);
    struct mp_trace_event ev = {0};
    ev.kind = MP_EV_PROC_EXIT;
    ev.pid = 100; /* the reaper reports the exit of a */
    ev.a = 101;
    ev.t_ns = 5000;
    cr_assert_eq(model_apply(&m, &ev), 0);
    n = cp_where(&m, NULL, 0, "03-sync.c", w, 8);
    cr_expect_eq(n, 2, "an exited process has no line");
    cr_expect_eq(w[1].pid, 102);
    model_free(&m);
}

Test(codepane, controlled_run_marks_the_pending_operation, .timeout = 5.)
{
    struct model m;
    model_init(&m);
    apply(&m, 200, MP_EV_PROC_START, 50, "03-sync.c");
    apply(&m, 201, MP_EV_PROC_START, 52, "03-sync.c");
    apply(&m, 202, MP_EV_PROC_START, 52, "03-sync.c");
    struct sched_proc procs[4] = {
        parked(0, 200, 53, "03-sync.c"),
        parked(1, 201, 28, "03-sync.c"),
        parked(2, 202, 0, ""),              /* running between gates: its last call */
        parked(3, 203, 28, "03-sync.c"),
    };
    procs[3].alive = false;                 /* ended: not shown */
    struct cp_where w[8];
    size_t n = cp_where(&m, procs, 4, "03-sync.c", w, 8);
    cr_assert_eq(n, 3);
    cr_expect_eq(w[0].line, 53);
    cr_expect(w[0].pending);
    cr_expect_eq(w[1].index, 1);
    cr_expect_eq(w[1].line, 28);
    cr_expect_eq(w[2].line, 52, "not parked: the line of its last event");
    cr_expect(!w[2].pending);
    /* A pending operation in another file marks nothing here. */
    procs[1] = parked(1, 201, 9, "other.c");
    n = cp_where(&m, procs, 4, "03-sync.c", w, 8);
    cr_expect_eq(w[1].line, 0);
    /* cap is respected */
    cr_expect_eq(cp_where(&m, procs, 4, "03-sync.c", w, 1), 1);
    model_free(&m);
}

/* ------------------------------------------------------------ markers */

Test(codepane, marker_names_every_process_on_the_line, .timeout = 5.)
{
    struct cp_where w[] = {{0, 10, 53, true}, {1, 11, 28, true}, {2, 12, 28, true}, {3, 13, 28, true}};
    char buf[32];
    bool sel;
    cr_expect_eq(cp_marker(w, 4, 53, -1, buf, sizeof buf, 5, &sel), 1);
    cr_expect_str_eq(buf, "0");
    cr_expect(!sel);
    cr_expect_eq(cp_marker(w, 4, 28, -1, buf, sizeof buf, 5, &sel), 3);
    cr_expect_str_eq(buf, "1,2,3");
    /* the selected process first */
    cr_expect_eq(cp_marker(w, 4, 28, 2, buf, sizeof buf, 5, &sel), 3);
    cr_expect_str_eq(buf, "2,1,3");
    cr_expect(sel);
    /* too many for the width: a "+" says there are more */
    cp_marker(w, 4, 28, 3, buf, sizeof buf, 3, &sel);
    cr_expect_str_eq(buf, "3+");
    cp_marker(w, 4, 28, -1, buf, sizeof buf, 4, NULL);
    cr_expect_str_eq(buf, "1,2+");
    cr_expect_eq(cp_marker(w, 4, 40, -1, buf, sizeof buf, 5, &sel), 0);
    cr_expect_str_eq(buf, "");
    cr_expect_eq(cp_marker(w, 4, 0, -1, buf, sizeof buf, 5, &sel), 0, "line 0 is no line");
    /* wide indexes still fit */
    struct cp_where big[] = {{12, 1, 5, false}, {13, 2, 5, false}};
    cp_marker(big, 2, 5, -1, buf, sizeof buf, 3, NULL);
    cr_expect(fmt_width(buf) <= 3, "'%s' fits 3 columns", buf);
    cr_expect_str_eq(buf, "12+");
}

Test(codepane, focus_follows_the_selected_process, .timeout = 5.)
{
    struct cp_where w[] = {{0, 10, 0, true}, {1, 11, 28, true}, {2, 12, 32, true}};
    cr_expect_eq(cp_focus(w, 3, 2), 32);
    cr_expect_eq(cp_focus(w, 3, 0), 28, "selected has no line: the first that has one");
    cr_expect_eq(cp_focus(w, 3, -1), 28);
    cr_expect_eq(cp_focus(w, 0, -1), 0);
}

/* ------------------------------------------------------------ scrolling */

Test(codepane, window_keeps_the_focus_in_sight_moving_little, .timeout = 5.)
{
    cr_expect_eq(cp_top(10, 20, 5, 3), 0, "everything fits");
    cr_expect_eq(cp_top(70, 10, 0, 7), 7, "no focus: stays");
    cr_expect_eq(cp_top(70, 10, 5, 0), 0, "in sight: stays");
    cr_expect_eq(cp_top(70, 10, 28, 0), 19, "below: one line of context under it (28 is the 9th of 20..29)");
    cr_expect_eq(cp_top(70, 10, 20, 19), 18, "above: one line of context over it");
    cr_expect_eq(cp_top(70, 10, 70, 0), 60, "the last line: no room beyond the end");
    cr_expect_eq(cp_top(70, 10, 1, 40), 0);
    cr_expect_eq(cp_top(70, 10, 500, 200), 60, "out of range: clamped");
    cr_expect_eq(cp_top(70, 0, 5, 3), 0);
}

Test(codepane, sideways_slices_show_what_is_hidden, .timeout = 5.)
{
    const char *line = "    int rc = mp_lock_acquire(lock, MP_FOREVER);";
    char buf[128];
    bool l, r;
    cr_expect_eq(cp_slice(line, 0, 10, buf, sizeof buf, &l, &r), 10);
    cr_expect_str_eq(buf, "    int rc");
    cr_expect(!l && r);
    cp_slice(line, 30, 100, buf, sizeof buf, &l, &r);
    cr_expect_str_eq(buf, "ock, MP_FOREVER);");
    cr_expect(l && !r);
    cr_expect_eq(cp_slice(line, 200, 10, buf, sizeof buf, &l, &r), 0);
    cr_expect(l && !r);
    cr_expect_str_eq(buf, "");
    /* a code point is one column and is never split */
    cp_slice("a\xc2\xab" "b\xe2\x80\xa6" "c", 1, 3, buf, sizeof buf, &l, &r);
    cr_expect_str_eq(buf, "\xc2\xab" "b\xe2\x80\xa6");
    cr_expect(l && r);
    /* a stray continuation byte takes no column, as fmt_width counts it */
    cr_expect_eq(cp_slice("\x80" "ab", 0, 5, buf, sizeof buf, &l, &r), 2);
    cr_expect_eq(fmt_width(buf), 2);
    /* a small buffer: whole code points only, and the rest counts as hidden */
    char small[4];
    cr_expect_eq(cp_slice("\xc2\xab\xc2\xab", 0, 10, small, sizeof small, &l, &r), 1);
    cr_expect_str_eq(small, "\xc2\xab");
    cr_expect(r);
    /* how far is worth scrolling */
    cr_expect_eq(cp_hmax(80, 60), 20);
    cr_expect_eq(cp_hmax(50, 60), 0);
    cr_expect_eq(cp_hmax(50, 0), 0);
}

Test(codepane, source_lines_and_widest, .timeout = 5.)
{
    struct cp_source s;
    cr_assert_eq(cp_source_init(&s, strdup("int main(void)\n{\n\treturn 0; /* \xc2\xab */\n}\n")), 0);
    cr_expect_eq(s.n, 4);
    cr_expect_str_eq(s.lines[1], "{");
    cr_expect_eq(s.widest, 4 + 17, "a tab is 4 columns, a code point one");
    cp_source_free(&s);
    cr_assert_eq(cp_source_init(&s, NULL), 0);
    cr_expect_eq(s.n, 0);
    cp_source_free(&s);
}

/* ------------------------------------------------------------ on the screen */

Test(codepane, run_screen_gives_code_its_own_column_when_wide, .timeout = 5.)
{
    struct rect code;
    int rest;
    cp_run_split(80, 24, 2, true, &code, &rest);
    cr_expect_eq(code.w, 0, "80 columns: a panel of the right-hand stack");
    cr_expect_eq(rest, 80);
    cp_run_split(139, 40, 2, true, &code, &rest);
    cr_expect_eq(code.w, 0, "139 columns: still a panel");
    cp_run_split(140, 40, 2, true, &code, &rest);
    cr_expect_eq(code.w, 56);
    cr_expect_geq(rest, 80, "the panels keep at least the 80 columns they are laid out for");
    cp_run_split(160, 40, 2, true, &code, &rest);
    cr_expect_eq(code.w, 64);
    cr_expect_eq(rest + code.w, 160);
    cr_expect_eq(code.x, rest);
    cr_expect_eq(code.y, 1);
    cr_expect_eq(code.h, 40 - 2 - 2, "between the header and the watch rows");
    cp_run_split(300, 60, 0, true, &code, &rest);
    cr_expect_eq(code.w, 100, "no wider than it is useful");
    cp_run_split(160, 40, 2, false, &code, &rest);
    cr_expect_eq(code.w, 0);
    cr_expect_eq(rest, 160);
    cr_expect(cp_shown(0, 80, true), "a controlled run at 80x24 shows it");
    cr_expect(!cp_shown(0, 80, false), "a free run keeps the room for its panels");
    cr_expect(cp_shown(0, 140, false), "its own column from 140");
    cr_expect(!cp_shown(0, 139, false));
    cr_expect(!cp_shown(0, 60, true), "compact: hidden until asked for");
    cr_expect(cp_shown(1, 60, false));
    cr_expect(!cp_shown(-1, 200, true));
}

Test(codepane, help_lists_mode_code_and_sideways_keys_and_fits_80x24, .timeout = 5.)
{
    cr_expect_eq(keys_action(KEYS_RUN, 'm'), KA_MODE);
    cr_expect_eq(keys_action(KEYS_RUN, 'c'), KA_CODE);
    cr_expect_eq(keys_action(KEYS_RUN, '<'), KA_CODE_LEFT);
    cr_expect_eq(keys_action(KEYS_LESSON, '>'), KA_CODE_RIGHT);
    cr_expect_eq(keys_action(KEYS_RUN, '7'), KA_PICK);
    cr_expect_eq(keys_action(KEYS_RUN, KEYS_ENTER), KA_OPEN);
    size_t n;
    const char *const *lines = keys_help_lines(&n);
    bool mode = false, sideways = false, code = false;
    for (size_t i = 0; i < n; i++) {
        /* the overlay is 78 wide: 74 columns of text inside its box and margins */
        cr_expect(fmt_width(lines[i]) <= 74, "help line %zu is %d columns: '%s'", i, fmt_width(lines[i]), lines[i]);
        if (strstr(lines[i], "m  mode: free, paced, you schedule")) mode = true;
        if (strstr(lines[i], "< / >  code sideways")) sideways = true;
        if (strstr(lines[i], "c          show / hide the code")) code = true;
    }
    cr_expect(mode && sideways && code, "m, c and < / > are in the help");
    cr_expect(n <= 22, "the help fits an 80x24 screen (%zu lines)", n);
}

/* ------------------------------------------------------------ the headless dump */

Test(codepane, dump_gives_each_process_its_last_line, .timeout = 5.)
{
    struct model m;
    model_init(&m);
    apply(&m, 300, MP_EV_PROC_START, 50, "03-sync.c");
    apply(&m, 301, MP_EV_PROC_START, 52, "03-sync.c");
    apply(&m, 301, MP_EV_NOTE, 32, "03-sync.c");
    apply(&m, 302, MP_EV_NOTE, 0, NULL); /* never a call site: no row */
    char *text = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&text, &len);
    cr_assert(f);
    dump_model(f, &m, NULL);
    fclose(f);
    cr_expect(strstr(text, "  last libmp call of each process:\n    PID 300: line 50\n    PID 301: line 32\n"), "%s",
              text);
    cr_expect(!strstr(text, "PID 302: line"), "%s", text);
    /* the table's rows still end with the state */
    cr_expect(strstr(text, "running\n"), "%s", text);
    free(text);
    /* a frame gives a live process's line too */
    f = open_memstream(&text, &len);
    cr_assert(f);
    dump_frame(f, &m, 1);
    fclose(f);
    cr_expect(strstr(text, "proc 301 ?: running, line 32\n") || strstr(text, ": running, line 32\n"), "%s", text);
    cr_expect(!strstr(text, "proc 302 ?: running, line"), "%s", text);
    free(text);
    model_free(&m);
}
