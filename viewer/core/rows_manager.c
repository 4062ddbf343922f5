/*
 * rows_manager.c — the manager panel's operation rows (rows.h): who called
 * what. The contents rows are model_mgr_format()'s (model_manager.c).
 */
#include "rows.h"

#include "mp.h"
#include "text.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

/* Operations whose result is an answer worth showing, not just "done". */
static bool shows_result(int64_t op)
{
    return op == MP_MGR_DICT_LEN || op == MP_MGR_DICT_CONTAINS || op == MP_MGR_DICT_KEYS ||
           op == MP_MGR_DICT_ITEMS || op == MP_MGR_LIST_LEN || op == MP_MGR_LIST_ITEMS;
}

void fmt_mgr_op_row(char *buf, size_t cap, const struct model *m, const struct model_manager_op *o, int width)
{
    const struct model_proc *p = model_proc(m, o->pid);
    char line[512], result[96] = "";
    if (o->result < 0)
        snprintf(result, sizeof result, " failed: %s", mp_strerror((int)o->result));
    else if (o->op == MP_MGR_DICT_CONTAINS)
        snprintf(result, sizeof result, " -> %s", o->result ? "True" : "False");
    else if (shows_result(o->op))
        snprintf(result, sizeof result, " -> %" PRId64, o->result);
    snprintf(line, sizeof line, "%d %s: %s%s", o->pid, p && p->name[0] ? p->name : "?", o->text, result);
    if (fmt_width(line) > width) /* narrow: the operation matters more than the name */
        snprintf(line, sizeof line, "%d: %s%s", o->pid, o->text, result);
    fmt_fit(buf, cap, line, width);
}
