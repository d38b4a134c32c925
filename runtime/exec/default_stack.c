/* SPDX-License-Identifier: MIT */
/* Default graphs and default sessions: per-thread stacks (TensorFlow's `as_default`), plus one
 * process-wide global default graph, created on first use, under the graph stacks. tact
 * deliberately differs from TensorFlow, which gives every new thread a fresh default graph:
 * a server's worker threads here all see the same global graph (DESIGN.md, spec §7.1).
 * Default sessions stay strictly per thread, as in TensorFlow. */
#include "runtime/exec/session_impl.h"

#define DEFAULT_STACK_DEPTH 32

/* One stack entry. `removable` entries (interactive sessions and their graphs) may leave the
 * stack out of order; the others obey strict nesting. */
typedef struct default_entry {
    void *obj;
    bool removable;
} default_entry_t;

typedef struct default_stack {
    default_entry_t entries[DEFAULT_STACK_DEPTH];
    int depth;
} default_stack_t;

static _Thread_local default_stack_t graph_stack;
static _Thread_local default_stack_t session_stack;

static pthread_once_t global_once = PTHREAD_ONCE_INIT;
static tact_graph_t *global_graph;

/* A thread that exits with entries still pushed gives them back (a session's push count, a
 * graph's reference): else its sessions could never be destroyed. The key's value is set on a
 * thread's first push; its destructor runs at that thread's exit, while its thread-local
 * stacks are still in place. */
static pthread_once_t exit_key_once = PTHREAD_ONCE_INIT;
static pthread_key_t exit_key;
static _Thread_local bool exit_key_set;

static void default_stack_release(void *unused)
{
    TACT_UNUSED(unused);
    while (session_stack.depth > 0) {
        tact_session_t *s = session_stack.entries[--session_stack.depth].obj;
        session_stack.entries[session_stack.depth] = (default_entry_t) { 0 };
        atomic_fetch_sub(&s->default_pushes, 1);
    }
    while (graph_stack.depth > 0) {
        tact_graph_t *g = graph_stack.entries[--graph_stack.depth].obj;
        graph_stack.entries[graph_stack.depth] = (default_entry_t) { 0 };
        tact__graph_unref(g);
    }
}

static void default_stack_make_exit_key(void)
{
    TACT_ASSERT(pthread_key_create(&exit_key, default_stack_release) == 0);
}

/* Arm the calling thread's exit release (once per thread). */
static void default_stack_arm_exit(void)
{
    if (TACT_LIKELY(exit_key_set))
        return;
    pthread_once(&exit_key_once, default_stack_make_exit_key);
    TACT_ASSERT(pthread_setspecific(exit_key, &exit_key_set) == 0);  /* any non-NULL value */
    exit_key_set = true;
}

static void default_stack_make_global(void)
{
    global_graph = tact_graph_new();  /* lives as long as the process */
}

static void default_stack_push(default_stack_t *stack, void *obj, bool removable)
{
    TACT_ASSERT(stack->depth < DEFAULT_STACK_DEPTH);
    default_stack_arm_exit();
    stack->entries[stack->depth++] = (default_entry_t) { obj, removable };
}

/* Strict pop: only the top may leave, where removable entries (interactive sessions, which
 * leave whenever they close) do not count as being on top. */
static bool default_stack_pop(default_stack_t *stack, const void *obj)
{
    int i = stack->depth - 1;
    while (i >= 0 && stack->entries[i].removable && stack->entries[i].obj != obj)
        i--;
    if (i < 0 || stack->entries[i].obj != obj || stack->entries[i].removable)
        return false;
    memmove(&stack->entries[i], &stack->entries[i + 1],
            (size_t) (stack->depth - i - 1) * sizeof stack->entries[0]);
    stack->entries[--stack->depth] = (default_entry_t) { 0 };
    return true;
}

/* Remove the topmost entry of `obj`, wherever it is. */
static bool default_stack_remove(default_stack_t *stack, const void *obj)
{
    for (int i = stack->depth - 1; i >= 0; i--) {
        if (stack->entries[i].obj == obj) {
            memmove(&stack->entries[i], &stack->entries[i + 1],
                    (size_t) (stack->depth - i - 1) * sizeof stack->entries[0]);
            stack->entries[--stack->depth] = (default_entry_t) { 0 };
            return true;
        }
    }
    return false;
}

/* ------------------------------------------------------------------------------------------ */
/* Graphs                                                                                     */
/* ------------------------------------------------------------------------------------------ */

tact_graph_t *tact_graph_get_default(void)
{
    if (graph_stack.depth > 0)
        return graph_stack.entries[graph_stack.depth - 1].obj;
    pthread_once(&global_once, default_stack_make_global);
    return global_graph;
}

tact_code_t tact_graph_reset_default(void)
{
    if (graph_stack.depth > 0)
        return TACT_CODE_FAILED_PRECONDITION;
    pthread_once(&global_once, default_stack_make_global);
    tact_graph_t *old = global_graph;
    global_graph = tact_graph_new();
    tact__graph_unref(old);  /* freed unless a session still holds it */
    return TACT_CODE_OK;
}

tact_graph_t *tact__graph_or_default(tact_graph_t *g)
{
    if (g == NULL)
        return tact_graph_get_default();
    TACT_ASSERT(g->tag == TACT_TAG_GRAPH);
    return g;
}

void tact_graph_push_default(tact_graph_t *g)
{
    TACT_ASSERT(g != NULL && g->tag == TACT_TAG_GRAPH);
    tact__graph_ref(g);
    default_stack_push(&graph_stack, g, false);
}

void tact__graph_push_default_removable(tact_graph_t *g)
{
    TACT_ASSERT(g != NULL && g->tag == TACT_TAG_GRAPH);
    tact__graph_ref(g);
    default_stack_push(&graph_stack, g, true);
}

tact_code_t tact_graph_pop_default(tact_graph_t *g)
{
    if (!default_stack_pop(&graph_stack, g))
        return TACT_CODE_FAILED_PRECONDITION;  /* nesting violated */
    tact__graph_unref(g);
    return TACT_CODE_OK;
}

bool tact__graph_remove_default(tact_graph_t *g)
{
    if (!default_stack_remove(&graph_stack, g))
        return false;
    tact__graph_unref(g);
    return true;
}

/* ------------------------------------------------------------------------------------------ */
/* Sessions                                                                                   */
/* ------------------------------------------------------------------------------------------ */

void tact_session_push_default(tact_session_t *s)
{
    TACT_ASSERT(s != NULL && s->tag == TACT_TAG_SESSION);
    default_stack_push(&session_stack, s, false);
    atomic_fetch_add(&s->default_pushes, 1);
}

void tact__session_push_default_removable(tact_session_t *s)
{
    default_stack_push(&session_stack, s, true);
    atomic_fetch_add(&s->default_pushes, 1);
}

tact_code_t tact_session_pop_default(tact_session_t *s)
{
    if (!default_stack_pop(&session_stack, s))
        return TACT_CODE_FAILED_PRECONDITION;  /* nesting violated */
    atomic_fetch_sub(&s->default_pushes, 1);
    return TACT_CODE_OK;
}

bool tact__session_remove_default(tact_session_t *s)
{
    if (!default_stack_remove(&session_stack, s))
        return false;
    atomic_fetch_sub(&s->default_pushes, 1);
    return true;
}

tact_session_t *tact_session_get_default(void)
{
    return session_stack.depth > 0 ? session_stack.entries[session_stack.depth - 1].obj : NULL;
}

/* ------------------------------------------------------------------------------------------ */
/* eval and run                                                                               */
/* ------------------------------------------------------------------------------------------ */

/* The session to use for `g`: the explicit one, else the default; NULL with `st` filled in
 * TensorFlow's words (`what` is "evaluate tensor" or "execute operation"). */
static tact_session_t *default_session_for(tact_graph_t *g, tact_session_t *session,
                                           const char *what, const char *call,
                                           tact_status_t *st)
{
    tact_session_t *s = session ? session : tact_session_get_default();
    if (s == NULL) {
        tact__fail(st, TACT_CODE_INVALID_ARGUMENT,
                   "Cannot %s using `%s()`: No default session is registered. Use "
                   "tact_session_push_default(sess) or pass an explicit session", what, call);
        return NULL;
    }
    TACT_ASSERT(s->tag == TACT_TAG_SESSION);
    if (s->graph != g) {
        const char *kind = strcmp(what, "evaluate tensor") == 0 ? "tensor" : "operation";
        tact__fail(st, TACT_CODE_INVALID_ARGUMENT,
                   "Cannot use the %s session to %s: the %s's graph is different from the "
                   "session's graph.%s", session ? "given" : "default", what, kind,
                   session ? "" : " Pass an explicit session.");
        return NULL;
    }
    return s;
}

tact_tensor_t *tact_eval(tact_output_t t, const tact_feed_t *feeds, int n_feeds,
                         tact_session_t *session, tact_status_t *st)
{
    return tact_eval_ex(t, NULL, feeds, n_feeds, session, st);
}

tact_tensor_t *tact_eval_ex(tact_output_t t, const tact_run_options_t *options,
                            const tact_feed_t *feeds, int n_feeds, tact_session_t *session,
                            tact_status_t *st)
{
    if (tact__failed(st))
        return NULL;
    if (t.op == NULL) {
        tact__fail(st, TACT_CODE_INVALID_ARGUMENT, "eval: the tensor is empty (a builder failed)");
        return NULL;
    }
    TACT_ASSERT(t.op->tag == TACT_TAG_OP);
    tact_session_t *s = default_session_for(t.op->graph, session, "evaluate tensor", "eval", st);
    if (s == NULL)
        return NULL;
    tact_tensor_t *r = NULL;
    tact_session_run_ex(s, options, &t, 1, &r, feeds, n_feeds, NULL, 0, st);
    return r;
}

tact_code_t tact_op_run(tact_op_t *op, const tact_feed_t *feeds, int n_feeds,
                        tact_session_t *session, tact_status_t *st)
{
    return tact_op_run_ex(op, NULL, feeds, n_feeds, session, st);
}

tact_code_t tact_op_run_ex(tact_op_t *op, const tact_run_options_t *options,
                           const tact_feed_t *feeds, int n_feeds, tact_session_t *session,
                           tact_status_t *st)
{
    if (tact__failed(st))
        return st->code;
    tact_status_t err = TACT_STATUS_INIT;
    if (op == NULL) {
        tact__fail(&err, TACT_CODE_INVALID_ARGUMENT, "run: the op is NULL (a builder failed)");
    } else {
        TACT_ASSERT(op->tag == TACT_TAG_OP);
        tact_session_t *s = default_session_for(op->graph, session, "execute operation", "run",
                                                &err);
        if (s != NULL)
            tact_session_run_ex(s, options, NULL, 0, NULL, feeds, n_feeds, &op, 1, &err);
    }
    return tact__status_merge(st, &err);
}
