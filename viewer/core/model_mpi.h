/*
 * model_mpi.h — the MPI part of the model: ranks, messages, collectives,
 * built only from MP_EV_MPI_* events (written by lib/mpitrace.c). Pure,
 * like model.c, which hands these events over from model_apply().
 *
 * Ranks are world ranks. A message is "in flight" from its SEND event until
 * the RECV that takes it (same source, destination and tag, oldest first,
 * as MPI's non-overtaking rule says); a receive is "unmatched" from its
 * RECV_POST until its RECV. A collective is identified by its number on
 * each rank (the n-th collective call of every rank is the same call).
 */
#ifndef FORKLAB_MODEL_MPI_H
#define FORKLAB_MODEL_MPI_H

#include "model.h"

#define MODEL_MPI_MAX_RANKS 256    /* events of higher ranks are ignored */
#define MODEL_MPI_MAX_COLLS 64     /* collectives kept (oldest finished ones go) */
#define MODEL_MPI_MAX_DELIVERED 4096 /* delivered messages kept for the dump */

enum mpi_rank_state {
    MRANK_COMPUTING = 0, /* between MPI calls (or in one that does not block) */
    MRANK_SEND,          /* in a blocking MPI_Send to peer */
    MRANK_RECV,          /* in a blocking MPI_Recv from peer (-1 any) */
    MRANK_WAIT,          /* in MPI_Wait on a request: wait_recv says which way */
    MRANK_COLL,          /* in collective coll_n */
    MRANK_FINALIZED,
};

struct mpi_rank {
    bool seen;            /* an MPI_INIT (or any event) of this rank came */
    int pid, size;
    char host[64];
    enum mpi_rank_state state;
    int peer, tag;        /* SEND/RECV/WAIT: whom, which tag (-1 = any) */
    bool wait_recv;       /* WAIT: on a receive (else on a send) */
    int coll, root;       /* COLL: MP_MPI_COLL_*, root (-1 none) */
    uint32_t coll_n;      /* COLL: its number; else the last one entered */
    uint64_t sends, recvs, bytes_sent, bytes_recv, colls;
};

struct mpi_msg {
    int src, dst, tag;
    int64_t bytes;
    char preview[MP_TRACE_TEXT];
    uint64_t t_sent, t_recv; /* t_recv 0 while in flight */
};

/* A send or receive posted and not completed. */
struct mpi_post {
    int rank;
    uint32_t serial;      /* 0 = the blocking call */
    bool recv;
    int peer, tag;
    int64_t bytes;        /* capacity of a receive, size of a send */
    uint64_t t;
};

struct mpi_coll {
    uint32_t n;
    int what, root;
    bool entered[MODEL_MPI_MAX_RANKS], left[MODEL_MPI_MAX_RANKS];
    char root_text[MP_TRACE_TEXT]; /* what the root gave (bcast, scatter) */
    char result[MP_TRACE_TEXT];    /* what the root got (gather, reduce) or anyone (allreduce) */
    char gave[MODEL_MPI_MAX_RANKS][16]; /* what each rank put in (reduce, gather: its share) */
};

struct model_mpi {
    struct mpi_rank ranks[MODEL_MPI_MAX_RANKS];
    int nranks;            /* 1 + highest rank seen, or the size INIT said */
    struct mpi_msg *inflight;   size_t ninflight, cap_inflight;
    struct mpi_msg *delivered;  size_t ndelivered, cap_delivered;
    uint64_t delivered_trimmed;
    struct mpi_post *posts;     size_t nposts, cap_posts;
    /* Receives that completed before their send was seen (a merged trace
     * with skewed clocks): the next matching send is delivered at once. */
    struct mpi_msg *early;      size_t nearly, cap_early;
    struct mpi_coll *colls;     size_t ncolls, cap_colls;
    uint64_t sends, recvs;
};

static inline bool model_mpi_is_kind(unsigned kind)
{
    return kind >= MP_EV_MPI_INIT && kind <= MP_EV_MPI_COLL_LEAVE;
}
/* Apply one MPI event (model_apply calls it). 0 | -ENOMEM. */
int model_mpi_apply(struct model *m, const struct mp_trace_event *ev);
void model_mpi_free(struct model_mpi *mm);

/* "MPI_Barrier", "MPI_Bcast", ... ("MPI_?" when unknown). */
const char *model_mpi_coll_name(int what);
/* "computing", "in MPI_Recv from 2 tag 7", "in MPI_Barrier #3", "finalized". */
void model_mpi_state_text(const struct model *m, int rank, char *buf, size_t cap);
/* Is rank blocked in a call (send, receive, wait, collective)? */
bool model_mpi_blocked(const struct model *m, int rank);
/* The ranks that can never go on: each is blocked in MPI and everything it
 * waits for (the sender it receives from, the ranks a collective awaits) is
 * blocked the same way or finalized or gone. Fills out (ascending) and
 * returns how many; 0 when none, or when m has no MPI ranks. */
int model_mpi_deadlocked(const struct model *m, int *out, int cap);
/* All ranks that called MPI_Init and have not finalized are deadlocked
 * (the run cannot finish by itself). */
bool model_mpi_all_stuck(const struct model *m);
/* For the wait-for graph (waitfor.c), by pid: *waiting says whether the
 * rank of pid is blocked with nothing under way that will end it (a
 * receive whose message is in flight is not); fills out with the pids of
 * the ranks that could end it (not finalized) and returns their count. */
int model_mpi_releasers(const struct model *m, int pid, int *out, int cap, bool *waiting);
/* "waits in MPI_Recv from rank 3 tag 0" for the rank of pid. */
int model_mpi_doing_text(const struct model *m, int pid, char *buf, size_t cap);
/* Whom a blocked rank waits for, as text: "rank 3", "any rank", "ranks 1, 2". */
void model_mpi_waits_for_text(const struct model *m, int rank, char *buf, size_t cap);

#endif
