/* p2p.c — a plain MPI program (no forklab) with a known message pattern,
 * for the tracer's tests on 4 ranks:
 *   - every rank r sends one int (r * 100) to rank (r + 1) % 4 with tag 10 + r,
 *     non-blocking (Isend/Irecv + Wait);
 *   - rank 0 sends "hello" to rank 2 with tag 5 (blocking Send/Recv);
 *   - rank 3 sends 2 doubles to rank 1 with tag 6 (Sendrecv with PROC_NULL);
 *   - then MPI_Barrier and MPI_Bcast of 42 from rank 1.
 * So: 6 messages sent and received; 2 collectives entered and left by all. */
#include <mpi.h>
#include <stdio.h>
#include <string.h>

int main(int argc, char **argv)
{
    MPI_Init(&argc, &argv);
    int rank, size;
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Comm_size(MPI_COMM_WORLD, &size);
    if (size != 4) {
        if (rank == 0) fprintf(stderr, "p2p: run on 4 ranks\n");
        MPI_Abort(MPI_COMM_WORLD, 2);
    }
    int out = rank * 100, in = -1;
    MPI_Request rq[2];
    MPI_Irecv(&in, 1, MPI_INT, (rank + 3) % 4, 10 + (rank + 3) % 4, MPI_COMM_WORLD, &rq[0]);
    MPI_Isend(&out, 1, MPI_INT, (rank + 1) % 4, 10 + rank, MPI_COMM_WORLD, &rq[1]);
    MPI_Wait(&rq[0], MPI_STATUS_IGNORE);
    MPI_Wait(&rq[1], MPI_STATUS_IGNORE);
    char word[16] = "";
    if (rank == 0) MPI_Send("hello", 6, MPI_CHAR, 2, 5, MPI_COMM_WORLD);
    if (rank == 2) MPI_Recv(word, sizeof word, MPI_CHAR, 0, 5, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
    double pair[2] = {1.5, 2.5}, got[2] = {0, 0};
    if (rank == 3) MPI_Sendrecv(pair, 2, MPI_DOUBLE, 1, 6, got, 2, MPI_DOUBLE, MPI_PROC_NULL, 0, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
    if (rank == 1) MPI_Recv(got, 2, MPI_DOUBLE, 3, 6, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
    MPI_Barrier(MPI_COMM_WORLD);
    int v = rank == 1 ? 42 : 0;
    MPI_Bcast(&v, 1, MPI_INT, 1, MPI_COMM_WORLD);
    printf("rank %d got %d from the left, bcast %d%s%s\n", rank, in, v, word[0] ? ", word " : "", word);
    MPI_Finalize();
    return 0;
}
