/* test_process.c — Process: start, join, exit codes, names, signals, and
 * what a child must not inherit (atexit handlers, unflushed stdio). */
#include "testutil.h"

#include <mp.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static int ret_arg(void *arg)
{
    return (int)(long)arg;
}

static int sleep_long(void *arg)
{
    (void)arg;
    sleep(30);
    return 0;
}

Test(process, exit_code_is_target_return, .timeout = 10)
{
    mp_process *p = mp_process_new(ret_arg, (void *)42L);
    cr_assert_not_null(p);
    cr_assert_eq(mp_process_exitcode(p), MP_EXIT_NONE);
    cr_assert_eq(mp_process_pid(p), 0);
    cr_assert_eq(mp_process_start(p), 0);
    cr_assert_gt(mp_process_pid(p), 0);
    cr_assert_eq(mp_process_join(p, MP_FOREVER), 0);
    cr_assert_eq(mp_process_exitcode(p), 42);
    cr_assert_eq(mp_process_join(p, 0), 0, "joining an ended process again is fine");
    cr_assert_eq(mp_process_start(p), -EALREADY);
    mp_process_free(p);
    tu_assert_no_children();
}

static int call_exit(void *arg)
{
    (void)arg;
    exit(7);
}

static int call_abort(void *arg)
{
    (void)arg;
    signal(SIGABRT, SIG_DFL);
    abort();
}

Test(process, exit_n_and_signals_give_python_codes, .timeout = 10)
{
    mp_process *e = mp_process_new(call_exit, NULL);
    mp_process *a = mp_process_new(call_abort, NULL);
    cr_assert_eq(mp_process_start(e), 0);
    cr_assert_eq(mp_process_start(a), 0);
    cr_assert_eq(mp_process_join(e, 5), 0);
    cr_assert_eq(mp_process_join(a, 5), 0);
    cr_assert_eq(mp_process_exitcode(e), 7);
    cr_assert_eq(mp_process_exitcode(a), -SIGABRT);
    mp_process_free(e);
    mp_process_free(a);
    tu_assert_no_children();
}

Test(process, kill_running_child, .timeout = 10)
{
    mp_process *p = mp_process_new(sleep_long, NULL);
    cr_assert_eq(mp_process_start(p), 0);
    cr_assert(mp_process_is_alive(p));
    cr_assert_eq(mp_process_exitcode(p), MP_EXIT_NONE, "no exit code while it runs");
    cr_assert_eq(mp_process_kill(p), 0);
    cr_assert_eq(mp_process_join(p, 5), 0);
    cr_assert_not(mp_process_is_alive(p));
    cr_assert_eq(mp_process_exitcode(p), -SIGKILL);
    cr_assert_eq(mp_process_terminate(p), -ESRCH, "it has ended");
    cr_assert_eq(mp_process_kill(p), -ESRCH);
    mp_process_free(p);
    tu_assert_no_children();
}

Test(process, join_timeout, .timeout = 10)
{
    mp_process *p = mp_process_new(sleep_long, NULL);
    cr_assert_eq(mp_process_start(p), 0);
    double t0 = tu_now();
    cr_assert_eq(mp_process_join(p, 0.1), -ETIMEDOUT);
    double dt = tu_now() - t0;
    cr_assert(dt >= 0.05 && dt < 2.0, "a 0.1 s join waited %.3f s", dt);
    cr_assert_eq(mp_process_join(p, 0), -ETIMEDOUT);
    cr_assert(mp_process_is_alive(p));
    cr_assert_eq(mp_process_terminate(p), 0);
    cr_assert_eq(mp_process_join(p, 5), 0);
    cr_assert_eq(mp_process_exitcode(p), -SIGTERM);
    mp_process_free(p);
    tu_assert_no_children();
}

static int nap_then_seven(void *arg)
{
    (void)arg;
    usleep(300 * 1000);
    return 7;
}

/* A timed join that times out, then a forever join (one blocking waitpid),
 * then joins of the joined process: all agree, no zombie is left. */
Test(process, timed_then_forever_join, .timeout = 10)
{
    mp_process *p = mp_process_new(nap_then_seven, NULL);
    cr_assert_eq(mp_process_start(p), 0);
    cr_assert(mp_process_is_alive(p));
    cr_assert_eq(mp_process_join(p, 0.01), -ETIMEDOUT);
    cr_assert_eq(mp_process_exitcode(p), MP_EXIT_NONE);
    double t0 = tu_now();
    cr_assert_eq(mp_process_join(p, MP_FOREVER), 0);
    cr_assert(tu_now() - t0 >= 0.1, "the forever join waited for the end");
    cr_assert_eq(mp_process_exitcode(p), 7);
    cr_assert_eq(mp_process_join(p, MP_FOREVER), 0);
    cr_assert_eq(mp_process_join(p, 0.5), 0);
    cr_assert_not(mp_process_is_alive(p));
    cr_assert_eq(mp_process_terminate(p), -ESRCH);
    mp_process_free(p);
    tu_assert_no_children();
}

/* A forever join straight after start, and one of a child that a signal
 * ended, keep Python's exit codes. */
Test(process, forever_join_exit_codes, .timeout = 10)
{
    mp_process *p = mp_process_new(ret_arg, (void *)42L);
    cr_assert_eq(mp_process_start(p), 0);
    cr_assert_eq(mp_process_join(p, MP_FOREVER), 0);
    cr_assert_eq(mp_process_exitcode(p), 42);
    mp_process_free(p);
    p = mp_process_new(sleep_long, NULL);
    cr_assert_eq(mp_process_start(p), 0);
    cr_assert_eq(mp_process_kill(p), 0);
    cr_assert_eq(mp_process_join(p, MP_FOREVER), 0);
    cr_assert_eq(mp_process_exitcode(p), -SIGKILL);
    mp_process_free(p);
    tu_assert_no_children();
}

static int check_parent(void *arg)
{
    return getppid() == *(pid_t *)arg ? 0 : 1;
}

Test(process, child_parent_is_us, .timeout = 10)
{
    pid_t me = getpid();
    mp_process *p = mp_process_new(check_parent, &me);
    cr_assert_eq(mp_process_start(p), 0);
    cr_assert_neq(mp_process_pid(p), me);
    cr_assert_eq(mp_process_join(p, 5), 0);
    cr_assert_eq(mp_process_exitcode(p), 0, "the child's getppid() is not our pid");
    mp_process_free(p);
    tu_assert_no_children();
}

Test(process, free_running_leaves_no_zombie, .timeout = 10)
{
    mp_process *p = mp_process_new(sleep_long, NULL);
    cr_assert_eq(mp_process_start(p), 0);
    pid_t pid = mp_process_pid(p);
    mp_process_free(p);
    cr_assert_eq(kill(pid, 0), -1, "the child still exists");
    cr_assert_eq(errno, ESRCH);
    tu_assert_no_children();
}

Test(process, hundred_children_exit_zero, .timeout = 60)
{
    mp_process *ps[100];
    for (int i = 0; i < 100; i++) {
        ps[i] = mp_process_new(ret_arg, (void *)0L);
        cr_assert_eq(mp_process_start(ps[i]), 0, "start %d", i);
    }
    for (int i = 0; i < 100; i++) {
        cr_assert_eq(mp_process_join(ps[i], 20), 0);
        cr_assert_eq(mp_process_exitcode(ps[i]), 0, "child %d", i);
        mp_process_free(ps[i]);
    }
    tu_assert_no_children();
}

Test(process, hundred_children_terminated, .timeout = 60)
{
    mp_process *ps[100];
    for (int i = 0; i < 100; i++) {
        ps[i] = mp_process_new(sleep_long, NULL);
        cr_assert_eq(mp_process_start(ps[i]), 0, "start %d", i);
    }
    for (int i = 0; i < 100; i++) cr_assert_eq(mp_process_terminate(ps[i]), 0);
    for (int i = 0; i < 100; i++) {
        cr_assert_eq(mp_process_join(ps[i], 20), 0);
        cr_assert_eq(mp_process_exitcode(ps[i]), -SIGTERM, "child %d", i);
        mp_process_free(ps[i]);
    }
    tu_assert_no_children();
}

/* ---------------------------------- what the child must not do twice */

static int atexit_fd = -1;

static void parent_atexit(void)
{
    if (atexit_fd >= 0) (void)!write(atexit_fd, "A", 1);
}

static int write_child_line(void *arg)
{
    fputs("child\n", (FILE *)arg);
    return 0; /* returning must not flush the parent's buffered line again */
}

Test(process, stdio_and_atexit_not_repeated_by_child, .timeout = 10)
{
    char path[] = "/tmp/forklab-test-stdio-XXXXXX";
    int fd = mkstemp(path);
    cr_assert_geq(fd, 0);
    unlink(path);
    FILE *f = fdopen(dup(fd), "w");
    cr_assert_not_null(f);
    setvbuf(f, NULL, _IOFBF, 4096);
    fputs("parent\n", f); /* buffered, not flushed by us */

    int fds[2];
    cr_assert_eq(pipe(fds), 0);
    atexit_fd = fds[1];
    atexit(parent_atexit);

    mp_process *p = mp_process_new(write_child_line, f);
    cr_assert_eq(mp_process_start(p), 0);
    cr_assert_eq(mp_process_join(p, 5), 0);
    cr_assert_eq(mp_process_exitcode(p), 0);
    mp_process_free(p);
    atexit_fd = -1;
    close(fds[1]);
    char c;
    cr_assert_eq(read(fds[0], &c, 1), 0, "the child ran the parent's atexit handler");
    close(fds[0]);

    fclose(f);
    char buf[64] = {0};
    ssize_t n = pread(fd, buf, sizeof buf - 1, 0);
    close(fd);
    cr_assert_gt(n, 0);
    cr_assert_str_eq(buf, "parent\nchild\n", "file holds \"%s\"", buf);
    tu_assert_no_children();
}

/* The child gets the parent's signal mask (mp__fork blocks every signal
 * only while it forks), and the parent's mask is unchanged after. */
static int check_mask(void *arg)
{
    (void)arg;
    sigset_t now;
    pthread_sigmask(SIG_SETMASK, NULL, &now);
    return sigismember(&now, SIGUSR1) == 1 && sigismember(&now, SIGUSR2) == 0 ? 0 : 1;
}

Test(process, signal_mask_inherited_as_is, .timeout = 10)
{
    sigset_t usr1, before, after;
    sigemptyset(&usr1);
    sigaddset(&usr1, SIGUSR1);
    pthread_sigmask(SIG_BLOCK, &usr1, &before);
    mp_process *p = mp_process_new(check_mask, NULL);
    cr_assert_eq(mp_process_start(p), 0);
    pthread_sigmask(SIG_SETMASK, NULL, &after);
    cr_assert_eq(sigismember(&after, SIGUSR1), 1);
    cr_assert_eq(sigismember(&after, SIGUSR2), 0, "the parent's mask must be restored");
    cr_assert_eq(mp_process_join(p, 5), 0);
    cr_assert_eq(mp_process_exitcode(p), 0, "the child's mask differs from the parent's");
    mp_process_free(p);
    pthread_sigmask(SIG_SETMASK, &before, NULL);
    tu_assert_no_children();
}

/* ------------------------------------------------------ names, input */

Test(process, names, .timeout = 10)
{
    mp_process *p = mp_process_new(ret_arg, NULL);
    cr_assert_eq(strncmp(mp_process_name(p), "Process-", 8), 0, "default name %s", mp_process_name(p));
    cr_assert_gt(atoi(mp_process_name(p) + 8), 0);
    cr_assert_eq(mp_process_set_name(p, "worker"), 0);
    cr_assert_str_eq(mp_process_name(p), "worker");
    char longname[64];
    memset(longname, 'x', sizeof longname - 1);
    longname[63] = 0;
    cr_assert_eq(mp_process_set_name(p, longname), 0);
    cr_assert_eq(strlen(mp_process_name(p)), 31);
    cr_assert_eq(mp_process_set_name(p, NULL), -EINVAL);
    cr_assert_eq(mp_process_set_name(NULL, "x"), -EINVAL);
    mp_process_free(p);
}

Test(process, bad_input, .timeout = 10)
{
    errno = 0;
    cr_assert_null(mp_process_new(NULL, NULL));
    cr_assert_eq(errno, EINVAL);
    mp_process *p = mp_process_new(ret_arg, NULL);
    cr_assert_eq(mp_process_join(p, 0), -EINVAL, "never started");
    cr_assert_eq(mp_process_terminate(p), -EINVAL);
    cr_assert_eq(mp_process_kill(p), -EINVAL);
    cr_assert_not(mp_process_is_alive(p));
    cr_assert_eq(mp_process_start(NULL), -EINVAL);
    cr_assert_eq(mp_process_join(NULL, 0), -EINVAL);
    cr_assert_eq(mp_process_terminate(NULL), -EINVAL);
    cr_assert_eq(mp_process_pid(NULL), 0);
    cr_assert_eq(mp_process_exitcode(NULL), MP_EXIT_NONE);
    cr_assert_not(mp_process_is_alive(NULL));
    cr_assert_null(mp_process_name(NULL));
    mp_process_free(p);
    mp_process_free(NULL);
}
