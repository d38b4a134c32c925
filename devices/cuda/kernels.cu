/* SPDX-License-Identifier: MIT */
/* The CUDA kernels of the GPU device and their extern "C" launchers (cuda_kernels.h). Every
 * element-wise kernel is a grid-stride loop over 256-thread blocks; Softmax and the reductions
 * take one block per row or output element and reduce across the block with warp shuffles.
 * Each kernel mirrors its CPU counterpart in devices/cpu/kernels.c so that a graph gives the
 * same values wherever it runs: integer arithmetic is done unsigned (it wraps), float sums
 * accumulate in double, integer sums in 64 bits. What each output element is (the indexing
 * and the arithmetic) lives in kernel_math.cuh, which tests/test_cuda_host.cu runs on the CPU;
 * this file spreads that work over threads and blocks. It uses nothing from the C++ library,
 * but nvcc's launch stubs need libstdc++ (guarded statics, unwinding): the CUDA link language
 * brings it, and tact.pc lists it for the static archive. */
#include "devices/cuda/cuda_kernels.h"
#include "devices/cuda/kernel_math.cuh"

#include <cuda_runtime.h>
#include <math.h>
#include <string.h>

namespace
{

/* ------------------------------------------------------------------------------------------ */
/* Helpers                                                                                    */
/* ------------------------------------------------------------------------------------------ */

cudaStream_t kn_stream(void *stream)
{
    return static_cast<cudaStream_t>(stream);
}

__device__ __forceinline__ int64_t kn_first(void)
{
    return (int64_t) blockIdx.x * blockDim.x + threadIdx.x;
}

__device__ __forceinline__ int64_t kn_step(void)
{
    return (int64_t) blockDim.x * gridDim.x;
}

/* Reduce v over the warp with f; lane 0 holds the result. */
template <typename T, typename F> __device__ __forceinline__ T kn_warp_reduce(T v, F f)
{
    for (int off = 16; off > 0; off >>= 1)
        v = f(v, __shfl_down_sync(0xffffffffu, v, off));
    return v;
}

/* Reduce v over the block with f (`ident` leaves a value unchanged); every thread gets the
 * result. `sh` is the caller's __shared__ T[33]; calls may follow each other on one array.
 * REQUIRES: blockDim.x a multiple of 32 (full-warp shuffles). */
template <typename T, typename F>
__device__ __forceinline__ T kn_block_reduce(T v, T ident, F f, T *sh)
{
    const int lane = threadIdx.x & 31;
    const int warp = threadIdx.x >> 5;
    const int nwarps = (blockDim.x + 31) >> 5;
    v = kn_warp_reduce(v, f);
    if (lane == 0)
        sh[warp] = v;
    __syncthreads();
    if (warp == 0) {
        v = lane < nwarps ? sh[lane] : ident;
        v = kn_warp_reduce(v, f);
        if (lane == 0)
            sh[32] = v;
    }
    __syncthreads();
    return sh[32];
}

/* ------------------------------------------------------------------------------------------ */
/* Binary ops                                                                                 */
/* ------------------------------------------------------------------------------------------ */

template <int OP, typename T, int MODE>
__global__ void kn_binary(const T *__restrict__ a, const T *__restrict__ b,
                          kn_binout_t<OP, T> *__restrict__ o, int64_t n, kn_bwalk bw)
{
    for (int64_t i = kn_first(); i < n; i += kn_step()) {
        int64_t ia;
        int64_t ib;
        kn_binary_index<MODE>(bw, i, &ia, &ib);
        o[i] = kn_binop<OP>(a[ia], b[ib]);
    }
}

template <int OP, typename T>
cudaError_t kn_binary_launch(const void *a, const void *b, void *o, int64_t n,
                             tact_cuda_bcast_t mode, const tact_cuda_walk_t &w, cudaStream_t s)
{
    const T *pa = static_cast<const T *>(a);
    const T *pb = static_cast<const T *>(b);
    kn_binout_t<OP, T> *po = static_cast<kn_binout_t<OP, T> *>(o);
    const int g = kn_blocks(n, KN_THREADS);
    kn_bwalk bw;
    switch (kn_binary_plan(mode, w, n, &bw)) {
    case TACT_CUDA_SAME:
        kn_binary<OP, T, TACT_CUDA_SAME><<<g, KN_THREADS, 0, s>>>(pa, pb, po, n, bw);
        break;
    case TACT_CUDA_SCALAR_A:
        kn_binary<OP, T, TACT_CUDA_SCALAR_A><<<g, KN_THREADS, 0, s>>>(pa, pb, po, n, bw);
        break;
    case TACT_CUDA_SCALAR_B:
        kn_binary<OP, T, TACT_CUDA_SCALAR_B><<<g, KN_THREADS, 0, s>>>(pa, pb, po, n, bw);
        break;
    case TACT_CUDA_STRIDED:
        kn_binary<OP, T, TACT_CUDA_STRIDED><<<g, KN_THREADS, 0, s>>>(pa, pb, po, n, bw);
        break;
    case KN_B_STRIDED32:
        kn_binary<OP, T, KN_B_STRIDED32><<<g, KN_THREADS, 0, s>>>(pa, pb, po, n, bw);
        break;
    case KN_B_ROW_A32:
        kn_binary<OP, T, KN_B_ROW_A32><<<g, KN_THREADS, 0, s>>>(pa, pb, po, n, bw);
        break;
    case KN_B_ROW_B32:
        kn_binary<OP, T, KN_B_ROW_B32><<<g, KN_THREADS, 0, s>>>(pa, pb, po, n, bw);
        break;
    default:
        return cudaErrorInvalidValue;
    }
    return cudaGetLastError();
}

template <typename T>
cudaError_t kn_binary_op(tact_cuda_binary_t op, const void *a, const void *b, void *o, int64_t n,
                         tact_cuda_bcast_t mode, const tact_cuda_walk_t &w, cudaStream_t s)
{
    switch (op) {
    case TACT_CUDA_ADD:
        return kn_binary_launch<TACT_CUDA_ADD, T>(a, b, o, n, mode, w, s);
    case TACT_CUDA_SUB:
        return kn_binary_launch<TACT_CUDA_SUB, T>(a, b, o, n, mode, w, s);
    case TACT_CUDA_MUL:
        return kn_binary_launch<TACT_CUDA_MUL, T>(a, b, o, n, mode, w, s);
    default:
        break;
    }
    if constexpr (kn_float<T>::value) {
        switch (op) {
        case TACT_CUDA_REALDIV:
            return kn_binary_launch<TACT_CUDA_REALDIV, T>(a, b, o, n, mode, w, s);
        case TACT_CUDA_POW:
            return kn_binary_launch<TACT_CUDA_POW, T>(a, b, o, n, mode, w, s);
        case TACT_CUDA_MAXIMUM:
            return kn_binary_launch<TACT_CUDA_MAXIMUM, T>(a, b, o, n, mode, w, s);
        case TACT_CUDA_MINIMUM:
            return kn_binary_launch<TACT_CUDA_MINIMUM, T>(a, b, o, n, mode, w, s);
        case TACT_CUDA_FLOOR_DIV:
            return kn_binary_launch<TACT_CUDA_FLOOR_DIV, T>(a, b, o, n, mode, w, s);
        case TACT_CUDA_FLOOR_MOD:
            return kn_binary_launch<TACT_CUDA_FLOOR_MOD, T>(a, b, o, n, mode, w, s);
        case TACT_CUDA_SQUARED_DIFFERENCE:
            return kn_binary_launch<TACT_CUDA_SQUARED_DIFFERENCE, T>(a, b, o, n, mode, w, s);
        case TACT_CUDA_EQUAL:
            return kn_binary_launch<TACT_CUDA_EQUAL, T>(a, b, o, n, mode, w, s);
        case TACT_CUDA_NOT_EQUAL:
            return kn_binary_launch<TACT_CUDA_NOT_EQUAL, T>(a, b, o, n, mode, w, s);
        case TACT_CUDA_LESS:
            return kn_binary_launch<TACT_CUDA_LESS, T>(a, b, o, n, mode, w, s);
        case TACT_CUDA_LESS_EQUAL:
            return kn_binary_launch<TACT_CUDA_LESS_EQUAL, T>(a, b, o, n, mode, w, s);
        case TACT_CUDA_GREATER:
            return kn_binary_launch<TACT_CUDA_GREATER, T>(a, b, o, n, mode, w, s);
        case TACT_CUDA_GREATER_EQUAL:
            return kn_binary_launch<TACT_CUDA_GREATER_EQUAL, T>(a, b, o, n, mode, w, s);
        default:
            break;
        }
    }
    return cudaErrorInvalidValue;
}

/* LogicalAnd and LogicalOr, on bytes. */
cudaError_t kn_logical_op(tact_cuda_binary_t op, const void *a, const void *b, void *o, int64_t n,
                          tact_cuda_bcast_t mode, const tact_cuda_walk_t &w, cudaStream_t s)
{
    if (op == TACT_CUDA_LOGICAL_AND)
        return kn_binary_launch<TACT_CUDA_LOGICAL_AND, uint8_t>(a, b, o, n, mode, w, s);
    if (op == TACT_CUDA_LOGICAL_OR)
        return kn_binary_launch<TACT_CUDA_LOGICAL_OR, uint8_t>(a, b, o, n, mode, w, s);
    return cudaErrorInvalidValue;
}

/* AddN's o[i] += x[i]: o is read and written, so it is not __restrict__ against itself. */
template <typename T> __global__ void kn_accumulate(const T *__restrict__ x, T *o, int64_t n)
{
    for (int64_t i = kn_first(); i < n; i += kn_step())
        o[i] = kn_binop<TACT_CUDA_ADD>(o[i], x[i]);
}

template <typename T>
cudaError_t kn_accumulate_launch(const void *x, void *o, int64_t n, cudaStream_t s)
{
    kn_accumulate<T><<<kn_blocks(n, KN_THREADS), KN_THREADS, 0, s>>>(static_cast<const T *>(x),
                                                                     static_cast<T *>(o), n);
    return cudaGetLastError();
}

/* ------------------------------------------------------------------------------------------ */
/* Unary ops and softmax                                                                      */
/* ------------------------------------------------------------------------------------------ */

template <int OP, typename T>
__global__ void kn_unary(const T *__restrict__ x, T *__restrict__ o, int64_t n, double alpha)
{
    for (int64_t i = kn_first(); i < n; i += kn_step())
        o[i] = kn_unop<OP>(x[i], alpha);
}

template <int OP, typename T>
cudaError_t kn_unary_launch(const void *x, void *o, int64_t n, double alpha, cudaStream_t s)
{
    kn_unary<OP, T><<<kn_blocks(n, KN_THREADS), KN_THREADS, 0, s>>>(static_cast<const T *>(x),
                                                                    static_cast<T *>(o), n, alpha);
    return cudaGetLastError();
}

/* The float-only ops, by code. */
template <typename T>
cudaError_t kn_unary_float_op(tact_cuda_unary_t op, const void *x, void *o, int64_t n, double alpha,
                              cudaStream_t s)
{
    switch (op) {
    case TACT_CUDA_SIGMOID:
        return kn_unary_launch<TACT_CUDA_SIGMOID, T>(x, o, n, alpha, s);
    case TACT_CUDA_TANH:
        return kn_unary_launch<TACT_CUDA_TANH, T>(x, o, n, alpha, s);
    case TACT_CUDA_ABS:
        return kn_unary_launch<TACT_CUDA_ABS, T>(x, o, n, alpha, s);
    case TACT_CUDA_SQUARE:
        return kn_unary_launch<TACT_CUDA_SQUARE, T>(x, o, n, alpha, s);
    case TACT_CUDA_SQRT:
        return kn_unary_launch<TACT_CUDA_SQRT, T>(x, o, n, alpha, s);
    case TACT_CUDA_RSQRT:
        return kn_unary_launch<TACT_CUDA_RSQRT, T>(x, o, n, alpha, s);
    case TACT_CUDA_EXP:
        return kn_unary_launch<TACT_CUDA_EXP, T>(x, o, n, alpha, s);
    case TACT_CUDA_LOG:
        return kn_unary_launch<TACT_CUDA_LOG, T>(x, o, n, alpha, s);
    case TACT_CUDA_SIGN:
        return kn_unary_launch<TACT_CUDA_SIGN, T>(x, o, n, alpha, s);
    case TACT_CUDA_FLOOR:
        return kn_unary_launch<TACT_CUDA_FLOOR, T>(x, o, n, alpha, s);
    case TACT_CUDA_CEIL:
        return kn_unary_launch<TACT_CUDA_CEIL, T>(x, o, n, alpha, s);
    case TACT_CUDA_ROUND:
        return kn_unary_launch<TACT_CUDA_ROUND, T>(x, o, n, alpha, s);
    case TACT_CUDA_RECIPROCAL:
        return kn_unary_launch<TACT_CUDA_RECIPROCAL, T>(x, o, n, alpha, s);
    case TACT_CUDA_RELU6:
        return kn_unary_launch<TACT_CUDA_RELU6, T>(x, o, n, alpha, s);
    case TACT_CUDA_LEAKY_RELU:
        return kn_unary_launch<TACT_CUDA_LEAKY_RELU, T>(x, o, n, alpha, s);
    case TACT_CUDA_ELU:
        return kn_unary_launch<TACT_CUDA_ELU, T>(x, o, n, alpha, s);
    case TACT_CUDA_SOFTPLUS:
        return kn_unary_launch<TACT_CUDA_SOFTPLUS, T>(x, o, n, alpha, s);
    default:
        return cudaErrorInvalidValue;
    }
}

template <typename T>
cudaError_t kn_unary_op(tact_cuda_unary_t op, const void *x, void *o, int64_t n, double alpha,
                        cudaStream_t s)
{
    switch (op) {
    case TACT_CUDA_NEG:
        return kn_unary_launch<TACT_CUDA_NEG, T>(x, o, n, alpha, s);
    case TACT_CUDA_RELU:
        return kn_unary_launch<TACT_CUDA_RELU, T>(x, o, n, alpha, s);
    default:
        if constexpr (kn_float<T>::value)
            return kn_unary_float_op<T>(op, x, o, n, alpha, s);
        else
            return cudaErrorInvalidValue;
    }
}

/* One block per row: the row's max (subtracted, so exp never overflows), the sum of the
 * exponentials in double, then each element scaled by the inverse, as the CPU kernel does. */
template <typename T>
__global__ void kn_softmax(const T *__restrict__ x, T *__restrict__ o, int64_t rows, int64_t cols)
{
    __shared__ T sh_max[33];
    __shared__ double sh_sum[33];
    for (int64_t r = blockIdx.x; r < rows; r += gridDim.x) {
        const T *xr = x + r * cols;
        T *orow = o + r * cols;
        T m = kn_softmax_max(xr, cols, threadIdx.x, blockDim.x);
        m = kn_block_reduce(m, (T) -INFINITY, kn_max_fn(), sh_max);
        double sum = kn_softmax_exp(xr, orow, cols, m, threadIdx.x, blockDim.x);
        sum = kn_block_reduce(sum, 0.0, kn_add_fn(), sh_sum);
        /* Each thread scales the elements it wrote above. */
        kn_softmax_scale(orow, cols, kn_softmax_inv<T>(sum), threadIdx.x, blockDim.x);
    }
}

/* Short rows (kn_softmax_per_warp): a warp per row, the same steps with warp reductions, whose
 * results lane 0 hands to the others. Every lane of a warp has the same row, so the loop and
 * the full-warp shuffles stay uniform. */
template <typename T>
__global__ void kn_softmax_warp(const T *__restrict__ x, T *__restrict__ o, int64_t rows,
                                int64_t cols)
{
    const int lane = threadIdx.x & 31;
    const int64_t per_block = blockDim.x >> 5;
    const int64_t step = (int64_t) gridDim.x * per_block;
    for (int64_t r = blockIdx.x * per_block + (threadIdx.x >> 5); r < rows; r += step) {
        const T *xr = x + r * cols;
        T *orow = o + r * cols;
        T m = kn_warp_reduce(kn_softmax_max(xr, cols, lane, 32), kn_max_fn());
        m = __shfl_sync(0xffffffffu, m, 0);
        double sum = kn_warp_reduce(kn_softmax_exp(xr, orow, cols, m, lane, 32), kn_add_fn());
        sum = __shfl_sync(0xffffffffu, sum, 0);
        kn_softmax_scale(orow, cols, kn_softmax_inv<T>(sum), lane, 32);
    }
}

/* Split rows (kn_softmax_splits): block b is part b % parts of row b / parts. part holds
 * each part's max (first rows * parts doubles), then each part's sum. */
template <typename T>
__global__ void kn_softmax_part_max(const T *__restrict__ x, double *__restrict__ part,
                                    int64_t cols, int parts)
{
    __shared__ T sh[33];
    int64_t c0;
    int64_t c1;
    kn_reduce_split_range(cols, parts, (int) (blockIdx.x % parts), &c0, &c1);
    const T *xr = x + (int64_t) (blockIdx.x / parts) * cols;
    T m = kn_softmax_max_range(xr, c0, c1, threadIdx.x, blockDim.x);
    m = kn_block_reduce(m, (T) -INFINITY, kn_max_fn(), sh);
    if (threadIdx.x == 0)
        part[blockIdx.x] = (double) m;
}

template <typename T>
__global__ void kn_softmax_part_exp(const T *__restrict__ x, T *__restrict__ o,
                                    double *__restrict__ part, int64_t rows, int64_t cols,
                                    int parts)
{
    __shared__ double sh[33];
    const int64_t r = blockIdx.x / parts;
    int64_t c0;
    int64_t c1;
    kn_reduce_split_range(cols, parts, (int) (blockIdx.x % parts), &c0, &c1);
    const T m = kn_softmax_join_max<T>(part + r * parts, parts);
    double sum = kn_softmax_exp_range(x + r * cols, o + r * cols, c0, c1, m, threadIdx.x,
                                      blockDim.x);
    sum = kn_block_reduce(sum, 0.0, kn_add_fn(), sh);
    if (threadIdx.x == 0)
        part[rows * parts + blockIdx.x] = sum;
}

template <typename T>
__global__ void kn_softmax_part_scale(T *__restrict__ o, const double *__restrict__ part,
                                      int64_t rows, int64_t cols, int parts)
{
    const int64_t r = blockIdx.x / parts;
    int64_t c0;
    int64_t c1;
    kn_reduce_split_range(cols, parts, (int) (blockIdx.x % parts), &c0, &c1);
    const double sum = kn_softmax_join_sum(part + rows * parts + r * parts, parts);
    kn_softmax_scale_range(o + r * cols, c0, c1, kn_softmax_inv<T>(sum), threadIdx.x,
                           blockDim.x);
}

template <typename T>
cudaError_t kn_softmax_launch(const void *x, void *o, int64_t rows, int64_t cols, void *scratch,
                              cudaStream_t s)
{
    const int parts = scratch != NULL ? kn_softmax_splits(rows, cols) : 1;
    if (parts > 1) {
        const T *px = static_cast<const T *>(x);
        T *po = static_cast<T *>(o);
        double *part = static_cast<double *>(scratch);
        const int blocks = (int) rows * parts;
        kn_softmax_part_max<T><<<blocks, KN_THREADS, 0, s>>>(px, part, cols, parts);
        kn_softmax_part_exp<T><<<blocks, KN_THREADS, 0, s>>>(px, po, part, rows, cols, parts);
        kn_softmax_part_scale<T><<<blocks, KN_THREADS, 0, s>>>(po, part, rows, cols, parts);
    } else if (kn_softmax_per_warp(cols))
        kn_softmax_warp<T><<<kn_blocks(rows, KN_THREADS / 32), KN_THREADS, 0, s>>>(
            static_cast<const T *>(x), static_cast<T *>(o), rows, cols);
    else
        kn_softmax<T><<<kn_grid(rows), KN_THREADS, 0, s>>>(static_cast<const T *>(x),
                                                             static_cast<T *>(o), rows, cols);
    return cudaGetLastError();
}

/* ------------------------------------------------------------------------------------------ */
/* Reductions: Sum and Mean (kn_sum); Max, Min and Prod (kn_fold)                             */
/* ------------------------------------------------------------------------------------------ */

/* One block per output element; short reductions get a smaller block (kn_reduce_threads). */
template <typename R>
__global__ void kn_reduce_block(const typename R::In *__restrict__ x,
                                typename R::In *__restrict__ o, int64_t n_out, int64_t n_red,
                                kn_bwalk keep, kn_bwalk red, R r)
{
    typedef typename R::Acc Acc;
    __shared__ Acc sh[33];
    for (int64_t i = blockIdx.x; i < n_out; i += gridDim.x) {
        Acc v = kn_reduce_range(r, x, keep, red, i, 0, n_red, threadIdx.x, blockDim.x);
        v = kn_block_reduce(v, r.ident(), typename R::Fn(), sh);
        if (threadIdx.x == 0)
            o[i] = r.finish(v, n_red);
    }
}

/* One thread per output element, combining its elements in order, as the CPU does
 * (kn_reduce_per_thread says when). */
template <typename R>
__global__ void kn_reduce_serial(const typename R::In *__restrict__ x,
                                 typename R::In *__restrict__ o, int64_t n_out, int64_t n_red,
                                 kn_bwalk keep, kn_bwalk red, R r)
{
    for (int64_t j = kn_first(); j < n_out; j += kn_step())
        o[j] = r.finish(kn_reduce_range(r, x, keep, red, j, 0, n_red, 0, 1), n_red);
}

/* Columns (kn_reduce_columns): a block of KN_COL_X x KN_COL_Y threads per KN_COL_X adjacent
 * outputs, looped over beyond the grid, and per part blockIdx.y of their rows
 * (kn_reduce_split_range over gridDim.y parts). One part finishes the outputs here; with
 * several, part p of output j goes to part[p * n_out + j] for kn_reduce_col_join. */
template <typename R>
__global__ void kn_reduce_cols(const typename R::In *__restrict__ x,
                               typename R::In *__restrict__ o, typename R::Acc *__restrict__ part,
                               int64_t n_out, int64_t n_red, kn_bwalk keep, kn_bwalk red, R r)
{
    typedef typename R::Acc Acc;
    __shared__ Acc sh[KN_COL_Y][KN_COL_X];
    const int splits = (int) gridDim.y;
    int64_t k0;
    int64_t k1;
    kn_reduce_split_range(n_red, splits, (int) blockIdx.y, &k0, &k1);
    const int64_t groups = (n_out + KN_COL_X - 1) / KN_COL_X;
    for (int64_t grp = blockIdx.x; grp < groups; grp += gridDim.x) {  /* uniform per block */
        const int64_t j = grp * KN_COL_X + threadIdx.x;
        sh[threadIdx.y][threadIdx.x] =
            j < n_out ? kn_reduce_range(r, x, keep, red, j, k0, k1, threadIdx.y, KN_COL_Y)
                      : r.ident();
        __syncthreads();
        if (threadIdx.y == 0 && j < n_out) {
            Acc t = r.ident();
            for (int y = 0; y < KN_COL_Y; y++)
                t = typename R::Fn()(t, sh[y][threadIdx.x]);
            if (splits == 1)
                o[j] = r.finish(t, n_red);
            else
                part[blockIdx.y * n_out + j] = t;
        }
        __syncthreads();
    }
}

/* A split column reduction's second pass: a thread per output combines its parts in order. */
template <typename R>
__global__ void kn_reduce_col_join(const typename R::Acc *__restrict__ part,
                                   typename R::In *__restrict__ o, int64_t n_out, int64_t n_red,
                                   int splits, R r)
{
    typedef typename R::Acc Acc;
    for (int64_t j = kn_first(); j < n_out; j += kn_step()) {
        Acc t = r.ident();
        for (int p = 0; p < splits; p++)
            t = typename R::Fn()(t, part[p * n_out + j]);
        o[j] = r.finish(t, n_red);
    }
}

/* Split reductions, first pass: block b combines part b % splits of output b / splits into
 * part[b]. */
template <typename R>
__global__ void kn_reduce_parts(const typename R::In *__restrict__ x,
                                typename R::Acc *__restrict__ part, int64_t n_red, int splits,
                                kn_bwalk keep, kn_bwalk red, R r)
{
    typedef typename R::Acc Acc;
    __shared__ Acc sh[33];
    int64_t k0;
    int64_t k1;
    kn_reduce_split_range(n_red, splits, (int) (blockIdx.x % splits), &k0, &k1);
    Acc v = kn_reduce_range(r, x, keep, red, blockIdx.x / splits, k0, k1, threadIdx.x,
                            blockDim.x);
    v = kn_block_reduce(v, r.ident(), typename R::Fn(), sh);
    if (threadIdx.x == 0)
        part[blockIdx.x] = v;
}

/* Second pass: block i combines output i's parts, in order, and finishes it. */
template <typename R>
__global__ void kn_reduce_join(const typename R::Acc *__restrict__ part,
                               typename R::In *__restrict__ o, int64_t n_red, int splits, R r)
{
    typedef typename R::Acc Acc;
    __shared__ Acc sh[33];
    Acc v = r.ident();
    for (int p = threadIdx.x; p < splits; p += blockDim.x)
        v = typename R::Fn()(v, part[(int64_t) blockIdx.x * splits + p]);
    v = kn_block_reduce(v, r.ident(), typename R::Fn(), sh);
    if (threadIdx.x == 0)
        o[blockIdx.x] = r.finish(v, n_red);
}

/* A thread per output for short reductions and for outer-axis ones with outputs enough; the
 * column kernel for other outer-axis ones; for few outputs of many elements each, blocks per
 * part of an output joined through the scratch; else a block per output. */
template <typename R>
cudaError_t kn_reduce_launch(const R &r, const void *x, void *o, int64_t n_out, int64_t n_red,
                             const tact_cuda_walk_t &keep, const tact_cuda_walk_t &red,
                             void *scratch, cudaStream_t s)
{
    typedef typename R::Acc Acc;
    typedef typename R::In T;
    static_assert(sizeof(Acc) * KN_REDUCE_SPLIT_BLOCKS <= TACT_CUDA_REDUCE_SCRATCH_BYTES,
                  "a split reduction's parts fit the scratch");
    static_assert(sizeof(Acc) <= 8, "kn_reduce_col_splits counts 8 bytes per part");
    kn_bwalk bkeep; /* the walks in their 32-bit forms where they hold */
    kn_bwalk bred;
    kn_walk32_make(keep, n_out, &bkeep);
    kn_walk32_make(red, n_red, &bred);
    const T *px = static_cast<const T *>(x);
    T *po = static_cast<T *>(o);
    Acc *part = static_cast<Acc *>(scratch);
    const int splits = kn_reduce_splits(n_out, n_red);
    if (kn_reduce_per_thread(n_out, n_red, keep, red)) {
        kn_reduce_serial<R><<<kn_blocks(n_out, KN_THREADS), KN_THREADS, 0, s>>>(
            px, po, n_out, n_red, bkeep, bred, r);
    } else if (kn_reduce_columns(n_out, n_red, keep, red)) {
        const int col_splits = scratch != NULL ? kn_reduce_col_splits(n_out, n_red) : 1;
        const dim3 grid(kn_grid((n_out + KN_COL_X - 1) / KN_COL_X), col_splits);
        kn_reduce_cols<R><<<grid, dim3(KN_COL_X, KN_COL_Y), 0, s>>>(px, po, part, n_out, n_red,
                                                                     bkeep, bred, r);
        if (col_splits > 1)
            kn_reduce_col_join<R><<<kn_blocks(n_out, KN_THREADS), KN_THREADS, 0, s>>>(
                part, po, n_out, n_red, col_splits, r);
    } else if (splits > 1 && scratch != NULL) {
        kn_reduce_parts<R><<<(int) n_out * splits, KN_THREADS, 0, s>>>(px, part, n_red, splits,
                                                                        bkeep, bred, r);
        kn_reduce_join<R><<<(int) n_out, kn_reduce_threads(splits), 0, s>>>(part, po, n_red,
                                                                             splits, r);
    } else {
        kn_reduce_block<R><<<kn_grid(n_out), kn_reduce_threads(n_red), 0, s>>>(
            px, po, n_out, n_red, bkeep, bred, r);
    }
    return cudaGetLastError();
}

template <typename T>
cudaError_t kn_reduce_op_t(tact_cuda_reduce_t op, const void *x, void *o, int64_t n_out,
                           int64_t n_red, const tact_cuda_walk_t &keep, const tact_cuda_walk_t &red,
                           void *scratch, cudaStream_t s)
{
    switch (op) {
    case TACT_CUDA_REDUCE_MAX:
        return kn_reduce_launch(kn_fold<TACT_CUDA_REDUCE_MAX, T>(), x, o, n_out, n_red, keep,
                                red, scratch, s);
    case TACT_CUDA_REDUCE_MIN:
        return kn_reduce_launch(kn_fold<TACT_CUDA_REDUCE_MIN, T>(), x, o, n_out, n_red, keep,
                                red, scratch, s);
    case TACT_CUDA_REDUCE_PROD:
        return kn_reduce_launch(kn_fold<TACT_CUDA_REDUCE_PROD, T>(), x, o, n_out, n_red, keep,
                                red, scratch, s);
    default:
        return cudaErrorInvalidValue;
    }
}

/* ------------------------------------------------------------------------------------------ */
/* Transpose                                                                                  */
/* ------------------------------------------------------------------------------------------ */

/* [rows, cols] -> [cols, rows] through KN_TILE x KN_TILE tiles in shared memory (one column of
 * padding against bank conflicts), so that reads and writes are both coalesced. KN_TILE x 8
 * threads. */
template <typename T>
__global__ void kn_transpose2d(const T *__restrict__ x, T *__restrict__ o, int64_t rows,
                               int64_t cols)
{
    __shared__ T tile[KN_TILE][KN_TILE + 1];
    const int64_t tiles_c = kn_t2d_tiles_c(cols);
    const int64_t tiles = kn_t2d_tiles(rows, cols);
    for (int64_t t = blockIdx.x; t < tiles; t += gridDim.x) {
        int64_t r0;
        int64_t c0;
        kn_t2d_origin(t, tiles_c, &r0, &c0);
        for (int k = threadIdx.y; k < KN_TILE; k += blockDim.y) {
            int64_t src;
            if (kn_t2d_load(rows, cols, r0, c0, k, threadIdx.x, &src))
                tile[k][threadIdx.x] = x[src];
        }
        __syncthreads();
        for (int k = threadIdx.y; k < KN_TILE; k += blockDim.y) {
            int64_t dst;
            if (kn_t2d_store(rows, cols, r0, c0, k, threadIdx.x, &dst))
                o[dst] = tile[threadIdx.x][k];
        }
        __syncthreads();
    }
}

template <typename T>
cudaError_t kn_transpose2d_launch(const void *x, void *o, int64_t rows, int64_t cols,
                                  cudaStream_t s)
{
    kn_transpose2d<T><<<kn_grid(kn_t2d_tiles(rows, cols)), dim3(KN_TILE, KN_THREADS / KN_TILE),
                        0, s>>>(static_cast<const T *>(x), static_cast<T *>(o), rows, cols);
    return cudaGetLastError();
}

template <typename T>
__global__ void kn_gather(const T *__restrict__ x, T *__restrict__ o, int64_t n, kn_bwalk bw)
{
    for (int64_t i = kn_first(); i < n; i += kn_step())
        o[i] = x[kn_walk_offset_a(bw, i)];
}

template <typename T>
cudaError_t kn_gather_launch(const void *x, void *o, int64_t n, const tact_cuda_walk_t &w,
                             cudaStream_t s)
{
    kn_bwalk bw; /* in its 32-bit form where it holds */
    kn_walk32_make(w, n, &bw);
    kn_gather<T><<<kn_blocks(n, KN_THREADS), KN_THREADS, 0, s>>>(static_cast<const T *>(x),
                                                                  static_cast<T *>(o), n, bw);
    return cudaGetLastError();
}

/* ------------------------------------------------------------------------------------------ */
/* Cast and Fill                                                                              */
/* ------------------------------------------------------------------------------------------ */

template <typename From, typename To>
__global__ void kn_cast(const From *__restrict__ x, To *__restrict__ o, int64_t n)
{
    for (int64_t i = kn_first(); i < n; i += kn_step())
        o[i] = kn_convert<To>(x[i]);
}

template <typename From, typename To>
cudaError_t kn_cast_launch(const void *x, void *o, int64_t n, cudaStream_t s)
{
    kn_cast<From, To><<<kn_blocks(n, KN_THREADS), KN_THREADS, 0, s>>>(static_cast<const From *>(x),
                                                                      static_cast<To *>(o), n);
    return cudaGetLastError();
}

template <typename From>
cudaError_t kn_cast_from(tact_dtype_t to, const void *x, void *o, int64_t n, cudaStream_t s)
{
    switch (to) {
    case TACT_DTYPE_F32:
        return kn_cast_launch<From, float>(x, o, n, s);
    case TACT_DTYPE_F64:
        return kn_cast_launch<From, double>(x, o, n, s);
    case TACT_DTYPE_I32:
        return kn_cast_launch<From, int32_t>(x, o, n, s);
    case TACT_DTYPE_I64:
        return kn_cast_launch<From, int64_t>(x, o, n, s);
    case TACT_DTYPE_BOOL:
        return kn_cast_launch<From, uint8_t>(x, o, n, s);
    default:
        return cudaErrorInvalidValue;
    }
}

template <typename T> __global__ void kn_fill(T *__restrict__ o, uint64_t bits, int64_t n)
{
    const T v = kn_fill_value<T>(bits);
    for (int64_t i = kn_first(); i < n; i += kn_step())
        o[i] = v;
}

template <typename T> cudaError_t kn_fill_launch(uint64_t bits, void *o, int64_t n, cudaStream_t s)
{
    kn_fill<T><<<kn_blocks(n, KN_THREADS), KN_THREADS, 0, s>>>(static_cast<T *>(o), bits, n);
    return cudaGetLastError();
}

} /* namespace */

/* ------------------------------------------------------------------------------------------ */
/* Launchers                                                                                  */
/* ------------------------------------------------------------------------------------------ */

extern "C" int tact__cuda_binary(tact_cuda_binary_t op, tact_dtype_t dtype, const void *a,
                                 const void *b, void *out, int64_t n, tact_cuda_bcast_t bcast,
                                 tact_cuda_walk_t walk, void *stream)
{
    if (n <= 0)
        return cudaSuccess;
    cudaStream_t s = kn_stream(stream);
    switch (dtype) {
    case TACT_DTYPE_BOOL:
        return kn_logical_op(op, a, b, out, n, bcast, walk, s);
    case TACT_DTYPE_F32:
        return kn_binary_op<float>(op, a, b, out, n, bcast, walk, s);
    case TACT_DTYPE_F64:
        return kn_binary_op<double>(op, a, b, out, n, bcast, walk, s);
    case TACT_DTYPE_I32:
        return kn_binary_op<int32_t>(op, a, b, out, n, bcast, walk, s);
    case TACT_DTYPE_I64:
        return kn_binary_op<int64_t>(op, a, b, out, n, bcast, walk, s);
    default:
        return cudaErrorInvalidValue;
    }
}

extern "C" int tact__cuda_unary(tact_cuda_unary_t op, tact_dtype_t dtype, const void *x, void *out,
                                int64_t n, double alpha, void *stream)
{
    if (n <= 0)
        return cudaSuccess;
    cudaStream_t s = kn_stream(stream);
    switch (dtype) {
    case TACT_DTYPE_BOOL:
        if (op != TACT_CUDA_LOGICAL_NOT)
            return cudaErrorInvalidValue;
        return kn_unary_launch<TACT_CUDA_LOGICAL_NOT, uint8_t>(x, out, n, alpha, s);
    case TACT_DTYPE_F32:
        return kn_unary_op<float>(op, x, out, n, alpha, s);
    case TACT_DTYPE_F64:
        return kn_unary_op<double>(op, x, out, n, alpha, s);
    case TACT_DTYPE_I32:
        return kn_unary_op<int32_t>(op, x, out, n, alpha, s);
    case TACT_DTYPE_I64:
        return kn_unary_op<int64_t>(op, x, out, n, alpha, s);
    default:
        return cudaErrorInvalidValue;
    }
}

extern "C" int tact__cuda_accumulate(tact_dtype_t dtype, const void *x, void *out, int64_t n,
                                     void *stream)
{
    if (n <= 0)
        return cudaSuccess;
    cudaStream_t s = kn_stream(stream);
    switch (dtype) {
    case TACT_DTYPE_F32:
        return kn_accumulate_launch<float>(x, out, n, s);
    case TACT_DTYPE_F64:
        return kn_accumulate_launch<double>(x, out, n, s);
    case TACT_DTYPE_I32:
        return kn_accumulate_launch<int32_t>(x, out, n, s);
    case TACT_DTYPE_I64:
        return kn_accumulate_launch<int64_t>(x, out, n, s);
    default:
        return cudaErrorInvalidValue;
    }
}

extern "C" int tact__cuda_reduce_op(tact_cuda_reduce_t op, tact_dtype_t dtype, const void *x,
                                    void *out, int64_t n_out, int64_t n_red, tact_cuda_walk_t keep,
                                    tact_cuda_walk_t red, void *scratch, void *stream)
{
    if (n_out <= 0)
        return cudaSuccess;
    cudaStream_t s = kn_stream(stream);
    switch (dtype) {
    case TACT_DTYPE_F32:
        return kn_reduce_op_t<float>(op, x, out, n_out, n_red, keep, red, scratch, s);
    case TACT_DTYPE_F64:
        return kn_reduce_op_t<double>(op, x, out, n_out, n_red, keep, red, scratch, s);
    default:
        return cudaErrorInvalidValue;
    }
}

extern "C" int tact__cuda_softmax(tact_dtype_t dtype, const void *x, void *out, int64_t rows,
                                  int64_t cols, void *scratch, void *stream)
{
    if (rows <= 0 || cols <= 0)
        return cudaSuccess;
    cudaStream_t s = kn_stream(stream);
    switch (dtype) {
    case TACT_DTYPE_F32:
        return kn_softmax_launch<float>(x, out, rows, cols, scratch, s);
    case TACT_DTYPE_F64:
        return kn_softmax_launch<double>(x, out, rows, cols, scratch, s);
    default:
        return cudaErrorInvalidValue;
    }
}

extern "C" int tact__cuda_reduce(tact_dtype_t dtype, int mean, const void *x, void *out,
                                 int64_t n_out, int64_t n_red, tact_cuda_walk_t keep,
                                 tact_cuda_walk_t red, void *scratch, void *stream)
{
    if (n_out <= 0)
        return cudaSuccess;
    cudaStream_t s = kn_stream(stream);
    switch (dtype) {
    case TACT_DTYPE_F32:
        return kn_reduce_launch(kn_sum<float>{mean != 0}, x, out, n_out, n_red, keep, red,
                                scratch, s);
    case TACT_DTYPE_F64:
        return kn_reduce_launch(kn_sum<double>{mean != 0}, x, out, n_out, n_red, keep, red,
                                scratch, s);
    case TACT_DTYPE_I32:
        return kn_reduce_launch(kn_sum<int32_t>{mean != 0}, x, out, n_out, n_red, keep, red,
                                scratch, s);
    case TACT_DTYPE_I64:
        return kn_reduce_launch(kn_sum<int64_t>{mean != 0}, x, out, n_out, n_red, keep, red,
                                scratch, s);
    default:
        return cudaErrorInvalidValue;
    }
}

extern "C" int tact__cuda_transpose2d(size_t esz, const void *x, void *out, int64_t rows,
                                      int64_t cols, void *stream)
{
    if (rows <= 0 || cols <= 0)
        return cudaSuccess;
    cudaStream_t s = kn_stream(stream);
    switch (esz) {
    case 1:
        return kn_transpose2d_launch<uint8_t>(x, out, rows, cols, s);
    case 4:
        return kn_transpose2d_launch<uint32_t>(x, out, rows, cols, s);
    case 8:
        return kn_transpose2d_launch<uint64_t>(x, out, rows, cols, s);
    default:
        return cudaErrorInvalidValue;
    }
}

extern "C" int tact__cuda_gather(size_t esz, const void *x, void *out, int64_t n,
                                 tact_cuda_walk_t walk, void *stream)
{
    if (n <= 0)
        return cudaSuccess;
    cudaStream_t s = kn_stream(stream);
    switch (esz) {
    case 1:
        return kn_gather_launch<uint8_t>(x, out, n, walk, s);
    case 4:
        return kn_gather_launch<uint32_t>(x, out, n, walk, s);
    case 8:
        return kn_gather_launch<uint64_t>(x, out, n, walk, s);
    default:
        return cudaErrorInvalidValue;
    }
}

extern "C" int tact__cuda_cast(tact_dtype_t from, tact_dtype_t to, const void *x, void *out,
                               int64_t n, void *stream)
{
    if (n <= 0)
        return cudaSuccess;
    if (from == to)
        return cudaErrorInvalidValue;
    cudaStream_t s = kn_stream(stream);
    switch (from) {
    case TACT_DTYPE_F32:
        return kn_cast_from<float>(to, x, out, n, s);
    case TACT_DTYPE_F64:
        return kn_cast_from<double>(to, x, out, n, s);
    case TACT_DTYPE_I32:
        return kn_cast_from<int32_t>(to, x, out, n, s);
    case TACT_DTYPE_I64:
        return kn_cast_from<int64_t>(to, x, out, n, s);
    case TACT_DTYPE_BOOL:
        return kn_cast_from<uint8_t>(to, x, out, n, s);
    default:
        return cudaErrorInvalidValue;
    }
}

extern "C" int tact__cuda_fill(size_t esz, uint64_t bits, void *out, int64_t n, void *stream)
{
    if (n <= 0)
        return cudaSuccess;
    cudaStream_t s = kn_stream(stream);
    switch (esz) {
    case 1:
        return kn_fill_launch<uint8_t>(bits, out, n, s);
    case 4:
        return kn_fill_launch<uint32_t>(bits, out, n, s);
    case 8:
        return kn_fill_launch<uint64_t>(bits, out, n, s);
    default:
        return cudaErrorInvalidValue;
    }
}
