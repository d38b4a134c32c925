/* SPDX-License-Identifier: MIT */
/* Host tensors: dtype names and sizes, creation with shape checks, the accessors, string
 * elements (each owned by its tensor, see tact_string_t), the static shape helpers the graph
 * and devices share, and tact_tensor_format, which prints values exactly as numpy's str() does
 * (what `print(sess.run(t))` shows in TensorFlow 1.x). Not for device memory (devices own
 * their buffers) nor for arithmetic (kernels live in devices/). */
#include "runtime/base/half.h"
#include "runtime/base/host_alloc.h"
#include "runtime/base/host_limit.h"
#include "runtime/base/tensor_impl.h"

#define XX(name, ctype, size, text)                                                                \
    _Static_assert((size) == 0 || sizeof(ctype) == (size), "dtype size of " #name);
TACT_DTYPE_MAP(XX)
#undef XX

/* ------------------------------------------------------------------------------------------ */
/* Data types                                                                                 */
/* ------------------------------------------------------------------------------------------ */

const char *tact_dtype_name(tact_dtype_t dtype)
{
    switch (dtype) {
#define XX(name, ctype, size, text)                                                                \
    case TACT_DTYPE_##name:                                                                        \
        return text;
        TACT_DTYPE_MAP(XX)
#undef XX
    default:
        return "unknown dtype";
    }
}

size_t tact_dtype_size(tact_dtype_t dtype)
{
    switch (dtype) {
#define XX(name, ctype, size, text)                                                                \
    case TACT_DTYPE_##name:                                                                        \
        return size;
        TACT_DTYPE_MAP(XX)
#undef XX
    default:
        return 0;
    }
}

const char *tact__dtype_tf_name(tact_dtype_t dtype)
{
    switch (dtype) {
    case TACT_DTYPE_F32:
        return "float";
    case TACT_DTYPE_F64:
        return "double";
    case TACT_DTYPE_I32:
        return "int32";
    case TACT_DTYPE_I64:
        return "int64";
    case TACT_DTYPE_BOOL:
        return "bool";
    case TACT_DTYPE_STRING:
        return "string";
    case TACT_DTYPE_U8:
        return "uint8";
    case TACT_DTYPE_I8:
        return "int8";
    case TACT_DTYPE_I16:
        return "int16";
    case TACT_DTYPE_F16:
        return "half";
    default:
        return "unknown dtype";
    }
}

/* ------------------------------------------------------------------------------------------ */
/* Creation and accessors                                                                     */
/* ------------------------------------------------------------------------------------------ */

/* The shared empty string of every string element of length 0 (see tact_string_t). Never
 * written and never freed. */
static char tensor_empty_string[1] = "";

/* Bytes one element takes at `data`, by dtype: a tact_string_t for strings. A table, not
 * tact_dtype_size's switch: every tensor allocation reads it. */
static const size_t tensor_elem_sizes[TACT_DTYPE_COUNT] = {
#define XX(name, ctype, size, text)                                                                \
    [TACT_DTYPE_##name] = TACT_DTYPE_##name == TACT_DTYPE_STRING ? sizeof(tact_string_t) : (size),
    TACT_DTYPE_MAP(XX)
#undef XX
};

/* REQUIRES: a valid dtype. */
static size_t tensor_elem_size(tact_dtype_t dtype)
{
    return tensor_elem_sizes[dtype];
}

/* What tensor_count found: sizes, or which of them overflows. */
typedef enum {
    TENSOR_SIZES_OK = 0,
    TENSOR_SIZES_TOO_MANY_ELEMENTS,  /* more than INT64_MAX: the shape itself is invalid */
    TENSOR_SIZES_TOO_MANY_BYTES,     /* a valid shape whose bytes no C object can hold */
} tensor_sizes_t;

/* Element count and byte size of a shape whose dimensions are all >= 0. The byte limit is
 * PTRDIFF_MAX because no C object may be larger. */
static tensor_sizes_t tensor_count(tact_dtype_t dtype, const int64_t *dims, int ndims,
                                   int64_t *nelems, size_t *nbytes)
{
    int64_t n = 1;
    bool empty = false;
    bool overflow = false;

    /* A zero anywhere makes the tensor empty, however large the other dimensions are. */
    for (int i = 0; i < ndims; i++) {
        if (dims[i] == 0)
            empty = true;
        else if (n > INT64_MAX / dims[i])
            overflow = true;
        else
            n *= dims[i];
    }
    if (empty) {
        *nelems = 0;
        *nbytes = 0;
        return TENSOR_SIZES_OK;
    }
    if (overflow)
        return TENSOR_SIZES_TOO_MANY_ELEMENTS;
    size_t size = tensor_elem_size(dtype);
    if ((uint64_t) n > (uint64_t) PTRDIFF_MAX / size)
        return TENSOR_SIZES_TOO_MANY_BYTES;
    *nelems = n;
    *nbytes = (size_t) n * size;
    return TENSOR_SIZES_OK;
}

static bool tensor_sizes(tact_dtype_t dtype, const int64_t *dims, int ndims, int64_t *nelems,
                         size_t *nbytes)
{
    return tensor_count(dtype, dims, ndims, nelems, nbytes) == TENSOR_SIZES_OK;
}

static void tensor_assert_live(const tact_tensor_t *t)
{
    TACT_ASSERT(t != NULL);
    TACT_ASSERT(t->tag == TACT_TAG_TENSOR);
}

static inline tact_tensor_t *tensor_header_sized(tact_dtype_t dtype, const int64_t *dims, int ndims,
                                                 int64_t nelems, size_t nbytes);

/* A tensor struct with its header filled in and no data yet. */
static tact_tensor_t *tensor_header(tact_dtype_t dtype, const int64_t *dims, int ndims)
{
    TACT_ASSERT(tact__dtype_valid(dtype));
    TACT_ASSERT(ndims >= 0 && ndims <= TACT_MAX_DIMS);
    TACT_ASSERT(dims != NULL || ndims == 0);
    for (int i = 0; i < ndims; i++)
        TACT_ASSERT(dims[i] >= 0);
    int64_t nelems;
    size_t nbytes;
    TACT_ASSERT(tensor_sizes(dtype, dims, ndims, &nelems, &nbytes));
    return tensor_header_sized(dtype, dims, ndims, nelems, nbytes);
}

/* ------------------------------------------------------------------------------------------ */
/* Recycled headers                                                                           */
/* ------------------------------------------------------------------------------------------ */

/* Each thread keeps the last few tensor headers it freed (inline bytes included) for its next
 * tensors: a small run makes and frees a tensor or two, and malloc plus free cost it more than
 * the rest of the allocation. A header is plain malloc'd memory, so a tensor made on one
 * thread and freed on another just lands in the freeing thread's cache. A thread's cache is
 * emptied when the thread exits (a pthread key's destructor), the exiting process's by a
 * library destructor; that thread then frees headers directly. Initial-exec TLS: a fixed
 * offset from the thread pointer instead of a __tls_get_addr call per use; the struct is small
 * enough for the static TLS that glibc keeps for libraries loaded by dlopen. */
#define TENSOR_CACHE_SIZE 8

enum { TENSOR_CACHE_NEW = 0, TENSOR_CACHE_LIVE, TENSOR_CACHE_GONE };

typedef struct tensor_cache {
    int n;
    int state; /* TENSOR_CACHE_*: GONE once its thread is exiting */
    tact_tensor_t *free[TENSOR_CACHE_SIZE];
} tensor_cache_t;

static _Thread_local tensor_cache_t tensor_cache __attribute__((tls_model("initial-exec")));
static pthread_key_t tensor_cache_key;
static pthread_once_t tensor_cache_once = PTHREAD_ONCE_INIT;

/* A cached header is off limits to everyone under AddressSanitizer, as a freed one would be,
 * so a use after destroy is still reported. */
#if defined(__SANITIZE_ADDRESS__)
#define TENSOR_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define TENSOR_ASAN 1
#endif
#endif
#ifdef TENSOR_ASAN
void __asan_poison_memory_region(void const volatile *addr, size_t size);
void __asan_unpoison_memory_region(void const volatile *addr, size_t size);
#define TENSOR_POISON(t)   __asan_poison_memory_region((t), sizeof(tact_tensor_t))
#define TENSOR_UNPOISON(t) __asan_unpoison_memory_region((t), sizeof(tact_tensor_t))
#else
#define TENSOR_POISON(t)   ((void) (t))
#define TENSOR_UNPOISON(t) ((void) (t))
#endif

static void tensor_cache_drain(tensor_cache_t *c)
{
    c->state = TENSOR_CACHE_GONE;
    while (c->n > 0) {
        tact_tensor_t *t = c->free[--c->n];
        TENSOR_UNPOISON(t);
        free(t);
    }
}

static void tensor_cache_thread_exit(void *cache)
{
    tensor_cache_drain(cache);
}

static void tensor_cache_key_create(void)
{
    TACT_ASSERT(pthread_key_create(&tensor_cache_key, tensor_cache_thread_exit) == 0);
}

/* The thread that calls exit() runs no key destructors. */
__attribute__((destructor)) static void tensor_cache_process_exit(void)
{
    tensor_cache_drain(&tensor_cache);
}

/* A header for a new tensor: the thread's last freed one, else a new block. */
static tact_tensor_t *tensor_header_take(void)
{
    tensor_cache_t *c = &tensor_cache;
    if (TACT_LIKELY(c->n > 0)) {
        tact_tensor_t *t = c->free[--c->n];
        TENSOR_UNPOISON(t);
        return t;
    }
    tact_tensor_t *t = malloc(sizeof *t);
    TACT_ASSERT(t != NULL);
    return t;
}

/* The first header a thread frees registers its cache for the thread's exit. */
static TACT__NOINLINE void tensor_header_give_slow(tensor_cache_t *c, tact_tensor_t *t)
{
    if (c->state == TENSOR_CACHE_NEW) {
        pthread_once(&tensor_cache_once, tensor_cache_key_create);
        if (pthread_setspecific(tensor_cache_key, c) == 0) {
            c->state = TENSOR_CACHE_LIVE;
            TENSOR_POISON(t);
            c->free[c->n++] = t;
            return;
        }
    }
    free(t); /* full, or the thread is exiting */
}

/* Free a dead tensor's header: into the thread's cache while it has room. */
static void tensor_header_give(tact_tensor_t *t)
{
    tensor_cache_t *c = &tensor_cache;
    if (TACT_LIKELY(c->state == TENSOR_CACHE_LIVE && c->n < TENSOR_CACHE_SIZE)) {
        TENSOR_POISON(t);
        c->free[c->n++] = t;
        return;
    }
    tensor_header_give_slow(c, t);
}

/* tensor_header for sizes already computed (tensor_count). */
static inline tact_tensor_t *tensor_header_sized(tact_dtype_t dtype, const int64_t *dims, int ndims,
                                                 int64_t nelems, size_t nbytes)
{
    /* Every field up to the inline bytes is set (no data, no free_data, no limit, unused dims
     * 0); the inline bytes are the data's, which a new tensor leaves uninitialised. */
    tact_tensor_t *t = tensor_header_take();
    t->tag = TACT_TAG_TENSOR;
    atomic_init(&t->refs, 1);
    t->dtype = dtype;
    t->ndims = ndims;
    memset(t->dims, 0, sizeof t->dims); /* a few wide stores */
    for (int i = 0; i < ndims; i++)
        t->dims[i] = dims[i];
    t->nelems = nelems;
    t->nbytes = nbytes;
    t->data = NULL;
    t->free_data = NULL;
    t->free_ctx = NULL;
    t->limit = NULL;
    return t;
}

static tact_tensor_t *tensor_oom(tact_dtype_t dtype, const int64_t *dims, int ndims,
                                 const char *device, tact_status_t *st)
{
    tact_shape_t shape = {.ndims = ndims};
    char text[8 * 24];
    memcpy(shape.dims, dims, (size_t) ndims * sizeof *dims);
    /* TensorFlow's words; every host device allocates through its "cpu" allocator. */
    tact__fail(st, TACT_CODE_RESOURCE_EXHAUSTED,
               "OOM when allocating tensor with shape%s and type %s on "
               "/job:localhost/replica:0/task:0/device:%s by allocator cpu",
               tact__shape_str(&shape, text, sizeof text), tact__dtype_tf_name(dtype),
               device != NULL ? device : "CPU:0");
    return NULL;
}

static inline tact_tensor_t *tensor_make(tact_dtype_t dtype, const int64_t *dims, int ndims,
                                         int64_t nelems, size_t nbytes, tact_host_limit_t *limit,
                                         const char *device, bool pinned, tact_status_t *st)
    __attribute__((always_inline));

/* tact__tensor_try_alloc, its data from the pinned pool when `pinned`. */
static tact_tensor_t *tensor_try_alloc(tact_dtype_t dtype, const int64_t *dims, int ndims,
                                       tact_host_limit_t *limit, const char *device,
                                       bool pinned, tact_status_t *st)
{
    if (tact__failed(st))
        return NULL;
    if (!tact__dtype_valid(dtype)) {
        tact__fail(st, TACT_CODE_INVALID_ARGUMENT, "tensor: invalid dtype %d", (int) dtype);
        return NULL;
    }
    if (ndims < 0 || ndims > TACT_MAX_DIMS) {
        tact__fail(st, TACT_CODE_INVALID_ARGUMENT,
                   "tensor: %d dimensions is out of range (0 to %d)", ndims, TACT_MAX_DIMS);
        return NULL;
    }
    if (dims == NULL && ndims > 0) {
        tact__fail(st, TACT_CODE_INVALID_ARGUMENT, "tensor: dims is NULL but ndims is %d", ndims);
        return NULL;
    }
    /* The sizes on the way: exact unless a product overflows, which tensor_count sorts out. */
    int64_t nelems = 1;
    size_t nbytes;
    bool exact = true;
    for (int i = 0; i < ndims; i++) {
        if (dims[i] < 0) {
            tact__fail(st, TACT_CODE_INVALID_ARGUMENT,
                       "tensor: negative dimension %" PRId64 " at index %d", dims[i], i);
            return NULL;
        }
        exact &= !__builtin_mul_overflow(nelems, dims[i], &nelems);
    }
    tensor_sizes_t sizes = TENSOR_SIZES_OK;
    if (!exact || __builtin_mul_overflow((uint64_t) nelems, tensor_elem_size(dtype), &nbytes) ||
        nbytes > (size_t) PTRDIFF_MAX)
        sizes = tensor_count(dtype, dims, ndims, &nelems, &nbytes);
    if (sizes == TENSOR_SIZES_TOO_MANY_ELEMENTS) {
        tact_shape_t shape = {.ndims = ndims};
        memcpy(shape.dims, dims, (size_t) ndims * sizeof *dims);
        char text[8 * 24];
        tact__fail(st, TACT_CODE_INVALID_ARGUMENT,
                   "Shape %s would have more than 2**63 - 1 elements",
                   tact__shape_str(&shape, text, sizeof text));
        return NULL;
    }
    /* Too many bytes for the address space is memory refused, as TensorFlow reports it. */
    if (sizes == TENSOR_SIZES_TOO_MANY_BYTES)
        return tensor_oom(dtype, dims, ndims, device, st);
    return tensor_make(dtype, dims, ndims, nelems, nbytes, limit, device, pinned, st);
}

/* tensor_try_alloc past its checks: the sizes are those of a valid shape. Inlined into its
 * two callers: its ten arguments cost a small tensor more than its body. */
static inline tact_tensor_t *tensor_make(tact_dtype_t dtype, const int64_t *dims, int ndims,
                                         int64_t nelems, size_t nbytes, tact_host_limit_t *limit,
                                         const char *device, bool pinned, tact_status_t *st)
{
    /* The limit first: past it, the allocator is never asked. */
    if (limit != NULL && nbytes > 0 && !tact__host_limit_charge(limit, nbytes))
        return tensor_oom(dtype, dims, ndims, device, st);
    void *data = NULL;
    if (nbytes > sizeof ((tact_tensor_t *) NULL)->inline_data) {
        data = pinned ? tact__host_try_alloc_pinned(nbytes) : tact__host_try_alloc(nbytes);
        if (data == NULL) {
            if (limit != NULL)
                tact__host_limit_release(limit, nbytes);
            return tensor_oom(dtype, dims, ndims, device, st);
        }
    }
    tact_tensor_t *t = tensor_header_sized(dtype, dims, ndims, nelems, nbytes);
    t->data = nbytes == 0 ? NULL : data != NULL ? data : t->inline_data;
    if (limit != NULL && nbytes > 0)
        t->limit = tact__host_limit_ref(limit);
    if (dtype == TACT_DTYPE_STRING) {
        tact_string_t *e = t->data;
        for (int64_t i = 0; i < nelems; i++)
            e[i] = (tact_string_t) {tensor_empty_string, 0};
    }
    return t;
}

tact_tensor_t *tact__tensor_try_alloc(tact_dtype_t dtype, const int64_t *dims, int ndims,
                                      tact_host_limit_t *limit, const char *device,
                                      tact_status_t *st)
{
    return tensor_try_alloc(dtype, dims, ndims, limit, device, false, st);
}

tact_tensor_t *tact__tensor_try_alloc_like(const tact_tensor_t *x, bool pinned,
                                           tact_host_limit_t *limit, const char *device,
                                           tact_status_t *st)
{
    if (tact__failed(st))
        return NULL;
    /* x's shape passed these checks when x was made, and gave x these sizes. A small
     * tensor charged to no limit needs nothing but a header. */
    if (TACT_LIKELY(limit == NULL && x->nbytes <= sizeof x->inline_data &&
                    x->dtype != TACT_DTYPE_STRING)) {
        tact_tensor_t *t = tensor_header_sized(x->dtype, x->dims, x->ndims, x->nelems, x->nbytes);
        t->data = x->nbytes == 0 ? NULL : t->inline_data;
        return t;
    }
    return tensor_make(x->dtype, x->dims, x->ndims, x->nelems, x->nbytes, limit, device,
                       pinned && x->dtype != TACT_DTYPE_STRING, st);
}

tact_tensor_t *tact__tensor_try_alloc_pinned(tact_dtype_t dtype, const int64_t *dims, int ndims,
                                             tact_host_limit_t *limit, const char *device,
                                             tact_status_t *st)
{
    TACT_ASSERT(tact_dtype_size(dtype) > 0);
    return tensor_try_alloc(dtype, dims, ndims, limit, device, true, st);
}

tact_tensor_t *tact__tensor_try_clone(const tact_tensor_t *t, tact_host_limit_t *limit,
                                      const char *device, tact_status_t *st)
{
    tensor_assert_live(t);
    tact_tensor_t *c = tact__tensor_try_alloc(t->dtype, t->dims, t->ndims, limit, device, st);
    if (c != NULL)
        tact__tensor_copy_elements(c, 0, t, 0, t->nelems);
    return c;
}

tact_tensor_t *tact__tensor_alloc(tact_dtype_t dtype, const int64_t *dims, int ndims)
{
    tact_status_t st = TACT_STATUS_INIT;
    tact_tensor_t *t = tact__tensor_try_alloc(dtype, dims, ndims, NULL, NULL, &st);
    TACT_ASSERT(t != NULL);  /* bookkeeping sizes only: see tensor_impl.h */
    return t;
}

/* ------------------------------------------------------------------------------------------ */
/* String elements                                                                            */
/* ------------------------------------------------------------------------------------------ */

static tact_string_t *tensor_string_at(const tact_tensor_t *t, int64_t i)
{
    TACT_ASSERT(t->dtype == TACT_DTYPE_STRING);
    TACT_ASSERT(i >= 0 && i < t->nelems);
    return &((tact_string_t *) t->data)[i];
}

static void tensor_string_free(tact_string_t *e)
{
    if (e->len > 0)
        free(e->ptr);
    *e = (tact_string_t) {tensor_empty_string, 0};
}

void tact__tensor_set_string(tact_tensor_t *t, int64_t i, const char *bytes, size_t len)
{
    tensor_assert_live(t);
    tact_string_t *e = tensor_string_at(t, i);
    TACT_ASSERT(bytes != NULL || len == 0);
    TACT_ASSERT(len < (size_t) PTRDIFF_MAX);
    char *copy = tensor_empty_string;
    if (len > 0) {
        /* Copied before the old element goes: bytes may point into it. */
        copy = tact__malloc(len + 1);
        memcpy(copy, bytes, len);
        copy[len] = '\0';
    }
    tensor_string_free(e);
    *e = (tact_string_t) {copy, len};
}

void tact__tensor_take_string(tact_tensor_t *t, int64_t i, char *owned, size_t len)
{
    tensor_assert_live(t);
    tact_string_t *e = tensor_string_at(t, i);
    TACT_ASSERT(owned != NULL && owned[len] == '\0');
    tensor_string_free(e);
    if (len == 0)
        free(owned); /* empty elements share tensor_empty_string */
    else
        *e = (tact_string_t) {owned, len};
}

void tact__tensor_copy_elements(tact_tensor_t *dst, int64_t dst_at, const tact_tensor_t *src,
                                int64_t src_at, int64_t n)
{
    tensor_assert_live(dst);
    tensor_assert_live(src);
    TACT_ASSERT(dst->dtype == src->dtype);
    TACT_ASSERT(n >= 0 && dst_at >= 0 && src_at >= 0);
    TACT_ASSERT(dst_at <= dst->nelems - n && src_at <= src->nelems - n);
    if (n == 0)
        return;
    if (dst->dtype == TACT_DTYPE_STRING) {
        const tact_string_t *from = &((const tact_string_t *) src->data)[src_at];
        for (int64_t k = 0; k < n; k++)
            tact__tensor_set_string(dst, dst_at + k, from[k].ptr, from[k].len);
        return;
    }
    size_t esz = tact_dtype_size(dst->dtype);
    memmove((char *) dst->data + (size_t) dst_at * esz,
            (const char *) src->data + (size_t) src_at * esz, (size_t) n * esz);
}

/* The checks of tact_tensor_new and tact_tensor_new_strings: false with `st` filled when the
 * dtype or shape is unusable. */
static bool tensor_check_new(tact_dtype_t dtype, const int64_t *dims, int ndims, tact_status_t *st)
{
    if (!tact__dtype_valid(dtype)) {
        tact__fail(st, TACT_CODE_INVALID_ARGUMENT, "tensor: invalid dtype %d", (int) dtype);
        return false;
    }
    if (ndims < 0 || ndims > TACT_MAX_DIMS) {
        tact__fail(st, TACT_CODE_INVALID_ARGUMENT,
                   "tensor: %d dimensions is out of range (0 to %d)", ndims, TACT_MAX_DIMS);
        return false;
    }
    if (dims == NULL && ndims > 0) {
        tact__fail(st, TACT_CODE_INVALID_ARGUMENT, "tensor: dims is NULL but ndims is %d", ndims);
        return false;
    }
    for (int i = 0; i < ndims; i++) {
        if (dims[i] < 0) {
            tact__fail(st, TACT_CODE_INVALID_ARGUMENT,
                       "tensor: negative dimension %" PRId64 " at index %d", dims[i], i);
            return false;
        }
    }
    int64_t nelems;
    size_t nbytes;
    if (!tensor_sizes(dtype, dims, ndims, &nelems, &nbytes)) {
        tact_shape_t shape = {.ndims = ndims};
        char text[8 * 24];
        memcpy(shape.dims, dims, (size_t) ndims * sizeof *dims);
        tact__fail(st, TACT_CODE_INVALID_ARGUMENT,
                   "tensor: shape %s of %s is too large (its size overflows)",
                   tact__shape_str(&shape, text, sizeof text), tact_dtype_name(dtype));
        return false;
    }
    return true;
}

/* A string tensor after the shape checks: element i from bytes[i] (lens[i] bytes, or up to its
 * NUL when lens is NULL); all empty when bytes is NULL. */
static tact_tensor_t *tensor_new_strings(const int64_t *dims, int ndims, const char *const *bytes,
                                         const size_t *lens, tact_status_t *st)
{
    tact_tensor_t *t = tact__tensor_try_alloc(TACT_DTYPE_STRING, dims, ndims, NULL, NULL, st);
    if (t == NULL)
        return NULL;
    for (int64_t i = 0; bytes != NULL && i < t->nelems; i++) {
        const char *b = bytes[i];
        if (b == NULL && (lens == NULL || lens[i] > 0)) {
            tact__fail(st, TACT_CODE_INVALID_ARGUMENT, "tensor: string element %" PRId64 " is NULL",
                       i);
            tact_tensor_destroy(&t);
            return NULL;
        }
        size_t len = lens != NULL ? lens[i] : strlen(b);
        if (len >= (size_t) PTRDIFF_MAX) {
            tact__fail(st, TACT_CODE_INVALID_ARGUMENT,
                       "tensor: string element %" PRId64 " is too long (%zu bytes)", i, len);
            tact_tensor_destroy(&t);
            return NULL;
        }
        if (len == 0) {
            tact__tensor_set_string(t, i, b, 0);
            continue;
        }
        /* The caller's lengths size this copy: refused memory is a status, not an abort. */
        char *copy = malloc(len + 1);
        if (copy == NULL) {
            tact__fail(st, TACT_CODE_RESOURCE_EXHAUSTED,
                       "tensor: out of memory copying string element %" PRId64 " (%zu bytes)", i,
                       len);
            tact_tensor_destroy(&t);
            return NULL;
        }
        memcpy(copy, b, len);
        copy[len] = '\0';
        tact__tensor_take_string(t, i, copy, len);
    }
    return t;
}

tact_tensor_t *tact_tensor_new_strings(const int64_t *dims, int ndims, const char *const *bytes,
                                       const size_t *lens, tact_status_t *st)
{
    if (tact__failed(st) || !tensor_check_new(TACT_DTYPE_STRING, dims, ndims, st))
        return NULL;
    return tensor_new_strings(dims, ndims, bytes, lens, st);
}

tact_tensor_t *tact_tensor_new(tact_dtype_t dtype, const int64_t *dims, int ndims, const void *data,
                               tact_status_t *st)
{
    if (tact__failed(st) || !tensor_check_new(dtype, dims, ndims, st))
        return NULL;
    if (dtype == TACT_DTYPE_STRING)
        return tensor_new_strings(dims, ndims, data, NULL, st);

    tact_tensor_t *t = tact__tensor_try_alloc(dtype, dims, ndims, NULL, NULL, st);
    if (t == NULL)
        return NULL;
    if (t->nbytes > 0) {
        if (data != NULL)
            memcpy(t->data, data, t->nbytes);
        else
            memset(t->data, 0, t->nbytes);
    }
    return t;
}

/* The caller's buffer and how to give it back: the free_ctx of a borrowed tensor. */
typedef struct tensor_borrowed {
    void (*deallocator)(void *data, size_t len, void *arg);
    void *data;
    size_t len;
    void *arg;
} tensor_borrowed_t;

static void tensor_borrowed_free(void *ctx, void *data)
{
    TACT_UNUSED(data);  /* NULL for an empty tensor: the caller's pointer is in ctx */
    tensor_borrowed_t *b = ctx;
    if (b->deallocator != NULL)
        b->deallocator(b->data, b->len, b->arg);
    free(b);
}

tact_tensor_t *tact_tensor_new_borrowed(tact_dtype_t dtype, const int64_t *dims, int ndims,
                                        void *data, size_t len,
                                        void (*deallocator)(void *data, size_t len, void *arg),
                                        void *arg, tact_status_t *st)
{
    if (tact__failed(st) || !tensor_check_new(dtype, dims, ndims, st))
        return NULL;
    if (dtype == TACT_DTYPE_STRING) {
        tact__fail(st, TACT_CODE_INVALID_ARGUMENT,
                   "tensor: a borrowed buffer cannot hold a string tensor (its elements are "
                   "owned by the tensor); use tact_tensor_new_strings");
        return NULL;
    }
    int64_t nelems;
    size_t nbytes;
    TACT_ASSERT(tensor_sizes(dtype, dims, ndims, &nelems, &nbytes));
    if (len < nbytes) {
        tact__fail(st, TACT_CODE_INVALID_ARGUMENT,
                   "tensor: borrowed buffer of %zu bytes is too small for %" PRId64
                   " elements of %s (%zu bytes)", len, nelems, tact_dtype_name(dtype), nbytes);
        return NULL;
    }
    if (nbytes > 0 && data == NULL) {
        tact__fail(st, TACT_CODE_INVALID_ARGUMENT,
                   "tensor: borrowed buffer is NULL but the tensor holds %zu bytes", nbytes);
        return NULL;
    }
    size_t align = tact_dtype_size(dtype);
    if ((uintptr_t) data % align != 0) {
        tact__fail(st, TACT_CODE_INVALID_ARGUMENT,
                   "tensor: borrowed buffer %p is not aligned to %zu bytes, as %s elements "
                   "must be", data, align, tact_dtype_name(dtype));
        return NULL;
    }
    tensor_borrowed_t *b = tact__malloc(sizeof *b);
    *b = (tensor_borrowed_t) { deallocator, data, len, arg };
    tact_tensor_t *t = tensor_header(dtype, dims, ndims);
    t->data = nbytes > 0 ? data : NULL;
    t->free_data = tensor_borrowed_free;
    t->free_ctx = b;
    return t;
}

tact_code_t tact_tensor_copy_to(const tact_tensor_t *t, void *buf, size_t len, tact_status_t *st)
{
    if (tact__failed(st))
        return st->code;
    tensor_assert_live(t);
    if (t->dtype == TACT_DTYPE_STRING)
        return tact__fail(st, TACT_CODE_INVALID_ARGUMENT,
                          "tensor: tact_tensor_copy_to cannot copy a string tensor (its elements "
                          "are separate buffers); read them with tact_tensor_string");
    if (len < t->nbytes)
        return tact__fail(st, TACT_CODE_INVALID_ARGUMENT,
                          "tensor: buffer of %zu bytes is too small for %" PRId64
                          " elements of %s (%zu bytes)", len, t->nelems,
                          tact_dtype_name(t->dtype), t->nbytes);
    if (t->nbytes == 0)
        return TACT_CODE_OK;
    if (buf == NULL)
        return tact__fail(st, TACT_CODE_INVALID_ARGUMENT,
                          "tensor: tact_tensor_copy_to into a NULL buffer of %zu bytes", len);
    memcpy(buf, t->data, t->nbytes);
    return TACT_CODE_OK;
}

tact_tensor_t *tact_tensor_clone(const tact_tensor_t *t)
{
    tensor_assert_live(t);
    tact_tensor_t *c = tact__tensor_alloc(t->dtype, t->dims, t->ndims);
    tact__tensor_copy_elements(c, 0, t, 0, t->nelems);
    return c;
}

tact_dtype_t tact_tensor_dtype(const tact_tensor_t *t)
{
    tensor_assert_live(t);
    return t->dtype;
}

int tact_tensor_ndims(const tact_tensor_t *t)
{
    tensor_assert_live(t);
    return t->ndims;
}

int64_t tact_tensor_dim(const tact_tensor_t *t, int i)
{
    tensor_assert_live(t);
    TACT_ASSERT(i >= 0 && i < t->ndims);
    return t->dims[i];
}

int64_t tact_tensor_nelems(const tact_tensor_t *t)
{
    tensor_assert_live(t);
    return t->nelems;
}

size_t tact_tensor_nbytes(const tact_tensor_t *t)
{
    tensor_assert_live(t);
    if (t->dtype != TACT_DTYPE_STRING)
        return t->nbytes;
    size_t total = 0;
    for (int64_t i = 0; i < t->nelems; i++)
        total += ((const tact_string_t *) t->data)[i].len;
    return total;
}

void *tact_tensor_data(const tact_tensor_t *t)
{
    tensor_assert_live(t);
    /* A string tensor's array is internal: its pointers are owned elements. */
    return t->dtype == TACT_DTYPE_STRING ? NULL : t->data;
}

const char *tact_tensor_string(const tact_tensor_t *t, int64_t i, size_t *len)
{
    tensor_assert_live(t);
    const tact_string_t *e = tensor_string_at(t, i);
    if (len != NULL)
        *len = e->len;
    return e->ptr;
}

void tact_tensor_destroy(tact_tensor_t **t_p)
{
    if (t_p == NULL || *t_p == NULL)
        return;
    tact_tensor_t *t = *t_p;
    tensor_assert_live(t);
    *t_p = NULL;
    if (atomic_fetch_sub_explicit(&t->refs, 1, memory_order_acq_rel) != 1)
        return;  /* the runtime still holds a reference */
    t->tag = TACT_TAG_DEAD;
    if (t->dtype == TACT_DTYPE_STRING) {
        for (int64_t i = 0; i < t->nelems; i++)
            tensor_string_free(&((tact_string_t *) t->data)[i]);
    }
    if (t->free_data != NULL)
        t->free_data(t->free_ctx, t->data);
    else if (t->data != t->inline_data)
        tact__host_free(t->data, t->nbytes);
    if (t->limit != NULL) {
        tact__host_limit_release(t->limit, t->nbytes);
        tact__host_limit_unref(&t->limit);
    }
    tensor_header_give(t);
}

bool tact__tensor_nbytes_of(tact_dtype_t dtype, const int64_t *dims, int ndims, size_t *nbytes)
{
    int64_t nelems;
    if (!tact__dtype_valid(dtype) || ndims < 0 || ndims > TACT_MAX_DIMS)
        return false;
    for (int i = 0; i < ndims; i++) {
        if (dims[i] < 0)
            return false;
    }
    return tensor_sizes(dtype, dims, ndims, &nelems, nbytes);
}

tact_tensor_t *tact__tensor_wrap_device(tact_dtype_t dtype, const int64_t *dims, int ndims,
                                        void *data, void (*free_data)(void *ctx, void *data),
                                        void *free_ctx)
{
    TACT_ASSERT(tact_dtype_size(dtype) > 0 && free_data != NULL);
    tact_tensor_t *t = tensor_header(dtype, dims, ndims);
    t->data = data;
    t->free_data = free_data;
    t->free_ctx = free_ctx;
    return t;
}

tact_tensor_t *tact__tensor_ref(tact_tensor_t *t)
{
    tensor_assert_live(t);
    atomic_fetch_add_explicit(&t->refs, 1, memory_order_relaxed);
    return t;
}

/* A view's release (tact__tensor_reshaped): drop its reference to the tensor it shows. */
static void tensor_view_release(void *ctx, void *data)
{
    TACT_UNUSED(data);
    tact_tensor_t *src = ctx;
    tact_tensor_destroy(&src);
}

tact_tensor_t *tact__tensor_reshaped(tact_tensor_t *src, const int64_t *dims, int ndims)
{
    tensor_assert_live(src);
    TACT_ASSERT(tact_dtype_size(src->dtype) > 0);  /* strings own their elements: no view */
    tact_tensor_t *t = tensor_header(src->dtype, dims, ndims);
    TACT_ASSERT(t->nelems == src->nelems && t->nbytes == src->nbytes);
    t->data = src->data;
    t->free_data = tensor_view_release;
    t->free_ctx = tact__tensor_ref(src);
    return t;
}

int tact__tensor_refs(const tact_tensor_t *t)
{
    int refs = atomic_load_explicit(&((tact_tensor_t *) t)->refs, memory_order_acquire);
    if (t->free_data == tensor_view_release)  /* a view: src's holders but itself see the bytes */
        refs += tact__tensor_refs(t->free_ctx) - 1;
    return refs;
}

/* ------------------------------------------------------------------------------------------ */
/* Static shapes                                                                              */
/* ------------------------------------------------------------------------------------------ */

tact_shape_t tact__tensor_shape(const tact_tensor_t *t)
{
    tensor_assert_live(t);
    tact_shape_t s = {.ndims = t->ndims};
    for (int i = 0; i < t->ndims; i++)
        s.dims[i] = t->dims[i];
    return s;
}

int64_t tact__shape_nelems(const tact_shape_t *s)
{
    TACT_ASSERT(s != NULL && s->ndims <= TACT_MAX_DIMS);
    if (s->ndims < 0)
        return -1;
    int64_t n = 1;
    bool overflow = false;
    for (int i = 0; i < s->ndims; i++) {
        if (s->dims[i] < 0)
            return -1;
        if (s->dims[i] == 0)
            n = 0;
        else if (n > INT64_MAX / s->dims[i])
            overflow = true;
        else
            n *= s->dims[i];
    }
    /* An overflowing count is as unusable as an unknown one, unless a zero makes it empty. */
    return n == 0 ? 0 : overflow ? -1 : n;
}

bool tact__shape_compatible(const tact_shape_t *want, const tact_shape_t *value)
{
    TACT_ASSERT(want != NULL && value != NULL);
    return tact__shape_fits(want, value->ndims, value->dims);
}

/* Append `text` to buf[0..len) at *pos, truncating but always leaving it NUL-terminated. */
static void shape_append(char *buf, size_t len, size_t *pos, const char *text)
{
    for (; *text != '\0'; text++) {
        if (*pos + 1 < len)
            buf[(*pos)++] = *text;
    }
    if (len > 0)
        buf[*pos < len ? *pos : len - 1] = '\0';
}

static void shape_append_dim(char *buf, size_t len, size_t *pos, int64_t dim)
{
    char text[24];
    if (dim < 0)
        snprintf(text, sizeof text, "?");
    else
        snprintf(text, sizeof text, "%" PRId64, dim);
    shape_append(buf, len, pos, text);
}

char *tact__shape_str(const tact_shape_t *s, char *buf, size_t len)
{
    TACT_ASSERT(s != NULL && s->ndims <= TACT_MAX_DIMS && (buf != NULL || len == 0));
    size_t pos = 0;
    if (s->ndims < 0) {
        shape_append(buf, len, &pos, "<unknown>");
        return buf;
    }
    shape_append(buf, len, &pos, "[");
    for (int i = 0; i < s->ndims; i++) {
        if (i > 0)
            shape_append(buf, len, &pos, ",");
        shape_append_dim(buf, len, &pos, s->dims[i]);
    }
    shape_append(buf, len, &pos, "]");
    return buf;
}

char *tact__shape_tuple_str(const tact_shape_t *s, char *buf, size_t len)
{
    TACT_ASSERT(s != NULL && s->ndims <= TACT_MAX_DIMS && (buf != NULL || len == 0));
    size_t pos = 0;
    if (s->ndims < 0) {
        shape_append(buf, len, &pos, "<unknown>");
        return buf;
    }
    shape_append(buf, len, &pos, "(");
    for (int i = 0; i < s->ndims; i++) {
        if (i > 0)
            shape_append(buf, len, &pos, ", ");
        shape_append_dim(buf, len, &pos, s->dims[i]);
    }
    /* Python writes a one-element tuple as "(2,)". */
    shape_append(buf, len, &pos, s->ndims == 1 ? ",)" : ")");
    return buf;
}

/* ------------------------------------------------------------------------------------------ */
/* Formatting as numpy prints                                                                 */
/* ------------------------------------------------------------------------------------------ */

/* The rules below port numpy's arrayprint.py with its default print options (linewidth 75,
 * threshold 1000, edgeitems 3, precision 8, floatmode "maxprec", sign "-") and the str() of
 * numpy's scalars, as numpy 1.14 to 2.2 print them (TensorFlow 1.x ran on numpy 1.x; numpy
 * 2.3 moved float32 arrays to scientific notation from 1e6 instead of 1e8).
 *
 * numpy takes its digits from Dragon4. Here the C library's correctly rounded "%.*e" and
 * "%.*f" produce candidates and strtod/strtof decide which ones read back as the value:
 * - scalars: the fewest significant digits that read back (Dragon4's unique mode);
 * - array elements, positional: every integer digit exact, then the fewest fraction digits
 *   that read back, at most 8 (numpy asks for min_digits 0 and precision 8);
 * - array elements, scientific: the fewest mantissa digits that read back, at most 8, decide
 *   the common precision P; then every element prints exactly P digits, past the unique ones
 *   if need be ("5.8799999e+01" for 58.8f next to a value that needs 7).
 * At each length the nearest candidate wins, except where it does not read back and the one
 * above does, which happens next to a power of two (the gap below is half the gap above):
 * Dragon4 then rounds up, and fmt_dragon_text does the same. */

#define FMT_LINE_WIDTH 75
#define FMT_THRESHOLD  1000
#define FMT_EDGE_ITEMS 3
#define FMT_PRECISION  8
#define FMT_SHORTEST   16 /* digits after the point that always round-trip a double */

/* Decimal digits of a magnitude: d[0].d[1]...d[n-1] times 10^exp, no leading or trailing
 * zeros (zero itself is "0" with exp 0). */
typedef struct {
    char d[48];
    int n;
    int exp;
} fmt_dec_t;

/* Read the output of "%e" or "%f" into `dec`. Any non-digit before the exponent counts as the
 * decimal point, so a locale that prints "1,5" still works. */
static void fmt_dec_parse(const char *text, fmt_dec_t *dec)
{
    int point = -1; /* digits before the decimal point */
    int ndigits = 0;
    int lead = 0; /* leading zeros dropped */
    const char *c = text;

    dec->n = 0;
    for (; *c != '\0' && *c != 'e' && *c != 'E'; c++) {
        if (*c < '0' || *c > '9') {
            point = ndigits;
            continue;
        }
        ndigits++;
        if (dec->n == 0 && *c == '0')
            lead++;
        else if (dec->n < (int) sizeof dec->d - 1)
            dec->d[dec->n++] = *c;
    }
    if (point < 0)
        point = ndigits;
    int e10 = (*c == 'e' || *c == 'E') ? atoi(c + 1) : 0;

    while (dec->n > 0 && dec->d[dec->n - 1] == '0')
        dec->n--;
    if (dec->n == 0) {
        dec->d[0] = '0';
        dec->n = 1;
        dec->exp = 0;
    } else {
        dec->exp = point - lead - 1 + e10;
    }
    dec->d[dec->n] = '\0';
}

/* The float dtypes the printer tells apart by their precision. */
typedef enum { FMT_F64, FMT_F32, FMT_F16 } fmt_float_t;

static fmt_float_t fmt_float_kind(tact_dtype_t dtype)
{
    return dtype == TACT_DTYPE_F32 ? FMT_F32 : dtype == TACT_DTYPE_F16 ? FMT_F16 : FMT_F64;
}

static bool fmt_reads_back(const char *text, double mag, fmt_float_t kind)
{
    switch (kind) {
    case FMT_F32:
        return strtof(text, NULL) == (float) mag;
    case FMT_F16:
        return tact__half_from_double(strtod(text, NULL)) == tact__half_from_double(mag);
    default:
        return strtod(text, NULL) == mag;
    }
}

/* `text` ("%e" or "%f" output) one unit up in its last digit, with as many digits after the
 * point: "2.9514790e+20" -> "2.9514791e+20", "9.99e+00" -> "1.00e+01", "99.5" -> "100.0". */
static void fmt_next_up(const char *text, char *up, size_t cap)
{
    size_t e = strcspn(text, "eE");
    bool has_exp = text[e] != '\0';
    int exp = has_exp ? atoi(text + e + 1) : 0;
    int i = (int) e - 1;

    TACT_ASSERT(e + 8 < cap);
    memcpy(up, text, e);
    for (; i >= 0; i--) {
        if (up[i] < '0' || up[i] > '9')
            continue;
        if (up[i] != '9') {
            up[i]++;
            break;
        }
        up[i] = '0';
    }
    if (i < 0 && has_exp) {
        up[0] = '1';
        exp++;
    } else if (i < 0) {
        memmove(up + 1, up, e++);
        up[0] = '1';
    }
    if (has_exp)
        snprintf(up + e, cap - e, "e%+d", exp);
    else
        up[e] = '\0';
}

/* Dragon4's digits for a fixed number of them (`prec` after the point of "%e" or "%f"):
 * the correctly rounded candidate, except where it does not read back as the value and the
 * one above it does. That happens at a power of two, where the gap below is half the gap
 * above; Dragon4 then rounds up. Returns whether the text reads back. */
static bool fmt_dragon_text(double mag, fmt_float_t kind, bool sci, int prec, char *text, size_t cap)
{
    char up[400];
    snprintf(text, cap, sci ? "%.*e" : "%.*f", prec, mag);
    if (fmt_reads_back(text, mag, kind))
        return true;
    if (strtod(text, NULL) < mag) {
        fmt_next_up(text, up, sizeof up);
        if (fmt_reads_back(up, mag, kind)) {
            snprintf(text, cap, "%s", up);
            return true;
        }
    }
    return false;
}

/* Digits as Dragon4 prints them with `prec` digits after the point. */
static void fmt_dec_fixed(double mag, fmt_float_t kind, bool sci, int prec, fmt_dec_t *dec)
{
    char text[400];          /* "%.8f" of a double up to 1e308 */
    int saved_errno = errno; /* strtod sets ERANGE for subnormals; the caller's errno stays */
    fmt_dragon_text(mag, kind, sci, prec, text, sizeof text);
    errno = saved_errno;
    fmt_dec_parse(text, dec);
}

/* Dragon4's unique mode: the fewest digits after the point, up to `max_prec`, that read back
 * as the value (in the precision of `kind`); `max_prec` of them when none do. Scientific counts
 * after the mantissa's point, so 16 always gives the shortest round trip. Positional counts
 * after the number's point and starts at the units digit: numpy's arrays ask for
 * min_digits 0, which keeps every integer digit exact ("73725168." where the shortest
 * digits would print "73725170."). */
static void fmt_dec_make(double mag, fmt_float_t kind, bool sci, int max_prec, fmt_dec_t *dec)
{
    char text[400];          /* "%.8f" of a double up to 1e308 */
    int saved_errno = errno; /* strtod sets ERANGE for subnormals; the caller's errno stays */
    for (int prec = 0; prec <= max_prec; prec++) {
        if (fmt_dragon_text(mag, kind, sci, prec, text, sizeof text))
            break;
    }
    errno = saved_errno;
    fmt_dec_parse(text, dec);
}

/* Characters of the integer part of a positional number, the sign included. */
static int fmt_pos_int_len(const fmt_dec_t *dec, bool neg)
{
    return (int) neg + (dec->exp >= 0 ? dec->exp + 1 : 1);
}

/* Characters after the point of a positional number. */
static int fmt_pos_frac_len(const fmt_dec_t *dec)
{
    int frac = dec->n - 1 - dec->exp;
    return frac > 0 ? frac : 0;
}

/* Characters of "e-05" after the 'e', minus the sign: at least 2, as numpy and C print. */
static int fmt_exp_digits(int exp)
{
    int digits = 1;
    for (int e = exp < 0 ? -exp : exp; e >= 10; e /= 10)
        digits++;
    return digits < 2 ? 2 : digits;
}

static int fmt_pad(char *out, int pos, int width)
{
    while (pos < width)
        out[pos++] = ' ';
    return pos;
}

/* Positional text: `pad_left` right-aligns the sign and integer part, `min_frac` pads the
 * fraction with zeros (1 gives numpy's scalar "30.0"), `pad_right` with spaces (the array
 * "2. " next to "1.25"). `out` holds at least 96 chars. Returns the length. */
static int fmt_render_pos(char *out, const fmt_dec_t *dec, bool neg, int pad_left, int min_frac,
                          int pad_right)
{
    int pos = fmt_pad(out, 0, pad_left - fmt_pos_int_len(dec, neg));
    if (neg)
        out[pos++] = '-';
    if (dec->exp < 0) {
        out[pos++] = '0';
    } else {
        for (int i = 0; i <= dec->exp; i++)
            out[pos++] = i < dec->n ? dec->d[i] : '0';
    }
    out[pos++] = '.';
    int frac = 0;
    for (int i = dec->exp + 1; i < dec->n; i++, frac++)
        out[pos++] = i < 0 ? '0' : dec->d[i];
    for (; frac < min_frac; frac++)
        out[pos++] = '0';
    pos = fmt_pad(out, pos, pos + pad_right - frac);
    out[pos] = '\0';
    return pos;
}

/* Scientific text: the mantissa's fraction padded with zeros to `min_frac` digits, the point
 * kept even without digits after it unless `drop_point` (numpy's scalar "1e-05"), and the
 * exponent padded with zeros to `exp_digits`. Returns the length. */
static int fmt_render_sci(char *out, const fmt_dec_t *dec, bool neg, int pad_left, int min_frac,
                          bool drop_point, int exp_digits)
{
    int pos = fmt_pad(out, 0, pad_left - 1 - (int) neg);
    if (neg)
        out[pos++] = '-';
    out[pos++] = dec->d[0];
    if (!(drop_point && dec->n == 1 && min_frac == 0))
        out[pos++] = '.';
    int frac = 0;
    for (int i = 1; i < dec->n; i++, frac++)
        out[pos++] = dec->d[i];
    for (; frac < min_frac; frac++)
        out[pos++] = '0';
    int width = exp_digits > fmt_exp_digits(dec->exp) ? exp_digits : fmt_exp_digits(dec->exp);
    pos += snprintf(out + pos, 32, "e%c%0*d", dec->exp < 0 ? '-' : '+', width,
                    dec->exp < 0 ? -dec->exp : dec->exp);
    return pos;
}

/* How every element of one tensor is printed: numpy's per-array format function. */
typedef struct {
    const tact_tensor_t *t;
    bool summary; /* over the threshold: print only the edges */
    int64_t strides[TACT_MAX_DIMS];
    bool sci;       /* floats: scientific notation */
    int pad_left;   /* floats: width of sign and integer part */
    int pad_right;  /* floats: width after the point (positional), or of
                       fraction + 'e' + sign + exponent (scientific) */
    int precision;  /* floats, scientific: digits after the point */
    int exp_digits; /* floats, scientific: exponent width */
    int width;      /* integers: field width */
    bool repr;      /* numpy's repr: ", " between elements, "," ending rows */
} fmt_ctx_t;

/* Walks the elements numpy shows (all of them, or the edges when summarising) in order. */
typedef struct {
    int64_t idx[TACT_MAX_DIMS];
    bool done;
} fmt_iter_t;

static void fmt_iter_init(fmt_iter_t *it, const fmt_ctx_t *c)
{
    memset(it, 0, sizeof *it);
    it->done = c->t->nelems == 0;
}

static int64_t fmt_iter_offset(const fmt_iter_t *it, const fmt_ctx_t *c)
{
    int64_t off = 0;
    for (int a = 0; a < c->t->ndims; a++)
        off += it->idx[a] * c->strides[a];
    return off;
}

static void fmt_iter_next(fmt_iter_t *it, const fmt_ctx_t *c)
{
    for (int a = c->t->ndims - 1; a >= 0; a--) {
        int64_t dim = c->t->dims[a];
        it->idx[a]++;
        if (c->summary && dim > 2 * FMT_EDGE_ITEMS && it->idx[a] == FMT_EDGE_ITEMS)
            it->idx[a] = dim - FMT_EDGE_ITEMS;
        if (it->idx[a] < dim)
            return;
        it->idx[a] = 0;
    }
    it->done = true;
}

static double fmt_get_float(const tact_tensor_t *t, int64_t i)
{
    if (t->dtype == TACT_DTYPE_F32)
        return ((const float *) t->data)[i];
    if (t->dtype == TACT_DTYPE_F16)
        return tact__half_to_float(((const uint16_t *) t->data)[i]);
    return ((const double *) t->data)[i];
}

static int64_t fmt_get_int(const tact_tensor_t *t, int64_t i)
{
    switch (t->dtype) {
    case TACT_DTYPE_I32:
        return ((const int32_t *) t->data)[i];
    case TACT_DTYPE_U8:
        return ((const uint8_t *) t->data)[i];
    case TACT_DTYPE_I8:
        return ((const int8_t *) t->data)[i];
    case TACT_DTYPE_I16:
        return ((const int16_t *) t->data)[i];
    default:
        return ((const int64_t *) t->data)[i];
    }
}

/* numpy's FloatingFormat.fillFormat: scientific or positional, then the widths. */
static void fmt_prepare_float(fmt_ctx_t *c)
{
    const tact_tensor_t *t = c->t;
    fmt_float_t kind = fmt_float_kind(t->dtype);
    bool any_finite = false, any_nonzero = false, any_nonfinite = false, neginf = false;
    double max_val = 0, min_val = 0;
    fmt_iter_t it;

    for (fmt_iter_init(&it, c); !it.done; fmt_iter_next(&it, c)) {
        double v = fmt_get_float(t, fmt_iter_offset(&it, c));
        if (!isfinite(v)) {
            any_nonfinite = true;
            neginf = neginf || (isinf(v) && v < 0);
            continue;
        }
        any_finite = true;
        if (v == 0)
            continue;
        double a = fabs(v);
        max_val = any_nonzero && max_val > a ? max_val : a;
        min_val = any_nonzero && min_val < a ? min_val : a;
        any_nonzero = true;
    }
    if (any_nonzero) {
        /* numpy divides in the array's own type, so float32 ratios round (or overflow) as
         * float32; the two thresholds compare as double. */
        float ratio32 = (float) max_val / (float) min_val;
        bool big_ratio = kind == FMT_F32 ? ratio32 > 1000.0f : max_val / min_val > 1000.0;
        if (kind == FMT_F16) /* in float16 the quotient rounds (or overflows) as float16 */
            big_ratio = tact__half_to_float(tact__half_from_float(ratio32)) > 1000.0f;
        c->sci = max_val >= 1e8 || min_val < 0.0001 || big_ratio;
    }

    c->pad_left = 0;
    c->pad_right = 0;
    c->precision = 0;
    c->exp_digits = 0;
    if (any_finite) {
        for (fmt_iter_init(&it, c); !it.done; fmt_iter_next(&it, c)) {
            double v = fmt_get_float(t, fmt_iter_offset(&it, c));
            if (!isfinite(v))
                continue;
            fmt_dec_t dec;
            bool neg = signbit(v) != 0;
            int left, right;
            fmt_dec_make(fabs(v), kind, c->sci, FMT_PRECISION, &dec);
            if (c->sci) {
                left = 1 + (int) neg;
                right = dec.n - 1;
                int e = fmt_exp_digits(dec.exp);
                c->exp_digits = e > c->exp_digits ? e : c->exp_digits;
            } else {
                left = fmt_pos_int_len(&dec, neg);
                right = fmt_pos_frac_len(&dec);
            }
            c->pad_left = left > c->pad_left ? left : c->pad_left;
            c->pad_right = right > c->pad_right ? right : c->pad_right;
        }
        if (c->sci) {
            c->precision = c->pad_right;
            c->pad_right = c->exp_digits + 2 + c->precision;
        }
    }
    if (any_nonfinite) {
        /* Room for "nan", "inf" and "-inf" in the same columns as the numbers. */
        int offset = c->pad_right + 1;
        int need = 3 + (int) neginf - offset;
        c->pad_left = need > c->pad_left ? need : c->pad_left;
    }
}

static void fmt_prepare(fmt_ctx_t *c, const tact_tensor_t *t)
{
    memset(c, 0, sizeof *c);
    c->t = t;
    c->summary = t->nelems > FMT_THRESHOLD;
    int64_t stride = 1;
    for (int a = t->ndims - 1; a >= 0; a--) {
        c->strides[a] = stride;
        stride *= t->dims[a];
    }
    if (t->nelems == 0)
        return;

    switch (t->dtype) {
    case TACT_DTYPE_F32:
    case TACT_DTYPE_F64:
    case TACT_DTYPE_F16:
        fmt_prepare_float(c);
        break;
    case TACT_DTYPE_I32:
    case TACT_DTYPE_I64:
    case TACT_DTYPE_U8:
    case TACT_DTYPE_I8:
    case TACT_DTYPE_I16: {
        /* numpy right-aligns integers to the wider of the largest and the smallest. */
        fmt_iter_t it;
        for (fmt_iter_init(&it, c); !it.done; fmt_iter_next(&it, c)) {
            char text[24];
            int n =
                snprintf(text, sizeof text, "%" PRId64, fmt_get_int(t, fmt_iter_offset(&it, c)));
            c->width = n > c->width ? n : c->width;
        }
        break;
    }
    default:
        break;
    }
}

/* One array element as numpy's format function prints it. `out` holds at least 96 chars. */
static int fmt_element(const fmt_ctx_t *c, int64_t i, char *out)
{
    const tact_tensor_t *t = c->t;
    switch (t->dtype) {
    case TACT_DTYPE_F32:
    case TACT_DTYPE_F64:
    case TACT_DTYPE_F16: {
        double v = fmt_get_float(t, i);
        if (!isfinite(v)) {
            const char *word = isnan(v) ? "nan" : v < 0 ? "-inf" : "inf";
            return snprintf(out, 96, "%*s", c->pad_left + c->pad_right + 1, word);
        }
        fmt_dec_t dec;
        fmt_float_t kind = fmt_float_kind(t->dtype);
        bool neg = signbit(v) != 0;
        if (c->sci) {
            /* numpy asks Dragon4 for exactly `precision` digits here, and digits past the
             * shortest unique ones are the exact value's: "5.8799999e+01" for 58.8f. */
            fmt_dec_fixed(fabs(v), kind, true, c->precision, &dec);
            return fmt_render_sci(out, &dec, neg, c->pad_left, c->precision, false, c->exp_digits);
        }
        fmt_dec_make(fabs(v), kind, false, FMT_PRECISION, &dec);
        return fmt_render_pos(out, &dec, neg, c->pad_left, 0, c->pad_right);
    }
    case TACT_DTYPE_I32:
    case TACT_DTYPE_I64:
    case TACT_DTYPE_U8:
    case TACT_DTYPE_I8:
    case TACT_DTYPE_I16:
        return snprintf(out, 96, "%*" PRId64, c->width, fmt_get_int(t, i));
    case TACT_DTYPE_BOOL:
        /* " True" lines up with "False". */
        return snprintf(out, 96, "%s", ((const bool *) t->data)[i] ? " True" : "False");
    default:
        return snprintf(out, 96, "?");
    }
}

/* String element i as Python's repr() of bytes prints it (TensorFlow 1.x hands string tensors
 * to numpy as object arrays of bytes, so print shows each element's repr, unpadded): b'...',
 * or b"..." when the bytes hold a ' and no "; backslash, the quote, \t, \n and \r escaped, other
 * bytes below 0x20 or from 0x7f as \xhh. Returns a malloc'd NUL-terminated text of *n chars. */
static char *fmt_bytes_repr(const tact_tensor_t *t, int64_t i, size_t *n)
{
    static const char hex[] = "0123456789abcdef";
    size_t len;
    const unsigned char *p = (const unsigned char *) tact_tensor_string(t, i, &len);
    char quote = memchr(p, '\'', len) != NULL && memchr(p, '"', len) == NULL ? '"' : '\'';
    TACT_ASSERT(len <= (SIZE_MAX - 4) / 4);
    char *out = tact__malloc(4 * len + 4); /* b, two quotes, NUL; at most 4 chars a byte */
    size_t k = 0;
    out[k++] = 'b';
    out[k++] = quote;
    for (size_t j = 0; j < len; j++) {
        unsigned char ch = p[j];
        if (ch == (unsigned char) quote || ch == '\\') {
            out[k++] = '\\';
            out[k++] = (char) ch;
        } else if (ch == '\t' || ch == '\n' || ch == '\r') {
            out[k++] = '\\';
            out[k++] = ch == '\t' ? 't' : ch == '\n' ? 'n' : 'r';
        } else if (ch < 0x20 || ch >= 0x7f) {
            out[k++] = '\\';
            out[k++] = 'x';
            out[k++] = hex[ch >> 4];
            out[k++] = hex[ch & 15];
        } else {
            out[k++] = (char) ch;
        }
    }
    out[k++] = quote;
    out[k] = '\0';
    *n = k;
    return out;
}

/* A 0-d tensor, as str() of the numpy scalar prints it: no padding, "30.0", "1e-05". */
static int fmt_scalar(const tact_tensor_t *t, char *out)
{
    switch (t->dtype) {
    case TACT_DTYPE_F32:
    case TACT_DTYPE_F64:
    case TACT_DTYPE_F16: {
        double v = fmt_get_float(t, 0);
        if (!isfinite(v))
            return snprintf(out, 96, "%s", isnan(v) ? "nan" : v < 0 ? "-inf" : "inf");
        fmt_dec_t dec;
        double mag = fabs(v);
        bool neg = signbit(v) != 0;
        fmt_dec_make(mag, fmt_float_kind(t->dtype), true, FMT_SHORTEST, &dec);
        /* numpy 2 prints a float16 scalar from 1e3 up in scientific notation */
        double upper = t->dtype == TACT_DTYPE_F16 ? 1e3 : 1e16;
        if (mag == 0 || (mag >= 1e-4 && mag < upper))
            return fmt_render_pos(out, &dec, neg, 0, 1, 0);
        return fmt_render_sci(out, &dec, neg, 0, 0, true, 2);
    }
    case TACT_DTYPE_I32:
    case TACT_DTYPE_I64:
    case TACT_DTYPE_U8:
    case TACT_DTYPE_I8:
    case TACT_DTYPE_I16:
        return snprintf(out, 96, "%" PRId64, fmt_get_int(t, 0));
    case TACT_DTYPE_BOOL:
        return snprintf(out, 96, "%s", ((const bool *) t->data)[0] ? "True" : "False");
    default:
        return snprintf(out, 96, "?");
    }
}

/* The output: writes what fits into buf[0..cap) and counts everything. Spaces are held back
 * in `pending` until a non-space follows, so that a line break can strip a line's trailing
 * spaces as numpy's line.rstrip() does, even for text past the end of the buffer. */
typedef struct {
    char *buf;
    size_t cap;
    size_t pos;        /* characters emitted so far, stored or not */
    size_t pending;    /* spaces not emitted yet */
    size_t line_start; /* pos + pending where the current line's words begin */
    size_t line_begin; /* pos just after the last newline (0 on the first line) */
} fmt_out_t;

static void fmt_put(fmt_out_t *o, char ch)
{
    if (o->pos + 1 < o->cap)
        o->buf[o->pos] = ch;
    o->pos++;
    if (ch == '\n')
        o->line_begin = o->pos;
}

static void fmt_char(fmt_out_t *o, char ch)
{
    if (ch == ' ') {
        o->pending++;
        return;
    }
    for (; o->pending > 0; o->pending--)
        fmt_put(o, ' ');
    fmt_put(o, ch);
}

static void fmt_text(fmt_out_t *o, const char *text, size_t n)
{
    for (size_t i = 0; i < n; i++)
        fmt_char(o, text[i]);
}

static void fmt_spaces(fmt_out_t *o, int n)
{
    o->pending += (size_t) n;
}

/* numpy's _extendLine: put `word` on the current line, or first break the line when the word
 * would pass `width`, unless the line holds nothing but its indent. */
static void fmt_word(fmt_out_t *o, const char *word, size_t n, int width, int indent)
{
    size_t line = (size_t) indent + (o->pos + o->pending - o->line_start);
    if (line + n > (size_t) width && line > (size_t) indent) {
        o->pending = 0;
        fmt_char(o, '\n');
        fmt_spaces(o, indent);
        o->line_start = o->pos + o->pending;
    }
    fmt_text(o, word, n);
}

/* The separator after an element: numpy's " " (str) or ", " (repr); a line break drops the
 * pending space, as numpy strips the separator's end. */
static void fmt_sep(fmt_out_t *o, const fmt_ctx_t *c)
{
    if (c->repr)
        fmt_char(o, ',');
    fmt_char(o, ' ');
}

/* numpy's _formatArray recursion: the sub-array at `axis` starting at element `offset`.
 * `indent` is the hanging indent (columns taken by the brackets to the left) and `width` the
 * line width left for this level. */
static void fmt_array(fmt_out_t *o, const fmt_ctx_t *c, int axis, int64_t offset, int indent,
                      int width)
{
    const tact_tensor_t *t = c->t;
    int axes_left = t->ndims - axis;
    int64_t n = t->dims[axis];
    bool summary = c->summary && n > 2 * FMT_EDGE_ITEMS;
    int64_t i = 0;

    fmt_char(o, '[');
    if (axes_left == 1) {
        /* The last axis: words separated by spaces, wrapped before ']' would pass the width. */
        int elem_width = width - 1;
        o->line_start = o->pos + o->pending;
        while (i < n) {
            if (summary && i == FMT_EDGE_ITEMS) {
                fmt_word(o, "...", 3, elem_width, indent);
                fmt_sep(o, c);
                i = n - FMT_EDGE_ITEMS;
            }
            char word[96];
            char *text = word;
            size_t len;
            if (t->dtype == TACT_DTYPE_STRING)
                text = fmt_bytes_repr(t, offset + i * c->strides[axis], &len);
            else
                len = (size_t) fmt_element(c, offset + i * c->strides[axis], word);
            fmt_word(o, text, len, elem_width, indent);
            if (text != word)
                free(text);
            if (++i < n)
                fmt_sep(o, c);
        }
    } else {
        /* Outer axes: one sub-array per line, with axes_left - 1 newlines between them, so
         * 2-D blocks of a 3-D array are parted by a blank line. */
        while (i < n) {
            if (i > 0)
                fmt_spaces(o, indent);
            if (summary && i == FMT_EDGE_ITEMS) {
                fmt_text(o, "...", 3);
                if (c->repr)
                    fmt_char(o, ',');
                for (int k = 0; k < axes_left - 1; k++)
                    fmt_char(o, '\n');
                fmt_spaces(o, indent);
                i = n - FMT_EDGE_ITEMS;
            }
            fmt_array(o, c, axis + 1, offset + i * c->strides[axis], indent + 1, width - 1);
            if (++i < n) {
                if (c->repr)
                    fmt_char(o, ',');
                for (int k = 0; k < axes_left - 1; k++)
                    fmt_char(o, '\n');
            }
        }
    }
    fmt_char(o, ']');
}

/* numpy's dtype_is_implied: the dtypes whose repr leaves out ", dtype=..." when non-empty. */
static bool fmt_dtype_implied(tact_dtype_t dtype)
{
    return dtype == TACT_DTYPE_F64 || dtype == TACT_DTYPE_I64 || dtype == TACT_DTYPE_BOOL;
}

size_t tact__tensor_format_repr(const tact_tensor_t *t, char *buf, size_t len)
{
    tensor_assert_live(t);
    TACT_ASSERT(buf != NULL || len == 0);

    fmt_out_t o = {.buf = buf, .cap = len};
    fmt_text(&o, "array(", 6);
    bool show_dtype = t->nelems == 0 || !fmt_dtype_implied(t->dtype);
    if (t->ndims == 0) {
        size_t n = tact_tensor_format(t, NULL, 0);
        char *text = tact__malloc(n + 1);
        tact_tensor_format(t, text, n + 1);
        fmt_text(&o, text, n);
        free(text);
    } else if (t->nelems == 0) {
        fmt_text(&o, "[]", 2);
        if (t->ndims != 1) {
            char shape[TACT_MAX_DIMS * 24 + 8];
            tact_shape_t s = tact__tensor_shape(t);
            fmt_text(&o, ", shape=", 8);
            tact__shape_tuple_str(&s, shape, sizeof shape);
            fmt_text(&o, shape, strlen(shape));
        }
    } else {
        fmt_ctx_t c;
        fmt_prepare(&c, t);
        c.repr = true;
        /* hanging indent: "array(["; numpy takes the suffix ("," or ")") off the width */
        fmt_array(&o, &c, 0, 0, 7, FMT_LINE_WIDTH - 1);
    }
    if (show_dtype) {
        const char *name = t->dtype == TACT_DTYPE_STRING ? "object" : tact_dtype_name(t->dtype);
        /* "dtype=float32)" goes on a line of its own when it would pass the width */
        fmt_char(&o, ',');
        size_t last = o.pos - o.line_begin, need = 6 + strlen(name) + 1;
        if (last + need + 1 > FMT_LINE_WIDTH) {
            fmt_char(&o, '\n');
            fmt_spaces(&o, 6);
        } else {
            fmt_char(&o, ' ');
        }
        fmt_text(&o, "dtype=", 6);
        fmt_text(&o, name, strlen(name));
    }
    fmt_char(&o, ')');
    if (len > 0)
        buf[o.pos < len ? o.pos : len - 1] = '\0';
    return o.pos;
}

size_t tact_tensor_format(const tact_tensor_t *t, char *buf, size_t len)
{
    tensor_assert_live(t);
    TACT_ASSERT(buf != NULL || len == 0);

    fmt_out_t o = {.buf = buf, .cap = len};
    if (t->ndims == 0 && t->dtype == TACT_DTYPE_STRING) {
        size_t n;
        char *text = fmt_bytes_repr(t, 0, &n);
        fmt_text(&o, text, n);
        free(text);
    } else if (t->ndims == 0) {
        char text[96];
        fmt_text(&o, text, (size_t) fmt_scalar(t, text));
    } else if (t->nelems == 0) {
        fmt_text(&o, "[]", 2);
    } else {
        fmt_ctx_t c;
        fmt_prepare(&c, t);
        fmt_array(&o, &c, 0, 0, 1, FMT_LINE_WIDTH);
    }
    for (; o.pending > 0; o.pending--)
        fmt_put(&o, ' ');
    if (len > 0)
        buf[o.pos < len ? o.pos : len - 1] = '\0';
    return o.pos;
}
