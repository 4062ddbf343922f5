/* 17-mpi-p2p.c — point-to-point messages: a ping-pong between ranks 0 and
 * 1, then a token passed once round a ring of all ranks.
 *
 *     if rank == 0:
 *         comm.send(n, dest=1, tag=1); n = comm.recv(source=1, tag=1)
 *     elif rank == 1:
 *         n = comm.recv(source=0, tag=1); comm.send(n + 1, dest=0, tag=1)
 *
 *     token = comm.recv(source=left, tag=7)     # rank 0 sends first
 *     comm.send(token + rank, dest=right, tag=7)
 *
 * MPI_Send and MPI_Recv name the other rank and a tag; a receive waits
 * until a matching message arrives. In a ring one rank must send first,
 * or every rank waits for its left neighbour for ever (a deadlock).
 */
#include <mpi.h>
#include <stdio.h>

#define ROUNDS 3
#define TAG_PING 1
#define TAG_RING 7

static void ping_pong(int rank)
{
    int n = 0;
    for (int i = 0; i < ROUNDS; i++) {
        if (rank == 0) {
            MPI_Send(&n, 1, MPI_INT, 1, TAG_PING, MPI_COMM_WORLD);
            MPI_Recv(&n, 1, MPI_INT, 1, TAG_PING, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
        } else if (rank == 1) {
            MPI_Recv(&n, 1, MPI_INT, 0, TAG_PING, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
            n++;
            MPI_Send(&n, 1, MPI_INT, 0, TAG_PING, MPI_COMM_WORLD);
        }
    }
    if (rank == 0) printf("ping-pong: %d round trips, rank 1 added 1 each time: %d\n", ROUNDS, n);
}

static void ring(int rank, int size)
{
    int left = (rank + size - 1) % size, right = (rank + 1) % size, token = 0;
    if (rank == 0) { /* the one that starts; everyone else receives first */
        MPI_Send(&token, 1, MPI_INT, right, TAG_RING, MPI_COMM_WORLD);
        MPI_Recv(&token, 1, MPI_INT, left, TAG_RING, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
        printf("ring: the token came back to rank 0 as %d (the sum of the ranks 0..%d)\n", token, size - 1);
    } else {
        MPI_Recv(&token, 1, MPI_INT, left, TAG_RING, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
        token += rank;
        MPI_Send(&token, 1, MPI_INT, right, TAG_RING, MPI_COMM_WORLD);
    }
}

int main(int argc, char **argv)
{
    MPI_Init(&argc, &argv);
    int rank, size;
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Comm_size(MPI_COMM_WORLD, &size);
    if (size < 2) {
        if (rank == 0) fprintf(stderr, "run me on 2 ranks or more (mpirun -np 4)\n");
        MPI_Finalize();
        return 1;
    }
    ping_pong(rank);
    ring(rank, size);
    MPI_Finalize();
    return 0;
}
