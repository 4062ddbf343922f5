/*
 * fmt_mpi.c — the lines of the live MPI panels (fmt_mpi.h): pure text
 * from the model, so the curses code only places them.
 */
#include "fmt_mpi.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

static void ranks_lines(const struct model *m, fmt_mpi_emit emit, void *ctx)
{
    const struct model_mpi *mm = m->mpi;
    int stuck[MODEL_MPI_MAX_RANKS];
    int nstuck = model_mpi_deadlocked(m, stuck, MODEL_MPI_MAX_RANKS);
    char line[256];
    emit(ctx, false, "RK PID     HOST   STATE"); /* narrow: a half-width panel at 80 columns */
    for (int i = 0; i < mm->nranks; i++) {
        const struct mpi_rank *r = &mm->ranks[i];
        char state[96];
        model_mpi_state_text(m, i, state, sizeof state);
        bool is_stuck = false;
        for (int k = 0; k < nstuck; k++) is_stuck = is_stuck || stuck[k] == i;
        snprintf(line, sizeof line, "%-2d %-7d %-6.6s %s%s", i, r->pid, r->host[0] ? r->host : "?",
                 is_stuck ? "DEADLOCK " : "", state);
        emit(ctx, is_stuck, line);
    }
}

static void messages_lines(const struct model *m, fmt_mpi_emit emit, void *ctx)
{
    const struct model_mpi *mm = m->mpi;
    char line[256];
    snprintf(line, sizeof line, "sent %" PRIu64 "  received %" PRIu64 "  in flight %zu", mm->sends, mm->recvs,
             mm->ninflight);
    emit(ctx, false, line);
    for (size_t i = 0; i < mm->ninflight; i++) {
        const struct mpi_msg *g = &mm->inflight[i];
        snprintf(line, sizeof line, "%d -> %d tag %d  %" PRId64 " B  %s", g->src, g->dst, g->tag, g->bytes,
                 g->preview);
        emit(ctx, false, line);
    }
    for (size_t i = 0; i < mm->nposts; i++) {
        const struct mpi_post *p = &mm->posts[i];
        if (!p->recv) continue;
        char from[16], tag[16];
        snprintf(from, sizeof from, p->peer < 0 ? "any" : "%d", p->peer);
        snprintf(tag, sizeof tag, p->tag < 0 ? "any" : "%d", p->tag);
        snprintf(line, sizeof line, "rank %d waits: from %s tag %s (unmatched)", p->rank, from, tag);
        emit(ctx, true, line);
    }
    /* The latest deliveries, newest last. */
    size_t first = mm->ndelivered > 8 ? mm->ndelivered - 8 : 0;
    for (size_t i = first; i < mm->ndelivered; i++) {
        const struct mpi_msg *g = &mm->delivered[i];
        snprintf(line, sizeof line, "done %d -> %d tag %d  %s", g->src, g->dst, g->tag, g->preview);
        emit(ctx, false, line);
    }
}

static void colls_lines(const struct model *m, fmt_mpi_emit emit, void *ctx)
{
    const struct model_mpi *mm = m->mpi;
    char line[512];
    size_t first = mm->ncolls > 8 ? mm->ncolls - 8 : 0;
    for (size_t i = first; i < mm->ncolls; i++) {
        const struct mpi_coll *c = &mm->colls[i];
        size_t o = (size_t)snprintf(line, sizeof line, "#%u %s", c->n, model_mpi_coll_name(c->what));
        if (c->root >= 0) o += (size_t)snprintf(line + o, sizeof line - o, " root %d", c->root);
        o += (size_t)snprintf(line + o, sizeof line - o, "  in:");
        bool waiting = false;
        for (int r = 0; r < mm->nranks && o < sizeof line - 8; r++)
            if (c->entered[r]) o += (size_t)snprintf(line + o, sizeof line - o, " %d", r);
        for (int r = 0; r < mm->nranks; r++) waiting = waiting || !c->entered[r];
        if (waiting) {
            o += (size_t)snprintf(line + o, sizeof line - o, "  awaited:");
            for (int r = 0; r < mm->nranks && o < sizeof line - 8; r++)
                if (!c->entered[r]) o += (size_t)snprintf(line + o, sizeof line - o, " %d", r);
        }
        if (c->result[0] && o < sizeof line - 16) snprintf(line + o, sizeof line - o, "  = %s", c->result);
        emit(ctx, waiting, line);
    }
}

static bool is_mpi_panel(enum panel_id id)
{
    return id == PANEL_ranks || id == PANEL_messages || id == PANEL_collectives;
}

bool fmt_mpi_lines(const struct model *m, enum panel_id id, fmt_mpi_emit emit, void *ctx)
{
    if (!is_mpi_panel(id)) return false;
    if (!m->mpi) {
        emit(ctx, false, "(no MPI rank yet)");
        return true;
    }
    if (id == PANEL_ranks) ranks_lines(m, emit, ctx);
    else if (id == PANEL_messages) messages_lines(m, emit, ctx);
    else colls_lines(m, emit, ctx);
    return true;
}

int fmt_mpi_want(const struct model *m, enum panel_id id)
{
    if (!m->mpi || !is_mpi_panel(id)) return 1;
    if (id == PANEL_ranks) return m->mpi->nranks + 1;
    if (id == PANEL_messages) {
        size_t nd = m->mpi->ndelivered > 8 ? 8 : m->mpi->ndelivered;
        return (int)(1 + m->mpi->ninflight + m->mpi->nposts + nd);
    }
    return (int)(m->mpi->ncolls > 8 ? 8 : m->mpi->ncolls) + 1;
}

bool fmt_mpi_panel(const struct model *m, const char *panel, fmt_mpi_emit emit, void *ctx)
{
    return fmt_mpi_lines(m, panel_find(panel), emit, ctx);
}

int fmt_mpi_rows(const struct model *m, const char *panel)
{
    return fmt_mpi_want(m, panel_find(panel));
}
