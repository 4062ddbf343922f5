/*
 * fuzz_sched.c — the scheduler policy on any input. The bytes are cut in
 * two at the first NUL: the first part is a schedule text (`--schedule`'s
 * argument: parsed, formatted and parsed again, which must give the same
 * steps); the rest is read as trace events for a model plus pending
 * operations, on which enabled(), describe() and every policy's pick must
 * neither crash nor pick a disabled process.
 */
#include "scheduler.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void schedule_text(const uint8_t *data, size_t len)
{
    char *text = malloc(len + 1);
    if (!text) return;
    memcpy(text, data, len);
    text[len] = '\0';
    int *steps, *again;
    size_t n, n2;
    char err[128];
    if (sched_parse(text, &steps, &n, err, sizeof err) == 0) {
        size_t need = sched_format(steps, n, NULL, 0) + 1;
        char *out = malloc(need);
        if (out) {
            sched_format(steps, n, out, need);
            if (sched_parse(out, &again, &n2, err, sizeof err) != 0 || n2 != n ||
                (n && memcmp(again, steps, n * sizeof *steps)))
                __builtin_trap();
            free(again);
            free(out);
        }
        free(steps);
    } else if (!err[0]) {
        __builtin_trap(); /* a refusal always says why */
    }
    free(text);
}

static void policy(const uint8_t *data, size_t size)
{
    struct model m;
    model_init(&m);
    struct sched_proc procs[8];
    size_t np = 0;
    size_t evsz = sizeof(struct mp_trace_event);
    /* every 128-byte record is an event; the first bytes of each also
     * make a pending operation for one of 8 processes */
    for (size_t off = 0; off + evsz <= size; off += evsz) {
        struct mp_trace_event ev;
        memcpy(&ev, data + off, evsz);
        model_apply(&m, &ev);
        if (np < 8) {
            struct sched_proc *p = &procs[np];
            memset(p, 0, sizeof *p);
            p->index = (int)np;
            p->pid = (int)(ev.pid & 0xffff);
            p->alive = ev.flags & 1;
            p->parked = ev.flags & 2;
            p->tried = ev.flags & 4;
            p->rank1 = ev.flags & 8 ? (int)np + 1 : 0; /* an MPI rank (sched_mpi.c) */
            p->coll_granted1 = (int64_t)(ev.flags >> 4);
            p->op.kind = ev.kind % (MP_GOP__COUNT + 2);
            p->op.obj = ev.obj;
            p->op.a = ev.a;
            p->op.b = ev.b;
            p->op.timeout = (double)(int8_t)ev.reserved;
            p->op.line = ev.line;
            memcpy(p->op.file, ev.text, sizeof p->op.file);
            np++;
        }
    }
    enum sched_verdict v[8];
    size_t k = sched_enabled(&m, procs, np, v);
    char buf[256];
    for (size_t i = 0; i < np; i++) sched_describe(&m, procs, np, i, buf, sizeof buf);
    static const enum sched_policy_kind kinds[] = {SCHED_FREE, SCHED_SEEDED, SCHED_LEARNER};
    for (size_t j = 0; j < sizeof kinds / sizeof kinds[0]; j++) {
        struct sched_policy pol;
        sched_policy_init(&pol, kinds[j], size);
        int at = sched_pick(&pol, &m, procs, np, v, (int)(size % 9), 0, buf, sizeof buf);
        if (at >= (int)np || (at >= 0 && v[at] == SCHED_DISABLED) || (at < 0 && k && kinds[j] != SCHED_LEARNER))
            __builtin_trap();
        sched_policy_free(&pol);
    }
    /* The parked operations as waits: the graph and its words take any of them. */
    if (sched_feed_waits(&m, procs, np) == 0) {
        struct wf_deadlock d;
        int pids[8];
        for (size_t i = 0; i < np; i++) pids[i] = procs[i].pid;
        struct wf_names names = {.pids = pids, .n = np, .sites = true};
        char text[2048];
        if (model_deadlock(&m, &d) == 1) {
            if (d.ncycle > WF_MAX_CYCLE) __builtin_trap();
            waitfor_cycle_text_named(&m, &d, &names, text, sizeof text);
            waitfor_cycle_text(&m, &d, text, sizeof text);
        }
        for (size_t i = 0; i < m.wf.ninvs; i++) waitfor_inversion_brief(&m, &m.wf.invs[i], text, sizeof text);
    }
    model_free(&m);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const uint8_t *nul = memchr(data, 0, size);
    size_t cut = nul ? (size_t)(nul - data) : size;
    schedule_text(data, cut);
    if (nul) policy(nul + 1, size - cut - 1);
    return 0;
}
