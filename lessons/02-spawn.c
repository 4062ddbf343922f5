/* 02-spawn.c — the lecture's first Process: a child says hello with its PID
 * and its parent's PID. */
#include <mp.h>
#include <stdio.h>
#include <unistd.h>

static int hello(void *arg)
{
    const char *who = arg;
    printf("hello %s\n", who);
    printf("  module name: __main__\n");
    printf("  parent process: %d\n", (int)getppid());
    printf("  process id: %d\n", (int)getpid());
    return 0;
}

int main(void)
{
    printf("main line\n  parent process: %d\n  process id: %d\n", (int)getppid(), (int)getpid());
    mp_process *p = mp_process_new(hello, "bob");
    if (!p || mp_process_start(p) < 0) {
        perror("start");
        return 1;
    }
    mp_trace_note("started child %d", (int)mp_process_pid(p));
    mp_process_join(p, MP_FOREVER);
    int code = mp_process_exitcode(p);
    mp_process_free(p);
    return code;
}
