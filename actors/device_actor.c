/* SPDX-License-Identifier: MIT */
/* Device actors: the dispatch table of the mailbox protocol for a device, generated from
 * TACT_CMD_MAP (a command without a handler fails the build), and the per-device pool. */
#include "actors/device_actor.h"
#include "devices/trace.h"

typedef struct device_actor {
    tact_device_t *dev;
    bool owns_device;             /* the first actor of the pool opens and closes it */
} device_actor_t;

struct tact_device_pool {
    tact_device_t *dev;
    int n;
    device_actor_t *state;
    tact_actor_t **actors;
    _Atomic int last;             /* the actor that got the last request */
};

#define XX(UP, low) static void on_##low(device_actor_t *self, tact_msg_t *m);
TACT_CMD_MAP(XX)
#undef XX

static void (*const dispatch[TACT_CMD_COUNT])(device_actor_t *, tact_msg_t *) = {
#define XX(UP, low) [TACT_CMD_##UP] = on_##low,
    TACT_CMD_MAP(XX)
#undef XX
};

static void on_run(device_actor_t *self, tact_msg_t *m)
{
    if (m->u.run.step->trace != NULL)
        tact__trace_mailbox_taken(m->u.run.step, m->u.run.frag);
    self->dev->iface->run(self->dev, m->u.run.frag, m->u.run.step, m->status);
}

static void on_sync(device_actor_t *self, tact_msg_t *m)
{
    TACT_UNUSED(self);
    TACT_UNUSED(m);  /* run() is synchronous on every device so far */
}

static void on_term(device_actor_t *self, tact_msg_t *m)
{
    TACT_UNUSED(self);
    TACT_UNUSED(m);  /* the generic actor exits after replying */
}

static tact_code_t device_actor_open(void *arg, tact_status_t *st)
{
    device_actor_t *self = arg;
    const tact_device_iface_t *iface = self->dev->iface;
    /* "tact:CPU:0" in top, gdb and perf (at most 15 characters: the kernel's limit). */
    char name[16] = "tact:";
    size_t prefix = strlen(name);
    size_t n = strnlen(self->dev->name, sizeof name - prefix - 1);
    memcpy(name + prefix, self->dev->name, n);
    name[prefix + n] = '\0';
    pthread_setname_np(pthread_self(), name);
    if (self->owns_device && iface->open(self->dev, st) != TACT_CODE_OK)
        return st->code;
    return iface->bind_thread ? iface->bind_thread(self->dev, st) : TACT_CODE_OK;
}

static void device_actor_handle(void *arg, tact_msg_t *m)
{
    dispatch[m->cmd](arg, m);
}

static void device_actor_close(void *arg)
{
    device_actor_t *self = arg;
    if (self->owns_device)
        self->dev->iface->close(self->dev);
}

static const tact_actor_ops_t device_actor_ops = {
    .open = device_actor_open,
    .handle = device_actor_handle,
    .close = device_actor_close,
};

tact_device_pool_t *tact__device_pool_new(tact_device_t *dev, int n_threads, tact_status_t *st)
{
    if (tact__failed(st))
        return NULL;
    TACT_ASSERT(n_threads > 0);
    tact_device_pool_t *pool = tact__malloc(sizeof *pool);
    pool->dev = dev;
    pool->state = tact__malloc((size_t) n_threads * sizeof *pool->state);
    pool->actors = tact__malloc((size_t) n_threads * sizeof *pool->actors);
    for (int i = 0; i < n_threads; i++) {
        pool->state[i] = (device_actor_t) { .dev = dev, .owns_device = i == 0 };
        pool->actors[i] = tact__actor_new(&device_actor_ops, &pool->state[i], st);
        if (pool->actors[i] == NULL) {
            tact__device_pool_destroy(&pool);
            return NULL;
        }
        pool->n = i + 1;
    }
    return pool;
}

int tact__device_pool_send(tact_device_pool_t *pool, tact_msg_t *msg)
{
    /* The actor used last, if idle: it is likely still spinning on its inbox, so it answers
     * without a wake-up, and the others stay asleep. Otherwise an idle one, else the least
     * loaded. */
    int best = atomic_load_explicit(&pool->last, memory_order_relaxed);
    uint32_t best_load = tact__actor_load(pool->actors[best]);
    for (int i = 0; i < pool->n && best_load > 0; i++) {
        uint32_t load = tact__actor_load(pool->actors[i]);
        if (load < best_load) {
            best = i;
            best_load = load;
        }
    }
    atomic_store_explicit(&pool->last, best, memory_order_relaxed);
    return tact__actor_send(pool->actors[best], msg);
}

int tact__device_pool_size(const tact_device_pool_t *pool)
{
    return pool->n;
}

uint32_t tact__device_pool_requests(const tact_device_pool_t *pool)
{
    uint32_t n = 0;
    for (int i = 0; i < pool->n; i++)
        n += tact__actor_requests(pool->actors[i]);
    return n;
}

void tact__device_pool_destroy(tact_device_pool_t **pool_p)
{
    if (pool_p == NULL || *pool_p == NULL)
        return;
    tact_device_pool_t *pool = *pool_p;
    /* The device's owner (actor 0) goes last, so the device closes after every user. */
    for (int i = pool->n - 1; i >= 0; i--)
        tact__actor_destroy(&pool->actors[i]);
    free(pool->actors);
    free(pool->state);
    free(pool);
    *pool_p = NULL;
}
