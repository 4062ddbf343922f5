/* 18-mpi-collectives.c — the lecture's squares, done the MPI way: rank 0
 * scatters the numbers, every rank squares its own, rank 0 gathers the
 * squares and a reduction adds them up.
 *
 *     data = list(range(size)) if rank == 0 else None
 *     x = comm.scatter(data, root=0)
 *     squares = comm.gather(x * x, root=0)       # pool.map(f, data)
 *     total = comm.reduce(x * x, op=MPI.SUM, root=0)
 *
 * A collective is called by every rank; none leaves before the ones it
 * needs have arrived. The collectives panel shows who is still awaited.
 */
#include <mpi.h>
#include <stdio.h>
#include <stdlib.h>

int main(int argc, char **argv)
{
    MPI_Init(&argc, &argv);
    int rank, size;
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Comm_size(MPI_COMM_WORLD, &size);
    int *data = NULL, *squares = NULL;
    if (rank == 0) {
        data = malloc((size_t)size * sizeof *data);
        squares = malloc((size_t)size * sizeof *squares);
        if (!data || !squares) MPI_Abort(MPI_COMM_WORLD, 1);
        for (int i = 0; i < size; i++) data[i] = i;
    }
    int x, sq, total = 0;
    MPI_Scatter(data, 1, MPI_INT, &x, 1, MPI_INT, 0, MPI_COMM_WORLD);
    sq = x * x;
    printf("rank %d squared %d: %d\n", rank, x, sq);
    MPI_Gather(&sq, 1, MPI_INT, squares, 1, MPI_INT, 0, MPI_COMM_WORLD);
    MPI_Reduce(&sq, &total, 1, MPI_INT, MPI_SUM, 0, MPI_COMM_WORLD);
    if (rank == 0) {
        printf("squares:");
        for (int i = 0; i < size; i++) printf(" %d", squares[i]);
        printf("\nsum of squares: %d\n", total);
    }
    free(data);
    free(squares);
    MPI_Finalize();
    return 0;
}
