/*
 * present_link.h — where the presenter's state goes and comes from
 * (present.h has the state and its encodings; README.md, "Presenter state"):
 *
 *   - the presenter's state file, STATE/presenting (STATE: ws_state_dir),
 *     written atomically on every page change and removed when the
 *     presenter ends; `forklab present --notes` reads it;
 *   - the class server, when one runs on this machine: the presenter sends
 *     CLS_SHOW with the token from the server's state directory; a student
 *     who joined the class asks with CLS_FOLLOW, with their identity.
 *
 * Each call is a short blocking exchange (connect + handshake the first
 * time, one request and its reply), bounded by PRESENT_IO_TIMEOUT; a
 * failed connection is closed and made again on the next call.
 */
#ifndef FORKLAB_PRESENT_LINK_H
#define FORKLAB_PRESENT_LINK_H

#include "class.h"
#include "present.h"

#define PRESENT_IO_TIMEOUT 2.0 /* seconds for one request and its reply */

struct present_link {
    int fd; /* -1: not connected */
    char server[300];
    char name[CLASS_TEXT_MAX + 1];  /* "" for the presenter */
    char token[CLASS_TEXT_MAX + 1]; /* the presenter's, or the student's identity */
    uint8_t key[CLASS_KEY_MAX];
    size_t keylen;
};

/* The presenter's link, from the server's state directory (NULL: the
 * default one): address and presenter token; the key from keyfile, else
 * the one the server keeps there (it keeps none when started with
 * --key-file). 0 | -ENOENT (no class server runs there) | -ENOKEY (no key
 * to be read) | -errno */
int present_link_presenter(struct present_link *pl, const char *server_state, const char *keyfile);
/* A student's link, from the class they joined. 0 | -ENOENT (not in a class) | -EINVAL */
int present_link_student(struct present_link *pl);
/* Sends what the presenter shows. 0 | -EPERM (not the presenter) |
 * -EINVAL (refused as out of bounds) | -errno (connection) */
int present_link_show(struct present_link *pl, const struct present_state *s);
/* What the presenter shows. 0 with *s and *seq | -ENOENT (nothing shown
 * yet) | -EPERM (not a student of this board) | -EBADMSG, -EINVAL (the
 * reply was malformed or out of bounds: refused) | -errno (connection) */
int present_link_follow(struct present_link *pl, struct present_state *s, int64_t *seq);
void present_link_close(struct present_link *pl);
/* Words for a status line. */
const char *present_link_error(int r);

/* The presenter's state file. */
int present_file_write(const struct present_state *s);      /* 0 | -errno */
/* 0 | -ENOENT (none, or its presenter is gone: the file is removed) | -EINVAL */
int present_file_read(struct present_state *s);
void present_file_remove(void);

#endif
