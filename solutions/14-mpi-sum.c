/* Solution of 14-mpi-sum: scatter, local sums, reduce. */
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
    int *data = NULL, *mine = malloc((size_t)part * sizeof *mine);
    if (rank == 0) {
        data = malloc((size_t)count * sizeof *data);
        if (!data) MPI_Abort(MPI_COMM_WORLD, 1);
        for (int i = 0; i < count; i++) data[i] = ex_sum_item(seed, i);
    }
    if (!mine) MPI_Abort(MPI_COMM_WORLD, 1);
    MPI_Scatter(data, part, MPI_INT, mine, part, MPI_INT, 0, MPI_COMM_WORLD);
    long long local = 0, total = 0;
    for (int i = 0; i < part; i++) local += mine[i];
    MPI_Reduce(&local, &total, 1, MPI_LONG_LONG, MPI_SUM, 0, MPI_COMM_WORLD);
    if (rank == 0) printf("sum %lld\n", total);
    free(data);
    free(mine);
    MPI_Finalize();
    return 0;
}
