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
 * Python pickles the dict into bytes; here the child writes it as text,
 * the way print() shows it, and sends that as ONE message: the pipe keeps
 * message boundaries, so the parent receives the whole text at once and
 * knows its length. (A struct works the same way; text is what the pipes
 * panel can show you in flight.)
 */
#include <math.h>
#include <mp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

struct price {
    char name[16];
    double value;
};

static mp_conn *parent_conn, *child_conn;

/* repr(float): the shortest digits that read back to the same double. */
static void format_float(char *out, size_t cap, double x)
{
    char buf[24];
    for (int prec = 1; prec <= 17; prec++) {
        snprintf(buf, sizeof buf, "%.*g", prec, x);
        if (strtod(buf, NULL) == x) break;
    }
    snprintf(out, cap, "%s%s", buf, fabs(x) < 1e16 && x == floor(x) ? ".0" : "");
}

/* str(d) for a dict of str -> float: "{'Apple': 0.7, 'Orange': 1.2}" */
static void format_dict(char *out, size_t cap, const struct price *p, size_t n)
{
    size_t len = (size_t)snprintf(out, cap, "{");
    for (size_t i = 0; i < n && len < cap; i++) {
        char num[40];
        format_float(num, sizeof num, p[i].value);
        len += (size_t)snprintf(out + len, cap - len, "%s'%.*s': %s", i ? ", " : "", (int)sizeof p[i].name,
                                p[i].name, num);
    }
    if (len < cap) snprintf(out + len, cap - len, "}");
}

static int f(void *arg)
{
    (void)arg;
    mp_conn_close(parent_conn); /* the child's copy of the other end */
    const struct price prices[] = {{"Apple", 0.70}, {"Orange", 1.20}};
    char text[256];
    format_dict(text, sizeof text, prices, sizeof prices / sizeof prices[0]);
    mp_trace_note("child %d sends the prices as one message", (int)getpid());
    int r = mp_conn_send(child_conn, text, strlen(text) + 1); /* with its '\0' */
    mp_conn_close(child_conn);
    return r == 0 ? 0 : 1;
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

    char got[256];
    ssize_t n = mp_conn_recv(parent_conn, got, sizeof got, 10.0);
    if (n <= 0 || got[n - 1] != '\0') {
        fprintf(stderr, "recv: %s\n", n < 0 ? mp_strerror((int)n) : "malformed message");
        mp_process_free(p);
        mp_conn_close(parent_conn);
        return 1;
    }
    mp_trace_note("parent %d received %zd bytes in one message", (int)getpid(), n);
    printf("%s\n", got);

    mp_process_join(p, MP_FOREVER);
    int code = mp_process_exitcode(p);
    mp_process_free(p);
    mp_conn_close(parent_conn);
    return code == 0 ? 0 : 1;
}
