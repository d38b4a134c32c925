/* SPDX-License-Identifier: MIT */
/* The MLP of bench_mlp, shared with peer_tf so that both time the same network:
 *
 *     x[B, 784] -> dense 512 relu -> dense 512 relu -> dense 10 -> softmax, float32
 *
 * its fixed-seed data (mlp_init), the plain OpenBLAS forward pass (mlp_raw) and the tact graph
 * (mlp_build, mlp_tact_run). */
#ifndef TACT_BENCH_MLP_NET_H
#define TACT_BENCH_MLP_NET_H

#include "bench.h"

#include <cblas.h>

#define MLP_IN    784
#define MLP_H     512
#define MLP_OUT   10
#define MLP_N_LAYERS 3

static const int mlp_in[MLP_N_LAYERS] = { MLP_IN, MLP_H, MLP_H };
static const int mlp_out[MLP_N_LAYERS] = { MLP_H, MLP_H, MLP_OUT };

typedef struct mlp {
    int batch;                 /* rows of x: 64, or 1 (one request at a time) */
    float *x;                  /* [batch, 784] */
    float *w[MLP_N_LAYERS];    /* [in, out] */
    float *b[MLP_N_LAYERS];    /* [out] */
    float *h[MLP_N_LAYERS];    /* raw activations [batch, out]; h[2] is the softmax output */
} mlp_t;

static inline void mlp_free(mlp_t *m)
{
    free(m->x);
    for (int l = 0; l < MLP_N_LAYERS; l++) {
        free(m->w[l]);
        free(m->b[l]);
        free(m->h[l]);
    }
}

/* Weights and x uniform random with a fixed seed. 0, or -1 after printing why. */
static inline int mlp_init(mlp_t *m, int batch)
{
    memset(m, 0, sizeof *m);
    m->batch = batch;
    bench_rng_t rng = { 0x6d6c70u };
    m->x = malloc((size_t) batch * MLP_IN * sizeof *m->x);
    bool ok = m->x != NULL;
    for (int l = 0; l < MLP_N_LAYERS; l++) {
        m->w[l] = malloc((size_t) mlp_in[l] * (size_t) mlp_out[l] * sizeof *m->w[l]);
        m->b[l] = malloc((size_t) mlp_out[l] * sizeof *m->b[l]);
        m->h[l] = malloc((size_t) batch * (size_t) mlp_out[l] * sizeof *m->h[l]);
        ok = ok && m->w[l] && m->b[l] && m->h[l];
    }
    if (!ok) {
        fprintf(stderr, "bench: out of memory\n");
        return -1;
    }
    for (int i = 0; i < batch * MLP_IN; i++)
        m->x[i] = bench_rng_uniform(&rng, 0.0f, 1.0f);
    for (int l = 0; l < MLP_N_LAYERS; l++) {
        float r = 1.0f / sqrtf((float) mlp_in[l]);  /* LeCun-uniform-like scale */
        for (int i = 0; i < mlp_in[l] * mlp_out[l]; i++)
            m->w[l][i] = bench_rng_uniform(&rng, -r, r);
        for (int j = 0; j < mlp_out[l]; j++)
            m->b[l][j] = bench_rng_uniform(&rng, -0.1f, 0.1f);
    }
    return 0;
}

/* ------------------------------------------------------------------------------------------ */
/* The straightforward OpenBLAS version                                                       */
/* ------------------------------------------------------------------------------------------ */

static inline void mlp_raw(mlp_t *m)
{
    const float *in = m->x;
    for (int l = 0; l < MLP_N_LAYERS; l++) {
        int k = mlp_in[l], n = mlp_out[l];
        float *h = m->h[l];
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, m->batch, n, k, 1.0f, in, k,
                    m->w[l], n, 0.0f, h, n);
        for (int i = 0; i < m->batch; i++) {  /* bias */
            for (int j = 0; j < n; j++)
                h[i * n + j] += m->b[l][j];
        }
        if (l < MLP_N_LAYERS - 1) {
            for (int i = 0; i < m->batch * n; i++)  /* relu */
                h[i] = h[i] > 0.0f ? h[i] : 0.0f;
        }
        in = h;
    }
    float *y = m->h[MLP_N_LAYERS - 1];
    for (int i = 0; i < m->batch; i++) {  /* softmax, max-shifted */
        float *row = y + i * MLP_OUT;
        float mx = row[0], sum = 0.0f;
        for (int j = 1; j < MLP_OUT; j++)
            mx = row[j] > mx ? row[j] : mx;
        for (int j = 0; j < MLP_OUT; j++) {
            row[j] = expf(row[j] - mx);
            sum += row[j];
        }
        for (int j = 0; j < MLP_OUT; j++)
            row[j] /= sum;
    }
}

/* ------------------------------------------------------------------------------------------ */
/* tact                                                                                       */
/* ------------------------------------------------------------------------------------------ */

typedef struct mlp_tact {
    tact_session_t *s;
    tact_output_t x, y;
    tact_tensor_t *xv;
    tact_status_t st;
} mlp_tact_t;

/* Build the graph into `g`; weights are copied into constants. */
static inline tact_code_t mlp_build(tact_graph_t *g, const mlp_t *m, mlp_tact_t *t,
                                    tact_status_t *st)
{
    int64_t xdims[2] = { m->batch, MLP_IN };
    t->x = tact_placeholder(g, TACT_DTYPE_F32, xdims, 2, "x", st);
    tact_output_t h = t->x;
    for (int l = 0; l < MLP_N_LAYERS && st->code == TACT_CODE_OK; l++) {
        int64_t wdims[2] = { mlp_in[l], mlp_out[l] }, bdims[1] = { mlp_out[l] };
        tact_tensor_t *w = tact_tensor_new(TACT_DTYPE_F32, wdims, 2, m->w[l], st);
        tact_tensor_t *b = tact_tensor_new(TACT_DTYPE_F32, bdims, 1, m->b[l], st);
        tact_output_t wc = tact_constant(g, w, NULL, st);
        tact_output_t bc = tact_constant(g, b, NULL, st);
        tact_tensor_destroy(&w);
        tact_tensor_destroy(&b);
        h = tact_add(g, tact_matmul(g, h, wc, false, false, NULL, st), bc, NULL, st);
        if (l < MLP_N_LAYERS - 1)
            h = tact_relu(g, h, NULL, st);
    }
    t->y = tact_softmax(g, h, NULL, st);
    t->xv = tact_tensor_new(TACT_DTYPE_F32, xdims, 2, m->x, st);
    return st->code;
}

/* One run; *out_p receives the result when out_p is not NULL, else it is destroyed. */
static inline int mlp_tact_run(mlp_tact_t *t, tact_tensor_t **out_p)
{
    tact_feed_t feed = { t->x, t->xv };
    tact_tensor_t *out = NULL;
    if (tact_session_run(t->s, &t->y, 1, &out, &feed, 1, NULL, 0, &t->st) != TACT_CODE_OK) {
        bench_failed(&t->st, "tact_session_run");
        return -1;
    }
    if (out_p != NULL)
        *out_p = out;
    else
        tact_tensor_destroy(&out);
    return 0;
}

#endif
