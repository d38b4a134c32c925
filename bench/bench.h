/* SPDX-License-Identifier: MIT */
/* Shared helpers of the benchmarks: a monotonic clock, warm-up, per-iteration samples with
 * their median and p99, `--quick` parsing and the one-line-per-case output.
 *
 * Output. Every case prints exactly one line, whitespace-separated, fixed columns, so two runs
 * can be compared with `diff` or `column -t`; lines starting with '#' are comments (the header,
 * the machine, targets met or missed):
 *
 *     # name                     device size         iters    median_us       p99_us          value unit       ratio baseline
 *     run_auto                   CPU    scalar      100000       1.2345       2.3456      810045.00 runs/s     0.079 zmq_roundtrip
 *
 *   name       the case, [a-z0-9_], unique within the program
 *   device     where it ran ("CPU")
 *   size       the problem size, no spaces ("scalar", "1024x1024", "64x784")
 *   iters      number of samples behind median_us and p99_us (for batched samples, each is
 *              the mean of a batch; see bench_collect)
 *   median_us  median of the per-iteration times, microseconds
 *   p99_us     99th percentile (nearest rank) of the same samples, microseconds
 *   value      the case's figure of merit in `unit`, computed from the median
 *              (runs/s, calls/s, GFLOP/s)
 *   unit       the unit of value, no spaces
 *   ratio      this case against `baseline`, measured in the same process: for latency cases
 *              median / baseline median (lower is better), for throughput cases value /
 *              baseline value (higher is better); each program's header says which.
 *              "-" on the baseline rows themselves.
 *   baseline   the name of the case the ratio is taken against, or "-"
 *
 * A program exits 0 when every case ran and every result was right, whether or not a target
 * was met (targets are reported on '#' lines); it exits 1 on any tact error or wrong result and
 * 2 on bad arguments. `--quick` shrinks every iteration count so that ctest only checks that
 * the benchmarks build and run; its figures mean nothing. */
#ifndef TACT_BENCH_H
#define TACT_BENCH_H

#ifndef _GNU_SOURCE
#define _GNU_SOURCE  /* clock_gettime, sysconf, pthread extras */
#endif

#include <math.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include <tact/tact.h>

/* ------------------------------------------------------------------------------------------ */
/* Arguments                                                                                  */
/* ------------------------------------------------------------------------------------------ */

typedef struct bench_opts {
    bool quick;     /* --quick: tiny iteration counts, for ctest */
    bool gpu_only;  /* --gpu-only: only the GPU cases (scripts/gpu_check.sh's time is short) */
} bench_opts_t;

/* Parse argv: `--quick` and `--help`. Returns 0 to go on, 1 after --help (exit 0), -1 on a bad
 * argument (exit 2); both print what they have to say. */
static inline int bench_parse_args(int argc, char **argv, bench_opts_t *o)
{
    memset(o, 0, sizeof *o);
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--quick") == 0) {
            o->quick = true;
        } else if (strcmp(argv[i], "--gpu-only") == 0) {
            o->gpu_only = true;
        } else if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
            printf("usage: %s [--quick] [--gpu-only]\n  --quick     tiny iteration counts "
                   "(ctest: checks that the benchmark runs; the figures mean nothing)\n"
                   "  --gpu-only  only the GPU cases (none without CUDA or a GPU)\n", argv[0]);
            return 1;
        } else {
            fprintf(stderr, "%s: unknown argument '%s' (try --help)\n", argv[0], argv[i]);
            return -1;
        }
    }
    return 0;
}

/* ------------------------------------------------------------------------------------------ */
/* Clock                                                                                      */
/* ------------------------------------------------------------------------------------------ */

/* Monotonic nanoseconds (CLOCK_MONOTONIC; vDSO, a few tens of ns per call). */
static inline int64_t bench_now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t) ts.tv_sec * 1000000000 + ts.tv_nsec;
}

/* ------------------------------------------------------------------------------------------ */
/* Samples and their statistics                                                               */
/* ------------------------------------------------------------------------------------------ */

/* A growable array of per-iteration times in nanoseconds. Zero-initialise. */
typedef struct bench_samples {
    double *ns;
    size_t n, cap;
} bench_samples_t;

/* Make room for `cap` samples up front (so that adding them does not allocate). 0 or -1
 * (out of memory, message printed). */
static inline int bench_samples_reserve(bench_samples_t *s, size_t cap)
{
    if (cap <= s->cap)
        return 0;
    double *p = realloc(s->ns, cap * sizeof *p);
    if (p == NULL) {
        fprintf(stderr, "bench: out of memory for %zu samples\n", cap);
        return -1;
    }
    s->ns = p;
    s->cap = cap;
    return 0;
}

static inline int bench_samples_add(bench_samples_t *s, double ns)
{
    if (s->n == s->cap && bench_samples_reserve(s, s->cap ? 2 * s->cap : 1024) != 0)
        return -1;
    s->ns[s->n++] = ns;
    return 0;
}

/* Append every sample of `from` to `to`. 0 or -1. */
static inline int bench_samples_append(bench_samples_t *to, const bench_samples_t *from)
{
    if (bench_samples_reserve(to, to->n + from->n) != 0)
        return -1;
    if (from->n > 0)
        memcpy(to->ns + to->n, from->ns, from->n * sizeof *from->ns);
    to->n += from->n;
    return 0;
}

static inline void bench_samples_free(bench_samples_t *s)
{
    free(s->ns);
    memset(s, 0, sizeof *s);
}

typedef struct bench_stats {
    size_t n;          /* samples */
    double median_us;  /* median; the mean of the middle two for an even count */
    double p99_us;     /* 99th percentile, nearest rank */
    double min_us, mean_us;
} bench_stats_t;

static inline int bench_cmp_double(const void *a, const void *b)
{
    double x = *(const double *) a, y = *(const double *) b;
    return (x > y) - (x < y);
}

/* Median, p99, min and mean of the samples (sorts them in place). All zero for no samples. */
static inline bench_stats_t bench_stats(bench_samples_t *s)
{
    bench_stats_t r = { 0 };
    if (s->n == 0)
        return r;
    qsort(s->ns, s->n, sizeof *s->ns, bench_cmp_double);
    double sum = 0;
    for (size_t i = 0; i < s->n; i++)
        sum += s->ns[i];
    size_t n = s->n;
    r.n = n;
    r.median_us = (n % 2 ? s->ns[n / 2] : 0.5 * (s->ns[n / 2 - 1] + s->ns[n / 2])) / 1e3;
    size_t rank = (size_t) ceil(0.99 * (double) n);  /* nearest rank, 1-based */
    r.p99_us = s->ns[(rank > 0 ? rank : 1) - 1] / 1e3;
    r.min_us = s->ns[0] / 1e3;
    r.mean_us = sum / (double) n / 1e3;
    return r;
}

/* ------------------------------------------------------------------------------------------ */
/* Measuring                                                                                  */
/* ------------------------------------------------------------------------------------------ */

/* One iteration of a case: 0 when it ran and its result was right, anything else stops the
 * benchmark (the function prints why). */
typedef int (*bench_fn_t)(void *ctx);

/* Run `fn` `iters` times, untimed (caches, plan cache, allocator, thread wake-ups). */
static inline int bench_warmup(bench_fn_t fn, void *ctx, int iters)
{
    for (int i = 0; i < iters; i++) {
        if (fn(ctx) != 0)
            return -1;
    }
    return 0;
}

/* Append `samples` timings of `fn` to `s`. Each sample times `batch` back-to-back calls and
 * records their mean, so that calls far shorter than the clock's own cost (a direct C call)
 * can be measured; use batch 1 for anything of a microsecond or more. 0 or -1. */
static inline int bench_collect(bench_fn_t fn, void *ctx, int samples, int batch,
                                bench_samples_t *s)
{
    if (bench_samples_reserve(s, s->n + (size_t) samples) != 0)
        return -1;
    for (int i = 0; i < samples; i++) {
        int64_t t0 = bench_now_ns();
        for (int j = 0; j < batch; j++) {
            if (fn(ctx) != 0)
                return -1;
        }
        int64_t t1 = bench_now_ns();
        s->ns[s->n++] = (double) (t1 - t0) / batch;
    }
    return 0;
}

/* ------------------------------------------------------------------------------------------ */
/* Output                                                                                     */
/* ------------------------------------------------------------------------------------------ */

/* The column header (a '#' line), after a '#' line naming the program and what it measures. */
static inline void bench_header(const char *program, const char *what)
{
    printf("# %s: %s\n", program, what);
    printf("# %-24s %-6s %-11s %8s %12s %12s %14s %-8s %7s %s\n", "name", "device", "size",
           "iters", "median_us", "p99_us", "value", "unit", "ratio", "baseline");
    fflush(stdout);
}

/* One case. `ratio` NAN (or `baseline` NULL) prints "-" in both last columns. */
static inline void bench_line(const char *name, const char *device, const char *size,
                              const bench_stats_t *st, double value, const char *unit,
                              double ratio, const char *baseline)
{
    char ratio_text[32] = "-";
    if (baseline != NULL && !isnan(ratio))
        snprintf(ratio_text, sizeof ratio_text, "%.3f", ratio);
    else
        baseline = "-";
    printf("  %-24s %-6s %-11s %8zu %12.4f %12.4f %14.2f %-8s %7s %s\n", name, device, size,
           st->n, st->median_us, st->p99_us, value, unit, ratio_text, baseline);
    fflush(stdout);
}

/* A '#' comment line, printf-style. */
#define bench_note(...)              \
    do {                             \
        fputs("# ", stdout);         \
        printf(__VA_ARGS__);         \
        fputc('\n', stdout);         \
        fflush(stdout);              \
    } while (0)

/* Report a target on a '#' line: "target: <what>: met|MISSED". */
static inline void bench_target(const char *what, bool met)
{
    bench_note("target: %s: %s", what, met ? "met" : "MISSED");
}

/* ------------------------------------------------------------------------------------------ */
/* Machine load: did anything else run while we measured?                                    */
/* ------------------------------------------------------------------------------------------ */

/* CPU time used by the whole machine (/proc/stat, steal included) and by this process. */
typedef struct bench_load {
    int64_t t_ns;
    double machine_s;  /* busy seconds of every CPU together; < 0 when /proc/stat is missing */
    double self_s;     /* user + system seconds of this process */
} bench_load_t;

static inline bench_load_t bench_load_now(void)
{
    bench_load_t l = { bench_now_ns(), -1.0, 0.0 };
    struct rusage ru;
    if (getrusage(RUSAGE_SELF, &ru) == 0)
        l.self_s = (double) ru.ru_utime.tv_sec + (double) ru.ru_utime.tv_usec / 1e6 +
                   (double) ru.ru_stime.tv_sec + (double) ru.ru_stime.tv_usec / 1e6;
    FILE *f = fopen("/proc/stat", "r");
    if (f == NULL)
        return l;
    unsigned long long user, nice, sys, idle, iowait, irq, softirq, steal;
    if (fscanf(f, "cpu %llu %llu %llu %llu %llu %llu %llu %llu", &user, &nice, &sys, &idle,
               &iowait, &irq, &softirq, &steal) == 8)
        l.machine_s = (double) (user + nice + sys + irq + softirq + steal) /
                      (double) sysconf(_SC_CLK_TCK);
    fclose(f);
    return l;
}

/* A '#' line saying how many CPUs other processes (and the hypervisor's steal) kept busy on
 * average since `start`: anything well above 0 means the figures are disturbed. */
static inline void bench_note_load(const bench_load_t *start)
{
    bench_load_t end = bench_load_now();
    double wall = (double) (end.t_ns - start->t_ns) / 1e9;
    if (start->machine_s < 0 || end.machine_s < 0 || wall <= 0) {
        bench_note("machine: load unknown (no /proc/stat)");
        return;
    }
    double others = ((end.machine_s - start->machine_s) - (end.self_s - start->self_s)) / wall;
    if (wall < 1.0) {  /* /proc/stat counts in clock ticks: too coarse for a short run */
        bench_note("machine: %ld online CPUs; run too short (%.2f s) to tell other load",
                   sysconf(_SC_NPROCESSORS_ONLN), wall);
        return;
    }
    bench_note("machine: %ld online CPUs; other processes kept %.2f CPUs busy on average during "
               "these %.1f s%s", sysconf(_SC_NPROCESSORS_ONLN), others > 0 ? others : 0.0, wall,
               others > 0.2 ? " (DISTURBED: figures less reliable)" : "");
}

/* ------------------------------------------------------------------------------------------ */
/* Errors                                                                                     */
/* ------------------------------------------------------------------------------------------ */

/* The config of the CPU cases: no GPU device even in a CUDA build on a GPU machine, where the
 * placer would otherwise put the ops on GPU:0 (the GPU cases say so in their own configs). */
static inline tact_config_t bench_cpu_config(void)
{
    tact_config_t c = { .device_count.gpu = TACT_DEVICE_COUNT_NONE };
    return c;
}

/* True (after printing it) when `st` holds an error. */
static inline bool bench_failed(const tact_status_t *st, const char *what)
{
    if (st->code == TACT_CODE_OK)
        return false;
    fprintf(stderr, "bench: %s: %s: %s\n", what, tact_code_name(st->code), st->msg);
    return true;
}

/* Close (reporting a failure) and destroy a session; NULL does nothing. false when closing
 * reported an error. */
static inline bool bench_close_session(tact_session_t **s)
{
    bool ok = true;
    if (*s != NULL) {
        tact_status_t cst = TACT_STATUS_INIT;
        ok = tact_session_close(*s, &cst) == TACT_CODE_OK;
        if (!ok)
            bench_failed(&cst, "tact_session_close");
    }
    tact_session_destroy(s);
    return ok;
}

/* One run of bench_run's graph (c = 5 * 6) with its check: 0, or -1 after printing why. */
static inline int bench_run_mul(tact_session_t *s, tact_output_t c, tact_status_t *st)
{
    tact_tensor_t *out = NULL;
    if (tact_session_run(s, &c, 1, &out, NULL, 0, NULL, 0, st) != TACT_CODE_OK) {
        bench_failed(st, "tact_session_run");
        return -1;
    }
    float v = *(const float *) tact_tensor_data(out);
    tact_tensor_destroy(&out);
    if (v != 30.0f) {
        fprintf(stderr, "bench: tact_session_run: c = %g, expected 30\n", (double) v);
        return -1;
    }
    return 0;
}

/* A deterministic generator (splitmix64) for fixed-seed data. */
typedef struct bench_rng {
    uint64_t s;
} bench_rng_t;

static inline uint64_t bench_rng_next(bench_rng_t *r)
{
    uint64_t z = (r->s += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

/* Uniform in [lo, hi). */
static inline float bench_rng_uniform(bench_rng_t *r, float lo, float hi)
{
    return lo + (hi - lo) * (float) ((double) (bench_rng_next(r) >> 40) / (double) (1u << 24));
}

/* The cores' float32 FMA peak: each of `threads` threads runs 12 independent chains of
 * vector multiply-adds on registers, nothing from memory; GFLOP/s over all of them. No GEMM
 * can beat it, so it bounds what "ahead of sgemm" can mean on a machine: sgemm at 0.95 of
 * it leaves 1.05 x out of reach. x86 (AVX2+FMA or AVX-512) only; 0 elsewhere. */
#if defined(__x86_64__)
#include <immintrin.h>
#include <pthread.h>
#define BENCH_PEAK_CHAINS 12
#define BENCH_PEAK_ITERS 20000000L

__attribute__((target("avx2,fma"))) static inline float bench_peak_avx2(float seed)
{
    __m256 acc[BENCH_PEAK_CHAINS], m = _mm256_set1_ps(0.999999f), add = _mm256_set1_ps(1e-7f);
    for (int c = 0; c < BENCH_PEAK_CHAINS; c++)
        acc[c] = _mm256_set1_ps(seed + (float) c);
    for (long i = 0; i < BENCH_PEAK_ITERS; i++) {
        for (int c = 0; c < BENCH_PEAK_CHAINS; c++)
            acc[c] = _mm256_fmadd_ps(acc[c], m, add);
    }
    float out[8], sum = 0;
    for (int c = 0; c < BENCH_PEAK_CHAINS; c++) {
        _mm256_storeu_ps(out, acc[c]);
        sum += out[0];
    }
    return sum;
}

__attribute__((target("avx512f"))) static inline float bench_peak_avx512(float seed)
{
    __m512 acc[BENCH_PEAK_CHAINS], m = _mm512_set1_ps(0.999999f), add = _mm512_set1_ps(1e-7f);
    for (int c = 0; c < BENCH_PEAK_CHAINS; c++)
        acc[c] = _mm512_set1_ps(seed + (float) c);
    for (long i = 0; i < BENCH_PEAK_ITERS; i++) {
        for (int c = 0; c < BENCH_PEAK_CHAINS; c++)
            acc[c] = _mm512_fmadd_ps(acc[c], m, add);
    }
    float sum = 0;
    for (int c = 0; c < BENCH_PEAK_CHAINS; c++)
        sum += _mm512_reduce_add_ps(acc[c]);
    return sum;
}

static inline int bench_peak_width(void)
{
    __builtin_cpu_init();
    return __builtin_cpu_supports("avx512f") ? 16
           : __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma") ? 8
                                                                              : 0;
}

static inline void *bench_peak_thread(void *arg)
{
    float *sink = arg;
    *sink = bench_peak_width() == 16 ? bench_peak_avx512(*sink) : bench_peak_avx2(*sink);
    return NULL;
}

/* GFLOP/s of `threads` threads at once, or 0 where not measured. */
static inline double bench_fma_peak_gflops(int threads)
{
    int width = bench_peak_width();
    if (width == 0 || threads < 1 || threads > 64)
        return 0;
    pthread_t th[64];
    float sink[64];
    int64_t t0 = bench_now_ns();
    for (int i = 0; i < threads; i++) {
        sink[i] = (float) i;
        if (pthread_create(&th[i], NULL, bench_peak_thread, &sink[i]) != 0)
            return 0;
    }
    for (int i = 0; i < threads; i++)
        pthread_join(th[i], NULL);
    double s = (double) (bench_now_ns() - t0) * 1e-9;
    return 2.0 * width * BENCH_PEAK_CHAINS * (double) BENCH_PEAK_ITERS * threads / s * 1e-9;
}
#else
static inline double bench_fma_peak_gflops(int threads)
{
    (void) threads;
    return 0;
}
#endif


#endif
