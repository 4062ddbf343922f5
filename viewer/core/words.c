/*
 * words.c — signal names and state words, one table each (words.h).
 *
 * A process's state has a short form for the processes panel, where the
 * column is narrow, and a full form for the headless dump; both come from
 * the same table so they cannot drift apart.
 */
#include "words.h"

#include <stdio.h>
#include <string.h>

void words_signal(int sig, char *buf, size_t cap)
{
    if (!buf || !cap) return;
    const char *abbrev = sig > 0 ? sigabbrev_np(sig) : NULL;
    if (abbrev)
        snprintf(buf, cap, "SIG%s", abbrev);
    else
        snprintf(buf, cap, "signal %d", sig);
}

/* The words of each state: the panel's, and the full form (with %d for the
 * object's number where it has one). */
static const struct {
    const char *brief, *full;
} proc_words[] = {
    [MPROC_RUNNING] = {"running", "running"},
    [MPROC_WAIT_LOCK] = {"waiting lock", "waiting on lock %d"},
    [MPROC_WAIT_QUEUE_GET] = {"blocked get", "blocked in queue %d get"},
    [MPROC_WAIT_QUEUE_PUT] = {"blocked put", "blocked in queue %d put"},
};

static bool killed(const struct model_proc *p)
{
    return p->exit_code < 0 && p->exit_code > -128;
}

static void proc_state(const struct model *m, const struct model_proc *p, bool brief, char *buf, size_t cap)
{
    if (!buf || !cap) return;
    if (!p) {
        snprintf(buf, cap, "?");
        return;
    }
    if (p->state == MPROC_EXITED) {
        char sig[32];
        if (!killed(p)) {
            snprintf(buf, cap, "exited %d", p->exit_code);
            return;
        }
        words_signal(-p->exit_code, sig, sizeof sig);
        snprintf(buf, cap, brief ? "killed %s" : "killed by %s", sig);
        return;
    }
    /* Running but inside a call the wait-for graph follows (a pipe recv, a
     * join, a manager call): the full form says which. */
    if (!brief && m && p->state == MPROC_RUNNING && waitfor_wait_of(m, p->pid)) {
        waitfor_doing_text(m, waitfor_wait_of(m, p->pid), buf, cap);
        return;
    }
    if ((unsigned)p->state >= sizeof proc_words / sizeof proc_words[0] || !proc_words[p->state].full) {
        snprintf(buf, cap, "?");
        return;
    }
    const char *fmt = brief ? proc_words[p->state].brief : proc_words[p->state].full;
    int number = m && p->state != MPROC_RUNNING ? model_obj_number(m, p->wait_obj) : 0;
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-nonliteral"
    snprintf(buf, cap, fmt, number); /* the table's own formats: at most one %d */
#pragma GCC diagnostic pop
}

void words_proc_state_short(const struct model_proc *p, char *buf, size_t cap)
{
    proc_state(NULL, p, true, buf, cap);
}

void model_proc_state_text(const struct model *m, const struct model_proc *p, char *buf, size_t cap)
{
    proc_state(m, p, false, buf, cap);
}

static const struct {
    const char *word, *brief;
} task_words[] = {
    [MTASK_QUEUED] = {"queued", "queued"},
    [MTASK_RUNNING] = {"running", "running"},
    [MTASK_DONE] = {"done", "done"},
    [MTASK_FAILED] = {"failed", "FAILED"},
};

const char *words_task_state(enum model_task_state s)
{
    return (unsigned)s < sizeof task_words / sizeof task_words[0] ? task_words[s].word : "?";
}

const char *words_task_state_short(enum model_task_state s)
{
    return (unsigned)s < sizeof task_words / sizeof task_words[0] ? task_words[s].brief : "?";
}
