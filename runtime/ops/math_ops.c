/* SPDX-License-Identifier: MIT */
/* Math ops of the family layout (opdefs.h): element-wise unary ops (Abs ... StopGradient, Erfc,
 * Selu, Softsign), binary ops with numpy broadcasting (Pow, Maximum, Minimum, FloorDiv,
 * FloorMod, SquaredDifference), comparisons, logical ops and IsFinite (bool results), AddN, the
 * reductions Max, Min and Prod (Sum's axes and keep_dims), and ArgMax / ArgMin. Shape
 * functions and dtype lists as in TensorFlow's core/ops/math_ops.cc and nn_ops.cc; at run time
 * the checks and words of its kernels. Kernels: devices/cpu/kernels/math_kernels.c. */
#include "runtime/ops/opdefs.h"

#define MATH_SHAPE_LEN 192

#define MATH_BIT(dt)  (1u << (unsigned) (dt))
#define MATH_FLOATS   (MATH_BIT(TACT_DTYPE_F32) | MATH_BIT(TACT_DTYPE_F64))
#define MATH_INTS     (MATH_BIT(TACT_DTYPE_I32) | MATH_BIT(TACT_DTYPE_I64))
#define MATH_NUMERIC  (MATH_FLOATS | MATH_INTS)
#define MATH_ANY      ((1u << TACT_DTYPE_COUNT) - 1u)

/* ---- Unary ---- */

/* The dtypes TensorFlow's OpDef allows for each unary op (those tact has), and the name of its
 * input parameter. */
static unsigned math_unary_allowed(tact_op_kind_t kind, const char **param)
{
    *param = "x";
    switch (kind) {
    case TACT_OP_SQRT:
    case TACT_OP_RSQRT:
    case TACT_OP_EXP:
    case TACT_OP_LOG:
    case TACT_OP_FLOOR:
    case TACT_OP_CEIL:
    case TACT_OP_ERFC:
        return MATH_FLOATS;
    case TACT_OP_RELU6:
        *param = "features";
        return MATH_NUMERIC;
    case TACT_OP_LEAKY_RELU:
    case TACT_OP_ELU:
    case TACT_OP_SOFTPLUS:
    case TACT_OP_SELU:
    case TACT_OP_SOFTSIGN:
        *param = "features";
        return MATH_FLOATS;
    case TACT_OP_LOG_SOFTMAX:
        *param = "logits";
        return MATH_FLOATS;
    case TACT_OP_STOP_GRADIENT:
        *param = "input";
        return MATH_ANY;
    default: /* ABS, SQUARE, SIGN, ROUND, RECIPROCAL */
        return MATH_NUMERIC;
    }
}

static tact_code_t math_infer_unary(const tact_op_ctx_t *c, tact_dtype_t *out_dtype,
                                    tact_shape_t *out_shape)
{
    const char *param;
    unsigned allowed = math_unary_allowed(c->kind, &param);
    if (tact__op_check_dtype(c, 0, param, allowed) != TACT_CODE_OK)
        return c->st->code;
    const tact_shape_t *x = &c->shapes[0];
    if (c->kind == TACT_OP_LOG_SOFTMAX && x->ndims == 0) {
        char sx[MATH_SHAPE_LEN];
        if (c->phase == TACT_INFER_BUILD)
            return tact__op_fail_shape(c, "Shape must be at least rank 1 but is rank 0");
        return tact__fail(c->st, TACT_CODE_INVALID_ARGUMENT,
                          "logits must have >= 1 dimension, got %s",
                          tact__shape_str(x, sx, sizeof sx));
    }
    *out_dtype = c->dtypes[0];
    *out_shape = *x;
    return TACT_CODE_OK;
}

/* IsFinite: a float's bool mask, the shape kept. */
static tact_code_t math_infer_is_finite(const tact_op_ctx_t *c, tact_dtype_t *out_dtype,
                                        tact_shape_t *out_shape)
{
    if (tact__op_check_dtype(c, 0, "x", MATH_FLOATS) != TACT_CODE_OK)
        return c->st->code;
    *out_dtype = TACT_DTYPE_BOOL;
    *out_shape = c->shapes[0];
    return TACT_CODE_OK;
}

static tact_code_t math_infer_logical_not(const tact_op_ctx_t *c, tact_dtype_t *out_dtype,
                                          tact_shape_t *out_shape)
{
    if (tact__op_check_exact(c, 0, "x", TACT_DTYPE_BOOL) != TACT_CODE_OK)
        return c->st->code;
    *out_dtype = TACT_DTYPE_BOOL;
    *out_shape = c->shapes[0];
    return TACT_CODE_OK;
}

/* ---- Binary, broadcasting ---- */

static bool math_kind_compares(tact_op_kind_t kind)
{
    return kind >= TACT_OP_EQUAL && kind <= TACT_OP_GREATER_EQUAL;
}

/* Arithmetic keeps the dtype; comparisons and logical ops give bool. Equal and NotEqual take
 * any dtype (the CPU kernels have numbers and bool); the orderings only real numbers. */
static tact_code_t math_infer_binary(const tact_op_ctx_t *c, tact_dtype_t *out_dtype,
                                     tact_shape_t *out_shape)
{
    if (c->kind == TACT_OP_LOGICAL_AND || c->kind == TACT_OP_LOGICAL_OR) {
        if (tact__op_check_exact(c, 0, "x", TACT_DTYPE_BOOL) != TACT_CODE_OK ||
            tact__op_check_exact(c, 1, "y", TACT_DTYPE_BOOL) != TACT_CODE_OK)
            return c->st->code;
    } else {
        bool any = c->kind == TACT_OP_EQUAL || c->kind == TACT_OP_NOT_EQUAL;
        if (tact__op_check_dtype(c, 0, "x", any ? MATH_ANY : MATH_NUMERIC) != TACT_CODE_OK ||
            tact__op_check_same(c, 1, "y", 0, "x") != TACT_CODE_OK)
            return c->st->code;
    }
    if (tact__op_broadcast_shape(c, out_shape) != TACT_CODE_OK)
        return c->st->code;
    bool to_bool = math_kind_compares(c->kind) || c->kind == TACT_OP_LOGICAL_AND ||
                   c->kind == TACT_OP_LOGICAL_OR;
    *out_dtype = to_bool ? TACT_DTYPE_BOOL : c->dtypes[0];
    return TACT_CODE_OK;
}

/* ---- AddN ---- */

static int math_n_list(const tact_op_attrs_t *attrs)
{
    return attrs->n_list;
}

/* N numeric tensors of one dtype and one shape (merged while building, equal when running). */
static tact_code_t math_infer_add_n(const tact_op_ctx_t *c, tact_dtype_t *out_dtype,
                                    tact_shape_t *out_shape)
{
    int n = c->attrs->n_list;
    if (n < 1)
        return tact__fail(c->st, TACT_CODE_INVALID_ARGUMENT,
                          "Attr N of '%s' (op: 'AddN') must be at least 1, got %d", c->name, n);
    for (int i = 1; i < n; i++) {
        if (c->dtypes[i] == c->dtypes[0])
            continue;
        /* TensorFlow lists every input's dtype: "[float32, int32]" */
        char list[sizeof c->st->msg];
        size_t pos = 0;
        list[0] = '\0';
        for (int k = 0; k < n && pos < sizeof list; k++) {
            int w = snprintf(list + pos, sizeof list - pos, "%s%s", k > 0 ? ", " : "",
                             tact_dtype_name(c->dtypes[k]));
            pos += w > 0 ? (size_t) w : 0;
        }
        return tact__fail(c->st, TACT_CODE_INVALID_ARGUMENT,
                          "Tensors in list passed to 'inputs' of 'AddN' Op have types [%s] that "
                          "don't all match.", list);
    }
    if (tact__op_check_dtype(c, 0, "inputs", MATH_NUMERIC) != TACT_CODE_OK)
        return c->st->code;
    tact_shape_t s = c->shapes[0];
    for (int i = 1; i < n; i++) {
        if (c->phase == TACT_INFER_RUN) {
            const tact_shape_t *si = &c->shapes[i];
            bool same = s.ndims == si->ndims;
            for (int d = 0; same && d < s.ndims; d++)
                same = s.dims[d] == si->dims[d];
            if (!same) {
                char a[MATH_SHAPE_LEN], b[MATH_SHAPE_LEN];
                return tact__fail(c->st, TACT_CODE_INVALID_ARGUMENT,
                                  "Inputs to operation %s of type AddN must have the same size "
                                  "and shape.  Input 0: %s != input %d: %s", c->name,
                                  tact__shape_str(&s, a, sizeof a), i,
                                  tact__shape_str(si, b, sizeof b));
            }
        } else if (tact__op_merge_shapes(c, &s, &c->shapes[i], &s) != TACT_CODE_OK) {
            return c->st->code;
        }
    }
    *out_dtype = c->dtypes[0];
    *out_shape = s;
    return TACT_CODE_OK;
}

/* ---- ArgMax, ArgMin ---- */

/* The index of the largest (smallest) element along attrs.axis, the first on ties; the axis
 * goes away. Output int64 or int32 (attrs.dtype, TensorFlow's output_type). */
static tact_code_t math_infer_arg(const tact_op_ctx_t *c, tact_dtype_t *out_dtype,
                                  tact_shape_t *out_shape)
{
    const tact_op_attrs_t *at = c->attrs;
    if (tact__op_check_dtype(c, 0, "input", MATH_NUMERIC | MATH_BIT(TACT_DTYPE_BOOL)) !=
        TACT_CODE_OK)
        return c->st->code;
    if (at->dtype != TACT_DTYPE_I32 && at->dtype != TACT_DTYPE_I64)
        return tact__fail(c->st, TACT_CODE_INVALID_ARGUMENT,
                          "Value for attr 'output_type' of %s is not in the list of allowed "
                          "values: int32, int64 for '%s' (op: '%s')",
                          tact__dtype_valid(at->dtype) ? tact_dtype_name(at->dtype) : "?",
                          c->name, tact__op_kind_type(c->kind));
    const tact_shape_t *x = &c->shapes[0];
    *out_dtype = at->dtype;
    if (x->ndims < 0) {
        *out_shape = (tact_shape_t) {.ndims = -1};
        return TACT_CODE_OK;
    }
    int rank = x->ndims, axis = at->axis;
    if (axis < -rank || axis >= rank) {
        if (c->phase == TACT_INFER_BUILD)
            return tact__op_fail_shape(c, "Dimension (%d) must be in the range [%d, %d), where "
                                       "%d is the number of dimensions in the input.", axis,
                                       -rank, rank, rank);
        return tact__fail(c->st, TACT_CODE_INVALID_ARGUMENT,
                          "Expected dimension in the range [%d, %d), but got %d", -rank, rank,
                          axis);
    }
    if (axis < 0)
        axis += rank;
    if (c->phase == TACT_INFER_RUN && x->dims[axis] == 0) {
        char sx[MATH_SHAPE_LEN];
        return tact__fail(c->st, TACT_CODE_INVALID_ARGUMENT,
                          "Reduction axis %d is empty in shape %s", axis,
                          tact__shape_str(x, sx, sizeof sx));
    }
    tact_shape_t o = {.ndims = rank - 1};
    for (int d = 0, k = 0; d < rank; d++)
        if (d != axis)
            o.dims[k++] = x->dims[d];
    *out_shape = o;
    return TACT_CODE_OK;
}

#define MATH_UNARY  {.n_inputs = 1, .infer = math_infer_unary}
#define MATH_BINARY {.n_inputs = 2, .infer = math_infer_binary}
#define MATH_REDUCE {.n_inputs = 1, .infer = tact__op_infer_reduce}
#define MATH_ARG    {.n_inputs = 1, .infer = math_infer_arg}

const tact_op_def_t tact__math_op_defs[TACT_OP_COUNT] = {
    [TACT_OP_ABS] = MATH_UNARY,
    [TACT_OP_SQUARE] = MATH_UNARY,
    [TACT_OP_SQRT] = MATH_UNARY,
    [TACT_OP_RSQRT] = MATH_UNARY,
    [TACT_OP_EXP] = MATH_UNARY,
    [TACT_OP_LOG] = MATH_UNARY,
    [TACT_OP_SIGN] = MATH_UNARY,
    [TACT_OP_FLOOR] = MATH_UNARY,
    [TACT_OP_CEIL] = MATH_UNARY,
    [TACT_OP_ROUND] = MATH_UNARY,
    [TACT_OP_RECIPROCAL] = MATH_UNARY,
    [TACT_OP_RELU6] = MATH_UNARY,
    [TACT_OP_LEAKY_RELU] = MATH_UNARY,
    [TACT_OP_ELU] = MATH_UNARY,
    [TACT_OP_SOFTPLUS] = MATH_UNARY,
    [TACT_OP_LOG_SOFTMAX] = MATH_UNARY,
    [TACT_OP_STOP_GRADIENT] = MATH_UNARY,
    [TACT_OP_POW] = MATH_BINARY,
    [TACT_OP_MAXIMUM] = MATH_BINARY,
    [TACT_OP_MINIMUM] = MATH_BINARY,
    [TACT_OP_FLOOR_DIV] = MATH_BINARY,
    [TACT_OP_FLOOR_MOD] = MATH_BINARY,
    [TACT_OP_SQUARED_DIFFERENCE] = MATH_BINARY,
    [TACT_OP_EQUAL] = MATH_BINARY,
    [TACT_OP_NOT_EQUAL] = MATH_BINARY,
    [TACT_OP_LESS] = MATH_BINARY,
    [TACT_OP_LESS_EQUAL] = MATH_BINARY,
    [TACT_OP_GREATER] = MATH_BINARY,
    [TACT_OP_GREATER_EQUAL] = MATH_BINARY,
    [TACT_OP_LOGICAL_AND] = MATH_BINARY,
    [TACT_OP_LOGICAL_OR] = MATH_BINARY,
    [TACT_OP_LOGICAL_NOT] = {.n_inputs = 1, .infer = math_infer_logical_not},
    [TACT_OP_ADD_N] = {.arity = math_n_list, .infer = math_infer_add_n},
    [TACT_OP_MAX] = MATH_REDUCE,
    [TACT_OP_MIN] = MATH_REDUCE,
    [TACT_OP_PROD] = MATH_REDUCE,
    [TACT_OP_ARG_MAX] = MATH_ARG,
    [TACT_OP_ARG_MIN] = MATH_ARG,
    [TACT_OP_IS_FINITE] = {.n_inputs = 1, .infer = math_infer_is_finite},
    [TACT_OP_ERFC] = MATH_UNARY,
    [TACT_OP_SELU] = MATH_UNARY,
    [TACT_OP_SOFTSIGN] = MATH_UNARY,
};
