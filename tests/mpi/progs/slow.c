/* slow.c — ranks that compute (sleep) for a long time between messages:
 * the run is killed from outside while it runs (the kill case). */
#include <mpi.h>
#include <time.h>

int main(int argc, char **argv)
{
    MPI_Init(&argc, &argv);
    for (int i = 0; i < 600; i++) {
        MPI_Barrier(MPI_COMM_WORLD);
        struct timespec nap = {0, 100000000};
        nanosleep(&nap, NULL);
    }
    MPI_Finalize();
    return 0;
}
