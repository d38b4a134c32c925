/* SPDX-License-Identifier: MIT */
/* The `with` blocks of graph building: per (graph, thread) stacks of device scopes, name
 * scopes, control dependencies, colocation and variable scopes, kept in the graph under its lock as TensorFlow
 * keeps them in the Graph's thread-local state. The container is generic (graph_scopes.c);
 * each kind of level belongs to the file that gives it meaning: device levels to
 * device_spec.c, variable scopes to initializers.c, the other three to graph_scopes.c. graph.c asks the hooks below when it adds
 * an op. */
#ifndef TACT_RUNTIME_GRAPH_SCOPES_H
#define TACT_RUNTIME_GRAPH_SCOPES_H

#include "runtime/base/prelude.h"

typedef enum {
    TACT_SCOPE_DEVICE,
    TACT_SCOPE_NAME,
    TACT_SCOPE_CONTROL,
    TACT_SCOPE_COLOCATE,
    TACT_SCOPE_VARIABLE,          /* tact_variable_scope_push's levels (initializers.c) */
    TACT_SCOPE_KINDS
} tact_scope_kind_t;

/* Every thread's stacks on one graph (graph_scopes.c). */
struct tact_graph_scopes;

/* The calling thread's innermost level of `kind` on `g`, or NULL when it has none. Levels
 * below the top are reached with tact__scope_level. REQUIRES: g->lock held. */
void *tact__scope_top(tact_graph_t *g, tact_scope_kind_t kind);

/* The calling thread's number of levels of `kind` on `g`, and level i (0 the outermost).
 * REQUIRES: g->lock held; 0 <= i < depth. */
int tact__scope_depth(tact_graph_t *g, tact_scope_kind_t kind);
void *tact__scope_level(tact_graph_t *g, tact_scope_kind_t kind, int i);

/* A new zeroed level of `size` bytes on top of the calling thread's `kind` stack. `fini`
 * frees what a level holds (not the level itself); every level of a kind passes the same.
 * REQUIRES: g->lock held. */
void *tact__scope_push(tact_graph_t *g, tact_scope_kind_t kind, size_t size,
                       void (*fini)(void *level));

/* Finish and drop the calling thread's top level of `kind`. FAILED_PRECONDITION when it has
 * none. REQUIRES: g->lock held. */
tact_code_t tact__scope_pop(tact_graph_t *g, tact_scope_kind_t kind);

/* Free every thread's levels (graph_free). Accepts NULL. */
void tact__graph_scopes_free(struct tact_graph_scopes *scopes);

/* Open a name scope equal to the calling thread's current one (a variable scope whose name was
 * refused still opens one, so that its pop has one to close). Takes g->lock. */
void tact__name_scope_push_same(tact_graph_t *g);

/* ------------------------------------------------------------------------------------------ */
/* Hooks for graph.c (REQUIRES: g->lock held)                                                 */
/* ------------------------------------------------------------------------------------------ */

/* The full name a new op called `name` gets under the calling thread's name scopes, before
 * uniquing: "scope/name", or `name` itself at the root. Caller frees. */
char *tact__name_scope_apply(tact_graph_t *g, const char *name);

/* The control inputs the calling thread's control-dependency scopes add to a new op with data
 * inputs `inputs` (TensorFlow's _control_dependencies_for_inputs: a scope whose block created
 * one of the inputs adds nothing, and no data input is also a control input), appended to
 * *controls (a tact__malloc'ed array of *n, *cap) without duplicates. */
void tact__control_scope_collect(tact_graph_t *g, const tact_output_t *inputs, int n_inputs,
                                 tact_op_t ***controls, int *n, int *cap);

/* Record `op` as created inside the calling thread's open control-dependency scopes. */
void tact__control_scope_seen(tact_graph_t *g, tact_op_t *op);

/* The colocation groups of a new op under the calling thread's colocate_with scopes (each
 * group named by its first op), as a new array of *n ops (NULL when none), and in *device
 * the device of the innermost colocation op that has one (borrowed; NULL when none). */
tact_op_t **tact__colocate_scope_groups(tact_graph_t *g, int *n, const char **device);

#endif
