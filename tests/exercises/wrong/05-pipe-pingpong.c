/* A wrong 05-pipe-pingpong: the parent computes every pong itself and
 * sends the child one message. test-grade requires it to FAIL. */
#include "exercise.h"

struct ends {
    mp_conn *a, *b;
};

static int drain(void *p)
{
    struct ends *e = p;
    struct ex_msg m;
    mp_conn_close(e->a);
    while (mp_conn_recv(e->b, &m, sizeof m, MP_FOREVER) >= 0) {
    }
    return 0;
}

int ex_pipe_pingpong(int rounds, int64_t start, int64_t *final_out)
{
    mp_conn *a, *b;
    mp_pipe(&a, &b, true);
    struct ends e = {a, b};
    mp_process *p = mp_process_new(drain, &e);
    mp_process_start(p);
    int64_t v = start;
    for (int i = 0; i < rounds; i++) v = ex_pong_value(v);
    struct ex_msg m = {.seq = 0, .value = v};
    mp_conn_send(a, &m, sizeof m);
    mp_conn_close(a);
    mp_conn_close(b);
    mp_process_join(p, MP_FOREVER);
    mp_process_free(p);
    *final_out = v;
    return 0;
}
