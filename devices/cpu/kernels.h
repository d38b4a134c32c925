/* SPDX-License-Identifier: MIT */
/* CPU kernels: one function per op kind, plain C the compiler can vectorise, OpenBLAS for
 * matmul. A kernel gets its inputs and an output tensor already allocated with the shape and
 * dtype that tact__op_infer gave for these inputs, and fills every element of it. */
#ifndef TACT_DEVICES_CPU_KERNELS_H
#define TACT_DEVICES_CPU_KERNELS_H

#include "runtime/graph/graph_impl.h"

typedef tact_code_t (*tact_cpu_kernel_fn)(const tact_op_t *op, const tact_tensor_t *const *in,
                                          tact_tensor_t *out, tact_status_t *st);

/* The kernel for an op kind, or NULL when the CPU has none (CONST and PLACEHOLDER never run
 * as kernels: the executor binds their values). */
tact_cpu_kernel_fn tact__cpu_kernel(tact_op_kind_t kind);

/* An element-wise loop o[i] = a[i] op b[i] for i < n. */
typedef void (*tact_cpu_flat2_fn)(const void *a, const void *b, void *o, int64_t n);

/* The loop that `kind`'s kernel runs over two inputs of `dtype` and one shape, or NULL when it
 * has none for that dtype. The node loop calls it directly for such nodes. REQUIRES: kind is
 * Add, Sub, Mul or RealDiv (Div checks its divisors first), dtype is valid. */
tact_cpu_flat2_fn tact__cpu_binary_flat(tact_op_kind_t kind, tact_dtype_t dtype);

/* Whether the CPU has a kernel for `op` with its input dtypes. */
bool tact__cpu_kernel_supports(const tact_op_t *op);

/* Whether a fused chain's epilogue may add `bias` and `res` (each NULL when the chain has
 * none) to its head's float32 output y in one pass: bias a float32 row [y's channels, the last
 * dimension] and res a float32 tensor of y's shape. Others (a fed tensor of another shape)
 * take the Adds' own path, so that their broadcasts and errors are the Adds'. */
bool tact__cpu_epilogue_fits(const tact_tensor_t *y, const tact_tensor_t *bias,
                             const tact_tensor_t *res);

/* y[rows, n] += bias[n] (when not NULL), then += res[rows, n] (when not NULL, its rows res_ld
 * apart), then act (RELU, RELU6, SIGMOID, TANH; NOOP: none), in place, element by element as
 * the Add and activation kernels compute them. */
void tact__cpu_bias_act_f32(float *y, int64_t rows, int64_t n, const float *bias,
                            const float *res, int64_t res_ld, tact_op_kind_t act);

#endif
