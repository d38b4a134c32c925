/* SPDX-License-Identifier: MIT */
/* Variables and session-owned resources, and the run options that stop steps: timeouts and
 * cancellation handles.
 *
 * The simplest use of a variable:
 *     tact_output_t v = tact_variable(g, tact_constant(g, zeros, NULL, &st), "v", &st);
 *     tact_op_t *init = tact_global_variables_initializer(g, &st);
 *     tact_op_run(init, NULL, 0, s, &st);
 *     tact_tensor_t *value = tact_eval(v, NULL, 0, s, &st);
 */
#include "runtime/exec/session_impl.h"

#include <setjmp.h>
#include <cmocka.h>
#include <pthread.h>
#include <string.h>

#include "tests/helpers.h"

static void expect_eval(tact_session_t *s, tact_output_t t, const char *text)
{
    tact_status_t st = TACT_STATUS_INIT;
    tact_tensor_t *r = tact_eval(t, NULL, 0, s, &st);
    assert_int_equal(st.code, TACT_CODE_OK);
    assert_string_equal(tu_str(r), text);
    tact_tensor_destroy(&r);
}

/* Scenario S7: two graphs, each with a variable "Variable", each run in its own session. */
static void test_two_graphs_each_with_a_variable(void **state)
{
    (void) state;
    tact_status_t st = TACT_STATUS_INIT;
    tact_graph_t *g[2] = { tact_graph_new(), tact_graph_new() };
    tact_output_t v[2];
    tact_op_t *init[2];
    for (int i = 0; i < 2; i++) {
        v[i] = tact_variable(g[i], tu_const_f32(g[i], (int64_t[]) { 1 }, 1, (float[]) { (float) i },
                                                NULL, &st), NULL, &st);
        init[i] = tact_global_variables_initializer(g[i], &st);
        assert_int_equal(st.code, TACT_CODE_OK);
        assert_string_equal(tact_op_name(v[i].op), "Variable");
        assert_string_equal(tact_op_type(v[i].op), "VariableV2");
        assert_string_equal(tact_op_name(init[i]), "init");
        assert_non_null(tact_graph_op(g[i], "Variable/Assign"));
    }
    for (int i = 0; i < 2; i++) {
        tact_session_t *s = tu_session(g[i], NULL);
        assert_int_equal(tact_op_run(init[i], NULL, 0, s, &st), TACT_CODE_OK);
        expect_eval(s, v[i], i ? "[1.]" : "[0.]");
        tact_session_destroy(&s);
        tact_graph_destroy(&g[i]);
    }
}

static void test_values_are_per_session_and_uninitialized_reads_fail(void **state)
{
    (void) state;
    tact_status_t st = TACT_STATUS_INIT;
    tact_graph_t *g = tact_graph_new();
    tact_output_t v = tact_variable(g, tu_const_f32(g, (int64_t[]) { 2 }, 1, (float[]) { 1, 2 },
                                                    NULL, &st), "v", &st);
    tact_output_t twice = tact_multiply(g, v, tu_const_f32(g, NULL, 0, (float[]) { 2 }, NULL, &st),
                                        NULL, &st);
    tact_output_t bump = tact_assign_add(g, v, tu_const_f32(g, (int64_t[]) { 2 }, 1,
                                                            (float[]) { 10, 10 }, NULL, &st),
                                         NULL, &st);
    tact_op_t *init = tact_global_variables_initializer(g, &st);
    assert_int_equal(st.code, TACT_CODE_OK);
    tact_session_t *a = tu_session(g, NULL), *b = tu_session(g, NULL);

    /* Reading before initialisation, directly or through an op or an update. */
    const tact_output_t reads[] = { v, twice, bump };
    for (int i = 0; i < 3; i++) {
        tact_status_t e = TACT_STATUS_INIT;
        tact_tensor_t *r = tact_eval(reads[i], NULL, 0, a, &e);
        assert_null(r);
        assert_int_equal(e.code, TACT_CODE_FAILED_PRECONDITION);
        assert_true(tu_contains(e.msg, "Attempting to use uninitialized value v"));
    }

    assert_int_equal(tact_op_run(init, NULL, 0, a, &st), TACT_CODE_OK);
    expect_eval(a, v, "[1. 2.]");
    expect_eval(a, twice, "[2. 4.]");
    expect_eval(a, bump, "[11. 12.]");
    expect_eval(a, v, "[11. 12.]");
    /* Session b never ran the initializer: it sees none of a's values. */
    tact_status_t e = TACT_STATUS_INIT;
    assert_null(tact_eval(v, NULL, 0, b, &e));
    assert_int_equal(e.code, TACT_CODE_FAILED_PRECONDITION);
    assert_int_equal(tact_op_run(init, NULL, 0, b, &st), TACT_CODE_OK);
    expect_eval(b, v, "[1. 2.]");
    expect_eval(a, v, "[11. 12.]");
    /* A fetched value is the caller's copy: changing it changes nothing in the session. */
    tact_tensor_t *r = tact_eval(v, NULL, 0, a, &st);
    ((float *) tact_tensor_data(r))[0] = -1;
    tact_tensor_destroy(&r);
    expect_eval(a, v, "[11. 12.]");
    /* Re-running the initializer resets the value. */
    assert_int_equal(tact_op_run(init, NULL, 0, a, &st), TACT_CODE_OK);
    expect_eval(a, v, "[1. 2.]");
    tact_session_destroy(&a);
    tact_session_destroy(&b);
    tact_graph_destroy(&g);
}

static void test_assign_family(void **state)
{
    (void) state;
    tact_status_t st = TACT_STATUS_INIT;
    tact_graph_t *g = tact_graph_new();
    tact_output_t v = tact_variable(g, tu_const_i32(g, NULL, 0, (int32_t[]) { 5 }, NULL, &st),
                                    NULL, &st);
    tact_output_t set = tact_assign(g, v, tu_const_i32(g, NULL, 0, (int32_t[]) { 40 }, NULL, &st),
                                    NULL, &st);
    tact_output_t add = tact_assign_add(g, v, tu_const_i32(g, NULL, 0, (int32_t[]) { 2 }, NULL,
                                                           &st), NULL, &st);
    tact_output_t sub = tact_assign_sub(g, v, tu_const_i32(g, NULL, 0, (int32_t[]) { 10 }, NULL,
                                                           &st), NULL, &st);
    tact_op_t *init = tact_global_variables_initializer(g, &st);
    assert_int_equal(st.code, TACT_CODE_OK);
    assert_string_equal(tact_op_name(set.op), "Assign");
    assert_string_equal(tact_op_name(add.op), "AssignAdd");
    assert_string_equal(tact_op_name(sub.op), "AssignSub");
    tact_session_t *s = tu_session(g, NULL);
    /* Assign does not read its variable, so it works before initialisation. */
    expect_eval(s, set, "40");
    expect_eval(s, add, "42");
    expect_eval(s, sub, "32");
    expect_eval(s, v, "32");
    assert_int_equal(tact_op_run(init, NULL, 0, s, &st), TACT_CODE_OK);
    expect_eval(s, v, "5");
    /* The same updates through the default-session path. */
    tact_session_push_default(s);
    expect_eval(NULL, add, "7");
    assert_int_equal(tact_session_pop_default(s), TACT_CODE_OK);
    tact_session_destroy(&s);
    tact_graph_destroy(&g);
}

/* Run errors of updates, as TensorFlow gives them: an update (fed, so its shape is known only
 * at run time) of another shape than the value's, and a variable fed in a run that assigns to
 * it (the op would update the variable the feed stands for). Reading a fed variable is fine. */
static void test_update_run_errors(void **state)
{
    (void) state;
    tact_status_t st = TACT_STATUS_INIT;
    tact_graph_t *g = tact_graph_new();
    tact_output_t v = tact_variable(g, tu_const_f32(g, (int64_t[]) { 2 }, 1, (float[]) { 1, 2 },
                                                    NULL, &st), "v", &st);
    tact_output_t d = tact_placeholder(g, TACT_DTYPE_F32, NULL, -1, "d", &st);
    tact_output_t add = tact_assign_add(g, v, d, "add", &st);
    tact_output_t set = tact_assign(g, v, tu_const_f32(g, (int64_t[]) { 2 }, 1,
                                                       (float[]) { 7, 8 }, NULL, &st), "set", &st);
    tact_output_t twice = tact_add(g, v, v, "twice", &st);
    tact_op_t *init = tact_global_variables_initializer(g, &st);
    assert_int_equal(st.code, TACT_CODE_OK);
    tact_session_t *s = tu_session(g, NULL);
    assert_int_equal(tact_op_run(init, NULL, 0, s, &st), TACT_CODE_OK);
    tact_tensor_t *scalar = tu_scalar_f32(3), *pair = tu_f32((int64_t[]) { 2 }, 1,
                                                               (float[]) { 10, 20 });
    tact_feed_t feed = { d, scalar };
    tu_run_fails(s, add, &feed, 1, TACT_CODE_INVALID_ARGUMENT,
                 "Parameters and update must be the same size\n\t [[{{node add}}]]");
    expect_eval(s, v, "[1. 2.]");  /* unchanged */
    feed = (tact_feed_t) { v, pair };
    tu_run_fails(s, set, &feed, 1, TACT_CODE_INVALID_ARGUMENT,
                 "Input 0 of node set was passed float from v:0 incompatible with "
                 "expected float_ref.");
    tact_tensor_t *r = tu_run1(s, twice, &feed, 1, &st);
    assert_string_equal(tu_str(r), "[20. 40.]");
    tact_tensor_destroy(&r);
    expect_eval(s, v, "[1. 2.]");
    tact_tensor_destroy(&scalar);
    tact_tensor_destroy(&pair);
    tact_session_destroy(&s);
    tact_graph_destroy(&g);
}

static void test_variable_build_errors(void **state)
{
    (void) state;
    tact_graph_t *g = tact_graph_new();
    tact_status_t st = TACT_STATUS_INIT;
    tact_output_t c2 = tu_const_f32(g, (int64_t[]) { 2 }, 1, (float[]) { 1, 2 }, "c2", &st);
    tact_output_t c3 = tu_const_f32(g, (int64_t[]) { 3 }, 1, (float[]) { 1, 2, 3 }, "c3", &st);
    tact_output_t ci = tu_const_i32(g, (int64_t[]) { 2 }, 1, (int32_t[]) { 1, 2 }, "ci", &st);
    tact_output_t v = tact_variable(g, c2, "v", &st);
    assert_int_equal(st.code, TACT_CODE_OK);

    tact_status_t e = TACT_STATUS_INIT;
    assert_true(tact_output_is_empty(tact_assign(g, v, c3, NULL, &e)));
    assert_int_equal(e.code, TACT_CODE_INVALID_ARGUMENT);
    assert_true(tu_contains(e.msg, "Dimension 0 in both shapes must be equal, but are 2 and 3"));
    e = (tact_status_t) TACT_STATUS_INIT;
    assert_true(tact_output_is_empty(tact_assign_add(g, v, ci, NULL, &e)));
    assert_true(tu_contains(e.msg, "Input 'value' of 'AssignAdd' Op has type int32 that does not "
                                   "match type float32"));
    e = (tact_status_t) TACT_STATUS_INIT;
    assert_true(tact_output_is_empty(tact_assign(g, c2, c2, NULL, &e)));
    assert_true(tu_contains(e.msg, "Assign: input 'ref' must be a variable, but c2:0 is a Const"));
    e = (tact_status_t) TACT_STATUS_INIT;
    tact_output_t p = tact_placeholder(g, TACT_DTYPE_F32, (int64_t[]) { -1 }, 1, "p", &e);
    assert_true(tact_output_is_empty(tact_variable(g, p, NULL, &e)));
    assert_true(tu_contains(e.msg, "initial value must have a fully known shape, not [?]"));
    tact_graph_destroy(&g);
}

typedef struct bumper {
    tact_session_t *s;
    tact_output_t bump;
    int failures;
} bumper_t;

static void *bumper_main(void *p)
{
    bumper_t *b = p;
    for (int i = 0; i < 100; i++) {
        tact_status_t st = TACT_STATUS_INIT;
        tact_session_run(b->s, NULL, 0, NULL, NULL, 0, &b->bump.op, 1, &st);
        b->failures += st.code != TACT_CODE_OK;
    }
    return NULL;
}

static void test_concurrent_updates_are_atomic(void **state)
{
    (void) state;
    tact_status_t st = TACT_STATUS_INIT;
    tact_graph_t *g = tact_graph_new();
    tact_output_t v = tact_variable(g, tu_const_i32(g, NULL, 0, (int32_t[]) { 0 }, NULL, &st),
                                    NULL, &st);
    tact_output_t bump = tact_assign_add(g, v, tu_const_i32(g, NULL, 0, (int32_t[]) { 1 }, NULL,
                                                            &st), NULL, &st);
    tact_op_t *init = tact_global_variables_initializer(g, &st);
    tact_config_t actors = { .executor = TACT_EXECUTOR_ACTORS };
    for (int e = 0; e < 2; e++) {
        tact_session_t *s = tu_session(g, e ? &actors : NULL);
        assert_int_equal(tact_op_run(init, NULL, 0, s, &st), TACT_CODE_OK);
        pthread_t th[8];
        bumper_t b[8];
        for (int i = 0; i < 8; i++) {
            b[i] = (bumper_t) { .s = s, .bump = bump };
            pthread_create(&th[i], NULL, bumper_main, &b[i]);
        }
        for (int i = 0; i < 8; i++) {
            pthread_join(th[i], NULL);
            assert_int_equal(b[i].failures, 0);
        }
        expect_eval(s, v, "800");
        tact_session_destroy(&s);
    }
    tact_graph_destroy(&g);
}

typedef struct resource_user {
    tact_resources_t *r;
    const tact_op_t *busy, *other;
    tact_tensor_t *read_busy, *read_other;
} resource_user_t;

static void *resource_user_main(void *p)
{
    resource_user_t *u = p;
    u->read_busy = tact__resources_read(u->r, u->busy);
    u->read_other = tact__resources_read(u->r, u->other);
    tact__resources_write(u->r, u->other, tu_scalar_f32(9));  /* another variable's stripe */
    tact_tensor_t *old = tact__resources_begin_update(u->r, u->other);
    tact__resources_end_update(u->r, u->other, tact__tensor_ref(old));
    return NULL;
}

/* While an update of one variable is between its read and its store, other threads still
 * read it and any variable, and assign and update variables of other update locks. */
static void test_update_does_not_block_the_table(void **state)
{
    (void) state;
    tact_status_t st = TACT_STATUS_INIT;
    tact_graph_t *g = tact_graph_new();
    tact_output_t a = tu_variable_f32(g, 1, "a", &st), b = tu_variable_f32(g, 2, "b", &st);
    assert_int_equal(st.code, TACT_CODE_OK);
    assert_int_not_equal(a.op->id % TACT_RESOURCES_UPDATE_LOCKS,  /* different update locks */
                         b.op->id % TACT_RESOURCES_UPDATE_LOCKS);
    tact_resources_t *r = tact__resources_new();
    tact__resources_write(r, a.op, tu_scalar_f32(1));
    tact__resources_write(r, b.op, tu_scalar_f32(2));
    tact_tensor_t *old = tact__resources_begin_update(r, a.op);  /* a's update is "running" */
    assert_string_equal(tu_str(old), "1.0");
    resource_user_t u = { r, a.op, b.op, NULL, NULL };
    pthread_t th;
    assert_int_equal(pthread_create(&th, NULL, resource_user_main, &u), 0);
    struct timespec until;
    clock_gettime(CLOCK_REALTIME, &until);
    until.tv_sec += 30;  /* generous: the other thread only takes short locks */
    assert_int_equal(pthread_timedjoin_np(th, NULL, &until), 0);
    assert_string_equal(tu_str(u.read_busy), "1.0");
    assert_string_equal(tu_str(u.read_other), "2.0");
    tact__resources_end_update(r, a.op, tu_scalar_f32(5));
    tact_tensor_t *now = tact__resources_read(r, a.op);
    assert_string_equal(tu_str(now), "5.0");
    tact_tensor_t *bv = tact__resources_read(r, b.op);
    assert_string_equal(tu_str(bv), "9.0");
    tact_tensor_destroy(&now);
    tact_tensor_destroy(&bv);
    tact_tensor_destroy(&u.read_busy);
    tact_tensor_destroy(&u.read_other);
    tact__resources_destroy(&r);
    tact_graph_destroy(&g);
}

static void test_close_releases_values(void **state)
{
    (void) state;
    tact_status_t st = TACT_STATUS_INIT;
    tact_graph_t *g = tact_graph_new();
    tact_tensor_t *big = tact_tensor_new(TACT_DTYPE_F32, (int64_t[]) { 256, 256 }, 2, NULL, &st);
    tact_output_t v = tact_variable(g, tact_constant(g, big, NULL, &st), NULL, &st);
    tact_op_t *init = tact_global_variables_initializer(g, &st);
    tact_tensor_destroy(&big);
    for (int i = 0; i < 20; i++) {
        tact_session_t *s = tu_session(g, NULL);
        assert_int_equal(tact_op_run(init, NULL, 0, s, &st), TACT_CODE_OK);
        tact_tensor_t *r = tact_eval(v, NULL, 0, s, &st);
        assert_int_equal(tact_tensor_nelems(r), 256 * 256);
        tact_tensor_destroy(&r);
        assert_int_equal(tact_session_close(s, &st), TACT_CODE_OK);
        tact_status_t e = TACT_STATUS_INIT;
        assert_null(tact_eval(v, NULL, 0, s, &e));
        assert_int_equal(e.code, TACT_CODE_CANCELLED);
        tact_session_destroy(&s);  /* leak checkers see every value released */
    }
    tact_graph_destroy(&g);
}

/* ------------------------------------------------------------------------------------------ */
/* Timeouts and cancellation                                                                  */
/* ------------------------------------------------------------------------------------------ */

/* A slow step: a long chain of small matmuls, so that a check between nodes comes often even
 * under valgrind. */
static tact_output_t slow_chain(tact_graph_t *g, int links, tact_status_t *st)
{
    tact_tensor_t *m = tact_tensor_new(TACT_DTYPE_F32, (int64_t[]) { 128, 128 }, 2, NULL, st);
    tact_output_t x = tact_constant(g, m, NULL, st);
    tact_tensor_destroy(&m);
    for (int i = 0; i < links; i++)
        x = tact_matmul(g, x, x, false, false, NULL, st);
    return x;
}

static void test_timeouts(void **state)
{
    (void) state;
    tact_status_t st = TACT_STATUS_INIT;
    tact_graph_t *g = tact_graph_new();
    tact_output_t slow = slow_chain(g, 20000, &st);
    tact_output_t fast = tu_const_f32(g, NULL, 0, (float[]) { 1 }, "fast", &st);
    assert_int_equal(st.code, TACT_CODE_OK);
    tact_config_t actors = { .executor = TACT_EXECUTOR_ACTORS };
    /* The chain takes hundreds of milliseconds, so these timeouts cut it short, yet leave a
     * loaded machine ample time for the fast step (a thread wake-up can take milliseconds). */
    tact_config_t timed = { .operation_timeout_in_ms = 100 };
    const tact_config_t *configs[] = { NULL, &actors, &timed };
    for (int c = 0; c < 3; c++) {
        tact_session_t *s = tu_session(g, configs[c]);
        tact_run_options_t opts = { .timeout_in_ms = c == 2 ? 0 : 50 };
        /* As in TensorFlow, the deadline covers the step, not building its plan (20000 nodes
         * take about a second under valgrind): the first run builds and caches the plan, the
         * second is timed. */
        for (int attempt = 0; attempt < 2; attempt++) {
            tact_tensor_t *r = (void *) 1;
            int64_t t0 = tact__now_ns();
            tact_status_t e = TACT_STATUS_INIT;
            assert_int_equal(tact_session_run_ex(s, &opts, &slow, 1, &r, NULL, 0, NULL, 0, &e),
                             TACT_CODE_DEADLINE_EXCEEDED);
            assert_string_equal(e.msg, "Timed out waiting for notification");
            assert_null(r);
            if (attempt == 1)  /* stopped long before the end (minutes under valgrind) */
                assert_true(tact__now_ns() - t0 < 2000000000);
        }
        tact_tensor_t *r = NULL;
        /* Fast steps run fine under the same timeout; the session stays usable. */
        assert_int_equal(tact_session_run_ex(s, &opts, &fast, 1, &r, NULL, 0, NULL, 0, &st),
                         TACT_CODE_OK);
        assert_string_equal(tu_str(r), "1.0");
        tact_tensor_destroy(&r);
        tact_session_destroy(&s);
    }
    tact_graph_destroy(&g);
}

typedef struct canceller {
    tact_cancel_t *cancel;
    tact_session_t *close;
} canceller_t;

static void *canceller_main(void *p)
{
    canceller_t *c = p;
    struct timespec ts = { 0, 20 * 1000000 };
    nanosleep(&ts, NULL);
    if (c->cancel)
        tact_cancel_request(c->cancel);
    if (c->close)
        tact_session_close(c->close, NULL);
    return NULL;
}

static void test_cancellation(void **state)
{
    (void) state;
    tact_status_t st = TACT_STATUS_INIT;
    tact_graph_t *g = tact_graph_new();
    tact_output_t slow = slow_chain(g, 20000, &st);
    tact_output_t fast = tu_const_f32(g, NULL, 0, (float[]) { 1 }, "fast", &st);
    tact_session_t *s = tu_session(g, NULL);

    /* Requested before the run: nothing runs. */
    tact_cancel_t *cancel = tact_cancel_new();
    assert_false(tact_cancel_requested(cancel));
    tact_cancel_request(cancel);
    assert_true(tact_cancel_requested(cancel));
    tact_run_options_t opts = { .cancel = cancel };
    tact_tensor_t *r = NULL;
    tact_status_t e = TACT_STATUS_INIT;
    assert_int_equal(tact_session_run_ex(s, &opts, &fast, 1, &r, NULL, 0, NULL, 0, &e),
                     TACT_CODE_CANCELLED);
    assert_true(tu_contains(e.msg, "Run call was cancelled"));
    tact_cancel_destroy(&cancel);
    assert_null(cancel);

    /* Requested from another thread while the step runs. */
    cancel = tact_cancel_new();
    opts.cancel = cancel;
    canceller_t c = { .cancel = cancel };
    pthread_t th;
    pthread_create(&th, NULL, canceller_main, &c);
    e = (tact_status_t) TACT_STATUS_INIT;
    assert_int_equal(tact_session_run_ex(s, &opts, &slow, 1, &r, NULL, 0, NULL, 0, &e),
                     TACT_CODE_CANCELLED);
    assert_true(tu_contains(e.msg, "Run call was cancelled"));
    pthread_join(th, NULL);
    tact_cancel_destroy(&cancel);
    r = tu_run1(s, fast, NULL, 0, &st);  /* the session is still usable */
    assert_string_equal(tu_str(r), "1.0");
    tact_tensor_destroy(&r);

    /* Closing the session stops the step in flight. */
    c = (canceller_t) { .close = s };
    pthread_create(&th, NULL, canceller_main, &c);
    e = (tact_status_t) TACT_STATUS_INIT;
    assert_int_equal(tact_session_run(s, &slow, 1, &r, NULL, 0, NULL, 0, &e),
                     TACT_CODE_CANCELLED);
    assert_true(tu_contains(e.msg, "Run call was cancelled"));
    pthread_join(th, NULL);
    tact_session_destroy(&s);
    tact_graph_destroy(&g);
}

/* A read under a control dependency on the variable's own assign sees the assigned value
 * (TensorFlow's ref variables: the read happens when the reading op runs, after the assign).
 * tf.compat.v1 with v = Variable(1.0), a = assign(v, 5), r = identity(v) and p = v + 1 under
 * control_dependencies([a]) printed: identity 5.0, v+1 6.0, both [5.0, 6.0]. */
static void test_read_after_assign_under_control_dependency(void **state)
{
    (void) state;
    tact_config_t two = { .device_count.cpu = 2 };
    tact_config_t actors = { .executor = TACT_EXECUTOR_ACTORS };
    const tact_config_t *configs[] = { NULL, &actors, &two };
    for (int k = 0; k < 3; k++) {
        tact_status_t st = TACT_STATUS_INIT;
        tact_graph_t *g = tact_graph_new();
        tact_output_t v = tact_variable(g, tu_const_f32(g, NULL, 0, (float[]) { 1 }, "one", &st),
                                        "v", &st);
        tact_output_t a = tact_assign(g, v, tu_const_f32(g, NULL, 0, (float[]) { 5 }, "five", &st),
                                      "a", &st);
        tact_output_t r, p;
        assert_int_equal(tact_graph_push_control_dependencies(g, &a.op, 1, &st), TACT_CODE_OK);
        {
            /* on CPU:1 with two devices: the read crosses from v's device */
            if (k == 2)
                tact_graph_push_device(g, "/cpu:1", &st);
            r = tact_identity(g, v, "r", &st);
            p = tact_add(g, v, tu_const_f32(g, NULL, 0, (float[]) { 1 }, "p_one", &st), "p",
                         &st);
            if (k == 2)
                tact_graph_pop_device(g);
        }
        tact_graph_pop_control_dependencies(g);
        tact_op_t *init = tact_global_variables_initializer(g, &st);
        assert_int_equal(st.code, TACT_CODE_OK);
        tact_session_t *s = tu_session(g, configs[k]);
        tu_run_op(s, init);
        expect_eval(s, r, "5.0");
        tu_run_op(s, init);
        expect_eval(s, p, "6.0");
        tu_run_op(s, init);
        tact_output_t both[2] = { r, p };
        tact_tensor_t *out[2] = { NULL, NULL };
        assert_int_equal(tact_session_run(s, both, 2, out, NULL, 0, NULL, 0, &st), TACT_CODE_OK);
        assert_string_equal(tu_str(out[0]), "5.0");
        assert_string_equal(tu_str(out[1]), "6.0");
        tact_tensor_destroy(&out[0]);
        tact_tensor_destroy(&out[1]);
        tact_session_destroy(&s);
        tact_graph_destroy(&g);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_two_graphs_each_with_a_variable),
        cmocka_unit_test(test_values_are_per_session_and_uninitialized_reads_fail),
        cmocka_unit_test(test_assign_family),
        cmocka_unit_test(test_variable_build_errors),
        cmocka_unit_test(test_update_run_errors),
        cmocka_unit_test(test_update_does_not_block_the_table),
        cmocka_unit_test(test_concurrent_updates_are_atomic),
        cmocka_unit_test(test_close_releases_values),
        cmocka_unit_test(test_timeouts),
        cmocka_unit_test(test_cancellation),
        cmocka_unit_test(test_read_after_assign_under_control_dependency),
    };
    return cmocka_run_group_tests_name("variables", tests, NULL, NULL);
}
