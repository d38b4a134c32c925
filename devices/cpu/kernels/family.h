/* SPDX-License-Identifier: MIT */
/* CPU kernels of the op families (STYLE.md 1b, opdefs.h): one table per family file
 * (array_kernels.c, string_kernels.c, io_kernels.c), indexed by op kind. cpu.c runs a kind
 * found here before its older kernels: it infers the outputs on the concrete input shapes,
 * allocates every output whose shape that fixes, and hands the rest (RestoreV2's, whose shapes
 * only the file knows) to the kernel to make. */
#ifndef TACT_DEVICES_CPU_KERNELS_FAMILY_H
#define TACT_DEVICES_CPU_KERNELS_FAMILY_H

#include "runtime/graph/graph_impl.h"

struct tact_host_limit;
struct tact_resources;

/* What a Conv2D heading a fused chain (cpu.c) applies to the rows it computes, in the same
 * pass: y = act(y + bias + res), each of bias and res NULL when the chain has none, act RELU,
 * RELU6, SIGMOID, TANH or NOOP. The kernel applies it only when bias and res fit its output
 * (tact__cpu_epilogue_fits) and then sets `applied`; otherwise the caller runs the chain's
 * Adds and activation on the output. */
typedef struct tact_kernel_epilogue {
    const tact_tensor_t *bias;
    const tact_tensor_t *res;
    tact_op_kind_t act;
    bool applied;
} tact_kernel_epilogue_t;

/* One kernel call. */
typedef struct tact_kernel_ctx {
    const tact_op_t *op;
    int n_in;
    const tact_tensor_t *const *in;    /* host tensors, never NULL */
    tact_tensor_t **out;               /* op->n_outputs entries: allocated with their inferred
                                        * dtype and shape, or NULL for the kernel to fill through
                                        * tact__kernel_alloc; the step owns them afterwards */
    struct tact_host_limit *limit;     /* the step's host memory limit */
    const char *device;                /* "CPU:0", for messages */
    struct tact_resources *resources;  /* the session's (resource variables' values); a
                                        * handle input's in[i] is NULL */
    struct tact_cpu_gemm *gemm;        /* the device's GEMM and packed weights (gemm.h), for
                                        * Conv2D; NULL: OpenBLAS directly */
    unsigned stable_in;                /* bit i: in[i] is a constant's or a variable's value
                                        * (gemm.h's b_stable); set for Conv2D's filter */
    tact_kernel_epilogue_t *epilogue;  /* Conv2D's, or NULL; other kernels ignore it */
} tact_kernel_ctx_t;

typedef struct tact_cpu_op_kernel {
    tact_code_t (*run)(tact_kernel_ctx_t *k, tact_status_t *st);
    /* [optional] whether it has a loop for this op's dtypes; NULL: every dtype */
    bool (*supports)(const tact_op_t *op);
} tact_cpu_op_kernel_t;

extern const tact_cpu_op_kernel_t tact__cpu_array_kernels[TACT_OP_COUNT];
extern const tact_cpu_op_kernel_t tact__cpu_string_kernels[TACT_OP_COUNT];
extern const tact_cpu_op_kernel_t tact__cpu_io_kernels[TACT_OP_COUNT];
extern const tact_cpu_op_kernel_t tact__cpu_sparse_kernels[TACT_OP_COUNT];
extern const tact_cpu_op_kernel_t tact__cpu_math_kernels[TACT_OP_COUNT];
extern const tact_cpu_op_kernel_t tact__cpu_nn_kernels[TACT_OP_COUNT];
extern const tact_cpu_op_kernel_t tact__cpu_state_kernels[TACT_OP_COUNT];
extern const tact_cpu_op_kernel_t tact__cpu_image_kernels[TACT_OP_COUNT];

/* The family kernel of `kind`, or NULL when the kind is not a family op's. */
const tact_cpu_op_kernel_t *tact__cpu_op_kernel(tact_op_kind_t kind);

/* A new output tensor charged to the step's limit (RESOURCE_EXHAUSTED when refused). */
tact_tensor_t *tact__kernel_alloc(const tact_kernel_ctx_t *k, tact_dtype_t dtype,
                                  const tact_shape_t *shape, tact_status_t *st);

#endif
