/*
 * follow.c — follow the instructor: a student's viewer goes to the lesson
 * and slide the presenter shows (`forklab --follow`, or f on the lesson
 * list or a lesson; f again leaves, and f once more comes back).
 *
 * A background agent (present_agent.h) asks the class server the student
 * joined what the presenter shows (present_link.h, CLS_FOLLOW) every
 * FOLLOW_POLL_MS, so a server that is slow or gone never holds up the
 * screen or the keys; every FOLLOW_POLL_MS the loop (stack.c) has this
 * take the newest answer.
 * A page not seen before is handed to the views (ui_stack_follow): a
 * lesson view of another lesson closes, the list opens the new lesson, a
 * lesson view turns to the slide. While the student is in a run, a quiz
 * or an exercise, the page waits until they are back. A reply that is
 * malformed or out of bounds is refused and said on the top row; the
 * viewer stays where it is. A student who moves on their own stays there
 * until the presenter changes page.
 */
#include "ui.h"

#include "present_agent.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#define FOLLOW_POLL_MS 500

static struct {
    bool on;
    struct catalogue *cat;
    struct present_agent agent;
    int64_t applied; /* the server's seq of the page shown; -1: none yet */
    char msg[200];   /* the indicator on the top row ("" none) */
    enum ui_role role;
} F;

bool ui_follow_on(void)
{
    return F.on;
}

int ui_follow_start(struct catalogue *c)
{
    F.cat = c;
    struct present_link link = {.fd = -1};
    int r = present_link_student(&link);
    if (r == 0) r = present_agent_start(&F.agent, &link, false, FOLLOW_POLL_MS);
    explicit_bzero(&link, sizeof link); /* the class key stays with the agent */
    if (r < 0) {
        snprintf(F.msg, sizeof F.msg, "%s",
                 r == -ENOENT   ? " follow: join the class first (forklab class join HOST:PORT --name NAME) "
                 : r == -EINVAL ? " follow: your class state is damaged (forklab class join again) "
                                : " follow: cannot start asking the class server (out of processes?) ");
        F.role = R_WARN;
        F.on = false;
        return r;
    }
    F.on = true;
    F.applied = -1;
    snprintf(F.msg, sizeof F.msg, " following the presenter... ");
    F.role = R_KEY;
    return 0;
}

void ui_follow_stop(void)
{
    present_agent_stop(&F.agent);
    F.on = false;
    F.msg[0] = '\0';
}

int ui_follow_toggle(struct catalogue *c)
{
    if (F.on) ui_follow_stop();
    else ui_follow_start(c);
    return UI_HANDLED | UI_REDRAW;
}

int ui_follow_tick_ms(void)
{
    return F.on ? FOLLOW_POLL_MS : -1;
}

static void say(enum ui_role role, const char *fmt, const char *a, int n, int of)
{
    snprintf(F.msg, sizeof F.msg, fmt, a, n, of);
    F.role = role;
}

int ui_follow_tick(void)
{
    if (!F.on) return 0;
    char before[sizeof F.msg];
    memcpy(before, F.msg, sizeof before);
    struct present_answer a;
    int got = present_agent_take(&F.agent, &a);
    if (got == 0) return 0; /* no answer yet: nothing changed */
    if (got < 0) { /* the agent is gone (killed?): ask again with a new one */
        int64_t applied = F.applied;
        if (ui_follow_start(F.cat) == 0) F.applied = applied; /* the same page is not news */
        return strcmp(before, F.msg) ? UI_REDRAW : 0;
    }
    const struct present_state s = a.s;
    int64_t seq = a.seq;
    int r = a.r;
    bool moved = false;
    if (r == 0 && seq != F.applied) {
        if (!catalogue_find(F.cat, s.lesson)) {
            say(R_WARN, " follow: the presenter shows '%s', which is not among your lessons ", s.lesson, 0, 0);
        } else if (ui_stack_follow(s.lesson, s.page)) {
            F.applied = seq;
            moved = true;
            say(R_KEY, " following: %s %d/%d ", s.lesson, s.page, s.pages);
        } else {
            say(R_KEY, " following: the presenter is on %s %d/%d (q: back to catch up) ", s.lesson, s.page, s.pages);
        }
    } else if (r == -ENOENT) {
        say(R_KEY, " following: the presenter has not started%s ", "", 0, 0);
    } else if (r < 0) {
        bool hostile = r == -EBADMSG || r == -EINVAL;
        say(hostile || r == -EPERM ? R_BAD : R_WARN, " follow: %s ", present_link_error(r), 0, 0);
    }
    return moved || strcmp(before, F.msg) ? UI_REDRAW : 0;
}

void ui_follow_draw(int cols)
{
    if (!F.msg[0]) return;
    int w = fmt_width(F.msg);
    if (w > cols) w = cols;
    ui_put(0, cols - w, w, F.role, F.msg);
}
