/* SPDX-License-Identifier: MIT */
/* Name scopes, control dependencies and colocate_with (runtime/graph/graph_scopes.c), against what
 * TensorFlow 2.21's tf.compat.v1 printed for the same programs
 * (scripts/tf_reference/graph_scopes.py): op names, control inputs, colocation groups, op
 * devices, placement and run values; and the `with` macros of <tact/scope.h>. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <pthread.h>
#include <string.h>

#include <tact/scope.h>

#include "runtime/graph/graph_impl.h"
#include "tests/helpers.h"

#define CPU(n) "/job:localhost/replica:0/task:0/device:CPU:" #n

static tact_output_t k(tact_graph_t *g, const char *name, tact_status_t *st)
{
    return tu_const_f32(g, NULL, 0, (float[]) { 1 }, name, st);
}

static const char *name_of(tact_output_t out)
{
    return tact_op_name(out.op);
}

/* The op's control inputs' names, sorted, joined with ','. */
static const char *controls_of(const tact_op_t *op)
{
    static char buf[256];
    const char *names[16];
    int n = op->n_controls;
    assert_true(n <= 16);
    for (int i = 0; i < n; i++)
        names[i] = op->controls[i]->name;
    for (int i = 1; i < n; i++) {
        for (int j = i; j > 0 && strcmp(names[j - 1], names[j]) > 0; j--) {
            const char *t = names[j];
            names[j] = names[j - 1];
            names[j - 1] = t;
        }
    }
    buf[0] = '\0';
    for (int i = 0; i < n; i++) {
        strcat(buf, i ? "," : "");
        strcat(buf, names[i]);
    }
    return buf;
}

/* The op's colocation groups as TensorFlow prints its _class attribute: "loc:@p,loc:@q0". */
static const char *groups_of(const tact_op_t *op)
{
    static char buf[256];
    buf[0] = '\0';
    for (int i = 0; i < op->n_colocate; i++) {
        strcat(buf, i ? ",loc:@" : "loc:@");
        strcat(buf, op->colocate[i]->name);
    }
    return buf;
}

/* ------------------------------------------------------------------------------------------ */
/* Name scopes                                                                                */
/* ------------------------------------------------------------------------------------------ */

static void test_name_scopes_follow_tensorflow(void **state)
{
    (void) state;
    tact_status_t st = TACT_STATUS_INIT;
    tact_graph_t *g = tact_graph_new();
    tact_output_t c0 = k(g, "scope", &st);
    tact_output_t a, b, t, c, d, e, f, h;
    /* An op already called "scope" counts: the scope is "scope_1". */
    assert_int_equal(tact_graph_push_name_scope(g, "scope", &st), TACT_CODE_OK);
    a = k(g, NULL, &st);
    b = k(g, "b", &st);
    t = tact_transpose(g, a, NULL, 0, NULL, &st);
    assert_int_equal(tact_graph_push_name_scope(g, "inner", &st), TACT_CODE_OK);
    c = tact_add(g, a, b, NULL, &st);
    assert_int_equal(tact_graph_pop_name_scope(g), TACT_CODE_OK);
    assert_int_equal(tact_graph_pop_name_scope(g), TACT_CODE_OK);
    assert_int_equal(tact_graph_push_name_scope(g, "scope", &st), TACT_CODE_OK);
    d = k(g, NULL, &st);
    assert_int_equal(tact_graph_pop_name_scope(g), TACT_CODE_OK);
    /* "scope/" re-enters the scope as it is; NULL goes back to the root. */
    assert_int_equal(tact_graph_push_name_scope(g, "scope/", &st), TACT_CODE_OK);
    e = k(g, NULL, &st);
    assert_int_equal(tact_graph_push_name_scope(g, NULL, &st), TACT_CODE_OK);
    f = k(g, NULL, &st);
    assert_int_equal(tact_graph_pop_name_scope(g), TACT_CODE_OK);
    assert_int_equal(tact_graph_pop_name_scope(g), TACT_CODE_OK);
    /* Uniquing ignores case: "Scope" is the fourth use of the key "scope". */
    assert_int_equal(tact_graph_push_name_scope(g, "Scope", &st), TACT_CODE_OK);
    h = k(g, NULL, &st);
    assert_int_equal(tact_graph_pop_name_scope(g), TACT_CODE_OK);
    assert_int_equal(st.code, TACT_CODE_OK);

    /* TensorFlow: ['scope', 'scope_1/Const', 'scope_1/b', 'scope_1/transpose',
     * 'scope_1/inner/Add', 'scope_2/Const', 'scope/Const', 'Const', 'Scope_3/Const'] */
    assert_string_equal(name_of(c0), "scope");
    assert_string_equal(name_of(a), "scope_1/Const");
    assert_string_equal(name_of(b), "scope_1/b");
    assert_string_equal(name_of(t), "scope_1/transpose");
    assert_string_equal(name_of(c), "scope_1/inner/Add");
    assert_string_equal(name_of(d), "scope_2/Const");
    assert_string_equal(name_of(e), "scope/Const");
    assert_string_equal(name_of(f), "Const");
    assert_string_equal(name_of(h), "Scope_3/Const");
    assert_ptr_equal(tact_graph_op(g, "scope_1/inner/Add"), c.op);

    /* Back at the root with nothing open. */
    assert_int_equal(tact_graph_pop_name_scope(g), TACT_CODE_FAILED_PRECONDITION);
    assert_string_equal(name_of(k(g, NULL, &st)), "Const_1");
    tact_graph_destroy(&g);
}

static void test_name_scope_errors(void **state)
{
    (void) state;
    tact_graph_t *g = tact_graph_new();
    tact_status_t st = TACT_STATUS_INIT;
    /* TensorFlow 1.x's ValueError "'bad name' is not a valid scope name". */
    assert_int_equal(tact_graph_push_name_scope(g, "bad name", &st), TACT_CODE_INVALID_ARGUMENT);
    assert_string_equal(st.msg, "'bad name' is not a valid scope name");
    assert_string_equal(tact_graph_status(g)->msg, "'bad name' is not a valid scope name");
    assert_int_equal(tact_graph_pop_name_scope(g), TACT_CODE_FAILED_PRECONDITION);  /* none */
    /* '_' may not start a root scope, but may start a nested one. */
    st = (tact_status_t) TACT_STATUS_INIT;
    assert_int_equal(tact_graph_push_name_scope(g, "_x", &st), TACT_CODE_INVALID_ARGUMENT);
    assert_string_equal(st.msg, "'_x' is not a valid scope name");
    st = (tact_status_t) TACT_STATUS_INIT;
    assert_int_equal(tact_graph_push_name_scope(g, "x", &st), TACT_CODE_OK);
    assert_int_equal(tact_graph_push_name_scope(g, "_ok", &st), TACT_CODE_OK);
    assert_string_equal(name_of(k(g, NULL, &st)), "x/_ok/Const");
    assert_int_equal(tact_graph_pop_name_scope(g), TACT_CODE_OK);
    assert_int_equal(tact_graph_pop_name_scope(g), TACT_CODE_OK);
    /* A sticky status opens nothing. */
    tact_status_t failed = { TACT_CODE_ABORTED, "earlier" };
    assert_int_equal(tact_graph_push_name_scope(g, "y", &failed), TACT_CODE_ABORTED);
    assert_int_equal(tact_graph_pop_name_scope(g), TACT_CODE_FAILED_PRECONDITION);
    /* An absolute op name ("v/") that is taken already. */
    st = (tact_status_t) TACT_STATUS_INIT;
    assert_null(k(g, "x/_ok/Const/", &st).op);
    assert_string_equal(st.msg, "Duplicate node name in graph: 'x/_ok/Const'");
    tact_graph_destroy(&g);
}

static void test_variables_queues_and_variable_scopes(void **state)
{
    (void) state;
    tact_status_t st = TACT_STATUS_INIT;
    tact_graph_t *g = tact_graph_new();
    tact_output_t v, w, gv, k1, k2;
    tact_op_t *q, *enq, *enq2;
    assert_int_equal(tact_graph_push_name_scope(g, "ns", &st), TACT_CODE_OK);
    v = tu_variable_f32(g, 1, "v", &st);
    w = tact_variable(g, k(g, "w0", &st), NULL, &st);
    q = tact_fifo_queue(g, 3, (tact_dtype_t[]) { TACT_DTYPE_F32 }, 1, NULL, NULL, NULL, &st);
    tact_output_t one = k(g, "one", &st);
    enq = tact_queue_enqueue(g, q, &one, 1, NULL, &st);
    assert_int_equal(tact_variable_scope_push(g, "vs", false, &st), TACT_CODE_OK);
    gv = tact_get_variable(g, "gv", TACT_DTYPE_F32, (int64_t[]) { 2 }, 1, NULL, &st);
    k1 = k(g, NULL, &st);
    assert_int_equal(tact_variable_scope_pop(g, &st), TACT_CODE_OK);
    assert_int_equal(tact_graph_pop_name_scope(g), TACT_CODE_OK);
    enq2 = tact_queue_enqueue(g, q, &one, 1, NULL, &st);
    assert_int_equal(tact_variable_scope_push(g, "vs", false, &st), TACT_CODE_OK);
    k2 = k(g, NULL, &st);
    assert_int_equal(tact_variable_scope_pop(g, &st), TACT_CODE_OK);
    assert_int_equal(tact_variable_scope_push(g, "vs", true, &st), TACT_CODE_OK);
    tact_output_t gv2 = tact_get_variable(g, "gv", TACT_DTYPE_F32, (int64_t[]) { 2 }, 1, NULL,
                                          &st);
    tact_output_t k3 = k(g, NULL, &st);
    assert_int_equal(tact_variable_scope_pop(g, &st), TACT_CODE_OK);
    assert_int_equal(st.code, TACT_CODE_OK);

    /* TensorFlow: ['ns/v', 'ns/Variable', 'ns/fifo_queue', 'ns/fifo_queue_enqueue', 'vs/gv',
     * 'ns/vs/Const', 'fifo_queue_enqueue', 'vs/Const'] and the Assigns under their variable. */
    assert_string_equal(name_of(v), "ns/v");
    assert_string_equal(name_of(w), "ns/Variable");
    assert_string_equal(tact_op_name(q), "ns/fifo_queue");
    assert_string_equal(tact_op_name(enq), "ns/fifo_queue_enqueue");
    assert_string_equal(name_of(gv), "vs/gv");
    assert_string_equal(name_of(k1), "ns/vs/Const");
    assert_string_equal(tact_op_name(enq2), "fifo_queue_enqueue");
    assert_string_equal(name_of(k2), "vs/Const");
    assert_ptr_equal(gv2.op, gv.op);          /* reuse finds it by its variable-scope name */
    assert_string_equal(name_of(k3), "vs_1/Const");  /* a second entry: a new name scope */
    assert_non_null(tact_graph_op(g, "ns/v/Assign"));
    assert_non_null(tact_graph_op(g, "ns/Variable/Assign"));
    assert_non_null(tact_graph_op(g, "vs/gv/Assign"));
    assert_non_null(tact_graph_op(g, "vs/gv/Initializer/random_uniform"));

    /* The variables still initialise and run. */
    tact_op_t *init = tact_global_variables_initializer(g, &st);
    assert_string_equal(tact_op_name(init), "init");
    tact_session_t *s = tu_session(g, NULL);
    tu_run_op(s, init);
    tact_tensor_t *r = tu_run1(s, v, NULL, 0, &st);
    assert_int_equal(st.code, TACT_CODE_OK);
    assert_string_equal(tu_str(r), "1.0");
    tact_tensor_destroy(&r);
    tact_session_destroy(&s);
    tact_graph_destroy(&g);
}

/* ------------------------------------------------------------------------------------------ */
/* Control dependencies                                                                       */
/* ------------------------------------------------------------------------------------------ */

static void test_control_dependencies_follow_tensorflow(void **state)
{
    (void) state;
    tact_status_t st = TACT_STATUS_INIT;
    tact_graph_t *g = tact_graph_new();
    tact_op_t *a = tact_no_op(g, "a", &st);
    tact_op_t *b = tact_no_op(g, "b", &st);
    tact_output_t x = k(g, "x", &st);
    tact_output_t c1, n1, n2, c2, c3, c4, n3;
    assert_int_equal(tact_graph_push_control_dependencies(g, &a, 1, &st), TACT_CODE_OK);
    c1 = k(g, "c1", &st);
    n1 = tact_negative(g, c1, "n1", &st);
    n2 = tact_negative(g, x, "n2", &st);
    assert_int_equal(tact_graph_push_control_dependencies(g, &b, 1, &st), TACT_CODE_OK);
    c2 = k(g, "c2", &st);
    assert_int_equal(tact_graph_push_control_dependencies(g, NULL, 0, &st), TACT_CODE_OK);
    c3 = k(g, "c3", &st);
    assert_int_equal(tact_graph_push_control_dependencies(g, &b, 1, &st), TACT_CODE_OK);
    c4 = k(g, "c4", &st);
    for (int i = 0; i < 4; i++)
        assert_int_equal(tact_graph_pop_control_dependencies(g), TACT_CODE_OK);
    assert_int_equal(tact_graph_pop_control_dependencies(g), TACT_CODE_FAILED_PRECONDITION);
    assert_int_equal(tact_graph_push_control_dependencies(g, (tact_op_t *[]) { x.op }, 1, &st),
                     TACT_CODE_OK);
    n3 = tact_negative(g, x, "n3", &st);
    assert_int_equal(tact_graph_pop_control_dependencies(g), TACT_CODE_OK);
    tact_output_t after = k(g, "after", &st);
    assert_int_equal(st.code, TACT_CODE_OK);

    /* TensorFlow: c1 [a], n1 [] (its input was built inside), n2 [a], c2 [a, b], c3 [] (None),
     * c4 [b], n3 [] (x is a data input already). */
    assert_string_equal(controls_of(c1.op), "a");
    assert_string_equal(controls_of(n1.op), "");
    assert_string_equal(controls_of(n2.op), "a");
    assert_string_equal(controls_of(c2.op), "a,b");
    assert_string_equal(controls_of(c3.op), "");
    assert_string_equal(controls_of(c4.op), "b");
    assert_string_equal(controls_of(n3.op), "");
    assert_string_equal(controls_of(after.op), "");

    /* A control input from another graph is refused, and the graph keeps the error. */
    tact_graph_t *other = tact_graph_new();
    tact_op_t *foreign = tact_no_op(other, "f", &st);
    st = (tact_status_t) TACT_STATUS_INIT;
    assert_int_equal(tact_graph_push_control_dependencies(g, &foreign, 1, &st),
                     TACT_CODE_INVALID_ARGUMENT);
    assert_string_equal(st.msg, "control_dependencies: Operation 'f' is not an element of this "
                                "graph.");
    assert_int_equal(tact_graph_pop_control_dependencies(g), TACT_CODE_FAILED_PRECONDITION);
    tact_graph_destroy(&other);
    tact_graph_destroy(&g);
}

/* TensorFlow: counter = 0; inc = assign_add(counter, 1); z = constant(1.0);
 * with control_dependencies([inc]): r = identity(z). Each run of r runs inc first: counter is
 * 1.0 after the first, 2.0 after the second. */
static void test_control_dependencies_run_first(void **state)
{
    (void) state;
    tact_status_t st = TACT_STATUS_INIT;
    tact_graph_t *g = tact_graph_new();
    tact_output_t v = tu_variable_f32(g, 0, "counter", &st);
    tact_output_t inc = tact_assign_add(g, v, k(g, "one", &st), NULL, &st);
    tact_output_t z = k(g, "z", &st);
    tact_output_t r;
    {
        TACT_CONTROL_DEPENDENCIES(g, (&inc.op), 1, &st);
        r = tact_identity(g, z, "r", &st);
    }
    assert_int_equal(st.code, TACT_CODE_OK);
    assert_string_equal(controls_of(r.op), tact_op_name(inc.op));
    tact_op_t *init = tact_global_variables_initializer(g, &st);
    tact_session_t *s = tu_session(g, NULL);
    tu_run_op(s, init);
    const char *want[] = { "1.0", "2.0" };
    for (int i = 0; i < 2; i++) {
        tact_tensor_t *t = tu_run1(s, r, NULL, 0, &st);
        assert_int_equal(st.code, TACT_CODE_OK);
        assert_string_equal(tu_str(t), "1.0");
        tact_tensor_destroy(&t);
        t = tu_run1(s, v, NULL, 0, &st);
        assert_string_equal(tu_str(t), want[i]);
        tact_tensor_destroy(&t);
    }
    tact_session_destroy(&s);
    tact_graph_destroy(&g);
}

/* ------------------------------------------------------------------------------------------ */
/* colocate_with                                                                              */
/* ------------------------------------------------------------------------------------------ */

static void test_colocate_with_follows_tensorflow(void **state)
{
    (void) state;
    tact_status_t st = TACT_STATUS_INIT;
    tact_graph_t *g = tact_graph_new();
    tact_output_t p, q0, y, y2, z, z2, u, w, w2;
    {
        TACT_DEVICE_SCOPE(g, "/cpu:1", &st);
        p = tact_placeholder(g, TACT_DTYPE_F32, NULL, 0, "p", &st);
    }
    q0 = tact_placeholder(g, TACT_DTYPE_F32, NULL, 0, "q0", &st);
    {
        TACT_DEVICE_SCOPE(g, "/cpu:0", &st);
        {
            TACT_COLOCATE_WITH(g, p.op, false, &st);
            y = tact_negative(g, q0, "y", &st);
            {
                TACT_DEVICE_SCOPE(g, "/cpu:0", &st);
                y2 = tact_negative(g, q0, "y2", &st);
            }
            {
                TACT_COLOCATE_WITH(g, q0.op, false, &st);
                z = tact_negative(g, q0, "z", &st);
            }
            {
                TACT_COLOCATE_WITH(g, q0.op, true, &st);
                z2 = tact_negative(g, q0, "z2", &st);
            }
        }
        {
            TACT_COLOCATE_WITH(g, y.op, false, &st);
            u = tact_negative(g, q0, "u", &st);
        }
        {
            TACT_COLOCATE_WITH(g, q0.op, false, &st);
            w = tact_negative(g, q0, "w", &st);
            {
                TACT_DEVICE_SCOPE(g, "/cpu:1", &st);
                w2 = tact_negative(g, q0, "w2", &st);
            }
        }
    }
    assert_int_equal(st.code, TACT_CODE_OK);

    /* TensorFlow: y ['loc:@p'] '/device:CPU:1', y2 the same, z ['loc:@p', 'loc:@q0']
     * '/device:CPU:1', z2 ['loc:@q0'] '', u ['loc:@p'] '/device:CPU:1', w ['loc:@q0'] '',
     * w2 ['loc:@q0'] '/device:CPU:1'. */
    assert_string_equal(groups_of(y.op), "loc:@p");
    assert_string_equal(tact_op_device(y.op), "/device:CPU:1");
    assert_string_equal(groups_of(y2.op), "loc:@p");
    assert_string_equal(tact_op_device(y2.op), "/device:CPU:1");
    assert_string_equal(groups_of(z.op), "loc:@q0,loc:@p");  /* innermost first */
    assert_string_equal(tact_op_device(z.op), "/device:CPU:1");
    assert_string_equal(groups_of(z2.op), "loc:@q0");
    assert_string_equal(tact_op_device(z2.op), "");
    assert_string_equal(groups_of(u.op), "loc:@p");
    assert_string_equal(tact_op_device(u.op), "/device:CPU:1");
    assert_string_equal(groups_of(w.op), "loc:@q0");
    assert_string_equal(tact_op_device(w.op), "");
    assert_string_equal(groups_of(w2.op), "loc:@q0");
    assert_string_equal(tact_op_device(w2.op), "/device:CPU:1");
    assert_string_equal(groups_of(q0.op), "");

    /* Placement keeps a group together: w2 asks for CPU:1, so w (no request of its own) goes
     * there too, even in a run without w2, since a session places its whole graph; where
     * each run places only what it needs (an interactive session, TensorFlow's
     * place_pruned_graph), w alone goes to CPU:0 as any op does. */
    tact_config_t two = { .device_count = { .cpu = 2, .gpu = TACT_DEVICE_COUNT_NONE } };
    tact_session_t *s = tu_session(g, &two);
    tact_tensor_t *two_f = tu_scalar_f32(2);
    tact_feed_t feed = { q0, two_f };
    tact_output_t fetch[2] = { w, w2 };
    tact_tensor_t *r[2];
    assert_int_equal(tact_session_run(s, fetch, 2, r, &feed, 1, NULL, 0, &st), TACT_CODE_OK);
    assert_string_equal(tu_str(r[0]), "-2.0");
    tact_tensor_destroy(&r[0]);
    tact_tensor_destroy(&r[1]);
    assert_string_equal(tact_session_op_device(s, w.op), CPU(1));
    assert_string_equal(tact_session_op_device(s, w2.op), CPU(1));
    tact_session_destroy(&s);
    s = tu_session(g, &two);
    tact_tensor_t *alone = tu_run1(s, w, &feed, 1, &st);
    assert_int_equal(st.code, TACT_CODE_OK);
    tact_tensor_destroy(&alone);
    assert_string_equal(tact_session_op_device(s, w.op), CPU(1));
    tact_session_destroy(&s);
    s = tact_interactive_session_new(NULL, g, &two, &st);
    assert_non_null(s);
    alone = tu_run1(s, w, &feed, 1, &st);
    assert_int_equal(st.code, TACT_CODE_OK);
    tact_tensor_destroy(&alone);
    assert_string_equal(tact_session_op_device(s, w.op), CPU(0));
    assert_int_equal(tact_session_close(s, &st), TACT_CODE_OK);
    tact_session_destroy(&s);
    tact_tensor_destroy(&two_f);

    /* colocate_with(None) needs ignore_existing; with it, colocation is cleared. */
    st = (tact_status_t) TACT_STATUS_INIT;
    assert_int_equal(tact_graph_push_colocate_with(g, NULL, false, &st),
                     TACT_CODE_INVALID_ARGUMENT);
    assert_string_equal(st.msg, "Trying to reset colocation (op is None) but ignore_existing is "
                                "not True");
    assert_int_equal(tact_graph_pop_colocate_with(g), TACT_CODE_FAILED_PRECONDITION);
    st = (tact_status_t) TACT_STATUS_INIT;
    {
        TACT_COLOCATE_WITH(g, p.op, false, &st);
        TACT_COLOCATE_WITH(g, NULL, true, &st);
        tact_output_t free_op = tact_negative(g, q0, "free", &st);
        assert_string_equal(groups_of(free_op.op), "");
        assert_string_equal(tact_op_device(free_op.op), "");
    }
    assert_int_equal(st.code, TACT_CODE_OK);
    assert_int_equal(tact_graph_pop_colocate_with(g), TACT_CODE_FAILED_PRECONDITION);
    assert_int_equal(tact_graph_pop_device(g), TACT_CODE_FAILED_PRECONDITION);  /* balanced */
    tact_graph_destroy(&g);
}

/* ------------------------------------------------------------------------------------------ */
/* Macros and threads                                                                         */
/* ------------------------------------------------------------------------------------------ */

typedef struct other_thread {
    tact_graph_t *g;
    char name[64];
} other_thread_t;

static void *other_thread_main(void *arg)
{
    other_thread_t *o = arg;
    tact_status_t st = TACT_STATUS_INIT;
    snprintf(o->name, sizeof o->name, "%s", name_of(k(o->g, NULL, &st)));
    return NULL;
}

static void test_macros_and_threads(void **state)
{
    (void) state;
    tact_status_t st = TACT_STATUS_INIT;
    tact_graph_t *g = tact_graph_new();
    tact_op_t *a = tact_no_op(g, "a", &st);
    tact_output_t inside;
    other_thread_t other = { .g = g };
    {
        TACT_NAME_SCOPE(g, "outer", &st);
        TACT_CONTROL_DEPENDENCIES(g, (&a), 1, &st);
        inside = k(g, NULL, &st);
        /* Another thread building the same graph meanwhile sees none of these scopes. */
        pthread_t t;
        assert_int_equal(pthread_create(&t, NULL, other_thread_main, &other), 0);
        assert_int_equal(pthread_join(t, NULL), 0);
    }
    tact_output_t outside = k(g, NULL, &st);
    assert_int_equal(st.code, TACT_CODE_OK);
    assert_string_equal(name_of(inside), "outer/Const");
    assert_string_equal(controls_of(inside.op), "a");
    assert_string_equal(other.name, "Const");
    assert_string_equal(name_of(outside), "Const_1");
    assert_string_equal(controls_of(outside.op), "");

    /* A failed push opens nothing, so the macro pops nothing. NULL is the default graph. */
    {
        tact_status_t bad = TACT_STATUS_INIT;
        TACT_NAME_SCOPE(g, "not valid", &bad);
        assert_int_equal(bad.code, TACT_CODE_INVALID_ARGUMENT);
        assert_string_equal(name_of(k(g, "n", &st)), "n");
    }
    tact_graph_push_default(g);
    {
        TACT_NAME_SCOPE(NULL, "d", NULL);
        assert_string_equal(name_of(k(NULL, NULL, &st)), "d/Const");
    }
    assert_int_equal(tact_graph_pop_default(g), TACT_CODE_OK);
    assert_int_equal(tact_graph_pop_name_scope(g), TACT_CODE_FAILED_PRECONDITION);
    tact_graph_destroy(&g);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_name_scopes_follow_tensorflow),
        cmocka_unit_test(test_name_scope_errors),
        cmocka_unit_test(test_variables_queues_and_variable_scopes),
        cmocka_unit_test(test_control_dependencies_follow_tensorflow),
        cmocka_unit_test(test_control_dependencies_run_first),
        cmocka_unit_test(test_colocate_with_follows_tensorflow),
        cmocka_unit_test(test_macros_and_threads),
    };
    return cmocka_run_group_tests_name("graph_scopes", tests, NULL, NULL);
}
