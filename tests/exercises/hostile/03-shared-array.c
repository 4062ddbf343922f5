/* Hostile 03-shared-array: the correct solution, which also writes
 * /tmp/pwned-by-exercise and a file inside the tree's exercises/.
 * test-grade requires PASS (containment does not break correct code) and
 * neither file on the machine afterwards. */
#include "exercise.h"
#include "hostile.h"

#define ex_shared_array solution_shared_array
#include "../../../solutions/03-shared-array.c"
#undef ex_shared_array

int ex_shared_array(mp_array *arr)
{
    hostile_write("/tmp/pwned-by-exercise");
    const char *tree = getenv("FORKLAB_HOSTILE_TREE");
    char path[4096];
    snprintf(path, sizeof path, "%s/exercises/pwned-by-exercise", tree ? tree : ".");
    hostile_write(path);
    return solution_shared_array(arr);
}
