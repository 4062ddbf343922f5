/*
 * manager_wire.c — the manager's client-side socket I/O and its HMAC
 * handshake (frame format in frame.h; the server's half of the handshake
 * is a state machine in manager_server.c).
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
    /* Constant time: every byte is looked at whatever differs first. */
    uint8_t diff = 0;
    for (size_t i = 0; i < DIGEST_LEN; i++) diff |= (uint8_t)(a[i] ^ b[i]);
    return diff == 0;
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

static int send_msg(int fd, const void *p, size_t n, const mp__deadline *dl)
{
    mp__buf b = {0};
    mp__mgr_put_msg(&b, p, n);
    int r = b.oom ? -ENOMEM : mp__mgr_write_all(fd, b.data, b.len, dl);
    mp__buf_free(&b);
    return r;
}

/* The handshake message at the head of rx (payload n) is the text m. */
static bool is_msg(const mp__buf *rx, uint32_t n, const char *m)
{
    return n == strlen(m) && memcmp(rx->data + MP__FRAME_HDR, m, n) == 0;
}

/* The client half of the handshake: prove we know the key, then make the
 * server prove it. A server with too many clients says BUSY instead of
 * its first or second message. */
int mp__mgr_client_handshake(int fd, const uint8_t *key, size_t keylen)
{
    mp__deadline dl = mp__deadline_in(HANDSHAKE_TIMEOUT);
    mp__buf rx = {0};
    uint8_t digest[DIGEST_LEN], mine[CHALLENGE_LEN];
    uint32_t n;
    int r = mp__mgr_read_frame(fd, &rx, MP__HANDSHAKE_MAX, &n, &dl);
    if (r < 0) goto out;
    r = is_msg(&rx, n, BUSY) ? -EBUSY : -EPROTO;
    if (n <= sizeof CHALLENGE - 1 || memcmp(rx.data + 4, CHALLENGE, sizeof CHALLENGE - 1) != 0) goto out;
    mp__mgr_hmac(key, keylen, rx.data + 4, n, digest);
    mp__buf_consume(&rx, 4 + n);
    if ((r = send_msg(fd, digest, DIGEST_LEN, &dl)) < 0) goto out;
    r = mp__mgr_read_frame(fd, &rx, MP__HANDSHAKE_MAX, &n, &dl);
    if (r == -EPIPE || r == -ECONNRESET) r = -EACCES; /* it hung up on our answer */
    if (r < 0) goto out;
    bool welcome = is_msg(&rx, n, WELCOME), busy = is_msg(&rx, n, BUSY);
    mp__buf_consume(&rx, 4 + n);
    r = busy ? -EBUSY : -EACCES;
    if (!welcome) goto out;
    if ((r = mp__mgr_make_challenge(mine)) < 0 || (r = send_msg(fd, mine, CHALLENGE_LEN, &dl)) < 0) goto out;
    if ((r = mp__mgr_read_frame(fd, &rx, MP__HANDSHAKE_MAX, &n, &dl)) < 0) goto out;
    mp__mgr_hmac(key, keylen, mine, CHALLENGE_LEN, digest);
    bool ok = n == DIGEST_LEN && mp__mgr_digest_equal(digest, rx.data + 4);
    r = send_msg(fd, ok ? WELCOME : FAILURE, sizeof WELCOME - 1, &dl);
    if (r == 0 && !ok) r = -EACCES; /* not the server we share a key with */
out:
    mp__buf_free(&rx);
    return r;
}
