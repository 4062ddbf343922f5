/* 05-shared-array.c — the lecture's squared example: a child squares a
 * shared Array in place and the parent sees the result.
 *
 *     def square(arr):
 *         for i in range(len(arr)):
 *             arr[i] = arr[i] * arr[i]
 *
 *     arr = Array('i', range(10))
 *     p = Process(target=square, args=(arr,))
 *     p.start(); p.join()
 *     print(arr[:])          # [0, 1, 4, 9, 16, 25, 36, 49, 64, 81]
 *
 * The array lives in shared memory made before the fork, so the child's
 * writes land in the parent's array too (a plain C array would be copied).
 * mp_array_set_i64 is used instead of writing through the pointer so that
 * every write shows up live in the viewer.
 */
#include <inttypes.h>
#include <mp.h>
#include <stdio.h>
#include <unistd.h>

static int square(void *arg)
{
    mp_array *arr = arg;
    mp_trace_note("child %d squares the shared array in place", (int)getpid());
    for (size_t i = 0; i < mp_array_len(arr); i++) {
        int64_t x;
        mp_array_get_i64(arr, i, &x);
        mp_array_set_i64(arr, i, x * x);
    }
    return 0;
}

/* print(arr[:]) */
static void print_list(mp_array *arr)
{
    printf("[");
    for (size_t i = 0; i < mp_array_len(arr); i++) {
        int64_t x;
        mp_array_get_i64(arr, i, &x);
        printf("%s%" PRId64, i ? ", " : "", x);
    }
    printf("]\n");
}

int main(void)
{
    mp_array *arr = mp_array_new('i', 10); /* Array('i', range(10)) */
    if (!arr) {
        perror("mp_array_new");
        return 1;
    }
    for (size_t i = 0; i < 10; i++) mp_array_set_i64(arr, i, (int64_t)i);
    mp_trace_note("Array('i', range(10)) in shared memory");

    mp_process *p = mp_process_new(square, arr);
    int r = p ? mp_process_start(p) : -1;
    if (r == 0) r = mp_process_join(p, MP_FOREVER);
    int code = r == 0 ? mp_process_exitcode(p) : 1;
    mp_process_free(p);
    mp_trace_note("after join the parent sees the child's writes");
    print_list(arr);
    mp_array_free(arr);
    return code == 0 ? 0 : 1;
}
