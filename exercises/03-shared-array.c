/*
 * Exercise 03-shared-array — square a shared Array in a child.
 *
 * Lecture:
 *     def f(a):
 *         for i in range(len(a)): a[i] = a[i] * a[i]
 *     arr = Array('i', range(10)); p = Process(target=f, args=(arr,))
 *     p.start(); p.join(); print(arr[:])
 *
 * Task: start ONE child process that squares every item of arr in place
 * (read with mp_array_get_i64, write with mp_array_set_i64 so the writes
 * show in the trace), wait for it, return 0. The parent must not do the
 * squaring itself: the grader checks who wrote each item.
 *
 * Build and grade:  make grade EX=03
 */
#include "exercise.h"

int ex_shared_array(mp_array *arr)
{
    /* TODO 1: a target function that squares arr[0 .. mp_array_len(arr)). */
    /* TODO 2: mp_process_new(target, arr), start it, join it. */
    /* TODO 3: check its exit code, free it, return 0. */
    (void)arr;
    return -ENOSYS;
}
