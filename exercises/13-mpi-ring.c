/*
 * Exercise 13-mpi-ring — pass a token round a ring of ranks.
 *
 * Lesson 17: MPI_Send(buf, count, type, dest, tag, comm) and
 * MPI_Recv(buf, count, type, source, tag, comm, status).
 *
 * Task: run as `mpirun -np N ./13-mpi-ring ROUNDS START`. Rank 0 holds a
 * token (an int64_t, MPI_INT64_T) that starts at START. For each round
 * k = 0 .. ROUNDS-1 the token goes once round the ring:
 *   rank 0 sends it to rank 1, rank r receives it from r - 1 and sends it
 *   to r + 1, the last rank sends it back to rank 0; every message of
 *   round k has tag k;
 *   each rank that RECEIVES the token (rank 0 too, at the end of a round)
 *   replaces it with ex_ring_step(token, its rank).
 * After the last round rank 0 prints exactly one line:  final VALUE
 *
 * The grader runs it on 4 ranks with random ROUNDS and START and checks the
 * value and, in the trace, that every message went from a rank to its
 * right neighbour with the round as its tag (ROUNDS * 4 messages).
 *
 * Build and grade:  make grade-mpi EX=13
 */
#include "mpi_exercise.h"

#include <mpi.h>
#include <stdio.h>
#include <stdlib.h>

int main(int argc, char **argv)
{
    MPI_Init(&argc, &argv);
    int rounds = argc > 1 ? atoi(argv[1]) : 1;
    int64_t token = argc > 2 ? atoll(argv[2]) : 0;
    /* TODO 1: MPI_Comm_rank / MPI_Comm_size; left = (rank + size - 1) % size, right = (rank + 1) % size. */
    /* TODO 2: for each round k: rank 0 sends first (tag k), then receives from its left;
     *         the others receive from the left first, then send to the right.
     *         Whoever receives applies ex_ring_step(token, rank). */
    /* TODO 3: rank 0 prints "final %lld". */
    (void)rounds, (void)token;
    MPI_Finalize();
    return 0;
}
