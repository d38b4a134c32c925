/* SPDX-License-Identifier: MIT */
/* TensorFlow's SparseTensor in C: the builders of <tact/ops.h> that take and give the three
 * tensors of a sparse tensor (ops: runtime/ops/sparse_ops.c), and tact_sparse_feed and
 * tact_sparse_format of <tact/session.h> for SparseTensorValues fed and fetched. */
#include "runtime/graph/graph_impl.h"
#include "runtime/graph/graph_scopes.h"

#define SPARSE_NAME_LEN 256

static tact_output_t sparse_out(tact_op_t *op, int index)
{
    return (tact_output_t) { op, op ? index : -1 };
}

static tact_sparse_output_t sparse_none(void)
{
    tact_output_t none = { NULL, -1 };
    return (tact_sparse_output_t) { none, none, none };
}

static tact_sparse_output_t sparse_three(tact_op_t *op)
{
    return (tact_sparse_output_t) { sparse_out(op, 0), sparse_out(op, 1), sparse_out(op, 2) };
}

/* "<name>/<part>", or NULL (the op's default name) when name is NULL. */
static const char *sparse_part(char *buf, const char *name, const char *part)
{
    if (name == NULL)
        return NULL;
    snprintf(buf, SPARSE_NAME_LEN, "%s/%s", name, part);
    return buf;
}

static bool sparse_valid(tact_output_t t)
{
    return t.op != NULL && t.index >= 0 && t.index < t.op->n_outputs;
}

static tact_dtype_t sparse_dtype(tact_output_t t)
{
    return sparse_valid(t) ? t.op->out_dtype[t.index] : TACT_DTYPE_F32;
}

static void sparse_fail(tact_graph_t *g, tact_status_t *st, const char *fmt, const char *what)
{
    tact_status_t err = TACT_STATUS_INIT;
    tact__fail(&err, TACT_CODE_INVALID_ARGUMENT, fmt, what);
    tact__graph_record_error(g, &err, st);
}

/* A scalar or vector Const of `dtype` built from doubles or int64s. */
static tact_output_t sparse_const(tact_graph_t *g, tact_dtype_t dtype, const int64_t *dims,
                                  int ndims, const void *data, const char *name,
                                  tact_status_t *st)
{
    tact_status_t err = TACT_STATUS_INIT;
    tact_tensor_t *t = tact_tensor_new(dtype, dims, ndims, data, &err);
    if (t == NULL) {
        tact__graph_record_error(g, &err, st);
        return sparse_out(NULL, 0);
    }
    tact_output_t c = tact_constant(g, t, name, st);
    tact_tensor_destroy(&t);
    return c;
}

/* tf.compat.v1.sparse_placeholder: dense_shape first (a Placeholder, or for a known rank a
 * PlaceholderWithDefault of the Const "<name>/shape_default" holding dims with -1 for unknown
 * sizes), then "<name>/values" and "<name>/indices", as TensorFlow creates them. */
tact_sparse_output_t tact_sparse_placeholder(tact_graph_t *g, tact_dtype_t dtype,
                                             const int64_t *dims, int ndims, const char *name,
                                             tact_status_t *st)
{
    if (tact__failed(st))
        return sparse_none();
    char buf[SPARSE_NAME_LEN];
    if (ndims < -1 || ndims > TACT_MAX_DIMS || (ndims > 0 && dims == NULL)) {
        tact_status_t err = TACT_STATUS_INIT;
        tact__fail(&err, TACT_CODE_INVALID_ARGUMENT, "sparse_placeholder: invalid rank %d (at "
                   "most %d dims)", ndims, TACT_MAX_DIMS);
        tact__graph_record_error(g, &err, st);
        return sparse_none();
    }
    tact_sparse_output_t sp;
    int64_t rank = ndims;  /* -1: unknown */
    if (ndims < 0) {
        sp.dense_shape = tact_placeholder(g, TACT_DTYPE_I64, &rank, 1, sparse_part(buf, name,
                                          "shape"), st);
    } else {
        int64_t n = ndims, shape[TACT_MAX_DIMS];
        for (int d = 0; d < ndims; d++)
            shape[d] = dims[d] < 0 ? -1 : dims[d];
        tact_output_t def = sparse_const(g, TACT_DTYPE_I64, &n, 1, shape,
                                         sparse_part(buf, name, "shape_default"), st);
        sp.dense_shape = tact_placeholder_with_default(g, def, &n, 1,
                                                       sparse_part(buf, name, "shape"), st);
    }
    int64_t n_unknown = -1, ind_dims[2] = { -1, rank };
    sp.values = tact_placeholder(g, dtype, &n_unknown, 1, sparse_part(buf, name, "values"), st);
    sp.indices = tact_placeholder(g, TACT_DTYPE_I64, ind_dims, 2, sparse_part(buf, name,
                                  "indices"), st);
    return tact__failed(st) ? sparse_none() : sp;
}

/* tf.sparse.to_dense: SparseToDense(indices, dense_shape, values, default_value) with
 * validate_indices true; no default_value is a Const "zeros" of the values' dtype. */
tact_output_t tact_sparse_to_dense(tact_graph_t *g, tact_sparse_output_t sp,
                                   tact_output_t default_value, const char *name,
                                   tact_status_t *st)
{
    if (tact__failed(st))
        return sparse_out(NULL, 0);
    if (default_value.op == NULL && sparse_valid(sp.values)) {
        tact_dtype_t dt = sparse_dtype(sp.values);
        if (dt == TACT_DTYPE_STRING) {
            const char *empty = "";
            default_value = sparse_const(g, dt, NULL, 0, &empty, "zeros", st);
        } else {
            default_value = sparse_const(g, dt, NULL, 0, NULL, "zeros", st);
        }
    }
    tact_op_attrs_t attrs = { .validate_indices = true };
    tact_output_t in[4] = { sp.indices, sp.dense_shape, sp.values, default_value };
    return sparse_out(tact__graph_add_op(g, TACT_OP_SPARSE_TO_DENSE, name, in, 4, NULL, 0,
                                         &attrs, st), 0);
}

/* tf.sparse.from_dense as one op of tact's own (TactSparseFromDense): TensorFlow's graph
 * (NotEqual, Where, GatherNd, Shape) needs ops tact does not have. */
tact_sparse_output_t tact_sparse_from_dense(tact_graph_t *g, tact_output_t dense,
                                            const char *name, tact_status_t *st)
{
    if (tact__failed(st))
        return sparse_none();
    tact_op_attrs_t none = { 0 };
    tact_op_t *op = tact__graph_add_op(g, TACT_OP_SPARSE_FROM_DENSE, name, &dense, 1, NULL, 0,
                                       &none, st);
    return op ? sparse_three(op) : sparse_none();
}

/* tf.sparse.reduce_sum: SparseReduceSum with the axes as an attribute (as Sum's, opdefs.h);
 * no axes (NULL or n_axes 0) reduce every axis. */
tact_output_t tact_sparse_reduce_sum(tact_graph_t *g, tact_sparse_output_t sp, const int *axes,
                                     int n_axes, bool keep_dims, const char *name,
                                     tact_status_t *st)
{
    if (tact__failed(st))
        return sparse_out(NULL, 0);
    tact_op_attrs_t attrs = { .keep_dims = keep_dims, .n_axes = -1 };
    if (axes != NULL && n_axes > 0) {
        if (n_axes > TACT_MAX_DIMS) {
            sparse_fail(g, st, "%s: more axes than a tensor can have dimensions",
                        "SparseReduceSum");
            return sparse_out(NULL, 0);
        }
        attrs.n_axes = n_axes;
        for (int i = 0; i < n_axes; i++)
            attrs.axes[i] = axes[i];
    } else if (n_axes < 0) {
        sparse_fail(g, st, "%s: negative axis count", "SparseReduceSum");
        return sparse_out(NULL, 0);
    }
    tact_output_t in[3] = { sp.indices, sp.values, sp.dense_shape };
    return sparse_out(tact__graph_add_op(g, TACT_OP_SPARSE_REDUCE_SUM, name, in, 3, NULL, 0,
                                         &attrs, st), 0);
}

/* tf.sparse.sparse_dense_matmul: as TensorFlow, the op "SparseTensorDenseMatMul" inside a
 * name scope of `name` (default "SparseTensorDenseMatMul"). */
tact_output_t tact_sparse_tensor_dense_matmul(tact_graph_t *g, tact_sparse_output_t a,
                                              tact_output_t b, bool adjoint_a, bool adjoint_b,
                                              const char *name, tact_status_t *st)
{
    if (tact__failed(st))
        return sparse_out(NULL, 0);
    if (tact_graph_push_name_scope(g, name ? name : "SparseTensorDenseMatMul", st) !=
        TACT_CODE_OK)
        return sparse_out(NULL, 0);
    tact_op_attrs_t attrs = { .transpose_a = adjoint_a, .transpose_b = adjoint_b };
    tact_output_t in[4] = { a.indices, a.values, a.dense_shape, b };
    tact_op_t *op = tact__graph_add_op(g, TACT_OP_SPARSE_DENSE_MATMUL, "SparseTensorDenseMatMul",
                                       in, 4, NULL, 0, &attrs, st);
    tact_graph_pop_name_scope(g);
    return sparse_out(op, 0);
}

/* tf.sparse.add of two sparse tensors: SparseAdd with thresh a Const "threshold" of the
 * values' dtype. */
tact_sparse_output_t tact_sparse_add(tact_graph_t *g, tact_sparse_output_t a,
                                     tact_sparse_output_t b, double thresh, const char *name,
                                     tact_status_t *st)
{
    if (tact__failed(st))
        return sparse_none();
    tact_dtype_t dt = sparse_dtype(a.values);
    union { float f; double d; int32_t i; int64_t l; } v = { 0 };
    switch (dt) {
    case TACT_DTYPE_F32: v.f = (float) thresh; break;
    case TACT_DTYPE_F64: v.d = thresh; break;
    case TACT_DTYPE_I32: v.i = (int32_t) thresh; break;
    case TACT_DTYPE_I64: v.l = (int64_t) thresh; break;
    default: dt = TACT_DTYPE_F32; break;  /* the op reports the values' dtype */
    }
    tact_output_t th = sparse_const(g, dt, NULL, 0, &v, "threshold", st);
    tact_op_attrs_t none = { 0 };
    tact_output_t in[7] = { a.indices, a.values, a.dense_shape, b.indices, b.values,
                            b.dense_shape, th };
    tact_op_t *op = tact__graph_add_op(g, TACT_OP_SPARSE_ADD, name, in, 7, NULL, 0, &none, st);
    return op ? sparse_three(op) : sparse_none();
}

/* tf.sparse.add(sparse, dense): SparseTensorDenseAdd, a dense result. */
tact_output_t tact_sparse_add_dense(tact_graph_t *g, tact_sparse_output_t a, tact_output_t b,
                                    const char *name, tact_status_t *st)
{
    if (tact__failed(st))
        return sparse_out(NULL, 0);
    tact_op_attrs_t none = { 0 };
    tact_output_t in[4] = { a.indices, a.values, a.dense_shape, b };
    return sparse_out(tact__graph_add_op(g, TACT_OP_SPARSE_DENSE_ADD, name, in, 4, NULL, 0,
                                         &none, st), 0);
}

void tact_sparse_feed(tact_sparse_output_t sp, const tact_tensor_t *indices,
                      const tact_tensor_t *values, const tact_tensor_t *dense_shape,
                      tact_feed_t out[3])
{
    TACT_ASSERT(out != NULL);
    out[0] = (tact_feed_t) { sp.indices, indices };
    out[1] = (tact_feed_t) { sp.values, values };
    out[2] = (tact_feed_t) { sp.dense_shape, dense_shape };
}

/* Python's repr of a SparseTensorValue: each field as numpy's repr of an array. */
size_t tact_sparse_format(const tact_tensor_t *indices, const tact_tensor_t *values,
                          const tact_tensor_t *dense_shape, char *buf, size_t len)
{
    TACT_ASSERT(buf != NULL || len == 0);
    static const char *const head[3] = { "SparseTensorValue(indices=", ", values=",
                                         ", dense_shape=" };
    const tact_tensor_t *part[3] = { indices, values, dense_shape };
    size_t at = 0;
    for (int i = 0; i < 4; i++) {
        const char *text = i < 3 ? head[i] : ")";
        size_t n = strlen(text);
        if (at < len)
            memcpy(buf + at, text, at + n < len ? n : len - at);
        at += n;
        if (i < 3)  /* writes its NUL within buf, overwritten by what follows */
            at += tact__tensor_format_repr(part[i], at < len ? buf + at : NULL,
                                           at < len ? len - at : 0);
    }
    if (len > 0)
        buf[at < len ? at : len - 1] = '\0';
    return at;
}
