/*
 * rows.c — the text of each row of the live panels and of the step line,
 * fitted into a width (rows.h). The wording of states comes from words.c;
 * ui/ only draws these strings.
 */
#include "rows.h"

#include "text.h"
#include "words.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* snprintf into a scratch line, then fit it into width. */
#define FIT_PRINTF(buf, cap, width, ...)                  \
    do {                                                  \
        char line_[512];                                  \
        snprintf(line_, sizeof line_, __VA_ARGS__);       \
        fmt_fit((buf), (cap), line_, (width));            \
    } while (0)

/* The name column shrinks first so that the state stays readable. */
static int proc_name_width(int width)
{
    /* Two 5-digit pid columns (a longer pid only pushes its row), then a
     * space and the state ("killed SIGSEGV"). */
    int w = width - 12 - 15;
    return w < 8 ? 8 : w > 20 ? 20 : w;
}

void fmt_proc_header(char *buf, size_t cap, int width)
{
    FIT_PRINTF(buf, cap, width, "%5s %5s %-*s %s", "PID", "PPID", proc_name_width(width), "NAME", "STATE");
}

void fmt_proc_row(char *buf, size_t cap, const struct model_proc *p, int width)
{
    char state[64], name[64];
    int depth = p->depth < 0 ? 0 : p->depth > 6 ? 6 : p->depth;
    char full[80];
    /* One column per tree level: "└" marks a child, nested ones are indented. */
    snprintf(full, sizeof full, "%*s%s%s", depth > 1 ? (depth - 1) * 2 : 0, "", depth ? "\xe2\x94\x94" : "", p->name);
    fmt_fit(name, sizeof name, full, proc_name_width(width));
    words_proc_state_short(p, state, sizeof state);
    /* Pad by columns, not bytes: the name may end in a multi-byte ellipsis. */
    FIT_PRINTF(buf, cap, width, "%5d %5d %s%*s %s", p->pid, p->ppid, name,
               proc_name_width(width) - fmt_width(name), "", state);
}

/* Append " 1 2 3" (pids) to s, within its size. */
static void append_pids(char *s, size_t cap, const int *pids, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        size_t len = strlen(s);
        if (len + 2 >= cap) return;
        snprintf(s + len, cap - len, " %d", pids[i]);
    }
}

void fmt_lock_row(char *buf, size_t cap, const struct model_lock *l, int index, int width)
{
    char holder[32], waiters[256] = "", wait[32];
    if (l->holder)
        snprintf(holder, sizeof holder, "held by %d", l->holder);
    else
        snprintf(holder, sizeof holder, "free");
    if (l->nwaiters) {
        snprintf(waiters, sizeof waiters, "; waiting");
        append_pids(waiters, sizeof waiters, l->waiters, l->nwaiters);
    }
    fmt_duration(wait, sizeof wait, l->wait_total_ns);
    double pct = l->acquisitions ? 100.0 * (double)l->contended / (double)l->acquisitions : 0.0;
    FIT_PRINTF(buf, cap, width, "%s %d: %s%s; %" PRIu64 " acq, %.0f%% contended, wait %s",
               l->what[0] ? l->what : "lock", index, holder, waiters, l->acquisitions, pct, wait);
}

/* Append the previews of items as 'a' 'b' ... to s. */
static void append_items(char *s, size_t cap, const struct model_item *items, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        size_t len = strlen(s);
        if (len + 4 >= cap) return;
        snprintf(s + len, cap - len, " '%s'", items[i].preview);
    }
}

void fmt_queue_row(char *buf, size_t cap, const struct model_queue *q, int index, int width)
{
    char line[512];
    snprintf(line, sizeof line, "queue %d [%zu]:", index, q->nitems);
    if (q->nitems == 0) snprintf(line + strlen(line), sizeof line - strlen(line), " (empty)");
    append_items(line, sizeof line, q->items, q->nitems);
    fmt_fit(buf, cap, line, width);
}

void fmt_queue_blocked(char *buf, size_t cap, const struct model_queue *q, int width)
{
    char line[512] = "";
    if (q->nblocked_get) {
        snprintf(line, sizeof line, "blocked in get:");
        append_pids(line, sizeof line, q->blocked_get, q->nblocked_get);
    }
    if (q->nblocked_put) {
        size_t len = strlen(line);
        snprintf(line + len, sizeof line - len, "%sblocked in put:", len ? "; " : "");
        append_pids(line, sizeof line, q->blocked_put, q->nblocked_put);
    }
    fmt_fit(buf, cap, line, width);
}

void fmt_lock_waits(char *buf, size_t cap, const struct model_lock *l, int width)
{
    char line[1024] = "";
    size_t len = 0;
    for (size_t i = 0; i < l->nper && len + 48 < sizeof line; i++) {
        char d[32];
        fmt_duration(d, sizeof d, l->per[i].wait_ns);
        len += (size_t)snprintf(line + len, sizeof line - len, "%s%d %" PRIu64 "x %s", i ? ", " : "waits: ",
                                l->per[i].pid, l->per[i].waits, d);
    }
    fmt_fit(buf, cap, line, width);
}

void fmt_pipe_row(char *buf, size_t cap, const struct model_pipe *p, int index, int width)
{
    char line[512];
    snprintf(line, sizeof line, "pipe %d%s: %" PRIu64 " sent, %" PRIu64 " recv, %zu in flight", index,
             p->duplex ? " (duplex)" : "", p->sends, p->recvs, p->ninflight);
    append_items(line, sizeof line, p->inflight, p->ninflight);
    /* Who closed an end, not "closed": a child closing its copy of the
     * unused end says nothing about the pipe as a whole. */
    int c0 = p->closed_by[0] ? p->closed_by[0] : p->closed_by[1], c1 = p->closed_by[0] ? p->closed_by[1] : 0;
    if (c0 && c1)
        snprintf(line + strlen(line), sizeof line - strlen(line), "; ends closed by %d, %d", c0, c1);
    else if (c0)
        snprintf(line + strlen(line), sizeof line - strlen(line), "; an end closed by %d", c0);
    fmt_fit(buf, cap, line, width);
}

/* A cell as shown: an integer of pointer size (2^40 and up) is almost
 * surely an address a program stored, and reads as one in hex, the way %p
 * prints it (lesson 13 stores &counter next to its value). */
static const char *cell_text(const struct model_array *a, size_t i)
{
    static char hex[32];
    const char *c = a->cells[i];
    if (a->typecode != 'q' && a->typecode != 'Q' && a->typecode != 'l' && a->typecode != 'L') return c;
    char *end;
    unsigned long long v = strtoull(c, &end, 10);
    if (*end || c[0] == '-' || v < (1ull << 40)) return c;
    snprintf(hex, sizeof hex, "0x%llx", v);
    return hex;
}

void fmt_array_row(char *buf, size_t cap, const struct model_array *a, int index, int width)
{
    char line[512];
    if (a->is_value) {
        snprintf(line, sizeof line, "value %d (%c): %s", index, a->typecode ? a->typecode : '?',
                 a->len && a->cells ? a->cells[0] : "?");
    } else {
        snprintf(line, sizeof line, "array %d (%c):", index, a->typecode ? a->typecode : '?');
        for (size_t i = 0; i < a->len && a->cells; i++) {
            size_t len = strlen(line);
            if (len + 4 >= sizeof line) break;
            snprintf(line + len, sizeof line - len, " %s", cell_text(a, i));
        }
    }
    fmt_fit(buf, cap, line, width);
}

void fmt_task_row(char *buf, size_t cap, const struct model_task *t, int width)
{
    char line[128];
    snprintf(line, sizeof line, "task %" PRId64 " -> %d %s", t->id, t->worker, words_task_state_short(t->state));
    if (t->worker && fmt_width(line) > width) /* narrow: drop the word, keep the facts */
        FIT_PRINTF(buf, cap, width, "%" PRId64 " -> %d %s", t->id, t->worker, words_task_state_short(t->state));
    else if (t->worker)
        FIT_PRINTF(buf, cap, width, "task %" PRId64 " -> %d %s", t->id, t->worker,
                   words_task_state_short(t->state));
    else
        FIT_PRINTF(buf, cap, width, "task %" PRId64 " %s", t->id, words_task_state_short(t->state));
}

void fmt_pool_row(char *buf, size_t cap, const struct model_pool *p, int index, int width)
{
    char line[512];
    snprintf(line, sizeof line, "pool %d: %d workers", index, p->nworkers);
    append_pids(line, sizeof line, p->workers, p->nworker_pids);
    snprintf(line + strlen(line), sizeof line - strlen(line), "; %" PRIu64 "/%zu done%s", p->done, p->ntasks,
             p->failed ? ", some FAILED" : "");
    fmt_fit(buf, cap, line, width);
}

void fmt_async_row(char *buf, size_t cap, const struct model_async *a, int width)
{
    const char *what = a->what[0] ? a->what : "async";
    if (a->ready)
        FIT_PRINTF(buf, cap, width, "%s (%" PRId64 " tasks): ready after %" PRIu64 " polls%s", what,
                   a->ntasks, a->polls_before_ready, a->status ? " (failed)" : "");
    else
        FIT_PRINTF(buf, cap, width, "%s (%" PRId64 " tasks): not ready, %" PRIu64 " polls", what,
                   a->ntasks, a->polls);
}

char fmt_event_mark(unsigned kind)
{
    switch (kind) {
    case MP_EV_PROC_START: return 'S';
    case MP_EV_PROC_EXIT: return 'X';
    case MP_EV_LOCK_WAIT: return 'w';
    case MP_EV_LOCK_ACQUIRE: return 'L';
    case MP_EV_LOCK_RELEASE: return 'u';
    case MP_EV_LOCK_TIMEOUT: return 'T';
    case MP_EV_QUEUE_PUT: return 'p';
    case MP_EV_QUEUE_GET: return 'g';
    case MP_EV_QUEUE_PUT_WAIT:
    case MP_EV_QUEUE_GET_WAIT: return 'b';
    case MP_EV_PIPE_SEND: return '>';
    case MP_EV_PIPE_RECV: return '<';
    case MP_EV_TASK_START: return 't';
    case MP_EV_TASK_DONE: return 'd';
    case MP_EV_ASYNC_POLL: return '?';
    case MP_EV_ASYNC_READY: return '!';
    case MP_EV_MEM_WRITE: return 'm';
    case MP_EV_NOTE: return 'n';
    default: return '.';
    }
}

void fmt_timeline_row(char *buf, size_t cap, int pid, const struct mp_trace_event *events, size_t n,
                      int width)
{
    char head[16];
    int hl = snprintf(head, sizeof head, "%7d |", pid);
    int room = width - hl;
    if (!buf || cap == 0) return;
    if (room <= 0 || !events) {
        fmt_fit(buf, cap, head, width);
        return;
    }
    if ((size_t)room + (size_t)hl + 1 > cap) room = (int)cap - hl - 1;
    if (room < 0) room = 0;
    /* The window is the latest `room` events of the whole run, one column
     * each, so that the rows of all processes line up in time. */
    char marks[512];
    if (room > (int)sizeof marks) room = (int)sizeof marks;
    size_t first = n > (size_t)room ? n - (size_t)room : 0;
    int used = 0;
    for (size_t i = first; i < n; i++) {
        marks[i - first] = events[i].pid == pid ? fmt_event_mark(events[i].kind) : ' ';
        if (events[i].pid == pid) used = (int)(i - first) + 1; /* trailing blanks are cut */
    }
    snprintf(buf, cap, "%s%.*s", head, used, marks);
}

void fmt_event_line(char *buf, size_t cap, uint64_t seq, const struct mp_trace_event *ev, int width)
{
    char line[512], obj[32] = "", text[MP_TRACE_TEXT + 4] = "";
    /* Ids are (creator pid << 32) | serial: the serial is what panels show. */
    if (ev->obj) snprintf(obj, sizeof obj, " #%u", (unsigned)(ev->obj & 0xffffffffu));
    if (ev->text[0]) snprintf(text, sizeof text, " '%.*s'", MP_TRACE_TEXT - 1, ev->text);
    snprintf(line, sizeof line, "#%" PRIu64 " %d %s%s a=%" PRId64 " b=%" PRId64 "%s", seq, ev->pid,
             mp_ev_name(ev->kind), obj, ev->a, ev->b, text);
    fmt_fit(buf, cap, line, width);
}
