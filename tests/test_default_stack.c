/* SPDX-License-Identifier: MIT */
/* Default sessions and default graphs: the per-thread stacks (TensorFlow's `as_default`),
 * tact_eval / tact_op_run (Tensor.eval, Operation.run), interactive sessions and the scope.h
 * sugar. Spec: shared/spec/semantics.md §1.2-1.7, scenarios S8-S10.
 *
 * The simplest use of a default session:
 *     tact_session_push_default(s);
 *     tact_tensor_t *v = tact_eval(c, NULL, 0, NULL, &st);  // runs c in s
 *     tact_session_pop_default(s);
 *
 * Programmer errors (destroying a session that is still a default, overflowing the stack)
 * abort through TACT_ASSERT, which CMocka cannot catch: those cases re-execute this program
 * in a child process (see child_main) and expect it to die of SIGABRT. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <tact/scope.h>

#include "runtime/exec/session_impl.h"
#include "tests/helpers.h"

static const tact_config_t actors_config = { .executor = TACT_EXECUTOR_ACTORS };

/* This program's path, for the child processes of the abort tests. */
static const char *self_path;

static tact_session_t *new_interactive(tact_graph_t *g)
{
    tact_status_t st = TACT_STATUS_INIT;
    tact_session_t *s = tact_interactive_session_new(NULL, g, NULL, &st);
    assert_int_equal(st.code, TACT_CODE_OK);
    assert_non_null(s);
    return s;
}

static void close_ok(tact_session_t *s)
{
    tact_status_t st = TACT_STATUS_INIT;
    assert_int_equal(tact_session_close(s, &st), TACT_CODE_OK);
    assert_int_equal(st.code, TACT_CODE_OK);
}

static int graph_refs(tact_graph_t *g)
{
    return atomic_load(&g->refs);
}

static int session_pushes(tact_session_t *s)
{
    return atomic_load(&s->default_pushes);
}

/* tf.constant(37): an int32 scalar. */
static tact_output_t const37(tact_graph_t *g, tact_status_t *st)
{
    tact_output_t c = tu_const_i32(g, NULL, 0, (int32_t[]) { 37 }, NULL, st);
    assert_int_equal(st->code, TACT_CODE_OK);
    return c;
}

/* Evaluate `t` (default session when s is NULL) and check it prints as `want`. */
static void assert_eval_str(tact_output_t t, tact_session_t *s, const char *want)
{
    tact_status_t st = TACT_STATUS_INIT;
    tact_tensor_t *r = tact_eval(t, NULL, 0, s, &st);
    if (st.code != TACT_CODE_OK)
        fprintf(stderr, "eval failed: %s\n", st.msg);
    assert_int_equal(st.code, TACT_CODE_OK);
    assert_non_null(r);
    assert_string_equal(tu_str(r), want);
    tact_tensor_destroy(&r);
}

/* ------------------------------------------------------------------------------------------ */
/* The session stack                                                                          */
/* ------------------------------------------------------------------------------------------ */

static void test_session_stack_starts_empty(void **state)
{
    (void) state;
    assert_null(tact_session_get_default());
    /* A pop on the empty stack violates nesting and changes nothing. */
    tact_auto(graph) g = tact_graph_new();
    tact_session_t *s = tu_session(g, NULL);
    assert_int_equal(tact_session_pop_default(s), TACT_CODE_FAILED_PRECONDITION);
    assert_null(tact_session_get_default());
    assert_int_equal(session_pushes(s), 0);
    tact_session_destroy(&s);
    assert_null(s);
}

static void test_session_push_pop_get(void **state)
{
    (void) state;
    tact_auto(graph) g = tact_graph_new();
    tact_session_t *a = tu_session(g, NULL);
    tact_session_t *b = tu_session(g, NULL);

    tact_session_push_default(a);
    assert_ptr_equal(tact_session_get_default(), a);
    assert_int_equal(session_pushes(a), 1);
    tact_session_push_default(b);
    assert_ptr_equal(tact_session_get_default(), b);
    assert_int_equal(session_pushes(b), 1);

    assert_int_equal(tact_session_pop_default(b), TACT_CODE_OK);
    assert_ptr_equal(tact_session_get_default(), a);
    assert_int_equal(session_pushes(b), 0);
    assert_int_equal(tact_session_pop_default(a), TACT_CODE_OK);
    assert_null(tact_session_get_default());
    assert_int_equal(session_pushes(a), 0);

    /* Pushing does not change the default graph (as_default leaves the graph stack alone). */
    tact_graph_t *before = tact_graph_get_default();
    tact_session_push_default(a);
    assert_ptr_equal(tact_graph_get_default(), before);
    assert_int_equal(tact_session_pop_default(a), TACT_CODE_OK);

    tact_session_destroy(&b);
    tact_session_destroy(&a);
}

static void test_same_session_pushed_twice(void **state)
{
    (void) state;
    tact_auto(graph) g = tact_graph_new();
    tact_session_t *s = tu_session(g, NULL);
    tact_session_push_default(s);
    tact_session_push_default(s);
    assert_ptr_equal(tact_session_get_default(), s);
    assert_int_equal(session_pushes(s), 2);
    assert_int_equal(tact_session_pop_default(s), TACT_CODE_OK);
    assert_ptr_equal(tact_session_get_default(), s);
    assert_int_equal(session_pushes(s), 1);
    assert_int_equal(tact_session_pop_default(s), TACT_CODE_OK);
    assert_null(tact_session_get_default());
    assert_int_equal(session_pushes(s), 0);
    assert_int_equal(tact_session_pop_default(s), TACT_CODE_FAILED_PRECONDITION);
    tact_session_destroy(&s);
}

static void test_wrong_order_pop(void **state)
{
    (void) state;
    tact_auto(graph) g = tact_graph_new();
    tact_session_t *a = tu_session(g, NULL);
    tact_session_t *b = tu_session(g, NULL);
    tact_session_push_default(a);
    tact_session_push_default(b);

    /* a is not the top: nesting violated, nothing popped. */
    assert_int_equal(tact_session_pop_default(a), TACT_CODE_FAILED_PRECONDITION);
    assert_ptr_equal(tact_session_get_default(), b);
    assert_int_equal(session_pushes(a), 1);
    assert_int_equal(session_pushes(b), 1);

    /* The stack is intact: the right order still works. */
    assert_int_equal(tact_session_pop_default(b), TACT_CODE_OK);
    assert_ptr_equal(tact_session_get_default(), a);
    assert_int_equal(tact_session_pop_default(a), TACT_CODE_OK);
    assert_null(tact_session_get_default());
    tact_session_destroy(&a);
    tact_session_destroy(&b);
}

static void test_graph_stack(void **state)
{
    (void) state;
    /* Nothing pushed: the process-wide global graph, the same every time. */
    tact_graph_t *global = tact_graph_get_default();
    assert_non_null(global);
    assert_ptr_equal(tact_graph_get_default(), global);

    tact_auto(graph) g1 = tact_graph_new();
    tact_auto(graph) g2 = tact_graph_new();
    assert_int_equal(graph_refs(g1), 1);
    tact_graph_push_default(g1);
    assert_ptr_equal(tact_graph_get_default(), g1);
    assert_int_equal(graph_refs(g1), 2);  /* the stack holds a reference */
    tact_graph_push_default(g2);
    assert_ptr_equal(tact_graph_get_default(), g2);

    /* Builders given NULL use the top of the stack. */
    tact_status_t st = TACT_STATUS_INIT;
    tact_output_t c = const37(NULL, &st);
    assert_ptr_equal(tact_op_graph(c.op), g2);
    assert_int_equal(tact_graph_num_ops(g2), 1);
    assert_int_equal(tact_graph_num_ops(g1), 0);

    assert_int_equal(tact_graph_pop_default(g1), TACT_CODE_FAILED_PRECONDITION);
    assert_ptr_equal(tact_graph_get_default(), g2);
    assert_int_equal(graph_refs(g1), 2);
    assert_int_equal(graph_refs(g2), 2);

    assert_int_equal(tact_graph_pop_default(g2), TACT_CODE_OK);
    assert_int_equal(graph_refs(g2), 1);
    assert_ptr_equal(tact_graph_get_default(), g1);
    assert_int_equal(tact_graph_pop_default(g1), TACT_CODE_OK);
    assert_int_equal(graph_refs(g1), 1);
    assert_ptr_equal(tact_graph_get_default(), global);
    assert_int_equal(tact_graph_pop_default(g1), TACT_CODE_FAILED_PRECONDITION);
}

/* What a second thread sees while the main thread has defaults. */
typedef struct peek {
    tact_session_t *main_session;
    tact_graph_t *main_graph;
    tact_output_t c;               /* a tensor of main_graph */
    tact_session_t *seen_session;  /* get_default on entry */
    tact_graph_t *seen_graph;
    tact_code_t eval_code;         /* tact_eval(c) with no session of its own */
    char eval_msg[sizeof ((tact_status_t *) 0)->msg];
    tact_session_t *seen_after_push;
    tact_code_t pop_code;
    tact_session_t *seen_after_pop;
} peek_t;

static void *peek_thread(void *arg)
{
    peek_t *p = arg;
    p->seen_session = tact_session_get_default();
    p->seen_graph = tact_graph_get_default();
    tact_status_t st = TACT_STATUS_INIT;
    tact_tensor_t *r = tact_eval(p->c, NULL, 0, NULL, &st);
    tact_tensor_destroy(&r);
    p->eval_code = st.code;
    memcpy(p->eval_msg, st.msg, sizeof p->eval_msg);
    /* A thread may push a session another thread also has as its default. */
    tact_session_push_default(p->main_session);
    p->seen_after_push = tact_session_get_default();
    p->pop_code = tact_session_pop_default(p->main_session);
    p->seen_after_pop = tact_session_get_default();
    return NULL;
}

static void test_thread_locality(void **state)
{
    (void) state;
    tact_graph_t *global = tact_graph_get_default();
    tact_auto(graph) g = tact_graph_new();
    tact_status_t st = TACT_STATUS_INIT;
    tact_session_t *s = tu_session(g, NULL);
    peek_t p = { .main_session = s, .main_graph = g, .c = const37(g, &st) };

    tact_graph_push_default(g);
    tact_session_push_default(s);
    pthread_t t;
    assert_int_equal(pthread_create(&t, NULL, peek_thread, &p), 0);
    assert_int_equal(pthread_join(t, NULL), 0);

    assert_null(p.seen_session);            /* a new thread has no default session */
    assert_ptr_equal(p.seen_graph, global); /* and sees the global graph (tact, not TF) */
    assert_ptr_not_equal(p.seen_graph, g);
    assert_int_equal(p.eval_code, TACT_CODE_INVALID_ARGUMENT);
    assert_true(tu_contains(p.eval_msg, "No default session is registered"));
    assert_ptr_equal(p.seen_after_push, s);
    assert_int_equal(p.pop_code, TACT_CODE_OK);
    assert_null(p.seen_after_pop);

    /* The main thread's stacks never moved. */
    assert_ptr_equal(tact_session_get_default(), s);
    assert_ptr_equal(tact_graph_get_default(), g);
    assert_int_equal(session_pushes(s), 1);
    assert_eval_str(p.c, NULL, "37");
    assert_int_equal(tact_session_pop_default(s), TACT_CODE_OK);
    assert_int_equal(tact_graph_pop_default(g), TACT_CODE_OK);
    tact_session_destroy(&s);
}

/* 16 threads, one graph, a session each as that thread's default, 200 evals each. */
#define EVAL_THREADS 16
#define EVAL_ITERS   200

typedef struct eval_worker {
    int id;
    tact_graph_t *g;
    tact_output_t x, y;
    pthread_barrier_t *barrier;
    tact_code_t code;            /* first failure */
    char msg[sizeof ((tact_status_t *) 0)->msg];
    int good, bad;
    bool default_stayed;         /* get_default was this thread's session on every iteration */
    tact_code_t pop_code;
    tact_session_t *after_pop;
} eval_worker_t;

static void *eval_thread(void *arg)
{
    eval_worker_t *w = arg;
    tact_status_t st = TACT_STATUS_INIT;
    /* Odd threads use the device actors, even ones the calling thread. */
    tact_session_t *s = tact_session_new(NULL, w->g, (w->id & 1) ? &actors_config : NULL, &st);
    if (s != NULL)
        tact_session_push_default(s);
    pthread_barrier_wait(w->barrier);
    w->default_stayed = s != NULL && tact_session_get_default() == s;
    for (int i = 0; s != NULL && i < EVAL_ITERS && st.code == TACT_CODE_OK; i++) {
        float xv = (float) (w->id * 1000 + i);
        tact_tensor_t *xt = tu_scalar_f32(xv);
        tact_feed_t feed = { w->x, xt };
        tact_tensor_t *r = tact_eval(w->y, &feed, 1, NULL, &st);
        if (r != NULL && tact_tensor_dtype(r) == TACT_DTYPE_F32 && tact_tensor_ndims(r) == 0 &&
            *(const float *) tact_tensor_data(r) == 2 * xv + 1)
            w->good++;
        else
            w->bad++;
        tact_tensor_destroy(&r);
        tact_tensor_destroy(&xt);
        if (tact_session_get_default() != s)
            w->default_stayed = false;
    }
    w->code = st.code;
    memcpy(w->msg, st.msg, sizeof w->msg);
    if (s != NULL) {
        w->pop_code = tact_session_pop_default(s);
        w->after_pop = tact_session_get_default();
        tact_session_destroy(&s);
    }
    return NULL;
}

static void test_sixteen_threads_default_sessions(void **state)
{
    (void) state;
    tact_status_t st = TACT_STATUS_INIT;
    tact_auto(graph) g = tact_graph_new();
    tact_output_t x = tact_placeholder(g, TACT_DTYPE_F32, NULL, 0, "x", &st);
    tact_output_t y = tact_add(g, tact_multiply(g, x, tu_const_f32(g, NULL, 0, (float[]) { 2 },
                                                                   NULL, &st), NULL, &st),
                               tu_const_f32(g, NULL, 0, (float[]) { 1 }, NULL, &st), "y", &st);
    assert_int_equal(st.code, TACT_CODE_OK);

    pthread_barrier_t barrier;
    assert_int_equal(pthread_barrier_init(&barrier, NULL, EVAL_THREADS), 0);
    eval_worker_t w[EVAL_THREADS];
    pthread_t t[EVAL_THREADS];
    for (int i = 0; i < EVAL_THREADS; i++) {
        w[i] = (eval_worker_t) { .id = i, .g = g, .x = x, .y = y, .barrier = &barrier,
                                 .pop_code = TACT_CODE_UNKNOWN };
        assert_int_equal(pthread_create(&t[i], NULL, eval_thread, &w[i]), 0);
    }
    for (int i = 0; i < EVAL_THREADS; i++)
        assert_int_equal(pthread_join(t[i], NULL), 0);
    pthread_barrier_destroy(&barrier);

    for (int i = 0; i < EVAL_THREADS; i++) {
        if (w[i].code != TACT_CODE_OK)
            fprintf(stderr, "thread %d: %s\n", i, w[i].msg);
        assert_int_equal(w[i].code, TACT_CODE_OK);
        assert_int_equal(w[i].good, EVAL_ITERS);
        assert_int_equal(w[i].bad, 0);
        assert_true(w[i].default_stayed);
        assert_int_equal(w[i].pop_code, TACT_CODE_OK);
        assert_null(w[i].after_pop);
    }
    assert_null(tact_session_get_default());
    assert_int_equal(graph_refs(g), 1);  /* every session let go of the graph */
}

/* ------------------------------------------------------------------------------------------ */
/* The graph a session binds                                                                  */
/* ------------------------------------------------------------------------------------------ */

static void test_session_binds_default_graph_at_creation(void **state)
{
    (void) state;
    tact_status_t st = TACT_STATUS_INIT;
    tact_auto(graph) g1 = tact_graph_new();
    tact_auto(graph) g2 = tact_graph_new();

    tact_graph_push_default(g1);
    tact_output_t c = const37(NULL, &st);
    tact_session_t *s = tact_session_new(NULL, NULL, NULL, &st);
    assert_int_equal(st.code, TACT_CODE_OK);
    assert_ptr_equal(tact_session_graph(s), g1);
    assert_int_equal(graph_refs(g1), 3);  /* user, stack, session */

    /* A later default graph changes nothing for s. */
    tact_graph_push_default(g2);
    assert_ptr_equal(tact_session_graph(s), g1);
    assert_int_equal(tact_graph_pop_default(g2), TACT_CODE_OK);
    assert_int_equal(tact_graph_pop_default(g1), TACT_CODE_OK);
    assert_ptr_equal(tact_session_graph(s), g1);
    assert_eval_str(c, s, "37");

    /* With nothing pushed, graph NULL means the global graph. */
    tact_session_t *sg = tact_session_new(NULL, NULL, NULL, &st);
    assert_int_equal(st.code, TACT_CODE_OK);
    assert_ptr_equal(tact_session_graph(sg), tact_graph_get_default());

    tact_session_destroy(&sg);
    tact_session_destroy(&s);
    assert_int_equal(graph_refs(g1), 1);
}

/* ------------------------------------------------------------------------------------------ */
/* tact_eval and tact_op_run                                                                  */
/* ------------------------------------------------------------------------------------------ */

static void test_eval_explicit_and_default(void **state)
{
    (void) state;
    tact_status_t st = TACT_STATUS_INIT;
    tact_auto(graph) g = tact_graph_new();
    tact_output_t c = const37(g, &st);
    tact_session_t *s = tu_session(g, NULL);

    assert_eval_str(c, s, "37");  /* explicit session, no default */
    assert_null(tact_session_get_default());

    tact_session_push_default(s);
    assert_eval_str(c, NULL, "37");
    assert_int_equal(tact_op_run(c.op, NULL, 0, NULL, &st), TACT_CODE_OK);
    assert_int_equal(st.code, TACT_CODE_OK);
    /* An explicit session wins over the default. */
    tact_session_t *other = tu_session(g, NULL);
    assert_eval_str(c, other, "37");
    assert_int_equal(tact_op_run(c.op, NULL, 0, other, &st), TACT_CODE_OK);
    assert_int_equal(tact_session_pop_default(s), TACT_CODE_OK);

    tact_session_destroy(&other);
    tact_session_destroy(&s);
}

static void test_eval_without_session(void **state)
{
    (void) state;
    tact_status_t st = TACT_STATUS_INIT;
    tact_auto(graph) g = tact_graph_new();
    tact_output_t c = const37(g, &st);
    assert_null(tact_session_get_default());

    tact_tensor_t *r = tact_eval(c, NULL, 0, NULL, &st);
    assert_null(r);
    assert_int_equal(st.code, TACT_CODE_INVALID_ARGUMENT);
    assert_true(tu_contains(st.msg, "Cannot evaluate tensor using `eval()`: No default session "
                                    "is registered"));

    st = (tact_status_t) TACT_STATUS_INIT;
    assert_int_equal(tact_op_run(c.op, NULL, 0, NULL, &st), TACT_CODE_INVALID_ARGUMENT);
    assert_int_equal(st.code, TACT_CODE_INVALID_ARGUMENT);
    assert_true(tu_contains(st.msg, "Cannot execute operation using `run()`: No default session "
                                    "is registered"));
}

static void test_eval_session_of_another_graph(void **state)
{
    (void) state;
    tact_status_t st = TACT_STATUS_INIT;
    tact_auto(graph) g1 = tact_graph_new();
    tact_auto(graph) g2 = tact_graph_new();
    tact_output_t c = const37(g1, &st);
    const37(g2, &st);
    tact_session_t *s2 = tu_session(g2, NULL);

    tact_session_push_default(s2);
    tact_tensor_t *r = tact_eval(c, NULL, 0, NULL, &st);
    assert_null(r);
    assert_int_equal(st.code, TACT_CODE_INVALID_ARGUMENT);
    assert_true(tu_contains(st.msg, "Cannot use the default session to evaluate tensor: the "
                                    "tensor's graph is different from the session's graph"));
    st = (tact_status_t) TACT_STATUS_INIT;
    assert_int_equal(tact_op_run(c.op, NULL, 0, NULL, &st), TACT_CODE_INVALID_ARGUMENT);
    assert_true(tu_contains(st.msg, "Cannot use the default session to execute operation: the "
                                    "operation's graph is different from the session's graph"));
    assert_int_equal(tact_session_pop_default(s2), TACT_CODE_OK);

    st = (tact_status_t) TACT_STATUS_INIT;
    r = tact_eval(c, NULL, 0, s2, &st);
    assert_null(r);
    assert_int_equal(st.code, TACT_CODE_INVALID_ARGUMENT);
    assert_true(tu_contains(st.msg, "Cannot use the given session to evaluate tensor: the "
                                    "tensor's graph is different from the session's graph"));
    st = (tact_status_t) TACT_STATUS_INIT;
    assert_int_equal(tact_op_run(c.op, NULL, 0, s2, &st), TACT_CODE_INVALID_ARGUMENT);
    assert_true(tu_contains(st.msg, "Cannot use the given session to execute operation"));

    tact_session_destroy(&s2);
}

static void test_eval_empty_and_sticky(void **state)
{
    (void) state;
    tact_auto(graph) g = tact_graph_new();
    tact_status_t st = TACT_STATUS_INIT;
    tact_output_t c = const37(g, &st);
    tact_session_t *s = tu_session(g, NULL);

    tact_output_t empty = { NULL, 0 };
    assert_null(tact_eval(empty, NULL, 0, s, &st));
    assert_int_equal(st.code, TACT_CODE_INVALID_ARGUMENT);
    assert_true(tu_contains(st.msg, "empty"));

    /* An empty output from a failed builder is caught the same way. */
    st = (tact_status_t) TACT_STATUS_INIT;
    tact_output_t bad = tact_add(g, c, tu_const_f32(g, NULL, 0, (float[]) { 1 }, NULL, &st),
                                 NULL, &st);
    assert_true(tact_output_is_empty(bad));
    tact_status_t st2 = TACT_STATUS_INIT;
    assert_null(tact_eval(bad, NULL, 0, s, &st2));
    assert_int_equal(st2.code, TACT_CODE_INVALID_ARGUMENT);
    assert_true(tu_contains(st2.msg, "empty"));

    /* Errors of the run itself come through unchanged. */
    st = (tact_status_t) TACT_STATUS_INIT;
    assert_null(tact_eval((tact_output_t) { c.op, 3 }, NULL, 0, s, &st));
    assert_int_equal(st.code, TACT_CODE_INVALID_ARGUMENT);
    assert_true(tu_contains(st.msg, "Const:3"));
    assert_true(tu_contains(st.msg, "output index"));

    st = (tact_status_t) TACT_STATUS_INIT;
    assert_int_equal(tact_op_run(NULL, NULL, 0, s, &st), TACT_CODE_INVALID_ARGUMENT);
    assert_int_equal(st.code, TACT_CODE_INVALID_ARGUMENT);
    assert_true(tu_contains(st.msg, "NULL"));

    /* A status that already holds an error: both return at once and keep it. */
    tact_status_t failed = { TACT_CODE_NOT_FOUND, "earlier" };
    assert_null(tact_eval(c, NULL, 0, s, &failed));
    assert_int_equal(tact_op_run(c.op, NULL, 0, s, &failed), TACT_CODE_NOT_FOUND);
    assert_int_equal(failed.code, TACT_CODE_NOT_FOUND);
    assert_string_equal(failed.msg, "earlier");

    tact_session_destroy(&s);
}

static void test_eval_closed_default_session(void **state)
{
    (void) state;
    tact_status_t st = TACT_STATUS_INIT;
    tact_auto(graph) g = tact_graph_new();
    tact_output_t c = const37(g, &st);
    tact_session_t *s = tu_session(g, NULL);
    tact_session_push_default(s);
    assert_eval_str(c, NULL, "37");
    close_ok(s);

    assert_ptr_equal(tact_session_get_default(), s);  /* closing does not pop */
    assert_null(tact_eval(c, NULL, 0, NULL, &st));
    assert_int_equal(st.code, TACT_CODE_CANCELLED);
    assert_true(tu_contains(st.msg, "Session has been closed."));
    st = (tact_status_t) TACT_STATUS_INIT;
    assert_int_equal(tact_op_run(c.op, NULL, 0, NULL, &st), TACT_CODE_CANCELLED);
    assert_true(tu_contains(st.msg, "Session has been closed."));
    st = (tact_status_t) TACT_STATUS_INIT;
    assert_null(tact_eval(c, NULL, 0, s, &st));
    assert_int_equal(st.code, TACT_CODE_CANCELLED);

    assert_int_equal(tact_session_pop_default(s), TACT_CODE_OK);
    tact_session_destroy(&s);
}

static void test_eval_feeds(void **state)
{
    (void) state;
    tact_status_t st = TACT_STATUS_INIT;
    tact_auto(graph) g = tact_graph_new();
    tact_output_t p = tact_placeholder(g, TACT_DTYPE_F32, (int64_t[]) { 2 }, 1, "p", &st);
    tact_output_t q = tact_multiply(g, p, tu_const_f32(g, NULL, 0, (float[]) { 2 }, NULL, &st),
                                    "q", &st);
    tact_op_t *noop = tact_no_op(g, "touch", &st);
    assert_int_equal(st.code, TACT_CODE_OK);
    tact_auto(session) s = tu_session(g, NULL);
    tact_auto(tensor) pv = tu_f32((int64_t[]) { 2 }, 1, (float[]) { 1.5f, -2 });
    tact_feed_t feed = { p, pv };

    tact_session_push_default(s);
    tact_auto(tensor) r = tact_eval(q, &feed, 1, NULL, &st);
    assert_int_equal(st.code, TACT_CODE_OK);
    assert_true(tu_f32_equal(r, (int64_t[]) { 2 }, 1, (float[]) { 3, -4 }));
    tact_tensor_destroy(&r);

    /* The fed tensor itself comes back as fed. */
    r = tact_eval(p, &feed, 1, NULL, &st);
    assert_true(tu_f32_equal(r, (int64_t[]) { 2 }, 1, (float[]) { 1.5f, -2 }));
    tact_tensor_destroy(&r);

    /* Feeds reach op_run too; a feed of the wrong shape is the run's error. */
    assert_int_equal(tact_op_run(noop, &feed, 1, NULL, &st), TACT_CODE_OK);
    tact_auto(tensor) wrong = tu_f32((int64_t[]) { 3 }, 1, (float[]) { 1, 2, 3 });
    tact_feed_t bad = { p, wrong };
    assert_int_equal(tact_op_run(noop, &bad, 1, NULL, &st), TACT_CODE_INVALID_ARGUMENT);
    assert_true(tu_contains(st.msg, "Cannot feed value of shape"));

    /* Without the feed the placeholder is missing. */
    st = (tact_status_t) TACT_STATUS_INIT;
    assert_null(tact_eval(q, NULL, 0, NULL, &st));
    assert_int_equal(st.code, TACT_CODE_INVALID_ARGUMENT);
    assert_true(tu_contains(st.msg, "You must feed a value for placeholder tensor 'p'"));
    assert_int_equal(tact_session_pop_default(s), TACT_CODE_OK);
}

/* eval(options=...) and run(options=...) keep the run options: a deadline, a cancellation
 * handle and the metadata reach the default session's run. */
static void test_eval_ex_and_op_run_ex_take_options(void **state)
{
    (void) state;
    tact_status_t st = TACT_STATUS_INIT;
    tact_auto(graph) g = tact_graph_new();
    tact_op_t *q = tact_fifo_queue(g, 1, (tact_dtype_t[]) { TACT_DTYPE_F32 }, 1, NULL, NULL, "q",
                                   &st);
    tact_output_t x;
    tact_op_t *deq = tact_queue_dequeue(g, q, &x, NULL, &st);
    tact_output_t one = tu_const_f32(g, NULL, 0, (float[]) { 1 }, "one", &st);
    tact_op_t *enq = tact_queue_enqueue(g, q, &one, 1, NULL, &st);
    assert_non_null(deq);
    assert_int_equal(st.code, TACT_CODE_OK);
    tact_auto(session) s = tu_session(g, NULL);
    tact_session_push_default(s);

    /* An empty queue: the dequeue waits until the run's own deadline. */
    tact_run_options_t opts = { .timeout_in_ms = 30 };
    assert_null(tact_eval_ex(x, &opts, NULL, 0, NULL, &st));
    assert_int_equal(st.code, TACT_CODE_DEADLINE_EXCEEDED);
    assert_string_equal(st.msg, "Timed out waiting for notification\n\t [[{{node q_Dequeue}}]]");

    /* A full queue: the enqueue waits until the handle is cancelled (already, here). */
    st = (tact_status_t) TACT_STATUS_INIT;
    assert_int_equal(tact_op_run(enq, NULL, 0, NULL, &st), TACT_CODE_OK);
    tact_cancel_t *cancel = tact_cancel_new();
    tact_cancel_request(cancel);
    tact_run_options_t copts = { .cancel = cancel };
    assert_int_equal(tact_op_run_ex(enq, &copts, NULL, 0, NULL, &st), TACT_CODE_CANCELLED);
    assert_string_equal(st.msg, "Run call was cancelled");
    tact_cancel_destroy(&cancel);

    /* Metadata comes back through eval_ex; NULL options are the plain call. */
    st = (tact_status_t) TACT_STATUS_INIT;
    tact_run_metadata_t md = { 0 };
    tact_run_options_t mopts = { .metadata = &md };
    tact_auto(tensor) v = tact_eval_ex(x, &mopts, NULL, 0, NULL, &st);
    assert_int_equal(st.code, TACT_CODE_OK);
    assert_string_equal(tu_str(v), "1.0");
    assert_int_equal(md.n_partitions, 1);
    tact_run_metadata_clear(&md);
    assert_int_equal(tact_op_run_ex(enq, NULL, NULL, 0, NULL, &st), TACT_CODE_OK);
    assert_int_equal(tact_session_pop_default(s), TACT_CODE_OK);
}

static void test_op_run_null_status(void **state)
{
    (void) state;
    tact_status_t st = TACT_STATUS_INIT;
    tact_auto(graph) g = tact_graph_new();
    tact_output_t c = const37(g, &st);
    tact_auto(session) s = tu_session(g, NULL);
    assert_int_equal(tact_op_run(c.op, NULL, 0, s, NULL), TACT_CODE_OK);
    tact_auto(tensor) r = tact_eval(c, NULL, 0, s, NULL);
    assert_non_null(r);
    assert_string_equal(tu_str(r), "37");
    /* Failures still return their code without a status to fill. */
    assert_int_equal(tact_op_run(c.op, NULL, 0, NULL, NULL), TACT_CODE_INVALID_ARGUMENT);
    assert_null(tact_eval(c, NULL, 0, NULL, NULL));
    assert_int_equal(tact_op_run(NULL, NULL, 0, s, NULL), TACT_CODE_INVALID_ARGUMENT);
}

/* S9: c = const(37); s = Session(); with s.as_default(): c.eval() -> 37; s is still usable
 * afterwards; with Session().as_default(): c.eval() -> 37. */
static void test_scenario_s9(void **state)
{
    (void) state;
    tact_status_t st = TACT_STATUS_INIT;
    tact_auto(graph) g = tact_graph_new();
    tact_graph_push_default(g);
    tact_output_t c = const37(NULL, &st);
    tact_session_t *s = tact_session_new(NULL, NULL, NULL, &st);
    assert_int_equal(st.code, TACT_CODE_OK);

    tact_session_push_default(s);
    assert_eval_str(c, NULL, "37");
    assert_int_equal(tact_session_pop_default(s), TACT_CODE_OK);
    assert_null(tact_session_get_default());

    /* After the block s is still open. */
    tact_tensor_t *r = tu_run1(s, c, NULL, 0, &st);
    assert_int_equal(st.code, TACT_CODE_OK);
    assert_string_equal(tu_str(r), "37");
    tact_tensor_destroy(&r);
    assert_eval_str(c, s, "37");

    {
        tact_auto(session) fresh = tact_session_new(NULL, NULL, NULL, &st);
        assert_int_equal(st.code, TACT_CODE_OK);
        TACT_DEFAULT_SESSION_SCOPE(fresh);
        assert_eval_str(c, NULL, "37");
    }
    assert_null(tact_session_get_default());
    assert_int_equal(tact_graph_pop_default(g), TACT_CODE_OK);
    tact_session_destroy(&s);
}

/* S10: no default session; c.eval(session=s) -> value; op.run(session=s) runs. */
static void test_scenario_s10(void **state)
{
    (void) state;
    tact_status_t st = TACT_STATUS_INIT;
    tact_auto(graph) g = tact_graph_new();
    tact_output_t a = tu_const_f32(g, (int64_t[]) { 2 }, 1, (float[]) { 1, 2 }, NULL, &st);
    tact_output_t b = tu_const_f32(g, (int64_t[]) { 2 }, 1, (float[]) { 2, 3 }, NULL, &st);
    tact_output_t c = tact_add(g, a, b, NULL, &st);
    tact_op_t *grp = tact_group(g, (tact_op_t *[]) { c.op }, 1, NULL, &st);
    assert_int_equal(st.code, TACT_CODE_OK);
    tact_auto(session) s = tu_session(g, NULL);
    assert_null(tact_session_get_default());
    assert_eval_str(c, s, "[3. 5.]");
    assert_int_equal(tact_op_run(c.op, NULL, 0, s, &st), TACT_CODE_OK);
    assert_int_equal(tact_op_run(grp, NULL, 0, s, &st), TACT_CODE_OK);
    assert_int_equal(st.code, TACT_CODE_OK);
    assert_null(tact_session_get_default());
}

/* ------------------------------------------------------------------------------------------ */
/* Interactive sessions                                                                       */
/* ------------------------------------------------------------------------------------------ */

/* Log capture for the "already active" warning. */
static pthread_mutex_t capture_lock = PTHREAD_MUTEX_INITIALIZER;
static int captured_warnings;
static int captured_other;

static void capture_log(tact_log_level_t level, const char *msg, void *user)
{
    (void) user;
    pthread_mutex_lock(&capture_lock);
    if (level == TACT_LOG_WARNING && strstr(msg, "An interactive session is already active"))
        captured_warnings++;
    else
        captured_other++;
    pthread_mutex_unlock(&capture_lock);
}

static int warnings_seen(void)
{
    pthread_mutex_lock(&capture_lock);
    int n = captured_warnings;
    pthread_mutex_unlock(&capture_lock);
    return n;
}

/* S8: s = InteractiveSession(); c.eval() -> [[4. 4. 4.]]; e.eval() -> [[24.]]; s.close();
 * get_default_session() is None. */
static void test_scenario_s8(void **state)
{
    (void) state;
    tact_auto(graph) g = tact_graph_new();
    TACT_DEFAULT_GRAPH_SCOPE(g);  /* keeps the ops out of the global graph */
    tact_status_t st = TACT_STATUS_INIT;
    tact_session_t *s = tact_interactive_session_new(NULL, NULL, NULL, &st);
    assert_int_equal(st.code, TACT_CODE_OK);
    assert_ptr_equal(tact_session_get_default(), s);
    assert_ptr_equal(tact_session_graph(s), g);
    assert_true(s->config.gpu_options.allow_growth);  /* the interactive default config */

    tact_output_t a = tu_const_f32(NULL, (int64_t[]) { 1, 2 }, 2, (float[]) { 1, 1 }, NULL, &st);
    tact_output_t b = tu_const_f32(NULL, (int64_t[]) { 2, 3 }, 2,
                                   (float[]) { 2, 2, 2, 2, 2, 2 }, NULL, &st);
    tact_output_t c = tact_matmul(NULL, a, b, false, false, NULL, &st);
    assert_int_equal(st.code, TACT_CODE_OK);
    assert_eval_str(c, NULL, "[[4. 4. 4.]]");
    tact_output_t d = tu_const_f32(NULL, (int64_t[]) { 3, 1 }, 2, (float[]) { 1, 2, 3 }, NULL,
                                   &st);
    tact_output_t e = tact_matmul(NULL, c, d, false, false, NULL, &st);
    assert_int_equal(st.code, TACT_CODE_OK);
    assert_eval_str(e, NULL, "[[24.]]");

    close_ok(s);
    assert_null(tact_session_get_default());
    assert_int_equal(session_pushes(s), 0);
    assert_ptr_equal(tact_graph_get_default(), g);  /* it pushed no graph */
    /* A second close does nothing more, and says OK as TensorFlow's does. */
    assert_int_equal(tact_session_close(s, &st), TACT_CODE_OK);
    assert_int_equal(st.code, TACT_CODE_OK);
    assert_null(tact_session_get_default());
    assert_int_equal(session_pushes(s), 0);
    tact_session_destroy(&s);
}

static void test_two_interactive_sessions(void **state)
{
    (void) state;
    tact_auto(graph) g = tact_graph_new();
    tact_log_set_callback(capture_log, NULL);  /* the second one warns; keep stderr quiet */

    /* Closed in reverse order. */
    tact_session_t *s1 = new_interactive(g);
    tact_session_t *s2 = new_interactive(g);
    assert_ptr_equal(tact_session_get_default(), s2);
    close_ok(s2);
    assert_ptr_equal(tact_session_get_default(), s1);
    close_ok(s1);
    assert_null(tact_session_get_default());
    tact_session_destroy(&s1);
    tact_session_destroy(&s2);

    /* Closed in creation order: out-of-order removal. */
    s1 = new_interactive(g);
    s2 = new_interactive(g);
    close_ok(s1);
    assert_ptr_equal(tact_session_get_default(), s2);
    assert_int_equal(session_pushes(s1), 0);
    assert_int_equal(session_pushes(s2), 1);
    close_ok(s2);
    assert_null(tact_session_get_default());
    tact_session_destroy(&s1);
    tact_session_destroy(&s2);

    /* Destroy without close closes, which leaves the stack. */
    s1 = new_interactive(g);
    tact_session_destroy(&s1);
    assert_null(tact_session_get_default());
    tact_log_set_callback(NULL, NULL);
}

static void test_interactive_explicit_graph(void **state)
{
    (void) state;
    tact_graph_t *before = tact_graph_get_default();
    tact_auto(graph) g = tact_graph_new();
    tact_session_t *s = new_interactive(g);
    assert_ptr_equal(tact_graph_get_default(), g);
    assert_ptr_equal(tact_session_get_default(), s);
    assert_int_equal(graph_refs(g), 3);  /* user, session, stack */

    /* Builders given NULL go into g while the session is open. */
    tact_status_t st = TACT_STATUS_INIT;
    tact_output_t c = const37(NULL, &st);
    assert_ptr_equal(tact_op_graph(c.op), g);
    assert_eval_str(c, NULL, "37");

    close_ok(s);
    assert_ptr_equal(tact_graph_get_default(), before);
    assert_null(tact_session_get_default());
    assert_int_equal(graph_refs(g), 2);
    tact_session_destroy(&s);
    assert_int_equal(graph_refs(g), 1);

    /* Two with explicit graphs, closed out of order: each takes its own graph with it. */
    tact_auto(graph) g2 = tact_graph_new();
    tact_log_set_callback(capture_log, NULL);
    tact_session_t *s1 = new_interactive(g);
    tact_session_t *s2 = new_interactive(g2);
    assert_ptr_equal(tact_graph_get_default(), g2);
    close_ok(s1);
    assert_ptr_equal(tact_graph_get_default(), g2);
    assert_ptr_equal(tact_session_get_default(), s2);
    close_ok(s2);
    assert_ptr_equal(tact_graph_get_default(), before);
    tact_log_set_callback(NULL, NULL);
    tact_session_destroy(&s1);
    tact_session_destroy(&s2);
    assert_int_equal(graph_refs(g), 1);
    assert_int_equal(graph_refs(g2), 1);
}

static void test_interactive_warning(void **state)
{
    (void) state;
    tact_auto(graph) g = tact_graph_new();
    pthread_mutex_lock(&capture_lock);
    captured_warnings = 0;
    pthread_mutex_unlock(&capture_lock);
    tact_log_set_callback(capture_log, NULL);

    /* One after another: no warning. */
    for (int i = 0; i < 3; i++) {
        tact_session_t *s = new_interactive(g);
        close_ok(s);
        tact_session_destroy(&s);
    }
    assert_int_equal(warnings_seen(), 0);

    /* While another is open: one warning per extra session. */
    tact_session_t *s1 = new_interactive(g);
    assert_int_equal(warnings_seen(), 0);
    tact_session_t *s2 = new_interactive(g);
    assert_int_equal(warnings_seen(), 1);
    tact_session_t *s3 = new_interactive(g);
    assert_int_equal(warnings_seen(), 2);
    close_ok(s2);
    close_ok(s3);
    /* s1 is still open: the next one warns; once all are closed the next one does not. */
    tact_session_t *s4 = new_interactive(g);
    assert_int_equal(warnings_seen(), 3);
    close_ok(s4);
    close_ok(s1);
    /* A failed creation pushes nothing and counts nothing. */
    tact_status_t st = TACT_STATUS_INIT;
    assert_null(tact_interactive_session_new("bad", g, NULL, &st));
    assert_int_equal(st.code, TACT_CODE_NOT_FOUND);
    assert_true(tu_contains(st.msg, "No session factory registered"));
    assert_null(tact_session_get_default());
    assert_ptr_not_equal(tact_graph_get_default(), g);
    assert_int_equal(graph_refs(g), 1 + 4);  /* the user and s1..s4, not yet destroyed */
    tact_session_t *s5 = new_interactive(g);
    assert_int_equal(warnings_seen(), 3);
    close_ok(s5);

    /* A plain session never counts. */
    tact_session_t *plain = tu_session(g, NULL);
    tact_session_t *s6 = new_interactive(g);
    assert_int_equal(warnings_seen(), 3);
    close_ok(s6);

    tact_log_set_callback(NULL, NULL);
    tact_session_t *all[] = { s1, s2, s3, s4, s5, s6, plain };
    for (int i = 0; i < 7; i++)
        tact_session_destroy(&all[i]);
}

static void test_interactive_mixed_with_nested_pushes(void **state)
{
    (void) state;
    tact_graph_t *before = tact_graph_get_default();
    tact_auto(graph) g1 = tact_graph_new();
    tact_auto(graph) g2 = tact_graph_new();
    tact_session_t *s = tu_session(g1, NULL);

    /* Interactive under strict pushes: closing it removes it from below them. */
    tact_session_t *i = new_interactive(g1);
    tact_session_push_default(s);
    tact_graph_push_default(g2);
    assert_ptr_equal(tact_session_get_default(), s);
    close_ok(i);
    assert_ptr_equal(tact_session_get_default(), s);
    assert_ptr_equal(tact_graph_get_default(), g2);
    assert_int_equal(tact_graph_pop_default(g2), TACT_CODE_OK);
    assert_ptr_equal(tact_graph_get_default(), before);  /* g1 left with i */
    assert_int_equal(tact_session_pop_default(s), TACT_CODE_OK);
    assert_null(tact_session_get_default());
    tact_session_destroy(&i);

    /* Interactive on top of strict pushes: closing it uncovers them. */
    tact_session_push_default(s);
    tact_session_push_default(s);
    i = new_interactive(NULL);
    assert_ptr_equal(tact_session_get_default(), i);
    close_ok(i);
    assert_ptr_equal(tact_session_get_default(), s);
    assert_int_equal(tact_session_pop_default(s), TACT_CODE_OK);
    assert_int_equal(tact_session_pop_default(s), TACT_CODE_OK);
    assert_null(tact_session_get_default());
    tact_session_destroy(&i);

    /* Strict pushes in and out while an interactive one is open. */
    i = new_interactive(g2);
    {
        TACT_DEFAULT_SESSION_SCOPE(s);
        assert_ptr_equal(tact_session_get_default(), s);
        assert_ptr_equal(tact_graph_get_default(), g2);
    }
    assert_ptr_equal(tact_session_get_default(), i);
    close_ok(i);
    assert_null(tact_session_get_default());
    assert_ptr_equal(tact_graph_get_default(), before);
    tact_session_destroy(&i);
    tact_session_destroy(&s);
    assert_int_equal(graph_refs(g1), 1);
    assert_int_equal(graph_refs(g2), 1);
}

/* ------------------------------------------------------------------------------------------ */
/* scope.h                                                                                    */
/* ------------------------------------------------------------------------------------------ */

static tact_session_t *seen_in_helper;

/* Leaves its scope by `return` from the middle of the block. */
static int session_scope_return(tact_session_t *s, bool early)
{
    TACT_DEFAULT_SESSION_SCOPE(s);
    seen_in_helper = tact_session_get_default();
    if (early)
        return 1;
    seen_in_helper = NULL;
    return 2;
}

/* Leaves its scope by `goto` to a label after the block. This helper holds no other cleanup
 * variable, so the jump skips no declaration (STYLE.md §9). */
static int session_scope_goto(tact_session_t *s)
{
    int steps = 0;
    {
        TACT_DEFAULT_SESSION_SCOPE(s);
        seen_in_helper = tact_session_get_default();
        steps++;
        if (seen_in_helper == s)
            goto out;
        steps += 100;
    }
out:
    return tact_session_get_default() == NULL ? steps : -1;
}

static void test_default_session_scope(void **state)
{
    (void) state;
    tact_auto(graph) g = tact_graph_new();
    tact_auto(session) s = tu_session(g, NULL);
    tact_auto(session) inner = tu_session(g, NULL);

    {
        TACT_DEFAULT_SESSION_SCOPE(s);
        assert_ptr_equal(tact_session_get_default(), s);
        {
            TACT_DEFAULT_SESSION_SCOPE(inner);
            assert_ptr_equal(tact_session_get_default(), inner);
        }
        assert_ptr_equal(tact_session_get_default(), s);
        assert_int_equal(session_pushes(inner), 0);
    }
    assert_null(tact_session_get_default());
    assert_int_equal(session_pushes(s), 0);

    seen_in_helper = NULL;
    assert_int_equal(session_scope_return(s, true), 1);
    assert_ptr_equal(seen_in_helper, s);
    assert_null(tact_session_get_default());
    assert_int_equal(session_scope_return(s, false), 2);
    assert_null(tact_session_get_default());

    seen_in_helper = NULL;
    assert_int_equal(session_scope_goto(s), 1);
    assert_ptr_equal(seen_in_helper, s);
    assert_null(tact_session_get_default());

    /* break and continue out of a loop body pop too. */
    int iterations = 0;
    for (int i = 0; i < 5; i++) {
        TACT_DEFAULT_SESSION_SCOPE(s);
        iterations++;
        assert_int_equal(session_pushes(s), 1);
        if (i == 0)
            continue;
        if (i == 2)
            break;
    }
    assert_int_equal(iterations, 3);
    assert_null(tact_session_get_default());
    assert_int_equal(session_pushes(s), 0);
    /* The session was only borrowed: still open and usable. */
    tact_status_t st = TACT_STATUS_INIT;
    tact_output_t c = const37(g, &st);
    assert_eval_str(c, s, "37");
}

static tact_graph_t *graph_seen_in_helper;

static int graph_scope_return(tact_graph_t *g, bool early)
{
    TACT_DEFAULT_GRAPH_SCOPE(g);
    graph_seen_in_helper = tact_graph_get_default();
    if (early)
        return 1;
    graph_seen_in_helper = NULL;
    return 2;
}

static int graph_scope_goto(tact_graph_t *g, tact_graph_t *before)
{
    int steps = 0;
    {
        TACT_DEFAULT_GRAPH_SCOPE(g);
        graph_seen_in_helper = tact_graph_get_default();
        steps++;
        if (graph_seen_in_helper == g)
            goto out;
        steps += 100;
    }
out:
    return tact_graph_get_default() == before ? steps : -1;
}

static void test_default_graph_scope(void **state)
{
    (void) state;
    tact_graph_t *before = tact_graph_get_default();
    tact_auto(graph) g = tact_graph_new();
    tact_auto(graph) h = tact_graph_new();
    {
        TACT_DEFAULT_GRAPH_SCOPE(g);
        assert_ptr_equal(tact_graph_get_default(), g);
        assert_int_equal(graph_refs(g), 2);
        {
            TACT_DEFAULT_GRAPH_SCOPE(h);
            assert_ptr_equal(tact_graph_get_default(), h);
        }
        assert_ptr_equal(tact_graph_get_default(), g);
        assert_int_equal(graph_refs(h), 1);
    }
    assert_ptr_equal(tact_graph_get_default(), before);
    assert_int_equal(graph_refs(g), 1);

    graph_seen_in_helper = NULL;
    assert_int_equal(graph_scope_return(g, true), 1);
    assert_ptr_equal(graph_seen_in_helper, g);
    assert_ptr_equal(tact_graph_get_default(), before);
    assert_int_equal(graph_scope_return(g, false), 2);
    assert_ptr_equal(tact_graph_get_default(), before);

    graph_seen_in_helper = NULL;
    assert_int_equal(graph_scope_goto(g, before), 1);
    assert_ptr_equal(graph_seen_in_helper, g);
    assert_ptr_equal(tact_graph_get_default(), before);
    assert_int_equal(graph_refs(g), 1);
}

typedef struct session_scope_seen {
    tact_session_t *var;
    tact_session_t *default_session;
    tact_graph_t *default_graph;
    tact_graph_t *session_graph;
    int graph_refs;
    tact_code_t eval_code;
} session_scope_seen_t;

/* `with tf.Session(graph=g) as s:` whose body returns early. */
static int session_scope_helper(tact_graph_t *g, session_scope_seen_t *seen, bool early)
{
    tact_status_t st = TACT_STATUS_INIT;
    TACT_SESSION_SCOPE(s, NULL, g, NULL, &st);
    seen->var = s;
    if (s == NULL)
        return -1;
    seen->default_session = tact_session_get_default();
    seen->default_graph = tact_graph_get_default();
    seen->session_graph = tact_session_graph(s);
    seen->graph_refs = graph_refs(tact_session_graph(s));
    /* Ops made in the block go into the session's graph; eval uses the session. */
    tact_output_t c = tu_const_i32(NULL, NULL, 0, (int32_t[]) { 37 }, NULL, &st);
    tact_tensor_t *r = tact_eval(c, NULL, 0, NULL, &st);
    seen->eval_code = r != NULL && *(const int32_t *) tact_tensor_data(r) == 37
                          ? st.code : TACT_CODE_INTERNAL;
    tact_tensor_destroy(&r);
    if (early)
        return 1;
    return 2;
}

static void test_session_scope(void **state)
{
    (void) state;
    tact_graph_t *before = tact_graph_get_default();
    tact_auto(graph) g = tact_graph_new();
    assert_null(tact_session_get_default());

    for (int early = 0; early < 2; early++) {
        session_scope_seen_t seen = { 0 };
        assert_int_equal(session_scope_helper(g, &seen, early), early ? 1 : 2);
        assert_non_null(seen.var);
        assert_ptr_equal(seen.default_session, seen.var);
        assert_ptr_equal(seen.default_graph, g);
        assert_ptr_equal(seen.session_graph, g);
        assert_int_equal(seen.graph_refs, 3);  /* user, session, graph stack */
        assert_int_equal(seen.eval_code, TACT_CODE_OK);
        /* Both stacks are back, and the session is gone with its graph reference. */
        assert_null(tact_session_get_default());
        assert_ptr_equal(tact_graph_get_default(), before);
        assert_int_equal(graph_refs(g), 1);
        assert_int_equal(tact_graph_num_ops(g), early + 1);
    }

    /* Graph NULL: a session over the default graph at that point. */
    {
        TACT_DEFAULT_GRAPH_SCOPE(g);
        tact_status_t st = TACT_STATUS_INIT;
        {
            TACT_SESSION_SCOPE(s, NULL, NULL, NULL, &st);
            assert_int_equal(st.code, TACT_CODE_OK);
            assert_ptr_equal(tact_session_graph(s), g);
            assert_ptr_equal(tact_session_get_default(), s);
            assert_ptr_equal(tact_graph_get_default(), g);
            assert_int_equal(graph_refs(g), 4);  /* user, outer scope, session, inner scope */
        }
        assert_ptr_equal(tact_graph_get_default(), g);
        assert_null(tact_session_get_default());
        assert_int_equal(graph_refs(g), 2);
    }
    assert_int_equal(graph_refs(g), 1);
}

static void test_session_scope_failing_creation(void **state)
{
    (void) state;
    tact_graph_t *before = tact_graph_get_default();
    tact_auto(graph) g = tact_graph_new();
    tact_auto(session) outer = tu_session(g, NULL);
    TACT_DEFAULT_SESSION_SCOPE(outer);
    {
        tact_status_t st = TACT_STATUS_INIT;
        TACT_SESSION_SCOPE(s, "bad", g, NULL, &st);
        assert_null(s);
        assert_int_equal(st.code, TACT_CODE_NOT_FOUND);
        assert_true(tu_contains(st.msg, "No session factory registered for the given session "
                                        "options"));
        assert_true(tu_contains(st.msg, "bad"));
        assert_ptr_equal(tact_session_get_default(), outer);
        assert_ptr_equal(tact_graph_get_default(), before);
        assert_int_equal(graph_refs(g), 2);  /* user, outer */
    }
    assert_ptr_equal(tact_session_get_default(), outer);
    assert_ptr_equal(tact_graph_get_default(), before);
    assert_int_equal(graph_refs(g), 2);

    /* A bad config fails the same way. */
    {
        tact_status_t st = TACT_STATUS_INIT;
        tact_config_t bad = { .executor = (tact_executor_t) 9 };
        TACT_SESSION_SCOPE(s, NULL, g, &bad, &st);
        assert_null(s);
        assert_int_equal(st.code, TACT_CODE_INVALID_ARGUMENT);
        assert_true(tu_contains(st.msg, "executor: unknown value 9"));
        assert_ptr_equal(tact_session_get_default(), outer);
    }
    assert_ptr_equal(tact_session_get_default(), outer);
}

static tact_graph_t *make_graph_with_const(void)
{
    tact_auto(graph) g = tact_graph_new();
    tact_status_t st = TACT_STATUS_INIT;
    const37(g, &st);
    return tact_take(g);  /* moved out: the cleanup sees NULL */
}

static void test_auto_handles(void **state)
{
    (void) state;
    tact_graph_t *kept = make_graph_with_const();
    assert_non_null(kept);
    assert_int_equal(graph_refs(kept), 1);
    assert_int_equal(tact_graph_num_ops(kept), 1);
    {
        tact_auto(graph) g = kept;  /* this block now owns it */
        tact_auto(session) s = tu_session(g, NULL);
        tact_auto(tensor) t = tu_scalar_f32(2.5f);
        tact_auto(tensor) none = NULL;  /* NULL is fine for every destroy */
        tact_status_t st = TACT_STATUS_INIT;
        tact_auto(tensor) r = tact_eval(tact_graph_output(g, "Const:0", &st), NULL, 0, s, &st);
        assert_int_equal(st.code, TACT_CODE_OK);
        assert_string_equal(tu_str(r), "37");
        assert_string_equal(tu_str(t), "2.5");
        assert_null(none);
        tact_tensor_t *moved = tact_take(t);
        assert_null(t);
        tact_tensor_destroy(&moved);
        assert_null(moved);
    }
    /* Leaks or double frees here are the sanitizers' to report. */
}

/* ------------------------------------------------------------------------------------------ */
/* Programmer errors abort                                                                    */
/* ------------------------------------------------------------------------------------------ */

/* Child mode: one scenario that must abort; returning from it means the check is missing. */
static int child_main(const char *what)
{
    tact_status_t st = TACT_STATUS_INIT;
    tact_graph_t *g = tact_graph_new();
    tact_session_t *s = tact_session_new(NULL, g, NULL, &st);
    if (s == NULL)
        return 3;
    if (strcmp(what, "destroy-default") == 0) {
        tact_session_push_default(s);
        tact_session_destroy(&s);  /* still the default: must abort */
    } else if (strcmp(what, "destroy-closed-default") == 0) {
        tact_session_push_default(s);
        tact_session_close(s, &st);
        tact_session_destroy(&s);
    } else if (strcmp(what, "push-33") == 0) {
        for (int i = 0; i < 33; i++)
            tact_session_push_default(s);
    } else {
        return 4;
    }
    return 0;
}

/* Run this program in child mode `what`, with its stderr captured into `err`. Returns the
 * wait status. */
static int run_child(const char *what, char *err, size_t err_len)
{
    int fds[2];
    assert_int_equal(pipe(fds), 0);
    fflush(stdout);
    fflush(stderr);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        /* Only async-signal-safe calls between fork and exec: the parent has threads. */
        dup2(fds[1], STDERR_FILENO);
        close(fds[0]);
        close(fds[1]);
        execl(self_path, self_path, "--child", what, (char *) NULL);
        _exit(127);
    }
    close(fds[1]);
    size_t n = 0;
    for (;;) {
        ssize_t k = read(fds[0], err + n, err_len - 1 - n);
        if (k < 0 && errno == EINTR)
            continue;
        if (k <= 0)
            break;
        n += (size_t) k;
        if (n == err_len - 1) {  /* keep draining so the child never blocks */
            char sink[256];
            while (read(fds[0], sink, sizeof sink) > 0) {
            }
            break;
        }
    }
    err[n] = '\0';
    close(fds[0]);
    int status = 0;
    while (waitpid(pid, &status, 0) < 0)
        assert_int_equal(errno, EINTR);
    return status;
}

static void assert_child_aborts(const char *what, const char *expr)
{
    char err[4096];
    int status = run_child(what, err, sizeof err);
    if (!WIFSIGNALED(status))
        fprintf(stderr, "child %s: exit status %d, stderr: %s\n", what,
                WIFEXITED(status) ? WEXITSTATUS(status) : -1, err);
    assert_true(WIFSIGNALED(status));
    assert_int_equal(WTERMSIG(status), SIGABRT);
    assert_true(tu_contains(err, "assertion failed"));
    assert_true(tu_contains(err, expr));
}

static void test_destroy_default_session_aborts(void **state)
{
    (void) state;
    assert_child_aborts("destroy-default", "default_pushes");
    assert_child_aborts("destroy-closed-default", "default_pushes");
}

static void test_stack_overflow_aborts(void **state)
{
    (void) state;
    assert_child_aborts("push-33", "DEFAULT_STACK_DEPTH");
}

/* A thread that exits with defaults still pushed: its session and graph entries leave with it
 * (TensorFlow's stacks are thread-local and die with their thread), so the session can be
 * destroyed and the graph's reference is returned. */
typedef struct exiting_thread {
    tact_session_t *s, *inter;
    tact_graph_t *g, *g2;
} exiting_thread_t;

static void *exit_with_defaults_main(void *p)
{
    exiting_thread_t *t = p;
    tact_graph_push_default(t->g);
    tact_session_push_default(t->s);
    tact_session_push_default(t->s);
    t->inter = new_interactive(t->g2);  /* pushes itself and g2, removable entries */
    tact_graph_push_default(t->g2);     /* pushed and popped: not released twice */
    assert_int_equal(tact_graph_pop_default(t->g2), TACT_CODE_OK);
    return NULL;                        /* no pops: the thread's exit releases them */
}

static void test_thread_exit_releases_defaults(void **state)
{
    (void) state;
    exiting_thread_t t = { .g = tact_graph_new(), .g2 = tact_graph_new() };
    t.s = tu_session(t.g, NULL);
    int g_refs = atomic_load(&t.g->refs), g2_refs = atomic_load(&t.g2->refs);
    pthread_t th;
    assert_int_equal(pthread_create(&th, NULL, exit_with_defaults_main, &t), 0);
    assert_int_equal(pthread_join(th, NULL), 0);
    assert_int_equal(atomic_load(&t.s->default_pushes), 0);
    assert_int_equal(atomic_load(&t.inter->default_pushes), 0);
    assert_int_equal(atomic_load(&t.g->refs), g_refs);
    assert_int_equal(atomic_load(&t.g2->refs), g2_refs + 1);  /* the interactive session's */
    assert_null(tact_session_get_default());  /* this thread's stacks never saw them */
    tact_session_destroy(&t.s);
    assert_null(t.s);
    assert_int_equal(tact_session_close(t.inter, NULL), TACT_CODE_OK);
    tact_session_destroy(&t.inter);
    assert_int_equal(atomic_load(&t.g2->refs), g2_refs);
    tact_graph_destroy(&t.g);
    tact_graph_destroy(&t.g2);

    /* Many short-lived threads, each leaving a push behind, then one destroy. */
    tact_graph_t *g = tact_graph_new();
    tact_session_t *s = tu_session(g, NULL);
    for (int i = 0; i < 16; i++) {
        exiting_thread_t u = { .s = s, .g = g, .g2 = g };
        assert_int_equal(pthread_create(&th, NULL, exit_with_defaults_main, &u), 0);
        assert_int_equal(pthread_join(th, NULL), 0);
        assert_int_equal(tact_session_close(u.inter, NULL), TACT_CODE_OK);
        tact_session_destroy(&u.inter);
    }
    assert_int_equal(atomic_load(&s->default_pushes), 0);
    assert_int_equal(atomic_load(&g->refs), 2);  /* the handle and the session */
    tact_session_destroy(&s);
    tact_graph_destroy(&g);
}

/* A strictly nested pop is not blocked by an interactive session opened above it: those
 * leave whenever they close, so they do not count as being on top. */
static void test_strict_pop_skips_interactive_entries(void **state)
{
    (void) state;
    tact_graph_t *g = tact_graph_new();
    tact_session_t *outer = tu_session(g, NULL);
    {
        TACT_SESSION_SCOPE(scoped, NULL, g, NULL, NULL);
        tact_session_push_default(outer);
        tact_session_t *inter = new_interactive(NULL);
        assert_ptr_equal(tact_session_get_default(), inter);
        assert_int_equal(tact_session_pop_default(outer), TACT_CODE_OK);
        assert_ptr_equal(tact_session_get_default(), inter);
        /* Popping a session that is not the innermost strict entry still fails. */
        assert_int_equal(tact_session_pop_default(outer), TACT_CODE_FAILED_PRECONDITION);
        assert_int_equal(tact_session_close(inter, NULL), TACT_CODE_OK);
        assert_ptr_equal(tact_session_get_default(), scoped);
        tact_session_destroy(&inter);
    }   /* the scope's pops succeed with the interactive session gone or not */
    assert_null(tact_session_get_default());
    tact_session_destroy(&outer);
    tact_graph_destroy(&g);
}

/* tact_graph_reset_default: a fresh global graph; sessions keep the old one alive. */
static void test_reset_default_graph(void **state)
{
    (void) state;
    tact_status_t st = TACT_STATUS_INIT;
    tact_graph_t *before = tact_graph_get_default();
    tact_output_t c = tu_const_f32(NULL, NULL, 0, (float[]) { 7 }, "kept", &st);
    assert_ptr_equal(tact_op_graph(c.op), before);
    tact_session_t *s = tu_session(NULL, NULL);  /* binds the current global graph */

    tact_graph_t *g = tact_graph_new();
    tact_graph_push_default(g);
    assert_int_equal(tact_graph_reset_default(), TACT_CODE_FAILED_PRECONDITION);
    assert_ptr_equal(tact_graph_get_default(), g);
    assert_int_equal(tact_graph_pop_default(g), TACT_CODE_OK);
    tact_graph_destroy(&g);

    assert_int_equal(tact_graph_reset_default(), TACT_CODE_OK);
    tact_graph_t *after = tact_graph_get_default();
    assert_int_equal(tact_graph_num_ops(after), 0);
    assert_null(tact_graph_op(after, "kept"));
    tact_tensor_t *r = tact_eval(c, NULL, 0, s, &st);  /* the old graph lives on */
    assert_int_equal(st.code, TACT_CODE_OK);
    assert_string_equal(tu_str(r), "7.0");
    tact_tensor_destroy(&r);
    tact_session_destroy(&s);
}

int main(int argc, char **argv)
{
    self_path = strchr(argv[0], '/') != NULL ? argv[0] : "/proc/self/exe";
    if (argc == 3 && strcmp(argv[1], "--child") == 0)
        return child_main(argv[2]);

    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_session_stack_starts_empty),
        cmocka_unit_test(test_session_push_pop_get),
        cmocka_unit_test(test_same_session_pushed_twice),
        cmocka_unit_test(test_wrong_order_pop),
        cmocka_unit_test(test_graph_stack),
        cmocka_unit_test(test_thread_locality),
        cmocka_unit_test(test_sixteen_threads_default_sessions),
        cmocka_unit_test(test_session_binds_default_graph_at_creation),
        cmocka_unit_test(test_eval_explicit_and_default),
        cmocka_unit_test(test_eval_ex_and_op_run_ex_take_options),
        cmocka_unit_test(test_eval_without_session),
        cmocka_unit_test(test_eval_session_of_another_graph),
        cmocka_unit_test(test_eval_empty_and_sticky),
        cmocka_unit_test(test_eval_closed_default_session),
        cmocka_unit_test(test_eval_feeds),
        cmocka_unit_test(test_op_run_null_status),
        cmocka_unit_test(test_scenario_s9),
        cmocka_unit_test(test_scenario_s10),
        cmocka_unit_test(test_scenario_s8),
        cmocka_unit_test(test_two_interactive_sessions),
        cmocka_unit_test(test_interactive_explicit_graph),
        cmocka_unit_test(test_interactive_warning),
        cmocka_unit_test(test_interactive_mixed_with_nested_pushes),
        cmocka_unit_test(test_default_session_scope),
        cmocka_unit_test(test_default_graph_scope),
        cmocka_unit_test(test_session_scope),
        cmocka_unit_test(test_session_scope_failing_creation),
        cmocka_unit_test(test_auto_handles),
        cmocka_unit_test(test_strict_pop_skips_interactive_entries),
        cmocka_unit_test(test_reset_default_graph),
        cmocka_unit_test(test_thread_exit_releases_defaults),
        cmocka_unit_test(test_destroy_default_session_aborts),
        cmocka_unit_test(test_stack_overflow_aborts),
    };
    return cmocka_run_group_tests_name("default_stack", tests, NULL, NULL);
}
