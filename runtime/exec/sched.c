/* SPDX-License-Identifier: MIT */
/* The placer: colocation groups kept where an earlier run placed their stateful ops, then
 * explicit requests (with soft placement's relaxation), then the default device for
 * everything else, then generators beside their consumers. Not for cutting fragments or
 * copies: plan.c does those from the placement. */
#include "runtime/exec/sched.h"
#include "runtime/graph/device_spec.h"

void tact__sched_pins_init(tact_sched_pins_t *pins)
{
    *pins = (tact_sched_pins_t) { .n = 0 };
    TACT_ASSERT(pthread_mutex_init(&pins->lock, NULL) == 0);
}

void tact__sched_pins_fini(tact_sched_pins_t *pins)
{
    free(pins->device);
    pins->device = NULL;
    free(pins->whole);
    pins->whole = NULL;
    pthread_mutex_destroy(&pins->lock);
}

/* Ops whose value or state lives on their device: their first placement holds. */
static bool sched_stateful(const tact_op_t *op)
{
    return op->kind == TACT_OP_VARIABLE || op->kind == TACT_OP_QUEUE ||
           op->kind == TACT_OP_VAR_HANDLE || tact__op_kind_is_reader(op->kind);
}

/* The device an earlier placement gave stateful op `op`, or -1. Called with pins->lock. */
static int sched_pinned(const tact_sched_pins_t *pins, const tact_op_t *op)
{
    return pins != NULL && op->id < pins->n ? pins->device[op->id] - 1 : -1;
}

static void sched_pin(tact_sched_pins_t *pins, const tact_op_t *op, int d)
{
    pins->device = tact__grow_zeroed(pins->device, &pins->n, op->id, sizeof *pins->device);
    pins->device[op->id] = d + 1;
}

static bool sched_generator(const tact_op_t *op)
{
    return op->n_inputs == 0 && op->n_controls == 0 && op->n_outputs == 1 && !sched_stateful(op);
}

/* Colocation groups (spec §3.3): an op that takes a resource by reference (an Assign its
 * variable, queue ops their queue, a read its reader and queue) lives on the resource's
 * device, and so do the ops built inside colocate_with scopes (tact_op_t.colocate). group[i] is the group's first op (its resource), or i for an op alone; has[i] says
 * that op i leads a group with other members. */
typedef struct sched_groups {
    int *group;
    bool *has;
} sched_groups_t;

/* The index of the op with id `id` among ops[0..n) (sorted by id), or -1. */
static int sched_index_of(const tact_op_t *const *ops, int n, int id)
{
    int lo = 0, hi = n - 1;
    while (lo <= hi) {
        int mid = (lo + hi) / 2;
        if (ops[mid]->id == id)
            return mid;
        if (ops[mid]->id < id)
            lo = mid + 1;
        else
            hi = mid - 1;
    }
    return -1;
}

/* Put op i into the group of op j < i (groups led by their first op). */
static void sched_join(sched_groups_t *g, int i, int j)
{
    int to = g->group[j], from = g->group[i];
    if (from == i) {
        g->group[i] = to;
    } else if (from != to) {  /* a read of a reader and a queue: two groups merge */
        int keep = from < to ? from : to, gone = from < to ? to : from;
        for (int m = 0; m <= i; m++)
            g->group[m] = g->group[m] == gone ? keep : g->group[m];
    }
    g->has[g->group[i]] = true;
}

/* The op among ops[0..i) that shares colocation group `root` with op i: root itself, else
 * an earlier member (the root may be outside the plan). -1 when none. */
static int sched_colocated(const tact_op_t *const *ops, int i, const tact_op_t *root)
{
    int j = sched_index_of(ops, i, root->id);
    for (int m = 0; j < 0 && m < i; m++) {
        for (int k = 0; k < ops[m]->n_colocate && j < 0; k++)
            j = ops[m]->colocate[k] == root ? m : -1;
    }
    return j;
}

static sched_groups_t sched_groups(const tact_op_t *const *ops, int n)
{
    sched_groups_t g = { tact__malloc((size_t) (n ? n : 1) * sizeof *g.group),
                         tact__malloc((size_t) (n ? n : 1) * sizeof *g.has) };
    for (int i = 0; i < n; i++) {
        g.group[i] = i;
        for (int k = 0; k < ops[i]->n_inputs; k++) {
            if (!tact__op_input_is_handle(ops[i]->kind, k))
                continue;
            int j = sched_index_of(ops, i, ops[i]->inputs[k].op->id);
            if (j >= 0)  /* else the resource is not in this plan */
                sched_join(&g, i, j);
        }
        /* colocate_with groups (TensorFlow's "loc:@op"), for the members in this plan */
        for (int k = 0; k < ops[i]->n_colocate; k++) {
            int j = sched_colocated(ops, i, ops[i]->colocate[k]);
            if (j >= 0)
                sched_join(&g, i, j);
        }
    }
    return g;
}

/* Whether devs[d] has kernels for op i and, when it leads a group, every member. */
static bool sched_supports(const tact_device_t *dev, const tact_op_t *const *ops, int n, int i,
                           const sched_groups_t *g)
{
    if (!dev->iface->supports(dev, ops[i]))
        return false;
    for (int m = i + 1; g->has[i] && m < n; m++) {
        if (g->group[m] == i && !dev->iface->supports(dev, ops[m]))
            return false;
    }
    return true;
}

/* The best device meeting `spec` (NULL: any) that supports op i (and its group): highest
 * kind priority first (a GPU before the CPU), then device order. -1 when there is none. */
static int sched_first(const tact_device_spec_t *spec, const tact_op_t *const *ops, int n, int i,
                       const sched_groups_t *g, tact_device_t *devs, int n_devs)
{
    int best = -1;
    for (int d = 0; d < n_devs; d++) {
        if ((best < 0 || devs[d].iface->priority > devs[best].iface->priority) &&
            (spec == NULL || tact__device_spec_matches(spec, devs[d].iface->kind,
                                                       devs[d].ordinal)) &&
            sched_supports(&devs[d], ops, n, i, g))
            best = d;
    }
    return best;
}

/* The request a group is placed by: its resource's, else the first request among the ops
 * that take the resource by reference, in this plan or anywhere in the graph, so that every
 * run signature puts a variable where its assigns ask (TensorFlow places the whole graph at
 * once). A member's request that conflicts with the resource's is ignored, as TensorFlow does
 * across reference edges. */
static const char *sched_request(const tact_op_t *const *ops, int n, int i,
                                 const sched_groups_t *g)
{
    const tact_op_t *res = ops[i];
    if (res->device != NULL && res->device[0] != '\0')
        return res->device;
    for (int m = i + 1; g->has[i] && m < n; m++) {
        if (g->group[m] == i && ops[m]->device != NULL && ops[m]->device[0] != '\0')
            return ops[m]->device;
    }
    if (!sched_stateful(res))
        return NULL;
    const char *request = NULL;
    tact_graph_t *graph = res->graph;
    pthread_mutex_lock(&graph->lock);  /* the ops array may be growing */
    for (int id = res->id + 1; id < graph->n_ops && request == NULL; id++) {
        const tact_op_t *op = graph->ops[id];
        for (int k = 0; k < op->n_inputs && request == NULL; k++) {
            if (op->inputs[k].op == res && tact__op_input_is_handle(op->kind, k) &&
                op->device != NULL && op->device[0] != '\0')
                request = op->device;
        }
    }
    pthread_mutex_unlock(&graph->lock);
    return request;
}

/* Why an explicit request cannot be met: no device matches it (listing the devices there
 * are), or the devices that match have no kernel for the op. */
static tact_code_t sched_unplaceable(const tact_op_t *op, const char *request,
                                     const tact_device_spec_t *spec, tact_device_t *devs,
                                     int n_devs, tact_status_t *st)
{
    for (int d = 0; d < n_devs; d++) {
        if (tact__device_spec_is_local(spec) &&
            tact__device_spec_matches(spec, devs[d].iface->kind, devs[d].ordinal))
            return tact__fail(st, TACT_CODE_INVALID_ARGUMENT,
                              "Cannot assign a device for operation %s: Could not satisfy "
                              "explicit device specification '%s' because no supported kernel "
                              "for %s devices is available.", op->name, request,
                              devs[d].iface->kind);
    }
    char list[sizeof st->msg] = "", name[96];  /* every device; the message cuts what is over */
    size_t used = 0;
    for (int d = 0; d < n_devs && used < sizeof list; d++)
        used += (size_t) snprintf(list + used, sizeof list - used, "%s%s", d ? ", " : "",
                                  tact__device_full_name(&devs[d], name, sizeof name));
    return tact__fail(st, TACT_CODE_INVALID_ARGUMENT,
                      "Cannot assign a device for operation %s: Operation was explicitly "
                      "assigned to %s but available devices are [ %s ]. Make sure the device "
                      "specification refers to a valid device.", op->name, request, list);
}

/* Where group i must go because an earlier placement pinned its resource, or one of its
 * members that is itself stateful (a queue joined to a reader's group by a read); -1 when
 * none is pinned. Called with pins->lock. */
static int sched_group_pinned(const tact_sched_pins_t *pins, const tact_op_t *const *ops, int n,
                              int i, const sched_groups_t *g)
{
    int d = sched_pinned(pins, ops[i]);
    for (int m = i + 1; d < 0 && g->has[i] && m < n; m++) {
        if (g->group[m] == i && sched_stateful(ops[m]))
            d = sched_pinned(pins, ops[m]);
    }
    return d;
}

/* A group whose resource an earlier run placed on devs[d]: every member needs a kernel
 * there. */
static tact_code_t sched_check_pinned(const tact_op_t *const *ops, int n, int i,
                                      const sched_groups_t *g, tact_device_t *devs, int d,
                                      tact_status_t *st)
{
    if (sched_supports(&devs[d], ops, n, i, g))
        return TACT_CODE_OK;
    const tact_op_t *lacking = ops[i];
    for (int m = i + 1; g->has[i] && m < n && lacking == ops[i]; m++) {
        if (g->group[m] == i && !devs[d].iface->supports(&devs[d], ops[m]))
            lacking = ops[m];
    }
    char name[96];
    return tact__fail(st, TACT_CODE_INVALID_ARGUMENT,
                      "Cannot assign a device for operation %s: no kernel for %s devices, and "
                      "it must be colocated with %s, which keeps its first placement (%s)",
                      lacking->name, devs[d].iface->kind, ops[i]->name,
                      tact__device_full_name(&devs[d], name, sizeof name));
}

tact_code_t tact__sched_place(const tact_op_t *const *ops, int n, tact_device_t *devs,
                              int n_devs, bool allow_soft_placement, tact_sched_pins_t *pins,
                              int *out, tact_status_t *st)
{
    if (tact__failed(st))
        return st->code;
    TACT_ASSERT(n_devs > 0);
    if (pins != NULL && pins->whole != NULL) {  /* a plan within the placed whole graph */
        pthread_mutex_lock(&pins->lock);
        int i = 0;
        while (i < n && ops[i]->id < pins->n_whole && pins->whole[ops[i]->id] > 0) {
            out[i] = pins->whole[ops[i]->id] - 1;
            i++;
        }
        pthread_mutex_unlock(&pins->lock);
        if (i == n)
            return TACT_CODE_OK;
    }
    sched_groups_t g = sched_groups(ops, n);
    tact_code_t rc = TACT_CODE_OK;
    if (pins != NULL)  /* held throughout: two plans placing one variable agree */
        pthread_mutex_lock(&pins->lock);
    /* 0, 1 and 2: an earlier placement of the group's resource, requests, then the default
     * choice; a group's members follow its resource, which comes first (resources precede
     * the ops on them). */
    for (int i = 0; i < n && rc == TACT_CODE_OK; i++) {
        const tact_op_t *op = ops[i];
        out[i] = -1;
        if (g.group[i] != i) {
            out[i] = out[g.group[i]];
            int own = sched_stateful(op) ? sched_pinned(pins, op) : -1;
            if (own >= 0 && own != out[i]) {  /* two resources pinned apart, now joined */
                char here[96], there[96];
                rc = tact__fail(st, TACT_CODE_INVALID_ARGUMENT,
                                "Cannot colocate %s (kept on %s by an earlier run) with %s "
                                "(on %s)", op->name,
                                tact__device_full_name(&devs[own], there, sizeof there),
                                ops[g.group[i]]->name,
                                tact__device_full_name(&devs[out[i]], here, sizeof here));
            }
            continue;
        }
        int pinned = sched_group_pinned(pins, ops, n, i, &g);
        TACT_ASSERT(pinned < n_devs);  /* pins hold this session's device indices */
        if (pinned >= 0) {
            out[i] = pinned;
            rc = sched_check_pinned(ops, n, i, &g, devs, pinned, st);
            continue;
        }
        const char *request = sched_request(ops, n, i, &g);
        if (request != NULL) {
            tact_device_spec_t spec;
            tact_status_t ps = TACT_STATUS_INIT;
            if (tact__device_spec_parse(request, &spec, &ps) != TACT_CODE_OK) {
                rc = tact__status_merge(st, &ps);
                break;
            }
            if (!tact__device_spec_is_local(&spec)) {
                /* Another job, replica or task: TensorFlow refuses it even with soft
                 * placement, listing the devices this process has. */
                rc = sched_unplaceable(op, request, &spec, devs, n_devs, st);
                tact__device_spec_fini(&spec);
                break;
            }
            out[i] = sched_first(&spec, ops, n, i, &g, devs, n_devs);
            if (out[i] < 0 && !allow_soft_placement)
                rc = sched_unplaceable(op, request, &spec, devs, n_devs, st);
            tact__device_spec_fini(&spec);
            if (rc != TACT_CODE_OK)
                break;
        }
        /* A generator waits to go beside its consumers (3.), unless it leads a group that
         * places its members now. */
        bool wait = sched_generator(op) && !g.has[i];
        if (out[i] < 0 && !(wait && request == NULL))
            out[i] = sched_first(NULL, ops, n, i, &g, devs, n_devs);
        if (out[i] < 0 && !wait)
            rc = tact__fail(st, TACT_CODE_INVALID_ARGUMENT,
                            "Cannot assign a device for operation %s: No OpKernel was "
                            "registered to support Op '%s' on any device of this session",
                            op->name, tact__op_kind_type(op->kind));
    }
    if (pins != NULL) {
        for (int i = 0; i < n && rc == TACT_CODE_OK; i++) {
            if (sched_stateful(ops[i]) && sched_pinned(pins, ops[i]) < 0)
                sched_pin(pins, ops[i], out[i]);
        }
        pthread_mutex_unlock(&pins->lock);
    }
    if (rc != TACT_CODE_OK) {
        free(g.group);
        free(g.has);
        return rc;
    }
    /* 3. Unconstrained generators go where all their consumers are, if that is one device. */
    for (int i = 0; i < n && rc == TACT_CODE_OK; i++) {
        if (out[i] >= 0)
            continue;
        int where = -2;
        for (int j = i + 1; j < n && where != -1; j++) {
            for (int k = 0; k < ops[j]->n_inputs; k++) {
                if (ops[j]->inputs[k].op == ops[i])
                    where = where == -2 || where == out[j] ? out[j] : -1;
            }
        }
        out[i] = where >= 0 && devs[where].iface->supports(&devs[where], ops[i])
                     ? where : sched_first(NULL, ops, n, i, &g, devs, n_devs);
        if (out[i] < 0)
            rc = tact__fail(st, TACT_CODE_INVALID_ARGUMENT,
                            "Cannot assign a device for operation %s: no device supports it",
                            ops[i]->name);
    }
    free(g.group);
    free(g.has);
    return rc;
}
