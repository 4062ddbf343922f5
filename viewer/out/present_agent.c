/* present_agent.c — presenting and following over the class server from a
 * background process (present_agent.h). */
#include "present_agent.h"

#include "agent.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

struct job {
    struct present_link link;
    bool presenter;
    int every_ms;
};

static int64_t now_ms(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (int64_t)t.tv_sec * 1000 + t.tv_nsec / 1000000;
}

/* The pages the viewer handed over since the last look: the newest in *s.
 * 1 one came, 0 none, -1 the viewer closed its end. */
static int newest_page(int fd, struct present_state *s)
{
    int got = 0;
    for (;;) {
        struct present_state in;
        ssize_t n = read(fd, &in, sizeof in);
        if (n == (ssize_t)sizeof in) {
            in.lesson[sizeof in.lesson - 1] = '\0';
            *s = in;
            got = 1;
            continue;
        }
        if (n < 0 && errno == EINTR) continue;
        if (n == 0) return -1;
        return got; /* EAGAIN, or a message of the wrong size (not ours): skipped */
    }
}

/* The agent: a follower asks every every_ms; a presenter publishes the
 * newest page at once and again every every_ms (a restarted server learns
 * it so). Every exchange's answer goes back as one message; one the viewer
 * has no room for is dropped (the next is newer). */
static void agent_loop(int fd, void *arg)
{
    struct job *job = arg;
    fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
    struct present_state page;
    bool have_page = !job->presenter;
    int64_t next = now_ms();
    for (;;) {
        int64_t left = next - now_ms();
        int timeout = !have_page ? -1 : left > 0 ? (int)left : 0; /* a presenter waits for its first page */
        struct pollfd pf = {.fd = fd, .events = POLLIN};
        int pr = poll(&pf, 1, timeout);
        if (pr < 0 && errno != EINTR) break;
        if (pr > 0) {
            int got = newest_page(fd, &page);
            if (got < 0) break;
            if (got > 0 && job->presenter) {
                have_page = true;
                next = now_ms(); /* a new page goes out at once */
            }
        }
        if (!have_page || now_ms() < next) continue;
        struct present_answer ans;
        memset(&ans, 0, sizeof ans);
        if (job->presenter) {
            ans.r = present_link_show(&job->link, &page);
        } else {
            int64_t seq = 0;
            ans.r = present_link_follow(&job->link, &ans.s, &seq);
            ans.seq = seq;
        }
        if (write(fd, &ans, sizeof ans) < 0 && errno != EAGAIN) break;
        next = now_ms() + job->every_ms;
    }
    present_link_close(&job->link);
}

int present_agent_start(struct present_agent *a, const struct present_link *pl, bool presenter, int every_ms)
{
    present_agent_stop(a);
    struct job job = {.link = *pl, .presenter = presenter, .every_ms = every_ms > 0 ? every_ms : 500};
    job.link.fd = -1; /* the agent makes its own connection */
    int fd;
    pid_t pid = agent_fork(agent_loop, &job, &fd);
    explicit_bzero(&job, sizeof job); /* the class key: only the agent needs it now */
    if (pid < 0) return (int)pid;
    a->pid = pid;
    a->fd = fd;
    return 0;
}

int present_agent_show(struct present_agent *a, const struct present_state *s)
{
    if (a->pid <= 0) return -EPIPE;
    if (write(a->fd, s, sizeof *s) == (ssize_t)sizeof *s) return 0;
    return errno == EAGAIN ? -EAGAIN : -EPIPE;
}

int present_agent_take(struct present_agent *a, struct present_answer *out)
{
    if (a->pid <= 0) return -EPIPE;
    int got = 0;
    for (;;) {
        struct present_answer in;
        ssize_t n = read(a->fd, &in, sizeof in);
        if (n == (ssize_t)sizeof in) {
            *out = in;
            got = 1;
            continue;
        }
        if (n < 0 && errno == EINTR) continue;
        if (n < 0 && errno == EAGAIN) break;
        present_agent_stop(a); /* end of file, or an error: the agent is gone */
        if (!got) return -EPIPE;
        break;
    }
    if (got) out->s.lesson[sizeof out->s.lesson - 1] = '\0';
    return got;
}

void present_agent_stop(struct present_agent *a)
{
    if (a->pid > 0) {
        close(a->fd);
        /* It may be inside an exchange that waits on the server for
         * seconds; it keeps nothing worth waiting for. */
        agent_reap(a->pid, 0);
    }
    a->pid = 0;
    a->fd = -1;
}
