/* 19-mpi-cluster.c — the same program on a laptop or a cluster: every
 * rank reports where it runs, then the ranks add their numbers with
 * MPI_Allreduce. On a cluster only the launch line changes:
 *
 *     mpirun -np 4 ./19-mpi-cluster                         # this machine
 *     mpirun -np 8 --hostfile hosts ./19-mpi-cluster        # hosts: "node1 slots=4"
 *     srun -n 8 ./19-mpi-cluster                            # under Slurm
 *
 * forklab runs it with --mca btl tcp,self: messages go over TCP sockets,
 * the transport that crosses machines, instead of shared memory.
 */
#include <mpi.h>
#include <stdio.h>
#include <stdlib.h>

int main(int argc, char **argv)
{
    MPI_Init(&argc, &argv);
    int rank, size, len;
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Comm_size(MPI_COMM_WORLD, &size);
    char host[MPI_MAX_PROCESSOR_NAME];
    MPI_Get_processor_name(host, &len);
    printf("rank %d of %d runs on %s\n", rank, size, host);
    int total = 0;
    MPI_Allreduce(&rank, &total, 1, MPI_INT, MPI_SUM, MPI_COMM_WORLD);
    if (rank == 0) {
        /* mpirun hands --mca options to the ranks in the environment. */
        const char *btl = getenv("OMPI_MCA_btl");
        printf("transports (btl): %s\n", btl ? btl : "default (shared memory on one machine)");
        printf("every rank got the same sum: %d\n", total);
    }
    MPI_Finalize();
    return 0;
}
