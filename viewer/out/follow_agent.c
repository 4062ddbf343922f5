/* follow_agent.c — the presenter's page, asked for in the background
 * (follow_agent.h). */
#include "follow_agent.h"

#include "agent.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static pid_t agent_pid = -1;
static int agent_fd = -1;

struct job {
    struct present_link link;
    int every_ms;
};

static void sleep_ms(int ms)
{
    struct timespec t = {ms / 1000, (long)(ms % 1000) * 1000000L};
    while (nanosleep(&t, &t) < 0 && errno == EINTR) {}
}

/* The agent: ask, hand the answer over, wait, again. An answer the pipe
 * has no room for is dropped (the viewer is busy; the next one is newer);
 * a closed pipe ends the agent. */
static void ask_loop(int fd, void *arg)
{
    struct job *job = arg;
    fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
    for (;;) {
        struct follow_answer a;
        memset(&a, 0, sizeof a);
        int64_t seq = 0;
        a.r = present_link_follow(&job->link, &a.s, &seq);
        a.seq = seq;
        /* Under PIPE_BUF bytes: written whole or not at all. */
        if (write(fd, &a, sizeof a) < 0 && errno != EAGAIN) break;
        sleep_ms(job->every_ms);
    }
    present_link_close(&job->link);
}

int follow_agent_start(const struct present_link *pl, int every_ms)
{
    _Static_assert(sizeof(struct follow_answer) <= 512, "an answer is one atomic pipe write");
    follow_agent_stop();
    struct job job = {.link = *pl, .every_ms = every_ms > 0 ? every_ms : 500};
    job.link.fd = -1; /* the agent makes its own connection */
    int fd;
    pid_t pid = agent_fork(false, ask_loop, &job, &fd);
    explicit_bzero(&job, sizeof job); /* the class key: only the agent needs it now */
    if (pid < 0) return (int)pid;
    agent_pid = pid;
    agent_fd = fd;
    return 0;
}

int follow_agent_take(struct follow_answer *out)
{
    if (agent_fd < 0) return -EPIPE;
    struct follow_answer batch[16];
    int got = 0;
    for (;;) {
        ssize_t n = read(agent_fd, batch, sizeof batch);
        if (n > 0) {
            size_t whole = (size_t)n / sizeof batch[0];
            if (whole > 0) {
                *out = batch[whole - 1];
                got = 1;
            }
            continue;
        }
        if (n < 0 && errno == EINTR) continue;
        if (n < 0 && errno == EAGAIN) break;
        follow_agent_stop(); /* end of file, or a broken pipe: the agent is gone */
        if (!got) return -EPIPE;
        break;
    }
    if (got) out->s.lesson[sizeof out->s.lesson - 1] = '\0';
    return got;
}

void follow_agent_stop(void)
{
    if (agent_fd >= 0) close(agent_fd);
    agent_fd = -1;
    /* It may be inside an exchange that waits on the server for seconds;
     * it keeps nothing worth waiting for. */
    agent_reap(agent_pid, 0);
    agent_pid = -1;
}
