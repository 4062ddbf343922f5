/*
 * words.h — the words forklab uses for a signal, a process's state and a
 * task's state, in one place (words.c), so the live panels, the headless
 * dump and the run header say the same thing.
 */
#ifndef FORKLAB_WORDS_H
#define FORKLAB_WORDS_H

#include "model.h"

#include <stddef.h>

/* "SIGSEGV", or "signal 99" for a number with no name. */
void words_signal(int sig, char *buf, size_t cap);
/* A process's state. Short, for a panel column: "running", "waiting lock",
 * "blocked get", "blocked put", "exited 3", "killed SIGSEGV". */
void words_proc_state_short(const struct model_proc *p, char *buf, size_t cap);
/* In full, naming the object (m gives its number): "waiting on lock 1",
 * "blocked in queue 2 get", "killed by SIGKILL", "exited 0". */
void model_proc_state_text(const struct model *m, const struct model_proc *p, char *buf, size_t cap);
/* "queued", "running", "done", "failed"; in a panel a failed task is
 * "FAILED", to stand out among the done ones. */
const char *words_task_state(enum model_task_state s);
const char *words_task_state_short(enum model_task_state s);

#endif
