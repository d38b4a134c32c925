/* SPDX-License-Identifier: MIT */
/* TensorFlow's FIFOQueue: a bounded first-in first-out queue of elements, each a tuple of
 * tensors of fixed dtypes (and optionally fixed shapes). A queue is a session resource. Its
 * blocking operations wait on a condition variable and give up when the step must stop
 * (tact_stop_t), so a blocked dequeue never outlives its run's timeout, cancellation or the
 * session's close. Thread-safe. */
#ifndef TACT_RUNTIME_QUEUE_H
#define TACT_RUNTIME_QUEUE_H

#include "runtime/state/stop.h"
#include "runtime/base/tensor_impl.h"

typedef struct tact_queue tact_queue_t;

/* A queue named `name` (for messages) of up to `capacity` elements (<= 0: unbounded) of
 * n_components dtypes; shapes NULL means any shape. Caller owns the result. */
tact_queue_t *tact__queue_new(const char *name, int capacity, int n_components,
                              const tact_dtype_t *dtypes, const tact_shape_t *shapes);
/* Release every element. Accepts NULL; NULLs *q_p. REQUIRES: nobody waits on it. */
void tact__queue_destroy(tact_queue_t **q_p);

/* Append one element (copies of components[0..n)), waiting while the queue is full. ABORTED
 * when the queue is closed; INVALID_ARGUMENT for a component of the wrong dtype or shape.
 * Copies are charged to `limit` (the session's host memory limit, may be NULL):
 * RESOURCE_EXHAUSTED when refused, the queue unchanged. */
tact_code_t tact__queue_enqueue(tact_queue_t *q, const tact_tensor_t *const *components,
                                const tact_stop_t *stop, struct tact_host_limit *limit,
                                tact_status_t *st);
/* Append the slices along dimension 0 of each component (all the same length), in order.
 * RESOURCE_EXHAUSTED when a slice's copy is refused; the slices before it stay queued. */
tact_code_t tact__queue_enqueue_many(tact_queue_t *q, const tact_tensor_t *const *components,
                                     const tact_stop_t *stop, struct tact_host_limit *limit,
                                     tact_status_t *st);
/* Remove the oldest element into out[0..n) (new tensors), waiting while the queue is empty.
 * OUT_OF_RANGE when it is closed and empty. */
tact_code_t tact__queue_dequeue(tact_queue_t *q, tact_tensor_t **out, const tact_stop_t *stop,
                                tact_status_t *st);
/* Remove the n oldest elements, stacked along a new dimension 0 of each component. OUT_OF_RANGE
 * when closed with fewer than n left (they stay queued), RESOURCE_EXHAUSTED when the stacked
 * outputs are refused (charged to `limit`, may be NULL; the elements stay queued). */
tact_code_t tact__queue_dequeue_many(tact_queue_t *q, int64_t n, tact_tensor_t **out,
                                     const tact_stop_t *stop, struct tact_host_limit *limit,
                                     tact_status_t *st);
int64_t tact__queue_size(tact_queue_t *q);
/* Close: later enqueues fail (CANCELLED); dequeues drain what is left. cancel_pending_enqueues
 * also fails the enqueues waiting now. As in TensorFlow, a plain close of a closed queue is
 * CANCELLED "Queue '<name>' is already closed." and changes nothing; a cancelling close is
 * always OK. */
tact_code_t tact__queue_close(tact_queue_t *q, bool cancel_pending_enqueues, tact_status_t *st);
/* Wake every waiter so it re-checks its stop conditions (the session is closing). */
void tact__queue_wake(tact_queue_t *q);

#endif
