/* test_present.c — presenter mode's pure part (viewer/core/present.c): the
 * deck, paging and jumps, slide layout at projector and laptop widths, and
 * the presenter's state in its file line and on the wire, with hostile
 * input refused whole. */
#include "present.h"
#include "text.h"
#include "testutil.h"

#include <errno.h>
#include <string.h>

static const char LESSON[] =
    "id: 07-pipes\n"
    "title: Pipes\n"
    "order: 7\n"
    "slides:\n"
    "  - title: Two ends\n"
    "    bullets:\n"
    "      - A pipe has two ends, and this bullet is long enough that it has to wrap on a narrow screen\n"
    "      - - each end is a connection\n"
    "      - Close what you do not use\n"
    "    notes: say why\n"
    "  - title: Second\n"
    "    bullets: [one]\n"
    "  - title: Third\n"
    "    bullets: [two]\n"
    "python: |\n"
    "  from multiprocessing import Pipe\n"
    "c: lessons/07-pipes.c\n"
    "run:\n"
    "  program: 07-pipes\n"
    "  panels: [processes, pipes]\n"
    "  watch_for: the message\n"
    "  expect: ['^got [0-9]+$']\n"
    "exercise: 05-pipe-pingpong\n"
    "quiz:\n"
    "  - question: How many ends?\n"
    "    choices: [one, two]\n"
    "    answer: 1\n"
    "    explanation: two\n";

static void load(struct lesson *l)
{
    struct lesson_error e;
    cr_assert_eq(lesson_load_buffer("07-pipes.yaml", LESSON, strlen(LESSON), l, &e), 0, "%s", e.message);
}

Test(present, deck_is_slides_then_c_then_python, .timeout = 5.)
{
    struct lesson l;
    load(&l);
    struct present_deck d;
    present_deck_build(&l, &d);
    cr_assert_eq(d.n, 5);
    for (int i = 0; i < 3; i++) cr_expect(d.page[i].kind == PP_SLIDE && d.page[i].slide == i, "page %d", i);
    cr_expect_eq(d.page[3].kind, PP_C);
    cr_expect_eq(d.page[4].kind, PP_PYTHON);
    cr_expect_str_eq(present_page_title(&l, &d.page[1]), "Second");
    cr_expect_str_eq(present_page_title(&l, &d.page[3]), "The C example");
    /* a lesson without python: no Python page */
    free(l.python);
    l.python = NULL;
    present_deck_build(&l, &d);
    cr_expect_eq(d.n, 4);
    cr_expect_eq(d.page[3].kind, PP_C);
    lesson_free(&l);
}

Test(present, paging_clamps_at_both_ends, .timeout = 5.)
{
    cr_expect_eq(present_move(0, 5, PM_NEXT), 1);
    cr_expect_eq(present_move(4, 5, PM_NEXT), 4, "the last page stays the last");
    cr_expect_eq(present_move(0, 5, PM_PREV), 0, "the first stays the first");
    cr_expect_eq(present_move(3, 5, PM_PREV), 2);
    cr_expect_eq(present_move(3, 5, PM_FIRST), 0);
    cr_expect_eq(present_move(0, 5, PM_LAST), 4);
    cr_expect_eq(present_move(7, 0, PM_NEXT), 0, "an empty deck");
}

Test(present, jump_by_number, .timeout = 5.)
{
    int acc = 0;
    present_jump_digit(&acc, 1);
    present_jump_digit(&acc, 2);
    cr_expect_eq(acc, 12);
    cr_expect_eq(present_jump_target(acc, 20), 11, "slide 12 is page index 11");
    cr_expect_eq(present_jump_target(acc, 5), -EINVAL, "past the end");
    cr_expect_eq(present_jump_target(0, 5), -EINVAL, "slide 0 does not exist");
    cr_expect_eq(present_jump_target(5, 5), 4);
    present_jump_digit(&acc, 3);
    present_jump_digit(&acc, 4); /* 1234 > PRESENT_JUMP_MAX: ignored */
    cr_expect_eq(acc, 123);
    present_jump_digit(&acc, 10); /* not a digit */
    cr_expect_eq(acc, 123);
}

Test(present, slide_lines_wrap_to_the_width, .timeout = 5.)
{
    struct lesson l;
    load(&l);
    static char rows[64][PRESENT_LINE_MAX];
    int widest = 0;
    int wide = present_slide_lines(&l.slides[0], 110, false, rows, 64, &widest);
    cr_expect_eq(wide, 3, "at 110 columns each bullet is one line");
    cr_expect_str_eq(rows[1], "   - each end is a connection", "nested: indented, its own mark");
    cr_expect_leq(widest, 110);
    int narrow = present_slide_lines(&l.slides[0], 40, false, rows, 64, &widest);
    cr_expect_gt(narrow, 3, "at 40 columns the long bullet wraps");
    cr_expect_leq(widest, 40);
    for (int i = 0; i < narrow; i++) cr_expect_leq(fmt_width(rows[i]), 40, "row %d: %s", i, rows[i]);
    cr_expect_eq(strncmp(rows[1], "  ", 2), 0, "a continuation is indented under its text: '%s'", rows[1]);
    int airy = present_slide_lines(&l.slides[0], 110, true, rows, 64, &widest);
    cr_expect_eq(airy, 4, "one blank line between the two top-level bullets");
    cr_expect_str_eq(rows[2], "");
    cr_expect_eq(present_slide_lines(&l.slides[0], 40, false, rows, 2, &widest), narrow,
                 "the count is the whole slide even when out holds fewer");
    lesson_free(&l);
}

Test(present, state_line_round_trip_and_refusals, .timeout = 5.)
{
    struct present_state s, t;
    int pid;
    cr_assert_eq(present_state_set(&s, "07-pipes", 2, 5), 0);
    cr_expect_eq(s.page, 3);
    char line[96];
    int n = present_state_format(line, sizeof line, &s, 4321);
    cr_assert_gt(n, 0);
    cr_expect_str_eq(line, "07-pipes 3 5 4321\n");
    cr_assert_eq(present_state_parse(line, (size_t)n, &t, &pid), 0);
    cr_expect(!strcmp(t.lesson, "07-pipes") && t.page == 3 && t.pages == 5 && pid == 4321);
    cr_expect_eq(present_state_parse("07-pipes 3 5 4321", 17, &t, &pid), 0, "the newline is optional");
    const char *bad[] = {
        "", "07-pipes", "07-pipes 3", "07-pipes 3 5", "07-pipes 3 5\n", "07-pipes 0 5 1\n", "07-pipes 6 5 1\n",
        "07-pipes 3 65 1\n", "07-pipes -3 5 1\n", "07-pipes 3 5 1 extra\n", "../x 1 2 1\n", "a\x1b[2J 1 2 1\n",
        " 1 2 1\n", "07-pipes 3 5 1\n\n", "07-pipes 0003 5 1\n", "07-pipes 3 5 0\n", "07-pipes 3 5 99999999\n",
        "07-pipes 3 5 4194305\n", "07-pipes 3 5 01\n", "a-lesson-id-that-is-far-longer-than-forty-bytes 1 1 1\n",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        cr_expect_eq(present_state_parse(bad[i], strlen(bad[i]), &t, &pid), -EINVAL, "refused: '%s'", bad[i]);
        cr_expect(t.lesson[0] == '\0' && pid == 0, "nothing kept of '%s'", bad[i]);
    }
    cr_expect_eq(present_state_set(&s, "07-pipes", 5, 5), -EINVAL, "page 6 of 5");
    cr_expect_eq(present_state_set(&s, "x y", 0, 5), -EINVAL, "a space in an id");
    cr_expect_eq(present_state_set(&s, "07-pipes", 0, PRESENT_MAX_PAGES + 1), -EINVAL);
    cr_expect_eq(present_state_format(line, 4, &(struct present_state){"07-pipes", 1, 1}, 1), -ENOSPC);
    cr_expect_eq(present_state_format(line, sizeof line, &(struct present_state){"07-pipes", 1, 1}, 0), -EINVAL);
}

/* A CLS_FOLLOW reply payload with the given values (NULL lesson: status only). */
static void reply(mp__buf *b, int64_t status, const char *lesson, size_t len, int64_t page, int64_t pages, int64_t seq)
{
    mp__buf_reset(b);
    mp__enc_int(b, status);
    if (!lesson) return;
    mp__enc_str(b, lesson, len);
    mp__enc_int(b, page);
    mp__enc_int(b, pages);
    mp__enc_int(b, seq);
}

Test(present, follow_reply_round_trip, .timeout = 5.)
{
    mp__buf b = {0};
    struct present_state s, t;
    int64_t st, seq;
    cr_assert_eq(present_state_set(&s, "08-queues", 1, 4), 0);
    present_encode_follow_reply(&b, 0, &s, 17);
    cr_assert_eq(present_decode_follow_reply(b.data, b.len, &st, &t, &seq), 0);
    cr_expect(st == 0 && seq == 17 && !strcmp(t.lesson, "08-queues") && t.page == 2 && t.pages == 4);
    mp__buf_reset(&b);
    present_encode_follow_reply(&b, -EPERM, &s, 17);
    cr_assert_eq(present_decode_follow_reply(b.data, b.len, &st, &t, &seq), 0);
    cr_expect_eq(st, -EPERM, "a refusal carries no state");
    mp__buf_free(&b);
}

Test(present, hostile_follow_replies_are_refused, .timeout = 5.)
{
    mp__buf b = {0};
    struct present_state t;
    int64_t st, seq;
    static const char esc[] = "x\x1b]0;owned\a";
    struct {
        const char *what, *lesson;
        size_t len;
        int64_t status, page, pages, seq;
        int want;
    } cases[] = {
        {"escape sequence in the id", esc, sizeof esc - 1, 0, 1, 2, 1, -EINVAL},
        {"a NUL-free but too long id", "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", 41, 0, 1, 2, 1, -EINVAL},
        {"an empty id", "", 0, 0, 1, 2, 1, -EINVAL},
        {"a path as an id", "../../etc", 9, 0, 1, 2, 1, -EINVAL},
        {"page 0", "08-queues", 9, 0, 0, 2, 1, -EINVAL},
        {"page past pages", "08-queues", 9, 0, 3, 2, 1, -EINVAL},
        {"a huge page", "08-queues", 9, 0, INT64_MAX, INT64_MAX, 1, -EINVAL},
        {"a negative page", "08-queues", 9, 0, -1, 2, 1, -EINVAL},
        {"too many pages", "08-queues", 9, 0, 1, PRESENT_MAX_PAGES + 1, 1, -EINVAL},
        {"a negative seq", "08-queues", 9, 0, 1, 2, -5, -EINVAL},
        {"a positive status", NULL, 0, 7, 0, 0, 0, -EINVAL},
        {"a status below any errno", NULL, 0, -100000, 0, 0, 0, -EINVAL},
        {"status 0 with nothing after", NULL, 0, 0, 0, 0, 0, -EBADMSG},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        reply(&b, cases[i].status, cases[i].lesson, cases[i].len, cases[i].page, cases[i].pages, cases[i].seq);
        int r = present_decode_follow_reply(b.data, b.len, &st, &t, &seq);
        cr_expect_eq(r, cases[i].want, "%s: %d", cases[i].what, r);
        cr_expect_eq(t.lesson[0], '\0', "%s: nothing kept", cases[i].what);
    }
    /* shape: a value of the wrong type, one too many, a truncated frame */
    reply(&b, 0, "08-queues", 9, 1, 2, 1);
    mp__enc_int(&b, 99);
    cr_expect_eq(present_decode_follow_reply(b.data, b.len, &st, &t, &seq), -EBADMSG, "a value too many");
    reply(&b, 0, "08-queues", 9, 1, 2, 1);
    for (size_t cut = 0; cut < b.len; cut++)
        cr_expect_eq(present_decode_follow_reply(b.data, cut, &st, &t, &seq), -EBADMSG, "cut at %zu", cut);
    mp__buf_reset(&b);
    mp__enc_int(&b, 0);
    mp__enc_int(&b, 8); /* an int where the id goes */
    mp__enc_int(&b, 1);
    mp__enc_int(&b, 2);
    mp__enc_int(&b, 1);
    cr_expect_eq(present_decode_follow_reply(b.data, b.len, &st, &t, &seq), -EBADMSG, "wrong type");
    static const uint8_t junk[] = {0xff, 0x00, 's', 0xff, 0xff, 0xff, 0xff};
    cr_expect_eq(present_decode_follow_reply(junk, sizeof junk, &st, &t, &seq), -EBADMSG, "garbage");
    mp__buf_free(&b);
}

Test(present, show_args_decode, .timeout = 5.)
{
    mp__buf b = {0};
    struct present_state s, t;
    cr_assert_eq(present_state_set(&s, "03-sync", 0, 3), 0);
    present_encode_show_args(&b, &s);
    mp__dec d;
    mp__dec_init(&d, b.data, b.len);
    cr_assert_eq(present_decode_show_args(&d, &t), 0);
    cr_expect(!strcmp(t.lesson, "03-sync") && t.page == 1 && t.pages == 3);
    mp__enc_int(&b, 5);
    mp__dec_init(&d, b.data, b.len);
    cr_expect_eq(present_decode_show_args(&d, &t), -EBADMSG, "trailing value");
    mp__buf_reset(&b);
    mp__enc_str(&b, "03-sync", 7);
    mp__enc_int(&b, 4);
    mp__enc_int(&b, 3);
    mp__dec_init(&d, b.data, b.len);
    cr_expect_eq(present_decode_show_args(&d, &t), -EINVAL, "page 4 of 3");
    mp__buf_free(&b);
}

Test(present, follower_slide_for_a_page, .timeout = 5.)
{
    struct lesson l;
    load(&l);
    cr_expect_eq(present_follow_slide(&l, 1), 0);
    cr_expect_eq(present_follow_slide(&l, 3), 2);
    cr_expect_eq(present_follow_slide(&l, 4), 2, "the C page: the last slide");
    cr_expect_eq(present_follow_slide(&l, 0), 0);
    lesson_free(&l);
}

/* ------------------------------------------------------------ the server's side */

#include "class_follow.h"

#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

struct srv {
    char dir[64];
    struct cls_board b;
    struct cls_follow f;
    char alice[CLASS_TOKEN_LEN + 1];
};

static void srv_open(struct srv *s)
{
    memset(s, 0, sizeof *s);
    snprintf(s->dir, sizeof s->dir, "/tmp/fl-present-test-XXXXXX");
    cr_assert_not_null(mkdtemp(s->dir));
    cr_assert_eq(board_open(&s->b, s->dir, true), 0);
    cr_assert_eq(follow_open(&s->f, s->dir, "127.0.0.1:7717"), 0);
    cr_assert_eq(board_join(&s->b, "alice", s->alice, 1), 0);
}

static void srv_close(struct srv *s)
{
    follow_close(&s->f);
    board_close(&s->b);
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", s->dir);
    cr_assert_eq(system(cmd), 0);
}

/* One request's arguments (after op, name, token) and the reply's status;
 * -EBADMSG when the server would close the connection. */
static int64_t srv_call(struct srv *s, int64_t op, const char *name, const char *token, const mp__buf *args,
                        struct present_state *got, int64_t *seq)
{
    mp__buf out = {0};
    mp__dec d;
    mp__dec_init(&d, args ? args->data : NULL, args ? args->len : 0);
    int r = follow_request(&s->f, &s->b, op, name, token, &d, &out);
    int64_t st = r;
    if (r == 0) {
        struct present_state tmp;
        int64_t sq;
        if (op == CLS_FOLLOW) cr_assert_eq(present_decode_follow_reply(out.data, out.len, &st, got ? got : &tmp, seq ? seq : &sq), 0);
        else {
            mp__dec_init(&d, out.data, out.len);
            cr_assert_eq(mp__dec_int(&d, &st), 0);
            cr_assert(mp__dec_at_end(&d));
        }
    }
    mp__buf_free(&out);
    return st;
}

Test(present_server, only_the_presenter_sets_the_page, .timeout = 10.)
{
    struct srv s;
    srv_open(&s);
    char path[128], tok[64] = "";
    snprintf(path, sizeof path, "%s/presenter", s.dir);
    struct stat sb;
    cr_assert_eq(stat(path, &sb), 0);
    cr_expect_eq(sb.st_mode & 0777, 0600, "the presenter token is the owner's only");
    FILE *f = fopen(path, "r");
    cr_assert(f && fgets(tok, sizeof tok, f));
    fclose(f);
    tok[strcspn(tok, "\n")] = '\0';
    cr_assert_eq(strlen(tok), CLASS_TOKEN_LEN);

    struct present_state st, got;
    int64_t seq = 0, seq2 = 0;
    cr_expect_eq(srv_call(&s, CLS_FOLLOW, "alice", s.alice, NULL, NULL, NULL), -ENOENT, "nothing shown yet");
    cr_expect_eq(srv_call(&s, CLS_FOLLOW, "alice", "0123456789abcdef0123456789abcdef", NULL, NULL, NULL), -EPERM,
                 "not alice's identity");
    mp__buf args = {0};
    cr_assert_eq(present_state_set(&st, "03-sync", 1, 5), 0);
    present_encode_show_args(&args, &st);
    cr_expect_eq(srv_call(&s, CLS_SHOW, "", s.alice, &args, NULL, NULL), -EPERM, "a student is not the presenter");
    cr_expect_eq(srv_call(&s, CLS_SHOW, "alice", tok, &args, NULL, NULL), -EPERM, "the presenter has no name");
    cr_expect_eq(srv_call(&s, CLS_FOLLOW, "alice", s.alice, NULL, NULL, NULL), -ENOENT, "still nothing shown");
    cr_expect_eq(srv_call(&s, CLS_SHOW, "", tok, &args, NULL, NULL), 0);
    cr_expect_eq(srv_call(&s, CLS_FOLLOW, "alice", s.alice, NULL, &got, &seq), 0);
    cr_expect(!strcmp(got.lesson, "03-sync") && got.page == 2 && got.pages == 5);
    cr_expect_eq(srv_call(&s, CLS_SHOW, "", tok, &args, NULL, NULL), 0, "the same page again (a heartbeat)");
    srv_call(&s, CLS_FOLLOW, "alice", s.alice, NULL, &got, &seq2);
    cr_expect_eq(seq2, seq, "a heartbeat is not a change");
    mp__buf_reset(&args);
    cr_assert_eq(present_state_set(&st, "03-sync", 2, 5), 0);
    present_encode_show_args(&args, &st);
    srv_call(&s, CLS_SHOW, "", tok, &args, NULL, NULL);
    srv_call(&s, CLS_FOLLOW, "alice", s.alice, NULL, &got, &seq2);
    cr_expect(seq2 > seq && got.page == 3, "a new page is a change");

    /* out of bounds: refused, the page stays */
    mp__buf_reset(&args);
    mp__enc_str(&args, "x\x1b[2J", 5);
    mp__enc_int(&args, 1);
    mp__enc_int(&args, 2);
    cr_expect_eq(srv_call(&s, CLS_SHOW, "", tok, &args, NULL, NULL), -EINVAL);
    mp__buf_reset(&args);
    mp__enc_str(&args, "03-sync", 7);
    mp__enc_int(&args, 1);
    mp__enc_int(&args, INT64_MAX);
    cr_expect_eq(srv_call(&s, CLS_SHOW, "", tok, &args, NULL, NULL), -EINVAL);
    srv_call(&s, CLS_FOLLOW, "alice", s.alice, NULL, &got, &seq);
    cr_expect(seq == seq2 && got.page == 3, "a refused page changes nothing");
    /* the wrong shape: the connection is closed */
    mp__buf_reset(&args);
    mp__enc_int(&args, 3);
    cr_expect_eq(srv_call(&s, CLS_SHOW, "", tok, &args, NULL, NULL), -EBADMSG);
    cr_expect_eq(srv_call(&s, CLS_FOLLOW, "alice", s.alice, &args, NULL, NULL), -EBADMSG, "a follow has no arguments");
    mp__buf_free(&args);

    snprintf(path, sizeof path, "%s/address", s.dir);
    cr_expect_eq(access(path, F_OK), 0, "the address is there while serving");
    srv_close(&s);
    cr_expect_neq(access(path, F_OK), 0, "and gone after");
}

Test(present_server, the_token_is_kept_and_numbers_never_repeat, .timeout = 10.)
{
    struct srv s;
    srv_open(&s);
    char first[CLASS_TOKEN_LEN + 1];
    memcpy(first, s.f.token, sizeof first);
    int64_t seq = s.f.seq;
    follow_close(&s.f);
    cr_assert_eq(follow_open(&s.f, s.dir, "127.0.0.1:7717"), 0);
    cr_expect_str_eq(s.f.token, first, "a restart keeps the presenter's token");
    cr_expect_gt(s.f.seq, seq, "and starts its change numbers after the last start's");
    cr_expect_gt(s.f.seq, 0);
    srv_close(&s);
}
