/* SPDX-License-Identifier: MIT */
/* Zero-copy tensors for servers: tact_tensor_new_borrowed (TensorFlow's TF_NewTensor) over the
 * caller's buffer, its checks and its deallocator, feeds read in place (from a read-only page,
 * so that any write into a fed buffer would crash the test), and tact_tensor_copy_to into the
 * caller's buffer. */
#include "runtime/base/tensor_impl.h" /* first: the prelude's _GNU_SOURCE precedes system headers */

#include <setjmp.h>
#include <sys/mman.h>

#include <cmocka.h>

#include "tests/helpers.h"

typedef struct freed {
    int calls;
    void *data;
    size_t len;
    void *arg;
} freed_t;

static void record_free(void *data, size_t len, void *arg)
{
    freed_t *f = arg;
    f->calls++;
    f->data = data;
    f->len = len;
    f->arg = arg;
}

static void test_borrowed_uses_the_callers_buffer(void **state)
{
    (void) state;
    tact_status_t st = TACT_STATUS_INIT;
    _Alignas(64) float buf[8] = { 1, 2, 3, 4, 5, 6 };
    freed_t fr = { 0 };
    /* A larger len than the 6 floats is kept and handed back, as in TensorFlow. */
    tact_tensor_t *t = tact_tensor_new_borrowed(TACT_DTYPE_F32, (int64_t[]) { 2, 3 }, 2, buf,
                                                sizeof buf, record_free, &fr, &st);
    assert_int_equal(st.code, TACT_CODE_OK);
    assert_ptr_equal(tact_tensor_data(t), buf);
    assert_int_equal(tact_tensor_nbytes(t), 24);
    assert_int_equal(tact_tensor_dim(t, 1), 3);
    buf[0] = 10;  /* the tensor sees the caller's memory */
    assert_true(((float *) tact_tensor_data(t))[0] == 10);
    tact_tensor_t *ref = tact__tensor_ref(t);
    tact_tensor_destroy(&t);
    assert_int_equal(fr.calls, 0);  /* a reference is left */
    tact_tensor_t *c = tact_tensor_clone(ref);
    assert_ptr_not_equal(tact_tensor_data(c), buf);
    tact_tensor_destroy(&ref);
    assert_int_equal(fr.calls, 1);
    assert_ptr_equal(fr.data, buf);
    assert_int_equal(fr.len, sizeof buf);
    assert_ptr_equal(fr.arg, &fr);
    assert_true(((float *) tact_tensor_data(c))[5] == 6);  /* the clone owns a copy */
    tact_tensor_destroy(&c);
    assert_int_equal(fr.calls, 1);

    /* No deallocator: the caller frees after the tensor is gone. An empty tensor may have no
     * buffer, and its deallocator still runs once. */
    t = tact_tensor_new_borrowed(TACT_DTYPE_I64, NULL, 0, buf, 8, NULL, NULL, &st);
    assert_non_null(t);
    tact_tensor_destroy(&t);
    fr = (freed_t) { 0 };
    t = tact_tensor_new_borrowed(TACT_DTYPE_F64, (int64_t[]) { 0, 4 }, 2, NULL, 0, record_free,
                                 &fr, &st);
    assert_non_null(t);
    assert_null(tact_tensor_data(t));
    tact_tensor_destroy(&t);
    assert_int_equal(fr.calls, 1);
    assert_null(fr.data);
    assert_int_equal(st.code, TACT_CODE_OK);
}

static void expect_refused(tact_dtype_t dtype, const int64_t *dims, int ndims, void *data,
                           size_t len, const char *msg)
{
    tact_status_t st = TACT_STATUS_INIT;
    freed_t fr = { 0 };
    tact_tensor_t *t = tact_tensor_new_borrowed(dtype, dims, ndims, data, len, record_free, &fr,
                                                &st);
    assert_null(t);
    assert_int_equal(st.code, TACT_CODE_INVALID_ARGUMENT);
    if (!tu_contains(st.msg, msg))
        fail_msg("\"%s\" lacks \"%s\"", st.msg, msg);
    assert_int_equal(fr.calls, 0);  /* a refused buffer stays the caller's */
}

static void test_borrowed_checks(void **state)
{
    (void) state;
    _Alignas(64) unsigned char buf[64] = { 0 };
    expect_refused(TACT_DTYPE_F32, (int64_t[]) { 4 }, 1, buf, 15,
                   "borrowed buffer of 15 bytes is too small for 4 elements of float32 "
                   "(16 bytes)");
    expect_refused(TACT_DTYPE_F32, (int64_t[]) { 2 }, 1, buf + 2, 8,
                   "is not aligned to 4 bytes, as float32 elements must be");
    expect_refused(TACT_DTYPE_F64, (int64_t[]) { 2 }, 1, buf + 4, 16,
                   "is not aligned to 8 bytes, as float64 elements must be");
    expect_refused(TACT_DTYPE_I32, (int64_t[]) { 2 }, 1, NULL, 8,
                   "borrowed buffer is NULL but the tensor holds 8 bytes");
    expect_refused(TACT_DTYPE_STRING, (int64_t[]) { 1 }, 1, buf, 64,
                   "a borrowed buffer cannot hold a string tensor");
    expect_refused(TACT_DTYPE_F32, (int64_t[]) { -1 }, 1, buf, 64,
                   "tensor: negative dimension -1 at index 0");
    expect_refused((tact_dtype_t) 99, NULL, 0, buf, 64, "tensor: invalid dtype 99");
    /* Bytes and bools need no alignment. */
    tact_status_t st = TACT_STATUS_INIT;
    tact_tensor_t *t = tact_tensor_new_borrowed(TACT_DTYPE_BOOL, (int64_t[]) { 3 }, 1, buf + 1, 3,
                                                NULL, NULL, &st);
    assert_non_null(t);
    tact_tensor_destroy(&t);
    /* Sticky: a status holding an error makes the call a no-op. */
    st = (tact_status_t) { .code = TACT_CODE_NOT_FOUND, .msg = "earlier" };
    freed_t fr = { 0 };
    assert_null(tact_tensor_new_borrowed(TACT_DTYPE_F32, NULL, 0, buf, 4, record_free, &fr, &st));
    assert_int_equal(st.code, TACT_CODE_NOT_FOUND);
    assert_string_equal(st.msg, "earlier");
    assert_int_equal(fr.calls, 0);
}

/* A feed from a read-only page: kernels read it in place (a write would fault), a fetch of the
 * feed itself is a copy, and the buffer goes back to the caller once, after the last user (a
 * variable assigned from the feed may keep it) is gone. Calling thread and actors alike. */
static void test_borrowed_feed_is_read_in_place(void **state)
{
    (void) state;
    long page = sysconf(_SC_PAGESIZE);
    float *buf = mmap(NULL, (size_t) page, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
                      -1, 0);
    assert_true(buf != MAP_FAILED);
    for (int i = 0; i < 4; i++)
        buf[i] = (float) (i + 1);
    assert_int_equal(mprotect(buf, (size_t) page, PROT_READ), 0);

    tact_status_t st = TACT_STATUS_INIT;
    tact_graph_t *g = tact_graph_new();
    tact_output_t x = tact_placeholder(g, TACT_DTYPE_F32, (int64_t[]) { 4 }, 1, "x", &st);
    tact_output_t sum = tact_add(g, x, x, "sum", &st);
    tact_output_t id = tact_identity(g, x, "id", &st);
    tact_output_t v = tact_variable(g, tact_zeros(g, TACT_DTYPE_F32, (int64_t[]) { 4 }, 1, NULL,
                                                  &st), "v", &st);
    tact_output_t assign = tact_assign(g, v, x, "assign", &st);
    tact_output_t add_to = tact_assign_add(g, v, x, "add_to", &st);
    tact_op_t *init = tact_global_variables_initializer(g, &st);
    assert_int_equal(st.code, TACT_CODE_OK);

    tact_config_t actors = { .executor = TACT_EXECUTOR_ACTORS };
    for (int e = 0; e < 2; e++) {
        freed_t fr = { 0 };
        tact_tensor_t *t = tact_tensor_new_borrowed(TACT_DTYPE_F32, (int64_t[]) { 4 }, 1, buf,
                                                    16, record_free, &fr, &st);
        tact_session_t *s = tu_session(g, e ? &actors : NULL);
        assert_int_equal(tact_session_run(s, NULL, 0, NULL, NULL, 0, &init, 1, &st),
                         TACT_CODE_OK);
        tact_feed_t feed = { x, t };
        tact_output_t fetches[] = { sum, id, x, assign };
        tact_tensor_t *r[4] = { NULL };
        assert_int_equal(tact_session_run(s, fetches, 4, r, &feed, 1, NULL, 0, &st),
                         TACT_CODE_OK);
        for (int i = 0; i < 4; i++) {
            const float *sv = tact_tensor_data(r[0]), *iv = tact_tensor_data(r[1]);
            const float *xv = tact_tensor_data(r[2]), *av = tact_tensor_data(r[3]);
            assert_true(sv[i] == 2.0f * (float) (i + 1));
            assert_true(iv[i] == (float) (i + 1) && xv[i] == iv[i] && av[i] == iv[i]);
        }
        assert_ptr_not_equal(tact_tensor_data(r[2]), buf);  /* the caller's own copy */
        for (int i = 0; i < 4; i++)
            tact_tensor_destroy(&r[i]);
        /* assign_add computes a new value from the fed one: the feed stays as it was. */
        assert_int_equal(tact_session_run(s, &add_to, 1, r, &feed, 1, NULL, 0, &st),
                         TACT_CODE_OK);
        assert_true(((const float *) tact_tensor_data(r[0]))[3] == 8.0f);
        tact_tensor_destroy(&r[0]);
        assert_true(buf[3] == 4.0f);
        assert_int_equal(fr.calls, 0);
        tact_tensor_destroy(&t);
        tact_session_destroy(&s);
        assert_int_equal(fr.calls, 1);  /* once, whoever held the last reference */
        assert_ptr_equal(fr.data, buf);
    }
    tact_graph_destroy(&g);
    munmap(buf, (size_t) page);
}

static void test_copy_to_the_callers_buffer(void **state)
{
    (void) state;
    tact_status_t st = TACT_STATUS_INIT;
    tact_graph_t *g = tact_graph_new();
    tact_output_t x = tact_placeholder(g, TACT_DTYPE_I32, (int64_t[]) { 3 }, 1, "x", &st);
    tact_output_t y = tact_multiply(g, x, x, "y", &st);
    tact_session_t *s = tu_session(g, NULL);
    tact_tensor_t *in = tu_i32((int64_t[]) { 3 }, 1, (int32_t[]) { 2, -3, 4 });
    tact_feed_t feed = { x, in };
    tact_tensor_t *r = NULL;
    assert_int_equal(tact_session_run(s, &y, 1, &r, &feed, 1, NULL, 0, &st), TACT_CODE_OK);

    int32_t out[4] = { 7, 7, 7, 7 };
    assert_int_equal(tact_tensor_copy_to(r, out, sizeof out, &st), TACT_CODE_OK);
    assert_int_equal(out[0], 4);
    assert_int_equal(out[1], 9);
    assert_int_equal(out[2], 16);
    assert_int_equal(out[3], 7);  /* nothing past the tensor's bytes */

    assert_int_equal(tact_tensor_copy_to(r, out, 11, &st), TACT_CODE_INVALID_ARGUMENT);
    assert_string_equal(st.msg, "tensor: buffer of 11 bytes is too small for 3 elements of "
                                "int32 (12 bytes)");
    assert_int_equal(tact_tensor_copy_to(r, out, sizeof out, &st), TACT_CODE_INVALID_ARGUMENT);
    st = (tact_status_t) TACT_STATUS_INIT;  /* sticky above; fresh below */
    assert_int_equal(tact_tensor_copy_to(r, NULL, 12, &st), TACT_CODE_INVALID_ARGUMENT);
    assert_true(tu_contains(st.msg, "into a NULL buffer"));

    st = (tact_status_t) TACT_STATUS_INIT;
    tact_tensor_t *empty = tu_f32((int64_t[]) { 0 }, 1, NULL);
    assert_int_equal(tact_tensor_copy_to(empty, NULL, 0, &st), TACT_CODE_OK);
    tact_tensor_t *str = tact_tensor_new_strings((int64_t[]) { 1 }, 1,
                                                 (const char *const[]) { "ab" }, NULL, &st);
    char text[8];
    assert_int_equal(tact_tensor_copy_to(str, text, sizeof text, &st),
                     TACT_CODE_INVALID_ARGUMENT);
    assert_true(tu_contains(st.msg, "cannot copy a string tensor"));

    tact_tensor_destroy(&str);
    tact_tensor_destroy(&empty);
    tact_tensor_destroy(&r);
    tact_tensor_destroy(&in);
    tact_session_destroy(&s);
    tact_graph_destroy(&g);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_borrowed_uses_the_callers_buffer),
        cmocka_unit_test(test_borrowed_checks),
        cmocka_unit_test(test_borrowed_feed_is_read_in_place),
        cmocka_unit_test(test_copy_to_the_callers_buffer),
    };
    return cmocka_run_group_tests_name("zero_copy", tests, NULL, NULL);
}
