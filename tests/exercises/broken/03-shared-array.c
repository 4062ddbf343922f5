/* A crashing 03-shared-array: writes through a NULL pointer. test-grade
 * requires CRASH. */
#include "exercise.h"

int ex_shared_array(mp_array *arr)
{
    volatile int64_t *volatile p = NULL;
    if (arr) *p = 1;
    return 0;
}
