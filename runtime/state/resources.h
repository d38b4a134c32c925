/* SPDX-License-Identifier: MIT */
/* A session's resources: the values of its variables (and later its queues and readers),
 * keyed by the op that declares them. Two sessions over one graph have two tables, so they
 * never see each other's values. Values are immutable tensors replaced whole on assignment
 * (copy on write): a step that read a value keeps a reference to it, whatever later assigns
 * do. Thread-safe. */
#ifndef TACT_RUNTIME_RESOURCES_H
#define TACT_RUNTIME_RESOURCES_H

#include "runtime/graph/graph_impl.h"
#include "runtime/state/queue.h"
#include "runtime/state/reader.h"

typedef struct tact_resources tact_resources_t;

tact_resources_t *tact__resources_new(void);
/* Release every value. Accepts NULL; sets *r_p to NULL. */
void tact__resources_destroy(tact_resources_t **r_p);

/* A new reference to the value of variable `op`, or NULL while it is uninitialised. */
tact_tensor_t *tact__resources_read(tact_resources_t *r, const tact_op_t *op);

/* Make `value` the value of `op`, taking the caller's reference. */
void tact__resources_write(tact_resources_t *r, const tact_op_t *op, tact_tensor_t *value);

/* The queue declared by `op` (a FIFOQueue op), created from its attributes on first use.
 * Borrowed; lives until the table is destroyed. */
tact_queue_t *tact__resources_queue(tact_resources_t *r, const tact_op_t *op);

/* The reader declared by `op`, created on first use. Borrowed; lives with the table. */
tact_reader_t *tact__resources_reader(tact_resources_t *r, const tact_op_t *op);

/* Wake everything that waits on a resource (queues), so waiters re-check why they should
 * stop: the session is closing. */
void tact__resources_wake(tact_resources_t *r);

/* Read-modify-write of one value (AssignAdd): begin returns the current value (borrowed, or
 * NULL when uninitialised) with the variable's update lock held; end stores `value` (taking
 * the reference; NULL keeps the old one) and releases it. Reads of any value, and updates of
 * variables under another lock, go on meanwhile. */
tact_tensor_t *tact__resources_begin_update(tact_resources_t *r, const tact_op_t *op);
void tact__resources_end_update(tact_resources_t *r, const tact_op_t *op, tact_tensor_t *value);

/* Updates take one of this many locks, by op id modulo: two variables whose ids differ modulo
 * it never wait for each other's updates. */
#define TACT_RESOURCES_UPDATE_LOCKS 16

/* An update (AssignAdd, AssignSub) must have the value's shape: INVALID_ARGUMENT "Parameters
 * and update must be the same size" otherwise, as TensorFlow's ref-variable updates say (a
 * fed update can have any shape; the node follows in the caller's message). */
tact_code_t tact__resources_check_update(const tact_tensor_t *value, const tact_tensor_t *update,
                                         tact_status_t *st);

/* A resource variable (VarHandleOp `var`, the one that owns the value) without a value in this
 * session, in ResourceMgr's words: "Container localhost does not exist. (Could not find
 * resource: localhost/v)" while no variable of its container has a value, else "Resource
 * localhost/v/N10tensorflow3VarE does not exist.". With `read`, ReadVariableOp's
 * FAILED_PRECONDITION "Could not find variable v. This could mean that ... status error
 * message=" before it; else NOT_FOUND (AssignAddVariableOp's). Returns the code. */
tact_code_t tact__resources_var_missing(tact_resources_t *r, const tact_op_t *var, bool read,
                                        tact_status_t *st);

/* Random ops (TensorFlow keeps this in each op's kernel, and kernels live as long as their
 * session): the position of `op`'s Philox stream in this session. Returns the position and
 * moves it on by `blocks`, atomically, so concurrent runs draw disjoint blocks. A new session
 * starts every op at 0. */
uint64_t tact__resources_random_reserve(tact_resources_t *r, const tact_op_t *op,
                                        uint64_t blocks);

/* Seeds for a random op built without any seed (TensorFlow's seed = seed2 = 0, which draws
 * fresh seeds when the kernel is made): fixed for this session and op, different across
 * sessions and ops. Neither is 0. */
void tact__resources_random_seeds(tact_resources_t *r, const tact_op_t *op, int64_t *seed,
                                  int64_t *seed2);

#endif
