/*
 * export.h — trace files and the Chrome trace-event export.
 *
 * A trace file (written by MP_TRACE=path and `forklab trace record`) is a
 * 16-byte header {magic "FLTRACE1", uint32 version, uint32 event size},
 * a 128-byte clock block (mp_trace.h) and raw struct mp_trace_event
 * records, converted to ns with the block's clock as they are loaded.
 */
#ifndef FORKLAB_EXPORT_H
#define FORKLAB_EXPORT_H

#include "model.h"

#include <stdio.h>

#define TRACE_FILE_MAGIC "FLTRACE1"

/* Write the header and a clock block for events in ns. 0 | -errno. */
int trace_file_write_header(FILE *f);
/* Apply every event of the file at path to m. Returns the number of
 * events, or -errno: -ENOENT, -EINVAL (not a trace file, or another
 * version / event size; msg says which). A cut last record is ignored. */
long trace_file_load(const char *path, struct model *m, char *msg, size_t msgcap);
/* The model's events as Chrome trace-event JSON (chrome://tracing,
 * Perfetto): one track per process, lock waits and holds as "X" slices,
 * queue sizes as "C" counters, the rest as instant events. 0 | -EIO. */
int export_chrome_json(const struct model *m, FILE *out);
/* s as a JSON string, quotes included. */
void json_string(FILE *out, const char *s);

#endif
