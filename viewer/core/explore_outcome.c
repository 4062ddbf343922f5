/* explore_outcome.c — the table of outcomes (explore_outcome.h). */
#include "explore_outcome.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const struct ex_outcome *exo_find(const struct ex_outcomes *t, const char *text)
{
    for (size_t i = 0; i < t->n; i++)
        if (!strcmp(t->v[i].text, text)) return &t->v[i];
    return NULL;
}

int exo_add(struct ex_outcomes *t, const char *text, const char *schedule, size_t steps, size_t run)
{
    struct ex_outcome *o = (struct ex_outcome *)exo_find(t, text);
    if (o) {
        o->count++;
        /* shortest, then the smallest text: the same whatever order runs end in (-j) */
        if (steps < o->steps || (steps == o->steps && strcmp(schedule, o->schedule) < 0)) {
            char *s = strdup(schedule);
            if (!s) return -ENOMEM;
            free(o->schedule);
            o->schedule = s;
            o->steps = steps;
        }
        return 0;
    }
    if (t->n == t->cap) {
        size_t ncap = t->cap ? t->cap * 2 : 16;
        struct ex_outcome *p = realloc(t->v, ncap * sizeof *p);
        if (!p) return -ENOMEM;
        t->v = p;
        t->cap = ncap;
    }
    struct ex_outcome n = {strdup(text), strdup(schedule), steps, 1, run};
    if (!n.text || !n.schedule) {
        free(n.text);
        free(n.schedule);
        return -ENOMEM;
    }
    t->v[t->n++] = n;
    return 1;
}

static int by_count(const void *a, const void *b)
{
    const struct ex_outcome *x = a, *y = b;
    if (x->count != y->count) return x->count > y->count ? -1 : 1;
    return strcmp(x->text, y->text);
}

void exo_sort(struct ex_outcomes *t)
{
    if (t->n > 1) qsort(t->v, t->n, sizeof *t->v, by_count);
}

void exo_free(struct ex_outcomes *t)
{
    for (size_t i = 0; i < t->n; i++) {
        free(t->v[i].text);
        free(t->v[i].schedule);
    }
    free(t->v);
    memset(t, 0, sizeof *t);
}

void exo_status(int code, int known, char *buf, size_t cap)
{
    if (!known) snprintf(buf, cap, "?");
    else if (code >= 0) snprintf(buf, cap, "%d", code);
    else {
        const char *name = sigabbrev_np(-code);
        if (name) snprintf(buf, cap, "SIG%s", name);
        else snprintf(buf, cap, "signal %d", -code);
    }
}
