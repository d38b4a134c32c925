/* SPDX-License-Identifier: MIT */
/** @file
 * Optional scope-bound cleanup for GCC and Clang: Python's `with` blocks in C. Sugar only:
 * everything here has a plain equivalent in the other headers. Each macro declares a guard
 * variable whose cleanup runs when the enclosing block is left by any path (fall-through,
 * return, break, goto). Put the macro in a plain { ... } block: that block is the `with` body. */
#ifndef TACT_SCOPE_H
#define TACT_SCOPE_H

#include <tact/tact.h>

#if !defined(__GNUC__)
#  error "tact/scope.h needs __attribute__((cleanup)); use the explicit calls"
#endif

#define TACT__CAT2(a, b) a##b
#define TACT__CAT(a, b)  TACT__CAT2(a, b)

/** A handle destroyed when its variable leaves scope: tact_auto(graph) g = tact_graph_new();
 * No wrappers needed: every tact_X_destroy takes tact_X_t ** and accepts NULL. */
#define tact_auto(kind) __attribute__((cleanup(tact_##kind##_destroy))) tact_##kind##_t *

/** Move a handle out of an auto variable; the cleanup then sees NULL. */
#define tact_take(p) \
    __extension__({ __typeof__(p) tact__taken = (p); (p) = NULL; tact__taken; })

static inline tact_session_t *tact__scope_push_session(tact_session_t *s)
{
    tact_session_push_default(s);
    return s;
}

static inline void tact__scope_pop_session(tact_session_t **s)
{
    tact_session_pop_default(*s);
}

static inline tact_graph_t *tact__scope_push_graph(tact_graph_t *g)
{
    tact_graph_push_default(g);
    return g;
}

static inline void tact__scope_pop_graph(tact_graph_t **g)
{
    tact_graph_pop_default(*g);
}

/** `with s.as_default():` from here to the end of the block. REQUIRES: s is not NULL. */
#define TACT_DEFAULT_SESSION_SCOPE(s)                                                   \
    tact_session_t *TACT__CAT(tact__session_scope_, __LINE__)                          \
        __attribute__((cleanup(tact__scope_pop_session), unused)) =                      \
            tact__scope_push_session(s)

/** `with g.as_default():` from here to the end of the block. REQUIRES: g is not NULL. */
#define TACT_DEFAULT_GRAPH_SCOPE(g)                                                     \
    tact_graph_t *TACT__CAT(tact__graph_scope_, __LINE__)                              \
        __attribute__((cleanup(tact__scope_pop_graph), unused)) = tact__scope_push_graph(g)

static inline tact_graph_t *tact__scope_push_device(tact_graph_t *g, const char *spec,
                                                    tact_status_t *st)
{
    if (g == NULL)
        g = tact_graph_get_default();
    return tact_graph_push_device(g, spec, st) == TACT_CODE_OK ? g : NULL;
}

static inline void tact__scope_pop_device(tact_graph_t **g)
{
    if (*g != NULL)  /* NULL: the push failed, so there is nothing to pop */
        tact_graph_pop_device(*g);
}

#define TACT__DEVICE_SCOPE_ARGS(spec, st, ...) (spec), (st)

/** `with tf.device(spec):` on `g` (NULL: the default graph as it is now) from here to the end
 * of the block; spec NULL is device(None), see tact_graph_push_device. Optionally a third
 * argument, a tact_status_t *: TACT_DEVICE_SCOPE(g, "/gpu:0", &st). A malformed spec pushes
 * nothing, so nothing is popped; its error goes to `st` when given and to
 * tact_graph_status(g). */
#define TACT_DEVICE_SCOPE(g, ...)                                                       \
    tact_graph_t *TACT__CAT(tact__device_scope_, __LINE__)                             \
        __attribute__((cleanup(tact__scope_pop_device), unused)) =                       \
            tact__scope_push_device((g), TACT__DEVICE_SCOPE_ARGS(__VA_ARGS__, NULL, 0))

/** The graph-scope macros below share TACT_DEVICE_SCOPE's shape: a guard holding the graph
 * (NULL when the push failed, so nothing is popped) whose cleanup pops. g NULL is the
 * default graph as it is at the push. */
#define TACT__GRAPH_GUARD(kind, push)                                                   \
    tact_graph_t *TACT__CAT(tact__##kind##_scope_, __LINE__)                           \
        __attribute__((cleanup(tact__scope_pop_##kind), unused)) = (push)

static inline tact_graph_t *tact__scope_push_name(tact_graph_t *g, const char *name,
                                                  tact_status_t *st)
{
    g = g != NULL ? g : tact_graph_get_default();
    return tact_graph_push_name_scope(g, name, st) == TACT_CODE_OK ? g : NULL;
}

static inline void tact__scope_pop_name(tact_graph_t **g)
{
    if (*g != NULL)
        tact_graph_pop_name_scope(*g);
}

static inline tact_graph_t *tact__scope_push_control(tact_graph_t *g, tact_op_t *const *ops,
                                                     int n, tact_status_t *st)
{
    g = g != NULL ? g : tact_graph_get_default();
    return tact_graph_push_control_dependencies(g, ops, n, st) == TACT_CODE_OK ? g : NULL;
}

static inline void tact__scope_pop_control(tact_graph_t **g)
{
    if (*g != NULL)
        tact_graph_pop_control_dependencies(*g);
}

static inline tact_graph_t *tact__scope_push_colocate(tact_graph_t *g, tact_op_t *op,
                                                      bool ignore_existing, tact_status_t *st)
{
    g = g != NULL ? g : tact_graph_get_default();
    return tact_graph_push_colocate_with(g, op, ignore_existing, st) == TACT_CODE_OK ? g : NULL;
}

static inline void tact__scope_pop_colocate(tact_graph_t **g)
{
    if (*g != NULL)
        tact_graph_pop_colocate_with(*g);
}

/** `with tf.name_scope(name):` on `g` to the end of the block; `st` may be NULL. See
 * tact_graph_push_name_scope. */
#define TACT_NAME_SCOPE(g, scope_name, st) \
    TACT__GRAPH_GUARD(name, tact__scope_push_name((g), (scope_name), (st)))

/** `with g.control_dependencies(ops[0..n)):` to the end of the block (n 0: None). A compound
 * literal needs parentheses: TACT_CONTROL_DEPENDENCIES(g, ((tact_op_t *[]){ a, b }), 2, &st). */
#define TACT_CONTROL_DEPENDENCIES(g, ops, n, st) \
    TACT__GRAPH_GUARD(control, tact__scope_push_control((g), (ops), (n), (st)))

/** `with g.colocate_with(op, ignore_existing):` to the end of the block. */
#define TACT_COLOCATE_WITH(g, op, ignore_existing, st) \
    TACT__GRAPH_GUARD(colocate, tact__scope_push_colocate((g), (op), (ignore_existing), (st)))

/** `with tf.Session(target, graph, config) as var:`. Declares `var`, a new session over
 * `graph` (NULL: the default graph); while the block runs, its graph is the default graph and
 * it is the default session; leaving the block pops both and closes and destroys it. When
 * creation fails `var` is NULL, `st` holds the error and nothing is pushed. */
#define TACT_SESSION_SCOPE(var, target, graph, config, st)                              \
    tact_session_t *var __attribute__((cleanup(tact__scope_end_session))) =              \
        tact__scope_begin_session(target, graph, config, st)

static inline tact_session_t *tact__scope_begin_session(const char *target, tact_graph_t *graph,
                                                        const tact_config_t *config,
                                                        tact_status_t *st)
{
    tact_session_t *s = tact_session_new(target, graph, config, st);
    if (s != NULL) {
        tact_graph_push_default(tact_session_graph(s));
        tact_session_push_default(s);
    }
    return s;
}

static inline void tact__scope_end_session(tact_session_t **s)
{
    if (*s == NULL)
        return;
    tact_session_pop_default(*s);
    tact_graph_pop_default(tact_session_graph(*s));
    tact_session_destroy(s);
}

#endif
