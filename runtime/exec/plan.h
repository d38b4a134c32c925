/* SPDX-License-Identifier: MIT */
/* Plans: what one run signature (feeds, fetches, targets) executes, built once and cached by
 * the session. Building prunes the graph to what the fetches and targets need given the
 * feeds, rewrites it (Identity ops removed, duplicates merged, constants folded, relaying
 * NoOps removed, MatMul chains fused, as tact_rewrites_t allows; fetched values and errors
 * never change), numbers the value slots, computes when each slot can be
 * freed and cuts the nodes into per-device fragments. A plan is immutable once built, so many
 * threads run it at once. */
#ifndef TACT_RUNTIME_PLAN_H
#define TACT_RUNTIME_PLAN_H

#include "devices/device_impl.h"
#include "runtime/exec/sched.h"

/* A run signature: sorted, duplicate-free endpoints. Fed endpoints are not among fetches. */
typedef struct tact_signature {
    int n_feeds;
    const tact_output_t *feeds;
    int n_fetches;
    const tact_output_t *fetches;
    int n_targets;
    tact_op_t *const *targets;
    /* Ops that already ran in this step (earlier partial_run calls of one handle), sorted by
     * id: a control edge to one is cut, as a fed endpoint cuts a data edge, so that no op runs
     * twice in a step. */
    int n_done;
    tact_op_t *const *done;
} tact_signature_t;

typedef struct tact_plan {
    struct tact_plan *next;       /* the session cache's chain */
    uint64_t hash;                /* of the signature */
    int n_keys;
    int64_t *keys;                /* the signature, packed (tact__signature_keys) */
    int n_slots;
    int n_feeds;
    int *feed_slots;              /* per signature feed */
    int n_fetches;
    int *fetch_slots;             /* per signature fetch */
    int n_fragments;
    tact_fragment_t *fragments;   /* one per device that runs something, CPU:0 first */
    int n_nodes;                  /* ops and copies */
    tact_node_t *nodes;           /* storage behind the fragments */
    int n_ops;                    /* the ops among them */
    int *ints;                    /* storage behind the nodes' slot and wait lists */
    const tact_op_t **order;      /* the ops, n_ops of them, in topological order */
    tact_fusion_t *fusions;       /* storage behind the nodes' fusions (plan_fuse) */
    int n_consts;
    tact_op_t *consts;            /* what the folded ops' nodes run (plan_fold): a Const of the
                                   * op's name, its value owned by the plan */
    int *placement;               /* by op (as in order): the index of its device */
    const tact_node_t **by_index; /* the nodes by node index (run order: every node after
                                   * the nodes it reads) */
    /* The nodes in run order, cut where the device changes: each a run of consecutive nodes of
     * one device (a slice of its fragment). A client runs the host ones itself and sends the
     * others to their device's actor when it reaches them, so an actor never waits for a host
     * node, only for other devices' segments sent before its own. */
    int n_segments;
    tact_fragment_t *segments;
    int n_remote_segments;        /* on devices a client thread may not drive */
    /* Names for the partition text, written only when run metadata asks for it. */
    int n_sig_slots;              /* slots past these are the copies' outputs */
    const tact_op_t **slot_op;    /* by slot: the op whose value it holds */
    int *slot_index;              /* by slot: the output index of that op */
    tact_device_t **copy_peer;    /* by node index: a copy's other end, NULL for ops */
    tact_device_t *client;        /* devs[0]: where feeds come from and fetches go */
} tact_plan_t;

/* Pack a signature into keys (n_feeds + n_fetches + n_targets + n_done + 4 int64s in `keys`,
 * which must have room) and return their hash. */
uint64_t tact__signature_keys(const tact_signature_t *sig, int64_t *keys);

static inline int tact__signature_n_keys(const tact_signature_t *sig)
{
    return sig->n_feeds + sig->n_fetches + sig->n_targets + sig->n_done + 4;
}

/* The rewrites a plan build runs (step 3b of tact__plan_build), each a pass TensorFlow runs
 * and a user may switch off through tact_config_t.graph_options. */
typedef struct tact_rewrites {
    bool identities;              /* Identity ops elided (model pruner, dependency optimizer) */
    bool stop_gradients;          /* StopGradient ops elided (model pruner) */
    bool cse;                     /* duplicates merged (plan_cse) */
    bool fold;                    /* constants folded (plan_fold) */
    bool noops;                   /* relaying NoOps removed (plan_drop_noops) */
    bool fuse;                    /* MatMul/Conv2D chains fused (plan_fuse) */
} tact_rewrites_t;

/* Which rewrites `c`'s graph_options leave on, as TensorFlow 2.21 decides: Grappler's pass
 * runs unless its toggle is OFF or disable_meta_optimizer is set; constant folding and
 * duplicate merging happen too when the graph optimizer does them (opt_level L1, or its
 * do_ flag). */
void tact__rewrites_from_config(const tact_config_t *c, tact_rewrites_t *rw);

/* INVALID_ARGUMENT naming the first graph_options field of `c` outside its enum. */
tact_code_t tact__rewrites_check_config(const tact_config_t *c, tact_status_t *st);

/* Build the plan of `sig`, placing its ops on devs[0..n_devs) (runtime/exec/sched.h; `pins`, which
 * may be NULL, keeps stateful ops where earlier plans put them), running the rewrites
 * `rewrites` asks for (NULL: all of them). On failure (an unfed placeholder the fetches need,
 * an op that cannot be placed) returns NULL with `st` filled. Caller owns the result. */
tact_plan_t *tact__plan_build(const tact_signature_t *sig, tact_device_t *devs, int n_devs,
                             bool allow_soft_placement, const tact_rewrites_t *rewrites,
                             tact_sched_pins_t *pins, tact_status_t *st);

/* TensorFlow's partition graphs of a plan (runtime/exec/partition.c): one per device that
 * runs part of it, the client's first (devs[0], which holds the feeds' _Arg and the fetches'
 * _Retval nodes even when none of the step's ops runs there), and a _Send/_Recv pair for
 * every value that crosses between two devices, host devices included. */
typedef struct tact_partition_desc {
    tact_device_t *dev;
    int fragment;                 /* the plan's fragment on dev, or -1 */
    int n_ops, n_sends, n_recvs;
    char *text;                   /* owned: "name = Type(inputs)\n" per node */
} tact_partition_desc_t;

typedef struct tact_plan_desc {
    int n_parts;
    tact_partition_desc_t *parts;
    int n_nodes;
    char **copy_name;             /* by node index: a copy's _Send or _Recv name, NULL for ops */
    int n_edges;                  /* the pairs: the value's origin slot, its reading device and
                                   * its _Recv's name */
    int *edge_origin;
    tact_device_t **edge_to;
    char **edge_recv;
    int *slot_origin;             /* by slot: the feed or op output it holds (copies followed) */
} tact_plan_desc_t;

/* Describe `plan`'s partitions. Caller owns the result (tact__plan_desc_destroy). */
tact_plan_desc_t *tact__plan_describe(const tact_plan_t *plan);

/* The name of the _Recv that brings the value in `slot` to `dev`, or NULL when none does.
 * Borrowed from `desc`. */
const char *tact__plan_desc_recv(const tact_plan_desc_t *desc, int slot,
                                 const tact_device_t *dev);

void tact__plan_desc_destroy(tact_plan_desc_t **desc_p);

/* The text of fragment f's partition (tact__plan_describe), TensorFlow's partition GraphDef in
 * short ("y = Mul(x/_1, two)", "x/_1 = _Recv(x:0 from <device>)"). Caller frees. */
char *tact__plan_partition_text(const tact_plan_t *plan, int f);

/* The name of the value in `slot` as TensorFlow writes a node's input ("a", "a:1"), or a
 * copy's node name ("a/_0") for the slots copies write. Caller frees. */
char *tact__plan_slot_name(const tact_plan_t *plan, int slot);

void tact__plan_destroy(tact_plan_t **plan_p);

#endif
