/* SPDX-License-Identifier: MIT */
/* FIFOQueue: order, components, many-at-once, capacity, close semantics, per-session queues,
 * and blocked ops that end on timeouts, cancellation and the session's close, on the calling
 * thread and with the device actors.
 *
 * The simplest use:
 *     tact_op_t *q = tact_fifo_queue(g, 10, dtypes, 1, NULL, NULL, NULL, &st);
 *     tact_op_t *enq = tact_queue_enqueue(g, q, &x, 1, NULL, &st);
 *     tact_queue_dequeue(g, q, &y, NULL, &st);
 */
#include "runtime/exec/session_impl.h"

#include <setjmp.h>
#include <cmocka.h>
#include <pthread.h>
#include <string.h>

#if __has_include(<valgrind/valgrind.h>)
#include <valgrind/valgrind.h>
#else
#define RUNNING_ON_VALGRIND 0
#endif

#include "tests/helpers.h"

typedef struct fixture {
    tact_graph_t *g;
    tact_output_t x;              /* placeholder float [2] */
    tact_output_t label;          /* placeholder int32 scalar */
    tact_op_t *q;                 /* capacity 3, (float[2], int32) */
    tact_op_t *enq;
    tact_op_t *enq_many;          /* from xs [n,2], labels [n] */
    tact_output_t xs, labels;
    tact_output_t deq[2];
    tact_output_t deq2[2];        /* dequeue_many(2) */
    tact_output_t size;
    tact_op_t *close;
    tact_op_t *close_cancel;
} fixture_t;

static int setup(void **state)
{
    fixture_t *f = calloc(1, sizeof *f);
    tact_status_t st = TACT_STATUS_INIT;
    f->g = tact_graph_new();
    f->x = tact_placeholder(f->g, TACT_DTYPE_F32, (int64_t[]) { 2 }, 1, "x", &st);
    f->label = tact_placeholder(f->g, TACT_DTYPE_I32, NULL, 0, "label", &st);
    f->xs = tact_placeholder(f->g, TACT_DTYPE_F32, (int64_t[]) { -1, 2 }, 2, "xs", &st);
    f->labels = tact_placeholder(f->g, TACT_DTYPE_I32, (int64_t[]) { -1 }, 1, "labels", &st);
    const int64_t shape_x[] = { 2 };
    f->q = tact_fifo_queue(f->g, 3, (tact_dtype_t[]) { TACT_DTYPE_F32, TACT_DTYPE_I32 }, 2,
                           (const int64_t *const[]) { shape_x, NULL }, (int[]) { 1, 0 }, NULL,
                           &st);
    f->enq = tact_queue_enqueue(f->g, f->q, (tact_output_t[]) { f->x, f->label }, 2, NULL, &st);
    f->enq_many = tact_queue_enqueue_many(f->g, f->q, (tact_output_t[]) { f->xs, f->labels }, 2,
                                          NULL, &st);
    tact_queue_dequeue(f->g, f->q, f->deq, NULL, &st);
    tact_queue_dequeue_many(f->g, f->q, 2, f->deq2, NULL, &st);
    f->size = tact_queue_size(f->g, f->q, NULL, &st);
    f->close = tact_queue_close(f->g, f->q, false, NULL, &st);
    f->close_cancel = tact_queue_close(f->g, f->q, true, "close_cancel", &st);
    *state = f;
    return st.code == TACT_CODE_OK ? 0 : -1;
}

static int teardown(void **state)
{
    fixture_t *f = *state;
    tact_graph_destroy(&f->g);
    free(f);
    return 0;
}

static tact_code_t enqueue(tact_session_t *s, fixture_t *f, float a, int32_t label,
                           tact_status_t *st)
{
    tact_tensor_t *xv = tu_f32((int64_t[]) { 2 }, 1, (float[]) { a, a + 0.5f });
    tact_tensor_t *lv = tu_i32(NULL, 0, (int32_t[]) { label });
    tact_feed_t feeds[2] = { { f->x, xv }, { f->label, lv } };
    tact_code_t rc = tact_session_run(s, NULL, 0, NULL, feeds, 2, &f->enq, 1, st);
    tact_tensor_destroy(&xv);
    tact_tensor_destroy(&lv);
    return rc;
}

static tact_code_t dequeue(tact_session_t *s, fixture_t *f, const tact_run_options_t *opts,
                           char *text, int32_t *label, tact_status_t *st)
{
    tact_tensor_t *r[2] = { NULL, NULL };
    tact_code_t rc = tact_session_run_ex(s, opts, f->deq, 2, r, NULL, 0, NULL, 0, st);
    if (rc == TACT_CODE_OK) {
        strcpy(text, tu_str(r[0]));
        *label = *(int32_t *) tact_tensor_data(r[1]);
    }
    tact_tensor_destroy(&r[0]);
    tact_tensor_destroy(&r[1]);
    return rc;
}

static int32_t queue_size(tact_session_t *s, fixture_t *f)
{
    tact_status_t st = TACT_STATUS_INIT;
    tact_tensor_t *r = tact_eval(f->size, NULL, 0, s, &st);
    assert_int_equal(st.code, TACT_CODE_OK);
    int32_t n = *(int32_t *) tact_tensor_data(r);
    tact_tensor_destroy(&r);
    return n;
}

static void test_names_and_static_types(void **state)
{
    fixture_t *f = *state;
    assert_string_equal(tact_op_name(f->q), "fifo_queue");
    assert_string_equal(tact_op_type(f->q), "FIFOQueueV2");
    assert_string_equal(tact_op_name(f->enq), "fifo_queue_enqueue");
    assert_string_equal(tact_op_name(f->enq_many), "fifo_queue_EnqueueMany");
    assert_string_equal(tact_op_name(f->deq[0].op), "fifo_queue_Dequeue");
    assert_string_equal(tact_op_name(f->deq2[0].op), "fifo_queue_DequeueMany");
    assert_string_equal(tact_op_name(f->size.op), "fifo_queue_Size");
    assert_string_equal(tact_op_name(f->close), "fifo_queue_Close");
    assert_int_equal(tact_op_num_outputs(f->deq[0].op), 2);
    assert_int_equal(tact_op_num_outputs(f->enq), 0);
    char text[160];
    tact_output_format(f->deq[0], text, sizeof text);
    assert_string_equal(text, "Tensor(\"fifo_queue_Dequeue:0\", shape=(2,), dtype=float32)");
    tact_output_format(f->deq[1], text, sizeof text);
    assert_string_equal(text, "Tensor(\"fifo_queue_Dequeue:1\", shape=(), dtype=int32)");
    tact_output_format(f->deq2[0], text, sizeof text);
    assert_string_equal(text, "Tensor(\"fifo_queue_DequeueMany:0\", shape=(2, 2), dtype=float32)");
    tact_output_format(f->size, text, sizeof text);
    assert_string_equal(text, "Tensor(\"fifo_queue_Size:0\", shape=(), dtype=int32)");
}

static void test_build_errors(void **state)
{
    fixture_t *f = *state;
    tact_status_t st = TACT_STATUS_INIT;
    tact_output_t wrong = tu_const_i32(f->g, (int64_t[]) { 2 }, 1, (int32_t[]) { 1, 2 }, NULL,
                                       &st);
    tact_output_t three = tu_const_f32(f->g, (int64_t[]) { 3 }, 1, (float[]) { 1, 2, 3 }, NULL,
                                       &st);
    tact_status_t e = TACT_STATUS_INIT;
    assert_null(tact_queue_enqueue(f->g, f->q, (tact_output_t[]) { wrong, f->label }, 2, NULL,
                                   &e));
    assert_int_equal(e.code, TACT_CODE_INVALID_ARGUMENT);
    assert_true(tu_contains(e.msg, "Type mismatch in tuple component 0: expected float32, got "
                                   "int32"));
    e = (tact_status_t) TACT_STATUS_INIT;
    assert_null(tact_queue_enqueue(f->g, f->q, (tact_output_t[]) { three, f->label }, 2, NULL,
                                   &e));
    assert_true(tu_contains(e.msg, "Shape mismatch in tuple component 0. Expected [2], got [3]"));
    e = (tact_status_t) TACT_STATUS_INIT;
    assert_null(tact_queue_enqueue(f->g, f->q, &f->x, 1, NULL, &e));
    assert_true(tu_contains(e.msg, "expected 2 components for queue 'fifo_queue', got 1"));
    e = (tact_status_t) TACT_STATUS_INIT;
    assert_null(tact_queue_enqueue(f->g, f->enq, &f->x, 1, NULL, &e));
    assert_true(tu_contains(e.msg, "is not a queue"));
    tact_session_t *s = tu_session(f->g, NULL);
    tact_output_t handle = { f->q, 0 };
    e = (tact_status_t) TACT_STATUS_INIT;
    assert_null(tact_eval(handle, NULL, 0, s, &e));
    assert_int_equal(e.code, TACT_CODE_INVALID_ARGUMENT);
    assert_true(tu_contains(e.msg, "Cannot fetch 'fifo_queue'"));
    tact_session_destroy(&s);
}

static void test_fifo_order_components_and_size(void **state)
{
    fixture_t *f = *state;
    tact_config_t actors = { .executor = TACT_EXECUTOR_ACTORS };
    for (int e = 0; e < 2; e++) {
        tact_session_t *s = tu_session(f->g, e ? &actors : NULL);
        tact_status_t st = TACT_STATUS_INIT;
        assert_int_equal(queue_size(s, f), 0);
        for (int i = 0; i < 3; i++)
            assert_int_equal(enqueue(s, f, (float) i, 10 + i, &st), TACT_CODE_OK);
        assert_int_equal(queue_size(s, f), 3);
        char text[64];
        int32_t label;
        for (int i = 0; i < 3; i++) {
            assert_int_equal(dequeue(s, f, NULL, text, &label, &st), TACT_CODE_OK);
            assert_int_equal(label, 10 + i);
        }
        assert_string_equal(text, "[2.  2.5]");
        assert_int_equal(queue_size(s, f), 0);
        tact_session_destroy(&s);
    }
}

static void test_many_at_once(void **state)
{
    fixture_t *f = *state;
    tact_session_t *s = tu_session(f->g, NULL);
    tact_status_t st = TACT_STATUS_INIT;
    tact_tensor_t *xs = tu_f32((int64_t[]) { 2, 2 }, 2, (float[]) { 1, 2, 3, 4 });
    tact_tensor_t *ls = tu_i32((int64_t[]) { 2 }, 1, (int32_t[]) { 7, 8 });
    tact_feed_t feeds[2] = { { f->xs, xs }, { f->labels, ls } };
    assert_int_equal(tact_session_run(s, NULL, 0, NULL, feeds, 2, &f->enq_many, 1, &st),
                     TACT_CODE_OK);
    assert_int_equal(queue_size(s, f), 2);
    tact_tensor_t *r[2];
    assert_int_equal(tact_session_run(s, f->deq2, 2, r, NULL, 0, NULL, 0, &st), TACT_CODE_OK);
    assert_string_equal(tu_str(r[0]), "[[1. 2.]\n [3. 4.]]");
    assert_string_equal(tu_str(r[1]), "[7 8]");
    tact_tensor_destroy(&r[0]);
    tact_tensor_destroy(&r[1]);
    /* A batch whose components disagree on their length. */
    tact_tensor_t *ls3 = tu_i32((int64_t[]) { 3 }, 1, (int32_t[]) { 1, 2, 3 });
    feeds[1].value = ls3;
    tact_status_t e = TACT_STATUS_INIT;
    assert_int_equal(tact_session_run(s, NULL, 0, NULL, feeds, 2, &f->enq_many, 1, &e),
                     TACT_CODE_INVALID_ARGUMENT);
    assert_true(tu_contains(e.msg, "dimension 0 is 3, component 0 has 2"));
    tact_tensor_destroy(&xs);
    tact_tensor_destroy(&ls);
    tact_tensor_destroy(&ls3);
    tact_session_destroy(&s);

    /* A queue without fixed shapes cannot stack: TensorFlow refuses DequeueMany there. */
    tact_op_t *loose = tact_fifo_queue(f->g, 0, (tact_dtype_t[]) { TACT_DTYPE_F32 }, 1, NULL,
                                       NULL, "loose", &st);
    tact_output_t many;
    assert_non_null(tact_queue_dequeue_many(f->g, loose, 2, &many, NULL, &st));
    s = tu_session(f->g, NULL);
    e = (tact_status_t) TACT_STATUS_INIT;
    tact_tensor_t *r0 = NULL;
    assert_int_equal(tact_session_run(s, &many, 1, &r0, NULL, 0, NULL, 0, &e),
                     TACT_CODE_INVALID_ARGUMENT);
    assert_true(tu_contains(e.msg, "FIFOQueue 'loose' DequeueMany requires the components to "
                                   "have specified shapes."));
    tact_session_destroy(&s);
}

static void test_close_semantics_and_per_session_queues(void **state)
{
    fixture_t *f = *state;
    tact_session_t *a = tu_session(f->g, NULL), *b = tu_session(f->g, NULL);
    tact_status_t st = TACT_STATUS_INIT;
    assert_int_equal(enqueue(a, f, 1, 1, &st), TACT_CODE_OK);
    assert_int_equal(queue_size(b, f), 0);  /* b has a queue of its own */
    assert_int_equal(tact_op_run(f->close, NULL, 0, a, &st), TACT_CODE_OK);
    /* TensorFlow: a second plain close is CANCELLED and changes nothing; a cancelling close of
     * a closed queue is OK. */
    tact_status_t e = TACT_STATUS_INIT;
    assert_int_equal(tact_op_run(f->close, NULL, 0, a, &e), TACT_CODE_CANCELLED);
    assert_true(tu_contains(e.msg, "Queue 'fifo_queue' is already closed."));
    assert_true(tu_contains(e.msg, "[[{{node fifo_queue_Close}}]]"));
    assert_int_equal(tact_op_run(f->close_cancel, NULL, 0, a, &st), TACT_CODE_OK);
    assert_int_equal(tact_op_run(f->close_cancel, NULL, 0, a, &st), TACT_CODE_OK);
    e = (tact_status_t) TACT_STATUS_INIT;
    assert_int_equal(tact_op_run(f->close, NULL, 0, a, &e), TACT_CODE_CANCELLED);
    e = (tact_status_t) TACT_STATUS_INIT;
    assert_int_equal(enqueue(a, f, 2, 2, &e), TACT_CODE_CANCELLED);
    assert_true(tu_contains(e.msg, "FIFOQueue 'fifo_queue' is closed."));
    char text[64];
    int32_t label;
    assert_int_equal(dequeue(a, f, NULL, text, &label, &st), TACT_CODE_OK);  /* drains */
    assert_int_equal(label, 1);
    e = (tact_status_t) TACT_STATUS_INIT;
    assert_int_equal(dequeue(a, f, NULL, text, &label, &e), TACT_CODE_OUT_OF_RANGE);
    assert_true(tu_contains(e.msg, "FIFOQueue 'fifo_queue' is closed and has insufficient "
                                   "elements (requested 1, current size 0)"));
    assert_true(tu_contains(e.msg, "[[{{node fifo_queue_Dequeue}}]]"));
    /* b's queue is still open. */
    assert_int_equal(enqueue(b, f, 3, 3, &st), TACT_CODE_OK);
    assert_int_equal(queue_size(b, f), 1);
    tact_session_destroy(&a);
    tact_session_destroy(&b);  /* an element still queued is released */
}

typedef struct helper {
    tact_session_t *s;
    fixture_t *f;
    int delay_ms;
    int what;                     /* 0 enqueue, 1 close session, 2 cancel, 3 close queue */
    tact_cancel_t *cancel;
    tact_code_t rc;
} helper_t;

static void *helper_main(void *p)
{
    helper_t *h = p;
    struct timespec ts = { 0, (long) h->delay_ms * 1000000 };
    nanosleep(&ts, NULL);
    tact_status_t st = TACT_STATUS_INIT;
    switch (h->what) {
    case 0:
        h->rc = enqueue(h->s, h->f, 42, 42, &st);
        break;
    case 1:
        h->rc = tact_session_close(h->s, &st);
        break;
    case 2:
        tact_cancel_request(h->cancel);
        break;
    default:
        h->rc = tact_op_run(h->f->close_cancel, NULL, 0, h->s, &st);
        break;
    }
    return NULL;
}

static void test_blocked_dequeue_is_woken_by_an_enqueue(void **state)
{
    fixture_t *f = *state;
    tact_config_t actors = { .executor = TACT_EXECUTOR_ACTORS,
                             .inter_op_parallelism_threads = 1 };
    for (int e = 0; e < 2; e++) {
        tact_session_t *s = tu_session(f->g, e ? &actors : NULL);
        helper_t h = { .s = s, .f = f, .delay_ms = 30, .what = 0 };
        pthread_t th;
        pthread_create(&th, NULL, helper_main, &h);
        char text[64];
        int32_t label = 0;
        tact_status_t st = TACT_STATUS_INIT;
        /* With one actor thread, the enqueue above can only run while this dequeue waits if
         * the waiting dequeue holds no actor. */
        assert_int_equal(dequeue(s, f, NULL, text, &label, &st), TACT_CODE_OK);
        pthread_join(th, NULL);
        assert_int_equal(h.rc, TACT_CODE_OK);
        assert_int_equal(label, 42);
        tact_session_destroy(&s);
    }
}

static void test_blocked_ops_end_on_timeout_cancel_and_close(void **state)
{
    fixture_t *f = *state;
    tact_status_t e;
    char text[64];
    int32_t label;

    /* Timeout. */
    tact_session_t *s = tu_session(f->g, NULL);
    tact_run_options_t opts = { .timeout_in_ms = 20 };
    e = (tact_status_t) TACT_STATUS_INIT;
    int64_t t0 = tact__now_ns();
    assert_int_equal(dequeue(s, f, &opts, text, &label, &e), TACT_CODE_DEADLINE_EXCEEDED);
    assert_true(tu_contains(e.msg, "Timed out waiting for notification"));
    assert_true(tact__now_ns() - t0 >= 20000000);
    /* The session stays usable. */
    tact_status_t st = TACT_STATUS_INIT;
    assert_int_equal(enqueue(s, f, 1, 1, &st), TACT_CODE_OK);
    assert_int_equal(dequeue(s, f, &opts, text, &label, &st), TACT_CODE_OK);

    /* A cancellation handle, from another thread. */
    tact_cancel_t *cancel = tact_cancel_new();
    helper_t h = { .s = s, .f = f, .delay_ms = 20, .what = 2, .cancel = cancel };
    pthread_t th;
    pthread_create(&th, NULL, helper_main, &h);
    tact_run_options_t copts = { .cancel = cancel };
    e = (tact_status_t) TACT_STATUS_INIT;
    assert_int_equal(dequeue(s, f, &copts, text, &label, &e), TACT_CODE_CANCELLED);
    assert_true(tu_contains(e.msg, "Dequeue operation was cancelled"));
    pthread_join(th, NULL);
    tact_cancel_destroy(&cancel);

    /* A closing queue with cancel_pending_enqueues fails a blocked enqueue. */
    for (int i = 0; i < 3; i++)
        assert_int_equal(enqueue(s, f, (float) i, i, &st), TACT_CODE_OK);
    h = (helper_t) { .s = s, .f = f, .delay_ms = 20, .what = 3 };
    pthread_create(&th, NULL, helper_main, &h);
    e = (tact_status_t) TACT_STATUS_INIT;
    assert_int_equal(enqueue(s, f, 9, 9, &e), TACT_CODE_CANCELLED);  /* the queue is full */
    assert_true(tu_contains(e.msg, "Enqueue operation was cancelled"));
    pthread_join(th, NULL);
    assert_int_equal(h.rc, TACT_CODE_OK);
    tact_session_destroy(&s);

    /* The session's close, within a short bound. */
    tact_config_t actors = { .executor = TACT_EXECUTOR_ACTORS };
    for (int c = 0; c < 2; c++) {
        s = tu_session(f->g, c ? &actors : NULL);
        h = (helper_t) { .s = s, .f = f, .delay_ms = 20, .what = 1 };
        pthread_create(&th, NULL, helper_main, &h);
        e = (tact_status_t) TACT_STATUS_INIT;
        t0 = tact__now_ns();
        assert_int_equal(dequeue(s, f, NULL, text, &label, &e), TACT_CODE_CANCELLED);
        assert_true(tu_contains(e.msg, "was cancelled"));
        assert_true(tact__now_ns() - t0 < 2000000000);
        pthread_join(th, NULL);
        assert_int_equal(h.rc, TACT_CODE_OK);
        tact_session_destroy(&s);
    }
}

/* How late a blocked op may return after its deadline, or after a cancel, in nanoseconds:
 * tight natively, loose where instrumentation slows every wake-up (or TACT_TEST_SLOW is set,
 * for other slow runners). */
static int64_t wake_bound_ns(void)
{
    bool slow = RUNNING_ON_VALGRIND || getenv("TACT_TEST_SLOW") != NULL;
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
    slow = true;
#endif
    return slow ? 200000000 : 4000000;
}

/* A dequeue from an empty queue with a 5, 7, 10 or 20 ms timeout returns DEADLINE_EXCEEDED at
 * its deadline: no earlier, and no later than a wake-up's latency (a 5 ms poll would return
 * the 7 ms one after 10 ms). The best of a few tries, so that a busy machine's scheduling
 * hiccup is not taken for a late wake-up. On the calling thread and with the actors. */
static void test_deadline_is_honoured_promptly(void **state)
{
    fixture_t *f = *state;
    const int64_t bound = wake_bound_ns();
    tact_config_t actors = { .executor = TACT_EXECUTOR_ACTORS };
    for (int e = 0; e < 2; e++) {
        tact_session_t *s = tu_session(f->g, e ? &actors : NULL);
        char text[64];
        int32_t label;
        const int timeouts_ms[] = { 5, 7, 10, 20 };
        for (int i = 0; i < 4; i++) {
            tact_run_options_t opts = { .timeout_in_ms = timeouts_ms[i] };
            int64_t best = INT64_MAX;
            for (int k = 0; k < 5 && best - timeouts_ms[i] * 1000000 >= bound; k++) {
                tact_status_t st = TACT_STATUS_INIT;
                int64_t t0 = tact__now_ns();
                assert_int_equal(dequeue(s, f, &opts, text, &label, &st),
                                 TACT_CODE_DEADLINE_EXCEEDED);
                int64_t took = tact__now_ns() - t0;
                assert_true(tu_contains(st.msg, "Timed out waiting for notification"));
                assert_true(took >= timeouts_ms[i] * 1000000);
                best = took < best ? took : best;
            }
            if (best - timeouts_ms[i] * 1000000 >= bound)
                fail_msg("a %d ms timeout returned after %.2f ms", timeouts_ms[i], best / 1e6);
        }
        tact_session_destroy(&s);
    }
}

typedef struct canceller {
    tact_cancel_t *cancel;
    int64_t at_ns;                /* when the request was made */
} canceller_t;

static void *canceller_main(void *p)
{
    canceller_t *c = p;
    struct timespec ts = { 0, 20000000 };
    nanosleep(&ts, NULL);
    c->at_ns = tact__now_ns();
    tact_cancel_request(c->cancel);
    return NULL;
}

/* A cancel from another thread wakes a blocked dequeue (with or without a deadline, and a
 * blocked enqueue on a full queue) within a wake-up's latency, not at its deadline. */
static void test_cancel_wakes_a_blocked_op_promptly(void **state)
{
    fixture_t *f = *state;
    const int64_t bound = wake_bound_ns();
    tact_session_t *s = tu_session(f->g, NULL);
    for (int c = 0; c < 3; c++) {
        int64_t best = INT64_MAX;
        if (c == 2) {  /* fill the queue: the enqueue blocks */
            tact_status_t st = TACT_STATUS_INIT;
            for (int i = 0; i < 3; i++)
                assert_int_equal(enqueue(s, f, (float) i, i, &st), TACT_CODE_OK);
        }
        for (int k = 0; k < 3 && best >= bound; k++) {
            canceller_t cr = { .cancel = tact_cancel_new() };
            tact_run_options_t opts = { .cancel = cr.cancel, .timeout_in_ms = c == 1 ? 5000 : 0 };
            pthread_t th;
            pthread_create(&th, NULL, canceller_main, &cr);
            tact_status_t st = TACT_STATUS_INIT;
            char text[64];
            int32_t label;
            if (c == 2) {
                tact_tensor_t *x = tu_f32((int64_t[]) { 2 }, 1, (float[]) { 1, 2 });
                tact_tensor_t *y = tu_i32(NULL, 0, (int32_t[]) { 1 });
                tact_feed_t feeds[] = { { f->x, x }, { f->label, y } };
                assert_int_equal(tact_session_run_ex(s, &opts, NULL, 0, NULL, feeds, 2, &f->enq,
                                                     1, &st), TACT_CODE_CANCELLED);
                assert_true(tu_contains(st.msg, "Enqueue operation was cancelled"));
                tact_tensor_destroy(&x);
                tact_tensor_destroy(&y);
            } else {
                assert_int_equal(dequeue(s, f, &opts, text, &label, &st), TACT_CODE_CANCELLED);
                assert_true(tu_contains(st.msg, "Dequeue operation was cancelled"));
            }
            int64_t done = tact__now_ns();
            pthread_join(th, NULL);
            int64_t late = done - cr.at_ns;
            best = late < best ? late : best;
            tact_cancel_destroy(&cr.cancel);
        }
        if (best >= bound)
            fail_msg("case %d: the cancel took %.2f ms to wake the op", c, best / 1e6);
    }
    tact_session_destroy(&s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_names_and_static_types, setup, teardown),
        cmocka_unit_test_setup_teardown(test_build_errors, setup, teardown),
        cmocka_unit_test_setup_teardown(test_fifo_order_components_and_size, setup, teardown),
        cmocka_unit_test_setup_teardown(test_many_at_once, setup, teardown),
        cmocka_unit_test_setup_teardown(test_close_semantics_and_per_session_queues, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_blocked_dequeue_is_woken_by_an_enqueue, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_deadline_is_honoured_promptly, setup, teardown),
        cmocka_unit_test_setup_teardown(test_cancel_wakes_a_blocked_op_promptly, setup, teardown),
        cmocka_unit_test_setup_teardown(test_blocked_ops_end_on_timeout_cancel_and_close, setup,
                                        teardown),
    };
    return cmocka_run_group_tests_name("queue", tests, NULL, NULL);
}
