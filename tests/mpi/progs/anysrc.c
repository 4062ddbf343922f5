/* anysrc.c — two senders, one MPI_ANY_SOURCE receiver, for controlled
 * runs on 3 ranks: ranks 1 and 2 each send their rank to rank 0 (tag 3);
 * rank 0 receives twice from any source and prints the order, "first 1,
 * then 2" or "first 2, then 1": which one depends only on the schedule. */
#include <mpi.h>
#include <stdio.h>

int main(int argc, char **argv)
{
    MPI_Init(&argc, &argv);
    int rank, size;
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Comm_size(MPI_COMM_WORLD, &size);
    if (size != 3) {
        if (rank == 0) fprintf(stderr, "anysrc: run on 3 ranks\n");
        MPI_Finalize();
        return 2;
    }
    if (rank == 0) {
        int a, b;
        MPI_Recv(&a, 1, MPI_INT, MPI_ANY_SOURCE, 3, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
        MPI_Recv(&b, 1, MPI_INT, MPI_ANY_SOURCE, 3, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
        printf("first %d, then %d\n", a, b);
        fflush(stdout);
    } else {
        MPI_Send(&rank, 1, MPI_INT, 0, 3, MPI_COMM_WORLD);
    }
    MPI_Finalize();
    return 0;
}
