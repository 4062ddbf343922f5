/* A wrong 14-mpi-sum: rank 0 scatters (for show) but adds up all the data
 * itself; the other ranks put 0 into the reduction. grade-mpi must FAIL it. */
#include "mpi_exercise.h"

#include <mpi.h>
#include <stdio.h>
#include <stdlib.h>

int main(int argc, char **argv)
{
    MPI_Init(&argc, &argv);
    int count = argc > 1 ? atoi(argv[1]) : 8;
    unsigned seed = argc > 2 ? (unsigned)strtoul(argv[2], NULL, 10) : 1;
    int rank, size;
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Comm_size(MPI_COMM_WORLD, &size);
    int part = count / size;
    int *data = malloc((size_t)count * sizeof *data), *mine = malloc((size_t)part * sizeof *mine);
    long long local = 0, total = 0;
    for (int i = 0; i < count; i++) data[i] = ex_sum_item(seed, i);
    MPI_Scatter(data, part, MPI_INT, mine, part, MPI_INT, 0, MPI_COMM_WORLD);
    if (rank == 0)
        for (int i = 0; i < count; i++) local += data[i];
    MPI_Reduce(&local, &total, 1, MPI_LONG_LONG, MPI_SUM, 0, MPI_COMM_WORLD);
    if (rank == 0) printf("sum %lld\n", total);
    free(data);
    free(mine);
    MPI_Finalize();
    return 0;
}
