/* A wrong 04-manager-dict: the parent fills the dict itself while the
 * workers it starts do nothing. test-grade requires it to FAIL. */
#include "exercise.h"

static int idle(void *p)
{
    (void)p;
    return 0;
}

int ex_manager_dict(mp_dict *d, const char *const *keys, const double *vals, size_t n, int nprocs)
{
    for (size_t i = 0; i < n; i++) mp_dict_set_double(d, keys[i], vals[i]);
    for (int w = 0; w < nprocs; w++) {
        mp_process *p = mp_process_new(idle, NULL);
        mp_process_start(p);
        mp_process_join(p, MP_FOREVER);
        mp_process_free(p);
    }
    return 0;
}
