/* A 05-pipe-pingpong that does not compile (a missing semicolon).
 * test-grade requires BUILD ERROR with the compiler's first error, and
 * the exercises graded after it still graded. */
#include "exercise.h"

int ex_pipe_pingpong(int rounds, int64_t start, int64_t *final_out)
{
    int64_t v = start
    (void)rounds;
    *final_out = v;
    return 0;
}
