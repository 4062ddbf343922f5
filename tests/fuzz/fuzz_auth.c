/* fuzz_auth.c — hostile peers against the handshake state machine
 * (lib/manager_wire.c mp__auth_step) that the manager and the class board
 * run on both sides.
 *
 * The input is a script of messages, played once against a server machine
 * and once against a client machine. Each message is chosen by one byte:
 *   0  the right digest for the machine's own challenge (a peer with the key)
 *   1  WELCOME    2  FAILURE    3  BUSY
 *   4  a challenge, its nonce from the next 32 bytes
 *   else  raw bytes: the next byte says how many follow
 * so the fuzzer reaches every state, with and without the key. Checked:
 * every answer is one whole frame of at most MP__HANDSHAKE_MAX; a peer is
 * held proved only when it sent the right digest, and only in the order of
 * the protocol; after an error or the end nothing more is taken or said. */
#include "manager_private.h"

#include <errno.h>
#include <stdint.h>
#include <string.h>

static const uint8_t KEY[] = "fuzz key";

static void check(int ok)
{
    if (!ok) __builtin_trap();
}

/* out holds nothing, or exactly one whole handshake frame. */
static void check_answer(const mp__buf *out)
{
    if (out->len == 0) return;
    uint32_t n = 0;
    check(!out->oom && mp__frame_peek(out->data, out->len, MP__HANDSHAKE_MAX, &n) == 1);
    check(out->len == MP__FRAME_HDR + n);
}

/* The next message of the script into msg; its length, or -1 at the end. */
static int next_msg(const uint8_t **data, size_t *size, const mp__auth *a, uint8_t *msg)
{
    if (*size == 0) return -1;
    uint8_t op = *(*data)++;
    (*size)--;
    size_t n;
    switch (op) {
    case 0:
        mp__mgr_hmac(KEY, sizeof KEY - 1, a->challenge, CHALLENGE_LEN, msg);
        return DIGEST_LEN;
    case 1: memcpy(msg, WELCOME, sizeof WELCOME - 1); return sizeof WELCOME - 1;
    case 2: memcpy(msg, FAILURE, sizeof FAILURE - 1); return sizeof FAILURE - 1;
    case 3: memcpy(msg, BUSY, sizeof BUSY - 1); return sizeof BUSY - 1;
    case 4:
        memcpy(msg, CHALLENGE, sizeof CHALLENGE - 1);
        n = *size < NONCE_LEN ? *size : NONCE_LEN;
        memcpy(msg + sizeof CHALLENGE - 1, *data, n);
        *data += n;
        *size -= n;
        return (int)(sizeof CHALLENGE - 1 + n);
    default:
        if (*size == 0) return -1;
        n = *(*data)++;
        (*size)--;
        if (n > *size) n = *size;
        memcpy(msg, *data, n);
        *data += n;
        *size -= n;
        return (int)n;
    }
}

static void play(bool server, const uint8_t *data, size_t size)
{
    mp__auth a;
    mp__buf out = {0};
    if (mp__auth_start(&a, server, KEY, sizeof KEY - 1, &out) < 0) return; /* no random bytes */
    check_answer(&out);
    check(server ? out.len > 0 : out.len == 0);
    bool proved = false, over = false, failed = false;
    uint8_t msg[256];
    int n;
    while ((n = next_msg(&data, &size, &a, msg)) >= 0) {
        uint8_t right[DIGEST_LEN];
        mp__mgr_hmac(KEY, sizeof KEY - 1, a.challenge, CHALLENGE_LEN, right);
        bool expected_digest = a.st == MP__AUTH_DIGEST;
        mp__buf_reset(&out);
        int r = mp__auth_step(&a, msg, (size_t)n, &out);
        check_answer(&out);
        if (over || failed) { /* nothing after the end */
            check(r == -EPROTO && out.len == 0);
            continue;
        }
        check(r == MP__AUTH_MORE || r == MP__AUTH_PROVED || r == MP__AUTH_OVER || r == -EACCES || r == -EBUSY ||
              r == -EPROTO);
        bool digest_ok = expected_digest && n == DIGEST_LEN && memcmp(msg, right, DIGEST_LEN) == 0;
        /* The peer is held proved exactly when it sent the right digest. */
        if (expected_digest) check(digest_ok == (r == (server ? MP__AUTH_PROVED : MP__AUTH_OVER)));
        else check(r != MP__AUTH_PROVED && (r != MP__AUTH_OVER || server));
        if (r == MP__AUTH_PROVED) proved = true;
        if (r == MP__AUTH_OVER) check(server ? proved : digest_ok);
        if (r == -EBUSY) check(!server);
        over = r == MP__AUTH_OVER;
        failed = r < 0;
    }
    mp__buf_free(&out);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    play(true, data, size);
    play(false, data, size);
    return 0;
}
