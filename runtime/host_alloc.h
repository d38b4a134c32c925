/* SPDX-License-Identifier: MIT */
/* Host memory for tensor data. Large blocks are kept for reuse after they are freed: a fresh
 * multi-megabyte block comes from mmap and pays a page fault per 4 KiB on first touch (3x a
 * memcpy at 64 MB), which a session repeating the same step would pay on every run. Once a GPU
 * backend asks for it, large blocks come from page-locked (pinned) memory, so that copies to
 * and from the GPU go by DMA straight from the tensor, without a staging copy. */
#ifndef TACT_RUNTIME_HOST_ALLOC_H
#define TACT_RUNTIME_HOST_ALLOC_H

#include "runtime/prelude.h"

/* n bytes, 64-byte aligned, not zeroed. Aborts on host OOM: for tact's own bookkeeping only;
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

/* From now on, large blocks (at least 1 MiB) come from `pinned`, up to `max_bytes` of them
 * at once. The first call wins; later calls change nothing. `pinned` must stay valid until
 * the process ends (blocks may be freed at any time). Thread-safe. */
void tact__host_alloc_use_pinned(const tact_host_pinned_t *pinned, size_t max_bytes);

/* Whether p (from tact__host_alloc) is pinned. Thread-safe. */
bool tact__host_is_pinned(const void *p, size_t n);

#endif
