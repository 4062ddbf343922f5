/* test_errors.c — mp_strerror / mp_err_name from the one table, and
 * mp_cpu_count. */
#include "testutil.h"

#include <mp.h>
#include <limits.h>
#include <sched.h>
#include <string.h>

struct row {
    int code;
    const char *name;
    const char *msg;
};

static const struct row TABLE[] = {
#define XX(code, msg) {code, #code, msg},
    MP_ERRNO_MAP(XX)
#undef XX
};

Test(errors, every_code_has_its_name_and_message, .timeout = 10)
{
    size_t n = sizeof TABLE / sizeof TABLE[0];
    cr_assert_geq(n, 20);
    for (size_t i = 0; i < n; i++) {
        cr_assert_str_eq(mp_strerror(-TABLE[i].code), TABLE[i].msg);
        cr_assert_str_eq(mp_err_name(-TABLE[i].code), TABLE[i].name);
    }
}

Test(errors, the_ones_libmp_returns, .timeout = 10)
{
    cr_assert_str_eq(mp_err_name(-ETIMEDOUT), "ETIMEDOUT");
    cr_assert_str_eq(mp_err_name(-EOWNERDEAD), "EOWNERDEAD");
    cr_assert_str_eq(mp_err_name(-EMSGSIZE), "EMSGSIZE");
    cr_assert_str_eq(mp_strerror(-ETIMEDOUT), "timed out");
    cr_assert_str_eq(mp_strerror(-EPIPE), "peer closed the connection");
}

Test(errors, zero_and_unknown_codes, .timeout = 10)
{
    cr_assert_str_eq(mp_strerror(0), "success");
    cr_assert_str_eq(mp_err_name(0), "OK");
    /* Not in the table: the C library's text and name. */
    cr_assert_str_eq(mp_strerror(-EBADF), strerror(EBADF));
    cr_assert_str_eq(mp_err_name(-EBADF), "EBADF");
    cr_assert_str_eq(mp_err_name(-EDEADLK), "EDEADLK");
    /* Nonsense still gives text, never NULL. */
    const int odd[] = {1, 42, -99999, -2147483647, 2147483647};
    for (size_t i = 0; i < sizeof odd / sizeof odd[0]; i++) {
        cr_assert_not_null(mp_strerror(odd[i]));
        cr_assert_not_null(mp_err_name(odd[i]));
        cr_assert_gt(strlen(mp_strerror(odd[i])), 0);
    }
    cr_assert_str_eq(mp_err_name(-99999), "EUNKNOWN");
    /* INT_MIN has no negation in int: the fuzzer found -INT_MIN taken here
     * (undefined, caught by UBSan). Unknown, not a crash. */
    cr_assert_str_eq(mp_strerror(INT_MIN), "unknown error");
    cr_assert_str_eq(mp_err_name(INT_MIN), "EUNKNOWN");
}

Test(errors, cpu_count_is_the_affinity_mask, .timeout = 10)
{
    cpu_set_t set;
    cr_assert_eq(sched_getaffinity(0, sizeof set, &set), 0);
    cr_assert_geq(mp_cpu_count(), 1);
    cr_assert_eq(mp_cpu_count(), CPU_COUNT(&set));
    /* Pinned to one CPU, it says 1 (as os.sched_getaffinity would). */
    cpu_set_t one;
    CPU_ZERO(&one);
    for (int c = 0; c < CPU_SETSIZE; c++)
        if (CPU_ISSET(c, &set)) {
            CPU_SET(c, &one);
            break;
        }
    cr_assert_eq(sched_setaffinity(0, sizeof one, &one), 0);
    cr_assert_eq(mp_cpu_count(), 1);
    sched_setaffinity(0, sizeof set, &set);
}
