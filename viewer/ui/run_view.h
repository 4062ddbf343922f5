/*
 * run_view.h — what the live run view (view_run.c) shares with its
 * controlled-modes part (run_control.c): the view's state and the few
 * functions each calls in the other. Private to viewer/ui.
 */
#ifndef FORKLAB_RUN_VIEW_H
#define FORKLAB_RUN_VIEW_H

#include "ui.h"

#include "codepane.h"
#include "controller.h"
#include "runner.h"

#include <stdbool.h>
#include <stdint.h>

#define TICK_MS 50
#define OUT_LINES 400          /* output lines kept */
#define PENDING_MAX 200000     /* beyond this, the replay catches up at once */

/* Events applied per tick, from slowest to all at once. */
static const int speeds[] = {1, 2, 5, 10, 25, 50, 100, 250, 1000, 0};
#define NSPEEDS (int)(sizeof speeds / sizeof speeds[0])
#define DEFAULT_SPEED 5

enum run_mode { MODE_FREE, MODE_PACED, MODE_SCHEDULE, MODE__COUNT };
/* Paced: operations per second, in tenths (0.5 .. 200). */
static const int rates_x10[] = {5, 10, 20, 50, 100, 200, 500, 1000, 2000};
#define NRATES (int)(sizeof rates_x10 / sizeof rates_x10[0])
#define DEFAULT_RATE 2 /* 2 a second: slow enough to narrate */

struct out_line {
    bool err;
    uint64_t after;   /* events received before it: it shows once the replay got there */
    char text[200];
};

struct run_view {
    struct ui_view v;
    const struct lesson *l;
    char target[256];           /* what to resolve: the lesson id or program */
    struct runner r;
    struct model m;             /* what is displayed */
    bool started;
    char error[4400];           /* why the run could not start */
    struct mp_trace_event *pending;
    size_t head, npend, cap;    /* a ring: npend events from pending[head] */
    uint64_t received;          /* events the runner handed over this run */
    struct out_line *out;
    size_t nout, out_first;     /* ring of OUT_LINES */
    uint64_t out_total;
    size_t out_back;            /* output lines scrolled back from the latest */
    int speed;                  /* index into speeds */
    bool paused;                /* the replay (and the group, while it runs) */
    bool killed;                /* x */
    int cols, lines;
    /* Deadlocks are watched on every event as it arrives, not at the
     * replay's pace: the banner shows within a tick or two of forming. */
    struct model now;
    struct wf_watch watch;
    bool deadlock;
    /* controlled runs */
    enum run_mode mode;
    bool controlled;            /* this run is under the gate (ctl is live) */
    struct controller ctl;
    int rate;                   /* index into rates_x10 */
    uint64_t next_grant_ns;     /* paced: when the next operation may go */
    int sel;                    /* you schedule: the selected row (position in ctl.procs) */
    uint64_t ctl_sig;           /* processes known, alive and parked, as last drawn */
    bool stuck;
    char ctl_msg[CTL_ERR];      /* the last refusal or the stuck report */
    char *replay;               /* a schedule replayed paced (from explore), NULL: none */
    uint64_t seed;              /* paced (not a replay): the seed its interleaving comes from */
    /* the code pane (codepane.h): the example's source and where each process is */
    struct cp_source code;
    char code_base[256];        /* the source's basename, to match call sites with */
    int code_pref;              /* c: 0 = as the size says, 1 = shown, -1 = hidden */
    int code_top, code_hoff;    /* first line shown; columns scrolled sideways (< / >) */
};
/* Monotonic clock in ns (the tick and the paced beat). */
uint64_t run_view_now_ns(void);
/* Stop the run and start again in the current mode (m switches modes). */
void run_view_reset(struct run_view *rv);

/* run_control.c: the controlled modes (paced, you schedule). */
/* Paced: one operation per beat unless paused; also keeps the displayed
 * pending operations fresh in every mode. True when the screen changes. */
bool run_view_pace(struct run_view *rv);
/* The processes panel of a controlled run: each process's pending operation. */
void run_view_draw_controlled(const struct run_view *rv, struct rect r);
/* Keys of the controlled modes: UI_* flags, 0 when the key is not theirs. */
int run_view_controlled_key(struct run_view *rv, int ch);

#endif
