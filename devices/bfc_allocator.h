/* SPDX-License-Identifier: MIT */
/* A best-fit allocator with coalescing (TensorFlow's BFC allocator) over large "regions" that
 * a backend hands out: cudaMalloc/cudaFree wrappers on a GPU, malloc/free in the tests. It
 * holds a hard limit, grows by TensorFlow's rules (spec §4), never gives a region back before
 * it is destroyed, and reports an allocation it cannot meet as RESOURCE_EXHAUSTED. Nothing here
 * touches the memory it manages, so the logic is the same for host and device memory.
 *
 *     tact_bfc_options_t o = { .backend = { my_alloc, my_free, ctx }, .limit = 1 << 30,
 *                              .allow_growth = true, .device_name = "CUDA:0",
 *                              .name = "GPU_0_bfc" };
 *     tact_bfc_allocator_t *a = tact__bfc_allocator_new(&o);
 *     void *p = tact__bfc_allocator_alloc(a, 1000, &st);   // NULL + RESOURCE_EXHAUSTED
 *     tact__bfc_allocator_free(a, p);
 *     tact__bfc_allocator_destroy(&a);                     // every region back to the backend
 *
 * Every function is thread-safe (one mutex per allocator). */
#ifndef TACT_DEVICES_BFC_ALLOCATOR_H
#define TACT_DEVICES_BFC_ALLOCATOR_H

#include "runtime/base/prelude.h"

/* Granularity and alignment of every chunk: sizes are rounded up to a multiple of it and
 * every pointer handed out is a multiple of it (TensorFlow's kMinAllocationSize). */
#define TACT_BFC_ALIGN 256
/* The first region with allow_growth (TensorFlow: 2 MiB, or the limit when smaller). */
#define TACT_BFC_GROWTH_START ((size_t) 2 << 20)

/* Where regions come from. region_alloc returns NULL when it refuses (out of device memory);
 * the allocator then backs off or reports RESOURCE_EXHAUSTED. A region is handed back to
 * region_free exactly once, by destroy, with the pointer region_alloc returned. Both are
 * called with the allocator's mutex held, so they need no locking of their own for it. A
 * region need not be aligned: the allocator skips to the first multiple of TACT_BFC_ALIGN. */
typedef struct tact_bfc_backend {
    void *(*region_alloc)(void *ctx, size_t bytes);
    void (*region_free)(void *ctx, void *ptr);
    void *ctx;
} tact_bfc_backend_t;

typedef struct tact_bfc_options {
    tact_bfc_backend_t backend;
    size_t limit;            /* hard cap on the bytes of all regions together; 0 refuses all */
    bool allow_growth;       /* false: one region of the whole limit at the first allocation */
    const char *device_name; /* for messages, "CUDA:0"; copied; NULL reads "?" */
    const char *name;        /* for messages, "GPU_0_bfc"; copied; NULL reads "bfc" */
} tact_bfc_options_t;

/* A snapshot, taken under the lock. Sizes are in bytes; chunk sizes are rounded sizes. */
typedef struct tact_bfc_stats {
    size_t limit;              /* the hard cap */
    size_t bytes_reserved;     /* obtained from the backend (counted against the limit) */
    size_t bytes_in_use;       /* in chunks handed out and not freed */
    size_t peak_bytes_in_use;  /* the most bytes_in_use has been */
    size_t largest_free_chunk; /* the largest request that fits without a new region */
    size_t largest_alloc_size; /* the largest chunk ever handed out */
    uint64_t num_allocs;       /* successful allocations since creation */
    uint64_t num_ooms;         /* allocations refused since creation */
    int num_regions;           /* regions obtained from the backend */
} tact_bfc_stats_t;

typedef struct tact_bfc_allocator tact_bfc_allocator_t;

/* A new allocator that holds no memory yet: the first region is obtained by the first
 * allocation. Caller owns the result. REQUIRES: opts, backend.region_alloc and
 * backend.region_free not NULL. */
tact_bfc_allocator_t *tact__bfc_allocator_new(const tact_bfc_options_t *opts);

/* Hand every region back to the backend and free the allocator, whether or not chunks are
 * still in use (their pointers dangle afterwards). Accepts NULL and *self_p == NULL; sets
 * *self_p to NULL. */
void tact__bfc_allocator_destroy(tact_bfc_allocator_t **self_p);

/* A chunk of at least `nbytes` (0 counts as 1), aligned to TACT_BFC_ALIGN: the smallest free
 * chunk that fits, lowest address first among equals, split when larger. When nothing fits,
 * a region is added as the growth policy allows. When that fails too, returns NULL and fills
 * `st` with RESOURCE_EXHAUSTED "OOM when allocating tensor of <nbytes> bytes on <device> by
 * allocator <name>: <in use> in use, <reserved> reserved, limit <limit>"; the allocator stays
 * usable. Returns NULL at once when `st` already holds an error. */
void *tact__bfc_allocator_alloc(tact_bfc_allocator_t *self, size_t nbytes, tact_status_t *st);

/* Give a chunk back; it merges with free neighbours of its region. Accepts NULL.
 * REQUIRES: ptr came from this allocator and is not yet freed. */
void tact__bfc_allocator_free(tact_bfc_allocator_t *self, void *ptr);

/* The rounded size of the chunk at `ptr` (at least the size asked for).
 * REQUIRES: ptr came from this allocator and is not yet freed. */
size_t tact__bfc_allocator_chunk_size(tact_bfc_allocator_t *self, const void *ptr);

/* Free stamps, for memory a device's queued work may still use (TensorFlow's freed_at_count
 * and safe frontier): every free is numbered, and a chunk remembers the latest free of any of
 * its memory. A device whose queue was drained after free number F knows that a chunk with
 * freed_at <= F is used by nothing queued; a copy into it need not wait for earlier work.
 * freed_at: the stamp of the chunk in use at `ptr` (0: its memory was never freed).
 * REQUIRES: ptr came from this allocator and is not yet freed. free_count: the latest stamp. */
uint64_t tact__bfc_allocator_freed_at(tact_bfc_allocator_t *self, const void *ptr);
uint64_t tact__bfc_allocator_free_count(tact_bfc_allocator_t *self);

void tact__bfc_allocator_stats(tact_bfc_allocator_t *self, tact_bfc_stats_t *out);

/* Walk every region, bin and the in-use table and check the allocator's invariants: chunks
 * tile each region exactly, neighbours link both ways, no two free chunks are adjacent, every
 * free chunk sits in the right bin in (size, address) order, every chunk in use is found by
 * its pointer, and the counters agree with the chunks. OK, or INTERNAL naming the first broken
 * invariant. For tests and debugging: it takes time linear in the number of chunks. */
tact_code_t tact__bfc_allocator_check(tact_bfc_allocator_t *self, tact_status_t *st);

/* The memory limit of one GPU from spec §4 (TensorFlow's gpu_device.cc), in bytes:
 *   fraction == 0:     available - reserve, where reserve is 225 MiB when available < 2 GiB,
 *                      else max(300 MiB, 5% of available); `available` itself when the reserve
 *                      would take it all (TensorFlow subtracts only when reserve < available).
 *                      TensorFlow doubles the reserve in unoptimised builds; tact never does.
 *   0 < fraction <= 1: total * fraction (of total memory, not of free memory).
 *   otherwise (> 1, negative, NaN): 0; the caller reports the error (TensorFlow would turn
 *                      > 1 into unified-memory oversubscription, which tact does not do). */
size_t tact__gpu_memory_limit(size_t total, size_t available, double fraction);

#endif
