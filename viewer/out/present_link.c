/* present_link.c — the presenter's state file and the follow requests to
 * the class server (present_link.h). */
#include "present_link.h"

#include "manager_private.h"
#include "workspace.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

/* A small file's first line. Bytes read | -errno */
static ssize_t read_small(const char *path, char *buf, size_t cap)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) return -errno;
    ssize_t n = read(fd, buf, cap - 1);
    int err = errno;
    close(fd);
    if (n < 0) return -err;
    buf[n] = '\0';
    buf[strcspn(buf, "\r\n")] = '\0';
    return (ssize_t)strlen(buf);
}

int present_link_presenter(struct present_link *pl, const char *server_state, const char *keyfile)
{
    char dir[4096], path[4200], tok[CLASS_TEXT_MAX + 8];
    memset(pl, 0, sizeof *pl);
    pl->fd = -1;
    if (server_state) snprintf(dir, sizeof dir, "%s", server_state);
    else class_server_state(dir, sizeof dir);
    snprintf(path, sizeof path, "%s/address", dir);
    ssize_t n = read_small(path, pl->server, sizeof pl->server);
    if (n <= 0) return n == 0 ? -EINVAL : n;
    snprintf(path, sizeof path, "%s/presenter", dir);
    n = read_small(path, tok, sizeof tok);
    if (n < 0) return (int)n;
    if (n != CLASS_TOKEN_LEN) return -EINVAL;
    memcpy(pl->token, tok, CLASS_TOKEN_LEN + 1);
    snprintf(path, sizeof path, "%s/key", dir);
    int r = class_read_key(keyfile ? keyfile : path, pl->key, &pl->keylen);
    return r == -ENOENT || r == -EINVAL ? -ENOKEY : r;
}

int present_link_student(struct present_link *pl)
{
    memset(pl, 0, sizeof *pl);
    pl->fd = -1;
    return class_joined_identity(pl->server, sizeof pl->server, pl->name, pl->token, pl->key, &pl->keylen);
}

void present_link_close(struct present_link *pl)
{
    if (pl->fd >= 0) close(pl->fd);
    pl->fd = -1;
}

/* One request on the open connection: op, name, token, then what args
 * holds; the reply payload into rx (at rx->data + MP__FRAME_HDR, *n
 * bytes). 0 | -errno */
static int exchange(struct present_link *pl, int64_t op, const mp__buf *args, mp__buf *rx, uint32_t *n)
{
    mp__deadline dl = mp__deadline_in(PRESENT_IO_TIMEOUT);
    mp__buf tx = {0};
    size_t at = mp__frame_begin(&tx);
    mp__enc_int(&tx, op);
    mp__enc_str(&tx, pl->name, strlen(pl->name));
    mp__enc_str(&tx, pl->token, strlen(pl->token));
    if (args) mp__buf_put(&tx, args->data, args->len);
    int r = mp__frame_end(&tx, at, CLASS_FRAME_MAX);
    mp__buf_reset(rx);
    if (r == 0) r = mp__mgr_write_all(pl->fd, tx.data, tx.len, &dl);
    if (r == 0) r = mp__mgr_read_frame(pl->fd, rx, CLASS_FRAME_MAX, n, &dl);
    if (r == -EPROTO) r = -EBADMSG; /* a reply longer than any the server sends */
    mp__buf_free(&tx);
    if (r < 0) present_link_close(pl); /* the stream is out of step now */
    return r;
}

/* exchange(), connecting first when not connected. A connection kept from
 * before may have been closed by the server (a restart, its idle limit):
 * that failure gets one retry on a new connection. 0 | -errno */
static int call(struct present_link *pl, int64_t op, const mp__buf *args, mp__buf *rx, uint32_t *n)
{
    for (int attempt = 0; attempt < 2; attempt++) {
        bool kept = pl->fd >= 0;
        if (!kept) {
            int fd = class_connect(pl->server, pl->key, pl->keylen);
            if (fd < 0) return fd;
            pl->fd = fd;
        }
        int r = exchange(pl, op, args, rx, n);
        if (r == 0 || !kept || r == -EBADMSG || r == -ETIMEDOUT) return r;
    }
    return -EPIPE;
}

int present_link_show(struct present_link *pl, const struct present_state *s)
{
    mp__buf args = {0}, rx = {0};
    uint32_t n;
    present_encode_show_args(&args, s);
    int r = call(pl, CLS_SHOW, &args, &rx, &n);
    if (r == 0) {
        mp__dec d;
        int64_t st;
        mp__dec_init(&d, rx.data + MP__FRAME_HDR, n);
        r = mp__dec_int(&d, &st) < 0 || !mp__dec_at_end(&d) || st > 0 || st < -4095 ? -EBADMSG : (int)st;
    }
    mp__buf_free(&args);
    mp__buf_free(&rx);
    return r;
}

int present_link_follow(struct present_link *pl, struct present_state *s, int64_t *seq)
{
    mp__buf rx = {0};
    uint32_t n;
    int r = call(pl, CLS_FOLLOW, NULL, &rx, &n);
    if (r == 0) {
        int64_t st;
        r = present_decode_follow_reply(rx.data + MP__FRAME_HDR, n, &st, s, seq);
        if (r == 0) r = (int)st;
    }
    mp__buf_free(&rx);
    return r;
}

const char *present_link_error(int r)
{
    switch (r) {
    case -ENOENT: return "nothing shown yet";
    case -EPERM: return "refused: not permitted";
    case -EACCES: return "the class key was refused";
    case -EBADMSG: return "refused a malformed presenter message";
    case -EINVAL: return "refused an invalid presenter message (lesson id or page)";
    case -ECONNREFUSED: return "the class server is not running";
    case -ETIMEDOUT: return "the class server does not answer";
    case -ENOKEY: return "no class key (give --key-file)";
    default: return strerror(-r);
    }
}

/* ------------------------------------------------------------ the state file */

static int file_path(char *buf, size_t cap)
{
    char dir[4096];
    int r = ws_state_dir(dir, sizeof dir);
    if (r < 0) return r;
    return snprintf(buf, cap, "%s/presenting", dir) >= (int)cap ? -ENAMETOOLONG : 0;
}

int present_file_write(const struct present_state *s)
{
    char path[4200], dir[4096], line[96];
    int n = present_state_format(line, sizeof line, s, (int)getpid());
    if (n < 0) return n;
    int r = ws_state_dir(dir, sizeof dir);
    if (r == 0) r = ws_mkdirs(dir, 0700);
    if (r == 0) r = file_path(path, sizeof path);
    return r < 0 ? r : ws_write_file(path, line, (size_t)n);
}

int present_file_read(struct present_state *s)
{
    char path[4200], buf[96];
    int r = file_path(path, sizeof path);
    if (r < 0) return r;
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) return -errno;
    ssize_t n = read(fd, buf, sizeof buf);
    close(fd);
    if (n < 0) return -EIO;
    int pid;
    r = present_state_parse(buf, (size_t)n, s, &pid);
    if (r == 0 && kill(pid, 0) < 0 && errno == ESRCH) { /* its presenter was killed: nobody presents */
        unlink(path);
        memset(s, 0, sizeof *s);
        return -ENOENT;
    }
    return r;
}

void present_file_remove(void)
{
    char path[4200];
    if (file_path(path, sizeof path) == 0) unlink(path);
}
