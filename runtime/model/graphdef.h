/* SPDX-License-Identifier: MIT */
/* GraphDef import and export on parsed messages: the binary and text formats both go through
 * these two. */
#ifndef TACT_RUNTIME_MODEL_GRAPHDEF_H
#define TACT_RUNTIME_MODEL_GRAPHDEF_H

#include <tact/model.h>

#include "runtime/graph/graph_impl.h"

#include "graph.pb-c.h"

/* tf.import_graph_def of a parsed GraphDef into `g` (resolved, not NULL): everything is
 * checked and inferred before the first op is added, so on failure the graph is unchanged. */
tact_code_t tact__graphdef_import(tact_graph_t *g, const Tensorflow__GraphDef *gd,
                                  const tact_import_options_t *opts, tact_status_t *st);

/* The graph as a new GraphDef message (every part from malloc: free it with
 * protobuf_c_message_free_unpacked(&gd->base, NULL)). NULL with `st` filled for a graph holding
 * an op tact cannot write yet. */
Tensorflow__GraphDef *tact__graphdef_export(tact_graph_t *g, tact_status_t *st);

/* A whole file from malloc (*len its size), or NULL with `st` holding TensorFlow's code for the
 * errno ("path; No such file or directory"). */
char *tact__graphdef_read_file(const char *path, size_t *len, tact_status_t *st);

#endif
