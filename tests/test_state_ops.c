/* SPDX-License-Identifier: MIT */
/* Resource variables (runtime/ops/state_ops.c, devices/cpu/kernels/state_kernels.c) on the
 * graph and checkpoint TensorFlow made with use_resource=True (data/make_resource_fixtures.py):
 * import, VarIsInitializedOp, the initializers, TensorFlow's messages for a variable without a
 * value, tact_checkpoint_restore/save against TensorFlow's checkpoint, the Saver's own
 * RestoreV2/AssignVariableOp and SaveV2/ReadVariableOp subgraph, AssignAddVariableOp, separate
 * values per session, and export. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <tact/tact.h>

#include "tests/helpers.h"

#include "tests/data/resource_fixtures.inc"

#define GRAPH_PATH TACT_TEST_DATA_DIR "/resource_graph.pb"
#define CKPT_PREFIX TACT_TEST_DATA_DIR "/ckpt_resource/model"
#define DATA_SUFFIX ".data-00000-of-00001"

static tact_graph_t *import_fixture(void)
{
    tact_status_t st = TACT_STATUS_INIT;
    tact_graph_t *g = tact_graph_new();
    if (tact_graph_import_file(g, GRAPH_PATH, NULL, &st) != TACT_CODE_OK)
        fail_msg("import: %s", st.msg);
    return g;
}

static tact_output_t out(tact_graph_t *g, const char *name)
{
    tact_status_t st = TACT_STATUS_INIT;
    tact_output_t o = tact_graph_output(g, name, &st);
    if (st.code != TACT_CODE_OK)
        fail_msg("%s: %s", name, st.msg);
    return o;
}

/* y for the fixture's x must be want[0..4). */
static void assert_y(tact_session_t *s, tact_graph_t *g, const float *want)
{
    tact_status_t st = TACT_STATUS_INIT;
    tact_tensor_t *x = tu_f32((int64_t[]) { 2, 2 }, 2, resource_x);
    tact_feed_t feed = { out(g, "x:0"), x };
    tact_tensor_t *y = tu_run1(s, out(g, "y:0"), &feed, 1, &st);
    if (st.code != TACT_CODE_OK)
        fail_msg("y: %s", st.msg);
    if (!tu_f32_equal(y, (int64_t[]) { 2, 2 }, 2, want))
        fail_msg("y: got %s", tu_str(y));
    tact_tensor_destroy(&y);
    tact_tensor_destroy(&x);
}

static bool is_initialized(tact_session_t *s, tact_graph_t *g, const char *var)
{
    char name[128];
    snprintf(name, sizeof name, "%s/IsInitialized/VarIsInitializedOp:0", var);
    tact_status_t st = TACT_STATUS_INIT;
    tact_tensor_t *t = tu_run1(s, out(g, name), NULL, 0, &st);
    assert_int_equal(st.code, TACT_CODE_OK);
    assert_int_equal(tact_tensor_dtype(t), TACT_DTYPE_BOOL);
    assert_int_equal(tact_tensor_ndims(t), 0);
    bool v = *(bool *) tact_tensor_data(t);
    tact_tensor_destroy(&t);
    return v;
}

static void assert_saved_values(tact_session_t *s, tact_graph_t *g)
{
    tact_status_t st = TACT_STATUS_INIT;
    tact_tensor_t *w = tu_run1(s, out(g, "w/Read/ReadVariableOp:0"), NULL, 0, &st);
    tact_tensor_t *b = tu_run1(s, out(g, "b/Read/ReadVariableOp:0"), NULL, 0, &st);
    tact_tensor_t *step = tu_run1(s, out(g, "step/Read/ReadVariableOp:0"), NULL, 0, &st);
    assert_int_equal(st.code, TACT_CODE_OK);
    assert_true(tu_f32_equal(w, (int64_t[]) { 2, 2 }, 2, resource_saved_w));
    assert_true(tu_f32_equal(b, (int64_t[]) { 2 }, 1, resource_saved_b));
    assert_int_equal(tact_tensor_dtype(step), TACT_DTYPE_I32);
    assert_int_equal(*(int32_t *) tact_tensor_data(step), resource_saved_step);
    tact_tensor_destroy(&w);
    tact_tensor_destroy(&b);
    tact_tensor_destroy(&step);
}

static void make_dir(char *dir)
{
    strcpy(dir, "/tmp/tact_state_XXXXXX");
    assert_non_null(mkdtemp(dir));
}

static void assert_files_equal(const char *a, const char *b)
{
    size_t na, nb;
    char *da = tu_read_file(a, &na), *db = tu_read_file(b, &nb);
    assert_int_equal(na, nb);
    assert_memory_equal(da, db, na);
    free(da);
    free(db);
}

static void test_uninitialized_read(void **state)
{
    (void) state;
    tact_graph_t *g = import_fixture();
    tact_session_t *s = tu_session(g, NULL);
    assert_false(is_initialized(s, g, "b"));
    char want[600];
    /* no variable of the container has a value yet: TensorFlow's very words */
    snprintf(want, sizeof want, "%s\n\t [[{{node b/Read/ReadVariableOp}}]]",
             resource_uninit_msg);
    tu_run_fails(s, out(g, "b/Read/ReadVariableOp:0"), NULL, 0, TACT_CODE_FAILED_PRECONDITION,
                 want);
    /* AssignAddVariableOp does not create it */
    tact_status_t st = TACT_STATUS_INIT;
    tact_op_t *inc = tact_graph_op(g, "inc");
    assert_non_null(inc);
    assert_int_equal(tact_session_run(s, NULL, 0, NULL, NULL, 0, &inc, 1, &st),
                     TACT_CODE_NOT_FOUND);
    assert_string_equal(st.msg, "Container localhost does not exist. (Could not find resource: "
                                "localhost/b)\n\t [[{{node inc}}]]");
    /* once another variable of the container has a value: ResourceMgr's other words */
    tu_run_op(s, tact_graph_op(g, "w/Assign"));
    tu_run_fails(s, out(g, "b/Read/ReadVariableOp:0"), NULL, 0, TACT_CODE_FAILED_PRECONDITION,
                 "Could not find variable b. This could mean that the variable has been "
                 "deleted. In TF1, it can also mean the variable is uninitialized. Debug info: "
                 "container=localhost, status error message=Resource "
                 "localhost/b/N10tensorflow3VarE does not exist.\n\t [[{{node "
                 "b/Read/ReadVariableOp}}]]");
    assert_true(is_initialized(s, g, "w"));
    assert_false(is_initialized(s, g, "b"));
    /* a checkpoint of a variable without a value */
    char dir[64], prefix[96];
    make_dir(dir);
    snprintf(prefix, sizeof prefix, "%s/model", dir);
    st = (tact_status_t) TACT_STATUS_INIT;
    assert_int_equal(tact_checkpoint_save(s, prefix, &st), TACT_CODE_FAILED_PRECONDITION);
    assert_true(tu_contains(st.msg, "Could not find variable "));
    tu_remove_tree(dir);
    tact_session_destroy(&s);
    tact_graph_destroy(&g);
}

static void test_initialize_and_update(void **state)
{
    (void) state;
    tact_graph_t *g = import_fixture();
    tact_status_t st = TACT_STATUS_INIT;
    tact_op_t *init = tact_global_variables_initializer(g, &st);
    assert_non_null(init);
    tact_session_t *s = tu_session(g, NULL);
    tact_session_t *other = tu_session(g, NULL);
    tu_run_op(s, init);
    assert_true(is_initialized(s, g, "b"));
    assert_true(is_initialized(s, g, "step"));
    assert_y(s, g, resource_y_init);
    /* each session has its own values */
    assert_false(is_initialized(other, g, "b"));
    tu_run_op(s, tact_graph_op(g, "inc"));
    tu_run_op(s, tact_graph_op(g, "inc"));
    tact_tensor_t *b = tu_run1(s, out(g, "b/Read/ReadVariableOp:0"), NULL, 0, &st);
    assert_true(tu_f32_equal(b, (int64_t[]) { 2 }, 1, (float[]) { 2.5f, 1.5f }));
    tact_tensor_destroy(&b);
    tact_session_destroy(&other);
    tact_session_destroy(&s);
    tact_graph_destroy(&g);
}

/* TensorFlow's checkpoint restored by tact_checkpoint_restore, run, saved byte for byte. */
static void test_checkpoint_from_tensorflow(void **state)
{
    (void) state;
    tact_graph_t *g = import_fixture();
    tact_session_t *s = tu_session(g, NULL);
    tact_status_t st = TACT_STATUS_INIT;
    if (tact_checkpoint_restore(s, CKPT_PREFIX, &st) != TACT_CODE_OK)
        fail_msg("restore: %s", st.msg);
    assert_saved_values(s, g);
    assert_y(s, g, resource_y_saved);

    char dir[64], prefix[96], path[128];
    make_dir(dir);
    snprintf(prefix, sizeof prefix, "%s/model", dir);
    assert_int_equal(tact_checkpoint_save(s, prefix, &st), TACT_CODE_OK);
    snprintf(path, sizeof path, "%s" DATA_SUFFIX, prefix);
    assert_files_equal(path, CKPT_PREFIX DATA_SUFFIX);

    /* then AssignAddVariableOp, as TensorFlow ran it after its restore */
    tu_run_op(s, tact_graph_op(g, "inc"));
    tact_tensor_t *b = tu_run1(s, out(g, "b/Read/ReadVariableOp:0"), NULL, 0, &st);
    assert_true(tu_f32_equal(b, (int64_t[]) { 2 }, 1, resource_b_inc));
    tact_tensor_destroy(&b);

    /* and the save restores into a fresh session */
    tact_session_t *s2 = tu_session(g, NULL);
    assert_int_equal(tact_checkpoint_restore(s2, prefix, &st), TACT_CODE_OK);
    assert_saved_values(s2, g);
    tact_session_destroy(&s2);
    tu_remove_tree(dir);
    tact_session_destroy(&s);
    tact_graph_destroy(&g);
}

/* The Saver's own subgraph: RestoreV2 into AssignVariableOps, SaveV2 of ReadVariableOps. */
static void test_saver_subgraph(void **state)
{
    (void) state;
    tact_graph_t *g = import_fixture();
    tact_session_t *s = tu_session(g, NULL);
    tact_status_t st = TACT_STATUS_INIT;
    tact_tensor_t *name = tact_tensor_new_strings(NULL, 0, (const char *[]) { CKPT_PREFIX },
                                                  NULL, &st);
    tact_feed_t feed = { out(g, "save/Const:0"), name };
    tact_op_t *restore = tact_graph_op(g, "save/restore_all");
    assert_non_null(restore);
    if (tact_session_run(s, NULL, 0, NULL, &feed, 1, &restore, 1, &st) != TACT_CODE_OK)
        fail_msg("save/restore_all: %s", st.msg);
    assert_saved_values(s, g);
    assert_y(s, g, resource_y_saved);
    tact_tensor_destroy(&name);

    char dir[64], prefix[96], path[128];
    make_dir(dir);
    snprintf(prefix, sizeof prefix, "%s/model", dir);
    name = tact_tensor_new_strings(NULL, 0, (const char *[]) { prefix }, NULL, &st);
    feed.tensor = out(g, "save/Const:0");
    feed.value = name;
    tact_tensor_t *saved = tu_run1(s, out(g, "save/control_dependency:0"), &feed, 1, &st);
    if (st.code != TACT_CODE_OK)
        fail_msg("save: %s", st.msg);
    snprintf(path, sizeof path, "%s" DATA_SUFFIX, prefix);
    assert_files_equal(path, CKPT_PREFIX DATA_SUFFIX);
    tact_tensor_destroy(&saved);
    tact_tensor_destroy(&name);
    tu_remove_tree(dir);
    tact_session_destroy(&s);
    tact_graph_destroy(&g);
}

/* Exported and imported again: the same variables, restored and run alike. */
static void test_export_round_trip(void **state)
{
    (void) state;
    tact_graph_t *g = import_fixture();
    tact_status_t st = TACT_STATUS_INIT;
    void *data;
    size_t len;
    assert_int_equal(tact_graph_export(g, &data, &len, &st), TACT_CODE_OK);
    tact_graph_t *g2 = tact_graph_new();
    if (tact_graph_import(g2, data, len, NULL, &st) != TACT_CODE_OK)
        fail_msg("re-import: %s", st.msg);
    free(data);
    tact_session_t *s = tu_session(g2, NULL);
    assert_int_equal(tact_checkpoint_restore(s, CKPT_PREFIX, &st), TACT_CODE_OK);
    assert_saved_values(s, g2);
    assert_y(s, g2, resource_y_saved);
    tact_session_destroy(&s);
    tact_graph_destroy(&g2);
    tact_graph_destroy(&g);
}

/* Two imports of one GraphDef under different prefixes share their variables, as TensorFlow's
 * VarHandleOps of one container and shared_name do. */
static void test_shared_name(void **state)
{
    (void) state;
    tact_status_t st = TACT_STATUS_INIT;
    tact_graph_t *g = tact_graph_new();
    tact_import_options_t a = { .prefix = "a" }, b = { .prefix = "b" };
    assert_int_equal(tact_graph_import_file(g, GRAPH_PATH, &a, &st), TACT_CODE_OK);
    assert_int_equal(tact_graph_import_file(g, GRAPH_PATH, &b, &st), TACT_CODE_OK);
    tact_session_t *s = tu_session(g, NULL);
    tu_run_op(s, tact_graph_op(g, "a/b/Assign"));
    tact_tensor_t *v = tu_run1(s, out(g, "b/b/Read/ReadVariableOp:0"), NULL, 0, &st);
    assert_int_equal(st.code, TACT_CODE_OK);
    assert_true(tu_f32_equal(v, (int64_t[]) { 2 }, 1, (float[]) { 0.5f, -0.5f }));
    tact_tensor_destroy(&v);
    tact_session_destroy(&s);
    tact_graph_destroy(&g);
}

/* The C builders: a resource variable made, initialised, updated, checked and saved. */
static void test_builders(void **state)
{
    (void) state;
    tact_status_t st = TACT_STATUS_INIT;
    tact_graph_t *g = tact_graph_new();
    tact_output_t init = tu_const_f32(g, (int64_t[]) { 2 }, 1, (float[]) { 1.0f, 2.0f }, "v0",
                                      &st);
    tact_output_t v = tact_resource_variable(g, init, "v", &st);
    tact_output_t read = tact_read_variable(g, v, "read", &st);
    tact_output_t one = tu_const_f32(g, (int64_t[]) { 2 }, 1, (float[]) { 0.5f, 0.5f }, "one",
                                     &st);
    tact_op_t *add = tact_assign_add_variable(g, v, one, "add", &st);
    tact_output_t is_init = tact_var_is_initialized(g, v, "is_init", &st);
    tact_output_t delta = tact_placeholder(g, TACT_DTYPE_F32, (int64_t[]) { -1 }, 1, "d", &st);
    tact_op_t *add_fed = tact_assign_add_variable(g, v, delta, "add_fed", &st);
    tact_op_t *initializer = tact_global_variables_initializer(g, &st);
    assert_int_equal(st.code, TACT_CODE_OK);
    assert_string_equal(tact_op_name(v.op), "v");
    assert_int_equal(tact_output_dtype(read), TACT_DTYPE_F32);

    tact_session_t *s = tu_session(g, NULL);
    tact_tensor_t *t = tu_run1(s, is_init, NULL, 0, &st);
    assert_false(*(bool *) tact_tensor_data(t));
    tact_tensor_destroy(&t);
    tu_run_op(s, initializer);
    tu_run_op(s, add);
    t = tu_run1(s, read, NULL, 0, &st);
    assert_true(tu_f32_equal(t, (int64_t[]) { 2 }, 1, (float[]) { 1.5f, 2.5f }));
    tact_tensor_destroy(&t);
    /* a fed update of another shape */
    tact_tensor_t *d3 = tu_f32((int64_t[]) { 3 }, 1, (float[]) { 1, 2, 3 });
    tact_feed_t feed = { delta, d3 };
    assert_int_equal(tact_session_run(s, NULL, 0, NULL, &feed, 1, &add_fed, 1, &st),
                     TACT_CODE_INVALID_ARGUMENT);
    assert_string_equal(st.msg, "Cannot update variable with shape [2] using a Tensor with shape "
                                "[3], shapes must be equal.\n\t [[{{node add_fed}}]]");
    tact_tensor_destroy(&d3);

    /* saved and restored as TensorFlow's Saver would key it: "v" */
    char dir[64], prefix[96];
    make_dir(dir);
    snprintf(prefix, sizeof prefix, "%s/model", dir);
    st = (tact_status_t) TACT_STATUS_INIT;
    assert_int_equal(tact_checkpoint_save(s, prefix, &st), TACT_CODE_OK);
    tact_session_t *s2 = tu_session(g, NULL);
    assert_int_equal(tact_checkpoint_restore(s2, prefix, &st), TACT_CODE_OK);
    t = tu_run1(s2, read, NULL, 0, &st);
    assert_true(tu_f32_equal(t, (int64_t[]) { 2 }, 1, (float[]) { 1.5f, 2.5f }));
    tact_tensor_destroy(&t);
    tact_session_destroy(&s2);
    tu_remove_tree(dir);
    tact_session_destroy(&s);

    /* build-time errors: dtype, shape, a handle that is not one */
    tact_output_t i2 = tu_const_i32(g, (int64_t[]) { 2 }, 1, (int32_t[]) { 1, 2 }, "i2", &st);
    assert_null(tact_assign_variable(g, v, i2, "bad_dtype", &st));
    assert_int_equal(st.code, TACT_CODE_INVALID_ARGUMENT);
    assert_true(tu_contains(st.msg, "Input 'value' of 'AssignVariableOp' Op has type int32"));
    st = (tact_status_t) TACT_STATUS_INIT;
    tact_output_t f3 = tu_const_f32(g, (int64_t[]) { 3 }, 1, (float[]) { 1, 2, 3 }, "f3", &st);
    assert_null(tact_assign_variable(g, v, f3, "bad_shape", &st));
    assert_int_equal(st.code, TACT_CODE_INVALID_ARGUMENT);
    assert_true(tu_contains(st.msg, "Dimension 0 in both shapes must be equal, but are 2 and 3. "
                                    "Shapes are [2] and [3]."));
    st = (tact_status_t) TACT_STATUS_INIT;
    tact_read_variable(g, one, "bad_handle", &st);
    assert_int_equal(st.code, TACT_CODE_INVALID_ARGUMENT);
    assert_string_equal(st.msg, "ReadVariableOp: input 'resource' must be a VarHandleOp's "
                                "handle, not Const 'one'");
    tact_graph_destroy(&g);
}

typedef struct {
    tact_session_t *s;
    tact_op_t *add;
    tact_output_t read;
} counter_t;

static void *counter_thread(void *arg)
{
    counter_t *c = arg;
    for (int i = 0; i < 200; i++) {
        tact_status_t st = TACT_STATUS_INIT;
        tact_session_run(c->s, NULL, 0, NULL, NULL, 0, &c->add, 1, &st);
        tact_tensor_t *v = tu_run1(c->s, c->read, NULL, 0, &st);  /* reads beside updates */
        tact_tensor_destroy(&v);
        if (st.code != TACT_CODE_OK)
            return (void *) 1;
    }
    return NULL;
}

/* AssignAddVariableOp from four threads at once: no update is lost. */
static void test_concurrent_updates(void **state)
{
    (void) state;
    tact_status_t st = TACT_STATUS_INIT;
    tact_graph_t *g = tact_graph_new();
    tact_output_t zero = tu_const_i32(g, NULL, 0, (int32_t[]) { 0 }, "zero", &st);
    tact_output_t one = tu_const_i32(g, NULL, 0, (int32_t[]) { 1 }, "one", &st);
    tact_output_t v = tact_resource_variable(g, zero, "count", &st);
    counter_t c = { NULL, tact_assign_add_variable(g, v, one, "add", &st),
                    tact_read_variable(g, v, "read", &st) };
    tact_op_t *init = tact_global_variables_initializer(g, &st);
    assert_int_equal(st.code, TACT_CODE_OK);
    c.s = tu_session(g, NULL);
    tu_run_op(c.s, init);
    pthread_t th[4];
    for (int i = 0; i < 4; i++)
        assert_int_equal(pthread_create(&th[i], NULL, counter_thread, &c), 0);
    for (int i = 0; i < 4; i++) {
        void *rc;
        pthread_join(th[i], &rc);
        assert_null(rc);
    }
    tact_tensor_t *t = tu_run1(c.s, c.read, NULL, 0, &st);
    assert_int_equal(*(int32_t *) tact_tensor_data(t), 800);
    tact_tensor_destroy(&t);
    tact_session_destroy(&c.s);
    tact_graph_destroy(&g);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_uninitialized_read),
        cmocka_unit_test(test_initialize_and_update),
        cmocka_unit_test(test_checkpoint_from_tensorflow),
        cmocka_unit_test(test_saver_subgraph),
        cmocka_unit_test(test_export_round_trip),
        cmocka_unit_test(test_shared_name),
        cmocka_unit_test(test_builders),
        cmocka_unit_test(test_concurrent_updates),
    };
    return cmocka_run_group_tests_name("state_ops", tests, NULL, NULL);
}
