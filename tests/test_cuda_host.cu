/* SPDX-License-Identifier: MIT */
/* The CUDA kernels' element logic (devices/cuda/kernel_math.cuh) run on the CPU, so that it is
 * tested where no GPU is present. For many shapes and dtypes, each kernel's __host__ __device__
 * functions are evaluated for every output element the way the kernel's threads call them
 * (for Softmax and the reductions: each thread of the block with its share, then a model of
 * the block reduction's combining order, and also one thread doing everything), and the result
 * is compared with the CPU kernel (tact__cpu_kernel) on the same inputs: floats within 1e-6
 * relative (NaN matching NaN, zeros of the same sign), everything else exactly. Walks are
 * built as cuda_backend.c builds them; the reads they make are checked to stay inside the
 * inputs (and, for reductions and transposes, to read each input element exactly once). Not
 * checked here, for want of a GPU: the launches (grid and block limits, shared memory), warp
 * shuffles and barriers, the device's math library, streams; test_cuda runs those on a GPU. */
#include <inttypes.h>
#include <math.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdalign.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <tact/tact.h>

#include "devices/cuda/kernel_math.cuh"

/* The internal C headers declare a few members _Atomic (reference counts), which C++ does not
 * parse. This file never touches them: to it they are plain ints, of the same size and
 * alignment. The headers have no extern "C" of their own, nor has cmocka.h. */
#define _Atomic
typedef int atomic_int;
extern "C" {
#include "devices/cpu/kernels.h"
#include "devices/cpu/kernels/family.h"
#include "devices/cuda/walks.h"
#include "devices/layout.h"

#include <cmocka.h>
}
#undef _Atomic

#define F32  TACT_DTYPE_F32
#define F64  TACT_DTYPE_F64
#define I32  TACT_DTYPE_I32
#define I64  TACT_DTYPE_I64
#define BOOL TACT_DTYPE_BOOL

#define KT_MAXD 6 /* dims in the case tables */

typedef tact_output_t (*kt_binary_fn)(tact_graph_t *, tact_output_t, tact_output_t, const char *,
                                      tact_status_t *);
typedef tact_output_t (*kt_unary_fn)(tact_graph_t *, tact_output_t, const char *, tact_status_t *);

/* ------------------------------------------------------------------------------------------ */
/* Tensors, ops, comparison                                                                   */
/* ------------------------------------------------------------------------------------------ */

static const double kt_specials[] = {
    NAN, INFINITY, -INFINITY, 0.0, -0.0, 1e30, -1e30, 3.5e-39, -3.5e-39, 88.5, -88.5,
    745.5, -745.5, 1e-3, -20.25, 20.25, 0.5, -0.5, 3e38, -3e38,
};
#define KT_N_SPECIALS ((int) (sizeof kt_specials / sizeof kt_specials[0]))

/* Element i of a test input of `dtype`, varied by `seed`: floats are small multiples of 1/8 (so
 * sums are exact in any order), with `special` every third one NaN, an infinity, a signed zero,
 * a huge, tiny or subnormal value; integers reach the wrapping range; bools are bytes 0, 1, 7. */
static void kt_set(tact_tensor_t *t, int64_t i, int seed, bool special)
{
    int64_t v = (i * 7 + seed * 13) % 41 - 20;
    double f = (double) v / 8.0;
    if (special && i % 3 == 1)
        f = kt_specials[(i / 3 + seed) % KT_N_SPECIALS];
    switch (t->dtype) {
    case F32:
        ((float *) t->data)[i] = (float) f;
        break;
    case F64:
        ((double *) t->data)[i] = f;
        break;
    case I32:
        ((int32_t *) t->data)[i] = i == 0 ? INT32_MAX : i == 1 ? INT32_MIN : (int32_t) (v * 97);
        break;
    case I64:
        ((int64_t *) t->data)[i] =
            i == 0 ? INT64_MAX : (int64_t) ((uint64_t) (v * 1000003) << (i % 40));
        break;
    default:
        ((uint8_t *) t->data)[i] = (uint8_t) (v % 3 == 0 ? 0 : v % 3 == 1 ? 1 : 7);
        break;
    }
}

static tact_tensor_t *kt_tensor(tact_dtype_t dtype, int ndims, const int64_t *dims, int seed,
                                bool special)
{
    tact_tensor_t *t = tact__tensor_alloc(dtype, dims, ndims);
    for (int64_t i = 0; i < t->nelems; i++)
        kt_set(t, i, seed, special);
    return t;
}

static tact_output_t kt_placeholder(tact_graph_t *g, const tact_tensor_t *t)
{
    tact_status_t st = TACT_STATUS_INIT;
    tact_output_t p = tact_placeholder(g, t->dtype, t->dims, t->ndims, NULL, &st);
    if (st.code != TACT_CODE_OK)
        fail_msg("placeholder: %s", st.msg);
    return p;
}

static tact_op_t *kt_op(tact_output_t out, const tact_status_t *st)
{
    if (st->code != TACT_CODE_OK)
        fail_msg("building the op: %s", st->msg);
    assert_non_null(out.op);
    return out.op;
}

/* A tensor of op's (fully known) output shape, its bytes 0xA5: an element left unwritten
 * shows. */
static tact_tensor_t *kt_out(const tact_op_t *op)
{
    const tact_shape_t *s = &op->out_shape[0];
    for (int d = 0; d < s->ndims; d++)
        assert_true(s->dims[d] >= 0);
    tact_tensor_t *t = tact__tensor_alloc(op->out_dtype[0], s->dims, s->ndims);
    if (t->nbytes > 0)
        memset(t->data, 0xA5, t->nbytes);
    return t;
}

/* The CPU kernel's output for op on in[]. */
static tact_tensor_t *kt_cpu(const tact_op_t *op, const tact_tensor_t *const *in)
{
    tact_tensor_t *want = kt_out(op);
    /* a family's kernel first, as the CPU device runs them */
    const tact_cpu_op_kernel_t *fk = tact__cpu_op_kernel(op->kind);
    tact_cpu_kernel_fn fn = fk == NULL ? tact__cpu_kernel(op->kind) : NULL;
    assert_true(fk != NULL || fn != NULL);
    tact_status_t st = TACT_STATUS_INIT;
    tact_kernel_ctx_t k;
    memset(&k, 0, sizeof k);
    k.op = op;
    k.n_in = op->n_inputs;
    k.in = in;
    k.out = &want;
    k.device = "CPU:0";
    if ((fn != NULL ? fn(op, in, want, &st) : fk->run(&k, &st)) != TACT_CODE_OK)
        fail_msg("CPU %s: %s", op->name, st.msg);
    return want;
}

/* "Add (float32) [2,3] [3]" into buf. */
static const char *kt_what(char *buf, size_t len, const tact_op_t *op, const tact_tensor_t *x,
                           const tact_tensor_t *y)
{
    int n = snprintf(buf, len, "%s (%s)", op->name, tact_dtype_name(x->dtype));
    const tact_tensor_t *ts[2] = {x, y};
    for (int k = 0; k < 2 && ts[k] != NULL; k++) {
        n += snprintf(buf + n, len - (size_t) n, " [");
        for (int d = 0; d < ts[k]->ndims; d++)
            n += snprintf(buf + n, len - (size_t) n, "%s%" PRId64, d > 0 ? "," : "", ts[k]->dims[d]);
        n += snprintf(buf + n, len - (size_t) n, "]");
    }
    return buf;
}

template <typename T> static bool kt_close(T w, T g, bool zero_sign)
{
    if (isnan(w) || isnan(g))
        return isnan(w) && isnan(g);
    if (w == g)
        return !zero_sign || signbit(w) == signbit(g); /* -0 is not +0 */
    return fabs((double) g - (double) w) <= 1e-6 * fabs((double) w);
}

/* Every element of got matches want's; zero_sign false: a zero matches a zero of either sign
 * (the max of -0 and +0 is the one seen first, so it depends on the order of combining, in
 * TensorFlow's kernels as in these). */
static void kt_check_zeros(const tact_tensor_t *want, const tact_tensor_t *got, const char *what,
                           bool zero_sign)
{
    assert_int_equal(want->dtype, got->dtype);
    assert_int_equal(want->nelems, got->nelems);
    for (int64_t i = 0; i < want->nelems; i++) {
        switch (want->dtype) {
        case F32: {
            float w = ((const float *) want->data)[i];
            float g = ((const float *) got->data)[i];
            if (!kt_close(w, g, zero_sign))
                fail_msg("%s: element %" PRId64 ": kernel %.9g, CPU %.9g", what, i, (double) g,
                         (double) w);
            break;
        }
        case F64: {
            double w = ((const double *) want->data)[i];
            double g = ((const double *) got->data)[i];
            if (!kt_close(w, g, zero_sign))
                fail_msg("%s: element %" PRId64 ": kernel %.17g, CPU %.17g", what, i, g, w);
            break;
        }
        case I32: {
            int32_t w = ((const int32_t *) want->data)[i];
            int32_t g = ((const int32_t *) got->data)[i];
            if (w != g)
                fail_msg("%s: element %" PRId64 ": kernel %" PRId32 ", CPU %" PRId32, what, i, g, w);
            break;
        }
        case I64: {
            int64_t w = ((const int64_t *) want->data)[i];
            int64_t g = ((const int64_t *) got->data)[i];
            if (w != g)
                fail_msg("%s: element %" PRId64 ": kernel %" PRId64 ", CPU %" PRId64, what, i, g, w);
            break;
        }
        default: {
            uint8_t w = ((const uint8_t *) want->data)[i];
            uint8_t g = ((const uint8_t *) got->data)[i];
            if (w != g)
                fail_msg("%s: element %" PRId64 ": kernel %u, CPU %u", what, i, g, w);
            break;
        }
        }
    }
}

/* Every element of got matches want's, zeros with their sign. */
static void kt_check(const tact_tensor_t *want, const tact_tensor_t *got, const char *what)
{
    kt_check_zeros(want, got, what, true);
}

/* Counts reads of each of n input elements: every one exactly once, none outside. */
typedef struct kt_hits {
    unsigned char *n;
    int64_t size;
} kt_hits_t;

static kt_hits_t kt_hits_new(int64_t size)
{
    kt_hits_t h = {(unsigned char *) tact__malloc((size_t) size + 1), size};
    return h;
}

static void kt_hit(kt_hits_t *h, int64_t off, const char *what)
{
    if (off < 0 || off >= h->size)
        fail_msg("%s: offset %" PRId64 " outside [0, %" PRId64 ")", what, off, h->size);
    h->n[off]++;
}

static void kt_hits_done(kt_hits_t *h, const char *what)
{
    for (int64_t i = 0; i < h->size; i++) {
        if (h->n[i] != 1)
            fail_msg("%s: element %" PRId64 " read %d times", what, i, h->n[i]);
    }
    free(h->n);
    h->n = NULL;
}

/* ------------------------------------------------------------------------------------------ */
/* The block reductions' combining order (kernels.cu's kn_block_reduce): each warp folds its  */
/* lanes by shuffles down 16, 8, 4, 2, 1 (a lane past the warp's end keeps its own value),    */
/* lane 0 of each warp posts its result, warp 0 folds those (lanes past the warps: ident).    */
/* ------------------------------------------------------------------------------------------ */

template <typename T, typename F> static T kt_warp_fold(T *lane, F f)
{
    for (int off = 16; off > 0; off >>= 1) {
        T next[32];
        for (int l = 0; l < 32; l++)
            next[l] = f(lane[l], l + off < 32 ? lane[l + off] : lane[l]);
        memcpy(lane, next, sizeof next);
    }
    return lane[0];
}

/* The block's result over v[0..threads). REQUIRES: threads a multiple of 32, at most 1024. */
template <typename T, typename F> static T kt_block_fold(const T *v, int threads, T ident, F f)
{
    assert_true(threads % 32 == 0 && threads <= 1024);
    const int nwarps = threads / 32;
    T sh[33];
    T lane[32];
    for (int w = 0; w < nwarps; w++) {
        memcpy(lane, v + 32 * w, sizeof lane);
        sh[w] = kt_warp_fold(lane, f);
    }
    for (int l = 0; l < 32; l++)
        lane[l] = l < nwarps ? sh[l] : ident;
    return kt_warp_fold(lane, f);
}

/* ------------------------------------------------------------------------------------------ */
/* Launch sizes                                                                               */
/* ------------------------------------------------------------------------------------------ */

/* A grid-stride loop of kn_blocks(n, per_block) blocks, each taking `per_block` units (threads,
 * or the warps of a warp-per-row kernel), reaches every index once. */
static void kt_grid_stride(int64_t n, int per_block, const char *what)
{
    const int g = kn_blocks(n, per_block);
    assert_true(g >= 1 && g <= KN_MAX_BLOCKS);
    assert_true((int64_t) g * per_block >= n || g == KN_MAX_BLOCKS);
    kt_hits_t h = kt_hits_new(n);
    for (int64_t b = 0; b < g; b++)
        for (int64_t t = 0; t < per_block; t++)
            for (int64_t i = b * per_block + t; i < n; i += (int64_t) per_block * g)
                h.n[i]++;
    kt_hits_done(&h, what);
}

static void test_launch_sizes(void **state)
{
    (void) state;
    const int64_t ns[] = {1, 255, 256, 257, 1000, 65535, (int64_t) KN_MAX_BLOCKS * KN_THREADS,
                          (int64_t) KN_MAX_BLOCKS * KN_THREADS + 4097};
    for (size_t k = 0; k < sizeof ns / sizeof ns[0]; k++)
        kt_grid_stride(ns[k], KN_THREADS, "grid-stride loop");
    assert_int_equal(kn_blocks((int64_t) 1 << 40, KN_THREADS), KN_MAX_BLOCKS);

    /* One block per unit (rows, outputs, tiles), looped over past KN_MAX_BLOCKS. */
    assert_int_equal(kn_grid(1), 1);
    assert_int_equal(kn_grid(KN_MAX_BLOCKS), KN_MAX_BLOCKS);
    assert_int_equal(kn_grid((int64_t) 1 << 33), KN_MAX_BLOCKS);

    /* Reduction blocks: whole warps, enough threads for the elements, at most KN_THREADS. */
    const int64_t reds[] = {0, 1, 31, 32, 33, 100, 255, 256, 257, 2049, (int64_t) 1 << 40};
    for (size_t k = 0; k < sizeof reds / sizeof reds[0]; k++) {
        int t = kn_reduce_threads(reds[k]);
        assert_true(t % 32 == 0 && t >= 32 && t <= KN_THREADS);
        assert_true(t >= reds[k] || t == KN_THREADS);
        assert_true(t == 32 || t / 2 < reds[k]); /* no bigger than needed */
    }

    /* The 2-D transpose's block covers a tile row by row: KN_TILE wide, whole rows high. */
    assert_int_equal(KN_THREADS % KN_TILE, 0);
    assert_int_equal(kn_t2d_tiles(1, 1), 1);
    assert_int_equal(kn_t2d_tiles(33, 32), 2);
    assert_int_equal(kn_t2d_tiles(64, 65), 6);

    /* Softmax: a warp per row up to KN_SOFTMAX_WARP_COLS columns, a block per row beyond; a
     * grid-stride loop of warps reaches every row once. */
    assert_true(kn_softmax_per_warp(1) && kn_softmax_per_warp(KN_SOFTMAX_WARP_COLS));
    assert_false(kn_softmax_per_warp(KN_SOFTMAX_WARP_COLS + 1));
    const int64_t row_counts[] = {1, 7, 8, 9, 100001, (int64_t) KN_MAX_BLOCKS * 8 + 13};
    for (size_t k = 0; k < sizeof row_counts / sizeof row_counts[0]; k++)
        kt_grid_stride(row_counts[k], KN_THREADS / 32, "softmax rows");
}

/* ------------------------------------------------------------------------------------------ */
/* Binary ops                                                                                 */
/* ------------------------------------------------------------------------------------------ */

/* A walk over every output axis as it is (size-1 axes kept, nothing merged): any walk must
 * give the same elements. */
static void kt_plain_walk(const tact_tensor_t *a, const tact_tensor_t *b, const tact_tensor_t *out,
                          tact_cuda_walk_t *w)
{
    const tact_tensor_t *in[2] = {a, b};
    int64_t *strides[2] = {w->stride_a, w->stride_b};
    w->ndims = out->ndims;
    for (int i = 0; i < out->ndims; i++)
        w->dims[i] = out->dims[i];
    for (int k = 0; k < 2; k++) {
        int pad = out->ndims - in[k]->ndims;
        int64_t e = 1;
        for (int i = out->ndims - 1; i >= 0; i--) {
            bool rep = i < pad || in[k]->dims[i - pad] == 1;
            strides[k][i] = rep ? 0 : e;
            e *= rep ? 1 : out->dims[i];
        }
    }
}

template <int OP, typename T, int MODE>
static void kt_binary_run(const kn_bwalk &w, const tact_tensor_t *a, const tact_tensor_t *b,
                          tact_tensor_t *o)
{
    const T *pa = (const T *) a->data;
    const T *pb = (const T *) b->data;
    kn_binout_t<OP, T> *po = (kn_binout_t<OP, T> *) o->data;
    for (int64_t i = 0; i < o->nelems; i++) {
        int64_t ia;
        int64_t ib;
        kn_binary_index<MODE>(w, i, &ia, &ib);
        if (ia < 0 || ia >= a->nelems || ib < 0 || ib >= b->nelems)
            fail_msg("binary element %" PRId64 " reads a[%" PRId64 "], b[%" PRId64 "]", i, ia, ib);
        po[i] = kn_binop<OP>(pa[ia], pb[ib]);
    }
}

template <int OP, typename T>
static void kt_binary_mode(int mode, const kn_bwalk &w, const tact_tensor_t *a,
                           const tact_tensor_t *b, tact_tensor_t *o)
{
    switch (mode) {
    case TACT_CUDA_SAME:
        kt_binary_run<OP, T, TACT_CUDA_SAME>(w, a, b, o);
        break;
    case TACT_CUDA_SCALAR_A:
        kt_binary_run<OP, T, TACT_CUDA_SCALAR_A>(w, a, b, o);
        break;
    case TACT_CUDA_SCALAR_B:
        kt_binary_run<OP, T, TACT_CUDA_SCALAR_B>(w, a, b, o);
        break;
    case TACT_CUDA_STRIDED:
        kt_binary_run<OP, T, TACT_CUDA_STRIDED>(w, a, b, o);
        break;
    case KN_B_STRIDED32:
        kt_binary_run<OP, T, KN_B_STRIDED32>(w, a, b, o);
        break;
    case KN_B_ROW_A32:
        kt_binary_run<OP, T, KN_B_ROW_A32>(w, a, b, o);
        break;
    case KN_B_ROW_B32:
        kt_binary_run<OP, T, KN_B_ROW_B32>(w, a, b, o);
        break;
    default:
        fail_msg("binary launch mode %d", mode);
    }
}

template <typename T>
static void kt_binary_t(tact_cuda_binary_t op, int mode, const kn_bwalk &w, const tact_tensor_t *a,
                        const tact_tensor_t *b, tact_tensor_t *o)
{
    if constexpr (sizeof(T) == 1) { /* bools */
        if (op == TACT_CUDA_LOGICAL_AND)
            kt_binary_mode<TACT_CUDA_LOGICAL_AND, T>(mode, w, a, b, o);
        else if (op == TACT_CUDA_LOGICAL_OR)
            kt_binary_mode<TACT_CUDA_LOGICAL_OR, T>(mode, w, a, b, o);
        else
            fail_msg("binary op %d has no bool kernel", (int) op);
    } else {
        switch (op) {
        case TACT_CUDA_ADD:
            kt_binary_mode<TACT_CUDA_ADD, T>(mode, w, a, b, o);
            break;
        case TACT_CUDA_SUB:
            kt_binary_mode<TACT_CUDA_SUB, T>(mode, w, a, b, o);
            break;
        case TACT_CUDA_MUL:
            kt_binary_mode<TACT_CUDA_MUL, T>(mode, w, a, b, o);
            break;
        default:
            if constexpr (kn_float<T>::value) {
                switch (op) {
#define KT_FLOAT_BINARY(code)                                                                      \
    case code:                                                                                     \
        kt_binary_mode<code, T>(mode, w, a, b, o);                                                 \
        break;
                    KT_FLOAT_BINARY(TACT_CUDA_REALDIV)
                    KT_FLOAT_BINARY(TACT_CUDA_POW)
                    KT_FLOAT_BINARY(TACT_CUDA_MAXIMUM)
                    KT_FLOAT_BINARY(TACT_CUDA_MINIMUM)
                    KT_FLOAT_BINARY(TACT_CUDA_FLOOR_DIV)
                    KT_FLOAT_BINARY(TACT_CUDA_FLOOR_MOD)
                    KT_FLOAT_BINARY(TACT_CUDA_SQUARED_DIFFERENCE)
                    KT_FLOAT_BINARY(TACT_CUDA_EQUAL)
                    KT_FLOAT_BINARY(TACT_CUDA_NOT_EQUAL)
                    KT_FLOAT_BINARY(TACT_CUDA_LESS)
                    KT_FLOAT_BINARY(TACT_CUDA_LESS_EQUAL)
                    KT_FLOAT_BINARY(TACT_CUDA_GREATER)
                    KT_FLOAT_BINARY(TACT_CUDA_GREATER_EQUAL)
#undef KT_FLOAT_BINARY
                default:
                    fail_msg("binary op %d has no float kernel", (int) op);
                }
            } else {
                fail_msg("binary op %d has no integer kernel", (int) op);
            }
            break;
        }
    }
}

static void kt_binary_emu(tact_cuda_binary_t op, int mode, const kn_bwalk &w,
                          const tact_tensor_t *a, const tact_tensor_t *b, tact_tensor_t *o)
{
    switch (a->dtype) {
    case F32:
        kt_binary_t<float>(op, mode, w, a, b, o);
        break;
    case F64:
        kt_binary_t<double>(op, mode, w, a, b, o);
        break;
    case I32:
        kt_binary_t<int32_t>(op, mode, w, a, b, o);
        break;
    case BOOL:
        kt_binary_t<uint8_t>(op, mode, w, a, b, o);
        break;
    default:
        kt_binary_t<int64_t>(op, mode, w, a, b, o);
        break;
    }
}

/* Bools as TensorFlow holds them, bytes of 0 and 1 (kt_set's 7s would test C's bool loads). */
static void kt_bool_bytes(tact_tensor_t *t)
{
    if (t->dtype != BOOL)
        return;
    for (int64_t i = 0; i < t->nelems; i++)
        ((uint8_t *) t->data)[i] = ((uint8_t *) t->data)[i] != 0;
}

typedef struct kt_bin_case {
    int na;
    int64_t a[KT_MAXD];
    int nb;
    int64_t b[KT_MAXD];
} kt_bin_case_t;

/* Equal shapes, scalars either side, rows and columns, outer products, missing leading axes,
 * size-1 axes anywhere, 3-D and 4-D broadcasting, odd sizes. */
static const kt_bin_case_t kt_bin_cases[] = {
    {2, {2, 3}, 2, {2, 3}},
    {1, {7}, 1, {7}},
    {3, {5, 3, 7}, 3, {5, 3, 7}},
    {2, {1, 3}, 1, {3}},
    {0, {0}, 2, {4, 5}},
    {1, {1}, 1, {3}},
    {2, {1, 1}, 2, {2, 3}},
    {2, {3, 4}, 0, {0}},
    {2, {3, 4}, 3, {1, 1, 1}},
    {0, {0}, 0, {0}},
    {2, {4, 5}, 1, {5}},
    {2, {4, 1}, 2, {4, 5}},
    {2, {4, 1}, 2, {1, 5}},
    {1, {5}, 2, {4, 1}},
    {3, {2, 1, 3}, 2, {4, 1}},
    {4, {3, 1, 5, 1}, 4, {1, 4, 1, 6}},
    {3, {5, 1, 7}, 2, {6, 1}},
    {3, {1, 3, 1}, 3, {2, 1, 4}},
    {3, {1, 4, 1}, 3, {3, 1, 1}},
    {4, {2, 1, 1, 3}, 4, {1, 5, 1, 1}},
    {4, {2, 3, 4, 5}, 2, {4, 5}},
    {4, {2, 3, 4, 5}, 4, {2, 1, 4, 1}},
    {3, {7, 1, 9}, 3, {7, 11, 9}},
    {5, {2, 1, 3, 1, 5}, 3, {1, 4, 1}},
    {2, {33, 1}, 1, {129}},
};

static void kt_binary_case(kt_binary_fn build, tact_cuda_binary_t bop, tact_dtype_t dt,
                           const kt_bin_case_t *c)
{
    tact_status_t st = TACT_STATUS_INIT;
    tact_graph_t *g = tact_graph_new();
    tact_tensor_t *a = kt_tensor(dt, c->na, c->a, 1, true);
    tact_tensor_t *b = kt_tensor(dt, c->nb, c->b, 2, true);
    kt_bool_bytes(a);
    kt_bool_bytes(b);
    tact_op_t *op = kt_op(build(g, kt_placeholder(g, a), kt_placeholder(g, b), NULL, &st), &st);
    const tact_tensor_t *in[2] = {a, b};
    tact_tensor_t *want = kt_cpu(op, in);
    char what[160];
    kt_what(what, sizeof what, op, a, b);

    /* The mode and walk that cuda_binary picks, launched as the launcher plans it (32-bit
     * indices here: every case is small). */
    tact_tensor_t *got = kt_out(op);
    tact_cuda_walk_t w;
    tact_cuda_bcast_t mode = tact__cuda_binary_walk(a, b, got, &w);
    kn_bwalk bw;
    int lmode = kn_binary_plan(mode, w, got->nelems, &bw);
    if (mode == TACT_CUDA_STRIDED)
        assert_true(lmode >= KN_B_STRIDED32);
    kt_binary_emu(bop, lmode, bw, a, b, got);
    kt_check(want, got, what);

    /* The same walk through 64-bit indices, the path of tensors past 2^31 elements. */
    if (mode == TACT_CUDA_STRIDED) {
        tact_tensor_t *wide = kt_out(op);
        kt_binary_emu(bop, TACT_CUDA_STRIDED, bw, a, b, wide);
        kt_check(want, wide, what);
        tact_tensor_destroy(&wide);
    }

    /* Strided through the unmerged walk, 64-bit and 32-bit. */
    tact_tensor_t *plain = kt_out(op);
    memset(&w, 0, sizeof w);
    kt_plain_walk(a, b, plain, &w);
    kn_binary_plan(TACT_CUDA_STRIDED, w, plain->nelems, &bw);
    kt_binary_emu(bop, TACT_CUDA_STRIDED, bw, a, b, plain);
    kt_check(want, plain, what);
    tact_tensor_t *plain32 = kt_out(op);
    kt_binary_emu(bop, KN_B_STRIDED32, bw, a, b, plain32);
    kt_check(want, plain32, what);

    tact_tensor_destroy(&plain32);
    tact_tensor_destroy(&plain);
    tact_tensor_destroy(&got);
    tact_tensor_destroy(&want);
    tact_tensor_destroy(&a);
    tact_tensor_destroy(&b);
    tact_graph_destroy(&g);
}

/* The precomputed divisors against the division they replace: every divisor up to 4096, the
 * powers of two and their neighbours, and large ones up to INT32_MAX, each over small
 * numerators, multiples of the divisor and their neighbours, pseudo-random ones and the
 * largest (2^31 - 1). */
static void test_fastdiv(void **state)
{
    (void) state;
    int64_t ds[4096 + 3 * 31 + 6];
    int nd = 0;
    for (int64_t d = 1; d <= 4096; d++)
        ds[nd++] = d;
    for (int k = 1; k <= 31; k++) {
        int64_t p = (int64_t) 1 << k;
        ds[nd++] = p - 1;
        ds[nd++] = p < INT32_MAX ? p : INT32_MAX;
        ds[nd++] = p + 1 < INT32_MAX ? p + 1 : INT32_MAX - 1;
    }
    const int64_t big[] = {65537, 1000003, 46341, 2147483629, INT32_MAX - 1, INT32_MAX};
    for (size_t k = 0; k < sizeof big / sizeof big[0]; k++)
        ds[nd++] = big[k];
    uint64_t rng = 0x9e3779b97f4a7c15ull;
    for (int k = 0; k < nd; k++) {
        const int64_t d = ds[k];
        const kn_fastdiv f = kn_fastdiv_make(d);
        uint32_t ns[64];
        int nn = 0;
        for (uint32_t n = 0; n < 8; n++)
            ns[nn++] = n;
        for (int64_t m = 1; m <= 4 && d * m + 1 <= INT32_MAX; m++) {
            ns[nn++] = (uint32_t) (d * m - 1);
            ns[nn++] = (uint32_t) (d * m);
            ns[nn++] = (uint32_t) (d * m + 1);
        }
        for (int r = 0; r < 24; r++) {
            rng = rng * 6364136223846793005ull + 1442695040888963407ull;
            ns[nn++] = (uint32_t) (rng >> 33);  /* below 2^31 */
        }
        ns[nn++] = INT32_MAX;
        for (int t = 0; t < nn; t++) {
            if (kn_div(f, ns[t]) != ns[t] / (uint32_t) d)
                fail_msg("%u / %" PRId64 ": fast %u, exact %u", ns[t], d, kn_div(f, ns[t]),
                         ns[t] / (uint32_t) d);
        }
    }
}

/* The binary launch plan: a bias add (either side) takes the row path, other broadcasts the
 * 32-bit walk, and an output or an input offset past 2^31 the 64-bit walk. */
static void test_binary_plan(void **state)
{
    (void) state;
    kn_bwalk bw;
    tact_cuda_walk_t w;
    memset(&w, 0, sizeof w);
    w.ndims = 2;
    w.dims[0] = 64;
    w.dims[1] = 512;
    w.stride_a[0] = 512;
    w.stride_a[1] = 1;
    w.stride_b[1] = 1;  /* [64, 512] + [512] */
    assert_int_equal(kn_binary_plan(TACT_CUDA_STRIDED, w, 64 * 512, &bw), KN_B_ROW_B32);
    assert_int_equal(bw.div[1].d, 512);
    tact_cuda_walk_t wa = w;
    wa.stride_a[0] = 0;
    wa.stride_b[0] = 512;  /* [512] + [64, 512] */
    assert_int_equal(kn_binary_plan(TACT_CUDA_STRIDED, wa, 64 * 512, &bw), KN_B_ROW_A32);
    tact_cuda_walk_t wc = w;
    wc.stride_b[0] = 1;
    wc.stride_b[1] = 0;  /* [64, 512] + [64, 1]: a column, the general 32-bit walk */
    assert_int_equal(kn_binary_plan(TACT_CUDA_STRIDED, wc, 64 * 512, &bw), KN_B_STRIDED32);
    tact_cuda_walk_t wide = w;
    wide.dims[0] = ((int64_t) 1 << 31) / 512;  /* 2^31 outputs */
    assert_int_equal(kn_binary_plan(TACT_CUDA_STRIDED, wide, wide.dims[0] * 512, &bw),
                     TACT_CUDA_STRIDED);
    assert_int_equal(kn_binary_plan(TACT_CUDA_SAME, w, 64 * 512, &bw), TACT_CUDA_SAME);
    assert_int_equal(kn_binary_plan(TACT_CUDA_SCALAR_B, w, 64 * 512, &bw), TACT_CUDA_SCALAR_B);
    /* the row path's element pairs against the 64-bit walk's, across the whole output */
    int lmode = kn_binary_plan(TACT_CUDA_STRIDED, w, 64 * 512, &bw);
    assert_int_equal(lmode, KN_B_ROW_B32);
    for (int64_t i = 0; i < 64 * 512; i++) {
        int64_t ia, ib, wa_, wb_;
        kn_binary_index<KN_B_ROW_B32>(bw, i, &ia, &ib);
        kn_binary_index<TACT_CUDA_STRIDED>(bw, i, &wa_, &wb_);
        if (ia != wa_ || ib != wb_)
            fail_msg("row path at %" PRId64 ": (%" PRId64 ", %" PRId64 ") vs (%" PRId64
                     ", %" PRId64 ")", i, ia, ib, wa_, wb_);
    }
}

static void test_binary(void **state)
{
    (void) state;
    const tact_dtype_t dtypes[] = {F32, F64, I32, I64};
    const struct {
        kt_binary_fn build;
        tact_cuda_binary_t op;
    } ops[] = {
        {tact_add, TACT_CUDA_ADD},
        {tact_subtract, TACT_CUDA_SUB},
        {tact_multiply, TACT_CUDA_MUL},
        {tact_divide, TACT_CUDA_REALDIV},
    };
    for (size_t o = 0; o < sizeof ops / sizeof ops[0]; o++)
        for (size_t d = 0; d < sizeof dtypes / sizeof dtypes[0]; d++) {
            if (ops[o].op == TACT_CUDA_REALDIV && dtypes[d] != F32 && dtypes[d] != F64)
                continue; /* integer Div has no GPU kernel */
            for (size_t k = 0; k < sizeof kt_bin_cases / sizeof kt_bin_cases[0]; k++)
                kt_binary_case(ops[o].build, ops[o].op, dtypes[d], &kt_bin_cases[k]);
        }
}

/* The math family's binary ops: float32 and float64 (the comparisons to bool) with NaN, the
 * infinities, signed zeros and huge and tiny values on either side, LogicalAnd and LogicalOr
 * on bools, through every broadcast case and launch mode. */
static void test_math_binary(void **state)
{
    (void) state;
    const struct {
        kt_binary_fn build;
        tact_cuda_binary_t op;
    } ops[] = {
        {tact_pow, TACT_CUDA_POW},
        {tact_maximum, TACT_CUDA_MAXIMUM},
        {tact_minimum, TACT_CUDA_MINIMUM},
        {tact_floordiv, TACT_CUDA_FLOOR_DIV},
        {tact_floormod, TACT_CUDA_FLOOR_MOD},
        {tact_squared_difference, TACT_CUDA_SQUARED_DIFFERENCE},
        {tact_equal, TACT_CUDA_EQUAL},
        {tact_not_equal, TACT_CUDA_NOT_EQUAL},
        {tact_less, TACT_CUDA_LESS},
        {tact_less_equal, TACT_CUDA_LESS_EQUAL},
        {tact_greater, TACT_CUDA_GREATER},
        {tact_greater_equal, TACT_CUDA_GREATER_EQUAL},
    };
    for (size_t o = 0; o < sizeof ops / sizeof ops[0]; o++)
        for (size_t k = 0; k < sizeof kt_bin_cases / sizeof kt_bin_cases[0]; k++) {
            kt_binary_case(ops[o].build, ops[o].op, F32, &kt_bin_cases[k]);
            kt_binary_case(ops[o].build, ops[o].op, F64, &kt_bin_cases[k]);
        }
    for (size_t k = 0; k < sizeof kt_bin_cases / sizeof kt_bin_cases[0]; k++) {
        kt_binary_case(tact_logical_and, TACT_CUDA_LOGICAL_AND, BOOL, &kt_bin_cases[k]);
        kt_binary_case(tact_logical_or, TACT_CUDA_LOGICAL_OR, BOOL, &kt_bin_cases[k]);
    }
}

/* ------------------------------------------------------------------------------------------ */
/* Unary ops                                                                                  */
/* ------------------------------------------------------------------------------------------ */

template <int OP, typename T>
static void kt_unary_run(const tact_tensor_t *x, tact_tensor_t *o, double alpha = 0.0)
{
    const T *px = (const T *) x->data;
    T *po = (T *) o->data;
    for (int64_t i = 0; i < o->nelems; i++)
        po[i] = kn_unop<OP>(px[i], alpha);
}

template <typename T>
static void kt_unary_t(tact_cuda_unary_t op, const tact_tensor_t *x, tact_tensor_t *o, double alpha)
{
    if constexpr (sizeof(T) == 1) { /* bools */
        if (op == TACT_CUDA_LOGICAL_NOT)
            kt_unary_run<TACT_CUDA_LOGICAL_NOT, T>(x, o);
        else
            fail_msg("unary op %d has no bool kernel", (int) op);
    } else {
        switch (op) {
        case TACT_CUDA_NEG:
            kt_unary_run<TACT_CUDA_NEG, T>(x, o);
            break;
        case TACT_CUDA_RELU:
            kt_unary_run<TACT_CUDA_RELU, T>(x, o);
            break;
        default:
            if constexpr (kn_float<T>::value) {
                switch (op) {
#define KT_FLOAT_UNARY(code)                                                                       \
    case code:                                                                                     \
        kt_unary_run<code, T>(x, o, alpha);                                                        \
        break;
                    KT_FLOAT_UNARY(TACT_CUDA_SIGMOID)
                    KT_FLOAT_UNARY(TACT_CUDA_TANH)
                    KT_FLOAT_UNARY(TACT_CUDA_ABS)
                    KT_FLOAT_UNARY(TACT_CUDA_SQUARE)
                    KT_FLOAT_UNARY(TACT_CUDA_SQRT)
                    KT_FLOAT_UNARY(TACT_CUDA_RSQRT)
                    KT_FLOAT_UNARY(TACT_CUDA_EXP)
                    KT_FLOAT_UNARY(TACT_CUDA_LOG)
                    KT_FLOAT_UNARY(TACT_CUDA_SIGN)
                    KT_FLOAT_UNARY(TACT_CUDA_FLOOR)
                    KT_FLOAT_UNARY(TACT_CUDA_CEIL)
                    KT_FLOAT_UNARY(TACT_CUDA_ROUND)
                    KT_FLOAT_UNARY(TACT_CUDA_RECIPROCAL)
                    KT_FLOAT_UNARY(TACT_CUDA_RELU6)
                    KT_FLOAT_UNARY(TACT_CUDA_LEAKY_RELU)
                    KT_FLOAT_UNARY(TACT_CUDA_ELU)
                    KT_FLOAT_UNARY(TACT_CUDA_SOFTPLUS)
#undef KT_FLOAT_UNARY
                default:
                    fail_msg("unary op %d has no float kernel", (int) op);
                }
            } else {
                fail_msg("unary op %d has no integer kernel", (int) op);
            }
            break;
        }
    }
}

static void kt_unary_case(kt_unary_fn build, tact_cuda_unary_t uop, tact_dtype_t dt, int ndims,
                          const int64_t *dims)
{
    tact_status_t st = TACT_STATUS_INIT;
    tact_graph_t *g = tact_graph_new();
    tact_tensor_t *x = kt_tensor(dt, ndims, dims, 3, true);
    kt_bool_bytes(x);
    tact_op_t *op = kt_op(build(g, kt_placeholder(g, x), NULL, &st), &st);
    const tact_tensor_t *in[1] = {x};
    tact_tensor_t *want = kt_cpu(op, in);
    tact_tensor_t *got = kt_out(op);
    const double alpha = op->attrs.alpha; /* LeakyRelu's, as cuda_backend.c passes it */
    switch (dt) {
    case F32:
        kt_unary_t<float>(uop, x, got, alpha);
        break;
    case F64:
        kt_unary_t<double>(uop, x, got, alpha);
        break;
    case I32:
        kt_unary_t<int32_t>(uop, x, got, alpha);
        break;
    case BOOL:
        kt_unary_t<uint8_t>(uop, x, got, alpha);
        break;
    default:
        kt_unary_t<int64_t>(uop, x, got, alpha);
        break;
    }
    char what[160];
    kt_check(want, got, kt_what(what, sizeof what, op, x, NULL));
    tact_tensor_destroy(&got);
    tact_tensor_destroy(&want);
    tact_tensor_destroy(&x);
    tact_graph_destroy(&g);
}

static void test_unary(void **state)
{
    (void) state;
    const struct {
        kt_unary_fn build;
        tact_cuda_unary_t op;
        bool ints;
    } ops[] = {
        {tact_negative, TACT_CUDA_NEG, true},
        {tact_relu, TACT_CUDA_RELU, true},
        {tact_sigmoid, TACT_CUDA_SIGMOID, false},
        {tact_tanh, TACT_CUDA_TANH, false},
    };
    const tact_dtype_t dtypes[] = {F32, F64, I32, I64};
    const struct {
        int ndims;
        int64_t dims[3];
    } shapes[] = {{0, {0}}, {1, {1}}, {1, {1000}}, {3, {3, 5, 7}}};
    for (size_t o = 0; o < sizeof ops / sizeof ops[0]; o++)
        for (size_t d = 0; d < sizeof dtypes / sizeof dtypes[0]; d++) {
            if (!ops[o].ints && dtypes[d] != F32 && dtypes[d] != F64)
                continue;
            for (size_t s = 0; s < sizeof shapes / sizeof shapes[0]; s++)
                kt_unary_case(ops[o].build, ops[o].op, dtypes[d], shapes[s].ndims,
                              shapes[s].dims);
        }
}

static tact_output_t kt_leaky_relu(tact_graph_t *g, tact_output_t x, const char *name,
                                   tact_status_t *st)
{
    return tact_leaky_relu(g, x, 0.2, name, st);
}

/* The math family's element-wise ops, float32 and float64 over kt_set's specials (NaN, the
 * infinities, signed zeros, subnormals, exp's overflow edges), LogicalNot on bools. */
static void test_math_unary(void **state)
{
    (void) state;
    const struct {
        kt_unary_fn build;
        tact_cuda_unary_t op;
    } ops[] = {
        {tact_abs, TACT_CUDA_ABS},
        {tact_square, TACT_CUDA_SQUARE},
        {tact_sqrt, TACT_CUDA_SQRT},
        {tact_rsqrt, TACT_CUDA_RSQRT},
        {tact_exp, TACT_CUDA_EXP},
        {tact_log, TACT_CUDA_LOG},
        {tact_sign, TACT_CUDA_SIGN},
        {tact_floor, TACT_CUDA_FLOOR},
        {tact_ceil, TACT_CUDA_CEIL},
        {tact_round, TACT_CUDA_ROUND},
        {tact_reciprocal, TACT_CUDA_RECIPROCAL},
        {tact_relu6, TACT_CUDA_RELU6},
        {kt_leaky_relu, TACT_CUDA_LEAKY_RELU},
        {tact_elu, TACT_CUDA_ELU},
        {tact_softplus, TACT_CUDA_SOFTPLUS},
    };
    const struct {
        int ndims;
        int64_t dims[3];
    } shapes[] = {{0, {0}}, {1, {1}}, {1, {1000}}, {3, {3, 5, 7}}, {2, {0, 3}}};
    for (size_t o = 0; o < sizeof ops / sizeof ops[0]; o++)
        for (size_t s = 0; s < sizeof shapes / sizeof shapes[0]; s++) {
            kt_unary_case(ops[o].build, ops[o].op, F32, shapes[s].ndims, shapes[s].dims);
            kt_unary_case(ops[o].build, ops[o].op, F64, shapes[s].ndims, shapes[s].dims);
        }
    for (size_t s = 0; s < sizeof shapes / sizeof shapes[0]; s++)
        kt_unary_case(tact_logical_not, TACT_CUDA_LOGICAL_NOT, BOOL, shapes[s].ndims,
                      shapes[s].dims);
}

/* ------------------------------------------------------------------------------------------ */
/* Softmax                                                                                    */
/* ------------------------------------------------------------------------------------------ */

/* Each row as the kernel's block of `threads` does it: every thread's max, the block's max,
 * every thread's exponentials and their sum, the block's sum, every thread's scaling. With
 * threads 1, one thread does all of it and no block reduction is modelled; with `warp`, the
 * 32 threads are kn_softmax_warp's warp, reduced by shuffles alone. */
template <typename T>
static void kt_softmax_run(const tact_tensor_t *x, tact_tensor_t *o, int64_t rows, int64_t cols,
                           int threads, bool warp)
{
    T part[KN_THREADS];
    double sums[KN_THREADS];
    assert_true(threads >= 1 && threads <= KN_THREADS && (!warp || threads == 32));
    for (int64_t r = 0; r < rows; r++) {
        const T *xr = (const T *) x->data + r * cols;
        T *orow = (T *) o->data + r * cols;
        for (int t = 0; t < threads; t++)
            part[t] = kn_softmax_max(xr, cols, t, threads);
        const T m = threads == 1 ? part[0]
                    : warp       ? kt_warp_fold(part, kn_max_fn())
                                 : kt_block_fold(part, threads, (T) -INFINITY, kn_max_fn());
        for (int t = 0; t < threads; t++)
            sums[t] = kn_softmax_exp(xr, orow, cols, m, t, threads);
        const double sum = threads == 1 ? sums[0]
                           : warp       ? kt_warp_fold(sums, kn_add_fn())
                                        : kt_block_fold(sums, threads, 0.0, kn_add_fn());
        const T inv = kn_softmax_inv<T>(sum);
        for (int t = 0; t < threads; t++)
            kn_softmax_scale(orow, cols, inv, t, threads);
    }
}

/* Split rows as kn_softmax_launch runs them over `parts` blocks of KN_THREADS each: the parts'
 * maxima, the row's from them; the parts' exponentials and sums, the row's from them; each
 * part's scaling. */
template <typename T>
static void kt_softmax_split_run(const tact_tensor_t *x, tact_tensor_t *o, int64_t rows,
                                 int64_t cols, int parts)
{
    T part[KN_THREADS];
    double sums[KN_THREADS];
    double *scratch = (double *) calloc((size_t) (2 * rows * parts), sizeof *scratch);
    for (int64_t b = 0; b < rows * parts; b++) {  /* pass 1 */
        int64_t c0, c1;
        kn_reduce_split_range(cols, parts, (int) (b % parts), &c0, &c1);
        const T *xr = (const T *) x->data + (b / parts) * cols;
        for (int t = 0; t < KN_THREADS; t++)
            part[t] = kn_softmax_max_range(xr, c0, c1, t, KN_THREADS);
        scratch[b] = (double) kt_block_fold(part, KN_THREADS, (T) -INFINITY, kn_max_fn());
    }
    for (int64_t b = 0; b < rows * parts; b++) {  /* pass 2 */
        const int64_t r = b / parts;
        int64_t c0, c1;
        kn_reduce_split_range(cols, parts, (int) (b % parts), &c0, &c1);
        const T m = kn_softmax_join_max<T>(scratch + r * parts, parts);
        for (int t = 0; t < KN_THREADS; t++)
            sums[t] = kn_softmax_exp_range((const T *) x->data + r * cols,
                                           (T *) o->data + r * cols, c0, c1, m, t, KN_THREADS);
        scratch[rows * parts + b] = kt_block_fold(sums, KN_THREADS, 0.0, kn_add_fn());
    }
    for (int64_t b = 0; b < rows * parts; b++) {  /* pass 3 */
        const int64_t r = b / parts;
        int64_t c0, c1;
        kn_reduce_split_range(cols, parts, (int) (b % parts), &c0, &c1);
        const T inv = kn_softmax_inv<T>(kn_softmax_join_sum(scratch + rows * parts + r * parts,
                                                            parts));
        for (int t = 0; t < KN_THREADS; t++)
            kn_softmax_scale_range((T *) o->data + r * cols, c0, c1, inv, t, KN_THREADS);
    }
    free(scratch);
}

/* Softmax inputs: `scale` times the usual values plus `shift`; with `special`, row 0 starts
 * with NaN, row 1 has a NaN inside, row 2 an infinity, row 3 is all -inf. */
static void kt_softmax_case(tact_dtype_t dt, int ndims, const int64_t *dims, double scale,
                            double shift, bool special)
{
    tact_status_t st = TACT_STATUS_INIT;
    tact_graph_t *g = tact_graph_new();
    tact_tensor_t *x = kt_tensor(dt, ndims, dims, 5, false);
    const int64_t cols = dims[ndims - 1];
    const int64_t rows = x->nelems / cols;
    for (int64_t i = 0; i < x->nelems; i++) {
        int64_t r = i / cols;
        int64_t j = i % cols;
        double v = (double) ((i * 7 + 5 * 13) % 41 - 20) / 8.0 * scale + shift;
        if (special && r == 0 && j == 0)
            v = NAN;
        else if (special && r == 1 && j == cols / 2)
            v = NAN;
        else if (special && r == 2 && j == cols - 1)
            v = INFINITY;
        else if (special && r == 3)
            v = -INFINITY;
        if (dt == F32)
            ((float *) x->data)[i] = (float) v;
        else
            ((double *) x->data)[i] = v;
    }
    tact_op_t *op = kt_op(tact_softmax(g, kt_placeholder(g, x), NULL, &st), &st);
    const tact_tensor_t *in[1] = {x};
    tact_tensor_t *want = kt_cpu(op, in);
    char what[160];
    kt_what(what, sizeof what, op, x, NULL);
    const int threads[] = {KN_THREADS, 1, 32}; /* a block, one thread, a warp */
    for (int k = 0; k < 3; k++) {
        tact_tensor_t *got = kt_out(op);
        if (dt == F32)
            kt_softmax_run<float>(x, got, rows, cols, threads[k], k == 2);
        else
            kt_softmax_run<double>(x, got, rows, cols, threads[k], k == 2);
        kt_check(want, got, what);
        tact_tensor_destroy(&got);
    }
    /* Split rows: the parts the launcher picks, and 3 parts for any row long enough. */
    const int split_parts[2] = {kn_softmax_splits(rows, cols), 3};
    for (int k = 0; k < 2; k++) {
        if (split_parts[k] < 2 || cols < split_parts[k])
            continue;
        tact_tensor_t *got = kt_out(op);
        if (dt == F32)
            kt_softmax_split_run<float>(x, got, rows, cols, split_parts[k]);
        else
            kt_softmax_split_run<double>(x, got, rows, cols, split_parts[k]);
        kt_check(want, got, what);
        tact_tensor_destroy(&got);
    }
    tact_tensor_destroy(&want);
    tact_tensor_destroy(&x);
    tact_graph_destroy(&g);
}

static void test_softmax(void **state)
{
    (void) state;
    const struct {
        int ndims;
        int64_t dims[3];
    } shapes[] = {{1, {1}},      {2, {1, 1}},    {2, {3, 1}},    {2, {2, 5}},
                  {2, {4, 257}}, {2, {2, 1000}}, {2, {1, 2049}}, {3, {2, 3, 33}}};
    const tact_dtype_t dtypes[] = {F32, F64};
    for (size_t d = 0; d < 2; d++) {
        for (size_t s = 0; s < sizeof shapes / sizeof shapes[0]; s++) {
            kt_softmax_case(dtypes[d], shapes[s].ndims, shapes[s].dims, 1.0, 0.0, false);
            kt_softmax_case(dtypes[d], shapes[s].ndims, shapes[s].dims, 80.0, 1000.0, false);
        }
        /* Large values: differences that underflow exp, magnitudes near the type's limits. */
        const int64_t big[2] = {3, 300};
        kt_softmax_case(dtypes[d], 2, big, 1e29, 0.0, false);
        kt_softmax_case(dtypes[d], 2, big, 1e37, 0.0, false);
        kt_softmax_case(dtypes[d], 2, big, 1.0, -1e6, false);
        const int64_t odd[2] = {5, 70};
        kt_softmax_case(dtypes[d], 2, odd, 1.0, 0.0, true);
        const int64_t wide[2] = {4, 600};
        kt_softmax_case(dtypes[d], 2, wide, 10.0, 0.0, true);
        /* Long rows, few of them: split over blocks (NaN first, NaN inside, inf, all -inf) */
        const int64_t longr[2] = {4, 40000};
        assert_int_equal(kn_softmax_splits(4, 40000), 4);
        kt_softmax_case(dtypes[d], 2, longr, 10.0, 0.0, true);
        kt_softmax_case(dtypes[d], 2, longr, 80.0, 1000.0, false);
        const int64_t one_long[2] = {1, 70001};
        kt_softmax_case(dtypes[d], 2, one_long, 1.0, 0.0, false);
    }
    /* The split: few rows of many columns only, within the scratch's parts. */
    assert_int_equal(kn_softmax_splits(4, 1 << 20), KN_SOFTMAX_SPLIT_PARTS / 4);
    assert_int_equal(kn_softmax_splits(1, 1 << 20), 128);
    assert_int_equal(kn_softmax_splits(65, 1 << 20), 1);
    assert_int_equal(kn_softmax_splits(4, 8191), 1);
    for (int64_t rows = 1; rows <= KN_SOFTMAX_SPLIT_MAX_ROWS; rows++)
        assert_true(rows * kn_softmax_splits(rows, (int64_t) 1 << 30) <= KN_SOFTMAX_SPLIT_PARTS);
}

/* ------------------------------------------------------------------------------------------ */
/* Reductions: Sum and Mean (kn_sum); Max, Min and Prod (kn_fold)                             */
/* ------------------------------------------------------------------------------------------ */

/* Output j as the kernel's block of `threads` makes it (threads 1: one thread, in order). */
template <typename R>
static void kt_reduce_run(const R &r, const tact_tensor_t *x, tact_tensor_t *o,
                          const kn_bwalk &keep, const kn_bwalk &red, int64_t n_red, int threads)
{
    typedef typename R::Acc Acc;
    typedef typename R::In T;
    Acc part[KN_THREADS];
    const T *px = (const T *) x->data;
    for (int64_t j = 0; j < o->nelems; j++) {
        for (int t = 0; t < threads; t++)
            part[t] = kn_reduce_range(r, px, keep, red, j, 0, n_red, t, threads);
        const Acc v = threads == 1 ? part[0]
                                   : kt_block_fold(part, threads, r.ident(), typename R::Fn());
        ((T *) o->data)[j] = r.finish(v, n_red);
    }
}

/* A split reduction as its two kernels make it: block (j, p) of KN_THREADS combines part p of
 * output j; then a block of kn_reduce_threads(splits) combines output j's parts. */
template <typename R>
static void kt_reduce_split_run(const R &r, const tact_tensor_t *x, tact_tensor_t *o,
                                const kn_bwalk &keep, const kn_bwalk &red, int64_t n_red,
                                int splits)
{
    typedef typename R::Acc Acc;
    typedef typename R::In T;
    const typename R::Fn fn;
    Acc lane[KN_THREADS];
    Acc *part = (Acc *) calloc((size_t) splits, sizeof *part);
    const T *px = (const T *) x->data;
    const int join = kn_reduce_threads(splits);
    for (int64_t j = 0; j < o->nelems; j++) {
        for (int p = 0; p < splits; p++) {
            int64_t k0;
            int64_t k1;
            kn_reduce_split_range(n_red, splits, p, &k0, &k1);
            for (int t = 0; t < KN_THREADS; t++)
                lane[t] = kn_reduce_range(r, px, keep, red, j, k0, k1, t, KN_THREADS);
            part[p] = kt_block_fold(lane, KN_THREADS, r.ident(), fn);
        }
        for (int t = 0; t < join; t++) {
            lane[t] = r.ident();
            for (int p = t; p < splits; p += join)
                lane[t] = fn(lane[t], part[p]);
        }
        ((T *) o->data)[j] = r.finish(kt_block_fold(lane, join, r.ident(), fn), n_red);
    }
    free(part);
}

/* The column kernel over `splits` parts of the rows (kn_reduce_split_range): in each part,
 * KN_COL_Y threads per output, each combining every KN_COL_Y-th row from its ty, their results
 * then combined in ty order; then the parts' combined in part order (kn_reduce_col_join). */
template <typename R>
static void kt_reduce_cols_run(const R &r, const tact_tensor_t *x, tact_tensor_t *o,
                               const kn_bwalk &keep, const kn_bwalk &red, int64_t n_red,
                               int splits)
{
    typedef typename R::Acc Acc;
    typedef typename R::In T;
    const typename R::Fn fn;
    const T *px = (const T *) x->data;
    for (int64_t j = 0; j < o->nelems; j++) {
        Acc total = r.ident();
        for (int p = 0; p < splits; p++) {
            int64_t k0;
            int64_t k1;
            kn_reduce_split_range(n_red, splits, p, &k0, &k1);
            Acc t = r.ident();
            for (int ty = 0; ty < KN_COL_Y; ty++)
                t = fn(t, kn_reduce_range(r, px, keep, red, j, k0, k1, ty, KN_COL_Y));
            total = fn(total, t);
        }
        ((T *) o->data)[j] = r.finish(total, n_red);
    }
}

/* The ways a reduction is made, each into its own output: */
enum {
    KT_RED_SERIAL,     /* a thread per output */
    KT_RED_WALK64,     /* a thread per output, through the 64-bit walks */
    KT_RED_IN_ORDER,   /* (the ways above combine the elements in order, as the CPU) */
    KT_RED_BLOCK = KT_RED_IN_ORDER, /* a block per output */
    KT_RED_SPLIT,      /* split over blocks where kn_reduce_splits splits it, else a block */
    KT_RED_COLS,       /* the column kernel, one part (any reduction can be walked so; the
                        * launcher takes it for tall outer ones) */
    KT_RED_COLS_SPLIT, /* the column kernel over kn_reduce_col_splits' parts */
    KT_RED_WAYS
};

template <typename R>
static void kt_reduce_ways(const R &r, const tact_tensor_t *x, const kn_bwalk &keep,
                           const kn_bwalk &red, int64_t n_red, tact_tensor_t **out)
{
    const int64_t n_out = out[0]->nelems;
    kt_reduce_run(r, x, out[KT_RED_SERIAL], keep, red, n_red, 1);
    kn_bwalk keep64 = keep;
    kn_bwalk red64 = red;
    keep64.i32 = false;
    red64.i32 = false;
    kt_reduce_run(r, x, out[KT_RED_WALK64], keep64, red64, n_red, 1);
    kt_reduce_run(r, x, out[KT_RED_BLOCK], keep, red, n_red, kn_reduce_threads(n_red));
    const int splits = kn_reduce_splits(n_out, n_red);
    if (splits > 1)
        kt_reduce_split_run(r, x, out[KT_RED_SPLIT], keep, red, n_red, splits);
    else
        kt_reduce_run(r, x, out[KT_RED_SPLIT], keep, red, n_red, kn_reduce_threads(n_red));
    kt_reduce_cols_run(r, x, out[KT_RED_COLS], keep, red, n_red, 1);
    kt_reduce_cols_run(r, x, out[KT_RED_COLS_SPLIT], keep, red, n_red,
                       kn_reduce_col_splits(n_out, n_red));
}

typedef struct kt_red_case {
    int nd;
    int64_t dims[KT_MAXD];
    int n_axes; /* -1: axes NULL, every axis */
    int axes[KT_MAXD];
    bool keep_dims;
} kt_red_case_t;

static const kt_red_case_t kt_red_cases[] = {
    {1, {2049}, -1, {0}, false},
    {1, {2049}, 1, {0}, true},
    {2, {3, 2049}, 1, {1}, false},
    {2, {2049, 3}, 1, {0}, true},
    {2, {2049, 3}, 1, {-1}, false},
    {3, {4, 5, 6}, 2, {0, 2}, false},
    {3, {4, 5, 6}, 2, {-3, -1}, true},
    {3, {4, 5, 6}, 1, {1}, true},
    {3, {4, 5, 6}, 1, {-2}, false},
    {3, {4, 5, 6}, 3, {2, 0, 1}, false},
    {4, {2, 3, 4, 5}, 2, {1, 3}, true},
    {4, {2, 3, 4, 5}, 2, {-4, -2}, false},
    {4, {2, 3, 4, 5}, 2, {2, 3}, false},
    {4, {2, 3, 4, 5}, -1, {0}, true},
    {3, {1, 7, 1}, 1, {0}, false},
    {3, {5, 1, 3}, 1, {1}, true},
    {3, {5, 1, 3}, 2, {1, 0}, false},
    {3, {1, 1, 1}, -1, {0}, false},
    {0, {0}, -1, {0}, false},
    {2, {0, 3}, 1, {0}, false},
    {2, {3, 0}, 1, {1}, true},
    {2, {3, 0}, -1, {0}, false},
    {5, {3, 1, 4, 1, 5}, 2, {-1, 2}, true},
    {3, {300, 7, 3}, 2, {0, 2}, false},
    {2, {257, 33}, 1, {0}, false},
    {2, {1, 300001}, 1, {1}, false},       /* split: one output of many elements */
    {2, {3, 100003}, 1, {1}, true},        /* split: a few outputs */
    {2, {1000, 500}, -1, {0}, false},      /* split: everything */
    {2, {100000, 2}, 1, {0}, false},       /* split over an outer axis */
    {2, {1100, 1030}, 1, {0}, false},      /* columns: a tall outer sum, a partial group */
    {3, {1030, 2, 520}, 1, {0}, true},     /* columns over a kept pair of axes */
    {2, {5000, 100}, 1, {0}, false},       /* columns split over rows: 4 groups, 9 parts */
    {3, {3, 1500, 40}, 2, {0, 1}, true},   /* the same over a merged pair of axes */
    {4, {6, 5, 7, 9}, 2, {0, 2}, false},   /* two reduced runs: a 32-bit walk of 2 axes */
};

typedef tact_output_t (*kt_reduce_fn)(tact_graph_t *, tact_output_t, const int *, int, bool,
                                      const char *, tact_status_t *);

/* Every way of kt_reduce_ways for op's arithmetic (kn_sum or kn_fold) on dtype T. */
template <typename T>
static void kt_reduce_ways_t(const tact_op_t *op, const tact_tensor_t *x, const kn_bwalk &keep,
                             const kn_bwalk &red, int64_t n_red, tact_tensor_t **out)
{
    switch (op->kind) {
    case TACT_OP_SUM:
    case TACT_OP_MEAN:
        kt_reduce_ways(kn_sum<T>{op->kind == TACT_OP_MEAN}, x, keep, red, n_red, out);
        break;
    case TACT_OP_MAX:
        if constexpr (kn_float<T>::value)
            kt_reduce_ways(kn_fold<TACT_CUDA_REDUCE_MAX, T>(), x, keep, red, n_red, out);
        break;
    case TACT_OP_MIN:
        if constexpr (kn_float<T>::value)
            kt_reduce_ways(kn_fold<TACT_CUDA_REDUCE_MIN, T>(), x, keep, red, n_red, out);
        break;
    default:
        if constexpr (kn_float<T>::value)
            kt_reduce_ways(kn_fold<TACT_CUDA_REDUCE_PROD, T>(), x, keep, red, n_red, out);
        break;
    }
}

/* One reduction case every way, each against the CPU kernel. Sums take inputs whose sums are
 * exact in any order; Max, Min and Prod take the special values too (NaN, infinities, signed
 * zeros, ...): any order gives the same max or min, NaN included, up to the sign of a zero.
 * Prod is checked in order only: another order rounds, overflows and underflows
 * differently. */
static void kt_reduce_case(kt_reduce_fn build, tact_dtype_t dt, const kt_red_case_t *c)
{
    tact_status_t st = TACT_STATUS_INIT;
    tact_graph_t *g = tact_graph_new();
    const bool sum = build == tact_reduce_sum || build == tact_reduce_mean;
    tact_tensor_t *x = kt_tensor(dt, c->nd, c->dims, 6, !sum);
    const int *axes = c->n_axes < 0 ? NULL : c->axes;
    const int n_axes = c->n_axes < 0 ? 0 : c->n_axes;
    tact_op_t *op =
        kt_op(build(g, kt_placeholder(g, x), axes, n_axes, c->keep_dims, NULL, &st), &st);
    const tact_tensor_t *in[1] = {x};
    tact_tensor_t *want = kt_cpu(op, in);
    char what[160];
    kt_what(what, sizeof what, op, x, NULL);
    tact_tensor_t *ways[KT_RED_WAYS];
    for (int w = 0; w < KT_RED_WAYS; w++)
        ways[w] = kt_out(op);
    if (want->nelems > 0) { /* the launchers launch nothing for an empty output */
        tact_cuda_walk_t keep;
        tact_cuda_walk_t red;
        tact__cuda_reduce_walks(x, &op->attrs, &keep, &red);
        const int64_t n_red = x->nelems / want->nelems;
        kn_bwalk bkeep;
        kn_bwalk bred;
        assert_true(kn_walk32_make(keep, want->nelems, &bkeep));
        assert_true(kn_walk32_make(red, n_red, &bred) || n_red == 0);

        /* Output j's k-th element: inside x, and every element of x taken once; the 32-bit
         * walks give the 64-bit walks' offsets. */
        assert_int_equal(want->nelems * n_red, x->nelems);
        kt_hits_t h = kt_hits_new(x->nelems);
        for (int64_t j = 0; j < want->nelems; j++) {
            assert_int_equal(kn_walk_offset_a(bkeep, j), kn_walk_offset(keep, j));
            for (int64_t k = 0; k < n_red; k++) {
                if (j == 0)
                    assert_int_equal(kn_walk_offset_a(bred, k), kn_walk_offset(red, k));
                kt_hit(&h, kn_walk_offset(keep, j) + kn_walk_offset(red, k), what);
            }
        }
        kt_hits_done(&h, what);

        switch (dt) {
        case F32:
            kt_reduce_ways_t<float>(op, x, bkeep, bred, n_red, ways);
            break;
        case F64:
            kt_reduce_ways_t<double>(op, x, bkeep, bred, n_red, ways);
            break;
        case I32:
            kt_reduce_ways_t<int32_t>(op, x, bkeep, bred, n_red, ways);
            break;
        default:
            kt_reduce_ways_t<int64_t>(op, x, bkeep, bred, n_red, ways);
            break;
        }
    }
    const int checked = op->kind == TACT_OP_PROD ? KT_RED_IN_ORDER : KT_RED_WAYS;
    for (int w = 0; w < KT_RED_WAYS; w++) {
        if (w < checked)
            kt_check_zeros(want, ways[w], what, sum || w < KT_RED_IN_ORDER);
        tact_tensor_destroy(&ways[w]);
    }
    tact_tensor_destroy(&want);
    tact_tensor_destroy(&x);
    tact_graph_destroy(&g);
}

static void test_reduce(void **state)
{
    (void) state;
    const kt_reduce_fn builders[] = {tact_reduce_sum, tact_reduce_mean};
    const tact_dtype_t dtypes[] = {F32, F64, I32, I64};
    for (size_t f = 0; f < 2; f++)
        for (size_t d = 0; d < sizeof dtypes / sizeof dtypes[0]; d++)
            for (size_t k = 0; k < sizeof kt_red_cases / sizeof kt_red_cases[0]; k++)
                kt_reduce_case(builders[f], dtypes[d], &kt_red_cases[k]);
}

static void test_reduce_op(void **state)
{
    (void) state;
    const kt_reduce_fn builders[] = {tact_reduce_max, tact_reduce_min, tact_reduce_prod};
    for (size_t f = 0; f < 3; f++)
        for (size_t k = 0; k < sizeof kt_red_cases / sizeof kt_red_cases[0]; k++) {
            kt_reduce_case(builders[f], F32, &kt_red_cases[k]);
            kt_reduce_case(builders[f], F64, &kt_red_cases[k]);
        }
}

/* Whether kn_reduce_per_thread picks a thread per output for a float sum of `dims` over one
 * axis, with the walks cuda_reduce makes. */
static bool kt_strategy(int64_t rows, int64_t cols, int axis, bool columns)
{
    tact_status_t st = TACT_STATUS_INIT;
    tact_graph_t *g = tact_graph_new();
    const int64_t dims[2] = {rows, cols};
    tact_tensor_t *x = tact__tensor_alloc(F32, dims, 2);
    tact_op_t *op = kt_op(tact_reduce_sum(g, kt_placeholder(g, x), &axis, 1, false, NULL, &st),
                          &st);
    tact_cuda_walk_t keep;
    tact_cuda_walk_t red;
    tact__cuda_reduce_walks(x, &op->attrs, &keep, &red);
    const int64_t n_out = axis == 0 ? cols : rows;
    bool per_thread = columns ? kn_reduce_columns(n_out, x->nelems / n_out, keep, red)
                              : kn_reduce_per_thread(n_out, x->nelems / n_out, keep, red);
    tact_tensor_destroy(&x);
    tact_graph_destroy(&g);
    return per_thread;
}

static bool kt_per_thread(int64_t rows, int64_t cols, int axis)
{
    return kt_strategy(rows, cols, axis, false);
}

/* A thread per output for short reductions and for outer-axis sums with outputs enough;
 * a block per output for long inner-axis sums and for few outputs. (Both ways give the CPU's
 * values: test_reduce runs each case both ways.) */
static void test_reduce_strategy(void **state)
{
    (void) state;
    assert_true(kt_per_thread(100000, 4, 1));   /* 4 elements per output */
    assert_true(kt_per_thread(64, 8192, 0));    /* a bias gradient: columns of [64, 8192] */
    assert_false(kt_per_thread(8192, 64, 1));   /* rows of 64 adjacent elements */
    assert_false(kt_per_thread(2048, 4096, 0)); /* a tall sum: 2048 elements per thread */
    assert_false(kt_per_thread(4096, 100, 0));  /* 100 outputs cannot fill a GPU */
    assert_false(kt_per_thread(1, 1 << 20, 1)); /* one long row */

    /* Columns: tall outer-axis sums with outputs enough, nothing else. */
    assert_true(kt_strategy(2048, 4096, 0, true));   /* the tall sum above */
    assert_true(kt_strategy(100000, 1024, 0, true)); /* few outputs for a thread each */
    assert_false(kt_strategy(64, 8192, 0, true));    /* a thread per output does it */
    assert_true(kt_strategy(4096, 100, 0, true));    /* 4 groups, their rows split */
    assert_false(kt_strategy(4096, 31, 0, true));    /* less than a group: a block each */
    assert_false(kt_strategy(8192, 4096, 1, true));  /* rows: adjacent already */

    /* Splits: only for few outputs of many elements, never past KN_REDUCE_SPLIT_BLOCKS blocks,
     * each part of at least KN_REDUCE_SPLIT_MIN_CHUNK elements. */
    assert_int_equal(kn_reduce_splits(1, 300001), 73);
    assert_int_equal(kn_reduce_splits(3, 100003), 24);
    assert_int_equal(kn_reduce_splits(1, 1 << 30), KN_REDUCE_SPLIT_BLOCKS);
    assert_int_equal(kn_reduce_splits(2, 1 << 30), KN_REDUCE_SPLIT_BLOCKS / 2);
    assert_int_equal(kn_reduce_splits(1, 8191), 1);
    assert_int_equal(kn_reduce_splits(KN_REDUCE_SPLIT_BLOCKS / 2, 1 << 30), 1);
    for (int64_t n_out = 1; n_out < 300; n_out += 7) {
        int sp = kn_reduce_splits(n_out, 5000000);
        assert_true(n_out * sp <= KN_REDUCE_SPLIT_BLOCKS);
        int64_t k0, k1, covered = 0;
        for (int p = 0; p < sp; p++) {  /* the parts tile [0, n_red) in order */
            kn_reduce_split_range(5000000, sp, p, &k0, &k1);
            assert_int_equal(k0, covered);
            covered = k1;
        }
        assert_int_equal(covered, 5000000);
    }

    /* Column splits: about KN_REDUCE_SPLIT_BLOCKS blocks, parts of at least KN_COL_MIN_ROWS
     * rows, none once the groups fill the GPU; the parts always fit the scratch. */
    assert_int_equal(kn_reduce_col_splits(256, 1 << 20), 64);  /* [1M, 256]: 8 groups */
    assert_int_equal(kn_reduce_col_splits(100, 5000), 9);      /* rows bound it */
    assert_int_equal(kn_reduce_col_splits(1024, 100000), 16);
    assert_int_equal(kn_reduce_col_splits(100, 1000), 1);      /* one part's rows */
    assert_int_equal(kn_reduce_col_splits(8192, 1 << 20), 1);  /* 256 groups */
    for (int64_t n_out = 1; n_out < 20000; n_out += 37) {
        const int sp = kn_reduce_col_splits(n_out, (int64_t) 1 << 30);
        assert_true(sp >= 1 && sp <= KN_REDUCE_SPLIT_BLOCKS);
        assert_true(8 * n_out * sp <= TACT_CUDA_REDUCE_SCRATCH_BYTES);
    }
}

/* Exact results where the CPU's are known by hand: a float mean of nothing is NaN, an integer
 * one 0; integer means truncate toward zero; int32 sums wrap. */
static void test_reduce_finish(void **state)
{
    (void) state;
    assert_true(isnan(kn_reduce_finish<float>(0.0, 0, true)));
    assert_true(isnan(kn_reduce_finish<double>(0.0, 0, true)));
    assert_int_equal(kn_reduce_finish<int32_t>(0, 0, true), 0);
    assert_int_equal(kn_reduce_finish<int64_t>(0, 0, true), 0);
    assert_int_equal(kn_reduce_finish<int32_t>((unsigned long long) -7, 2, true), -3);
    assert_int_equal(kn_reduce_finish<int64_t>((unsigned long long) -7, 2, true), -3);
    assert_int_equal(kn_reduce_finish<int32_t>(7, 2, true), 3);
    assert_int_equal(kn_reduce_finish<int32_t>((unsigned long long) INT32_MAX + 1, 1, false),
                     INT32_MIN);
    assert_int_equal(kn_reduce_finish<int32_t>(3ull * INT32_MAX, 3, true), INT32_MAX);
    assert_true(kn_reduce_finish<double>(7.0, 2, true) == 3.5);
    assert_true(kn_reduce_finish<float>(1.0 / 3.0, 1, false) == (float) (1.0 / 3.0));
}

/* ------------------------------------------------------------------------------------------ */
/* Transpose                                                                                  */
/* ------------------------------------------------------------------------------------------ */

/* The tiled kernel: every tile, each of its KN_TILE x (KN_THREADS / KN_TILE) threads loading
 * and then storing its rows of the tile. A store must take a tile element loaded for this
 * tile, and every output element must be stored once. */
template <typename T>
static void kt_t2d_run(const tact_tensor_t *x, tact_tensor_t *o, int64_t rows, int64_t cols,
                       const char *what)
{
    const T *px = (const T *) x->data;
    T *po = (T *) o->data;
    T tile[KN_TILE][KN_TILE + 1];
    bool loaded[KN_TILE][KN_TILE];
    const int ty_n = KN_THREADS / KN_TILE;
    const int64_t tiles_c = kn_t2d_tiles_c(cols);
    const int64_t tiles = kn_t2d_tiles(rows, cols);
    kt_hits_t h = kt_hits_new(o->nelems);
    for (int64_t t = 0; t < tiles; t++) {
        int64_t r0;
        int64_t c0;
        kn_t2d_origin(t, tiles_c, &r0, &c0);
        memset(loaded, 0, sizeof loaded);
        for (int ty = 0; ty < ty_n; ty++)
            for (int tx = 0; tx < KN_TILE; tx++)
                for (int k = ty; k < KN_TILE; k += ty_n) {
                    int64_t src;
                    if (kn_t2d_load(rows, cols, r0, c0, k, tx, &src)) {
                        if (src < 0 || src >= x->nelems)
                            fail_msg("%s: tile %" PRId64 " loads %" PRId64, what, t, src);
                        tile[k][tx] = px[src];
                        loaded[k][tx] = true;
                    }
                }
        for (int ty = 0; ty < ty_n; ty++)
            for (int tx = 0; tx < KN_TILE; tx++)
                for (int k = ty; k < KN_TILE; k += ty_n) {
                    int64_t dst;
                    if (kn_t2d_store(rows, cols, r0, c0, k, tx, &dst)) {
                        if (!loaded[tx][k])
                            fail_msg("%s: tile %" PRId64 " stores [%d][%d], not loaded", what, t,
                                     tx, k);
                        kt_hit(&h, dst, what);
                        po[dst] = tile[tx][k];
                    }
                }
    }
    kt_hits_done(&h, what);
}

/* The gather kernel: output i is input element kn_walk_offset(w, i); each input element is
 * read once. */
template <typename T>
static void kt_gather_run(const tact_tensor_t *x, tact_tensor_t *o, const tact_cuda_walk_t &w,
                          const char *what)
{
    kt_hits_t h = kt_hits_new(x->nelems);
    kn_bwalk bw;
    if (!kn_walk32_make(w, o->nelems, &bw))
        fail_msg("%s: a small transpose must take 32-bit indices", what);
    for (int64_t i = 0; i < o->nelems; i++) {
        int64_t off = kn_walk_offset_a(bw, i);
        if (off != kn_walk_offset(w, i))
            fail_msg("%s: 32-bit offset %" PRId64 " of element %" PRId64 " is not %" PRId64,
                     what, off, i, kn_walk_offset(w, i));
        kt_hit(&h, off, what);
        ((T *) o->data)[i] = ((const T *) x->data)[off];
    }
    kt_hits_done(&h, what);
}

template <typename T>
static void kt_transpose_t(int ng, const tact_cuda_walk_t &w, const tact_tensor_t *x,
                           tact_tensor_t *o, const char *what)
{
    if (ng == 2) /* the input is [gdim[1], gdim[0]] */
        kt_t2d_run<T>(x, o, w.dims[1], w.dims[0], what);
    else
        kt_gather_run<T>(x, o, w, what);
}

typedef struct kt_tr_case {
    int nd;
    int64_t dims[KT_MAXD];
    int n_perm; /* -1: perm NULL, reversed */
    int perm[KT_MAXD];
} kt_tr_case_t;

static const kt_tr_case_t kt_tr_cases[] = {
    {2, {33, 65}, -1, {0}},
    {2, {64, 32}, -1, {0}},
    {2, {100, 37}, 2, {1, 0}},
    {2, {1, 7}, -1, {0}},
    {2, {3, 3}, 2, {0, 1}},
    {3, {2, 3, 4}, 3, {2, 0, 1}},
    {3, {2, 3, 4}, 3, {1, 2, 0}},
    {3, {2, 3, 4}, 3, {1, 0, 2}},
    {3, {2, 3, 4}, -1, {0}},
    {3, {2, 3, 4}, 3, {0, 2, 1}},
    {3, {40, 1, 70}, 3, {2, 1, 0}},
    {3, {35, 3, 67}, 3, {2, 1, 0}},
    {4, {2, 3, 4, 5}, 4, {3, 1, 2, 0}},
    {4, {2, 3, 4, 5}, 4, {1, 3, 0, 2}},
    {4, {2, 3, 4, 5}, 4, {0, 1, 3, 2}},
    {4, {2, 3, 4, 5}, 4, {2, 3, 0, 1}},
    {4, {1, 3, 1, 4}, 4, {3, 2, 1, 0}},
    {5, {5, 1, 7, 1, 3}, 5, {4, 2, 0, 1, 3}},
    {6, {2, 2, 2, 2, 2, 2}, -1, {0}},
    {4, {3, 33, 1, 34}, 4, {3, 0, 2, 1}},
};

static void kt_transpose_case(tact_dtype_t dt, const kt_tr_case_t *c)
{
    tact_status_t st = TACT_STATUS_INIT;
    tact_graph_t *g = tact_graph_new();
    tact_tensor_t *x = kt_tensor(dt, c->nd, c->dims, 7, true);
    const int *perm = c->n_perm < 0 ? NULL : c->perm;
    const int n_perm = c->n_perm < 0 ? 0 : c->n_perm;
    tact_op_t *op = kt_op(tact_transpose(g, kt_placeholder(g, x), perm, n_perm, NULL, &st), &st);
    const tact_tensor_t *in[1] = {x};
    tact_tensor_t *want = kt_cpu(op, in);
    char what[160];
    kt_what(what, sizeof what, op, x, NULL);

    /* As cuda_transpose: one group is a copy, two the tiled kernel, more the gather. */
    tact_cuda_walk_t w;
    memset(&w, 0, sizeof w);
    int ng = tact__transpose_groups(x, &op->attrs, w.dims, w.stride_a);
    w.ndims = ng;
    tact_tensor_t *got = kt_out(op);
    if (ng <= 1) {
        memcpy(got->data, x->data, x->nbytes);
    } else {
        switch (tact_dtype_size(dt)) {
        case 1:
            kt_transpose_t<uint8_t>(ng, w, x, got, what);
            break;
        case 4:
            kt_transpose_t<uint32_t>(ng, w, x, got, what);
            break;
        default:
            kt_transpose_t<uint64_t>(ng, w, x, got, what);
            break;
        }
    }
    kt_check(want, got, what);
    tact_tensor_destroy(&got);
    tact_tensor_destroy(&want);
    tact_tensor_destroy(&x);
    tact_graph_destroy(&g);
}

static void test_transpose(void **state)
{
    (void) state;
    const tact_dtype_t dtypes[] = {BOOL, F32, I32, F64, I64};
    for (size_t d = 0; d < sizeof dtypes / sizeof dtypes[0]; d++)
        for (size_t k = 0; k < sizeof kt_tr_cases / sizeof kt_tr_cases[0]; k++)
            kt_transpose_case(dtypes[d], &kt_tr_cases[k]);
}

/* ------------------------------------------------------------------------------------------ */
/* Cast and Fill                                                                              */
/* ------------------------------------------------------------------------------------------ */

static const double kt_cast_floats[] = {
    NAN, -NAN, INFINITY, -INFINITY, 0.0, -0.0, 0.5, -0.5, 0.999, -0.999, 1.5, -1.5, 2.9, -2.9,
    3.5e-39, 1e-30, 16777217.0, 123456789.123, -123456789.123, 2147483520.0, 2147483647.0,
    2147483647.9, 2147483648.0, -2147483648.0, -2147483648.9, -2147483649.0, 4294967296.0,
    9007199254740993.0, 9223372036854774784.0, 9223372036854775807.0, -9223372036854775808.0,
    -9223372036854777856.0, 1e20, -1e20, 3e38, -3e38, 1e300, -1e300,
};
static const int64_t kt_cast_ints[] = {
    0, 1, -1, 2, -2, 7, 255, 256, -255, INT32_MAX, INT32_MIN, (int64_t) INT32_MAX + 1,
    (int64_t) INT32_MIN - 1, 16777217, -16777217, (int64_t) 1 << 32, ((int64_t) 1 << 32) + 5,
    ((int64_t) 1 << 53) + 1, -((int64_t) 1 << 53) - 1, INT64_MAX, INT64_MIN, INT64_MAX - 511,
    (int64_t) 0x123456789abcdefLL,
};

template <typename From, typename To> static void kt_cast_run(const tact_tensor_t *x, tact_tensor_t *o)
{
    const From *px = (const From *) x->data;
    To *po = (To *) o->data;
    for (int64_t i = 0; i < o->nelems; i++)
        po[i] = kn_convert<To>(px[i]);
}

template <typename From> static void kt_cast_from(const tact_tensor_t *x, tact_tensor_t *o)
{
    switch (o->dtype) {
    case F32:
        kt_cast_run<From, float>(x, o);
        break;
    case F64:
        kt_cast_run<From, double>(x, o);
        break;
    case I32:
        kt_cast_run<From, int32_t>(x, o);
        break;
    case I64:
        kt_cast_run<From, int64_t>(x, o);
        break;
    default:
        kt_cast_run<From, uint8_t>(x, o);
        break;
    }
}

/* The cast source: every value of the table for the dtype, then the usual test values. */
static tact_tensor_t *kt_cast_input(tact_dtype_t dt)
{
    const int nf = (int) (sizeof kt_cast_floats / sizeof kt_cast_floats[0]);
    const int ni = (int) (sizeof kt_cast_ints / sizeof kt_cast_ints[0]);
    const int64_t n[1] = {64};
    tact_tensor_t *x = kt_tensor(dt, 1, n, 8, true);
    for (int64_t i = 0; i < 40; i++) {
        switch (dt) {
        case F32:
            if (i < nf)
                ((float *) x->data)[i] = (float) kt_cast_floats[i];
            break;
        case F64:
            if (i < nf)
                ((double *) x->data)[i] = kt_cast_floats[i];
            break;
        case I32:
            if (i < ni)
                ((int32_t *) x->data)[i] = (int32_t) (uint32_t) (uint64_t) kt_cast_ints[i];
            break;
        case I64:
            if (i < ni)
                ((int64_t *) x->data)[i] = kt_cast_ints[i];
            break;
        default:
            ((uint8_t *) x->data)[i] = (uint8_t) (i * 37 % 5 == 0 ? 0 : i * 37);
            break;
        }
    }
    return x;
}

static void test_cast(void **state)
{
    (void) state;
    const tact_dtype_t dtypes[] = {F32, F64, I32, I64, BOOL};
    for (size_t f = 0; f < 5; f++)
        for (size_t t = 0; t < 5; t++) {
            if (f == t)
                continue; /* cuda_cast copies */
            tact_status_t st = TACT_STATUS_INIT;
            tact_graph_t *g = tact_graph_new();
            tact_tensor_t *x = kt_cast_input(dtypes[f]);
            tact_op_t *op = kt_op(tact_cast(g, kt_placeholder(g, x), dtypes[t], NULL, &st), &st);
            const tact_tensor_t *in[1] = {x};
            tact_tensor_t *want = kt_cpu(op, in);
            tact_tensor_t *got = kt_out(op);
            switch (dtypes[f]) {
            case F32:
                kt_cast_from<float>(x, got);
                break;
            case F64:
                kt_cast_from<double>(x, got);
                break;
            case I32:
                kt_cast_from<int32_t>(x, got);
                break;
            case I64:
                kt_cast_from<int64_t>(x, got);
                break;
            default:
                kt_cast_from<uint8_t>(x, got);
                break;
            }
            char what[160];
            snprintf(what, sizeof what, "Cast %s to %s", tact_dtype_name(dtypes[f]),
                     tact_dtype_name(dtypes[t]));
            kt_check(want, got, what);
            tact_tensor_destroy(&got);
            tact_tensor_destroy(&want);
            tact_tensor_destroy(&x);
            tact_graph_destroy(&g);
        }
}

/* The conversions the CPU's rule fixes, by hand. */
static void test_cast_values(void **state)
{
    (void) state;
    assert_int_equal(kn_convert<int32_t>(NAN), INT32_MIN);
    assert_int_equal(kn_convert<int32_t>(-1.9f), -1);
    assert_int_equal(kn_convert<int32_t>(-0.5), 0);
    assert_int_equal(kn_convert<int32_t>(2147483647.9), INT32_MAX);
    assert_int_equal(kn_convert<int32_t>(-2147483648.9), INT32_MIN);
    assert_int_equal(kn_convert<int32_t>(2147483648.0f), INT32_MIN);
    assert_int_equal(kn_convert<int64_t>(NAN), INT64_MIN);
    assert_int_equal(kn_convert<int64_t>(-1e30), INT64_MIN);
    assert_int_equal(kn_convert<int64_t>(-3.99), -3);
    assert_int_equal(kn_convert<int32_t>((int64_t) 0x1FFFFFFFFLL), -1);
    assert_int_equal(kn_convert<uint8_t>(NAN), 1);
    assert_int_equal(kn_convert<uint8_t>(-0.0), 0);
    assert_int_equal(kn_convert<uint8_t>((int64_t) 1 << 40), 1);
    assert_true(kn_convert<double>((uint8_t) 7) == 1.0);
    assert_int_equal(kn_convert<int64_t>((uint8_t) 255), 1);
}

static void test_fill(void **state)
{
    (void) state;
    const struct {
        tact_dtype_t dtype;
        double value;
    } cases[] = {
        {F32, -2.5},          {F32, 3e38},          {F64, 1e300}, {F64, -0.0},
        {I32, -7.0},          {I32, 2147483647.0},  {I64, -1099511627776.0},
        {I64, 9007199254740992.0}, {BOOL, 1.0},     {BOOL, 0.0},
    };
    const struct {
        int ndims;
        int64_t dims[2];
    } shapes[] = {{0, {0}}, {1, {1030}}, {2, {5, 7}}};
    for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++)
        for (size_t s = 0; s < sizeof shapes / sizeof shapes[0]; s++) {
            tact_status_t st = TACT_STATUS_INIT;
            tact_graph_t *g = tact_graph_new();
            tact_op_t *op = kt_op(tact_fill(g, cases[k].dtype, shapes[s].dims, shapes[s].ndims,
                                            cases[k].value, NULL, &st),
                                  &st);
            tact_tensor_t *want = kt_cpu(op, NULL);
            tact_tensor_t *got = kt_out(op);
            /* As cuda_fill passes the value. */
            const tact_tensor_t *v = op->attrs.value;
            assert_non_null(v);
            assert_int_equal(v->dtype, got->dtype);
            const size_t esz = tact_dtype_size(got->dtype);
            uint64_t bits = 0;
            memcpy(&bits, v->data, esz);
            for (int64_t i = 0; i < got->nelems; i++) {
                switch (esz) {
                case 1:
                    ((uint8_t *) got->data)[i] = kn_fill_value<uint8_t>(bits);
                    break;
                case 4:
                    ((uint32_t *) got->data)[i] = kn_fill_value<uint32_t>(bits);
                    break;
                default:
                    ((uint64_t *) got->data)[i] = kn_fill_value<uint64_t>(bits);
                    break;
                }
            }
            char what[64];
            snprintf(what, sizeof what, "Fill %s %g", tact_dtype_name(cases[k].dtype),
                     cases[k].value);
            kt_check(want, got, what);
            tact_tensor_destroy(&got);
            tact_tensor_destroy(&want);
            tact_graph_destroy(&g);
        }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_launch_sizes),
        cmocka_unit_test(test_fastdiv),
        cmocka_unit_test(test_binary_plan),
        cmocka_unit_test(test_binary),
        cmocka_unit_test(test_unary),
        cmocka_unit_test(test_softmax),
        cmocka_unit_test(test_reduce),
        cmocka_unit_test(test_reduce_finish),
        cmocka_unit_test(test_reduce_strategy),
        cmocka_unit_test(test_transpose),
        cmocka_unit_test(test_cast),
        cmocka_unit_test(test_cast_values),
        cmocka_unit_test(test_fill),
        cmocka_unit_test(test_math_unary),
        cmocka_unit_test(test_math_binary),
        cmocka_unit_test(test_reduce_op),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
