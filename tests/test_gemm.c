/* SPDX-License-Identifier: MIT */
/* The CPU device's float32 GEMM path (devices/cpu/gemm.c) and the MatMul chains the plan fuses
 * (runtime/exec/plan.c): oneDNN with packed weights against OpenBLAS and against a double-precision
 * reference, for every transpose and odd shapes; packed weights dropped when a variable
 * changes, and never shared between sessions; a fetched intermediate keeps its own value.
 * Where oneDNN is not installed the packed cases run OpenBLAS twice and say so. */
#include "devices/cpu/gemm.h"
#include "devices/cpu/intra_pool.h"

#include <setjmp.h>
#include <cmocka.h>
#include <math.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "tests/helpers.h"

/* The ways a float32 GEMM can run: OpenBLAS, then the two packed ones, each forced. */
static const tact_cpu_gemm_lib_t libs[3] = { TACT_CPU_GEMM_OPENBLAS, TACT_CPU_GEMM_ONEDNN,
                                             TACT_CPU_GEMM_ONEDNN_SGEMM };
static const char *const lib_names[3] = { "OpenBLAS", "oneDNN matmul", "oneDNN packed sgemm" };
static bool have[3];  /* whether forcing libs[i] takes effect here */

static int group_setup(void **state)
{
    (void) state;
    tact_cpu_gemm_lib_t old = tact__cpu_gemm_lib();
    for (int i = 0; i < 3; i++) {
        tact__cpu_gemm_set_lib(libs[i]);
        have[i] = tact__cpu_gemm_lib() == libs[i];
        if (!have[i])
            print_message("%s not available: its cases run OpenBLAS\n", lib_names[i]);
    }
    tact__cpu_gemm_set_lib(old);
    return 0;
}

/* Packs expected from `n` packings under libs[lib]: none on OpenBLAS. */
static uint64_t packs_for(int lib, uint64_t n)
{
    return lib > 0 && have[lib] ? n : 0;
}

/* Deterministic values in [-1, 1). */
static void fill(float *x, int64_t n, uint32_t seed)
{
    for (int64_t i = 0; i < n; i++) {
        seed = seed * 1664525u + 1013904223u;
        x[i] = (float) ((double) (seed >> 8) / (double) (1u << 24) * 2.0 - 1.0);
    }
}

typedef enum { ACT_NONE, ACT_RELU, ACT_SIGMOID, ACT_TANH, ACT_RELU6 } act_t;

static double act_apply(act_t act, double v)
{
    switch (act) {
    case ACT_RELU:
        return v < 0 ? 0 : v;
    case ACT_SIGMOID:
        return 1.0 / (1.0 + exp(-v));
    case ACT_TANH:
        return tanh(v);
    case ACT_RELU6:
        return v < 0 ? 0 : v > 6 ? 6 : v;
    default:
        return v;
    }
}

/* ref[m, n] = act(op(a) op(b) + bias), a stored [k, m] when ta, b stored [n, k] when tb. */
static void reference(const float *a, const float *b, const float *bias, act_t act, bool ta,
                      bool tb, int64_t m, int64_t k, int64_t n, double *ref)
{
    for (int64_t i = 0; i < m; i++) {
        for (int64_t j = 0; j < n; j++) {
            double s = 0;
            for (int64_t p = 0; p < k; p++)
                s += (double) (ta ? a[p * m + i] : a[i * k + p]) *
                     (double) (tb ? b[j * k + p] : b[p * n + j]);
            ref[i * n + j] = act_apply(act, s + (bias != NULL ? bias[j] : 0.0));
        }
    }
}

/* `t` is float32 [m, n] and within float tolerance of ref. */
static void expect_close(const tact_tensor_t *t, const double *ref, int64_t m, int64_t n,
                         int64_t k, const char *what)
{
    assert_non_null(t);
    assert_int_equal(tact_tensor_dtype(t), TACT_DTYPE_F32);
    assert_int_equal(tact_tensor_ndims(t), 2);
    assert_int_equal(tact_tensor_dim(t, 0), m);
    assert_int_equal(tact_tensor_dim(t, 1), n);
    const float *got = tact_tensor_data(t);
    double tol = 1e-5 * (double) (k + 1);
    for (int64_t i = 0; i < m * n; i++) {
        if (fabs((double) got[i] - ref[i]) > tol * (1.0 + fabs(ref[i])))
            fail_msg("%s: element %lld is %.9g, want %.9g", what, (long long) i, got[i], ref[i]);
    }
}

static tact_output_t act_op(tact_graph_t *g, act_t act, tact_output_t x, tact_status_t *st)
{
    switch (act) {
    case ACT_RELU:
        return tact_relu(g, x, "y", st);
    case ACT_SIGMOID:
        return tact_sigmoid(g, x, "y", st);
    case ACT_TANH:
        return tact_tanh(g, x, "y", st);
    case ACT_RELU6:
        return tact_relu6(g, x, "y", st);
    default:
        return x;
    }
}

/* The partition text of one run of `fetches` (a single CPU partition). Caller frees. */
static char *partition_of(tact_session_t *s, const tact_output_t *fetches, int n_fetches,
                          const tact_feed_t *feeds, int n_feeds)
{
    tact_status_t st = TACT_STATUS_INIT;
    tact_run_metadata_t md = { 0 };
    tact_run_options_t opts = { .metadata = &md };
    tact_tensor_t *r[4] = { NULL };
    assert_int_equal(tact_session_run_ex(s, &opts, fetches, n_fetches, r, feeds, n_feeds, NULL,
                                         0, &st), TACT_CODE_OK);
    for (int i = 0; i < n_fetches; i++)
        tact_tensor_destroy(&r[i]);
    assert_int_equal(md.n_partitions, 1);
    char *text = strdup(md.partitions[0].graph);
    tact_run_metadata_clear(&md);
    return text;
}

/* ------------------------------------------------------------------------------------------ */

/* Every transpose combination and odd shapes, with and without bias and each activation:
 * packed (oneDNN), OpenBLAS and the unfused path (the MatMul fetched too) all agree with the
 * reference; a second run packs nothing more. */
static void test_packed_equals_unpacked(void **state)
{
    (void) state;
    static const int64_t shapes[][3] = { { 1, 1, 1 }, { 1, 3, 17 }, { 3, 17, 1 },
                                         { 17, 513, 3 }, { 64, 17, 513 }, { 5, 1, 7 },
                                         { 33, 300, 65 } };
    int cases = 0;
    for (size_t sh = 0; sh < sizeof shapes / sizeof shapes[0]; sh++) {
        int64_t m = shapes[sh][0], k = shapes[sh][1], n = shapes[sh][2];
        for (int tr = 0; tr < 4; tr++) {
            bool ta = tr & 1, tb = tr & 2;
            act_t act = (act_t) ((sh + (size_t) tr) % 5);
            bool with_bias = (sh + (size_t) tr) % 3 != 0 || act == ACT_NONE;
            bool bias_first = tr == 1;
            float *a = malloc((size_t) (m * k) * sizeof *a);
            float *b = malloc((size_t) (k * n) * sizeof *b);
            float *bias = malloc((size_t) n * sizeof *bias);
            double *ref = malloc((size_t) (m * n) * sizeof *ref);
            fill(a, m * k, 1u + (uint32_t) tr);
            fill(b, k * n, 7u + (uint32_t) sh);
            fill(bias, n, 99u);
            reference(a, b, with_bias ? bias : NULL, act, ta, tb, m, k, n, ref);

            tact_status_t st = TACT_STATUS_INIT;
            tact_graph_t *g = tact_graph_new();
            int64_t adims[2] = { ta ? k : m, ta ? m : k }, bdims[2] = { tb ? n : k, tb ? k : n };
            tact_output_t x = tact_placeholder(g, TACT_DTYPE_F32, adims, 2, "x", &st);
            tact_output_t w = tu_const_f32(g, bdims, 2, b, "w", &st);
            tact_output_t mm = tact_matmul(g, x, w, ta, tb, "mm", &st);
            tact_output_t y = mm;
            if (with_bias) {
                tact_output_t bc = tu_const_f32(g, (int64_t[]) { n }, 1, bias, "b", &st);
                y = bias_first ? tact_add(g, bc, mm, "add", &st) : tact_add(g, mm, bc, "add", &st);
            }
            y = act_op(g, act, y, &st);
            assert_int_equal(st.code, TACT_CODE_OK);
            tact_tensor_t *xv = tu_f32(adims, 2, a);
            tact_feed_t feed = { x, xv };
            char what[200];

            for (int lib = 0; lib < 3; lib++) {
                tact__cpu_gemm_set_lib(libs[lib]);
                tact_session_t *s = tu_session(g, NULL);
                uint64_t packs0 = tact__cpu_gemm_packs();
                snprintf(what, sizeof what, "%s [%lld,%lld,%lld] ta=%d tb=%d act=%d bias=%d",
                         lib_names[lib], (long long) m, (long long) k, (long long) n, ta, tb,
                         act, with_bias);
                for (int run = 0; run < 2; run++) {
                    tact_tensor_t *r = tu_run1(s, y, &feed, 1, &st);
                    assert_int_equal(st.code, TACT_CODE_OK);
                    expect_close(r, ref, m, n, k, what);
                    tact_tensor_destroy(&r);
                    /* packed on the first run, reused on the second */
                    assert_int_equal(tact__cpu_gemm_packs() - packs0, packs_for(lib, 1));
                }
                /* Unfused: the MatMul is fetched too, so it and y each get their value. */
                tact_output_t both[2] = { mm, y };
                tact_tensor_t *r2[2] = { NULL };
                assert_int_equal(tact_session_run(s, both, 2, r2, &feed, 1, NULL, 0, &st),
                                 TACT_CODE_OK);
                expect_close(r2[1], ref, m, n, k, what);
                double *plain = malloc((size_t) (m * n) * sizeof *plain);
                reference(a, b, NULL, ACT_NONE, ta, tb, m, k, n, plain);
                expect_close(r2[0], plain, m, n, k, what);
                free(plain);
                tact_tensor_destroy(&r2[0]);
                tact_tensor_destroy(&r2[1]);
                tact_session_destroy(&s);
                cases++;
            }
            tact__cpu_gemm_set_lib(TACT_CPU_GEMM_AUTO);
            tact_tensor_destroy(&xv);
            tact_graph_destroy(&g);
            free(a);
            free(b);
            free(bias);
            free(ref);
        }
    }
    assert_int_equal(cases, 7 * 4 * 3);
}

/* AUTO, the default: the first runs of a shape time both ways, then the faster one keeps it;
 * every run, whichever way it took, gives the reference's values. */
static void test_auto_choice_keeps_values(void **state)
{
    (void) state;
    int64_t m = 17, k = 513, n = 3;
    float *a = malloc((size_t) (m * k) * sizeof *a), *b = malloc((size_t) (k * n) * sizeof *b);
    float bias[3] = { 0.5f, -0.25f, 0 };
    double *ref = malloc((size_t) (m * n) * sizeof *ref);
    fill(a, m * k, 11);
    fill(b, k * n, 12);
    reference(a, b, bias, ACT_TANH, false, false, m, k, n, ref);
    tact_status_t st = TACT_STATUS_INIT;
    tact_graph_t *g = tact_graph_new();
    tact_output_t x = tu_const_f32(g, (int64_t[]) { m, k }, 2, a, "x", &st);
    tact_output_t w = tu_const_f32(g, (int64_t[]) { k, n }, 2, b, "w", &st);
    tact_output_t bc = tu_const_f32(g, (int64_t[]) { n }, 1, bias, "b", &st);
    tact_output_t y = tact_tanh(g, tact_add(g, tact_matmul(g, x, w, false, false, "mm", &st), bc,
                                            "add", &st), "y", &st);
    assert_int_equal(st.code, TACT_CODE_OK);
    tact__cpu_gemm_set_lib(TACT_CPU_GEMM_AUTO);
    tact_session_t *s = tu_session(g, NULL);
    uint64_t p0 = tact__cpu_gemm_packs();
    for (int run = 0; run < 12; run++) {
        tact_tensor_t *r = tu_run1(s, y, NULL, 0, &st);
        assert_int_equal(st.code, TACT_CODE_OK);
        expect_close(r, ref, m, n, k, "auto");
        tact_tensor_destroy(&r);
    }
    /* oneDNN was tried (and packed once) where it is present */
    assert_int_equal(tact__cpu_gemm_packs() - p0, have[1] ? 1 : 0);
    tact_session_destroy(&s);
    tact_graph_destroy(&g);
    free(a);
    free(b);
    free(ref);
}

/* A fused chain is one node of the partition; fetching its MatMul, or giving the MatMul
 * another consumer, keeps the ops apart and every value its own. */
static void test_fetched_intermediate_has_its_own_value(void **state)
{
    (void) state;
    tact_status_t st = TACT_STATUS_INIT;
    tact_graph_t *g = tact_graph_new();
    float av[6] = { 1, -2, 3, -4, 5, -6 }, wv[6] = { 1, 0.5f, -1, 2, 0, -3 };
    float bv[2] = { 0.25f, -10 };
    tact_output_t x = tact_placeholder(g, TACT_DTYPE_F32, (int64_t[]) { 2, 3 }, 2, "x", &st);
    tact_output_t w = tu_const_f32(g, (int64_t[]) { 3, 2 }, 2, wv, "w", &st);
    tact_output_t bc = tu_const_f32(g, (int64_t[]) { 2 }, 1, bv, "b", &st);
    tact_output_t mm = tact_matmul(g, x, w, false, false, "mm", &st);
    tact_output_t add = tact_add(g, mm, bc, "add", &st);
    tact_output_t y = tact_relu(g, add, "y", &st);
    /* A second chain whose MatMul has another consumer (a Neg). */
    tact_output_t mm2 = tact_matmul(g, x, w, false, false, "mm2", &st);
    tact_output_t y2 = tact_relu(g, tact_add(g, mm2, bc, "add2", &st), "y2", &st);
    tact_output_t neg = tact_negative(g, mm2, "neg", &st);
    assert_int_equal(st.code, TACT_CODE_OK);
    tact_tensor_t *xv = tu_f32((int64_t[]) { 2, 3 }, 2, av);
    tact_feed_t feed = { x, xv };
    float want_mm[4], want_add[4], want_y[4];
    for (int i = 0; i < 2; i++) {
        for (int j = 0; j < 2; j++) {
            float s = 0;
            for (int p = 0; p < 3; p++)
                s += av[i * 3 + p] * wv[p * 2 + j];
            want_mm[i * 2 + j] = s;
            want_add[i * 2 + j] = s + bv[j];
            want_y[i * 2 + j] = s + bv[j] < 0 ? 0 : s + bv[j];
        }
    }
    for (int lib = 0; lib < 3; lib++) {
        tact__cpu_gemm_set_lib(libs[lib]);
        tact_session_t *s = tu_session(g, NULL);
        char *text = partition_of(s, &y, 1, &feed, 1);
        assert_true(tu_contains(text, "y = _FusedMatMul(_arg_x_0_0, w, b)"));
        assert_null(strstr(text, "mm = MatMul"));
        assert_null(strstr(text, "add = Add"));
        free(text);
        tact_output_t three[3] = { mm, add, y };
        text = partition_of(s, three, 3, &feed, 1);
        assert_null(strstr(text, "_FusedMatMul"));
        assert_true(tu_contains(text, "mm = MatMul(_arg_x_0_0, w)"));
        free(text);
        tact_tensor_t *r[3] = { NULL };
        assert_int_equal(tact_session_run(s, three, 3, r, &feed, 1, NULL, 0, &st), TACT_CODE_OK);
        assert_true(tu_f32_equal(r[0], (int64_t[]) { 2, 2 }, 2, want_mm));
        assert_true(tu_f32_equal(r[1], (int64_t[]) { 2, 2 }, 2, want_add));
        assert_true(tu_f32_equal(r[2], (int64_t[]) { 2, 2 }, 2, want_y));
        for (int i = 0; i < 3; i++)
            tact_tensor_destroy(&r[i]);
        /* Only the Add fetched: MatMul + Add fuse without an activation. */
        text = partition_of(s, &add, 1, &feed, 1);
        assert_true(tu_contains(text, "add = _FusedMatMul(_arg_x_0_0, w, b)"));
        free(text);
        tact_tensor_t *ra = tu_run1(s, add, &feed, 1, &st);
        assert_true(tu_f32_equal(ra, (int64_t[]) { 2, 2 }, 2, want_add));
        tact_tensor_destroy(&ra);
        /* mm2 has two consumers: not fused, both right. */
        tact_output_t two[2] = { y2, neg };
        text = partition_of(s, two, 2, &feed, 1);
        assert_null(strstr(text, "_FusedMatMul"));
        free(text);
        tact_tensor_t *r2[2] = { NULL };
        assert_int_equal(tact_session_run(s, two, 2, r2, &feed, 1, NULL, 0, &st), TACT_CODE_OK);
        float want_neg[4];
        for (int i = 0; i < 4; i++)
            want_neg[i] = -want_mm[i];
        assert_true(tu_f32_equal(r2[0], (int64_t[]) { 2, 2 }, 2, want_y));
        assert_true(tu_f32_equal(r2[1], (int64_t[]) { 2, 2 }, 2, want_neg));
        tact_tensor_destroy(&r2[0]);
        tact_tensor_destroy(&r2[1]);
        tact_session_destroy(&s);
    }
    tact__cpu_gemm_set_lib(TACT_CPU_GEMM_AUTO);
    tact_tensor_destroy(&xv);
    tact_graph_destroy(&g);
}

/* A bias of unknown static shape is not fused (the plan cannot tell it is a row [N]): a fed
 * row of the right size works, a wrong one fails as the Add, naming it. */
static void test_bad_bias_fails_as_the_add(void **state)
{
    (void) state;
    tact_status_t st = TACT_STATUS_INIT;
    tact_graph_t *g = tact_graph_new();
    tact_output_t x = tu_const_f32(g, (int64_t[]) { 2, 2 }, 2, (float[]) { 1, 2, 3, 4 }, "x", &st);
    tact_output_t bias = tact_placeholder(g, TACT_DTYPE_F32, (int64_t[]) { -1 }, 1, "bias", &st);
    tact_output_t y = tact_relu(g, tact_add(g, tact_matmul(g, x, x, false, false, "mm", &st),
                                            bias, "add", &st), "y", &st);
    assert_int_equal(st.code, TACT_CODE_OK);
    tact_session_t *s = tu_session(g, NULL);
    tact_tensor_t *good = tu_f32((int64_t[]) { 2 }, 1, (float[]) { -100, 1 });
    tact_feed_t feed = { bias, good };
    tact_tensor_t *r = tu_run1(s, y, &feed, 1, &st);
    assert_int_equal(st.code, TACT_CODE_OK);
    assert_true(tu_f32_equal(r, (int64_t[]) { 2, 2 }, 2, (float[]) { 0, 11, 0, 23 }));
    tact_tensor_destroy(&r);
    tact_tensor_t *bad = tu_f32((int64_t[]) { 3 }, 1, (float[]) { 1, 2, 3 });
    feed.value = bad;
    r = tu_run1(s, y, &feed, 1, &st);
    assert_null(r);
    assert_int_equal(st.code, TACT_CODE_INVALID_ARGUMENT);
    assert_true(tu_contains(st.msg, "Incompatible shapes: [2,2] vs. [3]"));
    assert_true(tu_contains(st.msg, "[[{{node add}}]]"));
    tact_tensor_destroy(&bad);
    tact_tensor_destroy(&good);
    tact_session_destroy(&s);
    tact_graph_destroy(&g);
}

/* ------------------------------------------------------------------------------------------ */

#define VK 5
#define VN 3

typedef struct var_graph {
    tact_graph_t *g;
    tact_output_t x, w, y, set, bump;
    tact_op_t *init;
    float x0[2 * VK], w0[VK * VN], w1[VK * VN], d[VK * VN], bias[VN];
} var_graph_t;

/* y = relu(x W + b) with W a variable: init to w0, `set` assigns w1, `bump` adds d. */
static void var_graph_init(var_graph_t *v)
{
    tact_status_t st = TACT_STATUS_INIT;
    fill(v->x0, 2 * VK, 3);
    fill(v->w0, VK * VN, 4);
    fill(v->w1, VK * VN, 5);
    fill(v->d, VK * VN, 6);
    fill(v->bias, VN, 8);
    v->g = tact_graph_new();
    int64_t wd[2] = { VK, VN };
    v->x = tu_const_f32(v->g, (int64_t[]) { 2, VK }, 2, v->x0, "x", &st);
    v->w = tact_variable(v->g, tu_const_f32(v->g, wd, 2, v->w0, "w0", &st), "w", &st);
    tact_output_t b = tu_const_f32(v->g, (int64_t[]) { VN }, 1, v->bias, "b", &st);
    v->y = tact_relu(v->g, tact_add(v->g, tact_matmul(v->g, v->x, v->w, false, false, "mm", &st),
                                    b, "add", &st), "y", &st);
    v->set = tact_assign(v->g, v->w, tu_const_f32(v->g, wd, 2, v->w1, "w1", &st), "set", &st);
    v->bump = tact_assign_add(v->g, v->w, tu_const_f32(v->g, wd, 2, v->d, "d", &st), "bump", &st);
    v->init = tact_global_variables_initializer(v->g, &st);
    assert_int_equal(st.code, TACT_CODE_OK);
}

static void expect_y(tact_session_t *s, const var_graph_t *v, const float *w)
{
    double ref[2 * VN];
    reference(v->x0, w, v->bias, ACT_RELU, false, false, 2, VK, VN, ref);
    tact_status_t st = TACT_STATUS_INIT;
    tact_tensor_t *r = tu_run1(s, v->y, NULL, 0, &st);
    assert_int_equal(st.code, TACT_CODE_OK);
    expect_close(r, ref, 2, VN, VK, "y");
    tact_tensor_destroy(&r);
}

/* Assign and AssignAdd between runs: the next run reads the new value (packed anew, once),
 * through either packed way. */
static void test_assign_invalidates_packed_weights(void **state)
{
    (void) state;
    var_graph_t v;
    var_graph_init(&v);
    for (int lib = 1; lib < 3; lib++) {
        tact__cpu_gemm_set_lib(libs[lib]);
        tact_session_t *s = tu_session(v.g, NULL);
        tu_run_op(s, v.init);
        uint64_t p0 = tact__cpu_gemm_packs();
        expect_y(s, &v, v.w0);
        expect_y(s, &v, v.w0);
        assert_int_equal(tact__cpu_gemm_packs() - p0, packs_for(lib, 1));
        tu_run_op(s, v.set.op);
        expect_y(s, &v, v.w1);
        expect_y(s, &v, v.w1);
        assert_int_equal(tact__cpu_gemm_packs() - p0, packs_for(lib, 2));
        tu_run_op(s, v.bump.op);
        float sum[VK * VN];
        for (int i = 0; i < VK * VN; i++)
            sum[i] = v.w1[i] + v.d[i];
        expect_y(s, &v, sum);
        assert_int_equal(tact__cpu_gemm_packs() - p0, packs_for(lib, 3));
        tact_session_destroy(&s);
    }
    tact__cpu_gemm_set_lib(TACT_CPU_GEMM_AUTO);
    tact_graph_destroy(&v.g);
}

/* Two sessions over one graph, their variable at different values, runs interleaved: each
 * reads its own weights. */
static void test_two_sessions_never_share_packed_weights(void **state)
{
    (void) state;
    var_graph_t v;
    var_graph_init(&v);
    for (int lib = 1; lib < 3; lib++) {
        tact__cpu_gemm_set_lib(libs[lib]);
        tact_session_t *a = tu_session(v.g, NULL), *b = tu_session(v.g, NULL);
        tu_run_op(a, v.init);
        tu_run_op(b, v.init);
        tu_run_op(b, v.set.op);
        uint64_t p0 = tact__cpu_gemm_packs();
        for (int i = 0; i < 3; i++) {
            expect_y(a, &v, v.w0);
            expect_y(b, &v, v.w1);
        }
        assert_int_equal(tact__cpu_gemm_packs() - p0, packs_for(lib, 2));  /* one each */
        tact_session_destroy(&a);
        expect_y(b, &v, v.w1);  /* a's packed copies went with it, b's stay */
        tact_session_destroy(&b);
    }
    tact__cpu_gemm_set_lib(TACT_CPU_GEMM_AUTO);
    tact_graph_destroy(&v.g);
}

/* Many threads on one session share its packed weights while another assigns: every result is
 * one of the two values' (ThreadSanitizer checks the cache's locking). */
typedef struct race {
    tact_session_t *s;
    var_graph_t *v;
    double ref0[2 * VN], ref1[2 * VN];
    int bad;
} race_t;

static void *race_runs(void *arg)
{
    race_t *r = arg;
    for (int i = 0; i < 40; i++) {
        tact_status_t st = TACT_STATUS_INIT;
        tact_tensor_t *t = tu_run1(r->s, r->v->y, NULL, 0, &st);
        if (t == NULL) {
            __atomic_add_fetch(&r->bad, 1, __ATOMIC_RELAXED);
            continue;
        }
        const float *got = tact_tensor_data(t);
        bool is0 = true, is1 = true;
        for (int j = 0; j < 2 * VN; j++) {
            is0 = is0 && fabs(got[j] - r->ref0[j]) < 1e-4;
            is1 = is1 && fabs(got[j] - r->ref1[j]) < 1e-4;
        }
        if (!is0 && !is1)
            __atomic_add_fetch(&r->bad, 1, __ATOMIC_RELAXED);
        tact_tensor_destroy(&t);
    }
    return NULL;
}

static void test_concurrent_runs_and_assigns(void **state)
{
    (void) state;
    var_graph_t v;
    var_graph_init(&v);
    tact__cpu_gemm_set_lib(TACT_CPU_GEMM_ONEDNN_SGEMM);
    race_t r = { .s = tu_session(v.g, NULL), .v = &v };
    reference(v.x0, v.w0, v.bias, ACT_RELU, false, false, 2, VK, VN, r.ref0);
    reference(v.x0, v.w1, v.bias, ACT_RELU, false, false, 2, VK, VN, r.ref1);
    tu_run_op(r.s, v.init);
    tact_output_t back = tact_assign(v.g, v.w, tu_const_f32(v.g, (int64_t[]) { VK, VN }, 2, v.w0,
                                                            "w0b", NULL), "back", NULL);
    pthread_t th[2];
    for (int i = 0; i < 2; i++)
        assert_int_equal(pthread_create(&th[i], NULL, race_runs, &r), 0);
    for (int i = 0; i < 20; i++)
        tu_run_op(r.s, i % 2 ? back.op : v.set.op);
    for (int i = 0; i < 2; i++)
        pthread_join(th[i], NULL);
    assert_int_equal(r.bad, 0);
    tact_session_destroy(&r.s);
    tact__cpu_gemm_set_lib(TACT_CPU_GEMM_AUTO);
    tact_graph_destroy(&v.g);
}

/* A packed product big enough to split runs its rows on every core OpenBLAS may use (one
 * call of the intra-op workers per run), with the reference's values and the epilogue on
 * each part's rows; a batch too small to split runs on the caller alone. */
static void test_packed_product_split_over_cores(void **state)
{
    (void) state;
    if (!have[2])
        skip();
    enum { K = 200, N = 96 };
    static const int64_t batches[] = { 64, 37, 7 };  /* even, odd, too few rows to split */
    float *w = malloc((size_t) K * N * sizeof *w), bias[N];
    fill(w, K * N, 5u);
    fill(bias, N, 6u);
    tact__cpu_gemm_set_lib(TACT_CPU_GEMM_ONEDNN_SGEMM);
    for (size_t i = 0; i < sizeof batches / sizeof batches[0]; i++) {
        int64_t m = batches[i];
        float *x = malloc((size_t) (m * K) * sizeof *x);
        double *ref = malloc((size_t) (m * N) * sizeof *ref);
        fill(x, m * K, 9u + (uint32_t) i);
        reference(x, w, bias, ACT_RELU, false, false, m, K, N, ref);
        tact_status_t st = TACT_STATUS_INIT;
        tact_graph_t *g = tact_graph_new();
        tact_output_t xp = tact_placeholder(g, TACT_DTYPE_F32, (int64_t[]) { m, K }, 2, "x", &st);
        tact_output_t wc = tu_const_f32(g, (int64_t[]) { K, N }, 2, w, "w", &st);
        tact_output_t bc = tu_const_f32(g, (int64_t[]) { N }, 1, bias, "b", &st);
        tact_output_t y = tact_relu(g, tact_add(g, tact_matmul(g, xp, wc, false, false, "mm", &st),
                                                bc, "add", &st), "y", &st);
        assert_int_equal(st.code, TACT_CODE_OK);
        tact_tensor_t *xv = tu_f32((int64_t[]) { m, K }, 2, x);
        tact_feed_t feed = { xp, xv };
        tact_session_t *s = tu_session(g, NULL);
        int width = tact__cpu_intra_width();
        bool splits = width > 1 && m >= 8 && (double) m * K * N >= (1 << 18);
        unsigned long before = tact__cpu_intra_parallel_calls();
        for (int run = 0; run < 3; run++) {
            tact_tensor_t *r = tu_run1(s, y, &feed, 1, &st);
            assert_int_equal(st.code, TACT_CODE_OK);
            expect_close(r, ref, m, N, K, "split packed product");
            tact_tensor_destroy(&r);
        }
        /* nothing else in this process calls the workers */
        assert_int_equal(tact__cpu_intra_parallel_calls() - before, splits ? 3 : 0);
        if (width < 2)
            print_message("OpenBLAS uses one thread here: no product was split\n");
        tact_session_destroy(&s);
        tact_tensor_destroy(&xv);
        tact_graph_destroy(&g);
        free(x);
        free(ref);
    }
    tact__cpu_gemm_set_lib(TACT_CPU_GEMM_AUTO);
    free(w);
}

/* conv_ref: NHWC x [n, h, w, c] with HWIO f [kh, kw, c / groups, oc], stride `stride`, SAME
 * padding (TensorFlow's: the odd zero after), in double. out [n, oh, ow, oc]. */
typedef struct conv_case {
    int n, h, w, c, kh, kw, oc, groups, stride;
} conv_case_t;

static void conv_ref(const conv_case_t *cc, const float *x, const float *f, double *out)
{
    int oh = (cc->h + cc->stride - 1) / cc->stride, ow = (cc->w + cc->stride - 1) / cc->stride;
    int ph = (oh - 1) * cc->stride + cc->kh - cc->h;
    int pw = (ow - 1) * cc->stride + cc->kw - cc->w;
    int pt = ph > 0 ? ph / 2 : 0, pl = pw > 0 ? pw / 2 : 0, fc = cc->c / cc->groups;
    int ocg = cc->oc / cc->groups;
    for (int b = 0; b < cc->n; b++)
        for (int i = 0; i < oh; i++)
            for (int j = 0; j < ow; j++)
                for (int o = 0; o < cc->oc; o++) {
                    double acc = 0;
                    int c0 = (o / ocg) * fc;
                    for (int di = 0; di < cc->kh; di++)
                        for (int dj = 0; dj < cc->kw; dj++) {
                            int ii = i * cc->stride - pt + di, jj = j * cc->stride - pl + dj;
                            if (ii < 0 || ii >= cc->h || jj < 0 || jj >= cc->w)
                                continue;
                            for (int c = 0; c < fc; c++)
                                acc += (double) x[((b * cc->h + ii) * cc->w + jj) * cc->c +
                                                  c0 + c] *
                                       f[((di * cc->kw + dj) * fc + c) * cc->oc + o];
                        }
                    out[((b * oh + i) * ow + j) * cc->oc + o] = acc;
                }
}

/* Conv2D's filter, a constant or a variable, goes through the device's GEMM: packed once per
 * session on either packed way (a 3x3 window, a 1x1 convolution, a stride of 2, a batch whose
 * patches take two im2col chunks), and packed anew after an Assign; a grouped convolution
 * stays on OpenBLAS and packs nothing. Every value agrees with a double reference. */
static void test_conv_filter_packed_once(void **state)
{
    (void) state;
    static const conv_case_t cases[] = {
        { 2, 6, 5, 3, 3, 3, 8, 1, 1 },    /* im2col */
        { 3, 4, 4, 16, 1, 1, 24, 1, 1 },  /* 1x1: the input as it is */
        { 1, 7, 7, 4, 3, 3, 5, 1, 2 },    /* stride 2 */
        { 30, 32, 32, 16, 3, 3, 1, 1, 1 }, /* 4 Mi patch floats a chunk: 28 images, then 2 */
        { 2, 5, 5, 4, 3, 3, 6, 2, 1 },    /* two groups: OpenBLAS */
    };
    for (size_t ci = 0; ci < sizeof cases / sizeof cases[0]; ci++) {
        const conv_case_t *cc = &cases[ci];
        int oh = (cc->h + cc->stride - 1) / cc->stride, ow = (cc->w + cc->stride - 1) / cc->stride;
        int64_t nx = (int64_t) cc->n * cc->h * cc->w * cc->c;
        int64_t ny = (int64_t) cc->n * oh * ow * cc->oc;
        int64_t nf = (int64_t) cc->kh * cc->kw * (cc->c / cc->groups) * cc->oc;
        float *x = malloc((size_t) nx * sizeof *x), *f0 = malloc((size_t) nf * sizeof *f0);
        float *f1 = malloc((size_t) nf * sizeof *f1);
        double *ref0 = malloc((size_t) ny * sizeof *ref0);
        double *ref1 = malloc((size_t) ny * sizeof *ref1);
        fill(x, nx, 40u + (uint32_t) ci);
        fill(f0, nf, 50u + (uint32_t) ci);
        fill(f1, nf, 60u + (uint32_t) ci);
        conv_ref(cc, x, f0, ref0);
        conv_ref(cc, x, f1, ref1);
        tact_status_t st = TACT_STATUS_INIT;
        tact_graph_t *g = tact_graph_new();
        int64_t xd[4] = { cc->n, cc->h, cc->w, cc->c };
        int64_t fd[4] = { cc->kh, cc->kw, cc->c / cc->groups, cc->oc };
        tact_output_t xp = tact_placeholder(g, TACT_DTYPE_F32, xd, 4, "x", &st);
        tact_conv_options_t opts = { .strides = { 1, cc->stride, cc->stride, 1 },
                                     .padding = TACT_PADDING_SAME };
        tact_output_t fc = tu_const_f32(g, fd, 4, f0, "f", &st);
        tact_output_t fv = tact_variable(g, tu_const_f32(g, fd, 4, f0, "f0", &st), "fv", &st);
        tact_output_t y = tact_conv2d(g, xp, fc, &opts, "conv", &st);
        tact_output_t yv = tact_conv2d(g, xp, fv, &opts, "conv_var", &st);
        tact_output_t set = tact_assign(g, fv, tu_const_f32(g, fd, 4, f1, "f1", &st), "set", &st);
        /* relu6(conv + bias + res): a _FusedConv2D whose GEMM applies the bias, the residual
         * (ResNet's shortcut) and Relu6 */
        float *bias = malloc((size_t) cc->oc * sizeof *bias);
        float *res = malloc((size_t) ny * sizeof *res);
        fill(bias, cc->oc, 70u + (uint32_t) ci);
        for (int o = 0; o < cc->oc; o++)
            bias[o] *= 4.0f;  /* past 6 and below 0 */
        fill(res, ny, 80u + (uint32_t) ci);
        tact_output_t bc = tu_const_f32(g, (int64_t[]) { cc->oc }, 1, bias, "bias", &st);
        int64_t yd[4] = { cc->n, oh, ow, cc->oc };
        tact_output_t rc = tu_const_f32(g, yd, 4, res, "res", &st);
        tact_output_t convf = tact_conv2d(g, xp, fc, &opts, "conv_f", &st);
        tact_output_t yf = tact_relu6(g, tact_add(g, tact_add(g, convf, bc, "add", &st), rc,
                                                  "add_res", &st), "yf", &st);
        tact_op_t *init = tact_global_variables_initializer(g, &st);
        assert_int_equal(st.code, TACT_CODE_OK);
        tact_tensor_t *xt = tu_f32(xd, 4, x);
        tact_feed_t feed = { xp, xt };
        /* The chunked case's second chunk is a product of fewer rows: the packed sgemm packs
         * for it too (its copies are per row count), the matmul primitive's reorder may not. */
        bool chunked = ci == 3;
        for (int lib = 0; lib < 3; lib++) {
            tact__cpu_gemm_set_lib(libs[lib]);
            tact_session_t *s = tu_session(g, NULL);
            tu_run_op(s, init);
            uint64_t p0 = tact__cpu_gemm_packs(), after_first = 0;
            uint64_t want = cc->groups == 1 ? packs_for(lib, 1) : 0;
            for (int run = 0; run < 2; run++) {
                tact_output_t both[2] = { y, yv };
                tact_tensor_t *r[2] = { NULL };
                assert_int_equal(tact_session_run(s, both, 2, r, &feed, 1, NULL, 0, &st),
                                 TACT_CODE_OK);
                for (int i = 0; i < 2; i++) {
                    assert_int_equal(r[i]->nelems, ny);
                    for (int64_t e = 0; e < ny; e++) {
                        double got = ((const float *) r[i]->data)[e];
                        if (fabs(got - ref0[e]) > 1e-4 * (1.0 + fabs(ref0[e])))
                            fail_msg("case %zu, %s, %s: element %lld is %.9g, want %.9g", ci,
                                     lib_names[lib], i ? "variable" : "constant", (long long) e,
                                     got, ref0[e]);
                    }
                    tact_tensor_destroy(&r[i]);
                }
                /* the constant's and the variable's filters, packed on the first run only */
                uint64_t packs = tact__cpu_gemm_packs() - p0;
                if (run == 0)
                    after_first = packs;
                assert_int_equal(packs, after_first);
                if (chunked)
                    assert_true(packs >= 2 * want && packs <= 4 * want);
                else
                    assert_int_equal(packs, 2 * want);
            }
            uint64_t before_set = tact__cpu_gemm_packs() - p0;
            tu_run_op(s, set.op);
            for (int run = 0; run < 2; run++) {
                tact_tensor_t *r = tu_run1(s, yv, &feed, 1, &st);
                assert_int_equal(st.code, TACT_CODE_OK);
                for (int64_t e = 0; e < ny; e++) {
                    double got = ((const float *) r->data)[e];
                    if (fabs(got - ref1[e]) > 1e-4 * (1.0 + fabs(ref1[e])))
                        fail_msg("case %zu, %s, assigned: element %lld is %.9g, want %.9g", ci,
                                 lib_names[lib], (long long) e, got, ref1[e]);
                }
                tact_tensor_destroy(&r);
                /* the assigned filter packed anew, once */
                assert_int_equal(tact__cpu_gemm_packs() - p0,
                                 before_set + (chunked ? after_first / 2 : want));
            }
            char *text = partition_of(s, &yf, 1, &feed, 1);
            assert_true(tu_contains(text, "yf = _FusedConv2D(_arg_x_0_0, f, bias, res)"));
            free(text);
            tact_tensor_t *r = tu_run1(s, yf, &feed, 1, &st);
            assert_int_equal(st.code, TACT_CODE_OK);
            assert_int_equal(r->nelems, ny);
            for (int64_t e = 0; e < ny; e++) {
                double want_e = ref0[e] + bias[e % cc->oc] + res[e];
                want_e = want_e < 0 ? 0 : want_e > 6 ? 6 : want_e;
                double got = ((const float *) r->data)[e];
                if (fabs(got - want_e) > 1e-4 * (1.0 + fabs(want_e)))
                    fail_msg("case %zu, %s, fused: element %lld is %.9g, want %.9g", ci,
                             lib_names[lib], (long long) e, got, want_e);
            }
            tact_tensor_destroy(&r);
            /* A fed filter is the caller's tensor, whose bytes may change between runs at the
             * same address: never packed, each run reads what it holds. */
            tact_tensor_t *ft = tu_f32(fd, 4, f1);
            tact_feed_t feeds[2] = { { xp, xt }, { fc, ft } };
            uint64_t before_fed = tact__cpu_gemm_packs();
            for (int run = 0; run < 2; run++) {
                const double *ref = run == 0 ? ref1 : ref0;
                r = tu_run1(s, y, feeds, 2, &st);
                assert_int_equal(st.code, TACT_CODE_OK);
                for (int64_t e = 0; e < ny; e++) {
                    double got = ((const float *) r->data)[e];
                    if (fabs(got - ref[e]) > 1e-4 * (1.0 + fabs(ref[e])))
                        fail_msg("case %zu, %s, fed run %d: element %lld is %.9g, want %.9g",
                                 ci, lib_names[lib], run, (long long) e, got, ref[e]);
                }
                tact_tensor_destroy(&r);
                memcpy(ft->data, f0, (size_t) nf * sizeof *f0);  /* the next run's filter */
            }
            assert_int_equal(tact__cpu_gemm_packs(), before_fed);
            tact_tensor_destroy(&ft);
            tact_session_destroy(&s);
        }
        tact__cpu_gemm_set_lib(TACT_CPU_GEMM_AUTO);
        tact_tensor_destroy(&xt);
        tact_graph_destroy(&g);
        free(x);
        free(f0);
        free(f1);
        free(ref0);
        free(ref1);
        free(bias);
        free(res);
    }
}

/* Conv2D (NHWC) -> Add of a row bias [channels] -> Relu6 runs as one _FusedConv2D, and Conv2D
 * -> Relu without a bias too; a MatMul chain ending in Relu6 is a _FusedMatMul. Each fused
 * value equals, bit for bit, the unfused chain's (its intermediates fetched), which the
 * reference checks, with values clamped at both ends of Relu6. */
static void test_conv_chain_fused(void **state)
{
    (void) state;
    enum { B = 2, H = 5, W = 5, C = 3, KH = 3, KW = 3, O = 4 };
    float xv[B * H * W * C], fv[KH * KW * C * O], bv[O] = { 0.5f, -1.0f, 3.0f, 0.0f };
    fill(xv, B * H * W * C, 21u);
    fill(fv, KH * KW * C * O, 22u);
    for (int i = 0; i < KH * KW * C * O; i++)
        fv[i] *= 2.0f;  /* outputs past 6 as well as below 0 */
    tact_status_t st = TACT_STATUS_INIT;
    tact_graph_t *g = tact_graph_new();
    int64_t xdims[4] = { B, H, W, C };
    tact_output_t x = tact_placeholder(g, TACT_DTYPE_F32, xdims, 4, "x", &st);
    tact_output_t f = tu_const_f32(g, (int64_t[]) { KH, KW, C, O }, 4, fv, "f", &st);
    tact_output_t bc = tu_const_f32(g, (int64_t[]) { O }, 1, bv, "b", &st);
    tact_conv_options_t same = { .padding = TACT_PADDING_SAME };
    tact_output_t conv = tact_conv2d(g, x, f, &same, "conv", &st);
    tact_output_t add = tact_add(g, bc, conv, "add", &st);
    tact_output_t y = tact_relu6(g, add, "y", &st);
    tact_output_t conv2 = tact_conv2d(g, x, f, NULL, "conv2", &st);
    tact_output_t y2 = tact_relu(g, conv2, "y2", &st);
    assert_int_equal(st.code, TACT_CODE_OK);
    tact_tensor_t *xt = tu_f32(xdims, 4, xv);
    tact_feed_t feed = { x, xt };
    tact_session_t *s = tu_session(g, NULL);

    char *text = partition_of(s, &y, 1, &feed, 1);
    assert_true(tu_contains(text, "y = _FusedConv2D(_arg_x_0_0, f, b)"));
    assert_null(strstr(text, "conv = Conv2D"));
    free(text);
    text = partition_of(s, &y2, 1, &feed, 1);
    assert_true(tu_contains(text, "y2 = _FusedConv2D(_arg_x_0_0, f)"));
    free(text);
    /* each library's own rounding: the convolution is one GEMM whichever node runs it */
    for (int lib = 0; lib < 3; lib++) {
        tact__cpu_gemm_set_lib(libs[lib]);
        tact_tensor_t *fused = tu_run1(s, y, &feed, 1, &st);
        assert_int_equal(st.code, TACT_CODE_OK);
        tact_output_t three[3] = { conv, add, y };
        tact_tensor_t *r[3] = { NULL };
        assert_int_equal(tact_session_run(s, three, 3, r, &feed, 1, NULL, 0, &st), TACT_CODE_OK);
        assert_int_equal(r[2]->nelems, B * H * W * O);
        assert_memory_equal(fused->data, r[2]->data, (size_t) r[2]->nelems * sizeof(float));

        /* the reference: SAME padding of a 3x3 window, stride 1 */
        const float *got = fused->data;
        int clamped_low = 0, clamped_high = 0;
        for (int n = 0; n < B; n++)
            for (int i = 0; i < H; i++)
                for (int j = 0; j < W; j++)
                    for (int o = 0; o < O; o++) {
                        double acc = 0;
                        for (int di = 0; di < KH; di++)
                            for (int dj = 0; dj < KW; dj++)
                                for (int c = 0; c < C; c++) {
                                    int ii = i + di - 1, jj = j + dj - 1;
                                    if (ii < 0 || ii >= H || jj < 0 || jj >= W)
                                        continue;
                                    acc += (double) xv[((n * H + ii) * W + jj) * C + c] *
                                           fv[((di * KW + dj) * C + c) * O + o];
                                }
                        double want = acc + bv[o];
                        want = want < 0 ? 0 : want > 6 ? 6 : want;
                        clamped_low += want == 0;
                        clamped_high += want == 6;
                        assert_true(fabs(got[((n * H + i) * W + j) * O + o] - want) < 1e-5);
                    }
        assert_true(clamped_low > 0 && clamped_high > 0);
        tact_tensor_destroy(&fused);
        for (int i = 0; i < 3; i++)
            tact_tensor_destroy(&r[i]);
    }
    tact__cpu_gemm_set_lib(TACT_CPU_GEMM_AUTO);

    /* MatMul + bias + Relu6 */
    tact_output_t flat = tact_placeholder(g, TACT_DTYPE_F32, (int64_t[]) { 2, 3 }, 2, "flat", &st);
    tact_output_t w = tu_const_f32(g, (int64_t[]) { 3, 4 }, 2, fv, "w", &st);
    tact_output_t y3 = tact_relu6(g, tact_add(g, tact_matmul(g, flat, w, false, false, "mm", &st),
                                              bc, "add3", &st), "y3", &st);
    assert_int_equal(st.code, TACT_CODE_OK);
    tact_session_destroy(&s);
    s = tu_session(g, NULL);
    tact_tensor_t *ft = tu_f32((int64_t[]) { 2, 3 }, 2, xv);
    tact_feed_t ffeed = { flat, ft };
    text = partition_of(s, &y3, 1, &ffeed, 1);
    assert_true(tu_contains(text, "y3 = _FusedMatMul(_arg_flat_0_0, w, b)"));
    free(text);
    tact_tensor_t *r3 = tu_run1(s, y3, &ffeed, 1, &st);
    assert_int_equal(st.code, TACT_CODE_OK);
    for (int i = 0; i < 2; i++)
        for (int j = 0; j < 4; j++) {
            double acc = bv[j];
            for (int p = 0; p < 3; p++)
                acc += (double) xv[i * 3 + p] * fv[p * 4 + j];
            acc = acc < 0 ? 0 : acc > 6 ? 6 : acc;
            assert_true(fabs(((const float *) r3->data)[i * 4 + j] - acc) < 1e-5);
        }
    tact_tensor_destroy(&r3);
    tact_tensor_destroy(&ft);
    tact_tensor_destroy(&xt);
    tact_session_destroy(&s);
    tact_graph_destroy(&g);
}

/* ResNet's shortcut: MatMul or Conv2D -> BiasAdd -> Add(r) -> Relu runs as one fused node
 * reading the residual too, with the unfused chain's values bit for bit; a residual that only
 * broadcasts at run time takes the Adds' path (their values), and one that does not fit fails
 * with the Add's message naming it. */
static void test_residual_chain_fused(void **state)
{
    (void) state;
    enum { M = 2, K = 3, N = 4 };
    float xv[M * K] = { 1, -2, 3, -4, 5, -6 }, wv[K * N], bv[N] = { 0.5f, -1, 2, 0 };
    float rv[M * N] = { 1, -1, 2, -2, 3, -3, 0.5f, -0.5f };
    fill(wv, K * N, 31u);
    tact_status_t st = TACT_STATUS_INIT;
    tact_graph_t *g = tact_graph_new();
    tact_output_t x = tact_placeholder(g, TACT_DTYPE_F32, (int64_t[]) { M, K }, 2, "x", &st);
    tact_output_t r = tact_placeholder(g, TACT_DTYPE_F32, (int64_t[]) { -1, N }, 2, "r", &st);
    tact_output_t w = tu_const_f32(g, (int64_t[]) { K, N }, 2, wv, "w", &st);
    tact_output_t bc = tu_const_f32(g, (int64_t[]) { N }, 1, bv, "b", &st);
    tact_output_t mm = tact_matmul(g, x, w, false, false, "mm", &st);
    tact_output_t add = tact_add(g, mm, bc, "add", &st);
    tact_output_t res = tact_add(g, r, add, "res", &st);
    tact_output_t y = tact_relu(g, res, "y", &st);
    assert_int_equal(st.code, TACT_CODE_OK);
    tact_tensor_t *xt = tu_f32((int64_t[]) { M, K }, 2, xv);
    tact_tensor_t *rt = tu_f32((int64_t[]) { M, N }, 2, rv);
    tact_feed_t feeds[2] = { { x, xt }, { r, rt } };
    for (int lib = 0; lib < 3; lib++) {
        tact__cpu_gemm_set_lib(libs[lib]);
        tact_session_t *s = tu_session(g, NULL);
        char *text = partition_of(s, &y, 1, feeds, 2);
        assert_true(tu_contains(text, "y = _FusedMatMul(_arg_x_0_1, w, b, _arg_r_0_0)"));
        assert_null(strstr(text, "res = Add"));
        free(text);
        tact_tensor_t *fused = tu_run1(s, y, feeds, 2, &st);
        assert_int_equal(st.code, TACT_CODE_OK);
        tact_output_t all[4] = { mm, add, res, y };
        tact_tensor_t *u[4] = { NULL };
        assert_int_equal(tact_session_run(s, all, 4, u, feeds, 2, NULL, 0, &st), TACT_CODE_OK);
        assert_memory_equal(fused->data, u[3]->data, sizeof(float) * M * N);
        for (int i = 0; i < M; i++)
            for (int j = 0; j < N; j++) {
                double acc = bv[j];
                for (int p = 0; p < K; p++)
                    acc += (double) xv[i * K + p] * wv[p * N + j];
                acc += rv[i * N + j];
                assert_true(fabs(((const float *) fused->data)[i * N + j] -
                                 (acc < 0 ? 0 : acc)) < 1e-5);
            }
        tact_tensor_destroy(&fused);
        for (int i = 0; i < 4; i++)
            tact_tensor_destroy(&u[i]);

        /* r of one row broadcasts: the Adds' path, their values */
        tact_tensor_t *r1 = tu_f32((int64_t[]) { 1, N }, 2, rv);
        tact_feed_t f1[2] = { { x, xt }, { r, r1 } };
        fused = tu_run1(s, y, f1, 2, &st);
        assert_int_equal(st.code, TACT_CODE_OK);
        assert_int_equal(tact_session_run(s, all, 4, u, f1, 2, NULL, 0, &st), TACT_CODE_OK);
        assert_memory_equal(fused->data, u[3]->data, sizeof(float) * M * N);
        tact_tensor_destroy(&fused);
        for (int i = 0; i < 4; i++)
            tact_tensor_destroy(&u[i]);
        tact_tensor_destroy(&r1);

        /* r of three rows: the Add's error, naming it */
        tact_tensor_t *r3 = tu_f32((int64_t[]) { 3, N }, 2, (float[3 * N]) { 0 });
        tact_feed_t f3[2] = { { x, xt }, { r, r3 } };
        assert_null(tu_run1(s, y, f3, 2, &st));
        assert_int_equal(st.code, TACT_CODE_INVALID_ARGUMENT);
        assert_true(tu_contains(st.msg, "Incompatible shapes: [3,4] vs. [2,4]"));
        assert_true(tu_contains(st.msg, "[[{{node res}}]]"));
        st = (tact_status_t) TACT_STATUS_INIT;
        tact_tensor_destroy(&r3);
        tact_session_destroy(&s);
    }
    tact__cpu_gemm_set_lib(TACT_CPU_GEMM_AUTO);

    /* Conv2D -> BiasAdd -> Add(r) -> Relu6 */
    tact_output_t img = tact_placeholder(g, TACT_DTYPE_F32, (int64_t[]) { 1, 2, 2, K }, 4, "img",
                                         &st);
    tact_output_t flt = tu_const_f32(g, (int64_t[]) { 1, 1, K, N }, 4, wv, "flt", &st);
    tact_output_t conv = tact_conv2d(g, img, flt, NULL, "conv", &st);
    tact_output_t cr = tact_placeholder(g, TACT_DTYPE_F32, (int64_t[]) { 1, 2, 2, N }, 4, "cr",
                                        &st);
    tact_output_t cy = tact_relu6(g, tact_add(g, tact_add(g, conv, bc, "cadd", &st), cr, "cres",
                                              &st), "cy", &st);
    assert_int_equal(st.code, TACT_CODE_OK);
    tact_tensor_t *it = tu_f32((int64_t[]) { 1, 2, 2, K }, 4,
                               (float[]) { 1, -2, 3, -4, 5, -6, 2, 2, 2, -1, 0, 1 });
    tact_tensor_t *ct = tu_f32((int64_t[]) { 1, 2, 2, N }, 4,
                               (float[]) { 1, -1, 2, -2, 3, -3, 0.5f, -0.5f, 4, 4, 4, 4, -9, 0, 9, 1 });
    tact_feed_t cf[2] = { { img, it }, { cr, ct } };
    tact_session_t *s = tu_session(g, NULL);
    char *text = partition_of(s, &cy, 1, cf, 2);
    assert_true(tu_contains(text, "cy = _FusedConv2D(_arg_img_0_1, flt, b, _arg_cr_0_0)"));
    free(text);
    tact_tensor_t *fused = tu_run1(s, cy, cf, 2, &st);
    assert_int_equal(st.code, TACT_CODE_OK);
    tact_output_t call[2] = { conv, cy };
    tact_tensor_t *u[2] = { NULL };
    assert_int_equal(tact_session_run(s, call, 2, u, cf, 2, NULL, 0, &st), TACT_CODE_OK);
    assert_memory_equal(fused->data, u[1]->data, sizeof(float) * 4 * N);
    const float *cv = u[0]->data, *ctv = ct->data;
    for (int i = 0; i < 4 * N; i++) {
        double v = (double) cv[i] + bv[i % N] + ctv[i];
        v = v < 0 ? 0 : v > 6 ? 6 : v;
        assert_true(fabs(((const float *) fused->data)[i] - v) < 1e-5);
    }
    tact_tensor_destroy(&fused);
    tact_tensor_destroy(&u[0]);
    tact_tensor_destroy(&u[1]);
    tact_tensor_destroy(&it);
    tact_tensor_destroy(&ct);
    tact_tensor_destroy(&xt);
    tact_tensor_destroy(&rt);
    tact_session_destroy(&s);
    tact_graph_destroy(&g);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_packed_equals_unpacked),
        cmocka_unit_test(test_auto_choice_keeps_values),
        cmocka_unit_test(test_fetched_intermediate_has_its_own_value),
        cmocka_unit_test(test_bad_bias_fails_as_the_add),
        cmocka_unit_test(test_assign_invalidates_packed_weights),
        cmocka_unit_test(test_two_sessions_never_share_packed_weights),
        cmocka_unit_test(test_concurrent_runs_and_assigns),
        cmocka_unit_test(test_packed_product_split_over_cores),
        cmocka_unit_test(test_conv_filter_packed_once),
        cmocka_unit_test(test_conv_chain_fused),
        cmocka_unit_test(test_residual_chain_fused),
    };
    return cmocka_run_group_tests_name("gemm", tests, group_setup, NULL);
}
