/*
 * model_manager.h — a manager's dicts, lists and values as its operations
 * show them (model_manager.c), for the manager panel and the dump.
 *
 * The manager's server holds the data; the trace has only the clients'
 * calls (MP_EV_MANAGER_OP, whose text mp_trace.h describes). Replaying
 * their effects in order gives the contents, as long as no event was lost:
 * where one was (a dropped event, a cut text, a count the server returned
 * that differs from ours) the object is marked partial rather than shown
 * with confidence. Pure, like the rest of the model.
 */
#ifndef FORKLAB_MODEL_MANAGER_H
#define FORKLAB_MODEL_MANAGER_H

#include "model.h"

#include <stdbool.h>

/* The parts of an operation's text: "set d['Apple'] = 0.7". */
struct mgr_op_text {
    char verb[16];                /* "set" */
    char name[40];                /* "d" (cut to fit) */
    bool has_key;
    char key[MP_TRACE_TEXT];      /* "'Apple'": the key's repr, quotes kept */
    bool has_index;
    long index;                   /* l[-1]: -1 */
    char sep;                     /* '=' a value sent, '>' a value got back, 0 none */
    char value[MP_TRACE_TEXT];    /* "0.7": the value's repr */
};

/* Splits an operation's text. 0 | -EINVAL when it is not of that form (a
 * cut text may not be: then only out->name is sure, when not empty). */
int model_mgr_parse(const char *text, struct mgr_op_text *out);

/* Applies one MP_EV_MANAGER_OP to m->mobjs (model_apply calls it). 0 | -ENOMEM */
int model_manager_apply(struct model *m, const struct mp_trace_event *ev);
/* Frees m->mobjs (model_free calls it). */
void model_manager_free(struct model *m);
/* The object named name of that kind ('d', 'l', 'v'); NULL when none. */
const struct model_mgr_obj *model_mgr_obj(const struct model *m, const char *name, char kind);

/* The object as its operations left it, as Python prints it: "d =
 * {'Apple': 0.7, 'Orange': 1.2}", "l = [1, 2]", "v = 2.5", "v: not set
 * yet"; " (incomplete: ...)" at the end when some change could not be
 * followed. Cut with "…" at cap (the panel wraps it). */
void model_mgr_format(const struct model_mgr_obj *o, char *buf, size_t cap);

#endif
