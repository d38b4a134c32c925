/* SPDX-License-Identifier: MIT */
/* A small MLP forward pass through tact against the same computation written by hand with
 * OpenBLAS, same process:
 *
 *     x = tf.placeholder(tf.float32, [B, 784])      # B = 64, then 1
 *     h1 = tf.nn.relu(tf.matmul(x, W1) + b1)        # 512
 *     h2 = tf.nn.relu(tf.matmul(h1, W2) + b2)       # 512
 *     y = tf.nn.softmax(tf.matmul(h2, W3) + b3)     # 10
 *     sess.run(y, {x: X})
 *
 *   mlp_raw   cblas_sgemm, then a separate bias-add loop, a separate relu loop, ... and a
 *             softmax loop, into buffers allocated once (the straightforward C program)
 *   mlp_tact  tact_session_run feeding x and fetching y (default executor and config), then
 *             destroying the result
 *
 * Weights and x are uniform random with a fixed seed. Both outputs must agree within 1e-4
 * (checked before and after timing). The two are timed in alternating blocks. value = runs/s
 * from the median run; ratio = tact runs/s / raw runs/s (higher is better). Targets: >= 1.45
 * at batch 64 and >= 1.20 at batch 1 (mlp_*_b1, one request at a time).
 *
 * --gpu-only: the same network at batch 256 on GPU:0 alone (mlp_tact GPU), checked against the
 * raw version; its peer is PyTorch's eager forward (bench_mlp_torch.py), put beside it by
 * scripts/gpu_check.sh (target: >= 1.0 x). */
#include "bench_gpu.h"
#include "bench_mlp_net.h"

#define MLP_BLOCK 50  /* runs per side before switching */
#define MLP_BATCH_GPU 256

/* Compare tact's output with the raw one: 0 when they agree within 1e-4. */
static int mlp_check(mlp_tact_t *t, mlp_t *m, const char *when)
{
    tact_tensor_t *out = NULL;
    if (mlp_tact_run(t, &out) != 0)
        return -1;
    mlp_raw(m);
    int rc = 0;
    if (tact_tensor_dtype(out) != TACT_DTYPE_F32 || tact_tensor_ndims(out) != 2 ||
        tact_tensor_dim(out, 0) != m->batch || tact_tensor_dim(out, 1) != MLP_OUT) {
        fprintf(stderr, "bench: mlp (%s): tact's output has the wrong dtype or shape\n", when);
        rc = -1;
    } else {
        const float *got = tact_tensor_data(out), *want = m->h[MLP_N_LAYERS - 1];
        double max_diff = 0, row_sum = 0;
        for (int i = 0; i < m->batch * MLP_OUT; i++) {
            max_diff = fmax(max_diff, fabs((double) got[i] - (double) want[i]));
            row_sum += got[i];
        }
        bench_note("check (%s): max |tact - raw| = %.3g over %d outputs, mean row sum %.6f",
                   when, max_diff, m->batch * MLP_OUT, row_sum / m->batch);
        if (!(max_diff < 1e-4)) {
            fprintf(stderr, "bench: mlp (%s): tact and raw differ by %g (limit 1e-4)\n", when,
                    max_diff);
            rc = -1;
        }
    }
    tact_tensor_destroy(&out);
    return rc;
}

/* ------------------------------------------------------------------------------------------ */

/* One batch size: build, check, time alternately, print the line and the target. */
static int mlp_case(const bench_opts_t *opt, int batch, double target)
{
    int rc = 1;
    mlp_t m;
    tact_status_t st = TACT_STATUS_INIT;
    tact_graph_t *g = tact_graph_new();
    mlp_tact_t t = { .st = TACT_STATUS_INIT };
    bench_samples_t s_tact = { 0 }, s_raw = { 0 };
    char size[32], name_raw[32], name_tact[32], goal[96];
    snprintf(size, sizeof size, "%dx%d", batch, MLP_IN);
    snprintf(name_raw, sizeof name_raw, batch == 64 ? "mlp_raw" : "mlp_raw_b%d", batch);
    snprintf(name_tact, sizeof name_tact, batch == 64 ? "mlp_tact" : "mlp_tact_b%d", batch);
    if (mlp_init(&m, batch) != 0)
        goto done;
    if (mlp_build(g, &m, &t, &st) != TACT_CODE_OK)
        bench_failed(&st, "building the graph");
    tact_config_t cpu = bench_cpu_config();
    t.s = tact_session_new(NULL, g, &cpu, &st);
    if (bench_failed(&st, "tact_session_new"))
        goto done;

    int runs = opt->quick ? 3 : (batch == 1 ? 10000 : 2000);  /* per side */
    int block = opt->quick ? 1 : MLP_BLOCK;
    int warmup = opt->quick ? 1 : 50;
    if (mlp_check(&t, &m, "before") != 0)
        goto done;
    if (bench_samples_reserve(&s_tact, (size_t) runs) != 0 ||
        bench_samples_reserve(&s_raw, (size_t) runs) != 0)
        goto done;
    for (int i = 0; i < warmup; i++) {
        if (mlp_tact_run(&t, NULL) != 0)
            goto done;
        mlp_raw(&m);
    }
    while (s_tact.n < (size_t) runs) {
        int k = block;
        if ((size_t) k > (size_t) runs - s_tact.n)
            k = (int) ((size_t) runs - s_tact.n);
        for (int i = 0; i < k; i++) {
            int64_t t0 = bench_now_ns();
            if (mlp_tact_run(&t, NULL) != 0)
                goto done;
            s_tact.ns[s_tact.n++] = (double) (bench_now_ns() - t0);
        }
        for (int i = 0; i < k; i++) {
            int64_t t0 = bench_now_ns();
            mlp_raw(&m);
            s_raw.ns[s_raw.n++] = (double) (bench_now_ns() - t0);
        }
    }
    if (mlp_check(&t, &m, "after") != 0)
        goto done;

    bench_stats_t sr = bench_stats(&s_raw), stt = bench_stats(&s_tact);
    double vr = 1e6 / sr.median_us, vt = 1e6 / stt.median_us;
    bench_line(name_raw, "CPU", size, &sr, vr, "runs/s", NAN, NULL);
    bench_line(name_tact, "CPU", size, &stt, vt, "runs/s", vt / vr, name_raw);
    snprintf(goal, sizeof goal, "%s >= %.2f x %s (runs/s)", name_tact, target, name_raw);
    double peak = opt->quick || batch == 1 ? 0 : bench_fma_peak_gflops(openblas_get_num_threads());
    if (peak > 0) {
        /* a bound no implementation passes: every multiply-add at the cores' peak */
        double flop = 0;
        for (int l = 0; l < MLP_N_LAYERS; l++)
            flop += 2.0 * batch * mlp_in[l] * mlp_out[l];
        double raw_gflops = flop / (sr.median_us * 1e3);
        bench_note("%s: %.1f MFLOP a run; raw at %.1f GFLOP/s is %.2f of the %.1f GFLOP/s FMA peak, "
                   "so %.2f x raw needs %.2f of it, and the peak itself is %.2f x raw",
                   name_raw, flop * 1e-6, raw_gflops, raw_gflops / peak, peak, target,
                   target * raw_gflops / peak, peak / raw_gflops);
    }
    if (!opt->quick)
        bench_target(goal, vt / vr >= target);
    rc = 0;

done:
    bench_samples_free(&s_tact);
    bench_samples_free(&s_raw);
    if (!bench_close_session(&t.s))
        rc = 1;
    tact_tensor_destroy(&t.xv);
    tact_graph_destroy(&g);
    mlp_free(&m);
    return rc;
}

/* --gpu-only: the same network at batch 256 on GPU:0 (the default config places it there),
 * x fed from host memory and y fetched back on every run, as sess.run(y, {x: X}) does;
 * bench/bench_mlp_torch.py times PyTorch's eager forward the same way on the same GPU, and
 * scripts/gpu_check.sh puts the two side by side. 0, or 1 on an error. */
static int mlp_gpu(mlp_t *m, const bench_opts_t *opt)
{
    if (!bench_gpu_begin())
        return 0;
    int rc = 1, runs = opt->quick ? 3 : 2000;
    tact_status_t st = TACT_STATUS_INIT;
    tact_graph_t *g = tact_graph_new();
    mlp_tact_t t = { .st = TACT_STATUS_INIT };
    bench_samples_t s_tact = { 0 };
    if (mlp_build(g, m, &t, &st) != TACT_CODE_OK)
        bench_failed(&st, "building the graph");
    t.s = tact_session_new(NULL, g, NULL, &st);
    if (bench_failed(&st, "tact_session_new") || mlp_check(&t, m, "GPU, before") != 0 ||
        bench_on_gpu(t.s, t.y.op) != 0 || bench_samples_reserve(&s_tact, (size_t) runs) != 0)
        goto done;
    for (int i = 0; i < (opt->quick ? 1 : 50); i++) {
        if (mlp_tact_run(&t, NULL) != 0)
            goto done;
    }
    while (s_tact.n < (size_t) runs) {
        int64_t t0 = bench_now_ns();
        if (mlp_tact_run(&t, NULL) != 0)
            goto done;
        s_tact.ns[s_tact.n++] = (double) (bench_now_ns() - t0);
    }
    if (mlp_check(&t, m, "GPU, after") != 0)
        goto done;
    bench_stats_t stt = bench_stats(&s_tact);
    char size[32];
    snprintf(size, sizeof size, "%dx%d", m->batch, MLP_IN);
    bench_line("mlp_tact", "GPU", size, &stt, 1e6 / stt.median_us, "runs/s", NAN, NULL);
    rc = 0;
done:
    bench_samples_free(&s_tact);
    tact_session_destroy(&t.s);
    tact_tensor_destroy(&t.xv);
    tact_graph_destroy(&g);
    return rc;
}

int main(int argc, char **argv)
{
    bench_opts_t opt;
    int prc = bench_parse_args(argc, argv, &opt);
    if (prc != 0)
        return prc > 0 ? 0 : 2;
    bench_load_t load0 = bench_load_now();
    if (opt.gpu_only) {
        mlp_t gm;
        bench_header("bench_mlp", "GPU cases only (--gpu-only): x[256,784] -> dense 512 relu -> "
                                  "dense 512 relu -> dense 10 -> softmax, float32, on GPU:0");
        int grc = mlp_init(&gm, MLP_BATCH_GPU) != 0 ? 1 : mlp_gpu(&gm, &opt);
        mlp_free(&gm);
        bench_note_load(&load0);
        return grc;
    }
    bench_header("bench_mlp", "x[B,784] -> dense 512 relu -> dense 512 relu -> dense 10 -> "
                              "softmax, float32, B = 64 and 1; ratio = tact runs/s / raw runs/s "
                              "(higher is better)");
    bench_note("OpenBLAS %s, %d threads; alternating blocks of %d%s", openblas_get_config(),
               openblas_get_num_threads(), MLP_BLOCK,
               opt.quick ? "; --quick: figures mean nothing" : "");
    int rc = mlp_case(&opt, 64, 1.45);
    if (rc == 0)
        rc = mlp_case(&opt, 1, 1.20);
    bench_note_load(&load0);
    return rc;
}
