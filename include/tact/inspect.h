/* SPDX-License-Identifier: MIT */
/* Seeing inside: a picture of a graph and where a session placed it (Graphviz DOT).
 *
 *     tact_graph_write_dot(g, s, "mlp.dot", &st);     then: dot -Tsvg mlp.dot -o mlp.svg
 */
#ifndef TACT_INSPECT_H
#define TACT_INSPECT_H

#include <tact/export.h>
#include <tact/graph.h>
#include <tact/session.h>
#include <tact/status.h>

TACT_BEGIN_DECLS

/* Write the graph `g` (NULL: the default graph) as a Graphviz DOT file at `path`: one box per
 * op with its name, type and output shapes; data edges labelled with the tensor they carry
 * ("MatMul:0"), control edges dashed. With a session `s` (NULL: requests only) each op is
 * coloured by the device the session placed it on (ops no run has placed yet stay white and
 * show their request), and an edge between two devices is drawn bold as the _Send/_Recv pair
 * the runtime inserts there. A file that cannot be written is the errno's code (NOT_FOUND,
 * PERMISSION_DENIED, ...) naming the path. */
TACT_API tact_code_t tact_graph_write_dot(tact_graph_t *g, tact_session_t *s, const char *path,
                                          tact_status_t *st);

TACT_END_DECLS

#endif
