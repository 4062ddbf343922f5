/* test_layout.c — the viewer's screens and panel text, without a terminal. */
#include "keys.h"
#include "layout.h"
#include "panels.h"
#include "highlight.h"
#include "rows.h"
#include "text.h"
#include "words.h"

#include <criterion/criterion.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* ------------------------------------------------------------ helpers */

static bool rect_inside(struct rect r, int cols, int lines)
{
    return r.x >= 0 && r.y >= 0 && r.w >= 0 && r.h >= 0 && r.x + r.w <= cols && r.y + r.h <= lines;
}

static bool rects_overlap(struct rect a, struct rect b)
{
    if (a.w == 0 || a.h == 0 || b.w == 0 || b.h == 0) return false;
    return a.x < b.x + b.w && b.x < a.x + a.w && a.y < b.y + b.h && b.y < a.y + a.h;
}

static long rect_area(struct rect r)
{
    return (long)r.w * r.h;
}

static const char *const queue_panels[] = {"processes", "queues", "timeline", "notes"};

/* Every panel inside the screen, none overlapping, header/footer/watch too;
 * returns the total area so callers can check the screen is covered. */
static long check_run_layout(const struct layout_run *l, int cols, int lines)
{
    long area = rect_area(l->header) + rect_area(l->footer) + rect_area(l->watch);
    cr_assert(rect_inside(l->header, cols, lines));
    cr_assert(rect_inside(l->footer, cols, lines));
    cr_assert(rect_inside(l->watch, cols, lines));
    for (size_t i = 0; i < l->npanels; i++) {
        struct rect r = l->panels[i].r;
        cr_assert(rect_inside(r, cols, lines), "panel %s (%d,%d %dx%d) outside %dx%d", l->panels[i].name,
                  r.x, r.y, r.w, r.h, cols, lines);
        cr_assert(r.h >= 3, "panel %s has %d rows", l->panels[i].name, r.h);
        cr_assert(!rects_overlap(r, l->header) && !rects_overlap(r, l->footer) &&
                  !rects_overlap(r, l->watch));
        for (size_t j = i + 1; j < l->npanels; j++)
            cr_assert(!rects_overlap(r, l->panels[j].r), "%s overlaps %s", l->panels[i].name,
                      l->panels[j].name);
        area += rect_area(r);
    }
    return area;
}

/* ------------------------------------------------------------ rectangles */

Test(layout, too_small_detection, .timeout = 5.)
{
    cr_assert(!layout_too_small(80, 24));
    cr_assert(!layout_too_small(200, 50));
    cr_assert(!layout_too_small(60, 20), "a laptop's split screen gets the compact layout");
    cr_assert(layout_too_small(59, 24));
    cr_assert(layout_too_small(80, 19));
    char msg[128];
    layout_too_small_msg(msg, sizeof msg, 40, 10);
    cr_assert_str_eq(msg, "forklab needs at least 60x20; this terminal is 40x10");
}

Test(layout, run_80x24_two_columns_fill_the_screen, .timeout = 5.)
{
    struct layout_run l;
    cr_assert_eq(layout_run(80, 24, queue_panels, 4, 2, NULL, &l), 0);
    /* processes + queues left; output (added), notes, timeline right. */
    cr_assert_eq(l.npanels, 5);
    cr_assert_eq(l.nhidden, 0);
    cr_assert_eq(check_run_layout(&l, 80, 24), 80L * 24, "the screen is fully used");
    const struct rect *p = layout_run_find(&l, "processes"), *o = layout_run_find(&l, "output");
    cr_assert(p && o && layout_run_find(&l, "queues") && layout_run_find(&l, "timeline"));
    cr_assert_eq(p->x, 0);
    cr_assert_gt(o->x, 0, "output is in the right column");
    cr_assert_eq(p->w + o->w, 80);
    cr_assert_eq(l.watch.h, 2);
    cr_assert_eq(l.footer.y, 23);
    cr_assert_null(layout_run_find(&l, "locks"), "a panel the lesson did not name is not shown");
}

Test(layout, run_100x30_and_200x50, .timeout = 5.)
{
    int sizes[][2] = {{100, 30}, {200, 50}};
    for (size_t i = 0; i < 2; i++) {
        struct layout_run l;
        int c = sizes[i][0], r = sizes[i][1];
        cr_assert_eq(layout_run(c, r, queue_panels, 4, 0, NULL, &l), 0);
        cr_assert_eq(l.watch.h, 0);
        cr_assert_eq(check_run_layout(&l, c, r), (long)c * r, "%dx%d fully used", c, r);
        const struct rect *p = layout_run_find(&l, "processes");
        cr_assert(p && p->h >= (r - 2) / 2 - 1, "%dx%d: processes gets half the column", c, r);
    }
}

Test(layout, run_only_right_panels_takes_full_width, .timeout = 5.)
{
    const char *names[] = {"output", "notes", "bogus"};
    struct layout_run l;
    cr_assert_eq(layout_run(80, 24, names, 3, 0, NULL, &l), 0);
    cr_assert_eq(l.npanels, 2, "unknown panel names are ignored");
    cr_assert_eq(l.panels[0].r.w, 80);
    cr_assert_str_eq(l.panels[0].name, "output");
}

Test(layout, run_hides_what_does_not_fit, .timeout = 5.)
{
    const char *names[] = {"processes", "locks", "queues", "pipes", "arrays", "pool", "async"};
    struct layout_run l;
    cr_assert_eq(layout_run(80, 24, names, 7, 2, NULL, &l), 0);
    /* 20 body rows hold 6 panels of 3 rows in the left column. */
    cr_assert_eq(l.nhidden, 1);
    check_run_layout(&l, 80, 24);
    cr_assert_eq(layout_run(80, 24, NULL, 2, 0, NULL, &l), -22, "bad input is an error");
}

Test(layout, run_wants_give_rows_to_content, .timeout = 5.)
{
    const char *names[] = {"processes", "pool", "async", "notes", "output"};
    struct layout_run l;
    /* 19 body rows: processes wants 11, pool 5, async 3 (one line). */
    int wants[] = {11, 5, 3, 0, 0};
    cr_assert_eq(layout_run(80, 24, names, 5, 3, wants, &l), 0);
    cr_assert_eq(l.watch.h, 3);
    cr_assert_eq(check_run_layout(&l, 80, 24), 80L * 24);
    const struct rect *p = layout_run_find(&l, "processes"), *pool = layout_run_find(&l, "pool"),
                      *as = layout_run_find(&l, "async");
    cr_assert(p && pool && as);
    cr_assert_eq(p->h, 11, "processes gets what it wants: %d", p->h);
    cr_assert_eq(pool->h, 5);
    cr_assert_eq(as->h, 3);
    cr_assert_eq(p->h + pool->h + as->h, 24 - 2 - 3, "the column is filled");
    /* Wanting more than there is: shared in proportion, all still >= 3. */
    int greedy[] = {100, 100, 3, 0, 0};
    cr_assert_eq(layout_run(80, 24, names, 5, 0, greedy, &l), 0);
    check_run_layout(&l, 80, 24);
    p = layout_run_find(&l, "processes");
    pool = layout_run_find(&l, "pool");
    as = layout_run_find(&l, "async");
    cr_assert_eq(as->x, layout_run_find(&l, "output")->x, "async made room: it moved right");
    cr_assert_eq(p->h + pool->h, 22, "processes and pool share the left column");
    cr_assert_leq(abs(p->h - pool->h), 1, "equal wants, equal shares: %d vs %d", p->h, pool->h);
}

Test(layout, run_busy_state_panels_spill_to_the_right, .timeout = 5.)
{
    const char *names[] = {"processes", "pool", "queues", "locks", "arrays", "notes", "output"};
    int wants[] = {7, 9, 4, 3, 3, 4, 5};
    struct layout_run l;
    cr_assert_eq(layout_run(80, 24, names, 7, 2, wants, &l), 0);
    check_run_layout(&l, 80, 24);
    const struct rect *p = layout_run_find(&l, "processes"), *o = layout_run_find(&l, "output"),
                      *a = layout_run_find(&l, "arrays"), *k = layout_run_find(&l, "locks");
    cr_assert(p && o && a && k);
    cr_assert_eq(a->x, o->x, "arrays moved to the right column");
    cr_assert_eq(k->x, o->x, "locks moved to the right column");
    cr_assert_lt(a->y, o->y, "state panels go above the output");
    cr_assert_geq(p->h, 7, "processes now gets what it wants: %d", p->h);
    /* Without wants, the columns stay as named. */
    cr_assert_eq(layout_run(80, 24, names, 7, 2, NULL, &l), 0);
    cr_assert_eq(layout_run_find(&l, "arrays")->x, 0);
}

Test(layout, lesson_rectangles_by_width, .timeout = 5.)
{
    struct layout_lesson l;
    cr_assert_eq(layout_lesson(80, 24, 0, &l), 0);
    cr_assert(!l.side_by_side);
    cr_assert_eq(l.code.w, 80, "narrow: code below the slide at full width");
    cr_assert_eq(l.slide.y + l.slide.h, l.code.y);
    cr_assert_eq(l.code.y + l.code.h, 23);
    cr_assert_eq(l.python.w, 0);

    cr_assert_eq(layout_lesson(100, 30, 0, &l), 0);
    cr_assert(!l.side_by_side);
    cr_assert_eq(l.code.y + l.code.h, 29);

    cr_assert_eq(layout_lesson(200, 50, 0, &l), 0);
    cr_assert(l.side_by_side, "200 columns: C and Python side by side");
    cr_assert_gt(l.python.w, 40);
    cr_assert_eq(l.slide.w + l.code.w + l.python.w, 200);
    cr_assert(!rects_overlap(l.code, l.python) && !rects_overlap(l.slide, l.code));
    cr_assert_eq(layout_lesson(159, 50, 0, &l), 0);
    cr_assert(!l.side_by_side);
}

Test(layout, lesson_slide_grows_for_long_slides, .timeout = 5.)
{
    struct layout_lesson a, b, c;
    cr_assert_eq(layout_lesson(80, 24, 0, &a), 0);
    cr_assert_eq(layout_lesson(80, 24, 11, &b), 0);
    cr_assert_eq(layout_lesson(80, 24, 100, &c), 0);
    cr_assert_eq(a.slide.h, 8, "22 body rows: 2/5 by default");
    cr_assert_eq(b.slide.h, 11, "a longer slide gets its rows");
    cr_assert_eq(c.slide.h, 13, "at most 3/5: the code keeps room");
    cr_assert_eq(c.code.y, c.slide.y + c.slide.h);
    cr_assert_eq(c.code.y + c.code.h, 23);
}

Test(layout, centered, .timeout = 5.)
{
    struct rect r = layout_centered(80, 24, 60, 20);
    cr_assert_eq(r.x, 10);
    cr_assert_eq(r.y, 2);
    r = layout_centered(50, 10, 60, 20);
    cr_assert(rect_inside(r, 50, 10));
}

/* ------------------------------------------------------------ text */

Test(text, fit_truncates_with_an_ellipsis, .timeout = 5.)
{
    char buf[64];
    cr_assert_eq(fmt_fit(buf, sizeof buf, "hello world", 20), 11);
    cr_assert_str_eq(buf, "hello world");
    cr_assert_eq(fmt_fit(buf, sizeof buf, "hello world", 8), 8);
    cr_assert_str_eq(buf, "hello w" LAYOUT_ELLIPSIS);
    cr_assert_eq(fmt_width(buf), 8);
    cr_assert_eq(fmt_fit(buf, sizeof buf, "hello", 5), 5);
    cr_assert_str_eq(buf, "hello", "exactly the width is not cut");
    cr_assert_eq(fmt_fit(buf, sizeof buf, "hello", 0), 0);
    cr_assert_str_eq(buf, "");
    /* A tiny buffer is respected and stays a valid string. */
    char small[4];
    fmt_fit(small, sizeof small, "abcdefgh", 6);
    cr_assert_lt(strlen(small), sizeof small);
    cr_assert_eq(strncmp(small, "abc", strlen(small)), 0);
}

Test(text, fit_keeps_width_with_tiny_buffers_and_stray_bytes, .timeout = 5.)
{
    char buf[3], big[16];
    /* Found by fuzz_layout: a 3-byte buffer and width 1 gave 2 columns. */
    cr_assert_eq(fmt_fit(buf, sizeof buf, "e_put(q)", 1), 1);
    cr_assert_str_eq(buf, "e");
    /* Stray continuation bytes take no column and do not break the count. */
    const char stray[] = "\xa8\xb0\xb0if (m\x99h\x91i, x";
    int used = fmt_fit(big, 6, stray, 16);
    cr_assert_eq(used, fmt_width(big));
    cr_assert_leq(used, 16);
    cr_assert_lt(strlen(big), 6u);
}

Test(text, fit_counts_code_points, .timeout = 5.)
{
    char buf[64];
    /* "é" is 2 bytes, 1 column. */
    cr_assert_eq(fmt_width("caf\xc3\xa9"), 4);
    cr_assert_eq(fmt_fit(buf, sizeof buf, "caf\xc3\xa9 au lait", 5), 5);
    cr_assert_str_eq(buf, "caf\xc3\xa9" LAYOUT_ELLIPSIS);
}

Test(text, expand_tabs_and_controls, .timeout = 5.)
{
    char buf[64];
    fmt_expand_tabs(buf, sizeof buf, "\tx\ty\r", 4);
    cr_assert_str_eq(buf, "    x   y");
}

struct lines {
    char text[8][128];
    int n;
};

static void collect(void *ctx, const char *line)
{
    struct lines *l = ctx;
    if (l->n < 8) snprintf(l->text[l->n++], sizeof l->text[0], "%s", line);
}

Test(text, wrap_on_words, .timeout = 5.)
{
    struct lines l = {0};
    int n = fmt_wrap("the quick brown fox jumps", 10, 2, collect, &l);
    cr_assert_eq(n, l.n);
    cr_assert_eq(n, 4);
    cr_assert_str_eq(l.text[0], "the quick");
    cr_assert_str_eq(l.text[1], "  brown");
    cr_assert_str_eq(l.text[2], "  fox", "'  fox jumps' is 11 columns");
    cr_assert_str_eq(l.text[3], "  jumps");
}

Test(text, wrap_keeps_newlines_and_cuts_long_words, .timeout = 5.)
{
    struct lines l = {0};
    fmt_wrap("ab\ncdefghijkl", 5, 0, collect, &l);
    cr_assert_str_eq(l.text[0], "ab");
    cr_assert_str_eq(l.text[1], "cdefg");
    cr_assert_str_eq(l.text[2], "hijkl");
    cr_assert_eq(l.n, 3);
}

Test(text, durations, .timeout = 5.)
{
    char b[32];
    fmt_duration(b, sizeof b, 850);
    cr_assert_str_eq(b, "850ns");
    fmt_duration(b, sizeof b, 12300);
    cr_assert_str_eq(b, "12.3us");
    fmt_duration(b, sizeof b, 4560000);
    cr_assert_str_eq(b, "4.56ms");
    fmt_duration(b, sizeof b, 1200000000ull);
    cr_assert_str_eq(b, "1.20s");
}

Test(rows, process_row_shows_pid_state_and_signal, .timeout = 5.)
{
    struct model_proc p = {.pid = 4321, .ppid = 4000, .state = MPROC_RUNNING, .depth = 1};
    snprintf(p.name, sizeof p.name, "Process-1");
    char buf[256];
    fmt_proc_row(buf, sizeof buf, &p, 78);
    cr_assert(strstr(buf, "4321") && strstr(buf, "4000") && strstr(buf, "Process-1"), "%s", buf);
    cr_assert(strstr(buf, "running"), "%s", buf);
    p.state = MPROC_EXITED;
    p.exit_code = 3;
    fmt_proc_row(buf, sizeof buf, &p, 78);
    cr_assert(strstr(buf, "exited 3"), "%s", buf);
    p.exit_code = -11;
    fmt_proc_row(buf, sizeof buf, &p, 78);
    cr_assert(strstr(buf, "SIGSEGV"), "a crashed process shows its signal: %s", buf);
    fmt_proc_row(buf, sizeof buf, &p, 20);
    cr_assert_leq(fmt_width(buf), 20);
}

Test(rows, lock_row_holder_waiters_contention, .timeout = 5.)
{
    int waiters[] = {501, 502};
    struct model_lock l = {.id = 1, .holder = 500, .waiters = waiters, .nwaiters = 2,
                           .acquisitions = 10, .contended = 4, .wait_total_ns = 1200000};
    snprintf(l.what, sizeof l.what, "lock");
    char buf[256];
    fmt_lock_row(buf, sizeof buf, &l, 1, 120);
    cr_assert(strstr(buf, "held by 500"), "%s", buf);
    cr_assert(strstr(buf, "waiting 501 502"), "waiters in order: %s", buf);
    cr_assert(strstr(buf, "40% contended"), "%s", buf);
    cr_assert(strstr(buf, "1.20ms"), "%s", buf);
}

Test(rows, free_lock_and_pipe_rows, .timeout = 5.)
{
    struct model_lock l = {.id = 2, .acquisitions = 0};
    char buf[256];
    fmt_lock_row(buf, sizeof buf, &l, 2, 120);
    cr_assert(strstr(buf, "lock 2: free;"), "an unnamed free lock: %s", buf);
    cr_assert(strstr(buf, "0% contended"), "no acquisition, no contention: %s", buf);
    cr_assert_null(strstr(buf, "waiting"), "nobody waits: %s", buf);

    struct model_item inflight[2] = {{.len = 3}, {.len = 5}};
    snprintf(inflight[0].preview, sizeof inflight[0].preview, "abc");
    snprintf(inflight[1].preview, sizeof inflight[1].preview, "hello");
    struct model_pipe p = {.id = 1, .duplex = true, .inflight = inflight, .ninflight = 2, .sends = 5, .recvs = 3};
    fmt_pipe_row(buf, sizeof buf, &p, 1, 200);
    cr_assert_str_eq(buf, "pipe 1 (duplex): 5 sent, 3 recv, 2 in flight 'abc' 'hello'");
    p.closed_by[1] = 77;
    p.duplex = false;
    p.ninflight = 0;
    fmt_pipe_row(buf, sizeof buf, &p, 1, 200);
    cr_assert_str_eq(buf, "pipe 1: 5 sent, 3 recv, 0 in flight; an end closed by 77",
                     "who closed an end, not 'closed' (a child closing its unused copy closes no pipe)");
    p.closed_by[0] = 76;
    fmt_pipe_row(buf, sizeof buf, &p, 1, 200);
    cr_assert_str_eq(buf, "pipe 1: 5 sent, 3 recv, 0 in flight; ends closed by 76, 77");
}

Test(rows, queue_row_items_in_order_and_truncated, .timeout = 5.)
{
    struct model_item items[3] = {{.len = 1}, {.len = 1}, {.len = 1}};
    snprintf(items[0].preview, sizeof items[0].preview, "first");
    snprintf(items[1].preview, sizeof items[1].preview, "second");
    snprintf(items[2].preview, sizeof items[2].preview, "third");
    struct model_queue q = {.id = 7, .items = items, .nitems = 3};
    char buf[256];
    fmt_queue_row(buf, sizeof buf, &q, 1, 100);
    cr_assert_str_eq(buf, "queue 1 [3]: 'first' 'second' 'third'");
    fmt_queue_row(buf, sizeof buf, &q, 1, 20);
    cr_assert_eq(fmt_width(buf), 20);
    cr_assert(strstr(buf, LAYOUT_ELLIPSIS), "%s", buf);
    q.nitems = 0;
    fmt_queue_row(buf, sizeof buf, &q, 1, 100);
    cr_assert_str_eq(buf, "queue 1 [0]: (empty)");
}

Test(rows, queue_blocked_pids_in_order, .timeout = 5.)
{
    int getters[] = {301, 302}, putters[] = {303};
    struct model_queue q = {.id = 1};
    char buf[256];
    fmt_queue_blocked(buf, sizeof buf, &q, 100);
    cr_assert_str_eq(buf, "", "nobody waits");
    q.blocked_get = getters;
    q.nblocked_get = 2;
    fmt_queue_blocked(buf, sizeof buf, &q, 100);
    cr_assert_str_eq(buf, "blocked in get: 301 302");
    q.blocked_put = putters;
    q.nblocked_put = 1;
    fmt_queue_blocked(buf, sizeof buf, &q, 100);
    cr_assert_str_eq(buf, "blocked in get: 301 302; blocked in put: 303");
}

Test(rows, pool_and_async_rows, .timeout = 5.)
{
    int workers[] = {900, 901};
    struct model_pool p = {.nworkers = 2, .workers = workers, .nworker_pids = 2, .ntasks = 10, .done = 8};
    char buf[256];
    fmt_pool_row(buf, sizeof buf, &p, 1, 100);
    cr_assert(strstr(buf, "8/10 done") && strstr(buf, "900 901"), "%s", buf);
    struct model_async a = {.ntasks = 10, .polls = 5};
    snprintf(a.what, sizeof a.what, "map_async");
    fmt_async_row(buf, sizeof buf, &a, 100);
    cr_assert(strstr(buf, "not ready, 5 polls"), "%s", buf);
    a.ready = true;
    a.polls_before_ready = 12;
    fmt_async_row(buf, sizeof buf, &a, 100);
    cr_assert(strstr(buf, "ready after 12 polls"), "%s", buf);
    struct model_task t = {.id = 3, .worker = 901, .state = MTASK_DONE};
    fmt_task_row(buf, sizeof buf, &t, 100);
    cr_assert_str_eq(buf, "task 3 -> 901 done");
    fmt_task_row(buf, sizeof buf, &t, 16);
    cr_assert_str_eq(buf, "3 -> 901 done", "narrow cells keep the pid whole");
}

Test(rows, array_row_contents, .timeout = 5.)
{
    char cells[3][24] = {"0", "1", "4"};
    struct model_array a = {.typecode = 'i', .len = 3, .cells = cells};
    char buf[128];
    fmt_array_row(buf, sizeof buf, &a, 2, 100);
    cr_assert_str_eq(buf, "array 2 (i): 0 1 4");
    a.is_value = true;
    a.len = 1;
    fmt_array_row(buf, sizeof buf, &a, 1, 100);
    cr_assert_str_eq(buf, "value 1 (i): 0");
}

Test(rows, timeline_keeps_the_latest_marks, .timeout = 5.)
{
    struct mp_trace_event ev[6];
    memset(ev, 0, sizeof ev);
    unsigned kinds[] = {MP_EV_PROC_START, MP_EV_QUEUE_PUT, MP_EV_QUEUE_PUT, MP_EV_QUEUE_GET,
                        MP_EV_NOTE, MP_EV_PROC_EXIT};
    for (int i = 0; i < 6; i++) {
        ev[i].kind = (uint16_t)kinds[i];
        ev[i].pid = i == 3 ? 77 : 42;
    }
    char buf[128];
    fmt_timeline_row(buf, sizeof buf, 42, ev, 6, 40);
    cr_assert_str_eq(buf, "     42 |Spp nX", "one column per event of the run");
    fmt_timeline_row(buf, sizeof buf, 77, ev, 6, 40);
    cr_assert_str_eq(buf, "     77 |   g", "lined up with the other rows");
    /* 9 columns of header leave 3: the latest three events of the run. */
    fmt_timeline_row(buf, sizeof buf, 42, ev, 6, 12);
    cr_assert_str_eq(buf, "     42 | nX");
    fmt_timeline_row(buf, sizeof buf, 77, ev, 6, 12);
    cr_assert_str_eq(buf, "     77 |g");
    fmt_timeline_row(buf, sizeof buf, 99, ev, 6, 40);
    cr_assert_str_eq(buf, "     99 |", "a pid without events has an empty row");
}

Test(rows, event_line_for_stepping, .timeout = 5.)
{
    struct mp_trace_event ev;
    memset(&ev, 0, sizeof ev);
    ev.kind = MP_EV_QUEUE_PUT;
    ev.pid = 4242;
    ev.obj = ((uint64_t)4242 << 32) | 3;
    ev.a = 2;
    ev.b = 1;
    snprintf(ev.text, sizeof ev.text, "item 2");
    char buf[256];
    fmt_event_line(buf, sizeof buf, 57, &ev, 200);
    cr_assert_str_eq(buf, "#57 4242 queue_put #3 a=2 b=1 'item 2'");
    fmt_event_line(buf, sizeof buf, 57, &ev, 12);
    cr_assert_eq(fmt_width(buf), 12);
}

Test(rows, help_lists_every_key, .timeout = 5.)
{
    size_t n = 0;
    const char *const *lines = keys_help_lines(&n);
    cr_assert_gt(n, 5);
    const char *keys[] = {"space", "+ / -", "  s ", "R ", "x ", "?", "q", "Enter", "p ", "r "};
    for (size_t k = 0; k < sizeof keys / sizeof keys[0]; k++) {
        bool found = false;
        for (size_t i = 0; i < n; i++)
            if (strstr(lines[i], keys[k])) found = true;
        cr_assert(found, "help mentions '%s'", keys[k]);
    }
    for (size_t i = 0; i < n; i++) cr_assert_leq(fmt_width(lines[i]), 76, "fits an 80x24 overlay");
    cr_assert_leq(n, 22);
}

/* ------------------------------------------------------------ highlighting */

static enum hl_class class_at(const char *line, const char *word, enum hl_lang lang)
{
    struct hl_span spans[64];
    int st = 0;
    size_t n = hl_line(lang, line, &st, spans, 64);
    int at = (int)(strstr(line, word) - line);
    for (size_t i = 0; i < n; i++)
        if (at >= spans[i].start && at < spans[i].start + spans[i].len) return spans[i].cls;
    return (enum hl_class)-1;
}

Test(highlight, c_token_classes, .timeout = 5.)
{
    const char *line = "    if (mp_queue_put(q, \"hi\", 3, 1.0) < 0) return 1; // done";
    cr_assert_eq(class_at(line, "if", HL_C), HL_KEYWORD);
    cr_assert_eq(class_at(line, "mp_queue_put", HL_C), HL_MPCALL);
    cr_assert_eq(class_at(line, "\"hi\"", HL_C), HL_STRING);
    cr_assert_eq(class_at(line, "3,", HL_C), HL_NUMBER);
    cr_assert_eq(class_at(line, "return", HL_C), HL_KEYWORD);
    cr_assert_eq(class_at(line, "// done", HL_C), HL_COMMENT);
    cr_assert_eq(class_at(line, "q,", HL_C), HL_TEXT);
    cr_assert_eq(class_at("#include <mp.h>", "include", HL_C), HL_PREPROC);
    cr_assert_eq(class_at("int x;", "int", HL_C), HL_TYPE);
    cr_assert_eq(class_at("char *s = \"a\\\"b\";", "b", HL_C), HL_STRING, "escaped quote stays in the string");
}

Test(highlight, spans_cover_the_line, .timeout = 5.)
{
    const char *line = "x = mp_lock_new(); /* c */ y";
    struct hl_span s[64];
    int st = 0;
    size_t n = hl_line(HL_C, line, &st, s, 64);
    int pos = 0;
    for (size_t i = 0; i < n; i++) {
        cr_assert_eq(s[i].start, pos);
        pos += s[i].len;
    }
    cr_assert_eq(pos, (int)strlen(line));
    cr_assert_eq(st, 0);
}

Test(highlight, block_comment_spans_lines, .timeout = 5.)
{
    struct hl_span s[16];
    int st = 0;
    size_t n = hl_line(HL_C, "int a; /* open", &st, s, 16);
    cr_assert_eq(st, 1);
    cr_assert_eq(s[n - 1].cls, HL_COMMENT);
    n = hl_line(HL_C, "still */ int b;", &st, s, 16);
    cr_assert_eq(st, 0);
    cr_assert_eq(s[0].cls, HL_COMMENT);
    cr_assert_eq(s[0].len, 8);
    cr_assert_eq(s[n - 1].cls, HL_TEXT);
}

Test(highlight, python_classes, .timeout = 5.)
{
    const char *line = "    p = multiprocessing.Process(target=f)  # start";
    cr_assert_eq(class_at(line, "multiprocessing", HL_PYTHON), HL_MPCALL);
    cr_assert_eq(class_at(line, "Process", HL_PYTHON), HL_MPCALL);
    cr_assert_eq(class_at(line, "# start", HL_PYTHON), HL_COMMENT);
    cr_assert_eq(class_at("def f(x):", "def", HL_PYTHON), HL_KEYWORD);
    cr_assert_eq(class_at("s = 'x'", "'x'", HL_PYTHON), HL_STRING);
    cr_assert_eq(class_at("if x: pass", "if", HL_C), HL_KEYWORD);
    cr_assert_eq(class_at("def f(x):", "def", HL_C), HL_TEXT, "def is not a C keyword");
}

Test(highlight, python_triple_quotes_span_lines, .timeout = 5.)
{
    struct hl_span s[16];
    int st = 0;
    size_t n = hl_line(HL_PYTHON, "x = \"\"\"doc", &st, s, 16);
    cr_assert_eq(st, 2, "an open triple-quoted string carries over");
    cr_assert_eq(s[n - 1].cls, HL_STRING);
    n = hl_line(HL_PYTHON, "def not a keyword here", &st, s, 16);
    cr_assert_eq(n, 1);
    cr_assert_eq(s[0].cls, HL_STRING, "inside the string, def is string text");
    n = hl_line(HL_PYTHON, "end\"\"\" if x", &st, s, 16);
    cr_assert_eq(st, 0);
    cr_assert_eq(s[0].cls, HL_STRING);
    cr_assert_eq(s[0].len, 6);
    bool if_is_keyword = false;
    for (size_t k = 0; k < n; k++)
        if (s[k].start <= 7 && 7 < s[k].start + s[k].len) if_is_keyword = s[k].cls == HL_KEYWORD;
    cr_assert(if_is_keyword, "after the closing quotes, code is highlighted again");
    st = 0;
    hl_line(HL_PYTHON, "'''one line'''", &st, s, 16);
    cr_assert_eq(st, 0, "closed on the same line");
    cr_assert_eq(s[0].cls, HL_STRING);
    cr_assert_eq(s[0].len, 14);
}

Test(highlight, max_spans_respected, .timeout = 5.)
{
    struct hl_span s[3];
    int st = 0;
    size_t n = hl_line(HL_C, "a b c d e f g 1 2 3 \"s\"", &st, s, 3);
    cr_assert_leq(n, 3);
    cr_assert_eq(s[n - 1].start + s[n - 1].len, (int)strlen("a b c d e f g 1 2 3 \"s\""));
}

