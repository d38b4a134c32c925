/* SPDX-License-Identifier: MIT */
/* CPU kernels of runtime/ops/math_ops.c. Element-wise loops per dtype (float32, float64,
 * int32, int64; bool for the logical ops and Equal / NotEqual), binary ops walking numpy
 * broadcasting through the same axis groups as Add (devices/layout.h), reductions through
 * Sum's groups. Integers wrap as in the older kernels (arithmetic done unsigned). Results
 * follow TensorFlow's kernels: Round rounds half to even, FloorDiv and FloorMod round toward
 * negative infinity, Softplus uses TensorFlow's thresholds, ArgMax / ArgMin take the first of
 * equal elements. Shapes were checked by the run-time inference; kernels fail only on values
 * (integer division by zero, negative integer powers). */
#include "devices/cpu/kernels/family.h"
#include "devices/layout.h"

/* Input i's dtype, from the graph (for `supports`). */
static tact_dtype_t math_in_dtype(const tact_op_t *op, int i)
{
    return op->inputs[i].op->out_dtype[op->inputs[i].index];
}

static tact_code_t math_fail_dtype(const tact_op_t *op, tact_dtype_t dtype, tact_status_t *st)
{
    return tact__fail(st, TACT_CODE_UNIMPLEMENTED,
                      "No registered '%s' OpKernel for CPU devices compatible with dtype %s",
                      tact__op_kind_type(op->kind), tact_dtype_name(dtype));
}

/* ------------------------------------------------------------------------------------------ */
/* Unary                                                                                      */
/* ------------------------------------------------------------------------------------------ */

typedef void (*math_unary_fn)(const void *restrict x, void *restrict o, int64_t n, double alpha);

#define MATH_UNARY(name, T, EXPR)                                                                  \
    static void math_##name(const void *restrict vx, void *restrict vo, int64_t n, double alpha)   \
    {                                                                                              \
        const T *restrict xs = vx;                                                                 \
        T *restrict o = vo;                                                                        \
        (void) alpha;                                                                              \
        for (int64_t i = 0; i < n; i++) {                                                          \
            const T x = xs[i];                                                                     \
            o[i] = (EXPR);                                                                         \
        }                                                                                          \
    }

/* TensorFlow's Softplus (core/kernels/softplus_op.h): x itself above -threshold, exp(x) below
 * threshold, log1p(exp(x)) between, threshold = log(epsilon) + 2. */
static inline float math_softplusf(float x)
{
    const float threshold = logf(0x1p-23f) /* FLT_EPSILON */ + 2.0f;
    return x > -threshold ? x : x < threshold ? expf(x) : log1pf(expf(x));
}

static inline double math_softplus(double x)
{
    const double threshold = log(0x1p-52) /* DBL_EPSILON */ + 2.0;
    return x > -threshold ? x : x < threshold ? exp(x) : log1p(exp(x));
}

/* clang-format off */
MATH_UNARY(abs_f32, float, fabsf(x))
MATH_UNARY(abs_f64, double, fabs(x))
MATH_UNARY(abs_i32, int32_t, x < 0 ? (int32_t) (0u - (uint32_t) x) : x)
MATH_UNARY(abs_i64, int64_t, x < 0 ? (int64_t) (0u - (uint64_t) x) : x)
MATH_UNARY(square_f32, float, x * x)
MATH_UNARY(square_f64, double, x * x)
MATH_UNARY(square_i32, int32_t, (int32_t) ((uint32_t) x * (uint32_t) x))
MATH_UNARY(square_i64, int64_t, (int64_t) ((uint64_t) x * (uint64_t) x))
MATH_UNARY(sqrt_f32, float, sqrtf(x))
MATH_UNARY(sqrt_f64, double, sqrt(x))
MATH_UNARY(rsqrt_f32, float, 1.0f / sqrtf(x))
MATH_UNARY(rsqrt_f64, double, 1.0 / sqrt(x))
MATH_UNARY(exp_f32, float, expf(x))
MATH_UNARY(exp_f64, double, exp(x))
MATH_UNARY(log_f32, float, logf(x))
MATH_UNARY(log_f64, double, log(x))
MATH_UNARY(sign_f32, float, x > 0 ? 1.0f : x < 0 ? -1.0f : x)
MATH_UNARY(sign_f64, double, x > 0 ? 1.0 : x < 0 ? -1.0 : x)
MATH_UNARY(sign_i32, int32_t, (int32_t) ((x > 0) - (x < 0)))
MATH_UNARY(sign_i64, int64_t, (int64_t) ((x > 0) - (x < 0)))
MATH_UNARY(floor_f32, float, floorf(x))
MATH_UNARY(floor_f64, double, floor(x))
MATH_UNARY(ceil_f32, float, ceilf(x))
MATH_UNARY(ceil_f64, double, ceil(x))
MATH_UNARY(round_f32, float, rintf(x))   /* the default rounding mode: half to even */
MATH_UNARY(round_f64, double, rint(x))
MATH_UNARY(round_i32, int32_t, x)
MATH_UNARY(round_i64, int64_t, x)
MATH_UNARY(reciprocal_f32, float, 1.0f / x)
MATH_UNARY(reciprocal_f64, double, 1.0 / x)
MATH_UNARY(relu6_f32, float, x < 0.0f ? 0.0f : x > 6.0f ? 6.0f : x)
MATH_UNARY(relu6_f64, double, x < 0.0 ? 0.0 : x > 6.0 ? 6.0 : x)
MATH_UNARY(relu6_i32, int32_t, x < 0 ? 0 : x > 6 ? 6 : x)
MATH_UNARY(relu6_i64, int64_t, x < 0 ? 0 : x > 6 ? 6 : x)
MATH_UNARY(leaky_relu_f32, float, x < 0.0f ? (float) alpha * x : x)
MATH_UNARY(leaky_relu_f64, double, x < 0.0 ? alpha * x : x)
MATH_UNARY(elu_f32, float, x < 0.0f ? expm1f(x) : x)
MATH_UNARY(elu_f64, double, x < 0.0 ? expm1(x) : x)
MATH_UNARY(softplus_f32, float, math_softplusf(x))
MATH_UNARY(softplus_f64, double, math_softplus(x))
MATH_UNARY(logical_not, bool, !x)
/* Selu: TensorFlow's constants (core/kernels/relu_op_functor.h). */
#define MATH_SELU_ALPHA 1.6732632423543772848170429916717
#define MATH_SELU_SCALE 1.0507009873554804934193349852946
MATH_UNARY(erfc_f32, float, erfcf(x))
MATH_UNARY(erfc_f64, double, erfc(x))
MATH_UNARY(selu_f32, float, x < 0.0f ? (float) (MATH_SELU_SCALE * MATH_SELU_ALPHA) * expm1f(x)
                                     : (float) MATH_SELU_SCALE * x)
MATH_UNARY(selu_f64, double, x < 0.0 ? MATH_SELU_SCALE * MATH_SELU_ALPHA * expm1(x)
                                     : MATH_SELU_SCALE * x)
MATH_UNARY(softsign_f32, float, x / (1.0f + fabsf(x)))
MATH_UNARY(softsign_f64, double, x / (1.0 + fabs(x)))

/* IsFinite: float in, bool out (the macro's one type does not fit). */
static void math_is_finite_f32(const void *restrict vx, void *restrict vo, int64_t n,
                               double alpha)
{
    const float *restrict x = vx;
    bool *restrict o = vo;
    (void) alpha;
    for (int64_t i = 0; i < n; i++)
        o[i] = isfinite(x[i]);
}

static void math_is_finite_f64(const void *restrict vx, void *restrict vo, int64_t n,
                               double alpha)
{
    const double *restrict x = vx;
    bool *restrict o = vo;
    (void) alpha;
    for (int64_t i = 0; i < n; i++)
        o[i] = isfinite(x[i]);
}

#define MATH_U4(name) { [TACT_DTYPE_F32] = math_##name##_f32, [TACT_DTYPE_F64] = math_##name##_f64, \
                        [TACT_DTYPE_I32] = math_##name##_i32, [TACT_DTYPE_I64] = math_##name##_i64 }
#define MATH_U2(name) { [TACT_DTYPE_F32] = math_##name##_f32, [TACT_DTYPE_F64] = math_##name##_f64 }

static const math_unary_fn math_unary_table[TACT_OP_COUNT][TACT_DTYPE_COUNT] = {
    [TACT_OP_ABS] = MATH_U4(abs),
    [TACT_OP_SQUARE] = MATH_U4(square),
    [TACT_OP_SQRT] = MATH_U2(sqrt),
    [TACT_OP_RSQRT] = MATH_U2(rsqrt),
    [TACT_OP_EXP] = MATH_U2(exp),
    [TACT_OP_LOG] = MATH_U2(log),
    [TACT_OP_SIGN] = MATH_U4(sign),
    [TACT_OP_FLOOR] = MATH_U2(floor),
    [TACT_OP_CEIL] = MATH_U2(ceil),
    [TACT_OP_ROUND] = MATH_U4(round),
    [TACT_OP_RECIPROCAL] = MATH_U2(reciprocal),  /* TensorFlow has no integer CPU kernel */
    [TACT_OP_RELU6] = MATH_U4(relu6),
    [TACT_OP_LEAKY_RELU] = MATH_U2(leaky_relu),
    [TACT_OP_ELU] = MATH_U2(elu),
    [TACT_OP_SOFTPLUS] = MATH_U2(softplus),
    [TACT_OP_LOGICAL_NOT] = { [TACT_DTYPE_BOOL] = math_logical_not },
    [TACT_OP_IS_FINITE] = MATH_U2(is_finite),
    [TACT_OP_ERFC] = MATH_U2(erfc),
    [TACT_OP_SELU] = MATH_U2(selu),
    [TACT_OP_SOFTSIGN] = MATH_U2(softsign),
};
/* clang-format on */

static bool math_unary_supports(const tact_op_t *op)
{
    return math_unary_table[op->kind][math_in_dtype(op, 0)] != NULL;
}

static tact_code_t math_unary(tact_kernel_ctx_t *k, tact_status_t *st)
{
    const tact_tensor_t *x = k->in[0];
    math_unary_fn fn = math_unary_table[k->op->kind][x->dtype];
    if (fn == NULL)
        return math_fail_dtype(k->op, x->dtype, st);
    fn(x->data, k->out[0]->data, x->nelems, k->op->attrs.alpha);
    return TACT_CODE_OK;
}

/* StopGradient: the value itself (no gradients here). */
static tact_code_t math_stop_gradient(tact_kernel_ctx_t *k, tact_status_t *st)
{
    TACT_UNUSED(st);
    tact__tensor_copy_elements(k->out[0], 0, k->in[0], 0, k->in[0]->nelems);
    return TACT_CODE_OK;
}

/* LogSoftmax over the last axis: x - max - log(sum(exp(x - max))), the sum in double. */
#define MATH_LOG_SOFTMAX(name, T, EXP, LOG)                                                        \
    static void math_log_softmax_##name(const T *restrict x, T *restrict o, int64_t rows,          \
                                        int64_t cols)                                              \
    {                                                                                              \
        for (int64_t r = 0; r < rows; r++, x += cols, o += cols) {                                 \
            T m = x[0];                                                                            \
            for (int64_t j = 1; j < cols; j++)                                                     \
                m = x[j] > m ? x[j] : m;                                                           \
            double sum = 0.0;                                                                      \
            for (int64_t j = 0; j < cols; j++)                                                     \
                sum += (double) EXP(x[j] - m);                                                     \
            T lse = (T) LOG(sum);                                                                  \
            for (int64_t j = 0; j < cols; j++)                                                     \
                o[j] = x[j] - m - lse;                                                             \
        }                                                                                          \
    }

MATH_LOG_SOFTMAX(f32, float, expf, log)
MATH_LOG_SOFTMAX(f64, double, exp, log)

static bool math_floats_supports(const tact_op_t *op)
{
    tact_dtype_t dt = math_in_dtype(op, 0);
    return dt == TACT_DTYPE_F32 || dt == TACT_DTYPE_F64;
}

static tact_code_t math_log_softmax(tact_kernel_ctx_t *k, tact_status_t *st)
{
    const tact_tensor_t *x = k->in[0];
    int64_t cols = x->dims[x->ndims - 1];
    if (x->nelems == 0)
        return TACT_CODE_OK;
    int64_t rows = x->nelems / cols;
    if (x->dtype == TACT_DTYPE_F32)
        math_log_softmax_f32(x->data, k->out[0]->data, rows, cols);
    else if (x->dtype == TACT_DTYPE_F64)
        math_log_softmax_f64(x->data, k->out[0]->data, rows, cols);
    else
        return math_fail_dtype(k->op, x->dtype, st);
    return TACT_CODE_OK;
}

/* ------------------------------------------------------------------------------------------ */
/* Binary, broadcasting                                                                       */
/* ------------------------------------------------------------------------------------------ */

/* o[i] = a[i * sa] op b[i * sb] for n elements; sa and sb are 0 (repeat) or 1. */
typedef void (*math_binary_fn)(const void *restrict a, int64_t sa, const void *restrict b,
                               int64_t sb, void *restrict o, int64_t n);

#define MATH_BINARY(name, T, OutT, EXPR)                                                           \
    static void math_##name(const void *restrict va, int64_t sa, const void *restrict vb,          \
                            int64_t sb, void *restrict vo, int64_t n)                              \
    {                                                                                              \
        const T *restrict as = va;                                                                 \
        const T *restrict bs = vb;                                                                 \
        OutT *restrict o = vo;                                                                     \
        for (int64_t i = 0; i < n; i++) {                                                          \
            const T x = as[i * sa];                                                                \
            const T y = bs[i * sb];                                                                \
            o[i] = (EXPR);                                                                         \
        }                                                                                          \
    }

/* Integer floor division and modulo; y != 0 (checked first), y == -1 wraps as Div does. */
#define MATH_FLOOR_INT(T, U)                                                                       \
    static inline T math_floordiv_##T(T x, T y)                                                    \
    {                                                                                              \
        if (y == -1)                                                                               \
            return (T) (0u - (U) x);                                                               \
        T q = x / y;                                                                               \
        return (x % y != 0 && ((x < 0) != (y < 0))) ? q - 1 : q;                                  \
    }                                                                                              \
    static inline T math_floormod_##T(T x, T y)                                                    \
    {                                                                                              \
        if (y == -1)                                                                               \
            return 0;                                                                              \
        T r = x % y;                                                                               \
        return (r != 0 && ((r < 0) != (y < 0))) ? r + y : r;                                      \
    }                                                                                              \
    /* x to the power y >= 0 by squaring, wrapping */                                              \
    static inline T math_pow_##T(T x, T y)                                                         \
    {                                                                                              \
        U r = 1, b = (U) x;                                                                        \
        for (; y > 0; y >>= 1) {                                                                   \
            if (y & 1)                                                                             \
                r *= b;                                                                            \
            b *= b;                                                                                \
        }                                                                                          \
        return (T) r;                                                                              \
    }

MATH_FLOOR_INT(int32_t, uint32_t)
MATH_FLOOR_INT(int64_t, uint64_t)

/* TensorFlow's floor modulo of floats: fmod, moved into the divisor's sign. */
static inline float math_fmod_floor_f32(float x, float y)
{
    float r = fmodf(x, y);
    return (r != 0 && ((y < 0) != (r < 0))) ? r + y : r;
}

static inline double math_fmod_floor_f64(double x, double y)
{
    double r = fmod(x, y);
    return (r != 0 && ((y < 0) != (r < 0))) ? r + y : r;
}

/* clang-format off */
#define MATH_ARITH(op, EXPR_F, EXPR_I32, EXPR_I64)                                                 \
    MATH_BINARY(op##_f32, float, float, EXPR_F)                                                    \
    MATH_BINARY(op##_f64, double, double, EXPR_F)                                                  \
    MATH_BINARY(op##_i32, int32_t, int32_t, EXPR_I32)                                              \
    MATH_BINARY(op##_i64, int64_t, int64_t, EXPR_I64)

MATH_BINARY(pow_f32, float, float, powf(x, y))
MATH_BINARY(pow_f64, double, double, pow(x, y))
MATH_BINARY(pow_i32, int32_t, int32_t, math_pow_int32_t(x, y))
MATH_BINARY(pow_i64, int64_t, int64_t, math_pow_int64_t(x, y))
/* Maximum and Minimum of floats propagate NaN, as TensorFlow's do (x != x: x is NaN). */
MATH_ARITH(maximum, (x > y || x != x) ? x : y, x > y ? x : y, x > y ? x : y)
MATH_ARITH(minimum, (x < y || x != x) ? x : y, x < y ? x : y, x < y ? x : y)
MATH_BINARY(floordiv_f32, float, float, floorf(x / y))
MATH_BINARY(floordiv_f64, double, double, floor(x / y))
MATH_BINARY(floordiv_i32, int32_t, int32_t, math_floordiv_int32_t(x, y))
MATH_BINARY(floordiv_i64, int64_t, int64_t, math_floordiv_int64_t(x, y))
MATH_BINARY(floormod_f32, float, float, math_fmod_floor_f32(x, y))
MATH_BINARY(floormod_f64, double, double, math_fmod_floor_f64(x, y))
MATH_BINARY(floormod_i32, int32_t, int32_t, math_floormod_int32_t(x, y))
MATH_BINARY(floormod_i64, int64_t, int64_t, math_floormod_int64_t(x, y))
MATH_ARITH(sqdiff, (x - y) * (x - y),
           (int32_t) (((uint32_t) x - (uint32_t) y) * ((uint32_t) x - (uint32_t) y)),
           (int64_t) (((uint64_t) x - (uint64_t) y) * ((uint64_t) x - (uint64_t) y)))

#define MATH_COMPARE(op, EXPR)                                                                     \
    MATH_BINARY(op##_f32, float, bool, EXPR)                                                       \
    MATH_BINARY(op##_f64, double, bool, EXPR)                                                      \
    MATH_BINARY(op##_i32, int32_t, bool, EXPR)                                                     \
    MATH_BINARY(op##_i64, int64_t, bool, EXPR)

MATH_COMPARE(equal, x == y)
MATH_COMPARE(not_equal, x != y)
MATH_COMPARE(less, x < y)
MATH_COMPARE(less_equal, x <= y)
MATH_COMPARE(greater, x > y)
MATH_COMPARE(greater_equal, x >= y)
MATH_BINARY(equal_b, bool, bool, x == y)
MATH_BINARY(not_equal_b, bool, bool, x != y)
MATH_BINARY(logical_and, bool, bool, x && y)
MATH_BINARY(logical_or, bool, bool, x || y)

#define MATH_B4(name) { [TACT_DTYPE_F32] = math_##name##_f32, [TACT_DTYPE_F64] = math_##name##_f64, \
                        [TACT_DTYPE_I32] = math_##name##_i32, [TACT_DTYPE_I64] = math_##name##_i64 }

static const math_binary_fn math_binary_table[TACT_OP_COUNT][TACT_DTYPE_COUNT] = {
    [TACT_OP_POW] = MATH_B4(pow),
    [TACT_OP_MAXIMUM] = MATH_B4(maximum),
    [TACT_OP_MINIMUM] = MATH_B4(minimum),
    [TACT_OP_FLOOR_DIV] = MATH_B4(floordiv),
    [TACT_OP_FLOOR_MOD] = MATH_B4(floormod),
    [TACT_OP_SQUARED_DIFFERENCE] = MATH_B4(sqdiff),
    [TACT_OP_EQUAL] = { [TACT_DTYPE_F32] = math_equal_f32, [TACT_DTYPE_F64] = math_equal_f64,
                        [TACT_DTYPE_I32] = math_equal_i32, [TACT_DTYPE_I64] = math_equal_i64,
                        [TACT_DTYPE_BOOL] = math_equal_b },
    [TACT_OP_NOT_EQUAL] = { [TACT_DTYPE_F32] = math_not_equal_f32,
                            [TACT_DTYPE_F64] = math_not_equal_f64,
                            [TACT_DTYPE_I32] = math_not_equal_i32,
                            [TACT_DTYPE_I64] = math_not_equal_i64,
                            [TACT_DTYPE_BOOL] = math_not_equal_b },
    [TACT_OP_LESS] = MATH_B4(less),
    [TACT_OP_LESS_EQUAL] = MATH_B4(less_equal),
    [TACT_OP_GREATER] = MATH_B4(greater),
    [TACT_OP_GREATER_EQUAL] = MATH_B4(greater_equal),
    [TACT_OP_LOGICAL_AND] = { [TACT_DTYPE_BOOL] = math_logical_and },
    [TACT_OP_LOGICAL_OR] = { [TACT_DTYPE_BOOL] = math_logical_or },
};
/* clang-format on */

static bool math_binary_supports(const tact_op_t *op)
{
    return math_binary_table[op->kind][math_in_dtype(op, 0)] != NULL;
}

/* True when some element of integer tensor t is zero (want_negative: below zero). */
static bool math_any_int(const tact_tensor_t *t, bool want_negative)
{
    for (int64_t i = 0; i < t->nelems; i++) {
        int64_t v = t->dtype == TACT_DTYPE_I32 ? ((const int32_t *) t->data)[i]
                                               : ((const int64_t *) t->data)[i];
        if (want_negative ? v < 0 : v == 0)
            return true;
    }
    return false;
}

/* out = a op b with numpy broadcasting: one flat loop for equal shapes and scalars, else one
 * loop per innermost run of the axis groups Add uses (tact__broadcast_groups). */
static tact_code_t math_binary(tact_kernel_ctx_t *k, tact_status_t *st)
{
    const tact_tensor_t *a = k->in[0], *b = k->in[1];
    tact_tensor_t *out = k->out[0];
    tact_op_kind_t kind = k->op->kind;
    math_binary_fn fn = math_binary_table[kind][a->dtype];
    if (fn == NULL)
        return math_fail_dtype(k->op, a->dtype, st);
    if (out->nelems == 0)
        return TACT_CODE_OK;
    bool ints = a->dtype == TACT_DTYPE_I32 || a->dtype == TACT_DTYPE_I64;
    /* TensorFlow checks every divisor and exponent before it writes anything. */
    if (ints && (kind == TACT_OP_FLOOR_DIV || kind == TACT_OP_FLOOR_MOD) && math_any_int(b, false))
        return tact__fail(st, TACT_CODE_INVALID_ARGUMENT, "Integer division by zero");
    if (ints && kind == TACT_OP_POW && math_any_int(b, true))
        return tact__fail(st, TACT_CODE_INVALID_ARGUMENT,
                          "Integers to negative integer powers are not allowed");

    const char *pa = a->data, *pb = b->data;
    char *po = out->data;
    size_t ea = tact_dtype_size(a->dtype), eo = tact_dtype_size(out->dtype);
    if (a->nelems == out->nelems && b->nelems == out->nelems) {
        fn(pa, 1, pb, 1, po, out->nelems);
        return TACT_CODE_OK;
    }
    if (a->nelems == 1 || b->nelems == 1) {
        fn(pa, a->nelems == 1 ? 0 : 1, pb, b->nelems == 1 ? 0 : 1, po, out->nelems);
        return TACT_CODE_OK;
    }
    int64_t dims[TACT_MAX_DIMS], sa[TACT_MAX_DIMS], sb[TACT_MAX_DIMS];
    int n = tact__broadcast_groups(a, b, out, dims, sa, sb);
    TACT_ASSERT(n >= 1);
    int last = n - 1;
    int64_t inner = dims[last];
    int64_t rows = out->nelems / inner;
    int64_t idx[TACT_MAX_DIMS] = {0};
    int64_t oa = 0, ob = 0;
    for (int64_t row = 0; row < rows; row++) {
        fn(pa + (size_t) oa * ea, sa[last] != 0, pb + (size_t) ob * ea, sb[last] != 0,
           po + (size_t) (row * inner) * eo, inner);
        for (int d = last - 1; d >= 0; d--) {
            oa += sa[d];
            ob += sb[d];
            if (++idx[d] < dims[d])
                break;
            oa -= sa[d] * dims[d];
            ob -= sb[d] * dims[d];
            idx[d] = 0;
        }
    }
    return TACT_CODE_OK;
}

/* ------------------------------------------------------------------------------------------ */
/* AddN                                                                                       */
/* ------------------------------------------------------------------------------------------ */

#define MATH_ADD_N(name, T, U)                                                                     \
    static void math_add_n_##name(tact_kernel_ctx_t *k)                                            \
    {                                                                                              \
        T *restrict o = k->out[0]->data;                                                           \
        int64_t n = k->out[0]->nelems;                                                             \
        memcpy(o, k->in[0]->data, (size_t) n * sizeof(T));                                         \
        for (int i = 1; i < k->n_in; i++) {                                                        \
            const T *restrict x = k->in[i]->data;                                                  \
            for (int64_t j = 0; j < n; j++)                                                        \
                o[j] = (T) ((U) o[j] + (U) x[j]);                                                  \
        }                                                                                          \
    }

MATH_ADD_N(f32, float, float)
MATH_ADD_N(f64, double, double)
MATH_ADD_N(i32, int32_t, uint32_t)
MATH_ADD_N(i64, int64_t, uint64_t)

static bool math_numeric_supports(const tact_op_t *op)
{
    tact_dtype_t dt = math_in_dtype(op, 0);
    return dt == TACT_DTYPE_F32 || dt == TACT_DTYPE_F64 || dt == TACT_DTYPE_I32 ||
           dt == TACT_DTYPE_I64;
}

static tact_code_t math_add_n(tact_kernel_ctx_t *k, tact_status_t *st)
{
    if (k->out[0]->nelems == 0)
        return TACT_CODE_OK;
    switch (k->in[0]->dtype) {
    case TACT_DTYPE_F32: math_add_n_f32(k); return TACT_CODE_OK;
    case TACT_DTYPE_F64: math_add_n_f64(k); return TACT_CODE_OK;
    case TACT_DTYPE_I32: math_add_n_i32(k); return TACT_CODE_OK;
    case TACT_DTYPE_I64: math_add_n_i64(k); return TACT_CODE_OK;
    default: return math_fail_dtype(k->op, k->in[0]->dtype, st);
    }
}

/* ------------------------------------------------------------------------------------------ */
/* Max, Min, Prod                                                                             */
/* ------------------------------------------------------------------------------------------ */

/* The output starts at the identity (lowest value for Max, as TensorFlow: -inf or INT_MIN over
 * nothing; highest for Min; 1 for Prod) and takes each element in: a reduced innermost run
 * folds into one output, a kept one into a row of outputs. */
#define MATH_REDUCE(name, T, INIT, COMBINE)                                                        \
    static void math_reduce_##name(const tact_tensor_t *x, const tact_op_attrs_t *at,              \
                                   tact_tensor_t *out)                                             \
    {                                                                                              \
        T *restrict o = out->data;                                                                 \
        const T *restrict px = x->data;                                                            \
        for (int64_t i = 0; i < out->nelems; i++)                                                  \
            o[i] = (INIT);                                                                         \
        if (x->nelems == 0)                                                                        \
            return;                                                                                \
        int64_t dims[TACT_MAX_DIMS];                                                               \
        bool red[TACT_MAX_DIMS];                                                                   \
        int n = tact__reduce_groups(x, at, dims, red);                                             \
        if (n == 0) {                                                                              \
            T acc = o[0], v = px[0];                                                               \
            o[0] = (COMBINE);                                                                      \
            return;                                                                                \
        }                                                                                          \
        int64_t stride[TACT_MAX_DIMS], e = 1;                                                      \
        for (int i = n - 1; i >= 0; i--) {                                                         \
            stride[i] = red[i] ? 0 : e;                                                            \
            e *= red[i] ? 1 : dims[i];                                                             \
        }                                                                                          \
        int last = n - 1;                                                                          \
        int64_t inner = dims[last], rows = x->nelems / inner;                                      \
        int64_t idx[TACT_MAX_DIMS] = {0}, oo = 0;                                                  \
        for (int64_t row = 0; row < rows; row++) {                                                 \
            const T *xr = px + row * inner;                                                        \
            if (red[last]) {                                                                       \
                T acc = o[oo];                                                                     \
                for (int64_t j = 0; j < inner; j++) {                                              \
                    T v = xr[j];                                                                   \
                    acc = (COMBINE);                                                               \
                }                                                                                  \
                o[oo] = acc;                                                                       \
            } else {                                                                               \
                for (int64_t j = 0; j < inner; j++) {                                              \
                    T acc = o[oo + j], v = xr[j];                                                  \
                    o[oo + j] = (COMBINE);                                                         \
                }                                                                                  \
            }                                                                                      \
            for (int d = last - 1; d >= 0; d--) {                                                  \
                oo += stride[d];                                                                   \
                if (++idx[d] < dims[d])                                                            \
                    break;                                                                         \
                oo -= stride[d] * dims[d];                                                         \
                idx[d] = 0;                                                                        \
            }                                                                                      \
        }                                                                                          \
    }

/* clang-format off */
/* a NaN taken in stays (v != v: v is NaN), as in TensorFlow's Max and Min */
MATH_REDUCE(max_f32, float, -INFINITY, (v > acc || v != v) ? v : acc)
MATH_REDUCE(max_f64, double, -INFINITY, (v > acc || v != v) ? v : acc)
MATH_REDUCE(max_i32, int32_t, INT32_MIN, v > acc ? v : acc)
MATH_REDUCE(max_i64, int64_t, INT64_MIN, v > acc ? v : acc)
MATH_REDUCE(min_f32, float, INFINITY, (v < acc || v != v) ? v : acc)
MATH_REDUCE(min_f64, double, INFINITY, (v < acc || v != v) ? v : acc)
MATH_REDUCE(min_i32, int32_t, INT32_MAX, v < acc ? v : acc)
MATH_REDUCE(min_i64, int64_t, INT64_MAX, v < acc ? v : acc)
MATH_REDUCE(prod_f32, float, 1.0f, acc * v)
MATH_REDUCE(prod_f64, double, 1.0, acc * v)
MATH_REDUCE(prod_i32, int32_t, 1, (int32_t) ((uint32_t) acc * (uint32_t) v))
MATH_REDUCE(prod_i64, int64_t, 1, (int64_t) ((uint64_t) acc * (uint64_t) v))
/* clang-format on */

typedef void (*math_reduce_fn)(const tact_tensor_t *x, const tact_op_attrs_t *at,
                               tact_tensor_t *out);

#define MATH_R4(name) { [TACT_DTYPE_F32] = math_reduce_##name##_f32,                               \
                        [TACT_DTYPE_F64] = math_reduce_##name##_f64,                               \
                        [TACT_DTYPE_I32] = math_reduce_##name##_i32,                               \
                        [TACT_DTYPE_I64] = math_reduce_##name##_i64 }

static const math_reduce_fn math_reduce_table[TACT_OP_COUNT][TACT_DTYPE_COUNT] = {
    [TACT_OP_MAX] = MATH_R4(max),
    [TACT_OP_MIN] = MATH_R4(min),
    [TACT_OP_PROD] = MATH_R4(prod),
};

static tact_code_t math_reduce(tact_kernel_ctx_t *k, tact_status_t *st)
{
    const tact_tensor_t *x = k->in[0];
    math_reduce_fn fn = math_reduce_table[k->op->kind][x->dtype];
    if (fn == NULL)
        return math_fail_dtype(k->op, x->dtype, st);
    fn(x, &k->op->attrs, k->out[0]);
    return TACT_CODE_OK;
}

/* ------------------------------------------------------------------------------------------ */
/* ArgMax, ArgMin                                                                             */
/* ------------------------------------------------------------------------------------------ */

/* out[o * inner + i] = the first k with the best x[(o * len + k) * inner + i], as int64 or
 * int32. As in TensorFlow (Eigen's arg reducers), the search starts from the lowest value
 * (highest for ArgMin) at index 0 and takes only a strictly better element, so NaN never
 * wins. */
#define MATH_ARG(name, T, LOWEST, HIGHEST)                                                         \
    static void math_arg_##name(const void *vx, bool max, int64_t outer, int64_t len,              \
                                int64_t inner, tact_tensor_t *out)                                 \
    {                                                                                              \
        const T *x = vx;                                                                           \
        bool wide = out->dtype == TACT_DTYPE_I64;                                                  \
        for (int64_t o = 0; o < outer; o++) {                                                      \
            for (int64_t i = 0; i < inner; i++) {                                                  \
                const T *p = x + o * len * inner + i;                                              \
                T best = max ? (LOWEST) : (HIGHEST);                                               \
                int64_t at = 0;                                                                    \
                for (int64_t k = 0; k < len; k++) {                                                \
                    T v = p[k * inner];                                                            \
                    if (max ? v > best : v < best) {                                               \
                        best = v;                                                                  \
                        at = k;                                                                    \
                    }                                                                              \
                }                                                                                  \
                if (wide)                                                                          \
                    ((int64_t *) out->data)[o * inner + i] = at;                                   \
                else                                                                               \
                    ((int32_t *) out->data)[o * inner + i] = (int32_t) at;                         \
            }                                                                                      \
        }                                                                                          \
    }

MATH_ARG(f32, float, -INFINITY, INFINITY)
MATH_ARG(f64, double, -INFINITY, INFINITY)
MATH_ARG(i32, int32_t, INT32_MIN, INT32_MAX)
MATH_ARG(i64, int64_t, INT64_MIN, INT64_MAX)
MATH_ARG(b, bool, false, true)

typedef void (*math_arg_fn)(const void *x, bool max, int64_t outer, int64_t len, int64_t inner,
                            tact_tensor_t *out);

static const math_arg_fn math_arg_table[TACT_DTYPE_COUNT] = {
    [TACT_DTYPE_F32] = math_arg_f32, [TACT_DTYPE_F64] = math_arg_f64,
    [TACT_DTYPE_I32] = math_arg_i32, [TACT_DTYPE_I64] = math_arg_i64,
    [TACT_DTYPE_BOOL] = math_arg_b,
};

static tact_code_t math_arg(tact_kernel_ctx_t *k, tact_status_t *st)
{
    const tact_tensor_t *x = k->in[0];
    tact_tensor_t *out = k->out[0];
    math_arg_fn fn = math_arg_table[x->dtype];
    if (fn == NULL)
        return math_fail_dtype(k->op, x->dtype, st);
    if (out->nelems == 0)
        return TACT_CODE_OK;
    int axis = k->op->attrs.axis < 0 ? k->op->attrs.axis + x->ndims : k->op->attrs.axis;
    int64_t outer = 1, inner = 1, len = x->dims[axis];
    for (int d = 0; d < axis; d++)
        outer *= x->dims[d];
    for (int d = axis + 1; d < x->ndims; d++)
        inner *= x->dims[d];
    fn(x->data, k->op->kind == TACT_OP_ARG_MAX, outer, len, inner, out);
    return TACT_CODE_OK;
}

static bool math_arg_supports(const tact_op_t *op)
{
    return math_arg_table[math_in_dtype(op, 0)] != NULL;
}

#define MATH_K_UNARY  {.run = math_unary, .supports = math_unary_supports}
#define MATH_K_BINARY {.run = math_binary, .supports = math_binary_supports}
#define MATH_K_REDUCE {.run = math_reduce, .supports = math_numeric_supports}
#define MATH_K_ARG    {.run = math_arg, .supports = math_arg_supports}

const tact_cpu_op_kernel_t tact__cpu_math_kernels[TACT_OP_COUNT] = {
    [TACT_OP_ABS] = MATH_K_UNARY,
    [TACT_OP_SQUARE] = MATH_K_UNARY,
    [TACT_OP_SQRT] = MATH_K_UNARY,
    [TACT_OP_RSQRT] = MATH_K_UNARY,
    [TACT_OP_EXP] = MATH_K_UNARY,
    [TACT_OP_LOG] = MATH_K_UNARY,
    [TACT_OP_SIGN] = MATH_K_UNARY,
    [TACT_OP_FLOOR] = MATH_K_UNARY,
    [TACT_OP_CEIL] = MATH_K_UNARY,
    [TACT_OP_ROUND] = MATH_K_UNARY,
    [TACT_OP_RECIPROCAL] = MATH_K_UNARY,
    [TACT_OP_RELU6] = MATH_K_UNARY,
    [TACT_OP_LEAKY_RELU] = MATH_K_UNARY,
    [TACT_OP_ELU] = MATH_K_UNARY,
    [TACT_OP_SOFTPLUS] = MATH_K_UNARY,
    [TACT_OP_LOG_SOFTMAX] = {.run = math_log_softmax, .supports = math_floats_supports},
    [TACT_OP_STOP_GRADIENT] = {.run = math_stop_gradient},
    [TACT_OP_POW] = MATH_K_BINARY,
    [TACT_OP_MAXIMUM] = MATH_K_BINARY,
    [TACT_OP_MINIMUM] = MATH_K_BINARY,
    [TACT_OP_FLOOR_DIV] = MATH_K_BINARY,
    [TACT_OP_FLOOR_MOD] = MATH_K_BINARY,
    [TACT_OP_SQUARED_DIFFERENCE] = MATH_K_BINARY,
    [TACT_OP_EQUAL] = MATH_K_BINARY,
    [TACT_OP_NOT_EQUAL] = MATH_K_BINARY,
    [TACT_OP_LESS] = MATH_K_BINARY,
    [TACT_OP_LESS_EQUAL] = MATH_K_BINARY,
    [TACT_OP_GREATER] = MATH_K_BINARY,
    [TACT_OP_GREATER_EQUAL] = MATH_K_BINARY,
    [TACT_OP_LOGICAL_AND] = MATH_K_BINARY,
    [TACT_OP_LOGICAL_OR] = MATH_K_BINARY,
    [TACT_OP_LOGICAL_NOT] = MATH_K_UNARY,
    [TACT_OP_ADD_N] = {.run = math_add_n, .supports = math_numeric_supports},
    [TACT_OP_MAX] = MATH_K_REDUCE,
    [TACT_OP_MIN] = MATH_K_REDUCE,
    [TACT_OP_PROD] = MATH_K_REDUCE,
    [TACT_OP_ARG_MAX] = MATH_K_ARG,
    [TACT_OP_ARG_MIN] = MATH_K_ARG,
    [TACT_OP_IS_FINITE] = MATH_K_UNARY,
    [TACT_OP_ERFC] = MATH_K_UNARY,
    [TACT_OP_SELU] = MATH_K_UNARY,
    [TACT_OP_SOFTSIGN] = MATH_K_UNARY,
};
