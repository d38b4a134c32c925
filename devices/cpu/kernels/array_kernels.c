/* SPDX-License-Identifier: MIT */
/* CPU kernels of runtime/ops/array_ops.c: PlaceholderWithDefault (its default), Select,
 * SelectV2, Pack and IdentityN. Every dtype, strings included: elements move through
 * tact__tensor_copy_elements, which copies strings one by one. The shapes were checked by the
 * run-time inference, so the kernels only move elements. */
#include "devices/cpu/kernels/family.h"

/* The default flows through when the op is not fed (a fed op does not run). */
static tact_code_t array_pwd(tact_kernel_ctx_t *k, tact_status_t *st)
{
    TACT_UNUSED(st);
    tact__tensor_copy_elements(k->out[0], 0, k->in[0], 0, k->in[0]->nelems);
    return TACT_CODE_OK;
}

/* Select: a scalar condition takes one input whole, a vector one takes rows, any other one
 * takes elements. */
static tact_code_t array_select(tact_kernel_ctx_t *k, tact_status_t *st)
{
    TACT_UNUSED(st);
    const tact_tensor_t *cond = k->in[0], *t = k->in[1], *e = k->in[2];
    tact_tensor_t *out = k->out[0];
    const bool *c = cond->data;
    if (cond->ndims == 0) {
        tact__tensor_copy_elements(out, 0, c[0] ? t : e, 0, out->nelems);
    } else if (cond->ndims == 1 && t->ndims > 1) {
        int64_t rows = cond->nelems, row = rows > 0 ? out->nelems / rows : 0;
        for (int64_t r = 0; r < rows && row > 0; r++)
            tact__tensor_copy_elements(out, r * row, c[r] ? t : e, r * row, row);
    } else {
        for (int64_t i = 0; i < out->nelems; i++)
            tact__tensor_copy_elements(out, i, c[i] ? t : e, i, 1);
    }
    return TACT_CODE_OK;
}

/* Element strides of `t` read under the broadcast output shape `out` (0 on broadcast axes). */
static void array_strides(const tact_tensor_t *t, const tact_tensor_t *out, int64_t *strides)
{
    int pad = out->ndims - t->ndims;
    int64_t s = 1;
    for (int d = out->ndims - 1; d >= 0; d--) {
        int64_t dim = d < pad ? 1 : t->dims[d - pad];
        strides[d] = dim == 1 ? 0 : s;
        s *= dim;
    }
}

/* SelectV2: condition, t and e broadcast against each other (numpy's rules). */
static tact_code_t array_select_v2(tact_kernel_ctx_t *k, tact_status_t *st)
{
    TACT_UNUSED(st);
    const tact_tensor_t *cond = k->in[0], *t = k->in[1], *e = k->in[2];
    tact_tensor_t *out = k->out[0];
    int64_t sc[TACT_MAX_DIMS], st_[TACT_MAX_DIMS], se[TACT_MAX_DIMS], idx[TACT_MAX_DIMS] = {0};
    array_strides(cond, out, sc);
    array_strides(t, out, st_);
    array_strides(e, out, se);
    const bool *c = cond->data;
    int64_t ic = 0, it = 0, ie = 0;
    for (int64_t i = 0; i < out->nelems; i++) {
        tact__tensor_copy_elements(out, i, c[ic] ? t : e, c[ic] ? it : ie, 1);
        /* the next output index, odometer style, moving each input's offset along */
        for (int d = out->ndims - 1; d >= 0; d--) {
            if (++idx[d] < out->dims[d]) {
                ic += sc[d];
                it += st_[d];
                ie += se[d];
                break;
            }
            ic -= sc[d] * (out->dims[d] - 1);
            it -= st_[d] * (out->dims[d] - 1);
            ie -= se[d] * (out->dims[d] - 1);
            idx[d] = 0;
        }
    }
    return TACT_CODE_OK;
}

/* Pack: input i becomes index i of the new axis. */
static tact_code_t array_pack(tact_kernel_ctx_t *k, tact_status_t *st)
{
    TACT_UNUSED(st);
    int n = k->n_in, axis = k->op->attrs.axis;
    const tact_tensor_t *first = k->in[0];
    if (axis < 0)
        axis += first->ndims + 1;
    int64_t outer = 1;
    for (int d = 0; d < axis; d++)
        outer *= first->dims[d];
    int64_t inner = outer > 0 ? first->nelems / outer : 0;
    for (int64_t o = 0; o < outer && inner > 0; o++) {
        for (int i = 0; i < n; i++)
            tact__tensor_copy_elements(k->out[0], (o * n + i) * inner, k->in[i], o * inner,
                                       inner);
    }
    return TACT_CODE_OK;
}

static tact_code_t array_identity_n(tact_kernel_ctx_t *k, tact_status_t *st)
{
    TACT_UNUSED(st);
    for (int i = 0; i < k->n_in; i++)
        tact__tensor_copy_elements(k->out[i], 0, k->in[i], 0, k->in[i]->nelems);
    return TACT_CODE_OK;
}

const tact_cpu_op_kernel_t tact__cpu_array_kernels[TACT_OP_COUNT] = {
    [TACT_OP_PLACEHOLDER_WITH_DEFAULT] = {.run = array_pwd},
    [TACT_OP_SELECT] = {.run = array_select},
    [TACT_OP_SELECT_V2] = {.run = array_select_v2},
    [TACT_OP_PACK] = {.run = array_pack},
    [TACT_OP_IDENTITY_N] = {.run = array_identity_n},
};
