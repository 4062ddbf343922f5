/*
 * dump.h — the model as plain text: `forklab run X --headless`, `--frames`
 * and `forklab trace show`. Pure formatting of a model; PIDs are the real
 * numbers, times are relative to the first event.
 */
#ifndef FORKLAB_DUMP_H
#define FORKLAB_DUMP_H

#include "model.h"

#include <stdio.h>

/* Every section ("processes", "locks", "queues", "pipes", "arrays",
 * "pool", "async", "notes", "manager"; "deadlock" with a line "deadlock:
 * <the cycle in words>" when there is one, "lock order" with a "warning:"
 * per pair of locks taken in both orders), then output (the example's own
 * lines, already prefixed; may be NULL) in an "output" section, and last
 * one line "events: N applied, D dropped, U unknown". */
void dump_model(FILE *out, const struct model *m, const char *output);
/* out/dump_mpi.c: "ranks", "messages", "collectives" and (when ranks can
 * never go on) "deadlock"; nothing when the run had no MPI events. */
void dump_mpi(FILE *out, const struct model *m);
void dump_mpi_frame(FILE *out, const struct model *m);
/* A compact snapshot, headed "--- frame N t=+12.3ms"; a live process's row
 * ends with ", line N" (its last libmp call) when known. */
void dump_frame(FILE *out, const struct model *m, unsigned n);
/* Per-process summary: events, first and last time (trace show). */
void dump_proc_summary(FILE *out, const struct model *m);
/* "12.3ms", "1.20s", "850us" into buf. */
void dump_duration(uint64_t ns, char *buf, size_t cap);

#endif
