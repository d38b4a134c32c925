/* SPDX-License-Identifier: MIT */
/* A small cache of large freed blocks in front of the C allocator: blocks of at least
 * HOST_CACHE_MIN bytes go to a short list when freed (up to HOST_CACHE_BYTES in all) and come
 * back for a request of the same size. Small blocks go straight to malloc, whose own caches
 * serve them well. Not a general allocator: no splitting, no trimming beyond the bounds.
 *
 * Every large block starts with a header line (64 bytes, keeping the data aligned) that says
 * where it came from, the C allocator or the pinned allocator a GPU backend installed, so a
 * block is always given back to its own source. */
#include "runtime/host_alloc.h"

#include <sys/sysinfo.h>

#define HOST_CACHE_MIN   (1u << 20)          /* below this, glibc's heap does well */
#define HOST_CACHE_BYTES ((size_t) 256 << 20) /* most memory kept for reuse */
#define HOST_CACHE_SLOTS 16
#define HOST_HEADER      64
#define HOST_MAGIC       0x686f7374626c6b31ull /* "hostblk1" */

typedef struct host_header {
    uint64_t magic;
    bool pinned;
} host_header_t;

typedef struct host_block {
    void *raw;                    /* the block's start (its header), so it stays reachable */
    size_t n;
} host_block_t;

static pthread_mutex_t host_lock = PTHREAD_MUTEX_INITIALIZER;
static host_block_t host_cache[HOST_CACHE_SLOTS];
static size_t host_cached;
static const tact_host_pinned_t *host_pinned;  /* guarded by host_lock */
static size_t host_pinned_max, host_pinned_bytes;

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

/* A new large block: pinned while the pinned allocator has room, else the C allocator's.
 * NULL when neither can give it. */
static void *host_new_large(size_t n)
{
    if (n > SIZE_MAX - HOST_HEADER || !host_fits_machine(n))
        return NULL;
    char *raw = NULL;
    bool pinned = false;
    pthread_mutex_lock(&host_lock);
    if (host_pinned != NULL && host_pinned_bytes + n <= host_pinned_max) {
        raw = host_pinned->alloc(n + HOST_HEADER);
        if (raw != NULL) {
            pinned = true;
            host_pinned_bytes += n;
        }
    }
    pthread_mutex_unlock(&host_lock);
    if (raw == NULL)
        raw = host_aligned(n + HOST_HEADER);
    if (raw == NULL)
        return NULL;
    TACT_ASSERT(((uintptr_t) raw & 63) == 0);  /* cudaHostAlloc gives page-aligned memory */
    *(host_header_t *) raw = (host_header_t) { HOST_MAGIC, pinned };
    return raw + HOST_HEADER;
}

/* Give a large block (by its data) back to its source. Called with host_lock held. */
static void host_release_large_locked(void *p, size_t n)
{
    host_header_t *h = host_header_of(p);
    h->magic = 0;
    if (h->pinned) {
        host_pinned->free(h);
        host_pinned_bytes -= n;
    } else {
        free(h);
    }
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

void tact__host_free(void *p, size_t n)
{
    if (p == NULL)
        return;
    if (n < HOST_CACHE_MIN) {
        free(p);
        return;
    }
    pthread_mutex_lock(&host_lock);
    if (n > HOST_CACHE_BYTES) {
        host_release_large_locked(p, n);
        pthread_mutex_unlock(&host_lock);
        return;
    }
    /* Make room by dropping older blocks, then keep this one (the likeliest to return). */
    for (int i = 0; i < HOST_CACHE_SLOTS && host_cached + n > HOST_CACHE_BYTES; i++) {
        if (host_cache[i].raw != NULL) {
            host_release_large_locked((char *) host_cache[i].raw + HOST_HEADER, host_cache[i].n);
            host_cached -= host_cache[i].n;
            host_cache[i] = (host_block_t) { 0 };
        }
    }
    int slot = -1;
    for (int i = 0; i < HOST_CACHE_SLOTS && slot < 0; i++)
        slot = host_cache[i].raw == NULL ? i : -1;
    if (slot < 0) {  /* full of blocks: replace the first */
        slot = 0;
        host_release_large_locked((char *) host_cache[0].raw + HOST_HEADER, host_cache[0].n);
        host_cached -= host_cache[0].n;
    }
    host_cache[slot] = (host_block_t) { (char *) p - HOST_HEADER, n };
    host_cached += n;
    pthread_mutex_unlock(&host_lock);
}
