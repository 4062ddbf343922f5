/* 05-shared-value.c — the Python docs' Value and Array example.
 *
 *     def f(n, a):
 *         n.value = 3.1415927
 *         for i in range(len(a)):
 *             a[i] = -a[i]
 *
 *     num = Value('d', 0.0)
 *     arr = Array('i', range(10))
 *     p = Process(target=f, args=(num, arr))
 *     p.start(); p.join()
 *     print(num.value)       # 3.1415927
 *     print(arr[:])          # [0, -1, -2, -3, -4, -5, -6, -7, -8, -9]
 *
 * Both live in shared memory made before the fork: the child's writes are
 * the parent's.
 */
#include <inttypes.h>
#include <math.h>
#include <mp.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

struct shared {
    mp_value *num;
    mp_array *arr;
};

static int f(void *arg)
{
    struct shared *s = arg;
    mp_trace_note("child %d writes num and negates arr", (int)getpid());
    mp_value_set_f64(s->num, 3.1415927);
    for (size_t i = 0; i < mp_array_len(s->arr); i++) {
        int64_t x;
        mp_array_get_i64(s->arr, i, &x);
        mp_array_set_i64(s->arr, i, -x);
    }
    return 0;
}

/* repr(float): the shortest digits that read back to the same double
 * (enough for the values printed here; integral values keep ".0"). */
static void print_float(double x)
{
    char buf[32];
    for (int prec = 1; prec <= 17; prec++) {
        snprintf(buf, sizeof buf, "%.*g", prec, x);
        if (strtod(buf, NULL) == x) break;
    }
    printf("%s%s\n", buf, fabs(x) < 1e16 && x == floor(x) ? ".0" : "");
}

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
    struct shared s = {mp_value_new('d'), mp_array_new('i', 10)}; /* Value('d', 0.0) is zeroed */
    if (!s.num || !s.arr) {
        perror("shared memory");
        return 1;
    }
    for (size_t i = 0; i < 10; i++) mp_array_set_i64(s.arr, i, (int64_t)i);
    mp_trace_note("Value('d', 0.0) and Array('i', range(10)) made before the fork");

    mp_process *p = mp_process_new(f, &s);
    int r = p ? mp_process_start(p) : -1;
    if (r == 0) r = mp_process_join(p, MP_FOREVER);
    int code = r == 0 ? mp_process_exitcode(p) : 1;
    mp_process_free(p);

    print_float(mp_value_get_f64(s.num));
    print_list(s.arr);
    mp_value_free(s.num);
    mp_array_free(s.arr);
    return code == 0 ? 0 : 1;
}
