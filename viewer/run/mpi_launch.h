/*
 * mpi_launch.h — start a program on N MPI ranks under Open MPI's mpirun,
 * with the tracer (libmptrace.so) preloaded into every rank, and take it
 * all down again (runner.c calls these when runner.mpi_ranks or
 * runner.mpi_wrap is set).
 *
 * For its own runs forklab adds what this kind of machine needs and a
 * learner would not type on a cluster: OMPI_ALLOW_RUN_AS_ROOT(_CONFIRM)
 * in the environment, --oversubscribe, the shared-memory transport without
 * its ptrace-based single copy, and a private directory for mpirun's
 * session files and the ranks' shared-memory segments, removed when the
 * run ends (a killed mpirun would leave them in /tmp and /dev/shm).
 */
#ifndef FORKLAB_MPI_LAUNCH_H
#define FORKLAB_MPI_LAUNCH_H

#include "runner.h"

#define MPI_LAUNCH_TERM_GRACE_NS 3000000000ull /* mpirun's own teardown after SIGTERM */
#define MPI_LAUNCH_STUCK_NS 500000000ull       /* all ranks stuck and no event for this long */

/* The mpirun command line for r (mpi_ranks, mpi_args, mpi_wrap) running
 * path with argv; writes mpirun's path into mpath. *out is NULL-terminated,
 * every string owned: free with mpi_launch_free_argv. Makes r->mpi_dir.
 * 0 | -ENOENT (no mpirun, or no libmptrace.so) | -errno. */
int mpi_launch_argv(struct runner *r, const char *path, char *const argv[], char *mpath, size_t cap, char ***out);
void mpi_launch_free_argv(char **argv);
/* Path of libmptrace.so (the build tree's, else the installed one), or NULL. */
const char *mpi_launch_tracer(void);
/* After the run's group is gone: kill the ranks the model knows that are
 * still alive (they are in process groups of their own), reap them, and
 * remove r->mpi_dir. */
void mpi_launch_cleanup(struct runner *r);
/* True once every rank is stuck for good (model_mpi_all_stuck) and no
 * event came for MPI_LAUNCH_STUCK_NS: the run cannot finish by itself. */
bool mpi_launch_deadlocked(struct runner *r, uint64_t now_ns);
/* Defaults for runners that set nothing (forklab run --mpi N PROGRAM opens
 * the live view, which starts its own runner). args are not copied. */
void mpi_launch_set_default(int ranks, char *const *args, size_t nargs);
void mpi_launch_apply_default(struct runner *r);
/* The ranks a lesson (by id or program name) runs on (run.mpi), 0 for
 * none; its run.mpi_args into *args (free with runner_free_args). */
int mpi_launch_lesson(const char *target, char ***args, size_t *nargs);

#endif
