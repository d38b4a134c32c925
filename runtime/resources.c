/* SPDX-License-Identifier: MIT */
/* The resource table: op id -> value, a growable array under one mutex. Reads and writes
 * only swap references, so the lock is held for a few instructions. */
#include "runtime/resources.h"

struct tact_resources {
    pthread_mutex_t lock;
    tact_tensor_t **values;       /* by op id; NULL = uninitialised */
    int cap;
};

tact_resources_t *tact__resources_new(void)
{
    tact_resources_t *r = tact__malloc(sizeof *r);
    TACT_ASSERT(pthread_mutex_init(&r->lock, NULL) == 0);
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
    if (op->id >= r->cap) {
        int cap = r->cap ? r->cap : 16;
        while (cap <= op->id)
            cap *= 2;
        r->values = tact__realloc(r->values, (size_t) cap * sizeof *r->values);
        memset(r->values + r->cap, 0, (size_t) (cap - r->cap) * sizeof *r->values);
        r->cap = cap;
    }
    tact_tensor_t *old = r->values[op->id];
    r->values[op->id] = value;
    return old;
}

void tact__resources_write(tact_resources_t *r, const tact_op_t *op, tact_tensor_t *value)
{
    pthread_mutex_lock(&r->lock);
    tact_tensor_t *old = resources_swap(r, op, value);
    pthread_mutex_unlock(&r->lock);
    tact_tensor_destroy(&old);  /* steps may still hold references to it */
}

tact_tensor_t *tact__resources_begin_update(tact_resources_t *r, const tact_op_t *op)
{
    pthread_mutex_lock(&r->lock);
    return op->id < r->cap ? r->values[op->id] : NULL;
}

void tact__resources_end_update(tact_resources_t *r, const tact_op_t *op, tact_tensor_t *value)
{
    tact_tensor_t *old = value ? resources_swap(r, op, value) : NULL;
    pthread_mutex_unlock(&r->lock);
    tact_tensor_destroy(&old);
}
