/* SPDX-License-Identifier: MIT */
/* A GPU backend over host memory, so that the GPU device (placement, copies, the actor path,
 * memory options, errors) is tested on every machine. Its "device memory" is mapped twice:
 * the addresses the runtime sees are PROT_NONE, so host code that reads a value still in GPU
 * memory crashes the test instead of passing by luck; the backend works through a second,
 * writable mapping of the same pages. Kernels are the CPU's, run on that mapping. As a real
 * GPU may, it reads a copy's host source late (at the context's next call), and it records
 * the memory that work "queued" since each sync touches, counting a copy told it need not
 * wait that lands on such memory (unordered_copies: the GPU tests fail on any).
 *
 * Like the CUDA backend, its first open() installs a pinned allocator for the host pool
 * (tact__host_alloc_use_pinned; plain aligned blocks here, 256 MiB at most).
 *
 *     fake_gpu_install(2);                          // two GPUs of 4 GiB, 3.5 GiB free
 *     ... sessions with GPU:0 and GPU:1 ...
 *     fake_gpu_uninstall();                         // after every session is destroyed
 */
#ifndef TACT_TESTS_FAKE_GPU_H
#define TACT_TESTS_FAKE_GPU_H

#include "devices/gpu/gpu_device.h"

typedef struct fake_gpu_state {
    int count;                    /* visible GPUs */
    size_t total_bytes;           /* per GPU */
    size_t free_bytes;
    const char *fail_op;          /* a kernel of the op with this name fails (INTERNAL) */
    const char *no_kernel_op;     /* the op with this name has no GPU kernel */
    const char *fatal_op;         /* a kernel of the op with this name faults fatally, as an
                                   * illegal address does on CUDA: the GPU's context is lost
                                   * and every later call on that GPU fails (lost[id]) */
    _Atomic bool lost[8];         /* by visible id: a fatal fault happened there */
    _Atomic int count_calls;      /* how often count() was asked */
    _Atomic int open_contexts;    /* open() minus close() */
    _Atomic int kernels_run;
    _Atomic int copies_in_after_work; /* copy_in told to wait for earlier work */
    _Atomic int copies_in_free;       /* copy_in into a block nothing queued uses */
    _Atomic int copies_in_pinned;     /* copy_in of at least 1 MiB from a pinned block */
    _Atomic int copies_in_pageable;   /* copy_in of at least 1 MiB from any other memory */
    _Atomic int unordered_copies;     /* of those, ones into a block that work queued since
                                       * the GPU's last sync uses: a missing wait */
    _Atomic int64_t region_bytes; /* device memory the allocators' regions hold now */
} fake_gpu_state_t;

extern fake_gpu_state_t fake_gpu;
extern const tact_gpu_backend_t fake_gpu_backend;

/* Reset fake_gpu to `count` GPUs of 4 GiB (3.5 GiB free) and make it the process's backend. */
void fake_gpu_install(int count);
/* Put the built-in backend back (GPU state forgotten, regions unmapped). */
void fake_gpu_uninstall(void);

#endif
