/* SPDX-License-Identifier: MIT */
/* What the array ops' shape functions (array_ops.c) share with their CPU kernels
 * (devices/cpu/kernels/array_kernels.c): the slice spec StridedSlice resolves, and Range's
 * length, computed once by the same code for inference and for the kernel. */
#ifndef TACT_RUNTIME_OPS_ARRAY_OPS_H
#define TACT_RUNTIME_OPS_ARRAY_OPS_H

#include "runtime/ops/opdefs.h"

/* StridedSlice resolved against an input shape: per input dimension the first index, the
 * stride and the count taken (the processing shape), and the output shape after new axes and
 * shrunk ones. */
typedef struct tact_array_ss {
    int rank;
    int64_t begin[TACT_MAX_DIMS];
    int64_t stride[TACT_MAX_DIMS];
    int64_t proc[TACT_MAX_DIMS];
    tact_shape_t out;
} tact_array_ss_t;

/* TensorFlow's ValidateStridedSliceOp: 0, or -1 with TensorFlow's message in err. Unknown
 * sizes of `x` give unknown sizes. */
int tact__array_strided_slice(const tact_op_attrs_t *at, const tact_shape_t *x,
                              const tact_tensor_t *begin, const tact_tensor_t *end,
                              const tact_tensor_t *strides, tact_array_ss_t *ss, char *err,
                              size_t err_len);

/* Range's element count, or -1 with TensorFlow's message in err. */
int64_t tact__array_range_size(const tact_tensor_t *start, const tact_tensor_t *limit,
                               const tact_tensor_t *delta, char *err, size_t len);

/* Element i of an int32 or int64 tensor. */
int64_t tact__array_int_at(const tact_tensor_t *t, int64_t i);

#endif
