/* SPDX-License-Identifier: MIT */
/* The device interface (ggml's iface + context pattern) and the fragments a device runs.
 * A device knows nothing of actors or sessions: tests can call its interface directly. */
#ifndef TACT_DEVICES_DEVICE_IMPL_H
#define TACT_DEVICES_DEVICE_IMPL_H

#include "runtime/graph/graph_impl.h"
#include "runtime/state/stop.h"

#include <stdio.h>

#define TACT_DEVICE_API_VERSION 2

typedef struct tact_device tact_device_t;

/* One value slot of a step: an op output's tensor while the step runs. `owned` says the step
 * holds a reference to drop (kernel results, variable values); borrowed tensors (constants,
 * feeds) are never freed. A value is handed to the caller without a copy only when it is
 * owned and its reference is the only one. */
typedef struct tact_value {
    tact_tensor_t *tensor;
    bool owned;
} tact_value_t;

/* What a node does: an op's kernel, or a copy the plan inserted where an edge crosses from
 * one memory to another (TensorFlow's send/recv pair, done by the device that is not the
 * host). A copy reads in_slots[0] and writes out_slot; `op` is the op whose value it moves. */
typedef enum {
    TACT_NODE_OP = 0,
    TACT_NODE_COPY_IN,            /* host memory -> this device's memory */
    TACT_NODE_COPY_OUT,           /* this device's memory -> host memory */
} tact_node_kind_t;

/* A chain the plan fused into one node (TensorFlow's remapper, _FusedMatMul and
 * _FusedConv2D): the node runs act(head(in[0], in[1]) + in[2] + in[3]) and writes the output
 * of the chain's last op, node->op. bias_add, res_add and act are NULL when the chain has
 * none (a res_add only after a bias_add). Only CPU devices get fused nodes. */
typedef struct tact_fusion {
    const tact_op_t *head;        /* MatMul, or Conv2D (NHWC) */
    const tact_op_t *bias_add;    /* Add(head, bias) or Add(bias, head), bias a row [channels] */
    int bias_side;                /* the bias' input index in bias_add */
    const tact_op_t *res_add;     /* Add(bias_add, r) or Add(r, bias_add), r of the head's
                                   * shape (a residual connection) */
    int res_side;                 /* r's input index in res_add */
    const tact_op_t *act;         /* Relu, Relu6, Sigmoid or Tanh */
} tact_fusion_t;

/* The producer of a fused node's input i: the head's operands, the bias, the residual. */
static inline const tact_output_t *tact__fusion_input(const tact_fusion_t *f, int i)
{
    return i < 2    ? &f->head->inputs[i]
           : i == 2 ? &f->bias_add->inputs[f->bias_side]
                    : &f->res_add->inputs[f->res_side];
}

/* The op type a fused node shows in partition graphs and step stats, as TensorFlow's. */
static inline const char *tact__fusion_op_type(const tact_fusion_t *f)
{
    return f->head->kind == TACT_OP_CONV2D ? "_FusedConv2D" : "_FusedMatMul";
}

/* One node of a fragment, its inputs and output resolved to value slots. */
typedef struct tact_node {
    tact_node_kind_t kind;
    const tact_op_t *op;
    int n_in;
    const int *in_slots;          /* n_in slots, one per data input */
    int out_slot;                 /* output 0; output k is out_slot + k. -1: no outputs */
    int n_release;
    const int *release_slots;     /* slots whose last reader is this node: free after it */
    int index;                    /* in the plan: what other devices' waits name */
    int n_wait;
    const int *wait_nodes;        /* nodes on other devices that must finish first */
    bool signal;                  /* nodes on other devices wait for this one */
    bool pin_out;                 /* an output is copied into a GPU's memory: host tensors
                                   * for it come from the pinned pool */
    const tact_fusion_t *fusion;  /* NULL, or the chain this op node runs in one go */
    /* Bit i: data input i (i < 64) is a variable's own output in this node's memory. The node
     * reads the variable's value when it runs, not the variable node's earlier read, so a
     * read ordered after an assign (a control dependency) sees the assigned value, as with
     * TensorFlow's ref variables. */
    uint64_t fresh_inputs;
} tact_node_t;

struct tact_resources;
typedef struct tact_trace tact_trace_t;

/* What one run (a step) gives the fragments it runs: the value slots, the session's resources
 * and when to stop. */
typedef struct tact_step {
    tact_value_t *values;
    struct tact_resources *resources;
    tact_stop_t stop;             /* deadline, cancellation, the session's close */
    _Atomic uint32_t *done;       /* by node index, for plans over several devices, else NULL */
    atomic_bool failed;           /* a fragment failed: the others stop waiting */
    struct tact_host_limit *host_limit; /* the session's host memory limit, or NULL: charge
                                         * every host tensor made from data to it */
    tact_trace_t *trace;          /* a traced step's records (devices/trace.h), else NULL */
    _Atomic int64_t bytes_copied; /* between device memories, for the session's stats */
} tact_step_t;

/* Wait until every node `node` waits for has finished (another device's fragment runs it).
 * CANCELLED when a fragment failed meanwhile, or the step's stop reasons. */
tact_code_t tact__step_wait(tact_step_t *step, const tact_node_t *node, tact_status_t *st);
/* Mark `node` finished for the nodes that wait on it. */
void tact__step_signal(tact_step_t *step, const tact_node_t *node);
/* Mark the step failed and wake every waiter. */
void tact__step_fail(tact_step_t *step);

/* A topologically ordered list of nodes that all run on one device. */
typedef struct tact_fragment {
    tact_device_t *dev;
    int n_nodes;
    const tact_node_t *nodes;
    bool blocking;                /* holds an op that may wait long (a queue op) */
} tact_fragment_t;

/* Filled by a device implementation and read by the runtime. Every member runs on the
 * device's own actor thread, one call at a time, unless `caller_may_run` says run() is
 * re-entrant and may also be called from a client thread. Fallible members return st->code. */
typedef struct tact_device_iface {
    uint32_t api_version;         /* TACT_DEVICE_API_VERSION */
    const char *kind;             /* "CPU", "CUDA": prefix of device names */
    bool caller_may_run;          /* run() is thread-safe and needs no thread of its own */

    int priority;                 /* placement prefers higher (TensorFlow: GPU 210, CPU 70) */
    bool device_memory;           /* values live in the device's own memory (a GPU): the plan
                                   * inserts copies on every edge to or from it. false: host
                                   * memory, shared by pointer with the other host devices */

    int (*count)(void);           /* instances present; 0 is normal */
    tact_code_t (*open)(tact_device_t *dev, tact_status_t *st);
    void (*close)(tact_device_t *dev);
    bool (*supports)(const tact_device_t *dev, const tact_op_t *op);
    /* Run the fragment's nodes in order, reading and writing step->values. On failure the
     * message names the op; slots the fragment wrote stay in the values for the caller to
     * free. Stops between nodes when the step is cancelled or past its deadline. */
    tact_code_t (*run)(tact_device_t *dev, const tact_fragment_t *frag, tact_step_t *step,
                       tact_status_t *st);
    /* [optional] Called by every actor of the device's pool as it starts, after open() (the
     * first actor opens), on several threads but never concurrently with open() or close():
     * binds the calling thread to the device's cores. NULL: threads stay where they are. */
    tact_code_t (*bind_thread)(tact_device_t *dev, tact_status_t *st);
    /* [optional] The physical description for "Device mapping:" lines and list_devices
     * ("device: 0, name: ..., pci bus id: ..., compute capability: 9.0"); false when the
     * device has none (CPUs). May run on any thread after open(). */
    bool (*describe)(const tact_device_t *dev, char *buf, size_t len);
    /* [optional] Memory limit and statistics of the device's allocator; false when it has
     * none of its own (host devices). May run on any thread after open(). */
    bool (*memory_stats)(const tact_device_t *dev, struct tact_memory_stats *out);
} tact_device_iface_t;

struct tact_device {
    const tact_device_iface_t *iface;
    int ordinal;                  /* the 0 in "CPU:0" */
    int kind_count;               /* devices of this kind in the session (0: 1); CPU splits
                                   * the cores among them */
    char name[32];                /* "CPU:0" */
    int physical_id;              /* the kind's own numbering: a GPU's visible CUDA id */
    const struct tact_config *config; /* the session's, for open() (GPU memory options) */
    void *ctx;                    /* owned by the implementation */
};

/* "/job:localhost/replica:0/task:0/device:CPU:0" for a device. Returns buf. */
static inline char *tact__device_full_name(const tact_device_t *dev, char *buf, size_t len)
{
    snprintf(buf, len, "/job:localhost/replica:0/task:0/device:%s:%d", dev->iface->kind,
             dev->ordinal);
    return buf;
}

/* Free the tensor in values[slot] if the step owns it, and clear the slot. */
static inline void tact__value_release(tact_value_t *values, int slot)
{
    if (values[slot].owned)
        tact_tensor_destroy(&values[slot].tensor);
    values[slot].tensor = NULL;
    values[slot].owned = false;
}

#endif
