/*
 * harness.c — the supervisor every grader uses, and the tasks the
 * exercises are given (ex_task_job, ex_task_square, ex_idle_work).
 *
 * Why a supervised child: the learner's code may deadlock, loop, crash or
 * fork without end. Criterion's own timeout would leave the processes it
 * forked running; here the call runs in a child with its own process
 * group, which we can kill as a whole, and the test process is a child
 * subreaper so that even processes that left the group come back to us to
 * be killed and reaped. Nothing of the run outlives the test.
 */
#define GR_HARNESS_IMPL
#include "harness.h"

#include <dirent.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define GR_MAX_PROCS 64        /* more at once than any exercise needs */
#define GR_RING_EVENTS (1u << 17)

struct gr_stats *gr_stats;

uint64_t gr_now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

void *gr_shared(size_t size)
{
    void *p = mmap(NULL, size ? size : 1, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    cr_assert(p != MAP_FAILED, "grader: mmap failed");
    return p;
}

unsigned gr_seed(void)
{
    const char *s = getenv("FORKLAB_SEED");
    unsigned seed = s ? (unsigned)strtoul(s, NULL, 10) : (unsigned)time(NULL) ^ (unsigned)getpid();
    fprintf(stderr, "seed %u (FORKLAB_SEED=%u reproduces)\n", seed, seed);
    return seed;
}

long gr_rand(unsigned *state, long lo, long hi)
{
    /* xorshift32: small, reproducible from the printed seed */
    unsigned x = *state ? *state : 0x9e3779b9u;
    x ^= x << 13;
    x ^= x >> 17;
    x ^= x << 5;
    *state = x;
    return lo + (long)(x % (unsigned long)(hi - lo + 1));
}

double gr_limit(double def)
{
    const char *s = getenv("FORKLAB_GRADE_TIMEOUT");
    double v = s ? strtod(s, NULL) : 0;
    return v > 0 ? v : def;
}

const char *gr_deadlock(const struct gr_run *r)
{
    static char text[1024];
    struct wf_deadlock d;
    if (!r || !model_deadlock_report(&r->model, &d)) return NULL;
    waitfor_cycle_text(&r->model, &d, text, sizeof text);
    return text;
}

/* Two processes meet here, round by round: the first to arrive waits for
 * the other (at most half a second), so two processes that each took one
 * lock really do hold both when they ask for the second. */
void ex_between_locks(void)
{
    static int round; /* per process: every worker is a fresh fork */
    int at = round++ % 64;
    atomic_fetch_add(&gr_stats->between_calls, 1);
    atomic_fetch_add(&gr_stats->between[at], 1);
    /* Explored under forklab's gate, the explorer makes every order happen,
     * and the other process cannot move while this one waits here. */
    if (getenv("MP_GATE_FD")) return;
    uint64_t until = gr_now_ns() + 500000000ull;
    while (atomic_load(&gr_stats->between[at]) < 2 && gr_now_ns() < until) usleep(1000);
}

void gr_stats_init(void)
{
    if (!gr_stats) gr_stats = gr_shared(sizeof *gr_stats);
    memset(gr_stats, 0, sizeof *gr_stats);
}

/* ------------------------------------------------------------ the supervisor */

static void keep_event(struct gr_run *r, const struct mp_trace_event *ev)
{
    if (r->nev == r->cap) {
        size_t cap = r->cap ? 2 * r->cap : 4096;
        struct mp_trace_event *p = realloc(r->ev, cap * sizeof *p);
        if (!p) return;
        r->ev = p;
        r->cap = cap;
    }
    r->ev[r->nev++] = *ev;
    model_apply(&r->model, ev);
}

static void drain(struct mp_trace_ring *ring, struct gr_run *r)
{
    struct mp_trace_event buf[256];
    size_t n;
    while ((n = mp_trace_ring_read(ring, buf, 256)) > 0)
        for (size_t i = 0; i < n; i++) keep_event(r, &buf[i]);
}

/* Processes in group pgid, by a scan of /proc (a fork-loop guard that also
 * works for root, whom RLIMIT_NPROC does not bind). */
static int count_group(pid_t pgid)
{
    DIR *d = opendir("/proc");
    if (!d) return 0;
    int n = 0;
    struct dirent *e;
    while ((e = readdir(d))) {
        if (e->d_name[0] < '0' || e->d_name[0] > '9') continue;
        char path[300], buf[512];
        snprintf(path, sizeof path, "/proc/%s/stat", e->d_name);
        FILE *f = fopen(path, "r");
        if (!f) continue;
        size_t len = fread(buf, 1, sizeof buf - 1, f);
        fclose(f);
        buf[len] = '\0';
        char *close = strrchr(buf, ')'); /* the name may hold spaces */
        int ppid, pgrp;
        char state;
        if (close && sscanf(close + 1, " %c %d %d", &state, &ppid, &pgrp) == 3 && pgrp == pgid) n++;
    }
    closedir(d);
    return n;
}

/* SIGKILL the children of each of our threads: an orphan handed to a
 * subreaper becomes the child of one of its threads, not always the main
 * one (Criterion's test worker has a few). */
static void kill_children_of_every_thread(void)
{
    DIR *d = opendir("/proc/self/task");
    if (!d) return;
    struct dirent *e;
    while ((e = readdir(d))) {
        if (e->d_name[0] < '0' || e->d_name[0] > '9') continue;
        char path[300], list[4096];
        snprintf(path, sizeof path, "/proc/self/task/%s/children", e->d_name);
        FILE *f = fopen(path, "r");
        size_t len = f ? fread(list, 1, sizeof list - 1, f) : 0;
        if (f) fclose(f);
        list[len] = '\0';
        char *save = NULL;
        for (char *tok = strtok_r(list, " \n", &save); tok; tok = strtok_r(NULL, " \n", &save))
            kill((pid_t)atoi(tok), SIGKILL);
    }
    closedir(d);
}

/* Kill every child we have (orphans came back to us as subreaper) and reap
 * them, until none is left or 3 s passed. */
static void kill_and_reap_all(pid_t pgid)
{
    kill(-pgid, SIGKILL);
    uint64_t until = gr_now_ns() + 3000000000ull;
    for (;;) {
        pid_t w = waitpid(-1, NULL, WNOHANG);
        if (w > 0) continue;
        if (w < 0 && errno == ECHILD) return;
        kill_children_of_every_thread();
        if (gr_now_ns() > until) return;
        usleep(2000);
    }
}

static void remove_tree(const char *dir)
{
    DIR *d = opendir(dir);
    if (!d) return;
    struct dirent *e;
    while ((e = readdir(d))) {
        if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, "..")) continue;
        char path[1024];
        snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
        struct stat st;
        if (lstat(path, &st) == 0 && S_ISDIR(st.st_mode)) remove_tree(path);
        else unlink(path);
    }
    closedir(d);
    rmdir(dir);
}

static void child_side(gr_body body, void *ctx, struct mp_trace_ring *ring, const char *tmpdir)
{
    setpgid(0, 0);
    /* The test worker's crash handlers (Criterion's) must not catch the
     * learner's crash: a signal should end this child, visibly. */
    const int sigs[] = {SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGABRT, SIGTERM, SIGINT, SIGPIPE, SIGCHLD};
    for (size_t i = 0; i < sizeof sigs / sizeof sigs[0]; i++) signal(sigs[i], SIG_DFL);
    struct rlimit rl;
    if (getrlimit(RLIMIT_NPROC, &rl) == 0 && geteuid() != 0) {
        /* counts every process of this user, so leave room above what runs now */
        rlim_t want = 4096;
        if (rl.rlim_max == RLIM_INFINITY || rl.rlim_max > want) rl.rlim_cur = want;
        setrlimit(RLIMIT_NPROC, &rl);
    }
    setenv("TMPDIR", tmpdir, 1);
    gr_stats->caller = (int)getpid();
    if (mp_trace_attach(ring) != 0) _exit(120);
    body(ctx);
    mp_trace_detach();
    fflush(NULL);
    _exit(0);
}

void gr_run(gr_body body, void *ctx, double limit, struct gr_run *out)
{
    memset(out, 0, sizeof *out);
    model_init(&out->model);
    if (!gr_stats) gr_stats_init();
    cr_assert(prctl(PR_SET_CHILD_SUBREAPER, 1) == 0, "grader: cannot become a subreaper");
    struct mp_trace_ring *ring = mp_trace_ring_create(GR_RING_EVENTS);
    cr_assert(ring, "grader: cannot make a trace ring (%s)", strerror(errno));
    /* grade.sh names a directory it cleans even after a SIGKILL */
    const char *tmpbase = getenv("FORKLAB_GRADE_TMP");
    char tmpdir[512];
    snprintf(tmpdir, sizeof tmpdir, "%s/forklab-grade-XXXXXX", tmpbase && *tmpbase ? tmpbase : "/tmp");
    cr_assert(mkdtemp(tmpdir), "grader: mkdtemp %s failed", tmpdir);

    fflush(NULL);
    uint64_t t0 = gr_now_ns();
    pid_t pid = fork();
    cr_assert(pid >= 0, "grader: fork failed");
    if (pid == 0) child_side(body, ctx, ring, tmpdir);
    setpgid(pid, pid); /* also here: no race with the first fork of the child */
    out->caller = pid;

    uint64_t deadline = t0 + (uint64_t)(limit * 1e9);
    int status = 0, ticks = 0;
    struct wf_watch watch = {0};
    for (;;) {
        drain(ring, out);
        pid_t w = waitpid(pid, &status, WNOHANG);
        if (w == pid) break;
        if (waitfor_watch(&watch, &out->model, gr_now_ns()) == 1) { /* it can never finish */
            out->how = GR_TIMEOUT;
            break;
        }
        if (gr_now_ns() > deadline) {
            out->how = GR_TIMEOUT;
            break;
        }
        if (++ticks % 2 == 0 && count_group(pid) > GR_MAX_PROCS) {
            out->how = GR_FORKLOOP;
            break;
        }
        usleep(5000);
    }
    out->secs = (double)(gr_now_ns() - t0) / 1e9;
    if (out->how == GR_DONE) {
        if (WIFSIGNALED(status)) {
            out->how = GR_CRASH;
            out->code = WTERMSIG(status);
        } else if (WEXITSTATUS(status) != 0) {
            out->how = GR_CRASH;
            out->code = -WEXITSTATUS(status);
        }
        out->leftovers = count_group(pid);
    }
    kill_and_reap_all(pid);
    /* Give writers caught mid-event a moment, then take the last events. */
    usleep(20000);
    drain(ring, out);
    out->dropped = mp_trace_ring_dropped(ring);
    mp_trace_ring_free(ring);
    remove_tree(tmpdir);
}

void gr_run_free(struct gr_run *r)
{
    model_free(&r->model);
    free(r->ev);
    r->ev = NULL;
    r->nev = r->cap = 0;
}

/* ------------------------------------------------------------ trace facts */

size_t gr_children_of(const struct gr_run *r, pid_t ppid, pid_t *pids, size_t cap)
{
    size_t n = 0;
    for (size_t i = 0; i < r->nev; i++) {
        const struct mp_trace_event *e = &r->ev[i];
        if (e->kind != MP_EV_PROC_START || e->a != ppid || e->pid == ppid) continue;
        bool seen = false;
        for (size_t j = 0; j < n && j < cap; j++) seen |= pids[j] == e->pid;
        if (seen) continue;
        if (n < cap) pids[n] = e->pid;
        n++;
    }
    return n;
}

size_t gr_count(const struct gr_run *r, unsigned kind, pid_t pid, uint64_t obj)
{
    size_t n = 0;
    for (size_t i = 0; i < r->nev; i++) {
        const struct mp_trace_event *e = &r->ev[i];
        if (e->kind == kind && (!pid || e->pid == pid) && (!obj || e->obj == obj)) n++;
    }
    return n;
}

size_t gr_distinct_pids(const struct gr_run *r, unsigned kind, pid_t not_pid)
{
    pid_t seen[256];
    size_t n = 0;
    for (size_t i = 0; i < r->nev; i++) {
        const struct mp_trace_event *e = &r->ev[i];
        if (e->kind != kind || e->pid == not_pid) continue;
        size_t j = 0;
        while (j < n && seen[j] != e->pid) j++;
        if (j == n && n < 256) seen[n++] = e->pid;
    }
    return n;
}

uint64_t gr_busiest(const struct gr_run *r, unsigned kind)
{
    uint64_t best = 0, seen[64];
    size_t best_n = 0, nseen = 0;
    for (size_t i = 0; i < r->nev; i++) {
        if (r->ev[i].kind != kind || !r->ev[i].obj) continue;
        uint64_t id = r->ev[i].obj;
        size_t j = 0;
        while (j < nseen && seen[j] != id) j++;
        if (j < nseen) continue; /* counted already */
        if (nseen < 64) seen[nseen++] = id;
        size_t n = gr_count(r, kind, 0, id);
        if (n > best_n) best = id, best_n = n;
    }
    return best;
}

const struct mp_trace_event *gr_find(const struct gr_run *r, unsigned kind, size_t from, size_t *index)
{
    for (size_t i = from; i < r->nev; i++)
        if (r->ev[i].kind == kind) {
            if (index) *index = i;
            return &r->ev[i];
        }
    return NULL;
}

/* ------------------------------------------------------------ provided tasks */

static void sleep_ms(int ms)
{
    struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000L};
    while (nanosleep(&ts, &ts) != 0 && errno == EINTR) {
    }
}

static bool in_caller(void)
{
    return gr_stats && getpid() == (pid_t)atomic_load(&gr_stats->caller);
}

void ex_task_job(const void *in, void *out)
{
    const struct ex_job *job = in;
    if (gr_stats) {
        atomic_fetch_add(&gr_stats->job_calls, 1);
        if (in_caller()) atomic_fetch_add(&gr_stats->job_calls_in_caller, 1);
    }
    if (job->delay_ms > 0) sleep_ms(job->delay_ms);
    *(int64_t *)out = job->x * job->x;
}

/* Remember pid among those that ran ex_task_square; their number. */
static int note_square_pid(pid_t pid)
{
    int n = atomic_load(&gr_stats->npids);
    for (int i = 0; i < n && i < GR_MAX_PIDS; i++)
        if (atomic_load(&gr_stats->pids[i]) == pid) return n;
    int slot = atomic_fetch_add(&gr_stats->npids, 1);
    if (slot < GR_MAX_PIDS) atomic_store(&gr_stats->pids[slot], pid);
    return slot + 1;
}

void ex_task_square(const void *in, void *out)
{
    int64_t x = *(const int64_t *)in;
    if (gr_stats) {
        atomic_fetch_add(&gr_stats->square_calls, 1);
        if (in_caller()) atomic_fetch_add(&gr_stats->square_calls_in_caller, 1);
        /* A rendezvous: the first worker waits (up to 1 s, once) for a
         * second one to take a task, so a map that hands out work in
         * several pieces always uses 2 workers, however the machine is
         * loaded, and one that gives everything to one worker never does. */
        if (note_square_pid(getpid()) < 2 && !atomic_load(&gr_stats->rendezvous_gave_up)) {
            uint64_t until = gr_now_ns() + 1000000000ull;
            while (atomic_load(&gr_stats->npids) < 2 && gr_now_ns() < until) usleep(1000);
            if (atomic_load(&gr_stats->npids) < 2) atomic_store(&gr_stats->rendezvous_gave_up, 1);
        }
    }
    *(int64_t *)out = x * x;
}

void ex_idle_work(void)
{
    /* a small real computation (about a millisecond): the work the parent
     * gets done while the pool computes */
    volatile uint64_t h = 1469598103934665603ull;
    for (int i = 0; i < 100000; i++) h = (h ^ (uint64_t)i) * 1099511628211ull;
    if (!gr_stats) return;
    uint64_t zero = 0;
    atomic_compare_exchange_strong(&gr_stats->idle_first_ns, &zero, gr_now_ns());
    atomic_fetch_add(&gr_stats->idle_calls, 1);
    if (!in_caller()) atomic_fetch_add(&gr_stats->idle_calls_elsewhere, 1);
}
