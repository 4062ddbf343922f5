/*
 * grade_progress.c — the checks of a grading in progress, from Criterion's
 * verbose log (grade_progress.h).
 *
 * The markers are looked for anywhere in a line, not only at its start:
 * the learner's code shares the log, and its output without a final
 * newline runs into the grader's next line.
 */
#include "grade_progress.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The check named in "SUITE::NAME: ..." (or "SUITE::NAME" at the end). */
static void check_name(const char *p, const char *end, char *buf, size_t cap)
{
    const char *colons = NULL;
    for (const char *q = p; q + 1 < end; q++)
        if (q[0] == ':' && q[1] == ':') {
            colons = q;
            break;
        }
    buf[0] = '\0';
    if (!colons) return;
    const char *s = colons + 2, *e = s;
    while (e < end && *e != ':' && *e != ' ' && *e != '\r') e++;
    size_t n = (size_t)(e - s) < cap - 1 ? (size_t)(e - s) : cap - 1;
    memcpy(buf, s, n);
    buf[n] = '\0';
}

static struct grade_check *find(struct grade_progress *gp, const char *name)
{
    for (int i = 0; i < gp->n; i++)
        if (!strcmp(gp->checks[i].name, name)) return &gp->checks[i];
    return NULL;
}

/* A check seen first at its end (its RUN line was lost) still counts. */
static struct grade_check *find_or_add(struct grade_progress *gp, const char *name)
{
    struct grade_check *c = find(gp, name);
    if (c || gp->n >= GRADE_PROGRESS_MAX) return c;
    c = &gp->checks[gp->n++];
    snprintf(c->name, sizeof c->name, "%s", name);
    c->state = GCHECK_RUNNING;
    return c;
}

/* Where marker occurs in [p, end), or NULL. */
static const char *find_in(const char *p, const char *end, const char *marker)
{
    size_t m = strlen(marker);
    for (; p + m <= end; p++)
        if (!memcmp(p, marker, m)) return p;
    return NULL;
}

static void parse_line(struct grade_progress *gp, const char *p, const char *end)
{
    static const struct { const char *marker; int state; } marks[] = {
        {"[RUN ] ", GCHECK_RUNNING}, {"[PASS] ", GCHECK_PASS}, {"[FAIL] ", GCHECK_FAIL}, {"[SKIP] ", GCHECK_SKIP},
    };
    const char *at = find_in(p, end, "[====] Running ");
    if (at) {
        gp->total += atoi(at + strlen("[====] Running "));
        return;
    }
    for (size_t k = 0; k < sizeof marks / sizeof marks[0]; k++) {
        at = find_in(p, end, marks[k].marker);
        if (!at) continue;
        char name[64];
        check_name(at + strlen(marks[k].marker), end, name, sizeof name);
        struct grade_check *c = name[0] ? find_or_add(gp, name) : NULL;
        if (!c || marks[k].state == GCHECK_RUNNING || c->state != GCHECK_RUNNING) return;
        int state = marks[k].state;
        if (state == GCHECK_FAIL && find_in(at, end, "Timed out")) state = GCHECK_TIMEOUT;
        else if (state == GCHECK_FAIL && find_in(at, end, "CRASH")) state = GCHECK_CRASH;
        c->state = (enum grade_check_state)state;
        gp->ended++;
        return;
    }
}

void grade_progress_parse(struct grade_progress *gp, const char *log, size_t len)
{
    memset(gp, 0, sizeof *gp);
    const char *p = log, *end = log ? log + len : NULL;
    while (p && p < end) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        if (!nl) break; /* still being written */
        parse_line(gp, p, nl);
        p = nl + 1;
    }
}

const char *grade_check_word(enum grade_check_state s)
{
    switch (s) {
    case GCHECK_RUNNING: return "running";
    case GCHECK_PASS: return "ok";
    case GCHECK_FAIL: return "FAILED";
    case GCHECK_TIMEOUT: return "timed out";
    case GCHECK_CRASH: return "crashed";
    case GCHECK_SKIP: return "skipped";
    }
    return "?";
}

/* "c2_every_item_once" -> "every item once": the number is in "check 2/3". */
static void readable(const char *name, char *buf, size_t cap)
{
    const char *s = name;
    if (s[0] == 'c' && s[1] >= '0' && s[1] <= '9') {
        const char *q = s + 1;
        while (*q >= '0' && *q <= '9') q++;
        if (*q == '_' && q[1]) s = q + 1;
    }
    snprintf(buf, cap, "%s", s);
    for (char *c = buf; *c; c++)
        if (*c == '_') *c = ' ';
}

void grade_check_line(const struct grade_progress *gp, int i, char *buf, size_t cap)
{
    if (!buf || !cap) return;
    if (i < 0 || i >= gp->n) {
        buf[0] = '\0';
        return;
    }
    char name[64];
    readable(gp->checks[i].name, name, sizeof name);
    int total = gp->total > gp->n ? gp->total : gp->n;
    snprintf(buf, cap, "check %d/%d: %s ... %s", i + 1, total, name, grade_check_word(gp->checks[i].state));
}

void grade_progress_summary(const struct grade_progress *gp, char *buf, size_t cap)
{
    if (!buf || !cap) return;
    if (gp->n == 0) {
        snprintf(buf, cap, "%s", gp->total ? "starting the checks" : "building");
        return;
    }
    int ok = 0, total = gp->total > gp->n ? gp->total : gp->n;
    for (int i = 0; i < gp->n; i++) ok += gp->checks[i].state == GCHECK_PASS;
    snprintf(buf, cap, "%d of %d checks done, %d ok", gp->ended, total, ok);
}
