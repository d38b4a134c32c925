/* SPDX-License-Identifier: MIT */
/* The CPU kernels: one function per op kind, dispatching on dtype through tables of small
 * typed loops, with OpenBLAS for float matmul. A kernel trusts tact__op_infer: its inputs have
 * been checked and `out` has the inferred dtype and shape, so it only computes. It fails where
 * TensorFlow's kernels fail on values (integer division by zero), and with UNIMPLEMENTED on a
 * dtype it has no loop for (tact__cpu_kernel_supports says which). Flat loops are written
 * so that gcc -O2 vectorises them (restrict pointers, simple bodies, see CPU_LOOP). Sums and
 * means accumulate float32 in double, so they are at least as accurate as TensorFlow's. Not
 * for placement, allocation policy or node bookkeeping: that is cpu.c's. */
#include "devices/cpu/kernels.h"
#include "devices/layout.h"
#include "runtime/base/half.h"
#include "runtime/base/host_alloc.h"
#include "runtime/base/philox.h"

#include <cblas.h>

/* gcc -O2 (cost model "very cheap") vectorises a loop only when its trip count is a known
 * multiple of the vector width, so each flat loop runs a multiple of 16 and then the tail. */
/* clang-format off */
#define CPU_LOOP(i, n, BODY)                                                                       \
    do {                                                                                           \
        const int64_t cpu_n_ = (n);                                                                \
        const int64_t cpu_m_ = cpu_n_ & ~(int64_t) 15;                                             \
        int64_t i = 0;                                                                             \
        for (; i < cpu_m_; i++)                                                                    \
            BODY                                                                                   \
        for (; i < cpu_n_; i++)                                                                    \
            BODY                                                                                   \
    } while (0)

#define CPU_BIT(dt)  (1u << (unsigned) (dt))
#define CPU_NUMERIC  (CPU_BIT(TACT_DTYPE_F32) | CPU_BIT(TACT_DTYPE_F64) |                          \
                      CPU_BIT(TACT_DTYPE_I32) | CPU_BIT(TACT_DTYPE_I64))
/* clang-format on */

/* Element-wise loops over n elements: one input, or two. */
typedef void (*cpu_row1_fn)(const void *restrict x, void *restrict o, int64_t n);
typedef void (*cpu_row2_fn)(const void *restrict a, const void *restrict b, void *restrict o,
                            int64_t n);

static tact_code_t cpu_fail_dtype(const tact_op_t *op, tact_dtype_t dtype, tact_status_t *st)
{
    return tact__fail(st, TACT_CODE_UNIMPLEMENTED,
                      "No registered '%s' OpKernel for CPU devices compatible with dtype %s",
                      tact__op_kind_type(op->kind), tact_dtype_name(dtype));
}

/* Scratch memory of n elements of `dtype` for a kernel, sized by its data: RESOURCE_EXHAUSTED
 * in TensorFlow's words for the temporary tensor of shape [n] when refused, never an abort.
 * Free with tact__host_free(p, n * size). */
static void *cpu_scratch(int64_t n, tact_dtype_t dtype, tact_status_t *st)
{
    size_t esz = tact_dtype_size(dtype);
    void *p = n >= 0 && (uint64_t) n <= (uint64_t) PTRDIFF_MAX / esz
                  ? tact__host_try_alloc((size_t) n * esz) : NULL;
    if (p == NULL)
        tact__fail(st, TACT_CODE_RESOURCE_EXHAUSTED,
                   "OOM when allocating tensor with shape[%" PRId64 "] and type %s on "
                   "/job:localhost/replica:0/task:0/device:CPU:0 by allocator cpu",
                   n, tact__dtype_tf_name(dtype));
    return p;
}

static bool cpu_numeric(tact_dtype_t dtype)
{
    return tact__dtype_valid(dtype) && (CPU_NUMERIC & CPU_BIT(dtype)) != 0;
}

/* ------------------------------------------------------------------------------------------ */
/* Binary ops with broadcasting                                                               */
/* ------------------------------------------------------------------------------------------ */

/* The three inner loops of a binary op: vv a[i] op b[i], sv a[0] op b[i], vs a[i] op b[0]. */
typedef struct cpu_binary_fns {
    cpu_row2_fn vv;
    cpu_row2_fn sv;
    cpu_row2_fn vs;
} cpu_binary_fns_t;

#define CPU_BINARY(name, T, EXPR)                                                                  \
    static void cpu_##name##_vv(const void *restrict va, const void *restrict vb,                  \
                                void *restrict vo, int64_t n)                                      \
    {                                                                                              \
        const T *restrict a = va;                                                                  \
        const T *restrict b = vb;                                                                  \
        T *restrict o = vo;                                                                        \
        CPU_LOOP(i, n, {                                                                           \
            const T x = a[i];                                                                      \
            const T y = b[i];                                                                      \
            o[i] = (EXPR);                                                                         \
        });                                                                                        \
    }                                                                                              \
    static void cpu_##name##_sv(const void *restrict va, const void *restrict vb,                  \
                                void *restrict vo, int64_t n)                                      \
    {                                                                                              \
        const T x = *(const T *) va;                                                               \
        const T *restrict b = vb;                                                                  \
        T *restrict o = vo;                                                                        \
        CPU_LOOP(i, n, {                                                                           \
            const T y = b[i];                                                                      \
            o[i] = (EXPR);                                                                         \
        });                                                                                        \
    }                                                                                              \
    static void cpu_##name##_vs(const void *restrict va, const void *restrict vb,                  \
                                void *restrict vo, int64_t n)                                      \
    {                                                                                              \
        const T *restrict a = va;                                                                  \
        const T y = *(const T *) vb;                                                               \
        T *restrict o = vo;                                                                        \
        CPU_LOOP(i, n, {                                                                           \
            const T x = a[i];                                                                      \
            o[i] = (EXPR);                                                                         \
        });                                                                                        \
    }

/* Integers wrap on overflow, as TensorFlow's kernels do in practice: the arithmetic is done
 * unsigned, where wrapping is defined. INT_MIN / -1 gives INT_MIN instead of trapping. */
/* clang-format off */
CPU_BINARY(add_f32, float, x + y)
CPU_BINARY(add_f64, double, x + y)
CPU_BINARY(add_i32, int32_t, (int32_t) ((uint32_t) x + (uint32_t) y))
CPU_BINARY(add_i64, int64_t, (int64_t) ((uint64_t) x + (uint64_t) y))
CPU_BINARY(sub_f32, float, x - y)
CPU_BINARY(sub_f64, double, x - y)
CPU_BINARY(sub_i32, int32_t, (int32_t) ((uint32_t) x - (uint32_t) y))
CPU_BINARY(sub_i64, int64_t, (int64_t) ((uint64_t) x - (uint64_t) y))
CPU_BINARY(mul_f32, float, x * y)
CPU_BINARY(mul_f64, double, x * y)
CPU_BINARY(mul_i32, int32_t, (int32_t) ((uint32_t) x * (uint32_t) y))
CPU_BINARY(mul_i64, int64_t, (int64_t) ((uint64_t) x * (uint64_t) y))
CPU_BINARY(realdiv_f32, float, x / y)
CPU_BINARY(realdiv_f64, double, x / y)
CPU_BINARY(div_i32, int32_t, y == -1 ? (int32_t) (0u - (uint32_t) x) : x / y)
CPU_BINARY(div_i64, int64_t, y == -1 ? (int64_t) (0u - (uint64_t) x) : x / y)

#define CPU_FNS(name) { cpu_##name##_vv, cpu_##name##_sv, cpu_##name##_vs }

static const cpu_binary_fns_t cpu_binary_table[TACT_OP_COUNT][TACT_DTYPE_COUNT] = {
    [TACT_OP_ADD] = {
        [TACT_DTYPE_F32] = CPU_FNS(add_f32), [TACT_DTYPE_F64] = CPU_FNS(add_f64),
        [TACT_DTYPE_I32] = CPU_FNS(add_i32), [TACT_DTYPE_I64] = CPU_FNS(add_i64),
    },
    [TACT_OP_SUB] = {
        [TACT_DTYPE_F32] = CPU_FNS(sub_f32), [TACT_DTYPE_F64] = CPU_FNS(sub_f64),
        [TACT_DTYPE_I32] = CPU_FNS(sub_i32), [TACT_DTYPE_I64] = CPU_FNS(sub_i64),
    },
    [TACT_OP_MUL] = {
        [TACT_DTYPE_F32] = CPU_FNS(mul_f32), [TACT_DTYPE_F64] = CPU_FNS(mul_f64),
        [TACT_DTYPE_I32] = CPU_FNS(mul_i32), [TACT_DTYPE_I64] = CPU_FNS(mul_i64),
    },
    [TACT_OP_REALDIV] = {
        [TACT_DTYPE_F32] = CPU_FNS(realdiv_f32), [TACT_DTYPE_F64] = CPU_FNS(realdiv_f64),
    },
    [TACT_OP_DIV] = {
        [TACT_DTYPE_I32] = CPU_FNS(div_i32), [TACT_DTYPE_I64] = CPU_FNS(div_i64),
    },
};
/* clang-format on */

/* out = a op b with numpy broadcasting. Equal shapes and scalars take one flat loop. Otherwise
 * the output axes are merged into runs that broadcast the same way in both inputs (size-1 axes
 * dropped), and each innermost run is one vv, sv or vs loop: a bias row over a matrix becomes
 * one vv loop per row. */
static void cpu_broadcast(const tact_tensor_t *a, const tact_tensor_t *b, tact_tensor_t *out,
                          const cpu_binary_fns_t *fns)
{
    const char *pa = a->data;
    const char *pb = b->data;
    char *po = out->data;
    size_t esz = tact_dtype_size(out->dtype);

    if (out->nelems == 0)
        return;
    if (a->nelems == out->nelems && b->nelems == out->nelems) {
        fns->vv(pa, pb, po, out->nelems);
        return;
    }
    if (a->nelems == 1) {
        fns->sv(pa, pb, po, out->nelems);
        return;
    }
    if (b->nelems == 1) {
        fns->vs(pa, pb, po, out->nelems);
        return;
    }

    int64_t dims[TACT_MAX_DIMS];
    int64_t stride_a[TACT_MAX_DIMS];
    int64_t stride_b[TACT_MAX_DIMS];
    int n = tact__broadcast_groups(a, b, out, dims, stride_a, stride_b);
    TACT_ASSERT(n >= 1);

    int last = n - 1;
    int64_t inner = dims[last];
    cpu_row2_fn fn = stride_a[last] == 0 ? fns->sv : stride_b[last] == 0 ? fns->vs : fns->vv;
    int64_t rows = out->nelems / inner;
    int64_t idx[TACT_MAX_DIMS] = {0};
    int64_t oa = 0;
    int64_t ob = 0;
    for (int64_t row = 0; row < rows; row++) {
        fn(pa + (size_t) oa * esz, pb + (size_t) ob * esz, po + (size_t) (row * inner) * esz,
           inner);
        for (int d = last - 1; d >= 0; d--) {
            oa += stride_a[d];
            ob += stride_b[d];
            if (++idx[d] < dims[d])
                break;
            oa -= stride_a[d] * dims[d];
            ob -= stride_b[d] * dims[d];
            idx[d] = 0;
        }
    }
}

static bool cpu_has_zero(const tact_tensor_t *t)
{
    int zero = 0;
    if (t->dtype == TACT_DTYPE_I32) {
        const int32_t *p = t->data;
        CPU_LOOP(i, t->nelems, { zero |= p[i] == 0; });
    } else {
        TACT_ASSERT(t->dtype == TACT_DTYPE_I64);
        const int64_t *p = t->data;
        CPU_LOOP(i, t->nelems, { zero |= p[i] == 0; });
    }
    return zero != 0;
}

tact_cpu_flat2_fn tact__cpu_binary_flat(tact_op_kind_t kind, tact_dtype_t dtype)
{
    TACT_ASSERT((unsigned) kind < TACT_OP_COUNT && tact__dtype_valid(dtype));
    return cpu_binary_table[kind][dtype].vv;
}

static tact_code_t cpu_binary(const tact_op_t *op, const tact_tensor_t *const *in,
                              tact_tensor_t *out, tact_status_t *st)
{
    const cpu_binary_fns_t *fns = &cpu_binary_table[op->kind][in[0]->dtype];
    if (fns->vv == NULL || in[1]->dtype != in[0]->dtype)
        return cpu_fail_dtype(op, in[0]->dtype, st);
    /* TensorFlow checks every divisor before it writes anything. */
    if (op->kind == TACT_OP_DIV && out->nelems > 0 && cpu_has_zero(in[1]))
        return tact__fail(st, TACT_CODE_INVALID_ARGUMENT, "Integer division by zero");
    cpu_broadcast(in[0], in[1], out, fns);
    return TACT_CODE_OK;
}

/* ------------------------------------------------------------------------------------------ */
/* Unary ops and softmax                                                                      */
/* ------------------------------------------------------------------------------------------ */

#define CPU_UNARY(name, T, EXPR)                                                                   \
    static void cpu_##name(const void *restrict vx, void *restrict vo, int64_t n)                  \
    {                                                                                              \
        const T *restrict xs = vx;                                                                 \
        T *restrict o = vo;                                                                        \
        CPU_LOOP(i, n, {                                                                           \
            const T x = xs[i];                                                                     \
            o[i] = (EXPR);                                                                         \
        });                                                                                        \
    }

/* Stable for any x: exp never overflows because its argument is -|x|. */
static inline float cpu_sigmoidf(float x)
{
    float e = expf(-fabsf(x));
    float r = 1.0f / (1.0f + e);
    return x >= 0.0f ? r : e * r;
}

static inline double cpu_sigmoid(double x)
{
    double e = exp(-fabs(x));
    double r = 1.0 / (1.0 + e);
    return x >= 0.0 ? r : e * r;
}

/* Relu is "x < 0 ? 0 : x" so that NaN passes through, as with TensorFlow's max(x, 0). */
CPU_UNARY(neg_f32, float, -x)
CPU_UNARY(neg_f64, double, -x)
CPU_UNARY(neg_i32, int32_t, (int32_t) (0u - (uint32_t) x))
CPU_UNARY(neg_i64, int64_t, (int64_t) (0u - (uint64_t) x))
CPU_UNARY(relu_f32, float, x < 0.0f ? 0.0f : x)
CPU_UNARY(relu_f64, double, x < 0.0 ? 0.0 : x)
CPU_UNARY(relu_i32, int32_t, x < 0 ? 0 : x)
CPU_UNARY(relu_i64, int64_t, x < 0 ? 0 : x)
CPU_UNARY(sigmoid_f32, float, cpu_sigmoidf(x))
CPU_UNARY(sigmoid_f64, double, cpu_sigmoid(x))
CPU_UNARY(tanh_f32, float, tanhf(x))
CPU_UNARY(tanh_f64, double, tanh(x))

/* clang-format off */
static const cpu_row1_fn cpu_unary_table[TACT_OP_COUNT][TACT_DTYPE_COUNT] = {
    [TACT_OP_NEG] = {
        [TACT_DTYPE_F32] = cpu_neg_f32, [TACT_DTYPE_F64] = cpu_neg_f64,
        [TACT_DTYPE_I32] = cpu_neg_i32, [TACT_DTYPE_I64] = cpu_neg_i64,
    },
    [TACT_OP_RELU] = {
        [TACT_DTYPE_F32] = cpu_relu_f32, [TACT_DTYPE_F64] = cpu_relu_f64,
        [TACT_DTYPE_I32] = cpu_relu_i32, [TACT_DTYPE_I64] = cpu_relu_i64,
    },
    [TACT_OP_SIGMOID] = { [TACT_DTYPE_F32] = cpu_sigmoid_f32, [TACT_DTYPE_F64] = cpu_sigmoid_f64 },
    [TACT_OP_TANH] = { [TACT_DTYPE_F32] = cpu_tanh_f32, [TACT_DTYPE_F64] = cpu_tanh_f64 },
};
/* clang-format on */

static tact_code_t cpu_unary(const tact_op_t *op, const tact_tensor_t *const *in,
                             tact_tensor_t *out, tact_status_t *st)
{
    cpu_row1_fn fn = cpu_unary_table[op->kind][in[0]->dtype];
    if (fn == NULL)
        return cpu_fail_dtype(op, in[0]->dtype, st);
    fn(in[0]->data, out->data, out->nelems);
    return TACT_CODE_OK;
}

bool tact__cpu_epilogue_fits(const tact_tensor_t *y, const tact_tensor_t *bias,
                             const tact_tensor_t *res)
{
    int64_t channels = y->dims[y->ndims - 1];
    if (bias != NULL &&
        (bias->dtype != TACT_DTYPE_F32 || bias->ndims != 1 || bias->dims[0] != channels))
        return false;
    if (res == NULL)
        return true;
    if (res->dtype != TACT_DTYPE_F32 || res->ndims != y->ndims)
        return false;
    for (int d = 0; d < y->ndims; d++) {
        if (res->dims[d] != y->dims[d])
            return false;
    }
    return true;
}

/* A fused chain's epilogue (gemm.c, nn_kernels.c): the same element functions as the unfused
 * ops, so a fused chain gives the bits the separate Add and activation give. In place: no
 * restrict. */
void tact__cpu_bias_act_f32(float *y, int64_t rows, int64_t n, const float *bias,
                            const float *res, int64_t res_ld, tact_op_kind_t act)
{
    for (int64_t r = 0; r < rows; r++) {
        float *row = y + r * n;
        if (bias != NULL)
            CPU_LOOP(j, n, { row[j] = row[j] + bias[j]; });
        if (res != NULL) {
            const float *rr = res + r * res_ld;
            CPU_LOOP(j, n, { row[j] = row[j] + rr[j]; });
        }
        switch (act) {
        case TACT_OP_RELU:
            CPU_LOOP(j, n, { row[j] = row[j] < 0.0f ? 0.0f : row[j]; });
            break;
        case TACT_OP_RELU6:  /* as the math family's kernel (a NaN stays NaN) */
            CPU_LOOP(j, n, { row[j] = row[j] < 0.0f ? 0.0f : row[j] > 6.0f ? 6.0f : row[j]; });
            break;
        case TACT_OP_SIGMOID:
            CPU_LOOP(j, n, { row[j] = cpu_sigmoidf(row[j]); });
            break;
        case TACT_OP_TANH:
            CPU_LOOP(j, n, { row[j] = tanhf(row[j]); });
            break;
        default:
            break;
        }
    }
}

/* Softmax over rows of n: subtract the row's max (so exp never overflows), sum in double,
 * scale by the inverse as TensorFlow's Eigen kernel does. */
#define CPU_SOFTMAX(name, T, EXP)                                                                  \
    static void cpu_softmax_##name(const T *restrict x, T *restrict o, int64_t rows, int64_t n)    \
    {                                                                                              \
        for (int64_t r = 0; r < rows; r++, x += n, o += n) {                                       \
            T m = x[0];                                                                            \
            for (int64_t j = 1; j < n; j++)                                                        \
                m = x[j] > m ? x[j] : m;                                                           \
            double sum = 0.0;                                                                      \
            for (int64_t j = 0; j < n; j++) {                                                      \
                T e = EXP(x[j] - m);                                                               \
                o[j] = e;                                                                          \
                sum += e;                                                                          \
            }                                                                                      \
            const T inv = (T) (1.0 / sum);                                                         \
            CPU_LOOP(j, n, { o[j] *= inv; });                                                      \
        }                                                                                          \
    }

CPU_SOFTMAX(f32, float, expf)
CPU_SOFTMAX(f64, double, exp)

static tact_code_t cpu_softmax(const tact_op_t *op, const tact_tensor_t *const *in,
                               tact_tensor_t *out, tact_status_t *st)
{
    const tact_tensor_t *x = in[0];
    TACT_ASSERT(x->ndims >= 1);
    int64_t n = x->dims[x->ndims - 1];
    if (x->nelems == 0)
        return TACT_CODE_OK;
    if (x->dtype == TACT_DTYPE_F32)
        cpu_softmax_f32(x->data, out->data, x->nelems / n, n);
    else if (x->dtype == TACT_DTYPE_F64)
        cpu_softmax_f64(x->data, out->data, x->nelems / n, n);
    else
        return cpu_fail_dtype(op, x->dtype, st);
    return TACT_CODE_OK;
}

/* ------------------------------------------------------------------------------------------ */
/* Cast                                                                                       */
/* ------------------------------------------------------------------------------------------ */

/* Float to integer truncates toward zero; NaN and values out of range give the most negative
 * integer, as x86's conversion (and so TensorFlow and numpy there) does, without C's undefined
 * behaviour. */
static inline int32_t cpu_to_i32(double v)
{
    return v > -2147483649.0 && v < 2147483648.0 ? (int32_t) v : INT32_MIN;
}

static inline int64_t cpu_to_i64(double v)
{
    return v >= -9223372036854775808.0 && v < 9223372036854775808.0 ? (int64_t) v : INT64_MIN;
}

/* Bools are read as bytes and tested "!= 0", so any non-zero byte counts as true. */
#define CPU_CAST(name, From, To, EXPR)                                                             \
    static void cpu_cast_##name(const void *restrict vx, void *restrict vo, int64_t n)             \
    {                                                                                              \
        const From *restrict xs = vx;                                                              \
        To *restrict o = vo;                                                                       \
        CPU_LOOP(i, n, {                                                                           \
            const From x = xs[i];                                                                  \
            o[i] = (EXPR);                                                                         \
        });                                                                                        \
    }

CPU_CAST(f32_f64, float, double, (double) x)
CPU_CAST(f32_i32, float, int32_t, cpu_to_i32(x))
CPU_CAST(f32_i64, float, int64_t, cpu_to_i64(x))
CPU_CAST(f32_bool, float, bool, x != 0.0f)
CPU_CAST(f64_f32, double, float, (float) x)
CPU_CAST(f64_i32, double, int32_t, cpu_to_i32(x))
CPU_CAST(f64_i64, double, int64_t, cpu_to_i64(x))
CPU_CAST(f64_bool, double, bool, x != 0.0)
CPU_CAST(i32_f32, int32_t, float, (float) x)
CPU_CAST(i32_f64, int32_t, double, (double) x)
CPU_CAST(i32_i64, int32_t, int64_t, (int64_t) x)
CPU_CAST(i32_bool, int32_t, bool, x != 0)
CPU_CAST(i64_f32, int64_t, float, (float) x)
CPU_CAST(i64_f64, int64_t, double, (double) x)
CPU_CAST(i64_i32, int64_t, int32_t, (int32_t) x)
CPU_CAST(i64_bool, int64_t, bool, x != 0)
CPU_CAST(bool_f32, uint8_t, float, x != 0 ? 1.0f : 0.0f)
CPU_CAST(bool_f64, uint8_t, double, x != 0 ? 1.0 : 0.0)
CPU_CAST(bool_i32, uint8_t, int32_t, x != 0)
CPU_CAST(bool_i64, uint8_t, int64_t, x != 0)
/* The common casts of the narrow dtypes (image bytes to float, float16 weights) get loops of
 * their own; the others go through cpu_cast_narrow. Float to uint8, int8 or int16 truncates to
 * int32 and keeps the low bits, as TensorFlow's CPU Cast does for float32 (300.0 -> 44). */
CPU_CAST(u8_f32, uint8_t, float, (float) x)
CPU_CAST(f32_u8, float, uint8_t, (uint8_t) (uint32_t) cpu_to_i32(x))
CPU_CAST(f16_f32, uint16_t, float, tact__half_to_float(x))
CPU_CAST(f32_f16, float, uint16_t, tact__half_from_float(x))

/* clang-format off */
#define F32 TACT_DTYPE_F32
#define F64 TACT_DTYPE_F64
#define I32 TACT_DTYPE_I32
#define I64 TACT_DTYPE_I64
#define BOOL TACT_DTYPE_BOOL
#define U8 TACT_DTYPE_U8
#define F16 TACT_DTYPE_F16

/* [from][to]; same-dtype casts copy. */
static const cpu_row1_fn cpu_cast_table[TACT_DTYPE_COUNT][TACT_DTYPE_COUNT] = {
    [F32] = { [F64] = cpu_cast_f32_f64, [I32] = cpu_cast_f32_i32, [I64] = cpu_cast_f32_i64,
              [BOOL] = cpu_cast_f32_bool, [U8] = cpu_cast_f32_u8, [F16] = cpu_cast_f32_f16 },
    [F64] = { [F32] = cpu_cast_f64_f32, [I32] = cpu_cast_f64_i32, [I64] = cpu_cast_f64_i64,
              [BOOL] = cpu_cast_f64_bool },
    [I32] = { [F32] = cpu_cast_i32_f32, [F64] = cpu_cast_i32_f64, [I64] = cpu_cast_i32_i64,
              [BOOL] = cpu_cast_i32_bool },
    [I64] = { [F32] = cpu_cast_i64_f32, [F64] = cpu_cast_i64_f64, [I32] = cpu_cast_i64_i32,
              [BOOL] = cpu_cast_i64_bool },
    [BOOL] = { [F32] = cpu_cast_bool_f32, [F64] = cpu_cast_bool_f64, [I32] = cpu_cast_bool_i32,
               [I64] = cpu_cast_bool_i64 },
    [U8] = { [F32] = cpu_cast_u8_f32 },
    [F16] = { [F32] = cpu_cast_f16_f32 },
};

#undef F32
#undef F64
#undef I32
#undef I64
#undef BOOL
#undef U8
#undef F16
/* clang-format on */

static bool cpu_cast_is_narrow(tact_dtype_t dt)
{
    return dt == TACT_DTYPE_U8 || dt == TACT_DTYPE_I8 || dt == TACT_DTYPE_I16 ||
           dt == TACT_DTYPE_F16;
}

static bool cpu_cast_is_float(tact_dtype_t dt)
{
    return dt == TACT_DTYPE_F32 || dt == TACT_DTYPE_F64 || dt == TACT_DTYPE_F16;
}

/* Element i of a float tensor, exactly, as a double. */
static double cpu_cast_load_float(tact_dtype_t dt, const void *x, int64_t i)
{
    switch (dt) {
    case TACT_DTYPE_F32: return ((const float *) x)[i];
    case TACT_DTYPE_F16: return tact__half_to_float(((const uint16_t *) x)[i]);
    default: return ((const double *) x)[i];
    }
}

/* Element i of an integer or bool tensor (a bool byte is true when not 0). */
static int64_t cpu_cast_load_int(tact_dtype_t dt, const void *x, int64_t i)
{
    switch (dt) {
    case TACT_DTYPE_I32: return ((const int32_t *) x)[i];
    case TACT_DTYPE_U8: return ((const uint8_t *) x)[i];
    case TACT_DTYPE_I8: return ((const int8_t *) x)[i];
    case TACT_DTYPE_I16: return ((const int16_t *) x)[i];
    case TACT_DTYPE_BOOL: return ((const uint8_t *) x)[i] != 0;
    default: return ((const int64_t *) x)[i];
    }
}

/* Integer v into element i, keeping its low bits (two's complement), as static_cast does. */
static void cpu_cast_store_int(tact_dtype_t dt, void *o, int64_t i, int64_t v)
{
    uint64_t u = (uint64_t) v;
    switch (dt) {
    case TACT_DTYPE_I32: ((int32_t *) o)[i] = (int32_t) (uint32_t) u; break;
    case TACT_DTYPE_U8: ((uint8_t *) o)[i] = (uint8_t) u; break;
    case TACT_DTYPE_I8: ((int8_t *) o)[i] = (int8_t) (uint8_t) u; break;
    case TACT_DTYPE_I16: ((int16_t *) o)[i] = (int16_t) (uint16_t) u; break;
    case TACT_DTYPE_BOOL: ((bool *) o)[i] = v != 0; break;
    default: ((int64_t *) o)[i] = v; break;
    }
}

/* The casts from or to uint8, int8, int16 and float16 that have no loop in the table, with
 * TensorFlow's CPU semantics: integers keep their low bits; a float becomes an integer by
 * truncation (int64 directly, the others through int32: NaN and out-of-range values give the
 * most negative int32, then its low bits); anything becomes float16 through float32 (Eigen's
 * half(float(x)), so a double rounds twice, as TensorFlow's does); bool is "!= 0". */
static void cpu_cast_narrow(tact_dtype_t from, tact_dtype_t to, const void *x, void *o,
                            int64_t n)
{
    for (int64_t i = 0; i < n; i++) {
        if (cpu_cast_is_float(from)) {
            double v = cpu_cast_load_float(from, x, i);
            switch (to) {
            case TACT_DTYPE_F32: ((float *) o)[i] = (float) v; break;
            case TACT_DTYPE_F64: ((double *) o)[i] = v; break;
            case TACT_DTYPE_F16: ((uint16_t *) o)[i] = tact__half_from_float((float) v); break;
            case TACT_DTYPE_BOOL: ((bool *) o)[i] = v != 0.0; break;
            case TACT_DTYPE_I64: ((int64_t *) o)[i] = cpu_to_i64(v); break;
            default: cpu_cast_store_int(to, o, i, cpu_to_i32(v)); break;
            }
        } else {
            int64_t v = cpu_cast_load_int(from, x, i);
            switch (to) {
            case TACT_DTYPE_F32: ((float *) o)[i] = (float) v; break;
            case TACT_DTYPE_F64: ((double *) o)[i] = (double) v; break;
            case TACT_DTYPE_F16: ((uint16_t *) o)[i] = tact__half_from_float((float) v); break;
            default: cpu_cast_store_int(to, o, i, v); break;
            }
        }
    }
}

static bool cpu_cast_supported(tact_dtype_t from, tact_dtype_t to)
{
    if (!tact__dtype_valid(from) || !tact__dtype_valid(to))
        return false;
    if (from == to)
        return true; /* a copy; strings element by element */
    if (cpu_cast_table[from][to] != NULL)
        return true;
    return (cpu_cast_is_narrow(from) || cpu_cast_is_narrow(to)) &&
           from != TACT_DTYPE_STRING && to != TACT_DTYPE_STRING;
}

static tact_code_t cpu_cast(const tact_op_t *op, const tact_tensor_t *const *in, tact_tensor_t *out,
                            tact_status_t *st)
{
    tact_dtype_t from = in[0]->dtype;
    tact_dtype_t to = out->dtype;
    if (!cpu_cast_supported(from, to))
        return cpu_fail_dtype(op, from, st);
    if (from == to) {
        tact__tensor_copy_elements(out, 0, in[0], 0, out->nelems);
    } else if (cpu_cast_table[from][to] != NULL) {
        cpu_cast_table[from][to](in[0]->data, out->data, out->nelems);
    } else {
        cpu_cast_narrow(from, to, in[0]->data, out->data, out->nelems);
    }
    return TACT_CODE_OK;
}

/* ------------------------------------------------------------------------------------------ */
/* Sum and Mean                                                                               */
/* ------------------------------------------------------------------------------------------ */

/* Accumulators: double for floats; uint64_t for integers, which wraps like TensorFlow's int
 * sums and holds an int32 sum exactly, so an int32 mean is the exact sum divided (truncating)
 * by the count. */
typedef struct cpu_reduce_fns {
    void (*sum_row)(const void *restrict x, int64_t n, void *restrict acc); /* acc[0] += sum */
    void (*add_row)(const void *restrict x, int64_t n, void *restrict acc); /* acc[i] += x[i] */
} cpu_reduce_fns_t;

#define CPU_REDUCE(name, T, Acc)                                                                   \
    static void cpu_sum_row_##name(const void *restrict vx, int64_t n, void *restrict vacc)        \
    {                                                                                              \
        const T *restrict x = vx;                                                                  \
        Acc s = 0;                                                                                 \
        for (int64_t i = 0; i < n; i++)                                                            \
            s += (Acc) x[i];                                                                       \
        *(Acc *) vacc += s;                                                                        \
    }                                                                                              \
    static void cpu_add_row_##name(const void *restrict vx, int64_t n, void *restrict vacc)        \
    {                                                                                              \
        const T *restrict x = vx;                                                                  \
        Acc *restrict acc = vacc;                                                                  \
        CPU_LOOP(i, n, { acc[i] += (Acc) x[i]; });                                                 \
    }

CPU_REDUCE(f32, float, double)
CPU_REDUCE(f64, double, double)
CPU_REDUCE(i32, int32_t, uint64_t)
CPU_REDUCE(i64, int64_t, uint64_t)

static const cpu_reduce_fns_t cpu_reduce_table[TACT_DTYPE_COUNT] = {
    [TACT_DTYPE_F32] = {cpu_sum_row_f32, cpu_add_row_f32},
    [TACT_DTYPE_F64] = {cpu_sum_row_f64, cpu_add_row_f64},
    [TACT_DTYPE_I32] = {cpu_sum_row_i32, cpu_add_row_i32},
    [TACT_DTYPE_I64] = {cpu_sum_row_i64, cpu_add_row_i64},
};

/* out[i] = acc[i], or acc[i] / count for a mean. A float mean over nothing is NaN (0 / 0, as
 * in TensorFlow); an integer one is 0. */
static void cpu_reduce_finish(tact_dtype_t dtype, const void *vacc, int64_t n, int64_t count,
                              bool mean, void *vout)
{
    switch (dtype) {
    case TACT_DTYPE_F32: {
        const double *acc = vacc;
        float *o = vout;
        for (int64_t i = 0; i < n; i++)
            o[i] = (float) (mean ? acc[i] / (double) count : acc[i]);
        break;
    }
    case TACT_DTYPE_F64: {
        const double *acc = vacc;
        double *o = vout;
        for (int64_t i = 0; i < n; i++)
            o[i] = mean ? acc[i] / (double) count : acc[i];
        break;
    }
    case TACT_DTYPE_I32: {
        const uint64_t *acc = vacc;
        int32_t *o = vout;
        for (int64_t i = 0; i < n; i++) {
            if (!mean)
                o[i] = (int32_t) (uint32_t) acc[i];
            else
                o[i] = count > 0 ? (int32_t) ((int64_t) acc[i] / count) : 0;
        }
        break;
    }
    default: {
        TACT_ASSERT(dtype == TACT_DTYPE_I64);
        const uint64_t *acc = vacc;
        int64_t *o = vout;
        for (int64_t i = 0; i < n; i++) {
            if (!mean)
                o[i] = (int64_t) acc[i];
            else
                o[i] = count > 0 ? (int64_t) acc[i] / count : 0;
        }
        break;
    }
    }
}

/* The input's axes are merged into runs that are all reduced or all kept (size-1 axes dropped).
 * Each innermost run is then one loop: summed into one accumulator when reduced, added
 * element-wise into a row of accumulators when kept. */
static tact_code_t cpu_reduce(const tact_op_t *op, const tact_tensor_t *const *in,
                              tact_tensor_t *out, tact_status_t *st)
{
    const tact_tensor_t *x = in[0];
    const cpu_reduce_fns_t *fns = &cpu_reduce_table[x->dtype];
    if (fns->sum_row == NULL)
        return cpu_fail_dtype(op, x->dtype, st);
    if (out->nelems == 0)
        return TACT_CODE_OK;

    int64_t dims[TACT_MAX_DIMS];
    bool red[TACT_MAX_DIMS];
    int n = tact__reduce_groups(x, &op->attrs, dims, red);

    /* Both accumulator types (double, int64) are 8 bytes. */
    bool floats = x->dtype == TACT_DTYPE_F32 || x->dtype == TACT_DTYPE_F64;
    char *acc = cpu_scratch(out->nelems, floats ? TACT_DTYPE_F64 : TACT_DTYPE_I64, st);
    if (acc == NULL)
        return st->code;
    memset(acc, 0, (size_t) out->nelems * 8);  /* add_row adds into it */
    const char *px = x->data;
    size_t esz = tact_dtype_size(x->dtype);
    if (x->nelems > 0 && n == 0) {
        fns->sum_row(px, 1, acc);
    } else if (x->nelems > 0) {
        int64_t stride[TACT_MAX_DIMS];
        int64_t e = 1;
        for (int i = n - 1; i >= 0; i--) {
            stride[i] = red[i] ? 0 : e;
            e *= red[i] ? 1 : dims[i];
        }
        int last = n - 1;
        int64_t inner = dims[last];
        int64_t rows = x->nelems / inner;
        int64_t idx[TACT_MAX_DIMS] = {0};
        int64_t oo = 0;
        for (int64_t row = 0; row < rows; row++) {
            const char *xr = px + (size_t) (row * inner) * esz;
            if (red[last])
                fns->sum_row(xr, inner, acc + (size_t) oo * 8);
            else
                fns->add_row(xr, inner, acc + (size_t) oo * 8);
            for (int d = last - 1; d >= 0; d--) {
                oo += stride[d];
                if (++idx[d] < dims[d])
                    break;
                oo -= stride[d] * dims[d];
                idx[d] = 0;
            }
        }
    }
    cpu_reduce_finish(x->dtype, acc, out->nelems, x->nelems / out->nelems, op->kind == TACT_OP_MEAN,
                      out->data);
    tact__host_free(acc, (size_t) out->nelems * 8);
    return TACT_CODE_OK;
}

/* ------------------------------------------------------------------------------------------ */
/* Transpose                                                                                  */
/* ------------------------------------------------------------------------------------------ */

/* Moves of 1-, 4- and 8-byte elements (bool; float32, int32; float64, int64, and the indices
 * of string elements). The 2-D case goes in 32x32 tiles so both sides stay in cache; the
 * general case walks the output in order, reading the input through the permuted strides. */
#define CPU_TRANSPOSE(name, T)                                                                     \
    static void cpu_transpose2d_##name(const void *restrict vx, void *restrict vo, int64_t rows,   \
                                       int64_t cols)                                               \
    {                                                                                              \
        const T *restrict x = vx;                                                                  \
        T *restrict o = vo;                                                                        \
        for (int64_t i0 = 0; i0 < rows; i0 += 32) {                                                \
            int64_t i1 = i0 + 32 < rows ? i0 + 32 : rows;                                          \
            for (int64_t j0 = 0; j0 < cols; j0 += 32) {                                            \
                int64_t j1 = j0 + 32 < cols ? j0 + 32 : cols;                                      \
                for (int64_t j = j0; j < j1; j++)                                                  \
                    for (int64_t i = i0; i < i1; i++)                                              \
                        o[j * rows + i] = x[i * cols + j];                                         \
            }                                                                                      \
        }                                                                                          \
    }                                                                                              \
    static void cpu_transposend_##name(const void *restrict vx, void *restrict vo, int n,          \
                                       const int64_t *dims, const int64_t *strides, int64_t total) \
    {                                                                                              \
        const T *restrict x = vx;                                                                  \
        T *restrict o = vo;                                                                        \
        int64_t inner = dims[n - 1];                                                               \
        int64_t s = strides[n - 1];                                                                \
        int64_t idx[TACT_MAX_DIMS] = {0};                                                          \
        int64_t off = 0;                                                                           \
        for (int64_t row = 0; row < total / inner; row++, o += inner) {                            \
            for (int64_t j = 0; j < inner; j++)                                                    \
                o[j] = x[off + j * s];                                                             \
            for (int d = n - 2; d >= 0; d--) {                                                     \
                off += strides[d];                                                                 \
                if (++idx[d] < dims[d])                                                            \
                    break;                                                                         \
                off -= strides[d] * dims[d];                                                       \
                idx[d] = 0;                                                                        \
            }                                                                                      \
        }                                                                                          \
    }

CPU_TRANSPOSE(u8, uint8_t)
CPU_TRANSPOSE(u32, uint32_t)
CPU_TRANSPOSE(u64, uint64_t)

static tact_code_t cpu_transpose(const tact_op_t *op, const tact_tensor_t *const *in,
                                 tact_tensor_t *out, tact_status_t *st)
{
    const tact_tensor_t *x = in[0];
    bool strings = x->dtype == TACT_DTYPE_STRING;
    size_t esz = tact_dtype_size(x->dtype);
    if (!strings && esz != 1 && esz != 4 && esz != 8)
        return cpu_fail_dtype(op, x->dtype, st);
    if (x->nelems == 0)
        return TACT_CODE_OK;

    int64_t gdim[TACT_MAX_DIMS];
    int64_t gstride[TACT_MAX_DIMS];
    int ng = tact__transpose_groups(x, &op->attrs, gdim, gstride);
    if (ng <= 1) {
        tact__tensor_copy_elements(out, 0, x, 0, x->nelems);
        return TACT_CODE_OK;
    }

    /* Strings: the same moves on the elements' indices, then each output element copies the
     * string its index names (an element owns its bytes, so pointers are never moved). */
    const void *src = x->data;
    void *dst = out->data;
    int64_t *idx = NULL;
    if (strings) {
        idx = cpu_scratch(x->nelems <= INT64_MAX / 2 ? x->nelems * 2 : -1, TACT_DTYPE_I64, st);
        if (idx == NULL)
            return st->code;
        for (int64_t i = 0; i < x->nelems; i++)
            idx[i] = i;
        src = idx;
        dst = idx + x->nelems;
        esz = sizeof *idx;
    }
    if (ng == 2) {
        /* The input is [gdim[1], gdim[0]] and the output its transpose. */
        switch (esz) {
        case 1:
            cpu_transpose2d_u8(src, dst, gdim[1], gdim[0]);
            break;
        case 4:
            cpu_transpose2d_u32(src, dst, gdim[1], gdim[0]);
            break;
        default:
            cpu_transpose2d_u64(src, dst, gdim[1], gdim[0]);
            break;
        }
    } else {
        switch (esz) {
        case 1:
            cpu_transposend_u8(src, dst, ng, gdim, gstride, x->nelems);
            break;
        case 4:
            cpu_transposend_u32(src, dst, ng, gdim, gstride, x->nelems);
            break;
        default:
            cpu_transposend_u64(src, dst, ng, gdim, gstride, x->nelems);
            break;
        }
    }
    if (strings) {
        const int64_t *from = idx + x->nelems;
        for (int64_t i = 0; i < x->nelems; i++)
            tact__tensor_copy_elements(out, i, x, from[i], 1);
        tact__host_free(idx, (size_t) x->nelems * 2 * sizeof *idx);
    }
    return TACT_CODE_OK;
}

/* ------------------------------------------------------------------------------------------ */
/* MatMul                                                                                     */
/* ------------------------------------------------------------------------------------------ */

static inline float cpu_madd_f32(float c, float a, float b)
{
    return c + a * b;
}

static inline double cpu_madd_f64(double c, double a, double b)
{
    return c + a * b;
}

static inline int32_t cpu_madd_i32(int32_t c, int32_t a, int32_t b)
{
    return (int32_t) ((uint32_t) c + (uint32_t) a * (uint32_t) b);
}

static inline int64_t cpu_madd_i64(int64_t c, int64_t a, int64_t b)
{
    return (int64_t) ((uint64_t) c + (uint64_t) a * (uint64_t) b);
}

/* C[m,n] = op(A) op(B) with A stored [.., lda] and B [.., ldb], row-major. Without transpose_b
 * the i-k-j order streams rows of B and C (vectorised); with it each C element is a dot
 * product of two contiguous rows when A is not transposed either. */
#define CPU_MATMUL(name, T)                                                                        \
    static void cpu_matmul_##name(const T *restrict a, const T *restrict b, T *restrict c,         \
                                  int64_t m, int64_t n, int64_t k, int64_t lda, int64_t ldb,       \
                                  bool ta, bool tb)                                                \
    {                                                                                              \
        for (int64_t i = 0; i < m; i++) {                                                          \
            T *restrict ci = c + i * n;                                                            \
            if (!tb) {                                                                             \
                CPU_LOOP(j, n, { ci[j] = 0; });                                                    \
                for (int64_t p = 0; p < k; p++) {                                                  \
                    const T aip = ta ? a[p * lda + i] : a[i * lda + p];                            \
                    const T *restrict bp = b + p * ldb;                                            \
                    CPU_LOOP(j, n, { ci[j] = cpu_madd_##name(ci[j], aip, bp[j]); });               \
                }                                                                                  \
            } else {                                                                               \
                for (int64_t j = 0; j < n; j++) {                                                  \
                    const T *restrict bj = b + j * ldb;                                            \
                    T s = 0;                                                                       \
                    for (int64_t p = 0; p < k; p++)                                                \
                        s = cpu_madd_##name(s, ta ? a[p * lda + i] : a[i * lda + p], bj[p]);       \
                    ci[j] = s;                                                                     \
                }                                                                                  \
            }                                                                                      \
        }                                                                                          \
    }

CPU_MATMUL(f32, float)
CPU_MATMUL(f64, double)
CPU_MATMUL(i32, int32_t)
CPU_MATMUL(i64, int64_t)

/* Floats go to OpenBLAS (transposes as CblasTrans: no copies) whenever the sizes fit its int
 * arguments; an empty inner dimension gives zeros without a BLAS call. */
static tact_code_t cpu_matmul(const tact_op_t *op, const tact_tensor_t *const *in,
                              tact_tensor_t *out, tact_status_t *st)
{
    const tact_tensor_t *a = in[0];
    const tact_tensor_t *b = in[1];
    bool ta = op->attrs.transpose_a;
    bool tb = op->attrs.transpose_b;
    if (!cpu_numeric(a->dtype) || b->dtype != a->dtype)
        return cpu_fail_dtype(op, a->dtype, st);
    TACT_ASSERT(a->ndims == 2 && b->ndims == 2 && out->ndims == 2);
    int64_t m = out->dims[0];
    int64_t n = out->dims[1];
    int64_t k = ta ? a->dims[0] : a->dims[1];
    int64_t lda = a->dims[1];
    int64_t ldb = b->dims[1];
    if (out->nelems == 0)
        return TACT_CODE_OK;
    if (k == 0) {
        memset(out->data, 0, out->nbytes);
        return TACT_CODE_OK;
    }
    bool blas = m <= INT_MAX && n <= INT_MAX && k <= INT_MAX && lda <= INT_MAX && ldb <= INT_MAX;
    enum CBLAS_TRANSPOSE cta = ta ? CblasTrans : CblasNoTrans;
    enum CBLAS_TRANSPOSE ctb = tb ? CblasTrans : CblasNoTrans;
    /* One row or one column: a matrix-vector product. sgemm would pack the whole matrix for
     * it (three times slower at batch 1); gemv streams it once. Both vectors are contiguous
     * whatever the transposes. */
    if (blas && (m == 1 || n == 1) && (a->dtype == TACT_DTYPE_F32 || a->dtype == TACT_DTYPE_F64)) {
        bool f32 = a->dtype == TACT_DTYPE_F32;
        const void *mat = m == 1 ? b->data : a->data, *vec = m == 1 ? a->data : b->data;
        /* m == 1: y[n] = op(B)^T-wise; B is stored [k, n] (or [n, k] when transposed). */
        bool trans = m == 1 ? !tb : ta;
        int rows = (int) (m == 1 ? (tb ? n : k) : (ta ? k : m));
        int cols = (int) (m == 1 ? (tb ? k : n) : (ta ? m : k));
        if (f32)
            cblas_sgemv(CblasRowMajor, trans ? CblasTrans : CblasNoTrans, rows, cols, 1.0f, mat,
                        cols, vec, 1, 0.0f, out->data, 1);
        else
            cblas_dgemv(CblasRowMajor, trans ? CblasTrans : CblasNoTrans, rows, cols, 1.0, mat,
                        cols, vec, 1, 0.0, out->data, 1);
        return TACT_CODE_OK;
    }
    switch (a->dtype) {
    case TACT_DTYPE_F32:
        if (blas)
            cblas_sgemm(CblasRowMajor, cta, ctb, (int) m, (int) n, (int) k, 1.0f, a->data,
                        (int) lda, b->data, (int) ldb, 0.0f, out->data, (int) n);
        else
            cpu_matmul_f32(a->data, b->data, out->data, m, n, k, lda, ldb, ta, tb);
        break;
    case TACT_DTYPE_F64:
        if (blas)
            cblas_dgemm(CblasRowMajor, cta, ctb, (int) m, (int) n, (int) k, 1.0, a->data, (int) lda,
                        b->data, (int) ldb, 0.0, out->data, (int) n);
        else
            cpu_matmul_f64(a->data, b->data, out->data, m, n, k, lda, ldb, ta, tb);
        break;
    case TACT_DTYPE_I32:
        cpu_matmul_i32(a->data, b->data, out->data, m, n, k, lda, ldb, ta, tb);
        break;
    default:
        cpu_matmul_i64(a->data, b->data, out->data, m, n, k, lda, ldb, ta, tb);
        break;
    }
    return TACT_CODE_OK;
}

/* ------------------------------------------------------------------------------------------ */
/* Fill and random numbers                                                                    */
/* ------------------------------------------------------------------------------------------ */

/* Fill: the scalar's bytes repeated. */
static tact_code_t cpu_fill(const tact_op_t *op, const tact_tensor_t *const *in, tact_tensor_t *out,
                            tact_status_t *st)
{
    TACT_UNUSED(in);
    const tact_tensor_t *v = op->attrs.value;
    if (v == NULL || v->dtype != out->dtype)
        return cpu_fail_dtype(op, out->dtype, st);
    switch (tact_dtype_size(out->dtype)) {
    case 1: {
        uint8_t x;
        memcpy(&x, v->data, 1);
        if (out->nbytes > 0)
            memset(out->data, x, out->nbytes);
        break;
    }
    case 4: {
        uint32_t x;
        memcpy(&x, v->data, 4);
        uint32_t *restrict o = out->data;
        CPU_LOOP(i, out->nelems, { o[i] = x; });
        break;
    }
    case 8: {
        uint64_t x;
        memcpy(&x, v->data, 8);
        uint64_t *restrict o = out->data;
        CPU_LOOP(i, out->nelems, { o[i] = x; });
        break;
    }
    default:
        return cpu_fail_dtype(op, out->dtype, st);
    }
    return TACT_CODE_OK;
}

/* The random kernels follow TensorFlow's CPU kernels (random_op.cc) element for element: the
 * stream is Philox(seed, seed2) moved on by attrs.rng_skip blocks (the executor's per-session
 * position), the fixed-size distributions take one block per group of outputs (4 floats or 2
 * doubles), and TruncatedNormal restarts its group g at block g * 256 (floats) or g * 128
 * (doubles) and rejects samples with |x| >= 2. Then, as tf.random_uniform and tf.random_normal
 * do with two more ops, x * (maxval - minval) + minval or x * stddev + mean, in the output's
 * precision (written as two statements, so that no fused multiply-add changes the rounding). */
#define CPU_RANDOM_GROUP_SKIP 256

static tact_philox_t cpu_random_gen(const tact_op_t *op)
{
    tact_philox_t gen = tact__philox_init((uint64_t) op->attrs.seed, (uint64_t) op->attrs.seed2);
    tact__philox_skip(&gen, op->attrs.rng_skip);
    return gen;
}

static void cpu_uniform_f32(const tact_op_t *op, float *o, int64_t n)
{
    tact_philox_t gen = cpu_random_gen(op);
    const float lo = (float) op->attrs.rand_a;
    const float range = (float) op->attrs.rand_b - lo;
    for (int64_t i = 0; i < n; i += 4) {
        uint32_t x[4];
        tact__philox_next(&gen, x);
        for (int j = 0; j < 4 && i + j < n; j++) {
            const float scaled = tact__philox_float(x[j]) * range;
            o[i + j] = scaled + lo;
        }
    }
}

static void cpu_uniform_f64(const tact_op_t *op, double *o, int64_t n)
{
    tact_philox_t gen = cpu_random_gen(op);
    const double lo = op->attrs.rand_a;
    const double range = op->attrs.rand_b - lo;
    for (int64_t i = 0; i < n; i += 2) {
        uint32_t x[4];
        tact__philox_next(&gen, x);
        for (int j = 0; j < 2 && i + j < n; j++) {
            const double scaled = tact__philox_double(x[2 * j], x[2 * j + 1]) * range;
            o[i + j] = scaled + lo;
        }
    }
}

static void cpu_normal_f32(const tact_op_t *op, float *o, int64_t n)
{
    tact_philox_t gen = cpu_random_gen(op);
    const float mean = (float) op->attrs.rand_a;
    const float stddev = (float) op->attrs.rand_b;
    for (int64_t i = 0; i < n; i += 4) {
        uint32_t x[4];
        float f[4];
        tact__philox_next(&gen, x);
        tact__philox_box_muller_f32(x[0], x[1], &f[0], &f[1]);
        tact__philox_box_muller_f32(x[2], x[3], &f[2], &f[3]);
        for (int j = 0; j < 4 && i + j < n; j++) {
            const float scaled = f[j] * stddev;
            o[i + j] = scaled + mean;
        }
    }
}

static void cpu_normal_f64(const tact_op_t *op, double *o, int64_t n)
{
    tact_philox_t gen = cpu_random_gen(op);
    const double mean = op->attrs.rand_a;
    const double stddev = op->attrs.rand_b;
    for (int64_t i = 0; i < n; i += 2) {
        uint32_t x[4];
        double d[2];
        tact__philox_next(&gen, x);
        tact__philox_box_muller_f64(x[0], x[1], x[2], x[3], &d[0], &d[1]);
        for (int j = 0; j < 2 && i + j < n; j++) {
            const double scaled = d[j] * stddev;
            o[i + j] = scaled + mean;
        }
    }
}

static void cpu_truncated_f32(const tact_op_t *op, float *o, int64_t n)
{
    const tact_philox_t base = cpu_random_gen(op);
    const float mean = (float) op->attrs.rand_a;
    const float stddev = (float) op->attrs.rand_b;
    for (int64_t group = 0; group * 4 < n; group++) {
        tact_philox_single_t s = { .gen = base, .used = 4 };
        tact__philox_skip(&s.gen, (uint64_t) group * CPU_RANDOM_GROUP_SKIP);
        float got[4];
        int k = 0;
        while (k < 4) {
            uint32_t x0 = tact__philox_single_next(&s);
            uint32_t x1 = tact__philox_single_next(&s);
            float f[2];
            tact__philox_box_muller_f32(x0, x1, &f[0], &f[1]);
            for (int j = 0; j < 2 && k < 4; j++) {
                if (fabsf(f[j]) < 2.0f)
                    got[k++] = f[j];
            }
        }
        for (int j = 0; j < 4 && group * 4 + j < n; j++) {
            const float scaled = got[j] * stddev;
            o[group * 4 + j] = scaled + mean;
        }
    }
}

static void cpu_truncated_f64(const tact_op_t *op, double *o, int64_t n)
{
    const tact_philox_t base = cpu_random_gen(op);
    const double mean = op->attrs.rand_a;
    const double stddev = op->attrs.rand_b;
    for (int64_t group = 0; group * 2 < n; group++) {
        tact_philox_single_t s = { .gen = base, .used = 4 };
        tact__philox_skip(&s.gen, (uint64_t) group * (CPU_RANDOM_GROUP_SKIP / 2));
        double got[2];
        int k = 0;
        while (k < 2) {
            uint32_t x0 = tact__philox_single_next(&s);
            uint32_t x1 = tact__philox_single_next(&s);
            uint32_t x2 = tact__philox_single_next(&s);
            uint32_t x3 = tact__philox_single_next(&s);
            double d[2];
            tact__philox_box_muller_f64(x0, x1, x2, x3, &d[0], &d[1]);
            for (int j = 0; j < 2 && k < 2; j++) {
                if (fabs(d[j]) < 2.0)
                    got[k++] = d[j];
            }
        }
        for (int j = 0; j < 2 && group * 2 + j < n; j++) {
            const double scaled = got[j] * stddev;
            o[group * 2 + j] = scaled + mean;
        }
    }
}

static tact_code_t cpu_random(const tact_op_t *op, const tact_tensor_t *const *in,
                              tact_tensor_t *out, tact_status_t *st)
{
    TACT_UNUSED(in);
    bool f32 = out->dtype == TACT_DTYPE_F32;
    if (!f32 && out->dtype != TACT_DTYPE_F64)
        return cpu_fail_dtype(op, out->dtype, st);
    switch (op->kind) {
    case TACT_OP_RANDOM_UNIFORM:
        if (f32)
            cpu_uniform_f32(op, out->data, out->nelems);
        else
            cpu_uniform_f64(op, out->data, out->nelems);
        break;
    case TACT_OP_RANDOM_NORMAL:
        if (f32)
            cpu_normal_f32(op, out->data, out->nelems);
        else
            cpu_normal_f64(op, out->data, out->nelems);
        break;
    case TACT_OP_TRUNCATED_NORMAL:
        if (f32)
            cpu_truncated_f32(op, out->data, out->nelems);
        else
            cpu_truncated_f64(op, out->data, out->nelems);
        break;
    default:
        return cpu_fail_dtype(op, out->dtype, st);
    }
    return TACT_CODE_OK;
}

/* ------------------------------------------------------------------------------------------ */
/* Copies, NoOp and the table                                                                 */
/* ------------------------------------------------------------------------------------------ */

/* Identity and Reshape: the same elements under the output's shape (strings copied one by
 * one, never their pointers). */
static tact_code_t cpu_copy(const tact_op_t *op, const tact_tensor_t *const *in, tact_tensor_t *out,
                            tact_status_t *st)
{
    if (in[0]->dtype != out->dtype)
        return cpu_fail_dtype(op, in[0]->dtype, st);
    TACT_ASSERT(in[0]->nelems == out->nelems);
    tact__tensor_copy_elements(out, 0, in[0], 0, out->nelems);
    return TACT_CODE_OK;
}

static tact_code_t cpu_noop(const tact_op_t *op, const tact_tensor_t *const *in, tact_tensor_t *out,
                            tact_status_t *st)
{
    TACT_UNUSED(op);
    TACT_UNUSED(in);
    TACT_UNUSED(out);
    TACT_UNUSED(st);
    return TACT_CODE_OK;
}

static const tact_cpu_kernel_fn cpu_kernels[TACT_OP_COUNT] = {
    [TACT_OP_IDENTITY] = cpu_copy,   [TACT_OP_ADD] = cpu_binary,
    [TACT_OP_SUB] = cpu_binary,      [TACT_OP_MUL] = cpu_binary,
    [TACT_OP_REALDIV] = cpu_binary,  [TACT_OP_DIV] = cpu_binary,
    [TACT_OP_NEG] = cpu_unary,       [TACT_OP_RELU] = cpu_unary,
    [TACT_OP_SIGMOID] = cpu_unary,   [TACT_OP_TANH] = cpu_unary,
    [TACT_OP_SOFTMAX] = cpu_softmax, [TACT_OP_MATMUL] = cpu_matmul,
    [TACT_OP_SUM] = cpu_reduce,      [TACT_OP_MEAN] = cpu_reduce,
    [TACT_OP_RESHAPE] = cpu_copy,    [TACT_OP_TRANSPOSE] = cpu_transpose,
    [TACT_OP_CAST] = cpu_cast,       [TACT_OP_NOOP] = cpu_noop,
    [TACT_OP_FILL] = cpu_fill,       [TACT_OP_RANDOM_UNIFORM] = cpu_random,
    [TACT_OP_RANDOM_NORMAL] = cpu_random, [TACT_OP_TRUNCATED_NORMAL] = cpu_random,
};

tact_cpu_kernel_fn tact__cpu_kernel(tact_op_kind_t kind)
{
    TACT_ASSERT((unsigned) kind < (unsigned) TACT_OP_COUNT);
    return cpu_kernels[kind];
}

bool tact__cpu_kernel_supports(const tact_op_t *op)
{
    TACT_ASSERT(op != NULL && (unsigned) op->kind < (unsigned) TACT_OP_COUNT);
    /* Sources have no kernel but live in host memory: the executor binds their values. */
    if (op->kind == TACT_OP_CONST || op->kind == TACT_OP_PLACEHOLDER || op->kind == TACT_OP_NOOP)
        return true;
    /* Variables live in the session's host resources; the executor reads and assigns them
     * (AssignAdd and AssignSub through Add's and Sub's loops). */
    if (op->kind == TACT_OP_VARIABLE || op->kind == TACT_OP_ASSIGN)
        return tact__dtype_valid(op->out_dtype[0]); /* values are cloned: strings too */
    /* Queues live in the session's host resources; the executor runs their ops. */
    if (op->kind == TACT_OP_QUEUE || tact__op_kind_uses_queue(op->kind) ||
        tact__op_kind_is_reader(op->kind) || op->kind == TACT_OP_READER_READ)
        return true;
    if (op->kind == TACT_OP_ASSIGN_ADD || op->kind == TACT_OP_ASSIGN_SUB)
        return cpu_binary_table[TACT_OP_ADD][op->out_dtype[0]].vv != NULL;
    /* Fill and the random ops have no inputs: their attributes give the output. */
    if (op->kind == TACT_OP_FILL)
        return tact_dtype_size(op->out_dtype[0]) > 0;
    if (tact__op_kind_random(op->kind))
        return op->out_dtype[0] == TACT_DTYPE_F32 || op->out_dtype[0] == TACT_DTYPE_F64;
    TACT_ASSERT(op->n_inputs >= 1);
    for (int i = 0; i < op->n_inputs; i++)
        TACT_ASSERT(op->inputs[i].op != NULL);
    const tact_op_t *src = op->inputs[0].op;
    tact_dtype_t dt = src->out_dtype[op->inputs[0].index];
    if (!tact__dtype_valid(dt))
        return false;
    /* A shape, perm or axes given as a tensor (attrs.value_inputs) is read on the host. */
    for (int i = 1; i < op->n_inputs && !op->attrs.value_inputs; i++) {
        if (op->inputs[i].op->out_dtype[op->inputs[i].index] != dt)
            return false;
    }
    switch (op->kind) {
    case TACT_OP_IDENTITY:
    case TACT_OP_RESHAPE:
    case TACT_OP_TRANSPOSE:
        return true; /* every dtype, strings included */
    case TACT_OP_ADD:
    case TACT_OP_SUB:
    case TACT_OP_MUL:
    case TACT_OP_REALDIV:
    case TACT_OP_DIV:
        return cpu_binary_table[op->kind][dt].vv != NULL;
    case TACT_OP_NEG:
    case TACT_OP_RELU:
    case TACT_OP_SIGMOID:
    case TACT_OP_TANH:
        return cpu_unary_table[op->kind][dt] != NULL;
    case TACT_OP_SOFTMAX:
        return dt == TACT_DTYPE_F32 || dt == TACT_DTYPE_F64;
    case TACT_OP_MATMUL:
        return cpu_numeric(dt);
    case TACT_OP_SUM:
    case TACT_OP_MEAN:
        return cpu_reduce_table[dt].sum_row != NULL;
    case TACT_OP_CAST:
        return cpu_cast_supported(dt, op->attrs.dtype);
    default:
        return false;
    }
}
