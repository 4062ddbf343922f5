/* A wrong 10-capstone: the right numbers, computed serially in the parent,
 * with one token task sent to the pool. test-grade requires it to FAIL. */
#include "exercise.h"

static void nothing(const void *in, void *out)
{
    *(int64_t *)out = *(const int64_t *)in;
}

int ex_capstone_pi(mp_pool *pool, uint64_t seed, int ntasks, int64_t samples, int64_t *hits_out,
                   double *pi_out)
{
    int64_t hits = 0, one = 1, back;
    mp_pool_apply(pool, nothing, &one, sizeof one, &back, sizeof back);
    for (int i = 0; i < ntasks; i++) {
        uint64_t st = seed + (uint64_t)i;
        for (int64_t k = 0; k < samples; k++) {
            double x = ex_rng_unit(&st), y = ex_rng_unit(&st);
            hits += x * x + y * y <= 1.0;
        }
    }
    *hits_out = hits;
    *pi_out = 4.0 * (double)hits / ((double)ntasks * (double)samples);
    return 0;
}
