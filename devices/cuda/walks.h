/* SPDX-License-Identifier: MIT */
/* The walks the CUDA kernels take over their inputs, built on the host from the tensors'
 * shapes: numpy broadcasting for binary ops, kept and reduced axes for Sum and Mean. Plain C
 * with no CUDA type, so the host test of the kernels' element logic (tests/test_cuda_host.cu)
 * uses exactly what the backend launches with. */
#ifndef TACT_DEVICES_CUDA_WALKS_H
#define TACT_DEVICES_CUDA_WALKS_H

#include "devices/cuda/cuda_kernels.h"
#include "runtime/graph/graph_impl.h"

#ifdef __cplusplus
extern "C" {
#endif

/* The walk of out = a op b: the output's axes merged into runs that broadcast the same way in
 * a and b (size-1 axes dropped), each input's strides 0 where it repeats. */
void tact__cuda_broadcast_walk(const tact_tensor_t *a, const tact_tensor_t *b,
                               const tact_tensor_t *out, tact_cuda_walk_t *w);

/* How out = a op b is launched: SAME, SCALAR_A or SCALAR_B when the shapes allow, else
 * STRIDED with the broadcast walk in *w (zeroed otherwise). */
tact_cuda_bcast_t tact__cuda_binary_walk(const tact_tensor_t *a, const tact_tensor_t *b,
                                         const tact_tensor_t *out, tact_cuda_walk_t *w);

/* The walks of reducing x over attrs' axes (n_axes -1: all): the input's axes merged into runs
 * all reduced or all kept (size-1 axes dropped); keep walks the kept runs, rw the reduced ones,
 * both row-major with the input's strides (stride_a). REQUIRES: valid axes. */
void tact__cuda_reduce_walks(const tact_tensor_t *x, const tact_op_attrs_t *attrs,
                             tact_cuda_walk_t *keep, tact_cuda_walk_t *rw);

#ifdef __cplusplus
}
#endif

#endif
