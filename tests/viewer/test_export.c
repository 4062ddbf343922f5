/*
 * test_export.c — trace files and the Chrome trace-event JSON export.
 * A small strict JSON parser below checks the syntax and collects the
 * fields of each trace event, so the checks read values, not text.
 */
#include "export.h"
#include "model_events.h"
#include "testutil.h"

#include <ctype.h>
#include <stdarg.h>
#include <limits.h>
#include <math.h>
#include <string.h>
#include <unistd.h>

/* ------------------------------------------------------------ a strict JSON reader */

struct jev {
    char ph[4], name[128], cat[16];
    int pid, tid;
    double ts, dur;
    bool has_ts, has_dur;
    char args_name[128];
};

struct jp {
    const char *s;
    size_t i;
    int depth;
    struct jev *evs;
    size_t nevs, cap;
    const char *err;
    char in_key[32]; /* the key holding the current depth-3 object */
    bool in_events;  /* inside the top-level "traceEvents" array */
};

static void ws(struct jp *p)
{
    while (p->s[p->i] == ' ' || p->s[p->i] == '\n' || p->s[p->i] == '\t' || p->s[p->i] == '\r') p->i++;
}

static bool fail(struct jp *p, const char *why)
{
    if (!p->err) p->err = why;
    return false;
}

static bool jstring(struct jp *p, char *out, size_t cap)
{
    size_t n = 0;
    if (p->s[p->i] != '"') return fail(p, "string expected");
    p->i++;
    for (;;) {
        unsigned char c = (unsigned char)p->s[p->i++];
        if (c == '"') break;
        if (c < 0x20) return fail(p, "raw control character in string");
        if (c == '\\') {
            char e = p->s[p->i++];
            if (e == 'u') {
                unsigned v = 0;
                for (int k = 0; k < 4; k++) {
                    char h = p->s[p->i++];
                    if (!isxdigit((unsigned char)h)) return fail(p, "bad \\u escape");
                    v = v * 16 + (unsigned)(isdigit((unsigned char)h) ? h - '0' : tolower(h) - 'a' + 10);
                }
                c = v < 0x100 ? (unsigned char)v : '?';
            } else if (e == 'n') c = '\n';
            else if (e == 't') c = '\t';
            else if (e == 'r') c = '\r';
            else if (e == 'b') c = '\b';
            else if (e == 'f') c = '\f';
            else if (e == '"' || e == '\\' || e == '/') c = (unsigned char)e;
            else return fail(p, "bad escape");
        }
        if (out && n + 1 < cap) out[n++] = (char)c;
    }
    if (out) out[n] = '\0';
    return true;
}

static bool jnumber(struct jp *p, double *v)
{
    size_t start = p->i;
    if (p->s[p->i] == '-') p->i++;
    if (p->s[p->i] == '0') p->i++;
    else if (isdigit((unsigned char)p->s[p->i])) while (isdigit((unsigned char)p->s[p->i])) p->i++;
    else return fail(p, "bad number");
    if (p->s[p->i] == '.') {
        p->i++;
        if (!isdigit((unsigned char)p->s[p->i])) return fail(p, "bad fraction");
        while (isdigit((unsigned char)p->s[p->i])) p->i++;
    }
    if (p->s[p->i] == 'e' || p->s[p->i] == 'E') {
        p->i++;
        if (p->s[p->i] == '+' || p->s[p->i] == '-') p->i++;
        if (!isdigit((unsigned char)p->s[p->i])) return fail(p, "bad exponent");
        while (isdigit((unsigned char)p->s[p->i])) p->i++;
    }
    *v = strtod(p->s + start, NULL);
    return true;
}

static void field(struct jp *p, const char *key, const char *str, double num)
{
    if (!key || p->nevs == 0 || !p->in_events) return;
    struct jev *e = &p->evs[p->nevs - 1];
    if (p->depth == 2) {
        if (!strcmp(key, "ph") && str) snprintf(e->ph, sizeof e->ph, "%s", str);
        if (!strcmp(key, "name") && str) snprintf(e->name, sizeof e->name, "%s", str);
        if (!strcmp(key, "cat") && str) snprintf(e->cat, sizeof e->cat, "%s", str);
        if (!strcmp(key, "pid") && !str) e->pid = (int)num;
        if (!strcmp(key, "tid") && !str) e->tid = (int)num;
        if (!strcmp(key, "ts") && !str) e->ts = num, e->has_ts = true;
        if (!strcmp(key, "dur") && !str) e->dur = num, e->has_dur = true;
    } else if (p->depth == 3 && !strcmp(p->in_key, "args") && !strcmp(key, "name") && str) {
        snprintf(e->args_name, sizeof e->args_name, "%s", str);
    }
}

static bool jvalue(struct jp *p, const char *key);

static bool jobject(struct jp *p, const char *key)
{
    p->i++;
    p->depth++;
    if (p->depth == 2 && p->in_events) { /* a trace event */
        if (p->nevs == p->cap) {
            p->cap = p->cap ? p->cap * 2 : 64;
            p->evs = realloc(p->evs, p->cap * sizeof *p->evs);
        }
        memset(&p->evs[p->nevs++], 0, sizeof *p->evs);
    }
    if (p->depth == 3) snprintf(p->in_key, sizeof p->in_key, "%s", key ? key : "");
    ws(p);
    if (p->s[p->i] == '}') {
        p->i++;
        p->depth--;
        return true;
    }
    for (;;) {
        char k[64];
        ws(p);
        if (!jstring(p, k, sizeof k)) return false;
        ws(p);
        if (p->s[p->i++] != ':') return fail(p, "':' expected");
        ws(p);
        if (!jvalue(p, k)) return false;
        ws(p);
        char c = p->s[p->i++];
        if (c == '}') break;
        if (c != ',') return fail(p, "',' or '}' expected");
    }
    p->depth--;
    return true;
}

static bool jarray(struct jp *p, const char *key)
{
    bool events = p->depth == 1 && key && !strcmp(key, "traceEvents");
    if (events) p->in_events = true;
    bool ok = false;
    p->i++;
    ws(p);
    if (p->s[p->i] == ']') {
        p->i++;
        ok = true;
    } else {
        for (;;) {
            ws(p);
            if (!jvalue(p, NULL)) break;
            ws(p);
            char c = p->s[p->i++];
            if (c == ']') {
                ok = true;
                break;
            }
            if (c != ',') {
                fail(p, "',' or ']' expected");
                break;
            }
        }
    }
    if (events) p->in_events = false;
    return ok;
}

static bool jvalue(struct jp *p, const char *key)
{
    char c = p->s[p->i];
    if (c == '{') return jobject(p, key);
    if (c == '[') return jarray(p, key);
    if (c == '"') {
        char buf[256];
        if (!jstring(p, buf, sizeof buf)) return false;
        field(p, key, buf, 0);
        return true;
    }
    if (!strncmp(p->s + p->i, "true", 4) || !strncmp(p->s + p->i, "null", 4)) {
        p->i += 4;
        return true;
    }
    if (!strncmp(p->s + p->i, "false", 5)) {
        p->i += 5;
        return true;
    }
    double v;
    if (!jnumber(p, &v)) return false;
    field(p, key, NULL, v);
    return true;
}

/* Parse text; NULL error means valid. */
static const char *json_parse(const char *text, struct jp *p)
{
    memset(p, 0, sizeof *p);
    p->s = text;
    ws(p);
    if (!jvalue(p, NULL)) return p->err ? p->err : "invalid";
    ws(p);
    return p->s[p->i] ? "trailing garbage" : NULL;
}

static char *slurp(const char *path)
{
    FILE *f = fopen(path, "rb");
    cr_assert_not_null(f, "%s", path);
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    rewind(f);
    char *buf = malloc((size_t)n + 1);
    cr_assert_eq(fread(buf, 1, (size_t)n, f), (size_t)n);
    buf[n] = '\0';
    fclose(f);
    return buf;
}

static char *export_to_string(const struct model *m)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    cr_assert_not_null(f);
    cr_assert_eq(export_chrome_json(m, f), 0);
    fclose(f);
    return buf;
}

/* ------------------------------------------------------------ the parser itself */

Test(export, checker_rejects_bad_json, .timeout = 5.)
{
    struct jp p;
    const char *bad[] = {"{", "{\"a\":}", "[1,]", "{\"a\":1}x", "\"raw\x01\"", "{\"a\":01}", "[\"\\q\"]", "{'a':1}"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        cr_assert_not_null(json_parse(bad[i], &p), "'%s' must be rejected", bad[i]);
        free(p.evs);
    }
    cr_assert_null(json_parse("{\"a\":[1,-2.5e3,\"x\\u0041\",true,null,{}]}", &p));
    free(p.evs);
}

/* ------------------------------------------------------------ synthetic model */

/* model_event at time t (the export's timestamps are checked). */
static struct mp_trace_event ev(unsigned kind, int pid, uint64_t t, uint64_t obj, int64_t a, int64_t b, const char *text)
{
    struct mp_trace_event e = model_event(kind, pid, obj, a, b, text);
    e.t_ns = t;
    return e;
}

Test(export, slices_counters_instants_and_escaping, .timeout = 5.)
{
    struct model m;
    model_init(&m);
    const uint64_t L = 77, Q = 78;
    struct mp_trace_event in[] = {
        ev(MP_EV_PROC_START, 10, 1000000, 0, 1, 0, "root"),
        ev(MP_EV_PROC_START, 11, 1100000, 0, 10, 0, "we\"ird\\name"),
        ev(MP_EV_LOCK_NEW, 10, 1200000, L, 0, 0, "lock"),
        ev(MP_EV_LOCK_ACQUIRE, 11, 1300000, L, 5000, 0, NULL),
        ev(MP_EV_LOCK_RELEASE, 11, 1400000, L, 2000, 0, NULL),
        ev(MP_EV_QUEUE_PUT, 10, 1500000, Q, 1, 1, "x"),
        ev(MP_EV_QUEUE_GET, 11, 1600000, Q, 1, 0, "x"),
        ev(MP_EV_NOTE, 11, 1700000, 0, 0, 0, "tab\there \x01 \"q\" line\nnext \xc3\xbc"),
    };
    for (size_t i = 0; i < sizeof in / sizeof in[0]; i++) cr_assert_eq(model_apply(&m, &in[i]), 0);
    char *json = export_to_string(&m);
    struct jp p;
    const char *err = json_parse(json, &p);
    cr_assert_null(err, "invalid JSON (%s) at %zu: %.60s", err, p.i, json + (p.i > 20 ? p.i - 20 : 0));

    int meta10 = 0, meta11 = 0, wait = 0, hold = 0, counters = 0, notes = 0;
    for (size_t i = 0; i < p.nevs; i++) {
        const struct jev *e = &p.evs[i];
        cr_assert_eq(e->pid, e->tid, "one track per process");
        if (!strcmp(e->ph, "M") && !strcmp(e->name, "process_name")) {
            if (e->pid == 10) {
                meta10++;
                cr_assert_str_eq(e->args_name, "root (10)");
            }
            if (e->pid == 11) {
                meta11++;
                cr_assert_str_eq(e->args_name, "we\"ird\\name (11)");
            }
        }
        if (!strcmp(e->ph, "X") && !strcmp(e->name, "wait lock 1")) {
            wait++;
            cr_assert_eq(e->pid, 11);
            cr_assert_float_eq(e->dur, 5.0, 1e-6);
            cr_assert_float_eq(e->ts, (1300000 - 5000 - 1000000) / 1000.0, 1e-6);
        }
        if (!strcmp(e->ph, "X") && !strcmp(e->name, "hold lock 1")) {
            hold++;
            cr_assert_float_eq(e->dur, 2.0, 1e-6);
            cr_assert_float_eq(e->ts, (1400000 - 2000 - 1000000) / 1000.0, 1e-6);
        }
        if (!strcmp(e->ph, "C")) {
            counters++;
            cr_assert_str_eq(e->name, "queue 1 size");
        }
        if (!strcmp(e->ph, "i") && !strcmp(e->cat, "note")) {
            notes++;
            cr_assert_str_eq(e->name, "tab\there \x01 \"q\" line\nnext \xc3\xbc", "the note survives escaping");
            cr_assert_float_eq(e->ts, 700.0, 1e-6);
        }
        if (strcmp(e->ph, "M")) cr_assert(e->has_ts, "every event has a time");
    }
    cr_assert_eq(meta10, 1);
    cr_assert_eq(meta11, 1);
    cr_assert_eq(wait, 1);
    cr_assert_eq(hold, 1);
    cr_assert_eq(counters, 2);
    cr_assert_eq(notes, 1);
    free(p.evs);
    free(json);
    model_free(&m);
}

/* ------------------------------------------------------------ files */

/* Temporary files, removed by .fini even when an assertion failed. */
static char tmp_files[4][128];
static int ntmp;

static void tmp_path(char *buf, size_t cap, const char *tag)
{
    snprintf(buf, cap, "/tmp/forklab-test-%s-%d", tag, (int)getpid());
    if (ntmp < 4) snprintf(tmp_files[ntmp++], sizeof tmp_files[0], "%s", buf);
}

static void remove_tmp(void)
{
    for (int i = 0; i < ntmp; i++) unlink(tmp_files[i]);
    ntmp = 0;
}

Test(export, trace_file_bad_input, .timeout = 5., .fini = remove_tmp)
{
    struct model m;
    char msg[512], path[128];
    model_init(&m);
    cr_assert_eq(trace_file_load("/no/such/trace", &m, msg, sizeof msg), -ENOENT);
    tmp_path(path, sizeof path, "bad");
    FILE *f = fopen(path, "wb");
    fputs("this is not a trace file at all", f);
    fclose(f);
    cr_assert_eq(trace_file_load(path, &m, msg, sizeof msg), -EINVAL);
    cr_assert(strstr(msg, "not a forklab trace"), "%s", msg);
    /* Right magic, other version. */
    f = fopen(path, "wb");
    uint32_t vs[2] = {MP_TRACE_VERSION + 1, 128};
    fwrite(TRACE_FILE_MAGIC, 8, 1, f);
    fwrite(vs, sizeof vs, 1, f);
    fclose(f);
    cr_assert_eq(trace_file_load(path, &m, msg, sizeof msg), -EINVAL);
    cr_assert(strstr(msg, "version"), "%s", msg);
    /* Two good events and a cut third. */
    f = fopen(path, "wb");
    cr_assert_eq(trace_file_write_header(f), 0);
    struct mp_trace_event a = ev(MP_EV_PROC_START, 5, 100, 0, 1, 0, "x"), b = ev(MP_EV_NOTE, 5, 200, 0, 0, 0, "n");
    fwrite(&a, sizeof a, 1, f);
    fwrite(&b, sizeof b, 1, f);
    fwrite(&b, 40, 1, f);
    fclose(f);
    cr_assert_eq(trace_file_load(path, &m, msg, sizeof msg), 2);
    cr_assert_eq(m.nnotes, 1);
    cr_assert_str_eq(model_proc(&m, 5)->name, "x");
    unlink(path);
    model_free(&m);
}

static const char *build(void)
{
    static char dir[PATH_MAX];
    const char *env = getenv("FORKLAB_BUILD");
    if (env && *env) return env;
    ssize_t n = readlink("/proc/self/exe", dir, sizeof dir - 1);
    cr_assert_gt(n, 0);
    dir[n] = '\0';
    for (int up = 0; up < 3; up++) *strrchr(dir, '/') = '\0';
    setenv("FORKLAB_BUILD", dir, 1);
    return dir;
}

/* Run a command line through sh; its exit status. */
static int sh(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static int sh(const char *fmt, ...)
{
    char cmd[2048];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(cmd, sizeof cmd, fmt, ap);
    va_end(ap);
    fflush(NULL);
    int st = system(cmd);
    return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

Test(export, record_then_export_one_track_per_pid, .timeout = 60., .fini = remove_tmp)
{
    const char *b = build();
    char ex[PATH_MAX], tr[128], js[128], txt[128];
    const char *name = "10-pool-map-async";
    snprintf(ex, sizeof ex, "%s/lessons/%s", b, name);
    if (access(ex, X_OK) != 0) {
        name = "02-spawn";
        snprintf(ex, sizeof ex, "%s/lessons/%s", b, name);
    }
    if (access(ex, X_OK) != 0) cr_skip_test("no example built");
    tmp_path(tr, sizeof tr, "rec.trace");
    tmp_path(js, sizeof js, "rec.json");
    tmp_path(txt, sizeof txt, "rec.txt");
    cr_assert_eq(sh("'%s/forklab' trace record -o '%s' -- '%s' >/dev/null 2>&1", b, tr, ex), 0);
    cr_assert_eq(sh("'%s/forklab' trace export '%s' -o '%s'", b, tr, js), 0);
    cr_assert_eq(sh("'%s/forklab' trace show '%s' > '%s'", b, tr, txt), 0);

    /* The pids in the file, straight from the records. */
    struct model m;
    char msg[256];
    model_init(&m);
    cr_assert_gt(trace_file_load(tr, &m, msg, sizeof msg), 0, "%s", msg);
    char *json = slurp(js);
    struct jp p;
    const char *err = json_parse(json, &p);
    cr_assert_null(err, "export is not valid JSON: %s", err);
    int tracks = 0;
    for (size_t i = 0; i < m.nprocs; i++) {
        if (!m.procs[i].nevents) continue;
        int meta = 0, evs = 0;
        for (size_t k = 0; k < p.nevs; k++) {
            if (p.evs[k].pid != m.procs[i].pid) continue;
            if (!strcmp(p.evs[k].ph, "M") && !strcmp(p.evs[k].name, "process_name")) meta++;
            else evs++;
        }
        cr_assert_eq(meta, 1, "pid %d has one named track", m.procs[i].pid);
        cr_assert_gt(evs, 0);
        tracks++;
    }
    int want = !strcmp(name, "02-spawn") ? 2 : 3; /* the example + its children */
    cr_assert_geq(tracks, want, "%d tracks", tracks);
    for (size_t k = 0; k < p.nevs; k++)
        cr_assert_not_null(model_proc(&m, p.evs[k].pid), "event for pid %d that is not in the trace", p.evs[k].pid);

    char *shown = slurp(txt);
    cr_assert(strstr(shown, "== per process"), "%s", shown);
    cr_assert(strstr(shown, "== processes"));
    char pidtxt[32];
    snprintf(pidtxt, sizeof pidtxt, " %d ", m.procs[0].pid);
    cr_assert(strstr(shown, pidtxt), "show lists pid %d", m.procs[0].pid);
    free(shown);
    free(json);
    free(p.evs);
    model_free(&m);
    unlink(tr);
    unlink(js);
    unlink(txt);
    tu_assert_no_children();
}

Test(export, mp_trace_env_file_reads_like_a_recording, .timeout = 60., .fini = remove_tmp)
{
    const char *b = build();
    char ex[PATH_MAX], tr[128];
    snprintf(ex, sizeof ex, "%s/lessons/02-spawn", b);
    if (access(ex, X_OK) != 0) cr_skip_test("02-spawn not built");
    tmp_path(tr, sizeof tr, "env.trace");
    cr_assert_eq(sh("MP_TRACE='%s' '%s' >/dev/null 2>&1", tr, ex), 0);
    struct model m;
    char msg[256];
    model_init(&m);
    cr_assert_gt(trace_file_load(tr, &m, msg, sizeof msg), 0, "%s", msg);
    bool child_exited = false;
    for (size_t i = 0; i < m.nprocs; i++)
        child_exited |= m.procs[i].state == MPROC_EXITED && m.procs[i].exit_code == 0 && m.procs[i].ppid != 0;
    cr_assert(child_exited, "the spawned child's start and exit are in the file");
    cr_assert_geq(m.nprocs, 2);
    model_free(&m);
    unlink(tr);
    tu_assert_no_children();
}
