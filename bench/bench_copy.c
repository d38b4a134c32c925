/* SPDX-License-Identifier: MIT */
/* bench_copy: a tensor crossing devices. x (fed on CPU:0) -> y = Identity(x) on CPU:1 ->
 * fetched on CPU:0, from 1 KB to 64 MB, against a plain memcpy of the same bytes measured in
 * the same process: into a warm buffer (the strict baseline) and into a fresh one (what any
 * new tensor pays: allocation and page faults). Host devices share memory, so the crossing
 * itself moves a pointer; the Identity's copy is the one memcpy a run must do. The same graph
 * with every op on CPU:0 is measured too, so the crossing's own cost shows. Target: at 64 MB
 * the cross-device run <= 1.5 x memcpy.
 *
 * GPU cases (a CUDA build on a machine with a GPU), 1 KB to 64 MB, against cudaMemcpy of the
 * same kind of host memory in the same process (ratio = tact GB/s / cudaMemcpy GB/s, higher
 * is better; target >= 0.85 at 64 MB):
 *
 *   gpu_h2d_cuda / gpu_h2d_tact_pinned   host -> GPU: x (fed) -> Identity on GPU:0, run as a
 *                                        target; x borrows (tact_tensor_new_borrowed) a
 *                                        cudaMallocHost buffer, so it goes by DMA from there
 *   gpu_h2d_cuda_pageable / gpu_h2d_tact the same with x a tensor of tact_tensor_new: pageable
 *                                        memory, as a NumPy array is in TensorFlow, so it goes
 *                                        through the staging buffers (cudaMemcpy from the same
 *                                        buffer goes through the driver's)
 *   gpu_d2h_cuda / gpu_d2h_tact          GPU -> host: a constant kept on GPU:0 -> Identity
 *                                        there, fetched (the result lands in pinned memory
 *                                        from tact's pool) */
#include "bench_gpu.h"

typedef struct copy_ctx {
    tact_session_t *s;
    tact_output_t fetch;
    tact_feed_t feed;
    tact_status_t st;
    size_t bytes;
    char *src, *dst;
} copy_ctx_t;

static int copy_tact(void *p)
{
    copy_ctx_t *c = p;
    tact_tensor_t *out = NULL;
    if (tact_session_run(c->s, &c->fetch, 1, &out, &c->feed, 1, NULL, 0, &c->st) != TACT_CODE_OK) {
        bench_failed(&c->st, "tact_session_run");
        return -1;
    }
    int ok = tact_tensor_nbytes(out) == c->bytes &&
             memcmp((const char *) tact_tensor_data(out) + c->bytes - 4, c->src + c->bytes - 4,
                    4) == 0;
    tact_tensor_destroy(&out);
    if (!ok)
        fprintf(stderr, "bench: wrong tensor back\n");
    return ok ? 0 : -1;
}

static int copy_memcpy_warm(void *p)
{
    copy_ctx_t *c = p;
    memcpy(c->dst, c->src, c->bytes);
    __asm__ volatile("" : : "r"(c->dst) : "memory");  /* keep the copy */
    return 0;
}

static int copy_memcpy_fresh(void *p)
{
    copy_ctx_t *c = p;
    char *d = malloc(c->bytes);
    if (d == NULL)
        return -1;
    memcpy(d, c->src, c->bytes);
    __asm__ volatile("" : : "r"(d) : "memory");
    free(d);
    return 0;
}

/* x on CPU:0 (fed) -> Identity on `device` -> fetched. */
static tact_output_t copy_graph(tact_graph_t *g, const char *device, tact_output_t *x,
                                tact_status_t *st)
{
    *x = tact_placeholder(g, TACT_DTYPE_F32, (int64_t[]) { -1 }, 1, "x", st);
    tact_graph_push_device(g, device, st);
    tact_output_t y = tact_identity(g, *x, "y", st);
    tact_graph_pop_device(g);
    return y;
}

#ifdef TACT_BENCH_CUDA
typedef struct gpu_copy_ctx {
    tact_session_t *s;
    tact_output_t out;            /* fetched (d2h) */
    tact_op_t *target;            /* run (h2d) */
    tact_feed_t feed;             /* x: pageable */
    tact_feed_t feed_pinned;      /* x: borrowed over pinned_in */
    tact_status_t st;
    size_t bytes;
    void *pinned, *pinned_in, *pageable, *device;
} gpu_copy_ctx_t;

static int gpu_h2d_run(gpu_copy_ctx_t *c, tact_feed_t *feed)
{
    if (tact_session_run(c->s, NULL, 0, NULL, feed, 1, &c->target, 1, &c->st) != TACT_CODE_OK) {
        bench_failed(&c->st, "tact_session_run");
        return -1;
    }
    return 0;
}

static int gpu_h2d_tact(void *p)
{
    gpu_copy_ctx_t *c = p;
    return gpu_h2d_run(c, &c->feed);
}

static int gpu_h2d_tact_pinned(void *p)
{
    gpu_copy_ctx_t *c = p;
    return gpu_h2d_run(c, &c->feed_pinned);
}

static int gpu_d2h_tact(void *p)
{
    gpu_copy_ctx_t *c = p;
    tact_tensor_t *r = NULL;
    if (tact_session_run(c->s, &c->out, 1, &r, NULL, 0, NULL, 0, &c->st) != TACT_CODE_OK) {
        bench_failed(&c->st, "tact_session_run");
        return -1;
    }
    int ok = tact_tensor_nbytes(r) == c->bytes &&
             ((const unsigned char *) tact_tensor_data(r))[c->bytes - 1] == (unsigned char) 0x5a;
    tact_tensor_destroy(&r);
    if (!ok)
        fprintf(stderr, "bench: wrong tensor back from the GPU\n");
    return ok ? 0 : -1;
}

static int gpu_h2d_cuda(void *p)
{
    gpu_copy_ctx_t *c = p;
    return bench_cuda_failed(cudaMemcpy(c->device, c->pinned, c->bytes, cudaMemcpyHostToDevice),
                             "cudaMemcpy") ? -1 : 0;
}

static int gpu_h2d_cuda_pageable(void *p)
{
    gpu_copy_ctx_t *c = p;
    return bench_cuda_failed(cudaMemcpy(c->device, c->pageable, c->bytes,
                                        cudaMemcpyHostToDevice), "cudaMemcpy") ? -1 : 0;
}

static int gpu_d2h_cuda(void *p)
{
    gpu_copy_ctx_t *c = p;
    return bench_cuda_failed(cudaMemcpy(c->pinned, c->device, c->bytes, cudaMemcpyDeviceToHost),
                             "cudaMemcpy") ? -1 : 0;
}

/* The tact / cudaMemcpy ratios of one size. */
typedef struct gpu_ratios {
    double h2d_pinned, h2d_pageable, d2h;
} gpu_ratios_t;

/* One size both ways: 0, or -1. */
static int gpu_size(size_t bytes, int iters, gpu_ratios_t *ratio)
{
    int rc = -1;
    int64_t n = (int64_t) bytes;  /* uint8-like: one byte per element, as bool */
    tact_status_t st = TACT_STATUS_INIT;
    tact_graph_t *g = tact_graph_new();
    tact_tensor_t *value = NULL, *xv = NULL, *xp = NULL;
    gpu_copy_ctx_t c = { .bytes = bytes, .st = TACT_STATUS_INIT };
    bench_samples_t s[6] = { { 0 } };
    if (bench_cuda_failed(cudaMallocHost(&c.pinned, bytes), "cudaMallocHost") ||
        bench_cuda_failed(cudaMallocHost(&c.pinned_in, bytes), "cudaMallocHost") ||
        bench_cuda_failed(cudaMalloc(&c.device, bytes), "cudaMalloc"))
        goto done;
    memset(c.pinned, 0x5a, bytes);
    memset(c.pinned_in, 0x5a, bytes);
    value = tact_tensor_new(TACT_DTYPE_BOOL, &n, 1, NULL, &st);
    if (value != NULL)
        memset(tact_tensor_data(value), 0x5a, bytes);
    tact_output_t x = tact_placeholder(g, TACT_DTYPE_BOOL, (int64_t[]) { -1 }, 1, "x", &st);
    tact_graph_push_device(g, "/gpu:0", &st);
    tact_output_t in = tact_identity(g, x, "in", &st);
    tact_output_t out = tact_identity(g, tact_constant(g, value, "kept", &st), "out", &st);
    tact_graph_pop_device(g);
    c.s = tact_session_new(NULL, g, NULL, &st);
    if (bench_failed(&st, "building the GPU copy graph"))
        goto done;
    c.out = out;
    c.target = in.op;
    if (gpu_d2h_tact(&c) != 0 || bench_on_gpu(c.s, out.op) != 0)  /* opens the GPU */
        goto done;
    xv = tact_tensor_new(TACT_DTYPE_BOOL, &n, 1, NULL, &st);
    if (xv != NULL) {
        c.pageable = tact_tensor_data(xv);
        memset(c.pageable, 0x5a, bytes);
    }
    xp = tact_tensor_new_borrowed(TACT_DTYPE_BOOL, &n, 1, c.pinned_in, bytes, NULL, NULL, &st);
    c.feed = (tact_feed_t) { x, xv };
    c.feed_pinned = (tact_feed_t) { x, xp };
    if (bench_failed(&st, "the fed tensors") || gpu_h2d_tact(&c) != 0 ||
        gpu_h2d_tact_pinned(&c) != 0 || bench_on_gpu(c.s, in.op) != 0)
        goto done;
    static const struct {
        bench_fn_t fn;
        const char *name;
        int baseline; /* index of the case it is a ratio to, or -1 */
    } cases[6] = {
        { gpu_h2d_cuda, "gpu_h2d_cuda", -1 },
        { gpu_h2d_tact_pinned, "gpu_h2d_tact_pinned", 0 },
        { gpu_h2d_cuda_pageable, "gpu_h2d_cuda_pageable", -1 },
        { gpu_h2d_tact, "gpu_h2d_tact", 2 },
        { gpu_d2h_cuda, "gpu_d2h_cuda", -1 },
        { gpu_d2h_tact, "gpu_d2h_tact", 4 },
    };
    int r = 0;
    for (int round = 0; round < 4 && r == 0; round++)  /* interleaved */
        for (int k = 0; k < 6; k++)
            r |= bench_collect(cases[k].fn, &c, iters / 4 + 1, 1, &s[k]);
    if (r != 0)
        goto done;
    char size[32];
    snprintf(size, sizeof size, "%zuKB", bytes >> 10);
    double gbs = (double) bytes / 1e3;
    double ratios[6];
    for (int k = 0; k < 6; k++) {
        bench_stats_t t = bench_stats(&s[k]);
        int b = cases[k].baseline;
        ratios[k] = b < 0 ? NAN : bench_stats(&s[b]).median_us / t.median_us;
        bench_line(cases[k].name, "GPU", size, &t, gbs / t.median_us, "GB/s", ratios[k],
                   b < 0 ? NULL : cases[b].name);
    }
    *ratio = (gpu_ratios_t) { ratios[1], ratios[3], ratios[5] };
    rc = 0;
done:
    for (int i = 0; i < 6; i++)
        bench_samples_free(&s[i]);
    tact_session_destroy(&c.s);
    tact_tensor_destroy(&xp);
    tact_tensor_destroy(&xv);
    tact_tensor_destroy(&value);
    tact_graph_destroy(&g);
    cudaFreeHost(c.pinned_in);
    cudaFreeHost(c.pinned);
    cudaFree(c.device);
    return rc;
}
#endif

/* The GPU sizes, when the GPU cases run: 0, or 1 on an error. */
static int gpu_cases(bool quick)
{
    if (!bench_gpu_begin())
        return 0;
#ifdef TACT_BENCH_CUDA
    static const size_t full[] = { 1 << 10, 64 << 10, 1 << 20, 16 << 20, 64 << 20 };
    static const size_t small[] = { 1 << 10 };
    gpu_ratios_t r = { NAN, NAN, NAN };
    for (int i = 0; i < (quick ? 1 : 5); i++) {
        size_t bytes = quick ? small[i] : full[i];
        if (gpu_size(bytes, quick ? 3 : bytes >= (16u << 20) ? 40 : 400, &r) != 0)
            return 1;
    }
    if (!quick) {
        bench_target("gpu_h2d_tact_pinned >= 0.85 x gpu_h2d_cuda at 64 MB", r.h2d_pinned >= 0.85);
        bench_target("gpu_h2d_tact >= 0.85 x gpu_h2d_cuda_pageable at 64 MB",
                     r.h2d_pageable >= 0.85);
        bench_target("gpu_d2h_tact >= 0.85 x gpu_d2h_cuda at 64 MB", r.d2h >= 0.85);
    }
#else
    (void) quick;
#endif
    return 0;
}

int main(int argc, char **argv)
{
    bench_opts_t opt;
    int prc = bench_parse_args(argc, argv, &opt);
    if (prc != 0)
        return prc > 0 ? 0 : 2;
    bench_load_t load0 = bench_load_now();
    if (opt.gpu_only) {  /* scripts/gpu_check.sh: the GPU cases alone */
        bench_header("bench_copy", "GPU cases only (--gpu-only)");
        int grc = gpu_cases(opt.quick);
        bench_note_load(&load0);
        return grc == 0 ? 0 : 1;
    }
    bench_header("bench_copy", "a tensor crossing CPU:1 -> CPU:0; ratio = median / memcpy_warm "
                               "median (lower is better)");
    static const size_t full[] = { 1 << 10, 64 << 10, 1 << 20, 16 << 20, 64 << 20 };
    static const size_t quick[] = { 1 << 10, 64 << 10 };
    const size_t *sizes = opt.quick ? quick : full;
    int n_sizes = opt.quick ? 2 : 5;
    tact_status_t st = TACT_STATUS_INIT;
    tact_graph_t *cross_g = tact_graph_new(), *local_g = tact_graph_new();
    tact_output_t cross_x, local_x;
    tact_output_t cross_y = copy_graph(cross_g, "/cpu:1", &cross_x, &st);
    tact_output_t local_y = copy_graph(local_g, "/cpu:0", &local_x, &st);
    tact_config_t two = bench_cpu_config();
    two.device_count.cpu = 2;
    tact_session_t *cross_s = tact_session_new(NULL, cross_g, &two, &st);
    tact_session_t *local_s = tact_session_new(NULL, local_g, &two, &st);
    if (bench_failed(&st, "setup"))
        return 1;
    int rc = 0;
    double ratio_64mb = NAN;
    for (int i = 0; i < n_sizes && rc == 0; i++) {
        size_t bytes = sizes[i];
        int64_t n = (int64_t) (bytes / sizeof(float));
        copy_ctx_t c = { .bytes = bytes, .st = TACT_STATUS_INIT };
        c.src = malloc(bytes);
        c.dst = malloc(bytes);
        for (size_t k = 0; k < bytes; k++)
            c.src[k] = (char) (k * 7);
        memset(c.dst, 0, bytes);
        tact_tensor_t *xv = tact_tensor_new(TACT_DTYPE_F32, &n, 1, c.src, &c.st);
        int iters = opt.quick ? 3 : bytes >= (16u << 20) ? 40 : 400;
        char size[32];
        snprintf(size, sizeof size, "%zuKB", bytes >> 10);
        bench_samples_t warm = { 0 }, fresh = { 0 }, cross = { 0 }, local = { 0 };
        copy_ctx_t cc = c, lc = c;
        cc.s = cross_s;
        cc.fetch = cross_y;
        cc.feed = (tact_feed_t) { cross_x, xv };
        lc.s = local_s;
        lc.fetch = local_y;
        lc.feed = (tact_feed_t) { local_x, xv };
        rc |= bench_warmup(copy_tact, &cc, 3) | bench_warmup(copy_tact, &lc, 3);
        for (int round = 0; round < 4 && rc == 0; round++) {  /* interleaved */
            rc |= bench_collect(copy_memcpy_warm, &c, iters / 4 + 1, 1, &warm);
            rc |= bench_collect(copy_memcpy_fresh, &c, iters / 4 + 1, 1, &fresh);
            rc |= bench_collect(copy_tact, &cc, iters / 4 + 1, 1, &cross);
            rc |= bench_collect(copy_tact, &lc, iters / 4 + 1, 1, &local);
        }
        if (rc == 0) {
            bench_stats_t w = bench_stats(&warm), f = bench_stats(&fresh);
            bench_stats_t x = bench_stats(&cross), l = bench_stats(&local);
            double gbs = (double) bytes / 1e3;  /* bytes per microsecond -> GB/s */
            bench_line("memcpy_warm", "CPU", size, &w, gbs / w.median_us, "GB/s", NAN, NULL);
            bench_line("memcpy_fresh", "CPU", size, &f, gbs / f.median_us, "GB/s",
                       f.median_us / w.median_us, "memcpy_warm");
            bench_line("tact_same_device", "CPU", size, &l, gbs / l.median_us, "GB/s",
                       l.median_us / w.median_us, "memcpy_warm");
            bench_line("tact_cross_device", "CPU", size, &x, gbs / x.median_us, "GB/s",
                       x.median_us / w.median_us, "memcpy_warm");
            if (bytes == (64u << 20))
                ratio_64mb = x.median_us / w.median_us;
        }
        bench_samples_free(&warm);
        bench_samples_free(&fresh);
        bench_samples_free(&cross);
        bench_samples_free(&local);
        tact_tensor_destroy(&xv);
        free(c.src);
        free(c.dst);
    }
    if (!opt.quick && rc == 0)
        bench_target("tact_cross_device <= 1.5 x memcpy_warm at 64 MB", ratio_64mb <= 1.5);
    if (rc == 0)
        rc = gpu_cases(opt.quick);
    bench_note_load(&load0);
    tact_session_destroy(&cross_s);
    tact_session_destroy(&local_s);
    tact_graph_destroy(&cross_g);
    tact_graph_destroy(&local_g);
    return rc == 0 ? 0 : 1;
}
