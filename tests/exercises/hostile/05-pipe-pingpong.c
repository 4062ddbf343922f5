/* Hostile 05-pipe-pingpong: the correct solution, which also leaves a POSIX
 * shared-memory segment (/dev/shm/pwned-by-exercise) behind. test-grade
 * requires PASS and no such segment on the machine afterwards. */
#include "exercise.h"
#include "hostile.h"

#include <fcntl.h>
#include <sys/mman.h>

#define ex_pipe_pingpong solution_pipe_pingpong
#include "../../../solutions/05-pipe-pingpong.c"
#undef ex_pipe_pingpong

int ex_pipe_pingpong(int rounds, int64_t start, int64_t *final_out)
{
    int fd = shm_open("/pwned-by-exercise", O_CREAT | O_RDWR, 0600);
    int ok = fd >= 0 && ftruncate(fd, 4096) == 0;
    fprintf(stderr, "hostile: shm_open /pwned-by-exercise: %s\n", ok ? "left behind" : strerror(errno));
    if (fd >= 0) close(fd); /* never shm_unlink()ed */
    return solution_pipe_pingpong(rounds, start, final_out);
}
