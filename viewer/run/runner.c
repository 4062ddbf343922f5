/*
 * runner.c — run one example with the trace channel (runner.h).
 *
 * The child is exec'd in its own process group with MP_TRACE_FD naming the
 * ring's memfd (close-on-exec cleared in the child only), stdin from
 * /dev/null (the terminal belongs to the viewer), stdout/stderr into pipes.
 * An exec failure comes back over a close-on-exec pipe as an errno.
 *
 * Nothing may survive a run: forklab becomes a child subreaper so orphaned
 * grandchildren are ours to reap, every started group is remembered so a
 * SIGINT/SIGTERM/SIGHUP of forklab kills it, and runner_finish() kills and
 * reaps the group whatever happened before.
 */
#include "runner.h"

#include "catalogue.h"
#include "lesson.h"
#include "paths.h"
#include "mpi_launch.h"

#include <mp.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define FINAL_DRAIN_NS 1300000000ull /* the ring skips a dead writer's slot after 1 s */

static uint64_t now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/* ------------------------------------------------------------ group registry
 * The groups still running, for the signal handler. Plain ints written
 * before the handler can see them; the handler only calls killpg. */
#define MAX_GROUPS 16
static volatile sig_atomic_t live_groups[MAX_GROUPS];
static const int fatal_sigs[] = {SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGPIPE};
#define NFATAL (sizeof fatal_sigs / sizeof fatal_sigs[0])
static struct sigaction old_actions[NFATAL]; /* chained: the UI restores the terminal */

static void on_fatal_signal(int sig)
{
    for (int i = 0; i < MAX_GROUPS; i++)
        if (live_groups[i] > 0) killpg((pid_t)live_groups[i], SIGKILL);
    for (size_t i = 0; i < NFATAL; i++) {
        if (fatal_sigs[i] != sig) continue;
        void (*prev)(int) = old_actions[i].sa_handler;
        bool siginfo = old_actions[i].sa_flags & SA_SIGINFO;
        if (!siginfo && prev != SIG_DFL && prev != SIG_IGN && prev) {
            prev(sig); /* whoever was there first still gets its signal */
            return;
        }
    }
    signal(sig, SIG_DFL);
    raise(sig);
}

static void groups_add(pid_t pg)
{
    static bool handlers;
    for (int i = 0; i < MAX_GROUPS; i++) {
        if (live_groups[i] == 0) {
            live_groups[i] = pg;
            break;
        }
    }
    if (handlers) return;
    handlers = true;
    for (size_t i = 0; i < NFATAL; i++) {
        sigaction(fatal_sigs[i], NULL, &old_actions[i]);
        if (old_actions[i].sa_handler == SIG_IGN) continue; /* respect nohup, ignored SIGPIPE */
        struct sigaction sa = {.sa_handler = on_fatal_signal};
        sigemptyset(&sa.sa_mask);
        sigaction(fatal_sigs[i], &sa, NULL);
    }
}

static void groups_remove(pid_t pg)
{
    for (int i = 0; i < MAX_GROUPS; i++)
        if (live_groups[i] == pg) live_groups[i] = 0;
}

/* ------------------------------------------------------------ resolving */

static bool is_executable(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 && S_ISREG(st.st_mode) && access(path, X_OK) == 0;
}

static int copy_path(char *dst, size_t cap, const char *src)
{
    int n = snprintf(dst, cap, "%s", src);
    return n < 0 || (size_t)n >= cap ? -ENAMETOOLONG : 0;
}

static int resolve_lesson(const char *id, char *path, size_t cap, char ***args, size_t *nargs)
{
    char dir[PATH_MAX];
    snprintf(dir, sizeof dir, "%s/lessons", forklab_home());
    struct lesson *ls;
    size_t n;
    if (lessons_load_dir(dir, &ls, &n, NULL) < 0) return -ENOENT;
    int rc = -ENOENT;
    for (size_t i = 0; i < n && rc == -ENOENT; i++) {
        /* the lesson's id, or its number as the viewer takes it ("10") */
        char *end;
        long num = strtol(id, &end, 10);
        bool by_number = end != id && *end == '\0' && num == ls[i].order;
        if (!ls[i].id || (strcmp(ls[i].id, id) && !by_number) || !ls[i].program) continue;
        char prog[PATH_MAX];
        if (strchr(ls[i].program, '/'))
            snprintf(prog, sizeof prog, "%s", ls[i].program);
        else
            snprintf(prog, sizeof prog, "%s/lessons/%s", forklab_build_dir(), ls[i].program);
        if (!is_executable(prog)) continue;
        rc = copy_path(path, cap, prog);
        if (rc == 0 && ls[i].nargs) {
            char **a = calloc(ls[i].nargs, sizeof *a);
            if (!a) rc = -ENOMEM;
            for (size_t k = 0; a && k < ls[i].nargs; k++) a[k] = strdup(ls[i].args[k] ? ls[i].args[k] : "");
            *args = a;
            *nargs = a ? ls[i].nargs : 0;
        }
    }
    lessons_free(ls, n);
    return rc;
}

int runner_resolve(const char *target, char *path, size_t cap, char ***args, size_t *nargs)
{
    if (!target || !*target || !path || !cap || !args || !nargs) return -EINVAL;
    *args = NULL;
    *nargs = 0;
    if (strchr(target, '/')) {
        if (!is_executable(target)) return -ENOENT;
        return copy_path(path, cap, target);
    }
    char prog[PATH_MAX];
    snprintf(prog, sizeof prog, "%s/lessons/%s", forklab_build_dir(), target);
    if (is_executable(prog)) return copy_path(path, cap, prog);
    return resolve_lesson(target, path, cap, args, nargs);
}

/* The number a lesson or example name starts with ("10-pool-map" -> 10); -1. */
static int name_number(const char *s)
{
    if (!s || s[0] < '0' || s[0] > '9' || s[1] < '0' || s[1] > '9' || s[2] != '-') return -1;
    return (s[0] - '0') * 10 + (s[1] - '0');
}

static int by_name(const void *a, const void *b)
{
    return strcmp(a, b);
}

size_t runner_lesson_examples(const struct lesson *l, char (*out)[RUNNER_NAME_MAX], size_t cap)
{
    size_t n = 0;
    if (!l || !cap) return 0;
    if (l->program && strlen(l->program) < RUNNER_NAME_MAX) snprintf(out[n++], RUNNER_NAME_MAX, "%s", l->program);
    int num = name_number(l->id);
    char dir[PATH_MAX];
    snprintf(dir, sizeof dir, "%s/lessons", forklab_build_dir());
    DIR *d = num >= 0 ? opendir(dir) : NULL;
    size_t first_extra = n;
    for (struct dirent *e; d && n < cap && (e = readdir(d));) {
        char prog[PATH_MAX + 300];
        if (name_number(e->d_name) != num || strlen(e->d_name) >= RUNNER_NAME_MAX) continue;
        if (l->program && !strcmp(e->d_name, l->program)) continue;
        snprintf(prog, sizeof prog, "%s/%s", dir, e->d_name);
        if (!is_executable(prog)) continue;
        snprintf(out[n++], RUNNER_NAME_MAX, "%s", e->d_name);
    }
    if (d) closedir(d);
    qsort(out + first_extra, n - first_extra, sizeof *out, by_name);
    return n;
}

const struct lesson *runner_example_lesson(const struct lesson *ls, size_t n, const char *name)
{
    for (size_t i = 0; name && i < n; i++)
        if (ls[i].program && !strcmp(ls[i].program, name)) return &ls[i];
    for (size_t i = 0; name && i < n; i++)
        if (name_number(name) >= 0 && name_number(ls[i].id) == name_number(name)) return &ls[i];
    return NULL;
}

void runner_explain_missing(FILE *out, const char *cmd, const char *target)
{
    char dir[PATH_MAX];
    snprintf(dir, sizeof dir, "%s/lessons", forklab_home());
    fprintf(out, "%s: nothing named '%s': no lesson has that id or number, and no example of that name is built in %s/lessons\n",
            cmd, target, forklab_build_dir());
    struct lesson *ls = NULL;
    size_t n = 0;
    if (lessons_load_dir(dir, &ls, &n, NULL) < 0 || n == 0) {
        fprintf(out, "  (and no lessons were found in %s)\n", dir);
        return;
    }
    fprintf(out, "  lessons:");
    for (size_t i = 0; i < n; i++) fprintf(out, " %s", ls[i].id);
    fprintf(out, "\n  examples:");
    for (size_t i = 0; i < n; i++) {
        char ex[8][RUNNER_NAME_MAX];
        size_t k = runner_lesson_examples(&ls[i], ex, 8);
        for (size_t j = 0; j < k; j++) fprintf(out, " %s", ex[j]);
    }
    fprintf(out, "\n  (`forklab list` shows them with their titles)\n");
    lessons_free(ls, n);
}

void runner_free_args(char **args, size_t nargs)
{
    if (!args) return;
    for (size_t i = 0; i < nargs; i++) free(args[i]);
    free(args);
}

/* ------------------------------------------------------------ starting */

void runner_init(struct runner *r, struct model *model)
{
    memset(r, 0, sizeof *r);
    r->model = model;
    r->out_fd = r->err_fd = r->pidfd = -1;
}

/* In the child: never returns. Reports an exec failure on errfd. */
static void child_exec(const struct runner *r, const char *path, char *const argv[], int out, int err, int ringfd,
                       int errfd, pid_t parent)
{
    setpgid(0, 0);
    /* Should forklab die without cleaning up (a crash), the example goes too. */
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (getppid() != parent) _exit(127);
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, NULL);
    int sigs[] = {SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGPIPE, SIGCHLD};
    for (size_t i = 0; i < sizeof sigs / sizeof sigs[0]; i++) signal(sigs[i], SIG_DFL);
    int devnull = open("/dev/null", O_RDONLY);
    if (devnull >= 0) dup2(devnull, 0);
    dup2(out, 1);
    dup2(err, 2);
    int flags = fcntl(ringfd, F_GETFD);
    if (flags >= 0) fcntl(ringfd, F_SETFD, flags & ~FD_CLOEXEC);
    char num[16];
    snprintf(num, sizeof num, "%d", ringfd);
    setenv("MP_TRACE_FD", num, 1);
    unsetenv("MP_TRACE");
    unsetenv("MP_GATE_FD");
    for (int i = 0; r->gate_env && i < r->ngate_fds; i++) {
        flags = fcntl(r->gate_fds[i], F_GETFD);
        if (flags >= 0) fcntl(r->gate_fds[i], F_SETFD, flags & ~FD_CLOEXEC);
    }
    if (r->gate_env) setenv("MP_GATE_FD", r->gate_env, 1);
    /* MPI ranks reach the gate's descriptors through /proc/<us>/fd
     * (mpirun closes them; lib/gate.c) */
    unsetenv("MP_GATE_FROM");
    if (r->gate_env && (r->mpi_ranks || r->mpi_wrap)) {
        snprintf(num, sizeof num, "%d", (int)parent);
        setenv("MP_GATE_FROM", num, 1);
    }
    execv(path, argv);
    int e = errno;
    if (write(errfd, &e, sizeof e) < 0) { /* nothing more to do */ }
    _exit(127);
}

static void close_fd(int *fd)
{
    if (*fd >= 0) close(*fd);
    *fd = -1;
}

bool runner_is_mpirun(const char *path)
{
    const char *base = strrchr(path, '/');
    base = base ? base + 1 : path;
    return !strcmp(base, "mpirun") || !strcmp(base, "mpiexec") || !strcmp(base, "orterun");
}

static int start_plain(struct runner *r, const char *path, char *const argv[]);

int runner_start(struct runner *r, const char *path, char *const argv[])
{
    if (!r || !path || !argv || !argv[0] || r->pid) return -EINVAL;
    mpi_launch_apply_default(r);
    if (!r->mpi_ranks && !r->mpi_wrap) return start_plain(r, path, argv);
    char mpath[PATH_MAX];
    char **margv;
    /* The ranks reopen the ring by path: mpirun closes inherited fds. */
    r->ring = mp_trace_ring_create(r->ring_events);
    if (!r->ring) return -errno;
    char ring_path[64];
    snprintf(ring_path, sizeof ring_path, "/proc/%d/fd/%d", (int)getpid(), mp_trace_ring_fd(r->ring));
    setenv("MP_TRACE_RING", ring_path, 1);
    int rc = mpi_launch_argv(r, path, argv, mpath, sizeof mpath, &margv);
    if (rc < 0) {
        mp_trace_ring_free(r->ring);
        r->ring = NULL;
        return rc;
    }
    rc = start_plain(r, mpath, margv);
    mpi_launch_free_argv(margv);
    if (rc < 0) mpi_launch_cleanup(r);
    return rc;
}

static int start_plain(struct runner *r, const char *path, char *const argv[])
{
    int out[2] = {-1, -1}, err[2] = {-1, -1}, ex[2] = {-1, -1}, rc;
    if (!r->ring) r->ring = mp_trace_ring_create(r->ring_events); /* an MPI run made it already */
    if (!r->ring) return -errno;
    if (pipe2(out, O_CLOEXEC) < 0 || pipe2(err, O_CLOEXEC) < 0 || pipe2(ex, O_CLOEXEC) < 0) {
        rc = -errno;
        goto fail;
    }
    /* Orphaned grandchildren come back to us, so we can reap them. */
    prctl(PR_SET_CHILD_SUBREAPER, 1);
    fflush(NULL);
    pid_t me = getpid();
    pid_t pid = fork();
    if (pid < 0) {
        rc = -errno;
        goto fail;
    }
    if (pid == 0) child_exec(r, path, argv, out[1], err[1], mp_trace_ring_fd(r->ring), ex[1], me);
    setpgid(pid, pid); /* also here: no race with an early killpg */
    groups_add(pid);
    r->pid = pid;
    r->t_start_ns = now_ns();
    close_fd(&out[1]);
    close_fd(&err[1]);
    close_fd(&ex[1]);
    int e = 0;
    ssize_t got;
    do got = read(ex[0], &e, sizeof e);
    while (got < 0 && errno == EINTR);
    close_fd(&ex[0]);
    r->out_fd = out[0];
    r->err_fd = err[0];
    fcntl(r->out_fd, F_SETFL, O_NONBLOCK);
    fcntl(r->err_fd, F_SETFL, O_NONBLOCK);
    r->pidfd = (int)syscall(SYS_pidfd_open, pid, 0);
    if (got == (ssize_t)sizeof e) { /* exec failed: reap and report */
        runner_finish(r);
        return -e;
    }
    return 0;
fail:
    close_fd(&out[0]), close_fd(&out[1]), close_fd(&err[0]), close_fd(&err[1]);
    close_fd(&ex[0]), close_fd(&ex[1]);
    mp_trace_ring_free(r->ring);
    r->ring = NULL;
    return rc;
}

int runner_pollfds(const struct runner *r, struct pollfd *fds, int cap)
{
    int n = 0;
    int all[] = {r->out_fd, r->err_fd, r->exited ? -1 : r->pidfd};
    for (int i = 0; i < 3 && n < cap; i++) {
        if (all[i] < 0) continue;
        fds[n].fd = all[i];
        fds[n].events = POLLIN;
        fds[n].revents = 0;
        n++;
    }
    return n;
}

/* ------------------------------------------------------------ pumping */

static void emit_line(struct runner *r, int s, const char *line)
{
    if (r->on_line) r->on_line(r->ctx, s == 0 ? RUNNER_STDOUT : RUNNER_STDERR, line);
}

/* Split what arrived into lines; keep an unfinished one for next time. */
static void feed_output(struct runner *r, int s, const char *buf, size_t len)
{
    for (size_t i = 0; i < len; i++) {
        char c = buf[i];
        if (c == '\n' || r->npartial[s] == RUNNER_LINE_MAX - 1) {
            r->partial[s][r->npartial[s]] = '\0';
            emit_line(r, s, r->partial[s]);
            r->npartial[s] = 0;
            if (c == '\n') continue;
        }
        r->partial[s][r->npartial[s]++] = c;
    }
}

static void flush_partial(struct runner *r, int s)
{
    if (!r->npartial[s]) return;
    r->partial[s][r->npartial[s]] = '\0';
    emit_line(r, s, r->partial[s]);
    r->npartial[s] = 0;
}

static void read_output(struct runner *r, int *fd, int s)
{
    char buf[4096];
    for (int rounds = 0; *fd >= 0 && rounds < 16; rounds++) {
        ssize_t n = read(*fd, buf, sizeof buf);
        if (n > 0) {
            feed_output(r, s, buf, (size_t)n);
            continue;
        }
        if (n < 0 && errno == EINTR) continue;
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) return;
        flush_partial(r, s); /* EOF or error: the stream is over */
        close_fd(fd);
    }
}

static int drain_ring(struct runner *r, size_t max_events)
{
    struct mp_trace_event buf[256];
    size_t total = 0, n;
    if (!r->ring) return 0;
    while (total < max_events && (n = mp_trace_ring_read(r->ring, buf, 256)) > 0) {
        for (size_t i = 0; i < n; i++) {
            if (r->on_event) r->on_event(r->ctx, &buf[i]);
            if (r->model) model_apply(r->model, &buf[i]);
        }
        total += n;
    }
    r->events += total;
    if (r->model) model_set_dropped(r->model, mp_trace_ring_dropped(r->ring));
    return (int)total;
}

static void record_exit(struct runner *r, int status)
{
    r->exited = true;
    r->t_exit_ns = now_ns();
    r->exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : WIFSIGNALED(status) ? -WTERMSIG(status) : MP_EXIT_NONE;
    close_fd(&r->pidfd);
}

/* Reap the example and any orphan of its group that has ended. */
static void reap(struct runner *r, bool block)
{
    if (!r->pid) return;
    for (;;) {
        int status;
        pid_t w = waitpid(-r->pid, &status, block ? 0 : WNOHANG);
        if (w < 0 && errno == EINTR) continue;
        if (w <= 0) break;
        if (w == r->pid) record_exit(r, status);
        else if (r->nreaped < RUNNER_MAX_REAPED)
            r->reaped[r->nreaped].pid = w,
            r->reaped[r->nreaped++].code = WIFEXITED(status) ? WEXITSTATUS(status) : -WTERMSIG(status);
    }
    /* The leader may have been reaped before its group changed (never by
     * us otherwise): ask for it alone too. */
    if (!r->exited) {
        int status;
        pid_t w = waitpid(r->pid, &status, block ? 0 : WNOHANG);
        if (w == r->pid) record_exit(r, status);
        else if (w < 0 && errno == ECHILD) r->exited = true, r->exit_code = MP_EXIT_NONE;
    }
}

/* Nobody inside the run reaps the example itself: once it has been reaped
 * and its events are in, tell the model (and any recorder) as a PROC_EXIT
 * from us, its parent. */
static void apply_exit(struct runner *r)
{
    /* Killed workers first (their parent, the example, is dead too): the
     * model shows each process's real end, not "running" forever. Only
     * processes the run traced: an untraced helper stays out of it. */
    for (; !r->keep_state && r->nreaped_applied < r->nreaped; r->nreaped_applied++) {
        pid_t pid = r->reaped[r->nreaped_applied].pid;
        if (r->model && !model_proc(r->model, pid)) continue;
        struct mp_trace_event ev = {.t_ns = now_ns(), .a = pid, .b = r->reaped[r->nreaped_applied].code,
                                    .kind = MP_EV_PROC_EXIT};
        ev.pid = (int32_t)getpid();
        if (r->on_event) r->on_event(r->ctx, &ev);
        if (r->model) model_apply(r->model, &ev);
    }
    if (!r->exited || r->exit_applied || r->exit_code == MP_EXIT_NONE) return;
    struct mp_trace_event ev = {.t_ns = now_ns(), .a = r->pid, .b = r->exit_code, .kind = MP_EV_PROC_EXIT};
    ev.pid = (int32_t)getpid();
    snprintf(ev.text, sizeof ev.text, "example");
    r->exit_applied = true;
    if (r->on_event) r->on_event(r->ctx, &ev);
    if (r->model) model_apply(r->model, &ev);
}

int runner_pump(struct runner *r)
{
    if (!r || !r->pid) return 0;
    read_output(r, &r->out_fd, 0);
    read_output(r, &r->err_fd, 1);
    int n = drain_ring(r, 20000);
    if (!r->exited) reap(r, false);
    if (r->exited && r->ring && mp_trace_ring_pending(r->ring) == 0) apply_exit(r);
    return n;
}

bool runner_done(const struct runner *r)
{
    if (!r->pid || r->finished) return true;
    if (!r->exited) return false;
    if (r->out_fd < 0 && r->err_fd < 0) return true;
    if (now_ns() - r->t_exit_ns > RUNNER_ORPHAN_GRACE_MS * 1000000ull) return true;
    /* The group is gone (the leader was its last member) yet a pipe is open:
     * only a process outside the group can hold it; do not wait for it. */
    return killpg(r->pid, 0) < 0 && errno == ESRCH;
}

int runner_run(struct runner *r, double timeout)
{
    uint64_t until = timeout < 0 ? UINT64_MAX : now_ns() + (uint64_t)(timeout * 1e9);
    int rc = 0;
    while (!runner_done(r)) {
        if (now_ns() >= until) {
            rc = -ETIMEDOUT;
            break;
        }
        struct pollfd fds[RUNNER_MAX_FDS];
        int n = runner_pollfds(r, fds, RUNNER_MAX_FDS);
        if (poll(fds, (nfds_t)n, RUNNER_TICK_MS) < 0 && errno != EINTR) {
            rc = -errno;
            break;
        }
        runner_pump(r);
        if (mpi_launch_deadlocked(r, now_ns())) {
            rc = -EDEADLK;
            break;
        }
    }
    runner_finish(r);
    return rc;
}

int runner_pause(struct runner *r)
{
    if (!r || !r->pid || r->finished) return -ESRCH;
    if (killpg(r->pid, SIGSTOP) < 0) return -errno;
    r->paused = true;
    return 0;
}

int runner_resume(struct runner *r)
{
    if (!r || !r->pid || r->finished) return -ESRCH;
    if (killpg(r->pid, SIGCONT) < 0) return -errno;
    r->paused = false;
    return 0;
}

int runner_kill(struct runner *r)
{
    if (!r || !r->pid) return -ESRCH;
    runner_finish(r);
    return 0;
}

void runner_finish(struct runner *r)
{
    if (!r || !r->pid || r->finished) return;
    /* Read what is already there before the kill cuts it short. */
    read_output(r, &r->out_fd, 0);
    read_output(r, &r->err_fd, 1);
    if (r->mpi_dir[0] && !r->exited) {
        /* mpirun takes its ranks down itself on SIGTERM (they are not in
         * its group); SIGKILL below only if it does not within the grace. */
        if (r->paused) killpg(r->pid, SIGCONT);
        kill(r->pid, SIGTERM);
        uint64_t until = now_ns() + MPI_LAUNCH_TERM_GRACE_NS;
        while (!r->exited && now_ns() < until) {
            struct timespec nap = {0, 10000000};
            nanosleep(&nap, NULL);
            reap(r, false);
        }
    }
    killpg(r->pid, SIGKILL);
    killpg(r->pid, SIGCONT); /* a stopped group dies only once continued */
    reap(r, true);
    groups_remove(r->pid);
    read_output(r, &r->out_fd, 0);
    read_output(r, &r->err_fd, 1);
    flush_partial(r, 0);
    flush_partial(r, 1);
    close_fd(&r->out_fd);
    close_fd(&r->err_fd);
    close_fd(&r->pidfd);
    /* Every writer is gone: take the rest; a slot a killed writer reserved
     * but never published is skipped by the ring after its grace time. */
    uint64_t until = now_ns() + FINAL_DRAIN_NS;
    while (r->ring && mp_trace_ring_pending(r->ring) > 0 && now_ns() < until) {
        if (drain_ring(r, SIZE_MAX) == 0) {
            struct timespec nap = {0, 5000000};
            nanosleep(&nap, NULL);
        }
    }
    drain_ring(r, SIZE_MAX);
    apply_exit(r);
    if (r->mpi_ranks || r->mpi_wrap) mpi_launch_cleanup(r);
    r->finished = true;
    r->paused = false;
}

uint64_t runner_dropped(const struct runner *r)
{
    return r && r->ring ? mp_trace_ring_dropped(r->ring) : 0;
}

int runner_shell_status(const struct runner *r)
{
    if (!r->exited || r->exit_code == MP_EXIT_NONE) return 1;
    return r->exit_code >= 0 ? r->exit_code : 128 + -r->exit_code;
}

void runner_free(struct runner *r)
{
    if (!r) return;
    runner_finish(r);
    mp_trace_ring_free(r->ring);
    r->ring = NULL;
}
