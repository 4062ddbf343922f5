/* The manager panel's model and rows: operations' texts split into their
 * parts, contents rebuilt from them (with what cannot be followed marked),
 * and the rows the panel shows. Events as lib/manager_proxy.c writes them. */
#include "model.h"
#include "model_manager.h"
#include "rows.h"

#include <criterion/criterion.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

static uint64_t clock_ns = 1000;

static void op(struct model *m, int pid, int64_t code, int64_t result, const char *text, uint8_t flags)
{
    struct mp_trace_event ev = {0};
    ev.t_ns = clock_ns += 1000;
    ev.kind = MP_EV_MANAGER_OP;
    ev.pid = pid;
    ev.obj = 77;
    ev.a = code;
    ev.b = result;
    ev.flags = flags;
    snprintf(ev.text, sizeof ev.text, "%s", text);
    cr_assert_eq(model_apply(m, &ev), 0);
}

static void proc(struct model *m, int pid, int ppid, const char *name)
{
    struct mp_trace_event ev = {0};
    ev.t_ns = clock_ns += 1000;
    ev.kind = MP_EV_PROC_START;
    ev.pid = pid;
    ev.a = ppid;
    snprintf(ev.text, sizeof ev.text, "%s", name);
    cr_assert_eq(model_apply(m, &ev), 0);
}

static void contents_are(const struct model *m, const char *name, char kind, const char *want)
{
    const struct model_mgr_obj *o = model_mgr_obj(m, name, kind);
    cr_assert_not_null(o, "no %c %s", kind, name);
    char buf[512];
    model_mgr_format(o, buf, sizeof buf);
    cr_assert_str_eq(buf, want);
}

Test(mgr_parse, keys_indexes_and_values)
{
    struct mgr_op_text t;
    cr_assert_eq(model_mgr_parse("set d['Apple'] = 0.7", &t), 0);
    cr_assert_str_eq(t.verb, "set");
    cr_assert_str_eq(t.name, "d");
    cr_assert(t.has_key && !t.has_index);
    cr_assert_str_eq(t.key, "'Apple'");
    cr_assert_eq(t.sep, '=');
    cr_assert_str_eq(t.value, "0.7");

    /* a key holding "'] = " and a quote: the repr tells where it ends */
    cr_assert_eq(model_mgr_parse("set d[\"it's'] = x\"] = 'a\\'b'", &t), 0);
    cr_assert_str_eq(t.key, "\"it's'] = x\"");
    cr_assert_str_eq(t.value, "'a\\'b'");

    cr_assert_eq(model_mgr_parse("pop results[-1] -> 42", &t), 0);
    cr_assert(t.has_index && !t.has_key);
    cr_assert_eq(t.index, -1);
    cr_assert_eq(t.sep, '>');
    cr_assert_str_eq(t.value, "42");

    cr_assert_eq(model_mgr_parse("len d", &t), 0);
    cr_assert_str_eq(t.name, "d");
    cr_assert(!t.has_key && !t.has_index && t.sep == 0);
}

Test(mgr_parse, refuses_what_is_not_an_operation)
{
    struct mgr_op_text t;
    cr_assert_eq(model_mgr_parse("", &t), -EINVAL);
    cr_assert_eq(model_mgr_parse("set", &t), -EINVAL);
    cr_assert_eq(model_mgr_parse("set d['Apple", &t), -EINVAL); /* a key cut by the trace */
    cr_assert_str_eq(t.name, "d", "the name is still known");
    cr_assert_eq(model_mgr_parse("get l[x]", &t), -EINVAL);
    cr_assert_eq(model_mgr_parse("set d['a'] 3", &t), -EINVAL);
    cr_assert_eq(model_mgr_parse(NULL, &t), -EINVAL);
}

/* The lesson's example: the child sets two keys, the parent prints. */
Test(mgr_model, dict_from_the_lesson)
{
    struct model m;
    model_init(&m);
    op(&m, 100, MP_MGR_DICT_OPEN, 0, "open d", 0);
    contents_are(&m, "d", 'd', "d = {}");
    op(&m, 101, MP_MGR_DICT_SET, 0, "set d['Apple'] = 0.7", 0);
    op(&m, 101, MP_MGR_DICT_SET, 0, "set d['Orange'] = 1.2", 0);
    op(&m, 100, MP_MGR_DICT_ITEMS, 2, "str d", 0);
    contents_are(&m, "d", 'd', "d = {'Apple': 0.7, 'Orange': 1.2}");
    cr_assert_eq(m.nmops, 4);
    cr_assert_eq(m.nmobjs, 1);
    cr_assert_eq(m.mobjs[0].ops, 4);
    /* an update keeps the key's place, as Python's dict does */
    op(&m, 101, MP_MGR_DICT_SET, 0, "set d['Apple'] = 0.8", 0);
    op(&m, 101, MP_MGR_DICT_ADD, 0, "add d['n'] -> 5", 0);
    contents_are(&m, "d", 'd', "d = {'Apple': 0.8, 'Orange': 1.2, 'n': 5}");
    op(&m, 100, MP_MGR_DICT_DEL, 0, "del d['Orange']", 0);
    op(&m, 100, MP_MGR_DICT_GET, -ENOENT, "get d['Orange']", 0); /* refused: changes nothing */
    op(&m, 100, MP_MGR_DICT_LEN, 2, "len d", 0);
    contents_are(&m, "d", 'd', "d = {'Apple': 0.8, 'n': 5}");
    op(&m, 100, MP_MGR_DICT_CLEAR, 0, "clear d", 0);
    contents_are(&m, "d", 'd', "d = {}");
    model_free(&m);
}

Test(mgr_model, lists_and_values)
{
    struct model m;
    model_init(&m);
    op(&m, 100, MP_MGR_LIST_OPEN, 0, "open l", 0);
    op(&m, 101, MP_MGR_LIST_APPEND, 0, "append l = 7", 0);
    op(&m, 102, MP_MGR_LIST_APPEND, 0, "append l = 'x'", 0);
    op(&m, 101, MP_MGR_LIST_APPEND, 0, "append l = 9", 0);
    op(&m, 100, MP_MGR_LIST_SET, 0, "set l[-1] = 10", 0);
    op(&m, 100, MP_MGR_LIST_POP, 0, "pop l[0] -> 7", 0);
    op(&m, 100, MP_MGR_LIST_LEN, 2, "len l", 0);
    contents_are(&m, "l", 'l', "l = ['x', 10]");
    op(&m, 100, MP_MGR_VALUE_OPEN, 0, "open v", 0);
    contents_are(&m, "v", 'v', "v: not set yet");
    op(&m, 100, MP_MGR_VALUE_SET, 0, "set v = 2.5", 0);
    op(&m, 101, MP_MGR_VALUE_ADD, 0, "add v -> 3.5", 0);
    contents_are(&m, "v", 'v', "v = 3.5");
    /* a dict and a list may share a name: they are different objects */
    op(&m, 100, MP_MGR_DICT_SET, 0, "set l['k'] = 1", 0);
    contents_are(&m, "l", 'd', "l = {'k': 1}");
    contents_are(&m, "l", 'l', "l = ['x', 10]");
    model_free(&m);
}

/* A key set before the trace began shows up once read, and the server's
 * counts expose what we missed. */
Test(mgr_model, reads_teach_and_counts_check)
{
    struct model m;
    model_init(&m);
    op(&m, 100, MP_MGR_DICT_GET, 0, "get d['old'] -> 'kept'", 0);
    contents_are(&m, "d", 'd', "d = {'old': 'kept'}");
    op(&m, 100, MP_MGR_DICT_LEN, 3, "len d", 0);
    contents_are(&m, "d", 'd', "d = {'old': 'kept'} (incomplete: some changes were not seen)");
    op(&m, 100, MP_MGR_DICT_CLEAR, 0, "clear d", 0);
    contents_are(&m, "d", 'd', "d = {}");
    op(&m, 100, MP_MGR_LIST_POP, 0, "pop q[0] -> 1", 0); /* popped what we never saw */
    contents_are(&m, "q", 'l', "q = [] (incomplete: some changes were not seen)");
    model_free(&m);
}

Test(mgr_model, cut_texts_are_marked)
{
    struct model m;
    model_init(&m);
    op(&m, 100, MP_MGR_DICT_SET, 0, "set d['big'] = 'xxxxxxxx", MP_EVF_TRUNCATED);
    contents_are(&m, "d", 'd', "d = {'big': 'xxxxxxxx\xe2\x80\xa6}");
    op(&m, 100, MP_MGR_DICT_SET, 0, "set d['a very long ke", MP_EVF_TRUNCATED);
    contents_are(&m, "d", 'd', "d = {'big': 'xxxxxxxx\xe2\x80\xa6} (incomplete: some changes were not seen)");
    model_free(&m);
}

/* Unknown op codes and garbage texts never crash nor invent objects. */
Test(mgr_model, garbage_is_harmless)
{
    struct model m;
    model_init(&m);
    op(&m, 100, 999, 0, "set d['a'] = 1", 0);
    op(&m, 100, MP_MGR_PING, 0, "ping", 0);
    op(&m, 100, MP_MGR_DICT_SET, 0, "", 0);
    op(&m, 100, MP_MGR_LIST_SET, 0, "set l[99999999999999999999] = 1", 0);
    cr_assert_eq(m.nmops, 4);
    cr_assert_eq(m.nmobjs, 1);
    cr_assert(m.mobjs[0].partial);
    model_free(&m);
}

Test(mgr_format, cut_at_capacity_with_a_sign)
{
    struct model m;
    model_init(&m);
    for (int i = 0; i < 40; i++) op(&m, 100, MP_MGR_LIST_APPEND, 0, "append l = 'caf\xc3\xa9'", 0);
    char buf[32];
    model_mgr_format(model_mgr_obj(&m, "l", 'l'), buf, sizeof buf);
    cr_assert_lt(strlen(buf), sizeof buf);
    size_t n = strlen(buf);
    cr_assert(n >= 3 && !strcmp(buf + n - 3, "\xe2\x80\xa6"), "%s", buf);
    cr_assert_eq(strncmp(buf, "l = ['caf\xc3\xa9', ", 13), 0, "%s", buf);
    model_free(&m);
}

Test(mgr_rows, who_called_what)
{
    struct model m;
    model_init(&m);
    proc(&m, 100, 1, "06-manager");
    proc(&m, 101, 100, "Process-1");
    op(&m, 101, MP_MGR_DICT_SET, 0, "set d['Apple'] = 0.7", 0);
    op(&m, 100, MP_MGR_DICT_LEN, 1, "len d", 0);
    op(&m, 100, MP_MGR_DICT_CONTAINS, 0, "in d['Pear']", 0);
    op(&m, 100, MP_MGR_DICT_GET, -ENOENT, "get d['Pear']", 0);
    op(&m, 102, MP_MGR_DICT_SET, 0, "set d['x'] = 1", 0);
    char buf[256];
    fmt_mgr_op_row(buf, sizeof buf, &m, &m.mops[0], 80);
    cr_assert_str_eq(buf, "101 Process-1: set d['Apple'] = 0.7");
    fmt_mgr_op_row(buf, sizeof buf, &m, &m.mops[1], 80);
    cr_assert_str_eq(buf, "100 06-manager: len d -> 1");
    fmt_mgr_op_row(buf, sizeof buf, &m, &m.mops[2], 80);
    cr_assert_str_eq(buf, "100 06-manager: in d['Pear'] -> False");
    fmt_mgr_op_row(buf, sizeof buf, &m, &m.mops[3], 80);
    cr_assert_str_eq(buf, "100 06-manager: get d['Pear'] failed: no such key");
    fmt_mgr_op_row(buf, sizeof buf, &m, &m.mops[4], 80);
    cr_assert_str_eq(buf, "102 ?: set d['x'] = 1", "a process the trace never started");
    /* narrow: the name goes before the operation is cut */
    fmt_mgr_op_row(buf, sizeof buf, &m, &m.mops[0], 30);
    cr_assert_str_eq(buf, "101: set d['Apple'] = 0.7");
    model_free(&m);
}
