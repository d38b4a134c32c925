/* SPDX-License-Identifier: MIT */
/* The op table turned into functions: each kind's TensorFlow type and default name, and
 * tact__op_infer, the one place that knows which dtypes and shapes an op accepts and what it
 * produces. Inference runs twice with the same rules: when an op is built, on partial shapes
 * (unknown ranks and sizes flow through as in TensorFlow's shape functions, and errors read
 * "... for 'name' (op: 'Type') with input shapes: ..."), and before a kernel runs, on concrete
 * shapes (errors then read as TensorFlow's kernels print them; the device adds the node). Dtype
 * errors read as TensorFlow's Python op builder prints them. Not for computing values: kernels
 * live with the devices. */
#include "runtime/ops/opdefs.h"

#include <pthread.h>

/* Room for one printed shape: 8 dimensions of up to 20 characters, commas and brackets. */
#define OPDEFS_SHAPE_LEN 192

#define OPDEFS_BIT(dt) (1u << (unsigned) (dt))
#define OPDEFS_FLOATS  (OPDEFS_BIT(TACT_DTYPE_F32) | OPDEFS_BIT(TACT_DTYPE_F64))
#define OPDEFS_INTS    (OPDEFS_BIT(TACT_DTYPE_I32) | OPDEFS_BIT(TACT_DTYPE_I64))
#define OPDEFS_NUMERIC (OPDEFS_FLOATS | OPDEFS_INTS)
#define OPDEFS_ANY     ((1u << TACT_DTYPE_COUNT) - 1u)

static const char *const opdefs_types[TACT_OP_COUNT] = {
#define XX(kind, type, defname) [TACT_OP_##kind] = type,
    TACT_OP_MAP(XX)
#undef XX
};

static const char *const opdefs_default_names[TACT_OP_COUNT] = {
#define XX(kind, type, defname) [TACT_OP_##kind] = defname,
    TACT_OP_MAP(XX)
#undef XX
};

const char *tact__op_kind_type(tact_op_kind_t kind)
{
    TACT_ASSERT((unsigned) kind < (unsigned) TACT_OP_COUNT);
    return opdefs_types[kind];
}

const char *tact__op_kind_default_name(tact_op_kind_t kind)
{
    TACT_ASSERT((unsigned) kind < (unsigned) TACT_OP_COUNT);
    return opdefs_default_names[kind];
}

/* ------------------------------------------------------------------------------------------ */
/* Messages                                                                                   */
/* ------------------------------------------------------------------------------------------ */

typedef tact_op_ctx_t opdefs_ctx_t;  /* opdefs.h: one inference call */

static const char *opdefs_shape_str(const tact_shape_t *s, char *buf)
{
    return tact__shape_str(s, buf, OPDEFS_SHAPE_LEN);
}

/* TensorFlow lists every input's shape. Reductions, Reshape and Transpose take their axes,
 * shape or permutation as a second input tensor there, so its (vector) shape is listed too. */
static void opdefs_input_shapes(const opdefs_ctx_t *c, char *buf, size_t len)
{
    char one[OPDEFS_SHAPE_LEN];
    size_t pos = 0;
    buf[0] = '\0';
    for (int i = 0; i < c->n_in && pos < len; i++) {
        int n = snprintf(buf + pos, len - pos, "%s%s", i > 0 ? ", " : "",
                         opdefs_shape_str(&c->shapes[i], one));
        pos += n > 0 ? (size_t) n : 0;
    }
    int vec = -2;
    int rank = c->n_in > 0 ? c->shapes[0].ndims : -1;
    if (c->attrs != NULL && c->attrs->value_inputs)
        vec = -2;  /* the vector is an input, listed above */
    else if (tact__op_kind_reduces(c->kind))
        vec = c->attrs->n_axes >= 0 ? c->attrs->n_axes : rank;
    else if (c->kind == TACT_OP_TRANSPOSE)
        vec = c->attrs->n_perm >= 0 ? c->attrs->n_perm : rank;
    else if (c->kind == TACT_OP_RESHAPE)
        vec = c->attrs->shape.ndims;
    if ((c->kind == TACT_OP_ARG_MAX || c->kind == TACT_OP_ARG_MIN) && pos < len)
        snprintf(buf + pos, len - pos, ", []");  /* the scalar "dimension" */
    else if (vec >= 0 && pos < len)
        snprintf(buf + pos, len - pos, ", [%d]", vec);
    else if (vec == -1 && pos < len)
        snprintf(buf + pos, len - pos, ", [?]");
}

/* A shape-function error, as TensorFlow's graph construction reports it:
 * "<msg> for 'name' (op: 'Type') with input shapes: [2], [3]." */
static tact_code_t opdefs_fail_build(const opdefs_ctx_t *c, const char *fmt, ...)
    TACT__PRINTF(2, 3);

static tact_code_t opdefs_fail_build(const opdefs_ctx_t *c, const char *fmt, ...)
{
    char msg[sizeof c->st->msg];
    char shapes[sizeof c->st->msg];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    opdefs_input_shapes(c, shapes, sizeof shapes);
    return tact__fail(c->st, TACT_CODE_INVALID_ARGUMENT,
                      "%s for '%s' (op: '%s') with input shapes: %s.", msg, c->name,
                      opdefs_types[c->kind], shapes);
}

/* "float32, float64, int32, int64": numpy's names of the dtypes in `mask`, in map order. */
static void opdefs_dtype_list(unsigned mask, char *buf, size_t len)
{
    size_t pos = 0;
    buf[0] = '\0';
    for (int dt = 0; dt < TACT_DTYPE_COUNT && pos < len; dt++) {
        if (mask & OPDEFS_BIT(dt)) {
            int n = snprintf(buf + pos, len - pos, "%s%s", pos > 0 ? ", " : "",
                             tact_dtype_name((tact_dtype_t) dt));
            pos += n > 0 ? (size_t) n : 0;
        }
    }
}

/* Input i must have a dtype in `allowed`. TensorFlow's builder says "Value passed to parameter
 * 'x' has DataType bool not in list of allowed values: ..."; tact adds the op. */
static tact_code_t opdefs_check_dtype(const opdefs_ctx_t *c, int i, const char *param,
                                      unsigned allowed)
{
    tact_dtype_t dt = c->dtypes[i];
    TACT_ASSERT(tact__dtype_valid(dt));
    if (allowed & OPDEFS_BIT(dt))
        return TACT_CODE_OK;
    char list[128];
    opdefs_dtype_list(allowed, list, sizeof list);
    return tact__fail(c->st, TACT_CODE_INVALID_ARGUMENT,
                      "Value passed to parameter '%s' has DataType %s not in list of allowed "
                      "values: %s for '%s' (op: '%s')",
                      param, tact_dtype_name(dt), list, c->name, opdefs_types[c->kind]);
}

/* Input i must have input j's dtype, as TensorFlow's builder reports it (naming the op type). */
static tact_code_t opdefs_check_same(const opdefs_ctx_t *c, int i, const char *param, int j,
                                     const char *param_j)
{
    TACT_ASSERT(tact__dtype_valid(c->dtypes[i]));
    if (c->dtypes[i] == c->dtypes[j])
        return TACT_CODE_OK;
    return tact__fail(c->st, TACT_CODE_INVALID_ARGUMENT,
                      "Input '%s' of '%s' Op has type %s that does not match type %s of "
                      "argument '%s'.",
                      param, opdefs_types[c->kind], tact_dtype_name(c->dtypes[i]),
                      tact_dtype_name(c->dtypes[j]), param_j);
}

/* ---- helpers for the family files (opdefs.h) ---- */

tact_code_t tact__op_fail_shape(const tact_op_ctx_t *c, const char *fmt, ...)
{
    char msg[sizeof c->st->msg];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    if (c->phase == TACT_INFER_BUILD)
        return opdefs_fail_build(c, "%s", msg);
    return tact__fail(c->st, TACT_CODE_INVALID_ARGUMENT, "%s", msg);
}

tact_code_t tact__op_check_dtype(const tact_op_ctx_t *c, int i, const char *param,
                                 unsigned allowed)
{
    return opdefs_check_dtype(c, i, param, allowed);
}

tact_code_t tact__op_check_same(const tact_op_ctx_t *c, int i, const char *param, int j,
                                const char *param_j)
{
    return opdefs_check_same(c, i, param, j, param_j);
}

tact_code_t tact__op_check_exact(const tact_op_ctx_t *c, int i, const char *param,
                                 tact_dtype_t want)
{
    TACT_ASSERT(tact__dtype_valid(c->dtypes[i]));
    if (c->dtypes[i] == want)
        return TACT_CODE_OK;
    return tact__fail(c->st, TACT_CODE_INVALID_ARGUMENT,
                      "Input '%s' of '%s' Op has type %s that does not match expected type of "
                      "%s.", param, opdefs_types[c->kind], tact_dtype_name(c->dtypes[i]),
                      tact_dtype_name(want));
}

tact_code_t tact__op_check_rank(const tact_op_ctx_t *c, int i, int rank)
{
    int have = c->shapes[i].ndims;
    if (have < 0 || have == rank)
        return TACT_CODE_OK;
    return tact__op_fail_shape(c, "Shape must be rank %d but is rank %d", rank, have);
}

tact_code_t tact__op_merge_shapes(const tact_op_ctx_t *c, const tact_shape_t *a,
                                  const tact_shape_t *b, tact_shape_t *out)
{
    char sa[OPDEFS_SHAPE_LEN], sb[OPDEFS_SHAPE_LEN];
    if (a->ndims < 0 || b->ndims < 0) {
        *out = a->ndims < 0 ? *b : *a;
        return TACT_CODE_OK;
    }
    if (a->ndims != b->ndims)
        return tact__op_fail_shape(c, "Shapes must be equal rank, but are %d and %d", a->ndims,
                                   b->ndims);
    tact_shape_t m = *a;
    for (int d = 0; d < a->ndims; d++) {
        if (a->dims[d] >= 0 && b->dims[d] >= 0 && a->dims[d] != b->dims[d])
            return tact__op_fail_shape(c, "Dimension %d in both shapes must be equal, but are %"
                                       PRId64 " and %" PRId64 ". Shapes are %s and %s.", d,
                                       a->dims[d], b->dims[d], opdefs_shape_str(a, sa),
                                       opdefs_shape_str(b, sb));
        m.dims[d] = a->dims[d] >= 0 ? a->dims[d] : b->dims[d];
    }
    *out = m;
    return TACT_CODE_OK;
}

/* The family tables, searched in this order (a kind is in exactly one). */
static const tact_op_def_t *const opdefs_families[] = {
    tact__array_op_defs,
    tact__string_op_defs,
    tact__io_op_defs,
    tact__sparse_op_defs,
    tact__math_op_defs,
    tact__nn_op_defs,
    tact__state_op_defs,
    tact__image_op_defs,
};

/* Each kind's definition, NULL for the older ops of the switch below: filled once, so a
 * lookup is one load rather than a walk over the families. */
static const tact_op_def_t *opdefs_by_kind[TACT_OP_COUNT];
static pthread_once_t opdefs_once = PTHREAD_ONCE_INIT;

static void opdefs_index(void)
{
    for (int kind = 0; kind < TACT_OP_COUNT; kind++) {
        for (size_t f = 0; f < sizeof opdefs_families / sizeof opdefs_families[0]; f++) {
            if (opdefs_families[f][kind].infer != NULL) {
                opdefs_by_kind[kind] = &opdefs_families[f][kind];
                break;
            }
        }
    }
}

const tact_op_def_t *tact__op_def(tact_op_kind_t kind)
{
    TACT_ASSERT((unsigned) kind < (unsigned) TACT_OP_COUNT);
    pthread_once(&opdefs_once, opdefs_index);
    return opdefs_by_kind[kind];
}

bool tact__op_kind_stateful(tact_op_kind_t kind)
{
    const tact_op_def_t *def = tact__op_def(kind);
    return def != NULL && def->stateful;
}

/* ------------------------------------------------------------------------------------------ */
/* Element-wise ops                                                                           */
/* ------------------------------------------------------------------------------------------ */

/* numpy broadcasting, following TensorFlow's BroadcastBinaryOpOutputShapeFnHelper for
 * unknown sizes: a known size > 1 wins (the program is assumed correct; the kernel checks),
 * a 1 yields the other side, two unknowns stay unknown. */
/* BiasAdd (an Add with attrs.bias_add): a value of rank >= 2 and a bias vector as long as its
 * last dimension, in TensorFlow's words (its shape function, then bias_op.cc). */
static tact_code_t opdefs_check_bias_add(const opdefs_ctx_t *c)
{
    const tact_shape_t *x = &c->shapes[0], *b = &c->shapes[1];
    char sx[OPDEFS_SHAPE_LEN], sb[OPDEFS_SHAPE_LEN];
    if (c->phase == TACT_INFER_BUILD) {
        if (x->ndims >= 0 && x->ndims < 2)
            return opdefs_fail_build(c, "Shape must be at least rank 2 but is rank %d", x->ndims);
        if (b->ndims >= 0 && b->ndims != 1)
            return opdefs_fail_build(c, "Shape must be rank 1 but is rank %d", b->ndims);
        if (x->ndims >= 2 && b->ndims == 1 && x->dims[x->ndims - 1] >= 0 && b->dims[0] >= 0 &&
            x->dims[x->ndims - 1] != b->dims[0])
            return opdefs_fail_build(c, "Dimensions must be equal, but are %" PRId64 " and %"
                                     PRId64, x->dims[x->ndims - 1], b->dims[0]);
        return TACT_CODE_OK;
    }
    if (x->ndims < 2)
        return tact__fail(c->st, TACT_CODE_INVALID_ARGUMENT, "Input tensor must be at least 2D: %s",
                          opdefs_shape_str(x, sx));
    if (b->ndims != 1)
        return tact__fail(c->st, TACT_CODE_INVALID_ARGUMENT, "Biases must be 1D: %s",
                          opdefs_shape_str(b, sb));
    if (b->dims[0] != x->dims[x->ndims - 1])
        return tact__fail(c->st, TACT_CODE_INVALID_ARGUMENT,
                          "Must provide as many biases as the last dimension of the input "
                          "tensor: %s vs. %s", opdefs_shape_str(b, sb), opdefs_shape_str(x, sx));
    return TACT_CODE_OK;
}

static tact_code_t opdefs_infer_binary(const opdefs_ctx_t *c, tact_dtype_t *out_dtype,
                                       tact_shape_t *out_shape)
{
    unsigned allowed = c->kind == TACT_OP_REALDIV ? OPDEFS_FLOATS
                       : c->kind == TACT_OP_DIV   ? OPDEFS_INTS
                                                  : OPDEFS_NUMERIC;
    tact_code_t rc = opdefs_check_dtype(c, 0, "x", allowed);
    if (rc == TACT_CODE_OK)
        rc = opdefs_check_same(c, 1, "y", 0, "x");
    if (rc != TACT_CODE_OK)
        return rc;
    if (c->kind == TACT_OP_ADD && c->attrs != NULL && c->attrs->bias_add &&
        opdefs_check_bias_add(c) != TACT_CODE_OK)
        return c->st->code;

    if (tact__op_broadcast_shape(c, out_shape) != TACT_CODE_OK)
        return c->st->code;
    *out_dtype = c->dtypes[0];
    return TACT_CODE_OK;
}

tact_code_t tact__op_broadcast_shape(const tact_op_ctx_t *c, tact_shape_t *out_shape)
{
    const tact_shape_t *x = &c->shapes[0];
    const tact_shape_t *y = &c->shapes[1];
    tact_shape_t out = {.ndims = -1};
    if (x->ndims >= 0 && y->ndims >= 0) {
        out.ndims = x->ndims > y->ndims ? x->ndims : y->ndims;
        int pad_x = out.ndims - x->ndims;
        int pad_y = out.ndims - y->ndims;
        for (int i = 0; i < out.ndims; i++) {
            int64_t dx = i < pad_x ? 1 : x->dims[i - pad_x];
            int64_t dy = i < pad_y ? 1 : y->dims[i - pad_y];
            int64_t d;
            if (dx < 0 || dy < 0) {
                d = dx > 1 ? dx : dy > 1 ? dy : dx == 1 ? dy : dy == 1 ? dx : -1;
            } else if (dx == 1 || dy == 1) {
                d = dx == 1 ? dy : dx;
            } else if (dx != dy) {
                char sx[OPDEFS_SHAPE_LEN], sy[OPDEFS_SHAPE_LEN];
                if (c->phase == TACT_INFER_BUILD)
                    return opdefs_fail_build(
                        c, "Dimensions must be equal, but are %" PRId64 " and %" PRId64, dx, dy);
                return tact__fail(c->st, TACT_CODE_INVALID_ARGUMENT,
                                  "Incompatible shapes: %s vs. %s", opdefs_shape_str(x, sx),
                                  opdefs_shape_str(y, sy));
            } else {
                d = dx;
            }
            out.dims[i] = d;
        }
    }
    *out_shape = out;
    return TACT_CODE_OK;
}

static tact_code_t opdefs_infer_unary(const opdefs_ctx_t *c, tact_dtype_t *out_dtype,
                                      tact_shape_t *out_shape)
{
    unsigned allowed = OPDEFS_FLOATS;
    const char *param = "x";
    switch (c->kind) {
    case TACT_OP_IDENTITY:
        allowed = OPDEFS_ANY;
        param = "input";
        break;
    case TACT_OP_NEG:
        allowed = OPDEFS_NUMERIC;
        break;
    case TACT_OP_RELU:
        allowed = OPDEFS_NUMERIC;
        param = "features";
        break;
    case TACT_OP_SOFTMAX:
        param = "logits";
        break;
    default: /* SIGMOID, TANH */
        break;
    }
    tact_code_t rc = opdefs_check_dtype(c, 0, param, allowed);
    if (rc != TACT_CODE_OK)
        return rc;

    const tact_shape_t *x = &c->shapes[0];
    if (c->kind == TACT_OP_SOFTMAX && x->ndims == 0) {
        char sx[OPDEFS_SHAPE_LEN];
        if (c->phase == TACT_INFER_BUILD)
            return opdefs_fail_build(c, "Shape must be at least rank 1 but is rank 0");
        return tact__fail(c->st, TACT_CODE_INVALID_ARGUMENT,
                          "logits must have >= 1 dimension, got %s", opdefs_shape_str(x, sx));
    }
    *out_dtype = c->dtypes[0];
    *out_shape = *x;
    return TACT_CODE_OK;
}

/* Float to integer truncates, to bool is "!= 0"; strings cast only to strings (a copy), any
 * other cast from or to them is TensorFlow's UNIMPLEMENTED "Cast string to float is not
 * supported". */
static tact_code_t opdefs_infer_cast(const opdefs_ctx_t *c, tact_dtype_t *out_dtype,
                                     tact_shape_t *out_shape)
{
    tact_dtype_t from = c->dtypes[0];
    tact_dtype_t to = c->attrs->dtype;
    TACT_ASSERT(tact__dtype_valid(from));
    if (!tact__dtype_valid(to))
        return tact__fail(c->st, TACT_CODE_INVALID_ARGUMENT,
                          "Cast: invalid destination dtype %d for '%s' (op: 'Cast')", (int) to,
                          c->name);
    if ((from == TACT_DTYPE_STRING) != (to == TACT_DTYPE_STRING))
        return tact__fail(c->st, TACT_CODE_UNIMPLEMENTED, "Cast %s to %s is not supported",
                          tact__dtype_tf_name(from), tact__dtype_tf_name(to));
    *out_dtype = to;
    *out_shape = c->shapes[0];
    return TACT_CODE_OK;
}

/* ------------------------------------------------------------------------------------------ */
/* MatMul                                                                                     */
/* ------------------------------------------------------------------------------------------ */

static tact_code_t opdefs_infer_matmul(const opdefs_ctx_t *c, tact_dtype_t *out_dtype,
                                       tact_shape_t *out_shape)
{
    tact_code_t rc = opdefs_check_dtype(c, 0, "a", OPDEFS_NUMERIC);
    if (rc == TACT_CODE_OK)
        rc = opdefs_check_same(c, 1, "b", 0, "a");
    if (rc != TACT_CODE_OK)
        return rc;

    const tact_shape_t *a = &c->shapes[0];
    const tact_shape_t *b = &c->shapes[1];
    for (int i = 0; i < 2; i++) {
        const tact_shape_t *s = &c->shapes[i];
        if (s->ndims < 0 || s->ndims == 2)
            continue;
        char buf[OPDEFS_SHAPE_LEN];
        if (c->phase == TACT_INFER_BUILD)
            return opdefs_fail_build(c, "Shape must be rank 2 but is rank %d", s->ndims);
        return tact__fail(c->st, TACT_CODE_INVALID_ARGUMENT,
                          "In[%d] is not a matrix. Instead it has shape %s", i,
                          opdefs_shape_str(s, buf));
    }
    bool ta = c->attrs->transpose_a;
    bool tb = c->attrs->transpose_b;
    int64_t rows = a->ndims < 0 ? -1 : a->dims[ta ? 1 : 0];
    int64_t inner_a = a->ndims < 0 ? -1 : a->dims[ta ? 0 : 1];
    int64_t inner_b = b->ndims < 0 ? -1 : b->dims[tb ? 1 : 0];
    int64_t cols = b->ndims < 0 ? -1 : b->dims[tb ? 0 : 1];
    if (inner_a >= 0 && inner_b >= 0 && inner_a != inner_b) {
        char sa[OPDEFS_SHAPE_LEN], sb[OPDEFS_SHAPE_LEN];
        if (c->phase == TACT_INFER_BUILD)
            return opdefs_fail_build(
                c, "Dimensions must be equal, but are %" PRId64 " and %" PRId64, inner_a, inner_b);
        return tact__fail(c->st, TACT_CODE_INVALID_ARGUMENT,
                          "Matrix size-incompatible: In[0]: %s, In[1]: %s", opdefs_shape_str(a, sa),
                          opdefs_shape_str(b, sb));
    }
    *out_dtype = c->dtypes[0];
    *out_shape = (tact_shape_t){.ndims = 2, .dims = {rows, cols}};
    return TACT_CODE_OK;
}

/* ------------------------------------------------------------------------------------------ */
/* Reductions                                                                                 */
/* ------------------------------------------------------------------------------------------ */

/* Sum and Mean: axes may be negative or repeated (a repeated axis reduces once); n_axes -1
 * reduces every axis. With every axis and no keep_dims the result is a scalar even when the
 * rank is unknown; otherwise an unknown rank gives an unknown result, as in TensorFlow. */
static tact_code_t opdefs_infer_reduce(const opdefs_ctx_t *c, tact_dtype_t *out_dtype,
                                       tact_shape_t *out_shape)
{
    tact_code_t rc = opdefs_check_dtype(c, 0, "input", OPDEFS_NUMERIC);
    if (rc != TACT_CODE_OK)
        return rc;

    const tact_op_attrs_t *at = c->attrs;
    const tact_shape_t *x = &c->shapes[0];
    if (at->n_axes < -1 || at->n_axes > TACT_MAX_DIMS)
        return tact__fail(c->st, TACT_CODE_INVALID_ARGUMENT,
                          "Invalid number of reduction axes %d for '%s' (op: '%s')", at->n_axes,
                          c->name, opdefs_types[c->kind]);
    bool all = at->n_axes < 0;
    tact_shape_t out = {.ndims = -1};
    if (all && !at->keep_dims) {
        out.ndims = 0;
    } else if (x->ndims >= 0) {
        bool reduce[TACT_MAX_DIMS] = {false};
        for (int i = 0; i < x->ndims; i++)
            reduce[i] = all;
        for (int i = 0; !all && i < at->n_axes; i++) {
            int axis = at->axes[i];
            if (axis < -x->ndims || axis >= x->ndims) {
                if (c->phase == TACT_INFER_BUILD)
                    return opdefs_fail_build(c,
                                             "Invalid reduction dimension %d for input with "
                                             "%d dimensions.",
                                             axis, x->ndims);
                return tact__fail(c->st, TACT_CODE_INVALID_ARGUMENT,
                                  "Invalid reduction dimension %d for input with %d dimensions.",
                                  axis, x->ndims);
            }
            reduce[axis < 0 ? axis + x->ndims : axis] = true;
        }
        out.ndims = 0;
        for (int i = 0; i < x->ndims; i++) {
            if (!reduce[i])
                out.dims[out.ndims++] = x->dims[i];
            else if (at->keep_dims)
                out.dims[out.ndims++] = 1;
        }
    }
    *out_dtype = c->dtypes[0];
    *out_shape = out;
    return TACT_CODE_OK;
}

tact_code_t tact__op_infer_reduce(const tact_op_ctx_t *c, tact_dtype_t *out_dtype,
                                  tact_shape_t *out_shape)
{
    return opdefs_infer_reduce(c, out_dtype, out_shape);
}

/* ------------------------------------------------------------------------------------------ */
/* Reshape and Transpose                                                                      */
/* ------------------------------------------------------------------------------------------ */

/* Product of the known sizes of dims[0..n), the index of the one unknown size (-1: none) and
 * whether there is more than one. False on int64 overflow. */
static bool opdefs_known_product(const int64_t *dims, int n, int64_t *prod, int *unknown_idx,
                                 bool *many_unknown)
{
    *prod = 1;
    *unknown_idx = -1;
    *many_unknown = false;
    for (int i = 0; i < n; i++) {
        if (dims[i] < 0) {
            if (*unknown_idx >= 0)
                *many_unknown = true;
            else
                *unknown_idx = i;
        } else if (__builtin_mul_overflow(*prod, dims[i], prod)) {
            return false;
        }
    }
    return true;
}

/* attrs.shape holds the requested sizes; one may be -1, inferred from the element count. The
 * checks follow TensorFlow's Reshape shape function (build) and kernel (run). */
static tact_code_t opdefs_infer_reshape(const opdefs_ctx_t *c, tact_dtype_t *out_dtype,
                                        tact_shape_t *out_shape)
{
    const tact_shape_t *req = &c->attrs->shape;
    const tact_shape_t *x = &c->shapes[0];
    tact_status_t *st = c->st;
    bool build = c->phase == TACT_INFER_BUILD;

    if (req->ndims < 0 || req->ndims > TACT_MAX_DIMS)
        return tact__fail(st, TACT_CODE_INVALID_ARGUMENT,
                          "Reshape: invalid rank %d for '%s' (op: 'Reshape')", req->ndims, c->name);
    int unknown = -1;
    for (int i = 0; i < req->ndims; i++) {
        if (req->dims[i] < -1) {
            if (build)
                return opdefs_fail_build(c, "Size %d must be non-negative, not %" PRId64, i,
                                         req->dims[i]);
            return tact__fail(st, TACT_CODE_INVALID_ARGUMENT,
                              "Size %d must be non-negative, not %" PRId64, i, req->dims[i]);
        }
        if (req->dims[i] == -1) {
            if (unknown >= 0) {
                if (build)
                    return opdefs_fail_build(c,
                                             "Only one input size may be -1, not both %d "
                                             "and %d",
                                             unknown, i);
                return tact__fail(st, TACT_CODE_INVALID_ARGUMENT,
                                  "Only one input size may be -1, not both %d and %d", unknown, i);
            }
            unknown = i;
        }
    }
    int64_t out_known, in_known;
    int out_unknown, in_unknown;
    bool many_out, many_in;
    if (!opdefs_known_product(req->dims, req->ndims, &out_known, &out_unknown, &many_out))
        return tact__fail(st, TACT_CODE_INVALID_ARGUMENT,
                          "Reshape: the requested shape has too many elements for '%s' (op: "
                          "'Reshape')",
                          c->name);

    tact_shape_t out = *req;
    if (x->ndims >= 0 &&
        opdefs_known_product(x->dims, x->ndims, &in_known, &in_unknown, &many_in) && !many_in) {
        char sr[OPDEFS_SHAPE_LEN];
        if (in_unknown < 0 && out_unknown < 0) {
            if (in_known != out_known) {
                if (build)
                    return opdefs_fail_build(c,
                                             "Cannot reshape a tensor with %" PRId64
                                             " elements to shape %s (%" PRId64 " elements)",
                                             in_known, opdefs_shape_str(req, sr), out_known);
                return tact__fail(st, TACT_CODE_INVALID_ARGUMENT,
                                  "Input to reshape is a tensor with %" PRId64
                                  " values, but the requested shape has %" PRId64,
                                  in_known, out_known);
            }
        } else if (in_unknown < 0 && out_known > 0) {
            if (in_known % out_known != 0) {
                if (build)
                    return opdefs_fail_build(
                        c, "Dimension size must be evenly divisible by %" PRId64 " but is %" PRId64,
                        out_known, in_known);
                return tact__fail(
                    st, TACT_CODE_INVALID_ARGUMENT,
                    "Input to reshape is a tensor with %" PRId64
                    " values, but the requested shape requires a multiple of %" PRId64,
                    in_known, out_known);
            }
            out.dims[out_unknown] = in_known / out_known;
        } else if (in_unknown < 0) {
            /* -1 next to a 0: nothing to infer it from. TensorFlow's shape function leaves it
             * unknown and its kernel refuses. */
            if (!build)
                return tact__fail(st, TACT_CODE_INVALID_ARGUMENT,
                                  "Reshape cannot infer the missing input size for an empty "
                                  "tensor unless all specified input sizes are non-zero");
        } else if (build && out_unknown < 0 && in_known != 0 && out_known % in_known != 0) {
            /* The input's one unknown size would have to be out_known / in_known. */
            return opdefs_fail_build(
                c, "Dimension size must be evenly divisible by %" PRId64 " but is %" PRId64,
                in_known, out_known);
        }
    }
    *out_dtype = c->dtypes[0];
    *out_shape = out;
    return TACT_CODE_OK;
}

/* attrs.perm[0..n_perm) must be a permutation of the axes; n_perm -1 reverses them. */
static tact_code_t opdefs_infer_transpose(const opdefs_ctx_t *c, tact_dtype_t *out_dtype,
                                          tact_shape_t *out_shape)
{
    const tact_op_attrs_t *at = c->attrs;
    const tact_shape_t *x = &c->shapes[0];
    tact_status_t *st = c->st;
    bool build = c->phase == TACT_INFER_BUILD;

    *out_dtype = c->dtypes[0];
    if (at->n_perm < -1 || at->n_perm > TACT_MAX_DIMS)
        return tact__fail(st, TACT_CODE_INVALID_ARGUMENT,
                          "Transpose: invalid perm length %d for '%s' (op: 'Transpose')",
                          at->n_perm, c->name);
    if (at->n_perm < 0) {
        tact_shape_t out = {.ndims = x->ndims};
        for (int i = 0; i < x->ndims; i++)
            out.dims[i] = x->dims[x->ndims - 1 - i];
        *out_shape = out;
        return TACT_CODE_OK;
    }

    int rank = x->ndims >= 0 ? x->ndims : at->n_perm;
    if (x->ndims < 0 && rank < 2) {
        /* One entry fits a scalar or a vector alike, so nothing is known (TensorFlow). */
        *out_shape = *x;
        return TACT_CODE_OK;
    }
    if (at->n_perm != rank) {
        if (build)
            return opdefs_fail_build(c, "Dimension must be %d but is %d", rank, at->n_perm);
        return tact__fail(st, TACT_CODE_INVALID_ARGUMENT,
                          "transpose expects a vector of size %d. But input(1) is a vector of "
                          "size %d",
                          rank, at->n_perm);
    }
    bool seen[TACT_MAX_DIMS] = {false};
    for (int i = 0; i < rank; i++) {
        int p = at->perm[i];
        if (p < 0 || p >= rank) {
            if (build)
                return opdefs_fail_build(c, "perm dim %d is out of range of input rank %d", p,
                                         rank);
            return tact__fail(st, TACT_CODE_INVALID_ARGUMENT, "%d is out of range [0 .. %d)", p,
                              rank);
        }
        seen[p] = true;
    }
    for (int i = 0; i < rank; i++) {
        if (seen[i])
            continue;
        char list[64] = "";
        size_t pos = 0;
        for (int j = 0; j < rank && pos < sizeof list; j++) {
            int n = snprintf(list + pos, sizeof list - pos, "%s%d", j ? "," : "", at->perm[j]);
            pos += n > 0 ? (size_t) n : 0;
        }
        /* TensorFlow checks this only in its kernel ("0 is missing from {1,1}."). */
        if (build)
            return opdefs_fail_build(c, "[%s] is not a valid permutation", list);
        return tact__fail(st, TACT_CODE_INVALID_ARGUMENT, "%d is missing from {%s}.", i, list);
    }
    tact_shape_t out = {.ndims = rank};
    for (int i = 0; i < rank; i++)
        out.dims[i] = x->ndims < 0 ? -1 : x->dims[at->perm[i]];
    *out_shape = out;
    return TACT_CODE_OK;
}

/* ------------------------------------------------------------------------------------------ */
/* Fill and the random ops                                                                    */
/* ------------------------------------------------------------------------------------------ */

/* These ops have no inputs: attrs.shape is their output's shape, fully known (TensorFlow takes
 * a shape tensor; tact takes its value when the op is built). */
static tact_code_t opdefs_check_fixed_shape(const opdefs_ctx_t *c, tact_dtype_t dtype)
{
    const tact_shape_t *s = &c->attrs->shape;
    const char *type = opdefs_types[c->kind];
    if (s->ndims < 0 || s->ndims > TACT_MAX_DIMS)
        return tact__fail(c->st, TACT_CODE_INVALID_ARGUMENT,
                          "Invalid rank %d for '%s' (op: '%s'); at most %d dimensions", s->ndims,
                          c->name, type, TACT_MAX_DIMS);
    for (int i = 0; i < s->ndims; i++) {
        if (s->dims[i] >= 0)
            continue;
        if (c->kind == TACT_OP_FILL)
            return tact__fail(c->st, TACT_CODE_INVALID_ARGUMENT,
                              "Fill dimensions must be >= 0 for '%s' (op: 'Fill')", c->name);
        return tact__fail(c->st, TACT_CODE_INVALID_ARGUMENT,
                          "Dimension %" PRId64 " must be >= 0 for '%s' (op: '%s')", s->dims[i],
                          c->name, type);
    }
    int64_t n = tact__shape_nelems(s);
    size_t esz = tact_dtype_size(dtype);
    if (n < 0 || (esz > 0 && (uint64_t) n > (uint64_t) PTRDIFF_MAX / esz)) {
        char text[OPDEFS_SHAPE_LEN];
        return tact__fail(c->st, TACT_CODE_INVALID_ARGUMENT,
                          "Shape %s has too many elements for '%s' (op: '%s')",
                          opdefs_shape_str(s, text), c->name, type);
    }
    return TACT_CODE_OK;
}

/* Fill: attrs.value (a scalar) repeated over attrs.shape. */
static tact_code_t opdefs_infer_fill(const opdefs_ctx_t *c, tact_dtype_t *out_dtype,
                                     tact_shape_t *out_shape)
{
    const tact_tensor_t *v = c->attrs->value;
    TACT_ASSERT(v != NULL);
    if (v->ndims != 0) {
        char text[OPDEFS_SHAPE_LEN];
        tact_shape_t vs = tact__tensor_shape(v);
        return tact__fail(c->st, TACT_CODE_INVALID_ARGUMENT,
                          "value must be a scalar, got shape %s for '%s' (op: 'Fill')",
                          opdefs_shape_str(&vs, text), c->name);
    }
    if (tact_dtype_size(v->dtype) == 0)
        return tact__fail(c->st, TACT_CODE_INVALID_ARGUMENT,
                          "Fill of dtype %s is not supported for '%s' (op: 'Fill')",
                          tact_dtype_name(v->dtype), c->name);
    if (opdefs_check_fixed_shape(c, v->dtype) != TACT_CODE_OK)
        return c->st->code;
    *out_dtype = v->dtype;
    *out_shape = c->attrs->shape;
    return TACT_CODE_OK;
}

/* RandomUniform, RandomStandardNormal, TruncatedNormal: float32 or float64 of attrs.shape. The
 * dtype message is the one TensorFlow's attribute check prints. */
static tact_code_t opdefs_infer_random(const opdefs_ctx_t *c, tact_dtype_t *out_dtype,
                                       tact_shape_t *out_shape)
{
    tact_dtype_t dt = c->attrs->dtype;
    const char *type = opdefs_types[c->kind];
    if (!tact__dtype_valid(dt))
        return tact__fail(c->st, TACT_CODE_INVALID_ARGUMENT, "Invalid dtype %d for '%s' (op: '%s')",
                          (int) dt, c->name, type);
    if (!(OPDEFS_FLOATS & OPDEFS_BIT(dt)))
        return tact__fail(c->st, TACT_CODE_INVALID_ARGUMENT,
                          "Value for attr 'dtype' of %s is not in the list of allowed values: "
                          "float, double for '%s' (op: '%s')",
                          tact__dtype_tf_name(dt), c->name, type);
    if (opdefs_check_fixed_shape(c, dt) != TACT_CODE_OK)
        return c->st->code;
    *out_dtype = dt;
    *out_shape = c->attrs->shape;
    return TACT_CODE_OK;
}


/* ------------------------------------------------------------------------------------------ */
/* Values as inputs: Reshape's shape, Transpose's perm, the reductions' axes, Fill's dims      */
/* ------------------------------------------------------------------------------------------ */

static bool opdefs_takes_values(tact_op_kind_t kind)
{
    return kind == TACT_OP_RESHAPE || kind == TACT_OP_TRANSPOSE || kind == TACT_OP_FILL ||
           tact__op_kind_reduces(kind);
}

/* The input holding the shape, perm or axes, and TensorFlow's name for it. */
static int opdefs_value_index(tact_op_kind_t kind, const char **param)
{
    switch (kind) {
    case TACT_OP_RESHAPE:
        *param = "shape";
        return 1;
    case TACT_OP_TRANSPOSE:
        *param = "perm";
        return 1;
    case TACT_OP_FILL:
        *param = "dims";
        return 0;
    default:
        *param = "reduction_indices";
        return 1;
    }
}

static int64_t opdefs_int_at(const tact_tensor_t *t, int64_t i)
{
    return t->dtype == TACT_DTYPE_I32 ? ((const int32_t *) t->data)[i]
                                      : ((const int64_t *) t->data)[i];
}

/* Fills out's fields from the value tensor v (int32 or int64, dtype checked by the caller);
 * `x` is the data input when known, for the reductions' range check. Run-time messages are
 * TensorFlow's kernels'. */
static tact_code_t opdefs_fields_from_value(tact_op_kind_t kind, const tact_tensor_t *v,
                                            const tact_tensor_t *x, tact_op_attrs_t *out,
                                            tact_status_t *st)
{
    char text[OPDEFS_SHAPE_LEN];
    tact_shape_t vs = tact__tensor_shape(v);
    switch (kind) {
    case TACT_OP_RESHAPE:
    case TACT_OP_FILL:
        if (v->ndims != 1)
            return tact__fail(st, TACT_CODE_INVALID_ARGUMENT,
                              kind == TACT_OP_RESHAPE ? "sizes input must be 1-D, not %s"
                                                      : "dims must represent a vector, got "
                                                        "shape %s",
                              opdefs_shape_str(&vs, text));
        if (v->nelems > TACT_MAX_DIMS)
            return tact__fail(st, TACT_CODE_UNIMPLEMENTED,
                              "%s: %" PRId64 " dimensions; tact supports at most %d",
                              opdefs_types[kind], v->nelems, TACT_MAX_DIMS);
        out->shape.ndims = (int) v->nelems;
        for (int64_t i = 0; i < v->nelems; i++) {
            out->shape.dims[i] = opdefs_int_at(v, i);
            if (kind == TACT_OP_FILL && out->shape.dims[i] < 0)
                return tact__fail(st, TACT_CODE_INVALID_ARGUMENT,
                                  "Dimension %" PRId64 " must be >= 0", out->shape.dims[i]);
        }
        return TACT_CODE_OK;
    case TACT_OP_TRANSPOSE:
        if (v->ndims != 1)
            return tact__fail(st, TACT_CODE_INVALID_ARGUMENT, "perm must be rank 1, got shape %s",
                              opdefs_shape_str(&vs, text));
        if (v->nelems > TACT_MAX_DIMS)
            return tact__fail(st, TACT_CODE_INVALID_ARGUMENT,
                              "transpose expects a vector of size %d. But input(1) is a vector "
                              "of size %" PRId64, x != NULL ? x->ndims : TACT_MAX_DIMS,
                              v->nelems);
        out->n_perm = (int) v->nelems;
        for (int64_t i = 0; i < v->nelems; i++) {
            int64_t p = opdefs_int_at(v, i);
            out->perm[i] = p < INT_MIN ? INT_MIN : p > INT_MAX ? INT_MAX : (int) p;
        }
        return TACT_CODE_OK;
    default: {  /* the reductions: any shape, flattened; repeated axes reduce once */
        out->n_axes = 0;
        for (int64_t i = 0; i < v->nelems; i++) {
            int64_t a = opdefs_int_at(v, i);
            if (x != NULL && (a < -x->ndims || a >= x->ndims))
                return tact__fail(st, TACT_CODE_INVALID_ARGUMENT,
                                  "Invalid reduction dimension (%" PRId64 " for input with %d "
                                  "dimension(s)", a, x->ndims);
            if (x != NULL && a < 0)
                a += x->ndims;
            bool seen = false;
            for (int j = 0; j < out->n_axes && !seen; j++)
                seen = out->axes[j] == a;
            if (seen)
                continue;
            if (out->n_axes == TACT_MAX_DIMS || a < -TACT_MAX_DIMS || a >= TACT_MAX_DIMS)
                return tact__fail(st, TACT_CODE_INVALID_ARGUMENT,
                                  "Invalid reduction dimension %" PRId64, a);
            out->axes[out->n_axes++] = (int) a;
        }
        return TACT_CODE_OK;
    }
    }
}

tact_code_t tact__op_attrs_from_values(tact_op_kind_t kind, const tact_op_attrs_t *attrs,
                                       const tact_tensor_t *const *in, tact_op_attrs_t *out,
                                       tact_status_t *st)
{
    if (tact__failed(st))
        return st->code;
    TACT_ASSERT(attrs->value_inputs && opdefs_takes_values(kind));
    const char *param;
    int vi = opdefs_value_index(kind, &param);
    const tact_tensor_t *v = in[vi];
    TACT_ASSERT(v != NULL);
    *out = *attrs;
    out->value_inputs = false;
    if (v->dtype != TACT_DTYPE_I32 && v->dtype != TACT_DTYPE_I64)
        return tact__fail(st, TACT_CODE_INVALID_ARGUMENT,
                          "%s: %s must be int32 or int64, not %s", opdefs_types[kind], param,
                          tact_dtype_name(v->dtype));
    if (opdefs_fields_from_value(kind, v, kind == TACT_OP_FILL ? NULL : in[0], out, st))
        return st->code;
    if (kind == TACT_OP_FILL)
        out->value = (tact_tensor_t *) in[1];  /* borrowed for the run */
    return TACT_CODE_OK;
}

static tact_code_t opdefs_infer_reduce(const opdefs_ctx_t *c, tact_dtype_t *out_dtype,
                                       tact_shape_t *out_shape);
static tact_code_t opdefs_infer_reshape(const opdefs_ctx_t *c, tact_dtype_t *out_dtype,
                                        tact_shape_t *out_shape);
static tact_code_t opdefs_infer_transpose(const opdefs_ctx_t *c, tact_dtype_t *out_dtype,
                                          tact_shape_t *out_shape);
static tact_code_t opdefs_infer_fill(const opdefs_ctx_t *c, tact_dtype_t *out_dtype,
                                     tact_shape_t *out_shape);

/* The TensorFlow form of Reshape, Transpose, the reductions and Fill: the attribute form's
 * rules on the value when it is known; otherwise what TensorFlow's shape functions make of an
 * unknown vector (a rank from its length, sizes unknown). */
static tact_code_t opdefs_infer_with_values(const opdefs_ctx_t *c, tact_dtype_t *out_dtype,
                                            tact_shape_t *out_shape)
{
    const char *param;
    int vi = opdefs_value_index(c->kind, &param);
    if (opdefs_check_dtype(c, vi, param, OPDEFS_INTS) != TACT_CODE_OK)
        return c->st->code;
    const tact_shape_t *vs = &c->shapes[vi];
    bool reduce = tact__op_kind_reduces(c->kind);
    if (c->phase == TACT_INFER_BUILD && vs->ndims >= 0) {
        if (reduce && vs->ndims > 1)
            return opdefs_fail_build(c, "Shape must be at most rank 1 but is rank %d",
                                     vs->ndims);
        if (!reduce && vs->ndims != 1)
            return opdefs_fail_build(c, "Shape must be rank 1 but is rank %d", vs->ndims);
    }
    if (c->kind == TACT_OP_FILL && c->phase == TACT_INFER_BUILD && c->shapes[1].ndims > 0)
        return opdefs_fail_build(c, "Shape must be rank 0 but is rank %d", c->shapes[1].ndims);
    const tact_tensor_t *v = tact__op_value(c, vi);
    const tact_tensor_t *x = c->kind == TACT_OP_FILL ? NULL : tact__op_value(c, 0);
    if (v != NULL) {
        tact_op_attrs_t resolved = *c->attrs;
        tact_status_t err = TACT_STATUS_INIT;
        if (opdefs_fields_from_value(c->kind, v, c->phase == TACT_INFER_RUN ? x : NULL, &resolved,
                                     &err) != TACT_CODE_OK) {
            if (c->phase == TACT_INFER_RUN)
                return tact__fail(c->st, err.code, "%s", err.msg);
            return opdefs_fail_build(c, "%s", err.msg);
        }
        opdefs_ctx_t c2 = *c;
        c2.attrs = &resolved;
        if (c->kind == TACT_OP_FILL) {
            if (c->phase == TACT_INFER_BUILD)
                for (int i = 0; i < resolved.shape.ndims; i++)
                    if (resolved.shape.dims[i] < 0)
                        return opdefs_fail_build(c, "Fill dimensions must be >= 0");
            *out_dtype = c->dtypes[1];
            *out_shape = resolved.shape;
            return TACT_CODE_OK;
        }
        switch (c->kind) {
        case TACT_OP_RESHAPE:
            return opdefs_infer_reshape(&c2, out_dtype, out_shape);
        case TACT_OP_TRANSPOSE:
            return opdefs_infer_transpose(&c2, out_dtype, out_shape);
        default:
            return opdefs_infer_reduce(&c2, out_dtype, out_shape);
        }
    }
    /* The value is not known yet (only at build time). */
    TACT_ASSERT(c->phase == TACT_INFER_BUILD);
    const tact_shape_t *xs = &c->shapes[0];
    tact_shape_t out = {.ndims = -1};
    switch (c->kind) {
    case TACT_OP_RESHAPE:
    case TACT_OP_FILL:
        if (vs->ndims == 1 && vs->dims[0] >= 0 && vs->dims[0] <= TACT_MAX_DIMS) {
            out.ndims = (int) vs->dims[0];
            for (int i = 0; i < out.ndims; i++)
                out.dims[i] = -1;
            /* Reshape to one dimension keeps the input's element count. */
            if (c->kind == TACT_OP_RESHAPE && out.ndims == 1)
                out.dims[0] = tact__shape_nelems(xs) >= 0 ? tact__shape_nelems(xs) : -1;
        }
        *out_dtype = c->dtypes[c->kind == TACT_OP_FILL ? 1 : 0];
        break;
    case TACT_OP_TRANSPOSE:
        out.ndims = xs->ndims;
        for (int i = 0; i < out.ndims; i++)
            out.dims[i] = -1;
        *out_dtype = c->dtypes[0];
        break;
    default:
        if (opdefs_check_dtype(c, 0, "input", OPDEFS_NUMERIC) != TACT_CODE_OK)
            return c->st->code;
        if (c->attrs->keep_dims) {
            out.ndims = xs->ndims;
            for (int i = 0; i < out.ndims; i++)
                out.dims[i] = -1;
        }
        *out_dtype = c->dtypes[0];
        break;
    }
    *out_shape = out;
    return TACT_CODE_OK;
}

/* ------------------------------------------------------------------------------------------ */
/* Sources and the dispatcher                                                                 */
/* ------------------------------------------------------------------------------------------ */

static tact_code_t opdefs_infer_placeholder(const opdefs_ctx_t *c, tact_dtype_t *out_dtype,
                                            tact_shape_t *out_shape)
{
    const tact_op_attrs_t *at = c->attrs;
    if (!tact__dtype_valid(at->dtype))
        return tact__fail(c->st, TACT_CODE_INVALID_ARGUMENT,
                          "Invalid dtype %d for '%s' (op: 'Placeholder')", (int) at->dtype,
                          c->name);
    if (at->shape.ndims < -1 || at->shape.ndims > TACT_MAX_DIMS)
        return tact__fail(c->st, TACT_CODE_INVALID_ARGUMENT,
                          "Invalid rank %d for '%s' (op: 'Placeholder'); at most %d dimensions",
                          at->shape.ndims, c->name, TACT_MAX_DIMS);
    for (int i = 0; i < at->shape.ndims; i++) {
        if (at->shape.dims[i] < -1)
            return tact__fail(c->st, TACT_CODE_INVALID_ARGUMENT,
                              "Dimension %" PRId64 " must be >= -1 for '%s' (op: 'Placeholder')",
                              at->shape.dims[i], c->name);
    }
    *out_dtype = at->dtype;
    *out_shape = at->shape;
    return TACT_CODE_OK;
}

/* Assign, AssignAdd, AssignSub: the value takes the variable's dtype and (for Assign, whose
 * validate_shape is always on here) its shape; the result is the variable's new value. */
static tact_code_t opdefs_infer_assign(const opdefs_ctx_t *c, tact_dtype_t *out_dtype,
                                       tact_shape_t *out_shape)
{
    /* Assign takes any dtype; AssignAdd and AssignSub only numbers (TensorFlow's numbertype). */
    if (c->kind != TACT_OP_ASSIGN &&
        opdefs_check_dtype(c, 0, "ref", OPDEFS_NUMERIC) != TACT_CODE_OK)
        return c->st->code;
    if (opdefs_check_same(c, 1, "value", 0, "ref") != TACT_CODE_OK)
        return c->st->code;
    const tact_shape_t *ref = &c->shapes[0], *val = &c->shapes[1];
    bool known = ref->ndims >= 0 && val->ndims >= 0;
    if (known && ref->ndims != val->ndims)
        return opdefs_fail_build(c, "Shapes must be equal rank, but are %d and %d", ref->ndims,
                                 val->ndims);
    for (int i = 0; known && i < ref->ndims; i++) {
        if (ref->dims[i] >= 0 && val->dims[i] >= 0 && ref->dims[i] != val->dims[i]) {
            char a[160], b[160];
            if (c->phase == TACT_INFER_RUN)
                return tact__fail(c->st, TACT_CODE_INVALID_ARGUMENT,
                                  "%s requires shapes of both tensors to match. lhs shape= %s "
                                  "rhs shape= %s", opdefs_types[c->kind],
                                  tact__shape_str(ref, a, sizeof a),
                                  tact__shape_str(val, b, sizeof b));
            return opdefs_fail_build(c, "Dimension %d in both shapes must be equal, but are %"
                                     PRId64 " and %" PRId64, i, ref->dims[i], val->dims[i]);
        }
    }
    *out_dtype = c->dtypes[0];
    *out_shape = *ref;
    return TACT_CODE_OK;
}

/* Queue ops: input 0 is the queue (its handle is never a value); an enqueue's other inputs
 * are the element's components; outputs follow the queue's element type. */
static tact_code_t opdefs_infer_queue(const opdefs_ctx_t *c, tact_dtype_t *out_dtype,
                                      tact_shape_t *out_shape)
{
    const tact_op_attrs_t *at = c->attrs;
    switch (c->kind) {
    case TACT_OP_QUEUE:
        if (at->n_components < 1 || at->n_components > TACT_MAX_OUTPUTS)
            return tact__fail(c->st, TACT_CODE_INVALID_ARGUMENT,
                              "'%s' (op: 'FIFOQueueV2'): %d components; 1 to %d are supported",
                              c->name, at->n_components, TACT_MAX_OUTPUTS);
        for (int i = 0; i < at->n_components; i++) {
            if (!tact__dtype_valid(at->component_dtypes[i]))
                return tact__fail(c->st, TACT_CODE_INVALID_ARGUMENT,
                                  "'%s' (op: 'FIFOQueueV2'): component %d has an unsupported "
                                  "dtype", c->name, i);
        }
        *out_dtype = TACT_DTYPE_STRING;  /* the handle; it is never materialised */
        *out_shape = (tact_shape_t) { .ndims = 0 };
        return TACT_CODE_OK;
    case TACT_OP_QUEUE_ENQUEUE:
    case TACT_OP_QUEUE_ENQUEUE_MANY: {
        bool many = c->kind == TACT_OP_QUEUE_ENQUEUE_MANY;
        for (int i = 0; i < at->n_components; i++) {
            tact_dtype_t want = at->component_dtypes[i], have = c->dtypes[1 + i];
            if (have != want)
                return opdefs_fail_build(c, "Type mismatch in tuple component %d: expected %s, "
                                         "got %s", i, tact_dtype_name(want),
                                         tact_dtype_name(have));
            tact_shape_t s = c->shapes[1 + i];
            if (s.ndims >= 0 && many) {
                if (s.ndims == 0)
                    return opdefs_fail_build(c, "Shape must be at least rank 1 but is rank 0");
                s.ndims--;
                memmove(s.dims, s.dims + 1, (size_t) s.ndims * sizeof s.dims[0]);
            }
            if (at->has_shapes && s.ndims >= 0) {
                const tact_shape_t *q = &at->component_shapes[i];
                bool ok = q->ndims == s.ndims;
                for (int d = 0; ok && d < s.ndims; d++)
                    ok = s.dims[d] < 0 || q->dims[d] < 0 || s.dims[d] == q->dims[d];
                if (!ok) {
                    char a[160], b[160];
                    return opdefs_fail_build(c, "Shape mismatch in tuple component %d. Expected "
                                             "%s, got %s", i, tact__shape_str(q, a, sizeof a),
                                             tact__shape_str(&s, b, sizeof b));
                }
            }
        }
        return TACT_CODE_OK;
    }
    case TACT_OP_QUEUE_DEQUEUE:
    case TACT_OP_QUEUE_DEQUEUE_MANY:
        for (int i = 0; i < at->n_components; i++) {
            out_dtype[i] = at->component_dtypes[i];
            tact_shape_t s = at->has_shapes ? at->component_shapes[i]
                                            : (tact_shape_t) { .ndims = -1 };
            if (c->kind == TACT_OP_QUEUE_DEQUEUE_MANY) {
                if (s.ndims >= 0) {
                    memmove(s.dims + 1, s.dims, (size_t) s.ndims * sizeof s.dims[0]);
                    s.ndims++;
                    s.dims[0] = at->n;
                }
            }
            out_shape[i] = s;
        }
        return TACT_CODE_OK;
    case TACT_OP_QUEUE_SIZE:
        *out_dtype = TACT_DTYPE_I32;
        *out_shape = (tact_shape_t) { .ndims = 0 };
        return TACT_CODE_OK;
    default:  /* TACT_OP_QUEUE_CLOSE */
        return TACT_CODE_OK;
    }
}

int tact__op_num_outputs(tact_op_kind_t kind, const tact_op_attrs_t *attrs)
{
    const tact_op_def_t *def = tact__op_def(kind);
    if (def != NULL)
        return def->num_outputs != NULL ? def->num_outputs(attrs) : 1;
    switch (kind) {
    case TACT_OP_READER_READ:
        return 2;
    case TACT_OP_NOOP:
    case TACT_OP_QUEUE_ENQUEUE:
    case TACT_OP_QUEUE_ENQUEUE_MANY:
    case TACT_OP_QUEUE_CLOSE:
        return 0;
    case TACT_OP_QUEUE_DEQUEUE:
    case TACT_OP_QUEUE_DEQUEUE_MANY:
        return attrs->n_components;
    default:
        return 1;
    }
}

/* Readers: a handle each; ReaderRead gives (key, value) string scalars. */
static tact_code_t opdefs_infer_reader(const opdefs_ctx_t *c, tact_dtype_t *out_dtype,
                                       tact_shape_t *out_shape)
{
    if (c->kind == TACT_OP_TEXT_LINE_READER && c->attrs->skip_header_lines < 0)
        return tact__fail(c->st, TACT_CODE_INVALID_ARGUMENT,
                          "'%s' (op: 'TextLineReaderV2'): skip_header_lines must be >= 0, got %d",
                          c->name, c->attrs->skip_header_lines);
    int n = c->kind == TACT_OP_READER_READ ? 2 : 1;
    for (int i = 0; i < n; i++) {
        out_dtype[i] = TACT_DTYPE_STRING;
        out_shape[i] = (tact_shape_t) { .ndims = 0 };
    }
    return TACT_CODE_OK;
}

static int opdefs_arity(tact_op_kind_t kind, const tact_op_attrs_t *attrs)
{
    /* before the families: Max, Min and Prod (math) take their axes as a tensor too */
    if (attrs != NULL && attrs->value_inputs && opdefs_takes_values(kind))
        return 2;
    const tact_op_def_t *def = tact__op_def(kind);
    if (def != NULL)
        return def->arity != NULL ? def->arity(attrs) : def->n_inputs;
    switch (kind) {
    case TACT_OP_TEXT_LINE_READER:
    case TACT_OP_WHOLE_FILE_READER:
        return 0;
    case TACT_OP_READER_READ:
        return 2;
    case TACT_OP_FILL:
    case TACT_OP_RANDOM_UNIFORM:
    case TACT_OP_RANDOM_NORMAL:
    case TACT_OP_TRUNCATED_NORMAL:
        return 0;
    case TACT_OP_QUEUE_ENQUEUE:
    case TACT_OP_QUEUE_ENQUEUE_MANY:
        return 1 + attrs->n_components;
    case TACT_OP_QUEUE_DEQUEUE:
    case TACT_OP_QUEUE_DEQUEUE_MANY:
    case TACT_OP_QUEUE_SIZE:
    case TACT_OP_QUEUE_CLOSE:
        return 1;
    case TACT_OP_CONST:
    case TACT_OP_PLACEHOLDER:
    case TACT_OP_NOOP:
    case TACT_OP_VARIABLE:
    case TACT_OP_QUEUE:
        return 0;
    case TACT_OP_ASSIGN:
    case TACT_OP_ASSIGN_ADD:
    case TACT_OP_ASSIGN_SUB:
    case TACT_OP_ADD:
    case TACT_OP_SUB:
    case TACT_OP_MUL:
    case TACT_OP_REALDIV:
    case TACT_OP_DIV:
    case TACT_OP_MATMUL:
        return 2;
    default:
        return 1;
    }
}

int tact__op_arity(tact_op_kind_t kind, const tact_op_attrs_t *attrs)
{
    return opdefs_arity(kind, attrs);
}

tact_code_t tact__op_infer(tact_op_kind_t kind, const tact_op_attrs_t *attrs, const char *op_name,
                           int n_in, const tact_dtype_t *in_dtypes, const tact_shape_t *in_shapes,
                           tact_infer_phase_t phase, tact_dtype_t *out_dtype,
                           tact_shape_t *out_shape, tact_status_t *st)
{
    return tact__op_infer_values(kind, attrs, op_name, n_in, in_dtypes, in_shapes, NULL, phase,
                                 out_dtype, out_shape, st);
}

tact_code_t tact__op_infer_values(tact_op_kind_t kind, const tact_op_attrs_t *attrs,
                                  const char *op_name, int n_in, const tact_dtype_t *in_dtypes,
                                  const tact_shape_t *in_shapes,
                                  const tact_tensor_t *const *values, tact_infer_phase_t phase,
                                  tact_dtype_t *out_dtype, tact_shape_t *out_shape,
                                  tact_status_t *st)
{
    if (tact__failed(st))
        return st->code;
    TACT_ASSERT((unsigned) kind < (unsigned) TACT_OP_COUNT);
    TACT_ASSERT(n_in == opdefs_arity(kind, attrs));
    TACT_ASSERT(n_in == 0 || (in_dtypes != NULL && in_shapes != NULL));
    TACT_ASSERT(op_name != NULL);
    for (int i = 0; i < n_in; i++)
        TACT_ASSERT(in_shapes[i].ndims >= -1 && in_shapes[i].ndims <= TACT_MAX_DIMS);

    opdefs_ctx_t c = {
        .kind = kind,
        .attrs = attrs,
        .name = op_name,
        .n_in = n_in,
        .dtypes = in_dtypes,
        .shapes = in_shapes,
        .values = values,
        .phase = phase,
        .st = st,
    };
    if (attrs != NULL && attrs->value_inputs && opdefs_takes_values(kind))
        return opdefs_infer_with_values(&c, out_dtype, out_shape);
    const tact_op_def_t *def = tact__op_def(kind);
    if (def != NULL) {
        TACT_ASSERT(attrs != NULL);
        return def->infer(&c, out_dtype, out_shape);
    }
    switch (kind) {
    case TACT_OP_CONST:
        TACT_ASSERT(attrs != NULL && attrs->value != NULL);
        *out_dtype = attrs->value->dtype;
        *out_shape = tact__tensor_shape(attrs->value);
        return TACT_CODE_OK;
    case TACT_OP_PLACEHOLDER:
        TACT_ASSERT(attrs != NULL);
        return opdefs_infer_placeholder(&c, out_dtype, out_shape);
    case TACT_OP_NOOP:
        return TACT_CODE_OK;
    case TACT_OP_VARIABLE:
        TACT_ASSERT(attrs != NULL);
        *out_dtype = attrs->dtype;
        *out_shape = attrs->shape;
        return TACT_CODE_OK;
    case TACT_OP_ASSIGN:
    case TACT_OP_ASSIGN_ADD:
    case TACT_OP_ASSIGN_SUB:
        return opdefs_infer_assign(&c, out_dtype, out_shape);
    case TACT_OP_QUEUE:
    case TACT_OP_QUEUE_ENQUEUE:
    case TACT_OP_QUEUE_ENQUEUE_MANY:
    case TACT_OP_QUEUE_DEQUEUE:
    case TACT_OP_QUEUE_DEQUEUE_MANY:
    case TACT_OP_QUEUE_SIZE:
    case TACT_OP_QUEUE_CLOSE:
        TACT_ASSERT(attrs != NULL);
        return opdefs_infer_queue(&c, out_dtype, out_shape);
    case TACT_OP_TEXT_LINE_READER:
    case TACT_OP_WHOLE_FILE_READER:
    case TACT_OP_READER_READ:
        TACT_ASSERT(attrs != NULL);
        return opdefs_infer_reader(&c, out_dtype, out_shape);
    case TACT_OP_IDENTITY:
    case TACT_OP_NEG:
    case TACT_OP_RELU:
    case TACT_OP_SIGMOID:
    case TACT_OP_TANH:
    case TACT_OP_SOFTMAX:
        return opdefs_infer_unary(&c, out_dtype, out_shape);
    case TACT_OP_ADD:
    case TACT_OP_SUB:
    case TACT_OP_MUL:
    case TACT_OP_REALDIV:
    case TACT_OP_DIV:
        return opdefs_infer_binary(&c, out_dtype, out_shape);
    case TACT_OP_MATMUL:
        TACT_ASSERT(attrs != NULL);
        return opdefs_infer_matmul(&c, out_dtype, out_shape);
    case TACT_OP_SUM:
    case TACT_OP_MEAN:
        TACT_ASSERT(attrs != NULL);
        return opdefs_infer_reduce(&c, out_dtype, out_shape);
    case TACT_OP_RESHAPE:
        TACT_ASSERT(attrs != NULL);
        return opdefs_infer_reshape(&c, out_dtype, out_shape);
    case TACT_OP_TRANSPOSE:
        TACT_ASSERT(attrs != NULL);
        return opdefs_infer_transpose(&c, out_dtype, out_shape);
    case TACT_OP_CAST:
        TACT_ASSERT(attrs != NULL);
        return opdefs_infer_cast(&c, out_dtype, out_shape);
    case TACT_OP_FILL:
        TACT_ASSERT(attrs != NULL);
        return opdefs_infer_fill(&c, out_dtype, out_shape);
    case TACT_OP_RANDOM_UNIFORM:
    case TACT_OP_RANDOM_NORMAL:
    case TACT_OP_TRUNCATED_NORMAL:
        TACT_ASSERT(attrs != NULL);
        return opdefs_infer_random(&c, out_dtype, out_shape);
    default:  /* the family kinds, handled above */
        break;
    }
    TACT_ASSERT(!"unreachable op kind");
    return TACT_CODE_INTERNAL;
}
