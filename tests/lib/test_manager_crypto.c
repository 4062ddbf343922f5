/*
 * test_manager_crypto.c — libcrypto is loaded only when a TCP manager
 * needs it (HMAC), so a program that never makes one does not map it (nor
 * copy its page tables at every fork), and the HMAC handshake still works
 * once it is loaded. The facts are observed in a plain libmp program
 * (tests/lib/crypto_probe.c): this suite's own process maps libcrypto
 * through libcriterion.
 */
#include "testutil.h"

#include <mp.h>

/* $FORKLAB_BUILD (or $BUILD, or build)/tests/lib/crypto_probe */
static const char *probe_path(void)
{
    static char path[4096];
    const char *b = getenv("FORKLAB_BUILD");
    if (!b || !b[0]) b = getenv("BUILD");
    snprintf(path, sizeof path, "%s/tests/lib/crypto_probe", b && b[0] ? b : "build");
    return path;
}

/* The probe's whole output (at most cap - 1 bytes) and its exit status. */
static int run_probe(char *out, size_t cap)
{
    fflush(NULL);
    FILE *f = popen(probe_path(), "r");
    cr_assert_not_null(f, "popen %s: %s", probe_path(), strerror(errno));
    size_t n = fread(out, 1, cap - 1, f);
    out[n] = '\0';
    return pclose(f);
}

Test(manager_crypto, libcrypto_is_mapped_only_once_a_tcp_manager_is_made, .timeout = 60)
{
    cr_assert_eq(access(probe_path(), X_OK), 0, "%s is not built", probe_path());
    char out[1024];
    int st = run_probe(out, sizeof out);
    cr_assert(WIFEXITED(st) && WEXITSTATUS(st) == 0, "probe failed (status %d), printed:\n%s", st, out);
    cr_assert_str_eq(out,
                     "start 0\n"
                     "local 0\n"   /* processes and a local manager: no libcrypto */
                     "listen 1\n"  /* a TCP manager loads it */
                     "tcp 2.5\n"   /* a key holder gets in and is served */
                     "wrong EACCES\n",
                     "probe printed:\n%s", out);
}
