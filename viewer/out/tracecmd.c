/*
 * tracecmd.c — `forklab trace record -o FILE -- PROGRAM ARGS...`,
 * `forklab trace show FILE`, `forklab trace export FILE -o OUT.json`.
 *
 * record runs the program through the runner (its output passes through
 * to ours) and writes each drained event to FILE in the MP_TRACE=path
 * format (export.h); it exits with the program's status.
 */
#include "commands.h"
#include "dump.h"
#include "export.h"
#include "runner.h"

#include <errno.h>
#include <limits.h>
#include <mp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void usage(void)
{
    fprintf(stderr,
            "usage: forklab trace record -o FILE -- PROGRAM [ARGS...]\n"
            "       forklab trace show FILE\n"
            "       forklab trace export FILE -o OUT.json\n"
            "       forklab trace merge -o OUT FILE...   (per-rank MPI traces, clocks aligned at MPI_Init)\n");
}

struct recorder {
    FILE *f;
    bool failed;
};

static void record_event(void *ctx, const struct mp_trace_event *ev)
{
    struct recorder *rec = ctx;
    if (!rec->failed && fwrite(ev, sizeof *ev, 1, rec->f) != 1) rec->failed = true;
}

static void pass_line(void *ctx, enum runner_stream s, const char *line)
{
    (void)ctx;
    fprintf(s == RUNNER_STDOUT ? stdout : stderr, "%s\n", line);
}

static int cmd_record(int argc, char **argv)
{
    const char *outpath = NULL;
    int i = 0;
    for (; i < argc; i++) {
        if (!strcmp(argv[i], "--")) {
            i++;
            break;
        }
        if (!strcmp(argv[i], "-o") && i + 1 < argc) outpath = argv[++i];
        else break; /* the program itself */
    }
    if (!outpath || i >= argc) {
        usage();
        return 2;
    }
    char path[PATH_MAX];
    char **largs = NULL;
    size_t nlargs = 0;
    /* `-- mpirun ...`: the tracer and forklab's mpirun options are added. */
    bool mpi = runner_is_mpirun(argv[i]);
    int rc = mpi ? (snprintf(path, sizeof path, "%s", argv[i]) < (int)sizeof path ? 0 : -ENAMETOOLONG)
                 : runner_resolve(argv[i], path, sizeof path, &largs, &nlargs);
    if (rc < 0) {
        fprintf(stderr, "forklab trace record: cannot find program '%s'\n", argv[i]);
        return 1;
    }
    runner_free_args(largs, nlargs); /* explicit arguments win over a lesson's */
    struct recorder rec = {.f = fopen(outpath, "wb")};
    if (!rec.f) {
        fprintf(stderr, "forklab trace record: %s: %s\n", outpath, strerror(errno));
        return 1;
    }
    trace_file_write_header(rec.f);
    char **pargv = calloc((size_t)(argc - i) + 1, sizeof *pargv);
    if (!pargv) {
        fclose(rec.f);
        return 1;
    }
    pargv[0] = path;
    for (int k = i + 1; k < argc; k++) pargv[k - i] = argv[k];
    struct model m;
    struct runner r;
    model_init(&m);
    runner_init(&r, &m);
    r.mpi_wrap = mpi;
    r.on_line = pass_line; /* ignores ctx */
    r.on_event = record_event;
    r.ctx = &rec;
    rc = runner_start(&r, path, pargv);
    int status = 1;
    if (rc < 0) {
        fprintf(stderr, "forklab trace record: cannot run %s: %s\n", path, mp_strerror(rc));
    } else {
        runner_run(&r, -1);
        status = runner_shell_status(&r);
    }
    fflush(stdout);
    if (fclose(rec.f) != 0) rec.failed = true;
    if (rec.failed) fprintf(stderr, "forklab trace record: writing %s failed\n", outpath);
    else
        fprintf(stderr, "forklab trace record: %llu events (%llu dropped) in %s\n", (unsigned long long)r.events,
                (unsigned long long)runner_dropped(&r), outpath);
    runner_free(&r);
    model_free(&m);
    free(pargv);
    return rec.failed ? 1 : status;
}

static int load(const char *cmd, const char *file, struct model *m)
{
    char msg[512] = "";
    long n = trace_file_load(file, m, msg, sizeof msg);
    if (n < 0) {
        fprintf(stderr, "forklab trace %s: %s\n", cmd, msg[0] ? msg : mp_strerror((int)n));
        return -1;
    }
    return 0;
}

static int cmd_show(int argc, char **argv)
{
    if (argc != 1) {
        usage();
        return 2;
    }
    struct model m;
    model_init(&m);
    if (load("show", argv[0], &m) < 0) {
        model_free(&m);
        return 1;
    }
    dump_proc_summary(stdout, &m);
    dump_model(stdout, &m, NULL);
    model_free(&m);
    return 0;
}

static int cmd_export(int argc, char **argv)
{
    const char *in = NULL, *outpath = NULL;
    for (int i = 0; i < argc; i++) {
        if (!strcmp(argv[i], "-o") && i + 1 < argc) outpath = argv[++i];
        else if (!in && argv[i][0] != '-') in = argv[i];
        else {
            usage();
            return 2;
        }
    }
    if (!in || !outpath) {
        usage();
        return 2;
    }
    struct model m;
    model_init(&m);
    if (load("export", in, &m) < 0) {
        model_free(&m);
        return 1;
    }
    FILE *out = strcmp(outpath, "-") ? fopen(outpath, "w") : stdout;
    if (!out) {
        fprintf(stderr, "forklab trace export: %s: %s\n", outpath, strerror(errno));
        model_free(&m);
        return 1;
    }
    int rc = export_chrome_json(&m, out);
    if (out != stdout && fclose(out) != 0) rc = -EIO;
    model_free(&m);
    if (rc < 0) {
        fprintf(stderr, "forklab trace export: writing %s failed\n", outpath);
        return 1;
    }
    return 0;
}

int cmd_trace(int argc, char **argv)
{
    if (argc < 1) {
        usage();
        return 2;
    }
    if (!strcmp(argv[0], "record")) return cmd_record(argc - 1, argv + 1);
    if (!strcmp(argv[0], "show")) return cmd_show(argc - 1, argv + 1);
    if (!strcmp(argv[0], "export")) return cmd_export(argc - 1, argv + 1);
    if (!strcmp(argv[0], "merge")) return cmd_trace_merge(argc - 1, argv + 1);
    if (!strcmp(argv[0], "-h") || !strcmp(argv[0], "--help")) {
        usage();
        return 0;
    }
    fprintf(stderr, "forklab trace: unknown subcommand '%s'\n", argv[0]);
    usage();
    return 2;
}
