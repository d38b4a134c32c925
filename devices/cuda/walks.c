/* SPDX-License-Identifier: MIT */
/* Walks for the CUDA kernels (walks.h). */
#include "devices/cuda/walks.h"
#include "devices/layout.h"

void tact__cuda_broadcast_walk(const tact_tensor_t *a, const tact_tensor_t *b,
                               const tact_tensor_t *out, tact_cuda_walk_t *w)
{
    w->ndims = tact__broadcast_groups(a, b, out, w->dims, w->stride_a, w->stride_b);
}

void tact__cuda_reduce_walks(const tact_tensor_t *x, const tact_op_attrs_t *at,
                             tact_cuda_walk_t *keep, tact_cuda_walk_t *rw)
{
    int64_t dims[TACT_MAX_DIMS];
    bool red[TACT_MAX_DIMS];
    int n = tact__reduce_groups(x, at, dims, red);
    memset(keep, 0, sizeof *keep);
    memset(rw, 0, sizeof *rw);
    int64_t stride = 1;
    for (int i = n - 1; i >= 0; i--) {
        tact_cuda_walk_t *w = red[i] ? rw : keep;
        w->dims[w->ndims] = dims[i];
        w->stride_a[w->ndims] = stride;
        w->ndims++;
        stride *= dims[i];
    }
    tact_cuda_walk_t *walks[2] = {keep, rw};
    for (int k = 0; k < 2; k++) {
        tact_cuda_walk_t *w = walks[k];
        for (int i = 0, j = w->ndims - 1; i < j; i++, j--) {
            int64_t d = w->dims[i];
            int64_t s = w->stride_a[i];
            w->dims[i] = w->dims[j];
            w->stride_a[i] = w->stride_a[j];
            w->dims[j] = d;
            w->stride_a[j] = s;
        }
    }
}

tact_cuda_bcast_t tact__cuda_binary_walk(const tact_tensor_t *a, const tact_tensor_t *b,
                                         const tact_tensor_t *out, tact_cuda_walk_t *w)
{
    memset(w, 0, sizeof *w);
    if (a->nelems == out->nelems && b->nelems == out->nelems)
        return TACT_CUDA_SAME;
    if (a->nelems == 1)
        return TACT_CUDA_SCALAR_A;
    if (b->nelems == 1)
        return TACT_CUDA_SCALAR_B;
    tact__cuda_broadcast_walk(a, b, out, w);
    return TACT_CUDA_STRIDED;
}
