/* SPDX-License-Identifier: MIT */
/** @file
 * Host tensors: a dtype, a shape and row-major data.
 *
 * Memory: every allocation whose size comes from data (a tensor made here from user dims, a
 * constant's copy, a feed's copy, a kernel's output, a queue element) is checked: a size that
 * overflows is INVALID_ARGUMENT, memory refused is RESOURCE_EXHAUSTED ("OOM when allocating
 * tensor with shape[..] and type .. on /job:localhost/replica:0/task:0/device:CPU:0 by
 * allocator cpu"), and the process lives on. Only tact's own bookkeeping (small internal
 * structures whose size does not come from data) aborts when the host has no memory left. */
#ifndef TACT_TENSOR_H
#define TACT_TENSOR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <tact/export.h>
#include <tact/status.h>

TACT_BEGIN_DECLS

/** ------------------------------------------------------------------------------------------ */
/** Data types                                                                                 */
/** ------------------------------------------------------------------------------------------ */

/** XX(NAME, C type, element bytes, numpy name). Values are only ever appended. TACT_DTYPE_F16
 * is IEEE 754 binary16 (TensorFlow's DT_HALF), stored as its 16 bits in a uint16_t. */
#define TACT_DTYPE_MAP(XX)                    \
    XX(F32,    float,    4, "float32")        \
    XX(F64,    double,   8, "float64")        \
    XX(I32,    int32_t,  4, "int32")          \
    XX(I64,    int64_t,  8, "int64")          \
    XX(BOOL,   bool,     1, "bool")           \
    XX(STRING, void *,   0, "string")         \
    XX(U8,     uint8_t,  1, "uint8")          \
    XX(I8,     int8_t,   1, "int8")           \
    XX(I16,    int16_t,  2, "int16")          \
    XX(F16,    uint16_t, 2, "float16")

typedef enum {
#define XX(name, ctype, size, text) TACT_DTYPE_##name,
    TACT_DTYPE_MAP(XX)
#undef XX
    TACT_DTYPE_COUNT
} tact_dtype_t;

/** The most dimensions a tensor may have. */
#define TACT_MAX_DIMS 8

/** numpy's name of the dtype ("float32"). Never NULL. */
TACT_API const char *tact_dtype_name(tact_dtype_t dtype);

/** Bytes per element; 0 for TACT_DTYPE_STRING and for values outside the map. */
TACT_API size_t tact_dtype_size(tact_dtype_t dtype);

/** ------------------------------------------------------------------------------------------ */
/** Tensors                                                                                    */
/** ------------------------------------------------------------------------------------------ */

typedef struct tact_tensor tact_tensor_t;

/** A new tensor of `dtype` and shape dims[0..ndims) (ndims 0: a scalar, dims may then be NULL).
 * `data` holds nelems elements, row-major, and is copied; NULL means zeros (for
 * TACT_DTYPE_STRING: `const char *const *` C strings, NULL meaning empty strings). Caller owns
 * the result. On failure returns NULL and fills `st`: INVALID_ARGUMENT for an invalid dtype, a
 * negative dimension, too many dimensions, a size that overflows or a NULL string element;
 * RESOURCE_EXHAUSTED when the host refuses the memory (never an abort). Thread-safe. */
TACT_API tact_tensor_t *tact_tensor_new(tact_dtype_t dtype, const int64_t *dims, int ndims,
                                        const void *data, tact_status_t *st);

/** A deep copy of `t`. Caller owns the result. Aborts on host OOM (`t` already holds as much):
 * make a tensor with tact_tensor_new to get a status instead. REQUIRES: t is a live tensor. */
TACT_API tact_tensor_t *tact_tensor_clone(const tact_tensor_t *t);

/** The tensor's dtype. */
TACT_API tact_dtype_t tact_tensor_dtype(const tact_tensor_t *t);
/** The number of dimensions (0 for a scalar). */
TACT_API int tact_tensor_ndims(const tact_tensor_t *t);
/** Size of dimension i. REQUIRES: 0 <= i < ndims. */
TACT_API int64_t tact_tensor_dim(const tact_tensor_t *t, int i);
/** The number of elements: the product of the dimensions (1 for a scalar). */
TACT_API int64_t tact_tensor_nelems(const tact_tensor_t *t);
/** Bytes of data: nelems * tact_dtype_size(dtype); for TACT_DTYPE_STRING the total length of
 * the elements (their bytes, without the NULs that follow them). */
TACT_API size_t tact_tensor_nbytes(const tact_tensor_t *t);
/** The elements, row-major. Borrowed; valid until the tensor is destroyed. NULL for an empty
 * tensor and for a string tensor, whose elements tact_tensor_string gives. */
TACT_API void *tact_tensor_data(const tact_tensor_t *t);

/** ------------------------------------------------------------------------------------------ */
/** Zero-copy: tensors over the caller's memory, results into the caller's memory               */
/** ------------------------------------------------------------------------------------------ */

/** A tensor over the caller's buffer data[0..len), without a copy (TensorFlow's TF_NewTensor).
 * When the last reference goes (tact_tensor_destroy, and the runtime's own references: a
 * variable assigned from a feed keeps its value), deallocator(data, len, arg) is called once,
 * from whichever thread drops it; deallocator may be NULL (the caller frees the buffer after
 * the tensor is gone). Fed to tact_session_run, the buffer is read in place: no kernel ever
 * writes into a fed tensor, so a read-only mapping is a valid feed. The caller must not change
 * the buffer while the tensor lives.
 * Requirements, each an INVALID_ARGUMENT naming the problem when not met: a fixed-size dtype
 * (not TACT_DTYPE_STRING), a valid shape, len >= nelems * tact_dtype_size(dtype) (a larger len
 * is allowed and passed back to the deallocator, as in TensorFlow), data not NULL unless the
 * tensor is empty, and data aligned to tact_dtype_size(dtype) (tact's kernels need no more;
 * TACT_TENSOR_ALIGNMENT, the alignment of tact's own large tensors, suits vector code best).
 * Unlike TensorFlow, which copies an unaligned buffer, tact refuses it: a silent copy
 * would defeat the call's purpose. On failure the buffer stays the caller's and the
 * deallocator is not called (tact's "ownership moves only on success").
 * Caller owns the result. Thread-safe. */
TACT_API tact_tensor_t *tact_tensor_new_borrowed(tact_dtype_t dtype, const int64_t *dims,
                                                 int ndims, void *data, size_t len,
                                                 void (*deallocator)(void *data, size_t len,
                                                                     void *arg),
                                                 void *arg, tact_status_t *st);

/** The alignment of tact's own tensor data above 64 bytes, in bytes. */
#define TACT_TENSOR_ALIGNMENT 64

/** Copy the elements of `t` (row-major, tact_tensor_nbytes bytes) into buf[0..len): a server
 * writes a result straight into its reply buffer. INVALID_ARGUMENT when len is smaller than
 * the tensor's bytes, buf is NULL with bytes to copy, or t is a string tensor. REQUIRES: t is a
 * live tensor. Thread-safe. */
TACT_API tact_code_t tact_tensor_copy_to(const tact_tensor_t *t, void *buf, size_t len,
                                         tact_status_t *st);

/** ------------------------------------------------------------------------------------------ */
/** String tensors (TACT_DTYPE_STRING): each element is a byte string of any length, NUL bytes  */
/** included, as TensorFlow's tf.string.                                                       */
/** ------------------------------------------------------------------------------------------ */

/** A new string tensor of shape dims[0..ndims): element i holds lens[i] bytes copied from
 * bytes[i]; lens NULL means each bytes[i] is a NUL-terminated C string; bytes NULL means empty
 * strings. (tact_tensor_new with TACT_DTYPE_STRING takes `data` as `const char *const *` C
 * strings, or NULL.) Caller owns the result. On failure returns NULL and fills `st`. */
TACT_API tact_tensor_t *tact_tensor_new_strings(const int64_t *dims, int ndims,
                                                const char *const *bytes, const size_t *lens,
                                                tact_status_t *st);

/** Element i (row-major) of a string tensor: its bytes, borrowed and valid until the tensor is
 * destroyed, with the length in *len (may be NULL). The bytes are followed by a NUL that is
 * not counted. REQUIRES: dtype TACT_DTYPE_STRING and 0 <= i < nelems. */
TACT_API const char *tact_tensor_string(const tact_tensor_t *t, int64_t i, size_t *len);

/** Free the tensor. Accepts NULL and *t_p == NULL; sets *t_p to NULL. */
TACT_API void tact_tensor_destroy(tact_tensor_t **t_p);

/** Print the values as numpy does (`30.0`, `[3. 5.]`, `[[22. 28.]\n [49. 64.]]`, `[1 2]`,
 * `[ True False]`; strings as Python's bytes: `b'hi'`, `[b'a' b'\x00\n']`) into buf[0..len),
 * always NUL-terminated when len > 0. Returns the length of the full text, like snprintf, so a
 * call with len 0 measures it. */
TACT_API size_t tact_tensor_format(const tact_tensor_t *t, char *buf, size_t len);

TACT_END_DECLS

#endif
