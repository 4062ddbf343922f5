/*
 * files.c — read a whole small file (files.h).
 *
 * O_NONBLOCK on the open is what keeps a FIFO from hanging us: without a
 * writer, a blocking open of a FIFO for reading never returns. The type is
 * checked on the open descriptor (fstat), not the name, so nothing can be
 * swapped in between; the flag is cleared again before reading, since a
 * regular file ignores it anyway.
 */
#include "files.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static int open_regular(const char *path)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);
    if (fd < 0) return -errno;
    struct stat st;
    int rc = 0;
    if (fstat(fd, &st) < 0)
        rc = -errno;
    else if (S_ISDIR(st.st_mode))
        rc = -EISDIR;
    else if (!S_ISREG(st.st_mode))
        rc = -ENODEV;
    else if (fcntl(fd, F_SETFL, O_RDONLY) < 0)
        rc = -errno;
    if (rc < 0) {
        close(fd);
        return rc;
    }
    return fd;
}

int files_read(const char *path, size_t max, char **data, size_t *len)
{
    if (!path || !data || !len) return -EINVAL;
    *data = NULL;
    *len = 0;
    int fd = open_regular(path);
    if (fd < 0) return fd;
    char *buf = malloc(max + 1);
    if (!buf) {
        close(fd);
        return -ENOMEM;
    }
    size_t used = 0;
    while (used < max) {
        ssize_t n = read(fd, buf + used, max - used);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) {
            int e = -errno;
            free(buf);
            close(fd);
            return e;
        }
        if (n == 0) break;
        used += (size_t)n;
    }
    close(fd);
    buf[used] = '\0';
    *data = buf;
    *len = used;
    return 0;
}

void files_error_text(int rc, char *buf, size_t cap)
{
    if (!buf || !cap) return;
    switch (rc) {
    case -EISDIR: snprintf(buf, cap, "not a regular file (a directory)"); break;
    case -ENODEV: snprintf(buf, cap, "not a regular file (a FIFO, socket or device)"); break;
    case -ENOMEM: snprintf(buf, cap, "out of memory"); break;
    default: snprintf(buf, cap, "cannot open: %s", strerror(-rc)); break;
    }
}
