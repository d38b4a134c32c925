/* SPDX-License-Identifier: MIT */
/* The CUDA kernels of the GPU device and their extern "C" launchers (cuda_kernels.h). Every
 * element-wise kernel is a grid-stride loop over 256-thread blocks; Softmax and the reductions
 * take one block per row or output element and reduce across the block with warp shuffles.
 * Each kernel mirrors its CPU counterpart in devices/cpu/kernels.c so that a graph gives the
 * same values wherever it runs: integer arithmetic is done unsigned (it wraps), float sums
 * accumulate in double, integer sums in 64 bits. This file uses nothing from the C++ library,
 * but nvcc's launch stubs need libstdc++ (guarded statics, unwinding): the CUDA link language
 * brings it, and tact.pc lists it for the static archive. */
#include "devices/cuda/cuda_kernels.h"

#include <cuda_runtime.h>
#include <math.h>
#include <string.h>

#define KN_THREADS    256
#define KN_MAX_BLOCKS 65535

namespace
{

/* ------------------------------------------------------------------------------------------ */
/* Helpers                                                                                    */
/* ------------------------------------------------------------------------------------------ */

/* Blocks for a grid-stride loop over n elements. REQUIRES: n > 0. */
int kn_blocks(int64_t n, int per_block)
{
    int64_t b = (n + per_block - 1) / per_block;
    return (int) (b < KN_MAX_BLOCKS ? b : KN_MAX_BLOCKS);
}

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

/* The offsets of walk element i in the two strided inputs. */
__device__ __forceinline__ void kn_offsets(const tact_cuda_walk_t &w, int64_t i, int64_t *oa,
                                           int64_t *ob)
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

/* The offset of walk element i in input a only (one dimension needs no division). */
__device__ __forceinline__ int64_t kn_offset(const tact_cuda_walk_t &w, int64_t i)
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

__device__ __forceinline__ float kn_exp(float x)
{
    return expf(x);
}

__device__ __forceinline__ double kn_exp(double x)
{
    return exp(x);
}

/* Reduce v over the warp with f; lane 0 holds the result. */
template <typename T, typename F> __device__ __forceinline__ T kn_warp_reduce(T v, F f)
{
    for (int off = 16; off > 0; off >>= 1)
        v = f(v, __shfl_down_sync(0xffffffffu, v, off));
    return v;
}

/* Reduce v over the block with f (`ident` leaves a value unchanged); every thread gets the
 * result. `sh` is the caller's __shared__ T[33]; calls may follow each other on one array. */
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

struct kn_add_fn {
    template <typename T> __device__ __forceinline__ T operator()(T x, T y) const
    {
        return x + y;
    }
};

/* The CPU's max: a NaN already held stays, a NaN offered is passed over. */
struct kn_max_fn {
    template <typename T> __device__ __forceinline__ T operator()(T m, T x) const
    {
        return x > m ? x : m;
    }
};

/* ------------------------------------------------------------------------------------------ */
/* Binary ops                                                                                 */
/* ------------------------------------------------------------------------------------------ */

template <int OP, typename T> __device__ __forceinline__ T kn_binop(T x, T y)
{
    typedef typename kn_wrap<T>::type U;
    if constexpr (OP == TACT_CUDA_ADD)
        return (T) ((U) x + (U) y);
    else if constexpr (OP == TACT_CUDA_SUB)
        return (T) ((U) x - (U) y);
    else if constexpr (OP == TACT_CUDA_MUL)
        return (T) ((U) x * (U) y);
    else
        return x / y;
}

template <int OP, typename T, int MODE>
__global__ void kn_binary(const T *__restrict__ a, const T *__restrict__ b, T *__restrict__ o,
                          int64_t n, tact_cuda_walk_t w)
{
    for (int64_t i = kn_first(); i < n; i += kn_step()) {
        if constexpr (MODE == TACT_CUDA_SAME) {
            o[i] = kn_binop<OP>(a[i], b[i]);
        } else if constexpr (MODE == TACT_CUDA_SCALAR_A) {
            o[i] = kn_binop<OP>(a[0], b[i]);
        } else if constexpr (MODE == TACT_CUDA_SCALAR_B) {
            o[i] = kn_binop<OP>(a[i], b[0]);
        } else {
            int64_t oa;
            int64_t ob;
            kn_offsets(w, i, &oa, &ob);
            o[i] = kn_binop<OP>(a[oa], b[ob]);
        }
    }
}

template <int OP, typename T>
cudaError_t kn_binary_launch(const void *a, const void *b, void *o, int64_t n,
                             tact_cuda_bcast_t mode, const tact_cuda_walk_t &w, cudaStream_t s)
{
    const T *pa = static_cast<const T *>(a);
    const T *pb = static_cast<const T *>(b);
    T *po = static_cast<T *>(o);
    const int g = kn_blocks(n, KN_THREADS);
    switch (mode) {
    case TACT_CUDA_SAME:
        kn_binary<OP, T, TACT_CUDA_SAME><<<g, KN_THREADS, 0, s>>>(pa, pb, po, n, w);
        break;
    case TACT_CUDA_SCALAR_A:
        kn_binary<OP, T, TACT_CUDA_SCALAR_A><<<g, KN_THREADS, 0, s>>>(pa, pb, po, n, w);
        break;
    case TACT_CUDA_SCALAR_B:
        kn_binary<OP, T, TACT_CUDA_SCALAR_B><<<g, KN_THREADS, 0, s>>>(pa, pb, po, n, w);
        break;
    case TACT_CUDA_STRIDED:
        kn_binary<OP, T, TACT_CUDA_STRIDED><<<g, KN_THREADS, 0, s>>>(pa, pb, po, n, w);
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
    case TACT_CUDA_REALDIV:
        if constexpr (kn_float<T>::value)
            return kn_binary_launch<TACT_CUDA_REALDIV, T>(a, b, o, n, mode, w, s);
        else
            return cudaErrorInvalidValue;
    default:
        return cudaErrorInvalidValue;
    }
}

/* ------------------------------------------------------------------------------------------ */
/* Unary ops and softmax                                                                      */
/* ------------------------------------------------------------------------------------------ */

/* Stable for any x: exp never overflows because its argument is -|x|. */
__device__ __forceinline__ float kn_sigmoid(float x)
{
    float e = expf(-fabsf(x));
    float r = 1.0f / (1.0f + e);
    return x >= 0.0f ? r : e * r;
}

__device__ __forceinline__ double kn_sigmoid(double x)
{
    double e = exp(-fabs(x));
    double r = 1.0 / (1.0 + e);
    return x >= 0.0 ? r : e * r;
}

__device__ __forceinline__ float kn_tanh(float x)
{
    return tanhf(x);
}

__device__ __forceinline__ double kn_tanh(double x)
{
    return tanh(x);
}

template <int OP, typename T> __device__ __forceinline__ T kn_unop(T x)
{
    if constexpr (OP == TACT_CUDA_NEG) {
        typedef typename kn_wrap<T>::type U;
        return (T) ((U) 0 - (U) x);
    } else if constexpr (OP == TACT_CUDA_RELU) {
        return x < (T) 0 ? (T) 0 : x; /* NaN passes through */
    } else if constexpr (OP == TACT_CUDA_SIGMOID) {
        return kn_sigmoid(x);
    } else {
        return kn_tanh(x);
    }
}

template <int OP, typename T>
__global__ void kn_unary(const T *__restrict__ x, T *__restrict__ o, int64_t n)
{
    for (int64_t i = kn_first(); i < n; i += kn_step())
        o[i] = kn_unop<OP>(x[i]);
}

template <int OP, typename T>
cudaError_t kn_unary_launch(const void *x, void *o, int64_t n, cudaStream_t s)
{
    kn_unary<OP, T><<<kn_blocks(n, KN_THREADS), KN_THREADS, 0, s>>>(static_cast<const T *>(x),
                                                                    static_cast<T *>(o), n);
    return cudaGetLastError();
}

template <typename T>
cudaError_t kn_unary_op(tact_cuda_unary_t op, const void *x, void *o, int64_t n, cudaStream_t s)
{
    switch (op) {
    case TACT_CUDA_NEG:
        return kn_unary_launch<TACT_CUDA_NEG, T>(x, o, n, s);
    case TACT_CUDA_RELU:
        return kn_unary_launch<TACT_CUDA_RELU, T>(x, o, n, s);
    case TACT_CUDA_SIGMOID:
    case TACT_CUDA_TANH:
        if constexpr (kn_float<T>::value) {
            if (op == TACT_CUDA_SIGMOID)
                return kn_unary_launch<TACT_CUDA_SIGMOID, T>(x, o, n, s);
            return kn_unary_launch<TACT_CUDA_TANH, T>(x, o, n, s);
        } else {
            return cudaErrorInvalidValue;
        }
    default:
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
        T m = xr[0];
        for (int64_t j = threadIdx.x; j < cols; j += blockDim.x)
            m = kn_max_fn()(m, xr[j]);
        m = kn_block_reduce(m, (T) -INFINITY, kn_max_fn(), sh_max);
        double sum = 0.0;
        for (int64_t j = threadIdx.x; j < cols; j += blockDim.x) {
            T e = kn_exp(xr[j] - m);
            orow[j] = e;
            sum += e;
        }
        sum = kn_block_reduce(sum, 0.0, kn_add_fn(), sh_sum);
        const T inv = (T) (1.0 / sum);
        for (int64_t j = threadIdx.x; j < cols; j += blockDim.x)
            orow[j] *= inv; /* this thread wrote orow[j] above */
    }
}

template <typename T>
cudaError_t kn_softmax_launch(const void *x, void *o, int64_t rows, int64_t cols, cudaStream_t s)
{
    const int g = (int) (rows < KN_MAX_BLOCKS ? rows : KN_MAX_BLOCKS);
    kn_softmax<T>
        <<<g, KN_THREADS, 0, s>>>(static_cast<const T *>(x), static_cast<T *>(o), rows, cols);
    return cudaGetLastError();
}

/* ------------------------------------------------------------------------------------------ */
/* Sum and Mean                                                                               */
/* ------------------------------------------------------------------------------------------ */

/* Accumulators: double for floats; uint64_t for integers, which wraps like the CPU's sums and
 * holds an int32 sum exactly. */
template <typename T> struct kn_acc {
    typedef double type;
};
template <> struct kn_acc<int32_t> {
    typedef unsigned long long type;
};
template <> struct kn_acc<int64_t> {
    typedef unsigned long long type;
};

template <typename T>
__device__ __forceinline__ T kn_reduce_finish(typename kn_acc<T>::type acc, int64_t count,
                                              bool mean)
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

template <typename T>
__global__ void kn_reduce(const T *__restrict__ x, T *__restrict__ o, int64_t n_out, int64_t n_red,
                          tact_cuda_walk_t keep, tact_cuda_walk_t red, bool mean)
{
    typedef typename kn_acc<T>::type Acc;
    __shared__ Acc sh[33];
    for (int64_t i = blockIdx.x; i < n_out; i += gridDim.x) {
        const T *base = x + kn_offset(keep, i);
        Acc s = 0;
        for (int64_t r = threadIdx.x; r < n_red; r += blockDim.x)
            s += (Acc) base[kn_offset(red, r)];
        s = kn_block_reduce(s, (Acc) 0, kn_add_fn(), sh);
        if (threadIdx.x == 0)
            o[i] = kn_reduce_finish<T>(s, n_red, mean);
    }
}

template <typename T>
cudaError_t kn_reduce_launch(bool mean, const void *x, void *o, int64_t n_out, int64_t n_red,
                             const tact_cuda_walk_t &keep, const tact_cuda_walk_t &red,
                             cudaStream_t s)
{
    /* Short reductions get a smaller block: whole warps, at least as many threads as there
     * are elements, up to 256. */
    int threads = 32;
    while (threads < KN_THREADS && threads < n_red)
        threads *= 2;
    const int g = (int) (n_out < KN_MAX_BLOCKS ? n_out : KN_MAX_BLOCKS);
    kn_reduce<T><<<g, threads, 0, s>>>(static_cast<const T *>(x), static_cast<T *>(o), n_out, n_red,
                                       keep, red, mean);
    return cudaGetLastError();
}

/* ------------------------------------------------------------------------------------------ */
/* Transpose                                                                                  */
/* ------------------------------------------------------------------------------------------ */

/* [rows, cols] -> [cols, rows] through 32 x 32 tiles in shared memory (one column of padding
 * against bank conflicts), so that reads and writes are both coalesced. 32 x 8 threads. */
template <typename T>
__global__ void kn_transpose2d(const T *__restrict__ x, T *__restrict__ o, int64_t rows,
                               int64_t cols)
{
    __shared__ T tile[32][33];
    const int64_t tiles_c = (cols + 31) / 32;
    const int64_t tiles = ((rows + 31) / 32) * tiles_c;
    for (int64_t t = blockIdx.x; t < tiles; t += gridDim.x) {
        const int64_t r0 = (t / tiles_c) * 32;
        const int64_t c0 = (t % tiles_c) * 32;
        for (int k = threadIdx.y; k < 32; k += blockDim.y) {
            int64_t r = r0 + k;
            int64_t c = c0 + threadIdx.x;
            if (r < rows && c < cols)
                tile[k][threadIdx.x] = x[r * cols + c];
        }
        __syncthreads();
        for (int k = threadIdx.y; k < 32; k += blockDim.y) {
            int64_t c = c0 + k;
            int64_t r = r0 + threadIdx.x;
            if (r < rows && c < cols)
                o[c * rows + r] = tile[threadIdx.x][k];
        }
        __syncthreads();
    }
}

template <typename T>
cudaError_t kn_transpose2d_launch(const void *x, void *o, int64_t rows, int64_t cols,
                                  cudaStream_t s)
{
    const int64_t tiles = ((rows + 31) / 32) * ((cols + 31) / 32);
    const int g = (int) (tiles < KN_MAX_BLOCKS ? tiles : KN_MAX_BLOCKS);
    kn_transpose2d<T><<<g, dim3(32, KN_THREADS / 32), 0, s>>>(static_cast<const T *>(x),
                                                              static_cast<T *>(o), rows, cols);
    return cudaGetLastError();
}

template <typename T>
__global__ void kn_gather(const T *__restrict__ x, T *__restrict__ o, int64_t n, tact_cuda_walk_t w)
{
    for (int64_t i = kn_first(); i < n; i += kn_step())
        o[i] = x[kn_offset(w, i)];
}

template <typename T>
cudaError_t kn_gather_launch(const void *x, void *o, int64_t n, const tact_cuda_walk_t &w,
                             cudaStream_t s)
{
    kn_gather<T><<<kn_blocks(n, KN_THREADS), KN_THREADS, 0, s>>>(static_cast<const T *>(x),
                                                                 static_cast<T *>(o), n, w);
    return cudaGetLastError();
}

/* ------------------------------------------------------------------------------------------ */
/* Cast and Fill                                                                              */
/* ------------------------------------------------------------------------------------------ */

/* Bools travel as bytes. Float to integer truncates toward zero; NaN and values out of range
 * give the most negative integer (the CPU kernel's rule, x86's conversion result). */
template <typename To, typename From> __device__ __forceinline__ To kn_convert(From x)
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
    T v;
    memcpy(&v, &bits, sizeof v);
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
                                int64_t n, void *stream)
{
    if (n <= 0)
        return cudaSuccess;
    cudaStream_t s = kn_stream(stream);
    switch (dtype) {
    case TACT_DTYPE_F32:
        return kn_unary_op<float>(op, x, out, n, s);
    case TACT_DTYPE_F64:
        return kn_unary_op<double>(op, x, out, n, s);
    case TACT_DTYPE_I32:
        return kn_unary_op<int32_t>(op, x, out, n, s);
    case TACT_DTYPE_I64:
        return kn_unary_op<int64_t>(op, x, out, n, s);
    default:
        return cudaErrorInvalidValue;
    }
}

extern "C" int tact__cuda_softmax(tact_dtype_t dtype, const void *x, void *out, int64_t rows,
                                  int64_t cols, void *stream)
{
    if (rows <= 0 || cols <= 0)
        return cudaSuccess;
    cudaStream_t s = kn_stream(stream);
    switch (dtype) {
    case TACT_DTYPE_F32:
        return kn_softmax_launch<float>(x, out, rows, cols, s);
    case TACT_DTYPE_F64:
        return kn_softmax_launch<double>(x, out, rows, cols, s);
    default:
        return cudaErrorInvalidValue;
    }
}

extern "C" int tact__cuda_reduce(tact_dtype_t dtype, int mean, const void *x, void *out,
                                 int64_t n_out, int64_t n_red, tact_cuda_walk_t keep,
                                 tact_cuda_walk_t red, void *stream)
{
    if (n_out <= 0)
        return cudaSuccess;
    cudaStream_t s = kn_stream(stream);
    switch (dtype) {
    case TACT_DTYPE_F32:
        return kn_reduce_launch<float>(mean != 0, x, out, n_out, n_red, keep, red, s);
    case TACT_DTYPE_F64:
        return kn_reduce_launch<double>(mean != 0, x, out, n_out, n_red, keep, red, s);
    case TACT_DTYPE_I32:
        return kn_reduce_launch<int32_t>(mean != 0, x, out, n_out, n_red, keep, red, s);
    case TACT_DTYPE_I64:
        return kn_reduce_launch<int64_t>(mean != 0, x, out, n_out, n_red, keep, red, s);
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
