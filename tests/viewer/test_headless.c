/*
 * test_headless.c — end to end: real example programs run through the
 * runner (checked on the model it builds) and through the real `forklab
 * run --headless` program (checked on its text, PIDs by pattern).
 *
 * This binary doubles as a misbehaving example: started with
 * FORKLAB_TEST_MODE set, a constructor does what the mode says and exits
 * before Criterion starts.
 */
#include "dump.h"
#include "runner.h"
#include "testutil.h"

#include <fcntl.h>
#include <limits.h>
#include <mp.h>
#include <poll.h>
#include <signal.h>
#include <string.h>
#include <unistd.h>

#define MODE_ENV "FORKLAB_TEST_MODE"

/* ------------------------------------------------------------ helper modes */

static int sleep_forever(void *arg)
{
    (void)arg;
    mp_trace_note("orphan %d sleeping", (int)getpid());
    for (;;) pause();
    return 0;
}

__attribute__((constructor)) static void helper_mode(void)
{
    const char *mode = getenv(MODE_ENV);
    if (!mode) return;
    if (!strncmp(mode, "emit:", 5)) { /* emit N notes, then exit */
        long n = strtol(mode + 5, NULL, 10);
        for (long i = 0; i < n; i++) mp_trace_note("e %ld", i);
        printf("emitted %ld\n", n);
        exit(0);
    }
    if (!strncmp(mode, "exit:", 5)) {
        fprintf(stderr, "exiting with %s\n", mode + 5);
        exit(atoi(mode + 5));
    }
    if (!strcmp(mode, "kill")) raise(SIGKILL);
    if (!strcmp(mode, "sleep")) {
        sleep(60);
        exit(0);
    }
    if (!strcmp(mode, "orphan")) { /* leave a child behind, holding our stdout */
        mp_process *p = mp_process_new(sleep_forever, NULL);
        if (!p || mp_process_start(p) < 0) exit(3);
        printf("left %d behind\n", (int)mp_process_pid(p));
        exit(0);
    }
    exit(99);
}

/* ------------------------------------------------------------ helpers */

static char build_dir[PATH_MAX];

/* $FORKLAB_BUILD, else the build dir above this test (BUILD/tests/viewer). */
static const char *build(void)
{
    if (build_dir[0]) return build_dir;
    const char *env = getenv("FORKLAB_BUILD");
    if (env && *env) {
        snprintf(build_dir, sizeof build_dir, "%s", env);
    } else {
        char exe[PATH_MAX];
        ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
        cr_assert_gt(n, 0);
        exe[n] = '\0';
        for (int up = 0; up < 3; up++) *strrchr(exe, '/') = '\0';
        snprintf(build_dir, sizeof build_dir, "%s", exe);
        setenv("FORKLAB_BUILD", build_dir, 1);
    }
    return build_dir;
}

static bool example_path(const char *name, char *path, size_t cap)
{
    snprintf(path, cap, "%s/lessons/%s", build(), name);
    return access(path, X_OK) == 0;
}

static char self_exe[PATH_MAX];
static const char *self(void)
{
    ssize_t n = readlink("/proc/self/exe", self_exe, sizeof self_exe - 1);
    cr_assert_gt(n, 0);
    self_exe[n] = '\0';
    return self_exe;
}

/* Run path through the runner into m. Returns the runner's result. */
static int run_into(struct model *m, struct runner *r, const char *path, size_t ring_events, double timeout)
{
    model_init(m);
    runner_init(r, m);
    r->ring_events = ring_events;
    char *argv[] = {(char *)path, NULL};
    int rc = runner_start(r, path, argv);
    cr_assert_eq(rc, 0, "runner_start(%s): %s", path, mp_strerror(rc));
    return runner_run(r, timeout);
}

/* Run the real forklab with args (and extra env) to completion; returns
 * its wait status, output in out (NUL-terminated, cut at cap). */
static int run_forklab(char *const args[], const char *env_kv, char *out, size_t cap)
{
    char forklab[PATH_MAX];
    snprintf(forklab, sizeof forklab, "%s/forklab", build());
    cr_assert_eq(access(forklab, X_OK), 0, "%s is built", forklab);
    int pfd[2];
    cr_assert_eq(pipe(pfd), 0);
    fflush(NULL);
    pid_t pid = fork();
    cr_assert_geq(pid, 0);
    if (pid == 0) {
        dup2(pfd[1], 1);
        dup2(pfd[1], 2);
        close(pfd[0]);
        if (env_kv) putenv((char *)env_kv);
        char *argv[16] = {forklab};
        for (int i = 0; args[i] && i < 14; i++) argv[i + 1] = args[i];
        execv(forklab, argv);
        _exit(127);
    }
    close(pfd[1]);
    size_t len = 0;
    ssize_t n;
    while ((n = read(pfd[0], out + len, cap - 1 - len)) > 0 && len + (size_t)n < cap - 1) len += (size_t)n;
    if (n > 0) len += (size_t)n;
    out[len] = '\0';
    char sink[4096];
    while (read(pfd[0], sink, sizeof sink) > 0) {
    }
    close(pfd[0]);
    int status;
    cr_assert_eq(waitpid(pid, &status, 0), pid);
    return status;
}

/* Runs forklab (env_kv: one NAME=VALUE or NULL) into out, asserting that it
 * exited with status want; the message shows the output. */
static void forklab_exits(char *const args[], const char *env_kv, char *out, size_t cap, int want)
{
    int status = run_forklab(args, env_kv, out, cap);
    cr_assert(WIFEXITED(status) && WEXITSTATUS(status) == want, "status %d (want exit %d):\n%s", status, want, out);
}

/* run_into for this binary, with MODE_ENV=mode set for that run only. */
static int run_self(const char *mode, struct model *m, struct runner *r, size_t ring_events, double timeout)
{
    setenv(MODE_ENV, mode, 1);
    int rc = run_into(m, r, self(), ring_events, timeout);
    unsetenv(MODE_ENV);
    return rc;
}

/* Frees a finished run and its model, then checks no process is left. */
static void run_done(struct model *m, struct runner *r)
{
    runner_free(r);
    model_free(m);
    tu_assert_no_children();
}

/* ------------------------------------------------------------ the lecture's examples */

Test(headless, queue_example_ten_pids_one_item_each, .timeout = 60.)
{
    char path[PATH_MAX];
    if (!example_path("08-queues", path, sizeof path)) cr_skip_test("lessons/08-queues is not built yet");
    struct model m;
    struct runner r;
    cr_assert_eq(run_into(&m, &r, path, 0, 40), 0);
    cr_assert_eq(r.exit_code, 0);
    cr_assert_eq(m.dropped, 0);
    cr_assert_gt(m.nqueues, 0);
    /* Some queue saw 10 distinct processes (not the example itself) that
     * each got exactly one item. */
    bool found = false;
    for (size_t qi = 0; qi < m.nqueues && !found; qi++) {
        for (unsigned kind = MP_EV_QUEUE_GET; kind == MP_EV_QUEUE_GET && !found; kind++) {
            int pids[64], counts[64], n = 0;
            for (size_t i = 0; i < m.nevents; i++) {
                const struct mp_trace_event *ev = &m.events[i];
                if (ev->obj != m.queues[qi].id || ev->kind != kind) continue;
                int k = 0;
                while (k < n && pids[k] != ev->pid) k++;
                if (k == n && n < 64) pids[n] = ev->pid, counts[n++] = 0;
                if (k < 64) counts[k]++;
            }
            int once = 0;
            for (int k = 0; k < n; k++) once += counts[k] == 1 && pids[k] != r.pid;
            found = once >= 10;
        }
    }
    cr_assert(found, "10 distinct pids each moved one item through a queue");
    for (size_t qi = 0; qi < m.nqueues; qi++)
        cr_assert_eq(m.queues[qi].nitems, 0, "queue %zu ended empty (%zu left)", qi + 1, m.queues[qi].nitems);
    run_done(&m, &r);
}

Test(headless, pool_example_workers_and_async_polls, .timeout = 60.)
{
    char path[PATH_MAX];
    if (!example_path("10-pool-map-async", path, sizeof path)) cr_skip_test("lessons/10-pool-map-async is not built yet");
    struct model m;
    struct runner r;
    cr_assert_eq(run_into(&m, &r, path, 0, 40), 0);
    cr_assert_eq(r.exit_code, 0);
    cr_assert_geq(model_pool_distinct_workers(&m, NULL), 2, "tasks ran on at least 2 worker pids");
    bool polled = false;
    for (size_t i = 0; i < m.nasyncs; i++) polled |= m.asyncs[i].ready && m.asyncs[i].polls_before_ready >= 1;
    cr_assert(polled, "an async result was polled at least once before it was ready");
    /* Every worker that ran a task is a process of the run, a child of the example. */
    const struct model_pool *pool = &m.pools[0];
    for (size_t k = 0; k < pool->ntasks; k++) {
        const struct model_proc *w = model_proc(&m, pool->tasks[k].worker);
        cr_assert_not_null(w);
        cr_assert_eq(w->ppid, r.pid);
    }
    run_done(&m, &r);
}

/* ------------------------------------------------------------ the real program */

Test(headless, forklab_run_headless_prints_the_model, .timeout = 60.)
{
    char path[PATH_MAX];
    if (!example_path("02-spawn", path, sizeof path)) cr_skip_test("lessons/02-spawn is not built");
    static char out[1 << 16];
    char *args[] = {"run", "02-spawn", "--headless", NULL};
    forklab_exits(args, NULL, out, sizeof out, 0);
    cr_assert(strstr(out, "== processes\n"), "%s", out);
    cr_assert(strstr(out, "== output\n"));
    cr_assert(strstr(out, "[out] hello bob\n"), "the example's own output is shown");
    /* The child: a real pid, its parent the example, exited 0. */
    int root = 0, child = 0, child_ppid = 0;
    for (char *line = strtok(out, "\n"); line; line = strtok(NULL, "\n")) {
        int pid, ppid;
        char name[64], state[64];
        if (sscanf(line, " %d %d %63s %63[^\n]", &pid, &ppid, name, state) != 4) continue;
        if (!strcmp(name, "02-spawn")) root = pid;
        if (!strcmp(name, "Process-1") && !strcmp(state, "exited 0")) child = pid, child_ppid = ppid;
    }
    cr_assert_gt(root, 1);
    cr_assert_gt(child, 1);
    cr_assert_eq(child_ppid, root);
    cr_assert_neq(child, root);
    tu_assert_no_children();
}

Test(headless, forklab_run_frames_prints_frames, .timeout = 60.)
{
    char path[PATH_MAX];
    if (!example_path("02-spawn", path, sizeof path)) cr_skip_test("lessons/02-spawn is not built");
    static char out[1 << 16];
    char *args[] = {"run", "02-spawn", "--frames", NULL};
    forklab_exits(args, NULL, out, sizeof out, 0);
    cr_assert(strstr(out, "--- frame 1 t=+"), "%s", out);
    cr_assert(strstr(out, "exited 0"));
    tu_assert_no_children();
}

Test(headless, exit_status_and_signal_come_through, .timeout = 60.)
{
    static char out[1 << 16];
    char *args[] = {"run", (char *)self(), "--headless", NULL};
    forklab_exits(args, MODE_ENV "=exit:3", out, sizeof out, 3);
    cr_assert(strstr(out, "[err] exiting with 3\n"), "%s", out);
    cr_assert(strstr(out, "exited 3"), "%s", out);
    forklab_exits(args, MODE_ENV "=kill", out, sizeof out, 128 + SIGKILL);
    cr_assert(strstr(out, "killed by SIGKILL"), "%s", out);
    char *bad[] = {"run", "no-such-example-xyz", "--headless", NULL};
    forklab_exits(bad, NULL, out, sizeof out, 1);
    cr_assert(strstr(out, "no-such-example-xyz"), "the message names what was not found: %s", out);
    tu_assert_no_children();
}

Test(headless, timeout_kills_the_run, .timeout = 60.)
{
    static char out[1 << 16];
    char *args[] = {"run", (char *)self(), "--headless", "--timeout", "0.5", NULL};
    double t0 = tu_now();
    int status = run_forklab(args, MODE_ENV "=sleep", out, sizeof out);
    double took = tu_now() - t0;
    cr_assert(WIFEXITED(status) && WEXITSTATUS(status) == 124, "status %d:\n%s", status, out);
    cr_assert_geq(took, 0.4, "%.2f s", took);
    cr_assert_lt(took, 20.0, "%.2f s", took);
    cr_assert(strstr(out, "still running after"), "%s", out);
    cr_assert(strstr(out, "killed by SIGKILL"), "the model shows the kill: %s", out);
    char *frames[] = {"run", (char *)self(), "--frames", "--timeout", "0.5", NULL};
    forklab_exits(frames, MODE_ENV "=sleep", out, sizeof out, 124);
    tu_assert_no_children();
}

Test(headless, more_events_than_the_ring_holds_drops_never_deadlocks, .timeout = 60.)
{
    struct model m;
    struct runner r;
    double t0 = tu_now();
    int rc = run_self("emit:100000", &m, &r, 64, 40);
    cr_assert_eq(rc, 0, "the run ended (%.1f s)", tu_now() - t0);
    cr_assert_eq(r.exit_code, 0);
    cr_assert_gt(runner_dropped(&r), 0);
    cr_assert_eq(m.dropped, runner_dropped(&r));
    /* Every event is either applied or counted as dropped: the example's
     * PROC_START and notes, plus the runner's PROC_EXIT for it. */
    cr_assert_eq(m.applied + m.dropped, 100000 + 1 + 1, "applied %llu + dropped %llu",
                 (unsigned long long)m.applied, (unsigned long long)m.dropped);
    runner_free(&r);
    model_free(&m);

    static char out[1 << 22];
    char *args[] = {"run", (char *)self(), "--headless", "--ring-events", "64", NULL};
    forklab_exits(args, MODE_ENV "=emit:20000", out, sizeof out, 0);
    unsigned long long applied, dropped;
    char *last = strstr(out, "\nevents: ");
    cr_assert_not_null(last, "the last line counts events");
    cr_assert_eq(sscanf(last, "\nevents: %llu applied, %llu dropped", &applied, &dropped), 2);
    cr_assert_gt(dropped, 0, "%s", last);
    cr_assert_eq(applied + dropped, 20000 + 2, "%s", last);
    tu_assert_no_children();
}

Test(headless, orphans_are_killed_and_reaped, .timeout = 60.)
{
    struct model m;
    struct runner r;
    double t0 = tu_now();
    int rc = run_self("orphan", &m, &r, 0, 30);
    double took = tu_now() - t0;
    cr_assert_eq(rc, 0);
    cr_assert_lt(took, 20.0, "an orphan holding the pipes does not hold the run (%.1f s)", took);
    /* The orphan announced itself; it must be gone now. */
    int orphan = 0;
    /* (Its recorded ppid may already be ours: its parent exits at once.) */
    for (size_t i = 0; i < m.nprocs; i++)
        if (m.procs[i].pid != r.pid) orphan = m.procs[i].pid;
    cr_assert_eq(m.nprocs, 2, "the example and its orphan");
    cr_assert_gt(orphan, 1, "the orphan is in the model");
    errno = 0;
    cr_assert(kill(orphan, 0) < 0 && errno == ESRCH, "orphan %d was killed and reaped", orphan);
    run_done(&m, &r);
}

Test(headless, pause_resume_kill, .timeout = 60.)
{
    setenv(MODE_ENV, "orphan", 1);
    struct model m;
    struct runner r;
    model_init(&m);
    runner_init(&r, &m);
    char *argv[] = {(char *)self(), NULL};
    cr_assert_eq(runner_start(&r, self(), argv), 0);
    unsetenv(MODE_ENV);
    cr_assert_eq(runner_pause(&r), 0);
    cr_assert(r.paused);
    cr_assert_eq(runner_resume(&r), 0);
    cr_assert_not(r.paused);
    cr_assert_eq(runner_kill(&r), 0);
    cr_assert(runner_done(&r));
    cr_assert(r.exited);
    cr_assert_eq(runner_pause(&r), -ESRCH, "nothing left to pause");
    errno = 0;
    cr_assert(killpg(r.pid, 0) < 0 && errno == ESRCH, "the whole group is gone");
    run_done(&m, &r);
}

Test(headless, resolve_and_bad_input, .timeout = 10.)
{
    char path[PATH_MAX];
    char **args;
    size_t nargs;
    cr_assert_eq(runner_resolve("no-such-thing-xyz", path, sizeof path, &args, &nargs), -ENOENT);
    cr_assert_eq(runner_resolve("/no/such/file", path, sizeof path, &args, &nargs), -ENOENT);
    cr_assert_eq(runner_resolve(NULL, path, sizeof path, &args, &nargs), -EINVAL);
    cr_assert_eq(runner_resolve(self(), path, sizeof path, &args, &nargs), 0);
    cr_assert_str_eq(path, self());
    cr_assert_eq(nargs, 0);
    if (example_path("02-spawn", path, sizeof path)) {
        char want[PATH_MAX];
        snprintf(want, sizeof want, "%s", path);
        cr_assert_eq(runner_resolve("02-spawn", path, sizeof path, &args, &nargs), 0);
        cr_assert_str_eq(path, want);
        runner_free_args(args, nargs);
    }
    struct runner r;
    runner_init(&r, NULL);
    char *argv[] = {"/no/such/program", NULL};
    int rc = runner_start(&r, "/no/such/program", argv);
    cr_assert_eq(rc, -ENOENT, "the exec failure comes back: %d", rc);
    runner_free(&r);
    cr_assert_eq(runner_start(NULL, "x", argv), -EINVAL);
    tu_assert_no_children();
}

Test(headless, resolve_a_lesson_id_to_its_program, .timeout = 20.)
{
    /* The lessons are in $FORKLAB_HOME, or in the tree `make test` runs from. */
    const char *home = getenv("FORKLAB_HOME");
    char yaml[PATH_MAX];
    snprintf(yaml, sizeof yaml, "%s/lessons/05-shared-memory.yaml", home ? home : ".");
    char want[PATH_MAX];
    if (access(yaml, R_OK) != 0 || !example_path("05-shared-array", want, sizeof want))
        cr_skip_test("lesson 05-shared-memory or its example is not there");
    if (!home) setenv("FORKLAB_HOME", ".", 1);
    char path[PATH_MAX];
    char **args;
    size_t nargs;
    cr_assert_eq(runner_resolve("05-shared-memory", path, sizeof path, &args, &nargs), 0);
    cr_assert_str_eq(path, want, "the lesson's run.program, built");
    runner_free_args(args, nargs);
}
