/* present_probe.c — raw follow-the-instructor messages, for
 * tests/e2e/test_present.sh.
 *
 *   present_probe show ADDR KEYFILE TOKEN LESSON PAGE PAGES
 *       one CLS_SHOW with that presenter token; prints the server's
 *       answer ("accepted", or "refused: ..."). Exit 0 accepted, 1 refused,
 *       3 no answer.
 *   present_probe badshow ADDR KEYFILE
 *       CLS_SHOW and CLS_FOLLOW requests of the wrong shape, each on its own
 *       authenticated connection: each must be closed by the server. Exit 0
 *       when every one was.
 *   present_probe evil ADDRFILE KEYFILE
 *       a hostile class server on 127.0.0.1 (its address written to
 *       ADDRFILE): it passes the handshake, then answers every request with
 *       a CLS_FOLLOW reply whose lesson id is an escape sequence. Runs until
 *       killed. */
#include "class.h"

#include "frame.h"
#include "manager_private.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <openssl/crypto.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

/* One frame of payload p[0..n) and the server's reply status.
 * 0 | -errno (no reply: closed or timed out) */
static int roundtrip(int fd, const mp__buf *p, int64_t *status)
{
    mp__buf tx = {0}, rx = {0};
    mp__deadline dl = mp__deadline_in(10.0);
    size_t at = mp__frame_begin(&tx);
    mp__buf_put(&tx, p->data, p->len);
    uint32_t n;
    int r = mp__frame_end(&tx, at, CLASS_FRAME_MAX);
    if (r == 0) r = mp__mgr_write_all(fd, tx.data, tx.len, &dl);
    if (r == 0) r = mp__mgr_read_frame(fd, &rx, CLASS_FRAME_MAX, &n, &dl);
    if (r == 0) {
        mp__dec d;
        mp__dec_init(&d, rx.data + MP__FRAME_HDR, n);
        r = mp__dec_int(&d, status);
    }
    mp__buf_free(&tx);
    mp__buf_free(&rx);
    return r;
}

static void head(mp__buf *b, int64_t op, const char *name, const char *token)
{
    mp__enc_int(b, op);
    mp__enc_str(b, name, strlen(name));
    mp__enc_str(b, token, strlen(token));
}

static int show(const char *addr, const uint8_t *key, size_t keylen, char **argv)
{
    int fd = class_connect(addr, key, keylen);
    if (fd < 0) {
        printf("cannot connect: %s\n", strerror(-fd));
        return 3;
    }
    mp__buf b = {0};
    head(&b, CLS_SHOW, "", argv[0]);
    mp__enc_str(&b, argv[1], strlen(argv[1]));
    mp__enc_int(&b, atoll(argv[2]));
    mp__enc_int(&b, atoll(argv[3]));
    int64_t st = 0;
    int r = roundtrip(fd, &b, &st);
    mp__buf_free(&b);
    close(fd);
    if (r < 0) {
        printf("no answer: %s\n", strerror(-r));
        return 3;
    }
    if (st == 0) printf("accepted\n");
    else printf("refused: %s\n", strerror((int)-st));
    return st == 0 ? 0 : 1;
}

static int badshow(const char *addr, const uint8_t *key, size_t keylen)
{
    int fails = 0;
    for (int i = 0; i < 4; i++) {
        static const char *const what[] = {"an int where the lesson goes", "no page", "a value too many",
                                           "a follow with arguments"};
        mp__buf b = {0};
        head(&b, i == 3 ? CLS_FOLLOW : CLS_SHOW, "", "0123456789abcdef0123456789abcdef");
        if (i == 0) mp__enc_int(&b, 3);
        else if (i < 3) mp__enc_str(&b, "03-sync", 7);
        if (i == 0 || i == 2) mp__enc_int(&b, 1), mp__enc_int(&b, 3);
        if (i == 2) mp__enc_int(&b, 99);
        if (i == 3) mp__enc_str(&b, "x", 1);
        int fd = class_connect(addr, key, keylen);
        int64_t st;
        int r = fd < 0 ? fd : roundtrip(fd, &b, &st);
        bool closed = fd >= 0 && (r == -EPIPE || r == -ECONNRESET);
        printf("%s: %s (%d)\n", what[i], closed ? "connection closed" : "NOT closed", r);
        fails += !closed;
        if (fd >= 0) close(fd);
        mp__buf_free(&b);
    }
    return fails ? 1 : 0;
}

/* The server half of the manager's handshake (the mirror of
 * mp__mgr_client_handshake). 0 | -errno */
static int accept_handshake(int fd, const uint8_t *key, size_t keylen)
{
    mp__deadline dl = mp__deadline_in(10.0);
    mp__buf tx = {0}, rx = {0};
    uint8_t ch[CHALLENGE_LEN], digest[DIGEST_LEN];
    uint32_t n;
    int r = mp__mgr_make_challenge(ch);
    if (r == 0) mp__mgr_put_msg(&tx, ch, CHALLENGE_LEN), r = mp__mgr_write_all(fd, tx.data, tx.len, &dl);
    if (r == 0) r = mp__mgr_read_frame(fd, &rx, MP__HANDSHAKE_MAX, &n, &dl);
    mp__mgr_hmac(key, keylen, ch, CHALLENGE_LEN, digest);
    if (r == 0 && (n != DIGEST_LEN || CRYPTO_memcmp(rx.data + 4, digest, DIGEST_LEN))) r = -EACCES;
    if (r == 0) {
        mp__buf_consume(&rx, 4 + n);
        mp__buf_reset(&tx);
        mp__mgr_put_msg(&tx, WELCOME, sizeof WELCOME - 1);
        r = mp__mgr_write_all(fd, tx.data, tx.len, &dl);
    }
    if (r == 0) r = mp__mgr_read_frame(fd, &rx, MP__HANDSHAKE_MAX, &n, &dl);
    if (r == 0) {
        mp__mgr_hmac(key, keylen, rx.data + 4, n, digest);
        mp__buf_consume(&rx, 4 + n);
        mp__buf_reset(&tx);
        mp__mgr_put_msg(&tx, digest, DIGEST_LEN);
        r = mp__mgr_write_all(fd, tx.data, tx.len, &dl);
    }
    if (r == 0) r = mp__mgr_read_frame(fd, &rx, MP__HANDSHAKE_MAX, &n, &dl); /* its WELCOME */
    mp__buf_free(&tx);
    mp__buf_free(&rx);
    return r;
}

static int evil(const char *addrfile, const uint8_t *key, size_t keylen)
{
    int lfd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t sl = sizeof sa;
    if (lfd < 0 || bind(lfd, (struct sockaddr *)&sa, sizeof sa) < 0 || listen(lfd, 8) < 0 ||
        getsockname(lfd, (struct sockaddr *)&sa, &sl) < 0)
        return 1;
    FILE *f = fopen(addrfile, "w");
    if (!f) return 1;
    fprintf(f, "127.0.0.1:%d\n", ntohs(sa.sin_port));
    fclose(f);
    static const char hostile[] = "x\x1b]0;owned\a\x1b[2J";
    for (;;) {
        int fd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);
        if (fd < 0) continue;
        if (accept_handshake(fd, key, keylen) == 0) {
            mp__buf rx = {0}, tx = {0};
            uint32_t n;
            mp__deadline dl = mp__deadline_in(30.0);
            while (mp__mgr_read_frame(fd, &rx, CLASS_FRAME_MAX, &n, &dl) == 0) {
                mp__buf_consume(&rx, 4 + n);
                mp__buf_reset(&tx);
                size_t at = mp__frame_begin(&tx);
                mp__enc_int(&tx, 0);
                mp__enc_str(&tx, hostile, sizeof hostile - 1);
                mp__enc_int(&tx, 1);
                mp__enc_int(&tx, 2);
                mp__enc_int(&tx, 1);
                mp__frame_end(&tx, at, CLASS_FRAME_MAX);
                if (mp__mgr_write_all(fd, tx.data, tx.len, &dl) < 0) break;
            }
            mp__buf_free(&rx);
            mp__buf_free(&tx);
        }
        close(fd);
    }
}

int main(int argc, char **argv)
{
    uint8_t key[CLASS_KEY_MAX];
    size_t keylen = 0;
    if (argc < 4 || class_read_key(argv[3], key, &keylen) < 0) {
        fprintf(stderr, "usage: present_probe show|badshow|evil ADDR KEYFILE ...\n");
        return 2;
    }
    if (!strcmp(argv[1], "show") && argc == 8) return show(argv[2], key, keylen, argv + 4);
    if (!strcmp(argv[1], "badshow")) return badshow(argv[2], key, keylen);
    if (!strcmp(argv[1], "evil")) return evil(argv[2], key, keylen);
    return 2;
}
