/*
 * files.h — reading a whole small file, safely (files.c).
 *
 * Files named on the command line or found in lessons/ may be anything: a
 * FIFO would block an open() for read until a writer comes (forever), a
 * device may never end. files_read opens without blocking, refuses what is
 * not a regular file before reading a byte, and reads at most max bytes.
 */
#ifndef FORKLAB_FILES_H
#define FORKLAB_FILES_H

#include <stddef.h>

/* Reads at most max bytes of the regular file path into a new buffer
 * (*data, NUL-terminated after *len bytes; free it). 0 | -EISDIR (a
 * directory) | -ENODEV (a FIFO, socket or device) | -ENOMEM | -errno of
 * open/read (-ENOENT, -EACCES ...). */
int files_read(const char *path, size_t max, char **data, size_t *len);
/* What a files_read error means, in words: "cannot open: No such file or
 * directory", "not a regular file (a FIFO, socket or device)" ... */
void files_error_text(int rc, char *buf, size_t cap);

#endif
