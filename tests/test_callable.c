/* SPDX-License-Identifier: MIT */
/* Callables (tact_session_make_callable, TensorFlow's Session.make_callable): the step resolved
 * once and run with values in the feed list's order; DirectSession::RunCallable's errors
 * (tests/data/callable_tf.py printed them from TensorFlow); calls from many threads at once;
 * timeouts and cancellation as runs have them. Also the run path's per-thread memo of the last
 * signature, which must answer exactly as a fresh run.
 *
 * The simplest use:
 *     tact_output_t in[2] = { a, b };
 *     tact_callable_t *mul = tact_session_make_callable(s, &c, 1, in, 2, NULL, 0, &st);
 *     tact_callable_run(mul, (const tact_tensor_t *[]) { five, six }, 2, &c_val, NULL, &st);
 *     tact_callable_destroy(&mul);
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <pthread.h>
#include <string.h>
#include <time.h>

#include <tact/queue.h>

#include "runtime/exec/session_impl.h"
#include "tests/helpers.h"

static const tact_config_t actors_config = { .executor = TACT_EXECUTOR_ACTORS };
static const tact_config_t *const executors[] = { NULL, &actors_config };

/* a, b float scalars; c = a * b (TensorFlow's script builds the same). */
typedef struct fixture {
    tact_graph_t *g;
    tact_output_t a, b, c;
} fixture_t;

static int setup(void **state)
{
    fixture_t *f = calloc(1, sizeof *f);
    tact_status_t st = TACT_STATUS_INIT;
    f->g = tact_graph_new();
    f->a = tact_placeholder(f->g, TACT_DTYPE_F32, NULL, 0, "a", &st);
    f->b = tact_placeholder(f->g, TACT_DTYPE_F32, NULL, 0, "b", &st);
    f->c = tact_multiply(f->g, f->a, f->b, "c", &st);
    assert_int_equal(st.code, TACT_CODE_OK);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fixture_t *f = *state;
    tact_graph_destroy(&f->g);
    free(f);
    return 0;
}

static float scalar(const tact_tensor_t *t)
{
    assert_non_null(t);
    assert_int_equal(tact_tensor_dtype(t), TACT_DTYPE_F32);
    assert_int_equal(tact_tensor_ndims(t), 0);
    return *(const float *) tact_tensor_data(t);
}

/* Call `c` with two float values and return its single result. */
static float call2(tact_callable_t *c, float x, float y)
{
    tact_status_t st = TACT_STATUS_INIT;
    tact_tensor_t *vx = tu_scalar_f32(x), *vy = tu_scalar_f32(y), *out = NULL;
    assert_int_equal(tact_callable_run(c, (const tact_tensor_t *[]) { vx, vy }, 2, &out, NULL,
                                       &st), TACT_CODE_OK);
    float v = scalar(out);
    tact_tensor_destroy(&out);
    tact_tensor_destroy(&vx);
    tact_tensor_destroy(&vy);
    return v;
}

/* TensorFlow: f = make_callable([c], feed_list=[a, b]); f(5.0, 6.0) -> [30.0];
 * make_callable(c, feed_list=[b, a])(2.0, 7.0) -> 14.0 (b = 2, a = 7). */
static void test_values_in_feed_list_order(void **state)
{
    fixture_t *f = *state;
    for (int e = 0; e < 2; e++) {
        tact_session_t *s = tu_session(f->g, executors[e]);
        tact_status_t st = TACT_STATUS_INIT;
        tact_callable_t *ab = tact_session_make_callable(s, &f->c, 1, (tact_output_t[]) { f->a,
                                                         f->b }, 2, NULL, 0, &st);
        tact_callable_t *ba = tact_session_make_callable(s, &f->c, 1, (tact_output_t[]) { f->b,
                                                         f->a }, 2, NULL, 0, &st);
        assert_int_equal(st.code, TACT_CODE_OK);
        assert_float_equal(call2(ab, 5, 6), 30, 0);
        assert_float_equal(call2(ba, 2, 7), 14, 0);
        /* The same step as run: the plan cache holds one plan for both orders. */
        tact_tensor_t *x = tu_scalar_f32(3), *y = tu_scalar_f32(4);
        tact_feed_t feeds[2] = { { f->b, y }, { f->a, x } };
        tact_tensor_t *r = tu_run1(s, f->c, feeds, 2, &st);
        assert_float_equal(scalar(r), 12, 0);
        assert_float_equal(call2(ab, 3, 4), 12, 0);
        assert_int_equal(tact__session_num_plans(s), 1);
        tact_tensor_destroy(&r);
        tact_tensor_destroy(&x);
        tact_tensor_destroy(&y);
        tact_callable_destroy(&ab);
        tact_callable_destroy(&ba);
        assert_null(ab);
        tact_callable_destroy(&ab);  /* NULL-safe */
        tact_callable_destroy(NULL);
        tact_session_destroy(&s);
    }
}

/* Several fetches, a repeated one, a fetch of a fed tensor (a copy of the feed, as run), and a
 * target; and a callable with no feeds. */
static void test_fetches_targets_and_no_feeds(void **state)
{
    fixture_t *f = *state;
    tact_status_t st = TACT_STATUS_INIT;
    tact_output_t v = tu_variable_f32(f->g, 1, "v", &st);
    tact_output_t inc = tact_assign_add(f->g, v, f->a, "inc", &st);
    tact_op_t *init = tact_global_variables_initializer(f->g, &st);
    assert_int_equal(st.code, TACT_CODE_OK);
    tact_session_t *s = tu_session(f->g, NULL);
    tu_run_op(s, init);
    tact_output_t fetches[4] = { f->c, f->a, f->c, inc };
    tact_callable_t *k = tact_session_make_callable(s, fetches, 4, (tact_output_t[]) { f->a,
                                                    f->b }, 2, NULL, 0, &st);
    tact_callable_t *read = tact_session_make_callable(s, &v, 1, NULL, 0, NULL, 0, &st);
    tact_op_t *inc_op = inc.op;
    tact_callable_t *bump = tact_session_make_callable(s, NULL, 0, (tact_output_t[]) { f->a },
                                                       1, &inc_op, 1, &st);
    assert_int_equal(st.code, TACT_CODE_OK);
    tact_tensor_t *two = tu_scalar_f32(2), *ten = tu_scalar_f32(10), *out[4] = { NULL };
    assert_int_equal(tact_callable_run(k, (const tact_tensor_t *[]) { two, ten }, 2, out, NULL,
                                       &st), TACT_CODE_OK);
    assert_float_equal(scalar(out[0]), 20, 0);
    assert_float_equal(scalar(out[1]), 2, 0);
    assert_ptr_not_equal(out[1], two);  /* a new tensor the caller owns */
    assert_float_equal(scalar(out[2]), 20, 0);
    assert_float_equal(scalar(out[3]), 3, 0);  /* 1 + 2 */
    for (int i = 0; i < 4; i++)
        tact_tensor_destroy(&out[i]);
    assert_int_equal(tact_callable_run(bump, (const tact_tensor_t *[]) { ten }, 1, NULL, NULL,
                                       &st), TACT_CODE_OK);
    assert_int_equal(tact_callable_run(read, NULL, 0, out, NULL, &st), TACT_CODE_OK);
    assert_float_equal(scalar(out[0]), 13, 0);
    tact_tensor_destroy(&out[0]);
    tact_tensor_destroy(&two);
    tact_tensor_destroy(&ten);
    tact_callable_destroy(&k);
    tact_callable_destroy(&read);
    tact_callable_destroy(&bump);
    tact_session_destroy(&s);
}

/* TensorFlow's RunCallable: "Expected 2 feed tensors, but got 1" and "Type mismatch: actual
 * int32 vs. expect float", both INVALID_ARGUMENT; a failed call leaves NULL results and the
 * callable usable. TensorFlow's message names its _Arg node for the feed (_arg_a_0_0); tact
 * names the fed op. */
static void test_call_errors(void **state)
{
    fixture_t *f = *state;
    tact_session_t *s = tu_session(f->g, NULL);
    tact_status_t st = TACT_STATUS_INIT;
    tact_callable_t *k = tact_session_make_callable(s, &f->c, 1, (tact_output_t[]) { f->a,
                                                    f->b }, 2, NULL, 0, &st);
    assert_int_equal(st.code, TACT_CODE_OK);
    tact_tensor_t *five = tu_scalar_f32(5), *six = tu_scalar_f32(6);
    tact_tensor_t *i5 = tact_tensor_new(TACT_DTYPE_I32, NULL, 0, (int32_t[]) { 5 }, &st);
    tact_tensor_t *v2 = tu_f32((int64_t[]) { 2 }, 1, (float[]) { 1, 2 });
    tact_tensor_t *out = (tact_tensor_t *) 1;

    st = (tact_status_t) TACT_STATUS_INIT;
    assert_int_equal(tact_callable_run(k, (const tact_tensor_t *[]) { five }, 1, &out, NULL, &st),
                     TACT_CODE_INVALID_ARGUMENT);
    assert_string_equal(st.msg, "Expected 2 feed tensors, but got 1");
    assert_null(out);

    st = (tact_status_t) TACT_STATUS_INIT;
    assert_int_equal(tact_callable_run(k, (const tact_tensor_t *[]) { i5, six }, 2, &out, NULL,
                                       &st), TACT_CODE_INVALID_ARGUMENT);
    assert_string_equal(st.msg,
                        "Type mismatch: actual int32 vs. expect float\n\t [[{{node a}}]]");

    /* A shape the placeholder does not allow: run's check and message. */
    st = (tact_status_t) TACT_STATUS_INIT;
    assert_int_equal(tact_callable_run(k, (const tact_tensor_t *[]) { five, v2 }, 2, &out, NULL,
                                       &st), TACT_CODE_INVALID_ARGUMENT);
    assert_string_equal(st.msg, "Cannot feed value of shape (2,) for Tensor 'b:0', which has "
                                "shape '()'");

    st = (tact_status_t) TACT_STATUS_INIT;
    assert_int_equal(tact_callable_run(k, (const tact_tensor_t *[]) { five, NULL }, 2, &out,
                                       NULL, &st), TACT_CODE_INVALID_ARGUMENT);
    assert_string_equal(st.msg, "The value fed to b:0 is NULL");

    /* A sticky status: nothing runs. */
    assert_int_equal(tact_callable_run(k, (const tact_tensor_t *[]) { five, six }, 2, &out, NULL,
                                       &st), TACT_CODE_INVALID_ARGUMENT);
    assert_null(out);
    st = (tact_status_t) TACT_STATUS_INIT;
    assert_int_equal(tact_callable_run(NULL, NULL, 0, NULL, NULL, &st),
                     TACT_CODE_INVALID_ARGUMENT);
    assert_float_equal(call2(k, 5, 6), 30, 0);

    tact_session_stats_t stats;
    st = (tact_status_t) TACT_STATUS_INIT;
    assert_int_equal(tact_session_stats(s, &stats, &st), TACT_CODE_OK);
    assert_int_equal(stats.runs, 5);  /* the NULL callable and the sticky call never got in */
    assert_int_equal(stats.errors[TACT_CODE_INVALID_ARGUMENT], 4);
    tact_tensor_destroy(&five);
    tact_tensor_destroy(&six);
    tact_tensor_destroy(&i5);
    tact_tensor_destroy(&v2);
    tact_callable_destroy(&k);
    tact_session_destroy(&s);
}

/* make_callable checks what run checks, in run's words. */
static void test_make_errors(void **state)
{
    fixture_t *f = *state;
    tact_session_t *s = tu_session(f->g, NULL);
    tact_graph_t *other = tact_graph_new();
    tact_status_t st = TACT_STATUS_INIT;
    tact_output_t x = tact_placeholder(other, TACT_DTYPE_F32, NULL, 0, "x", &st);
    assert_int_equal(st.code, TACT_CODE_OK);

    assert_null(tact_session_make_callable(s, NULL, 0, NULL, 0, NULL, 0, &st));
    assert_int_equal(st.code, TACT_CODE_INVALID_ARGUMENT);
    assert_string_equal(st.msg, "Must specify at least one target to fetch or execute.");

    st = (tact_status_t) TACT_STATUS_INIT;
    assert_null(tact_session_make_callable(s, &f->c, 1, &x, 1, NULL, 0, &st));
    assert_string_equal(st.msg, "Cannot interpret feed_dict key as Tensor: Tensor x:0 is not an "
                                "element of this graph.");

    st = (tact_status_t) TACT_STATUS_INIT;
    assert_null(tact_session_make_callable(s, &x, 1, NULL, 0, NULL, 0, &st));
    assert_string_equal(st.msg, "Fetch argument x:0 cannot be interpreted as a Tensor. (Tensor "
                                "x:0 is not an element of this graph.)");

    st = (tact_status_t) TACT_STATUS_INIT;
    assert_null(tact_session_make_callable(s, &f->c, 1, (tact_output_t[]) { f->a, f->a }, 2,
                                           NULL, 0, &st));
    assert_string_equal(st.msg, "Endpoint \"a:0\" fed more than once.");

    /* An unfed placeholder the fetch needs: the plan says so when it is built. */
    st = (tact_status_t) TACT_STATUS_INIT;
    assert_null(tact_session_make_callable(s, &f->c, 1, &f->a, 1, NULL, 0, &st));
    assert_int_equal(st.code, TACT_CODE_INVALID_ARGUMENT);
    assert_true(tu_contains(st.msg, "You must feed a value for placeholder tensor 'b'"));

    tact_graph_destroy(&other);
    tact_session_destroy(&s);
}

/* TensorFlow: a callable of a closed session fails with CANCELLED "Session has been closed.";
 * so does making one. The callable may be destroyed after its session. */
static void test_closed_session(void **state)
{
    fixture_t *f = *state;
    tact_session_t *s = tu_session(f->g, NULL);
    tact_status_t st = TACT_STATUS_INIT;
    tact_callable_t *k = tact_session_make_callable(s, &f->c, 1, (tact_output_t[]) { f->a,
                                                    f->b }, 2, NULL, 0, &st);
    assert_float_equal(call2(k, 5, 6), 30, 0);
    assert_int_equal(tact_session_close(s, &st), TACT_CODE_OK);
    tact_tensor_t *five = tu_scalar_f32(5), *out = NULL;
    assert_int_equal(tact_callable_run(k, (const tact_tensor_t *[]) { five, five }, 2, &out, NULL,
                                       &st), TACT_CODE_CANCELLED);
    assert_string_equal(st.msg, "Session has been closed.");
    assert_null(out);
    st = (tact_status_t) TACT_STATUS_INIT;
    assert_null(tact_session_make_callable(s, &f->c, 1, (tact_output_t[]) { f->a, f->b }, 2,
                                           NULL, 0, &st));
    assert_int_equal(st.code, TACT_CODE_CANCELLED);
    assert_string_equal(st.msg, "Session has been closed.");
    tact_session_destroy(&s);
    tact_callable_destroy(&k);
    tact_tensor_destroy(&five);
}

/* Many threads on one callable, each with its own values. */
#define CALL_THREADS 4
#define CALLS 2000

typedef struct caller {
    tact_callable_t *k;
    int id;
    int bad;
} caller_t;

static void *caller_main(void *p)
{
    caller_t *c = p;
    for (int i = 0; i < CALLS; i++) {
        tact_status_t st = TACT_STATUS_INIT;
        tact_tensor_t *x = tu_scalar_f32((float) c->id), *y = tu_scalar_f32((float) i);
        tact_tensor_t *out = NULL;
        tact_callable_run(c->k, (const tact_tensor_t *[]) { x, y }, 2, &out, NULL, &st);
        if (st.code != TACT_CODE_OK ||
            *(const float *) tact_tensor_data(out) != (float) (c->id * i))
            c->bad++;
        tact_tensor_destroy(&out);
        tact_tensor_destroy(&x);
        tact_tensor_destroy(&y);
    }
    return NULL;
}

static void test_concurrent_calls(void **state)
{
    fixture_t *f = *state;
    for (int e = 0; e < 2; e++) {
        tact_session_t *s = tu_session(f->g, executors[e]);
        tact_status_t st = TACT_STATUS_INIT;
        tact_callable_t *k = tact_session_make_callable(s, &f->c, 1, (tact_output_t[]) { f->a,
                                                        f->b }, 2, NULL, 0, &st);
        assert_int_equal(st.code, TACT_CODE_OK);
        pthread_t th[CALL_THREADS];
        caller_t c[CALL_THREADS];
        for (int t = 0; t < CALL_THREADS; t++) {
            c[t] = (caller_t) { k, t + 1, 0 };
            assert_int_equal(pthread_create(&th[t], NULL, caller_main, &c[t]), 0);
        }
        for (int t = 0; t < CALL_THREADS; t++) {
            pthread_join(th[t], NULL);
            assert_int_equal(c[t].bad, 0);
        }
        tact_session_stats_t stats;
        assert_int_equal(tact_session_stats(s, &stats, &st), TACT_CODE_OK);
        assert_int_equal(stats.runs, CALL_THREADS * CALLS);
        assert_int_equal(stats.plan_cache_hits, CALL_THREADS * CALLS);
        tact_callable_destroy(&k);
        tact_session_destroy(&s);
    }
}

/* A call blocked in a dequeue: DEADLINE_EXCEEDED "Timed out waiting for notification" after its
 * timeout, CANCELLED when its handle is cancelled, CANCELLED when the session closes under it;
 * the callable works on afterwards. */
typedef struct blocked {
    tact_callable_t *k;
    const tact_run_options_t *opts;
    tact_status_t st;
} blocked_t;

static void *blocked_main(void *p)
{
    blocked_t *b = p;
    tact_tensor_t *out = NULL;
    tact_callable_run(b->k, NULL, 0, &out, b->opts, &b->st);
    tact_tensor_destroy(&out);
    return NULL;
}

static void test_timeout_and_cancel(void **state)
{
    fixture_t *f = *state;
    tact_status_t st = TACT_STATUS_INIT;
    tact_op_t *q = tact_fifo_queue(f->g, 2, (tact_dtype_t[]) { TACT_DTYPE_F32 }, 1, NULL, NULL, "q",
                                   &st);
    tact_output_t y;
    tact_queue_dequeue(f->g, q, &y, "deq", &st);
    tact_op_t *enq = tact_queue_enqueue(f->g, q, &f->a, 1, "enq", &st);
    assert_int_equal(st.code, TACT_CODE_OK);
    tact_session_t *s = tu_session(f->g, NULL);
    tact_callable_t *deq = tact_session_make_callable(s, &y, 1, NULL, 0, NULL, 0, &st);
    tact_callable_t *put = tact_session_make_callable(s, NULL, 0, &f->a, 1, &enq, 1, &st);
    assert_int_equal(st.code, TACT_CODE_OK);

    tact_run_options_t opts = { .timeout_in_ms = 20 };
    tact_tensor_t *out = NULL;
    int64_t t0 = tact__now_ns();
    assert_int_equal(tact_callable_run(deq, NULL, 0, &out, &opts, &st),
                     TACT_CODE_DEADLINE_EXCEEDED);
    assert_true(tu_contains(st.msg, "Timed out waiting for notification"));
    assert_true(tact__now_ns() - t0 >= 20000000);

    tact_tensor_t *seven = tu_scalar_f32(7);
    st = (tact_status_t) TACT_STATUS_INIT;
    assert_int_equal(tact_callable_run(put, (const tact_tensor_t *[]) { seven }, 1, NULL, NULL,
                                       &st), TACT_CODE_OK);
    assert_int_equal(tact_callable_run(deq, NULL, 0, &out, &opts, &st), TACT_CODE_OK);
    assert_float_equal(scalar(out), 7, 0);
    tact_tensor_destroy(&out);

    /* Cancelled from another thread while blocked. */
    tact_run_options_t copts = { .cancel = tact_cancel_new() };
    blocked_t b = { deq, &copts, TACT_STATUS_INIT };
    pthread_t th;
    assert_int_equal(pthread_create(&th, NULL, blocked_main, &b), 0);
    while (tact__session_active_runs(s) == 0)
        sched_yield();
    tact_cancel_request(copts.cancel);
    pthread_join(th, NULL);
    assert_int_equal(b.st.code, TACT_CODE_CANCELLED);
    tact_cancel_destroy((tact_cancel_t **) &copts.cancel);

    /* Closed while blocked: the call returns CANCELLED, and so does the next. */
    blocked_t c = { deq, NULL, TACT_STATUS_INIT };
    assert_int_equal(pthread_create(&th, NULL, blocked_main, &c), 0);
    while (tact__session_active_runs(s) == 0)
        sched_yield();
    assert_int_equal(tact_session_close(s, &st), TACT_CODE_OK);
    pthread_join(th, NULL);
    assert_int_equal(c.st.code, TACT_CODE_CANCELLED);
    st = (tact_status_t) TACT_STATUS_INIT;
    assert_int_equal(tact_callable_run(deq, NULL, 0, &out, NULL, &st), TACT_CODE_CANCELLED);
    assert_string_equal(st.msg, "Session has been closed.");

    tact_tensor_destroy(&seven);
    tact_callable_destroy(&deq);
    tact_callable_destroy(&put);
    tact_session_destroy(&s);
}

/* The graph grows after the callable is made: the call places the new ops (as every run
 * does) and answers as before. */
static void test_graph_grows(void **state)
{
    fixture_t *f = *state;
    tact_session_t *s = tu_session(f->g, NULL);
    tact_status_t st = TACT_STATUS_INIT;
    tact_callable_t *k = tact_session_make_callable(s, &f->c, 1, (tact_output_t[]) { f->a,
                                                    f->b }, 2, NULL, 0, &st);
    assert_float_equal(call2(k, 5, 6), 30, 0);
    tact_output_t d = tact_add(f->g, f->c, f->a, "d", &st);
    assert_int_equal(st.code, TACT_CODE_OK);
    assert_null(tact_session_op_device(s, d.op));
    assert_float_equal(call2(k, 2, 3), 6, 0);
    assert_non_null(tact_session_op_device(s, d.op));
    tact_callable_destroy(&k);
    tact_session_destroy(&s);
}

/* The run path's memo of the calling thread's last signature: a repeat with bad values still
 * gets run's messages (with TensorFlow's arg[n]), another order or another session resolves
 * afresh, and a session made where a destroyed one was is never confused with it. */
static void test_run_memo(void **state)
{
    fixture_t *f = *state;
    tact_status_t st = TACT_STATUS_INIT;
    tact_tensor_t *five = tu_scalar_f32(5), *six = tu_scalar_f32(6);
    tact_tensor_t *i5 = tact_tensor_new(TACT_DTYPE_I32, NULL, 0, (int32_t[]) { 5 }, &st);
    tact_tensor_t *v2 = tu_f32((int64_t[]) { 2 }, 1, (float[]) { 1, 2 });
    for (int round = 0; round < 3; round++) {
        tact_session_t *s = tu_session(f->g, NULL);
        tact_feed_t ok[2] = { { f->b, six }, { f->a, five } };
        for (int i = 0; i < 3; i++) {
            tact_tensor_t *r = tu_run1(s, f->c, ok, 2, &st);
            assert_float_equal(scalar(r), 30, 0);
            tact_tensor_destroy(&r);
        }
        tact_feed_t bad_dtype[2] = { { f->b, six }, { f->a, i5 } };
        tact_status_t e = TACT_STATUS_INIT;
        assert_null(tu_run1(s, f->c, bad_dtype, 2, &e));
        assert_string_equal(e.msg, "Cannot feed value of dtype int32 for Tensor 'a:0', which has "
                                   "dtype float32 (Expects arg[0] to be float but int32 is "
                                   "provided)");
        tact_feed_t bad_shape[2] = { { f->b, v2 }, { f->a, five } };
        e = (tact_status_t) TACT_STATUS_INIT;
        assert_null(tu_run1(s, f->c, bad_shape, 2, &e));
        assert_string_equal(e.msg, "Cannot feed value of shape (2,) for Tensor 'b:0', which has "
                                   "shape '()'");
        tact_feed_t null_value[2] = { { f->b, six }, { f->a, NULL } };
        e = (tact_status_t) TACT_STATUS_INIT;
        assert_null(tu_run1(s, f->c, null_value, 2, &e));
        assert_string_equal(e.msg, "The value fed to a:0 is NULL");
        /* The other order, then a fetch of a feed: resolved afresh, right answers. */
        tact_feed_t swapped[2] = { { f->a, six }, { f->b, five } };
        tact_tensor_t *r = tu_run1(s, f->c, swapped, 2, &st);
        assert_float_equal(scalar(r), 30, 0);
        tact_tensor_destroy(&r);
        r = tu_run1(s, f->a, swapped, 2, &st);
        assert_float_equal(scalar(r), 6, 0);
        tact_tensor_destroy(&r);
        r = tu_run1(s, f->a, swapped, 2, &st);
        assert_float_equal(scalar(r), 6, 0);
        tact_tensor_destroy(&r);
        tact_session_stats_t stats;
        assert_int_equal(tact_session_stats(s, &stats, &st), TACT_CODE_OK);
        assert_int_equal(stats.runs, 9);
        assert_int_equal(stats.plan_cache_misses, 1);  /* one plan for c, whatever the order */
        assert_int_equal(stats.plan_cache_hits, 3);  /* two repeats, the other order */
        tact_session_destroy(&s);
    }
    tact_tensor_destroy(&five);
    tact_tensor_destroy(&six);
    tact_tensor_destroy(&i5);
    tact_tensor_destroy(&v2);
}

/* A step with values it frees on the way (p, after its last reader), values no node reads (the
 * target's output) and a node that fails after others made theirs: every value is freed, on
 * success and on failure (valgrind and ASan run this), by a callable and by the run memo. */
static void test_step_frees_every_value(void **state)
{
    (void) state;
    tact_status_t st = TACT_STATUS_INIT;
    tact_graph_t *g = tact_graph_new();
    tact_output_t x = tact_placeholder(g, TACT_DTYPE_I32, (int64_t[]) { -1 }, 1, "x", &st);
    tact_output_t y = tact_placeholder(g, TACT_DTYPE_I32, (int64_t[]) { -1 }, 1, "y", &st);
    tact_output_t p = tact_multiply(g, x, y, "p", &st);
    tact_output_t q = tact_divide(g, p, y, "q", &st);  /* fails for a zero in y */
    tact_output_t r = tact_add(g, p, x, "r", &st);
    tact_output_t t = tact_subtract(g, x, y, "t", &st);  /* a target: its output unread */
    assert_int_equal(st.code, TACT_CODE_OK);
    tact_tensor_t *vx = tu_i32((int64_t[]) { 3 }, 1, (int32_t[]) { 6, -8, 9 });
    tact_tensor_t *vy = tu_i32((int64_t[]) { 3 }, 1, (int32_t[]) { 2, 4, -3 });
    tact_tensor_t *vz = tu_i32((int64_t[]) { 3 }, 1, (int32_t[]) { 2, 0, -3 });
    for (size_t e = 0; e < sizeof executors / sizeof executors[0]; e++) {
        tact_session_t *s = tu_session(g, executors[e]);
        tact_output_t fetches[3] = { q, r, p };
        tact_output_t in[2] = { x, y };
        tact_callable_t *c = tact_session_make_callable(s, fetches, 3, in, 2, &t.op, 1, &st);
        assert_non_null(c);
        for (int i = 0; i < 6; i++) {  /* runs from the second on use the memo */
            const tact_tensor_t *vals[2] = { vx, i % 3 == 2 ? vz : vy };
            tact_feed_t feeds[2] = { { x, vx }, { y, vals[1] } };
            tact_tensor_t *out[3] = { NULL, NULL, NULL };
            tact_status_t rst = TACT_STATUS_INIT;
            tact_code_t rc = i % 2
                ? tact_callable_run(c, vals, 2, out, NULL, &rst)
                : tact_session_run(s, fetches, 3, out, feeds, 2, &t.op, 1, &rst);
            if (i % 3 == 2) {
                assert_int_equal(rc, TACT_CODE_INVALID_ARGUMENT);
                assert_string_equal(rst.msg, "Integer division by zero\n\t [[{{node q}}]]");
                for (int k = 0; k < 3; k++)
                    assert_null(out[k]);
                continue;
            }
            assert_int_equal(rc, TACT_CODE_OK);
            int32_t want_q[3] = { 6, -8, 9 }, want_r[3] = { 18, -40, -18 };
            int32_t want_p[3] = { 12, -32, -27 };
            assert_memory_equal(tact_tensor_data(out[0]), want_q, sizeof want_q);
            assert_memory_equal(tact_tensor_data(out[1]), want_r, sizeof want_r);
            assert_memory_equal(tact_tensor_data(out[2]), want_p, sizeof want_p);
            for (int k = 0; k < 3; k++)
                tact_tensor_destroy(&out[k]);
        }
        tact_callable_destroy(&c);
        tact_session_destroy(&s);
    }
    tact_tensor_destroy(&vx);
    tact_tensor_destroy(&vy);
    tact_tensor_destroy(&vz);
    tact_graph_destroy(&g);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_values_in_feed_list_order, setup, teardown),
        cmocka_unit_test_setup_teardown(test_fetches_targets_and_no_feeds, setup, teardown),
        cmocka_unit_test_setup_teardown(test_call_errors, setup, teardown),
        cmocka_unit_test_setup_teardown(test_make_errors, setup, teardown),
        cmocka_unit_test_setup_teardown(test_closed_session, setup, teardown),
        cmocka_unit_test_setup_teardown(test_concurrent_calls, setup, teardown),
        cmocka_unit_test_setup_teardown(test_timeout_and_cancel, setup, teardown),
        cmocka_unit_test_setup_teardown(test_graph_grows, setup, teardown),
        cmocka_unit_test_setup_teardown(test_run_memo, setup, teardown),
        cmocka_unit_test(test_step_frees_every_value),
    };
    return cmocka_run_group_tests_name("callable", tests, NULL, NULL);
}
