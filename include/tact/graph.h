/* SPDX-License-Identifier: MIT */
/** @file
 * Graphs of ops, their outputs, names and the default graph. Builders are in <tact/ops.h>. */
#ifndef TACT_GRAPH_H
#define TACT_GRAPH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <tact/export.h>
#include <tact/status.h>
#include <tact/tensor.h>

TACT_BEGIN_DECLS

typedef struct tact_graph tact_graph_t;
typedef struct tact_op tact_op_t;

/** Output `index` of `op`: what TensorFlow calls a Tensor ("Add:0"). A plain value; op NULL
 * means "empty", the result of a builder that failed. */
typedef struct tact_output {
    tact_op_t *op;
    int index;
} tact_output_t;

/** ------------------------------------------------------------------------------------------ */
/** Graphs                                                                                     */
/** ------------------------------------------------------------------------------------------ */

/** A new, empty graph. Caller owns the result. Aborts only when host memory runs out. */
TACT_API tact_graph_t *tact_graph_new(void);

/** Drop the caller's reference. Sessions keep their own, so the graph lives on while a session
 * uses it. Accepts NULL and *g_p == NULL; sets *g_p to NULL.
 * REQUIRES: g is not on any thread's default-graph stack. */
TACT_API void tact_graph_destroy(tact_graph_t **g_p);

/** The first error any builder hit on this graph (sticky), or OK. Borrowed; valid until the
 * graph is destroyed. Thread-safe. */
TACT_API const tact_status_t *tact_graph_status(tact_graph_t *g);

/** Number of ops in the graph. Thread-safe. */
TACT_API int tact_graph_num_ops(tact_graph_t *g);

/** The op called `name`, or NULL. Borrowed; valid while the graph lives. Thread-safe. */
TACT_API tact_op_t *tact_graph_op(tact_graph_t *g, const char *name);

/** The output named "op:index" (or "op", meaning index 0). On failure returns an empty output
 * and fills `st`: NOT_FOUND for an unknown op, INVALID_ARGUMENT for a malformed name or an
 * index out of range. Thread-safe. */
TACT_API tact_output_t tact_graph_output(tact_graph_t *g, const char *name, tact_status_t *st);

/** ------------------------------------------------------------------------------------------ */
/** Ops and outputs                                                                            */
/** ------------------------------------------------------------------------------------------ */

/** The op's unique name in its graph ("Add_1"). Borrowed; valid while the graph lives. */
TACT_API const char *tact_op_name(const tact_op_t *op);
/** @{ */
/** The op's type ("Add", "MatMul"). Static string. */
TACT_API const char *tact_op_type(const tact_op_t *op);
TACT_API tact_graph_t *tact_op_graph(const tact_op_t *op);
TACT_API int tact_op_num_outputs(const tact_op_t *op);
TACT_API int tact_op_num_inputs(const tact_op_t *op);
/** @} */
/** Data input i. REQUIRES: 0 <= i < tact_op_num_inputs(op). */
TACT_API tact_output_t tact_op_input(const tact_op_t *op, int i);

/** @{ */
/** The output's dtype, and its static shape as known when the op was built: ndims -1 means
 * unknown rank and a dimension of -1 an unknown size. REQUIRES: out is not empty. */
TACT_API tact_dtype_t tact_output_dtype(tact_output_t out);
TACT_API int tact_output_ndims(tact_output_t out);
TACT_API int64_t tact_output_dim(tact_output_t out, int i);
/** @} */

/** True when out.op is NULL (a builder failed). */
static inline bool tact_output_is_empty(tact_output_t out)
{
    return out.op == NULL;
}

/** Print the output as TensorFlow prints a Tensor: `Tensor("Add:0", shape=(2,), dtype=float32)`,
 * `shape=()` for scalars, `?` for unknown sizes, no shape for an unknown rank
 * (`Tensor("P:0", dtype=int32)`) and, when the op has a device, `, device=/device:CPU:0` last,
 * as tact_op_device gives it. Returns the full
 * length, like snprintf. An empty output prints `Tensor(<empty>)`. */
TACT_API size_t tact_output_format(tact_output_t out, char *buf, size_t len);

/** ------------------------------------------------------------------------------------------ */
/** The default graph                                                                          */
/** ------------------------------------------------------------------------------------------ */

/** Builders given g == NULL, and sessions made with graph == NULL, use the calling thread's
 * default graph: the top of its push/pop stack, else one process-wide global graph that is
 * created on first use. Unlike TensorFlow, a new thread sees that same global graph. */

/** Make `g` the calling thread's default graph until the matching pop. Takes a reference. */
TACT_API void tact_graph_push_default(tact_graph_t *g);
/** Undo the innermost push. FAILED_PRECONDITION when `g` is not the top of the stack. */
TACT_API tact_code_t tact_graph_pop_default(tact_graph_t *g);
/** The calling thread's default graph. Borrowed; never NULL. */
TACT_API tact_graph_t *tact_graph_get_default(void);

/** TensorFlow's reset_default_graph: replace the process-wide global default graph with a new,
 * empty one. Sessions over the old graph keep it alive. FAILED_PRECONDITION (nothing changes)
 * when the calling thread has graphs pushed: do not use it to leave nested scopes.
 * REQUIRES: no other thread is using the global default graph meanwhile. */
TACT_API tact_code_t tact_graph_reset_default(void);

/** ------------------------------------------------------------------------------------------ */
/** Device scopes                                                                              */
/** ------------------------------------------------------------------------------------------ */

/** TensorFlow's `with tf.device(spec):`. Every op the calling thread adds to `g` between a push
 * and its pop records the merged spec of the thread's open scopes as its requested device
 * (tact_op_device); placement honours it when a session first runs the op. Only creation time
 * counts: later scopes never move existing ops.
 *
 * Specs are TensorFlow device strings, every part optional, "*" for any part, type names in
 * any case: "/job:localhost/replica:0/task:0/device:GPU:1", "/device:CPU:0", "/gpu:1",
 * "/CPU:0", "/gpu" (any GPU). Nested scopes merge field by field: a field an inner scope sets
 * is kept, an outer scope fills the fields still unset ("/job:worker" then "/gpu:0" gives
 * "/job:worker/device:GPU:0"; "/gpu:0" then "/cpu:0" gives "/device:CPU:0").
 *
 *     tact_graph_push_device(g, "/gpu:0", &st);
 *     tact_output_t y = tact_matmul(g, a, b, false, false, NULL, &st);  // "/device:GPU:0"
 *     tact_graph_pop_device(g);
 *
 * Scopes belong to one (graph, thread) pair, as TensorFlow keeps them in the graph's
 * thread-local state: threads building one graph at once each see only their own scopes, and
 * a new thread starts with none. Scopes a thread leaves pushed when it ends stay inert until
 * the graph is destroyed. */

/** Open a device scope on `g` (NULL: the calling thread's default graph, resolved now; pass the
 * same graph to the pop). `spec` NULL is TensorFlow's device(None): ops created directly under
 * it get no device, whatever the enclosing scopes say, while scopes pushed inside it merge as
 * usual. `spec` "" constrains nothing: the enclosing scopes apply unchanged (TensorFlow's
 * device("")). A malformed spec returns INVALID_ARGUMENT naming the whole string ("Malformed
 * device specification '/cpu:x'", "Unknown attribute: 'foo' in '/foo:0'", "Cannot specify
 * multiple device types: /cpu:0/gpu:0"), pushes nothing, and is also kept as the graph's first
 * error (tact_graph_status), as a builder's error is. Thread-safe. */
TACT_API tact_code_t tact_graph_push_device(tact_graph_t *g, const char *spec, tact_status_t *st);

/** Close the calling thread's innermost device scope on `g` (NULL: the default graph).
 * FAILED_PRECONDITION when the thread has no scope open on `g`. Thread-safe. */
TACT_API tact_code_t tact_graph_pop_device(tact_graph_t *g);

/** The device `op` was created under, in the canonical form Python stores as op.device
 * ("/gpu:1" is "/device:GPU:1", "/gpu" is "/device:GPU:*"), or "" when unconstrained. This
 * is the request, not the placement. Borrowed; valid while the graph lives. */
TACT_API const char *tact_op_device(const tact_op_t *op);

/** ------------------------------------------------------------------------------------------ */
/** Name scopes, control dependencies, colocation                                              */
/** ------------------------------------------------------------------------------------------ */

/** These are `with` blocks as device scopes are: each push opens a scope of the calling thread
 * on `g` (NULL: the default graph, resolved now; pass the same graph to the pop) until the
 * matching pop; only ops created meanwhile are affected; threads see only their own scopes.
 * A push that fails (INVALID_ARGUMENT, also kept as the graph's first error) opens nothing;
 * a pop with nothing open returns FAILED_PRECONDITION. Thread-safe. */

/** @{ */
/** `with tf.name_scope(name):` every op created inside is named "<scope>/<its name>", where
 * <scope> is the enclosing scope's joined with `name` and made unique among op and scope names
 * as TensorFlow does ("scope", then "scope_1"; an op already called "scope" also counts).
 * A name ending in '/' re-enters that scope exactly ("scope/" after "scope_1" was opened puts
 * ops under "scope/"), and NULL or "" goes back to the root. Names must match TensorFlow's
 * pattern ([A-Za-z0-9.][A-Za-z0-9_.\-/>]* at the root, any of [A-Za-z0-9_.\-/>] below):
 * else INVALID_ARGUMENT "'bad name' is not a valid scope name". An op name given to a builder
 * that ends in '/' is taken as it is, outside the scopes (TensorFlow's absolute names).
 * tact_variable_scope_push opens a name scope too, as TensorFlow's variable_scope does, while
 * tact_get_variable names its ops from the variable scopes alone. */
TACT_API tact_code_t tact_graph_push_name_scope(tact_graph_t *g, const char *name,
                                                tact_status_t *st);
TACT_API tact_code_t tact_graph_pop_name_scope(tact_graph_t *g);
/** @} */

/** @{ */
/** `with g.control_dependencies(ops[0..n)):` every op created inside runs after those ops
 * (control inputs), with TensorFlow's exceptions: an op whose data input was itself created
 * inside the block gets none from it (it depends on them already), and an op is never a
 * control input of an op that takes its output. Nested blocks accumulate; n 0 is
 * control_dependencies(None), which clears them until its pop. INVALID_ARGUMENT when an op
 * is from another graph. REQUIRES: ops non-NULL when n > 0. */
TACT_API tact_code_t tact_graph_push_control_dependencies(tact_graph_t *g, tact_op_t *const *ops,
                                                          int n, tact_status_t *st);
TACT_API tact_code_t tact_graph_pop_control_dependencies(tact_graph_t *g);
/** @} */

/** @{ */
/** `with g.colocate_with(op, ignore_existing):` every op created inside joins op's colocation
 * group (the groups op itself was built with, else op's own), and the groups of enclosing
 * colocate_with blocks unless `ignore_existing`; a session places every member of a group on
 * one device (the group's requested device, else the first one that has kernels for all).
 * An op created inside takes the device of the innermost colocation op that has one, and the
 * enclosing device scopes do not apply inside (device scopes pushed inside do), as in
 * TensorFlow. op NULL with ignore_existing clears colocation; op NULL without it is
 * INVALID_ARGUMENT "Trying to reset colocation (op is None) but ignore_existing is not True".
 * REQUIRES: pops nest with the device scopes pushed inside. */
TACT_API tact_code_t tact_graph_push_colocate_with(tact_graph_t *g, tact_op_t *op,
                                                   bool ignore_existing, tact_status_t *st);
TACT_API tact_code_t tact_graph_pop_colocate_with(tact_graph_t *g);
/** @} */

TACT_END_DECLS

#endif
