/* SPDX-License-Identifier: MIT */
/* The resource table: op id -> value, a growable array under a table mutex. Reads and writes
 * only swap references, so that lock is held for a few instructions. An update (AssignAdd)
 * computes its new value between reading and storing, so it holds one of a few striped update
 * locks instead, by variable: updates of one variable, and Assigns to it, take turns, while
 * reads and other variables' updates go on. */
#include "runtime/state/resources.h"

#include "runtime/base/philox.h"

struct tact_resources {
    pthread_mutex_t lock;
    pthread_mutex_t update_locks[TACT_RESOURCES_UPDATE_LOCKS]; /* by op id modulo; before `lock` */
    tact_tensor_t **values;       /* by op id; NULL = uninitialised */
    int cap;
    uint64_t *positions;          /* by op id: random ops' stream positions */
    int cap_positions;
    uint64_t entropy;             /* this session's seeds for unseeded random ops */
    tact_queue_t **queues;        /* by op id; NULL = not created yet */
    int cap_queues;
    tact_reader_t **readers;      /* by op id; NULL = not created yet */
    int cap_readers;
};

tact_resources_t *tact__resources_new(void)
{
    tact_resources_t *r = tact__malloc(sizeof *r);
    TACT_ASSERT(pthread_mutex_init(&r->lock, NULL) == 0);
    for (int i = 0; i < TACT_RESOURCES_UPDATE_LOCKS; i++)
        TACT_ASSERT(pthread_mutex_init(&r->update_locks[i], NULL) == 0);
    /* Unpredictable enough to tell sessions apart (TensorFlow draws from its process RNG). */
    static _Atomic uint64_t made;
    uint64_t mix = (uint64_t) tact__now_ns() ^ (uint64_t) (uintptr_t) r ^
                   (atomic_fetch_add_explicit(&made, 1, memory_order_relaxed) << 40);
    r->entropy = tact__splitmix64(&mix);
    return r;
}

void tact__resources_destroy(tact_resources_t **r_p)
{
    if (r_p == NULL || *r_p == NULL)
        return;
    tact_resources_t *r = *r_p;
    for (int i = 0; i < r->cap; i++)
        tact_tensor_destroy(&r->values[i]);
    free(r->values);
    free(r->positions);
    for (int i = 0; i < r->cap_queues; i++)
        tact__queue_destroy(&r->queues[i]);
    free(r->queues);
    for (int i = 0; i < r->cap_readers; i++)
        tact__reader_destroy(&r->readers[i]);
    free(r->readers);
    for (int i = 0; i < TACT_RESOURCES_UPDATE_LOCKS; i++)
        pthread_mutex_destroy(&r->update_locks[i]);
    pthread_mutex_destroy(&r->lock);
    free(r);
    *r_p = NULL;
}

tact_tensor_t *tact__resources_read(tact_resources_t *r, const tact_op_t *op)
{
    pthread_mutex_lock(&r->lock);
    tact_tensor_t *v = op->id < r->cap ? r->values[op->id] : NULL;
    if (v != NULL)
        tact__tensor_ref(v);
    pthread_mutex_unlock(&r->lock);
    return v;
}

/* Store `value` under `op` and return the value it replaces. Called with the lock held. */
static tact_tensor_t *resources_swap(tact_resources_t *r, const tact_op_t *op,
                                     tact_tensor_t *value)
{
    r->values = tact__grow_zeroed(r->values, &r->cap, op->id, sizeof *r->values);
    tact_tensor_t *old = r->values[op->id];
    r->values[op->id] = value;
    return old;
}

static pthread_mutex_t *resources_update_lock(tact_resources_t *r, const tact_op_t *op)
{
    return &r->update_locks[(unsigned) op->id % TACT_RESOURCES_UPDATE_LOCKS];
}

void tact__resources_write(tact_resources_t *r, const tact_op_t *op, tact_tensor_t *value)
{
    pthread_mutex_t *update = resources_update_lock(r, op);  /* not in an update's middle */
    pthread_mutex_lock(update);
    pthread_mutex_lock(&r->lock);
    tact_tensor_t *old = resources_swap(r, op, value);
    pthread_mutex_unlock(&r->lock);
    pthread_mutex_unlock(update);
    tact_tensor_destroy(&old);  /* steps may still hold references to it */
}

tact_tensor_t *tact__resources_begin_update(tact_resources_t *r, const tact_op_t *op)
{
    pthread_mutex_lock(resources_update_lock(r, op));
    pthread_mutex_lock(&r->lock);
    tact_tensor_t *v = op->id < r->cap ? r->values[op->id] : NULL;
    pthread_mutex_unlock(&r->lock);
    return v;  /* borrowed: only a write, which waits for the update lock, would drop it */
}

void tact__resources_end_update(tact_resources_t *r, const tact_op_t *op, tact_tensor_t *value)
{
    tact_tensor_t *old = NULL;
    if (value != NULL) {
        pthread_mutex_lock(&r->lock);
        old = resources_swap(r, op, value);
        pthread_mutex_unlock(&r->lock);
    }
    pthread_mutex_unlock(resources_update_lock(r, op));
    tact_tensor_destroy(&old);
}

uint64_t tact__resources_random_reserve(tact_resources_t *r, const tact_op_t *op,
                                        uint64_t blocks)
{
    pthread_mutex_lock(&r->lock);
    r->positions = tact__grow_zeroed(r->positions, &r->cap_positions, op->id, sizeof *r->positions);
    uint64_t at = r->positions[op->id];
    r->positions[op->id] = at + blocks;  /* wraps after 2^64 blocks, as a counter would */
    pthread_mutex_unlock(&r->lock);
    return at;
}

void tact__resources_random_seeds(tact_resources_t *r, const tact_op_t *op, int64_t *seed,
                                  int64_t *seed2)
{
    uint64_t state = r->entropy ^ ((uint64_t) op->id * 0xD1B54A32D192ED03u);
    uint64_t a = tact__splitmix64(&state), b = tact__splitmix64(&state);
    *seed = (int64_t) (a | 1u);  /* never the (0, 0) that means "no seed" */
    *seed2 = (int64_t) b;
}

tact_queue_t *tact__resources_queue(tact_resources_t *r, const tact_op_t *op)
{
    TACT_ASSERT(op->kind == TACT_OP_QUEUE);
    pthread_mutex_lock(&r->lock);
    r->queues = tact__grow_zeroed(r->queues, &r->cap_queues, op->id, sizeof *r->queues);
    if (r->queues[op->id] == NULL) {
        const tact_op_attrs_t *at = &op->attrs;
        r->queues[op->id] = tact__queue_new(op->name, at->capacity, at->n_components,
                                            at->component_dtypes,
                                            at->has_shapes ? at->component_shapes : NULL);
    }
    tact_queue_t *q = r->queues[op->id];
    pthread_mutex_unlock(&r->lock);
    return q;
}

void tact__resources_wake(tact_resources_t *r)
{
    pthread_mutex_lock(&r->lock);
    for (int i = 0; i < r->cap_queues; i++) {
        if (r->queues[i] != NULL)
            tact__queue_wake(r->queues[i]);
    }
    pthread_mutex_unlock(&r->lock);
}

tact_reader_t *tact__resources_reader(tact_resources_t *r, const tact_op_t *op)
{
    pthread_mutex_lock(&r->lock);
    r->readers = tact__grow_zeroed(r->readers, &r->cap_readers, op->id, sizeof *r->readers);
    if (r->readers[op->id] == NULL)
        r->readers[op->id] = tact__reader_new(op);
    tact_reader_t *reader = r->readers[op->id];
    pthread_mutex_unlock(&r->lock);
    return reader;
}

tact_code_t tact__resources_check_update(const tact_tensor_t *value, const tact_tensor_t *update,
                                         tact_status_t *st)
{
    tact_shape_t vs = tact__tensor_shape(value), us = tact__tensor_shape(update);
    if (vs.ndims == us.ndims &&
        memcmp(vs.dims, us.dims, (size_t) vs.ndims * sizeof vs.dims[0]) == 0)
        return TACT_CODE_OK;
    return tact__fail(st, TACT_CODE_INVALID_ARGUMENT,
                      "Parameters and update must be the same size");
}

/* TensorFlow's default container and a handle's name. */
static const char *resources_container(const tact_op_t *var)
{
    const char *c = var->attrs.container;
    return c != NULL && c[0] != '\0' ? c : "localhost";
}

static const char *resources_shared_name(const tact_op_t *var)
{
    const char *name = var->attrs.text;
    return name != NULL && name[0] != '\0' ? name : var->name;
}

tact_code_t tact__resources_var_missing(tact_resources_t *r, const tact_op_t *var, bool read,
                                        tact_status_t *st)
{
    TACT_ASSERT(var->kind == TACT_OP_VAR_HANDLE);
    const char *container = resources_container(var), *name = resources_shared_name(var);
    /* Whether the container exists: some variable of it has a value here. */
    bool exists = false;
    tact_graph_t *g = var->graph;
    pthread_mutex_lock(&g->lock);
    int n_ops = g->n_ops;
    pthread_mutex_unlock(&g->lock);
    for (int id = 0; id < n_ops && !exists; id++) {
        pthread_mutex_lock(&g->lock);  /* the ops array moves while it grows */
        const tact_op_t *op = g->ops[id];
        pthread_mutex_unlock(&g->lock);
        if (op->kind != TACT_OP_VAR_HANDLE || op->attrs.resource != NULL ||
            strcmp(resources_container(op), container) != 0)
            continue;
        pthread_mutex_lock(&r->lock);
        exists = op->id < r->cap && r->values[op->id] != NULL;
        pthread_mutex_unlock(&r->lock);
    }
    char why[600];
    if (exists)
        snprintf(why, sizeof why, "Resource %.150s/%.150s/N10tensorflow3VarE does not exist.",
                 container, name);
    else
        snprintf(why, sizeof why, "Container %.150s does not exist. (Could not find resource: "
                 "%.100s/%.100s)", container, container, name);
    if (!read)
        return tact__fail(st, TACT_CODE_NOT_FOUND, "%s", why);
    return tact__fail(st, TACT_CODE_FAILED_PRECONDITION,
                      "Could not find variable %.150s. This could mean that the variable has "
                      "been deleted. In TF1, it can also mean the variable is uninitialized. "
                      "Debug info: container=%.150s, status error message=%s", name, container,
                      why);
}
