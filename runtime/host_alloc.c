/* SPDX-License-Identifier: MIT */
/* A small cache of large freed blocks in front of the C allocator: blocks of at least
 * HOST_CACHE_MIN bytes go to a short list when freed (up to HOST_CACHE_BYTES in all) and come
 * back for a request of the same size. Small blocks go straight to malloc, whose own caches
 * serve them well. Not a general allocator: no splitting, no trimming beyond the bounds. */
#include "runtime/host_alloc.h"

#define HOST_CACHE_MIN   (1u << 20)          /* below this, glibc's heap does well */
#define HOST_CACHE_BYTES ((size_t) 256 << 20) /* most memory kept for reuse */
#define HOST_CACHE_SLOTS 16

typedef struct host_block {
    void *p;
    size_t n;
} host_block_t;

static pthread_mutex_t host_lock = PTHREAD_MUTEX_INITIALIZER;
static host_block_t host_cache[HOST_CACHE_SLOTS];
static size_t host_cached;

void *tact__host_alloc(size_t n)
{
    if (n >= HOST_CACHE_MIN) {
        pthread_mutex_lock(&host_lock);
        for (int i = 0; i < HOST_CACHE_SLOTS; i++) {
            /* The same size only: repeated steps ask for the same sizes again. */
            if (host_cache[i].p != NULL && host_cache[i].n == n) {
                void *p = host_cache[i].p;
                host_cache[i] = (host_block_t) { 0 };
                host_cached -= n;
                pthread_mutex_unlock(&host_lock);
                return p;
            }
        }
        pthread_mutex_unlock(&host_lock);
    }
    return tact__aligned_alloc(n);
}

void tact__host_free(void *p, size_t n)
{
    if (p == NULL)
        return;
    if (n >= HOST_CACHE_MIN && n <= HOST_CACHE_BYTES) {
        pthread_mutex_lock(&host_lock);
        /* Make room by dropping older blocks, then keep this one (the likeliest to return). */
        for (int i = 0; i < HOST_CACHE_SLOTS && host_cached + n > HOST_CACHE_BYTES; i++) {
            if (host_cache[i].p != NULL) {
                free(host_cache[i].p);
                host_cached -= host_cache[i].n;
                host_cache[i] = (host_block_t) { 0 };
            }
        }
        int slot = -1;
        for (int i = 0; i < HOST_CACHE_SLOTS && slot < 0; i++)
            slot = host_cache[i].p == NULL ? i : -1;
        if (slot < 0) {  /* full of blocks: replace the first */
            slot = 0;
            free(host_cache[0].p);
            host_cached -= host_cache[0].n;
        }
        host_cache[slot] = (host_block_t) { p, n };
        host_cached += n;
        pthread_mutex_unlock(&host_lock);
        return;
    }
    free(p);
}
