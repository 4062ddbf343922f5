/* 03-shared-array — solution: the lecture's example. The Array lives in
 * shared memory, so the child's writes are what the parent reads after
 * join. */
#include "exercise.h"

static int square_all(void *p)
{
    mp_array *arr = p;
    for (size_t i = 0; i < mp_array_len(arr); i++) {
        int64_t v;
        mp_array_get_i64(arr, i, &v);
        mp_array_set_i64(arr, i, v * v);
    }
    return 0;
}

int ex_shared_array(mp_array *arr)
{
    if (!arr) return -EINVAL;
    mp_process *p = mp_process_new(square_all, arr);
    if (!p) return -errno;
    int rc = mp_process_start(p);
    if (rc == 0) rc = mp_process_join(p, MP_FOREVER);
    if (rc == 0 && mp_process_exitcode(p) != 0) rc = -ECHILD;
    mp_process_free(p);
    return rc;
}
