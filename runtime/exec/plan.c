/* SPDX-License-Identifier: MIT */
/* Plan building: pruning, slot numbering, rewrites, lifetimes, fragments. Pure apart from the
 * pins it passes to the placer: it starts no threads and touches no device, so it is tested
 * without any. Ops are appended to graphs with increasing
 * ids and inputs always precede their consumers, so sorting the pruned ops by id gives a
 * topological order for free. */
#include "runtime/exec/plan.h"
#include "runtime/exec/sched.h"

#define ENDPOINT_KEY(out) (((int64_t) (out).op->id << 8) | (int64_t) (out).index)

uint64_t tact__signature_keys(const tact_signature_t *sig, int64_t *keys)
{
    int k = 0;
    keys[k++] = sig->n_feeds;
    for (int i = 0; i < sig->n_feeds; i++)
        keys[k++] = ENDPOINT_KEY(sig->feeds[i]);
    keys[k++] = sig->n_fetches;
    for (int i = 0; i < sig->n_fetches; i++)
        keys[k++] = ENDPOINT_KEY(sig->fetches[i]);
    keys[k++] = sig->n_targets;
    for (int i = 0; i < sig->n_targets; i++)
        keys[k++] = sig->targets[i]->id;
    keys[k++] = sig->n_done;
    for (int i = 0; i < sig->n_done; i++)
        keys[k++] = sig->done[i]->id;
    uint64_t h = 1469598103934665603ull;
    for (int i = 0; i < k; i++)
        h = (h ^ (uint64_t) keys[i]) * 1099511628211ull;
    return h;
}

typedef struct plan_builder {
    const tact_signature_t *sig;
    int n_ids;
    bool *needed;                 /* per op id: reached from a fetch or target */
    int *base;                    /* per op id: the slot of its output 0 when it runs, or -1 */
    int *n_fed;                   /* per op id: how many of its outputs are fed */
    int n_slots;
} plan_builder_t;

/* The position of endpoint (op, index) among the (sorted) feeds, or -1. */
static int plan_feed_index(const tact_signature_t *sig, const tact_op_t *op, int index)
{
    int lo = 0, hi = sig->n_feeds - 1;
    while (lo <= hi) {
        int mid = (lo + hi) / 2;
        const tact_output_t *f = &sig->feeds[mid];
        if (f->op->id == op->id && f->index == index)
            return mid;
        if (f->op->id < op->id || (f->op->id == op->id && f->index < index))
            lo = mid + 1;
        else
            hi = mid - 1;
    }
    return -1;
}

/* The slot holding endpoint (op, index): its feed's, else the producer's output slot. */
static int plan_endpoint_slot(const plan_builder_t *b, const tact_op_t *op, int index)
{
    int f = plan_feed_index(b->sig, op, index);
    return f >= 0 ? f : b->base[op->id] + index;
}

/* Whether `op` is among the signature's ops that already ran in this step. */
static bool plan_done(const tact_signature_t *sig, const tact_op_t *op)
{
    int lo = 0, hi = sig->n_done - 1;
    while (lo <= hi) {
        int mid = (lo + hi) / 2;
        if (sig->done[mid]->id == op->id)
            return true;
        if (sig->done[mid]->id < op->id)
            lo = mid + 1;
        else
            hi = mid - 1;
    }
    return false;
}

static void plan_mark(plan_builder_t *b, const tact_op_t *root)
{
    /* Iterative DFS: graphs can be deeper than the stack. */
    int cap = 64, top = 0;
    const tact_op_t **stack = tact__malloc((size_t) cap * sizeof *stack);
    stack[top++] = root;
    while (top > 0) {
        const tact_op_t *op = stack[--top];
        if (b->needed[op->id])
            continue;
        b->needed[op->id] = true;
        for (int i = 0; i < op->n_inputs + op->n_controls; i++) {
            bool data = i < op->n_inputs;
            const tact_op_t *in = data ? op->inputs[i].op : op->controls[i - op->n_inputs];
            if (b->needed[in->id] ||
                (data && plan_feed_index(b->sig, in, op->inputs[i].index) >= 0) ||
                (!data && plan_done(b->sig, in)))
                continue;  /* a fed input, or a control input that ran, cuts the graph there */
            if (top == cap) {
                cap *= 2;
                stack = tact__realloc(stack, (size_t) cap * sizeof *stack);
            }
            stack[top++] = in;
        }
    }
    free(stack);
}

static tact_code_t plan_unfed_placeholder(const tact_op_t *op, tact_status_t *st)
{
    const tact_shape_t *s = &op->attrs.shape;
    char shape[160] = "";
    if (s->ndims > 0) {  /* TensorFlow omits the clause for scalars and unknown ranks */
        char dims[150];
        snprintf(shape, sizeof shape, " and shape %s", tact__shape_str(s, dims, sizeof dims));
    }
    return tact__fail(st, TACT_CODE_INVALID_ARGUMENT,
                      "You must feed a value for placeholder tensor '%s' with dtype %s%s"
                      "\n\t [[{{node %s}}]]",
                      op->name, tact__dtype_tf_name(op->attrs.dtype), shape, op->name);
}

/* An op that takes a resource by reference (an Assign its variable, queue and reader ops their
 * queue or reader) cannot take a fed value in its place: the feed is a plain tensor, and the
 * op would update the resource the feed stands for (TensorFlow: a float where a float_ref is
 * expected). */
static tact_code_t plan_fed_handle(const tact_signature_t *sig, const tact_op_t *op,
                                   tact_status_t *st)
{
    for (int i = 0; i < op->n_inputs; i++) {
        const tact_output_t *in = &op->inputs[i];
        if (tact__op_input_is_handle(op->kind, i) && plan_feed_index(sig, in->op, in->index) >= 0) {
            const char *type = tact__dtype_tf_name(in->op->out_dtype[in->index]);
            return tact__fail(st, TACT_CODE_INVALID_ARGUMENT,
                              "Input %d of node %s was passed %s from %s:%d incompatible with "
                              "expected %s_ref.", i, op->name, type, in->op->name, in->index,
                              type);
        }
    }
    return TACT_CODE_OK;
}

static int plan_max_id(const tact_signature_t *sig)
{
    int m = -1;
    for (int i = 0; i < sig->n_feeds; i++)
        m = sig->feeds[i].op->id > m ? sig->feeds[i].op->id : m;
    for (int i = 0; i < sig->n_fetches; i++)
        m = sig->fetches[i].op->id > m ? sig->fetches[i].op->id : m;
    for (int i = 0; i < sig->n_targets; i++)
        m = sig->targets[i]->id > m ? sig->targets[i]->id : m;
    return m;
}

static void plan_builder_fini(plan_builder_t *b)
{
    free(b->needed);
    free(b->base);
    free(b->n_fed);
}

/* ------------------------------------------------------------------------------------------ */
/* The run sequence: ops and the copies between memories                                    */
/* ------------------------------------------------------------------------------------------ */

/* A value's memory: a device index for devices with their own memory, else the host. */
#define PLAN_HOST (-1)

/* The plan's nodes in run order while it is built: ops (in topological order) with copies
 * emitted just before their first consumer. Copies go out of a GPU's memory after the
 * producer and into it before the consumer, one per (value, destination); GPU to GPU passes
 * through the host. Slots past the signature's are the copies' outputs. */
typedef struct plan_seq {
    const plan_builder_t *b;
    const tact_op_t **order;      /* the ops */
    const int *dev_of;            /* by op */
    tact_device_t *devs;
    int n_seq;
    tact_node_kind_t *kind;       /* by position */
    int *ref;                     /* by position: the op, or the copy */
    int *in_of;                   /* the ops' input slots, after copies */
    int *in_off;                  /* by op: where its inputs start in in_of */
    int *n_in_of;                 /* by op: its input count (a fused chain's end: 2 or 3, ops
                                   * fused away: 0) */
    const int *node_of;           /* by op id: the op's index in order */
    int *op_pos;                  /* by op: its position */
    int n_slots;
    int *slot_mem;                /* by slot: PLAN_HOST or the device holding it */
    int *slot_prod;               /* by slot: the producer's position, -1 for feeds */
    int *host_copy;               /* by slot in a device's memory: its copy out, or -1 */
    const tact_op_t **slot_op;    /* by slot: the op whose value it holds (for names) */
    int *slot_index;              /* by slot: the output index of that op */
    int n_copies;
    int *cp_dev, *cp_src, *cp_out, *cp_peer;  /* by copy: device, slots, the other end */
} plan_seq_t;

static void plan_seq_init(plan_seq_t *q, const plan_builder_t *b, const tact_op_t **order,
                          int n_ops, const int *dev_of, tact_device_t *devs, int n_in_total,
                          int *n_in_of)
{
    int most_copies = 2 * (n_in_total + b->sig->n_fetches);
    int cap_seq = n_ops + most_copies + 1, cap_slots = b->n_slots + most_copies + 1;
    *q = (plan_seq_t) { .b = b, .order = order, .dev_of = dev_of, .devs = devs,
                        .n_slots = b->n_slots, .n_in_of = n_in_of };
    q->kind = tact__malloc((size_t) cap_seq * sizeof *q->kind);
    q->ref = tact__malloc((size_t) cap_seq * sizeof *q->ref);
    q->in_of = tact__malloc((size_t) (n_in_total + 1) * sizeof *q->in_of);
    q->in_off = tact__malloc((size_t) (n_ops + 1) * sizeof *q->in_off);
    q->op_pos = tact__malloc((size_t) (n_ops + 1) * sizeof *q->op_pos);
    q->slot_mem = tact__malloc((size_t) cap_slots * sizeof *q->slot_mem);
    q->slot_prod = tact__malloc((size_t) cap_slots * sizeof *q->slot_prod);
    q->host_copy = tact__malloc((size_t) cap_slots * sizeof *q->host_copy);
    q->slot_op = tact__malloc((size_t) cap_slots * sizeof *q->slot_op);
    q->slot_index = tact__malloc((size_t) cap_slots * sizeof *q->slot_index);
    q->cp_dev = tact__malloc((size_t) (most_copies + 1) * 4 * sizeof(int));
    q->cp_src = q->cp_dev + most_copies + 1;
    q->cp_out = q->cp_src + most_copies + 1;
    q->cp_peer = q->cp_out + most_copies + 1;
    for (int s = 0; s < cap_slots; s++) {
        q->slot_mem[s] = PLAN_HOST;
        q->slot_prod[s] = -1;
        q->host_copy[s] = -1;
    }
    for (int i = 0; i < b->sig->n_feeds; i++) {
        q->slot_op[i] = b->sig->feeds[i].op;
        q->slot_index[i] = b->sig->feeds[i].index;
    }
    int off = 0;
    for (int n = 0; n < n_ops; n++) {
        const tact_op_t *op = order[n];
        q->op_pos[n] = -1;  /* until it is pushed; rewritten-away ops never are */
        q->in_off[n] = off;
        off += n_in_of[n];
        for (int k = 0; k < op->n_outputs; k++) {
            int slot = b->base[op->id] + k;
            q->slot_op[slot] = op;
            q->slot_index[slot] = k;
            if (devs[dev_of[n]].iface->device_memory)
                q->slot_mem[slot] = dev_of[n];
        }
    }
}

static void plan_seq_fini(plan_seq_t *q)
{
    free(q->kind);
    free(q->ref);
    free(q->in_of);
    free(q->in_off);
    free(q->op_pos);
    free(q->slot_mem);
    free(q->slot_prod);
    free(q->host_copy);
    free(q->slot_op);
    free(q->slot_index);
    free(q->cp_dev);
}

static void plan_seq_push(plan_seq_t *q, tact_node_kind_t kind, int ref)
{
    q->kind[q->n_seq] = kind;
    q->ref[q->n_seq] = ref;
    if (kind == TACT_NODE_OP)
        q->op_pos[ref] = q->n_seq;
    q->n_seq++;
}

/* The device that runs position p. */
static int plan_seq_dev(const plan_seq_t *q, int p)
{
    return q->kind[p] == TACT_NODE_OP ? q->dev_of[q->ref[p]] : q->cp_dev[q->ref[p]];
}

/* The op of position p: the op itself, or the op whose value a copy moves. */
static const tact_op_t *plan_seq_op(const plan_seq_t *q, int p)
{
    return q->kind[p] == TACT_NODE_OP ? q->order[q->ref[p]] : q->slot_op[q->cp_src[q->ref[p]]];
}

static const int *plan_seq_inputs(const plan_seq_t *q, int p, int *n_in)
{
    if (q->kind[p] != TACT_NODE_OP) {
        *n_in = 1;
        return &q->cp_src[q->ref[p]];
    }
    *n_in = q->n_in_of[q->ref[p]];
    return q->in_of + q->in_off[q->ref[p]];
}

/* The outputs of position p: consecutive slots from *first. */
static int plan_seq_outputs(const plan_seq_t *q, int p, int *first)
{
    if (q->kind[p] != TACT_NODE_OP) {
        *first = q->cp_out[q->ref[p]];
        return 1;
    }
    const tact_op_t *op = q->order[q->ref[p]];
    *first = q->b->base[op->id];
    return op->n_outputs;
}

/* A copy of `src` run by device `dev`, appended to the run sequence; returns its slot. */
static int plan_copy(plan_seq_t *q, tact_node_kind_t kind, int dev, int src, int mem, int peer)
{
    int c = q->n_copies++, out = q->n_slots++;
    q->cp_dev[c] = dev;
    q->cp_src[c] = src;
    q->cp_out[c] = out;
    q->cp_peer[c] = peer;
    q->slot_mem[out] = mem;
    q->slot_op[out] = q->slot_op[src];
    q->slot_index[out] = q->slot_index[src];
    plan_seq_push(q, kind, c);
    q->slot_prod[out] = q->n_seq - 1;
    return out;
}

/* The slot holding `slot`'s value in memory `want` for a consumer on device `to`, adding the
 * copies that take it there. */
static int plan_value_in(plan_seq_t *q, int slot, int want, int to)
{
    if (q->slot_mem[slot] == want)
        return slot;
    int host = slot, from = q->slot_prod[slot] >= 0 ? plan_seq_dev(q, q->slot_prod[slot]) : 0;
    if (q->slot_mem[slot] != PLAN_HOST) {
        if (q->host_copy[slot] < 0)
            q->host_copy[slot] = plan_copy(q, TACT_NODE_COPY_OUT, q->slot_mem[slot], slot,
                                           PLAN_HOST, to);
        host = q->host_copy[slot];
    }
    if (want == PLAN_HOST)
        return host;
    for (int c = 0; c < q->n_copies; c++) {
        if (q->kind[q->slot_prod[q->cp_out[c]]] == TACT_NODE_COPY_IN && q->cp_src[c] == host &&
            q->cp_dev[c] == want)
            return q->cp_out[c];
    }
    return plan_copy(q, TACT_NODE_COPY_IN, want, host, want, from);
}

/* The nodes position p waits for (producers of its inputs, and of its control inputs, on
 * other devices): marks them in signals[] and writes them to out[] when given. Returns how
 * many. */
static int plan_waits(const plan_seq_t *q, int p, bool *signals, int *out)
{
    int n = 0, d = plan_seq_dev(q, p), n_in;
    const int *in = plan_seq_inputs(q, p, &n_in);
    for (int i = 0; i < n_in + (q->kind[p] == TACT_NODE_OP ? q->order[q->ref[p]]->n_controls : 0);
         i++) {
        int from;
        if (i < n_in) {
            from = q->slot_prod[in[i]];
        } else {
            const tact_op_t *c = q->order[q->ref[p]]->controls[i - n_in];
            from = q->b->base[c->id] >= 0 ? q->op_pos[q->node_of[c->id]] : -1;
        }
        if (from < 0 || plan_seq_dev(q, from) == d)
            continue;  /* a feed, an op that does not run, or this device's own */
        if (signals != NULL)
            signals[from] = true;
        if (out != NULL)
            out[n] = from;
        n++;
    }
    return n;
}

/* ------------------------------------------------------------------------------------------ */
/* Remapper: MatMul chains fused into one node                                                */
/* ------------------------------------------------------------------------------------------ */

/* TensorFlow's grappler remapper runs MatMul + BiasAdd (+ Relu, ...) as one _FusedMatMul and
 * Conv2D + BiasAdd (+ Add) (+ Relu, ...) as one _FusedConv2D on the CPU. Here: a float32
 * MatMul, or Conv2D in NHWC, -> Add of a row vector [channels] -> Add of a tensor of the head's
 * shape (ResNet's shortcut) -> Relu, Relu6, Sigmoid or Tanh (each optional, the second Add only
 * after the first, at least one present), all on one CPU device, where each
 * intermediate has no other reader in this plan (consumer, fetch, target or control edge)
 * and no control inputs. The fused node runs at the chain's last op and reads the head's
 * inputs and the bias; the ops before it do not run and their slots stay empty. */
static bool plan_fusable_act(const tact_op_t *op)
{
    tact_op_kind_t k = op->kind;
    return k == TACT_OP_RELU || k == TACT_OP_RELU6 || k == TACT_OP_SIGMOID || k == TACT_OP_TANH;
}

/* Whether `r` may be a residual added to a head's output of shape `hs`: float32, of hs' rank,
 * no dimension known to differ (the kernel checks the shapes are equal, else runs the Add). */
static bool plan_fusable_residual(const tact_output_t *r, const tact_shape_t *hs)
{
    const tact_shape_t *rs = &r->op->out_shape[r->index];
    if (r->op->out_dtype[r->index] != TACT_DTYPE_F32 || rs->ndims != hs->ndims)
        return false;
    for (int d = 0; d < rs->ndims; d++) {
        if (rs->dims[d] >= 0 && hs->dims[d] >= 0 && rs->dims[d] != hs->dims[d])
            return false;
    }
    return true;
}

/* A head of a chain: its output's rank and channel count known, channels last. */
static bool plan_fusable_head(const tact_op_t *op)
{
    const tact_shape_t *s = &op->out_shape[0];
    if (op->out_dtype[0] != TACT_DTYPE_F32 || op->n_controls > 0 || s->ndims < 0 ||
        s->dims[s->ndims - 1] < 0)
        return false;
    if (op->kind == TACT_OP_MATMUL)
        return s->ndims == 2;
    return op->kind == TACT_OP_CONV2D && s->ndims == 4 && !op->attrs.nchw;
}

/* The only reader of op id `id` in the plan (as order index), or -1 when it has none or more
 * than one, or something else holds on to it. */
static int plan_sole_user(const int *uses, const int *user, int id)
{
    return uses[id] == 1 ? user[id] : -1;
}

/* Finds the chains; marks fused_away[] and fuse[] by op and sets n_in_of[] of chain ends.
 * Returns how many fusions it wrote to `fusions` (room for n_ops). */
static int plan_fuse(const tact_op_t **order, int n_ops,
                     const int *dev_of, const tact_device_t *devs, const int *node_of,
                     const int *uses, const int *user, tact_tensor_t *const *folded,
                     tact_fusion_t *fusions, const tact_fusion_t **fuse, bool *fused_away,
                     int *n_in_of)
{
    int n_fusions = 0;
    for (int n = 0; n < n_ops; n++) {
        const tact_op_t *mm = order[n];
        const tact_shape_t *ms = &mm->out_shape[0];
        if (fused_away[n] || folded[n] != NULL || !plan_fusable_head(mm) ||
            strcmp(devs[dev_of[n]].iface->kind, "CPU") != 0)
            continue;
        int64_t channels = ms->dims[ms->ndims - 1];
        tact_fusion_t f = { .head = mm };
        int end = n;
        int u = plan_sole_user(uses, user, mm->id);
        if (u >= 0 && !fused_away[u] && order[u]->kind == TACT_OP_ADD &&
            order[u]->n_controls == 0 && dev_of[u] == dev_of[n]) {
            const tact_op_t *add = order[u];
            int side = add->inputs[0].op == mm ? 1 : 0;
            const tact_output_t *bias = &add->inputs[side];
            const tact_shape_t *bs = &bias->op->out_shape[bias->index];
            if (bias->op->out_dtype[bias->index] == TACT_DTYPE_F32 && bs->ndims == 1 &&
                bs->dims[0] == channels) {
                f.bias_add = add;
                f.bias_side = side;
                end = u;
                u = plan_sole_user(uses, user, add->id);
            } else {
                u = -1;
            }
        }
        if (f.bias_add != NULL && u >= 0 && !fused_away[u] && order[u]->kind == TACT_OP_ADD &&
            order[u]->n_controls == 0 && dev_of[u] == dev_of[n] && !order[u]->attrs.bias_add) {
            const tact_op_t *add = order[u];
            int side = add->inputs[0].op == f.bias_add ? 1 : 0;
            if (add->inputs[side].op != f.bias_add &&
                plan_fusable_residual(&add->inputs[side], ms)) {
                f.res_add = add;
                f.res_side = side;
                end = u;
                u = plan_sole_user(uses, user, add->id);
            }
        }
        if (u >= 0 && !fused_away[u] && plan_fusable_act(order[u]) && order[u]->n_controls == 0 &&
            dev_of[u] == dev_of[n]) {
            f.act = order[u];
            end = u;
        }
        if (end == n)
            continue;  /* nothing to fuse with */
        fusions[n_fusions] = f;
        fuse[end] = &fusions[n_fusions++];
        n_in_of[end] = 2 + (f.bias_add != NULL) + (f.res_add != NULL);
        fused_away[n] = true;
        n_in_of[n] = 0;
        const tact_op_t *inner[2] = { f.bias_add, f.res_add };
        for (int i = 0; i < 2; i++) {
            if (inner[i] != NULL && inner[i] != order[end]) {
                fused_away[node_of[inner[i]->id]] = true;
                n_in_of[node_of[inner[i]->id]] = 0;
            }
        }
    }
    return n_fusions;
}

/* ------------------------------------------------------------------------------------------ */
/* Rewrites: what the graph asks for, done with fewer nodes                                  */
/* ------------------------------------------------------------------------------------------ */

/* Counts, by op id, the readers of each op in the plan (uses[]) and the last of them as an
 * order index (user[]); a control edge, a fetch or a target counts 2, so such an op never
 * looks like a single reader's private value. */
static void plan_count_uses(const plan_builder_t *b, const tact_op_t **order, int n_ops,
                            int *uses, int *user)
{
    for (int n = 0; n < n_ops; n++) {
        const tact_op_t *op = order[n];
        for (int i = 0; i < op->n_inputs; i++) {
            uses[op->inputs[i].op->id]++;
            user[op->inputs[i].op->id] = n;
        }
        for (int c = 0; c < op->n_controls; c++)
            uses[op->controls[c]->id] += 2;
    }
    for (int i = 0; i < b->sig->n_fetches; i++)
        uses[b->sig->fetches[i].op->id] += 2;
    for (int i = 0; i < b->sig->n_targets; i++)
        uses[b->sig->targets[i]->id] += 2;
}

/* Whether a value of `op` may be read past an Identity: its value is a function of its inputs
 * alone. A variable's (or a resource's) value read through an Identity is a snapshot taken
 * when the Identity runs, which a control dependency orders after an assignment. */
static bool plan_pure_source(const tact_op_t *op)
{
    tact_op_kind_t k = op->kind;
    return k != TACT_OP_VARIABLE && k != TACT_OP_VAR_HANDLE && !tact__op_kind_assigns(k) &&
           !tact__op_kind_uses_var_handle(k) && !tact__op_kind_uses_queue(k) &&
           !tact__op_kind_is_reader(k) && !tact__op_kind_stateful(k);
}

/* Grappler's model pruner (and, for Identity, its dependency optimizer): an Identity or
 * StopGradient (an identity when running), as `rw` allows, whose value only its consumers in
 * this plan read does not run; they read its input's slot
 * instead. Kept: a fetched or targeted one, one with control edges in or out, one whose
 * producer or a consumer runs on another device (its copies and partitions stay as the user
 * placed them), one reading a variable or other resource (see plan_pure_source), and one a
 * consumer takes as a resource handle. Marks elided[] by op id and fused_away[] by order
 * index, and returns how many it removed. */
static int plan_elide_identities(const plan_builder_t *b, const tact_op_t **order, int n_ops,
                                 const int *dev_of, const int *node_of, const int *uses,
                                 const tact_rewrites_t *rw, bool *elided, bool *fused_away,
                                 int *n_in_of)
{
    for (int n = 0; n < n_ops; n++) {  /* the candidates */
        const tact_op_t *op = order[n];
        if (!((op->kind == TACT_OP_IDENTITY && rw->identities) ||
              (op->kind == TACT_OP_STOP_GRADIENT && rw->stop_gradients)) ||
            op->n_controls > 0 || uses[op->id] == 0 || !plan_pure_source(op->inputs[0].op))
            continue;
        const tact_output_t *in = &op->inputs[0];
        elided[op->id] = plan_feed_index(b->sig, in->op, in->index) >= 0 ||
                         (b->base[in->op->id] >= 0 && dev_of[node_of[in->op->id]] == dev_of[n]);
    }
    for (int i = 0; i < b->sig->n_fetches; i++)
        elided[b->sig->fetches[i].op->id] = false;
    for (int i = 0; i < b->sig->n_targets; i++)
        elided[b->sig->targets[i]->id] = false;
    for (int m = 0; m < n_ops; m++) {  /* what the readers need */
        const tact_op_t *r = order[m];
        for (int c = 0; c < r->n_controls; c++)
            elided[r->controls[c]->id] = false;
        for (int i = 0; i < r->n_inputs; i++) {
            const tact_op_t *in = r->inputs[i].op;
            if (elided[in->id] && (dev_of[node_of[in->id]] != dev_of[m] ||
                                   tact__op_input_is_handle(r->kind, i)))
                elided[in->id] = false;
        }
    }
    int n_elided = 0;
    for (int n = 0; n < n_ops; n++) {
        if (elided[order[n]->id]) {
            fused_away[n] = true;
            n_in_of[n] = 0;
            n_elided++;
        }
    }
    return n_elided;
}

/* The endpoint a reader of `in` reads: past the Identity ops plan_elide_identities removed and
 * the duplicates plan_cse merged. */
static tact_output_t plan_resolve(const bool *elided, const tact_op_t *const *same,
                                  tact_output_t in)
{
    for (;;) {
        if (elided[in.op->id])
            in = in.op->inputs[0];
        else if (same[in.op->id] != NULL)
            in.op = (tact_op_t *) same[in.op->id];  /* a graph op, as in.op was */
        else
            return in;
    }
}

/* Ops plan_cse may merge: one output, a value that is a function of the inputs' values alone
 * and no attributes beyond the dtype the inputs fix. */
static bool plan_cse_kind(tact_op_kind_t k)
{
    return k == TACT_OP_ADD || k == TACT_OP_SUB || k == TACT_OP_MUL || k == TACT_OP_REALDIV ||
           k == TACT_OP_DIV || k == TACT_OP_NEG || k == TACT_OP_RELU || k == TACT_OP_SIGMOID ||
           k == TACT_OP_TANH || k == TACT_OP_SQUARE || k == TACT_OP_EXP || k == TACT_OP_ABS;
}

static uint64_t plan_cse_hash(const tact_op_t *op, const tact_output_t *in)
{
    uint64_t h = 1469598103934665603ull ^ (uint64_t) op->kind;
    for (int i = 0; i < op->n_inputs; i++)
        h = (h ^ (((uint64_t) in[i].op->id << 8) | (uint64_t) in[i].index)) * 1099511628211ull;
    return h;
}

/* Grappler's common-subexpression elimination: an op of plan_cse_kind with the same kind,
 * dtype, device and (resolved) inputs as an earlier one does not run; its readers read the
 * earlier one's slot. Neither may have control edges in; the later one is not fetched, not a
 * target and no control input. Marks same[] by op id (the op it reads instead) and
 * fused_away[] by order index; returns how many it merged. */
static int plan_cse(const plan_builder_t *b, const tact_op_t **order, int n_ops,
                    const int *dev_of, const bool *elided, const tact_op_t **same,
                    bool *fused_away, int *n_in_of)
{
    bool *pinned = tact__malloc((size_t) b->n_ids * sizeof *pinned);
    for (int i = 0; i < b->sig->n_fetches; i++)
        pinned[b->sig->fetches[i].op->id] = true;
    for (int i = 0; i < b->sig->n_targets; i++)
        pinned[b->sig->targets[i]->id] = true;
    for (int m = 0; m < n_ops; m++) {
        for (int c = 0; c < order[m]->n_controls; c++)
            pinned[order[m]->controls[c]->id] = true;
    }
    int cap = 16;
    while (cap < 2 * n_ops)
        cap *= 2;
    int *table = tact__malloc((size_t) cap * sizeof *table);  /* order index + 1, 0: empty */
    int n_merged = 0;
    for (int n = 0; n < n_ops; n++) {
        const tact_op_t *op = order[n];
        if (!plan_cse_kind(op->kind) || op->n_controls > 0 || op->n_outputs != 1 ||
            op->n_inputs > 2 || fused_away[n])
            continue;
        tact_output_t in[2];
        for (int i = 0; i < op->n_inputs; i++)
            in[i] = plan_resolve(elided, same, op->inputs[i]);
        uint64_t h = plan_cse_hash(op, in);
        int k = (int) (h & (uint64_t) (cap - 1));
        for (; table[k] != 0; k = (k + 1) & (cap - 1)) {
            int m = table[k] - 1;
            const tact_op_t *rep = order[m];
            /* A BiasAdd (an Add with bias_add) checks ranks that Add does not. */
            bool equal = rep->kind == op->kind && rep->n_inputs == op->n_inputs &&
                         rep->attrs.bias_add == op->attrs.bias_add &&
                         rep->out_dtype[0] == op->out_dtype[0] && dev_of[m] == dev_of[n];
            for (int i = 0; i < op->n_inputs && equal; i++) {
                tact_output_t r = plan_resolve(elided, same, rep->inputs[i]);
                equal = r.op == in[i].op && r.index == in[i].index;
            }
            if (equal)
                break;
        }
        if (table[k] == 0) {
            table[k] = n + 1;  /* the first of its kind */
        } else if (!pinned[op->id]) {
            same[op->id] = order[table[k] - 1];
            fused_away[n] = true;
            n_in_of[n] = 0;
            n_merged++;
        }
    }
    free(table);
    free(pinned);
    return n_merged;
}

/* Grappler's constant folding: ops TensorFlow folds whose value is a function of their
 * inputs' values alone and whose kernel needs no session state (resources, a Philox stream,
 * files). Identity ops are the elision's (plan_elide_identities); PlaceholderWithDefault is a
 * placeholder. */
static bool plan_fold_kind(tact_op_kind_t k)
{
    switch (k) {
    case TACT_OP_ADD: case TACT_OP_SUB: case TACT_OP_MUL: case TACT_OP_REALDIV:
    case TACT_OP_DIV: case TACT_OP_NEG: case TACT_OP_RELU: case TACT_OP_SIGMOID:
    case TACT_OP_TANH: case TACT_OP_SOFTMAX: case TACT_OP_MATMUL: case TACT_OP_SUM:
    case TACT_OP_MEAN: case TACT_OP_RESHAPE: case TACT_OP_TRANSPOSE: case TACT_OP_CAST:
    case TACT_OP_FILL: case TACT_OP_SELECT: case TACT_OP_SELECT_V2: case TACT_OP_PACK:
    case TACT_OP_SHAPE: case TACT_OP_SIZE: case TACT_OP_RANK: case TACT_OP_SLICE:
    case TACT_OP_STRIDED_SLICE: case TACT_OP_SQUEEZE: case TACT_OP_EXPAND_DIMS:
    case TACT_OP_CONCAT_V2: case TACT_OP_SPLIT: case TACT_OP_TILE: case TACT_OP_PAD:
    case TACT_OP_GATHER_V2: case TACT_OP_ONE_HOT: case TACT_OP_RANGE: case TACT_OP_ZEROS_LIKE:
    case TACT_OP_ONES_LIKE: case TACT_OP_PAD_V2: case TACT_OP_ABS: case TACT_OP_SQUARE:
    case TACT_OP_SQRT: case TACT_OP_RSQRT: case TACT_OP_EXP: case TACT_OP_LOG:
    case TACT_OP_SIGN: case TACT_OP_FLOOR: case TACT_OP_CEIL: case TACT_OP_ROUND:
    case TACT_OP_RECIPROCAL: case TACT_OP_RELU6: case TACT_OP_LEAKY_RELU: case TACT_OP_ELU:
    case TACT_OP_SOFTPLUS: case TACT_OP_LOG_SOFTMAX: case TACT_OP_POW: case TACT_OP_MAXIMUM:
    case TACT_OP_MINIMUM: case TACT_OP_FLOOR_DIV: case TACT_OP_FLOOR_MOD:
    case TACT_OP_SQUARED_DIFFERENCE: case TACT_OP_EQUAL: case TACT_OP_NOT_EQUAL:
    case TACT_OP_LESS: case TACT_OP_LESS_EQUAL: case TACT_OP_GREATER:
    case TACT_OP_GREATER_EQUAL: case TACT_OP_LOGICAL_AND: case TACT_OP_LOGICAL_OR:
    case TACT_OP_LOGICAL_NOT: case TACT_OP_ADD_N: case TACT_OP_MAX: case TACT_OP_MIN:
    case TACT_OP_PROD: case TACT_OP_ARG_MAX: case TACT_OP_ARG_MIN: case TACT_OP_CONV2D:
    case TACT_OP_DEPTHWISE_CONV2D: case TACT_OP_MAX_POOL: case TACT_OP_AVG_POOL:
    case TACT_OP_BATCH_MATMUL: case TACT_OP_IS_FINITE: case TACT_OP_ERFC: case TACT_OP_SELU:
    case TACT_OP_SOFTSIGN: case TACT_OP_RESIZE_BILINEAR: case TACT_OP_RESIZE_NEAREST_NEIGHBOR:
        return true;
    default:
        return false;
    }
}

/* TensorFlow's limit on a folded value (max_constant_size_in_bytes): larger ones run. */
#define PLAN_FOLD_MAX_BYTES ((size_t) 10 << 20)

/* Whether op's static shape says its value is over PLAN_FOLD_MAX_BYTES, before computing it. */
static bool plan_fold_too_big(const tact_op_t *op)
{
    const tact_shape_t *s = &op->out_shape[0];
    if (s->ndims < 0)
        return false;
    for (int i = 0; i < s->ndims; i++) {
        if (s->dims[i] < 0)
            return false;
    }
    size_t bytes;
    return !tact__tensor_nbytes_of(op->out_dtype[0], s->dims, s->ndims, &bytes) ||
           bytes > PLAN_FOLD_MAX_BYTES;
}

/* Run op's kernel once on `dev` (a CPU device: its run() may be called from any thread) over
 * `in`, as a one-node fragment with a step of its own. NULL when the kernel fails: the op then
 * runs in every step and fails there with its own message. */
static tact_tensor_t *plan_fold_eval(tact_device_t *dev, const tact_op_t *op,
                                     const tact_tensor_t *const *in)
{
    int n_in = op->n_inputs;
    tact_value_t *values = tact__malloc((size_t) (n_in + 1) * sizeof *values);
    int *slots = tact__malloc((size_t) (n_in + 1) * sizeof *slots);
    for (int i = 0; i < n_in; i++) {
        values[i] = (tact_value_t) { (tact_tensor_t *) in[i], false };  /* never written */
        slots[i] = i;
    }
    tact_node_t node = { .kind = TACT_NODE_OP, .op = op, .n_in = n_in, .in_slots = slots,
                         .out_slot = n_in };
    tact_fragment_t frag = { .dev = dev, .n_nodes = 1, .nodes = &node };
    tact_step_t step = { .values = values };
    tact_status_t st = TACT_STATUS_INIT;
    tact_tensor_t *out = NULL;
    if (dev->iface->run(dev, &frag, &step, &st) == TACT_CODE_OK && values[n_in].tensor != NULL)
        out = values[n_in].owned ? values[n_in].tensor
                                 : tact__tensor_try_clone(values[n_in].tensor, NULL, NULL, &st);
    if (out == values[n_in].tensor)
        values[n_in].owned = false;  /* ours now */
    tact__value_release(values, n_in);
    free(values);
    free(slots);
    return out;
}

/* Shape, Size or Rank of a value whose static shape is what it needs (every dim for Shape and
 * Size, the rank for Rank), as TensorFlow materializes them; NULL otherwise. A fed value's
 * shape was checked against the endpoint's when it was fed. A variable's (or a resource's)
 * value is left to the run, whose read fails while the variable is uninitialised. */
static tact_tensor_t *plan_fold_shape(const plan_builder_t *b, const tact_op_t *op,
                                      const bool *elided, const tact_op_t *const *same)
{
    tact_output_t x = op->inputs[0];
    const tact_shape_t *s = &x.op->out_shape[x.index];
    tact_output_t from = plan_resolve(elided, same, x);
    tact_dtype_t dt = op->out_dtype[0];
    if (s->ndims < 0 || (dt != TACT_DTYPE_I32 && dt != TACT_DTYPE_I64) ||
        (plan_feed_index(b->sig, from.op, from.index) < 0 && !plan_pure_source(from.op)))
        return NULL;
    int64_t v[TACT_MAX_DIMS + 1], n = 1;
    for (int i = 0; i < s->ndims; i++) {
        if (op->kind != TACT_OP_RANK && s->dims[i] < 0)
            return NULL;
        v[i] = s->dims[i];
        n *= op->kind == TACT_OP_SIZE ? s->dims[i] : 1;
    }
    int64_t len = op->kind == TACT_OP_SHAPE ? s->ndims : 1;
    if (op->kind != TACT_OP_SHAPE)
        v[0] = op->kind == TACT_OP_SIZE ? n : s->ndims;
    tact_tensor_t *t = tact__tensor_alloc(dt, &len, op->kind == TACT_OP_SHAPE ? 1 : 0);
    for (int64_t i = 0; i < len; i++) {
        if (dt == TACT_DTYPE_I64) {
            ((int64_t *) t->data)[i] = v[i];
        } else if (v[i] > INT32_MAX) {  /* the kernel's error, at run time */
            tact_tensor_destroy(&t);
            return NULL;
        } else {
            ((int32_t *) t->data)[i] = (int32_t) v[i];
        }
    }
    return t;
}

/* Constant folding (Grappler's, and the graph optimizer's before it): an op of plan_fold_kind
 * on a CPU device whose inputs are constants (Const ops, or ops folded before it), or a Shape,
 * Size or Rank whose input's static shape answers it, is computed here, once: value[n] (by
 * order index) holds its value. Only the folded values something that runs reads (or a fetch)
 * are kept; the plan runs each as a Const of the op's name, and the folded ops before them,
 * and the Const ops only they read, do not run (fused_away[]). Not folded: a fed op, a target,
 * an op with control edges in or out (their order is the user's), one whose kernel fails
 * (it fails at run time as it did), one with more than one output, and values over
 * PLAN_FOLD_MAX_BYTES. Returns how many ops it folded. */
static int plan_fold(const plan_builder_t *b, const tact_op_t **order, int n_ops,
                     const int *dev_of, tact_device_t *devs, const int *node_of,
                     const bool *elided, const tact_op_t *const *same, bool *fused_away,
                     int *n_in_of, tact_tensor_t **value)
{
    const tact_signature_t *sig = b->sig;
    bool *pinned = tact__malloc((size_t) b->n_ids * sizeof *pinned);
    bool *live = tact__malloc((size_t) b->n_ids * sizeof *live);
    for (int i = 0; i < sig->n_targets; i++)
        pinned[sig->targets[i]->id] = true;
    for (int m = 0; m < n_ops; m++) {
        for (int c = 0; c < order[m]->n_controls; c++)
            pinned[order[m]->controls[c]->id] = true;
    }
    /* Candidates, from the graph alone: value[n] already for a Shape, Size or Rank its
     * input's static shape answers. */
    bool *cand = tact__malloc((size_t) (n_ops ? n_ops : 1) * sizeof *cand);
    for (int n = 0; n < n_ops; n++) {
        const tact_op_t *op = order[n];
        const tact_device_t *dev = &devs[dev_of[n]];
        if (fused_away[n] || pinned[op->id] || op->n_controls > 0 || b->n_fed[op->id] > 0 ||
            op->n_outputs != 1 || op->out_dtype[0] == TACT_DTYPE_STRING ||
            !plan_fold_kind(op->kind) || strcmp(dev->iface->kind, "CPU") != 0 ||
            (op->kind == TACT_OP_MATMUL && dev->ctx == NULL) ||  /* its GEMM is the device's */
            plan_fold_too_big(op))
            continue;
        if (op->kind == TACT_OP_SHAPE || op->kind == TACT_OP_SIZE || op->kind == TACT_OP_RANK)
            value[n] = plan_fold_shape(b, op, elided, same);
        cand[n] = true;  /* a Shape answered, or every input a constant */
        for (int i = 0; i < op->n_inputs && value[n] == NULL && cand[n]; i++) {
            tact_output_t r = plan_resolve(elided, same, op->inputs[i]);
            cand[n] = plan_feed_index(sig, r.op, r.index) < 0 && b->base[r.op->id] >= 0 &&
                      ((r.op->kind == TACT_OP_CONST && r.op->n_controls == 0) ||
                       cand[node_of[r.op->id]]);
        }
    }
    /* A folded value pays off where an op that is not folded reads it, directly or through
     * folded ops; only those are computed. Values only fetches read stay computed by the run:
     * a fetch of a folded value copies it to the caller each run, where a computed one moves
     * without a copy. */
    for (int m = n_ops - 1; m >= 0; m--) {
        const tact_op_t *op = order[m];
        if (fused_away[m] || (cand[m] && !live[op->id]))
            continue;
        for (int i = 0; i < op->n_inputs; i++)
            live[plan_resolve(elided, same, op->inputs[i]).op->id] = true;
    }
    int cap = 8, n_folded = 0;
    const tact_tensor_t **in = tact__malloc((size_t) cap * sizeof *in);
    for (int n = 0; n < n_ops; n++) {
        const tact_op_t *op = order[n];
        if (!cand[n] || !live[op->id]) {
            tact_tensor_destroy(&value[n]);
            continue;
        }
        if (value[n] == NULL) {
            if (op->n_inputs > cap) {
                cap = op->n_inputs;
                in = tact__realloc(in, (size_t) cap * sizeof *in);
            }
            int i = 0;
            for (; i < op->n_inputs; i++) {
                const tact_op_t *r = plan_resolve(elided, same, op->inputs[i]).op;
                in[i] = r->kind == TACT_OP_CONST ? r->attrs.value : value[node_of[r->id]];
                if (in[i] == NULL)
                    break;  /* an input whose kernel failed: this one runs too */
            }
            if (i == op->n_inputs)
                value[n] = plan_fold_eval(&devs[dev_of[n]], op, in);
        }
        if (value[n] != NULL && value[n]->nbytes > PLAN_FOLD_MAX_BYTES)
            tact_tensor_destroy(&value[n]);
        n_folded += value[n] != NULL;
    }
    free(in);
    free(cand);
    /* What still runs reads: the fetches and the inputs of the ops that are not folded. */
    memset(live, 0, (size_t) b->n_ids * sizeof *live);
    for (int i = 0; i < sig->n_fetches; i++)
        live[sig->fetches[i].op->id] = true;
    for (int n = 0; n < n_ops; n++) {
        const tact_op_t *op = order[n];
        if (fused_away[n] || value[n] != NULL)
            continue;
        for (int i = 0; i < op->n_inputs; i++)
            live[plan_resolve(elided, same, op->inputs[i]).op->id] = true;
    }
    for (int n = 0; n < n_ops; n++) {
        const tact_op_t *op = order[n];
        if (value[n] != NULL && !live[op->id]) {
            tact_tensor_destroy(&value[n]);  /* only folded ops read it: it does not run */
            fused_away[n] = true;
            n_folded--;
        } else if (op->kind == TACT_OP_CONST && n_folded > 0 && !fused_away[n] &&
                   !live[op->id] && !pinned[op->id] && op->n_controls == 0) {
            fused_away[n] = true;  /* every reader was folded */
        }
        if (value[n] != NULL || fused_away[n])
            n_in_of[n] = 0;  /* a Const now, or nothing */
    }
    free(pinned);
    free(live);
    return n_folded;
}

/* Grappler's dependency optimizer: a NoOp that is not a target only relays control edges,
 * from its control inputs to the ops that have it as one. It does not run when it, the control
 * inputs that run and those ops are all on one device: that device runs them in plan order,
 * which has the inputs before the ops, so no wait is lost (plan_waits skips it). Marks
 * fused_away[]; returns how many it removed. */
static int plan_drop_noops(const plan_builder_t *b, const tact_op_t **order, int n_ops,
                           const int *dev_of, const int *node_of, bool *fused_away)
{
    bool *keep = tact__malloc((size_t) b->n_ids * sizeof *keep);
    for (int i = 0; i < b->sig->n_targets; i++)
        keep[b->sig->targets[i]->id] = true;
    for (int m = 0; m < n_ops; m++) {
        const tact_op_t *op = order[m];
        for (int c = 0; c < op->n_controls; c++) {
            const tact_op_t *in = op->controls[c];
            if (b->base[in->id] < 0)
                continue;  /* ran earlier in the step, or fed: not in this plan */
            if (dev_of[node_of[in->id]] != dev_of[m])  /* either end a NoOp */
                keep[in->id] = keep[op->id] = true;
        }
    }
    int n_dropped = 0;
    for (int n = 0; n < n_ops; n++) {
        if (order[n]->kind == TACT_OP_NOOP && !keep[order[n]->id] && !fused_away[n]) {
            fused_away[n] = true;
            n_dropped++;
        }
    }
    free(keep);
    return n_dropped;
}

void tact__rewrites_from_config(const tact_config_t *c, tact_rewrites_t *rw)
{
    const struct tact_rewriter_config *ro = &c->graph_options.rewrite_options;
    const struct tact_optimizer_options *oo = &c->graph_options.optimizer_options;
    bool grappler = !ro->disable_meta_optimizer;
    bool l1 = oo->opt_level == TACT_OPT_LEVEL_L1;
    /* TensorFlow 2.21 (tests/data/make_rewrites_expected.py): the model pruner drops Identity
     * and StopGradient, the dependency optimizer Identity (not StopGradient) and relaying
     * NoOps; Grappler merges duplicates only with arithmetic_optimization on as well; the graph
     * optimizer folds and merges again after Grappler at L1. */
    rw->identities = grappler && (!ro->disable_model_pruning ||
                                  ro->dependency_optimization != TACT_TOGGLE_OFF);
    rw->stop_gradients = grappler && !ro->disable_model_pruning;
    rw->cse = (grappler && ro->common_subgraph_elimination != TACT_TOGGLE_OFF &&
               ro->arithmetic_optimization != TACT_TOGGLE_OFF) ||
              l1 || oo->do_common_subexpression_elimination;
    rw->fold = (grappler && ro->constant_folding != TACT_TOGGLE_OFF) || l1 ||
               oo->do_constant_folding;
    rw->noops = grappler && ro->dependency_optimization != TACT_TOGGLE_OFF;
    rw->fuse = grappler && ro->remapping != TACT_TOGGLE_OFF;
}

tact_code_t tact__rewrites_check_config(const tact_config_t *c, tact_status_t *st)
{
    const struct tact_rewriter_config *ro = &c->graph_options.rewrite_options;
    const struct {
        const char *name;
        tact_toggle_t value;
    } toggles[] = {
        { "constant_folding", ro->constant_folding },
        { "remapping", ro->remapping },
        { "arithmetic_optimization", ro->arithmetic_optimization },
        { "common_subgraph_elimination", ro->common_subgraph_elimination },
        { "dependency_optimization", ro->dependency_optimization },
    };
    for (size_t i = 0; i < sizeof toggles / sizeof toggles[0]; i++) {
        if ((unsigned) toggles[i].value > TACT_TOGGLE_OFF)
            return tact__fail(st, TACT_CODE_INVALID_ARGUMENT,
                              "graph_options.rewrite_options.%s: unknown value %d",
                              toggles[i].name, (int) toggles[i].value);
    }
    tact_opt_level_t level = c->graph_options.optimizer_options.opt_level;
    if (level != TACT_OPT_LEVEL_L1 && level != TACT_OPT_LEVEL_L0)
        return tact__fail(st, TACT_CODE_INVALID_ARGUMENT,
                          "graph_options.optimizer_options.opt_level: unknown value %d",
                          (int) level);
    return TACT_CODE_OK;
}

tact_plan_t *tact__plan_build(const tact_signature_t *sig, tact_device_t *devs, int n_devs,
                             bool allow_soft_placement, const tact_rewrites_t *rewrites,
                             tact_sched_pins_t *pins, tact_status_t *st)
{
    if (tact__failed(st))
        return NULL;
    static const tact_rewrites_t all = { true, true, true, true, true, true };
    const tact_rewrites_t *rw = rewrites != NULL ? rewrites : &all;
    plan_builder_t b = { .sig = sig, .n_ids = plan_max_id(sig) + 1 };
    b.needed = tact__malloc((size_t) b.n_ids * sizeof *b.needed);
    b.n_fed = tact__malloc((size_t) b.n_ids * sizeof *b.n_fed);
    b.base = tact__malloc((size_t) b.n_ids * sizeof *b.base);
    for (int i = 0; i < b.n_ids; i++)
        b.base[i] = -1;

    /* 1. Prune: everything the fetches and targets reach, stopping at fed endpoints. */
    for (int i = 0; i < sig->n_feeds; i++)
        b.n_fed[sig->feeds[i].op->id]++;
    for (int i = 0; i < sig->n_fetches; i++)
        plan_mark(&b, sig->fetches[i].op);
    for (int i = 0; i < sig->n_targets; i++)
        plan_mark(&b, sig->targets[i]);

    /* 2. Slots: the feeds' first (in signature order), then the outputs of each op that runs,
     * consecutive. An op whose every output is fed does not run: the feeds replace it. */
    int n_nodes = 0, n_in_total = 0;
    b.n_slots = sig->n_feeds;
    tact_graph_t *g = NULL;
    const tact_op_t **order = tact__malloc((size_t) b.n_ids * sizeof *order);
    for (int i = 0; i < sig->n_fetches + sig->n_targets && g == NULL; i++)
        g = i < sig->n_fetches ? sig->fetches[i].op->graph
                               : sig->targets[i - sig->n_fetches]->graph;
    if (g != NULL) {
        pthread_mutex_lock(&g->lock);  /* the ops array may be growing */
        for (int id = 0; id < b.n_ids; id++)
            order[id] = g->ops[id];
        pthread_mutex_unlock(&g->lock);
    }
    for (int id = 0; id < b.n_ids; id++) {
        const tact_op_t *op = order[id];
        if (!b.needed[id] || (op->n_outputs > 0 && b.n_fed[id] == op->n_outputs))
            continue;
        if (op->kind == TACT_OP_PLACEHOLDER || plan_fed_handle(sig, op, st) != TACT_CODE_OK) {
            free(order);
            plan_builder_fini(&b);
            if (op->kind == TACT_OP_PLACEHOLDER)
                plan_unfed_placeholder(op, st);
            return NULL;
        }
        order[n_nodes++] = op;
        n_in_total += op->n_inputs;
        b.base[id] = b.n_slots;
        b.n_slots += op->n_outputs;
    }

    /* 3. Placement: a device per node. */
    int *dev_of = tact__malloc((size_t) (n_nodes ? n_nodes : 1) * sizeof *dev_of);
    if (tact__sched_place(order, n_nodes, devs, n_devs, allow_soft_placement, pins, dev_of,
                          st) != TACT_CODE_OK) {
        free(dev_of);
        free(order);
        plan_builder_fini(&b);
        return NULL;
    }
    int *node_of = tact__malloc((size_t) b.n_ids * sizeof *node_of);  /* op id -> node */
    for (int n = 0; n < n_nodes; n++)
        node_of[order[n]->id] = n;

    /* 3b. Rewrites, those `rw` leaves on: Identity ops removed (plan_elide_identities),
     * duplicates merged (plan_cse), constants folded (plan_fold), relaying NoOps removed
     * (plan_drop_noops), then fusion (plan_fuse). */
    int *n_in_of = tact__malloc((size_t) (n_nodes ? n_nodes : 1) * sizeof *n_in_of);
    const tact_fusion_t **fuse = tact__malloc((size_t) (n_nodes ? n_nodes : 1) * sizeof *fuse);
    bool *fused_away = tact__malloc((size_t) (n_nodes ? n_nodes : 1) * sizeof *fused_away);
    tact_fusion_t *fusions = tact__malloc((size_t) (n_nodes ? n_nodes : 1) * sizeof *fusions);
    for (int n = 0; n < n_nodes; n++)
        n_in_of[n] = order[n]->n_inputs;
    int *uses = tact__malloc((size_t) b.n_ids * sizeof *uses);
    int *user = tact__malloc((size_t) b.n_ids * sizeof *user);
    bool *elided = tact__malloc((size_t) b.n_ids * sizeof *elided);
    plan_count_uses(&b, order, n_nodes, uses, user);
    const tact_op_t **same = tact__malloc((size_t) b.n_ids * sizeof *same);
    plan_elide_identities(&b, order, n_nodes, dev_of, node_of, uses, rw, elided, fused_away,
                          n_in_of);
    if (rw->cse)
        plan_cse(&b, order, n_nodes, dev_of, elided, same, fused_away, n_in_of);
    tact_tensor_t **folded = tact__malloc((size_t) (n_nodes ? n_nodes : 1) * sizeof *folded);
    int n_folded = rw->fold ? plan_fold(&b, order, n_nodes, dev_of, devs, node_of, elided, same,
                                        fused_away, n_in_of, folded)
                            : 0;
    if (rw->noops)
        plan_drop_noops(&b, order, n_nodes, dev_of, node_of, fused_away);
    if (rw->fuse)
        plan_fuse(order, n_nodes, dev_of, devs, node_of, uses, user, folded, fusions, fuse,
                  fused_away, n_in_of);
    free(uses);
    free(user);
    n_in_total = 0;
    for (int n = 0; n < n_nodes; n++)
        n_in_total += n_in_of[n];

    /* 4. Copies where an edge leaves or enters a device's own memory (plan_seq_t). */
    plan_seq_t q;
    plan_seq_init(&q, &b, order, n_nodes, dev_of, devs, n_in_total, n_in_of);
    q.node_of = node_of;
    for (int n = 0; n < n_nodes; n++) {
        const tact_op_t *op = order[n];
        int d = dev_of[n];
        int want = devs[d].iface->device_memory ? d : PLAN_HOST;
        if (fused_away[n])
            continue;
        const tact_fusion_t *f = fuse[n];
        for (int i = 0; i < n_in_of[n]; i++) {
            const tact_output_t *in = &op->inputs[i];
            if (f != NULL)  /* the head's operands, then the bias and the residual */
                in = tact__fusion_input(f, i);
            tact_output_t from = plan_resolve(elided, same, *in);
            q.in_of[q.in_off[n] + i] =
                plan_value_in(&q, plan_endpoint_slot(&b, from.op, from.index), want, d);
        }
        plan_seq_push(&q, TACT_NODE_OP, n);
        for (int k = 0; k < op->n_outputs; k++)
            q.slot_prod[b.base[op->id] + k] = q.n_seq - 1;
    }
    int *fetch_slots = tact__malloc((size_t) (sig->n_fetches ? sig->n_fetches : 1) * sizeof(int));
    for (int i = 0; i < sig->n_fetches; i++)  /* results go to the caller in host memory */
        fetch_slots[i] = plan_value_in(
            &q, plan_endpoint_slot(&b, sig->fetches[i].op, sig->fetches[i].index), PLAN_HOST, 0);
    int n_seq = q.n_seq, n_slots = q.n_slots;

    /* 5. Lifetimes: a slot is freed after its last reader (or its producer, if none reads
     * it); fetched slots, and slots read on another device than their producer's (or feeds
     * read on several devices), live to the end of the run. */
    int *last = tact__malloc((size_t) n_slots * sizeof *last);
    bool *keep = tact__malloc((size_t) n_slots * sizeof *keep);
    int *feed_dev = tact__malloc((size_t) n_slots * sizeof *feed_dev);
    for (int s = 0; s < n_slots; s++) {
        last[s] = -1;
        feed_dev[s] = -1;
    }
    for (int i = 0; i < sig->n_fetches; i++)
        keep[fetch_slots[i]] = true;
    int n_in_nodes = 0;  /* input entries of every node, copies included */
    for (int p = 0; p < n_seq; p++) {
        int nd = plan_seq_dev(&q, p), n_in;
        const int *in = plan_seq_inputs(&q, p, &n_in);
        n_in_nodes += n_in;
        for (int i = 0; i < n_in; i++) {
            int slot = in[i];
            last[slot] = p;
            if (q.slot_prod[slot] >= 0) {
                if (plan_seq_dev(&q, q.slot_prod[slot]) != nd)
                    keep[slot] = true;
            } else if (feed_dev[slot] < 0) {
                feed_dev[slot] = nd;  /* a feed: first reader's device */
            } else if (feed_dev[slot] != nd) {
                keep[slot] = true;
            }
        }
        int first, n_out = plan_seq_outputs(&q, p, &first);
        for (int k = 0; k < n_out; k++)
            last[first + k] = p;
    }

    /* 6. Cross-device order: a node waits for each producer (data or control) on another
     * device; such producers signal when done. Between host devices the value itself moves by
     * pointer through its slot; to and from a GPU the copy nodes moved it. */
    bool *signals = tact__malloc((size_t) (n_seq ? n_seq : 1) * sizeof *signals);
    int n_waits = 0;
    for (int p = 0; p < n_seq; p++)
        n_waits += plan_waits(&q, p, signals, NULL);
    /* Releases grouped by node (a counting sort of the slots by last use). */
    int *rel_start = tact__malloc((size_t) (n_seq + 1) * sizeof *rel_start);
    int n_release = 0;
    for (int s = 0; s < n_slots; s++) {
        if (!keep[s] && last[s] >= 0) {
            rel_start[last[s] + 1]++;
            n_release++;
        }
    }
    for (int p = 0; p < n_seq; p++)
        rel_start[p + 1] += rel_start[p];

    /* 7. Nodes, grouped into one fragment per device (each in run order). A folded op's node
     * runs a Const of its name holding the folded value. */
    tact_plan_t *plan = tact__malloc(sizeof *plan);
    int *const_of = tact__malloc((size_t) (n_nodes ? n_nodes : 1) * sizeof *const_of);
    plan->consts = tact__malloc((size_t) (n_folded ? n_folded : 1) * sizeof *plan->consts);
    for (int n = 0; n < n_nodes; n++) {
        if (folded[n] == NULL)
            continue;
        tact_op_t *k = &plan->consts[plan->n_consts];
        *k = *order[n];
        k->kind = TACT_OP_CONST;
        k->n_inputs = k->n_controls = 0;
        k->inputs = NULL;
        k->controls = NULL;
        k->attrs.value = folded[n];
        const_of[n] = plan->n_consts++;
    }
    plan->n_slots = n_slots;
    plan->n_nodes = n_seq;
    plan->n_ops = n_nodes;
    plan->nodes = tact__malloc((size_t) (n_seq ? n_seq : 1) * sizeof *plan->nodes);
    plan->ints = tact__malloc((size_t) (n_in_nodes + n_release + n_waits + 1) * sizeof *plan->ints);
    int *ints = plan->ints;
    int *rel = ints + n_in_nodes;  /* release lists, after every input list */
    int *waits = rel + n_release;  /* wait lists last */
    for (int s = 0; s < n_slots; s++) {
        if (!keep[s] && last[s] >= 0)
            rel[rel_start[last[s]]++] = s;
    }
    for (int p = n_seq; p > 0; p--)  /* the fill advanced each start to the next one's */
        rel_start[p] = rel_start[p - 1];
    rel_start[0] = 0;
    plan->fragments = tact__malloc((size_t) (n_devs ? n_devs : 1) * sizeof *plan->fragments);
    plan->n_fragments = 0;
    int placed = 0;
    for (int d = 0; d < n_devs; d++) {
        tact_fragment_t *frag = &plan->fragments[plan->n_fragments];
        *frag = (tact_fragment_t) { .dev = &devs[d], .nodes = plan->nodes + placed };
        for (int p = 0; p < n_seq; p++) {
            if (plan_seq_dev(&q, p) != d)
                continue;
            tact_node_t *node = &plan->nodes[placed++];
            int n_in, first;
            const int *in = plan_seq_inputs(&q, p, &n_in);
            int n_out = plan_seq_outputs(&q, p, &first);
            node->kind = q.kind[p];
            node->op = plan_seq_op(&q, p);
            if (node->kind == TACT_NODE_OP && folded[q.ref[p]] != NULL)
                node->op = &plan->consts[const_of[q.ref[p]]];
            node->fusion = node->kind == TACT_NODE_OP ? fuse[q.ref[p]] : NULL;
            node->index = p;
            node->n_in = n_in;
            node->in_slots = ints;
            node->fresh_inputs = 0;
            for (int i = 0; i < n_in; i++) {
                *ints++ = in[i];
                /* an op's own slot (not a feed, not a copy) holding a variable's value */
                if (node->kind == TACT_NODE_OP && i < 64 && in[i] >= sig->n_feeds &&
                    in[i] < b.n_slots && q.slot_op[in[i]]->kind == TACT_OP_VARIABLE)
                    node->fresh_inputs |= (uint64_t) 1 << i;
            }
            node->out_slot = n_out > 0 ? first : -1;
            node->release_slots = rel + rel_start[p];
            node->n_release = rel_start[p + 1] - rel_start[p];
            node->signal = signals[p];
            for (int c = 0; c < q.n_copies && node->kind == TACT_NODE_OP; c++) {
                /* a value of this node that a copy takes into device memory */
                int src = q.cp_src[c];
                if (src >= first && src < first + n_out &&
                    q.kind[q.slot_prod[q.cp_out[c]]] == TACT_NODE_COPY_IN)
                    node->pin_out = true;
            }
            node->wait_nodes = waits;
            waits += plan_waits(&q, p, NULL, waits);
            node->n_wait = (int) (waits - node->wait_nodes);
            if (node->kind == TACT_NODE_OP && tact__op_kind_may_block(node->op->kind))
                frag->blocking = true;
            frag->n_nodes++;
        }
        if (frag->n_nodes > 0)
            plan->n_fragments++;
    }
    plan->placement = dev_of;  /* by op, for the placement log and report */
    plan->by_index = tact__malloc((size_t) (n_seq ? n_seq : 1) * sizeof *plan->by_index);
    for (int k = 0; k < n_seq; k++)
        plan->by_index[plan->nodes[k].index] = &plan->nodes[k];
    /* 8. Segments: consecutive nodes of one device in run order are consecutive in its
     * fragment too, so each segment is a slice of a fragment. */
    plan->segments = tact__malloc((size_t) (n_seq ? n_seq : 1) * sizeof *plan->segments);
    for (int p = 0; p < n_seq; p++) {
        tact_device_t *dev = &devs[plan_seq_dev(&q, p)];
        tact_fragment_t *cur = plan->n_segments ? &plan->segments[plan->n_segments - 1] : NULL;
        if (cur != NULL && cur->dev == dev) {
            TACT_ASSERT(cur->nodes + cur->n_nodes == plan->by_index[p]);
            cur->n_nodes++;
            continue;
        }
        plan->segments[plan->n_segments++] = (tact_fragment_t) { .dev = dev, .n_nodes = 1,
                                                                 .nodes = plan->by_index[p] };
        plan->n_remote_segments += !dev->iface->caller_may_run;
    }
    /* 9. Names for the partition text: the sequence's slot names and the copies' peers. */
    plan->n_sig_slots = b.n_slots;
    plan->slot_op = q.slot_op;
    plan->slot_index = q.slot_index;
    q.slot_op = NULL;
    q.slot_index = NULL;
    plan->copy_peer = tact__malloc((size_t) (n_seq ? n_seq : 1) * sizeof *plan->copy_peer);
    for (int p = 0; p < n_seq; p++) {
        if (q.kind[p] != TACT_NODE_OP)
            plan->copy_peer[p] = &devs[q.cp_peer[q.ref[p]]];
    }
    plan->client = &devs[0];
    plan->order = order;
    plan->fusions = fusions;
    plan->n_feeds = sig->n_feeds;
    plan->feed_slots = tact__malloc((size_t) (sig->n_feeds ? sig->n_feeds : 1) * sizeof(int));
    for (int i = 0; i < sig->n_feeds; i++)
        plan->feed_slots[i] = i;
    plan->n_fetches = sig->n_fetches;
    plan->fetch_slots = fetch_slots;
    plan->n_keys = tact__signature_n_keys(sig);
    plan->keys = tact__malloc((size_t) plan->n_keys * sizeof *plan->keys);
    plan->hash = tact__signature_keys(sig, plan->keys);

    plan_seq_fini(&q);
    free(const_of);
    free(folded);
    free(n_in_of);
    free(fuse);
    free(fused_away);
    free(elided);
    free(same);
    free(signals);
    free(node_of);
    free(rel_start);
    free(last);
    free(keep);
    free(feed_dev);
    plan_builder_fini(&b);
    return plan;
}

void tact__plan_destroy(tact_plan_t **plan_p)
{
    if (plan_p == NULL || *plan_p == NULL)
        return;
    tact_plan_t *plan = *plan_p;
    free(plan->keys);
    free(plan->feed_slots);
    free(plan->fetch_slots);
    free(plan->nodes);
    free(plan->ints);
    free(plan->placement);
    free(plan->order);
    free(plan->by_index);
    free(plan->segments);
    free(plan->slot_op);
    free(plan->slot_index);
    free(plan->copy_peer);
    free(plan->fusions);
    for (int k = 0; k < plan->n_consts; k++)
        tact_tensor_destroy(&plan->consts[k].attrs.value);
    free(plan->consts);
    free(plan->fragments);
    free(plan);
    *plan_p = NULL;
}

/* "a:1", or "a" for output 0, as TensorFlow writes a node's inputs; a copy's node name.
 * Caller frees (names have no length limit). */
char *tact__plan_slot_name(const tact_plan_t *plan, int slot)
{
    if (slot >= plan->n_sig_slots)  /* copy c writes slot n_sig_slots + c (plan_copy) */
        return tact__asprintf("%s/_%d", plan->slot_op[slot]->name, slot - plan->n_sig_slots);
    if (plan->slot_index[slot] == 0)
        return tact__strdup(plan->slot_op[slot]->name);
    return tact__asprintf("%s:%d", plan->slot_op[slot]->name, plan->slot_index[slot]);
}
