/*
 * dump_mpi.c — the MPI sections of the headless dump (dump.h): ranks,
 * messages, collectives and, when ranks can never go on, who is
 * deadlocked and whom each waits for. Printed only when the run had MPI
 * events, so other runs' dumps do not change.
 */
#include "dump.h"
#include "model_mpi.h"

#include <inttypes.h>
#include <string.h>

#define DELIVERED_SHOWN 64 /* the last messages listed; all are counted */

static double rel_ms(const struct model *m, uint64_t t)
{
    return t >= m->t_first ? (double)(t - m->t_first) / 1e6 : 0.0;
}

static void rank_list(FILE *out, const bool *set, int n)
{
    int k = 0;
    fputc('[', out);
    for (int i = 0; i < n; i++)
        if (set[i]) fprintf(out, "%s%d", k++ ? ", " : "", i);
    fputc(']', out);
}

static void peer(FILE *out, int r)
{
    if (r < 0) fputs("any", out);
    else fprintf(out, "%d", r);
}

static void dump_ranks(FILE *out, const struct model *m)
{
    const struct model_mpi *mm = m->mpi;
    fprintf(out, "== ranks\n");
    fprintf(out, "  %-5s %-8s %-16s %-40s %s\n", "RANK", "PID", "HOST", "STATE", "SENT/RECEIVED");
    for (int i = 0; i < mm->nranks; i++) {
        const struct mpi_rank *r = &mm->ranks[i];
        char state[96];
        model_mpi_state_text(m, i, state, sizeof state);
        fprintf(out, "  %-5d %-8d %-16s %-40s %" PRIu64 "/%" PRIu64 "\n", i, r->pid, r->host[0] ? r->host : "?",
                state, r->sends, r->recvs);
    }
}

static void dump_messages(FILE *out, const struct model *m)
{
    const struct model_mpi *mm = m->mpi;
    fprintf(out, "== messages\n");
    fprintf(out, "  sent %" PRIu64 ", received %" PRIu64 ", in flight %zu, unmatched receives ", mm->sends, mm->recvs,
            mm->ninflight);
    size_t unmatched = 0;
    for (size_t i = 0; i < mm->nposts; i++) unmatched += mm->posts[i].recv;
    fprintf(out, "%zu\n", unmatched);
    for (size_t i = 0; i < mm->ninflight; i++) {
        const struct mpi_msg *g = &mm->inflight[i];
        fprintf(out, "  in flight: %d -> %d tag %d, %" PRId64 " bytes: %s\n", g->src, g->dst, g->tag, g->bytes,
                g->preview);
    }
    for (size_t i = 0; i < mm->nposts; i++) {
        const struct mpi_post *p = &mm->posts[i];
        if (!p->recv) continue;
        fprintf(out, "  unmatched receive: rank %d from ", p->rank);
        peer(out, p->peer);
        fprintf(out, " tag ");
        peer(out, p->tag);
        fprintf(out, " (posted +%.3fms)\n", rel_ms(m, p->t));
    }
    size_t first = mm->ndelivered > DELIVERED_SHOWN ? mm->ndelivered - DELIVERED_SHOWN : 0;
    if (first || mm->delivered_trimmed)
        fprintf(out, "  (%" PRIu64 " earlier messages not listed)\n", (uint64_t)first + mm->delivered_trimmed);
    for (size_t i = first; i < mm->ndelivered; i++) {
        const struct mpi_msg *g = &mm->delivered[i];
        fprintf(out, "  +%.3fms %d -> %d tag %d, %" PRId64 " bytes: %s\n", rel_ms(m, g->t_recv), g->src, g->dst,
                g->tag, g->bytes, g->preview);
    }
}

static void dump_colls(FILE *out, const struct model *m)
{
    const struct model_mpi *mm = m->mpi;
    fprintf(out, "== collectives\n");
    for (size_t i = 0; i < mm->ncolls; i++) {
        const struct mpi_coll *c = &mm->colls[i];
        bool awaited[MODEL_MPI_MAX_RANKS], all_left = true;
        for (int r = 0; r < mm->nranks; r++) {
            awaited[r] = !c->entered[r];
            all_left = all_left && c->left[r];
        }
        fprintf(out, "  #%u %s", c->n, model_mpi_coll_name(c->what));
        if (c->root >= 0) fprintf(out, " root %d", c->root);
        fprintf(out, ": entered ");
        rank_list(out, c->entered, mm->nranks);
        fprintf(out, ", left ");
        rank_list(out, c->left, mm->nranks);
        if (!all_left) {
            fprintf(out, ", awaited ");
            rank_list(out, awaited, mm->nranks);
        }
        if (c->root_text[0]) fprintf(out, ", root gave %s", c->root_text);
        if (c->result[0]) fprintf(out, ", result %s", c->result);
        fprintf(out, "%s\n", all_left ? " (done)" : "");
        /* Each rank's share of a reduction or gather. */
        if (c->what != MP_MPI_COLL_REDUCE && c->what != MP_MPI_COLL_ALLREDUCE && c->what != MP_MPI_COLL_GATHER)
            continue;
        fprintf(out, "    gave:");
        for (int r = 0; r < mm->nranks; r++)
            if (c->entered[r]) fprintf(out, " %d=%s", r, c->gave[r][0] ? c->gave[r] : "?");
        fputc('\n', out);
    }
}

static void dump_deadlock(FILE *out, const struct model *m)
{
    int ranks[MODEL_MPI_MAX_RANKS];
    int n = model_mpi_deadlocked(m, ranks, MODEL_MPI_MAX_RANKS);
    if (n <= 0) return;
    fprintf(out, "== mpi deadlock\n");
    fprintf(out, "  %d rank%s can never go on:\n", n, n > 1 ? "s" : "");
    for (int i = 0; i < n; i++) {
        char state[96], whom[256];
        model_mpi_state_text(m, ranks[i], state, sizeof state);
        model_mpi_waits_for_text(m, ranks[i], whom, sizeof whom);
        fprintf(out, "  rank %d (pid %d) %s, waits for %s\n", ranks[i], m->mpi->ranks[ranks[i]].pid, state,
                whom[0] ? whom : "nobody");
    }
}

void dump_mpi(FILE *out, const struct model *m)
{
    if (!m->mpi) return;
    dump_ranks(out, m);
    dump_messages(out, m);
    dump_colls(out, m);
    dump_deadlock(out, m);
}

void dump_mpi_frame(FILE *out, const struct model *m)
{
    if (!m->mpi) return;
    for (int i = 0; i < m->mpi->nranks; i++) {
        char state[96];
        model_mpi_state_text(m, i, state, sizeof state);
        fprintf(out, "rank %d: %s\n", i, state);
    }
    fprintf(out, "mpi: in flight %zu\n", m->mpi->ninflight);
}
