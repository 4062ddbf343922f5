/* class_client.c — the student's side: `forklab class join|leave|sync`,
 * and class_report(), called where a grade result is read back.
 *
 * The student's state is STATE/forklab/class/ (STATE = $XDG_STATE_HOME,
 * else ~/.local/state), mode 0700:
 *   joined   server=HOST:PORT, name=, token= (the identity issued at join),
 *            key= (hex of the class key)                              0600
 *   outbox   results not yet acknowledged by the board, one a line:
 *            exercise TAB points TAB max TAB status TAB unix-time
 * A result is appended to the outbox first, then the outbox is sent and
 * emptied only as far as the board acknowledged it, so an absent server
 * loses nothing: the next grade or `forklab class sync` sends it. */
#include "class.h"

#include "frame.h"
#include "grade.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

struct joined {
    char server[300];
    char name[CLASS_TEXT_MAX + 1];
    char token[CLASS_TEXT_MAX + 1];
    uint8_t key[CLASS_KEY_MAX];
    size_t keylen;
};

/* STATE/forklab/class; made (0700) only when create: looking whether a
 * learner joined a class, as every viewer start does, leaves no trace. */
static int state_dir(char *buf, size_t cap, bool create)
{
    const char *st = getenv("XDG_STATE_HOME"), *home = getenv("HOME");
    char base[4096];
    if (st && *st) snprintf(base, sizeof base, "%s", st);
    else if (home && *home) snprintf(base, sizeof base, "%s/.local/state", home);
    else return -ENOENT;
    char forklab[4200];
    snprintf(forklab, sizeof forklab, "%s/forklab", base);
    int n = snprintf(buf, cap, "%s/class", forklab);
    if (n < 0 || (size_t)n >= cap) return -ENAMETOOLONG;
    if (!create) return 0;
    mkdir(base, 0700);
    mkdir(forklab, 0700);
    if (mkdir(buf, 0700) < 0 && errno != EEXIST) return -errno;
    return 0;
}

/* A file of the class state; the directory is made when create. */
static int state_path(const char *name, char *buf, size_t cap, bool create)
{
    char dir[4300];
    int r = state_dir(dir, sizeof dir, create);
    if (r < 0) return r;
    return snprintf(buf, cap, "%s/%s", dir, name) >= (int)cap ? -ENAMETOOLONG : 0;
}

static int state_file(const char *name, char *buf, size_t cap)
{
    return state_path(name, buf, cap, true);
}

static int hexval(int c)
{
    return c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

/* 0 | -ENOENT (not in a class) | -EINVAL (damaged) */
static int load_joined(struct joined *j)
{
    char path[4400], line[1024];
    memset(j, 0, sizeof *j);
    if (state_path("joined", path, sizeof path, false) < 0) return -ENOENT;
    FILE *f = fopen(path, "r");
    if (!f) return -ENOENT;
    while (fgets(line, sizeof line, f)) {
        line[strcspn(line, "\n")] = '\0';
        char *v = strchr(line, '=');
        if (!v) continue;
        *v++ = '\0';
        if (!strcmp(line, "server")) snprintf(j->server, sizeof j->server, "%s", v);
        else if (!strcmp(line, "name")) snprintf(j->name, sizeof j->name, "%s", v);
        else if (!strcmp(line, "token")) snprintf(j->token, sizeof j->token, "%s", v);
        else if (!strcmp(line, "key")) {
            size_t n = strlen(v) / 2;
            if (n > CLASS_KEY_MAX) n = 0;
            for (size_t i = 0; i < n; i++) {
                int hi = hexval(v[2 * i]), lo = hexval(v[2 * i + 1]);
                if (hi < 0 || lo < 0) n = 0;
                else j->key[i] = (uint8_t)(hi << 4 | lo);
            }
            j->keylen = n;
        }
    }
    fclose(f);
    return j->server[0] && j->name[0] && j->token[0] && j->keylen ? 0 : -EINVAL;
}

static int save_joined(const struct joined *j)
{
    char path[4400], tmp[4500];
    int r = state_file("joined", path, sizeof path);
    if (r < 0) return r;
    snprintf(tmp, sizeof tmp, "%s.new", path);
    int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd < 0) return -errno;
    FILE *f = fdopen(fd, "w");
    if (!f) {
        close(fd);
        return -ENOMEM;
    }
    fprintf(f, "server=%s\nname=%s\ntoken=%s\nkey=", j->server, j->name, j->token);
    for (size_t i = 0; i < j->keylen; i++) fprintf(f, "%02x", j->key[i]);
    fputc('\n', f);
    bool ok = fflush(f) == 0 && fsync(fd) == 0;
    if (fclose(f) != 0 || !ok || rename(tmp, path) != 0) {
        unlink(tmp);
        return -EIO;
    }
    return 0;
}

static void enc_text(mp__buf *b, const char *s)
{
    mp__enc_str(b, s, strlen(s));
}

/* Sends each outbox line; keeps the ones not acknowledged. Called with the
 * outbox locked. Number left | -errno */
static int send_outbox(const struct joined *j, FILE *box, const char *path, bool verbose)
{
    char line[512];
    char (*left)[512] = NULL;
    size_t nleft = 0, cap = 0;
    int fd = -1, err = 0, sent = 0;
    rewind(box);
    while (fgets(line, sizeof line, box)) {
        line[strcspn(line, "\n")] = '\0';
        char ex[64], status[64];
        int pts, max;
        long long at;
        if (sscanf(line, "%63[^\t]\t%d\t%d\t%63[^\t]\t%lld", ex, &pts, &max, status, &at) != 5) continue;
        int64_t st = -1;
        if (!err && fd < 0 && (fd = class_connect(j->server, j->key, j->keylen)) < 0) err = fd;
        if (!err) {
            mp__buf b = {0};
            mp__enc_int(&b, CLS_RESULT);
            enc_text(&b, j->name);
            enc_text(&b, j->token);
            enc_text(&b, ex);
            mp__enc_int(&b, pts);
            mp__enc_int(&b, max);
            enc_text(&b, status);
            mp__enc_int(&b, at);
            err = b.oom ? -ENOMEM : class_call(fd, b.data, b.len, &st, NULL);
            mp__buf_free(&b);
            if (!err && st < 0) err = (int)st; /* refused: keep it, say why */
        }
        if (!err) {
            sent++;
            continue;
        }
        if (nleft == cap) {
            cap = cap ? cap * 2 : 16;
            void *p = realloc(left, cap * sizeof *left);
            if (!p) break;
            left = p;
        }
        snprintf(left[nleft++], sizeof *left, "%s", line);
    }
    if (fd >= 0) close(fd);
    /* Rewrite what is left (in place: the lock is on this file). */
    FILE *w = fopen(path, "r+");
    if (w) {
        for (size_t i = 0; i < nleft; i++) fprintf(w, "%s\n", left[i]);
        fflush(w);
        if (ftruncate(fileno(w), ftell(w)) < 0) err = err ? err : -errno;
        fclose(w);
    }
    free(left);
    if (verbose && sent) printf("sent %d result%s to the class board\n", sent, sent == 1 ? "" : "s");
    if (verbose && err) fprintf(stderr, "forklab class: %zu result%s still queued: %s\n", nleft, nleft == 1 ? "" : "s",
                                err == -EACCES ? "the class key was refused" : strerror(-err));
    return err && !nleft ? err : (int)nleft;
}

int class_flush(bool verbose)
{
    struct joined j;
    int r = load_joined(&j);
    if (r < 0) return r;
    char path[4400];
    if ((r = state_file("outbox", path, sizeof path)) < 0) return r;
    int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    if (fd < 0) return -errno;
    flock(fd, LOCK_EX); /* one sender at a time: a result is sent once */
    FILE *box = fdopen(fd, "r");
    if (!box) {
        close(fd);
        return -ENOMEM;
    }
    r = send_outbox(&j, box, path, verbose);
    fclose(box);
    return r;
}

int class_send_where(const char *lesson, int slide)
{
    struct joined j;
    int r = load_joined(&j);
    if (r < 0) return r;
    int fd = class_connect(j.server, j.key, j.keylen);
    if (fd < 0) return fd;
    char l[CLASS_TEXT_MAX + 1];
    class_clean(l, sizeof l, lesson, strlen(lesson));
    mp__buf b = {0};
    mp__enc_int(&b, CLS_WHERE);
    enc_text(&b, j.name);
    enc_text(&b, j.token);
    enc_text(&b, l);
    mp__enc_int(&b, slide);
    mp__enc_int(&b, (int64_t)time(NULL));
    int64_t st = 0;
    r = b.oom ? -ENOMEM : class_call(fd, b.data, b.len, &st, NULL);
    mp__buf_free(&b);
    close(fd);
    return r < 0 ? r : (int)st;
}

bool class_outbox_pending(void)
{
    char path[4400];
    struct stat st;
    return state_path("outbox", path, sizeof path, false) == 0 && stat(path, &st) == 0 && st.st_size > 0;
}

bool class_joined(void)
{
    struct joined j;
    return load_joined(&j) == 0;
}

void class_report(const struct grade_result *r)
{
    struct joined j;
    char path[4400], ex[CLASS_TEXT_MAX + 1], st[CLASS_TEXT_MAX + 1];
    if (!r || load_joined(&j) < 0 || state_file("outbox", path, sizeof path) < 0) return;
    const char *name = grade_status_name(r->status);
    class_clean(ex, sizeof ex, r->id, strlen(r->id));
    class_clean(st, sizeof st, name, strlen(name));
    int fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
    if (fd < 0) return;
    flock(fd, LOCK_EX);
    dprintf(fd, "%s\t%d\t%d\t%s\t%lld\n", ex, r->points, r->max_points, st, (long long)time(NULL));
    close(fd);
    class_flush(false);
}

/* ---- the commands */

/* The join code, typed: at a terminal without echo (it is the class's
 * secret, not for the screen behind the student), else one line of
 * standard input (a script pipes it). Never from the command line, where
 * every user of the machine could read it in the process list.
 * 0 | -EINVAL (nothing given) */
static int ask_code(uint8_t *key, size_t *len)
{
    char line[CLASS_KEY_MAX + 2];
    struct termios old, quiet;
    bool tty = isatty(0) && tcgetattr(0, &old) == 0;
    if (tty) {
        fprintf(stderr, "join code (as `forklab class serve` printed it): ");
        quiet = old;
        quiet.c_lflag &= ~(tcflag_t)ECHO;
        tcsetattr(0, TCSAFLUSH, &quiet);
    }
    bool got = fgets(line, sizeof line, stdin) != NULL;
    if (tty) {
        tcsetattr(0, TCSAFLUSH, &old);
        fputc('\n', stderr);
    }
    return got ? class_key_from_text(line, strlen(line), key, len) : -EINVAL;
}

static int join(int argc, char **argv)
{
    const char *server = NULL, *name = NULL, *keyfile = NULL;
    for (int i = 0; i < argc; i++) {
        bool more = i + 1 < argc;
        if (!strcmp(argv[i], "--name") && more) name = argv[++i];
        else if (!strcmp(argv[i], "--key-file") && more) keyfile = argv[++i];
        else if (argv[i][0] != '-' && !server) server = argv[i];
        else server = NULL, i = argc;
    }
    if (!server || !name) {
        fprintf(stderr, "usage: forklab class join HOST:PORT --name NAME [--key-file F]\n");
        return 2;
    }
    struct joined j = {0}, old;
    snprintf(j.server, sizeof j.server, "%s", server);
    class_clean(j.name, sizeof j.name, name, strlen(name));
    int r = keyfile ? class_read_key(keyfile, j.key, &j.keylen) : ask_code(j.key, &j.keylen);
    if (r < 0) {
        if (keyfile) fprintf(stderr, "forklab class join: key file %s: %s\n", keyfile, strerror(-r));
        else fprintf(stderr, "forklab class join: no join code given (the code `forklab class serve` printed)\n");
        return 1;
    }
    /* Joining again from the same state keeps the identity. */
    if (load_joined(&old) == 0 && !strcmp(old.name, j.name) && !strcmp(old.server, j.server))
        snprintf(j.token, sizeof j.token, "%s", old.token);
    int fd = class_connect(server, j.key, j.keylen);
    if (fd < 0) {
        fprintf(stderr, "forklab class join: %s: %s\n", server,
                fd == -EACCES ? "the class key was refused" : strerror(-fd));
        return 1;
    }
    mp__buf b = {0};
    mp__enc_int(&b, CLS_JOIN);
    enc_text(&b, j.name);
    enc_text(&b, j.token);
    int64_t st = 0;
    char got[2][CLASS_TEXT_MAX + 1] = {"", ""};
    r = b.oom ? -ENOMEM : class_call(fd, b.data, b.len, &st, got);
    mp__buf_free(&b);
    close(fd);
    if (r == 0 && st < 0) r = (int)st;
    if (r == 0 && strlen(got[1]) != CLASS_TOKEN_LEN) r = -EPROTO;
    if (r < 0) {
        fprintf(stderr, "forklab class join: %s\n",
                r == -EEXIST ? "that name is taken in this class: choose another" : strerror(-r));
        return 1;
    }
    snprintf(j.token, sizeof j.token, "%s", got[1]);
    if ((r = save_joined(&j)) < 0) {
        fprintf(stderr, "forklab class join: cannot save the class in your state: %s\n", strerror(-r));
        return 1;
    }
    printf("joined the class at %s as %s\n", j.server, j.name);
    class_flush(true);
    return 0;
}

static int leave(void)
{
    char path[4400];
    if (state_file("joined", path, sizeof path) < 0 || unlink(path) < 0) {
        fprintf(stderr, "forklab class leave: not in a class\n");
        return 1;
    }
    if (state_file("outbox", path, sizeof path) == 0) unlink(path);
    printf("left the class\n");
    return 0;
}

static int sync_cmd(void)
{
    int r = class_flush(true);
    if (r == -ENOENT) fprintf(stderr, "forklab class sync: not in a class (forklab class join)\n");
    return r == 0 ? 0 : 1;
}

int cmd_class(int argc, char **argv, int (*board_ui)(const struct class_board_ui *))
{
    const char *sub = argc > 0 ? argv[0] : "";
    if (!strcmp(sub, "serve")) return class_serve(argc - 1, argv + 1, board_ui);
    if (!strcmp(sub, "join")) return join(argc - 1, argv + 1);
    if (!strcmp(sub, "leave")) return leave();
    if (!strcmp(sub, "sync")) return sync_cmd();
    if (!strcmp(sub, "export")) return class_export(argc - 1, argv + 1);
    fprintf(stderr, "usage: forklab class serve [--listen HOST:PORT] [--key-file F] [--headless] [--state DIR]\n"
                    "       forklab class join HOST:PORT --name NAME [--key-file F]   (no file: type the join code)\n"
                    "       forklab class leave | sync\n"
                    "       forklab class export FILE.csv|FILE.json [--state DIR]\n");
    return 2;
}

int class_joined_identity(char *server, size_t scap, char name[CLASS_TEXT_MAX + 1], char token[CLASS_TEXT_MAX + 1],
                          uint8_t key[CLASS_KEY_MAX], size_t *keylen)
{
    struct joined j;
    int r = load_joined(&j);
    if (r < 0) return r;
    snprintf(server, scap, "%s", j.server);
    memcpy(name, j.name, sizeof j.name);
    memcpy(token, j.token, sizeof j.token);
    memcpy(key, j.key, j.keylen);
    *keylen = j.keylen;
    return 0;
}
