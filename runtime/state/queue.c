/* SPDX-License-Identifier: MIT */
/* FIFOQueue: a ring of elements under one mutex, with one condition variable for "something
 * changed". Waiters sleep until their step's deadline, no longer: a change, the session's close
 * (tact__queue_wake) and their run's cancellation (through the cancel watcher) wake them, so a
 * blocked op returns as soon as it must. Not for scheduling: the executor decides who waits
 * where. */
#include "runtime/state/queue.h"

struct tact_queue {
    char *name;
    int capacity;                 /* <= 0: unbounded */
    int n_components;
    tact_dtype_t dtypes[TACT_QUEUE_MAX_COMPONENTS];
    bool has_shapes;
    tact_shape_t shapes[TACT_QUEUE_MAX_COMPONENTS];
    pthread_mutex_t lock;
    pthread_cond_t changed;
    tact_tensor_t **ring;         /* cap elements of n_components tensors each */
    int64_t cap, head, len;
    bool closed;
    uint64_t cancel_epoch;        /* bumped by close(cancel_pending_enqueues) */
};

tact_queue_t *tact__queue_new(const char *name, int capacity, int n_components,
                              const tact_dtype_t *dtypes, const tact_shape_t *shapes)
{
    TACT_ASSERT(n_components > 0 && n_components <= TACT_QUEUE_MAX_COMPONENTS);
    tact_queue_t *q = tact__malloc(sizeof *q);
    q->name = tact__strdup(name);
    q->capacity = capacity;
    q->n_components = n_components;
    memcpy(q->dtypes, dtypes, (size_t) n_components * sizeof *dtypes);
    if (shapes != NULL) {
        q->has_shapes = true;
        memcpy(q->shapes, shapes, (size_t) n_components * sizeof *shapes);
    }
    TACT_ASSERT(pthread_mutex_init(&q->lock, NULL) == 0);
    pthread_condattr_t attr;
    pthread_condattr_init(&attr);
    pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
    TACT_ASSERT(pthread_cond_init(&q->changed, &attr) == 0);
    pthread_condattr_destroy(&attr);
    return q;
}

void tact__queue_destroy(tact_queue_t **q_p)
{
    if (q_p == NULL || *q_p == NULL)
        return;
    tact_queue_t *q = *q_p;
    for (int64_t i = 0; i < q->len; i++) {
        tact_tensor_t **e = &q->ring[((q->head + i) % q->cap) * q->n_components];
        for (int c = 0; c < q->n_components; c++)
            tact_tensor_destroy(&e[c]);
    }
    free(q->ring);
    pthread_cond_destroy(&q->changed);
    pthread_mutex_destroy(&q->lock);
    free(q->name);
    free(q);
    *q_p = NULL;
}

static void queue_wake_cb(void *q)
{
    tact__queue_wake(q);
}

/* Sleep until woken or the step's deadline. Called with the lock held; the caller re-checks
 * every condition afterwards. The first wait of a call with a cancellation handle registers
 * `w` instead of sleeping, outside the lock (the watcher takes this lock after its own); the
 * caller unregisters it after unlocking. */
static void queue_wait(tact_queue_t *q, const tact_stop_t *stop, tact_cancel_waiter_t *w)
{
    if (stop != NULL && stop->cancel != NULL && w->cancel == NULL) {
        *w = (tact_cancel_waiter_t) { .cancel = stop->cancel, .wake = queue_wake_cb, .arg = q };
        pthread_mutex_unlock(&q->lock);
        tact__cancel_watch(w);
        pthread_mutex_lock(&q->lock);
        return;
    }
    if (stop == NULL || stop->deadline_ns <= 0) {
        pthread_cond_wait(&q->changed, &q->lock);
        return;
    }
    struct timespec ts = { .tv_sec = (time_t) (stop->deadline_ns / 1000000000),
                           .tv_nsec = (long) (stop->deadline_ns % 1000000000) };
    pthread_cond_timedwait(&q->changed, &q->lock, &ts);  /* CLOCK_MONOTONIC, as tact__now_ns */
}

static bool queue_full(const tact_queue_t *q, int64_t more)
{
    return q->capacity > 0 && q->len + more > q->capacity;
}

/* Make room for `more` elements in the ring. Called with the lock held. */
static void queue_reserve(tact_queue_t *q, int64_t more)
{
    if (q->len + more <= q->cap)
        return;
    int64_t cap = q->cap ? q->cap : 16;
    while (cap < q->len + more)
        cap *= 2;
    tact_tensor_t **ring = tact__malloc((size_t) (cap * q->n_components) * sizeof *ring);
    for (int64_t i = 0; i < q->len; i++)
        memcpy(&ring[i * q->n_components], &q->ring[((q->head + i) % q->cap) * q->n_components],
               (size_t) q->n_components * sizeof *ring);
    free(q->ring);
    q->ring = ring;
    q->cap = cap;
    q->head = 0;
}

/* Check one component against the queue's dtype and shape; `sliced` drops dimension 0. */
static tact_code_t queue_check(const tact_queue_t *q, int c, const tact_tensor_t *t, bool sliced,
                               tact_status_t *st)
{
    if (t->dtype != q->dtypes[c])
        return tact__fail(st, TACT_CODE_INVALID_ARGUMENT,
                          "Type mismatch in tuple component %d of queue '%s': expected %s, got %s",
                          c, q->name, tact_dtype_name(q->dtypes[c]), tact_dtype_name(t->dtype));
    if (!q->has_shapes)
        return TACT_CODE_OK;
    tact_shape_t have = tact__tensor_shape(t);
    if (sliced) {
        have.ndims--;
        memmove(have.dims, have.dims + 1, (size_t) have.ndims * sizeof have.dims[0]);
    }
    if (tact__shape_compatible(&q->shapes[c], &have))
        return TACT_CODE_OK;
    char a[160], b[160];
    return tact__fail(st, TACT_CODE_INVALID_ARGUMENT,
                      "Shape mismatch in tuple component %d. Expected %s, got %s", c,
                      tact__shape_str(&q->shapes[c], a, sizeof a), tact__shape_str(&have, b, sizeof b));
}

/* Wait until `more` elements fit, a cancelling close happens or the step must stop. An
 * enqueue that finds the queue closed fails; one already waiting when a plain close comes
 * keeps waiting for room, as TensorFlow's pending enqueues do. Called with the lock held. */
static tact_code_t queue_wait_room(tact_queue_t *q, int64_t more, const tact_stop_t *stop,
                                   tact_cancel_waiter_t *w, tact_status_t *st)
{
    uint64_t epoch = q->cancel_epoch;
    if (q->closed)
        return tact__fail(st, TACT_CODE_CANCELLED, "FIFOQueue '%s' is closed.", q->name);
    for (;;) {
        if (q->cancel_epoch != epoch)
            return tact__fail(st, TACT_CODE_CANCELLED, "Enqueue operation was cancelled");
        if (!queue_full(q, more))
            return TACT_CODE_OK;
        if (tact__stop_check(stop, "Enqueue operation", st) != TACT_CODE_OK)
            return st->code;
        queue_wait(q, stop, w);
    }
}

static void queue_push(tact_queue_t *q, tact_tensor_t *const *element)
{
    int64_t at = (q->head + q->len) % q->cap;
    memcpy(&q->ring[at * q->n_components], element, (size_t) q->n_components * sizeof *element);
    q->len++;
}

/* Free element[0..n). */
static void queue_free_element(tact_tensor_t **element, int n)
{
    for (int c = 0; c < n; c++)
        tact_tensor_destroy(&element[c]);
}

tact_code_t tact__queue_enqueue(tact_queue_t *q, const tact_tensor_t *const *components,
                                const tact_stop_t *stop, struct tact_host_limit *limit,
                                tact_status_t *st)
{
    for (int c = 0; c < q->n_components; c++) {
        if (queue_check(q, c, components[c], false, st) != TACT_CODE_OK)
            return st->code;
    }
    tact_cancel_waiter_t w = { 0 };
    pthread_mutex_lock(&q->lock);
    tact_code_t rc = queue_wait_room(q, 1, stop, &w, st);
    if (rc == TACT_CODE_OK) {
        tact_tensor_t *element[TACT_QUEUE_MAX_COMPONENTS];
        for (int c = 0; c < q->n_components && rc == TACT_CODE_OK; c++) {
            element[c] = tact__tensor_try_clone(components[c], limit, NULL, st);
            if (element[c] == NULL) {
                queue_free_element(element, c);
                rc = st->code;
            }
        }
        if (rc == TACT_CODE_OK) {
            queue_reserve(q, 1);
            queue_push(q, element);
            pthread_cond_broadcast(&q->changed);
        }
    }
    pthread_mutex_unlock(&q->lock);
    tact__cancel_unwatch(&w);
    return rc;
}

tact_code_t tact__queue_enqueue_many(tact_queue_t *q, const tact_tensor_t *const *components,
                                     const tact_stop_t *stop, struct tact_host_limit *limit,
                                     tact_status_t *st)
{
    int64_t n = -1;
    for (int c = 0; c < q->n_components; c++) {
        const tact_tensor_t *t = components[c];
        if (t->ndims < 1)
            return tact__fail(st, TACT_CODE_INVALID_ARGUMENT,
                              "Shape mismatch in tuple component %d of queue '%s': enqueue_many "
                              "needs rank >= 1, got a scalar", c, q->name);
        if (n >= 0 && t->dims[0] != n)
            return tact__fail(st, TACT_CODE_INVALID_ARGUMENT,
                              "Shape mismatch in tuple component %d of queue '%s': dimension 0 is "
                              "%" PRId64 ", component 0 has %" PRId64, c, q->name, t->dims[0], n);
        n = t->dims[0];
        if (queue_check(q, c, t, true, st) != TACT_CODE_OK)
            return st->code;
    }
    tact_cancel_waiter_t w = { 0 };
    pthread_mutex_lock(&q->lock);
    tact_code_t rc = TACT_CODE_OK;
    /* Element by element, as TensorFlow does: a small queue fills, drains, fills again. */
    for (int64_t i = 0; i < n && rc == TACT_CODE_OK; i++) {
        rc = queue_wait_room(q, 1, stop, &w, st);
        if (rc != TACT_CODE_OK)
            break;
        tact_tensor_t *element[TACT_QUEUE_MAX_COMPONENTS];
        for (int c = 0; c < q->n_components && rc == TACT_CODE_OK; c++) {
            const tact_tensor_t *t = components[c];
            element[c] = tact__tensor_try_alloc(t->dtype, t->dims + 1, t->ndims - 1, limit, NULL,
                                                st);
            if (element[c] == NULL) {
                queue_free_element(element, c);
                rc = st->code;
                break;
            }
            int64_t row = element[c]->nelems;  /* strings: copied one by one */
            tact__tensor_copy_elements(element[c], 0, t, i * row, row);
        }
        if (rc != TACT_CODE_OK)
            break;
        queue_reserve(q, 1);
        queue_push(q, element);
        pthread_cond_broadcast(&q->changed);
    }
    pthread_mutex_unlock(&q->lock);
    tact__cancel_unwatch(&w);
    return rc;
}

/* Wait until n elements are queued; OUT_OF_RANGE once closed with fewer. Lock held. */
static tact_code_t queue_wait_elements(tact_queue_t *q, int64_t n, const tact_stop_t *stop,
                                       tact_cancel_waiter_t *w, tact_status_t *st)
{
    for (;;) {
        if (q->len >= n)
            return TACT_CODE_OK;
        if (q->closed)
            return tact__fail(st, TACT_CODE_OUT_OF_RANGE,
                              "FIFOQueue '%s' is closed and has insufficient elements (requested "
                              "%" PRId64 ", current size %" PRId64 ")", q->name, n, q->len);
        if (tact__stop_check(stop, "Dequeue operation", st) != TACT_CODE_OK)
            return st->code;
        queue_wait(q, stop, w);
    }
}

static void queue_pop(tact_queue_t *q, tact_tensor_t **element)
{
    memcpy(element, &q->ring[q->head * q->n_components], (size_t) q->n_components * sizeof *element);
    q->head = (q->head + 1) % q->cap;
    q->len--;
}

tact_code_t tact__queue_dequeue(tact_queue_t *q, tact_tensor_t **out, const tact_stop_t *stop,
                                tact_status_t *st)
{
    tact_cancel_waiter_t w = { 0 };
    pthread_mutex_lock(&q->lock);
    tact_code_t rc = queue_wait_elements(q, 1, stop, &w, st);
    if (rc == TACT_CODE_OK) {
        queue_pop(q, out);
        pthread_cond_broadcast(&q->changed);
    }
    pthread_mutex_unlock(&q->lock);
    tact__cancel_unwatch(&w);
    return rc;
}

tact_code_t tact__queue_dequeue_many(tact_queue_t *q, int64_t n, tact_tensor_t **out,
                                     const tact_stop_t *stop, struct tact_host_limit *limit,
                                     tact_status_t *st)
{
    if (n < 0)
        return tact__fail(st, TACT_CODE_INVALID_ARGUMENT,
                          "DequeueMany of queue '%s': negative count %" PRId64, q->name, n);
    if (q->capacity > 0 && n > q->capacity)
        return tact__fail(st, TACT_CODE_INVALID_ARGUMENT,
                          "DequeueMany of queue '%s': requested %" PRId64 " elements but the "
                          "capacity is %d", q->name, n, q->capacity);
    /* Stacking needs one shape per component, known in advance, as in TensorFlow. */
    bool defined = q->has_shapes;
    for (int c = 0; defined && c < q->n_components; c++)
        defined = tact__shape_nelems(&q->shapes[c]) >= 0;
    if (!defined)
        return tact__fail(st, TACT_CODE_INVALID_ARGUMENT,
                          "FIFOQueue '%s' DequeueMany requires the components to have specified "
                          "shapes.", q->name);
    tact_cancel_waiter_t w = { 0 };
    pthread_mutex_lock(&q->lock);
    tact_code_t rc = queue_wait_elements(q, n, stop, &w, st);
    /* The stacked outputs first, from the queue's shapes (every element has them): when they
     * are refused, nothing has left the queue. */
    for (int c = 0; c < q->n_components && rc == TACT_CODE_OK; c++) {
        int64_t dims[TACT_MAX_DIMS] = { n };
        TACT_ASSERT(q->shapes[c].ndims < TACT_MAX_DIMS);
        memcpy(dims + 1, q->shapes[c].dims, (size_t) q->shapes[c].ndims * sizeof *dims);
        out[c] = tact__tensor_try_alloc(q->dtypes[c], dims, q->shapes[c].ndims + 1, limit, NULL,
                                        st);
        if (out[c] == NULL) {
            queue_free_element(out, c);
            rc = st->code;
        }
    }
    if (rc == TACT_CODE_OK) {
        for (int64_t i = 0; i < n; i++) {
            tact_tensor_t *element[TACT_QUEUE_MAX_COMPONENTS];
            queue_pop(q, element);
            for (int c = 0; c < q->n_components; c++) {
                const tact_tensor_t *t = element[c];
                int64_t row = out[c]->nelems / n;
                TACT_ASSERT(t->nelems == row);  /* elements of one component share a shape */
                tact__tensor_copy_elements(out[c], i * row, t, 0, row);
                tact_tensor_destroy(&element[c]);
            }
        }
        pthread_cond_broadcast(&q->changed);
    }
    pthread_mutex_unlock(&q->lock);
    tact__cancel_unwatch(&w);
    return rc;
}

int64_t tact__queue_size(tact_queue_t *q)
{
    pthread_mutex_lock(&q->lock);
    int64_t n = q->len;
    pthread_mutex_unlock(&q->lock);
    return n;
}

tact_code_t tact__queue_close(tact_queue_t *q, bool cancel_pending_enqueues, tact_status_t *st)
{
    pthread_mutex_lock(&q->lock);
    bool again = q->closed && !cancel_pending_enqueues;
    q->closed = true;
    if (cancel_pending_enqueues)
        q->cancel_epoch++;
    pthread_cond_broadcast(&q->changed);
    pthread_mutex_unlock(&q->lock);
    if (again)
        return tact__fail(st, TACT_CODE_CANCELLED, "Queue '%s' is already closed.", q->name);
    return TACT_CODE_OK;
}

void tact__queue_wake(tact_queue_t *q)
{
    pthread_mutex_lock(&q->lock);
    pthread_cond_broadcast(&q->changed);
    pthread_mutex_unlock(&q->lock);
}
