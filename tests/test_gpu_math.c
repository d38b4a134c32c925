/* SPDX-License-Identifier: MIT */
/* The math and nn families' ops with GPU kernels, on a GPU backend over host memory
 * (fake_gpu.h): an unpinned graph of them is placed on GPU:0 (supports()), its kernels run
 * there, and the values equal the CPU device's and TensorFlow's (data/gpu_math_expected.h,
 * made by data/make_gpu_math_expected.py); the dtypes without GPU kernels, and an AddN of
 * more inputs than the GPU's node loop holds, stay on the CPU beside them.
 *
 * With TACT_GPU_MATH_BACKEND=cuda the same tests run on the real GPU backend instead (as
 * scripts/gpu_check.sh does; skipped where no GPU is visible, failed there with
 * TACT_REQUIRE_GPU=1): placement the same, values within float tolerance of the CPU's and
 * TensorFlow's, the device's math library rounding its own way. */
#include "runtime/exec/session_impl.h"
#include "tests/fake_gpu.h"

#include <math.h>
#include <setjmp.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include <tact/scope.h>

#include "tests/helpers.h"

#define CPU(n) "/job:localhost/replica:0/task:0/device:CPU:" #n
#define GPU(n) "/job:localhost/replica:0/task:0/device:GPU:" #n

typedef struct gm_expected {
    const char *name;
    tact_dtype_t dtype;
    int ndims;
    int64_t dims[4];
    int n;
    const double *values;
} gm_expected_t;

#include "tests/data/gpu_math_expected.h"

#define GM_CASES ((int) (sizeof gm_expected / sizeof gm_expected[0]))

typedef struct log_capture {
    char lines[160][160];
    int n;
} log_capture_t;

static void capture(tact_log_level_t level, const char *msg, void *user)
{
    log_capture_t *c = user;
    if (level == TACT_LOG_INFO && c->n < 160)
        snprintf(c->lines[c->n++], sizeof c->lines[0], "%s", msg);
}

static bool captured(const log_capture_t *c, const char *line)
{
    for (int i = 0; i < c->n; i++) {
        if (strcmp(c->lines[i], line) == 0)
            return true;
    }
    fprintf(stderr, "no log line \"%s\"\n", line);
    return false;
}

/* Whether the tests run on the built-in (CUDA) backend rather than the fake one. */
static bool gm_real;

static int setup(void **state)
{
    (void) state;
    if (!gm_real)
        fake_gpu_install(1);
    return 0;
}

static int teardown(void **state)
{
    (void) state;
    if (gm_real)
        return 0;
    int unordered = atomic_load(&fake_gpu.unordered_copies);
    fake_gpu_uninstall();
    assert_int_equal(unordered, 0);
    return 0;
}

/* A float32 element of the GPU's against the same of the CPU's: equal on the fake GPU (it
 * runs the CPU's kernels), within 1e-6 relative on a real one. */
static void gm_close(float g, float c, const char *name, int i)
{
    if (!gm_real ? memcmp(&g, &c, sizeof g) == 0
                 : (g == c || (isnan(g) && isnan(c)) ||
                    fabs((double) g - (double) c) <= 1e-6 * fmax(1.0, fabs((double) c))))
        return;
    fail_msg("%s[%d]: GPU %.9g, CPU %.9g", name, i, (double) g, (double) c);
}

static tact_output_t gm_const(tact_graph_t *g, const char *name, int ndims, const int64_t *dims,
                              const float *v, tact_status_t *st)
{
    return tu_const_f32(g, dims, ndims, v, name, st);
}

/* The graph of make_gpu_math_expected.py, its outputs in the order of gm_expected. */
static void gm_build(tact_graph_t *g, tact_output_t *out, tact_status_t *st)
{
    static const float xv[] = { -2.5f, -1.0f, 0.0f, 0.5f, 1.5f, 4.0f };
    static const float yv[] = { 1.5f, -2.0f, 3.0f };
    static const float y2v[] = { -1.0f, -1.0f, 4.0f };
    static const float pv[] = { 0.25f, 1.0f, 2.0f, 4.0f, 9.0f, 16.0f };
    static const float rv[] = { -7.5f, -3.0f, 0.0f, 1.5f, 6.5f, 12.0f };
    float av[12], bv[12], cv[6], a4v[12];
    for (int i = 0; i < 12; i++) {
        av[i] = (float) i * 0.5f - 2.0f;
        bv[i] = (float) i * 0.25f - 1.0f;
        a4v[i] = (float) i * -0.5f + 1.0f;
    }
    for (int i = 0; i < 6; i++)
        cv[i] = (float) i * 0.5f - 1.0f;
    const int64_t d23[] = { 2, 3 }, d3[] = { 3 }, d03[] = { 0, 3 };
    tact_output_t x = gm_const(g, "x", 2, d23, xv, st), y = gm_const(g, "y", 1, d3, yv, st);
    tact_output_t y2 = gm_const(g, "y2", 1, d3, y2v, st), p = gm_const(g, "p", 2, d23, pv, st);
    tact_output_t r = gm_const(g, "r", 2, d23, rv, st);
    tact_output_t e = gm_const(g, "e", 2, d03, NULL, st);
    tact_output_t a = gm_const(g, "a", 3, (int64_t[]) { 2, 2, 3 }, av, st);
    tact_output_t b = gm_const(g, "b", 3, (int64_t[]) { 2, 3, 2 }, bv, st);
    tact_output_t c = gm_const(g, "c", 2, (int64_t[]) { 3, 2 }, cv, st);
    tact_output_t a4 = gm_const(g, "a4", 4, (int64_t[]) { 2, 1, 2, 3 }, a4v, st);
    tact_output_t zero = gm_const(g, "zero", 0, NULL, (float[]) { 0.0f }, st);
    int k = 0;
    out[k++] = tact_abs(g, x, "abs", st);
    out[k++] = tact_square(g, x, "square", st);
    out[k++] = tact_sqrt(g, p, "sqrt", st);
    out[k++] = tact_rsqrt(g, p, "rsqrt", st);
    out[k++] = tact_exp(g, x, "exp", st);
    out[k++] = tact_log(g, p, "log", st);
    out[k++] = tact_sign(g, x, "sign", st);
    out[k++] = tact_floor(g, x, "floor", st);
    out[k++] = tact_ceil(g, x, "ceil", st);
    out[k++] = tact_round(g, x, "round", st);
    out[k++] = tact_reciprocal(g, p, "reciprocal", st);
    out[k++] = tact_relu6(g, r, "relu6", st);
    out[k++] = tact_leaky_relu(g, x, 0.2, "leaky_relu", st);
    out[k++] = tact_elu(g, x, "elu", st);
    out[k++] = tact_softplus(g, x, "softplus", st);
    out[k++] = tact_stop_gradient(g, x, "stop_gradient", st);
    out[k++] = tact_pow(g, p, y, "pow", st);
    out[k++] = tact_maximum(g, x, y, "maximum", st);
    out[k++] = tact_minimum(g, x, y, "minimum", st);
    out[k++] = tact_floordiv(g, x, y, "floordiv", st);
    out[k++] = tact_floormod(g, x, y, "floormod", st);
    out[k++] = tact_squared_difference(g, x, y, "squared_difference", st);
    out[k++] = tact_equal(g, x, y2, "equal", st);
    out[k++] = tact_not_equal(g, x, y2, "not_equal", st);
    tact_output_t lt = out[k++] = tact_less(g, x, y2, "less", st);
    out[k++] = tact_less_equal(g, x, y2, "less_equal", st);
    out[k++] = tact_greater(g, x, y2, "greater", st);
    out[k++] = tact_greater_equal(g, x, y2, "greater_equal", st);
    tact_output_t gt0 = out[k++] = tact_greater(g, x, zero, "gt0", st);
    out[k++] = tact_logical_and(g, lt, gt0, "logical_and", st);
    out[k++] = tact_logical_or(g, lt, gt0, "logical_or", st);
    out[k++] = tact_logical_not(g, lt, "logical_not", st);
    out[k++] = tact_add_n(g, (tact_output_t[]) { x, p, x }, 3, "add_n", st);
    out[k++] = tact_reduce_max(g, x, (int[]) { 1 }, 1, false, "max_1", st);
    out[k++] = tact_reduce_min(g, x, (int[]) { 0 }, 1, true, "min_0k", st);
    out[k++] = tact_reduce_prod(g, p, NULL, -1, false, "prod_all", st);
    out[k++] = tact_reduce_max(g, e, (int[]) { 0 }, 1, false, "max_empty", st);
    out[k++] = tact_batch_matmul(g, a, b, false, false, "bmm", st);
    out[k++] = tact_batch_matmul(g, a, a, false, true, "bmm_adj", st);
    out[k++] = tact_batch_matmul(g, a, c, false, false, "bmm_one_y", st);
    out[k++] = tact_batch_matmul(g, a4, b, false, false, "bmm_bcast", st);
    assert_int_equal(k, GM_CASES);
}

/* t against TensorFlow's answer: dtype and shape exactly, bools exactly, floats within 1e-6
 * relative (a few float32 ulps). */
static void gm_check(const tact_tensor_t *t, const gm_expected_t *want)
{
    assert_int_equal(tact_tensor_dtype(t), want->dtype);
    assert_int_equal(tact_tensor_ndims(t), want->ndims);
    for (int d = 0; d < want->ndims; d++)
        assert_int_equal(tact_tensor_dim(t, d), want->dims[d]);
    assert_int_equal(tact_tensor_nelems(t), want->n);
    for (int i = 0; i < want->n; i++) {
        double w = want->values[i];
        if (want->dtype == TACT_DTYPE_BOOL) {
            assert_int_equal(((const bool *) tact_tensor_data(t))[i], w != 0.0);
            continue;
        }
        double v = ((const float *) tact_tensor_data(t))[i];
        if (isinf(w)) {
            assert_true(v == w);
            continue;
        }
        if (fabs(v - w) > 1e-6 * fmax(1.0, fabs(w)))
            fail_msg("%s[%d]: %.9g, TensorFlow %.9g", want->name, i, v, w);
    }
}

/* Every case placed on GPU:0 with its kernel run there (the placement log says so), the same
 * bytes as on the CPU, and TensorFlow's values. */
static void test_math_ops_on_gpu_match_cpu_and_tensorflow(void **state)
{
    (void) state;
    tact_status_t st = TACT_STATUS_INIT;
    tact_graph_t *g = tact_graph_new();
    tact_output_t out[GM_CASES];
    gm_build(g, out, &st);
    assert_int_equal(st.code, TACT_CODE_OK);
    log_capture_t *cap = calloc(1, sizeof *cap);
    tact_log_set_callback(capture, cap);
    tact_config_t cfg = { .log_device_placement = true };
    tact_session_t *gs = tu_session(g, &cfg);
    tact_config_t cpu_only = { .device_count.gpu = TACT_DEVICE_COUNT_NONE };
    tact_session_t *cs = tu_session(g, &cpu_only);
    tact_tensor_t *gr[GM_CASES] = { NULL }, *cr[GM_CASES] = { NULL };
    int before = atomic_load(&fake_gpu.kernels_run);
    assert_int_equal(tact_session_run(gs, out, GM_CASES, gr, NULL, 0, NULL, 0, &st),
                     TACT_CODE_OK);
    tact_log_set_callback(NULL, NULL);
    /* one backend kernel per case */
    if (!gm_real)
        assert_int_equal(atomic_load(&fake_gpu.kernels_run) - before, GM_CASES);
    assert_int_equal(tact_session_run(cs, out, GM_CASES, cr, NULL, 0, NULL, 0, &st),
                     TACT_CODE_OK);
    for (int i = 0; i < GM_CASES; i++) {
        const tact_op_t *op = out[i].op;
        assert_string_equal(tact_op_name(op), gm_expected[i].name);
        assert_string_equal(tact_session_op_device(gs, op), GPU(0));
        assert_string_equal(tact_session_op_device(cs, op), CPU(0));
        char line[160];
        snprintf(line, sizeof line, "%s: (%s): " GPU(0), tact_op_name(op), tact_op_type(op));
        assert_true(captured(cap, line));
        assert_int_equal(tact_tensor_nbytes(gr[i]), tact_tensor_nbytes(cr[i]));
        if (tact_tensor_dtype(gr[i]) == TACT_DTYPE_F32) {
            for (int64_t k = 0; k < tact_tensor_nelems(gr[i]); k++)
                gm_close(((const float *) tact_tensor_data(gr[i]))[k],
                         ((const float *) tact_tensor_data(cr[i]))[k], gm_expected[i].name,
                         (int) k);
        } else if (tact_tensor_nbytes(gr[i]) > 0) {
            assert_memory_equal(tact_tensor_data(gr[i]), tact_tensor_data(cr[i]),
                                tact_tensor_nbytes(gr[i]));
        }
        gm_check(gr[i], &gm_expected[i]);
        tact_tensor_destroy(&gr[i]);
        tact_tensor_destroy(&cr[i]);
    }
    free(cap);
    tact_session_destroy(&gs);
    tact_session_destroy(&cs);
    tact_graph_destroy(&g);
}

/* Dtypes the GPU kernels leave out (int32, float64 here), and an AddN of more inputs than the
 * GPU's node loop holds, are placed on the CPU beside float32 ops on the GPU, with the same
 * answers as TensorFlow's: -7 -> 7, max(2.5, -1) = 2.5, 10 x 1.5 = 15. */
static void test_ops_without_gpu_kernels_stay_on_cpu(void **state)
{
    (void) state;
    tact_status_t st = TACT_STATUS_INIT;
    tact_graph_t *g = tact_graph_new();
    tact_output_t i = tu_const_i32(g, NULL, 0, (int32_t[]) { -7 }, "i", &st);
    tact_output_t iabs = tact_abs(g, i, "iabs", &st);
    tact_tensor_t *dv = tact_tensor_new(TACT_DTYPE_F64, NULL, 0, (double[]) { 2.5 }, &st);
    tact_tensor_t *dm = tact_tensor_new(TACT_DTYPE_F64, NULL, 0, (double[]) { -1.0 }, &st);
    tact_output_t dmax = tact_maximum(g, tact_constant(g, dv, "d", &st),
                                      tact_constant(g, dm, "dm", &st), "dmax", &st);
    tact_tensor_destroy(&dv);
    tact_tensor_destroy(&dm);
    tact_output_t f = tu_const_f32(g, NULL, 0, (float[]) { 1.5f }, "f", &st);
    tact_output_t many[10];
    for (int k = 0; k < 10; k++)
        many[k] = f;
    tact_output_t sum10 = tact_add_n(g, many, 10, "sum10", &st);
    tact_output_t sum3 = tact_add_n(g, many, 3, "sum3", &st);
    tact_output_t fmax = tact_maximum(g, f, sum3, "fmax", &st);
    assert_int_equal(st.code, TACT_CODE_OK);
    tact_session_t *s = tu_session(g, NULL);
    tact_output_t fetch[4] = { iabs, dmax, sum10, fmax };
    tact_tensor_t *r[4] = { NULL };
    assert_int_equal(tact_session_run(s, fetch, 4, r, NULL, 0, NULL, 0, &st), TACT_CODE_OK);
    assert_string_equal(tu_str(r[0]), "7");
    assert_string_equal(tu_str(r[1]), "2.5");
    assert_string_equal(tu_str(r[2]), "15.0");
    assert_string_equal(tu_str(r[3]), "4.5");
    for (int k = 0; k < 4; k++)
        tact_tensor_destroy(&r[k]);
    assert_string_equal(tact_session_op_device(s, iabs.op), CPU(0));
    assert_string_equal(tact_session_op_device(s, dmax.op), CPU(0));
    assert_string_equal(tact_session_op_device(s, sum10.op), CPU(0));
    assert_string_equal(tact_session_op_device(s, sum3.op), GPU(0));
    assert_string_equal(tact_session_op_device(s, fmax.op), GPU(0));
    tact_session_destroy(&s);
    tact_graph_destroy(&g);
}

int main(void)
{
    const char *backend = getenv("TACT_GPU_MATH_BACKEND");
    gm_real = backend != NULL && strcmp(backend, "cuda") == 0;
    if (gm_real) {
        const tact_gpu_backend_t *b = tact__gpu_backend();
        int n = b != NULL ? b->count() : 0;
        if (tu_must_fail_without_gpu("test_gpu_math", n))
            return 1;
        if (n == 0)
            return 0;
    }
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_math_ops_on_gpu_match_cpu_and_tensorflow, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_ops_without_gpu_kernels_stay_on_cpu, setup,
                                        teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
