/* SPDX-License-Identifier: MIT */
/* Initial values: fills, the random ops (Philox streams, seeds, per-session positions and the
 * distributions' statistics), initializers, tf.get_variable, variable scopes and the reuse
 * rules, with TensorFlow's messages word for word. */
#include "runtime/base/philox.h" /* first: the prelude's _GNU_SOURCE precedes system headers */
#include "runtime/graph/graph_impl.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "tests/helpers.h"

#define F32 TACT_DTYPE_F32
#define F64 TACT_DTYPE_F64
#define I32 TACT_DTYPE_I32
#define I64 TACT_DTYPE_I64

#define DIMS(...) ((const int64_t[]) { __VA_ARGS__ })

/* The statistics tests draw this many samples. */
#define N_SAMPLES 100000

/* Evaluate `t` in `s`, which must work. */
static tact_tensor_t *eval_ok(tact_session_t *s, tact_output_t t)
{
    tact_status_t st = TACT_STATUS_INIT;
    tact_tensor_t *r = tact_eval(t, NULL, 0, s, &st);
    if (r == NULL)
        fail_msg("eval of %s failed: %s", t.op ? tact_op_name(t.op) : "<empty>", st.msg);
    return r;
}

static void run_ok(tact_session_t *s, tact_op_t *op)
{
    tact_status_t st = TACT_STATUS_INIT;
    if (tact_op_run(op, NULL, 0, s, &st) != TACT_CODE_OK)
        fail_msg("run of %s failed: %s", tact_op_name(op), st.msg);
}

/* Element i of a float32 or float64 tensor, as a double. */
static double elem(const tact_tensor_t *t, int64_t i)
{
    if (tact_tensor_dtype(t) == F32)
        return ((const float *) tact_tensor_data(t))[i];
    assert_int_equal(tact_tensor_dtype(t), F64);
    return ((const double *) tact_tensor_data(t))[i];
}

typedef struct stats {
    double mean, stddev, min, max;
} stats_t;

static stats_t stats_of(const tact_tensor_t *t)
{
    int64_t n = tact_tensor_nelems(t);
    double sum = 0, sq = 0, lo = INFINITY, hi = -INFINITY;
    for (int64_t i = 0; i < n; i++) {
        double x = elem(t, i);
        assert_true(isfinite(x));
        sum += x;
        lo = x < lo ? x : lo;
        hi = x > hi ? x : hi;
    }
    double mean = sum / (double) n;
    for (int64_t i = 0; i < n; i++)
        sq += (elem(t, i) - mean) * (elem(t, i) - mean);
    return (stats_t) { mean, sqrt(sq / (double) (n - 1)), lo, hi };
}

static bool same_values(const tact_tensor_t *a, const tact_tensor_t *b)
{
    return tact_tensor_dtype(a) == tact_tensor_dtype(b) &&
           tact_tensor_nbytes(a) == tact_tensor_nbytes(b) &&
           memcmp(tact_tensor_data(a), tact_tensor_data(b), tact_tensor_nbytes(a)) == 0;
}

/* The builder error `st` holds, which must have `code` and contain `text`. */
static void expect_error(const tact_status_t *st, tact_code_t code, const char *text)
{
    assert_int_equal(st->code, code);
    assert_true(tu_contains(st->msg, text));
}

/* ------------------------------------------------------------------------------------------ */
/* Philox                                                                                     */
/* ------------------------------------------------------------------------------------------ */

static void test_philox_known_answers(void **state)
{
    (void) state;
    /* Random123's published vectors for Philox4x32-10 (its tests/kat_vectors). */
    static const uint32_t ctr[3][4] = {
        { 0, 0, 0, 0 },
        { 0xffffffffu, 0xffffffffu, 0xffffffffu, 0xffffffffu },
        { 0x243f6a88u, 0x85a308d3u, 0x13198a2eu, 0x03707344u },
    };
    static const uint32_t key[3][2] = {
        { 0, 0 }, { 0xffffffffu, 0xffffffffu }, { 0xa4093822u, 0x299f31d0u }
    };
    static const uint32_t want[3][4] = {
        { 0x6627e8d5u, 0xe169c58du, 0xbc57ac4cu, 0x9b00dbd8u },
        { 0x408f276du, 0x41c83b0eu, 0xa20bc7c6u, 0x6d5451fdu },
        { 0xd16cfe09u, 0x94fdccebu, 0x5001e420u, 0x24126ea1u },
    };
    for (int k = 0; k < 3; k++) {
        uint32_t out[4];
        tact__philox_block(ctr[k], key[k], out);
        for (int i = 0; i < 4; i++)
            assert_int_equal(out[i], want[k][i]);
    }
}

static void test_philox_state_and_conversions(void **state)
{
    (void) state;
    /* TensorFlow's layout: key = seed, counter = (position, seed2). */
    tact_philox_t p = tact__philox_init(0x1122334455667788u, 0x99aabbccddeeff00u);
    assert_int_equal(p.key[0], 0x55667788u);
    assert_int_equal(p.key[1], 0x11223344u);
    assert_int_equal(p.ctr[0], 0);
    assert_int_equal(p.ctr[1], 0);
    assert_int_equal(p.ctr[2], 0xddeeff00u);
    assert_int_equal(p.ctr[3], 0x99aabbccu);
    tact__philox_skip(&p, 0x100000003u);
    assert_int_equal(p.ctr[0], 3);
    assert_int_equal(p.ctr[1], 1);
    /* A carry out of the 64-bit position moves into seed2's half, as TensorFlow's Skip. */
    p = tact__philox_init(0, 0);
    p.ctr[0] = p.ctr[1] = 0xffffffffu;
    tact__philox_skip(&p, 1);
    assert_int_equal(p.ctr[0], 0);
    assert_int_equal(p.ctr[1], 0);
    assert_int_equal(p.ctr[2], 1);
    /* next() is the block at the counter, then a step. */
    p = tact__philox_init(7, 9);
    uint32_t a[4], b[4];
    tact__philox_block(p.ctr, p.key, a);
    tact__philox_next(&p, b);
    assert_memory_equal(a, b, sizeof a);
    assert_int_equal(p.ctr[0], 1);

    assert_true(tact__philox_float(0) == 0.0f);
    assert_true(tact__philox_float(0xffffffffu) < 1.0f);
    assert_true(tact__philox_float(0x00400000u) == 0.5f);
    assert_true(tact__philox_double(0, 0) == 0.0);
    assert_true(tact__philox_double(0x00080000u, 0) == 0.5);
    assert_true(tact__philox_double(0xffffffffu, 0xffffffffu) < 1.0);
    float f0, f1;
    tact__philox_box_muller_f32(0, 0, &f0, &f1); /* u1 clamped to 1e-7: finite */
    assert_true(isfinite(f0) && isfinite(f1));
}

/* ------------------------------------------------------------------------------------------ */
/* Fills                                                                                      */
/* ------------------------------------------------------------------------------------------ */

static void test_fill_values_dtypes_and_names(void **state)
{
    (void) state;
    tact_status_t st = TACT_STATUS_INIT;
    tact_graph_t *g = tact_graph_new();
    tact_output_t z = tact_zeros(g, F32, DIMS(2, 3), 2, NULL, &st);
    tact_output_t o = tact_ones(g, I32, DIMS(3), 1, NULL, &st);
    tact_output_t f = tact_fill(g, I64, DIMS(2), 1, -7, NULL, &st);
    tact_output_t b = tact_fill(g, TACT_DTYPE_BOOL, DIMS(2), 1, 2.0, "flag", &st);
    tact_output_t d = tact_fill(g, F64, NULL, 0, 0.25, NULL, &st);
    tact_output_t e = tact_zeros(g, F32, DIMS(0, 3), 2, NULL, &st);
    tact_output_t o64 = tact_ones(g, F64, DIMS(1, 2), 2, NULL, &st);
    assert_int_equal(st.code, TACT_CODE_OK);
    assert_string_equal(tact_op_name(z.op), "zeros");
    assert_string_equal(tact_op_type(z.op), "Fill");
    assert_string_equal(tact_op_name(o.op), "ones");
    assert_string_equal(tact_op_name(f.op), "Fill");
    assert_string_equal(tact_op_name(b.op), "flag");
    assert_string_equal(tact_op_name(d.op), "Fill_1");
    assert_string_equal(tact_op_name(e.op), "zeros_1");
    assert_int_equal(tact_output_dtype(o), I32);
    assert_int_equal(tact_output_ndims(z), 2);
    assert_int_equal(tact_output_dim(z, 1), 3);
    assert_int_equal(tact_output_ndims(d), 0);

    tact_session_t *s = tu_session(g, NULL);
    const struct { tact_output_t out; const char *text; } want[] = {
        { z, "[[0. 0. 0.]\n [0. 0. 0.]]" }, { o, "[1 1 1]" },   { f, "[-7 -7]" },
        { b, "[ True  True]" },             { d, "0.25" },      { o64, "[[1. 1.]]" },
    };
    for (size_t i = 0; i < sizeof want / sizeof want[0]; i++) {
        tact_tensor_t *r = eval_ok(s, want[i].out);
        assert_string_equal(tu_str(r), want[i].text);
        tact_tensor_destroy(&r);
    }
    tact_tensor_t *r = eval_ok(s, e);
    assert_int_equal(tact_tensor_nelems(r), 0);
    assert_int_equal(tact_tensor_dim(r, 1), 3);
    tact_tensor_destroy(&r);
    tact_session_destroy(&s);
    tact_graph_destroy(&g);
}

static void test_fill_errors(void **state)
{
    (void) state;
    tact_graph_t *g = tact_graph_new();
    tact_status_t st = TACT_STATUS_INIT;
    tact_output_t out = tact_fill(g, I32, DIMS(2), 1, 1.5, NULL, &st);
    assert_null(out.op);
    expect_error(&st, TACT_CODE_INVALID_ARGUMENT, "Fill: value 1.5 is not representable as int32");
    /* The first error is the graph's too, and it sticks. */
    expect_error(tact_graph_status(g), TACT_CODE_INVALID_ARGUMENT, "not representable");
    assert_null(tact_zeros(g, F32, DIMS(2), 1, NULL, &st).op);
    assert_true(tu_contains(st.msg, "Fill: value 1.5"));

    st = (tact_status_t) TACT_STATUS_INIT;
    assert_null(tact_fill(g, I32, DIMS(1), 1, 3e9, NULL, &st).op);
    expect_error(&st, TACT_CODE_INVALID_ARGUMENT, "is not representable as int32");
    st = (tact_status_t) TACT_STATUS_INIT;
    assert_null(tact_zeros(g, F32, DIMS(2, -1), 2, NULL, &st).op);
    expect_error(&st, TACT_CODE_INVALID_ARGUMENT, "Fill dimensions must be >= 0");
    st = (tact_status_t) TACT_STATUS_INIT;
    assert_null(tact_ones(g, TACT_DTYPE_STRING, DIMS(2), 1, NULL, &st).op);
    expect_error(&st, TACT_CODE_INVALID_ARGUMENT, "Fill: dtype string is not supported");
    st = (tact_status_t) TACT_STATUS_INIT;
    assert_null(tact_ones(g, (tact_dtype_t) 99, DIMS(2), 1, NULL, &st).op);
    expect_error(&st, TACT_CODE_INVALID_ARGUMENT, "Fill: invalid dtype 99");
    st = (tact_status_t) TACT_STATUS_INIT;
    assert_null(tact_ones(g, F32, DIMS(1, 1, 1, 1, 1, 1, 1, 1, 1), 9, NULL, &st).op);
    expect_error(&st, TACT_CODE_INVALID_ARGUMENT, "Fill: invalid rank 9");
    tact_graph_destroy(&g);
}

/* ------------------------------------------------------------------------------------------ */
/* Random ops                                                                                 */
/* ------------------------------------------------------------------------------------------ */

static void test_random_names_types_and_shapes(void **state)
{
    (void) state;
    tact_status_t st = TACT_STATUS_INIT;
    tact_graph_t *g = tact_graph_new();
    tact_output_t u = tact_random_uniform(g, F32, DIMS(2, 3), 2, 0, 1, 1, NULL, &st);
    tact_output_t n = tact_random_normal(g, F64, DIMS(5), 1, 0, 1, 1, NULL, &st);
    tact_output_t t = tact_truncated_normal(g, F32, NULL, 0, 0, 1, 1, NULL, &st);
    tact_output_t u2 = tact_random_uniform(g, F64, DIMS(0, 4), 2, 0, 1, 1, NULL, &st);
    assert_int_equal(st.code, TACT_CODE_OK);
    assert_string_equal(tact_op_name(u.op), "random_uniform");
    assert_string_equal(tact_op_type(u.op), "RandomUniform");
    assert_string_equal(tact_op_name(n.op), "random_normal");
    assert_string_equal(tact_op_type(n.op), "RandomStandardNormal");
    assert_string_equal(tact_op_name(t.op), "truncated_normal");
    assert_string_equal(tact_op_type(t.op), "TruncatedNormal");
    assert_string_equal(tact_op_name(u2.op), "random_uniform_1");
    assert_int_equal(tact_op_num_inputs(u.op), 0);
    assert_int_equal(tact_output_dtype(n), F64);
    assert_int_equal(tact_output_ndims(u), 2);
    assert_int_equal(tact_output_ndims(t), 0);

    tact_session_t *s = tu_session(g, NULL);
    tact_tensor_t *r = eval_ok(s, t);
    assert_int_equal(tact_tensor_ndims(r), 0);
    assert_true(fabs(elem(r, 0)) < 2.0);
    tact_tensor_destroy(&r);
    r = eval_ok(s, u2);
    assert_int_equal(tact_tensor_nelems(r), 0);
    tact_tensor_destroy(&r);
    /* Sizes that are not a multiple of the 4-float or 2-double groups fill every element. */
    tact_output_t odd = tact_random_normal(g, F32, DIMS(7), 1, 100, 1, 3, NULL, &st);
    tact_output_t odd2 = tact_truncated_normal(g, F64, DIMS(3), 1, 100, 1, 3, NULL, &st);
    assert_int_equal(st.code, TACT_CODE_OK);
    r = eval_ok(s, odd);
    for (int i = 0; i < 7; i++)
        assert_true(elem(r, i) > 90 && elem(r, i) < 110);
    tact_tensor_destroy(&r);
    r = eval_ok(s, odd2);
    for (int i = 0; i < 3; i++)
        assert_true(elem(r, i) > 98 && elem(r, i) < 102);
    tact_tensor_destroy(&r);
    tact_session_destroy(&s);
    tact_graph_destroy(&g);
}

static void test_random_errors(void **state)
{
    (void) state;
    tact_graph_t *g = tact_graph_new();
    tact_status_t st = TACT_STATUS_INIT;
    assert_null(tact_random_uniform(g, I32, DIMS(2), 1, 0, 10, 1, NULL, &st).op);
    expect_error(&st, TACT_CODE_INVALID_ARGUMENT,
                 "Value for attr 'dtype' of int32 is not in the list of allowed values: float, "
                 "double for 'random_uniform' (op: 'RandomUniform')");
    st = (tact_status_t) TACT_STATUS_INIT;
    assert_null(tact_random_normal(g, TACT_DTYPE_BOOL, DIMS(2), 1, 0, 1, 1, NULL, &st).op);
    expect_error(&st, TACT_CODE_INVALID_ARGUMENT,
                 "Value for attr 'dtype' of bool is not in the list of allowed values");
    st = (tact_status_t) TACT_STATUS_INIT;
    assert_null(tact_truncated_normal(g, (tact_dtype_t) 42, DIMS(2), 1, 0, 1, 1, NULL, &st).op);
    expect_error(&st, TACT_CODE_INVALID_ARGUMENT,
                 "Invalid dtype 42 for 'truncated_normal' (op: 'TruncatedNormal')");
    st = (tact_status_t) TACT_STATUS_INIT;
    assert_null(tact_random_uniform(g, F32, DIMS(3, -1), 2, 0, 1, 1, NULL, &st).op);
    expect_error(&st, TACT_CODE_INVALID_ARGUMENT, "RandomUniform: Dimension -1 must be >= 0");
    st = (tact_status_t) TACT_STATUS_INIT;
    assert_null(tact_random_normal(g, F32, DIMS(-5), 1, 0, 1, 1, NULL, &st).op);
    expect_error(&st, TACT_CODE_INVALID_ARGUMENT,
                 "RandomStandardNormal: Dimension -5 must be >= 0");
    st = (tact_status_t) TACT_STATUS_INIT;
    assert_null(tact_random_normal(g, F32, NULL, 2, 0, 1, 1, NULL, &st).op);
    expect_error(&st, TACT_CODE_INVALID_ARGUMENT, "invalid rank 2");
    st = (tact_status_t) TACT_STATUS_INIT;
    assert_null(tact_random_normal(g, F32, DIMS(1 << 30, 1 << 30, 1 << 30), 3, 0, 1, 1, NULL, &st)
                    .op);
    expect_error(&st, TACT_CODE_INVALID_ARGUMENT, "has too many elements");
    /* The graph keeps the first error. */
    expect_error(tact_graph_status(g), TACT_CODE_INVALID_ARGUMENT, "attr 'dtype' of int32");
    /* A status already holding an error: nothing is built. */
    int n = tact_graph_num_ops(g);
    assert_null(tact_random_uniform(g, F32, DIMS(2), 1, 0, 1, 1, NULL, &st).op);
    assert_int_equal(tact_graph_num_ops(g), n);
    tact_graph_destroy(&g);
}

static void test_uniform_range_and_statistics(void **state)
{
    (void) state;
    tact_status_t st = TACT_STATUS_INIT;
    tact_graph_t *g = tact_graph_new();
    tact_output_t u32 = tact_random_uniform(g, F32, DIMS(N_SAMPLES), 1, -2, 3, 5, NULL, &st);
    tact_output_t u64 = tact_random_uniform(g, F64, DIMS(N_SAMPLES), 1, 10, 10.5, 5, NULL, &st);
    assert_int_equal(st.code, TACT_CODE_OK);
    tact_session_t *s = tu_session(g, NULL);
    tact_tensor_t *r = eval_ok(s, u32);
    stats_t a = stats_of(r);
    assert_true(a.min >= -2.0 && a.max < 3.0);
    assert_true(a.min < -1.99 && a.max > 2.99);  /* the whole range is used */
    assert_true(fabs(a.mean - 0.5) < 0.02);
    assert_true(fabs(a.stddev - 5.0 / sqrt(12.0)) < 0.02);
    tact_tensor_destroy(&r);
    r = eval_ok(s, u64);
    a = stats_of(r);
    assert_true(a.min >= 10.0 && a.max < 10.5);
    assert_true(fabs(a.mean - 10.25) < 0.005);
    assert_true(fabs(a.stddev - 0.5 / sqrt(12.0)) < 0.005);
    tact_tensor_destroy(&r);
    tact_session_destroy(&s);
    tact_graph_destroy(&g);
}

static void test_normal_statistics(void **state)
{
    (void) state;
    tact_status_t st = TACT_STATUS_INIT;
    tact_graph_t *g = tact_graph_new();
    tact_output_t n32 = tact_random_normal(g, F32, DIMS(N_SAMPLES), 1, 1.5, 2.0, 11, NULL, &st);
    tact_output_t n64 = tact_random_normal(g, F64, DIMS(N_SAMPLES), 1, -3, 0.5, 11, NULL, &st);
    assert_int_equal(st.code, TACT_CODE_OK);
    tact_session_t *s = tu_session(g, NULL);
    tact_tensor_t *r = eval_ok(s, n32);
    stats_t a = stats_of(r);
    assert_true(fabs(a.mean - 1.5) < 0.03);
    assert_true(fabs(a.stddev - 2.0) < 0.03);
    assert_true(a.max - 1.5 > 3 * 2.0 && 1.5 - a.min > 3 * 2.0);  /* tails are not cut */
    tact_tensor_destroy(&r);
    r = eval_ok(s, n64);
    a = stats_of(r);
    assert_true(fabs(a.mean + 3) < 0.01);
    assert_true(fabs(a.stddev - 0.5) < 0.01);
    tact_tensor_destroy(&r);
    tact_session_destroy(&s);
    tact_graph_destroy(&g);
}

static void test_truncated_normal_bounds_and_statistics(void **state)
{
    (void) state;
    tact_status_t st = TACT_STATUS_INIT;
    tact_graph_t *g = tact_graph_new();
    tact_output_t t32 = tact_truncated_normal(g, F32, DIMS(N_SAMPLES), 1, 1, 0.5, 3, NULL, &st);
    tact_output_t t64 = tact_truncated_normal(g, F64, DIMS(N_SAMPLES), 1, 0, 3, 3, NULL, &st);
    assert_int_equal(st.code, TACT_CODE_OK);
    tact_session_t *s = tu_session(g, NULL);
    /* A unit normal cut to (-2, 2) keeps this much of its spread. */
    const double kept = 0.87962566103423978;
    tact_tensor_t *r = eval_ok(s, t32);
    stats_t a = stats_of(r);
    assert_true(a.min > 0.0 && a.max < 2.0);
    assert_true(a.min < 0.01 && a.max > 1.99);
    assert_true(fabs(a.mean - 1.0) < 0.01);
    assert_true(fabs(a.stddev - 0.5 * kept) < 0.01);
    tact_tensor_destroy(&r);
    r = eval_ok(s, t64);
    a = stats_of(r);
    assert_true(a.min > -6.0 && a.max < 6.0);
    assert_true(fabs(a.mean) < 0.03);
    assert_true(fabs(a.stddev - 3 * kept) < 0.03);
    tact_tensor_destroy(&r);
    tact_session_destroy(&s);
    tact_graph_destroy(&g);
}

/* The kernels lay out the stream as TensorFlow's do: block i gives floats 4i..4i+3. */
static void test_values_follow_the_stream(void **state)
{
    (void) state;
    tact_status_t st = TACT_STATUS_INIT;
    tact_graph_t *g = tact_graph_new();
    tact_output_t u = tact_random_uniform(g, F32, DIMS(6), 1, 0, 1, 42, NULL, &st);
    tact_output_t n = tact_random_normal(g, F64, DIMS(2), 1, 0, 1, 42, NULL, &st);
    assert_int_equal(st.code, TACT_CODE_OK);
    assert_int_equal(u.op->attrs.seed, 87654321);  /* tf.get_seed's DEFAULT_GRAPH_SEED */
    assert_int_equal(u.op->attrs.seed2, 42);
    tact_session_t *s = tu_session(g, NULL);
    tact_tensor_t *r = eval_ok(s, u);
    tact_philox_t p = tact__philox_init(87654321, 42);
    uint32_t x[4];
    for (int i = 0; i < 6; i++) {
        if (i % 4 == 0)
            tact__philox_next(&p, x);
        assert_true(elem(r, i) == (double) tact__philox_float(x[i % 4]));
    }
    tact_tensor_destroy(&r);
    /* The second run starts 6 * 256 blocks on, TensorFlow's reservation. */
    r = eval_ok(s, u);
    p = tact__philox_init(87654321, 42);
    tact__philox_skip(&p, 6 * 256);
    tact__philox_next(&p, x);
    assert_true(elem(r, 0) == (double) tact__philox_float(x[0]));
    tact_tensor_destroy(&r);
    r = eval_ok(s, n);
    p = tact__philox_init(87654321, 42);
    tact__philox_next(&p, x);
    double d0, d1;
    tact__philox_box_muller_f64(x[0], x[1], x[2], x[3], &d0, &d1);
    assert_true(elem(r, 0) == d0 && elem(r, 1) == d1);
    tact_tensor_destroy(&r);
    tact_session_destroy(&s);
    tact_graph_destroy(&g);
}

/* Values printed by TensorFlow 2.21's CPU kernels (tf.raw_ops in a tf.compat.v1 graph and
 * session, and tf.compat.v1.random_uniform after tf.compat.v1.set_random_seed(1)) for the same
 * seeds, run twice in one session: tact gives the same numbers, bit for bit. */
static void expect_runs(tact_session_t *s, tact_output_t op, int n, const double *first,
                        const double *second)
{
    const double *want[2] = { first, second };
    for (int run = 0; run < 2; run++) {
        tact_tensor_t *r = eval_ok(s, op);
        assert_int_equal(tact_tensor_nelems(r), n);
        for (int i = 0; i < n; i++) {
            if (elem(r, i) != want[run][i])
                fail_msg("%s run %d [%d]: %.17g, TensorFlow %.17g", tact_op_name(op.op), run, i,
                         elem(r, i), want[run][i]);
        }
        tact_tensor_destroy(&r);
    }
}

#define VALS(...) ((const double[]) { __VA_ARGS__ })

static void test_values_match_tensorflow(void **state)
{
    (void) state;
    tact_status_t st = TACT_STATUS_INIT;
    tact_graph_t *g = tact_graph_new();
    /* Op seed 42 without a graph seed: (87654321, 42). */
    tact_output_t u = tact_random_uniform(g, F32, DIMS(6), 1, 0, 1, 42, NULL, &st);
    tact_output_t n = tact_random_normal(g, F32, DIMS(6), 1, 0, 1, 42, NULL, &st);
    tact_output_t t = tact_truncated_normal(g, F32, DIMS(6), 1, 0, 1, 42, NULL, &st);
    tact_set_random_seed(g, 5);  /* (5, 7) */
    tact_output_t ud = tact_random_uniform(g, F64, DIMS(3), 1, 0, 1, 7, NULL, &st);
    tact_output_t nd = tact_random_normal(g, F64, DIMS(3), 1, 0, 1, 7, NULL, &st);
    tact_output_t td = tact_truncated_normal(g, F64, DIMS(3), 1, 0, 1, 7, NULL, &st);
    tact_set_random_seed(g, 1);  /* (1, 3), scaled to [-1, 1) */
    tact_output_t r = tact_random_uniform(g, F32, DIMS(2, 2), 2, -1, 1, 3, NULL, &st);
    assert_int_equal(st.code, TACT_CODE_OK);
    tact_session_t *s = tu_session(g, NULL);
    expect_runs(s, u, 6,
                VALS(0.9522714614868164, 0.6774077415466309, 0.7953182458877563,
                     0.7557817697525024, 0.475955605506897, 0.6310148239135742),
                VALS(0.15116918087005615, 0.9988142251968384, 0.4307137727737427,
                     0.9249907732009888, 0.41770970821380615, 0.9479430913925171));
    expect_runs(s, n, 6,
                VALS(-0.2807750701904297, -0.13775210082530975, -0.6763296127319336,
                     0.024580413475632668, -0.8935845494270325, -0.8284732699394226),
                VALS(-0.014482641592621803, 1.9438368082046509, -0.5893152952194214,
                     1.1564300060272217, -0.4245230555534363, 1.251286268234253));
    expect_runs(s, t, 6,
                VALS(-0.2807750701904297, -0.13775210082530975, -0.6763296127319336,
                     0.024580413475632668, -0.4684547185897827, -0.002466318430379033),
                VALS(-0.014482641592621803, 1.9438368082046509, -0.5893152952194214,
                     1.1564300060272217, 1.0532718896865845, 0.5254999399185181));
    expect_runs(s, ud, 3, VALS(0.5797102984427605, 0.07255541961785372, 0.6443857207582466),
                VALS(0.24492409351071154, 0.7974241546875145, 0.679744948984663));
    expect_runs(s, nd, 3, VALS(0.4597320444091908, 0.9376033376020686, 0.5180844659693208),
                VALS(-1.6034658581737222, 0.49245417996632074, -0.8268848221003668));
    expect_runs(s, td, 3, VALS(0.4597320444091908, 0.9376033376020686, 0.8056042320022011),
                VALS(-1.6034658581737222, 0.49245417996632074, 0.70071393311136));
    tact_tensor_t *first = eval_ok(s, r);
    const double want_r[] = { 0.5575711727142334, 0.6023955345153809, 0.448749303817749,
                              -0.5382113456726074 };
    for (int i = 0; i < 4; i++)
        assert_true(elem(first, i) == want_r[i]);
    tact_tensor_destroy(&first);
    tact_session_destroy(&s);
    tact_graph_destroy(&g);
}

/* Scenario: an op seed repeats the first values in a new session; runs in one session move on. */
static void test_seeds_across_sessions_and_runs(void **state)
{
    (void) state;
    tact_status_t st = TACT_STATUS_INIT;
    tact_graph_t *g = tact_graph_new();
    tact_output_t ops[3] = {
        tact_random_uniform(g, F32, DIMS(8), 1, 0, 1, 7, NULL, &st),
        tact_random_normal(g, F32, DIMS(8), 1, 0, 1, 7, NULL, &st),
        tact_truncated_normal(g, F64, DIMS(8), 1, 0, 1, 7, NULL, &st),
    };
    assert_int_equal(st.code, TACT_CODE_OK);
    for (int k = 0; k < 3; k++) {
        tact_session_t *a = tu_session(g, NULL), *b = tu_session(g, NULL);
        tact_tensor_t *a1 = eval_ok(a, ops[k]), *a2 = eval_ok(a, ops[k]);
        tact_tensor_t *b1 = eval_ok(b, ops[k]), *b2 = eval_ok(b, ops[k]);
        assert_true(same_values(a1, b1));
        assert_true(same_values(a2, b2));
        assert_false(same_values(a1, a2));
        tact_tensor_destroy(&a1);
        tact_tensor_destroy(&a2);
        tact_tensor_destroy(&b1);
        tact_tensor_destroy(&b2);
        tact_session_destroy(&a);
        tact_session_destroy(&b);
    }

    /* Two graphs built alike give the same values; another op seed gives others. */
    tact_graph_t *h = tact_graph_new();
    tact_output_t same = tact_random_uniform(h, F32, DIMS(8), 1, 0, 1, 7, NULL, &st);
    tact_output_t other = tact_random_uniform(h, F32, DIMS(8), 1, 0, 1, 8, NULL, &st);
    assert_int_equal(st.code, TACT_CODE_OK);
    tact_session_t *a = tu_session(g, NULL), *b = tu_session(h, NULL);
    tact_tensor_t *ra = eval_ok(a, ops[0]), *rb = eval_ok(b, same), *rc = eval_ok(b, other);
    assert_true(same_values(ra, rb));
    assert_false(same_values(ra, rc));
    tact_tensor_destroy(&ra);
    tact_tensor_destroy(&rb);
    tact_tensor_destroy(&rc);
    tact_session_destroy(&a);
    tact_session_destroy(&b);
    tact_graph_destroy(&h);
    tact_graph_destroy(&g);
}

static void test_graph_seed_rules(void **state)
{
    (void) state;
    tact_status_t st = TACT_STATUS_INIT;
    tact_graph_t *g = tact_graph_new();
    /* No seed at all: (0, 0), fresh seeds per session. */
    tact_output_t none = tact_random_uniform(g, F32, DIMS(8), 1, 0, 1, TACT_SEED_NONE, NULL, &st);
    assert_int_equal(none.op->attrs.seed, 0);
    assert_int_equal(none.op->attrs.seed2, 0);
    /* A graph seed: op seeds default to the number of ops so far, and are taken mod 2^31. */
    tact_set_random_seed(g, 5);
    tact_output_t g1 = tact_random_uniform(g, F32, DIMS(8), 1, 0, 1, TACT_SEED_NONE, NULL, &st);
    tact_output_t g2 = tact_random_uniform(g, F32, DIMS(8), 1, 0, 1, TACT_SEED_NONE, NULL, &st);
    tact_output_t big = tact_random_uniform(g, F32, DIMS(8), 1, 0, 1, (1LL << 31) + 3, NULL, &st);
    assert_int_equal(st.code, TACT_CODE_OK);
    assert_int_equal(g1.op->attrs.seed, 5);
    assert_int_equal(g1.op->attrs.seed2, 1);
    assert_int_equal(g2.op->attrs.seed2, 2);
    assert_int_equal(big.op->attrs.seed2, 3);
    /* (0, 0) would mean "no seed": TensorFlow makes it (0, 2^31 - 1). */
    tact_set_random_seed(g, 0);
    tact_output_t zero = tact_random_normal(g, F32, DIMS(8), 1, 0, 1, 0, NULL, &st);
    assert_int_equal(zero.op->attrs.seed, 0);
    assert_int_equal(zero.op->attrs.seed2, 2147483647);
    /* Clearing the graph seed. */
    tact_set_random_seed(g, TACT_SEED_NONE);
    tact_output_t op_only = tact_random_normal(g, F32, DIMS(8), 1, 0, 1, 9, NULL, &st);
    assert_int_equal(op_only.op->attrs.seed, 87654321);
    assert_int_equal(op_only.op->attrs.seed2, 9);
    assert_int_equal(st.code, TACT_CODE_OK);

    tact_session_t *a = tu_session(g, NULL), *b = tu_session(g, NULL);
    tact_tensor_t *a1 = eval_ok(a, g1), *b1 = eval_ok(b, g1), *a2 = eval_ok(a, g2);
    assert_true(same_values(a1, b1));   /* a graph seed alone repeats across sessions */
    assert_false(same_values(a1, a2));  /* and gives each op its own stream */
    tact_tensor_destroy(&a1);
    tact_tensor_destroy(&b1);
    tact_tensor_destroy(&a2);
    /* Without any seed, sessions differ (and repeated runs too). */
    tact_tensor_t *na = eval_ok(a, none), *nb = eval_ok(b, none), *na2 = eval_ok(a, none);
    assert_false(same_values(na, nb));
    assert_false(same_values(na, na2));
    stats_t s = stats_of(na);
    assert_true(s.min >= 0 && s.max < 1);
    tact_tensor_destroy(&na);
    tact_tensor_destroy(&nb);
    tact_tensor_destroy(&na2);
    tact_session_destroy(&a);
    tact_session_destroy(&b);
    tact_graph_destroy(&g);
}

/* Runs from several threads draw disjoint blocks: no two runs give the same values. */
typedef struct race {
    tact_session_t *s;
    tact_output_t op;
    tact_tensor_t *got[8];
} race_t;

static void *race_main(void *arg)
{
    race_t *r = arg;
    for (int i = 0; i < 8; i++) {
        tact_status_t st = TACT_STATUS_INIT;
        r->got[i] = tact_eval(r->op, NULL, 0, r->s, &st);
    }
    return NULL;
}

static void test_concurrent_runs_draw_distinct_values(void **state)
{
    (void) state;
    tact_status_t st = TACT_STATUS_INIT;
    tact_graph_t *g = tact_graph_new();
    tact_output_t u = tact_random_uniform(g, F32, DIMS(4), 1, 0, 1, 1, NULL, &st);
    assert_int_equal(st.code, TACT_CODE_OK);
    tact_session_t *s = tu_session(g, NULL);
    race_t r[4];
    pthread_t t[4];
    for (int i = 0; i < 4; i++) {
        r[i] = (race_t) { .s = s, .op = u };
        assert_int_equal(pthread_create(&t[i], NULL, race_main, &r[i]), 0);
    }
    for (int i = 0; i < 4; i++)
        pthread_join(t[i], NULL);
    for (int i = 0; i < 32; i++) {
        const tact_tensor_t *x = r[i / 8].got[i % 8];
        assert_non_null(x);
        for (int j = 0; j < i; j++)
            assert_false(same_values(x, r[j / 8].got[j % 8]));
    }
    for (int i = 0; i < 32; i++)
        tact_tensor_destroy(&r[i / 8].got[i % 8]);
    tact_session_destroy(&s);
    tact_graph_destroy(&g);
}

/* ------------------------------------------------------------------------------------------ */
/* Initializers and get_variable                                                              */
/* ------------------------------------------------------------------------------------------ */

static void test_initializer_constructors(void **state)
{
    (void) state;
    assert_string_equal(tact_initializer_kind_name(TACT_INITIALIZER_ZEROS), "zeros_initializer");
    assert_string_equal(tact_initializer_kind_name(TACT_INITIALIZER_GLOROT_UNIFORM),
                        "glorot_uniform_initializer");
    assert_string_equal(tact_initializer_kind_name(TACT_INITIALIZER_COUNT), "unknown");
    for (int k = 0; k < TACT_INITIALIZER_COUNT; k++)
        assert_string_not_equal(tact_initializer_kind_name((tact_initializer_kind_t) k), "unknown");
    tact_initializer_t i = tact_random_uniform_initializer(-1, 2, 3);
    assert_int_equal(i.kind, TACT_INITIALIZER_RANDOM_UNIFORM);
    assert_true(i.minval == -1 && i.maxval == 2 && i.seed == 3);
    i = tact_truncated_normal_initializer(0.5, 0.1, TACT_SEED_NONE);
    assert_int_equal(i.kind, TACT_INITIALIZER_TRUNCATED_NORMAL);
    assert_true(i.mean == 0.5 && i.stddev == 0.1 && i.seed < 0);
    i = tact_constant_initializer(4);
    assert_true(i.kind == TACT_INITIALIZER_CONSTANT && i.value == 4);
    assert_int_equal(tact_zeros_initializer().seed, TACT_SEED_NONE);
    assert_int_equal(tact_glorot_normal_initializer(12).seed, 12);
}

static void test_get_variable_with_each_initializer(void **state)
{
    (void) state;
    tact_status_t st = TACT_STATUS_INIT;
    tact_graph_t *g = tact_graph_new();
    const tact_initializer_t zeros = tact_zeros_initializer(), ones = tact_ones_initializer(),
                             c = tact_constant_initializer(3.5),
                             ci = tact_constant_initializer(-4),
                             u = tact_random_uniform_initializer(5, 6, 1),
                             n = tact_random_normal_initializer(-10, 0.1, 2),
                             t = tact_truncated_normal_initializer(10, 1, 3),
                             gu = tact_glorot_uniform_initializer(4),
                             gn = tact_glorot_normal_initializer(5);
    struct {
        const char *name;
        tact_dtype_t dtype;
        const tact_initializer_t *init;
        const char *init_op;  /* under "<name>/Initializer/" */
        const char *init_type;
        double lo, hi;        /* every value in [lo, hi] */
    } cases[] = {
        { "z", F32, &zeros, "zeros", "Fill", 0, 0 },
        { "zi", I64, &zeros, "zeros", "Fill", 0, 0 },
        { "o", F64, &ones, "ones", "Fill", 1, 1 },
        { "c", F32, &c, "Const", "Const", 3.5, 3.5 },
        { "ci", I32, &ci, "Const", "Const", -4, -4 },
        { "u", F32, &u, "random_uniform", "RandomUniform", 5, 6 },
        { "n", F64, &n, "random_normal", "RandomStandardNormal", -11, -9 },
        { "t", F32, &t, "truncated_normal", "TruncatedNormal", 8, 12 },
        { "gu", F32, &gu, "random_uniform", "RandomUniform", -sqrt(6.0 / 50), sqrt(6.0 / 50) },
        { "gn", F64, &gn, "truncated_normal", "TruncatedNormal",
          -2 * sqrt(2.0 / 50) / 0.87962566103423978, 2 * sqrt(2.0 / 50) / 0.87962566103423978 },
    };
    enum { N_CASES = sizeof cases / sizeof cases[0] };
    tact_output_t vars[N_CASES];
    for (int i = 0; i < N_CASES; i++) {
        vars[i] = tact_get_variable(g, cases[i].name, cases[i].dtype, DIMS(20, 30), 2,
                                    cases[i].init, &st);
        if (st.code != TACT_CODE_OK)
            fail_msg("%s: %s", cases[i].name, st.msg);
        assert_string_equal(tact_op_name(vars[i].op), cases[i].name);
        assert_string_equal(tact_op_type(vars[i].op), "VariableV2");
        assert_int_equal(tact_output_dtype(vars[i]), cases[i].dtype);
        char buf[128];
        snprintf(buf, sizeof buf, "%s/Initializer/%s", cases[i].name, cases[i].init_op);
        tact_op_t *init_op = tact_graph_op(g, buf);
        assert_non_null(init_op);
        assert_string_equal(tact_op_type(init_op), cases[i].init_type);
        snprintf(buf, sizeof buf, "%s/Assign", cases[i].name);
        tact_op_t *assign = tact_graph_op(g, buf);
        assert_non_null(assign);
        assert_ptr_equal(tact_op_input(assign, 1).op, init_op);
        assert_ptr_equal(vars[i].op->attrs.initializer, assign);
    }
    tact_op_t *init = tact_global_variables_initializer(g, &st);
    assert_int_equal(st.code, TACT_CODE_OK);
    tact_session_t *s = tu_session(g, NULL);
    run_ok(s, init);
    for (int i = 0; i < N_CASES; i++) {
        tact_tensor_t *r = eval_ok(s, vars[i]);
        assert_int_equal(tact_tensor_nelems(r), 600);
        for (int64_t k = 0; k < 600; k++) {
            double x;
            switch (cases[i].dtype) {
            case I32:
                x = ((const int32_t *) tact_tensor_data(r))[k];
                break;
            case I64:
                x = (double) ((const int64_t *) tact_tensor_data(r))[k];
                break;
            default:
                x = elem(r, k);
                break;
            }
            /* float32 rounding of the bounds: a relative 1e-6 */
            double slack = 1e-6 * (fabs(cases[i].lo) + fabs(cases[i].hi));
            if (!(x >= cases[i].lo - slack && x <= cases[i].hi + slack))
                fail_msg("%s[%d] = %g outside [%g, %g]", cases[i].name, (int) k, x, cases[i].lo,
                         cases[i].hi);
        }
        tact_tensor_destroy(&r);
    }
    tact_session_destroy(&s);
    tact_graph_destroy(&g);
}

/* Scenario: a seeded initializer gives the same first values in a new session; running the
 * initializer again in one session draws new ones. */
static void test_seeded_variable_repeats_across_sessions(void **state)
{
    (void) state;
    tact_status_t st = TACT_STATUS_INIT;
    tact_graph_t *g = tact_graph_new();
    tact_initializer_t init = tact_random_normal_initializer(0, 1, 17);
    tact_output_t v = tact_get_variable(g, "v", F32, DIMS(3, 3), 2, &init, &st);
    tact_op_t *init_op = tact_global_variables_initializer(g, &st);
    assert_int_equal(st.code, TACT_CODE_OK);
    tact_session_t *a = tu_session(g, NULL), *b = tu_session(g, NULL);
    run_ok(a, init_op);
    run_ok(b, init_op);
    tact_tensor_t *va = eval_ok(a, v), *vb = eval_ok(b, v);
    assert_true(same_values(va, vb));
    run_ok(a, init_op);
    tact_tensor_t *va2 = eval_ok(a, v);
    assert_false(same_values(va, va2));
    tact_tensor_destroy(&va);
    tact_tensor_destroy(&vb);
    tact_tensor_destroy(&va2);
    tact_session_destroy(&a);
    tact_session_destroy(&b);
    tact_graph_destroy(&g);
}

/* tf.compat.v1.get_variable in variable_scope("scope") with glorot_uniform_initializer(seed=4)
 * and truncated_normal_initializer(1.0, 0.5, seed=9), after global_variables_initializer, in
 * TensorFlow 2.21: the same values here. */
static void test_get_variable_values_match_tensorflow(void **state)
{
    (void) state;
    tact_status_t st = TACT_STATUS_INIT;
    tact_graph_t *g = tact_graph_new();
    tact_variable_scope_push(g, "scope", false, &st);
    tact_initializer_t gu = tact_glorot_uniform_initializer(4);
    tact_initializer_t tn = tact_truncated_normal_initializer(1, 0.5, 9);
    tact_output_t v = tact_get_variable(g, "v", F32, DIMS(3, 2), 2, &gu, &st);
    tact_output_t w = tact_get_variable(g, "w", F32, DIMS(2, 2), 2, &tn, &st);
    tact_variable_scope_pop(g, &st);
    tact_op_t *init = tact_global_variables_initializer(g, &st);
    assert_int_equal(st.code, TACT_CODE_OK);
    tact_session_t *s = tu_session(g, NULL);
    run_ok(s, init);
    const double want_v[] = { 1.0003204345703125, -0.5108920335769653, 1.0906202793121338,
                              0.7578136920928955, -1.0293160676956177, -0.4612506031990051 };
    const double want_w[] = { 1.5775363445281982, 0.7544713616371155, 1.2222402095794678,
                              0.0019903182983398438 };
    tact_tensor_t *r = eval_ok(s, v);
    for (int i = 0; i < 6; i++)
        assert_true(elem(r, i) == want_v[i]);
    tact_tensor_destroy(&r);
    r = eval_ok(s, w);
    for (int i = 0; i < 4; i++)
        assert_true(elem(r, i) == want_w[i]);
    tact_tensor_destroy(&r);
    tact_session_destroy(&s);
    tact_graph_destroy(&g);
}

/* The Glorot limits, from the attributes of the ops get_variable builds. */
static void test_glorot_limits_and_default_initializer(void **state)
{
    (void) state;
    tact_status_t st = TACT_STATUS_INIT;
    tact_graph_t *g = tact_graph_new();
    const struct {
        const char *name;
        int ndims;
        int64_t dims[4];
        double fan_sum;
    } cases[] = {
        { "scalar", 0, { 0 }, 2 },               /* fans 1 and 1 */
        { "vector", 1, { 4 }, 8 },               /* 4 and 4 */
        { "matrix", 2, { 3, 5 }, 8 },            /* 3 and 5 */
        { "conv", 4, { 2, 3, 4, 5 }, 24 + 30 },  /* receptive field 6: 4 * 6 and 5 * 6 */
        { "tiny", 2, { 1, 0 }, 2 },              /* average below 1 counts as 1 */
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        /* NULL initializer: glorot_uniform for floats. */
        tact_output_t v = tact_get_variable(g, cases[i].name, F32, cases[i].dims, cases[i].ndims,
                                            NULL, &st);
        assert_int_equal(st.code, TACT_CODE_OK);
        assert_non_null(v.op);
        char buf[128];
        snprintf(buf, sizeof buf, "%s/Initializer/random_uniform", cases[i].name);
        const tact_op_t *u = tact_graph_op(g, buf);
        assert_non_null(u);
        double limit = sqrt(6.0 / cases[i].fan_sum);
        assert_true(fabs(u->attrs.rand_a + limit) < 1e-12);
        assert_true(fabs(u->attrs.rand_b - limit) < 1e-12);
        /* glorot_normal: a truncated normal of stddev sqrt(2 / fan_sum) / 0.8796... */
        tact_initializer_t gn = tact_glorot_normal_initializer(TACT_SEED_NONE);
        snprintf(buf, sizeof buf, "%s_n", cases[i].name);
        tact_get_variable(g, buf, F64, cases[i].dims, cases[i].ndims, &gn, &st);
        assert_int_equal(st.code, TACT_CODE_OK);
        snprintf(buf, sizeof buf, "%s_n/Initializer/truncated_normal", cases[i].name);
        const tact_op_t *t = tact_graph_op(g, buf);
        assert_non_null(t);
        assert_true(t->attrs.rand_a == 0);
        assert_true(fabs(t->attrs.rand_b - sqrt(2.0 / cases[i].fan_sum) / 0.87962566103423978) <
                    1e-12);
    }
    /* NULL initializer for integers and bools: zeros. */
    tact_output_t iv = tact_get_variable(g, "count", I32, DIMS(2), 1, NULL, &st);
    tact_output_t bv = tact_get_variable(g, "flags", TACT_DTYPE_BOOL, DIMS(2), 1, NULL, &st);
    assert_int_equal(st.code, TACT_CODE_OK);
    assert_non_null(tact_graph_op(g, "count/Initializer/zeros"));
    /* A large default-initialised matrix spans its limit. */
    tact_output_t w = tact_get_variable(g, "w", F32, DIMS(100, 50), 2, NULL, &st);
    tact_op_t *init = tact_global_variables_initializer(g, &st);
    assert_int_equal(st.code, TACT_CODE_OK);
    tact_session_t *s = tu_session(g, NULL);
    run_ok(s, init);
    tact_tensor_t *r = eval_ok(s, w);
    stats_t a = stats_of(r);
    double limit = sqrt(6.0 / 150);
    assert_true(a.min >= -limit - 1e-6 && a.max < limit + 1e-6);
    assert_true(a.min < -0.95 * limit && a.max > 0.95 * limit);
    tact_tensor_destroy(&r);
    r = eval_ok(s, iv);
    assert_string_equal(tu_str(r), "[0 0]");
    tact_tensor_destroy(&r);
    r = eval_ok(s, bv);
    assert_string_equal(tu_str(r), "[False False]");
    tact_tensor_destroy(&r);
    tact_session_destroy(&s);
    tact_graph_destroy(&g);
}

static void test_scopes_name_variables(void **state)
{
    (void) state;
    tact_status_t st = TACT_STATUS_INIT;
    tact_graph_t *g = tact_graph_new();
    char name[64];
    assert_int_equal(tact_variable_scope_name(g, name, sizeof name), 0);
    assert_string_equal(name, "");
    assert_int_equal(tact_variable_scope_push(g, "layer1", false, &st), TACT_CODE_OK);
    tact_output_t w = tact_get_variable(g, "w", F32, DIMS(2, 2), 2, NULL, &st);
    /* A variable scope opens a name scope too, as TensorFlow's does: other ops get its name. */
    tact_output_t sum = tact_add(g, w, w, NULL, &st);
    assert_int_equal(tact_variable_scope_push(g, "inner", false, &st), TACT_CODE_OK);
    assert_int_equal(tact_variable_scope_name(g, name, sizeof name), strlen("layer1/inner"));
    assert_string_equal(name, "layer1/inner");
    tact_output_t b = tact_get_variable(g, "b", F32, DIMS(2), 1, NULL, &st);
    assert_int_equal(tact_variable_scope_pop(g, &st), TACT_CODE_OK);
    tact_output_t w2 = tact_get_variable(g, "sub/w2", F32, DIMS(2), 1, NULL, &st);
    assert_int_equal(tact_variable_scope_pop(g, &st), TACT_CODE_OK);
    tact_output_t top = tact_get_variable(g, "w", F32, DIMS(2), 1, NULL, &st);
    assert_int_equal(st.code, TACT_CODE_OK);
    assert_string_equal(tact_op_name(w.op), "layer1/w");
    assert_non_null(tact_graph_op(g, "layer1/w/Assign"));
    assert_non_null(tact_graph_op(g, "layer1/w/Initializer/random_uniform"));
    assert_string_equal(tact_op_name(sum.op), "layer1/Add");
    assert_string_equal(tact_op_name(b.op), "layer1/inner/b");
    assert_string_equal(tact_op_name(w2.op), "layer1/sub/w2");
    assert_string_equal(tact_op_name(top.op), "w");
    assert_int_equal(tact_variable_scope_name(g, name, sizeof name), 0);

    /* Popping with nothing open. */
    assert_int_equal(tact_variable_scope_pop(g, &st), TACT_CODE_FAILED_PRECONDITION);
    expect_error(&st, TACT_CODE_FAILED_PRECONDITION, "pop without an open variable scope");
    /* A bad scope name fails but still opens a scope (repeating the enclosing one), so the
     * pop that matches it stays balanced. */
    st = (tact_status_t) TACT_STATUS_INIT;
    assert_int_equal(tact_variable_scope_push(g, "ok", false, &st), TACT_CODE_OK);
    assert_int_equal(tact_variable_scope_push(g, "bad name!", false, &st),
                     TACT_CODE_INVALID_ARGUMENT);
    expect_error(&st, TACT_CODE_INVALID_ARGUMENT, "'bad name!' is not a valid scope name");
    tact_variable_scope_name(g, name, sizeof name);
    assert_string_equal(name, "ok");
    assert_int_equal(tact_variable_scope_push(g, NULL, false, &st), TACT_CODE_INVALID_ARGUMENT);
    /* Pops are cleanup: they pop whatever `st` holds, and report only their own failure. */
    assert_int_equal(tact_variable_scope_pop(g, &st), TACT_CODE_OK);
    assert_int_equal(tact_variable_scope_pop(g, &st), TACT_CODE_OK);
    assert_int_equal(tact_variable_scope_pop(g, &st), TACT_CODE_OK);
    assert_int_equal(tact_variable_scope_pop(g, &st), TACT_CODE_FAILED_PRECONDITION);
    expect_error(&st, TACT_CODE_INVALID_ARGUMENT, "'bad name!'");  /* the first error stays */
    tact_variable_scope_name(g, name, sizeof name);
    assert_string_equal(name, "");
    tact_graph_destroy(&g);
}

static void test_reuse_rules_and_messages(void **state)
{
    (void) state;
    tact_status_t st = TACT_STATUS_INIT;
    tact_graph_t *g = tact_graph_new();
    tact_variable_scope_push(g, "scope", false, &st);
    tact_output_t v = tact_get_variable(g, "v", F32, DIMS(2, 3), 2, NULL, &st);
    assert_int_equal(st.code, TACT_CODE_OK);
    /* Without reuse, a second get_variable of the name is refused. */
    assert_null(tact_get_variable(g, "v", F32, DIMS(2, 3), 2, NULL, &st).op);
    expect_error(&st, TACT_CODE_INVALID_ARGUMENT,
                 "Variable scope/v already exists, disallowed. Did you mean to set reuse=True or "
                 "reuse=tf.AUTO_REUSE in VarScope?");
    expect_error(tact_graph_status(g), TACT_CODE_INVALID_ARGUMENT, "scope/v already exists");
    tact_variable_scope_pop(g, NULL);

    /* With reuse, the same variable comes back; shapes and dtypes must match. */
    st = (tact_status_t) TACT_STATUS_INIT;
    int n_ops = tact_graph_num_ops(g);
    tact_variable_scope_push(g, "scope", true, &st);
    tact_output_t again = tact_get_variable(g, "v", F32, DIMS(2, 3), 2, NULL, &st);
    assert_int_equal(st.code, TACT_CODE_OK);
    assert_ptr_equal(again.op, v.op);
    assert_int_equal(again.index, 0);
    assert_int_equal(tact_graph_num_ops(g), n_ops);
    /* Unknown sizes or rank are compatible with any. */
    assert_ptr_equal(tact_get_variable(g, "v", F32, DIMS(-1, 3), 2, NULL, &st).op, v.op);
    assert_ptr_equal(tact_get_variable(g, "v", F32, NULL, -1, NULL, &st).op, v.op);
    assert_int_equal(st.code, TACT_CODE_OK);
    assert_null(tact_get_variable(g, "v", F32, DIMS(3, 2), 2, NULL, &st).op);
    expect_error(&st, TACT_CODE_INVALID_ARGUMENT,
                 "Trying to share variable scope/v, but specified shape (3, 2) and found shape "
                 "(2, 3).");
    st = (tact_status_t) TACT_STATUS_INIT;
    assert_null(tact_get_variable(g, "v", F64, DIMS(2, 3), 2, NULL, &st).op);
    expect_error(&st, TACT_CODE_INVALID_ARGUMENT,
                 "Trying to share variable scope/v, but specified dtype float64 and found dtype "
                 "float32_ref.");
    /* With reuse, a missing variable is refused. */
    st = (tact_status_t) TACT_STATUS_INIT;
    assert_null(tact_get_variable(g, "w", F32, DIMS(2), 1, NULL, &st).op);
    expect_error(&st, TACT_CODE_INVALID_ARGUMENT,
                 "Variable scope/w does not exist, or was not created with tf.get_variable(). "
                 "Did you mean to set reuse=tf.AUTO_REUSE in VarScope?");
    /* Reuse is inherited by inner scopes, even those that ask for none. */
    st = (tact_status_t) TACT_STATUS_INIT;
    tact_variable_scope_push(g, "inner", false, &st);
    assert_null(tact_get_variable(g, "x", F32, DIMS(2), 1, NULL, &st).op);
    expect_error(&st, TACT_CODE_INVALID_ARGUMENT, "Variable scope/inner/x does not exist");
    tact_variable_scope_pop(g, NULL);
    tact_variable_scope_pop(g, NULL);

    /* A variable made by tact_variable is not in get_variable's store: reuse cannot find it,
     * and a new get_variable of its name is uniquified, as in TensorFlow. */
    st = (tact_status_t) TACT_STATUS_INIT;
    tact_output_t plain = tact_variable(g, tact_zeros(g, F32, DIMS(2), 1, NULL, &st), "p", &st);
    tact_output_t gv = tact_get_variable(g, "p", F32, DIMS(2), 1, NULL, &st);
    assert_int_equal(st.code, TACT_CODE_OK);
    assert_string_equal(tact_op_name(plain.op), "p");
    assert_string_equal(tact_op_name(gv.op), "p_1");
    assert_non_null(tact_graph_op(g, "p_1/Assign"));
    assert_non_null(tact_graph_op(g, "p_1/Initializer/random_uniform"));
    tact_variable_scope_push(g, "", true, NULL);  /* an invalid name: repeats the top level */
    assert_ptr_equal(tact_get_variable(g, "p", F32, DIMS(2), 1, NULL, &st).op, gv.op);
    tact_variable_scope_pop(g, NULL);
    assert_int_equal(st.code, TACT_CODE_OK);

    /* The global variables initializer covers every kind of variable. */
    tact_op_t *init = tact_global_variables_initializer(g, &st);
    assert_int_equal(st.code, TACT_CODE_OK);
    assert_int_equal(tact_op_num_inputs(init), 0);
    assert_int_equal(init->n_controls, 3);  /* scope/v, p, p_1 */
    tact_session_t *s = tu_session(g, NULL);
    run_ok(s, init);
    tact_tensor_t *r = eval_ok(s, gv);
    tact_tensor_destroy(&r);
    r = eval_ok(s, plain);
    assert_string_equal(tu_str(r), "[0. 0.]");
    tact_tensor_destroy(&r);
    tact_session_destroy(&s);
    tact_graph_destroy(&g);
}

/* TensorFlow: get_variable('s', [2], dtype=tf.string) makes s/Initializer/zeros (a Const of
 * empty strings), s and s/Assign, and its value is [b'' b'']. */
static void test_get_variable_string_defaults_to_empty_strings(void **state)
{
    (void) state;
    tact_graph_t *g = tact_graph_new();
    tact_status_t st = TACT_STATUS_INIT;
    tact_output_t v = tact_get_variable(g, "s", TACT_DTYPE_STRING, DIMS(2), 1, NULL, &st);
    assert_int_equal(st.code, TACT_CODE_OK);
    assert_string_equal(tact_op_name(v.op), "s");
    assert_string_equal(tact_op_type(v.op), "VariableV2");
    assert_int_equal(tact_output_dtype(v), TACT_DTYPE_STRING);
    tact_op_t *zeros = tact_graph_op(g, "s/Initializer/zeros");
    assert_non_null(zeros);
    assert_string_equal(tact_op_type(zeros), "Const");
    assert_non_null(tact_graph_op(g, "s/Assign"));
    tact_op_t *init = tact_global_variables_initializer(g, &st);
    assert_int_equal(st.code, TACT_CODE_OK);
    tact_session_t *s = tu_session(g, NULL);
    run_ok(s, init);
    tact_tensor_t *r = eval_ok(s, v);
    assert_int_equal(tact_tensor_nelems(r), 2);
    assert_string_equal(tu_str(r), "[b'' b'']");
    tact_tensor_destroy(&r);
    tact_session_destroy(&s);
    tact_graph_destroy(&g);
}

static void test_get_variable_errors(void **state)
{
    (void) state;
    tact_graph_t *g = tact_graph_new();
    tact_status_t st = TACT_STATUS_INIT;
    assert_null(tact_get_variable(g, "v", F32, DIMS(-1, 3), 2, NULL, &st).op);
    expect_error(&st, TACT_CODE_INVALID_ARGUMENT,
                 "Shape of a new variable (v) must be fully defined, but instead was (?, 3).");
    st = (tact_status_t) TACT_STATUS_INIT;
    assert_null(tact_get_variable(g, "v", F32, NULL, -1, NULL, &st).op);
    expect_error(&st, TACT_CODE_INVALID_ARGUMENT, "must be fully defined, but instead was "
                 "<unknown>.");
    st = (tact_status_t) TACT_STATUS_INIT;
    assert_null(tact_get_variable(g, "v", F32, DIMS(2, -3), 2, NULL, &st).op);
    expect_error(&st, TACT_CODE_INVALID_ARGUMENT, "Dimension -3 must be >= 0");
    st = (tact_status_t) TACT_STATUS_INIT;
    assert_null(tact_get_variable(g, "v", (tact_dtype_t) 77, DIMS(2), 1, NULL, &st).op);
    expect_error(&st, TACT_CODE_INVALID_ARGUMENT, "invalid dtype 77 for variable v");
    st = (tact_status_t) TACT_STATUS_INIT;
    tact_initializer_t gu = tact_glorot_uniform_initializer(1);
    assert_null(tact_get_variable(g, "i", I32, DIMS(2), 1, &gu, &st).op);
    expect_error(&st, TACT_CODE_INVALID_ARGUMENT, "Expected floating point type, got int32.");
    st = (tact_status_t) TACT_STATUS_INIT;
    tact_initializer_t rn = tact_random_normal_initializer(0, 1, 1);
    assert_null(tact_get_variable(g, "j", I64, DIMS(2), 1, &rn, &st).op);
    expect_error(&st, TACT_CODE_INVALID_ARGUMENT,
                 "Value for attr 'dtype' of int64 is not in the list of allowed values: float, "
                 "double for 'j/Initializer/random_normal' (op: 'RandomStandardNormal')");
    st = (tact_status_t) TACT_STATUS_INIT;
    tact_initializer_t bad = { .kind = TACT_INITIALIZER_COUNT };
    assert_null(tact_get_variable(g, "k", F32, DIMS(2), 1, &bad, &st).op);
    expect_error(&st, TACT_CODE_INVALID_ARGUMENT, "unknown initializer kind");
    st = (tact_status_t) TACT_STATUS_INIT;
    tact_initializer_t frac = tact_constant_initializer(0.5);
    assert_null(tact_get_variable(g, "m", I32, DIMS(2), 1, &frac, &st).op);
    expect_error(&st, TACT_CODE_INVALID_ARGUMENT, "Const: value 0.5 is not representable as int32");
    st = (tact_status_t) TACT_STATUS_INIT;
    assert_null(tact_get_variable(g, NULL, F32, DIMS(2), 1, NULL, &st).op);
    expect_error(&st, TACT_CODE_INVALID_ARGUMENT, "'(null)' is not a valid variable name");
    st = (tact_status_t) TACT_STATUS_INIT;
    assert_null(tact_get_variable(g, "a b", F32, DIMS(2), 1, NULL, &st).op);
    expect_error(&st, TACT_CODE_INVALID_ARGUMENT, "'a b' is not a valid variable name");
    /* A status already holding an error: nothing happens. */
    int n = tact_graph_num_ops(g);
    assert_null(tact_get_variable(g, "fresh", F32, DIMS(2), 1, NULL, &st).op);
    assert_int_equal(tact_graph_num_ops(g), n);
    /* A failed name never enters the store: fixing the call works. */
    st = (tact_status_t) TACT_STATUS_INIT;
    assert_non_null(tact_get_variable(g, "v", F32, DIMS(2, 3), 2, NULL, &st).op);
    assert_int_equal(st.code, TACT_CODE_OK);
    tact_graph_destroy(&g);
}

/* Scopes belong to one thread: another thread building the same graph sees none of them. */
typedef struct scope_thread {
    tact_graph_t *g;
    char seen[64];
    tact_output_t v;
} scope_thread_t;

static void *scope_thread_main(void *arg)
{
    scope_thread_t *t = arg;
    tact_status_t st = TACT_STATUS_INIT;
    tact_variable_scope_name(t->g, t->seen, sizeof t->seen);
    tact_variable_scope_push(t->g, "worker", false, &st);
    t->v = tact_get_variable(t->g, "v", F32, DIMS(1), 1, NULL, &st);
    /* Left open on purpose: freed with the graph. */
    return NULL;
}

static void test_scopes_are_per_thread_and_use_the_default_graph(void **state)
{
    (void) state;
    tact_status_t st = TACT_STATUS_INIT;
    tact_graph_t *g = tact_graph_new();
    tact_variable_scope_push(g, "main", false, &st);
    scope_thread_t t = { .g = g };
    pthread_t th;
    assert_int_equal(pthread_create(&th, NULL, scope_thread_main, &t), 0);
    pthread_join(th, NULL);
    assert_string_equal(t.seen, "");
    assert_string_equal(tact_op_name(t.v.op), "worker/v");
    char name[32];
    tact_variable_scope_name(g, name, sizeof name);
    assert_string_equal(name, "main");
    assert_int_equal(tact_variable_scope_pop(g, &st), TACT_CODE_OK);

    /* NULL graph: the calling thread's default graph. */
    tact_graph_push_default(g);
    tact_variable_scope_push(NULL, "d", false, &st);
    tact_output_t v = tact_get_variable(NULL, "v", F32, DIMS(1), 1, NULL, &st);
    tact_output_t z = tact_zeros(NULL, F32, DIMS(1), 1, NULL, &st);
    tact_output_t u = tact_random_uniform(NULL, F32, DIMS(1), 1, 0, 1, 1, NULL, &st);
    tact_set_random_seed(NULL, 3);
    assert_int_equal(tact_variable_scope_pop(NULL, &st), TACT_CODE_OK);
    assert_int_equal(tact_graph_pop_default(g), TACT_CODE_OK);
    assert_int_equal(st.code, TACT_CODE_OK);
    assert_string_equal(tact_op_name(v.op), "d/v");
    assert_ptr_equal(tact_op_graph(z.op), g);
    assert_ptr_equal(tact_op_graph(u.op), g);
    assert_true(g->has_random_seed && g->random_seed == 3);
    tact_graph_destroy(&g);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_philox_known_answers),
        cmocka_unit_test(test_philox_state_and_conversions),
        cmocka_unit_test(test_fill_values_dtypes_and_names),
        cmocka_unit_test(test_fill_errors),
        cmocka_unit_test(test_random_names_types_and_shapes),
        cmocka_unit_test(test_random_errors),
        cmocka_unit_test(test_uniform_range_and_statistics),
        cmocka_unit_test(test_normal_statistics),
        cmocka_unit_test(test_truncated_normal_bounds_and_statistics),
        cmocka_unit_test(test_values_follow_the_stream),
        cmocka_unit_test(test_values_match_tensorflow),
        cmocka_unit_test(test_seeds_across_sessions_and_runs),
        cmocka_unit_test(test_graph_seed_rules),
        cmocka_unit_test(test_concurrent_runs_draw_distinct_values),
        cmocka_unit_test(test_initializer_constructors),
        cmocka_unit_test(test_get_variable_with_each_initializer),
        cmocka_unit_test(test_seeded_variable_repeats_across_sessions),
        cmocka_unit_test(test_get_variable_values_match_tensorflow),
        cmocka_unit_test(test_glorot_limits_and_default_initializer),
        cmocka_unit_test(test_scopes_name_variables),
        cmocka_unit_test(test_reuse_rules_and_messages),
        cmocka_unit_test(test_get_variable_string_defaults_to_empty_strings),
        cmocka_unit_test(test_get_variable_errors),
        cmocka_unit_test(test_scopes_are_per_thread_and_use_the_default_graph),
    };
    return cmocka_run_group_tests_name("initializers", tests, NULL, NULL);
}
