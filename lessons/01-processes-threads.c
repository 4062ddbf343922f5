/* 01-processes-threads.c — processes and threads side by side.
 *
 * Two worker processes and two worker threads each report who they are.
 * Each process has its own PID (and the main program as its parent); the
 * threads all live inside the main program, so they share its PID and
 * differ only in their thread id. */
#include <mp.h>
#include <stdbool.h>
#include <stdint.h>
#include <pthread.h>
#include <stdio.h>
#include <sys/syscall.h>
#include <unistd.h>

#define NWORKERS 2

/* What each worker saw as its own pid. The processes write into shared
 * memory (a plain global would stay in their own copy); the threads can
 * write a plain global because they share the main program's memory. */
static mp_array *process_pids;
static pid_t thread_pids[NWORKERS];

static int process_worker(void *arg)
{
    int n = *(const int *)arg;
    printf("process worker %d: pid %d, parent pid %d\n", n, (int)getpid(), (int)getppid());
    mp_array_set_i64(process_pids, (size_t)n, getpid());
    mp_trace_note("process worker %d runs in its own process %d", n, (int)getpid());
    return 0;
}

static void *thread_worker(void *arg)
{
    int n = *(const int *)arg;
    /* gettid(): the kernel's id of this thread; getpid() is the process's */
    printf("thread worker %d: pid %d, thread id %ld\n", n, (int)getpid(), (long)syscall(SYS_gettid));
    thread_pids[n] = getpid();
    mp_trace_note("thread worker %d shares process %d", n, (int)getpid());
    return NULL;
}

static int run_processes(void)
{
    static int ids[NWORKERS];
    mp_process *p[NWORKERS] = {NULL};
    int rc = 0;
    for (int i = 0; i < NWORKERS; i++) {
        ids[i] = i;
        p[i] = mp_process_new(process_worker, &ids[i]);
        char name[32];
        snprintf(name, sizeof name, "process-worker-%d", i);
        if (p[i]) mp_process_set_name(p[i], name);
        if (!p[i] || mp_process_start(p[i]) < 0) {
            fprintf(stderr, "cannot start process worker %d\n", i);
            rc = 1;
            break;
        }
        /* one at a time, so the output stays in order */
        mp_process_join(p[i], MP_FOREVER);
        if (mp_process_exitcode(p[i]) != 0) rc = 1;
    }
    for (int i = 0; i < NWORKERS; i++) mp_process_free(p[i]);
    return rc;
}

static int run_threads(void)
{
    static int ids[NWORKERS];
    for (int i = 0; i < NWORKERS; i++) {
        pthread_t t;
        ids[i] = i;
        fflush(stdout);
        if (pthread_create(&t, NULL, thread_worker, &ids[i]) != 0) {
            fprintf(stderr, "cannot start thread worker %d\n", i);
            return 1;
        }
        pthread_join(t, NULL);
    }
    return 0;
}

/* Checks what the workers reported against the main program's pid. */
static void summarise(void)
{
    pid_t me = getpid();
    int own = 0, shared = 0;
    for (int i = 0; i < NWORKERS; i++) {
        int64_t pid = 0;
        mp_array_get_i64(process_pids, (size_t)i, &pid);
        bool unique = pid > 0 && pid != me;
        for (int j = 0; j < i; j++) {
            int64_t other = 0;
            mp_array_get_i64(process_pids, (size_t)j, &other);
            if (other == pid) unique = false;
        }
        own += unique;
        shared += thread_pids[i] == me;
    }
    printf("processes with a pid of their own: %d of %d\n", own, NWORKERS);
    printf("threads sharing the main program's pid: %d of %d\n", shared, NWORKERS);
}

int main(void)
{
    printf("main program: pid %d\n", (int)getpid());
    process_pids = mp_array_new('q', NWORKERS);
    if (!process_pids) {
        perror("mp_array_new");
        return 1;
    }
    mp_trace_note("main program %d starts %d processes, then %d threads", (int)getpid(), NWORKERS, NWORKERS);
    int rc = run_processes();
    rc |= run_threads();
    summarise();
    printf("processes: each has its own pid and memory; threads: one pid, shared memory\n");
    mp_array_free(process_pids);
    return rc;
}
