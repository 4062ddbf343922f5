/*
 * dump.c — the model as plain text (dump.h). Only reads the model; the
 * layout is meant for people and for tests that match lines by pattern.
 */
#include "dump.h"

#include "model_manager.h"
#include "rows.h"
#include "text.h"
#include "words.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

/* Names, previews, cells and notes come from the traced program: each
 * goes out through text_safe, so the dump never carries a control
 * sequence (a few rotating buffers, as one fprintf may show several). */
static const char *safe(const char *text)
{
    static char bufs[8][1024];
    static unsigned k;
    char *b = bufs[k++ % 8];
    text_safe(b, sizeof bufs[0], text);
    return b;
}

void dump_duration(uint64_t ns, char *buf, size_t cap)
{
    if (ns < 10000) snprintf(buf, cap, "%" PRIu64 "ns", ns);
    else if (ns < 10000000) snprintf(buf, cap, "%.1fus", (double)ns / 1e3);
    else if (ns < 10000000000ull) snprintf(buf, cap, "%.1fms", (double)ns / 1e6);
    else snprintf(buf, cap, "%.2fs", (double)ns / 1e9);
}

static double rel_ms(const struct model *m, uint64_t t)
{
    return t >= m->t_first ? (double)(t - m->t_first) / 1e6 : 0.0;
}

static void pid_list(FILE *out, const int *pids, size_t n)
{
    fputc('[', out);
    for (size_t i = 0; i < n; i++) fprintf(out, "%s%d", i ? ", " : "", pids[i]);
    fputc(']', out);
}

static void item_list(FILE *out, const struct model_item *items, size_t n)
{
    fputc('[', out);
    for (size_t i = 0; i < n; i++) fprintf(out, "%s%s", i ? ", " : "", safe(items[i].preview));
    fputc(']', out);
}

static void section(FILE *out, const char *name)
{
    fprintf(out, "== %s\n", name);
}

/* ------------------------------------------------------------ sections */

/* "deadlock:" and the cycle in words, each stuck call, then the lock
 * orders seen both ways (lock order: warning ...). Nothing when neither. */
static void dump_deadlock(FILE *out, const struct model *m)
{
    struct wf_deadlock d;
    char text[1024];
    if (model_deadlock_report(m, &d)) {
        section(out, "deadlock");
        waitfor_cycle_text(m, &d, text, sizeof text);
        fprintf(out, "deadlock: %s\n", safe(text));
        size_t n = d.ncycle ? d.ncycle : 1;
        for (size_t i = 0; i < n; i++) {
            waitfor_member_text(m, &d.cycle[i], text, sizeof text);
            fprintf(out, "  %s\n", safe(text));
        }
        fprintf(out, "  stuck:");
        for (size_t i = 0; i < d.nstuck && i < WF_MAX_STUCK; i++) fprintf(out, " %d", d.stuck[i]);
        fprintf(out, "%s\n", d.nstuck > WF_MAX_STUCK ? " ..." : "");
    }
    if (m->wf.ninvs) {
        section(out, "lock order");
        for (size_t i = 0; i < m->wf.ninvs; i++) {
            waitfor_inversion_text(m, &m->wf.invs[i], text, sizeof text);
            fprintf(out, "warning: %s\n", safe(text));
        }
    }
}

static void dump_procs(FILE *out, const struct model *m)
{
    section(out, "processes");
    if (!m->nprocs) return;
    size_t *order = malloc(m->nprocs * sizeof *order);
    if (!order) return;
    size_t n = model_proc_tree(m, order, m->nprocs);
    fprintf(out, "  %-8s %-8s %-24s %s\n", "PID", "PPID", "NAME", "STATE");
    if (m->host_pid && model_proc_tree_has_parent(m, m->host_pid))
        fprintf(out, "  (PPID %d is forklab, which started the run)\n", m->host_pid);
    for (size_t i = 0; i < n; i++) {
        const struct model_proc *p = &m->procs[order[i]];
        char state[64], name[64];
        model_proc_state_text(m, p, state, sizeof state);
        /* The tree shows as indentation of the name. */
        int depth = p->depth > 8 ? 8 : p->depth;
        snprintf(name, sizeof name, "%*s%s", 2 * depth, "", p->name);
        fprintf(out, "  %-8d %-8d %-24s %s\n", p->pid, p->ppid, safe(name), state);
    }
    /* Where each process is in its source: the line of its last libmp call
     * (the live view's code pane marks the same line). Its own rows, after
     * the table, so that the table's columns stay as they were. */
    bool any = false;
    for (size_t i = 0; i < n; i++) any |= m->procs[order[i]].last_line != 0;
    if (any) fprintf(out, "  last libmp call of each process:\n");
    for (size_t i = 0; any && i < n; i++) {
        const struct model_proc *p = &m->procs[order[i]];
        if (p->last_line) fprintf(out, "    PID %d: line %u%s\n", p->pid, (unsigned)p->last_line,
                                  p->state == MPROC_EXITED ? " (exited)" : "");
    }
    free(order);
}

static void dump_locks(FILE *out, const struct model *m)
{
    section(out, "locks");
    for (size_t i = 0; i < m->nlocks; i++) {
        const struct model_lock *l = &m->locks[i];
        char total[32], max[32];
        dump_duration(l->wait_total_ns, total, sizeof total);
        dump_duration(l->wait_max_ns, max, sizeof max);
        fprintf(out, "  lock %zu (%s): holder ", i + 1, safe(l->what));
        if (l->holder) fprintf(out, "%d", l->holder);
        else fputc('-', out);
        fprintf(out, ", waiters ");
        pid_list(out, l->waiters, l->nwaiters);
        fprintf(out,
                ", acquisitions %" PRIu64 ", contended %" PRIu64 " (%.1f%%), wait total %s max %s"
                ", timeouts %" PRIu64 ", owner died %" PRIu64 "\n",
                l->acquisitions, l->contended, model_lock_contention_pct(l), total, max, l->timeouts,
                l->owner_died);
        for (size_t k = 0; k < l->nper; k++) {
            char d[32];
            dump_duration(l->per[k].wait_ns, d, sizeof d);
            fprintf(out, "    pid %d waited %" PRIu64 " time%s, %s\n", l->per[k].pid, l->per[k].waits,
                    l->per[k].waits == 1 ? "" : "s", d);
        }
    }
}

static void dump_queue_history(FILE *out, const struct model *m, const struct model_queue *q)
{
    if (m->events_trimmed) fprintf(out, "    (%" PRIu64 " older events not kept)\n", m->events_trimmed);
    for (size_t i = 0; i < m->nevents; i++) {
        const struct mp_trace_event *ev = &m->events[i];
        if (ev->obj != q->id) continue;
        const char *what = NULL;
        switch (ev->kind) {
        case MP_EV_QUEUE_PUT: what = "put"; break;
        case MP_EV_QUEUE_GET: what = "get"; break;
        case MP_EV_QUEUE_PUT_WAIT: what = "put-wait"; break;
        case MP_EV_QUEUE_GET_WAIT: what = "get-wait"; break;
        case MP_EV_QUEUE_TIMEOUT: what = "timeout"; break;
        default: continue;
        }
        char text[MP_TRACE_TEXT];
        memcpy(text, ev->text, sizeof text);
        text[sizeof text - 1] = '\0';
        fprintf(out, "    +%.3fms %-8s pid %-8d", rel_ms(m, ev->t_ns), what, ev->pid);
        if (ev->kind == MP_EV_QUEUE_PUT || ev->kind == MP_EV_QUEUE_GET)
            fprintf(out, " %-20s size %" PRId64, safe(text), ev->b);
        fputc('\n', out);
    }
}

static void dump_queues(FILE *out, const struct model *m)
{
    section(out, "queues");
    for (size_t i = 0; i < m->nqueues; i++) {
        const struct model_queue *q = &m->queues[i];
        fprintf(out,
                "  queue %zu: capacity %" PRId64 " bytes, puts %" PRIu64 ", gets %" PRIu64
                ", timeouts %" PRIu64 ", max size %zu, blocked get ",
                i + 1, q->capacity, q->puts, q->gets, q->timeouts, q->max_size);
        pid_list(out, q->blocked_get, q->nblocked_get);
        fprintf(out, ", blocked put ");
        pid_list(out, q->blocked_put, q->nblocked_put);
        fputc('\n', out);
        dump_queue_history(out, m, q);
        fprintf(out, "    final (%zu): ", q->nitems);
        item_list(out, q->items, q->nitems);
        fputc('\n', out);
    }
}

static void dump_pipes(FILE *out, const struct model *m)
{
    section(out, "pipes");
    for (size_t i = 0; i < m->npipes; i++) {
        const struct model_pipe *p = &m->pipes[i];
        fprintf(out, "  pipe %zu (%s): sends %" PRIu64 ", recvs %" PRIu64 ", in flight %zu ", i + 1,
                p->duplex ? "duplex" : "one-way", p->sends, p->recvs, p->ninflight);
        item_list(out, p->inflight, p->ninflight);
        if (p->closed_by[0]) fprintf(out, ", closed by %d", p->closed_by[0]);
        if (p->closed_by[1]) fprintf(out, " and %d", p->closed_by[1]);
        fputc('\n', out);
    }
}

static void dump_arrays(FILE *out, const struct model *m)
{
    section(out, "arrays");
    for (size_t i = 0; i < m->narrays; i++) {
        const struct model_array *a = &m->arrays[i];
        char tc = a->typecode >= 0x20 && a->typecode < 0x7f ? a->typecode : '?';
        if (a->is_value) {
            fprintf(out, "  value %zu '%c': %s (writes %" PRIu64 ")\n", i + 1, tc, safe(a->len ? a->cells[0] : "?"),
                    a->writes);
            continue;
        }
        fprintf(out, "  array %zu '%c'[%zu]: [", i + 1, tc, a->len);
        for (size_t k = 0; k < a->len; k++) fprintf(out, "%s%s", k ? ", " : "", safe(a->cells[k]));
        fprintf(out, "] (writes %" PRIu64 ")\n", a->writes);
    }
}

static void dump_pools(FILE *out, const struct model *m)
{
    section(out, "pool");
    for (size_t i = 0; i < m->npools; i++) {
        const struct model_pool *p = &m->pools[i];
        fprintf(out, "  pool %zu: %d workers ", i + 1, p->nworkers);
        pid_list(out, p->workers, p->nworker_pids);
        fprintf(out, ", tasks %zu, done %" PRIu64 ", failed %" PRIu64 ", distinct workers used %d\n", p->ntasks,
                p->done, p->failed, model_pool_distinct_workers(m, p));
        for (size_t k = 0; k < p->ntasks; k++) {
            const struct model_task *t = &p->tasks[k];
            fprintf(out, "    task %" PRId64 " -> ", t->id);
            if (t->worker) fprintf(out, "pid %d", t->worker);
            else fprintf(out, "(no worker)");
            fprintf(out, " %s", words_task_state(t->state));
            if (t->state == MTASK_FAILED) fprintf(out, " (status %" PRId64 ")", t->status);
            fputc('\n', out);
        }
    }
}

static void dump_asyncs(FILE *out, const struct model *m)
{
    section(out, "async");
    for (size_t i = 0; i < m->nasyncs; i++) {
        const struct model_async *a = &m->asyncs[i];
        fprintf(out, "  async %zu (%s, %" PRId64 " tasks): ready %s", i + 1, safe(a->what[0] ? a->what : "?"),
                a->ntasks, a->ready ? "yes" : "no");
        if (a->ready) fprintf(out, " status %" PRId64, a->status);
        fprintf(out, ", polls %" PRIu64 ", polls before ready %" PRIu64, a->polls, a->polls_before_ready);
        if (a->ready && a->t_new && a->t_ready >= a->t_new) {
            char d[32];
            dump_duration(a->t_ready - a->t_new, d, sizeof d);
            fprintf(out, ", ready after %s", d);
        }
        fputc('\n', out);
    }
}

static void dump_notes(FILE *out, const struct model *m)
{
    section(out, "notes");
    for (size_t i = 0; i < m->nnotes; i++)
        fprintf(out, "  +%.3fms pid %d: %s\n", rel_ms(m, m->notes[i].t_ns), m->notes[i].pid, safe(m->notes[i].text));
}

static void dump_manager(FILE *out, const struct model *m)
{
    if (!m->nmops) return;
    section(out, "manager");
    for (size_t i = 0; i < m->nmops; i++) {
        const struct model_manager_op *o = &m->mops[i];
        /* the text may end in "-> value" itself: the status gets a word */
        fprintf(out, "  +%.3fms pid %d: %s  status %" PRId64 "\n", rel_ms(m, o->t_ns), o->pid, safe(o->text),
                o->result);
    }
    /* what the operations left in the server (the manager panel's top rows) */
    for (size_t i = 0; i < m->nmobjs; i++) {
        char buf[4096];
        model_mgr_format(&m->mobjs[i], buf, sizeof buf);
        fprintf(out, "  contents: %s\n", safe(buf));
    }
}

void dump_model(FILE *out, const struct model *m, const char *output)
{
    dump_procs(out, m);
    dump_locks(out, m);
    dump_queues(out, m);
    dump_pipes(out, m);
    dump_arrays(out, m);
    dump_pools(out, m);
    dump_asyncs(out, m);
    dump_notes(out, m);
    dump_deadlock(out, m);
    dump_manager(out, m);
    dump_mpi(out, m);
    if (output) {
        section(out, "output");
        fputs(output, out);
    }
    fprintf(out, "events: %" PRIu64 " applied, %" PRIu64 " dropped, %" PRIu64 " unknown\n", m->applied,
            m->dropped, m->unknown);
}

void dump_frame(FILE *out, const struct model *m, unsigned n)
{
    fprintf(out, "--- frame %u t=+%.1fms\n", n, rel_ms(m, m->t_last));
    for (size_t i = 0; i < m->nprocs; i++) {
        char state[64];
        model_proc_state_text(m, &m->procs[i], state, sizeof state);
        const struct model_proc *p = &m->procs[i];
        fprintf(out, "proc %d %s: %s", p->pid, safe(p->name), state);
        /* where a live one is: the line of its last libmp call */
        if (p->last_line && p->state != MPROC_EXITED) fprintf(out, ", line %u", (unsigned)p->last_line);
        fputc('\n', out);
    }
    for (size_t i = 0; i < m->nlocks; i++) {
        const struct model_lock *l = &m->locks[i];
        fprintf(out, "lock %zu: holder %d waiters ", i + 1, l->holder);
        pid_list(out, l->waiters, l->nwaiters);
        fprintf(out, " acq %" PRIu64 "\n", l->acquisitions);
    }
    for (size_t i = 0; i < m->nqueues; i++) {
        fprintf(out, "queue %zu: ", i + 1);
        item_list(out, m->queues[i].items, m->queues[i].nitems);
        fputc('\n', out);
    }
    for (size_t i = 0; i < m->narrays; i++) {
        const struct model_array *a = &m->arrays[i];
        fprintf(out, "%s %zu: [", a->is_value ? "value" : "array", i + 1);
        for (size_t k = 0; k < a->len && k < 16; k++) fprintf(out, "%s%s", k ? ", " : "", safe(a->cells[k]));
        fprintf(out, "%s]\n", a->len > 16 ? ", ..." : "");
    }
    for (size_t i = 0; i < m->npools; i++)
        fprintf(out, "pool %zu: tasks %zu done %" PRIu64 "\n", i + 1, m->pools[i].ntasks, m->pools[i].done);
    for (size_t i = 0; i < m->nasyncs; i++)
        fprintf(out, "async %zu: ready %s polls %" PRIu64 "\n", i + 1, m->asyncs[i].ready ? "yes" : "no",
                m->asyncs[i].polls);
    if (m->nnotes) fprintf(out, "note: %s\n", safe(m->notes[m->nnotes - 1].text));
    dump_mpi_frame(out, m);
}

void dump_proc_summary(FILE *out, const struct model *m)
{
    section(out, "per process");
    fprintf(out, "  %-8s %-24s %10s %12s %12s\n", "PID", "NAME", "EVENTS", "FIRST", "LAST");
    for (size_t i = 0; i < m->nprocs; i++) {
        const struct model_proc *p = &m->procs[i];
        uint64_t first = 0, last = 0;
        bool seen = false;
        for (size_t k = 0; k < m->nevents; k++) {
            if (m->events[k].pid != p->pid) continue;
            if (!seen) first = m->events[k].t_ns;
            last = m->events[k].t_ns;
            seen = true;
        }
        if (!seen) continue; /* known only as somebody's parent */
        fprintf(out, "  %-8d %-24s %10" PRIu64 " %+10.3fms %+10.3fms\n", p->pid, safe(p->name), p->nevents,
                rel_ms(m, first), rel_ms(m, last));
    }
}
