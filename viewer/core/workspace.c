/*
 * workspace.c — home, build and workspace folders (workspace.h).
 *
 * Everything is found from the running binary (/proc/self/exe), never from
 * a path compiled in, so the same forklab works from its build folder, from
 * any install prefix and after the tree or the prefix is moved:
 *
 *   ROOT/BUILD/forklab      -> home ROOT (it has lessons/), build ROOT/BUILD
 *   PREFIX/bin/forklab      -> home PREFIX/share/forklab, build PREFIX/libexec/forklab
 */
#include "workspace.h"

#include "paths.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#define WS_MARKER ".forklab/workspace"

static int fmt(char *buf, size_t cap, const char *f, const char *a, const char *b)
{
    int n = snprintf(buf, cap, f, a, b ? b : "");
    return n < 0 || (size_t)n >= cap ? -ENAMETOOLONG : 0;
}

static bool is_dir(const char *p)
{
    struct stat st;
    return stat(p, &st) == 0 && S_ISDIR(st.st_mode);
}

static bool is_file(const char *p)
{
    struct stat st;
    return stat(p, &st) == 0 && S_ISREG(st.st_mode);
}

/* The tree and the build: paths.c decides, for all of forklab. */
const char *ws_home(void)
{
    return forklab_home();
}

const char *ws_build(void)
{
    return forklab_build_dir();
}

bool ws_installed(void)
{
    return forklab_installed();
}

/* ------------------------------------------------------------ the workspace */

/* The nearest folder at or above the current one with the marker. */
static bool find_marked(char *dir, size_t cap)
{
    char cur[PATH_MAX], probe[PATH_MAX + 32];
    if (!getcwd(cur, sizeof cur)) return false;
    for (;;) {
        snprintf(probe, sizeof probe, "%s/" WS_MARKER, strcmp(cur, "/") ? cur : "");
        if (is_file(probe)) {
            if (dir && fmt(dir, cap, "%s%s", cur, NULL) < 0) return false;
            return true;
        }
        char *slash = strrchr(cur, '/');
        if (!slash || !strcmp(cur, "/")) return false;
        if (slash == cur) slash[1] = '\0';
        else *slash = '\0';
    }
}

enum ws_kind ws_find(char *dir, size_t cap)
{
    if (find_marked(dir, cap)) return WS_INIT;
    if (ws_installed()) return WS_NONE;
    char probe[PATH_MAX + 32];
    snprintf(probe, sizeof probe, "%s/exercises", ws_home());
    if (!is_dir(probe)) return WS_NONE;
    if (dir && fmt(dir, cap, "%s%s", ws_home(), NULL) < 0) return WS_NONE;
    return WS_TREE;
}

int ws_exercise_path(const char *id, char *buf, size_t cap)
{
    char dir[PATH_MAX];
    if (!id || !id[0] || strchr(id, '/')) return -EINVAL;
    if (ws_find(dir, sizeof dir) == WS_NONE) return -ENOENT;
    int n = snprintf(buf, cap, "%s/exercises/%s.c", dir, id);
    return n < 0 || (size_t)n >= cap ? -ENAMETOOLONG : 0;
}

int ws_grade_dir(char *buf, size_t cap)
{
    char dir[PATH_MAX];
    switch (ws_find(dir, sizeof dir)) {
    case WS_TREE: return fmt(buf, cap, "%s/grade%s", ws_build(), NULL);
    case WS_INIT: return fmt(buf, cap, "%s/.forklab/grade%s", dir, NULL);
    case WS_NONE: break;
    }
    return -ENOENT;
}

int ws_state_dir(char *buf, size_t cap)
{
    const char *env = getenv("FORKLAB_STATE");
    if (env && env[0]) return fmt(buf, cap, "%s%s", env, NULL);
    char dir[PATH_MAX];
    if (ws_find(dir, sizeof dir) != WS_NONE) return fmt(buf, cap, "%s/.forklab%s", dir, NULL);
    const char *state = getenv("XDG_STATE_HOME");
    if (state && state[0]) return fmt(buf, cap, "%s/forklab%s", state, NULL);
    const char *home = getenv("HOME");
    if (!home || !home[0]) return -ENOENT;
    return fmt(buf, cap, "%s/.local/state/forklab%s", home, NULL);
}

/* ------------------------------------------------------------ files */

static int read_all(int fd, char **text, size_t *len)
{
    size_t cap = 8192, n = 0;
    char *buf = malloc(cap);
    if (!buf) return -ENOMEM;
    for (;;) {
        if (n + 1 >= cap) {
            if (cap >= (1u << 24)) break; /* a stub is small: stop at 16 MiB */
            char *nb = realloc(buf, cap * 2);
            if (!nb) {
                free(buf);
                return -ENOMEM;
            }
            buf = nb;
            cap *= 2;
        }
        ssize_t got = read(fd, buf + n, cap - n - 1);
        if (got < 0 && errno == EINTR) continue;
        if (got <= 0) break;
        n += (size_t)got;
    }
    buf[n] = '\0';
    *text = buf;
    if (len) *len = n;
    return 0;
}

static int read_file(const char *path, char **text, size_t *len)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) return -errno;
    int rc = read_all(fd, text, len);
    close(fd);
    return rc;
}

/* `git -C home show HEAD:exercises/ID.c`: the committed stub, when the tree
 * is a git checkout (the learner edits the tree's own copy). */
static int git_stub(const char *home, const char *id, char **text, size_t *len)
{
    char spec[256];
    if (fmt(spec, sizeof spec, "HEAD:exercises/%s.c%s", id, NULL) < 0) return -ENAMETOOLONG;
    int p[2];
    if (pipe2(p, O_CLOEXEC) < 0) return -errno;
    fflush(NULL);
    pid_t pid = fork();
    if (pid < 0) {
        int e = errno;
        close(p[0]);
        close(p[1]);
        return -e;
    }
    if (pid == 0) {
        int null = open("/dev/null", O_RDWR);
        dup2(p[1], 1);
        if (null >= 0) dup2(null, 2), dup2(null, 0);
        execlp("git", "git", "-C", home, "show", spec, (char *)NULL);
        _exit(127);
    }
    close(p[1]);
    char *out = NULL;
    size_t n = 0;
    int rc = read_all(p[0], &out, &n);
    close(p[0]);
    int st;
    while (waitpid(pid, &st, 0) < 0 && errno == EINTR) {}
    if (rc == 0 && (!WIFEXITED(st) || WEXITSTATUS(st) != 0 || n == 0)) rc = -ENOENT;
    if (rc < 0) {
        free(out);
        return rc;
    }
    *text = out;
    if (len) *len = n;
    return 0;
}

int ws_stub_text(const char *id, bool tree_copy, char **text, size_t *len)
{
    if (!id || !id[0] || strchr(id, '/') || !text) return -EINVAL;
    char path[PATH_MAX];
    if (fmt(path, sizeof path, "%s/exercises/%s.c", ws_home(), id) < 0) return -ENAMETOOLONG;
    if (!ws_installed()) {
        if (git_stub(ws_home(), id, text, len) == 0) return 0;
        if (!tree_copy) return -ENOENT;
    }
    return read_file(path, text, len);
}

int ws_mkdirs(const char *dir, unsigned mode)
{
    char d[PATH_MAX];
    if (fmt(d, sizeof d, "%s%s", dir, NULL) < 0) return -ENAMETOOLONG;
    for (char *p = d + 1; *p; p++) {
        if (*p != '/') continue;
        *p = '\0';
        if (mkdir(d, mode) < 0 && errno != EEXIST) return -errno;
        *p = '/';
    }
    if (mkdir(d, mode) < 0 && errno != EEXIST) return -errno;
    return is_dir(d) ? 0 : -ENOTDIR;
}

int ws_write_file(const char *path, const char *data, size_t len)
{
    char tmp[PATH_MAX + 32];
    snprintf(tmp, sizeof tmp, "%s.%d.tmp", path, (int)getpid());
    int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0) return -errno;
    size_t done = 0;
    while (done < len) {
        ssize_t w = write(fd, data + done, len - done);
        if (w < 0 && errno == EINTR) continue;
        if (w <= 0) {
            int e = w < 0 ? errno : EIO;
            close(fd);
            unlink(tmp);
            return -e;
        }
        done += (size_t)w;
    }
    /* rename only a complete file: a crash never leaves half of one */
    if (close(fd) < 0 || rename(tmp, path) < 0) {
        int e = errno;
        unlink(tmp);
        return -e;
    }
    return 0;
}

/* ------------------------------------------------------------ forklab init */

static const char readme[] =
    "# My forklab workspace\n"
    "\n"
    "Edit the exercises in exercises/ (one C file each; the task is at the\n"
    "top of the file). Run these from this folder or any folder below it:\n"
    "\n"
    "    forklab                 the lessons (g in a lesson grades its exercise)\n"
    "    forklab grade 01        grade exercise 01 (no number: all of them)\n"
    "    forklab watch           re-grade the current exercise on every save\n"
    "    forklab hint 01         the next hint for exercise 01, one step at a time\n"
    "    forklab progress        quiz scores, exercise points, last grade time\n"
    "    forklab reset 01        put back the original exercise (yours is kept as a backup)\n"
    "\n"
    "Your progress and grade results are kept in .forklab/ here, and belong\n"
    "to this workspace only.\n";

/* Exercise stubs are the numbered C files of HOME/exercises. */
static bool is_stub_name(const char *n)
{
    size_t len = strlen(n);
    return n[0] >= '0' && n[0] <= '9' && len > 2 && !strcmp(n + len - 2, ".c");
}

static int copy_stubs(const char *dir, char *what, size_t cap)
{
    char src[PATH_MAX];
    if (fmt(src, sizeof src, "%s/exercises%s", ws_home(), NULL) < 0) return -ENAMETOOLONG;
    DIR *d = opendir(src);
    if (!d) {
        fmt(what, cap, "%s%s", src, NULL);
        return -errno;
    }
    int rc = 0, copied = 0;
    for (struct dirent *e; rc == 0 && (e = readdir(d));) {
        size_t nl = strlen(e->d_name);
        bool header = nl > 2 && !strcmp(e->d_name + nl - 2, ".h"); /* exercise.h, mpi_exercise.h */
        if (!header && !is_stub_name(e->d_name)) continue;
        char id[256], dst[PATH_MAX], *text = NULL;
        size_t len = 0;
        snprintf(id, sizeof id, "%.*s", (int)strlen(e->d_name) - 2, e->d_name);
        if (header) {
            char p[PATH_MAX + 16];
            snprintf(p, sizeof p, "%s/%s", src, e->d_name);
            rc = read_file(p, &text, &len);
        } else {
            rc = ws_stub_text(id, true, &text, &len);
        }
        if (rc == 0 && (rc = fmt(dst, sizeof dst, "%s/exercises/%s", dir, e->d_name)) == 0)
            rc = ws_write_file(dst, text, len);
        if (rc < 0) fmt(what, cap, "%s/exercises/%s", dir, e->d_name);
        else copied += !header;
        free(text);
    }
    closedir(d);
    if (rc == 0 && copied == 0) {
        fmt(what, cap, "%s%s", src, NULL);
        return -ENOENT;
    }
    return rc;
}

int ws_init(const char *dir, char *what, size_t cap)
{
    char p[PATH_MAX + 64];
    if (!dir || !dir[0] || !what || !cap) return -EINVAL;
    what[0] = '\0';
    fmt(what, cap, "%s%s", dir, NULL);
    /* Never overwrite a learner's work: an existing workspace or exercise. */
    snprintf(p, sizeof p, "%s/" WS_MARKER, dir);
    if (is_file(p)) {
        fmt(what, cap, "%s%s", p, NULL);
        return -EEXIST;
    }
    snprintf(p, sizeof p, "%s/exercises", dir);
    DIR *d = opendir(p);
    if (d) {
        for (struct dirent *e; (e = readdir(d));)
            if (is_stub_name(e->d_name)) {
                closedir(d);
                snprintf(p, sizeof p, "%s/exercises/%s", dir, e->d_name);
                fmt(what, cap, "%s%s", p, NULL);
                return -EEXIST;
            }
        closedir(d);
    }
    int rc = ws_mkdirs(p, 0755);
    if (rc < 0) return rc;
    snprintf(p, sizeof p, "%s/.forklab", dir);
    if ((rc = ws_mkdirs(p, 0755)) < 0) return rc;
    if ((rc = copy_stubs(dir, what, cap)) < 0) return rc;
    snprintf(p, sizeof p, "%s/README.md", dir);
    if (!is_file(p) && (rc = ws_write_file(p, readme, sizeof readme - 1)) < 0) return rc;
    /* The marker last: a half-made folder is not taken for a workspace. */
    char marker[PATH_MAX + 64];
    int n = snprintf(marker, sizeof marker, "forklab workspace 1\nhome=%s\n", ws_home());
    if (n < 0 || (size_t)n >= sizeof marker) return -ENAMETOOLONG;
    snprintf(p, sizeof p, "%s/" WS_MARKER, dir);
    return ws_write_file(p, marker, (size_t)n);
}
