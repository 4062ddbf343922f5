/*
 * fmt_mpi.h — text lines of the live MPI panels ("ranks", "messages",
 * "collectives"), pure: the UI places them, tests read them.
 */
#ifndef FORKLAB_FMT_MPI_H
#define FORKLAB_FMT_MPI_H

#include "model_mpi.h"
#include "panels.h"

/* One line; alert = draw it as a problem (deadlocked rank, unmatched
 * receive, a collective still waiting). */
typedef void (*fmt_mpi_emit)(void *ctx, bool alert, const char *line);

/* The lines of a panel (PANEL_ranks, PANEL_messages, PANEL_collectives:
 * panels.h); false for any other panel. */
bool fmt_mpi_lines(const struct model *m, enum panel_id id, fmt_mpi_emit emit, void *ctx);
/* Rows the panel would like for its content (at least 1). */
int fmt_mpi_want(const struct model *m, enum panel_id id);
/* The same by panel name (tests). */
bool fmt_mpi_panel(const struct model *m, const char *panel, fmt_mpi_emit emit, void *ctx);
int fmt_mpi_rows(const struct model *m, const char *panel);

#endif
