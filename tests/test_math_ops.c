/* SPDX-License-Identifier: MIT */
/* The math ops (runtime/ops/math_ops.c, devices/cpu/kernels/math_kernels.c) against
 * TensorFlow: every op on the inputs of tests/data/make_math_fixtures.py, compared with the
 * answers TensorFlow gave (tests/data/math_expected.h), broadcasting, negative axes and empty
 * tensors among them; TensorFlow's default names; dtype, shape and run-time errors in
 * TensorFlow's words; a GraphDef TensorFlow wrote using the ops, and an export -> import round
 * trip of ops built in C. */
/* first: the prelude's _GNU_SOURCE precedes the system headers */
#include "runtime/graph/graph_impl.h"

#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <unistd.h>

#include <cmocka.h>

#include <tact/model.h>

#include "tests/helpers.h"

#define DIMS(...) ((const int64_t[]) { __VA_ARGS__ })
#define NODE(name) "\n\t [[{{node " name "}}]]"

/* A tensor as the fixture script writes it: values as doubles (exact for the int32, int64 and
 * float32 values used, and for bool 0 / 1). */
typedef struct mf_tensor {
    tact_dtype_t dtype;
    int ndims;
    int64_t dims[4];
    int64_t n;
    const double *v;
} mf_tensor_t;

/* One op on its inputs, with the attributes it takes (the rest left at their defaults). */
typedef struct mf_case {
    const char *op;
    int n_in;
    mf_tensor_t in[3];
    mf_tensor_t want;
    double alpha;              /* LeakyRelu */
    int n_axes;                /* Max, Min, Prod: -1 = every axis */
    int axes[4];
    bool keep_dims;
    int axis;                  /* ArgMax, ArgMin */
    tact_dtype_t out_type;     /* ArgMax, ArgMin */
} mf_case_t;

#include "tests/data/math_expected.h"

static tact_tensor_t *mf_make(const mf_tensor_t *m)
{
    size_t esz = tact_dtype_size(m->dtype);
    char *data = calloc((size_t) m->n + 1, esz);
    assert_non_null(data);
    for (int64_t i = 0; i < m->n; i++) {
        double v = m->v[i];
        switch (m->dtype) {
        case TACT_DTYPE_F32: ((float *) data)[i] = (float) v; break;
        case TACT_DTYPE_F64: ((double *) data)[i] = v; break;
        case TACT_DTYPE_I32: ((int32_t *) data)[i] = (int32_t) v; break;
        case TACT_DTYPE_I64: ((int64_t *) data)[i] = (int64_t) v; break;
        case TACT_DTYPE_BOOL: ((bool *) data)[i] = v != 0; break;
        default: fail_msg("dtype %d in a fixture", (int) m->dtype);
        }
    }
    tact_status_t st = TACT_STATUS_INIT;
    tact_tensor_t *t = tact_tensor_new(m->dtype, m->dims, m->ndims, data, &st);
    free(data);
    if (t == NULL)
        fail_msg("tensor: %s", st.msg);
    return t;
}

/* Floats within a relative 2e-6 (float32; TensorFlow's Eigen and libm differ in the last
 * bits) or 1e-12 (float64); NaN and the infinities exactly; the rest exactly. */
static bool mf_close(double got, double want, tact_dtype_t dtype)
{
    if (isnan(want))
        return isnan(got);
    if (isinf(want) || dtype == TACT_DTYPE_I32 || dtype == TACT_DTYPE_I64 ||
        dtype == TACT_DTYPE_BOOL)
        return got == want;
    double tol = dtype == TACT_DTYPE_F32 ? 2e-6 : 1e-12;
    return fabs(got - want) <= tol * fmax(fabs(want), 1e-6);
}

/* `t` equals `want` in dtype, shape and values; `what` names the case in the message. */
static void mf_check(const tact_tensor_t *t, const mf_tensor_t *want, const char *what)
{
    if (tact_tensor_dtype(t) != want->dtype)
        fail_msg("%s: dtype %s, TensorFlow gave %s", what, tact_dtype_name(tact_tensor_dtype(t)),
                 tact_dtype_name(want->dtype));
    bool same = tact_tensor_ndims(t) == want->ndims;
    for (int d = 0; same && d < want->ndims; d++)
        same = tact_tensor_dim(t, d) == want->dims[d];
    if (!same)
        fail_msg("%s: shape of %s differs from TensorFlow's", what, tu_str(t));
    const void *data = tact_tensor_data(t);
    for (int64_t i = 0; i < want->n; i++) {
        double got;
        switch (want->dtype) {
        case TACT_DTYPE_F32: got = ((const float *) data)[i]; break;
        case TACT_DTYPE_F64: got = ((const double *) data)[i]; break;
        case TACT_DTYPE_I32: got = ((const int32_t *) data)[i]; break;
        case TACT_DTYPE_I64: got = (double) ((const int64_t *) data)[i]; break;
        default: got = ((const bool *) data)[i]; break;
        }
        if (!mf_close(got, want->v[i], want->dtype))
            fail_msg("%s: element %" PRId64 " is %.9g, TensorFlow gave %.9g (%s)", what, i, got,
                     want->v[i], tu_str(t));
    }
}

/* The builder of op type `op` on inputs in[0..n). */
static tact_output_t mf_build(tact_graph_t *g, const mf_case_t *c, const tact_output_t *in,
                              tact_status_t *st)
{
    typedef tact_output_t (*unary_fn)(tact_graph_t *, tact_output_t, const char *,
                                      tact_status_t *);
    typedef tact_output_t (*binary_fn)(tact_graph_t *, tact_output_t, tact_output_t,
                                       const char *, tact_status_t *);
    static const struct { const char *op; unary_fn fn; } unary[] = {
        {"Abs", tact_abs}, {"Square", tact_square}, {"Sqrt", tact_sqrt}, {"Rsqrt", tact_rsqrt},
        {"Exp", tact_exp}, {"Log", tact_log}, {"Sign", tact_sign}, {"Floor", tact_floor},
        {"Ceil", tact_ceil}, {"Round", tact_round}, {"Reciprocal", tact_reciprocal},
        {"Relu6", tact_relu6}, {"Elu", tact_elu}, {"Softplus", tact_softplus},
        {"LogSoftmax", tact_log_softmax}, {"StopGradient", tact_stop_gradient},
        {"LogicalNot", tact_logical_not},
    };
    static const struct { const char *op; binary_fn fn; } binary[] = {
        {"Pow", tact_pow}, {"Maximum", tact_maximum}, {"Minimum", tact_minimum},
        {"FloorDiv", tact_floordiv}, {"FloorMod", tact_floormod},
        {"SquaredDifference", tact_squared_difference}, {"Equal", tact_equal},
        {"NotEqual", tact_not_equal}, {"Less", tact_less}, {"LessEqual", tact_less_equal},
        {"Greater", tact_greater}, {"GreaterEqual", tact_greater_equal},
        {"LogicalAnd", tact_logical_and}, {"LogicalOr", tact_logical_or},
    };
    for (size_t i = 0; i < sizeof unary / sizeof unary[0]; i++)
        if (strcmp(c->op, unary[i].op) == 0)
            return unary[i].fn(g, in[0], NULL, st);
    for (size_t i = 0; i < sizeof binary / sizeof binary[0]; i++)
        if (strcmp(c->op, binary[i].op) == 0)
            return binary[i].fn(g, in[0], in[1], NULL, st);
    const int *axes = c->n_axes >= 0 ? c->axes : NULL;
    if (strcmp(c->op, "LeakyRelu") == 0)
        return tact_leaky_relu(g, in[0], c->alpha, NULL, st);
    if (strcmp(c->op, "AddN") == 0)
        return tact_add_n(g, in, c->n_in, NULL, st);
    if (strcmp(c->op, "Max") == 0)
        return tact_reduce_max(g, in[0], axes, c->n_axes, c->keep_dims, NULL, st);
    if (strcmp(c->op, "Min") == 0)
        return tact_reduce_min(g, in[0], axes, c->n_axes, c->keep_dims, NULL, st);
    if (strcmp(c->op, "Prod") == 0)
        return tact_reduce_prod(g, in[0], axes, c->n_axes, c->keep_dims, NULL, st);
    if (strcmp(c->op, "ArgMax") == 0)
        return tact_argmax(g, in[0], c->axis, c->out_type, NULL, st);
    if (strcmp(c->op, "ArgMin") == 0)
        return tact_argmin(g, in[0], c->axis, c->out_type, NULL, st);
    fail_msg("no builder for %s", c->op);
    return (tact_output_t) { NULL, -1 };
}

/* Case i, its inputs fed to placeholders of their shape (known: the build-time shape is
 * TensorFlow's) or of unknown shape (the run-time checks alone). */
static void run_case(size_t i, bool unknown_shapes)
{
    const mf_case_t *c = &mf_cases[i];
    char what[96];
    snprintf(what, sizeof what, "case %zu (%s%s)", i, c->op, unknown_shapes ? ", unknown" : "");
    tact_graph_t *g = tact_graph_new();
    tact_status_t st = TACT_STATUS_INIT;
    tact_output_t in[3];
    tact_tensor_t *values[3];
    tact_feed_t feeds[3];
    for (int k = 0; k < c->n_in; k++) {
        const mf_tensor_t *m = &c->in[k];
        in[k] = tact_placeholder(g, m->dtype, m->dims, unknown_shapes ? -1 : m->ndims, NULL, &st);
        values[k] = mf_make(m);
        feeds[k] = (tact_feed_t) { in[k], values[k] };
    }
    tact_output_t y = mf_build(g, c, in, &st);
    if (st.code != TACT_CODE_OK)
        fail_msg("%s: build: %s", what, st.msg);
    assert_string_equal(tact_op_type(y.op), c->op);
    if (!unknown_shapes) {  /* the build-time shape is the run's */
        assert_int_equal(tact_output_ndims(y), c->want.ndims);
        for (int d = 0; d < c->want.ndims; d++)
            assert_int_equal(tact_output_dim(y, d), c->want.dims[d]);
    }
    assert_int_equal(tact_output_dtype(y), c->want.dtype);
    tact_session_t *s = tu_session(g, NULL);
    tact_tensor_t *got = tu_run1(s, y, feeds, c->n_in, &st);
    if (got == NULL)
        fail_msg("%s: run: %s", what, st.msg);
    mf_check(got, &c->want, what);
    tact_tensor_destroy(&got);
    for (int k = 0; k < c->n_in; k++)
        tact_tensor_destroy(&values[k]);
    tact_session_destroy(&s);
    tact_graph_destroy(&g);
}

static void test_ops_against_tensorflow(void **state)
{
    (void) state;
    for (size_t i = 0; i < sizeof mf_cases / sizeof mf_cases[0]; i++)
        run_case(i, false);
}

static void test_ops_unknown_shapes(void **state)
{
    (void) state;
    for (size_t i = 0; i < sizeof mf_cases / sizeof mf_cases[0]; i++)
        run_case(i, true);
}

/* The names tf.compat.v1's functions give (make_math_fixtures.py --errors prints them). */
static void test_default_names(void **state)
{
    (void) state;
    tact_graph_t *g = tact_graph_new();
    tact_status_t st = TACT_STATUS_INIT;
    tact_output_t a = tu_const_f32(g, DIMS(1), 1, (const float[]) { 1.0f }, NULL, &st);
    tact_output_t b = tu_const_i32(g, DIMS(1), 1, (const int32_t[]) { 2 }, NULL, &st);
    tact_output_t both[2] = { a, a };
    tact_output_t ops[18];
    int n = 0;  /* one statement each: names are taken in build order */
    ops[n++] = tact_abs(g, a, NULL, &st);
    ops[n++] = tact_rsqrt(g, a, NULL, &st);
    ops[n++] = tact_reciprocal(g, a, NULL, &st);
    ops[n++] = tact_relu6(g, a, NULL, &st);
    ops[n++] = tact_leaky_relu(g, a, 0.2, NULL, &st);
    ops[n++] = tact_log_softmax(g, a, NULL, &st);
    ops[n++] = tact_stop_gradient(g, a, NULL, &st);
    ops[n++] = tact_pow(g, a, a, NULL, &st);
    ops[n++] = tact_floordiv(g, b, b, NULL, &st);
    ops[n++] = tact_floormod(g, b, b, NULL, &st);
    ops[n++] = tact_squared_difference(g, a, a, NULL, &st);
    ops[n++] = tact_equal(g, a, a, NULL, &st);
    ops[n] = tact_logical_not(g, ops[n - 1], NULL, &st);
    n++;
    ops[n++] = tact_add_n(g, both, 2, NULL, &st);
    ops[n++] = tact_reduce_max(g, a, NULL, 0, false, NULL, &st);
    ops[n++] = tact_reduce_prod(g, a, NULL, 0, false, NULL, &st);
    ops[n++] = tact_argmax(g, a, 0, TACT_DTYPE_I64, NULL, &st);
    ops[n++] = tact_argmin(g, a, 0, TACT_DTYPE_I64, NULL, &st);
    assert_int_equal(st.code, TACT_CODE_OK);
    static const char *const want[] = {
        "Abs", "Rsqrt", "Reciprocal", "Relu6", "LeakyRelu", "LogSoftmax", "StopGradient", "Pow",
        "floordiv", "FloorMod", "SquaredDifference", "Equal", "LogicalNot", "AddN", "Max",
        "Prod", "ArgMax", "ArgMin",
    };
    assert_int_equal(n, (int) (sizeof want / sizeof want[0]));
    for (int i = 0; i < n; i++)
        assert_string_equal(tact_op_name(ops[i].op), want[i]);
    tact_graph_destroy(&g);
}

/* Building fails with INVALID_ARGUMENT and exactly `msg`. */
static void build_fails(tact_graph_t *g, tact_output_t y, const tact_status_t *st,
                        const char *msg)
{
    (void) g;
    assert_null(y.op);
    assert_int_equal(st->code, TACT_CODE_INVALID_ARGUMENT);
    assert_string_equal(st->msg, msg);
}

/* TensorFlow's builder messages (make_math_fixtures.py --errors), with tact's dtype lists:
 * TensorFlow lists every dtype its OpDef allows, tact the ones it has. */
static void test_dtype_errors(void **state)
{
    (void) state;
    tact_graph_t *g = tact_graph_new();
    tact_status_t ok = TACT_STATUS_INIT;
    tact_output_t i = tu_const_i32(g, DIMS(2), 1, (const int32_t[]) { 1, 2 }, "i", &ok);
    tact_output_t f = tu_const_f32(g, DIMS(1), 1, (const float[]) { 1.0f }, "f", &ok);
    tact_output_t bl = tact_equal(g, f, f, "bl", &ok);
    assert_int_equal(ok.code, TACT_CODE_OK);

    /* TF: "Value passed to parameter 'x' has DataType int32 not in list of allowed values:
     * bfloat16, float16, float32, float64, complex64, complex128" */
    tact_status_t st = TACT_STATUS_INIT;
    build_fails(g, tact_sqrt(g, i, NULL, &st), &st,
                "Value passed to parameter 'x' has DataType int32 not in list of allowed values: "
                "float32, float64 for 'Sqrt' (op: 'Sqrt')");
    st = (tact_status_t) TACT_STATUS_INIT;
    build_fails(g, tact_floor(g, i, NULL, &st), &st,
                "Value passed to parameter 'x' has DataType int32 not in list of allowed values: "
                "float32, float64 for 'Floor' (op: 'Floor')");
    /* TF: "Input 'x' of 'LogicalAnd' Op has type float32 that does not match expected type of
     * bool." */
    st = (tact_status_t) TACT_STATUS_INIT;
    build_fails(g, tact_logical_and(g, f, bl, NULL, &st), &st,
                "Input 'x' of 'LogicalAnd' Op has type float32 that does not match expected type "
                "of bool.");
    /* TF: "Input 'y' of 'Maximum' Op has type int32 that does not match type float32 of
     * argument 'x'." */
    st = (tact_status_t) TACT_STATUS_INIT;
    build_fails(g, tact_maximum(g, f, i, NULL, &st), &st,
                "Input 'y' of 'Maximum' Op has type int32 that does not match type float32 of "
                "argument 'x'.");
    /* TF: "Value passed to parameter 'x' has DataType bool not in list of allowed values:
     * float32, float64, int32, uint8, int16, int8, int64, bfloat16, ..." */
    st = (tact_status_t) TACT_STATUS_INIT;
    build_fails(g, tact_less(g, bl, bl, NULL, &st), &st,
                "Value passed to parameter 'x' has DataType bool not in list of allowed values: "
                "float32, float64, int32, int64 for 'Less' (op: 'Less')");
    /* TF: "Value passed to parameter 'input' has DataType bool not in list of allowed values:
     * float32, float64, int32, uint8, ..." */
    st = (tact_status_t) TACT_STATUS_INIT;
    build_fails(g, tact_reduce_prod(g, bl, NULL, 0, false, NULL, &st), &st,
                "Value passed to parameter 'input' has DataType bool not in list of allowed "
                "values: float32, float64, int32, int64 for 'Prod' (op: 'Prod')");
    /* TF: "Tensors in list passed to 'inputs' of 'AddN' Op have types [float32, int32] that
     * don't all match." */
    st = (tact_status_t) TACT_STATUS_INIT;
    tact_output_t fi[2] = { f, i };
    build_fails(g, tact_add_n(g, fi, 2, NULL, &st), &st,
                "Tensors in list passed to 'inputs' of 'AddN' Op have types [float32, int32] that "
                "don't all match.");
    st = (tact_status_t) TACT_STATUS_INIT;
    build_fails(g, tact_leaky_relu(g, i, 0.2, NULL, &st), &st,
                "Value passed to parameter 'features' has DataType int32 not in list of allowed "
                "values: float32, float64 for 'LeakyRelu' (op: 'LeakyRelu')");
    st = (tact_status_t) TACT_STATUS_INIT;
    build_fails(g, tact_argmax(g, f, 0, TACT_DTYPE_F32, NULL, &st), &st,
                "Value for attr 'output_type' of float32 is not in the list of allowed values: "
                "int32, int64 for 'ArgMax' (op: 'ArgMax')");
    tact_graph_destroy(&g);
}

/* TensorFlow's shape-function messages, in tact's (TensorFlow 1.x's) "for 'name' (op: 'Type')
 * with input shapes" form (make_math_fixtures.py --errors prints 2.21's). */
static void test_shape_errors(void **state)
{
    (void) state;
    tact_graph_t *g = tact_graph_new();
    tact_status_t ok = TACT_STATUS_INIT;
    tact_output_t m23 = tact_placeholder(g, TACT_DTYPE_F32, DIMS(2, 3), 2, "m23", &ok);
    tact_output_t v4 = tact_placeholder(g, TACT_DTYPE_F32, DIMS(4), 1, "v4", &ok);
    tact_output_t v2 = tact_placeholder(g, TACT_DTYPE_F32, DIMS(2), 1, "v2", &ok);
    tact_output_t v3 = tact_placeholder(g, TACT_DTYPE_F32, DIMS(3), 1, "v3", &ok);
    tact_output_t sc = tact_placeholder(g, TACT_DTYPE_F32, NULL, 0, "sc", &ok);
    assert_int_equal(ok.code, TACT_CODE_OK);

    tact_status_t st = TACT_STATUS_INIT;
    build_fails(g, tact_maximum(g, m23, v4, NULL, &st), &st,
                "Dimensions must be equal, but are 3 and 4 for 'Maximum' (op: 'Maximum') with "
                "input shapes: [2,3], [4].");
    st = (tact_status_t) TACT_STATUS_INIT;
    build_fails(g, tact_log_softmax(g, sc, NULL, &st), &st,
                "Shape must be at least rank 1 but is rank 0 for 'LogSoftmax' (op: 'LogSoftmax') "
                "with input shapes: [].");
    st = (tact_status_t) TACT_STATUS_INIT;
    build_fails(g, tact_reduce_max(g, m23, (const int[]) { 2 }, 1, false, NULL, &st), &st,
                "Invalid reduction dimension 2 for input with 2 dimensions. for 'Max' (op: 'Max') "
                "with input shapes: [2,3], [1].");
    st = (tact_status_t) TACT_STATUS_INIT;
    build_fails(g, tact_argmax(g, m23, 2, TACT_DTYPE_I64, NULL, &st), &st,
                "Dimension (2) must be in the range [-2, 2), where 2 is the number of dimensions "
                "in the input. for 'ArgMax' (op: 'ArgMax') with input shapes: [2,3], [].");
    st = (tact_status_t) TACT_STATUS_INIT;
    tact_output_t v23[2] = { v2, v3 };
    build_fails(g, tact_add_n(g, v23, 2, NULL, &st), &st,
                "Dimension 0 in both shapes must be equal, but are 2 and 3. Shapes are [2] and "
                "[3]. for 'AddN' (op: 'AddN') with input shapes: [2], [3].");
    tact_graph_destroy(&g);
}

/* The kernels' run-time errors, checked before anything is written. */
static void test_run_errors(void **state)
{
    (void) state;
    tact_graph_t *g = tact_graph_new();
    tact_status_t st = TACT_STATUS_INIT;
    tact_output_t pi = tact_placeholder(g, TACT_DTYPE_I32, DIMS(2), 1, "pi", &st);
    tact_output_t pl = tact_placeholder(g, TACT_DTYPE_I64, DIMS(2), 1, "pl", &st);
    tact_output_t ua = tact_placeholder(g, TACT_DTYPE_F32, DIMS(-1), 1, "ua", &st);
    tact_output_t ub = tact_placeholder(g, TACT_DTYPE_F32, DIMS(-1), 1, "ub", &st);
    tact_output_t um = tact_placeholder(g, TACT_DTYPE_F32, DIMS(-1, 3), 2, "um", &st);
    tact_output_t two = tu_const_i32(g, DIMS(2), 1, (const int32_t[]) { 1, 2 }, "two", &st);
    tact_output_t uab[2] = { ua, ub };
    tact_output_t fd = tact_floordiv(g, two, pi, "fd", &st);
    tact_output_t fm = tact_floormod(g, pl, pl, "fm", &st);
    tact_output_t pw = tact_pow(g, two, pi, "pw", &st);
    tact_output_t eq = tact_equal(g, ua, ub, "eq", &st);
    tact_output_t an = tact_add_n(g, uab, 2, "an", &st);
    tact_output_t am = tact_argmax(g, um, 0, TACT_DTYPE_I64, "am", &st);
    assert_int_equal(st.code, TACT_CODE_OK);
    tact_session_t *s = tu_session(g, NULL);

    /* TF: "Integer division by zero" (FloorDiv and FloorMod alike) */
    tact_tensor_t *z32 = tu_i32(DIMS(2), 1, (const int32_t[]) { 1, 0 });
    tact_feed_t f_fd = { pi, z32 };
    tu_run_fails(s, fd, &f_fd, 1, TACT_CODE_INVALID_ARGUMENT,
                 "Integer division by zero" NODE("fd"));
    int64_t zz[2] = { 0, 3 };
    tact_tensor_t *z64 = tact_tensor_new(TACT_DTYPE_I64, DIMS(2), 1, zz, NULL);
    tact_feed_t f_fm = { pl, z64 };
    tu_run_fails(s, fm, &f_fm, 1, TACT_CODE_INVALID_ARGUMENT,
                 "Integer division by zero" NODE("fm"));
    /* TF: "Integers to negative integer powers are not allowed" */
    tact_tensor_t *neg = tu_i32(DIMS(2), 1, (const int32_t[]) { 1, -1 });
    tact_feed_t f_pw = { pi, neg };
    tu_run_fails(s, pw, &f_pw, 1, TACT_CODE_INVALID_ARGUMENT,
                 "Integers to negative integer powers are not allowed" NODE("pw"));
    /* TF: "Incompatible shapes: [2] vs. [3]" */
    tact_tensor_t *a2 = tu_f32(DIMS(2), 1, (const float[]) { 1, 2 });
    tact_tensor_t *b3 = tu_f32(DIMS(3), 1, (const float[]) { 1, 2, 3 });
    tact_feed_t f_eq[2] = { { ua, a2 }, { ub, b3 } };
    tu_run_fails(s, eq, f_eq, 2, TACT_CODE_INVALID_ARGUMENT,
                 "Incompatible shapes: [2] vs. [3]" NODE("eq"));
    /* TensorFlow's AddN kernel words */
    tu_run_fails(s, an, f_eq, 2, TACT_CODE_INVALID_ARGUMENT,
                 "Inputs to operation an of type AddN must have the same size and shape.  Input "
                 "0: [2] != input 1: [3]" NODE("an"));
    /* TF: "Reduction axis 0 is empty in shape [0,3]" */
    tact_tensor_t *e03 = tact_tensor_new(TACT_DTYPE_F32, DIMS(0, 3), 2, NULL, NULL);
    tact_feed_t f_am = { um, e03 };
    tu_run_fails(s, am, &f_am, 1, TACT_CODE_INVALID_ARGUMENT,
                 "Reduction axis 0 is empty in shape [0,3]" NODE("am"));

    /* A good feed still runs after the failures: floor division and modulo of negatives. */
    tact_tensor_t *d = tu_i32(DIMS(2), 1, (const int32_t[]) { -2, 3 });
    tact_feed_t f_ok = { pi, d };
    tact_tensor_t *got = tu_run1(s, fd, &f_ok, 1, &st);
    assert_non_null(got);
    assert_int_equal(((const int32_t *) tact_tensor_data(got))[0], -1);  /* floor(1 / -2) */
    assert_int_equal(((const int32_t *) tact_tensor_data(got))[1], 0);
    tact_tensor_destroy(&got);

    tact_tensor_destroy(&d);
    tact_tensor_destroy(&e03);
    tact_tensor_destroy(&a2);
    tact_tensor_destroy(&b3);
    tact_tensor_destroy(&neg);
    tact_tensor_destroy(&z64);
    tact_tensor_destroy(&z32);
    tact_session_destroy(&s);
    tact_graph_destroy(&g);
}

/* Reciprocal on int32 builds (TensorFlow's OpDef allows it) but no device has a kernel, as in
 * TensorFlow ("No OpKernel was registered to support Op 'Reciprocal' ... T=DT_INT32"). */
static void test_no_integer_reciprocal_kernel(void **state)
{
    (void) state;
    tact_graph_t *g = tact_graph_new();
    tact_status_t st = TACT_STATUS_INIT;
    tact_output_t i = tu_const_i32(g, DIMS(1), 1, (const int32_t[]) { 2 }, NULL, &st);
    tact_output_t r = tact_reciprocal(g, i, NULL, &st);
    assert_int_equal(st.code, TACT_CODE_OK);
    tact_session_t *s = tu_session(g, NULL);
    tact_tensor_t *got = tu_run1(s, r, NULL, 0, &st);
    assert_null(got);
    assert_int_not_equal(st.code, TACT_CODE_OK);
    assert_true(tu_contains(st.msg, "Reciprocal"));
    tact_session_destroy(&s);
    tact_graph_destroy(&g);
}

static void data_path(char *buf, size_t cap, const char *name)
{
    snprintf(buf, cap, "%s/%s", TACT_TEST_DATA_DIR, name);
}

/* Feed x, fetch every output of mf_graph_outputs from g (imported from math_ops.pbtxt or its
 * round trip) and compare with TensorFlow's answers. */
static void check_graph_answers(tact_graph_t *g, const char *what)
{
    tact_status_t st = TACT_STATUS_INIT;
    tact_output_t x = tact_graph_output(g, "x:0", &st);
    assert_int_equal(st.code, TACT_CODE_OK);
    tact_tensor_t *xv = mf_make(&mf_graph_x);
    tact_feed_t feed = { x, xv };
    tact_session_t *s = tu_session(g, NULL);
    for (size_t i = 0; i < sizeof mf_graph_outputs / sizeof mf_graph_outputs[0]; i++) {
        tact_output_t y = tact_graph_output(g, mf_graph_outputs[i].name, &st);
        if (st.code != TACT_CODE_OK)
            fail_msg("%s: %s", what, st.msg);
        tact_tensor_t *got = tu_run1(s, y, &feed, 1, &st);
        if (got == NULL)
            fail_msg("%s: %s: %s", what, mf_graph_outputs[i].name, st.msg);
        char label[128];
        snprintf(label, sizeof label, "%s %s", what, mf_graph_outputs[i].name);
        mf_check(got, &mf_graph_outputs[i].want, label);
        tact_tensor_destroy(&got);
    }
    tact_tensor_destroy(&xv);
    tact_session_destroy(&s);
}

/* A GraphDef TensorFlow wrote with the math ops (make_math_fixtures.py): TensorFlow's answers,
 * then the same after export and a fresh import. */
static void test_graphdef_import_export(void **state)
{
    (void) state;
    char path[512];
    data_path(path, sizeof path, "math_ops.pbtxt");
    tact_graph_t *g = tact_graph_new();
    tact_status_t st = TACT_STATUS_INIT;
    if (tact_graph_import_file(g, path, NULL, &st) != TACT_CODE_OK)
        fail_msg("import: %s", st.msg);
    assert_string_equal(tact_op_type(tact_graph_op(g, "am")), "ArgMax");
    check_graph_answers(g, "imported");

    void *data = NULL;
    size_t len = 0;
    assert_int_equal(tact_graph_export(g, &data, &len, &st), TACT_CODE_OK);
    tact_graph_t *g2 = tact_graph_new();
    if (tact_graph_import(g2, data, len, NULL, &st) != TACT_CODE_OK)
        fail_msg("re-import: %s", st.msg);
    check_graph_answers(g2, "round trip");
    if (getenv("TACT_WRITE_FIXTURES") != NULL) {  /* for make_math_fixtures.py --check */
        data_path(path, sizeof path, "math_tact_roundtrip.pbtxt");
        assert_int_equal(tact_graph_export_file(g2, path, true, &st), TACT_CODE_OK);
    }
    free(data);
    tact_graph_destroy(&g2);
    tact_graph_destroy(&g);
}

/* Ops built in C export with the Const inputs and attrs TensorFlow's OpDefs want (axes,
 * dimension, alpha, N, output_type) and come back the same. */
static void test_export_built_in_c(void **state)
{
    (void) state;
    tact_graph_t *g = tact_graph_new();
    tact_status_t st = TACT_STATUS_INIT;
    tact_output_t x = tu_const_f32(g, DIMS(2, 3), 2,
                                   (const float[]) { -1.0f, 4.0f, 2.0f, 3.0f, -5.0f, 0.5f }, "x",
                                   &st);
    tact_output_t lr = tact_leaky_relu(g, x, 0.5, "lr", &st);
    tact_output_t two[2] = { lr, x };
    tact_output_t sum = tact_add_n(g, two, 2, "sum", &st);
    tact_reduce_min(g, sum, (const int[]) { -1 }, 1, true, "mn", &st);
    tact_argmin(g, sum, -1, TACT_DTYPE_I32, "amn", &st);
    tact_reduce_prod(g, x, NULL, 0, false, "pr", &st);
    assert_int_equal(st.code, TACT_CODE_OK);

    void *data = NULL;
    size_t len = 0;
    assert_int_equal(tact_graph_export(g, &data, &len, &st), TACT_CODE_OK);
    if (getenv("TACT_WRITE_FIXTURES") != NULL) {  /* for make_math_fixtures.py --check */
        char path[512];
        data_path(path, sizeof path, "math_tact_exported.pbtxt");
        assert_int_equal(tact_graph_export_file(g, path, true, &st), TACT_CODE_OK);
    }
    tact_graph_t *g2 = tact_graph_new();
    if (tact_graph_import(g2, data, len, NULL, &st) != TACT_CODE_OK)
        fail_msg("re-import: %s", st.msg);
    free(data);
    tact_session_t *s = tu_session(g2, NULL);
    /* sum = [[-1.5, 8, 4], [6, -7.5, 1]] (leaky_relu alpha 0.5 plus x) */
    tact_tensor_t *mn = tu_run1(s, tact_graph_output(g2, "mn:0", &st), NULL, 0, &st);
    assert_non_null(mn);
    assert_true(tu_f32_equal(mn, DIMS(2, 1), 2, (const float[]) { -1.5f, -7.5f }));
    tact_tensor_t *amn = tu_run1(s, tact_graph_output(g2, "amn:0", &st), NULL, 0, &st);
    assert_non_null(amn);
    assert_int_equal(tact_tensor_dtype(amn), TACT_DTYPE_I32);
    assert_int_equal(((const int32_t *) tact_tensor_data(amn))[0], 0);
    assert_int_equal(((const int32_t *) tact_tensor_data(amn))[1], 1);
    tact_tensor_t *pr = tu_run1(s, tact_graph_output(g2, "pr:0", &st), NULL, 0, &st);
    assert_non_null(pr);
    assert_true(tu_f32_equal(pr, NULL, 0, (const float[]) { 60.0f }));
    assert_string_equal(tact_op_type(tact_graph_op(g2, "amn/dimension")), "Const");
    tact_tensor_destroy(&mn);
    tact_tensor_destroy(&amn);
    tact_tensor_destroy(&pr);
    tact_session_destroy(&s);
    tact_graph_destroy(&g2);
    tact_graph_destroy(&g);
}

/* An AddN whose NodeDef's N disagrees with its inputs is refused at import, naming the node. */
static void test_import_add_n_mismatch(void **state)
{
    (void) state;
    static const char text[] =
        "node { name: 'a' op: 'Const' attr { key: 'dtype' value { type: DT_FLOAT } }"
        "  attr { key: 'value' value { tensor { dtype: DT_FLOAT tensor_shape { }"
        "  float_val: 1 } } } }"
        "node { name: 's' op: 'AddN' input: 'a' input: 'a'"
        "  attr { key: 'N' value { i: 3 } } attr { key: 'T' value { type: DT_FLOAT } } }";
    char path[] = "/tmp/tact_math_ops_XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    close(fd);
    tu_write_file(path, text, sizeof text - 1);
    tact_graph_t *g = tact_graph_new();
    tact_status_t st = TACT_STATUS_INIT;
    tact_code_t rc = tact_graph_import_file(g, path, NULL, &st);
    unlink(path);
    assert_int_equal(rc, TACT_CODE_INVALID_ARGUMENT);
    assert_string_equal(st.msg, "Node 's': AddN takes 3 inputs (by its attributes), but the "
                                "NodeDef has 2");
    assert_int_equal(tact_graph_num_ops(g), 0);
    tact_graph_destroy(&g);
}

static tact_code_t import_text(tact_graph_t *g, const char *text, tact_status_t *st)
{
    char path[] = "/tmp/tact_math_ops_XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    close(fd);
    tu_write_file(path, text, strlen(text));
    tact_code_t rc = tact_graph_import_file(g, path, NULL, st);
    unlink(path);
    return rc;
}

/* IsFinite (reduce_logsumexp's guard) from a GraphDef: TensorFlow's mask of a float64 with
 * infinities and a NaN, [[True False False] [False True True]]; an int32 input refused as
 * TensorFlow refuses it ("... has DataType int32 not in list of allowed values: bfloat16,
 * float16, float32, float64"). */
static void test_is_finite(void **state)
{
    (void) state;
    tact_graph_t *g = tact_graph_new();
    tact_status_t st = TACT_STATUS_INIT;
    if (import_text(g, "node { name: 'x' op: 'Placeholder' attr { key: 'dtype' value { type: "
                       "DT_DOUBLE } } }"
                       "node { name: 'f' op: 'IsFinite' input: 'x' attr { key: 'T' value { "
                       "type: DT_DOUBLE } } }", &st) != TACT_CODE_OK)
        fail_msg("import: %s", st.msg);
    tact_output_t x = tact_graph_output(g, "x:0", &st), f = tact_graph_output(g, "f:0", &st);
    assert_int_equal(tact_output_dtype(f), TACT_DTYPE_BOOL);
    const double xs[6] = {1.0, INFINITY, -INFINITY, NAN, 0.0, 1.7e308};
    tact_tensor_t *xin = tact_tensor_new(TACT_DTYPE_F64, DIMS(2, 3), 2, xs, &st);
    tact_feed_t feed = {x, xin};
    tact_session_t *s = tu_session(g, NULL);
    tact_tensor_t *r = tu_run1(s, f, &feed, 1, &st);
    if (r == NULL)
        fail_msg("run: %s", st.msg);
    assert_int_equal(tact_tensor_dtype(r), TACT_DTYPE_BOOL);
    assert_int_equal(tact_tensor_dim(r, 0), 2);
    assert_int_equal(tact_tensor_dim(r, 1), 3);
    static const bool want[6] = {true, false, false, false, true, true};
    assert_memory_equal(tact_tensor_data(r), want, sizeof want);
    tact_tensor_destroy(&r);
    tact_tensor_destroy(&xin);
    tact_session_destroy(&s);
    tact_graph_destroy(&g);

    g = tact_graph_new();
    st = (tact_status_t) TACT_STATUS_INIT;
    assert_int_equal(import_text(g, "node { name: 'i' op: 'Placeholder' attr { key: 'dtype' "
                                    "value { type: DT_INT32 } } }"
                                    "node { name: 'f' op: 'IsFinite' input: 'i' attr { key: 'T' "
                                    "value { type: DT_INT32 } } }", &st),
                     TACT_CODE_INVALID_ARGUMENT);
    assert_string_equal(st.msg, "Value passed to parameter 'x' has DataType int32 not in list "
                                "of allowed values: float32, float64 for 'f' (op: 'IsFinite')");
    assert_int_equal(tact_graph_num_ops(g), 0);
    tact_graph_destroy(&g);
}

/* Erfc, Selu and Softsign (Keras' gelu, selu and softsign activations) from a GraphDef, on
 * float32 [-3, -1, -0.5, 0, 0.5, 4]: TensorFlow's outputs (tf.math.erfc, tf.nn.selu,
 * tf.nn.softsign); an int32 input refused as TensorFlow refuses it. */
static void test_keras_activation_ops(void **state)
{
    (void) state;
    static const struct {
        const char *op;
        float want[6];
    } cases[] = {
        {"Erfc", {1.99997795f, 1.84270072f, 1.52049994f, 1.0f, 0.479500115f, 1.54172568e-08f}},
        {"Selu", {-1.6705687f, -1.11133075f, -0.691758156f, 0.0f, 0.525350511f, 4.20280409f}},
        {"Softsign", {-0.75f, -0.5f, -0.333333343f, 0.0f, 0.333333343f, 0.800000012f}},
    };
    static const float xs[6] = {-3.0f, -1.0f, -0.5f, 0.0f, 0.5f, 4.0f};
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char text[512];
        snprintf(text, sizeof text, "node { name: 'x' op: 'Placeholder' attr { key: 'dtype' "
                 "value { type: DT_FLOAT } } } node { name: 'f' op: '%s' input: 'x' attr { key: "
                 "'T' value { type: DT_FLOAT } } }", cases[i].op);
        tact_graph_t *g = tact_graph_new();
        tact_status_t st = TACT_STATUS_INIT;
        if (import_text(g, text, &st) != TACT_CODE_OK)
            fail_msg("%s: import: %s", cases[i].op, st.msg);
        tact_output_t x = tact_graph_output(g, "x:0", &st), f = tact_graph_output(g, "f:0", &st);
        tact_tensor_t *xin = tu_f32(DIMS(6), 1, xs);
        tact_feed_t feed = {x, xin};
        tact_session_t *s = tu_session(g, NULL);
        tact_tensor_t *r = tu_run1(s, f, &feed, 1, &st);
        if (r == NULL)
            fail_msg("%s: run: %s", cases[i].op, st.msg);
        const float *got = tact_tensor_data(r);
        for (int k = 0; k < 6; k++)
            if (!(fabsf(got[k] - cases[i].want[k]) <= 1e-6f * fmaxf(1.0f, fabsf(cases[i].want[k]))))
                fail_msg("%s(%g): %.9g, TensorFlow %.9g", cases[i].op, xs[k], got[k],
                         cases[i].want[k]);
        tact_tensor_destroy(&r);
        tact_tensor_destroy(&xin);
        tact_session_destroy(&s);
        tact_graph_destroy(&g);
    }
    tact_graph_t *g = tact_graph_new();
    tact_status_t st = TACT_STATUS_INIT;
    assert_int_equal(import_text(g, "node { name: 'i' op: 'Placeholder' attr { key: 'dtype' "
                                    "value { type: DT_INT32 } } }"
                                    "node { name: 'f' op: 'Selu' input: 'i' attr { key: 'T' "
                                    "value { type: DT_INT32 } } }", &st),
                     TACT_CODE_INVALID_ARGUMENT);
    assert_string_equal(st.msg, "Value passed to parameter 'features' has DataType int32 not in "
                                "list of allowed values: float32, float64 for 'f' (op: 'Selu')");
    tact_graph_destroy(&g);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_ops_against_tensorflow),
        cmocka_unit_test(test_ops_unknown_shapes),
        cmocka_unit_test(test_default_names),
        cmocka_unit_test(test_dtype_errors),
        cmocka_unit_test(test_shape_errors),
        cmocka_unit_test(test_run_errors),
        cmocka_unit_test(test_no_integer_reciprocal_kernel),
        cmocka_unit_test(test_graphdef_import_export),
        cmocka_unit_test(test_export_built_in_c),
        cmocka_unit_test(test_import_add_n_mismatch),
        cmocka_unit_test(test_is_finite),
        cmocka_unit_test(test_keras_activation_ops),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
