/* SPDX-License-Identifier: MIT */
/* Throughput of ONE session (default executor, TACT_EXECUTOR_AUTO) run from 1, 2 and 4 client
 * threads at once, on bench_run's graph:
 *
 *     a = tf.constant(5.0); b = tf.constant(6.0); c = a * b; sess.run(c)    # 30.0
 *
 * Each thread count runs for a fixed time; every thread loops on tact_session_run (fetch c,
 * check it is 30, destroy it), timing each run. value = total runs/s over all threads;
 * median_us and p99_us are the per-run latencies of all threads pooled; ratio = runs/s /
 * runs/s of 1 thread (higher is better). Target: 2 threads >= 1.8.
 *
 * Two references, run the same way with no tact and nothing shared between threads, say how
 * far the machine itself scales (a "2 vCPU" VM may be two hyper-threads of one core):
 *
 *   ref_fpu     8 independent float multiply chains (~0.3 us): bound by the core's FP ports
 *   ref_malloc  posix_memalign(64) + malloc + two frees, as one run allocates and frees a
 *               result tensor (glibc gives each thread its own arena: nothing is shared) */
#include "bench.h"

#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <unistd.h>

#define CONC_MAX_THREADS 4

typedef struct conc_thread conc_thread_t;

typedef struct conc_shared {
    int (*once)(conc_thread_t *t);  /* one iteration of the case being measured */
    tact_session_t *s;
    tact_output_t c;
    atomic_int ready;  /* clients done warming up */
    atomic_bool go;    /* every client starts timing at once */
    atomic_bool stop;
    atomic_bool failed;
} conc_shared_t;

struct conc_thread {
    conc_shared_t *sh;
    pthread_t tid;
    bench_samples_t samples;
    tact_status_t st;
    float fpu_want;     /* ref_fpu's result, the same every time */
};

static int conc_run_once(conc_thread_t *t)
{
    tact_tensor_t *out = NULL;
    if (tact_session_run(t->sh->s, &t->sh->c, 1, &out, NULL, 0, NULL, 0, &t->st) !=
        TACT_CODE_OK) {
        bench_failed(&t->st, "tact_session_run");
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

/* ref_fpu: eight independent multiply chains of 250 steps; checked against the first result. */
static int conc_ref_fpu(conc_thread_t *t)
{
    static volatile float seed = 1.0f;
    float x[8];
    for (int k = 0; k < 8; k++)
        x[k] = seed + (float) k * 0.125f;
    for (int i = 0; i < 250; i++) {
        for (int k = 0; k < 8; k++)
            x[k] *= 1.0000001f;
    }
    float sum = 0.0f;
    for (int k = 0; k < 8; k++)
        sum += x[k];
    if (t->fpu_want == 0.0f)
        t->fpu_want = sum;
    if (sum != t->fpu_want) {
        fprintf(stderr, "bench: ref_fpu: %g != %g\n", (double) sum, (double) t->fpu_want);
        return -1;
    }
    return 0;
}

/* ref_malloc: the allocations of one run's result tensor (a struct and 64-byte-aligned data). */
static int conc_ref_malloc(conc_thread_t *t)
{
    (void) t;
    void *data = NULL;
    void *hdr = malloc(96);
    if (hdr == NULL || posix_memalign(&data, 64, 4) != 0) {
        free(hdr);
        fprintf(stderr, "bench: ref_malloc: out of memory\n");
        return -1;
    }
    *(volatile char *) hdr = 1;
    *(volatile float *) data = 30.0f;
    free(data);
    free(hdr);
    return 0;
}

static void *conc_main(void *arg)
{
    conc_thread_t *t = arg;
    conc_shared_t *sh = t->sh;
    for (int i = 0; i < 100; i++) {  /* warm this thread's caches and allocator arena */
        if (sh->once(t) != 0) {
            atomic_store(&sh->failed, true);
            break;
        }
    }
    atomic_fetch_add(&sh->ready, 1);
    while (!atomic_load(&sh->go) && !atomic_load(&sh->failed))
        sched_yield();
    while (!atomic_load_explicit(&sh->stop, memory_order_relaxed) &&
           !atomic_load_explicit(&sh->failed, memory_order_relaxed)) {
        int64_t t0 = bench_now_ns();
        if (sh->once(t) != 0) {
            atomic_store(&sh->failed, true);
            break;
        }
        int64_t t1 = bench_now_ns();
        if (bench_samples_add(&t->samples, (double) (t1 - t0)) != 0) {
            atomic_store(&sh->failed, true);
            break;
        }
    }
    return NULL;
}

/* Run `n` threads for `seconds`; fills the pooled samples and the total runs/s. 0 or -1. */
static int conc_measure(conc_shared_t *sh, int n, double seconds, bench_samples_t *pooled,
                        double *runs_per_s)
{
    conc_thread_t th[CONC_MAX_THREADS];
    memset(th, 0, sizeof th);
    atomic_store(&sh->ready, 0);
    atomic_store(&sh->go, false);
    atomic_store(&sh->stop, false);
    int started = 0, rc = 0;
    for (int i = 0; i < n; i++) {
        th[i].sh = sh;
        th[i].st = (tact_status_t) TACT_STATUS_INIT;
        /* Room for ~2 us runs for the whole time, so the loop rarely reallocates. */
        if (bench_samples_reserve(&th[i].samples, (size_t) (seconds * 5e5) + 1024) != 0 ||
            pthread_create(&th[i].tid, NULL, conc_main, &th[i]) != 0) {
            fprintf(stderr, "bench: cannot start client thread %d\n", i);
            rc = -1;
            break;
        }
        started++;
    }
    if (rc != 0)
        atomic_store(&sh->failed, true);  /* the started threads stop at once */
    while (atomic_load(&sh->ready) < started && !atomic_load(&sh->failed))
        sched_yield();
    atomic_store(&sh->go, true);
    int64_t t0 = bench_now_ns();
    struct timespec ts = { (time_t) seconds,
                           (long) ((seconds - (double) (time_t) seconds) * 1e9) };
    while (rc == 0 && nanosleep(&ts, &ts) != 0) {
    }
    atomic_store(&sh->stop, true);
    size_t runs = 0;
    for (int i = 0; i < started; i++) {
        pthread_join(th[i].tid, NULL);
        runs += th[i].samples.n;
    }
    int64_t t1 = bench_now_ns();
    for (int i = 0; i < n; i++) {  /* th[started], if any, may hold a reservation */
        if (rc == 0 && i < started && bench_samples_append(pooled, &th[i].samples) != 0)
            rc = -1;
        bench_samples_free(&th[i].samples);
    }
    if (atomic_load(&sh->failed))
        rc = -1;
    *runs_per_s = (double) runs / ((double) (t1 - t0) / 1e9);
    return rc;
}

int main(int argc, char **argv)
{
    bench_opts_t opt;
    int prc = bench_parse_args(argc, argv, &opt);
    if (prc != 0)
        return prc > 0 ? 0 : 2;
    bench_load_t load0 = bench_load_now();

    int rc = 1;
    tact_status_t st = TACT_STATUS_INIT;
    tact_graph_t *g = tact_graph_new();
    tact_tensor_t *five = tact_tensor_new(TACT_DTYPE_F32, NULL, 0, (float[]) { 5.0f }, &st);
    tact_tensor_t *six = tact_tensor_new(TACT_DTYPE_F32, NULL, 0, (float[]) { 6.0f }, &st);
    tact_output_t a = tact_constant(g, five, NULL, &st);
    tact_output_t b = tact_constant(g, six, NULL, &st);
    conc_shared_t sh = { .c = tact_multiply(g, a, b, NULL, &st) };
    atomic_init(&sh.ready, 0);
    atomic_init(&sh.go, false);
    atomic_init(&sh.stop, false);
    atomic_init(&sh.failed, false);
    sh.s = tact_session_new(NULL, g, NULL, &st);
    if (bench_failed(&st, "building the graph and session"))
        goto done;

    static const int threads[] = { 1, 2, 4 };
    static const struct {
        const char *name;
        int (*once)(conc_thread_t *t);
    } kinds[] = { { "concurrency", conc_run_once },
                  { "ref_fpu", conc_ref_fpu },
                  { "ref_malloc", conc_ref_malloc } };
    double seconds = opt.quick ? 0.05 : 3.0;
    bench_header("bench_concurrency", "c = a * b from N client threads on one session (AUTO); "
                                      "ratio = runs/s / runs/s of 1 thread (higher is better)");
    bench_note("%.2f s per case, %ld online CPUs; ref_* use no tact (machine scaling)%s",
               seconds, sysconf(_SC_NPROCESSORS_ONLN),
               opt.quick ? "; --quick: figures mean nothing" : "");
    double two_x[3] = { NAN, NAN, NAN };  /* 2-thread scaling of each kind */
    for (int k = 0; k < 3; k++) {
        sh.once = kinds[k].once;
        double one = NAN;
        for (int i = 0; i < 3; i++) {
            bench_samples_t pooled = { 0 };
            double rps = 0;
            if (conc_measure(&sh, threads[i], seconds, &pooled, &rps) != 0) {
                bench_samples_free(&pooled);
                goto done;
            }
            bench_stats_t s = bench_stats(&pooled);
            bench_samples_free(&pooled);
            char name[32], base[32];
            snprintf(name, sizeof name, "%s_%dt", kinds[k].name, threads[i]);
            snprintf(base, sizeof base, "%s_1t", kinds[k].name);
            if (threads[i] == 1)
                one = rps;
            if (threads[i] == 2)
                two_x[k] = rps / one;
            bench_line(name, "CPU", "scalar", &s, rps, "runs/s",
                       threads[i] == 1 ? NAN : rps / one, threads[i] == 1 ? NULL : base);
        }
    }
    bench_note("2 threads vs 1: tact %.2fx, ref_fpu %.2fx, ref_malloc %.2fx (the machine's own "
               "ceiling for CPU-bound work is about the ref_* figures)",
               two_x[0], two_x[1], two_x[2]);
    if (!opt.quick)
        bench_target("concurrency_2t >= 1.8 x concurrency_1t (runs/s)", two_x[0] >= 1.8);
    bench_note_load(&load0);
    rc = 0;

done:
    if (sh.s != NULL) {
        tact_status_t cst = TACT_STATUS_INIT;
        if (tact_session_close(sh.s, &cst) != TACT_CODE_OK) {
            bench_failed(&cst, "tact_session_close");
            rc = 1;
        }
    }
    tact_session_destroy(&sh.s);
    tact_tensor_destroy(&five);
    tact_tensor_destroy(&six);
    tact_graph_destroy(&g);
    return rc;
}
