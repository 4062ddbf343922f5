/*
 * sched_mpi.c — which MPI operations of a controlled run can complete now
 * (sched_mpi.h). Pure: the model's messages in flight and the ranks'
 * pending operations only.
 */
#include "sched_mpi.h"

#include "model_mpi.h"

#include <stdio.h>
#include <string.h>

/* Messages in flight toward rank dst that a receive from src (-1 any)
 * with tag (-1 any) matches. */
static size_t matching_inflight(const struct model *m, int dst, int64_t src, int64_t tag)
{
    const struct model_mpi *mm = m ? m->mpi : NULL;
    size_t k = 0;
    for (size_t i = 0; mm && i < mm->ninflight; i++) {
        const struct mpi_msg *msg = &mm->inflight[i];
        if (msg->dst == dst && (src < 0 || msg->src == src) && (tag < 0 || msg->tag == tag)) k++;
    }
    return k;
}

/* Has rank p arrived at collective number coll: parked at it, or granted
 * it (or a later one) already? */
static bool arrived(const struct sched_proc *p, int64_t coll)
{
    if (p->parked && p->op.kind == MP_GOP_MPI_COLL && p->op.a == coll) return true;
    return p->coll_granted1 > coll;
}

size_t sched_mpi_missing(const struct sched_proc *procs, size_t n, int64_t coll)
{
    size_t k = 0;
    for (size_t i = 0; i < n; i++)
        if (procs[i].rank1 > 0 && procs[i].alive && !arrived(&procs[i], coll)) k++;
    return k;
}

bool sched_mpi_completes(const struct model *m, const struct sched_proc *procs, size_t n,
                         const struct sched_proc *me)
{
    const struct mp_gate_op *op = &me->op;
    switch (op->kind) {
    case MP_GOP_MPI_RECV:
        return me->rank1 > 0 && matching_inflight(m, me->rank1 - 1, op->a, op->b) > 0;
    case MP_GOP_MPI_COLL:
        return sched_mpi_missing(procs, n, op->a) == 0;
    default:
        return true; /* sends (eager) and calls that never wait */
    }
}

static const char *coll_name(int64_t what)
{
    if (what == MP_GATE_MPI_INIT) return "MPI_Init";
    if (what == MP_GATE_MPI_FINALIZE) return "MPI_Finalize";
    return model_mpi_coll_name((int)what);
}

static void peer_text(int64_t r, char *buf, size_t cap)
{
    if (r < 0) snprintf(buf, cap, "any");
    else snprintf(buf, cap, "%lld", (long long)r);
}

void sched_mpi_describe(const struct model *m, const struct sched_proc *procs, size_t n,
                        const struct sched_proc *me, char *buf, size_t cap)
{
    const struct mp_gate_op *op = &me->op;
    char peer[24], tag[24];
    switch (op->kind) {
    case MP_GOP_MPI_SEND:
        snprintf(buf, cap, "MPI_Send to rank %lld tag %lld (%llu bytes)", (long long)op->a, (long long)op->b,
                 (unsigned long long)op->obj);
        break;
    case MP_GOP_MPI_RECV:
        peer_text(op->a, peer, sizeof peer);
        peer_text(op->b, tag, sizeof tag);
        snprintf(buf, cap, "MPI_Recv from rank %s tag %s (%zu in flight)", peer, tag,
                 me->rank1 > 0 ? matching_inflight(m, me->rank1 - 1, op->a, op->b) : 0);
        break;
    case MP_GOP_MPI_COLL: {
        size_t len = (size_t)snprintf(buf, cap, "%s #%lld", coll_name(op->b), (long long)op->a);
        size_t missing = sched_mpi_missing(procs, n, op->a);
        if (!missing) {
            if (len < cap) snprintf(buf + len, cap - len, " (every rank is there)");
            break;
        }
        const char *sep = " (waits for rank ";
        for (size_t i = 0; i < n && len < cap; i++) {
            if (procs[i].rank1 <= 0 || !procs[i].alive || arrived(&procs[i], op->a)) continue;
            len += (size_t)snprintf(buf + len, cap - len, "%s%d", sep, procs[i].rank1 - 1);
            sep = ", ";
        }
        if (len < cap) snprintf(buf + len, cap - len, ")");
        break;
    }
    default:
        snprintf(buf, cap, "an MPI call that does not wait");
        break;
    }
}
