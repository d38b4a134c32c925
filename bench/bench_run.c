/* SPDX-License-Identifier: MIT */
/* Per-run latency of tact_session_run on the smallest graph there is, against two baselines
 * measured in the same process:
 *
 *     a = tf.constant(5.0); b = tf.constant(6.0); c = a * b; sess.run(c)    # 30.0
 *
 *   zmq_rt_1cpu    one 8-byte request and reply between two threads over a ZeroMQ inproc PAIR,
 *                  both sides blocking in zmq_recv, both threads pinned to the same CPU (the
 *                  hand-off is a context switch)
 *   zmq_rt_2cpu    the same with the two threads pinned to two different CPUs (each hand-off
 *                  wakes a sleeping CPU: what handing a run to an actor on another core costs)
 *   direct_call    the multiply as a plain (noinline) C call: what the work itself costs
 *   run_auto       tact_session_run, default executor (TACT_EXECUTOR_AUTO: this one-fragment
 *                  CPU plan runs on the calling thread)
 *   run_actors     tact_session_run with config.executor = TACT_EXECUTOR_ACTORS (each run is
 *                  handed to the CPU device actor over its ZeroMQ mailbox)
 *   run_actors_inter1  the same with inter_op_parallelism_threads = 1 (a single CPU actor
 *                  rather than one per core): a diagnostic, it shows what the choice among
 *                  several actors costs
 *   run_fed        c = a * b with a and b float32 scalar placeholders, fed 5 and 6 (tensors
 *                  made once) through tact_session_run
 *   callable_fed   the same through a callable (tact_session_make_callable with feed list
 *                  (a, b)): the signature resolved once
 *
 * Each run fetches c, checks that it is 30 and destroys it (all timed: that is one run). The
 * cases are measured in interleaved rounds so that drift hits them alike. ratio = median /
 * median of the faster of the two zmq round trips (lower is better; the conservative choice).
 * Target: run_auto <= 0.12.
 *
 * Why two pinned round trips: unpinned, the blocking round trip is bimodal. When the scheduler
 * puts both threads on one CPU it is a pair of context switches (~3 us on the 2-vCPU VM where
 * this was written); on two CPUs every hand-off wakes a halted vCPU (~75 us there, with no
 * guest halt-polling). Which one a run gets depends on the scheduler's history, so an unpinned
 * figure cannot be compared from run to run.
 *
 * GPU cases (a CUDA build on a machine with a GPU): the same c = 5 * 6 pinned to GPU:0 and
 * fetched (the GPU actor runs it; the result is copied back), against one cudaMemcpy of the
 * 4 result bytes from the GPU, the least a run that leaves its answer on a GPU must pay:
 *
 *   gpu_memcpy_4b  cudaMemcpy of 4 bytes, device to host
 *   gpu_run        tact_session_run of the graph on GPU:0, fetching c
 *
 * ratio = median / gpu_memcpy_4b median (lower is better); per-run latency, no target.
 *
 * Feed cases (the server issue): y = matmul(reshape(x, [512, 512]), ones[512, 1]) with x a
 * float32 [262144] placeholder fed 1 MiB from a buffer the caller owns (sgemm reads the feed
 * once at memory speed; a serial reduce_sum would hide the copy behind its adds); one run
 * makes the feed tensor, runs, checks and destroys both:
 *
 *   feed_copy      the feed made with tact_tensor_new (copies the 1 MiB)
 *   feed_borrowed  the feed made with tact_tensor_new_borrowed (no copy)
 *
 * ratio = median / feed_copy median (lower is better), interleaved rounds; no target. */
#include "bench_gpu.h"

#include <pthread.h>
#include <sched.h>
#include <zmq.h>

#define RUN_ROUNDS 5

/* ------------------------------------------------------------------------------------------ */
/* Placement: which CPUs the round-trip threads run on                                        */
/* ------------------------------------------------------------------------------------------ */

/* The first two CPUs this process may use (b is -1 when there is only one). */
static void bench_cpus(int *a, int *b)
{
    cpu_set_t set;
    *a = 0;
    *b = -1;
    if (sched_getaffinity(0, sizeof set, &set) != 0)
        return;
    int found = 0;
    for (int c = 0; c < CPU_SETSIZE && found < 2; c++) {
        if (CPU_ISSET(c, &set)) {
            if (found++ == 0)
                *a = c;
            else
                *b = c;
        }
    }
}

/* Pin the calling thread to `cpu` (saving its mask), or do nothing for cpu < 0. 0 or -1. */
static int pin_self(int cpu, cpu_set_t *saved)
{
    if (cpu < 0)
        return 0;
    cpu_set_t one;
    CPU_ZERO(&one);
    CPU_SET(cpu, &one);
    if (pthread_getaffinity_np(pthread_self(), sizeof *saved, saved) != 0 ||
        pthread_setaffinity_np(pthread_self(), sizeof one, &one) != 0) {
        fprintf(stderr, "bench: cannot pin the main thread to CPU %d\n", cpu);
        return -1;
    }
    return 0;
}

static int unpin_self(int cpu, const cpu_set_t *saved)
{
    if (cpu < 0)
        return 0;
    if (pthread_setaffinity_np(pthread_self(), sizeof *saved, saved) != 0) {
        fprintf(stderr, "bench: cannot restore the main thread's CPU mask\n");
        return -1;
    }
    return 0;
}

/* ------------------------------------------------------------------------------------------ */
/* Baseline 1: a ZeroMQ inproc PAIR round trip, both sides blocking                            */
/* ------------------------------------------------------------------------------------------ */

typedef struct zmq_bench {
    const char *endpoint;
    int cpu;                 /* where both the echo thread and (while measured) the client run */
    int echo_cpu;
    void *client, *server;
    pthread_t echo;
    bool echo_started;
    int echo_rc;
} zmq_bench_t;

/* The echo thread: send every message back; a 1-byte "q" ends it. */
static void *zmq_echo_main(void *arg)
{
    zmq_bench_t *z = arg;
    char buf[16];
    for (;;) {
        int n = zmq_recv(z->server, buf, sizeof buf, 0);
        if (n < 0) {
            fprintf(stderr, "bench: echo zmq_recv: %s\n", zmq_strerror(zmq_errno()));
            z->echo_rc = -1;
            return NULL;
        }
        if (n == 1 && buf[0] == 'q')
            return NULL;
        if (zmq_send(z->server, buf, (size_t) n, 0) != n) {
            fprintf(stderr, "bench: echo zmq_send: %s\n", zmq_strerror(zmq_errno()));
            z->echo_rc = -1;
            return NULL;
        }
    }
}

/* A bound/connected PAIR and an echo thread pinned to z->echo_cpu. */
static int zmq_bench_open(zmq_bench_t *z, void *zctx)
{
    z->server = zmq_socket(zctx, ZMQ_PAIR);
    z->client = zmq_socket(zctx, ZMQ_PAIR);
    if (z->server == NULL || z->client == NULL || zmq_bind(z->server, z->endpoint) != 0 ||
        zmq_connect(z->client, z->endpoint) != 0) {
        fprintf(stderr, "bench: zmq setup: %s\n", zmq_strerror(zmq_errno()));
        return -1;
    }
    pthread_attr_t attr;
    cpu_set_t one;
    CPU_ZERO(&one);
    CPU_SET(z->echo_cpu, &one);
    bool ok = pthread_attr_init(&attr) == 0;
    ok = ok && pthread_attr_setaffinity_np(&attr, sizeof one, &one) == 0;
    ok = ok && pthread_create(&z->echo, &attr, zmq_echo_main, z) == 0;
    pthread_attr_destroy(&attr);
    if (!ok) {
        fprintf(stderr, "bench: cannot start the echo thread on CPU %d\n", z->echo_cpu);
        return -1;
    }
    z->echo_started = true;
    return 0;
}

/* Stop the echo thread and close the sockets; safe after a failed open. 0 or -1. */
static int zmq_bench_close(zmq_bench_t *z)
{
    int rc = 0;
    if (z->echo_started) {
        if (zmq_send(z->client, "q", 1, 0) != 1) {
            fprintf(stderr, "bench: zmq_send(quit): %s\n", zmq_strerror(zmq_errno()));
            return -1;  /* the echo thread may still block in zmq_recv: leave all to exit */
        }
        pthread_join(z->echo, NULL);
        rc = z->echo_rc;
        z->echo_started = false;
    }
    int linger = 0;
    if (z->client != NULL) {
        zmq_setsockopt(z->client, ZMQ_LINGER, &linger, sizeof linger);
        zmq_close(z->client);
        z->client = NULL;
    }
    if (z->server != NULL) {
        zmq_setsockopt(z->server, ZMQ_LINGER, &linger, sizeof linger);
        zmq_close(z->server);
        z->server = NULL;
    }
    return rc;
}

static int zmq_roundtrip(void *p)
{
    zmq_bench_t *z = p;
    uint64_t msg = 0x5eed, back = 0;
    if (zmq_send(z->client, &msg, sizeof msg, 0) != (int) sizeof msg ||
        zmq_recv(z->client, &back, sizeof back, 0) != (int) sizeof back) {
        fprintf(stderr, "bench: zmq round trip: %s\n", zmq_strerror(zmq_errno()));
        return -1;
    }
    if (back != msg) {
        fprintf(stderr, "bench: zmq round trip: got %#llx back\n", (unsigned long long) back);
        return -1;
    }
    return 0;
}

/* ------------------------------------------------------------------------------------------ */
/* Baseline 2: the multiply as a direct call                                                  */
/* ------------------------------------------------------------------------------------------ */

typedef struct direct_ctx {
    volatile float a, b;  /* volatile: every call reads its arguments anew */
    volatile float sink;
} direct_ctx_t;

__attribute__((noinline)) static float mul_direct(float a, float b)
{
    return a * b;
}

static int direct_call(void *p)
{
    direct_ctx_t *d = p;
    float c = mul_direct(d->a, d->b);
    d->sink = c;
    if (c != 30.0f) {
        fprintf(stderr, "bench: direct call: %g != 30\n", (double) c);
        return -1;
    }
    return 0;
}

/* ------------------------------------------------------------------------------------------ */
/* tact                                                                                       */
/* ------------------------------------------------------------------------------------------ */

typedef struct run_ctx {
    tact_session_t *s;
    tact_output_t c;
    tact_status_t st;
} run_ctx_t;

static int tact_run_once(void *p)
{
    run_ctx_t *r = p;
    return bench_run_mul(r->s, r->c, &r->st);
}

/* The first run, checked in full (dtype, shape) before any timing. */
static int tact_run_check(run_ctx_t *r)
{
    tact_tensor_t *out = NULL;
    if (tact_session_run(r->s, &r->c, 1, &out, NULL, 0, NULL, 0, &r->st) != TACT_CODE_OK) {
        bench_failed(&r->st, "tact_session_run");
        return -1;
    }
    bool ok = tact_tensor_dtype(out) == TACT_DTYPE_F32 && tact_tensor_ndims(out) == 0 &&
              tact_tensor_nelems(out) == 1 && *(const float *) tact_tensor_data(out) == 30.0f;
    if (!ok) {
        char text[64];
        tact_tensor_format(out, text, sizeof text);
        fprintf(stderr, "bench: c = %s (%s), expected 30.0 float32 scalar\n", text,
                tact_dtype_name(tact_tensor_dtype(out)));
    }
    tact_tensor_destroy(&out);
    return ok ? 0 : -1;
}

/* The fed graph: c = a * b with a and b float32 scalar placeholders fed 5 and 6 (tensors made
 * once; a run borrows them, as a server's caller does). */
typedef struct fed_ctx {
    tact_session_t *s;
    tact_output_t a, b, c;
    tact_tensor_t *five, *six;
    tact_callable_t *mul;         /* c from the feed list (a, b) */
    tact_status_t st;
} fed_ctx_t;

static int fed_check(const tact_tensor_t *out, const char *what)
{
    if (*(const float *) tact_tensor_data(out) == 30.0f)
        return 0;
    fprintf(stderr, "bench: %s: c = %g, expected 30\n", what,
            (double) *(const float *) tact_tensor_data(out));
    return -1;
}

static int fed_run_once(void *p)
{
    fed_ctx_t *f = p;
    tact_feed_t feeds[2] = { { f->a, f->five }, { f->b, f->six } };
    tact_tensor_t *out = NULL;
    if (tact_session_run(f->s, &f->c, 1, &out, feeds, 2, NULL, 0, &f->st) != TACT_CODE_OK) {
        bench_failed(&f->st, "tact_session_run (fed)");
        return -1;
    }
    int rc = fed_check(out, "run_fed");
    tact_tensor_destroy(&out);
    return rc;
}

static int fed_call_once(void *p)
{
    fed_ctx_t *f = p;
    const tact_tensor_t *values[2] = { f->five, f->six };
    tact_tensor_t *out = NULL;
    if (tact_callable_run(f->mul, values, 2, &out, NULL, &f->st) != TACT_CODE_OK) {
        bench_failed(&f->st, "tact_callable_run");
        return -1;
    }
    int rc = fed_check(out, "callable_fed");
    tact_tensor_destroy(&out);
    return rc;
}

/* The fed graph in a session of its own: 0, or -1 with `st` filled. */
static int fed_open(fed_ctx_t *f, tact_status_t *st)
{
    tact_graph_t *g = tact_graph_new();
    f->a = tact_placeholder(g, TACT_DTYPE_F32, NULL, 0, "a", st);
    f->b = tact_placeholder(g, TACT_DTYPE_F32, NULL, 0, "b", st);
    f->c = tact_multiply(g, f->a, f->b, "c", st);
    f->five = tact_tensor_new(TACT_DTYPE_F32, NULL, 0, (float[]) { 5.0f }, st);
    f->six = tact_tensor_new(TACT_DTYPE_F32, NULL, 0, (float[]) { 6.0f }, st);
    tact_config_t cfg = bench_cpu_config();
    f->s = tact_session_new(NULL, g, &cfg, st);
    f->mul = tact_session_make_callable(f->s, &f->c, 1, (tact_output_t[]) { f->a, f->b }, 2,
                                        NULL, 0, st);
    tact_graph_destroy(&g);  /* the session keeps its own reference */
    if (bench_failed(st, "building the fed graph"))
        return -1;
    return fed_run_once(f) == 0 && fed_call_once(f) == 0 ? 0 : -1;
}

static void fed_close(fed_ctx_t *f)
{
    tact_callable_destroy(&f->mul);
    tact_session_destroy(&f->s);
    tact_tensor_destroy(&f->five);
    tact_tensor_destroy(&f->six);
}

/* --profile CASE N: N runs of one case and nothing else, for callgrind's instruction counts:
 *
 *     valgrind --tool=callgrind --toggle-collect=profile_loop bench_run --profile run_fed 20000
 *
 * counts what the N runs execute (their checks and result destroys included); divide by N. */
__attribute__((noinline, noclone)) static int profile_loop(bench_fn_t fn, void *ctx, int n)
{
    for (int i = 0; i < n; i++) {
        if (fn(ctx) != 0)
            return -1;
    }
    return 0;
}

static int profile_main(const char *which, int n)
{
    tact_status_t st = TACT_STATUS_INIT;
    fed_ctx_t fed = { .st = TACT_STATUS_INIT };
    int rc = 1;
    if (fed_open(&fed, &st) != 0)
        goto done;
    bench_fn_t fn = NULL;
    void *ctx = &fed;
    if (strcmp(which, "run_fed") == 0) {
        fn = fed_run_once;
    } else if (strcmp(which, "callable_fed") == 0) {
        fn = fed_call_once;
    } else {
        fprintf(stderr, "bench_run: --profile: unknown case '%s' (run_fed, callable_fed)\n",
                which);
        goto done;
    }
    int warm = 0;
    for (int i = 0; i < 100 && warm == 0; i++)  /* outside profile_loop: not counted */
        warm = fn(ctx);
    if (warm == 0 && profile_loop(fn, ctx, n) == 0) {
        printf("# profile: %d runs of %s\n", n, which);
        rc = 0;
    }
done:
    fed_close(&fed);
    return rc;
}

/* ------------------------------------------------------------------------------------------ */

enum {
    CASE_ZMQ1, CASE_ZMQ2, CASE_DIRECT, CASE_AUTO, CASE_ACTORS, CASE_ACTORS1, CASE_FED,
    CASE_CALLABLE, CASE_COUNT
};

typedef struct run_case {
    const char *name;
    const char *unit;
    bench_fn_t fn;
    void *ctx;
    int samples;  /* in all rounds together */
    int batch;
    int pin_cpu;  /* the main thread runs there while this case is measured; -1: anywhere */
    bool baseline;
    bool skip;
} run_case_t;

/* Warm up (first round) and collect one round of `c`, pinned as it asks. 0 or -1. */
static int run_case_round(const run_case_t *c, int warmup, int samples, bench_samples_t *out)
{
    cpu_set_t saved;
    if (pin_self(c->pin_cpu, &saved) != 0)
        return -1;
    int rc = 0;
    if (warmup > 0)
        rc = bench_warmup(c->fn, c->ctx, warmup);
    if (rc == 0)
        rc = bench_collect(c->fn, c->ctx, samples, c->batch, out);
    if (unpin_self(c->pin_cpu, &saved) != 0)
        rc = -1;
    return rc;
}

/* ------------------------------------------------------------------------------------------ */
/* Feeds: a 1 MiB feed copied (tact_tensor_new) or borrowed (tact_tensor_new_borrowed)          */
/* ------------------------------------------------------------------------------------------ */

#define FEED_SIDE 512
#define FEED_N (FEED_SIDE * FEED_SIDE)  /* floats: 1 MiB */

typedef struct feed_ctx {
    tact_session_t *s;
    tact_output_t x, y;
    float *buf;                   /* the caller's data: all ones */
    bool borrowed;
    tact_status_t st;
} feed_ctx_t;

static int feed_run_once(void *p)
{
    feed_ctx_t *f = p;
    const int64_t dims[] = { FEED_N };
    tact_tensor_t *t = f->borrowed
                           ? tact_tensor_new_borrowed(TACT_DTYPE_F32, dims, 1, f->buf,
                                                      FEED_N * sizeof(float), NULL, NULL, &f->st)
                           : tact_tensor_new(TACT_DTYPE_F32, dims, 1, f->buf, &f->st);
    tact_feed_t feed = { f->x, t };
    tact_tensor_t *out = NULL;
    tact_session_run(f->s, &f->y, 1, &out, &feed, 1, NULL, 0, &f->st);
    tact_tensor_destroy(&t);
    if (bench_failed(&f->st, f->borrowed ? "feed_borrowed" : "feed_copy"))
        return -1;
    const float *y = tact_tensor_data(out);
    bool ok = tact_tensor_nelems(out) == FEED_SIDE && y[0] == (float) FEED_SIDE &&
              y[FEED_SIDE - 1] == (float) FEED_SIDE;
    if (!ok)
        fprintf(stderr, "bench: y[0] of the fed run = %g, expected %d\n", (double) y[0],
                FEED_SIDE);
    tact_tensor_destroy(&out);
    if (!ok)
        return -1;
    return 0;
}

/* feed_copy against feed_borrowed, interleaved: 0, or 1 on an error. */
static int feed_cases(bool quick)
{
    int rc = 1;
    tact_status_t st = TACT_STATUS_INIT;
    tact_graph_t *g = tact_graph_new();
    tact_output_t x = tact_placeholder(g, TACT_DTYPE_F32, (int64_t[]) { FEED_N }, 1, "x", &st);
    tact_output_t xm = tact_reshape(g, x, (int64_t[]) { FEED_SIDE, FEED_SIDE }, 2, "xm", &st);
    tact_output_t ones = tact_ones(g, TACT_DTYPE_F32, (int64_t[]) { FEED_SIDE, 1 }, 2, "w", &st);
    tact_output_t y = tact_matmul(g, xm, ones, false, false, "y", &st);
    tact_config_t cfg = bench_cpu_config();
    tact_session_t *s = tact_session_new(NULL, g, &cfg, &st);
    float *buf = aligned_alloc(64, FEED_N * sizeof(float));
    bench_samples_t sc = { 0 }, sb = { 0 };
    if (bench_failed(&st, "building the feed graph") || buf == NULL)
        goto done;
    for (int i = 0; i < FEED_N; i++)
        buf[i] = 1.0f;
    feed_ctx_t copy = { s, x, y, buf, false, TACT_STATUS_INIT };
    feed_ctx_t borrowed = { s, x, y, buf, true, TACT_STATUS_INIT };
    int iters = quick ? 10 : 4000;
    if (bench_warmup(feed_run_once, &copy, quick ? 2 : 200) != 0 ||
        bench_warmup(feed_run_once, &borrowed, quick ? 2 : 200) != 0)
        goto done;
    for (int round = 0; round < RUN_ROUNDS; round++) {
        if (bench_collect(feed_run_once, &copy, iters / RUN_ROUNDS, 1, &sc) != 0 ||
            bench_collect(feed_run_once, &borrowed, iters / RUN_ROUNDS, 1, &sb) != 0)
            goto done;
    }
    bench_stats_t a = bench_stats(&sc), b = bench_stats(&sb);
    bench_line("feed_copy", "CPU", "1024KB", &a, 1e6 / a.median_us, "runs/s", NAN, NULL);
    bench_line("feed_borrowed", "CPU", "1024KB", &b, 1e6 / b.median_us, "runs/s",
               b.median_us / a.median_us, "feed_copy");
    rc = 0;
done:
    bench_samples_free(&sc);
    bench_samples_free(&sb);
    tact_session_destroy(&s);
    tact_graph_destroy(&g);
    free(buf);
    return rc;
}

#ifdef TACT_BENCH_CUDA
typedef struct gpu_run_ctx {
    void *device;
    float host;
} gpu_run_ctx_t;

/* A NoOp on GPU:0 as the target: the session's path and the GPU actor's hand-off and sync,
 * without a kernel or a copy. */
typedef struct gpu_noop_ctx {
    tact_session_t *s;
    tact_op_t *noop;
    tact_status_t st;
} gpu_noop_ctx_t;

static int gpu_noop_once(void *p)
{
    gpu_noop_ctx_t *c = p;
    if (tact_session_run(c->s, NULL, 0, NULL, NULL, 0, &c->noop, 1, &c->st) == TACT_CODE_OK)
        return 0;
    bench_failed(&c->st, "tact_session_run (NoOp on GPU:0)");
    return -1;
}

static int gpu_memcpy_4b(void *p)
{
    gpu_run_ctx_t *c = p;
    return bench_cuda_failed(cudaMemcpy(&c->host, c->device, 4, cudaMemcpyDeviceToHost),
                             "cudaMemcpy") ? -1 : 0;
}
#endif

/* c = 5 * 6 on GPU:0, when the GPU cases run: 0, or 1 on an error. */
static int gpu_cases(bool quick)
{
    if (!bench_gpu_begin())
        return 0;
#ifdef TACT_BENCH_CUDA
    int rc = 1;
    tact_status_t st = TACT_STATUS_INIT;
    tact_graph_t *g = tact_graph_new();
    tact_tensor_t *five = tact_tensor_new(TACT_DTYPE_F32, NULL, 0, (float[]) { 5.0f }, &st);
    tact_tensor_t *six = tact_tensor_new(TACT_DTYPE_F32, NULL, 0, (float[]) { 6.0f }, &st);
    tact_graph_push_device(g, "/gpu:0", &st);
    tact_output_t c = tact_multiply(g, tact_constant(g, five, NULL, &st),
                                    tact_constant(g, six, NULL, &st), NULL, &st);
    tact_op_t *noop = tact_no_op(g, "noop", &st);
    tact_graph_pop_device(g);
    run_ctx_t gpu_ctx = { .s = tact_session_new(NULL, g, NULL, &st), .c = c,
                          .st = TACT_STATUS_INIT };
    gpu_noop_ctx_t noop_ctx = { .s = gpu_ctx.s, .noop = noop, .st = TACT_STATUS_INIT };
    gpu_run_ctx_t raw = { 0 };
    bench_samples_t sr = { 0 }, st_run = { 0 }, s_noop = { 0 };
    int iters = quick ? 20 : 20000;
    if (bench_failed(&st, "building the GPU graph") ||
        bench_cuda_failed(cudaMalloc(&raw.device, 4), "cudaMalloc") ||
        bench_warmup(tact_run_once, &gpu_ctx, quick ? 2 : 200) != 0 ||
        bench_warmup(gpu_noop_once, &noop_ctx, quick ? 2 : 200) != 0 ||
        bench_on_gpu(gpu_ctx.s, c.op) != 0 || bench_on_gpu(gpu_ctx.s, noop) != 0)
        goto done;
    for (int round = 0; round < RUN_ROUNDS; round++) {
        if (bench_collect(gpu_memcpy_4b, &raw, iters / RUN_ROUNDS, 1, &sr) != 0 ||
            bench_collect(gpu_noop_once, &noop_ctx, iters / RUN_ROUNDS, 1, &s_noop) != 0 ||
            bench_collect(tact_run_once, &gpu_ctx, iters / RUN_ROUNDS, 1, &st_run) != 0)
            goto done;
    }
    bench_stats_t a = bench_stats(&sr), b = bench_stats(&st_run), n = bench_stats(&s_noop);
    bench_line("gpu_memcpy_4b", "GPU", "scalar", &a, 1e6 / a.median_us, "runs/s", NAN, NULL);
    bench_line("gpu_run_noop", "GPU", "-", &n, 1e6 / n.median_us, "runs/s",
               n.median_us / a.median_us, "gpu_memcpy_4b");
    bench_line("gpu_run", "GPU", "scalar", &b, 1e6 / b.median_us, "runs/s",
               b.median_us / a.median_us, "gpu_memcpy_4b");
    /* Medians, so the parts are estimates: the NoOp run is the session's path, the actor's
     * hand-off and the GPU's sync; the 4-byte copy is what fetching costs at the least; the
     * rest is the Mul's launch and its constants' lookup. */
    bench_note("run breakdown: gpu_run %.1f us = session + GPU actor hand-off + sync %.1f us "
               "(gpu_run_noop) + 4-byte copy back %.1f us (gpu_memcpy_4b) + kernel launch and "
               "the rest %.1f us", b.median_us, n.median_us, a.median_us,
               b.median_us - n.median_us - a.median_us);
    rc = 0;
done:
    bench_samples_free(&sr);
    bench_samples_free(&st_run);
    bench_samples_free(&s_noop);
    tact_session_destroy(&gpu_ctx.s);
    tact_tensor_destroy(&five);
    tact_tensor_destroy(&six);
    tact_graph_destroy(&g);
    cudaFree(raw.device);
    return rc;
#else
    (void) quick;
    return 0;
#endif
}

int main(int argc, char **argv)
{
    if (argc == 4 && strcmp(argv[1], "--profile") == 0)
        return profile_main(argv[2], atoi(argv[3]));
    bench_opts_t opt;
    int prc = bench_parse_args(argc, argv, &opt);
    if (prc != 0)
        return prc > 0 ? 0 : 2;
    bench_load_t load0 = bench_load_now();
    if (opt.gpu_only) {  /* scripts/gpu_check.sh: the GPU cases alone */
        bench_header("bench_run", "GPU cases only (--gpu-only)");
        int grc = gpu_cases(opt.quick);
        bench_note_load(&load0);
        return grc == 0 ? 0 : 1;
    }

    int rc = 1;
    tact_status_t st = TACT_STATUS_INIT;
    tact_graph_t *g = tact_graph_new();
    tact_tensor_t *five = tact_tensor_new(TACT_DTYPE_F32, NULL, 0, (float[]) { 5.0f }, &st);
    tact_tensor_t *six = tact_tensor_new(TACT_DTYPE_F32, NULL, 0, (float[]) { 6.0f }, &st);
    tact_output_t a = tact_constant(g, five, NULL, &st);
    tact_output_t b = tact_constant(g, six, NULL, &st);
    tact_output_t c = tact_multiply(g, a, b, NULL, &st);
    tact_config_t cpu_cfg = bench_cpu_config();
    tact_config_t actors_cfg = cpu_cfg;
    actors_cfg.executor = TACT_EXECUTOR_ACTORS;
    tact_config_t actors1_cfg = actors_cfg;
    actors1_cfg.inter_op_parallelism_threads = 1;
    run_ctx_t auto_ctx = { .s = tact_session_new(NULL, g, &cpu_cfg, &st), .c = c,
                           .st = TACT_STATUS_INIT };
    run_ctx_t actors_ctx = { .s = tact_session_new(NULL, g, &actors_cfg, &st), .c = c,
                             .st = TACT_STATUS_INIT };
    run_ctx_t actors1_ctx = { .s = tact_session_new(NULL, g, &actors1_cfg, &st), .c = c,
                              .st = TACT_STATUS_INIT };
    fed_ctx_t fed = { .st = TACT_STATUS_INIT };
    direct_ctx_t direct = { .a = 5.0f, .b = 6.0f, .sink = 0.0f };
    int cpu_a, cpu_b;
    bench_cpus(&cpu_a, &cpu_b);
    void *zctx = zmq_ctx_new();
    zmq_bench_t z1 = { .endpoint = "inproc://bench-run-1cpu", .cpu = cpu_a, .echo_cpu = cpu_a };
    zmq_bench_t z2 = { .endpoint = "inproc://bench-run-2cpu", .cpu = cpu_a, .echo_cpu = cpu_b };
    bench_samples_t samples[CASE_COUNT] = { { 0 } };
    if (bench_failed(&st, "building the graph and sessions"))
        goto done;
    if (zctx == NULL) {
        fprintf(stderr, "bench: zmq_ctx_new: %s\n", zmq_strerror(zmq_errno()));
        goto done;
    }
    if (zmq_bench_open(&z1, zctx) != 0 || (cpu_b >= 0 && zmq_bench_open(&z2, zctx) != 0))
        goto done;
    if (tact_run_check(&auto_ctx) != 0 || tact_run_check(&actors_ctx) != 0 ||
        tact_run_check(&actors1_ctx) != 0 || fed_open(&fed, &st) != 0)
        goto done;

    bool full = !opt.quick;
    run_case_t cases[CASE_COUNT] = {
        [CASE_ZMQ1] = { "zmq_rt_1cpu", "runs/s", zmq_roundtrip, &z1, full ? 20000 : 50, 1,
                        cpu_a, true, false },
        [CASE_ZMQ2] = { "zmq_rt_2cpu", "runs/s", zmq_roundtrip, &z2, full ? 10000 : 50, 1,
                        cpu_a, true, cpu_b < 0 },
        [CASE_DIRECT] = { "direct_call", "calls/s", direct_call, &direct, full ? 20000 : 50,
                          full ? 100 : 10, -1, true, false },
        [CASE_AUTO] = { "run_auto", "runs/s", tact_run_once, &auto_ctx, full ? 100000 : 50, 1,
                        -1, false, false },
        [CASE_ACTORS] = { "run_actors", "runs/s", tact_run_once, &actors_ctx,
                          full ? 20000 : 50, 1, -1, false, false },
        [CASE_ACTORS1] = { "run_actors_inter1", "runs/s", tact_run_once, &actors1_ctx,
                           full ? 20000 : 50, 1, -1, false, false },
        [CASE_FED] = { "run_fed", "runs/s", fed_run_once, &fed, full ? 100000 : 50, 1, -1, false,
                       false },
        [CASE_CALLABLE] = { "callable_fed", "runs/s", fed_call_once, &fed, full ? 100000 : 50, 1,
                            -1, false, false },
    };
    int rounds = full ? RUN_ROUNDS : 1;
    int warmup = full ? 2000 : 5;

    bench_header("bench_run", "c = a * b on float32 scalars; latency per run; ratio = median / "
                              "the faster zmq_rt median (lower is better)");
    bench_note("rounds %d (cases interleaved), warm-up %d per case; zmq_rt_1cpu: client and echo "
               "threads both pinned to CPU %d; zmq_rt_2cpu: client on CPU %d, echo on CPU %d%s",
               rounds, warmup, cpu_a, cpu_a, cpu_b,
               opt.quick ? "; --quick: figures mean nothing" : "");
    if (cpu_b < 0)
        bench_note("zmq_rt_2cpu skipped: this process may use one CPU only");
    for (int r = 0; r < rounds; r++) {
        for (int i = 0; i < CASE_COUNT; i++) {
            if (!cases[i].skip && run_case_round(&cases[i], r == 0 ? warmup : 0,
                                                 cases[i].samples / rounds, &samples[i]) != 0)
                goto done;
        }
    }

    bench_stats_t stats[CASE_COUNT];
    for (int i = 0; i < CASE_COUNT; i++)
        stats[i] = bench_stats(&samples[i]);
    /* The conservative baseline: whichever blocking round trip is faster here. */
    int base = CASE_ZMQ1;
    if (!cases[CASE_ZMQ2].skip && stats[CASE_ZMQ2].median_us < stats[CASE_ZMQ1].median_us)
        base = CASE_ZMQ2;
    double base_us = stats[base].median_us;
    for (int i = 0; i < CASE_COUNT; i++) {
        if (cases[i].skip)
            continue;
        bench_line(cases[i].name, "CPU", "scalar", &stats[i], 1e6 / stats[i].median_us,
                   cases[i].unit, cases[i].baseline ? NAN : stats[i].median_us / base_us,
                   cases[i].baseline ? NULL : cases[base].name);
    }
    bench_note("overhead per run above direct_call (medians): run_auto %.3f us, run_actors "
               "%.3f us, run_actors_inter1 %.3f us",
               stats[CASE_AUTO].median_us - stats[CASE_DIRECT].median_us,
               stats[CASE_ACTORS].median_us - stats[CASE_DIRECT].median_us,
               stats[CASE_ACTORS1].median_us - stats[CASE_DIRECT].median_us);
    bench_note("fed c = a * b: callable_fed / run_fed = %.3f (medians, same rounds)",
               stats[CASE_CALLABLE].median_us / stats[CASE_FED].median_us);
    if (!cases[CASE_ZMQ2].skip)
        bench_note("run_auto / zmq_rt_2cpu = %.4f", stats[CASE_AUTO].median_us /
                                                     stats[CASE_ZMQ2].median_us);
    char what[96];
    snprintf(what, sizeof what, "run_auto median <= 0.12 x %s median (the faster round trip)",
             cases[base].name);
    if (full)
        bench_target(what, stats[CASE_AUTO].median_us <= 0.12 * base_us);
    rc = feed_cases(!full);
    if (rc == 0)
        rc = gpu_cases(!full);
    bench_note_load(&load0);

done:
    if (zmq_bench_close(&z1) != 0 || zmq_bench_close(&z2) != 0)
        rc = 1;
    else if (zctx != NULL)
        zmq_ctx_term(zctx);  /* only once every socket is closed, or it would wait forever */
    for (int i = 0; i < CASE_COUNT; i++)
        bench_samples_free(&samples[i]);
    tact_session_t **sessions[] = { &auto_ctx.s, &actors_ctx.s, &actors1_ctx.s };
    for (int i = 0; i < 3; i++) {
        if (!bench_close_session(sessions[i]))
            rc = 1;
    }
    fed_close(&fed);
    tact_tensor_destroy(&five);
    tact_tensor_destroy(&six);
    tact_graph_destroy(&g);
    return rc;
}
