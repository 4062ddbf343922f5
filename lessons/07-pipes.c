/* 07-pipes.c — the lecture's Pipe example: a child sends a dict of prices
 * to its parent.
 *
 *     def f(conn):
 *         conn.send({'Apple': 0.70, 'Orange': 1.20})
 *         conn.close()
 *
 *     parent_conn, child_conn = Pipe()
 *     p = Process(target=f, args=(child_conn,))
 *     p.start()
 *     print(parent_conn.recv())   # {'Apple': 0.7, 'Orange': 1.2}
 *     p.join()
 *
 * Python pickles the dict; here the message is an array of fixed-size
 * records, sent as ONE message: the pipe keeps message boundaries, so the
 * parent receives the whole array at once and knows its length.
 */
#include <math.h>
#include <mp.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

struct price {
    char name[16];
    double value;
};

static mp_conn *parent_conn, *child_conn;

static int f(void *arg)
{
    (void)arg;
    mp_conn_close(parent_conn); /* the child's copy of the other end */
    const struct price prices[] = {{"Apple", 0.70}, {"Orange", 1.20}};
    mp_trace_note("child %d sends the prices as one message", (int)getpid());
    int r = mp_conn_send(child_conn, prices, sizeof prices);
    mp_conn_close(child_conn);
    return r == 0 ? 0 : 1;
}

/* repr(float): the shortest digits that read back to the same double. */
static void print_float(double x)
{
    char buf[32];
    for (int prec = 1; prec <= 17; prec++) {
        snprintf(buf, sizeof buf, "%.*g", prec, x);
        if (strtod(buf, NULL) == x) break;
    }
    printf("%s%s", buf, fabs(x) < 1e16 && x == floor(x) ? ".0" : "");
}

/* print(d) for a dict of str -> float */
static void print_dict(const struct price *p, size_t n)
{
    printf("{");
    for (size_t i = 0; i < n; i++) {
        printf("%s'%.*s': ", i ? ", " : "", (int)sizeof p[i].name, p[i].name);
        print_float(p[i].value);
    }
    printf("}\n");
}

int main(void)
{
    int r = mp_pipe(&parent_conn, &child_conn, true); /* Pipe(): duplex */
    if (r < 0) {
        fprintf(stderr, "mp_pipe: %s\n", mp_strerror(r));
        return 1;
    }
    mp_process *p = mp_process_new(f, NULL);
    r = p ? mp_process_start(p) : -1;
    if (r < 0) {
        fprintf(stderr, "start failed\n");
        return 1;
    }
    mp_conn_close(child_conn); /* ours: so we would see the child's close */

    struct price got[8];
    ssize_t n = mp_conn_recv(parent_conn, got, sizeof got, 10.0);
    if (n < 0 || n % (ssize_t)sizeof got[0] != 0) {
        fprintf(stderr, "recv: %s\n", n < 0 ? mp_strerror((int)n) : "malformed message");
        mp_process_free(p);
        mp_conn_close(parent_conn);
        return 1;
    }
    mp_trace_note("parent %d received %zd bytes in one message", (int)getpid(), n);
    print_dict(got, (size_t)n / sizeof got[0]);

    mp_process_join(p, MP_FOREVER);
    int code = mp_process_exitcode(p);
    mp_process_free(p);
    mp_conn_close(parent_conn);
    return code == 0 ? 0 : 1;
}
