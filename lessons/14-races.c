/* 14-races.c — a lost update: two processes add 1 twice to a shared Value.
 *
 *     def add(counter, locked):
 *         for _ in range(2):
 *             if locked:
 *                 with counter.get_lock():
 *                     counter.value = counter.value + 1
 *             else:
 *                 counter.value = counter.value + 1   # read, then write
 *
 *     counter = Value('i', 0)
 *     ps = [Process(target=add, args=(counter, locked)) for _ in range(2)]
 *     for p in ps: p.start()
 *     for p in ps: p.join()
 *     print('counter =', counter.value)
 *
 * "counter.value + 1" reads, then the assignment writes: in between the
 * other process may read the same old value, and one of the two updates
 * is lost. Run freely it nearly always prints 4; `forklab explore 14-races`
 * tries the interleavings and finds 2, 3 and 4, each with a schedule that
 * replays it. With the argument `locked` the read-modify-write holds the
 * Value's own lock (get_lock()): explore finds one outcome only.
 */
#include <mp.h>
#include <stdio.h>
#include <string.h>

static int locked;

static int add(void *arg)
{
    mp_value *counter = arg;
    mp_lock *lock = mp_value_get_lock(counter);
    for (int i = 0; i < 2; i++) {
        if (locked) mp_lock_acquire(lock, MP_FOREVER);
        int64_t x = mp_value_get_i64(counter); /* read ... */
        mp_value_set_i64(counter, x + 1);      /* ... then write: not one step */
        if (locked) mp_lock_release(lock);
    }
    return 0;
}

int main(int argc, char **argv)
{
    locked = argc > 1 && !strcmp(argv[1], "locked");
    mp_value *counter = mp_value_new('i');
    if (!counter) {
        perror("Value");
        return 1;
    }
    mp_process *ps[2];
    int rc = 0;
    for (int i = 0; i < 2; i++)
        if (!(ps[i] = mp_process_new(add, counter)) || mp_process_start(ps[i]) < 0) return 1;
    for (int i = 0; i < 2; i++) {
        if (mp_process_join(ps[i], MP_FOREVER) < 0 || mp_process_exitcode(ps[i]) != 0) rc = 1;
        mp_process_free(ps[i]);
    }
    printf("counter = %lld\n", (long long)mp_value_get_i64(counter));
    mp_value_free(counter);
    return rc;
}
