/* SPDX-License-Identifier: MIT */
/* bench_copy: a tensor crossing devices. x (fed on CPU:0) -> y = Identity(x) on CPU:1 ->
 * fetched on CPU:0, from 1 KB to 64 MB, against a plain memcpy of the same bytes measured in
 * the same process: into a warm buffer (the strict baseline) and into a fresh one (what any
 * new tensor pays: allocation and page faults). Host devices share memory, so the crossing
 * itself moves a pointer; the Identity's copy is the one memcpy a run must do. The same graph
 * with every op on CPU:0 is measured too, so the crossing's own cost shows. Target: at 64 MB
 * the cross-device run <= 1.5 x memcpy. */
#include "bench.h"

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

int main(int argc, char **argv)
{
    bench_opts_t opt;
    int prc = bench_parse_args(argc, argv, &opt);
    if (prc != 0)
        return prc > 0 ? 0 : 2;
    bench_load_t load0 = bench_load_now();
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
    tact_config_t two = { .device_count.cpu = 2 };
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
    bench_note_load(&load0);
    tact_session_destroy(&cross_s);
    tact_session_destroy(&local_s);
    tact_graph_destroy(&cross_g);
    tact_graph_destroy(&local_g);
    return rc == 0 ? 0 : 1;
}
