/*
 * Exercise 14-mpi-sum — a parallel sum: scatter the data, sum the parts,
 * reduce.
 *
 * Lesson 18: MPI_Scatter(sendbuf, n, type, recvbuf, n, type, root, comm)
 * and MPI_Reduce(sendbuf, recvbuf, 1, type, MPI_SUM, root, comm).
 *
 * Task: run as `mpirun -np N ./14-mpi-sum COUNT SEED` (COUNT a multiple of
 * N). Rank 0 makes the data: item i = ex_sum_item(SEED, i), i < COUNT (as
 * int). It scatters COUNT / N items to every rank (itself included), each
 * rank adds up its own part (as long long, MPI_LONG_LONG), and MPI_Reduce
 * with MPI_SUM gives the total on rank 0, which prints exactly one line:
 *     sum TOTAL
 *
 * The grader runs it on 4 ranks with random COUNT and SEED and checks the
 * total and, in the trace, that rank 0 scattered the data and that each
 * rank put its own part's sum into the reduction.
 *
 * Build and grade:  make grade-mpi EX=14
 */
#include "mpi_exercise.h"

#include <mpi.h>
#include <stdio.h>
#include <stdlib.h>

int main(int argc, char **argv)
{
    MPI_Init(&argc, &argv);
    int count = argc > 1 ? atoi(argv[1]) : 8;
    unsigned seed = argc > 2 ? (unsigned)strtoul(argv[2], NULL, 10) : 1;
    /* TODO 1: rank and size; part = count / size; rank 0 allocates and fills the data. */
    /* TODO 2: MPI_Scatter part items to every rank; add up your part (long long). */
    /* TODO 3: MPI_Reduce the partial sums with MPI_SUM to rank 0, which prints "sum %lld". */
    (void)count, (void)seed;
    MPI_Finalize();
    return 0;
}
