/* SPDX-License-Identifier: MIT */
/* A small cache of large freed blocks in front of the C allocator: blocks of at least
 * HOST_CACHE_MIN bytes go to a short list when freed (up to HOST_CACHE_BYTES in all) and come
 * back for a request of the same size. Small blocks go straight to malloc, whose own caches
 * serve them well. Not a general allocator: no splitting, no trimming beyond the bounds.
 * Beside it, the pool of pinned blocks for tensors that cross to or from a GPU
 * (tact__host_alloc_pinned): made by the pinned allocator a GPU backend installed, kept when
 * freed, and reused for any request they fit.
 *
 * Every large block starts with a header line (64 bytes, keeping the data aligned) that says
 * where it came from, the C allocator or the pinned pool, so a block always goes back to its
 * own source. The pinned allocator is called outside the lock: cudaHostAlloc is slow and
 * cudaFreeHost waits for the device, and neither may stall other threads' allocations. */
#include "runtime/base/host_alloc.h"

#include <sys/sysinfo.h>

#define HOST_CACHE_MIN   (1u << 20)          /* below this, glibc's heap does well */
#define HOST_CACHE_BYTES ((size_t) 256 << 20) /* most memory kept for reuse */
#define HOST_CACHE_SLOTS 16
#define HOST_POOL_SLOTS  64                  /* free pinned blocks kept */
#define HOST_HEADER      64
#define HOST_MAGIC       0x686f7374626c6b31ull /* "hostblk1" */

typedef struct host_header {
    uint64_t magic;
    bool pinned;
    size_t cap;                   /* pinned: the bytes after the header (a reused block's
                                   * request may be smaller) */
} host_header_t;

typedef struct host_block {
    void *raw;                    /* the block's start (its header), so it stays reachable */
    size_t n;                     /* for pinned blocks their capacity */
} host_block_t;

static pthread_mutex_t host_lock = PTHREAD_MUTEX_INITIALIZER;
static host_block_t host_cache[HOST_CACHE_SLOTS];
static size_t host_cached;
static const tact_host_pinned_t *host_pinned;  /* guarded by host_lock */
static size_t host_pinned_max;
static host_block_t host_pool[HOST_POOL_SLOTS];  /* free pinned blocks */
static tact_host_pinned_stats_t host_pinned_st;

void tact__host_alloc_use_pinned(const tact_host_pinned_t *pinned, size_t max_bytes)
{
    pthread_mutex_lock(&host_lock);
    if (host_pinned == NULL) {
        host_pinned = pinned;
        host_pinned_max = max_bytes;
    }
    pthread_mutex_unlock(&host_lock);
}

static host_header_t *host_header_of(const void *p)
{
    host_header_t *h = (host_header_t *) ((char *) p - HOST_HEADER);
    TACT_ASSERT(h->magic == HOST_MAGIC);
    return h;
}

bool tact__host_is_pinned(const void *p, size_t n)
{
    return p != NULL && n >= HOST_CACHE_MIN && host_header_of(p)->pinned;
}

tact_host_pinned_stats_t tact__host_pinned_stats(void)
{
    pthread_mutex_lock(&host_lock);
    tact_host_pinned_stats_t s = host_pinned_st;
    pthread_mutex_unlock(&host_lock);
    return s;
}

/* From the C allocator, 64-byte aligned; NULL when it refuses. */
static void *host_aligned(size_t n)
{
    void *p = NULL;
    return posix_memalign(&p, 64, n ? n : 1) == 0 ? p : NULL;
}

/* Whether n bytes could ever be had: no more than the machine's memory and swap together,
 * which is also what Linux's default overcommit lets one request have. Asked before the
 * allocator, so that a request sized by data (4 TiB from a broadcast) is refused without
 * touching it: sanitizer allocators abort on such sizes instead of returning NULL. */
static bool host_fits_machine(size_t n)
{
    struct sysinfo si;
    if (sysinfo(&si) != 0)
        return true;  /* no figures: let the allocator decide */
    unsigned long long total = ((unsigned long long) si.totalram + si.totalswap) * si.mem_unit;
    return n <= total;
}

/* A new large block from the C allocator; NULL when it cannot be had. */
static void *host_new_large(size_t n)
{
    if (n > SIZE_MAX - HOST_HEADER || !host_fits_machine(n))
        return NULL;
    char *raw = host_aligned(n + HOST_HEADER);
    if (raw == NULL)
        return NULL;
    *(host_header_t *) raw = (host_header_t) { HOST_MAGIC, false, n };
    return raw + HOST_HEADER;
}

/* Give a cached block (by its data) back to the C allocator. Called with host_lock held. */
static void host_release_large_locked(void *p)
{
    host_header_t *h = host_header_of(p);
    TACT_ASSERT(!h->pinned);  /* pinned blocks go to the pool, never to this cache */
    h->magic = 0;
    free(h);
}

void *tact__host_alloc(size_t n)
{
    void *p = tact__host_try_alloc(n);
    TACT_ASSERT(p != NULL);
    return p;
}

void *tact__host_try_alloc(size_t n)
{
    if (n < HOST_CACHE_MIN)
        return host_aligned(n);
    pthread_mutex_lock(&host_lock);
    for (int i = 0; i < HOST_CACHE_SLOTS; i++) {
        /* The same size only: repeated steps ask for the same sizes again. */
        if (host_cache[i].raw != NULL && host_cache[i].n == n) {
            void *p = (char *) host_cache[i].raw + HOST_HEADER;
            host_cache[i] = (host_block_t) { 0 };
            host_cached -= n;
            pthread_mutex_unlock(&host_lock);
            return p;
        }
    }
    pthread_mutex_unlock(&host_lock);
    return host_new_large(n);
}

void *tact__host_try_alloc_pinned(size_t n)
{
    if (n < HOST_CACHE_MIN)
        return host_aligned(n);  /* small copies go through the staging buffers */
    void *evict[HOST_POOL_SLOTS];
    int n_evict = 0;
    pthread_mutex_lock(&host_lock);
    const tact_host_pinned_t *pa = host_pinned;
    if (pa == NULL || n > SIZE_MAX - HOST_HEADER || !host_fits_machine(n)) {
        pthread_mutex_unlock(&host_lock);
        return tact__host_try_alloc(n);
    }
    /* The smallest pooled block that holds n without wasting more than n. */
    int best = -1;
    for (int i = 0; i < HOST_POOL_SLOTS; i++) {
        if (host_pool[i].raw != NULL && host_pool[i].n >= n && host_pool[i].n / 2 <= n &&
            (best < 0 || host_pool[i].n < host_pool[best].n))
            best = i;
    }
    if (best >= 0) {
        char *raw = host_pool[best].raw;
        host_pinned_st.pooled_bytes -= host_pool[best].n;
        host_pool[best] = (host_block_t) { 0 };
        pthread_mutex_unlock(&host_lock);
        return raw + HOST_HEADER;
    }
    /* A size the pool lacks: room under the cap, giving back pooled blocks if need be. */
    for (int i = 0; i < HOST_POOL_SLOTS && host_pinned_st.bytes + n > host_pinned_max; i++) {
        if (host_pool[i].raw != NULL) {
            evict[n_evict++] = host_pool[i].raw;
            host_pinned_st.bytes -= host_pool[i].n;
            host_pinned_st.pooled_bytes -= host_pool[i].n;
            host_pinned_st.released++;
            host_pool[i] = (host_block_t) { 0 };
        }
    }
    bool room = host_pinned_st.bytes + n <= host_pinned_max;
    if (room)
        host_pinned_st.bytes += n;  /* reserved while the allocator runs unlocked */
    pthread_mutex_unlock(&host_lock);
    for (int i = 0; i < n_evict; i++) {
        ((host_header_t *) evict[i])->magic = 0;
        pa->free(evict[i]);
    }
    char *raw = room ? pa->alloc(n + HOST_HEADER) : NULL;
    pthread_mutex_lock(&host_lock);
    if (raw != NULL)
        host_pinned_st.made++;
    else if (room)
        host_pinned_st.bytes -= n;
    pthread_mutex_unlock(&host_lock);
    if (raw == NULL)  /* past the cap, or refused: pageable, through the staging buffers */
        return tact__host_try_alloc(n);
    TACT_ASSERT(((uintptr_t) raw & 63) == 0);  /* cudaHostAlloc gives page-aligned memory */
    *(host_header_t *) raw = (host_header_t) { HOST_MAGIC, true, n };
    return raw + HOST_HEADER;
}

/* A pinned block back to the pool; given back to its allocator only when the pool is full. */
static void host_free_pinned(host_header_t *h)
{
    pthread_mutex_lock(&host_lock);
    for (int i = 0; i < HOST_POOL_SLOTS; i++) {
        if (host_pool[i].raw == NULL) {
            host_pool[i] = (host_block_t) { h, h->cap };
            host_pinned_st.pooled_bytes += h->cap;
            pthread_mutex_unlock(&host_lock);
            return;
        }
    }
    const tact_host_pinned_t *pa = host_pinned;
    host_pinned_st.bytes -= h->cap;
    host_pinned_st.released++;
    pthread_mutex_unlock(&host_lock);
    h->magic = 0;
    pa->free(h);
}

void tact__host_free(void *p, size_t n)
{
    if (p == NULL)
        return;
    if (n < HOST_CACHE_MIN) {
        free(p);
        return;
    }
    host_header_t *h = host_header_of(p);
    if (h->pinned) {
        host_free_pinned(h);
        return;
    }
    pthread_mutex_lock(&host_lock);
    if (n > HOST_CACHE_BYTES) {
        host_release_large_locked(p);
        pthread_mutex_unlock(&host_lock);
        return;
    }
    /* Make room by dropping older blocks, then keep this one (the likeliest to return). */
    for (int i = 0; i < HOST_CACHE_SLOTS && host_cached + n > HOST_CACHE_BYTES; i++) {
        if (host_cache[i].raw != NULL) {
            host_release_large_locked((char *) host_cache[i].raw + HOST_HEADER);
            host_cached -= host_cache[i].n;
            host_cache[i] = (host_block_t) { 0 };
        }
    }
    int slot = -1;
    for (int i = 0; i < HOST_CACHE_SLOTS && slot < 0; i++)
        slot = host_cache[i].raw == NULL ? i : -1;
    if (slot < 0) {  /* full of blocks: replace the first */
        slot = 0;
        host_release_large_locked((char *) host_cache[0].raw + HOST_HEADER);
        host_cached -= host_cache[0].n;
    }
    host_cache[slot] = (host_block_t) { (char *) p - HOST_HEADER, n };
    host_cached += n;
    pthread_mutex_unlock(&host_lock);
}
