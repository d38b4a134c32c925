/* SPDX-License-Identifier: MIT */
/* GraphDef import and export against TensorFlow: models TensorFlow froze give TensorFlow's
 * answers (tests/data/make_graphdef_fixtures.py), import_graph_def's options and messages,
 * all-or-nothing imports, export -> import round trips, and hostile buffers. */
/* first: the prelude's _GNU_SOURCE precedes the system headers */
#include "runtime/graph/graph_impl.h"
#include "runtime/model/graphdef.h"
#include "runtime/model/text_format.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <unistd.h>

#include <cmocka.h>

#include <tact/model.h>

#include "tests/helpers.h"

#define DIMS(...) ((const int64_t[]) { __VA_ARGS__ })

/* A fixture of tests/data/ read whole. */
static void *read_data(const char *name, size_t *len)
{
    char path[512];
    snprintf(path, sizeof path, "%s/%s", TACT_TEST_DATA_DIR, name);
    return tu_read_file(path, len);
}

static void data_path(char *buf, size_t cap, const char *name)
{
    snprintf(buf, cap, "%s/%s", TACT_TEST_DATA_DIR, name);
}

/* A float32 tensor of shape dims from a fixture of raw little-endian floats. */
static tact_tensor_t *read_f32(const char *name, const int64_t *dims, int ndims)
{
    char path[512];
    snprintf(path, sizeof path, "%s/%s", TACT_TEST_DATA_DIR, name);
    return tu_f32_from_file(path, dims, ndims);
}

static void import_ok(tact_graph_t *g, const char *file, const tact_import_options_t *opts)
{
    char path[512];
    data_path(path, sizeof path, file);
    tact_status_t st = TACT_STATUS_INIT;
    if (tact_graph_import_file(g, path, opts, &st) != TACT_CODE_OK)
        fail_msg("import of %s failed: %s", file, st.msg);
}

static void import_text_ok(tact_graph_t *g, const char *text, const tact_import_options_t *opts)
{
    char path[] = "/tmp/tact_graphdef_XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, text, strlen(text)), (ssize_t) strlen(text));
    close(fd);
    tact_status_t st = TACT_STATUS_INIT;
    tact_code_t rc = tact_graph_import_file(g, path, opts, &st);
    unlink(path);
    if (rc != TACT_CODE_OK)
        fail_msg("import failed: %s", st.msg);
}

/* Importing `text` fails with code and exactly msg, and leaves g's ops as they were. */
static void import_text_fails(tact_graph_t *g, const char *text,
                              const tact_import_options_t *opts, tact_code_t code,
                              const char *msg)
{
    char path[] = "/tmp/tact_graphdef_XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, text, strlen(text)), (ssize_t) strlen(text));
    close(fd);
    int before = tact_graph_num_ops(g);
    tact_status_t st = TACT_STATUS_INIT;
    tact_code_t rc = tact_graph_import_file(g, path, opts, &st);
    unlink(path);
    assert_int_equal(rc, code);
    assert_int_equal(st.code, code);
    assert_string_equal(st.msg, msg);
    assert_int_equal(tact_graph_num_ops(g), before);
}

/* Run the MLP's softmax (named `out`, input `in`) on TensorFlow's input. */
static tact_tensor_t *run_mlp(tact_graph_t *g, const char *in, const char *out)
{
    tact_status_t st = TACT_STATUS_INIT;
    tact_output_t x = tact_graph_output(g, in, &st);
    tact_output_t y = tact_graph_output(g, out, &st);
    assert_int_equal(st.code, TACT_CODE_OK);
    tact_tensor_t *xin = read_f32("mlp_input.bin", DIMS(5, 4), 2);
    tact_session_t *s = tu_session(g, NULL);
    tact_feed_t feed = { x, xin };
    tact_tensor_t *r = tu_run1(s, y, &feed, 1, &st);
    if (r == NULL)
        fail_msg("run failed: %s", st.msg);
    tact_session_destroy(&s);
    tact_tensor_destroy(&xin);
    return r;
}

static void assert_close(const tact_tensor_t *got, const tact_tensor_t *want, float tol)
{
    assert_int_equal(tact_tensor_dtype(got), TACT_DTYPE_F32);
    assert_int_equal(tact_tensor_ndims(got), tact_tensor_ndims(want));
    for (int i = 0; i < tact_tensor_ndims(want); i++)
        assert_int_equal(tact_tensor_dim(got, i), tact_tensor_dim(want, i));
    const float *a = tact_tensor_data(got), *b = tact_tensor_data(want);
    for (int64_t i = 0; i < tact_tensor_nelems(want); i++)
        if (fabsf(a[i] - b[i]) > tol * (1.0f + fabsf(b[i])))
            fail_msg("element %" PRId64 ": %.9g, TensorFlow %.9g", i, a[i], b[i]);
}

static void assert_mlp_answers(tact_graph_t *g, const char *in, const char *out)
{
    tact_tensor_t *r = run_mlp(g, in, out);
    tact_tensor_t *want = read_f32("mlp_expected.bin", DIMS(5, 3), 2);
    assert_close(r, want, 1e-5f);
    tact_tensor_destroy(&r);
    tact_tensor_destroy(&want);
}

/* ------------------------------------------------------------------------------------------ */
/* TensorFlow's models                                                                        */
/* ------------------------------------------------------------------------------------------ */

static void test_frozen_mlp_binary(void **state)
{
    (void) state;
    tact_graph_t *g = tact_graph_new();
    size_t len;
    void *pb = read_data("frozen_mlp.pb", &len);
    tact_status_t st = TACT_STATUS_INIT;
    assert_int_equal(tact_graph_import(g, pb, len, NULL, &st), TACT_CODE_OK);
    free(pb);
    assert_int_equal(tact_graph_num_ops(g), 15);
    /* TensorFlow's types come back: BiasAdd and AddV2 run as Add, read through Identity. */
    assert_string_equal(tact_op_type(tact_graph_op(g, "MatMul")), "MatMul");
    assert_string_equal(tact_op_type(tact_graph_op(g, "w1/read")), "Identity");
    assert_string_equal(tact_op_type(tact_graph_op(g, "BiasAdd")), "Add");
    assert_string_equal(tact_op_type(tact_graph_op(g, "hidden")), "Relu");
    tact_output_t y = tact_graph_output(g, "softmax:0", &st);
    assert_int_equal(tact_output_ndims(y), 2);
    assert_int_equal(tact_output_dim(y, 0), -1);
    assert_int_equal(tact_output_dim(y, 1), 3);
    assert_mlp_answers(g, "input:0", "softmax:0");
    tact_graph_destroy(&g);
}

/* The text file gives the same graph as the binary one: same ops, types, inputs, shapes. */
static void test_frozen_mlp_text_same_graph(void **state)
{
    (void) state;
    tact_graph_t *gb = tact_graph_new(), *gt = tact_graph_new();
    import_ok(gb, "frozen_mlp.pb", NULL);
    import_ok(gt, "frozen_mlp.pbtxt", NULL);
    assert_int_equal(gt->n_ops, gb->n_ops);
    for (int i = 0; i < gb->n_ops; i++) {
        const tact_op_t *a = gb->ops[i], *b = gt->ops[i];
        assert_string_equal(a->name, b->name);
        assert_int_equal(a->kind, b->kind);
        assert_int_equal(a->n_inputs, b->n_inputs);
        for (int k = 0; k < a->n_inputs; k++) {
            assert_string_equal(a->inputs[k].op->name, b->inputs[k].op->name);
            assert_int_equal(a->inputs[k].index, b->inputs[k].index);
        }
        assert_memory_equal(&a->out_shape[0], &b->out_shape[0], sizeof a->out_shape[0]);
        if (a->kind == TACT_OP_CONST)
            assert_memory_equal(tact_tensor_data(a->attrs.value), tact_tensor_data(b->attrs.value),
                                tact_tensor_nbytes(a->attrs.value));
    }
    assert_mlp_answers(gt, "input:0", "softmax:0");
    tact_graph_destroy(&gb);
    tact_graph_destroy(&gt);
}

/* Sum, Mean, Reshape, Transpose, Fill take their Const inputs; each output is TensorFlow's. */
static void test_ops_with_const_inputs(void **state)
{
    (void) state;
    struct {
        const char *name;
        int ndims;
        int64_t dims[2];
    } outs[] = {
        { "sum", 1, { 3 } }, { "mean_all", 0, { 0 } }, { "reshaped", 2, { 2, 6 } },
        { "transposed", 2, { 4, 3 } }, { "recast", 2, { 3, 4 } }, { "filled", 2, { 2, 2 } },
        { "combo", 2, { 3, 4 } },
    };
    tact_graph_t *g = tact_graph_new();
    import_ok(g, "ops.pbtxt", NULL);
    /* The Const inputs stay in the graph, and the op knows them (for export). */
    tact_op_t *sum = tact_graph_op(g, "sum");
    assert_non_null(tact_graph_op(g, "sum/reduction_indices"));
    assert_ptr_equal(sum->attrs.const_inputs[0], tact_graph_op(g, "sum/reduction_indices"));
    assert_int_equal(tact_op_num_inputs(sum), 1);
    tact_session_t *s = tu_session(g, NULL);
    for (size_t i = 0; i < sizeof outs / sizeof outs[0]; i++) {
        char file[64], name[64];
        snprintf(file, sizeof file, "ops_%s.bin", outs[i].name);
        snprintf(name, sizeof name, "%s:0", outs[i].name);
        tact_status_t st = TACT_STATUS_INIT;
        tact_tensor_t *r = tu_run1(s, tact_graph_output(g, name, &st), NULL, 0, &st);
        if (r == NULL)
            fail_msg("%s: %s", name, st.msg);
        tact_tensor_t *want = read_f32(file, outs[i].dims, outs[i].ndims);
        assert_close(r, want, 1e-6f);
        tact_tensor_destroy(&r);
        tact_tensor_destroy(&want);
    }
    tact_session_destroy(&s);
    tact_graph_destroy(&g);
}

/* ------------------------------------------------------------------------------------------ */
/* import_graph_def's options                                                                 */
/* ------------------------------------------------------------------------------------------ */

/* Names go under the prefix; a prefix in use becomes "p_1", as TensorFlow's name scopes do. */
static void test_prefix(void **state)
{
    (void) state;
    tact_graph_t *g = tact_graph_new();
    tact_import_options_t o = { .prefix = "p" };
    import_ok(g, "frozen_mlp.pb", &o);
    import_ok(g, "frozen_mlp.pb", &o);
    assert_int_equal(tact_graph_num_ops(g), 30);
    assert_non_null(tact_graph_op(g, "p/softmax"));
    assert_non_null(tact_graph_op(g, "p_1/softmax"));
    assert_null(tact_graph_op(g, "softmax"));
    assert_string_equal(tact_op_input(tact_graph_op(g, "p_1/softmax"), 0).op->name, "p_1/add");
    assert_mlp_answers(g, "p_1/input:0", "p_1/softmax:0");
    /* Without a prefix, names already taken are made unique, as TensorFlow does. */
    import_text_ok(g, "node { name: 'a' op: 'NoOp' } node { name: 'b' op: 'NoOp' input: '^a' }",
                   NULL);
    import_text_ok(g, "node { name: 'a' op: 'NoOp' } node { name: 'b' op: 'NoOp' input: '^a' }",
                   NULL);
    tact_op_t *b1 = tact_graph_op(g, "b_1");
    assert_non_null(b1);
    assert_int_equal(b1->n_controls, 1);
    assert_string_equal(b1->controls[0]->name, "a_1");
    tact_graph_destroy(&g);
}

/* input_map replaces the GraphDef's tensor by an existing output; the placeholder stays. */
static void test_input_map(void **state)
{
    (void) state;
    tact_graph_t *g = tact_graph_new();
    tact_status_t st = TACT_STATUS_INIT;
    tact_tensor_t *xin = read_f32("mlp_input.bin", DIMS(5, 4), 2);
    tact_output_t c = tact_constant(g, xin, "my_input", &st);
    tact_input_mapping_t map[] = { { "input:0", c } };
    tact_import_options_t o = { .prefix = "m", .input_map = map, .n_input_map = 1 };
    import_ok(g, "frozen_mlp.pb", &o);
    tact_op_t *mm = tact_graph_op(g, "m/MatMul");
    assert_ptr_equal(tact_op_input(mm, 0).op, c.op);
    assert_non_null(tact_graph_op(g, "m/input"));
    tact_session_t *s = tu_session(g, NULL);
    tact_tensor_t *r = tu_run1(s, tact_graph_output(g, "m/softmax:0", &st), NULL, 0, &st);
    assert_non_null(r);
    tact_tensor_t *want = read_f32("mlp_expected.bin", DIMS(5, 3), 2);
    assert_close(r, want, 1e-5f);
    tact_tensor_destroy(&r);
    tact_tensor_destroy(&want);
    tact_session_destroy(&s);

    /* A key naming nothing in the GraphDef: TensorFlow's words, nothing added. */
    tact_input_mapping_t bad[] = { { "zz:0", c } };
    tact_import_options_t ob = { .input_map = bad, .n_input_map = 1 };
    import_text_fails(g, "node { name: 'a' op: 'NoOp' }", &ob, TACT_CODE_INVALID_ARGUMENT,
                      "node 'zz' in input_map does not exist in graph (input_map entry: "
                      "zz:0->my_input:0)");
    /* A mapped output of another dtype than the node expects. */
    tact_output_t ci = tu_const_i32(g, DIMS(5, 4), 2, (const int32_t[20]) { 0 }, "ints", &st);
    tact_input_mapping_t wrong[] = { { "input", ci } };
    tact_import_options_t ow = { .input_map = wrong, .n_input_map = 1 };
    size_t len;
    void *pb = read_data("frozen_mlp.pb", &len);
    int before = tact_graph_num_ops(g);
    assert_int_equal(tact_graph_import(g, pb, len, &ow, &st), TACT_CODE_INVALID_ARGUMENT);
    assert_string_equal(st.msg, "Input 0 of node MatMul was passed int32 from ints:0 "
                                "incompatible with expected float.");
    assert_int_equal(tact_graph_num_ops(g), before);
    free(pb);
    tact_tensor_destroy(&xin);
    tact_graph_destroy(&g);
}

/* A node's own device is kept; the default device fills the fields it leaves open. */
static void test_default_device(void **state)
{
    (void) state;
    tact_graph_t *g = tact_graph_new();
    tact_import_options_t o = { .prefix = "q", .default_device = "/gpu:0" };
    import_text_ok(g,
                   "node { name: 'c' op: 'NoOp' device: '/cpu:0' }\n"
                   "node { name: 'd' op: 'NoOp' device: '/job:w' }\n"
                   "node { name: 'e' op: 'NoOp' }", &o);
    assert_string_equal(tact_op_device(tact_graph_op(g, "q/c")), "/device:CPU:0");
    assert_string_equal(tact_op_device(tact_graph_op(g, "q/d")), "/job:w/device:GPU:0");
    assert_string_equal(tact_op_device(tact_graph_op(g, "q/e")), "/device:GPU:0");
    import_text_ok(g, "node { name: 'f' op: 'NoOp' device: '/device:CPU:0' }", NULL);
    import_text_ok(g, "node { name: 'h' op: 'NoOp' }", NULL);
    assert_string_equal(tact_op_device(tact_graph_op(g, "f")), "/device:CPU:0");
    assert_string_equal(tact_op_device(tact_graph_op(g, "h")), "");
    /* The caller's device scopes apply too, under the node's and the default's fields. */
    tact_status_t st = TACT_STATUS_INIT;
    assert_int_equal(tact_graph_push_device(g, "/job:x/cpu:0", &st), TACT_CODE_OK);
    import_text_ok(g, "node { name: 'k' op: 'NoOp' device: '/gpu:1' }", NULL);
    tact_graph_pop_device(g);
    assert_string_equal(tact_op_device(tact_graph_op(g, "k")), "/job:x/device:GPU:1");
    import_text_fails(g, "node { name: 'z' op: 'NoOp' device: '/cpu:x' }", NULL,
                      TACT_CODE_INVALID_ARGUMENT,
                      "Node 'z': Malformed device specification '/cpu:x'");
    tact_graph_destroy(&g);
}

/* Control inputs become the op's control inputs; nodes may come in any order. */
static void test_control_inputs_any_order(void **state)
{
    (void) state;
    tact_graph_t *g = tact_graph_new();
    import_text_ok(g,
                   "node { name: 'y' op: 'Neg' input: 'x' input: '^init' "
                   "  attr { key: 'T' value { type: DT_FLOAT } } }\n"
                   "node { name: 'x' op: 'Const' input: '^init' attr { key: 'dtype' value { type: "
                   "DT_FLOAT } } attr { key: 'value' value { tensor { dtype: DT_FLOAT "
                   "tensor_shape { dim { size: 3 } } float_val: [1, 2] } } } }\n"
                   "node { name: 'init' op: 'NoOp' }", NULL);
    tact_op_t *y = tact_graph_op(g, "y"), *x = tact_graph_op(g, "x");
    tact_op_t *init = tact_graph_op(g, "init");
    assert_true(init->id < x->id && x->id < y->id);
    assert_int_equal(y->n_controls, 1);
    assert_ptr_equal(y->controls[0], init);
    assert_ptr_equal(x->controls[0], init);
    /* float_val [1, 2] fills shape [3] by repeating the last value: TensorFlow's rule. */
    tact_session_t *s = tu_session(g, NULL);
    tact_status_t st = TACT_STATUS_INIT;
    tact_tensor_t *r = tu_run1(s, (tact_output_t) { y, 0 }, NULL, 0, &st);
    assert_true(tu_f32_equal(r, DIMS(3), 1, (const float[]) { -1, -2, -2 }));
    tact_tensor_destroy(&r);
    tact_session_destroy(&s);
    tact_graph_destroy(&g);
}

/* VariableV2 with its "<v>/Assign" joins the variables collection, so the initializer runs. */
static void test_variables(void **state)
{
    (void) state;
    tact_graph_t *g = tact_graph_new();
    import_text_ok(g,
        "node { name: 'v' op: 'VariableV2' attr { key: 'dtype' value { type: DT_FLOAT } }"
        "  attr { key: 'shape' value { shape { dim { size: 2 } } } } }\n"
        "node { name: 'v/initial_value' op: 'Const' attr { key: 'dtype' value { type: DT_FLOAT }"
        " } attr { key: 'value' value { tensor { dtype: DT_FLOAT tensor_shape { dim { size: 2 } "
        "} float_val: [3, 4] } } } }\n"
        "node { name: 'v/Assign' op: 'Assign' input: 'v' input: 'v/initial_value' "
        "  attr { key: 'T' value { type: DT_FLOAT } } }\n"
        "node { name: 'v/read' op: 'Identity' input: 'v' attr { key: 'T' value { type: DT_FLOAT "
        "} } }\n"
        "node { name: 'bump' op: 'AssignAdd' input: 'v' input: 'v/initial_value' "
        "  attr { key: 'T' value { type: DT_FLOAT } } }", NULL);
    tact_status_t st = TACT_STATUS_INIT;
    tact_op_t *init = tact_global_variables_initializer(g, &st);
    assert_non_null(init);
    tact_session_t *s = tu_session(g, NULL);
    tu_run_op(s, init);
    tact_tensor_t *r = tu_run1(s, tact_graph_output(g, "bump:0", &st), NULL, 0, &st);
    assert_true(tu_f32_equal(r, DIMS(2), 1, (const float[]) { 6, 8 }));
    tact_tensor_destroy(&r);
    r = tu_run1(s, tact_graph_output(g, "v/read:0", &st), NULL, 0, &st);
    assert_true(tu_f32_equal(r, DIMS(2), 1, (const float[]) { 6, 8 }));
    tact_tensor_destroy(&r);
    tact_session_destroy(&s);

    /* Exported and imported again (TensorFlow's VariableV2 and Assign attrs), it still runs. */
    void *data = NULL;
    size_t len = 0;
    assert_int_equal(tact_graph_export(g, &data, &len, &st), TACT_CODE_OK);
    tact_graph_t *g2 = tact_graph_new();
    assert_int_equal(tact_graph_import(g2, data, len, NULL, &st), TACT_CODE_OK);
    free(data);
    if (getenv("TACT_WRITE_FIXTURES") != NULL) {  /* for make_graphdef_fixtures.py --check */
        char path[512];
        data_path(path, sizeof path, "tact_exported_vars.pbtxt");
        assert_int_equal(tact_graph_export_file(g2, path, true, &st), TACT_CODE_OK);
    }
    tact_op_t *init2 = tact_global_variables_initializer(g2, &st);
    assert_non_null(init2);
    s = tu_session(g2, NULL);
    tu_run_op(s, init2);
    r = tu_run1(s, tact_graph_output(g2, "bump:0", &st), NULL, 0, &st);
    assert_true(tu_f32_equal(r, DIMS(2), 1, (const float[]) { 6, 8 }));
    tact_tensor_destroy(&r);
    tact_session_destroy(&s);
    tact_graph_destroy(&g2);
    tact_graph_destroy(&g);
}

/* Const values of every dtype tact has, from the typed fields (the last value repeated) and
 * from tensor_content; exported and imported again, the same tensors. */
static void test_const_dtypes(void **state)
{
    (void) state;
#define CONST_T(name, dt, shape, vals)                                                       \
    "node { name: '" name "' op: 'Const' attr { key: 'dtype' value { type: " dt " } } "      \
    "attr { key: 'value' value { tensor { dtype: " dt " tensor_shape { " shape " } " vals    \
    " } } } }\n"
    const char *text =
        CONST_T("d", "DT_DOUBLE", "dim { size: 3 }", "double_val: [0.5, -1e300]")
        CONST_T("i64", "DT_INT64", "dim { size: 2 }", "int64_val: -9000000000")
        CONST_T("b", "DT_BOOL", "dim { size: 3 }", "bool_val: [true, false]")
        CONST_T("s", "DT_STRING", "dim { size: 3 }", "string_val: ['a\\000b', 'cd']")
        CONST_T("i32", "DT_INT32", "dim { size: 2 }",
                "tensor_content: '\\001\\000\\000\\000\\377\\377\\377\\377'")
        CONST_T("z", "DT_FLOAT", "dim { size: 2 } dim { size: 0 }", "");
#undef CONST_T
    tact_graph_t *g = tact_graph_new();
    import_text_ok(g, text, NULL);
    for (int round = 0; round < 2; round++) {
        const tact_tensor_t *d = tact_graph_op(g, "d")->attrs.value;
        assert_int_equal(tact_tensor_dtype(d), TACT_DTYPE_F64);
        const double *dv = tact_tensor_data(d);
        assert_true(dv[0] == 0.5 && dv[1] == -1e300 && dv[2] == -1e300);
        const int64_t *iv = tact_tensor_data(tact_graph_op(g, "i64")->attrs.value);
        assert_true(iv[0] == -9000000000LL && iv[1] == -9000000000LL);
        const bool *bv = tact_tensor_data(tact_graph_op(g, "b")->attrs.value);
        assert_true(bv[0] && !bv[1] && !bv[2]);
        const tact_tensor_t *sv = tact_graph_op(g, "s")->attrs.value;
        size_t len = 0;
        assert_memory_equal(tact_tensor_string(sv, 0, &len), "a\0b", 3);
        assert_int_equal(len, 3);
        assert_string_equal(tact_tensor_string(sv, 2, NULL), "cd");
        const int32_t *i32 = tact_tensor_data(tact_graph_op(g, "i32")->attrs.value);
        assert_true(i32[0] == 1 && i32[1] == -1);
        const tact_tensor_t *z = tact_graph_op(g, "z")->attrs.value;
        assert_int_equal(tact_tensor_nelems(z), 0);
        assert_int_equal(tact_tensor_dim(z, 0), 2);
        /* Round two: the same after an export and an import. */
        void *data = NULL;
        size_t n = 0;
        tact_status_t st = TACT_STATUS_INIT;
        assert_int_equal(tact_graph_export(g, &data, &n, &st), TACT_CODE_OK);
        tact_graph_destroy(&g);
        g = tact_graph_new();
        assert_int_equal(tact_graph_import(g, data, n, NULL, &st), TACT_CODE_OK);
        free(data);
    }
    tact_graph_destroy(&g);
}

/* TensorFlow's queues and readers: FIFOQueueV2 with its ops (dequeue_many's n a Const input),
 * a TextLineReaderV2 reading a file named through a fed queue of file names; then exported and
 * imported again. The values are those TensorFlow gives for the same graph. */
static void run_queue_graph(tact_graph_t *g)
{
    tact_status_t st = TACT_STATUS_INIT;
    tact_session_t *s = tu_session(g, NULL);
    tu_run_op(s, tact_graph_op(g, "enq"));
    tact_tensor_t *a = tu_run1(s, tact_graph_output(g, "deq:0", &st), NULL, 0, &st);
    assert_true(tu_f32_equal(a, DIMS(2, 2), 2, (const float[]) { 1, 2, 3, 4 }));
    tact_tensor_destroy(&a);
    tact_tensor_t *size = tu_run1(s, tact_graph_output(g, "size:0", &st), NULL, 0, &st);
    assert_int_equal(*(const int32_t *) tact_tensor_data(size), 1);
    tact_tensor_destroy(&size);

    char path[512];
    data_path(path, sizeof path, "lines.txt");
    const char *paths[] = { path };
    tact_tensor_t *pt = tact_tensor_new_strings(DIMS(1), 1, paths, NULL, &st);
    tact_feed_t feed = { tact_graph_output(g, "paths:0", &st), pt };
    tact_op_t *enq = tact_graph_op(g, "files_enq");
    assert_int_equal(tact_session_run(s, NULL, 0, NULL, &feed, 1, &enq, 1, &st), TACT_CODE_OK);
    tu_run_op(s, tact_graph_op(g, "files_close"));
    tact_output_t kv[2] = { tact_graph_output(g, "read:0", &st),
                            tact_graph_output(g, "read:1", &st) };
    tact_tensor_t *r[2] = { NULL, NULL };
    assert_int_equal(tact_session_run(s, kv, 2, r, NULL, 0, NULL, 0, &st), TACT_CODE_OK);
    char want[600];
    snprintf(want, sizeof want, "%s:2", path);  /* the header line skipped */
    assert_string_equal(tact_tensor_string(r[0], 0, NULL), want);
    assert_string_equal(tact_tensor_string(r[1], 0, NULL), "first");
    tact_tensor_destroy(&r[0]);
    tact_tensor_destroy(&r[1]);
    tact_tensor_destroy(&pt);
    tact_session_destroy(&s);
}

/* The saver's ops: attrs in and out (a round trip keeps them), and NodeDefs whose attrs
 * disagree with their inputs refused by name. */
static void test_saver_op_attrs(void **state)
{
    (void) state;
    tact_graph_t *g = tact_graph_new();
    import_text_ok(g,
                   "node { name: 'p' op: 'Const' attr { key: 'dtype' value { type: DT_STRING } }"
                   "  attr { key: 'value' value { tensor { dtype: DT_STRING tensor_shape {}"
                   "  string_val: 'model' } } } }\n"
                   "node { name: 'f' op: 'PlaceholderWithDefault' input: 'p'"
                   "  attr { key: 'dtype' value { type: DT_STRING } }"
                   "  attr { key: 'shape' value { shape {} } } }\n"
                   "node { name: 'm' op: 'StaticRegexFullMatch' input: 'f'"
                   "  attr { key: 'pattern' value { s: '^s3://.*' } } }\n"
                   "node { name: 'j' op: 'StringJoin' input: 'f' input: 'p'"
                   "  attr { key: 'N' value { i: 2 } }"
                   "  attr { key: 'separator' value { s: '/' } } }\n"
                   "node { name: 's' op: 'Select' input: 'm' input: 'f' input: 'j'"
                   "  attr { key: 'T' value { type: DT_STRING } } }\n"
                   "node { name: 'k' op: 'Pack' input: 's' input: 'j'"
                   "  attr { key: 'N' value { i: 2 } } attr { key: 'axis' value { i: 0 } }"
                   "  attr { key: 'T' value { type: DT_STRING } } }\n"
                   "node { name: 'g' op: 'MergeV2Checkpoints' input: 'k' input: 'p'"
                   "  attr { key: 'delete_old_dirs' value { b: false } } }\n",
                   NULL);
    tact_status_t st = TACT_STATUS_INIT;
    tact_session_t *s = tu_session(g, NULL);
    tact_tensor_t *v = tu_run1(s, tact_graph_output(g, "s:0", &st), NULL, 0, &st);
    assert_int_equal(st.code, TACT_CODE_OK);
    assert_string_equal(tact_tensor_string(v, 0, NULL), "model/model");  /* no s3:// match */
    tact_tensor_destroy(&v);
    tact_session_destroy(&s);
    tact_op_t *merge = tact_graph_op(g, "g");
    assert_false(merge->attrs.delete_old_dirs);
    assert_false(merge->attrs.allow_missing_files);
    assert_string_equal(tact_graph_op(g, "j")->attrs.text, "/");
    assert_int_equal(tact_graph_op(g, "k")->attrs.n_list, 2);

    /* Export and import again: the same attrs. */
    void *data = NULL;
    size_t len = 0;
    assert_int_equal(tact_graph_export(g, &data, &len, &st), TACT_CODE_OK);
    tact_graph_t *g2 = tact_graph_new();
    assert_int_equal(tact_graph_import(g2, data, len, NULL, &st), TACT_CODE_OK);
    free(data);
    assert_false(tact_graph_op(g2, "g")->attrs.delete_old_dirs);
    assert_string_equal(tact_graph_op(g2, "j")->attrs.text, "/");
    assert_string_equal(tact_graph_op(g2, "m")->attrs.text, "^s3://.*");
    assert_int_equal(tact_graph_op(g2, "k")->attrs.n_list, 2);
    assert_int_equal(tact_graph_op(g2, "f")->attrs.dtype, TACT_DTYPE_STRING);
    tact_graph_destroy(&g2);

    /* Attrs that disagree with the inputs. */
#define P_NODE "node { name: 'p' op: 'Const' attr { key: 'dtype' value { type: DT_STRING } }" \
               "  attr { key: 'value' value { tensor { dtype: DT_STRING tensor_shape {}" \
               "  string_val: 'model' } } } }\n"
    import_text_fails(g,
                      "node { name: 'r' op: 'RestoreV2' input: 'p' input: 'p' input: 'p' }",
                      NULL, TACT_CODE_INVALID_ARGUMENT,
                      "NodeDef missing attr 'dtypes' from Op<name=RestoreV2>; NodeDef: {{node "
                      "r}}");
    import_text_fails(g, P_NODE
                      "node { name: 'sv' op: 'SaveV2' input: 'p' input: 'p' input: 'p' "
                      "input: 'p' attr { key: 'dtypes' value { list { type: DT_FLOAT "
                      "type: DT_FLOAT } } } }",
                      NULL, TACT_CODE_INVALID_ARGUMENT,
                      "Node 'sv': SaveV2 takes 5 inputs (by its attributes), but the NodeDef "
                      "has 4");
    import_text_fails(g, P_NODE
                      "node { name: 'j2' op: 'StringJoin' input: 'p' "
                      "attr { key: 'N' value { i: 3 } } }",
                      NULL, TACT_CODE_INVALID_ARGUMENT,
                      "Node 'j2': StringJoin takes 3 inputs (by its attributes), but the "
                      "NodeDef has 1");
    tact_graph_destroy(&g);
}

static void test_queues_and_readers(void **state)
{
    (void) state;
    tact_graph_t *g = tact_graph_new();
    import_ok(g, "queue.pbtxt", NULL);
    tact_op_t *deq = tact_graph_op(g, "deq");
    assert_int_equal(deq->attrs.n, 2);
    assert_ptr_equal(deq->attrs.const_inputs[0], tact_graph_op(g, "deq/n"));
    assert_int_equal(tact_op_num_outputs(deq), 2);
    run_queue_graph(g);

    tact_status_t st = TACT_STATUS_INIT;
    void *data = NULL;
    size_t len = 0;
    assert_int_equal(tact_graph_export(g, &data, &len, &st), TACT_CODE_OK);
    tact_graph_t *g2 = tact_graph_new();
    assert_int_equal(tact_graph_import(g2, data, len, NULL, &st), TACT_CODE_OK);
    assert_int_equal(tact_graph_num_ops(g2), tact_graph_num_ops(g));
    run_queue_graph(g2);
    free(data);
    if (getenv("TACT_WRITE_FIXTURES") != NULL) {  /* for make_graphdef_fixtures.py --check */
        char path[512];
        data_path(path, sizeof path, "tact_exported_queue.pbtxt");
        assert_int_equal(tact_graph_export_file(g2, path, true, &st), TACT_CODE_OK);
    }

    /* An enqueue with the wrong number of components, and a dequeue of something else. */
    import_text_fails(g2, "node { name: 'e2' op: 'QueueEnqueueV2' input: 'q' }", NULL,
                      TACT_CODE_INVALID_ARGUMENT,
                      "Node 'e2': Unknown input node 'q'");
    tact_import_options_t o = { .input_map = (tact_input_mapping_t[]) {
                                    { "q:0", tact_graph_output(g2, "q:0", &st) } },
                                .n_input_map = 1 };
    import_text_fails(g2, "node { name: 'q' op: 'NoOp' }\n"
                      "node { name: 'e2' op: 'QueueEnqueueV2' input: 'q' input: 'q' }", &o,
                      TACT_CODE_INVALID_ARGUMENT,
                      "Node 'e2': QueueEnqueueV2 of a queue of 2 components takes 3 inputs, but "
                      "the NodeDef has 2");
    import_text_fails(g2, "node { name: 'n' op: 'NoOp' }\n"
                      "node { name: 'd' op: 'QueueDequeueV2' input: 'n' }", NULL,
                      TACT_CODE_INVALID_ARGUMENT,
                      "Node 'd': input 0 of QueueDequeueV2 must be a queue (FIFOQueueV2)");
    tact_graph_destroy(&g2);
    tact_graph_destroy(&g);
}

/* ------------------------------------------------------------------------------------------ */
/* Errors: TensorFlow's words, and the graph unchanged                                        */
/* ------------------------------------------------------------------------------------------ */

#define CONST_F(name, shape, vals)                                                           \
    "node { name: '" name "' op: 'Const' attr { key: 'dtype' value { type: DT_FLOAT } } "    \
    "attr { key: 'value' value { tensor { dtype: DT_FLOAT tensor_shape { " shape " } "       \
    vals " } } } }\n"

static void test_errors(void **state)
{
    (void) state;
    tact_graph_t *g = tact_graph_new();
    import_ok(g, "frozen_mlp.pb", NULL);  /* errors must leave these 15 ops alone */
    const char *ok_nodes = CONST_F("k1", "", "float_val: 1") CONST_F("k2", "", "float_val: 2");
    char text[2048];

    snprintf(text, sizeof text, "%snode { name: 'f' op: 'Foo' input: 'k1' }", ok_nodes);
    import_text_fails(g, text, NULL, TACT_CODE_NOT_FOUND,
                      "Op type not registered 'Foo' in binary running on tact (node 'f'). Make "
                      "sure the Op is one tact imports.");
    snprintf(text, sizeof text, "%snode { name: 'a' op: 'Identity' input: 'b' attr { key: 'T' "
             "value { type: DT_FLOAT } } }", ok_nodes);
    import_text_fails(g, text, NULL, TACT_CODE_INVALID_ARGUMENT,
                      "Node 'a': Unknown input node 'b'");
    import_text_fails(g, "node { name: 'a' op: 'NoOp' input: '^zz' }", NULL,
                      TACT_CODE_INVALID_ARGUMENT, "Node 'a': Unknown input node '^zz'");
    snprintf(text, sizeof text, "%s%snode { name: 'c' op: 'Add' input: 'k1' input: 'i' attr { "
             "key: 'T' value { type: DT_FLOAT } } }", ok_nodes,
             "node { name: 'i' op: 'Const' attr { key: 'dtype' value { type: DT_INT32 } } attr "
             "{ key: 'value' value { tensor { dtype: DT_INT32 tensor_shape {} int_val: 1 } } } "
             "}\n");
    import_text_fails(g, text, NULL, TACT_CODE_INVALID_ARGUMENT,
                      "Input 1 of node c was passed int32 from i:0 incompatible with expected "
                      "float.");
    snprintf(text, sizeof text, "%snode { name: 'c' op: 'MatMul' input: 'm' input: 'm' attr { "
             "key: 'T' value { type: DT_FLOAT } } }",
             CONST_F("m", "dim { size: 2 } dim { size: 3 }", "float_val: 1"));
    import_text_fails(g, text, NULL, TACT_CODE_INVALID_ARGUMENT,
                      "Dimensions must be equal, but are 3 and 2 for 'c' (op: 'MatMul') with "
                      "input shapes: [2,3], [2,3].");
    import_text_fails(g,
                      "node { name: 'a' op: 'Identity' input: 'b' attr { key: 'T' value { type: "
                      "DT_FLOAT } } }\nnode { name: 'b' op: 'Identity' input: 'a' attr { key: "
                      "'T' value { type: DT_FLOAT } } }", NULL, TACT_CODE_INVALID_ARGUMENT,
                      "2 nodes in a cycle");
    import_text_fails(g, "node { name: 'a' op: 'Identity' input: 'a' }", NULL,
                      TACT_CODE_INVALID_ARGUMENT,
                      "NodeDef missing attr 'T' from Op<name=Identity>; NodeDef: {{node a}}");
    import_text_fails(g, "node { name: 'a' op: 'NoOp' } node { name: 'a' op: 'NoOp' }", NULL,
                      TACT_CODE_INVALID_ARGUMENT, "Node 'a' is not unique");
    snprintf(text, sizeof text, "%snode { name: 'b' op: 'Identity' input: 'k1:3' attr { key: "
             "'T' value { type: DT_FLOAT } } }", ok_nodes);
    import_text_fails(g, text, NULL, TACT_CODE_INVALID_ARGUMENT,
                      "Node 'b': Connecting to invalid output 3 of source node k1 which has 1 "
                      "outputs.");
    import_text_fails(g,
                      "node { name: 'x' op: 'Placeholder' attr { key: 'dtype' value { type: "
                      "DT_FLOAT } } }\nnode { name: 'i' op: 'Placeholder' attr { key: 'dtype' "
                      "value { type: DT_FLOAT } } }\nnode { name: 's' op: 'Sum' input: 'x' "
                      "input: 'i' attr { key: 'T' value { type: DT_FLOAT } } }", NULL,
                      TACT_CODE_INVALID_ARGUMENT,
                      "Value passed to parameter 'reduction_indices' has DataType float32 not "
                      "in list of allowed values: int32, int64 for 's' (op: 'Sum')");
    /* A Const claiming a huge shape with four bytes: refused before anything is allocated. */
    import_text_fails(g, CONST_F("big", "dim { size: 1000000000000 }", "tensor_content: 'abcd'"),
                      NULL, TACT_CODE_INVALID_ARGUMENT,
                      "Node 'big': tensor_content has 4 bytes, but a float tensor of shape "
                      "[1000000000000] needs 4000000000000");
    import_text_fails(g, CONST_F("big", "dim { size: 1000000000000 }", "float_val: 1"), NULL,
                      TACT_CODE_INVALID_ARGUMENT,
                      "Node 'big': 1 values would fill a float tensor of shape [1000000000000] "
                      "(4000000000000 bytes); tact expands at most 67108864 bytes");
    import_text_fails(g, CONST_F("neg", "dim { size: -3 }", "float_val: 1"), NULL,
                      TACT_CODE_INVALID_ARGUMENT, "Node 'neg': shape has a negative dimension -3");
    import_text_fails(g, "node { name: 'a' op: 'Add' input: 'x' }", NULL,
                      TACT_CODE_INVALID_ARGUMENT,
                      "NodeDef missing attr 'T' from Op<name=Add>; NodeDef: {{node a}}");
    snprintf(text, sizeof text, "%snode { name: 'a' op: 'Neg' input: 'k1' input: 'k2' attr { "
             "key: 'T' value { type: DT_FLOAT } } }", ok_nodes);
    import_text_fails(g, text, NULL, TACT_CODE_INVALID_ARGUMENT,
                      "Node 'a': Neg takes 1 inputs, but the NodeDef has more");
    import_text_fails(g, "node { name: 'a' op: 'NoOp' attr { key: 'T' value { i: 3 } } }\n"
                      "node { name: 'a b' op: 'NoOp' }", NULL, TACT_CODE_INVALID_ARGUMENT,
                      "Node 'a b': 'a b' is not a valid node name");
    tact_graph_destroy(&g);
}

/* BiasAdd is run as an Add, with TensorFlow's own checks on top (TensorFlow 2.21 printed each
 * message: the shape function's when shapes are known, bias_op.cc's when run) and written back
 * as a BiasAdd. */
#define BIAS_PH(name)                                                                            \
    "node { name: '" name "' op: 'Placeholder' attr { key: 'dtype' value { type: DT_FLOAT } } }\n"
#define BIAS_ADD(x, b)                                                                           \
    "node { name: 'ba' op: 'BiasAdd' input: '" x "' input: '" b "' attr { key: 'T' value { "    \
    "type: DT_FLOAT } } attr { key: 'data_format' value { s: 'NHWC' } } }\n"

static void bias_add_run_fails(const float *xv, const int64_t *xd, int xn, const float *bv,
                               const int64_t *bd, int bn, const char *msg)
{
    tact_graph_t *g = tact_graph_new();
    import_text_ok(g, BIAS_PH("x") BIAS_PH("b") BIAS_ADD("x", "b"), NULL);
    tact_status_t st = TACT_STATUS_INIT;
    tact_tensor_t *x = tu_f32(xd, xn, xv), *b = tu_f32(bd, bn, bv), *y = NULL;
    tact_feed_t feeds[2] = { { tact_graph_output(g, "x:0", &st), x },
                             { tact_graph_output(g, "b:0", &st), b } };
    tact_output_t fetch = tact_graph_output(g, "ba:0", &st);
    tact_session_t *s = tu_session(g, NULL);
    tact_code_t rc = tact_session_run(s, &fetch, 1, &y, feeds, 2, NULL, 0, &st);
    if (msg == NULL) {
        if (rc != TACT_CODE_OK)
            fail_msg("%s", st.msg);
        const float want[] = { 1, 3, 5, 3, 5, 7 };
        assert_true(tu_f32_equal(y, xd, xn, want));
    } else {
        if (rc != TACT_CODE_INVALID_ARGUMENT)
            fail_msg("rc %d, want \"%s\"", (int) rc, msg);
        assert_true(tu_contains(st.msg, msg));
    }
    tact_tensor_destroy(&y);
    tact_tensor_destroy(&x);
    tact_tensor_destroy(&b);
    tact_session_destroy(&s);
    tact_graph_destroy(&g);
}

static void test_bias_add_checks(void **state)
{
    (void) state;
    tact_graph_t *g = tact_graph_new();
    import_text_fails(g, CONST_F("x", "dim { size: 3 }", "float_val: 1")
                         CONST_F("b", "dim { size: 3 }", "float_val: 1") BIAS_ADD("x", "b"),
                      NULL, TACT_CODE_INVALID_ARGUMENT,
                      "Shape must be at least rank 2 but is rank 1 for 'ba' (op: 'Add') with "
                      "input shapes: [3], [3].");
    import_text_fails(g, CONST_F("x", "dim { size: 2 } dim { size: 3 }", "float_val: 1")
                         CONST_F("b", "dim { size: 3 } dim { size: 1 }", "float_val: 1")
                         BIAS_ADD("x", "b"),
                      NULL, TACT_CODE_INVALID_ARGUMENT,
                      "Shape must be rank 1 but is rank 2 for 'ba' (op: 'Add') with input "
                      "shapes: [2,3], [3,1].");
    import_text_fails(g, CONST_F("x", "dim { size: 2 } dim { size: 3 }", "float_val: 1")
                         CONST_F("b", "dim { size: 4 }", "float_val: 1") BIAS_ADD("x", "b"),
                      NULL, TACT_CODE_INVALID_ARGUMENT,
                      "Dimensions must be equal, but are 3 and 4 for 'ba' (op: 'Add') with "
                      "input shapes: [2,3], [4].");
    tact_graph_destroy(&g);

    const float xv[] = { 1, 2, 3, 3, 4, 5 }, bv[] = { 0, 1, 2, 3 };
    bias_add_run_fails(xv, (int64_t[]) { 3 }, 1, bv, (int64_t[]) { 3 }, 1,
                       "Input tensor must be at least 2D: [3]");
    bias_add_run_fails(xv, (int64_t[]) { 2, 3 }, 2, bv, (int64_t[]) { 3, 1 }, 2,
                       "Biases must be 1D: [3,1]");
    bias_add_run_fails(xv, (int64_t[]) { 2, 3 }, 2, bv, (int64_t[]) { 4 }, 1,
                       "Must provide as many biases as the last dimension of the input tensor: "
                       "[4] vs. [2,3]");
    bias_add_run_fails(xv, (int64_t[]) { 2, 3 }, 2, bv, (int64_t[]) { 3 }, 1, NULL);

    /* Exported as the BiasAdd it was. */
    g = tact_graph_new();
    import_text_ok(g, BIAS_PH("x") BIAS_PH("b") BIAS_ADD("x", "b"), NULL);
    tact_status_t st = TACT_STATUS_INIT;
    void *data = NULL;
    size_t len = 0;
    assert_int_equal(tact_graph_export(g, &data, &len, &st), TACT_CODE_OK);
    assert_non_null(memmem(data, len, "BiasAdd", 7));
    assert_non_null(memmem(data, len, "data_format", 11));
    free(data);
    tact_graph_destroy(&g);
}

static void test_file_and_buffer_errors(void **state)
{
    (void) state;
    tact_graph_t *g = tact_graph_new();
    tact_status_t st = TACT_STATUS_INIT;
    assert_int_equal(tact_graph_import_file(g, "/nonexistent/model.pb", NULL, &st),
                     TACT_CODE_NOT_FOUND);
    assert_string_equal(st.msg, "/nonexistent/model.pb; No such file or directory");
    st = (tact_status_t) TACT_STATUS_INIT;
    assert_int_equal(tact_graph_import_file(g, TACT_TEST_DATA_DIR, NULL, &st),
                     TACT_CODE_FAILED_PRECONDITION);
    assert_string_equal(st.msg, TACT_TEST_DATA_DIR "; Is a directory");
    st = (tact_status_t) TACT_STATUS_INIT;
    assert_int_equal(tact_graph_import(g, "\xff\xff\xff", 3, NULL, &st),
                     TACT_CODE_INVALID_ARGUMENT);
    assert_string_equal(st.msg, "Invalid GraphDef: 3 bytes are not a serialized "
                                "tensorflow.GraphDef");
    assert_int_equal(tact_graph_num_ops(g), 0);
    /* An empty buffer is an empty GraphDef, as in TensorFlow. */
    st = (tact_status_t) TACT_STATUS_INIT;
    assert_int_equal(tact_graph_import(g, NULL, 0, NULL, &st), TACT_CODE_OK);
    /* A text file with an error names the file and the line. */
    char path[] = "/tmp/tact_graphdef_XXXXXX";
    int fd = mkstemp(path);
    const char *text = "node {\n  name: 'a'\n  op: 'NoOp'\n  colour: 3\n}\n";
    assert_int_equal(write(fd, text, strlen(text)), (ssize_t) strlen(text));
    close(fd);
    assert_int_equal(tact_graph_import_file(g, path, NULL, &st), TACT_CODE_INVALID_ARGUMENT);
    char want[300];
    snprintf(want, sizeof want, "%s: tensorflow.GraphDef text format, line 4 column 9: message "
             "tensorflow.NodeDef has no field named 'colour'", path);
    assert_string_equal(st.msg, want);
    unlink(path);
    assert_int_equal(tact_graph_num_ops(g), 0);
    tact_graph_destroy(&g);
}

/* Every truncation of TensorFlow's binary file and seeded bit flips: a status or a graph,
 * never a crash, an abort or a leak (run under ASan and valgrind). */
static void test_truncated_and_flipped(void **state)
{
    (void) state;
    size_t len;
    unsigned char *pb = read_data("frozen_mlp.pb", &len);
    unsigned char *buf = malloc(len);
    int ok = 0, failed = 0;
    for (size_t cut = 0; cut < len; cut++) {
        tact_graph_t *g = tact_graph_new();
        tact_status_t st = TACT_STATUS_INIT;
        tact_code_t rc = tact_graph_import(g, pb, cut, NULL, &st);
        if (rc == TACT_CODE_OK) {
            ok++;
        } else {
            failed++;
            assert_int_equal(tact_graph_num_ops(g), 0);
            assert_true(st.msg[0] != '\0');
        }
        tact_graph_destroy(&g);
    }
    assert_true(failed > (int) len / 2);
    assert_true(ok >= 1);  /* cut 0: the empty GraphDef */
    uint64_t seed = 0x9e3779b97f4a7c15u;
    for (int round = 0; round < 2000; round++) {
        memcpy(buf, pb, len);
        int flips = 1 + round % 3;
        for (int k = 0; k < flips; k++) {
            seed = seed * 6364136223846793005u + 1442695040888963407u;
            size_t bit = (size_t) (seed >> 33) % (len * 8);
            buf[bit / 8] ^= (unsigned char) (1u << (bit % 8));
        }
        tact_graph_t *g = tact_graph_new();
        tact_status_t st = TACT_STATUS_INIT;
        if (tact_graph_import(g, buf, len, NULL, &st) != TACT_CODE_OK)
            assert_int_equal(tact_graph_num_ops(g), 0);
        tact_graph_destroy(&g);
    }
    free(buf);
    free(pb);
}

/* Seeded edits of TensorFlow's text file, a digit for a digit and a letter for a letter: most
 * still parse, so the import itself meets odd names, op types, dtypes, shapes, values and
 * wiring. Each gives a graph or a status with the graph unchanged. */
static void test_mutated_text(void **state)
{
    (void) state;
    size_t len;
    char *text = read_data("ops.pbtxt", &len);
    char *buf = malloc(len + 1);
    uint64_t seed = 12345;
    int parsed = 0, imported = 0;
    for (int round = 0; round < 1500; round++) {
        memcpy(buf, text, len + 1);
        for (int k = 0; k < 1 + round % 2;) {
            seed = seed * 6364136223846793005u + 1442695040888963407u;
            char *c = &buf[(seed >> 33) % len];
            int r = (int) ((seed >> 20) % 26);
            if (isdigit((unsigned char) *c))
                *c = (char) ('0' + r % 10);
            else if (isupper((unsigned char) *c))
                *c = (char) ('A' + r);
            else if (islower((unsigned char) *c))
                *c = (char) ('a' + r);
            else
                continue;
            k++;
        }
        tact_status_t st = TACT_STATUS_INIT;
        Tensorflow__GraphDef *gd = (Tensorflow__GraphDef *) tact__text_format_parse(
            &tensorflow__graph_def__descriptor, buf, len, &st);
        if (gd == NULL) {
            assert_int_equal(st.code, TACT_CODE_INVALID_ARGUMENT);
            continue;
        }
        parsed++;
        tact_graph_t *g = tact_graph_new();
        if (tact__graphdef_import(g, gd, NULL, &st) == TACT_CODE_OK)
            imported++;
        else
            assert_int_equal(tact_graph_num_ops(g), 0);
        tact_graph_destroy(&g);
        protobuf_c_message_free_unpacked(&gd->base, NULL);
    }
    assert_true(parsed > 250 && imported > 80 && imported < parsed);  /* 327 and 114 */
    free(buf);
    free(text);
}

/* Prepend a length-delimited field `tag` around buf[*pos..end). */
static void wrap(uint8_t *buf, size_t *pos, size_t end, uint8_t tag)
{
    size_t n = end - *pos;
    uint8_t v[10];
    int k = 0;
    do {
        v[k++] = (uint8_t) ((n & 0x7f) | (n >= 0x80 ? 0x80 : 0));
        n >>= 7;
    } while (n);
    for (int i = k - 1; i >= 0; i--)
        buf[--*pos] = v[i];
    buf[--*pos] = tag;
}

/* Messages nested without end (AttrValue.func -> NameAttrList.attr -> AttrValue ...): refused
 * before protobuf-c's recursive unpack could overflow the stack. */
static void test_deep_nesting_refused(void **state)
{
    (void) state;
    size_t cap = 1 << 20, end = cap, pos = cap;
    uint8_t *buf = malloc(cap);
    for (int i = 0; i < 50000; i++) {
        wrap(buf, &pos, end, 0x12);  /* AttrEntry.value */
        wrap(buf, &pos, end, 0x12);  /* NameAttrList.attr */
        wrap(buf, &pos, end, 0x52);  /* AttrValue.func */
    }
    wrap(buf, &pos, end, 0x12);      /* AttrEntry.value */
    wrap(buf, &pos, end, 0x2a);      /* NodeDef.attr */
    wrap(buf, &pos, end, 0x0a);      /* GraphDef.node */
    tact_graph_t *g = tact_graph_new();
    tact_status_t st = TACT_STATUS_INIT;
    assert_int_equal(tact_graph_import(g, buf + pos, end - pos, NULL, &st),
                     TACT_CODE_INVALID_ARGUMENT);
    assert_string_equal(st.msg, "Invalid GraphDef: messages nested deeper than 100");
    /* 30 levels are fine for the parser (the node then lacks a name). */
    pos = end;
    for (int i = 0; i < 10; i++) {
        wrap(buf, &pos, end, 0x12);
        wrap(buf, &pos, end, 0x12);
        wrap(buf, &pos, end, 0x52);
    }
    wrap(buf, &pos, end, 0x12);
    wrap(buf, &pos, end, 0x2a);
    wrap(buf, &pos, end, 0x0a);
    st = (tact_status_t) TACT_STATUS_INIT;
    assert_int_equal(tact_graph_import(g, buf + pos, end - pos, NULL, &st),
                     TACT_CODE_INVALID_ARGUMENT);
    assert_string_equal(st.msg, "Node '': '' is not a valid node name");
    assert_int_equal(tact_graph_num_ops(g), 0);
    tact_graph_destroy(&g);
    free(buf);
}

/* ------------------------------------------------------------------------------------------ */
/* Export                                                                                     */
/* ------------------------------------------------------------------------------------------ */

/* The MLP built in C, with the ops whose TensorFlow form has Const inputs. */
static tact_graph_t *build_c_graph(void)
{
    tact_graph_t *g = tact_graph_new();
    tact_status_t st = TACT_STATUS_INIT;
    float w1[32], b1[8], w2[24];
    for (int i = 0; i < 32; i++)
        w1[i] = (float) ((i * 7) % 11 - 5) / 7.0f;
    for (int i = 0; i < 8; i++)
        b1[i] = (float) (i % 3) / 10.0f;
    for (int i = 0; i < 24; i++)
        w2[i] = (float) ((i * 5) % 13 - 6) / 9.0f;
    tact_output_t x = tact_placeholder(g, TACT_DTYPE_F32, DIMS(-1, 4), 2, "x", &st);
    tact_output_t h = tact_matmul(g, x, tu_const_f32(g, DIMS(4, 8), 2, w1, "w1", &st), false,
                                  false, NULL, &st);
    h = tact_relu(g, tact_add(g, h, tu_const_f32(g, DIMS(8), 1, b1, "b1", &st), NULL, &st),
                  NULL, &st);
    /* [?, 8] -> [?, 2, 4] -> transpose [?, 4, 2] -> sum over the last axis -> [?, 4] */
    tact_output_t r = tact_reshape(g, h, DIMS(-1, 2, 4), 3, NULL, &st);
    tact_output_t t = tact_transpose(g, r, (const int[]) { 0, 2, 1 }, 3, NULL, &st);
    tact_output_t s = tact_reduce_sum(g, t, (const int[]) { -1 }, 1, false, NULL, &st);
    tact_output_t m = tact_reduce_mean(g, h, NULL, 0, true, NULL, &st);  /* every axis */
    tact_output_t z = tact_subtract(g, tact_cast(g, s, TACT_DTYPE_F64, NULL, &st), tact_cast(g,
                                    m, TACT_DTYPE_F64, NULL, &st), NULL, &st);
    tact_output_t y = tact_softmax(g, tact_matmul(g, tact_cast(g, z, TACT_DTYPE_F32, NULL, &st),
                                                  tu_const_f32(g, DIMS(4, 6), 2, w2, "w2", &st),
                                                  false, false, NULL, &st), "y", &st);
    tact_output_t f = tact_fill(g, TACT_DTYPE_F32, DIMS(2, 2), 2, 0.25, "f", &st);
    /* Random ops with a range or a mean and stddev: TensorFlow writes these as the standard
     * distribution and a Sub, Mul, Add (uniform) or a Mul, Add (normals). */
    tact_set_random_seed(g, 7);
    tact_output_t ru = tact_random_uniform(g, TACT_DTYPE_F32, DIMS(3, 4), 2, 2.0, 5.0, 11, "ru",
                                           &st);
    tact_output_t rn = tact_truncated_normal(g, TACT_DTYPE_F32, DIMS(3, 4), 2, 1.0, 3.0, 12,
                                             "rn", &st);
    tact_add(g, ru, rn, "r", &st);
    tact_no_op(g, "done", &st);
    if (st.code != TACT_CODE_OK)
        fail_msg("build: %s", st.msg);
    (void) y;
    (void) f;
    return g;
}

static void test_export_import_round_trip(void **state)
{
    (void) state;
    tact_graph_t *g = build_c_graph();
    tact_status_t st = TACT_STATUS_INIT;
    void *data = NULL;
    size_t len = 0;
    assert_int_equal(tact_graph_export(g, &data, &len, &st), TACT_CODE_OK);
    /* TensorFlow's structure: the Const inputs it would have made, named as Python names them. */
    tact_graph_t *g2 = tact_graph_new();
    assert_int_equal(tact_graph_import(g2, data, len, NULL, &st), TACT_CODE_OK);
    const char *consts[] = { "Reshape/shape", "transpose/perm", "Sum/reduction_indices",
                             "Mean/reduction_indices", "f/dims", "f/value" };
    for (int i = 0; i < 6; i++) {
        tact_op_t *c = tact_graph_op(g2, consts[i]);
        if (c == NULL)
            fail_msg("no %s", consts[i]);
        assert_string_equal(tact_op_type(c), "Const");
    }
    /* 6 Consts; ru: + RandomUniform, shape, min, max, sub, mul; rn: + TruncatedNormal, shape,
     * stddev, mean, mul. */
    assert_int_equal(tact_graph_num_ops(g2), tact_graph_num_ops(g) + 6 + 6 + 5);
    assert_string_equal(tact_op_type(tact_graph_op(g2, "ru/RandomUniform")), "RandomUniform");
    assert_string_equal(tact_op_type(tact_graph_op(g2, "ru")), "Add");
    assert_string_equal(tact_op_type(tact_graph_op(g2, "rn/mul")), "Mul");
    tact_tensor_t *mean_axes = tact_graph_op(g2, "Mean/reduction_indices")->attrs.value;
    assert_int_equal(tact_tensor_nelems(mean_axes), 2);  /* every axis of a rank-2 input */

    /* Same answers. */
    tact_tensor_t *a = run_mlp(g, "x:0", "y:0");
    tact_tensor_t *b = run_mlp(g2, "x:0", "y:0");
    assert_close(b, a, 1e-6f);
    tact_session_t *s = tu_session(g2, NULL);
    tact_tensor_t *fv = tu_run1(s, tact_graph_output(g2, "f:0", &st), NULL, 0, &st);
    assert_true(tu_f32_equal(fv, DIMS(2, 2), 2, (const float[]) { 0.25, 0.25, 0.25, 0.25 }));
    tact_tensor_destroy(&fv);
    tact_tensor_t *r2 = tu_run1(s, tact_graph_output(g2, "r:0", &st), NULL, 0, &st);
    tact_session_destroy(&s);
    s = tu_session(g, NULL);
    tact_tensor_t *r1 = tu_run1(s, tact_graph_output(g, "r:0", &st), NULL, 0, &st);
    tact_session_destroy(&s);
    assert_non_null(r1);
    assert_non_null(r2);
    assert_close(r2, r1, 1e-6f);  /* the same seeds draw the same values */

    /* Exported again, the imported graph writes the same GraphDef: no Const is duplicated. */
    void *data2 = NULL;
    size_t len2 = 0;
    assert_int_equal(tact_graph_export(g2, &data2, &len2, &st), TACT_CODE_OK);
    tact_graph_t *g3 = tact_graph_new();
    assert_int_equal(tact_graph_import(g3, data2, len2, NULL, &st), TACT_CODE_OK);
    assert_int_equal(tact_graph_num_ops(g3), tact_graph_num_ops(g2));
    void *data3 = NULL;
    size_t len3 = 0;
    assert_int_equal(tact_graph_export(g3, &data3, &len3, &st), TACT_CODE_OK);
    assert_int_equal(len3, len2);
    assert_memory_equal(data3, data2, len2);

    /* The fixtures the Python script checks in TensorFlow (make_graphdef_fixtures.py --check). */
    if (getenv("TACT_WRITE_FIXTURES") != NULL) {
        char path[512];
        data_path(path, sizeof path, "tact_exported.pb");
        assert_int_equal(tact_graph_export_file(g, path, false, &st), TACT_CODE_OK);
        data_path(path, sizeof path, "tact_exported.pbtxt");
        assert_int_equal(tact_graph_export_file(g, path, true, &st), TACT_CODE_OK);
        data_path(path, sizeof path, "tact_exported_expected.bin");
        FILE *f = fopen(path, "wb");
        assert_non_null(f);
        fwrite(tact_tensor_data(a), 1, tact_tensor_nbytes(a), f);
        fclose(f);
        data_path(path, sizeof path, "tact_exported_random.bin");
        f = fopen(path, "wb");
        assert_non_null(f);
        fwrite(tact_tensor_data(r1), 1, tact_tensor_nbytes(r1), f);
        fclose(f);
    }
    tact_tensor_destroy(&r1);
    tact_tensor_destroy(&r2);
    tact_tensor_destroy(&a);
    tact_tensor_destroy(&b);
    free(data);
    free(data2);
    free(data3);
    tact_graph_destroy(&g);
    tact_graph_destroy(&g2);
    tact_graph_destroy(&g3);
}

/* The text export reads back as the same graph as the binary one. */
/* An empty graph exports as a GraphDef with its versions only, and imports back empty. */
static void test_export_empty_graph(void **state)
{
    (void) state;
    tact_graph_t *g = tact_graph_new();
    tact_status_t st = TACT_STATUS_INIT;
    void *data = NULL;
    size_t len = 0;
    assert_int_equal(tact_graph_export(g, &data, &len, &st), TACT_CODE_OK);
    /* versions { producer: 134 } and nothing else: field 4, length 3, producer = 134. */
    assert_int_equal(len, 5);
    assert_memory_equal(data, ((const unsigned char[]){ 0x22, 0x03, 0x08, 0x86, 0x01 }), 5);
    tact_graph_t *g2 = tact_graph_new();
    assert_int_equal(tact_graph_import(g2, data, len, NULL, &st), TACT_CODE_OK);
    assert_int_equal(tact_graph_num_ops(g2), 0);
    free(data);
    tact_graph_destroy(&g2);
    tact_graph_destroy(&g);
}

static void test_export_text(void **state)
{
    (void) state;
    tact_graph_t *g = build_c_graph();
    char path[] = "/tmp/tact_export_XXXXXX";
    int fd = mkstemp(path);
    close(fd);
    tact_status_t st = TACT_STATUS_INIT;
    assert_int_equal(tact_graph_export_file(g, path, true, &st), TACT_CODE_OK);
    size_t len;
    FILE *f = fopen(path, "rb");
    char text[256];
    len = fread(text, 1, sizeof text - 1, f);
    text[len] = '\0';
    fclose(f);
    assert_true(tu_contains(text, "node {\n  name: \"x\"\n  op: \"Placeholder\"\n"));
    tact_graph_t *g2 = tact_graph_new();
    assert_int_equal(tact_graph_import_file(g2, path, NULL, &st), TACT_CODE_OK);
    unlink(path);
    tact_tensor_t *a = run_mlp(g, "x:0", "y:0");
    tact_tensor_t *b = run_mlp(g2, "x:0", "y:0");
    assert_close(b, a, 1e-6f);
    tact_tensor_destroy(&a);
    tact_tensor_destroy(&b);
    /* A missing folder: NOT_FOUND naming the path. */
    assert_int_equal(tact_graph_export_file(g, "/nonexistent/dir/g.pb", false, &st),
                     TACT_CODE_NOT_FOUND);
    assert_string_equal(st.msg, "/nonexistent/dir/g.pb; No such file or directory");
    tact_graph_destroy(&g);
    tact_graph_destroy(&g2);
}

/* What TensorFlow checked (make_graphdef_fixtures.py --check) tact still imports and runs. */
static void test_committed_tact_export(void **state)
{
    (void) state;
    tact_graph_t *g = tact_graph_new();
    import_ok(g, "tact_exported.pb", NULL);
    tact_tensor_t *r = run_mlp(g, "x:0", "y:0");
    tact_tensor_t *want = read_f32("tact_exported_expected.bin", DIMS(5, 6), 2);
    assert_close(r, want, 1e-6f);
    tact_tensor_destroy(&r);
    tact_tensor_destroy(&want);
    tact_graph_destroy(&g);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_frozen_mlp_binary),
        cmocka_unit_test(test_frozen_mlp_text_same_graph),
        cmocka_unit_test(test_ops_with_const_inputs),
        cmocka_unit_test(test_prefix),
        cmocka_unit_test(test_input_map),
        cmocka_unit_test(test_default_device),
        cmocka_unit_test(test_control_inputs_any_order),
        cmocka_unit_test(test_variables),
        cmocka_unit_test(test_queues_and_readers),
        cmocka_unit_test(test_saver_op_attrs),
        cmocka_unit_test(test_const_dtypes),
        cmocka_unit_test(test_errors),
        cmocka_unit_test(test_bias_add_checks),
        cmocka_unit_test(test_file_and_buffer_errors),
        cmocka_unit_test(test_truncated_and_flipped),
        cmocka_unit_test(test_deep_nesting_refused),
        cmocka_unit_test(test_mutated_text),
        cmocka_unit_test(test_export_import_round_trip),
        cmocka_unit_test(test_export_empty_graph),
        cmocka_unit_test(test_export_text),
        cmocka_unit_test(test_committed_tact_export),
    };
    return cmocka_run_group_tests_name("graphdef", tests, NULL, NULL);
}
