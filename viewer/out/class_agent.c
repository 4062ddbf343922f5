/* class_agent.c — the student's background sender (class.h): queued
 * results retried with backoff, the lesson and slide reported.
 *
 * The parent talks to the child (agent.h) in messages, one line per report:
 *     lesson TAB slide NEWLINE
 * written non-blocking (a full socket drops the report: the next one says
 * where the student is anyway). The child's loop wakes on a report or on a
 * timer; it owns no terminal (its standard streams are /dev/null) and
 * sends with the same calls `forklab class sync` uses, so the outbox rule
 * holds: a result leaves the outbox only once the board acknowledged it. */
#include "class.h"

#include "agent.h"

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static pid_t agent_pid = -1;
static int agent_fd = -1;
static char last_lesson[CLASS_TEXT_MAX + 1];
static int last_slide = -1;

static double mono(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

struct agent {
    char lesson[CLASS_TEXT_MAX + 1];
    int slide;
    bool where_due;         /* a report not yet acknowledged */
    double where_next;      /* not before (the rate limit, or a backoff) */
    double where_backoff;
    double box_next, box_backoff;
};

static double grow(double *backoff)
{
    double d = *backoff;
    *backoff = d * 2 > CLASS_RETRY_MAX ? CLASS_RETRY_MAX : d * 2;
    return d;
}

/* The reports that arrived; false when the parent is gone. */
static bool take_reports(struct agent *a, int fd, char *buf, size_t *len, size_t cap)
{
    ssize_t got = read(fd, buf + *len, cap - *len - 1);
    if (got == 0) return false;
    if (got < 0) return errno == EINTR || errno == EAGAIN;
    *len += (size_t)got;
    buf[*len] = '\0';
    char *line = buf, *nl;
    while ((nl = strchr(line, '\n'))) {
        *nl = '\0';
        char *tab = strchr(line, '\t');
        if (tab) {
            *tab = '\0';
            snprintf(a->lesson, sizeof a->lesson, "%s", line);
            a->slide = atoi(tab + 1);
            a->where_due = true;
        }
        line = nl + 1;
    }
    *len = strlen(line);
    memmove(buf, line, *len + 1);
    if (*len + 1 >= cap) *len = 0; /* a line that long is not ours */
    return true;
}

static void step(struct agent *a, double now)
{
    if (a->where_due && now >= a->where_next) {
        int r = class_send_where(a->lesson, a->slide);
        /* Refused (not our row any more) or no class (left it) is final;
         * unreachable is retried. */
        if (r >= 0 || r == -EPERM || r == -ENOENT || r == -EINVAL) {
            a->where_due = false;
            a->where_backoff = 1.0;
            a->where_next = now + CLASS_WHERE_EVERY;
        } else {
            a->where_next = now + grow(&a->where_backoff);
        }
    }
    if (now >= a->box_next && class_outbox_pending()) {
        int left = class_flush(false);
        if (left == 0) {
            a->box_backoff = 1.0;
            a->box_next = now + 1.0; /* look at the outbox again each second */
        } else {
            a->box_next = now + grow(&a->box_backoff);
        }
    } else if (now >= a->box_next) {
        a->box_next = now + 1.0;
    }
}

static void agent_main(int fd, void *arg)
{
    (void)arg;
    struct agent a = {.slide = -1, .where_backoff = 1.0, .box_backoff = 1.0};
    char buf[512];
    size_t len = 0;
    for (;;) {
        double now = mono(), next = a.box_next;
        if (a.where_due && a.where_next < next) next = a.where_next;
        int ms = next <= now ? 0 : (int)((next - now) * 1000) + 1;
        struct pollfd pf = {.fd = fd, .events = POLLIN};
        int r = poll(&pf, 1, ms);
        if (r < 0 && errno != EINTR) break;
        if (r > 0 && !take_reports(&a, fd, buf, &len, sizeof buf)) break;
        step(&a, mono());
    }
}

int class_agent_start(void)
{
    if (agent_pid > 0) return 1;
    if (!class_joined()) return 0;
    int fd;
    pid_t pid = agent_fork(agent_main, NULL, &fd);
    if (pid < 0) return (int)pid;
    agent_pid = pid;
    agent_fd = fd;
    last_slide = -1;
    return 1;
}

void class_agent_where(const char *lesson, int slide)
{
    if (!lesson) return;
    /* Joined after the viewer started (`forklab class join` in another
     * terminal): the sender starts with the first slide turned since. */
    if (agent_fd < 0 && class_agent_start() <= 0) return;
    char l[CLASS_TEXT_MAX + 1], line[CLASS_TEXT_MAX + 32];
    class_clean(l, sizeof l, lesson, strlen(lesson));
    if (slide == last_slide && !strcmp(l, last_lesson)) return;
    int n = snprintf(line, sizeof line, "%s\t%d\n", l, slide);
    /* One message: whole or not at all. */
    if (write(agent_fd, line, (size_t)n) == n) {
        memcpy(last_lesson, l, sizeof l);
        last_slide = slide;
    }
}

void class_agent_stop(void)
{
    if (agent_pid <= 0) return;
    close(agent_fd);
    agent_fd = -1;
    /* It ends when its socket closes, unless inside a send to a board that does
     * not answer: then it is killed, which loses nothing (a result leaves
     * the outbox only after it was acknowledged, and one sent twice
     * replaces itself on the board). */
    agent_reap(agent_pid, 500);
    agent_pid = -1;
}
