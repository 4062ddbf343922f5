/* 10-capstone — solution: one pool task per seed; each counts its hits,
 * the parent adds them. The seeds fix the result whatever the schedule. */
#include "exercise.h"

#include <stdlib.h>

struct pi_task {
    uint64_t seed;
    int64_t samples;
};

static void count_hits(const void *in, void *out)
{
    const struct pi_task *t = in;
    uint64_t state = t->seed;
    int64_t hits = 0;
    for (int64_t i = 0; i < t->samples; i++) {
        double x = ex_rng_unit(&state);
        double y = ex_rng_unit(&state);
        if (x * x + y * y <= 1.0) hits++;
    }
    *(int64_t *)out = hits;
}

int ex_capstone_pi(mp_pool *pool, uint64_t seed, int ntasks, int64_t samples, int64_t *hits_out,
                   double *pi_out)
{
    if (!pool || ntasks <= 0 || samples <= 0 || !hits_out || !pi_out) return -EINVAL;
    struct pi_task *tasks = calloc((size_t)ntasks, sizeof *tasks);
    int64_t *hits = calloc((size_t)ntasks, sizeof *hits);
    int rc = (tasks && hits) ? 0 : -ENOMEM;
    for (int i = 0; i < ntasks && rc == 0; i++) tasks[i] = (struct pi_task){seed + (uint64_t)i, samples};
    if (rc == 0)
        rc = mp_pool_map_chunked(pool, count_hits, tasks, (size_t)ntasks, sizeof *tasks, hits, sizeof *hits, 1);
    if (rc == 0) {
        int64_t total = 0;
        for (int i = 0; i < ntasks; i++) total += hits[i];
        *hits_out = total;
        *pi_out = 4.0 * (double)total / ((double)ntasks * (double)samples);
    }
    free(tasks);
    free(hits);
    return rc;
}
