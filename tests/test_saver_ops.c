/* SPDX-License-Identifier: MIT */
/* The ops of the saver subgraph TensorFlow writes into TF1 graphs and SavedModels
 * (runtime/ops/{array,string,io}_ops.c, devices/cpu/kernels/): the graph
 * tf.compat.v1.train.Saver builds, node for node, restoring TensorFlow's checkpoint
 * (data/ckpt_saver), saving and restoring in a new session, the sharded path (ShardedFilename,
 * MergeV2Checkpoints), and each op's values and errors against what TensorFlow printed
 * (scripts/tf_reference/saver_ops.py). */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <tact/tact.h>

#include "runtime/graph/graph_impl.h"
#include "tests/fake_gpu.h"
#include "tests/helpers.h"

#define SAVER_PREFIX TACT_TEST_DATA_DIR "/ckpt_saver/model"

/* ---- building ---- */

static tact_op_t *add_op(tact_graph_t *g, tact_op_kind_t kind, const char *name,
                         const tact_output_t *in, int n_in, tact_op_t *const *controls,
                         int n_controls, const tact_op_attrs_t *attrs, tact_status_t *st)
{
    tact_op_attrs_t none = {0};
    return tact__graph_add_op(g, kind, name, in, n_in, controls, n_controls,
                              attrs ? attrs : &none, st);
}

static tact_output_t out0(tact_op_t *op)
{
    return (tact_output_t) { op, 0 };
}

/* A string constant of shape [n] (ndims 1) or a scalar (ndims 0, one string). */
static tact_output_t str_const(tact_graph_t *g, const char *name, int ndims, int n,
                               const char *const *strs)
{
    tact_status_t st = TACT_STATUS_INIT;
    int64_t dims[1] = { n };
    tact_tensor_t *t = tact_tensor_new_strings(dims, ndims, strs, NULL, &st);
    assert_non_null(t);
    tact_output_t c = tact_constant(g, t, name, &st);
    tact_tensor_destroy(&t);
    assert_int_equal(st.code, TACT_CODE_OK);
    return c;
}

static tact_output_t str_scalar(tact_graph_t *g, const char *name, const char *s)
{
    return str_const(g, name, 0, 1, &s);
}

static tact_output_t i32_scalar(tact_graph_t *g, const char *name, int32_t v)
{
    tact_status_t st = TACT_STATUS_INIT;
    tact_output_t c = tu_const_i32(g, NULL, 0, &v, name, &st);
    assert_int_equal(st.code, TACT_CODE_OK);
    return c;
}

static tact_output_t bool_const(tact_graph_t *g, const char *name, const int64_t *dims,
                                int ndims, const bool *v)
{
    tact_status_t st = TACT_STATUS_INIT;
    tact_tensor_t *t = tact_tensor_new(TACT_DTYPE_BOOL, dims, ndims, v, &st);
    assert_non_null(t);
    tact_output_t c = tact_constant(g, t, name, &st);
    tact_tensor_destroy(&t);
    assert_int_equal(st.code, TACT_CODE_OK);
    return c;
}

/* PlaceholderWithDefault of `input` with attr shape `shape` (ndims -1: unknown). */
static tact_output_t pwd(tact_graph_t *g, const char *name, tact_output_t input,
                         tact_shape_t shape, tact_status_t *st)
{
    tact_op_attrs_t at = { .dtype = tact_output_dtype(input), .shape = shape };
    tact_op_t *op = add_op(g, TACT_OP_PLACEHOLDER_WITH_DEFAULT, name, &input, 1, NULL, 0, &at,
                           st);
    return op ? out0(op) : (tact_output_t) { NULL, -1 };
}

static const tact_shape_t SCALAR = { .ndims = 0 };
static const tact_shape_t UNKNOWN = { .ndims = -1 };

static tact_tensor_t *new_str(const char *s)
{
    tact_status_t st = TACT_STATUS_INIT;
    tact_tensor_t *t = tact_tensor_new_strings(NULL, 0, &s, NULL, &st);
    assert_non_null(t);
    return t;
}

static void assert_strings(const tact_tensor_t *t, int n, const char *const *want,
                           const size_t *lens)
{
    assert_non_null(t);
    assert_int_equal(tact_tensor_dtype(t), TACT_DTYPE_STRING);
    assert_int_equal(tact_tensor_nelems(t), n);
    for (int i = 0; i < n; i++) {
        size_t len;
        const char *s = tact_tensor_string(t, i, &len);
        size_t want_len = lens ? lens[i] : strlen(want[i]);
        assert_int_equal(len, want_len);
        assert_memory_equal(s, want[i], want_len);
    }
}

/* ---- files ---- */

static void temp_dir(char *dir, size_t len)
{
    const char *tmp = getenv("TMPDIR");
    snprintf(dir, len, "%s/tact_saver_XXXXXX", tmp && tmp[0] ? tmp : "/tmp");
    assert_non_null(mkdtemp(dir));
}

static bool exists(const char *dir, const char *name)
{
    char path[1024];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    return access(path, F_OK) == 0;
}

static int count_entries(const char *dir)
{
    DIR *d = opendir(dir);
    assert_non_null(d);
    int n = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL)
        n += strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0;
    closedir(d);
    return n;
}

/* ---- the saver subgraph, as tf.compat.v1.train.Saver builds it ---- */

typedef struct saver {
    tact_output_t filename;  /* save/Const:0, the filename_tensor_name */
    tact_output_t save;      /* save_tensor_name: save/control_dependency:0 or save/Identity:0 */
    tact_op_t *restore_all;  /* restore_op_name */
} saver_t;

/* Saver(var_list=vars) for n variables (names sorted, as TensorFlow sorts them), sharded or
 * not, node for node as scripts/tf_reference/saver_ops.py prints it. */
static saver_t build_saver(tact_graph_t *g, tact_op_t **vars, int n, bool sharded)
{
    tact_status_t st = TACT_STATUS_INIT;
    saver_t s;
    const char **names = calloc((size_t) n, sizeof *names);
    const char **empties = calloc((size_t) n, sizeof *empties);
    tact_dtype_t *dtypes = calloc((size_t) n, sizeof *dtypes);
    tact_output_t *save_in = calloc((size_t) n + 3, sizeof *save_in);
    tact_op_t **assigns = calloc((size_t) n, sizeof *assigns);
    assert_true(names && empties && dtypes && save_in && assigns);
    for (int i = 0; i < n; i++) {
        names[i] = vars[i]->name;
        empties[i] = "";
        dtypes[i] = vars[i]->attrs.dtype;
    }
    tact_output_t input = str_scalar(g, "save/filename/input", "model");
    tact_output_t filename = pwd(g, "save/filename", input, SCALAR, &st);
    s.filename = pwd(g, "save/Const", filename, SCALAR, &st);
    tact_op_attrs_t list = { .n_list = n, .dtypes = dtypes };

    tact_output_t target = s.filename;
    if (sharded) {
        tact_op_attrs_t re = { .text = "^s3://.*" };
        tact_op_t *is_s3 = add_op(g, TACT_OP_STATIC_REGEX_FULL_MATCH, "save/StaticRegexFullMatch",
                                  &s.filename, 1, NULL, 0, &re, &st);
        tact_output_t part = str_scalar(g, "save/Const_1", ".part");
        tact_output_t temp = str_scalar(g, "save/Const_2", "_temp/part");
        tact_op_t *sel = add_op(g, TACT_OP_SELECT, "save/Select",
                                (tact_output_t[]) { out0(is_s3), part, temp }, 3, NULL, 0, NULL,
                                &st);
        tact_op_attrs_t join_at = { .n_list = 2, .text = "" };
        tact_op_t *join = add_op(g, TACT_OP_STRING_JOIN, "save/StringJoin",
                                 (tact_output_t[]) { s.filename, out0(sel) }, 2, NULL, 0,
                                 &join_at, &st);
        tact_output_t num_shards = i32_scalar(g, "save/num_shards", 1);
        tact_output_t shard = i32_scalar(g, "save/ShardedFilename/shard", 0);
        tact_op_t *fname = add_op(g, TACT_OP_SHARDED_FILENAME, "save/ShardedFilename",
                                  (tact_output_t[]) { out0(join), shard, num_shards }, 3, NULL, 0,
                                  NULL, &st);
        target = out0(fname);
    }
    save_in[0] = target;
    save_in[1] = str_const(g, "save/SaveV2/tensor_names", 1, n, names);
    save_in[2] = str_const(g, "save/SaveV2/shape_and_slices", 1, n, empties);
    for (int i = 0; i < n; i++)
        save_in[3 + i] = out0(vars[i]);
    tact_op_t *save = add_op(g, TACT_OP_SAVE_V2, "save/SaveV2", save_in, 3 + n, NULL, 0, &list,
                             &st);
    tact_op_t *dep = add_op(g, TACT_OP_IDENTITY, "save/control_dependency", &target, 1, &save, 1,
                            NULL, &st);
    s.save = out0(dep);
    if (sharded) {
        tact_op_attrs_t pack_at = { .n_list = 1 };
        tact_op_t *prefixes = add_op(g, TACT_OP_PACK, "save/MergeV2Checkpoints/checkpoint_prefixes",
                                     &target, 1, &dep, 1, &pack_at, &st);
        tact_op_attrs_t merge_at = { .delete_old_dirs = true };
        tact_op_t *merge = add_op(g, TACT_OP_MERGE_V2_CHECKPOINTS, "save/MergeV2Checkpoints",
                                  (tact_output_t[]) { out0(prefixes), s.filename }, 2, NULL, 0,
                                  &merge_at, &st);
        tact_op_t *ident = add_op(g, TACT_OP_IDENTITY, "save/Identity", &s.filename, 1,
                                  (tact_op_t *[]) { merge, dep }, 2, NULL, &st);
        s.save = out0(ident);
    }

    tact_output_t restore_in[3] = {
        s.filename,
        str_const(g, "save/RestoreV2/tensor_names", 1, n, names),
        str_const(g, "save/RestoreV2/shape_and_slices", 1, n, empties),
    };
    tact_op_t *restore = add_op(g, TACT_OP_RESTORE_V2, "save/RestoreV2", restore_in, 3, NULL, 0,
                                &list, &st);
    for (int i = 0; i < n; i++) {
        tact_output_t a = tact_assign(g, out0(vars[i]), (tact_output_t) { restore, i },
                                      "save/Assign", &st);
        assigns[i] = a.op;
    }
    s.restore_all = add_op(g, sharded ? TACT_OP_NOOP : TACT_OP_NOOP,
                           sharded ? "save/restore_shard" : "save/restore_all", NULL, 0, assigns,
                           n, NULL, &st);
    if (sharded)
        s.restore_all = add_op(g, TACT_OP_NOOP, "save/restore_all", NULL, 0, &s.restore_all, 1,
                               NULL, &st);
    assert_int_equal(st.code, TACT_CODE_OK);
    if (n > 1)
        assert_string_equal(assigns[1]->name, "save/Assign_1");
    free(names);
    free(empties);
    free(dtypes);
    free(save_in);
    free(assigns);
    return s;
}

static tact_op_t *zeros_variable(tact_graph_t *g, tact_dtype_t dtype, const int64_t *dims,
                                 int ndims, const char *name)
{
    tact_status_t st = TACT_STATUS_INIT;
    tact_tensor_t *t = tact_tensor_new(dtype, dims, ndims, NULL, &st);
    assert_non_null(t);
    tact_output_t init = tact_constant(g, t, NULL, &st);
    tact_tensor_destroy(&t);
    tact_output_t v = tact_variable(g, init, name, &st);
    assert_int_equal(st.code, TACT_CODE_OK);
    return v.op;
}

static void run_restore(tact_session_t *s, const saver_t *sv, const char *prefix)
{
    tact_status_t st = TACT_STATUS_INIT;
    tact_tensor_t *p = new_str(prefix);
    tact_feed_t feed = { sv->filename, p };
    tact_op_t *target = sv->restore_all;
    tact_session_run(s, NULL, 0, NULL, &feed, 1, &target, 1, &st);
    tact_tensor_destroy(&p);
    if (st.code != TACT_CODE_OK)
        fail_msg("restore: %s", st.msg);
}

/* Runs save_tensor_name with the filename fed; returns what it gives (the prefix). */
static tact_tensor_t *run_save(tact_session_t *s, const saver_t *sv, const char *prefix,
                               tact_status_t *st)
{
    tact_tensor_t *p = new_str(prefix);
    tact_feed_t feed = { sv->filename, p };
    tact_tensor_t *r = tu_run1(s, sv->save, &feed, 1, st);
    tact_tensor_destroy(&p);
    return r;
}

/* TensorFlow's checkpoint of the six variables of make_checkpoint_fixtures.py, restored by the
 * saver's restore_all with the filename fed, as TensorFlow's SavedModel loader runs it. */
static void test_restore_tensorflow_checkpoint(void **state)
{
    TACT_UNUSED(state);
    tact_graph_t *g = tact_graph_new();
    tact_op_t *vars[6] = {
        zeros_variable(g, TACT_DTYPE_F32, (int64_t[]) { 2, 3 }, 2, "a"),
        zeros_variable(g, TACT_DTYPE_F64, NULL, 0, "b"),
        zeros_variable(g, TACT_DTYPE_I32, (int64_t[]) { 3 }, 1, "c"),
        zeros_variable(g, TACT_DTYPE_BOOL, (int64_t[]) { 3 }, 1, "e"),
        zeros_variable(g, TACT_DTYPE_STRING, (int64_t[]) { 3 }, 1, "s"),
        zeros_variable(g, TACT_DTYPE_I64, (int64_t[]) { 1, 2 }, 2, "scope/d"),
    };
    saver_t sv = build_saver(g, vars, 6, false);
    tact_session_t *s = tu_session(g, NULL);
    run_restore(s, &sv, SAVER_PREFIX);

    tact_status_t st = TACT_STATUS_INIT;
    tact_tensor_t *r[6] = { NULL };
    tact_output_t fetches[6];
    for (int i = 0; i < 6; i++)
        fetches[i] = out0(vars[i]);
    assert_int_equal(tact_session_run(s, fetches, 6, r, NULL, 0, NULL, 0, &st), TACT_CODE_OK);
    assert_true(tu_f32_equal(r[0], (int64_t[]) { 2, 3 }, 2,
                             (float[]) { 1.5f, -2.0f, 3.25f, 4.0f, 5.0f, 6.0f }));
    assert_true(*(double *) tact_tensor_data(r[1]) == 2.718281828459045);
    assert_memory_equal(tact_tensor_data(r[2]), ((int32_t[]) { 1, -2, 2147483647 }),
                        3 * sizeof(int32_t));
    assert_memory_equal(tact_tensor_data(r[3]), ((bool[]) { true, false, true }), 3);
    assert_strings(r[4], 3, (const char *[]) { "hello", "", "w\0rld" },
                   (size_t[]) { 5, 0, 5 });
    assert_memory_equal(tact_tensor_data(r[5]), ((int64_t[]) { 9007199254740993LL, -1 }),
                        2 * sizeof(int64_t));
    for (int i = 0; i < 6; i++)
        tact_tensor_destroy(&r[i]);
    tact_session_destroy(&s);
    tact_graph_destroy(&g);
}

/* TensorFlow's checkpoint of 40 variables (data/ckpt_many): one RestoreV2 of 40 outputs and one
 * SaveV2 of 43 inputs, past any fixed per-op limit; saved again by tact and restored. */
static void test_many_variables(void **state)
{
    TACT_UNUSED(state);
    enum { N = 40 };
    char dir[256], prefix[300];
    temp_dir(dir, sizeof dir);
    snprintf(prefix, sizeof prefix, "%s/model", dir);
    tact_graph_t *g = tact_graph_new();
    tact_op_t *vars[N];
    for (int i = 0; i < N; i++) {
        char name[32];
        snprintf(name, sizeof name, "layer%02d/w", i);
        vars[i] = zeros_variable(g, TACT_DTYPE_F32, NULL, 0, name);
    }
    saver_t sv = build_saver(g, vars, N, false);
    assert_int_equal(tact_op_num_outputs(tact_graph_op(g, "save/RestoreV2")), N);
    assert_int_equal(tact_op_num_inputs(tact_graph_op(g, "save/SaveV2")), N + 3);
    for (int round = 0; round < 2; round++) {
        tact_session_t *s = tu_session(g, NULL);
        run_restore(s, &sv, round == 0 ? TACT_TEST_DATA_DIR "/ckpt_many/model" : prefix);
        tact_output_t fetches[N];
        tact_tensor_t *r[N];
        for (int i = 0; i < N; i++)
            fetches[i] = out0(vars[i]);
        tact_status_t st = TACT_STATUS_INIT;
        assert_int_equal(tact_session_run(s, fetches, N, r, NULL, 0, NULL, 0, &st), TACT_CODE_OK);
        for (int i = 0; i < N; i++) {
            assert_true(*(float *) tact_tensor_data(r[i]) == 0.5f * (float) i);
            tact_tensor_destroy(&r[i]);
        }
        if (round == 0) {
            tact_tensor_t *p = run_save(s, &sv, prefix, &st);
            assert_int_equal(st.code, TACT_CODE_OK);
            tact_tensor_destroy(&p);
        }
        tact_session_destroy(&s);
    }
    tact_graph_destroy(&g);
    tu_remove_tree(dir);
}

/* Two variables as in TensorFlow's example graph: a = [[1, 2]], b = 3. */
static tact_graph_t *two_variables(tact_op_t **vars, tact_op_t **init)
{
    tact_status_t st = TACT_STATUS_INIT;
    tact_graph_t *g = tact_graph_new();
    tact_output_t a0 = tu_const_f32(g, (int64_t[]) { 1, 2 }, 2, (float[]) { 1, 2 }, NULL, &st);
    int32_t three = 3;
    tact_output_t b0 = tu_const_i32(g, NULL, 0, &three, NULL, &st);
    vars[0] = tact_variable(g, a0, "a", &st).op;
    vars[1] = tact_variable(g, b0, "b", &st).op;
    *init = tact_global_variables_initializer(g, &st);
    assert_int_equal(st.code, TACT_CODE_OK);
    return g;
}

static void set_values(tact_session_t *s, tact_op_t **vars, float a0, float a1, int32_t b)
{
    tact_status_t st = TACT_STATUS_INIT;
    tact_graph_t *g = tact_op_graph(vars[0]);
    tact_output_t av = tu_const_f32(g, (int64_t[]) { 1, 2 }, 2, (float[]) { a0, a1 }, NULL, &st);
    tact_output_t bv = tu_const_i32(g, NULL, 0, &b, NULL, &st);
    tact_output_t x = tact_assign(g, out0(vars[0]), av, NULL, &st);
    tact_output_t y = tact_assign(g, out0(vars[1]), bv, NULL, &st);
    assert_int_equal(st.code, TACT_CODE_OK);
    tu_run_op(s, x.op);
    tu_run_op(s, y.op);
}

static void check_values(tact_session_t *s, tact_op_t **vars, float a0, float a1, int32_t b)
{
    tact_status_t st = TACT_STATUS_INIT;
    tact_tensor_t *ra = tu_run1(s, out0(vars[0]), NULL, 0, &st);
    tact_tensor_t *rb = tu_run1(s, out0(vars[1]), NULL, 0, &st);
    assert_int_equal(st.code, TACT_CODE_OK);
    assert_true(tu_f32_equal(ra, (int64_t[]) { 1, 2 }, 2, (float[]) { a0, a1 }));
    assert_int_equal(*(int32_t *) tact_tensor_data(rb), b);
    tact_tensor_destroy(&ra);
    tact_tensor_destroy(&rb);
}

/* save_tensor_name writes a checkpoint (each run anew: SaveV2 is stateful), restore_all reads it
 * into a new session, and tact_checkpoint_restore (the other reader) agrees. */
static void save_then_restore(bool sharded)
{
    char dir[256], prefix[300];
    temp_dir(dir, sizeof dir);
    snprintf(prefix, sizeof prefix, "%s/model", dir);
    tact_op_t *vars[2], *init;
    tact_graph_t *g = two_variables(vars, &init);
    saver_t sv = build_saver(g, vars, 2, sharded);
    tact_session_t *s = tu_session(g, NULL);
    tu_run_op(s, init);

    /* Nothing that does not need the save runs it. */
    tact_status_t st = TACT_STATUS_INIT;
    tact_tensor_t *p = new_str(prefix);
    tact_feed_t feed = { sv.filename, p };
    tact_tensor_t *r = tu_run1(s, sv.filename, &feed, 1, &st);
    assert_strings(r, 1, (const char *[]) { prefix }, NULL);
    tact_tensor_destroy(&r);
    tact_tensor_destroy(&p);
    assert_int_equal(count_entries(dir), 0);

    set_values(s, vars, 10, 20, 30);
    r = run_save(s, &sv, prefix, &st);
    assert_int_equal(st.code, TACT_CODE_OK);
    char shard_prefix[400];
    snprintf(shard_prefix, sizeof shard_prefix, "%s_temp/part-00000-of-00001", prefix);
    assert_strings(r, 1, (const char *[]) { sharded ? prefix : prefix }, NULL);
    tact_tensor_destroy(&r);
    assert_true(exists(dir, "model.index"));
    assert_true(exists(dir, "model.data-00000-of-00001"));
    assert_false(exists(dir, "model_temp"));  /* MergeV2Checkpoints' delete_old_dirs */
    assert_int_equal(count_entries(dir), 2);

    /* A second save with new values overwrites the first: not cached. */
    set_values(s, vars, -1, -2, -3);
    r = run_save(s, &sv, prefix, &st);
    assert_int_equal(st.code, TACT_CODE_OK);
    tact_tensor_destroy(&r);
    set_values(s, vars, 0, 0, 0);
    tact_session_destroy(&s);

    s = tu_session(g, NULL);  /* uninitialised variables: restore_all gives them values */
    run_restore(s, &sv, prefix);
    check_values(s, vars, -1, -2, -3);
    tact_session_destroy(&s);

    s = tu_session(g, NULL);
    assert_int_equal(tact_checkpoint_restore(s, prefix, &st), TACT_CODE_OK);
    check_values(s, vars, -1, -2, -3);
    tact_session_destroy(&s);
    tact_graph_destroy(&g);
    tu_remove_tree(dir);
}

static void test_save_then_restore(void **state)
{
    TACT_UNUSED(state);
    save_then_restore(false);
}

static void test_sharded_save_then_restore(void **state)
{
    TACT_UNUSED(state);
    save_then_restore(true);
}

/* SaveV2 makes the directory of its prefix but not that directory's parents, as TensorFlow
 * does; and a checkpoint tact_checkpoint_save wrote restores through RestoreV2. */
static void test_save_directories(void **state)
{
    TACT_UNUSED(state);
    char dir[256], prefix[300], msg[600];
    temp_dir(dir, sizeof dir);
    snprintf(prefix, sizeof prefix, "%s/x/model", dir);
    tact_op_t *vars[2], *init;
    tact_graph_t *g = two_variables(vars, &init);
    saver_t sv = build_saver(g, vars, 2, false);
    tact_session_t *s = tu_session(g, NULL);
    tu_run_op(s, init);
    tact_status_t st = TACT_STATUS_INIT;
    tact_tensor_t *r = run_save(s, &sv, prefix, &st);
    assert_int_equal(st.code, TACT_CODE_OK);
    tact_tensor_destroy(&r);
    snprintf(prefix, sizeof prefix, "%s/x", dir);
    assert_true(exists(prefix, "model.index"));
    snprintf(prefix, sizeof prefix, "%s/p/q/model", dir);
    assert_null(run_save(s, &sv, prefix, &st));
    assert_int_equal(st.code, TACT_CODE_NOT_FOUND);
    snprintf(msg, sizeof msg, "%s/p/q; No such file or directory\n\t [[{{node save/SaveV2}}]]",
             dir);
    assert_string_equal(st.msg, msg);

    snprintf(prefix, sizeof prefix, "%s/ckpt", dir);
    set_values(s, vars, 7, 8, 9);
    st = (tact_status_t) TACT_STATUS_INIT;
    assert_int_equal(tact_checkpoint_save(s, prefix, &st), TACT_CODE_OK);
    tact_session_destroy(&s);
    s = tu_session(g, NULL);
    run_restore(s, &sv, prefix);
    check_values(s, vars, 7, 8, 9);
    tact_session_destroy(&s);
    tact_graph_destroy(&g);
    tu_remove_tree(dir);
}

/* The saver's ops have no GPU kernel: with a GPU present they run on the CPU, and the save and
 * restore still work (the variables' values cross through the plan's copies). */
static void test_saver_ops_placed_on_cpu(void **state)
{
    TACT_UNUSED(state);
    fake_gpu_install(1);
    char dir[256], prefix[300];
    temp_dir(dir, sizeof dir);
    snprintf(prefix, sizeof prefix, "%s/model", dir);
    tact_op_t *vars[2], *init;
    tact_graph_t *g = two_variables(vars, &init);
    saver_t sv = build_saver(g, vars, 2, true);
    tact_session_t *s = tu_session(g, NULL);
    tu_run_op(s, init);
    set_values(s, vars, 4, 5, 6);
    tact_status_t st = TACT_STATUS_INIT;
    tact_tensor_t *r = run_save(s, &sv, prefix, &st);
    assert_int_equal(st.code, TACT_CODE_OK);
    tact_tensor_destroy(&r);
    tact_session_destroy(&s);
    s = tu_session(g, NULL);
    run_restore(s, &sv, prefix);
    check_values(s, vars, 4, 5, 6);
    tact_session_destroy(&s);
    tact_graph_destroy(&g);
    tu_remove_tree(dir);
    fake_gpu_uninstall();
}

/* ---- RestoreV2 and SaveV2 errors ---- */

static tact_op_t *restore_op(tact_graph_t *g, const char *name, tact_dtype_t dtype,
                             const char *slice, tact_output_t *prefix_out)
{
    tact_status_t st = TACT_STATUS_INIT;
    tact_output_t prefix = pwd(g, "prefix", str_scalar(g, "prefix/input", SAVER_PREFIX), SCALAR,
                               &st);
    tact_op_attrs_t at = { .n_list = 1, .dtypes = &dtype };
    tact_op_t *op = add_op(g, TACT_OP_RESTORE_V2, "RestoreV2",
                           (tact_output_t[]) { prefix, str_const(g, "names", 1, 1, &name),
                                               str_const(g, "slices", 1, 1, &slice) },
                           3, NULL, 0, &at, &st);
    assert_int_equal(st.code, TACT_CODE_OK);
    *prefix_out = prefix;
    return op;
}

static void test_restore_errors(void **state)
{
    TACT_UNUSED(state);
    tact_output_t prefix;
    tact_graph_t *g = tact_graph_new();
    tact_op_t *missing = restore_op(g, "zz", TACT_DTYPE_F32, "", &prefix);
    tact_session_t *s = tu_session(g, NULL);
    tu_run_fails(s, out0(missing), NULL, 0, TACT_CODE_NOT_FOUND,
                 "Key zz not found in checkpoint\n\t [[{{node RestoreV2}}]]");
    tact_tensor_t *nowhere = new_str("/nonexistent/model");
    tact_feed_t feed = { prefix, nowhere };
    tu_run_fails(s, out0(missing), &feed, 1, TACT_CODE_NOT_FOUND,
                 "Unsuccessful TensorSliceReader constructor: Failed to find any matching files "
                 "for /nonexistent/model\n\t [[{{node RestoreV2}}]]");
    tact_tensor_destroy(&nowhere);
    tact_session_destroy(&s);
    tact_graph_destroy(&g);

    g = tact_graph_new();
    tact_op_t *wrong = restore_op(g, "a", TACT_DTYPE_I32, "", &prefix);
    s = tu_session(g, NULL);
    tu_run_fails(s, out0(wrong), NULL, 0, TACT_CODE_INVALID_ARGUMENT,
                 "tensor_name = a; expected dtype int32 does not equal original dtype float"
                 "\n\t [[{{node RestoreV2}}]]");
    tact_session_destroy(&s);
    tact_graph_destroy(&g);

    g = tact_graph_new();
    tact_op_t *sliced = restore_op(g, "a", TACT_DTYPE_F32, "2 3 0,1:-", &prefix);
    s = tu_session(g, NULL);
    tu_run_fails(s, out0(sliced), NULL, 0, TACT_CODE_UNIMPLEMENTED,
                 "RestoreV2: shape_and_slices \"2 3 0,1:-\" for tensor a: saving or restoring a "
                 "slice of a partitioned variable is not supported\n\t [[{{node RestoreV2}}]]");
    tact_session_destroy(&s);
    tact_graph_destroy(&g);

    /* Build time: TensorFlow's shape function. */
    tact_status_t st = TACT_STATUS_INIT;
    g = tact_graph_new();
    tact_dtype_t two[2] = { TACT_DTYPE_F32, TACT_DTYPE_I32 };
    tact_op_attrs_t at = { .n_list = 2, .dtypes = two };
    const char *names[2] = { "a", "c" };
    tact_output_t in[3] = { str_scalar(g, "Const", "p"), str_const(g, "Const_1", 1, 2, names),
                            str_const(g, "Const_2", 1, 1, names) };
    assert_null(add_op(g, TACT_OP_RESTORE_V2, "RestoreV2", in, 3, NULL, 0, &at, &st));
    assert_int_equal(st.code, TACT_CODE_INVALID_ARGUMENT);
    assert_string_equal(st.msg, "Dimension 0 in both shapes must be equal, but are 2 and 1. "
                                "Shapes are [2] and [1]. for 'RestoreV2' (op: 'RestoreV2') with "
                                "input shapes: [], [2], [1].");
    st = (tact_status_t) TACT_STATUS_INIT;
    at.n_list = 1;
    in[2] = str_const(g, "Const_3", 1, 2, names);
    assert_null(add_op(g, TACT_OP_RESTORE_V2, "RestoreV2", in, 3, NULL, 0, &at, &st));
    assert_string_equal(st.msg, "The number of shape_and_slice doesn't match tensor outputs. for "
                                "'RestoreV2_1' (op: 'RestoreV2') with input shapes: [], [2], [2].");
    tact_graph_destroy(&g);
}

/* A checkpoint whose data file was damaged: DATA_LOSS, from the bundle reader's checks. */
static void test_restore_corrupt(void **state)
{
    TACT_UNUSED(state);
    char dir[256], path[400], prefix[300];
    temp_dir(dir, sizeof dir);
    snprintf(prefix, sizeof prefix, "%s/model", dir);
    const char *files[2] = { ".index", ".data-00000-of-00001" };
    for (int i = 0; i < 2; i++) {
        char src[400];
        snprintf(src, sizeof src, "%s%s", SAVER_PREFIX, files[i]);
        snprintf(path, sizeof path, "%s%s", prefix, files[i]);
        FILE *in = fopen(src, "rb"), *out = fopen(path, "wb");
        assert_non_null(in);
        assert_non_null(out);
        int c;
        long at = 0;
        while ((c = fgetc(in)) != EOF)
            fputc(i == 1 && at++ == 2 ? c ^ 0x40 : c, out);  /* a flipped bit inside "a" */
        fclose(in);
        fclose(out);
    }
    tact_output_t p;
    tact_graph_t *g = tact_graph_new();
    tact_op_t *op = restore_op(g, "a", TACT_DTYPE_F32, "", &p);
    tact_session_t *s = tu_session(g, NULL);
    tact_tensor_t *t = new_str(prefix);
    tact_feed_t feed = { p, t };
    tact_status_t st = TACT_STATUS_INIT;
    assert_null(tu_run1(s, out0(op), &feed, 1, &st));
    assert_int_equal(st.code, TACT_CODE_DATA_LOSS);
    assert_true(tu_contains(st.msg, "[[{{node RestoreV2}}]]"));
    tact_tensor_destroy(&t);
    tact_session_destroy(&s);
    tact_graph_destroy(&g);
    tu_remove_tree(dir);
}

static void test_save_errors(void **state)
{
    TACT_UNUSED(state);
    tact_status_t st = TACT_STATUS_INIT;
    tact_graph_t *g = tact_graph_new();
    float one = 1;
    tact_output_t x = tu_const_f32(g, NULL, 0, &one, "Const_3", &st);
    tact_dtype_t f32 = TACT_DTYPE_F32;
    tact_op_attrs_t at = { .n_list = 1, .dtypes = &f32 };
    const char *names[2] = { "a", "c" }, *empty[2] = { "", "" };
    tact_output_t in[4] = { str_scalar(g, "Const", "/tmp/x"), str_const(g, "Const_1", 1, 2, names),
                            str_const(g, "Const_2", 1, 2, empty), x };
    assert_null(add_op(g, TACT_OP_SAVE_V2, "SaveV2", in, 4, NULL, 0, &at, &st));
    assert_int_equal(st.code, TACT_CODE_INVALID_ARGUMENT);
    assert_string_equal(st.msg, "Dimension must be 1 but is 2 for 'SaveV2' (op: 'SaveV2') with "
                                "input shapes: [], [2], [2], [].");
    st = (tact_status_t) TACT_STATUS_INIT;
    in[0] = str_const(g, "Const_4", 1, 1, names);
    in[1] = str_const(g, "Const_5", 1, 1, names);
    in[2] = str_const(g, "Const_6", 1, 1, empty);
    assert_null(add_op(g, TACT_OP_SAVE_V2, "SaveV2", in, 4, NULL, 0, &at, &st));
    assert_string_equal(st.msg, "Shape must be rank 0 but is rank 1 for 'SaveV2_1' (op: 'SaveV2') "
                                "with input shapes: [1], [1], [1], [].");

    /* Run time: names fed through a PlaceholderWithDefault of unknown shape. */
    st = (tact_status_t) TACT_STATUS_INIT;
    char dir[256], prefix[300];
    temp_dir(dir, sizeof dir);
    snprintf(prefix, sizeof prefix, "%s/m", dir);
    in[0] = str_scalar(g, "prefix", prefix);
    in[1] = pwd(g, "names", str_const(g, "names/input", 1, 2, names), UNKNOWN, &st);
    in[2] = pwd(g, "slices", str_const(g, "slices/input", 1, 2, empty), UNKNOWN, &st);
    tact_op_t *save = add_op(g, TACT_OP_SAVE_V2, "save", in, 4, NULL, 0, &at, &st);
    assert_int_equal(st.code, TACT_CODE_OK);
    tact_session_t *s = tu_session(g, NULL);
    tact_session_run(s, NULL, 0, NULL, NULL, 0, &save, 1, &st);
    assert_int_equal(st.code, TACT_CODE_INVALID_ARGUMENT);
    assert_string_equal(st.msg, "Got 2 tensor names but 1 tensors.\n\t [[{{node save}}]]");
    assert_int_equal(count_entries(dir), 0);
    tact_session_destroy(&s);
    tact_graph_destroy(&g);
    tu_remove_tree(dir);
}

static void test_merge_errors(void **state)
{
    TACT_UNUSED(state);
    tact_status_t st = TACT_STATUS_INIT;
    tact_graph_t *g = tact_graph_new();
    const char *nope = "/nonexistent/nope";
    tact_output_t srcs = str_const(g, "Const", 1, 1, &nope);
    tact_op_attrs_t at = { .delete_old_dirs = true };
    assert_null(add_op(g, TACT_OP_MERGE_V2_CHECKPOINTS, "MergeV2Checkpoints",
                       (tact_output_t[]) { srcs, str_const(g, "Const_1", 1, 1, &nope) }, 2, NULL,
                       0, &at, &st));
    assert_string_equal(st.msg, "Shape must be rank 0 but is rank 1 for 'MergeV2Checkpoints' (op: "
                                "'MergeV2Checkpoints') with input shapes: [1], [1].");
    st = (tact_status_t) TACT_STATUS_INIT;
    tact_op_t *merge = add_op(g, TACT_OP_MERGE_V2_CHECKPOINTS, "MergeV2Checkpoints",
                              (tact_output_t[]) { srcs, str_scalar(g, "dst", "/nonexistent/d") },
                              2, NULL, 0, &at, &st);
    assert_int_equal(st.code, TACT_CODE_OK);
    tact_session_t *s = tu_session(g, NULL);
    tact_session_run(s, NULL, 0, NULL, NULL, 0, &merge, 1, &st);
    assert_int_equal(st.code, TACT_CODE_INVALID_ARGUMENT);
    assert_string_equal(st.msg, "allow_missing_files was set to false and /nonexistent/nope did "
                                "not exist.NOT_FOUND: /nonexistent/nope not found"
                                "\n\t [[{{node MergeV2Checkpoints_1}}]]");
    tact_session_destroy(&s);
    tact_graph_destroy(&g);
}

/* MergeV2Checkpoints of two shards (variables on two devices in TensorFlow): one bundle with
 * every tensor, the shards' files gone. */
static void test_merge_two_shards(void **state)
{
    TACT_UNUSED(state);
    char dir[256], p0[300], p1[300], dst[300];
    temp_dir(dir, sizeof dir);
    snprintf(p0, sizeof p0, "%s/model_temp/part-00000-of-00002", dir);
    snprintf(p1, sizeof p1, "%s/model_temp/part-00001-of-00002", dir);
    snprintf(dst, sizeof dst, "%s/model", dir);
    tact_op_t *vars[2], *init;
    tact_graph_t *g = two_variables(vars, &init);
    tact_status_t st = TACT_STATUS_INIT;
    tact_op_t *saves[2];
    for (int i = 0; i < 2; i++) {
        const char *name = vars[i]->name, *empty = "";
        tact_dtype_t dt = vars[i]->attrs.dtype;
        tact_op_attrs_t at = { .n_list = 1, .dtypes = &dt };
        saves[i] = add_op(g, TACT_OP_SAVE_V2, NULL,
                          (tact_output_t[]) { str_scalar(g, NULL, i ? p1 : p0),
                                              str_const(g, NULL, 1, 1, &name),
                                              str_const(g, NULL, 1, 1, &empty), out0(vars[i]) },
                          4, NULL, 0, &at, &st);
    }
    const char *both[2] = { p0, p1 };
    tact_op_attrs_t mat = { .delete_old_dirs = true };
    tact_op_t *merge = add_op(g, TACT_OP_MERGE_V2_CHECKPOINTS, NULL,
                              (tact_output_t[]) { str_const(g, NULL, 1, 2, both),
                                                  str_scalar(g, NULL, dst) },
                              2, saves, 2, &mat, &st);
    assert_int_equal(st.code, TACT_CODE_OK);
    saver_t sv = build_saver(g, vars, 2, false);
    tact_session_t *s = tu_session(g, NULL);
    tu_run_op(s, init);
    set_values(s, vars, 11, 12, 13);
    tu_run_op(s, merge);
    assert_int_equal(count_entries(dir), 2);  /* model.index, model.data-..., no model_temp */
    tact_session_destroy(&s);
    s = tu_session(g, NULL);
    run_restore(s, &sv, dst);
    check_values(s, vars, 11, 12, 13);
    tact_session_destroy(&s);
    tact_graph_destroy(&g);
    tu_remove_tree(dir);
}

/* ---- the string ops ---- */

static void test_string_join(void **state)
{
    TACT_UNUSED(state);
    tact_status_t st = TACT_STATUS_INIT;
    tact_graph_t *g = tact_graph_new();
    const char *ab[2] = { "a", "b" }, *cd[2] = { "c", "d" }, *cde[3] = { "c", "d", "e" };
    tact_op_attrs_t at = { .n_list = 3, .text = "-" };
    tact_op_t *join = add_op(g, TACT_OP_STRING_JOIN, NULL,
                             (tact_output_t[]) { str_const(g, NULL, 1, 2, ab),
                                                 str_scalar(g, NULL, "x"),
                                                 str_const(g, NULL, 1, 2, cd) },
                             3, NULL, 0, &at, &st);
    assert_int_equal(st.code, TACT_CODE_OK);
    assert_string_equal(join->name, "StringJoin");
    tact_session_t *s = tu_session(g, NULL);
    tact_tensor_t *r = tu_run1(s, out0(join), NULL, 0, &st);
    assert_strings(r, 2, (const char *[]) { "a-x-c", "b-x-d" }, NULL);
    tact_tensor_destroy(&r);

    /* Build time, then run time (an unknown shape) and a wrong dtype. */
    at = (tact_op_attrs_t) { .n_list = 2 };
    tact_output_t ab_c = str_const(g, "Const", 1, 2, ab);
    tact_output_t cde_c = str_const(g, "Const_1", 1, 3, cde);
    assert_null(add_op(g, TACT_OP_STRING_JOIN, NULL, (tact_output_t[]) { ab_c, cde_c }, 2, NULL, 0,
                       &at, &st));
    assert_string_equal(st.msg, "Dimension 0 in both shapes must be equal, but are 2 and 3. "
                                "Shapes are [2] and [3]. for 'StringJoin_1' (op: 'StringJoin') "
                                "with input shapes: [2], [3].");
    st = (tact_status_t) TACT_STATUS_INIT;
    tact_output_t any = pwd(g, "PlaceholderWithDefault", ab_c,
                            (tact_shape_t) { .ndims = 1, .dims = { -1 } }, &st);
    tact_op_t *bad = add_op(g, TACT_OP_STRING_JOIN, "StringJoin_2",
                            (tact_output_t[]) { any, cde_c }, 2, NULL, 0, &at, &st);
    assert_int_equal(st.code, TACT_CODE_OK);
    tu_run_fails(s, out0(bad), NULL, 0, TACT_CODE_INVALID_ARGUMENT,
                 "Input shapes do not match: [2] vs. [3]\n\t [[{{node StringJoin_2}}]]");
    int32_t one = 1;
    tact_output_t i = tu_const_i32(g, NULL, 0, &one, NULL, &st);
    at.n_list = 1;
    assert_null(add_op(g, TACT_OP_STRING_JOIN, NULL, &i, 1, NULL, 0, &at, &st));
    assert_string_equal(st.msg, "Tensors in list passed to 'inputs' of 'StringJoin' Op have types "
                                "[int32] that do not match expected type string.");
    tact_session_destroy(&s);
    tact_graph_destroy(&g);
}

static void test_sharded_filename(void **state)
{
    TACT_UNUSED(state);
    tact_status_t st = TACT_STATUS_INIT;
    tact_graph_t *g = tact_graph_new();
    tact_op_t *op = add_op(g, TACT_OP_SHARDED_FILENAME, NULL,
                           (tact_output_t[]) { str_scalar(g, NULL, "m"), i32_scalar(g, NULL, 3),
                                               i32_scalar(g, NULL, 12) },
                           3, NULL, 0, NULL, &st);
    tact_session_t *s = tu_session(g, NULL);
    tact_tensor_t *r = tu_run1(s, out0(op), NULL, 0, &st);
    assert_strings(r, 1, (const char *[]) { "m-00003-of-00012" }, NULL);
    tact_tensor_destroy(&r);
    const char *m = "m";
    assert_null(add_op(g, TACT_OP_SHARDED_FILENAME, NULL,
                       (tact_output_t[]) { str_const(g, "Const", 1, 1, &m),
                                           i32_scalar(g, "Const_1", 3),
                                           i32_scalar(g, "Const_2", 12) },
                       3, NULL, 0, NULL, &st));
    assert_string_equal(st.msg, "Shape must be rank 0 but is rank 1 for 'ShardedFilename_1' (op: "
                                "'ShardedFilename') with input shapes: [1], [], [].");
    tact_session_destroy(&s);
    tact_graph_destroy(&g);
}

static void test_static_regex_full_match(void **state)
{
    TACT_UNUSED(state);
    tact_status_t st = TACT_STATUS_INIT;
    tact_graph_t *g = tact_graph_new();
    const char *in[4] = { "s3://x", "/tmp/s3://", "s3:/", "" };
    tact_op_attrs_t at = { .text = "^s3://.*" };
    tact_op_t *op = add_op(g, TACT_OP_STATIC_REGEX_FULL_MATCH, NULL,
                           (tact_output_t[]) { str_const(g, NULL, 1, 4, in) }, 1, NULL, 0, &at,
                           &st);
    tact_op_attrs_t ab = { .text = "a|ab" };  /* a full match needs the longer alternative */
    const char *abs[3] = { "ab", "a", "abc" };
    tact_op_t *alt = add_op(g, TACT_OP_STATIC_REGEX_FULL_MATCH, NULL,
                            (tact_output_t[]) { str_const(g, NULL, 1, 3, abs) }, 1, NULL, 0, &ab,
                            &st);
    tact_op_attrs_t badp = { .text = "(a" };
    tact_op_t *bad = add_op(g, TACT_OP_STATIC_REGEX_FULL_MATCH, "bad",
                            (tact_output_t[]) { str_const(g, NULL, 1, 3, abs) }, 1, NULL, 0,
                            &badp, &st);
    assert_int_equal(st.code, TACT_CODE_OK);
    tact_session_t *s = tu_session(g, NULL);
    tact_tensor_t *r = tu_run1(s, out0(op), NULL, 0, &st);
    assert_non_null(r);
    assert_int_equal(tact_tensor_dtype(r), TACT_DTYPE_BOOL);
    assert_memory_equal(tact_tensor_data(r), ((bool[]) { true, false, false, false }), 4);
    tact_tensor_destroy(&r);
    r = tu_run1(s, out0(alt), NULL, 0, &st);
    assert_memory_equal(tact_tensor_data(r), ((bool[]) { true, true, false }), 3);
    tact_tensor_destroy(&r);
    assert_null(tu_run1(s, out0(bad), NULL, 0, &st));
    assert_int_equal(st.code, TACT_CODE_INVALID_ARGUMENT);
    assert_true(tu_contains(st.msg, "Invalid pattern: (a, error: "));
    assert_true(tu_contains(st.msg, "\n\t [[{{node bad}}]]"));
    tact_session_destroy(&s);
    tact_graph_destroy(&g);
}

/* ---- Select, SelectV2, PlaceholderWithDefault ---- */

static tact_output_t i32_2x2(tact_graph_t *g, int32_t a, int32_t b, int32_t c, int32_t d)
{
    tact_status_t st = TACT_STATUS_INIT;
    return tu_const_i32(g, (int64_t[]) { 2, 2 }, 2, (int32_t[]) { a, b, c, d }, NULL, &st);
}

static void assert_i32(const tact_tensor_t *t, int n, const int32_t *want)
{
    assert_non_null(t);
    assert_int_equal(tact_tensor_dtype(t), TACT_DTYPE_I32);
    assert_int_equal(tact_tensor_nelems(t), n);
    assert_memory_equal(tact_tensor_data(t), want, (size_t) n * sizeof(int32_t));
}

static void test_select(void **state)
{
    TACT_UNUSED(state);
    tact_status_t st = TACT_STATUS_INIT;
    tact_graph_t *g = tact_graph_new();
    tact_output_t t = i32_2x2(g, 1, 2, 3, 4), e = i32_2x2(g, 5, 6, 7, 8);
    tact_output_t rows = bool_const(g, NULL, (int64_t[]) { 2 }, 1, (bool[]) { true, false });
    tact_output_t scalar = bool_const(g, NULL, NULL, 0, (bool[]) { false });
    tact_output_t elems = bool_const(g, NULL, (int64_t[]) { 2, 2 }, 2,
                                     (bool[]) { true, false, false, true });
    tact_op_t *by_rows = add_op(g, TACT_OP_SELECT, NULL, (tact_output_t[]) { rows, t, e }, 3, NULL,
                                0, NULL, &st);
    tact_op_t *whole = add_op(g, TACT_OP_SELECT, NULL, (tact_output_t[]) { scalar, t, e }, 3, NULL,
                              0, NULL, &st);
    tact_op_t *each = add_op(g, TACT_OP_SELECT, NULL, (tact_output_t[]) { elems, t, e }, 3, NULL,
                             0, NULL, &st);
    assert_int_equal(st.code, TACT_CODE_OK);
    tact_session_t *s = tu_session(g, NULL);
    tact_tensor_t *r = tu_run1(s, out0(by_rows), NULL, 0, &st);
    assert_i32(r, 4, (int32_t[]) { 1, 2, 7, 8 });
    tact_tensor_destroy(&r);
    r = tu_run1(s, out0(whole), NULL, 0, &st);
    assert_i32(r, 4, (int32_t[]) { 5, 6, 7, 8 });
    tact_tensor_destroy(&r);
    r = tu_run1(s, out0(each), NULL, 0, &st);
    assert_i32(r, 4, (int32_t[]) { 1, 6, 7, 4 });
    tact_tensor_destroy(&r);

    /* TensorFlow's build-time messages (named after the graph's next default name). */
    tact_output_t three = bool_const(g, "c3", (int64_t[]) { 3 }, 1, (bool[]) { 1, 0, 1 });
    assert_null(add_op(g, TACT_OP_SELECT, NULL, (tact_output_t[]) { three, t, e }, 3, NULL, 0,
                       NULL, &st));
    assert_string_equal(st.msg, "Dimension 0 in both shapes must be equal, but are 3 and 2. Shapes "
                                "are [3] and [2]. for 'Select_3' (op: 'Select') with input shapes: "
                                "[3], [2,2], [2,2].");
    st = (tact_status_t) TACT_STATUS_INIT;
    tact_output_t row = bool_const(g, "c12", (int64_t[]) { 1, 2 }, 2, (bool[]) { 1, 0 });
    assert_null(add_op(g, TACT_OP_SELECT, NULL, (tact_output_t[]) { row, t, e }, 3, NULL, 0, NULL,
                       &st));
    assert_string_equal(st.msg, "Dimension 0 in both shapes must be equal, but are 2 and 1. Shapes "
                                "are [2,2] and [1,2]. for 'Select_4' (op: 'Select') with input "
                                "shapes: [1,2], [2,2], [2,2].");
    st = (tact_status_t) TACT_STATUS_INIT;
    float f[4] = { 0 };
    tact_output_t fe = tu_const_f32(g, (int64_t[]) { 2, 2 }, 2, f, NULL, &st);
    assert_null(add_op(g, TACT_OP_SELECT, NULL, (tact_output_t[]) { rows, t, fe }, 3, NULL, 0,
                       NULL, &st));
    assert_string_equal(st.msg, "Input 'e' of 'Select' Op has type float32 that does not match "
                                "type int32 of argument 't'.");
    st = (tact_status_t) TACT_STATUS_INIT;
    assert_null(add_op(g, TACT_OP_SELECT, NULL, (tact_output_t[]) { t, t, e }, 3, NULL, 0, NULL,
                       &st));
    assert_string_equal(st.msg, "Input 'condition' of 'Select' Op has type int32 that does not "
                                "match expected type of bool.");

    /* Run time: a condition of unknown shape. */
    st = (tact_status_t) TACT_STATUS_INIT;
    tact_output_t c3 = pwd(g, "cond3", three, UNKNOWN, &st);
    tact_output_t c12 = pwd(g, "cond12", row, UNKNOWN, &st);
    tact_op_t *r3 = add_op(g, TACT_OP_SELECT, "sel3", (tact_output_t[]) { c3, t, e }, 3, NULL, 0,
                           NULL, &st);
    tact_op_t *r12 = add_op(g, TACT_OP_SELECT, "sel12", (tact_output_t[]) { c12, t, e }, 3, NULL,
                            0, NULL, &st);
    assert_int_equal(st.code, TACT_CODE_OK);
    tu_run_fails(s, out0(r3), NULL, 0, TACT_CODE_INVALID_ARGUMENT,
                 "Number of batches of 'then' must match size of 'cond', but saw: 2 vs. 3"
                 "\n\t [[{{node sel3}}]]");
    tu_run_fails(s, out0(r12), NULL, 0, TACT_CODE_INVALID_ARGUMENT,
                 "Inputs to operation sel12 of type Select must have the same size and shape.  "
                 "Input 0: [1,2] != input 1: [2,2]\n\t [[{{node sel12}}]]");
    tact_session_destroy(&s);
    tact_graph_destroy(&g);
}

static void test_select_v2(void **state)
{
    TACT_UNUSED(state);
    tact_status_t st = TACT_STATUS_INIT;
    tact_graph_t *g = tact_graph_new();
    tact_output_t t = i32_2x2(g, 1, 2, 3, 4);
    tact_output_t nine = i32_scalar(g, NULL, 9);
    tact_output_t cols = bool_const(g, NULL, (int64_t[]) { 2 }, 1, (bool[]) { true, false });
    tact_output_t rows = bool_const(g, NULL, (int64_t[]) { 2, 1 }, 2, (bool[]) { false, true });
    tact_op_t *a = add_op(g, TACT_OP_SELECT_V2, NULL, (tact_output_t[]) { cols, t, nine }, 3, NULL,
                          0, NULL, &st);
    tact_op_t *b = add_op(g, TACT_OP_SELECT_V2, NULL, (tact_output_t[]) { rows, nine, t }, 3, NULL,
                          0, NULL, &st);
    assert_int_equal(st.code, TACT_CODE_OK);
    assert_int_equal(tact_output_ndims(out0(a)), 2);
    tact_session_t *s = tu_session(g, NULL);
    tact_tensor_t *r = tu_run1(s, out0(a), NULL, 0, &st);
    assert_i32(r, 4, (int32_t[]) { 1, 9, 3, 9 });
    tact_tensor_destroy(&r);
    r = tu_run1(s, out0(b), NULL, 0, &st);
    assert_i32(r, 4, (int32_t[]) { 1, 2, 9, 9 });
    tact_tensor_destroy(&r);

    tact_output_t three = bool_const(g, "c3", (int64_t[]) { 3 }, 1, (bool[]) { 1, 0, 1 });
    assert_null(add_op(g, TACT_OP_SELECT_V2, NULL, (tact_output_t[]) { three, t, nine }, 3, NULL, 0,
                       NULL, &st));
    assert_string_equal(st.msg, "Dimensions must be equal, but are 3 and 2 for 'SelectV2_2' (op: "
                                "'SelectV2') with input shapes: [3], [2,2], [].");
    st = (tact_status_t) TACT_STATUS_INIT;
    tact_output_t c3 = pwd(g, "cond3", three, UNKNOWN, &st);
    tact_op_t *bad = add_op(g, TACT_OP_SELECT_V2, "bad", (tact_output_t[]) { c3, t, nine }, 3, NULL,
                            0, NULL, &st);
    assert_int_equal(st.code, TACT_CODE_OK);
    tu_run_fails(s, out0(bad), NULL, 0, TACT_CODE_INVALID_ARGUMENT,
                 "condition [3], then [2,2], and else [] must be broadcastable"
                 "\n\t [[{{node bad}}]]");
    tact_session_destroy(&s);
    tact_graph_destroy(&g);
}

static void test_placeholder_with_default(void **state)
{
    TACT_UNUSED(state);
    tact_status_t st = TACT_STATUS_INIT;
    tact_graph_t *g = tact_graph_new();
    tact_output_t d = tu_const_f32(g, (int64_t[]) { 2 }, 1, (float[]) { 1, 2 }, NULL, &st);
    tact_output_t fixed = pwd(g, NULL, d, (tact_shape_t) { .ndims = 1, .dims = { 2 } }, &st);
    tact_output_t open = pwd(g, NULL, d, (tact_shape_t) { .ndims = 1, .dims = { -1 } }, &st);
    assert_int_equal(st.code, TACT_CODE_OK);
    assert_string_equal(fixed.op->name, "PlaceholderWithDefault");
    assert_int_equal(tact_output_dim(open, 0), -1);
    tact_session_t *s = tu_session(g, NULL);
    tact_tensor_t *r = tu_run1(s, fixed, NULL, 0, &st);  /* not fed: the default */
    assert_true(tu_f32_equal(r, (int64_t[]) { 2 }, 1, (float[]) { 1, 2 }));
    tact_tensor_destroy(&r);
    tact_tensor_t *v = tu_f32((int64_t[]) { 3 }, 1, (float[]) { 7, 8, 9 });
    tact_feed_t feed = { open, v };
    r = tu_run1(s, open, &feed, 1, &st);  /* fed */
    assert_true(tu_f32_equal(r, (int64_t[]) { 3 }, 1, (float[]) { 7, 8, 9 }));
    tact_tensor_destroy(&r);
    feed.tensor = fixed;
    assert_null(tu_run1(s, fixed, &feed, 1, &st));
    assert_int_equal(st.code, TACT_CODE_INVALID_ARGUMENT);
    assert_string_equal(st.msg, "Cannot feed value of shape (3,) for Tensor "
                                "'PlaceholderWithDefault:0', which has shape '(2,)'");
    tact_tensor_destroy(&v);

    st = (tact_status_t) TACT_STATUS_INIT;
    assert_null(pwd(g, NULL, d, (tact_shape_t) { .ndims = 1, .dims = { 3 } }, &st).op);
    assert_string_equal(st.msg, "Dimension 0 in both shapes must be equal, but are 2 and 3. Shapes "
                                "are [2] and [3]. for 'PlaceholderWithDefault_2' (op: "
                                "'PlaceholderWithDefault') with input shapes: [2].");
    tact_session_destroy(&s);
    tact_graph_destroy(&g);
}

static void test_pack_and_identity_n(void **state)
{
    TACT_UNUSED(state);
    tact_status_t st = TACT_STATUS_INIT;
    tact_graph_t *g = tact_graph_new();
    tact_output_t x = tu_const_i32(g, (int64_t[]) { 2 }, 1, (int32_t[]) { 1, 2 }, NULL, &st);
    tact_output_t y = tu_const_i32(g, (int64_t[]) { 2 }, 1, (int32_t[]) { 3, 4 }, NULL, &st);
    tact_op_attrs_t at0 = { .n_list = 2, .axis = 0 }, at1 = { .n_list = 2, .axis = -1 };
    tact_output_t xy[2] = { x, y };
    tact_op_t *p0 = add_op(g, TACT_OP_PACK, NULL, xy, 2, NULL, 0, &at0, &st);
    tact_op_t *p1 = add_op(g, TACT_OP_PACK, NULL, xy, 2, NULL, 0, &at1, &st);
    tact_output_t s1 = str_scalar(g, NULL, "s");
    tact_op_attrs_t idn = { .n_list = 2 };
    tact_op_t *ids = add_op(g, TACT_OP_IDENTITY_N, NULL, (tact_output_t[]) { x, s1 }, 2, NULL, 0,
                            &idn, &st);
    assert_int_equal(st.code, TACT_CODE_OK);
    assert_string_equal(p0->name, "stack");
    assert_int_equal(tact_op_num_outputs(ids), 2);
    tact_session_t *s = tu_session(g, NULL);
    tact_tensor_t *r = tu_run1(s, out0(p0), NULL, 0, &st);
    assert_i32(r, 4, (int32_t[]) { 1, 2, 3, 4 });
    tact_tensor_destroy(&r);
    r = tu_run1(s, out0(p1), NULL, 0, &st);
    assert_i32(r, 4, (int32_t[]) { 1, 3, 2, 4 });
    assert_int_equal(tact_tensor_dim(r, 0), 2);
    tact_tensor_destroy(&r);
    r = tu_run1(s, (tact_output_t) { ids, 1 }, NULL, 0, &st);
    assert_strings(r, 1, (const char *[]) { "s" }, NULL);
    tact_tensor_destroy(&r);
    tact_op_attrs_t bad = { .n_list = 2, .axis = 2 };
    assert_null(add_op(g, TACT_OP_PACK, "p", (tact_output_t[]) { x, y }, 2, NULL, 0, &bad, &st));
    assert_string_equal(st.msg, "Invalid axis: 2; must be in [-2,2) for 'p' (op: 'Pack') with "
                                "input shapes: [2], [2].");
    tact_session_destroy(&s);
    tact_graph_destroy(&g);
}

/* The public builders of <tact/ops.h>: tf.placeholder_with_default, tf.compat.v1.where,
 * tf.where (v2) and tf.strings.join, with TensorFlow's default names. */
static void test_public_builders(void **state)
{
    TACT_UNUSED(state);
    tact_status_t st = TACT_STATUS_INIT;
    tact_graph_t *g = tact_graph_new();
    tact_output_t d = tu_const_i32(g, (int64_t[]) { 2 }, 1, (int32_t[]) { 1, 2 }, NULL, &st);
    tact_output_t p = tact_placeholder_with_default(g, d, (int64_t[]) { -1 }, 1, NULL, &st);
    tact_output_t c = bool_const(g, NULL, (int64_t[]) { 2 }, 1, (bool[]) { false, true });
    tact_output_t nine = i32_scalar(g, NULL, 9);
    tact_output_t w = tact_where(g, c, p, d, NULL, &st);
    tact_output_t w2 = tact_where_v2(g, c, p, nine, NULL, &st);
    tact_output_t parts[2] = { str_scalar(g, NULL, "dir"), str_scalar(g, NULL, "model") };
    tact_output_t j = tact_string_join(g, parts, 2, "/", NULL, &st);
    assert_int_equal(st.code, TACT_CODE_OK);
    assert_string_equal(tact_op_type(p.op), "PlaceholderWithDefault");
    assert_string_equal(tact_op_name(p.op), "PlaceholderWithDefault");
    assert_string_equal(tact_op_name(w.op), "Select");
    assert_string_equal(tact_op_name(w2.op), "SelectV2");
    assert_string_equal(tact_op_name(j.op), "StringJoin");
    assert_int_equal(tact_output_dtype(p), TACT_DTYPE_I32);
    tact_session_t *s = tu_session(g, NULL);
    tact_tensor_t *v = tu_i32((int64_t[]) { 2 }, 1, (int32_t[]) { 5, 6 });
    tact_feed_t feed = { p, v };
    tact_tensor_t *r = tu_run1(s, w, &feed, 1, &st);
    assert_i32(r, 2, (int32_t[]) { 1, 6 });
    tact_tensor_destroy(&r);
    r = tu_run1(s, w2, NULL, 0, &st);
    assert_i32(r, 2, (int32_t[]) { 9, 2 });
    tact_tensor_destroy(&r);
    r = tu_run1(s, j, NULL, 0, &st);
    assert_strings(r, 1, (const char *[]) { "dir/model" }, NULL);
    tact_tensor_destroy(&r);
    tact_tensor_destroy(&v);
    assert_null(tact_string_join(g, parts, 0, NULL, NULL, &st).op);
    assert_string_equal(st.msg, "StringJoin: 0 inputs; at least 1 is needed");
    tact_session_destroy(&s);
    tact_graph_destroy(&g);
}

/* The I/O ops are stateful (never cached or folded); the others are not. */
static void test_stateful_flags(void **state)
{
    TACT_UNUSED(state);
    assert_true(tact__op_kind_stateful(TACT_OP_SAVE_V2));
    assert_true(tact__op_kind_stateful(TACT_OP_RESTORE_V2));
    assert_true(tact__op_kind_stateful(TACT_OP_MERGE_V2_CHECKPOINTS));
    assert_false(tact__op_kind_stateful(TACT_OP_SHARDED_FILENAME));
    assert_false(tact__op_kind_stateful(TACT_OP_STRING_JOIN));
    assert_false(tact__op_kind_stateful(TACT_OP_ADD));
    assert_string_equal(tact__op_kind_type(TACT_OP_MERGE_V2_CHECKPOINTS), "MergeV2Checkpoints");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_restore_tensorflow_checkpoint),
        cmocka_unit_test(test_many_variables),
        cmocka_unit_test(test_save_then_restore),
        cmocka_unit_test(test_sharded_save_then_restore),
        cmocka_unit_test(test_save_directories),
        cmocka_unit_test(test_saver_ops_placed_on_cpu),
        cmocka_unit_test(test_restore_errors),
        cmocka_unit_test(test_restore_corrupt),
        cmocka_unit_test(test_save_errors),
        cmocka_unit_test(test_merge_errors),
        cmocka_unit_test(test_merge_two_shards),
        cmocka_unit_test(test_string_join),
        cmocka_unit_test(test_sharded_filename),
        cmocka_unit_test(test_static_regex_full_match),
        cmocka_unit_test(test_select),
        cmocka_unit_test(test_select_v2),
        cmocka_unit_test(test_placeholder_with_default),
        cmocka_unit_test(test_pack_and_identity_n),
        cmocka_unit_test(test_public_builders),
        cmocka_unit_test(test_stateful_flags),
    };
    return cmocka_run_group_tests_name("saver_ops", tests, NULL, NULL);
}
