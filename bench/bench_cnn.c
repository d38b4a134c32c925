/* SPDX-License-Identifier: MIT */
/* bench_cnn: the small CNN TensorFlow froze (tests/data/cnn.pb, made by
 * tests/data/make_cnn_fixtures.py), imported with tact_graph_import_file and run on the CPU:
 *
 *     input [B, 8, 8, 3] -> Conv2D 3x3 SAME + BiasAdd + Relu -> FusedBatchNormV3 -> MaxPool 2x2
 *       -> DepthwiseConv2dNative 3x3 -> AvgPool 2x2 -> Reshape [-1, 32] -> MatMul -> Softmax
 *
 * Cases (throughput; value = runs/s from the median run):
 *   cnn_b1    tact_session_run feeding one image and fetching the softmax [1, 5]
 *   cnn_b32   the same with 32 images; ratio = images/s against cnn_b1's (higher is better)
 * Before timing, TensorFlow's input of batch 2 must give TensorFlow's answer within 1e-4; the
 * timed batches repeat that input's images, and every run's rows are checked against it.
 *
 * Then one Conv2D alone, 3x3 SAME at batch 1 with a constant filter, in three ResNet layers'
 * shapes (56x56x64, 14x14x256, 7x7x512 channels in and out), against the straightforward raw
 * version: im2col and one cblas_sgemm, which repacks the filter on every call. The two are
 * timed in alternating blocks; value = GFLOP/s; ratio = tact / raw (higher is better).
 * convres_*: ResNet's block end, relu(conv + bias + shortcut) at 56x56x64 (tact fuses it; the
 * raw version adds the bias and the shortcut and applies relu in one pass after its sgemm).
 *
 * Last, the window ops alone at batch 1, 3x3 SAME: DepthwiseConv2dNative (MobileNet's
 * 112x112x32 and 56x56x128), MaxPool stride 2 (ResNet's stem, 112x112x64) and AvgPool (56x56x
 * 256), against the straightforward loop over each output's window, one thread, as no BLAS
 * has these; value = million outputs/s; ratio = tact / raw. */
#include "bench.h"

#include <cblas.h>
#include <tact/model.h>

#define CNN_IN (8 * 8 * 3)
#define CNN_OUT 5

typedef struct cnn_ctx {
    tact_session_t *s;
    tact_output_t x, y;
    tact_tensor_t *feed;         /* the batch being timed */
    int batch;
    const float *want;           /* TensorFlow's [2, 5]: row b % 2 for image b */
    tact_status_t st;
} cnn_ctx_t;

static void *cnn_read(const char *name, size_t want_len)
{
    char path[512];
    snprintf(path, sizeof path, "%s/%s", TACT_BENCH_DATA_DIR, name);
    FILE *f = fopen(path, "rb");
    if (f == NULL) {
        perror(path);
        return NULL;
    }
    void *buf = malloc(want_len + 1);
    size_t got = buf != NULL ? fread(buf, 1, want_len + 1, f) : 0;
    fclose(f);
    if (got != want_len) {
        fprintf(stderr, "bench_cnn: %s: %zu bytes, expected %zu\n", path, got, want_len);
        free(buf);
        return NULL;
    }
    return buf;
}

/* One run of the current batch, checked. */
static int case_run(void *ctx)
{
    cnn_ctx_t *c = ctx;
    tact_tensor_t *out = NULL;
    tact_feed_t feed = { c->x, c->feed };
    if (tact_session_run(c->s, &c->y, 1, &out, &feed, 1, NULL, 0, &c->st) != TACT_CODE_OK) {
        bench_failed(&c->st, "tact_session_run");
        return -1;
    }
    const float *v = tact_tensor_data(out);
    int bad = tact_tensor_nelems(out) == (int64_t) c->batch * CNN_OUT ? 0 : 1;
    for (int b = 0; b < c->batch && bad == 0; b++)
        for (int j = 0; j < CNN_OUT; j++)
            bad += fabsf(v[b * CNN_OUT + j] - c->want[(b % 2) * CNN_OUT + j]) > 1e-4f;
    tact_tensor_destroy(&out);
    if (bad != 0) {
        fprintf(stderr, "bench_cnn: batch %d: %d wrong elements\n", c->batch, bad);
        return -1;
    }
    return 0;
}

/* ---- One Conv2D against im2col + cblas_sgemm ---- */

typedef struct conv_ctx {
    int hw, c, oc;               /* input hw x hw x c, output hw x hw x oc */
    float *x, *f, *col, *y;      /* raw: input, filter (HWIO), patches, output */
    float *bias;                 /* convres: the bias [oc]; the shortcut is x (c == oc) */
    tact_session_t *s;
    tact_output_t in, out;
    tact_tensor_t *feed;
    tact_status_t st;
} conv_ctx_t;

/* The raw side: SAME 3x3 patches of x (zeros outside), then y = col f. */
static void conv_raw(void *ctx)
{
    conv_ctx_t *c = ctx;
    int hw = c->hw, ch = c->c, kdim = 9 * ch;
    for (int oy = 0; oy < hw; oy++)
        for (int ox = 0; ox < hw; ox++)
            for (int ky = 0; ky < 3; ky++)
                for (int kx = 0; kx < 3; kx++) {
                    int iy = oy + ky - 1, ix = ox + kx - 1;
                    float *dst = c->col + (size_t) (oy * hw + ox) * kdim + (ky * 3 + kx) * ch;
                    if (iy < 0 || iy >= hw || ix < 0 || ix >= hw)
                        memset(dst, 0, (size_t) ch * sizeof *dst);
                    else
                        memcpy(dst, c->x + (size_t) (iy * hw + ix) * ch, (size_t) ch * sizeof *dst);
                }
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, hw * hw, c->oc, kdim, 1.0f, c->col,
                kdim, c->f, c->oc, 0.0f, c->y, c->oc);
    if (c->bias == NULL)
        return;
    for (int p = 0; p < hw * hw; p++) {
        float *row = c->y + (size_t) p * c->oc;
        const float *sc = c->x + (size_t) p * c->oc;
        for (int o = 0; o < c->oc; o++) {
            float v = row[o] + c->bias[o] + sc[o];
            row[o] = v < 0.0f ? 0.0f : v;
        }
    }
}

/* The tact side; `check`: its output must equal the raw one within float rounding. */
static int conv_tact(void *ctx, bool check)
{
    conv_ctx_t *c = ctx;
    tact_tensor_t *out = NULL;
    tact_feed_t feed = { c->in, c->feed };
    if (tact_session_run(c->s, &c->out, 1, &out, &feed, 1, NULL, 0, &c->st) != TACT_CODE_OK) {
        bench_failed(&c->st, "tact_session_run (Conv2D)");
        return -1;
    }
    int bad = 0;
    if (check) {
        const float *v = tact_tensor_data(out);
        int64_t n = (int64_t) c->hw * c->hw * c->oc;
        bad = tact_tensor_nelems(out) != n;
        for (int64_t i = 0; i < n && bad == 0; i++)
            bad = fabsf(v[i] - c->y[i]) > 1e-3f * (1.0f + fabsf(c->y[i]));
    }
    tact_tensor_destroy(&out);
    if (bad != 0) {
        fprintf(stderr, "bench_cnn: Conv2D %dx%dx%d: tact's output differs from raw's\n", c->hw,
                c->hw, c->c);
        return -1;
    }
    return 0;
}

#define CONV_BLOCK 10

/* The single-op cases' timing: warm-up (tact's first output checked against raw's), then
 * `runs` samples of each side in alternating blocks of CONV_BLOCK, then tact's output checked
 * again. 0 or -1. */
static int cnn_side_by_side(int (*tact)(void *ctx, bool check), void (*raw)(void *ctx),
                            void *ctx, const bench_opts_t *opt, int runs,
                            bench_samples_t *s_tact, bench_samples_t *s_raw)
{
    int block = opt->quick ? 1 : CONV_BLOCK;
    raw(ctx);
    for (int i = 0; i < (opt->quick ? 1 : 20); i++) {
        if (tact(ctx, i == 0) != 0)
            return -1;
        raw(ctx);
    }
    if (bench_samples_reserve(s_raw, (size_t) runs) != 0 ||
        bench_samples_reserve(s_tact, (size_t) runs) != 0)
        return -1;
    while (s_tact->n < (size_t) runs) {
        for (int i = 0; i < block && s_tact->n < (size_t) runs; i++) {
            int64_t t0 = bench_now_ns();
            if (tact(ctx, false) != 0)
                return -1;
            s_tact->ns[s_tact->n++] = (double) (bench_now_ns() - t0);
        }
        for (int i = 0; i < block && s_raw->n < (size_t) runs; i++) {
            int64_t t0 = bench_now_ns();
            raw(ctx);
            s_raw->ns[s_raw->n++] = (double) (bench_now_ns() - t0);
        }
    }
    return tact(ctx, true);
}

static int conv_case(const bench_opts_t *opt, int hw, int ch, bool residual)
{
    int rc = 1;
    conv_ctx_t c = { .hw = hw, .c = ch, .oc = ch, .st = TACT_STATUS_INIT };
    tact_graph_t *g = tact_graph_new();
    bench_samples_t s_raw = { 0 }, s_tact = { 0 };
    size_t nx = (size_t) hw * hw * ch, nf = (size_t) 9 * ch * ch;
    c.x = malloc(nx * sizeof *c.x);
    c.f = malloc(nf * sizeof *c.f);
    c.col = malloc((size_t) hw * hw * 9 * ch * sizeof *c.col);
    c.y = malloc((size_t) hw * hw * ch * sizeof *c.y);
    if (c.x == NULL || c.f == NULL || c.col == NULL || c.y == NULL)
        goto done;
    bench_rng_t rng = { 7 };
    for (size_t i = 0; i < nx; i++)
        c.x[i] = bench_rng_uniform(&rng, -1.0f, 1.0f);
    for (size_t i = 0; i < nf; i++)
        c.f[i] = bench_rng_uniform(&rng, -0.1f, 0.1f);
    int64_t xd[4] = { 1, hw, hw, ch }, fd[4] = { 3, 3, ch, ch };
    c.in = tact_placeholder(g, TACT_DTYPE_F32, xd, 4, "x", &c.st);
    tact_tensor_t *ft = tact_tensor_new(TACT_DTYPE_F32, fd, 4, c.f, &c.st);
    tact_output_t f = tact_constant(g, ft, "f", &c.st);
    tact_tensor_destroy(&ft);
    tact_conv_options_t same = { .padding = TACT_PADDING_SAME };
    c.out = tact_conv2d(g, c.in, f, &same, "conv", &c.st);
    if (residual) {
        c.bias = malloc((size_t) ch * sizeof *c.bias);
        if (c.bias == NULL)
            goto done;
        for (int o = 0; o < ch; o++)
            c.bias[o] = bench_rng_uniform(&rng, -0.5f, 0.5f);
        tact_tensor_t *bt = tact_tensor_new(TACT_DTYPE_F32, (int64_t[]) { ch }, 1, c.bias, &c.st);
        tact_output_t b = tact_constant(g, bt, "b", &c.st);
        tact_tensor_destroy(&bt);
        c.out = tact_relu(g, tact_add(g, tact_add(g, c.out, b, "add", &c.st), c.in, "add_res",
                                      &c.st), "y", &c.st);
    }
    c.feed = tact_tensor_new(TACT_DTYPE_F32, xd, 4, c.x, &c.st);
    tact_config_t cfg = bench_cpu_config();
    c.s = tact_session_new(NULL, g, &cfg, &c.st);
    if (bench_failed(&c.st, "building the Conv2D graph"))
        goto done;
    int runs = opt->quick ? 2 : (hw >= 56 ? 300 : 1000);
    if (cnn_side_by_side(conv_tact, conv_raw, &c, opt, runs, &s_tact, &s_raw) != 0)
        goto done;
    double flop = 2.0 * hw * hw * 9.0 * ch * ch;
    bench_stats_t sr = bench_stats(&s_raw), stt = bench_stats(&s_tact);
    double vr = flop / (sr.median_us * 1e3), vt = flop / (stt.median_us * 1e3);
    char size[32], name_raw[40], name_tact[40];
    snprintf(size, sizeof size, "1x%dx%dx%d", hw, hw, ch);
    snprintf(name_raw, sizeof name_raw, "%s_raw_%dx%d", residual ? "convres" : "conv", hw, ch);
    snprintf(name_tact, sizeof name_tact, "%s_tact_%dx%d", residual ? "convres" : "conv", hw,
             ch);
    bench_line(name_raw, "CPU", size, &sr, vr, "GFLOP/s", NAN, NULL);
    bench_line(name_tact, "CPU", size, &stt, vt, "GFLOP/s", vt / vr, name_raw);
    rc = 0;
done:
    bench_samples_free(&s_raw);
    bench_samples_free(&s_tact);
    tact_tensor_destroy(&c.feed);
    bench_close_session(&c.s);
    tact_graph_destroy(&g);
    free(c.x);
    free(c.f);
    free(c.col);
    free(c.y);
    free(c.bias);
    return rc;
}

/* ---- DepthwiseConv2dNative, MaxPool, AvgPool against a plain loop ---- */

typedef enum { WIN_DW, WIN_MAX, WIN_AVG } win_kind_t;

typedef struct win_ctx {
    win_kind_t kind;
    int hw, c, s, ohw;           /* input hw x hw x c, stride s, output ohw x ohw x c */
    float *x, *f, *y;
    tact_session_t *sess;
    tact_output_t in, out;
    tact_tensor_t *feed;
    tact_status_t st;
} win_ctx_t;

/* The raw side: each output's 3x3 window (SAME: the odd zero after), channels innermost. */
static void win_raw(void *ctx)
{
    win_ctx_t *w = ctx;
    int pad = ((w->ohw - 1) * w->s + 3 - w->hw) / 2;
    pad = pad > 0 ? pad : 0;
    for (int oy = 0; oy < w->ohw; oy++)
        for (int ox = 0; ox < w->ohw; ox++) {
            float *out = w->y + ((size_t) oy * w->ohw + ox) * w->c;
            int count = 0;
            for (int c = 0; c < w->c; c++)
                out[c] = w->kind == WIN_MAX ? -3.40282346638528859812e+38f : 0.0f;
            for (int ky = 0; ky < 3; ky++)
                for (int kx = 0; kx < 3; kx++) {
                    int iy = oy * w->s - pad + ky, ix = ox * w->s - pad + kx;
                    if (iy < 0 || iy >= w->hw || ix < 0 || ix >= w->hw)
                        continue;
                    const float *in = w->x + ((size_t) iy * w->hw + ix) * w->c;
                    const float *f = w->f + (size_t) (ky * 3 + kx) * w->c;
                    count++;
                    for (int c = 0; c < w->c; c++) {
                        if (w->kind == WIN_DW)
                            out[c] += in[c] * f[c];
                        else if (w->kind == WIN_MAX)
                            out[c] = in[c] > out[c] ? in[c] : out[c];
                        else
                            out[c] += in[c];
                    }
                }
            if (w->kind == WIN_AVG)
                for (int c = 0; c < w->c; c++)
                    out[c] *= 1.0f / (float) count;
        }
}

static int win_tact(void *ctx, bool check)
{
    win_ctx_t *w = ctx;
    tact_tensor_t *out = NULL;
    tact_feed_t feed = { w->in, w->feed };
    if (tact_session_run(w->sess, &w->out, 1, &out, &feed, 1, NULL, 0, &w->st) != TACT_CODE_OK) {
        bench_failed(&w->st, "tact_session_run (window op)");
        return -1;
    }
    int bad = 0;
    if (check) {
        const float *v = tact_tensor_data(out);
        int64_t n = (int64_t) w->ohw * w->ohw * w->c;
        bad = tact_tensor_nelems(out) != n;
        for (int64_t i = 0; i < n && bad == 0; i++)
            bad = fabsf(v[i] - w->y[i]) > 1e-5f * (1.0f + fabsf(w->y[i]));
    }
    tact_tensor_destroy(&out);
    if (bad != 0) {
        fprintf(stderr, "bench_cnn: window op %d: tact's output differs from raw's\n", w->kind);
        return -1;
    }
    return 0;
}

static int win_case(const bench_opts_t *opt, win_kind_t kind, int hw, int ch, int stride)
{
    static const char *const names[3] = { "dw", "maxpool", "avgpool" };
    int rc = 1;
    win_ctx_t w = { .kind = kind, .hw = hw, .c = ch, .s = stride,
                    .ohw = (hw + stride - 1) / stride, .st = TACT_STATUS_INIT };
    tact_graph_t *g = tact_graph_new();
    bench_samples_t s_raw = { 0 }, s_tact = { 0 };
    size_t nx = (size_t) hw * hw * ch, ny = (size_t) w.ohw * w.ohw * ch;
    w.x = malloc(nx * sizeof *w.x);
    w.f = malloc((size_t) 9 * ch * sizeof *w.f);
    w.y = malloc(ny * sizeof *w.y);
    if (w.x == NULL || w.f == NULL || w.y == NULL)
        goto done;
    bench_rng_t rng = { 11 };
    for (size_t i = 0; i < nx; i++)
        w.x[i] = bench_rng_uniform(&rng, -1.0f, 1.0f);
    for (int i = 0; i < 9 * ch; i++)
        w.f[i] = bench_rng_uniform(&rng, -0.5f, 0.5f);
    int64_t xd[4] = { 1, hw, hw, ch };
    w.in = tact_placeholder(g, TACT_DTYPE_F32, xd, 4, "x", &w.st);
    tact_conv_options_t o = { .strides = { 1, stride, stride, 1 }, .padding = TACT_PADDING_SAME,
                              .ksize = { 1, 3, 3, 1 } };
    if (kind == WIN_DW) {
        tact_tensor_t *ft = tact_tensor_new(TACT_DTYPE_F32, (int64_t[]) { 3, 3, ch, 1 }, 4, w.f,
                                            &w.st);
        w.out = tact_depthwise_conv2d(g, w.in, tact_constant(g, ft, "f", &w.st), &o, "dw", &w.st);
        tact_tensor_destroy(&ft);
    } else {
        w.out = kind == WIN_MAX ? tact_max_pool(g, w.in, &o, "pool", &w.st)
                                : tact_avg_pool(g, w.in, &o, "pool", &w.st);
    }
    w.feed = tact_tensor_new(TACT_DTYPE_F32, xd, 4, w.x, &w.st);
    tact_config_t cfg = bench_cpu_config();
    w.sess = tact_session_new(NULL, g, &cfg, &w.st);
    if (bench_failed(&w.st, "building the window op's graph"))
        goto done;
    int runs = opt->quick ? 2 : 600;
    if (cnn_side_by_side(win_tact, win_raw, &w, opt, runs, &s_tact, &s_raw) != 0)
        goto done;
    bench_stats_t sr = bench_stats(&s_raw), stt = bench_stats(&s_tact);
    double vr = (double) ny / sr.median_us, vt = (double) ny / stt.median_us;
    char size[32], name_raw[40], name_tact[40];
    snprintf(size, sizeof size, "1x%dx%dx%d", hw, hw, ch);
    snprintf(name_raw, sizeof name_raw, "%s_raw_%dx%d", names[kind], hw, ch);
    snprintf(name_tact, sizeof name_tact, "%s_tact_%dx%d", names[kind], hw, ch);
    bench_line(name_raw, "CPU", size, &sr, vr, "Mout/s", NAN, NULL);
    bench_line(name_tact, "CPU", size, &stt, vt, "Mout/s", vt / vr, name_raw);
    rc = 0;
done:
    bench_samples_free(&s_raw);
    bench_samples_free(&s_tact);
    tact_tensor_destroy(&w.feed);
    bench_close_session(&w.sess);
    tact_graph_destroy(&g);
    free(w.x);
    free(w.f);
    free(w.y);
    return rc;
}

/* A batch of `n` images, image b being TensorFlow's input image b % 2. */
static tact_tensor_t *cnn_batch(const float *images, int n, tact_status_t *st)
{
    float *v = malloc((size_t) n * CNN_IN * sizeof *v);
    if (v == NULL)
        return NULL;
    for (int b = 0; b < n; b++)
        memcpy(v + (size_t) b * CNN_IN, images + (b % 2) * CNN_IN, CNN_IN * sizeof *v);
    tact_tensor_t *t = tact_tensor_new(TACT_DTYPE_F32, (const int64_t[]) { n, 8, 8, 3 }, 4, v,
                                       st);
    free(v);
    return t;
}

int main(int argc, char **argv)
{
    bench_opts_t opt;
    int prc = bench_parse_args(argc, argv, &opt);
    if (prc != 0)
        return prc > 0 ? 0 : 2;
    if (opt.gpu_only)
        return 0;  /* no GPU cases: the nn ops have CPU kernels only */
    bench_load_t load0 = bench_load_now();
    int rc = 1;
    cnn_ctx_t c = { .st = TACT_STATUS_INIT };
    tact_graph_t *g = tact_graph_new();
    float *images = cnn_read("cnn_input.bin", 2 * CNN_IN * sizeof(float));
    float *want = cnn_read("cnn_expected.bin", 2 * CNN_OUT * sizeof(float));
    bench_samples_t samples[2] = { { 0 } };
    static const int batches[2] = { 1, 32 };
    if (images == NULL || want == NULL)
        goto done;
    char path[512];
    snprintf(path, sizeof path, "%s/cnn.pb", TACT_BENCH_DATA_DIR);
    tact_graph_import_file(g, path, NULL, &c.st);
    c.x = tact_graph_output(g, "input:0", &c.st);
    c.y = tact_graph_output(g, "softmax:0", &c.st);
    tact_config_t cfg = bench_cpu_config();
    c.s = tact_session_new(NULL, g, &cfg, &c.st);
    if (bench_failed(&c.st, "importing cnn.pb"))
        goto done;
    c.want = want;

    /* TensorFlow's own batch first */
    c.batch = 2;
    c.feed = cnn_batch(images, 2, &c.st);
    if (c.feed == NULL || case_run(&c) != 0)
        goto done;
    tact_tensor_destroy(&c.feed);

    int iters = opt.quick ? 3 : 2000;
    bench_header("bench_cnn", "a small CNN frozen by TensorFlow (Conv2D, FusedBatchNormV3, "
                              "MaxPool, DepthwiseConv2dNative, AvgPool, MatMul), imported and run "
                              "on the CPU; runs/s; ratio = images/s / cnn_b1's (higher is better)");
    bench_note("%d timed runs at batch 1, %d at batch 32, after %d warm-up runs each%s", iters,
               iters < 4 ? iters : iters / 4, opt.quick ? 1 : 50,
               opt.quick ? "; --quick: figures mean nothing" : "");
    for (int i = 0; i < 2; i++) {
        c.batch = batches[i];
        c.feed = cnn_batch(images, c.batch, &c.st);
        if (c.feed == NULL || bench_warmup(case_run, &c, opt.quick ? 1 : 50) != 0 ||
            bench_collect(case_run, &c, i == 0 || iters < 4 ? iters : iters / 4, 1,
                          &samples[i]) != 0)
            goto done;
        tact_tensor_destroy(&c.feed);
    }
    bench_stats_t st1 = bench_stats(&samples[0]), st32 = bench_stats(&samples[1]);
    double runs1 = 1e6 / st1.median_us, runs32 = 1e6 / st32.median_us;
    bench_line("cnn_b1", "CPU", "1x8x8x3", &st1, runs1, "runs/s", NAN, NULL);
    bench_line("cnn_b32", "CPU", "32x8x8x3", &st32, runs32, "runs/s", 32.0 * runs32 / runs1,
               "cnn_b1");
    bench_note("images/s: batch 1 %.0f, batch 32 %.0f", runs1, 32.0 * runs32);
    bench_note("Conv2D 3x3 SAME alone, batch 1, constant filter; OpenBLAS %s, %d threads; "
               "alternating blocks of %d", openblas_get_config(), openblas_get_num_threads(),
               CONV_BLOCK);
    static const int conv_shapes[3][2] = { { 56, 64 }, { 14, 256 }, { 7, 512 } };
    for (int i = 0; i < 3; i++) {
        if (conv_case(&opt, conv_shapes[i][0], conv_shapes[i][1], false) != 0)
            goto done;
    }
    if (conv_case(&opt, 56, 64, true) != 0)
        goto done;
    if (win_case(&opt, WIN_DW, 112, 32, 1) != 0 || win_case(&opt, WIN_DW, 56, 128, 1) != 0 ||
        win_case(&opt, WIN_MAX, 112, 64, 2) != 0 || win_case(&opt, WIN_AVG, 56, 256, 1) != 0)
        goto done;
    bench_note_load(&load0);
    rc = 0;
done:
    for (int i = 0; i < 2; i++)
        bench_samples_free(&samples[i]);
    tact_tensor_destroy(&c.feed);
    tact_session_destroy(&c.s);
    tact_graph_destroy(&g);
    free(images);
    free(want);
    return rc;
}
