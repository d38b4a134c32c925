/* SPDX-License-Identifier: MIT */
/** @file
 * Queues: TensorFlow's tf.FIFOQueue. A queue is an op in the graph; its contents live in each
 * session (two sessions over one graph have two queues). Enqueue blocks while the queue is
 * full, dequeue while it is empty; a blocked run still ends on its timeout, its cancellation
 * handle or the session's close (CANCELLED). After tact_queue_close, enqueues fail with
 * CANCELLED "FIFOQueue '<name>' is closed." and dequeues drain what is left, then fail with
 * OUT_OF_RANGE. Closing a closed queue again is CANCELLED "Queue '<name>' is already closed."
 * unless the close cancels pending enqueues (TensorFlow's codes and messages).
 *
 *     tact_op_t *q = tact_fifo_queue(g, 10, (tact_dtype_t[]){TACT_DTYPE_F32}, 1, NULL, NULL,
 *                                    NULL, &st);
 *     tact_op_t *enq = tact_queue_enqueue(g, q, &x, 1, NULL, &st);
 *     tact_output_t y;
 *     tact_queue_dequeue(g, q, &y, NULL, &st);
 */
#ifndef TACT_QUEUE_H
#define TACT_QUEUE_H

#include <stdbool.h>
#include <stdint.h>

#include <tact/export.h>
#include <tact/graph.h>
#include <tact/status.h>
#include <tact/tensor.h>

TACT_BEGIN_DECLS

/** The most components an element may have. */
#define TACT_QUEUE_MAX_COMPONENTS 8

/** tf.FIFOQueue(capacity, dtypes, shapes): elements of n_components tensors of dtypes[i].
 * `shapes` NULL: any shapes; else shapes[i] points to ranks[i] dimensions (-1: unknown) and
 * every element must match. capacity <= 0: unbounded. Default name "fifo_queue". Returns the
 * queue op (use it as the `queue` argument below) or NULL on failure. */
TACT_API tact_op_t *tact_fifo_queue(tact_graph_t *g, int capacity, const tact_dtype_t *dtypes,
                                    int n_components, const int64_t *const *shapes,
                                    const int *ranks, const char *name, tact_status_t *st);

/** @{ */
/** queue.enqueue(components) and queue.enqueue_many(components) (the latter splits each
 * component along dimension 0). Default names "<queue>_enqueue", "<queue>_EnqueueMany", where
 * <queue> is the last component of the queue's name ("ns/q" gives "q_enqueue"), under the name
 * scopes open when the op is built, as in TensorFlow; likewise for the ops below. */
TACT_API tact_op_t *tact_queue_enqueue(tact_graph_t *g, tact_op_t *queue,
                                       const tact_output_t *components, int n_components,
                                       const char *name, tact_status_t *st);
TACT_API tact_op_t *tact_queue_enqueue_many(tact_graph_t *g, tact_op_t *queue,
                                            const tact_output_t *components, int n_components,
                                            const char *name, tact_status_t *st);
/** @} */

/** @{ */
/** queue.dequeue(): fills outputs[0..n_components) with the element's tensors. queue
 * .dequeue_many(n): the same with n elements stacked along a new dimension 0. Default names
 * "<queue>_Dequeue", "<queue>_DequeueMany". Return the op, or NULL on failure. */
TACT_API tact_op_t *tact_queue_dequeue(tact_graph_t *g, tact_op_t *queue, tact_output_t *outputs,
                                       const char *name, tact_status_t *st);
TACT_API tact_op_t *tact_queue_dequeue_many(tact_graph_t *g, tact_op_t *queue, int64_t n,
                                            tact_output_t *outputs, const char *name,
                                            tact_status_t *st);
/** @} */

/** queue.size(): an int32 scalar. Default name "<queue>_Size". */
TACT_API tact_output_t tact_queue_size(tact_graph_t *g, tact_op_t *queue, const char *name,
                                       tact_status_t *st);

/** queue.close(cancel_pending_enqueues). Default name "<queue>_Close". */
TACT_API tact_op_t *tact_queue_close(tact_graph_t *g, tact_op_t *queue,
                                     bool cancel_pending_enqueues, const char *name,
                                     tact_status_t *st);

TACT_END_DECLS

#endif
