/* agent.c — background children of the viewer (agent.h). */
#include "agent.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

/* In the new child: no terminal, no Ctrl-C, gone with the viewer. */
static void become_agent(pid_t parent)
{
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (getppid() != parent) _exit(0); /* the viewer died before prctl */
    signal(SIGINT, SIG_IGN);            /* Ctrl-C is the viewer's to handle */
    signal(SIGPIPE, SIG_IGN);
    int null = open("/dev/null", O_RDWR | O_CLOEXEC);
    if (null >= 0) {
        dup2(null, 0);
        dup2(null, 1);
        dup2(null, 2);
        close(null);
    }
}

pid_t agent_fork(void (*body)(int fd, void *arg), void *arg, int *fd)
{
    int p[2];
    if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, p) < 0) return -errno;
    int mine = p[0], theirs = p[1];
    pid_t parent = getpid();
    fflush(NULL);
    pid_t pid = fork();
    if (pid < 0) {
        int e = errno;
        close(p[0]);
        close(p[1]);
        return -e;
    }
    if (pid == 0) {
        close(mine);
        become_agent(parent);
        body(theirs, arg);
        _exit(0);
    }
    close(theirs);
    fcntl(mine, F_SETFL, fcntl(mine, F_GETFL) | O_NONBLOCK);
    *fd = mine;
    return pid;
}

void agent_reap(pid_t pid, int wait_ms)
{
    if (pid <= 0) return;
    for (int waited = 0; waited < wait_ms; waited += 50) {
        if (waitpid(pid, NULL, WNOHANG) == pid) return;
        struct timespec t = {0, 50000000L};
        nanosleep(&t, NULL);
    }
    kill(pid, SIGKILL);
    while (waitpid(pid, NULL, 0) < 0 && errno == EINTR) {}
}
