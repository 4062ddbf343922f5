/*
 * grade.c — `forklab grade`, `forklab watch` and the grading calls the
 * viewer makes (grade.h).
 *
 * The grading itself is tests/exercises/grade.sh, the driver `make grade`
 * uses too: it builds, runs under a time limit, classifies and writes one
 * BUILD/grade/ID.result file per exercise. Here we only start it and read
 * those files back, so every front end reports the same verdicts.
 */
#include "grade.h"

#include "class.h"
#include "commands.h"
#include "paths.h"
#include "workspace.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static const char *const exercise_ids[] = {
    "01-spawn",         "02-lock-counter",  "03-shared-array",   "04-manager-dict", "05-pipe-pingpong",
    "06-queue-workers", "07-apply-timeout", "08-pool-sum",       "09-map-async-poll", "10-capstone",
    "11-fix-race",      "12-lock-order",    "13-mpi-ring",       "14-mpi-sum",
};
#define NEXERCISES (sizeof exercise_ids / sizeof exercise_ids[0])

size_t grade_exercise_count(void)
{
    return NEXERCISES;
}

const char *grade_exercise_id(size_t i)
{
    return i < NEXERCISES ? exercise_ids[i] : NULL;
}

const char *grade_find_exercise(const char *name)
{
    if (!name || !*name) return NULL;
    /* "exercises/06-queue-workers.c" names the same exercise */
    char base[64];
    const char *slash = strrchr(name, '/');
    snprintf(base, sizeof base, "%s", slash ? slash + 1 : name);
    size_t len = strlen(base);
    if (len > 2 && !strcmp(base + len - 2, ".c")) base[len - 2] = '\0';
    name = base;
    char *end;
    long num = strtol(name, &end, 10);
    bool numeric = end != name && *end == '\0';
    for (size_t i = 0; i < NEXERCISES; i++) {
        const char *id = exercise_ids[i], *dash = strchr(id, '-');
        if (!strcmp(name, id) || !strcmp(name, dash + 1)) return id;
        if (numeric && num == strtol(id, NULL, 10)) return id;
    }
    return NULL;
}

const char *grade_status_name(enum grade_status s)
{
    switch (s) {
    case GRADE_PASS: return "PASS";
    case GRADE_FAIL: return "FAIL";
    case GRADE_TIMEOUT: return "TIMEOUT";
    case GRADE_CRASH: return "CRASH";
    case GRADE_BUILD_ERROR: return "BUILD ERROR";
    case GRADE_ERROR: return "ERROR";
    case GRADE_NOT_RUN: break;
    }
    return "-";
}

static enum grade_status status_from_name(const char *s)
{
    for (int st = GRADE_PASS; st <= GRADE_ERROR; st++)
        if (!strcmp(s, grade_status_name((enum grade_status)st))) return (enum grade_status)st;
    return GRADE_NOT_RUN;
}

/* ------------------------------------------------------------ where things are */

static bool is_file(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 && S_ISREG(st.st_mode);
}

/* Where the tree and the build are: paths.h decides, for all of forklab. */
static const char *root_dir(void)
{
    return forklab_home();
}

static void build_dir(char *buf, size_t cap)
{
    snprintf(buf, cap, "%s", forklab_build_dir());
}

/* The learner's file: in a workspace made by `forklab init`, its
 * exercises/; else the tree's. */
static void exercise_file(const char *id, char *buf, size_t cap)
{
    if (ws_find(NULL, 0) != WS_INIT || ws_exercise_path(id, buf, cap) < 0)
        snprintf(buf, cap, "%s/exercises/%s.c", root_dir(), id);
}

static void result_path(const char *id, bool solutions, char *buf, size_t cap)
{
    char dir[PATH_MAX - 64];
    if (solutions || ws_find(NULL, 0) != WS_INIT || ws_grade_dir(dir, sizeof dir) < 0)
        snprintf(dir, sizeof dir, "%.*s/grade", PATH_MAX - 200, ws_build());
    snprintf(buf, cap, "%s%s/%s.result", dir, solutions ? "/solutions" : "", id);
}

/* BUILD/grade/logs/ID.log, or the solutions' or the workspace's, beside
 * the result file. */
static void log_path(const char *id, bool solutions, char *buf, size_t cap)
{
    char res[PATH_MAX];
    result_path(id, solutions, res, sizeof res);
    char *slash = strrchr(res, '/');
    if (slash) *slash = '\0';
    snprintf(buf, cap, "%.*s/logs/%s.log", PATH_MAX - 80, res, id);
}

/* ------------------------------------------------------------ progress */

long long grade_log_stamp(const char *id, bool solutions)
{
    const char *full = grade_find_exercise(id);
    char path[PATH_MAX];
    struct stat st;
    if (!full) return 0;
    log_path(full, solutions, path, sizeof path);
    if (stat(path, &st) != 0) return 0;
    return (long long)st.st_mtim.tv_sec * 1000000000LL + st.st_mtim.tv_nsec;
}

int grade_progress_read(const char *id, bool solutions, long long stamp, struct grade_progress *gp)
{
    const char *full = grade_find_exercise(id);
    if (!full || !gp) return -EINVAL;
    grade_progress_parse(gp, NULL, 0);
    /* written since the stamp: this grading's, not the last one's */
    if (grade_log_stamp(full, solutions) == stamp) return -EAGAIN;
    char path[PATH_MAX];
    log_path(full, solutions, path, sizeof path);
    FILE *f = fopen(path, "r");
    if (!f) return -ENOENT;
    /* A log is a few kB; the learner's code may print much more: the
     * checks' lines are spread all over, so read it all, in pieces. */
    size_t cap = 65536, len = 0;
    char *buf = malloc(cap);
    while (buf) {
        size_t n = fread(buf + len, 1, cap - len, f);
        len += n;
        if (len < cap || cap >= (8u << 20)) break;
        char *more = realloc(buf, cap * 2);
        if (!more) break;
        buf = more;
        cap *= 2;
    }
    fclose(f);
    if (!buf) return -ENOMEM;
    grade_progress_parse(gp, buf, len);
    free(buf);
    return 0;
}

/* ------------------------------------------------------------ hints */

const char *grade_hint(const char *id)
{
    static char hints[NEXERCISES][400];
    static bool loaded;
    if (!loaded) {
        loaded = true;
        char path[PATH_MAX], line[1024];
        snprintf(path, sizeof path, "%s/exercises/hints.txt", root_dir());
        FILE *f = fopen(path, "r");
        while (f && fgets(line, sizeof line, f)) {
            char *tab = strchr(line, '\t');
            if (!tab) continue;
            *tab = '\0';
            tab[1 + strcspn(tab + 1, "\n")] = '\0';
            for (size_t i = 0; i < NEXERCISES; i++)
                if (!strcmp(line, exercise_ids[i]) && !hints[i][0]) snprintf(hints[i], sizeof hints[i], "%s", tab + 1);
        }
        if (f) fclose(f);
    }
    for (size_t i = 0; id && i < NEXERCISES; i++)
        if (!strcmp(id, exercise_ids[i])) return hints[i];
    return "";
}

/* ------------------------------------------------------------ results */

static int read_result(const char *path, struct grade_result *out)
{
    FILE *f = fopen(path, "r");
    if (!f) return -ENOENT;
    memset(out, 0, sizeof *out);
    char line[1024];
    while (fgets(line, sizeof line, f)) {
        line[strcspn(line, "\n")] = '\0';
        char *eq = strchr(line, '=');
        if (!eq) continue;
        *eq = '\0';
        const char *k = line, *v = eq + 1;
        if (!strcmp(k, "id")) snprintf(out->id, sizeof out->id, "%s", v);
        else if (!strcmp(k, "status")) out->status = status_from_name(v);
        else if (!strcmp(k, "points")) out->points = atoi(v);
        else if (!strcmp(k, "max_points")) out->max_points = atoi(v);
        else if (!strcmp(k, "tested")) out->tested = atoi(v);
        else if (!strcmp(k, "passed")) out->passed = atoi(v);
        else if (!strcmp(k, "check")) snprintf(out->check, sizeof out->check, "%s", v);
        else if (!strcmp(k, "hint")) snprintf(out->hint, sizeof out->hint, "%s", v);
        else if (!strcmp(k, "contained")) out->contained = !strcmp(v, "1");
        else if (!strcmp(k, "sandbox")) snprintf(out->sandbox, sizeof out->sandbox, "%s", v);
    }
    fclose(f);
    return out->status == GRADE_NOT_RUN ? -ENOENT : 0;
}

int grade_last_result(const char *id, struct grade_result *out)
{
    const char *full = grade_find_exercise(id);
    if (!full || !out) return -EINVAL;
    char path[PATH_MAX];
    result_path(full, false, path, sizeof path);
    return read_result(path, out);
}

enum grade_status grade_last_status(const char *id)
{
    struct grade_result r;
    return grade_last_result(id, &r) == 0 ? r.status : GRADE_NOT_RUN;
}

/* ------------------------------------------------------------ running the driver */

/* Runs grade.sh with args; quiet sends its output to GRADE_DIR/driver.log
 * (the viewer's terminal belongs to curses). In a workspace made by
 * `forklab init` the driver takes the learner's files from it and writes
 * its results there (an installed build folder is read-only). The exit
 * status, or -errno. */
struct progress_watch;
static void watch_line(struct progress_watch *w, const char *line);
static void watch_tick(struct progress_watch *w);

/* The driver's stdout, line by line, through the watch (which prints each
 * check as it ends); returns at the end of the output. */
static void stream_driver(int fd, struct progress_watch *w)
{
    char buf[4096];
    size_t len = 0;
    for (;;) {
        struct pollfd pfd = {fd, POLLIN, 0};
        int r = poll(&pfd, 1, 100);
        if (r < 0 && errno != EINTR) break;
        if (r <= 0) {
            watch_tick(w);
            continue;
        }
        ssize_t n = read(fd, buf + len, sizeof buf - 1 - len);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) break;
        len += (size_t)n;
        buf[len] = '\0';
        char *start = buf, *nl;
        while ((nl = strchr(start, '\n'))) {
            *nl = '\0';
            watch_line(w, start);
            start = nl + 1;
        }
        len = strlen(start);
        memmove(buf, start, len + 1);
        if (len == sizeof buf - 1) { /* a line longer than the buffer: as it is */
            watch_line(w, buf);
            len = 0;
        }
    }
    if (len) watch_line(w, buf);
    watch_tick(w);
}

static int run_driver(char *const *args, size_t nargs, bool quiet, struct progress_watch *w)
{
    char build[1024], script[PATH_MAX], log[PATH_MAX + 16], wsdir[PATH_MAX], ex[PATH_MAX + 16], out[PATH_MAX];
    build_dir(build, sizeof build);
    snprintf(script, sizeof script, "%s/tests/exercises/grade.sh", root_dir());
    if (!is_file(script)) return -ENOENT;
    char *argv[48];
    size_t n = 0;
    argv[n++] = "bash";
    argv[n++] = script;
    bool solutions = false;
    for (size_t i = 0; i < nargs; i++) solutions |= !strcmp(args[i], "--solutions");
    snprintf(out, sizeof out, "%s/grade", build);
    if (!solutions && ws_find(wsdir, sizeof wsdir) == WS_INIT && ws_grade_dir(out, sizeof out) == 0) {
        snprintf(ex, sizeof ex, "%s/exercises", wsdir);
        argv[n++] = "--dir";
        argv[n++] = ex;
        argv[n++] = "--out";
        argv[n++] = out;
    }
    for (size_t i = 0; i < nargs && n < 47; i++) argv[n++] = args[i];
    argv[n] = NULL;
    if (quiet) {
        ws_mkdirs(out, 0755);
        snprintf(log, sizeof log, "%s/driver.log", out);
    }
    int pipefd[2] = {-1, -1};
    if (w && pipe2(pipefd, O_CLOEXEC) != 0) return -errno;
    fflush(NULL);
    pid_t pid = fork();
    if (pid < 0) {
        int e = errno;
        if (w) close(pipefd[0]), close(pipefd[1]);
        return -e;
    }
    if (pid == 0) {
        if (w) dup2(pipefd[1], 1); /* the table comes to us, to put the checks before each row */
        setenv("BUILD", build, 1);
        /* Run from inside a Criterion test (the viewer's suite), the
         * graders would take this for their own parent's sandbox map. */
        unsetenv("BXFI_MAP");
        /* The viewer may block or catch signals; the driver must see them
         * as a fresh shell would (its wait and its Ctrl-C clean-up). */
        const int sigs[] = {SIGINT, SIGTERM, SIGQUIT, SIGHUP, SIGCHLD, SIGPIPE, SIGWINCH};
        for (size_t i = 0; i < sizeof sigs / sizeof sigs[0]; i++) signal(sigs[i], SIG_DFL);
        sigset_t none;
        sigemptyset(&none);
        sigprocmask(SIG_SETMASK, &none, NULL);
        if (quiet) {
            int fd = open(log, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
            int null = open("/dev/null", O_RDONLY | O_CLOEXEC);
            if (fd >= 0) dup2(fd, 1), dup2(fd, 2);
            if (null >= 0) dup2(null, 0);
        }
        /* Nothing of the viewer's (the terminal, trace rings, an example's
         * pipes) stays open in the driver and the suites it starts. */
        if (close_range(3, ~0U, 0) != 0)
            for (int fd = 3; fd < 1024; fd++) close(fd);
        execvp("bash", argv);
        _exit(127);
    }
    if (w) {
        close(pipefd[1]);
        stream_driver(pipefd[0], w);
        close(pipefd[0]);
    }
    int status;
    while (waitpid(pid, &status, 0) < 0) {
        /* ECHILD: a SIGCHLD handler of the caller reaped it first; the
         * result files tell what happened. */
        if (errno == ECHILD) return 0;
        if (errno != EINTR) return -errno;
    }
    if (WIFSIGNALED(status)) return 128 + WTERMSIG(status);
    return WEXITSTATUS(status);
}

/* The driver's last "grade: ..." line in BUILD/grade/driver.log (why it
 * stopped), without the prefix; false when there is none. */
static bool driver_said(char *buf, size_t cap)
{
    char dir[PATH_MAX], path[PATH_MAX + 16], line[512];
    /* where run_driver put it: the workspace's results, else the build's */
    if (ws_find(NULL, 0) != WS_INIT || ws_grade_dir(dir, sizeof dir) < 0)
        snprintf(dir, sizeof dir, "%.*s/grade", PATH_MAX - 16, ws_build());
    snprintf(path, sizeof path, "%s/driver.log", dir);
    FILE *f = fopen(path, "r");
    bool found = false;
    while (f && fgets(line, sizeof line, f)) {
        if (strncmp(line, "grade: ", 7) != 0) continue;
        line[strcspn(line, "\n")] = '\0';
        snprintf(buf, cap, "%.*s", (int)cap - 1, line + 7);
        found = true;
    }
    if (f) fclose(f);
    return found;
}

int grade_exercise(const char *id, bool solutions, struct grade_result *out)
{
    const char *full = grade_find_exercise(id);
    if (!full || !out) return -EINVAL;
    char *args[4];
    size_t n = 0;
    args[n++] = "--quiet";
    if (solutions) args[n++] = "--solutions";
    args[n++] = (char *)full;
    char path[PATH_MAX];
    result_path(full, solutions, path, sizeof path);
    unlink(path); /* a stale result must not pass for a new one */
    int rc = run_driver(args, n, true, NULL);
    if (rc < 0) return rc;
    if (read_result(path, out) != 0) {
        memset(out, 0, sizeof *out);
        snprintf(out->id, sizeof out->id, "%s", full);
        out->status = GRADE_ERROR;
        char why[300];
        if (driver_said(why, sizeof why)) /* e.g. it refused to run uncontained */
            snprintf(out->check, sizeof out->check, "%.*s", (int)sizeof out->check - 1, why);
        else
            snprintf(out->check, sizeof out->check, "the grader did not run (exit %d); see driver.log beside the results", rc);
    } else {
        class_report(out); /* to the class board, when this learner joined one */
    }
    return (int)out->status;
}

/* ------------------------------------------------------------ forklab grade */

/* Sends the results this run wrote (newer than `since`) to the class
 * board, when this learner joined one. */
static void report_fresh(const char *const *ids, size_t nids, bool solutions, time_t since)
{
    for (size_t i = 0; i < (nids ? nids : NEXERCISES); i++) {
        const char *id = nids ? ids[i] : exercise_ids[i];
        char path[PATH_MAX];
        struct stat st;
        struct grade_result r;
        result_path(id, solutions, path, sizeof path);
        if (stat(path, &st) == 0 && st.st_mtime >= since && read_result(path, &r) == 0) class_report(&r);
    }
}

/* `forklab grade` prints each check as it ends, read from the exercise's
 * log while the driver runs, and all of an exercise's checks before the
 * driver's row for it (the row comes through us, so the order holds). */
struct progress_watch {
    bool solutions;
    const char *ids[NEXERCISES];
    long long stamp[NEXERCISES];  /* each log before the run (grade_log_stamp) */
    bool printed[NEXERCISES][GRADE_PROGRESS_MAX];
    bool done[NEXERCISES];        /* its row is out: nothing more to say */
    size_t n;
};

static void watch_print(struct progress_watch *w, size_t k)
{
    struct grade_progress gp;
    if (w->done[k] || grade_progress_read(w->ids[k], w->solutions, w->stamp[k], &gp) < 0) return;
    for (int i = 0; i < gp.n; i++) {
        if (gp.checks[i].state == GCHECK_RUNNING || w->printed[k][i]) continue;
        char line[160];
        grade_check_line(&gp, i, line, sizeof line);
        printf("%-18s %s\n", w->ids[k], line);
        w->printed[k][i] = true;
    }
    fflush(stdout);
}

static void watch_tick(struct progress_watch *w)
{
    for (size_t k = 0; k < w->n; k++) watch_print(w, k);
}

static void watch_line(struct progress_watch *w, const char *line)
{
    for (size_t k = 0; k < w->n; k++) {
        size_t len = strlen(w->ids[k]);
        if (strncmp(line, w->ids[k], len) != 0 || line[len] != ' ') continue;
        watch_print(w, k); /* the suite has ended: its log is complete */
        w->done[k] = true;
    }
    printf("%s\n", line);
    fflush(stdout);
}

/* An installed forklab grades only inside a workspace: its build folder is
 * read-only and holds no exercise to edit. */
static bool have_workspace(const char *cmd)
{
    if (!ws_installed() || ws_find(NULL, 0) != WS_NONE) return true;
    fprintf(stderr, "forklab %s: no workspace here: make one with `forklab init DIR`, then cd DIR\n", cmd);
    return false;
}

int cmd_grade(int argc, char **argv)
{
    char *args[40];
    const char *ids[40];
    size_t n = 0, nids = 0;
    bool solutions = false, elsewhere = false;
    time_t start = time(NULL);
    if (!have_workspace("grade")) return 1;
    for (int i = 0; i < argc && n < 30; i++) {
        if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help")) {
            printf("usage: forklab grade [--solutions] [--strict] [--dir DIR] [EXERCISE...]\n"
                   "  grade every exercise (or the ones named: 06, 6, 06-queue-workers, queue-workers)\n"
                   "  results go to BUILD/grade/results.json and junit.xml\n");
            return 0;
        }
        if ((!strcmp(argv[i], "--dir") || !strcmp(argv[i], "--out")) && i + 1 < argc) {
            args[n++] = argv[i++];
            args[n++] = argv[i];
            elsewhere = true; /* results outside the build: not reported */
            continue;
        }
        if (argv[i][0] == '-') {
            solutions |= !strcmp(argv[i], "--solutions");
            args[n++] = argv[i];
            continue;
        }
        const char *id = grade_find_exercise(argv[i]);
        if (!id) {
            fprintf(stderr, "forklab grade: no exercise '%s'\n", argv[i]);
            return 2;
        }
        args[n++] = (char *)id;
        ids[nids++] = id;
    }
    /* each check as it ends, unless the results go elsewhere */
    struct progress_watch w = {.solutions = solutions};
    for (size_t i = 0; i < (nids ? nids : NEXERCISES); i++) {
        w.ids[w.n] = nids ? ids[i] : exercise_ids[i];
        w.stamp[w.n] = grade_log_stamp(w.ids[w.n], solutions);
        w.n++;
    }
    int rc = run_driver(args, n, false, elsewhere ? NULL : &w);
    if (rc >= 0 && !elsewhere) report_fresh(ids, nids, solutions, start);
    if (rc == -ENOENT) {
        fprintf(stderr, "forklab grade: tests/exercises/grade.sh not found under %s (run from the source tree "
                        "or set FORKLAB_HOME)\n", root_dir());
        return 1;
    }
    return rc < 0 ? 1 : rc;
}

/* ------------------------------------------------------------ forklab watch */

static volatile sig_atomic_t stop_watching;

static void on_interrupt(int sig)
{
    (void)sig;
    stop_watching = 1;
}

static time_t source_mtime(const char *id, long *nsec)
{
    char path[PATH_MAX];
    exercise_file(id, path, sizeof path);
    struct stat st;
    if (stat(path, &st) != 0) return (time_t)-1;
    *nsec = st.st_mtim.tv_nsec;
    return st.st_mtime;
}

static void print_result(const struct grade_result *r)
{
    printf("%-18s %-12s %d/%d\n", r->id, grade_status_name(r->status), r->points, r->max_points);
    if (r->status != GRADE_PASS) {
        if (r->check[0]) printf("  failing check: %s\n", r->check);
        if (r->hint[0]) printf("  hint: %s\n", r->hint);
    }
    if (!r->contained && r->sandbox[0]) printf("  %s\n", r->sandbox);
    fflush(stdout);
}

/* The first exercise from index start that has not passed; NEXERCISES if none. */
static size_t next_unsolved(size_t start)
{
    for (size_t i = start; i < NEXERCISES; i++)
        if (grade_last_status(exercise_ids[i]) != GRADE_PASS) return i;
    return NEXERCISES;
}

static int watch_loop(size_t cur);

int cmd_watch(int argc, char **argv)
{
    size_t cur = 0;
    if (!have_workspace("watch")) return 1;
    if (argc > 0) {
        const char *id = grade_find_exercise(argv[0]);
        if (!id) {
            fprintf(stderr, "usage: forklab watch [EXERCISE]  (no exercise '%s')\n", argv[0]);
            return 2;
        }
        while (strcmp(exercise_ids[cur], id) != 0) cur++;
    } else {
        cur = next_unsolved(0);
        if (cur == NEXERCISES) cur = 0;
    }
    struct sigaction sa = {.sa_handler = on_interrupt};
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    class_agent_start(); /* results the board missed go again while we watch */
    int rc = watch_loop(cur);
    class_agent_stop();
    return rc;
}

static int watch_loop(size_t cur)
{
    while (!stop_watching && cur < NEXERCISES) {
        const char *id = exercise_ids[cur];
        printf("\n== grading exercises/%s.c ...\n", id);
        fflush(stdout);
        struct grade_result r;
        int rc = grade_exercise(id, false, &r);
        if (stop_watching) break;
        if (rc < 0) {
            fprintf(stderr, "forklab watch: cannot grade %s: %s\n", id, strerror(-rc));
            return 1;
        }
        print_result(&r);
        if (r.status == GRADE_PASS) {
            size_t next = next_unsolved(cur + 1);
            if (next == NEXERCISES) next = next_unsolved(0);
            if (next == NEXERCISES) {
                printf("\nEvery exercise passes. Well done!\n");
                return 0;
            }
            cur = next;
            printf("on to %s\n", exercise_ids[cur]);
            continue;
        }
        printf("watching exercises/%s.c: save it to grade again (Ctrl-C to stop)\n", id);
        fflush(stdout);
        long ns0 = 0, ns = 0;
        time_t t0 = source_mtime(id, &ns0);
        while (!stop_watching) {
            struct timespec half = {0, 500000000L};
            nanosleep(&half, NULL);
            time_t t = source_mtime(id, &ns);
            if (t != t0 || ns != ns0) break;
        }
    }
    printf("\nstopped watching\n");
    return 0;
}
