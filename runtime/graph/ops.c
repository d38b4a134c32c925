/* SPDX-License-Identifier: MIT */
/* The public op builders of <tact/ops.h>: each packs its attributes and calls
 * tact__graph_add_op, which checks, names, infers and appends. */
#include "runtime/graph/graph_impl.h"
#include "runtime/graph/graph_scopes.h"

static tact_output_t ops_out(tact_op_t *op)
{
    return (tact_output_t) { op, op ? 0 : -1 };
}

static tact_output_t ops_unary(tact_graph_t *g, tact_op_kind_t kind, tact_output_t x,
                               const char *name, const tact_op_attrs_t *attrs, tact_status_t *st)
{
    tact_op_attrs_t none = { 0 };
    return ops_out(tact__graph_add_op(g, kind, name, &x, 1, NULL, 0, attrs ? attrs : &none, st));
}

static tact_output_t ops_binary(tact_graph_t *g, tact_op_kind_t kind, tact_output_t a,
                                tact_output_t b, const char *name, const tact_op_attrs_t *attrs,
                                tact_status_t *st)
{
    tact_op_attrs_t none = { 0 };
    tact_output_t in[2] = { a, b };
    return ops_out(tact__graph_add_op(g, kind, name, in, 2, NULL, 0, attrs ? attrs : &none, st));
}

static bool ops_copy_dims(tact_shape_t *shape, const int64_t *dims, int ndims, const char *what,
                          tact_status_t *st)
{
    if (ndims < -1 || ndims > TACT_MAX_DIMS || (ndims > 0 && dims == NULL)) {
        tact__fail(st, TACT_CODE_INVALID_ARGUMENT, "%s: invalid rank %d (at most %d dims)", what,
                   ndims, TACT_MAX_DIMS);
        return false;
    }
    shape->ndims = ndims;
    for (int i = 0; i < ndims; i++) {
        if (dims[i] < -1) {
            tact__fail(st, TACT_CODE_INVALID_ARGUMENT, "%s: dimension %d is %" PRId64, what, i,
                       dims[i]);
            return false;
        }
        shape->dims[i] = dims[i];
    }
    return true;
}

tact_output_t tact_constant(tact_graph_t *g, const tact_tensor_t *value, const char *name,
                            tact_status_t *st)
{
    if (tact__failed(st))
        return ops_out(NULL);
    if (value == NULL) {
        tact_status_t err = TACT_STATUS_INIT;
        tact__fail(&err, TACT_CODE_INVALID_ARGUMENT, "Const: value is NULL");
        tact__graph_record_error(g, &err, st);
        return ops_out(NULL);
    }
    TACT_ASSERT(value->tag == TACT_TAG_TENSOR);
    /* The graph's own copy: sized by the caller's data, so refused memory is a status. */
    tact_status_t err = TACT_STATUS_INIT;
    tact_op_attrs_t attrs = { .value = tact__tensor_try_clone(value, NULL, NULL, &err) };
    if (attrs.value == NULL) {
        tact__graph_record_error(g, &err, st);
        return ops_out(NULL);
    }
    tact_op_t *op = tact__graph_add_op(g, TACT_OP_CONST, name, NULL, 0, NULL, 0, &attrs, st);
    if (op == NULL)
        tact_tensor_destroy(&attrs.value);
    return ops_out(op);
}

tact_output_t tact_placeholder(tact_graph_t *g, tact_dtype_t dtype, const int64_t *dims,
                               int ndims, const char *name, tact_status_t *st)
{
    if (tact__failed(st))
        return ops_out(NULL);
    tact_op_attrs_t attrs = { .dtype = dtype };
    tact_status_t err = TACT_STATUS_INIT;
    if (!ops_copy_dims(&attrs.shape, dims, ndims, "Placeholder", &err)) {
        tact__graph_record_error(g, &err, st);
        return ops_out(NULL);
    }
    return ops_out(tact__graph_add_op(g, TACT_OP_PLACEHOLDER, name, NULL, 0, NULL, 0, &attrs, st));
}

tact_output_t tact_placeholder_with_default(tact_graph_t *g, tact_output_t input,
                                           const int64_t *dims, int ndims, const char *name,
                                           tact_status_t *st)
{
    if (tact__failed(st))
        return ops_out(NULL);
    tact_op_attrs_t attrs = { 0 };
    tact_status_t err = TACT_STATUS_INIT;
    if (!ops_copy_dims(&attrs.shape, dims, ndims, "PlaceholderWithDefault", &err)) {
        tact__graph_record_error(g, &err, st);
        return ops_out(NULL);
    }
    /* The dtype is the input's; a bad input is tact__graph_add_op's to report. */
    bool valid = input.op != NULL && input.index >= 0 && input.index < input.op->n_outputs;
    attrs.dtype = valid ? input.op->out_dtype[input.index] : TACT_DTYPE_F32;
    return ops_out(tact__graph_add_op(g, TACT_OP_PLACEHOLDER_WITH_DEFAULT, name, &input, 1, NULL,
                                      0, &attrs, st));
}

static tact_output_t ops_ternary(tact_graph_t *g, tact_op_kind_t kind, tact_output_t a,
                                 tact_output_t b, tact_output_t c, const char *name,
                                 tact_status_t *st)
{
    tact_op_attrs_t none = { 0 };
    tact_output_t in[3] = { a, b, c };
    return ops_out(tact__graph_add_op(g, kind, name, in, 3, NULL, 0, &none, st));
}

tact_output_t tact_where(tact_graph_t *g, tact_output_t condition, tact_output_t x,
                         tact_output_t y, const char *name, tact_status_t *st)
{
    return ops_ternary(g, TACT_OP_SELECT, condition, x, y, name, st);
}

tact_output_t tact_where_v2(tact_graph_t *g, tact_output_t condition, tact_output_t x,
                            tact_output_t y, const char *name, tact_status_t *st)
{
    return ops_ternary(g, TACT_OP_SELECT_V2, condition, x, y, name, st);
}

tact_output_t tact_string_join(tact_graph_t *g, const tact_output_t *inputs, int n,
                               const char *separator, const char *name, tact_status_t *st)
{
    if (tact__failed(st))
        return ops_out(NULL);
    if (n < 1 || inputs == NULL) {
        tact_status_t err = TACT_STATUS_INIT;
        tact__fail(&err, TACT_CODE_INVALID_ARGUMENT, "StringJoin: %d inputs; at least 1 is "
                   "needed", n);
        tact__graph_record_error(g, &err, st);
        return ops_out(NULL);
    }
    tact_op_attrs_t attrs = { .n_list = n, .text = (char *) (separator ? separator : "") };
    return ops_out(tact__graph_add_op(g, TACT_OP_STRING_JOIN, name, inputs, n, NULL, 0, &attrs,
                                      st));
}

tact_output_t tact_identity(tact_graph_t *g, tact_output_t x, const char *name, tact_status_t *st)
{
    return ops_unary(g, TACT_OP_IDENTITY, x, name, NULL, st);
}

tact_output_t tact_add(tact_graph_t *g, tact_output_t a, tact_output_t b, const char *name,
                       tact_status_t *st)
{
    return ops_binary(g, TACT_OP_ADD, a, b, name, NULL, st);
}

tact_output_t tact_subtract(tact_graph_t *g, tact_output_t a, tact_output_t b, const char *name,
                            tact_status_t *st)
{
    return ops_binary(g, TACT_OP_SUB, a, b, name, NULL, st);
}

tact_output_t tact_multiply(tact_graph_t *g, tact_output_t a, tact_output_t b, const char *name,
                            tact_status_t *st)
{
    return ops_binary(g, TACT_OP_MUL, a, b, name, NULL, st);
}

tact_output_t tact_divide(tact_graph_t *g, tact_output_t a, tact_output_t b, const char *name,
                          tact_status_t *st)
{
    /* Floats divide exactly (RealDiv); integers truncate (Div), as TensorFlow's kernels do. */
    tact_op_kind_t kind = TACT_OP_REALDIV;
    if (a.op != NULL && a.index >= 0 && a.index < a.op->n_outputs) {
        tact_dtype_t dt = a.op->out_dtype[a.index];
        if (dt == TACT_DTYPE_I32 || dt == TACT_DTYPE_I64)
            kind = TACT_OP_DIV;
    }
    return ops_binary(g, kind, a, b, name, NULL, st);
}

tact_output_t tact_negative(tact_graph_t *g, tact_output_t x, const char *name, tact_status_t *st)
{
    return ops_unary(g, TACT_OP_NEG, x, name, NULL, st);
}

tact_output_t tact_relu(tact_graph_t *g, tact_output_t x, const char *name, tact_status_t *st)
{
    return ops_unary(g, TACT_OP_RELU, x, name, NULL, st);
}

tact_output_t tact_sigmoid(tact_graph_t *g, tact_output_t x, const char *name, tact_status_t *st)
{
    return ops_unary(g, TACT_OP_SIGMOID, x, name, NULL, st);
}

tact_output_t tact_tanh(tact_graph_t *g, tact_output_t x, const char *name, tact_status_t *st)
{
    return ops_unary(g, TACT_OP_TANH, x, name, NULL, st);
}

tact_output_t tact_softmax(tact_graph_t *g, tact_output_t x, const char *name, tact_status_t *st)
{
    return ops_unary(g, TACT_OP_SOFTMAX, x, name, NULL, st);
}

tact_output_t tact_cast(tact_graph_t *g, tact_output_t x, tact_dtype_t dtype, const char *name,
                        tact_status_t *st)
{
    tact_op_attrs_t attrs = { .dtype = dtype };
    return ops_unary(g, TACT_OP_CAST, x, name, &attrs, st);
}

tact_output_t tact_matmul(tact_graph_t *g, tact_output_t a, tact_output_t b, bool transpose_a,
                          bool transpose_b, const char *name, tact_status_t *st)
{
    tact_op_attrs_t attrs = { .transpose_a = transpose_a, .transpose_b = transpose_b };
    return ops_binary(g, TACT_OP_MATMUL, a, b, name, &attrs, st);
}

static tact_output_t ops_reduce(tact_graph_t *g, tact_op_kind_t kind, tact_output_t x,
                                const int *axes, int n_axes, bool keep_dims, const char *name,
                                tact_status_t *st)
{
    if (tact__failed(st))
        return ops_out(NULL);
    tact_op_attrs_t attrs = { .keep_dims = keep_dims, .n_axes = -1 };
    if (axes != NULL) {
        if (n_axes < 0) {
            tact_status_t err = TACT_STATUS_INIT;
            tact__fail(&err, TACT_CODE_INVALID_ARGUMENT, "%s: negative axis count %d",
                       tact__op_kind_type(kind), n_axes);
            tact__graph_record_error(g, &err, st);
            return ops_out(NULL);
        }
        /* Repeated axes reduce once, so only distinct values are kept; more distinct values
         * than a tensor can have dimensions cannot all be valid. */
        attrs.n_axes = 0;
        for (int i = 0; i < n_axes; i++) {
            bool seen = false;
            for (int j = 0; j < attrs.n_axes && !seen; j++)
                seen = attrs.axes[j] == axes[i];
            if (seen)
                continue;
            if (attrs.n_axes == TACT_MAX_DIMS) {
                tact_status_t err = TACT_STATUS_INIT;
                tact__fail(&err, TACT_CODE_INVALID_ARGUMENT,
                           "%s: Invalid reduction dimension %d: more distinct axes than a tensor "
                           "can have dimensions (%d)", tact__op_kind_type(kind), axes[i],
                           TACT_MAX_DIMS);
                tact__graph_record_error(g, &err, st);
                return ops_out(NULL);
            }
            attrs.axes[attrs.n_axes++] = axes[i];
        }
    }
    return ops_unary(g, kind, x, name, &attrs, st);
}

tact_output_t tact_reduce_sum(tact_graph_t *g, tact_output_t x, const int *axes, int n_axes,
                              bool keep_dims, const char *name, tact_status_t *st)
{
    return ops_reduce(g, TACT_OP_SUM, x, axes, n_axes, keep_dims, name, st);
}

tact_output_t tact_reduce_mean(tact_graph_t *g, tact_output_t x, const int *axes, int n_axes,
                               bool keep_dims, const char *name, tact_status_t *st)
{
    return ops_reduce(g, TACT_OP_MEAN, x, axes, n_axes, keep_dims, name, st);
}

tact_output_t tact_reshape(tact_graph_t *g, tact_output_t x, const int64_t *dims, int ndims,
                           const char *name, tact_status_t *st)
{
    if (tact__failed(st))
        return ops_out(NULL);
    tact_op_attrs_t attrs = { 0 };
    tact_status_t err = TACT_STATUS_INIT;
    if (ndims < 0 || !ops_copy_dims(&attrs.shape, dims, ndims, "Reshape", &err)) {
        tact__fail(&err, TACT_CODE_INVALID_ARGUMENT, "Reshape: invalid rank %d", ndims);
        tact__graph_record_error(g, &err, st);
        return ops_out(NULL);
    }
    return ops_unary(g, TACT_OP_RESHAPE, x, name, &attrs, st);
}

tact_output_t tact_transpose(tact_graph_t *g, tact_output_t x, const int *perm, int n_perm,
                             const char *name, tact_status_t *st)
{
    if (tact__failed(st))
        return ops_out(NULL);
    tact_op_attrs_t attrs = { .n_perm = -1 };
    if (perm != NULL) {
        if (n_perm < 0 || n_perm > TACT_MAX_DIMS) {
            tact_status_t err = TACT_STATUS_INIT;
            tact__fail(&err, TACT_CODE_INVALID_ARGUMENT, "Transpose: invalid perm length %d",
                       n_perm);
            tact__graph_record_error(g, &err, st);
            return ops_out(NULL);
        }
        attrs.n_perm = n_perm;
        memcpy(attrs.perm, perm, (size_t) n_perm * sizeof *perm);
    }
    return ops_unary(g, TACT_OP_TRANSPOSE, x, name, &attrs, st);
}

tact_op_t *tact_no_op(tact_graph_t *g, const char *name, tact_status_t *st)
{
    tact_op_attrs_t none = { 0 };
    return tact__graph_add_op(g, TACT_OP_NOOP, name, NULL, 0, NULL, 0, &none, st);
}

tact_op_t *tact_group(tact_graph_t *g, tact_op_t *const *ops, int n_ops, const char *name,
                      tact_status_t *st)
{
    tact_op_attrs_t none = { 0 };
    if (tact__failed(st))
        return NULL;
    if (n_ops < 0 || (n_ops > 0 && ops == NULL)) {
        tact_status_t err = TACT_STATUS_INIT;
        tact__fail(&err, TACT_CODE_INVALID_ARGUMENT, "group_deps: %d ops in a NULL array", n_ops);
        tact__graph_record_error(g, &err, st);
        return NULL;
    }
    for (int i = 0; i < n_ops; i++) {
        if (ops[i] == NULL && !tact__failed(st)) {
            /* An upstream builder failed: its error is the graph's first, and is passed on. */
            tact_status_t err = TACT_STATUS_INIT;
            tact__fail(&err, TACT_CODE_INVALID_ARGUMENT, "group_deps: input %d is empty", i);
            tact__graph_record_error(g, &err, NULL);
            tact__status_merge(st, tact_graph_status(g));
            return NULL;
        }
    }
    return tact__graph_add_op(g, TACT_OP_NOOP, name ? name : "group_deps", NULL, 0, ops, n_ops,
                              &none, st);
}

/* ------------------------------------------------------------------------------------------ */
/* Variables                                                                                  */
/* ------------------------------------------------------------------------------------------ */

tact_output_t tact_variable(tact_graph_t *g, tact_output_t initial_value, const char *name,
                            tact_status_t *st)
{
    if (tact__failed(st))
        return ops_out(NULL);
    g = tact__graph_or_default(g);
    tact_status_t err = TACT_STATUS_INIT;
    if (initial_value.op != NULL && initial_value.index >= 0 &&
        initial_value.index < initial_value.op->n_outputs) {
        const tact_shape_t *shape = &initial_value.op->out_shape[initial_value.index];
        if (tact__shape_nelems(shape) < 0) {
            char text[160];
            tact__fail(&err, TACT_CODE_INVALID_ARGUMENT,
                       "Variable: initial value must have a fully known shape, not %s",
                       tact__shape_str(shape, text, sizeof text));
            tact__graph_record_error(g, &err, st);
            return ops_out(NULL);
        }
    }
    tact_op_attrs_t attrs = { 0 };
    if (initial_value.op != NULL && initial_value.op->graph == g && initial_value.index >= 0 &&
        initial_value.index < initial_value.op->n_outputs) {
        attrs.dtype = initial_value.op->out_dtype[initial_value.index];
        attrs.shape = initial_value.op->out_shape[initial_value.index];
    } else {
        /* Let tact__graph_add_op report the empty or foreign input. */
        tact_op_attrs_t none = { 0 };
        return ops_out(tact__graph_add_op(g, TACT_OP_IDENTITY, name, &initial_value, 1, NULL, 0,
                                          &none, st));
    }
    /* As tf.Variable: a name scope "v" (made unique), the VariableV2 named by the scope itself
     * ("v/": absolute) and "v/Assign" inside it. A name no scope takes is left to
     * tact__graph_add_op to refuse. */
    if (name != NULL && !tact__graph_valid_name(name))
        return ops_out(tact__graph_add_op(g, TACT_OP_VARIABLE, name, NULL, 0, NULL, 0, &attrs,
                                          st));
    tact_graph_push_name_scope(g, name ? name : "Variable", NULL);
    pthread_mutex_lock(&g->lock);
    char *scope = tact__name_scope_apply(g, "");  /* "ns/v/" */
    pthread_mutex_unlock(&g->lock);
    tact_op_t *var = tact__graph_add_op(g, TACT_OP_VARIABLE, scope, NULL, 0, NULL, 0, &attrs, st);
    free(scope);
    tact_output_t in[2] = { { var, 0 }, initial_value };
    tact_op_attrs_t none = { 0 };
    tact_op_t *init = var == NULL ? NULL
                                  : tact__graph_add_op(g, TACT_OP_ASSIGN, "Assign", in, 2, NULL, 0,
                                                       &none, st);
    tact_graph_pop_name_scope(g);
    if (init == NULL)
        return ops_out(NULL);
    var->attrs.initializer = init;  /* set before the variable is published below */
    tact__graph_add_variable(g, var);
    return ops_out(var);
}

tact_op_t *tact_global_variables_initializer(tact_graph_t *g, tact_status_t *st)
{
    if (tact__failed(st))
        return NULL;
    g = tact__graph_or_default(g);
    pthread_mutex_lock(&g->lock);
    int n = g->n_variables;
    tact_op_t **inits = tact__malloc((size_t) (n ? n : 1) * sizeof *inits);
    for (int i = 0; i < n; i++)
        inits[i] = g->variables[i]->attrs.initializer;
    pthread_mutex_unlock(&g->lock);
    tact_op_attrs_t none = { 0 };
    tact_op_t *op = tact__graph_add_op(g, TACT_OP_NOOP, "init", NULL, 0, inits, n, &none, st);
    free(inits);
    return op;
}

static tact_output_t ops_assign(tact_graph_t *g, tact_op_kind_t kind, tact_output_t var,
                                tact_output_t value, const char *name, tact_status_t *st)
{
    if (tact__failed(st))
        return ops_out(NULL);
    if (var.op != NULL && (var.op->kind != TACT_OP_VARIABLE || var.index != 0)) {
        char text[300];
        tact_status_t err = TACT_STATUS_INIT;
        tact__fail(&err, TACT_CODE_INVALID_ARGUMENT,
                   "%s: input 'ref' must be a variable, but %s is a %s",
                   tact__op_kind_type(kind), tact__output_name(var, text, sizeof text),
                   tact__op_kind_type(var.op->kind));
        tact__graph_record_error(g, &err, st);
        return ops_out(NULL);
    }
    return ops_binary(g, kind, var, value, name, NULL, st);
}

tact_output_t tact_assign(tact_graph_t *g, tact_output_t var, tact_output_t value,
                          const char *name, tact_status_t *st)
{
    return ops_assign(g, TACT_OP_ASSIGN, var, value, name, st);
}

tact_output_t tact_assign_add(tact_graph_t *g, tact_output_t var, tact_output_t value,
                              const char *name, tact_status_t *st)
{
    return ops_assign(g, TACT_OP_ASSIGN_ADD, var, value, name, st);
}

tact_output_t tact_assign_sub(tact_graph_t *g, tact_output_t var, tact_output_t value,
                              const char *name, tact_status_t *st)
{
    return ops_assign(g, TACT_OP_ASSIGN_SUB, var, value, name, st);
}

/* ---- Math (runtime/ops/math_ops.c) ---- */

#define OPS_MATH_UNARY(fn, KIND)                                                                   \
    tact_output_t fn(tact_graph_t *g, tact_output_t x, const char *name, tact_status_t *st)        \
    {                                                                                              \
        return ops_unary(g, TACT_OP_##KIND, x, name, NULL, st);                                    \
    }

#define OPS_MATH_BINARY(fn, KIND)                                                                  \
    tact_output_t fn(tact_graph_t *g, tact_output_t x, tact_output_t y, const char *name,          \
                     tact_status_t *st)                                                            \
    {                                                                                              \
        return ops_binary(g, TACT_OP_##KIND, x, y, name, NULL, st);                                \
    }

OPS_MATH_UNARY(tact_abs, ABS)
OPS_MATH_UNARY(tact_square, SQUARE)
OPS_MATH_UNARY(tact_sqrt, SQRT)
OPS_MATH_UNARY(tact_rsqrt, RSQRT)
OPS_MATH_UNARY(tact_exp, EXP)
OPS_MATH_UNARY(tact_log, LOG)
OPS_MATH_UNARY(tact_sign, SIGN)
OPS_MATH_UNARY(tact_floor, FLOOR)
OPS_MATH_UNARY(tact_ceil, CEIL)
OPS_MATH_UNARY(tact_round, ROUND)
OPS_MATH_UNARY(tact_reciprocal, RECIPROCAL)
OPS_MATH_UNARY(tact_relu6, RELU6)
OPS_MATH_UNARY(tact_elu, ELU)
OPS_MATH_UNARY(tact_softplus, SOFTPLUS)
OPS_MATH_UNARY(tact_log_softmax, LOG_SOFTMAX)
OPS_MATH_UNARY(tact_stop_gradient, STOP_GRADIENT)
OPS_MATH_UNARY(tact_logical_not, LOGICAL_NOT)
OPS_MATH_BINARY(tact_pow, POW)
OPS_MATH_BINARY(tact_maximum, MAXIMUM)
OPS_MATH_BINARY(tact_minimum, MINIMUM)
OPS_MATH_BINARY(tact_floordiv, FLOOR_DIV)
OPS_MATH_BINARY(tact_floormod, FLOOR_MOD)
OPS_MATH_BINARY(tact_squared_difference, SQUARED_DIFFERENCE)
OPS_MATH_BINARY(tact_equal, EQUAL)
OPS_MATH_BINARY(tact_not_equal, NOT_EQUAL)
OPS_MATH_BINARY(tact_less, LESS)
OPS_MATH_BINARY(tact_less_equal, LESS_EQUAL)
OPS_MATH_BINARY(tact_greater, GREATER)
OPS_MATH_BINARY(tact_greater_equal, GREATER_EQUAL)
OPS_MATH_BINARY(tact_logical_and, LOGICAL_AND)
OPS_MATH_BINARY(tact_logical_or, LOGICAL_OR)

tact_output_t tact_leaky_relu(tact_graph_t *g, tact_output_t x, double alpha, const char *name,
                              tact_status_t *st)
{
    /* TensorFlow's attr is a float: a float64 input is scaled by alpha rounded to float32 */
    tact_op_attrs_t attrs = { .alpha = (float) alpha };
    return ops_unary(g, TACT_OP_LEAKY_RELU, x, name, &attrs, st);
}

tact_output_t tact_add_n(tact_graph_t *g, const tact_output_t *inputs, int n, const char *name,
                         tact_status_t *st)
{
    if (tact__failed(st))
        return ops_out(NULL);
    if (n < 1 || inputs == NULL) {
        tact_status_t err = TACT_STATUS_INIT;
        tact__fail(&err, TACT_CODE_INVALID_ARGUMENT, "AddN: %d inputs; at least 1 is needed", n);
        tact__graph_record_error(g, &err, st);
        return ops_out(NULL);
    }
    tact_op_attrs_t attrs = { .n_list = n };
    return ops_out(tact__graph_add_op(g, TACT_OP_ADD_N, name, inputs, n, NULL, 0, &attrs, st));
}

tact_output_t tact_reduce_max(tact_graph_t *g, tact_output_t x, const int *axes, int n_axes,
                              bool keep_dims, const char *name, tact_status_t *st)
{
    return ops_reduce(g, TACT_OP_MAX, x, axes, n_axes, keep_dims, name, st);
}

tact_output_t tact_reduce_min(tact_graph_t *g, tact_output_t x, const int *axes, int n_axes,
                              bool keep_dims, const char *name, tact_status_t *st)
{
    return ops_reduce(g, TACT_OP_MIN, x, axes, n_axes, keep_dims, name, st);
}

tact_output_t tact_reduce_prod(tact_graph_t *g, tact_output_t x, const int *axes, int n_axes,
                               bool keep_dims, const char *name, tact_status_t *st)
{
    return ops_reduce(g, TACT_OP_PROD, x, axes, n_axes, keep_dims, name, st);
}

tact_output_t tact_argmax(tact_graph_t *g, tact_output_t x, int axis, tact_dtype_t output_type,
                          const char *name, tact_status_t *st)
{
    tact_op_attrs_t attrs = { .axis = axis, .dtype = output_type, .n_axes = -1 };
    return ops_unary(g, TACT_OP_ARG_MAX, x, name, &attrs, st);
}

tact_output_t tact_argmin(tact_graph_t *g, tact_output_t x, int axis, tact_dtype_t output_type,
                          const char *name, tact_status_t *st)
{
    tact_op_attrs_t attrs = { .axis = axis, .dtype = output_type, .n_axes = -1 };
    return ops_unary(g, TACT_OP_ARG_MIN, x, name, &attrs, st);
}

/* ---- neural networks (runtime/ops/nn_ops.c) ---- */

/* The window attributes of opts (NULL: TensorFlow's defaults), in NHWC order. */
static void ops_conv_attrs(const tact_conv_options_t *opts, bool window, tact_op_attrs_t *at)
{
    static const tact_conv_options_t none;
    const tact_conv_options_t *o = opts != NULL ? opts : &none;
    bool strides = false, dilations = false;
    for (int d = 0; d < 4; d++) {
        strides |= o->strides[d] != 0;
        dilations |= o->dilations[d] != 0;
    }
    at->n_strides = at->n_dilations = 4;
    at->n_ksize = window ? 4 : 0;
    for (int d = 0; d < 4; d++) {
        at->strides[d] = strides ? o->strides[d] : 1;
        at->dilations[d] = dilations ? o->dilations[d] : 1;
        at->ksize[d] = o->ksize[d];
    }
    at->padding = o->padding;
    at->n_explicit_paddings = o->padding == TACT_PADDING_EXPLICIT ? 8 : 0;
    for (int i = 0; i < 8 && o->padding == TACT_PADDING_EXPLICIT; i++)
        at->explicit_paddings[i] = o->explicit_paddings[i];
}

tact_output_t tact_conv2d(tact_graph_t *g, tact_output_t input, tact_output_t filter,
                          const tact_conv_options_t *opts, const char *name, tact_status_t *st)
{
    tact_op_attrs_t attrs = {0};
    ops_conv_attrs(opts, false, &attrs);
    return ops_binary(g, TACT_OP_CONV2D, input, filter, name, &attrs, st);
}

tact_output_t tact_depthwise_conv2d(tact_graph_t *g, tact_output_t input, tact_output_t filter,
                                    const tact_conv_options_t *opts, const char *name,
                                    tact_status_t *st)
{
    tact_op_attrs_t attrs = {0};
    ops_conv_attrs(opts, false, &attrs);
    return ops_binary(g, TACT_OP_DEPTHWISE_CONV2D, input, filter, name, &attrs, st);
}

tact_output_t tact_max_pool(tact_graph_t *g, tact_output_t value, const tact_conv_options_t *opts,
                            const char *name, tact_status_t *st)
{
    tact_op_attrs_t attrs = {0};
    ops_conv_attrs(opts, true, &attrs);
    return ops_unary(g, TACT_OP_MAX_POOL, value, name, &attrs, st);
}

tact_output_t tact_avg_pool(tact_graph_t *g, tact_output_t value, const tact_conv_options_t *opts,
                            const char *name, tact_status_t *st)
{
    tact_op_attrs_t attrs = {0};
    ops_conv_attrs(opts, true, &attrs);
    return ops_unary(g, TACT_OP_AVG_POOL, value, name, &attrs, st);
}

tact_output_t tact_fused_batch_norm(tact_graph_t *g, tact_output_t x, tact_output_t scale,
                                    tact_output_t offset, tact_output_t mean,
                                    tact_output_t variance, float epsilon, const char *name,
                                    tact_status_t *st)
{
    tact_op_attrs_t attrs = {.epsilon = epsilon, .is_training = false,
                             .exponential_avg_factor = 1.0f};
    tact_output_t in[5] = {x, scale, offset, mean, variance};
    return ops_out(tact__graph_add_op(g, TACT_OP_FUSED_BATCH_NORM_V3, name, in, 5, NULL, 0,
                                      &attrs, st));
}

tact_output_t tact_batch_matmul(tact_graph_t *g, tact_output_t x, tact_output_t y, bool adj_x,
                                bool adj_y, const char *name, tact_status_t *st)
{
    tact_op_attrs_t attrs = {.transpose_a = adj_x, .transpose_b = adj_y};
    return ops_binary(g, TACT_OP_BATCH_MATMUL, x, y, name, &attrs, st);
}

/* ------------------------------------------------------------------------------------------ */
/* Resource variables (runtime/ops/state_ops.c)                                               */
/* ------------------------------------------------------------------------------------------ */

tact_output_t tact_var_handle(tact_graph_t *g, tact_dtype_t dtype, const int64_t *dims,
                              int ndims, const char *container, const char *shared_name,
                              const char *name, tact_status_t *st)
{
    if (tact__failed(st))
        return ops_out(NULL);
    tact_op_attrs_t attrs = { .dtype = dtype, .text = (char *) (shared_name ? shared_name : ""),
                              .container = (char *) (container ? container : "") };
    tact_status_t err = TACT_STATUS_INIT;
    if (!ops_copy_dims(&attrs.shape, dims, ndims, "VarHandleOp", &err)) {
        tact__graph_record_error(g, &err, st);
        return ops_out(NULL);
    }
    return ops_out(tact__graph_add_op(g, TACT_OP_VAR_HANDLE, name, NULL, 0, NULL, 0, &attrs, st));
}

/* An op on the variable behind `handle`, which must be a VarHandleOp's output (the ops find
 * the variable through it); the dtype attr is the variable's. */
static tact_op_t *ops_on_var(tact_graph_t *g, tact_op_kind_t kind, tact_output_t handle,
                             const tact_output_t *value, const char *name, tact_status_t *st)
{
    if (tact__failed(st))
        return NULL;
    g = tact__graph_or_default(g);
    tact_op_attrs_t attrs = { 0 };
    tact_output_t in[2] = { handle, value != NULL ? *value : handle };
    if (handle.op != NULL && handle.op->graph == g && handle.index == 0) {
        if (handle.op->kind != TACT_OP_VAR_HANDLE) {
            tact_status_t err = TACT_STATUS_INIT;
            tact__fail(&err, TACT_CODE_INVALID_ARGUMENT,
                       "%s: input 'resource' must be a VarHandleOp's handle, not %s '%s'",
                       tact__op_kind_type(kind), tact__op_kind_type(handle.op->kind),
                       handle.op->name);
            tact__graph_record_error(g, &err, st);
            return NULL;
        }
        attrs.dtype = handle.op->attrs.dtype;
    }
    return tact__graph_add_op(g, kind, name, in, value != NULL ? 2 : 1, NULL, 0, &attrs, st);
}

tact_output_t tact_read_variable(tact_graph_t *g, tact_output_t handle, const char *name,
                                 tact_status_t *st)
{
    return ops_out(ops_on_var(g, TACT_OP_READ_VARIABLE, handle, NULL, name, st));
}

tact_op_t *tact_assign_variable(tact_graph_t *g, tact_output_t handle, tact_output_t value,
                                const char *name, tact_status_t *st)
{
    return ops_on_var(g, TACT_OP_ASSIGN_VARIABLE, handle, &value, name, st);
}

tact_op_t *tact_assign_add_variable(tact_graph_t *g, tact_output_t handle, tact_output_t value,
                                    const char *name, tact_status_t *st)
{
    return ops_on_var(g, TACT_OP_ASSIGN_ADD_VARIABLE, handle, &value, name, st);
}

tact_output_t tact_var_is_initialized(tact_graph_t *g, tact_output_t handle, const char *name,
                                      tact_status_t *st)
{
    return ops_out(ops_on_var(g, TACT_OP_VAR_IS_INITIALIZED, handle, NULL, name, st));
}

tact_output_t tact_resource_variable(tact_graph_t *g, tact_output_t initial_value,
                                     const char *name, tact_status_t *st)
{
    if (tact__failed(st))
        return ops_out(NULL);
    g = tact__graph_or_default(g);
    if (initial_value.op == NULL || initial_value.op->graph != g || initial_value.index < 0 ||
        initial_value.index >= initial_value.op->n_outputs) {
        /* Let tact__graph_add_op report the empty or foreign input. */
        tact_op_attrs_t none = { 0 };
        return ops_out(tact__graph_add_op(g, TACT_OP_IDENTITY, name, &initial_value, 1, NULL, 0,
                                          &none, st));
    }
    /* As tf.compat.v1.get_variable(use_resource=True): the handle named by the scope "v" (its
     * shared_name the handle's name), "v/Assign" inside it. */
    tact_graph_push_name_scope(g, name ? name : "Variable", NULL);
    pthread_mutex_lock(&g->lock);
    char *scope = tact__name_scope_apply(g, "");  /* "ns/v/" */
    pthread_mutex_unlock(&g->lock);
    size_t len = strlen(scope);
    char *shared = tact__strdup(scope);
    if (len > 0)
        shared[len - 1] = '\0';  /* "ns/v" */
    tact_op_attrs_t attrs = { .dtype = initial_value.op->out_dtype[initial_value.index],
                              .shape = initial_value.op->out_shape[initial_value.index],
                              .text = shared };
    tact_op_t *var = tact__graph_add_op(g, TACT_OP_VAR_HANDLE, scope, NULL, 0, NULL, 0, &attrs,
                                        st);
    free(scope);
    free(shared);
    tact_op_t *init = var == NULL ? NULL
                                  : tact_assign_variable(g, (tact_output_t) { var, 0 },
                                                         initial_value, "Assign", st);
    tact_graph_pop_name_scope(g);
    if (init == NULL)
        return ops_out(NULL);
    if (var->attrs.resource == NULL) {  /* the variable's first handle: a checkpoint's key */
        var->attrs.initializer = init;
        tact__graph_add_variable(g, var);
    }
    return ops_out(var);
}

/* ---- array ops whose shapes come from values ---- */

static tact_output_t ops_n(tact_graph_t *g, tact_op_kind_t kind, const tact_output_t *in, int n,
                           const tact_op_attrs_t *attrs, const char *name, tact_status_t *st)
{
    return ops_out(tact__graph_add_op(g, kind, name, in, n, NULL, 0, attrs, st));
}

tact_output_t tact_shape(tact_graph_t *g, tact_output_t x, tact_dtype_t out_type,
                         const char *name, tact_status_t *st)
{
    tact_op_attrs_t attrs = { .out_type = out_type };
    return ops_unary(g, TACT_OP_SHAPE, x, name, &attrs, st);
}

tact_output_t tact_size(tact_graph_t *g, tact_output_t x, tact_dtype_t out_type,
                        const char *name, tact_status_t *st)
{
    tact_op_attrs_t attrs = { .out_type = out_type };
    return ops_unary(g, TACT_OP_SIZE, x, name, &attrs, st);
}

tact_output_t tact_rank(tact_graph_t *g, tact_output_t x, const char *name, tact_status_t *st)
{
    return ops_unary(g, TACT_OP_RANK, x, name, NULL, st);
}

tact_output_t tact_reshape_to(tact_graph_t *g, tact_output_t x, tact_output_t shape,
                              const char *name, tact_status_t *st)
{
    tact_op_attrs_t attrs = { .value_inputs = true, .n_axes = -1, .n_perm = -1 };
    return ops_binary(g, TACT_OP_RESHAPE, x, shape, name, &attrs, st);
}

tact_output_t tact_fill_to(tact_graph_t *g, tact_output_t dims, tact_output_t value,
                           const char *name, tact_status_t *st)
{
    tact_op_attrs_t attrs = { .value_inputs = true, .n_axes = -1, .n_perm = -1 };
    return ops_binary(g, TACT_OP_FILL, dims, value, name, &attrs, st);
}

tact_output_t tact_slice(tact_graph_t *g, tact_output_t x, tact_output_t begin,
                         tact_output_t size, const char *name, tact_status_t *st)
{
    tact_op_attrs_t none = { 0 };
    return ops_n(g, TACT_OP_SLICE, (tact_output_t[]) { x, begin, size }, 3, &none, name, st);
}

tact_output_t tact_strided_slice(tact_graph_t *g, tact_output_t x, tact_output_t begin,
                                 tact_output_t end, tact_output_t strides, int64_t begin_mask,
                                 int64_t end_mask, int64_t ellipsis_mask, int64_t new_axis_mask,
                                 int64_t shrink_axis_mask, const char *name, tact_status_t *st)
{
    tact_op_attrs_t attrs = { .begin_mask = begin_mask, .end_mask = end_mask,
                              .ellipsis_mask = ellipsis_mask, .new_axis_mask = new_axis_mask,
                              .shrink_axis_mask = shrink_axis_mask };
    return ops_n(g, TACT_OP_STRIDED_SLICE, (tact_output_t[]) { x, begin, end, strides }, 4,
                 &attrs, name, st);
}

tact_output_t tact_squeeze(tact_graph_t *g, tact_output_t x, const int *axes, int n_axes,
                           const char *name, tact_status_t *st)
{
    if (tact__failed(st))
        return ops_out(NULL);
    tact_op_attrs_t attrs = { 0 };
    if (n_axes < 0 || n_axes > TACT_MAX_DIMS || (n_axes > 0 && axes == NULL)) {
        tact_status_t err = TACT_STATUS_INIT;
        tact__fail(&err, TACT_CODE_INVALID_ARGUMENT, "Squeeze: %d axes; 0 to %d are possible",
                   n_axes, TACT_MAX_DIMS);
        tact__graph_record_error(g, &err, st);
        return ops_out(NULL);
    }
    attrs.n_squeeze = n_axes;
    for (int i = 0; i < n_axes; i++)
        attrs.squeeze_dims[i] = axes[i];
    return ops_unary(g, TACT_OP_SQUEEZE, x, name, &attrs, st);
}

tact_output_t tact_expand_dims(tact_graph_t *g, tact_output_t x, tact_output_t axis,
                               const char *name, tact_status_t *st)
{
    return ops_binary(g, TACT_OP_EXPAND_DIMS, x, axis, name, NULL, st);
}

tact_output_t tact_concat(tact_graph_t *g, const tact_output_t *values, int n,
                          tact_output_t axis, const char *name, tact_status_t *st)
{
    if (tact__failed(st))
        return ops_out(NULL);
    if (n < 2 || values == NULL) {
        tact_status_t err = TACT_STATUS_INIT;
        tact__fail(&err, TACT_CODE_INVALID_ARGUMENT, "ConcatV2: %d values; at least 2 are "
                   "needed", n);
        tact__graph_record_error(g, &err, st);
        return ops_out(NULL);
    }
    tact_output_t *in = tact__malloc(((size_t) n + 1) * sizeof *in);
    memcpy(in, values, (size_t) n * sizeof *in);
    in[n] = axis;
    tact_op_attrs_t attrs = { .n_list = n };
    tact_output_t r = ops_n(g, TACT_OP_CONCAT_V2, in, n + 1, &attrs, name, st);
    free(in);
    return r;
}

tact_output_t tact_split(tact_graph_t *g, tact_output_t x, int num_split, tact_output_t axis,
                         const char *name, tact_status_t *st)
{
    tact_op_attrs_t attrs = { .num = num_split };
    return ops_binary(g, TACT_OP_SPLIT, axis, x, name, &attrs, st);
}

tact_output_t tact_unstack(tact_graph_t *g, tact_output_t x, int num, int axis,
                           const char *name, tact_status_t *st)
{
    tact_op_attrs_t attrs = { .num = num, .axis = axis };
    return ops_unary(g, TACT_OP_UNPACK, x, name, &attrs, st);
}

tact_output_t tact_tile(tact_graph_t *g, tact_output_t x, tact_output_t multiples,
                        const char *name, tact_status_t *st)
{
    return ops_binary(g, TACT_OP_TILE, x, multiples, name, NULL, st);
}

tact_output_t tact_pad(tact_graph_t *g, tact_output_t x, tact_output_t paddings,
                       const char *name, tact_status_t *st)
{
    return ops_binary(g, TACT_OP_PAD, x, paddings, name, NULL, st);
}

tact_output_t tact_pad_v2(tact_graph_t *g, tact_output_t x, tact_output_t paddings,
                          tact_output_t constant_values, const char *name, tact_status_t *st)
{
    return ops_ternary(g, TACT_OP_PAD_V2, x, paddings, constant_values, name, st);
}

tact_output_t tact_gather(tact_graph_t *g, tact_output_t params, tact_output_t indices,
                          tact_output_t axis, const char *name, tact_status_t *st)
{
    return ops_ternary(g, TACT_OP_GATHER_V2, params, indices, axis, name, st);
}

tact_output_t tact_one_hot(tact_graph_t *g, tact_output_t indices, tact_output_t depth,
                           tact_output_t on_value, tact_output_t off_value, int axis,
                           const char *name, tact_status_t *st)
{
    tact_op_attrs_t attrs = { .axis = axis };
    return ops_n(g, TACT_OP_ONE_HOT, (tact_output_t[]) { indices, depth, on_value, off_value },
                 4, &attrs, name, st);
}

tact_output_t tact_range(tact_graph_t *g, tact_output_t start, tact_output_t limit,
                         tact_output_t delta, const char *name, tact_status_t *st)
{
    return ops_ternary(g, TACT_OP_RANGE, start, limit, delta, name, st);
}

tact_output_t tact_zeros_like(tact_graph_t *g, tact_output_t x, const char *name,
                              tact_status_t *st)
{
    return ops_unary(g, TACT_OP_ZEROS_LIKE, x, name, NULL, st);
}

tact_output_t tact_ones_like(tact_graph_t *g, tact_output_t x, const char *name,
                             tact_status_t *st)
{
    return ops_unary(g, TACT_OP_ONES_LIKE, x, name, NULL, st);
}

tact_output_t tact_top_k(tact_graph_t *g, tact_output_t input, tact_output_t k, bool sorted,
                         const char *name, tact_status_t *st)
{
    tact_op_attrs_t attrs = {.sorted = sorted};
    return ops_binary(g, TACT_OP_TOP_K, input, k, name, &attrs, st);
}

tact_output_t tact_resize_bilinear(tact_graph_t *g, tact_output_t images, tact_output_t size,
                                   bool align_corners, bool half_pixel_centers, const char *name,
                                   tact_status_t *st)
{
    tact_op_attrs_t attrs = {.align_corners = align_corners,
                             .half_pixel_centers = half_pixel_centers};
    return ops_binary(g, TACT_OP_RESIZE_BILINEAR, images, size, name, &attrs, st);
}

tact_output_t tact_resize_nearest_neighbor(tact_graph_t *g, tact_output_t images,
                                           tact_output_t size, bool align_corners,
                                           bool half_pixel_centers, const char *name,
                                           tact_status_t *st)
{
    tact_op_attrs_t attrs = {.align_corners = align_corners,
                             .half_pixel_centers = half_pixel_centers};
    return ops_binary(g, TACT_OP_RESIZE_NEAREST_NEIGHBOR, images, size, name, &attrs, st);
}
