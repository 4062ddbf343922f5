/*
 * mpi_exercise.h — what the MPI exercises (13, 14) share with their grader.
 *
 * An MPI exercise is a whole program (main included), built with plain
 * mpicc and graded by running it on 4 ranks under forklab, which traces
 * every message and collective: the grader checks the result rank 0
 * prints AND that the messages went where they should (see
 * tests/exercises/mpi/grade-mpi.sh).
 */
#ifndef FORKLAB_MPI_EXERCISE_H
#define FORKLAB_MPI_EXERCISE_H

#include <stdint.h>

/* 13-mpi-ring: what a rank does to the token when it receives it. */
static inline int64_t ex_ring_step(int64_t token, int rank)
{
    return (token * 31 + rank + 1) % 1000003;
}

/* 14-mpi-sum: item i of the data rank 0 scatters (0 <= value < 1000). */
static inline int ex_sum_item(unsigned seed, int i)
{
    return (int)((seed * 2654435761u + (unsigned)i * 40503u) % 1000u);
}

#endif
