/* SPDX-License-Identifier: MIT */
/* The fake GPU backend (fake_gpu.h): regions are a memfd mapped twice, kernels are the CPU's,
 * copies in happen lazily, and the work "queued" since each sync is recorded. */
#include "tests/fake_gpu.h"
#include "runtime/base/host_alloc.h"
#include "devices/cpu/kernels.h"
#include "devices/cpu/kernels/family.h"

#include <sys/mman.h>
#include <unistd.h>

fake_gpu_state_t fake_gpu;

#define FAKE_MAX_REGIONS 64

typedef struct fake_region {
    char *device;                 /* PROT_NONE: what the runtime holds */
    char *host;                   /* read-write: what the backend touches */
    size_t bytes;
} fake_region_t;

static pthread_mutex_t fake_lock = PTHREAD_MUTEX_INITIALIZER;
static fake_region_t fake_regions[FAKE_MAX_REGIONS];

/* The work "queued" on each GPU since its last sync: the device ranges that kernels and
 * device-to-device copies read or wrote. Everything here runs at once, but a real GPU runs
 * it later, so a copy in told it need not wait (after_work false) must not touch them. */
#define FAKE_MAX_GPUS 8
typedef struct fake_range {
    uintptr_t lo, hi;
} fake_range_t;
static struct {
    fake_range_t *ranges;
    int n, cap;
} fake_queued[FAKE_MAX_GPUS];

static void fake_queue(int id, const void *p, size_t n)
{
    if (n == 0)
        return;
    pthread_mutex_lock(&fake_lock);
    __typeof__(fake_queued[0]) *q = &fake_queued[id];
    if (q->n == q->cap) {
        q->cap = q->cap ? q->cap * 2 : 64;
        q->ranges = tact__realloc(q->ranges, (size_t) q->cap * sizeof *q->ranges);
    }
    q->ranges[q->n++] = (fake_range_t) { (uintptr_t) p, (uintptr_t) p + n };
    pthread_mutex_unlock(&fake_lock);
}

static bool fake_queued_overlaps(int id, const void *p, size_t n)
{
    bool hit = false;
    pthread_mutex_lock(&fake_lock);
    for (int i = 0; i < fake_queued[id].n && !hit; i++)
        hit = (uintptr_t) p < fake_queued[id].ranges[i].hi &&
              fake_queued[id].ranges[i].lo < (uintptr_t) p + n;
    pthread_mutex_unlock(&fake_lock);
    return hit;
}

static void fake_drain(int id)
{
    pthread_mutex_lock(&fake_lock);
    fake_queued[id].n = 0;
    pthread_mutex_unlock(&fake_lock);
}

/* The backend's address of device address p (or NULL when p is in no region). */
static void *fake_host(const void *p)
{
    void *h = NULL;
    pthread_mutex_lock(&fake_lock);
    for (int i = 0; i < FAKE_MAX_REGIONS && h == NULL; i++) {
        const fake_region_t *r = &fake_regions[i];
        if (r->device != NULL && (const char *) p >= r->device &&
            (const char *) p < r->device + r->bytes)
            h = r->host + ((const char *) p - r->device);
    }
    pthread_mutex_unlock(&fake_lock);
    return h;
}

static int fake_count(void)
{
    atomic_fetch_add(&fake_gpu.count_calls, 1);
    return fake_gpu.count;
}

static tact_code_t fake_query(int id, tact_gpu_info_t *info, tact_status_t *st)
{
    if (id < 0 || id >= fake_gpu.count)
        return tact__fail(st, TACT_CODE_INVALID_ARGUMENT, "fake GPU %d does not exist", id);
    info->total_bytes = fake_gpu.total_bytes;
    info->free_bytes = fake_gpu.free_bytes;
    snprintf(info->description, sizeof info->description,
             "name: Fake GPU, pci bus id: 0000:%02x:00.0, compute capability: 9.0", id + 1);
    return TACT_CODE_OK;
}

static void *fake_region_alloc(int id, size_t bytes)
{
    TACT_UNUSED(id);
    int fd = memfd_create("fake_gpu", 0);
    if (fd < 0 || ftruncate(fd, (off_t) bytes) != 0) {
        if (fd >= 0)
            close(fd);
        return NULL;
    }
    void *device = mmap(NULL, bytes, PROT_NONE, MAP_SHARED, fd, 0);
    void *host = mmap(NULL, bytes, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    close(fd);
    if (device == MAP_FAILED || host == MAP_FAILED) {
        if (device != MAP_FAILED)
            munmap(device, bytes);
        if (host != MAP_FAILED)
            munmap(host, bytes);
        return NULL;
    }
    pthread_mutex_lock(&fake_lock);
    int i = 0;
    while (i < FAKE_MAX_REGIONS && fake_regions[i].device != NULL)
        i++;
    TACT_ASSERT(i < FAKE_MAX_REGIONS);
    fake_regions[i] = (fake_region_t) { device, host, bytes };
    pthread_mutex_unlock(&fake_lock);
    atomic_fetch_add(&fake_gpu.region_bytes, (int64_t) bytes);
    return device;
}

static void fake_region_free(int id, void *ptr)
{
    TACT_UNUSED(id);
    pthread_mutex_lock(&fake_lock);
    for (int i = 0; i < FAKE_MAX_REGIONS; i++) {
        fake_region_t *r = &fake_regions[i];
        if (r->device == ptr) {
            atomic_fetch_sub(&fake_gpu.region_bytes, (int64_t) r->bytes);
            munmap(r->device, r->bytes);
            munmap(r->host, r->bytes);
            *r = (fake_region_t) { 0 };
        }
    }
    pthread_mutex_unlock(&fake_lock);
}

/* A copy in is done lazily, at the context's next call, as a GPU's DMA may still read the
 * host block after copy_in returns: a caller that frees the block before sync() makes the
 * later read a use after free, which the sanitizers and valgrind report. */
typedef struct fake_ctx {
    int id;
    void *pending_dst;            /* the backend's address; NULL: no copy pending */
    const void *pending_src;
    size_t pending_n;
} fake_ctx_t;

static void fake_flush(fake_ctx_t *c)
{
    if (c->pending_dst != NULL)
        memcpy(c->pending_dst, c->pending_src, c->pending_n);
    c->pending_dst = NULL;
}

/* What every call on a GPU whose context is lost reports, as CUDA's sticky errors do. */
#define FAKE_FATAL "fake GPU: an illegal memory access was encountered"

static tact_code_t fake_fatal(int id, tact_status_t *st)
{
    if (!atomic_load(&fake_gpu.lost[id]))
        return TACT_CODE_OK;
    return tact__fail(st, TACT_CODE_INTERNAL, FAKE_FATAL);
}

static void *fake_pinned_alloc(size_t n)
{
    void *p = NULL;
    return posix_memalign(&p, 4096, n) == 0 ? p : NULL;
}

static const tact_host_pinned_t fake_pinned = { fake_pinned_alloc, free };

static tact_code_t fake_open(int id, void **ctx, tact_status_t *st)
{
    if (tact__failed(st) || fake_fatal(id, st) != TACT_CODE_OK)
        return st->code;
    tact__host_alloc_use_pinned(&fake_pinned, (size_t) 256 << 20);
    fake_ctx_t *c = tact__malloc(sizeof *c);
    c->id = id;
    *ctx = c;
    atomic_fetch_add(&fake_gpu.open_contexts, 1);
    return TACT_CODE_OK;
}

static void fake_close(void *ctx)
{
    fake_flush(ctx);
    free(ctx);
    atomic_fetch_sub(&fake_gpu.open_contexts, 1);
}

static tact_code_t fake_bind_thread(void *ctx, tact_status_t *st)
{
    TACT_UNUSED(ctx);
    return tact__failed(st) ? st->code : TACT_CODE_OK;
}

static tact_code_t fake_copy(void *dst, const void *src, size_t n, tact_status_t *st)
{
    if (n > 0 && (dst == NULL || src == NULL))
        return tact__fail(st, TACT_CODE_INTERNAL, "fake GPU: copy outside device memory");
    if (n > 0)
        memcpy(dst, src, n);
    return TACT_CODE_OK;
}

static tact_code_t fake_copy_in(void *ctx, void *device, const void *host, size_t n,
                                bool after_work, tact_status_t *st)
{
    fake_ctx_t *c = ctx;
    fake_flush(c);
    if (fake_fatal(c->id, st) != TACT_CODE_OK)
        return st->code;
    atomic_fetch_add(after_work ? &fake_gpu.copies_in_after_work : &fake_gpu.copies_in_free, 1);
    if (n >= (1u << 20))
        atomic_fetch_add(tact__host_is_pinned(host, n) ? &fake_gpu.copies_in_pinned
                                                       : &fake_gpu.copies_in_pageable, 1);
    if (!after_work && fake_queued_overlaps(c->id, device, n))
        atomic_fetch_add(&fake_gpu.unordered_copies, 1);
    if (tact__failed(st) || n == 0)
        return fake_copy(NULL, host, 0, st);
    void *dst = fake_host(device);
    if (dst == NULL || host == NULL)
        return fake_copy(dst, host, n, st);  /* the error, now */
    c->pending_dst = dst;
    c->pending_src = host;
    c->pending_n = n;
    return TACT_CODE_OK;
}

static tact_code_t fake_copy_out(void *ctx, void *host, const void *device, size_t n,
                                 tact_status_t *st)
{
    fake_flush(ctx);
    if (fake_fatal(((const fake_ctx_t *) ctx)->id, st) != TACT_CODE_OK)
        return st->code;
    return fake_copy(host, n ? fake_host(device) : NULL, n, st);
}

static tact_code_t fake_copy_device(void *ctx, void *dst, const void *src, size_t n,
                                    tact_status_t *st)
{
    fake_ctx_t *c = ctx;
    fake_flush(c);
    if (fake_fatal(c->id, st) != TACT_CODE_OK)
        return st->code;
    fake_queue(c->id, dst, n);
    fake_queue(c->id, src, n);
    return fake_copy(n ? fake_host(dst) : NULL, n ? fake_host(src) : NULL, n, st);
}

/* A view of a device tensor with the backend's address of its data. */
static tact_tensor_t fake_view(const tact_tensor_t *t)
{
    tact_tensor_t v = *t;
    if (t->nbytes > 0)
        v.data = fake_host(t->data);
    return v;
}

static bool fake_supports(const tact_op_t *op)
{
    if (fake_gpu.no_kernel_op != NULL && strcmp(op->name, fake_gpu.no_kernel_op) == 0)
        return false;
    return tact__gpu_op_supported(op);
}

static tact_code_t fake_kernel(void *ctx, const tact_op_t *op, const tact_tensor_t *const *in,
                               tact_tensor_t *out, tact_status_t *st)
{
    atomic_fetch_add(&fake_gpu.kernels_run, 1);
    if (fake_fatal(((const fake_ctx_t *) ctx)->id, st) != TACT_CODE_OK)
        return st->code;
    if (fake_gpu.fail_op != NULL && strcmp(op->name, fake_gpu.fail_op) == 0)
        return tact__fail(st, TACT_CODE_INTERNAL, "fake GPU: kernel of %s failed", op->name);
    if (fake_gpu.fatal_op != NULL && strcmp(op->name, fake_gpu.fatal_op) == 0) {
        atomic_store(&fake_gpu.lost[((const fake_ctx_t *) ctx)->id], true);
        return TACT_CODE_OK;  /* as on a GPU, the launch succeeds and the fault shows later */
    }
    /* a family's kernel first, as the CPU device runs them */
    const tact_cpu_op_kernel_t *fk = tact__cpu_op_kernel(op->kind);
    tact_cpu_kernel_fn fn = fk == NULL ? tact__cpu_kernel(op->kind) : NULL;
    TACT_ASSERT(fk != NULL || fn != NULL);
    tact_tensor_t views[TACT_MAX_OUTPUTS + 1];
    const tact_tensor_t *args[TACT_MAX_OUTPUTS + 1];
    TACT_ASSERT(op->n_inputs <= TACT_MAX_OUTPUTS + 1);
    fake_ctx_t *c = ctx;
    fake_flush(c);
    for (int i = 0; i < op->n_inputs; i++) {
        views[i] = fake_view(in[i]);
        args[i] = &views[i];
        fake_queue(c->id, in[i]->data, in[i]->nbytes);
    }
    fake_queue(c->id, out->data, out->nbytes);
    tact_tensor_t o = fake_view(out);
    if (fn != NULL)
        return fn(op, args, &o, st);
    TACT_ASSERT(op->n_outputs == 1);  /* the GPU kernels' ops have one output */
    tact_tensor_t *outs[1] = { &o };
    tact_kernel_ctx_t k = { .op = op, .n_in = op->n_inputs, .in = args, .out = outs,
                            .device = "GPU" };
    return fk->run(&k, st);
}

static tact_code_t fake_sync(void *ctx, tact_status_t *st)
{
    fake_flush(ctx);
    fake_drain(((const fake_ctx_t *) ctx)->id);
    if (tact__failed(st))
        return st->code;
    return fake_fatal(((const fake_ctx_t *) ctx)->id, st);
}

static bool fake_lost(int id)
{
    return atomic_load(&fake_gpu.lost[id]);
}

const tact_gpu_backend_t fake_gpu_backend = {
    .name = "fake",
    .count = fake_count,
    .query = fake_query,
    .region_alloc = fake_region_alloc,
    .region_free = fake_region_free,
    .open = fake_open,
    .close = fake_close,
    .bind_thread = fake_bind_thread,
    .supports = fake_supports,
    .copy_in = fake_copy_in,
    .copy_out = fake_copy_out,
    .copy_device = fake_copy_device,
    .kernel = fake_kernel,
    .sync = fake_sync,
    .lost = fake_lost,
};

void fake_gpu_install(int count)
{
    fake_gpu.count = count;
    fake_gpu.total_bytes = (size_t) 4 << 30;
    fake_gpu.free_bytes = (size_t) 7 << 29;
    fake_gpu.fail_op = NULL;
    fake_gpu.no_kernel_op = NULL;
    fake_gpu.fatal_op = NULL;
    for (int i = 0; i < FAKE_MAX_GPUS; i++)
        atomic_store(&fake_gpu.lost[i], false);
    atomic_store(&fake_gpu.count_calls, 0);
    atomic_store(&fake_gpu.kernels_run, 0);
    atomic_store(&fake_gpu.copies_in_after_work, 0);
    atomic_store(&fake_gpu.copies_in_free, 0);
    atomic_store(&fake_gpu.copies_in_pinned, 0);
    atomic_store(&fake_gpu.copies_in_pageable, 0);
    atomic_store(&fake_gpu.unordered_copies, 0);
    TACT_ASSERT(count <= FAKE_MAX_GPUS);
    atomic_store(&fake_gpu.open_contexts, 0);
    tact__gpu_set_backend(&fake_gpu_backend);  /* frees the regions of the previous install */
    atomic_store(&fake_gpu.region_bytes, 0);
}

void fake_gpu_uninstall(void)
{
    tact__gpu_set_backend(NULL);
    for (int i = 0; i < FAKE_MAX_GPUS; i++) {
        free(fake_queued[i].ranges);
        fake_queued[i].ranges = NULL;
        fake_queued[i].n = fake_queued[i].cap = 0;
    }
}
