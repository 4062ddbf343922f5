/* class_follow.c — follow-the-instructor on the class server (class_follow.h). */
#include "class_follow.h"
#include "mp_private.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

/* STATE/presenter: kept across restarts, so a running `forklab present`
 * keeps its right after the server comes back. 0 | -errno */
static int presenter_token(const char *state, char token[CLASS_TOKEN_LEN + 1])
{
    char path[4200], buf[CLASS_TOKEN_LEN + 2];
    snprintf(path, sizeof path, "%s/presenter", state);
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd >= 0) {
        ssize_t n = read(fd, buf, sizeof buf);
        close(fd);
        if (n >= CLASS_TOKEN_LEN) {
            memcpy(token, buf, CLASS_TOKEN_LEN);
            token[CLASS_TOKEN_LEN] = '\0';
            if (strspn(token, "0123456789abcdef") == CLASS_TOKEN_LEN) return 0;
        }
    }
    int r = class_random_hex(token, CLASS_TOKEN_LEN);
    if (r < 0) return r;
    fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd < 0) return -errno;
    bool ok = write(fd, token, CLASS_TOKEN_LEN) == CLASS_TOKEN_LEN && write(fd, "\n", 1) == 1;
    close(fd);
    return ok ? 0 : -EIO;
}

int follow_open(struct cls_follow *f, const char *state, const char *address)
{
    memset(f, 0, sizeof *f);
    /* Microseconds of the wall clock: a restart takes far longer than the
     * presenter's changes in between, so no number comes back. */
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    f->seq = (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
    int r = presenter_token(state, f->token);
    if (r < 0) return r;
    char path[4200], tmp[4300];
    snprintf(path, sizeof path, "%s/address", state);
    snprintf(tmp, sizeof tmp, "%s.new", path);
    int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd < 0) return -errno;
    size_t n = strlen(address);
    bool ok = write(fd, address, n) == (ssize_t)n && write(fd, "\n", 1) == 1;
    close(fd);
    if (!ok || rename(tmp, path) < 0) {
        unlink(tmp);
        return -EIO;
    }
    snprintf(f->address_file, sizeof f->address_file, "%s", path);
    return 0;
}

void follow_close(struct cls_follow *f)
{
    if (f->address_file[0]) unlink(f->address_file);
    f->address_file[0] = '\0';
}

static bool is_presenter(const struct cls_follow *f, const char *name, const char *token)
{
    return !name[0] && strlen(token) == CLASS_TOKEN_LEN && mp__equal_ct(token, f->token, CLASS_TOKEN_LEN);
}

int follow_request(struct cls_follow *f, struct cls_board *b, int64_t op, const char *name, const char *token,
                   mp__dec *d, mp__buf *out)
{
    if (op == CLS_SHOW) {
        struct present_state s;
        int r = present_decode_show_args(d, &s);
        if (r == -EBADMSG) return r;
        if (r == 0 && !is_presenter(f, name, token)) r = -EPERM;
        if (r == 0 && (!f->shown || strcmp(s.lesson, f->now.lesson) || s.page != f->now.page ||
                       s.pages != f->now.pages)) {
            f->now = s;
            f->shown = true;
            f->seq++;
        }
        mp__enc_int(out, r);
        return 0;
    }
    if (!mp__dec_at_end(d)) return -EBADMSG;
    int64_t status = !board_member(b, name, token) ? -EPERM : !f->shown ? -ENOENT : 0;
    present_encode_follow_reply(out, status, &f->now, f->seq);
    return 0;
}
