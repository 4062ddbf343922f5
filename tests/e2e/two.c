/* two.c — two children print one letter each; which comes first is up to
 * the scheduler (the controlled-run tests force both orders). */
#include <mp.h>
#include <stdio.h>

static int say(void *arg)
{
    mp_trace_note("about to print");
    printf("%s\n", (const char *)arg);
    return 0;
}

int main(void)
{
    mp_process *a = mp_process_new(say, "A"), *b = mp_process_new(say, "B");
    if (!a || !b || mp_process_start(a) < 0 || mp_process_start(b) < 0) return 1;
    mp_process_join(a, MP_FOREVER);
    mp_process_join(b, MP_FOREVER);
    int rc = mp_process_exitcode(a) | mp_process_exitcode(b);
    mp_process_free(a);
    mp_process_free(b);
    return rc;
}
