/*
 * export.c — trace files in and Chrome trace-event JSON out (export.h).
 *
 * The export reads the model's event log, so it needs no pairing state:
 * a LOCK_ACQUIRE carries the time waited and a LOCK_RELEASE the time held,
 * which give each slice's start (event time minus duration) directly.
 */
#include "export.h"

#include <errno.h>
#include <inttypes.h>
#include <stdint.h>
#include <string.h>

struct file_header {
    char magic[8];
    uint32_t version, event_size;
};

/* The events a recorder writes come out of mp_trace_ring_read(), in ns
 * already: the clock block says so. */
int trace_file_write_header(FILE *f)
{
    struct file_header h = {.version = MP_TRACE_VERSION, .event_size = sizeof(struct mp_trace_event)};
    memcpy(h.magic, TRACE_FILE_MAGIC, 8);
    struct mp_trace_clock_block clock;
    mp_trace_clock_block_make(&clock, NULL);
    return fwrite(&h, sizeof h, 1, f) == 1 && fwrite(&clock, sizeof clock, 1, f) == 1 ? 0 : -EIO;
}

long trace_file_load(const char *path, struct model *m, char *msg, size_t msgcap)
{
    if (!path || !m) return -EINVAL;
    FILE *f = fopen(path, "rb");
    if (!f) {
        int e = errno;
        snprintf(msg, msgcap, "%s: %s", path, strerror(e));
        return -e;
    }
    struct file_header h;
    struct mp_trace_clock_block block;
    struct mp_trace_clock clock;
    long n = 0;
    if (fread(&h, sizeof h, 1, f) != 1 || memcmp(h.magic, TRACE_FILE_MAGIC, 8)) {
        snprintf(msg, msgcap, "%s: not a forklab trace file", path);
        n = -EINVAL;
    } else if (h.version != MP_TRACE_VERSION || h.event_size != sizeof(struct mp_trace_event)) {
        snprintf(msg, msgcap, "%s: trace version %u with %u-byte events; this forklab reads version %d, %zu bytes",
                 path, h.version, h.event_size, MP_TRACE_VERSION, sizeof(struct mp_trace_event));
        n = -EINVAL;
    } else if (fread(&block, sizeof block, 1, f) != 1 || mp_trace_clock_block_parse(&block, &clock) < 0) {
        snprintf(msg, msgcap, "%s: the trace's clock block is missing or damaged", path);
        n = -EINVAL;
    } else {
        struct mp_trace_event ev;
        while (fread(&ev, sizeof ev, 1, f) == 1) {
            mp_trace_event_to_ns(&clock, &ev);
            if (model_apply(m, &ev) < 0) {
                snprintf(msg, msgcap, "%s: out of memory", path);
                n = -ENOMEM;
                break;
            }
            n++;
        }
    }
    fclose(f);
    return n;
}

/* ------------------------------------------------------------ JSON */

void json_string(FILE *out, const char *s)
{
    fputc('"', out);
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        switch (*p) {
        case '"': fputs("\\\"", out); break;
        case '\\': fputs("\\\\", out); break;
        case '\n': fputs("\\n", out); break;
        case '\t': fputs("\\t", out); break;
        case '\r': fputs("\\r", out); break;
        default:
            /* Control bytes and anything non-ASCII are escaped, so the
             * file is valid JSON whatever bytes a note carried. */
            if (*p < 0x20 || *p >= 0x7f) fprintf(out, "\\u%04x", *p);
            else fputc(*p, out);
        }
    }
    fputc('"', out);
}

static double us_since(const struct model *m, uint64_t t)
{
    return t > m->t_first ? (double)(t - m->t_first) / 1000.0 : 0.0;
}

struct writer {
    FILE *out;
    bool first;
};

static void begin(struct writer *w)
{
    fputs(w->first ? "\n  {" : ",\n  {", w->out);
    w->first = false;
}

static void metadata(struct writer *w, const struct model_proc *p)
{
    static const char *const names[] = {"process_name", "thread_name"};
    for (int i = 0; i < 2; i++) {
        begin(w);
        fprintf(w->out, "\"name\":\"%s\",\"ph\":\"M\",\"pid\":%d,\"tid\":%d,\"args\":{\"name\":", names[i],
                p->pid, p->pid);
        char label[64];
        snprintf(label, sizeof label, "%s (%d)", p->name, p->pid);
        json_string(w->out, label);
        fputs("}}", w->out);
    }
}

static void slice(struct writer *w, const struct model *m, const struct mp_trace_event *ev, const char *name,
                  uint64_t dur_ns)
{
    uint64_t start = ev->t_ns >= dur_ns ? ev->t_ns - dur_ns : 0;
    begin(w);
    fputs("\"name\":", w->out);
    json_string(w->out, name);
    fprintf(w->out, ",\"cat\":\"lock\",\"ph\":\"X\",\"ts\":%.3f,\"dur\":%.3f,\"pid\":%d,\"tid\":%d}",
            us_since(m, start), (double)dur_ns / 1000.0, ev->pid, ev->pid);
}

static void counter(struct writer *w, const struct model *m, const struct mp_trace_event *ev)
{
    char name[32];
    snprintf(name, sizeof name, "queue %d size", model_obj_number(m, ev->obj));
    begin(w);
    fprintf(w->out, "\"name\":\"%s\",\"ph\":\"C\",\"ts\":%.3f,\"pid\":%d,\"tid\":%d,\"args\":{\"size\":%" PRId64 "}}",
            name, us_since(m, ev->t_ns), ev->pid, ev->pid, ev->b);
}

static void instant(struct writer *w, const struct model *m, const struct mp_trace_event *ev, int pid)
{
    char text[MP_TRACE_TEXT];
    memcpy(text, ev->text, sizeof text);
    text[sizeof text - 1] = '\0';
    const char *kind = mp_ev_name(ev->kind);
    begin(w);
    fputs("\"name\":", w->out);
    json_string(w->out, ev->kind == MP_EV_NOTE && text[0] ? text : kind);
    fprintf(w->out, ",\"cat\":\"%s\",\"ph\":\"i\",\"s\":\"t\",\"ts\":%.3f,\"pid\":%d,\"tid\":%d,\"args\":{",
            ev->kind == MP_EV_NOTE ? "note" : "event", us_since(m, ev->t_ns), pid, pid);
    fputs("\"kind\":", w->out);
    json_string(w->out, kind);
    fprintf(w->out, ",\"obj\":%d,\"a\":%" PRId64 ",\"b\":%" PRId64 ",\"text\":", model_obj_number(m, ev->obj),
            ev->a, ev->b);
    json_string(w->out, text);
    fputs("}}", w->out);
}

int export_chrome_json(const struct model *m, FILE *out)
{
    struct writer w = {.out = out, .first = true};
    fputs("{\"displayTimeUnit\":\"ms\",\"traceEvents\":[", out);
    for (size_t i = 0; i < m->nprocs; i++) metadata(&w, &m->procs[i]);
    for (size_t i = 0; i < m->nevents; i++) {
        const struct mp_trace_event *ev = &m->events[i];
        char name[48];
        switch (ev->kind) {
        case MP_EV_LOCK_ACQUIRE:
            if (ev->a > 0) {
                snprintf(name, sizeof name, "wait lock %d", model_obj_number(m, ev->obj));
                slice(&w, m, ev, name, (uint64_t)ev->a);
            }
            break;
        case MP_EV_LOCK_RELEASE:
            snprintf(name, sizeof name, "hold lock %d", model_obj_number(m, ev->obj));
            slice(&w, m, ev, name, ev->a > 0 ? (uint64_t)ev->a : 0);
            break;
        case MP_EV_QUEUE_PUT:
        case MP_EV_QUEUE_GET:
            counter(&w, m, ev);
            instant(&w, m, ev, ev->pid);
            break;
        case MP_EV_PROC_EXIT:
            /* On the track of the process that ended: its reaper may be
             * outside the run (the runner reports the example's exit). */
            instant(&w, m, ev, (int)ev->a);
            break;
        default:
            instant(&w, m, ev, ev->pid);
        }
    }
    fprintf(out, "\n],\"otherData\":{\"dropped\":%" PRIu64 ",\"trimmed\":%" PRIu64 "}}\n", m->dropped,
            m->events_trimmed);
    return ferror(out) ? -EIO : 0;
}
