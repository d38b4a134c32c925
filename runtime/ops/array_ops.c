/* SPDX-License-Identifier: MIT */
/* Array ops of the family layout (opdefs.h): PlaceholderWithDefault, Select, SelectV2, Pack and
 * IdentityN, with TensorFlow's shape functions (core/ops/array_ops.cc, math_ops.cc) and, at run
 * time, the checks and words of their kernels. Kernels: devices/cpu/kernels/array_kernels.c. */
#include "runtime/ops/opdefs.h"

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

const tact_op_def_t tact__array_op_defs[TACT_OP_COUNT] = {
    [TACT_OP_PLACEHOLDER_WITH_DEFAULT] = {.n_inputs = 1, .infer = array_infer_pwd},
    [TACT_OP_SELECT] = {.n_inputs = 3, .infer = array_infer_select},
    [TACT_OP_SELECT_V2] = {.n_inputs = 3, .infer = array_infer_select_v2},
    [TACT_OP_PACK] = {.arity = array_n_list, .infer = array_infer_pack},
    [TACT_OP_IDENTITY_N] = {.arity = array_n_list, .num_outputs = array_n_list,
                            .infer = array_infer_identity_n},
};
