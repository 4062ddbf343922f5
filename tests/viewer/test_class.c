/*
 * test_class.c — the class board's pure parts: join codes and keys, the
 * board's data and log (progress, a restart, a reader following the
 * server's log), and the rows the instructor's screen shows (sort,
 * filter, stuck longest, the lines fitted to the width, the keys).
 */
#include "class_rows.h"
#include "keys.h"
#include "testutil.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* ------------------------------------------------------------ codes and keys */

Test(class_code, canonical_form_from_what_a_student_types)
{
    char out[CLASS_CODE_LEN + 1];
    const char *canon = "ABCD-EFGH-JKMN-PQRS-TVWX-YZ01";
    cr_assert_eq(class_code_canon(canon, strlen(canon), out, sizeof out), 0);
    cr_assert_str_eq(out, canon);
    const char *typed = "abcd efgh-jkmn pqrs tvwx yzol\n"; /* any case, spaces, o/l for 0/1 */
    cr_assert_eq(class_code_canon(typed, strlen(typed), out, sizeof out), 0);
    cr_assert_str_eq(out, canon);
    const char *undashed = "abcdefghjkmnpqrstvwxyzOI";
    cr_assert_eq(class_code_canon(undashed, strlen(undashed), out, sizeof out), 0);
    cr_assert_str_eq(out, canon);
}

Test(class_code, not_a_code)
{
    char out[CLASS_CODE_LEN + 1];
    const char *shorter = "ABCD-EFGH-JKMN-PQRS-TVWX-YZ0";
    const char *longer = "ABCD-EFGH-JKMN-PQRS-TVWX-YZ012";
    const char *letter_u = "ABCD-EFGH-JKMN-PQRS-TVWX-YZ0U"; /* not in the alphabet */
    cr_assert_eq(class_code_canon(shorter, strlen(shorter), out, sizeof out), -EINVAL);
    cr_assert_eq(class_code_canon(longer, strlen(longer), out, sizeof out), -EINVAL);
    cr_assert_eq(class_code_canon(letter_u, strlen(letter_u), out, sizeof out), -EINVAL);
    cr_assert_eq(class_code_canon("", 0, out, sizeof out), -EINVAL);
    cr_assert_eq(class_code_canon(letter_u, strlen(letter_u), out, 10), -ENOSPC);
}

Test(class_code, new_codes_are_canonical_and_differ)
{
    char a[CLASS_CODE_LEN + 1], b[CLASS_CODE_LEN + 1], c[CLASS_CODE_LEN + 1];
    cr_assert_eq(class_new_code(a, sizeof a), 0);
    cr_assert_eq(class_new_code(b, sizeof b), 0);
    cr_assert_eq(strlen(a), CLASS_CODE_LEN);
    cr_assert_eq(class_code_canon(a, strlen(a), c, sizeof c), 0);
    cr_assert_str_eq(a, c);
    cr_assert_str_neq(a, b, "120 random bits twice the same");
    for (int i = 4; i < CLASS_CODE_LEN; i += 5) cr_assert_eq(a[i], '-');
}

Test(class_code, the_key_a_text_gives)
{
    uint8_t key[CLASS_KEY_MAX];
    size_t len = 0;
    const char *typed = "abcdefghjkmnpqrstvwxyz01\n";
    cr_assert_eq(class_key_from_text(typed, strlen(typed), key, &len), 0);
    cr_assert_eq(len, CLASS_CODE_LEN);
    cr_assert_eq(memcmp(key, "ABCD-EFGH-JKMN-PQRS-TVWX-YZ01", len), 0, "a code typed is the code's text");
    const char *raw = "some long secret\r\n";
    cr_assert_eq(class_key_from_text(raw, strlen(raw), key, &len), 0);
    cr_assert_eq(len, 16);
    cr_assert_eq(memcmp(key, "some long secret", len), 0, "any other text is the key as it is");
    cr_assert_eq(class_key_from_text(" \n", 2, key, &len), -EINVAL);
    char big[CLASS_KEY_MAX + 2];
    memset(big, 'x', sizeof big);
    cr_assert_eq(class_key_from_text(big, sizeof big, key, &len), -EINVAL);
}

Test(class_code, a_key_file_holding_the_code_is_the_same_key)
{
    char path[] = "/tmp/fl-class-key-XXXXXX";
    int fd = mkstemp(path);
    cr_assert_geq(fd, 0);
    cr_assert_eq(write(fd, "abcd-efgh-jkmn-pqrs-tvwx-yz01\n", 30), 30);
    close(fd);
    uint8_t a[CLASS_KEY_MAX], b[CLASS_KEY_MAX];
    size_t la = 0, lb = 0;
    cr_assert_eq(class_read_key(path, a, &la), 0);
    unlink(path);
    const char *typed = "ABCDEFGHJKMNPQRSTVWXYZ01";
    cr_assert_eq(class_key_from_text(typed, strlen(typed), b, &lb), 0);
    cr_assert_eq(la, lb);
    cr_assert_eq(memcmp(a, b, la), 0);
    cr_assert_eq(class_read_key("/nonexistent/key", a, &la), -ENOENT);
}

/* ------------------------------------------------------------ the board's data */

static char dir[64];

static void make_dir(void)
{
    snprintf(dir, sizeof dir, "/tmp/fl-class-test-XXXXXX");
    cr_assert_not_null(mkdtemp(dir));
}

static void remove_dir(void)
{
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    cr_assert_eq(system(cmd), 0);
}

static void join(struct cls_board *b, const char *name, char tok[CLASS_TOKEN_LEN + 1], int64_t at)
{
    tok[0] = '\0';
    cr_assert_eq(board_join(b, name, tok, at), 0);
    cr_assert_eq(strlen(tok), CLASS_TOKEN_LEN);
}

static void result(struct cls_board *b, const char *name, const char *tok, const char *ex, int pts, const char *st,
                   int64_t at)
{
    struct cls_result r = {.points = pts, .max = 10, .at = at};
    snprintf(r.ex, sizeof r.ex, "%s", ex);
    snprintf(r.status, sizeof r.status, "%s", st);
    cr_assert_eq(board_result(b, name, tok, &r, at), 0);
}

static const struct cls_student *student(const struct cls_board *b, const char *name)
{
    for (size_t i = 0; i < b->n; i++)
        if (!strcmp(b->st[i].name, name)) return &b->st[i];
    cr_assert_fail("no student %s", name);
    return NULL;
}

Test(class_board, progress_is_moving_forward_not_trying_again, .init = make_dir, .fini = remove_dir)
{
    struct cls_board b;
    char tok[CLASS_TOKEN_LEN + 1];
    cr_assert_eq(board_open(&b, dir, true), 0);
    join(&b, "ann", tok, 100);
    cr_assert_eq(student(&b, "ann")->progress, 100);
    result(&b, "ann", tok, "01-spawn", 2, "FAIL", 110);
    cr_assert_eq(student(&b, "ann")->progress, 110, "a first try is progress");
    result(&b, "ann", tok, "01-spawn", 2, "FAIL", 150);
    cr_assert_eq(student(&b, "ann")->progress, 110, "the same failure again is not");
    cr_assert_eq(student(&b, "ann")->last, 150, "but it is activity");
    result(&b, "ann", tok, "01-spawn", 6, "FAIL", 170);
    cr_assert_eq(student(&b, "ann")->progress, 170, "more points are");
    cr_assert_eq(board_where(&b, "ann", tok, "02-spawn", 3, 180), 0);
    cr_assert_eq(student(&b, "ann")->progress, 180, "another slide is");
    cr_assert_eq(board_where(&b, "ann", tok, "02-spawn", 3, 190), 0);
    cr_assert_eq(student(&b, "ann")->progress, 180, "the same slide again is not");
    cr_assert_eq(student(&b, "ann")->last, 190);
    cr_assert_eq(board_where(&b, "ann", "0123456789abcdef0123456789abcdef", "x", 1, 200), -EPERM);
    board_close(&b);

    /* A restart compacts the log: the progress time survives it. */
    cr_assert_eq(board_open(&b, dir, true), 0);
    cr_assert_eq(b.n, 1);
    cr_assert_eq(student(&b, "ann")->progress, 180);
    cr_assert_eq(student(&b, "ann")->slide, 3);
    cr_assert_str_eq(student(&b, "ann")->lesson, "02-spawn");
    cr_assert_eq(student(&b, "ann")->res[0].points, 6);
    board_close(&b);
}

Test(class_board, a_reader_follows_the_log_line_by_line, .init = make_dir, .fini = remove_dir)
{
    struct cls_board w, r;
    char tok[CLASS_TOKEN_LEN + 1];
    cr_assert_eq(board_open(&w, dir, true), 0);
    join(&w, "ann", tok, 100);
    cr_assert_eq(board_open(&r, dir, false), 0);
    cr_assert_eq(r.n, 1);
    cr_assert_eq(board_follow(&r), 0, "nothing new");
    join(&w, "bob", tok, 120);
    result(&w, "bob", tok, "03-sync", 4, "FAIL", 130);
    cr_assert_eq(board_follow(&r), 1);
    cr_assert_eq(r.n, 2);
    cr_assert_eq(student(&r, "bob")->res[0].points, 4);
    /* Half a line (the server is still writing it) waits for the rest. */
    fprintf(w.log, "W\tbob\t04-q");
    fflush(w.log);
    cr_assert_eq(board_follow(&r), 0);
    cr_assert_str_eq(student(&r, "bob")->lesson, "");
    fprintf(w.log, "ueue\t2\t140\n");
    fflush(w.log);
    cr_assert_eq(board_follow(&r), 1);
    cr_assert_str_eq(student(&r, "bob")->lesson, "04-queue");
    cr_assert_eq(student(&r, "bob")->slide, 2);
    board_close(&r);
    board_close(&w);
}

/* ------------------------------------------------------------ the rows */

/* ann: passed 01 and 02 (20 points), on 03/2, active at 990.
 * bob: failing 01 since 900 (tried again at 980), on 01/4.
 * cat: failing 02 since 950, on 02/1.
 * dan: joined, nothing yet. */
static void class_of_four(struct cls_board *b)
{
    char t[CLASS_TOKEN_LEN + 1];
    memset(b, 0, sizeof *b);
    join(b, "ann", t, 800);
    result(b, "ann", t, "01-spawn", 10, "PASS", 850);
    result(b, "ann", t, "02-lock-counter", 10, "PASS", 870);
    cr_assert_eq(board_where(b, "ann", t, "03-sync", 2, 990), 0);
    join(b, "bob", t, 800);
    cr_assert_eq(board_where(b, "bob", t, "01-processes-threads", 4, 850), 0);
    result(b, "bob", t, "01-spawn", 3, "FAIL", 900);
    result(b, "bob", t, "01-spawn", 3, "FAIL", 980);
    join(b, "cat", t, 800);
    cr_assert_eq(board_where(b, "cat", t, "02-spawn", 1, 940), 0);
    result(b, "cat", t, "02-lock-counter", 0, "TIMEOUT", 950);
    join(b, "dan", t, 700);
}

static void order(const struct cls_board *b, struct crow_query q, const char *want)
{
    struct crow rows[8];
    char got[64] = "";
    size_t n = crow_select(b, &q, 1000, rows, 8);
    for (size_t i = 0; i < n; i++) snprintf(got + strlen(got), sizeof got - strlen(got), "%s%s", i ? " " : "", rows[i].s->name);
    cr_assert_str_eq(got, want, "sort %s%s filter '%s'", crow_sort_name(q.sort), q.reverse ? " reversed" : "", q.filter);
}

Test(class_rows, one_row_per_student_with_its_figures)
{
    struct cls_board b;
    class_of_four(&b);
    struct crow r;
    crow_of(student(&b, "ann"), 1000, &r);
    cr_assert_eq(r.points, 20);
    cr_assert_eq(r.max, 20);
    cr_assert_eq(r.passed, 2);
    cr_assert_str_eq(r.newest->ex, "02-lock-counter");
    cr_assert_eq(r.idle, 10);
    cr_assert_eq(r.stuck, -1, "the newest result passes: not stuck");
    crow_of(student(&b, "bob"), 1000, &r);
    cr_assert_eq(r.stuck, 100, "failing since 900: trying again at 980 does not reset it");
    cr_assert_eq(r.idle, 20);
    crow_of(student(&b, "dan"), 1000, &r);
    cr_assert_null(r.newest);
    cr_assert_eq(r.stuck, -1, "no result: not stuck");
    board_close(&b);
}

Test(class_rows, sorted_every_way)
{
    struct cls_board b;
    class_of_four(&b);
    order(&b, (struct crow_query){.sort = CROW_BY_NAME}, "ann bob cat dan");
    order(&b, (struct crow_query){.sort = CROW_BY_NAME, .reverse = true}, "dan cat bob ann");
    order(&b, (struct crow_query){.sort = CROW_BY_STUCK}, "bob cat dan ann");
    order(&b, (struct crow_query){.sort = CROW_BY_POINTS}, "ann bob cat dan");
    order(&b, (struct crow_query){.sort = CROW_BY_IDLE}, "dan cat bob ann");
    order(&b, (struct crow_query){.sort = CROW_BY_LESSON}, "dan bob cat ann");
    board_close(&b);
}

Test(class_rows, filtered_by_name_lesson_or_exercise)
{
    struct cls_board b;
    class_of_four(&b);
    order(&b, (struct crow_query){.filter = "BO"}, "bob");
    order(&b, (struct crow_query){.filter = "lock-counter"}, "ann cat");
    order(&b, (struct crow_query){.filter = "03-sync"}, "ann");
    order(&b, (struct crow_query){.filter = "nobody"}, "");
    order(&b, (struct crow_query){.sort = CROW_BY_STUCK, .filter = "spawn"}, "bob cat ann");
    const char *cols[8];
    cr_assert_eq(crow_columns(&b, "", cols, 8), 2);
    cr_assert_str_eq(cols[0], "01-spawn");
    cr_assert_str_eq(cols[1], "02-lock-counter");
    cr_assert_eq(crow_columns(&b, "lock", cols, 8), 1, "a filter naming an exercise keeps its column only");
    cr_assert_str_eq(cols[0], "02-lock-counter");
    cr_assert_eq(crow_columns(&b, "bob", cols, 8), 2, "a name filter keeps every column");
    board_close(&b);
}

Test(class_rows, stuck_longest)
{
    struct cls_board b;
    class_of_four(&b);
    struct crow r;
    cr_assert(crow_stuck_longest(&b, 1000, &r));
    cr_assert_str_eq(r.s->name, "bob");
    cr_assert_eq(r.stuck, 100);
    board_close(&b);
    struct cls_board none = {0};
    char t[CLASS_TOKEN_LEN + 1];
    join(&none, "eve", t, 10);
    result(&none, "eve", t, "01-spawn", 10, "PASS", 20);
    cr_assert_not(crow_stuck_longest(&none, 1000, &r), "everyone passes");
    board_close(&none);
}

Test(class_rows, durations_and_cells)
{
    char buf[32];
    const struct { int64_t s; const char *want; } d[] = {
        {-1, "-"}, {0, "0s"}, {59, "59s"}, {60, "1m"}, {3599, "59m"}, {3600, "1h00"}, {7380, "2h03"}, {172800, "2d"},
    };
    for (size_t i = 0; i < sizeof d / sizeof d[0]; i++) {
        crow_duration(d[i].s, buf, sizeof buf);
        cr_assert_str_eq(buf, d[i].want);
    }
    struct cls_result r = {.ex = "01-spawn", .status = "TIMEOUT", .points = 4, .max = 10};
    crow_cell(&r, buf, sizeof buf);
    cr_assert_str_eq(buf, "4/10 TIMEOUT");
    crow_cell(NULL, buf, sizeof buf);
    cr_assert_str_eq(buf, "-");
}

Test(class_rows, lines_fit_the_width)
{
    struct cls_board b;
    class_of_four(&b);
    const char *cols[8];
    size_t nc = crow_columns(&b, "", cols, 8);
    struct crow r;
    crow_of(student(&b, "bob"), 1000, &r);
    char line[1024];
    const int widths[] = {40, 80, 120, 300};
    for (size_t i = 0; i < 4; i++) {
        struct crow_table tb = {.ex = cols, .nex = nc, .width = widths[i]};
        crow_line(&tb, &r, line, sizeof line);
        cr_assert_leq((int)strlen(line), widths[i], "row at %d: '%s'", widths[i], line);
        cr_assert(!strncmp(line, "bob ", 4));
        crow_header(&tb, line, sizeof line);
        cr_assert_leq((int)strlen(line), widths[i]);
        cr_assert(!strncmp(line, "student", 7));
        cr_assert_leq((int)strlen(crow_key_help(widths[i])), widths[i]);
    }
    struct crow_table t80 = {.ex = cols, .nex = nc, .width = 80}, t120 = t80;
    t120.width = 120;
    crow_line(&t80, &r, line, sizeof line);
    cr_assert(strstr(line, "01-processes-t/4"), "lesson cut to leave the slide: '%s'", line);
    cr_assert(strstr(line, " 1m "), "stuck 100 s: '%s'", line);
    cr_assert(strstr(line, "01-spawn 3/10 FAIL"), "'%s'", line);
    cr_assert_null(strstr(line, "02-lock"), "80 columns hold no exercise column");
    crow_line(&t120, &r, line, sizeof line);
    cr_assert(strstr(line, "3/10 FAIL  -"), "120 columns: one per exercise: '%s'", line);
    board_close(&b);
}

Test(class_rows, the_text_table_cuts_nothing)
{
    struct cls_board b;
    class_of_four(&b);
    char t[CLASS_TOKEN_LEN + 1];
    join(&b, "a-name-longer-than-fourteen", t, 900);
    result(&b, "a-name-longer-than-fourteen", t, "06-queue-workers-and-more", 1, "FAIL", 990);
    const char *cols[8];
    size_t nc = crow_columns(&b, "", cols, 8);
    struct crow_table tb;
    crow_table_full(&b, cols, nc, &tb);
    char line[1024];
    crow_header(&tb, line, sizeof line);
    for (size_t j = 0; j < nc; j++) cr_assert(strstr(line, cols[j]), "column %s whole in '%s'", cols[j], line);
    struct crow r;
    crow_of(student(&b, "a-name-longer-than-fourteen"), 1000, &r);
    crow_line(&tb, &r, line, sizeof line);
    cr_assert(!strncmp(line, "a-name-longer-than-fourteen ", 28), "'%s'", line);
    cr_assert(strstr(line, "1/10 FAIL"));
    cr_assert(crow_stuck_text(&b, 1000, line, sizeof line));
    cr_assert_str_eq(line, "stuck longest: bob, 1m on 01-spawn (3/10 FAIL)");
    board_close(&b);
}

Test(class_rows, keys)
{
    cr_assert_eq(crow_key('s'), CROW_SORT_NEXT);
    cr_assert_eq(crow_key('r'), CROW_REVERSE);
    cr_assert_eq(crow_key('!'), CROW_STUCK_FIRST);
    cr_assert_eq(crow_key('/'), CROW_FILTER);
    cr_assert_eq(crow_key(KEYS_ESC), CROW_CLEAR);
    cr_assert_eq(crow_key('c'), CROW_CODE);
    cr_assert_eq(crow_key('q'), CROW_QUIT);
    cr_assert_eq(crow_key(KEYS_DOWN), CROW_DOWN);
    cr_assert_eq(crow_key('j'), CROW_DOWN);
    cr_assert_eq(crow_key('x'), CROW_NONE);
    size_t n;
    const char *const *help = crow_help_lines(&n);
    cr_assert_leq(n, 22, "fits an 80x24 overlay");
    const char *keys[] = {"  s ", "  r ", "  ! ", "  / ", "  c ", "q q"};
    for (size_t k = 0; k < sizeof keys / sizeof keys[0]; k++) {
        bool found = false;
        for (size_t i = 0; i < n; i++) found |= strstr(help[i], keys[k]) != NULL;
        cr_assert(found, "help mentions '%s'", keys[k]);
    }
    for (size_t i = 0; i < n; i++) cr_assert_leq(strlen(help[i]), 76);
}
