/*
 * test_manager_auth.c — the handshake state machine (lib/manager_wire.c
 * mp__auth_step) that the manager and the class board run on both sides,
 * driven in memory: a server and a client machine talk to each other, and
 * each machine is fed what a hostile peer would send. The digests are
 * checked against OpenSSL's HMAC called here, not through libmp.
 */
#include "testutil.h"

#include "manager_private.h"

#include <openssl/evp.h>
#include <openssl/hmac.h>

static const uint8_t KEY[] = "right key", OTHER[] = "wrong key";
#define KL (sizeof KEY - 1)

/* out holds exactly one handshake frame; its payload into p (n bytes). */
static size_t one_frame(const mp__buf *out, const uint8_t **p)
{
    uint32_t n = 0;
    cr_assert(!out->oom);
    cr_assert_eq(mp__frame_peek(out->data, out->len, MP__HANDSHAKE_MAX, &n), 1, "not one whole frame");
    cr_assert_eq(out->len, MP__FRAME_HDR + n, "more than one frame queued");
    *p = out->data + MP__FRAME_HDR;
    return n;
}

static void assert_text(const mp__buf *out, const char *text)
{
    const uint8_t *p;
    size_t n = one_frame(out, &p);
    cr_assert(n == strlen(text) && memcmp(p, text, n) == 0, "expected %s", text);
}

/* Hands the frame queued on from to machine to, whose answer goes to back.
 * What mp__auth_step returned. */
static int pass(mp__buf *from, mp__auth *to, mp__buf *back)
{
    const uint8_t *p;
    size_t n = one_frame(from, &p);
    mp__buf_reset(back);
    int r = mp__auth_step(to, p, n, back);
    mp__buf_reset(from);
    return r;
}

static void hmac(const uint8_t *key, size_t kl, const uint8_t *msg, size_t n, uint8_t out[DIGEST_LEN])
{
    unsigned len = DIGEST_LEN;
    cr_assert_not_null(HMAC(EVP_sha256(), key, (int)kl, msg, n, out, &len));
}

static void setup(void)
{
    cr_assert_eq(mp__mgr_crypto_load(), 0, "no libcrypto");
}

TestSuite(manager_auth, .init = setup, .timeout = 30);

Test(manager_auth, both_sides_prove_the_key_in_six_messages)
{
    mp__auth srv, cli;
    mp__buf s = {0}, c = {0};
    cr_assert_eq(mp__auth_start(&srv, true, KEY, KL, &s), 0);
    cr_assert_eq(mp__auth_start(&cli, false, KEY, KL, &c), 0);
    cr_assert_eq(c.len, 0, "the client speaks second");
    const uint8_t *p;
    cr_assert_eq(one_frame(&s, &p), CHALLENGE_LEN);
    cr_assert_eq(memcmp(p, CHALLENGE, sizeof CHALLENGE - 1), 0);
    uint8_t challenge[CHALLENGE_LEN], want[DIGEST_LEN];
    memcpy(challenge, p, CHALLENGE_LEN);

    cr_assert_eq(pass(&s, &cli, &c), MP__AUTH_MORE);
    cr_assert_eq(one_frame(&c, &p), DIGEST_LEN);
    hmac(KEY, KL, challenge, CHALLENGE_LEN, want);
    cr_assert_eq(memcmp(p, want, DIGEST_LEN), 0, "the client's digest is HMAC-SHA256(key, challenge)");

    cr_assert_eq(pass(&c, &srv, &s), MP__AUTH_PROVED, "the server learns the client knows the key");
    assert_text(&s, WELCOME);

    cr_assert_eq(pass(&s, &cli, &c), MP__AUTH_MORE);
    cr_assert_eq(one_frame(&c, &p), CHALLENGE_LEN);
    cr_assert_eq(memcmp(p, CHALLENGE, sizeof CHALLENGE - 1), 0);
    cr_assert_neq(memcmp(p, challenge, CHALLENGE_LEN), 0, "the client's nonce is its own");
    memcpy(challenge, p, CHALLENGE_LEN);

    cr_assert_eq(pass(&c, &srv, &s), MP__AUTH_MORE);
    cr_assert_eq(one_frame(&s, &p), DIGEST_LEN);
    hmac(KEY, KL, challenge, CHALLENGE_LEN, want);
    cr_assert_eq(memcmp(p, want, DIGEST_LEN), 0);

    cr_assert_eq(pass(&s, &cli, &c), MP__AUTH_OVER, "the client is done once the server proved the key");
    assert_text(&c, WELCOME);
    cr_assert_eq(pass(&c, &srv, &s), MP__AUTH_OVER);
    cr_assert_eq(s.len, 0);

    /* Over: any further message is out of place, and nothing is answered. */
    mp__buf_reset(&s);
    cr_assert_eq(mp__auth_step(&srv, (const uint8_t *)WELCOME, sizeof WELCOME - 1, &s), -EPROTO);
    cr_assert_eq(mp__auth_step(&cli, (const uint8_t *)WELCOME, sizeof WELCOME - 1, &s), -EPROTO);
    cr_assert_eq(s.len, 0);
    mp__buf_free(&s);
    mp__buf_free(&c);
}

Test(manager_auth, a_client_with_another_key_is_told_failure)
{
    mp__auth srv, cli;
    mp__buf s = {0}, c = {0};
    cr_assert_eq(mp__auth_start(&srv, true, KEY, KL, &s), 0);
    cr_assert_eq(mp__auth_start(&cli, false, OTHER, sizeof OTHER - 1, &c), 0);
    cr_assert_eq(pass(&s, &cli, &c), MP__AUTH_MORE);
    cr_assert_eq(pass(&c, &srv, &s), -EACCES);
    assert_text(&s, FAILURE);
    cr_assert_eq(pass(&s, &cli, &c), -EACCES, "the client learns its key is wrong");
    cr_assert_eq(c.len, 0);
    /* Neither takes anything after that. */
    uint8_t digest[DIGEST_LEN] = {0};
    cr_assert_eq(mp__auth_step(&srv, digest, sizeof digest, &s), -EPROTO);
    cr_assert_eq(s.len, 0);
    mp__buf_free(&s);
    mp__buf_free(&c);
}

/* A server that welcomes anything but cannot answer the client's
 * challenge is refused, and told so. */
Test(manager_auth, a_client_refuses_a_server_without_the_key)
{
    mp__auth cli;
    mp__buf c = {0};
    cr_assert_eq(mp__auth_start(&cli, false, KEY, KL, &c), 0);
    uint8_t challenge[CHALLENGE_LEN] = CHALLENGE;
    cr_assert_eq(mp__auth_step(&cli, challenge, sizeof challenge, &c), MP__AUTH_MORE);
    mp__buf_reset(&c);
    cr_assert_eq(mp__auth_step(&cli, (const uint8_t *)WELCOME, sizeof WELCOME - 1, &c), MP__AUTH_MORE);
    const uint8_t *p;
    cr_assert_eq(one_frame(&c, &p), CHALLENGE_LEN);
    uint8_t guess[DIGEST_LEN];
    hmac(OTHER, sizeof OTHER - 1, p, CHALLENGE_LEN, guess);
    mp__buf_reset(&c);
    cr_assert_eq(mp__auth_step(&cli, guess, sizeof guess, &c), -EACCES);
    assert_text(&c, FAILURE);
    mp__buf_free(&c);
}

Test(manager_auth, a_full_server_says_busy_instead_of_its_first_or_second_message)
{
    mp__auth cli;
    mp__buf c = {0};
    cr_assert_eq(mp__auth_start(&cli, false, KEY, KL, &c), 0);
    cr_assert_eq(mp__auth_step(&cli, (const uint8_t *)BUSY, sizeof BUSY - 1, &c), -EBUSY);
    cr_assert_eq(c.len, 0);

    cr_assert_eq(mp__auth_start(&cli, false, KEY, KL, &c), 0);
    uint8_t challenge[CHALLENGE_LEN] = CHALLENGE;
    cr_assert_eq(mp__auth_step(&cli, challenge, sizeof challenge, &c), MP__AUTH_MORE);
    mp__buf_reset(&c);
    cr_assert_eq(mp__auth_step(&cli, (const uint8_t *)BUSY, sizeof BUSY - 1, &c), -EBUSY);
    cr_assert_eq(c.len, 0);

    /* Only a server says BUSY: from a client it is a refusal. */
    mp__auth srv;
    mp__buf s = {0};
    cr_assert_eq(mp__auth_start(&srv, true, KEY, KL, &s), 0);
    const uint8_t *p;
    one_frame(&s, &p);
    uint8_t digest[DIGEST_LEN];
    hmac(KEY, KL, p, CHALLENGE_LEN, digest);
    mp__buf_reset(&s);
    cr_assert_eq(mp__auth_step(&srv, digest, sizeof digest, &s), MP__AUTH_PROVED);
    mp__buf_reset(&s);
    cr_assert_eq(mp__auth_step(&srv, challenge, sizeof challenge, &s), MP__AUTH_MORE);
    mp__buf_reset(&s);
    cr_assert_eq(mp__auth_step(&srv, (const uint8_t *)BUSY, sizeof BUSY - 1, &s), -EACCES);
    mp__buf_free(&s);
    mp__buf_free(&c);
}

Test(manager_auth, a_message_out_of_place_is_a_protocol_error)
{
    static const struct {
        const char *what;
        const char *msg;
        size_t n;
    } bad[] = {
        {"a bare challenge prefix (no nonce)", CHALLENGE, sizeof CHALLENGE - 1},
        {"a welcome where a challenge belongs", WELCOME, sizeof WELCOME - 1},
        {"an empty message", "", 0},
        {"a challenge in lower case", "#challenge#0123456789", 21},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        mp__auth cli;
        mp__buf c = {0};
        cr_assert_eq(mp__auth_start(&cli, false, KEY, KL, &c), 0);
        cr_assert_eq(mp__auth_step(&cli, (const uint8_t *)bad[i].msg, bad[i].n, &c), -EPROTO, "%s", bad[i].what);
        cr_assert_eq(c.len, 0, "%s: answered", bad[i].what);
        mp__buf_free(&c);
    }
    /* A digest of the wrong length, even one that starts right, fails. */
    mp__auth srv;
    mp__buf s = {0};
    cr_assert_eq(mp__auth_start(&srv, true, KEY, KL, &s), 0);
    const uint8_t *p;
    one_frame(&s, &p);
    uint8_t digest[DIGEST_LEN + 1] = {0};
    hmac(KEY, KL, p, CHALLENGE_LEN, digest);
    mp__buf_reset(&s);
    cr_assert_eq(mp__auth_step(&srv, digest, sizeof digest, &s), -EACCES);
    assert_text(&s, FAILURE);
    mp__buf_free(&s);
}
