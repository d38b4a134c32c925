/* SPDX-License-Identifier: MIT */
/* What the CUDA kernels (kernels.cu) compute, element by element: which input elements make
 * each output element and the arithmetic on them, as __host__ __device__ functions. The
 * kernels call them on the GPU; tests/test_cuda_host.cu calls them on the CPU for every output
 * element and compares with the CPU kernels, so the kernels' indexing and arithmetic are tested
 * where no GPU is present. What stays in kernels.cu is how the work is spread over threads
 * (grid-stride loops, a block per row, warp-shuffle reductions, shared-memory tiles). The
 * per-thread loops here take `first` and `step`: threadIdx.x and blockDim.x in a kernel.
 * C++17 (if constexpr), for .cu files only. */
#ifndef TACT_DEVICES_CUDA_KERNEL_MATH_CUH
#define TACT_DEVICES_CUDA_KERNEL_MATH_CUH

#include "devices/cuda/cuda_kernels.h"

#include <math.h>
#include <stdint.h>
#include <string.h>

#define KN_HD static __host__ __device__ __forceinline__

#define KN_THREADS    256   /* threads per block of the element-wise kernels and Softmax */
#define KN_MAX_BLOCKS 65535 /* blocks per grid at most; grid-stride loops do the rest */
#define KN_TILE       32    /* the 2-D transpose's tiles are KN_TILE x KN_TILE elements */

/* ------------------------------------------------------------------------------------------ */
/* Launch sizes (host)                                                                        */
/* ------------------------------------------------------------------------------------------ */

/* Blocks for a grid-stride loop over n elements. REQUIRES: n > 0. */
static inline int kn_blocks(int64_t n, int per_block)
{
    int64_t b = (n + per_block - 1) / per_block;
    return (int) (b < KN_MAX_BLOCKS ? b : KN_MAX_BLOCKS);
}

/* Blocks for n units of one block each (rows, output elements, tiles), looped over beyond
 * KN_MAX_BLOCKS. REQUIRES: n > 0. */
static inline int kn_grid(int64_t n)
{
    return (int) (n < KN_MAX_BLOCKS ? n : KN_MAX_BLOCKS);
}

/* A reduction's block: whole warps, at least as many threads as there are elements, up to
 * KN_THREADS. */
static inline int kn_reduce_threads(int64_t n_red)
{
    int threads = 32;
    while (threads < KN_THREADS && threads < n_red)
        threads *= 2;
    return threads;
}

/* Softmax rows of at most this many columns go a warp per row (KN_THREADS / 32 rows per
 * block), longer ones a block per row: a block of 256 threads would idle on a short row. */
#define KN_SOFTMAX_WARP_COLS 256

static inline bool kn_softmax_per_warp(int64_t cols)
{
    return cols <= KN_SOFTMAX_WARP_COLS;
}

/* An outer-axis reduction runs a thread per output when it has outputs enough to keep a good
 * share of the GPU busy and each thread few elements to combine in sequence: a tall one (many
 * elements, few thousand outputs) is latency-bound that way and goes the column way instead. */
#define KN_REDUCE_PER_THREAD_MIN_OUTPUTS 4096
#define KN_REDUCE_PER_THREAD_MAX_ELEMS   1024
/* A split reduction aims at about this many blocks in its first pass (a few per SM), each
 * adding at least KN_REDUCE_SPLIT_MIN_CHUNK elements; its partial sums fit the backend's
 * scratch (TACT_CUDA_REDUCE_SCRATCH_BYTES). */
#define KN_REDUCE_SPLIT_BLOCKS    512
#define KN_REDUCE_SPLIT_MIN_CHUNK 4096

/* How many parts each output of a block-per-output reduction is split into: 1 (no split)
 * unless the outputs are too few to give every SM a block and each has elements enough for
 * several blocks. At most KN_REDUCE_SPLIT_BLOCKS parts in all. */
static inline int kn_reduce_splits(int64_t n_out, int64_t n_red)
{
    if (n_out <= 0 || n_out >= KN_REDUCE_SPLIT_BLOCKS / 2)
        return 1;
    int64_t by_blocks = KN_REDUCE_SPLIT_BLOCKS / n_out;
    int64_t by_size = n_red / KN_REDUCE_SPLIT_MIN_CHUNK;
    int64_t splits = by_blocks < by_size ? by_blocks : by_size;
    return splits > 1 ? (int) splits : 1;
}

/* Whether a reduction runs one thread per output element (adding its elements in order, as
 * the CPU does) rather than one block per output: when there are few elements per output (a
 * block would idle most of its threads), or when the reduced elements of an output lie far
 * apart while neighbouring outputs are adjacent (a sum over an outer axis, such as a bias's
 * gradient) with outputs enough and elements few enough, so that a warp reads consecutive
 * addresses instead of one element per 32-byte sector. */
static inline bool kn_reduce_outer(const tact_cuda_walk_t &keep, const tact_cuda_walk_t &red)
{
    return red.ndims > 0 && red.stride_a[red.ndims - 1] != 1 && keep.ndims > 0 &&
           keep.stride_a[keep.ndims - 1] == 1;
}

static inline bool kn_reduce_per_thread(int64_t n_out, int64_t n_red, const tact_cuda_walk_t &keep,
                                        const tact_cuda_walk_t &red)
{
    if (n_red <= 32)
        return true;
    return kn_reduce_outer(keep, red) && n_out >= KN_REDUCE_PER_THREAD_MIN_OUTPUTS &&
           n_red <= KN_REDUCE_PER_THREAD_MAX_ELEMS;
}

/* Column reductions: an outer-axis reduction not run a thread per output (a tall one: more
 * than KN_REDUCE_PER_THREAD_MAX_ELEMS rows, or fewer outputs) with KN_COL_X outputs or more.
 * A block takes KN_COL_X adjacent outputs with KN_COL_Y threads each: thread (tx, ty) adds
 * rows ty, ty + KN_COL_Y, ... of output j0 + tx, so each warp reads 32 adjacent elements (a
 * block per output would read one element per 32-byte sector), and the KN_COL_Y partial sums
 * of an output are then added in ty order. Fewer groups of KN_COL_X outputs than would fill
 * the GPU (a [1M, 256] sum has 8) split the rows too (kn_reduce_col_splits): part p of every
 * output goes to the scratch, and a second pass adds each output's parts in order. */
#define KN_COL_X        32
#define KN_COL_Y        8
#define KN_COL_MIN_ROWS 512 /* rows per part of a split column reduction, at least */

static inline bool kn_reduce_columns(int64_t n_out, int64_t n_red, const tact_cuda_walk_t &keep,
                                     const tact_cuda_walk_t &red)
{
    return kn_reduce_outer(keep, red) && !kn_reduce_per_thread(n_out, n_red, keep, red) &&
           n_out >= KN_COL_X;
}

/* The parts each column of a column reduction is split into: enough for about
 * KN_REDUCE_SPLIT_BLOCKS blocks, each of at least KN_COL_MIN_ROWS rows, their partial sums (8
 * bytes each) within the scratch; 1 (no split) when the groups alone fill the GPU. */
static inline int kn_reduce_col_splits(int64_t n_out, int64_t n_red)
{
    const int64_t groups = (n_out + KN_COL_X - 1) / KN_COL_X;
    if (n_out <= 0 || groups >= KN_REDUCE_SPLIT_BLOCKS / 2)
        return 1;
    int64_t splits = KN_REDUCE_SPLIT_BLOCKS / groups;
    const int64_t by_rows = n_red / KN_COL_MIN_ROWS;
    const int64_t by_scratch = TACT_CUDA_REDUCE_SCRATCH_BYTES / (8 * n_out);
    splits = splits < by_rows ? splits : by_rows;
    splits = splits < by_scratch ? splits : by_scratch;
    return splits > 1 ? (int) splits : 1;
}

/* ------------------------------------------------------------------------------------------ */
/* Walks                                                                                      */
/* ------------------------------------------------------------------------------------------ */

/* The offset of walk element i in input a (stride_a). One dimension needs no division. */
KN_HD int64_t kn_walk_offset(const tact_cuda_walk_t &w, int64_t i)
{
    if (w.ndims == 1)
        return i * w.stride_a[0];
    int64_t a = 0;
    for (int d = w.ndims - 1; d >= 0; d--) {
        int64_t q = i / w.dims[d];
        a += (i - q * w.dims[d]) * w.stride_a[d];
        i = q;
    }
    return a;
}

/* The offsets of walk element i in both inputs (stride_a, stride_b). */
KN_HD void kn_walk_offsets(const tact_cuda_walk_t &w, int64_t i, int64_t *oa, int64_t *ob)
{
    int64_t a = 0;
    int64_t b = 0;
    for (int d = w.ndims - 1; d >= 0; d--) {
        int64_t q = i / w.dims[d];
        int64_t idx = i - q * w.dims[d];
        a += idx * w.stride_a[d];
        b += idx * w.stride_b[d];
        i = q;
    }
    *oa = a;
    *ob = b;
}

/* ------------------------------------------------------------------------------------------ */
/* 32-bit walks with precomputed divisors                                                     */
/* ------------------------------------------------------------------------------------------ */

/* Division by a fixed d without a divide instruction (Granlund and Montgomery, as PyTorch's
 * IntDivider): q = (umulhi(n, m) + n) >> s for every 0 <= n < 2^31, with s = ceil(log2 d) and
 * m = floor(2^32 (2^s - d) / d) + 1 (which fits 32 bits). A 64-bit division costs dozens of
 * instructions per element and axis on a GPU; this is a multiply, an add and a shift. */
struct kn_fastdiv {
    uint32_t d;
    uint32_t m;
    uint32_t s;
};

/* REQUIRES: 1 <= d <= INT32_MAX. */
static inline kn_fastdiv kn_fastdiv_make(int64_t d)
{
    uint32_t s = 0;
    while (((uint64_t) 1 << s) < (uint64_t) d)
        s++;
    uint64_t m = (((uint64_t) 1 << 32) * (((uint64_t) 1 << s) - (uint64_t) d)) / (uint64_t) d + 1;
    kn_fastdiv f = {(uint32_t) d, (uint32_t) m, s};
    return f;
}

KN_HD uint32_t kn_umulhi(uint32_t a, uint32_t b)
{
#ifdef __CUDA_ARCH__
    return __umulhi(a, b);
#else
    return (uint32_t) (((uint64_t) a * b) >> 32);
#endif
}

/* n / f.d for 0 <= n < 2^31. */
KN_HD uint32_t kn_div(const kn_fastdiv &f, uint32_t n)
{
    return (kn_umulhi(n, f.m) + n) >> f.s;
}

/* How a binary op is launched: the bcast mode, and for STRIDED the 64-bit walk or, when the
 * output and every input offset stay below 2^31, 32-bit indices with precomputed divisors; a
 * row broadcast over rows (a bias add: [rows, cols] op [cols], either side) then needs one
 * division per element instead of two. */
enum {
    KN_B_STRIDED32 = TACT_CUDA_STRIDED + 1, /* walk32 */
    KN_B_ROW_A32,                            /* a is a [cols] row: ia = i % cols, ib = i */
    KN_B_ROW_B32,                            /* b is a [cols] row: ia = i, ib = i % cols */
};

struct kn_bwalk {
    tact_cuda_walk_t w; /* TACT_CUDA_STRIDED */
    bool i32;           /* the 32-bit form below holds (kn_walk32_make) */
    int ndims;          /* the 32-bit form: w's axes with their divisors */
    kn_fastdiv div[TACT_MAX_DIMS];
    uint32_t stride_a[TACT_MAX_DIMS];
    uint32_t stride_b[TACT_MAX_DIMS];
};

/* *bw = w over n elements, with its 32-bit form when n and every offset in a and b stay below
 * 2^31 (then bw->i32 is set and true is returned). A walk over nothing (a sum of no elements)
 * is never indexed and has no divisors. */
static inline bool kn_walk32_make(const tact_cuda_walk_t &w, int64_t n, kn_bwalk *bw)
{
    memset(bw, 0, sizeof *bw);
    bw->w = w;
    int64_t last_a = 0;
    int64_t last_b = 0;
    for (int d = 0; d < w.ndims; d++) {
        last_a += (w.dims[d] - 1) * w.stride_a[d];
        last_b += (w.dims[d] - 1) * w.stride_b[d];
    }
    if (n < 1 || n > INT32_MAX || last_a > INT32_MAX || last_b > INT32_MAX)
        return false;
    bw->i32 = true;
    bw->ndims = w.ndims;
    for (int d = 0; d < w.ndims; d++) {
        bw->div[d] = kn_fastdiv_make(w.dims[d]);
        bw->stride_a[d] = (uint32_t) w.stride_a[d];
        bw->stride_b[d] = (uint32_t) w.stride_b[d];
    }
    return true;
}

/* The launch mode for `mode` and `w` (tact__cuda_binary_walk's) over n outputs; fills *bw. */
static inline int kn_binary_plan(tact_cuda_bcast_t mode, const tact_cuda_walk_t &w, int64_t n,
                                 kn_bwalk *bw)
{
    if (mode != TACT_CUDA_STRIDED) {
        memset(bw, 0, sizeof *bw);
        bw->w = w;
        return mode;
    }
    if (!kn_walk32_make(w, n, bw))
        return TACT_CUDA_STRIDED;
    if (w.ndims == 2 && w.stride_a[1] == 1 && w.stride_b[1] == 1) {
        if (w.stride_b[0] == 0 && w.stride_a[0] == w.dims[1])
            return KN_B_ROW_B32;
        if (w.stride_a[0] == 0 && w.stride_b[0] == w.dims[1])
            return KN_B_ROW_A32;
    }
    return KN_B_STRIDED32;
}

/* The offsets of walk element i (< 2^31) in both inputs, by the 32-bit walk. */
KN_HD void kn_walk32_offsets(const kn_bwalk &bw, uint32_t i, uint32_t *oa, uint32_t *ob)
{
    uint32_t a = 0;
    uint32_t b = 0;
    for (int d = bw.ndims - 1; d >= 0; d--) {
        uint32_t q = kn_div(bw.div[d], i);
        uint32_t idx = i - q * bw.div[d].d;
        a += idx * bw.stride_a[d];
        b += idx * bw.stride_b[d];
        i = q;
    }
    *oa = a;
    *ob = b;
}

/* The offset of walk element i in input a: one axis by a multiply, else by the 32-bit walk
 * where it holds (bw.i32), else by the 64-bit one. A reduction's walks take this per element:
 * the branches are the same for every thread. */
KN_HD int64_t kn_walk_offset_a(const kn_bwalk &bw, int64_t i)
{
    if (bw.w.ndims <= 1 || !bw.i32)
        return kn_walk_offset(bw.w, i);
    uint32_t a;
    uint32_t unused; /* b's: the compiler drops it */
    kn_walk32_offsets(bw, (uint32_t) i, &a, &unused);
    return a;
}

/* ------------------------------------------------------------------------------------------ */
/* Types                                                                                      */
/* ------------------------------------------------------------------------------------------ */

/* Integers compute unsigned, where overflow wraps as defined. */
template <typename T> struct kn_wrap {
    typedef T type;
};
template <> struct kn_wrap<int32_t> {
    typedef uint32_t type;
};
template <> struct kn_wrap<int64_t> {
    typedef uint64_t type;
};

template <typename T> struct kn_float {
    static constexpr bool value = false;
};
template <> struct kn_float<float> {
    static constexpr bool value = true;
};
template <> struct kn_float<double> {
    static constexpr bool value = true;
};

/* The combining steps of the block reductions. */
struct kn_add_fn {
    template <typename T> __host__ __device__ __forceinline__ T operator()(T x, T y) const
    {
        return x + y;
    }
};

/* The CPU's max: a NaN already held stays, a NaN offered is passed over. */
struct kn_max_fn {
    template <typename T> __host__ __device__ __forceinline__ T operator()(T m, T x) const
    {
        return x > m ? x : m;
    }
};

/* ------------------------------------------------------------------------------------------ */
/* Binary ops                                                                                 */
/* ------------------------------------------------------------------------------------------ */

/* The elements of a and b that output element i combines, for each launch mode
 * (kn_binary_plan). */
template <int MODE>
KN_HD void kn_binary_index(const kn_bwalk &bw, int64_t i, int64_t *ia, int64_t *ib)
{
    if constexpr (MODE == TACT_CUDA_SAME) {
        *ia = i;
        *ib = i;
    } else if constexpr (MODE == TACT_CUDA_SCALAR_A) {
        *ia = 0;
        *ib = i;
    } else if constexpr (MODE == TACT_CUDA_SCALAR_B) {
        *ia = i;
        *ib = 0;
    } else if constexpr (MODE == TACT_CUDA_STRIDED) {
        kn_walk_offsets(bw.w, i, ia, ib);
    } else if constexpr (MODE == KN_B_STRIDED32) {
        uint32_t a;
        uint32_t b;
        kn_walk32_offsets(bw, (uint32_t) i, &a, &b);
        *ia = a;
        *ib = b;
    } else {
        const uint32_t u = (uint32_t) i;
        const uint32_t col = u - kn_div(bw.div[1], u) * bw.div[1].d;
        *ia = MODE == KN_B_ROW_A32 ? col : u;
        *ib = MODE == KN_B_ROW_A32 ? u : col;
    }
}

/* Float math by element type: the float32 function for float, the float64 one for double, as
 * the CPU kernels call them (a float through the double function could round differently). */
#define KN_MATH1(name, ff, fd)                                                                     \
    template <typename T> KN_HD T name(T x)                                                        \
    {                                                                                              \
        if constexpr (sizeof(T) == 4)                                                              \
            return ff(x);                                                                          \
        else                                                                                       \
            return fd(x);                                                                          \
    }
#define KN_MATH2(name, ff, fd)                                                                     \
    template <typename T> KN_HD T name(T x, T y)                                                   \
    {                                                                                              \
        if constexpr (sizeof(T) == 4)                                                              \
            return ff(x, y);                                                                       \
        else                                                                                       \
            return fd(x, y);                                                                       \
    }
KN_MATH1(kn_fabs, fabsf, fabs)
KN_MATH1(kn_sqrt, sqrtf, sqrt)
KN_MATH1(kn_log, logf, log)
KN_MATH1(kn_floor, floorf, floor)
KN_MATH1(kn_ceil, ceilf, ceil)
KN_MATH1(kn_rint, rintf, rint)
KN_MATH1(kn_expm1, expm1f, expm1)
KN_MATH1(kn_log1p, log1pf, log1p)
KN_MATH2(kn_pow, powf, pow)
KN_MATH2(kn_fmod, fmodf, fmod)
#undef KN_MATH1
#undef KN_MATH2

/* Comparisons and the logical ops give bool, a byte of 0 or 1; the others the inputs' type. */
template <bool BOOL_OUT, typename T> struct kn_out_if {
    typedef T type;
};
template <typename T> struct kn_out_if<true, T> {
    typedef uint8_t type;
};
template <int OP, typename T>
using kn_binout_t = typename kn_out_if<(OP >= TACT_CUDA_EQUAL), T>::type;

/* What the CPU kernels compute (devices/cpu/kernels.c, kernels/math_kernels.c), element for
 * element. */
template <int OP, typename T> KN_HD kn_binout_t<OP, T> kn_binop(T x, T y)
{
    typedef typename kn_wrap<T>::type U;
    if constexpr (OP == TACT_CUDA_ADD)
        return (T) ((U) x + (U) y);
    else if constexpr (OP == TACT_CUDA_SUB)
        return (T) ((U) x - (U) y);
    else if constexpr (OP == TACT_CUDA_MUL)
        return (T) ((U) x * (U) y);
    else if constexpr (OP == TACT_CUDA_REALDIV)
        return x / y;
    else if constexpr (OP == TACT_CUDA_POW)
        return kn_pow(x, y);
    else if constexpr (OP == TACT_CUDA_MAXIMUM)
        return (x > y || x != x) ? x : y; /* x != x: a NaN x; a NaN y fails x > y */
    else if constexpr (OP == TACT_CUDA_MINIMUM)
        return (x < y || x != x) ? x : y;
    else if constexpr (OP == TACT_CUDA_FLOOR_DIV)
        return kn_floor(x / y);
    else if constexpr (OP == TACT_CUDA_FLOOR_MOD) {
        const T r = kn_fmod(x, y); /* TensorFlow's: fmod moved into the divisor's sign */
        return (r != 0 && ((y < 0) != (r < 0))) ? r + y : r;
    } else if constexpr (OP == TACT_CUDA_SQUARED_DIFFERENCE)
        return (x - y) * (x - y);
    else if constexpr (OP == TACT_CUDA_EQUAL)
        return x == y;
    else if constexpr (OP == TACT_CUDA_NOT_EQUAL)
        return x != y;
    else if constexpr (OP == TACT_CUDA_LESS)
        return x < y;
    else if constexpr (OP == TACT_CUDA_LESS_EQUAL)
        return x <= y;
    else if constexpr (OP == TACT_CUDA_GREATER)
        return x > y;
    else if constexpr (OP == TACT_CUDA_GREATER_EQUAL)
        return x >= y;
    else if constexpr (OP == TACT_CUDA_LOGICAL_AND)
        return x != 0 && y != 0;
    else
        return x != 0 || y != 0; /* LOGICAL_OR */
}

/* ------------------------------------------------------------------------------------------ */
/* Unary ops                                                                                  */
/* ------------------------------------------------------------------------------------------ */

KN_HD float kn_exp(float x)
{
    return expf(x);
}

KN_HD double kn_exp(double x)
{
    return exp(x);
}

/* Stable for any x: exp never overflows because its argument is -|x|. */
KN_HD float kn_sigmoid(float x)
{
    float e = expf(-fabsf(x));
    float r = 1.0f / (1.0f + e);
    return x >= 0.0f ? r : e * r;
}

KN_HD double kn_sigmoid(double x)
{
    double e = exp(-fabs(x));
    double r = 1.0 / (1.0 + e);
    return x >= 0.0 ? r : e * r;
}

KN_HD float kn_tanh(float x)
{
    return tanhf(x);
}

KN_HD double kn_tanh(double x)
{
    return tanh(x);
}

/* TensorFlow's Softplus (core/kernels/softplus_op.h), as the CPU kernel: x itself above
 * -threshold, exp(x) below threshold, log1p(exp(x)) between; threshold = log(epsilon) + 2. */
template <typename T> KN_HD T kn_softplus(T x)
{
    const T threshold = sizeof(T) == 4 ? (T) (logf(0x1p-23f) + 2.0f) : (T) (log(0x1p-52) + 2.0);
    return x > -threshold ? x : x < threshold ? kn_exp(x) : kn_log1p(kn_exp(x));
}

/* `alpha`: LeakyRelu's, taken as T as the CPU kernel does. */
template <int OP, typename T> KN_HD T kn_unop(T x, double alpha = 0.0)
{
    if constexpr (OP == TACT_CUDA_NEG) {
        if constexpr (kn_float<T>::value) {
            return -x; /* not 0 - x, which gives +0 for +0 */
        } else {
            typedef typename kn_wrap<T>::type U;
            return (T) ((U) 0 - (U) x);
        }
    } else if constexpr (OP == TACT_CUDA_RELU) {
        return x < (T) 0 ? (T) 0 : x; /* NaN passes through */
    } else if constexpr (OP == TACT_CUDA_SIGMOID) {
        return kn_sigmoid(x);
    } else if constexpr (OP == TACT_CUDA_TANH) {
        return kn_tanh(x);
    } else if constexpr (OP == TACT_CUDA_ABS) {
        return kn_fabs(x);
    } else if constexpr (OP == TACT_CUDA_SQUARE) {
        return x * x;
    } else if constexpr (OP == TACT_CUDA_SQRT) {
        return kn_sqrt(x);
    } else if constexpr (OP == TACT_CUDA_RSQRT) {
        return (T) 1 / kn_sqrt(x); /* not rsqrt(), which rounds differently from the CPU */
    } else if constexpr (OP == TACT_CUDA_EXP) {
        return kn_exp(x);
    } else if constexpr (OP == TACT_CUDA_LOG) {
        return kn_log(x);
    } else if constexpr (OP == TACT_CUDA_SIGN) {
        return x > (T) 0 ? (T) 1 : x < (T) 0 ? (T) -1 : x; /* zeros and NaN pass through */
    } else if constexpr (OP == TACT_CUDA_FLOOR) {
        return kn_floor(x);
    } else if constexpr (OP == TACT_CUDA_CEIL) {
        return kn_ceil(x);
    } else if constexpr (OP == TACT_CUDA_ROUND) {
        return kn_rint(x); /* the default rounding mode: half to even */
    } else if constexpr (OP == TACT_CUDA_RECIPROCAL) {
        return (T) 1 / x;
    } else if constexpr (OP == TACT_CUDA_RELU6) {
        return x < (T) 0 ? (T) 0 : x > (T) 6 ? (T) 6 : x;
    } else if constexpr (OP == TACT_CUDA_LEAKY_RELU) {
        return x < (T) 0 ? (T) alpha * x : x;
    } else if constexpr (OP == TACT_CUDA_ELU) {
        return x < (T) 0 ? kn_expm1(x) : x;
    } else if constexpr (OP == TACT_CUDA_SOFTPLUS) {
        return kn_softplus(x);
    } else {
        return (T) (x == 0); /* LOGICAL_NOT, on bytes */
    }
}

/* ------------------------------------------------------------------------------------------ */
/* Softmax of one row (xr, orow: its cols elements), in three passes with block reductions    */
/* between them: the max, the exponentials and their sum, the scaling.                        */
/* ------------------------------------------------------------------------------------------ */

/* The max over this thread's elements among columns [c0, c1), starting from xr[0] as the CPU
 * does: then a NaN first element is the max (in every thread, of every part of a split row)
 * and a NaN elsewhere is passed over. */
template <typename T>
KN_HD T kn_softmax_max_range(const T *xr, int64_t c0, int64_t c1, int64_t first, int64_t step)
{
    T m = xr[0];
    for (int64_t j = c0 + first; j < c1; j += step)
        m = kn_max_fn()(m, xr[j]);
    return m;
}

template <typename T>
KN_HD T kn_softmax_max(const T *xr, int64_t cols, int64_t first, int64_t step)
{
    return kn_softmax_max_range(xr, 0, cols, first, step);
}

/* orow[j] = exp(xr[j] - m) for this thread's elements among [c0, c1); returns their sum, in
 * double. */
template <typename T>
KN_HD double kn_softmax_exp_range(const T *xr, T *orow, int64_t c0, int64_t c1, T m,
                                  int64_t first, int64_t step)
{
    double sum = 0.0;
    for (int64_t j = c0 + first; j < c1; j += step) {
        T e = kn_exp(xr[j] - m);
        orow[j] = e;
        sum += e;
    }
    return sum;
}

template <typename T>
KN_HD double kn_softmax_exp(const T *xr, T *orow, int64_t cols, T m, int64_t first,
                            int64_t step)
{
    return kn_softmax_exp_range(xr, orow, 0, cols, m, first, step);
}

/* Split rows: fewer rows than KN_SOFTMAX_SPLIT_MAX_ROWS (a block each would leave most SMs
 * idle: a [4, 1M] softmax used 4 of 132) go over `parts` blocks each, part p taking the
 * columns kn_reduce_split_range gives it, in three passes joined through the scratch: each
 * part's max; the row's max from its parts', each part's exponentials and their sum; the
 * row's sum from its parts', in order, and the scaling. The scratch holds 2 doubles per
 * part. */
#define KN_SOFTMAX_SPLIT_MAX_ROWS 64
#define KN_SOFTMAX_SPLIT_PARTS    256 /* 2 doubles each: 4 KiB of the scratch */
#define KN_SOFTMAX_SPLIT_MIN_COLS 8192

static inline int kn_softmax_splits(int64_t rows, int64_t cols)
{
    if (rows <= 0 || rows > KN_SOFTMAX_SPLIT_MAX_ROWS)
        return 1;
    int64_t by_parts = KN_SOFTMAX_SPLIT_PARTS / rows;
    int64_t by_size = cols / KN_SOFTMAX_SPLIT_MIN_COLS;
    int64_t p = by_parts < by_size ? by_parts : by_size;
    return p > 1 ? (int) p : 1;
}

/* The row's max from its parts' maxima (each started from xr[0], so NaN rules hold). */
template <typename T> KN_HD T kn_softmax_join_max(const double *part_max, int parts)
{
    T m = (T) part_max[0];
    for (int p = 1; p < parts; p++)
        m = kn_max_fn()(m, (T) part_max[p]);
    return m;
}

/* The row's sum of exponentials from its parts' sums, in part order. */
KN_HD double kn_softmax_join_sum(const double *part_sum, int parts)
{
    double s = 0.0;
    for (int p = 0; p < parts; p++)
        s += part_sum[p];
    return s;
}

/* The scale of every element, from the row's sum of exponentials. */
template <typename T> KN_HD T kn_softmax_inv(double sum)
{
    return (T) (1.0 / sum);
}

/* orow[j] *= inv for this thread's elements among [c0, c1) (those that kn_softmax_exp_range
 * wrote with the same first and step). */
template <typename T>
KN_HD void kn_softmax_scale_range(T *orow, int64_t c0, int64_t c1, T inv, int64_t first,
                                  int64_t step)
{
    for (int64_t j = c0 + first; j < c1; j += step)
        orow[j] *= inv;
}

template <typename T>
KN_HD void kn_softmax_scale(T *orow, int64_t cols, T inv, int64_t first, int64_t step)
{
    kn_softmax_scale_range(orow, 0, cols, inv, first, step);
}

/* ------------------------------------------------------------------------------------------ */
/* Reductions: Sum and Mean; Max, Min and Prod                                                */
/* ------------------------------------------------------------------------------------------ */

/* Accumulators: double for floats; 64-bit unsigned for integers, which wraps like the CPU's
 * sums and holds an int32 sum exactly. */
template <typename T> struct kn_acc {
    typedef double type;
};
template <> struct kn_acc<int32_t> {
    typedef unsigned long long type;
};
template <> struct kn_acc<int64_t> {
    typedef unsigned long long type;
};

/* The output of a sum of `count` elements: a mean divides (integers truncate; a float mean of
 * nothing is NaN, an integer one 0), an int32 sum keeps the low 32 bits. */
template <typename T>
KN_HD T kn_reduce_finish(typename kn_acc<T>::type acc, int64_t count, bool mean)
{
    if constexpr (kn_float<T>::value) {
        return (T) (mean ? acc / (double) count : acc);
    } else if constexpr (sizeof(T) == 4) {
        if (!mean)
            return (T) (uint32_t) acc;
        return count > 0 ? (T) ((int64_t) acc / count) : (T) 0;
    } else {
        if (!mean)
            return (T) acc;
        return count > 0 ? (T) ((int64_t) acc / count) : (T) 0;
    }
}

/* The combining step of op (tact_cuda_reduce_t), as the CPU kernel's: a NaN taken in stays,
 * whichever side it comes from, so any order of combining gives it. */
template <int OP> struct kn_reduce_op_fn {
    template <typename T> __host__ __device__ __forceinline__ T operator()(T acc, T v) const
    {
        if constexpr (OP == TACT_CUDA_REDUCE_MAX)
            return (v > acc || v != v) ? v : acc;
        else if constexpr (OP == TACT_CUDA_REDUCE_MIN)
            return (v < acc || v != v) ? v : acc;
        else
            return acc * v;
    }
};

/* The value over nothing, which leaves any value unchanged. */
template <int OP, typename T> KN_HD T kn_reduce_op_ident(void)
{
    if constexpr (OP == TACT_CUDA_REDUCE_MAX)
        return (T) -INFINITY;
    else if constexpr (OP == TACT_CUDA_REDUCE_MIN)
        return (T) INFINITY;
    else
        return (T) 1;
}

/* A reduction's arithmetic, which every reduction kernel takes as its R: the input type In,
 * the accumulator Acc, the combining step Fn (in a thread and across threads and parts), the
 * value over nothing, and the output from the accumulator of n_red elements. */
template <typename T> struct kn_sum {
    typedef T In;
    typedef typename kn_acc<T>::type Acc;
    typedef kn_add_fn Fn;
    bool mean;
    __host__ __device__ __forceinline__ Acc ident() const { return 0; }
    __host__ __device__ __forceinline__ T finish(Acc acc, int64_t n_red) const
    {
        return kn_reduce_finish<T>(acc, n_red, mean);
    }
};

/* Max, Min or Prod (OP), in the input's own type. */
template <int OP, typename T> struct kn_fold {
    typedef T In;
    typedef T Acc;
    typedef kn_reduce_op_fn<OP> Fn;
    __host__ __device__ __forceinline__ Acc ident() const { return kn_reduce_op_ident<OP, T>(); }
    __host__ __device__ __forceinline__ T finish(Acc acc, int64_t) const { return acc; }
};

/* This thread's share of output j's elements k0 <= k < k1, combined in order from the
 * identity: element k of the reduced ones is x[walk offset of j in keep + walk offset of k in
 * red]. */
template <typename R>
KN_HD typename R::Acc kn_reduce_range(const R &r, const typename R::In *x, const kn_bwalk &keep,
                                      const kn_bwalk &red, int64_t j, int64_t k0, int64_t k1,
                                      int64_t first, int64_t step)
{
    typedef typename R::Acc Acc;
    const typename R::In *base = x + kn_walk_offset_a(keep, j);
    Acc acc = r.ident();
    for (int64_t k = k0 + first; k < k1; k += step)
        acc = typename R::Fn()(acc, (Acc) base[kn_walk_offset_a(red, k)]);
    return acc;
}

/* Split reductions (few outputs, many elements each): part p of output j combines the
 * elements [k0, k1) of kn_reduce_split_range; a second pass combines each output's parts in
 * order. */
KN_HD void kn_reduce_split_range(int64_t n_red, int splits, int p, int64_t *k0, int64_t *k1)
{
    const int64_t chunk = (n_red + splits - 1) / splits;
    *k0 = (int64_t) p * chunk < n_red ? (int64_t) p * chunk : n_red;
    *k1 = *k0 + chunk < n_red ? *k0 + chunk : n_red;
}

/* ------------------------------------------------------------------------------------------ */
/* 2-D transpose: [rows, cols] -> [cols, rows] by KN_TILE x KN_TILE tiles, numbered row-major  */
/* over the tile grid. Thread (tx, k) of a tile loads one element into tile[k][tx], then      */
/* stores tile[tx][k].                                                                        */
/* ------------------------------------------------------------------------------------------ */

KN_HD int64_t kn_t2d_tiles_c(int64_t cols)
{
    return (cols + KN_TILE - 1) / KN_TILE;
}

KN_HD int64_t kn_t2d_tiles(int64_t rows, int64_t cols)
{
    return ((rows + KN_TILE - 1) / KN_TILE) * kn_t2d_tiles_c(cols);
}

/* The first input row and column of tile t. */
KN_HD void kn_t2d_origin(int64_t t, int64_t tiles_c, int64_t *r0, int64_t *c0)
{
    *r0 = (t / tiles_c) * KN_TILE;
    *c0 = (t % tiles_c) * KN_TILE;
}

/* The input element that tile[k][tx] gets: (r0 + k, c0 + tx); false when it is outside. */
KN_HD bool kn_t2d_load(int64_t rows, int64_t cols, int64_t r0, int64_t c0, int k, int tx,
                       int64_t *src)
{
    int64_t r = r0 + k;
    int64_t c = c0 + tx;
    *src = r * cols + c;
    return r < rows && c < cols;
}

/* The output element that tile[tx][k], input element (r0 + tx, c0 + k), goes to: (c0 + k,
 * r0 + tx) of the [cols, rows] output; false when it is outside. */
KN_HD bool kn_t2d_store(int64_t rows, int64_t cols, int64_t r0, int64_t c0, int k, int tx,
                        int64_t *dst)
{
    int64_t c = c0 + k;
    int64_t r = r0 + tx;
    *dst = c * rows + r;
    return r < rows && c < cols;
}

/* ------------------------------------------------------------------------------------------ */
/* Cast and Fill                                                                              */
/* ------------------------------------------------------------------------------------------ */

/* Bools travel as bytes. Float to integer truncates toward zero; NaN and values out of range
 * give the most negative integer (the CPU kernel's rule, x86's conversion result). */
template <typename To, typename From> KN_HD To kn_convert(From x)
{
    if constexpr (sizeof(To) == 1) {
        return (To) (x != (From) 0);
    } else if constexpr (sizeof(From) == 1) {
        return x != 0 ? (To) 1 : (To) 0;
    } else if constexpr (!kn_float<To>::value && kn_float<From>::value) {
        const double v = (double) x;
        if constexpr (sizeof(To) == 4)
            return v > -2147483649.0 && v < 2147483648.0 ? (To) v : (To) INT32_MIN;
        else
            return v >= -9223372036854775808.0 && v < 9223372036854775808.0 ? (To) v
                                                                            : (To) INT64_MIN;
    } else if constexpr (!kn_float<To>::value && !kn_float<From>::value &&
                         sizeof(To) < sizeof(From)) {
        return (To) (uint32_t) (uint64_t) x; /* int64 -> int32 keeps the low 32 bits */
    } else {
        return (To) x;
    }
}

/* The element of esz = sizeof(T) bytes that a Fill repeats: the first esz bytes of `bits` in
 * memory (the launcher's contract). */
template <typename T> KN_HD T kn_fill_value(uint64_t bits)
{
    T v;
    memcpy(&v, &bits, sizeof v);
    return v;
}

#endif
