/*
 * manager_wire.c — the manager's client-side socket I/O and its HMAC
 * handshake (frame format in frame.h): one state machine for both halves,
 * run by the manager's server and client and by the class board's
 * (viewer/out/class_server.c, class_net.c).
 *
 * Design notes:
 *  - Every wait is bounded by an absolute deadline (handshake) or by
 *    SO_RCVTIMEO/SO_SNDTIMEO on a blocking socket (calls): a silent server
 *    never hangs a client.
 *  - The handshake is Python 3.12's multiprocessing.connection scheme: the
 *    server sends "#CHALLENGE#" + 32 random bytes, the client answers
 *    HMAC-SHA256(key, challenge) and gets "#WELCOME#" or "#FAILURE#"; then
 *    the client challenges the server the same way. Digests are compared in
 *    constant time; each message is one frame of at most 256 bytes.
 */
#include "manager_private.h"

#include <dlfcn.h>
#include <poll.h>
#include <string.h>
#include <sys/random.h>
#include <sys/socket.h>

/* libcrypto is loaded on first use, not linked: mapping it costs every
 * program that links libmp at start-up and every fork (its page tables are
 * copied: +10-18 % per spawn, bench/README.md), while only TCP managers
 * need it. The two functions used are declared here with OpenSSL's
 * signatures (stable since 1.1 and the same in 3.x); an EVP_MD stays an
 * opaque pointer. */
typedef const void *(*md_fn)(void);
typedef unsigned char *(*hmac_fn)(const void *md, const void *key, int keylen, const unsigned char *d,
                                  size_t n, unsigned char *md_out, unsigned int *md_len);
static struct {
    pthread_mutex_t lock;
    int state; /* 0 not tried, 1 loaded, -errno failed */
    md_fn sha256;
    hmac_fn hmac;
} crypto = {.lock = PTHREAD_MUTEX_INITIALIZER};

int mp__mgr_crypto_load(void)
{
    pthread_mutex_lock(&crypto.lock);
    if (crypto.state == 0) {
        /* The runtime name first (Debian's libssl3 ships only that one), then
         * the development link. Kept loaded for the life of the process. */
        static const char *const names[] = {"libcrypto.so.3", "libcrypto.so"};
        void *h = NULL;
        for (size_t i = 0; !h && i < MP__ARRAY_LEN(names); i++) h = dlopen(names[i], RTLD_NOW | RTLD_LOCAL);
        crypto.sha256 = h ? (md_fn)dlsym(h, "EVP_sha256") : NULL;
        crypto.hmac = h ? (hmac_fn)dlsym(h, "HMAC") : NULL;
        crypto.state = crypto.sha256 && crypto.hmac ? 1 : -ELIBACC;
    }
    int r = crypto.state < 0 ? crypto.state : 0;
    pthread_mutex_unlock(&crypto.lock);
    return r;
}

void mp__mgr_hmac(const uint8_t *key, size_t keylen, const uint8_t *msg, size_t n,
                    uint8_t out[DIGEST_LEN])
{
    unsigned int len = DIGEST_LEN;
    /* A digest of zeros (no library) proves nothing: the peer refuses it. */
    if (mp__mgr_crypto_load() < 0 || !crypto.hmac(crypto.sha256(), key, (int)keylen, msg, n, out, &len))
        memset(out, 0, DIGEST_LEN);
}

bool mp__mgr_digest_equal(const uint8_t *a, const uint8_t *b)
{
    return mp__equal_ct(a, b, DIGEST_LEN);
}

/* "#CHALLENGE#" + NONCE_LEN random bytes. 0 | -errno */
int mp__mgr_make_challenge(uint8_t out[CHALLENGE_LEN])
{
    memcpy(out, CHALLENGE, sizeof CHALLENGE - 1);
    uint8_t *nonce = out + sizeof CHALLENGE - 1;
    size_t got = 0;
    while (got < NONCE_LEN) {
        ssize_t r = getrandom(nonce + got, NONCE_LEN - got, 0);
        if (r < 0 && errno == EINTR) continue;
        if (r < 0) return -errno;
        got += (size_t)r;
    }
    return 0;
}

void mp__mgr_put_msg(mp__buf *b, const void *p, size_t n)
{
    size_t at = mp__frame_begin(b);
    mp__buf_put(b, p, n);
    mp__frame_end(b, at, MP__HANDSHAKE_MAX);
}

int mp__mgr_wait_fd(int fd, short events, const mp__deadline *dl)
{
    for (;;) {
        struct pollfd p = {.fd = fd, .events = events};
        int r = poll(&p, 1, mp__deadline_poll_ms(dl));
        if (r > 0) return 0;
        if (r == 0) return -ETIMEDOUT;
        if (errno != EINTR) return -errno;
        if (mp__deadline_passed(dl)) return -ETIMEDOUT;
    }
}

int mp__mgr_write_all(int fd, const uint8_t *p, size_t n, const mp__deadline *dl)
{
    while (n) {
        ssize_t w = send(fd, p, n, MSG_NOSIGNAL | MSG_DONTWAIT);
        if (w > 0) {
            p += w;
            n -= (size_t)w;
            continue;
        }
        if (w < 0 && errno == EINTR) continue;
        if (w < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
            int r = mp__mgr_wait_fd(fd, POLLOUT, dl);
            if (r < 0) return r;
            continue;
        }
        return w < 0 ? -errno : -EPIPE;
    }
    return 0;
}

/* Reads until rx starts with one whole frame; *n = its payload length.
 * With dl NULL the socket is blocking with SO_RCVTIMEO set (one syscall
 * per read instead of poll + recv: this is the path of every call). */
int mp__mgr_read_frame(int fd, mp__buf *rx, size_t max, uint32_t *n, const mp__deadline *dl)
{
    for (;;) {
        int r = mp__frame_peek(rx->data, rx->len, max, n);
        if (r == 1) return 0;
        if (r < 0) return -EPROTO;
        size_t want = rx->len < MP__FRAME_HDR ? 4096 : MP__FRAME_HDR + ((size_t)rx->data[0] << 24 |
                      (size_t)rx->data[1] << 16 | (size_t)rx->data[2] << 8 | rx->data[3]) - rx->len;
        if (want < 4096) want = 4096;
        uint8_t *space = mp__buf_space(rx, want);
        if (!space) return -ENOMEM;
        if (dl && (r = mp__mgr_wait_fd(fd, POLLIN, dl)) < 0) return r;
        ssize_t got = recv(fd, space, want, dl ? MSG_DONTWAIT : 0);
        if (got > 0) rx->len += (size_t)got;
        else if (got == 0) return -EPIPE;
        else if (!dl && (errno == EAGAIN || errno == EWOULDBLOCK)) return -ETIMEDOUT; /* SO_RCVTIMEO */
        else if (errno != EINTR && errno != EAGAIN && errno != EWOULDBLOCK) return -errno;
    }
}

/* The handshake message p[0..n) is the text m. */
static bool is_msg(const uint8_t *p, size_t n, const char *m)
{
    return n == strlen(m) && memcmp(p, m, n) == 0;
}

int mp__auth_start(mp__auth *a, bool server, const uint8_t *key, size_t keylen, mp__buf *out)
{
    *a = (mp__auth){.key = key, .keylen = keylen, .server = server, .st = MP__AUTH_CHALLENGE};
    if (!server) return 0;
    int r = mp__mgr_make_challenge(a->challenge);
    if (r < 0) {
        a->st = MP__AUTH_END;
        return r;
    }
    mp__mgr_put_msg(out, a->challenge, CHALLENGE_LEN);
    a->st = MP__AUTH_DIGEST;
    return 0;
}

/* The peer's answer to our challenge: WELCOME or FAILURE back. */
static int auth_digest(mp__auth *a, const uint8_t *p, size_t n, mp__buf *out)
{
    uint8_t digest[DIGEST_LEN];
    mp__mgr_hmac(a->key, a->keylen, a->challenge, CHALLENGE_LEN, digest);
    bool ok = n == DIGEST_LEN && mp__mgr_digest_equal(digest, p);
    mp__mgr_put_msg(out, ok ? WELCOME : FAILURE, sizeof WELCOME - 1);
    if (!ok) return -EACCES;
    a->st = a->server ? MP__AUTH_CHALLENGE : MP__AUTH_END;
    return a->server ? MP__AUTH_PROVED : MP__AUTH_OVER; /* the client's proof came first */
}

/* The peer's challenge: our digest back. A full server says BUSY instead
 * of its challenge. */
static int auth_challenge(mp__auth *a, const uint8_t *p, size_t n, mp__buf *out)
{
    if (!a->server && is_msg(p, n, BUSY)) return -EBUSY;
    if (n <= sizeof CHALLENGE - 1 || memcmp(p, CHALLENGE, sizeof CHALLENGE - 1) != 0) return -EPROTO;
    uint8_t digest[DIGEST_LEN];
    mp__mgr_hmac(a->key, a->keylen, p, n, digest);
    mp__mgr_put_msg(out, digest, DIGEST_LEN);
    a->st = MP__AUTH_WELCOME;
    return MP__AUTH_MORE;
}

/* The peer's verdict on our digest. A client welcomed challenges the
 * server in turn; a full server may say BUSY instead of its verdict. */
static int auth_welcome(mp__auth *a, const uint8_t *p, size_t n, mp__buf *out)
{
    if (!is_msg(p, n, WELCOME)) return !a->server && is_msg(p, n, BUSY) ? -EBUSY : -EACCES;
    if (a->server) {
        a->st = MP__AUTH_END;
        return MP__AUTH_OVER;
    }
    int r = mp__mgr_make_challenge(a->challenge);
    if (r < 0) return r;
    mp__mgr_put_msg(out, a->challenge, CHALLENGE_LEN);
    a->st = MP__AUTH_DIGEST;
    return MP__AUTH_MORE;
}

int mp__auth_step(mp__auth *a, const uint8_t *p, size_t n, mp__buf *out)
{
    enum mp__auth_state st = a->st;
    a->st = MP__AUTH_END; /* until a step succeeds: nothing more after an error */
    switch (st) {
    case MP__AUTH_DIGEST: return auth_digest(a, p, n, out);
    case MP__AUTH_CHALLENGE: return auth_challenge(a, p, n, out);
    case MP__AUTH_WELCOME: return auth_welcome(a, p, n, out);
    default: return -EPROTO;
    }
}

/* A whole handshake over a blocking exchange (the machine above), each
 * message queued sent before the next one is read: a client's, or a
 * server's where one connection at a time is fine (a test's fake server). */
int mp__mgr_handshake(int fd, bool server, const uint8_t *key, size_t keylen)
{
    mp__deadline dl = mp__deadline_in(HANDSHAKE_TIMEOUT);
    mp__buf rx = {0}, tx = {0};
    mp__auth a;
    int r = mp__auth_start(&a, server, key, keylen, &tx);
    for (;;) {
        /* A FAILURE queued is sent too: the peer learns why we leave. */
        int w = tx.oom ? -ENOMEM : tx.len ? mp__mgr_write_all(fd, tx.data, tx.len, &dl) : 0;
        mp__buf_reset(&tx);
        if (w < 0 && r >= 0) r = w;
        if (r < 0 || r == MP__AUTH_OVER) break;
        uint32_t n;
        bool answered = !server && a.st == MP__AUTH_WELCOME;
        if ((r = mp__mgr_read_frame(fd, &rx, MP__HANDSHAKE_MAX, &n, &dl)) < 0) {
            if (answered && (r == -EPIPE || r == -ECONNRESET)) r = -EACCES; /* it hung up on our answer */
            break;
        }
        r = mp__auth_step(&a, rx.data + MP__FRAME_HDR, n, &tx);
        mp__buf_consume(&rx, MP__FRAME_HDR + n);
    }
    mp__buf_free(&rx);
    mp__buf_free(&tx);
    return r < 0 ? r : 0;
}

int mp__mgr_client_handshake(int fd, const uint8_t *key, size_t keylen)
{
    return mp__mgr_handshake(fd, false, key, keylen);
}
