/* SPDX-License-Identifier: MIT */
/* Step stats (RunMetadata.step_stats): a finished traced step's records (devices/trace.c), one
 * device per partition of the plan's description, copies and hand-offs named as there. */
#include "devices/trace.h"
#include "runtime/exec/plan.h"
#include "runtime/base/tensor_impl.h"

static void trace_times(tact_node_stats_t *e, int64_t start_ns, int64_t end_ns)
{
    e->start_ns = start_ns;
    e->end_ns = end_ns < start_ns ? start_ns : end_ns;
    e->start_us = e->start_ns / 1000;
    e->end_us = e->end_ns / 1000;
}

static void trace_thread_of(tact_node_stats_t *e, const tact_trace_rec_t *rec)
{
    e->thread_id = rec->tid;
    memcpy(e->thread_name, rec->thread, sizeof e->thread_name);
}

/* Per device, what the fill gathers before it writes: entries grow as hand-offs appear. */
typedef struct trace_dev {
    int n, cap;
    tact_node_stats_t *nodes;
    int *handoff_slot;            /* by entry: the slot a RECV hand-off brings, else -1 */
} trace_dev_t;

static tact_node_stats_t *trace_push(trace_dev_t *d, int slot)
{
    if (d->n == d->cap) {
        d->cap = d->cap ? 2 * d->cap : 16;
        d->nodes = tact__realloc(d->nodes, (size_t) d->cap * sizeof *d->nodes);
        d->handoff_slot = tact__realloc(d->handoff_slot, (size_t) d->cap * sizeof(int));
    }
    d->handoff_slot[d->n] = slot;
    tact_node_stats_t *e = &d->nodes[d->n++];
    memset(e, 0, sizeof *e);
    e->peer_device = -1;
    e->peer_node = -1;
    return e;
}

static void trace_outputs(tact_node_stats_t *e, const tact_output_stats_t *o, int n)
{
    e->n_outputs = n;
    e->outputs = n > 0 ? tact__malloc((size_t) n * sizeof *e->outputs) : NULL;
    if (n > 0)
        memcpy(e->outputs, o, (size_t) n * sizeof *o);
}

void tact__trace_fill(tact_run_metadata_t *md, const tact_trace_t *trace,
                      const tact_plan_t *plan, const tact_plan_desc_t *desc)
{
    int n_f = plan->n_fragments, n_nodes = plan->n_nodes;
    int shift = desc->n_parts - n_f;  /* 1: the client's partition has no fragment */
    int *node_dev = tact__malloc((size_t) (n_nodes + 1) * sizeof *node_dev);
    int *node_entry = tact__malloc((size_t) (n_nodes + 1) * sizeof *node_entry);
    int *producer = tact__malloc((size_t) (plan->n_slots + 1) * sizeof *producer);
    trace_dev_t *devs = tact__malloc((size_t) n_f * sizeof *devs);
    for (int s = 0; s < plan->n_slots; s++)
        producer[s] = -1;  /* fed, or no node writes it */
    for (int f = 0; f < n_f; f++) {
        const tact_fragment_t *frag = &plan->fragments[f];
        for (int i = 0; i < frag->n_nodes; i++) {
            const tact_node_t *node = &frag->nodes[i];
            node_dev[node->index] = f;
            node_entry[node->index] = i;
            int n_out = node->out_slot < 0 ? 0
                        : node->kind == TACT_NODE_OP ? node->op->n_outputs : 1;
            for (int k = 0; k < n_out; k++)
                producer[node->out_slot + k] = node->index;
        }
    }

    /* Every node, in its device's run order. */
    for (int f = 0; f < n_f; f++) {
        const tact_fragment_t *frag = &plan->fragments[f];
        for (int i = 0; i < frag->n_nodes; i++) {
            const tact_node_t *node = &frag->nodes[i];
            const tact_trace_rec_t *rec = &trace->recs[node->index];
            tact_node_stats_t *e = trace_push(&devs[f], -1);
            if (node->kind == TACT_NODE_OP) {
                e->kind = TACT_NODE_STATS_OP;
                e->node_name = tact__strdup(node->op->name);
                e->op_type = node->fusion != NULL ? tact__fusion_op_type(node->fusion)
                                                  : tact__op_kind_type(node->op->kind);
            } else {
                bool in = node->kind == TACT_NODE_COPY_IN;
                e->kind = in ? TACT_NODE_STATS_RECV : TACT_NODE_STATS_SEND;
                e->node_name = tact__strdup(desc->copy_name[node->index]);
                e->op_type = in ? "_Recv" : "_Send";
                for (int g = 0; g < desc->n_parts; g++)
                    if (desc->parts[g].dev == plan->copy_peer[node->index])
                        e->peer_device = g;
                int p = in && node->n_in > 0 ? producer[node->in_slots[0]] : -1;
                if (p >= 0) {
                    e->peer_device = node_dev[p] + shift;
                    e->peer_node = node_entry[p];
                }
            }
            trace_thread_of(e, rec);
            trace_times(e, rec->start_ns, rec->end_ns);
            trace_outputs(e, rec->outputs, rec->n_outputs);
        }
    }
    /* Hand-offs: a value another host device made, read here by pointer (TensorFlow's
     * _Recv between CPU devices, named as the partition graph names it), one per value and
     * reading device, from the producer's end to the first reader's start. Copies already
     * stand for their edges. */
    for (int f = 0; f < n_f; f++) {
        const tact_fragment_t *frag = &plan->fragments[f];
        for (int i = 0; i < frag->n_nodes; i++) {
            const tact_node_t *node = &frag->nodes[i];
            if (node->kind != TACT_NODE_OP)
                continue;
            for (int k = 0; k < node->n_in; k++) {
                int slot = node->in_slots[k], p = producer[slot];
                if (p < 0 || node_dev[p] == f)
                    continue;
                bool seen = false;
                for (int j = 0; j < devs[f].n && !seen; j++)
                    seen = devs[f].handoff_slot[j] == slot;
                if (seen)
                    continue;
                const tact_trace_rec_t *from = &trace->recs[p];
                const tact_trace_rec_t *to = &trace->recs[node->index];
                const tact_node_t *pn = plan->by_index[p];
                tact_node_stats_t *e = trace_push(&devs[f], slot);
                e->kind = TACT_NODE_STATS_RECV;
                const char *recv = tact__plan_desc_recv(desc, slot, frag->dev);
                e->node_name = recv != NULL ? tact__strdup(recv)
                                            : tact__asprintf("%s:%d", plan->slot_op[slot]->name,
                                                             plan->slot_index[slot]);
                e->op_type = "_Recv";
                e->peer_device = node_dev[p] + shift;
                e->peer_node = node_entry[p];
                trace_thread_of(e, to);
                trace_times(e, from->end_ns, to->start_ns);
                int out = slot - pn->out_slot;
                trace_outputs(e, &from->outputs[out], out < from->n_outputs ? 1 : 0);
            }
        }
    }
    /* Requests that waited in an actor's mailbox: from the send to the actor taking it. */
    for (int n = 0; n < n_nodes; n++) {
        const tact_trace_rec_t *rec = &trace->mailbox[n];
        if (rec->start_ns == 0 || rec->end_ns == 0)
            continue;
        tact_node_stats_t *e = trace_push(&devs[node_dev[n]], -1);
        e->kind = TACT_NODE_STATS_MAILBOX;
        const tact_node_t *first = plan->by_index[n];
        e->node_name = tact__asprintf("RUN %s", first->kind == TACT_NODE_OP
                                                    ? first->op->name
                                                    : desc->copy_name[first->index]);
        e->op_type = "_Mailbox";
        trace_thread_of(e, rec);
        trace_times(e, rec->start_ns, rec->end_ns);
    }

    /* One entry per partition: the client's, when none of the step's ops ran there, empty. */
    md->step_stats.n_devices = desc->n_parts;
    md->step_stats.devices = tact__malloc((size_t) (desc->n_parts > 0 ? desc->n_parts : 1) *
                                          sizeof *md->step_stats.devices);
    for (int p = 0; p < desc->n_parts; p++) {
        tact_device_step_stats_t *d = &md->step_stats.devices[p];
        tact__device_full_name(desc->parts[p].dev, d->device, sizeof d->device);
        if (p < shift)
            continue;
        d->n_nodes = devs[p - shift].n;
        d->nodes = devs[p - shift].nodes;
        free(devs[p - shift].handoff_slot);
    }
    free(devs);
    free(producer);
    free(node_entry);
    free(node_dev);
}

void tact__step_stats_clear(tact_run_metadata_t *md)
{
    for (int f = 0; f < md->step_stats.n_devices; f++) {
        tact_device_step_stats_t *d = &md->step_stats.devices[f];
        for (int i = 0; i < d->n_nodes; i++) {
            free(d->nodes[i].node_name);
            free(d->nodes[i].outputs);
        }
        free(d->nodes);
    }
    free(md->step_stats.devices);
    md->step_stats.devices = NULL;
    md->step_stats.n_devices = 0;
}
