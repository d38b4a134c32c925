/* SPDX-License-Identifier: MIT */
/* Walks for the CUDA kernels (walks.h). */
#include "devices/cuda/walks.h"
#include "devices/layout.h"

void tact__cuda_broadcast_walk(const tact_tensor_t *a, const tact_tensor_t *b,
                               const tact_tensor_t *out, tact_cuda_walk_t *w)
{
    bool bcast_a[TACT_MAX_DIMS];
    bool bcast_b[TACT_MAX_DIMS];
    int n = 0;
    int pad_a = out->ndims - a->ndims;
    int pad_b = out->ndims - b->ndims;
    for (int i = 0; i < out->ndims; i++) {
        int64_t d = out->dims[i];
        if (d == 1)
            continue;
        bool fa = i < pad_a || a->dims[i - pad_a] == 1;
        bool fb = i < pad_b || b->dims[i - pad_b] == 1;
        if (n > 0 && bcast_a[n - 1] == fa && bcast_b[n - 1] == fb) {
            w->dims[n - 1] *= d;
        } else {
            w->dims[n] = d;
            bcast_a[n] = fa;
            bcast_b[n] = fb;
            n++;
        }
    }
    int64_t ea = 1;
    int64_t eb = 1;
    for (int i = n - 1; i >= 0; i--) {
        w->stride_a[i] = bcast_a[i] ? 0 : ea;
        w->stride_b[i] = bcast_b[i] ? 0 : eb;
        ea *= bcast_a[i] ? 1 : w->dims[i];
        eb *= bcast_b[i] ? 1 : w->dims[i];
    }
    w->ndims = n;
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
