/* SPDX-License-Identifier: MIT */
/* The CUDA kernels' launchers (kernels.cu), callable from C. Each one enqueues its kernel on
 * `stream` (a cudaStream_t passed as void *, so this header needs no CUDA type) and returns
 * what cudaGetLastError says after the launch: 0 (cudaSuccess) or a cudaError_t value. Device
 * pointers only; sizes in elements. Callers check dtypes first (cuda_backend.c): a combination
 * a launcher has no kernel for gives cudaErrorInvalidValue. Nothing is launched for n == 0.
 * The results follow the CPU kernels (devices/cpu/kernels.c) element for element: integers
 * wrap, Relu passes NaN, Sigmoid is the stable form, float sums accumulate in double, float to
 * integer casts give the most negative integer out of range. */
#ifndef TACT_DEVICES_CUDA_CUDA_KERNELS_H
#define TACT_DEVICES_CUDA_CUDA_KERNELS_H

#include <stddef.h>
#include <stdint.h>

#include <tact/tensor.h> /* tact_dtype_t, TACT_MAX_DIMS */

TACT_BEGIN_DECLS

typedef enum {
    TACT_CUDA_ADD,
    TACT_CUDA_SUB,
    TACT_CUDA_MUL,
    TACT_CUDA_REALDIV, /* float32 and float64 only */
    /* The math family's (runtime/ops/math_ops.c), float32 and float64 only: */
    TACT_CUDA_POW,
    TACT_CUDA_MAXIMUM, /* a NaN on either side wins */
    TACT_CUDA_MINIMUM,
    TACT_CUDA_FLOOR_DIV,
    TACT_CUDA_FLOOR_MOD, /* the divisor's sign */
    TACT_CUDA_SQUARED_DIFFERENCE,
    /* Comparisons, float32 and float64 in, bool (bytes of 0 or 1) out: */
    TACT_CUDA_EQUAL,
    TACT_CUDA_NOT_EQUAL,
    TACT_CUDA_LESS,
    TACT_CUDA_LESS_EQUAL,
    TACT_CUDA_GREATER,
    TACT_CUDA_GREATER_EQUAL,
    /* bool in and out: */
    TACT_CUDA_LOGICAL_AND,
    TACT_CUDA_LOGICAL_OR,
} tact_cuda_binary_t;

typedef enum {
    TACT_CUDA_NEG,
    TACT_CUDA_RELU,
    TACT_CUDA_SIGMOID, /* float32 and float64 only */
    TACT_CUDA_TANH,    /* float32 and float64 only */
    /* The math family's (runtime/ops/math_ops.c), float32 and float64 only: */
    TACT_CUDA_ABS,
    TACT_CUDA_SQUARE,
    TACT_CUDA_SQRT,
    TACT_CUDA_RSQRT,
    TACT_CUDA_EXP,
    TACT_CUDA_LOG,
    TACT_CUDA_SIGN,
    TACT_CUDA_FLOOR,
    TACT_CUDA_CEIL,
    TACT_CUDA_ROUND, /* half to even */
    TACT_CUDA_RECIPROCAL,
    TACT_CUDA_RELU6,
    TACT_CUDA_LEAKY_RELU, /* alpha * x below 0 */
    TACT_CUDA_ELU,
    TACT_CUDA_SOFTPLUS,    /* TensorFlow's thresholds */
    TACT_CUDA_LOGICAL_NOT, /* bool only */
} tact_cuda_unary_t;

/* Max, Min and Prod over axes (tact__cuda_reduce_op). */
typedef enum {
    TACT_CUDA_REDUCE_MAX, /* a NaN wins; -inf over nothing */
    TACT_CUDA_REDUCE_MIN, /* a NaN wins; +inf over nothing */
    TACT_CUDA_REDUCE_PROD,
} tact_cuda_reduce_t;

/* How a binary op's inputs line up with its output. */
typedef enum {
    TACT_CUDA_SAME,     /* a, b and out have n elements each */
    TACT_CUDA_SCALAR_A, /* a is one element */
    TACT_CUDA_SCALAR_B, /* b is one element */
    TACT_CUDA_STRIDED,  /* through a tact_cuda_walk_t */
} tact_cuda_bcast_t;

/* A row-major walk over dims[0..ndims): element i of the walk (i counted row-major over dims)
 * is element sum(idx[d] * stride_a[d]) of one input and sum(idx[d] * stride_b[d]) of another.
 * Strides are in elements; 0 repeats (numpy broadcasting). Passed by value to the kernels. */
typedef struct tact_cuda_walk {
    int ndims;
    int64_t dims[TACT_MAX_DIMS];
    int64_t stride_a[TACT_MAX_DIMS];
    int64_t stride_b[TACT_MAX_DIMS];
} tact_cuda_walk_t;

/* out[i] = a op b for the n output elements: Add, Sub, Mul (float32, float64, int32, int64),
 * RealDiv and the math family's (float32, float64; comparisons give bool), LogicalAnd and
 * LogicalOr (bool). `dtype` is the inputs'. `walk` is read for TACT_CUDA_STRIDED only (dims: the
 * output's, stride_a / stride_b: a's and b's). */
int tact__cuda_binary(tact_cuda_binary_t op, tact_dtype_t dtype, const void *a, const void *b,
                      void *out, int64_t n, tact_cuda_bcast_t bcast, tact_cuda_walk_t walk,
                      void *stream);

/* out[i] = op(x[i]) for n elements: Neg, Relu (float32, float64, int32, int64), Sigmoid, Tanh
 * and the math family's (float32, float64), LogicalNot (bool). `alpha`: LeakyRelu's. */
int tact__cuda_unary(tact_cuda_unary_t op, tact_dtype_t dtype, const void *x, void *out, int64_t n,
                     double alpha, void *stream);

/* out[i] += x[i] for n elements (float32, float64, int32, int64): AddN's later inputs. */
int tact__cuda_accumulate(tact_dtype_t dtype, const void *x, void *out, int64_t n, void *stream);

/* Bytes of the scratch tact__cuda_reduce joins a split reduction's parts through (and
 * tact__cuda_softmax a split row's): 8 bytes per output and part of a split column sum. */
#define TACT_CUDA_REDUCE_SCRATCH_BYTES (256 * 1024)

/* Softmax of each of `rows` rows of `cols` elements (float32, float64): a warp per short row,
 * a block per longer one, and a few long rows split over several blocks each, joined through
 * `scratch` (TACT_CUDA_REDUCE_SCRATCH_BYTES of device memory; NULL: no split). */
int tact__cuda_softmax(tact_dtype_t dtype, const void *x, void *out, int64_t rows, int64_t cols,
                       void *scratch, void *stream);

/* Sum (or mean) of n_red elements for each of n_out outputs (float32, float64, int32, int64):
 * output i reads x at offset keep(i) + red(r) for r in [0, n_red), where keep walks the kept
 * axes (dims and stride_a) and red the reduced ones. A thread per output, a block per output,
 * a block per group of adjacent outputs for outer-axis sums, or, where the outputs alone
 * cannot fill the GPU, blocks per part of an output and a second pass that joins the parts
 * through `scratch` (TACT_CUDA_REDUCE_SCRATCH_BYTES of device memory, used in stream order;
 * NULL: no split). A float mean of nothing is NaN, an integer one 0; an integer mean
 * truncates. */
int tact__cuda_reduce(tact_dtype_t dtype, int mean, const void *x, void *out, int64_t n_out,
                      int64_t n_red, tact_cuda_walk_t keep, tact_cuda_walk_t red, void *scratch,
                      void *stream);

/* Max, Min or Prod of n_red elements for each of n_out outputs (float32, float64), through the
 * walks and the ways tact__cuda_reduce takes. Over nothing: the op's identity (-inf, +inf,
 * 1). */
int tact__cuda_reduce_op(tact_cuda_reduce_t op, tact_dtype_t dtype, const void *x, void *out,
                         int64_t n_out, int64_t n_red, tact_cuda_walk_t keep, tact_cuda_walk_t red,
                         void *scratch, void *stream);

/* out = the [rows, cols] matrix x transposed, for elements of esz bytes (1, 4 or 8). */
int tact__cuda_transpose2d(size_t esz, const void *x, void *out, int64_t rows, int64_t cols,
                           void *stream);

/* out[i] = x[walk offset of i] (stride_a) for n elements of esz bytes (1, 4 or 8): the general
 * transpose, `walk` going over the output's dims with the input's strides. */
int tact__cuda_gather(size_t esz, const void *x, void *out, int64_t n, tact_cuda_walk_t walk,
                      void *stream);

/* n elements of x converted from `from` to `to` (bool, int32, int64, float32, float64; bools are
 * bytes, read as "!= 0"). from != to. */
int tact__cuda_cast(tact_dtype_t from, tact_dtype_t to, const void *x, void *out, int64_t n,
                    void *stream);

/* n elements of esz bytes (1, 4 or 8), each the low esz bytes of `bits` (its bytes in memory
 * order: what memcpy from the value gives). */
int tact__cuda_fill(size_t esz, uint64_t bits, void *out, int64_t n, void *stream);

TACT_END_DECLS

#endif
