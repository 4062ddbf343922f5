/* A wrong 03-shared-array: the right squares, computed by the parent;
 * the child it starts does nothing. test-grade requires it to FAIL. */
#include "exercise.h"

static int idle(void *p)
{
    (void)p;
    return 0;
}

int ex_shared_array(mp_array *arr)
{
    for (size_t i = 0; i < mp_array_len(arr); i++) {
        int64_t v;
        mp_array_get_i64(arr, i, &v);
        mp_array_set_i64(arr, i, v * v);
    }
    mp_process *p = mp_process_new(idle, NULL);
    mp_process_start(p);
    mp_process_join(p, MP_FOREVER);
    mp_process_free(p);
    return 0;
}
