/* A wrong 13-mpi-ring: rank 0 computes the whole ring itself and prints the
 * right value; no token travels. grade-mpi must FAIL it. */
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
    if (rank == 0) {
        for (int k = 0; k < rounds; k++)
            for (int r = 1; r <= size; r++) token = ex_ring_step(token, r % size);
        printf("final %lld\n", (long long)token);
    }
    MPI_Finalize();
    return 0;
}
