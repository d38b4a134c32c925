/* SPDX-License-Identifier: MIT */
/* A reader's state in one session: the file it is reading and where it is. Records come one
 * per call; file names come from a queue of strings when the current file is done. Calls on
 * one reader are serialised. */
#ifndef TACT_RUNTIME_READER_H
#define TACT_RUNTIME_READER_H

#include "runtime/graph/graph_impl.h"
#include "runtime/state/queue.h"

typedef struct tact_reader tact_reader_t;

/* A reader for `op` (a TEXT_LINE_READER or WHOLE_FILE_READER). Caller owns the result. */
tact_reader_t *tact__reader_new(const tact_op_t *op);
/* Close its file. Accepts NULL; NULLs *r_p. */
void tact__reader_destroy(tact_reader_t **r_p);

/* The next record as two new string scalars, taking file names from `files` (one string
 * component) as needed: OUT_OF_RANGE once that queue is closed and drained, NOT_FOUND or
 * PERMISSION_DENIED naming a file that cannot be read, or the queue's stop reasons. */
tact_code_t tact__reader_read(tact_reader_t *r, tact_queue_t *files, tact_tensor_t **key,
                              tact_tensor_t **value, const tact_stop_t *stop, tact_status_t *st);

#endif
