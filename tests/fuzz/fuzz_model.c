/*
 * fuzz_model.c — any bytes, read as trace events, must neither crash nor
 * hang the model, and the dump and the JSON export of whatever model
 * results must work too (a corrupt trace file is just such bytes).
 */
#include "dump.h"
#include "export.h"
#include "model.h"
#include "words.h"

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

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
