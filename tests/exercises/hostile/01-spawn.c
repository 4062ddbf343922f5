/* Hostile 01-spawn: the solution, after 500 forked children that sleep for
 * good. test-grade requires the process limit to refuse some of the forks
 * (at most FORKLAB_GRADE_NPROC start), a verdict other than PASS, and no
 * survivor afterwards. */
#include "exercise.h"
#include "hostile.h"

#define ex_spawn solution_spawn
#include "../../../solutions/01-spawn.c"
#undef ex_spawn

int ex_spawn(int n, pid_t *pids, pid_t *ppids)
{
    hostile_fork_sleepers(500, 0);
    return solution_spawn(n, pids, ppids);
}
