/* SPDX-License-Identifier: MIT */
/* Throughput of ONE session (default executor, TACT_EXECUTOR_AUTO) run from 1, 2 and 4 client
 * threads at once, on bench_run's graph:
 *
 *     a = tf.constant(5.0); b = tf.constant(6.0); c = a * b; sess.run(c)    # 30.0
 *
 * Each case runs for a fixed time; every thread loops on its work, timing each iteration.
 * value = total runs/s over all threads; median_us and p99_us are the per-run latencies of
 * all threads pooled; ratio = runs/s / runs/s of the same kind with 1 thread (higher is
 * better). Target: concurrency_2t >= 1.8.
 *
 *   concurrency_Nt  N threads, one shared session: the case the target is about
 *   sessions_Nt     N threads, each with its own graph and session (same graph shape): a
 *                   diagnostic; it separates what the session's shared state costs from what
 *                   the machine allows
 *   ref_malloc_Nt   no tact: malloc + posix_memalign(64) + two frees per iteration, as one run
 *                   allocates and frees its result tensor (glibc gives each thread its own
 *                   arena, so nothing is shared): how far the machine itself scales */
#include "bench.h"

#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <unistd.h>

#define CONC_MAX_THREADS 4

typedef struct conc_thread conc_thread_t;

/* One graph c = 5 * 6 and a session over it. */
typedef struct conc_graph {
    tact_graph_t *g;
    tact_session_t *s;
    tact_output_t c;
} conc_graph_t;

typedef struct conc_shared {
    int (*once)(conc_thread_t *t);  /* one iteration of the case being measured */
    conc_graph_t shared;            /* the one session of concurrency_Nt */
    conc_graph_t own[CONC_MAX_THREADS];  /* sessions_Nt: thread i uses own[i] */
    atomic_int ready;               /* clients done warming up */
    atomic_bool go;                 /* every client starts timing at once */
    atomic_bool stop;
    atomic_bool failed;
} conc_shared_t;

struct conc_thread {
    _Alignas(64) conc_shared_t *sh;  /* own cache lines: no false sharing between clients */
    int index;
    pthread_t tid;
    bench_samples_t samples;
    tact_status_t st;
};

static tact_code_t conc_graph_build(conc_graph_t *cg, tact_status_t *st)
{
    cg->g = tact_graph_new();
    tact_tensor_t *five = tact_tensor_new(TACT_DTYPE_F32, NULL, 0, (float[]) { 5.0f }, st);
    tact_tensor_t *six = tact_tensor_new(TACT_DTYPE_F32, NULL, 0, (float[]) { 6.0f }, st);
    tact_output_t a = tact_constant(cg->g, five, NULL, st);
    tact_output_t b = tact_constant(cg->g, six, NULL, st);
    cg->c = tact_multiply(cg->g, a, b, NULL, st);
    tact_config_t cpu = bench_cpu_config();
    cg->s = tact_session_new(NULL, cg->g, &cpu, st);
    tact_tensor_destroy(&five);
    tact_tensor_destroy(&six);
    return st->code;
}

/* Close (reporting a failure) and free. 0 or -1. */
static int conc_graph_free(conc_graph_t *cg)
{
    int rc = bench_close_session(&cg->s) ? 0 : -1;
    tact_graph_destroy(&cg->g);
    return rc;
}

static int conc_run(conc_thread_t *t, conc_graph_t *cg)
{
    return bench_run_mul(cg->s, cg->c, &t->st);
}

static int conc_run_shared(conc_thread_t *t)
{
    return conc_run(t, &t->sh->shared);
}

static int conc_run_own(conc_thread_t *t)
{
    return conc_run(t, &t->sh->own[t->index]);
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
        th[i].index = i;
        th[i].st = (tact_status_t) TACT_STATUS_INIT;
        /* Room for 1 us iterations for the whole time; shorter ones grow the array. */
        if (bench_samples_reserve(&th[i].samples, (size_t) (seconds * 1e6) + 1024) != 0 ||
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
    static conc_shared_t sh;  /* zero: every graph and session NULL */
    atomic_init(&sh.ready, 0);
    atomic_init(&sh.go, false);
    atomic_init(&sh.stop, false);
    atomic_init(&sh.failed, false);
    conc_graph_build(&sh.shared, &st);
    for (int i = 0; i < CONC_MAX_THREADS && st.code == TACT_CODE_OK; i++)
        conc_graph_build(&sh.own[i], &st);
    if (bench_failed(&st, "building the graphs and sessions"))
        goto done;

    static const int threads[] = { 1, 2, 4 };
    static const struct {
        const char *name;
        int (*once)(conc_thread_t *t);
    } kinds[] = { { "concurrency", conc_run_shared },
                  { "sessions", conc_run_own },
                  { "ref_malloc", conc_ref_malloc } };
    double seconds = opt.quick ? 0.05 : 2.0;
    bench_header("bench_concurrency", "c = a * b from N client threads (AUTO); ratio = runs/s / "
                                      "runs/s of 1 thread of the same kind (higher is better)");
    bench_note("%.2f s per case, %ld online CPUs; concurrency_*: one shared session, sessions_*: "
               "a session per thread, ref_malloc_*: no tact%s", seconds,
               sysconf(_SC_NPROCESSORS_ONLN), opt.quick ? "; --quick: figures mean nothing" : "");
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
    bench_note("2 threads vs 1: one shared session %.2fx, a session per thread %.2fx, "
               "ref_malloc %.2fx", two_x[0], two_x[1], two_x[2]);
    if (!opt.quick)
        bench_target("concurrency_2t >= 1.8 x concurrency_1t (runs/s)", two_x[0] >= 1.8);
    bench_note_load(&load0);
    rc = 0;

done:
    if (conc_graph_free(&sh.shared) != 0)
        rc = 1;
    for (int i = 0; i < CONC_MAX_THREADS; i++) {
        if (conc_graph_free(&sh.own[i]) != 0)
            rc = 1;
    }
    return rc;
}
