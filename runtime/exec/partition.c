/* SPDX-License-Identifier: MIT */
/* TensorFlow's partition graphs of a plan (RunOptions.output_partition_graphs), described from
 * the plan's nodes: every value that one device makes and another reads is a _Send on the
 * maker's partition and a _Recv on the reader's, one pair per value and reading device,
 * whether the value moves by a copy (a GPU's memory) or by pointer (host devices); feeds are
 * _Arg nodes on the client's device (devs[0], CPU:0) and fetches _Retval nodes there, with a
 * pair where a fetched value was made elsewhere, and for an op that waits on another
 * device's op only for order (a control dependency) a dummy value sent between them, as
 * TensorFlow's partitioner does. Names follow TensorFlow's: "_arg_x_0_0" (the
 * tensor's node, output and position among the feeds sorted by name), "_retval_y_0_0", and
 * "m/_4" for the pair's nodes, numbered per plan, the _Send before its _Recv. Only the
 * description: what runs is the plan. */
#include "runtime/exec/plan.h"

typedef struct desc_edge {
    int origin;                   /* the slot whose value crosses (a feed or an op's output) */
    int to;                       /* the reading device, as an index into parts */
    int k;                        /* the _Send is "<node>/_k", the _Recv "<node>/_<k+1>" */
    bool recv_done, send_done;    /* written into their partitions' text */
} desc_edge_t;

/* A control dependency between two partitions: TensorFlow's partitioner sends a dummy value,
 * "<w>/ctrl/_k = Const()" (under a control input from w) and "<w>/_k+1 = _Send" on the
 * waited-for op's partition,
 * "<w>/_k+2 = _Recv" and "<w>/_k+3 = Identity" on the waiting op's, which then waits on the
 * Identity. */
typedef struct desc_ctrl {
    int from;                     /* node index of the op waited for */
    int to;                       /* the waiting op's partition */
    int k;
    bool recv_done, send_done;
} desc_ctrl_t;

typedef struct desc_text {
    size_t used, cap;
    char *s;
} desc_text_t;

typedef struct desc {
    const tact_plan_t *plan;
    tact_plan_desc_t *out;
    int *origin;                  /* by slot: the feed or op output it holds a copy of */
    int *part_of;                 /* by node index: its partition */
    int *prod;                    /* by slot: the node index that writes it, -1 for feeds */
    int *feed_pos;                /* by feed: its position among the feeds sorted by name */
    int n_edges, cap_edges;
    desc_edge_t *edges;
    int n_ctrls, cap_ctrls;
    desc_ctrl_t *ctrls;
    desc_text_t *texts;           /* by partition */
} desc_t;

static void desc_add(desc_text_t *t, char *line)
{
    size_t add = strlen(line);
    if (t->used + add + 1 > t->cap) {  /* doubling: linear in the text however long it gets */
        t->cap = t->cap ? t->cap : 256;
        while (t->used + add + 1 > t->cap)
            t->cap *= 2;
        t->s = tact__realloc(t->s, t->cap);
    }
    memcpy(t->s + t->used, line, add + 1);
    t->used += add;
    free(line);
}

/* "name:index" of endpoint slot s (a feed or an op's output), for sorting like TensorFlow. */
static char *desc_tensor_name(const tact_plan_t *plan, int s)
{
    return tact__asprintf("%s:%d", plan->slot_op[s]->name, plan->slot_index[s]);
}

/* Positions of slots[0..n) among themselves sorted by tensor name. */
static void desc_sort_positions(const tact_plan_t *plan, const int *slots, int n, int *pos)
{
    char **names = tact__malloc((size_t) (n ? n : 1) * sizeof *names);
    for (int i = 0; i < n; i++)
        names[i] = desc_tensor_name(plan, slots[i]);
    for (int i = 0; i < n; i++) {
        pos[i] = 0;
        for (int j = 0; j < n; j++)
            pos[i] += strcmp(names[j], names[i]) < 0 || (strcmp(names[j], names[i]) == 0 && j < i);
    }
    for (int i = 0; i < n; i++)
        free(names[i]);
    free(names);
}

/* The node name of origin slot s: the feed's _Arg or the op. */
static char *desc_node_name(const desc_t *d, int s)
{
    const tact_plan_t *plan = d->plan;
    if (s < plan->n_feeds)
        return tact__asprintf("_arg_%s_%d_%d", plan->slot_op[s]->name, plan->slot_index[s],
                              d->feed_pos[s]);
    return tact__strdup(plan->slot_op[s]->name);
}

/* How a node's input names origin slot s on its own partition: "a", "a:1", "_arg_x_0_0". */
static char *desc_input_name(const desc_t *d, int s)
{
    if (s < d->plan->n_feeds)
        return desc_node_name(d, s);
    return tact__plan_slot_name(d->plan, s);
}

static int desc_part_of_origin(const desc_t *d, int s)
{
    return d->prod[s] < 0 ? 0 : d->part_of[d->prod[s]];  /* feeds: the client's partition */
}

/* The edge taking origin slot s to partition `to`, made on first use. */
static desc_edge_t *desc_edge(desc_t *d, int s, int to)
{
    for (int e = 0; e < d->n_edges; e++) {
        if (d->edges[e].origin == s && d->edges[e].to == to)
            return &d->edges[e];
    }
    if (d->n_edges == d->cap_edges) {
        d->cap_edges = d->cap_edges ? 2 * d->cap_edges : 8;
        d->edges = tact__realloc(d->edges, (size_t) d->cap_edges * sizeof *d->edges);
    }
    desc_edge_t *e = &d->edges[d->n_edges];
    *e = (desc_edge_t) { .origin = s, .to = to, .k = 2 * d->n_edges };
    d->n_edges++;
    return e;
}

/* The control pair from node `from` to partition `to`, made on first use (numbered after
 * every data edge, which are all known by then). */
static desc_ctrl_t *desc_ctrl(desc_t *d, int from, int to)
{
    for (int c = 0; c < d->n_ctrls; c++) {
        if (d->ctrls[c].from == from && d->ctrls[c].to == to)
            return &d->ctrls[c];
    }
    if (d->n_ctrls == d->cap_ctrls) {
        d->cap_ctrls = d->cap_ctrls ? 2 * d->cap_ctrls : 4;
        d->ctrls = tact__realloc(d->ctrls, (size_t) d->cap_ctrls * sizeof *d->ctrls);
    }
    desc_ctrl_t *c = &d->ctrls[d->n_ctrls];
    *c = (desc_ctrl_t) { .from = from, .to = to, .k = 2 * d->n_edges + 4 * d->n_ctrls };
    d->n_ctrls++;
    return c;
}

/* True when `node` (an op) waits for node index w only for order: none of its inputs is w's. */
static bool desc_waits_for_order(const desc_t *d, const tact_node_t *node, int w)
{
    for (int i = 0; i < node->n_in; i++) {
        if (d->prod[d->origin[node->in_slots[i]]] == w)
            return false;
    }
    return true;
}

static char *desc_device(const tact_plan_desc_t *out, int part)
{
    char buf[96];
    tact__device_full_name(out->parts[part].dev, buf, sizeof buf);
    return tact__strdup(buf);
}

static void desc_emit_recv(desc_t *d, desc_edge_t *e)
{
    if (e->recv_done)
        return;
    e->recv_done = true;
    char *node = desc_node_name(d, e->origin);
    char *from = desc_device(d->out, desc_part_of_origin(d, e->origin));
    int index = e->origin < d->plan->n_feeds ? 0 : d->plan->slot_index[e->origin];
    desc_add(&d->texts[e->to], tact__asprintf("%s/_%d = _Recv(%s:%d from %s)\n", node, e->k + 1,
                                              node, index, from));
    d->out->parts[e->to].n_recvs++;
    free(node);
    free(from);
}

/* The _Send lines of every edge leaving from origin slots [first, first + n). */
static void desc_emit_sends(desc_t *d, int first, int n)
{
    for (int i = 0; i < d->n_edges; i++) {
        desc_edge_t *e = &d->edges[i];
        if (e->send_done || e->origin < first || e->origin >= first + n)
            continue;
        e->send_done = true;
        int part = desc_part_of_origin(d, e->origin);
        char *node = desc_node_name(d, e->origin), *to = desc_device(d->out, e->to);
        int index = e->origin < d->plan->n_feeds ? 0 : d->plan->slot_index[e->origin];
        desc_add(&d->texts[part], tact__asprintf("%s/_%d = _Send(%s:%d to %s)\n", node, e->k,
                                                 node, index, to));
        d->out->parts[part].n_sends++;
        free(node);
        free(to);
    }
}

/* The Const and _Send of every control pair leaving op node `from`. */
static void desc_emit_ctrl_sends(desc_t *d, int from)
{
    for (int i = 0; i < d->n_ctrls; i++) {
        desc_ctrl_t *c = &d->ctrls[i];
        if (c->send_done || c->from != from)
            continue;
        c->send_done = true;
        int part = d->part_of[from];
        const char *name = d->plan->by_index[from]->op->name;
        char *to = desc_device(d->out, c->to);
        desc_add(&d->texts[part], tact__asprintf("%s/ctrl/_%d = Const()\n", name, c->k));
        desc_add(&d->texts[part], tact__asprintf("%s/_%d = _Send(%s/ctrl/_%d:0 to %s)\n", name,
                                                 c->k + 1, name, c->k, to));
        d->out->parts[part].n_sends++;
        free(to);
    }
}

/* The _Recv and Identity of the control pairs op node p waits on. */
static void desc_emit_ctrl_recvs(desc_t *d, int p)
{
    for (int i = 0; i < d->n_ctrls; i++) {
        desc_ctrl_t *c = &d->ctrls[i];
        if (c->recv_done || c->to != d->part_of[p])
            continue;
        const tact_node_t *node = d->plan->by_index[p];
        bool waits = false;
        for (int w = 0; w < node->n_wait && !waits; w++)
            waits = node->wait_nodes[w] == c->from;
        if (!waits)
            continue;
        c->recv_done = true;
        const char *name = d->plan->by_index[c->from]->op->name;
        char *from = desc_device(d->out, d->part_of[c->from]);
        desc_add(&d->texts[c->to], tact__asprintf("%s/_%d = _Recv(%s/ctrl/_%d:0 from %s)\n",
                                                  name, c->k + 2, name, c->k, from));
        desc_add(&d->texts[c->to], tact__asprintf("%s/_%d = Identity(%s/_%d)\n", name, c->k + 3,
                                                  name, c->k + 2));
        d->out->parts[c->to].n_recvs++;
        free(from);
    }
}

tact_plan_desc_t *tact__plan_describe(const tact_plan_t *plan)
{
    tact_plan_desc_t *out = tact__malloc(sizeof *out);
    desc_t d = { .plan = plan, .out = out };
    int n_slots = plan->n_slots, n_nodes = plan->n_nodes;
    d.origin = tact__malloc((size_t) (n_slots + 1) * sizeof *d.origin);
    d.prod = tact__malloc((size_t) (n_slots + 1) * sizeof *d.prod);
    d.part_of = tact__malloc((size_t) (n_nodes + 1) * sizeof *d.part_of);
    d.feed_pos = tact__malloc((size_t) (plan->n_feeds + 1) * sizeof *d.feed_pos);
    desc_sort_positions(plan, plan->feed_slots, plan->n_feeds, d.feed_pos);

    /* Partitions: the client's first (it holds the _Arg and _Retval nodes even where no op of
     * the step runs on it), then each other fragment's device. */
    bool client_frag = plan->n_fragments > 0 && plan->fragments[0].dev == plan->client;
    bool client_part = client_frag || plan->n_feeds > 0 || plan->n_fetches > 0;
    int n_parts = plan->n_fragments + (client_part && !client_frag);
    out->parts = tact__malloc((size_t) (n_parts ? n_parts : 1) * sizeof *out->parts);
    d.texts = tact__malloc((size_t) (n_parts ? n_parts : 1) * sizeof *d.texts);
    if (client_part && !client_frag)
        out->parts[out->n_parts++] = (tact_partition_desc_t) { .dev = plan->client,
                                                               .fragment = -1 };
    for (int f = 0; f < plan->n_fragments; f++)
        out->parts[out->n_parts++] = (tact_partition_desc_t) { .dev = plan->fragments[f].dev,
                                                               .fragment = f };
    for (int s = 0; s < n_slots; s++)
        d.prod[s] = -1;
    for (int p = 0; p < out->n_parts; p++) {
        int f = out->parts[p].fragment;
        const tact_fragment_t *frag = f >= 0 ? &plan->fragments[f] : NULL;
        for (int i = 0; frag != NULL && i < frag->n_nodes; i++) {
            const tact_node_t *node = &frag->nodes[i];
            d.part_of[node->index] = p;
            int n_out = node->out_slot < 0 ? 0
                        : node->kind == TACT_NODE_OP ? node->op->n_outputs : 1;
            for (int k = 0; k < n_out; k++)
                d.prod[node->out_slot + k] = node->index;
        }
    }
    /* Origins in run order: a copy holds its input's origin. */
    for (int s = 0; s < n_slots; s++)
        d.origin[s] = s;
    out->copy_name = tact__malloc((size_t) (n_nodes + 1) * sizeof *out->copy_name);
    for (int p = 0; p < n_nodes; p++) {
        const tact_node_t *node = plan->by_index[p];
        if (node->kind != TACT_NODE_OP)
            d.origin[node->out_slot] = d.origin[node->in_slots[0]];
    }

    /* The edges, numbered in run order of their first reader, then the fetches'. */
    for (int p = 0; p < n_nodes; p++) {
        const tact_node_t *node = plan->by_index[p];
        for (int i = 0; node->kind == TACT_NODE_OP && i < node->n_in; i++) {
            int s = d.origin[node->in_slots[i]];
            if (desc_part_of_origin(&d, s) != d.part_of[p])
                desc_edge(&d, s, d.part_of[p]);
        }
    }
    for (int i = 0; i < plan->n_fetches; i++) {
        int s = d.origin[plan->fetch_slots[i]];
        if (desc_part_of_origin(&d, s) != 0)
            desc_edge(&d, s, 0);
    }
    /* The control pairs: an op waiting on another device's op whose outputs it does not read. */
    for (int p = 0; p < n_nodes; p++) {
        const tact_node_t *node = plan->by_index[p];
        for (int w = 0; node->kind == TACT_NODE_OP && w < node->n_wait; w++) {
            int from = node->wait_nodes[w];
            if (plan->by_index[from]->kind == TACT_NODE_OP &&
                d.part_of[from] != d.part_of[p] && desc_waits_for_order(&d, node, from))
                desc_ctrl(&d, from, d.part_of[p]);
        }
    }
    /* A copy node is named after its side of the edge it carries: a copy into a device its
     * _Recv, a copy out its _Send (toward the first device that reads it). */
    for (int p = 0; p < n_nodes; p++) {
        const tact_node_t *node = plan->by_index[p];
        out->copy_name[p] = NULL;
        if (node->kind == TACT_NODE_OP)
            continue;
        int s = d.origin[node->out_slot];
        for (int e = 0; e < d.n_edges && out->copy_name[p] == NULL; e++) {
            const desc_edge_t *ed = &d.edges[e];
            if (ed->origin != s || (node->kind == TACT_NODE_COPY_IN && ed->to != d.part_of[p]))
                continue;
            char *node_name = desc_node_name(&d, s);
            out->copy_name[p] = tact__asprintf("%s/_%d", node_name,
                                               ed->k + (node->kind == TACT_NODE_COPY_IN));
            free(node_name);
        }
        if (out->copy_name[p] == NULL)
            out->copy_name[p] = tact__plan_slot_name(plan, node->out_slot);
    }

    /* The text: the _Arg nodes and their _Sends, then each partition's ops in run order, each
     * after the _Recvs it needs and before the _Sends of its outputs; the fetches' _Recvs and
     * the _Retval nodes last. */
    int *fetch_pos = tact__malloc((size_t) (plan->n_fetches + 1) * sizeof *fetch_pos);
    desc_sort_positions(plan, plan->fetch_slots, plan->n_fetches, fetch_pos);
    if (client_part) {
        for (int pos = 0; pos < plan->n_feeds; pos++) {
            for (int i = 0; i < plan->n_feeds; i++) {
                if (d.feed_pos[i] != pos)
                    continue;
                char *node = desc_node_name(&d, i);
                desc_add(&d.texts[0], tact__asprintf("%s = _Arg()\n", node));
                free(node);
            }
        }
        desc_emit_sends(&d, 0, plan->n_feeds);
    }
    for (int p = 0; p < n_nodes; p++) {
        const tact_node_t *node = plan->by_index[p];
        if (node->kind != TACT_NODE_OP)
            continue;
        int part = d.part_of[p];
        desc_emit_ctrl_recvs(&d, p);
        char *line = tact__asprintf("%s = %s(", node->op->name,
                                    node->fusion != NULL ? tact__fusion_op_type(node->fusion)
                                                         : tact__op_kind_type(node->op->kind));
        for (int i = 0; i < node->n_in; i++) {
            int s = d.origin[node->in_slots[i]];
            char *arg;
            if (desc_part_of_origin(&d, s) == part) {
                arg = desc_input_name(&d, s);
            } else {
                desc_edge_t *e = desc_edge(&d, s, part);
                desc_emit_recv(&d, e);
                char *name = desc_node_name(&d, s);
                arg = tact__asprintf("%s/_%d", name, e->k + 1);
                free(name);
            }
            char *longer = tact__asprintf("%s%s%s", line, i ? ", " : "", arg);
            free(arg);
            free(line);
            line = longer;
        }
        desc_add(&d.texts[part], tact__asprintf("%s)\n", line));
        free(line);
        out->parts[part].n_ops++;
        if (node->out_slot >= 0)
            desc_emit_sends(&d, node->out_slot, node->op->n_outputs);
        desc_emit_ctrl_sends(&d, p);
    }
    for (int pos = 0; pos < plan->n_fetches; pos++) {
        for (int i = 0; i < plan->n_fetches; i++) {
            if (fetch_pos[i] != pos)
                continue;
            int s = d.origin[plan->fetch_slots[i]];
            char *arg;
            if (desc_part_of_origin(&d, s) == 0) {
                arg = desc_input_name(&d, s);
            } else {
                desc_edge_t *e = desc_edge(&d, s, 0);
                desc_emit_recv(&d, e);
                char *name = desc_node_name(&d, s);
                arg = tact__asprintf("%s/_%d", name, e->k + 1);
                free(name);
            }
            desc_add(&d.texts[0], tact__asprintf("_retval_%s_%d_%d = _Retval(%s)\n",
                                                 plan->slot_op[plan->fetch_slots[i]]->name,
                                                 plan->slot_index[plan->fetch_slots[i]], pos,
                                                 arg));
            free(arg);
        }
    }
    for (int p = 0; p < out->n_parts; p++)
        out->parts[p].text = d.texts[p].s != NULL ? d.texts[p].s : tact__strdup("");
    out->n_nodes = n_nodes;
    out->n_edges = d.n_edges;
    out->edge_origin = tact__malloc((size_t) (d.n_edges + 1) * sizeof *out->edge_origin);
    out->edge_to = tact__malloc((size_t) (d.n_edges + 1) * sizeof *out->edge_to);
    out->edge_recv = tact__malloc((size_t) (d.n_edges + 1) * sizeof *out->edge_recv);
    out->slot_origin = d.origin;
    for (int e = 0; e < d.n_edges; e++) {
        char *name = desc_node_name(&d, d.edges[e].origin);
        out->edge_origin[e] = d.edges[e].origin;
        out->edge_to[e] = out->parts[d.edges[e].to].dev;
        out->edge_recv[e] = tact__asprintf("%s/_%d", name, d.edges[e].k + 1);
        free(name);
    }
    free(fetch_pos);
    free(d.prod);
    free(d.part_of);
    free(d.feed_pos);
    free(d.edges);
    free(d.ctrls);
    free(d.texts);
    return out;
}

const char *tact__plan_desc_recv(const tact_plan_desc_t *desc, int slot, const tact_device_t *dev)
{
    int s = desc->slot_origin[slot];
    for (int e = 0; e < desc->n_edges; e++) {
        if (desc->edge_origin[e] == s && desc->edge_to[e] == dev)
            return desc->edge_recv[e];
    }
    return NULL;
}

void tact__plan_desc_destroy(tact_plan_desc_t **desc_p)
{
    if (desc_p == NULL || *desc_p == NULL)
        return;
    tact_plan_desc_t *desc = *desc_p;
    for (int p = 0; p < desc->n_parts; p++)
        free(desc->parts[p].text);
    for (int n = 0; n < desc->n_nodes; n++)
        free(desc->copy_name[n]);
    for (int e = 0; e < desc->n_edges; e++)
        free(desc->edge_recv[e]);
    free(desc->parts);
    free(desc->copy_name);
    free(desc->edge_origin);
    free(desc->edge_to);
    free(desc->edge_recv);
    free(desc->slot_origin);
    free(desc);
    *desc_p = NULL;
}

char *tact__plan_partition_text(const tact_plan_t *plan, int f)
{
    tact_plan_desc_t *desc = tact__plan_describe(plan);
    char *text = NULL;
    for (int p = 0; p < desc->n_parts && text == NULL; p++) {
        if (desc->parts[p].fragment == f) {
            text = desc->parts[p].text;
            desc->parts[p].text = NULL;
        }
    }
    tact__plan_desc_destroy(&desc);
    return text != NULL ? text : tact__strdup("");
}
