/* SPDX-License-Identifier: MIT */
/* CPU kernels of runtime/ops/sparse_ops.c: SparseToDense, TactSparseFromDense,
 * SparseReduceSum, SparseTensorDenseMatMul, SparseAdd and SparseTensorDenseAdd. The run-time
 * inference checked the shapes; these check what only the values tell (indices in bounds and
 * in order, a_shape against b) with TensorFlow's kernels' words, and make the outputs whose
 * sizes the values fix. Arithmetic on float, double, int32 and int64 values. */
#include "devices/cpu/kernels/family.h"

#define SPARSE_TEXT_LEN 160

/* ---- element arithmetic on the four numeric dtypes ---- */

static double sparse_get_f(const tact_tensor_t *t, int64_t i)
{
    switch (t->dtype) {
    case TACT_DTYPE_F32: return ((const float *) t->data)[i];
    case TACT_DTYPE_F64: return ((const double *) t->data)[i];
    case TACT_DTYPE_I32: return ((const int32_t *) t->data)[i];
    case TACT_DTYPE_I64: return (double) ((const int64_t *) t->data)[i];
    case TACT_DTYPE_BOOL: return ((const bool *) t->data)[i];
    default: TACT_ASSERT(!"numeric dtype"); return 0;
    }
}

/* dst[di] += a[ai] * (b ? b[bi] : 1), in dst's dtype (the integers without going through a
 * double, so int64 sums stay exact). */
static void sparse_acc(tact_tensor_t *dst, int64_t di, const tact_tensor_t *a, int64_t ai,
                       const tact_tensor_t *b, int64_t bi)
{
    switch (dst->dtype) {
    case TACT_DTYPE_F32:
        ((float *) dst->data)[di] += ((const float *) a->data)[ai] *
                                     (b ? ((const float *) b->data)[bi] : 1.0f);
        break;
    case TACT_DTYPE_F64:
        ((double *) dst->data)[di] += ((const double *) a->data)[ai] *
                                      (b ? ((const double *) b->data)[bi] : 1.0);
        break;
    case TACT_DTYPE_I32:
        ((int32_t *) dst->data)[di] = (int32_t) ((uint32_t) ((int32_t *) dst->data)[di] +
            (uint32_t) ((const int32_t *) a->data)[ai] *
            (uint32_t) (b ? ((const int32_t *) b->data)[bi] : 1));
        break;
    case TACT_DTYPE_I64:
        ((int64_t *) dst->data)[di] = (int64_t) ((uint64_t) ((int64_t *) dst->data)[di] +
            (uint64_t) ((const int64_t *) a->data)[ai] *
            (uint64_t) (b ? ((const int64_t *) b->data)[bi] : 1));
        break;
    default:
        TACT_ASSERT(!"numeric dtype");
    }
}

static void sparse_zero(tact_tensor_t *t)
{
    if (t->nbytes > 0)
        memset(t->data, 0, t->nbytes);
}

static bool sparse_numeric(const tact_op_t *op)
{
    tact_dtype_t d = op->inputs[1].op->out_dtype[op->inputs[1].index];
    return d == TACT_DTYPE_F32 || d == TACT_DTYPE_F64 || d == TACT_DTYPE_I32 ||
           d == TACT_DTYPE_I64;
}

/* "[3,0]": index row i of an [N, rank] matrix, as TensorFlow prints it in messages. */
static char *sparse_index_str(const int64_t *ind, int64_t rank, int64_t i, char *buf,
                              size_t len)
{
    size_t at = (size_t) snprintf(buf, len, "[");
    for (int64_t d = 0; d < rank && at < len; d++)
        at += (size_t) snprintf(buf + at, len - at, d ? ",%" PRId64 : "%" PRId64,
                                ind[i * rank + d]);
    if (at < len)
        snprintf(buf + at, len - at, "]");
    return buf;
}

/* "[3,4]" from a dense_shape vector. */
static char *sparse_shape_str(const int64_t *shape, int64_t rank, char *buf, size_t len)
{
    return sparse_index_str(shape, rank, 0, buf, len);
}

/* Row-major offset of index row i in `shape`, or -1 with *bad_d set when a coordinate is out
 * of bounds. */
static int64_t sparse_offset(const int64_t *ind, int64_t rank, int64_t i, const int64_t *shape,
                             int *bad_d)
{
    uint64_t off = 0;  /* unsigned: a shape too large to allocate may wrap, never trap */
    for (int64_t d = 0; d < rank; d++) {
        int64_t x = ind[i * rank + d];
        if (x < 0 || x >= shape[d]) {
            *bad_d = (int) d;
            return -1;
        }
        off = off * (uint64_t) shape[d] + (uint64_t) x;
    }
    return (int64_t) (off & (uint64_t) INT64_MAX);
}

/* A dense shape read from an int64 vector: negative sizes are refused. */
static tact_code_t sparse_read_shape(const tact_tensor_t *v, const char *what,
                                     tact_shape_t *out, tact_status_t *st)
{
    const int64_t *s = v->data;
    if (v->nelems > TACT_MAX_DIMS)
        return tact__fail(st, TACT_CODE_UNIMPLEMENTED, "%s has %" PRId64 " dims; tact has at "
                          "most %d", what, v->nelems, TACT_MAX_DIMS);
    out->ndims = (int) v->nelems;
    for (int d = 0; d < out->ndims; d++) {
        if (s[d] < 0)
            return tact__fail(st, TACT_CODE_INVALID_ARGUMENT, "%s has a negative dimension: "
                              "%s[%d] = %" PRId64, what, what, d, s[d]);
        out->dims[d] = s[d];
    }
    return TACT_CODE_OK;
}

/* ---- SparseToDense ---- */

static tact_code_t sparse_to_dense(tact_kernel_ctx_t *k, tact_status_t *st)
{
    const tact_tensor_t *ind_t = k->in[0], *shape_t = k->in[1], *val = k->in[2];
    const tact_tensor_t *def = k->in[3];
    int64_t n = ind_t->ndims > 0 ? ind_t->dims[0] : 1;
    int64_t rank = ind_t->ndims > 1 ? ind_t->dims[1] : 1;
    const int64_t *ind = ind_t->data, *shape = shape_t->data;
    tact_shape_t out_shape;
    if (sparse_read_shape(shape_t, "output_shape", &out_shape, st) != TACT_CODE_OK)
        return st->code;
    char a[SPARSE_TEXT_LEN], b[SPARSE_TEXT_LEN];
    /* Checked before the output exists: a bad index costs no allocation. */
    for (int64_t i = 0; i < n; i++) {
        int bad = 0;
        if (sparse_offset(ind, rank, i, shape, &bad) < 0)
            return tact__fail(st, TACT_CODE_INVALID_ARGUMENT, "indices[%" PRId64 "] = %s is "
                              "out of bounds: need 0 <= index < %s", i,
                              sparse_index_str(ind, rank, i, a, sizeof a),
                              sparse_shape_str(shape, rank, b, sizeof b));
        if (!k->op->attrs.validate_indices || i == 0)
            continue;
        int cmp = 0;  /* row i against row i-1, lexicographically */
        for (int64_t d = 0; d < rank && cmp == 0; d++) {
            int64_t x = ind[i * rank + d], y = ind[(i - 1) * rank + d];
            cmp = x < y ? -1 : x > y;
        }
        if (cmp < 0)
            return tact__fail(st, TACT_CODE_INVALID_ARGUMENT, "indices[%" PRId64 "] = %s is "
                              "out of order. Many sparse ops require sorted indices.\n    Use "
                              "`tf.sparse.reorder` to create a correctly ordered copy.\n\n", i,
                              sparse_index_str(ind, rank, i, a, sizeof a));
        if (cmp == 0)
            return tact__fail(st, TACT_CODE_INVALID_ARGUMENT, "indices[%" PRId64 "] = %s is "
                              "repeated", i, sparse_index_str(ind, rank, i, a, sizeof a));
    }
    tact_tensor_t *out = k->out[0];
    if (out == NULL && (out = k->out[0] = tact__kernel_alloc(k, val->dtype, &out_shape, st)) == NULL)
        return st->code;
    for (int64_t e = 0; e < out->nelems; e++)
        tact__tensor_copy_elements(out, e, def, 0, 1);
    for (int64_t i = 0; i < n; i++) {
        int bad = 0;
        int64_t off = sparse_offset(ind, rank, i, shape, &bad);
        tact__tensor_copy_elements(out, off, val, val->ndims == 0 ? 0 : i, 1);
    }
    return TACT_CODE_OK;
}

/* ---- TactSparseFromDense ---- */

static bool sparse_nonzero(const tact_tensor_t *t, int64_t i)
{
    return sparse_get_f(t, i) != 0;  /* NaN counts, as in TensorFlow's NotEqual(x, 0) */
}

static tact_code_t sparse_from_dense(tact_kernel_ctx_t *k, tact_status_t *st)
{
    const tact_tensor_t *x = k->in[0];
    int64_t n = 0;
    for (int64_t e = 0; e < x->nelems; e++)
        n += sparse_nonzero(x, e);
    tact_shape_t si = {.ndims = 2, .dims = {n, x->ndims}}, sv = {.ndims = 1, .dims = {n}};
    k->out[0] = tact__kernel_alloc(k, TACT_DTYPE_I64, &si, st);
    k->out[1] = k->out[0] ? tact__kernel_alloc(k, x->dtype, &sv, st) : NULL;
    if (k->out[1] == NULL)
        return st->code;
    int64_t *ind = k->out[0]->data, *shape = k->out[2]->data;
    int64_t idx[TACT_MAX_DIMS] = {0}, at = 0;
    for (int64_t e = 0; e < x->nelems; e++) {
        if (sparse_nonzero(x, e)) {
            for (int d = 0; d < x->ndims; d++)
                ind[at * x->ndims + d] = idx[d];
            tact__tensor_copy_elements(k->out[1], at++, x, e, 1);
        }
        for (int d = x->ndims - 1; d >= 0 && ++idx[d] == x->dims[d]; d--)
            idx[d] = 0;  /* odometer: the next row-major index */
    }
    for (int d = 0; d < x->ndims; d++)
        shape[d] = x->dims[d];
    return TACT_CODE_OK;
}

/* ---- SparseReduceSum ---- */

/* Output offset of index row i: its coordinates on the kept axes times their strides
 * (wrapping as unsigned, so a huge coordinate gives some offset the bounds check refuses). */
static int64_t sparse_kept_offset(const int64_t *ind, int64_t rank, int64_t i,
                                  const int64_t *kept_size)
{
    uint64_t off = 0;
    for (int64_t d = 0; d < rank; d++)
        off += (uint64_t) ind[i * rank + d] * (uint64_t) kept_size[d];
    return (int64_t) off;
}

static tact_code_t sparse_reduce_sum(tact_kernel_ctx_t *k, tact_status_t *st)
{
    const tact_tensor_t *ind_t = k->in[0], *val = k->in[1], *shape_t = k->in[2];
    const tact_op_attrs_t *at = &k->op->attrs;
    int64_t n = ind_t->dims[0], rank = ind_t->dims[1];
    const int64_t *ind = ind_t->data;
    tact_shape_t in_shape;
    if (sparse_read_shape(shape_t, "input_shape", &in_shape, st) != TACT_CODE_OK)
        return st->code;
    bool reduced[TACT_MAX_DIMS] = {false};
    for (int i = 0; i < (at->n_axes < 0 ? (int) rank : at->n_axes); i++) {
        int ax = at->n_axes < 0 ? i : at->axes[i];
        if (ax < -rank || ax >= rank)
            return tact__fail(st, TACT_CODE_INVALID_ARGUMENT, "Invalid reduction dimension %d,"
                              " for input with %" PRId64 " dimensions.", ax, rank);
        reduced[ax < 0 ? ax + rank : ax] = true;
    }
    tact_shape_t out_shape = {.ndims = 0};
    int64_t kept_size[TACT_MAX_DIMS];  /* row-major strides of the kept dims */
    for (int d = 0; d < rank; d++) {
        if (!reduced[d])
            out_shape.dims[out_shape.ndims++] = in_shape.dims[d];
        else if (at->keep_dims)
            out_shape.dims[out_shape.ndims++] = 1;
    }
    uint64_t stride = 1;
    for (int d = (int) rank - 1; d >= 0; d--) {
        kept_size[d] = reduced[d] ? 0 : (int64_t) stride;
        stride *= reduced[d] ? 1 : (uint64_t) in_shape.dims[d];
    }
    /* As TensorFlow, only where an entry lands in the output is checked (a coordinate on a
     * reduced axis is not). */
    int64_t out_n = tact__shape_nelems(&out_shape);
    for (int64_t i = 0; i < n; i++) {
        int64_t off = sparse_kept_offset(ind, rank, i, kept_size);
        if (off < 0 || off >= out_n)
            return tact__fail(st, TACT_CODE_INVALID_ARGUMENT, "Obtained a write index of %"
                              PRId64 " which is outside of bounds of [0, %" PRId64 ")", off,
                              out_n);
    }
    tact_tensor_t *out = k->out[0] = tact__kernel_alloc(k, val->dtype, &out_shape, st);
    if (out == NULL)
        return st->code;
    sparse_zero(out);
    for (int64_t i = 0; i < n; i++)
        sparse_acc(out, sparse_kept_offset(ind, rank, i, kept_size), val, i, NULL, 0);
    return TACT_CODE_OK;
}

/* ---- SparseTensorDenseMatMul ---- */

static tact_code_t sparse_matmul(tact_kernel_ctx_t *k, tact_status_t *st)
{
    const tact_tensor_t *ind_t = k->in[0], *val = k->in[1], *shape_t = k->in[2], *b = k->in[3];
    bool adj_a = k->op->attrs.transpose_a, adj_b = k->op->attrs.transpose_b;
    const int64_t *ind = ind_t->data, *ashape = shape_t->data;
    int64_t n = ind_t->dims[0];
    int64_t out_rows = ashape[adj_a ? 1 : 0], inner_a = ashape[adj_a ? 0 : 1];
    int64_t inner_b = b->dims[adj_b ? 1 : 0], out_cols = b->dims[adj_b ? 0 : 1];
    if (ashape[0] < 0 || ashape[1] < 0)
        return tact__fail(st, TACT_CODE_INVALID_ARGUMENT, "a_shape has a negative dimension: "
                          "[%" PRId64 ",%" PRId64 "]", ashape[0], ashape[1]);
    if (inner_a != inner_b)
        return tact__fail(st, TACT_CODE_INVALID_ARGUMENT, "Cannot multiply A and B because "
                          "inner dimension does not match: %" PRId64 " vs. %" PRId64 ".  Did "
                          "you forget a transpose?  Dimensions of A: [%" PRId64 ", %" PRId64
                          ").  Dimensions of B: [%" PRId64 ",%" PRId64 "]", inner_a, inner_b,
                          ashape[0], ashape[1], b->dims[0], b->dims[1]);
    for (int64_t i = 0; i < n; i++) {
        int64_t m = ind[2 * i + (adj_a ? 1 : 0)], kk = ind[2 * i + (adj_a ? 0 : 1)];
        if (kk < 0 || kk >= inner_a)
            return tact__fail(st, TACT_CODE_INVALID_ARGUMENT, "k (%" PRId64 ") from index[%"
                              PRId64 ",%d] out of bounds (>=%" PRId64 ")", kk, i, adj_a ? 0 : 1,
                              inner_a);
        if (m < 0 || m >= out_rows)
            return tact__fail(st, TACT_CODE_INVALID_ARGUMENT, "m (%" PRId64 ") from index[%"
                              PRId64 ",%d] out of bounds (>=%" PRId64 ")", m, i, adj_a ? 1 : 0,
                              out_rows);
    }
    tact_shape_t os = {.ndims = 2, .dims = {out_rows, out_cols}};
    tact_tensor_t *out = k->out[0] = tact__kernel_alloc(k, val->dtype, &os, st);
    if (out == NULL)
        return st->code;
    sparse_zero(out);
    for (int64_t i = 0; i < n; i++) {
        int64_t m = ind[2 * i + (adj_a ? 1 : 0)], kk = ind[2 * i + (adj_a ? 0 : 1)];
        /* out[m, :] += a * b[kk, :] (b^T: b[:, kk]); real dtypes, so the adjoint is the
         * transpose */
        for (int64_t j = 0; j < out_cols; j++)
            sparse_acc(out, m * out_cols + j, val, i, b,
                       adj_b ? j * b->dims[1] + kk : kk * b->dims[1] + j);
    }
    return TACT_CODE_OK;
}

/* ---- SparseAdd ---- */

/* "3 4": an int64 vector as TensorFlow's Tensor::SummarizeValue(10) prints it. */
static char *sparse_values_str(const tact_tensor_t *t, char *buf, size_t len)
{
    const int64_t *v = t->data;
    size_t at = 0;
    buf[0] = '\0';
    for (int64_t i = 0; i < t->nelems && i < 10 && at < len; i++)
        at += (size_t) snprintf(buf + at, len - at, i ? " %" PRId64 : "%" PRId64, v[i]);
    if (t->nelems > 10 && at < len)
        snprintf(buf + at, len - at, "...");
    return buf;
}

static int sparse_cmp_rows(const int64_t *a, int64_t i, const int64_t *b, int64_t j,
                           int64_t rank)
{
    for (int64_t d = 0; d < rank; d++) {
        if (a[i * rank + d] != b[j * rank + d])
            return a[i * rank + d] < b[j * rank + d] ? -1 : 1;
    }
    return 0;
}

/* Merges the two sorted index lists (core/kernels/sparse_add_op.cc): equal indices add, and a
 * sum whose magnitude is below thresh is dropped (only sums: single entries always stay). */
static tact_code_t sparse_add(tact_kernel_ctx_t *k, tact_status_t *st)
{
    const tact_tensor_t *ai_t = k->in[0], *av = k->in[1], *as_t = k->in[2];
    const tact_tensor_t *bi_t = k->in[3], *bv = k->in[4], *bs_t = k->in[5], *th = k->in[6];
    int64_t rank = ai_t->dims[1], na = ai_t->dims[0], nb = bi_t->dims[0];
    const int64_t *ai = ai_t->data, *bi = bi_t->data;
    const int64_t *as = as_t->data, *bs = bs_t->data;
    if (as_t->nelems != bs_t->nelems) {
        char x[SPARSE_TEXT_LEN], y[SPARSE_TEXT_LEN];
        return tact__fail(st, TACT_CODE_INVALID_ARGUMENT, "Operands do not have the same "
                          "ranks; got shapes: %s and %s", sparse_values_str(as_t, x, sizeof x),
                          sparse_values_str(bs_t, y, sizeof y));
    }
    for (int64_t d = 0; d < rank; d++) {
        if (as[d] != bs[d])
            return tact__fail(st, TACT_CODE_INVALID_ARGUMENT, "Operands' shapes do not match: "
                              "got %" PRId64 " and %" PRId64 " for dimension %" PRId64, as[d],
                              bs[d], d);
    }
    double thresh = sparse_get_f(th, 0);
    /* First pass counts, second fills: the outputs are sized exactly. */
    int64_t count = 0;
    for (int pass = 0; pass < 2; pass++) {
        int64_t i = 0, j = 0, o = 0;
        tact_tensor_t *oi = k->out[0], *ov = k->out[1];
        while (i < na || j < nb) {
            int cmp = i >= na ? 1 : j >= nb ? -1 : sparse_cmp_rows(ai, i, bi, j, rank);
            const tact_tensor_t *src = cmp <= 0 ? av : bv;
            int64_t at = cmp <= 0 ? i : j;
            const int64_t *from = cmp <= 0 ? ai : bi;
            bool keep = true;
            if (cmp == 0) {
                double sum = sparse_get_f(av, i) + sparse_get_f(bv, j);
                keep = fabs(sum) >= thresh;
            }
            if (keep && pass == 1) {
                memcpy((int64_t *) oi->data + o * rank, from + at * rank,
                       (size_t) rank * sizeof(int64_t));
                tact__tensor_copy_elements(ov, o, src, at, 1);
                if (cmp == 0)
                    sparse_acc(ov, o, bv, j, NULL, 0);
            }
            o += keep;
            i += cmp <= 0;
            j += cmp >= 0;
        }
        if (pass == 0) {
            count = o;
            tact_shape_t si = {.ndims = 2, .dims = {count, rank}};
            tact_shape_t sv = {.ndims = 1, .dims = {count}};
            tact_shape_t ss = {.ndims = 1, .dims = {rank}};
            k->out[0] = tact__kernel_alloc(k, TACT_DTYPE_I64, &si, st);
            k->out[1] = k->out[0] ? tact__kernel_alloc(k, av->dtype, &sv, st) : NULL;
            k->out[2] = k->out[1] ? tact__kernel_alloc(k, TACT_DTYPE_I64, &ss, st) : NULL;
            if (k->out[2] == NULL)
                return st->code;
            if (rank > 0)
                memcpy(k->out[2]->data, as, (size_t) rank * sizeof(int64_t));
        }
    }
    return TACT_CODE_OK;
}

/* ---- SparseTensorDenseAdd ---- */

static tact_code_t sparse_dense_add(tact_kernel_ctx_t *k, tact_status_t *st)
{
    const tact_tensor_t *ind_t = k->in[0], *val = k->in[1], *shape_t = k->in[2], *b = k->in[3];
    const int64_t *ind = ind_t->data, *shape = shape_t->data;
    int64_t n = ind_t->dims[0], rank = ind_t->dims[1];
    for (int d = 0; d < rank; d++) {
        if (shape[d] != b->dims[d])
            return tact__fail(st, TACT_CODE_INVALID_ARGUMENT, "Dimension %d does not equal (no "
                              "broadcasting is supported): sparse side %" PRId64 " vs dense "
                              "side %" PRId64, d, shape[d], b->dims[d]);
    }
    for (int64_t i = 0; i < n; i++) {
        int bad = 0;
        if (sparse_offset(ind, rank, i, shape, &bad) < 0) {
            char dims[SPARSE_TEXT_LEN];
            size_t at = 0;
            for (int d = 0; d < b->ndims && at < sizeof dims; d++)
                at += (size_t) snprintf(dims + at, sizeof dims - at, d ? " %" PRId64 : "%"
                                        PRId64, b->dims[d]);
            return tact__fail(st, TACT_CODE_INVALID_ARGUMENT, "Sparse tensor has an invalid "
                              "index on dimension %d: a_indices(%" PRId64 ",%d) = %" PRId64
                              ", dense tensor shape: %s", bad, i, bad, ind[i * rank + bad],
                              dims);
        }
    }
    tact_tensor_t *out = k->out[0];
    tact__tensor_copy_elements(out, 0, b, 0, b->nelems);
    for (int64_t i = 0; i < n; i++) {
        int bad = 0;
        sparse_acc(out, sparse_offset(ind, rank, i, shape, &bad), val, i, NULL, 0);
    }
    return TACT_CODE_OK;
}

const tact_cpu_op_kernel_t tact__cpu_sparse_kernels[TACT_OP_COUNT] = {
    [TACT_OP_SPARSE_TO_DENSE] = {.run = sparse_to_dense},
    [TACT_OP_SPARSE_FROM_DENSE] = {.run = sparse_from_dense},
    [TACT_OP_SPARSE_REDUCE_SUM] = {.run = sparse_reduce_sum, .supports = sparse_numeric},
    [TACT_OP_SPARSE_DENSE_MATMUL] = {.run = sparse_matmul, .supports = sparse_numeric},
    [TACT_OP_SPARSE_ADD] = {.run = sparse_add, .supports = sparse_numeric},
    [TACT_OP_SPARSE_DENSE_ADD] = {.run = sparse_dense_add, .supports = sparse_numeric},
};
