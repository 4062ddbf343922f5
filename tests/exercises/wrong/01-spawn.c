/* A wrong 01-spawn: makes up plausible pids without starting anything.
 * Graded by test-grade, which requires it to FAIL. */
#include "exercise.h"

#include <unistd.h>

int ex_spawn(int n, pid_t *pids, pid_t *ppids)
{
    for (int i = 0; i < n; i++) {
        pids[i] = getpid() + 1 + i;
        ppids[i] = getpid();
    }
    return 0;
}
