/* fuzz_frame.c — arbitrary bytes into the manager's frame decoder and the
 * server's request handler (lib/frame.h).
 *
 * The input is read as a stream of frames, as the server reads a socket.
 * Each complete payload is (1) decoded value by value, each value printed
 * with Python's repr and re-encoded, and the re-encoding must decode to the
 * same values; (2) run as a request against one store kept for the whole
 * input, whose reply must itself be one well-formed frame starting with an
 * int status. Any inconsistency traps; ASan/UBSan catch the rest. */
#include "frame.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static void check(int ok)
{
    if (!ok) __builtin_trap();
}

static int same_val(const mp__val *a, const mp__val *b)
{
    if (a->tag != b->tag) return 0;
    switch (a->tag) {
    case MP__T_INT: return a->i == b->i;
    case MP__T_DOUBLE: return memcmp(&a->d, &b->d, sizeof a->d) == 0;
    case MP__T_STR:
    case MP__T_BYTES: return a->len == b->len && (a->len == 0 || memcmp(a->p, b->p, a->len) == 0);
    default: return 1;
    }
}

static void decode_payload(const uint8_t *p, size_t n, mp__buf *scratch)
{
    mp__dec d, again;
    mp__val v, w;
    mp__dec_init(&d, p, n);
    mp__buf_reset(scratch);
    size_t values = 0;
    int r;
    while ((r = mp__dec_val(&d, &v)) == 1) {
        mp__buf text = {0};
        mp__repr_val(&text, &v);
        check(text.oom || text.len > 0);
        mp__buf_free(&text);
        mp__enc_val(scratch, &v);
        values++;
    }
    check(r == 0 || r == -EBADMSG);
    if (scratch->oom) return;
    /* What was decoded re-encodes to something that decodes the same. */
    mp__dec_init(&d, p, n);
    mp__dec_init(&again, scratch->data, scratch->len);
    for (size_t k = 0; k < values; k++) {
        check(mp__dec_val(&d, &v) == 1);
        check(mp__dec_val(&again, &w) == 1);
        check(same_val(&v, &w));
    }
    check(mp__dec_val(&again, &w) == 0);
}

static void check_reply(const mp__buf *out)
{
    uint32_t n;
    check(mp__frame_peek(out->data, out->len, MP__FRAME_MAX, &n) == 1);
    check(MP__FRAME_HDR + n == out->len);
    mp__dec d;
    int64_t status;
    mp__dec_init(&d, out->data + MP__FRAME_HDR, n);
    check(mp__dec_int(&d, &status) == 0);
    mp__val v;
    int r;
    while ((r = mp__dec_val(&d, &v)) == 1) {
    }
    check(r == 0);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    mp__store *store = mp__store_new();
    mp__buf scratch = {0}, out = {0};
    size_t off = 0;
    while (off < size) {
        uint32_t n;
        int r = mp__frame_peek(data + off, size - off, MP__FRAME_MAX, &n);
        if (r <= 0) { /* truncated or oversized: the server would close here */
            check(r == 0 || r == -EMSGSIZE);
            break;
        }
        const uint8_t *p = data + off + MP__FRAME_HDR;
        decode_payload(p, n, &scratch);
        if (store) {
            mp__buf_reset(&out);
            int rc = mp__store_handle(store, p, n, &out);
            check(rc == 0 || rc == -EBADMSG || rc == -ENOMEM);
            if (rc != -ENOMEM) check_reply(&out);
            if (rc == -EBADMSG) break; /* the connection would be closed */
        }
        off += MP__FRAME_HDR + n;
    }
    mp__buf_free(&scratch);
    mp__buf_free(&out);
    mp__store_free(store);
    return 0;
}
