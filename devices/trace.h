/* SPDX-License-Identifier: MIT */
/* Step traces (RunOptions.trace_level): what the node loops record while a traced step runs;
 * runtime/exec/step_stats.c turns a finished step's records into the run metadata's step
 * stats. A step without a trace has step->trace == NULL and the node loops never reach these
 * functions: each loop picks its traced or untraced body once per fragment. */
#ifndef TACT_DEVICES_TRACE_H
#define TACT_DEVICES_TRACE_H

#include "devices/device_impl.h"

/* One node's record, written only by the thread that runs the node. */
typedef struct tact_trace_rec {
    int64_t start_ns, end_ns;     /* 0: not run (yet) */
    int64_t tid;
    char thread[16];
    int n_outputs;
    tact_output_stats_t outputs[TACT_MAX_OUTPUTS];
} tact_trace_rec_t;

/* A step's records: every node's by its plan index, and for each request sent to an actor
 * the time it was sent and the time the actor took it, by the index of its first node. The
 * step's completion orders the actors' writes before the client reads them. */
struct tact_trace {
    int n_nodes;
    tact_trace_rec_t *recs;
    tact_trace_rec_t *mailbox;
};

tact_trace_t *tact__trace_new(int n_nodes);
void tact__trace_destroy(tact_trace_t **trace_p);

/* Stamp `node`'s start (and the running thread) or its end (and its outputs' shapes, read
 * from step->values). */
void tact__trace_node_begin(tact_step_t *step, const tact_node_t *node);
void tact__trace_node_end(tact_step_t *step, const tact_node_t *node);

/* A request for `frag` leaves the client / is taken by an actor. */
void tact__trace_mailbox_sent(tact_step_t *step, const tact_fragment_t *frag);
void tact__trace_mailbox_taken(tact_step_t *step, const tact_fragment_t *frag);

struct tact_plan;
struct tact_plan_desc;
/* (runtime/exec/step_stats.c) Write the step stats of a finished step into md->step_stats (which must be empty): one
 * device per partition of `desc` (tact__plan_describe), copies and hand-offs named as there. */
void tact__trace_fill(tact_run_metadata_t *md, const tact_trace_t *trace,
                      const struct tact_plan *plan, const struct tact_plan_desc *desc);
/* Free md->step_stats and zero it. */
void tact__step_stats_clear(tact_run_metadata_t *md);

#endif
