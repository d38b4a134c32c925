/* SPDX-License-Identifier: MIT */
/* Broadcast, transpose and reduction groups (layout.h). */
#include "devices/layout.h"

int tact__transpose_groups(const tact_tensor_t *x, const tact_op_attrs_t *attrs,
                           int64_t gdim[TACT_MAX_DIMS], int64_t gstride[TACT_MAX_DIMS])
{
    int r = x->ndims;
    int perm[TACT_MAX_DIMS];
    for (int i = 0; i < r; i++)
        perm[i] = attrs->n_perm < 0 ? r - 1 - i : attrs->perm[i];

    /* Drop size-1 axes, renumbering the rest. */
    int renum[TACT_MAX_DIMS];
    int64_t d1[TACT_MAX_DIMS];
    int m = 0;
    for (int i = 0; i < r; i++) {
        renum[i] = x->dims[i] == 1 ? -1 : m;
        if (x->dims[i] != 1)
            d1[m++] = x->dims[i];
    }
    /* Runs of output axes that are consecutive input axes move together: groups, in output
     * order, each a run of input axes [start, start + len). */
    int start[TACT_MAX_DIMS];
    int len[TACT_MAX_DIMS];
    int ng = 0;
    for (int i = 0; i < r; i++) {
        int p = renum[perm[i]];
        if (p < 0)
            continue;
        if (ng > 0 && p == start[ng - 1] + len[ng - 1]) {
            len[ng - 1]++;
        } else {
            start[ng] = p;
            len[ng] = 1;
            ng++;
        }
    }
    for (int g = 0; g < ng; g++) {
        gdim[g] = 1;
        for (int k = start[g]; k < start[g] + len[g]; k++)
            gdim[g] *= d1[k];
    }
    for (int g = 0; g < ng; g++) {
        gstride[g] = 1;
        for (int h = 0; h < ng; h++)
            if (start[h] > start[g])
                gstride[g] *= gdim[h];
    }
    return ng;
}

int tact__reduce_groups(const tact_tensor_t *x, const tact_op_attrs_t *attrs,
                        int64_t dims[TACT_MAX_DIMS], bool reduced[TACT_MAX_DIMS])
{
    bool reduce[TACT_MAX_DIMS] = { false };
    for (int i = 0; i < x->ndims; i++)
        reduce[i] = attrs->n_axes < 0;
    for (int i = 0; i < attrs->n_axes; i++) {
        int axis = attrs->axes[i];
        TACT_ASSERT(axis >= -x->ndims && axis < x->ndims);
        reduce[axis < 0 ? axis + x->ndims : axis] = true;
    }
    int n = 0;
    for (int i = 0; i < x->ndims; i++) {
        if (x->dims[i] == 1)
            continue;
        if (n > 0 && reduced[n - 1] == reduce[i]) {
            dims[n - 1] *= x->dims[i];
        } else {
            dims[n] = x->dims[i];
            reduced[n] = reduce[i];
            n++;
        }
    }
    return n;
}

int tact__broadcast_groups(const tact_tensor_t *a, const tact_tensor_t *b,
                           const tact_tensor_t *out, int64_t dims[TACT_MAX_DIMS],
                           int64_t stride_a[TACT_MAX_DIMS], int64_t stride_b[TACT_MAX_DIMS])
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
            dims[n - 1] *= d;
        } else {
            dims[n] = d;
            bcast_a[n] = fa;
            bcast_b[n] = fb;
            n++;
        }
    }
    int64_t ea = 1;
    int64_t eb = 1;
    for (int i = n - 1; i >= 0; i--) {
        stride_a[i] = bcast_a[i] ? 0 : ea;
        stride_b[i] = bcast_b[i] ? 0 : eb;
        ea *= bcast_a[i] ? 1 : dims[i];
        eb *= bcast_b[i] ? 1 : dims[i];
    }
    return n;
}
