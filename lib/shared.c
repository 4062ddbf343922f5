/*
 * shared.c — Value and Array: typed items in shared memory, each with its
 * own lock, as multiprocessing.Value / Array (typecodes of the array module).
 *
 * One mapping holds the header (lock, type, length) and the items, so a
 * handle made before fork is valid, at the same address, in every child.
 */
#include "mp_private.h"

#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

struct mp_array {
    struct mp_lock lock;
    uint64_t id;
    size_t len;      /* items */
    size_t map_size; /* bytes mapped, header included */
    char typecode;
    bool is_value;
    _Alignas(16) unsigned char data[];
};

/* A Value is a one-item array that reports itself as a value. */
struct mp_value {
    struct mp_array a;
};

size_t mp_typecode_size(char t)
{
    switch (t) {
    case 'b': case 'B': case 'c': return 1;
    case 'h': case 'H': return sizeof(short);
    case 'i': case 'I': return sizeof(int);
    case 'l': case 'L': return sizeof(long);
    case 'q': case 'Q': return sizeof(long long);
    case 'f': return sizeof(float);
    case 'd': return sizeof(double);
    default: return 0;
    }
}

static bool is_float(char t)
{
    return t == 'f' || t == 'd';
}

static mp_array *array_make(char typecode, size_t len, bool is_value)
{
    size_t item = mp_typecode_size(typecode);
    if (!item || len > (SIZE_MAX - sizeof(mp_array)) / item) {
        errno = item ? ENOMEM : EINVAL;
        return NULL;
    }
    size_t size = sizeof(mp_array) + item * len;
    mp_array *a = mp__shm_alloc(size); /* zero-filled by the kernel */
    if (!a) return NULL;
    int r = mp__lock_init(&a->lock, is_value ? "value" : "array");
    if (r) {
        mp__shm_free(a, size);
        errno = -r;
        return NULL;
    }
    a->id = mp__obj_id();
    a->len = len;
    a->map_size = size;
    a->typecode = typecode;
    a->is_value = is_value;
    MP__TRACE(is_value ? MP_EV_VALUE_NEW : MP_EV_ARRAY_NEW, a->id, typecode, (int64_t)len, NULL);
    return a;
}

static void array_destroy(mp_array *a)
{
    if (!a) return;
    mp__lock_destroy(&a->lock);
    mp__shm_free(a, a->map_size);
}

static void store_i64(mp_array *a, size_t i, int64_t x)
{
    unsigned char *p = a->data + i * mp_typecode_size(a->typecode);
    switch (a->typecode) {
    case 'b': *(signed char *)p = (signed char)x; break;
    case 'B': case 'c': *(unsigned char *)p = (unsigned char)x; break;
    case 'h': *(short *)p = (short)x; break;
    case 'H': *(unsigned short *)p = (unsigned short)x; break;
    case 'i': *(int *)p = (int)x; break;
    case 'I': *(unsigned *)p = (unsigned)x; break;
    case 'l': *(long *)p = (long)x; break;
    case 'L': *(unsigned long *)p = (unsigned long)x; break;
    case 'q': *(long long *)p = (long long)x; break;
    case 'Q': *(unsigned long long *)p = (unsigned long long)x; break;
    case 'f': *(float *)p = (float)x; break;
    case 'd': *(double *)p = (double)x; break;
    }
}

/* double -> int64 without undefined behaviour: NaN gives 0, out-of-range
 * values saturate (a C cast of those is undefined). */
static int64_t f64_to_i64(double x)
{
    if (isnan(x)) return 0;
    if (x >= 9223372036854775807.0) return INT64_MAX;
    if (x <= -9223372036854775808.0) return INT64_MIN;
    return (int64_t)x;
}

static void store_f64(mp_array *a, size_t i, double x)
{
    unsigned char *p = a->data + i * mp_typecode_size(a->typecode);
    if (a->typecode == 'f') *(float *)p = (float)x;
    else if (a->typecode == 'd') *(double *)p = x;
    else if ((a->typecode == 'Q' || a->typecode == 'L') && x >= 9223372036854775808.0)
        store_i64(a, i, x >= 18446744073709551615.0 ? -1 : (int64_t)(uint64_t)x);
    else store_i64(a, i, f64_to_i64(x));
}

static int64_t load_i64(const mp_array *a, size_t i)
{
    const unsigned char *p = a->data + i * mp_typecode_size(a->typecode);
    switch (a->typecode) {
    case 'b': return *(const signed char *)p;
    case 'B': case 'c': return *(const unsigned char *)p;
    case 'h': return *(const short *)p;
    case 'H': return *(const unsigned short *)p;
    case 'i': return *(const int *)p;
    case 'I': return *(const unsigned *)p;
    case 'l': return *(const long *)p;
    case 'L': return (int64_t) * (const unsigned long *)p;
    case 'q': return *(const long long *)p;
    case 'Q': return (int64_t) * (const unsigned long long *)p;
    case 'f': return f64_to_i64(*(const float *)p);
    case 'd': return f64_to_i64(*(const double *)p);
    }
    return 0;
}

static double load_f64(const mp_array *a, size_t i)
{
    const unsigned char *p = a->data + i * mp_typecode_size(a->typecode);
    if (a->typecode == 'f') return *(const float *)p;
    if (a->typecode == 'd') return *(const double *)p;
    if (a->typecode == 'Q' || a->typecode == 'L') return (double)(uint64_t)load_i64(a, i);
    return (double)load_i64(a, i);
}

/* Trace the item as it now is (a write, or a read: kind), printed as
 * Python would show it. */
static void trace_item(mp_array *a, size_t i, unsigned kind)
{
    char text[40];
    int64_t bits;
    if (is_float(a->typecode)) {
        double x = load_f64(a, i);
        memcpy(&bits, &x, sizeof bits);
        snprintf(text, sizeof text, "%.15g", x);
    } else {
        bits = load_i64(a, i);
        if (a->typecode == 'Q' || a->typecode == 'L')
            mp__trace_fmt_u64(text, (uint64_t)bits);
        else
            mp__trace_fmt_i64(text, bits);
    }
    mp__trace_emit(kind, a->id, (int64_t)i, bits, text);
}

/* Reads and writes through the API are steps of a controlled run, so a
 * read-modify-write race can be scheduled; their events come after. */
#define GATE_ITEM(a, i, gop) MP__GATE(gop, (a)->id, (int64_t)(i), 0)

/* ------------------------------------------------------------------ Value */

mp_value *mp_value_new(char typecode)
{
    return (mp_value *)array_make(typecode, 1, true);
}

void *mp_value_ptr(mp_value *v)
{
    return v ? v->a.data : NULL;
}

char mp_value_typecode(const mp_value *v)
{
    return v ? v->a.typecode : 0;
}

mp_lock *mp_value_get_lock(mp_value *v)
{
    return v ? &v->a.lock : NULL;
}

int mp_value_set_i64(mp_value *v, int64_t x)
{
    return v ? mp_array_set_i64(&v->a, 0, x) : -EINVAL;
}

int mp_value_set_f64(mp_value *v, double x)
{
    return v ? mp_array_set_f64(&v->a, 0, x) : -EINVAL;
}

/* Reads and writes through the API, traced: a step of a controlled run,
 * the access, then its event. Out of line, so the untraced access is one
 * test of the trace flag and the load or store (the value getters inline
 * read_*: a call to the exported array getter cannot be inlined in a
 * -fPIC build, measured +10 ns a get). */
__attribute__((noinline)) static int64_t read_i64_traced(mp_array *a, size_t i)
{
    GATE_ITEM(a, i, MP_GOP_MEM_READ);
    int64_t x = load_i64(a, i);
    trace_item(a, i, MP_EV_MEM_READ);
    return x;
}

__attribute__((noinline)) static double read_f64_traced(mp_array *a, size_t i)
{
    GATE_ITEM(a, i, MP_GOP_MEM_READ);
    double x = load_f64(a, i);
    trace_item(a, i, MP_EV_MEM_READ);
    return x;
}

static inline int64_t read_i64(mp_array *a, size_t i)
{
    return __builtin_expect(mp__trace_on, 0) ? read_i64_traced(a, i) : load_i64(a, i);
}

static inline double read_f64(mp_array *a, size_t i)
{
    return __builtin_expect(mp__trace_on, 0) ? read_f64_traced(a, i) : load_f64(a, i);
}

__attribute__((noinline)) static void write_i64_traced(mp_array *a, size_t i, int64_t x)
{
    GATE_ITEM(a, i, MP_GOP_MEM_WRITE);
    store_i64(a, i, x);
    trace_item(a, i, MP_EV_MEM_WRITE);
}

__attribute__((noinline)) static void write_f64_traced(mp_array *a, size_t i, double x)
{
    GATE_ITEM(a, i, MP_GOP_MEM_WRITE);
    store_f64(a, i, x);
    trace_item(a, i, MP_EV_MEM_WRITE);
}

int64_t mp_value_get_i64(mp_value *v)
{
    return v ? read_i64(&v->a, 0) : 0;
}

double mp_value_get_f64(mp_value *v)
{
    return v ? read_f64(&v->a, 0) : 0.0;
}

void mp_value_free(mp_value *v)
{
    array_destroy(v ? &v->a : NULL);
}

/* ------------------------------------------------------------------ Array */

mp_array *mp_array_new(char typecode, size_t len)
{
    return array_make(typecode, len, false);
}

void *mp_array_data(mp_array *a)
{
    return a ? a->data : NULL;
}

size_t mp_array_len(const mp_array *a)
{
    return a ? a->len : 0;
}

char mp_array_typecode(const mp_array *a)
{
    return a ? a->typecode : 0;
}

mp_lock *mp_array_get_lock(mp_array *a)
{
    return a ? &a->lock : NULL;
}

int mp_array_set_i64(mp_array *a, size_t i, int64_t x)
{
    if (!a) return -EINVAL;
    if (i >= a->len) return -ERANGE;
    if (__builtin_expect(mp__trace_on, 0)) write_i64_traced(a, i, x);
    else store_i64(a, i, x);
    return 0;
}

int mp_array_set_f64(mp_array *a, size_t i, double x)
{
    if (!a) return -EINVAL;
    if (i >= a->len) return -ERANGE;
    if (__builtin_expect(mp__trace_on, 0)) write_f64_traced(a, i, x);
    else store_f64(a, i, x);
    return 0;
}

int mp_array_get_i64(mp_array *a, size_t i, int64_t *out)
{
    if (!a || !out) return -EINVAL;
    if (i >= a->len) return -ERANGE;
    *out = read_i64(a, i);
    return 0;
}

int mp_array_get_f64(mp_array *a, size_t i, double *out)
{
    if (!a || !out) return -EINVAL;
    if (i >= a->len) return -ERANGE;
    *out = read_f64(a, i);
    return 0;
}

void mp_array_free(mp_array *a)
{
    array_destroy(a);
}
