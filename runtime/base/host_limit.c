/* SPDX-License-Identifier: MIT */
/* A session's host memory limit: an atomic byte counter with a ceiling, shared by reference
 * count between the session and the tensors charged to it. */
#include "runtime/base/host_limit.h"

struct tact_host_limit {
    _Atomic size_t in_use;
    _Atomic size_t peak;          /* the most in_use has been */
    size_t limit;
    _Atomic int refs;
};

tact_host_limit_t *tact__host_limit_new(size_t limit)
{
    TACT_ASSERT(limit > 0);
    tact_host_limit_t *self = tact__malloc(sizeof *self);
    atomic_init(&self->in_use, 0);
    self->limit = limit;
    atomic_init(&self->refs, 1);
    return self;
}

tact_host_limit_t *tact__host_limit_ref(tact_host_limit_t *self)
{
    atomic_fetch_add_explicit(&self->refs, 1, memory_order_relaxed);
    return self;
}

void tact__host_limit_unref(tact_host_limit_t **self_p)
{
    if (self_p == NULL || *self_p == NULL)
        return;
    tact_host_limit_t *self = *self_p;
    *self_p = NULL;
    if (atomic_fetch_sub_explicit(&self->refs, 1, memory_order_acq_rel) == 1)
        free(self);
}

bool tact__host_limit_charge(tact_host_limit_t *self, size_t n)
{
    /* A compare-and-swap loop rather than add-then-undo: a refused request never shows, even
     * for a moment, so a concurrent run below the limit is never refused because of it. */
    size_t used = atomic_load_explicit(&self->in_use, memory_order_relaxed);
    do {
        if (n > self->limit - used)
            return false;
    } while (!atomic_compare_exchange_weak_explicit(&self->in_use, &used, used + n,
                                                    memory_order_relaxed,
                                                    memory_order_relaxed));
    size_t peak = atomic_load_explicit(&self->peak, memory_order_relaxed);
    while (used + n > peak &&
           !atomic_compare_exchange_weak_explicit(&self->peak, &peak, used + n,
                                                  memory_order_relaxed, memory_order_relaxed)) {
    }
    return true;
}

void tact__host_limit_release(tact_host_limit_t *self, size_t n)
{
    size_t before = atomic_fetch_sub_explicit(&self->in_use, n, memory_order_relaxed);
    TACT_ASSERT(before >= n);
}

size_t tact__host_limit_in_use(const tact_host_limit_t *self)
{
    return atomic_load_explicit(&((tact_host_limit_t *) self)->in_use, memory_order_relaxed);
}

size_t tact__host_limit_peak(const tact_host_limit_t *self)
{
    return atomic_load_explicit(&((tact_host_limit_t *) self)->peak, memory_order_relaxed);
}
