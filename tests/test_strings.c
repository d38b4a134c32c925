/* SPDX-License-Identifier: MIT */
/* String tensors (tf.string) through graphs and sessions: constants fetched, placeholders fed
 * and passed through Identity, Reshape, Transpose and Cast, variables assigned, queues of
 * (string, int32) elements with enqueue_many and dequeue_many, and the ops that refuse
 * strings, each with TensorFlow's message. Every value keeps its NUL bytes; every result is a
 * deep copy the caller owns (ASan and valgrind check that no element is shared or leaked). */
#include "runtime/graph/graph_impl.h" /* first: the prelude's _GNU_SOURCE precedes system headers */

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "tests/helpers.h"

#define STR TACT_DTYPE_STRING

/* A string tensor from bytes with explicit lengths; aborts the test on failure. */
static tact_tensor_t *str_tensor(const int64_t *dims, int ndims, const char *const *bytes,
                                 const size_t *lens)
{
    tact_status_t st = TACT_STATUS_INIT;
    tact_tensor_t *t = tact_tensor_new_strings(dims, ndims, bytes, lens, &st);
    assert_int_equal(st.code, TACT_CODE_OK);
    assert_non_null(t);
    return t;
}

/* Element i of `t` is want[0..len). */
static void assert_elem(const tact_tensor_t *t, int64_t i, const char *want, size_t len)
{
    size_t got_len;
    const char *got = tact_tensor_string(t, i, &got_len);
    assert_int_equal(got_len, len);
    assert_memory_equal(got, want, len);
    assert_int_equal(got[len], '\0');
}

/* `t` is a string tensor of shape dims[0..ndims) printing as `text`. */
static void assert_strings(const tact_tensor_t *t, const int64_t *dims, int ndims,
                           const char *text)
{
    assert_non_null(t);
    assert_int_equal(tact_tensor_dtype(t), STR);
    assert_int_equal(tact_tensor_ndims(t), ndims);
    for (int i = 0; i < ndims; i++)
        assert_int_equal(tact_tensor_dim(t, i), dims[i]);
    assert_string_equal(tu_str(t), text);
}

/* No two tensors share an element's bytes (results are deep copies). */
static void assert_disjoint(const tact_tensor_t *a, const tact_tensor_t *b)
{
    for (int64_t i = 0; i < tact_tensor_nelems(a); i++) {
        for (int64_t j = 0; j < tact_tensor_nelems(b); j++) {
            size_t la, lb;
            const char *pa = tact_tensor_string(a, i, &la);
            const char *pb = tact_tensor_string(b, j, &lb);
            if (la > 0 && lb > 0)
                assert_ptr_not_equal(pa, pb);
        }
    }
}

/* ------------------------------------------------------------------------------------------ */
/* Constants and placeholders                                                                 */
/* ------------------------------------------------------------------------------------------ */

static void test_const_fetched(void **state)
{
    (void) state;
    tact_status_t st = TACT_STATUS_INIT;
    tact_graph_t *g = tact_graph_new();
    tact_tensor_t *v = str_tensor((int64_t[]) { 3 }, 1,
                                  (const char *const[]) { "hi", "a\0b", "" },
                                  (size_t[]) { 2, 3, 0 });
    tact_output_t c = tact_constant(g, v, "c", &st);
    tact_tensor_t *hello = str_tensor(NULL, 0, (const char *const[]) { "hello" }, NULL);
    tact_output_t s = tact_constant(g, hello, "s", &st);
    assert_int_equal(st.code, TACT_CODE_OK);
    /* The graph holds its own copy. */
    assert_disjoint(v, tact_graph_op(g, "c")->attrs.value);
    tact_tensor_destroy(&v);
    tact_tensor_destroy(&hello);

    tact_session_t *sess = tu_session(g, NULL);
    tact_tensor_t *r[3] = { NULL, NULL, NULL };
    assert_int_equal(tact_session_run(sess, (tact_output_t[]) { c, s, c }, 3, r, NULL, 0, NULL, 0,
                                      &st),
                     TACT_CODE_OK);
    assert_strings(r[0], (int64_t[]) { 3 }, 1, "[b'hi' b'a\\x00b' b'']");
    assert_strings(r[1], NULL, 0, "b'hello'");
    assert_strings(r[2], (int64_t[]) { 3 }, 1, "[b'hi' b'a\\x00b' b'']");
    assert_elem(r[0], 1, "a\0b", 3);
    assert_int_equal(tact_tensor_nbytes(r[0]), 5);
    assert_disjoint(r[0], r[2]);
    assert_disjoint(r[0], tact_graph_op(g, "c")->attrs.value);
    for (int i = 0; i < 3; i++)
        tact_tensor_destroy(&r[i]);
    tact_session_destroy(&sess);
    tact_graph_destroy(&g);
}

static void test_placeholder_through_copies(void **state)
{
    (void) state;
    tact_status_t st = TACT_STATUS_INIT;
    tact_graph_t *g = tact_graph_new();
    tact_output_t x = tact_placeholder(g, STR, (int64_t[]) { 2, 3 }, 2, "x", &st);
    tact_output_t id = tact_identity(g, x, "id", &st);
    tact_output_t flat = tact_reshape(g, id, (int64_t[]) { -1 }, 1, "flat", &st);
    tact_output_t tr = tact_transpose(g, x, NULL, 0, "tr", &st);
    tact_output_t cast = tact_cast(g, tr, STR, "cast", &st);
    tact_output_t back = tact_reshape(g, tr, (int64_t[]) { 3, 1, 2 }, 3, "back", &st);
    assert_int_equal(st.code, TACT_CODE_OK);

    tact_tensor_t *v = str_tensor((int64_t[]) { 2, 3 }, 2,
                                  (const char *const[]) { "a", "bb", "c\0c", "", "e'", "f\n" },
                                  (size_t[]) { 1, 2, 3, 0, 2, 2 });
    tact_feed_t feed = { x, v };
    tact_session_t *sess = tu_session(g, NULL);
    tact_tensor_t *r[5] = { NULL };
    assert_int_equal(tact_session_run(sess, (tact_output_t[]) { x, id, flat, tr, cast }, 5, r,
                                      &feed, 1, NULL, 0, &st),
                     TACT_CODE_OK);
    const char *two_by_three = "[[b'a' b'bb' b'c\\x00c']\n [b'' b\"e'\" b'f\\n']]";
    const char *three_by_two = "[[b'a' b'']\n [b'bb' b\"e'\"]\n [b'c\\x00c' b'f\\n']]";
    assert_strings(r[0], (int64_t[]) { 2, 3 }, 2, two_by_three);  /* the feed, copied */
    assert_strings(r[1], (int64_t[]) { 2, 3 }, 2, two_by_three);
    assert_strings(r[2], (int64_t[]) { 6 }, 1,
                   "[b'a' b'bb' b'c\\x00c' b'' b\"e'\" b'f\\n']");
    assert_strings(r[3], (int64_t[]) { 3, 2 }, 2, three_by_two);
    assert_strings(r[4], (int64_t[]) { 3, 2 }, 2, three_by_two);
    assert_elem(r[3], 4, "c\0c", 3);
    for (int i = 0; i < 5; i++) {
        assert_disjoint(r[i], v);
        for (int j = 0; j < i; j++)
            assert_disjoint(r[i], r[j]);
    }
    for (int i = 0; i < 5; i++)
        tact_tensor_destroy(&r[i]);

    /* A chain: Transpose, then Reshape of its (released) result. */
    tact_tensor_t *b = tu_run1(sess, back, &feed, 1, &st);
    assert_strings(b, (int64_t[]) { 3, 1, 2 }, 3,
                   "[[[b'a' b'']]\n\n [[b'bb' b\"e'\"]]\n\n [[b'c\\x00c' b'f\\n']]]");
    tact_tensor_destroy(&b);

    /* A feed of the wrong dtype or shape is refused as for any dtype. */
    tact_tensor_t *wrong = tu_i32((int64_t[]) { 2, 3 }, 2, (int32_t[]) { 1, 2, 3, 4, 5, 6 });
    tact_feed_t bad = { x, wrong };
    st = (tact_status_t) TACT_STATUS_INIT;
    assert_null(tu_run1(sess, id, &bad, 1, &st));
    assert_int_equal(st.code, TACT_CODE_INVALID_ARGUMENT);
    tact_tensor_destroy(&wrong);
    tact_tensor_t *small = str_tensor((int64_t[]) { 2 }, 1, NULL, NULL);
    bad.value = small;
    st = (tact_status_t) TACT_STATUS_INIT;
    assert_null(tu_run1(sess, id, &bad, 1, &st));
    assert_int_equal(st.code, TACT_CODE_INVALID_ARGUMENT);
    tact_tensor_destroy(&small);

    tact_tensor_destroy(&v);
    tact_session_destroy(&sess);
    tact_graph_destroy(&g);
}

/* Transposes of every rank up to 4 and every permutation order against an index check, so
 * that the 2-D tiles and the general walk both move strings (and not pointers). */
static void test_transpose_permutations(void **state)
{
    (void) state;
    tact_status_t st = TACT_STATUS_INIT;
    tact_graph_t *g = tact_graph_new();
    const int64_t dims[4] = { 2, 3, 1, 4 };
    tact_output_t x = tact_placeholder(g, STR, dims, 4, "x", &st);
    const int perms[][4] = { { 0, 1, 2, 3 }, { 3, 2, 1, 0 }, { 1, 0, 2, 3 }, { 0, 3, 1, 2 },
                             { 2, 3, 0, 1 }, { 1, 3, 0, 2 } };
    const int n_perms = (int) (sizeof perms / sizeof perms[0]);
    tact_output_t outs[6];
    for (int p = 0; p < n_perms; p++)
        outs[p] = tact_transpose(g, x, perms[p], 4, NULL, &st);
    assert_int_equal(st.code, TACT_CODE_OK);

    char text[24][8];
    const char *bytes[24];
    for (int i = 0; i < 24; i++) {
        snprintf(text[i], sizeof text[i], "e%d", i);
        bytes[i] = text[i];
    }
    tact_tensor_t *v = str_tensor(dims, 4, bytes, NULL);
    tact_feed_t feed = { x, v };
    tact_session_t *sess = tu_session(g, NULL);
    tact_tensor_t *r[6] = { NULL };
    assert_int_equal(tact_session_run(sess, outs, n_perms, r, &feed, 1, NULL, 0, &st),
                     TACT_CODE_OK);
    const int64_t in_strides[4] = { 12, 4, 4, 1 };
    for (int p = 0; p < n_perms; p++) {
        int64_t od[4], idx[4] = { 0 };
        for (int a = 0; a < 4; a++) {
            od[a] = dims[perms[p][a]];
            assert_int_equal(tact_tensor_dim(r[p], a), od[a]);
        }
        for (int64_t o = 0; o < 24; o++) {
            int64_t src = 0;
            for (int a = 0; a < 4; a++)
                src += idx[a] * in_strides[perms[p][a]];
            assert_elem(r[p], o, text[src], strlen(text[src]));
            for (int a = 3; a >= 0 && ++idx[a] == od[a]; a--)
                idx[a] = 0;
        }
        assert_disjoint(r[p], v);
        tact_tensor_destroy(&r[p]);
    }
    tact_tensor_destroy(&v);
    tact_session_destroy(&sess);
    tact_graph_destroy(&g);
}

/* ------------------------------------------------------------------------------------------ */
/* Variables                                                                                  */
/* ------------------------------------------------------------------------------------------ */

static void test_variable_of_strings(void **state)
{
    (void) state;
    tact_status_t st = TACT_STATUS_INIT;
    tact_graph_t *g = tact_graph_new();
    tact_tensor_t *init = str_tensor((int64_t[]) { 2 }, 1, (const char *const[]) { "x", "y" },
                                     NULL);
    tact_output_t c = tact_constant(g, init, "init_value", &st);
    tact_tensor_destroy(&init);
    tact_output_t v = tact_variable(g, c, "v", &st);
    tact_output_t p = tact_placeholder(g, STR, (int64_t[]) { 2 }, 1, "p", &st);
    tact_output_t assign = tact_assign(g, v, p, "assign", &st);
    tact_op_t *init_op = tact_global_variables_initializer(g, &st);
    assert_int_equal(st.code, TACT_CODE_OK);

    /* AssignAdd takes numbers only (TensorFlow's numbertype). */
    tact_status_t bad = TACT_STATUS_INIT;
    assert_null(tact_assign_add(g, v, p, "add", &bad).op);
    assert_int_equal(bad.code, TACT_CODE_INVALID_ARGUMENT);
    assert_string_equal(bad.msg, "Value passed to parameter 'ref' has DataType string not in "
                                 "list of allowed values: float32, float64, int32, int64 for "
                                 "'add' (op: 'AssignAdd')");

    tact_session_t *sess = tu_session(g, NULL);
    assert_int_equal(tact_session_run(sess, NULL, 0, NULL, NULL, 0, &init_op, 1, &st),
                     TACT_CODE_OK);
    tact_tensor_t *r = tu_run1(sess, v, NULL, 0, &st);
    assert_strings(r, (int64_t[]) { 2 }, 1, "[b'x' b'y']");
    tact_tensor_destroy(&r);

    tact_tensor_t *nv = str_tensor((int64_t[]) { 2 }, 1, (const char *const[]) { "p", "q\0" },
                                   (size_t[]) { 1, 2 });
    tact_feed_t feed = { p, nv };
    r = tu_run1(sess, assign, &feed, 1, &st);
    assert_strings(r, (int64_t[]) { 2 }, 1, "[b'p' b'q\\x00']");
    tact_tensor_destroy(&r);
    tact_tensor_destroy(&nv);  /* the variable holds its own copy */
    r = tu_run1(sess, v, NULL, 0, &st);
    assert_strings(r, (int64_t[]) { 2 }, 1, "[b'p' b'q\\x00']");
    tact_tensor_t *again = tu_run1(sess, v, NULL, 0, &st);
    assert_disjoint(r, again);
    tact_tensor_destroy(&r);
    tact_tensor_destroy(&again);
    assert_int_equal(st.code, TACT_CODE_OK);
    tact_session_destroy(&sess);
    tact_graph_destroy(&g);
}

/* ------------------------------------------------------------------------------------------ */
/* Queues                                                                                     */
/* ------------------------------------------------------------------------------------------ */

static void test_queue_of_strings_and_labels(void **state)
{
    (void) state;
    tact_status_t st = TACT_STATUS_INIT;
    tact_graph_t *g = tact_graph_new();
    tact_output_t word = tact_placeholder(g, STR, NULL, 0, "word", &st);
    tact_output_t label = tact_placeholder(g, TACT_DTYPE_I32, NULL, 0, "label", &st);
    tact_output_t words = tact_placeholder(g, STR, (int64_t[]) { -1 }, 1, "words", &st);
    tact_output_t labels = tact_placeholder(g, TACT_DTYPE_I32, (int64_t[]) { -1 }, 1, "labels",
                                            &st);
    const int64_t scalar[1] = { 0 };
    tact_op_t *q = tact_fifo_queue(g, 10, (tact_dtype_t[]) { STR, TACT_DTYPE_I32 }, 2,
                                   (const int64_t *const[]) { scalar, scalar }, (int[]) { 0, 0 },
                                   "q", &st);
    tact_op_t *enq = tact_queue_enqueue(g, q, (tact_output_t[]) { word, label }, 2, NULL, &st);
    tact_op_t *enq_many = tact_queue_enqueue_many(g, q, (tact_output_t[]) { words, labels }, 2,
                                                  NULL, &st);
    tact_output_t one[2], three[2];
    tact_queue_dequeue(g, q, one, NULL, &st);
    tact_queue_dequeue_many(g, q, 3, three, NULL, &st);
    assert_int_equal(st.code, TACT_CODE_OK);

    tact_session_t *sess = tu_session(g, NULL);
    /* Three at once, then one, all with NULs, quotes and an empty string. */
    tact_tensor_t *wv = str_tensor((int64_t[]) { 3 }, 1,
                                   (const char *const[]) { "a", "b\0c", "" },
                                   (size_t[]) { 1, 3, 0 });
    tact_tensor_t *lv = tu_i32((int64_t[]) { 3 }, 1, (int32_t[]) { 1, 2, 3 });
    tact_feed_t many[2] = { { words, wv }, { labels, lv } };
    assert_int_equal(tact_session_run(sess, NULL, 0, NULL, many, 2, &enq_many, 1, &st),
                     TACT_CODE_OK);
    tact__tensor_set_string(wv, 1, "overwritten", 11);  /* the queue holds copies */
    tact_tensor_destroy(&wv);
    tact_tensor_destroy(&lv);
    tact_tensor_t *w1 = str_tensor(NULL, 0, (const char *const[]) { "it's\0" }, (size_t[]) { 5 });
    tact_tensor_t *l1 = tu_i32(NULL, 0, (int32_t[]) { 4 });
    tact_feed_t single[2] = { { word, w1 }, { label, l1 } };
    assert_int_equal(tact_session_run(sess, NULL, 0, NULL, single, 2, &enq, 1, &st),
                     TACT_CODE_OK);
    tact_tensor_destroy(&w1);
    tact_tensor_destroy(&l1);

    tact_tensor_t *r[2] = { NULL, NULL };
    assert_int_equal(tact_session_run(sess, one, 2, r, NULL, 0, NULL, 0, &st), TACT_CODE_OK);
    assert_strings(r[0], NULL, 0, "b'a'");
    assert_string_equal(tu_str(r[1]), "1");
    tact_tensor_destroy(&r[0]);
    tact_tensor_destroy(&r[1]);

    /* Enqueue the same three again so dequeue_many(3) spans both batches. */
    wv = str_tensor((int64_t[]) { 2 }, 1, (const char *const[]) { "x", "yz" }, NULL);
    lv = tu_i32((int64_t[]) { 2 }, 1, (int32_t[]) { 5, 6 });
    many[0].value = wv;
    many[1].value = lv;
    assert_int_equal(tact_session_run(sess, NULL, 0, NULL, many, 2, &enq_many, 1, &st),
                     TACT_CODE_OK);
    tact_tensor_destroy(&wv);
    tact_tensor_destroy(&lv);

    assert_int_equal(tact_session_run(sess, three, 2, r, NULL, 0, NULL, 0, &st), TACT_CODE_OK);
    assert_strings(r[0], (int64_t[]) { 3 }, 1, "[b'b\\x00c' b'' b\"it's\\x00\"]");
    assert_elem(r[0], 0, "b\0c", 3);
    assert_string_equal(tu_str(r[1]), "[2 3 4]");
    tact_tensor_destroy(&r[0]);
    tact_tensor_destroy(&r[1]);
    assert_int_equal(tact_session_run(sess, one, 2, r, NULL, 0, NULL, 0, &st), TACT_CODE_OK);
    assert_strings(r[0], NULL, 0, "b'x'");
    tact_tensor_destroy(&r[0]);
    tact_tensor_destroy(&r[1]);

    /* A string queue destroyed with elements still in it frees them (valgrind, ASan). */
    tact_session_destroy(&sess);
    tact_graph_destroy(&g);
}

static void test_queue_component_type_mismatch(void **state)
{
    (void) state;
    tact_status_t st = TACT_STATUS_INIT;
    tact_graph_t *g = tact_graph_new();
    tact_op_t *q = tact_fifo_queue(g, 0, (tact_dtype_t[]) { STR }, 1, NULL, NULL, "q", &st);
    assert_non_null(q);
    tact_output_t f = tu_const_f32(g, (int64_t[]) { 1 }, 1, (float[]) { 1 }, "f", &st);
    assert_int_equal(st.code, TACT_CODE_OK);
    assert_null(tact_queue_enqueue(g, q, &f, 1, "enq", &st));
    assert_int_equal(st.code, TACT_CODE_INVALID_ARGUMENT);
    assert_true(tu_contains(st.msg, "Type mismatch in tuple component 0: expected string, got "
                                    "float32"));
    tact_graph_destroy(&g);
}

/* ------------------------------------------------------------------------------------------ */
/* Ops that refuse strings                                                                    */
/* ------------------------------------------------------------------------------------------ */

/* Building `what` on string inputs fails at once with TensorFlow's builder message. */
static void assert_refused(tact_output_t out, const tact_status_t *st, const char *msg)
{
    assert_null(out.op);
    assert_int_equal(st->code, TACT_CODE_INVALID_ARGUMENT);
    assert_string_equal(st->msg, msg);
}

static void test_unsupported_ops_refuse_strings(void **state)
{
    (void) state;
    tact_status_t st = TACT_STATUS_INIT;
    tact_graph_t *g = tact_graph_new();
    tact_output_t a = tact_placeholder(g, STR, (int64_t[]) { 2, 2 }, 2, "a", &st);
    tact_output_t b = tact_placeholder(g, STR, (int64_t[]) { 2, 2 }, 2, "b", &st);
    assert_int_equal(st.code, TACT_CODE_OK);
    const char *numeric = "float32, float64, int32, int64";
    char want[240];

    /* TensorFlow's Add concatenates strings; tact's Add takes numbers only (for now). */
    st = (tact_status_t) TACT_STATUS_INIT;
    snprintf(want, sizeof want, "Value passed to parameter 'x' has DataType string not in list "
             "of allowed values: %s for 'add' (op: 'Add')", numeric);
    assert_refused(tact_add(g, a, b, "add", &st), &st, want);
    st = (tact_status_t) TACT_STATUS_INIT;
    snprintf(want, sizeof want, "Value passed to parameter 'x' has DataType string not in list "
             "of allowed values: %s for 'sub' (op: 'Sub')", numeric);
    assert_refused(tact_subtract(g, a, b, "sub", &st), &st, want);
    st = (tact_status_t) TACT_STATUS_INIT;
    snprintf(want, sizeof want, "Value passed to parameter 'x' has DataType string not in list "
             "of allowed values: %s for 'neg' (op: 'Neg')", numeric);
    assert_refused(tact_negative(g, a, "neg", &st), &st, want);
    st = (tact_status_t) TACT_STATUS_INIT;
    snprintf(want, sizeof want, "Value passed to parameter 'a' has DataType string not in list "
             "of allowed values: %s for 'mm' (op: 'MatMul')", numeric);
    assert_refused(tact_matmul(g, a, b, false, false, "mm", &st), &st, want);
    st = (tact_status_t) TACT_STATUS_INIT;
    snprintf(want, sizeof want, "Value passed to parameter 'input' has DataType string not in "
             "list of allowed values: %s for 'sum' (op: 'Sum')", numeric);
    assert_refused(tact_reduce_sum(g, a, NULL, 0, false, "sum", &st), &st, want);
    st = (tact_status_t) TACT_STATUS_INIT;
    assert_refused(tact_sigmoid(g, a, "sig", &st), &st,
                   "Value passed to parameter 'x' has DataType string not in list of allowed "
                   "values: float32, float64 for 'sig' (op: 'Sigmoid')");

    /* A string meets a number: the second input's dtype is checked against the first. */
    tact_output_t f = tu_const_f32(g, (int64_t[]) { 2, 2 }, 2, (float[]) { 1, 2, 3, 4 }, "f",
                                   NULL);
    st = (tact_status_t) TACT_STATUS_INIT;
    assert_refused(tact_add(g, f, a, "mixed", &st), &st,
                   "Input 'y' of 'Add' Op has type string that does not match type float32 of "
                   "argument 'x'.");

    /* Casts between strings and numbers are TensorFlow's UNIMPLEMENTED. */
    st = (tact_status_t) TACT_STATUS_INIT;
    assert_null(tact_cast(g, a, TACT_DTYPE_F32, "to_float", &st).op);
    assert_int_equal(st.code, TACT_CODE_UNIMPLEMENTED);
    assert_string_equal(st.msg, "Cast string to float is not supported");
    st = (tact_status_t) TACT_STATUS_INIT;
    assert_null(tact_cast(g, f, STR, "to_string", &st).op);
    assert_int_equal(st.code, TACT_CODE_UNIMPLEMENTED);
    assert_string_equal(st.msg, "Cast float to string is not supported");

    /* Fills and initializers of strings have no value to fill with. */
    st = (tact_status_t) TACT_STATUS_INIT;
    assert_null(tact_zeros(g, STR, (int64_t[]) { 2 }, 1, "z", &st).op);
    assert_int_equal(st.code, TACT_CODE_INVALID_ARGUMENT);
    assert_true(tu_contains(st.msg, "dtype string is not supported"));
    tact_graph_destroy(&g);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_const_fetched),
        cmocka_unit_test(test_placeholder_through_copies),
        cmocka_unit_test(test_transpose_permutations),
        cmocka_unit_test(test_variable_of_strings),
        cmocka_unit_test(test_queue_of_strings_and_labels),
        cmocka_unit_test(test_queue_component_type_mismatch),
        cmocka_unit_test(test_unsupported_ops_refuse_strings),
    };
    return cmocka_run_group_tests_name("strings", tests, NULL, NULL);
}
