/* spin.c — a child that never ends (a loop with no libmp operation), for
 * the explorer's per-run timeout (tests/e2e/test_explore.sh). The
 * explorer kills the whole run; nothing may survive it. */
#include <mp.h>
#include <stdio.h>

static int spin(void *arg)
{
    (void)arg;
    for (volatile unsigned long i = 0;; i++) {
    }
    return 0;
}

int main(void)
{
    mp_process *p = mp_process_new(spin, NULL);
    if (!p || mp_process_start(p) < 0) return 1;
    mp_process_join(p, MP_FOREVER);
    mp_process_free(p);
    return 0;
}
