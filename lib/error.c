/* error.c — names and messages of the errors libmp returns, from one table. */
#include "mp_private.h"

#include <limits.h>
#include <sched.h>
#include <string.h>
#include <unistd.h>

const char *mp_strerror(int err)
{
    if (err == 0) return "success";
    long code = -(long)err; /* INT_MIN has no int negation */
    switch (code) {
#define XX(code, msg) case code: return msg;
        MP_ERRNO_MAP(XX)
#undef XX
    default: break;
    }
    /* Not one of ours: the C library's text (static for known codes). */
    return code > 0 && code <= INT_MAX ? strerror((int)code) : "unknown error";
}

const char *mp_err_name(int err)
{
    if (err == 0) return "OK";
    long code = -(long)err;
    switch (code) {
#define XX(code, msg) case code: return #code;
        MP_ERRNO_MAP(XX)
#undef XX
    default: break;
    }
    const char *name = code > 0 && code <= INT_MAX ? strerrorname_np((int)code) : NULL;
    return name ? name : "EUNKNOWN";
}

int mp_cpu_count(void)
{
    cpu_set_t set;
    if (sched_getaffinity(0, sizeof set, &set) == 0) {
        int n = CPU_COUNT(&set);
        if (n > 0) return n;
    }
    long n = sysconf(_SC_NPROCESSORS_ONLN);
    return n > 0 ? (int)n : 1;
}
