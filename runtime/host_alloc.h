/* SPDX-License-Identifier: MIT */
/* Host memory for tensor data. Large blocks are kept for reuse after they are freed: a fresh
 * multi-megabyte block comes from mmap and pays a page fault per 4 KiB on first touch (3x a
 * memcpy at 64 MB), which a session repeating the same step would pay on every run. */
#ifndef TACT_RUNTIME_HOST_ALLOC_H
#define TACT_RUNTIME_HOST_ALLOC_H

#include "runtime/prelude.h"

/* n bytes, 64-byte aligned, not zeroed. Aborts on host OOM. Thread-safe. */
void *tact__host_alloc(size_t n);
/* Release a block of n bytes from tact__host_alloc (n as allocated). Thread-safe. */
void tact__host_free(void *p, size_t n);

#endif
