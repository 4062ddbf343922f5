/*
 * explore.c — `forklab explore [OPTIONS] EXAMPLE [-- ARGS]` (explore.h).
 *
 * Each run is a controlled run (run/controller.h) whose every decision the
 * search takes (the controller's LEARNER policy, fed the search's choice).
 * With -j N, N runs go at once in one poll loop: the search hands out work
 * items (schedule prefixes) independently of the order they finish in, so
 * the outcomes and counts do not depend on N.
 */
#include "explore.h"

#include "commands.h"
#include "controller.h"
#include "lesson.h"
#include "paths.h"
#include "run/mpi_launch.h"
#include "runner.h"

#include <errno.h>
#include <limits.h>
#include <mp.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define EX_JOBS_MAX 16
#define EX_OUT_MAX (64u << 10) /* kept output per run */

struct slot {
    bool busy;
    struct model m;
    struct runner r;
    struct controller c;
    struct ex_run run;
    const regex_t *keep;
    bool echo_err;
    char *out;               /* kept stdout lines joined by " | " */
    size_t len, cap;
    size_t lines, mark_lines, mark_partial;
    double t0;
};

struct explorer {
    const char *path;
    char *const *argv;
    const struct explore_opts *o;
    struct explore_result *res;
    struct ex_search s;
    struct slot slots[EX_JOBS_MAX];
    int nslots;
    double t0, last_progress;
    bool limit_hit;
    bool stop;               /* stop_unless met another outcome */
    int error;
};

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void out_append(struct slot *s, const char *text)
{
    size_t need = strlen(text) + 4;
    if (s->len + need > EX_OUT_MAX) return;
    if (s->len + need > s->cap) {
        size_t ncap = s->cap ? s->cap * 2 : 256;
        while (ncap < s->len + need) ncap *= 2;
        char *p = realloc(s->out, ncap);
        if (!p) return;
        s->out = p;
        s->cap = ncap;
    }
    s->len += (size_t)snprintf(s->out + s->len, s->cap - s->len, "%s%s", s->len ? " | " : "", text);
}

static void on_line(void *ctx, enum runner_stream st, const char *line)
{
    struct slot *s = ctx;
    if (st != RUNNER_STDOUT) {
        if (s->echo_err) fprintf(stderr, "%s\n", line);
        return;
    }
    s->lines++;
    if (s->keep && regexec(s->keep, line, 0, NULL, 0) != 0) return;
    out_append(s, line);
}

static int slot_start(struct explorer *x, struct slot *s)
{
    memset(s, 0, sizeof *s);
    if (!ex_run_begin(&x->s, &s->run)) return 0;
    s->keep = x->o->keep;
    s->echo_err = x->o->echo_stderr;
    model_init(&s->m);
    runner_init(&s->r, &s->m);
    s->r.on_line = on_line;
    s->r.ctx = s;
    struct sched_policy p;
    sched_policy_init(&p, SCHED_LEARNER, 0);
    int rc = ctl_init(&s->c, &s->r, &s->m, &p);
    if (rc == 0) rc = runner_start(&s->r, x->path, x->argv);
    if (rc < 0) {
        ctl_free(&s->c);
        runner_free(&s->r);
        model_free(&s->m);
        ex_run_end(&x->s, &s->run);
        return rc;
    }
    ctl_started(&s->c);
    s->t0 = now_s();
    s->busy = true;
    return 1;
}

/* The outcome's text: kept output, then each process's exit status. */
static void outcome_text(struct slot *s, char *buf, size_t cap)
{
    size_t len = (size_t)snprintf(buf, cap, "%s%sexits", s->out ? s->out : "", s->len ? " · " : "");
    for (size_t i = 0; i < s->c.nprocs && len < cap; i++) {
        int code = 0, known = 0;
        if (i == 0) {
            known = s->r.exited;
            code = s->r.exit_code;
        } else {
            const struct model_proc *mp = model_proc(&s->m, s->c.procs[i].pid);
            if (mp && mp->state == MPROC_EXITED) {
                known = 1;
                code = mp->exit_code;
            }
        }
        char st[32];
        exo_status(code, known, st, sizeof st);
        len += (size_t)snprintf(buf + len, cap - len, " %s", st);
    }
}

enum run_end { END_DONE, END_STUCK, END_TIMEOUT, END_PRUNED, END_DIVERGED, END_ERROR, END_TOO_MANY };

static bool printed_since_mark(struct slot *s)
{
    return s->lines != s->mark_lines || s->r.npartial[0] != s->mark_partial;
}

static void slot_finish(struct explorer *x, struct slot *s, enum run_end how)
{
    runner_finish(&s->r);
    if (how != END_DIVERGED && how != END_PRUNED && ex_stepped(&x->s, &s->run, printed_since_mark(s)) < 0)
        x->error = -ENOMEM;
    if (how == END_PRUNED) x->res->pruned++;
    if (how == END_DIVERGED) x->res->diverged++;
    if (how == END_DONE || how == END_STUCK || how == END_TIMEOUT || how == END_TOO_MANY) {
        static char text[EX_OUT_MAX + 4096];
        if (how == END_STUCK) {
            /* By creation order, not PID: the same deadlock is one outcome. */
            char cycle[2048];
            if (ctl_deadlock_text(&s->c, true, cycle, sizeof cycle)) snprintf(text, sizeof text, "deadlock: %s", cycle);
            else snprintf(text, sizeof text, "deadlock");
        }
        else if (how == END_TOO_MANY) snprintf(text, sizeof text, "too many processes (over %zu)", x->o->max_procs);
        else if (how == END_TIMEOUT) snprintf(text, sizeof text, "timeout (still running after %g s)", x->o->run_timeout);
        else outcome_text(s, text, sizeof text);
        size_t need = ctl_schedule(&s->c, NULL, 0) + 1;
        char *sched = malloc(need);
        if (sched) {
            ctl_schedule(&s->c, sched, need);
            x->res->runs++;
            int added = exo_add(&x->res->outcomes, text, sched, s->c.nsteps, x->res->runs);
            if (added < 0) x->error = added;
            if (added == 1 && x->o->stop_unless && strcmp(text, x->o->stop_unless)) x->stop = true;
            if (added == 1 && x->o->on_outcome)
                x->o->on_outcome(x->o->ctx, exo_find(&x->res->outcomes, text));
        } else x->error = -ENOMEM;
        free(sched);
    }
    ex_run_end(&x->s, &s->run);
    ctl_free(&s->c);
    runner_free(&s->r);
    model_free(&s->m);
    free(s->out);
    s->out = NULL;
    s->busy = false;
}

/* Take every decision that can be taken now (never blocks). */
static void slot_advance(struct explorer *x, struct slot *s)
{
    runner_pump(&s->r);
    if (runner_done(&s->r)) {
        slot_finish(x, s, END_DONE);
        return;
    }
    if (now_s() - s->t0 > x->o->run_timeout) {
        slot_finish(x, s, END_TIMEOUT);
        return;
    }
    if (!ctl_settled(&s->c)) return;
    if (x->o->max_procs && s->c.nprocs > x->o->max_procs) { /* a fork loop: stop it before it fills the machine */
        slot_finish(x, s, END_TOO_MANY);
        return;
    }
    if (s->run.pending && ctl_has_parked(&s->c)) {
        if (ex_stepped(&x->s, &s->run, printed_since_mark(s)) < 0) x->error = -ENOMEM;
        s->mark_lines = s->lines;
        s->mark_partial = s->r.npartial[0];
    }
    if (!ctl_has_parked(&s->c)) return;
    struct controller *c = &s->c;
    size_t n = sched_enabled(&s->m, c->procs, c->nprocs, c->verdict);
    if (n == 0) {
        /* A process running on its own (busy, or in an endless loop) may
         * still free the others: that run ends by itself or as a timeout,
         * never as a deadlock. */
        for (size_t i = 0; i < c->nprocs; i++)
            if (c->procs[i].alive && !c->procs[i].parked) return;
        if (ctl_step(c, -1) == CTL_STUCK) slot_finish(x, s, END_STUCK);
        return;
    }
    struct ex_op ops[MP_GATE_MAX];
    size_t k = 0;
    for (size_t i = 0; i < c->nprocs; i++)
        if (c->verdict[i] != SCHED_DISABLED)
            ops[k++] = (struct ex_op){.index = c->procs[i].index, .kind = c->procs[i].op.kind, .obj = c->procs[i].op.obj};
    int pick = ex_decide(&x->s, &s->run, ops, k);
    if (pick < 0) {
        if (pick == -ENOMEM) x->error = pick;
        slot_finish(x, s, pick == EX_PRUNE ? END_PRUNED : pick == EX_DIVERGED ? END_DIVERGED : END_ERROR);
        return;
    }
    int st = ctl_step(c, pick);
    if (st == CTL_STUCK) slot_finish(x, s, END_STUCK);
    else if (st != CTL_GRANTED) slot_finish(x, s, END_ERROR);
}

static void progress(struct explorer *x, bool last)
{
    if (!x->o->progress) return;
    double t = now_s();
    if (!last && (t - x->last_progress < 0.5 || !isatty(2))) return;
    x->last_progress = t;
    double el = t - x->t0;
    fprintf(stderr, "%sexplore: %zu runs, %zu outcomes, %.0f runs/s, %.1f s%s", isatty(2) ? "\r\033[K" : "",
            x->res->runs, x->res->outcomes.n, el > 0 ? (double)x->res->runs / el : 0.0, el, last ? "\n" : "");
    fflush(stderr);
}

static bool may_start(struct explorer *x)
{
    const struct explore_opts *o = x->o;
    size_t begun = (size_t)x->s.runs_begun;
    if (x->stop) x->limit_hit = true;
    else if (o->max_runs && begun >= o->max_runs) x->limit_hit = true;
    else if (o->time_limit > 0 && now_s() - x->t0 >= o->time_limit) x->limit_hit = true;
    else if (o->random && begun >= o->nrandom) return false;
    else return true;
    return false;
}

int explore_program(const char *path, char *const argv[], const struct explore_opts *o, struct explore_result *res)
{
    memset(res, 0, sizeof *res);
    struct explorer *x = calloc(1, sizeof *x);
    if (!x) return -ENOMEM;
    x->path = path;
    x->argv = argv;
    x->o = o;
    x->res = res;
    x->nslots = o->jobs < 1 ? 1 : o->jobs > EX_JOBS_MAX ? EX_JOBS_MAX : o->jobs;
    ex_search_init(&x->s, o->random, o->bound, o->seed);
    x->t0 = now_s();
    int rc = 0;
    for (;;) {
        int busy = 0;
        for (int i = 0; i < x->nslots && !x->error; i++) {
            struct slot *s = &x->slots[i];
            if (!s->busy && may_start(x)) {
                int st = slot_start(x, s);
                if (st < 0 && res->runs == 0) x->error = st;
            }
            busy += s->busy;
        }
        if (!busy || x->error) break;
        struct pollfd fds[EX_JOBS_MAX * (RUNNER_MAX_FDS + 8)];
        int nf = 0;
        for (int i = 0; i < x->nslots; i++) {
            struct slot *s = &x->slots[i];
            if (!s->busy) continue;
            nf += runner_pollfds(&s->r, fds + nf, RUNNER_MAX_FDS);
            nf += ctl_pollfds(&s->c, fds + nf, 8);
        }
        poll(fds, (nfds_t)nf, RUNNER_TICK_MS);
        for (int i = 0; i < x->nslots; i++)
            if (x->slots[i].busy) slot_advance(x, &x->slots[i]);
        progress(x, false);
    }
    for (int i = 0; i < x->nslots; i++)
        if (x->slots[i].busy) slot_finish(x, &x->slots[i], END_PRUNED);
    rc = x->error;
    res->search = o->random ? "random" : (x->s.bound_cut || x->limit_hit || ex_pending(&x->s)) ? "bounded" : "complete";
    res->elapsed = now_s() - x->t0;
    progress(x, true);
    ex_search_free(&x->s);
    free(x);
    exo_sort(&res->outcomes);
    return rc;
}

void explore_result_free(struct explore_result *res)
{
    exo_free(&res->outcomes);
}

/* ------------------------------------------------------------ the command */

static void usage(FILE *f)
{
    fprintf(f,
            "usage: forklab explore [OPTIONS] LESSON|EXAMPLE [-- ARGS...]\n"
            "  --bound K       at most K preemptions per run (default 2); --bound all: every interleaving\n"
            "  --random N      N random runs (PCT priorities) instead of the depth-first search\n"
            "  --seed S        the random runs' seed (default 1)\n"
            "  --max-runs N    stop after N runs;  --time SECONDS: stop after that long\n"
            "  -j N            N runs at once (default 1)\n"
            "  --run-timeout S one run longer than S seconds is the outcome 'timeout' (default 10)\n"
            "  --outcome REGEX only the output lines matching REGEX make the outcome\n"
            "  --json          the outcomes as JSON;  --expect-one: exit 1 when there is more than one\n"
            "  --live          also print 'found<TAB>OUTCOME<TAB>SCHEDULE' as each new outcome is found\n"
            "each outcome comes with the shortest schedule that produced it: forklab run EXAMPLE --headless --schedule S\n");
}

static void json_str(const char *s)
{
    putchar('"');
    for (; *s; s++) {
        unsigned char ch = (unsigned char)*s;
        if (ch == '"' || ch == '\\') printf("\\%c", ch);
        else if (ch < 0x20) printf("\\u%04x", ch);
        else putchar(ch);
    }
    putchar('"');
}

static void print_result(const struct explore_result *res, bool json)
{
    const struct ex_outcomes *t = &res->outcomes;
    if (json) {
        printf("{\"runs\": %zu, \"search\": \"%s\", \"pruned\": %zu, \"diverged\": %zu, \"outcomes\": [", res->runs,
               res->search, res->pruned, res->diverged);
        for (size_t i = 0; i < t->n; i++) {
            printf("%s\n  {\"count\": %zu, \"outcome\": ", i ? "," : "", t->v[i].count);
            json_str(t->v[i].text);
            printf(", \"schedule\": ");
            json_str(t->v[i].schedule);
            printf("}");
        }
        printf("\n]}\n");
        return;
    }
    for (size_t i = 0; i < t->n; i++)
        printf("%6zu  %s  schedule %s\n", t->v[i].count, t->v[i].text, t->v[i].schedule);
    printf("explored %zu runs (%s), %zu outcomes\n", res->runs, res->search, t->n);
}

/* --live: each new outcome on its own line at once (the viewer reads them). */
static void print_live(void *ctx, const struct ex_outcome *o)
{
    (void)ctx;
    printf("found\t%s\t%s\n", o->text, o->schedule);
    fflush(stdout);
}

static int parse_count(const char *s, size_t *out)
{
    char *end;
    if (!*s || *s == '-') return -EINVAL;
    unsigned long long v = strtoull(s, &end, 10);
    if (*end) return -EINVAL;
    *out = (size_t)v;
    return 0;
}

int cmd_explore(int argc, char **argv)
{
    struct explore_opts o = {.bound = 2, .seed = 1, .jobs = 1, .run_timeout = 10, .progress = true};
    const char *target = NULL, *re_text = NULL;
    bool json = false, expect_one = false;
    int i = 0;
    for (; i < argc; i++) {
        const char *a = argv[i];
        bool has = i + 1 < argc;
        size_t n;
        if (!strcmp(a, "--")) {
            i++;
            break;
        }
        if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
            usage(stdout);
            return 0;
        } else if (!strcmp(a, "--json")) json = true;
        else if (!strcmp(a, "--live")) o.on_outcome = print_live;
        else if (!strcmp(a, "--expect-one")) expect_one = true;
        else if (!strcmp(a, "--bound") && has) {
            a = argv[++i];
            if (!strcmp(a, "all")) o.bound = EX_BOUND_ALL;
            else if (parse_count(a, &n) == 0 && n < 1000) o.bound = (uint32_t)n;
            else goto bad;
        } else if (!strcmp(a, "--random") && has) {
            if (parse_count(argv[++i], &o.nrandom) < 0 || !o.nrandom) goto bad;
            o.random = true;
        } else if (!strcmp(a, "--seed") && has) {
            if (parse_count(argv[++i], &n) < 0) goto bad;
            o.seed = n;
        } else if (!strcmp(a, "--max-runs") && has) {
            if (parse_count(argv[++i], &o.max_runs) < 0 || !o.max_runs) goto bad;
        } else if (!strcmp(a, "-j") && has) {
            if (parse_count(argv[++i], &n) < 0 || n < 1 || n > EX_JOBS_MAX) goto bad;
            o.jobs = (int)n;
        } else if ((!strcmp(a, "--time") || !strcmp(a, "--run-timeout")) && has) {
            char *end;
            double v = strtod(argv[++i], &end);
            if (*end || !(v > 0)) goto bad;
            if (a[2] == 't') o.time_limit = v;
            else o.run_timeout = v;
        } else if (!strcmp(a, "--outcome") && has) re_text = argv[++i];
        else if (a[0] == '-') {
            fprintf(stderr, "forklab explore: unknown option '%s'\n", a);
            usage(stderr);
            return 2;
        } else if (!target) target = a;
        else {
            fprintf(stderr, "forklab explore: unexpected argument '%s' (program arguments go after --)\n", a);
            return 2;
        }
        continue;
    bad:
        fprintf(stderr, "forklab explore: bad value '%s' for %s\n", argv[i], argv[i - 1]);
        return 2;
    }
    if (!target) {
        usage(stderr);
        return 2;
    }
    regex_t re;
    if (re_text) {
        int e = regcomp(&re, re_text, REG_EXTENDED | REG_NOSUB);
        if (e) {
            char msg[200];
            regerror(e, &re, msg, sizeof msg);
            fprintf(stderr, "forklab explore: bad --outcome '%s': %s\n", re_text, msg);
            return 2;
        }
        o.keep = &re;
    }
    char **margs = NULL;
    size_t nmargs = 0;
    if (mpi_launch_lesson(target, &margs, &nmargs) > 0) {
        runner_free_args(margs, nmargs);
        fprintf(stderr, "forklab explore: %s is an MPI lesson: exploring its ranks' interleavings is not "
                        "supported yet (run it controlled: forklab run %s --headless --seed N or --schedule S)\n",
                target, target);
        if (re_text) regfree(&re);
        return 2;
    }
    runner_free_args(margs, nmargs);
    char path[PATH_MAX];
    char **largs;
    size_t nlargs;
    int rc = runner_resolve(target, path, sizeof path, &largs, &nlargs);
    if (rc < 0) {
        fprintf(stderr, "forklab explore: no example or lesson named '%s' (looked in %s/lessons): %s\n", target,
                forklab_build_dir(), mp_strerror(rc));
        if (re_text) regfree(&re);
        return 1;
    }
    char **av = calloc(nlargs + (size_t)(argc - i) + 2, sizeof *av);
    int status = 1;
    if (av) {
        size_t k = 0;
        av[k++] = path;
        for (size_t j = 0; j < nlargs; j++) av[k++] = largs[j];
        for (int j = i; j < argc; j++) av[k++] = argv[j];
        struct explore_result res;
        rc = explore_program(path, av, &o, &res);
        if (rc < 0) fprintf(stderr, "forklab explore: %s: %s\n", path, mp_strerror(rc));
        else {
            if (res.pruned || res.diverged)
                fprintf(stderr, "explore: %zu runs ended early as redundant, %zu did not replay their prefix\n",
                        res.pruned, res.diverged);
            print_result(&res, json);
            status = expect_one && res.outcomes.n > 1 ? 1 : 0;
        }
        explore_result_free(&res);
    }
    free(av);
    runner_free_args(largs, nlargs);
    if (re_text) regfree(&re);
    return status;
}
