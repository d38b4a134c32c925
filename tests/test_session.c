/* SPDX-License-Identifier: MIT */
/* End to end: graphs built, run in sessions on the CPU device (on the calling thread and on
 * the device actors), every run-time error with its TensorFlow code and message, plan
 * caching, concurrency and session lifetimes.
 *
 * The simplest use of a session:
 *     tact_session_t *s = tact_session_new(NULL, g, NULL, &st);
 *     tact_session_run(s, &c, 1, &value, NULL, 0, NULL, 0, &st);
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <pthread.h>
#include <string.h>
#include <unistd.h>

#include "runtime/exec/session_impl.h"
#include "tests/helpers.h"

static const tact_config_t actors_config = { .executor = TACT_EXECUTOR_ACTORS };

/* Both executors: the calling thread (AUTO) and the device actors. */
static const tact_config_t *const executors[] = { NULL, &actors_config };

/* ------------------------------------------------------------------------------------------ */
/* Seeds and values                                                                           */
/* ------------------------------------------------------------------------------------------ */

static void test_seed_multiply(void **state)
{
    (void) state;
    for (int e = 0; e < 2; e++) {
        tact_status_t st = TACT_STATUS_INIT;
        tact_graph_t *g = tact_graph_new();
        tact_output_t a = tu_const_f32(g, NULL, 0, (float[]) { 5 }, NULL, &st);
        tact_output_t b = tu_const_f32(g, NULL, 0, (float[]) { 6 }, NULL, &st);
        tact_output_t c = tact_multiply(g, a, b, NULL, &st);
        assert_int_equal(st.code, TACT_CODE_OK);
        assert_string_equal(tact_op_name(a.op), "Const");
        assert_string_equal(tact_op_name(b.op), "Const_1");
        assert_string_equal(tact_op_name(c.op), "mul");
        assert_string_equal(tact_op_type(c.op), "Mul");
        tact_session_t *s = tu_session(g, executors[e]);
        tact_tensor_t *r = tu_run1(s, c, NULL, 0, &st);
        assert_int_equal(st.code, TACT_CODE_OK);
        assert_int_equal(tact_tensor_ndims(r), 0);
        /* AUTO runs a lone CPU fragment on this thread; ACTORS sends it to the device actor. */
        assert_int_equal(tact__device_pool_requests(s->pools[0]), e == 0 ? 0 : 1);
        assert_int_equal(tact_tensor_dtype(r), TACT_DTYPE_F32);
        assert_string_equal(tu_str(r), "30.0");
        tact_tensor_destroy(&r);
        tact_session_destroy(&s);
        tact_graph_destroy(&g);
        assert_null(s);
        assert_null(g);
    }
}

static void test_seed_add_and_matmul(void **state)
{
    (void) state;
    tact_status_t st = TACT_STATUS_INIT;
    tact_graph_t *g = tact_graph_new();
    tact_output_t a = tu_const_f32(g, (int64_t[]) { 2 }, 1, (float[]) { 1, 2 }, NULL, &st);
    tact_output_t b = tu_const_f32(g, (int64_t[]) { 2 }, 1, (float[]) { 2, 3 }, NULL, &st);
    tact_output_t c = tact_add(g, a, b, NULL, &st);
    const float v[] = { 1, 2, 3, 4, 5, 6 };
    tact_output_t m1 = tu_const_f32(g, (int64_t[]) { 2, 3 }, 2, v, "a", &st);
    tact_output_t m2 = tu_const_f32(g, (int64_t[]) { 3, 2 }, 2, v, "b", &st);
    tact_output_t mm = tact_matmul(g, m1, m2, false, false, NULL, &st);
    assert_int_equal(st.code, TACT_CODE_OK);
    char text[128];
    tact_output_format(c, text, sizeof text);
    assert_string_equal(text, "Tensor(\"Add:0\", shape=(2,), dtype=float32)");
    tact_output_format(mm, text, sizeof text);
    assert_string_equal(text, "Tensor(\"MatMul:0\", shape=(2, 2), dtype=float32)");

    tact_session_t *s = tu_session(g, NULL);
    tact_tensor_t *r[2] = { NULL, NULL };
    tact_output_t fetches[2] = { c, mm };
    assert_int_equal(tact_session_run(s, fetches, 2, r, NULL, 0, NULL, 0, &st), TACT_CODE_OK);
    assert_string_equal(tu_str(r[0]), "[3. 5.]");
    assert_string_equal(tu_str(r[1]), "[[22. 28.]\n [49. 64.]]");
    tact_tensor_destroy(&r[0]);
    tact_tensor_destroy(&r[1]);
    tact_session_destroy(&s);
    tact_graph_destroy(&g);
}

static void test_chain_of_ops_values(void **state)
{
    (void) state;
    tact_status_t st = TACT_STATUS_INIT;
    tact_graph_t *g = tact_graph_new();
    /* y = softmax(relu(x @ w + b)) summed per row, mean over everything. */
    tact_output_t x = tu_const_f32(g, (int64_t[]) { 2, 2 }, 2, (float[]) { 1, -2, 3, 4 }, "x", &st);
    tact_output_t w = tu_const_f32(g, (int64_t[]) { 2, 2 }, 2, (float[]) { 1, 0, 0, 1 }, "w", &st);
    tact_output_t bias = tu_const_f32(g, (int64_t[]) { 2 }, 1, (float[]) { 0.5f, 0.5f }, "b", &st);
    tact_output_t h = tact_relu(g, tact_add(g, tact_matmul(g, x, w, false, false, NULL, &st),
                                             bias, NULL, &st), NULL, &st);
    tact_output_t sm = tact_softmax(g, h, NULL, &st);
    tact_output_t rows = tact_reduce_sum(g, sm, (int[]) { -1 }, 1, false, NULL, &st);
    tact_output_t mean = tact_reduce_mean(g, h, NULL, 0, false, NULL, &st);
    tact_output_t neg = tact_negative(g, tact_subtract(g, h, bias, NULL, &st), NULL, &st);
    tact_output_t t = tact_transpose(g, h, NULL, 0, NULL, &st);
    tact_output_t rs = tact_reshape(g, h, (int64_t[]) { -1 }, 1, NULL, &st);
    tact_output_t ci = tact_cast(g, h, TACT_DTYPE_I32, NULL, &st);
    tact_output_t id = tact_identity(g, tact_divide(g, h, bias, NULL, &st), NULL, &st);
    tact_output_t sg = tact_sigmoid(g, tact_tanh(g, x, NULL, &st), NULL, &st);
    assert_int_equal(st.code, TACT_CODE_OK);
    assert_string_equal(tact_op_name(sm.op), "Softmax");
    assert_string_equal(tact_op_name(id.op), "Identity");
    assert_string_equal(tact_op_type(tact_op_input(id.op, 0).op), "RealDiv");
    assert_string_equal(tact_op_name(tact_op_input(id.op, 0).op), "truediv");

    for (int e = 0; e < 2; e++) {
        tact_session_t *s = tu_session(g, executors[e]);
        tact_output_t f[] = { h, rows, mean, neg, t, rs, ci, id, sg };
        tact_tensor_t *r[9];
        assert_int_equal(tact_session_run(s, f, 9, r, NULL, 0, NULL, 0, &st), TACT_CODE_OK);
        assert_true(tu_f32_equal(r[0], (int64_t[]) { 2, 2 }, 2, (float[]) { 1.5f, 0, 3.5f, 4.5f }));
        assert_true(tu_f32_equal(r[1], (int64_t[]) { 2 }, 1, (float[]) { 1, 1 }));
        assert_true(tu_f32_equal(r[2], NULL, 0, (float[]) { 2.375f }));
        assert_true(tu_f32_equal(r[3], (int64_t[]) { 2, 2 }, 2, (float[]) { -1, 0.5f, -3, -4 }));
        assert_true(tu_f32_equal(r[4], (int64_t[]) { 2, 2 }, 2, (float[]) { 1.5f, 3.5f, 0, 4.5f }));
        assert_true(tu_f32_equal(r[5], (int64_t[]) { 4 }, 1, (float[]) { 1.5f, 0, 3.5f, 4.5f }));
        assert_int_equal(tact_tensor_dtype(r[6]), TACT_DTYPE_I32);
        assert_string_equal(tu_str(r[6]), "[[1 0]\n [3 4]]");
        assert_true(tu_f32_equal(r[7], (int64_t[]) { 2, 2 }, 2, (float[]) { 3, 0, 7, 9 }));
        const float *sgv = tact_tensor_data(r[8]);
        assert_float_equal(sgv[0], 1.0f / (1.0f + expf(-tanhf(1.0f))), 1e-6);
        assert_float_equal(sgv[1], 1.0f / (1.0f + expf(-tanhf(-2.0f))), 1e-6);
        for (int i = 0; i < 9; i++)
            tact_tensor_destroy(&r[i]);
        tact_session_destroy(&s);
    }
    tact_graph_destroy(&g);
}

/* ------------------------------------------------------------------------------------------ */
/* Feeds, fetches, targets                                                                    */
/* ------------------------------------------------------------------------------------------ */

static void test_feeds_placeholders_and_constants(void **state)
{
    (void) state;
    tact_status_t st = TACT_STATUS_INIT;
    tact_graph_t *g = tact_graph_new();
    tact_output_t p = tact_placeholder(g, TACT_DTYPE_F32, (int64_t[]) { -1 }, 1, "p", &st);
    tact_output_t k = tu_const_f32(g, (int64_t[]) { 2 }, 1, (float[]) { 10, 20 }, "k", &st);
    tact_output_t q = tact_multiply(g, p, tu_const_f32(g, NULL, 0, (float[]) { 2 }, NULL, &st),
                                    "q", &st);
    tact_output_t r = tact_add(g, q, k, "r", &st);
    assert_int_equal(st.code, TACT_CODE_OK);
    tact_session_t *s = tu_session(g, NULL);

    tact_tensor_t *pv = tu_f32((int64_t[]) { 2 }, 1, (float[]) { 1, 2 });
    tact_feed_t feed = { p, pv };
    tact_tensor_t *out = tu_run1(s, r, &feed, 1, &st);
    assert_int_equal(st.code, TACT_CODE_OK);
    assert_true(tu_f32_equal(out, (int64_t[]) { 2 }, 1, (float[]) { 12, 24 }));
    tact_tensor_destroy(&out);

    /* Any tensor can be fed; a feed lasts one run. */
    tact_tensor_t *kv = tu_f32((int64_t[]) { 2 }, 1, (float[]) { 0, 0 });
    tact_feed_t two[2] = { { p, pv }, { k, kv } };
    out = tu_run1(s, r, two, 2, &st);
    assert_true(tu_f32_equal(out, (int64_t[]) { 2 }, 1, (float[]) { 2, 4 }));
    tact_tensor_destroy(&out);
    out = tu_run1(s, r, &feed, 1, &st);
    assert_true(tu_f32_equal(out, (int64_t[]) { 2 }, 1, (float[]) { 12, 24 }));
    tact_tensor_destroy(&out);

    /* Feeding q cuts p out of the graph: p need not be fed. */
    tact_feed_t fq = { q, kv };
    out = tu_run1(s, r, &fq, 1, &st);
    assert_int_equal(st.code, TACT_CODE_OK);
    assert_true(tu_f32_equal(out, (int64_t[]) { 2 }, 1, (float[]) { 10, 20 }));
    tact_tensor_destroy(&out);

    /* A fetched tensor that is fed returns (a copy of) the fed value. */
    out = tu_run1(s, p, &feed, 1, &st);
    assert_int_equal(st.code, TACT_CODE_OK);
    assert_ptr_not_equal(out, pv);
    assert_true(tu_f32_equal(out, (int64_t[]) { 2 }, 1, (float[]) { 1, 2 }));
    tact_tensor_destroy(&out);

    /* Fetching a constant gives a copy the caller may change freely. */
    out = tu_run1(s, k, NULL, 0, &st);
    ((float *) tact_tensor_data(out))[0] = 99;
    tact_tensor_destroy(&out);
    out = tu_run1(s, k, NULL, 0, &st);
    assert_true(tu_f32_equal(out, (int64_t[]) { 2 }, 1, (float[]) { 10, 20 }));
    tact_tensor_destroy(&out);

    tact_tensor_destroy(&pv);
    tact_tensor_destroy(&kv);
    tact_session_destroy(&s);
    tact_graph_destroy(&g);
}

static void test_duplicate_fetches_and_targets(void **state)
{
    (void) state;
    tact_status_t st = TACT_STATUS_INIT;
    tact_graph_t *g = tact_graph_new();
    tact_output_t a = tu_const_f32(g, NULL, 0, (float[]) { 3 }, "a", &st);
    tact_output_t b = tact_add(g, a, a, "b", &st);
    tact_op_t *noop = tact_no_op(g, NULL, &st);
    tact_op_t *grp = tact_group(g, (tact_op_t *[]) { b.op, noop }, 2, NULL, &st);
    assert_int_equal(st.code, TACT_CODE_OK);
    assert_string_equal(tact_op_name(noop), "NoOp");
    assert_string_equal(tact_op_name(grp), "group_deps");
    assert_int_equal(tact_op_num_outputs(grp), 0);
    tact_session_t *s = tu_session(g, NULL);

    tact_output_t f[3] = { b, a, b };
    tact_tensor_t *r[3];
    assert_int_equal(tact_session_run(s, f, 3, r, NULL, 0, NULL, 0, &st), TACT_CODE_OK);
    assert_ptr_not_equal(r[0], r[2]);
    assert_string_equal(tu_str(r[0]), "6.0");
    assert_string_equal(tu_str(r[1]), "3.0");
    assert_string_equal(tu_str(r[2]), "6.0");
    for (int i = 0; i < 3; i++)
        tact_tensor_destroy(&r[i]);

    /* Targets only: runs, returns nothing. */
    tact_op_t *targets[2] = { grp, grp };
    assert_int_equal(tact_session_run(s, NULL, 0, NULL, NULL, 0, targets, 2, &st), TACT_CODE_OK);
    tact_session_destroy(&s);
    tact_graph_destroy(&g);
}

/* ------------------------------------------------------------------------------------------ */
/* Errors                                                                                     */
/* ------------------------------------------------------------------------------------------ */

typedef struct error_fixture {
    tact_graph_t *g;
    tact_graph_t *other;
    tact_output_t x;      /* placeholder float [2] */
    tact_output_t y;      /* x + 1 */
    tact_output_t c;      /* const [4] */
    tact_output_t foreign;
    tact_session_t *s;
} error_fixture_t;

static int error_setup(void **state)
{
    error_fixture_t *fx = calloc(1, sizeof *fx);
    tact_status_t st = TACT_STATUS_INIT;
    fx->g = tact_graph_new();
    fx->other = tact_graph_new();
    fx->x = tact_placeholder(fx->g, TACT_DTYPE_F32, (int64_t[]) { 2 }, 1, "x", &st);
    fx->y = tact_add(fx->g, fx->x, tu_const_f32(fx->g, NULL, 0, (float[]) { 1 }, NULL, &st),
                     "y", &st);
    fx->c = tu_const_f32(fx->g, (int64_t[]) { 4 }, 1, (float[]) { 1, 2, 3, 4 }, NULL, &st);
    fx->foreign = tu_const_f32(fx->other, NULL, 0, (float[]) { 1 }, "f", &st);
    fx->s = tact_session_new(NULL, fx->g, NULL, &st);
    *state = fx;
    return st.code == TACT_CODE_OK ? 0 : -1;
}

static int error_teardown(void **state)
{
    error_fixture_t *fx = *state;
    tact_session_destroy(&fx->s);
    tact_graph_destroy(&fx->g);
    tact_graph_destroy(&fx->other);
    free(fx);
    return 0;
}

/* Run and expect `code` with `fragment` in the message, and every result NULL. */
static void expect_run_error(tact_session_t *s, const tact_output_t *fetches, int n_fetches,
                             const tact_feed_t *feeds, int n_feeds, tact_op_t *const *targets,
                             int n_targets, tact_code_t code, const char *fragment)
{
    tact_status_t st = TACT_STATUS_INIT;
    tact_tensor_t *r[4] = { (void *) 1, (void *) 1, (void *) 1, (void *) 1 };
    assert_int_equal(tact_session_run(s, fetches, n_fetches, r, feeds, n_feeds, targets,
                                      n_targets, &st), code);
    assert_int_equal(st.code, code);
    assert_true(tu_contains(st.msg, fragment));
    for (int i = 0; i < n_fetches; i++)
        assert_null(r[i]);
}

static void test_error_unfed_placeholder(void **state)
{
    error_fixture_t *fx = *state;
    expect_run_error(fx->s, &fx->y, 1, NULL, 0, NULL, 0, TACT_CODE_INVALID_ARGUMENT,
                     "You must feed a value for placeholder tensor 'x' with dtype float and "
                     "shape [2]");
    expect_run_error(fx->s, &fx->y, 1, NULL, 0, NULL, 0, TACT_CODE_INVALID_ARGUMENT,
                     "[[{{node x}}]]");
}

static void test_error_bad_feeds(void **state)
{
    error_fixture_t *fx = *state;
    tact_tensor_t *i2 = tu_i32((int64_t[]) { 2 }, 1, (int32_t[]) { 1, 2 });
    tact_tensor_t *f3 = tu_f32((int64_t[]) { 3 }, 1, (float[]) { 1, 2, 3 });
    tact_tensor_t *f2 = tu_f32((int64_t[]) { 2 }, 1, (float[]) { 1, 2 });

    tact_feed_t wrong_dtype = { fx->x, i2 };
    expect_run_error(fx->s, &fx->y, 1, &wrong_dtype, 1, NULL, 0, TACT_CODE_INVALID_ARGUMENT,
                     "Cannot feed value of dtype int32 for Tensor 'x:0', which has dtype float32 "
                     "(Expects arg[0] to be float but int32 is provided)");
    /* TensorFlow numbers the arguments by feed name, not by their order in the call:
     * "Const_1:0" sorts before "x:0", so x is arg[1] whichever comes first. */
    tact_tensor_t *f4 = tu_f32((int64_t[]) { 4 }, 1, (float[]) { 1, 2, 3, 4 });
    tact_feed_t x_first[2] = { { fx->x, i2 }, { fx->c, f4 } };
    expect_run_error(fx->s, &fx->y, 1, x_first, 2, NULL, 0, TACT_CODE_INVALID_ARGUMENT,
                     "(Expects arg[1] to be float but int32 is provided)");
    tact_feed_t x_last[2] = { { fx->c, f4 }, { fx->x, i2 } };
    expect_run_error(fx->s, &fx->y, 1, x_last, 2, NULL, 0, TACT_CODE_INVALID_ARGUMENT,
                     "(Expects arg[1] to be float but int32 is provided)");
    tact_tensor_t *i4 = tu_i32((int64_t[]) { 4 }, 1, (int32_t[]) { 1, 2, 3, 4 });
    tact_feed_t c_wrong[2] = { { fx->x, f2 }, { fx->c, i4 } };
    expect_run_error(fx->s, &fx->y, 1, c_wrong, 2, NULL, 0, TACT_CODE_INVALID_ARGUMENT,
                     "Cannot feed value of dtype int32 for Tensor 'Const_1:0', which has dtype "
                     "float32 (Expects arg[0] to be float but int32 is provided)");
    tact_tensor_destroy(&f4);
    tact_tensor_destroy(&i4);
    tact_feed_t wrong_shape = { fx->c, f3 };
    expect_run_error(fx->s, &fx->c, 1, &wrong_shape, 1, NULL, 0, TACT_CODE_INVALID_ARGUMENT,
                     "Cannot feed value of shape (3,) for Tensor 'Const_1:0', which has shape "
                     "'(4,)'");
    tact_feed_t twice[2] = { { fx->x, f2 }, { fx->x, f2 } };
    expect_run_error(fx->s, &fx->y, 1, twice, 2, NULL, 0, TACT_CODE_INVALID_ARGUMENT,
                     "Endpoint \"x:0\" fed more than once.");
    tact_feed_t foreign = { fx->foreign, f2 };
    expect_run_error(fx->s, &fx->y, 1, &foreign, 1, NULL, 0, TACT_CODE_INVALID_ARGUMENT,
                     "Tensor f:0 is not an element of this graph.");
    tact_feed_t bad_index = { { fx->x.op, 5 }, f2 };
    expect_run_error(fx->s, &fx->y, 1, &bad_index, 1, NULL, 0, TACT_CODE_INVALID_ARGUMENT,
                     "FeedInputs: x:5 should have output index < 1");
    tact_feed_t null_value = { fx->x, NULL };
    expect_run_error(fx->s, &fx->y, 1, &null_value, 1, NULL, 0, TACT_CODE_INVALID_ARGUMENT,
                     "The value fed to x:0 is NULL");
    tact_tensor_destroy(&i2);
    tact_tensor_destroy(&f3);
    tact_tensor_destroy(&f2);
}

static void test_error_bad_fetches_and_targets(void **state)
{
    error_fixture_t *fx = *state;
    tact_status_t st = TACT_STATUS_INIT;
    expect_run_error(fx->s, &fx->foreign, 1, NULL, 0, NULL, 0, TACT_CODE_INVALID_ARGUMENT,
                     "Fetch argument f:0 cannot be interpreted as a Tensor. (Tensor f:0 is not "
                     "an element of this graph.)");
    tact_output_t bad_index = { fx->c.op, 3 };
    expect_run_error(fx->s, &bad_index, 1, NULL, 0, NULL, 0, TACT_CODE_INVALID_ARGUMENT,
                     "FetchOutputs Const_1:3: output index too large, must be < 1");
    tact_op_t *noop = tact_no_op(fx->g, "nothing", &st);
    tact_output_t no_output = { noop, 0 };
    expect_run_error(fx->s, &no_output, 1, NULL, 0, NULL, 0, TACT_CODE_INVALID_ARGUMENT,
                     "Tried to fetch data for 'nothing', which produces no output");
    tact_output_t empty = { NULL, -1 };
    expect_run_error(fx->s, &empty, 1, NULL, 0, NULL, 0, TACT_CODE_INVALID_ARGUMENT,
                     "Fetch argument 0 has invalid type");
    tact_op_t *foreign_op = fx->foreign.op;
    expect_run_error(fx->s, NULL, 0, NULL, 0, &foreign_op, 1, TACT_CODE_INVALID_ARGUMENT,
                     "Operation f is not an element of this graph.");
    expect_run_error(fx->s, NULL, 0, NULL, 0, NULL, 0, TACT_CODE_INVALID_ARGUMENT,
                     "Must specify at least one target to fetch or execute.");
    /* NULL where an array or session belongs: an error, not an abort. */
    tact_tensor_t *out = NULL;
    assert_int_equal(tact_session_run(NULL, &fx->c, 1, &out, NULL, 0, NULL, 0, &st),
                     TACT_CODE_INVALID_ARGUMENT);
    assert_true(tu_contains(st.msg, "session is NULL"));
    st = (tact_status_t) TACT_STATUS_INIT;
    assert_int_equal(tact_session_run(fx->s, &fx->c, 1, NULL, NULL, 0, NULL, 0, &st),
                     TACT_CODE_INVALID_ARGUMENT);
    assert_true(tu_contains(st.msg, "an array is NULL"));
    st = (tact_status_t) TACT_STATUS_INIT;
    assert_int_equal(tact_session_run(fx->s, &fx->c, -1, &out, NULL, 0, NULL, 0, &st),
                     TACT_CODE_INVALID_ARGUMENT);
    assert_true(tu_contains(st.msg, "negative count"));
    st = (tact_status_t) TACT_STATUS_INIT;
    assert_int_equal(tact_session_close(NULL, &st), TACT_CODE_INVALID_ARGUMENT);
    st = (tact_status_t) TACT_STATUS_INIT;
    assert_true(tact_output_is_empty(tact_constant(fx->other, NULL, NULL, &st)));
    assert_int_equal(st.code, TACT_CODE_INVALID_ARGUMENT);
    assert_string_equal(tact_graph_status(fx->other)->msg, "Const: value is NULL");
    /* The sticky status: a run handed a failed status does nothing. */
    tact_status_t failed = { TACT_CODE_ABORTED, "earlier" };
    tact_tensor_t *r = (void *) 1;
    assert_int_equal(tact_session_run(fx->s, &fx->c, 1, &r, NULL, 0, NULL, 0, &failed),
                     TACT_CODE_ABORTED);
    assert_null(r);
    assert_string_equal(failed.msg, "earlier");
}

static void test_error_runtime_kernels(void **state)
{
    (void) state;
    tact_status_t st = TACT_STATUS_INIT;
    tact_graph_t *g = tact_graph_new();
    tact_output_t a = tact_placeholder(g, TACT_DTYPE_F32, (int64_t[]) { -1, -1 }, 2, "a", &st);
    tact_output_t b = tact_placeholder(g, TACT_DTYPE_F32, (int64_t[]) { -1, -1 }, 2, "b", &st);
    tact_output_t mm = tact_matmul(g, a, b, false, false, NULL, &st);
    tact_output_t n = tact_placeholder(g, TACT_DTYPE_I32, (int64_t[]) { 2 }, 1, "n", &st);
    tact_output_t d = tact_placeholder(g, TACT_DTYPE_I32, (int64_t[]) { 2 }, 1, "d", &st);
    tact_output_t q = tact_divide(g, n, d, NULL, &st);
    assert_int_equal(st.code, TACT_CODE_OK);
    assert_string_equal(tact_op_type(q.op), "Div");
    tact_tensor_t *m23 = tu_f32((int64_t[]) { 2, 3 }, 2, (float[]) { 1, 2, 3, 4, 5, 6 });
    tact_tensor_t *nv = tu_i32((int64_t[]) { 2 }, 1, (int32_t[]) { 7, -7 });
    tact_tensor_t *dv = tu_i32((int64_t[]) { 2 }, 1, (int32_t[]) { 2, 0 });
    tact_tensor_t *dok = tu_i32((int64_t[]) { 2 }, 1, (int32_t[]) { 2, 2 });
    for (int e = 0; e < 2; e++) {
        tact_session_t *s = tu_session(g, executors[e]);
        tact_feed_t mf[2] = { { a, m23 }, { b, m23 } };
        expect_run_error(s, &mm, 1, mf, 2, NULL, 0, TACT_CODE_INVALID_ARGUMENT,
                         "Matrix size-incompatible: In[0]: [2,3], In[1]: [2,3]");
        expect_run_error(s, &mm, 1, mf, 2, NULL, 0, TACT_CODE_INVALID_ARGUMENT,
                         "[[{{node MatMul}}]]");
        tact_feed_t df[2] = { { n, nv }, { d, dv } };
        expect_run_error(s, &q, 1, df, 2, NULL, 0, TACT_CODE_INVALID_ARGUMENT,
                         "Integer division by zero");
        /* The session stays usable after a failed step. */
        tact_feed_t okf[2] = { { n, nv }, { d, dok } };
        tact_tensor_t *r = NULL;
        assert_int_equal(tact_session_run(s, &q, 1, &r, okf, 2, NULL, 0, &st), TACT_CODE_OK);
        assert_string_equal(tu_str(r), "[ 3 -3]");
        tact_tensor_destroy(&r);
        tact_session_destroy(&s);
    }
    tact_tensor_destroy(&m23);
    tact_tensor_destroy(&nv);
    tact_tensor_destroy(&dv);
    tact_tensor_destroy(&dok);
    tact_graph_destroy(&g);
}

static void test_error_empty_graph_and_closed_session(void **state)
{
    (void) state;
    tact_status_t st = TACT_STATUS_INIT;
    tact_graph_t *g = tact_graph_new();
    tact_session_t *s = tu_session(g, NULL);
    expect_run_error(s, NULL, 0, NULL, 0, NULL, 0, TACT_CODE_INVALID_ARGUMENT,
                     "The Session graph is empty.");
    /* The graph may grow after the session exists. */
    tact_output_t c = tu_const_f32(g, NULL, 0, (float[]) { 37 }, NULL, &st);
    tact_tensor_t *r = tu_run1(s, c, NULL, 0, &st);
    assert_string_equal(tu_str(r), "37.0");
    tact_tensor_destroy(&r);

    assert_int_equal(tact_session_close(s, &st), TACT_CODE_OK);
    expect_run_error(s, &c, 1, NULL, 0, NULL, 0, TACT_CODE_CANCELLED, "Session has been closed.");
    /* A second close is OK and changes nothing (TensorFlow's close is idempotent): runs are
     * still refused. */
    tact_status_t again = TACT_STATUS_INIT;
    assert_int_equal(tact_session_close(s, &again), TACT_CODE_OK);
    assert_int_equal(again.code, TACT_CODE_OK);
    assert_string_equal(again.msg, "");
    expect_run_error(s, &c, 1, NULL, 0, NULL, 0, TACT_CODE_CANCELLED, "Session has been closed.");
    tact_session_destroy(&s);
    tact_graph_destroy(&g);
}

/* A server's error path closes with the status of its failure: close still closes, returns
 * its own result and keeps the first error in the status. */
static void test_close_whatever_the_status_holds(void **state)
{
    (void) state;
    tact_status_t st = TACT_STATUS_INIT;
    tact_graph_t *g = tact_graph_new();
    tact_output_t c = tu_const_f32(g, NULL, 0, (float[]) { 5 }, "c", &st);
    tact_session_t *s = tu_session(g, NULL);
    tact_status_t failed = TACT_STATUS_INIT;
    tact_output_t missing = tact_graph_output(g, "nope:0", &failed);
    assert_null(missing.op);
    assert_int_equal(failed.code, TACT_CODE_NOT_FOUND);
    char first[sizeof failed.msg];
    strcpy(first, failed.msg);
    assert_int_equal(tact_session_close(s, &failed), TACT_CODE_OK);  /* its own result */
    assert_int_equal(failed.code, TACT_CODE_NOT_FOUND);
    assert_string_equal(failed.msg, first);  /* the first error kept */
    /* ... and the session is closed all the same. */
    expect_run_error(s, &c, 1, NULL, 0, NULL, 0, TACT_CODE_CANCELLED, "Session has been closed.");
    assert_int_equal(tact_session_close(s, &failed), TACT_CODE_OK);
    assert_string_equal(failed.msg, first);
    tact_session_destroy(&s);
    tact_graph_destroy(&g);
}

static void test_error_session_creation(void **state)
{
    (void) state;
    tact_graph_t *g = tact_graph_new();
    tact_status_t st = TACT_STATUS_INIT;
    assert_null(tact_session_new("grpc://localhost:2222", g, NULL, &st));
    assert_int_equal(st.code, TACT_CODE_NOT_FOUND);
    assert_true(tu_contains(st.msg, "No session factory registered for the given session options"));

    tact_config_t no_cpu = { .device_count.cpu = TACT_DEVICE_COUNT_NONE };
    st = (tact_status_t) TACT_STATUS_INIT;
    assert_null(tact_session_new(NULL, g, &no_cpu, &st));
    assert_int_equal(st.code, TACT_CODE_NOT_FOUND);
    assert_string_equal(st.msg, "No CPU devices are available in this process");

    tact_config_t bad_executor = { .executor = (tact_executor_t) 7 };
    st = (tact_status_t) TACT_STATUS_INIT;
    assert_null(tact_session_new(NULL, g, &bad_executor, &st));
    assert_int_equal(st.code, TACT_CODE_INVALID_ARGUMENT);
    assert_string_equal(st.msg, "executor: unknown value 7");

    /* What TensorFlow accepts: negative thread counts (its defaults), and a negative memory
     * fraction when no GPU device is made. The session runs. */
    tact_config_t negative = { .intra_op_parallelism_threads = -1,
                               .inter_op_parallelism_threads = -2,
                               .gpu_options.per_process_gpu_memory_fraction = -0.5,
                               .device_count.gpu = TACT_DEVICE_COUNT_NONE };
    st = (tact_status_t) TACT_STATUS_INIT;
    tact_session_t *ns = tact_session_new(NULL, g, &negative, &st);
    assert_int_equal(st.code, TACT_CODE_OK);
    assert_non_null(ns);
    tact_output_t k = tu_const_f32(g, NULL, 0, (float[]) { 41 }, NULL, &st);
    tact_tensor_t *r = tu_run1(ns, k, NULL, 0, &st);
    assert_int_equal(st.code, TACT_CODE_OK);
    assert_string_equal(tu_str(r), "41.0");
    tact_tensor_destroy(&r);
    tact_session_destroy(&ns);

    /* Accepted fields, and a session over the default graph. */
    tact_config_t accepted = { .allow_soft_placement = true, .operation_timeout_in_ms = 1000,
                               .gpu_options = { .allow_growth = true,
                                                .per_process_gpu_memory_fraction = 0.5,
                                                .visible_device_list = "0" },
                               .intra_op_parallelism_threads = 1,
                               .inter_op_parallelism_threads = 3 };
    st = (tact_status_t) TACT_STATUS_INIT;
    tact_session_t *s = tact_session_new("", NULL, &accepted, &st);
    assert_int_equal(st.code, TACT_CODE_OK);
    assert_ptr_equal(tact_session_graph(s), tact_graph_get_default());
    tact_session_destroy(&s);
    tact_graph_destroy(&g);
}

/* ------------------------------------------------------------------------------------------ */
/* Plans, threads, lifetimes                                                                  */
/* ------------------------------------------------------------------------------------------ */

static void test_plan_cache(void **state)
{
    (void) state;
    tact_status_t st = TACT_STATUS_INIT;
    tact_graph_t *g = tact_graph_new();
    tact_output_t a = tu_const_f32(g, NULL, 0, (float[]) { 2 }, "a", &st);
    tact_output_t b = tu_const_f32(g, NULL, 0, (float[]) { 3 }, "b", &st);
    tact_output_t c = tact_multiply(g, a, b, "c", &st);
    tact_session_t *s = tu_session(g, NULL);
    tact_tensor_t *r[2];
    assert_int_equal(tact__session_num_plans(s), 0);
    for (int i = 0; i < 5; i++) {
        assert_int_equal(tact_session_run(s, &c, 1, r, NULL, 0, NULL, 0, &st), TACT_CODE_OK);
        tact_tensor_destroy(&r[0]);
    }
    assert_int_equal(tact__session_num_plans(s), 1);
    tact_output_t ab[2] = { a, c }, ba[2] = { c, a };
    assert_int_equal(tact_session_run(s, ab, 2, r, NULL, 0, NULL, 0, &st), TACT_CODE_OK);
    assert_string_equal(tu_str(r[1]), "6.0");
    tact_tensor_destroy(&r[0]);
    tact_tensor_destroy(&r[1]);
    assert_int_equal(tact_session_run(s, ba, 2, r, NULL, 0, NULL, 0, &st), TACT_CODE_OK);
    assert_string_equal(tu_str(r[0]), "6.0");
    assert_string_equal(tu_str(r[1]), "2.0");
    tact_tensor_destroy(&r[0]);
    tact_tensor_destroy(&r[1]);
    assert_int_equal(tact__session_num_plans(s), 2);  /* order does not matter */
    tact_tensor_t *bv = tu_scalar_f32(10);
    tact_feed_t fb = { b, bv };
    assert_int_equal(tact_session_run(s, &c, 1, r, &fb, 1, NULL, 0, &st), TACT_CODE_OK);
    assert_string_equal(tu_str(r[0]), "20.0");
    tact_tensor_destroy(&r[0]);
    assert_int_equal(tact__session_num_plans(s), 3);  /* feeds are part of the signature */
    /* Many signatures: the cache grows and keeps answering. */
    for (int i = 0; i < 60; i++) {
        tact_output_t k = tu_const_f32(g, NULL, 0, (float[]) { (float) i }, NULL, &st);
        tact_output_t f[2] = { k, c };
        assert_int_equal(tact_session_run(s, f, 2, r, NULL, 0, NULL, 0, &st), TACT_CODE_OK);
        assert_float_equal(*(float *) tact_tensor_data(r[0]), (float) i, 0);
        tact_tensor_destroy(&r[0]);
        tact_tensor_destroy(&r[1]);
    }
    assert_int_equal(tact__session_num_plans(s), 63);
    tact_tensor_destroy(&bv);
    tact_session_destroy(&s);
    tact_graph_destroy(&g);
}

typedef struct worker {
    tact_session_t *s;
    tact_output_t x, y;
    int id;
    int failures;   /* wrong values, or errors other than CANCELLED */
    int cancelled;  /* runs refused because the session closed */
} worker_t;

static void *worker_main(void *p)
{
    worker_t *w = p;
    for (int i = 0; i < 200; i++) {
        tact_status_t st = TACT_STATUS_INIT;
        float v = (float) (w->id * 1000 + i);
        tact_tensor_t *xv = tact_tensor_new(TACT_DTYPE_F32, NULL, 0, &v, &st);
        tact_feed_t f = { w->x, xv };
        tact_tensor_t *r = NULL;
        tact_session_run(w->s, &w->y, 1, &r, &f, 1, NULL, 0, &st);
        /* Refused after the close, or stopped by it mid-step. */
        if (st.code == TACT_CODE_CANCELLED && (strcmp(st.msg, "Session has been closed.") == 0 ||
                                               strstr(st.msg, "Run call was cancelled") != NULL))
            w->cancelled++;
        else if (st.code != TACT_CODE_OK || *(float *) tact_tensor_data(r) != 2 * v + 1)
            w->failures++;
        tact_tensor_destroy(&r);
        tact_tensor_destroy(&xv);
    }
    return NULL;
}

static void test_concurrent_runs_from_8_threads(void **state)
{
    (void) state;
    for (int e = 0; e < 2; e++) {
        tact_status_t st = TACT_STATUS_INIT;
        tact_graph_t *g = tact_graph_new();
        tact_output_t x = tact_placeholder(g, TACT_DTYPE_F32, NULL, 0, "x", &st);
        tact_output_t y = tact_add(g, tact_multiply(g, x, tu_const_f32(g, NULL, 0, (float[]) { 2 },
                                                                     NULL, &st), NULL, &st),
                                   tu_const_f32(g, NULL, 0, (float[]) { 1 }, NULL, &st), NULL,
                                   &st);
        assert_int_equal(st.code, TACT_CODE_OK);
        tact_session_t *s = tu_session(g, executors[e]);
        pthread_t th[8];
        worker_t w[8];
        for (int i = 0; i < 8; i++) {
            w[i] = (worker_t) { .s = s, .x = x, .y = y, .id = i };
            assert_int_equal(pthread_create(&th[i], NULL, worker_main, &w[i]), 0);
        }
        for (int i = 0; i < 8; i++) {
            pthread_join(th[i], NULL);
            assert_int_equal(w[i].failures, 0);
            assert_int_equal(w[i].cancelled, 0);
        }
        assert_int_equal(tact__session_num_plans(s), 1);
        tact_session_destroy(&s);
        tact_graph_destroy(&g);
    }
}

static void *closer_main(void *p)
{
    tact_session_t *s = p;
    tact_session_close(s, NULL);
    return NULL;
}

static void test_close_while_running(void **state)
{
    (void) state;
    tact_status_t st = TACT_STATUS_INIT;
    tact_graph_t *g = tact_graph_new();
    tact_output_t x = tact_placeholder(g, TACT_DTYPE_F32, NULL, 0, "x", &st);
    tact_output_t y = tact_add(g, tact_multiply(g, x, tu_const_f32(g, NULL, 0, (float[]) { 2 },
                                                                 NULL, &st), NULL, &st),
                               tu_const_f32(g, NULL, 0, (float[]) { 1 }, NULL, &st), NULL, &st);
    tact_session_t *s = tu_session(g, &actors_config);
    pthread_t th[4], closer;
    worker_t w[4];
    for (int i = 0; i < 4; i++) {
        w[i] = (worker_t) { .s = s, .x = x, .y = y, .id = i };
        pthread_create(&th[i], NULL, worker_main, &w[i]);
    }
    pthread_create(&closer, NULL, closer_main, s);
    for (int i = 0; i < 4; i++) {
        pthread_join(th[i], NULL);
        /* Runs before the close succeed, runs after it fail with CANCELLED; nothing else. */
        assert_int_equal(w[i].failures, 0);
    }
    pthread_join(closer, NULL);
    expect_run_error(s, &y, 1, NULL, 0, NULL, 0, TACT_CODE_CANCELLED, "Session has been closed.");
    tact_session_destroy(&s);
    tact_graph_destroy(&g);
}

/* A run blocked in a dequeue on an empty queue, for the destroy-under-load test. */
typedef struct blocked_run {
    tact_session_t *s;
    tact_output_t y;
    tact_status_t st;
} blocked_run_t;

static void *blocked_run_main(void *p)
{
    blocked_run_t *b = p;
    tact_tensor_t *r = NULL;
    tact_session_run(b->s, &b->y, 1, &r, NULL, 0, NULL, 0, &b->st);
    tact_tensor_destroy(&r);
    return NULL;
}

/* Destroy (or close, then destroy) while 48 runs wait in a dequeue: every run ends CANCELLED
 * and none touches the session after it has left it (ThreadSanitizer and AddressSanitizer
 * saw the last run lock the session's mutex after destroy had freed it, and hang there). */
static void test_destroy_while_runs_blocked(void **state)
{
    (void) state;
    enum { N = 48 };
    for (int round = 0; round < 4; round++) {
        tact_status_t st = TACT_STATUS_INIT;
        tact_graph_t *g = tact_graph_new();
        tact_op_t *q = tact_fifo_queue(g, 0, (tact_dtype_t[]) { TACT_DTYPE_F32 }, 1, NULL, NULL,
                                       "q", &st);
        tact_output_t y;
        tact_queue_dequeue(g, q, &y, NULL, &st);
        assert_int_equal(st.code, TACT_CODE_OK);
        tact_session_t *s = tu_session(g, executors[round % 2]);
        pthread_t th[N];
        blocked_run_t b[N];
        for (int i = 0; i < N; i++) {
            b[i] = (blocked_run_t) { .s = s, .y = y, .st = TACT_STATUS_INIT };
            assert_int_equal(pthread_create(&th[i], NULL, blocked_run_main, &b[i]), 0);
        }
        /* Every run inside the session (none can refer to it after the destroy), then 20 ms. */
        while (tact__session_active_runs(s) < N)
            usleep(1000);
        usleep(20000);
        if (round >= 2)
            assert_int_equal(tact_session_close(s, &st), TACT_CODE_OK);
        tact_session_destroy(&s);
        assert_null(s);
        for (int i = 0; i < N; i++) {
            assert_int_equal(pthread_join(th[i], NULL), 0);
            assert_int_equal(b[i].st.code, TACT_CODE_CANCELLED);
            assert_true(tu_contains(b[i].st.msg, "Dequeue operation was cancelled"));
        }
        tact_graph_destroy(&g);
    }
}

static void test_create_close_loop(void **state)
{
    (void) state;
    tact_status_t st = TACT_STATUS_INIT;
    tact_graph_t *g = tact_graph_new();
    tact_output_t c = tu_const_f32(g, NULL, 0, (float[]) { 1 }, NULL, &st);
    for (int i = 0; i < 50; i++) {
        tact_session_t *s = tu_session(g, i % 2 ? &actors_config : NULL);
        tact_tensor_t *r = tu_run1(s, c, NULL, 0, &st);
        assert_string_equal(tu_str(r), "1.0");
        tact_tensor_destroy(&r);
        if (i % 3 == 0)
            assert_int_equal(tact_session_close(s, &st), TACT_CODE_OK);
        tact_session_destroy(&s);
    }
    /* The session keeps the graph alive after the user's handle is gone. */
    tact_session_t *s = tu_session(g, NULL);
    tact_graph_destroy(&g);
    tact_tensor_t *r = tu_run1(s, c, NULL, 0, &st);
    assert_int_equal(st.code, TACT_CODE_OK);
    tact_tensor_destroy(&r);
    tact_session_destroy(&s);
}

static void test_list_devices(void **state)
{
    (void) state;
    tact_graph_t *g = tact_graph_new();
    tact_session_t *one = tu_session(g, NULL);
    tact_config_t two_cpus = { .device_count.cpu = 2 };
    tact_session_t *two = tu_session(g, &two_cpus);
    tact_device_info_t d[4];
    assert_int_equal(tact_session_list_devices(one, d, 4), 1);
    assert_string_equal(d[0].name, "/job:localhost/replica:0/task:0/device:CPU:0");
    assert_string_equal(d[0].kind, "CPU");
    assert_int_equal(d[0].memory_limit, 268435456);
    assert_true(tu_contains(d[0].description, "device: CPU:0, "));
    assert_int_equal(tact_session_list_devices(two, d, 1), 2);  /* the count, even past max */
    assert_int_equal(tact_session_list_devices(two, d, 4), 2);
    assert_string_equal(d[1].name, "/job:localhost/replica:0/task:0/device:CPU:1");
    assert_int_equal(tact_session_list_devices(two, NULL, 0), 2);
    tact_session_destroy(&one);
    tact_session_destroy(&two);
    tact_graph_destroy(&g);
}

static void test_several_sessions_per_graph(void **state)
{
    (void) state;
    tact_status_t st = TACT_STATUS_INIT;
    tact_graph_t *g1 = tact_graph_new(), *g2 = tact_graph_new();
    tact_output_t a = tu_const_f32(g1, NULL, 0, (float[]) { 1 }, NULL, &st);
    tact_output_t b = tu_const_f32(g2, NULL, 0, (float[]) { 2 }, NULL, &st);
    tact_session_t *s1 = tu_session(g1, NULL), *s2 = tu_session(g1, &actors_config);
    tact_session_t *s3 = tu_session(g2, NULL);
    tact_tensor_t *r1 = tu_run1(s1, a, NULL, 0, &st), *r2 = tu_run1(s2, a, NULL, 0, &st);
    tact_tensor_t *r3 = tu_run1(s3, b, NULL, 0, &st);
    assert_int_equal(st.code, TACT_CODE_OK);
    assert_string_equal(tu_str(r1), "1.0");
    assert_string_equal(tu_str(r2), "1.0");
    assert_string_equal(tu_str(r3), "2.0");
    tact_tensor_destroy(&r1);
    tact_tensor_destroy(&r2);
    tact_tensor_destroy(&r3);
    expect_run_error(s3, &a, 1, NULL, 0, NULL, 0, TACT_CODE_INVALID_ARGUMENT,
                     "is not an element of this graph");
    tact_session_destroy(&s1);
    tact_session_destroy(&s2);
    tact_session_destroy(&s3);
    tact_graph_destroy(&g1);
    tact_graph_destroy(&g2);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_seed_multiply),
        cmocka_unit_test(test_seed_add_and_matmul),
        cmocka_unit_test(test_chain_of_ops_values),
        cmocka_unit_test(test_feeds_placeholders_and_constants),
        cmocka_unit_test(test_duplicate_fetches_and_targets),
        cmocka_unit_test_setup_teardown(test_error_unfed_placeholder, error_setup, error_teardown),
        cmocka_unit_test_setup_teardown(test_error_bad_feeds, error_setup, error_teardown),
        cmocka_unit_test_setup_teardown(test_error_bad_fetches_and_targets, error_setup,
                                        error_teardown),
        cmocka_unit_test(test_error_runtime_kernels),
        cmocka_unit_test(test_error_empty_graph_and_closed_session),
        cmocka_unit_test(test_error_session_creation),
        cmocka_unit_test(test_plan_cache),
        cmocka_unit_test(test_concurrent_runs_from_8_threads),
        cmocka_unit_test(test_close_while_running),
        cmocka_unit_test(test_create_close_loop),
        cmocka_unit_test(test_destroy_while_runs_blocked),
        cmocka_unit_test(test_several_sessions_per_graph),
        cmocka_unit_test(test_list_devices),
        cmocka_unit_test(test_close_whatever_the_status_holds),
    };
    return cmocka_run_group_tests_name("session", tests, NULL, NULL);
}
