/* SPDX-License-Identifier: MIT */
/* The tensor struct and shape helpers shared by the runtime and the devices. */
#ifndef TACT_RUNTIME_TENSOR_IMPL_H
#define TACT_RUNTIME_TENSOR_IMPL_H

#include "runtime/base/prelude.h"

/* A static shape: ndims -1 is an unknown rank, a dimension -1 an unknown size. */
typedef struct tact_shape {
    int ndims;
    int64_t dims[TACT_MAX_DIMS];
} tact_shape_t;

/* One element of a TACT_DTYPE_STRING tensor: `len` bytes at `ptr` (NUL bytes allowed), then a
 * NUL that is not counted. Every element with len > 0 owns its buffer (malloc'd, len + 1
 * bytes); every element with len 0 points at one shared static "" that is never freed, so an
 * empty string tensor costs no allocation per element. Write elements only through
 * tact__tensor_set_string, tact__tensor_take_string and tact__tensor_copy_elements, which keep
 * that rule; never memcpy the array from one tensor to another (two owners, a double free). */
typedef struct tact_string {
    char *ptr;
    size_t len;
} tact_string_t;

struct tact_tensor {
    uint32_t tag;            /* TACT_TAG_TENSOR */
    _Atomic int refs;        /* tact_tensor_destroy drops one; the last frees */
    tact_dtype_t dtype;
    int ndims;
    int64_t dims[TACT_MAX_DIMS];
    int64_t nelems;
    size_t nbytes;           /* bytes at `data`: for strings the tact_string_t array (not what
                                tact_tensor_nbytes reports, the total length of the strings) */
    void *data;              /* inline_data, or 64-byte aligned; NULL when nbytes is 0. For
                                strings an array of nelems tact_string_t */
    /* Data the tensor does not own, released through free_data(free_ctx, data) by the last
     * destroy: a device's own memory (a GPU's; such tensors live only in a step's value slots
     * on their device, and the plan copies them to the host before any host code reads them),
     * or a caller's host buffer (tact_tensor_new_borrowed). NULL for host data the tensor
     * allocated and frees itself. */
    void (*free_data)(void *ctx, void *data);
    void *free_ctx;
    /* The session's host memory limit that `nbytes` is charged to (a reference), given back
     * by the last destroy; NULL when none is. */
    struct tact_host_limit *limit;
    /* Small tensors (scalars, short vectors) keep their data here: one allocation instead of
     * two on the hot path of small runs. */
    alignas(16) unsigned char inline_data[64];
};

/* A tensor over `data` in a device's memory, of the dtype and shape given, released with
 * free_data(free_ctx, data) when its last reference goes. REQUIRES: a fixed-size dtype and a
 * valid shape; data holds the tensor's bytes (may be NULL when they are 0). */
tact_tensor_t *tact__tensor_wrap_device(tact_dtype_t dtype, const int64_t *dims, int ndims,
                                        void *data, void (*free_data)(void *ctx, void *data),
                                        void *free_ctx);

/* Reshape without a copy, as TensorFlow's Reshape aliases its input's buffer: a new tensor of
 * `dims` over src's bytes (host or device memory), holding a reference to src until its last
 * reference goes. tact__tensor_refs counts src's other holders too, so such a view is never
 * taken for the only owner of its bytes while another tensor still shows them. REQUIRES: a
 * fixed-size dtype; dims hold src's element count. */
tact_tensor_t *tact__tensor_reshaped(tact_tensor_t *src, const int64_t *dims, int ndims);

/* The bytes of a tensor of this dtype and shape; false when they overflow or the shape is
 * invalid. */
bool tact__tensor_nbytes_of(tact_dtype_t dtype, const int64_t *dims, int ndims, size_t *nbytes);

/* THE checked entry point for every tensor whose size comes from data (kernel outputs, feeds,
 * user dims, constants, queue elements, imported constants, checkpoint tensors): a tensor of
 * this dtype and shape whose data is left uninitialised (a string tensor comes with empty
 * strings). Never aborts on bad sizes or refused memory; returns NULL and fills `st`:
 * - INVALID_ARGUMENT for an invalid dtype, rank or dimension, and for a shape of more than
 *   2^63 - 1 elements ("Shape [..] would have more than 2**63 - 1 elements", as TensorFlow);
 * - RESOURCE_EXHAUSTED "OOM when allocating tensor with shape[..] and type float on
 *   /job:localhost/replica:0/task:0/device:CPU:0 by allocator cpu" (TensorFlow's words) when
 *   the bytes pass what a C object may hold, pass `limit`, or the memory is refused.
 * `limit` (may be NULL) is the session's host memory limit the bytes are charged to until the
 * tensor is freed; `device` ("CPU:1"; NULL: "CPU:0") is the device the message names. Callers
 * inside a kernel append the node, as TensorFlow does. Thread-safe. */
struct tact_host_limit;
tact_tensor_t *tact__tensor_try_alloc(tact_dtype_t dtype, const int64_t *dims, int ndims,
                                      struct tact_host_limit *limit, const char *device,
                                      tact_status_t *st);

/* tact__tensor_try_alloc of x's dtype and shape (uninitialised data), its data from the pinned
 * pool when `pinned` and the dtype has a fixed size (tact__tensor_try_alloc_pinned). x's shape
 * needs no checks: the output of an element-wise op of equal shapes. */
tact_tensor_t *tact__tensor_try_alloc_like(const tact_tensor_t *x, bool pinned,
                                           struct tact_host_limit *limit, const char *device,
                                           tact_status_t *st);

/* A deep copy of `t` through tact__tensor_try_alloc: NULL with `st` filled when refused. */
tact_tensor_t *tact__tensor_try_clone(const tact_tensor_t *t, struct tact_host_limit *limit,
                                      const char *device, tact_status_t *st);

/* As tact__tensor_try_alloc, but aborts on host OOM: only for tact's own bookkeeping-sized
 * tensors (scalars, a queue's size), never for a size that comes from data. REQUIRES: a valid
 * dtype and shape (checked by the caller). */
tact_tensor_t *tact__tensor_alloc(tact_dtype_t dtype, const int64_t *dims, int ndims);
/* tact__tensor_try_alloc for a tensor that crosses to or from a GPU: a large one takes a
 * pinned block from the pool (tact__host_try_alloc_pinned), so its copy goes by DMA.
 * REQUIRES: a fixed-size dtype. */
tact_tensor_t *tact__tensor_try_alloc_pinned(tact_dtype_t dtype, const int64_t *dims, int ndims,
                                             struct tact_host_limit *limit, const char *device,
                                             tact_status_t *st);

/* Element i of a string tensor becomes a copy of bytes[0..len) (bytes may be NULL when len is
 * 0); the old element is freed. REQUIRES: dtype TACT_DTYPE_STRING, 0 <= i < nelems. */
void tact__tensor_set_string(tact_tensor_t *t, int64_t i, const char *bytes, size_t len);

/* As tact__tensor_set_string, but takes `owned` (malloc'd, len + 1 bytes, owned[len] == '\0')
 * without copying it: a reader's whole file goes in without a second copy. */
void tact__tensor_take_string(tact_tensor_t *t, int64_t i, char *owned, size_t len);

/* dst's elements [dst_at, dst_at + n) become copies of src's [src_at, src_at + n): a memcpy for
 * fixed-size dtypes, a copy of each string for strings. The one way to move rows between
 * tensors that is right for every dtype. REQUIRES: the same dtype, both ranges in bounds, and
 * for strings no overlap when dst is src. */
void tact__tensor_copy_elements(tact_tensor_t *dst, int64_t dst_at, const tact_tensor_t *src,
                                int64_t src_at, int64_t n);

/* Take another reference (a session's variable value shared with a running step). Tensors
 * with more than one reference are never written in place and never handed to a caller
 * without a copy. Returns t. */
tact_tensor_t *tact__tensor_ref(tact_tensor_t *t);
int tact__tensor_refs(const tact_tensor_t *t);

/* numpy's repr of the tensor as an array, "array([[0, 0],\n       [1, 2]])" or "array([1., 2.],
 * dtype=float32)", as tact_tensor_format prints its str; same return and buffer rules. */
size_t tact__tensor_format_repr(const tact_tensor_t *t, char *buf, size_t len);

/* The tensor's shape as a tact_shape_t. */
tact_shape_t tact__tensor_shape(const tact_tensor_t *t);

/* Elements of a fully known shape; -1 when any size is unknown. */
int64_t tact__shape_nelems(const tact_shape_t *s);

/* True when `value` (fully known) fits the static shape `want` (unknowns match anything). */
bool tact__shape_compatible(const tact_shape_t *want, const tact_shape_t *value);

/* tact__shape_compatible for a fully known shape given as (ndims, dims): a tensor's, read in
 * place instead of copied into a tact_shape_t. */
static inline bool tact__shape_fits(const tact_shape_t *want, int ndims, const int64_t *dims)
{
    if (want->ndims < 0)
        return true;
    if (want->ndims != ndims)
        return false;
    for (int i = 0; i < ndims; i++) {
        if (want->dims[i] != -1 && want->dims[i] != dims[i])
            return false;
    }
    return true;
}

/* "[2,3]" (TensorFlow's runtime form; "?" for unknown sizes, "<unknown>" for unknown rank).
 * Returns buf. */
char *tact__shape_str(const tact_shape_t *s, char *buf, size_t len);

/* "(2, 3)" / "(2,)" / "()": Python's tuple form, as TensorFlow's client prints shapes. */
char *tact__shape_tuple_str(const tact_shape_t *s, char *buf, size_t len);

/* TensorFlow's C++ name of a dtype ("float", "double", "int32", "int64", "bool", "string"). */
const char *tact__dtype_tf_name(tact_dtype_t dtype);

/* True for a dtype inside the map. */
static inline bool tact__dtype_valid(tact_dtype_t dtype)
{
    return (unsigned) dtype < (unsigned) TACT_DTYPE_COUNT;
}

#endif
