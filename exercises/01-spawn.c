/*
 * Exercise 01-spawn — spawn N workers that report their PIDs.
 *
 * Lecture: p = Process(target=f); p.start(); p.join(). Each process has its
 * own PID, and its parent's PID is the process that started it.
 *
 * Task: start n processes with mp_process_new/mp_process_start. Each one
 * finds out its own PID (getpid) and its parent's PID (getppid) and reports
 * both back to the parent. The parent waits for all of them (join) and
 * stores what worker i reported in pids[i] and ppids[i]. Return 0.
 *
 * The grader checks that n distinct processes were really started by this
 * process, and that the PIDs you return are theirs.
 *
 * Build and grade:  make grade EX=01
 */
#include "exercise.h"

int ex_spawn(int n, pid_t *pids, pid_t *ppids)
{
    /* TODO 1: make a shared Array('q', 2 * n) before starting anything, so
     *         every child can write into memory the parent sees. */
    /* TODO 2: start n processes; worker i writes getpid() and getppid()
     *         at 2*i and 2*i + 1 (mp_array_set_i64). */
    /* TODO 3: join every process, copy the reports into pids/ppids, free
     *         the processes and the array, return 0. */
    (void)n, (void)pids, (void)ppids;
    return -ENOSYS;
}
