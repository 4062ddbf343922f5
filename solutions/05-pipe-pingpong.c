/* 05-pipe-pingpong — solution: one duplex pipe; the child answers each
 * ping until the parent closes its end (recv then gives -EPIPE). */
#include "exercise.h"

#include <stdio.h>

struct ends {
    mp_conn *parent, *child;
};

static int ponger(void *p)
{
    struct ends *e = p;
    mp_conn *c = e->child;
    /* Close the parent's end in the child, or the child's own copy keeps
     * it open and the parent's close would never reach the child. */
    mp_conn_close(e->parent);
    struct ex_msg m;
    ssize_t n;
    while ((n = mp_conn_recv(c, &m, sizeof m, MP_FOREVER)) == (ssize_t)sizeof m) {
        m.value = ex_pong_value(m.value);
        snprintf(m.tag, sizeof m.tag, "pong");
        if (mp_conn_send(c, &m, sizeof m) != 0) return 1;
    }
    return n == -EPIPE ? 0 : 1;
}

int ex_pipe_pingpong(int rounds, int64_t start, int64_t *final_out)
{
    if (rounds < 0 || !final_out) return -EINVAL;
    mp_conn *parent_end, *child_end;
    int rc = mp_pipe(&parent_end, &child_end, true);
    if (rc != 0) return rc;
    struct ends ends = {parent_end, child_end};
    mp_process *p = mp_process_new(ponger, &ends);
    rc = p ? mp_process_start(p) : -ENOMEM;
    int64_t value = start;
    for (int i = 0; i < rounds && rc == 0; i++) {
        struct ex_msg m = {.seq = i, .value = value};
        snprintf(m.tag, sizeof m.tag, "ping");
        rc = mp_conn_send(parent_end, &m, sizeof m);
        ssize_t got = rc ? rc : mp_conn_recv(parent_end, &m, sizeof m, MP_FOREVER);
        if (got < 0) rc = (int)got;
        else if (got != (ssize_t)sizeof m || m.seq != i) rc = -EBADMSG;
        else value = m.value;
    }
    mp_conn_close(parent_end); /* the child sees -EPIPE and ends */
    mp_conn_close(child_end);
    if (p) {
        if (mp_process_join(p, MP_FOREVER) != 0 && rc == 0) rc = -ECHILD;
        mp_process_free(p);
    }
    if (rc == 0) *final_out = value;
    return rc;
}
