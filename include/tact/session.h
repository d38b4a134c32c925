/* SPDX-License-Identifier: MIT */
/* Sessions: run pieces of a graph on the devices of this process. */
#ifndef TACT_SESSION_H
#define TACT_SESSION_H

#include <tact/config.h>
#include <tact/export.h>
#include <tact/graph.h>
#include <tact/status.h>
#include <tact/tensor.h>

TACT_BEGIN_DECLS

typedef struct tact_session tact_session_t;

/* Feed `value` into `tensor` for one run. Any output may be fed, not only placeholders. */
typedef struct tact_feed {
    tact_output_t tensor;
    const tact_tensor_t *value;
} tact_feed_t;

/* Start a session over `graph` (NULL: the calling thread's default graph, bound now). `target`
 * NULL or "" means this process; any other target is NOT_FOUND. `config` NULL means defaults.
 * The session keeps its own reference to `graph` and starts its device actors. Caller owns the
 * result. On failure returns NULL and fills `st`. Thread-safe. */
TACT_API tact_session_t *tact_session_new(const char *target, tact_graph_t *graph,
                                          const tact_config_t *config, tact_status_t *st);

/* Evaluate fetches[0..n_fetches), feeding feeds[i].value into feeds[i].tensor, and run
 * targets[0..n_targets) for their effects. Feeds stay owned by the caller. On success
 * results[i] is a new tensor owned by the caller; on failure every results[i] is NULL and `st`
 * holds TensorFlow's code with a message naming the op or tensor. The plan for each distinct
 * (feeds, fetches, targets) set is built once and cached; order does not matter. Safe to call
 * from many threads at once.
 *
 *     tact_tensor_t *c_val = NULL;
 *     if (tact_session_run(s, &c, 1, &c_val, NULL, 0, NULL, 0, &st) == TACT_CODE_OK) ...
 */
TACT_API tact_code_t tact_session_run(tact_session_t *s, const tact_output_t *fetches,
                                      int n_fetches, tact_tensor_t **results,
                                      const tact_feed_t *feeds, int n_feeds,
                                      tact_op_t *const *targets, int n_targets,
                                      tact_status_t *st);

/* Mark the session closed, wait for runs in flight, stop its actors and free its resources.
 * Later runs fail with CANCELLED "Session has been closed."; so does a second close, which
 * changes nothing. Thread-safe. */
TACT_API tact_code_t tact_session_close(tact_session_t *s, tact_status_t *st);

/* Close if still open, then free. Accepts NULL and *s_p == NULL; sets *s_p to NULL. */
TACT_API void tact_session_destroy(tact_session_t **s_p);

/* The session's graph. Borrowed; valid until the session is destroyed. */
TACT_API tact_graph_t *tact_session_graph(const tact_session_t *s);

TACT_END_DECLS

#endif
