/*
 * fuzz_model.c — any bytes, read as trace events, must neither crash nor
 * hang the model, and the dump and the JSON export of whatever model
 * results must work too (a corrupt trace file is just such bytes).
 */
#include "dump.h"
#include "export.h"
#include "model.h"
#include "model_manager.h"
#include "rows.h"
#include "words.h"

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Every reading of the wait-for graph must hold on any model. */
static void deadlock_check(struct model *m)
{
    struct wf_deadlock d;
    char text[1024];
    if (model_deadlock(m, &d) == 1) {
        if (d.ncycle > WF_MAX_CYCLE || (d.ncycle && d.cycle[0].pid == 0 && d.nstuck == 0)) __builtin_trap();
        waitfor_cycle_text(m, &d, text, sizeof text);
        for (size_t i = 0; i < d.ncycle; i++) waitfor_member_text(m, &d.cycle[i], text, sizeof text);
        model_confirm_deadlock(m, &d);
    }
    for (size_t i = 0; i < m->wf.ninvs; i++) waitfor_inversion_text(m, &m->wf.invs[i], text, 16);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static FILE *sink;
    if (!sink) sink = fopen("/dev/null", "w");
    struct model m;
    model_init(&m);
    for (size_t off = 0; off + sizeof(struct mp_trace_event) <= size; off += sizeof(struct mp_trace_event)) {
        struct mp_trace_event ev;
        memcpy(&ev, data + off, sizeof ev);
        model_apply(&m, &ev);
    }
    deadlock_check(&m);
    /* The same bytes with every kind folded into the known ones, so the
     * wait-for graph (waits, holders, cycles) sees as much as it can. */
    struct model folded;
    model_init(&folded);
    for (size_t off = 0; off + sizeof(struct mp_trace_event) <= size; off += sizeof(struct mp_trace_event)) {
        struct mp_trace_event ev;
        memcpy(&ev, data + off, sizeof ev);
        ev.kind = (uint16_t)(ev.kind % MP_EV__COUNT);
        /* manager requests: into the codes the contents model reads */
        if (ev.kind == MP_EV_MANAGER_OP) ev.a = MP_MGR_DICT_OPEN + (int64_t)((uint64_t)ev.a % 50);
        model_apply(&folded, &ev);
        if (ev.pid % 4 == 0) deadlock_check(&folded);
    }
    deadlock_check(&folded);
    for (size_t i = 0; i < folded.nmops; i++) {
        char buf[128];
        fmt_mgr_op_row(buf, sizeof buf, &folded, &folded.mops[i], (int)(i % 90));
    }
    for (size_t i = 0; i < folded.nmobjs; i++) {
        char buf[64];
        model_mgr_format(&folded.mobjs[i], buf, 1 + i % sizeof buf);
    }
    model_free(&folded);
    for (size_t i = 0; i < m.nprocs; i++) {
        char buf[64];
        model_proc_state_text(&m, &m.procs[i], buf, sizeof buf);
    }
    if (sink) {
        dump_model(sink, &m, NULL);
        dump_frame(sink, &m, 1);
        dump_proc_summary(sink, &m);
        export_chrome_json(&m, sink);
    }
    model_free(&m);
    return 0;
}
