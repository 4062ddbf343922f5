/* crash.c — an example that goes wrong on purpose, for the e2e tests of
 * the live view: a child dies of SIGSEGV (the parent survives it); with
 * CRASH_MAIN set, the main program is then killed by SIGTERM itself.
 * No core files: RLIMIT_CORE is 0 first. */
#include <mp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <unistd.h>

static int crash(void *arg)
{
    (void)arg;
    printf("child %d about to crash\n", (int)getpid());
    fflush(stdout);
    raise(SIGSEGV);
    return 0;
}

int main(void)
{
    struct rlimit none = {0, 0};
    setrlimit(RLIMIT_CORE, &none);
    mp_process *p = mp_process_new(crash, NULL);
    if (!p || mp_process_start(p) < 0) return 1;
    mp_process_join(p, MP_FOREVER);
    printf("child exit code %d\n", mp_process_exitcode(p));
    mp_process_free(p);
    fflush(stdout);
    if (getenv("CRASH_MAIN")) raise(SIGTERM);
    return 0;
}
