/* SPDX-License-Identifier: MIT */
/* The reader builders of <tact/reader.h>. Reading is the executor's (runtime/state/reader.c). */
#include "runtime/graph/graph_impl.h"

tact_op_t *tact_text_line_reader(tact_graph_t *g, int skip_header_lines, const char *name,
                                 tact_status_t *st)
{
    tact_op_attrs_t attrs = { .skip_header_lines = skip_header_lines };
    return tact__graph_add_op(g, TACT_OP_TEXT_LINE_READER, name, NULL, 0, NULL, 0, &attrs, st);
}

tact_op_t *tact_whole_file_reader(tact_graph_t *g, const char *name, tact_status_t *st)
{
    tact_op_attrs_t attrs = { 0 };
    return tact__graph_add_op(g, TACT_OP_WHOLE_FILE_READER, name, NULL, 0, NULL, 0, &attrs, st);
}

tact_op_t *tact_reader_read(tact_graph_t *g, tact_op_t *reader, tact_op_t *queue,
                            tact_output_t *key, tact_output_t *value, const char *name,
                            tact_status_t *st)
{
    if (tact__failed(st))
        return NULL;
    tact_status_t err = TACT_STATUS_INIT;
    if (reader == NULL || !tact__op_kind_is_reader(reader->kind))
        tact__fail(&err, TACT_CODE_INVALID_ARGUMENT,
                   "ReaderReadV2: the reader argument is not a reader");
    else if (queue == NULL || queue->kind != TACT_OP_QUEUE)
        tact__fail(&err, TACT_CODE_INVALID_ARGUMENT,
                   "ReaderReadV2: the queue argument is not a queue");
    else if (queue->attrs.n_components != 1 || queue->attrs.component_dtypes[0] != TACT_DTYPE_STRING)
        tact__fail(&err, TACT_CODE_INVALID_ARGUMENT,
                   "ReaderReadV2: queue '%s' must hold single strings (file names)", queue->name);
    if (err.code != TACT_CODE_OK) {
        tact__graph_record_error(g, &err, st);
        return NULL;
    }
    tact_output_t in[2] = { { reader, 0 }, { queue, 0 } };
    tact_op_attrs_t attrs = { 0 };
    tact_op_t *op = tact__graph_add_op(g, TACT_OP_READER_READ, name, in, 2, NULL, 0, &attrs, st);
    if (op != NULL) {
        *key = (tact_output_t) { op, 0 };
        *value = (tact_output_t) { op, 1 };
    }
    return op;
}
