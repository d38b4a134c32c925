/* SPDX-License-Identifier: MIT */
/* What a GPU backend provides to the GPU device (gpu_device.c): the few calls that touch the
 * hardware. Everything else a GPU does in tact (memory policy and its allocator, copy nodes,
 * the node loop, errors, statistics, the process-wide id mapping) is the GPU device's, the
 * same for every backend, so it is tested everywhere with a backend over host memory
 * (tests/fake_gpu.c). The CUDA backend (devices/cuda/) is the real one; no CUDA type leaves
 * that folder.
 *
 * Threads: region_alloc/region_free may be called from any thread (the allocator's mutex is
 * held). Every call taking a `ctx` runs on the device's actor thread, one at a time, after
 * bind_thread on that thread. A stream-ordered backend may return from copy_in and kernel
 * before the work is done: later work on the same ctx sees its results, and sync() waits for
 * all of it. Memory given back to the allocator may be reused by the next call at once, on
 * this actor or on another session's actor for the same GPU (the allocator is the process's),
 * so a backend orders a GPU's work as one across contexts (the CUDA backend shares a GPU's
 * streams among them) and across its own streams (a copy into a block must not overtake
 * earlier work that still reads it). */
#ifndef TACT_DEVICES_GPU_GPU_BACKEND_H
#define TACT_DEVICES_GPU_GPU_BACKEND_H

#include "runtime/graph/graph_impl.h"

/* One visible GPU as the backend sees it. */
typedef struct tact_gpu_info {
    size_t total_bytes;           /* the GPU's memory */
    size_t free_bytes;            /* free now (before tact reserves anything) */
    /* TensorFlow's physical description, without the visible id:
     * "name: NVIDIA H100 80GB HBM3, pci bus id: 0000:18:00.0, compute capability: 9.0" */
    char description[192];
} tact_gpu_info_t;

typedef struct tact_gpu_backend {
    const char *name;             /* "CUDA": for messages */

    /* GPUs visible to this process (what the driver reports under CUDA_VISIBLE_DEVICES);
     * 0 with no driver or no GPU, never an error. The first call may log one line saying why
     * there is none. Thread-safe. */
    int (*count)(void);
    /* Describe visible GPU `id` (0 <= id < count()). Thread-safe. */
    tact_code_t (*query)(int id, tact_gpu_info_t *info, tact_status_t *st);

    /* Device memory for the allocator's regions: NULL when the GPU refuses. */
    void *(*region_alloc)(int id, size_t bytes);
    void (*region_free)(int id, void *ptr);

    /* The per-actor state of GPU `id` (BLAS handle, staging buffers; the GPU's streams are
     * shared by every context, see sync()). open() runs on the actor thread that will use
     * it; close() on that thread too. */
    tact_code_t (*open)(int id, void **ctx, tact_status_t *st);
    void (*close)(void *ctx);
    /* Make the calling thread use GPU `id` (cudaSetDevice). */
    tact_code_t (*bind_thread)(void *ctx, tact_status_t *st);

    /* Whether the backend has a kernel for `op` with its input and output dtypes. CONST,
     * IDENTITY and RESHAPE are the GPU device's own (a reference, a view) and need no kernel. */
    bool (*supports)(const tact_op_t *op);

    /* Copy n bytes from host memory into device memory (host -> GPU) and back (GPU -> host).
     * copy_in may go on reading `host` until the next sync() on ctx returns (the caller keeps it
     * alive and unchanged until then), ordered before later work on the GPU; copy_out returns when
     * the bytes are in `host`. n may be 0. A large host block may be pinned (a tensor that crosses
     * to or from a GPU: tact__host_alloc_pinned): copy it by DMA directly. `after_work`: work
     * queued earlier on this GPU may still use `device` (the block was freed since the GPU last
     * drained), so the copy must wait for it; false lets the copy overlap that work. copy_out
     * always follows earlier work. */
    tact_code_t (*copy_in)(void *ctx, void *device, const void *host, size_t n,
                           bool after_work, tact_status_t *st);
    tact_code_t (*copy_out)(void *ctx, void *host, const void *device, size_t n,
                            tact_status_t *st);
    /* Copy n bytes within device memory. */
    tact_code_t (*copy_device)(void *ctx, void *dst, const void *src, size_t n,
                               tact_status_t *st);

    /* Run `op`'s kernel: inputs and output are tensors whose data is device memory; `out` is
     * allocated with the shape and dtype that tact__op_infer gives for these inputs. Fails
     * with the kernel's message (the GPU device appends the node). */
    tact_code_t (*kernel)(void *ctx, const tact_op_t *op, const tact_tensor_t *const *in,
                          tact_tensor_t *out, tact_status_t *st);

    /* Wait for everything enqueued on this GPU before the call, by this ctx or another
     * session's (the GPU device's free stamps rely on it: tact__bfc_allocator_freed_at);
     * reports an error the GPU raised meanwhile. */
    tact_code_t (*sync)(void *ctx, tact_status_t *st);

    /* [optional] Whether GPU `id`'s context is lost: a fatal fault (an illegal address, a
     * failed launch) poisoned it, every later call on it fails, and only a new process can use
     * the GPU again. Asked after a failed run; the GPU device then marks the GPU failed for
     * the process and refuses its work with one message. NULL: never lost. Thread-safe. */
    bool (*lost)(int id);
} tact_gpu_backend_t;

/* The op kinds and dtypes that tact's GPU kernels cover, the same for every backend so that
 * placement does not depend on which one is built: element-wise Add, Sub, Mul (float32,
 * float64, int32, int64), RealDiv, Neg, Relu, Sigmoid, Tanh (float32, float64; Neg and Relu
 * int32 too), Softmax, MatMul (float32, float64), Sum, Mean (float32, float64, int32),
 * Transpose (every fixed-size dtype), Cast (between bool, int32, int64, float32, float64),
 * Fill (fixed-size dtypes), and the device's own Const, Identity, Reshape and NoOp (fixed-size
 * dtypes) and Variable, Assign, AssignAdd, AssignSub (float32, float64, int32, int64: the
 * value lives in GPU memory; the updates run the backend's Add and Sub); from the math and nn
 * families, float32 Abs, Square, Sqrt, Rsqrt, Exp, Log, Sign, Floor, Ceil, Round, Reciprocal,
 * Relu6, LeakyRelu, Elu, Softplus, Pow, Maximum, Minimum, FloorDiv, FloorMod,
 * SquaredDifference, the comparisons (to bool), AddN, Max, Min, Prod and BatchMatMulV2, bool
 * LogicalAnd, LogicalOr, LogicalNot, and StopGradient (fixed-size dtypes). Queues, readers,
 * random ops, integer Div and strings stay on the CPU. */
bool tact__gpu_op_supported(const tact_op_t *op);

#endif
