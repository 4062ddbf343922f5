/* two.c — two children print one letter each; which comes first is up to
 * the scheduler (the controlled-run tests force both orders).
 * usage: two [MS]   each child first sleeps MS milliseconds (default 0) */
#include <mp.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

static int nap_ms;

static int say(void *arg)
{
    mp_trace_note("about to print");
    if (nap_ms > 0) usleep((useconds_t)nap_ms * 1000);
    printf("%s\n", (const char *)arg);
    return 0;
}

int main(int argc, char **argv)
{
    nap_ms = argc > 1 ? atoi(argv[1]) : 0;
    mp_process *a = mp_process_new(say, "A"), *b = mp_process_new(say, "B");
    if (!a || !b || mp_process_start(a) < 0 || mp_process_start(b) < 0) return 1;
    mp_process_join(a, MP_FOREVER);
    mp_process_join(b, MP_FOREVER);
    int rc = mp_process_exitcode(a) | mp_process_exitcode(b);
    mp_process_free(a);
    mp_process_free(b);
    return rc;
}
