/* fuzz_present.c — arbitrary bytes into the presenter state's decoders
 * (viewer/core/present.c): the state file's line, a CLS_SHOW's arguments
 * and a CLS_FOLLOW reply, as a follower gets it from the network.
 *
 * Whatever is accepted must be a state that passes present_state_check
 * and survives a round trip through its encoder unchanged; whatever is
 * refused must leave nothing behind. Any inconsistency traps; ASan/UBSan
 * catch the rest. */
#include "present.h"

#include <stdint.h>
#include <string.h>

static void check(int ok)
{
    if (!ok) __builtin_trap();
}

static int same(const struct present_state *a, const struct present_state *b)
{
    return !strcmp(a->lesson, b->lesson) && a->page == b->page && a->pages == b->pages;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct present_state s, t;
    int64_t st, seq, seq2;
    char line[96];

    /* the state file */
    int pid, pid2;
    if (present_state_parse((const char *)data, size, &s, &pid) == 0) {
        check(present_state_check(&s) == 0 && pid > 0);
        int n = present_state_format(line, sizeof line, &s, pid);
        check(n > 0 && present_state_parse(line, (size_t)n, &t, &pid2) == 0 && same(&s, &t) && pid == pid2);
    } else {
        check(s.lesson[0] == '\0' && pid == 0);
    }

    /* a follow reply */
    mp__buf b = {0};
    int r = present_decode_follow_reply(data, size, &st, &s, &seq);
    if (r == 0 && st == 0) {
        check(present_state_check(&s) == 0 && seq >= 0);
        present_encode_follow_reply(&b, 0, &s, seq);
        check(present_decode_follow_reply(b.data, b.len, &st, &t, &seq2) == 0 && st == 0 && same(&s, &t) &&
              seq == seq2);
    } else if (r < 0) {
        check(s.lesson[0] == '\0' && seq == 0);
    }
    mp__buf_free(&b);

    /* a show request's arguments */
    mp__dec d;
    mp__dec_init(&d, data, size);
    if (present_decode_show_args(&d, &s) == 0) check(present_state_check(&s) == 0);
    return 0;
}
