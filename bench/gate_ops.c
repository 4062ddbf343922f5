/* gate_ops.c — a controlled run's workload for bench/gate.sh: two
 * processes each read and write a shared value N times (argv[1], default
 * 1000), so a run is 4N operations plus a few for start, join and exit. */
#include <mp.h>
#include <stdio.h>
#include <stdlib.h>

static long n_ops = 1000;

static int work(void *arg)
{
    mp_value *v = arg;
    for (long i = 0; i < n_ops; i++) mp_value_set_i64(v, mp_value_get_i64(v) + 1);
    return 0;
}

int main(int argc, char **argv)
{
    if (argc > 1) n_ops = atol(argv[1]);
    mp_value *v = mp_value_new('q');
    mp_process *a = mp_process_new(work, v), *b = mp_process_new(work, v);
    if (!v || !a || !b || mp_process_start(a) < 0 || mp_process_start(b) < 0) return 1;
    mp_process_join(a, MP_FOREVER);
    mp_process_join(b, MP_FOREVER);
    printf("counter %lld of %ld\n", (long long)mp_value_get_i64(v), 2 * n_ops);
    mp_process_free(a);
    mp_process_free(b);
    mp_value_free(v);
    return 0;
}
