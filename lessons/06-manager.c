/* 06-manager.c — the lecture's data manager:
 *
 *     def f(d):
 *         d['Apple'] = 0.70
 *         d['Orange'] = 1.20
 *
 *     with Manager() as manager:
 *         d = manager.dict()
 *         p = Process(target=f, args=(d,))
 *         p.start(); p.join()
 *         print(d)                      # {'Apple': 0.7, 'Orange': 1.2}
 *
 * The manager is a server process (SyncManager) that owns the dict; the
 * parent and the child each talk to it through their own socket.
 */
#include <mp.h>
#include <stdio.h>
#include <unistd.h>

static int f(void *arg)
{
    mp_dict *d = arg; /* the parent's proxy: this child gets its own connection on first use */
    mp_trace_note("child %d sets d['Apple'] and d['Orange']", (int)getpid());
    if (mp_dict_set_double(d, "Apple", 0.70) < 0 || mp_dict_set_double(d, "Orange", 1.20) < 0) return 1;
    return 0;
}

int main(void)
{
    mp_manager *manager = mp_manager_start();
    if (!manager) {
        perror("mp_manager_start");
        return 1;
    }
    mp_trace_note("manager server running as pid %d", (int)mp_manager_pid(manager));
    int rc = 1;
    mp_dict *d = mp_manager_dict(manager, "d");
    mp_process *p = d ? mp_process_new(f, d) : NULL;
    if (p && mp_process_start(p) == 0 && mp_process_join(p, 10.0) == 0 && mp_process_exitcode(p) == 0) {
        char text[256];
        int n = mp_dict_format(d, text, sizeof text);
        if (n >= 0) {
            printf("%s\n", text);
            mp_trace_note("the parent reads the dict back: %s", text);
            rc = 0;
        } else {
            fprintf(stderr, "mp_dict_format: %s\n", mp_strerror(n));
        }
    } else {
        fprintf(stderr, "the child could not fill the dict\n");
    }
    mp_process_free(p);
    mp_dict_free(d);
    mp_manager_shutdown(manager); /* the end of the with block: server stopped, socket removed */
    return rc;
}
