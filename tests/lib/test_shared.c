/* test_shared.c — Value and Array: typecodes, zero fill, conversions,
 * bounds, their locks, and a child's writes seen by the parent. */
#include "testutil.h"

#include <limits.h>
#include <math.h>
#include <mp.h>
#include <mp_trace.h>
#include <stdint.h>
#include <string.h>
#include <unistd.h>

static const char CODES[] = "bBhHiIlLqQfdc";

/* The item sizes Python's array module gives each typecode on this ABI,
 * written as data (not the library's switch again), so a wrong mapping in
 * lib/shared.c shows up here. */
static const struct {
    char code;
    size_t size;
} SIZES[] = {
    {'b', sizeof(signed char)}, {'B', sizeof(unsigned char)}, {'c', sizeof(char)},
    {'h', sizeof(short)},       {'H', sizeof(unsigned short)}, {'i', sizeof(int)},
    {'I', sizeof(unsigned)},    {'l', sizeof(long)},           {'L', sizeof(unsigned long)},
    {'q', sizeof(long long)},   {'Q', sizeof(unsigned long long)},
    {'f', sizeof(float)},       {'d', sizeof(double)},
};

static size_t c_size(char t)
{
    for (size_t i = 0; i < sizeof SIZES / sizeof SIZES[0]; i++)
        if (SIZES[i].code == t) return SIZES[i].size;
    return 0;
}

Test(shared, every_typecode_zero_filled, .timeout = 10)
{
    for (const char *t = CODES; *t; t++) {
        cr_assert_eq(mp_typecode_size(*t), c_size(*t), "size of '%c'", *t);
        mp_array *a = mp_array_new(*t, 100);
        cr_assert_not_null(a, "Array('%c')", *t);
        cr_assert_eq(mp_array_len(a), 100);
        cr_assert_eq(mp_array_typecode(a), *t);
        const unsigned char *bytes = mp_array_data(a);
        for (size_t i = 0; i < 100 * c_size(*t); i++) cr_assert_eq(bytes[i], 0, "'%c' byte %zu", *t, i);
        mp_array_free(a);

        mp_value *v = mp_value_new(*t);
        cr_assert_not_null(v, "Value('%c')", *t);
        cr_assert_eq(mp_value_typecode(v), *t);
        cr_assert_eq(mp_value_get_i64(v), 0);
        cr_assert_eq(mp_value_get_f64(v), 0.0);
        mp_value_free(v);
    }
}

Test(shared, unknown_typecode, .timeout = 10)
{
    const char bad[] = "xzZ\0?u";
    for (size_t i = 0; i < sizeof bad - 1; i++) {
        cr_assert_eq(mp_typecode_size(bad[i]), 0);
        errno = 0;
        cr_assert_null(mp_array_new(bad[i], 4), "Array('%c')", bad[i]);
        cr_assert_eq(errno, EINVAL);
        errno = 0;
        cr_assert_null(mp_value_new(bad[i]));
        cr_assert_eq(errno, EINVAL);
    }
    errno = 0;
    cr_assert_null(mp_array_new('q', SIZE_MAX / 4), "an impossible size");
    cr_assert_neq(errno, 0);
}

Test(shared, typed_access_converts_like_c, .timeout = 10)
{
    mp_array *a = mp_array_new('B', 3);
    cr_assert_eq(mp_array_set_i64(a, 0, 300), 0);
    cr_assert_eq(mp_array_set_i64(a, 1, -1), 0);
    cr_assert_eq(mp_array_set_f64(a, 2, 7.9), 0);
    int64_t x;
    cr_assert_eq(mp_array_get_i64(a, 0, &x), 0);
    cr_assert_eq(x, 44);
    cr_assert_eq(mp_array_get_i64(a, 1, &x), 0);
    cr_assert_eq(x, 255);
    cr_assert_eq(mp_array_get_i64(a, 2, &x), 0);
    cr_assert_eq(x, 7);
    mp_array_free(a);

    mp_array *d = mp_array_new('d', 2);
    cr_assert_eq(mp_array_set_f64(d, 1, 2.5), 0);
    double f;
    cr_assert_eq(mp_array_get_f64(d, 1, &f), 0);
    cr_assert_eq(f, 2.5);
    cr_assert_eq(((double *)mp_array_data(d))[1], 2.5, "the setter writes the real item");
    cr_assert_eq(mp_array_get_i64(d, 1, &x), 0);
    cr_assert_eq(x, 2);
    mp_array_free(d);

    mp_value *q = mp_value_new('Q');
    cr_assert_eq(mp_value_set_i64(q, -1), 0);
    cr_assert_eq(*(unsigned long long *)mp_value_ptr(q), ULLONG_MAX);
    cr_assert_eq(mp_value_get_f64(q), 18446744073709551615.0, "unsigned read as unsigned");
    mp_value_free(q);

    mp_value *big = mp_value_new('q');
    cr_assert_eq(mp_value_set_f64(big, 1e300), 0);
    cr_assert_eq(mp_value_get_i64(big), INT64_MAX, "out-of-range doubles saturate");
    cr_assert_eq(mp_value_set_f64(big, -1e300), 0);
    cr_assert_eq(mp_value_get_i64(big), INT64_MIN);
    cr_assert_eq(mp_value_set_f64(big, NAN), 0);
    cr_assert_eq(mp_value_get_i64(big), 0);
    mp_value_free(big);
    mp_value *dv = mp_value_new('d');
    cr_assert_eq(mp_value_set_f64(dv, 1e300), 0);
    cr_assert_eq(mp_value_get_i64(dv), INT64_MAX);
    mp_value_free(dv);

    mp_value *h = mp_value_new('h');
    cr_assert_eq(mp_value_set_f64(h, -123.0), 0);
    cr_assert_eq(*(short *)mp_value_ptr(h), -123);
    mp_value_free(h);
}

Test(shared, bounds_and_null, .timeout = 10)
{
    mp_array *a = mp_array_new('i', 10);
    int64_t x;
    double f;
    cr_assert_eq(mp_array_set_i64(a, 10, 1), -ERANGE);
    cr_assert_eq(mp_array_set_f64(a, 99, 1), -ERANGE);
    cr_assert_eq(mp_array_get_i64(a, 10, &x), -ERANGE);
    cr_assert_eq(mp_array_get_f64(a, SIZE_MAX, &f), -ERANGE);
    cr_assert_eq(mp_array_get_i64(a, 0, NULL), -EINVAL);
    cr_assert_eq(mp_array_set_i64(NULL, 0, 1), -EINVAL);
    cr_assert_eq(mp_array_get_i64(NULL, 0, &x), -EINVAL);
    cr_assert_eq(mp_value_set_i64(NULL, 1), -EINVAL);
    cr_assert_eq(mp_value_set_f64(NULL, 1), -EINVAL);
    cr_assert_null(mp_array_data(NULL));
    cr_assert_null(mp_value_ptr(NULL));
    cr_assert_null(mp_array_get_lock(NULL));
    cr_assert_null(mp_value_get_lock(NULL));
    cr_assert_eq(mp_array_len(NULL), 0);
    mp_array_free(a);
    mp_array_free(NULL);
    mp_value_free(NULL);

    mp_array *empty = mp_array_new('d', 0);
    cr_assert_not_null(empty, "len 0 is allowed");
    cr_assert_eq(mp_array_len(empty), 0);
    cr_assert_eq(mp_array_set_f64(empty, 0, 1), -ERANGE);
    mp_array_free(empty);
}

Test(shared, each_object_has_its_own_lock, .timeout = 10)
{
    mp_value *v = mp_value_new('i');
    mp_array *a = mp_array_new('i', 4);
    mp_lock *lv = mp_value_get_lock(v), *la = mp_array_get_lock(a);
    cr_assert_not_null(lv);
    cr_assert_not_null(la);
    cr_assert_neq(lv, la);
    cr_assert_eq(mp_lock_acquire(lv, 0), 0);
    cr_assert_eq(mp_lock_acquire(la, 0), 0, "the array's lock is not the value's");
    cr_assert_eq(mp_lock_release(la), 0);
    cr_assert_eq(mp_lock_release(lv), 0);
    mp_value_free(v);
    mp_array_free(a);
}

/* ------------------------------------------------ across processes */

static mp_array *arr;
static mp_value *num;

/* The lecture's squared example: the child squares the array in place. */
static int square_in_place(void *arg)
{
    (void)arg;
    for (size_t i = 0; i < mp_array_len(arr); i++) {
        int64_t x;
        if (mp_array_get_i64(arr, i, &x) != 0) return 2;
        if (mp_array_set_i64(arr, i, x * x) != 0) return 3;
    }
    return 0;
}

Test(shared, child_writes_seen_after_join, .timeout = 10)
{
    arr = mp_array_new('i', 10);
    for (int i = 0; i < 10; i++) mp_array_set_i64(arr, (size_t)i, i);
    mp_process *p = mp_process_new(square_in_place, NULL);
    cr_assert_eq(mp_process_start(p), 0);
    cr_assert_eq(mp_process_join(p, 5), 0);
    cr_assert_eq(mp_process_exitcode(p), 0);
    const int *data = mp_array_data(arr);
    for (int i = 0; i < 10; i++) cr_assert_eq(data[i], i * i, "arr[%d] = %d", i, data[i]);
    mp_process_free(p);
    mp_array_free(arr);
    tu_assert_no_children();
}

/* The Python docs' Value/Array example. */
static int pi_and_negate(void *arg)
{
    (void)arg;
    mp_value_set_f64(num, 3.1415927);
    for (size_t i = 0; i < mp_array_len(arr); i++) {
        int64_t x;
        mp_array_get_i64(arr, i, &x);
        mp_array_set_i64(arr, i, -x);
    }
    return 0;
}

Test(shared, value_and_array_docs_example, .timeout = 10)
{
    num = mp_value_new('d');
    arr = mp_array_new('i', 10);
    for (int i = 0; i < 10; i++) mp_array_set_i64(arr, (size_t)i, i);
    mp_process *p = mp_process_new(pi_and_negate, NULL);
    cr_assert_eq(mp_process_start(p), 0);
    cr_assert_eq(mp_process_join(p, 5), 0);
    cr_assert_eq(mp_value_get_f64(num), 3.1415927);
    for (int i = 0; i < 10; i++) {
        int64_t x;
        mp_array_get_i64(arr, (size_t)i, &x);
        cr_assert_eq(x, -i);
    }
    mp_process_free(p);
    mp_value_free(num);
    mp_array_free(arr);
    tu_assert_no_children();
}

/* num.value += 1 under num's lock from 4 processes. */
static int add_under_value_lock(void *arg)
{
    (void)arg;
    mp_lock *l = mp_value_get_lock(num);
    for (int i = 0; i < 20000; i++) {
        if (mp_lock_acquire(l, 30) != 0) return 2;
        mp_value_set_i64(num, mp_value_get_i64(num) + 1);
        if (mp_lock_release(l) != 0) return 3;
    }
    return 0;
}

Test(shared, value_lock_guards_increments, .timeout = 60)
{
    num = mp_value_new('q');
    mp_process *ps[4];
    for (int i = 0; i < 4; i++) {
        ps[i] = mp_process_new(add_under_value_lock, NULL);
        cr_assert_eq(mp_process_start(ps[i]), 0);
    }
    for (int i = 0; i < 4; i++) {
        cr_assert_eq(mp_process_join(ps[i], 50), 0);
        cr_assert_eq(mp_process_exitcode(ps[i]), 0);
        mp_process_free(ps[i]);
    }
    cr_assert_eq(mp_value_get_i64(num), 80000);
    mp_value_free(num);
    tu_assert_no_children();
}

/* ------------------------------------------------------------ trace */

/* Writes through the setters are traced with index and printed value. */
Test(shared, trace_writes, .timeout = 10)
{
    struct mp_trace_ring *ring = mp_trace_ring_create(256);
    cr_assert_not_null(ring);
    cr_assert_eq(mp_trace_attach(ring), 0);
    mp_value *v = mp_value_new('d');
    mp_array *a = mp_array_new('i', 4);
    mp_value_set_f64(v, 3.1415927);
    mp_array_set_i64(a, 2, -9);
    ((int *)mp_array_data(a))[3] = 5; /* through the pointer: not traced */
    mp_trace_detach();
    mp_value_free(v);
    mp_array_free(a);

    struct mp_trace_event ev[256];
    size_t n = mp_trace_ring_read(ring, ev, 256);
    int writes = 0, arrays = 0, values = 0;
    for (size_t i = 0; i < n; i++) {
        if (ev[i].kind == MP_EV_ARRAY_NEW) {
            arrays++;
            cr_assert_eq(ev[i].a, 'i');
            cr_assert_eq(ev[i].b, 4);
        }
        values += ev[i].kind == MP_EV_VALUE_NEW;
        if (ev[i].kind != MP_EV_MEM_WRITE) continue;
        writes++;
        if (writes == 1) {
            cr_assert_eq(ev[i].a, 0);
            cr_assert_str_eq(ev[i].text, "3.1415927");
        } else {
            cr_assert_eq(ev[i].a, 2);
            cr_assert_eq(ev[i].b, -9);
            cr_assert_str_eq(ev[i].text, "-9");
        }
    }
    cr_assert_eq(values, 1);
    cr_assert_eq(arrays, 1);
    cr_assert_eq(writes, 2);
    mp_trace_ring_free(ring);
}
