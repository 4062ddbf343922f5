/*
 * grow.h — the one array-growing helper of the pure core (model, wait-for
 * graph, MPI model). Inline so that the graders, which link model.o alone,
 * need no extra object.
 */
#ifndef FORKLAB_GROW_H
#define FORKLAB_GROW_H

#include <errno.h>
#include <stdlib.h>

/* Make room for need elements of elsize bytes in *arrp (a pointer to the
 * array pointer), doubling from 8; 0 | -ENOMEM (the array unchanged). */
static inline int core_grow(void *arrp, size_t *cap, size_t need, size_t elsize)
{
    void **arr = arrp;
    if (need <= *cap) return 0;
    size_t ncap = *cap ? *cap * 2 : 8;
    while (ncap < need) ncap *= 2;
    void *p = realloc(*arr, ncap * elsize);
    if (!p) return -ENOMEM;
    *arr = p;
    *cap = ncap;
    return 0;
}

#endif
