/* SPDX-License-Identifier: MIT */
/* The GPU device: what every GPU backend shares. Per process (spec §4): one allocator per GPU,
 * sized and set to grow by the first session that opens it, never given back, with the free
 * stamp up to which the GPU has drained; the mapping of tact ids to visible ids. Per session:
 * one actor thread per GPU owning the backend's context (BLAS handle, staging), which runs
 * the GPU's fragment: copies in and out of device memory, the device's own Const, Identity,
 * Reshape, Variable, Assign, AssignAdd and AssignSub, and the backend's kernels. Not for the
 * hardware calls (the backend's) nor placement (the scheduler's, from supports()). */
#include "devices/gpu/gpu_device.h"
#include "devices/bfc_allocator.h"
#include "devices/visible_devices.h"
#include "runtime/base/log.h"
#include "runtime/state/resources.h"
#include "devices/trace.h"

#ifdef TACT_HAVE_CUDA
#include "devices/cuda/cuda_backend.h"
#define GPU_BUILTIN_BACKEND (&tact__cuda_backend)
#else
#define GPU_BUILTIN_BACKEND NULL
#endif

/* ------------------------------------------------------------------------------------------ */
/* Process state                                                                              */
/* ------------------------------------------------------------------------------------------ */

typedef struct gpu_process_entry {
    int visible_id;               /* -1: this tact id is not mapped yet */
    tact_bfc_allocator_t *alloc;  /* made by the first session that opens the GPU */
    /* The allocator's free count read before the latest drain of the GPU (a backend sync()):
     * blocks with that free stamp or an older one are used by nothing queued. */
    _Atomic uint64_t drained;
    tact_gpu_info_t info;
    char description[224];        /* "device: 0, name: ..., compute capability: 9.0" */
    /* Set once a fatal fault lost the GPU's context (the backend's lost()): its work is
     * refused for the rest of the process; `failure` (under the lock) says what it was. */
    _Atomic bool failed;
    char failure[160];
} gpu_process_entry_t;

static struct {
    pthread_mutex_t lock;
    bool backend_set;
    const tact_gpu_backend_t *backend;
    gpu_process_entry_t gpus[TACT_GPU_MAX];
} gpu_process = { .lock = PTHREAD_MUTEX_INITIALIZER };

static void gpu_process_init_locked(void)
{
    if (gpu_process.backend_set)
        return;
    gpu_process.backend = GPU_BUILTIN_BACKEND;
    gpu_process.backend_set = true;
    for (int i = 0; i < TACT_GPU_MAX; i++)
        gpu_process.gpus[i].visible_id = -1;
}

const tact_gpu_backend_t *tact__gpu_backend(void)
{
    pthread_mutex_lock(&gpu_process.lock);
    gpu_process_init_locked();
    const tact_gpu_backend_t *b = gpu_process.backend;
    pthread_mutex_unlock(&gpu_process.lock);
    return b;
}

void tact__gpu_set_backend(const tact_gpu_backend_t *backend)
{
    pthread_mutex_lock(&gpu_process.lock);
    gpu_process_init_locked();
    for (int i = 0; i < TACT_GPU_MAX; i++) {
        tact__bfc_allocator_destroy(&gpu_process.gpus[i].alloc);
        gpu_process.gpus[i] = (gpu_process_entry_t) { .visible_id = -1 };
    }
    gpu_process.backend = backend != NULL ? backend : GPU_BUILTIN_BACKEND;
    pthread_mutex_unlock(&gpu_process.lock);
}

tact_code_t tact__gpu_select(const tact_config_t *c, int *ids, int *n_gpus, tact_status_t *st)
{
    *n_gpus = 0;
    if (tact__failed(st))
        return st->code;
    if (c->device_count.gpu == TACT_DEVICE_COUNT_NONE)
        return TACT_CODE_OK;  /* "GPU": 0 does not even initialise the GPUs */
    const tact_gpu_backend_t *b = tact__gpu_backend();
    int n_visible = b != NULL ? b->count() : 0;
    if (n_visible > TACT_GPU_MAX)
        n_visible = TACT_GPU_MAX;
    int max_gpus = c->device_count.gpu > 0 ? c->device_count.gpu : -1;
    if (tact__visible_devices_select(c->gpu_options.visible_device_list, n_visible, max_gpus,
                                     ids, n_gpus, st) != TACT_CODE_OK)
        return st->code;
    pthread_mutex_lock(&gpu_process.lock);
    for (int i = 0; i < *n_gpus; i++) {
        int was = gpu_process.gpus[i].visible_id;
        if (was >= 0 && was != ids[i]) {
            pthread_mutex_unlock(&gpu_process.lock);
            tact__fail(st, TACT_CODE_ALREADY_EXISTS,
                       "TensorFlow device (GPU:%d) is being mapped to multiple CUDA devices (%d "
                       "now, and %d previously), which is not supported. The sessions of a "
                       "process must map GPUs alike (gpu_options.visible_device_list).", i,
                       ids[i], was);
            *n_gpus = 0;
            return st->code;
        }
    }
    for (int i = 0; i < *n_gpus; i++)
        gpu_process.gpus[i].visible_id = ids[i];
    pthread_mutex_unlock(&gpu_process.lock);
    return TACT_CODE_OK;
}

/* ------------------------------------------------------------------------------------------ */
/* Allocator regions and device tensors                                                       */
/* ------------------------------------------------------------------------------------------ */

typedef struct gpu_region_ctx {
    const tact_gpu_backend_t *backend;
    int visible_id;
} gpu_region_ctx_t;

/* One per visible id, for the allocators' backend callbacks (they outlive sessions). */
static gpu_region_ctx_t gpu_region_ctx[TACT_GPU_MAX];

static void *gpu_region_alloc(void *ctx, size_t bytes)
{
    const gpu_region_ctx_t *r = ctx;
    return r->backend->region_alloc(r->visible_id, bytes);
}

static void gpu_region_free(void *ctx, void *ptr)
{
    const gpu_region_ctx_t *r = ctx;
    r->backend->region_free(r->visible_id, ptr);
}

/* TF_FORCE_GPU_ALLOW_GROWTH overrides the config (spec §4). */
static bool gpu_allow_growth(bool configured)
{
    const char *force = getenv("TF_FORCE_GPU_ALLOW_GROWTH");
    if (force == NULL)
        return configured;
    if (strcmp(force, "true") == 0 || strcmp(force, "false") == 0) {
        bool forced = strcmp(force, "true") == 0;
        if (forced != configured)
            tact__log(TACT_LOG_WARNING, "Overriding allow_growth setting because the "
                      "TF_FORCE_GPU_ALLOW_GROWTH environment variable is set. Original config "
                      "value was %d.", (int) configured);
        return forced;
    }
    tact__log(TACT_LOG_ERROR, "The TF_FORCE_GPU_ALLOW_GROWTH environment variable is set but "
              "could not be parsed: \"%s\". Valid values are \"true\" or \"false\". Using "
              "original config value of allow_growth.", force);
    return configured;
}

/* The process's allocator of GPU:tf_id, made on first use with `c`'s memory options. */
static tact_bfc_allocator_t *gpu_process_allocator(int tf_id, const tact_gpu_backend_t *b,
                                                   const tact_config_t *c, tact_status_t *st)
{
    pthread_mutex_lock(&gpu_process.lock);
    gpu_process_entry_t *e = &gpu_process.gpus[tf_id];
    if (e->alloc != NULL) {
        pthread_mutex_unlock(&gpu_process.lock);
        return e->alloc;
    }
    double fraction = c->gpu_options.per_process_gpu_memory_fraction;
    tact_gpu_info_t info;
    tact_status_t qs = TACT_STATUS_INIT;
    if (!(fraction >= 0.0)) {
        tact__fail(&qs, TACT_CODE_INVALID_ARGUMENT,
                   "per_process_gpu_memory_fraction must be >= 0, got %g", fraction);
    } else if (fraction > 1.0) {
        tact__fail(&qs, TACT_CODE_INVALID_ARGUMENT,
                   "per_process_gpu_memory_fraction %g > 1 asks for unified memory "
                   "oversubscription, which tact does not support", fraction);
    } else if (b->query(e->visible_id, &info, &qs) == TACT_CODE_OK) {
        e->info = info;
        snprintf(e->description, sizeof e->description, "device: %d, %s", e->visible_id,
                 info.description);
        gpu_region_ctx[e->visible_id] = (gpu_region_ctx_t) { b, e->visible_id };
        char name[32];
        snprintf(name, sizeof name, "GPU_%d_bfc", tf_id);
        char device[96];
        snprintf(device, sizeof device, "/job:localhost/replica:0/task:0/device:GPU:%d", tf_id);
        tact_bfc_options_t o = {
            .backend = { gpu_region_alloc, gpu_region_free, &gpu_region_ctx[e->visible_id] },
            .limit = tact__gpu_memory_limit(e->info.total_bytes, e->info.free_bytes, fraction),
            .allow_growth = gpu_allow_growth(c->gpu_options.allow_growth),
            .device_name = device,
            .name = name,
        };
        e->alloc = tact__bfc_allocator_new(&o);
        if (!o.allow_growth) {
            /* TensorFlow reserves the whole limit when the device is made. */
            tact_status_t ignored = TACT_STATUS_INIT;
            tact__bfc_allocator_free(e->alloc, tact__bfc_allocator_alloc(e->alloc, 1, &ignored));
        }
        atomic_store(&e->drained, tact__bfc_allocator_free_count(e->alloc));  /* none queued */
    }
    tact_bfc_allocator_t *a = e->alloc;
    pthread_mutex_unlock(&gpu_process.lock);
    tact__status_merge(st, &qs);
    return a;
}

static void gpu_free_data(void *ctx, void *data)
{
    tact__bfc_allocator_free(ctx, data);
}

/* ------------------------------------------------------------------------------------------ */
/* The device                                                                                 */
/* ------------------------------------------------------------------------------------------ */

typedef struct gpu_ctx {
    const tact_gpu_backend_t *backend;
    void *bctx;                   /* the backend's per-actor context */
    tact_bfc_allocator_t *alloc;  /* the process's, for this GPU */
    _Atomic uint64_t *drained;    /* the process's, for this GPU (gpu_process_entry_t) */
    gpu_process_entry_t *entry;   /* the process's, for this GPU */
    int tf_id;                    /* the 0 in GPU:0 */
    int visible_id;
    char full_name[96];           /* "/job:localhost/replica:0/task:0/device:GPU:0" */
    char description[224];
    /* Constants copied in once and kept for the session, by op id (the session has one graph),
     * as TensorFlow keeps a constant's device tensor: a run then copies nothing for them.
     * Touched only on the actor thread. */
    tact_tensor_t **consts;
    int n_consts;
} gpu_ctx_t;

static int gpu_count(void)
{
    const tact_gpu_backend_t *b = tact__gpu_backend();
    return b != NULL ? b->count() : 0;
}

/* ------------------------------------------------------------------------------------------ */
/* A GPU lost to a fatal fault                                                                */
/* ------------------------------------------------------------------------------------------ */

/* Refuse work on a GPU marked failed: INTERNAL, saying why and that only a restart helps. */
static tact_code_t gpu_refuse(gpu_process_entry_t *e, int tf_id, tact_status_t *st)
{
    char why[sizeof e->failure];
    pthread_mutex_lock(&gpu_process.lock);
    snprintf(why, sizeof why, "%s", e->failure);
    pthread_mutex_unlock(&gpu_process.lock);
    return tact__fail(st, TACT_CODE_INTERNAL,
                      "GPU:%d is unusable until the process restarts: a fatal GPU error lost "
                      "its context (%s)", tf_id, why);
}

/* After a failed run: when the backend says the fault was fatal, mark the GPU failed for the
 * process (CPU work goes on) and give the run the one clear message, its cause inside. */
static tact_code_t gpu_check_lost(gpu_ctx_t *ctx, tact_status_t *st)
{
    if (ctx->backend->lost == NULL || !ctx->backend->lost(ctx->visible_id))
        return st->code;
    gpu_process_entry_t *e = ctx->entry;
    pthread_mutex_lock(&gpu_process.lock);
    if (!atomic_load(&e->failed)) {
        size_t n = strcspn(st->msg, "\n");  /* the cause, without the node line */
        snprintf(e->failure, sizeof e->failure, "%.*s", (int) n, st->msg);
        atomic_store(&e->failed, true);
        tact__log(TACT_LOG_ERROR, "GPU:%d: fatal GPU error, the GPU is unusable until the "
                  "process restarts: %s", ctx->tf_id, e->failure);
    }
    pthread_mutex_unlock(&gpu_process.lock);
    *st = (tact_status_t) TACT_STATUS_INIT;
    return gpu_refuse(e, ctx->tf_id, st);
}

static tact_code_t gpu_open(tact_device_t *dev, tact_status_t *st)
{
    if (tact__failed(st))
        return st->code;
    const tact_gpu_backend_t *b = tact__gpu_backend();
    TACT_ASSERT(b != NULL && dev->config != NULL && dev->ordinal < TACT_GPU_MAX);
    if (atomic_load(&gpu_process.gpus[dev->ordinal].failed))
        return gpu_refuse(&gpu_process.gpus[dev->ordinal], dev->ordinal, st);
    gpu_ctx_t *ctx = tact__malloc(sizeof *ctx);
    ctx->backend = b;
    tact__device_full_name(dev, ctx->full_name, sizeof ctx->full_name);
    ctx->alloc = gpu_process_allocator(dev->ordinal, b, dev->config, st);
    if (ctx->alloc == NULL || b->open(dev->physical_id, &ctx->bctx, st) != TACT_CODE_OK) {
        free(ctx);
        return st->code;
    }
    pthread_mutex_lock(&gpu_process.lock);
    snprintf(ctx->description, sizeof ctx->description, "%s",
             gpu_process.gpus[dev->ordinal].description);
    ctx->drained = &gpu_process.gpus[dev->ordinal].drained;
    ctx->entry = &gpu_process.gpus[dev->ordinal];
    pthread_mutex_unlock(&gpu_process.lock);
    ctx->tf_id = dev->ordinal;
    ctx->visible_id = dev->physical_id;
    dev->ctx = ctx;
    tact_bfc_stats_t s;
    tact__bfc_allocator_stats(ctx->alloc, &s);
    tact__log(TACT_LOG_INFO, "Created TensorFlow device (%s with %zu MB memory) -> physical GPU "
              "(%s)", ctx->full_name, s.limit >> 20, ctx->description);
    return TACT_CODE_OK;
}

static void gpu_close(tact_device_t *dev)
{
    gpu_ctx_t *ctx = dev->ctx;
    if (ctx == NULL)
        return;
    for (int i = 0; i < ctx->n_consts; i++)
        tact_tensor_destroy(&ctx->consts[i]);  /* back to the allocator, which stays */
    free(ctx->consts);
    ctx->backend->close(ctx->bctx);
    free(ctx);
    dev->ctx = NULL;
}

static tact_code_t gpu_bind_thread(tact_device_t *dev, tact_status_t *st)
{
    gpu_ctx_t *ctx = dev->ctx;
    return ctx->backend->bind_thread(ctx->bctx, st);
}

static bool gpu_supports(const tact_device_t *dev, const tact_op_t *op)
{
    TACT_UNUSED(dev);
    const tact_gpu_backend_t *b = tact__gpu_backend();
    /* Shapes, perms and axes given as tensors are read on the host, as TensorFlow keeps them
     * in host memory: such an op runs on the CPU. */
    return b != NULL && !op->attrs.value_inputs && b->supports(op);
}

static bool gpu_describe(const tact_device_t *dev, char *buf, size_t len)
{
    const gpu_ctx_t *ctx = dev->ctx;
    if (ctx == NULL)
        return false;
    snprintf(buf, len, "%s", ctx->description);
    return true;
}

static bool gpu_memory_stats(const tact_device_t *dev, tact_memory_stats_t *out)
{
    const gpu_ctx_t *ctx = dev->ctx;
    if (ctx == NULL)
        return false;
    tact_bfc_stats_t s;
    tact__bfc_allocator_stats(ctx->alloc, &s);
    *out = (tact_memory_stats_t) {
        .bytes_limit = (int64_t) s.limit,
        .bytes_reserved = (int64_t) s.bytes_reserved,
        .bytes_in_use = (int64_t) s.bytes_in_use,
        .peak_bytes_in_use = (int64_t) s.peak_bytes_in_use,
        .largest_alloc_size = (int64_t) s.largest_alloc_size,
        .num_allocs = (int64_t) s.num_allocs,
        .num_ooms = (int64_t) s.num_ooms,
    };
    return true;
}

/* TensorFlow ends a kernel's message with the node it ran. */
static tact_code_t gpu_fail_node(tact_status_t *st, const tact_op_t *op)
{
    tact__status_append(st, "\n\t [[{{node %s}}]]", op->name);
    return st->code;
}

/* A tensor of `dtype` and `shape` in the GPU's memory, for `op`; RESOURCE_EXHAUSTED in
 * TensorFlow's words when the allocator cannot meet it. */
static tact_tensor_t *gpu_tensor(gpu_ctx_t *ctx, const tact_op_t *op, tact_dtype_t dtype,
                                 const tact_shape_t *shape, tact_status_t *st)
{
    size_t nbytes = 0;
    if (tact_dtype_size(dtype) == 0) {
        tact__fail(st, TACT_CODE_INVALID_ARGUMENT, "%s: a %s tensor cannot live in GPU memory",
                   op->name, tact_dtype_name(dtype));
        return NULL;
    }
    /* A size from data: a count past 2^63 - 1 is an invalid shape, and bytes past what the
     * address space holds are memory refused, both in TensorFlow's words. */
    int64_t nelems = tact__shape_nelems(shape);
    if (nelems < 0) {
        char dims[160];
        tact__fail(st, TACT_CODE_INVALID_ARGUMENT,
                   "Shape %s would have more than 2**63 - 1 elements",
                   tact__shape_str(shape, dims, sizeof dims));
        return NULL;
    }
    bool fits = tact__tensor_nbytes_of(dtype, shape->dims, shape->ndims, &nbytes);
    /* The allocator's own message gives bytes and figures; TensorFlow's names the shape, and
     * the node follows, which together fit a status. The stats call has the figures. */
    tact_status_t as = TACT_STATUS_INIT;
    void *data = fits ? tact__bfc_allocator_alloc(ctx->alloc, nbytes, &as) : NULL;
    if (data == NULL) {
        char dims[160];
        tact__fail(st, TACT_CODE_RESOURCE_EXHAUSTED,
                   "OOM when allocating tensor with shape%s and type %s on %s by allocator "
                   "GPU_%d_bfc", tact__shape_str(shape, dims, sizeof dims),
                   tact__dtype_tf_name(dtype), ctx->full_name,
                   atoi(strrchr(ctx->full_name, ':') + 1));
        return NULL;
    }
    return tact__tensor_wrap_device(dtype, shape->dims, shape->ndims, data, gpu_free_data,
                                    ctx->alloc);
}

/* Copy host bytes into `dst`, a tensor just allocated on this GPU: after the work queued
 * before only when its block was freed since the GPU last drained, else overlapping it. */
static tact_code_t gpu_copy_in(gpu_ctx_t *ctx, tact_tensor_t *dst, const void *host,
                               tact_status_t *st)
{
    bool after_work = dst->nbytes > 0 && tact__bfc_allocator_freed_at(ctx->alloc, dst->data) >
                                             atomic_load(ctx->drained);
    return ctx->backend->copy_in(ctx->bctx, dst->data, host, dst->nbytes, after_work, st);
}

/* A copy node: the value of in_slots[0] into (COPY_IN) or out of (COPY_OUT) GPU memory. */
static tact_code_t gpu_copy_node(gpu_ctx_t *ctx, const tact_node_t *node, tact_step_t *step,
                                 tact_status_t *st)
{
    const tact_tensor_t *src = step->values[node->in_slots[0]].tensor;
    const tact_op_t *op = node->op;
    if (src == NULL) {
        if (op->kind == TACT_OP_VARIABLE)
            return TACT_CODE_OK;  /* no value yet: its reader says so, naming itself */
        return tact__fail(st, TACT_CODE_INVALID_ARGUMENT,
                          "%s: the %s '%s' has no value to copy to %s",
                          tact__op_kind_type(op->kind), tact__op_kind_type(op->kind), op->name,
                          ctx->full_name);
    }
    tact_shape_t shape = tact__tensor_shape(src);
    tact_tensor_t *dst;
    if (node->kind == TACT_NODE_COPY_IN) {
        dst = gpu_tensor(ctx, op, src->dtype, &shape, st);
        if (dst == NULL)
            return st->code;
        /* src lives to the end of the run, past this segment's sync, so the copy may read it
         * until then: a feed is the caller's until the run returns, and plan.c keeps a slot
         * read on another device than its producer's. */
        if (gpu_copy_in(ctx, dst, src->data, st) != TACT_CODE_OK) {
            tact_tensor_destroy(&dst);
            return st->code;
        }
    } else {
        /* from the pinned pool: the copy is a DMA straight into it */
        dst = tact__tensor_try_alloc_pinned(src->dtype, shape.dims, shape.ndims,
                                            step->host_limit, NULL, st);
        if (dst == NULL)
            return st->code;
        if (ctx->backend->copy_out(ctx->bctx, dst->data, src->data, src->nbytes, st) !=
            TACT_CODE_OK) {
            tact_tensor_destroy(&dst);
            return st->code;
        }
    }
    step->values[node->out_slot] = (tact_value_t) { dst, true };
    return TACT_CODE_OK;
}

/* A constant: its device copy, made on the first run and shared by later ones. */
static tact_code_t gpu_const_node(gpu_ctx_t *ctx, const tact_node_t *node, tact_step_t *step,
                                  tact_status_t *st)
{
    const tact_op_t *op = node->op;
    ctx->consts = tact__grow_zeroed(ctx->consts, &ctx->n_consts, op->id, sizeof *ctx->consts);
    if (ctx->consts[op->id] == NULL) {
        const tact_tensor_t *value = op->attrs.value;
        tact_shape_t shape = tact__tensor_shape(value);
        tact_tensor_t *t = gpu_tensor(ctx, op, value->dtype, &shape, st);
        if (t == NULL)
            return st->code;
        if (gpu_copy_in(ctx, t, value->data, st) != TACT_CODE_OK) {
            tact_tensor_destroy(&t);
            return st->code;
        }
        ctx->consts[op->id] = t;
    }
    step->values[node->out_slot] = (tact_value_t) { tact__tensor_ref(ctx->consts[op->id]), true };
    return TACT_CODE_OK;
}

static tact_code_t gpu_uninitialized(const tact_op_t *var, tact_status_t *st)
{
    return tact__fail(st, TACT_CODE_FAILED_PRECONDITION,
                      "Attempting to use uninitialized value %s", var->name);
}

/* Assign, AssignAdd, AssignSub on a variable that lives on this GPU (the placer keeps the
 * variable and the ops on it together, and where it first put them): as on the CPU, a new
 * device tensor replaces the value (copy on write) and is the node's output. Device tensors
 * are never written after their kernel, so Assign keeps a reference to its input. */
static tact_code_t gpu_assign(gpu_ctx_t *ctx, const tact_node_t *node,
                              const tact_tensor_t *const *in, tact_step_t *step,
                              tact_status_t *st)
{
    const tact_op_t *op = node->op, *var = op->inputs[0].op;
    tact_tensor_t *value = NULL;
    if (op->kind == TACT_OP_ASSIGN) {
        tact_dtype_t dtype;
        tact_shape_t shape;
        if (tact__op_infer(op->kind, &op->attrs, op->name, 2,
                           (tact_dtype_t[]) { var->attrs.dtype, in[1]->dtype },
                           (tact_shape_t[]) { var->attrs.shape, tact__tensor_shape(in[1]) },
                           TACT_INFER_RUN, &dtype, &shape, st) != TACT_CODE_OK)
            return st->code;
        value = tact__tensor_ref((tact_tensor_t *) in[1]);
        tact__resources_write(step->resources, var, tact__tensor_ref(value));
    } else {
        /* The update is enqueued with the variable's update lock held, so concurrent updates
         * of one value chain on the GPU's stream in the order they took it. */
        tact_tensor_t *old = tact__resources_begin_update(step->resources, var);
        if (old != NULL && tact__resources_check_update(old, in[1], st) == TACT_CODE_OK) {
            tact_op_t as_kind = *op;  /* the backend's Add or Sub kernel */
            as_kind.kind = op->kind == TACT_OP_ASSIGN_ADD ? TACT_OP_ADD : TACT_OP_SUB;
            const tact_tensor_t *args[2] = { old, in[1] };
            tact_shape_t shape = tact__tensor_shape(old);  /* the update's too, checked above */
            value = gpu_tensor(ctx, op, old->dtype, &shape, st);
            if (value != NULL &&
                ctx->backend->kernel(ctx->bctx, &as_kind, args, value, st) != TACT_CODE_OK)
                tact_tensor_destroy(&value);
        }
        tact__resources_end_update(step->resources, var, value ? tact__tensor_ref(value) : NULL);
        if (old == NULL)
            return gpu_uninitialized(var, st);
        if (value == NULL)
            return st->code;
    }
    step->values[node->out_slot] = (tact_value_t) { value, true };
    return TACT_CODE_OK;
}

static tact_code_t gpu_op_node_in(gpu_ctx_t *ctx, const tact_node_t *node, tact_step_t *step,
                                  tact_tensor_t **held, tact_status_t *st)
{
    const tact_op_t *op = node->op;
    tact_value_t *values = step->values;
    if (op->kind == TACT_OP_NOOP)
        return TACT_CODE_OK;
    if (op->kind == TACT_OP_VARIABLE) {  /* a snapshot; NULL while uninitialised */
        values[node->out_slot] = (tact_value_t) { tact__resources_read(step->resources, op),
                                                  true };
        return TACT_CODE_OK;
    }
    const tact_tensor_t *in[TACT_MAX_OUTPUTS + 1];
    tact_dtype_t in_dtypes[TACT_MAX_OUTPUTS + 1];
    tact_shape_t in_shapes[TACT_MAX_OUTPUTS + 1];
    TACT_ASSERT(node->n_in <= TACT_MAX_OUTPUTS + 1 && node->out_slot >= 0);
    for (int i = 0; i < node->n_in; i++) {
        in[i] = values[node->in_slots[i]].tensor;
        if (held != NULL && i < 64 && (node->fresh_inputs >> i & 1) &&
            !tact__op_input_is_handle(op->kind, i))  /* the variable as it is now */
            in[i] = held[i] = tact__resources_read(step->resources, op->inputs[i].op);
        if (in[i] == NULL) {
            /* Only a variable without a value yet, here or copied in (a copy in reports any
             * other missing value); Assign does not read it. */
            const tact_op_t *var = op->inputs[i].op;
            TACT_ASSERT(var->kind == TACT_OP_VARIABLE);
            if (op->kind == TACT_OP_ASSIGN && i == 0)
                continue;
            return gpu_uninitialized(var, st);
        }
        in_dtypes[i] = in[i]->dtype;
        in_shapes[i] = tact__tensor_shape(in[i]);
    }
    if (tact__op_kind_assigns(op->kind))
        return gpu_assign(ctx, node, in, step, st);
    if (op->kind == TACT_OP_IDENTITY) {  /* the same device tensor, one more reference */
        values[node->out_slot] = (tact_value_t) { tact__tensor_ref((tact_tensor_t *) in[0]),
                                                  true };
        return TACT_CODE_OK;
    }
    if (op->kind == TACT_OP_CONST)
        return gpu_const_node(ctx, node, step, st);
    tact_dtype_t dtype;
    tact_shape_t shape;
    if (tact__op_infer(op->kind, &op->attrs, op->name, node->n_in, in_dtypes, in_shapes,
                              TACT_INFER_RUN, &dtype, &shape, st) != TACT_CODE_OK) {
        return st->code;
    }
    if (op->kind == TACT_OP_RESHAPE) {  /* a view of the input's device bytes, as in TF */
        values[node->out_slot] = (tact_value_t) {
            tact__tensor_reshaped((tact_tensor_t *) in[0], shape.dims, shape.ndims), true };
        return TACT_CODE_OK;
    }
    tact_tensor_t *out = gpu_tensor(ctx, op, dtype, &shape, st);
    if (out == NULL)
        return st->code;
    tact_code_t rc = ctx->backend->kernel(ctx->bctx, op, in, out, st);
    if (rc != TACT_CODE_OK) {
        tact_tensor_destroy(&out);
        return st->code;
    }
    values[node->out_slot] = (tact_value_t) { out, true };
    return TACT_CODE_OK;
}

/* An op node; one that reads variables (node->fresh_inputs) holds their values as they are
 * when it runs until its kernel is enqueued. */
static tact_code_t gpu_op_node(gpu_ctx_t *ctx, const tact_node_t *node, tact_step_t *step,
                               tact_status_t *st)
{
    if (node->fresh_inputs == 0)
        return gpu_op_node_in(ctx, node, step, NULL, st);
    tact_tensor_t *held[TACT_MAX_OUTPUTS + 1] = { NULL };
    tact_code_t rc = gpu_op_node_in(ctx, node, step, held, st);
    for (int i = 0; i < TACT_MAX_OUTPUTS + 1; i++)
        tact_tensor_destroy(&held[i]);
    return rc;
}

static tact_code_t gpu_node(gpu_ctx_t *ctx, const tact_node_t *node, tact_step_t *step,
                            tact_status_t *st)
{
    return node->kind == TACT_NODE_OP ? gpu_op_node(ctx, node, step, st)
                                      : gpu_copy_node(ctx, node, step, st);
}

static TACT__NOINLINE tact_code_t gpu_node_traced(gpu_ctx_t *ctx, const tact_node_t *node,
                                                  tact_step_t *step, tact_status_t *st)
{
    tact__trace_node_begin(step, node);
    tact_code_t rc = gpu_node(ctx, node, step, st);
    if (rc == TACT_CODE_OK)
        tact__trace_node_end(step, node);
    return rc;
}

static tact_code_t gpu_run(tact_device_t *dev, const tact_fragment_t *frag, tact_step_t *step,
                           tact_status_t *st)
{
    gpu_ctx_t *ctx = dev->ctx;
    tact_code_t rc = TACT_CODE_OK;
    if (atomic_load(&ctx->entry->failed)) {  /* its context is gone: nothing can run there */
        rc = gpu_refuse(ctx->entry, ctx->tf_id, st);
        if (step->done != NULL)
            tact__step_fail(step);
        return rc;
    }
    for (int i = 0; i < frag->n_nodes && rc == TACT_CODE_OK; i++) {
        const tact_node_t *node = &frag->nodes[i];
        if (tact__stop_check(&step->stop, "Run call", st) != TACT_CODE_OK ||
            (step->done != NULL && node->n_wait > 0 &&
             tact__step_wait(step, node, st) != TACT_CODE_OK)) {
            rc = st->code;
            break;
        }
        /* Traced: the host's enqueue times (HARDWARE_TRACE's cheap part), no device timers. */
        if (TACT_UNLIKELY(step->trace != NULL))
            rc = gpu_node_traced(ctx, node, step, st);
        else
            rc = gpu_node(ctx, node, step, st);
        if (rc != TACT_CODE_OK) {
            gpu_fail_node(st, node->op);
            break;
        }
        const tact_tensor_t *copied = node->kind != TACT_NODE_OP
                                          ? step->values[node->out_slot].tensor : NULL;
        if (copied != NULL)  /* a copy between device and host memory (none for no value) */
            atomic_fetch_add_explicit(&step->bytes_copied, (int64_t) copied->nbytes,
                                      memory_order_relaxed);
        if (step->done != NULL && node->signal)
            tact__step_signal(step, node);
        for (int r = 0; r < node->n_release; r++)
            tact__value_release(step->values, node->release_slots[r]);
    }
    /* Everything enqueued is finished before the step goes on: the caller may free this
     * step's device tensors, and errors the GPU raised meanwhile belong to this run. */
    tact_status_t ss = TACT_STATUS_INIT;
    uint64_t frees = tact__bfc_allocator_free_count(ctx->alloc);
    if (ctx->backend->sync(ctx->bctx, &ss) == TACT_CODE_OK) {
        uint64_t was = atomic_load(ctx->drained);  /* raise it, never lower it */
        while (was < frees && !atomic_compare_exchange_weak(ctx->drained, &was, frees)) {
        }
    } else if (rc == TACT_CODE_OK) {
        rc = tact__status_merge(st, &ss);
    }
    if (rc != TACT_CODE_OK)
        rc = gpu_check_lost(ctx, st);
    if (rc != TACT_CODE_OK && step->done != NULL)
        tact__step_fail(step);  /* the other devices' fragments stop waiting */
    return rc;
}

const tact_device_iface_t tact__gpu_iface = {
    .api_version = TACT_DEVICE_API_VERSION,
    .kind = "GPU",
    .caller_may_run = false,
    .priority = 210,
    .device_memory = true,
    .count = gpu_count,
    .open = gpu_open,
    .close = gpu_close,
    .supports = gpu_supports,
    .run = gpu_run,
    .bind_thread = gpu_bind_thread,
    .describe = gpu_describe,
    .memory_stats = gpu_memory_stats,
};

/* ------------------------------------------------------------------------------------------ */
/* What the GPU kernels cover                                                                 */
/* ------------------------------------------------------------------------------------------ */

#define GPU_BIT(dt) (1u << (unsigned) (dt))
#define GPU_FLOATS  (GPU_BIT(TACT_DTYPE_F32) | GPU_BIT(TACT_DTYPE_F64))
#define GPU_NUMERIC (GPU_FLOATS | GPU_BIT(TACT_DTYPE_I32) | GPU_BIT(TACT_DTYPE_I64))
#define GPU_CASTS   (GPU_NUMERIC | GPU_BIT(TACT_DTYPE_BOOL))

/* The element sizes the GPU's copies, fills and transposes move: 1, 4 and 8 bytes (int16 and
 * float16 stay on the CPU). */
static bool gpu_fixed_size(tact_dtype_t dt)
{
    size_t size = tact__dtype_valid(dt) ? tact_dtype_size(dt) : 0;
    return size == 1 || size == 4 || size == 8;
}

/* The math and nn families' ops with GPU kernels, by kind: the input dtypes each is placed on
 * a GPU for (float32, as TensorFlow's common GPU kernels; bool for the logical ops).
 * Comparisons give bool. */
static const unsigned gpu_family_dtypes[TACT_OP_COUNT] = {
    [TACT_OP_ABS] = GPU_BIT(TACT_DTYPE_F32),
    [TACT_OP_SQUARE] = GPU_BIT(TACT_DTYPE_F32),
    [TACT_OP_SQRT] = GPU_BIT(TACT_DTYPE_F32),
    [TACT_OP_RSQRT] = GPU_BIT(TACT_DTYPE_F32),
    [TACT_OP_EXP] = GPU_BIT(TACT_DTYPE_F32),
    [TACT_OP_LOG] = GPU_BIT(TACT_DTYPE_F32),
    [TACT_OP_SIGN] = GPU_BIT(TACT_DTYPE_F32),
    [TACT_OP_FLOOR] = GPU_BIT(TACT_DTYPE_F32),
    [TACT_OP_CEIL] = GPU_BIT(TACT_DTYPE_F32),
    [TACT_OP_ROUND] = GPU_BIT(TACT_DTYPE_F32),
    [TACT_OP_RECIPROCAL] = GPU_BIT(TACT_DTYPE_F32),
    [TACT_OP_RELU6] = GPU_BIT(TACT_DTYPE_F32),
    [TACT_OP_LEAKY_RELU] = GPU_BIT(TACT_DTYPE_F32),
    [TACT_OP_ELU] = GPU_BIT(TACT_DTYPE_F32),
    [TACT_OP_SOFTPLUS] = GPU_BIT(TACT_DTYPE_F32),
    [TACT_OP_POW] = GPU_BIT(TACT_DTYPE_F32),
    [TACT_OP_MAXIMUM] = GPU_BIT(TACT_DTYPE_F32),
    [TACT_OP_MINIMUM] = GPU_BIT(TACT_DTYPE_F32),
    [TACT_OP_FLOOR_DIV] = GPU_BIT(TACT_DTYPE_F32),
    [TACT_OP_FLOOR_MOD] = GPU_BIT(TACT_DTYPE_F32),
    [TACT_OP_SQUARED_DIFFERENCE] = GPU_BIT(TACT_DTYPE_F32),
    [TACT_OP_EQUAL] = GPU_BIT(TACT_DTYPE_F32),
    [TACT_OP_NOT_EQUAL] = GPU_BIT(TACT_DTYPE_F32),
    [TACT_OP_LESS] = GPU_BIT(TACT_DTYPE_F32),
    [TACT_OP_LESS_EQUAL] = GPU_BIT(TACT_DTYPE_F32),
    [TACT_OP_GREATER] = GPU_BIT(TACT_DTYPE_F32),
    [TACT_OP_GREATER_EQUAL] = GPU_BIT(TACT_DTYPE_F32),
    [TACT_OP_LOGICAL_AND] = GPU_BIT(TACT_DTYPE_BOOL),
    [TACT_OP_LOGICAL_OR] = GPU_BIT(TACT_DTYPE_BOOL),
    [TACT_OP_LOGICAL_NOT] = GPU_BIT(TACT_DTYPE_BOOL),
    [TACT_OP_ADD_N] = GPU_BIT(TACT_DTYPE_F32),
    [TACT_OP_MAX] = GPU_BIT(TACT_DTYPE_F32),
    [TACT_OP_MIN] = GPU_BIT(TACT_DTYPE_F32),
    [TACT_OP_PROD] = GPU_BIT(TACT_DTYPE_F32),
    [TACT_OP_BATCH_MATMUL] = GPU_BIT(TACT_DTYPE_F32),
};

bool tact__gpu_op_supported(const tact_op_t *op)
{
    tact_dtype_t out = op->n_outputs > 0 ? op->out_dtype[0] : TACT_DTYPE_COUNT;
    switch (op->kind) {
    case TACT_OP_NOOP:
        return true;
    case TACT_OP_CONST:
    case TACT_OP_FILL:
        return gpu_fixed_size(out);
    case TACT_OP_VARIABLE:  /* the dtypes its AssignAdd and AssignSub have kernels for */
        return (GPU_BIT(out) & GPU_NUMERIC) != 0;
    default:
        break;
    }
    if (op->n_inputs < 1)
        return false;  /* placeholders, queues, readers, random ops */
    tact_dtype_t dt = op->inputs[0].op->out_dtype[op->inputs[0].index];
    if (!gpu_fixed_size(dt))
        return false;
    for (int i = 1; i < op->n_inputs; i++) {
        if (op->inputs[i].op->out_dtype[op->inputs[i].index] != dt)
            return false;
    }
    unsigned bit = GPU_BIT(dt);
    if (op->n_inputs > TACT_MAX_OUTPUTS + 1)
        return false;  /* an AddN of more: the GPU node loop holds inputs on the stack */
    switch (op->kind) {
    case TACT_OP_IDENTITY:
    case TACT_OP_RESHAPE:
    case TACT_OP_TRANSPOSE:
    case TACT_OP_STOP_GRADIENT:
        return true;
    case TACT_OP_ADD:
    case TACT_OP_SUB:
    case TACT_OP_MUL:
    case TACT_OP_ASSIGN:
    case TACT_OP_ASSIGN_ADD:
    case TACT_OP_ASSIGN_SUB:
        return (bit & GPU_NUMERIC) != 0;
    case TACT_OP_NEG:
    case TACT_OP_RELU:
        return (bit & (GPU_FLOATS | GPU_BIT(TACT_DTYPE_I32))) != 0;
    case TACT_OP_SUM:
    case TACT_OP_MEAN:
        return (bit & (GPU_FLOATS | GPU_BIT(TACT_DTYPE_I32))) != 0;
    case TACT_OP_REALDIV:
    case TACT_OP_SIGMOID:
    case TACT_OP_TANH:
    case TACT_OP_SOFTMAX:
    case TACT_OP_MATMUL:
        return (bit & GPU_FLOATS) != 0;
    case TACT_OP_CAST:
        return (bit & GPU_CASTS) != 0 && (GPU_BIT(out) & GPU_CASTS) != 0;
    default:
        /* integer Div, queues, readers, random ops: the CPU's */
        return (bit & gpu_family_dtypes[op->kind]) != 0;
    }
}
