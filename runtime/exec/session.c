/* SPDX-License-Identifier: MIT */
/* Sessions: creation from a config, the run loop (argument checks in TensorFlow's order, the
 * plan cache, execution on the calling thread or the device actors, results), and close.
 * Not for pruning or placement (plan.c) nor kernels (devices/). */
#include "runtime/exec/session_impl.h"
#include "devices/cpu/cpu.h"
#include "devices/cpu/topology.h"
#include "devices/gpu/gpu_device.h"
#include "runtime/graph/device_spec.h"
#include "runtime/base/host_limit.h"
#include "runtime/base/log.h"
#include "runtime/exec/registry.h"
#include "runtime/exec/sched.h"
#include "devices/trace.h"

/* How long a client spins for the actors' replies before it sleeps. */
#define SESSION_REPLY_SPIN_NS 50000
/* Up to this many signature entries and value slots live on the stack during a run. */
#define SESSION_STACK_SLOTS 32
/* Parts of the run path written into each entry point: for a tiny run, the calls between them
 * (a dozen arguments each) cost more than the copies cost in size. */
#define SESSION_HOT static inline __attribute__((always_inline))

static const char session_closed_msg[] = "Session has been closed.";
/* Session ids: never reused, so a run memo of a destroyed session matches no later one. */
static _Atomic uint64_t session_next_id = 1;

/* ------------------------------------------------------------------------------------------ */
/* Creation and close                                                                         */
/* ------------------------------------------------------------------------------------------ */

static tact_code_t session_check_config(const tact_config_t *c, tact_status_t *st)
{
    /* TensorFlow accepts any thread count (negative ones mean its defaults here) and checks
     * the memory fraction only when it makes a GPU device (gpu_device.c does the same). */
    if (c->device_count.cpu < TACT_DEVICE_COUNT_NONE || c->device_count.gpu < TACT_DEVICE_COUNT_NONE)
        return tact__fail(st, TACT_CODE_INVALID_ARGUMENT,
                          "device_count: %d CPU, %d GPU is not a device count",
                          c->device_count.cpu, c->device_count.gpu);
    if (c->device_count.cpu == TACT_DEVICE_COUNT_NONE)
        return tact__fail(st, TACT_CODE_NOT_FOUND, "No CPU devices are available in this process");
    if (c->host_memory_limit_bytes < 0)
        return tact__fail(st, TACT_CODE_INVALID_ARGUMENT,
                          "host_memory_limit_bytes must be >= 0, got %" PRId64,
                          c->host_memory_limit_bytes);
    if ((unsigned) c->executor > TACT_EXECUTOR_ACTORS)
        return tact__fail(st, TACT_CODE_INVALID_ARGUMENT, "executor: unknown value %d",
                          (int) c->executor);
    return tact__rewrites_check_config(c, st);
}

static void session_teardown(tact_session_t *s)
{
    for (int i = s->n_devices - 1; i >= 0; i--)
        tact__device_pool_destroy(&s->pools[i]);
    pthread_mutex_lock(&s->cache_lock);
    for (int b = 0; b < TACT_SESSION_CACHE_BUCKETS; b++) {
        tact_plan_t *p = atomic_exchange(&s->buckets[b], NULL);
        while (p != NULL) {
            tact_plan_t *next = p->next;
            tact__plan_destroy(&p);
            p = next;
        }
    }
    atomic_store(&s->n_plans, 0);
    pthread_mutex_unlock(&s->cache_lock);
    tact__resources_destroy(&s->resources);
}

static void session_free(tact_session_t *s)
{
    free(s->pools);
    free(s->devices);
    free(s->device_names);
    free(s->device_info);
    free(s->placed);
    free(s->visible_device_list);
    tact__sched_pins_fini(&s->pins);
    pthread_mutex_destroy(&s->cache_lock);
    pthread_mutex_destroy(&s->close_lock);
    pthread_cond_destroy(&s->close_cond);
    if (s->saved_model != NULL)
        s->saved_model_free(s->saved_model);
    tact__graph_unref(s->graph);  /* a graph tact_saved_model_load made goes with it */
    tact__host_limit_unref(&s->host_limit);  /* results the caller keeps hold it further */
    s->tag = TACT_TAG_DEAD;
    free(s);
}

/* Device i as list_devices reports it, taken once when the session is made, so that a closed
 * session still reports it: a GPU's limit and physical description come from its device,
 * a CPU's from the topology (TensorFlow's 256 MiB figure for the limit). */
static void session_describe_device(tact_session_t *s, int i, tact_device_info_t *d)
{
    const tact_device_t *dev = &s->devices[i];
    snprintf(d->name, sizeof d->name, "%s", s->device_names[i]);
    snprintf(d->kind, sizeof d->kind, "%s", dev->iface->kind);
    tact_memory_stats_t ms;
    bool own = dev->iface->memory_stats != NULL && dev->iface->memory_stats(dev, &ms);
    d->memory_limit = own ? ms.bytes_limit : 268435456;
    if (dev->iface->describe != NULL && dev->iface->describe(dev, d->description,
                                                             sizeof d->description))
        return;
    int n = snprintf(d->description, sizeof d->description, "device: %s, ", dev->name);
    tact__topology_describe(tact__topology_device_cores(dev->ordinal, dev->kind_count),
                            d->description + n, sizeof d->description - (size_t) n);
}

/* TensorFlow's "Device mapping:" block: one line per device with a physical description
 * (GPUs), or "no known devices." (spec §3.5). */
static void session_log_device_mapping(tact_session_t *s)
{
    char text[2048] = "Device mapping:";
    size_t used = strlen(text);
    bool any = false;
    for (int i = 0; i < s->n_devices; i++) {
        const tact_device_t *dev = &s->devices[i];
        char desc[256];
        if (dev->iface->describe == NULL || !dev->iface->describe(dev, desc, sizeof desc))
            continue;
        any = true;
        if (used < sizeof text)
            used += (size_t) snprintf(text + used, sizeof text - used, "\n%s -> %s",
                                      s->device_names[i], desc);
    }
    tact__log(TACT_LOG_INFO, "%s", any ? text : "Device mapping: no known devices.");
}

tact_session_t *tact_session_new(const char *target, tact_graph_t *graph,
                                 const tact_config_t *config, tact_status_t *st)
{
    if (tact__failed(st))
        return NULL;
    tact_status_t err = TACT_STATUS_INIT;
    tact_config_t defaults = { 0 };
    const tact_config_t *c = config ? config : &defaults;
    if (target != NULL && target[0] != '\0') {
        tact__fail(st, TACT_CODE_NOT_FOUND,
                   "No session factory registered for the given session options: "
                   "{target: \"%.150s\"}", target);
        return NULL;
    }
    if (session_check_config(c, &err) != TACT_CODE_OK) {
        tact__status_merge(st, &err);
        return NULL;
    }

    /* Aligned for the padded run counters. */
    tact_session_t *s = tact__aligned_alloc(sizeof *s);
    memset(s, 0, sizeof *s);
    s->tag = TACT_TAG_SESSION;
    s->id = atomic_fetch_add_explicit(&session_next_id, 1, memory_order_relaxed);
    s->graph = tact__graph_or_default(graph);
    tact__graph_ref(s->graph);
    s->config = *c;
    if (c->gpu_options.visible_device_list != NULL)
        s->visible_device_list = tact__strdup(c->gpu_options.visible_device_list);
    s->config.gpu_options.visible_device_list = s->visible_device_list;
    TACT_ASSERT(pthread_mutex_init(&s->cache_lock, NULL) == 0);
    TACT_ASSERT(pthread_mutex_init(&s->close_lock, NULL) == 0);
    TACT_ASSERT(pthread_cond_init(&s->close_cond, NULL) == 0);
    s->resources = tact__resources_new();
    if (c->host_memory_limit_bytes > 0)
        s->host_limit = tact__host_limit_new((uint64_t) c->host_memory_limit_bytes > SIZE_MAX
                                                 ? SIZE_MAX : (size_t) c->host_memory_limit_bytes);
    tact__sched_pins_init(&s->pins);
    atomic_init(&s->placed_n_ops, -1);

    if (c->intra_op_parallelism_threads > 0) {
        int in_force = tact__cpu_set_blas_threads(c->intra_op_parallelism_threads);
        if (in_force != c->intra_op_parallelism_threads)
            tact__log(TACT_LOG_WARNING,
                      "intra_op_parallelism_threads = %d ignored: OpenBLAS' thread count is "
                      "process-wide and an earlier session set it to %d",
                      c->intra_op_parallelism_threads, in_force);
    }
    /* Devices: CPU:0 (the client device) and the other CPUs, then the GPUs, each with its
     * actor pool: one actor per core of a CPU device's set, one per GPU. */
    int n_cpu = c->device_count.cpu > 0 ? c->device_count.cpu : 1;
    int gpu_ids[TACT_GPU_MAX], n_gpu = 0;
    if (tact__gpu_select(&s->config, gpu_ids, &n_gpu, &err) != TACT_CODE_OK) {
        session_teardown(s);
        session_free(s);
        tact__status_merge(st, &err);
        return NULL;
    }
    s->devices = tact__malloc((size_t) (n_cpu + n_gpu) * sizeof *s->devices);
    s->pools = tact__malloc((size_t) (n_cpu + n_gpu) * sizeof *s->pools);
    for (int i = 0; i < n_cpu + n_gpu; i++) {
        tact_device_t *dev = &s->devices[i];
        bool cpu = i < n_cpu;
        dev->iface = cpu ? &tact__cpu_iface : &tact__gpu_iface;
        dev->ordinal = cpu ? i : i - n_cpu;
        dev->kind_count = cpu ? n_cpu : n_gpu;
        dev->physical_id = cpu ? i : gpu_ids[i - n_cpu];
        dev->config = &s->config;
        snprintf(dev->name, sizeof dev->name, "%s:%d", dev->iface->kind, dev->ordinal);
        /* inter_op_parallelism_threads, else one actor per core of the device */
        int n_threads = !cpu ? 1
                        : c->inter_op_parallelism_threads > 0
                            ? c->inter_op_parallelism_threads
                            : tact__topology_device_cores(i, n_cpu).count;
        s->pools[i] = tact__device_pool_new(dev, n_threads, &err);
        if (s->pools[i] == NULL)
            break;
        s->n_devices = i + 1;
    }
    if (err.code != TACT_CODE_OK) {
        session_teardown(s);
        session_free(s);
        tact__status_merge(st, &err);
        return NULL;
    }
    s->device_names = tact__malloc((size_t) s->n_devices * sizeof *s->device_names);
    s->device_info = tact__malloc((size_t) s->n_devices * sizeof *s->device_info);
    for (int i = 0; i < s->n_devices; i++) {
        tact__device_full_name(&s->devices[i], s->device_names[i], sizeof s->device_names[i]);
        session_describe_device(s, i, &s->device_info[i]);
    }
    if (c->log_device_placement)
        session_log_device_mapping(s);
    return s;
}

/* Interactive sessions open in the process, for TensorFlow's "already active" warning. */
static _Atomic int interactive_open;

tact_session_t *tact_interactive_session_new(const char *target, tact_graph_t *graph,
                                             const tact_config_t *config, tact_status_t *st)
{
    tact_config_t growth = { .gpu_options.allow_growth = true };
    tact_session_t *s = tact_session_new(target, graph, config ? config : &growth, st);
    if (s == NULL)
        return NULL;
    s->interactive = true;
    if (atomic_fetch_add(&interactive_open, 1) > 0)
        tact__log(TACT_LOG_WARNING,
                  "An interactive session is already active. This can cause out-of-memory "
                  "errors in some cases. You must explicitly call tact_session_close() on "
                  "interactive sessions to release their resources.");
    if (graph != NULL) {
        s->pushed_graph = graph;
        tact__graph_push_default_removable(graph);
    }
    tact__session_push_default_removable(s);
    return s;
}

/* The run counter of the calling thread: threads are spread over the counters round-robin.
 * Initial-exec TLS: the slot is read at a fixed offset from the thread pointer, not through a
 * __tls_get_addr call, on every run. */
static tact_run_counter_t *session_counter(tact_session_t *s)
{
    static _Atomic unsigned next_slot;
    static _Thread_local int slot __attribute__((tls_model("initial-exec"))) = -1;
    if (TACT_UNLIKELY(slot < 0))
        slot = (int) (atomic_fetch_add_explicit(&next_slot, 1, memory_order_relaxed) %
                      TACT_SESSION_RUN_COUNTERS);
    return &s->active[slot];
}

/* Set in every run counter by close. A run that finds it set leaves under close_lock (and
 * wakes the closer); one that finds it clear leaves with a single atomic step and then never
 * touches the session again, since destroy may free it from that moment. */
#define SESSION_CLOSING 0x40000000

int tact__session_active_runs(tact_session_t *s)
{
    int n = 0;
    for (int i = 0; i < TACT_SESSION_RUN_COUNTERS; i++)
        n += atomic_load(&s->active[i].n) & ~SESSION_CLOSING;
    return n;
}

/* Leave with the closer's lock held: the decrement and the wake-up are one step for whoever
 * waits on close_cond, and that waiter cannot free the session before the lock is released. */
static TACT__NOINLINE void session_leave_closing(tact_session_t *s, tact_run_counter_t *c)
{
    pthread_mutex_lock(&s->close_lock);
    atomic_fetch_sub(&c->n, 1);
    pthread_cond_broadcast(&s->close_cond);
    pthread_mutex_unlock(&s->close_lock);
}

/* Enter a run: false when the session is closed. Pairs with session_leave. The counter is
 * raised before `closed` is read and close sets `closed` before it marks and sums the
 * counters (all sequentially consistent), so either the run sees the close or the close
 * sees the run. */
static inline bool session_enter(tact_session_t *s, tact_run_counter_t *c)
{
    int old = atomic_fetch_add(&c->n, 1);
    if (!(old & SESSION_CLOSING) && !atomic_load(&s->closed))
        return true;
    session_leave_closing(s, c);
    return false;
}

static inline void session_leave(tact_session_t *s, tact_run_counter_t *c)
{
    int n = atomic_load(&c->n);
    while (!(n & SESSION_CLOSING)) {
        if (atomic_compare_exchange_weak(&c->n, &n, n - 1))
            return;  /* before close marked this counter: its sum sees the decrement */
    }
    session_leave_closing(s, c);
}

tact_code_t tact_session_close(tact_session_t *s, tact_status_t *st)
{
    /* Cleanup acts whatever `st` holds (a server's error path closes with the status of the
     * failure) and reports only its own failure; an error already in `st` stays there. */
    if (s == NULL)
        return tact__fail(st, TACT_CODE_INVALID_ARGUMENT, "tact_session_close: session is NULL");
    TACT_ASSERT(s->tag == TACT_TAG_SESSION);
    if (atomic_exchange(&s->closed, true))
        return TACT_CODE_OK;  /* TensorFlow's close is idempotent */
    if (s->interactive) {
        /* Leave the closing thread's default stacks, whatever the order (TF's close()). */
        tact__session_remove_default(s);
        if (s->pushed_graph != NULL)
            tact__graph_remove_default(s->pushed_graph);
        atomic_fetch_sub(&interactive_open, 1);
    }
    /* From here every run leaves under close_lock (session_leave), so none is missed. */
    for (int i = 0; i < TACT_SESSION_RUN_COUNTERS; i++)
        atomic_fetch_or(&s->active[i].n, SESSION_CLOSING);
    tact__resources_wake(s->resources);  /* blocked queue ops see `closed` now */
    pthread_mutex_lock(&s->close_lock);
    while (tact__session_active_runs(s) > 0)
        pthread_cond_wait(&s->close_cond, &s->close_lock);
    session_teardown(s);
    s->torn_down = true;
    pthread_cond_broadcast(&s->close_cond);  /* a destroy in another thread waits for this */
    pthread_mutex_unlock(&s->close_lock);
    return TACT_CODE_OK;
}

void tact_session_destroy(tact_session_t **s_p)
{
    if (s_p == NULL || *s_p == NULL)
        return;
    tact_session_t *s = *s_p;
    TACT_ASSERT(s->tag == TACT_TAG_SESSION);
    if (!atomic_load(&s->closed))
        tact_session_close(s, NULL);
    TACT_ASSERT(atomic_load(&s->default_pushes) == 0);  /* still some thread's default */
    pthread_mutex_lock(&s->close_lock);  /* a concurrent close may still be tearing down */
    while (!s->torn_down || tact__session_active_runs(s) > 0)
        pthread_cond_wait(&s->close_cond, &s->close_lock);
    pthread_mutex_unlock(&s->close_lock);
    session_free(s);
    *s_p = NULL;
}

int tact_session_list_devices(const tact_session_t *s, tact_device_info_t *out, int max)
{
    TACT_ASSERT(s != NULL && s->tag == TACT_TAG_SESSION);
    TACT_ASSERT(max == 0 || out != NULL);
    for (int i = 0; i < s->n_devices && i < max; i++)
        out[i] = s->device_info[i];
    return s->n_devices;
}

tact_code_t tact_session_memory_stats(tact_session_t *s, const char *device,
                                      tact_memory_stats_t *out, tact_status_t *st)
{
    if (tact__failed(st))
        return st->code;
    if (s == NULL || device == NULL || out == NULL)
        return tact__fail(st, TACT_CODE_INVALID_ARGUMENT,
                          "tact_session_memory_stats: session, device and out must not be NULL");
    TACT_ASSERT(s->tag == TACT_TAG_SESSION);
    tact_device_spec_t spec;
    tact_status_t ps = TACT_STATUS_INIT;
    if (tact__device_spec_parse(device, &spec, &ps) != TACT_CODE_OK)
        return tact__status_merge(st, &ps);
    tact_run_counter_t *counter = session_counter(s);
    if (!session_enter(s, counter)) {  /* the devices are gone once the session closes */
        tact__device_spec_fini(&spec);
        return tact__fail(st, TACT_CODE_CANCELLED, session_closed_msg);
    }
    int found = -1, n_found = 0;
    for (int i = 0; i < s->n_devices; i++) {
        if (tact__device_spec_is_local(&spec) &&
            tact__device_spec_matches(&spec, s->devices[i].iface->kind, s->devices[i].ordinal)) {
            found = found < 0 ? i : found;
            n_found++;
        }
    }
    tact_code_t rc = TACT_CODE_OK;
    if (n_found != 1) {
        rc = tact__fail(st, n_found ? TACT_CODE_INVALID_ARGUMENT : TACT_CODE_NOT_FOUND,
                        "Memory stats: '%s' names %s of this session's devices", device,
                        n_found ? "several" : "none");
    } else {
        const tact_device_t *dev = &s->devices[found];
        if (dev->iface->memory_stats == NULL || !dev->iface->memory_stats(dev, out))
            rc = tact__fail(st, TACT_CODE_INVALID_ARGUMENT,
                            "Memory stats are not supported for %s: host devices share the "
                            "process's memory", s->device_names[found]);
    }
    session_leave(s, counter);
    tact__device_spec_fini(&spec);
    return rc;
}

tact_code_t tact_session_stats(tact_session_t *s, tact_session_stats_t *out, tact_status_t *st)
{
    if (tact__failed(st))
        return st->code;
    if (s == NULL || out == NULL)
        return tact__fail(st, TACT_CODE_INVALID_ARGUMENT,
                          "tact_session_stats: session and out must not be NULL");
    TACT_ASSERT(s->tag == TACT_TAG_SESSION);
    memset(out, 0, sizeof *out);
    for (int i = 0; i < TACT_SESSION_RUN_COUNTERS; i++) {
        const tact_run_counter_t *c = &s->active[i];
        /* Every run either looks its plan up (a hit or a miss) or is counted unplanned: the
         * common run pays one atomic addition for all three figures. */
        out->runs += atomic_load_explicit(&c->unplanned, memory_order_relaxed) +
                     atomic_load_explicit(&c->cache_hits, memory_order_relaxed) +
                     atomic_load_explicit(&c->cache_misses, memory_order_relaxed);
        out->plan_cache_hits += atomic_load_explicit(&c->cache_hits, memory_order_relaxed);
        out->plan_cache_misses += atomic_load_explicit(&c->cache_misses, memory_order_relaxed);
        out->bytes_copied += atomic_load_explicit(&c->bytes_copied, memory_order_relaxed);
        for (int k = 0; k < TACT_CODE_COUNT; k++)
            out->errors[k] += atomic_load_explicit(&c->errors[k], memory_order_relaxed);
    }
    out->peak_host_bytes = s->host_limit ? (int64_t) tact__host_limit_peak(s->host_limit) : -1;
    /* Device figures need the devices, which close takes away. */
    tact_run_counter_t *counter = session_counter(s);
    bool open = session_enter(s, counter);
    out->n_devices = s->n_devices < TACT_MAX_PARTITIONS ? s->n_devices : TACT_MAX_PARTITIONS;
    for (int i = 0; i < out->n_devices; i++) {
        snprintf(out->devices[i].device, sizeof out->devices[i].device, "%s",
                 s->device_names[i]);
        tact_memory_stats_t ms;
        const tact_device_t *dev = &s->devices[i];
        out->devices[i].peak_bytes_in_use =
            open && dev->iface->memory_stats != NULL && dev->iface->memory_stats(dev, &ms)
                ? ms.peak_bytes_in_use : -1;
    }
    if (open)
        session_leave(s, counter);
    return TACT_CODE_OK;
}

void tact_run_metadata_clear(tact_run_metadata_t *md)
{
    if (md == NULL)
        return;
    for (int f = 0; f < TACT_MAX_PARTITIONS; f++)
        free(md->partitions[f].graph);
    tact__step_stats_clear(md);
    memset(md, 0, sizeof *md);
}

tact_graph_t *tact_session_graph(const tact_session_t *s)
{
    TACT_ASSERT(s != NULL && s->tag == TACT_TAG_SESSION);
    return s->graph;
}

/* ------------------------------------------------------------------------------------------ */
/* The plan cache                                                                             */
/* ------------------------------------------------------------------------------------------ */

/* TensorFlow's generators, which its placer places and logs after the other ops: no data
 * inputs and one output that is not a reference (so not a VariableV2). */
static bool session_log_generator(const tact_op_t *op)
{
    return op->n_inputs == 0 && op->n_outputs == 1 && op->kind != TACT_OP_VARIABLE;
}

/* Remember where ops[0..n) (in creation order) run (tact_session_op_device) and, with
 * log_device_placement, log them in TensorFlow's form and order: ops that keep an earlier
 * placement (`kept`, by position; may be NULL) and non-generators in creation order, then
 * the generators. Called with cache_lock held. */
static void session_record_placement(tact_session_t *s, const tact_op_t *const *ops,
                                     const int *placement, int n_ops, const bool *kept)
{
    for (int n = 0; n < n_ops; n++) {
        const tact_op_t *op = ops[n];
        if (op->id >= s->n_placed) {
            int cap = s->n_placed ? s->n_placed : 64;
            while (cap <= op->id)
                cap *= 2;
            s->placed = tact__realloc(s->placed, (size_t) cap * sizeof *s->placed);
            for (int i = s->n_placed; i < cap; i++)
                atomic_init(&s->placed[i], -1);
            s->n_placed = cap;
        }
        atomic_store(&s->placed[op->id], placement[n]);
    }
    if (!s->config.log_device_placement)
        return;
    /* Ops that follow a resource against their own request (colocation, spec §3.3). */
    for (int n = 0; n < n_ops; n++) {
        const tact_op_t *op = ops[n];
        tact_device_spec_t spec = TACT_DEVICE_SPEC_INIT;
        tact_status_t ps = TACT_STATUS_INIT;
        const tact_device_t *dev = &s->devices[placement[n]];
        bool follows = op->device != NULL && op->device[0] != '\0' && op->n_inputs > 0 &&
                       tact__op_input_is_handle(op->kind, 0) &&
                       tact__device_spec_parse(op->device, &spec, &ps) == TACT_CODE_OK &&
                       !tact__device_spec_matches(&spec, dev->iface->kind, dev->ordinal);
        tact__device_spec_fini(&spec);
        if (!follows)
            continue;
        tact__log(TACT_LOG_INFO, "Ignoring device specification %s for node '%s' because the "
                  "input edge from '%s' is a reference connection and already has a device "
                  "field set to %s", op->device, op->name, op->inputs[0].op->name,
                  s->device_names[placement[n]]);
    }
    for (int pass = 0; pass < 2; pass++) {
        for (int n = 0; n < n_ops; n++) {
            const tact_op_t *op = ops[n];
            bool second = session_log_generator(op) && !(kept != NULL && kept[n]);
            if (second != (pass == 1))
                continue;
            char name[96];
            tact__log(TACT_LOG_INFO, "%s: (%s): %s", op->name, tact__op_kind_type(op->kind),
                      tact__device_full_name(&s->devices[placement[n]], name,
                                              sizeof name));
        }
    }
}

const char *tact_session_op_device(tact_session_t *s, const tact_op_t *op)
{
    TACT_ASSERT(s != NULL && s->tag == TACT_TAG_SESSION && op != NULL);
    pthread_mutex_lock(&s->cache_lock);
    int d = op->id < s->n_placed ? atomic_load(&s->placed[op->id]) : -1;
    pthread_mutex_unlock(&s->cache_lock);
    return d >= 0 ? s->device_names[d] : NULL;
}

static tact_plan_t *session_cache_find(tact_session_t *s, const int64_t *keys, int n_keys,
                                       uint64_t hash)
{
    tact_plan_t *p = atomic_load_explicit(&s->buckets[hash % TACT_SESSION_CACHE_BUCKETS],
                                          memory_order_acquire);
    for (; p != NULL; p = p->next) {
        if (p->hash == hash && p->n_keys == n_keys &&
            memcmp(p->keys, keys, (size_t) n_keys * sizeof *keys) == 0)
            return p;
    }
    return NULL;
}

/* TensorFlow's placer logs each op as it assigns it, so a placement that fails at op F has
 * logged the ops of its first pass before F (non-generators and ops that keep an earlier
 * placement, in creation order). F is the op the error names. */
static void session_log_failed_placement(tact_session_t *s, const tact_op_t *const *ops,
                                         const int *out, int n, const bool *kept,
                                         const tact_status_t *err)
{
    static const char prefix[] = "Cannot assign a device for operation ";
    if (strncmp(err->msg, prefix, sizeof prefix - 1) != 0)
        return;
    const char *name = err->msg + sizeof prefix - 1;
    size_t len = strcspn(name, ":");  /* op names hold no ':' */
    int fail = -1;
    for (int i = 0; i < n && fail < 0; i++) {
        if (strlen(ops[i]->name) == len && strncmp(ops[i]->name, name, len) == 0)
            fail = i;
    }
    for (int i = 0; i < fail; i++) {
        if (out[i] < 0 || (session_log_generator(ops[i]) && !kept[i]))
            continue;
        char dev[96];
        tact__log(TACT_LOG_INFO, "%s: (%s): %s", ops[i]->name, tact__op_kind_type(ops[i]->kind),
                  tact__device_full_name(&s->devices[out[i]], dev, sizeof dev));
    }
}

/* The slow half of tact__session_place_graph: place the first n ops of the graph. */
static TACT__NOINLINE tact_code_t session_place_graph(tact_session_t *s, int n,
                                                     tact_status_t *st)
{
    tact_code_t rc = TACT_CODE_OK;
    pthread_mutex_lock(&s->cache_lock);
    if (atomic_load(&s->placed_n_ops) >= n)  /* another run placed it meanwhile */
        goto out;
    const tact_op_t **ops = tact__malloc((size_t) (n ? n : 1) * sizeof *ops);
    pthread_mutex_lock(&s->graph->lock);  /* the ops array may be growing */
    for (int id = 0; id < n; id++)
        ops[id] = s->graph->ops[id];
    pthread_mutex_unlock(&s->graph->lock);
    int *out = tact__malloc((size_t) (n ? n : 1) * sizeof *out);
    bool *kept = tact__malloc((size_t) (n ? n : 1) * sizeof *kept);
    pthread_mutex_lock(&s->pins.lock);  /* stateful ops an earlier placement pinned */
    for (int id = 0; id < n; id++)
        kept[id] = id < s->pins.n && s->pins.device[id] > 0;
    pthread_mutex_unlock(&s->pins.lock);
    tact_status_t err = TACT_STATUS_INIT;
    if (tact__sched_place(ops, n, s->devices, s->n_devices, s->config.allow_soft_placement,
                          &s->pins, out, &err) != TACT_CODE_OK) {
        /* Not kept: as TensorFlow's, every run places again (and fails alike) until the graph
         * changes, logging the ops placed before the failing one. */
        if (s->config.log_device_placement)
            session_log_failed_placement(s, ops, out, n, kept, &err);
        rc = tact__status_merge(st, &err);
    } else {
        pthread_mutex_lock(&s->pins.lock);
        s->pins.whole = tact__realloc(s->pins.whole, (size_t) (n ? n : 1) *
                                                         sizeof *s->pins.whole);
        for (int id = 0; id < n; id++)
            s->pins.whole[id] = out[id] + 1;
        s->pins.n_whole = n;
        pthread_mutex_unlock(&s->pins.lock);
        session_record_placement(s, ops, out, n, kept);
        atomic_store(&s->placed_n_ops, n);
    }
    free(kept);
    free(out);
    free(ops);
out:
    pthread_mutex_unlock(&s->cache_lock);
    return rc;
}

tact_code_t tact__session_place_graph(tact_session_t *s, tact_status_t *st)
{
    if (s->interactive)  /* TensorFlow's place_pruned_graph: each plan places its own ops */
        return TACT_CODE_OK;
    int n = atomic_load_explicit(&s->graph->n_ops_published, memory_order_acquire);
    if (TACT_LIKELY(atomic_load_explicit(&s->placed_n_ops, memory_order_acquire) >= n))
        return TACT_CODE_OK;
    return session_place_graph(s, n, st);
}

/* The cached plan of `sig`, building and caching it on first use. */
static tact_plan_t *session_plan(tact_session_t *s, tact_run_counter_t *counter,
                                 const tact_signature_t *sig, tact_status_t *st)
{
    if (tact__session_place_graph(s, st) != TACT_CODE_OK)
        return NULL;
    int n_keys = tact__signature_n_keys(sig);
    int64_t stack_keys[SESSION_STACK_SLOTS];
    int64_t *keys = n_keys <= SESSION_STACK_SLOTS ? stack_keys
                                                  : tact__malloc((size_t) n_keys * sizeof *keys);
    uint64_t hash = tact__signature_keys(sig, keys);

    tact_plan_t *plan = session_cache_find(s, keys, n_keys, hash);
    atomic_fetch_add_explicit(plan ? &counter->cache_hits : &counter->cache_misses, 1,
                              memory_order_relaxed);
    if (plan == NULL) {
        /* Built outside the lock: plans are pure (the pins they record agree, under their own
         * lock), and a racing twin is simply dropped. */
        tact_rewrites_t rw;
        tact__rewrites_from_config(&s->config, &rw);
        tact_plan_t *fresh = tact__plan_build(sig, s->devices, s->n_devices,
                                              s->config.allow_soft_placement, &rw, &s->pins,
                                              st);
        if (fresh != NULL) {
            pthread_mutex_lock(&s->cache_lock);
            plan = session_cache_find(s, keys, n_keys, hash);
            if (plan == NULL) {
                _Atomic(tact_plan_t *) *head = &s->buckets[hash % TACT_SESSION_CACHE_BUCKETS];
                fresh->next = atomic_load_explicit(head, memory_order_relaxed);
                atomic_store_explicit(head, fresh, memory_order_release);  /* publish */
                atomic_fetch_add(&s->n_plans, 1);
                if (s->interactive)  /* the others placed and logged the whole graph */
                    session_record_placement(s, fresh->order, fresh->placement, fresh->n_ops,
                                             NULL);
                plan = fresh;
                fresh = NULL;
            }
            pthread_mutex_unlock(&s->cache_lock);
            tact__plan_destroy(&fresh);
        }
    }
    if (keys != stack_keys)
        free(keys);
    return plan;
}

int tact__session_num_plans(tact_session_t *s)
{
    return atomic_load(&s->n_plans);
}

/* ------------------------------------------------------------------------------------------ */
/* Run                                                                                        */
/* ------------------------------------------------------------------------------------------ */

/* An endpoint with its position in the caller's array, sorted by (op id, index). */
typedef struct run_entry {
    int64_t key;
    int pos;
} run_entry_t;

static int run_entry_cmp(const void *a, const void *b)
{
    int64_t x = ((const run_entry_t *) a)->key, y = ((const run_entry_t *) b)->key;
    return (x > y) - (x < y);
}

static void run_sort(run_entry_t *e, int n)
{
    if (n > 16) {
        qsort(e, (size_t) n, sizeof *e, run_entry_cmp);
        return;
    }
    for (int i = 1; i < n; i++) {  /* insertion sort: runs have few endpoints */
        run_entry_t x = e[i];
        int j = i - 1;
        for (; j >= 0 && e[j].key > x.key; j--)
            e[j + 1] = e[j];
        e[j + 1] = x;
    }
}

static int64_t run_key(tact_output_t out)
{
    return ((int64_t) out.op->id << 8) | (int64_t) out.index;
}

/* Position of `key` in the sorted entries, or -1. */
static int run_find(const run_entry_t *e, int n, int64_t key)
{
    int lo = 0, hi = n - 1;
    while (lo <= hi) {
        int mid = (lo + hi) / 2;
        if (e[mid].key == key)
            return mid;
        if (e[mid].key < key)
            lo = mid + 1;
        else
            hi = mid - 1;
    }
    return -1;
}

static bool run_graph_empty(tact_session_t *s, tact_status_t *st)
{
    if (tact_graph_num_ops(s->graph) > 0)
        return false;
    tact__fail(st, TACT_CODE_INVALID_ARGUMENT,
               "The Session graph is empty. Add operations to the graph before calling run().");
    return true;
}


/* The number TensorFlow gives feed i in "Expects arg[n]": DirectSession orders its call
 * frame's arguments by feed name ("a:0" < "z:0"), whatever order the caller gave. Only called
 * on an error, after every feed before i was checked. */
static int run_feed_arg_index(const tact_feed_t *feeds, int n_feeds, int i)
{
    char mine[300], other[300];
    tact__output_name(feeds[i].tensor, mine, sizeof mine);
    int rank = 0;
    for (int j = 0; j < n_feeds; j++) {
        if (j != i && feeds[j].tensor.op != NULL &&
            strcmp(tact__output_name(feeds[j].tensor, other, sizeof other), mine) < 0)
            rank++;
    }
    return rank;
}
/* The error of arguments that failed the checks (st holds the failed check's error, or
 * nothing when there was no fetch and no target): an empty graph is the cause whatever
 * failed, as TensorFlow checks it first. Looked at only here, off the hot path. */
static tact_code_t run_args_failed(tact_session_t *s, tact_status_t *st)
{
    tact_status_t empty = TACT_STATUS_INIT;
    if (run_graph_empty(s, &empty))
        *st = empty;
    else if (!tact__failed(st))
        tact__fail(st, TACT_CODE_INVALID_ARGUMENT,
                   "Must specify at least one target to fetch or execute.");
    return st->code;
}

/* run_check_value's messages, off the hot path. */
static TACT__NOINLINE tact_code_t run_value_error(tact_output_t t, const tact_tensor_t *v,
                                                  const tact_feed_t *feeds, int n_feeds, int i,
                                                  tact_status_t *st)
{
    char name[300], a[160], b[160];
    tact__output_name(t, name, sizeof name);
    if (v == NULL)
        return tact__fail(st, TACT_CODE_INVALID_ARGUMENT, "The value fed to %s is NULL", name);
    TACT_ASSERT(v->tag == TACT_TAG_TENSOR);
    tact_dtype_t want = t.op->out_dtype[t.index];
    if (v->dtype != want)
        return tact__fail(st, TACT_CODE_INVALID_ARGUMENT,
                          "Cannot feed value of dtype %s for Tensor '%s', which has dtype %s "
                          "(Expects arg[%d] to be %s but %s is provided)",
                          tact_dtype_name(v->dtype), name, tact_dtype_name(want),
                          feeds != NULL ? run_feed_arg_index(feeds, n_feeds, i) : i,
                          tact__dtype_tf_name(want), tact__dtype_tf_name(v->dtype));
    tact_shape_t have = tact__tensor_shape(v);
    return tact__fail(st, TACT_CODE_INVALID_ARGUMENT,
                      "Cannot feed value of shape %s for Tensor '%s', which has shape '%s'",
                      tact__shape_tuple_str(&have, a, sizeof a), name,
                      tact__shape_tuple_str(&t.op->out_shape[t.index], b, sizeof b));
}

/* The checks of a value fed to the valid endpoint t (feed i of feeds[0..n_feeds)): NULL,
 * dtype, shape (read in place, not copied). */
static inline tact_code_t run_check_value(tact_output_t t, const tact_tensor_t *v,
                                          const tact_feed_t *feeds, int n_feeds, int i,
                                          tact_status_t *st)
{
    if (TACT_LIKELY(v != NULL && v->dtype == t.op->out_dtype[t.index] &&
                    tact__shape_fits(&t.op->out_shape[t.index], v->ndims, v->dims))) {
        TACT_ASSERT(v->tag == TACT_TAG_TENSOR);
        return TACT_CODE_OK;
    }
    return run_value_error(t, v, feeds, n_feeds, i, st);
}

/* Whether the value fed to the valid endpoint t passes run_check_value (a live tensor of its
 * dtype and shape) without a word: the test alone, for loops that take errors elsewhere. */
static inline bool run_value_ok(tact_output_t t, const tact_tensor_t *v)
{
    return v != NULL && v->dtype == t.op->out_dtype[t.index] &&
           tact__shape_fits(&t.op->out_shape[t.index], v->ndims, v->dims) &&
           v->tag == TACT_TAG_TENSOR;
}

/* Feed i's endpoint t: not empty, of the session's graph, an output it has. */
static tact_code_t run_check_feed_endpoint(tact_session_t *s, tact_output_t t, int i,
                                           tact_status_t *st)
{
    char name[300];
    if (t.op == NULL)
        return tact__fail(st, TACT_CODE_INVALID_ARGUMENT,
                          "Cannot interpret feed_dict key as Tensor: feed %d is an empty "
                          "output (a builder failed)", i);
    TACT_ASSERT(t.op->tag == TACT_TAG_OP);
    if (t.op->graph != s->graph)
        return tact__fail(st, TACT_CODE_INVALID_ARGUMENT,
                          "Cannot interpret feed_dict key as Tensor: Tensor %s is not an "
                          "element of this graph.", tact__output_name(t, name, sizeof name));
    if (t.index < 0 || t.index >= t.op->n_outputs)
        return tact__fail(st, TACT_CODE_INVALID_ARGUMENT,
                          "FeedInputs: %s should have output index < %d",
                          tact__output_name(t, name, sizeof name), t.op->n_outputs);
    return TACT_CODE_OK;
}

static tact_code_t run_check_feeds(tact_session_t *s, const tact_feed_t *feeds, int n_feeds,
                                   tact_status_t *st)
{
    for (int i = 0; i < n_feeds; i++) {
        if (run_check_feed_endpoint(s, feeds[i].tensor, i, st) != TACT_CODE_OK ||
            run_check_value(feeds[i].tensor, feeds[i].value, feeds, n_feeds, i, st) !=
                TACT_CODE_OK)
            return st->code;
    }
    return TACT_CODE_OK;
}

static tact_code_t run_check_fetches(tact_session_t *s, const tact_output_t *fetches,
                                     int n_fetches, tact_status_t *st)
{
    char name[300];
    for (int i = 0; i < n_fetches; i++) {
        tact_output_t t = fetches[i];
        if (t.op == NULL)
            return tact__fail(st, TACT_CODE_INVALID_ARGUMENT,
                              "Fetch argument %d has invalid type: an empty output (a builder "
                              "failed)", i);
        TACT_ASSERT(t.op->tag == TACT_TAG_OP);
        if (TACT_LIKELY(t.op->graph == s->graph && t.index >= 0 && t.index < t.op->n_outputs))
            continue;  /* the names below are formatted only for errors, off the hot path */
        tact__output_name(t, name, sizeof name);
        if (t.op->graph != s->graph)
            return tact__fail(st, TACT_CODE_INVALID_ARGUMENT,
                              "Fetch argument %s cannot be interpreted as a Tensor. (Tensor %s is "
                              "not an element of this graph.)", name, name);
        if (t.op->n_outputs == 0)
            return tact__fail(st, TACT_CODE_INVALID_ARGUMENT,
                              "Tried to fetch data for '%s', which produces no output. To run to "
                              "a node but not fetch any data, pass it in targets.", t.op->name);
        if (t.index < 0 || t.index >= t.op->n_outputs)
            return tact__fail(st, TACT_CODE_INVALID_ARGUMENT,
                              "FetchOutputs %s: output index %s, must be < %d", name,
                              t.index < 0 ? "negative" : "too large", t.op->n_outputs);
    }
    return TACT_CODE_OK;
}

static tact_code_t run_check_targets(tact_session_t *s, tact_op_t *const *targets, int n_targets,
                                     tact_status_t *st)
{
    for (int i = 0; i < n_targets; i++) {
        if (targets[i] == NULL)
            return tact__fail(st, TACT_CODE_INVALID_ARGUMENT,
                              "Target %d is NULL (a builder failed)", i);
        TACT_ASSERT(targets[i]->tag == TACT_TAG_OP);
        if (targets[i]->graph != s->graph)
            return tact__fail(st, TACT_CODE_INVALID_ARGUMENT,
                              "Operation %s is not an element of this graph.", targets[i]->name);
    }
    return TACT_CODE_OK;
}

/* The first real error of a run's parts: one that only stopped because another failed says
 * "Run call was cancelled" and comes second. */
static tact_code_t run_merge_statuses(tact_step_t *step, const tact_status_t *sts, int n,
                                      tact_status_t *st)
{
    tact_code_t rc = TACT_CODE_OK;
    for (int pass = 0; pass < 2; pass++) {
        for (int f = 0; f < n; f++) {
            bool follower = sts[f].code == TACT_CODE_CANCELLED && atomic_load(&step->failed);
            if (follower == (pass == 1))
                rc = tact__status_merge(st, &sts[f]);
        }
    }
    return rc;
}

/* Send one fragment (or segment) to its device's actors; `done` counts its reply. */
static void run_send(tact_session_t *s, const tact_fragment_t *frag, tact_step_t *step,
                     tact_status_t *fst, tact_completion_t *done)
{
    tact_msg_t m = { .cmd = TACT_CMD_RUN, .status = fst, .done = done,
                     .u.run = { .frag = frag, .step = step } };
    if (TACT_UNLIKELY(step->trace != NULL))
        tact__trace_mailbox_sent(step, frag);
    if (tact__device_pool_send(s->pools[frag->dev - s->devices], &m) != 0) {
        tact__fail(fst, TACT_CODE_INTERNAL, "%s: mailbox send failed", frag->dev->name);
        tact__step_fail(step);
        tact__completion_done(done);
    }
}

static TACT__NOINLINE tact_code_t run_on_actor(tact_session_t *s, const tact_fragment_t *frag,
                                tact_step_t *step, tact_status_t *st);
static tact_code_t run_across_devices(tact_session_t *s, const tact_plan_t *plan,
                                      tact_step_t *step, tact_status_t *st);

/* Run the plan: on this thread where it may, on the device actors where it must. */
static tact_code_t run_execute(tact_session_t *s, const tact_plan_t *plan, tact_step_t *step,
                               tact_status_t *st)
{
    /* One fragment: on this thread when its device allows, unless the config asks for the
     * actors; but always here when it may block (a dequeue), so that no actor is held
     * hostage while it waits. */
    const tact_fragment_t *f0 = &plan->fragments[0];
    if (plan->n_fragments == 1) {
        if (TACT_LIKELY(f0->dev->iface->caller_may_run &&
                        (s->config.executor == TACT_EXECUTOR_AUTO || f0->blocking)))
            return f0->dev->iface->run(f0->dev, f0, step, st);
        return run_on_actor(s, f0, step, st);
    }
    return run_across_devices(s, plan, step, st);
}

/* One fragment on its device's actors: the caller waits for the reply. */
static TACT__NOINLINE tact_code_t run_on_actor(tact_session_t *s, const tact_fragment_t *frag,
                                               tact_step_t *step, tact_status_t *st)
{
    tact_status_t fst = TACT_STATUS_INIT;
    tact_completion_t done;
    tact__completion_init(&done, 1);
    run_send(s, frag, step, &fst, &done);
    tact__completion_wait(&done, SESSION_REPLY_SPIN_NS);
    return tact__status_merge(st, &fst);
}

/* Several fragments. */
static TACT__NOINLINE tact_code_t run_across_devices(tact_session_t *s, const tact_plan_t *plan,
                                                     tact_step_t *step, tact_status_t *st)
{
    /* Host devices only: this thread runs the segments in order, each with its own device's
     * kernels. Host devices share memory, so nothing is copied and nothing waits. */
    if (plan->n_remote_segments == 0) {
        for (int g = 0; g < plan->n_segments; g++) {
            const tact_fragment_t *seg = &plan->segments[g];
            if (seg->dev->iface->run(seg->dev, seg, step, st) != TACT_CODE_OK)
                return st->code;
        }
        return TACT_CODE_OK;
    }
    /* Devices this thread may not drive (GPUs) get their segments when this thread reaches
     * them in run order, so every host node they read is done by then; host segments run here
     * meanwhile. Done words order the rest: a host node waits for the GPU nodes it reads, a
     * GPU node for another GPU's, which were sent before it. Every wait thus points at work
     * sent earlier, and each actor takes its work in the order sent, so concurrent runs cannot
     * deadlock however their segments interleave. */
    int n_sts = plan->n_remote_segments + 1;  /* one per remote segment, and this thread's */
    tact_status_t stack_st[9];
    tact_status_t *sts = n_sts <= 9 ? stack_st : tact__malloc((size_t) n_sts * sizeof *sts);
    for (int i = 0; i < n_sts; i++)
        sts[i] = (tact_status_t) TACT_STATUS_INIT;
    _Atomic uint32_t stack_done[SESSION_STACK_SLOTS];
    _Atomic uint32_t *node_done = plan->n_nodes <= SESSION_STACK_SLOTS
                                      ? stack_done
                                      : tact__malloc((size_t) plan->n_nodes * sizeof *node_done);
    for (int n = 0; n < plan->n_nodes; n++)
        atomic_init(&node_done[n], 0);
    step->done = node_done;
    tact_completion_t done;
    tact__completion_init(&done, (uint32_t) plan->n_remote_segments);
    int sent = 0;
    for (int g = 0; g < plan->n_segments; g++) {
        const tact_fragment_t *seg = &plan->segments[g];
        bool remote = !seg->dev->iface->caller_may_run;
        if (atomic_load(&step->failed)) {
            if (remote)
                tact__completion_done(&done);  /* never sent: nothing will reply */
            continue;
        }
        if (remote)
            run_send(s, seg, step, &sts[sent++], &done);
        else
            seg->dev->iface->run(seg->dev, seg, step, &sts[plan->n_remote_segments]);
    }
    tact__completion_wait(&done, SESSION_REPLY_SPIN_NS);
    step->done = NULL;
    if (node_done != stack_done)
        free(node_done);
    tact_code_t rc = run_merge_statuses(step, sts, n_sts, st);
    if (sts != stack_st)
        free(sts);
    return rc;
}

/* TensorFlow's partition graphs (tact__plan_describe): each partition's device, op count,
 * _Send/_Recv counts and text; and the step stats of a traced step. */
static void run_fill_metadata(tact_run_metadata_t *md, const tact_plan_t *plan,
                              const tact_trace_t *trace)
{
    tact_run_metadata_clear(md);
    if (plan == NULL)
        return;
    tact_plan_desc_t *desc = tact__plan_describe(plan);
    for (int p = 0; p < desc->n_parts && p < TACT_MAX_PARTITIONS; p++) {
        tact__device_full_name(desc->parts[p].dev, md->partitions[p].device,
                                sizeof md->partitions[p].device);
        md->partitions[p].n_nodes = desc->parts[p].n_ops;
        md->partitions[p].n_sends = desc->parts[p].n_sends;
        md->partitions[p].n_recvs = desc->parts[p].n_recvs;
        md->partitions[p].graph = desc->parts[p].text;
        desc->parts[p].text = NULL;
        md->n_partitions = p + 1;
    }
    if (trace != NULL)
        tact__trace_fill(md, trace, plan, desc);
    tact__plan_desc_destroy(&desc);
}

/* Clear the caller's result slots. A plain store for the usual single fetch: the compiler
 * turns the loop into a call to memset. */
static inline void run_clear_results(tact_tensor_t **results, int n)
{
    if (n == 1) {
        results[0] = NULL;
        return;
    }
    for (int i = 0; i < n; i++)
        results[i] = NULL;
}

/* Whether the step's reference is the only one to the bytes of t: a plain host tensor
 * answers in place, a view or a device tensor asks tact__tensor_refs. */
static inline bool run_sole_owner(const tact_tensor_t *t)
{
    if (t->free_data == NULL)
        return atomic_load_explicit(&((tact_tensor_t *) t)->refs, memory_order_acquire) == 1;
    return tact__tensor_refs(t) == 1;
}

/* A run's status: the step's error merged into the caller's, whose status was OK when the
 * run began (tact__failed returned early) and is written by no one else meanwhile. */
static inline tact_code_t run_status(tact_status_t *st, const tact_status_t *err)
{
    if (TACT_LIKELY(err->code == TACT_CODE_OK))
        return TACT_CODE_OK;
    return tact__status_merge(st, err);
}

/* A run's fed values in feed order, read in place: a callable's array of tensors, or the
 * value members of a run's feeds. */
typedef struct run_values {
    const char *first;            /* the first value pointer (NULL when there are none) */
    size_t stride;                /* bytes from one value pointer to the next */
} run_values_t;

static inline const tact_tensor_t *run_value(run_values_t in, int i)
{
    return *(const tact_tensor_t *const *) (in.first + (size_t) i * in.stride);
}

/* A run signature resolved against its plan: where each of the caller's feeds and fetches
 * lives in the plan's value slots, in the caller's order. A run resolves one on its stack (or
 * finds it in its thread's memo); a callable keeps one for all its calls. */
typedef struct run_resolved {
    const tact_plan_t *plan;      /* NULL: nothing to execute (every fetch fed, no target) */
    int n_feeds, n_fetches;
    const int *feed_slot;         /* by feed: its value slot */
    const int *fetch_at;          /* by fetch: its value slot, or -1 - f to copy feed f */
    const tact_output_t *fetches; /* for the messages of values that cannot be fetched */
    int n_end;                    /* -1: after a step, look at every slot */
    const int *end_slots;         /* else the slots no node releases (run_end_slots) */
} run_resolved_t;

/* The plan's slots that no node releases (fetches, values kept across devices, outputs nobody
 * reads): once a step has run every node, the only ones that may still hold a tensor, so the
 * step ends by looking at these alone. Writes them to out[0..cap) and returns their count, or
 * -1 when there are more. */
static int run_end_slots(const tact_plan_t *plan, int *out, int cap)
{
    if (plan == NULL)
        return 0;
    bool *released = tact__malloc((size_t) plan->n_slots + 1);
    for (int i = 0; i < plan->n_nodes; i++) {
        const tact_node_t *node = &plan->nodes[i];
        for (int r = 0; r < node->n_release; r++)
            released[node->release_slots[r]] = true;
    }
    int n = 0;
    for (int slot = 0; slot < plan->n_slots && n >= 0; slot++) {
        if (!released[slot])
            n = n < cap ? (out[n] = slot, n + 1) : -1;
    }
    free(released);
    return n;
}

/* Execute a resolved run with values[i] fed to feed i: the step, then the results. */
static tact_code_t run_resolved_exec(tact_session_t *s, tact_run_counter_t *counter,
                                     const tact_run_options_t *options,
                                     const run_resolved_t *rs,
                                     run_values_t values_in,
                                     tact_tensor_t **results, tact_status_t *st)
{
    const tact_plan_t *plan = rs->plan;
    tact_code_t rc = TACT_CODE_OK;
    /* A trace only when someone will read it. */
    tact_trace_t *trace = NULL;
    if (TACT_UNLIKELY(options != NULL && options->trace_level != TACT_TRACE_NO_TRACE &&
                      options->metadata != NULL && plan != NULL))
        trace = tact__trace_new(plan->n_nodes);
    int64_t bytes_copied = 0;

    tact_value_t stack_values[SESSION_STACK_SLOTS];
    int n_slots = plan ? plan->n_slots : 0;
    tact_value_t *values = n_slots <= SESSION_STACK_SLOTS
                               ? stack_values : tact__malloc((size_t) n_slots * sizeof *values);
    if (n_slots <= 4)  /* a size the compiler writes inline, in a few stores */
        memset(values, 0, 4 * sizeof *values);
    else
        memset(values, 0, (size_t) n_slots * sizeof *values);
    bool stepped = plan == NULL;  /* every node ran */
    if (plan != NULL) {
        for (int i = 0; i < rs->n_feeds; i++)
            values[rs->feed_slot[i]] =
                (tact_value_t) { (tact_tensor_t *) run_value(values_in, i), false };
        /* The effective timeout: the run's if > 0, else the config's (TF's RunOptions). */
        int64_t timeout_ms = options && options->timeout_in_ms > 0
                                 ? options->timeout_in_ms : s->config.operation_timeout_in_ms;
        tact_step_t step = {
            .values = values,
            .resources = s->resources,
            .host_limit = s->host_limit,
            .trace = trace,
            .stop = {
                .deadline_ns = timeout_ms > 0 ? tact__now_ns() + timeout_ms * 1000000 : 0,
                .cancel = options != NULL ? options->cancel : NULL,
                .closed = &s->closed,
            },
        };
        rc = run_execute(s, plan, &step, st);
        stepped = rc == TACT_CODE_OK;
        bytes_copied = atomic_load_explicit(&step.bytes_copied, memory_order_relaxed);
    }
    if (rc == TACT_CODE_OK && options != NULL && options->metadata != NULL)
        run_fill_metadata(options->metadata, plan, trace);
    if (TACT_UNLIKELY(trace != NULL))
        tact__trace_destroy(&trace);
    if (bytes_copied != 0)
        atomic_fetch_add_explicit(&counter->bytes_copied, bytes_copied,
                                  memory_order_relaxed);

    /* Results: a fetch of a fed tensor copies the feed; a kernel's result moves to the caller
     * once, any other use (constants, repeats) copies. */
    for (int i = 0; i < rs->n_fetches && rc == TACT_CODE_OK; i++) {
        int at = rs->fetch_at[i];
        if (at < 0) {
            results[i] = tact__tensor_try_clone(run_value(values_in, -1 - at), s->host_limit,
                                                NULL, st);
            if (results[i] == NULL)
                rc = st->code;
            continue;
        }
        tact_value_t *v = &values[at];
        if (v->tensor == NULL) {  /* an uninitialised variable, or a queue's handle */
            const tact_op_t *op = rs->fetches[i].op;
            if (op->kind == TACT_OP_VARIABLE)
                rc = tact__fail(st, TACT_CODE_FAILED_PRECONDITION,
                                "Attempting to use uninitialized value %s", op->name);
            else
                rc = tact__fail(st, TACT_CODE_INVALID_ARGUMENT,
                                "Cannot fetch '%s': a %s has no value to fetch; fetch what its "
                                "ops produce", op->name, tact__op_kind_type(op->kind));
            break;
        }
        if (v->owned && run_sole_owner(v->tensor)) {
            results[i] = v->tensor;
            v->owned = false;  /* the caller's now; a repeat fetch copies it */
        } else {
            results[i] = tact__tensor_try_clone(v->tensor, s->host_limit, NULL, st);
            if (results[i] == NULL)
                rc = st->code;
        }
    }
    /* The array goes: the slots need no clearing. After a step that ran every node, only
     * the slots no node releases can hold a tensor. */
    int n_end = stepped ? rs->n_end : -1;
    for (int k = 0, n = n_end >= 0 ? n_end : n_slots; k < n; k++) {
        tact_value_t *v = &values[n_end >= 0 ? rs->end_slots[k] : k];
        if (v->owned)
            tact_tensor_destroy(&v->tensor);
    }
    if (rc != TACT_CODE_OK) {
        for (int i = 0; i < rs->n_fetches; i++)
            tact_tensor_destroy(&results[i]);
    }
    if (values != stack_values)
        free(values);
    return rc;
}

/* Resolve a signature: sort the endpoints, merge duplicates, answer fetches of fed tensors
 * from the feed (as TensorFlow's client does) and look the plan up (building it on first
 * use). feed_slot and fetch_at have room for n_feeds and n_fetches entries. The endpoints
 * must have passed the argument checks. */
static tact_code_t run_resolve(tact_session_t *s, tact_run_counter_t *counter,
                               const tact_output_t *fetches, int n_fetches,
                               const tact_output_t *feeds, int n_feeds,
                               tact_op_t *const *targets, int n_targets,
                               tact_op_t *const *done, int n_done, run_resolved_t *rs,
                               int *feed_slot, int *fetch_at, tact_status_t *st)
{
    int n_all = n_feeds + n_fetches + n_targets;
    run_entry_t stack_entries[SESSION_STACK_SLOTS];
    run_entry_t *e = n_all <= SESSION_STACK_SLOTS ? stack_entries
                                                  : tact__malloc((size_t) n_all * sizeof *e);
    run_entry_t *ef = e, *eo = e + n_feeds, *et = e + n_feeds + n_fetches;
    tact_code_t rc = TACT_CODE_OK;
    for (int i = 0; i < n_feeds; i++)
        ef[i] = (run_entry_t) { run_key(feeds[i]), i };
    run_sort(ef, n_feeds);
    for (int i = 1; i < n_feeds && rc == TACT_CODE_OK; i++) {
        if (ef[i].key == ef[i - 1].key) {
            char name[300];
            rc = tact__fail(st, TACT_CODE_INVALID_ARGUMENT, "Endpoint \"%s\" fed more than once.",
                            tact__output_name(feeds[ef[i].pos], name, sizeof name));
        }
    }
    int n_fo = 0, n_to = 0;
    for (int i = 0; i < n_fetches; i++) {
        int64_t k = run_key(fetches[i]);
        int f = run_find(ef, n_feeds, k);
        if (f < 0)
            eo[n_fo++] = (run_entry_t) { k, i };
        else
            fetch_at[i] = -1 - ef[f].pos;
    }
    run_sort(eo, n_fo);
    int n_fu = 0;
    for (int i = 0; i < n_fo; i++) {
        if (n_fu == 0 || eo[n_fu - 1].key != eo[i].key)
            eo[n_fu++] = eo[i];
    }
    for (int i = 0; i < n_targets; i++)
        et[n_to++] = (run_entry_t) { targets[i]->id, i };
    run_sort(et, n_to);
    int n_tu = 0;
    for (int i = 0; i < n_to; i++) {
        if (n_tu == 0 || et[n_tu - 1].key != et[i].key)
            et[n_tu++] = et[i];
    }

    tact_output_t stack_outs[SESSION_STACK_SLOTS];
    tact_op_t *stack_ops[SESSION_STACK_SLOTS];
    int n_outs = n_feeds + n_fu;
    tact_output_t *outs = n_outs <= SESSION_STACK_SLOTS
                              ? stack_outs : tact__malloc((size_t) n_outs * sizeof *outs);
    tact_op_t **tops = n_tu <= SESSION_STACK_SLOTS
                           ? stack_ops : tact__malloc((size_t) n_tu * sizeof *tops);
    for (int i = 0; i < n_feeds; i++)
        outs[i] = feeds[ef[i].pos];
    for (int i = 0; i < n_fu; i++)
        outs[n_feeds + i] = fetches[eo[i].pos];
    for (int i = 0; i < n_tu; i++)
        tops[i] = targets[et[i].pos];
    tact_signature_t sig = { .n_feeds = n_feeds, .feeds = outs, .n_fetches = n_fu,
                             .fetches = outs + n_feeds, .n_targets = n_tu, .targets = tops,
                             .n_done = n_done, .done = done };

    const tact_plan_t *plan = NULL;
    if (rc == TACT_CODE_OK && (n_fu > 0 || n_tu > 0)) {
        plan = session_plan(s, counter, &sig, st);  /* counts a cache hit or miss */
        rc = plan ? TACT_CODE_OK : st->code;
    } else {
        atomic_fetch_add_explicit(&counter->unplanned, 1, memory_order_relaxed);
    }
    if (rc == TACT_CODE_OK) {
        for (int i = 0; plan != NULL && i < n_feeds; i++)
            feed_slot[ef[i].pos] = plan->feed_slots[i];
        /* Every fetch of a distinct unfed endpoint: repeats share its slot. */
        for (int i = 0; i < n_fetches; i++) {
            if (run_find(ef, n_feeds, run_key(fetches[i])) < 0)
                fetch_at[i] = plan->fetch_slots[run_find(eo, n_fu, run_key(fetches[i]))];
        }
        *rs = (run_resolved_t) { plan, n_feeds, n_fetches, feed_slot, fetch_at, fetches, -1,
                                 NULL };
    }
    if (outs != stack_outs)
        free(outs);
    if (tops != stack_ops)
        free(tops);
    if (e != stack_entries)
        free(e);
    return rc;
}

/* The calling thread's last run signature that fitted here, resolved: a run that repeats it
 * (the same session and the same endpoints in the same order, the common case of a serving
 * loop) skips the endpoint checks, the sorting, the hashing and the plan cache's lookup. The
 * endpoints passed every check when it was resolved, and ops outlive the session's graph
 * reference, so equal pointers are the same valid endpoints. Plans live until their session
 * closes, and a closed session is refused before the memo is looked at; session ids are never
 * reused, so an entry of a destroyed session matches nothing. */
#define RUN_MEMO_ENDPOINTS 8

typedef struct run_memo {
    uint64_t session_id;          /* 0: empty */
    int n_fetches, n_feeds, n_targets;
    tact_output_t fetches[RUN_MEMO_ENDPOINTS];
    tact_output_t feeds[RUN_MEMO_ENDPOINTS];
    tact_op_t *targets[RUN_MEMO_ENDPOINTS];
    int feed_slot[RUN_MEMO_ENDPOINTS];
    int fetch_at[RUN_MEMO_ENDPOINTS];
    int end_slots[2 * RUN_MEMO_ENDPOINTS];
    run_resolved_t rs;
} run_memo_t;

/* The calling thread's memo, made by its first run and freed when the thread exits (a pthread
 * key's destructor; for the thread that ends the process, a library destructor). Reached by
 * an initial-exec TLS pointer, a fixed offset from the thread pointer: the memo itself is too
 * large for the static TLS that glibc keeps for libraries loaded by dlopen, and anywhere else
 * it costs a __tls_get_addr call per run. */
static _Thread_local run_memo_t *run_memo_of_thread __attribute__((tls_model("initial-exec")));
static pthread_key_t run_memo_key;
static pthread_once_t run_memo_once = PTHREAD_ONCE_INIT;

static void run_memo_thread_exit(void *memo)
{
    free(memo);
    run_memo_of_thread = NULL;
}

static void run_memo_key_create(void)
{
    TACT_ASSERT(pthread_key_create(&run_memo_key, run_memo_thread_exit) == 0);
}

__attribute__((destructor)) static void run_memo_process_exit(void)
{
    free(run_memo_of_thread);
    run_memo_of_thread = NULL;
}

static TACT__NOINLINE run_memo_t *run_memo_new(void)
{
    pthread_once(&run_memo_once, run_memo_key_create);
    run_memo_t *memo = tact__malloc(sizeof *memo);  /* zeroed: session 0, empty */
    TACT_ASSERT(pthread_setspecific(run_memo_key, memo) == 0);
    run_memo_of_thread = memo;
    return memo;
}

static inline run_memo_t *run_memo_get(void)
{
    run_memo_t *memo = run_memo_of_thread;
    return TACT_LIKELY(memo != NULL) ? memo : run_memo_new();
}

/* Whether the run's endpoints are the memo's: RUN_MEMO_MISS if not. If they are, the fed
 * values get run_check_value's test on the way: RUN_MEMO_HIT when all pass, else the index of
 * the first that fails (run_check_value then says why). */
#define RUN_MEMO_MISS (-2)
#define RUN_MEMO_HIT  (-1)

SESSION_HOT int run_memo_match(const run_memo_t *m, const tact_session_t *s,
                               const tact_output_t *fetches, int n_fetches,
                               const tact_feed_t *feeds, int n_feeds, tact_op_t *const *targets,
                               int n_targets)
{
    if (m->session_id != s->id || m->n_fetches != n_fetches || m->n_feeds != n_feeds ||
        m->n_targets != n_targets)
        return RUN_MEMO_MISS;
    for (int i = 0; i < n_fetches; i++) {
        if (fetches[i].op != m->fetches[i].op || fetches[i].index != m->fetches[i].index)
            return RUN_MEMO_MISS;
    }
    for (int i = 0; i < n_targets; i++) {
        if (targets[i] != m->targets[i])
            return RUN_MEMO_MISS;
    }
    int bad = RUN_MEMO_HIT;
    for (int i = 0; i < n_feeds; i++) {
        tact_output_t t = feeds[i].tensor;
        const tact_tensor_t *v = feeds[i].value;
        if (t.op != m->feeds[i].op || t.index != m->feeds[i].index)
            return RUN_MEMO_MISS;
        if (bad == RUN_MEMO_HIT && !run_value_ok(t, v))
            bad = i;
    }
    return bad;
}

static TACT__NOINLINE tact_code_t run_entered_new(tact_session_t *s,
                                                   tact_run_counter_t *counter,
                                                   const tact_run_options_t *options,
                                                   const tact_output_t *fetches, int n_fetches,
                                                   tact_tensor_t **results,
                                                   const tact_feed_t *feeds, int n_feeds,
                                                   tact_op_t *const *targets, int n_targets,
                                                   tact_op_t *const *done, int n_done,
                                                   run_memo_t *memo, tact_status_t *st);

/* A run inside the session: a repeat of the thread's memo here (inlined into the entry
 * points), any other in run_entered_new. */
SESSION_HOT tact_code_t
run_entered(tact_session_t *s, tact_run_counter_t *counter, const tact_run_options_t *options,
            const tact_output_t *fetches, int n_fetches, tact_tensor_t **results,
            const tact_feed_t *feeds, int n_feeds, tact_op_t *const *targets, int n_targets,
            tact_op_t *const *done, int n_done, tact_status_t *st)
{
    run_values_t in = { n_feeds > 0 ? (const char *) &feeds[0].value : NULL, sizeof *feeds };
    run_memo_t *memo = run_memo_get();
    tact_code_t rc;
    /* A partial run's step (ops already done) never uses or fills the memo. */
    int match = n_done == 0 ? run_memo_match(memo, s, fetches, n_fetches, feeds, n_feeds,
                                             targets, n_targets)
                            : RUN_MEMO_MISS;
    if (match != RUN_MEMO_MISS) {
        /* Only the values are new: their checks, then the placement check that every run
         * makes (the graph may have grown). */
        rc = match == RUN_MEMO_HIT
                 ? TACT_CODE_OK
                 : run_check_value(feeds[match].tensor, feeds[match].value, feeds, n_feeds,
                                   match, st);
        if (rc == TACT_CODE_OK && memo->rs.plan != NULL)
            rc = tact__session_place_graph(s, st);
        atomic_fetch_add_explicit(rc == TACT_CODE_OK && memo->rs.plan ? &counter->cache_hits
                                                                       : &counter->unplanned,
                                  1, memory_order_relaxed);
        if (rc == TACT_CODE_OK)
            rc = run_resolved_exec(s, counter, options, &memo->rs, in, results, st);
        return rc;
    }
    return run_entered_new(s, counter, options, fetches, n_fetches, results, feeds, n_feeds,
                           targets, n_targets, done, n_done, memo, st);
}

/* A run that is not its thread's last: the argument checks, resolving the signature (which
 * the memo keeps when it may), then the step. */
static TACT__NOINLINE tact_code_t run_entered_new(tact_session_t *s,
                                                   tact_run_counter_t *counter,
                                                   const tact_run_options_t *options,
                                                   const tact_output_t *fetches, int n_fetches,
                                                   tact_tensor_t **results,
                                                   const tact_feed_t *feeds, int n_feeds,
                                                   tact_op_t *const *targets, int n_targets,
                                                   tact_op_t *const *done, int n_done,
                                                   run_memo_t *memo, tact_status_t *st)
{
    run_values_t in = { n_feeds > 0 ? (const char *) &feeds[0].value : NULL, sizeof *feeds };
    tact_code_t rc;
    /* TensorFlow's order of checks: empty graph, feeds, fetches, targets. */
    if ((n_fetches == 0 && n_targets == 0) ||
        run_check_feeds(s, feeds, n_feeds, st) != TACT_CODE_OK ||
        run_check_fetches(s, fetches, n_fetches, st) != TACT_CODE_OK ||
        run_check_targets(s, targets, n_targets, st) != TACT_CODE_OK) {
        atomic_fetch_add_explicit(&counter->unplanned, 1, memory_order_relaxed);
        return run_args_failed(s, st);
    }

    tact_output_t stack_ft[SESSION_STACK_SLOTS];
    int stack_ints[2 * SESSION_STACK_SLOTS];
    bool small = n_feeds <= SESSION_STACK_SLOTS && n_fetches <= SESSION_STACK_SLOTS;
    tact_output_t *ft = small ? stack_ft : tact__malloc((size_t) n_feeds * sizeof *ft + 1);
    int *ints = small ? stack_ints
                      : tact__malloc((size_t) (n_feeds + n_fetches) * sizeof *ints + 1);
    for (int i = 0; i < n_feeds; i++)
        ft[i] = feeds[i].tensor;
    run_resolved_t rs;
    rc = run_resolve(s, counter, fetches, n_fetches, ft, n_feeds, targets, n_targets, done,
                     n_done, &rs, ints, ints + n_feeds, st);
    if (rc == TACT_CODE_OK) {
        if (n_done == 0 && n_fetches <= RUN_MEMO_ENDPOINTS && n_feeds <= RUN_MEMO_ENDPOINTS &&
            n_targets <= RUN_MEMO_ENDPOINTS) {
            memo->session_id = s->id;
            memo->n_fetches = n_fetches;
            memo->n_feeds = n_feeds;
            memo->n_targets = n_targets;
            /* Loops, not memcpy: the arrays may be NULL when their counts are 0. */
            for (int i = 0; i < n_fetches; i++) {
                memo->fetches[i] = fetches[i];
                memo->fetch_at[i] = rs.fetch_at[i];
            }
            for (int i = 0; i < n_feeds; i++) {
                memo->feeds[i] = ft[i];
                memo->feed_slot[i] = rs.feed_slot[i];
            }
            for (int i = 0; i < n_targets; i++)
                memo->targets[i] = targets[i];
            int n_end = run_end_slots(rs.plan, memo->end_slots, 2 * RUN_MEMO_ENDPOINTS);
            memo->rs = (run_resolved_t) { rs.plan, n_feeds, n_fetches, memo->feed_slot,
                                          memo->fetch_at, memo->fetches, n_end,
                                          memo->end_slots };
        }
        rc = run_resolved_exec(s, counter, options, &rs, in, results, st);
    }
    if (ft != stack_ft)
        free(ft);
    if (ints != stack_ints)
        free(ints);
    return rc;
}

SESSION_HOT tact_code_t
session_run_step(tact_session_t *s, const tact_run_options_t *options,
                 const tact_output_t *fetches, int n_fetches, tact_tensor_t **results,
                 const tact_feed_t *feeds, int n_feeds, tact_op_t *const *targets, int n_targets,
                 tact_op_t *const *done, int n_done, tact_status_t *st);

tact_code_t tact_session_run(tact_session_t *s, const tact_output_t *fetches, int n_fetches,
                             tact_tensor_t **results, const tact_feed_t *feeds, int n_feeds,
                             tact_op_t *const *targets, int n_targets, tact_status_t *st)
{
    return session_run_step(s, NULL, fetches, n_fetches, results, feeds, n_feeds, targets,
                            n_targets, NULL, 0, st);
}

tact_code_t tact_session_run_ex(tact_session_t *s, const tact_run_options_t *options,
                                const tact_output_t *fetches, int n_fetches,
                                tact_tensor_t **results, const tact_feed_t *feeds, int n_feeds,
                                tact_op_t *const *targets, int n_targets, tact_status_t *st)
{
    return session_run_step(s, options, fetches, n_fetches, results, feeds, n_feeds, targets,
                            n_targets, NULL, 0, st);
}

/* tact__session_run_step's body, written into each entry point: the hop through a call of
 * twelve arguments costs a tiny run more than the copies cost in size. */
SESSION_HOT tact_code_t
session_run_step(tact_session_t *s, const tact_run_options_t *options,
                 const tact_output_t *fetches, int n_fetches, tact_tensor_t **results,
                 const tact_feed_t *feeds, int n_feeds, tact_op_t *const *targets, int n_targets,
                 tact_op_t *const *done, int n_done, tact_status_t *st)
{
    if (results != NULL && n_fetches > 0)
        run_clear_results(results, n_fetches);
    if (tact__failed(st))
        return st->code;
    if (s == NULL)
        return tact__fail(st, TACT_CODE_INVALID_ARGUMENT, "tact_session_run: session is NULL");
    TACT_ASSERT(s->tag == TACT_TAG_SESSION);  /* a destroyed session: a use after free */
    if (n_fetches < 0 || n_feeds < 0 || n_targets < 0)
        return tact__fail(st, TACT_CODE_INVALID_ARGUMENT,
                          "tact_session_run: negative count (%d fetches, %d feeds, %d targets)",
                          n_fetches, n_feeds, n_targets);
    if ((n_fetches > 0 && (fetches == NULL || results == NULL)) ||
        (n_feeds > 0 && feeds == NULL) || (n_targets > 0 && targets == NULL))
        return tact__fail(st, TACT_CODE_INVALID_ARGUMENT,
                          "tact_session_run: an array is NULL but its count is not zero");
    if (options != NULL && (unsigned) options->trace_level > TACT_TRACE_FULL_TRACE)
        return tact__fail(st, TACT_CODE_INVALID_ARGUMENT,
                          "tact_session_run: trace_level: unknown value %d",
                          (int) options->trace_level);

    tact_status_t err;  /* 1 KiB: only its code and first byte are written before use */
    tact__status_clear(&err);
    tact_run_counter_t *counter = session_counter(s);
    if (!session_enter(s, counter)) {
        atomic_fetch_add_explicit(&counter->unplanned, 1, memory_order_relaxed);
        atomic_fetch_add_explicit(&counter->errors[TACT_CODE_CANCELLED], 1,
                                  memory_order_relaxed);
        return tact__fail(st, TACT_CODE_CANCELLED, session_closed_msg);
    }
    /* Counted before leaving: once left, a closing thread may free the session. */
    run_entered(s, counter, options, fetches, n_fetches, results, feeds, n_feeds, targets,
                n_targets, done, n_done, &err);
    if (err.code != TACT_CODE_OK)
        atomic_fetch_add_explicit(&counter->errors[err.code], 1, memory_order_relaxed);
    session_leave(s, counter);
    return run_status(st, &err);
}

tact_code_t tact__session_run_step(tact_session_t *s, const tact_run_options_t *options,
                                   const tact_output_t *fetches, int n_fetches,
                                   tact_tensor_t **results, const tact_feed_t *feeds,
                                   int n_feeds, tact_op_t *const *targets, int n_targets,
                                   tact_op_t *const *done, int n_done, tact_status_t *st)
{
    return session_run_step(s, options, fetches, n_fetches, results, feeds, n_feeds, targets,
                            n_targets, done, n_done, st);
}

/* ------------------------------------------------------------------------------------------ */
/* Callables                                                                                  */
/* ------------------------------------------------------------------------------------------ */

struct tact_callable {
    uint32_t tag;                 /* TACT_TAG_CALLABLE */
    tact_session_t *session;      /* not a reference: calls require it not destroyed */
    tact_output_t *feeds;         /* the feed list, in the caller's order */
    tact_output_t *fetches;
    int *ints;                    /* storage behind rs.feed_slot and rs.fetch_at */
    int *end_slots;               /* storage behind rs.end_slots */
    run_resolved_t rs;            /* its plan lives until the session closes */
};

tact_callable_t *tact_session_make_callable(tact_session_t *s, const tact_output_t *fetches,
                                            int n_fetches, const tact_output_t *feeds,
                                            int n_feeds, tact_op_t *const *targets,
                                            int n_targets, tact_status_t *st)
{
    if (tact__failed(st))
        return NULL;
    if (s == NULL) {
        tact__fail(st, TACT_CODE_INVALID_ARGUMENT, "tact_session_make_callable: session is NULL");
        return NULL;
    }
    TACT_ASSERT(s->tag == TACT_TAG_SESSION);
    if (n_fetches < 0 || n_feeds < 0 || n_targets < 0 ||
        (n_fetches > 0 && fetches == NULL) || (n_feeds > 0 && feeds == NULL) ||
        (n_targets > 0 && targets == NULL)) {
        tact__fail(st, TACT_CODE_INVALID_ARGUMENT,
                   "tact_session_make_callable: a negative count, or an array that is NULL "
                   "but its count is not zero");
        return NULL;
    }
    tact_status_t err = TACT_STATUS_INIT;
    tact_run_counter_t *counter = session_counter(s);
    if (!session_enter(s, counter)) {
        tact__fail(st, TACT_CODE_CANCELLED, session_closed_msg);
        return NULL;
    }
    /* Making a callable is not a run: its plan lookup counts nowhere. */
    tact_run_counter_t uncounted = { 0 };
    tact_callable_t *c = tact__malloc(sizeof *c);
    c->tag = TACT_TAG_CALLABLE;
    c->session = s;
    c->feeds = tact__malloc((size_t) n_feeds * sizeof *c->feeds + 1);
    c->fetches = tact__malloc((size_t) n_fetches * sizeof *c->fetches + 1);
    c->ints = tact__malloc((size_t) (n_feeds + n_fetches) * sizeof *c->ints + 1);
    if (n_feeds > 0)
        memcpy(c->feeds, feeds, (size_t) n_feeds * sizeof *feeds);
    if (n_fetches > 0)
        memcpy(c->fetches, fetches, (size_t) n_fetches * sizeof *fetches);
    /* run's checks in run's order, the feeds' values aside (they come with each call) */
    bool bad = n_fetches == 0 && n_targets == 0;
    for (int i = 0; i < n_feeds && !bad; i++)
        bad = run_check_feed_endpoint(s, feeds[i], i, &err) != TACT_CODE_OK;
    bad = bad || run_check_fetches(s, fetches, n_fetches, &err) != TACT_CODE_OK ||
          run_check_targets(s, targets, n_targets, &err) != TACT_CODE_OK;
    if (bad) {
        run_args_failed(s, &err);
    } else if (run_resolve(s, &uncounted, c->fetches, n_fetches, c->feeds, n_feeds, targets,
                           n_targets, NULL, 0, &c->rs, c->ints, c->ints + n_feeds, &err) ==
               TACT_CODE_OK) {
        int n_slots = c->rs.plan != NULL ? c->rs.plan->n_slots : 0;
        c->end_slots = tact__malloc((size_t) n_slots * sizeof *c->end_slots + 1);
        c->rs.n_end = run_end_slots(c->rs.plan, c->end_slots, n_slots);
        c->rs.end_slots = c->end_slots;
    }
    session_leave(s, counter);
    if (err.code != TACT_CODE_OK) {
        tact_callable_destroy(&c);
        tact__status_merge(st, &err);
        return NULL;
    }
    return c;
}

/* A call's value checks with their messages: DirectSession::RunCallable's for the count and
 * the dtypes. */
static TACT__NOINLINE tact_code_t callable_check_values(const tact_callable_t *c,
                                                        const tact_tensor_t *const *values,
                                                        int n_values, tact_status_t *st)
{
    if (n_values != c->rs.n_feeds)
        return tact__fail(st, TACT_CODE_INVALID_ARGUMENT, "Expected %d feed tensors, but got %d",
                          c->rs.n_feeds, n_values);
    for (int i = 0; i < n_values; i++) {
        tact_output_t t = c->feeds[i];
        const tact_tensor_t *v = values[i];
        tact_dtype_t want = t.op->out_dtype[t.index];
        tact_code_t rc;
        if (v != NULL && v->dtype != want)
            rc = tact__fail(st, TACT_CODE_INVALID_ARGUMENT,
                            "Type mismatch: actual %s vs. expect %s\n\t [[{{node %s}}]]",
                            tact__dtype_tf_name(v->dtype), tact__dtype_tf_name(want),
                            t.op->name);  /* TensorFlow names its _Arg node for the feed */
        else
            rc = run_check_value(t, v, NULL, 0, i, st);
        if (rc != TACT_CODE_OK)
            return rc;
    }
    return TACT_CODE_OK;
}

/* A call inside the session: the values' checks, then the resolved run. */
static tact_code_t callable_entered(tact_callable_t *c, tact_run_counter_t *counter,
                                    const tact_tensor_t *const *values, int n_values,
                                    tact_tensor_t **results, const tact_run_options_t *options,
                                    tact_status_t *st)
{
    tact_session_t *s = c->session;
    tact_code_t rc = TACT_CODE_OK;
    bool ok = n_values == c->rs.n_feeds;
    for (int i = 0; i < n_values && ok; i++)
        ok = run_value_ok(c->feeds[i], values[i]);
    if (!ok)
        rc = callable_check_values(c, values, n_values, st);
    if (rc == TACT_CODE_OK && c->rs.plan != NULL)
        rc = tact__session_place_graph(s, st);  /* the graph may have grown: as every run */
    if (rc != TACT_CODE_OK) {
        atomic_fetch_add_explicit(&counter->unplanned, 1, memory_order_relaxed);
        return rc;
    }
    atomic_fetch_add_explicit(c->rs.plan ? &counter->cache_hits : &counter->unplanned, 1,
                              memory_order_relaxed);
    run_values_t in = { (const char *) values, sizeof *values };
    return run_resolved_exec(s, counter, options, &c->rs, in, results, st);
}

tact_code_t tact_callable_run(tact_callable_t *c, const tact_tensor_t *const *feed_values,
                              int n_feed_values, tact_tensor_t **results,
                              const tact_run_options_t *options, tact_status_t *st)
{
    if (c != NULL && results != NULL && c->rs.n_fetches > 0)
        run_clear_results(results, c->rs.n_fetches);
    if (tact__failed(st))
        return st->code;
    if (c == NULL)
        return tact__fail(st, TACT_CODE_INVALID_ARGUMENT, "tact_callable_run: callable is NULL");
    TACT_ASSERT(c->tag == TACT_TAG_CALLABLE);
    tact_session_t *s = c->session;
    TACT_ASSERT(s->tag == TACT_TAG_SESSION);  /* the session was destroyed: a use after free */
    if ((c->rs.n_fetches > 0 && results == NULL) || (n_feed_values > 0 && feed_values == NULL))
        return tact__fail(st, TACT_CODE_INVALID_ARGUMENT,
                          "tact_callable_run: an array is NULL but its count is not zero");
    if (options != NULL && (unsigned) options->trace_level > TACT_TRACE_FULL_TRACE)
        return tact__fail(st, TACT_CODE_INVALID_ARGUMENT,
                          "tact_callable_run: trace_level: unknown value %d",
                          (int) options->trace_level);
    tact_status_t err;
    tact__status_clear(&err);
    tact_run_counter_t *counter = session_counter(s);
    if (!session_enter(s, counter)) {
        atomic_fetch_add_explicit(&counter->unplanned, 1, memory_order_relaxed);
        atomic_fetch_add_explicit(&counter->errors[TACT_CODE_CANCELLED], 1,
                                  memory_order_relaxed);
        return tact__fail(st, TACT_CODE_CANCELLED, session_closed_msg);
    }
    callable_entered(c, counter, feed_values, n_feed_values, results, options, &err);
    if (err.code != TACT_CODE_OK)
        atomic_fetch_add_explicit(&counter->errors[err.code], 1, memory_order_relaxed);
    session_leave(s, counter);
    return run_status(st, &err);
}

void tact_callable_destroy(tact_callable_t **c_p)
{
    if (c_p == NULL || *c_p == NULL)
        return;
    tact_callable_t *c = *c_p;
    TACT_ASSERT(c->tag == TACT_TAG_CALLABLE);
    c->tag = TACT_TAG_DEAD;
    free(c->feeds);
    free(c->fetches);
    free(c->ints);
    free(c->end_slots);
    free(c);
    *c_p = NULL;
}
