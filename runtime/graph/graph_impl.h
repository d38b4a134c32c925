/* SPDX-License-Identifier: MIT */
/* Graph and op structs. Ops are immutable once built and never removed, so a session may read
 * them without the graph's lock while other threads keep adding ops. */
#ifndef TACT_RUNTIME_GRAPH_IMPL_H
#define TACT_RUNTIME_GRAPH_IMPL_H

#include "runtime/ops/opdefs.h"
#include "runtime/base/strmap.h"

struct tact_op {
    uint32_t tag;                 /* TACT_TAG_OP */
    int id;                       /* creation index; inputs always have smaller ids */
    tact_op_kind_t kind;
    char *name;
    tact_graph_t *graph;
    int n_inputs;
    tact_output_t *inputs;        /* data inputs */
    int n_controls;
    tact_op_t **controls;         /* control inputs: run before this op */
    int n_outputs;
    tact_dtype_t *out_dtype;      /* n_outputs entries (at least one allocated): RestoreV2 */
    tact_shape_t *out_shape;      /* has one output per tensor it restores */
    tact_op_attrs_t attrs;
    char *device;                 /* requested device, canonical; NULL: unconstrained */
    int n_colocate;
    tact_op_t **colocate;         /* colocation groups from colocate_with scopes, each named
                                   * by its first op (TensorFlow's "loc:@op"); placement keeps
                                   * the op with every other member of each */
};

struct tact_graph {
    uint32_t tag;                 /* TACT_TAG_GRAPH */
    atomic_int refs;              /* the user's handle, sessions, default stacks */
    pthread_mutex_t lock;         /* guards everything below */
    tact_op_t **ops;
    int n_ops;
    atomic_int n_ops_published;   /* n_ops, readable without the lock: sessions compare it on
                                   * every run to see whether the graph has grown */
    int cap_ops;
    tact_strmap_t by_name;        /* exact name -> op */
    tact_strmap_t names_in_use;   /* lower-case name -> next suffix (TensorFlow's uniquing) */
    tact_status_t status;         /* first builder error, sticky */
    tact_op_t **variables;        /* TensorFlow's GLOBAL_VARIABLES collection, in order */
    int n_variables;
    int cap_variables;
    struct tact_graph_scopes *scopes;  /* per-thread device, name, control-dependency,
                                        * colocation and variable scopes (graph_scopes.c) */
    struct tact_var_scopes *var_scopes;  /* get_variable's store (initializers.c); NULL until
                                          * first used */
    bool has_random_seed;         /* tf.set_random_seed was given a seed: */
    int64_t random_seed;          /* the graph-level seed */
};

/* Take and drop references (sessions, default stacks). The last drop frees the graph. */
void tact__graph_ref(tact_graph_t *g);
void tact__graph_unref(tact_graph_t *g);

/* The graph `g` or, when NULL, the calling thread's default graph. */
tact_graph_t *tact__graph_or_default(tact_graph_t *g);

/* Add an op (the builders' common tail): checks the sticky status and the inputs (non-empty,
 * same graph), picks a unique name, infers outputs, appends. `attrs` is copied (a CONST
 * value is taken on success only). Returns the op or NULL with `st` and the graph status set. */
tact_op_t *tact__graph_add_op(tact_graph_t *g, tact_op_kind_t kind, const char *name,
                              const tact_output_t *inputs, int n_inputs,
                              tact_op_t *const *controls, int n_controls,
                              const tact_op_attrs_t *attrs, tact_status_t *st);

/* True when `name` matches TensorFlow's op-name rule, [A-Za-z0-9.][A-Za-z0-9_.\-/>]*. */
bool tact__graph_valid_name(const char *name);

/* TensorFlow's Graph.unique_name: `name` if no op or scope used it yet (compared without
 * regard to case), else "name_1", "name_2"...; marks the result used. Caller frees.
 * REQUIRES: g->lock held. */
char *tact__graph_unique_name(tact_graph_t *g, const char *name);

/* Keep `err` as the graph's first error (if it has none yet) and in `st`, for builders that
 * fail before tact__graph_add_op. */
void tact__graph_record_error(tact_graph_t *g, const tact_status_t *err, tact_status_t *st);

/* Append `var` to the graph's variables collection. */
void tact__graph_add_variable(tact_graph_t *g, tact_op_t *var);

/* Free what tact_get_variable and the variable scopes keep on a graph (graph_free; defined in
 * initializers.c). Accepts NULL. */
void tact__var_scopes_free(struct tact_var_scopes *vs);

/* "Add:0" into buf. Returns buf. */
char *tact__output_name(tact_output_t out, char *buf, size_t len);

#endif
