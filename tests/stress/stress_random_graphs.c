/* SPDX-License-Identifier: MIT */
/* A random-graph fuzzer with a reference evaluator: seeded random graphs of element-wise ops
 * (with numpy broadcasting), matmuls, reductions and transposes, placed on one or two CPU
 * devices, run through the calling-thread executor or the device actors, and every fetched
 * value compared with a plain double-precision evaluation of the same graph. Short by
 * default; TACT_STRESS_SECONDS makes it long (scripts/soak.sh). */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "tests/stress/stress.h"

#define MAX_NODES 24
#define MAX_RANK  3
#define MAX_DIM   5

typedef enum {
    R_LEAF, R_ADD, R_SUB, R_MUL, R_NEG, R_RELU, R_SIGMOID, R_TANH, R_MATMUL, R_SUM, R_MEAN,
    R_TRANSPOSE
} rkind_t;

/* One node: its tact output and its reference value (row-major doubles). */
typedef struct rnode {
    rkind_t kind;
    int rank;
    int64_t dims[MAX_RANK];
    int64_t n;
    double *ref;
    tact_output_t out;
    bool fed;                     /* a placeholder, fed with `ref` */
} rnode_t;

typedef struct rgraph {
    rnode_t nodes[MAX_NODES];
    int n;
    uint64_t *rng;
    tact_graph_t *g;
    tact_status_t st;
} rgraph_t;

static int rnd(rgraph_t *rg, int n)
{
    return (int) (stress_rand(rg->rng) % (uint64_t) n);
}

static int64_t count(const int64_t *dims, int rank)
{
    int64_t n = 1;
    for (int i = 0; i < rank; i++)
        n *= dims[i];
    return n;
}

static rnode_t *new_node(rgraph_t *rg, rkind_t kind, int rank, const int64_t *dims)
{
    rnode_t *nd = &rg->nodes[rg->n++];
    memset(nd, 0, sizeof *nd);
    nd->kind = kind;
    nd->rank = rank;
    memcpy(nd->dims, dims, (size_t) rank * sizeof *dims);
    nd->n = count(dims, rank);
    nd->ref = calloc((size_t) (nd->n > 0 ? nd->n : 1), sizeof *nd->ref);
    return nd;
}

/* A leaf of this shape: a placeholder (fed) or a constant, values in [-2, 2] on a 1/8 grid
 * (exact in float32). */
static rnode_t *leaf(rgraph_t *rg, int rank, const int64_t *dims)
{
    rnode_t *nd = new_node(rg, R_LEAF, rank, dims);
    float *v = malloc((size_t) (nd->n > 0 ? nd->n : 1) * sizeof *v);
    for (int64_t i = 0; i < nd->n; i++) {
        v[i] = (float) (rnd(rg, 33) - 16) / 8.0f;
        nd->ref[i] = v[i];
    }
    nd->fed = rnd(rg, 2) == 0;
    if (nd->fed) {
        int64_t pdims[MAX_RANK];
        for (int i = 0; i < rank; i++)  /* sometimes a partial shape, as users declare them */
            pdims[i] = rnd(rg, 3) == 0 ? -1 : dims[i];
        nd->out = tact_placeholder(rg->g, TACT_DTYPE_F32, pdims, rank, NULL, &rg->st);
    } else {
        tact_tensor_t *t = tact_tensor_new(TACT_DTYPE_F32, dims, rank, v, &rg->st);
        nd->out = tact_constant(rg->g, t, NULL, &rg->st);
        tact_tensor_destroy(&t);
    }
    free(v);
    return nd;
}

/* The flat index into `src` (of rank sr, dims sd, right-aligned against the output's rank
 * `r`) for output coordinates `c`, numpy's broadcasting rule. */
static int64_t bcast_index(const int64_t *c, int r, const int64_t *sd, int sr)
{
    int64_t idx = 0;
    for (int i = 0; i < sr; i++) {
        int64_t ci = c[r - sr + i];
        idx = idx * sd[i] + (sd[i] == 1 ? 0 : ci);
    }
    return idx;
}

static void unflatten(int64_t flat, const int64_t *dims, int rank, int64_t *c)
{
    for (int i = rank - 1; i >= 0; i--) {
        c[i] = dims[i] > 0 ? flat % dims[i] : 0;
        flat = dims[i] > 0 ? flat / dims[i] : 0;
    }
}

static double sigmoid(double x)
{
    return 1.0 / (1.0 + exp(-x));
}

static rnode_t *binary(rgraph_t *rg, rkind_t kind, rnode_t *a)
{
    /* b: a's shape with some dimensions 1 and perhaps fewer leading ones; sometimes the other
     * way round (b the larger), so both sides broadcast. */
    int rank = a->rank - (a->rank > 0 ? rnd(rg, a->rank + 1) : 0);
    int64_t bd[MAX_RANK];
    for (int i = 0; i < rank; i++)
        bd[i] = rnd(rg, 3) == 0 ? 1 : a->dims[a->rank - rank + i];
    rnode_t *b = leaf(rg, rank, bd);
    if (rnd(rg, 2) == 0) {  /* swap the operands */
        rnode_t *t = a;
        a = b;
        b = t;
    }
    int r = a->rank > b->rank ? a->rank : b->rank;
    int64_t od[MAX_RANK];
    for (int i = 0; i < r; i++) {
        int ia = i - (r - a->rank), ib = i - (r - b->rank);
        int64_t da = ia >= 0 ? a->dims[ia] : 1, db = ib >= 0 ? b->dims[ib] : 1;
        od[i] = da == 1 ? db : da;
    }
    rnode_t *o = new_node(rg, kind, r, od);
    int64_t c[MAX_RANK];
    for (int64_t k = 0; k < o->n; k++) {
        unflatten(k, od, r, c);
        double x = a->ref[bcast_index(c, r, a->dims, a->rank)];
        double y = b->ref[bcast_index(c, r, b->dims, b->rank)];
        o->ref[k] = kind == R_ADD ? x + y : kind == R_SUB ? x - y : x * y;
    }
    o->out = kind == R_ADD   ? tact_add(rg->g, a->out, b->out, NULL, &rg->st)
             : kind == R_SUB ? tact_subtract(rg->g, a->out, b->out, NULL, &rg->st)
                             : tact_multiply(rg->g, a->out, b->out, NULL, &rg->st);
    return o;
}

static rnode_t *unary(rgraph_t *rg, rkind_t kind, rnode_t *a)
{
    rnode_t *o = new_node(rg, kind, a->rank, a->dims);
    for (int64_t k = 0; k < o->n; k++) {
        double x = a->ref[k];
        o->ref[k] = kind == R_NEG    ? -x
                    : kind == R_RELU ? (x > 0 || isnan(x) ? x : 0)  /* NaN stays, as TF's */
                    : kind == R_SIGMOID ? sigmoid(x)
                                        : tanh(x);
    }
    o->out = kind == R_NEG      ? tact_negative(rg->g, a->out, NULL, &rg->st)
             : kind == R_RELU   ? tact_relu(rg->g, a->out, NULL, &rg->st)
             : kind == R_SIGMOID ? tact_sigmoid(rg->g, a->out, NULL, &rg->st)
                                 : tact_tanh(rg->g, a->out, NULL, &rg->st);
    return o;
}

static rnode_t *matmul(rgraph_t *rg, rnode_t *a)
{
    bool ta = rnd(rg, 2), tb = rnd(rg, 2);
    int64_t m = ta ? a->dims[1] : a->dims[0], k = ta ? a->dims[0] : a->dims[1];
    int64_t nn = 1 + rnd(rg, MAX_DIM);
    int64_t bd[2] = { tb ? nn : k, tb ? k : nn };
    rnode_t *b = leaf(rg, 2, bd);
    rnode_t *o = new_node(rg, R_MATMUL, 2, (int64_t[]) { m, nn });
    for (int64_t i = 0; i < m; i++) {
        for (int64_t j = 0; j < nn; j++) {
            double sum = 0;
            for (int64_t p = 0; p < k; p++) {
                double x = ta ? a->ref[p * a->dims[1] + i] : a->ref[i * a->dims[1] + p];
                double y = tb ? b->ref[j * bd[1] + p] : b->ref[p * bd[1] + j];
                sum += x * y;
            }
            o->ref[i * nn + j] = sum;
        }
    }
    o->out = tact_matmul(rg->g, a->out, b->out, ta, tb, NULL, &rg->st);
    return o;
}

static rnode_t *reduce(rgraph_t *rg, rkind_t kind, rnode_t *a)
{
    bool reduced[MAX_RANK] = { false };
    int axes[MAX_RANK], n_axes = 0;
    for (int i = 0; i < a->rank; i++) {
        if (rnd(rg, 2)) {
            reduced[i] = true;
            axes[n_axes++] = rnd(rg, 2) ? i : i - a->rank;  /* negative axes too */
        }
    }
    bool keep = rnd(rg, 2);
    int all = n_axes == 0 && rnd(rg, 2);  /* no axes given: every axis */
    if (all) {
        for (int i = 0; i < a->rank; i++)
            reduced[i] = true;
    }
    int64_t od[MAX_RANK];
    int r = 0;
    for (int i = 0; i < a->rank; i++) {
        if (!reduced[i])
            od[r++] = a->dims[i];
        else if (keep)
            od[r++] = 1;
    }
    rnode_t *o = new_node(rg, kind, r, od);
    int64_t per = 1;
    for (int i = 0; i < a->rank; i++)
        per *= reduced[i] ? a->dims[i] : 1;
    int64_t c[MAX_RANK];
    for (int64_t k = 0; k < a->n; k++) {
        unflatten(k, a->dims, a->rank, c);
        int64_t idx = 0;
        for (int i = 0; i < a->rank; i++) {
            if (!reduced[i])
                idx = idx * a->dims[i] + c[i];
        }
        o->ref[idx] += a->ref[k];
    }
    if (kind == R_MEAN) {
        for (int64_t k = 0; k < o->n; k++)
            o->ref[k] = per > 0 ? o->ref[k] / (double) per : NAN;
    }
    /* axes NULL: every axis; an empty list reduces nothing. */
    const int *ax = all ? NULL : axes;
    int nax = all ? 0 : n_axes;
    o->out = kind == R_SUM ? tact_reduce_sum(rg->g, a->out, ax, nax, keep, NULL, &rg->st)
                           : tact_reduce_mean(rg->g, a->out, ax, nax, keep, NULL, &rg->st);
    return o;
}

static rnode_t *transpose(rgraph_t *rg, rnode_t *a)
{
    int perm[MAX_RANK];
    for (int i = 0; i < a->rank; i++)
        perm[i] = i;
    for (int i = a->rank - 1; i > 0; i--) {
        int j = rnd(rg, i + 1), t = perm[i];
        perm[i] = perm[j];
        perm[j] = t;
    }
    int64_t od[MAX_RANK];
    for (int i = 0; i < a->rank; i++)
        od[i] = a->dims[perm[i]];
    rnode_t *o = new_node(rg, R_TRANSPOSE, a->rank, od);
    int64_t c[MAX_RANK], src[MAX_RANK];
    for (int64_t k = 0; k < o->n; k++) {
        unflatten(k, od, a->rank, c);
        for (int i = 0; i < a->rank; i++)
            src[perm[i]] = c[i];
        int64_t idx = 0;
        for (int i = 0; i < a->rank; i++)
            idx = idx * a->dims[i] + src[i];
        o->ref[k] = a->ref[idx];
    }
    o->out = tact_transpose(rg->g, a->out, perm, a->rank, NULL, &rg->st);
    return o;
}

/* Grow a random graph of up to MAX_NODES nodes; every op is placed on CPU:0 or CPU:1 when
 * `two_devices`. */
static void build(rgraph_t *rg, bool two_devices)
{
    int rank = 1 + rnd(rg, MAX_RANK);
    int64_t dims[MAX_RANK];
    for (int i = 0; i < rank; i++)
        dims[i] = rnd(rg, 8) == 0 ? 0 : 1 + rnd(rg, MAX_DIM);  /* empty tensors now and then */
    leaf(rg, rank, dims);
    while (rg->n < MAX_NODES - 3 && rg->st.code == TACT_CODE_OK && rnd(rg, 10) != 0) {
        rnode_t *a = &rg->nodes[rnd(rg, rg->n)];
        if (two_devices)
            tact_graph_push_device(rg->g, rnd(rg, 2) ? "/cpu:1" : "/cpu:0", &rg->st);
        int pick = rnd(rg, 10);
        if (pick < 3)
            binary(rg, (rkind_t[]) { R_ADD, R_SUB, R_MUL }[rnd(rg, 3)], a);
        else if (pick < 6)
            unary(rg, (rkind_t[]) { R_NEG, R_RELU, R_SIGMOID, R_TANH }[rnd(rg, 4)], a);
        else if (pick < 7 && a->rank == 2)
            matmul(rg, a);
        else if (pick < 9 && a->rank >= 1)
            reduce(rg, rnd(rg, 2) ? R_SUM : R_MEAN, a);
        else if (a->rank >= 2)
            transpose(rg, a);
        else
            unary(rg, R_TANH, a);
        if (two_devices)
            tact_graph_pop_device(rg->g);
    }
}

static bool close_enough(double want, float got)
{
    if (isnan(want))
        return isnan(got);
    return fabs(want - (double) got) <= 1e-4 + 1e-4 * fabs(want);
}

/* One random graph, run and checked. */
static void one_graph(stress_t *t, uint64_t *rng, long iter)
{
    rgraph_t rg = { .rng = rng, .st = TACT_STATUS_INIT };
    rg.g = tact_graph_new();
    bool two = stress_rand(rng) % 2;
    build(&rg, two);
    STRESS_CHECK(t, rg.st.code == TACT_CODE_OK, "graph %ld: building failed: %s", iter,
                 rg.st.msg);
    tact_config_t config = { 0 };
    config.device_count.cpu = two ? 2 : 1;
    config.executor = stress_rand(rng) % 2 ? TACT_EXECUTOR_ACTORS : TACT_EXECUTOR_AUTO;
    tact_session_t *s = rg.st.code == TACT_CODE_OK ? tact_session_new(NULL, rg.g, &config,
                                                                      &rg.st)
                                                   : NULL;
    /* Fetch a few nodes (the last always), feeding every placeholder. */
    tact_output_t fetch[4];
    int which[4], n_fetch = 0;
    which[n_fetch++] = rg.n - 1;
    for (int i = 0; i < 3; i++)
        which[n_fetch++] = rnd(&rg, rg.n);
    for (int i = 0; i < n_fetch; i++)
        fetch[i] = rg.nodes[which[i]].out;
    tact_feed_t feeds[MAX_NODES];
    tact_tensor_t *fed[MAX_NODES];
    int n_feeds = 0;
    for (int i = 0; i < rg.n && s != NULL; i++) {
        rnode_t *nd = &rg.nodes[i];
        if (!nd->fed)
            continue;
        float *v = malloc((size_t) (nd->n > 0 ? nd->n : 1) * sizeof *v);
        for (int64_t k = 0; k < nd->n; k++)
            v[k] = (float) nd->ref[k];
        fed[n_feeds] = tact_tensor_new(TACT_DTYPE_F32, nd->dims, nd->rank, v, &rg.st);
        feeds[n_feeds] = (tact_feed_t) { nd->out, fed[n_feeds] };
        n_feeds++;
        free(v);
    }
    tact_tensor_t *res[4] = { NULL };
    if (s != NULL)
        tact_session_run(s, fetch, n_fetch, res, feeds, n_feeds, NULL, 0, &rg.st);
    atomic_fetch_add(&t->runs, 1);
    STRESS_CHECK(t, rg.st.code == TACT_CODE_OK, "graph %ld (%d nodes): run failed: %s", iter,
                 rg.n, rg.st.msg);
    for (int f = 0; f < n_fetch && rg.st.code == TACT_CODE_OK; f++) {
        rnode_t *nd = &rg.nodes[which[f]];
        STRESS_CHECK(t, tact_tensor_ndims(res[f]) == nd->rank, "graph %ld: fetch %d has rank %d, "
                     "want %d", iter, f, tact_tensor_ndims(res[f]), nd->rank);
        bool shape_ok = tact_tensor_ndims(res[f]) == nd->rank;
        for (int i = 0; shape_ok && i < nd->rank; i++)
            shape_ok = tact_tensor_dim(res[f], i) == nd->dims[i];
        STRESS_CHECK(t, shape_ok, "graph %ld: fetch %d (node %d) has the wrong shape", iter, f,
                     which[f]);
        const float *got = tact_tensor_data(res[f]);
        int bad = 0;
        for (int64_t k = 0; shape_ok && k < nd->n && bad < 3; k++) {
            if (!close_enough(nd->ref[k], got[k])) {
                bad++;
                STRESS_CHECK(t, false, "graph %ld: fetch %d (node %d, kind %d) [%lld] = %.9g, "
                             "want %.9g", iter, f, which[f], (int) nd->kind, (long long) k,
                             (double) got[k], nd->ref[k]);
            }
        }
    }
    for (int f = 0; f < n_fetch; f++)
        tact_tensor_destroy(&res[f]);
    for (int i = 0; i < n_feeds; i++)
        tact_tensor_destroy(&fed[i]);
    for (int i = 0; i < rg.n; i++)
        free(rg.nodes[i].ref);
    tact_session_destroy(&s);
    tact_graph_destroy(&rg.g);
}

int main(int argc, char **argv)
{
    stress_t t;
    stress_init(&t, "random_graphs", argc, argv, 2.0);
    uint64_t rng = t.seed;
    long graphs = 0;
    while (stress_running(&t) && atomic_load(&t.failures) < 5)
        one_graph(&t, &rng, graphs++);
    char extra[64];
    snprintf(extra, sizeof extra, "graphs=%ld", graphs);
    return stress_finish(&t, 1, extra);
}
