/* SPDX-License-Identifier: MIT */
/* The CPU device's float32 GEMM with an epilogue, y = act(op(a) op(b) + bias), for MatMul and
 * for Conv2D lowered to a product. Where oneDNN is present it runs oneDNN matmul primitives
 * whose weights (b, or the filter), when they come from a constant or a variable, are packed
 * once and kept per session and device until the value changes; the bias and activation run
 * as its post-ops. Otherwise, or when forced, OpenBLAS' sgemm and one epilogue pass. */
#ifndef TACT_DEVICES_CPU_GEMM_H
#define TACT_DEVICES_CPU_GEMM_H

#include "runtime/graph/graph_impl.h"

/* One CPU device's primitives and packed weights (a session's: two sessions never share).
 * Thread-safe. */
typedef struct tact_cpu_gemm tact_cpu_gemm_t;

tact_cpu_gemm_t *tact__cpu_gemm_new(void);
/* Release every primitive and packed copy. Accepts NULL; sets *g_p to NULL. */
void tact__cpu_gemm_destroy(tact_cpu_gemm_t **g_p);

/* out[M,N] = act(MatMul(a, b) + bias) for the MatMul `mm` (its transposes), float32, with out
 * already allocated with MatMul's inferred shape; bias NULL or a float32 [N]; act RELU,
 * SIGMOID, TANH or NOOP. `b_stable`: b is a constant's or a variable's value, which never
 * changes while a reference to it is held, so its packed copy may be kept (with a reference,
 * so that its address names it) and reused while mm reads the same tensor. */
tact_code_t tact__cpu_gemm(tact_cpu_gemm_t *g, const tact_op_t *mm, const tact_tensor_t *a,
                           const tact_tensor_t *b, bool b_stable, const tact_tensor_t *bias,
                           tact_op_kind_t act, tact_tensor_t *out, tact_status_t *st);

/* y[m, n] = act(x[m, k] w[k, n] + bias + res) for the Conv2D `conv` lowered to one product:
 * x its im2col patches (or a 1x1 convolution's input as it is), in rows of ldx floats; w its
 * float32 filter (HWIO, whose bytes are that row-major [k, n]: groups of 1 only), y
 * contiguous; bias NULL or [n]; res NULL or [m, n] (a residual); act as tact__cpu_gemm's plus
 * RELU6. The filter is packed once while w_stable (as b_stable above), through the same
 * library choice as a MatMul. REQUIRES: m, k, n and ldx fit an int (the caller checked). */
tact_code_t tact__cpu_gemm_conv(tact_cpu_gemm_t *g, const tact_op_t *conv, const float *x,
                                int64_t m, int64_t k, int64_t ldx, const tact_tensor_t *w,
                                bool w_stable, const float *bias, const float *res,
                                tact_op_kind_t act, float *y, tact_status_t *st);

/* Which library runs float32 GEMMs. AUTO (the default where libdnnl.so.2 loads): oneDNN for
 * constant or variable weights of problems with more than one row and column, packed once
 * (by its matmul primitive where that packs them, else by its packed sgemm), OpenBLAS for the
 * rest. ONEDNN: the matmul primitive for every non-empty problem (TACT_CPU_GEMM=onednn);
 * ONEDNN_SGEMM: the packed sgemm for every non-empty problem with stable weights
 * (TACT_CPU_GEMM=onednn_sgemm); both for tests. OPENBLAS: OpenBLAS only
 * (TACT_CPU_GEMM=openblas, or no oneDNN). The environment is read once. */
typedef enum {
    TACT_CPU_GEMM_OPENBLAS = 0,
    TACT_CPU_GEMM_AUTO,
    TACT_CPU_GEMM_ONEDNN,
    TACT_CPU_GEMM_ONEDNN_SGEMM,
} tact_cpu_gemm_lib_t;
tact_cpu_gemm_lib_t tact__cpu_gemm_lib(void);
/* Choose the library (the oneDNN ones fall back to OPENBLAS where oneDNN, or its packed
 * sgemm, did not load); returns the previous choice. */
tact_cpu_gemm_lib_t tact__cpu_gemm_set_lib(tact_cpu_gemm_lib_t lib);

/* Process-wide count of weight packings (reorders) so far, for tests. */
uint64_t tact__cpu_gemm_packs(void);

#endif
