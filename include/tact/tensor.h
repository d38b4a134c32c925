/* SPDX-License-Identifier: MIT */
/* Host tensors: a dtype, a shape and row-major data.
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

/* ------------------------------------------------------------------------------------------ */
/* Data types                                                                                 */
/* ------------------------------------------------------------------------------------------ */

/* XX(NAME, C type, element bytes, numpy name) */
#define TACT_DTYPE_MAP(XX)                    \
    XX(F32,    float,   4, "float32")         \
    XX(F64,    double,  8, "float64")         \
    XX(I32,    int32_t, 4, "int32")           \
    XX(I64,    int64_t, 8, "int64")           \
    XX(BOOL,   bool,    1, "bool")            \
    XX(STRING, void *,  0, "string")

typedef enum {
#define XX(name, ctype, size, text) TACT_DTYPE_##name,
    TACT_DTYPE_MAP(XX)
#undef XX
    TACT_DTYPE_COUNT
} tact_dtype_t;

/* The most dimensions a tensor may have. */
#define TACT_MAX_DIMS 8

/* numpy's name of the dtype ("float32"). Never NULL. */
TACT_API const char *tact_dtype_name(tact_dtype_t dtype);

/* Bytes per element; 0 for TACT_DTYPE_STRING and for values outside the map. */
TACT_API size_t tact_dtype_size(tact_dtype_t dtype);

/* ------------------------------------------------------------------------------------------ */
/* Tensors                                                                                    */
/* ------------------------------------------------------------------------------------------ */

typedef struct tact_tensor tact_tensor_t;

/* A new tensor of `dtype` and shape dims[0..ndims) (ndims 0: a scalar, dims may then be NULL).
 * `data` holds nelems elements, row-major, and is copied; NULL means zeros (for
 * TACT_DTYPE_STRING: `const char *const *` C strings, NULL meaning empty strings). Caller owns
 * the result. On failure returns NULL and fills `st`: INVALID_ARGUMENT for an invalid dtype, a
 * negative dimension, too many dimensions, a size that overflows or a NULL string element;
 * RESOURCE_EXHAUSTED when the host refuses the memory (never an abort). Thread-safe. */
TACT_API tact_tensor_t *tact_tensor_new(tact_dtype_t dtype, const int64_t *dims, int ndims,
                                        const void *data, tact_status_t *st);

/* A deep copy of `t`. Caller owns the result. Aborts on host OOM (`t` already holds as much):
 * make a tensor with tact_tensor_new to get a status instead. REQUIRES: t is a live tensor. */
TACT_API tact_tensor_t *tact_tensor_clone(const tact_tensor_t *t);

TACT_API tact_dtype_t tact_tensor_dtype(const tact_tensor_t *t);
TACT_API int tact_tensor_ndims(const tact_tensor_t *t);
/* Size of dimension i. REQUIRES: 0 <= i < ndims. */
TACT_API int64_t tact_tensor_dim(const tact_tensor_t *t, int i);
TACT_API int64_t tact_tensor_nelems(const tact_tensor_t *t);
/* Bytes of data: nelems * tact_dtype_size(dtype); for TACT_DTYPE_STRING the total length of
 * the elements (their bytes, without the NULs that follow them). */
TACT_API size_t tact_tensor_nbytes(const tact_tensor_t *t);
/* The elements, row-major. Borrowed; valid until the tensor is destroyed. NULL for an empty
 * tensor and for a string tensor, whose elements tact_tensor_string gives. */
TACT_API void *tact_tensor_data(const tact_tensor_t *t);

/* ------------------------------------------------------------------------------------------ */
/* String tensors (TACT_DTYPE_STRING): each element is a byte string of any length, NUL bytes  */
/* included, as TensorFlow's tf.string.                                                       */
/* ------------------------------------------------------------------------------------------ */

/* A new string tensor of shape dims[0..ndims): element i holds lens[i] bytes copied from
 * bytes[i]; lens NULL means each bytes[i] is a NUL-terminated C string; bytes NULL means empty
 * strings. (tact_tensor_new with TACT_DTYPE_STRING takes `data` as `const char *const *` C
 * strings, or NULL.) Caller owns the result. On failure returns NULL and fills `st`. */
TACT_API tact_tensor_t *tact_tensor_new_strings(const int64_t *dims, int ndims,
                                                const char *const *bytes, const size_t *lens,
                                                tact_status_t *st);

/* Element i (row-major) of a string tensor: its bytes, borrowed and valid until the tensor is
 * destroyed, with the length in *len (may be NULL). The bytes are followed by a NUL that is
 * not counted. REQUIRES: dtype TACT_DTYPE_STRING and 0 <= i < nelems. */
TACT_API const char *tact_tensor_string(const tact_tensor_t *t, int64_t i, size_t *len);

/* Free the tensor. Accepts NULL and *t_p == NULL; sets *t_p to NULL. */
TACT_API void tact_tensor_destroy(tact_tensor_t **t_p);

/* Print the values as numpy does (`30.0`, `[3. 5.]`, `[[22. 28.]\n [49. 64.]]`, `[1 2]`,
 * `[ True False]`; strings as Python's bytes: `b'hi'`, `[b'a' b'\x00\n']`) into buf[0..len),
 * always NUL-terminated when len > 0. Returns the length of the full text, like snprintf, so a
 * call with len 0 measures it. */
TACT_API size_t tact_tensor_format(const tact_tensor_t *t, char *buf, size_t len);

TACT_END_DECLS

#endif
