/* SPDX-License-Identifier: MIT */
/* Sparse ops of the family layout (opdefs.h): SparseToDense, SparseReduceSum,
 * SparseTensorDenseMatMul, SparseAdd, SparseTensorDenseAdd and tact's own TactSparseFromDense
 * (TensorFlow builds tf.sparse.from_dense from NotEqual, Where and GatherNd, which tact lacks).
 * A sparse tensor is three tensors: indices int64 [N, rank], values [N], dense_shape int64
 * [rank]. Shape functions after core/ops/sparse_ops.cc; at run time the shape-only checks of
 * the kernels (core/kernels/sparse_*.cc) with their words. Outputs whose size depends on the
 * values (N, or a shape read from dense_shape) are left unknown here and made by the kernels in
 * devices/cpu/kernels/sparse_kernels.c. */
#include "runtime/ops/opdefs.h"

#define SPARSE_SHAPE_LEN 192

static tact_shape_t sparse_unknown(int ndims)
{
    tact_shape_t s = {.ndims = ndims};
    for (int d = 0; d < ndims; d++)
        s.dims[d] = -1;
    return s;
}

/* Dimension d of shape s, -1 when its rank or the size is unknown. */
static int64_t sparse_dim(const tact_shape_t *s, int d)
{
    return s->ndims > d ? s->dims[d] : -1;
}

/* The build-time checks of a SparseTensor's three inputs at `at`: indices a matrix, values and
 * dense_shape vectors, N and rank consistent (TensorFlow's Merge wording). */
static tact_code_t sparse_check_triple(const tact_op_ctx_t *c, int at, const char *prefix)
{
    char ind[32], val[32], shp[32];
    snprintf(ind, sizeof ind, "%sindices", prefix);
    snprintf(val, sizeof val, "%svalues", prefix);
    snprintf(shp, sizeof shp, "%sshape", prefix);
    if (tact__op_check_exact(c, at, ind, TACT_DTYPE_I64) != TACT_CODE_OK ||
        tact__op_check_exact(c, at + 2, shp, TACT_DTYPE_I64) != TACT_CODE_OK ||
        tact__op_check_rank(c, at, 2) != TACT_CODE_OK ||
        tact__op_check_rank(c, at + 1, 1) != TACT_CODE_OK ||
        tact__op_check_rank(c, at + 2, 1) != TACT_CODE_OK)
        return c->st->code;
    int64_t n_i = sparse_dim(&c->shapes[at], 0), n_v = sparse_dim(&c->shapes[at + 1], 0);
    int64_t r_i = sparse_dim(&c->shapes[at], 1), r_s = sparse_dim(&c->shapes[at + 2], 0);
    if (c->phase == TACT_INFER_BUILD && n_i >= 0 && n_v >= 0 && n_i != n_v)
        return tact__op_fail_shape(c, "Dimensions %" PRId64 " and %" PRId64 " are not "
                                   "compatible", n_i, n_v);
    if (c->phase == TACT_INFER_BUILD && r_i >= 0 && r_s >= 0 && r_i != r_s)
        return tact__op_fail_shape(c, "Dimensions %" PRId64 " and %" PRId64 " are not "
                                   "compatible", r_i, r_s);
    return TACT_CODE_OK;
}

/* SparseReduceSum's checks at run time: its input_shape, then SparseTensor::Create's
 * (core/util/sparse/sparse_tensor.h), in their words. */
static tact_code_t sparse_run_reduce_input(const tact_op_ctx_t *c)
{
    const tact_shape_t *ind = &c->shapes[0], *val = &c->shapes[1], *shp = &c->shapes[2];
    char a[SPARSE_SHAPE_LEN];
    if (shp->ndims != 1)
        return tact__fail(c->st, TACT_CODE_INVALID_ARGUMENT, "Expected input_shape to be a "
                          "vector; got shape: %s", tact__shape_str(shp, a, sizeof a));
    if (ind->ndims != 2)
        return tact__fail(c->st, TACT_CODE_INVALID_ARGUMENT, "Input indices should be a "
                          "matrix but received shape %s", tact__shape_str(ind, a, sizeof a));
    if (val->ndims != 1)
        return tact__fail(c->st, TACT_CODE_INVALID_ARGUMENT, "Input values should be a "
                          "vector but received shape %s", tact__shape_str(val, a, sizeof a));
    if (ind->dims[0] != val->dims[0])
        return tact__fail(c->st, TACT_CODE_INVALID_ARGUMENT, "indices and values rows "
                          "(indexing dimension) must match. (indices = %" PRId64 ", values = %"
                          PRId64 ")", ind->dims[0], val->dims[0]);
    if (ind->dims[1] != shp->dims[0])
        return tact__fail(c->st, TACT_CODE_INVALID_ARGUMENT, "Order length must be "
                          "SparseTensor rank.");
    return TACT_CODE_OK;
}

/* SparseAdd's checks at run time (core/kernels/sparse_add_op.cc, in its order); the values
 * of the shapes are the kernel's to compare. */
static tact_code_t sparse_run_add_inputs(const tact_op_ctx_t *c)
{
    const tact_shape_t *ai = &c->shapes[0], *av = &c->shapes[1], *as = &c->shapes[2];
    const tact_shape_t *bi = &c->shapes[3], *bv = &c->shapes[4], *bs = &c->shapes[5];
    char a[SPARSE_SHAPE_LEN], b[SPARSE_SHAPE_LEN];
    if (ai->ndims != 2 || bi->ndims != 2)
        return tact__fail(c->st, TACT_CODE_INVALID_ARGUMENT, "Input indices should be "
                          "matrices but received shapes: %s and %s",
                          tact__shape_str(ai, a, sizeof a), tact__shape_str(bi, b, sizeof b));
    if (av->ndims != 1 || bv->ndims != 1)
        return tact__fail(c->st, TACT_CODE_INVALID_ARGUMENT, "Input values should be vectors "
                          "but received shapes: %s and %s", tact__shape_str(av, a, sizeof a),
                          tact__shape_str(bv, b, sizeof b));
    if (av->dims[0] != ai->dims[0] || bv->dims[0] != bi->dims[0])
        return tact__fail(c->st, TACT_CODE_INVALID_ARGUMENT, "Expected %" PRId64 " and %"
                          PRId64 " non-empty input values, got %" PRId64 " and %" PRId64,
                          ai->dims[0], bi->dims[0], av->dims[0], bv->dims[0]);
    if (as->ndims != 1 || bs->ndims != 1)
        return tact__fail(c->st, TACT_CODE_INVALID_ARGUMENT, "Input shapes should be a vector "
                          "but received shapes %s and %s", tact__shape_str(as, a, sizeof a),
                          tact__shape_str(bs, b, sizeof b));
    if (as->dims[0] != ai->dims[1])
        return tact__fail(c->st, TACT_CODE_INVALID_ARGUMENT, "Second dimension of a_indices "
                          "and length of a_shape must match, got %" PRId64 " and %" PRId64,
                          ai->dims[1], as->dims[0]);
    if (bs->dims[0] != bi->dims[1])  /* tact's own: b is indexed with its own rank */
        return tact__fail(c->st, TACT_CODE_INVALID_ARGUMENT, "Second dimension of b_indices "
                          "and length of b_shape must match, got %" PRId64 " and %" PRId64,
                          bi->dims[1], bs->dims[0]);
    if (ai->dims[1] <= 0)
        return tact__fail(c->st, TACT_CODE_INVALID_ARGUMENT, "Tesors must not be empty");
    return TACT_CODE_OK;
}

/* ---- SparseToDense(sparse_indices, output_shape, sparse_values, default_value) ---- */

static tact_code_t sparse_infer_to_dense(const tact_op_ctx_t *c, tact_dtype_t *out_dtype,
                                         tact_shape_t *out_shape)
{
    if (tact__op_check_exact(c, 0, "sparse_indices", TACT_DTYPE_I64) != TACT_CODE_OK ||
        tact__op_check_exact(c, 1, "output_shape", TACT_DTYPE_I64) != TACT_CODE_OK ||
        tact__op_check_same(c, 3, "default_value", 2, "sparse_values") != TACT_CODE_OK)
        return c->st->code;
    const tact_shape_t *ind = &c->shapes[0], *shp = &c->shapes[1], *val = &c->shapes[2];
    const tact_shape_t *def = &c->shapes[3];
    char a[SPARSE_SHAPE_LEN];
    if (c->phase == TACT_INFER_RUN) {
        /* core/kernels/sparse_to_dense_op.cc, in its order */
        if (ind->ndims > 2)
            return tact__fail(c->st, TACT_CODE_INVALID_ARGUMENT, "sparse_indices should be a "
                              "scalar, vector, or matrix, got shape %s",
                              tact__shape_str(ind, a, sizeof a));
        int64_t n = ind->ndims > 0 ? ind->dims[0] : 1, rank = ind->ndims > 1 ? ind->dims[1] : 1;
        if (shp->ndims != 1)
            return tact__fail(c->st, TACT_CODE_INVALID_ARGUMENT, "output_shape must be rank "
                              "1, got shape %s", tact__shape_str(shp, a, sizeof a));
        if (shp->dims[0] != rank)
            return tact__fail(c->st, TACT_CODE_INVALID_ARGUMENT, "output_shape has incorrect "
                              "number of elements: %" PRId64 " should be: %" PRId64,
                              shp->dims[0], rank);
        if (val->ndims != 0 && (val->ndims != 1 || val->dims[0] != n))
            return tact__fail(c->st, TACT_CODE_INVALID_ARGUMENT, "sparse_values has incorrect "
                              "shape %s, should be [] or [%" PRId64 "]",
                              tact__shape_str(val, a, sizeof a), n);
        if (def->ndims != 0)
            return tact__fail(c->st, TACT_CODE_INVALID_ARGUMENT, "default_value should be a "
                              "scalar.");
        if (rank > TACT_MAX_DIMS)
            return tact__fail(c->st, TACT_CODE_UNIMPLEMENTED, "SparseToDense: rank %" PRId64
                              " is more than tact's %d dims", rank, TACT_MAX_DIMS);
        *out_dtype = c->dtypes[2];
        *out_shape = sparse_unknown((int) rank);  /* sizes: output_shape's values */
        if (rank == 0)
            *out_shape = (tact_shape_t) {.ndims = 0};
        return TACT_CODE_OK;
    }
    if (ind->ndims > 2)
        return tact__op_fail_shape(c, "Shape must be at most rank 2 but is rank %d", ind->ndims);
    if (tact__op_check_rank(c, 1, 1) != TACT_CODE_OK ||
        tact__op_check_rank(c, 3, 0) != TACT_CODE_OK)
        return c->st->code;
    if (val->ndims > 1)
        return tact__op_fail_shape(c, "Shape must be at most rank 1 but is rank %d", val->ndims);
    int64_t rank = sparse_dim(shp, 0);
    *out_dtype = c->dtypes[2];
    *out_shape = rank >= 0 && rank <= TACT_MAX_DIMS ? sparse_unknown((int) rank)
                                                    : (tact_shape_t) {.ndims = -1};
    return TACT_CODE_OK;
}

/* ---- TactSparseFromDense(dense) -> indices, values, dense_shape ---- */

static int sparse_three(const tact_op_attrs_t *attrs)
{
    TACT_UNUSED(attrs);
    return 3;
}

static tact_code_t sparse_infer_from_dense(const tact_op_ctx_t *c, tact_dtype_t *out_dtype,
                                           tact_shape_t *out_shape)
{
    const tact_shape_t *x = &c->shapes[0];
    if (c->dtypes[0] == TACT_DTYPE_STRING)
        return tact__fail(c->st, TACT_CODE_INVALID_ARGUMENT, "'%s' (op: 'TactSparseFromDense'):"
                          " string tensors have no zero to leave out", c->name);
    out_dtype[0] = TACT_DTYPE_I64;
    out_dtype[1] = c->dtypes[0];
    out_dtype[2] = TACT_DTYPE_I64;
    out_shape[0] = (tact_shape_t) {.ndims = 2, .dims = {-1, x->ndims}};
    out_shape[1] = (tact_shape_t) {.ndims = 1, .dims = {-1}};
    out_shape[2] = (tact_shape_t) {.ndims = 1, .dims = {x->ndims}};
    return TACT_CODE_OK;
}

/* ---- SparseReduceSum(input_indices, input_values, input_shape); axes, keep_dims ---- */

static tact_code_t sparse_infer_reduce_sum(const tact_op_ctx_t *c, tact_dtype_t *out_dtype,
                                           tact_shape_t *out_shape)
{
    if (c->dtypes[1] == TACT_DTYPE_STRING || c->dtypes[1] == TACT_DTYPE_BOOL)
        return tact__fail(c->st, TACT_CODE_INVALID_ARGUMENT, "Value for attr 'T' of %s is not "
                          "in the list of allowed values for '%s' (op: 'SparseReduceSum')",
                          tact__dtype_tf_name(c->dtypes[1]), c->name);
    if (c->phase == TACT_INFER_RUN) {
        if (sparse_run_reduce_input(c) != TACT_CODE_OK)
            return c->st->code;
        *out_dtype = c->dtypes[1];
        *out_shape = (tact_shape_t) {.ndims = -1};  /* from input_shape's values */
        return TACT_CODE_OK;
    }
    if (sparse_check_triple(c, 0, "input_") != TACT_CODE_OK)
        return c->st->code;
    int64_t rank = sparse_dim(&c->shapes[2], 0);
    *out_dtype = c->dtypes[1];
    *out_shape = c->attrs->keep_dims && rank >= 0 && rank <= TACT_MAX_DIMS
                     ? sparse_unknown((int) rank) : (tact_shape_t) {.ndims = -1};
    return TACT_CODE_OK;
}

/* ---- SparseTensorDenseMatMul(a_indices, a_values, a_shape, b); adjoint_a, adjoint_b ---- */

static tact_code_t sparse_infer_matmul(const tact_op_ctx_t *c, tact_dtype_t *out_dtype,
                                       tact_shape_t *out_shape)
{
    if (tact__op_check_exact(c, 0, "a_indices", TACT_DTYPE_I64) != TACT_CODE_OK ||
        tact__op_check_exact(c, 2, "a_shape", TACT_DTYPE_I64) != TACT_CODE_OK ||
        tact__op_check_same(c, 3, "b", 1, "a_values") != TACT_CODE_OK)
        return c->st->code;
    if (c->dtypes[1] != TACT_DTYPE_F32 && c->dtypes[1] != TACT_DTYPE_F64 &&
        c->dtypes[1] != TACT_DTYPE_I32 && c->dtypes[1] != TACT_DTYPE_I64)
        return tact__fail(c->st, TACT_CODE_INVALID_ARGUMENT, "Value for attr 'T' of %s is not "
                          "in the list of allowed values for '%s' (op: "
                          "'SparseTensorDenseMatMul')", tact__dtype_tf_name(c->dtypes[1]),
                          c->name);
    const tact_shape_t *ind = &c->shapes[0], *val = &c->shapes[1], *shp = &c->shapes[2];
    const tact_shape_t *b = &c->shapes[3];
    bool adj_b = c->attrs->transpose_b;
    char a[SPARSE_SHAPE_LEN];
    if (c->phase == TACT_INFER_RUN) {
        /* core/kernels/sparse_tensor_dense_matmul_op.cc, in its order */
        if (shp->ndims != 1)
            return tact__fail(c->st, TACT_CODE_INVALID_ARGUMENT, "Tensor 'a_shape' is not a "
                              "vector");
        if (shp->dims[0] != 2)
            return tact__fail(c->st, TACT_CODE_INVALID_ARGUMENT, "Tensor 'a_shape' must have 2 "
                              "elements");
        if (b->ndims != 2)
            return tact__fail(c->st, TACT_CODE_INVALID_ARGUMENT, "Tensor 'b' is not a matrix");
        if (val->ndims != 1)
            return tact__fail(c->st, TACT_CODE_INVALID_ARGUMENT, "Tensor 'a_values' is not a "
                              "vector");
        if (ind->ndims != 2)
            return tact__fail(c->st, TACT_CODE_INVALID_ARGUMENT, "Tensor 'a_indices' is not a "
                              "matrix");
        if (ind->dims[0] != val->dims[0])
            return tact__fail(c->st, TACT_CODE_INVALID_ARGUMENT, "Number of rows of a_indices "
                              "does not match number of entries in a_values");
        if (ind->dims[1] != 2)
            return tact__fail(c->st, TACT_CODE_INVALID_ARGUMENT, "Number of columns of "
                              "a_indices does not match number of entries in a_shape");
        *out_dtype = c->dtypes[1];
        /* rows from a_shape's values; the inner-dimension check is the kernel's */
        *out_shape = (tact_shape_t) {.ndims = 2, .dims = {-1, b->dims[adj_b ? 0 : 1]}};
        return TACT_CODE_OK;
    }
    if (tact__op_check_rank(c, 0, 2) != TACT_CODE_OK ||
        tact__op_check_rank(c, 1, 1) != TACT_CODE_OK ||
        tact__op_check_rank(c, 2, 1) != TACT_CODE_OK ||
        tact__op_check_rank(c, 3, 2) != TACT_CODE_OK)
        return c->st->code;
    if (sparse_dim(shp, 0) >= 0 && shp->dims[0] != 2)
        return tact__op_fail_shape(c, "Shape must be rank 2 but is rank %" PRId64, shp->dims[0]);
    TACT_UNUSED(a);
    *out_dtype = c->dtypes[1];
    *out_shape = (tact_shape_t) {.ndims = 2, .dims = {-1, sparse_dim(b, adj_b ? 0 : 1)}};
    return TACT_CODE_OK;
}

/* ---- SparseAdd(a_indices, a_values, a_shape, b_indices, b_values, b_shape, thresh) ---- */

static tact_code_t sparse_infer_add(const tact_op_ctx_t *c, tact_dtype_t *out_dtype,
                                    tact_shape_t *out_shape)
{
    if (tact__op_check_same(c, 4, "b_values", 1, "a_values") != TACT_CODE_OK ||
        tact__op_check_exact(c, 3, "b_indices", TACT_DTYPE_I64) != TACT_CODE_OK ||
        tact__op_check_exact(c, 5, "b_shape", TACT_DTYPE_I64) != TACT_CODE_OK)
        return c->st->code;
    if (c->dtypes[1] == TACT_DTYPE_STRING || c->dtypes[1] == TACT_DTYPE_BOOL)
        return tact__fail(c->st, TACT_CODE_INVALID_ARGUMENT, "Value for attr 'T' of %s is not "
                          "in the list of allowed values for '%s' (op: 'SparseAdd')",
                          tact__dtype_tf_name(c->dtypes[1]), c->name);
    /* thresh is Treal: the real type of the values (one dtype for tact's real types) */
    if (tact__op_check_exact(c, 6, "thresh", c->dtypes[1]) != TACT_CODE_OK)
        return c->st->code;
    int64_t rank = -1;
    if (c->phase == TACT_INFER_RUN) {
        if (sparse_run_add_inputs(c) != TACT_CODE_OK)
            return c->st->code;
        if (c->shapes[6].ndims != 0) {
            char a[SPARSE_SHAPE_LEN];
            return tact__fail(c->st, TACT_CODE_INVALID_ARGUMENT, "The magnitude threshold must "
                              "be a scalar: got shape %s",
                              tact__shape_str(&c->shapes[6], a, sizeof a));
        }
        rank = c->shapes[2].dims[0];
    } else {
        if (sparse_check_triple(c, 0, "a_") != TACT_CODE_OK ||
            sparse_check_triple(c, 3, "b_") != TACT_CODE_OK ||
            tact__op_check_rank(c, 6, 0) != TACT_CODE_OK)
            return c->st->code;
        rank = sparse_dim(&c->shapes[2], 0);
    }
    out_dtype[0] = TACT_DTYPE_I64;
    out_dtype[1] = c->dtypes[1];
    out_dtype[2] = TACT_DTYPE_I64;
    out_shape[0] = (tact_shape_t) {.ndims = 2, .dims = {-1, rank}};
    out_shape[1] = (tact_shape_t) {.ndims = 1, .dims = {-1}};
    out_shape[2] = c->phase == TACT_INFER_RUN ? (tact_shape_t) {.ndims = 1, .dims = {-1}}
                                              : c->shapes[2];
    return TACT_CODE_OK;
}

/* ---- SparseTensorDenseAdd(a_indices, a_values, a_shape, b) ---- */

static tact_code_t sparse_infer_dense_add(const tact_op_ctx_t *c, tact_dtype_t *out_dtype,
                                          tact_shape_t *out_shape)
{
    if (tact__op_check_exact(c, 0, "a_indices", TACT_DTYPE_I64) != TACT_CODE_OK ||
        tact__op_check_exact(c, 2, "a_shape", TACT_DTYPE_I64) != TACT_CODE_OK ||
        tact__op_check_same(c, 3, "b", 1, "a_values") != TACT_CODE_OK)
        return c->st->code;
    if (c->dtypes[1] == TACT_DTYPE_STRING || c->dtypes[1] == TACT_DTYPE_BOOL)
        return tact__fail(c->st, TACT_CODE_INVALID_ARGUMENT, "Value for attr 'T' of %s is not "
                          "in the list of allowed values for '%s' (op: 'SparseTensorDenseAdd')",
                          tact__dtype_tf_name(c->dtypes[1]), c->name);
    const tact_shape_t *ind = &c->shapes[0], *val = &c->shapes[1], *shp = &c->shapes[2];
    const tact_shape_t *b = &c->shapes[3];
    if (c->phase == TACT_INFER_RUN) {
        /* core/kernels/sparse_tensor_dense_add_op.cc's ValidateInputs */
        char a[SPARSE_SHAPE_LEN], v[SPARSE_SHAPE_LEN];
        if (ind->ndims != 2)
            return tact__fail(c->st, TACT_CODE_INVALID_ARGUMENT, "Input a_indices should be a "
                              "matrix but received shape: %s",
                              tact__shape_str(ind, a, sizeof a));
        if (val->ndims != 1 || shp->ndims != 1)
            return tact__fail(c->st, TACT_CODE_INVALID_ARGUMENT, "Inputs a_values and a_shape "
                              "should be vectors but received shapes: %s and %s",
                              tact__shape_str(val, a, sizeof a), tact__shape_str(shp, v, sizeof v));
        if (val->dims[0] != ind->dims[0])
            return tact__fail(c->st, TACT_CODE_INVALID_ARGUMENT, "Dimensions %" PRId64 " and %"
                              PRId64 " are not compatible", ind->dims[0], val->dims[0]);
        if (shp->dims[0] != ind->dims[1])
            return tact__fail(c->st, TACT_CODE_INVALID_ARGUMENT, "Dimensions %" PRId64 " and %"
                              PRId64 " are not compatible", ind->dims[1], shp->dims[0]);
        if (shp->dims[0] != b->ndims)
            return tact__fail(c->st, TACT_CODE_INVALID_ARGUMENT, "Two operands have different "
                              "ranks; received: %" PRId64 " and %d", shp->dims[0], b->ndims);
    } else if (sparse_check_triple(c, 0, "a_") != TACT_CODE_OK) {
        return c->st->code;
    }
    *out_dtype = c->dtypes[1];
    *out_shape = *b;
    return TACT_CODE_OK;
}

const tact_op_def_t tact__sparse_op_defs[TACT_OP_COUNT] = {
    [TACT_OP_SPARSE_TO_DENSE] = {.n_inputs = 4, .infer = sparse_infer_to_dense},
    [TACT_OP_SPARSE_FROM_DENSE] = {.n_inputs = 1, .num_outputs = sparse_three,
                                   .infer = sparse_infer_from_dense},
    [TACT_OP_SPARSE_REDUCE_SUM] = {.n_inputs = 3, .infer = sparse_infer_reduce_sum},
    [TACT_OP_SPARSE_DENSE_MATMUL] = {.n_inputs = 4, .infer = sparse_infer_matmul},
    [TACT_OP_SPARSE_ADD] = {.n_inputs = 7, .num_outputs = sparse_three,
                            .infer = sparse_infer_add},
    [TACT_OP_SPARSE_DENSE_ADD] = {.n_inputs = 4, .infer = sparse_infer_dense_add},
};
