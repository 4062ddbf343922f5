/* 06-manager-net.c — a manager shared over the network, protected by an
 * authkey, as with Python's BaseManager:
 *
 *     m = BaseManager(address=('127.0.0.1', 50000), authkey=b'...')   # server
 *     m = BaseManager(address=('127.0.0.1', 50000), authkey=b'...'); m.connect()  # client
 *
 * Every connection starts with an HMAC-SHA256 challenge in both directions:
 * a client without the key gets EACCES, and the server keeps serving.
 *
 *   06-manager-net                  demo: serve on a free port, run the client
 *                                   role as a separate program, print the dict
 *   06-manager-net server [PORT]    serve until Ctrl-C, print the dict as it changes
 *   06-manager-net client PORT      connect, set d['Apple'] and d['Orange'], exit
 *
 * The key comes from $FORKLAB_AUTHKEY; without it both roles use the demo
 * key below, which is public (it is in this file): set your own key for
 * anything but this demo.
 */
#include <errno.h>
#include <mp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define DEMO_KEY "forklab-demo-key"

static const char *authkey(void)
{
    const char *k = getenv("FORKLAB_AUTHKEY");
    return k && k[0] ? k : DEMO_KEY;
}

static int client(int port)
{
    mp_manager *m = mp_manager_connect("127.0.0.1", port, authkey());
    if (!m) {
        fprintf(stderr, "client: connect to 127.0.0.1:%d: %s\n", port, mp_strerror(-errno));
        return 1;
    }
    mp_trace_note("client %d authenticated to 127.0.0.1:%d", (int)getpid(), port);
    mp_dict *d = mp_manager_dict(m, "fruits");
    int rc = d ? 0 : 1;
    if (!rc && (mp_dict_set_double(d, "Apple", 0.70) < 0 || mp_dict_set_double(d, "Orange", 1.20) < 0)) rc = 1;
    if (!rc) printf("client %d: set d['Apple'] = 0.70, d['Orange'] = 1.20\n", (int)getpid());
    mp_dict_free(d);
    mp_manager_shutdown(m); /* a connected manager: this only disconnects */
    return rc;
}

static mp_manager *serve(int port, mp_dict **d)
{
    mp_manager *m = mp_manager_listen("127.0.0.1", port, authkey());
    if (!m) {
        fprintf(stderr, "server: listen on 127.0.0.1:%d: %s\n", port, mp_strerror(-errno));
        return NULL;
    }
    *d = mp_manager_dict(m, "fruits");
    if (!*d) {
        mp_manager_shutdown(m);
        return NULL;
    }
    printf("manager serving on 127.0.0.1:%d (server pid %d)\n", mp_manager_port(m), (int)mp_manager_pid(m));
    mp_trace_note("SyncManager listens on 127.0.0.1:%d", mp_manager_port(m));
    return m;
}

/* The demo's client: this same program, exec'd with the client role. */
static int exec_client(void *arg)
{
    char port[16];
    snprintf(port, sizeof port, "%d", *(int *)arg);
    execl("/proc/self/exe", "06-manager-net", "client", port, (char *)NULL);
    perror("exec /proc/self/exe");
    return 127;
}

static int demo(void)
{
    mp_dict *d;
    mp_manager *m = serve(0, &d);
    if (!m) return 1;
    int port = mp_manager_port(m), rc = 1;
    mp_process *p = mp_process_new(exec_client, &port);
    if (p && mp_process_start(p) == 0 && mp_process_join(p, 10.0) == 0 && mp_process_exitcode(p) == 0) {
        char text[256];
        if (mp_dict_format(d, text, sizeof text) >= 0) {
            printf("%s\n", text);
            mp_trace_note("the server's dict after the client: %s", text);
            rc = 0;
        }
    } else {
        fprintf(stderr, "demo: the client failed\n");
    }
    mp_process_free(p);
    mp_dict_free(d);
    mp_manager_shutdown(m);
    return rc;
}

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
    (void)sig;
    stop = 1;
}

static int server(int port)
{
    mp_dict *d;
    mp_manager *m = serve(port, &d);
    if (!m) return 1;
    printf("run: %s client %d   (Ctrl-C stops)\n", "06-manager-net", mp_manager_port(m));
    fflush(stdout);
    struct sigaction sa = {.sa_handler = on_signal};
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    char last[4096] = "", text[4096];
    while (!stop) {
        int n = mp_dict_format(d, text, sizeof text);
        if (n < 0) break; /* the server is gone (Ctrl-C reaches it too) */
        if (strcmp(text, last) != 0) {
            printf("%s\n", text);
            fflush(stdout);
            memcpy(last, text, (size_t)n + 1);
        }
        usleep(200000);
    }
    mp_dict_free(d);
    mp_manager_shutdown(m);
    return 0;
}

static int parse_port(const char *s, int *port)
{
    char *end;
    long v = strtol(s, &end, 10);
    if (*s == '\0' || *end != '\0' || v < 0 || v > 65535) return -1;
    *port = (int)v;
    return 0;
}

int main(int argc, char **argv)
{
    int port = 0;
    if (argc == 1) return demo();
    if (strcmp(argv[1], "server") == 0 && (argc == 2 || (argc == 3 && parse_port(argv[2], &port) == 0)))
        return server(port);
    if (strcmp(argv[1], "client") == 0 && argc == 3 && parse_port(argv[2], &port) == 0 && port > 0)
        return client(port);
    fprintf(stderr, "usage: %s [server [PORT] | client PORT]\n", argv[0]);
    return 2;
}
