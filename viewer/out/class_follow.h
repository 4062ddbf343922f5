/*
 * class_follow.h — follow-the-instructor on the class server: the page the
 * presenter shows, set by `forklab present` (CLS_SHOW) and read by each
 * following student's viewer (CLS_FOLLOW). See README.md, "Presenter state".
 *
 * Who may set it: the presenter, who proves it with a token the server
 * keeps in STATE/presenter (0600, made at the first start) and which only
 * a process that can read the server's state directory has; the class key
 * alone (which every student holds) is not enough. Who may read it: a
 * student of the board (name + the token issued at join).
 *
 * The server also writes STATE/address (the address it listens on) so that
 * `forklab present` finds it, and removes it when it stops.
 */
#ifndef FORKLAB_CLASS_FOLLOW_H
#define FORKLAB_CLASS_FOLLOW_H

#include "class.h"
#include "class_board.h"
#include "frame.h"
#include "present.h"

struct cls_follow {
    char token[CLASS_TOKEN_LEN + 1]; /* the presenter's */
    char address_file[4200];         /* removed at close; "" when not written */
    struct present_state now;
    bool shown;  /* the presenter has shown something since the start */
    int64_t seq; /* grows with every change; starts from the clock, so a
                  * restarted server never repeats a number a follower saw */
};

/* Loads or makes STATE/presenter and writes STATE/address. 0 | -errno */
int follow_open(struct cls_follow *f, const char *state, const char *address);
void follow_close(struct cls_follow *f);

/* Runs a CLS_SHOW or CLS_FOLLOW whose op, name and token were decoded and
 * appends its reply (status, values) to out, inside the frame the caller
 * began. A refused request is answered: -EPERM (not the presenter, not a
 * student of the board), -EINVAL (a lesson id or page out of bounds).
 * 0 | -EBADMSG (not a request of that shape: the caller closes). */
int follow_request(struct cls_follow *f, struct cls_board *b, int64_t op, const char *name, const char *token,
                   mp__dec *d, mp__buf *out);

#endif
