/*
 * follow_agent.h — asks the class server what the presenter shows from a
 * background process, so that the viewer never waits on the network.
 *
 * Following polls the server every half second (ui/follow.c). Each ask is
 * a blocking exchange (present_link.h): against a server that is stopped,
 * unreachable or slow it waits up to the connect and reply timeouts (5 s
 * and 2 s), which in the viewer's own loop froze the screen and the keys
 * for that long, again and again. The agent is a child process that does
 * the asking; every answer comes back as one fixed-size record on a
 * non-blocking pipe, and the viewer takes the newest when it likes.
 *
 * The agent ends when the viewer closes its end or dies (PR_SET_PDEATHSIG);
 * follow_agent_stop() reaps it.
 */
#ifndef FORKLAB_FOLLOW_AGENT_H
#define FORKLAB_FOLLOW_AGENT_H

#include "present_link.h"

#include <stdint.h>

/* One answer: what present_link_follow() returned (r), and when r == 0
 * what the presenter shows (s) and its sequence number. */
struct follow_answer {
    int32_t r;
    int64_t seq;
    struct present_state s;
};

/* Start asking over pl (a student's link: present_link_student) every
 * every_ms. 0 | -errno. A second start restarts. */
int follow_agent_start(const struct present_link *pl, int every_ms);
/* The newest answer since the last call: 1 with *a, 0 when none came,
 * -EPIPE when the agent is gone (it is reaped; start again to go on). */
int follow_agent_take(struct follow_answer *a);
/* Stop it and reap it; nothing is left behind. */
void follow_agent_stop(void);

#endif
