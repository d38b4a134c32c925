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
 * timed batches repeat that input's images, and every run's rows are checked against it. */
#include "bench.h"

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
