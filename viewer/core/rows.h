/*
 * rows.h — the text of the live panels' rows and of the step line, each
 * fitted into width columns (rows.c). Pure: no ncurses, no I/O.
 */
#ifndef FORKLAB_ROWS_H
#define FORKLAB_ROWS_H

#include "model.h"

#include <stddef.h>
#include <stdint.h>

/* Panel rows, each fitted into width columns. */
/* "  1234  1200  Process-1    running" (pid, ppid, name indented by tree
 * depth, state; an exited process shows its code, a killed one its signal). */
void fmt_proc_row(char *buf, size_t cap, const struct model_proc *p, int width);
/* The header line matching fmt_proc_row. */
void fmt_proc_header(char *buf, size_t cap, int width);
/* "lock 1: held by 1234; waiting 1235 1236; 40% contended, wait 1.20ms" */
void fmt_lock_row(char *buf, size_t cap, const struct model_lock *l, int index, int width);
/* "waits: 1234 3x 1.2ms, 1235 1x 40us": each process that had to wait for
 * the lock; "" when nobody waited. */
void fmt_lock_waits(char *buf, size_t cap, const struct model_lock *l, int width);
/* "queue 1 [3]: 'item 1' 'item 2' ..." — the items inside, oldest first. */
void fmt_queue_row(char *buf, size_t cap, const struct model_queue *q, int index, int width);
/* "blocked in get: 1234 1235; blocked in put: 1236" (arrival order), "" when
 * nobody waits. */
void fmt_queue_blocked(char *buf, size_t cap, const struct model_queue *q, int width);
/* "pipe 1: 2 in flight 'a' 'b'; 5 sent, 3 received" */
void fmt_pipe_row(char *buf, size_t cap, const struct model_pipe *p, int index, int width);
/* "array 1 (i): [0, 1, 4, 9]" or "value 1 (d): 3.5" */
void fmt_array_row(char *buf, size_t cap, const struct model_array *a, int index, int width);
/* "task 3 -> 1234 done" (the worker pid that ran it); "3 -> 1234 done"
 * when that does not fit. */
void fmt_task_row(char *buf, size_t cap, const struct model_task *t, int width);
/* "pool 1: 2 workers 1234 1235; 8/10 done" (worker pids in start order) */
void fmt_pool_row(char *buf, size_t cap, const struct model_pool *p, int index, int width);
/* "map_async (10 tasks): ready after 12 polls" / "not ready, 5 polls" */
void fmt_async_row(char *buf, size_t cap, const struct model_async *a, int width);

/* One manager operation: "8819 Process-1: set d['Apple'] = 0.7" (who, what,
 * the value), then " -> 2" for a count or a yes/no ("len d -> 2"), or
 * " failed: ENOENT" when the server refused it. */
void fmt_mgr_op_row(char *buf, size_t cap, const struct model *m, const struct model_manager_op *o, int width);

/* The timeline: one character per event kind ('S' start, 'X' exit, 'w' lock
 * wait, 'L' acquire, 'u' release, 'p' put, 'g' get, '>' send, '<' recv, 't'
 * task start, 'd' task done, '?' poll, '!' ready, 'm' memory write, 'n' note,
 * '.' other). */
char fmt_event_mark(unsigned kind);
/* One timeline row for pid: "   1234 |Sp p  X". The columns are the latest
 * events of the run (as many as fit, so scrolled to the latest), one each,
 * in order; the row marks those of pid, so rows of all processes line up
 * and show how their events interleave. */
void fmt_timeline_row(char *buf, size_t cap, int pid, const struct mp_trace_event *events,
                      size_t n, int width);

/* One event in words, for single-stepping: "#57 9704 queue_put q3 a=2 b=1
 * 'item 2'" (seq = its number in the run; the object by its serial). */
void fmt_event_line(char *buf, size_t cap, uint64_t seq, const struct mp_trace_event *ev, int width);

#endif
