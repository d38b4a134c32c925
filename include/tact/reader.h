/* SPDX-License-Identifier: MIT */
/** @file
 * Readers: TensorFlow's tf.TextLineReader and tf.WholeFileReader. A reader takes file names
 * from a queue of strings (tact_fifo_queue with one TACT_DTYPE_STRING component) and yields
 * (key, value) string records, one per run of its read op: a line and "<file>:<line number>",
 * or a whole file and its name. When the queue is closed and every file is read, the read op
 * fails with OUT_OF_RANGE. A reader's position lives in each session. A file that cannot be
 * opened is NOT_FOUND (or PERMISSION_DENIED) naming the file.
 *
 *     tact_op_t *files = tact_fifo_queue(g, 0, (tact_dtype_t[]){TACT_DTYPE_STRING}, 1,
 *                                        NULL, NULL, NULL, &st);
 *     tact_op_t *reader = tact_text_line_reader(g, 0, NULL, &st);
 *     tact_output_t key, value;
 *     tact_reader_read(g, reader, files, &key, &value, NULL, &st);
 */
#ifndef TACT_READER_H
#define TACT_READER_H

#include <tact/export.h>
#include <tact/graph.h>
#include <tact/status.h>

TACT_BEGIN_DECLS

/** tf.TextLineReader(skip_header_lines): records are the lines of each file, without their
 * "\n" (or "\r\n"); the first skip_header_lines lines of every file are skipped. A last line
 * without a newline is a record too. Default name "TextLineReaderV2". Returns NULL on
 * failure. */
TACT_API tact_op_t *tact_text_line_reader(tact_graph_t *g, int skip_header_lines,
                                          const char *name, tact_status_t *st);

/** tf.WholeFileReader: one record per file, its whole contents (bytes kept exactly). Default
 * name "WholeFileReaderV2". */
TACT_API tact_op_t *tact_whole_file_reader(tact_graph_t *g, const char *name, tact_status_t *st);

/** reader.read(queue): sets *key and *value to the read op's two string scalars. Default name
 * "ReaderReadV2". Returns the op, or NULL on failure. */
TACT_API tact_op_t *tact_reader_read(tact_graph_t *g, tact_op_t *reader, tact_op_t *queue,
                                     tact_output_t *key, tact_output_t *value, const char *name,
                                     tact_status_t *st);

TACT_END_DECLS

#endif
