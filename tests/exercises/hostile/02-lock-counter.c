/* Hostile 02-lock-counter: the solution, after 500 forked children that
 * each call setsid() (out of the grader's process group and session) and
 * sleep for good. test-grade requires the process limit to refuse some of
 * the forks, a verdict other than PASS, and no survivor afterwards. */
#include "exercise.h"
#include "hostile.h"

#define ex_lock_counter solution_lock_counter
#include "../../../solutions/02-lock-counter.c"
#undef ex_lock_counter

int ex_lock_counter(mp_value *counter, int nprocs, int iters)
{
    hostile_fork_sleepers(500, 1);
    return solution_lock_counter(counter, nprocs, iters);
}
