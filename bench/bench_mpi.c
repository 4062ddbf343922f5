/*
 * bench_mpi.c — MPI ping-pong latency and bandwidth between 2 ranks, to
 * set beside libmp's pipe and queue (bench/README.md, "MPI"). Run it under
 * mpirun -np 2 (bench/run_mpi.sh does, once per transport):
 *
 *   mpi_pingpong_us       round trip of an 8-byte message (MPI_Send/MPI_Recv)
 *   mpi_throughput_MBps   64 KiB messages one way until the receiver acks
 *                         the last (10^6 bytes per MB, as bench_mp)
 *
 * Rank 0 prints "name value unit" lines, each the median of --reps runs,
 * after checking the data arrived (the last message's bytes). Options:
 * --quick (smaller counts), --tiny (smoke sizes).
 */
#include <mpi.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MSG_BIG (64 * 1024)

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static double median(double *v, int n)
{
    qsort(v, (size_t)n, sizeof *v, cmp_double);
    return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

/* Seconds per round trip of an 8-byte message, over n trips. */
static double pingpong(int rank, int n, int *ok)
{
    int64_t v = 0;
    MPI_Barrier(MPI_COMM_WORLD);
    double t0 = MPI_Wtime();
    for (int i = 0; i < n; i++) {
        if (rank == 0) {
            v = i;
            MPI_Send(&v, 1, MPI_INT64_T, 1, 0, MPI_COMM_WORLD);
            MPI_Recv(&v, 1, MPI_INT64_T, 1, 0, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
            if (v != (int64_t)i + 1) *ok = 0;
        } else {
            MPI_Recv(&v, 1, MPI_INT64_T, 0, 0, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
            v++;
            MPI_Send(&v, 1, MPI_INT64_T, 0, 0, MPI_COMM_WORLD);
        }
    }
    return (MPI_Wtime() - t0) / n;
}

/* Bytes per second, n messages of MSG_BIG bytes from rank 0 to rank 1. */
static double throughput(int rank, int n, unsigned char *buf, int *ok)
{
    char ack = 0;
    MPI_Barrier(MPI_COMM_WORLD);
    double t0 = MPI_Wtime();
    for (int i = 0; i < n; i++) {
        if (rank == 0) {
            buf[0] = (unsigned char)i;
            buf[MSG_BIG - 1] = (unsigned char)(i * 7);
            MPI_Send(buf, MSG_BIG, MPI_BYTE, 1, 1, MPI_COMM_WORLD);
        } else {
            MPI_Recv(buf, MSG_BIG, MPI_BYTE, 0, 1, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
            if (buf[0] != (unsigned char)i || buf[MSG_BIG - 1] != (unsigned char)(i * 7)) ack = 1;
        }
    }
    /* The ack closes the clock and says whether every message was right. */
    if (rank == 1) MPI_Send(&ack, 1, MPI_CHAR, 0, 2, MPI_COMM_WORLD);
    else MPI_Recv(&ack, 1, MPI_CHAR, 1, 2, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
    double dt = MPI_Wtime() - t0;
    if (ack) *ok = 0;
    return (double)n * MSG_BIG / dt;
}

int main(int argc, char **argv)
{
    MPI_Init(&argc, &argv);
    int rank, size, reps = 5, trips = 20000, msgs = 4000;
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Comm_size(MPI_COMM_WORLD, &size);
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--quick")) reps = 3, trips = 4000, msgs = 800;
        else if (!strcmp(argv[i], "--tiny")) reps = 1, trips = 100, msgs = 20;
    }
    if (size != 2) {
        if (rank == 0) fprintf(stderr, "bench_mpi: run on 2 ranks (mpirun -np 2)\n");
        MPI_Finalize();
        return 2;
    }
    unsigned char *buf = calloc(MSG_BIG, 1);
    if (!buf) MPI_Abort(MPI_COMM_WORLD, 1);
    int ok = 1;
    double lat[16], bw[16];
    pingpong(rank, trips / 10, &ok); /* warm up: connections, caches */
    throughput(rank, msgs / 10, buf, &ok);
    for (int r = 0; r < reps; r++) {
        lat[r] = pingpong(rank, trips, &ok) * 1e6;
        bw[r] = throughput(rank, msgs, buf, &ok) / 1e6;
    }
    int all_ok = 0;
    MPI_Allreduce(&ok, &all_ok, 1, MPI_INT, MPI_LAND, MPI_COMM_WORLD);
    if (rank == 0) {
        if (all_ok) {
            printf("mpi_pingpong_us %.3f us\n", median(lat, reps));
            printf("mpi_throughput_MBps %.1f MB/s\n", median(bw, reps));
        } else {
            fprintf(stderr, "bench_mpi: wrong data: no figure\n");
        }
    }
    free(buf);
    MPI_Finalize();
    return all_ok ? 0 : 1;
}
