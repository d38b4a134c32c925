/* SPDX-License-Identifier: MIT */
/* Tests of runtime/base/tensor.c: dtype names and sizes, tensor creation and its errors (sticky
 * status included), the accessors, clone and destroy, string tensors (creation, NUL bytes, deep
 * copies, the internal element helpers), the static shape helpers, and tact_tensor_format.
 * Every expected format string is what numpy 1.26's str() prints for the same array
 * (TensorFlow 1.x's `print(sess.run(t))`; string tensors as numpy object arrays of bytes),
 * checked with real numpy. */
#include "runtime/base/tensor_impl.h" /* first: the prelude's _GNU_SOURCE precedes system headers */
#include "runtime/base/host_alloc.h"
#include "runtime/base/host_limit.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h> /* after the four above, which it needs */

/* ------------------------------------------------------------------------------------------ */
/* Helpers                                                                                    */
/* ------------------------------------------------------------------------------------------ */

#define F32(...)   ((const float[]){__VA_ARGS__})
#define F64(...)   ((const double[]){__VA_ARGS__})
#define I32(...)   ((const int32_t[]){__VA_ARGS__})
#define I64(...)   ((const int64_t[]){__VA_ARGS__})
#define BOOLS(...) ((const bool[]){__VA_ARGS__})

static tact_tensor_t *tensor_ok(tact_dtype_t dtype, const int64_t *dims, int ndims,
                                const void *data)
{
    tact_status_t st = TACT_STATUS_INIT;
    tact_tensor_t *t = tact_tensor_new(dtype, dims, ndims, data, &st);
    assert_int_equal(st.code, TACT_CODE_OK);
    assert_string_equal(st.msg, "");
    assert_non_null(t);
    return t;
}

/* A tensor whose element i is i * scale (bools: i % 3 == 0), as numpy's
 * (np.arange(n) * scale).astype(dtype) builds it. */
static tact_tensor_t *tensor_iota(tact_dtype_t dtype, const int64_t *dims, int ndims, double scale)
{
    tact_tensor_t *t = tensor_ok(dtype, dims, ndims, NULL);
    void *data = tact_tensor_data(t);
    for (int64_t i = 0; i < tact_tensor_nelems(t); i++) {
        double v = (double) i * scale;
        switch (dtype) {
        case TACT_DTYPE_F32:
            ((float *) data)[i] = (float) v;
            break;
        case TACT_DTYPE_F64:
            ((double *) data)[i] = v;
            break;
        case TACT_DTYPE_I32:
            ((int32_t *) data)[i] = (int32_t) v;
            break;
        case TACT_DTYPE_I64:
            ((int64_t *) data)[i] = (int64_t) v;
            break;
        case TACT_DTYPE_BOOL:
            ((bool *) data)[i] = i % 3 == 0;
            break;
        default:
            fail();
        }
    }
    return t;
}

/* A status that already holds an error, to check that calls leave it alone. */
static tact_status_t status_failed(void)
{
    tact_status_t st = TACT_STATUS_INIT;
    tact__fail(&st, TACT_CODE_NOT_FOUND, "earlier failure");
    return st;
}

static void assert_contains(const char *text, const char *part)
{
    if (strstr(text, part) == NULL) {
        print_error("\"%s\" does not contain \"%s\"\n", text, part);
        fail();
    }
}

/* Creating a tensor must fail with `code` and a message containing `part`. */
static void assert_new_fails(tact_dtype_t dtype, const int64_t *dims, int ndims, tact_code_t code,
                             const char *part)
{
    tact_status_t st = TACT_STATUS_INIT;
    assert_null(tact_tensor_new(dtype, dims, ndims, NULL, &st));
    assert_int_equal(st.code, code);
    assert_contains(st.msg, part);
    /* A NULL status is allowed and the call still fails. */
    assert_null(tact_tensor_new(dtype, dims, ndims, NULL, NULL));
}

/* The formatted text of `t`, checked against `want`, and the measuring and truncating
 * contract checked at every buffer length. */
static void assert_format(const tact_tensor_t *t, const char *want, const char *name)
{
    size_t n = strlen(want);
    char *buf = malloc(n + 2);
    assert_non_null(buf);

    size_t got = tact_tensor_format(t, buf, n + 2);
    if (strcmp(buf, want) != 0) {
        print_error("case \"%s\":\nwant:\n%s\ngot:\n%s\n", name, want, buf);
        fail();
    }
    assert_int_equal(got, n);
    assert_int_equal(tact_tensor_format(t, NULL, 0), n);
    for (size_t len = 1; len <= n + 1; len++) {
        memset(buf, 'x', n + 2);
        assert_int_equal(tact_tensor_format(t, buf, len), n);
        assert_int_equal(strlen(buf), len - 1 < n ? len - 1 : n);
        assert_memory_equal(buf, want, strlen(buf));
    }
    free(buf);
}

/* ------------------------------------------------------------------------------------------ */
/* Data types                                                                                 */
/* ------------------------------------------------------------------------------------------ */

static void test_dtype_names_and_sizes(void **state)
{
    (void) state;
    assert_string_equal(tact_dtype_name(TACT_DTYPE_F32), "float32");
    assert_string_equal(tact_dtype_name(TACT_DTYPE_F64), "float64");
    assert_string_equal(tact_dtype_name(TACT_DTYPE_I32), "int32");
    assert_string_equal(tact_dtype_name(TACT_DTYPE_I64), "int64");
    assert_string_equal(tact_dtype_name(TACT_DTYPE_BOOL), "bool");
    assert_string_equal(tact_dtype_name(TACT_DTYPE_STRING), "string");
    assert_non_null(tact_dtype_name(TACT_DTYPE_COUNT));
    assert_non_null(tact_dtype_name((tact_dtype_t) -1));

    assert_int_equal(tact_dtype_size(TACT_DTYPE_F32), 4);
    assert_int_equal(tact_dtype_size(TACT_DTYPE_F64), 8);
    assert_int_equal(tact_dtype_size(TACT_DTYPE_I32), 4);
    assert_int_equal(tact_dtype_size(TACT_DTYPE_I64), 8);
    assert_int_equal(tact_dtype_size(TACT_DTYPE_BOOL), 1);
    assert_int_equal(tact_dtype_size(TACT_DTYPE_STRING), 0);
    assert_int_equal(tact_dtype_size(TACT_DTYPE_COUNT), 0);
    assert_int_equal(tact_dtype_size((tact_dtype_t) 99), 0);
}

static void test_dtype_tf_names(void **state)
{
    (void) state;
    assert_string_equal(tact__dtype_tf_name(TACT_DTYPE_F32), "float");
    assert_string_equal(tact__dtype_tf_name(TACT_DTYPE_F64), "double");
    assert_string_equal(tact__dtype_tf_name(TACT_DTYPE_I32), "int32");
    assert_string_equal(tact__dtype_tf_name(TACT_DTYPE_I64), "int64");
    assert_string_equal(tact__dtype_tf_name(TACT_DTYPE_BOOL), "bool");
    assert_string_equal(tact__dtype_tf_name(TACT_DTYPE_STRING), "string");
    assert_non_null(tact__dtype_tf_name(TACT_DTYPE_COUNT));

    assert_true(tact__dtype_valid(TACT_DTYPE_F32));
    assert_true(tact__dtype_valid(TACT_DTYPE_STRING));
    assert_false(tact__dtype_valid(TACT_DTYPE_COUNT));
    assert_false(tact__dtype_valid((tact_dtype_t) -1));
}

/* ------------------------------------------------------------------------------------------ */
/* Creation                                                                                   */
/* ------------------------------------------------------------------------------------------ */

static void test_new_copies_data(void **state)
{
    (void) state;
    float src[6] = {1, 2, 3, 4, 5, 6};
    tact_tensor_t *t = tensor_ok(TACT_DTYPE_F32, (int64_t[]){2, 3}, 2, src);

    assert_int_equal(tact_tensor_dtype(t), TACT_DTYPE_F32);
    assert_int_equal(tact_tensor_ndims(t), 2);
    assert_int_equal(tact_tensor_dim(t, 0), 2);
    assert_int_equal(tact_tensor_dim(t, 1), 3);
    assert_int_equal(tact_tensor_nelems(t), 6);
    assert_int_equal(tact_tensor_nbytes(t), 6 * sizeof(float));

    float *data = tact_tensor_data(t);
    assert_non_null(data);
    assert_ptr_not_equal(data, src);
    assert_int_equal((uintptr_t) data % 16, 0);  /* small data lives inline, 16-aligned */
    assert_memory_equal(data, src, sizeof src);

    /* Larger data is 64-byte aligned for vector loads. */
    tact_tensor_t *big = tact_tensor_new(TACT_DTYPE_F32, (int64_t[]) { 100 }, 1, NULL, NULL);
    assert_non_null(big);
    assert_int_equal((uintptr_t) tact_tensor_data(big) % 64, 0);
    tact_tensor_destroy(&big);

    /* A copy: changing the source afterwards does not reach the tensor. */
    src[0] = 100;
    assert_true(data[0] == 1.0f);
    tact_tensor_destroy(&t);
}

static void test_new_each_dtype(void **state)
{
    (void) state;
    const int64_t dims[] = {3};
    const void *const src[] = {
        [TACT_DTYPE_F32] = F32(1.5f, -2, 3),
        [TACT_DTYPE_F64] = F64(1.5, -2, 3),
        [TACT_DTYPE_I32] = I32(INT32_MIN, 0, INT32_MAX),
        [TACT_DTYPE_I64] = I64(INT64_MIN, 0, INT64_MAX),
        [TACT_DTYPE_BOOL] = BOOLS(true, false, true),
    };
    for (int d = TACT_DTYPE_F32; d <= TACT_DTYPE_BOOL; d++) {
        size_t size = tact_dtype_size(d);
        tact_tensor_t *t = tensor_ok(d, dims, 1, src[d]);
        assert_int_equal(tact_tensor_dtype(t), d);
        assert_int_equal(tact_tensor_nbytes(t), 3 * size);
        assert_memory_equal(tact_tensor_data(t), src[d], 3 * size);
        tact_tensor_destroy(&t);
    }
}

static void test_new_null_data_is_zeros(void **state)
{
    (void) state;
    const int64_t dims[] = {4, 5};
    for (int d = TACT_DTYPE_F32; d <= TACT_DTYPE_BOOL; d++) {
        tact_tensor_t *t = tensor_ok(d, dims, 2, NULL);
        const unsigned char *bytes = tact_tensor_data(t);
        assert_int_equal(tact_tensor_nbytes(t), 20 * tact_dtype_size(d));
        for (size_t i = 0; i < tact_tensor_nbytes(t); i++)
            assert_int_equal(bytes[i], 0);
        tact_tensor_destroy(&t);
    }
}

static void test_new_scalar(void **state)
{
    (void) state;
    /* ndims 0 may pass NULL dims. */
    tact_tensor_t *t = tensor_ok(TACT_DTYPE_F64, NULL, 0, F64(2.5));
    assert_int_equal(tact_tensor_ndims(t), 0);
    assert_int_equal(tact_tensor_nelems(t), 1);
    assert_int_equal(tact_tensor_nbytes(t), sizeof(double));
    assert_true(*(const double *) tact_tensor_data(t) == 2.5);
    tact_tensor_destroy(&t);

    t = tensor_ok(TACT_DTYPE_I32, (int64_t[]){7}, 0, NULL);
    assert_int_equal(tact_tensor_ndims(t), 0);
    assert_int_equal(*(const int32_t *) tact_tensor_data(t), 0);
    tact_tensor_destroy(&t);
}

static void test_new_empty(void **state)
{
    (void) state;
    tact_tensor_t *t = tensor_ok(TACT_DTYPE_F32, (int64_t[]){2, 0, 3}, 3, NULL);
    assert_int_equal(tact_tensor_ndims(t), 3);
    assert_int_equal(tact_tensor_dim(t, 1), 0);
    assert_int_equal(tact_tensor_dim(t, 2), 3);
    assert_int_equal(tact_tensor_nelems(t), 0);
    assert_int_equal(tact_tensor_nbytes(t), 0);
    assert_null(tact_tensor_data(t));
    tact_tensor_destroy(&t);

    /* Data is not read for an empty tensor; a huge dimension beside a zero is fine. */
    t = tensor_ok(TACT_DTYPE_F64, (int64_t[]){INT64_MAX, 0, INT64_MAX}, 3, F64(1));
    assert_int_equal(tact_tensor_nelems(t), 0);
    assert_null(tact_tensor_data(t));
    tact_tensor_destroy(&t);
}

static void test_new_max_dims(void **state)
{
    (void) state;
    const int64_t dims[TACT_MAX_DIMS] = {1, 2, 1, 2, 1, 2, 1, 2};
    tact_tensor_t *t = tensor_ok(TACT_DTYPE_I64, dims, TACT_MAX_DIMS, NULL);
    assert_int_equal(tact_tensor_ndims(t), TACT_MAX_DIMS);
    for (int i = 0; i < TACT_MAX_DIMS; i++)
        assert_int_equal(tact_tensor_dim(t, i), dims[i]);
    assert_int_equal(tact_tensor_nelems(t), 16);
    assert_int_equal(tact_tensor_nbytes(t), 16 * sizeof(int64_t));
    tact_tensor_destroy(&t);
}

/* ------------------------------------------------------------------------------------------ */
/* Creation errors                                                                            */
/* ------------------------------------------------------------------------------------------ */

static void test_new_invalid_dtype(void **state)
{
    (void) state;
    assert_new_fails(TACT_DTYPE_COUNT, NULL, 0, TACT_CODE_INVALID_ARGUMENT,
                     "tensor: invalid dtype 10");
    assert_new_fails((tact_dtype_t) -1, NULL, 0, TACT_CODE_INVALID_ARGUMENT,
                     "tensor: invalid dtype -1");
}

static void test_new_bad_ndims(void **state)
{
    (void) state;
    const int64_t dims[TACT_MAX_DIMS + 1] = {1, 1, 1, 1, 1, 1, 1, 1, 1};
    assert_new_fails(TACT_DTYPE_F32, dims, TACT_MAX_DIMS + 1, TACT_CODE_INVALID_ARGUMENT,
                     "tensor: 9 dimensions");
    assert_new_fails(TACT_DTYPE_F32, dims, -1, TACT_CODE_INVALID_ARGUMENT, "tensor: -1 dimensions");

    tact_status_t st = TACT_STATUS_INIT;
    assert_null(tact_tensor_new(TACT_DTYPE_F32, dims, 100, NULL, &st));
    assert_string_equal(st.msg, "tensor: 100 dimensions is out of range (0 to 8)");
}

static void test_new_null_dims(void **state)
{
    (void) state;
    assert_new_fails(TACT_DTYPE_F32, NULL, 2, TACT_CODE_INVALID_ARGUMENT,
                     "tensor: dims is NULL but ndims is 2");
}

static void test_new_negative_dimension(void **state)
{
    (void) state;
    tact_status_t st = TACT_STATUS_INIT;
    assert_null(tact_tensor_new(TACT_DTYPE_F32, (int64_t[]){-1}, 1, NULL, &st));
    assert_int_equal(st.code, TACT_CODE_INVALID_ARGUMENT);
    assert_string_equal(st.msg, "tensor: negative dimension -1 at index 0");

    assert_new_fails(TACT_DTYPE_I64, (int64_t[]){2, 3, -7}, 3, TACT_CODE_INVALID_ARGUMENT,
                     "tensor: negative dimension -7 at index 2");
    /* A negative dimension is an error even when another dimension is 0. */
    assert_new_fails(TACT_DTYPE_I64, (int64_t[]){0, INT64_MIN}, 2, TACT_CODE_INVALID_ARGUMENT,
                     "tensor: negative dimension -9223372036854775808 at index 1");
}

static void test_new_overflow(void **state)
{
    (void) state;
    /* The element count overflows int64. */
    tact_status_t st = TACT_STATUS_INIT;
    const int64_t big[] = {INT64_C(1) << 31, INT64_C(1) << 31, INT64_C(1) << 31};
    assert_null(tact_tensor_new(TACT_DTYPE_BOOL, big, 3, NULL, &st));
    assert_int_equal(st.code, TACT_CODE_INVALID_ARGUMENT);
    assert_string_equal(st.msg, "tensor: shape [2147483648,2147483648,2147483648] of bool is "
                                "too large (its size overflows)");

    /* The count fits but the bytes do not. */
    assert_new_fails(TACT_DTYPE_F64, (int64_t[]){INT64_C(1) << 61}, 1, TACT_CODE_INVALID_ARGUMENT,
                     "tensor: shape [2305843009213693952] of float64 is too large");
    assert_new_fails(TACT_DTYPE_F32, (int64_t[]){INT64_MAX / 4 + 1}, 1, TACT_CODE_INVALID_ARGUMENT,
                     "too large");
    assert_new_fails(TACT_DTYPE_I32, (int64_t[]){INT64_MAX, 2}, 2, TACT_CODE_INVALID_ARGUMENT,
                     "too large");
}

static void test_new_sticky_status(void **state)
{
    (void) state;
    /* A failed status makes the call return NULL at once, valid arguments or not. */
    tact_status_t st = status_failed();
    assert_null(tact_tensor_new(TACT_DTYPE_F32, (int64_t[]){2}, 1, F32(1, 2), &st));
    assert_int_equal(st.code, TACT_CODE_NOT_FOUND);
    assert_string_equal(st.msg, "earlier failure");

    assert_null(tact_tensor_new(TACT_DTYPE_STRING, (int64_t[]){-1}, 99, NULL, &st));
    assert_int_equal(st.code, TACT_CODE_NOT_FOUND);
    assert_string_equal(st.msg, "earlier failure");

    /* In a chain the first error wins. */
    tact_status_t chain = TACT_STATUS_INIT;
    tact_tensor_t *a = tact_tensor_new(TACT_DTYPE_F32, (int64_t[]){-3}, 1, NULL, &chain);
    tact_tensor_t *b = tact_tensor_new(TACT_DTYPE_STRING, NULL, 0, NULL, &chain);
    tact_tensor_t *c = tact_tensor_new(TACT_DTYPE_F32, NULL, 0, NULL, &chain);
    assert_null(a);
    assert_null(b);
    assert_null(c);
    assert_int_equal(chain.code, TACT_CODE_INVALID_ARGUMENT);
    assert_string_equal(chain.msg, "tensor: negative dimension -3 at index 0");
}

static void test_new_null_status(void **state)
{
    (void) state;
    tact_tensor_t *t = tact_tensor_new(TACT_DTYPE_I32, (int64_t[]){2}, 1, I32(3, 5), NULL);
    assert_non_null(t);
    assert_memory_equal(tact_tensor_data(t), I32(3, 5), 2 * sizeof(int32_t));
    tact_tensor_destroy(&t);
}

/* ------------------------------------------------------------------------------------------ */
/* Internal allocation, clone, destroy                                                        */
/* ------------------------------------------------------------------------------------------ */

static void test_tensor_alloc(void **state)
{
    (void) state;
    tact_tensor_t *t = tact__tensor_alloc(TACT_DTYPE_F64, (int64_t[]){3, 5}, 2);
    assert_int_equal(t->tag, TACT_TAG_TENSOR);
    assert_int_equal(t->dtype, TACT_DTYPE_F64);
    assert_int_equal(t->ndims, 2);
    assert_int_equal(t->dims[0], 3);
    assert_int_equal(t->dims[1], 5);
    assert_int_equal(t->nelems, 15);
    assert_int_equal(t->nbytes, 15 * sizeof(double));
    assert_non_null(t->data);
    assert_int_equal((uintptr_t) t->data % 64, 0);
    /* Kernels write every element; here the writes must stay inside the allocation. */
    for (int i = 0; i < 15; i++)
        ((double *) t->data)[i] = i;
    tact_tensor_destroy(&t);

    t = tact__tensor_alloc(TACT_DTYPE_BOOL, NULL, 0);
    assert_int_equal(t->nelems, 1);
    assert_int_equal(t->nbytes, 1);
    assert_non_null(t->data);
    tact_tensor_destroy(&t);

    t = tact__tensor_alloc(TACT_DTYPE_I32, (int64_t[]){0}, 1);
    assert_int_equal(t->nelems, 0);
    assert_null(t->data);
    tact_tensor_destroy(&t);
}

static void test_clone(void **state)
{
    (void) state;
    tact_tensor_t *t = tensor_ok(TACT_DTYPE_I64, (int64_t[]){2, 2}, 2, I64(1, 2, 3, 4));
    tact_tensor_t *c = tact_tensor_clone(t);

    assert_non_null(c);
    assert_ptr_not_equal(c, t);
    assert_ptr_not_equal(tact_tensor_data(c), tact_tensor_data(t));
    assert_int_equal((uintptr_t) tact_tensor_data(c) % 16, 0);
    assert_int_equal(tact_tensor_dtype(c), TACT_DTYPE_I64);
    assert_int_equal(tact_tensor_ndims(c), 2);
    assert_int_equal(tact_tensor_dim(c, 0), 2);
    assert_int_equal(tact_tensor_dim(c, 1), 2);
    assert_int_equal(tact_tensor_nelems(c), 4);
    assert_int_equal(tact_tensor_nbytes(c), 4 * sizeof(int64_t));
    assert_memory_equal(tact_tensor_data(c), I64(1, 2, 3, 4), 4 * sizeof(int64_t));

    /* A deep copy: the two evolve apart, and either may be destroyed first. */
    ((int64_t *) tact_tensor_data(t))[0] = 42;
    assert_int_equal(((int64_t *) tact_tensor_data(c))[0], 1);
    tact_tensor_destroy(&t);
    assert_int_equal(((int64_t *) tact_tensor_data(c))[3], 4);
    tact_tensor_destroy(&c);

    /* Scalars and empty tensors clone too. */
    t = tensor_ok(TACT_DTYPE_BOOL, NULL, 0, BOOLS(true));
    c = tact_tensor_clone(t);
    assert_int_equal(tact_tensor_ndims(c), 0);
    assert_true(*(const bool *) tact_tensor_data(c));
    tact_tensor_destroy(&c);
    tact_tensor_destroy(&t);

    t = tensor_ok(TACT_DTYPE_F32, (int64_t[]){4, 0}, 2, NULL);
    c = tact_tensor_clone(t);
    assert_int_equal(tact_tensor_nelems(c), 0);
    assert_int_equal(tact_tensor_dim(c, 0), 4);
    assert_null(tact_tensor_data(c));
    tact_tensor_destroy(&c);
    tact_tensor_destroy(&t);
}

static void test_destroy_is_null_safe(void **state)
{
    (void) state;
    tact_tensor_destroy(NULL);

    tact_tensor_t *t = NULL;
    tact_tensor_destroy(&t);
    assert_null(t);

    t = tensor_ok(TACT_DTYPE_F32, (int64_t[]){3}, 1, NULL);
    tact_tensor_destroy(&t);
    assert_null(t);
    tact_tensor_destroy(&t); /* a second destroy through the same variable is harmless */
    assert_null(t);
}

/* Every field of a new tensor's header is its own, whichever tensor the thread freed last
 * (tensor.c hands freed headers to the thread's next tensors). */
static void assert_fresh_scalar(const tact_tensor_t *t, tact_dtype_t dtype, size_t nbytes)
{
    assert_non_null(t);
    assert_int_equal(t->tag, TACT_TAG_TENSOR);
    assert_int_equal(tact__tensor_refs(t), 1);
    assert_int_equal(t->dtype, dtype);
    assert_int_equal(t->ndims, 0);
    for (int i = 0; i < TACT_MAX_DIMS; i++)
        assert_int_equal(t->dims[i], 0);
    assert_int_equal(t->nelems, 1);
    assert_int_equal(t->nbytes, nbytes);
    assert_ptr_equal(t->data, t->inline_data);
    assert_null(t->free_data);
    assert_null(t->free_ctx);
    assert_null(t->limit);
}

static int borrowed_frees;

static void count_borrowed_free(void *data, size_t len, void *arg)
{
    (void) data;
    (void) len;
    (void) arg;
    borrowed_frees++;
}

static void test_recycled_headers_are_fresh(void **state)
{
    (void) state;
    tact_status_t st = TACT_STATUS_INIT;
    tact_host_limit_t *limit = tact__host_limit_new(1 << 20);
    float buf[6] = {0};
    int64_t eight[TACT_MAX_DIMS] = {1, 2, 1, 2, 1, 2, 1, 2};
    /* More tensors than a thread keeps headers for, of every kind: borrowed data, eight dims
     * charged to a limit, a view, strings. */
    enum { N = 24 };
    tact_tensor_t *src = tact__tensor_alloc(TACT_DTYPE_F32, (int64_t[]){6}, 1);
    tact_tensor_t *old[N];
    borrowed_frees = 0;
    for (int i = 0; i < N; i++) {
        switch (i % 4) {
        case 0:
            old[i] = tact_tensor_new_borrowed(TACT_DTYPE_F32, (int64_t[]){2, 3}, 2, buf, sizeof buf,
                                              count_borrowed_free, NULL, &st);
            break;
        case 1:
            old[i] = tact__tensor_try_alloc(TACT_DTYPE_F64, eight, TACT_MAX_DIMS, limit, NULL, &st);
            break;
        case 2:
            old[i] = tact__tensor_reshaped(src, (int64_t[]){3, 2}, 2);
            break;
        default:
            old[i] =
                tact_tensor_new_strings((int64_t[]){2}, 1, (const char *[]){"a", "bc"}, NULL, &st);
            break;
        }
        assert_non_null(old[i]);
    }
    assert_int_equal(st.code, TACT_CODE_OK);
    assert_int_equal(tact__host_limit_in_use(limit), 6 * 16 * sizeof(double));
    for (int i = 0; i < N; i++)
        tact_tensor_destroy(&old[i]);
    assert_int_equal(borrowed_frees, N / 4);
    assert_int_equal(tact__tensor_refs(src), 1); /* the views let go of it */
    assert_int_equal(tact__host_limit_in_use(limit), 0);
    for (int i = 0; i < N; i++) {
        old[i] = tact__tensor_try_alloc(TACT_DTYPE_I32, NULL, 0, NULL, NULL, &st);
        assert_fresh_scalar(old[i], TACT_DTYPE_I32, sizeof(int32_t));
        *(int32_t *) old[i]->data = i;
    }
    for (int i = 0; i < N; i++) {
        assert_int_equal(*(int32_t *) old[i]->data, i); /* N distinct tensors */
        tact_tensor_destroy(&old[i]);
    }
    tact_tensor_destroy(&src);
    tact__host_limit_unref(&limit);
}

/* Tensors made on one thread and destroyed on another: each thread's recycled headers are its
 * own, and a thread that exits gives back the ones it kept (valgrind and ASan see no leak). */
enum { BATCH = 40 };

typedef struct tensor_batch {
    tact_tensor_t *t[BATCH];
} tensor_batch_t;

static void *batch_make(void *arg)
{
    tensor_batch_t *b = arg;
    tact_status_t st = TACT_STATUS_INIT;
    for (int i = 0; i < BATCH; i++) {
        /* small ones in their header, large ones with a buffer of their own */
        int64_t n = i % 2 ? 1000 : 3;
        b->t[i] = tact__tensor_try_alloc(TACT_DTYPE_I64, &n, 1, NULL, NULL, &st);
        assert_non_null(b->t[i]);
        for (int64_t k = 0; k < n; k++)
            ((int64_t *) b->t[i]->data)[k] = i * 10000 + k;
    }
    /* A thread that recycles headers of its own before it exits. */
    for (int i = 0; i < 3 * BATCH; i++) {
        tact_tensor_t *t = tact__tensor_alloc(TACT_DTYPE_F32, NULL, 0);
        tact_tensor_destroy(&t);
    }
    return NULL;
}

static void *batch_destroy(void *arg)
{
    tensor_batch_t *b = arg;
    for (int i = 0; i < BATCH; i++) {
        int64_t n = i % 2 ? 1000 : 3;
        assert_int_equal(b->t[i]->nelems, n);
        assert_int_equal(((int64_t *) b->t[i]->data)[n - 1], i * 10000 + n - 1);
        tact_tensor_destroy(&b->t[i]);
    }
    return NULL;
}

static void test_headers_across_threads(void **state)
{
    (void) state;
    tensor_batch_t b;
    for (int round = 0; round < 3; round++) {
        pthread_t th;
        assert_int_equal(pthread_create(&th, NULL, batch_make, &b), 0);
        assert_int_equal(pthread_join(th, NULL), 0);
        if (round == 1) {
            batch_destroy(&b); /* this thread keeps some of another's headers */
        } else {
            assert_int_equal(pthread_create(&th, NULL, batch_destroy, &b), 0);
            assert_int_equal(pthread_join(th, NULL), 0);
        }
        /* and this thread's tensors, destroyed by a thread that then exits */
        batch_make(&b);
        assert_int_equal(pthread_create(&th, NULL, batch_destroy, &b), 0);
        assert_int_equal(pthread_join(th, NULL), 0);
    }
}

/* tact__tensor_try_alloc_like: x's dtype and shape, its sizes not computed again; a limit and
 * a set status as tact__tensor_try_alloc has them. */
static void test_alloc_like(void **state)
{
    (void) state;
    tact_status_t st = TACT_STATUS_INIT;
    tact_tensor_t *x = tensor_ok(TACT_DTYPE_F32, (int64_t[]){2, 3}, 2, NULL);
    tact_tensor_t *t = tact__tensor_try_alloc_like(x, false, NULL, NULL, &st);
    assert_non_null(t);
    assert_int_equal(t->dtype, TACT_DTYPE_F32);
    assert_int_equal(t->ndims, 2);
    assert_int_equal(t->dims[0], 2);
    assert_int_equal(t->dims[1], 3);
    assert_int_equal(t->dims[2], 0);
    assert_int_equal(t->nelems, 6);
    assert_int_equal(t->nbytes, 6 * sizeof(float));
    assert_ptr_equal(t->data, t->inline_data);
    assert_null(t->limit);
    tact_tensor_destroy(&t);
    tact_tensor_destroy(&x);

    /* Past the inline bytes, under a limit: charged, then refused in TensorFlow's words. */
    tact_host_limit_t *limit = tact__host_limit_new(4096);
    x = tensor_ok(TACT_DTYPE_F32, (int64_t[]){600}, 1, NULL);
    t = tact__tensor_try_alloc_like(x, true, limit, "CPU:1", &st);
    assert_non_null(t);
    assert_ptr_not_equal(t->data, t->inline_data);
    assert_int_equal((uintptr_t) t->data % 64, 0);
    assert_int_equal(tact__host_limit_in_use(limit), 2400);
    assert_null(tact__tensor_try_alloc_like(x, false, limit, "CPU:1", &st));
    assert_int_equal(st.code, TACT_CODE_RESOURCE_EXHAUSTED);
    assert_string_equal(st.msg, "OOM when allocating tensor with shape[600] and type float on "
                                "/job:localhost/replica:0/task:0/device:CPU:1 by allocator cpu");
    /* A status that holds an error: NULL, nothing charged. */
    assert_null(tact__tensor_try_alloc_like(x, false, NULL, NULL, &st));
    tact_tensor_destroy(&t);
    assert_int_equal(tact__host_limit_in_use(limit), 0);
    tact_tensor_destroy(&x);
    tact__host_limit_unref(&limit);

    /* Strings come with empty elements; empty tensors with no data. */
    st = (tact_status_t) TACT_STATUS_INIT;
    x = tact_tensor_new_strings((int64_t[]){2}, 1, (const char *[]){"x", "yz"}, NULL, &st);
    t = tact__tensor_try_alloc_like(x, true, NULL, NULL, &st);
    assert_non_null(t);
    assert_int_equal(t->dtype, TACT_DTYPE_STRING);
    size_t len = 7;
    assert_string_equal(tact_tensor_string(t, 1, &len), "");
    assert_int_equal(len, 0);
    tact_tensor_destroy(&t);
    tact_tensor_destroy(&x);
    x = tensor_ok(TACT_DTYPE_I32, (int64_t[]){4, 0}, 2, NULL);
    t = tact__tensor_try_alloc_like(x, false, NULL, NULL, &st);
    assert_int_equal(t->nelems, 0);
    assert_null(t->data);
    tact_tensor_destroy(&t);
    tact_tensor_destroy(&x);
}

/* ------------------------------------------------------------------------------------------ */
/* Static shapes                                                                              */
/* ------------------------------------------------------------------------------------------ */

static void test_tensor_shape(void **state)
{
    (void) state;
    tact_tensor_t *t = tensor_ok(TACT_DTYPE_F32, (int64_t[]){2, 3, 4}, 3, NULL);
    tact_shape_t s = tact__tensor_shape(t);
    assert_int_equal(s.ndims, 3);
    assert_int_equal(s.dims[0], 2);
    assert_int_equal(s.dims[1], 3);
    assert_int_equal(s.dims[2], 4);
    assert_int_equal(tact__shape_nelems(&s), 24);
    tact_tensor_destroy(&t);

    t = tensor_ok(TACT_DTYPE_F32, NULL, 0, NULL);
    s = tact__tensor_shape(t);
    assert_int_equal(s.ndims, 0);
    assert_int_equal(tact__shape_nelems(&s), 1);
    tact_tensor_destroy(&t);
}

static void test_shape_nelems(void **state)
{
    (void) state;
    tact_shape_t scalar = {.ndims = 0};
    tact_shape_t known = {.ndims = 2, .dims = {2, 3}};
    tact_shape_t empty = {.ndims = 2, .dims = {0, 3}};
    tact_shape_t unknown_dim = {.ndims = 2, .dims = {-1, 3}};
    tact_shape_t unknown_rank = {.ndims = -1};
    tact_shape_t unknown_and_zero = {.ndims = 2, .dims = {0, -1}};
    tact_shape_t overflow = {.ndims = 2, .dims = {INT64_MAX, 2}};
    tact_shape_t overflow_then_zero = {.ndims = 3, .dims = {INT64_MAX, 2, 0}};

    assert_int_equal(tact__shape_nelems(&scalar), 1);
    assert_int_equal(tact__shape_nelems(&known), 6);
    assert_int_equal(tact__shape_nelems(&empty), 0);
    assert_int_equal(tact__shape_nelems(&unknown_dim), -1);
    assert_int_equal(tact__shape_nelems(&unknown_rank), -1);
    assert_int_equal(tact__shape_nelems(&unknown_and_zero), -1);
    assert_int_equal(tact__shape_nelems(&overflow), -1);
    assert_int_equal(tact__shape_nelems(&overflow_then_zero), 0);
}

static void test_shape_compatible(void **state)
{
    (void) state;
    tact_shape_t v23 = {.ndims = 2, .dims = {2, 3}};
    tact_shape_t v32 = {.ndims = 2, .dims = {3, 2}};
    tact_shape_t v6 = {.ndims = 1, .dims = {6}};
    tact_shape_t scalar = {.ndims = 0};
    tact_shape_t any = {.ndims = -1};
    tact_shape_t batch3 = {.ndims = 2, .dims = {-1, 3}};
    tact_shape_t two_unknown = {.ndims = 2, .dims = {-1, -1}};

    assert_true(tact__shape_compatible(&v23, &v23));
    assert_false(tact__shape_compatible(&v23, &v32));
    assert_false(tact__shape_compatible(&v23, &v6));
    assert_false(tact__shape_compatible(&v6, &v23));
    assert_true(tact__shape_compatible(&scalar, &scalar));
    assert_false(tact__shape_compatible(&scalar, &v6));
    assert_false(tact__shape_compatible(&v6, &scalar));

    assert_true(tact__shape_compatible(&any, &v23));
    assert_true(tact__shape_compatible(&any, &scalar));
    assert_true(tact__shape_compatible(&batch3, &v23));
    assert_false(tact__shape_compatible(&batch3, &v32));
    assert_false(tact__shape_compatible(&batch3, &v6));
    assert_true(tact__shape_compatible(&two_unknown, &v32));
    assert_false(tact__shape_compatible(&two_unknown, &v6));
}

static void test_shape_str(void **state)
{
    (void) state;
    char buf[64];
    tact_shape_t s = {.ndims = 2, .dims = {2, 3}};
    assert_ptr_equal(tact__shape_str(&s, buf, sizeof buf), buf);
    assert_string_equal(buf, "[2,3]");

    s = (tact_shape_t){.ndims = 0};
    assert_string_equal(tact__shape_str(&s, buf, sizeof buf), "[]");
    s = (tact_shape_t){.ndims = 1, .dims = {7}};
    assert_string_equal(tact__shape_str(&s, buf, sizeof buf), "[7]");
    s = (tact_shape_t){.ndims = 3, .dims = {-1, 3, 0}};
    assert_string_equal(tact__shape_str(&s, buf, sizeof buf), "[?,3,0]");
    s = (tact_shape_t){.ndims = -1};
    assert_string_equal(tact__shape_str(&s, buf, sizeof buf), "<unknown>");
    s = (tact_shape_t){.ndims = 2, .dims = {INT64_MAX, 1}};
    assert_string_equal(tact__shape_str(&s, buf, sizeof buf), "[9223372036854775807,1]");
}

static void test_shape_tuple_str(void **state)
{
    (void) state;
    char buf[64];
    tact_shape_t s = {.ndims = 2, .dims = {2, 3}};
    assert_ptr_equal(tact__shape_tuple_str(&s, buf, sizeof buf), buf);
    assert_string_equal(buf, "(2, 3)");

    s = (tact_shape_t){.ndims = 1, .dims = {2}};
    assert_string_equal(tact__shape_tuple_str(&s, buf, sizeof buf), "(2,)");
    s = (tact_shape_t){.ndims = 0};
    assert_string_equal(tact__shape_tuple_str(&s, buf, sizeof buf), "()");
    s = (tact_shape_t){.ndims = 2, .dims = {-1, 3}};
    assert_string_equal(tact__shape_tuple_str(&s, buf, sizeof buf), "(?, 3)");
    s = (tact_shape_t){.ndims = 1, .dims = {-1}};
    assert_string_equal(tact__shape_tuple_str(&s, buf, sizeof buf), "(?,)");
    s = (tact_shape_t){.ndims = -1};
    assert_string_equal(tact__shape_tuple_str(&s, buf, sizeof buf), "<unknown>");
}

static void test_shape_str_truncates(void **state)
{
    (void) state;
    char buf[8];
    tact_shape_t s = {.ndims = 3, .dims = {100, 200, 300}};

    memset(buf, 'x', sizeof buf);
    assert_string_equal(tact__shape_str(&s, buf, sizeof buf), "[100,20");
    memset(buf, 'x', sizeof buf);
    assert_string_equal(tact__shape_tuple_str(&s, buf, sizeof buf), "(100, 2");
    memset(buf, 'x', sizeof buf);
    assert_string_equal(tact__shape_str(&s, buf, 1), "");
    assert_int_equal(buf[1], 'x');
    /* Length 0 writes nothing at all. */
    memset(buf, 'x', sizeof buf);
    tact__shape_tuple_str(&s, buf, 0);
    assert_int_equal(buf[0], 'x');
    s = (tact_shape_t){.ndims = -1};
    assert_string_equal(tact__shape_str(&s, buf, 4), "<un");
}

/* ------------------------------------------------------------------------------------------ */
/* Formatting                                                                                 */
/* ------------------------------------------------------------------------------------------ */

typedef struct {
    const char *name;
    tact_dtype_t dtype;
    int ndims;
    int64_t dims[TACT_MAX_DIMS];
    const void *data;
    const char *want;
} format_case_t;

/* numpy 1.26: str(np.array(data, dtype).reshape(dims)). */
/* clang-format off */
static const format_case_t format_cases[] = {
    {"seed: scalar float32 5*6", TACT_DTYPE_F32, 0, {0}, F32(30.0f),
     "30.0"},
    {"seed: float32 [3, 5]", TACT_DTYPE_F32, 1, {2}, F32(3.0f, 5.0f),
     "[3. 5.]"},
    {"seed: float32 matmul", TACT_DTYPE_F32, 2, {2, 2}, F32(22.0f, 28.0f, 49.0f, 64.0f),
     "[[22. 28.]\n [49. 64.]]"},
    {"seed: int32 [3, 5]", TACT_DTYPE_I32, 1, {2}, I32(3, 5),
     "[3 5]"},
    {"scalar float32 0.5", TACT_DTYPE_F32, 0, {0}, F32(0.5f),
     "0.5"},
    {"scalar float32 1e-5", TACT_DTYPE_F32, 0, {0}, F32(1e-05f),
     "1e-05"},
    {"scalar float32 0.1", TACT_DTYPE_F32, 0, {0}, F32(0.1f),
     "0.1"},
    {"scalar float32 1e-4 is below 1e-4", TACT_DTYPE_F32, 0, {0}, F32(1e-04f),
     "1e-04"},
    {"scalar float32 1e16", TACT_DTYPE_F32, 0, {0}, F32(1e+16f),
     "1e+16"},
    {"scalar float32 123456789", TACT_DTYPE_F32, 0, {0}, F32(123456789.0f),
     "123456790.0"},
    {"scalar float32 -0.0", TACT_DTYPE_F32, 0, {0}, F32(-0.0f),
     "-0.0"},
    {"scalar float32 nan", TACT_DTYPE_F32, 0, {0}, F32(NAN),
     "nan"},
    {"scalar float32 -inf", TACT_DTYPE_F32, 0, {0}, F32(-INFINITY),
     "-inf"},
    {"scalar float64 1/3", TACT_DTYPE_F64, 0, {0}, F64(1.0 / 3.0),
     "0.3333333333333333"},
    {"scalar float64 0.1 + 0.2", TACT_DTYPE_F64, 0, {0}, F64(0.1 + 0.2),
     "0.30000000000000004"},
    {"scalar float64 1e-4", TACT_DTYPE_F64, 0, {0}, F64(0.0001),
     "0.0001"},
    {"scalar float64 1.5e20", TACT_DTYPE_F64, 0, {0}, F64(1.5e+20),
     "1.5e+20"},
    {"scalar float64 1e300", TACT_DTYPE_F64, 0, {0}, F64(1e+300),
     "1e+300"},
    {"scalar float64 -2.5", TACT_DTYPE_F64, 0, {0}, F64(-2.5),
     "-2.5"},
    {"scalar int32 37", TACT_DTYPE_I32, 0, {0}, I32(37),
     "37"},
    {"scalar int64 min", TACT_DTYPE_I64, 0, {0}, I64(INT64_MIN),
     "-9223372036854775808"},
    {"scalar bool true", TACT_DTYPE_BOOL, 0, {0}, BOOLS(true),
     "True"},
    {"scalar bool false", TACT_DTYPE_BOOL, 0, {0}, BOOLS(false),
     "False"},
    {"common width", TACT_DTYPE_F32, 1, {2}, F32(0.5f, 1.25f),
     "[0.5  1.25]"},
    {"trailing zero becomes a space", TACT_DTYPE_F32, 1, {2}, F32(1.5f, 2.0f),
     "[1.5 2. ]"},
    {"negative", TACT_DTYPE_F32, 1, {3}, F32(1.5f, 2.0f, -3.25f),
     "[ 1.5   2.   -3.25]"},
    {"negative zero", TACT_DTYPE_F64, 1, {2}, F64(-0.0, 1.5),
     "[-0.   1.5]"},
    {"float32 shortest digits", TACT_DTYPE_F32, 1, {2}, F32(1.0f, 0.1f),
     "[1.  0.1]"},
    {"one element", TACT_DTYPE_F32, 1, {1}, F32(5.0f),
     "[5.]"},
    {"all zeros", TACT_DTYPE_F64, 1, {3}, F64(0.0, 0.0, 0.0),
     "[0. 0. 0.]"},
    {"float32 thirds", TACT_DTYPE_F32, 1, {2}, F32(1.0f / 3.0f, 2.0f / 3.0f),
     "[0.33333334 0.6666667 ]"},
    {"float64 cut at 8 digits", TACT_DTYPE_F64, 1, {2}, F64(1.0 / 3.0, 0.123456789012),
     "[0.33333333 0.12345679]"},
    {"float64 0.1 0.2 0.3", TACT_DTYPE_F64, 1, {3}, F64(0.1, 0.2, 0.3),
     "[0.1 0.2 0.3]"},
    {"float32 integer digits stay exact", TACT_DTYPE_F32, 1, {1}, F32(73725168.0f),
     "[73725168.]"},
    {"just under 1e8", TACT_DTYPE_F64, 1, {1}, F64(99999999.0),
     "[99999999.]"},
    {"scientific: small", TACT_DTYPE_F32, 1, {2}, F32(1e-05f, 1.0f),
     "[1.e-05 1.e+00]"},
    {"scientific: ratio over 1000", TACT_DTYPE_F64, 1, {2}, F64(0.5, 1000.5),
     "[5.0000e-01 1.0005e+03]"},
    {"scientific: 1e8", TACT_DTYPE_F64, 1, {2}, F64(100000000.0, 1.0),
     "[1.e+08 1.e+00]"},
    {"scientific: negative", TACT_DTYPE_F64, 1, {2}, F64(1e+20, -1e-20),
     "[ 1.e+20 -1.e-20]"},
    {"scientific: 8 digits at most", TACT_DTYPE_F64, 1, {2}, F64(1.23456789012e-05, 1.0),
     "[1.23456789e-05 1.00000000e+00]"},
    {"scientific: 3-digit exponent", TACT_DTYPE_F64, 1, {2}, F64(1e-300, 1.0),
     "[1.e-300 1.e+000]"},
    {"scientific: exact digits past the shortest", TACT_DTYPE_F32, 1, {3},
     F32(58.8f, 1.0f / 3.0f, 1e-05f),
     "[5.8799999e+01 3.3333334e-01 9.9999997e-06]"},
    {"scientific: power of two rounds up", TACT_DTYPE_F32, 1, {2}, F32(0x1p90f, 1.0f),
     "[1.2379401e+27 1.0000000e+00]"},
    {"positional: 1e-4 and 1e-3", TACT_DTYPE_F64, 1, {2}, F64(0.0001, 0.001),
     "[0.0001 0.001 ]"},
    {"float32 1e-4 is below 1e-4", TACT_DTYPE_F32, 1, {2}, F32(1e-04f, 0.001f),
     "[1.e-04 1.e-03]"},
    {"nan and inf", TACT_DTYPE_F32, 1, {3}, F32(NAN, 1.5f, INFINITY),
     "[nan 1.5 inf]"},
    {"nan and -inf only", TACT_DTYPE_F64, 1, {2}, F64(NAN, -INFINITY),
     "[ nan -inf]"},
    {"nan with scientific", TACT_DTYPE_F64, 1, {3}, F64(NAN, 1e-05, INFINITY),
     "[   nan 1.e-05    inf]"},
    {"ints right-aligned", TACT_DTYPE_I32, 1, {2}, I32(1, -20),
     "[  1 -20]"},
    {"int64 extremes", TACT_DTYPE_I64, 1, {2}, I64(INT64_MIN, INT64_MAX),
     "[-9223372036854775808  9223372036854775807]"},
    {"bools", TACT_DTYPE_BOOL, 1, {2}, BOOLS(true, false),
     "[ True False]"},
    {"bools all true", TACT_DTYPE_BOOL, 1, {2}, BOOLS(true, true),
     "[ True  True]"},
    {"bool matrix", TACT_DTYPE_BOOL, 2, {2, 2}, BOOLS(true, false, false, true),
     "[[ True False]\n [False  True]]"},
    {"3-D", TACT_DTYPE_I32, 3, {2, 2, 2}, I32(1, 2, 3, 4, 5, 6, 7, 8),
     "[[[1 2]\n  [3 4]]\n\n [[5 6]\n  [7 8]]]"},
    {"3-D floats", TACT_DTYPE_F32, 3, {2, 3, 1}, F32(1.0f, 2.5f, 3.0f, 4.0f, 5.0f, 6.0f),
     "[[[1. ]\n  [2.5]\n  [3. ]]\n\n [[4. ]\n  [5. ]\n  [6. ]]]"},
    {"4-D", TACT_DTYPE_I64, 4, {2, 1, 2, 2}, I64(0, 1, 2, 3, 4, 5, 6, 7),
     "[[[[0 1]\n   [2 3]]]\n\n\n [[[4 5]\n   [6 7]]]]"},
    {"column", TACT_DTYPE_F64, 2, {3, 1}, F64(1.0, 2.0, 3.0),
     "[[1.]\n [2.]\n [3.]]"},
    {"empty", TACT_DTYPE_F32, 1, {0}, NULL,
     "[]"},
    {"empty 2-D", TACT_DTYPE_I32, 2, {2, 0}, NULL,
     "[]"},
    {"empty 3-D", TACT_DTYPE_F64, 3, {3, 0, 2}, NULL,
     "[]"},
    {"size-1 dims", TACT_DTYPE_F32, 3, {1, 1, 1}, F32(7.0f),
     "[[[7.]]]"},
};
/* clang-format on */

static void test_format_matches_numpy(void **state)
{
    (void) state;
    for (size_t i = 0; i < sizeof format_cases / sizeof format_cases[0]; i++) {
        const format_case_t *c = &format_cases[i];
        tact_tensor_t *t = tensor_ok(c->dtype, c->dims, c->ndims, c->data);
        assert_format(t, c->want, c->name);
        tact_tensor_destroy(&t);
    }
}

typedef struct {
    const char *name;
    tact_dtype_t dtype;
    int ndims;
    int64_t dims[TACT_MAX_DIMS];
    double scale;
    const char *want;
} format_iota_case_t;

/* numpy 1.26: str((np.arange(n) * scale).astype(dtype).reshape(dims)), bools
 * np.arange(n) % 3 == 0. Long rows wrap at 75 columns; over 1000 elements numpy prints only
 * the 3 first and 3 last entries of each long axis. */
/* clang-format off */
static const format_iota_case_t format_iota_cases[] = {
    {"float64 wraps at 75 columns", TACT_DTYPE_F64, 1, {40}, 1,
     "[ 0.  1.  2.  3.  4.  5.  6.  7.  8.  9. 10. 11. 12. 13. 14. 15. 16. 17.\n"
     " 18. 19. 20. 21. 22. 23. 24. 25. 26. 27. 28. 29. 30. 31. 32. 33. 34. 35.\n 36. 37. 38. 39.]"},
    {"float32 rows wrap", TACT_DTYPE_F32, 2, {2, 20}, 0.25,
     "[[0.   0.25 0.5  0.75 1.   1.25 1.5  1.75 2.   2.25 2.5  2.75 3.   3.25\n"
     "  3.5  3.75 4.   4.25 4.5  4.75]\n"
     " [5.   5.25 5.5  5.75 6.   6.25 6.5  6.75 7.   7.25 7.5  7.75 8.   8.25\n"
     "  8.5  8.75 9.   9.25 9.5  9.75]]"},
    {"int32 wraps", TACT_DTYPE_I32, 1, {30}, 7,
     "[  0   7  14  21  28  35  42  49  56  63  70  77  84  91  98 105 112 119\n"
     " 126 133 140 147 154 161 168 175 182 189 196 203]"},
    {"8-D row wraps under its brackets", TACT_DTYPE_F32, 8, {1, 1, 1, 1, 1, 1, 1, 30}, 1.5,
     "[[[[[[[[ 0.   1.5  3.   4.5  6.   7.5  9.  10.5 12.  13.5 15.  16.5\n"
     "        18.  19.5 21.  22.5 24.  25.5 27.  28.5 30.  31.5 33.  34.5\n"
     "        36.  37.5 39.  40.5 42.  43.5]]]]]]]]"},
    {"int32 1001 elements", TACT_DTYPE_I32, 1, {1001}, 1,
     "[   0    1    2 ...  998  999 1000]"},
    {"float32 2000 elements", TACT_DTYPE_F32, 1, {2000}, 1,
     "[0.000e+00 1.000e+00 2.000e+00 ... 1.997e+03 1.998e+03 1.999e+03]"},
    {"int64 rows summarised", TACT_DTYPE_I64, 2, {1000, 3}, 1,
     "[[   0    1    2]\n [   3    4    5]\n [   6    7    8]\n ...\n [2991 2992 2993]\n"
     " [2994 2995 2996]\n [2997 2998 2999]]"},
    {"int32 summarised both ways", TACT_DTYPE_I32, 2, {40, 40}, 1,
     "[[   0    1    2 ...   37   38   39]\n [  40   41   42 ...   77   78   79]\n"
     " [  80   81   82 ...  117  118  119]\n ...\n [1480 1481 1482 ... 1517 1518 1519]\n"
     " [1520 1521 1522 ... 1557 1558 1559]\n [1560 1561 1562 ... 1597 1598 1599]]"},
    {"bool summarised", TACT_DTYPE_BOOL, 1, {1100}, 1,
     "[ True False False ... False  True False]"},
    {"float32 3-D summarised", TACT_DTYPE_F32, 3, {7, 2, 80}, 0.1,
     "[[[0.000e+00 1.000e-01 2.000e-01 ... 7.700e+00 7.800e+00 7.900e+00]\n"
     "  [8.000e+00 8.100e+00 8.200e+00 ... 1.570e+01 1.580e+01 1.590e+01]]\n\n"
     " [[1.600e+01 1.610e+01 1.620e+01 ... 2.370e+01 2.380e+01 2.390e+01]\n"
     "  [2.400e+01 2.410e+01 2.420e+01 ... 3.170e+01 3.180e+01 3.190e+01]]\n\n"
     " [[3.200e+01 3.210e+01 3.220e+01 ... 3.970e+01 3.980e+01 3.990e+01]\n"
     "  [4.000e+01 4.010e+01 4.020e+01 ... 4.770e+01 4.780e+01 4.790e+01]]\n\n ...\n\n"
     " [[6.400e+01 6.410e+01 6.420e+01 ... 7.170e+01 7.180e+01 7.190e+01]\n"
     "  [7.200e+01 7.210e+01 7.220e+01 ... 7.970e+01 7.980e+01 7.990e+01]]\n\n"
     " [[8.000e+01 8.010e+01 8.020e+01 ... 8.770e+01 8.780e+01 8.790e+01]\n"
     "  [8.800e+01 8.810e+01 8.820e+01 ... 9.570e+01 9.580e+01 9.590e+01]]\n\n"
     " [[9.600e+01 9.610e+01 9.620e+01 ... 1.037e+02 1.038e+02 1.039e+02]\n"
     "  [1.040e+02 1.041e+02 1.042e+02 ... 1.117e+02 1.118e+02 1.119e+02]]]"},
};
/* clang-format on */

static void test_format_wraps_and_summarises(void **state)
{
    (void) state;
    for (size_t i = 0; i < sizeof format_iota_cases / sizeof format_iota_cases[0]; i++) {
        const format_iota_case_t *c = &format_iota_cases[i];
        tact_tensor_t *t = tensor_iota(c->dtype, c->dims, c->ndims, c->scale);
        assert_format(t, c->want, c->name);
        tact_tensor_destroy(&t);
    }
}

static void test_format_1000_elements_in_full(void **state)
{
    (void) state;
    /* The threshold is "more than 1000": 1000 elements print in full, 56 lines of 18. */
    tact_tensor_t *t = tensor_iota(TACT_DTYPE_I32, (int64_t[]){1000}, 1, 1);
    size_t n = tact_tensor_format(t, NULL, 0);
    char *buf = malloc(n + 1);
    assert_non_null(buf);
    assert_int_equal(tact_tensor_format(t, buf, n + 1), n);
    assert_null(strstr(buf, "..."));
    assert_int_equal(n, 4000 + 56);
    assert_memory_equal(buf, "[  0   1   2", 12);
    assert_string_equal(buf + n - 8, "998 999]");
    assert_contains(buf, "\n  18  19  20 ");
    free(buf);
    tact_tensor_destroy(&t);
}

static void test_format_seed_cases(void **state)
{
    (void) state;
    char buf[64];
    tact_tensor_t *t = tensor_ok(TACT_DTYPE_F32, NULL, 0, F32(5.0f * 6.0f));
    assert_int_equal(tact_tensor_format(t, buf, sizeof buf), 4);
    assert_string_equal(buf, "30.0");
    tact_tensor_destroy(&t);

    t = tensor_ok(TACT_DTYPE_F32, (int64_t[]){2, 2}, 2, F32(22, 28, 49, 64));
    assert_int_equal(tact_tensor_format(t, buf, sizeof buf), 22);
    assert_string_equal(buf, "[[22. 28.]\n [49. 64.]]");
    tact_tensor_destroy(&t);
}

static void test_format_truncates(void **state)
{
    (void) state;
    char buf[32];
    tact_tensor_t *t = tensor_ok(TACT_DTYPE_F32, (int64_t[]){2, 2}, 2, F32(22, 28, 49, 64));

    /* Length 0 only measures: nothing is written, and buf may be NULL. */
    memset(buf, 'x', sizeof buf);
    assert_int_equal(tact_tensor_format(t, buf, 0), 22);
    assert_int_equal(buf[0], 'x');
    assert_int_equal(tact_tensor_format(t, NULL, 0), 22);

    memset(buf, 'x', sizeof buf);
    assert_int_equal(tact_tensor_format(t, buf, 1), 22);
    assert_string_equal(buf, "");
    assert_int_equal(buf[1], 'x');

    memset(buf, 'x', sizeof buf);
    assert_int_equal(tact_tensor_format(t, buf, 5), 22);
    assert_string_equal(buf, "[[22");
    assert_int_equal(buf[5], 'x');

    /* One short of room for the NUL loses the last character only. */
    assert_int_equal(tact_tensor_format(t, buf, 22), 22);
    assert_string_equal(buf, "[[22. 28.]\n [49. 64.]");
    assert_int_equal(tact_tensor_format(t, buf, 23), 22);
    assert_string_equal(buf, "[[22. 28.]\n [49. 64.]]");
    tact_tensor_destroy(&t);

    /* A cut inside the spaces numpy pads with keeps them. */
    t = tensor_ok(TACT_DTYPE_F32, (int64_t[]){2}, 1, F32(1.5f, 2.0f));
    assert_int_equal(tact_tensor_format(t, buf, 9), 9);
    assert_string_equal(buf, "[1.5 2. ");
    tact_tensor_destroy(&t);
}

static void test_format_leaves_errno(void **state)
{
    (void) state;
    char buf[64];
    /* Subnormals make strtod report ERANGE while the digits are searched. */
    tact_tensor_t *t = tensor_ok(TACT_DTYPE_F64, (int64_t[]){2}, 1, F64(5e-324, 1.0));
    errno = 0;
    tact_tensor_format(t, buf, sizeof buf);
    assert_int_equal(errno, 0);
    assert_string_equal(buf, "[5.e-324 1.e+000]");
    tact_tensor_destroy(&t);
}

/* ------------------------------------------------------------------------------------------ */
/* String tensors                                                                             */
/* ------------------------------------------------------------------------------------------ */

/* Element i of string tensor t is want[0..len), followed by a NUL. */
static void assert_string_elem(const tact_tensor_t *t, int64_t i, const char *want, size_t len)
{
    size_t got_len = 12345;
    const char *got = tact_tensor_string(t, i, &got_len);
    assert_non_null(got);
    assert_int_equal(got_len, len);
    assert_memory_equal(got, want, len);
    assert_int_equal(got[len], '\0');
    assert_ptr_equal(tact_tensor_string(t, i, NULL), got);
}

static void test_strings_from_c_strings(void **state)
{
    (void) state;
    const char *const words[] = {"a", "", "hello", "x y"};
    tact_tensor_t *t = tensor_ok(TACT_DTYPE_STRING, (int64_t[]){2, 2}, 2, words);
    assert_int_equal(tact_tensor_dtype(t), TACT_DTYPE_STRING);
    assert_int_equal(tact_tensor_ndims(t), 2);
    assert_int_equal(tact_tensor_dim(t, 0), 2);
    assert_int_equal(tact_tensor_nelems(t), 4);
    /* nbytes counts the strings' bytes; the element array is internal, so data is NULL. */
    assert_int_equal(tact_tensor_nbytes(t), 1 + 0 + 5 + 3);
    assert_null(tact_tensor_data(t));
    for (int i = 0; i < 4; i++) {
        assert_string_elem(t, i, words[i], strlen(words[i]));
        /* Copied, not borrowed. */
        assert_ptr_not_equal(tact_tensor_string(t, i, NULL), words[i]);
    }
    tact_tensor_destroy(&t);
    assert_null(t);

    /* tact_tensor_new_strings with lens NULL reads C strings too. */
    tact_status_t st = TACT_STATUS_INIT;
    t = tact_tensor_new_strings((int64_t[]){4}, 1, words, NULL, &st);
    assert_int_equal(st.code, TACT_CODE_OK);
    assert_non_null(t);
    assert_int_equal(tact_tensor_nbytes(t), 9);
    assert_string_elem(t, 2, "hello", 5);
    tact_tensor_destroy(&t);
}

static void test_strings_from_bytes_keep_nuls(void **state)
{
    (void) state;
    /* Embedded, leading and trailing NULs, bytes above 0x7f, and a NULL pointer of length 0. */
    const char *const bytes[] = {"a\0b", "\0", "tail\0\0", "\xff\x80", NULL, ""};
    const size_t lens[] = {3, 1, 6, 2, 0, 0};
    tact_status_t st = TACT_STATUS_INIT;
    tact_tensor_t *t = tact_tensor_new_strings((int64_t[]){3, 2}, 2, bytes, lens, &st);
    assert_int_equal(st.code, TACT_CODE_OK);
    assert_string_equal(st.msg, "");
    assert_non_null(t);
    assert_int_equal(tact_tensor_nelems(t), 6);
    assert_int_equal(tact_tensor_nbytes(t), 12);
    assert_string_elem(t, 0, "a\0b", 3);
    assert_string_elem(t, 1, "\0", 1);
    assert_string_elem(t, 2, "tail\0\0", 6);
    assert_string_elem(t, 3, "\xff\x80", 2);
    assert_string_elem(t, 4, "", 0);
    assert_string_elem(t, 5, "", 0);
    tact_tensor_destroy(&t);

    /* A scalar, and an empty tensor (no elements at all). */
    t = tact_tensor_new_strings(NULL, 0, (const char *const[]){"x\0y"}, (size_t[]){3}, &st);
    assert_non_null(t);
    assert_int_equal(tact_tensor_ndims(t), 0);
    assert_int_equal(tact_tensor_nelems(t), 1);
    assert_string_elem(t, 0, "x\0y", 3);
    tact_tensor_destroy(&t);
    t = tact_tensor_new_strings((int64_t[]){2, 0}, 2, NULL, NULL, &st);
    assert_non_null(t);
    assert_int_equal(tact_tensor_nelems(t), 0);
    assert_int_equal(tact_tensor_nbytes(t), 0);
    tact_tensor_destroy(&t);
    assert_int_equal(st.code, TACT_CODE_OK);
}

static void test_strings_null_data_is_empty(void **state)
{
    (void) state;
    tact_tensor_t *t = tensor_ok(TACT_DTYPE_STRING, (int64_t[]){5}, 1, NULL);
    for (int i = 0; i < 5; i++)
        assert_string_elem(t, i, "", 0);
    assert_int_equal(tact_tensor_nbytes(t), 0);
    tact_tensor_destroy(&t);

    tact_status_t st = TACT_STATUS_INIT;
    t = tact_tensor_new_strings((int64_t[]){100}, 1, NULL, (size_t[]){7}, &st);
    assert_non_null(t);
    assert_string_elem(t, 99, "", 0);
    tact_tensor_destroy(&t);
}

static void test_strings_errors(void **state)
{
    (void) state;
    /* The shape checks of every dtype. */
    assert_new_fails(TACT_DTYPE_STRING, (int64_t[]){2, -1}, 2, TACT_CODE_INVALID_ARGUMENT,
                     "tensor: negative dimension -1 at index 1");
    assert_new_fails(TACT_DTYPE_STRING, (int64_t[]){1}, 9, TACT_CODE_INVALID_ARGUMENT,
                     "tensor: 9 dimensions is out of range (0 to 8)");
    assert_new_fails(TACT_DTYPE_STRING, NULL, 1, TACT_CODE_INVALID_ARGUMENT,
                     "tensor: dims is NULL but ndims is 1");
    /* 2^60 elements of 16 bytes each pass PTRDIFF_MAX. */
    assert_new_fails(TACT_DTYPE_STRING, (int64_t[]){INT64_C(1) << 60}, 1,
                     TACT_CODE_INVALID_ARGUMENT,
                     "tensor: shape [1152921504606846976] of string is too large");

    tact_status_t st = TACT_STATUS_INIT;
    assert_null(tact_tensor_new_strings((int64_t[]){-2}, 1, NULL, NULL, &st));
    assert_int_equal(st.code, TACT_CODE_INVALID_ARGUMENT);
    assert_string_equal(st.msg, "tensor: negative dimension -2 at index 0");

    /* A NULL element: as a C string, or with a length; the partial tensor is freed. */
    st = (tact_status_t) TACT_STATUS_INIT;
    assert_null(tact_tensor_new(TACT_DTYPE_STRING, (int64_t[]){3}, 1,
                                (const char *const[]){"ok", "fine", NULL}, &st));
    assert_int_equal(st.code, TACT_CODE_INVALID_ARGUMENT);
    assert_string_equal(st.msg, "tensor: string element 2 is NULL");
    st = (tact_status_t) TACT_STATUS_INIT;
    assert_null(tact_tensor_new_strings((int64_t[]){2}, 1, (const char *const[]){"ab", NULL},
                                        (size_t[]){2, 1}, &st));
    assert_string_equal(st.msg, "tensor: string element 1 is NULL");
    st = (tact_status_t) TACT_STATUS_INIT;
    assert_null(tact_tensor_new_strings((int64_t[]){2}, 1, (const char *const[]){"ab", "c"},
                                        (size_t[]){2, SIZE_MAX}, &st));
    assert_int_equal(st.code, TACT_CODE_INVALID_ARGUMENT);
    assert_contains(st.msg, "tensor: string element 1 is too long");

    /* Sticky: a failed status is left alone. */
    st = status_failed();
    assert_null(tact_tensor_new_strings((int64_t[]){1}, 1, (const char *const[]){"a"}, NULL, &st));
    assert_int_equal(st.code, TACT_CODE_NOT_FOUND);
    assert_string_equal(st.msg, "earlier failure");
    /* A NULL status is allowed. */
    assert_null(tact_tensor_new_strings((int64_t[]){-1}, 1, NULL, NULL, NULL));
    tact_tensor_t *t = tact_tensor_new_strings(NULL, 0, (const char *const[]){"n"}, NULL, NULL);
    assert_non_null(t);
    tact_tensor_destroy(&t);
}

static void test_strings_clone_is_deep(void **state)
{
    (void) state;
    const char *const bytes[] = {"first\0one", "", "third"};
    tact_tensor_t *a = tact_tensor_new_strings((int64_t[]){3}, 1, bytes, (size_t[]){9, 0, 5}, NULL);
    tact_tensor_t *b = tact_tensor_clone(a);
    assert_int_equal(tact_tensor_dtype(b), TACT_DTYPE_STRING);
    assert_int_equal(tact_tensor_nelems(b), 3);
    assert_int_equal(tact_tensor_nbytes(b), 14);
    assert_ptr_not_equal(tact_tensor_string(a, 0, NULL), tact_tensor_string(b, 0, NULL));
    /* Changing or freeing the original leaves the copy alone. */
    tact__tensor_set_string(a, 2, "changed", 7);
    assert_string_elem(b, 2, "third", 5);
    tact_tensor_destroy(&a);
    assert_string_elem(b, 0, "first\0one", 9);
    assert_string_elem(b, 1, "", 0);
    assert_string_elem(b, 2, "third", 5);
    tact_tensor_t *c = tact_tensor_clone(b);
    tact_tensor_destroy(&b);
    assert_string_elem(c, 0, "first\0one", 9);
    tact_tensor_destroy(&c);
}

static void test_strings_internal_helpers(void **state)
{
    (void) state;
    /* tact__tensor_alloc gives empty strings (kernels may leave elements untouched). */
    tact_tensor_t *t = tact__tensor_alloc(TACT_DTYPE_STRING, (int64_t[]){2, 3}, 2);
    assert_int_equal(t->nelems, 6);
    assert_int_equal(t->nbytes, 6 * sizeof(tact_string_t));
    for (int i = 0; i < 6; i++)
        assert_string_elem(t, i, "", 0);

    /* set_string copies and replaces, also from the element's own bytes. */
    tact__tensor_set_string(t, 0, "abcdef", 6);
    tact__tensor_set_string(t, 0, tact_tensor_string(t, 0, NULL) + 2, 3);
    assert_string_elem(t, 0, "cde", 3);
    tact__tensor_set_string(t, 0, NULL, 0);
    assert_string_elem(t, 0, "", 0);
    tact__tensor_set_string(t, 1, "x\0y", 3);
    assert_string_elem(t, 1, "x\0y", 3);

    /* take_string keeps the buffer itself; an empty one is freed at once. */
    char *owned = malloc(5);
    assert_non_null(owned);
    memcpy(owned, "w\0xyz", 5);
    owned[4] = '\0';
    tact__tensor_take_string(t, 2, owned, 4);
    assert_ptr_equal(tact_tensor_string(t, 2, NULL), owned);
    assert_string_elem(t, 2, "w\0xy", 4);
    char *none = malloc(1);
    assert_non_null(none);
    none[0] = '\0';
    tact__tensor_take_string(t, 1, none, 0);
    assert_string_elem(t, 1, "", 0);
    assert_int_equal(tact_tensor_nbytes(t), 4);

    /* copy_elements: strings one by one, into a range of another tensor. */
    tact_tensor_t *u = tact__tensor_alloc(TACT_DTYPE_STRING, (int64_t[]){4}, 1);
    tact__tensor_set_string(u, 3, "old", 3);
    tact__tensor_copy_elements(u, 1, t, 1, 3);
    assert_string_elem(u, 0, "", 0);
    assert_string_elem(u, 1, "", 0);
    assert_string_elem(u, 2, "w\0xy", 4);
    assert_ptr_not_equal(tact_tensor_string(u, 2, NULL), owned);
    assert_string_elem(u, 3, "", 0);
    tact__tensor_copy_elements(u, 0, t, 0, 0);
    tact_tensor_destroy(&t);
    assert_string_elem(u, 2, "w\0xy", 4);
    tact_tensor_destroy(&u);

    /* ... and a memcpy for the other dtypes. */
    tact_tensor_t *f = tensor_ok(TACT_DTYPE_I32, (int64_t[]){4}, 1, I32(1, 2, 3, 4));
    tact_tensor_t *g = tensor_ok(TACT_DTYPE_I32, (int64_t[]){3}, 1, NULL);
    tact__tensor_copy_elements(g, 1, f, 2, 2);
    assert_memory_equal(tact_tensor_data(g), I32(0, 3, 4), 3 * sizeof(int32_t));
    tact_tensor_destroy(&f);
    tact_tensor_destroy(&g);

    /* A shared tensor frees its strings once, with its last reference. */
    t = tact_tensor_new_strings((int64_t[]){1}, 1, (const char *const[]){"shared"}, NULL, NULL);
    tact_tensor_t *ref = tact__tensor_ref(t);
    tact_tensor_destroy(&t);
    assert_string_elem(ref, 0, "shared", 6);
    tact_tensor_destroy(&ref);
}

/* One numpy case: a string tensor of shape dims from bytes/lens, and numpy 1.26's str() of the
 * same object array of bytes (what TensorFlow 1.x's print(sess.run(t)) shows). */
typedef struct {
    const char *name;
    int ndims;
    int64_t dims[3];
    const char *const *bytes;
    const size_t *lens;
    const char *want;
} string_format_case_t;

static void test_format_strings_match_numpy(void **state)
{
    (void) state;
    /* clang-format off */
    const string_format_case_t cases[] = {
        {"scalar", 0, {0}, (const char *const[]){"hi"}, NULL, "b'hi'"},
        {"scalar empty", 0, {0}, (const char *const[]){""}, NULL, "b''"},
        {"scalar nuls", 0, {0}, (const char *const[]){"a\0b\0"}, (const size_t[]){4},
         "b'a\\x00b\\x00'"},
        {"vector", 1, {2}, (const char *const[]){"a", "bc"}, NULL, "[b'a' b'bc']"},
        {"one empty", 1, {1}, (const char *const[]){""}, NULL, "[b'']"},
        {"quotes", 1, {4},
         (const char *const[]){"it's", "say \"hi\"", "both ' and \"", "back\\slash"}, NULL,
         "[b\"it's\" b'say \"hi\"' b'both \\' and \"' b'back\\\\slash']"},
        {"escapes", 1, {5},
         (const char *const[]){"\0", "a\0b", "\n\t\r", "\x7f\x80\xff", "\x1b\x01 ~"},
         (const size_t[]){1, 3, 3, 3, 4},
         "[b'\\x00' b'a\\x00b' b'\\n\\t\\r' b'\\x7f\\x80\\xff' b'\\x1b\\x01 ~']"},
        {"matrix", 2, {2, 3}, (const char *const[]){"a", "bb", "ccc", "dddd", "e", "f"}, NULL,
         "[[b'a' b'bb' b'ccc']\n [b'dddd' b'e' b'f']]"},
        {"cube", 3, {2, 2, 2},
         (const char *const[]){"", "x", "xx", "xxx", "xxxx", "xxxxx", "xxxxxx", "xxxxxxx"},
         NULL,
         "[[[b'' b'x']\n  [b'xx' b'xxx']]\n\n [[b'xxxx' b'xxxxx']\n  [b'xxxxxx' b'xxxxxxx']]]"},
        {"empty", 2, {2, 0}, NULL, NULL, "[]"},
        {"longer than a line", 1, {2},
         (const char *const[]){"yyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyy"
                               "yyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyy", "z"}, NULL,
         "[b'yyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyy'\n"
         " b'z']"},
    };
    /* clang-format on */
    for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
        const string_format_case_t *c = &cases[k];
        tact_status_t st = TACT_STATUS_INIT;
        tact_tensor_t *t = tact_tensor_new_strings(c->dims, c->ndims, c->bytes, c->lens, &st);
        assert_int_equal(st.code, TACT_CODE_OK);
        assert_format(t, c->want, c->name);
        tact_tensor_destroy(&t);
    }
}

/* Generated elements: b'word0' ... wrapped at 75 columns, and numpy's summaries over 1000
 * elements ("..." rows and columns). */
static void test_format_strings_wrap_and_summarise(void **state)
{
    (void) state;
    char text[40 * 40][16];
    const char *ptrs[40 * 40];
    for (int i = 0; i < 40 * 40; i++) {
        snprintf(text[i], sizeof text[i], "word%d", i);
        ptrs[i] = text[i];
    }
    tact_tensor_t *t = tact_tensor_new_strings((int64_t[]){20}, 1, ptrs, NULL, NULL);
    assert_format(t,
                  "[b'word0' b'word1' b'word2' b'word3' b'word4' b'word5' b'word6' b'word7'\n"
                  " b'word8' b'word9' b'word10' b'word11' b'word12' b'word13' b'word14'\n"
                  " b'word15' b'word16' b'word17' b'word18' b'word19']",
                  "wrap");
    tact_tensor_destroy(&t);

    for (int i = 0; i < 40 * 40; i++)
        snprintf(text[i], sizeof text[i], "w%d", i);
    t = tact_tensor_new_strings((int64_t[]){1001}, 1, ptrs, NULL, NULL);
    assert_format(t, "[b'w0' b'w1' b'w2' ... b'w998' b'w999' b'w1000']", "summary");
    tact_tensor_destroy(&t);

    for (int i = 0; i < 40 * 40; i++)
        snprintf(text[i], sizeof text[i], "%d", i);
    t = tact_tensor_new_strings((int64_t[]){40, 40}, 2, ptrs, NULL, NULL);
    assert_format(t,
                  "[[b'0' b'1' b'2' ... b'37' b'38' b'39']\n"
                  " [b'40' b'41' b'42' ... b'77' b'78' b'79']\n"
                  " [b'80' b'81' b'82' ... b'117' b'118' b'119']\n"
                  " ...\n"
                  " [b'1480' b'1481' b'1482' ... b'1517' b'1518' b'1519']\n"
                  " [b'1520' b'1521' b'1522' ... b'1557' b'1558' b'1559']\n"
                  " [b'1560' b'1561' b'1562' ... b'1597' b'1598' b'1599']]",
                  "summary 2-D");
    tact_tensor_destroy(&t);
}

/* A long element is printed whole: its repr is built on the heap, not in a fixed buffer. */
static void test_format_strings_long_element(void **state)
{
    (void) state;
    size_t n = 5000;
    char *big = malloc(n);
    assert_non_null(big);
    for (size_t i = 0; i < n; i++)
        big[i] = i % 2 ? 'q' : '\0';
    tact_tensor_t *t = tact_tensor_new_strings(NULL, 0, (const char *const[]){big}, &n, NULL);
    size_t len = tact_tensor_format(t, NULL, 0);
    assert_int_equal(len, 3 + 2500 * 4 + 2500);
    char *buf = malloc(len + 1);
    assert_non_null(buf);
    assert_int_equal(tact_tensor_format(t, buf, len + 1), len);
    assert_memory_equal(buf, "b'\\x00q\\x00q", 12);
    assert_memory_equal(buf + len - 6, "\\x00q'", 6);
    free(buf);
    free(big);
    tact_tensor_destroy(&t);
}

/* Large tensor data is kept for reuse: the same size comes back without a new mapping (and
 * without its page faults); other sizes get their own blocks. */
static void test_large_blocks_are_reused(void **state)
{
    (void) state;
    int64_t n = (int64_t) (4u << 20) / 4;  /* 4 MiB of float32 */
    tact_tensor_t *a = tact_tensor_new(TACT_DTYPE_F32, &n, 1, NULL, NULL);
    void *pa = tact_tensor_data(a);
    ((float *) pa)[n - 1] = 7;
    tact_tensor_destroy(&a);
    tact_tensor_t *b = tact_tensor_new(TACT_DTYPE_F32, &n, 1, NULL, NULL);
    assert_ptr_equal(tact_tensor_data(b), pa);
    assert_true(((float *) tact_tensor_data(b))[n - 1] == 0);  /* NULL data still means zeros */
    int64_t m = n + 16;
    tact_tensor_t *c = tact_tensor_new(TACT_DTYPE_F32, &m, 1, NULL, NULL);
    assert_ptr_not_equal(tact_tensor_data(c), pa);
    assert_int_equal((uintptr_t) tact_tensor_data(c) % 64, 0);
    tact_tensor_destroy(&b);
    tact_tensor_destroy(&c);
}

/* A pinned allocator that counts, over aligned host memory. */
static int pinned_live;

static void *pinned_alloc(size_t n)
{
    void *p = NULL;
    if (posix_memalign(&p, 4096, n) != 0)
        return NULL;
    pinned_live++;
    return p;
}

static void pinned_free(void *p)
{
    pinned_live--;
    free(p);
}

/* Reshape's view (TensorFlow aliases the buffer): the same bytes under another shape, the
 * source kept alive by the view, and both counted as holders of the bytes while both live. */
static void test_reshaped_view_aliases_its_source(void **state)
{
    (void) state;
    for (int big = 0; big < 2; big++) {  /* inline bytes, then a separate block */
        int64_t n = big ? 4096 : 6;
        tact_tensor_t *src = tact__tensor_alloc(TACT_DTYPE_F32, (int64_t[]) { 2, n / 2 }, 2);
        float *d = tact_tensor_data(src);
        for (int64_t i = 0; i < n; i++)
            d[i] = (float) i;
        tact_tensor_t *v = tact__tensor_reshaped(src, (int64_t[]) { n / 2, 1, 2 }, 3);
        assert_ptr_equal(tact_tensor_data(v), d);
        assert_int_equal(tact_tensor_ndims(v), 3);
        assert_int_equal(tact_tensor_dim(v, 0), n / 2);
        assert_int_equal(tact_tensor_nbytes(v), n * 4);
        assert_int_equal(tact__tensor_refs(src), 2);  /* the caller's and the view's */
        assert_int_equal(tact__tensor_refs(v), 2);    /* the view, and src held elsewhere */
        tact_tensor_t *vv = tact__tensor_reshaped(v, (int64_t[]) { n }, 1);  /* of a view */
        assert_ptr_equal(tact_tensor_data(vv), d);
        assert_int_equal(tact__tensor_refs(vv), 3);
        tact_tensor_destroy(&src);                    /* the views keep the bytes */
        assert_int_equal(tact__tensor_refs(v), 2);    /* v, and vv holding it */
        tact_tensor_destroy(&v);
        assert_int_equal(tact__tensor_refs(vv), 1);   /* the last holder: its bytes alone */
        assert_true(((const float *) tact_tensor_data(vv))[n - 1] == (float) (n - 1));
        tact_tensor_destroy(&vv);                     /* frees src's block: ASan, valgrind */
    }
}

static bool pinned_at(const tact_tensor_t *t)
{
    return tact__host_is_pinned(tact_tensor_data(t), tact_tensor_nbytes(t));
}

/* A float tensor from the pinned pool (it must be had). */
static tact_tensor_t *pinned_f32(const int64_t *n)
{
    tact_status_t st = TACT_STATUS_INIT;
    tact_tensor_t *t = tact__tensor_try_alloc_pinned(TACT_DTYPE_F32, n, 1, NULL, NULL, &st);
    assert_non_null(t);
    return t;
}

/* The pinned pool: only tensors that cross to a GPU (tact__tensor_try_alloc_pinned) are pinned,
 * and only once a GPU backend installed its allocator; a freed pinned block is pooled, not
 * given back, and serves the next request it fits, so a repeated step makes no new one; past
 * the cap requests get pageable memory; a size the pool lacks gives pooled blocks back to make
 * room. Runs last: the first installation holds for the process. */
static void test_pinned_pool(void **state)
{
    (void) state;
    static const tact_host_pinned_t pinned = { pinned_alloc, pinned_free };
    int64_t n = (int64_t) (3u << 20) / 4, half = n / 2 + 1, big = (int64_t) (7u << 20) / 4;
    tact_tensor_t *a = pinned_f32(&n);
    assert_false(pinned_at(a));  /* no GPU yet */
    tact_tensor_destroy(&a);
    tact__host_alloc_use_pinned(&pinned, (size_t) 8 << 20);
    tact_tensor_t *cpu = tact_tensor_new(TACT_DTYPE_F32, &n, 1, NULL, NULL);
    tact_tensor_t *cpu2 = tact__tensor_alloc(TACT_DTYPE_F32, &n, 1);
    assert_false(pinned_at(cpu));  /* CPU tensors, however large, never are */
    assert_false(pinned_at(cpu2));
    a = pinned_f32(&n);
    assert_true(pinned_at(a));
    assert_int_equal((uintptr_t) tact_tensor_data(a) % 64, 0);
    void *pa = tact_tensor_data(a);
    tact_host_pinned_stats_t ps = tact__host_pinned_stats();
    assert_int_equal(ps.made, 1);
    assert_int_equal(ps.bytes, 3u << 20);
    assert_int_equal(ps.pooled_bytes, 0);
    tact_tensor_destroy(&a);
    ps = tact__host_pinned_stats();
    assert_int_equal(ps.pooled_bytes, 3u << 20);  /* pooled, not given back */
    assert_int_equal(pinned_live, 1);
    for (int step = 0; step < 100; step++) {  /* steady state: the same block every time */
        a = pinned_f32(step % 2 ? &n : &half);
        assert_ptr_equal(tact_tensor_data(a), pa);
        tact_tensor_destroy(&a);
    }
    ps = tact__host_pinned_stats();
    assert_int_equal(ps.made, 1);
    assert_int_equal(ps.released, 0);
    a = pinned_f32(&n);
    tact_tensor_t *b = pinned_f32(&n);  /* a second block */
    tact_tensor_t *c = pinned_f32(&n);  /* 9 MiB > 8: cap */
    assert_true(pinned_at(a) && pinned_at(b));
    assert_false(pinned_at(c));
    assert_int_equal(pinned_live, 2);
    tact_tensor_destroy(&a);
    tact_tensor_destroy(&b);
    tact_tensor_destroy(&c);
    ps = tact__host_pinned_stats();
    assert_int_equal(ps.made, 2);
    assert_int_equal(ps.pooled_bytes, 6u << 20);
    /* 7 MiB: no pooled block holds it and 6 + 7 > 8, so the pooled ones go back first */
    tact_tensor_t *d = pinned_f32(&big);
    assert_true(pinned_at(d));
    ps = tact__host_pinned_stats();
    assert_int_equal(ps.made, 3);
    assert_int_equal(ps.released, 2);
    assert_int_equal(ps.bytes, 7u << 20);
    assert_int_equal(pinned_live, 1);
    tact_tensor_destroy(&d);
    tact_tensor_destroy(&cpu);
    tact_tensor_destroy(&cpu2);
    assert_int_equal(tact__host_pinned_stats().pooled_bytes, 7u << 20);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_large_blocks_are_reused),
        cmocka_unit_test(test_dtype_names_and_sizes),
        cmocka_unit_test(test_dtype_tf_names),
        cmocka_unit_test(test_new_copies_data),
        cmocka_unit_test(test_new_each_dtype),
        cmocka_unit_test(test_new_null_data_is_zeros),
        cmocka_unit_test(test_new_scalar),
        cmocka_unit_test(test_new_empty),
        cmocka_unit_test(test_new_max_dims),
        cmocka_unit_test(test_new_invalid_dtype),
        cmocka_unit_test(test_new_bad_ndims),
        cmocka_unit_test(test_new_null_dims),
        cmocka_unit_test(test_new_negative_dimension),
        cmocka_unit_test(test_new_overflow),
        cmocka_unit_test(test_new_sticky_status),
        cmocka_unit_test(test_new_null_status),
        cmocka_unit_test(test_tensor_alloc),
        cmocka_unit_test(test_clone),
        cmocka_unit_test(test_destroy_is_null_safe),
        cmocka_unit_test(test_recycled_headers_are_fresh),
        cmocka_unit_test(test_headers_across_threads),
        cmocka_unit_test(test_alloc_like),
        cmocka_unit_test(test_tensor_shape),
        cmocka_unit_test(test_shape_nelems),
        cmocka_unit_test(test_shape_compatible),
        cmocka_unit_test(test_shape_str),
        cmocka_unit_test(test_shape_tuple_str),
        cmocka_unit_test(test_shape_str_truncates),
        cmocka_unit_test(test_format_matches_numpy),
        cmocka_unit_test(test_format_wraps_and_summarises),
        cmocka_unit_test(test_format_1000_elements_in_full),
        cmocka_unit_test(test_format_seed_cases),
        cmocka_unit_test(test_format_truncates),
        cmocka_unit_test(test_format_leaves_errno),
        cmocka_unit_test(test_strings_from_c_strings),
        cmocka_unit_test(test_strings_from_bytes_keep_nuls),
        cmocka_unit_test(test_strings_null_data_is_empty),
        cmocka_unit_test(test_strings_errors),
        cmocka_unit_test(test_strings_clone_is_deep),
        cmocka_unit_test(test_strings_internal_helpers),
        cmocka_unit_test(test_format_strings_match_numpy),
        cmocka_unit_test(test_format_strings_wrap_and_summarise),
        cmocka_unit_test(test_format_strings_long_element),
        cmocka_unit_test(test_reshaped_view_aliases_its_source),
        cmocka_unit_test(test_pinned_pool),
    };
    return cmocka_run_group_tests_name("tensor", tests, NULL, NULL);
}
