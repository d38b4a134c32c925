/* SPDX-License-Identifier: MIT */
/* The array ops whose shapes come from values (runtime/ops/array_ops.c,
 * devices/cpu/kernels/array_kernels.c): Shape, Size, Rank, Slice, StridedSlice (every mask),
 * Squeeze, ExpandDims, ConcatV2, Split, Unpack, Tile, Pad, GatherV2, OneHot, Range, ZerosLike,
 * OnesLike, and Reshape, Transpose, Sum, Mean and Fill with their shape, perm, axes or dims as
 * tensors (known when built, or only when run). Values and messages are TensorFlow's
 * (data/make_array_fixtures.py wrote data/array_expected.inc); the model tests import the
 * frozen graphs it made (a Keras-style flatten, a small text model) and match TensorFlow's
 * answers. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <tact/tact.h>

#include "runtime/graph/graph_impl.h"
#include "tests/helpers.h"

#include "tests/data/array_expected.inc"

#define DIMS(...) ((const int64_t[]) { __VA_ARGS__ })
#define NDIMS(...) ((int) (sizeof((const int64_t[]) { __VA_ARGS__ }) / sizeof(int64_t)))

static const float x234_data[24] = { 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11,
                                     12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23 };
static const float x23_data[6] = { 1, 2, 3, 4, 5, 6 };
static const char *const s3_data[3] = { "a", "bc", "d" };

/* ---- building ---- */

static tact_output_t cst(tact_graph_t *g, tact_dtype_t dt, const int64_t *dims, int ndims,
                         const void *data)
{
    tact_status_t st = TACT_STATUS_INIT;
    tact_tensor_t *t = tact_tensor_new(dt, dims, ndims, data, &st);
    assert_non_null(t);
    tact_output_t c = tact_constant(g, t, NULL, &st);
    tact_tensor_destroy(&t);
    assert_int_equal(st.code, TACT_CODE_OK);
    return c;
}

#define I32V(g, ...) cst(g, TACT_DTYPE_I32, DIMS(NDIMS(__VA_ARGS__)), 1, \
                         (const int32_t[]) { __VA_ARGS__ })
#define I32S(g, v) cst(g, TACT_DTYPE_I32, NULL, 0, (const int32_t[]) { v })

static tact_output_t x234(tact_graph_t *g)
{
    return cst(g, TACT_DTYPE_F32, DIMS(2, 3, 4), 3, x234_data);
}

static tact_output_t x23(tact_graph_t *g)
{
    return cst(g, TACT_DTYPE_F32, DIMS(2, 3), 2, x23_data);
}

/* An op in TensorFlow's form (values as inputs), for the kinds without a public builder. */
static tact_output_t valued(tact_graph_t *g, tact_op_kind_t kind, tact_output_t a,
                            tact_output_t b, bool keep_dims, tact_status_t *st)
{
    tact_op_attrs_t at = { .value_inputs = true, .n_axes = -1, .n_perm = -1,
                           .keep_dims = keep_dims };
    tact_output_t in[2] = { a, b };
    tact_op_t *op = tact__graph_add_op(g, kind, NULL, in, 2, NULL, 0, &at, st);
    return (tact_output_t) { op, op != NULL ? 0 : -1 };
}

/* ---- checking ---- */

static int64_t nelems_of(const int64_t *dims, int ndims)
{
    int64_t n = 1;
    for (int d = 0; d < ndims; d++)
        n *= dims[d];
    return n;
}

/* `t` has dtype dt, shape dims[0..ndims) and the values `want` (floats within 1e-5). */
static void check_tensor(const tact_tensor_t *t, tact_dtype_t dt, const int64_t *dims,
                         int ndims, const void *want)
{
    assert_non_null(t);
    assert_int_equal(tact_tensor_dtype(t), dt);
    assert_int_equal(tact_tensor_ndims(t), ndims);
    for (int d = 0; d < ndims; d++)
        assert_int_equal(tact_tensor_dim(t, d), dims[d]);
    int64_t n = nelems_of(dims, ndims);
    for (int64_t i = 0; i < n; i++) {
        switch (dt) {
        case TACT_DTYPE_F32: {
            float got = ((const float *) tact_tensor_data(t))[i], w = ((const float *) want)[i];
            if (fabsf(got - w) > 1e-5f * (1.0f + fabsf(w)))
                fail_msg("element %lld: %g, want %g", (long long) i, got, w);
            break;
        }
        case TACT_DTYPE_STRING:
            assert_string_equal(tact_tensor_string(t, i, NULL), ((const char *const *) want)[i]);
            break;
        default: {
            size_t esz = tact_dtype_size(dt);
            assert_memory_equal((const char *) tact_tensor_data(t) + i * esz,
                                (const char *) want + i * esz, esz);
        }
        }
    }
}

/* Run y (feeding feeds) in a new session and compare with TensorFlow's values. */
static void check_run(tact_graph_t *g, tact_output_t y, const tact_feed_t *feeds, int n_feeds,
                      tact_dtype_t dt, const int64_t *dims, int ndims, const void *want)
{
    tact_status_t st = TACT_STATUS_INIT;
    assert_non_null(y.op);
    tact_session_t *s = tu_session(g, NULL);
    tact_tensor_t *r = tu_run1(s, y, feeds, n_feeds, &st);
    if (r == NULL)
        fail_msg("%s", st.msg);
    check_tensor(r, dt, dims, ndims, want);
    tact_tensor_destroy(&r);
    tact_session_destroy(&s);
}

#define CHECK(g, y, dt, name) \
    check_run(g, y, NULL, 0, dt, exp_##name##_dims, exp_##name##_ndims, exp_##name)
#define CHECK_FED(g, y, feeds, n, dt, name) \
    check_run(g, y, feeds, n, dt, exp_##name##_dims, exp_##name##_ndims, exp_##name)

/* A build that failed with TensorFlow's shape-function message `msg`, which tact follows with
 * " for 'op' (op: 'Type') with input shapes: ...". */
static void build_failed(const tact_status_t *st, const char *msg)
{
    assert_int_equal(st->code, TACT_CODE_INVALID_ARGUMENT);
    size_t n = strlen(msg);
    if (strncmp(st->msg, msg, n) != 0 || strncmp(st->msg + n, " for '", 6) != 0)
        fail_msg("got \"%s\", want \"%s for '...\"", st->msg, msg);
}

/* Feeding `value` into `p`, fetching y fails with TensorFlow's kernel message naming node. */
static void run_failed(tact_graph_t *g, tact_output_t y, tact_output_t p, tact_tensor_t *value,
                       const char *msg, const char *node)
{
    assert_non_null(y.op);
    char want[512];
    snprintf(want, sizeof want, "%s\n\t [[{{node %s}}]]", msg, node);
    tact_session_t *s = tu_session(g, NULL);
    tact_feed_t feed = { p, value };
    tu_run_fails(s, y, &feed, p.op != NULL ? 1 : 0, TACT_CODE_INVALID_ARGUMENT, want);
    tact_session_destroy(&s);
    tact_tensor_destroy(&value);
}

static tact_tensor_t *i32t(const int64_t *dims, int ndims, const int32_t *v)
{
    return tu_i32(dims, ndims, v);
}

static tact_output_t ph_i32(tact_graph_t *g)
{
    tact_status_t st = TACT_STATUS_INIT;
    tact_output_t p = tact_placeholder(g, TACT_DTYPE_I32, NULL, -1, "p", &st);
    assert_int_equal(st.code, TACT_CODE_OK);
    return p;
}

/* ---- Shape, Size, Rank ---- */

static void test_shape_size_rank(void **state)
{
    (void) state;
    tact_status_t st = TACT_STATUS_INIT;
    tact_graph_t *g = tact_graph_new();
    tact_output_t x = x234(g);
    CHECK(g, tact_shape(g, x, TACT_DTYPE_I32, NULL, &st), TACT_DTYPE_I32, shape);
    CHECK(g, tact_shape(g, x, TACT_DTYPE_I64, NULL, &st), TACT_DTYPE_I64, shape64);
    float none = 0;
    tact_output_t e = cst(g, TACT_DTYPE_F32, DIMS(2, 0, 3), 3, &none);
    CHECK(g, tact_shape(g, e, TACT_DTYPE_I32, NULL, &st), TACT_DTYPE_I32, shape_empty);
    CHECK(g, tact_size(g, x, TACT_DTYPE_I32, NULL, &st), TACT_DTYPE_I32, size);
    CHECK(g, tact_rank(g, x, NULL, &st), TACT_DTYPE_I32, rank);
    assert_int_equal(st.code, TACT_CODE_OK);
    /* Shape of an unknown rank is a vector of unknown length when built. */
    tact_output_t p = tact_placeholder(g, TACT_DTYPE_F32, NULL, -1, "any", &st);
    tact_output_t sp = tact_shape(g, p, TACT_DTYPE_I32, NULL, &st);
    assert_int_equal(sp.op->out_shape[0].ndims, 1);
    assert_int_equal(sp.op->out_shape[0].dims[0], -1);
    /* out_type must be int32 or int64. */
    tact_shape(g, x, TACT_DTYPE_F32, "bad", &st);
    assert_int_equal(st.code, TACT_CODE_INVALID_ARGUMENT);
    assert_string_equal(st.msg, "Value for attr 'out_type' of float is not in the list of "
                                "allowed values: int32, int64 for 'bad' (op: 'Shape')");
    tact_graph_destroy(&g);
}

/* ---- Slice ---- */

static void test_slice(void **state)
{
    (void) state;
    tact_status_t st = TACT_STATUS_INIT;
    tact_graph_t *g = tact_graph_new();
    tact_output_t y = tact_slice(g, x234(g), I32V(g, 0, 1, 1), I32V(g, 2, -1, 2), NULL, &st);
    assert_int_equal(y.op->out_shape[0].ndims, 3);  /* known when built: Consts */
    assert_int_equal(y.op->out_shape[0].dims[1], 2);
    CHECK(g, y, TACT_DTYPE_F32, slice);
    CHECK(g, tact_slice(g, x234(g), I32V(g, 1, 0, 0), I32V(g, 0, 3, 4), NULL, &st),
          TACT_DTYPE_F32, slice_empty);
    /* begin fed at run time: the output's shape is fixed then. */
    tact_output_t p = ph_i32(g);
    tact_output_t yp = tact_slice(g, x234(g), p, I32V(g, 2, -1, 2), "fed", &st);
    assert_int_equal(yp.op->out_shape[0].dims[0], 2);
    assert_int_equal(yp.op->out_shape[0].dims[1], -1);
    tact_feed_t feed = { p, i32t(DIMS(3), 1, (const int32_t[]) { 0, 1, 1 }) };
    CHECK_FED(g, yp, &feed, 1, TACT_DTYPE_F32, slice);
    tact_tensor_destroy((tact_tensor_t **) &feed.value);
    assert_int_equal(st.code, TACT_CODE_OK);
    tact_graph_destroy(&g);
}

static void test_slice_errors(void **state)
{
    (void) state;
    tact_status_t st = TACT_STATUS_INIT;
    tact_graph_t *g = tact_graph_new();
    tact_output_t p = ph_i32(g);
    tact_output_t x = cst(g, TACT_DTYPE_I32, DIMS(2, 3), 2, (const int32_t[]) { 1, 2, 3, 4, 5, 6 });
    run_failed(g, tact_slice(g, x, p, I32V(g, 1, 1), "s1", &st), p,
               i32t(DIMS(2), 1, (const int32_t[]) { 3, 0 }), msg_slice_begin, "s1");
    run_failed(g, tact_slice(g, x, I32V(g, 0, 0), p, "s2", &st), p,
               i32t(DIMS(2), 1, (const int32_t[]) { 1, 4 }), msg_slice_size, "s2");
    assert_int_equal(st.code, TACT_CODE_OK);
    tact_slice(g, x, I32V(g, 0, 0, 0), I32V(g, 1, 1, 1), "s3", &st);
    build_failed(&st, msg_slice_rank);
    tact_graph_destroy(&g);
}

/* ---- StridedSlice ---- */

static tact_output_t ss(tact_graph_t *g, tact_output_t x, tact_output_t b, tact_output_t e,
                        tact_output_t s, int64_t bm, int64_t em, int64_t ell, int64_t na,
                        int64_t shrink, tact_status_t *st)
{
    return tact_strided_slice(g, x, b, e, s, bm, em, ell, na, shrink, NULL, st);
}

static void test_strided_slice(void **state)
{
    (void) state;
    tact_status_t st = TACT_STATUS_INIT;
    tact_graph_t *g = tact_graph_new();
    tact_output_t x = x234(g);
    CHECK(g, ss(g, x, I32V(g, 0, 1, 0), I32V(g, 2, 3, 4), I32V(g, 1, 1, 2), 0, 0, 0, 0, 0, &st),
          TACT_DTYPE_F32, ss_basic);
    /* negative indices and strides, shrink_axis_mask */
    CHECK(g, ss(g, x, I32V(g, -1, -1, -1), I32V(g, -3, 0, -5), I32V(g, -1, 1, -2), 0, 0, 0, 0, 2,
                &st), TACT_DTYPE_F32, ss_neg);
    /* begin_mask and end_mask ignore the entries they cover */
    CHECK(g, ss(g, x, I32V(g, 5, 0, 2), I32V(g, 1, 0, 9), I32V(g, 1, 1, 1), 1, 2, 0, 0, 0, &st),
          TACT_DTYPE_F32, ss_masks);
    /* x[..., 1] */
    CHECK(g, ss(g, x, I32V(g, 0, 1), I32V(g, 0, 2), I32V(g, 1, 1), 0, 0, 1, 0, 2, &st),
          TACT_DTYPE_F32, ss_ellipsis);
    /* x[:, newaxis, 1:3] */
    CHECK(g, ss(g, x, I32V(g, 0, 0, 1), I32V(g, 0, 0, 3), I32V(g, 1, 1, 1), 1, 1, 0, 2, 0, &st),
          TACT_DTYPE_F32, ss_new_axis);
    CHECK(g, ss(g, x, I32V(g, 1), I32V(g, 1), I32V(g, 1), 0, 0, 0, 0, 0, &st), TACT_DTYPE_F32,
          ss_empty);
    CHECK(g, ss(g, x, I32V(g, 0), I32V(g, 0), I32V(g, -1), 1, 1, 0, 0, 0, &st), TACT_DTYPE_F32,
          ss_rev_all);
    tact_output_t s3 = cst(g, TACT_DTYPE_STRING, DIMS(3), 1, s3_data);
    CHECK(g, ss(g, s3, I32V(g, 0), I32V(g, 0), I32V(g, -2), 1, 1, 0, 0, 0, &st),
          TACT_DTYPE_STRING, ss_string);
    assert_int_equal(st.code, TACT_CODE_OK);
    tact_graph_destroy(&g);
}

static void test_strided_slice_errors(void **state)
{
    (void) state;
    tact_status_t st = TACT_STATUS_INIT;
    tact_graph_t *g = tact_graph_new();
    tact_output_t p = ph_i32(g);
    tact_output_t x = cst(g, TACT_DTYPE_I32, DIMS(2, 3), 2, (const int32_t[]) { 1, 2, 3, 4, 5, 6 });
    run_failed(g, tact_strided_slice(g, x, p, I32V(g, 6), I32V(g, 1), 0, 0, 0, 0, 1, "a", &st),
               p, i32t(DIMS(1), 1, (const int32_t[]) { 5 }), msg_ss_index, "a");
    run_failed(g, tact_strided_slice(g, x, I32V(g, 0), I32V(g, 1), p, 0, 0, 0, 0, 0, "b", &st),
               p, i32t(DIMS(1), 1, (const int32_t[]) { 0 }), msg_ss_stride0, "b");
    run_failed(g, tact_strided_slice(g, x, p, I32V(g, 1), I32V(g, 1), 0, 0, 0, 0, 0, "c", &st),
               p, i32t(DIMS(2), 1, (const int32_t[]) { 0, 0 }), msg_ss_lengths, "c");
    assert_int_equal(st.code, TACT_CODE_OK);
    tact_strided_slice(g, x, I32V(g, 0, 0), I32V(g, 1, 1), I32V(g, 1, 1), 0, 0, 3, 0, 0, "d",
                       &st);
    build_failed(&st, msg_ss_ellipses);
    st = (tact_status_t) TACT_STATUS_INIT;
    tact_strided_slice(g, x, I32V(g, 0, 0, 0), I32V(g, 1, 1, 1), I32V(g, 1, 1, 1), 0, 0, 0, 0,
                       0, "e", &st);
    build_failed(&st, msg_ss_too_many);
    st = (tact_status_t) TACT_STATUS_INIT;
    tact_strided_slice(g, x, I32V(g, 0), I32V(g, 1), I32V(g, -1), 0, 0, 0, 0, 1, "f", &st);
    build_failed(&st, msg_ss_shrink_neg);
    tact_graph_destroy(&g);
}

/* ---- Squeeze, ExpandDims ---- */

static void test_squeeze_expand_dims(void **state)
{
    (void) state;
    tact_status_t st = TACT_STATUS_INIT;
    tact_graph_t *g = tact_graph_new();
    tact_output_t x = cst(g, TACT_DTYPE_I32, DIMS(1, 2, 1, 3), 4,
                          (const int32_t[]) { 0, 1, 2, 3, 4, 5 });
    CHECK(g, tact_squeeze(g, x, NULL, 0, NULL, &st), TACT_DTYPE_I32, squeeze_all);
    CHECK(g, tact_squeeze(g, x, (const int[]) { -2 }, 1, NULL, &st), TACT_DTYPE_I32,
          squeeze_neg);
    CHECK(g, tact_expand_dims(g, x23(g), I32S(g, -1), NULL, &st), TACT_DTYPE_F32, expand_neg);
    tact_output_t b = cst(g, TACT_DTYPE_BOOL, DIMS(2), 1, (const bool[]) { true, false });
    CHECK(g, tact_expand_dims(g, b, I32S(g, 0), NULL, &st), TACT_DTYPE_BOOL, expand_0);
    assert_int_equal(st.code, TACT_CODE_OK);

    tact_output_t c = cst(g, TACT_DTYPE_I32, DIMS(2, 3), 2, (const int32_t[]) { 1, 2, 3, 4, 5, 6 });
    tact_squeeze(g, c, (const int[]) { 1 }, 1, "sq", &st);
    build_failed(&st, msg_squeeze_dim);
    st = (tact_status_t) TACT_STATUS_INIT;
    tact_expand_dims(g, c, I32S(g, 3), "ed", &st);
    build_failed(&st, msg_expand_build);
    st = (tact_status_t) TACT_STATUS_INIT;
    tact_output_t p = ph_i32(g);
    run_failed(g, tact_squeeze(g, p, (const int[]) { 2 }, 1, "sq2", &st), p,
               i32t(DIMS(1, 3), 2, (const int32_t[]) { 1, 2, 3 }), msg_squeeze_range_run, "sq2");
    run_failed(g, tact_expand_dims(g, c, p, "ed2", &st), p,
               i32t(NULL, 0, (const int32_t[]) { 3 }), msg_expand_run, "ed2");
    assert_int_equal(st.code, TACT_CODE_OK);
    tact_graph_destroy(&g);
}

/* ---- ConcatV2, Split, Unpack ---- */

static void test_concat_split_unpack(void **state)
{
    (void) state;
    tact_status_t st = TACT_STATUS_INIT;
    tact_graph_t *g = tact_graph_new();
    tact_output_t a = x23(g);
    tact_output_t b = cst(g, TACT_DTYPE_F32, DIMS(2, 1), 2, (const float[]) { 7, 8 });
    CHECK(g, tact_concat(g, (tact_output_t[]) { a, b }, 2, I32S(g, -1), NULL, &st),
          TACT_DTYPE_F32, concat_neg);
    float none = 0;
    tact_output_t e = cst(g, TACT_DTYPE_F32, DIMS(2, 0), 2, &none);
    CHECK(g, tact_concat(g, (tact_output_t[]) { e, a }, 2, I32S(g, 1), NULL, &st),
          TACT_DTYPE_F32, concat_empty);
    tact_output_t l1 = cst(g, TACT_DTYPE_I64, DIMS(2), 1, (const int64_t[]) { 1, 2 });
    tact_output_t l2 = cst(g, TACT_DTYPE_I64, DIMS(1), 1, (const int64_t[]) { 3 });
    CHECK(g, tact_concat(g, (tact_output_t[]) { l1, l2 }, 2, I32S(g, 0), NULL, &st),
          TACT_DTYPE_I64, concat_i64);
    tact_output_t sp = tact_split(g, x234(g), 2, I32S(g, -1), NULL, &st);
    CHECK(g, sp, TACT_DTYPE_F32, split0);
    CHECK(g, ((tact_output_t) { sp.op, 1 }), TACT_DTYPE_F32, split1);
    tact_output_t up = tact_unstack(g, a, 3, -1, NULL, &st);
    CHECK(g, up, TACT_DTYPE_F32, unpack0);
    CHECK(g, ((tact_output_t) { up.op, 2 }), TACT_DTYPE_F32, unpack2);
    assert_int_equal(st.code, TACT_CODE_OK);
    tact_graph_destroy(&g);
}

static void test_concat_split_unpack_errors(void **state)
{
    (void) state;
    tact_status_t st = TACT_STATUS_INIT;
    tact_graph_t *g = tact_graph_new();
    tact_output_t p = ph_i32(g);
    tact_output_t x = cst(g, TACT_DTYPE_I32, DIMS(2, 3), 2, (const int32_t[]) { 1, 2, 3, 4, 5, 6 });
    run_failed(g, tact_concat(g, (tact_output_t[]) { x, x }, 2, p, "c1", &st), p,
               i32t(NULL, 0, (const int32_t[]) { 2 }), msg_concat_axis, "c1");
    run_failed(g, tact_concat(g, (tact_output_t[]) { x, p }, 2, I32S(g, 0), "c2", &st), p,
               i32t(DIMS(1, 2), 2, (const int32_t[]) { 1, 2 }), msg_concat_dim, "c2");
    run_failed(g, tact_concat(g, (tact_output_t[]) { x, p }, 2, I32S(g, 0), "c3", &st), p,
               i32t(DIMS(3), 1, (const int32_t[]) { 1, 2, 3 }), msg_concat_rank, "c3");
    run_failed(g, tact_split(g, x, 2, p, "s", &st), p, i32t(NULL, 0, (const int32_t[]) { 1 }),
               msg_split_div, "s");
    run_failed(g, tact_unstack(g, p, 3, 0, "u", &st), p,
               i32t(DIMS(2, 2), 2, (const int32_t[]) { 1, 2, 3, 4 }), msg_unpack_num, "u");
    assert_int_equal(st.code, TACT_CODE_OK);
    tact_graph_destroy(&g);
}

/* ---- Tile, Pad ---- */

static void test_tile_pad(void **state)
{
    (void) state;
    tact_status_t st = TACT_STATUS_INIT;
    tact_graph_t *g = tact_graph_new();
    tact_output_t a = x23(g);
    CHECK(g, tact_tile(g, a, I32V(g, 2, 1), NULL, &st), TACT_DTYPE_F32, tile);
    CHECK(g, tact_tile(g, a, I32V(g, 0, 2), NULL, &st), TACT_DTYPE_F32, tile_zero);
    tact_output_t pads = cst(g, TACT_DTYPE_I32, DIMS(2, 2), 2, (const int32_t[]) { 1, 0, 0, 2 });
    CHECK(g, tact_pad(g, a, pads, NULL, &st), TACT_DTYPE_F32, pad);
    tact_output_t v = cst(g, TACT_DTYPE_I64, DIMS(2), 1, (const int64_t[]) { 5, 6 });
    tact_output_t p1 = cst(g, TACT_DTYPE_I32, DIMS(1, 2), 2, (const int32_t[]) { 2, 1 });
    CHECK(g, tact_pad(g, v, p1, NULL, &st), TACT_DTYPE_I64, pad_i64);
    tact_output_t p2 = cst(g, TACT_DTYPE_I32, DIMS(2, 2), 2, (const int32_t[]) { 1, 0, 0, 1 });
    CHECK(g, tact_pad_v2(g, a, p2, cst(g, TACT_DTYPE_F32, NULL, 0, (const float[]) { 9 }), NULL,
                         &st), TACT_DTYPE_F32, pad_v2);
    tact_output_t s3 = cst(g, TACT_DTYPE_STRING, DIMS(3), 1, s3_data);
    tact_output_t z = cst(g, TACT_DTYPE_STRING, NULL, 0, (const char *const[]) { "z" });
    CHECK(g, tact_pad_v2(g, s3, cst(g, TACT_DTYPE_I32, DIMS(1, 2), 2, (const int32_t[]) { 0, 2 }),
                         z, NULL, &st), TACT_DTYPE_STRING, pad_v2_str);
    assert_int_equal(st.code, TACT_CODE_OK);

    tact_output_t p = ph_i32(g);
    tact_output_t x = cst(g, TACT_DTYPE_I32, DIMS(2, 3), 2, (const int32_t[]) { 1, 2, 3, 4, 5, 6 });
    run_failed(g, tact_tile(g, x, p, "t1", &st), p,
               i32t(DIMS(3), 1, (const int32_t[]) { 1, 2, 3 }), msg_tile_len, "t1");
    run_failed(g, tact_tile(g, x, p, "t2", &st), p, i32t(DIMS(2), 1, (const int32_t[]) { 1, -1 }),
               msg_tile_neg, "t2");
    run_failed(g, tact_pad(g, x, p, "p1", &st), p,
               i32t(DIMS(2, 2), 2, (const int32_t[]) { 1, -1, 0, 0 }), msg_pad_neg, "p1");
    run_failed(g, tact_pad(g, x, p, "p2", &st), p, i32t(DIMS(1, 2), 2, (const int32_t[]) { 1, 1 }),
               msg_pad_rank, "p2");
    run_failed(g, tact_pad_v2(g, x, p2, p, "p3", &st), p, i32t(DIMS(1), 1, (const int32_t[]) { 1 }),
               msg_pad_v2_scalar, "p3");
    assert_int_equal(st.code, TACT_CODE_OK);
    tact_graph_destroy(&g);
}

/* ---- GatherV2, OneHot ---- */

static void test_gather_one_hot(void **state)
{
    (void) state;
    tact_status_t st = TACT_STATUS_INIT;
    tact_graph_t *g = tact_graph_new();
    tact_output_t a = x23(g);
    CHECK(g, tact_gather(g, a, I32V(g, 1, 0, 1), I32S(g, 0), NULL, &st), TACT_DTYPE_F32,
          gather0);
    tact_output_t ix = cst(g, TACT_DTYPE_I32, DIMS(1, 2), 2, (const int32_t[]) { 2, 0 });
    CHECK(g, tact_gather(g, a, ix, I32S(g, -1), NULL, &st), TACT_DTYPE_F32, gather1);
    int32_t none = 0;
    tact_output_t e = cst(g, TACT_DTYPE_I32, DIMS(0), 1, &none);
    CHECK(g, tact_gather(g, a, e, I32S(g, 0), NULL, &st), TACT_DTYPE_F32, gather_empty);
    tact_output_t s3 = cst(g, TACT_DTYPE_STRING, DIMS(3), 1, s3_data);
    CHECK(g, tact_gather(g, s3, I32V(g, 2, 2, 0), I32S(g, 0), NULL, &st), TACT_DTYPE_STRING,
          gather_str);
    tact_output_t on = cst(g, TACT_DTYPE_F32, NULL, 0, (const float[]) { 1 });
    tact_output_t off = cst(g, TACT_DTYPE_F32, NULL, 0, (const float[]) { 0 });
    CHECK(g, tact_one_hot(g, I32V(g, 0, 2, -1), I32S(g, 3), on, off, -1, NULL, &st),
          TACT_DTYPE_F32, one_hot);
    CHECK(g, tact_one_hot(g, I32V(g, 0, 2, -1, 7), I32S(g, 3), I32S(g, 5), I32S(g, -1), 0, NULL,
                          &st), TACT_DTYPE_I32, one_hot_axis0);
    assert_int_equal(st.code, TACT_CODE_OK);

    tact_output_t p = ph_i32(g);
    tact_output_t x = cst(g, TACT_DTYPE_I32, DIMS(2, 3), 2, (const int32_t[]) { 1, 2, 3, 4, 5, 6 });
    run_failed(g, tact_gather(g, x, p, I32S(g, 0), "g1", &st), p,
               i32t(DIMS(2), 1, (const int32_t[]) { 0, 7 }), msg_gather_index, "g1");
    run_failed(g, tact_gather(g, x, p, I32S(g, 1), "g2", &st), p,
               i32t(DIMS(1, 2), 2, (const int32_t[]) { 0, -1 }), msg_gather_index2, "g2");
    run_failed(g, tact_one_hot(g, I32V(g, 0, 1), p, on, off, -1, "oh", &st), p,
               i32t(NULL, 0, (const int32_t[]) { -1 }), msg_one_hot_depth, "oh");
    assert_int_equal(st.code, TACT_CODE_OK);
    tact_gather(g, x, I32V(g, 0), I32S(g, 2), "g3", &st);
    build_failed(&st, msg_gather_axis);
    tact_graph_destroy(&g);
}

/* ---- Range, ZerosLike, OnesLike ---- */

static void test_range_like(void **state)
{
    (void) state;
    tact_status_t st = TACT_STATUS_INIT;
    tact_graph_t *g = tact_graph_new();
    CHECK(g, tact_range(g, I32S(g, 1), I32S(g, 10), I32S(g, 3), NULL, &st), TACT_DTYPE_I32,
          range_i32);
#define I64S(v) cst(g, TACT_DTYPE_I64, NULL, 0, (const int64_t[]) { v })
#define F32S(v) cst(g, TACT_DTYPE_F32, NULL, 0, (const float[]) { v })
    CHECK(g, tact_range(g, I64S(5), I64S(1), I64S(-2), NULL, &st), TACT_DTYPE_I64, range_i64);
    CHECK(g, tact_range(g, F32S(0.5f), F32S(3.0f), F32S(0.7f), NULL, &st), TACT_DTYPE_F32,
          range_f32);
    CHECK(g, tact_range(g, I32S(g, 3), I32S(g, 3), I32S(g, 1), NULL, &st), TACT_DTYPE_I32,
          range_empty);
    CHECK(g, tact_zeros_like(g, x23(g), NULL, &st), TACT_DTYPE_F32, zeros_like);
    CHECK(g, tact_ones_like(g, I32V(g, 1, 2, 3), NULL, &st), TACT_DTYPE_I32, ones_like);
    tact_output_t b = cst(g, TACT_DTYPE_BOOL, DIMS(2), 1, (const bool[]) { false, true });
    CHECK(g, tact_ones_like(g, b, NULL, &st), TACT_DTYPE_BOOL, ones_like_bool);
    assert_int_equal(st.code, TACT_CODE_OK);

    tact_output_t p = ph_i32(g);
    run_failed(g, tact_range(g, I32S(g, 5), I32S(g, 1), p, "r1", &st), p,
               i32t(NULL, 0, (const int32_t[]) { 1 }), msg_range_pos, "r1");
    run_failed(g, tact_range(g, I32S(g, 1), I32S(g, 5), p, "r2", &st), p,
               i32t(NULL, 0, (const int32_t[]) { -1 }), msg_range_neg, "r2");
    run_failed(g, tact_range(g, I32S(g, 1), I32S(g, 5), p, "r3", &st), p,
               i32t(NULL, 0, (const int32_t[]) { 0 }), msg_range_zero, "r3");
    assert_int_equal(st.code, TACT_CODE_OK);
    /* A string has no one. */
    tact_output_t s3 = cst(g, TACT_DTYPE_STRING, DIMS(3), 1, s3_data);
    tact_ones_like(g, s3, "o", &st);
    assert_int_equal(st.code, TACT_CODE_INVALID_ARGUMENT);
    tact_graph_destroy(&g);
}

/* ---- Reshape, Transpose, Sum, Mean, Fill with values as inputs ---- */

static void test_values_as_inputs(void **state)
{
    (void) state;
    tact_status_t st = TACT_STATUS_INIT;
    tact_graph_t *g = tact_graph_new();
    /* Consts: the shapes are known when the ops are built. */
    tact_output_t r = tact_reshape_to(g, x234(g), I32V(g, 4, -1), NULL, &st);
    assert_int_equal(r.op->out_shape[0].ndims, 2);
    assert_int_equal(r.op->out_shape[0].dims[1], 6);
    CHECK(g, r, TACT_DTYPE_F32, reshape_t);
    CHECK(g, valued(g, TACT_OP_TRANSPOSE, x23(g), I32V(g, 1, 0), false, &st), TACT_DTYPE_F32,
          transpose_t);
    tact_output_t sum = valued(g, TACT_OP_SUM, x234(g), I32V(g, 0, -1), false, &st);
    assert_int_equal(sum.op->out_shape[0].ndims, 1);
    CHECK(g, sum, TACT_DTYPE_F32, sum_t);
    tact_output_t dims = cst(g, TACT_DTYPE_I64, DIMS(2), 1, (const int64_t[]) { 2, 3 });
    tact_output_t seven = cst(g, TACT_DTYPE_F32, NULL, 0, (const float[]) { 7.5f });
    tact_output_t f = tact_fill_to(g, dims, seven, NULL, &st);
    assert_int_equal(f.op->out_shape[0].ndims, 2);
    CHECK(g, f, TACT_DTYPE_F32, fill_t);
    assert_int_equal(st.code, TACT_CODE_OK);

    /* Fed: only the run knows them; the shape is allocated then. */
    tact_output_t p = ph_i32(g);
    tact_output_t rp = tact_reshape_to(g, x234(g), p, "rp", &st);
    assert_int_equal(rp.op->out_shape[0].ndims, -1);
    tact_feed_t feed = { p, i32t(DIMS(2), 1, (const int32_t[]) { 4, -1 }) };
    CHECK_FED(g, rp, &feed, 1, TACT_DTYPE_F32, reshape_t);
    tact_tensor_destroy((tact_tensor_t **) &feed.value);
    tact_output_t sp = valued(g, TACT_OP_SUM, x234(g), p, true, &st);
    assert_int_equal(sp.op->out_shape[0].ndims, 3);  /* keep_dims: the rank is known */
    assert_int_equal(sp.op->out_shape[0].dims[0], -1);
    tact_output_t tp = valued(g, TACT_OP_TRANSPOSE, x23(g), p, false, &st);
    feed.value = i32t(DIMS(2), 1, (const int32_t[]) { 1, 0 });
    CHECK_FED(g, tp, &feed, 1, TACT_DTYPE_F32, transpose_t);
    tact_tensor_destroy((tact_tensor_t **) &feed.value);
    tact_output_t fp = tact_fill_to(g, p, seven, "fp", &st);
    assert_int_equal(fp.op->out_shape[0].ndims, -1);
    feed.value = i32t(DIMS(2), 1, (const int32_t[]) { 2, 3 });
    CHECK_FED(g, fp, &feed, 1, TACT_DTYPE_F32, fill_t);
    tact_tensor_destroy((tact_tensor_t **) &feed.value);
    assert_int_equal(st.code, TACT_CODE_OK);

    /* TensorFlow's kernel messages for malformed values. */
    tact_output_t v4 = cst(g, TACT_DTYPE_I32, DIMS(4), 1, (const int32_t[]) { 1, 2, 3, 4 });
    run_failed(g, tact_reshape_to(g, v4, p, "bad_r", &st), p,
               i32t(DIMS(1, 2), 2, (const int32_t[]) { 2, 2 }), msg_reshape_sizes, "bad_r");
    tact_output_t m12 = cst(g, TACT_DTYPE_I32, DIMS(1, 2), 2, (const int32_t[]) { 1, 2 });
    tact_output_t bt = valued(g, TACT_OP_TRANSPOSE, m12, p, false, &st);
    run_failed(g, bt, p, i32t(DIMS(1, 2), 2, (const int32_t[]) { 0, 1 }), msg_transpose_perm,
               bt.op->name);
    tact_output_t bf = valued(g, TACT_OP_FILL, p, cst(g, TACT_DTYPE_F32, NULL, 0,
                                                      (const float[]) { 1 }), false, &st);
    run_failed(g, bf, p, i32t(DIMS(2), 1, (const int32_t[]) { 2, -1 }), msg_fill_dims,
               bf.op->name);
    assert_int_equal(st.code, TACT_CODE_OK);
    /* The shape must be an int32 or int64 vector. */
    tact_reshape_to(g, v4, cst(g, TACT_DTYPE_F32, DIMS(1), 1, (const float[]) { 4 }), "rf", &st);
    assert_int_equal(st.code, TACT_CODE_INVALID_ARGUMENT);
    assert_string_equal(st.msg, "Value passed to parameter 'shape' has DataType float32 not in "
                                "list of allowed values: int32, int64 for 'rf' (op: 'Reshape')");
    tact_graph_destroy(&g);
}

/* An imported GraphDef whose Mean axes and Reshape shape are fed, not Consts: they stay data
 * inputs, and export writes them back as edges. */
static void test_import_values_as_inputs(void **state)
{
    (void) state;
    static const char text[] =
        "node { name: 'x' op: 'Placeholder' attr { key: 'dtype' value { type: DT_FLOAT } } }\n"
        "node { name: 'axes' op: 'Placeholder' attr { key: 'dtype' value { type: DT_INT32 } } }\n"
        "node { name: 'm' op: 'Mean' input: 'x' input: 'axes' attr { key: 'T' value { type: "
        "DT_FLOAT } } attr { key: 'Tidx' value { type: DT_INT32 } } }\n"
        "node { name: 'r' op: 'Reshape' input: 'x' input: 'axes' attr { key: 'T' value { type: "
        "DT_FLOAT } } attr { key: 'Tshape' value { type: DT_INT32 } } }\n";
    tact_status_t st = TACT_STATUS_INIT;
    tact_graph_t *g = tact_graph_new();
    char path[] = "/tmp/tact_array_ops_XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, text, sizeof text - 1), (ssize_t) (sizeof text - 1));
    close(fd);
    tact_code_t rc = tact_graph_import_file(g, path, NULL, &st);
    unlink(path);
    if (rc != TACT_CODE_OK)
        fail_msg("%s", st.msg);
    tact_output_t x = tact_graph_output(g, "x:0", &st);
    tact_output_t axes = tact_graph_output(g, "axes:0", &st);
    tact_output_t m = tact_graph_output(g, "m:0", &st);
    assert_int_equal(st.code, TACT_CODE_OK);
    assert_int_equal(m.op->n_inputs, 2);
    tact_tensor_t *xv = tu_f32(DIMS(2, 3), 2, x23_data);
    tact_tensor_t *av = i32t(DIMS(1), 1, (const int32_t[]) { 1 });
    tact_feed_t feeds[2] = { { x, xv }, { axes, av } };
    CHECK_FED(g, m, feeds, 2, TACT_DTYPE_F32, mean_axis1);
    /* The same after a round trip through a GraphDef. */
    void *buf = NULL;
    size_t len = 0;
    assert_int_equal(tact_graph_export(g, &buf, &len, &st), TACT_CODE_OK);
    tact_graph_t *g2 = tact_graph_new();
    assert_int_equal(tact_graph_import(g2, buf, len, NULL, &st), TACT_CODE_OK);
    free(buf);
    feeds[0].tensor = tact_graph_output(g2, "x:0", &st);
    feeds[1].tensor = tact_graph_output(g2, "axes:0", &st);
    CHECK_FED(g2, tact_graph_output(g2, "m:0", &st), feeds, 2, TACT_DTYPE_F32, mean_axis1);
    /* GatherV2 with batch_dims other than 0 is refused, not computed wrongly. */
    static const char batched[] =
        "node { name: 'p' op: 'Placeholder' attr { key: 'dtype' value { type: DT_FLOAT } } }\n"
        "node { name: 'i' op: 'Placeholder' attr { key: 'dtype' value { type: DT_INT32 } } }\n"
        "node { name: 'a' op: 'Const' attr { key: 'dtype' value { type: DT_INT32 } } attr { key: "
        "'value' value { tensor { dtype: DT_INT32 tensor_shape { } int_val: 1 } } } }\n"
        "node { name: 'gb' op: 'GatherV2' input: 'p' input: 'i' input: 'a' attr { key: "
        "'batch_dims' value { i: 1 } } }\n";
    char bpath[] = "/tmp/tact_array_ops_XXXXXX";
    fd = mkstemp(bpath);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, batched, sizeof batched - 1), (ssize_t) (sizeof batched - 1));
    close(fd);
    tact_status_t bst = TACT_STATUS_INIT;
    assert_int_equal(tact_graph_import_file(g2, bpath, NULL, &bst), TACT_CODE_UNIMPLEMENTED);
    unlink(bpath);
    assert_string_equal(bst.msg, "Node 'gb': GatherV2 with batch_dims 1 is not supported (only 0)");
    /* A fed shape of the wrong size: the Reshape kernel's message. */
    tact_session_t *s = tu_session(g2, NULL);
    tact_tensor_t *r = tu_run1(s, tact_graph_output(g2, "r:0", &st), feeds, 2, &st);
    assert_null(r);
    assert_string_equal(st.msg, "Input to reshape is a tensor with 6 values, but the requested "
                                "shape has 1\n\t [[{{node r}}]]");
    tact_session_destroy(&s);
    tact_tensor_destroy(&xv);
    tact_tensor_destroy(&av);
    tact_graph_destroy(&g2);
    tact_graph_destroy(&g);
}

/* Split into more outputs than a queue element has (TACT_MAX_OUTPUTS), and the builders'
 * argument checks. */
static void test_many_outputs_and_builder_errors(void **state)
{
    (void) state;
    tact_status_t st = TACT_STATUS_INIT;
    tact_graph_t *g = tact_graph_new();
    int64_t v[20];
    for (int i = 0; i < 20; i++)
        v[i] = i;
    tact_output_t x = cst(g, TACT_DTYPE_I64, DIMS(2, 10), 2, v);
    tact_output_t sp = tact_split(g, x, 10, I32S(g, 1), NULL, &st);
    assert_int_equal(sp.op->n_outputs, 10);
    CHECK(g, ((tact_output_t) { sp.op, 9 }), TACT_DTYPE_I64, split10_9);
    tact_concat(g, &x, 1, I32S(g, 0), NULL, &st);
    assert_int_equal(st.code, TACT_CODE_INVALID_ARGUMENT);
    assert_string_equal(st.msg, "ConcatV2: 1 values; at least 2 are needed");
    st = (tact_status_t) TACT_STATUS_INIT;
    tact_squeeze(g, x, NULL, 1, NULL, &st);
    assert_int_equal(st.code, TACT_CODE_INVALID_ARGUMENT);
    st = (tact_status_t) TACT_STATUS_INIT;
    tact_split(g, x, 0, I32S(g, 1), "s0", &st);
    assert_int_equal(st.code, TACT_CODE_INVALID_ARGUMENT);
    assert_string_equal(st.msg, "Attr num_split of 's0' (op: 'Split') must be in [1, 65536], "
                                "got 0");
    tact_graph_destroy(&g);
}

/* Every new op built in C, exported: tact imports the GraphDef back with the same answers, and
 * with TACT_WRITE_FIXTURES=1 it writes data/tact_array_exported.pb and tact's answers
 * (data/tact_array_exported.txt) for make_array_fixtures.py --check to run in TensorFlow. */
static tact_output_t export_graph(tact_graph_t *g, tact_output_t *x, tact_output_t *shp,
                                  tact_status_t *st)
{
    *x = tact_placeholder(g, TACT_DTYPE_F32, DIMS(-1, 3, 4), 3, "x", st);
    *shp = tact_placeholder(g, TACT_DTYPE_I32, DIMS(2), 1, "shp", st);
    tact_shape(g, *x, TACT_DTYPE_I64, "o_shape", st);
    tact_size(g, *x, TACT_DTYPE_I32, "o_size", st);
    tact_rank(g, *x, "o_rank", st);
    tact_slice(g, *x, I32V(g, 0, 1, 1), I32V(g, -1, 2, 2), "o_slice", st);
    tact_strided_slice(g, *x, I32V(g, 0, 1), I32V(g, 0, 2), I32V(g, 1, 1), 0, 0, 1, 0, 2,
                       "o_ss", st);
    tact_strided_slice(g, *x, I32V(g, -1, 0, 3), I32V(g, 0, 0, 0), I32V(g, -1, 1, -2), 0, 6, 0,
                       2, 0, "o_ss2", st);
    tact_output_t e = tact_expand_dims(g, *x, I32S(g, 1), "o_ed", st);
    tact_squeeze(g, e, (const int[]) { 1 }, 1, "o_sq", st);
    tact_concat(g, (tact_output_t[]) { *x, *x }, 2, I32S(g, -1), "o_cc", st);
    tact_split(g, *x, 2, I32S(g, 2), "o_split", st);
    tact_unstack(g, *x, 3, 1, "o_unstack", st);
    tact_tile(g, *x, I32V(g, 1, 2, 1), "o_tile", st);
    tact_output_t pads = cst(g, TACT_DTYPE_I32, DIMS(3, 2), 2, (const int32_t[]) { 0, 1, 1, 0,
                                                                                  2, 2 });
    tact_pad(g, *x, pads, "o_pad", st);
    tact_pad_v2(g, *x, pads, cst(g, TACT_DTYPE_F32, NULL, 0, (const float[]) { -9 }), "o_pad2",
                st);
    tact_gather(g, *x, I32V(g, 3, 0), I32S(g, 2), "o_gather", st);
    tact_one_hot(g, I32V(g, 0, 2, 5), I32S(g, 4), I32S(g, 3), I32S(g, -2), 0, "o_onehot", st);
    tact_range(g, I32S(g, 2), I32S(g, 11), I32S(g, 4), "o_range", st);
    tact_zeros_like(g, *x, "o_zl", st);
    tact_ones_like(g, *x, "o_ol", st);
    tact_reshape_to(g, *x, *shp, "o_reshape", st);
    valued(g, TACT_OP_MEAN, *x, I32V(g, -1), true, st);
    return *x;
}

static const char *const export_fetches[] = {
    "o_shape:0", "o_size:0", "o_rank:0", "o_slice:0", "o_ss:0", "o_ss2:0", "o_ed:0", "o_sq:0",
    "o_cc:0", "o_split:0", "o_split:1", "o_unstack:0", "o_unstack:2", "o_tile:0", "o_pad:0",
    "o_pad2:0", "o_gather:0", "o_onehot:0", "o_range:0", "o_zl:0", "o_ol:0", "o_reshape:0",
    "Mean:0",
};
#define N_EXPORT_FETCHES ((int) (sizeof export_fetches / sizeof export_fetches[0]))

/* "name [d,d,] v v v\n" per fetch: the text the fixture script compares. */
static void export_answers(tact_graph_t *g, char *buf, size_t len)
{
    tact_status_t st = TACT_STATUS_INIT;
    float xv[24];
    for (int i = 0; i < 24; i++)
        xv[i] = (float) i * 0.5f - 3.0f;
    tact_tensor_t *xt = tu_f32(DIMS(2, 3, 4), 3, xv);
    tact_tensor_t *pt = i32t(DIMS(2), 1, (const int32_t[]) { -1, 6 });
    tact_feed_t feeds[2] = { { tact_graph_output(g, "x:0", &st), xt },
                             { tact_graph_output(g, "shp:0", &st), pt } };
    tact_session_t *s = tu_session(g, NULL);
    size_t pos = 0;
    buf[0] = '\0';
    for (int k = 0; k < N_EXPORT_FETCHES; k++) {
        tact_tensor_t *r = tu_run1(s, tact_graph_output(g, export_fetches[k], &st), feeds, 2,
                                   &st);
        if (r == NULL)
            fail_msg("%s: %s", export_fetches[k], st.msg);
        pos += (size_t) snprintf(buf + pos, len - pos, "%s [", export_fetches[k]);
        for (int d = 0; d < tact_tensor_ndims(r); d++)
            pos += (size_t) snprintf(buf + pos, len - pos, "%lld,",
                                     (long long) tact_tensor_dim(r, d));
        pos += (size_t) snprintf(buf + pos, len - pos, "]");
        for (int64_t i = 0; i < tact_tensor_nelems(r); i++) {
            const void *d = tact_tensor_data(r);
            double v = tact_tensor_dtype(r) == TACT_DTYPE_F32 ? ((const float *) d)[i]
                       : tact_tensor_dtype(r) == TACT_DTYPE_I32
                           ? ((const int32_t *) d)[i]
                           : (double) ((const int64_t *) d)[i];
            pos += (size_t) snprintf(buf + pos, len - pos, " %.6g", v);
        }
        pos += (size_t) snprintf(buf + pos, len - pos, "\n");
        assert_true(pos < len);
        tact_tensor_destroy(&r);
    }
    tact_session_destroy(&s);
    tact_tensor_destroy(&xt);
    tact_tensor_destroy(&pt);
}

static void test_export(void **state)
{
    (void) state;
    tact_status_t st = TACT_STATUS_INIT;
    tact_graph_t *g = tact_graph_new();
    tact_output_t x, shp;
    export_graph(g, &x, &shp, &st);
    assert_int_equal(st.code, TACT_CODE_OK);
    void *data = NULL;
    size_t len = 0;
    assert_int_equal(tact_graph_export(g, &data, &len, &st), TACT_CODE_OK);
    tact_graph_t *g2 = tact_graph_new();
    assert_int_equal(tact_graph_import(g2, data, len, NULL, &st), TACT_CODE_OK);
    static char a[16384], b[16384];
    export_answers(g, a, sizeof a);
    export_answers(g2, b, sizeof b);
    assert_string_equal(a, b);
    if (getenv("TACT_WRITE_FIXTURES") != NULL) {  /* for make_array_fixtures.py --check */
        tu_write_file(TACT_TEST_DATA_DIR "/tact_array_exported.pb", data, len);
        tu_write_file(TACT_TEST_DATA_DIR "/tact_array_exported.txt", a, strlen(a));
    }
    free(data);
    tact_graph_destroy(&g2);
    tact_graph_destroy(&g);
}

/* ---- the models ---- */

static tact_tensor_t *read_tensor(const char *name, tact_dtype_t dt, const int64_t *dims,
                                  int ndims)
{
    char path[512];
    snprintf(path, sizeof path, "%s/%s", TACT_TEST_DATA_DIR, name);
    size_t len;
    void *data = tu_read_file(path, &len);
    assert_int_equal(len, (size_t) nelems_of(dims, ndims) * tact_dtype_size(dt));
    tact_status_t st = TACT_STATUS_INIT;
    tact_tensor_t *t = tact_tensor_new(dt, dims, ndims, data, &st);
    free(data);
    assert_non_null(t);
    return t;
}

static void test_model_flatten(void **state)
{
    (void) state;
    tact_status_t st = TACT_STATUS_INIT;
    tact_graph_t *g = tact_graph_new();
    assert_int_equal(tact_graph_import_file(g, TACT_TEST_DATA_DIR "/flatten.pb", NULL, &st),
                     TACT_CODE_OK);
    tact_output_t x = tact_graph_output(g, "x:0", &st);
    tact_output_t y = tact_graph_output(g, "logits:0", &st);
    assert_int_equal(st.code, TACT_CODE_OK);
    assert_int_equal(y.op->out_shape[0].ndims, 2);
    assert_int_equal(y.op->out_shape[0].dims[1], 5);
    tact_session_t *s = tu_session(g, NULL);
    for (int k = 0; k < 2; k++) {
        int64_t n = k == 0 ? 2 : 5;
        char xn[32], yn[32];
        snprintf(xn, sizeof xn, "flatten_x%d.bin", (int) n);
        snprintf(yn, sizeof yn, "flatten_y%d.bin", (int) n);
        tact_tensor_t *xin = read_tensor(xn, TACT_DTYPE_F32, DIMS(n, 4, 4, 3), 4);
        tact_tensor_t *want = read_tensor(yn, TACT_DTYPE_F32, DIMS(n, 5), 2);
        tact_feed_t feed = { x, xin };
        tact_tensor_t *r = tu_run1(s, y, &feed, 1, &st);
        if (r == NULL)
            fail_msg("%s", st.msg);
        check_tensor(r, TACT_DTYPE_F32, DIMS(n, 5), 2, tact_tensor_data(want));
        tact_tensor_destroy(&r);
        tact_tensor_destroy(&xin);
        tact_tensor_destroy(&want);
    }
    tact_session_destroy(&s);
    /* Export keeps the computed shape as an edge: the copy imports and runs alike. */
    void *buf = NULL;
    size_t len = 0;
    assert_int_equal(tact_graph_export(g, &buf, &len, &st), TACT_CODE_OK);
    tact_graph_t *g2 = tact_graph_new();
    assert_int_equal(tact_graph_import(g2, buf, len, NULL, &st), TACT_CODE_OK);
    free(buf);
    tact_output_t x2 = tact_graph_output(g2, "x:0", &st);
    tact_output_t y2 = tact_graph_output(g2, "logits:0", &st);
    tact_tensor_t *xin = read_tensor("flatten_x2.bin", TACT_DTYPE_F32, DIMS(2, 4, 4, 3), 4);
    tact_tensor_t *want = read_tensor("flatten_y2.bin", TACT_DTYPE_F32, DIMS(2, 5), 2);
    tact_feed_t feed = { x2, xin };
    check_run(g2, y2, &feed, 1, TACT_DTYPE_F32, DIMS(2, 5), 2, tact_tensor_data(want));
    tact_tensor_destroy(&xin);
    tact_tensor_destroy(&want);
    tact_graph_destroy(&g2);
    tact_graph_destroy(&g);
}

static void test_model_text(void **state)
{
    (void) state;
    tact_status_t st = TACT_STATUS_INIT;
    tact_graph_t *g = tact_graph_new();
    assert_int_equal(tact_graph_import_file(g, TACT_TEST_DATA_DIR "/text.pb", NULL, &st),
                     TACT_CODE_OK);
    tact_output_t ids = tact_graph_output(g, "ids:0", &st);
    tact_output_t feat = tact_graph_output(g, "feat:0", &st);
    tact_output_t probs = tact_graph_output(g, "probs:0", &st);
    assert_int_equal(st.code, TACT_CODE_OK);
    tact_tensor_t *iv = read_tensor("text_ids.bin", TACT_DTYPE_I32, DIMS(3, 6), 2);
    tact_tensor_t *fv = read_tensor("text_feat.bin", TACT_DTYPE_F32, DIMS(3, 4), 2);
    tact_tensor_t *want = read_tensor("text_probs.bin", TACT_DTYPE_F32, DIMS(3, 3), 2);
    tact_feed_t feeds[2] = { { ids, iv }, { feat, fv } };
    check_run(g, probs, feeds, 2, TACT_DTYPE_F32, DIMS(3, 3), 2, tact_tensor_data(want));
    /* An id outside the embedding: GatherV2's message, naming the node. */
    int32_t bad[18] = { 0 };
    bad[7] = 50;
    tact_tensor_t *bv = tu_i32(DIMS(3, 6), 2, bad);
    feeds[0].value = bv;
    tact_session_t *s = tu_session(g, NULL);
    tact_tensor_t *r = tu_run1(s, probs, feeds, 2, &st);
    assert_null(r);
    assert_int_equal(st.code, TACT_CODE_INVALID_ARGUMENT);
    assert_true(tu_contains(st.msg, "indices[1,1] = 50 is not in [0, 50)"));
    tact_session_destroy(&s);
    tact_tensor_destroy(&bv);
    tact_tensor_destroy(&iv);
    tact_tensor_destroy(&fv);
    tact_tensor_destroy(&want);
    tact_graph_destroy(&g);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_shape_size_rank),
        cmocka_unit_test(test_slice),
        cmocka_unit_test(test_slice_errors),
        cmocka_unit_test(test_strided_slice),
        cmocka_unit_test(test_strided_slice_errors),
        cmocka_unit_test(test_squeeze_expand_dims),
        cmocka_unit_test(test_concat_split_unpack),
        cmocka_unit_test(test_concat_split_unpack_errors),
        cmocka_unit_test(test_tile_pad),
        cmocka_unit_test(test_gather_one_hot),
        cmocka_unit_test(test_range_like),
        cmocka_unit_test(test_values_as_inputs),
        cmocka_unit_test(test_import_values_as_inputs),
        cmocka_unit_test(test_many_outputs_and_builder_errors),
        cmocka_unit_test(test_export),
        cmocka_unit_test(test_model_flatten),
        cmocka_unit_test(test_model_text),
    };
    return cmocka_run_group_tests_name("array_ops", tests, NULL, NULL);
}
