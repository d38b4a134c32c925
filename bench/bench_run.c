/* SPDX-License-Identifier: MIT */
/* Per-run latency of tact_session_run on the smallest graph there is, against two baselines
 * measured in the same process:
 *
 *     a = tf.constant(5.0); b = tf.constant(6.0); c = a * b; sess.run(c)    # 30.0
 *
 *   zmq_roundtrip  one 8-byte request and reply between two threads over a ZeroMQ inproc PAIR,
 *                  both sides blocking in zmq_recv: what one actor hand-off costs
 *   direct_call    the multiply as a plain (noinline) C call: what the work itself costs
 *   run_auto       tact_session_run, default executor (TACT_EXECUTOR_AUTO: this one-fragment
 *                  CPU plan runs on the calling thread)
 *   run_actors     tact_session_run with config.executor = TACT_EXECUTOR_ACTORS (each run is
 *                  handed to the CPU device actor over its ZeroMQ mailbox)
 *
 * Each run fetches c, checks that it is 30 and destroys it (all timed: that is one run). The
 * cases are measured in interleaved rounds so that drift hits them alike. ratio = median /
 * zmq_roundtrip median (lower is better). Target: run_auto <= 0.12. */
#include "bench.h"

#include <pthread.h>
#include <zmq.h>

#define RUN_ROUNDS 5

/* ------------------------------------------------------------------------------------------ */
/* Baseline 1: a ZeroMQ inproc PAIR round trip, both sides blocking                            */
/* ------------------------------------------------------------------------------------------ */

typedef struct zmq_ctx {
    void *zctx;
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

static int zmq_bench_open(zmq_bench_t *z)
{
    memset(z, 0, sizeof *z);
    z->zctx = zmq_ctx_new();
    if (z->zctx == NULL)
        goto fail;
    z->server = zmq_socket(z->zctx, ZMQ_PAIR);
    z->client = zmq_socket(z->zctx, ZMQ_PAIR);
    if (z->server == NULL || z->client == NULL ||
        zmq_bind(z->server, "inproc://bench-run-roundtrip") != 0 ||
        zmq_connect(z->client, "inproc://bench-run-roundtrip") != 0)
        goto fail;
    if (pthread_create(&z->echo, NULL, zmq_echo_main, z) != 0) {
        fprintf(stderr, "bench: pthread_create failed\n");
        return -1;
    }
    z->echo_started = true;
    return 0;
fail:
    fprintf(stderr, "bench: zmq setup: %s\n", zmq_strerror(zmq_errno()));
    return -1;
}

static int zmq_bench_close(zmq_bench_t *z)
{
    int rc = 0;
    if (z->echo_started) {
        if (zmq_send(z->client, "q", 1, 0) != 1) {
            fprintf(stderr, "bench: zmq_send(quit): %s\n", zmq_strerror(zmq_errno()));
            rc = -1;  /* the echo thread may still block; leave it to process exit */
        } else {
            pthread_join(z->echo, NULL);
            rc = z->echo_rc;
        }
    }
    int linger = 0;
    if (z->client != NULL) {
        zmq_setsockopt(z->client, ZMQ_LINGER, &linger, sizeof linger);
        zmq_close(z->client);
    }
    if (z->server != NULL) {
        zmq_setsockopt(z->server, ZMQ_LINGER, &linger, sizeof linger);
        zmq_close(z->server);
    }
    if (z->zctx != NULL && (rc == 0 || !z->echo_started))
        zmq_ctx_term(z->zctx);
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
    tact_tensor_t *out = NULL;
    if (tact_session_run(r->s, &r->c, 1, &out, NULL, 0, NULL, 0, &r->st) != TACT_CODE_OK) {
        bench_failed(&r->st, "tact_session_run");
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

/* ------------------------------------------------------------------------------------------ */

enum { CASE_ZMQ, CASE_DIRECT, CASE_AUTO, CASE_ACTORS, CASE_COUNT };

typedef struct run_case {
    const char *name;
    const char *unit;
    bench_fn_t fn;
    void *ctx;
    int samples;  /* in all rounds together */
    int batch;
} run_case_t;

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
    tact_output_t c = tact_multiply(g, a, b, NULL, &st);
    tact_config_t actors_cfg = { 0 };
    actors_cfg.executor = TACT_EXECUTOR_ACTORS;
    run_ctx_t auto_ctx = { .s = tact_session_new(NULL, g, NULL, &st), .c = c,
                           .st = TACT_STATUS_INIT };
    run_ctx_t actors_ctx = { .s = tact_session_new(NULL, g, &actors_cfg, &st), .c = c,
                             .st = TACT_STATUS_INIT };
    direct_ctx_t direct = { .a = 5.0f, .b = 6.0f, .sink = 0.0f };
    zmq_bench_t z;
    bool zmq_open = false;
    bench_samples_t samples[CASE_COUNT] = { { 0 } };
    if (bench_failed(&st, "building the graph and sessions"))
        goto done;
    zmq_open = true;  /* zmq_bench_close also frees what a failed open left */
    if (zmq_bench_open(&z) != 0)
        goto done;
    if (tact_run_check(&auto_ctx) != 0 || tact_run_check(&actors_ctx) != 0)
        goto done;

    int scale = opt.quick ? 0 : 1;
    run_case_t cases[CASE_COUNT] = {
        [CASE_ZMQ] = { "zmq_roundtrip", "runs/s", zmq_roundtrip, &z, scale ? 20000 : 50, 1 },
        [CASE_DIRECT] = { "direct_call", "calls/s", direct_call, &direct,
                          scale ? 20000 : 50, scale ? 100 : 10 },
        [CASE_AUTO] = { "run_auto", "runs/s", tact_run_once, &auto_ctx, scale ? 100000 : 50, 1 },
        [CASE_ACTORS] = { "run_actors", "runs/s", tact_run_once, &actors_ctx,
                          scale ? 20000 : 50, 1 },
    };
    int rounds = opt.quick ? 1 : RUN_ROUNDS;
    int warmup = opt.quick ? 5 : 2000;

    bench_header("bench_run", "c = a * b on float32 scalars; latency per run; "
                              "ratio = median / zmq_roundtrip median (lower is better)");
    bench_note("rounds %d (cases interleaved), warm-up %d per case%s", rounds, warmup,
               opt.quick ? ", --quick: figures mean nothing" : "");
    for (int i = 0; i < CASE_COUNT; i++) {
        if (bench_warmup(cases[i].fn, cases[i].ctx, warmup) != 0)
            goto done;
    }
    for (int r = 0; r < rounds; r++) {
        for (int i = 0; i < CASE_COUNT; i++) {
            if (bench_collect(cases[i].fn, cases[i].ctx, cases[i].samples / rounds,
                              cases[i].batch, &samples[i]) != 0)
                goto done;
        }
    }

    bench_stats_t stats[CASE_COUNT];
    for (int i = 0; i < CASE_COUNT; i++)
        stats[i] = bench_stats(&samples[i]);
    double zmq_median = stats[CASE_ZMQ].median_us;
    for (int i = 0; i < CASE_COUNT; i++) {
        bool baseline = i == CASE_ZMQ || i == CASE_DIRECT;
        bench_line(cases[i].name, "CPU", "scalar", &stats[i], 1e6 / stats[i].median_us,
                   cases[i].unit, baseline ? NAN : stats[i].median_us / zmq_median,
                   baseline ? NULL : "zmq_roundtrip");
    }
    bench_note("run_auto = %.1f x direct_call, run_actors = %.1f x direct_call (medians)",
               stats[CASE_AUTO].median_us / stats[CASE_DIRECT].median_us,
               stats[CASE_ACTORS].median_us / stats[CASE_DIRECT].median_us);
    bench_target("run_auto median <= 0.12 x zmq_roundtrip median",
                 stats[CASE_AUTO].median_us <= 0.12 * zmq_median);
    bench_note_load(&load0);
    rc = 0;

done:
    if (zmq_open && zmq_bench_close(&z) != 0)
        rc = 1;
    for (int i = 0; i < CASE_COUNT; i++)
        bench_samples_free(&samples[i]);
    tact_session_t *sessions[] = { auto_ctx.s, actors_ctx.s };
    for (int i = 0; i < 2; i++) {
        tact_status_t cst = TACT_STATUS_INIT;
        if (sessions[i] != NULL && tact_session_close(sessions[i], &cst) != TACT_CODE_OK) {
            bench_failed(&cst, "tact_session_close");
            rc = 1;
        }
    }
    tact_session_destroy(&auto_ctx.s);
    tact_session_destroy(&actors_ctx.s);
    tact_tensor_destroy(&five);
    tact_tensor_destroy(&six);
    tact_graph_destroy(&g);
    return rc;
}
