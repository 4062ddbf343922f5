/*
 * crypto_probe.c — a plain libmp program, linked the way lessons are
 * (LINK_MP), for test_manager_crypto: it prints, at each step, whether
 * libcrypto is mapped into it. A Criterion suite cannot look at itself
 * (libcriterion maps libcrypto), so the suite runs this program.
 *
 *   start N     before any libmp call
 *   local N     after a spawn+join and a local manager's dict set
 *   listen N    after mp_manager_listen (a TCP manager: HMAC needed)
 *   tcp V       a key holder's set and get through TCP (V the value read)
 *   wrong E     mp_manager_connect with a wrong key: the error's name
 */
#include "mp.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

static int crypto_mapped(void)
{
    FILE *f = fopen("/proc/self/maps", "r");
    if (!f) return -1;
    char line[512];
    int found = 0;
    while (!found && fgets(line, sizeof line, f)) found = strstr(line, "libcrypto") != NULL;
    fclose(f);
    return found;
}

static int noop(void *arg)
{
    (void)arg;
    return 0;
}

static int step_local(void)
{
    mp_process *p = mp_process_new(noop, NULL);
    if (!p || mp_process_start(p) < 0 || mp_process_join(p, MP_FOREVER) < 0) return -1;
    mp_process_free(p);
    mp_manager *m = mp_manager_start();
    if (!m) return -1;
    mp_dict *d = mp_manager_dict(m, "d");
    int r = d ? mp_dict_set_double(d, "x", 1.5) : -1;
    mp_dict_free(d);
    mp_manager_shutdown(m);
    return r;
}

int main(void)
{
    printf("start %d\n", crypto_mapped());
    if (step_local() < 0) return 1;
    printf("local %d\n", crypto_mapped());
    mp_manager *srv = mp_manager_listen("127.0.0.1", 0, "probe-key");
    if (!srv) return 1;
    printf("listen %d\n", crypto_mapped());
    int port = mp_manager_port(srv);
    mp_manager *c = mp_manager_connect("127.0.0.1", port, "probe-key");
    mp_dict *d = c ? mp_manager_dict(c, "d") : NULL;
    double v = 0;
    if (!d || mp_dict_set_double(d, "x", 2.5) < 0 || mp_dict_get_double(d, "x", &v) < 0) return 1;
    printf("tcp %g\n", v);
    mp_dict_free(d);
    mp_manager_shutdown(c);
    mp_manager *bad = mp_manager_connect("127.0.0.1", port, "not-the-key");
    printf("wrong %s\n", bad ? "connected" : mp_err_name(-errno));
    if (bad) mp_manager_shutdown(bad);
    mp_manager_shutdown(srv);
    return 0;
}
