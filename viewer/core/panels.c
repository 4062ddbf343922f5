/*
 * panels.c — the panel table (panels.h) and the rows each panel wants.
 *
 * A panel's wish is its content, so that the layout can give the rows to
 * the busy panels; the estimate only has to be close (a panel shows what
 * fits and its newest rows), never exact.
 */
#include "panels.h"

#include "fmt_mpi.h"

#include <stdio.h>
#include <string.h>

static int want_processes(const struct panel_input *in)
{
    return (int)in->m->nprocs + 1; /* the column header */
}

static int want_locks(const struct panel_input *in)
{
    return 2 * (int)in->m->nlocks;
}

static int want_queues(const struct panel_input *in)
{
    int rows = 0, w = in->width > 8 ? in->width : 8;
    for (size_t i = 0; i < in->m->nqueues; i++) rows += 2 + (int)in->m->queues[i].nitems * 8 / w;
    return rows;
}

static int want_pipes(const struct panel_input *in)
{
    return 2 * (int)in->m->npipes;
}

static int want_arrays(const struct panel_input *in)
{
    return 2 * (int)in->m->narrays;
}

static int want_pool(const struct panel_input *in)
{
    int rows = 0;
    for (size_t i = 0; i < in->m->npools; i++)
        rows += 3 + ((int)in->m->pools[i].ntasks + 1) / (in->width >= 40 ? 2 : 1);
    return rows;
}

static int want_async(const struct panel_input *in)
{
    return (int)in->m->nasyncs;
}

static int want_timeline(const struct panel_input *in)
{
    return (int)in->m->nprocs;
}

static int want_notes(const struct panel_input *in)
{
    return (int)in->m->nnotes;
}

static int want_output(const struct panel_input *in)
{
    return (int)(in->output_lines > 1000 ? 1000 : in->output_lines);
}

/* The MPI panels' sizes are fmt_mpi's, beside their lines. */
static int want_ranks(const struct panel_input *in)
{
    return fmt_mpi_want(in->m, PANEL_ranks);
}

static int want_messages(const struct panel_input *in)
{
    return fmt_mpi_want(in->m, PANEL_messages);
}

static int want_collectives(const struct panel_input *in)
{
    return fmt_mpi_want(in->m, PANEL_collectives);
}

/* A manager's contents (one row each, more when long) and its operations. */
static int want_manager(const struct panel_input *in)
{
    int rows = 1, w = in->width > 8 ? in->width : 8;
    for (size_t i = 0; i < in->m->nmobjs; i++) rows += 1 + (int)in->m->mobjs[i].nitems * 12 / w;
    return rows + (int)in->m->nmops;
}

/* The code panel wishes for only a few lines (it scrolls to follow the
 * processes' lines) and takes its rows from its weight instead: the other
 * panels of its column get what their content wants first, the code what
 * is left over. */
#define CODE_WANT_MAX 3
static int want_code(const struct panel_input *in)
{
    return in->code_lines < CODE_WANT_MAX ? in->code_lines : CODE_WANT_MAX;
}

static const struct panel_kind kinds[PANEL__COUNT] = {
#define PANEL_ROW_(name, side, weight) {#name, side, weight, want_##name},
    PANEL_TABLE(PANEL_ROW_)
#undef PANEL_ROW_
};

const struct panel_kind *panel_kind(enum panel_id id)
{
    return (unsigned)id < PANEL__COUNT ? &kinds[id] : NULL;
}

int panel_find(const char *name)
{
    for (int i = 0; name && i < PANEL__COUNT; i++)
        if (!strcmp(kinds[i].name, name)) return i;
    return -1;
}

void panel_names(char *buf, size_t cap)
{
    if (!buf || !cap) return;
    buf[0] = '\0';
    for (size_t i = 0, len = 0; i < PANEL__COUNT && len < cap; i++, len = strlen(buf))
        snprintf(buf + len, cap - len, "%s%s", i ? ", " : "", kinds[i].name);
}

int panel_want(enum panel_id id, const struct panel_input *in)
{
    const struct panel_kind *k = panel_kind(id);
    if (!k || !in || !in->m) return 3;
    int rows = k->want(in);
    if (rows < 1) rows = 1;
    return rows > 500 ? 502 : rows + 2;
}
