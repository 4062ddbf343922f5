/*
 * test_trace.c — the trace transport: the shared-memory ring (many
 * writers, one reader, drops, a writer killed mid-event), previews, and
 * recording to a file with MP_TRACE=path.
 */
#include "mp_private.h"
#include "testutil.h"

#include <fcntl.h>
#include <signal.h>
#include <string.h>
#include <unistd.h>

/* trace.c's hook: reserve a slot and never publish it (a dying writer). */
bool mp__trace_test_reserve_only(void);

#define EMIT_ENV "FORKLAB_TEST_EMIT"

/* Re-exec'd as a helper (see record_to_file): a child emits N notes, then
 * this process as many, then exit() so the final drain runs. */
static int emit_notes(void *arg)
{
    long n = *(long *)arg;
    for (long i = 0; i < n; i++) mp_trace_note("n %ld", i);
    return 0;
}

/* With FORKLAB_TEST_EXEC set, the child execs this program again (which
 * then joins the recording through the MP_TRACE_FD it inherits). */
static int exec_self(void *arg)
{
    (void)arg;
    execl("/proc/self/exe", "trace-helper-exec", (char *)NULL);
    return 5;
}

__attribute__((constructor)) static void helper_mode(void)
{
    const char *s = getenv(EMIT_ENV);
    if (!s) return;
    long n = strtol(s, NULL, 10);
    bool exec_child = getenv("FORKLAB_TEST_EXEC") != NULL;
    unsetenv("FORKLAB_TEST_EXEC");
    mp_process *p = mp_process_new(exec_child ? exec_self : emit_notes, &n);
    if (!p || mp_process_start(p) < 0) exit(3);
    /* One writer at a time: it drains the ring itself whenever it is half
     * full, so nothing can be dropped however slow the machine is. */
    if (mp_process_join(p, 30) < 0 || mp_process_exitcode(p) != 0) exit(4);
    emit_notes(&n);
    mp_process_free(p);
    exit(0);
}

/* ------------------------------------------------------------ helpers */

struct taken {
    struct mp_trace_event *ev;
    size_t n, cap;
};

/* Read until the ring is empty (or max events). */
static void take_all(struct mp_trace_ring *r, struct taken *t)
{
    for (;;) {
        if (t->n == t->cap) {
            t->cap = t->cap ? t->cap * 2 : 4096;
            t->ev = realloc(t->ev, t->cap * sizeof *t->ev);
            cr_assert_not_null(t->ev);
        }
        size_t got = mp_trace_ring_read(r, t->ev + t->n, t->cap - t->n);
        if (!got) return;
        t->n += got;
    }
}

static size_t count_kind_pid(const struct taken *t, unsigned kind, int pid)
{
    size_t n = 0;
    for (size_t i = 0; i < t->n; i++)
        if (t->ev[i].kind == kind && (pid == 0 || t->ev[i].pid == pid)) n++;
    return n;
}

static int writer_10000(void *arg)
{
    int idx = *(int *)arg;
    for (int i = 0; i < 10000; i++) mp_trace_note("w%d %d", idx, i);
    return 0;
}

/* ------------------------------------------------------------ the ring */

Test(trace, four_writers_exact_counts_in_order, .timeout = 30.)
{
    struct mp_trace_ring *r = mp_trace_ring_create(65536);
    cr_assert_not_null(r);
    cr_assert_geq(mp_trace_ring_capacity(r), 65536);
    cr_assert_eq(mp_trace_attach(r), 0);
    cr_assert(mp_trace_enabled());
    int idx[4] = {0, 1, 2, 3};
    mp_process *p[4];
    pid_t pid[4];
    for (int i = 0; i < 4; i++) {
        p[i] = mp_process_new(writer_10000, &idx[i]);
        cr_assert_eq(mp_process_start(p[i]), 0);
        pid[i] = mp_process_pid(p[i]);
    }
    for (int i = 0; i < 4; i++) cr_assert_eq(mp_process_join(p[i], 20), 0);
    mp_trace_detach();
    cr_assert_not(mp_trace_enabled());

    struct taken t = {0};
    take_all(r, &t);
    cr_assert_eq(mp_trace_ring_dropped(r), 0);
    cr_assert_eq(count_kind_pid(&t, MP_EV_PROC_START, getpid()), 1, "attach announces this process");
    for (int i = 0; i < 4; i++) {
        cr_assert_eq(count_kind_pid(&t, MP_EV_NOTE, pid[i]), 10000, "child %d: every note arrives", i);
        cr_assert_eq(count_kind_pid(&t, MP_EV_PROC_START, pid[i]), 1);
        /* Per process, slot order is emission order: indexes and times increase. */
        int next = 0;
        uint64_t last_t = 0;
        for (size_t k = 0; k < t.n; k++) {
            const struct mp_trace_event *ev = &t.ev[k];
            if (ev->pid != pid[i] || ev->kind != MP_EV_NOTE) continue;
            int w, seq;
            cr_assert_eq(sscanf(ev->text, "w%d %d", &w, &seq), 2, "note text '%s'", ev->text);
            cr_assert_eq(w, i);
            cr_assert_eq(seq, next, "child %d: note %d came as #%d", i, seq, next);
            cr_assert_geq(ev->t_ns, last_t);
            last_t = ev->t_ns;
            next++;
        }
    }
    /* PROC_EXIT from join names each child with exit code 0. */
    size_t exits = 0;
    for (size_t k = 0; k < t.n; k++)
        if (t.ev[k].kind == MP_EV_PROC_EXIT && t.ev[k].b == 0) exits++;
    cr_assert_eq(exits, 4);
    for (int i = 0; i < 4; i++) mp_process_free(p[i]);
    free(t.ev);
    mp_trace_ring_free(r);
    tu_assert_no_children();
}

Test(trace, full_ring_drops_and_never_blocks, .timeout = 20.)
{
    struct mp_trace_ring *r = mp_trace_ring_create(64);
    cr_assert_not_null(r);
    cr_assert_eq(mp_trace_ring_capacity(r), 64);
    cr_assert_eq(mp_trace_attach(r), 0); /* 1 event: PROC_START */
    double t0 = tu_now();
    for (int i = 0; i < 100000; i++) mp_trace_note("%d", i);
    double dt = tu_now() - t0;
    mp_trace_detach();
    cr_assert_lt(dt, 10.0, "100000 dropped notes took %.2f s", dt);
    cr_assert_eq(mp_trace_ring_dropped(r), 100001 - 64);
    struct taken t = {0};
    take_all(r, &t);
    cr_assert_eq(t.n, 64);
    cr_assert_eq(t.ev[0].kind, MP_EV_PROC_START);
    cr_assert_str_eq(t.ev[63].text, "62", "the oldest events are kept, the newest dropped");
    /* Once read, the ring takes events again. */
    cr_assert_eq(mp_trace_attach(r), 0);
    mp_trace_note("again");
    mp_trace_detach();
    t.n = 0;
    take_all(r, &t);
    cr_assert_eq(t.n, 2);
    cr_assert_str_eq(t.ev[1].text, "again");
    free(t.ev);
    mp_trace_ring_free(r);
}

static int dies_mid_event(void *arg)
{
    (void)arg;
    for (int i = 0; i < 100; i++) mp_trace_note("a %d", i);
    if (!mp__trace_test_reserve_only()) return 2;
    raise(SIGKILL);
    return 3;
}

static int emits_50(void *arg)
{
    (void)arg;
    for (int i = 0; i < 50; i++) mp_trace_note("b %d", i);
    return 0;
}

Test(trace, writer_killed_between_reserve_and_publish_does_not_stall_reader, .timeout = 20.)
{
    struct mp_trace_ring *r = mp_trace_ring_create(4096);
    cr_assert_eq(mp_trace_attach(r), 0);
    mp_process *a = mp_process_new(dies_mid_event, NULL);
    cr_assert_eq(mp_process_start(a), 0);
    cr_assert_eq(mp_process_join(a, 10), 0);
    cr_assert_eq(mp_process_exitcode(a), -SIGKILL);
    mp_process *b = mp_process_new(emits_50, NULL);
    cr_assert_eq(mp_process_start(b), 0);
    cr_assert_eq(mp_process_join(b, 10), 0);
    pid_t bpid = mp_process_pid(b), apid = mp_process_pid(a);
    mp_trace_detach();

    struct taken t = {0};
    double t0 = tu_now();
    while (count_kind_pid(&t, MP_EV_NOTE, bpid) < 50 && tu_now() - t0 < 5.0) {
        take_all(r, &t);
        usleep(10000);
    }
    double waited = tu_now() - t0;
    cr_assert_eq(count_kind_pid(&t, MP_EV_NOTE, apid), 100);
    cr_assert_eq(count_kind_pid(&t, MP_EV_NOTE, bpid), 50, "the reader got past the dead writer's slot");
    cr_assert_eq(mp_trace_ring_dropped(r), 1, "the unpublished slot counts as dropped");
    cr_assert_geq(waited, 0.05, "a slot is skipped only after its grace time (%.3f s)", waited);
    cr_assert_eq(mp_trace_ring_pending(r), 0);
    mp_process_free(a);
    mp_process_free(b);
    free(t.ev);
    mp_trace_ring_free(r);
    tu_assert_no_children();
}

static int emits_forever(void *arg)
{
    (void)arg;
    for (long i = 0;; i++) mp_trace_note("f %ld", i);
    return 0;
}

Test(trace, writer_killed_at_random_reader_drains_to_the_end, .timeout = 20.)
{
    unsigned seed = tu_seed();
    struct mp_trace_ring *r = mp_trace_ring_create(1024);
    cr_assert_eq(mp_trace_attach(r), 0);
    mp_process *p = mp_process_new(emits_forever, NULL);
    cr_assert_eq(mp_process_start(p), 0);
    mp_trace_detach();
    struct taken t = {0};
    double stop_at = tu_now() + 0.02 + (seed % 50) / 1000.0;
    while (tu_now() < stop_at) {
        take_all(r, &t);
        t.n = t.n > 100000 ? 0 : t.n; /* keep memory bounded, counts are not checked here */
    }
    cr_assert_eq(mp_process_kill(p), 0);
    cr_assert_eq(mp_process_join(p, 5), 0);
    double t0 = tu_now();
    while (mp_trace_ring_pending(r) > 0 && tu_now() - t0 < 5.0) {
        take_all(r, &t);
        usleep(5000);
    }
    cr_assert_eq(mp_trace_ring_pending(r), 0, "the reader reached the end after the writer died");
    mp_process_free(p);
    free(t.ev);
    mp_trace_ring_free(r);
    tu_assert_no_children();
}

/* ------------------------------------------------------------ event content */

static struct mp_trace_event one_event(void (*emit)(void))
{
    struct mp_trace_ring *r = mp_trace_ring_create(16);
    cr_assert_eq(mp_trace_attach(r), 0);
    emit();
    mp_trace_detach();
    struct mp_trace_event ev[4];
    size_t n = mp_trace_ring_read(r, ev, 4);
    cr_assert_eq(n, 2, "PROC_START + one event, got %zu", n);
    mp_trace_ring_free(r);
    return ev[1];
}

static void emit_text(void) { mp__trace_emit_data(MP_EV_QUEUE_PUT, 7, 6, 1, "hello", 6); }
static void emit_i32(void) { int32_t v = -42; mp__trace_emit_data(MP_EV_QUEUE_PUT, 7, 4, 1, &v, 4); }
static void emit_i64(void) { int64_t v = 1234567890123; mp__trace_emit_data(MP_EV_QUEUE_PUT, 7, 8, 1, &v, 8); }
static void emit_pair(void) { int64_t v[2] = {3, -4}; mp__trace_emit_data(MP_EV_PIPE_SEND, 7, 16, 0, v, 16); }
static void emit_hex(void) { unsigned char b[5] = {0xde, 0xad, 0xbe, 0xef, 0x01}; mp__trace_emit_data(MP_EV_PIPE_SEND, 7, 5, 0, b, 5); }
static void emit_long_hex(void)
{
    unsigned char b[200];
    memset(b, 0xab, sizeof b);
    b[0] = 0;
    mp__trace_emit_data(MP_EV_PIPE_SEND, 7, 200, 0, b, 200);
}
static void emit_long_note(void)
{
    char s[201];
    memset(s, 'x', 200);
    s[200] = '\0';
    mp_trace_note("%s", s);
}

Test(trace, previews_and_fields, .timeout = 10.)
{
    struct mp_trace_event ev = one_event(emit_text);
    cr_assert_str_eq(ev.text, "hello", "text with one trailing NUL stays text");
    cr_assert_eq(ev.kind, MP_EV_QUEUE_PUT);
    cr_assert_eq(ev.obj, 7);
    cr_assert_eq(ev.a, 6);
    cr_assert_eq(ev.b, 1);
    cr_assert_eq(ev.pid, getpid());
    cr_assert_gt(ev.t_ns, 0);
    cr_assert_eq(ev.flags & MP_EVF_TRUNCATED, 0);
    cr_assert_str_eq(one_event(emit_i32).text, "-42");
    cr_assert_str_eq(one_event(emit_i64).text, "1234567890123");
    cr_assert_str_eq(one_event(emit_pair).text, "3, -4");
    cr_assert_str_eq(one_event(emit_hex).text, "de ad be ef 01");
    ev = one_event(emit_long_hex);
    cr_assert(!strncmp(ev.text, "00 ab ab", 8), "hex preview '%s'", ev.text);
    cr_assert(strstr(ev.text, " ...") != NULL);
    cr_assert(ev.flags & MP_EVF_TRUNCATED);
    ev = one_event(emit_long_note);
    cr_assert_eq(strlen(ev.text), MP_TRACE_TEXT - 1);
    cr_assert(ev.flags & MP_EVF_TRUNCATED);
}

/* The hand-written integer and hex previews print what printf would. */
static struct mp_trace_event data_event(const void *data, size_t len)
{
    struct mp_trace_ring *r = mp_trace_ring_create(16);
    cr_assert_eq(mp_trace_attach(r), 0);
    mp__trace_emit_data(MP_EV_QUEUE_PUT, 7, (int64_t)len, 0, data, len);
    mp_trace_detach();
    struct mp_trace_event ev[4];
    cr_assert_eq(mp_trace_ring_read(r, ev, 4), 2);
    mp_trace_ring_free(r);
    return ev[1];
}

Test(trace, integer_and_hex_previews_match_printf, .timeout = 10.)
{
    const int64_t i64s[] = {0, 1, -1, 9, 10, -10, 1000000, INT64_MAX, INT64_MIN, INT64_MIN + 1};
    const int32_t i32s[] = {0, 7, -7, INT32_MAX, INT32_MIN};
    char want[MP_TRACE_TEXT];
    for (size_t i = 0; i < sizeof i64s / sizeof i64s[0]; i++) {
        snprintf(want, sizeof want, "%lld", (long long)i64s[i]);
        cr_assert_str_eq(data_event(&i64s[i], 8).text, want);
    }
    for (size_t i = 0; i < sizeof i32s / sizeof i32s[0]; i++) {
        snprintf(want, sizeof want, "%d", i32s[i]);
        cr_assert_str_eq(data_event(&i32s[i], 4).text, want);
    }
    int64_t pair[2] = {INT64_MIN, INT64_MAX};
    snprintf(want, sizeof want, "%lld, %lld", (long long)pair[0], (long long)pair[1]);
    cr_assert_str_eq(data_event(pair, 16).text, want);

    /* fit bytes fit whole (3 chars each, room kept for " ..."), one more
     * gets the ellipsis */
    enum { fit = (MP_TRACE_TEXT - 5) / 3 };
    unsigned char b[fit + 1];
    for (size_t i = 0; i < sizeof b; i++) b[i] = (unsigned char)(i * 37 + 0x80);
    for (size_t len = fit; len <= fit + 1; len++) {
        size_t o = 0;
        for (size_t i = 0; i < fit; i++) o += (size_t)snprintf(want + o, sizeof want - o, i ? " %02x" : "%02x", b[i]);
        if (len == fit + 1) snprintf(want + o, sizeof want - o, " ...");
        struct mp_trace_event ev = data_event(b, len);
        cr_assert_str_eq(ev.text, want, "len %zu", len);
        cr_assert_eq(!!(ev.flags & MP_EVF_TRUNCATED), len == fit + 1);
    }
}

/* MEM_WRITE text is the stored value printed as printf would, signed or
 * unsigned by typecode. */
Test(trace, mem_write_values_match_printf, .timeout = 10.)
{
    const int64_t vals[] = {0, 5, -5, 1234567, INT64_MAX, INT64_MIN};
    const size_t nvals = sizeof vals / sizeof vals[0];
    const char codes[] = {'q', 'Q', 'i', 'b'};
    for (size_t c = 0; c < sizeof codes; c++) {
        struct mp_trace_ring *r = mp_trace_ring_create(64);
        mp_array *arr = mp_array_new(codes[c], nvals + 1);
        cr_assert_not_null(arr);
        cr_assert_eq(mp_trace_attach(r), 0);
        for (size_t i = 0; i < nvals; i++) mp_array_set_i64(arr, i, vals[i]);
        mp_array_set_f64(arr, nvals, 1.8e19); /* above INT64_MAX: only 'Q' holds it */
        mp_trace_detach();
        struct mp_trace_event ev[64];
        size_t n = mp_trace_ring_read(r, ev, 64), writes = 0;
        for (size_t k = 0; k < n; k++) {
            if (ev[k].kind != MP_EV_MEM_WRITE) continue;
            writes++;
            char want[32];
            if (codes[c] == 'Q') snprintf(want, sizeof want, "%llu", (unsigned long long)(uint64_t)ev[k].b);
            else snprintf(want, sizeof want, "%lld", (long long)ev[k].b);
            cr_assert_str_eq(ev[k].text, want, "typecode %c, index %lld", codes[c], (long long)ev[k].a);
            int64_t stored;
            cr_assert_eq(mp_array_get_i64(arr, (size_t)ev[k].a, &stored), 0);
            cr_assert_eq(stored, ev[k].b, "b is the value stored");
        }
        cr_assert_eq(writes, nvals + 1, "typecode %c", codes[c]);
        mp_array_free(arr);
        mp_trace_ring_free(r);
    }
}

/* Events are written over the slot's previous event without clearing it:
 * what a reader sees must still be only the new event. */
Test(trace, reused_slot_shows_only_the_new_event, .timeout = 10.)
{
    struct mp_trace_ring *r = mp_trace_ring_create(16);
    cr_assert_eq(mp_trace_ring_capacity(r), 16);
    cr_assert_eq(mp_trace_attach(r), 0);
    struct mp_trace_event ev[16];
    char longtext[MP_TRACE_TEXT + 10];
    memset(longtext, 'y', sizeof longtext - 1);
    longtext[sizeof longtext - 1] = '\0';
    /* fill every slot with a long, truncated text event */
    for (int i = 0; i < 15; i++) mp__trace_emit(MP_EV_NOTE, 1, 11, 12, longtext);
    size_t n = mp_trace_ring_read(r, ev, 16);
    cr_assert_eq(n, 16, "PROC_START + 15, got %zu", n);
    cr_assert(ev[15].flags & MP_EVF_TRUNCATED);
    /* the same 16 slots again, with short and empty texts */
    int64_t v = -5;
    for (int i = 0; i < 16; i++) {
        if (i % 3 == 0) mp__trace_emit(MP_EV_LOCK_ACQUIRE, 2, i, 0, NULL);
        else if (i % 3 == 1) mp__trace_emit(MP_EV_NOTE, 2, i, 0, "ab");
        else mp__trace_emit_data(MP_EV_QUEUE_PUT, 2, i, 0, &v, sizeof v);
    }
    mp_trace_detach();
    n = mp_trace_ring_read(r, ev, 16);
    cr_assert_eq(n, 16);
    for (int i = 0; i < 16; i++) {
        const char *want = i % 3 == 0 ? "" : i % 3 == 1 ? "ab" : "-5";
        cr_assert_str_eq(ev[i].text, want, "event %d", i);
        cr_assert_eq(ev[i].flags, 0, "event %d: no flag left from the old event", i);
        cr_assert_eq(ev[i].reserved, 0);
        cr_assert_eq(ev[i].a, i);
        cr_assert_eq(ev[i].b, 0);
        cr_assert_eq(ev[i].obj, 2);
    }
    mp_trace_ring_free(r);
}

Test(trace, bad_input_and_off_by_default, .timeout = 10.)
{
    struct mp_trace_event ev;
    cr_assert_not(mp_trace_enabled(), "tracing is off unless asked for");
    mp_trace_note("nowhere %d", 1); /* no ring: must do nothing */
    cr_assert_eq(mp_trace_attach(NULL), -EINVAL);
    cr_assert_eq(mp_trace_ring_read(NULL, &ev, 1), 0);
    cr_assert_lt(mp_trace_ring_fd(NULL), 0);
    cr_assert_eq(mp_trace_ring_dropped(NULL), 0);
    mp_trace_ring_free(NULL);
    struct mp_trace_ring *r = mp_trace_ring_create(0);
    cr_assert_not_null(r);
    cr_assert_geq(mp_trace_ring_fd(r), 0);
    int fdflags = fcntl(mp_trace_ring_fd(r), F_GETFD);
    cr_assert(fdflags & FD_CLOEXEC, "the memfd is close-on-exec unless a runner clears it");
    cr_assert_eq(mp_trace_ring_read(r, NULL, 1), 0);
    cr_assert_eq(mp_trace_ring_read(r, &ev, 1), 0, "a new ring is empty");
    mp_trace_ring_free(r);
    cr_assert_not(mp_trace_enabled());
}

/* ------------------------------------------------------------ MP_TRACE=path */

/* The recording, removed by .fini even when an assertion failed. */
static char rec_path[64];

static void remove_recording(void)
{
    if (rec_path[0]) unlink(rec_path);
}

static int make_recording_path(const char *tag)
{
    snprintf(rec_path, sizeof rec_path, "/tmp/forklab-test-%s-XXXXXX", tag);
    int fd = mkstemp(rec_path);
    if (fd >= 0) close(fd);
    return fd;
}

/* Runs this binary as the trace helper with MP_TRACE=path: it emits n notes
 * from itself and a child (and, with exec_too, from an exec'd program and
 * its child too); asserts that it exited 0. The child never calls cr_*. */
static void run_recording_helper(const char *path, long n, bool exec_too)
{
    fflush(NULL);
    pid_t pid = fork();
    cr_assert_geq(pid, 0);
    if (pid == 0) {
        char num[32];
        snprintf(num, sizeof num, "%ld", n);
        setenv(EMIT_ENV, num, 1);
        if (exec_too) setenv("FORKLAB_TEST_EXEC", "1", 1);
        setenv("MP_TRACE", path, 1);
        unsetenv("MP_TRACE_FD");
        execl("/proc/self/exe", "trace-helper", (char *)NULL);
        _exit(127);
    }
    int status;
    cr_assert_eq(waitpid(pid, &status, 0), pid);
    cr_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0, "helper status %d", status);
}

Test(trace, record_to_file_with_mp_trace, .timeout = 60., .fini = remove_recording)
{
    cr_assert_geq(make_recording_path("trace"), 0);
    const char *path = rec_path;
    /* 40000 notes from each of 2 processes: more than the default ring
     * holds, so writers must drain it to the file as they go. */
    const long n = 40000;
    run_recording_helper(path, n, false);

    FILE *f = fopen(path, "rb");
    cr_assert_not_null(f);
    char magic[8];
    uint32_t ver_size[2];
    cr_assert_eq(fread(magic, 8, 1, f), 1);
    cr_assert_eq(fread(ver_size, sizeof ver_size, 1, f), 1);
    cr_assert(!memcmp(magic, "FLTRACE1", 8));
    cr_assert_eq(ver_size[0], MP_TRACE_VERSION);
    cr_assert_eq(ver_size[1], sizeof(struct mp_trace_event));
    struct mp_trace_event ev;
    long notes = 0, starts = 0;
    int pids[2] = {0, 0};
    long per[2] = {0, 0};
    while (fread(&ev, sizeof ev, 1, f) == 1) {
        if (ev.kind == MP_EV_PROC_START) starts++;
        if (ev.kind != MP_EV_NOTE) continue;
        notes++;
        for (int i = 0; i < 2; i++) {
            if (!pids[i]) pids[i] = ev.pid;
            if (pids[i] == ev.pid) {
                long seq;
                cr_assert_eq(sscanf(ev.text, "n %ld", &seq), 1);
                cr_assert_eq(seq, per[i], "pid %d: note %ld arrived as #%ld", ev.pid, seq, per[i]);
                per[i]++;
                break;
            }
        }
    }
    fclose(f);
    unlink(path);
    cr_assert_eq(starts, 2, "the helper and its child announce themselves");
    cr_assert_eq(notes, 2 * n, "every note reached the file (%ld of %ld)", notes, 2 * n);
    cr_assert_eq(per[0], n);
    cr_assert_eq(per[1], n);
    tu_assert_no_children();
}

Test(trace, exec_joins_the_recording, .timeout = 60., .fini = remove_recording)
{
    cr_assert_geq(make_recording_path("trace-exec"), 0);
    const char *path = rec_path;
    const long n = 3000;
    run_recording_helper(path, n, true);
    /* The creator and the exec'd program each emit n, so do the exec'd
     * program's own child: 3 pids with n notes each, in one file. */
    FILE *f = fopen(path, "rb");
    cr_assert_not_null(f);
    cr_assert_eq(fseek(f, 16, SEEK_SET), 0);
    struct mp_trace_event ev;
    int pids[8] = {0};
    long per[8] = {0};
    int npids = 0;
    while (fread(&ev, sizeof ev, 1, f) == 1) {
        if (ev.kind != MP_EV_NOTE) continue;
        int k = 0;
        while (k < npids && pids[k] != ev.pid) k++;
        if (k == npids && npids < 8) pids[npids++] = ev.pid;
        if (k < 8) per[k]++;
    }
    fclose(f);
    unlink(path);
    cr_assert_eq(npids, 3, "notes from %d processes", npids);
    for (int k = 0; k < 3; k++) cr_assert_eq(per[k], n, "pid %d: %ld notes", pids[k], per[k]);
    tu_assert_no_children();
}
