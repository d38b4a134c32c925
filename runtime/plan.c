/* SPDX-License-Identifier: MIT */
/* Plan building: pruning, slot numbering, lifetimes, fragments. Pure: it starts no threads and
 * touches no device, so it is tested without any. Ops are appended to graphs with increasing
 * ids and inputs always precede their consumers, so sorting the pruned ops by id gives a
 * topological order for free. */
#include "runtime/plan.h"
#include "runtime/sched.h"

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
                (data && plan_feed_index(b->sig, in, op->inputs[i].index) >= 0))
                continue;  /* a fed input cuts the graph there */
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

tact_plan_t *tact__plan_build(const tact_signature_t *sig, tact_device_t *devs, int n_devs,
                             bool allow_soft_placement, tact_status_t *st)
{
    if (tact__failed(st))
        return NULL;
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
        g = i < sig->n_fetches ? sig->fetches[i].op->graph : sig->targets[i - sig->n_fetches]->graph;
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
        if (op->kind == TACT_OP_PLACEHOLDER) {
            free(order);
            plan_builder_fini(&b);
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
    if (tact__sched_place(order, n_nodes, devs, n_devs, allow_soft_placement, dev_of, st) !=
        TACT_CODE_OK) {
        free(dev_of);
        free(order);
        plan_builder_fini(&b);
        return NULL;
    }
    int *node_of = tact__malloc((size_t) b.n_ids * sizeof *node_of);  /* op id -> node */
    for (int n = 0; n < n_nodes; n++)
        node_of[order[n]->id] = n;

    /* 4. Lifetimes: a slot is freed after its last reader (or its producer, if none reads
     * it); fetched slots, and slots read on another device than their producer's (or feeds
     * read on several devices), live to the end of the run. */
    int *last = tact__malloc((size_t) b.n_slots * sizeof *last);
    bool *keep = tact__malloc((size_t) b.n_slots * sizeof *keep);
    int *slot_dev = tact__malloc((size_t) b.n_slots * sizeof *slot_dev);
    for (int s = 0; s < b.n_slots; s++) {
        last[s] = -1;
        slot_dev[s] = -1;
    }
    for (int i = 0; i < sig->n_fetches; i++)
        keep[plan_endpoint_slot(&b, sig->fetches[i].op, sig->fetches[i].index)] = true;
    for (int n = 0; n < n_nodes; n++) {
        const tact_op_t *op = order[n];
        for (int k = 0; k < op->n_outputs; k++) {
            last[b.base[op->id] + k] = n;
            slot_dev[b.base[op->id] + k] = dev_of[n];
        }
        for (int i = 0; i < op->n_inputs; i++) {
            int slot = plan_endpoint_slot(&b, op->inputs[i].op, op->inputs[i].index);
            last[slot] = n;
            if (slot_dev[slot] < 0)
                slot_dev[slot] = dev_of[n];  /* a feed: first reader's device */
            else if (slot_dev[slot] != dev_of[n])
                keep[slot] = true;
        }
    }

    /* 5. Cross-device edges: a node waits for each producer (data or control) placed on
     * another device; such producers signal when done. Host devices share memory, so the
     * value itself moves by pointer through its slot. */
    bool *signals = tact__malloc((size_t) (n_nodes ? n_nodes : 1) * sizeof *signals);
    int n_waits = 0;
    for (int n = 0; n < n_nodes; n++) {
        const tact_op_t *op = order[n];
        for (int i = 0; i < op->n_inputs + op->n_controls; i++) {
            bool data = i < op->n_inputs;
            const tact_op_t *src = data ? op->inputs[i].op : op->controls[i - op->n_inputs];
            if (b.base[src->id] < 0 || (data && plan_feed_index(sig, src, op->inputs[i].index) >= 0) ||
                dev_of[node_of[src->id]] == dev_of[n])
                continue;  /* no producer runs (fed), or it runs on this device */
            signals[node_of[src->id]] = true;
            n_waits++;
        }
    }
    /* Releases grouped by node (a counting sort of the slots by last use). */
    int *rel_start = tact__malloc((size_t) (n_nodes + 1) * sizeof *rel_start);
    int n_release = 0;
    for (int s = 0; s < b.n_slots; s++) {
        if (!keep[s] && last[s] >= 0) {
            rel_start[last[s] + 1]++;
            n_release++;
        }
    }
    for (int n = 0; n < n_nodes; n++)
        rel_start[n + 1] += rel_start[n];

    /* 6. Nodes, grouped into one fragment per device (each in topological order). */
    tact_plan_t *plan = tact__malloc(sizeof *plan);
    plan->n_slots = b.n_slots;
    plan->n_nodes = n_nodes;
    plan->nodes = tact__malloc((size_t) n_nodes * sizeof *plan->nodes);
    plan->ints = tact__malloc((size_t) (n_in_total + n_release + n_waits) * sizeof *plan->ints);
    int *ints = plan->ints;
    int *rel = ints + n_in_total;  /* release lists, after every input list */
    int *waits = rel + n_release;  /* wait lists last */
    for (int s = 0; s < b.n_slots; s++) {
        if (!keep[s] && last[s] >= 0)
            rel[rel_start[last[s]]++] = s;
    }
    for (int n = n_nodes; n > 0; n--)  /* the fill advanced each start to the next one's */
        rel_start[n] = rel_start[n - 1];
    rel_start[0] = 0;
    plan->fragments = tact__malloc((size_t) (n_devs ? n_devs : 1) * sizeof *plan->fragments);
    plan->n_fragments = 0;
    int placed = 0;
    for (int d = 0; d < n_devs; d++) {
        tact_fragment_t *frag = &plan->fragments[plan->n_fragments];
        *frag = (tact_fragment_t) { .dev = &devs[d], .nodes = plan->nodes + placed };
        for (int n = 0; n < n_nodes; n++) {
            if (dev_of[n] != d)
                continue;
            const tact_op_t *op = order[n];
            tact_node_t *node = &plan->nodes[placed++];
            node->op = op;
            node->index = n;
            node->n_in = op->n_inputs;
            node->in_slots = ints;
            for (int i = 0; i < op->n_inputs; i++)
                *ints++ = plan_endpoint_slot(&b, op->inputs[i].op, op->inputs[i].index);
            node->out_slot = op->n_outputs > 0 ? b.base[op->id] : -1;
            node->release_slots = rel + rel_start[n];
            node->n_release = rel_start[n + 1] - rel_start[n];
            node->signal = signals[n];
            node->wait_nodes = waits;
            for (int i = 0; i < op->n_inputs + op->n_controls; i++) {
                bool data = i < op->n_inputs;
                const tact_op_t *src = data ? op->inputs[i].op : op->controls[i - op->n_inputs];
                if (b.base[src->id] < 0 ||
                    (data && plan_feed_index(sig, src, op->inputs[i].index) >= 0) ||
                    dev_of[node_of[src->id]] == d)
                    continue;
                *waits++ = node_of[src->id];
            }
            node->n_wait = (int) (waits - node->wait_nodes);
            if (tact__op_kind_may_block(op->kind))
                frag->blocking = true;
            frag->n_nodes++;
        }
        if (frag->n_nodes > 0)
            plan->n_fragments++;
    }
    plan->placement = dev_of;  /* by node index, for the placement log and report */
    plan->by_index = tact__malloc((size_t) (n_nodes ? n_nodes : 1) * sizeof *plan->by_index);
    plan->node_frag = tact__malloc((size_t) (n_nodes ? n_nodes : 1) * sizeof *plan->node_frag);
    for (int k = 0; k < n_nodes; k++) {
        const tact_node_t *node = &plan->nodes[k];
        plan->by_index[node->index] = node;
        plan->node_frag[node->index] = (tact_fragment_t) { .dev = &devs[dev_of[node->index]],
                                                           .n_nodes = 1, .nodes = node };
    }
    plan->order = order;
    free(signals);
    free(slot_dev);
    free(node_of);
    plan->n_feeds = sig->n_feeds;
    plan->feed_slots = tact__malloc((size_t) sig->n_feeds * sizeof(int));
    for (int i = 0; i < sig->n_feeds; i++)
        plan->feed_slots[i] = i;
    plan->n_fetches = sig->n_fetches;
    plan->fetch_slots = tact__malloc((size_t) sig->n_fetches * sizeof(int));
    for (int i = 0; i < sig->n_fetches; i++)
        plan->fetch_slots[i] = plan_endpoint_slot(&b, sig->fetches[i].op, sig->fetches[i].index);
    plan->n_keys = tact__signature_n_keys(sig);
    plan->keys = tact__malloc((size_t) plan->n_keys * sizeof *plan->keys);
    plan->hash = tact__signature_keys(sig, plan->keys);

    free(rel_start);
    free(last);
    free(keep);
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
    free(plan->fragments);
    free(plan->nodes);
    free(plan->ints);
    free(plan->placement);
    free(plan->order);
    free(plan->by_index);
    free(plan->node_frag);
    free(plan);
    *plan_p = NULL;
}
