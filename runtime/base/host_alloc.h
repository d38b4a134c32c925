/* SPDX-License-Identifier: MIT */
/* Host memory for tensor data. Large blocks are kept for reuse after they are freed: a fresh
 * multi-megabyte block comes from mmap and pays a page fault per 4 KiB on first touch (3x a
 * memcpy at 64 MB), which a session repeating the same step would pay on every run. Tensors
 * that cross to or from a GPU take page-locked (pinned) blocks from a pool instead, so their
 * copies go by DMA straight from the tensor; nothing else is pinned. */
#ifndef TACT_RUNTIME_HOST_ALLOC_H
#define TACT_RUNTIME_HOST_ALLOC_H

#include "runtime/base/prelude.h"

/* n bytes, 64-byte aligned, not zeroed. Aborts on host OOM: for tact's own bookkeeping;
 * sizes that come from data go through tact__host_try_alloc (tensors through
 * tact__tensor_try_alloc). Thread-safe. */
void *tact__host_alloc(size_t n);
/* As tact__host_alloc, but NULL when the memory is refused. A request larger than the
 * machine's memory and swap together is refused without asking the C allocator. Free with
 * tact__host_free. Thread-safe. */
void *tact__host_try_alloc(size_t n);
/* Release a block of n bytes from tact__host_alloc (n as allocated). Thread-safe. */
void tact__host_free(void *p, size_t n);

/* Where pinned blocks come from (cudaHostAlloc/cudaFreeHost). alloc returns NULL when it
 * refuses; the block then comes from the C allocator. */
typedef struct tact_host_pinned {
    void *(*alloc)(size_t n);
    void (*free)(void *p);
} tact_host_pinned_t;

/* From now on, tact__host_alloc_pinned takes its blocks from `pinned`, up to `max_bytes` of
 * them. The first call wins; later calls change nothing. `pinned` must stay valid until the
 * process ends. Thread-safe. */
void tact__host_alloc_use_pinned(const tact_host_pinned_t *pinned, size_t max_bytes);

/* Like tact__host_try_alloc (freed by tact__host_free; NULL when even pageable memory is
 * refused), for a tensor that crosses to or from a
 * GPU: a large block (at least 1 MiB) is pinned, from the pool of pinned blocks. A freed one
 * goes back to the pool, not to the pinned allocator (cudaFreeHost waits for the whole
 * device), and serves the next request it fits (its size up to twice over), as PyTorch's
 * caching host allocator and TensorFlow's GPU host allocator do: a repeated step makes and
 * frees none. Blocks are given back only to make room under the cap for a size the pool
 * lacks. Small blocks, and any past the cap or before a GPU installs an allocator, are the
 * C allocator's. Thread-safe. */
void *tact__host_try_alloc_pinned(size_t n);

/* Whether p (from tact__host_alloc or tact__host_alloc_pinned) is pinned. Thread-safe. */
bool tact__host_is_pinned(const void *p, size_t n);

/* The pinned pool's figures, for tests and diagnostics. */
typedef struct tact_host_pinned_stats {
    size_t bytes;             /* pinned blocks made and not given back: in use or pooled */
    size_t pooled_bytes;      /* of those, free in the pool */
    uint64_t made, released;  /* calls of the pinned allocator's alloc and free */
} tact_host_pinned_stats_t;
tact_host_pinned_stats_t tact__host_pinned_stats(void);

#endif
