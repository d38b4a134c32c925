/* SPDX-License-Identifier: MIT */
/* CPU kernels of runtime/ops/array_ops.c: PlaceholderWithDefault (its default), Select,
 * SelectV2, Pack, IdentityN and the value-shaped ops (Shape ... OnesLike, PadV2; Range and
 * OneHot compute, the others move). Every dtype, strings included: elements move through
 * tact__tensor_copy_elements, which copies strings one by one. The shapes were checked by the
 * run-time inference, so the kernels only move elements (GatherV2 checks its indices, as
 * TensorFlow's kernel does). */
#include "devices/cpu/kernels/family.h"
#include "runtime/ops/array_ops.h"

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


/* ---- Shape, Size, Rank ---- */

static void array_put_int(tact_tensor_t *t, int64_t i, int64_t v)
{
    if (t->dtype == TACT_DTYPE_I32)
        ((int32_t *) t->data)[i] = (int32_t) v;
    else
        ((int64_t *) t->data)[i] = v;
}

static tact_code_t array_shape(tact_kernel_ctx_t *k, tact_status_t *st)
{
    const tact_tensor_t *x = k->in[0];
    tact_tensor_t *out = k->out[0];
    for (int d = 0; d < x->ndims; d++) {
        if (out->dtype == TACT_DTYPE_I32 && x->dims[d] > INT32_MAX)
            return tact__fail(st, TACT_CODE_INVALID_ARGUMENT,
                              "Shape output type is 32-bit  but dim %d is %" PRId64, d,
                              x->dims[d]);
        array_put_int(out, d, x->dims[d]);
    }
    return TACT_CODE_OK;
}

static tact_code_t array_size(tact_kernel_ctx_t *k, tact_status_t *st)
{
    const tact_tensor_t *x = k->in[0];
    if (k->op->kind == TACT_OP_RANK) {
        array_put_int(k->out[0], 0, x->ndims);
        return TACT_CODE_OK;
    }
    if (k->out[0]->dtype == TACT_DTYPE_I32 && x->nelems > INT32_MAX)
        return tact__fail(st, TACT_CODE_INVALID_ARGUMENT,
                          "Number of elements was larger than representable by 32-bit output "
                          "type");
    array_put_int(k->out[0], 0, x->nelems);
    return TACT_CODE_OK;
}

/* ---- strided copies: Slice, StridedSlice, Tile, Pad, Transpose-like walks ---- */

/* Row-major element strides of a shape. */
static void array_elem_strides(const tact_tensor_t *t, int64_t *s)
{
    int64_t acc = 1;
    for (int d = t->ndims - 1; d >= 0; d--) {
        s[d] = acc;
        acc *= t->dims[d];
    }
}

/* Copies out's elements, in order, from src at begin[d] + i[d] * step[d] over the index box
 * count[0..rank) (the output has the box's element count). */
static void array_gather_box(tact_tensor_t *out, const tact_tensor_t *src, int rank,
                             const int64_t *begin, const int64_t *step, const int64_t *count)
{
    int64_t n = 1;
    for (int d = 0; d < rank; d++)
        n *= count[d];
    if (n == 0)
        return;
    int64_t ss[TACT_MAX_DIMS], idx[TACT_MAX_DIMS] = {0}, off = 0;
    array_elem_strides(src, ss);
    for (int d = 0; d < rank; d++)
        off += begin[d] * ss[d];
    for (int64_t i = 0; i < n; i++) {
        tact__tensor_copy_elements(out, i, src, off, 1);
        for (int d = rank - 1; d >= 0; d--) {
            if (++idx[d] < count[d]) {
                off += step[d] * ss[d];
                break;
            }
            off -= step[d] * ss[d] * (count[d] - 1);
            idx[d] = 0;
        }
    }
}

static tact_code_t array_slice(tact_kernel_ctx_t *k, tact_status_t *st)
{
    TACT_UNUSED(st);
    const tact_tensor_t *x = k->in[0];
    int64_t begin[TACT_MAX_DIMS], step[TACT_MAX_DIMS];
    for (int d = 0; d < x->ndims; d++) {
        begin[d] = tact__array_int_at(k->in[1], d);
        step[d] = 1;
    }
    array_gather_box(k->out[0], x, x->ndims, begin, step, k->out[0]->dims);
    return TACT_CODE_OK;
}

static tact_code_t array_strided_slice(tact_kernel_ctx_t *k, tact_status_t *st)
{
    const tact_tensor_t *x = k->in[0];
    tact_shape_t xs = tact__tensor_shape(x);
    tact_array_ss_t ss;
    char err[200];
    if (tact__array_strided_slice(&k->op->attrs, &xs, k->in[1], k->in[2], k->in[3], &ss, err,
                                  sizeof err))
        return tact__fail(st, TACT_CODE_INVALID_ARGUMENT, "%s", err);
    array_gather_box(k->out[0], x, x->ndims, ss.begin, ss.stride, ss.proc);
    return TACT_CODE_OK;
}

/* Tile: output index i reads input index i mod dims. */
static tact_code_t array_tile(tact_kernel_ctx_t *k, tact_status_t *st)
{
    TACT_UNUSED(st);
    const tact_tensor_t *x = k->in[0];
    tact_tensor_t *out = k->out[0];
    int rank = x->ndims;
    int64_t xs[TACT_MAX_DIMS], idx[TACT_MAX_DIMS] = {0};
    array_elem_strides(x, xs);
    for (int64_t i = 0; i < out->nelems; i++) {
        int64_t off = 0;
        for (int d = 0; d < rank; d++)
            off += (idx[d] % x->dims[d]) * xs[d];
        tact__tensor_copy_elements(out, i, x, off, 1);
        for (int d = rank - 1; d >= 0; d--) {
            if (++idx[d] < out->dims[d])
                break;
            idx[d] = 0;
        }
    }
    return TACT_CODE_OK;
}

/* Pad: zeros (empty strings), PadV2: its constant_values, then the input at its offsets. */
static tact_code_t array_pad(tact_kernel_ctx_t *k, tact_status_t *st)
{
    TACT_UNUSED(st);
    const tact_tensor_t *x = k->in[0];
    tact_tensor_t *out = k->out[0];
    size_t esz = tact_dtype_size(out->dtype);
    if (k->op->kind == TACT_OP_PAD_V2) {
        for (int64_t i = 0; i < out->nelems; i++)
            tact__tensor_copy_elements(out, i, k->in[2], 0, 1);
    } else if (esz > 0) {
        memset(out->data, 0, (size_t) out->nelems * esz);
    }
    if (x->nelems == 0)
        return TACT_CODE_OK;
    int rank = x->ndims;
    int64_t os[TACT_MAX_DIMS], idx[TACT_MAX_DIMS] = {0}, off = 0;
    array_elem_strides(out, os);
    for (int d = 0; d < rank; d++)
        off += tact__array_int_at(k->in[1], 2 * d) * os[d];
    for (int64_t i = 0; i < x->nelems; i++) {
        tact__tensor_copy_elements(out, off, x, i, 1);
        for (int d = rank - 1; d >= 0; d--) {
            if (++idx[d] < x->dims[d]) {
                off += os[d];
                break;
            }
            off -= os[d] * (x->dims[d] - 1);
            idx[d] = 0;
        }
    }
    return TACT_CODE_OK;
}

/* ---- Squeeze, ExpandDims: the same elements under another shape ---- */

static tact_code_t array_copy(tact_kernel_ctx_t *k, tact_status_t *st)
{
    TACT_UNUSED(st);
    tact__tensor_copy_elements(k->out[0], 0, k->in[0], 0, k->in[0]->nelems);
    return TACT_CODE_OK;
}

/* ---- ConcatV2, Split, Unpack: blocks along an axis ---- */

static int64_t array_outer(const tact_tensor_t *t, int axis)
{
    int64_t n = 1;
    for (int d = 0; d < axis; d++)
        n *= t->dims[d];
    return n;
}

static int64_t array_inner(const tact_tensor_t *t, int axis)
{
    int64_t n = 1;
    for (int d = axis; d < t->ndims; d++)
        n *= t->dims[d];
    return n;
}

static tact_code_t array_concat(tact_kernel_ctx_t *k, tact_status_t *st)
{
    TACT_UNUSED(st);
    int n = k->n_in - 1;
    tact_tensor_t *out = k->out[0];
    int64_t axis = tact__array_int_at(k->in[n], 0);
    if (axis < 0)
        axis += out->ndims;
    int64_t outer = array_outer(out, (int) axis), at = 0;
    for (int64_t o = 0; o < outer; o++) {
        for (int i = 0; i < n; i++) {
            int64_t len = array_inner(k->in[i], (int) axis);
            tact__tensor_copy_elements(out, at, k->in[i], o * len, len);
            at += len;
        }
    }
    return TACT_CODE_OK;
}

static tact_code_t array_split(tact_kernel_ctx_t *k, tact_status_t *st)
{
    TACT_UNUSED(st);
    const tact_tensor_t *x = k->in[1];
    int num = k->op->attrs.num;
    int64_t axis = tact__array_int_at(k->in[0], 0);
    if (axis < 0)
        axis += x->ndims;
    int64_t outer = array_outer(x, (int) axis), len = array_inner(k->out[0], (int) axis);
    for (int64_t o = 0; o < outer; o++)
        for (int i = 0; i < num; i++)
            tact__tensor_copy_elements(k->out[i], o * len, x, (o * num + i) * len, len);
    return TACT_CODE_OK;
}

static tact_code_t array_unpack(tact_kernel_ctx_t *k, tact_status_t *st)
{
    TACT_UNUSED(st);
    const tact_tensor_t *x = k->in[0];
    int num = k->op->attrs.num, axis = k->op->attrs.axis;
    if (axis < 0)
        axis += x->ndims;
    int64_t outer = array_outer(x, axis), len = num > 0 ? array_inner(x, axis + 1) : 0;
    for (int64_t o = 0; o < outer; o++)
        for (int i = 0; i < num; i++)
            tact__tensor_copy_elements(k->out[i], o * len, x, (o * num + i) * len, len);
    return TACT_CODE_OK;
}

/* ---- GatherV2 ---- */

/* "indices[0,1]": an index of `t` printed as TensorFlow does. */
static void array_index_str(const tact_tensor_t *t, int64_t flat, char *buf, size_t len)
{
    int64_t idx[TACT_MAX_DIMS];
    for (int d = t->ndims - 1; d >= 0; d--) {
        idx[d] = t->dims[d] > 0 ? flat % t->dims[d] : 0;
        flat = t->dims[d] > 0 ? flat / t->dims[d] : 0;
    }
    size_t pos = 0;
    buf[0] = '\0';
    for (int d = 0; d < t->ndims && pos < len; d++) {
        int w = snprintf(buf + pos, len - pos, "%s%" PRId64, d ? "," : "", idx[d]);
        pos += w > 0 ? (size_t) w : 0;
    }
}

static tact_code_t array_gather(tact_kernel_ctx_t *k, tact_status_t *st)
{
    const tact_tensor_t *p = k->in[0], *ix = k->in[1];
    int64_t axis = tact__array_int_at(k->in[2], 0);
    if (axis < 0)
        axis += p->ndims;
    int64_t outer = array_outer(p, (int) axis), limit = p->dims[axis];
    int64_t inner = array_inner(p, (int) axis + 1);
    for (int64_t j = 0; j < ix->nelems; j++) {
        int64_t v = tact__array_int_at(ix, j);
        if (v < 0 || v >= limit) {
            char where[96];
            array_index_str(ix, j, where, sizeof where);
            return tact__fail(st, TACT_CODE_INVALID_ARGUMENT,
                              "indices[%s] = %" PRId64 " is not in [0, %" PRId64 ")", where, v,
                              limit);
        }
    }
    for (int64_t o = 0; o < outer; o++)
        for (int64_t j = 0; j < ix->nelems; j++)
            tact__tensor_copy_elements(k->out[0], (o * ix->nelems + j) * inner, p,
                                       (o * limit + tact__array_int_at(ix, j)) * inner, inner);
    return TACT_CODE_OK;
}

/* ---- OneHot ---- */

static tact_code_t array_one_hot(tact_kernel_ctx_t *k, tact_status_t *st)
{
    TACT_UNUSED(st);
    const tact_tensor_t *ix = k->in[0];
    tact_tensor_t *out = k->out[0];
    int axis = k->op->attrs.axis < 0 ? ix->ndims : k->op->attrs.axis;
    int64_t depth = tact__array_int_at(k->in[1], 0);
    int64_t outer = array_outer(ix, axis), inner = array_inner(ix, axis);
    for (int64_t i = 0; i < out->nelems; i++)
        tact__tensor_copy_elements(out, i, k->in[3], 0, 1);
    for (int64_t o = 0; o < outer; o++)
        for (int64_t j = 0; j < inner; j++) {
            int64_t v = tact__array_int_at(ix, o * inner + j);
            if (v >= 0 && v < depth)
                tact__tensor_copy_elements(out, (o * depth + v) * inner + j, k->in[2], 0, 1);
        }
    return TACT_CODE_OK;
}

/* ---- Range ---- */

static tact_code_t array_range(tact_kernel_ctx_t *k, tact_status_t *st)
{
    TACT_UNUSED(st);
    tact_tensor_t *out = k->out[0];
    const tact_tensor_t *s = k->in[0], *d = k->in[2];
    /* Each value is the last plus delta, as TensorFlow's kernel adds (its float rounding). */
    switch (out->dtype) {
    case TACT_DTYPE_F32: {
        float v = *(const float *) s->data, step = *(const float *) d->data;
        for (int64_t i = 0; i < out->nelems; i++, v += step)
            ((float *) out->data)[i] = v;
        break;
    }
    case TACT_DTYPE_F64: {
        double v = *(const double *) s->data, step = *(const double *) d->data;
        for (int64_t i = 0; i < out->nelems; i++, v += step)
            ((double *) out->data)[i] = v;
        break;
    }
    default: {
        /* unsigned: the step past the last value may leave int64's range */
        uint64_t v = (uint64_t) tact__array_int_at(s, 0);
        uint64_t step = (uint64_t) tact__array_int_at(d, 0);
        for (int64_t i = 0; i < out->nelems; i++, v += step)
            array_put_int(out, i, (int64_t) v);
        break;
    }
    }
    return TACT_CODE_OK;
}

/* ---- ZerosLike, OnesLike ---- */

static tact_code_t array_like(tact_kernel_ctx_t *k, tact_status_t *st)
{
    TACT_UNUSED(st);
    tact_tensor_t *out = k->out[0];
    size_t esz = tact_dtype_size(out->dtype);
    if (esz > 0)
        memset(out->data, 0, (size_t) out->nelems * esz);  /* strings start empty */
    if (k->op->kind == TACT_OP_ZEROS_LIKE)
        return TACT_CODE_OK;
    for (int64_t i = 0; i < out->nelems; i++) {
        switch (out->dtype) {
        case TACT_DTYPE_F32: ((float *) out->data)[i] = 1.0f; break;
        case TACT_DTYPE_F64: ((double *) out->data)[i] = 1.0; break;
        case TACT_DTYPE_BOOL: ((bool *) out->data)[i] = true; break;
        default: array_put_int(out, i, 1); break;
        }
    }
    return TACT_CODE_OK;
}

const tact_cpu_op_kernel_t tact__cpu_array_kernels[TACT_OP_COUNT] = {
    [TACT_OP_PLACEHOLDER_WITH_DEFAULT] = {.run = array_pwd},
    [TACT_OP_SELECT] = {.run = array_select},
    [TACT_OP_SELECT_V2] = {.run = array_select_v2},
    [TACT_OP_PACK] = {.run = array_pack},
    [TACT_OP_IDENTITY_N] = {.run = array_identity_n},
    [TACT_OP_SHAPE] = {.run = array_shape},
    [TACT_OP_SIZE] = {.run = array_size},
    [TACT_OP_RANK] = {.run = array_size},
    [TACT_OP_SLICE] = {.run = array_slice},
    [TACT_OP_STRIDED_SLICE] = {.run = array_strided_slice},
    [TACT_OP_SQUEEZE] = {.run = array_copy},
    [TACT_OP_EXPAND_DIMS] = {.run = array_copy},
    [TACT_OP_CONCAT_V2] = {.run = array_concat},
    [TACT_OP_SPLIT] = {.run = array_split},
    [TACT_OP_UNPACK] = {.run = array_unpack},
    [TACT_OP_TILE] = {.run = array_tile},
    [TACT_OP_PAD] = {.run = array_pad},
    [TACT_OP_GATHER_V2] = {.run = array_gather},
    [TACT_OP_ONE_HOT] = {.run = array_one_hot},
    [TACT_OP_RANGE] = {.run = array_range},
    [TACT_OP_ZEROS_LIKE] = {.run = array_like},
    [TACT_OP_ONES_LIKE] = {.run = array_like},
    [TACT_OP_PAD_V2] = {.run = array_pad},
};
