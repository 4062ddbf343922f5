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
    cr_assert_eq(present_state_set(&s, "07-pipes", 2, 5), 0);
    cr_expect_eq(s.page, 3);
    char line[96];
    int n = present_state_format(line, sizeof line, &s);
    cr_assert_gt(n, 0);
    cr_expect_str_eq(line, "07-pipes 3 5\n");
    cr_assert_eq(present_state_parse(line, (size_t)n, &t), 0);
    cr_expect(!strcmp(t.lesson, "07-pipes") && t.page == 3 && t.pages == 5);
    const char *bad[] = {
        "", "07-pipes", "07-pipes 3", "07-pipes 0 5\n", "07-pipes 6 5\n", "07-pipes 3 65\n", "07-pipes -3 5\n",
        "07-pipes 3 5 extra\n", "../x 1 2\n", "a\x1b[2J 1 2\n", " 1 2\n", "07-pipes 3 5\n\n", "07-pipes 0003 5\n",
        "a-lesson-id-that-is-far-longer-than-forty-bytes 1 1\n",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        cr_expect_eq(present_state_parse(bad[i], strlen(bad[i]), &t), -EINVAL, "refused: '%s'", bad[i]);
    cr_expect_eq(present_state_set(&s, "07-pipes", 5, 5), -EINVAL, "page 6 of 5");
    cr_expect_eq(present_state_set(&s, "x y", 0, 5), -EINVAL, "a space in an id");
    cr_expect_eq(present_state_set(&s, "07-pipes", 0, PRESENT_MAX_PAGES + 1), -EINVAL);
    cr_expect_eq(present_state_format(line, 4, &(struct present_state){"07-pipes", 1, 1}), -ENOSPC);
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
