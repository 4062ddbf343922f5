/*
 * present_agent.h — the class server's side of presenting and following,
 * done by a background process, so that the viewer never waits on the
 * network.
 *
 * The presenter publishes its page on every change and every half second;
 * a follower asks what the presenter shows every half second. Each is a
 * blocking exchange (present_link.h): against a server that is stopped,
 * unreachable or slow it waits up to the connect and reply timeouts (5 s
 * and 2 s), which in the viewer's own loop froze the slides and the keys
 * for that long, again and again. An agent (agent.h) does the exchanges;
 * the viewer hands it the page to publish and takes its answers as
 * messages on a socket pair, never blocking. It ends when the viewer
 * stops it or dies.
 */
#ifndef FORKLAB_PRESENT_AGENT_H
#define FORKLAB_PRESENT_AGENT_H

#include "present_link.h"

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

/* One answer: what the exchange returned (r: present_link_show's or
 * present_link_follow's), and for a follower with r == 0 what the
 * presenter shows (s) and its sequence number. */
struct present_answer {
    int32_t r;
    int64_t seq;
    struct present_state s;
};

struct present_agent {
    pid_t pid; /* 0: none */
    int fd;
};

/* Start an agent for link pl (present_link_presenter's or
 * present_link_student's): a presenter's publishes what it is handed,
 * again every every_ms; a follower's asks every every_ms. 0 | -errno. A
 * second start restarts. */
int present_agent_start(struct present_agent *a, const struct present_link *pl, bool presenter, int every_ms);
/* Presenter: hand over the page to publish. Never blocks. 0 | -EAGAIN (the
 * agent is still busy with older ones: hand it over again later) | -EPIPE */
int present_agent_show(struct present_agent *a, const struct present_state *s);
/* The newest answer since the last call: 1 with *ans, 0 when none came,
 * -EPIPE when the agent is gone (it is reaped; start again to go on). */
int present_agent_take(struct present_agent *a, struct present_answer *ans);
/* Stop it and reap it; nothing is left behind. */
void present_agent_stop(struct present_agent *a);

#endif
