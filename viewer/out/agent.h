/*
 * agent.h — a background child of the viewer, for work that may block on
 * the network (class_agent.c sends results and reports; follow_agent.c asks
 * what the presenter shows). It owns no terminal (its standard streams are
 * /dev/null), leaves Ctrl-C to the viewer, and dies with the viewer
 * (PR_SET_PDEATHSIG), so nothing is left behind even when the viewer is
 * killed.
 */
#ifndef FORKLAB_AGENT_H
#define FORKLAB_AGENT_H

#include <sys/types.h>

/* Forks an agent joined to the caller by a socket pair of messages
 * (SOCK_SEQPACKET: each write is one message, each read takes one, whole;
 * a closed end reads as end of file). The agent runs body(its end, arg),
 * then _exits; the caller gets the agent's pid and its own end in *fd
 * (close-on-exec, non-blocking). pid | -errno */
pid_t agent_fork(void (*body)(int fd, void *arg), void *arg, int *fd);
/* Reaps the agent: waits up to wait_ms for it to end by itself (its pipe
 * closed), then kills it. */
void agent_reap(pid_t pid, int wait_ms);

#endif
