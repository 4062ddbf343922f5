/* Hostile 06-queue-workers: a grandchild leaves the session, execs
 * /bin/sleep with an empty environment (no tag to find it by) and a
 * recognisable duration, and its parent SIGKILLs the test process, so that
 * nothing of the grader is left to reap it. test-grade requires a verdict
 * other than PASS and no "sleep 617.25" on the machine afterwards. */
#include "exercise.h"
#include "hostile.h"

#include <signal.h>

#define ex_queue_workers solution_queue_workers
#include "../../../solutions/06-queue-workers.c"
#undef ex_queue_workers

int ex_queue_workers(const int32_t *items, size_t n, int nconsumers, int64_t *sum_out)
{
    pid_t test_process = getppid(); /* the grader runs us in a child of the test */
    fflush(NULL);
    pid_t middle = fork();
    if (middle == 0) {
        fflush(NULL);
        if (fork() == 0) {
            setsid();
            char *argv[] = {"sleep", "617.25", NULL}, *envp[] = {NULL};
            execve("/bin/sleep", argv, envp);
            _exit(127);
        }
        fprintf(stderr, "hostile: escaped to sleep 617.25; killing the test process %d\n", (int)test_process);
        fflush(NULL);
        kill(test_process, SIGKILL);
        _exit(0);
    }
    return solution_queue_workers(items, n, nconsumers, sum_out);
}
