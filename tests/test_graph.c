/* SPDX-License-Identifier: MIT */
/* Graphs and builders without sessions: TensorFlow's name uniquing and default names, node-name
 * validation, op and tensor-name lookup, tensor printing, static dtype and shape inference of
 * every builder, build-time errors (codes, messages and the sticky first error), graph
 * identity checks, constants owning a copy of their value, the default graph (push/pop
 * nesting, per-thread stacks over one process-wide graph, refcounts) and concurrent building.
 *
 * The simplest use of a graph:
 *     tact_status_t st = TACT_STATUS_INIT;
 *     tact_graph_t *g = tact_graph_new();
 *     tact_output_t x = tact_placeholder(g, TACT_DTYPE_F32, (int64_t[]) { -1, 3 }, 2, "x", &st);
 *     tact_output_t y = tact_relu(g, x, NULL, &st);        // "Relu", shape (?, 3)
 *     if (st.code != TACT_CODE_OK) ...                      // the first error of the chain
 *     tact_graph_destroy(&g);
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <ctype.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "runtime/graph/graph_impl.h"
#include "tests/helpers.h"

/* ------------------------------------------------------------------------------------------ */
/* Helpers                                                                                    */
/* ------------------------------------------------------------------------------------------ */

/* A placeholder that must build; dims may hold -1 (unknown size); ndims -1 is unknown rank. */
static tact_output_t ph(tact_graph_t *g, tact_dtype_t dt, const int64_t *dims, int ndims,
                        const char *name)
{
    tact_status_t st = TACT_STATUS_INIT;
    tact_output_t out = tact_placeholder(g, dt, dims, ndims, name, &st);
    assert_int_equal(st.code, TACT_CODE_OK);
    assert_false(tact_output_is_empty(out));
    return out;
}

/* True when `out` has dtype `dt` and static shape dims[0..ndims) (ndims -1: unknown rank). */
static bool shape_is(tact_output_t out, tact_dtype_t dt, int ndims, const int64_t *dims, int line)
{
    if (tact_output_is_empty(out)) {
        fprintf(stderr, "line %d: output is empty\n", line);
        return false;
    }
    char text[256];
    tact_output_format(out, text, sizeof text);
    bool ok = tact_output_dtype(out) == dt && tact_output_ndims(out) == ndims;
    for (int i = 0; ok && i < ndims; i++)
        ok = tact_output_dim(out, i) == dims[i];
    if (!ok)
        fprintf(stderr, "line %d: unexpected %s\n", line, text);
    return ok;
}

#define ASSERT_SHAPE(out, dt, ndims, ...) \
    assert_true(shape_is((out), (dt), (ndims), (const int64_t[]) { 0, __VA_ARGS__ } + 1, __LINE__))
#define ASSERT_SCALAR(out, dt) assert_true(shape_is((out), (dt), 0, NULL, __LINE__))
#define ASSERT_UNKNOWN_RANK(out, dt) assert_true(shape_is((out), (dt), -1, NULL, __LINE__))

/* The printed form of an output. Static buffer. */
static const char *fmt_out(tact_output_t out)
{
    static char buf[256];
    tact_output_format(out, buf, sizeof buf);
    return buf;
}

/* Expect `out` empty and `st` to hold `code` with `fragment`; the graph keeps the same error. */
static void expect_build_error(tact_graph_t *g, tact_output_t out, const tact_status_t *st,
                               tact_code_t code, const char *fragment)
{
    assert_true(tact_output_is_empty(out));
    assert_int_equal(st->code, code);
    assert_true(tu_contains(st->msg, fragment));
    const tact_status_t *gs = tact_graph_status(g);
    assert_int_equal(gs->code, code);
    assert_string_equal(gs->msg, st->msg);
}

/* ------------------------------------------------------------------------------------------ */
/* Names                                                                                      */
/* ------------------------------------------------------------------------------------------ */

static void test_unique_names_tensorflow_rules(void **state)
{
    (void) state;
    tact_status_t st = TACT_STATUS_INIT;

    /* Add, then Add_1. */
    tact_graph_t *g = tact_graph_new();
    tact_output_t a = ph(g, TACT_DTYPE_F32, NULL, 0, "a");
    tact_output_t s1 = tact_add(g, a, a, NULL, &st);
    tact_output_t s2 = tact_add(g, a, a, NULL, &st);
    assert_int_equal(st.code, TACT_CODE_OK);
    assert_string_equal(tact_op_name(s1.op), "Add");
    assert_string_equal(tact_op_name(s2.op), "Add_1");
    assert_string_equal(tact_op_type(s2.op), "Add");
    assert_ptr_equal(tact_graph_op(g, "Add_1"), s2.op);
    tact_graph_destroy(&g);

    /* Explicit Add_1 first, then Add twice: Add, Add_2 (the suffix skips a taken key). */
    g = tact_graph_new();
    a = ph(g, TACT_DTYPE_F32, NULL, 0, "a");
    tact_output_t e = tact_add(g, a, a, "Add_1", &st);
    s1 = tact_add(g, a, a, NULL, &st);
    s2 = tact_add(g, a, a, NULL, &st);
    assert_int_equal(st.code, TACT_CODE_OK);
    assert_string_equal(tact_op_name(e.op), "Add_1");
    assert_string_equal(tact_op_name(s1.op), "Add");
    assert_string_equal(tact_op_name(s2.op), "Add_2");
    tact_graph_destroy(&g);

    /* Add, Add, then explicit Add_1: the generated key Add_1 is taken, so Add_1_1. */
    g = tact_graph_new();
    a = ph(g, TACT_DTYPE_F32, NULL, 0, "a");
    s1 = tact_add(g, a, a, NULL, &st);
    s2 = tact_add(g, a, a, NULL, &st);
    e = tact_add(g, a, a, "Add_1", &st);
    assert_int_equal(st.code, TACT_CODE_OK);
    assert_string_equal(tact_op_name(s1.op), "Add");
    assert_string_equal(tact_op_name(s2.op), "Add_1");
    assert_string_equal(tact_op_name(e.op), "Add_1_1");
    assert_ptr_equal(tact_graph_op(g, "Add_1_1"), e.op);
    tact_graph_destroy(&g);

    /* Case-insensitive keys, caller's capitalisation kept: foo then Foo gives Foo_1. */
    g = tact_graph_new();
    tact_output_t f1 = ph(g, TACT_DTYPE_F32, NULL, 0, "foo");
    tact_output_t f2 = ph(g, TACT_DTYPE_F32, NULL, 0, "Foo");
    tact_output_t f3 = ph(g, TACT_DTYPE_F32, NULL, 0, "FOO");
    assert_string_equal(tact_op_name(f1.op), "foo");
    assert_string_equal(tact_op_name(f2.op), "Foo_1");
    assert_string_equal(tact_op_name(f3.op), "FOO_2");
    /* Lookup is exact: the names as stored. */
    assert_ptr_equal(tact_graph_op(g, "Foo_1"), f2.op);
    assert_null(tact_graph_op(g, "foo_1"));
    assert_null(tact_graph_op(g, "Foo"));
    tact_graph_destroy(&g);

    /* Explicit names are uniqued too: c, c_1, c_2. */
    g = tact_graph_new();
    tact_output_t c1 = tu_const_f32(g, NULL, 0, (float[]) { 1 }, "c", &st);
    tact_output_t c2 = tu_const_f32(g, NULL, 0, (float[]) { 2 }, "c", &st);
    tact_output_t c3 = tu_const_f32(g, NULL, 0, (float[]) { 3 }, "c", &st);
    assert_int_equal(st.code, TACT_CODE_OK);
    assert_string_equal(tact_op_name(c1.op), "c");
    assert_string_equal(tact_op_name(c2.op), "c_1");
    assert_string_equal(tact_op_name(c3.op), "c_2");
    /* Default names and explicit names share one key space. */
    tact_output_t k1 = tu_const_f32(g, NULL, 0, (float[]) { 1 }, "Const", &st);
    tact_output_t k2 = tu_const_f32(g, NULL, 0, (float[]) { 1 }, NULL, &st);
    assert_string_equal(tact_op_name(k1.op), "Const");
    assert_string_equal(tact_op_name(k2.op), "Const_1");
    assert_int_equal(tact_graph_num_ops(g), 5);
    tact_graph_destroy(&g);
}

/* The names are op.name of the same builders in tf.compat.v1 with v2 behaviour off
 * (scripts/tf_reference/default_names.py prints them). */
static void test_default_names_of_every_builder(void **state)
{
    (void) state;
    tact_status_t st = TACT_STATUS_INIT;
    tact_graph_t *g = tact_graph_new();
    tact_output_t k = tu_const_f32(g, (int64_t[]) { 2, 2 }, 2, (float[]) { 1, 2, 3, 4 }, NULL, &st);
    tact_output_t p = tact_placeholder(g, TACT_DTYPE_F32, (int64_t[]) { 2, 2 }, 2, NULL, &st);
    tact_output_t ki = tu_const_i32(g, (int64_t[]) { 2 }, 1, (int32_t[]) { 4, 6 }, NULL, &st);
    /* Built one statement at a time: the order decides the suffixes. */
    struct {
        tact_output_t out;
        const char *name;
        const char *type;
    } cases[22];
    int n = 0;
#define CASE(expr, nm, ty) \
    do { cases[n].out = (expr); cases[n].name = (nm); cases[n].type = (ty); n++; } while (0)
    CASE(k, "Const", "Const");
    CASE(p, "Placeholder", "Placeholder");
    CASE(ki, "Const_1", "Const");
    CASE(tact_identity(g, k, NULL, &st), "Identity", "Identity");
    CASE(tact_add(g, k, p, NULL, &st), "Add", "Add");
    CASE(tact_subtract(g, k, p, NULL, &st), "Sub", "Sub");
    CASE(tact_multiply(g, k, p, NULL, &st), "mul", "Mul");
    CASE(tact_divide(g, k, p, NULL, &st), "truediv", "RealDiv");
    CASE(tact_divide(g, ki, ki, NULL, &st), "div", "Div");
    CASE(tact_negative(g, k, NULL, &st), "Neg", "Neg");
    CASE(tact_relu(g, k, NULL, &st), "Relu", "Relu");
    CASE(tact_sigmoid(g, k, NULL, &st), "Sigmoid", "Sigmoid");
    CASE(tact_tanh(g, k, NULL, &st), "Tanh", "Tanh");
    CASE(tact_softmax(g, k, NULL, &st), "Softmax", "Softmax");
    CASE(tact_matmul(g, k, p, false, false, NULL, &st), "MatMul", "MatMul");
    CASE(tact_reduce_sum(g, k, NULL, 0, false, NULL, &st), "Sum", "Sum");
    CASE(tact_reduce_mean(g, k, NULL, 0, false, NULL, &st), "Mean", "Mean");
    CASE(tact_reshape(g, k, (int64_t[]) { 4 }, 1, NULL, &st), "Reshape", "Reshape");
    CASE(tact_transpose(g, k, NULL, 0, NULL, &st), "transpose", "Transpose");
    CASE(tact_cast(g, k, TACT_DTYPE_I32, NULL, &st), "Cast", "Cast");
    /* Second uses get the suffix. */
    CASE(tact_divide(g, k, p, NULL, &st), "truediv_1", "RealDiv");
    CASE(tact_multiply(g, k, k, NULL, &st), "mul_1", "Mul");
#undef CASE
    assert_int_equal(n, (int) (sizeof cases / sizeof cases[0]));
    assert_int_equal(st.code, TACT_CODE_OK);
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        assert_false(tact_output_is_empty(cases[i].out));
        assert_int_equal(cases[i].out.index, 0);
        assert_string_equal(tact_op_name(cases[i].out.op), cases[i].name);
        assert_string_equal(tact_op_type(cases[i].out.op), cases[i].type);
        assert_ptr_equal(tact_graph_op(g, cases[i].name), cases[i].out.op);
        assert_ptr_equal(tact_op_graph(cases[i].out.op), g);
        assert_int_equal(tact_op_num_outputs(cases[i].out.op), 1);
    }

    tact_op_t *nop = tact_no_op(g, NULL, &st);
    tact_op_t *n2 = tact_no_op(g, NULL, &st);
    tact_op_t *grp = tact_group(g, (tact_op_t *[]) { nop, k.op }, 2, NULL, &st);
    tact_op_t *grp2 = tact_group(g, &nop, 1, NULL, &st);
    assert_int_equal(st.code, TACT_CODE_OK);
    assert_string_equal(tact_op_name(nop), "NoOp");
    assert_string_equal(tact_op_name(n2), "NoOp_1");
    assert_string_equal(tact_op_type(nop), "NoOp");
    assert_string_equal(tact_op_name(grp), "group_deps");
    assert_string_equal(tact_op_name(grp2), "group_deps_1");
    assert_string_equal(tact_op_type(grp), "NoOp");
    assert_int_equal(tact_op_num_outputs(nop), 0);
    assert_int_equal(tact_op_num_inputs(nop), 0);
    assert_int_equal(tact_op_num_outputs(grp), 0);
    assert_int_equal(tact_op_num_inputs(grp), 0);  /* control inputs are not data inputs */
    assert_int_equal(grp->n_controls, 2);
    assert_ptr_equal(grp->controls[0], nop);
    assert_ptr_equal(grp->controls[1], k.op);
    assert_int_equal(tact_graph_num_ops(g), (int) (sizeof cases / sizeof cases[0]) + 4);
    tact_graph_destroy(&g);
}

static void test_invalid_names(void **state)
{
    (void) state;
    static const char *const bad[] = { "", "_x", "-a", "/a", ">a", "a b", "a:0", "a$", "a,b",
                                       "\xc3\xa9t\xc3\xa9", "a\nb" };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        tact_graph_t *g = tact_graph_new();
        tact_status_t st = TACT_STATUS_INIT;
        tact_output_t out = tact_placeholder(g, TACT_DTYPE_F32, NULL, 0, bad[i], &st);
        expect_build_error(g, out, &st, TACT_CODE_INVALID_ARGUMENT, "is not a valid node name");
        char want[64];
        snprintf(want, sizeof want, "'%s' is not a valid node name", bad[i]);
        assert_true(tu_contains(st.msg, want));
        assert_int_equal(tact_graph_num_ops(g), 0);
        tact_graph_destroy(&g);
    }

    /* Every builder checks the name, including a name given to an op with inputs. */
    tact_graph_t *g = tact_graph_new();
    tact_status_t st = TACT_STATUS_INIT;
    tact_output_t x = ph(g, TACT_DTYPE_F32, NULL, 0, "x");
    tact_output_t y = tact_add(g, x, x, "bad name", &st);
    expect_build_error(g, y, &st, TACT_CODE_INVALID_ARGUMENT,
                       "'bad name' is not a valid node name");
    st = (tact_status_t) TACT_STATUS_INIT;
    assert_null(tact_no_op(g, "no op", &st));
    assert_int_equal(st.code, TACT_CODE_INVALID_ARGUMENT);
    assert_true(tu_contains(st.msg, "'no op' is not a valid node name"));
    st = (tact_status_t) TACT_STATUS_INIT;
    assert_null(tact_group(g, &x.op, 1, "-g", &st));
    assert_true(tu_contains(st.msg, "'-g' is not a valid node name"));
    assert_int_equal(tact_graph_num_ops(g), 1);
    tact_graph_destroy(&g);

    /* TensorFlow's rule [A-Za-z0-9.][A-Za-z0-9_.\-/>]*, of any length. */
    static const char *const good[] = { ".a", "0", "a/b", "a-b>c", "A.b_c", "scope/sub/op_1",
                                        "x_", "..", "9-9" };
    g = tact_graph_new();
    st = (tact_status_t) TACT_STATUS_INIT;
    for (size_t i = 0; i < sizeof good / sizeof good[0]; i++) {
        tact_output_t out = tact_placeholder(g, TACT_DTYPE_F32, NULL, 0, good[i], &st);
        assert_int_equal(st.code, TACT_CODE_OK);
        assert_string_equal(tact_op_name(out.op), good[i]);
    }
    char long_name[300];
    memset(long_name, 'n', 255);
    long_name[255] = '\0';
    tact_output_t ok = tact_placeholder(g, TACT_DTYPE_F32, NULL, 0, long_name, &st);
    assert_int_equal(st.code, TACT_CODE_OK);
    assert_string_equal(tact_op_name(ok.op), long_name);
    /* No length limit, as in TensorFlow (test_long_names). */
    long_name[255] = 'n';
    long_name[256] = '\0';
    tact_output_t longer = tact_placeholder(g, TACT_DTYPE_F32, NULL, 0, long_name, &st);
    assert_int_equal(st.code, TACT_CODE_OK);
    assert_string_equal(tact_op_name(longer.op), long_name);
    assert_int_equal(tact_graph_num_ops(g), (int) (sizeof good / sizeof good[0]) + 2);
    tact_graph_destroy(&g);
}

/* ------------------------------------------------------------------------------------------ */
/* Lookup and printing                                                                        */
/* ------------------------------------------------------------------------------------------ */

static void test_op_lookup_and_accessors(void **state)
{
    (void) state;
    tact_status_t st = TACT_STATUS_INIT;
    tact_graph_t *g = tact_graph_new();
    assert_int_equal(tact_graph_num_ops(g), 0);
    assert_null(tact_graph_op(g, "x"));
    assert_int_equal(tact_graph_status(g)->code, TACT_CODE_OK);

    tact_output_t x = ph(g, TACT_DTYPE_F32, (int64_t[]) { 2 }, 1, "x");
    tact_output_t y = tu_const_f32(g, (int64_t[]) { 2 }, 1, (float[]) { 1, 2 }, "y", &st);
    tact_output_t z = tact_subtract(g, x, y, "z", &st);
    assert_int_equal(st.code, TACT_CODE_OK);
    assert_int_equal(tact_graph_num_ops(g), 3);

    assert_ptr_equal(tact_graph_op(g, "x"), x.op);
    assert_ptr_equal(tact_graph_op(g, "y"), y.op);
    assert_ptr_equal(tact_graph_op(g, "z"), z.op);
    assert_null(tact_graph_op(g, "nope"));
    assert_null(tact_graph_op(g, "z:0"));  /* op names, not tensor names */
    assert_null(tact_graph_op(g, ""));
    assert_null(tact_graph_op(g, "Z"));

    assert_int_equal(tact_op_num_inputs(z.op), 2);
    assert_ptr_equal(tact_op_input(z.op, 0).op, x.op);
    assert_int_equal(tact_op_input(z.op, 0).index, 0);
    assert_ptr_equal(tact_op_input(z.op, 1).op, y.op);
    assert_int_equal(tact_op_num_inputs(x.op), 0);
    assert_ptr_equal(tact_op_graph(z.op), g);
    /* Ops get increasing ids; inputs always come first. */
    assert_true(x.op->id < y.op->id && y.op->id < z.op->id);
    tact_graph_destroy(&g);
}

static void test_graph_output_parsing(void **state)
{
    (void) state;
    tact_status_t st = TACT_STATUS_INIT;
    tact_graph_t *g = tact_graph_new();
    tact_output_t x = ph(g, TACT_DTYPE_F32, (int64_t[]) { 2 }, 1, "x");
    tact_output_t sc = ph(g, TACT_DTYPE_F32, NULL, 0, "scope/x.y-1");
    tact_op_t *n = tact_no_op(g, "n", &st);
    assert_int_equal(st.code, TACT_CODE_OK);

    tact_output_t o = tact_graph_output(g, "x", &st);
    assert_int_equal(st.code, TACT_CODE_OK);
    assert_ptr_equal(o.op, x.op);
    assert_int_equal(o.index, 0);
    o = tact_graph_output(g, "x:0", &st);
    assert_int_equal(st.code, TACT_CODE_OK);
    assert_ptr_equal(o.op, x.op);
    assert_int_equal(o.index, 0);
    o = tact_graph_output(g, "scope/x.y-1:0", &st);
    assert_int_equal(st.code, TACT_CODE_OK);
    assert_ptr_equal(o.op, sc.op);

    /* Index out of range. */
    o = tact_graph_output(g, "x:1", &st);
    assert_true(tact_output_is_empty(o));
    assert_int_equal(st.code, TACT_CODE_INVALID_ARGUMENT);
    assert_true(tu_contains(st.msg, "The name 'x:1' refers to a Tensor which does not exist"));
    assert_true(tu_contains(st.msg, "exists but only has 1 outputs"));

    /* An op with no outputs has no tensor 0 either. */
    st = (tact_status_t) TACT_STATUS_INIT;
    o = tact_graph_output(g, "n:0", &st);
    assert_true(tact_output_is_empty(o));
    assert_int_equal(st.code, TACT_CODE_INVALID_ARGUMENT);
    assert_true(tu_contains(st.msg, "exists but only has 0 outputs"));
    assert_int_equal(tact_op_num_outputs(n), 0);

    /* Unknown ops. */
    static const char *const missing[] = { "nope:0", "nope", "X:0" };
    for (size_t i = 0; i < sizeof missing / sizeof missing[0]; i++) {
        st = (tact_status_t) TACT_STATUS_INIT;
        o = tact_graph_output(g, missing[i], &st);
        assert_true(tact_output_is_empty(o));
        assert_int_equal(st.code, TACT_CODE_NOT_FOUND);
        assert_true(tu_contains(st.msg, "does not exist in the graph"));
    }
    assert_true(tu_contains(st.msg, "The operation, 'X', does not exist in the graph."));

    /* Malformed tensor names. */
    static const char *const malformed[] = { "x:b", "x:", ":0", "x:-1", "x:0x", "x:1.5",
                                             "x:99999999999999999999" };
    for (size_t i = 0; i < sizeof malformed / sizeof malformed[0]; i++) {
        st = (tact_status_t) TACT_STATUS_INIT;
        o = tact_graph_output(g, malformed[i], &st);
        assert_true(tact_output_is_empty(o));
        assert_int_equal(st.code, TACT_CODE_INVALID_ARGUMENT);
        assert_true(tu_contains(st.msg, "looks a like a Tensor name"));
        char want[64];
        snprintf(want, sizeof want, "The name '%s' looks a like a Tensor name", malformed[i]);
        assert_true(tu_contains(st.msg, want));
    }

    /* A failed status is left alone and nothing is looked up. */
    st = (tact_status_t) TACT_STATUS_INIT;
    st.code = TACT_CODE_CANCELLED;
    strcpy(st.msg, "earlier");
    o = tact_graph_output(g, "x:0", &st);
    assert_true(tact_output_is_empty(o));
    assert_int_equal(st.code, TACT_CODE_CANCELLED);
    assert_string_equal(st.msg, "earlier");

    /* Lookups never touch the graph's builder status. */
    assert_int_equal(tact_graph_status(g)->code, TACT_CODE_OK);
    tact_graph_destroy(&g);
}

static void test_output_format(void **state)
{
    (void) state;
    tact_status_t st = TACT_STATUS_INIT;
    tact_graph_t *g = tact_graph_new();
    tact_output_t s = tu_const_f32(g, NULL, 0, (float[]) { 1 }, "s", &st);
    tact_output_t v = tu_const_f32(g, (int64_t[]) { 2 }, 1, (float[]) { 1, 2 }, NULL, &st);
    tact_output_t m = tu_const_i32(g, (int64_t[]) { 2, 3 }, 2, (int32_t[]) { 1, 2, 3, 4, 5, 6 },
                                   "m", &st);
    assert_int_equal(st.code, TACT_CODE_OK);
    assert_string_equal(fmt_out(s), "Tensor(\"s:0\", shape=(), dtype=float32)");
    assert_string_equal(fmt_out(v), "Tensor(\"Const:0\", shape=(2,), dtype=float32)");
    assert_string_equal(fmt_out(m), "Tensor(\"m:0\", shape=(2, 3), dtype=int32)");

    assert_string_equal(fmt_out(ph(g, TACT_DTYPE_F32, (int64_t[]) { -1, 3 }, 2, "u")),
                        "Tensor(\"u:0\", shape=(?, 3), dtype=float32)");
    assert_string_equal(fmt_out(ph(g, TACT_DTYPE_F64, (int64_t[]) { -1, -1, 1 }, 3, "d")),
                        "Tensor(\"d:0\", shape=(?, ?, 1), dtype=float64)");
    /* Python prints no shape for an unknown rank. */
    assert_string_equal(fmt_out(ph(g, TACT_DTYPE_I64, NULL, -1, "r")),
                        "Tensor(\"r:0\", dtype=int64)");
    assert_string_equal(fmt_out(ph(g, TACT_DTYPE_I32, NULL, -1, "P")),
                        "Tensor(\"P:0\", dtype=int32)");
    assert_string_equal(fmt_out(ph(g, TACT_DTYPE_I32, NULL, -1, "P")),
                        "Tensor(\"P_1:0\", dtype=int32)");
    assert_string_equal(fmt_out(ph(g, TACT_DTYPE_BOOL, (int64_t[]) { 0 }, 1, "b")),
                        "Tensor(\"b:0\", shape=(0,), dtype=bool)");
    assert_string_equal(fmt_out(ph(g, TACT_DTYPE_I32, (int64_t[]) { -1 }, 1, NULL)),
                        "Tensor(\"Placeholder:0\", shape=(?,), dtype=int32)");

    /* An op with a device prints it last, in its canonical form. */
    assert_int_equal(tact_graph_push_device(g, "/cpu:0", &st), TACT_CODE_OK);
    tact_output_t dc = tu_const_f32(g, (int64_t[]) { 2 }, 1, (float[]) { 1, 2 }, "c", &st);
    tact_output_t du = ph(g, TACT_DTYPE_F32, NULL, -1, "du");
    assert_int_equal(tact_graph_pop_device(g), TACT_CODE_OK);
    assert_int_equal(tact_graph_push_device(g, "/job:worker/gpu:1", &st), TACT_CODE_OK);
    tact_output_t dg = tu_const_f32(g, NULL, 0, (float[]) { 1 }, NULL, &st);
    assert_int_equal(tact_graph_pop_device(g), TACT_CODE_OK);
    assert_int_equal(st.code, TACT_CODE_OK);
    assert_string_equal(fmt_out(dc),
                        "Tensor(\"c:0\", shape=(2,), dtype=float32, device=/device:CPU:0)");
    assert_string_equal(fmt_out(du), "Tensor(\"du:0\", dtype=float32, device=/device:CPU:0)");
    assert_string_equal(fmt_out(dg), "Tensor(\"Const_1:0\", shape=(), dtype=float32, "
                                     "device=/job:worker/device:GPU:1)");

    /* Empty outputs. */
    tact_output_t empty = { NULL, -1 };
    char buf[64];
    assert_int_equal(tact_output_format(empty, buf, sizeof buf), strlen("Tensor(<empty>)"));
    assert_string_equal(buf, "Tensor(<empty>)");

    /* snprintf semantics: the full length comes back, the text is cut and terminated. */
    const char *full = "Tensor(\"s:0\", shape=(), dtype=float32)";
    assert_int_equal(tact_output_format(s, buf, 10), strlen(full));
    assert_string_equal(buf, "Tensor(\"s");
    assert_int_equal(tact_output_format(s, NULL, 0), strlen(full));
    tact_graph_destroy(&g);
}

/* ------------------------------------------------------------------------------------------ */
/* Static shapes and dtypes                                                                   */
/* ------------------------------------------------------------------------------------------ */

static void test_infer_elementwise_and_broadcasting(void **state)
{
    (void) state;
    tact_status_t st = TACT_STATUS_INIT;
    tact_graph_t *g = tact_graph_new();
    tact_output_t m23 = ph(g, TACT_DTYPE_F32, (int64_t[]) { 2, 3 }, 2, "m23");
    tact_output_t v3 = ph(g, TACT_DTYPE_F32, (int64_t[]) { 3 }, 1, "v3");
    tact_output_t m21 = ph(g, TACT_DTYPE_F32, (int64_t[]) { 2, 1 }, 2, "m21");
    tact_output_t m13 = ph(g, TACT_DTYPE_F32, (int64_t[]) { 1, 3 }, 2, "m13");
    tact_output_t s = ph(g, TACT_DTYPE_F32, NULL, 0, "s");
    tact_output_t u3 = ph(g, TACT_DTYPE_F32, (int64_t[]) { -1, 3 }, 2, "u3");
    tact_output_t uu = ph(g, TACT_DTYPE_F32, (int64_t[]) { -1, -1 }, 2, "uu");
    tact_output_t r = ph(g, TACT_DTYPE_F32, NULL, -1, "r");
    tact_output_t t413 = ph(g, TACT_DTYPE_F32, (int64_t[]) { 4, 1, 3 }, 3, "t413");
    tact_output_t z0 = ph(g, TACT_DTYPE_F32, (int64_t[]) { 0, 1 }, 2, "z0");

    ASSERT_SHAPE(tact_add(g, m23, v3, NULL, &st), TACT_DTYPE_F32, 2, 2, 3);
    ASSERT_SHAPE(tact_add(g, v3, m23, NULL, &st), TACT_DTYPE_F32, 2, 2, 3);
    ASSERT_SHAPE(tact_subtract(g, m21, m13, NULL, &st), TACT_DTYPE_F32, 2, 2, 3);
    ASSERT_SHAPE(tact_multiply(g, s, v3, NULL, &st), TACT_DTYPE_F32, 1, 3);
    ASSERT_SCALAR(tact_multiply(g, s, s, NULL, &st), TACT_DTYPE_F32);
    ASSERT_SHAPE(tact_divide(g, m21, t413, NULL, &st), TACT_DTYPE_F32, 3, 4, 2, 3);
    /* Unknown sizes: a known size > 1 wins, a 1 yields the other side, two unknowns stay. */
    ASSERT_SHAPE(tact_add(g, u3, v3, NULL, &st), TACT_DTYPE_F32, 2, -1, 3);
    ASSERT_SHAPE(tact_add(g, u3, m23, NULL, &st), TACT_DTYPE_F32, 2, 2, 3);
    ASSERT_SHAPE(tact_add(g, u3, m13, NULL, &st), TACT_DTYPE_F32, 2, -1, 3);
    ASSERT_SHAPE(tact_add(g, uu, m21, NULL, &st), TACT_DTYPE_F32, 2, 2, -1);
    ASSERT_SHAPE(tact_add(g, uu, uu, NULL, &st), TACT_DTYPE_F32, 2, -1, -1);
    ASSERT_SHAPE(tact_add(g, uu, s, NULL, &st), TACT_DTYPE_F32, 2, -1, -1);
    /* Unknown rank gives unknown rank. */
    ASSERT_UNKNOWN_RANK(tact_add(g, r, m23, NULL, &st), TACT_DTYPE_F32);
    ASSERT_UNKNOWN_RANK(tact_multiply(g, s, r, NULL, &st), TACT_DTYPE_F32);
    /* A 0 broadcasts against 1. */
    ASSERT_SHAPE(tact_add(g, z0, m13, NULL, &st), TACT_DTYPE_F32, 2, 0, 3);

    /* Dtypes flow through; integers divide with Div. */
    tact_output_t i64 = ph(g, TACT_DTYPE_I64, (int64_t[]) { 5 }, 1, "i64");
    tact_output_t i32 = ph(g, TACT_DTYPE_I32, (int64_t[]) { 2, 1 }, 2, "i32");
    tact_output_t f64 = ph(g, TACT_DTYPE_F64, (int64_t[]) { -1 }, 1, "f64");
    tact_output_t d = tact_divide(g, i64, i64, NULL, &st);
    ASSERT_SHAPE(d, TACT_DTYPE_I64, 1, 5);
    assert_string_equal(tact_op_type(d.op), "Div");
    d = tact_divide(g, i32, i32, NULL, &st);
    ASSERT_SHAPE(d, TACT_DTYPE_I32, 2, 2, 1);
    assert_string_equal(tact_op_type(d.op), "Div");
    d = tact_divide(g, f64, f64, NULL, &st);
    ASSERT_SHAPE(d, TACT_DTYPE_F64, 1, -1);
    assert_string_equal(tact_op_type(d.op), "RealDiv");
    ASSERT_SHAPE(tact_subtract(g, i32, i32, NULL, &st), TACT_DTYPE_I32, 2, 2, 1);

    /* Unary ops keep shape and dtype. */
    ASSERT_SHAPE(tact_identity(g, u3, NULL, &st), TACT_DTYPE_F32, 2, -1, 3);
    ASSERT_UNKNOWN_RANK(tact_identity(g, r, NULL, &st), TACT_DTYPE_F32);
    tact_output_t bp = ph(g, TACT_DTYPE_BOOL, (int64_t[]) { 4 }, 1, "bp");
    ASSERT_SHAPE(tact_identity(g, bp, NULL, &st), TACT_DTYPE_BOOL, 1, 4);
    ASSERT_SHAPE(tact_negative(g, i64, NULL, &st), TACT_DTYPE_I64, 1, 5);
    ASSERT_SHAPE(tact_relu(g, i32, NULL, &st), TACT_DTYPE_I32, 2, 2, 1);
    ASSERT_SHAPE(tact_relu(g, m23, NULL, &st), TACT_DTYPE_F32, 2, 2, 3);
    ASSERT_SHAPE(tact_sigmoid(g, f64, NULL, &st), TACT_DTYPE_F64, 1, -1);
    ASSERT_SCALAR(tact_tanh(g, s, NULL, &st), TACT_DTYPE_F32);
    ASSERT_SHAPE(tact_softmax(g, u3, NULL, &st), TACT_DTYPE_F32, 2, -1, 3);
    ASSERT_SHAPE(tact_softmax(g, v3, NULL, &st), TACT_DTYPE_F32, 1, 3);
    ASSERT_UNKNOWN_RANK(tact_softmax(g, r, NULL, &st), TACT_DTYPE_F32);

    /* Cast changes only the dtype. */
    ASSERT_SHAPE(tact_cast(g, m23, TACT_DTYPE_I64, NULL, &st), TACT_DTYPE_I64, 2, 2, 3);
    ASSERT_SHAPE(tact_cast(g, i32, TACT_DTYPE_F64, NULL, &st), TACT_DTYPE_F64, 2, 2, 1);
    ASSERT_SHAPE(tact_cast(g, u3, TACT_DTYPE_BOOL, NULL, &st), TACT_DTYPE_BOOL, 2, -1, 3);
    ASSERT_SHAPE(tact_cast(g, bp, TACT_DTYPE_F32, NULL, &st), TACT_DTYPE_F32, 1, 4);
    ASSERT_UNKNOWN_RANK(tact_cast(g, r, TACT_DTYPE_I32, NULL, &st), TACT_DTYPE_I32);

    /* Constants take their tensor's dtype and shape. */
    tact_output_t k = tu_const_i32(g, (int64_t[]) { 3, 1 }, 2, (int32_t[]) { 1, 2, 3 }, NULL, &st);
    ASSERT_SHAPE(k, TACT_DTYPE_I32, 2, 3, 1);
    assert_int_equal(st.code, TACT_CODE_OK);
    assert_int_equal(tact_graph_status(g)->code, TACT_CODE_OK);
    tact_graph_destroy(&g);
}

static void test_infer_matmul(void **state)
{
    (void) state;
    tact_status_t st = TACT_STATUS_INIT;
    tact_graph_t *g = tact_graph_new();
    tact_output_t a23 = ph(g, TACT_DTYPE_F32, (int64_t[]) { 2, 3 }, 2, "a23");
    tact_output_t a32 = ph(g, TACT_DTYPE_F32, (int64_t[]) { 3, 2 }, 2, "a32");
    tact_output_t b34 = ph(g, TACT_DTYPE_F32, (int64_t[]) { 3, 4 }, 2, "b34");
    tact_output_t b43 = ph(g, TACT_DTYPE_F32, (int64_t[]) { 4, 3 }, 2, "b43");
    tact_output_t u3 = ph(g, TACT_DTYPE_F32, (int64_t[]) { -1, 3 }, 2, "u3");
    tact_output_t r = ph(g, TACT_DTYPE_F32, NULL, -1, "r");

    ASSERT_SHAPE(tact_matmul(g, a23, b34, false, false, NULL, &st), TACT_DTYPE_F32, 2, 2, 4);
    ASSERT_SHAPE(tact_matmul(g, a32, b34, true, false, NULL, &st), TACT_DTYPE_F32, 2, 2, 4);
    ASSERT_SHAPE(tact_matmul(g, a23, b43, false, true, NULL, &st), TACT_DTYPE_F32, 2, 2, 4);
    ASSERT_SHAPE(tact_matmul(g, a32, b43, true, true, NULL, &st), TACT_DTYPE_F32, 2, 2, 4);
    ASSERT_SHAPE(tact_matmul(g, a23, a32, false, false, NULL, &st), TACT_DTYPE_F32, 2, 2, 2);
    ASSERT_SHAPE(tact_matmul(g, a32, a23, false, false, NULL, &st), TACT_DTYPE_F32, 2, 3, 3);
    /* Unknown sizes and ranks flow through. */
    ASSERT_SHAPE(tact_matmul(g, u3, b34, false, false, NULL, &st), TACT_DTYPE_F32, 2, -1, 4);
    ASSERT_SHAPE(tact_matmul(g, b34, u3, true, true, NULL, &st), TACT_DTYPE_F32, 2, 4, -1);
    ASSERT_SHAPE(tact_matmul(g, u3, u3, true, false, NULL, &st), TACT_DTYPE_F32, 2, 3, 3);
    ASSERT_SHAPE(tact_matmul(g, r, b34, false, false, NULL, &st), TACT_DTYPE_F32, 2, -1, 4);
    ASSERT_SHAPE(tact_matmul(g, a23, r, false, false, NULL, &st), TACT_DTYPE_F32, 2, 2, -1);
    ASSERT_SHAPE(tact_matmul(g, r, r, false, false, NULL, &st), TACT_DTYPE_F32, 2, -1, -1);
    /* Other dtypes. */
    tact_output_t i = ph(g, TACT_DTYPE_I32, (int64_t[]) { 2, 2 }, 2, "i");
    tact_output_t d = ph(g, TACT_DTYPE_F64, (int64_t[]) { 1, 5 }, 2, "d");
    tact_output_t l = ph(g, TACT_DTYPE_I64, (int64_t[]) { 7, 7 }, 2, "l");
    ASSERT_SHAPE(tact_matmul(g, i, i, false, false, NULL, &st), TACT_DTYPE_I32, 2, 2, 2);
    ASSERT_SHAPE(tact_matmul(g, d, d, true, false, NULL, &st), TACT_DTYPE_F64, 2, 5, 5);
    ASSERT_SHAPE(tact_matmul(g, l, l, false, true, NULL, &st), TACT_DTYPE_I64, 2, 7, 7);
    assert_int_equal(st.code, TACT_CODE_OK);
    tact_graph_destroy(&g);
}

static void test_infer_reductions(void **state)
{
    (void) state;
    tact_status_t st = TACT_STATUS_INIT;
    tact_graph_t *g = tact_graph_new();
    tact_output_t x = ph(g, TACT_DTYPE_F32, (int64_t[]) { 2, 3, 4 }, 3, "x");
    tact_output_t u = ph(g, TACT_DTYPE_F64, (int64_t[]) { -1, 3 }, 2, "u");
    tact_output_t r = ph(g, TACT_DTYPE_F32, NULL, -1, "r");
    tact_output_t i = ph(g, TACT_DTYPE_I32, (int64_t[]) { 5 }, 1, "i");

    ASSERT_SCALAR(tact_reduce_sum(g, x, NULL, 0, false, NULL, &st), TACT_DTYPE_F32);
    ASSERT_SHAPE(tact_reduce_sum(g, x, NULL, 0, true, NULL, &st), TACT_DTYPE_F32, 3, 1, 1, 1);
    ASSERT_SHAPE(tact_reduce_sum(g, x, (int[]) { 1 }, 1, false, NULL, &st), TACT_DTYPE_F32, 2, 2,
                 4);
    ASSERT_SHAPE(tact_reduce_sum(g, x, (int[]) { 1 }, 1, true, NULL, &st), TACT_DTYPE_F32, 3, 2,
                 1, 4);
    ASSERT_SHAPE(tact_reduce_sum(g, x, (int[]) { -1 }, 1, false, NULL, &st), TACT_DTYPE_F32, 2,
                 2, 3);
    ASSERT_SHAPE(tact_reduce_sum(g, x, (int[]) { -3 }, 1, false, NULL, &st), TACT_DTYPE_F32, 2,
                 3, 4);
    ASSERT_SHAPE(tact_reduce_sum(g, x, (int[]) { 0, 2 }, 2, false, NULL, &st), TACT_DTYPE_F32, 1,
                 3);
    ASSERT_SHAPE(tact_reduce_sum(g, x, (int[]) { 2, 0 }, 2, true, NULL, &st), TACT_DTYPE_F32, 3,
                 1, 3, 1);
    /* A repeated axis (also spelled negatively) reduces once. */
    ASSERT_SHAPE(tact_reduce_sum(g, x, (int[]) { 0, 0, -3 }, 3, false, NULL, &st),
                 TACT_DTYPE_F32, 2, 3, 4);
    /* An empty axis list reduces nothing. */
    ASSERT_SHAPE(tact_reduce_sum(g, x, (int[]) { 0 }, 0, false, NULL, &st), TACT_DTYPE_F32, 3, 2,
                 3, 4);
    ASSERT_SCALAR(tact_reduce_sum(g, x, (int[]) { 0, 1, 2 }, 3, false, NULL, &st),
                  TACT_DTYPE_F32);

    ASSERT_SCALAR(tact_reduce_mean(g, u, NULL, 0, false, NULL, &st), TACT_DTYPE_F64);
    ASSERT_SHAPE(tact_reduce_mean(g, u, (int[]) { 1 }, 1, false, NULL, &st), TACT_DTYPE_F64, 1,
                 -1);
    ASSERT_SHAPE(tact_reduce_mean(g, u, (int[]) { 0 }, 1, true, NULL, &st), TACT_DTYPE_F64, 2, 1,
                 3);
    ASSERT_SHAPE(tact_reduce_mean(g, u, NULL, 0, true, NULL, &st), TACT_DTYPE_F64, 2, 1, 1);
    /* Unknown rank: every axis without keep_dims is a scalar, anything else unknown. */
    ASSERT_SCALAR(tact_reduce_mean(g, r, NULL, 0, false, NULL, &st), TACT_DTYPE_F32);
    ASSERT_UNKNOWN_RANK(tact_reduce_mean(g, r, NULL, 0, true, NULL, &st), TACT_DTYPE_F32);
    ASSERT_UNKNOWN_RANK(tact_reduce_sum(g, r, (int[]) { 0 }, 1, false, NULL, &st),
                        TACT_DTYPE_F32);
    /* Integers keep their dtype. */
    ASSERT_SCALAR(tact_reduce_sum(g, i, NULL, 0, false, NULL, &st), TACT_DTYPE_I32);
    ASSERT_SHAPE(tact_reduce_mean(g, i, (int[]) { 0 }, 1, true, NULL, &st), TACT_DTYPE_I32, 1, 1);
    assert_int_equal(st.code, TACT_CODE_OK);
    tact_graph_destroy(&g);
}

static void test_infer_reshape_and_transpose(void **state)
{
    (void) state;
    tact_status_t st = TACT_STATUS_INIT;
    tact_graph_t *g = tact_graph_new();
    tact_output_t x = ph(g, TACT_DTYPE_F32, (int64_t[]) { 2, 3 }, 2, "x");
    tact_output_t x3 = ph(g, TACT_DTYPE_I64, (int64_t[]) { 2, 3, 4 }, 3, "x3");
    tact_output_t u = ph(g, TACT_DTYPE_F32, (int64_t[]) { -1, 3 }, 2, "u");
    tact_output_t r = ph(g, TACT_DTYPE_F32, NULL, -1, "r");
    tact_output_t s = ph(g, TACT_DTYPE_F32, NULL, 0, "s");
    tact_output_t z = ph(g, TACT_DTYPE_F32, (int64_t[]) { 0, 3 }, 2, "z");

    ASSERT_SHAPE(tact_reshape(g, x, (int64_t[]) { -1 }, 1, NULL, &st), TACT_DTYPE_F32, 1, 6);
    ASSERT_SHAPE(tact_reshape(g, x, (int64_t[]) { 3, -1 }, 2, NULL, &st), TACT_DTYPE_F32, 2, 3,
                 2);
    ASSERT_SHAPE(tact_reshape(g, x, (int64_t[]) { -1, 1, 2 }, 3, NULL, &st), TACT_DTYPE_F32, 3,
                 3, 1, 2);
    ASSERT_SHAPE(tact_reshape(g, x, (int64_t[]) { 6, 1 }, 2, NULL, &st), TACT_DTYPE_F32, 2, 6, 1);
    ASSERT_SHAPE(tact_reshape(g, x3, (int64_t[]) { 4, -1 }, 2, NULL, &st), TACT_DTYPE_I64, 2, 4,
                 6);
    ASSERT_SCALAR(tact_reshape(g, tu_const_f32(g, (int64_t[]) { 1, 1 }, 2, (float[]) { 1 }, NULL,
                                               &st), NULL, 0, NULL, &st), TACT_DTYPE_F32);
    ASSERT_SHAPE(tact_reshape(g, s, (int64_t[]) { 1, 1 }, 2, NULL, &st), TACT_DTYPE_F32, 2, 1, 1);
    /* Unknown input sizes leave the -1 unknown. */
    ASSERT_SHAPE(tact_reshape(g, u, (int64_t[]) { -1 }, 1, NULL, &st), TACT_DTYPE_F32, 1, -1);
    ASSERT_SHAPE(tact_reshape(g, u, (int64_t[]) { 3, -1 }, 2, NULL, &st), TACT_DTYPE_F32, 2, 3,
                 -1);
    ASSERT_SHAPE(tact_reshape(g, u, (int64_t[]) { 2, 3, 3 }, 3, NULL, &st), TACT_DTYPE_F32, 3, 2,
                 3, 3);
    ASSERT_SHAPE(tact_reshape(g, r, (int64_t[]) { 5, -1 }, 2, NULL, &st), TACT_DTYPE_F32, 2, 5,
                 -1);
    /* A -1 next to a 0 cannot be inferred at build time. */
    ASSERT_SHAPE(tact_reshape(g, z, (int64_t[]) { 0, -1 }, 2, NULL, &st), TACT_DTYPE_F32, 2, 0,
                 -1);
    ASSERT_SHAPE(tact_reshape(g, z, (int64_t[]) { -1, 3 }, 2, NULL, &st), TACT_DTYPE_F32, 2, 0, 3);

    ASSERT_SHAPE(tact_transpose(g, x, NULL, 0, NULL, &st), TACT_DTYPE_F32, 2, 3, 2);
    ASSERT_SHAPE(tact_transpose(g, x3, NULL, 0, NULL, &st), TACT_DTYPE_I64, 3, 4, 3, 2);
    ASSERT_SHAPE(tact_transpose(g, x3, (int[]) { 1, 0, 2 }, 3, NULL, &st), TACT_DTYPE_I64, 3, 3,
                 2, 4);
    ASSERT_SHAPE(tact_transpose(g, x3, (int[]) { 2, 0, 1 }, 3, NULL, &st), TACT_DTYPE_I64, 3, 4,
                 2, 3);
    ASSERT_SHAPE(tact_transpose(g, x, (int[]) { 0, 1 }, 2, NULL, &st), TACT_DTYPE_F32, 2, 2, 3);
    ASSERT_SHAPE(tact_transpose(g, u, (int[]) { 1, 0 }, 2, NULL, &st), TACT_DTYPE_F32, 2, 3, -1);
    ASSERT_SCALAR(tact_transpose(g, s, NULL, 0, NULL, &st), TACT_DTYPE_F32);
    ASSERT_UNKNOWN_RANK(tact_transpose(g, r, NULL, 0, NULL, &st), TACT_DTYPE_F32);
    /* Unknown rank with a permutation: the rank is the permutation's length. */
    ASSERT_SHAPE(tact_transpose(g, r, (int[]) { 2, 0, 1 }, 3, NULL, &st), TACT_DTYPE_F32, 3, -1,
                 -1, -1);
    assert_int_equal(st.code, TACT_CODE_OK);
    assert_int_equal(tact_graph_status(g)->code, TACT_CODE_OK);
    tact_graph_destroy(&g);
}

/* ------------------------------------------------------------------------------------------ */
/* Build-time errors                                                                          */
/* ------------------------------------------------------------------------------------------ */

typedef struct build_error_case {
    int line;
    tact_code_t code;
    const char *fragments[3];
} build_error_case_t;

/* One fresh graph per case; `build` makes the failing op from the graph's placeholders. */
typedef tact_output_t (*build_fn)(tact_graph_t *g, tact_output_t *in, tact_status_t *st);

static void check_error_case(build_fn build, const build_error_case_t *c)
{
    tact_graph_t *g = tact_graph_new();
    tact_output_t in[] = {
        ph(g, TACT_DTYPE_F32, (int64_t[]) { 2, 3 }, 2, "a"),    /* 0 */
        ph(g, TACT_DTYPE_F32, (int64_t[]) { 2, 3 }, 2, "b"),    /* 1 */
        ph(g, TACT_DTYPE_F32, (int64_t[]) { 3 }, 1, "v"),       /* 2 */
        ph(g, TACT_DTYPE_I32, (int64_t[]) { 2, 3 }, 2, "i"),    /* 3 */
        ph(g, TACT_DTYPE_F32, NULL, 0, "s"),                    /* 4 */
        ph(g, TACT_DTYPE_BOOL, (int64_t[]) { 2 }, 1, "t"),      /* 5 */
        ph(g, TACT_DTYPE_F32, (int64_t[]) { 4 }, 1, "w"),       /* 6 */
        ph(g, TACT_DTYPE_F64, (int64_t[]) { 2, 3 }, 2, "d"),    /* 7 */
        ph(g, TACT_DTYPE_BOOL, (int64_t[]) { 2, 2 }, 2, "bm"),  /* 8 */
        ph(g, TACT_DTYPE_F32, (int64_t[]) { 3, 2 }, 2, "at"),   /* 9 */
    };
    int n_before = tact_graph_num_ops(g);
    tact_status_t st = TACT_STATUS_INIT;
    tact_output_t out = build(g, in, &st);
    if (st.code != c->code)
        fprintf(stderr, "case at line %d: got %d \"%s\"\n", c->line, st.code, st.msg);
    expect_build_error(g, out, &st, c->code, c->fragments[0]);
    for (int i = 1; i < 3 && c->fragments[i] != NULL; i++)
        assert_true(tu_contains(st.msg, c->fragments[i]));
    assert_int_equal(tact_graph_num_ops(g), n_before);  /* nothing was added */
    tact_graph_destroy(&g);
}

static tact_output_t bad_matmul_inner(tact_graph_t *g, tact_output_t *in, tact_status_t *st)
{
    return tact_matmul(g, in[0], in[1], false, false, NULL, st);
}
static tact_output_t bad_matmul_inner_t(tact_graph_t *g, tact_output_t *in, tact_status_t *st)
{
    return tact_matmul(g, in[0], in[1], true, true, "mm", st);
}
static tact_output_t bad_matmul_rank(tact_graph_t *g, tact_output_t *in, tact_status_t *st)
{
    return tact_matmul(g, in[2], in[0], false, false, NULL, st);
}
static tact_output_t bad_matmul_rank0(tact_graph_t *g, tact_output_t *in, tact_status_t *st)
{
    return tact_matmul(g, in[0], in[4], false, false, NULL, st);
}
static tact_output_t bad_matmul_dtype(tact_graph_t *g, tact_output_t *in, tact_status_t *st)
{
    return tact_matmul(g, in[0], in[3], false, true, NULL, st);
}
static tact_output_t bad_matmul_bool(tact_graph_t *g, tact_output_t *in, tact_status_t *st)
{
    return tact_matmul(g, in[8], in[8], false, true, NULL, st);
}
static tact_output_t bad_softmax_rank(tact_graph_t *g, tact_output_t *in, tact_status_t *st)
{
    return tact_softmax(g, in[4], NULL, st);
}
static tact_output_t bad_add_dtype(tact_graph_t *g, tact_output_t *in, tact_status_t *st)
{
    return tact_add(g, in[0], in[3], NULL, st);
}
static tact_output_t bad_mul_dtype(tact_graph_t *g, tact_output_t *in, tact_status_t *st)
{
    return tact_multiply(g, in[3], in[7], NULL, st);
}
static tact_output_t bad_sub_bool(tact_graph_t *g, tact_output_t *in, tact_status_t *st)
{
    return tact_subtract(g, in[5], in[5], NULL, st);
}
static tact_output_t bad_div_bool(tact_graph_t *g, tact_output_t *in, tact_status_t *st)
{
    return tact_divide(g, in[5], in[5], NULL, st);
}
static tact_output_t bad_broadcast(tact_graph_t *g, tact_output_t *in, tact_status_t *st)
{
    return tact_add(g, in[0], in[6], NULL, st);
}
static tact_output_t bad_broadcast2(tact_graph_t *g, tact_output_t *in, tact_status_t *st)
{
    return tact_subtract(g, in[1], in[9], "diff", st);
}
static tact_output_t bad_sigmoid_int(tact_graph_t *g, tact_output_t *in, tact_status_t *st)
{
    return tact_sigmoid(g, in[3], NULL, st);
}
static tact_output_t bad_tanh_bool(tact_graph_t *g, tact_output_t *in, tact_status_t *st)
{
    return tact_tanh(g, in[5], NULL, st);
}
static tact_output_t bad_relu_bool(tact_graph_t *g, tact_output_t *in, tact_status_t *st)
{
    return tact_relu(g, in[5], NULL, st);
}
static tact_output_t bad_neg_bool(tact_graph_t *g, tact_output_t *in, tact_status_t *st)
{
    return tact_negative(g, in[5], NULL, st);
}
static tact_output_t bad_softmax_int(tact_graph_t *g, tact_output_t *in, tact_status_t *st)
{
    return tact_softmax(g, in[3], NULL, st);
}
static tact_output_t bad_reshape_count(tact_graph_t *g, tact_output_t *in, tact_status_t *st)
{
    return tact_reshape(g, in[0], (int64_t[]) { 4 }, 1, NULL, st);
}
static tact_output_t bad_reshape_divisible(tact_graph_t *g, tact_output_t *in, tact_status_t *st)
{
    return tact_reshape(g, in[0], (int64_t[]) { -1, 4 }, 2, NULL, st);
}
static tact_output_t bad_reshape_two_unknown(tact_graph_t *g, tact_output_t *in,
                                             tact_status_t *st)
{
    return tact_reshape(g, in[0], (int64_t[]) { -1, -1 }, 2, NULL, st);
}
static tact_output_t bad_reshape_scalar(tact_graph_t *g, tact_output_t *in, tact_status_t *st)
{
    return tact_reshape(g, in[0], NULL, 0, NULL, st);
}
static tact_output_t bad_perm_length(tact_graph_t *g, tact_output_t *in, tact_status_t *st)
{
    return tact_transpose(g, in[0], (int[]) { 0 }, 1, NULL, st);
}
static tact_output_t bad_perm_range(tact_graph_t *g, tact_output_t *in, tact_status_t *st)
{
    return tact_transpose(g, in[0], (int[]) { 0, 2 }, 2, NULL, st);
}
static tact_output_t bad_perm_negative(tact_graph_t *g, tact_output_t *in, tact_status_t *st)
{
    return tact_transpose(g, in[0], (int[]) { -1, 0 }, 2, NULL, st);
}
static tact_output_t bad_perm_repeat(tact_graph_t *g, tact_output_t *in, tact_status_t *st)
{
    return tact_transpose(g, in[0], (int[]) { 1, 1 }, 2, NULL, st);
}
static tact_output_t bad_axis_high(tact_graph_t *g, tact_output_t *in, tact_status_t *st)
{
    return tact_reduce_sum(g, in[0], (int[]) { 2 }, 1, false, NULL, st);
}
static tact_output_t bad_axis_low(tact_graph_t *g, tact_output_t *in, tact_status_t *st)
{
    return tact_reduce_mean(g, in[0], (int[]) { 0, -3 }, 2, true, NULL, st);
}
static tact_output_t bad_axis_scalar(tact_graph_t *g, tact_output_t *in, tact_status_t *st)
{
    return tact_reduce_sum(g, in[4], (int[]) { 0 }, 1, false, NULL, st);
}
static tact_output_t bad_reduce_bool(tact_graph_t *g, tact_output_t *in, tact_status_t *st)
{
    return tact_reduce_sum(g, in[5], NULL, 0, false, NULL, st);
}
static tact_output_t bad_cast_dtype(tact_graph_t *g, tact_output_t *in, tact_status_t *st)
{
    return tact_cast(g, in[0], (tact_dtype_t) 99, NULL, st);
}
static tact_output_t bad_placeholder_dtype(tact_graph_t *g, tact_output_t *in, tact_status_t *st)
{
    (void) in;
    return tact_placeholder(g, (tact_dtype_t) 42, NULL, 0, NULL, st);
}
static tact_output_t bad_placeholder_rank(tact_graph_t *g, tact_output_t *in, tact_status_t *st)
{
    (void) in;
    int64_t dims[9] = { 1, 1, 1, 1, 1, 1, 1, 1, 1 };
    return tact_placeholder(g, TACT_DTYPE_F32, dims, 9, NULL, st);
}
static tact_output_t bad_placeholder_dim(tact_graph_t *g, tact_output_t *in, tact_status_t *st)
{
    (void) in;
    return tact_placeholder(g, TACT_DTYPE_F32, (int64_t[]) { 2, -2 }, 2, NULL, st);
}

static void test_build_errors(void **state)
{
    (void) state;
    static const struct {
        build_fn build;
        build_error_case_t c;
    } cases[] = {
        { bad_matmul_inner, { __LINE__, TACT_CODE_INVALID_ARGUMENT,
          { "Dimensions must be equal, but are 3 and 2",
            "for 'MatMul' (op: 'MatMul') with input shapes: [2,3], [2,3]." } } },
        { bad_matmul_inner_t, { __LINE__, TACT_CODE_INVALID_ARGUMENT,
          { "Dimensions must be equal, but are 2 and 3", "for 'mm' (op: 'MatMul')" } } },
        { bad_matmul_rank, { __LINE__, TACT_CODE_INVALID_ARGUMENT,
          { "Shape must be rank 2 but is rank 1",
            "for 'MatMul' (op: 'MatMul') with input shapes: [3], [2,3]." } } },
        { bad_matmul_rank0, { __LINE__, TACT_CODE_INVALID_ARGUMENT,
          { "Shape must be rank 2 but is rank 0", "input shapes: [2,3], []." } } },
        { bad_matmul_dtype, { __LINE__, TACT_CODE_INVALID_ARGUMENT,
          { "Input 'b' of 'MatMul' Op has type int32 that does not match type float32 of "
            "argument 'a'." } } },
        { bad_matmul_bool, { __LINE__, TACT_CODE_INVALID_ARGUMENT,
          { "Value passed to parameter 'a' has DataType bool not in list of allowed values: "
            "float32, float64, int32, int64", "for 'MatMul' (op: 'MatMul')" } } },
        { bad_softmax_rank, { __LINE__, TACT_CODE_INVALID_ARGUMENT,
          { "Shape must be at least rank 1 but is rank 0",
            "for 'Softmax' (op: 'Softmax') with input shapes: []." } } },
        { bad_add_dtype, { __LINE__, TACT_CODE_INVALID_ARGUMENT,
          { "Input 'y' of 'Add' Op has type int32 that does not match type float32 of "
            "argument 'x'." } } },
        { bad_mul_dtype, { __LINE__, TACT_CODE_INVALID_ARGUMENT,
          { "Input 'y' of 'Mul' Op has type float64 that does not match type int32" } } },
        { bad_sub_bool, { __LINE__, TACT_CODE_INVALID_ARGUMENT,
          { "Value passed to parameter 'x' has DataType bool not in list of allowed values",
            "for 'Sub' (op: 'Sub')" } } },
        { bad_div_bool, { __LINE__, TACT_CODE_INVALID_ARGUMENT,
          { "has DataType bool not in list of allowed values: float32, float64",
            "for 'truediv' (op: 'RealDiv')" } } },
        { bad_broadcast, { __LINE__, TACT_CODE_INVALID_ARGUMENT,
          { "Dimensions must be equal, but are 3 and 4",
            "for 'Add' (op: 'Add') with input shapes: [2,3], [4]." } } },
        { bad_broadcast2, { __LINE__, TACT_CODE_INVALID_ARGUMENT,
          { "Dimensions must be equal, but are 2 and 3",
            "for 'diff' (op: 'Sub') with input shapes: [2,3], [3,2]." } } },
        { bad_sigmoid_int, { __LINE__, TACT_CODE_INVALID_ARGUMENT,
          { "Value passed to parameter 'x' has DataType int32 not in list of allowed values: "
            "float32, float64 for 'Sigmoid' (op: 'Sigmoid')" } } },
        { bad_tanh_bool, { __LINE__, TACT_CODE_INVALID_ARGUMENT,
          { "has DataType bool not in list", "'Tanh'" } } },
        { bad_relu_bool, { __LINE__, TACT_CODE_INVALID_ARGUMENT,
          { "Value passed to parameter 'features' has DataType bool", "'Relu'" } } },
        { bad_neg_bool, { __LINE__, TACT_CODE_INVALID_ARGUMENT,
          { "Value passed to parameter 'x' has DataType bool", "'Neg'" } } },
        { bad_softmax_int, { __LINE__, TACT_CODE_INVALID_ARGUMENT,
          { "Value passed to parameter 'logits' has DataType int32", "'Softmax'" } } },
        { bad_reshape_count, { __LINE__, TACT_CODE_INVALID_ARGUMENT,
          { "Cannot reshape a tensor with 6 elements to shape [4] (4 elements)",
            "for 'Reshape' (op: 'Reshape') with input shapes: [2,3], [1]." } } },
        { bad_reshape_divisible, { __LINE__, TACT_CODE_INVALID_ARGUMENT,
          { "Dimension size must be evenly divisible by 4 but is 6",
            "input shapes: [2,3], [2]." } } },
        { bad_reshape_two_unknown, { __LINE__, TACT_CODE_INVALID_ARGUMENT,
          { "Only one input size may be -1, not both 0 and 1" } } },
        { bad_reshape_scalar, { __LINE__, TACT_CODE_INVALID_ARGUMENT,
          { "Cannot reshape a tensor with 6 elements to shape [] (1 elements)",
            "input shapes: [2,3], [0]." } } },
        { bad_perm_length, { __LINE__, TACT_CODE_INVALID_ARGUMENT,
          { "Dimension must be 2 but is 1",
            "for 'transpose' (op: 'Transpose') with input shapes: [2,3], [1]." } } },
        { bad_perm_range, { __LINE__, TACT_CODE_INVALID_ARGUMENT,
          { "perm dim 2 is out of range of input rank 2" } } },
        { bad_perm_negative, { __LINE__, TACT_CODE_INVALID_ARGUMENT,
          { "perm dim -1 is out of range of input rank 2" } } },
        { bad_perm_repeat, { __LINE__, TACT_CODE_INVALID_ARGUMENT,
          { "[1,1] is not a valid permutation", "input shapes: [2,3], [2]." } } },
        { bad_axis_high, { __LINE__, TACT_CODE_INVALID_ARGUMENT,
          { "Invalid reduction dimension 2 for input with 2 dimensions.",
            "for 'Sum' (op: 'Sum') with input shapes: [2,3], [1]." } } },
        { bad_axis_low, { __LINE__, TACT_CODE_INVALID_ARGUMENT,
          { "Invalid reduction dimension -3 for input with 2 dimensions.",
            "for 'Mean' (op: 'Mean') with input shapes: [2,3], [2]." } } },
        { bad_axis_scalar, { __LINE__, TACT_CODE_INVALID_ARGUMENT,
          { "Invalid reduction dimension 0 for input with 0 dimensions." } } },
        { bad_reduce_bool, { __LINE__, TACT_CODE_INVALID_ARGUMENT,
          { "Value passed to parameter 'input' has DataType bool", "'Sum'" } } },
        { bad_cast_dtype, { __LINE__, TACT_CODE_INVALID_ARGUMENT,
          { "invalid destination dtype 99", "'Cast'" } } },
        { bad_placeholder_dtype, { __LINE__, TACT_CODE_INVALID_ARGUMENT,
          { "Invalid dtype 42", "(op: 'Placeholder')" } } },
        { bad_placeholder_rank, { __LINE__, TACT_CODE_INVALID_ARGUMENT,
          { "Placeholder: invalid rank 9" } } },
        { bad_placeholder_dim, { __LINE__, TACT_CODE_INVALID_ARGUMENT,
          { "Placeholder: dimension 1 is -2" } } },
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
        check_error_case(cases[i].build, &cases[i].c);
}

/* Unknown sizes pass at build time (the kernel checks at run time). */
static void test_unknown_sizes_defer_checks(void **state)
{
    (void) state;
    tact_status_t st = TACT_STATUS_INIT;
    tact_graph_t *g = tact_graph_new();
    tact_output_t u = ph(g, TACT_DTYPE_F32, (int64_t[]) { -1, -1 }, 2, "u");
    tact_output_t a = ph(g, TACT_DTYPE_F32, (int64_t[]) { 2, 3 }, 2, "a");
    ASSERT_SHAPE(tact_matmul(g, a, u, false, false, NULL, &st), TACT_DTYPE_F32, 2, 2, -1);
    ASSERT_SHAPE(tact_add(g, a, u, NULL, &st), TACT_DTYPE_F32, 2, 2, 3);
    ASSERT_SHAPE(tact_reshape(g, u, (int64_t[]) { 7 }, 1, NULL, &st), TACT_DTYPE_F32, 1, 7);
    assert_int_equal(st.code, TACT_CODE_OK);
    /* ...but one known input size is enough to refuse an impossible reshape. */
    tact_output_t u3 = ph(g, TACT_DTYPE_F32, (int64_t[]) { -1, 3 }, 2, "u3");
    tact_output_t bad = tact_reshape(g, u3, (int64_t[]) { 2, 4 }, 2, NULL, &st);
    expect_build_error(g, bad, &st, TACT_CODE_INVALID_ARGUMENT,
                       "Dimension size must be evenly divisible by 3 but is 8");
    tact_graph_destroy(&g);
}

/* ------------------------------------------------------------------------------------------ */
/* The sticky first error                                                                     */
/* ------------------------------------------------------------------------------------------ */

static void test_sticky_first_error(void **state)
{
    (void) state;
    tact_status_t st = TACT_STATUS_INIT;
    tact_graph_t *g = tact_graph_new();
    tact_output_t a = ph(g, TACT_DTYPE_F32, (int64_t[]) { 2, 3 }, 2, "a");
    tact_output_t b = ph(g, TACT_DTYPE_F32, (int64_t[]) { 2, 3 }, 2, "b");
    tact_output_t i = ph(g, TACT_DTYPE_I32, (int64_t[]) { 2 }, 1, "i");
    assert_int_equal(tact_graph_num_ops(g), 3);

    /* A chain: the first failure is reported once at the end. */
    tact_output_t mm = tact_matmul(g, a, b, false, false, NULL, &st);
    tact_output_t r = tact_relu(g, tact_add(g, mm, a, NULL, &st), NULL, &st);
    assert_true(tact_output_is_empty(mm));
    assert_true(tact_output_is_empty(r));
    assert_int_equal(st.code, TACT_CODE_INVALID_ARGUMENT);
    assert_true(tu_contains(st.msg, "Dimensions must be equal, but are 3 and 2"));
    const tact_status_t *gs = tact_graph_status(g);
    assert_int_equal(gs->code, TACT_CODE_INVALID_ARGUMENT);
    assert_string_equal(gs->msg, st.msg);
    char first[sizeof st.msg];
    strcpy(first, st.msg);
    assert_int_equal(tact_graph_num_ops(g), 3);

    /* An empty input given with a fresh status: empty result, the graph's first error. */
    tact_status_t st2 = TACT_STATUS_INIT;
    tact_output_t e2 = tact_negative(g, mm, NULL, &st2);
    assert_true(tact_output_is_empty(e2));
    assert_int_equal(st2.code, TACT_CODE_INVALID_ARGUMENT);
    assert_string_equal(st2.msg, first);
    st2 = (tact_status_t) TACT_STATUS_INIT;
    e2 = tact_add(g, a, mm, NULL, &st2);  /* the empty one second */
    assert_true(tact_output_is_empty(e2));
    assert_string_equal(st2.msg, first);
    st2 = (tact_status_t) TACT_STATUS_INIT;
    assert_null(tact_group(g, (tact_op_t *[]) { a.op, mm.op }, 2, NULL, &st2));
    assert_string_equal(st2.msg, first);
    assert_int_equal(tact_graph_num_ops(g), 3);

    /* A second, different error keeps the first on the graph. */
    tact_status_t st3 = TACT_STATUS_INIT;
    tact_output_t e3 = tact_add(g, a, i, NULL, &st3);
    assert_true(tact_output_is_empty(e3));
    assert_int_equal(st3.code, TACT_CODE_INVALID_ARGUMENT);
    assert_true(tu_contains(st3.msg, "does not match type float32"));
    assert_string_equal(tact_graph_status(g)->msg, first);
    st3 = (tact_status_t) TACT_STATUS_INIT;
    assert_true(tact_output_is_empty(tact_placeholder(g, TACT_DTYPE_F32, NULL, 0, "bad name",
                                                      &st3)));
    assert_true(tu_contains(st3.msg, "is not a valid node name"));
    assert_string_equal(tact_graph_status(g)->msg, first);

    /* A builder handed a failed status returns at once: nothing added, status unchanged. */
    tact_status_t failed = TACT_STATUS_INIT;
    failed.code = TACT_CODE_ABORTED;
    strcpy(failed.msg, "caller's error");
    tact_tensor_t *t = tu_scalar_f32(1);
    tact_output_t outs[] = {
        tact_constant(g, t, NULL, &failed),
        tact_placeholder(g, TACT_DTYPE_F32, NULL, 0, NULL, &failed),
        tact_placeholder(g, TACT_DTYPE_F32, NULL, 99, NULL, &failed),
        tact_identity(g, a, NULL, &failed),
        tact_add(g, a, b, NULL, &failed),
        tact_subtract(g, a, b, NULL, &failed),
        tact_multiply(g, a, b, NULL, &failed),
        tact_divide(g, a, b, NULL, &failed),
        tact_negative(g, a, NULL, &failed),
        tact_relu(g, a, NULL, &failed),
        tact_sigmoid(g, a, NULL, &failed),
        tact_tanh(g, a, NULL, &failed),
        tact_softmax(g, a, NULL, &failed),
        tact_cast(g, a, TACT_DTYPE_I32, NULL, &failed),
        tact_matmul(g, a, b, false, true, NULL, &failed),
        tact_reduce_sum(g, a, NULL, 0, false, NULL, &failed),
        tact_reduce_mean(g, a, (int[]) { 0 }, 1, false, NULL, &failed),
        tact_reshape(g, a, (int64_t[]) { 6 }, 1, NULL, &failed),
        tact_reshape(g, a, NULL, -5, NULL, &failed),
        tact_transpose(g, a, NULL, 0, NULL, &failed),
        tact_transpose(g, a, (int[]) { 0 }, 99, NULL, &failed),
        tact_graph_output(g, "a:0", &failed),
    };
    for (size_t k = 0; k < sizeof outs / sizeof outs[0]; k++)
        assert_true(tact_output_is_empty(outs[k]));
    assert_null(tact_no_op(g, NULL, &failed));
    assert_null(tact_group(g, &a.op, 1, NULL, &failed));
    assert_null(tact_group(g, (tact_op_t *[]) { NULL }, 1, NULL, &failed));
    assert_int_equal(failed.code, TACT_CODE_ABORTED);
    assert_string_equal(failed.msg, "caller's error");
    assert_int_equal(tact_graph_num_ops(g), 3);
    assert_string_equal(tact_graph_status(g)->msg, first);
    tact_tensor_destroy(&t);

    /* A NULL status is allowed; the graph still records errors and empty results. */
    assert_true(tact_output_is_empty(tact_add(g, a, i, NULL, NULL)));
    assert_true(tact_output_is_empty(tact_add(g, mm, a, NULL, NULL)));
    tact_output_t ok = tact_add(g, a, b, NULL, NULL);
    assert_false(tact_output_is_empty(ok));

    /* The graph's error does not block building with a fresh status. */
    tact_status_t st4 = TACT_STATUS_INIT;
    tact_output_t good = tact_add(g, a, b, NULL, &st4);
    assert_int_equal(st4.code, TACT_CODE_OK);
    ASSERT_SHAPE(good, TACT_DTYPE_F32, 2, 2, 3);
    assert_int_equal(tact_graph_num_ops(g), 5);
    assert_string_equal(tact_graph_status(g)->msg, first);
    tact_graph_destroy(&g);
}

static void test_empty_input_on_healthy_graph(void **state)
{
    (void) state;
    /* An empty output that did not come from this graph's failure still gives an error. */
    tact_graph_t *g = tact_graph_new();
    tact_status_t st = TACT_STATUS_INIT;
    tact_output_t empty = { NULL, -1 };
    tact_output_t out = tact_relu(g, empty, NULL, &st);
    assert_true(tact_output_is_empty(out));
    assert_int_equal(st.code, TACT_CODE_INVALID_ARGUMENT);
    assert_true(tu_contains(st.msg, "Relu: input 0 is empty"));
    st = (tact_status_t) TACT_STATUS_INIT;
    assert_null(tact_group(g, (tact_op_t *[]) { NULL }, 1, NULL, &st));
    assert_int_equal(st.code, TACT_CODE_INVALID_ARGUMENT);
    assert_true(tu_contains(st.msg, "group_deps: input 0 is empty"));
    assert_int_equal(tact_graph_num_ops(g), 0);
    tact_graph_destroy(&g);
}

static void test_inputs_from_two_graphs(void **state)
{
    (void) state;
    tact_graph_t *g1 = tact_graph_new();
    tact_graph_t *g2 = tact_graph_new();
    tact_output_t a = ph(g1, TACT_DTYPE_F32, (int64_t[]) { 2 }, 1, "a");
    tact_output_t b = ph(g2, TACT_DTYPE_F32, (int64_t[]) { 2 }, 1, "b");

    tact_status_t st = TACT_STATUS_INIT;
    tact_output_t c = tact_add(g1, a, b, NULL, &st);
    expect_build_error(g1, c, &st, TACT_CODE_INVALID_ARGUMENT, "must be from the same graph");
    assert_true(tu_contains(st.msg, "Tensor(\"b:0\", shape=(2,), dtype=float32)"));
    assert_int_equal(tact_graph_status(g2)->code, TACT_CODE_OK);

    /* Building into g2 from g1's tensor: g2 records the error. */
    st = (tact_status_t) TACT_STATUS_INIT;
    c = tact_identity(g2, a, NULL, &st);
    expect_build_error(g2, c, &st, TACT_CODE_INVALID_ARGUMENT, "must be from the same graph");

    /* The default graph is yet another graph. */
    st = (tact_status_t) TACT_STATUS_INIT;
    int n_default = tact_graph_num_ops(NULL);
    c = tact_negative(NULL, a, NULL, &st);
    assert_true(tact_output_is_empty(c));
    assert_true(tu_contains(st.msg, "must be from the same graph"));
    assert_int_equal(tact_graph_num_ops(NULL), n_default);

    /* Control inputs too. */
    st = (tact_status_t) TACT_STATUS_INIT;
    assert_null(tact_group(g1, &b.op, 1, "g", &st));
    assert_int_equal(st.code, TACT_CODE_INVALID_ARGUMENT);
    assert_true(tu_contains(st.msg, "control input 'b' must be from the same graph"));

    assert_int_equal(tact_graph_num_ops(g1), 1);
    assert_int_equal(tact_graph_num_ops(g2), 1);
    tact_graph_destroy(&g1);
    tact_graph_destroy(&g2);
}

static void test_constant_copies_its_value(void **state)
{
    (void) state;
    tact_status_t st = TACT_STATUS_INIT;
    tact_graph_t *g = tact_graph_new();
    tact_tensor_t *t = tu_f32((int64_t[]) { 2 }, 1, (float[]) { 1, 2 });
    tact_output_t c = tact_constant(g, t, "c", &st);
    assert_int_equal(st.code, TACT_CODE_OK);
    ASSERT_SHAPE(c, TACT_DTYPE_F32, 1, 2);

    /* Change and then free the caller's tensor: the op's value is its own. */
    float *data = tact_tensor_data(t);
    data[0] = 7;
    data[1] = 8;
    const tact_tensor_t *held = c.op->attrs.value;
    assert_non_null(held);
    assert_ptr_not_equal(held, t);
    assert_ptr_not_equal(tact_tensor_data(held), tact_tensor_data(t));
    tact_tensor_destroy(&t);
    assert_null(t);
    assert_true(tu_f32_equal(held, (int64_t[]) { 2 }, 1, (float[]) { 1, 2 }));

    /* The same tensor may back several constants, each with a copy. */
    tact_tensor_t *u = tu_i32(NULL, 0, (int32_t[]) { 5 });
    tact_output_t c1 = tact_constant(g, u, NULL, &st);
    tact_output_t c2 = tact_constant(g, u, NULL, &st);
    assert_ptr_not_equal(c1.op->attrs.value, c2.op->attrs.value);
    *(int32_t *) tact_tensor_data(u) = 6;
    assert_int_equal(*(const int32_t *) tact_tensor_data(c1.op->attrs.value), 5);
    assert_int_equal(*(const int32_t *) tact_tensor_data(c2.op->attrs.value), 5);
    ASSERT_SCALAR(c2, TACT_DTYPE_I32);

    /* A failed constant leaves the caller's tensor alone (and leaks nothing). */
    tact_output_t bad = tact_constant(g, u, "bad name", &st);
    assert_true(tact_output_is_empty(bad));
    assert_int_equal(*(const int32_t *) tact_tensor_data(u), 6);
    tact_tensor_destroy(&u);
    assert_int_equal(tact_graph_num_ops(g), 3);
    tact_graph_destroy(&g);
}

/* ------------------------------------------------------------------------------------------ */
/* The default graph                                                                          */
/* ------------------------------------------------------------------------------------------ */

static void test_default_graph(void **state)
{
    (void) state;
    tact_graph_t *d = tact_graph_get_default();
    assert_non_null(d);
    assert_ptr_equal(tact_graph_get_default(), d);

    tact_status_t st = TACT_STATUS_INIT;
    int n = tact_graph_num_ops(NULL);
    assert_int_equal(tact_graph_num_ops(d), n);
    tact_output_t x = tact_placeholder(NULL, TACT_DTYPE_F32, (int64_t[]) { 3 }, 1, "dx", &st);
    tact_output_t y = tact_relu(NULL, x, NULL, &st);
    tact_op_t *nop = tact_no_op(NULL, "dnop", &st);
    assert_int_equal(st.code, TACT_CODE_OK);
    assert_ptr_equal(tact_op_graph(x.op), d);
    assert_ptr_equal(tact_op_graph(y.op), d);
    assert_ptr_equal(tact_op_graph(nop), d);
    assert_int_equal(tact_graph_num_ops(NULL), n + 3);
    assert_ptr_equal(tact_graph_op(NULL, tact_op_name(x.op)), x.op);
    assert_ptr_equal(tact_graph_op(d, tact_op_name(y.op)), y.op);
    tact_output_t o = tact_graph_output(NULL, "dx:0", &st);
    assert_int_equal(st.code, TACT_CODE_OK);
    assert_ptr_equal(o.op, x.op);
    /* The default graph's inputs work with an explicit handle too. */
    tact_output_t z = tact_add(d, x, y, NULL, &st);
    assert_int_equal(st.code, TACT_CODE_OK);
    ASSERT_SHAPE(z, TACT_DTYPE_F32, 1, 3);
    assert_ptr_equal(tact_graph_status(NULL), tact_graph_status(d));
}

static void test_push_pop_nesting(void **state)
{
    (void) state;
    tact_graph_t *global = tact_graph_get_default();
    tact_graph_t *g1 = tact_graph_new();
    tact_graph_t *g2 = tact_graph_new();
    tact_status_t st = TACT_STATUS_INIT;

    tact_graph_push_default(g1);
    assert_ptr_equal(tact_graph_get_default(), g1);
    tact_output_t a = tact_placeholder(NULL, TACT_DTYPE_F32, NULL, 0, NULL, &st);
    assert_ptr_equal(tact_op_graph(a.op), g1);

    tact_graph_push_default(g2);
    assert_ptr_equal(tact_graph_get_default(), g2);
    tact_output_t b = tact_placeholder(NULL, TACT_DTYPE_F32, NULL, 0, NULL, &st);
    assert_ptr_equal(tact_op_graph(b.op), g2);
    /* Both are named Placeholder: uniquing is per graph. */
    assert_string_equal(tact_op_name(a.op), "Placeholder");
    assert_string_equal(tact_op_name(b.op), "Placeholder");

    /* Wrong order: refused, the stack unchanged. */
    assert_int_equal(tact_graph_pop_default(g1), TACT_CODE_FAILED_PRECONDITION);
    assert_ptr_equal(tact_graph_get_default(), g2);
    assert_int_equal(tact_graph_pop_default(global), TACT_CODE_FAILED_PRECONDITION);
    assert_int_equal(tact_graph_pop_default(NULL), TACT_CODE_FAILED_PRECONDITION);
    assert_ptr_equal(tact_graph_get_default(), g2);

    /* The same graph may be pushed twice. */
    tact_graph_push_default(g1);
    assert_ptr_equal(tact_graph_get_default(), g1);
    assert_int_equal(tact_graph_pop_default(g2), TACT_CODE_FAILED_PRECONDITION);
    assert_int_equal(tact_graph_pop_default(g1), TACT_CODE_OK);
    assert_ptr_equal(tact_graph_get_default(), g2);

    assert_int_equal(tact_graph_pop_default(g2), TACT_CODE_OK);
    assert_ptr_equal(tact_graph_get_default(), g1);
    assert_int_equal(tact_graph_pop_default(g1), TACT_CODE_OK);
    assert_ptr_equal(tact_graph_get_default(), global);

    /* Popping an empty stack is refused too. */
    assert_int_equal(tact_graph_pop_default(g1), TACT_CODE_FAILED_PRECONDITION);
    assert_int_equal(tact_graph_pop_default(global), TACT_CODE_FAILED_PRECONDITION);
    assert_ptr_equal(tact_graph_get_default(), global);

    assert_int_equal(tact_graph_num_ops(g1), 1);
    assert_int_equal(tact_graph_num_ops(g2), 1);
    assert_int_equal(st.code, TACT_CODE_OK);
    tact_graph_destroy(&g1);
    tact_graph_destroy(&g2);
}

typedef struct thread_view {
    tact_graph_t *main_pushed;   /* what the main thread has pushed */
    tact_graph_t *seen_default;  /* what the new thread sees */
    tact_code_t pop_main;        /* the new thread popping the main thread's graph */
    tact_code_t pop_global;
    tact_op_t *op;               /* built with g == NULL on the new thread */
    tact_graph_t *own;           /* pushed and popped on the new thread */
    tact_graph_t *seen_own;
    tact_code_t pop_own;
    tact_graph_t *seen_after;
} thread_view_t;

static void *thread_view_main(void *arg)
{
    thread_view_t *v = arg;
    v->seen_default = tact_graph_get_default();
    v->pop_main = tact_graph_pop_default(v->main_pushed);
    v->pop_global = tact_graph_pop_default(v->seen_default);
    tact_status_t st = TACT_STATUS_INIT;
    v->op = tact_placeholder(NULL, TACT_DTYPE_I32, NULL, 0, "from_thread", &st).op;
    tact_graph_push_default(v->own);
    v->seen_own = tact_graph_get_default();
    v->pop_own = tact_graph_pop_default(v->own);
    v->seen_after = tact_graph_get_default();
    return NULL;
}

static void test_new_thread_sees_global_default(void **state)
{
    (void) state;
    tact_graph_t *global = tact_graph_get_default();
    tact_graph_t *mine = tact_graph_new();
    thread_view_t v = { .main_pushed = mine, .own = tact_graph_new() };
    tact_graph_push_default(mine);

    pthread_t th;
    assert_int_equal(pthread_create(&th, NULL, thread_view_main, &v), 0);
    assert_int_equal(pthread_join(th, NULL), 0);

    /* The same process-wide global graph (tact's choice; TensorFlow gives a fresh one)... */
    assert_ptr_equal(v.seen_default, global);
    /* ...and an empty stack of its own: the main thread's push is not there to pop. */
    assert_int_equal(v.pop_main, TACT_CODE_FAILED_PRECONDITION);
    assert_int_equal(v.pop_global, TACT_CODE_FAILED_PRECONDITION);
    assert_non_null(v.op);
    assert_ptr_equal(tact_op_graph(v.op), global);
    assert_ptr_equal(tact_graph_op(global, "from_thread"), v.op);
    assert_null(tact_graph_op(mine, "from_thread"));
    assert_ptr_equal(v.seen_own, v.own);
    assert_int_equal(v.pop_own, TACT_CODE_OK);
    assert_ptr_equal(v.seen_after, global);

    /* The main thread's stack is untouched by the other thread. */
    assert_ptr_equal(tact_graph_get_default(), mine);
    assert_int_equal(tact_graph_pop_default(mine), TACT_CODE_OK);
    assert_ptr_equal(tact_graph_get_default(), global);
    tact_graph_destroy(&mine);
    tact_graph_destroy(&v.own);
}

static void test_pushed_graph_outlives_destroy(void **state)
{
    (void) state;
    tact_status_t st = TACT_STATUS_INIT;
    tact_graph_t *g = tact_graph_new();
    tact_graph_t *kept = g;
    tact_graph_push_default(g);
    tact_graph_destroy(&g);  /* the user's reference goes; the stack's stays */
    assert_null(g);

    /* Still usable (AddressSanitizer would catch a use after free here). */
    assert_ptr_equal(tact_graph_get_default(), kept);
    tact_output_t x = tact_placeholder(NULL, TACT_DTYPE_F32, (int64_t[]) { 2 }, 1, "x", &st);
    tact_output_t y = tact_negative(NULL, x, NULL, &st);
    assert_int_equal(st.code, TACT_CODE_OK);
    assert_ptr_equal(tact_op_graph(y.op), kept);
    assert_int_equal(tact_graph_num_ops(NULL), 2);
    assert_string_equal(tact_op_name(tact_graph_op(NULL, "Neg")), "Neg");

    /* A session-like holder: an extra reference keeps it past the pop too. */
    tact__graph_ref(kept);
    assert_int_equal(tact_graph_pop_default(kept), TACT_CODE_OK);
    assert_ptr_not_equal(tact_graph_get_default(), kept);
    assert_int_equal(tact_graph_num_ops(kept), 2);
    assert_string_equal(tact_op_name(tact_graph_op(kept, "x")), "x");
    tact__graph_unref(kept);  /* the last reference: freed (LeakSanitizer checks) */
}

/* ------------------------------------------------------------------------------------------ */
/* Concurrent building                                                                        */
/* ------------------------------------------------------------------------------------------ */

#define BUILD_THREADS 8
#define BUILD_OPS 500

typedef struct builder_arg {
    tact_graph_t *g;
    int tid;
    tact_op_t *ops[BUILD_OPS];
    tact_status_t st;
} builder_arg_t;

static void *builder_main(void *p)
{
    builder_arg_t *b = p;
    tact_output_t prev = tact_placeholder(b->g, TACT_DTYPE_F32, (int64_t[]) { 2 }, 1, NULL,
                                          &b->st);
    b->ops[0] = prev.op;
    for (int i = 1; i < BUILD_OPS; i++) {
        tact_output_t out;
        switch (i % 5) {
        case 0:
            out = tact_add(b->g, prev, prev, NULL, &b->st);            /* Add, Add_1, ... */
            break;
        case 1:
            out = tact_relu(b->g, prev, "node", &b->st);               /* shared explicit name */
            break;
        case 2:
            out = tact_identity(b->g, prev, "Node", &b->st);           /* same key, other case */
            break;
        case 3:
            out = tact_negative(b->g, prev, "node_1", &b->st);         /* collides with suffixes */
            break;
        default: {
            char name[32];
            snprintf(name, sizeof name, "t%d_%d", b->tid, i);          /* unique */
            out = tact_multiply(b->g, prev, prev, name, &b->st);
            break;
        }
        }
        b->ops[i] = out.op;
        prev = out;
    }
    return NULL;
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(const char *const *) a, *(const char *const *) b);
}

static void test_concurrent_building(void **state)
{
    (void) state;
    tact_graph_t *g = tact_graph_new();
    static builder_arg_t args[BUILD_THREADS];
    pthread_t th[BUILD_THREADS];
    for (int t = 0; t < BUILD_THREADS; t++) {
        args[t] = (builder_arg_t) { .g = g, .tid = t, .st = TACT_STATUS_INIT };
        assert_int_equal(pthread_create(&th[t], NULL, builder_main, &args[t]), 0);
    }
    for (int t = 0; t < BUILD_THREADS; t++)
        assert_int_equal(pthread_join(th[t], NULL), 0);

    const int total = BUILD_THREADS * BUILD_OPS;
    assert_int_equal(tact_graph_num_ops(g), total);
    assert_int_equal(tact_graph_status(g)->code, TACT_CODE_OK);

    /* Every name is unique, even ignoring case (TensorFlow's keys are lower-case). */
    char **lower = calloc((size_t) total, sizeof *lower);
    assert_non_null(lower);
    bool *seen_id = calloc((size_t) total, sizeof *seen_id);
    assert_non_null(seen_id);
    int k = 0;
    for (int t = 0; t < BUILD_THREADS; t++) {
        assert_int_equal(args[t].st.code, TACT_CODE_OK);
        for (int i = 0; i < BUILD_OPS; i++) {
            tact_op_t *op = args[t].ops[i];
            assert_non_null(op);
            const char *name = tact_op_name(op);
            /* Each name finds its own op. */
            assert_ptr_equal(tact_graph_op(g, name), op);
            /* Inputs come before their consumers; every id is used once. */
            assert_true(op->id >= 0 && op->id < total);
            assert_false(seen_id[op->id]);
            seen_id[op->id] = true;
            if (i > 0)
                assert_true(args[t].ops[i - 1]->id < op->id);
            size_t len = strlen(name);
            lower[k] = malloc(len + 1);
            assert_non_null(lower[k]);
            for (size_t c = 0; c <= len; c++)
                lower[k][c] = (char) tolower((unsigned char) name[c]);
            k++;
        }
    }
    qsort(lower, (size_t) total, sizeof *lower, cmp_str);
    for (int i = 1; i < total; i++) {
        if (strcmp(lower[i - 1], lower[i]) == 0)
            fail_msg("duplicate name %s", lower[i]);
    }
    /* Spot checks. Which caller's capitalisation won a shared key depends on timing, but
     * exactly one spelling of each key exists. */
    assert_true((tact_graph_op(g, "node") != NULL) != (tact_graph_op(g, "Node") != NULL));
    assert_true((tact_graph_op(g, "node_1") != NULL) != (tact_graph_op(g, "Node_1") != NULL));
    assert_non_null(tact_graph_op(g, "Add"));
    assert_non_null(tact_graph_op(g, "Add_791"));  /* 99 Adds per thread */
    assert_null(tact_graph_op(g, "Add_792"));
    assert_non_null(tact_graph_op(g, "Placeholder_7"));
    assert_null(tact_graph_op(g, "Placeholder_8"));
    for (int i = 0; i < total; i++)
        free(lower[i]);
    free(lower);
    free(seen_id);
    tact_graph_destroy(&g);
}

/* Names have no length limit (TensorFlow has none): uniquing, lookup by op and by tensor
 * name, derived default names and variable scopes all keep every byte. A 255-character name
 * used twice once gave "<name>_1", which tact_graph_output could not find (a 256-byte
 * buffer). */
static void test_long_names(void **state)
{
    (void) state;
    const size_t lens[] = { 255, 256, 300, 3000 };
    for (int k = 0; k < 4; k++) {
        tact_status_t st = TACT_STATUS_INIT;
        tact_graph_t *g = tact_graph_new();
        size_t n = lens[k];
        char *name = malloc(n + 64), *want = malloc(n + 64), *lookup = malloc(n + 64);
        memset(name, 'a' + k, n);
        name[n] = '\0';
        tact_output_t c0 = tu_const_f32(g, NULL, 0, (float[]) { 1 }, name, &st);
        tact_output_t c1 = tu_const_f32(g, NULL, 0, (float[]) { 2 }, name, &st);
        assert_int_equal(st.code, TACT_CODE_OK);
        assert_string_equal(tact_op_name(c0.op), name);
        snprintf(want, n + 64, "%s_1", name);
        assert_string_equal(tact_op_name(c1.op), want);
        assert_ptr_equal(tact_graph_op(g, want), c1.op);
        snprintf(lookup, n + 64, "%s_1:0", name);
        tact_output_t o = tact_graph_output(g, lookup, &st);
        assert_int_equal(st.code, TACT_CODE_OK);
        assert_ptr_equal(o.op, c1.op);
        assert_int_equal(o.index, 0);
        /* Case-insensitive uniquing goes on past the suffix. */
        for (char *p = name; *p; p++)
            *p = (char) toupper((unsigned char) *p);
        tact_output_t c2 = tu_const_f32(g, NULL, 0, (float[]) { 3 }, name, &st);
        snprintf(want, n + 64, "%s_2", name);
        assert_string_equal(tact_op_name(c2.op), want);
        snprintf(lookup, n + 64, "%s_2:1", name);
        tact_status_t bad = TACT_STATUS_INIT;
        assert_null(tact_graph_output(g, lookup, &bad).op);
        assert_int_equal(bad.code, TACT_CODE_INVALID_ARGUMENT);
        assert_true(strncmp(bad.msg, "The name '", 10) == 0);  /* the rest is cut at 240 bytes */

        /* Default names derived from a long name: a queue's ops, a variable's Assign. */
        tact_op_t *q = tact_fifo_queue(g, 0, (tact_dtype_t[]) { TACT_DTYPE_F32 }, 1, NULL, NULL,
                                       name, &st);
        tact_output_t y;
        tact_op_t *dq = tact_queue_dequeue(g, q, &y, NULL, &st);
        assert_int_equal(st.code, TACT_CODE_OK);
        snprintf(want, n + 64, "%s_3_Dequeue", name);
        assert_string_equal(tact_op_name(dq), want);
        tact_output_t v = tact_variable(g, c0, name, &st);
        snprintf(want, n + 64, "%s_4/Assign", name);
        assert_non_null(tact_graph_op(g, want));

        /* A variable scope as long as the name: the full name is kept and found again. */
        tact_variable_scope_push(g, name, false, &st);
        tact_initializer_t zeros = { .kind = TACT_INITIALIZER_ZEROS };
        tact_output_t gv = tact_get_variable(g, "w", TACT_DTYPE_F32, NULL, 0, &zeros, &st);
        tact_variable_scope_pop(g, &st);
        assert_int_equal(st.code, TACT_CODE_OK);
        snprintf(want, n + 64, "%s/w", name);
        assert_string_equal(tact_op_name(gv.op), want);
        snprintf(want, n + 64, "%s/w/Initializer/zeros", name);
        assert_non_null(tact_graph_op(g, want));
        tact_variable_scope_push(g, name, true, &st);
        tact_output_t again = tact_get_variable(g, "w", TACT_DTYPE_F32, NULL, 0, &zeros, &st);
        tact_variable_scope_pop(g, &st);
        assert_int_equal(st.code, TACT_CODE_OK);
        assert_ptr_equal(again.op, gv.op);

        /* And a session runs them by those names. */
        tact_session_t *s = tu_session(g, NULL);
        snprintf(lookup, n + 64, "%s_2:0", name);
        tact_output_t fetch[2] = { tact_graph_output(g, lookup, &st), v };
        tact_op_t *init = tact_global_variables_initializer(g, &st);
        tu_run_op(s, init);
        tact_tensor_t *r[2] = { NULL, NULL };
        assert_int_equal(tact_session_run(s, fetch, 2, r, NULL, 0, NULL, 0, &st), TACT_CODE_OK);
        assert_string_equal(tu_str(r[0]), "3.0");
        assert_string_equal(tu_str(r[1]), "1.0");
        tact_tensor_destroy(&r[0]);
        tact_tensor_destroy(&r[1]);
        /* The run's partition graph names the op in full. */
        tact_run_metadata_t md = { 0 };
        tact_run_options_t opts = { .metadata = &md };
        assert_int_equal(tact_session_run_ex(s, &opts, fetch, 1, r, NULL, 0, NULL, 0, &st),
                         TACT_CODE_OK);
        snprintf(want, n + 64, "%s_2 = Const()", name);
        assert_int_equal(md.n_partitions, 1);
        assert_true(strstr(md.partitions[0].graph, want) != NULL);
        tact_tensor_destroy(&r[0]);
        tact_run_metadata_clear(&md);
        tact_session_destroy(&s);
        free(name);
        free(want);
        free(lookup);
        tact_graph_destroy(&g);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_unique_names_tensorflow_rules),
        cmocka_unit_test(test_default_names_of_every_builder),
        cmocka_unit_test(test_invalid_names),
        cmocka_unit_test(test_long_names),
        cmocka_unit_test(test_op_lookup_and_accessors),
        cmocka_unit_test(test_graph_output_parsing),
        cmocka_unit_test(test_output_format),
        cmocka_unit_test(test_infer_elementwise_and_broadcasting),
        cmocka_unit_test(test_infer_matmul),
        cmocka_unit_test(test_infer_reductions),
        cmocka_unit_test(test_infer_reshape_and_transpose),
        cmocka_unit_test(test_build_errors),
        cmocka_unit_test(test_unknown_sizes_defer_checks),
        cmocka_unit_test(test_sticky_first_error),
        cmocka_unit_test(test_empty_input_on_healthy_graph),
        cmocka_unit_test(test_inputs_from_two_graphs),
        cmocka_unit_test(test_constant_copies_its_value),
        cmocka_unit_test(test_default_graph),
        cmocka_unit_test(test_push_pop_nesting),
        cmocka_unit_test(test_new_thread_sees_global_default),
        cmocka_unit_test(test_pushed_graph_outlives_destroy),
        cmocka_unit_test(test_concurrent_building),
    };
    return cmocka_run_group_tests_name("graph", tests, NULL, NULL);
}
