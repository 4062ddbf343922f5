/*
 * pool_arena.c — the parent's allocator for the pool's arena: the input
 * and output records of jobs too big for a job slot's inline bytes. Only
 * the parent allocates, so the free list is private memory: first fit,
 * sorted by offset, neighbours coalesced on release.
 */
#include "pool_private.h"

#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

/* ------------------------------------------------------------ arena (parent only) */

size_t mp__pool_align_up(size_t n)
{
    return (n + ARENA_ALIGN - 1) & ~(size_t)(ARENA_ALIGN - 1);
}

bool mp__pool_arena_alloc(mp_pool *p, size_t len, size_t *off)
{
    len = mp__pool_align_up(len);
    for (struct free_block **pp = &p->free_list; *pp; pp = &(*pp)->next) {
        struct free_block *b = *pp;
        if (b->len < len) continue;
        *off = b->off;
        b->off += len;
        b->len -= len;
        if (b->len == 0) {
            *pp = b->next;
            free(b);
        }
        return true;
    }
    return false;
}

void mp__pool_arena_release(mp_pool *p, size_t off, size_t len)
{
    len = mp__pool_align_up(len);
    struct free_block **pp = &p->free_list;
    while (*pp && (*pp)->off < off) pp = &(*pp)->next;
    struct free_block *next = *pp;
    /* Join the block before when it ends here. */
    struct free_block *prev = NULL;
    for (struct free_block *b = p->free_list; b && b->off < off; b = b->next) prev = b;
    if (prev && prev->off + prev->len == off) {
        prev->len += len;
        if (next && prev->off + prev->len == next->off) {
            prev->len += next->len;
            prev->next = next->next;
            free(next);
        }
        return;
    }
    if (next && off + len == next->off) {
        next->off = off;
        next->len += len;
        return;
    }
    struct free_block *b = malloc(sizeof *b);
    if (!b) return; /* the space is lost, nothing breaks */
    b->off = off;
    b->len = len;
    b->next = next;
    *pp = b;
}

void mp__pool_arena_free_list(mp_pool *p)
{
    while (p->free_list) {
        struct free_block *b = p->free_list;
        p->free_list = b->next;
        free(b);
    }
}

/* Pages of a big block go back to the system when it is freed (shared
 * anonymous pages stay resident until then); small blocks keep theirs,
 * so repeated maps do not pay page faults every time. */
void mp__pool_arena_give_back(mp_pool *p, size_t off, size_t len)
{
    if (len < RELEASE_BYTES) return;
    size_t page = (size_t)sysconf(_SC_PAGESIZE);
    size_t start = (off + page - 1) & ~(page - 1), end = (off + len) & ~(page - 1);
    if (end > start) madvise(p->arena + start, end - start, MADV_REMOVE);
}

