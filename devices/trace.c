/* SPDX-License-Identifier: MIT */
/* Step traces: the records a traced step's node loops write (their step stats are built in
 * runtime/exec/step_stats.c). Only traced steps come here, so this file may spend (a system
 * call per node for the thread's name); the untraced path never calls it. */
#include "devices/trace.h"
#include "runtime/base/tensor_impl.h"

#include <sys/prctl.h>
#include <sys/syscall.h>

tact_trace_t *tact__trace_new(int n_nodes)
{
    tact_trace_t *t = tact__malloc(sizeof *t);  /* zeroed: nothing run yet */
    t->n_nodes = n_nodes;
    t->recs = tact__malloc((size_t) (n_nodes > 0 ? n_nodes : 1) * sizeof *t->recs);
    t->mailbox = tact__malloc((size_t) (n_nodes > 0 ? n_nodes : 1) * sizeof *t->mailbox);
    return t;
}

void tact__trace_destroy(tact_trace_t **trace_p)
{
    if (trace_p == NULL || *trace_p == NULL)
        return;
    free((*trace_p)->recs);
    free((*trace_p)->mailbox);
    free(*trace_p);
    *trace_p = NULL;
}

/* The calling thread: its kernel id and its name ("tact:CPU:1" for an actor). */
static void trace_thread(tact_trace_rec_t *rec)
{
    static _Thread_local int64_t tid;
    if (tid == 0)
        tid = (int64_t) syscall(SYS_gettid);
    rec->tid = tid;
    char name[16] = "";
    prctl(PR_GET_NAME, (unsigned long) name, 0, 0, 0);  /* names change: read it every time */
    memcpy(rec->thread, name, sizeof rec->thread);
    rec->thread[sizeof rec->thread - 1] = '\0';
}

void tact__trace_node_begin(tact_step_t *step, const tact_node_t *node)
{
    tact_trace_rec_t *rec = &step->trace->recs[node->index];
    trace_thread(rec);
    rec->start_ns = tact__now_ns();
}

static void trace_output(tact_output_stats_t *o, const tact_tensor_t *t)
{
    memset(o, 0, sizeof *o);
    if (t == NULL) {  /* a resource's handle: no value */
        o->ndims = -1;
        return;
    }
    o->dtype = t->dtype;
    o->ndims = t->ndims;
    for (int d = 0; d < t->ndims && d < TACT_MAX_DIMS; d++)
        o->dims[d] = t->dims[d];
    o->bytes = (int64_t) tact_tensor_nbytes(t);
}

void tact__trace_node_end(tact_step_t *step, const tact_node_t *node)
{
    tact_trace_rec_t *rec = &step->trace->recs[node->index];
    rec->end_ns = tact__now_ns();
    int n = node->out_slot < 0 ? 0 : node->kind == TACT_NODE_OP ? node->op->n_outputs : 1;
    rec->n_outputs = n;
    for (int k = 0; k < n; k++)
        trace_output(&rec->outputs[k], step->values[node->out_slot + k].tensor);
}

void tact__trace_mailbox_sent(tact_step_t *step, const tact_fragment_t *frag)
{
    if (frag->n_nodes > 0)
        step->trace->mailbox[frag->nodes[0].index].start_ns = tact__now_ns();
}

void tact__trace_mailbox_taken(tact_step_t *step, const tact_fragment_t *frag)
{
    if (frag->n_nodes == 0)
        return;
    tact_trace_rec_t *rec = &step->trace->mailbox[frag->nodes[0].index];
    rec->end_ns = tact__now_ns();
    trace_thread(rec);
}
