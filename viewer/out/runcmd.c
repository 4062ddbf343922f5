/*
 * run.c — `forklab run LESSON_OR_EXAMPLE [--headless|--frames] [--timeout S] [-- ARGS]`.
 *
 * Without --headless/--frames it opens the live view (live: main.c passes
 * ui_run_live, so this file, outside viewer/ui, never calls the UI). The
 * headless modes run the example through the runner and print the model as
 * text (dump.h); the example's own output is kept in an "output" section
 * ("[out] ..." / "[err] ..."), and forklab exits with the example's status.
 *
 * Exit status: the example's (n, or 128 + signal); 124 when --timeout
 * killed it; RUN_EXIT_DEADLOCK (3) when it deadlocked: the run is stopped
 * as soon as the deadlock is confirmed (waitfor.h) and the dump names the
 * cycle in its "deadlock" section. A controlled run (--seed, --schedule)
 * exits 3 when no process can move: its deadlock section names the cycle
 * from the parked operations, and a "stuck:" line lists each of them.
 */
#include "commands.h"
#include "controller.h"
#include "dump.h"
#include "lesson.h"
#include "paths.h"
#include "text.h"
#include "runner.h"
#include "run/mpi_launch.h"

#include <errno.h>
#include <limits.h>
#include <mp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define OUTPUT_MAX (1u << 20) /* keep at most 1 MiB of the example's output */
#define RUN_EXIT_DEADLOCK 3

struct output {
    char *text;
    size_t len, cap;
    size_t lost_lines;
    bool live;      /* --frames: also print each line, after the frame of its pump */
    char *pending;  /* --frames: lines read in this pump, not printed yet */
    size_t npending, cap_pending;
};

/* --frames: a pump reads the output before it drains the trace, so a line
 * is held until the frame with the events that came before it is printed
 * (else a child's output would show a frame before the child exists). */
static void hold_line(struct output *o, const char *tag, const char *line)
{
    size_t need = strlen(tag) + strlen(line) + 2;
    if (o->npending + need > o->cap_pending) {
        size_t ncap = o->cap_pending ? o->cap_pending * 2 : 4096;
        while (ncap < o->npending + need) ncap *= 2;
        char *p = realloc(o->pending, ncap);
        if (!p) { /* no room to hold it: print it now rather than lose it */
            printf("%s%s\n", tag, line);
            return;
        }
        o->pending = p;
        o->cap_pending = ncap;
    }
    o->npending += (size_t)snprintf(o->pending + o->npending, o->cap_pending - o->npending, "%s%s\n", tag, line);
}

static void flush_held(struct output *o)
{
    if (o->npending) fwrite(o->pending, 1, o->npending, stdout);
    o->npending = 0;
}

static void on_line(void *ctx, enum runner_stream s, const char *line)
{
    struct output *o = ctx;
    const char *tag = s == RUNNER_STDOUT ? "[out] " : "[err] ";
    /* The example's bytes are shown, never obeyed: controls become '?'. */
    char shown[4096];
    text_safe(shown, sizeof shown, line);
    line = shown;
    if (o->live) hold_line(o, tag, line);
    size_t need = strlen(tag) + strlen(line) + 2;
    if (o->len + need > OUTPUT_MAX) {
        o->lost_lines++;
        return;
    }
    if (o->len + need > o->cap) {
        size_t ncap = o->cap ? o->cap * 2 : 4096;
        while (ncap < o->len + need) ncap *= 2;
        char *p = realloc(o->text, ncap);
        if (!p) {
            o->lost_lines++;
            return;
        }
        o->text = p;
        o->cap = ncap;
    }
    o->len += (size_t)snprintf(o->text + o->len, o->cap - o->len, "%s%s\n", tag, line);
}

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static uint64_t now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/* One more pass of the loop: poll, pump, watch for a deadlock. Returns
 * events applied, or -EDEADLK once one is confirmed (the run is then
 * ended: killed, reaped, drained). */
static int step(struct runner *r, struct wf_watch *watch)
{
    struct pollfd fds[RUNNER_MAX_FDS];
    int n = runner_pollfds(r, fds, RUNNER_MAX_FDS);
    poll(fds, (nfds_t)n, RUNNER_TICK_MS);
    int got = runner_pump(r);
    /* MPI ranks blocked for good (model_mpi) are a deadlock too. */
    if (waitfor_watch(watch, r->model, now_ns()) == 1 || mpi_launch_deadlocked(r, now_ns())) {
        r->keep_state = true; /* the deadlock section shows who waited for whom */
        runner_finish(r);
        return -EDEADLK;
    }
    return got;
}

static void usage(void)
{
    fprintf(stderr, "usage: forklab run LESSON|EXAMPLE [--headless|--frames] [--timeout SECONDS] [--ring-events N]\n"
                    "                   [--seed N | --schedule S] [-- ARGS...]\n"
                    "       forklab run --mpi N [--mca KEY VALUE]... PROGRAM [--headless|--frames] [-- ARGS...]\n"
                    "  (--mpi: N ranks under mpirun, each traced)\n"
                    "  --seed N      controlled run: each step picks uniformly among the enabled processes\n"
                    "  --schedule S  controlled run replaying S (process indexes by creation order, \"0 0 1 2\"),\n"
                    "                then the lowest enabled index; headless ends with the line 'schedule: S'\n"
                    "exit status: the example's; 124 on --timeout; 3 when it deadlocked (stopped at once) or, controlled,\n"
                    "no process could move; 2 when a schedule names a process that is not enabled\n");
}

/* argv for the program: argv[0] = path, then the lesson's args, then ours. */
static char **build_argv(const char *path, char **largs, size_t nlargs, char **extra, int nextra)
{
    char **v = calloc(1 + nlargs + (size_t)nextra + 1, sizeof *v);
    if (!v) return NULL;
    size_t n = 0;
    v[n++] = (char *)path;
    for (size_t i = 0; i < nlargs; i++) v[n++] = largs[i];
    for (int i = 0; i < nextra; i++) v[n++] = extra[i];
    v[n] = NULL;
    return v;
}

/* MPI options of forklab run: --mpi N and --mca KEY VALUE (kept for mpirun). */
struct mpi_opts {
    int ranks;
    char *args[64];
    size_t nargs;
};

/* A controlled run's own lines after the dump: who is who, then the
 * schedule (the last line, for scripts). */
static void print_controlled(const struct controller *c)
{
    if (c->free_runs)
        printf("note: %zu time(s) a process ran over %.0f s without a libmp operation (a busy wait on memory?) and the "
               "run went on without it: this schedule may not replay exactly\n",
               c->free_runs, CTL_FREE_RUN_NS / 1e9);
    printf("indexes:");
    for (size_t i = 0; i < c->nprocs; i++) printf(" %d=%d", c->procs[i].index, c->procs[i].pid);
    printf("\n");
    size_t need = ctl_schedule(c, NULL, 0) + 1;
    char *buf = malloc(need);
    if (buf) ctl_schedule(c, buf, need);
    printf("schedule: %s\n", buf ? buf : "");
    free(buf);
}

/* --seed / --schedule: a controlled run under this policy. */
struct control_opts {
    bool on;
    struct sched_policy policy;
};

static int run_headless(const char *target, bool frames, double timeout, size_t ring, char **extra, int nextra,
                        const struct mpi_opts *mo, struct control_opts *ctl)
{
    char path[PATH_MAX];
    char **largs;
    size_t nlargs;
    int rc = runner_resolve(target, path, sizeof path, &largs, &nlargs);
    if (rc < 0) {
        if (rc == -ENOENT) runner_explain_missing(stderr, "forklab run", target);
        else fprintf(stderr, "forklab run: cannot resolve '%s': %s\n", target, mp_strerror(rc));
        return 1;
    }
    char **argv = build_argv(path, largs, nlargs, extra, nextra);
    struct model m;
    struct runner r;
    struct output o = {.live = frames};
    struct wf_watch watch = {0};
    model_init(&m);
    model_set_host(&m, (int)getpid()); /* the top PPID is us: say so */
    runner_init(&r, &m);
    r.ring_events = ring;
    r.on_line = on_line;
    r.ctx = &o;
    char **lesson_mpi_args = NULL;
    size_t nlesson_mpi_args = 0;
    r.mpi_ranks = mo->ranks ? mo->ranks : mpi_launch_lesson(target, &lesson_mpi_args, &nlesson_mpi_args);
    r.mpi_args = mo->ranks ? mo->args : lesson_mpi_args;
    r.nmpi_args = mo->ranks ? mo->nargs : nlesson_mpi_args;
    struct controller c;
    bool controlled = ctl->on && !frames;
    if (controlled && (rc = ctl_init(&c, &r, &m, &ctl->policy)) < 0) {
        fprintf(stderr, "forklab run: cannot make the control channel: %s\n", mp_strerror(rc));
        ctl_free(&c);
        controlled = false;
    } else {
        rc = argv ? runner_start(&r, path, argv) : -ENOMEM;
    }
    if (controlled && rc == 0) ctl_started(&c);
    if (rc < 0) {
        fprintf(stderr, "forklab run: cannot run %s: %s\n", path, mp_strerror(rc));
        if (controlled) ctl_free(&c);
        free(argv);
        runner_free_args(largs, nlargs);
        runner_free_args(lesson_mpi_args, nlesson_mpi_args);
        runner_free(&r);
        model_free(&m);
        return 1;
    }
    if (frames) {
        unsigned frame = 0;
        double until = timeout < 0 ? -1 : now_s() + timeout;
        rc = 0;
        while (!runner_done(&r)) {
            if (until >= 0 && now_s() >= until) {
                rc = -ETIMEDOUT;
                break;
            }
            int got = step(&r, &watch);
            if (got == -EDEADLK) rc = got;
            if (got != 0) dump_frame(stdout, &m, ++frame);
            flush_held(&o);
            if (got == -EDEADLK) break;
        }
        size_t before = m.applied;
        runner_finish(&r);
        if (m.applied > before) dump_frame(stdout, &m, ++frame);
        flush_held(&o);
    } else if (controlled) {
        rc = ctl_run(&c, timeout);
    } else {
        double until = timeout < 0 ? -1 : now_s() + timeout;
        rc = 0;
        while (!runner_done(&r) && rc == 0) {
            if (until >= 0 && now_s() >= until) rc = -ETIMEDOUT;
            else if (step(&r, &watch) == -EDEADLK) rc = -EDEADLK;
        }
        runner_finish(&r);
    }
    if (rc == -ETIMEDOUT) fprintf(stderr, "forklab run: %s still running after %g s: killed\n", target, timeout);
    if (rc == -EDEADLK || (controlled && rc == CTL_STUCK && c.deadlock))
        fprintf(stderr, "forklab run: %s deadlocked: stopped (see the deadlock section)\n", target);
    if (o.lost_lines) on_line(&o, RUNNER_STDERR, "(output cut: too long)");
    dump_model(stdout, &m, frames ? NULL : (o.text ? o.text : ""));
    int status = runner_shell_status(&r);
    if (controlled) {
        if (rc == CTL_STUCK) printf("stuck: %s\n", c.error);
        if (rc == CTL_REFUSED) fprintf(stderr, "forklab run: %s\n", c.error);
        print_controlled(&c);
        if (rc == CTL_STUCK) status = RUN_EXIT_DEADLOCK;
        if (rc == CTL_REFUSED) status = 2;
        ctl_free(&c);
    }
    fflush(stdout);
    free(o.text);
    free(o.pending);
    free(argv);
    runner_free_args(largs, nlargs);
    runner_free(&r);
    runner_free_args(lesson_mpi_args, nlesson_mpi_args);
    model_free(&m);
    if (rc == -EDEADLK) return RUN_EXIT_DEADLOCK;
    return rc == -ETIMEDOUT ? 124 : status;
}

int cmd_run(int argc, char **argv, int (*live)(const char *target))
{
    const char *target = NULL;
    bool headless = false, frames = false;
    double timeout = -1;
    size_t ring = 0;
    struct mpi_opts mo = {0};
    struct control_opts ctl = {0};
    const char *schedule = NULL;
    int i = 0;
    for (; i < argc; i++) {
        const char *a = argv[i];
        if (!strcmp(a, "--")) {
            i++;
            break;
        }
        if (!strcmp(a, "--headless")) headless = true;
        else if (!strcmp(a, "--frames")) frames = true;
        else if (!strcmp(a, "--timeout") && i + 1 < argc) {
            char *end;
            timeout = strtod(argv[++i], &end);
            if (*end || timeout <= 0) {
                fprintf(stderr, "forklab run: bad --timeout '%s'\n", argv[i]);
                return 2;
            }
        } else if (!strcmp(a, "--ring-events") && i + 1 < argc) {
            char *end;
            long n = strtol(argv[++i], &end, 10);
            if (*end || n <= 0) {
                fprintf(stderr, "forklab run: bad --ring-events '%s'\n", argv[i]);
                return 2;
            }
            ring = (size_t)n;
        } else if (!strcmp(a, "--mpi") && i + 1 < argc) {
            char *end;
            long n = strtol(argv[++i], &end, 10);
            if (*end || n < 1 || n > 64) {
                fprintf(stderr, "forklab run: bad --mpi '%s' (ranks: 1..64)\n", argv[i]);
                return 2;
            }
            mo.ranks = (int)n;
        } else if (!strcmp(a, "--mca") && i + 2 < argc && mo.nargs + 3 <= 64) {
            mo.args[mo.nargs++] = (char *)"--mca";
            mo.args[mo.nargs++] = argv[++i];
            mo.args[mo.nargs++] = argv[++i];
        } else if (!strcmp(a, "--seed") && i + 1 < argc) {
            char *end;
            unsigned long long seed = strtoull(argv[++i], &end, 10);
            if (*end || !*argv[i] || argv[i][0] == '-') {
                fprintf(stderr, "forklab run: bad --seed '%s' (a number)\n", argv[i]);
                return 2;
            }
            sched_policy_init(&ctl.policy, SCHED_SEEDED, seed);
            ctl.on = true;
        } else if (!strcmp(a, "--schedule") && i + 1 < argc) {
            schedule = argv[++i];
        } else if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
            usage();
            return 0;
        } else if (a[0] == '-') {
            fprintf(stderr, "forklab run: unknown option '%s'\n", a);
            usage();
            return 2;
        } else if (!target) target = a;
        else {
            fprintf(stderr, "forklab run: unexpected argument '%s' (program arguments go after --)\n", a);
            usage();
            return 2;
        }
    }
    if (!target) {
        usage();
        return 2;
    }
    if (mo.nargs && !mo.ranks) {
        fprintf(stderr, "forklab run: --mca needs --mpi N\n");
        return 2;
    }
    if (schedule) {
        char err[256];
        if (ctl.on) {
            fprintf(stderr, "forklab run: --seed and --schedule do not go together\n");
            return 2;
        }
        sched_policy_init(&ctl.policy, SCHED_FREE, 0);
        if (sched_policy_replay(&ctl.policy, schedule, SCHED_FREE, err, sizeof err) < 0) {
            fprintf(stderr, "forklab run: %s\n", err);
            return 2;
        }
        ctl.on = true;
    }
    if (ctl.on && !headless) {
        sched_policy_free(&ctl.policy);
        fprintf(stderr, "forklab run: --seed and --schedule work with --headless "
                        "(in the live view, m switches to a controlled mode)\n");
        return 2;
    }
    if (!headless && !frames) {
        char **largs = NULL;
        size_t nlargs = 0;
        if (mo.ranks) mpi_launch_set_default(mo.ranks, mo.args, mo.nargs);
        else mpi_launch_set_default(mpi_launch_lesson(target, &largs, &nlargs), largs, nlargs);
        int st = live(target);
        runner_free_args(largs, nlargs);
        return st;
    }
    return run_headless(target, frames, timeout, ring, argv + i, argc - i, &mo, &ctl);
}
