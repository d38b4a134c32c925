/* SPDX-License-Identifier: MIT */
/** @file
 * Seeing inside: a picture of a graph and where a session placed it (Graphviz DOT), and a
 * run's timeline (Chrome trace events).
 *
 *     tact_graph_write_dot(g, s, "mlp.dot", &st);     then: dot -Tsvg mlp.dot -o mlp.svg
 *     tact_trace_write_chrome(&md, "trace.json", &st); then open it in chrome://tracing or
 *                                                      https://ui.perfetto.dev
 */
#ifndef TACT_INSPECT_H
#define TACT_INSPECT_H

#include <tact/export.h>
#include <tact/graph.h>
#include <tact/session.h>
#include <tact/status.h>

TACT_BEGIN_DECLS

/** Write the graph `g` (NULL: the default graph) as a Graphviz DOT file at `path`: one box per
 * op with its name, type and output shapes; data edges labelled with the tensor they carry
 * ("MatMul:0"), control edges dashed. With a session `s` (NULL: requests only) each op is
 * coloured by the device the session placed it on (ops no run has placed yet stay white and
 * show their request), and an edge between two devices is drawn bold as the _Send/_Recv pair
 * the runtime inserts there. A file that cannot be written is the errno's code (NOT_FOUND,
 * PERMISSION_DENIED, ...) naming the path. */
TACT_API tact_code_t tact_graph_write_dot(tact_graph_t *g, tact_session_t *s, const char *path,
                                          tact_status_t *st);

/** Write the step stats of a traced run (tact_run_options_t.trace_level FULL_TRACE with
 * `metadata`) at `path` as Chrome's trace event JSON, as TensorFlow's
 * timeline.Timeline(step_stats).generate_chrome_trace_format() does: one process row per
 * device (pid = its index in md->step_stats + 1, named by "process_name" metadata), one thread
 * row per thread that ran part of it (tid = the OS thread id, named by "thread_name"), an
 * "X" event per entry (name: the op type; args: "name" the node, "op" the type, "output<k>"
 * "float32[2,3] 24 bytes"), and a flow ("s" on the producer, "f" on the receiver, category
 * "DataFlow") for every copy or hand-off between devices. Times in microseconds on the
 * process's monotonic clock. INVALID_ARGUMENT when `md` holds no step stats; a file that cannot
 * be written is the errno's code naming the path. */
TACT_API tact_code_t tact_trace_write_chrome(const tact_run_metadata_t *md, const char *path,
                                             tact_status_t *st);

TACT_END_DECLS

#endif
