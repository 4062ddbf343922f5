/* class_net.c — what the class server and its clients share: clean texts,
 * keys, addresses, and the client's connect + call over libmp's manager
 * wire (lib/manager_wire.c: frames and the HMAC handshake both ways). */
#include "class.h"

#include "manager_private.h"

#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <unistd.h>

size_t class_clean(char *dst, size_t cap, const void *src, size_t n)
{
    const unsigned char *s = src;
    size_t k = 0;
    if (cap == 0) return 0;
    for (size_t i = 0; i < n && k < CLASS_TEXT_MAX && k + 1 < cap; i++)
        dst[k++] = s[i] >= 0x20 && s[i] < 0x7f ? (char)s[i] : '?'; /* no ESC, no C1, no tab */
    dst[k] = '\0';
    return k;
}

/* Crockford's base32: no I, L, O or U, so a code read off a projector
 * cannot be mistyped into another valid one by those look-alikes. */
static const char code_alphabet[] = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";

static int code_digit(int c)
{
    if (c >= 'a' && c <= 'z') c -= 'a' - 'A';
    if (c == 'O') c = '0';
    if (c == 'I' || c == 'L') c = '1';
    const char *p = c ? strchr(code_alphabet, c) : NULL;
    return p ? (int)(p - code_alphabet) : -1;
}

int class_code_canon(const char *text, size_t n, char *out, size_t cap)
{
    char digits[CLASS_CODE_DIGITS];
    size_t k = 0;
    if (cap < CLASS_CODE_LEN + 1) return -ENOSPC;
    for (size_t i = 0; i < n; i++) {
        int c = (unsigned char)text[i];
        if (c == '-' || c == ' ' || c == '\t' || c == '\n' || c == '\r') continue;
        int d = code_digit(c);
        if (d < 0 || k == CLASS_CODE_DIGITS) return -EINVAL;
        digits[k++] = code_alphabet[d];
    }
    if (k != CLASS_CODE_DIGITS) return -EINVAL;
    size_t o = 0;
    for (size_t i = 0; i < k; i++) {
        if (i && i % 4 == 0) out[o++] = '-';
        out[o++] = digits[i];
    }
    out[o] = '\0';
    return 0;
}

int class_new_code(char *out, size_t cap)
{
    uint8_t raw[CLASS_CODE_DIGITS];
    char digits[CLASS_CODE_DIGITS];
    if (getrandom(raw, sizeof raw, 0) != (ssize_t)sizeof raw) return -EIO;
    for (size_t i = 0; i < sizeof raw; i++) digits[i] = code_alphabet[raw[i] & 31]; /* 32 divides 256: no bias */
    return class_code_canon(digits, sizeof digits, out, cap);
}

int class_key_from_text(const char *text, size_t n, uint8_t *key, size_t *len)
{
    char canon[CLASS_CODE_LEN + 1];
    while (n > 0 && (text[n - 1] == '\n' || text[n - 1] == '\r' || text[n - 1] == ' ' || text[n - 1] == '\t')) n--;
    if (class_code_canon(text, n, canon, sizeof canon) == 0) { /* typed in any case, with or without dashes */
        text = canon;
        n = strlen(canon);
    }
    if (n == 0 || n > CLASS_KEY_MAX) return -EINVAL;
    memcpy(key, text, n);
    *len = n;
    return 0;
}

int class_read_key(const char *path, uint8_t *key, size_t *len)
{
    char buf[CLASS_KEY_MAX + 2]; /* room for a line end after the longest key */
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) return -errno;
    ssize_t n = read(fd, buf, sizeof buf);
    int err = errno;
    close(fd);
    if (n < 0) return -err;
    if ((size_t)n == sizeof buf) return -EINVAL;
    return class_key_from_text(buf, (size_t)n, key, len);
}

int class_random_hex(char *out, size_t hexdigits)
{
    uint8_t raw[64];
    size_t n = (hexdigits + 1) / 2;
    if (n > sizeof raw) return -EINVAL;
    if (getrandom(raw, n, 0) != (ssize_t)n) return -EIO;
    for (size_t i = 0; i < hexdigits; i++) out[i] = "0123456789abcdef"[(raw[i / 2] >> (i % 2 ? 0 : 4)) & 15];
    out[hexdigits] = '\0';
    return 0;
}

int class_split_addr(const char *hostport, char *host, size_t cap, char *port, size_t pcap)
{
    const char *colon = strrchr(hostport, ':');
    if (!colon || !colon[1] || strlen(colon + 1) >= pcap) return -EINVAL;
    const char *h = hostport;
    size_t hl = (size_t)(colon - hostport);
    if (hl >= 2 && h[0] == '[' && h[hl - 1] == ']') { /* [::1]:PORT */
        h++;
        hl -= 2;
    }
    if (hl == 0 || hl >= cap) return -EINVAL;
    memcpy(host, h, hl);
    host[hl] = '\0';
    snprintf(port, pcap, "%s", colon + 1);
    for (const char *p = port; *p; p++)
        if (*p < '0' || *p > '9') return -EINVAL;
    return 0;
}

/* Non-blocking connect bounded by dl, then blocking again. fd | -errno */
static int connect_one(const struct addrinfo *ai, const mp__deadline *dl)
{
    int fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC | SOCK_NONBLOCK, ai->ai_protocol);
    if (fd < 0) return -errno;
    int r = 0;
    if (connect(fd, ai->ai_addr, ai->ai_addrlen) < 0) {
        r = errno == EINPROGRESS ? mp__mgr_wait_fd(fd, POLLOUT, dl) : -errno;
        int soerr = 0;
        socklen_t sl = sizeof soerr;
        if (r == 0 && getsockopt(fd, SOL_SOCKET, SO_ERROR, &soerr, &sl) == 0 && soerr) r = -soerr;
    }
    if (r == 0 && fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK) < 0) r = -errno;
    if (r < 0) {
        close(fd);
        return r;
    }
    return fd;
}

int class_connect(const char *hostport, const uint8_t *key, size_t keylen)
{
    char host[256], port[16];
    if (class_split_addr(hostport, host, sizeof host, port, sizeof port) < 0) return -EINVAL;
    struct addrinfo hints = {.ai_socktype = SOCK_STREAM}, *res = NULL;
    if (getaddrinfo(host, port, &hints, &res) != 0) return -EHOSTUNREACH;
    mp__deadline dl = mp__deadline_in(CLASS_IO_TIMEOUT);
    int fd = -ECONNREFUSED;
    for (struct addrinfo *ai = res; ai && fd < 0; ai = ai->ai_next) fd = connect_one(ai, &dl);
    freeaddrinfo(res);
    if (fd < 0) return fd;
    int r = mp__mgr_client_handshake(fd, key, keylen);
    if (r < 0) {
        close(fd);
        return r;
    }
    return fd;
}

int class_call(int fd, const void *p, size_t n, int64_t *status, char strs[2][CLASS_TEXT_MAX + 1])
{
    mp__deadline dl = mp__deadline_in(CLASS_IO_TIMEOUT);
    mp__buf tx = {0}, rx = {0};
    size_t at = mp__frame_begin(&tx);
    mp__buf_put(&tx, p, n);
    int r = mp__frame_end(&tx, at, CLASS_FRAME_MAX);
    uint32_t len;
    if (r == 0) r = mp__mgr_write_all(fd, tx.data, tx.len, &dl);
    if (r == 0) r = mp__mgr_read_frame(fd, &rx, CLASS_FRAME_MAX, &len, &dl);
    if (r == 0) {
        mp__dec d;
        mp__val v;
        mp__dec_init(&d, rx.data + MP__FRAME_HDR, len);
        r = mp__dec_int(&d, status);
        for (int k = 0; r == 0 && k < 2 && mp__dec_val(&d, &v) == 1; k++)
            if (strs && v.tag == MP__T_STR) class_clean(strs[k], CLASS_TEXT_MAX + 1, v.p, v.len);
    }
    mp__buf_free(&tx);
    mp__buf_free(&rx);
    return r;
}
