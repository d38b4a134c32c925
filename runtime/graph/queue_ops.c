/* SPDX-License-Identifier: MIT */
/* The queue builders of <tact/queue.h>: they pack the queue's element type into each op's
 * attributes (so inference and the executor need not look the queue up) and name ops after
 * their queue, as TensorFlow does. Running them is the executor's business. */
#include "runtime/graph/graph_impl.h"

static tact_op_t *queue_fail(tact_graph_t *g, tact_status_t *st, const char *fmt, const char *a)
{
    tact_status_t err = TACT_STATUS_INIT;
    tact__fail(&err, TACT_CODE_INVALID_ARGUMENT, fmt, a);
    tact__graph_record_error(g, &err, st);
    return NULL;
}

tact_op_t *tact_fifo_queue(tact_graph_t *g, int capacity, const tact_dtype_t *dtypes,
                           int n_components, const int64_t *const *shapes, const int *ranks,
                           const char *name, tact_status_t *st)
{
    if (tact__failed(st))
        return NULL;
    if (n_components < 1 || n_components > TACT_QUEUE_MAX_COMPONENTS || dtypes == NULL)
        return queue_fail(g, st, "%s: a queue needs 1 to 8 component dtypes", "FIFOQueueV2");
    tact_op_attrs_t attrs = { .capacity = capacity, .n_components = n_components };
    memcpy(attrs.component_dtypes, dtypes, (size_t) n_components * sizeof *dtypes);
    if (shapes != NULL) {
        if (ranks == NULL)
            return queue_fail(g, st, "%s: shapes given without their ranks", "FIFOQueueV2");
        attrs.has_shapes = true;
        for (int i = 0; i < n_components; i++) {
            if (ranks[i] < 0 || ranks[i] > TACT_MAX_DIMS - 1 || (ranks[i] > 0 && !shapes[i]))
                return queue_fail(g, st, "%s: a component shape has an invalid rank",
                                  "FIFOQueueV2");
            attrs.component_shapes[i].ndims = ranks[i];
            for (int d = 0; d < ranks[i]; d++) {
                if (shapes[i][d] < -1)
                    return queue_fail(g, st, "%s: a component shape has a negative dimension",
                                      "FIFOQueueV2");
                attrs.component_shapes[i].dims[d] = shapes[i][d];
            }
        }
    }
    return tact__graph_add_op(g, TACT_OP_QUEUE, name, NULL, 0, NULL, 0, &attrs, st);
}

/* The attributes every op on `queue` carries, and its default name "<queue's last name
 * component><suffix>" in *name (caller frees; NULL on failure). */
static bool queue_prepare(tact_graph_t *g, tact_op_t *queue, const char *suffix,
                          tact_op_attrs_t *attrs, char **name, tact_status_t *st)
{
    if (tact__failed(st))
        return false;
    if (queue == NULL || queue->kind != TACT_OP_QUEUE) {
        queue_fail(g, st, "%s: the queue argument is not a queue (tact_fifo_queue's result)",
                   suffix + 1);
        return false;
    }
    *attrs = queue->attrs;
    attrs->n = 0;
    attrs->cancel_pending = false;
    /* TensorFlow names them after the queue's last name component ("fifo_queue_enqueue" for
     * "ns/fifo_queue"), under the name scopes open now. */
    const char *base = strrchr(queue->name, '/');
    *name = tact__asprintf("%s%s", base ? base + 1 : queue->name, suffix);
    return true;
}

static tact_op_t *queue_enqueue(tact_graph_t *g, tact_op_kind_t kind, tact_op_t *queue,
                                const tact_output_t *components, int n_components,
                                const char *name, const char *suffix, tact_status_t *st)
{
    tact_op_attrs_t attrs;
    char *def = NULL;
    if (!queue_prepare(g, queue, suffix, &attrs, &def, st))
        return NULL;
    if (n_components != attrs.n_components || components == NULL) {
        tact_status_t err = TACT_STATUS_INIT;
        tact__fail(&err, TACT_CODE_INVALID_ARGUMENT,
                   "%s: expected %d components for queue '%s', got %d", tact__op_kind_type(kind),
                   attrs.n_components, queue->name, n_components);
        tact__graph_record_error(g, &err, st);
        free(def);
        return NULL;
    }
    tact_output_t in[TACT_QUEUE_MAX_COMPONENTS + 1] = { { queue, 0 } };
    memcpy(in + 1, components, (size_t) n_components * sizeof *components);
    tact_op_t *op = tact__graph_add_op(g, kind, name ? name : def, in, 1 + n_components, NULL, 0,
                                       &attrs, st);
    free(def);
    return op;
}

tact_op_t *tact_queue_enqueue(tact_graph_t *g, tact_op_t *queue, const tact_output_t *components,
                              int n_components, const char *name, tact_status_t *st)
{
    return queue_enqueue(g, TACT_OP_QUEUE_ENQUEUE, queue, components, n_components, name,
                         "_enqueue", st);
}

tact_op_t *tact_queue_enqueue_many(tact_graph_t *g, tact_op_t *queue,
                                   const tact_output_t *components, int n_components,
                                   const char *name, tact_status_t *st)
{
    return queue_enqueue(g, TACT_OP_QUEUE_ENQUEUE_MANY, queue, components, n_components, name,
                         "_EnqueueMany", st);
}

static tact_op_t *queue_dequeue(tact_graph_t *g, tact_op_kind_t kind, tact_op_t *queue,
                                int64_t n, tact_output_t *outputs, const char *name,
                                const char *suffix, tact_status_t *st)
{
    tact_op_attrs_t attrs;
    char *def = NULL;
    if (!queue_prepare(g, queue, suffix, &attrs, &def, st))
        return NULL;
    if (n < 0) {
        free(def);
        return queue_fail(g, st, "%s: negative number of elements", "QueueDequeueManyV2");
    }
    attrs.n = n;
    tact_output_t in = { queue, 0 };
    tact_op_t *op = tact__graph_add_op(g, kind, name ? name : def, &in, 1, NULL, 0, &attrs, st);
    free(def);
    for (int i = 0; op != NULL && i < op->n_outputs; i++)
        outputs[i] = (tact_output_t) { op, i };
    return op;
}

tact_op_t *tact_queue_dequeue(tact_graph_t *g, tact_op_t *queue, tact_output_t *outputs,
                              const char *name, tact_status_t *st)
{
    return queue_dequeue(g, TACT_OP_QUEUE_DEQUEUE, queue, 0, outputs, name, "_Dequeue", st);
}

tact_op_t *tact_queue_dequeue_many(tact_graph_t *g, tact_op_t *queue, int64_t n,
                                   tact_output_t *outputs, const char *name, tact_status_t *st)
{
    return queue_dequeue(g, TACT_OP_QUEUE_DEQUEUE_MANY, queue, n, outputs, name, "_DequeueMany",
                         st);
}

tact_output_t tact_queue_size(tact_graph_t *g, tact_op_t *queue, const char *name,
                              tact_status_t *st)
{
    tact_op_attrs_t attrs;
    char *def = NULL;
    if (!queue_prepare(g, queue, "_Size", &attrs, &def, st))
        return (tact_output_t) { NULL, -1 };
    tact_output_t in = { queue, 0 };
    tact_op_t *op = tact__graph_add_op(g, TACT_OP_QUEUE_SIZE, name ? name : def, &in, 1, NULL, 0,
                                       &attrs, st);
    free(def);
    return (tact_output_t) { op, op ? 0 : -1 };
}

tact_op_t *tact_queue_close(tact_graph_t *g, tact_op_t *queue, bool cancel_pending_enqueues,
                            const char *name, tact_status_t *st)
{
    tact_op_attrs_t attrs;
    char *def = NULL;
    if (!queue_prepare(g, queue, "_Close", &attrs, &def, st))
        return NULL;
    attrs.cancel_pending = cancel_pending_enqueues;
    tact_output_t in = { queue, 0 };
    tact_op_t *op = tact__graph_add_op(g, TACT_OP_QUEUE_CLOSE, name ? name : def, &in, 1, NULL, 0,
                                       &attrs, st);
    free(def);
    return op;
}
