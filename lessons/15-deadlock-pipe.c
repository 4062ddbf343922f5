/* 15-deadlock-pipe.c — both ends of a duplex pipe receive first.
 *
 *     def child(conn):
 *         msg = conn.recv()            # waits for the parent ...
 *         conn.send('pong')
 *
 *     parent_conn, child_conn = Pipe()
 *     p = Process(target=child, args=(child_conn,))
 *     p.start()
 *     msg = parent_conn.recv()         # ... which waits for the child
 *     parent_conn.send('ping')
 *
 * Each side waits for a message the other would send only after receiving
 * one. Run as `15-deadlock-pipe fixed`: the parent speaks first.
 * Outside forklab a watchdog ends the stuck run after WATCHDOG_S seconds.
 */
#include <mp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#define WATCHDOG_S 3

static mp_conn *parent_conn, *child_conn;
static pid_t kid;

static int child(void *arg)
{
    (void)arg;
    mp_conn_close(parent_conn);
    char msg[16];
    if (mp_conn_recv(child_conn, msg, sizeof msg, MP_FOREVER) < 0) return 1;
    return mp_conn_send(child_conn, "pong", 5) < 0;
}

static void watchdog(int sig)
{
    (void)sig;
    static const char msg[] = "deadlock: no progress for 3 s; both ends wait to receive "
                              "(run '15-deadlock-pipe fixed')\n";
    ssize_t w = write(1, msg, sizeof msg - 1);
    (void)w;
    if (kid > 0 && kill(kid, SIGKILL) == 0) waitpid(kid, NULL, 0); /* nothing left behind */
    _exit(0);
}

int main(int argc, char **argv)
{
    int fixed = argc > 1 && !strcmp(argv[1], "fixed");
    if (mp_pipe(&parent_conn, &child_conn, true) < 0) return 1;
    mp_process *p = mp_process_new(child, NULL);
    if (!p || mp_process_start(p) < 0) return 1;
    kid = mp_process_pid(p);
    mp_conn_close(child_conn);
    printf("parent %d and child %d share a duplex pipe\n", (int)getpid(), (int)kid);
    fflush(stdout);
    signal(SIGALRM, watchdog);
    /* Under forklab's scheduler (m in the run view, --seed) nobody ever
     * blocks, and forklab names the deadlock itself: no watchdog there. */
    if (!getenv("MP_GATE_FD")) alarm(WATCHDOG_S);
    char msg[16];
    if (fixed && mp_conn_send(parent_conn, "ping", 5) < 0) return 1; /* the repair: one side speaks first */
    if (mp_conn_recv(parent_conn, msg, sizeof msg, MP_FOREVER) < 0) return 1;
    if (!fixed && mp_conn_send(parent_conn, "ping", 5) < 0) return 1;
    printf("parent got '%s'\n", msg);
    mp_process_join(p, MP_FOREVER);
    alarm(0);
    mp_process_free(p);
    mp_conn_close(parent_conn);
    return 0;
}
