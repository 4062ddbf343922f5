/*
 * trace_merge.c — `forklab trace merge -o OUT FILE...`: join trace files
 * written by separate processes (MPI ranks with MP_TRACE_RANKS, one per
 * machine or per rank) into one timeline.
 *
 * Each machine has its own CLOCK_MONOTONIC, so raw times cannot be
 * compared across files. Every rank stamps its MPI_INIT event as it leaves
 * a barrier inside MPI_Init (lib/mpitrace.c): the moment is the same for
 * all ranks to within the barrier's release, so each file is shifted to
 * put its first MPI_INIT where the first file's is. A file without one is
 * taken as it is (same machine assumed) and said so.
 */
#include "commands.h"
#include "export.h"
#include "model.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct stamped {
    struct mp_trace_event ev;
    size_t order; /* file, then position: ties keep their file order */
};

static int by_time(const void *a, const void *b)
{
    const struct stamped *x = a, *y = b;
    if (x->ev.t_ns != y->ev.t_ns) return x->ev.t_ns < y->ev.t_ns ? -1 : 1;
    return x->order < y->order ? -1 : x->order > y->order;
}

static bool first_init(const struct model *m, uint64_t *t)
{
    for (size_t i = 0; i < m->nevents; i++)
        if (m->events[i].kind == MP_EV_MPI_INIT) {
            *t = m->events[i].t_ns;
            return true;
        }
    return false;
}

/* Append file's events, shifted, to *all. 0 | -errno (msg says why). */
static int add_file(const char *path, bool *have_ref, uint64_t *ref, struct stamped **all, size_t *n, size_t *cap,
                    char *msg, size_t msgcap)
{
    struct model m;
    model_init(&m);
    long got = trace_file_load(path, &m, msg, msgcap);
    if (got < 0) {
        model_free(&m);
        return (int)got;
    }
    if (m.events_trimmed) {
        snprintf(msg, msgcap, "%s: more than %d events: too long to merge", path, MODEL_MAX_EVENTS);
        model_free(&m);
        return -EFBIG;
    }
    uint64_t t0 = 0;
    int64_t shift = 0;
    if (first_init(&m, &t0)) {
        if (!*have_ref) *ref = t0, *have_ref = true;
        shift = (int64_t)(*ref - t0);
    } else {
        fprintf(stderr, "forklab trace merge: %s has no MPI_Init: its times are taken as they are\n", path);
    }
    if (*n + m.nevents > *cap) {
        size_t ncap = (*n + m.nevents) * 2 + 64;
        struct stamped *p = realloc(*all, ncap * sizeof *p);
        if (!p) {
            model_free(&m);
            snprintf(msg, msgcap, "out of memory");
            return -ENOMEM;
        }
        *all = p;
        *cap = ncap;
    }
    for (size_t i = 0; i < m.nevents; i++) {
        struct stamped *s = &(*all)[*n];
        s->ev = m.events[i];
        s->ev.t_ns = (uint64_t)((int64_t)s->ev.t_ns + shift);
        s->order = *n;
        (*n)++;
    }
    model_free(&m);
    return 0;
}

int cmd_trace_merge(int argc, char **argv)
{
    const char *outpath = NULL;
    const char *files[1024];
    int nfiles = 0;
    for (int i = 0; i < argc; i++) {
        if (!strcmp(argv[i], "-o") && i + 1 < argc) outpath = argv[++i];
        else if (argv[i][0] != '-' && nfiles < 1024) files[nfiles++] = argv[i];
        else {
            fprintf(stderr, "usage: forklab trace merge -o OUT FILE...\n");
            return 2;
        }
    }
    if (!outpath || nfiles == 0) {
        fprintf(stderr, "usage: forklab trace merge -o OUT FILE...\n");
        return 2;
    }
    struct stamped *all = NULL;
    size_t n = 0, cap = 0;
    bool have_ref = false;
    uint64_t ref = 0;
    char msg[512] = "";
    for (int i = 0; i < nfiles; i++) {
        if (add_file(files[i], &have_ref, &ref, &all, &n, &cap, msg, sizeof msg) < 0) {
            fprintf(stderr, "forklab trace merge: %s\n", msg);
            free(all);
            return 1;
        }
    }
    qsort(all, n, sizeof *all, by_time);
    FILE *out = fopen(outpath, "wb");
    if (!out) {
        fprintf(stderr, "forklab trace merge: %s: %s\n", outpath, strerror(errno));
        free(all);
        return 1;
    }
    bool ok = trace_file_write_header(out) == 0;
    for (size_t i = 0; ok && i < n; i++) ok = fwrite(&all[i].ev, sizeof all[i].ev, 1, out) == 1;
    if (fclose(out) != 0) ok = false;
    free(all);
    if (!ok) {
        fprintf(stderr, "forklab trace merge: writing %s failed\n", outpath);
        return 1;
    }
    fprintf(stderr, "forklab trace merge: %zu events from %d files in %s\n", n, nfiles, outpath);
    return 0;
}
