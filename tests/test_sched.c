/* SPDX-License-Identifier: MIT */
/* Placement and cross-device runs on several CPU devices (device_count.cpu): device scopes,
 * generators beside their consumers, soft placement and its errors, the placement log and
 * report, values across 2 and 3 devices, a failing fragment stopping the others, colocation
 * groups, and stateful ops kept where a session first placed them.
 *
 * The simplest use:
 *     tact_config_t c = { .device_count.cpu = 2 };
 *     { TACT_DEVICE_SCOPE(g, "/cpu:1"); y = tact_multiply(g, x, two, NULL, &st); }
 *     tact_session_op_device(s, y.op);   // "/job:localhost/replica:0/task:0/device:CPU:1"
 */
#include "devices/cpu/cpu.h"
#include "runtime/exec/session_impl.h"

#include <setjmp.h>
#include <cmocka.h>
#include <pthread.h>
#include <string.h>

#include <tact/scope.h>

#include "tests/helpers.h"

#define CPU(n) "/job:localhost/replica:0/task:0/device:CPU:" #n

static const float v6[] = { 1, 2, 3, 4, 5, 6 };

/* a (2x3) and b (3x2) pinned by `scope` (NULL: none), c = matmul(a, b) unpinned. */
static tact_output_t seed_matmul(tact_graph_t *g, const char *scope, const char *mm_scope,
                                 tact_status_t *st)
{
    tact_output_t a, b, c;
    {
        TACT_DEVICE_SCOPE(g, scope);
        a = tu_const_f32(g, (int64_t[]) { 2, 3 }, 2, v6, "a", st);
        b = tu_const_f32(g, (int64_t[]) { 3, 2 }, 2, v6, "b", st);
    }
    {
        TACT_DEVICE_SCOPE(g, mm_scope);
        c = tact_matmul(g, a, b, false, false, NULL, st);
    }
    return c;
}

typedef struct log_capture {
    char lines[16][256];
    int n;
} log_capture_t;

static void capture(tact_log_level_t level, const char *msg, void *user)
{
    log_capture_t *c = user;
    if (level == TACT_LOG_INFO && c->n < 16)
        snprintf(c->lines[c->n++], sizeof c->lines[0], "%s", msg);
}

static void test_manual_placement_across_two_cpus(void **state)
{
    (void) state;
    tact_status_t st = TACT_STATUS_INIT;
    tact_graph_t *g = tact_graph_new();
    tact_output_t c = seed_matmul(g, "/cpu:1", NULL, &st);
    assert_int_equal(st.code, TACT_CODE_OK);
    assert_string_equal(tact_op_device(tact_op_input(c.op, 0).op), "/device:CPU:1");
    tact_config_t two = { .device_count.cpu = 2 };
    tact_config_t two_actors = { .device_count.cpu = 2, .executor = TACT_EXECUTOR_ACTORS };
    const tact_config_t *configs[] = { &two, &two_actors };
    for (int k = 0; k < 2; k++) {
        tact_session_t *s = tu_session(g, configs[k]);
        assert_null(tact_session_op_device(s, c.op));  /* nothing placed before a run */
        tact_run_metadata_t md = { .n_partitions = -1 };
        tact_run_options_t opts = { .metadata = &md };
        tact_tensor_t *r = NULL;
        assert_int_equal(tact_session_run_ex(s, &opts, &c, 1, &r, NULL, 0, NULL, 0, &st),
                         TACT_CODE_OK);
        /* Scenario S5's partitions: MatMul on CPU:0, the constants on CPU:1. */
        assert_int_equal(md.n_partitions, 2);
        assert_string_equal(md.partitions[0].device, CPU(0));
        assert_int_equal(md.partitions[0].n_nodes, 1);
        assert_string_equal(md.partitions[1].device, CPU(1));
        assert_int_equal(md.partitions[1].n_nodes, 2);
        /* The constants cross to CPU:0 by pointer (host memory), but the partitions show
         * TensorFlow's _Send/_Recv pair for each edge between the devices. */
        assert_string_equal(md.partitions[0].graph,
                            "a/_1 = _Recv(a:0 from " CPU(1) ")\n"
                            "b/_3 = _Recv(b:0 from " CPU(1) ")\n"
                            "MatMul = MatMul(a/_1, b/_3)\n"
                            "_retval_MatMul_0_0 = _Retval(MatMul)\n");
        assert_string_equal(md.partitions[1].graph,
                            "a = Const()\n"
                            "a/_0 = _Send(a:0 to " CPU(0) ")\n"
                            "b = Const()\n"
                            "b/_2 = _Send(b:0 to " CPU(0) ")\n");
        assert_int_equal(md.partitions[0].n_recvs, 2);
        assert_int_equal(md.partitions[0].n_sends, 0);
        assert_int_equal(md.partitions[1].n_sends, 2);
        assert_int_equal(md.partitions[1].n_recvs, 0);
        tact_run_metadata_clear(&md);
        assert_string_equal(tu_str(r), "[[22. 28.]\n [49. 64.]]");
        tact_tensor_destroy(&r);
        assert_string_equal(tact_session_op_device(s, c.op), CPU(0));
        assert_string_equal(tact_session_op_device(s, tact_op_input(c.op, 0).op), CPU(1));
        assert_string_equal(tact_session_op_device(s, tact_op_input(c.op, 1).op), CPU(1));
        tact_session_destroy(&s);
    }
    tact_graph_destroy(&g);
}

typedef struct pipe_fx {
    tact_graph_t *g;
    tact_output_t x, w;
} pipe_fx_t;

/* x -> y = x * 2 on CPU:1 -> z = y + 1 on CPU:2 -> w = z * z on CPU:0. */
static pipe_fx_t three_device_pipeline(tact_status_t *st)
{
    pipe_fx_t p = { .g = tact_graph_new() };
    p.x = tact_placeholder(p.g, TACT_DTYPE_F32, (int64_t[]) { -1 }, 1, "x", st);
    tact_output_t y, z;
    {
        TACT_DEVICE_SCOPE(p.g, "/device:CPU:1");
        y = tact_multiply(p.g, p.x, tu_const_f32(p.g, NULL, 0, (float[]) { 2 }, "two", st), "y",
                          st);
    }
    {
        TACT_DEVICE_SCOPE(p.g, "/cpu:2");
        z = tact_add(p.g, y, tu_const_f32(p.g, NULL, 0, (float[]) { 1 }, "one", st), "z", st);
    }
    p.w = tact_multiply(p.g, z, z, "w", st);
    return p;
}

typedef struct pipe_worker {
    tact_session_t *s;
    pipe_fx_t *p;
    int id, failures;
} pipe_worker_t;

static void *pipe_worker_main(void *arg)
{
    pipe_worker_t *w = arg;
    for (int i = 0; i < 50; i++) {
        tact_status_t st = TACT_STATUS_INIT;
        float v = (float) (w->id + i);
        tact_tensor_t *xv = tact_tensor_new(TACT_DTYPE_F32, (int64_t[]) { 2 }, 1,
                                            (float[]) { v, -v }, &st);
        tact_feed_t f = { w->p->x, xv };
        tact_tensor_t *r = NULL;
        tact_session_run(w->s, &w->p->w, 1, &r, &f, 1, NULL, 0, &st);
        const float *o = r ? tact_tensor_data(r) : NULL;
        if (st.code != TACT_CODE_OK || o[0] != (2 * v + 1) * (2 * v + 1) ||
            o[1] != (1 - 2 * v) * (1 - 2 * v))
            w->failures++;
        tact_tensor_destroy(&r);
        tact_tensor_destroy(&xv);
    }
    return NULL;
}

static void test_pipeline_over_three_cpus(void **state)
{
    (void) state;
    tact_status_t st = TACT_STATUS_INIT;
    pipe_fx_t p = three_device_pipeline(&st);
    assert_int_equal(st.code, TACT_CODE_OK);
    tact_config_t three = { .device_count.cpu = 3 };
    tact_session_t *s = tu_session(p.g, &three);
    pthread_t th[4];
    pipe_worker_t w[4];
    for (int i = 0; i < 4; i++) {
        w[i] = (pipe_worker_t) { .s = s, .p = &p, .id = i };
        pthread_create(&th[i], NULL, pipe_worker_main, &w[i]);
    }
    for (int i = 0; i < 4; i++) {
        pthread_join(th[i], NULL);
        assert_int_equal(w[i].failures, 0);
    }
    /* Generators follow their consumers: "two" feeds only y, on CPU:1. */
    assert_string_equal(tact_session_op_device(s, tact_graph_op(p.g, "two")), CPU(1));
    assert_string_equal(tact_session_op_device(s, tact_graph_op(p.g, "one")), CPU(2));
    assert_string_equal(tact_session_op_device(s, p.w.op), CPU(0));
    tact_session_destroy(&s);
    tact_graph_destroy(&p.g);
}

static void test_soft_placement_and_errors(void **state)
{
    (void) state;
    tact_status_t st = TACT_STATUS_INIT;
    tact_graph_t *g = tact_graph_new();
    tact_output_t gpu = seed_matmul(g, NULL, "/device:GPU:0", &st);
    assert_int_equal(st.code, TACT_CODE_OK);
    /* No GPU: without soft placement, every run that needs the op fails. */
    tact_session_t *s = tu_session(g, NULL);
    tact_status_t e = TACT_STATUS_INIT;
    assert_null(tu_run1(s, gpu, NULL, 0, &e));
    assert_int_equal(e.code, TACT_CODE_INVALID_ARGUMENT);
    assert_true(tu_contains(e.msg, "Cannot assign a device for operation MatMul: Operation was "
                                   "explicitly assigned to /device:GPU:0 but available devices "
                                   "are [ " CPU(0) " ]"));
    tact_session_destroy(&s);
    /* With it: CPU:0. */
    tact_config_t soft = { .allow_soft_placement = true };
    s = tu_session(g, &soft);
    tact_run_metadata_t md = { .n_partitions = -1 };
    tact_run_options_t opts = { .metadata = &md };
    tact_tensor_t *r = NULL;
    assert_int_equal(tact_session_run_ex(s, &opts, &gpu, 1, &r, NULL, 0, NULL, 0, &st),
                     TACT_CODE_OK);
    assert_string_equal(tu_str(r), "[[22. 28.]\n [49. 64.]]");
    assert_int_equal(md.n_partitions, 1);  /* scenario S6: one CPU partition */
    assert_int_equal(md.partitions[0].n_nodes, 3);
    assert_string_equal(md.partitions[0].graph, "a = Const()\nb = Const()\nMatMul = MatMul(a, b)\n"
                                                "_retval_MatMul_0_0 = _Retval(MatMul)\n");
    tact_run_metadata_clear(&md);
    tact_tensor_destroy(&r);
    assert_string_equal(tact_session_op_device(s, gpu.op), CPU(0));
    tact_session_destroy(&s);

    /* A CPU index the session lacks: both devices are listed; soft placement takes CPU:0. */
    tact_graph_t *g2 = tact_graph_new();
    tact_output_t far = seed_matmul(g2, NULL, "/cpu:3", &st);
    tact_config_t two = { .device_count.cpu = 2 };
    s = tu_session(g2, &two);
    e = (tact_status_t) TACT_STATUS_INIT;
    assert_null(tu_run1(s, far, NULL, 0, &e));
    assert_true(tu_contains(e.msg, "available devices are [ " CPU(0) ", " CPU(1) " ]"));
    tact_session_destroy(&s);
    tact_config_t two_soft = { .device_count.cpu = 2, .allow_soft_placement = true };
    s = tu_session(g2, &two_soft);
    r = tu_run1(s, far, NULL, 0, &st);
    assert_int_equal(st.code, TACT_CODE_OK);
    tact_tensor_destroy(&r);
    assert_string_equal(tact_session_op_device(s, far.op), CPU(0));
    tact_session_destroy(&s);

    /* Another job, replica or task is never local, soft placement or not: TensorFlow's message
     * lists every device of the session. */
    tact_graph_t *g3 = tact_graph_new();
    tact_output_t remote = seed_matmul(g3, NULL, "/job:worker/task:0", &st);
    tact_output_t replica = seed_matmul(g3, NULL, "/job:localhost/replica:1", &st);
    tact_output_t fine = seed_matmul(g3, NULL, NULL, &st);
    tact_config_t cpus_soft = { .device_count = { .cpu = 2, .gpu = TACT_DEVICE_COUNT_NONE },
                                .allow_soft_placement = true };
    tact_config_t cpus_hard = { .device_count = { .cpu = 2, .gpu = TACT_DEVICE_COUNT_NONE } };
    for (int soft_on = 0; soft_on < 2; soft_on++) {
        s = tu_session(g3, soft_on ? &cpus_soft : &cpus_hard);
        e = (tact_status_t) TACT_STATUS_INIT;
        assert_null(tu_run1(s, remote, NULL, 0, &e));
        assert_int_equal(e.code, TACT_CODE_INVALID_ARGUMENT);
        assert_string_equal(e.msg, "Cannot assign a device for operation MatMul: Operation was "
                                   "explicitly assigned to /job:worker/task:0 but available "
                                   "devices are [ " CPU(0) ", " CPU(1) " ]. Make sure the "
                                   "device specification refers to a valid device.");
        /* The whole graph is placed (TensorFlow's placer, then pruning): its first op that
         * cannot be placed fails every run, even runs that do not need it. */
        tact_output_t others[2] = { replica, fine };
        for (int k = 0; k < 2; k++) {
            e = (tact_status_t) TACT_STATUS_INIT;
            assert_null(tu_run1(s, others[k], NULL, 0, &e));
            assert_int_equal(e.code, TACT_CODE_INVALID_ARGUMENT);
            assert_true(tu_contains(e.msg, "Cannot assign a device for operation MatMul: "));
        }
        tact_session_destroy(&s);
    }
    /* The replica's own message, in a graph of its own. */
    tact_graph_t *g5 = tact_graph_new();
    replica = seed_matmul(g5, NULL, "/job:localhost/replica:1", &st);
    s = tu_session(g5, &cpus_hard);
    e = (tact_status_t) TACT_STATUS_INIT;
    assert_null(tu_run1(s, replica, NULL, 0, &e));
    assert_int_equal(e.code, TACT_CODE_INVALID_ARGUMENT);
    assert_string_equal(e.msg, "Cannot assign a device for operation MatMul: Operation "
                               "was explicitly assigned to /job:localhost/replica:1 but "
                               "available devices are [ " CPU(0) ", " CPU(1) " ]. Make sure "
                               "the device specification refers to a valid device.");
    tact_session_destroy(&s);
    tact_graph_destroy(&g5);

    /* A device type tact has no device for ("/tpu:0") builds, then fails placement with the
     * same error; soft placement takes the CPU. "/job:*" matches this process. */
    tact_graph_t *g4 = tact_graph_new();
    tact_output_t tpu = seed_matmul(g4, NULL, "/tpu:0", &st);
    tact_output_t any_job = seed_matmul(g4, NULL, "/job:*/cpu:0", &st);
    assert_int_equal(st.code, TACT_CODE_OK);
    assert_string_equal(tact_op_device(tpu.op), "/device:TPU:0");
    assert_string_equal(tact_op_device(any_job.op), "/job:*/device:CPU:0");
    s = tu_session(g4, &cpus_hard);
    e = (tact_status_t) TACT_STATUS_INIT;
    assert_null(tu_run1(s, tpu, NULL, 0, &e));
    assert_int_equal(e.code, TACT_CODE_INVALID_ARGUMENT);
    assert_string_equal(e.msg, "Cannot assign a device for operation MatMul: Operation was "
                               "explicitly assigned to /device:TPU:0 but available devices are "
                               "[ " CPU(0) ", " CPU(1) " ]. Make sure the device specification "
                               "refers to a valid device.");
    e = (tact_status_t) TACT_STATUS_INIT;  /* the whole graph fails: any_job's run too */
    assert_null(tu_run1(s, any_job, NULL, 0, &e));
    assert_true(tu_contains(e.msg, "explicitly assigned to /device:TPU:0"));
    tact_session_destroy(&s);
    s = tu_session(g4, &cpus_soft);
    r = tu_run1(s, any_job, NULL, 0, &st);
    assert_int_equal(st.code, TACT_CODE_OK);
    assert_string_equal(tu_str(r), "[[22. 28.]\n [49. 64.]]");
    tact_tensor_destroy(&r);
    r = tu_run1(s, tpu, NULL, 0, &st);
    assert_int_equal(st.code, TACT_CODE_OK);
    assert_string_equal(tu_str(r), "[[22. 28.]\n [49. 64.]]");
    tact_tensor_destroy(&r);
    assert_string_equal(tact_session_op_device(s, tpu.op), CPU(0));
    tact_session_destroy(&s);
    tact_graph_destroy(&g4);
    tact_graph_destroy(&g);
    tact_graph_destroy(&g2);
    tact_graph_destroy(&g3);
}

/* Scenario S4: the placement log, in TensorFlow's order, once per new signature. */
static void test_placement_log(void **state)
{
    (void) state;
    log_capture_t cap = { .n = 0 };
    tact_log_set_callback(capture, &cap);
    tact_status_t st = TACT_STATUS_INIT;
    tact_graph_t *g = tact_graph_new();
    tact_output_t c = seed_matmul(g, NULL, NULL, &st);
    tact_config_t logged = { .log_device_placement = true };
    tact_session_t *s = tu_session(g, &logged);
    assert_int_equal(cap.n, 1);
    assert_string_equal(cap.lines[0], "Device mapping: no known devices.");
    tact_tensor_t *r = tu_run1(s, c, NULL, 0, &st);
    tact_tensor_destroy(&r);
    assert_int_equal(cap.n, 4);
    assert_string_equal(cap.lines[1], "MatMul: (MatMul): " CPU(0));
    assert_string_equal(cap.lines[2], "a: (Const): " CPU(0));
    assert_string_equal(cap.lines[3], "b: (Const): " CPU(0));
    r = tu_run1(s, c, NULL, 0, &st);  /* the same signature: no new lines */
    tact_tensor_destroy(&r);
    assert_int_equal(cap.n, 4);
    tact_log_set_callback(NULL, NULL);
    tact_session_destroy(&s);
    tact_graph_destroy(&g);
}

/* Whole-graph placement (spec §3.3, §3.5): the first run places and logs every op of the graph
 * (fed placeholders too; VariableV2 among the non-generators), whatever it runs; other
 * signatures log nothing; a run after the graph grew places and logs all of it again; an op
 * that cannot be placed fails every run, even runs that do not need it. The lines are
 * TensorFlow's for the same graph (tests/data/placement_log_tf.py). */
static void test_whole_graph_placement(void **state)
{
    (void) state;
    log_capture_t cap = { .n = 0 };
    tact_status_t st = TACT_STATUS_INIT;
    tact_graph_t *g = tact_graph_new();
    tact_output_t a = tu_const_f32(g, NULL, 0, (float[]) { 2 }, "a", &st);
    tact_output_t p = tact_placeholder(g, TACT_DTYPE_F32, NULL, 0, "p", &st);
    tact_output_t v = tact_variable(g, tu_const_f32(g, NULL, 0, (float[]) { 1 },
                                                    "v/initial_value", &st), "v", &st);
    tact_output_t m = tact_multiply(g, a, p, "m", &st);
    tact_output_t n = tact_add(g, v, a, "n", &st);
    tact_op_t *init = tact_global_variables_initializer(g, &st);
    assert_int_equal(st.code, TACT_CODE_OK);
    tact_config_t logged = { .log_device_placement = true,
                             .device_count.gpu = TACT_DEVICE_COUNT_NONE };
    tact_session_t *s = tu_session(g, &logged);
    tact_log_set_callback(capture, &cap);
    tu_run_op(s, init);
    const char *first[] = { "v: (VariableV2): " CPU(0), "v/Assign: (Assign): " CPU(0),
                            "m: (Mul): " CPU(0), "n: (Add): " CPU(0), "init: (NoOp): " CPU(0),
                            "a: (Const): " CPU(0), "p: (Placeholder): " CPU(0),
                            "v/initial_value: (Const): " CPU(0) };
    assert_int_equal(cap.n, 8);
    for (int i = 0; i < 8; i++)
        assert_string_equal(cap.lines[i], first[i]);
    tact_tensor_t *three = tu_scalar_f32(3);
    tact_feed_t fp = { p, three };
    tact_tensor_t *r = tu_run1(s, m, &fp, 1, &st);  /* new signatures: nothing to place */
    assert_string_equal(tu_str(r), "6.0");
    tact_tensor_destroy(&r);
    r = tu_run1(s, n, NULL, 0, &st);
    assert_string_equal(tu_str(r), "3.0");
    tact_tensor_destroy(&r);
    assert_int_equal(cap.n, 8);

    /* The graph grows: the next run, even of a cached signature, places all of it again. */
    cap.n = 0;
    tact_output_t k = tact_subtract(g, n, a, "k", &st);
    r = tu_run1(s, n, NULL, 0, &st);
    tact_tensor_destroy(&r);
    assert_int_equal(cap.n, 9);
    for (int i = 0, j = 0; i < 9; i++) {
        if (i == 5)
            assert_string_equal(cap.lines[i], "k: (Sub): " CPU(0));
        else
            assert_string_equal(cap.lines[i], first[j++]);
    }
    r = tu_run1(s, k, NULL, 0, &st);
    assert_string_equal(tu_str(r), "1.0");
    tact_tensor_destroy(&r);
    assert_int_equal(cap.n, 9);

    /* An op that cannot be placed: every run places again and fails with TensorFlow's error,
     * having logged, as TensorFlow's placer does, the ops of its first pass before `bad`. */
    const char *before_bad[] = { "v: (VariableV2): " CPU(0), "v/Assign: (Assign): " CPU(0),
                                 "m: (Mul): " CPU(0), "n: (Add): " CPU(0),
                                 "init: (NoOp): " CPU(0), "k: (Sub): " CPU(0) };
    {
        TACT_DEVICE_SCOPE(g, "/device:GPU:0");
        tact_identity(g, a, "bad", &st);
    }
    assert_int_equal(st.code, TACT_CODE_OK);
    for (int i = 0; i < 2; i++) {
        tact_status_t e = TACT_STATUS_INIT;
        cap.n = 0;
        assert_null(tu_run1(s, n, NULL, 0, &e));
        assert_int_equal(cap.n, 6);
        for (int j = 0; j < 6; j++)
            assert_string_equal(cap.lines[j], before_bad[j]);
        assert_int_equal(e.code, TACT_CODE_INVALID_ARGUMENT);
        assert_string_equal(e.msg, "Cannot assign a device for operation bad: Operation was "
                                   "explicitly assigned to /device:GPU:0 but available devices "
                                   "are [ " CPU(0) " ]. Make sure the device specification "
                                   "refers to a valid device.");
        e = (tact_status_t) TACT_STATUS_INIT;
        cap.n = 0;
        assert_null(tact_session_partial_run_setup(s, &m, 1, &p, 1, NULL, 0, &e));
        assert_true(tu_contains(e.msg, "Cannot assign a device for operation bad: "));
        assert_int_equal(cap.n, 6);
    }
    tact_log_set_callback(NULL, NULL);
    tact_tensor_destroy(&three);
    tact_session_destroy(&s);
    tact_graph_destroy(&g);
}

static void test_failing_fragment_stops_the_others(void **state)
{
    (void) state;
    tact_status_t st = TACT_STATUS_INIT;
    tact_graph_t *g = tact_graph_new();
    tact_output_t n = tact_placeholder(g, TACT_DTYPE_I32, NULL, 0, "n", &st);
    tact_output_t d = tact_placeholder(g, TACT_DTYPE_I32, NULL, 0, "d", &st);
    tact_output_t q;
    {
        TACT_DEVICE_SCOPE(g, "/cpu:1");
        q = tact_divide(g, n, d, "q", &st);
    }
    tact_output_t out = tact_add(g, q, n, "out", &st);  /* CPU:0 waits for q */
    tact_config_t two = { .device_count.cpu = 2 };
    tact_session_t *s = tu_session(g, &two);
    tact_tensor_t *nv = tu_i32(NULL, 0, (int32_t[]) { 7 });
    tact_tensor_t *zero = tu_i32(NULL, 0, (int32_t[]) { 0 });
    tact_tensor_t *two_v = tu_i32(NULL, 0, (int32_t[]) { 2 });
    tact_feed_t bad[2] = { { n, nv }, { d, zero } };
    tact_status_t e = TACT_STATUS_INIT;
    assert_null(tu_run1(s, out, bad, 2, &e));
    assert_int_equal(e.code, TACT_CODE_INVALID_ARGUMENT);  /* the cause, not CANCELLED */
    assert_true(tu_contains(e.msg, "Integer division by zero"));
    assert_true(tu_contains(e.msg, "[[{{node q}}]]"));
    tact_feed_t good[2] = { { n, nv }, { d, two_v } };
    tact_tensor_t *r = tu_run1(s, out, good, 2, &st);
    assert_int_equal(st.code, TACT_CODE_OK);
    assert_string_equal(tu_str(r), "10");
    tact_tensor_destroy(&r);
    tact_tensor_destroy(&nv);
    tact_tensor_destroy(&zero);
    tact_tensor_destroy(&two_v);
    tact_session_destroy(&s);
    tact_graph_destroy(&g);
}

/* Fragments run concurrently by device actors, ordered by done words across devices, as the
 * segments of two GPUs that read each other's values are. Two CPU-backed devices that refuse
 * the calling thread stand in for them here. */
static void test_concurrent_fragments_on_actors(void **state)
{
    (void) state;
    tact_device_iface_t remote = tact__cpu_iface;
    remote.caller_may_run = false;
    tact_device_t devs[2] = { { .iface = &remote, .ordinal = 0, .name = "CPU:0" },
                              { .iface = &remote, .ordinal = 1, .name = "CPU:1" } };
    tact_status_t st = TACT_STATUS_INIT;
    pipe_fx_t p = three_device_pipeline(&st);  /* CPU:2 does not exist: soft-place it */
    tact_output_t fetch = p.w;
    tact_signature_t sig = { .n_feeds = 1, .feeds = &p.x, .n_fetches = 1, .fetches = &fetch };
    tact_plan_t *plan = tact__plan_build(&sig, devs, 2, true, NULL, NULL, &st);
    assert_non_null(plan);
    assert_int_equal(plan->n_fragments, 2);
    tact_device_pool_t *pools[2] = { tact__device_pool_new(&devs[0], 1, &st),
                                     tact__device_pool_new(&devs[1], 1, &st) };
    tact_resources_t *res = tact__resources_new();
    for (int round = 0; round < 2; round++) {
        float v = round ? 0 : 3;  /* round 1 feeds a wrong dtype to make a fragment fail */
        tact_tensor_t *xv = round ? tu_i32((int64_t[]) { 1 }, 1, (int32_t[]) { 1 })
                                  : tu_f32((int64_t[]) { 1 }, 1, &v);
        tact_value_t values[16] = { { 0 } };
        assert_true(plan->n_slots <= 16);
        values[plan->feed_slots[0]] = (tact_value_t) { xv, false };
        _Atomic uint32_t done_words[16];
        for (int n = 0; n < 16; n++)
            atomic_init(&done_words[n], 0);
        tact_step_t step = { .values = values, .resources = res, .done = done_words };
        tact_status_t frag_st[2] = { TACT_STATUS_INIT, TACT_STATUS_INIT };
        tact_completion_t done;
        tact__completion_init(&done, 2);
        for (int f = 0; f < 2; f++) {
            tact_msg_t m = { .cmd = TACT_CMD_RUN, .status = &frag_st[f], .done = &done,
                             .u.run = { &plan->fragments[f], &step } };
            assert_int_equal(tact__device_pool_send(pools[plan->fragments[f].dev->ordinal], &m), 0);
        }
        tact__completion_wait(&done, 0);
        if (round == 0) {
            assert_int_equal(frag_st[0].code, TACT_CODE_OK);
            assert_int_equal(frag_st[1].code, TACT_CODE_OK);
            assert_true(tu_f32_equal(values[plan->fetch_slots[0]].tensor, (int64_t[]) { 1 }, 1,
                                     (float[]) { 49 }));
        } else {
            /* y = x * 2 fails on CPU:1 (int32 times float32); CPU:0, waiting for it, stops. */
            int failed = frag_st[0].code == TACT_CODE_INVALID_ARGUMENT ? 0 : 1;
            assert_int_equal(frag_st[failed].code, TACT_CODE_INVALID_ARGUMENT);
            assert_int_equal(frag_st[1 - failed].code, TACT_CODE_CANCELLED);
            assert_true(tu_contains(frag_st[1 - failed].msg, "Run call was cancelled"));
            assert_true(atomic_load(&step.failed));
        }
        for (int k = 0; k < plan->n_slots; k++)
            tact__value_release(values, k);
        tact_tensor_destroy(&xv);
    }
    tact__resources_destroy(&res);
    tact__device_pool_destroy(&pools[0]);
    tact__device_pool_destroy(&pools[1]);
    tact__plan_destroy(&plan);
    tact_graph_destroy(&p.g);
}

/* Colocation groups (spec §3.3): a variable and the ops that assign it live on one device.
 * The variable's request wins over its Assign's; an unconstrained variable follows the
 * request of an op that assigns it; the initializer goes with them. */
static void test_colocation_groups(void **state)
{
    (void) state;
    tact_status_t st = TACT_STATUS_INIT;
    tact_graph_t *g = tact_graph_new();
    tact_output_t v, w, inc, setw;
    tact_output_t one = tu_const_f32(g, NULL, 0, (float[]) { 1 }, "one", &st);
    {
        TACT_DEVICE_SCOPE(g, "/cpu:1");
        v = tact_variable(g, tu_const_f32(g, NULL, 0, (float[]) { 5 }, "v0", &st), "v", &st);
    }
    {
        TACT_DEVICE_SCOPE(g, "/cpu:0");  /* conflicts with v's: ignored, follows v */
        inc = tact_assign_add(g, v, one, "inc", &st);
    }
    w = tact_variable(g, tu_const_f32(g, NULL, 0, (float[]) { 7 }, "w0", &st), "w", &st);
    {
        TACT_DEVICE_SCOPE(g, "/device:CPU:1");  /* w has no request: the group takes this */
        setw = tact_assign(g, w, tu_const_f32(g, NULL, 0, (float[]) { 3 }, "three", &st),
                           "setw", &st);
    }
    tact_op_t *init = tact_global_variables_initializer(g, &st);
    assert_int_equal(st.code, TACT_CODE_OK);
    tact_config_t two = { .device_count.cpu = 2, .log_device_placement = true };
    tact_session_t *s = tu_session(g, &two);
    /* The first run places (and logs) the whole graph, whatever it runs. */
    log_capture_t cap = { .n = 0 };
    tact_log_set_callback(capture, &cap);
    tu_run_op(s, init);
    tact_output_t fetches[2] = { inc, setw };
    tact_tensor_t *r[2] = { NULL, NULL };
    assert_int_equal(tact_session_run(s, fetches, 2, r, NULL, 0, NULL, 0, &st), TACT_CODE_OK);
    tact_log_set_callback(NULL, NULL);
    /* inc asked for CPU:0 but follows v: TensorFlow's line says so, before the op lines;
     * then every op, the variables (VariableV2) among the non-generators */
    assert_int_equal(cap.n, 12);  /* and nothing for the second run: nothing new to place */
    assert_string_equal(cap.lines[0], "Ignoring device specification /device:CPU:0 for node "
                                      "'inc' because the input edge from 'v' is a reference "
                                      "connection and already has a device field set to "
                                      CPU(1));
    assert_string_equal(cap.lines[1], "v: (VariableV2): " CPU(1));
    assert_string_equal(cap.lines[2], "v/Assign: (Assign): " CPU(1));
    assert_string_equal(cap.lines[3], "inc: (AssignAdd): " CPU(1));
    assert_string_equal(cap.lines[4], "w: (VariableV2): " CPU(1));
    assert_string_equal(cap.lines[5], "w/Assign: (Assign): " CPU(1));
    assert_string_equal(cap.lines[6], "setw: (Assign): " CPU(1));
    assert_string_equal(cap.lines[7], "init: (NoOp): " CPU(0));
    assert_string_equal(cap.lines[8], "one: (Const): " CPU(1));
    assert_string_equal(cap.lines[9], "v0: (Const): " CPU(1));
    assert_string_equal(cap.lines[10], "w0: (Const): " CPU(1));
    assert_string_equal(cap.lines[11], "three: (Const): " CPU(1));
    assert_string_equal(tu_str(r[0]), "6.0");
    assert_string_equal(tu_str(r[1]), "3.0");
    tact_tensor_destroy(&r[0]);
    tact_tensor_destroy(&r[1]);
    assert_string_equal(tact_session_op_device(s, v.op), CPU(1));
    assert_string_equal(tact_session_op_device(s, inc.op), CPU(1));
    assert_string_equal(tact_session_op_device(s, w.op), CPU(1));
    assert_string_equal(tact_session_op_device(s, setw.op), CPU(1));
    /* the initializer's assigns of v and w went with them */
    assert_int_equal(init->n_controls, 2);
    for (int i = 0; i < init->n_controls; i++)
        assert_string_equal(tact_session_op_device(s, init->controls[i]), CPU(1));
    tact_session_destroy(&s);
    tact_graph_destroy(&g);
}

/* Stateful ops keep their first placement in a session (spec §3.3): an unconstrained variable
 * first placed on CPU:0 stays there when an update asking for CPU:1 joins the graph (a fresh
 * session follows the request); a reader and a queue kept on different devices by earlier
 * runs cannot be joined by a read. */
static void test_stateful_ops_keep_first_placement(void **state)
{
    (void) state;
    tact_status_t st = TACT_STATUS_INIT;
    tact_graph_t *g = tact_graph_new();
    tact_output_t v = tu_variable_f32(g, 5, "v", &st);
    tact_op_t *init = tact_global_variables_initializer(g, &st);
    tact_config_t two = { .device_count.cpu = 2 };
    tact_session_t *s = tu_session(g, &two);
    tu_run_op(s, init);
    assert_string_equal(tact_session_op_device(s, v.op), CPU(0));
    tact_output_t inc;
    {
        TACT_DEVICE_SCOPE(g, "/cpu:1");
        inc = tact_assign_add(g, v, tu_const_f32(g, NULL, 0, (float[]) { 1 }, "one", &st), "inc",
                              &st);
    }
    tact_tensor_t *r = tu_run1(s, inc, NULL, 0, &st);
    assert_string_equal(tu_str(r), "6.0");
    tact_tensor_destroy(&r);
    assert_string_equal(tact_session_op_device(s, inc.op), CPU(0));
    tact_session_t *fresh = tu_session(g, &two);
    tu_run_op(fresh, init);
    assert_string_equal(tact_session_op_device(fresh, v.op), CPU(1));
    tact_session_destroy(&fresh);

    tact_op_t *q, *reader, *enq;
    {
        TACT_DEVICE_SCOPE(g, "/cpu:1");
        q = tact_fifo_queue(g, 4, (tact_dtype_t[]) { TACT_DTYPE_STRING }, 1, NULL, NULL, "files",
                            &st);
        tact_tensor_t *name = tact_tensor_new_strings(NULL, 0, (const char *[]) { "a.txt" },
                                                      NULL, &st);
        tact_output_t file = tact_constant(g, name, "file", &st);
        tact_tensor_destroy(&name);
        enq = tact_queue_enqueue(g, q, &file, 1, "enq", &st);
    }
    {
        TACT_DEVICE_SCOPE(g, "/cpu:0");
        reader = tact_text_line_reader(g, 0, "lines", &st);
    }
    assert_int_equal(st.code, TACT_CODE_OK);
    tact_op_t *targets[2] = { enq, reader };  /* the queue goes to CPU:1, the reader to CPU:0 */
    assert_int_equal(tact_session_run(s, NULL, 0, NULL, NULL, 0, targets, 2, &st), TACT_CODE_OK);
    tact_output_t key, value;
    tact_op_t *read = tact_reader_read(g, reader, q, &key, &value, "read", &st);
    assert_non_null(read);
    /* the queue, made first, leads the group: the reader is the one that cannot follow */
    tu_run_fails(s, value, NULL, 0, TACT_CODE_INVALID_ARGUMENT,
                 "Cannot colocate lines (kept on " CPU(0) " by an earlier run) with files (on "
                 CPU(1) ")");
    tact_session_destroy(&s);
    tact_graph_destroy(&g);
}

/* TensorFlow's partition graphs for two CPU devices (tests/data/partition_graphs_tf.py printed
 * TensorFlow's): a _Send/_Recv pair for every value that crosses between CPU:0 and CPU:1,
 * although host devices share it by pointer; the feed is an _Arg on the client's device
 * (CPU:0) even where its placeholder is on CPU:1, and each fetch a _Retval there, behind a
 * pair when it was made on CPU:1. TensorFlow's "/_k" counter is the session's and its grappler
 * put m's inputs the other way round; the nodes and their counts are the same. */
static void test_partitions_two_cpus_feeds_fetches(void **state)
{
    (void) state;
    tact_status_t st = TACT_STATUS_INIT;
    tact_graph_t *g = tact_graph_new();
    tact_output_t a, one, x, m, y, z;
    {
        TACT_DEVICE_SCOPE(g, "/cpu:0");
        a = tu_const_f32(g, (int64_t[]) { 2 }, 1, (float[]) { 1, 2 }, "a", &st);
        one = tu_const_f32(g, NULL, 0, (float[]) { 10 }, "one", &st);
    }
    {
        TACT_DEVICE_SCOPE(g, "/cpu:1");
        x = tact_placeholder(g, TACT_DTYPE_F32, (int64_t[]) { 2 }, 1, "x", &st);
        m = tact_multiply(g, x, a, "m", &st);
    }
    {
        TACT_DEVICE_SCOPE(g, "/cpu:0");
        y = tact_multiply(g, m, one, "y", &st);
        z = tact_identity(g, x, "z", &st);
    }
    assert_int_equal(st.code, TACT_CODE_OK);
    tact_tensor_t *xv = tu_f32((int64_t[]) { 2 }, 1, (float[]) { 3, 4 });
    tact_feed_t feed = { x, xv };
    tact_config_t two = { .device_count.cpu = 2 };
    tact_config_t two_actors = { .device_count.cpu = 2, .executor = TACT_EXECUTOR_ACTORS };
    const tact_config_t *configs[] = { &two, &two_actors };
    for (int k = 0; k < 2; k++) {
        tact_session_t *s = tu_session(g, configs[k]);
        tact_run_metadata_t md = { 0 };
        tact_run_options_t opts = { .metadata = &md };
        tact_output_t fetches[3] = { y, m, z };
        tact_tensor_t *r[3] = { NULL };
        assert_int_equal(tact_session_run_ex(s, &opts, fetches, 3, r, &feed, 1, NULL, 0, &st),
                         TACT_CODE_OK);
        assert_string_equal(tu_str(r[0]), "[30. 80.]");
        assert_string_equal(tu_str(r[1]), "[3. 8.]");
        assert_string_equal(tu_str(r[2]), "[3. 4.]");
        assert_int_equal(md.n_partitions, 2);
        assert_string_equal(md.partitions[0].device, CPU(0));
        assert_string_equal(md.partitions[0].graph,
                            "_arg_x_0_0 = _Arg()\n"
                            "_arg_x_0_0/_0 = _Send(_arg_x_0_0:0 to " CPU(1) ")\n"
                            "a = Const()\n"
                            "a/_2 = _Send(a:0 to " CPU(1) ")\n"
                            "one = Const()\n"
                            "m/_5 = _Recv(m:0 from " CPU(1) ")\n"
                            "y = Mul(m/_5, one)\n"
                            "z = Identity(_arg_x_0_0)\n"
                            "_retval_m_0_0 = _Retval(m/_5)\n"
                            "_retval_y_0_1 = _Retval(y)\n"
                            "_retval_z_0_2 = _Retval(z)\n");
        assert_int_equal(md.partitions[0].n_nodes, 4);
        assert_int_equal(md.partitions[0].n_sends, 2);
        assert_int_equal(md.partitions[0].n_recvs, 1);
        assert_string_equal(md.partitions[1].device, CPU(1));
        assert_string_equal(md.partitions[1].graph,
                            "_arg_x_0_0/_1 = _Recv(_arg_x_0_0:0 from " CPU(0) ")\n"
                            "a/_3 = _Recv(a:0 from " CPU(0) ")\n"
                            "m = Mul(_arg_x_0_0/_1, a/_3)\n"
                            "m/_4 = _Send(m:0 to " CPU(0) ")\n");
        assert_int_equal(md.partitions[1].n_nodes, 1);
        assert_int_equal(md.partitions[1].n_sends, 1);
        assert_int_equal(md.partitions[1].n_recvs, 2);
        assert_null(md.partitions[2].graph);
        tact_run_metadata_clear(&md);
        for (int i = 0; i < 3; i++)
            tact_tensor_destroy(&r[i]);
        tact_session_destroy(&s);
    }
    tact_tensor_destroy(&xv);
    tact_graph_destroy(&g);
}

/* Every op on CPU:1: the client's device still has a partition, with the feed's _Arg and
 * _Send and the fetch's _Recv and _Retval, as TensorFlow's (same numbers here). */
static void test_partitions_client_holds_only_feeds_and_fetches(void **state)
{
    (void) state;
    tact_status_t st = TACT_STATUS_INIT;
    tact_graph_t *g = tact_graph_new();
    tact_output_t x, w;
    {
        TACT_DEVICE_SCOPE(g, "/cpu:1");
        x = tact_placeholder(g, TACT_DTYPE_F32, (int64_t[]) { 2 }, 1, "x", &st);
        w = tact_multiply(g, x, tu_const_f32(g, NULL, 0, (float[]) { 2 }, "two", &st), "w",
                          &st);
    }
    assert_int_equal(st.code, TACT_CODE_OK);
    tact_tensor_t *xv = tu_f32((int64_t[]) { 2 }, 1, (float[]) { 3, 4 });
    tact_feed_t feed = { x, xv };
    tact_config_t two = { .device_count.cpu = 2 };
    tact_session_t *s = tu_session(g, &two);
    tact_run_metadata_t md = { 0 };
    tact_run_options_t opts = { .metadata = &md, .trace_level = TACT_TRACE_FULL_TRACE };
    tact_tensor_t *r = NULL;
    assert_int_equal(tact_session_run_ex(s, &opts, &w, 1, &r, &feed, 1, NULL, 0, &st),
                     TACT_CODE_OK);
    assert_string_equal(tu_str(r), "[6. 8.]");
    assert_int_equal(md.n_partitions, 2);
    assert_string_equal(md.partitions[0].device, CPU(0));
    assert_string_equal(md.partitions[0].graph,
                        "_arg_x_0_0 = _Arg()\n"
                        "_arg_x_0_0/_0 = _Send(_arg_x_0_0:0 to " CPU(1) ")\n"
                        "w/_3 = _Recv(w:0 from " CPU(1) ")\n"
                        "_retval_w_0_0 = _Retval(w/_3)\n");
    assert_int_equal(md.partitions[0].n_nodes, 0);
    assert_int_equal(md.partitions[0].n_sends, 1);
    assert_int_equal(md.partitions[0].n_recvs, 1);
    assert_string_equal(md.partitions[1].device, CPU(1));
    assert_string_equal(md.partitions[1].graph,
                        "two = Const()\n"
                        "_arg_x_0_0/_1 = _Recv(_arg_x_0_0:0 from " CPU(0) ")\n"
                        "w = Mul(_arg_x_0_0/_1, two)\n"
                        "w/_2 = _Send(w:0 to " CPU(0) ")\n");
    assert_int_equal(md.partitions[1].n_nodes, 2);
    assert_int_equal(md.partitions[1].n_sends, 1);
    assert_int_equal(md.partitions[1].n_recvs, 1);
    /* The step stats keep the partitions' order: CPU:0 ran none of the step's nodes. */
    assert_int_equal(md.step_stats.n_devices, 2);
    assert_string_equal(md.step_stats.devices[0].device, CPU(0));
    assert_int_equal(md.step_stats.devices[0].n_nodes, 0);
    assert_string_equal(md.step_stats.devices[1].device, CPU(1));
    assert_int_equal(md.step_stats.devices[1].n_nodes, 2);
    tact_run_metadata_clear(&md);
    tact_tensor_destroy(&r);
    tact_session_destroy(&s);
    tact_tensor_destroy(&xv);
    tact_graph_destroy(&g);
}

/* An op on CPU:1 that waits for an assign on CPU:0 only for order: TensorFlow's partitioner
 * sends a dummy value between them (tests/data/partition_graphs_tf.py, third graph:
 * "a/ctrl/_0 = Const()" under ^a, "a/_1 = _Send", "a/_2 = _Recv", "a/_3 = Identity", which
 * the waiting ops depend on). tact numbers the pair after the data edges. */
static void test_partitions_control_edge_pair(void **state)
{
    (void) state;
    tact_status_t st = TACT_STATUS_INIT;
    tact_graph_t *g = tact_graph_new();
    tact_output_t v, a, y;
    {
        TACT_DEVICE_SCOPE(g, "/cpu:0");
        v = tu_variable_f32(g, 1, "v", &st);
        a = tact_assign_add(g, v, tu_const_f32(g, NULL, 0, (float[]) { 1 }, "one", &st), "a",
                            &st);
    }
    {
        TACT_DEVICE_SCOPE(g, "/cpu:1");
        TACT_CONTROL_DEPENDENCIES(g, ((tact_op_t *[]) { a.op }), 1, &st);
        y = tact_multiply(g, tu_const_f32(g, NULL, 0, (float[]) { 3 }, "c", &st),
                          tu_const_f32(g, NULL, 0, (float[]) { 2 }, "two", &st), "mul", &st);
    }
    assert_int_equal(st.code, TACT_CODE_OK);
    tact_config_t two = { .device_count.cpu = 2 };
    tact_session_t *s = tu_session(g, &two);
    tu_run_op(s, tact_global_variables_initializer(g, &st));
    tact_run_metadata_t md = { 0 };
    tact_run_options_t opts = { .metadata = &md };
    tact_tensor_t *r = NULL;
    assert_int_equal(tact_session_run_ex(s, &opts, &y, 1, &r, NULL, 0, NULL, 0, &st),
                     TACT_CODE_OK);
    assert_string_equal(tu_str(r), "6.0");
    assert_int_equal(md.n_partitions, 2);
    assert_string_equal(md.partitions[0].graph,
                        "v = VariableV2()\n"
                        "one = Const()\n"
                        "a = AssignAdd(v, one)\n"
                        "a/ctrl/_2 = Const()\n"
                        "a/_3 = _Send(a/ctrl/_2:0 to " CPU(1) ")\n"
                        "mul/_1 = _Recv(mul:0 from " CPU(1) ")\n"
                        "_retval_mul_0_0 = _Retval(mul/_1)\n");
    assert_int_equal(md.partitions[0].n_sends, 1);
    assert_int_equal(md.partitions[0].n_recvs, 1);
    assert_string_equal(md.partitions[1].graph,
                        "a/_4 = _Recv(a/ctrl/_2:0 from " CPU(0) ")\n"
                        "a/_5 = Identity(a/_4)\n"
                        "two = Const()\n"
                        "c = Const()\n"
                        "mul = Mul(c, two)\n"
                        "mul/_0 = _Send(mul:0 to " CPU(0) ")\n");
    assert_int_equal(md.partitions[1].n_sends, 1);
    assert_int_equal(md.partitions[1].n_recvs, 1);
    tact_run_metadata_clear(&md);
    tact_tensor_destroy(&r);
    tact_session_destroy(&s);
    tact_graph_destroy(&g);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_manual_placement_across_two_cpus),
        cmocka_unit_test(test_pipeline_over_three_cpus),
        cmocka_unit_test(test_soft_placement_and_errors),
        cmocka_unit_test(test_placement_log),
        cmocka_unit_test(test_whole_graph_placement),
        cmocka_unit_test(test_failing_fragment_stops_the_others),
        cmocka_unit_test(test_concurrent_fragments_on_actors),
        cmocka_unit_test(test_colocation_groups),
        cmocka_unit_test(test_stateful_ops_keep_first_placement),
        cmocka_unit_test(test_partitions_two_cpus_feeds_fetches),
        cmocka_unit_test(test_partitions_client_holds_only_feeds_and_fetches),
        cmocka_unit_test(test_partitions_control_edge_pair),
    };
    return cmocka_run_group_tests_name("sched", tests, NULL, NULL);
}
