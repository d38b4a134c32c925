/* SPDX-License-Identifier: MIT */
/* Allocations sized by data never abort: sizes that overflow are INVALID_ARGUMENT, memory
 * refused (by the machine, or by the session's host_memory_limit_bytes) is RESOURCE_EXHAUSTED
 * in TensorFlow's words, and the session runs on afterwards. Expected messages are those
 * TensorFlow 2.21 printed for the same graphs in tf.compat.v1 sessions (scripts/tf_oom.py).
 * The huge requests are refused before any allocator is asked, so these tests also pass under
 * ASan without allocator_may_return_null. */
#include "runtime/base/host_limit.h"
#include "runtime/exec/session_impl.h"
#include "runtime/base/tensor_impl.h"

#include <setjmp.h>
#include <cmocka.h>
#include <pthread.h>
#include <string.h>

#include "tests/helpers.h"

#define TF_CPU "/job:localhost/replica:0/task:0/device:CPU:0 by allocator cpu"
#define OOM(shape, type)                                                                    \
    "OOM when allocating tensor with shape" shape " and type " type " on " TF_CPU
#define NODE(name) "\n\t [[{{node " name "}}]]"

/* The limit most tests run under: 1 MiB of host tensors. */
#define LIMIT ((int64_t) 1 << 20)

static tact_session_t *limited_session(tact_graph_t *g, int64_t limit)
{
    tact_config_t c = { .host_memory_limit_bytes = limit };
    return tu_session(g, &c);
}

/* A placeholder-free check that the session still runs: 2 + 3 on a fresh constant. */
static void assert_session_runs(tact_session_t *s, tact_graph_t *g)
{
    tact_status_t st = TACT_STATUS_INIT;
    tact_output_t a = tu_const_f32(g, NULL, 0, (float[]) { 2 }, NULL, &st);
    tact_output_t b = tu_const_f32(g, NULL, 0, (float[]) { 3 }, NULL, &st);
    tact_output_t y = tact_add(g, a, b, NULL, &st);
    assert_int_equal(st.code, TACT_CODE_OK);
    tact_tensor_t *r = tu_run1(s, y, NULL, 0, &st);
    assert_int_equal(st.code, TACT_CODE_OK);
    assert_true(tu_f32_equal(r, NULL, 0, (float[]) { 5 }));
    tact_tensor_destroy(&r);
}

/* An empty float tensor of shape dims[0..ndims): no bytes, however large the other sizes. */
static tact_tensor_t *empty_f32(const int64_t *dims, int ndims)
{
    tact_status_t st = TACT_STATUS_INIT;
    tact_tensor_t *t = tact_tensor_new(TACT_DTYPE_F32, dims, ndims, NULL, &st);
    assert_int_equal(st.code, TACT_CODE_OK);
    assert_int_equal(tact_tensor_nbytes(t), 0);
    return t;
}

/* ------------------------------------------------------------------------------------------ */
/* The two reported cases                                                                     */
/* ------------------------------------------------------------------------------------------ */

/* [2^31, 0] x [0, 2^31] through [-1, -1] placeholders: a 2^64-byte output. */
static void test_matmul_of_empty_feeds_is_oom(void **state)
{
    TACT_UNUSED(state);
    tact_status_t st = TACT_STATUS_INIT;
    tact_graph_t *g = tact_graph_new();
    tact_output_t a = tact_placeholder(g, TACT_DTYPE_F32, (int64_t[]) { -1, -1 }, 2, "a", &st);
    tact_output_t b = tact_placeholder(g, TACT_DTYPE_F32, (int64_t[]) { -1, -1 }, 2, "b", &st);
    tact_output_t y = tact_matmul(g, a, b, false, false, NULL, &st);
    assert_int_equal(st.code, TACT_CODE_OK);
    tact_session_t *s = tu_session(g, NULL);
    tact_tensor_t *va = empty_f32((int64_t[]) { (int64_t) 1 << 31, 0 }, 2);
    tact_tensor_t *vb = empty_f32((int64_t[]) { 0, (int64_t) 1 << 31 }, 2);
    tact_feed_t feeds[] = { { a, va }, { b, vb } };
    tu_run_fails(s, y, feeds, 2, TACT_CODE_RESOURCE_EXHAUSTED,
                 OOM("[2147483648,2147483648]", "float") NODE("MatMul"));
    /* The process lives, the session runs, and the same graph with small feeds works. */
    assert_session_runs(s, g);
    tact_tensor_t *sa = tu_f32((int64_t[]) { 1, 2 }, 2, (float[]) { 1, 2 });
    tact_tensor_t *sb = tu_f32((int64_t[]) { 2, 1 }, 2, (float[]) { 3, 4 });
    tact_feed_t small[] = { { a, sa }, { b, sb } };
    tact_tensor_t *r = tu_run1(s, y, small, 2, &st);
    assert_int_equal(st.code, TACT_CODE_OK);
    assert_true(tu_f32_equal(r, (int64_t[]) { 1, 1 }, 2, (float[]) { 11 }));
    tact_tensor_destroy(&r);
    tact_tensor_destroy(&sa);
    tact_tensor_destroy(&sb);
    tact_tensor_destroy(&va);
    tact_tensor_destroy(&vb);
    tact_session_destroy(&s);
    tact_graph_destroy(&g);
}

/* [2^40, 0] x [0, 2^40]: a shape of 2^80 elements, known only at run time. TensorFlow says
 * "Encountered overflow when multiplying 1099511627776 with 1099511627776, result: -1" here
 * and "Shape [..] would have more than 2**63 - 1 elements" for a Fill; tact gives the latter
 * for every op, with the same code. */
static void test_matmul_of_overflowing_shape_is_invalid(void **state)
{
    TACT_UNUSED(state);
    tact_status_t st = TACT_STATUS_INIT;
    tact_graph_t *g = tact_graph_new();
    tact_output_t a = tact_placeholder(g, TACT_DTYPE_F32, (int64_t[]) { -1, -1 }, 2, "a", &st);
    tact_output_t b = tact_placeholder(g, TACT_DTYPE_F32, (int64_t[]) { -1, -1 }, 2, "b", &st);
    tact_output_t y = tact_matmul(g, a, b, false, false, NULL, &st);
    assert_int_equal(st.code, TACT_CODE_OK);
    tact_session_t *s = tu_session(g, NULL);
    tact_tensor_t *va = empty_f32((int64_t[]) { (int64_t) 1 << 40, 0 }, 2);
    tact_tensor_t *vb = empty_f32((int64_t[]) { 0, (int64_t) 1 << 40 }, 2);
    tact_feed_t feeds[] = { { a, va }, { b, vb } };
    tu_run_fails(s, y, feeds, 2, TACT_CODE_INVALID_ARGUMENT,
                 "Shape [1099511627776,1099511627776] would have more than 2**63 - 1 elements"
                 NODE("MatMul"));
    assert_session_runs(s, g);
    tact_tensor_destroy(&va);
    tact_tensor_destroy(&vb);
    tact_session_destroy(&s);
    tact_graph_destroy(&g);
}

/* [N, 1] + [1, N] with N = 2^20: 8 MB of input asks for 4 TiB. */
static void test_broadcast_add_of_4tib_is_oom(void **state)
{
    TACT_UNUSED(state);
    const int64_t n = (int64_t) 1 << 20;
    tact_status_t st = TACT_STATUS_INIT;
    tact_graph_t *g = tact_graph_new();
    tact_output_t x = tact_placeholder(g, TACT_DTYPE_F32, (int64_t[]) { -1, -1 }, 2, "x", &st);
    tact_output_t z = tact_placeholder(g, TACT_DTYPE_F32, (int64_t[]) { -1, -1 }, 2, "z", &st);
    tact_output_t y = tact_add(g, x, z, "add", &st);
    assert_int_equal(st.code, TACT_CODE_OK);
    tact_session_t *s = tu_session(g, NULL);
    tact_tensor_t *vx = tact_tensor_new(TACT_DTYPE_F32, (int64_t[]) { n, 1 }, 2, NULL, &st);
    tact_tensor_t *vz = tact_tensor_new(TACT_DTYPE_F32, (int64_t[]) { 1, n }, 2, NULL, &st);
    assert_int_equal(st.code, TACT_CODE_OK);
    tact_feed_t feeds[] = { { x, vx }, { z, vz } };
    tu_run_fails(s, y, feeds, 2, TACT_CODE_RESOURCE_EXHAUSTED,
                 OOM("[1048576,1048576]", "float") NODE("add"));
    assert_session_runs(s, g);
    tact_tensor_destroy(&vx);
    tact_tensor_destroy(&vz);
    /* Twice in a row: the failed run left nothing behind that the next one trips on. */
    vx = tu_f32((int64_t[]) { 2, 1 }, 2, (float[]) { 1, 2 });
    vz = tu_f32((int64_t[]) { 1, 2 }, 2, (float[]) { 10, 20 });
    tact_feed_t small[] = { { x, vx }, { z, vz } };
    tact_tensor_t *r = tu_run1(s, y, small, 2, &st);
    assert_int_equal(st.code, TACT_CODE_OK);
    assert_true(tu_f32_equal(r, (int64_t[]) { 2, 2 }, 2, (float[]) { 11, 21, 12, 22 }));
    tact_tensor_destroy(&r);
    tact_tensor_destroy(&vx);
    tact_tensor_destroy(&vz);
    tact_session_destroy(&s);
    tact_graph_destroy(&g);
}

/* x * y of one shape (the node loop's flat path): its output charged to the limit, refused
 * past it with the node named, by a run and by a callable, and nothing left charged after. */
static void test_same_shape_product_past_the_limit(void **state)
{
    TACT_UNUSED(state);
    tact_status_t st = TACT_STATUS_INIT;
    tact_graph_t *g = tact_graph_new();
    tact_output_t x = tact_placeholder(g, TACT_DTYPE_F32, (int64_t[]) { -1 }, 1, "x", &st);
    tact_output_t y = tact_placeholder(g, TACT_DTYPE_F32, (int64_t[]) { -1 }, 1, "y", &st);
    tact_output_t p = tact_multiply(g, x, y, "mul", &st);
    tact_output_t q = tact_add(g, p, x, "add", &st);  /* p is freed after it, in the step */
    assert_int_equal(st.code, TACT_CODE_OK);
    tact_session_t *s = limited_session(g, LIMIT);
    tact_output_t in[2] = { x, y };
    tact_callable_t *c = tact_session_make_callable(s, &q, 1, in, 2, NULL, 0, &st);
    assert_non_null(c);
    /* 300,000 floats: each output takes 1.2 MB of the 1 MiB. The feeds are the caller's. */
    tact_tensor_t *big = tact_tensor_new(TACT_DTYPE_F32, (int64_t[]) { 300000 }, 1, NULL, &st);
    tact_tensor_t *two = tu_f32((int64_t[]) { 2 }, 1, (float[]) { 3, 4 });
    tact_feed_t feeds[2] = { { x, big }, { y, big } };
    for (int i = 0; i < 2; i++)  /* the second from the thread's memo */
        tu_run_fails(s, q, feeds, 2, TACT_CODE_RESOURCE_EXHAUSTED,
                     OOM("[300000]", "float") NODE("mul"));
    tact_tensor_t *r = NULL;
    st = (tact_status_t) TACT_STATUS_INIT;
    assert_int_equal(tact_callable_run(c, (const tact_tensor_t *[]) { big, big }, 2, &r, NULL,
                                       &st), TACT_CODE_RESOURCE_EXHAUSTED);
    assert_null(r);
    assert_string_equal(st.msg, OOM("[300000]", "float") NODE("mul"));
    assert_int_equal(tact__host_limit_in_use(s->host_limit), 0);
    st = (tact_status_t) TACT_STATUS_INIT;
    /* Then small ones run, by both. */
    tact_feed_t small[2] = { { x, two }, { y, two } };
    r = tu_run1(s, q, small, 2, &st);
    assert_true(tu_f32_equal(r, (int64_t[]) { 2 }, 1, (float[]) { 12, 20 }));
    tact_tensor_destroy(&r);
    assert_int_equal(tact_callable_run(c, (const tact_tensor_t *[]) { two, two }, 2, &r, NULL,
                                       &st), TACT_CODE_OK);
    assert_true(tu_f32_equal(r, (int64_t[]) { 2 }, 1, (float[]) { 12, 20 }));
    tact_tensor_destroy(&r);
    tact_callable_destroy(&c);
    tact_tensor_destroy(&big);
    tact_tensor_destroy(&two);
    tact_session_destroy(&s);
    tact_graph_destroy(&g);
}

/* ------------------------------------------------------------------------------------------ */
/* Tensors made from user dims                                                                */
/* ------------------------------------------------------------------------------------------ */

static void test_tensor_new_with_overflowing_dims(void **state)
{
    TACT_UNUSED(state);
    tact_status_t st = TACT_STATUS_INIT;
    /* 2^64 elements: the count overflows. */
    tact_tensor_t *t = tact_tensor_new(TACT_DTYPE_F32,
                                       (int64_t[]) { (int64_t) 1 << 32, (int64_t) 1 << 32 }, 2,
                                       NULL, &st);
    assert_null(t);
    assert_int_equal(st.code, TACT_CODE_INVALID_ARGUMENT);
    assert_string_equal(st.msg, "tensor: shape [4294967296,4294967296] of float32 is too large "
                                "(its size overflows)");
    /* 2^62 elements fit, their 2^64 bytes do not. */
    st = (tact_status_t) TACT_STATUS_INIT;
    t = tact_tensor_new(TACT_DTYPE_F32, (int64_t[]) { (int64_t) 1 << 62 }, 1, NULL, &st);
    assert_null(t);
    assert_int_equal(st.code, TACT_CODE_INVALID_ARGUMENT);
    assert_string_equal(st.msg, "tensor: shape [4611686018427387904] of float32 is too large "
                                "(its size overflows)");
    /* Strings likewise. */
    st = (tact_status_t) TACT_STATUS_INIT;
    t = tact_tensor_new_strings((int64_t[]) { (int64_t) 1 << 62 }, 1, NULL, NULL, &st);
    assert_null(t);
    assert_int_equal(st.code, TACT_CODE_INVALID_ARGUMENT);
}

static void test_tensor_new_past_the_machine_is_oom(void **state)
{
    TACT_UNUSED(state);
    /* 4 PiB: a valid size that no machine here has. */
    tact_status_t st = TACT_STATUS_INIT;
    tact_tensor_t *t = tact_tensor_new(TACT_DTYPE_F32, (int64_t[]) { (int64_t) 1 << 40, 1024 }, 2,
                                       NULL, &st);
    assert_null(t);
    assert_int_equal(st.code, TACT_CODE_RESOURCE_EXHAUSTED);
    assert_string_equal(st.msg, OOM("[1099511627776,1024]", "float"));
    st = (tact_status_t) TACT_STATUS_INIT;
    t = tact_tensor_new_strings((int64_t[]) { (int64_t) 1 << 50 }, 1, NULL, NULL, &st);
    assert_null(t);
    assert_int_equal(st.code, TACT_CODE_RESOURCE_EXHAUSTED);
    assert_string_equal(st.msg, OOM("[1125899906842624]", "string"));
    /* A status that already holds an error is left alone. */
    t = tact_tensor_new(TACT_DTYPE_F32, (int64_t[]) { 2 }, 1, NULL, &st);
    assert_null(t);
    assert_string_equal(st.msg, OOM("[1125899906842624]", "string"));
}

/* The entry point importers (GraphDef constants, checkpoints) call. */
static void test_try_alloc_checks_everything(void **state)
{
    TACT_UNUSED(state);
    tact_status_t st = TACT_STATUS_INIT;
    int64_t big[] = { (int64_t) 1 << 32, (int64_t) 1 << 32 };
    assert_null(tact__tensor_try_alloc(TACT_DTYPE_F64, big, 2, NULL, NULL, &st));
    assert_int_equal(st.code, TACT_CODE_INVALID_ARGUMENT);
    assert_string_equal(st.msg, "Shape [4294967296,4294967296] would have more than 2**63 - 1 "
                                "elements");
    st = (tact_status_t) TACT_STATUS_INIT;
    assert_null(tact__tensor_try_alloc(TACT_DTYPE_F64, (int64_t[]) { 3, -2 }, 2, NULL, NULL, &st));
    assert_int_equal(st.code, TACT_CODE_INVALID_ARGUMENT);
    assert_string_equal(st.msg, "tensor: negative dimension -2 at index 1");
    st = (tact_status_t) TACT_STATUS_INIT;
    assert_null(tact__tensor_try_alloc(TACT_DTYPE_COUNT, NULL, 0, NULL, NULL, &st));
    assert_int_equal(st.code, TACT_CODE_INVALID_ARGUMENT);
    assert_string_equal(st.msg, "tensor: invalid dtype 10");
    st = (tact_status_t) TACT_STATUS_INIT;
    assert_null(tact__tensor_try_alloc(TACT_DTYPE_F32, big, TACT_MAX_DIMS + 1, NULL, NULL, &st));
    assert_string_equal(st.msg, "tensor: 9 dimensions is out of range (0 to 8)");
    st = (tact_status_t) TACT_STATUS_INIT;
    assert_null(tact__tensor_try_alloc(TACT_DTYPE_F32, NULL, 2, NULL, NULL, &st));
    assert_string_equal(st.msg, "tensor: dims is NULL but ndims is 2");
    st = (tact_status_t) TACT_STATUS_INIT;
    assert_null(tact__tensor_try_alloc(TACT_DTYPE_I64, (int64_t[]) { (int64_t) 1 << 61 }, 1, NULL,
                                       "CPU:1", &st));
    assert_int_equal(st.code, TACT_CODE_RESOURCE_EXHAUSTED);
    assert_string_equal(st.msg, "OOM when allocating tensor with shape[2305843009213693952] and "
                                "type int64 on /job:localhost/replica:0/task:0/device:CPU:1 by "
                                "allocator cpu");

    /* Charged to a limit while alive, given back when freed, even after the limit's owner
     * let go of it. */
    tact_host_limit_t *limit = tact__host_limit_new(1000);
    st = (tact_status_t) TACT_STATUS_INIT;
    tact_tensor_t *a = tact__tensor_try_alloc(TACT_DTYPE_F32, (int64_t[]) { 200 }, 1, limit, NULL,
                                              &st);
    assert_non_null(a);
    assert_int_equal(tact__host_limit_in_use(limit), 800);
    tact_tensor_t *b = tact__tensor_try_alloc(TACT_DTYPE_F32, (int64_t[]) { 51 }, 1, limit, NULL,
                                              &st);
    assert_null(b);
    assert_int_equal(st.code, TACT_CODE_RESOURCE_EXHAUSTED);
    assert_string_equal(st.msg, OOM("[51]", "float"));
    assert_int_equal(tact__host_limit_in_use(limit), 800);
    st = (tact_status_t) TACT_STATUS_INIT;
    b = tact__tensor_try_alloc(TACT_DTYPE_F32, (int64_t[]) { 50 }, 1, limit, NULL, &st);
    assert_non_null(b);  /* exactly at the limit */
    assert_int_equal(tact__host_limit_in_use(limit), 1000);
    tact_tensor_destroy(&b);
    assert_int_equal(tact__host_limit_in_use(limit), 800);
    tact_tensor_t *c = tact__tensor_try_clone(a, limit, NULL, &st);
    assert_null(c);
    assert_int_equal(st.code, TACT_CODE_RESOURCE_EXHAUSTED);
    tact_host_limit_t *held = tact__host_limit_ref(limit);
    tact__host_limit_unref(&limit);
    assert_null(limit);
    tact_tensor_destroy(&a);
    assert_int_equal(tact__host_limit_in_use(held), 0);
    tact__host_limit_unref(&held);
}

/* ------------------------------------------------------------------------------------------ */
/* Feeds                                                                                      */
/* ------------------------------------------------------------------------------------------ */

static void test_feed_sizes(void **state)
{
    TACT_UNUSED(state);
    tact_status_t st = TACT_STATUS_INIT;
    tact_graph_t *g = tact_graph_new();
    tact_output_t x = tact_placeholder(g, TACT_DTYPE_F32, (int64_t[]) { -1, -1 }, 2, "x", &st);
    tact_output_t d = tact_cast(g, x, TACT_DTYPE_F64, NULL, &st);
    assert_int_equal(st.code, TACT_CODE_OK);
    tact_session_t *s = limited_session(g, LIMIT);

    /* A feed whose bytes overflow cannot be made, so it never reaches the run. */
    tact_tensor_t *v = tact_tensor_new(TACT_DTYPE_F32,
                                       (int64_t[]) { (int64_t) 1 << 61, 4 }, 2, NULL, &st);
    assert_null(v);
    assert_int_equal(st.code, TACT_CODE_INVALID_ARGUMENT);
    assert_string_equal(st.msg, "tensor: shape [2305843009213693952,4] of float32 is too large "
                                "(its size overflows)");

    /* An empty feed of huge sizes is no overflow: it runs, as in TensorFlow. */
    st = (tact_status_t) TACT_STATUS_INIT;
    v = empty_f32((int64_t[]) { 0, (int64_t) 1 << 40 }, 2);
    tact_feed_t feed = { x, v };
    tact_tensor_t *r = tu_run1(s, d, &feed, 1, &st);
    assert_int_equal(st.code, TACT_CODE_OK);
    assert_int_equal(tact_tensor_dtype(r), TACT_DTYPE_F64);
    assert_int_equal(tact_tensor_dim(r, 1), (int64_t) 1 << 40);
    tact_tensor_destroy(&r);
    tact_tensor_destroy(&v);

    /* Fetching a fed tensor copies it, and the copy is the session's to pay for. */
    v = tact_tensor_new(TACT_DTYPE_F32, (int64_t[]) { 512, 1024 }, 2, NULL, &st);
    assert_non_null(v);
    feed.value = v;
    tu_run_fails(s, x, &feed, 1, TACT_CODE_RESOURCE_EXHAUSTED, OOM("[512,1024]", "float"));
    tact_tensor_destroy(&v);
    assert_session_runs(s, g);
    tact_session_destroy(&s);
    tact_graph_destroy(&g);
}

/* ------------------------------------------------------------------------------------------ */
/* Kernel outputs                                                                             */
/* ------------------------------------------------------------------------------------------ */

/* Feeding `value` to `x`, fetching y must fail with `code` and `msg`; then the session runs. */
static void assert_run_fails(tact_session_t *s, tact_graph_t *g, tact_output_t y,
                             tact_output_t x, tact_tensor_t *value, tact_code_t code,
                             const char *msg)
{
    tact_feed_t feed = { x, value };
    tu_run_fails(s, y, &feed, value != NULL ? 1 : 0, code, msg);
    assert_session_runs(s, g);
}

static tact_tensor_t *zeros_f32(const int64_t *dims, int ndims)
{
    tact_status_t st = TACT_STATUS_INIT;
    tact_tensor_t *t = tact_tensor_new(TACT_DTYPE_F32, dims, ndims, NULL, &st);
    assert_non_null(t);
    return t;
}

static void test_op_outputs_past_the_limit(void **state)
{
    TACT_UNUSED(state);
    tact_status_t st = TACT_STATUS_INIT;
    tact_graph_t *g = tact_graph_new();
    tact_output_t col = tact_placeholder(g, TACT_DTYPE_F32, (int64_t[]) { -1, 1 }, 2, "col", &st);
    tact_output_t row = tact_placeholder(g, TACT_DTYPE_F32, (int64_t[]) { 1, -1 }, 2, "row", &st);
    tact_output_t vec = tact_placeholder(g, TACT_DTYPE_F32, (int64_t[]) { -1 }, 1, "vec", &st);
    tact_output_t mat = tact_placeholder(g, TACT_DTYPE_F32, (int64_t[]) { -1, -1 }, 2, "mat", &st);
    tact_output_t add = tact_add(g, col, row, "add", &st);
    tact_output_t mm = tact_matmul(g, col, row, false, false, "MatMul", &st);
    tact_output_t sum = tact_reduce_sum(g, mat, (int[]) { 0 }, 1, false, "Sum", &st);
    tact_output_t rs = tact_reshape(g, vec, (int64_t[]) { 512, -1 }, 2, "Reshape", &st);
    tact_output_t tr = tact_transpose(g, mat, NULL, 0, "transpose", &st);
    tact_output_t cast = tact_cast(g, vec, TACT_DTYPE_F64, "Cast", &st);
    tact_output_t fill = tact_fill(g, TACT_DTYPE_I32, (int64_t[]) { 1024, 257 }, 2, 7, "Fill",
                                   &st);
    tact_output_t rnd = tact_random_uniform(g, TACT_DTYPE_F32, (int64_t[]) { 1024, 1024 }, 2, 0,
                                            1, 42, "random_uniform", &st);
    assert_int_equal(st.code, TACT_CODE_OK);
    tact_session_t *s = limited_session(g, LIMIT);

    tact_tensor_t *c512 = zeros_f32((int64_t[]) { 512, 1 }, 2);
    tact_tensor_t *r1024 = zeros_f32((int64_t[]) { 1, 1024 }, 2);
    tact_feed_t bf[] = { { col, c512 }, { row, r1024 } };
    /* 2 MiB outputs from small inputs: broadcasting and matmul. */
    tu_run_fails(s, add, bf, 2, TACT_CODE_RESOURCE_EXHAUSTED,
                 OOM("[512,1024]", "float") NODE("add"));
    tu_run_fails(s, mm, bf, 2, TACT_CODE_RESOURCE_EXHAUSTED,
                 OOM("[512,1024]", "float") NODE("MatMul"));
    assert_session_runs(s, g);

    /* Feeds are the caller's and not charged; outputs of their size are. */
    tact_tensor_t *m = zeros_f32((int64_t[]) { 1, (int64_t) 1 << 19 }, 2);
    assert_run_fails(s, g, sum, mat, m, TACT_CODE_RESOURCE_EXHAUSTED,
                     OOM("[524288]", "float") NODE("Sum"));
    tact_tensor_destroy(&m);
    m = zeros_f32((int64_t[]) { 512, 1024 }, 2);
    assert_run_fails(s, g, tr, mat, m, TACT_CODE_RESOURCE_EXHAUSTED,
                     OOM("[1024,512]", "float") NODE("transpose"));
    tact_tensor_destroy(&m);
    /* Reshape is a view of its input (TensorFlow aliases the buffer too): the node allocates
     * nothing, and what passes the limit is the result's copy for the caller, which shares
     * no bytes with the caller's feed. */
    tact_tensor_t *v = zeros_f32((int64_t[]) { (int64_t) 1 << 19 }, 1);
    assert_run_fails(s, g, rs, vec, v, TACT_CODE_RESOURCE_EXHAUSTED, OOM("[512,1024]", "float"));
    tact_tensor_destroy(&v);
    /* 1 MiB of float32 fits; as float64 it is 2 MiB. */
    v = zeros_f32((int64_t[]) { (int64_t) 1 << 18 }, 1);
    assert_run_fails(s, g, cast, vec, v, TACT_CODE_RESOURCE_EXHAUSTED,
                     OOM("[262144]", "double") NODE("Cast"));
    tact_tensor_destroy(&v);
    assert_run_fails(s, g, fill, fill, NULL, TACT_CODE_RESOURCE_EXHAUSTED,
                     OOM("[1024,257]", "int32") NODE("Fill"));
    /* 4 MiB of float32, exactly four times the limit. */
    assert_run_fails(s, g, rnd, rnd, NULL, TACT_CODE_RESOURCE_EXHAUSTED,
                     OOM("[1024,1024]", "float") NODE("random_uniform"));

    /* Below the limit the same ops work. */
    tact_tensor_t *c2 = tu_f32((int64_t[]) { 2, 1 }, 2, (float[]) { 1, 2 });
    tact_tensor_t *r2 = tu_f32((int64_t[]) { 1, 2 }, 2, (float[]) { 3, 4 });
    tact_feed_t sf[] = { { col, c2 }, { row, r2 } };
    tact_tensor_t *r = tu_run1(s, mm, sf, 2, &st);
    assert_int_equal(st.code, TACT_CODE_OK);
    assert_true(tu_f32_equal(r, (int64_t[]) { 2, 2 }, 2, (float[]) { 3, 4, 6, 8 }));
    tact_tensor_destroy(&r);
    tact_tensor_destroy(&c2);
    tact_tensor_destroy(&r2);
    tact_tensor_destroy(&c512);
    tact_tensor_destroy(&r1024);
    tact_session_destroy(&s);
    tact_graph_destroy(&g);
}

/* Fill and random ops of sizes past the machine or past 2^63 - 1 elements, with no limit. */
static void test_fill_and_random_past_the_machine(void **state)
{
    TACT_UNUSED(state);
    tact_status_t st = TACT_STATUS_INIT;
    tact_graph_t *g = tact_graph_new();
    const int64_t huge[] = { (int64_t) 1 << 20, (int64_t) 1 << 20, 16 };
    tact_output_t zeros = tact_zeros(g, TACT_DTYPE_F32, huge, 3, NULL, &st);
    tact_output_t fill = tact_fill(g, TACT_DTYPE_F32, huge, 3, 1.0, NULL, &st);
    tact_output_t rnd = tact_random_uniform(g, TACT_DTYPE_F32, huge, 3, 0, 1, TACT_SEED_NONE,
                                            NULL, &st);
    assert_int_equal(st.code, TACT_CODE_OK);
    tact_session_t *s = tu_session(g, NULL);
    /* TensorFlow's messages for these three graphs, word for word. */
    assert_run_fails(s, g, zeros, zeros, NULL, TACT_CODE_RESOURCE_EXHAUSTED,
                     OOM("[1048576,1048576,16]", "float") NODE("zeros"));
    assert_run_fails(s, g, fill, fill, NULL, TACT_CODE_RESOURCE_EXHAUSTED,
                     OOM("[1048576,1048576,16]", "float") NODE("Fill"));
    assert_run_fails(s, g, rnd, rnd, NULL, TACT_CODE_RESOURCE_EXHAUSTED,
                     OOM("[1048576,1048576,16]", "float") NODE("random_uniform"));

    /* More than 2^63 - 1 elements: a static shape is refused when built. */
    const int64_t over[] = { (int64_t) 1 << 40, (int64_t) 1 << 40 };
    tact_status_t bst = TACT_STATUS_INIT;
    tact_graph_t *g2 = tact_graph_new();
    tact_fill(g2, TACT_DTYPE_F32, over, 2, 1.0, NULL, &bst);
    assert_int_equal(bst.code, TACT_CODE_INVALID_ARGUMENT);
    assert_string_equal(bst.msg, "Shape [1099511627776,1099511627776] has too many elements for "
                                 "'Fill' (op: 'Fill')");
    tact_graph_destroy(&g2);
    tact_session_destroy(&s);
    tact_graph_destroy(&g);
}

/* ------------------------------------------------------------------------------------------ */
/* What the limit counts                                                                      */
/* ------------------------------------------------------------------------------------------ */

/* Results count until the caller frees them, even after the session is gone. */
static void test_results_count_while_held(void **state)
{
    TACT_UNUSED(state);
    tact_status_t st = TACT_STATUS_INIT;
    tact_graph_t *g = tact_graph_new();
    /* 512 KiB each: two fit in 1 MiB, a third does not. */
    tact_output_t z = tact_zeros(g, TACT_DTYPE_F32, (int64_t[]) { 256, 512 }, 2, NULL, &st);
    assert_int_equal(st.code, TACT_CODE_OK);
    tact_session_t *s = limited_session(g, LIMIT);
    tact_tensor_t *r1 = tu_run1(s, z, NULL, 0, &st);
    tact_tensor_t *r2 = tu_run1(s, z, NULL, 0, &st);
    assert_int_equal(st.code, TACT_CODE_OK);
    tu_run_fails(s, z, NULL, 0, TACT_CODE_RESOURCE_EXHAUSTED,
                 OOM("[256,512]", "float") NODE("zeros"));
    tact_tensor_destroy(&r1);
    tact_tensor_t *r3 = tu_run1(s, z, NULL, 0, &st);
    assert_int_equal(st.code, TACT_CODE_OK);
    assert_int_equal(tact_tensor_nelems(r3), 256 * 512);
    assert_true(((const float *) tact_tensor_data(r3))[256 * 512 - 1] == 0.0f);
    tact_session_destroy(&s);
    /* Results outlive their session, and give back their bytes to a counter still alive. */
    tact_tensor_destroy(&r2);
    tact_tensor_destroy(&r3);
    tact_graph_destroy(&g);
}

/* A random op whose output is refused leaves its stream where it was, as in TensorFlow
 * (which allocates before it reserves): the next run gives a fresh session's first values. */
static void test_refused_random_op_keeps_its_stream(void **state)
{
    TACT_UNUSED(state);
    tact_status_t st = TACT_STATUS_INIT;
    tact_graph_t *g = tact_graph_new();
    const int64_t dims[] = { 256, 512 };  /* 512 KiB */
    tact_output_t z = tact_zeros(g, TACT_DTYPE_F32, dims, 2, NULL, &st);
    tact_output_t rnd = tact_random_uniform(g, TACT_DTYPE_F32, dims, 2, 0, 1, 7, NULL, &st);
    assert_int_equal(st.code, TACT_CODE_OK);
    tact_session_t *fresh = tu_session(g, NULL);
    tact_tensor_t *want = tu_run1(fresh, rnd, NULL, 0, &st);
    assert_int_equal(st.code, TACT_CODE_OK);
    tact_session_destroy(&fresh);

    tact_session_t *s = limited_session(g, LIMIT);
    tact_tensor_t *h1 = tu_run1(s, z, NULL, 0, &st);
    tact_tensor_t *h2 = tu_run1(s, z, NULL, 0, &st);
    assert_int_equal(st.code, TACT_CODE_OK);
    tu_run_fails(s, rnd, NULL, 0, TACT_CODE_RESOURCE_EXHAUSTED,
                 OOM("[256,512]", "float") NODE("random_uniform"));
    tact_tensor_destroy(&h1);
    tact_tensor_t *got = tu_run1(s, rnd, NULL, 0, &st);
    assert_int_equal(st.code, TACT_CODE_OK);
    assert_memory_equal(tact_tensor_data(got), tact_tensor_data(want), tact_tensor_nbytes(want));
    tact_tensor_destroy(&got);
    tact_tensor_destroy(&h2);
    tact_tensor_destroy(&want);
    tact_session_destroy(&s);
    tact_graph_destroy(&g);
}

/* Threads running one session share its limit: four threads, each holding at most one
 * 256 KiB result, fit 1 MiB exactly, so no run is refused, and every byte comes back. */
typedef struct limit_worker {
    tact_session_t *s;
    tact_output_t z;
    int failures;
} limit_worker_t;

static void *limit_worker_main(void *arg)
{
    limit_worker_t *w = arg;
    for (int i = 0; i < 50; i++) {
        tact_status_t st = TACT_STATUS_INIT;
        tact_tensor_t *r = tu_run1(w->s, w->z, NULL, 0, &st);
        w->failures += r == NULL;
        tact_tensor_destroy(&r);
    }
    return NULL;
}

static void test_threads_share_the_limit(void **state)
{
    TACT_UNUSED(state);
    tact_status_t st = TACT_STATUS_INIT;
    tact_graph_t *g = tact_graph_new();
    tact_output_t z = tact_zeros(g, TACT_DTYPE_F32, (int64_t[]) { 64, 1024 }, 2, NULL, &st);
    assert_int_equal(st.code, TACT_CODE_OK);
    tact_session_t *s = limited_session(g, LIMIT);
    limit_worker_t w[4];
    pthread_t th[4];
    for (int i = 0; i < 4; i++) {
        w[i] = (limit_worker_t) { s, z, 0 };
        assert_int_equal(pthread_create(&th[i], NULL, limit_worker_main, &w[i]), 0);
    }
    for (int i = 0; i < 4; i++) {
        assert_int_equal(pthread_join(th[i], NULL), 0);
        assert_int_equal(w[i].failures, 0);
    }
    assert_int_equal(tact__host_limit_in_use(s->host_limit), 0);
    /* Five at once do not fit. */
    tact_tensor_t *held[4];
    for (int i = 0; i < 4; i++) {
        held[i] = tu_run1(s, z, NULL, 0, &st);
        assert_non_null(held[i]);
    }
    assert_int_equal(tact__host_limit_in_use(s->host_limit), LIMIT);
    tu_run_fails(s, z, NULL, 0, TACT_CODE_RESOURCE_EXHAUSTED,
                 OOM("[64,1024]", "float") NODE("zeros"));
    for (int i = 0; i < 4; i++)
        tact_tensor_destroy(&held[i]);
    assert_int_equal(tact__host_limit_in_use(s->host_limit), 0);
    tact_session_destroy(&s);
    tact_graph_destroy(&g);
}

static void test_negative_limit_is_rejected(void **state)
{
    TACT_UNUSED(state);
    tact_status_t st = TACT_STATUS_INIT;
    tact_graph_t *g = tact_graph_new();
    tact_config_t c = { .host_memory_limit_bytes = -1 };
    tact_session_t *s = tact_session_new(NULL, g, &c, &st);
    assert_null(s);
    assert_int_equal(st.code, TACT_CODE_INVALID_ARGUMENT);
    assert_string_equal(st.msg, "host_memory_limit_bytes must be >= 0, got -1");
    tact_graph_destroy(&g);
}

/* Queue elements are copies, charged like any tensor: enqueue_many stops at the limit with
 * the slices before it queued, and dequeue_many's stacked output is refused without taking
 * anything off the queue. */
static void test_queue_copies_under_the_limit(void **state)
{
    TACT_UNUSED(state);
    tact_status_t st = TACT_STATUS_INIT;
    tact_graph_t *g = tact_graph_new();
    tact_output_t xs = tact_placeholder(g, TACT_DTYPE_F32, (int64_t[]) { -1, 256 }, 2, "xs", &st);
    tact_output_t x = tact_placeholder(g, TACT_DTYPE_F32, (int64_t[]) { 256 }, 1, "x", &st);
    const int64_t shape[] = { 256 };
    tact_op_t *q = tact_fifo_queue(g, 4096, (tact_dtype_t[]) { TACT_DTYPE_F32 }, 1,
                                   (const int64_t *const[]) { shape }, (int[]) { 1 }, NULL, &st);
    tact_op_t *enq_many = tact_queue_enqueue_many(g, q, &xs, 1, "enqueue_many", &st);
    tact_op_t *enq = tact_queue_enqueue(g, q, &x, 1, "enqueue", &st);
    tact_output_t deq2[1], deq[1];
    tact_queue_dequeue_many(g, q, 2, deq2, "dequeue_many", &st);
    tact_queue_dequeue(g, q, deq, NULL, &st);
    tact_output_t size = tact_queue_size(g, q, "size", &st);
    assert_int_equal(st.code, TACT_CODE_OK);
    /* 1 KiB elements; 256 KiB of them fit, with room for a few scalars (the queue's size). */
    tact_session_t *s = limited_session(g, ((int64_t) 256 << 10) + 64);

    tact_tensor_t *rows = tu_f32((int64_t[]) { 300, 256 }, 2, NULL);
    tact_feed_t feed = { xs, rows };
    tact_code_t rc = tact_session_run(s, NULL, 0, NULL, &feed, 1, &enq_many, 1, &st);
    assert_int_equal(rc, TACT_CODE_RESOURCE_EXHAUSTED);
    assert_string_equal(st.msg, OOM("[256]", "float") NODE("enqueue_many"));
    st = (tact_status_t) TACT_STATUS_INIT;
    tact_tensor_t *n = tu_run1(s, size, NULL, 0, &st);
    assert_int_equal(st.code, TACT_CODE_OK);
    assert_int_equal(*(const int32_t *) tact_tensor_data(n), 256);
    tact_tensor_destroy(&n);

    /* Full: one more element, or a stacked [2, 256], is refused; the queue keeps its 256. */
    tact_tensor_t *one = tu_f32((int64_t[]) { 256 }, 1, NULL);
    tact_feed_t f1 = { x, one };
    rc = tact_session_run(s, NULL, 0, NULL, &f1, 1, &enq, 1, &st);
    assert_int_equal(rc, TACT_CODE_RESOURCE_EXHAUSTED);
    assert_string_equal(st.msg, OOM("[256]", "float") NODE("enqueue"));
    tu_run_fails(s, deq2[0], NULL, 0, TACT_CODE_RESOURCE_EXHAUSTED,
                 OOM("[2,256]", "float") NODE("dequeue_many"));
    st = (tact_status_t) TACT_STATUS_INIT;
    n = tu_run1(s, size, NULL, 0, &st);
    assert_int_equal(*(const int32_t *) tact_tensor_data(n), 256);
    tact_tensor_destroy(&n);
    /* A dequeued element, once freed, makes room for the next one. */
    tact_tensor_t *e = tu_run1(s, deq[0], NULL, 0, &st);
    assert_int_equal(st.code, TACT_CODE_OK);
    assert_int_equal(tact_tensor_nelems(e), 256);
    tact_tensor_destroy(&e);
    rc = tact_session_run(s, NULL, 0, NULL, &f1, 1, &enq, 1, &st);
    assert_int_equal(rc, TACT_CODE_OK);
    n = tu_run1(s, size, NULL, 0, &st);
    assert_int_equal(*(const int32_t *) tact_tensor_data(n), 256);
    tact_tensor_destroy(&n);
    assert_session_runs(s, g);

    tact_tensor_destroy(&one);
    tact_tensor_destroy(&rows);
    tact_session_destroy(&s);
    tact_graph_destroy(&g);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_matmul_of_empty_feeds_is_oom),
        cmocka_unit_test(test_matmul_of_overflowing_shape_is_invalid),
        cmocka_unit_test(test_broadcast_add_of_4tib_is_oom),
        cmocka_unit_test(test_same_shape_product_past_the_limit),
        cmocka_unit_test(test_tensor_new_with_overflowing_dims),
        cmocka_unit_test(test_tensor_new_past_the_machine_is_oom),
        cmocka_unit_test(test_try_alloc_checks_everything),
        cmocka_unit_test(test_feed_sizes),
        cmocka_unit_test(test_op_outputs_past_the_limit),
        cmocka_unit_test(test_fill_and_random_past_the_machine),
        cmocka_unit_test(test_results_count_while_held),
        cmocka_unit_test(test_refused_random_op_keeps_its_stream),
        cmocka_unit_test(test_threads_share_the_limit),
        cmocka_unit_test(test_negative_limit_is_rejected),
        cmocka_unit_test(test_queue_copies_under_the_limit),
    };
    return cmocka_run_group_tests_name("alloc", tests, NULL, NULL);
}
