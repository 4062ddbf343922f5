/* lockorder.c — two children take two locks; by default in opposite
 * orders (A: 1 then 2, B: 2 then 1), with the argument `fixed` both take
 * lock 1 first. No rendezvous: only some interleavings deadlock, which is
 * what `forklab explore` must find (tests/e2e/test_explore.sh). */
#include <mp.h>
#include <stdio.h>
#include <string.h>

static mp_lock *locks[2];
static int fixed;

static int worker(void *arg)
{
    int me = (int)(long)arg;
    mp_lock *first = locks[fixed ? 0 : me], *second = locks[fixed ? 1 : 1 - me];
    mp_lock_acquire(first, MP_FOREVER);
    mp_lock_acquire(second, MP_FOREVER);
    mp_lock_release(second);
    mp_lock_release(first);
    return 0;
}

int main(int argc, char **argv)
{
    fixed = argc > 1 && !strcmp(argv[1], "fixed");
    locks[0] = mp_lock_new();
    locks[1] = mp_lock_new();
    mp_process *p[2];
    for (long i = 0; i < 2; i++)
        if (!(p[i] = mp_process_new(worker, (void *)i)) || mp_process_start(p[i]) < 0) return 1;
    for (int i = 0; i < 2; i++) {
        mp_process_join(p[i], MP_FOREVER);
        mp_process_free(p[i]);
    }
    printf("both done\n");
    return 0;
}
