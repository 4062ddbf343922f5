/* Solution of 13-mpi-ring: the token goes round the ring ROUNDS times. */
#include "mpi_exercise.h"

#include <mpi.h>
#include <stdio.h>
#include <stdlib.h>

int main(int argc, char **argv)
{
    MPI_Init(&argc, &argv);
    int rounds = argc > 1 ? atoi(argv[1]) : 1;
    int64_t token = argc > 2 ? atoll(argv[2]) : 0;
    int rank, size;
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Comm_size(MPI_COMM_WORLD, &size);
    int left = (rank + size - 1) % size, right = (rank + 1) % size;
    for (int k = 0; k < rounds; k++) {
        if (rank == 0) { /* starts each round, so the ring cannot deadlock */
            MPI_Send(&token, 1, MPI_INT64_T, right, k, MPI_COMM_WORLD);
            MPI_Recv(&token, 1, MPI_INT64_T, left, k, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
            token = ex_ring_step(token, rank);
        } else {
            MPI_Recv(&token, 1, MPI_INT64_T, left, k, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
            token = ex_ring_step(token, rank);
            MPI_Send(&token, 1, MPI_INT64_T, right, k, MPI_COMM_WORLD);
        }
    }
    if (rank == 0) printf("final %lld\n", (long long)token);
    MPI_Finalize();
    return 0;
}
