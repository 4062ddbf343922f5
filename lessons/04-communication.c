/* 04-communication.c — four ways for a child to hand a result to its parent.
 *
 * The child computes 1 + 2 + ... + 100 and passes the answer back through
 *   1. shared memory (a Value): the fastest, for fixed-size data;
 *   2. a Pipe: messages between exactly two ends;
 *   3. a Queue: messages for many producers and consumers;
 *   4. a Manager: a server process that owns a dict, reached through a proxy
 *      (the slowest, and the only one that also works across machines).
 * Each channel is made before the child starts, as in Python.
 */
#include <mp.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static int64_t sum_to_100(void)
{
    int64_t s = 0;
    for (int i = 1; i <= 100; i++) s += i;
    return s;
}

/* Runs f(arg) in a child process and waits for it. */
static int in_child(mp_target f, void *arg, const char *name)
{
    mp_process *p = mp_process_new(f, arg);
    if (!p) return -1;
    mp_process_set_name(p, name);
    int rc = mp_process_start(p);
    if (rc == 0) rc = mp_process_join(p, 10.0);
    if (rc == 0 && mp_process_exitcode(p) != 0) rc = -1;
    mp_process_free(p);
    return rc;
}

/* ---- 1. shared memory */

static int value_child(void *arg)
{
    mp_value_set_i64(arg, sum_to_100());
    mp_trace_note("child %d wrote the sum into shared memory", (int)getpid());
    return 0;
}

static int via_shared_memory(void)
{
    mp_value *v = mp_value_new('q');
    if (!v || in_child(value_child, v, "value-writer") < 0) {
        mp_value_free(v);
        return -1;
    }
    printf("shared memory (Value): parent reads %lld\n", (long long)mp_value_get_i64(v));
    mp_value_free(v);
    return 0;
}

/* ---- 2. pipe */

static int pipe_child(void *arg)
{
    int64_t s = sum_to_100();
    mp_trace_note("child %d sends the sum down the pipe", (int)getpid());
    return mp_conn_send(arg, &s, sizeof s) == 0 ? 0 : 1;
}

static int via_pipe(void)
{
    mp_conn *left, *right;
    if (mp_pipe(&left, &right, false) < 0) return -1;
    int rc = in_child(pipe_child, right, "pipe-sender");
    int64_t s = 0;
    ssize_t n = rc == 0 ? mp_conn_recv(left, &s, sizeof s, 5.0) : -1;
    if (n == (ssize_t)sizeof s) printf("pipe: parent receives %lld\n", (long long)s);
    mp_conn_close(left);
    mp_conn_close(right);
    return n == (ssize_t)sizeof s ? 0 : -1;
}

/* ---- 3. queue */

static int queue_child(void *arg)
{
    int64_t s = sum_to_100();
    mp_trace_note("child %d puts the sum on the queue", (int)getpid());
    return mp_queue_put(arg, &s, sizeof s, 5.0) == 0 ? 0 : 1;
}

static int via_queue(void)
{
    mp_queue *q = mp_queue_new(0);
    if (!q) return -1;
    int rc = in_child(queue_child, q, "queue-producer");
    int64_t s = 0;
    ssize_t n = rc == 0 ? mp_queue_get(q, &s, sizeof s, 5.0) : -1;
    if (n == (ssize_t)sizeof s) printf("queue: parent gets %lld\n", (long long)s);
    mp_queue_free(q);
    return n == (ssize_t)sizeof s ? 0 : -1;
}

/* ---- 4. manager */

static int manager_child(void *arg)
{
    mp_trace_note("child %d stores the sum in the manager's dict", (int)getpid());
    return mp_dict_set_int(arg, "sum", sum_to_100()) == 0 ? 0 : 1;
}

static int via_manager(void)
{
    mp_manager *m = mp_manager_start();
    if (!m) return -1;
    mp_dict *d = mp_manager_dict(m, "results");
    int rc = d ? in_child(manager_child, d, "manager-client") : -1;
    int64_t s = 0;
    if (rc == 0) rc = mp_dict_get_int(d, "sum", &s);
    if (rc == 0)
        printf("manager (server pid %d): parent reads d['sum'] = %lld\n", (int)mp_manager_pid(m), (long long)s);
    mp_dict_free(d);
    mp_manager_shutdown(m);
    return rc;
}

int main(void)
{
    printf("parent %d: the child computes 1 + ... + 100 and hands it back four ways\n", (int)getpid());
    int failed = 0;
    failed += via_shared_memory() < 0;
    failed += via_pipe() < 0;
    failed += via_queue() < 0;
    failed += via_manager() < 0;
    printf("%d of 4 channels delivered the sum\n", 4 - failed);
    return failed ? 1 : 0;
}
