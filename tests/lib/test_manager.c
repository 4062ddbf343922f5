/* test_manager.c — Manager: the fruits dict across processes, Python's
 * repr, atomic adds from many processes, lists, values, TCP with HMAC
 * authentication, hostile bytes on both sockets, server death, shutdown
 * and clean-up. */
#include "testutil.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <math.h>
#include <mp.h>
#include <mp_trace.h>
#include <netinet/in.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#define KEY "test-key-5f2c"

static bool path_exists(const char *p)
{
    struct stat st;
    return lstat(p, &st) == 0;
}

static void dirname_of(const char *path, char *out, size_t cap)
{
    snprintf(out, cap, "%s", path);
    char *slash = strrchr(out, '/');
    if (slash) *slash = '\0';
}

/* Starts a child running f(arg) and joins it: its exit code. */
static int run_child(mp_target f, void *arg)
{
    mp_process *p = mp_process_new(f, arg);
    cr_assert_not_null(p);
    cr_assert_eq(mp_process_start(p), 0);
    cr_assert_eq(mp_process_join(p, 20.0), 0, "child did not finish");
    int code = mp_process_exitcode(p);
    mp_process_free(p);
    return code;
}

/* mp_manager_start() that must succeed. */
static mp_manager *manager_open(void)
{
    mp_manager *m = mp_manager_start();
    cr_assert_not_null(m, "start: %s", strerror(errno));
    return m;
}

/* Shuts the manager down, then checks that its server process is gone. */
static void manager_close(mp_manager *m)
{
    mp_manager_shutdown(m);
    tu_assert_no_children();
}

/* ----------------------------------------------------------------- fruits */

static int set_fruits(void *arg)
{
    mp_dict *d = arg;
    if (mp_dict_set_double(d, "Apple", 0.70) < 0) return 1;
    if (mp_dict_set_double(d, "Orange", 1.20) < 0) return 2;
    return 0;
}

Test(manager, fruits_from_a_child, .timeout = 20)
{
    mp_manager *m = manager_open();
    cr_assert_gt(mp_manager_pid(m), 0);
    mp_dict *d = mp_manager_dict(m, "fruits");
    cr_assert_not_null(d);
    cr_assert_eq(mp_dict_len(d), 0);
    cr_assert_eq(run_child(set_fruits, d), 0);
    char buf[128];
    int n = mp_dict_format(d, buf, sizeof buf);
    cr_assert_eq(n, (int)strlen("{'Apple': 0.7, 'Orange': 1.2}"));
    cr_assert_str_eq(buf, "{'Apple': 0.7, 'Orange': 1.2}");
    double v;
    cr_assert_eq(mp_dict_get_double(d, "Orange", &v), 0);
    cr_assert_eq(v, 1.20);
    cr_assert_eq(mp_dict_len(d), 2);
    mp_dict_free(d);
    manager_close(m);
}

/* The parent's connection is open before the fork; the child must make
 * its own, and the parent's must still work afterwards. */
static int child_reads_and_writes(void *arg)
{
    mp_dict *d = arg;
    int64_t v;
    if (mp_dict_get_int(d, "parent", &v) < 0 || v != 7) return 1;
    for (int k = 0; k < 50; k++)
        if (mp_dict_set_int(d, "child", k) < 0) return 2;
    return 0;
}

Test(manager, parent_connection_survives_child, .timeout = 20)
{
    mp_manager *m = manager_open();
    mp_dict *d = mp_manager_dict(m, "d");
    cr_assert_eq(mp_dict_set_int(d, "parent", 7), 0);
    cr_assert_eq(run_child(child_reads_and_writes, d), 0);
    int64_t v;
    cr_assert_eq(mp_dict_get_int(d, "child", &v), 0);
    cr_assert_eq(v, 49);
    cr_assert_eq(mp_dict_set_int(d, "parent", 8), 0);
    cr_assert_eq(mp_dict_get_int(d, "parent", &v), 0);
    cr_assert_eq(v, 8);
    mp_dict_free(d);
    manager_close(m);
}

/* ----------------------------------------------------------------- format */

static void expect_format(mp_dict *d, const char *want)
{
    char buf[512];
    int n = mp_dict_format(d, buf, sizeof buf);
    cr_assert_geq(n, 0, "format failed: %d", n);
    cr_assert_str_eq(buf, want);
    cr_assert_eq(n, (int)strlen(want));
}

Test(manager, format_like_python, .timeout = 20)
{
    mp_manager *m = manager_open();
    mp_dict *d = mp_manager_dict(m, "f");
    expect_format(d, "{}");
    cr_assert_eq(mp_dict_set_int(d, "n", -42), 0);
    cr_assert_eq(mp_dict_set_int(d, "big", INT64_MIN), 0);
    expect_format(d, "{'n': -42, 'big': -9223372036854775808}");
    cr_assert_eq(mp_dict_clear(d), 0);

    cr_assert_eq(mp_dict_set_str(d, "plain", "hi"), 0);
    cr_assert_eq(mp_dict_set_str(d, "it's", "say \"x\""), 0);
    cr_assert_eq(mp_dict_set_str(d, "both", "it's \"q\""), 0);
    cr_assert_eq(mp_dict_set_str(d, "esc", "a\tb\nc\\d\x01\x7f"), 0);
    cr_assert_eq(mp_dict_set_str(d, "utf8", "caf\xc3\xa9"), 0);
    expect_format(d, "{'plain': 'hi', \"it's\": 'say \"x\"', 'both': 'it\\'s \"q\"', "
                     "'esc': 'a\\tb\\nc\\\\d\\x01\\x7f', 'utf8': 'caf\xc3\xa9'}");
    cr_assert_eq(mp_dict_clear(d), 0);

    cr_assert_eq(mp_dict_set_bytes(d, "b", "\x00\xff" "a'", 4), 0);
    cr_assert_eq(mp_dict_set_bytes(d, "e", "", 0), 0);
    cr_assert_eq(mp_dict_set_bytes(d, "q", "\"'\\\r", 4), 0);
    expect_format(d, "{'b': b\"\\x00\\xffa'\", 'e': b'', 'q': b'\"\\'\\\\\\r'}");
    cr_assert_eq(mp_dict_clear(d), 0);

    /* Floats: shortest round-trip digits and Python's notation switch. */
    static const struct { double x; const char *s; } fl[] = {
        {0.1 + 0.2, "0.30000000000000004"}, {1.0, "1.0"}, {-0.0, "-0.0"}, {100.0, "100.0"},
        {1e16, "1e+16"}, {1e15, "1000000000000000.0"}, {123456789012345678.0, "1.2345678901234568e+17"},
        {0.0001, "0.0001"}, {0.00001, "1e-05"}, {1.5e-7, "1.5e-07"}, {2.5, "2.5"},
        {1.7976931348623157e308, "1.7976931348623157e+308"}, {5e-324, "5e-324"}, {1.0 / 3, "0.3333333333333333"},
    };
    for (size_t k = 0; k < sizeof fl / sizeof fl[0]; k++) {
        char want[96];
        cr_assert_eq(mp_dict_set_double(d, "x", fl[k].x), 0);
        snprintf(want, sizeof want, "{'x': %s}", fl[k].s);
        expect_format(d, want);
    }
    cr_assert_eq(mp_dict_set_double(d, "x", INFINITY), 0);
    cr_assert_eq(mp_dict_set_double(d, "y", -INFINITY), 0);
    cr_assert_eq(mp_dict_set_double(d, "z", NAN), 0);
    expect_format(d, "{'x': inf, 'y': -inf, 'z': nan}");

    /* Setting an existing key keeps its place, as in Python. */
    cr_assert_eq(mp_dict_set_int(d, "x", 1), 0);
    expect_format(d, "{'x': 1, 'y': -inf, 'z': nan}");
    /* Too small a buffer: -EMSGSIZE, not a cut string. */
    char small[8];
    cr_assert_eq(mp_dict_format(d, small, sizeof small), -EMSGSIZE);
    mp_dict_free(d);
    manager_close(m);
}

/* Random doubles read back through the repr: strtod(repr(x)) == x. */
Test(manager, float_repr_round_trips, .timeout = 20)
{
    unsigned seed = tu_seed();
    srand(seed);
    mp_manager *m = manager_open();
    mp_dict *d = mp_manager_dict(m, "r");
    for (int k = 0; k < 300; k++) {
        uint64_t bits = (uint64_t)rand() << 42 ^ (uint64_t)rand() << 21 ^ (uint64_t)rand();
        double x;
        memcpy(&x, &bits, sizeof x);
        if (!isfinite(x)) continue;
        cr_assert_eq(mp_dict_set_double(d, "x", x), 0);
        char buf[96];
        cr_assert_gt(mp_dict_format(d, buf, sizeof buf), 0);
        char *start = buf + strlen("{'x': ");
        double back = strtod(start, NULL);
        cr_assert(back == x, "repr %s does not read back to %.17g (seed %u)", start, x, seed);
        cr_assert(strchr(start, '.') || strchr(start, 'e'), "%s lacks '.0' or exponent", start);
    }
    mp_dict_free(d);
    manager_close(m);
}

/* ------------------------------------------------------- atomic add, list */

static int add_1000(void *arg)
{
    mp_dict *d = arg;
    for (int k = 0; k < 1000; k++)
        if (mp_dict_add_int(d, "n", 1, NULL) < 0) return 1;
    return 0;
}

Test(manager, eight_processes_increment, .timeout = 60)
{
    mp_manager *m = manager_open();
    mp_dict *d = mp_manager_dict(m, "counter");
    mp_process *p[8];
    for (int k = 0; k < 8; k++) {
        p[k] = mp_process_new(add_1000, d);
        cr_assert_eq(mp_process_start(p[k]), 0);
    }
    for (int k = 0; k < 8; k++) {
        cr_assert_eq(mp_process_join(p[k], 50.0), 0);
        cr_assert_eq(mp_process_exitcode(p[k]), 0, "worker %d failed", k);
        mp_process_free(p[k]);
    }
    int64_t n = 0;
    cr_assert_eq(mp_dict_get_int(d, "n", &n), 0);
    cr_assert_eq(n, 8000);
    int64_t after;
    cr_assert_eq(mp_dict_add_int(d, "n", -8000, &after), 0);
    cr_assert_eq(after, 0);
    double f;
    cr_assert_eq(mp_dict_add_double(d, "n", 0.5, &f), 0);
    cr_assert_eq(f, 0.5);
    cr_assert_eq(mp_dict_add_int(d, "n", 1, &after), -EINVAL); /* now a float */
    cr_assert_eq(mp_dict_set_str(d, "s", "x"), 0);
    cr_assert_eq(mp_dict_add_double(d, "s", 1, NULL), -EINVAL);
    cr_assert_eq(mp_dict_set_int(d, "max", INT64_MAX), 0);
    cr_assert_eq(mp_dict_add_int(d, "max", 1, NULL), -ERANGE);
    mp_dict_free(d);
    manager_close(m);
}

struct appender {
    mp_list *l;
    int id;
};

static int append_50(void *arg)
{
    struct appender *a = arg;
    for (int k = 0; k < 50; k++)
        if (mp_list_append_int(a->l, a->id * 1000 + k) < 0) return 1;
    return 0;
}

Test(manager, list_append_from_four_processes, .timeout = 30)
{
    mp_manager *m = manager_open();
    mp_list *l = mp_manager_list(m, "items");
    cr_assert_not_null(l);
    struct appender a[4];
    mp_process *p[4];
    for (int k = 0; k < 4; k++) {
        a[k] = (struct appender){.l = l, .id = k + 1};
        p[k] = mp_process_new(append_50, &a[k]);
        cr_assert_eq(mp_process_start(p[k]), 0);
    }
    for (int k = 0; k < 4; k++) {
        cr_assert_eq(mp_process_join(p[k], 25.0), 0);
        cr_assert_eq(mp_process_exitcode(p[k]), 0);
        mp_process_free(p[k]);
    }
    cr_assert_eq(mp_list_len(l), 200);
    /* Every item once, and each process's items in the order it sent them. */
    int next[5] = {0};
    for (long i = 0; i < 200; i++) {
        int64_t v;
        cr_assert_eq(mp_list_get_int(l, i, &v), 0);
        int id = (int)(v / 1000), k = (int)(v % 1000);
        cr_assert(id >= 1 && id <= 4, "bad item %lld", (long long)v);
        cr_assert_eq(k, next[id], "process %d: item %d came before %d", id, k, next[id]);
        next[id]++;
    }
    for (int id = 1; id <= 4; id++) cr_assert_eq(next[id], 50);
    mp_list_free(l);
    manager_close(m);
}

Test(manager, list_operations, .timeout = 20)
{
    mp_manager *m = manager_open();
    mp_list *l = mp_manager_list(m, "l");
    char buf[128];
    cr_assert_eq(mp_list_format(l, buf, sizeof buf), 2);
    cr_assert_str_eq(buf, "[]");
    int64_t v;
    cr_assert_eq(mp_list_pop_int(l, -1, &v), -ERANGE);
    cr_assert_eq(mp_list_append_int(l, 1), 0);
    cr_assert_eq(mp_list_append_double(l, 2.5), 0);
    cr_assert_eq(mp_list_append_str(l, "x"), 0);
    cr_assert_gt(mp_list_format(l, buf, sizeof buf), 0);
    cr_assert_str_eq(buf, "[1, 2.5, 'x']");
    double f;
    cr_assert_eq(mp_list_get_double(l, -2, &f), 0);
    cr_assert_eq(f, 2.5);
    cr_assert_eq(mp_list_get_double(l, 0, &f), 0); /* int converts */
    cr_assert_eq(f, 1.0);
    cr_assert_eq(mp_list_get_str(l, 2, buf, sizeof buf), 1);
    cr_assert_str_eq(buf, "x");
    cr_assert_eq(mp_list_get_str(l, 2, buf, 1), -EMSGSIZE);
    cr_assert_eq(mp_list_get_int(l, 3, &v), -ERANGE);
    cr_assert_eq(mp_list_get_int(l, -4, &v), -ERANGE);
    cr_assert_eq(mp_list_get_int(l, 1, &v), -EINVAL);
    cr_assert_eq(mp_list_set_int(l, -1, 9), 0);
    cr_assert_eq(mp_list_set_str(l, 1, "y"), 0);
    cr_assert_eq(mp_list_set_double(l, 5, 1.0), -ERANGE);
    cr_assert_gt(mp_list_format(l, buf, sizeof buf), 0);
    cr_assert_str_eq(buf, "[1, 'y', 9]");
    cr_assert_eq(mp_list_pop_int(l, 1, &v), -EINVAL); /* 'y' is not an int: kept */
    cr_assert_eq(mp_list_len(l), 3);
    cr_assert_eq(mp_list_pop_int(l, -1, &v), 0);
    cr_assert_eq(v, 9);
    cr_assert_eq(mp_list_pop_int(l, 0, &v), 0);
    cr_assert_eq(v, 1);
    cr_assert_eq(mp_list_len(l), 1);
    /* Another proxy with the same name is the same list. */
    mp_list *same = mp_manager_list(m, "l");
    cr_assert_eq(mp_list_len(same), 1);
    mp_list_free(same);
    mp_list_free(l);
    manager_close(m);
}

static int set_value(void *arg)
{
    mp_mvalue *v = arg;
    return mp_mvalue_set_double(v, 0.25) < 0 || mp_mvalue_add_double(v, 0.5, NULL) < 0;
}

Test(manager, namespace_value, .timeout = 20)
{
    mp_manager *m = manager_open();
    mp_mvalue *v = mp_manager_value(m, "x");
    cr_assert_not_null(v);
    int64_t i;
    double f;
    char buf[32];
    cr_assert_eq(mp_mvalue_get_int(v, &i), -ENOENT);
    cr_assert_eq(mp_mvalue_format(v, buf, sizeof buf), 4);
    cr_assert_str_eq(buf, "None");
    cr_assert_eq(run_child(set_value, v), 0);
    cr_assert_eq(mp_mvalue_get_double(v, &f), 0);
    cr_assert_eq(f, 0.75);
    cr_assert_eq(mp_mvalue_get_int(v, &i), -EINVAL);
    cr_assert_eq(mp_mvalue_set_int(v, 41), 0);
    cr_assert_eq(mp_mvalue_add_int(v, 1, &i), 0);
    cr_assert_eq(i, 42);
    cr_assert_gt(mp_mvalue_format(v, buf, sizeof buf), 0);
    cr_assert_str_eq(buf, "42");
    cr_assert_eq(mp_mvalue_set_str(v, "it's"), 0);
    cr_assert_eq(mp_mvalue_get_str(v, buf, sizeof buf), 4);
    cr_assert_str_eq(buf, "it's");
    cr_assert_gt(mp_mvalue_format(v, buf, sizeof buf), 0);
    cr_assert_str_eq(buf, "\"it's\"");
    cr_assert_eq(mp_mvalue_add_int(v, 1, &i), -EINVAL);
    mp_mvalue_free(v);
    manager_close(m);
}

/* ------------------------------------------------------- dict operations */

Test(manager, absent_keys_and_types, .timeout = 20)
{
    mp_manager *m = manager_open();
    mp_dict *d = mp_manager_dict(m, "d");
    int64_t i;
    double f;
    char buf[64];
    cr_assert_eq(mp_dict_get_int(d, "nope", &i), -ENOENT);
    cr_assert_eq(mp_dict_get_double(d, "nope", &f), -ENOENT);
    cr_assert_eq(mp_dict_get_str(d, "nope", buf, sizeof buf), -ENOENT);
    cr_assert_eq(mp_dict_del(d, "nope"), -ENOENT);
    cr_assert_eq(mp_dict_contains(d, "nope"), 0);
    cr_assert_eq(mp_dict_set_int(d, "a", 3), 0);
    cr_assert_eq(mp_dict_set_str(d, "b", "hello"), 0);
    cr_assert_eq(mp_dict_set_bytes(d, "c", "\x01\x02\x03", 3), 0);
    cr_assert_eq(mp_dict_contains(d, "a"), 1);
    cr_assert_eq(mp_dict_get_double(d, "a", &f), 0);
    cr_assert_eq(f, 3.0);
    cr_assert_eq(mp_dict_get_int(d, "b", &i), -EINVAL);
    cr_assert_eq(mp_dict_get_str(d, "b", buf, sizeof buf), 5);
    cr_assert_str_eq(buf, "hello");
    cr_assert_eq(mp_dict_get_str(d, "b", buf, 5), -EMSGSIZE); /* no room for the NUL */
    uint8_t raw[8];
    cr_assert_eq(mp_dict_get_bytes(d, "c", raw, sizeof raw), 3);
    cr_assert_eq(memcmp(raw, "\x01\x02\x03", 3), 0);
    cr_assert_eq(mp_dict_get_bytes(d, "b", raw, sizeof raw), -EINVAL);
    cr_assert_eq(mp_dict_keys(d, buf, sizeof buf), 3);
    cr_assert_str_eq(buf, "a");
    cr_assert_str_eq(buf + 2, "b");
    cr_assert_str_eq(buf + 4, "c");
    cr_assert_eq(mp_dict_keys(d, buf, 3), -EMSGSIZE);
    cr_assert_eq(mp_dict_del(d, "b"), 0);
    cr_assert_eq(mp_dict_get_str(d, "b", buf, sizeof buf), -ENOENT);
    cr_assert_eq(mp_dict_len(d), 2);
    /* Different names are different dicts. */
    mp_dict *other = mp_manager_dict(m, "other");
    cr_assert_eq(mp_dict_len(other), 0);
    cr_assert_eq(mp_dict_clear(d), 0);
    cr_assert_eq(mp_dict_len(d), 0);
    mp_dict_free(other);
    mp_dict_free(d);
    manager_close(m);
}

Test(manager, bad_arguments, .timeout = 20)
{
    int64_t i;
    double f;
    char buf[16];
    cr_assert_eq(mp_dict_set_int(NULL, "k", 1), -EINVAL);
    cr_assert_eq(mp_dict_get_double(NULL, "k", &f), -EINVAL);
    cr_assert_eq(mp_dict_len(NULL), -EINVAL);
    cr_assert_eq(mp_dict_format(NULL, buf, sizeof buf), -EINVAL);
    cr_assert_eq(mp_list_append_int(NULL, 1), -EINVAL);
    cr_assert_eq(mp_list_len(NULL), -EINVAL);
    cr_assert_eq(mp_mvalue_set_int(NULL, 1), -EINVAL);
    cr_assert_eq(mp_manager_port(NULL), -EINVAL);
    errno = 0;
    cr_assert_null(mp_manager_dict(NULL, "x"));
    cr_assert_eq(errno, EINVAL);
    errno = 0;
    cr_assert_null(mp_manager_listen(NULL, 0, NULL));
    cr_assert_eq(errno, EINVAL);
    errno = 0;
    cr_assert_null(mp_manager_listen(NULL, 70000, KEY));
    cr_assert_eq(errno, EINVAL);
    errno = 0;
    cr_assert_null(mp_manager_connect("127.0.0.1", 0, KEY));
    cr_assert_eq(errno, EINVAL);
    mp_dict_free(NULL);
    mp_list_free(NULL);
    mp_mvalue_free(NULL);
    mp_manager_shutdown(NULL);

    mp_manager *m = manager_open();
    errno = 0;
    cr_assert_null(mp_manager_dict(m, NULL));
    cr_assert_eq(errno, EINVAL);
    cr_assert_null(mp_manager_dict(m, ""));
    mp_dict *d = mp_manager_dict(m, "d");
    cr_assert_eq(mp_dict_set_int(d, NULL, 1), -EINVAL);
    cr_assert_eq(mp_dict_set_str(d, "k", NULL), -EINVAL);
    cr_assert_eq(mp_dict_set_bytes(d, "k", NULL, 3), -EINVAL);
    cr_assert_eq(mp_dict_get_int(d, NULL, &i), -EINVAL);
    cr_assert_eq(mp_dict_get_str(d, "k", NULL, 5), -EINVAL);
    cr_assert_eq(mp_dict_len(d), 0, "nothing was stored by the bad calls");
    mp_dict_free(d);
    manager_close(m);
}

/* -------------------------------------------------------- shutdown, death */

Test(manager, shutdown_removes_socket_and_fails_proxies, .timeout = 20)
{
    mp_manager *m = manager_open();
    const char *p = mp_manager_socket_path(m);
    cr_assert_not_null(p);
    char path[128], dir[128];
    snprintf(path, sizeof path, "%s", p);
    dirname_of(path, dir, sizeof dir);
    struct stat st;
    cr_assert_eq(stat(dir, &st), 0);
    cr_assert_eq(st.st_mode & 0777, 0700, "directory mode %o", st.st_mode & 0777);
    cr_assert_eq(stat(path, &st), 0);
    cr_assert(S_ISSOCK(st.st_mode));
    cr_assert_eq(st.st_mode & 0777, 0600, "socket mode %o", st.st_mode & 0777);
    mp_dict *d = mp_manager_dict(m, "d");
    mp_list *l = mp_manager_list(m, "l");
    cr_assert_eq(mp_dict_set_int(d, "k", 1), 0);
    pid_t server = mp_manager_pid(m);
    mp_manager_shutdown(m);
    cr_assert(!path_exists(path), "socket %s left behind", path);
    cr_assert(!path_exists(dir), "directory %s left behind", dir);
    cr_assert_eq(kill(server, 0), -1, "server still exists");
    cr_assert_eq(mp_dict_set_int(d, "k", 2), -ESHUTDOWN);
    cr_assert_eq(mp_dict_len(d), -ESHUTDOWN);
    cr_assert_eq(mp_list_append_int(l, 1), -ESHUTDOWN);
    mp_dict_free(d);
    mp_list_free(l);
    tu_assert_no_children();
}

Test(manager, server_killed_fails_fast, .timeout = 20)
{
    mp_manager *m = manager_open();
    char path[128];
    snprintf(path, sizeof path, "%s", mp_manager_socket_path(m));
    mp_dict *d = mp_manager_dict(m, "d");
    cr_assert_eq(mp_dict_set_int(d, "k", 1), 0);
    cr_assert_eq(kill(mp_manager_pid(m), SIGKILL), 0);
    usleep(50000);
    double t0 = tu_now();
    int rc = mp_dict_set_int(d, "k", 2);
    double dt = tu_now() - t0;
    cr_assert(rc == -EPIPE || rc == -ECONNRESET, "got %d (%s)", rc, mp_strerror(rc));
    cr_assert_lt(dt, 1.0, "took %.3f s", dt);
    cr_assert_lt(mp_dict_len(d), 0, "still failing, not hanging");
    mp_manager_shutdown(m); /* reaps the killed server, removes its socket */
    cr_assert(!path_exists(path));
    mp_dict_free(d);
    tu_assert_no_children();
}

/* The parent exits without shutdown: the server notices and cleans up. */
Test(manager, server_exits_with_its_parent, .timeout = 20)
{
    int fds[2];
    cr_assert_eq(pipe(fds), 0);
    fflush(NULL);
    pid_t pid = fork();
    cr_assert_geq(pid, 0);
    if (pid == 0) {
        mp_manager *m = mp_manager_start();
        char msg[160] = "";
        if (m) snprintf(msg, sizeof msg, "%d %s", (int)mp_manager_pid(m), mp_manager_socket_path(m));
        ssize_t w = write(fds[1], msg, sizeof msg);
        _exit(m && w == (ssize_t)sizeof msg ? 0 : 1); /* no shutdown on purpose */
    }
    close(fds[1]);
    char msg[160];
    cr_assert_eq(read(fds[0], msg, sizeof msg), (ssize_t)sizeof msg);
    close(fds[0]);
    int status;
    cr_assert_eq(waitpid(pid, &status, 0), pid);
    cr_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    int server;
    char path[140];
    cr_assert_eq(sscanf(msg, "%d %139s", &server, path), 2);
    double t0 = tu_now();
    while ((path_exists(path) || kill(server, 0) == 0) && tu_now() - t0 < 5) usleep(10000);
    cr_assert(!path_exists(path), "socket left after the parent died");
    char dir[140];
    dirname_of(path, dir, sizeof dir);
    cr_assert(!path_exists(dir));
    cr_assert_neq(kill(server, 0), 0, "server outlived its parent");
    tu_assert_no_children();
}

/* ----------------------------------------------------------- TCP, auth */

static int tcp_connect_raw(int port)
{
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    cr_assert_eq(connect(fd, (struct sockaddr *)&a, sizeof a), 0);
    return fd;
}

static int unix_connect_raw(const char *path)
{
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    struct sockaddr_un a = {.sun_family = AF_UNIX};
    snprintf(a.sun_path, sizeof a.sun_path, "%s", path);
    cr_assert_eq(connect(fd, (struct sockaddr *)&a, sizeof a), 0);
    return fd;
}

/* True when the server closed fd within secs (what it sent first is read and dropped). */
static bool closed_by_peer(int fd, double secs)
{
    double t0 = tu_now();
    char tmp[512];
    while (tu_now() - t0 < secs) {
        struct pollfd p = {.fd = fd, .events = POLLIN};
        if (poll(&p, 1, 50) <= 0) continue;
        ssize_t r = recv(fd, tmp, sizeof tmp, MSG_DONTWAIT);
        if (r == 0 || (r < 0 && errno != EAGAIN && errno != EINTR)) return true;
    }
    return false;
}

static void send_raw(int fd, const void *p, size_t n)
{
    cr_assert_eq(send(fd, p, n, MSG_NOSIGNAL), (ssize_t)n);
}

static const uint8_t garbage[] = {0, 0, 0, 9, 'x', 'y', 'z', 0xff, 0xfe, 1, 2, 3, 4};
static const uint8_t claims_4gib[] = {0xff, 0xff, 0xff, 0xff, 'i', 0, 0, 0};
static const uint8_t half_frame[] = {0, 0, 0, 100, 'i', 0, 0};

Test(manager, tcp_right_and_wrong_key, .timeout = 30)
{
    mp_manager *srv = mp_manager_listen(NULL, 0, KEY);
    cr_assert_not_null(srv, "listen: %s", strerror(errno));
    int port = mp_manager_port(srv);
    cr_assert_gt(port, 0);
    cr_assert_null(mp_manager_socket_path(srv));
    mp_dict *sd = mp_manager_dict(srv, "shared");
    cr_assert_not_null(sd);
    cr_assert_eq(mp_dict_set_int(sd, "from_server_side", 1), 0);

    mp_manager *good = mp_manager_connect("127.0.0.1", port, KEY);
    cr_assert_not_null(good, "connect: %s", strerror(errno));
    cr_assert_eq(mp_manager_port(good), port);
    cr_assert_eq(mp_manager_pid(good), 0);
    mp_dict *gd = mp_manager_dict(good, "shared");
    cr_assert_eq(mp_dict_set_double(gd, "Apple", 0.7), 0);

    errno = 0;
    cr_assert_null(mp_manager_connect("127.0.0.1", port, "wrong key"));
    cr_assert_eq(errno, EACCES);
    errno = 0;
    cr_assert_null(mp_manager_connect("127.0.0.1", port, KEY "x"));
    cr_assert_eq(errno, EACCES);

    /* The good client and the server's own proxy keep working. */
    cr_assert_eq(mp_dict_set_double(gd, "Orange", 1.2), 0);
    char buf[128];
    cr_assert_gt(mp_dict_format(sd, buf, sizeof buf), 0);
    cr_assert_str_eq(buf, "{'from_server_side': 1, 'Apple': 0.7, 'Orange': 1.2}");
    mp_dict_free(gd);
    mp_manager_shutdown(good);
    mp_dict_free(sd);
    mp_manager_shutdown(srv);
    errno = 0;
    cr_assert_null(mp_manager_connect("127.0.0.1", port, KEY), "server gone");
    cr_assert_neq(errno, 0);
    tu_assert_no_children();
}

static int tcp_child(void *arg)
{
    int port = *(int *)arg;
    mp_manager *m = mp_manager_connect("127.0.0.1", port, KEY);
    if (!m) return 10;
    mp_dict *d = mp_manager_dict(m, "n");
    int rc = d ? 0 : 11;
    for (int k = 0; k < 100 && rc == 0; k++)
        if (mp_dict_add_int(d, "n", 1, NULL) < 0) rc = 12;
    mp_dict_free(d);
    mp_manager_shutdown(m);
    return rc;
}

/* A forked child of a listening manager's owner reconnects (with the key)
 * through the inherited proxy; another connects on its own. */
static int inherit_tcp_proxy(void *arg)
{
    mp_dict *d = arg;
    for (int k = 0; k < 100; k++)
        if (mp_dict_add_int(d, "n", 1, NULL) < 0) return 1;
    return 0;
}

Test(manager, tcp_children, .timeout = 30)
{
    mp_manager *srv = mp_manager_listen("127.0.0.1", 0, KEY);
    cr_assert_not_null(srv);
    int port = mp_manager_port(srv);
    mp_dict *d = mp_manager_dict(srv, "n");
    cr_assert_eq(mp_dict_set_int(d, "n", 0), 0);
    cr_assert_eq(run_child(tcp_child, &port), 0);
    cr_assert_eq(run_child(inherit_tcp_proxy, d), 0);
    int64_t n;
    cr_assert_eq(mp_dict_get_int(d, "n", &n), 0);
    cr_assert_eq(n, 200);
    mp_dict_free(d);
    mp_manager_shutdown(srv);
    tu_assert_no_children();
}

Test(manager, hostile_bytes_tcp, .timeout = 30)
{
    mp_manager *srv = mp_manager_listen(NULL, 0, KEY);
    cr_assert_not_null(srv);
    int port = mp_manager_port(srv);
    const struct { const uint8_t *p; size_t n; const char *what; } bad[] = {
        {garbage, sizeof garbage, "garbage"},
        {claims_4gib, sizeof claims_4gib, "4 GiB frame"},
    };
    for (size_t k = 0; k < 2; k++) {
        int fd = tcp_connect_raw(port);
        send_raw(fd, bad[k].p, bad[k].n);
        cr_assert(closed_by_peer(fd, 3), "%s: connection not closed", bad[k].what);
        close(fd);
    }
    /* A half frame: the server waits for the rest; others are served meanwhile. */
    int stall = tcp_connect_raw(port);
    send_raw(stall, half_frame, sizeof half_frame);
    mp_manager *c = mp_manager_connect(NULL, port, KEY);
    cr_assert_not_null(c, "a client after the hostile ones: %s", strerror(errno));
    mp_dict *d = mp_manager_dict(c, "d");
    cr_assert_eq(mp_dict_set_int(d, "ok", 1), 0);
    cr_assert_eq(mp_dict_len(d), 1);
    /* The unfinished handshake times out (2 s) and is closed. */
    cr_assert(closed_by_peer(stall, 8), "stalled handshake never closed");
    close(stall);
    cr_assert_eq(mp_dict_len(d), 1);
    mp_dict_free(d);
    mp_manager_shutdown(c);
    mp_manager_shutdown(srv);
    tu_assert_no_children();
}

Test(manager, hostile_bytes_unix, .timeout = 30)
{
    mp_manager *m = manager_open();
    char path[128];
    snprintf(path, sizeof path, "%s", mp_manager_socket_path(m));
    mp_dict *d = mp_manager_dict(m, "d");
    cr_assert_eq(mp_dict_set_int(d, "before", 1), 0);
    /* A well-framed payload with an unknown tag, trailing junk after a valid
     * request, a 4 GiB claim: each closes its connection only. */
    static const uint8_t trailing[] = {0, 0, 0, 10, 'i', 0, 0, 0, 0, 0, 0, 0, 1, 'q'};
    const struct { const uint8_t *p; size_t n; const char *what; } bad[] = {
        {garbage, sizeof garbage, "garbage"},
        {trailing, sizeof trailing, "ping with junk"},
        {claims_4gib, sizeof claims_4gib, "4 GiB frame"},
    };
    for (size_t k = 0; k < 3; k++) {
        int fd = unix_connect_raw(path);
        send_raw(fd, bad[k].p, bad[k].n);
        cr_assert(closed_by_peer(fd, 3), "%s: connection not closed", bad[k].what);
        close(fd);
        cr_assert_eq(mp_dict_len(d), 1, "after %s", bad[k].what);
    }
    int stall = unix_connect_raw(path);
    send_raw(stall, half_frame, sizeof half_frame);
    cr_assert_eq(mp_dict_set_int(d, "after", 2), 0, "a stalled client blocks others");
    cr_assert_eq(mp_dict_len(d), 2);
    /* No byte of the rest for 2 s: the server gives up on it. */
    cr_assert(closed_by_peer(stall, 10), "a stalled half frame was never closed");
    close(stall);
    cr_assert_eq(mp_dict_len(d), 2);
    mp_dict_free(d);
    mp_manager_shutdown(m);
    cr_assert(!path_exists(path));
    tu_assert_no_children();
}

/* Random sets, deletes and adds on many keys, checked against a local
 * model of an insertion-ordered dict (exercises the server's index). */
Test(manager, random_ops_match_a_model, .timeout = 60)
{
    unsigned seed = tu_seed();
    srand(seed);
    enum { NKEYS = 200, NOPS = 3000 };
    int64_t val[NKEYS];
    bool present[NKEYS] = {false};
    int order[NKEYS], norder = 0; /* insertion order of present keys */
    mp_manager *m = manager_open();
    mp_dict *d = mp_manager_dict(m, "big");
    char key[16];
    for (int op = 0; op < NOPS; op++) {
        int k = rand() % NKEYS, what = rand() % 4;
        snprintf(key, sizeof key, "key-%d", k);
        if (what <= 1) {
            int64_t v = rand();
            cr_assert_eq(what ? mp_dict_set_int(d, key, v) : mp_dict_add_int(d, key, v, NULL), 0);
            if (!present[k]) order[norder++] = k;
            val[k] = what || !present[k] ? v : val[k] + v;
            present[k] = true;
        } else if (what == 2) {
            cr_assert_eq(mp_dict_del(d, key), present[k] ? 0 : -ENOENT, "del %s (seed %u)", key, seed);
            if (present[k]) {
                int at = 0;
                while (order[at] != k) at++;
                memmove(&order[at], &order[at + 1], (size_t)(norder - at - 1) * sizeof order[0]);
                norder--;
            }
            present[k] = false;
        } else {
            int64_t got;
            int rc = mp_dict_get_int(d, key, &got);
            cr_assert_eq(rc, present[k] ? 0 : -ENOENT, "get %s (seed %u)", key, seed);
            if (present[k]) cr_assert_eq(got, val[k], "%s (seed %u)", key, seed);
        }
    }
    cr_assert_eq(mp_dict_len(d), norder);
    static char keys[NKEYS * 16];
    cr_assert_eq(mp_dict_keys(d, keys, sizeof keys), norder);
    const char *p = keys;
    for (int i = 0; i < norder; i++) {
        snprintf(key, sizeof key, "key-%d", order[i]);
        cr_assert_str_eq(p, key, "key %d out of order (seed %u)", i, seed);
        p += strlen(p) + 1;
    }
    mp_dict_free(d);
    manager_close(m);
}

/* A reference model of an insertion-ordered dict of int keys: order[] holds
 * the present keys oldest first (Python: a re-inserted key goes last, an
 * updated one keeps its place). */
struct ref_dict {
    int nkeys, norder;
    bool *present;
    int64_t *val;
    int *order;
};

static void ref_set(struct ref_dict *r, int k, int64_t v)
{
    if (!r->present[k]) r->order[r->norder++] = k;
    r->present[k] = true;
    r->val[k] = v;
}

static void ref_del(struct ref_dict *r, int k)
{
    int at = 0;
    while (r->order[at] != k) at++;
    memmove(&r->order[at], &r->order[at + 1], (size_t)(r->norder - at - 1) * sizeof r->order[0]);
    r->norder--;
    r->present[k] = false;
}

/* The server's dict has exactly the model's keys, in its order. */
static void ref_check(mp_dict *d, const struct ref_dict *r, const char *phase, unsigned seed)
{
    static char keys[1 << 20];
    char key[16];
    cr_assert_eq(mp_dict_len(d), r->norder, "%s: len (seed %u)", phase, seed);
    cr_assert_eq(mp_dict_keys(d, keys, sizeof keys), r->norder, "%s: keys (seed %u)", phase, seed);
    const char *p = keys;
    for (int i = 0; i < r->norder; i++) {
        snprintf(key, sizeof key, "k%d", r->order[i]);
        cr_assert_str_eq(p, key, "%s: key %d out of order (seed %u)", phase, i, seed);
        p += strlen(p) + 1;
    }
}

/* Many inserts and deletes in phases that leave most entries deleted and
 * then refill (so the server squeezes deleted entries out of its array and
 * rebuilds its index several times), checked against the model after each
 * phase: every get, del and contains answer, the length and the order. */
Test(manager, dict_inserts_and_deletes_match_a_model, .timeout = 120)
{
    unsigned seed = tu_seed();
    srand(seed);
    enum { NK = 3000 };
    static bool present[NK];
    static int64_t val[NK];
    static int order[NK];
    struct ref_dict r = {.nkeys = NK, .present = present, .val = val, .order = order};
    mp_manager *m = manager_open();
    mp_dict *d = mp_manager_dict(m, "churn");
    cr_assert_not_null(d);
    char key[16];
    /* del_pct: how many of the random operations delete */
    static const struct { const char *name; int ops, del_pct; } phases[] = {
        {"fill", 4000, 0}, {"mixed", 6000, 30}, {"drain", 8000, 90}, {"refill", 6000, 5}, {"drain again", 8000, 95},
    };
    for (size_t ph = 0; ph < sizeof phases / sizeof phases[0]; ph++) {
        for (int op = 0; op < phases[ph].ops; op++) {
            int k = rand() % NK, what = rand() % 100;
            snprintf(key, sizeof key, "k%d", k);
            if (what < phases[ph].del_pct) {
                cr_assert_eq(mp_dict_del(d, key), present[k] ? 0 : -ENOENT, "%s: del %s (seed %u)", phases[ph].name, key, seed);
                if (present[k]) ref_del(&r, k);
            } else if (what < phases[ph].del_pct + (100 - phases[ph].del_pct) / 2) {
                int64_t v = rand();
                cr_assert_eq(mp_dict_set_int(d, key, v), 0);
                ref_set(&r, k, v);
            } else {
                int64_t got = 0;
                cr_assert_eq(mp_dict_contains(d, key), present[k], "%s: in %s (seed %u)", phases[ph].name, key, seed);
                cr_assert_eq(mp_dict_get_int(d, key, &got), present[k] ? 0 : -ENOENT);
                if (present[k]) cr_assert_eq(got, val[k], "%s: %s (seed %u)", phases[ph].name, key, seed);
            }
        }
        ref_check(d, &r, phases[ph].name, seed);
    }
    /* Every key still present reads back its value. */
    for (int k = 0; k < NK; k++) {
        int64_t got = 0;
        snprintf(key, sizeof key, "k%d", k);
        cr_assert_eq(mp_dict_get_int(d, key, &got), present[k] ? 0 : -ENOENT, "final get %s (seed %u)", key, seed);
        if (present[k]) cr_assert_eq(got, val[k]);
    }
    /* Delete everything, then the order starts afresh. */
    while (r.norder) {
        snprintf(key, sizeof key, "k%d", r.order[r.norder - 1]);
        cr_assert_eq(mp_dict_del(d, key), 0);
        ref_del(&r, r.order[r.norder - 1]);
    }
    cr_assert_eq(mp_dict_set_int(d, "k7", 1), 0);
    cr_assert_eq(mp_dict_set_int(d, "k3", 2), 0);
    char text[64];
    cr_assert_gt(mp_dict_format(d, text, sizeof text), 0);
    cr_assert_str_eq(text, "{'k7': 1, 'k3': 2}");
    mp_dict_free(d);
    manager_close(m);
}

/* Many named objects: each name finds its own object (the server's object
 * index), across kinds that share a name. */
Test(manager, many_named_objects, .timeout = 60)
{
    mp_manager *m = manager_open();
    enum { N = 300 };
    char name[32];
    for (int k = 0; k < N; k++) {
        snprintf(name, sizeof name, "obj-%d", k);
        mp_dict *d = mp_manager_dict(m, name);
        mp_mvalue *v = mp_manager_value(m, name); /* same name, another kind */
        cr_assert(d && v);
        cr_assert_eq(mp_dict_set_int(d, "k", k), 0);
        cr_assert_eq(mp_mvalue_set_int(v, -k), 0);
        mp_dict_free(d);
        mp_mvalue_free(v);
    }
    for (int k = N - 1; k >= 0; k--) {
        snprintf(name, sizeof name, "obj-%d", k);
        mp_dict *d = mp_manager_dict(m, name);
        mp_mvalue *v = mp_manager_value(m, name);
        int64_t a = 0, b = 0;
        cr_assert_eq(mp_dict_get_int(d, "k", &a), 0);
        cr_assert_eq(mp_mvalue_get_int(v, &b), 0);
        cr_assert_eq(a, k, "%s", name);
        cr_assert_eq(b, -k, "%s", name);
        cr_assert_eq(mp_dict_len(d), 1);
        mp_dict_free(d);
        mp_mvalue_free(v);
    }
    manager_close(m);
}

/* Tracing: the server announces itself as SyncManager, and each client
 * operation is one MANAGER_OP event from the process that made it. */
Test(manager, trace_events, .timeout = 20)
{
    struct mp_trace_ring *r = mp_trace_ring_create(4096);
    cr_assert_not_null(r);
    cr_assert_eq(mp_trace_attach(r), 0);
    mp_manager *m = manager_open();
    pid_t server = mp_manager_pid(m);
    mp_dict *d = mp_manager_dict(m, "fruits");
    mp_process *p = mp_process_new(set_fruits, d);
    cr_assert_eq(mp_process_start(p), 0);
    pid_t child = mp_process_pid(p);
    cr_assert_eq(mp_process_join(p, 10), 0);
    cr_assert_eq(mp_process_exitcode(p), 0);
    cr_assert_eq(mp_dict_get_double(d, "nope", NULL), -ENOENT);
    mp_dict_free(d);
    mp_manager_shutdown(m);
    mp_trace_detach();
    static struct mp_trace_event ev[4096];
    size_t n = mp_trace_ring_read(r, ev, 4096);
    bool started = false, exited = false, missing = false;
    int sets = 0;
    for (size_t k = 0; k < n; k++) {
        if (ev[k].kind == MP_EV_PROC_START && ev[k].pid == server && !strcmp(ev[k].text, "SyncManager")) started = true;
        if (ev[k].kind == MP_EV_PROC_EXIT && ev[k].a == server) exited = true;
        if (ev[k].kind != MP_EV_MANAGER_OP) continue;
        if (ev[k].pid == child && !strcmp(ev[k].text, "set fruits['Apple'] = 0.7") && ev[k].b == 0) sets++;
        if (ev[k].pid == child && !strcmp(ev[k].text, "set fruits['Orange'] = 1.2") && ev[k].b == 0) sets++;
        if (ev[k].pid == getpid() && !strcmp(ev[k].text, "get fruits['nope']") && ev[k].b == -ENOENT) missing = true;
    }
    cr_assert(started, "no PROC_START SyncManager from pid %d", (int)server);
    cr_assert(exited, "no PROC_EXIT for the server");
    cr_assert_eq(sets, 2);
    cr_assert(missing, "the failed get is traced with -ENOENT");
    mp_process_free(p);
    mp_trace_ring_free(r);
    tu_assert_no_children();
}

/* The texts of MANAGER_OP events carry what the viewer needs to rebuild
 * the contents: keys as Python's repr, the value sent (" = ") or got back
 * (" -> "), nothing after a failed call; a long value is cut and marked. */
Test(manager, trace_texts_carry_values, .timeout = 20)
{
    struct mp_trace_ring *r = mp_trace_ring_create(4096);
    cr_assert_not_null(r);
    cr_assert_eq(mp_trace_attach(r), 0);
    mp_manager *m = manager_open();
    mp_dict *d = mp_manager_dict(m, "d");
    mp_list *l = mp_manager_list(m, "l");
    mp_mvalue *v = mp_manager_value(m, "v");
    cr_assert(d && l && v);
    int64_t x;
    double f;
    char big[200];
    memset(big, 'x', sizeof big - 1);
    big[sizeof big - 1] = '\0';
    cr_assert_eq(mp_dict_set_str(d, "it's", "a\"b"), 0);
    cr_assert_eq(mp_dict_add_int(d, "n", 5, &x), 0);
    cr_assert_eq(mp_dict_get_double(d, "nope", &f), -ENOENT);
    cr_assert_eq(mp_list_append_int(l, 7), 0);
    cr_assert_eq(mp_list_append_int(l, 8), 0);
    cr_assert_eq(mp_list_set_int(l, -1, 9), 0);
    cr_assert_eq(mp_list_pop_int(l, 0, &x), 0);
    cr_assert_eq(mp_list_get_int(l, 0, &x), 0);
    cr_assert_eq(mp_mvalue_set_double(v, 2.5), 0);
    cr_assert_eq(mp_mvalue_add_int(v, 1, NULL), -EINVAL); /* a float stays float */
    cr_assert_eq(mp_dict_set_str(d, "big", big), 0);
    mp_dict_free(d);
    mp_list_free(l);
    mp_mvalue_free(v);
    mp_manager_shutdown(m);
    mp_trace_detach();
    static struct mp_trace_event ev[4096];
    size_t n = mp_trace_ring_read(r, ev, 4096);
    const char *want[] = {
        "open d", "open l", "open v", "set d[\"it's\"] = 'a\"b'", "add d['n'] -> 5", "get d['nope']",
        "append l = 7", "append l = 8", "set l[-1] = 9", "pop l[0] -> 7", "get l[0] -> 9", "set v = 2.5",
        "add v -> 3.5",
    };
    size_t k = 0, w = 0;
    for (; k < n && w < sizeof want / sizeof want[0]; k++) {
        if (ev[k].kind != MP_EV_MANAGER_OP) continue;
        cr_assert_str_eq(ev[k].text, want[w], "event %zu", w);
        cr_assert_eq(ev[k].flags & MP_EVF_TRUNCATED, 0);
        w++;
    }
    cr_assert_eq(w, sizeof want / sizeof want[0]);
    while (k < n && ev[k].kind != MP_EV_MANAGER_OP) k++;
    cr_assert_lt(k, n);
    cr_assert_eq(ev[k].a, MP_MGR_DICT_SET);
    cr_assert(!strncmp(ev[k].text, "set d['big'] = 'xxxx", 20), "%s", ev[k].text);
    cr_assert_eq(strlen(ev[k].text), MP_TRACE_TEXT - 1);
    cr_assert(ev[k].flags & MP_EVF_TRUNCATED, "a cut value is marked");
    mp_trace_ring_free(r);
    tu_assert_no_children();
}

/* ------------------------------------------- the handshake, by hand
 * A second, independent implementation of the protocol in mp.h (frames of
 * u32 length + payload; "#CHALLENGE#" + nonce, HMAC-SHA256 answers,
 * "#WELCOME#" / "#FAILURE#"), to check the server from outside. */

static void send_frame(int fd, const void *p, uint32_t n)
{
    uint8_t hdr[4] = {(uint8_t)(n >> 24), (uint8_t)(n >> 16), (uint8_t)(n >> 8), (uint8_t)n};
    cr_assert_eq(send(fd, hdr, 4, MSG_NOSIGNAL), 4);
    if (n) cr_assert_eq(send(fd, p, n, MSG_NOSIGNAL), (ssize_t)n);
}

/* Reads one frame (5 s at most): its length, or -1. */
static ssize_t recv_frame(int fd, uint8_t *buf, size_t cap)
{
    size_t have = 0, need = 4;
    uint8_t hdr[4];
    double t0 = tu_now();
    while (have < need && tu_now() - t0 < 5) {
        struct pollfd p = {.fd = fd, .events = POLLIN};
        if (poll(&p, 1, 100) <= 0) continue;
        uint8_t *dst = need == 4 ? hdr + have : buf + have;
        ssize_t r = recv(fd, dst, need - have, 0);
        if (r <= 0) return -1;
        have += (size_t)r;
        if (need == 4 && have == 4) {
            need = (size_t)hdr[0] << 24 | (size_t)hdr[1] << 16 | (size_t)hdr[2] << 8 | hdr[3];
            if (need > cap) return -1;
            have = 0;
            if (need == 0) return 0;
        }
    }
    return have == need ? (ssize_t)need : -1;
}

static void hmac(const char *key, const uint8_t *msg, size_t n, uint8_t out[32])
{
    unsigned len = 32;
    cr_assert_not_null(HMAC(EVP_sha256(), key, (int)strlen(key), msg, n, out, &len));
}

/* A raw TCP connection that went through the whole handshake. */
static int tcp_auth_raw(int port, const char *key)
{
    int fd = tcp_connect_raw(port);
    uint8_t buf[256], dig[32];
    ssize_t n = recv_frame(fd, buf, sizeof buf);
    cr_assert_gt(n, 11);
    cr_assert_eq(memcmp(buf, "#CHALLENGE#", 11), 0);
    hmac(key, buf, (size_t)n, dig);
    send_frame(fd, dig, 32);
    n = recv_frame(fd, buf, sizeof buf);
    cr_assert(n == 9 && memcmp(buf, "#WELCOME#", 9) == 0, "not welcomed");
    uint8_t mine[11 + 32] = "#CHALLENGE#";
    for (int k = 0; k < 32; k++) mine[11 + k] = (uint8_t)rand();
    send_frame(fd, mine, sizeof mine);
    n = recv_frame(fd, buf, sizeof buf);
    hmac(key, mine, sizeof mine, dig);
    cr_assert(n == 32 && CRYPTO_memcmp(buf, dig, 32) == 0, "the server does not prove it knows the key");
    send_frame(fd, "#WELCOME#", 9);
    return fd;
}

static const uint8_t ping[] = {'i', 0, 0, 0, 0, 0, 0, 0, 1, 's', 0, 0, 0, 0};

Test(manager, tcp_handshake_by_hand, .timeout = 30)
{
    srand(tu_seed());
    mp_manager *srv = mp_manager_listen(NULL, 0, KEY);
    cr_assert_not_null(srv);
    int port = mp_manager_port(srv);
    /* An authenticated raw client gets its ping answered: status int 0. */
    int a = tcp_auth_raw(port, KEY);
    send_frame(a, ping, sizeof ping);
    uint8_t buf[64];
    ssize_t n = recv_frame(a, buf, sizeof buf);
    cr_assert_eq(n, 9);
    cr_assert_eq(buf[0], 'i');
    for (int k = 1; k < 9; k++) cr_assert_eq(buf[k], 0);
    /* Then a half frame: it stalls only itself. */
    int b = tcp_auth_raw(port, KEY);
    send_raw(b, half_frame, sizeof half_frame);
    mp_manager *c = mp_manager_connect(NULL, port, KEY);
    cr_assert_not_null(c);
    mp_dict *d = mp_manager_dict(c, "d");
    cr_assert_eq(mp_dict_set_int(d, "k", 1), 0);
    /* After authentication, a 4 GiB claim and garbage still close only their connection. */
    send_raw(a, claims_4gib, sizeof claims_4gib);
    cr_assert(closed_by_peer(a, 3), "4 GiB frame after auth not refused");
    int g = tcp_auth_raw(port, KEY);
    send_raw(g, garbage, sizeof garbage);
    cr_assert(closed_by_peer(g, 3), "garbage after auth not refused");
    cr_assert_eq(mp_dict_len(d), 1);
    close(a);
    close(b);
    close(g);
    /* A wrong answer to the challenge: FAILURE, then closed. */
    int w = tcp_connect_raw(port);
    n = recv_frame(w, buf, sizeof buf);
    cr_assert_gt(n, 11);
    uint8_t dig[32];
    hmac("not the key", buf, (size_t)n, dig);
    send_frame(w, dig, 32);
    n = recv_frame(w, buf, sizeof buf);
    cr_assert(n == 9 && memcmp(buf, "#FAILURE#", 9) == 0);
    cr_assert(closed_by_peer(w, 3));
    close(w);
    cr_assert_eq(mp_dict_len(d), 1);
    mp_dict_free(d);
    mp_manager_shutdown(c);
    mp_manager_shutdown(srv);
    tu_assert_no_children();
}

/* An impostor server that welcomes anyone but cannot answer the client's
 * challenge: the client must refuse it with EACCES. */
static int impostor(void *arg)
{
    int lfd = *(int *)arg;
    int fd = accept(lfd, NULL, NULL);
    if (fd < 0) return 1;
    uint8_t chal[11 + 32] = "#CHALLENGE#", buf[256], zero[32] = {0};
    uint32_t n = sizeof chal;
    uint8_t hdr[4] = {0, 0, 0, (uint8_t)n};
    if (send(fd, hdr, 4, MSG_NOSIGNAL) != 4 || send(fd, chal, n, MSG_NOSIGNAL) != (ssize_t)n) return 2;
    if (recv_frame(fd, buf, sizeof buf) != 32) return 3;
    uint8_t welcome[4 + 9] = {0, 0, 0, 9, '#', 'W', 'E', 'L', 'C', 'O', 'M', 'E', '#'};
    if (send(fd, welcome, sizeof welcome, MSG_NOSIGNAL) != (ssize_t)sizeof welcome) return 4;
    if (recv_frame(fd, buf, sizeof buf) <= 11) return 5;
    uint8_t dhdr[4] = {0, 0, 0, 32};
    if (send(fd, dhdr, 4, MSG_NOSIGNAL) != 4 || send(fd, zero, 32, MSG_NOSIGNAL) != 32) return 6;
    ssize_t r = recv_frame(fd, buf, sizeof buf);
    close(fd);
    return r == 9 && memcmp(buf, "#FAILURE#", 9) == 0 ? 0 : 7;
}

Test(manager, client_refuses_an_impostor, .timeout = 30)
{
    int lfd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    struct sockaddr_in a = {.sin_family = AF_INET};
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof a;
    cr_assert_eq(bind(lfd, (struct sockaddr *)&a, sizeof a), 0);
    cr_assert_eq(listen(lfd, 4), 0);
    cr_assert_eq(getsockname(lfd, (struct sockaddr *)&a, &len), 0);
    mp_process *p = mp_process_new(impostor, &lfd);
    cr_assert_eq(mp_process_start(p), 0);
    errno = 0;
    mp_manager *m = mp_manager_connect("127.0.0.1", ntohs(a.sin_port), KEY);
    int err = errno;
    cr_assert_null(m);
    cr_assert_eq(err, EACCES, "errno %d", err);
    cr_assert_eq(mp_process_join(p, 10), 0);
    cr_assert_eq(mp_process_exitcode(p), 0, "impostor saw %d", mp_process_exitcode(p));
    mp_process_free(p);
    close(lfd);
    tu_assert_no_children();
}

/* Values in many socket buffers' worth go through whole; one that cannot
 * fit a 16 MiB frame is refused before sending and the proxy stays usable. */
Test(manager, big_values, .timeout = 30)
{
    unsigned seed = tu_seed();
    srand(seed);
    size_t n = 3u << 20;
    uint8_t *big = malloc(n), *back = malloc(n);
    cr_assert(big && back);
    for (size_t k = 0; k < n; k++) big[k] = (uint8_t)rand();
    mp_manager *m = manager_open();
    mp_dict *d = mp_manager_dict(m, "big");
    cr_assert_eq(mp_dict_set_bytes(d, "blob", big, n), 0);
    cr_assert_eq(mp_dict_get_bytes(d, "blob", back, n), (ssize_t)n);
    cr_assert_eq(memcmp(big, back, n), 0, "seed %u", seed);
    cr_assert_eq(mp_dict_get_bytes(d, "blob", back, n - 1), -EMSGSIZE);
    free(back);
    uint8_t *huge = calloc(16u << 20, 1);
    cr_assert_not_null(huge);
    cr_assert_eq(mp_dict_set_bytes(d, "huge", huge, 16u << 20), -EMSGSIZE);
    cr_assert_eq(mp_dict_set_bytes(d, "huge", huge, (16u << 20) + 1), -EMSGSIZE);
    free(huge);
    cr_assert_eq(mp_dict_contains(d, "huge"), 0);
    cr_assert_eq(mp_dict_len(d), 1);
    free(big);
    mp_dict_free(d);
    manager_close(m);
}

/* Random streams (mostly small frames of random bytes) on the Unix socket,
 * each on its own connection: the server serves the real client after every one. */
Test(manager, random_streams_unix, .timeout = 60)
{
    unsigned seed = tu_seed();
    srand(seed);
    mp_manager *m = manager_open();
    char path[128];
    snprintf(path, sizeof path, "%s", mp_manager_socket_path(m));
    mp_dict *d = mp_manager_dict(m, "d");
    cr_assert_eq(mp_dict_set_int(d, "alive", 1), 0);
    uint8_t buf[2048];
    for (int round = 0; round < 40; round++) {
        size_t n = 1 + (size_t)rand() % sizeof buf;
        for (size_t k = 0; k < n; k++) buf[k] = (uint8_t)rand();
        for (size_t at = 0; at + 4 < n; at += 4 + (size_t)rand() % 40) { /* plausible frame headers */
            uint32_t len = (uint32_t)rand() % 48;
            buf[at] = 0, buf[at + 1] = 0, buf[at + 2] = (uint8_t)(len >> 8), buf[at + 3] = (uint8_t)len;
        }
        int fd = unix_connect_raw(path);
        (void)!send(fd, buf, n, MSG_NOSIGNAL); /* the server may hang up midway */
        close(fd);
        int64_t v = 0;
        cr_assert_eq(mp_dict_get_int(d, "alive", &v), 0, "round %d (seed %u)", round, seed);
        cr_assert_eq(v, 1);
    }
    mp_dict_free(d);
    manager_close(m);
}

/* Make path look untouched for a minute. */
static void age(const char *path)
{
    struct timespec t[2];
    clock_gettime(CLOCK_REALTIME, &t[0]);
    t[0].tv_sec -= 60;
    t[1] = t[0];
    cr_assert_eq(utimensat(AT_FDCWD, path, t, AT_SYMLINK_NOFOLLOW), 0);
}

/* What a manager killed together with its owner (SIGKILL to the group)
 * leaves: a directory with a socket nobody listens on. The next start
 * removes it, and leaves a live manager's directory alone. */
Test(manager, start_sweeps_dead_leftovers, .timeout = 20)
{
    const char *t = getenv("TMPDIR");
    char dead[90], sock[100];
    snprintf(dead, sizeof dead, "%s/forklab-mgr-XXXXXX", t && t[0] == '/' && strlen(t) < 60 ? t : "/tmp");
    cr_assert_not_null(mkdtemp(dead));
    snprintf(sock, sizeof sock, "%s/sock", dead);
    int fd = socket(AF_UNIX, SOCK_STREAM, 0);
    struct sockaddr_un a = {.sun_family = AF_UNIX};
    snprintf(a.sun_path, sizeof a.sun_path, "%s", sock);
    cr_assert_eq(bind(fd, (struct sockaddr *)&a, sizeof a), 0);
    close(fd); /* bound, never listening: connect is refused, as after a SIGKILL */
    age(dead);

    mp_manager *live = manager_open();
    char live_dir[128];
    dirname_of(mp_manager_socket_path(live), live_dir, sizeof live_dir);
    cr_assert(!path_exists(sock) && !path_exists(dead), "stale %s not swept", dead);
    age(live_dir);

    mp_manager *other = manager_open();
    cr_assert(path_exists(mp_manager_socket_path(live)), "a live manager's socket was removed");
    mp_dict *d = mp_manager_dict(live, "d");
    cr_assert_eq(mp_dict_set_int(d, "k", 1), 0);
    mp_dict_free(d);
    mp_manager_shutdown(other);
    mp_manager_shutdown(live);
    cr_assert(!path_exists(live_dir));
    tu_assert_no_children();
}
