/* A fork loop for 01-spawn: starts sleeping processes without end.
 * test-grade requires CRASH (too many processes), nothing left behind. */
#include "exercise.h"

#include <unistd.h>

static int sleeper(void *p)
{
    (void)p;
    for (;;) pause();
    return 0;
}

int ex_spawn(int n, pid_t *pids, pid_t *ppids)
{
    (void)n, (void)pids, (void)ppids;
    for (;;) {
        mp_process *p = mp_process_new(sleeper, NULL);
        if (p) mp_process_start(p); /* never freed: the handle would kill it */
        usleep(200);
    }
    return 0;
}
