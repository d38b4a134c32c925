/* SPDX-License-Identifier: MIT */
/* Sparse tensors (TensorFlow's SparseTensor as three tensors): sparse placeholders and their
 * names, SparseToDense, tf.sparse.from_dense (TactSparseFromDense), SparseReduceSum,
 * SparseTensorDenseMatMul, SparseAdd and SparseTensorDenseAdd, each against the values and
 * messages TensorFlow printed (scripts/tf_reference/sparse.py), feeding through
 * tact_sparse_feed and tact_eval, and SparseTensorValue's repr (tact_sparse_format). */
#include "runtime/graph/graph_impl.h" /* first: the prelude's _GNU_SOURCE precedes system headers */

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "tests/helpers.h"

#define I64 TACT_DTYPE_I64
#define F32 TACT_DTYPE_F32

/* Sparse tensor A of the reference script: 3x4, five entries. */
static const int64_t a_ind[] = {0, 0, 0, 2, 1, 1, 2, 0, 2, 3};
static const float a_val[] = {1, 2, 3, 4, 5};
static const int64_t a_shape[] = {3, 4};

static tact_tensor_t *i64_tensor(const int64_t *dims, int ndims, const int64_t *data)
{
    tact_status_t st = TACT_STATUS_INIT;
    tact_tensor_t *t = tact_tensor_new(I64, dims, ndims, data, &st);
    assert_int_equal(st.code, TACT_CODE_OK);
    return t;
}

static tact_output_t const_i64(tact_graph_t *g, const int64_t *dims, int ndims,
                               const int64_t *data, tact_status_t *st)
{
    tact_tensor_t *t = i64_tensor(dims, ndims, data);
    tact_output_t c = tact_constant(g, t, NULL, st);
    tact_tensor_destroy(&t);
    return c;
}

/* A constant sparse tensor with n entries of `rank`. */
static tact_sparse_output_t const_sparse(tact_graph_t *g, const int64_t *ind, const float *val,
                                         int64_t n, const int64_t *shape, int64_t rank,
                                         tact_status_t *st)
{
    tact_sparse_output_t sp;
    sp.indices = const_i64(g, (int64_t[]){n, rank}, 2, ind, st);
    sp.values = tu_const_f32(g, &n, 1, val, NULL, st);
    sp.dense_shape = const_i64(g, &rank, 1, shape, st);
    return sp;
}

/* Runs one fetch that must fail with `code` and exactly `msg` followed by TensorFlow's
 * "\n\t [[{{node <node>}}]]". */
static void run_fails(tact_session_t *s, tact_output_t fetch, const tact_feed_t *feeds,
                      int n_feeds, tact_code_t code, const char *msg, const char *node)
{
    tact_status_t st = TACT_STATUS_INIT;
    tact_tensor_t *r = tu_run1(s, fetch, feeds, n_feeds, &st);
    assert_null(r);
    char want[sizeof st.msg + 64];
    snprintf(want, sizeof want, "%s\n\t [[{{node %s}}]]", msg, node);
    assert_string_equal(st.msg, want);
    assert_int_equal(st.code, code);
}

/* Runs fetch and checks it is float32 of dims holding want. */
static void run_f32(tact_session_t *s, tact_output_t fetch, const tact_feed_t *feeds,
                    int n_feeds, const int64_t *dims, int ndims, const float *want)
{
    tact_status_t st = TACT_STATUS_INIT;
    tact_tensor_t *r = tu_run1(s, fetch, feeds, n_feeds, &st);
    assert_int_equal(st.code, TACT_CODE_OK);
    assert_true(tu_f32_equal(r, dims, ndims, want));
    tact_tensor_destroy(&r);
}

/* Fetches the three tensors of sp and checks their repr. */
static void run_sparse_repr(tact_session_t *s, tact_sparse_output_t sp, const char *want)
{
    tact_status_t st = TACT_STATUS_INIT;
    tact_output_t f[3] = {sp.indices, sp.values, sp.dense_shape};
    tact_tensor_t *r[3] = {NULL, NULL, NULL};
    assert_int_equal(tact_session_run(s, f, 3, r, NULL, 0, NULL, 0, &st), TACT_CODE_OK);
    char buf[512];
    size_t n = tact_sparse_format(r[0], r[1], r[2], buf, sizeof buf);
    assert_string_equal(buf, want);
    assert_int_equal(n, strlen(want));
    for (int i = 0; i < 3; i++)
        tact_tensor_destroy(&r[i]);
}

/* ---- sparse_placeholder ---- */

static void test_placeholder_names(void **state)
{
    (void) state;
    tact_status_t st = TACT_STATUS_INIT;
    tact_graph_t *g = tact_graph_new();
    tact_sparse_output_t p = tact_sparse_placeholder(g, F32, NULL, -1, "sp", &st);
    tact_sparse_output_t q = tact_sparse_placeholder(g, F32, (int64_t[]){3, 4}, 2, NULL, &st);
    assert_int_equal(st.code, TACT_CODE_OK);
    /* TensorFlow: sp/indices:0 sp/values:0 sp/shape:0 Placeholder_1:0 PlaceholderWithDefault */
    assert_string_equal(tact_op_name(p.indices.op), "sp/indices");
    assert_string_equal(tact_op_name(p.values.op), "sp/values");
    assert_string_equal(tact_op_name(p.dense_shape.op), "sp/shape");
    assert_string_equal(tact_op_type(p.dense_shape.op), "Placeholder");
    assert_string_equal(tact_op_name(q.indices.op), "Placeholder_1");
    assert_string_equal(tact_op_name(q.values.op), "Placeholder");
    assert_string_equal(tact_op_name(q.dense_shape.op), "PlaceholderWithDefault");
    assert_string_equal(tact_op_type(q.dense_shape.op), "PlaceholderWithDefault");
    assert_int_equal(tact_output_dtype(p.indices), I64);
    assert_int_equal(tact_output_ndims(p.indices), 2);
    assert_int_equal(tact_output_dim(p.indices, 1), -1);
    assert_int_equal(tact_output_dim(q.indices, 1), 2);
    assert_int_equal(tact_output_dim(q.dense_shape, 0), 2);
    assert_int_equal(tact_output_dtype(q.values), F32);

    tact_sparse_output_t bad = tact_sparse_placeholder(g, F32, NULL, 9, "bad", &st);
    assert_null(bad.indices.op);
    assert_int_equal(st.code, TACT_CODE_INVALID_ARGUMENT);
    assert_string_equal(st.msg, "sparse_placeholder: invalid rank 9 (at most 8 dims)");
    tact_graph_destroy(&g);
}

/* ---- SparseToDense ---- */

static void test_to_dense(void **state)
{
    (void) state;
    tact_status_t st = TACT_STATUS_INIT;
    tact_graph_t *g = tact_graph_new();
    tact_sparse_output_t x = const_sparse(g, (int64_t[]){0, 0, 1, 2}, (float[]){1, 2}, 2,
                                          a_shape, 2, &st);
    tact_output_t d = tact_sparse_to_dense(g, x, (tact_output_t){NULL, -1}, NULL, &st);
    tact_sparse_output_t y = const_sparse(g, (int64_t[]){0, 1}, (float[]){5}, 1,
                                          (int64_t[]){2, 2}, 2, &st);
    tact_output_t seven = tu_const_f32(g, NULL, 0, (float[]){7}, "seven", &st);
    tact_output_t d7 = tact_sparse_to_dense(g, y, seven, "d7", &st);
    tact_sparse_output_t e = const_sparse(g, NULL, NULL, 0, (int64_t[]){2, 3}, 2, &st);
    tact_output_t de = tact_sparse_to_dense(g, e, (tact_output_t){NULL, -1}, NULL, &st);
    assert_int_equal(st.code, TACT_CODE_OK);
    assert_string_equal(tact_op_type(d.op), "SparseToDense");
    assert_string_equal(tact_op_name(d.op), "SparseToDense");
    assert_int_equal(tact_output_ndims(d), 2);
    tact_session_t *s = tu_session(g, NULL);
    run_f32(s, d, NULL, 0, (int64_t[]){3, 4}, 2,
            (float[]){1, 0, 0, 0, 0, 0, 2, 0, 0, 0, 0, 0});
    run_f32(s, d7, NULL, 0, (int64_t[]){2, 2}, 2, (float[]){7, 5, 7, 7});
    run_f32(s, de, NULL, 0, (int64_t[]){2, 3}, 2, (float[]){0, 0, 0, 0, 0, 0});
    tact_session_destroy(&s);
    tact_graph_destroy(&g);
}

static void test_to_dense_errors(void **state)
{
    (void) state;
    tact_status_t st = TACT_STATUS_INIT;
    tact_graph_t *g = tact_graph_new();
    tact_sparse_output_t oob = const_sparse(g, (int64_t[]){0, 0, 3, 0}, (float[]){1, 2}, 2,
                                            a_shape, 2, &st);
    tact_sparse_output_t unord = const_sparse(g, (int64_t[]){1, 0, 0, 0}, (float[]){1, 2}, 2,
                                              a_shape, 2, &st);
    tact_sparse_output_t rep = const_sparse(g, (int64_t[]){1, 0, 1, 0}, (float[]){1, 2}, 2,
                                            a_shape, 2, &st);
    tact_output_t none = {NULL, -1};
    tact_output_t d_oob = tact_sparse_to_dense(g, oob, none, "oob", &st);
    tact_output_t d_unord = tact_sparse_to_dense(g, unord, none, "unord", &st);
    tact_output_t d_rep = tact_sparse_to_dense(g, rep, none, "rep", &st);
    /* validate_indices false (the attr; the public builder always validates): unordered
     * indices are written as they come */
    tact_op_attrs_t novalid = {.validate_indices = false};
    tact_output_t zero = tu_const_f32(g, NULL, 0, (float[]){0}, "zero", &st);
    tact_output_t nv_in[4] = {unord.indices, unord.dense_shape, unord.values, zero};
    tact_output_t d_nv = {tact__graph_add_op(g, TACT_OP_SPARSE_TO_DENSE, "nv", nv_in, 4, NULL, 0,
                                             &novalid, &st), 0};
    /* fed: the lengths are known only when it runs */
    tact_sparse_output_t p = tact_sparse_placeholder(g, F32, NULL, -1, "p", &st);
    tact_output_t d_p = tact_sparse_to_dense(g, p, none, "dp", &st);
    assert_int_equal(st.code, TACT_CODE_OK);
    tact_session_t *s = tu_session(g, NULL);
    run_fails(s, d_oob, NULL, 0, TACT_CODE_INVALID_ARGUMENT,
              "indices[1] = [3,0] is out of bounds: need 0 <= index < [3,4]", "oob");
    run_fails(s, d_unord, NULL, 0, TACT_CODE_INVALID_ARGUMENT,
              "indices[1] = [0,0] is out of order. Many sparse ops require sorted indices.\n"
              "    Use `tf.sparse.reorder` to create a correctly ordered copy.\n\n", "unord");
    run_fails(s, d_rep, NULL, 0, TACT_CODE_INVALID_ARGUMENT, "indices[1] = [1,0] is repeated",
              "rep");
    run_f32(s, d_nv, NULL, 0, (int64_t[]){3, 4}, 2,
            (float[]){2, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0});

    tact_tensor_t *ind = i64_tensor((int64_t[]){2, 2}, 2, (int64_t[]){0, 0, 1, 1});
    tact_tensor_t *val3 = tu_f32((int64_t[]){3}, 1, (float[]){1, 2, 3});
    tact_tensor_t *val2 = tu_f32((int64_t[]){2}, 1, (float[]){1, 2});
    tact_tensor_t *shp2 = i64_tensor((int64_t[]){2}, 1, (int64_t[]){3, 4});
    tact_tensor_t *shp3 = i64_tensor((int64_t[]){3}, 1, (int64_t[]){3, 4, 5});
    tact_feed_t f[3];
    tact_sparse_feed(p, ind, val3, shp2, f);
    assert_ptr_equal(f[0].value, ind);
    assert_ptr_equal(f[1].tensor.op, p.values.op);
    run_fails(s, d_p, f, 3, TACT_CODE_INVALID_ARGUMENT,
              "sparse_values has incorrect shape [3], should be [] or [2]", "dp");
    tact_sparse_feed(p, ind, val2, shp3, f);
    run_fails(s, d_p, f, 3, TACT_CODE_INVALID_ARGUMENT,
              "output_shape has incorrect number of elements: 3 should be: 2", "dp");
    tact_sparse_feed(p, ind, val2, shp2, f);
    run_f32(s, d_p, f, 3, (int64_t[]){3, 4}, 2, (float[]){1, 0, 0, 0, 0, 2, 0, 0, 0, 0, 0, 0});
    /* a dense shape too large to hold: a status, never an abort */
    tact_tensor_t *huge = i64_tensor((int64_t[]){2}, 1,
                                     (int64_t[]){INT64_C(1) << 40, INT64_C(1) << 40});
    tact_sparse_feed(p, ind, val2, huge, f);
    run_fails(s, d_p, f, 3, TACT_CODE_INVALID_ARGUMENT, "Shape [1099511627776,1099511627776] "
              "would have more than 2**63 - 1 elements", "dp");
    tact_tensor_destroy(&huge);
    tact_tensor_destroy(&ind);
    tact_tensor_destroy(&val3);
    tact_tensor_destroy(&val2);
    tact_tensor_destroy(&shp2);
    tact_tensor_destroy(&shp3);
    tact_session_destroy(&s);

    /* Known at build time: TensorFlow's shape functions refuse them. */
    tact_status_t b1 = TACT_STATUS_INIT;
    tact_sparse_output_t bad = const_sparse(g, (int64_t[]){0, 0, 1, 1}, (float[]){1, 2}, 2,
                                            a_shape, 2, &b1);
    bad.dense_shape = const_i64(g, (int64_t[]){3}, 1, (int64_t[]){3, 4, 5}, &b1);
    tact_sparse_output_t r = tact_sparse_add(g, bad, bad, 0, "badadd", &b1);
    assert_null(r.indices.op);
    assert_int_equal(b1.code, TACT_CODE_INVALID_ARGUMENT);
    assert_true(tu_contains(b1.msg, "Dimensions 2 and 3 are not compatible for 'badadd' (op: "
                            "'SparseAdd')"));
    tact_graph_destroy(&g);
}

/* ---- tf.sparse.from_dense ---- */

static void test_from_dense(void **state)
{
    (void) state;
    tact_status_t st = TACT_STATUS_INIT;
    tact_graph_t *g = tact_graph_new();
    tact_output_t x = tu_const_f32(g, (int64_t[]){2, 3}, 2, (float[]){0, 1.5f, 0, 2, 0, 0},
                                   "x", &st);
    tact_sparse_output_t sp = tact_sparse_from_dense(g, x, "fd", &st);
    tact_output_t z = tu_const_f32(g, (int64_t[]){0, 3}, 2, NULL, "z", &st);
    tact_sparse_output_t ez = tact_sparse_from_dense(g, z, NULL, &st);
    tact_output_t back = tact_sparse_to_dense(g, sp, (tact_output_t){NULL, -1}, NULL, &st);
    assert_int_equal(st.code, TACT_CODE_OK);
    assert_string_equal(tact_op_type(sp.indices.op), "TactSparseFromDense");
    assert_string_equal(tact_op_name(ez.values.op), "SparseFromDense");
    assert_int_equal(tact_output_dim(sp.indices, 1), 2);
    assert_int_equal(tact_output_dim(sp.dense_shape, 0), 2);
    tact_session_t *s = tu_session(g, NULL);
    run_sparse_repr(s, sp, "SparseTensorValue(indices=array([[0, 1],\n       [1, 0]]), "
                    "values=array([1.5, 2. ], dtype=float32), dense_shape=array([2, 3]))");
    run_sparse_repr(s, ez, "SparseTensorValue(indices=array([], shape=(0, 2), dtype=int64), "
                    "values=array([], dtype=float32), dense_shape=array([0, 3]))");
    run_f32(s, back, NULL, 0, (int64_t[]){2, 3}, 2, (float[]){0, 1.5f, 0, 2, 0, 0});
    tact_session_destroy(&s);
    tact_graph_destroy(&g);
}

/* ---- SparseReduceSum ---- */

static void test_reduce_sum(void **state)
{
    (void) state;
    tact_status_t st = TACT_STATUS_INIT;
    tact_graph_t *g = tact_graph_new();
    tact_sparse_output_t a = const_sparse(g, a_ind, a_val, 5, a_shape, 2, &st);
    tact_output_t all = tact_sparse_reduce_sum(g, a, NULL, 0, false, NULL, &st);
    tact_output_t r0 = tact_sparse_reduce_sum(g, a, (int[]){0}, 1, false, NULL, &st);
    tact_output_t r1 = tact_sparse_reduce_sum(g, a, (int[]){1}, 1, false, NULL, &st);
    tact_output_t rm1k = tact_sparse_reduce_sum(g, a, (int[]){-1}, 1, true, NULL, &st);
    tact_output_t r01k = tact_sparse_reduce_sum(g, a, (int[]){0, 1}, 2, true, NULL, &st);
    tact_output_t bad = tact_sparse_reduce_sum(g, a, (int[]){2}, 1, false, "bad", &st);
    tact_sparse_output_t c = const_sparse(g, (int64_t[]){0, 1, 0, 1, 0, 1, 1, 1, 1},
                                          (float[]){1, 2, 3}, 3, (int64_t[]){2, 2, 2}, 3, &st);
    tact_output_t c1 = tact_sparse_reduce_sum(g, c, (int[]){1}, 1, false, NULL, &st);
    tact_sparse_output_t e = const_sparse(g, NULL, NULL, 0, (int64_t[]){2, 3}, 2, &st);
    tact_output_t e1 = tact_sparse_reduce_sum(g, e, (int[]){1}, 1, false, NULL, &st);
    assert_int_equal(st.code, TACT_CODE_OK);
    assert_string_equal(tact_op_type(all.op), "SparseReduceSum");
    assert_int_equal(tact_output_ndims(all), -1);
    assert_int_equal(tact_output_ndims(rm1k), 2);  /* keep_dims: the rank is known */
    tact_session_t *s = tu_session(g, NULL);
    run_f32(s, all, NULL, 0, NULL, 0, (float[]){15});
    run_f32(s, r0, NULL, 0, (int64_t[]){4}, 1, (float[]){5, 3, 2, 5});
    run_f32(s, r1, NULL, 0, (int64_t[]){3}, 1, (float[]){3, 3, 9});
    run_f32(s, rm1k, NULL, 0, (int64_t[]){3, 1}, 2, (float[]){3, 3, 9});
    run_f32(s, r01k, NULL, 0, (int64_t[]){1, 1}, 2, (float[]){15});
    run_f32(s, c1, NULL, 0, (int64_t[]){2, 2}, 2, (float[]){1, 0, 0, 5});
    run_f32(s, e1, NULL, 0, (int64_t[]){2}, 1, (float[]){0, 0});
    run_fails(s, bad, NULL, 0, TACT_CODE_INVALID_ARGUMENT,
              "Invalid reduction dimension 2, for input with 2 dimensions.", "bad");
    tact_session_destroy(&s);
    tact_graph_destroy(&g);
}

/* ---- SparseTensorDenseMatMul ---- */

static void test_matmul(void **state)
{
    (void) state;
    tact_status_t st = TACT_STATUS_INIT;
    tact_graph_t *g = tact_graph_new();
    tact_sparse_output_t a = const_sparse(g, a_ind, a_val, 5, a_shape, 2, &st);
    float b43[12], b34[12];
    for (int i = 0; i < 12; i++)
        b43[i] = b34[i] = (float) i;  /* np.arange(12) as [4, 3] and [3, 4] */
    tact_output_t b = tu_const_f32(g, (int64_t[]){4, 3}, 2, b43, "b", &st);
    tact_output_t bt = tu_const_f32(g, (int64_t[]){3, 4}, 2, b34, "bt", &st);
    tact_output_t m00 = tact_sparse_tensor_dense_matmul(g, a, b, false, false, NULL, &st);
    tact_output_t m10 = tact_sparse_tensor_dense_matmul(g, a, bt, true, false, NULL, &st);
    tact_output_t m01 = tact_sparse_tensor_dense_matmul(g, a, bt, false, true, NULL, &st);
    tact_output_t m11 = tact_sparse_tensor_dense_matmul(g, a, b, true, true, NULL, &st);
    tact_sparse_output_t o = const_sparse(g, (int64_t[]){0, 5}, (float[]){1}, 1, a_shape, 2,
                                          &st);
    tact_output_t moob = tact_sparse_tensor_dense_matmul(g, o, b, false, false, NULL, &st);
    tact_output_t pb = tact_placeholder(g, F32, (int64_t[]){-1, -1}, 2, "pb", &st);
    tact_output_t mp = tact_sparse_tensor_dense_matmul(g, a, pb, false, false, "mp", &st);
    assert_int_equal(st.code, TACT_CODE_OK);
    assert_string_equal(tact_op_name(m00.op), "SparseTensorDenseMatMul/SparseTensorDenseMatMul");
    assert_string_equal(tact_op_name(m10.op),
                        "SparseTensorDenseMatMul_1/SparseTensorDenseMatMul");
    assert_int_equal(tact_output_dim(m00, 1), 3);
    assert_int_equal(tact_output_dim(m10, 1), 4);
    tact_session_t *s = tu_session(g, NULL);
    run_f32(s, m00, NULL, 0, (int64_t[]){3, 3}, 2,
            (float[]){12, 15, 18, 9, 12, 15, 45, 54, 63});
    run_f32(s, m10, NULL, 0, (int64_t[]){4, 4}, 2,
            (float[]){32, 37, 42, 47, 12, 15, 18, 21, 0, 2, 4, 6, 40, 45, 50, 55});
    run_f32(s, m01, NULL, 0, (int64_t[]){3, 3}, 2, (float[]){4, 16, 28, 3, 15, 27, 15, 51, 87});
    run_f32(s, m11, NULL, 0, (int64_t[]){4, 4}, 2,
            (float[]){8, 23, 38, 53, 3, 12, 21, 30, 0, 6, 12, 18, 10, 25, 40, 55});
    run_fails(s, moob, NULL, 0, TACT_CODE_INVALID_ARGUMENT,
              "k (5) from index[0,1] out of bounds (>=4)",
              "SparseTensorDenseMatMul_4/SparseTensorDenseMatMul");
    tact_tensor_t *z33 = tu_f32((int64_t[]){3, 3}, 2, NULL);
    tact_feed_t f = {pb, z33};
    run_fails(s, mp, &f, 1, TACT_CODE_INVALID_ARGUMENT,
              "Cannot multiply A and B because inner dimension does not match: 4 vs. 3.  Did "
              "you forget a transpose?  Dimensions of A: [3, 4).  Dimensions of B: [3,3]",
              "mp/SparseTensorDenseMatMul");
    tact_tensor_destroy(&z33);
    tact_session_destroy(&s);
    tact_graph_destroy(&g);
}

/* ---- SparseAdd and SparseTensorDenseAdd ---- */

static void test_add(void **state)
{
    (void) state;
    tact_status_t st = TACT_STATUS_INIT;
    tact_graph_t *g = tact_graph_new();
    tact_sparse_output_t x = const_sparse(g, (int64_t[]){0, 0, 1, 2}, (float[]){1, 2}, 2,
                                          a_shape, 2, &st);
    tact_sparse_output_t y = const_sparse(g, (int64_t[]){0, 0, 0, 1, 1, 2},
                                          (float[]){-1, 3, 5}, 3, a_shape, 2, &st);
    tact_sparse_output_t e = const_sparse(g, NULL, NULL, 0, a_shape, 2, &st);
    tact_sparse_output_t sum = tact_sparse_add(g, x, y, 0, NULL, &st);
    tact_sparse_output_t sum5 = tact_sparse_add(g, x, y, 0.5, NULL, &st);
    tact_sparse_output_t sume = tact_sparse_add(g, x, e, 0, NULL, &st);
    tact_output_t ones = tu_const_f32(g, (int64_t[]){3, 4}, 2,
                                      (float[]){1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1}, "ones", &st);
    tact_output_t dsum = tact_sparse_add_dense(g, x, ones, NULL, &st);
    tact_output_t pd = tact_placeholder(g, F32, (int64_t[]){-1, -1}, 2, "pd", &st);
    tact_output_t dbad = tact_sparse_add_dense(g, x, pd, "dbad", &st);
    tact_sparse_output_t o = const_sparse(g, (int64_t[]){0, 0, 3, 1}, (float[]){1, 2}, 2,
                                          a_shape, 2, &st);
    tact_output_t doob = tact_sparse_add_dense(g, o, pd, "doob", &st);
    tact_output_t ps = tact_placeholder(g, I64, (int64_t[]){-1}, 1, "ps", &st);
    tact_sparse_output_t z = {x.indices, x.values, ps};
    tact_sparse_output_t sbad = tact_sparse_add(g, x, z, 0, "sbad", &st);
    assert_int_equal(st.code, TACT_CODE_OK);
    assert_string_equal(tact_op_type(sum.values.op), "SparseAdd");
    assert_string_equal(tact_op_type(dsum.op), "SparseTensorDenseAdd");
    assert_int_equal(tact_output_dim(dsum, 1), 4);
    tact_session_t *s = tu_session(g, NULL);
    run_sparse_repr(s, sum, "SparseTensorValue(indices=array([[0, 0],\n       [0, 1],\n       "
                    "[1, 2]]), values=array([0., 3., 7.], dtype=float32), dense_shape=array([3, "
                    "4]))");
    run_sparse_repr(s, sum5, "SparseTensorValue(indices=array([[0, 1],\n       [1, 2]]), "
                    "values=array([3., 7.], dtype=float32), dense_shape=array([3, 4]))");
    run_sparse_repr(s, sume, "SparseTensorValue(indices=array([[0, 0],\n       [1, 2]]), "
                    "values=array([1., 2.], dtype=float32), dense_shape=array([3, 4]))");
    run_f32(s, dsum, NULL, 0, (int64_t[]){3, 4}, 2,
            (float[]){2, 1, 1, 1, 1, 1, 3, 1, 1, 1, 1, 1});
    tact_tensor_t *d35 = tu_f32((int64_t[]){3, 5}, 2, NULL);
    tact_tensor_t *d34 = tu_f32((int64_t[]){3, 4}, 2, NULL);
    tact_tensor_t *s35 = i64_tensor((int64_t[]){2}, 1, (int64_t[]){3, 5});
    tact_feed_t f = {pd, d35};
    run_fails(s, dbad, &f, 1, TACT_CODE_INVALID_ARGUMENT, "Dimension 1 does not equal (no "
              "broadcasting is supported): sparse side 4 vs dense side 5", "dbad");
    f.value = d34;
    run_fails(s, doob, &f, 1, TACT_CODE_INVALID_ARGUMENT, "Sparse tensor has an invalid index "
              "on dimension 0: a_indices(1,0) = 3, dense tensor shape: 3 4", "doob");
    tact_feed_t fs = {ps, s35};
    run_fails(s, sbad.values, &fs, 1, TACT_CODE_INVALID_ARGUMENT,
              "Operands' shapes do not match: got 4 and 5 for dimension 1", "sbad");
    tact_tensor_destroy(&d35);
    tact_tensor_destroy(&d34);
    tact_tensor_destroy(&s35);
    tact_session_destroy(&s);
    tact_graph_destroy(&g);
}

/* ---- other dtypes: int64 and int32 sums exact, float64 products, strings, a scalar value ---- */

static void test_dtypes(void **state)
{
    (void) state;
    tact_status_t st = TACT_STATUS_INIT;
    tact_graph_t *g = tact_graph_new();
    int64_t n = 2, big = (INT64_C(1) << 53) + 1;
    tact_sparse_output_t l;  /* int64 values past a double's precision */
    l.indices = const_i64(g, (int64_t[]){2, 2}, 2, (int64_t[]){0, 0, 1, 0}, &st);
    l.values = const_i64(g, &n, 1, (int64_t[]){big, 2}, &st);
    l.dense_shape = const_i64(g, &n, 1, (int64_t[]){2, 2}, &st);
    tact_output_t lsum = tact_sparse_reduce_sum(g, l, NULL, 0, false, NULL, &st);
    tact_sparse_output_t ls = tact_sparse_add(g, l, l, 0, NULL, &st);
    tact_sparse_output_t d = l;  /* float64 values times a float64 dense matrix */
    tact_tensor_t *dv = tact_tensor_new(TACT_DTYPE_F64, &n, 1, (double[]){0.5, 0.25}, &st);
    d.values = tact_constant(g, dv, "dv", &st);
    tact_tensor_t *db = tact_tensor_new(TACT_DTYPE_F64, (int64_t[]){2, 1}, 2, (double[]){2, 4},
                                        &st);
    tact_output_t dm = tact_sparse_tensor_dense_matmul(g, d, tact_constant(g, db, "db", &st),
                                                       false, false, NULL, &st);
    tact_sparse_output_t sc = l;  /* a scalar value fills every index */
    sc.values = tu_const_f32(g, NULL, 0, (float[]){9}, "nine", &st);
    tact_output_t scd = tact_sparse_to_dense(g, sc, (tact_output_t){NULL, -1}, NULL, &st);
    tact_sparse_output_t str = l;
    tact_tensor_t *sv = tact_tensor_new_strings(&n, 1, (const char *const[]){"a", "b"}, NULL,
                                                &st);
    str.values = tact_constant(g, sv, "sv", &st);
    tact_output_t strd = tact_sparse_to_dense(g, str, (tact_output_t){NULL, -1}, NULL, &st);
    tact_output_t bad = tact_sparse_reduce_sum(g, str, NULL, 0, false, "bad", &st);
    assert_null(bad.op);
    assert_int_equal(st.code, TACT_CODE_INVALID_ARGUMENT);
    assert_string_equal(st.msg, "Value for attr 'T' of string is not in the list of allowed "
                        "values for 'bad' (op: 'SparseReduceSum')");
    st = (tact_status_t) TACT_STATUS_INIT;
    tact_session_t *s = tu_session(g, NULL);
    tact_tensor_t *r = tu_run1(s, lsum, NULL, 0, &st);
    assert_int_equal(st.code, TACT_CODE_OK);
    assert_int_equal(tact_tensor_dtype(r), I64);
    assert_int_equal(*(int64_t *) tact_tensor_data(r), big + 2);
    tact_tensor_destroy(&r);
    r = tu_run1(s, ls.values, NULL, 0, &st);
    assert_int_equal(((int64_t *) tact_tensor_data(r))[0], 2 * big);
    assert_int_equal(((int64_t *) tact_tensor_data(r))[1], 4);
    tact_tensor_destroy(&r);
    r = tu_run1(s, dm, NULL, 0, &st);
    assert_int_equal(tact_tensor_dtype(r), TACT_DTYPE_F64);
    assert_string_equal(tu_str(r), "[[1. ]\n [0.5]]");
    tact_tensor_destroy(&r);
    run_f32(s, scd, NULL, 0, (int64_t[]){2, 2}, 2, (float[]){9, 0, 9, 0});
    r = tu_run1(s, strd, NULL, 0, &st);
    assert_int_equal(st.code, TACT_CODE_OK);
    assert_string_equal(tu_str(r), "[[b'a' b'']\n [b'b' b'']]");
    tact_tensor_destroy(&r);
    tact_tensor_destroy(&dv);
    tact_tensor_destroy(&db);
    tact_tensor_destroy(&sv);
    tact_session_destroy(&s);
    tact_graph_destroy(&g);
}

/* ---- validation of fed sparse tensors, each op in TensorFlow's words ---- */

static void test_fed_validation(void **state)
{
    (void) state;
    tact_status_t st = TACT_STATUS_INIT;
    tact_graph_t *g = tact_graph_new();
    tact_sparse_output_t p = tact_sparse_placeholder(g, F32, NULL, -1, "p", &st);
    tact_sparse_output_t x = const_sparse(g, (int64_t[]){0, 0}, (float[]){1}, 1, a_shape, 2, &st);
    tact_output_t ones42 = tu_const_f32(g, (int64_t[]){4, 2}, 2,
                                        (float[]){1, 1, 1, 1, 1, 1, 1, 1}, "ones42", &st);
    tact_output_t ones34 = tu_const_f32(g, (int64_t[]){3, 4}, 2,
                                        (float[]){1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1}, "ones34",
                                        &st);
    tact_output_t fetch[4] = {
        tact_sparse_reduce_sum(g, p, (int[]){1}, 1, false, NULL, &st),
        tact_sparse_tensor_dense_matmul(g, p, ones42, false, false, NULL, &st),
        tact_sparse_add(g, p, x, 0, NULL, &st).values,
        tact_sparse_add_dense(g, p, ones34, NULL, &st),
    };
    const char *node[4] = {"SparseReduceSum", "SparseTensorDenseMatMul/SparseTensorDenseMatMul",
                           "SparseAdd", "SparseTensorDenseAdd"};
    assert_int_equal(st.code, TACT_CODE_OK);
    const char *values_length[4] = {
        "indices and values rows (indexing dimension) must match. (indices = 2, values = 3)",
        "Number of rows of a_indices does not match number of entries in a_values",
        "Expected 2 and 1 non-empty input values, got 3 and 1",
        "Dimensions 2 and 3 are not compatible",
    };
    const char *shape_rank[4] = {
        "Order length must be SparseTensor rank.",
        "Tensor 'a_shape' must have 2 elements",
        "Second dimension of a_indices and length of a_shape must match, got 2 and 3",
        "Dimensions 2 and 3 are not compatible",
    };
    tact_session_t *s = tu_session(g, NULL);
    tact_tensor_t *ind = i64_tensor((int64_t[]){2, 2}, 2, (int64_t[]){0, 0, 1, 1});
    tact_tensor_t *far = i64_tensor((int64_t[]){2, 2}, 2, (int64_t[]){0, 0, 5, 1});
    tact_tensor_t *val3 = tu_f32((int64_t[]){3}, 1, (float[]){1, 2, 3});
    tact_tensor_t *val2 = tu_f32((int64_t[]){2}, 1, (float[]){1, 2});
    tact_tensor_t *shp2 = i64_tensor((int64_t[]){2}, 1, (int64_t[]){3, 4});
    tact_tensor_t *shp3 = i64_tensor((int64_t[]){3}, 1, (int64_t[]){3, 4, 5});
    tact_feed_t f[3];
    for (int i = 0; i < 4; i++) {
        tact_sparse_feed(p, ind, val3, shp2, f);
        run_fails(s, fetch[i], f, 3, TACT_CODE_INVALID_ARGUMENT, values_length[i], node[i]);
        tact_sparse_feed(p, ind, val2, shp3, f);
        run_fails(s, fetch[i], f, 3, TACT_CODE_INVALID_ARGUMENT, shape_rank[i], node[i]);
    }
    tact_sparse_feed(p, far, val2, shp2, f);
    run_fails(s, fetch[0], f, 3, TACT_CODE_INVALID_ARGUMENT,
              "Obtained a write index of 5 which is outside of bounds of [0, 3)", node[0]);
    /* a coordinate out of bounds on a reduced axis is not checked, as in TensorFlow */
    tact_tensor_t *wide = i64_tensor((int64_t[]){2, 2}, 2, (int64_t[]){0, 0, 1, 7});
    tact_sparse_feed(p, wide, val2, shp2, f);
    run_f32(s, fetch[0], f, 3, (int64_t[]){3}, 1, (float[]){1, 2, 0});
    tact_tensor_t *r[1] = {NULL};
    tact_sparse_feed(p, ind, val2, shp2, f);
    assert_int_equal(tact_session_run(s, &fetch[2], 1, r, f, 3, NULL, 0, &st), TACT_CODE_OK);
    assert_true(tu_f32_equal(r[0], (int64_t[]){2}, 1, (float[]){2, 2}));
    tact_tensor_destroy(&r[0]);
    tact_tensor_destroy(&wide);
    tact_tensor_destroy(&ind);
    tact_tensor_destroy(&far);
    tact_tensor_destroy(&val3);
    tact_tensor_destroy(&val2);
    tact_tensor_destroy(&shp2);
    tact_tensor_destroy(&shp3);
    tact_session_destroy(&s);
    tact_graph_destroy(&g);
}

/* ---- feeding through tact_sparse_feed and tact_eval ---- */

static void test_feed_eval(void **state)
{
    (void) state;
    tact_status_t st = TACT_STATUS_INIT;
    tact_graph_t *g = tact_graph_new();
    tact_sparse_output_t p = tact_sparse_placeholder(g, F32, (int64_t[]){3, 4}, 2, "sp", &st);
    tact_output_t sum = tact_sparse_reduce_sum(g, p, (int[]){0}, 1, false, NULL, &st);
    tact_output_t d = tact_sparse_to_dense(g, p, (tact_output_t){NULL, -1}, NULL, &st);
    assert_int_equal(st.code, TACT_CODE_OK);
    tact_session_t *s = tu_session(g, NULL);
    tact_tensor_t *ind = i64_tensor((int64_t[]){5, 2}, 2, a_ind);
    tact_tensor_t *val = tu_f32((int64_t[]){5}, 1, a_val);
    tact_feed_t f[3];
    /* dense_shape not fed: its PlaceholderWithDefault gives [3, 4] */
    tact_sparse_feed(p, ind, val, NULL, f);
    tact_tensor_t *r = tact_eval(sum, f, 2, s, &st);
    assert_int_equal(st.code, TACT_CODE_OK);
    assert_true(tu_f32_equal(r, (int64_t[]){4}, 1, (float[]){5, 3, 2, 5}));
    tact_tensor_destroy(&r);
    tact_tensor_t *shp = i64_tensor((int64_t[]){2}, 1, (int64_t[]){4, 4});
    tact_sparse_feed(p, ind, val, shp, f);
    r = tact_eval(d, f, 3, s, &st);
    assert_int_equal(st.code, TACT_CODE_OK);
    assert_true(tu_f32_equal(r, (int64_t[]){4, 4}, 2,
                             (float[]){1, 0, 2, 0, 0, 3, 0, 0, 4, 0, 0, 5, 0, 0, 0, 0}));
    tact_tensor_destroy(&r);
    /* N = 0 fed */
    tact_tensor_t *ind0 = i64_tensor((int64_t[]){0, 2}, 2, NULL);
    tact_tensor_t *val0 = tu_f32((int64_t[]){0}, 1, NULL);
    tact_sparse_feed(p, ind0, val0, NULL, f);
    r = tact_eval(sum, f, 2, s, &st);
    assert_int_equal(st.code, TACT_CODE_OK);
    assert_true(tu_f32_equal(r, (int64_t[]){4}, 1, (float[]){0, 0, 0, 0}));
    tact_tensor_destroy(&r);
    tact_tensor_destroy(&ind0);
    tact_tensor_destroy(&val0);
    tact_tensor_destroy(&ind);
    tact_tensor_destroy(&val);
    tact_tensor_destroy(&shp);
    tact_session_destroy(&s);
    tact_graph_destroy(&g);
}

/* ---- tact_sparse_format ---- */

static void test_format(void **state)
{
    (void) state;
    tact_tensor_t *ind = i64_tensor((int64_t[]){2, 2}, 2, (int64_t[]){0, 0, 1, 2});
    tact_tensor_t *val = tu_f32((int64_t[]){2}, 1, (float[]){1, 2});
    tact_tensor_t *shp = i64_tensor((int64_t[]){2}, 1, (int64_t[]){3, 4});
    /* Python (numpy 1.26 and 2.x print arrays alike): */
    const char *want = "SparseTensorValue(indices=array([[0, 0],\n       [1, 2]]), values=array("
                       "[1., 2.], dtype=float32), dense_shape=array([3, 4]))";
    char buf[256];
    assert_int_equal(tact_sparse_format(ind, val, shp, NULL, 0), strlen(want));
    assert_int_equal(tact_sparse_format(ind, val, shp, buf, sizeof buf), strlen(want));
    assert_string_equal(buf, want);
    /* truncated like snprintf: the prefix that fits, NUL-terminated */
    for (size_t n = 1; n < strlen(want); n += 7) {
        memset(buf, 'x', sizeof buf);
        assert_int_equal(tact_sparse_format(ind, val, shp, buf, n), strlen(want));
        assert_int_equal(strlen(buf), n - 1);
        assert_memory_equal(buf, want, n - 1);
    }
    /* repr of other dtypes: int32 and float64 values, a wide int row that wraps */
    tact_tensor_t *vi = tu_i32((int64_t[]){2}, 1, (int32_t[]){1, 10});
    tact_status_t st = TACT_STATUS_INIT;
    tact_tensor_t *vd = tact_tensor_new(TACT_DTYPE_F64, (int64_t[]){2}, 1, (double[]){1, 2.5},
                                        &st);
    assert_int_equal(tact__tensor_format_repr(vi, buf, sizeof buf), 28);
    assert_string_equal(buf, "array([ 1, 10], dtype=int32)");
    tact__tensor_format_repr(vd, buf, sizeof buf);
    assert_string_equal(buf, "array([1. , 2.5])");
    int64_t many[30];
    for (int i = 0; i < 30; i++)
        many[i] = 1000 + i;
    tact_tensor_t *wide = i64_tensor((int64_t[]){30}, 1, many);
    char big[512];
    tact__tensor_format_repr(wide, big, sizeof big);
    /* np.arange(1000, 1030): rows of 12 after "array(", ", " kept at the line ends stripped */
    assert_string_equal(big, "array([1000, 1001, 1002, 1003, 1004, 1005, 1006, 1007, 1008, "
                        "1009, 1010,\n       1011, 1012, 1013, 1014, 1015, 1016, 1017, 1018, "
                        "1019, 1020, 1021,\n       1022, 1023, 1024, 1025, 1026, 1027, 1028, "
                        "1029])");
    /* np.arange(5, dtype=np.float32) / 3: the dtype would pass the width, so it goes on a line
     * of its own */
    tact_tensor_t *thirds = tu_f32((int64_t[]){5}, 1,
                                   (float[]){0, 1 / 3.0f, 2 / 3.0f, 1, 4 / 3.0f});
    tact__tensor_format_repr(thirds, big, sizeof big);
    assert_string_equal(big, "array([0.        , 0.33333334, 0.6666667 , 1.        , 1.3333334 ],"
                        "\n      dtype=float32)");
    tact_tensor_destroy(&thirds);
    tact_tensor_destroy(&wide);
    tact_tensor_destroy(&vi);
    tact_tensor_destroy(&vd);
    tact_tensor_destroy(&ind);
    tact_tensor_destroy(&val);
    tact_tensor_destroy(&shp);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_placeholder_names),
        cmocka_unit_test(test_to_dense),
        cmocka_unit_test(test_to_dense_errors),
        cmocka_unit_test(test_from_dense),
        cmocka_unit_test(test_reduce_sum),
        cmocka_unit_test(test_matmul),
        cmocka_unit_test(test_add),
        cmocka_unit_test(test_dtypes),
        cmocka_unit_test(test_fed_validation),
        cmocka_unit_test(test_feed_eval),
        cmocka_unit_test(test_format),
    };
    return cmocka_run_group_tests_name("sparse", tests, NULL, NULL);
}
