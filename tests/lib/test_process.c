/* test_process.c — Process: start, join, exit codes, names, signals. */
#include "testutil.h"

#include <mp.h>
#include <signal.h>
#include <unistd.h>

static int ret_arg(void *arg)
{
    return (int)(long)arg;
}

Test(process, exit_code_is_target_return, .timeout = 10)
{
    mp_process *p = mp_process_new(ret_arg, (void *)42L);
    cr_assert_not_null(p);
    cr_assert_eq(mp_process_exitcode(p), MP_EXIT_NONE);
    cr_assert_eq(mp_process_start(p), 0);
    cr_assert_gt(mp_process_pid(p), 0);
    cr_assert_eq(mp_process_join(p, MP_FOREVER), 0);
    cr_assert_eq(mp_process_exitcode(p), 42);
    cr_assert_eq(mp_process_start(p), -EALREADY);
    mp_process_free(p);
    tu_assert_no_children();
}
