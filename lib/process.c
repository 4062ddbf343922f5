/*
 * process.c — Process(target=f, args=...): fork, join with a timeout,
 * exit codes as Python gives them, and no zombie left behind.
 *
 * join without a timeout is one blocking waitpid(). join with a timeout
 * waits on a pidfd (poll with the remaining time), so it costs no busy loop;
 * the pidfd is opened then, on first need, since a spawn+join without a
 * timeout (the common case) has no use for it (measured: a visible share of
 * the spawn cost). Either way, waitpid only reaps this process's own child.
 */
#include "mp_private.h"

#include <math.h>
#include <poll.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

struct mp_process {
    mp_target target;
    void *arg;
    char name[32];
    pid_t pid;     /* 0 before start */
    int pidfd;     /* -1 until a timed join opens it, or when the kernel has none */
    bool pidfd_tried;
    int exitcode;  /* MP_EXIT_NONE until reaped */
    bool reaped;
};

mp_process *mp_process_new(mp_target target, void *arg)
{
    static atomic_int serial;
    if (!target) {
        errno = EINVAL;
        return NULL;
    }
    mp_process *p = calloc(1, sizeof *p);
    if (!p) return NULL;
    p->target = target;
    p->arg = arg;
    p->pidfd = -1;
    p->exitcode = MP_EXIT_NONE;
    snprintf(p->name, sizeof p->name, "Process-%d", atomic_fetch_add(&serial, 1) + 1);
    return p;
}

int mp_process_set_name(mp_process *p, const char *name)
{
    if (!p || !name) return -EINVAL;
    snprintf(p->name, sizeof p->name, "%s", name);
    return 0;
}

const char *mp_process_name(const mp_process *p)
{
    return p ? p->name : NULL;
}

int mp_process_start(mp_process *p)
{
    if (!p) return -EINVAL;
    if (p->pid) return -EALREADY;
    MP__GATE(MP_GOP_SPAWN, 0, 0, 0);
    pid_t pid = mp__fork();
    if (pid < 0) return pid;
    if (pid == 0) {
        mp__trace_child_started(p->name);
        int rc = p->target(p->arg);
        if (MP__GATE_ON()) mp__gate_exit(rc & 0xff);
        fflush(NULL); /* the child's own output only: the parent's was flushed before fork */
        _exit(rc & 0xff);
    }
    p->pid = pid;
    return 0;
}

static void record_status(mp_process *p, int status)
{
    p->reaped = true;
    if (WIFEXITED(status)) p->exitcode = WEXITSTATUS(status);
    else if (WIFSIGNALED(status)) p->exitcode = -WTERMSIG(status);
    else p->exitcode = MP_EXIT_NONE;
    if (p->pidfd >= 0) {
        close(p->pidfd);
        p->pidfd = -1;
    }
    MP__TRACE(MP_EV_PROC_EXIT, 0, p->pid, p->exitcode, p->name);
}

/* Reap without blocking: true when the child has ended (now or before). */
static bool try_reap(mp_process *p)
{
    if (p->reaped) return true;
    int status;
    pid_t r;
    do r = waitpid(p->pid, &status, WNOHANG);
    while (r < 0 && errno == EINTR);
    if (r == p->pid) {
        record_status(p, status);
        return true;
    }
    if (r < 0 && errno == ECHILD) { /* reaped by someone else (e.g. SIGCHLD=SIG_IGN) */
        p->reaped = true;
        return true;
    }
    return false;
}

/* Blocks until the child ends and reaps it. */
static int join_forever(mp_process *p)
{
    if (p->reaped) return 0;
    int status;
    pid_t r;
    do r = waitpid(p->pid, &status, 0);
    while (r < 0 && errno == EINTR);
    if (r == p->pid) record_status(p, status);
    else if (r < 0 && errno == ECHILD) p->reaped = true; /* reaped by someone else */
    else return r < 0 ? -errno : -ECHILD;
    return 0;
}

/* The pidfd for a timed wait, opened once. The child is not reaped yet (the
 * caller checked), so its pid cannot have been reused. */
static int pidfd_get(mp_process *p)
{
    if (!p->pidfd_tried) {
        p->pidfd_tried = true;
        p->pidfd = (int)syscall(SYS_pidfd_open, p->pid, 0);
    }
    return p->pidfd;
}

int mp_process_join(mp_process *p, double timeout)
{
    if (!p || !p->pid) return -EINVAL;
    if (!p->reaped && MP__GATE_WAIT(MP_GOP_JOIN, 0, p->pid, 0, timeout) == MP_GRANT_TIMEOUT) return -ETIMEDOUT;
    if (!p->reaped) MP__TRACE_WAIT(MP_EV_JOIN_WAIT, 0, p->pid, 0, timeout);
    if (timeout < 0 || isnan(timeout)) return join_forever(p);
    mp__deadline d = mp__deadline_in(timeout);
    useconds_t nap = 200;
    for (;;) {
        if (try_reap(p)) return 0;
        if (mp__deadline_passed(&d)) return -ETIMEDOUT;
        int pidfd = pidfd_get(p);
        if (pidfd >= 0) {
            struct pollfd pfd = {.fd = pidfd, .events = POLLIN};
            int r = poll(&pfd, 1, mp__deadline_poll_ms(&d));
            if (r < 0 && errno != EINTR) return -errno;
        } else {
            /* No pidfd: short naps that grow to 10 ms. */
            usleep(nap);
            if (nap < 10000) nap *= 2;
        }
    }
}

pid_t mp_process_pid(const mp_process *p)
{
    return p ? p->pid : 0;
}

int mp_process_exitcode(const mp_process *p)
{
    return p ? p->exitcode : MP_EXIT_NONE;
}

bool mp_process_is_alive(mp_process *p)
{
    if (!p || !p->pid) return false;
    return !try_reap(p);
}

static int send_signal(mp_process *p, int sig)
{
    if (!p || !p->pid) return -EINVAL;
    if (p->reaped) return -ESRCH;
    MP__GATE(MP_GOP_SIGNAL, 0, p->pid, sig);
    if (kill(p->pid, sig) < 0) return -errno;
    if (MP__GATE_ON()) mp__gate_signal_sent(p->pid, sig);
    return 0;
}

int mp_process_terminate(mp_process *p)
{
    return send_signal(p, SIGTERM);
}

int mp_process_kill(mp_process *p)
{
    return send_signal(p, SIGKILL);
}

void mp_process_free(mp_process *p)
{
    if (!p) return;
    if (p->pid && !try_reap(p)) {
        kill(p->pid, SIGKILL);
        int status;
        pid_t r;
        do r = waitpid(p->pid, &status, 0);
        while (r < 0 && errno == EINTR);
        if (r == p->pid) record_status(p, status);
    }
    if (p->pidfd >= 0) close(p->pidfd);
    free(p);
}
