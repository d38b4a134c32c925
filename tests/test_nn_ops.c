/* SPDX-License-Identifier: MIT */
/* The neural-network ops (runtime/ops/nn_ops.c, devices/cpu/kernels/nn_kernels.c) against
 * TensorFlow: Conv2D, DepthwiseConv2dNative, MaxPool, AvgPool, FusedBatchNormV3 and
 * BatchMatMulV2 on TensorFlow's inputs and outputs (tests/data/nn_cases.h, made by
 * tests/data/make_cnn_fixtures.py), their build-time and run-time errors in TensorFlow's
 * words, their GraphDef attributes, FusedBatchNormV3 in training and NCHW, and a small CNN
 * frozen by TensorFlow. */
/* first: the prelude's _GNU_SOURCE precedes the system headers */
#include "runtime/graph/graph_impl.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <unistd.h>

#include <cmocka.h>

#include <tact/model.h>

#include "tests/helpers.h"
#include "tests/data/nn_cases.h"

#define DIMS(...) ((const int64_t[]) { __VA_ARGS__ })
#define N_CASES ((int) (sizeof nn_cases / sizeof nn_cases[0]))

/* A fed value (feeds hold them const). */
static void drop(const tact_tensor_t *t)
{
    tact_tensor_t *owned = (tact_tensor_t *) t;
    tact_tensor_destroy(&owned);
}

static tact_output_t ph(tact_graph_t *g, const int64_t *dims, int ndims, const char *name)
{
    tact_status_t st = TACT_STATUS_INIT;
    tact_output_t p = tact_placeholder(g, TACT_DTYPE_F32, dims, ndims, name, &st);
    assert_int_equal(st.code, TACT_CODE_OK);
    return p;
}

static tact_output_t case_op(tact_graph_t *g, const nn_case_t *c, const tact_output_t *in,
                             tact_status_t *st)
{
    switch (c->op) {
    case NN_CONV2D:
        return tact_conv2d(g, in[0], in[1], &c->opts, "op", st);
    case NN_DEPTHWISE:
        return tact_depthwise_conv2d(g, in[0], in[1], &c->opts, "op", st);
    case NN_MAX_POOL:
        return tact_max_pool(g, in[0], &c->opts, "op", st);
    case NN_AVG_POOL:
        return tact_avg_pool(g, in[0], &c->opts, "op", st);
    case NN_BATCH_NORM:
        return tact_fused_batch_norm(g, in[0], in[1], in[2], in[3], in[4], c->epsilon, "op", st);
    default:
        return tact_batch_matmul(g, in[0], in[1], c->adj_x, c->adj_y, "op", st);
    }
}

static void assert_close(const char *what, const tact_tensor_t *got, int ndims,
                         const int64_t *dims, const float *want, float tol)
{
    assert_non_null(got);
    assert_int_equal(tact_tensor_dtype(got), TACT_DTYPE_F32);
    assert_int_equal(tact_tensor_ndims(got), ndims);
    for (int d = 0; d < ndims; d++)
        assert_int_equal(tact_tensor_dim(got, d), dims[d]);
    const float *a = tact_tensor_data(got);
    for (int64_t i = 0; i < tact_tensor_nelems(got); i++)
        if (!(fabsf(a[i] - want[i]) <= tol * (1.0f + fabsf(want[i]))))
            fail_msg("%s: element %" PRId64 ": %.9g, TensorFlow %.9g", what, i, a[i], want[i]);
}

/* Every case twice: its inputs as placeholders of known shape (the build-time shape function
 * must give TensorFlow's output shape) and of unknown rank (only the run knows the shapes). */
static void test_cases_match_tensorflow(void **state)
{
    (void) state;
    for (int known = 0; known < 2; known++) {
        for (int i = 0; i < N_CASES; i++) {
            const nn_case_t *c = &nn_cases[i];
            tact_graph_t *g = tact_graph_new();
            tact_status_t st = TACT_STATUS_INIT;
            tact_output_t in[5];
            tact_feed_t feeds[5];
            for (int k = 0; k < c->n_in; k++) {
                char name[16];
                snprintf(name, sizeof name, "in%d", k);
                in[k] = known ? ph(g, c->dims[k], c->ndims[k], name) : ph(g, NULL, -1, name);
                feeds[k] = (tact_feed_t) {in[k], tu_f32(c->dims[k], c->ndims[k], c->data[k])};
            }
            tact_output_t y = case_op(g, c, in, &st);
            if (st.code != TACT_CODE_OK)
                fail_msg("%s: %s", c->name, st.msg);
            if (known) {
                assert_int_equal(tact_output_ndims(y), c->out_ndims);
                for (int d = 0; d < c->out_ndims; d++)
                    assert_int_equal(tact_output_dim(y, d), c->out_dims[d]);
            }
            tact_session_t *s = tu_session(g, NULL);
            tact_tensor_t *r = tu_run1(s, y, feeds, c->n_in, &st);
            if (r == NULL)
                fail_msg("%s: %s", c->name, st.msg);
            assert_close(c->name, r, c->out_ndims, c->out_dims, c->expected, 1e-4f);
            tact_tensor_destroy(&r);
            for (int k = 0; k < c->n_in; k++)
                drop(feeds[k].value);
            tact_session_destroy(&s);
            tact_graph_destroy(&g);
        }
    }
}

/* FusedBatchNormV3 in inference: batch_mean and batch_variance are the given mean and
 * variance, as TensorFlow's CPU kernel answers (an empty batch gives NaN means and variances
 * there), reserve_space_3 a scalar; the reserve spaces, which TensorFlow leaves unset in
 * inference (zeros in NHWC, stray values in NCHW), are zeros. */
static void test_batch_norm_outputs(void **state)
{
    (void) state;
    tact_graph_t *g = tact_graph_new();
    tact_status_t st = TACT_STATUS_INIT;
    tact_output_t x = ph(g, DIMS(-1, 3, 3, 2), 4, "x");
    tact_output_t scale = tu_const_f32(g, DIMS(2), 1, (const float[]) {1, 2}, "scale", &st);
    tact_output_t offset = tu_const_f32(g, DIMS(2), 1, (const float[]) {.5f, -.5f}, "offset",
                                        &st);
    tact_output_t mean = tu_const_f32(g, DIMS(2), 1, (const float[]) {.1f, .2f}, "mean", &st);
    tact_output_t var = tu_const_f32(g, DIMS(2), 1, (const float[]) {.3f, .4f}, "var", &st);
    tact_output_t y = tact_fused_batch_norm(g, x, scale, offset, mean, var, 0.001f, NULL, &st);
    assert_int_equal(st.code, TACT_CODE_OK);
    assert_string_equal(tact_op_name(y.op), "FusedBatchNormV3");
    assert_int_equal(tact_op_num_outputs(y.op), 6);
    assert_int_equal(tact_output_ndims((tact_output_t) {y.op, 5}), -1);
    assert_int_equal(tact_output_dim((tact_output_t) {y.op, 1}, 0), 2);
    tact_session_t *s = tu_session(g, NULL);
    for (int empty = 0; empty < 2; empty++) {
        float xv[36] = {0};
        tact_feed_t feed = {x, tu_f32(DIMS(empty ? 0 : 2, 3, 3, 2), 4, xv)};
        tact_output_t fetch[5];
        tact_tensor_t *r[5] = {NULL};
        for (int i = 0; i < 5; i++)
            fetch[i] = (tact_output_t) {y.op, i + 1};
        assert_int_equal(tact_session_run(s, fetch, 5, r, &feed, 1, NULL, 0, &st), TACT_CODE_OK);
        const float *m = tact_tensor_data(r[0]), *v = tact_tensor_data(r[1]);
        if (empty) {
            assert_true(isnan(m[0]) && isnan(m[1]) && isnan(v[0]) && isnan(v[1]));
        } else {
            assert_true(tu_f32_equal(r[0], DIMS(2), 1, (const float[]) {.1f, .2f}));
            assert_true(tu_f32_equal(r[1], DIMS(2), 1, (const float[]) {.3f, .4f}));
        }
        assert_true(tu_f32_equal(r[2], DIMS(2), 1, (const float[]) {0, 0}));
        assert_true(tu_f32_equal(r[3], DIMS(2), 1, (const float[]) {0, 0}));
        assert_true(tu_f32_equal(r[4], NULL, 0, (const float[]) {0}));
        for (int i = 0; i < 5; i++)
            tact_tensor_destroy(&r[i]);
        drop(feed.value);
    }
    tact_session_destroy(&s);
    tact_graph_destroy(&g);
}

/* Partly known shapes infer as TensorFlow's shape functions do (tf.compat.v1 printed
 * (None, 3, 4, 2), (None, None, None, 2), (None, 3, 4, 6), (None, 2, None, 3), (2, None, 3, 5)
 * and <unknown> for these). */
static void assert_shape(tact_output_t y, int ndims, const int64_t *dims)
{
    assert_non_null(y.op);
    assert_int_equal(tact_output_ndims(y), ndims);
    for (int d = 0; d < ndims; d++)
        assert_int_equal(tact_output_dim(y, d), dims[d]);
}

static void test_partial_shapes(void **state)
{
    (void) state;
    tact_graph_t *g = tact_graph_new();
    tact_status_t st = TACT_STATUS_INIT;
    tact_output_t x = ph(g, DIMS(-1, 5, 7, 3), 4, "x"), f = ph(g, DIMS(-1, -1, 3, 2), 4, "f");
    tact_conv_options_t same2 = {.strides = {1, 2, 2, 1}, .padding = TACT_PADDING_SAME};
    tact_conv_options_t valid = {.padding = TACT_PADDING_VALID};
    assert_shape(tact_conv2d(g, x, f, &same2, NULL, &st), 4, DIMS(-1, 3, 4, 2));
    assert_shape(tact_conv2d(g, x, f, &valid, NULL, &st), 4, DIMS(-1, -1, -1, 2));
    assert_shape(tact_depthwise_conv2d(g, x, f, &same2, NULL, &st), 4, DIMS(-1, 3, 4, 6));
    tact_conv_options_t pool = {.ksize = {1, 2, 2, 1}, .strides = {1, 2, 2, 1},
                                .padding = TACT_PADDING_VALID};
    assert_shape(tact_max_pool(g, ph(g, DIMS(-1, 5, -1, 3), 4, NULL), &pool, NULL, &st), 4,
                 DIMS(-1, 2, -1, 3));
    assert_shape(tact_batch_matmul(g, ph(g, DIMS(-1, 3, 4), 3, NULL),
                                   ph(g, DIMS(2, 1, 4, 5), 4, NULL), false, false, NULL, &st),
                 4, DIMS(2, -1, 3, 5));
    assert_shape(tact_batch_matmul(g, ph(g, NULL, -1, NULL), ph(g, DIMS(4, 5), 2, NULL), false,
                                   false, NULL, &st), -1, NULL);
    assert_int_equal(st.code, TACT_CODE_OK);
    tact_graph_destroy(&g);
}

/* ---- build-time errors: TensorFlow's shape functions ---- */

typedef struct build_err {
    nn_case_op_t op;
    tact_conv_options_t opts;
    int nx, nf;
    int64_t x[5], f[5];
    const char *msg;
} build_err_t;

#define S1 {1, 1, 1, 1}
static const build_err_t build_errs[] = {
    {NN_CONV2D, {.strides = S1, .padding = TACT_PADDING_SAME}, 3, 4, {1, 5, 5}, {3, 3, 3, 2},
     "Shape must be rank 4 but is rank 3 for 'op' (op: 'Conv2D') with input shapes: [1,5,5], "
     "[3,3,3,2]."},
    {NN_CONV2D, {.strides = S1, .padding = TACT_PADDING_SAME}, 4, 3, {1, 5, 5, 3}, {3, 3, 3},
     "Shape must be rank 4 but is rank 3 for 'op' (op: 'Conv2D') with input shapes: [1,5,5,3], "
     "[3,3,3]."},
    {NN_CONV2D, {.strides = S1, .padding = TACT_PADDING_SAME}, 4, 4, {1, 5, 5, 4}, {3, 3, 3, 2},
     "Depth of input (4) is not a multiple of input depth of filter (3) for 'op' (op: 'Conv2D') "
     "with input shapes: [1,5,5,4], [3,3,3,2]."},
    {NN_CONV2D, {.strides = S1, .padding = TACT_PADDING_SAME}, 4, 4, {1, 5, 5, 3}, {3, 3, 0, 2},
     "Depth of filter must not be 0 for 'op' (op: 'Conv2D') with input shapes: [1,5,5,3], "
     "[3,3,0,2]."},
    {NN_CONV2D, {.strides = S1, .padding = TACT_PADDING_VALID}, 4, 4, {1, 2, 2, 3}, {3, 3, 3, 2},
     "Negative dimension size caused by subtracting 3 from 2 for 'op' (op: 'Conv2D') with input "
     "shapes: [1,2,2,3], [3,3,3,2]."},
    {NN_CONV2D, {.strides = {1, 0, 1, 1}, .padding = TACT_PADDING_SAME}, 4, 4, {1, 5, 5, 3},
     {3, 3, 3, 2}, "Stride must be > 0, but got 0 for 'op' (op: 'Conv2D') with input shapes: "
     "[1,5,5,3], [3,3,3,2]."},
    {NN_CONV2D, {.strides = S1, .padding = TACT_PADDING_SAME, .dilations = {1, 0, 1, 1}}, 4, 4,
     {1, 5, 5, 3}, {3, 3, 3, 2}, "Dilation rate must be >= 1, but got 0 for 'op' (op: 'Conv2D') "
     "with input shapes: [1,5,5,3], [3,3,3,2]."},
    {NN_CONV2D, {.strides = S1, .padding = TACT_PADDING_EXPLICIT,
                 .explicit_paddings = {0, 0, 1, 1, -1, 1, 0, 0}}, 4, 4, {1, 5, 5, 3},
     {3, 3, 3, 2}, "All elements of explicit_paddings must be nonnegative for 'op' (op: "
     "'Conv2D') with input shapes: [1,5,5,3], [3,3,3,2]."},
    {NN_CONV2D, {.strides = S1, .padding = TACT_PADDING_EXPLICIT,
                 .explicit_paddings = {1, 0, 1, 1, 1, 1, 0, 0}}, 4, 4, {1, 5, 5, 3},
     {3, 3, 3, 2}, "Nonzero explicit padding in the batch or depth dimensions is not supported "
     "for 'op' (op: 'Conv2D') with input shapes: [1,5,5,3], [3,3,3,2]."},
    {NN_DEPTHWISE, {.strides = S1, .padding = TACT_PADDING_SAME}, 3, 4, {1, 5, 5}, {3, 3, 3, 2},
     "Shape must be rank 4 but is rank 3 for 'op' (op: 'DepthwiseConv2dNative') with input "
     "shapes: [1,5,5], [3,3,3,2]."},
    {NN_DEPTHWISE, {.strides = S1, .padding = TACT_PADDING_SAME}, 4, 4, {1, 5, 5, 4},
     {3, 3, 3, 2}, "Dimensions must be equal, but are 4 and 3 for 'op' (op: "
     "'DepthwiseConv2dNative') with input shapes: [1,5,5,4], [3,3,3,2]."},
    {NN_DEPTHWISE, {.strides = S1, .padding = TACT_PADDING_VALID}, 4, 4, {1, 2, 2, 3},
     {3, 3, 3, 2}, "Negative dimension size caused by subtracting 3 from 2 for 'op' (op: "
     "'DepthwiseConv2dNative') with input shapes: [1,2,2,3], [3,3,3,2]."},
    {NN_MAX_POOL, {.ksize = {1, 2, 2, 1}, .strides = {1, 2, 2, 1},
                   .padding = TACT_PADDING_SAME}, 3, 0, {1, 5, 5}, {0},
     "Shape must be rank 4 but is rank 3 for 'op' (op: 'MaxPool') with input shapes: [1,5,5]."},
    {NN_MAX_POOL, {.ksize = {1, 6, 6, 1}, .strides = {1, 2, 2, 1},
                   .padding = TACT_PADDING_VALID}, 4, 0, {1, 5, 5, 3}, {0},
     "Negative dimension size caused by subtracting 6 from 5 for 'op' (op: 'MaxPool') with "
     "input shapes: [1,5,5,3]."},
    {NN_MAX_POOL, {.ksize = {1, 2, 2, 1}, .strides = {1, 0, 2, 1},
                   .padding = TACT_PADDING_VALID}, 4, 0, {1, 5, 5, 3}, {0},
     "Stride must be > 0, but got 0 for 'op' (op: 'MaxPool') with input shapes: [1,5,5,3]."},
    {NN_AVG_POOL, {.ksize = {1, 2, 2, 1}, .strides = {1, 2, 2, 1},
                   .padding = TACT_PADDING_SAME}, 3, 0, {1, 5, 5}, {0},
     "Shape must be rank 4 but is rank 3 for 'op' (op: 'AvgPool') with input shapes: [1,5,5]."},
    {NN_AVG_POOL, {.ksize = {1, 6, 6, 1}, .strides = {1, 2, 2, 1},
                   .padding = TACT_PADDING_VALID}, 4, 0, {1, 5, 5, 3}, {0},
     "Negative dimension size caused by subtracting 6 from 5 for 'op' (op: 'AvgPool') with "
     "input shapes: [1,5,5,3]."},
    {NN_AVG_POOL, {.ksize = {1, 2, 2, 1}, .strides = {1, 2, 2, 1},
                   .padding = TACT_PADDING_EXPLICIT}, 4, 0, {1, 5, 5, 3}, {0},
     "Attr 'padding' of 'AvgPool' Op passed string 'EXPLICIT' not in: \"SAME\", \"VALID\"."},
    {NN_BATCH_MATMUL, {.padding = 0}, 1, 2, {3}, {3, 3},
     "Shape must be at least rank 2 but is rank 1 for 'op' (op: 'BatchMatMulV2') with input "
     "shapes: [3], [3,3]."},
    {NN_BATCH_MATMUL, {.padding = 0}, 3, 3, {2, 3, 4}, {2, 5, 6},
     "Dimensions must be equal, but are 4 and 5 for 'op' (op: 'BatchMatMulV2') with input "
     "shapes: [2,3,4], [2,5,6]."},
    {NN_BATCH_MATMUL, {.padding = 0}, 3, 3, {2, 3, 4}, {3, 4, 6},
     "Dimensions must be equal, but are 2 and 3 for 'op' (op: 'BatchMatMulV2') with input "
     "shapes: [2,3,4], [3,4,6]."},
};

static void test_build_errors(void **state)
{
    (void) state;
    for (size_t i = 0; i < sizeof build_errs / sizeof build_errs[0]; i++) {
        const build_err_t *e = &build_errs[i];
        tact_graph_t *g = tact_graph_new();
        tact_status_t st = TACT_STATUS_INIT;
        tact_output_t in[2] = {ph(g, e->x, e->nx, "x"),
                               e->nf > 0 ? ph(g, e->f, e->nf, "f") : (tact_output_t) {0}};
        nn_case_t c = {.op = e->op, .opts = e->opts};
        tact_output_t y = case_op(g, &c, in, &st);
        assert_null(y.op);
        assert_int_equal(st.code, TACT_CODE_INVALID_ARGUMENT);
        assert_string_equal(st.msg, e->msg);
        tact_graph_destroy(&g);
    }
}

static void test_batch_norm_build_errors(void **state)
{
    (void) state;
    static const struct {
        int64_t x[4];
        int nx;
        int64_t v[2];
        int nv, which;
        const char *msg;
    } errs[] = {
        {{1, 5, 5}, 3, {3}, 1, 1, "Shape must be rank 4 but is rank 3 for 'op' (op: "
         "'FusedBatchNormV3') with input shapes: [1,5,5], [3], [3], [3], [3]."},
        {{1, 5, 5, 3}, 4, {3, 1}, 2, 1, "Shape must be rank 1 but is rank 2 for 'op' (op: "
         "'FusedBatchNormV3') with input shapes: [1,5,5,3], [3,1], [3], [3], [3]."},
        {{1, 5, 5, 3}, 4, {4}, 1, 1, "Dimensions must be equal, but are 3 and 4 for 'op' (op: "
         "'FusedBatchNormV3') with input shapes: [1,5,5,3], [4], [3], [3], [3]."},
        {{1, 5, 5, 3}, 4, {4}, 1, 4, "Dimensions must be equal, but are 3 and 4 for 'op' (op: "
         "'FusedBatchNormV3') with input shapes: [1,5,5,3], [3], [3], [3], [4]."},
    };
    for (size_t i = 0; i < sizeof errs / sizeof errs[0]; i++) {
        tact_graph_t *g = tact_graph_new();
        tact_status_t st = TACT_STATUS_INIT;
        tact_output_t in[5] = {ph(g, errs[i].x, errs[i].nx, "x")};
        for (int k = 1; k < 5; k++)
            in[k] = k == errs[i].which ? ph(g, errs[i].v, errs[i].nv, NULL)
                                       : ph(g, DIMS(3), 1, NULL);
        tact_output_t y = tact_fused_batch_norm(g, in[0], in[1], in[2], in[3], in[4], 0.001f,
                                                "op", &st);
        assert_null(y.op);
        assert_int_equal(st.code, TACT_CODE_INVALID_ARGUMENT);
        assert_string_equal(st.msg, errs[i].msg);
        tact_graph_destroy(&g);
    }
}

/* ---- run-time errors: TensorFlow's CPU kernels ---- */

typedef struct run_err {
    nn_case_op_t op;
    tact_conv_options_t opts;
    int nx, nf;
    int64_t x[5], f[5];
    tact_code_t code;
    const char *msg;
} run_err_t;

static const run_err_t run_errs[] = {
    {NN_CONV2D, {.strides = S1, .padding = TACT_PADDING_SAME}, 3, 4, {1, 5, 5}, {3, 3, 3, 2},
     TACT_CODE_INVALID_ARGUMENT, "convolution input must be 4-dimensional: [1,5,5]"},
    {NN_CONV2D, {.strides = S1, .padding = TACT_PADDING_SAME}, 4, 3, {1, 5, 5, 3}, {3, 3, 3},
     TACT_CODE_INVALID_ARGUMENT, "convolution filter must be 4-dimensional: [3,3,3]"},
    {NN_CONV2D, {.strides = S1, .padding = TACT_PADDING_SAME}, 4, 4, {1, 5, 5, 4}, {3, 3, 3, 2},
     TACT_CODE_INVALID_ARGUMENT, "input depth must be evenly divisible by filter depth: 4 vs 3"},
    {NN_CONV2D, {.strides = S1, .padding = TACT_PADDING_SAME}, 4, 4, {1, 5, 5, 3}, {3, 3, 0, 2},
     TACT_CODE_INVALID_ARGUMENT, "filter depth must be stricly positive, got 0"},
    {NN_CONV2D, {.strides = {2, 1, 1, 1}, .padding = TACT_PADDING_SAME}, 4, 4, {1, 5, 5, 3},
     {3, 3, 3, 2}, TACT_CODE_UNIMPLEMENTED, "Current implementation does not yet support "
     "strides in the batch and depth dimensions."},
    {NN_CONV2D, {.strides = S1, .dilations = {2, 1, 1, 1}, .padding = TACT_PADDING_SAME}, 4, 4,
     {1, 5, 5, 3}, {3, 3, 3, 2}, TACT_CODE_UNIMPLEMENTED, "Current implementation does not yet "
     "support dilations in the batch and depth dimensions."},
    {NN_DEPTHWISE, {.strides = S1, .padding = TACT_PADDING_SAME}, 4, 4, {1, 5, 5, 4},
     {3, 3, 3, 2}, TACT_CODE_INVALID_ARGUMENT, "input and filter must have the same depth: 4 vs "
     "3"},
    {NN_DEPTHWISE, {.strides = S1, .padding = TACT_PADDING_SAME}, 3, 4, {1, 5, 5}, {3, 3, 3, 2},
     TACT_CODE_INVALID_ARGUMENT, "input must be 4-dimensional[1,5,5]"},
    {NN_DEPTHWISE, {.strides = S1, .padding = TACT_PADDING_SAME}, 4, 3, {1, 5, 5, 3}, {3, 3, 3},
     TACT_CODE_INVALID_ARGUMENT, "filter must be 4-dimensional: [3,3,3]"},
    {NN_DEPTHWISE, {.strides = {1, 2, 1, 1}, .padding = TACT_PADDING_SAME}, 4, 4, {1, 5, 5, 3},
     {3, 3, 3, 2}, TACT_CODE_INVALID_ARGUMENT, "Current implementation only supports equal "
     "length strides in the row and column dimensions."},
    {NN_DEPTHWISE, {.strides = {2, 1, 1, 1}, .padding = TACT_PADDING_SAME}, 4, 4, {1, 5, 5, 3},
     {3, 3, 3, 2}, TACT_CODE_INVALID_ARGUMENT, "Current implementation does not yet support "
     "strides in the batch and depth dimensions."},
    {NN_DEPTHWISE, {.strides = S1, .dilations = {1, 2, 2, 1}, .padding = TACT_PADDING_SAME}, 4,
     4, {1, 5, 5, 3}, {3, 3, 3, 2}, TACT_CODE_UNIMPLEMENTED, "Current kernel implementation "
     "does not support dilations, received [1 2 2 1]"},
    {NN_MAX_POOL, {.ksize = {1, 2, 2, 1}, .strides = {1, 2, 2, 1},
                   .padding = TACT_PADDING_SAME}, 3, 0, {1, 5, 5}, {0},
     TACT_CODE_INVALID_ARGUMENT, "tensor_in_shape must have 2 spatial dimensions. 3 0"},
    {NN_MAX_POOL, {.ksize = {2, 2, 2, 1}, .strides = {1, 2, 2, 1},
                   .padding = TACT_PADDING_SAME}, 4, 0, {1, 5, 5, 3}, {0},
     TACT_CODE_UNIMPLEMENTED, "Pooling is not yet supported on the batch dimension."},
    {NN_MAX_POOL, {.ksize = {1, 2, 2, 2}, .strides = {1, 2, 2, 1},
                   .padding = TACT_PADDING_SAME}, 4, 0, {1, 5, 5, 3}, {0},
     TACT_CODE_UNIMPLEMENTED, "MaxPooling supports exactly one of pooling across depth or "
     "pooling across width/height."},
    {NN_MAX_POOL, {.ksize = {1, 0, 2, 1}, .strides = {1, 2, 2, 1},
                   .padding = TACT_PADDING_VALID}, 4, 0, {1, 5, 5, 3}, {0},
     TACT_CODE_INVALID_ARGUMENT, "Sliding window ksize must be positive. The specified or "
     "inferred ksize is: 1,0,2,1"},
    {NN_AVG_POOL, {.ksize = {1, 2, 2, 1}, .strides = {1, 2, 2, 1},
                   .padding = TACT_PADDING_SAME}, 3, 0, {1, 5, 5}, {0},
     TACT_CODE_INVALID_ARGUMENT, "tensor_in_shape must have 2 spatial dimensions. 3 0"},
    {NN_AVG_POOL, {.ksize = {1, 0, 2, 1}, .strides = {1, 2, 2, 1},
                   .padding = TACT_PADDING_VALID}, 4, 0, {1, 5, 5, 3}, {0},
     TACT_CODE_INVALID_ARGUMENT, "ksize must be a positive int32 value, got:0"},
    {NN_AVG_POOL, {.ksize = {1, 2, 2, 1}, .strides = {2, 2, 2, 1},
                   .padding = TACT_PADDING_SAME}, 4, 0, {1, 5, 5, 3}, {0},
     TACT_CODE_UNIMPLEMENTED, "Pooling is not yet supported on the batch dimension."},
    {NN_BATCH_MATMUL, {.padding = 0}, 1, 2, {3}, {3, 3}, TACT_CODE_INVALID_ARGUMENT,
     "In[0] ndims must be >= 2: 1"},
    {NN_BATCH_MATMUL, {.padding = 0}, 3, 1, {2, 3, 4}, {4}, TACT_CODE_INVALID_ARGUMENT,
     "In[1] ndims must be >= 2: 1"},
    {NN_BATCH_MATMUL, {.padding = 0}, 3, 3, {2, 3, 4}, {2, 5, 6}, TACT_CODE_INVALID_ARGUMENT,
     "Matrix size-incompatible: In[0]: [2,3,4], In[1]: [2,5,6]"},
    {NN_BATCH_MATMUL, {.padding = 0}, 3, 3, {2, 3, 4}, {3, 5, 6}, TACT_CODE_INVALID_ARGUMENT,
     "In[0] and In[1] must have compatible batch dimensions: [2,3,4] vs. [3,5,6]"},
};

static tact_tensor_t *zeros(const int64_t *dims, int ndims)
{
    int64_t n = 1;
    for (int d = 0; d < ndims; d++)
        n *= dims[d];
    float *v = calloc((size_t) (n > 0 ? n : 1), sizeof *v);
    tact_tensor_t *t = tu_f32(dims, ndims, v);
    free(v);
    return t;
}

static void test_run_errors(void **state)
{
    (void) state;
    for (size_t i = 0; i < sizeof run_errs / sizeof run_errs[0]; i++) {
        const run_err_t *e = &run_errs[i];
        tact_graph_t *g = tact_graph_new();
        tact_status_t st = TACT_STATUS_INIT;
        tact_output_t in[2] = {ph(g, NULL, -1, "x"), e->nf > 0 ? ph(g, NULL, -1, "f")
                                                               : (tact_output_t) {0}};
        nn_case_t c = {.op = e->op, .opts = e->opts};
        tact_output_t y = case_op(g, &c, in, &st);
        if (st.code != TACT_CODE_OK)
            fail_msg("case %zu: %s", i, st.msg);
        tact_feed_t feeds[2] = {{in[0], zeros(e->x, e->nx)},
                                {in[1], e->nf > 0 ? zeros(e->f, e->nf) : NULL}};
        tact_session_t *s = tu_session(g, NULL);
        char want[400];
        snprintf(want, sizeof want, "%s\n\t [[{{node op}}]]", e->msg);
        tu_run_fails(s, y, feeds, e->nf > 0 ? 2 : 1, e->code, want);
        drop(feeds[0].value);
        drop(feeds[1].value);
        tact_session_destroy(&s);
        tact_graph_destroy(&g);
    }
}

static void test_batch_norm_run_errors(void **state)
{
    (void) state;
    static const struct {
        int64_t x[4];
        int nx;
        int64_t v[2];
        int nv, which;
        const char *msg;
    } errs[] = {
        {{1, 5, 5}, 3, {3}, 1, 1, "input must be 4 or 5-dimensional[1,5,5]"},
        {{1, 5, 5, 3}, 4, {3, 1}, 2, 1, "scale must be 1-dimensional[3,1]"},
        {{1, 5, 5, 3}, 4, {3, 1}, 2, 3, "estimated_mean must be 1-dimensional[3,1]"},
        {{1, 5, 5, 3}, 4, {4}, 1, 1, "scale must have the same number of elements as the "
         "channels of x, got 4 and 3"},
        {{1, 5, 5, 3}, 4, {4}, 1, 2, "offset must have the same number of elements as the "
         "channels of x, got 4 and 3"},
        {{1, 5, 5, 3}, 4, {4}, 1, 3, "When is_training=false, mean must have the same number "
         "of elements as the channels of x, got 4 and 3"},
        {{1, 5, 5, 3}, 4, {4}, 1, 4, "When is_training=false, variance must have the same "
         "number of elements as the channels of x, got 4 and 3"},
    };
    for (size_t i = 0; i < sizeof errs / sizeof errs[0]; i++) {
        tact_graph_t *g = tact_graph_new();
        tact_status_t st = TACT_STATUS_INIT;
        tact_output_t in[5];
        tact_feed_t feeds[5];
        for (int k = 0; k < 5; k++) {
            in[k] = ph(g, NULL, -1, NULL);
            feeds[k] = (tact_feed_t) {in[k], k == 0 ? zeros(errs[i].x, errs[i].nx)
                                      : k == errs[i].which ? zeros(errs[i].v, errs[i].nv)
                                      : zeros(DIMS(3), 1)};
        }
        tact_output_t y = tact_fused_batch_norm(g, in[0], in[1], in[2], in[3], in[4], 0.001f,
                                                "op", &st);
        assert_int_equal(st.code, TACT_CODE_OK);
        tact_session_t *s = tu_session(g, NULL);
        char want[400];
        snprintf(want, sizeof want, "%s\n\t [[{{node op}}]]", errs[i].msg);
        tu_run_fails(s, y, feeds, 5, TACT_CODE_INVALID_ARGUMENT, want);
        for (int k = 0; k < 5; k++)
            drop(feeds[k].value);
        tact_session_destroy(&s);
        tact_graph_destroy(&g);
    }
}

/* ---- GraphDef attributes ---- */

/* A text GraphDef imported through a file (the buffer form takes binary only). */
static tact_code_t import_text(tact_graph_t *g, const char *text, tact_status_t *st)
{
    char path[] = "/tmp/tact_nn_ops_XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, text, strlen(text)), (ssize_t) strlen(text));
    close(fd);
    tact_code_t rc = tact_graph_import_file(g, path, NULL, st);
    unlink(path);
    return rc;
}

/* A GraphDef of one op `op` over a placeholder "x" (and a Const "w" of shape wdims when wdims
 * is not NULL), with `attrs` as text. */
static tact_code_t import_one(tact_graph_t *g, const char *op, const char *wdims,
                              const char *attrs, tact_status_t *st)
{
    char text[2048];
    snprintf(text, sizeof text,
             "node { name: \"x\" op: \"Placeholder\" attr { key: \"dtype\" value { type: "
             "DT_FLOAT } } }\n"
             "%s%s%s"
             "node { name: \"op\" op: \"%s\" input: \"x\" %s attr { key: \"T\" value { type: "
             "DT_FLOAT } } %s }\n",
             wdims ? "node { name: \"w\" op: \"Const\" attr { key: \"dtype\" value { type: "
                     "DT_FLOAT } } attr { key: \"value\" value { tensor { dtype: DT_FLOAT "
                     "tensor_shape { " : "",
             wdims ? wdims : "", wdims ? "} float_val: 1 } } } }\n" : "", op,
             wdims ? "input: \"w\"" : "", attrs);
    return import_text(g, text, st);
}

static void run_fails_on(tact_graph_t *g, const int64_t *dims, tact_code_t code,
                         const char *msg)
{
    tact_status_t st = TACT_STATUS_INIT;
    tact_output_t x = tact_graph_output(g, "x:0", &st), y = tact_graph_output(g, "op:0", &st);
    assert_int_equal(st.code, TACT_CODE_OK);
    tact_feed_t feed = {x, zeros(dims, 4)};
    tact_session_t *s = tu_session(g, NULL);
    char want[400];
    snprintf(want, sizeof want, "%s\n\t [[{{node op}}]]", msg);
    tu_run_fails(s, y, &feed, 1, code, want);
    drop(feed.value);
    tact_session_destroy(&s);
}

#define CONV_ATTRS(extra)                                                                      \
    "attr { key: \"strides\" value { list { i: 1 i: 1 i: 1 i: 1 } } } "                        \
    "attr { key: \"padding\" value { s: \"SAME\" } } " extra

/* NCHW imports and infers as TensorFlow's shape functions do, and runs into the CPU kernels'
 * refusals; TensorFlow's attribute defaults apply (FusedBatchNorm's is_training is true). */
static void test_import_attrs(void **state)
{
    (void) state;
    static const char *const wc = "dim { size: 3 } dim { size: 3 } dim { size: 3 } "
                                  "dim { size: 2 }";
    tact_graph_t *g = tact_graph_new();
    tact_status_t st = TACT_STATUS_INIT;
    assert_int_equal(import_one(g, "Conv2D", wc,
                                CONV_ATTRS("attr { key: \"data_format\" value { s: \"NCHW\" } }"),
                                &st), TACT_CODE_OK);
    /* TensorFlow's shape function in NCHW: the filter's output channels at dimension 1 */
    tact_output_t conv = tact_graph_output(g, "op:0", &st);
    assert_int_equal(tact_output_ndims(conv), 4);
    assert_int_equal(tact_output_dim(conv, 1), 2);
    assert_int_equal(tact_output_dim(conv, 3), -1);
    run_fails_on(g, DIMS(1, 3, 5, 5), TACT_CODE_UNIMPLEMENTED, "The Conv2D op currently only "
                 "supports the NHWC tensor format on the CPU. The op was given the format: NCHW");
    tact_graph_destroy(&g);

    g = tact_graph_new();
    assert_int_equal(import_one(g, "DepthwiseConv2dNative", wc,
                                CONV_ATTRS("attr { key: \"data_format\" value { s: \"NCHW\" } }"),
                                &st), TACT_CODE_OK);
    run_fails_on(g, DIMS(1, 3, 5, 5), TACT_CODE_UNIMPLEMENTED,
                 "Depthwise convolution on CPU is only supported for NHWC format");
    tact_graph_destroy(&g);

    g = tact_graph_new();
    assert_int_equal(import_one(g, "MaxPool", NULL,
                                CONV_ATTRS("attr { key: \"ksize\" value { list { i: 1 i: 1 i: 2 "
                                           "i: 2 } } } attr { key: \"data_format\" value { s: "
                                           "\"NCHW\" } }"), &st), TACT_CODE_OK);
    run_fails_on(g, DIMS(1, 3, 5, 5), TACT_CODE_INVALID_ARGUMENT,
                 "Default MaxPoolingOp only supports NHWC on device type CPU");
    tact_graph_destroy(&g);

    /* a missing padding, an unknown one */
    g = tact_graph_new();
    assert_int_equal(import_one(g, "Conv2D", wc, "attr { key: \"strides\" value { list { i: 1 "
                                "i: 1 i: 1 i: 1 } } }", &st), TACT_CODE_INVALID_ARGUMENT);
    assert_string_equal(st.msg, "NodeDef missing attr 'padding' from Op<name=Conv2D>; NodeDef: "
                        "{{node op}}");
    st = (tact_status_t) TACT_STATUS_INIT;
    assert_int_equal(import_one(g, "Conv2D", wc, "attr { key: \"strides\" value { list { i: 1 "
                                "i: 1 i: 1 i: 1 } } } attr { key: \"padding\" value { s: \"FOO\" "
                                "} }", &st), TACT_CODE_INVALID_ARGUMENT);
    assert_string_equal(st.msg, "Value for attr 'padding' of \"FOO\" is not in the list of "
                        "allowed values: \"SAME\", \"VALID\", \"EXPLICIT\"; NodeDef: {{node op}}");
    assert_int_equal(tact_graph_num_ops(g), 0);  /* all or nothing */
    /* TensorFlow's build message for a short strides list */
    st = (tact_status_t) TACT_STATUS_INIT;
    assert_int_equal(import_one(g, "Conv2D", wc, "attr { key: \"strides\" value { list { i: 1 "
                                "i: 1 i: 1 } } } attr { key: \"padding\" value { s: \"SAME\" } }",
                                &st), TACT_CODE_INVALID_ARGUMENT);
    assert_string_equal(st.msg, "Conv2D on data format NHWC requires the stride attribute to "
                        "contain 4 values, but got: 3 for 'op' (op: 'Conv2D') with input shapes: "
                        "<unknown>, [3,3,3,2].");
    tact_graph_destroy(&g);

    /* training with running means (exponential_avg_factor other than 1) is refused */
    g = tact_graph_new();
    char text[1024];
    snprintf(text, sizeof text, "node { name: \"x\" op: \"Placeholder\" attr { key: \"dtype\" "
             "value { type: DT_FLOAT } } }\n"
             "node { name: \"v\" op: \"Const\" attr { key: \"dtype\" value { type: DT_FLOAT } } "
             "attr { key: \"value\" value { tensor { dtype: DT_FLOAT tensor_shape { dim { size: "
             "3 } } float_val: 1 } } } }\n"
             "node { name: \"op\" op: \"FusedBatchNormV3\" input: \"x\" input: \"v\" input: "
             "\"v\" input: \"v\" input: \"v\" attr { key: \"T\" value { type: DT_FLOAT } } "
             "attr { key: \"U\" value { type: DT_FLOAT } } attr { key: "
             "\"exponential_avg_factor\" value { f: 0.5 } } }\n");
    st = (tact_status_t) TACT_STATUS_INIT;
    assert_int_equal(import_text(g, text, &st), TACT_CODE_OK);
    run_fails_on(g, DIMS(1, 2, 2, 3), TACT_CODE_UNIMPLEMENTED, "FusedBatchNormV3 'op': "
                 "is_training=true with exponential_avg_factor 0.5 is not supported (only 1, "
                 "batch statistics alone)");
    tact_graph_destroy(&g);
}

/* FusedBatchNormV3 imported with TensorFlow's attribute defaults (is_training true) or in
 * NCHW: its five outputs as TensorFlow's CPU kernel gives them (training: the batch's mean and
 * variance with Bessel's correction, then its mean and biased variance). */
static void test_batch_norm_training_and_nchw(void **state)
{
    (void) state;
    for (size_t i = 0; i < sizeof nn_bn_cases / sizeof nn_bn_cases[0]; i++) {
        const nn_bn_case_t *c = &nn_bn_cases[i];
        char text[2048];
        size_t len = 0;
        for (int k = 0; k < 5; k++)
            len += (size_t) snprintf(text + len, sizeof text - len, "node { name: \"p%d\" op: "
                                     "\"Placeholder\" attr { key: \"dtype\" value { type: "
                                     "DT_FLOAT } } }\n", k);
        snprintf(text + len, sizeof text - len, "node { name: \"op\" op: \"FusedBatchNormV3\" "
                 "input: \"p0\" input: \"p1\" input: \"p2\" input: \"p3\" input: \"p4\" "
                 "attr { key: \"T\" value { type: DT_FLOAT } } attr { key: \"U\" value { type: "
                 "DT_FLOAT } } attr { key: \"epsilon\" value { f: 0.001 } } %s%s }\n",
                 c->training ? "" : "attr { key: \"is_training\" value { b: false } } ",
                 c->nchw ? "attr { key: \"data_format\" value { s: \"NCHW\" } }" : "");
        tact_graph_t *g = tact_graph_new();
        tact_status_t st = TACT_STATUS_INIT;
        if (import_text(g, text, &st) != TACT_CODE_OK)
            fail_msg("%s: %s", c->name, st.msg);
        int64_t ch = c->x_dims[c->nchw ? 1 : 3];
        tact_feed_t feeds[5];
        for (int k = 0; k < 5; k++) {
            char name[8];
            snprintf(name, sizeof name, "p%d:0", k);
            int64_t n = k == 0 ? -1 : k < 3 ? ch : c->n_mv;
            feeds[k] = (tact_feed_t) {tact_graph_output(g, name, &st),
                                      k == 0 ? tu_f32(c->x_dims, 4, c->in[0])
                                             : tu_f32(&n, 1, c->in[k])};
        }
        tact_output_t fetch[5];
        tact_tensor_t *r[5] = {NULL};
        for (int k = 0; k < 5; k++)
            fetch[k] = (tact_output_t) {tact_graph_op(g, "op"), k};
        tact_session_t *s = tu_session(g, NULL);
        if (tact_session_run(s, fetch, 5, r, feeds, 5, NULL, 0, &st) != TACT_CODE_OK)
            fail_msg("%s: %s", c->name, st.msg);
        assert_close(c->name, r[0], 4, c->x_dims, c->out[0], 1e-4f);
        /* in inference TensorFlow leaves the reserve spaces unset (NCHW gave stray values) */
        for (int k = 1; k < (c->training ? 5 : 3); k++)
            assert_close(c->name, r[k], 1, &ch, c->out[k], 1e-4f);
        for (int k = 0; k < 5; k++) {
            tact_tensor_destroy(&r[k]);
            drop(feeds[k].value);
        }
        tact_session_destroy(&s);
        tact_graph_destroy(&g);
    }
}

/* Hostile attributes from a GraphDef end in errors, never a crash: lists too long, windows
 * and paddings of half the int range. */
static void test_hostile_attrs(void **state)
{
    (void) state;
    static const char *const wc = "dim { size: 3 } dim { size: 3 } dim { size: 3 } "
                                  "dim { size: 2 }";
    static const struct {
        const char *op;
        bool filter;  /* a Const filter "w" as input 1 */
        const char *attrs;
        tact_code_t import_code, run_code;
    } cases[] = {
        {"Conv2D", true, "attr { key: \"strides\" value { list { i: 1 i: 1 i: 1 i: 1 i: 1 i: 1 "
         "i: 1 i: 1 i: 1 } } } attr { key: \"padding\" value { s: \"SAME\" } }",
         TACT_CODE_INVALID_ARGUMENT, TACT_CODE_OK},
        {"Conv2D", true, CONV_ATTRS("attr { key: \"dilations\" value { list { i: 1 i: "
         "500000000 i: 500000000 i: 1 } } }"), TACT_CODE_OK, TACT_CODE_OK},
        {"MaxPool", false, CONV_ATTRS("attr { key: \"ksize\" value { list { i: 1 i: 500000000 "
         "i: 500000000 i: 1 } } }"), TACT_CODE_OK, TACT_CODE_OK},
        {"MaxPool", false, "attr { key: \"strides\" value { list { i: 1 i: 1 i: 1 i: 1 } } } "
         "attr { key: \"ksize\" value { list { i: 1 i: 1 i: 1 i: 1 } } } attr { key: "
         "\"padding\" value { s: \"EXPLICIT\" } } attr { key: \"explicit_paddings\" value { "
         "list { i: 0 i: 0 i: 500000000 i: 500000000 i: 500000000 i: 500000000 i: 0 i: 0 } } }",
         TACT_CODE_OK, TACT_CODE_RESOURCE_EXHAUSTED},
        {"AvgPool", false, CONV_ATTRS("attr { key: \"ksize\" value { list { i: 1 i: -500000000 "
         "i: 2 i: 1 } } }"), TACT_CODE_OK, TACT_CODE_INVALID_ARGUMENT},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        tact_graph_t *g = tact_graph_new();
        tact_status_t st = TACT_STATUS_INIT;
        tact_code_t rc = import_one(g, cases[i].op, cases[i].filter ? wc : NULL, cases[i].attrs,
                                    &st);
        if (rc != cases[i].import_code)
            fail_msg("case %zu: import: %s", i, st.msg);
        if (rc == TACT_CODE_OK) {
            tact_output_t x = tact_graph_output(g, "x:0", &st);
            tact_output_t y = tact_graph_output(g, "op:0", &st);
            tact_feed_t feed = {x, zeros(DIMS(1, 5, 5, 3), 4)};
            tact_session_t *s = tu_session(g, NULL);
            tact_tensor_t *r = tu_run1(s, y, &feed, 1, &st);
            if (st.code != cases[i].run_code)
                fail_msg("case %zu: run: %s", i, st.msg);
            tact_tensor_destroy(&r);
            drop(feed.value);
            tact_session_destroy(&s);
        }
        tact_graph_destroy(&g);
    }
}

/* ---- the CNN TensorFlow froze ---- */

static tact_tensor_t *read_f32(const char *name, const int64_t *dims, int ndims)
{
    char path[512];
    snprintf(path, sizeof path, "%s/%s", TACT_TEST_DATA_DIR, name);
    return tu_f32_from_file(path, dims, ndims);
}

static void assert_cnn_answers_in(tact_graph_t *g, const char *expected)
{
    tact_status_t st = TACT_STATUS_INIT;
    tact_output_t x = tact_graph_output(g, "input:0", &st);
    tact_output_t y = tact_graph_output(g, "softmax:0", &st);
    assert_int_equal(st.code, TACT_CODE_OK);
    assert_int_equal(tact_output_ndims(y), 2);
    assert_int_equal(tact_output_dim(y, 1), 5);
    tact_tensor_t *xin = read_f32("cnn_input.bin", DIMS(2, 8, 8, 3), 4);
    tact_tensor_t *want = read_f32(expected, DIMS(2, 5), 2);
    tact_session_t *s = tu_session(g, NULL);
    tact_feed_t feed = {x, xin};
    tact_tensor_t *r = tu_run1(s, y, &feed, 1, &st);
    if (r == NULL)
        fail_msg("run failed: %s", st.msg);
    assert_close("cnn", r, 2, DIMS(2, 5), tact_tensor_data(want), 1e-4f);
    tact_tensor_destroy(&r);
    tact_tensor_destroy(&xin);
    tact_tensor_destroy(&want);
    tact_session_destroy(&s);
}

static void assert_cnn_answers(tact_graph_t *g)
{
    assert_cnn_answers_in(g, "cnn_expected.bin");
}

static void test_cnn_frozen_by_tensorflow(void **state)
{
    (void) state;
    tact_graph_t *g = tu_import_fixture(TACT_TEST_DATA_DIR, "cnn.pb");
    tact_status_t st = TACT_STATUS_INIT;
    assert_string_equal(tact_op_type(tact_graph_op(g, "conv1/conv")), "Conv2D");
    assert_string_equal(tact_op_type(tact_graph_op(g, "bn/bn")), "FusedBatchNormV3");
    assert_string_equal(tact_op_type(tact_graph_op(g, "dw/conv")), "DepthwiseConv2dNative");
    tact_output_t pool2 = tact_graph_output(g, "pool2:0", &st);
    assert_int_equal(tact_output_dim(pool2, 1), 2);
    assert_int_equal(tact_output_dim(pool2, 3), 8);
    assert_cnn_answers(g);

    /* exported and imported again: the same answers */
    void *pb = NULL;
    size_t len = 0;
    assert_int_equal(tact_graph_export(g, &pb, &len, &st), TACT_CODE_OK);
    if (getenv("TACT_WRITE_FIXTURES") != NULL) {  /* for make_cnn_fixtures.py --check */
        char path[512];
        snprintf(path, sizeof path, "%s/cnn_tact_exported.pb", TACT_TEST_DATA_DIR);
        tu_write_file(path, pb, len);
    }
    tact_graph_t *g2 = tact_graph_new();
    if (tact_graph_import(g2, pb, len, NULL, &st) != TACT_CODE_OK)
        fail_msg("re-import failed: %s", st.msg);
    free(pb);
    const tact_op_t *conv = tact_graph_op(g2, "conv1/conv"), *bn = tact_graph_op(g2, "bn/bn");
    assert_int_equal(conv->attrs.padding, TACT_PADDING_SAME);
    assert_int_equal(conv->attrs.n_strides, 4);
    assert_true(bn->attrs.epsilon > 0.00099f && bn->attrs.epsilon < 0.00101f);
    assert_false(bn->attrs.is_training);
    assert_cnn_answers(g2);
    tact_graph_destroy(&g2);
    tact_graph_destroy(&g);
}

/* The same CNN with Keras's flatten: the Reshape's shape is Pack(StridedSlice(Shape(x)), -1),
 * known only when the batch is (TensorFlow infers (None, None) for it at import, (None, 5) for
 * the softmax); two batch sizes through one session. */
static void test_cnn_keras_flatten(void **state)
{
    (void) state;
    tact_graph_t *g = tu_import_fixture(TACT_TEST_DATA_DIR, "cnn_keras.pb");
    tact_status_t st = TACT_STATUS_INIT;
    assert_string_equal(tact_op_type(tact_graph_op(g, "flatten/Shape")), "Shape");
    assert_string_equal(tact_op_type(tact_graph_op(g, "flatten/strided_slice")), "StridedSlice");
    assert_string_equal(tact_op_type(tact_graph_op(g, "flatten/stack")), "Pack");
    tact_output_t flat = tact_graph_output(g, "flatten/Reshape:0", &st);
    assert_int_equal(tact_output_ndims(flat), 2);
    assert_int_equal(tact_output_dim(flat, 0), -1);
    assert_int_equal(tact_output_dim(flat, 1), -1);
    assert_cnn_answers_in(g, "cnn_keras_expected.bin");

    /* one image of the two: the batch dimension follows the feed */
    tact_output_t x = tact_graph_output(g, "input:0", &st);
    tact_output_t y = tact_graph_output(g, "softmax:0", &st);
    tact_tensor_t *x2 = read_f32("cnn_input.bin", DIMS(2, 8, 8, 3), 4);
    tact_tensor_t *want = read_f32("cnn_keras_expected.bin", DIMS(2, 5), 2);
    tact_tensor_t *x1 = tu_f32(DIMS(1, 8, 8, 3), 4,
                               (const float *) tact_tensor_data(x2) + 8 * 8 * 3);
    tact_session_t *s = tu_session(g, NULL);
    tact_feed_t feed = {x, x1};
    tact_tensor_t *r = tu_run1(s, y, &feed, 1, &st);
    if (r == NULL)
        fail_msg("run failed: %s", st.msg);
    assert_close("keras batch 1", r, 2, DIMS(1, 5), (const float *) tact_tensor_data(want) + 5,
                 1e-4f);
    tact_tensor_destroy(&r);
    tact_tensor_destroy(&x1);
    tact_tensor_destroy(&x2);
    tact_tensor_destroy(&want);
    tact_session_destroy(&s);
    tact_graph_destroy(&g);
}

/* A CNN built in C with the builders runs TensorFlow's per-op answers end to end: the first
 * conv case followed by a 2x2 max pool equals pooling TensorFlow's conv output. */
static void test_builders_chain(void **state)
{
    (void) state;
    const nn_case_t *conv = &nn_cases[0];
    assert_string_equal(conv->name, "conv_same");
    tact_graph_t *g = tact_graph_new();
    tact_status_t st = TACT_STATUS_INIT;
    tact_output_t x = tu_const_f32(g, conv->dims[0], 4, conv->data[0], "x", &st);
    tact_output_t w = tu_const_f32(g, conv->dims[1], 4, conv->data[1], "w", &st);
    tact_conv_options_t pool = {.ksize = {1, 5, 5, 1}, .strides = {1, 5, 5, 1},
                                .padding = TACT_PADDING_VALID};
    tact_output_t y = tact_max_pool(g, tact_conv2d(g, x, w, &conv->opts, NULL, &st), &pool, NULL,
                                    &st);
    assert_int_equal(st.code, TACT_CODE_OK);
    assert_string_equal(tact_op_name(y.op), "MaxPool");
    /* the max over each image's 5x5 outputs of TensorFlow's conv */
    float want[2 * 4];
    for (int b = 0; b < 2; b++)
        for (int c = 0; c < 4; c++) {
            float m = -INFINITY;
            for (int p = 0; p < 25; p++)
                m = fmaxf(m, conv->expected[(b * 25 + p) * 4 + c]);
            want[b * 4 + c] = m;
        }
    tact_session_t *s = tu_session(g, NULL);
    tact_tensor_t *r = tu_run1(s, y, NULL, 0, &st);
    assert_close("chain", r, 4, DIMS(2, 1, 1, 4), want, 1e-4f);
    if (getenv("TACT_WRITE_FIXTURES") != NULL) {  /* for make_cnn_fixtures.py --check */
        char path[512];
        snprintf(path, sizeof path, "%s/nn_tact_exported.pbtxt", TACT_TEST_DATA_DIR);
        assert_int_equal(tact_graph_export_file(g, path, true, &st), TACT_CODE_OK);
        snprintf(path, sizeof path, "%s/nn_tact_exported_expected.bin", TACT_TEST_DATA_DIR);
        tu_write_file(path, tact_tensor_data(r), 8 * sizeof(float));
    }
    tact_tensor_destroy(&r);
    tact_session_destroy(&s);
    tact_graph_destroy(&g);
}

/* The window kernels on shapes past TensorFlow's small cases: odd and even channel counts,
 * multipliers 1 and 2, strides 1 and 2, outputs big enough that their rows are split over the
 * intra-op workers. Each agrees with a plain loop over the window in the same order (so a sum
 * is the same float sum), a NaN never winning a max and a window of -inf giving -inf, as the
 * kernels always did. */
typedef struct win_case {
    int op;                       /* NN_DEPTHWISE, NN_MAX_POOL or NN_AVG_POOL */
    int h, w, c, mult, k, stride;
} win_case_t;

static void win_reference(const win_case_t *wc, int n, const float *x, const float *f,
                          int oh, int ow, float *y)
{
    int pt = ((oh - 1) * wc->stride + wc->k - wc->h) / 2;
    int pl = ((ow - 1) * wc->stride + wc->k - wc->w) / 2;
    pt = pt > 0 ? pt : 0;
    pl = pl > 0 ? pl : 0;
    int oc = wc->c * wc->mult;
    for (int b = 0; b < n; b++)
        for (int i = 0; i < oh; i++)
            for (int j = 0; j < ow; j++)
                for (int o = 0; o < oc; o++) {
                    int c = o / wc->mult;
                    float acc = wc->op == NN_MAX_POOL ? -3.40282346638528859812e+38f : 0.0f;
                    int count = 0;
                    for (int di = 0; di < wc->k; di++)
                        for (int dj = 0; dj < wc->k; dj++) {
                            int ii = i * wc->stride - pt + di, jj = j * wc->stride - pl + dj;
                            if (ii < 0 || ii >= wc->h || jj < 0 || jj >= wc->w)
                                continue;
                            float v = x[((b * wc->h + ii) * wc->w + jj) * wc->c + c];
                            count++;
                            if (wc->op == NN_MAX_POOL)
                                acc = v > acc ? v : acc;
                            else if (wc->op == NN_AVG_POOL)
                                acc += v;
                            else
                                acc += v * f[(di * wc->k + dj) * oc + o];
                        }
                    if (wc->op == NN_AVG_POOL)
                        acc *= 1.0f / (float) count;
                    y[((b * oh + i) * ow + j) * oc + o] = acc;
                }
}

static void test_window_kernels_split_over_cores(void **state)
{
    (void) state;
    static const win_case_t cases[] = {
        { NN_MAX_POOL, 64, 60, 6, 1, 3, 1 },  { NN_MAX_POOL, 64, 64, 8, 1, 3, 2 },
        { NN_AVG_POOL, 64, 60, 6, 1, 3, 1 },  { NN_AVG_POOL, 50, 50, 13, 1, 2, 2 },
        { NN_DEPTHWISE, 64, 60, 6, 1, 3, 1 }, { NN_DEPTHWISE, 48, 48, 5, 2, 3, 1 },
        { NN_DEPTHWISE, 64, 64, 8, 1, 3, 2 },
    };
    const int n = 2;
    for (size_t ci = 0; ci < sizeof cases / sizeof cases[0]; ci++) {
        const win_case_t *wc = &cases[ci];
        int oh = (wc->h + wc->stride - 1) / wc->stride, ow = (wc->w + wc->stride - 1) / wc->stride;
        int oc = wc->c * wc->mult;
        int64_t nx = (int64_t) n * wc->h * wc->w * wc->c, ny = (int64_t) n * oh * ow * oc;
        int64_t nf = (int64_t) wc->k * wc->k * oc;
        float *x = malloc((size_t) nx * sizeof *x), *f = malloc((size_t) nf * sizeof *f);
        float *want = malloc((size_t) ny * sizeof *want);
        uint32_t seed = 1234u + (uint32_t) ci;
        for (int64_t i = 0; i < nx; i++) {
            seed = seed * 1664525u + 1013904223u;
            x[i] = (float) ((double) (seed >> 8) / (double) (1u << 24) * 2.0 - 1.0);
        }
        for (int64_t i = 0; i < nf; i++)
            f[i] = x[i % nx] * 0.5f;
        x[7] = NAN;        /* never a max */
        for (int c = 0; c < wc->c; c++)
            x[((int64_t) 1 * wc->h * wc->w + 0) * wc->c + c] = -INFINITY;
        win_reference(wc, n, x, f, oh, ow, want);

        tact_graph_t *g = tact_graph_new();
        tact_status_t st = TACT_STATUS_INIT;
        tact_output_t xp = ph(g, DIMS(n, wc->h, wc->w, wc->c), 4, "x");
        tact_conv_options_t opts = { .strides = { 1, wc->stride, wc->stride, 1 },
                                     .padding = TACT_PADDING_SAME,
                                     .ksize = { 1, wc->k, wc->k, 1 } };
        tact_output_t y;
        if (wc->op == NN_DEPTHWISE)
            y = tact_depthwise_conv2d(g, xp, tu_const_f32(g, DIMS(wc->k, wc->k, wc->c, wc->mult),
                                                           4, f, "f", &st),
                                      &opts, "op", &st);
        else if (wc->op == NN_MAX_POOL)
            y = tact_max_pool(g, xp, &opts, "op", &st);
        else
            y = tact_avg_pool(g, xp, &opts, "op", &st);
        assert_int_equal(st.code, TACT_CODE_OK);
        tact_tensor_t *xt = tu_f32(DIMS(n, wc->h, wc->w, wc->c), 4, x);
        tact_feed_t feed = { xp, xt };
        tact_session_t *s = tu_session(g, NULL);
        tact_tensor_t *r = tu_run1(s, y, &feed, 1, &st);
        assert_int_equal(st.code, TACT_CODE_OK);
        assert_int_equal(tact_tensor_nelems(r), ny);
        const float *got = tact_tensor_data(r);
        for (int64_t i = 0; i < ny; i++) {
            bool same = got[i] == want[i] || (isnan(got[i]) && isnan(want[i]));
            if (!same)
                fail_msg("case %zu: element %" PRId64 " is %.9g, want %.9g", ci, i, got[i],
                         want[i]);
        }
        tact_tensor_destroy(&r);
        tact_tensor_destroy(&xt);
        tact_session_destroy(&s);
        tact_graph_destroy(&g);
        free(x);
        free(f);
        free(want);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_cases_match_tensorflow),
        cmocka_unit_test(test_window_kernels_split_over_cores),
        cmocka_unit_test(test_batch_norm_outputs),
        cmocka_unit_test(test_partial_shapes),
        cmocka_unit_test(test_build_errors),
        cmocka_unit_test(test_batch_norm_build_errors),
        cmocka_unit_test(test_run_errors),
        cmocka_unit_test(test_batch_norm_run_errors),
        cmocka_unit_test(test_import_attrs),
        cmocka_unit_test(test_batch_norm_training_and_nchw),
        cmocka_unit_test(test_hostile_attrs),
        cmocka_unit_test(test_cnn_frozen_by_tensorflow),
        cmocka_unit_test(test_cnn_keras_flatten),
        cmocka_unit_test(test_builders_chain),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
