/*
 * sched_mpi.h — the scheduler's rules for MPI ranks in a controlled run
 * (pure, like scheduler.c, which calls these for the MP_GOP_MPI_* kinds).
 *
 * A rank's blocking receive (or a wait on a posted one) is enabled when a
 * matching message is in flight toward it (its source or any, its tag or
 * any): the sender's eager send has completed by then, so the receive
 * returns at once. A collective on MPI_COMM_WORLD (and MPI_Init, and
 * MPI_Finalize) is enabled when every live rank has arrived at it: parked
 * at the same collective number, or granted it (or a later one) already.
 * Sends and calls that never wait are always enabled.
 */
#ifndef FORKLAB_SCHED_MPI_H
#define FORKLAB_SCHED_MPI_H

#include "scheduler.h"

static inline bool sched_mpi_kind(unsigned kind)
{
    return kind >= MP_GOP_MPI_SEND && kind <= MP_GOP_MPI_COLL;
}
/* Can me's MPI operation complete now? */
bool sched_mpi_completes(const struct model *m, const struct sched_proc *procs, size_t n,
                         const struct sched_proc *me);
/* "MPI_Recv from rank 2 tag 7 (1 in flight)", "MPI_Barrier #3 (waits for ranks 1, 2)". */
void sched_mpi_describe(const struct model *m, const struct sched_proc *procs, size_t n,
                        const struct sched_proc *me, char *buf, size_t cap);
/* Live ranks that have not arrived at collective number coll (for the
 * controller: a granted rank waits for them inside MPI). */
size_t sched_mpi_missing(const struct sched_proc *procs, size_t n, int64_t coll);

#endif
