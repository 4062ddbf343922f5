/* 16-mpi-basics.c — MPI's unit is the rank: the same program, started N
 * times by mpirun, each copy told its number. Nothing is forked here.
 *
 *     from mpi4py import MPI
 *     comm = MPI.COMM_WORLD
 *     print(f'rank {comm.rank} of {comm.size}, pid {os.getpid()}')
 *
 * Built with plain mpicc (no libmp): forklab watches it through the PMPI
 * tracer it preloads. Run it yourself with
 *     mpirun -np 4 ./16-mpi-basics
 */
#include <mpi.h>
#include <stdio.h>
#include <unistd.h>

int main(int argc, char **argv)
{
    MPI_Init(&argc, &argv);
    int rank, size;
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Comm_size(MPI_COMM_WORLD, &size);
    char host[MPI_MAX_PROCESSOR_NAME];
    int len;
    MPI_Get_processor_name(host, &len);
    printf("rank %d of %d, pid %d, parent %d, on %s\n", rank, size, (int)getpid(), (int)getppid(), host);
    fflush(stdout);
    /* Every rank waits here until all have printed. */
    MPI_Barrier(MPI_COMM_WORLD);
    if (rank == 0) printf("%d copies of one program, started by mpirun: no fork, no shared variables\n", size);
    MPI_Finalize();
    return 0;
}
