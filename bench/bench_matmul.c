/* SPDX-License-Identifier: MIT */
/* float32 matmul throughput through tact against OpenBLAS called directly, same process:
 *
 *     a = tf.constant(A); b = tf.constant(B); c = tf.matmul(a, b); sess.run(c)   # N x N
 *
 *   matmul_sgemm  cblas_sgemm(A, B) into an output buffer allocated once
 *   matmul_tact   tact_session_run fetching c (default executor and config), then destroying
 *                 the result: everything one run costs a caller
 *
 * Both use the same OpenBLAS with the same thread count (tact's session does not change it
 * when intra_op_parallelism_threads is 0). The two are timed alternately, run by run, so that
 * frequency or neighbour noise hits both alike. value = 2 N^3 / median time in GFLOP/s;
 * ratio = tact GFLOP/s / sgemm GFLOP/s (higher is better). Target: >= 1.05 at N = 256, 1024,
 * 2048.
 * The first tact result is compared with sgemm's.
 *
 * GPU cases (a CUDA build on a machine with a GPU), N = 1024, 4096, 8192:
 *
 *   gpu_matmul_cublas  cublasSgemm on device buffers, then cudaDeviceSynchronize
 *   gpu_matmul_tact    tact_session_run with MatMul as the target (no fetch: the result stays
 *                      on the GPU, as sess.run(c.op)); a and b are constants, which the GPU
 *                      device copies in once and keeps
 *
 * timed alternately the same way; ratio = tact GFLOP/s / cuBLAS GFLOP/s. Target: >= 0.90 at
 * N = 4096. The first tact result (fetched) is compared with cuBLAS's. */
#include "bench_gpu.h"

#include <cblas.h>
#ifdef TACT_BENCH_CUDA
#include <cublas_v2.h>
#endif

typedef struct mm_case {
    int n;
    int runs;
} mm_case_t;

static void fill_random(float *p, size_t n, bench_rng_t *rng)
{
    for (size_t i = 0; i < n; i++)
        p[i] = bench_rng_uniform(rng, -1.0f, 1.0f);
}

/* One size: 0, or -1 on an error or a wrong result. */
static int bench_size(int n, int runs, int warmup, double *ratio_out, double *sgemm_out)
{
    int rc = -1;
    size_t nn = (size_t) n * (size_t) n;
    int64_t dims[2] = { n, n };
    float *a = malloc(nn * sizeof *a), *b = malloc(nn * sizeof *b), *c = malloc(nn * sizeof *c);
    tact_status_t st = TACT_STATUS_INIT;
    tact_graph_t *g = tact_graph_new();
    tact_tensor_t *ta = NULL, *tb = NULL, *out = NULL;
    tact_session_t *s = NULL;
    bench_samples_t t_tact = { 0 }, t_blas = { 0 };
    if (a == NULL || b == NULL || c == NULL) {
        fprintf(stderr, "bench: out of memory for N = %d\n", n);
        goto done;
    }
    bench_rng_t rng = { 0x7ac7u + (uint64_t) n };
    fill_random(a, nn, &rng);
    fill_random(b, nn, &rng);
    ta = tact_tensor_new(TACT_DTYPE_F32, dims, 2, a, &st);
    tb = tact_tensor_new(TACT_DTYPE_F32, dims, 2, b, &st);
    tact_output_t ca = tact_constant(g, ta, "a", &st);
    tact_output_t cb = tact_constant(g, tb, "b", &st);
    tact_output_t mm = tact_matmul(g, ca, cb, false, false, NULL, &st);
    tact_config_t cpu = bench_cpu_config();
    s = tact_session_new(NULL, g, &cpu, &st);
    if (bench_failed(&st, "building the graph and session"))
        goto done;
    if (bench_samples_reserve(&t_tact, (size_t) runs) != 0 ||
        bench_samples_reserve(&t_blas, (size_t) runs) != 0)
        goto done;

    /* Check tact against sgemm once; the same library and threads give (near) equal bits. */
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, n, n, n, 1.0f, a, n, b, n, 0.0f, c, n);
    if (tact_session_run(s, &mm, 1, &out, NULL, 0, NULL, 0, &st) != TACT_CODE_OK) {
        bench_failed(&st, "tact_session_run");
        goto done;
    }
    if (tact_tensor_dtype(out) != TACT_DTYPE_F32 || tact_tensor_ndims(out) != 2 ||
        tact_tensor_dim(out, 0) != n || tact_tensor_dim(out, 1) != n) {
        fprintf(stderr, "bench: matmul N = %d: result has the wrong dtype or shape\n", n);
        goto done;
    }
    const float *got = tact_tensor_data(out);
    double max_diff = 0, max_abs = 0;
    for (size_t i = 0; i < nn; i++) {
        max_diff = fmax(max_diff, fabs((double) got[i] - (double) c[i]));
        max_abs = fmax(max_abs, fabs((double) c[i]));
    }
    tact_tensor_destroy(&out);
    if (!(max_diff <= 1e-5 * fmax(max_abs, 1.0))) {
        fprintf(stderr, "bench: matmul N = %d: tact differs from sgemm by %g (max |c| %g)\n", n,
                max_diff, max_abs);
        goto done;
    }

    for (int r = -warmup; r < runs; r++) {
        int64_t t0 = bench_now_ns();
        if (tact_session_run(s, &mm, 1, &out, NULL, 0, NULL, 0, &st) != TACT_CODE_OK) {
            bench_failed(&st, "tact_session_run");
            goto done;
        }
        tact_tensor_destroy(&out);
        int64_t t1 = bench_now_ns();
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, n, n, n, 1.0f, a, n, b, n, 0.0f,
                    c, n);
        int64_t t2 = bench_now_ns();
        if (r >= 0) {
            t_tact.ns[t_tact.n++] = (double) (t1 - t0);
            t_blas.ns[t_blas.n++] = (double) (t2 - t1);
        }
    }

    char size[32];
    snprintf(size, sizeof size, "%dx%d", n, n);
    double flop = 2.0 * (double) n * (double) n * (double) n;
    bench_stats_t sb = bench_stats(&t_blas), stt = bench_stats(&t_tact);
    double gb = flop / (sb.median_us * 1e3), gt = flop / (stt.median_us * 1e3);
    bench_line("matmul_sgemm", "CPU", size, &sb, gb, "GFLOP/s", NAN, NULL);
    bench_line("matmul_tact", "CPU", size, &stt, gt, "GFLOP/s", gt / gb, "matmul_sgemm");
    *ratio_out = gt / gb;
    *sgemm_out = gb;
    rc = 0;

done:
    bench_samples_free(&t_tact);
    bench_samples_free(&t_blas);
    tact_tensor_destroy(&out);
    if (!bench_close_session(&s))
        rc = -1;
    tact_tensor_destroy(&ta);
    tact_tensor_destroy(&tb);
    tact_graph_destroy(&g);
    free(a);
    free(b);
    free(c);
    return rc;
}

#ifdef TACT_BENCH_CUDA
/* One GPU size: 0, or -1 on an error or a wrong result. */
static int gpu_size(int n, int runs, int warmup, double *ratio_out)
{
    int rc = -1;
    size_t nn = (size_t) n * (size_t) n, bytes = nn * sizeof(float);
    int64_t dims[2] = { n, n };
    float *a = malloc(bytes), *b = malloc(bytes), *c = malloc(bytes);
    float *da = NULL, *db = NULL, *dc = NULL;
    cublasHandle_t h = NULL;
    tact_status_t st = TACT_STATUS_INIT;
    tact_graph_t *g = tact_graph_new();
    tact_tensor_t *ta = NULL, *tb = NULL, *out = NULL;
    tact_session_t *s = NULL;
    bench_samples_t t_tact = { 0 }, t_blas = { 0 };
    if (a == NULL || b == NULL || c == NULL) {
        fprintf(stderr, "bench: out of memory for N = %d\n", n);
        goto done;
    }
    bench_rng_t rng = { 0x9b0u + (uint64_t) n };
    fill_random(a, nn, &rng);
    fill_random(b, nn, &rng);
    if (bench_cuda_failed(cudaMalloc((void **) &da, bytes), "cudaMalloc") ||
        bench_cuda_failed(cudaMalloc((void **) &db, bytes), "cudaMalloc") ||
        bench_cuda_failed(cudaMalloc((void **) &dc, bytes), "cudaMalloc") ||
        bench_cuda_failed(cudaMemcpy(da, a, bytes, cudaMemcpyHostToDevice), "cudaMemcpy") ||
        bench_cuda_failed(cudaMemcpy(db, b, bytes, cudaMemcpyHostToDevice), "cudaMemcpy"))
        goto done;
    if (cublasCreate(&h) != CUBLAS_STATUS_SUCCESS) {
        fprintf(stderr, "bench: cublasCreate failed\n");
        goto done;
    }
    ta = tact_tensor_new(TACT_DTYPE_F32, dims, 2, a, &st);
    tb = tact_tensor_new(TACT_DTYPE_F32, dims, 2, b, &st);
    tact_output_t mm = tact_matmul(g, tact_constant(g, ta, "a", &st),
                                   tact_constant(g, tb, "b", &st), false, false, NULL, &st);
    s = tact_session_new(NULL, g, NULL, &st);  /* the default config: GPU:0 first */
    if (bench_failed(&st, "building the GPU graph and session") ||
        bench_samples_reserve(&t_tact, (size_t) runs) != 0 ||
        bench_samples_reserve(&t_blas, (size_t) runs) != 0)
        goto done;

    /* Row-major C = A B is column-major C^T = B^T A^T: the same call tact's backend makes. */
    const float one = 1.0f, zero = 0.0f;
    if (cublasSgemm(h, CUBLAS_OP_N, CUBLAS_OP_N, n, n, n, &one, db, n, da, n, &zero, dc, n) !=
            CUBLAS_STATUS_SUCCESS ||
        bench_cuda_failed(cudaMemcpy(c, dc, bytes, cudaMemcpyDeviceToHost), "cudaMemcpy"))
        goto done;
    if (tact_session_run(s, &mm, 1, &out, NULL, 0, NULL, 0, &st) != TACT_CODE_OK) {
        bench_failed(&st, "tact_session_run");
        goto done;
    }
    if (bench_on_gpu(s, mm.op) != 0)
        goto done;
    const float *got = tact_tensor_data(out);
    double max_diff = 0, max_abs = 0;
    for (size_t i = 0; i < nn; i++) {
        max_diff = fmax(max_diff, fabs((double) got[i] - (double) c[i]));
        max_abs = fmax(max_abs, fabs((double) c[i]));
    }
    tact_tensor_destroy(&out);
    if (!(max_diff <= 1e-4 * fmax(max_abs, 1.0))) {
        fprintf(stderr, "bench: GPU matmul N = %d: tact differs from cuBLAS by %g\n", n,
                max_diff);
        goto done;
    }

    tact_op_t *target = mm.op;
    for (int r = -warmup; r < runs; r++) {
        int64_t t0 = bench_now_ns();
        if (tact_session_run(s, NULL, 0, NULL, NULL, 0, &target, 1, &st) != TACT_CODE_OK) {
            bench_failed(&st, "tact_session_run");
            goto done;
        }
        int64_t t1 = bench_now_ns();
        if (cublasSgemm(h, CUBLAS_OP_N, CUBLAS_OP_N, n, n, n, &one, db, n, da, n, &zero, dc,
                        n) != CUBLAS_STATUS_SUCCESS ||
            bench_cuda_failed(cudaDeviceSynchronize(), "cudaDeviceSynchronize"))
            goto done;
        int64_t t2 = bench_now_ns();
        if (r >= 0) {
            t_tact.ns[t_tact.n++] = (double) (t1 - t0);
            t_blas.ns[t_blas.n++] = (double) (t2 - t1);
        }
    }
    char size[32];
    snprintf(size, sizeof size, "%dx%d", n, n);
    double flop = 2.0 * (double) n * (double) n * (double) n;
    bench_stats_t sb = bench_stats(&t_blas), stt = bench_stats(&t_tact);
    double gb = flop / (sb.median_us * 1e3), gt = flop / (stt.median_us * 1e3);
    bench_line("gpu_matmul_cublas", "GPU", size, &sb, gb, "GFLOP/s", NAN, NULL);
    bench_line("gpu_matmul_tact", "GPU", size, &stt, gt, "GFLOP/s", gt / gb,
               "gpu_matmul_cublas");
    *ratio_out = gt / gb;
    rc = 0;

done:
    bench_samples_free(&t_tact);
    bench_samples_free(&t_blas);
    tact_tensor_destroy(&out);
    tact_session_destroy(&s);
    tact_tensor_destroy(&ta);
    tact_tensor_destroy(&tb);
    tact_graph_destroy(&g);
    if (h != NULL)
        cublasDestroy(h);
    cudaFree(da);
    cudaFree(db);
    cudaFree(dc);
    free(a);
    free(b);
    free(c);
    return rc;
}
#endif

/* The GPU sizes, when the GPU cases run: 0, or 1 on an error. */
static int gpu_cases(bool quick)
{
    if (!bench_gpu_begin())
        return 0;
#ifdef TACT_BENCH_CUDA
    static const mm_case_t full[] = { { 1024, 100 }, { 4096, 20 }, { 8192, 6 } };
    static const mm_case_t small[] = { { 64, 3 } };
    double ratio[3] = { 0 };
    for (int i = 0; i < (quick ? 1 : 3); i++) {
        const mm_case_t *mc = quick ? &small[i] : &full[i];
        if (gpu_size(mc->n, mc->runs, quick ? 1 : 3, &ratio[i]) != 0)
            return 1;
    }
    if (!quick) {
        bench_target("gpu_matmul_tact >= 0.90 x gpu_matmul_cublas at N = 4096", ratio[1] >= 0.90);
        bench_target("gpu_matmul_tact >= 0.90 x gpu_matmul_cublas at N = 8192", ratio[2] >= 0.90);
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
        bench_header("bench_matmul", "GPU cases only (--gpu-only)");
        int grc = gpu_cases(opt.quick);
        bench_note_load(&load0);
        return grc == 0 ? 0 : 1;
    }

    static const mm_case_t full[] = { { 256, 400 }, { 1024, 60 }, { 2048, 16 } };
    static const mm_case_t quick[] = { { 64, 3 }, { 128, 3 } };
    const mm_case_t *cases = opt.quick ? quick : full;
    int n_cases = opt.quick ? 2 : 3;

    bench_header("bench_matmul", "float32 C = A B; ratio = tact GFLOP/s / sgemm GFLOP/s "
                                 "(higher is better)");
    bench_note("OpenBLAS %s, %d threads; tact and sgemm timed alternately%s",
               openblas_get_config(), openblas_get_num_threads(),
               opt.quick ? "; --quick: figures mean nothing" : "");
    double ratio[3] = { 0 }, sgemm_gflops[3] = { 0 };
    for (int i = 0; i < n_cases; i++) {
        int warmup = cases[i].n >= 2048 ? 2 : 5;
        if (opt.quick)
            warmup = 1;
        if (bench_size(cases[i].n, cases[i].runs, warmup, &ratio[i], &sgemm_gflops[i]) != 0)
            return 1;
    }
    double peak = opt.quick ? 0 : bench_fma_peak_gflops(openblas_get_num_threads());
    if (peak > 0) {
        bench_note("float32 FMA peak of %d threads (registers only): %.1f GFLOP/s; sgemm "
                   "reaches %.2f / %.2f / %.2f of it, so 1.05 x sgemm needs %.2f / %.2f / %.2f",
                   openblas_get_num_threads(), peak, sgemm_gflops[0] / peak,
                   sgemm_gflops[1] / peak, sgemm_gflops[2] / peak, 1.05 * sgemm_gflops[0] / peak,
                   1.05 * sgemm_gflops[1] / peak, 1.05 * sgemm_gflops[2] / peak);
    }
    if (!opt.quick) {
        /* The CPU performance issue's targets: ahead of raw sgemm, not only level with it. */
        bench_target("matmul_tact >= 1.05 x matmul_sgemm at N = 256", ratio[0] >= 1.05);
        bench_target("matmul_tact >= 1.05 x matmul_sgemm at N = 1024", ratio[1] >= 1.05);
        bench_target("matmul_tact >= 1.05 x matmul_sgemm at N = 2048", ratio[2] >= 1.05);
    }
    if (gpu_cases(opt.quick) != 0)
        return 1;
    bench_note_load(&load0);
    return 0;
}
