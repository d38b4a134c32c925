/* SPDX-License-Identifier: MIT */
/* Array ops of the family layout (opdefs.h): PlaceholderWithDefault, Select, SelectV2, Pack,
 * IdentityN, and the ops whose shapes come from values (Shape, Size, Rank, Slice, StridedSlice,
 * Squeeze, ExpandDims, ConcatV2, Split, Unpack, Tile, Pad, PadV2, GatherV2, OneHot, Range,
 * ZerosLike, OnesLike), with TensorFlow's shape functions (core/ops/array_ops.cc, math_ops.cc)
 * and, at run time, the checks and words of their kernels. A value input (begin, axis, depth)
 * is read through tact__op_value: known for a Const when built, always when run, so the
 * run-time inference gives the exact shape the kernel's output is allocated with. Kernels:
 * devices/cpu/kernels/array_kernels.c. */
#include "runtime/ops/array_ops.h"

#define ARRAY_SHAPE_LEN 192

static int array_n_list(const tact_op_attrs_t *attrs)
{
    return attrs->n_list;
}

/* ---- PlaceholderWithDefault ---- */

/* The default (input 0) must have attr dtype and fit attr shape; the output has attr shape, so
 * a feed may give any value that fits it. */
static tact_code_t array_infer_pwd(const tact_op_ctx_t *c, tact_dtype_t *out_dtype,
                                   tact_shape_t *out_shape)
{
    const tact_op_attrs_t *at = c->attrs;
    if (!tact__dtype_valid(at->dtype))
        return tact__fail(c->st, TACT_CODE_INVALID_ARGUMENT,
                          "Invalid dtype %d for '%s' (op: 'PlaceholderWithDefault')",
                          (int) at->dtype, c->name);
    if (at->shape.ndims < -1 || at->shape.ndims > TACT_MAX_DIMS)
        return tact__fail(c->st, TACT_CODE_INVALID_ARGUMENT,
                          "Invalid rank %d for '%s' (op: 'PlaceholderWithDefault')",
                          at->shape.ndims, c->name);
    if (tact__op_check_exact(c, 0, "input", at->dtype) != TACT_CODE_OK)
        return c->st->code;
    if (c->phase == TACT_INFER_RUN) {  /* the default's own value */
        *out_dtype = at->dtype;
        *out_shape = c->shapes[0];
        return TACT_CODE_OK;
    }
    tact_shape_t merged;
    if (tact__op_merge_shapes(c, &c->shapes[0], &at->shape, &merged) != TACT_CODE_OK)
        return c->st->code;
    *out_dtype = at->dtype;
    *out_shape = at->shape;
    return TACT_CODE_OK;
}

/* ---- Select ---- */

/* Select(condition, t, e): a scalar condition picks a whole input, a vector one picks rows
 * (the first dimension of t and e), any other one must have t's shape. */
static tact_code_t array_infer_select(const tact_op_ctx_t *c, tact_dtype_t *out_dtype,
                                      tact_shape_t *out_shape)
{
    if (tact__op_check_exact(c, 0, "condition", TACT_DTYPE_BOOL) != TACT_CODE_OK ||
        tact__op_check_same(c, 2, "e", 1, "t") != TACT_CODE_OK)
        return c->st->code;
    const tact_shape_t *cond = &c->shapes[0], *t = &c->shapes[1], *e = &c->shapes[2];
    char a[ARRAY_SHAPE_LEN], b[ARRAY_SHAPE_LEN];
    if (c->phase == TACT_INFER_RUN) {
        /* The kernel's checks, in its order (core/kernels/cwise_op_select.cc). */
        bool same_te = t->ndims == e->ndims;
        for (int d = 0; same_te && d < t->ndims; d++)
            same_te = t->dims[d] == e->dims[d];
        if (!same_te)
            return tact__fail(c->st, TACT_CODE_INVALID_ARGUMENT,
                              "'then' and 'else' must have the same size.  but received: %s vs. "
                              "%s", tact__shape_str(t, a, sizeof a),
                              tact__shape_str(e, b, sizeof b));
        if (cond->ndims == 1 && t->ndims != 1) {
            if (t->ndims == 0)
                return tact__fail(c->st, TACT_CODE_INVALID_ARGUMENT,
                                  "'then' must be at least a vector, but saw shape: %s",
                                  tact__shape_str(t, a, sizeof a));
            if (t->dims[0] != cond->dims[0])
                return tact__fail(c->st, TACT_CODE_INVALID_ARGUMENT,
                                  "Number of batches of 'then' must match size of 'cond', but "
                                  "saw: %" PRId64 " vs. %" PRId64, t->dims[0], cond->dims[0]);
        } else if (cond->ndims != 0) {
            bool same = cond->ndims == t->ndims;
            for (int d = 0; same && d < t->ndims; d++)
                same = cond->dims[d] == t->dims[d];
            if (!same)
                return tact__fail(c->st, TACT_CODE_INVALID_ARGUMENT,
                                  "Inputs to operation %s of type Select must have the same size "
                                  "and shape.  Input 0: %s != input 1: %s", c->name,
                                  tact__shape_str(cond, a, sizeof a),
                                  tact__shape_str(t, b, sizeof b));
        }
        *out_dtype = c->dtypes[1];
        *out_shape = *t;
        return TACT_CODE_OK;
    }
    /* TensorFlow's shape function: merge t and e, then relate the condition to them. */
    tact_shape_t data;
    if (tact__op_merge_shapes(c, t, e, &data) != TACT_CODE_OK)
        return c->st->code;
    if (cond->ndims >= 0 && data.ndims >= 0 && cond->ndims != 0) {
        tact_shape_t unused;
        if (cond->ndims != 1 || data.ndims == 0) {
            if (tact__op_merge_shapes(c, &data, cond, &data) != TACT_CODE_OK)
                return c->st->code;
        } else {
            tact_shape_t rows = {.ndims = 1, .dims = {data.dims[0]}};
            if (tact__op_merge_shapes(c, cond, &rows, &unused) != TACT_CODE_OK)
                return c->st->code;
        }
    }
    *out_dtype = c->dtypes[1];
    *out_shape = data;
    return TACT_CODE_OK;
}

/* ---- SelectV2 ---- */

/* numpy broadcasting of a and b into *out (unknowns as TensorFlow's
 * BroadcastBinaryOpOutputShapeFnHelper); false on sizes that cannot broadcast. */
static bool array_broadcast(const tact_shape_t *a, const tact_shape_t *b, tact_shape_t *out,
                            int64_t *bad_a, int64_t *bad_b)
{
    if (a->ndims < 0 || b->ndims < 0) {
        *out = (tact_shape_t) {.ndims = -1};
        return true;
    }
    tact_shape_t o = {.ndims = a->ndims > b->ndims ? a->ndims : b->ndims};
    for (int i = 0; i < o.ndims; i++) {
        int pa = o.ndims - a->ndims, pb = o.ndims - b->ndims;
        int64_t da = i < pa ? 1 : a->dims[i - pa];
        int64_t db = i < pb ? 1 : b->dims[i - pb];
        if (da < 0 || db < 0)
            o.dims[i] = da > 1 ? da : db > 1 ? db : da == 1 ? db : db == 1 ? da : -1;
        else if (da == 1 || db == 1)
            o.dims[i] = da == 1 ? db : da;
        else if (da != db) {
            *bad_a = da;
            *bad_b = db;
            return false;
        } else
            o.dims[i] = da;
    }
    *out = o;
    return true;
}

static tact_code_t array_infer_select_v2(const tact_op_ctx_t *c, tact_dtype_t *out_dtype,
                                         tact_shape_t *out_shape)
{
    if (tact__op_check_exact(c, 0, "condition", TACT_DTYPE_BOOL) != TACT_CODE_OK ||
        tact__op_check_same(c, 2, "e", 1, "t") != TACT_CODE_OK)
        return c->st->code;
    const tact_shape_t *cond = &c->shapes[0], *t = &c->shapes[1], *e = &c->shapes[2];
    tact_shape_t te, all;
    int64_t x = 0, y = 0;
    bool ok = array_broadcast(t, e, &te, &x, &y) && array_broadcast(cond, &te, &all, &x, &y);
    if (!ok) {
        char a[ARRAY_SHAPE_LEN], b[ARRAY_SHAPE_LEN], d[ARRAY_SHAPE_LEN];
        if (c->phase == TACT_INFER_BUILD)
            return tact__op_fail_shape(c, "Dimensions must be equal, but are %" PRId64
                                       " and %" PRId64, x, y);
        return tact__fail(c->st, TACT_CODE_INVALID_ARGUMENT,
                          "condition %s, then %s, and else %s must be broadcastable",
                          tact__shape_str(cond, a, sizeof a), tact__shape_str(t, b, sizeof b),
                          tact__shape_str(e, d, sizeof d));
    }
    *out_dtype = c->dtypes[1];
    *out_shape = all;
    return TACT_CODE_OK;
}

/* ---- Pack ---- */

/* N tensors of one dtype and shape stacked along a new axis `axis` in [-(rank+1), rank+1). */
static tact_code_t array_infer_pack(const tact_op_ctx_t *c, tact_dtype_t *out_dtype,
                                    tact_shape_t *out_shape)
{
    int n = c->attrs->n_list;
    if (n < 1)
        return tact__fail(c->st, TACT_CODE_INVALID_ARGUMENT,
                          "Attr N of '%s' (op: 'Pack') must be at least 1, got %d", c->name, n);
    tact_shape_t s = c->shapes[0];
    for (int i = 1; i < n; i++) {
        if (tact__op_check_same(c, i, "values", 0, "values") != TACT_CODE_OK)
            return c->st->code;
        if (c->phase == TACT_INFER_RUN) {
            char a[ARRAY_SHAPE_LEN], b[ARRAY_SHAPE_LEN];
            bool same = s.ndims == c->shapes[i].ndims;
            for (int d = 0; same && d < s.ndims; d++)
                same = s.dims[d] == c->shapes[i].dims[d];
            if (!same)
                return tact__fail(c->st, TACT_CODE_INVALID_ARGUMENT,
                                  "Shapes of all inputs must match: values[0].shape = %s != "
                                  "values[%d].shape = %s", tact__shape_str(&s, a, sizeof a), i,
                                  tact__shape_str(&c->shapes[i], b, sizeof b));
        } else if (tact__op_merge_shapes(c, &s, &c->shapes[i], &s) != TACT_CODE_OK) {
            return c->st->code;
        }
    }
    *out_dtype = c->dtypes[0];
    if (s.ndims < 0) {
        *out_shape = (tact_shape_t) {.ndims = -1};
        return TACT_CODE_OK;
    }
    int rank = s.ndims + 1, axis = c->attrs->axis;
    if (axis < -rank || axis >= rank || rank > TACT_MAX_DIMS)
        return tact__op_fail_shape(c, "Invalid axis: %d; must be in [%d,%d)", axis, -rank, rank);
    if (axis < 0)
        axis += rank;
    tact_shape_t o = {.ndims = rank};
    for (int d = 0, k = 0; d < rank; d++)
        o.dims[d] = d == axis ? n : s.dims[k++];
    *out_shape = o;
    return TACT_CODE_OK;
}

/* ---- IdentityN ---- */

static tact_code_t array_infer_identity_n(const tact_op_ctx_t *c, tact_dtype_t *out_dtype,
                                          tact_shape_t *out_shape)
{
    for (int i = 0; i < c->n_in; i++) {
        out_dtype[i] = c->dtypes[i];
        out_shape[i] = c->shapes[i];
    }
    return TACT_CODE_OK;
}


/* ------------------------------------------------------------------------------------------ */
/* Ops whose shapes depend on values: Shape, Size, Rank, Slice, StridedSlice, Squeeze,         */
/* ExpandDims, ConcatV2, Split, Unpack, Tile, Pad, GatherV2, OneHot, Range, ZerosLike, OnesLike */
/* ------------------------------------------------------------------------------------------ */

#define ARRAY_BIT(dt) (1u << (unsigned) (dt))
#define ARRAY_INTS    (ARRAY_BIT(TACT_DTYPE_I32) | ARRAY_BIT(TACT_DTYPE_I64))
#define ARRAY_NUMERIC (ARRAY_INTS | ARRAY_BIT(TACT_DTYPE_F32) | ARRAY_BIT(TACT_DTYPE_F64))

/* Element i of an int32 or int64 tensor. */
int64_t tact__array_int_at(const tact_tensor_t *t, int64_t i)
{
    return t->dtype == TACT_DTYPE_I32 ? ((const int32_t *) t->data)[i]
                                      : ((const int64_t *) t->data)[i];
}

static tact_shape_t array_unknown_of_rank(int rank)
{
    tact_shape_t s = {.ndims = rank};
    for (int d = 0; d < rank && d < TACT_MAX_DIMS; d++)
        s.dims[d] = -1;
    return s;
}

/* The scalar (or one-element) int value of input i; false while unknown. */
static bool array_scalar(const tact_op_ctx_t *c, int i, int64_t *v)
{
    const tact_tensor_t *t = tact__op_value(c, i);
    if (t == NULL || t->nelems != 1)
        return false;
    *v = tact__array_int_at(t, 0);
    return true;
}

/* ---- Shape, Size, Rank ---- */

static tact_code_t array_check_out_type(const tact_op_ctx_t *c)
{
    tact_dtype_t t = c->attrs->out_type;
    if (t == TACT_DTYPE_I32 || t == TACT_DTYPE_I64)
        return TACT_CODE_OK;
    return tact__fail(c->st, TACT_CODE_INVALID_ARGUMENT,
                      "Value for attr 'out_type' of %s is not in the list of allowed values: "
                      "int32, int64 for '%s' (op: '%s')",
                      tact__dtype_valid(t) ? tact__dtype_tf_name(t) : "an invalid type", c->name,
                      tact__op_kind_type(c->kind));
}

static tact_code_t array_infer_shape(const tact_op_ctx_t *c, tact_dtype_t *out_dtype,
                                     tact_shape_t *out_shape)
{
    if (array_check_out_type(c) != TACT_CODE_OK)
        return c->st->code;
    *out_dtype = c->attrs->out_type;
    *out_shape = (tact_shape_t) {.ndims = 1, .dims = {c->shapes[0].ndims}};
    return TACT_CODE_OK;
}

static tact_code_t array_infer_size(const tact_op_ctx_t *c, tact_dtype_t *out_dtype,
                                    tact_shape_t *out_shape)
{
    if (c->kind == TACT_OP_SIZE && array_check_out_type(c) != TACT_CODE_OK)
        return c->st->code;
    *out_dtype = c->kind == TACT_OP_SIZE ? c->attrs->out_type : TACT_DTYPE_I32;
    *out_shape = (tact_shape_t) {.ndims = 0};
    return TACT_CODE_OK;
}

/* ---- Slice ---- */

static tact_code_t array_infer_slice(const tact_op_ctx_t *c, tact_dtype_t *out_dtype,
                                     tact_shape_t *out_shape)
{
    if (tact__op_check_dtype(c, 1, "begin", ARRAY_INTS) ||
        tact__op_check_same(c, 2, "size", 1, "begin"))
        return c->st->code;
    const tact_shape_t *x = &c->shapes[0], *bs = &c->shapes[1], *ss = &c->shapes[2];
    *out_dtype = c->dtypes[0];
    if (c->phase == TACT_INFER_BUILD) {
        if (tact__op_check_rank(c, 1, 1) || tact__op_check_rank(c, 2, 1))
            return c->st->code;
    }
    bool vec_ok = bs->ndims == 1 && ss->ndims == 1;
    if (x->ndims >= 0 && (c->phase == TACT_INFER_RUN || (vec_ok && bs->dims[0] >= 0 &&
                                                          ss->dims[0] >= 0))) {
        if (!vec_ok || bs->dims[0] != x->ndims || ss->dims[0] != x->ndims) {
            char a[ARRAY_SHAPE_LEN], b[ARRAY_SHAPE_LEN];
            if (c->phase == TACT_INFER_BUILD)
                return tact__op_fail_shape(c, "Shape must be rank %" PRId64 " but is rank %d",
                                           bs->dims[0] != x->ndims ? bs->dims[0] : ss->dims[0],
                                           x->ndims);
            return tact__fail(c->st, TACT_CODE_INVALID_ARGUMENT,
                              "Expected begin and size arguments to be 1-D tensors of size %d, "
                              "but got shapes %s and %s instead.", x->ndims,
                              tact__shape_str(bs, a, sizeof a), tact__shape_str(ss, b, sizeof b));
        }
    }
    const tact_tensor_t *bv = tact__op_value(c, 1), *sv = tact__op_value(c, 2);
    if (x->ndims < 0 || bv == NULL || sv == NULL) {
        int rank = x->ndims >= 0 ? x->ndims : bs->ndims == 1 && bs->dims[0] >= 0
                                                  ? (int) bs->dims[0] : -1;
        *out_shape = array_unknown_of_rank(rank > TACT_MAX_DIMS ? -1 : rank);
        if (sv != NULL && rank >= 0 && rank <= TACT_MAX_DIMS)
            for (int d = 0; d < rank; d++) {
                int64_t s = tact__array_int_at(sv, d);
                out_shape->dims[d] = s >= 0 ? s : -1;
            }
        return TACT_CODE_OK;
    }
    tact_shape_t out = {.ndims = x->ndims};
    for (int d = 0; d < x->ndims; d++) {
        int64_t b = tact__array_int_at(bv, d), s = tact__array_int_at(sv, d), dim = x->dims[d];
        if (dim < 0) {
            out.dims[d] = s >= 0 ? s : -1;
            continue;
        }
        if (s == -1)
            s = dim - b;
        if (c->phase == TACT_INFER_BUILD) {  /* TensorFlow checks the ranges in its kernel */
            out.dims[d] = s >= 0 ? s : -1;
            continue;
        }
        if (b < 0 || b > dim)
            return tact__op_fail_shape(c, "Expected begin[%d] in [0, %" PRId64 "], but got %"
                                       PRId64, d, dim, b);
        if (s < 0 || s > dim - b)
            return tact__op_fail_shape(c, "Expected size[%d] in [0, %" PRId64 "], but got %"
                                       PRId64, d, dim - b, s);
        out.dims[d] = s;
    }
    *out_shape = out;
    return TACT_CODE_OK;
}

/* ---- StridedSlice ---- */

static int64_t array_clamp(int64_t v)
{
    const int64_t big = INT64_C(1) << 62;
    return v < -big ? -big : v > big ? big : v;
}

int tact__array_strided_slice(const tact_op_attrs_t *at, const tact_shape_t *x,
                              const tact_tensor_t *bt, const tact_tensor_t *et,
                              const tact_tensor_t *st_, tact_array_ss_t *ss, char *err,
                              size_t err_len)
{
    int n = (int) bt->nelems;
    uint64_t ellipsis = (uint64_t) at->ellipsis_mask, new_axis = (uint64_t) at->new_axis_mask;
    if (ellipsis != 0 && (ellipsis & (ellipsis - 1)) != 0) {
        snprintf(err, err_len, "Multiple ellipses in slice spec not allowed");
        return -1;
    }
    if (n > 62) {
        snprintf(err, err_len, "StridedSlice: %d indices; at most 62 are supported", n);
        return -1;
    }
    /* TensorFlow's sparse spec: an ellipsis at the end when there is none. */
    bool seen = false;
    int add_after = 0, sparse_dims = n;
    for (int i = 0; i < n; i++) {
        if (seen && ((1ULL << i) & new_axis))
            add_after++;
        if ((1ULL << i) & ellipsis)
            seen = true;
    }
    if (!seen) {
        ellipsis |= 1ULL << n;
        sparse_dims++;
    }
    /* The dense spec: one entry per input dimension. */
    int rank = x->ndims;
    int64_t begin[TACT_MAX_DIMS] = {0}, end[TACT_MAX_DIMS] = {0}, stride[TACT_MAX_DIMS];
    bool bmask[TACT_MAX_DIMS] = {false}, emask[TACT_MAX_DIMS] = {false};
    bool shrink[TACT_MAX_DIMS] = {false};
    int gather[2 * TACT_MAX_DIMS + 64], n_gather = 0;  /* >= 0: dim; -1 new axis; -2 shrunk */
    for (int d = 0; d < TACT_MAX_DIMS; d++)
        stride[d] = 1;
    int full = 0;
    for (int i = 0; i < sparse_dims; i++) {
        if ((1ULL << i) & ellipsis) {
            int next = rank - (sparse_dims - i) + 1 + add_after;
            if (next > rank)
                next = rank;
            for (; full < next; full++) {
                bmask[full] = emask[full] = true;
                gather[n_gather++] = full;
            }
        } else if ((1ULL << i) & new_axis) {
            gather[n_gather++] = -1;
        } else {
            if (full == rank) {
                snprintf(err, err_len, "Index out of range using input dim %d; input has only "
                         "%d dims", full, rank);
                return -1;
            }
            /* Clamped far outside any size, so that dim + index cannot overflow. */
            begin[full] = array_clamp(tact__array_int_at(bt, i));
            end[full] = array_clamp(tact__array_int_at(et, i));
            stride[full] = array_clamp(tact__array_int_at(st_, i));
            bmask[full] = ((uint64_t) at->begin_mask >> i) & 1;
            emask[full] = ((uint64_t) at->end_mask >> i) & 1;
            if (((uint64_t) at->shrink_axis_mask >> i) & 1) {
                gather[n_gather++] = -2;
                shrink[full] = true;
            } else {
                gather[n_gather++] = full;
            }
            full++;
        }
    }
    /* Canonical ranges and the processing shape. */
    for (int d = 0; d < rank; d++) {
        int64_t s = stride[d], dim = x->dims[d];
        if (s == 0) {
            snprintf(err, err_len, "strides[%d] must be non-zero", d);
            return -1;
        }
        if (shrink[d] && s <= 0) {
            snprintf(err, err_len, "only stride 1 allowed on non-range indexing.");
            return -1;
        }
        ss->stride[d] = s;
        if (dim < 0) {
            ss->proc[d] = shrink[d] ? 1 : -1;
            ss->begin[d] = 0;
            continue;
        }
        int64_t lo = s > 0 ? 0 : -1, hi = s > 0 ? dim : dim - 1;
        int64_t b, e;
        if (shrink[d]) {
            b = begin[d] < 0 ? dim + begin[d] : begin[d];
            e = b + 1;
            if (b < 0 || b >= dim) {
                snprintf(err, err_len, "slice index %" PRId64 " of dimension %d out of bounds.",
                         b, d);
                return -1;
            }
        } else {
            if (bmask[d]) {
                b = s > 0 ? lo : hi;
            } else {
                b = begin[d] < 0 ? dim + begin[d] : begin[d];
                b = b < lo ? lo : b > hi ? hi : b;
            }
            if (emask[d]) {
                e = s > 0 ? hi : lo;
            } else {
                e = end[d] < 0 ? dim + end[d] : end[d];
                e = e < lo ? lo : e > hi ? hi : e;
            }
        }
        int64_t len = e - b, size;
        if (len == 0 || ((len < 0) != (s < 0)))
            size = 0;
        else
            size = len / s + (len % s != 0 ? 1 : 0);
        ss->begin[d] = b;
        ss->proc[d] = size;
    }
    ss->rank = rank;
    ss->out.ndims = 0;
    for (int k = 0; k < n_gather; k++) {
        if (gather[k] == -2)
            continue;
        if (ss->out.ndims == TACT_MAX_DIMS) {
            snprintf(err, err_len, "StridedSlice: the result has more than %d dimensions",
                     TACT_MAX_DIMS);
            return -1;
        }
        ss->out.dims[ss->out.ndims++] = gather[k] >= 0 ? ss->proc[gather[k]] : 1;
    }
    return 0;
}

static tact_code_t array_infer_strided_slice(const tact_op_ctx_t *c, tact_dtype_t *out_dtype,
                                             tact_shape_t *out_shape)
{
    if (tact__op_check_dtype(c, 1, "begin", ARRAY_INTS) ||
        tact__op_check_same(c, 2, "end", 1, "begin") ||
        tact__op_check_same(c, 3, "strides", 1, "begin"))
        return c->st->code;
    *out_dtype = c->dtypes[0];
    const tact_shape_t *b = &c->shapes[1], *e = &c->shapes[2], *s = &c->shapes[3];
    if (c->phase == TACT_INFER_BUILD) {
        if (tact__op_check_rank(c, 1, 1) || tact__op_check_rank(c, 2, 1) ||
            tact__op_check_rank(c, 3, 1))
            return c->st->code;
    }
    bool same = b->ndims == 1 && e->ndims == 1 && s->ndims == 1 && b->dims[0] == e->dims[0] &&
                b->dims[0] == s->dims[0];
    if (!same && (c->phase == TACT_INFER_RUN || (b->ndims == 1 && e->ndims == 1 &&
                                                  s->ndims == 1 && b->dims[0] >= 0 &&
                                                  e->dims[0] >= 0 && s->dims[0] >= 0))) {
        char x1[ARRAY_SHAPE_LEN], x2[ARRAY_SHAPE_LEN], x3[ARRAY_SHAPE_LEN];
        if (c->phase == TACT_INFER_BUILD) {
            const tact_shape_t *o = b->dims[0] != e->dims[0] ? e : s;
            return tact__op_fail_shape(c, "Dimension 0 in both shapes must be equal, but are %"
                                       PRId64 " and %" PRId64 ". Shapes are %s and %s.",
                                       b->dims[0], o->dims[0], tact__shape_str(b, x1, sizeof x1),
                                       tact__shape_str(o, x2, sizeof x2));
        }
        return tact__op_fail_shape(c, "Expected begin, end, and strides to be 1D equal size "
                                   "tensors, but got shapes %s, %s, and %s instead.",
                                   tact__shape_str(b, x1, sizeof x1),
                                   tact__shape_str(e, x2, sizeof x2),
                                   tact__shape_str(s, x3, sizeof x3));
    }
    const tact_tensor_t *bv = tact__op_value(c, 1), *ev = tact__op_value(c, 2),
                        *sv = tact__op_value(c, 3);
    if (c->shapes[0].ndims < 0 || bv == NULL || ev == NULL || sv == NULL) {
        *out_shape = (tact_shape_t) {.ndims = -1};
        return TACT_CODE_OK;
    }
    tact_array_ss_t ss;
    char err[200];
    if (tact__array_strided_slice(c->attrs, &c->shapes[0], bv, ev, sv, &ss, err, sizeof err))
        return tact__op_fail_shape(c, "%s", err);
    *out_shape = ss.out;
    return TACT_CODE_OK;
}

/* ---- Squeeze ---- */

static tact_code_t array_infer_squeeze(const tact_op_ctx_t *c, tact_dtype_t *out_dtype,
                                       tact_shape_t *out_shape)
{
    const tact_shape_t *x = &c->shapes[0];
    const tact_op_attrs_t *at = c->attrs;
    *out_dtype = c->dtypes[0];
    if (x->ndims < 0) {
        *out_shape = *x;
        return TACT_CODE_OK;
    }
    bool drop[TACT_MAX_DIMS] = {false};
    for (int i = 0; i < at->n_squeeze; i++) {
        int d = at->squeeze_dims[i];
        if (d < -x->ndims || d >= x->ndims) {
            if (c->phase == TACT_INFER_BUILD)
                return tact__op_fail_shape(c, "squeeze_dims[%d] not in [%d,%d).", i, -x->ndims,
                                           x->ndims);
            return tact__op_fail_shape(c, "Tried to squeeze dim index %d for tensor with %d "
                                       "dimensions.", d, x->ndims);
        }
        drop[d < 0 ? d + x->ndims : d] = true;
    }
    tact_shape_t out = {.ndims = 0};
    for (int d = 0; d < x->ndims; d++) {
        int64_t dim = x->dims[d];
        if (at->n_squeeze == 0) {
            if (dim == 1)
                continue;
            if (dim < 0) {  /* might be 1: unknown result */
                *out_shape = (tact_shape_t) {.ndims = -1};
                return TACT_CODE_OK;
            }
        } else if (drop[d]) {
            if (dim != 1 && dim >= 0)
                return tact__op_fail_shape(c, "Can not squeeze dim[%d], expected a dimension "
                                           "of 1, got %" PRId64, d, dim);
            continue;
        }
        out.dims[out.ndims++] = dim;
    }
    *out_shape = out;
    return TACT_CODE_OK;
}

/* ---- ExpandDims ---- */

static tact_code_t array_infer_expand_dims(const tact_op_ctx_t *c, tact_dtype_t *out_dtype,
                                           tact_shape_t *out_shape)
{
    if (tact__op_check_dtype(c, 1, "dim", ARRAY_INTS))
        return c->st->code;
    const tact_shape_t *x = &c->shapes[0];
    *out_dtype = c->dtypes[0];
    const tact_tensor_t *dv = tact__op_value(c, 1);
    if (dv != NULL && dv->nelems != 1)
        return tact__op_fail_shape(c, c->phase == TACT_INFER_BUILD
                                          ? "'dim' input must be a tensor with a single value"
                                          : "'dim' must be a tensor with a single value");
    int64_t dim;
    if (x->ndims < 0 || !array_scalar(c, 1, &dim)) {
        *out_shape = array_unknown_of_rank(x->ndims >= 0 && x->ndims < TACT_MAX_DIMS
                                               ? x->ndims + 1 : -1);
        return TACT_CODE_OK;
    }
    int rank = x->ndims;
    if (dim < -1 - rank || dim > rank) {
        if (c->phase == TACT_INFER_BUILD)
            return tact__op_fail_shape(c, "dim %" PRId64 " not in the interval [%d, %d].", dim,
                                       -1 - rank, rank);
        return tact__op_fail_shape(c, "Tried to expand dim index %" PRId64 " for tensor with "
                                   "%d dimensions.", dim, rank);
    }
    if (rank == TACT_MAX_DIMS)
        return tact__fail(c->st, TACT_CODE_UNIMPLEMENTED, "ExpandDims '%s': more than %d "
                          "dimensions", c->name, TACT_MAX_DIMS);
    if (dim < 0)
        dim += rank + 1;
    tact_shape_t out = {.ndims = rank + 1};
    for (int d = 0, k = 0; d <= rank; d++)
        out.dims[d] = d == dim ? 1 : x->dims[k++];
    *out_shape = out;
    return TACT_CODE_OK;
}

/* ---- ConcatV2 ---- */

static int array_concat_arity(const tact_op_attrs_t *attrs)
{
    return attrs->n_list + 1;
}

static tact_code_t array_infer_concat(const tact_op_ctx_t *c, tact_dtype_t *out_dtype,
                                      tact_shape_t *out_shape)
{
    int n = c->attrs->n_list;
    if (n < 2)
        return tact__fail(c->st, TACT_CODE_INVALID_ARGUMENT,
                          "Attr N of '%s' (op: 'ConcatV2') must be at least 2, got %d", c->name,
                          n);
    for (int i = 1; i < n; i++)
        if (tact__op_check_same(c, i, "values", 0, "values"))
            return c->st->code;
    if (tact__op_check_dtype(c, n, "axis", ARRAY_INTS))
        return c->st->code;
    *out_dtype = c->dtypes[0];
    int64_t axis;
    bool run = c->phase == TACT_INFER_RUN;
    const tact_tensor_t *av = tact__op_value(c, n);
    if (av != NULL && av->nelems != 1) {  /* a one-element vector passes, as in TensorFlow */
        char a[ARRAY_SHAPE_LEN];
        tact_shape_t as = tact__tensor_shape(av);
        return tact__op_fail_shape(c, "Concat dim tensor should be a scalar integer, but got "
                                   "shape %s", tact__shape_str(&as, a, sizeof a));
    }
    /* The rank: the first input of known rank. */
    int rank = -1;
    for (int i = 0; i < n && rank < 0; i++)
        rank = c->shapes[i].ndims;
    if (!array_scalar(c, n, &axis)) {
        *out_shape = array_unknown_of_rank(rank);
        return TACT_CODE_OK;
    }
    if (rank < 0) {
        *out_shape = (tact_shape_t) {.ndims = -1};
        return TACT_CODE_OK;
    }
    if (axis < -rank || axis >= rank) {
        if (!run)
            return tact__op_fail_shape(c, "Shape must be at least rank %" PRId64 " but is rank "
                                       "%d", axis >= 0 ? axis + 1 : -axis, rank);
        return tact__fail(c->st, TACT_CODE_INVALID_ARGUMENT,
                          "ConcatOp : Expected concatenating dimensions in the range [%d, %d), "
                          "but got %" PRId64, -rank, rank, axis);
    }
    if (axis < 0)
        axis += rank;
    tact_shape_t out = c->shapes[0].ndims >= 0 ? c->shapes[0] : array_unknown_of_rank(rank);
    char a[ARRAY_SHAPE_LEN], b[ARRAY_SHAPE_LEN];
    for (int i = 1; i < n; i++) {
        const tact_shape_t *s = &c->shapes[i];
        if (s->ndims < 0) {
            out.dims[axis] = -1;
            continue;
        }
        if (s->ndims != rank) {
            if (!run)
                return tact__op_fail_shape(c, "Shape must be rank %d but is rank %d", rank,
                                           s->ndims);
            return tact__fail(c->st, TACT_CODE_INVALID_ARGUMENT,
                              "ConcatOp : Ranks of all input tensors should match: shape[0] = "
                              "%s vs. shape[%d] = %s", tact__shape_str(&c->shapes[0], a, sizeof a),
                              i, tact__shape_str(s, b, sizeof b));
        }
        for (int d = 0; d < rank; d++) {
            if (d == axis) {
                out.dims[d] = out.dims[d] < 0 || s->dims[d] < 0 ? -1 : out.dims[d] + s->dims[d];
                continue;
            }
            if (out.dims[d] >= 0 && s->dims[d] >= 0 && out.dims[d] != s->dims[d]) {
                if (!run) {  /* TensorFlow merges the shapes without the concat axis */
                    tact_shape_t ra = {.ndims = rank - 1}, rb = {.ndims = rank - 1};
                    for (int k = 0, j = 0; k < rank; k++)
                        if (k != axis) {
                            ra.dims[j] = out.dims[k];
                            rb.dims[j++] = s->dims[k];
                        }
                    return tact__op_fail_shape(c, "Dimension %d in both shapes must be equal, "
                                               "but are %" PRId64 " and %" PRId64 ". Shapes are "
                                               "%s and %s.", d < axis ? d : d - 1, out.dims[d],
                                               s->dims[d], tact__shape_str(&ra, a, sizeof a),
                                               tact__shape_str(&rb, b, sizeof b));
                }
                return tact__fail(c->st, TACT_CODE_INVALID_ARGUMENT,
                                  "ConcatOp : Dimension %d in both shapes must be equal: "
                                  "shape[0] = %s vs. shape[%d] = %s", d,
                                  tact__shape_str(&c->shapes[0], a, sizeof a), i,
                                  tact__shape_str(s, b, sizeof b));
            }
            if (out.dims[d] < 0)
                out.dims[d] = s->dims[d];
        }
    }
    *out_shape = out;
    return TACT_CODE_OK;
}

/* ---- Split, Unpack ---- */

/* Split's and Unpack's outputs; a count beyond any real model's is refused by their shape
 * functions, so it allocates nothing large. */
#define ARRAY_MAX_NUM 65536

static int array_num(const tact_op_attrs_t *attrs)
{
    return attrs->num < 0 ? 0 : attrs->num > ARRAY_MAX_NUM ? ARRAY_MAX_NUM : attrs->num;
}

static tact_code_t array_infer_split(const tact_op_ctx_t *c, tact_dtype_t *out_dtype,
                                     tact_shape_t *out_shape)
{
    int num = c->attrs->num;
    if (num < 1 || num > ARRAY_MAX_NUM)
        return tact__fail(c->st, TACT_CODE_INVALID_ARGUMENT,
                          "Attr num_split of '%s' (op: 'Split') must be in [1, %d], got %d",
                          c->name, ARRAY_MAX_NUM, num);
    if (tact__op_check_exact(c, 0, "split_dim", TACT_DTYPE_I32))
        return c->st->code;
    const tact_shape_t *x = &c->shapes[1];
    tact_shape_t out = array_unknown_of_rank(x->ndims);
    int64_t axis;
    if (x->ndims >= 0 && array_scalar(c, 0, &axis)) {
        int rank = x->ndims;
        if (axis < -rank || axis >= rank)
        {
            if (c->phase == TACT_INFER_RUN)
                return tact__op_fail_shape(c, "-input rank(-%d) <= split_dim < input rank (%d), "
                                           "but got %" PRId64, rank, rank, axis);
            return tact__op_fail_shape(c, "Dimension size, given by scalar input %" PRId64
                                       " must be in range [-%d, %d)", axis, rank, rank);
        }
        if (axis < 0)
            axis += rank;
        out = *x;
        int64_t dim = x->dims[axis];
        if (dim >= 0 && dim % num != 0) {
            if (c->phase == TACT_INFER_RUN)
                return tact__fail(c->st, TACT_CODE_INVALID_ARGUMENT,
                                  "Number of ways to split should evenly divide the split "
                                  "dimension, but got split_dim %" PRId64 " (size = %" PRId64
                                  ") and num_split %d", axis, dim, num);
            return tact__op_fail_shape(c, "Dimension size must be evenly divisible by %d but is %"
                                       PRId64, num, dim);
        }
        out.dims[axis] = dim >= 0 ? dim / num : -1;
    }
    for (int k = 0; k < num; k++) {
        out_dtype[k] = c->dtypes[1];
        out_shape[k] = out;
    }
    return TACT_CODE_OK;
}

static tact_code_t array_infer_unpack(const tact_op_ctx_t *c, tact_dtype_t *out_dtype,
                                      tact_shape_t *out_shape)
{
    int num = c->attrs->num, axis = c->attrs->axis;
    if (num < 0 || num > ARRAY_MAX_NUM)
        return tact__fail(c->st, TACT_CODE_INVALID_ARGUMENT,
                          "Attr num of '%s' (op: 'Unpack') must be in [0, %d], got %d", c->name,
                          ARRAY_MAX_NUM, num);
    const tact_shape_t *x = &c->shapes[0];
    tact_shape_t out = {.ndims = -1};
    char sbuf[ARRAY_SHAPE_LEN];
    if (x->ndims >= 0) {
        int rank = x->ndims;
        if (axis < -rank || axis >= rank)
            return tact__op_fail_shape(c, c->phase == TACT_INFER_RUN
                                              ? "axis = %d not in [%d, %d)"
                                              : "Invalid axis: %d; must be in [%d,%d)",
                                       axis, -rank, rank);
        if (axis < 0)
            axis += rank;
        int64_t dim = x->dims[axis];
        if (dim >= 0 && dim != num) {
            if (c->phase == TACT_INFER_RUN)
                return tact__fail(c->st, TACT_CODE_INVALID_ARGUMENT,
                                  "Input shape axis %d must equal %d, got shape %s", axis, num,
                                  tact__shape_str(x, sbuf, sizeof sbuf));
            return tact__op_fail_shape(c, "Dimension must be %d but is %" PRId64, num, dim);
        }
        out.ndims = rank - 1;
        for (int d = 0, k = 0; d < rank; d++)
            if (d != axis)
                out.dims[k++] = x->dims[d];
    }
    for (int k = 0; k < num; k++) {
        out_dtype[k] = c->dtypes[0];
        out_shape[k] = out;
    }
    return TACT_CODE_OK;
}

/* ---- Tile, Pad, PadV2 ---- */

static tact_code_t array_infer_tile(const tact_op_ctx_t *c, tact_dtype_t *out_dtype,
                                    tact_shape_t *out_shape)
{
    if (tact__op_check_dtype(c, 1, "multiples", ARRAY_INTS))
        return c->st->code;
    const tact_shape_t *x = &c->shapes[0], *m = &c->shapes[1];
    *out_dtype = c->dtypes[0];
    if (c->phase == TACT_INFER_BUILD && tact__op_check_rank(c, 1, 1))
        return c->st->code;
    if (c->phase == TACT_INFER_RUN && m->ndims != 1) {
        char a[ARRAY_SHAPE_LEN];
        return tact__fail(c->st, TACT_CODE_INVALID_ARGUMENT,
                          "Expected multiples argument to be a vector of length %d but got "
                          "shape %s", x->ndims, tact__shape_str(m, a, sizeof a));
    }
    if (x->ndims >= 0 && m->ndims == 1 && m->dims[0] >= 0 && m->dims[0] != x->ndims) {
        if (c->phase == TACT_INFER_BUILD)
            return tact__op_fail_shape(c, "Shape must be rank %d but is rank %" PRId64,
                                       x->ndims, m->dims[0]);
        return tact__fail(c->st, TACT_CODE_INVALID_ARGUMENT,
                          "Expected multiples argument to be a vector of length %d but got "
                          "length %" PRId64, x->ndims, m->dims[0]);
    }
    const tact_tensor_t *mv = tact__op_value(c, 1);
    int rank = x->ndims >= 0 ? x->ndims : m->ndims == 1 && m->dims[0] >= 0 &&
                                          m->dims[0] <= TACT_MAX_DIMS ? (int) m->dims[0] : -1;
    tact_shape_t out = array_unknown_of_rank(rank);
    for (int d = 0; mv != NULL && d < rank; d++) {
        int64_t k = tact__array_int_at(mv, d);
        if (k < 0 && c->phase == TACT_INFER_BUILD) {  /* the kernel's check */
            out.dims[d] = -1;
            continue;
        }
        if (k < 0)
            return tact__op_fail_shape(c, "Expected multiples[%d] >= 0, but got %" PRId64, d, k);
        if (x->ndims >= 0 && x->dims[d] >= 0 &&
            __builtin_mul_overflow(x->dims[d], k, &out.dims[d]))
            return tact__op_fail_shape(c, "Tile: dimension %d overflows", d);
    }
    *out_shape = out;
    return TACT_CODE_OK;
}

static tact_code_t array_infer_pad(const tact_op_ctx_t *c, tact_dtype_t *out_dtype,
                                   tact_shape_t *out_shape)
{
    if (tact__op_check_dtype(c, 1, "paddings", ARRAY_INTS))
        return c->st->code;
    const tact_shape_t *x = &c->shapes[0], *p = &c->shapes[1];
    *out_dtype = c->dtypes[0];
    bool run = c->phase == TACT_INFER_RUN;
    if (c->kind == TACT_OP_PAD_V2) {  /* the fill value: a scalar of the input's dtype */
        if (tact__op_check_same(c, 2, "constant_values", 0, "input"))
            return c->st->code;
        if (run && c->shapes[2].ndims != 0) {
            char a[ARRAY_SHAPE_LEN];
            return tact__fail(c->st, TACT_CODE_INVALID_ARGUMENT,
                              "constant_values must be a scalar. Found: %s",
                              tact__shape_str(&c->shapes[2], a, sizeof a));
        }
    }
    if (!run && tact__op_check_rank(c, 1, 2))
        return c->st->code;
    if (!run && p->ndims == 2 && p->dims[1] >= 0 && p->dims[1] != 2)
        return tact__op_fail_shape(c, "Dimension 1 in both shapes must be equal, but are %"
                                   PRId64 " and 2. Shapes are [%" PRId64 ",%" PRId64 "] and "
                                   "[?,2].", p->dims[1], p->dims[0], p->dims[1]);
    if (x->ndims >= 0 && p->ndims == 2 && p->dims[0] >= 0 && p->dims[0] != x->ndims && !run)
        return tact__op_fail_shape(c, "Shape must be rank %" PRId64 " but is rank %d",
                                   p->dims[0], x->ndims);  /* TensorFlow's words */
    if (run && (p->ndims != 2 || p->dims[1] != 2 || p->dims[0] != x->ndims)) {
        char a[ARRAY_SHAPE_LEN], b[ARRAY_SHAPE_LEN];
        if (p->ndims == 2 && p->dims[1] == 2)
            return tact__fail(c->st, TACT_CODE_INVALID_ARGUMENT,
                              "The first dimension of paddings must be the rank of inputs%s %s",
                              tact__shape_str(p, a, sizeof a), tact__shape_str(x, b, sizeof b));
        return tact__fail(c->st, TACT_CODE_INVALID_ARGUMENT,
                          "paddings must be a matrix with 2 columns: %s",
                          tact__shape_str(p, a, sizeof a));
    }
    const tact_tensor_t *pv = tact__op_value(c, 1);
    int rank = x->ndims >= 0 ? x->ndims : p->ndims == 2 && p->dims[0] >= 0 &&
                                          p->dims[0] <= TACT_MAX_DIMS ? (int) p->dims[0] : -1;
    tact_shape_t out = array_unknown_of_rank(rank);
    for (int d = 0; pv != NULL && d < rank; d++) {
        int64_t lo = tact__array_int_at(pv, 2 * d), hi = tact__array_int_at(pv, 2 * d + 1);
        if ((lo < 0 || hi < 0) && !run)
            return tact__op_fail_shape(c, "Paddings must be non-negative");
        if (lo < 0 || hi < 0)
            return tact__op_fail_shape(c, "Paddings must be non-negative: %" PRId64 " %" PRId64,
                                       lo, hi);
        if (x->ndims >= 0 && x->dims[d] >= 0 &&
            (__builtin_add_overflow(x->dims[d], lo, &out.dims[d]) ||
             __builtin_add_overflow(out.dims[d], hi, &out.dims[d])))
            return tact__op_fail_shape(c, "Pad: dimension %d overflows", d);
    }
    *out_shape = out;
    return TACT_CODE_OK;
}

/* ---- GatherV2 ---- */

static tact_code_t array_infer_gather(const tact_op_ctx_t *c, tact_dtype_t *out_dtype,
                                      tact_shape_t *out_shape)
{
    if (tact__op_check_dtype(c, 1, "indices", ARRAY_INTS) ||
        tact__op_check_dtype(c, 2, "axis", ARRAY_INTS))
        return c->st->code;
    const tact_shape_t *p = &c->shapes[0], *ix = &c->shapes[1];
    *out_dtype = c->dtypes[0];
    if (c->phase == TACT_INFER_BUILD && tact__op_check_rank(c, 2, 0))
        return c->st->code;
    int64_t axis;
    if (p->ndims < 0 || ix->ndims < 0 || !array_scalar(c, 2, &axis)) {
        *out_shape = (tact_shape_t) {.ndims = -1};
        return TACT_CODE_OK;
    }
    int rank = p->ndims;
    if (rank < 1)
        return tact__op_fail_shape(c, "Shape must be at least rank 1 but is rank 0");
    if (axis < -rank || axis >= rank)
        return tact__op_fail_shape(c, "Shape must be at least rank %" PRId64 " but is rank %d",
                                   axis >= 0 ? axis + 1 : -axis, rank);
    if (axis < 0)
        axis += rank;
    if (rank - 1 + ix->ndims > TACT_MAX_DIMS)
        return tact__fail(c->st, TACT_CODE_UNIMPLEMENTED, "GatherV2 '%s': more than %d "
                          "dimensions", c->name, TACT_MAX_DIMS);
    tact_shape_t out = {.ndims = 0};
    for (int d = 0; d < axis; d++)
        out.dims[out.ndims++] = p->dims[d];
    for (int d = 0; d < ix->ndims; d++)
        out.dims[out.ndims++] = ix->dims[d];
    for (int d = (int) axis + 1; d < rank; d++)
        out.dims[out.ndims++] = p->dims[d];
    *out_shape = out;
    return TACT_CODE_OK;
}

/* ---- OneHot ---- */

static tact_code_t array_infer_one_hot(const tact_op_ctx_t *c, tact_dtype_t *out_dtype,
                                       tact_shape_t *out_shape)
{
    if (tact__op_check_dtype(c, 0, "indices", ARRAY_INTS) ||
        tact__op_check_exact(c, 1, "depth", TACT_DTYPE_I32) ||
        tact__op_check_same(c, 3, "off_value", 2, "on_value"))
        return c->st->code;
    const tact_shape_t *ix = &c->shapes[0];
    int axis = c->attrs->axis;
    *out_dtype = c->dtypes[2];
    if (axis < -1)
        return tact__op_fail_shape(c, "axis must be >= -1");
    bool run = c->phase == TACT_INFER_RUN;
    if (run && (c->shapes[1].ndims != 0 || c->shapes[2].ndims != 0 || c->shapes[3].ndims != 0)) {
        char a[ARRAY_SHAPE_LEN];
        int bad = c->shapes[1].ndims != 0 ? 1 : c->shapes[2].ndims != 0 ? 2 : 3;
        static const char *const what[] = {"", "depth", "on_value", "off_value"};
        return tact__fail(c->st, TACT_CODE_INVALID_ARGUMENT,
                          "%s must be a scalar, but got: %s", what[bad],
                          tact__shape_str(&c->shapes[bad], a, sizeof a));
    }
    if (!run && (tact__op_check_rank(c, 1, 0) || tact__op_check_rank(c, 2, 0) ||
                 tact__op_check_rank(c, 3, 0)))
        return c->st->code;
    int64_t depth = -1;
    bool known = array_scalar(c, 1, &depth);
    if (known && depth < 0)
        return tact__op_fail_shape(c, run ? "depth must be non-negative, got: %" PRId64
                                          : "Dimension size, given by scalar input 1, must be "
                                            "non-negative but is %" PRId64, depth);
    if (ix->ndims < 0) {
        *out_shape = (tact_shape_t) {.ndims = -1};
        return TACT_CODE_OK;
    }
    int rank = ix->ndims;
    if (axis >= rank + 1 || rank + 1 > TACT_MAX_DIMS) {
        if (run)
            return tact__fail(c->st, TACT_CODE_INVALID_ARGUMENT,
                              "Expected axis to be -1 or between [0, %d).  But received: %d",
                              rank + 1, axis);
        *out_shape = (tact_shape_t) {.ndims = -1};  /* the kernel refuses it */
        return TACT_CODE_OK;
    }
    int at = axis < 0 ? rank : axis;
    tact_shape_t out = {.ndims = rank + 1};
    for (int d = 0, k = 0; d <= rank; d++)
        out.dims[d] = d == at ? (known ? depth : -1) : ix->dims[k++];
    *out_shape = out;
    return TACT_CODE_OK;
}

/* ---- Range ---- */

static double array_num_at(const tact_tensor_t *t)
{
    switch (t->dtype) {
    case TACT_DTYPE_F32: return *(const float *) t->data;
    case TACT_DTYPE_F64: return *(const double *) t->data;
    case TACT_DTYPE_I32: return *(const int32_t *) t->data;
    default: return (double) *(const int64_t *) t->data;
    }
}

/* The length of Range(start, limit, delta); <0 with err filled on TensorFlow's errors. */
int64_t tact__array_range_size(const tact_tensor_t *s, const tact_tensor_t *l,
                               const tact_tensor_t *d, char *err, size_t len)
{
    bool ints = s->dtype == TACT_DTYPE_I32 || s->dtype == TACT_DTYPE_I64;
    if (ints) {
        int64_t a = tact__array_int_at(s, 0), b = tact__array_int_at(l, 0),
                k = tact__array_int_at(d, 0);
        if (k == 0) {
            snprintf(err, len, "Requires delta != 0: %" PRId64, k);
            return -1;
        }
        if (k > 0 && a > b) {
            snprintf(err, len, "Requires start <= limit when delta > 0: %" PRId64 "/%" PRId64,
                     a, b);
            return -1;
        }
        if (k < 0 && a < b) {
            snprintf(err, len, "Requires start >= limit when delta < 0: %" PRId64 "/%" PRId64,
                     a, b);
            return -1;
        }
        uint64_t span = k > 0 ? (uint64_t) b - (uint64_t) a : (uint64_t) a - (uint64_t) b;
        uint64_t step = k > 0 ? (uint64_t) k : (uint64_t) 0 - (uint64_t) k;
        uint64_t n = span / step + (span % step != 0);
        if (n > (uint64_t) INT64_MAX) {
            snprintf(err, len, "Requires ((limit - start) / delta) <= %" PRId64, INT64_MAX);
            return -1;
        }
        return (int64_t) n;
    }
    double a = array_num_at(s), b = array_num_at(l), k = array_num_at(d);
    if (k == 0) {
        snprintf(err, len, "Requires delta != 0: %g", k);
        return -1;
    }
    if (k > 0 && a > b) {
        snprintf(err, len, "Requires start <= limit when delta > 0: %g/%g", a, b);
        return -1;
    }
    if (k < 0 && a < b) {
        snprintf(err, len, "Requires start >= limit when delta < 0: %g/%g", a, b);
        return -1;
    }
    /* In the inputs' precision, as TensorFlow computes the size. */
    double n = s->dtype == TACT_DTYPE_F32
                   ? (double) ceilf(fabsf(((float) b - (float) a) / (float) k))
                   : ceil(fabs((b - a) / k));
    if (!(n < 9.2e18)) {
        snprintf(err, len, "Requires ((limit - start) / delta) <= 9223372036854775807");
        return -1;
    }
    return (int64_t) n;
}

static tact_code_t array_infer_range(const tact_op_ctx_t *c, tact_dtype_t *out_dtype,
                                     tact_shape_t *out_shape)
{
    if (tact__op_check_dtype(c, 0, "start", ARRAY_NUMERIC) ||
        tact__op_check_same(c, 1, "limit", 0, "start") ||
        tact__op_check_same(c, 2, "delta", 0, "start"))
        return c->st->code;
    *out_dtype = c->dtypes[0];
    static const char *const what[] = {"start", "limit", "delta"};
    for (int i = 0; i < 3; i++) {
        if (c->phase == TACT_INFER_BUILD) {
            if (tact__op_check_rank(c, i, 0))
                return c->st->code;
        } else if (c->shapes[i].ndims != 0) {
            char a[ARRAY_SHAPE_LEN];
            return tact__fail(c->st, TACT_CODE_INVALID_ARGUMENT,
                              "%s must be a scalar, not shape %s", what[i],
                              tact__shape_str(&c->shapes[i], a, sizeof a));
        }
    }
    const tact_tensor_t *s = tact__op_value(c, 0), *l = tact__op_value(c, 1),
                        *d = tact__op_value(c, 2);
    if (s == NULL || l == NULL || d == NULL) {
        *out_shape = array_unknown_of_rank(1);
        return TACT_CODE_OK;
    }
    char err[200];
    int64_t n = tact__array_range_size(s, l, d, err, sizeof err);
    if (n < 0 && c->phase == TACT_INFER_BUILD && strncmp(err, "Requires delta != 0", 19) == 0)
        return tact__op_fail_shape(c, "Requires delta != 0");
    if (n < 0)
        return tact__op_fail_shape(c, "%s", err);
    *out_shape = (tact_shape_t) {.ndims = 1, .dims = {n}};
    return TACT_CODE_OK;
}

/* ---- ZerosLike, OnesLike ---- */

static tact_code_t array_infer_like(const tact_op_ctx_t *c, tact_dtype_t *out_dtype,
                                    tact_shape_t *out_shape)
{
    if (c->kind == TACT_OP_ONES_LIKE &&
        tact__op_check_dtype(c, 0, "x", ARRAY_NUMERIC | ARRAY_BIT(TACT_DTYPE_BOOL)))
        return c->st->code;
    *out_dtype = c->dtypes[0];
    *out_shape = c->shapes[0];
    return TACT_CODE_OK;
}

const tact_op_def_t tact__array_op_defs[TACT_OP_COUNT] = {
    [TACT_OP_PLACEHOLDER_WITH_DEFAULT] = {.n_inputs = 1, .infer = array_infer_pwd},
    [TACT_OP_SELECT] = {.n_inputs = 3, .infer = array_infer_select},
    [TACT_OP_SELECT_V2] = {.n_inputs = 3, .infer = array_infer_select_v2},
    [TACT_OP_PACK] = {.arity = array_n_list, .infer = array_infer_pack},
    [TACT_OP_IDENTITY_N] = {.arity = array_n_list, .num_outputs = array_n_list,
                            .infer = array_infer_identity_n},
    [TACT_OP_SHAPE] = {.n_inputs = 1, .infer = array_infer_shape},
    [TACT_OP_SIZE] = {.n_inputs = 1, .infer = array_infer_size},
    [TACT_OP_RANK] = {.n_inputs = 1, .infer = array_infer_size},
    [TACT_OP_SLICE] = {.n_inputs = 3, .infer = array_infer_slice},
    [TACT_OP_STRIDED_SLICE] = {.n_inputs = 4, .infer = array_infer_strided_slice},
    [TACT_OP_SQUEEZE] = {.n_inputs = 1, .infer = array_infer_squeeze},
    [TACT_OP_EXPAND_DIMS] = {.n_inputs = 2, .infer = array_infer_expand_dims},
    [TACT_OP_CONCAT_V2] = {.arity = array_concat_arity, .infer = array_infer_concat},
    [TACT_OP_SPLIT] = {.n_inputs = 2, .num_outputs = array_num, .infer = array_infer_split},
    [TACT_OP_UNPACK] = {.n_inputs = 1, .num_outputs = array_num, .infer = array_infer_unpack},
    [TACT_OP_TILE] = {.n_inputs = 2, .infer = array_infer_tile},
    [TACT_OP_PAD] = {.n_inputs = 2, .infer = array_infer_pad},
    [TACT_OP_GATHER_V2] = {.n_inputs = 3, .infer = array_infer_gather},
    [TACT_OP_ONE_HOT] = {.n_inputs = 4, .infer = array_infer_one_hot},
    [TACT_OP_RANGE] = {.n_inputs = 3, .infer = array_infer_range},
    [TACT_OP_ZEROS_LIKE] = {.n_inputs = 1, .infer = array_infer_like},
    [TACT_OP_ONES_LIKE] = {.n_inputs = 1, .infer = array_infer_like},
    [TACT_OP_PAD_V2] = {.n_inputs = 3, .infer = array_infer_pad},
};
