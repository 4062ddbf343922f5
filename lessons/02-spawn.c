/* 02-spawn.c — the lecture's first Process: the main line and a child
 * each say who they are; the child's parent is the main line.
 *
 *     def info(title):
 *         print(title)
 *         print('module name:', __name__)
 *         print('parent process:', os.getppid())
 *         print('process id:', os.getpid())
 *
 *     def f(name):
 *         info('function f')
 *         print('hello', name)
 *
 *     info('main line')
 *     p = Process(target=f, args=('bob',))
 *     p.start(); p.join()
 *
 * C has no __name__: a program started as itself is always "__main__".
 */
#include <mp.h>
#include <stdio.h>
#include <unistd.h>

static void info(const char *title)
{
    printf("%s\n", title);
    printf("module name: __main__\n");
    printf("parent process: %d\n", (int)getppid());
    printf("process id: %d\n", (int)getpid());
}

static int f(void *arg)
{
    const char *name = arg;
    info("function f");
    printf("hello %s\n", name);
    mp_trace_note("child %d: my parent is %d", (int)getpid(), (int)getppid());
    return 0;
}

int main(void)
{
    info("main line");
    mp_process *p = mp_process_new(f, "bob");
    int r = p ? mp_process_start(p) : -1;
    if (r < 0) {
        fprintf(stderr, "start: %s\n", r == -1 ? "out of memory" : mp_strerror(r));
        mp_process_free(p);
        return 1;
    }
    mp_trace_note("started child %d", (int)mp_process_pid(p));
    mp_process_join(p, MP_FOREVER);
    int code = mp_process_exitcode(p);
    mp_process_free(p);
    return code == 0 ? 0 : 1;
}
