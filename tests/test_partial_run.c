/* SPDX-License-Identifier: MIT */
/* Partial runs (runtime/exec/partial_run.c): one step fed and fetched in pieces, TensorFlow's
 * partial_run_setup / partial_run, with its error messages (tests/data/partial_run_tf.py
 * printed them from TensorFlow).
 *
 * The simplest use:
 *     tact_partial_run_t *h = tact_session_partial_run_setup(s, f, 2, in, 3, NULL, 0, &st);
 *     tact_session_partial_run(s, h, &r1, 1, &v1, ab_feeds, 2, &st);
 *     tact_session_partial_run(s, h, &r2, 1, &v2, c_feed, 1, &st);
 *     tact_partial_run_destroy(&h);
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <pthread.h>
#include <string.h>
#include <unistd.h>

#include "runtime/exec/session_impl.h"
#include "tests/helpers.h"

static const tact_config_t actors_config = { .executor = TACT_EXECUTOR_ACTORS };
static const tact_config_t *const executors[] = { NULL, &actors_config };

/* a, b, c float scalars; r1 = a + b, r2 = r1 * c (TensorFlow's testPartialRun). */
typedef struct fixture {
    tact_graph_t *g;
    tact_output_t a, b, c, r1, r2;
    tact_tensor_t *one, *two, *three;
} fixture_t;

static void fx_init(fixture_t *f)
{
    tact_status_t st = TACT_STATUS_INIT;
    f->g = tact_graph_new();
    f->a = tact_placeholder(f->g, TACT_DTYPE_F32, NULL, 0, "a", &st);
    f->b = tact_placeholder(f->g, TACT_DTYPE_F32, NULL, 0, "b", &st);
    f->c = tact_placeholder(f->g, TACT_DTYPE_F32, NULL, 0, "c", &st);
    f->r1 = tact_add(f->g, f->a, f->b, "r1", &st);
    f->r2 = tact_multiply(f->g, f->r1, f->c, "r2", &st);
    assert_int_equal(st.code, TACT_CODE_OK);
    f->one = tu_scalar_f32(1);
    f->two = tu_scalar_f32(2);
    f->three = tu_scalar_f32(3);
}

static void fx_fini(fixture_t *f)
{
    tact_tensor_destroy(&f->one);
    tact_tensor_destroy(&f->two);
    tact_tensor_destroy(&f->three);
    tact_graph_destroy(&f->g);
}

static tact_partial_run_t *fx_setup(tact_session_t *s, fixture_t *f)
{
    tact_status_t st = TACT_STATUS_INIT;
    tact_output_t fetches[2] = { f->r1, f->r2 }, feeds[3] = { f->a, f->b, f->c };
    tact_partial_run_t *h = tact_session_partial_run_setup(s, fetches, 2, feeds, 3, NULL, 0, &st);
    assert_int_equal(st.code, TACT_CODE_OK);
    assert_non_null(h);
    return h;
}

/* One fetch that must succeed with the float `want`. */
static void pr_ok(tact_session_t *s, tact_partial_run_t *h, tact_output_t fetch,
                  const tact_feed_t *feeds, int n_feeds, float want)
{
    tact_status_t st = TACT_STATUS_INIT;
    tact_tensor_t *r = NULL;
    if (tact_session_partial_run(s, h, &fetch, 1, &r, feeds, n_feeds, &st) != TACT_CODE_OK)
        fail_msg("partial_run: %s: %s", tact_code_name(st.code), st.msg);
    assert_true(tu_f32_equal(r, NULL, 0, &want));
    tact_tensor_destroy(&r);
}

/* One call that must fail with `code` and exactly `msg`, leaving the result NULL. */
static void pr_fails(tact_session_t *s, tact_partial_run_t *h, const tact_output_t *fetches,
                     int n_fetches, const tact_feed_t *feeds, int n_feeds, tact_code_t code,
                     const char *msg)
{
    tact_status_t st = TACT_STATUS_INIT;
    tact_tensor_t *r[4] = { NULL, NULL, NULL, NULL };
    assert_int_equal(tact_session_partial_run(s, h, fetches, n_fetches, r, feeds, n_feeds, &st),
                     code);
    assert_int_equal(st.code, code);
    assert_string_equal(st.msg, msg);
    for (int i = 0; i < n_fetches; i++)
        assert_null(r[i]);
}

/* TensorFlow: partial_run(h, r1, {a: 1, b: 2}) -> 3.0, partial_run(h, r2, {c: 3}) -> 9.0. */
static void test_partial_run_two_calls(void **state)
{
    (void) state;
    for (int e = 0; e < 2; e++) {
        fixture_t f;
        fx_init(&f);
        tact_session_t *s = tu_session(f.g, executors[e]);
        tact_partial_run_t *h = fx_setup(s, &f);
        tact_feed_t ab[2] = { { f.a, f.one }, { f.b, f.two } }, c = { f.c, f.three };
        pr_ok(s, h, f.r1, ab, 2, 3);
        pr_ok(s, h, f.r2, &c, 1, 9);
        /* Every fetch fetched: the step is over, and TensorFlow forgets the handle. */
        pr_fails(s, h, &f.r1, 1, NULL, 0, TACT_CODE_INVALID_ARGUMENT,
                 "Must run 'setup' before performing partial runs!");
        tact_partial_run_destroy(&h);
        assert_null(h);
        tact_partial_run_destroy(&h);  /* NULL-safe */
        tact_partial_run_destroy(NULL);
        /* Both fetches in one call, all feeds at once: [3.0, 9.0]. */
        h = fx_setup(s, &f);
        tact_feed_t abc[3] = { { f.a, f.one }, { f.b, f.two }, { f.c, f.three } };
        tact_output_t both[2] = { f.r1, f.r2 };
        tact_tensor_t *r[2];
        tact_status_t st = TACT_STATUS_INIT;
        assert_int_equal(tact_session_partial_run(s, h, both, 2, r, abc, 3, &st), TACT_CODE_OK);
        assert_true(tu_f32_equal(r[0], NULL, 0, (float[]) { 3 }));
        assert_true(tu_f32_equal(r[1], NULL, 0, (float[]) { 9 }));
        tact_tensor_destroy(&r[0]);
        tact_tensor_destroy(&r[1]);
        tact_partial_run_destroy(&h);
        tact_session_destroy(&s);
        fx_fini(&f);
    }
}

/* The feeds are the handle's own: the caller may change or free its tensors between calls. */
static void test_partial_run_feeds_copied(void **state)
{
    (void) state;
    fixture_t f;
    fx_init(&f);
    tact_session_t *s = tu_session(f.g, NULL);
    tact_partial_run_t *h = fx_setup(s, &f);
    tact_tensor_t *a = tu_scalar_f32(10);
    tact_feed_t fa = { f.a, a };
    tact_status_t st = TACT_STATUS_INIT;
    assert_int_equal(tact_session_partial_run(s, h, NULL, 0, NULL, &fa, 1, &st), TACT_CODE_OK);
    *(float *) tact_tensor_data(a) = 1000;
    tact_tensor_destroy(&a);
    tact_feed_t fb = { f.b, f.two }, fc = { f.c, f.three };
    pr_ok(s, h, f.r1, &fb, 1, 12);
    pr_ok(s, h, f.r2, &fc, 1, 36);
    tact_partial_run_destroy(&h);
    tact_session_destroy(&s);
    fx_fini(&f);
}

/* Every error of TensorFlow's PRun, with its message, in its order of checks. */
static void test_partial_run_errors(void **state)
{
    (void) state;
    fixture_t f;
    fx_init(&f);
    tact_status_t st = TACT_STATUS_INIT;
    tact_output_t r3 = tact_subtract(f.g, f.a, f.b, "r3", &st);
    assert_int_equal(st.code, TACT_CODE_OK);
    tact_session_t *s = tu_session(f.g, NULL);
    tact_partial_run_t *h = fx_setup(s, &f);
    tact_feed_t ab[2] = { { f.a, f.one }, { f.b, f.two } }, fa = { f.a, f.three };
    const tact_code_t inval = TACT_CODE_INVALID_ARGUMENT;

    /* A fetch that needs a feed not given yet: TensorFlow names that feed. The failed call
     * takes none of its feeds, so a and b are still missing afterwards. */
    pr_fails(s, h, &f.r2, 1, ab, 2, inval,
             "Fetch c:0 can't be computed from the feeds that have been fed so far.");
    pr_fails(s, h, &f.r1, 1, NULL, 0, inval,
             "Fetch a:0 can't be computed from the feeds that have been fed so far.");
    pr_fails(s, h, &r3, 1, ab, 2, inval, "The fetch r3:0 was not specified in partial_run_setup.");
    pr_ok(s, h, f.r1, ab, 2, 3);
    pr_fails(s, h, &f.r2, 1, &fa, 1, inval, "The feed a:0 has already been fed.");
    pr_fails(s, h, &f.r1, 1, NULL, 0, inval, "The fetch r1:0 has already been fetched.");
    tact_output_t twice[2] = { f.r2, f.r2 };
    pr_fails(s, h, twice, 2, NULL, 0, inval, "The fetch r2:0 has already been fetched.");
    /* Feeds are checked before fetches, as TensorFlow does. */
    tact_feed_t fr3 = { r3, f.one };
    pr_fails(s, h, &r3, 1, &fr3, 1, inval, "The feed r3:0 was not specified in partial_run_setup.");
    tact_feed_t cc[2] = { { f.c, f.three }, { f.c, f.one } };
    pr_fails(s, h, &f.r2, 1, cc, 2, inval, "The feed c:0 has already been fed.");
    /* None of this spoiled the step. */
    pr_ok(s, h, f.r2, &cc[0], 1, 9);

    /* Handles: NULL, another session's, a finished one. */
    pr_fails(s, NULL, &f.r1, 1, NULL, 0, inval,
             "Must run 'setup' before performing partial runs!");
    tact_session_t *s2 = tu_session(f.g, NULL);
    tact_partial_run_t *h2 = fx_setup(s2, &f);
    pr_fails(s, h2, &f.r1, 1, ab, 2, inval,
             "partial_run: the handle was set up on another session");
    tact_partial_run_destroy(&h2);
    tact_session_destroy(&s2);

    /* Setup's own checks. */
    tact_graph_t *other = tact_graph_new();
    tact_output_t x = tact_placeholder(other, TACT_DTYPE_F32, NULL, 0, "x", &st);
    assert_int_equal(st.code, TACT_CODE_OK);
    assert_null(tact_session_partial_run_setup(s, &x, 1, NULL, 0, NULL, 0, &st));
    assert_int_equal(st.code, inval);
    assert_string_equal(st.msg, "partial_run: fetch x:0 is not an element of this graph.");
    st = (tact_status_t) TACT_STATUS_INIT;
    assert_null(tact_session_partial_run_setup(s, NULL, 0, &f.a, 1, NULL, 0, &st));
    assert_int_equal(st.code, inval);
    assert_string_equal(st.msg, "Must specify at least one target to fetch or execute.");
    st = (tact_status_t) TACT_STATUS_INIT;
    tact_output_t bad = { f.a.op, 3 };
    assert_null(tact_session_partial_run_setup(s, &f.r1, 1, &bad, 1, NULL, 0, &st));
    assert_int_equal(st.code, inval);
    assert_string_equal(st.msg, "partial_run: feed a:3: output index must be < 1");
    /* A status that already holds an error: nothing happens. */
    assert_null(tact_session_partial_run_setup(s, &f.r1, 1, &f.a, 1, NULL, 0, &st));
    assert_string_equal(st.msg, "partial_run: feed a:3: output index must be < 1");
    tact_graph_destroy(&other);

    tact_partial_run_destroy(&h);
    tact_session_destroy(&s);
    fx_fini(&f);
}

/* Stateful ops run once per step: inc = assign_add(v, 1) feeds both r3 and r4, fetched in two
 * calls; TensorFlow gives 11.0, then 100.0, and v is 1.0 afterwards. */
static void test_partial_run_stateful_once(void **state)
{
    (void) state;
    for (int e = 0; e < 2; e++) {
        fixture_t f;
        fx_init(&f);
        tact_status_t st = TACT_STATUS_INIT;
        tact_output_t v = tu_variable_f32(f.g, 0, "v", &st);
        tact_output_t inc = tact_assign_add(f.g, v, tu_const_f32(f.g, NULL, 0, (float[]) { 1 },
                                                                 "one", &st), "inc", &st);
        tact_output_t r3 = tact_add(f.g, inc, f.a, "r3", &st);
        tact_output_t r4 = tact_multiply(f.g, inc, f.c, "r4", &st);
        tact_op_t *init = tact_global_variables_initializer(f.g, &st);
        assert_int_equal(st.code, TACT_CODE_OK);
        tact_session_t *s = tu_session(f.g, executors[e]);
        tu_run_op(s, init);
        tact_output_t fetches[2] = { r3, r4 }, feeds[2] = { f.a, f.c };
        tact_partial_run_t *h = tact_session_partial_run_setup(s, fetches, 2, feeds, 2, NULL, 0,
                                                               &st);
        assert_int_equal(st.code, TACT_CODE_OK);
        tact_tensor_t *ten = tu_scalar_f32(10), *hundred = tu_scalar_f32(100);
        tact_feed_t fa = { f.a, ten }, fc = { f.c, hundred };
        pr_ok(s, h, r3, &fa, 1, 11);
        pr_ok(s, h, r4, &fc, 1, 100);
        tact_tensor_t *val = tu_run1(s, v, NULL, 0, &st);
        assert_true(tu_f32_equal(val, NULL, 0, (float[]) { 1 }));
        tact_tensor_destroy(&val);
        tact_partial_run_destroy(&h);
        tact_tensor_destroy(&ten);
        tact_tensor_destroy(&hundred);
        tact_session_destroy(&s);
        fx_fini(&f);
    }
}

/* Targets run in the first call whose feeds make them computable, once. */
static void test_partial_run_targets(void **state)
{
    (void) state;
    fixture_t f;
    fx_init(&f);
    tact_status_t st = TACT_STATUS_INIT;
    tact_output_t v = tu_variable_f32(f.g, 0, "v", &st);
    tact_output_t add_c = tact_assign_add(f.g, v, f.c, "add_c", &st);
    tact_op_t *init = tact_global_variables_initializer(f.g, &st);
    assert_int_equal(st.code, TACT_CODE_OK);
    tact_session_t *s = tu_session(f.g, NULL);
    tu_run_op(s, init);
    tact_output_t feeds[3] = { f.a, f.b, f.c };
    tact_partial_run_t *h = tact_session_partial_run_setup(s, &f.r1, 1, feeds, 3, &add_c.op, 1,
                                                           &st);
    assert_int_equal(st.code, TACT_CODE_OK);
    tact_feed_t ab[2] = { { f.a, f.one }, { f.b, f.two } }, fc = { f.c, f.three };
    pr_ok(s, h, f.r1, ab, 2, 3);  /* c not fed yet: the target waits */
    tact_tensor_t *val = tu_run1(s, v, NULL, 0, &st);
    assert_true(tu_f32_equal(val, NULL, 0, (float[]) { 0 }));
    tact_tensor_destroy(&val);
    assert_int_equal(tact_session_partial_run(s, h, NULL, 0, NULL, &fc, 1, &st), TACT_CODE_OK);
    val = tu_run1(s, v, NULL, 0, &st);
    assert_true(tu_f32_equal(val, NULL, 0, (float[]) { 3 }));
    tact_tensor_destroy(&val);
    /* Fetch and target done: the step is over. */
    pr_fails(s, h, NULL, 0, NULL, 0, TACT_CODE_INVALID_ARGUMENT,
             "Must run 'setup' before performing partial runs!");
    val = tu_run1(s, v, NULL, 0, &st);
    assert_true(tu_f32_equal(val, NULL, 0, (float[]) { 3 }));
    tact_tensor_destroy(&val);
    tact_partial_run_destroy(&h);
    tact_session_destroy(&s);
    fx_fini(&f);
}

/* After close every call fails as a run does; the handle outlives the session. */
static void test_partial_run_closed_session(void **state)
{
    (void) state;
    fixture_t f;
    fx_init(&f);
    tact_session_t *s = tu_session(f.g, NULL);
    tact_partial_run_t *h = fx_setup(s, &f);
    tact_feed_t ab[2] = { { f.a, f.one }, { f.b, f.two } };
    pr_ok(s, h, f.r1, ab, 2, 3);
    tact_status_t st = TACT_STATUS_INIT;
    assert_int_equal(tact_session_close(s, &st), TACT_CODE_OK);
    tact_feed_t fc = { f.c, f.three };
    pr_fails(s, h, &f.r2, 1, &fc, 1, TACT_CODE_CANCELLED, "Session has been closed.");
    assert_null(tact_session_partial_run_setup(s, &f.r1, 1, NULL, 0, NULL, 0, &st));
    assert_int_equal(st.code, TACT_CODE_CANCELLED);
    assert_string_equal(st.msg, "Session has been closed.");
    tact_session_destroy(&s);
    tact_partial_run_destroy(&h);  /* after its session: frees only its own values */
    fx_fini(&f);
}

/* Destroying a handle with work outstanding logs TensorFlow's "PRun cancellation". */
typedef struct log_capture {
    pthread_mutex_t lock;
    char text[1024];
    int n;
} log_capture_t;

static void capture_log(tact_log_level_t level, const char *msg, void *user)
{
    log_capture_t *c = user;
    pthread_mutex_lock(&c->lock);
    if (level == TACT_LOG_WARNING && c->n++ == 0)
        snprintf(c->text, sizeof c->text, "%s", msg);
    pthread_mutex_unlock(&c->lock);
}

static log_capture_t captured = { .lock = PTHREAD_MUTEX_INITIALIZER };

static void test_partial_run_destroy_outstanding(void **state)
{
    (void) state;
    fixture_t f;
    fx_init(&f);
    tact_session_t *s = tu_session(f.g, NULL);
    tact_partial_run_t *h = fx_setup(s, &f);
    tact_feed_t ab[2] = { { f.a, f.one }, { f.b, f.two } };
    pr_ok(s, h, f.r1, ab, 2, 3);
    tact_log_set_callback(capture_log, &captured);
    tact_partial_run_destroy(&h);
    tact_log_set_callback(NULL, NULL);
    assert_int_equal(captured.n, 1);
    assert_string_equal(captured.text,
                        "Partial run destroyed with 1 fetch or target outstanding: PRun "
                        "cancellation");
    /* A finished handle goes quietly. */
    captured.n = 0;
    h = fx_setup(s, &f);
    tact_feed_t abc[3] = { { f.a, f.one }, { f.b, f.two }, { f.c, f.three } };
    tact_output_t both[2] = { f.r1, f.r2 };
    tact_tensor_t *r[2];
    tact_status_t st = TACT_STATUS_INIT;
    assert_int_equal(tact_session_partial_run(s, h, both, 2, r, abc, 3, &st), TACT_CODE_OK);
    tact_tensor_destroy(&r[0]);
    tact_tensor_destroy(&r[1]);
    tact_log_set_callback(capture_log, &captured);
    tact_partial_run_destroy(&h);
    tact_log_set_callback(NULL, NULL);
    assert_int_equal(captured.n, 0);
    tact_session_destroy(&s);
    fx_fini(&f);
}

/* Calls on one handle must not overlap: a call that finds another in progress fails and
 * changes nothing; destroy cancels the one in progress and waits for it. The call in progress
 * blocks in a dequeue from an empty queue. */
typedef struct blocked_call {
    tact_session_t *s;
    tact_partial_run_t *h;
    tact_output_t fetch;
    tact_status_t st;
    tact_tensor_t *r;
} blocked_call_t;

static void *blocked_call_main(void *arg)
{
    blocked_call_t *b = arg;
    tact_session_partial_run(b->s, b->h, &b->fetch, 1, &b->r, NULL, 0, &b->st);
    return NULL;
}

static void test_partial_run_concurrent_use(void **state)
{
    (void) state;
    tact_status_t st = TACT_STATUS_INIT;
    tact_graph_t *g = tact_graph_new();
    tact_dtype_t dt = TACT_DTYPE_F32;
    tact_op_t *q = tact_fifo_queue(g, 4, &dt, 1, NULL, NULL, "q", &st);
    tact_output_t x;
    tact_queue_dequeue(g, q, &x, NULL, &st);
    tact_output_t a = tact_placeholder(g, TACT_DTYPE_F32, NULL, 0, "a", &st);
    tact_output_t y = tact_add(g, a, a, "y", &st);
    assert_int_equal(st.code, TACT_CODE_OK);
    tact_session_t *s = tu_session(g, NULL);
    tact_output_t fetches[2] = { x, y };
    tact_partial_run_t *h = tact_session_partial_run_setup(s, fetches, 2, &a, 1, NULL, 0, &st);
    assert_int_equal(st.code, TACT_CODE_OK);
    blocked_call_t b = { .s = s, .h = h, .fetch = x, .st = TACT_STATUS_INIT };
    pthread_t t;
    assert_int_equal(pthread_create(&t, NULL, blocked_call_main, &b), 0);
    while (tact__session_active_runs(s) == 0)
        usleep(1000);
    tact_tensor_t *one = tu_scalar_f32(1);
    tact_feed_t fa = { a, one };
    pr_fails(s, h, &y, 1, &fa, 1, TACT_CODE_FAILED_PRECONDITION,
             "partial_run: another call on this handle is in progress; calls on one handle "
             "must not overlap");
    tact_partial_run_destroy(&h);  /* cancels the dequeue and waits for it */
    assert_null(h);
    assert_int_equal(pthread_join(t, NULL), 0);
    assert_int_equal(b.st.code, TACT_CODE_CANCELLED);
    assert_null(b.r);
    tact_tensor_destroy(&one);
    tact_session_destroy(&s);
    tact_graph_destroy(&g);
}

/* An op reached only through a control input runs once per handle: two calls fetch ops that
 * depend on it. Variant 0: inc (an assign_add), 1: inc through the NoOp grp, 2: an enqueue (no
 * outputs to keep). TensorFlow: 10.0, 20.0, then v 1.0 (the queue's size 1). */
static void test_partial_run_control_input_once(void **state)
{
    (void) state;
    for (int e = 0; e < 2; e++) {
        for (int variant = 0; variant < 3; variant++) {
            fixture_t f;
            fx_init(&f);
            tact_status_t st = TACT_STATUS_INIT;
            tact_output_t v = tu_variable_f32(f.g, 0, "v", &st);
            tact_output_t inc = tact_assign_add(f.g, v, tu_const_f32(f.g, NULL, 0,
                                                                     (float[]) { 1 }, "one",
                                                                     &st), "inc", &st);
            tact_dtype_t f32 = TACT_DTYPE_F32;
            tact_op_t *q = tact_fifo_queue(f.g, 10, &f32, 1, NULL, NULL, "q", &st);
            tact_op_t *dep = variant == 0 ? inc.op
                             : variant == 1 ? tact_group(f.g, &inc.op, 1, "grp", &st)
                                            : tact_queue_enqueue(f.g, q, &f.a, 1, "enq", &st);
            tact_output_t size = tact_queue_size(f.g, q, NULL, &st);
            tact_output_t f1, f2;
            assert_int_equal(tact_graph_push_control_dependencies(f.g, &dep, 1, &st),
                             TACT_CODE_OK);
            f1 = tact_identity(f.g, f.a, "f1", &st);
            f2 = tact_identity(f.g, f.c, "f2", &st);
            tact_graph_pop_control_dependencies(f.g);
            tact_op_t *init = tact_global_variables_initializer(f.g, &st);
            assert_int_equal(st.code, TACT_CODE_OK);
            tact_session_t *s = tu_session(f.g, executors[e]);
            tu_run_op(s, init);
            tact_output_t fetches[2] = { f1, f2 }, feeds[2] = { f.a, f.c };
            tact_partial_run_t *h = tact_session_partial_run_setup(s, fetches, 2, feeds, 2,
                                                                   NULL, 0, &st);
            assert_int_equal(st.code, TACT_CODE_OK);
            tact_tensor_t *ten = tu_scalar_f32(10), *twenty = tu_scalar_f32(20);
            tact_feed_t fa = { f.a, ten }, fc = { f.c, twenty };
            pr_ok(s, h, f1, &fa, 1, 10);
            pr_ok(s, h, f2, &fc, 1, 20);
            tact_tensor_t *val = tu_run1(s, variant < 2 ? v : size, NULL, 0, &st);
            assert_string_equal(tu_str(val), variant < 2 ? "1.0" : "1");
            tact_tensor_destroy(&val);
            tact_partial_run_destroy(&h);
            tact_tensor_destroy(&ten);
            tact_tensor_destroy(&twenty);
            tact_session_destroy(&s);
            fx_fini(&f);
        }
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_partial_run_two_calls),
        cmocka_unit_test(test_partial_run_feeds_copied),
        cmocka_unit_test(test_partial_run_errors),
        cmocka_unit_test(test_partial_run_stateful_once),
        cmocka_unit_test(test_partial_run_targets),
        cmocka_unit_test(test_partial_run_closed_session),
        cmocka_unit_test(test_partial_run_destroy_outstanding),
        cmocka_unit_test(test_partial_run_concurrent_use),
        cmocka_unit_test(test_partial_run_control_input_once),
    };
    return cmocka_run_group_tests_name("partial_run", tests, NULL, NULL);
}
