/* 13-address-spaces.c — a child process changes a global and the parent
 * does not see it; a thread changes it and the parent does.
 *
 * fork() gives the child a copy of the parent's address space: the same
 * virtual addresses, mapped copy-on-write. When the child writes to the
 * global, the kernel gives the child its own copy of that page, so one
 * address holds two different values in two processes. A thread has no
 * copy: it runs in the same address space, so its write is the parent's.
 */
#include <mp.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <unistd.h>

static int counter = 0;

/* The child reports back through shared memory: the address it saw and
 * the value it left there (a plain global could not carry them back). */
static mp_array *report;

static int child_changes_counter(void *arg)
{
    (void)arg;
    counter = 99;
    printf("child  (pid %d): set counter = %d at %p\n", (int)getpid(), counter, (void *)&counter);
    mp_trace_note("child %d wrote 99 into its own copy of counter", (int)getpid());
    mp_array_set_i64(report, 0, (int64_t)(uintptr_t)&counter);
    mp_array_set_i64(report, 1, counter);
    return 0;
}

static void *thread_changes_counter(void *arg)
{
    (void)arg;
    counter = 99;
    printf("thread (pid %d): set counter = %d at %p\n", (int)getpid(), counter, (void *)&counter);
    mp_trace_note("a thread wrote 99 into the one and only counter");
    return NULL;
}

static int with_a_process(void)
{
    mp_process *p = mp_process_new(child_changes_counter, NULL);
    if (p) mp_process_set_name(p, "child");
    if (!p || mp_process_start(p) < 0) {
        perror("start");
        mp_process_free(p);
        return 1;
    }
    mp_process_join(p, MP_FOREVER);
    int code = mp_process_exitcode(p);
    mp_process_free(p);
    int64_t child_addr = 0, child_value = 0;
    mp_array_get_i64(report, 0, &child_addr);
    mp_array_get_i64(report, 1, &child_value);
    printf("parent (pid %d): after the child, counter = %d at %p\n", (int)getpid(), counter, (void *)&counter);
    printf("same virtual address in child and parent: %s\n",
           (uintptr_t)child_addr == (uintptr_t)&counter ? "yes" : "no");
    printf("different values at that address: child %lld, parent %d\n", (long long)child_value, counter);
    mp_trace_note("the parent's counter is still %d: copy-on-write", counter);
    return code;
}

static int with_a_thread(void)
{
    pthread_t t;
    fflush(stdout);
    if (pthread_create(&t, NULL, thread_changes_counter, NULL) != 0) {
        fprintf(stderr, "cannot start a thread\n");
        return 1;
    }
    pthread_join(t, NULL);
    printf("parent (pid %d): after the thread, counter = %d at %p\n", (int)getpid(), counter, (void *)&counter);
    return 0;
}

int main(void)
{
    report = mp_array_new('q', 2);
    if (!report) {
        perror("mp_array_new");
        return 1;
    }
    printf("parent (pid %d): counter = %d at %p\n", (int)getpid(), counter, (void *)&counter);
    int rc = with_a_process();
    rc |= with_a_thread();
    mp_array_free(report);
    return rc;
}
