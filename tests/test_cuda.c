/* SPDX-License-Identifier: MIT */
/* The CUDA backend (devices/cuda/) called directly, without sessions or the GPU device: every
 * op kind and dtype runs on GPU 0 through the backend's own calls (region_alloc, copy_in,
 * kernel, sync, copy_out) and must give what the CPU kernel (a family's, else
 * tact__cpu_kernel) gives on the same inputs: floats within 1e-5 relative, everything else
 * exactly. The ops are real ones, built on a graph over placeholders of the inputs' shapes.
 * Copies, their order behind queued kernels, and two contexts sharing one GPU's ordering are
 * checked too. Where no GPU is visible (no driver, CUDA_VISIBLE_DEVICES="") only the tests of
 * that path run and the others skip, unless TACT_REQUIRE_GPU=1 makes the missing GPU a
 * failure. */
#include "devices/cpu/kernels.h" /* first: the prelude's _GNU_SOURCE precedes system headers */
#include "devices/cpu/kernels/family.h"
#include "devices/cuda/cuda_backend.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h> /* after the four above, which it needs */

#include <cuda_runtime_api.h> /* cudaHostAlloc: a pinned buffer for the direct copy path */

#include "tests/helpers.h"

#define F32  TACT_DTYPE_F32
#define F64  TACT_DTYPE_F64
#define I32  TACT_DTYPE_I32
#define I64  TACT_DTYPE_I64
#define BOOL TACT_DTYPE_BOOL

#define BE (&tact__cuda_backend)

#define SHP(n, ...) ((tact_shape_t){.ndims = (n), .dims = {__VA_ARGS__}})
#define SCALAR      ((tact_shape_t){.ndims = 0})

typedef tact_output_t (*gt_binary_fn)(tact_graph_t *, tact_output_t, tact_output_t, const char *,
                                      tact_status_t *);
typedef tact_output_t (*gt_unary_fn)(tact_graph_t *, tact_output_t, const char *, tact_status_t *);

/* ------------------------------------------------------------------------------------------ */
/* Helpers                                                                                    */
/* ------------------------------------------------------------------------------------------ */

static void *gt_ctx; /* GPU 0's context, opened by the first test that needs it */

/* Skip unless a GPU is visible; then GPU 0's context, opened once. */
static void *gt_gpu(void)
{
    if (BE->count() == 0)
        skip();
    if (gt_ctx == NULL) {
        tact_status_t st = TACT_STATUS_INIT;
        if (BE->open(0, &gt_ctx, &st) != TACT_CODE_OK)
            fail_msg("open(0): %s", st.msg);
        assert_non_null(gt_ctx);
    }
    return gt_ctx;
}

/* Element i of a test input of `dtype`, varied by `seed`: floats are small multiples of 1/8
 * (so sums and products are exact in either precision and order), integers reach the wrapping
 * range, bools are bytes 0, 1 and 7. */
static void gt_set(tact_tensor_t *t, int64_t i, int seed)
{
    int64_t v = (i * 7 + seed * 13) % 41 - 20;
    switch (t->dtype) {
    case F32:
        ((float *) t->data)[i] = (float) v / 8.0f;
        break;
    case F64:
        ((double *) t->data)[i] = (double) v / 8.0;
        break;
    case I32:
        ((int32_t *) t->data)[i] = i == 0 ? INT32_MAX : i == 1 ? INT32_MIN : (int32_t) (v * 97);
        break;
    case I64:
        ((int64_t *) t->data)[i] =
            i == 0 ? INT64_MAX : (int64_t) ((uint64_t) (v * 1000003) << (i % 40));
        break;
    default:
        ((uint8_t *) t->data)[i] = (uint8_t) (v % 3 == 0 ? 0 : v % 3 == 1 ? 1 : 7);
        break;
    }
}

static tact_tensor_t *gt_tensor(tact_dtype_t dtype, tact_shape_t shape, int seed)
{
    tact_tensor_t *t = tact__tensor_alloc(dtype, shape.dims, shape.ndims);
    for (int64_t i = 0; i < t->nelems; i++)
        gt_set(t, i, seed);
    return t;
}

/* n bytes of GPU 0's memory straight from the backend. */
static void *gt_region(size_t n)
{
    void *p = BE->region_alloc(0, n);
    assert_non_null(p);
    return p;
}

static tact_output_t gt_placeholder(tact_graph_t *g, const tact_tensor_t *t)
{
    tact_status_t st = TACT_STATUS_INIT;
    tact_output_t p = tact_placeholder(g, t->dtype, t->dims, t->ndims, NULL, &st);
    assert_int_equal(st.code, TACT_CODE_OK);
    return p;
}

static tact_op_t *gt_op(tact_output_t out, const tact_status_t *st)
{
    if (st->code != TACT_CODE_OK)
        fail_msg("building the op: %s", st->msg);
    assert_non_null(out.op);
    return out.op;
}

/* Element i of want and got agree: NaN matches NaN, floats within 1e-5 relative. */
static void gt_check_element(const tact_tensor_t *want, const tact_tensor_t *got, int64_t i,
                             const char *what)
{
    switch (want->dtype) {
    case F32: {
        float w = ((const float *) want->data)[i];
        float g = ((const float *) got->data)[i];
        if ((isnan(w) && isnan(g)) || w == g || fabsf(g - w) <= 1e-5f * fabsf(w))
            return;
        fail_msg("%s: element %" PRId64 ": GPU %.9g, CPU %.9g", what, i, (double) g, (double) w);
    }
    case F64: {
        double w = ((const double *) want->data)[i];
        double g = ((const double *) got->data)[i];
        if ((isnan(w) && isnan(g)) || w == g || fabs(g - w) <= 1e-5 * fabs(w))
            return;
        fail_msg("%s: element %" PRId64 ": GPU %.17g, CPU %.17g", what, i, g, w);
    }
    case I32:
        if (((const int32_t *) want->data)[i] != ((const int32_t *) got->data)[i])
            fail_msg("%s: element %" PRId64 ": GPU %" PRId32 ", CPU %" PRId32, what, i,
                     ((const int32_t *) got->data)[i], ((const int32_t *) want->data)[i]);
        return;
    case I64:
        if (((const int64_t *) want->data)[i] != ((const int64_t *) got->data)[i])
            fail_msg("%s: element %" PRId64 ": GPU %" PRId64 ", CPU %" PRId64, what, i,
                     ((const int64_t *) got->data)[i], ((const int64_t *) want->data)[i]);
        return;
    default:
        if (((const uint8_t *) want->data)[i] != ((const uint8_t *) got->data)[i])
            fail_msg("%s: element %" PRId64 ": GPU %u, CPU %u", what, i,
                     ((const uint8_t *) got->data)[i], ((const uint8_t *) want->data)[i]);
        return;
    }
}

/* A device copy of a host tensor's header with its data in GPU memory. */
static tact_tensor_t gt_on_gpu(const tact_tensor_t *host, void *device)
{
    tact_tensor_t t;
    memcpy(&t, host, sizeof t);
    t.data = device;
    return t;
}

/* Run `op` over in[0..n_in) on the CPU and on GPU 0 and compare the results. The GPU's output
 * starts as 0xA5 bytes, so an element the kernel skips shows. */
static void gt_compare(const tact_op_t *op, const tact_tensor_t *const *in, int n_in)
{
    void *ctx = gt_gpu();
    tact_status_t st = TACT_STATUS_INIT;
    tact_dtype_t dtypes[3];
    tact_shape_t shapes[3];
    assert_true(n_in <= 3);
    for (int i = 0; i < n_in; i++) {
        dtypes[i] = in[i]->dtype;
        shapes[i] = tact__tensor_shape(in[i]);
    }
    tact_dtype_t dtype;
    tact_shape_t shape;
    assert_int_equal(tact__op_infer(op->kind, &op->attrs, op->name, n_in, dtypes, shapes,
                                    TACT_INFER_RUN, &dtype, &shape, &st),
                     TACT_CODE_OK);
    tact_tensor_t *want = tact__tensor_alloc(dtype, shape.dims, shape.ndims);
    tact_tensor_t *got = tact__tensor_alloc(dtype, shape.dims, shape.ndims);
    /* a family's kernel first, as the CPU device runs them */
    const tact_cpu_op_kernel_t *fk = tact__cpu_op_kernel(op->kind);
    tact_cpu_kernel_fn cpu = fk == NULL ? tact__cpu_kernel(op->kind) : NULL;
    assert_true(fk != NULL || cpu != NULL);
    tact_kernel_ctx_t k = {.op = op, .n_in = n_in, .in = in, .out = &want, .device = "CPU:0"};
    if ((cpu != NULL ? cpu(op, in, want, &st) : fk->run(&k, &st)) != TACT_CODE_OK)
        fail_msg("CPU %s: %s", op->name, st.msg);

    void *dev[4] = {NULL, NULL, NULL, NULL};
    tact_tensor_t dev_in[3];
    const tact_tensor_t *din[3] = {NULL, NULL, NULL};
    for (int i = 0; i < n_in; i++) {
        dev[i] = gt_region(in[i]->nbytes);
        assert_int_equal(BE->copy_in(ctx, dev[i], in[i]->data, in[i]->nbytes, true, &st),
                         TACT_CODE_OK);
        dev_in[i] = gt_on_gpu(in[i], dev[i]);
        din[i] = &dev_in[i];
    }
    dev[3] = gt_region(got->nbytes);
    if (got->nbytes > 0)
        memset(got->data, 0xA5, got->nbytes);
    assert_int_equal(BE->copy_in(ctx, dev[3], got->data, got->nbytes, true, &st), TACT_CODE_OK);
    tact_tensor_t dev_out = gt_on_gpu(got, dev[3]);
    if (BE->kernel(ctx, op, din, &dev_out, &st) != TACT_CODE_OK ||
        BE->sync(ctx, &st) != TACT_CODE_OK ||
        BE->copy_out(ctx, got->data, dev[3], got->nbytes, &st) != TACT_CODE_OK)
        fail_msg("GPU %s: %s", op->name, st.msg);

    char what[96];
    snprintf(what, sizeof what, "%s (%s)", op->name,
             tact_dtype_name(n_in > 0 ? in[0]->dtype : dtype));
    assert_int_equal(got->nelems, want->nelems);
    for (int64_t i = 0; i < want->nelems; i++)
        gt_check_element(want, got, i, what);
    for (int i = 0; i < 4; i++) {
        if (dev[i] != NULL)
            BE->region_free(0, dev[i]);
    }
    tact_tensor_destroy(&want);
    tact_tensor_destroy(&got);
}

/* Build a binary op on fresh placeholders of a's and b's shapes and compare it. */
static void gt_binary(gt_binary_fn build, tact_dtype_t dtype, tact_shape_t sa, tact_shape_t sb)
{
    tact_status_t st = TACT_STATUS_INIT;
    tact_graph_t *g = tact_graph_new();
    tact_tensor_t *a = gt_tensor(dtype, sa, 1);
    tact_tensor_t *b = gt_tensor(dtype, sb, 2);
    tact_op_t *op = gt_op(build(g, gt_placeholder(g, a), gt_placeholder(g, b), NULL, &st), &st);
    gt_compare(op, (const tact_tensor_t *const[]){a, b}, 2);
    tact_tensor_destroy(&a);
    tact_tensor_destroy(&b);
    tact_graph_destroy(&g);
}

static void gt_unary(gt_unary_fn build, tact_dtype_t dtype, tact_shape_t shape)
{
    tact_status_t st = TACT_STATUS_INIT;
    tact_graph_t *g = tact_graph_new();
    tact_tensor_t *x = gt_tensor(dtype, shape, 3);
    tact_op_t *op = gt_op(build(g, gt_placeholder(g, x), NULL, &st), &st);
    gt_compare(op, (const tact_tensor_t *const[]){x}, 1);
    tact_tensor_destroy(&x);
    tact_graph_destroy(&g);
}

/* ------------------------------------------------------------------------------------------ */
/* Without a GPU too                                                                          */
/* ------------------------------------------------------------------------------------------ */

static void test_backend_table(void **state)
{
    (void) state;
    assert_string_equal(BE->name, "CUDA");
    assert_non_null(BE->count);
    assert_non_null(BE->query);
    assert_non_null(BE->region_alloc);
    assert_non_null(BE->region_free);
    assert_non_null(BE->open);
    assert_non_null(BE->close);
    assert_non_null(BE->bind_thread);
    assert_true(BE->supports == tact__gpu_op_supported);
    assert_non_null(BE->copy_in);
    assert_non_null(BE->copy_out);
    assert_non_null(BE->copy_device);
    assert_non_null(BE->kernel);
    assert_non_null(BE->sync);
    assert_non_null(BE->lost);
    assert_false(BE->lost(0));  /* nothing has faulted in this process */
}

/* CUDA's sticky errors (the context is lost; the process must restart) against the others. */
static void test_fatal_errors(void **state)
{
    (void) state;
    const cudaError_t fatal[] = {cudaErrorIllegalAddress, cudaErrorLaunchFailure,
                                 cudaErrorIllegalInstruction, cudaErrorMisalignedAddress,
                                 cudaErrorAssert, cudaErrorHardwareStackError,
                                 cudaErrorInvalidAddressSpace, cudaErrorInvalidPc,
                                 cudaErrorLaunchTimeout, cudaErrorECCUncorrectable};
    const cudaError_t other[] = {cudaSuccess, cudaErrorMemoryAllocation, cudaErrorInvalidValue,
                                 cudaErrorNoDevice, cudaErrorInsufficientDriver,
                                 cudaErrorLaunchOutOfResources, cudaErrorNotReady};
    for (size_t i = 0; i < sizeof fatal / sizeof fatal[0]; i++)
        assert_true(tact__cuda_error_fatal((int) fatal[i]));
    for (size_t i = 0; i < sizeof other / sizeof other[0]; i++)
        assert_false(tact__cuda_error_fatal((int) other[i]));
}

/* Why no GPU: no driver at all (cudaDriverGetVersion gives 0, though CUDA says "driver version
 * is insufficient"), a driver older than the runtime, anything else by CUDA's words. */
static void test_no_gpu_reason(void **state)
{
    (void) state;
    char buf[200];
    tact__cuda_no_gpu_reason(cudaErrorInsufficientDriver, 0, 13000, buf, sizeof buf);
    assert_string_equal(buf, "CUDA: no GPU visible: no CUDA driver is installed (CPU only)");
    tact__cuda_no_gpu_reason(cudaErrorInsufficientDriver, 12040, 13000, buf, sizeof buf);
    assert_string_equal(buf, "CUDA: no GPU visible: the CUDA driver supports CUDA 12.4, older "
                             "than the CUDA 13.0 runtime tact was built with (update the "
                             "driver)");
    tact__cuda_no_gpu_reason(cudaErrorNoDevice, 13000, 13000, buf, sizeof buf);
    char want[200];
    snprintf(want, sizeof want, "CUDA: no GPU visible: cudaGetDeviceCount: %s",
             cudaGetErrorString(cudaErrorNoDevice));
    assert_string_equal(buf, want);
}

/* count() never fails and is the same every time; query() answers for visible ids only. */
static void test_count_and_query(void **state)
{
    (void) state;
    int n = BE->count();
    assert_true(n >= 0);
    assert_int_equal(BE->count(), n);

    tact_gpu_info_t info;
    tact_status_t st = TACT_STATUS_INIT;
    assert_int_equal(BE->query(n, &info, &st), TACT_CODE_INVALID_ARGUMENT);
    assert_non_null(strstr(st.msg, "CUDA"));
    st = (tact_status_t) TACT_STATUS_INIT;
    assert_int_equal(BE->query(-1, &info, &st), TACT_CODE_INVALID_ARGUMENT);

    /* A status that already holds an error is left alone. */
    tact_status_t failed = {TACT_CODE_CANCELLED, "earlier"};
    assert_int_equal(BE->query(0, &info, &failed), TACT_CODE_CANCELLED);
    assert_string_equal(failed.msg, "earlier");

    if (n == 0) {
        st = (tact_status_t) TACT_STATUS_INIT;
        assert_int_not_equal(BE->query(0, &info, &st), TACT_CODE_OK);
        /* Device memory and contexts are refused, not crashed on. */
        assert_null(BE->region_alloc(0, 256));
        BE->region_free(0, NULL);
        void *ctx = &st;
        st = (tact_status_t) TACT_STATUS_INIT;
        assert_int_equal(BE->open(0, &ctx, &st), TACT_CODE_INVALID_ARGUMENT);
        assert_null(ctx);
        assert_true(strncmp(st.msg, "CUDA: ", 6) == 0);
        return;
    }
    st = (tact_status_t) TACT_STATUS_INIT;
    memset(&info, 0, sizeof info);
    if (BE->query(0, &info, &st) != TACT_CODE_OK)
        fail_msg("query(0): %s", st.msg);
    assert_true(info.total_bytes > 0);
    assert_true(info.free_bytes <= info.total_bytes);
    assert_true(strncmp(info.description, "name: ", 6) == 0);
    assert_non_null(strstr(info.description, ", pci bus id: "));
    assert_non_null(strstr(info.description, ", compute capability: "));
}

/* ------------------------------------------------------------------------------------------ */
/* Contexts and copies                                                                        */
/* ------------------------------------------------------------------------------------------ */

static void test_open_bind_close(void **state)
{
    (void) state;
    gt_gpu();
    tact_status_t st = TACT_STATUS_INIT;
    void *ctx = NULL;
    if (BE->open(0, &ctx, &st) != TACT_CODE_OK)
        fail_msg("open(0): %s", st.msg);
    assert_int_equal(BE->bind_thread(ctx, &st), TACT_CODE_OK);
    assert_int_equal(BE->sync(ctx, &st), TACT_CODE_OK);
    BE->close(ctx);
    /* The first test's context is still good. */
    assert_int_equal(BE->bind_thread(gt_ctx, &st), TACT_CODE_OK);
    assert_int_equal(BE->sync(gt_ctx, &st), TACT_CODE_OK);
}

/* Bytes through pageable and pinned host memory, in one staging chunk and in several, and
 * within the GPU. */
static void gt_round_trip(void *ctx, size_t n, bool pinned)
{
    tact_status_t st = TACT_STATUS_INIT;
    unsigned char *src;
    unsigned char *dst;
    if (pinned) {
        assert_int_equal(cudaHostAlloc((void **) &src, n + 1, cudaHostAllocDefault), cudaSuccess);
        assert_int_equal(cudaHostAlloc((void **) &dst, n + 1, cudaHostAllocDefault), cudaSuccess);
    } else {
        src = tact__malloc(n + 1);
        dst = tact__malloc(n + 1);
    }
    for (size_t i = 0; i < n; i++)
        src[i] = (unsigned char) (i * 131 + i / 4099);
    memset(dst, 0x5A, n + 1);
    void *d1 = gt_region(n);
    void *d2 = gt_region(n);
    assert_int_equal(BE->copy_in(ctx, d1, src, n, true, &st), TACT_CODE_OK);
    assert_int_equal(BE->copy_device(ctx, d2, d1, n, &st), TACT_CODE_OK);
    assert_int_equal(BE->copy_out(ctx, dst, d2, n, &st), TACT_CODE_OK);
    assert_int_equal(BE->sync(ctx, &st), TACT_CODE_OK);
    assert_memory_equal(dst, src, n);
    assert_int_equal(dst[n], 0x5A); /* nothing past the end */
    BE->region_free(0, d1);
    BE->region_free(0, d2);
    if (pinned) {
        cudaFreeHost(src);
        cudaFreeHost(dst);
    } else {
        free(src);
        free(dst);
    }
}

static void test_copies(void **state)
{
    (void) state;
    void *ctx = gt_gpu();
    const size_t sizes[] = {1, 4097, ((size_t) 4 << 20) + 1, ((size_t) 9 << 20) + 13};
    for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
        gt_round_trip(ctx, sizes[i], false);
        gt_round_trip(ctx, sizes[i], true);
    }
    tact_status_t st = TACT_STATUS_INIT;
    assert_int_equal(BE->copy_in(ctx, NULL, NULL, 0, true, &st), TACT_CODE_OK);
    assert_int_equal(BE->copy_out(ctx, NULL, NULL, 0, &st), TACT_CODE_OK);
    assert_int_equal(BE->copy_device(ctx, NULL, NULL, 0, &st), TACT_CODE_OK);
}

/* Back-to-back small copies from one pageable buffer, rewritten after each call returns (the
 * bytes are then in a staging buffer), with no sync between: they alternate the staging
 * buffers, and each block must still get its own bytes. */
static void test_copies_back_to_back(void **state)
{
    (void) state;
    void *ctx = gt_gpu();
    enum { N = 16, BYTES = 1000 };
    void *dev[N];
    unsigned char host[BYTES], back[BYTES];
    tact_status_t st = TACT_STATUS_INIT;
    for (int i = 0; i < N; i++) {
        dev[i] = BE->region_alloc(0, BYTES);
        assert_non_null(dev[i]);
        memset(host, 'a' + i, sizeof host);
        assert_int_equal(BE->copy_in(ctx, dev[i], host, BYTES, false, &st), TACT_CODE_OK);
    }
    memset(host, 0, sizeof host);
    assert_int_equal(BE->sync(ctx, &st), TACT_CODE_OK);
    for (int i = 0; i < N; i++) {
        assert_int_equal(BE->copy_out(ctx, back, dev[i], BYTES, &st), TACT_CODE_OK);
        for (int k = 0; k < BYTES; k++)
            assert_int_equal(back[k], 'a' + i);
        BE->region_free(0, dev[i]);
    }
}

/* A copy into a block must not overtake a kernel still reading it: y = -x, then x is
 * overwritten at once; y must hold the old x negated. Repeated with a large x so that the
 * kernel is still running when the copy is enqueued. */
static void test_copy_waits_for_kernels(void **state)
{
    (void) state;
    void *ctx = gt_gpu();
    tact_status_t st = TACT_STATUS_INIT;
    tact_graph_t *g = tact_graph_new();
    tact_tensor_t *x = gt_tensor(F32, SHP(1, 1 << 22), 4);
    tact_op_t *neg = gt_op(tact_negative(g, gt_placeholder(g, x), NULL, &st), &st);
    tact_tensor_t *y = tact__tensor_alloc(F32, x->dims, x->ndims);
    tact_tensor_t *zeros = tact__tensor_alloc(F32, x->dims, x->ndims);
    memset(zeros->data, 0, zeros->nbytes);
    void *dx = gt_region(x->nbytes);
    void *dy = gt_region(y->nbytes);
    tact_tensor_t gx = gt_on_gpu(x, dx);
    tact_tensor_t gy = gt_on_gpu(y, dy);
    const tact_tensor_t *in[1] = {&gx};
    assert_int_equal(BE->copy_in(ctx, dx, x->data, x->nbytes, true, &st), TACT_CODE_OK);
    assert_int_equal(BE->kernel(ctx, neg, in, &gy, &st), TACT_CODE_OK);
    assert_int_equal(BE->copy_in(ctx, dx, zeros->data, zeros->nbytes, true, &st), TACT_CODE_OK);
    assert_int_equal(BE->copy_out(ctx, y->data, dy, y->nbytes, &st), TACT_CODE_OK);
    assert_int_equal(BE->sync(ctx, &st), TACT_CODE_OK);
    for (int64_t i = 0; i < x->nelems; i++)
        assert_true(((float *) y->data)[i] == -((float *) x->data)[i]);
    BE->region_free(0, dx);
    BE->region_free(0, dy);
    tact_tensor_destroy(&x);
    tact_tensor_destroy(&y);
    tact_tensor_destroy(&zeros);
    tact_graph_destroy(&g);
}

/* Two contexts on one GPU (two sessions' actors) share the process's allocator: a block one
 * frees while its kernel still reads it may be written by the other at once. The backend
 * queues that write behind the kernel (the GPU's streams are shared): a 4096 x 4096 matmul
 * (milliseconds) reads x while the other context copies zeros over x from pinned memory (a
 * DMA that would start at once), and the product must be the one computed undisturbed. */
static void test_contexts_share_ordering(void **state)
{
    (void) state;
    void *ctx = gt_gpu();
    void *other = NULL;
    tact_status_t st = TACT_STATUS_INIT;
    assert_int_equal(BE->open(0, &other, &st), TACT_CODE_OK);
    tact_graph_t *g = tact_graph_new();
    tact_tensor_t *x = gt_tensor(F32, SHP(2, 4096, 4096), 6);
    tact_output_t px = gt_placeholder(g, x);
    tact_op_t *mm = gt_op(tact_matmul(g, px, px, false, false, NULL, &st), &st);
    tact_tensor_t *want = tact__tensor_alloc(F32, x->dims, x->ndims);
    tact_tensor_t *got = tact__tensor_alloc(F32, x->dims, x->ndims);
    void *zeros = NULL;
    assert_int_equal(cudaHostAlloc(&zeros, x->nbytes, cudaHostAllocDefault), cudaSuccess);
    memset(zeros, 0, x->nbytes);
    void *dx = gt_region(x->nbytes);
    void *dy = gt_region(x->nbytes);
    tact_tensor_t gx = gt_on_gpu(x, dx);
    tact_tensor_t gy = gt_on_gpu(x, dy);
    const tact_tensor_t *in[2] = {&gx, &gx};
    for (int round = 0; round < 2; round++) {  /* undisturbed, then with the other's copy */
        assert_int_equal(BE->copy_in(ctx, dx, x->data, x->nbytes, true, &st), TACT_CODE_OK);
        assert_int_equal(BE->kernel(ctx, mm, in, &gy, &st), TACT_CODE_OK);
        if (round == 1)
            assert_int_equal(BE->copy_in(other, dx, zeros, x->nbytes, true, &st), TACT_CODE_OK);
        tact_tensor_t *y = round == 0 ? want : got;
        assert_int_equal(BE->copy_out(ctx, y->data, dy, y->nbytes, &st), TACT_CODE_OK);
        assert_int_equal(BE->sync(ctx, &st), TACT_CODE_OK);
        assert_int_equal(BE->sync(other, &st), TACT_CODE_OK);
    }
    assert_memory_equal(got->data, want->data, want->nbytes);
    BE->close(other);
    assert_int_equal(BE->bind_thread(ctx, &st), TACT_CODE_OK);
    BE->region_free(0, dx);
    BE->region_free(0, dy);
    assert_int_equal(cudaFreeHost(zeros), cudaSuccess);
    tact_tensor_destroy(&x);
    tact_tensor_destroy(&want);
    tact_tensor_destroy(&got);
    tact_graph_destroy(&g);
}

/* ------------------------------------------------------------------------------------------ */
/* Kernels                                                                                    */
/* ------------------------------------------------------------------------------------------ */

static void test_binary(void **state)
{
    (void) state;
    gt_gpu();
    const gt_binary_fn builders[] = {tact_add, tact_subtract, tact_multiply, tact_divide};
    const tact_dtype_t dtypes[] = {F32, F64, I32, I64};
    const tact_shape_t pairs[][2] = {
        {SHP(2, 7, 13), SHP(2, 7, 13)},        /* same shapes */
        {SCALAR, SHP(2, 5, 3)},                /* scalar a */
        {SHP(2, 5, 3), SCALAR},                /* scalar b */
        {SHP(1, 1031), SHP(1, 1)},             /* one-element b */
        {SHP(3, 4, 1, 3), SHP(2, 5, 1)},       /* both broadcast: [4, 5, 3] */
        {SHP(4, 2, 3, 1, 5), SHP(3, 3, 4, 1)}, /* [2, 3, 4, 5] */
        {SHP(2, 1, 9), SHP(2, 6, 1)},          /* an outer product */
        {SHP(2, 6, 9), SHP(1, 9)},             /* a bias row: the row path */
        {SHP(1, 9), SHP(2, 6, 9)},             /* the row on the left */
        {SHP(2, 300, 513), SHP(1, 513)},       /* a larger bias add */
        {SHP(3, 3, 1, 257), SHP(3, 1, 5, 1)},  /* odd sizes */
    };
    for (size_t f = 0; f < 4; f++) {
        for (size_t d = 0; d < 4; d++) {
            if (builders[f] == tact_divide && (dtypes[d] == I32 || dtypes[d] == I64))
                continue; /* integer Div stays on the CPU */
            for (size_t p = 0; p < sizeof pairs / sizeof pairs[0]; p++)
                gt_binary(builders[f], dtypes[d], pairs[p][0], pairs[p][1]);
        }
    }
}

static void test_unary(void **state)
{
    (void) state;
    gt_gpu();
    const tact_dtype_t all[] = {F32, F64, I32, I64};
    for (size_t d = 0; d < 4; d++) {
        gt_unary(tact_negative, all[d], SHP(2, 3, 343));
        gt_unary(tact_relu, all[d], SHP(2, 3, 343));
        gt_unary(tact_relu, all[d], SCALAR);
    }
    for (size_t d = 0; d < 2; d++) {
        gt_unary(tact_sigmoid, all[d], SHP(2, 3, 343));
        gt_unary(tact_tanh, all[d], SHP(2, 3, 343));
        gt_unary(tact_sigmoid, all[d], SHP(1, 1));
    }
}

static void test_softmax(void **state)
{
    (void) state;
    gt_gpu();
    /* short rows go a warp per row (many of them: SHP(2, 100001, 10)), long ones a block, a
     * few very long ones several blocks each (SHP(2, 4, 1 << 20): 64 parts a row) */
    const tact_shape_t shapes[] = {SHP(1, 5),      SHP(2, 3, 17),         SHP(2, 2, 1025),
                                   SHP(3, 2, 3, 300), SHP(2, 700, 1), SHP(2, 100001, 10),
                                   SHP(2, 9, 256),   SHP(2, 9, 257),  SHP(2, 4, 1 << 20),
                                   SHP(1, 70001)};
    for (size_t s = 0; s < sizeof shapes / sizeof shapes[0]; s++) {
        gt_unary(tact_softmax, F32, shapes[s]);
        gt_unary(tact_softmax, F64, shapes[s]);
    }
}

static void gt_matmul(tact_dtype_t dtype, int64_t m, int64_t k, int64_t n, bool ta, bool tb)
{
    tact_status_t st = TACT_STATUS_INIT;
    tact_graph_t *g = tact_graph_new();
    tact_tensor_t *a = gt_tensor(dtype, ta ? SHP(2, k, m) : SHP(2, m, k), 5);
    tact_tensor_t *b = gt_tensor(dtype, tb ? SHP(2, n, k) : SHP(2, k, n), 6);
    tact_op_t *op =
        gt_op(tact_matmul(g, gt_placeholder(g, a), gt_placeholder(g, b), ta, tb, NULL, &st), &st);
    gt_compare(op, (const tact_tensor_t *const[]){a, b}, 2);
    tact_tensor_destroy(&a);
    tact_tensor_destroy(&b);
    tact_graph_destroy(&g);
}

static void test_matmul(void **state)
{
    (void) state;
    gt_gpu();
    const tact_dtype_t dtypes[] = {F32, F64};
    for (size_t d = 0; d < 2; d++) {
        for (int t = 0; t < 4; t++) {
            bool ta = (t & 1) != 0;
            bool tb = (t & 2) != 0;
            gt_matmul(dtypes[d], 7, 5, 9, ta, tb);
            gt_matmul(dtypes[d], 1, 1, 1, ta, tb);
            gt_matmul(dtypes[d], 33, 130, 17, ta, tb);
        }
        gt_matmul(dtypes[d], 3, 0, 4, false, false); /* no inner dimension: zeros */
        gt_matmul(dtypes[d], 0, 3, 4, false, true);  /* no rows */
    }
}

static void gt_reduce(bool mean, tact_dtype_t dtype, tact_shape_t shape, const int *axes,
                      int n_axes, bool keep_dims)
{
    tact_status_t st = TACT_STATUS_INIT;
    tact_graph_t *g = tact_graph_new();
    tact_tensor_t *x = gt_tensor(dtype, shape, 7);
    tact_output_t p = gt_placeholder(g, x);
    tact_op_t *op = gt_op(mean ? tact_reduce_mean(g, p, axes, n_axes, keep_dims, NULL, &st)
                               : tact_reduce_sum(g, p, axes, n_axes, keep_dims, NULL, &st),
                          &st);
    gt_compare(op, (const tact_tensor_t *const[]){x}, 1);
    tact_tensor_destroy(&x);
    tact_graph_destroy(&g);
}

static void test_reduce(void **state)
{
    (void) state;
    gt_gpu();
    const tact_dtype_t dtypes[] = {F32, F64, I32, I64};
    for (int mean = 0; mean < 2; mean++) {
        for (size_t d = 0; d < 4; d++) {
            tact_dtype_t dt = dtypes[d];
            /* split over blocks and joined (kn_reduce_splits), then a thread per output */
            gt_reduce(mean, dt, SHP(2, 1, 300001), NULL, 0, false);
            gt_reduce(mean, dt, SHP(2, 3, 100003), (int[]){1}, 1, false);
            gt_reduce(mean, dt, SHP(1, 1 << 21), NULL, 0, false); /* 512 parts */
            gt_reduce(mean, dt, SHP(2, 100000, 2), (int[]){0}, 1, false);
            gt_reduce(mean, dt, SHP(2, 64, 8192), (int[]){0}, 1, false); /* a bias gradient */
            gt_reduce(mean, dt, SHP(2, 3000, 1030), (int[]){0}, 1, false); /* column kernel */
            /* the column kernel over parts of the rows, joined (kn_reduce_col_splits) */
            gt_reduce(mean, dt, SHP(2, 5000, 100), (int[]){0}, 1, false);
            gt_reduce(mean, dt, SHP(3, 3, 70000, 40), (int[]){0, 1}, 2, true);
            gt_reduce(mean, dt, SHP(4, 6, 5, 7, 9), (int[]){0, 2}, 2, false); /* 2-axis walk */
            gt_reduce(mean, dt, SHP(2, 100000, 4), (int[]){1}, 1, true);
            gt_reduce(mean, dt, SHP(1, 2049), NULL, 0, false);          /* every axis */
            gt_reduce(mean, dt, SHP(2, 3, 2049), (int[]){1}, 1, false); /* rows */
            gt_reduce(mean, dt, SHP(2, 2049, 3), (int[]){0}, 1, true);  /* columns */
            gt_reduce(mean, dt, SHP(3, 4, 5, 6), (int[]){0, 2}, 2, false);
            gt_reduce(mean, dt, SHP(3, 4, 5, 6), (int[]){-1}, 1, true);
            gt_reduce(mean, dt, SHP(3, 4, 1, 6), (int[]){1}, 1, false);
            gt_reduce(mean, dt, SHP(4, 2, 3, 4, 5), (int[]){1, -1}, 2, true);
            gt_reduce(mean, dt, SHP(4, 2, 3, 4, 5), (int[]){0, 2}, 2, false);
            gt_reduce(mean, dt, SHP(2, 5, 7), (int[]){0}, 0, false);    /* no axes: a copy */
            gt_reduce(mean, dt, SHP(3, 2, 0, 3), (int[]){1}, 1, false); /* over nothing */
            gt_reduce(mean, dt, SCALAR, NULL, 0, false);
        }
    }
}

static void gt_transpose(tact_dtype_t dtype, tact_shape_t shape, const int *perm, int n_perm)
{
    tact_status_t st = TACT_STATUS_INIT;
    tact_graph_t *g = tact_graph_new();
    tact_tensor_t *x = gt_tensor(dtype, shape, 8);
    tact_op_t *op = gt_op(tact_transpose(g, gt_placeholder(g, x), perm, n_perm, NULL, &st), &st);
    gt_compare(op, (const tact_tensor_t *const[]){x}, 1);
    tact_tensor_destroy(&x);
    tact_graph_destroy(&g);
}

static void test_transpose(void **state)
{
    (void) state;
    gt_gpu();
    const tact_dtype_t dtypes[] = {F32, F64, I32, I64, BOOL};
    for (size_t d = 0; d < 5; d++) {
        tact_dtype_t dt = dtypes[d];
        gt_transpose(dt, SHP(3, 2, 3, 4), (int[]){2, 0, 1}, 3);
        gt_transpose(dt, SHP(3, 2, 3, 4), NULL, 0);         /* reversed */
        gt_transpose(dt, SHP(2, 33, 65), (int[]){1, 0}, 2); /* tiles with edges */
        gt_transpose(dt, SHP(4, 3, 1, 5, 2), (int[]){3, 2, 1, 0}, 4);
        gt_transpose(dt, SHP(3, 4, 1, 6), (int[]){1, 0, 2}, 3); /* a copy */
        gt_transpose(dt, SHP(4, 2, 3, 4, 5), (int[]){0, 2, 1, 3}, 4);
        gt_transpose(dt, SHP(4, 5, 6, 7, 8), (int[]){0, 1, 3, 2}, 4); /* two groups */
        gt_transpose(dt, SHP(2, 1, 1), (int[]){1, 0}, 2);
    }
}

/* Casts between every pair of bool, int32, int64, float32 and float64 (the same dtype is a
 * copy), over values that reach each rule: fractions, negatives, out of range, NaN, and bytes
 * other than 0 and 1 for bools. */
static tact_tensor_t *gt_cast_input(tact_dtype_t dtype)
{
    static const double floats[] = {0.0,   -0.0, 1.5,  -1.5,         2.9,     -2.9,
                                    3e9,   -3e9, 1e20, -1e20,        NAN,     0.25,
                                    100.0, -7.0, 1e-3, 2147483520.0, INFINITY};
    static const int64_t ints[] = {
        0,           1,         -1,        7,        INT32_MAX, INT32_MIN,       4294967297,
        -4294967297, INT64_MAX, INT64_MIN, 16777217, -16777217, 9007199254740993};
    static const uint8_t bools[] = {0, 1, 2, 255, 0, 7, 1};
    size_t n = dtype == BOOL                    ? sizeof bools
               : (dtype == F32 || dtype == F64) ? sizeof floats / sizeof floats[0]
                                                : sizeof ints / sizeof ints[0];
    tact_tensor_t *t = tact__tensor_alloc(dtype, (int64_t[]){(int64_t) n}, 1);
    for (size_t i = 0; i < n; i++) {
        switch (dtype) {
        case F32:
            ((float *) t->data)[i] = (float) floats[i];
            break;
        case F64:
            ((double *) t->data)[i] = floats[i];
            break;
        case I32:
            ((int32_t *) t->data)[i] = (int32_t) (uint32_t) (uint64_t) ints[i];
            break;
        case I64:
            ((int64_t *) t->data)[i] = ints[i];
            break;
        default:
            ((uint8_t *) t->data)[i] = bools[i];
            break;
        }
    }
    return t;
}

static void test_cast(void **state)
{
    (void) state;
    gt_gpu();
    const tact_dtype_t dtypes[] = {F32, F64, I32, I64, BOOL};
    for (size_t f = 0; f < 5; f++) {
        for (size_t t = 0; t < 5; t++) {
            tact_status_t st = TACT_STATUS_INIT;
            tact_graph_t *g = tact_graph_new();
            tact_tensor_t *x = gt_cast_input(dtypes[f]);
            tact_op_t *op = gt_op(tact_cast(g, gt_placeholder(g, x), dtypes[t], NULL, &st), &st);
            gt_compare(op, (const tact_tensor_t *const[]){x}, 1);
            tact_tensor_destroy(&x);
            tact_graph_destroy(&g);
        }
    }
}

static void test_fill(void **state)
{
    (void) state;
    gt_gpu();
    const tact_dtype_t dtypes[] = {F32, F64, I32, I64, BOOL};
    for (size_t d = 0; d < 5; d++) {
        tact_status_t st = TACT_STATUS_INIT;
        tact_graph_t *g = tact_graph_new();
        double value = dtypes[d] == BOOL ? 1.0 : -2.0;
        tact_op_t *a = gt_op(tact_fill(g, dtypes[d], (int64_t[]){5, 7}, 2, value, NULL, &st), &st);
        gt_compare(a, NULL, 0);
        tact_op_t *b = gt_op(tact_fill(g, dtypes[d], (int64_t[]){1030}, 1, 1.0, NULL, &st), &st);
        gt_compare(b, NULL, 0);
        tact_op_t *c = gt_op(tact_fill(g, dtypes[d], NULL, 0, 0.0, NULL, &st), &st);
        gt_compare(c, NULL, 0);
        tact_graph_destroy(&g);
    }
}

/* ------------------------------------------------------------------------------------------ */
/* The math and nn families' kernels                                                          */
/* ------------------------------------------------------------------------------------------ */

/* Bools as TensorFlow holds them, bytes of 0 and 1 (gt_set's 7s would test C's bool loads). */
static tact_tensor_t *gt_bools(tact_shape_t shape, int seed)
{
    tact_tensor_t *t = gt_tensor(BOOL, shape, seed);
    for (int64_t i = 0; i < t->nelems; i++)
        ((uint8_t *) t->data)[i] = ((uint8_t *) t->data)[i] != 0;
    return t;
}

static tact_output_t gt_leaky_relu(tact_graph_t *g, tact_output_t x, const char *name,
                                   tact_status_t *st)
{
    return tact_leaky_relu(g, x, 0.2, name, st);
}

/* Float32 and float64 element-wise ops (log and sqrt of negatives give NaN on both sides,
 * rsqrt and reciprocal of 0 infinities), LogicalNot on bools. */
static void test_math_unary(void **state)
{
    (void) state;
    gt_gpu();
    const gt_unary_fn builders[] = {
        tact_abs,      tact_square, tact_sqrt,     tact_rsqrt,         tact_exp,        tact_log,
        tact_sign,     tact_floor,  tact_ceil,     tact_round,         tact_reciprocal, tact_relu6,
        gt_leaky_relu, tact_elu,    tact_softplus, tact_stop_gradient,
    };
    for (size_t f = 0; f < sizeof builders / sizeof builders[0]; f++) {
        gt_unary(builders[f], F32, SHP(2, 3, 343));
        gt_unary(builders[f], F64, SHP(2, 3, 343));
        gt_unary(builders[f], F32, SCALAR);
        gt_unary(builders[f], F32, SHP(2, 0, 3));
    }
    gt_unary(tact_stop_gradient, I32, SHP(1, 9)); /* a copy of any fixed-size dtype */
    tact_status_t st = TACT_STATUS_INIT;
    tact_graph_t *g = tact_graph_new();
    tact_tensor_t *x = gt_bools(SHP(2, 5, 103), 3);
    tact_op_t *op = gt_op(tact_logical_not(g, gt_placeholder(g, x), NULL, &st), &st);
    gt_compare(op, (const tact_tensor_t *const[]){x}, 1);
    tact_tensor_destroy(&x);
    tact_graph_destroy(&g);
}

/* The broadcasting binary ops of the math family: float32 and float64 arithmetic and
 * comparisons (to bool), LogicalAnd and LogicalOr on bools, through every launch mode. */
static void test_math_binary(void **state)
{
    (void) state;
    gt_gpu();
    const gt_binary_fn floats[] = {
        tact_pow,        tact_maximum,   tact_minimum,
        tact_floordiv,   tact_floormod,  tact_squared_difference,
        tact_equal,      tact_not_equal, tact_less,
        tact_less_equal, tact_greater,   tact_greater_equal,
    };
    const tact_shape_t pairs[][2] = {
        {SHP(2, 7, 13), SHP(2, 7, 13)},       /* same shapes */
        {SCALAR, SHP(2, 5, 3)},               /* scalar a */
        {SHP(2, 5, 3), SCALAR},               /* scalar b */
        {SHP(3, 4, 1, 3), SHP(2, 5, 1)},      /* both broadcast */
        {SHP(2, 6, 9), SHP(1, 9)},            /* a row: the row path */
        {SHP(1, 9), SHP(2, 6, 9)},            /* the row on the left */
        {SHP(3, 3, 1, 257), SHP(3, 1, 5, 1)}, /* odd sizes */
        {SHP(2, 0, 3), SHP(1, 3)},            /* nothing */
    };
    const size_t n_pairs = sizeof pairs / sizeof pairs[0];
    for (size_t f = 0; f < sizeof floats / sizeof floats[0]; f++) {
        for (size_t p = 0; p < n_pairs; p++) {
            gt_binary(floats[f], F32, pairs[p][0], pairs[p][1]);
            gt_binary(floats[f], F64, pairs[p][0], pairs[p][1]);
        }
    }
    const gt_binary_fn logical[] = {tact_logical_and, tact_logical_or};
    for (size_t f = 0; f < 2; f++) {
        for (size_t p = 0; p < n_pairs; p++) {
            tact_status_t st = TACT_STATUS_INIT;
            tact_graph_t *g = tact_graph_new();
            tact_tensor_t *a = gt_bools(pairs[p][0], 1);
            tact_tensor_t *b = gt_bools(pairs[p][1], 2);
            tact_op_t *op =
                gt_op(logical[f](g, gt_placeholder(g, a), gt_placeholder(g, b), NULL, &st), &st);
            gt_compare(op, (const tact_tensor_t *const[]){a, b}, 2);
            tact_tensor_destroy(&a);
            tact_tensor_destroy(&b);
            tact_graph_destroy(&g);
        }
    }
}

typedef tact_output_t (*gt_reduce_fn)(tact_graph_t *, tact_output_t, const int *, int, bool,
                                      const char *, tact_status_t *);

static void gt_reduce_op(gt_reduce_fn build, tact_dtype_t dtype, tact_shape_t shape,
                         const int *axes, int n_axes, bool keep_dims)
{
    tact_status_t st = TACT_STATUS_INIT;
    tact_graph_t *g = tact_graph_new();
    tact_tensor_t *x = gt_tensor(dtype, shape, 7);
    tact_op_t *op = gt_op(build(g, gt_placeholder(g, x), axes, n_axes, keep_dims, NULL, &st), &st);
    gt_compare(op, (const tact_tensor_t *const[]){x}, 1);
    tact_tensor_destroy(&x);
    tact_graph_destroy(&g);
}

/* Max, Min and Prod: a thread per output (short reductions) and a block per output (long
 * ones; a product of 100 of gt_set's values stays finite and meets a zero), over nothing. */
static void test_math_reduce(void **state)
{
    (void) state;
    gt_gpu();
    const gt_reduce_fn builders[] = {tact_reduce_max, tact_reduce_min, tact_reduce_prod};
    const tact_dtype_t dtypes[] = {F32, F64};
    for (size_t f = 0; f < 3; f++) {
        for (size_t d = 0; d < 2; d++) {
            tact_dtype_t dt = dtypes[d];
            gt_reduce_op(builders[f], dt, SHP(3, 4, 5, 6), (int[]){0, 2}, 2, false);
            gt_reduce_op(builders[f], dt, SHP(3, 4, 5, 6), (int[]){-1}, 1, true);
            gt_reduce_op(builders[f], dt, SHP(2, 3, 100), (int[]){1}, 1, false);
            gt_reduce_op(builders[f], dt, SHP(2, 100, 3), (int[]){0}, 1, false);
            gt_reduce_op(builders[f], dt, SHP(2, 3, 0), (int[]){1}, 1, false); /* over nothing */
            gt_reduce_op(builders[f], dt, SHP(2, 5, 7), (int[]){0}, 0, false); /* no axes */
            if (builders[f] != tact_reduce_prod) {
                gt_reduce_op(builders[f], dt, SHP(1, 100003), NULL, 0, false);
                gt_reduce_op(builders[f], dt, SHP(2, 2049, 33), (int[]){0}, 1, true);
                /* split over blocks, and the column kernel over parts of the rows */
                gt_reduce_op(builders[f], dt, SHP(1, 1 << 21), NULL, 0, false);
                gt_reduce_op(builders[f], dt, SHP(2, 5000, 100), (int[]){0}, 1, false);
            }
        }
    }
}

static void test_add_n(void **state)
{
    (void) state;
    gt_gpu();
    const tact_shape_t shapes[] = {SHP(2, 3, 343), SCALAR, SHP(1, 0)};
    for (size_t s = 0; s < 3; s++) {
        tact_status_t st = TACT_STATUS_INIT;
        tact_graph_t *g = tact_graph_new();
        tact_tensor_t *x[3];
        tact_output_t p[3];
        for (int i = 0; i < 3; i++) {
            x[i] = gt_tensor(F32, shapes[s], 1 + i);
            p[i] = gt_placeholder(g, x[i]);
        }
        gt_compare(gt_op(tact_add_n(g, p, 3, NULL, &st), &st),
                   (const tact_tensor_t *const[]){x[0], x[1], x[2]}, 3);
        gt_compare(gt_op(tact_add_n(g, p, 1, NULL, &st), &st), (const tact_tensor_t *const[]){x[0]},
                   1);
        for (int i = 0; i < 3; i++)
            tact_tensor_destroy(&x[i]);
        tact_graph_destroy(&g);
    }
}

static void gt_batch_matmul(tact_shape_t sx, tact_shape_t sy, bool adj_x, bool adj_y)
{
    tact_status_t st = TACT_STATUS_INIT;
    tact_graph_t *g = tact_graph_new();
    tact_tensor_t *x = gt_tensor(F32, sx, 5);
    tact_tensor_t *y = gt_tensor(F32, sy, 6);
    tact_op_t *op = gt_op(
        tact_batch_matmul(g, gt_placeholder(g, x), gt_placeholder(g, y), adj_x, adj_y, NULL, &st),
        &st);
    gt_compare(op, (const tact_tensor_t *const[]){x, y}, 2);
    tact_tensor_destroy(&x);
    tact_tensor_destroy(&y);
    tact_graph_destroy(&g);
}

/* BatchMatMulV2: batches that line up in one strided-batched gemm (equal batch dimensions, or
 * one side a single matrix), other broadcasts a gemm per batch, the adjoints, no inner
 * dimension (zeros), no rows. */
static void test_batch_matmul(void **state)
{
    (void) state;
    gt_gpu();
    for (int t = 0; t < 4; t++) {
        bool ax = (t & 1) != 0;
        bool ay = (t & 2) != 0;
        gt_batch_matmul(ax ? SHP(4, 2, 3, 5, 4) : SHP(4, 2, 3, 4, 5),
                        ay ? SHP(4, 2, 3, 6, 5) : SHP(4, 2, 3, 5, 6), ax, ay);
        gt_batch_matmul(ax ? SHP(3, 4, 5, 4) : SHP(3, 4, 4, 5), ay ? SHP(2, 6, 5) : SHP(2, 5, 6),
                        ax, ay);
        gt_batch_matmul(ax ? SHP(2, 5, 4) : SHP(2, 4, 5), ay ? SHP(3, 3, 6, 5) : SHP(3, 3, 5, 6),
                        ax, ay);
        gt_batch_matmul(ax ? SHP(4, 2, 1, 5, 4) : SHP(4, 2, 1, 4, 5),
                        ay ? SHP(3, 3, 6, 5) : SHP(3, 3, 5, 6), ax, ay);
    }
    gt_batch_matmul(SHP(3, 2, 33, 130), SHP(3, 2, 130, 17), false, false);
    gt_batch_matmul(SHP(3, 2, 3, 0), SHP(3, 2, 0, 4), false, false); /* zeros */
    gt_batch_matmul(SHP(3, 2, 0, 3), SHP(3, 2, 3, 4), false, false); /* no rows */
}

/* Kernels the GPU does not have fail with UNIMPLEMENTED, naming the op type and dtype. */
static void test_unsupported(void **state)
{
    (void) state;
    void *ctx = gt_gpu();
    tact_status_t st = TACT_STATUS_INIT;
    tact_graph_t *g = tact_graph_new();
    tact_tensor_t *a = gt_tensor(I32, SHP(2, 2, 2), 1);
    tact_output_t p = gt_placeholder(g, a);
    tact_op_t *div = gt_op(tact_divide(g, p, p, NULL, &st), &st);
    tact_op_t *mm = gt_op(tact_matmul(g, p, p, false, false, NULL, &st), &st);
    void *dev = gt_region(a->nbytes);
    void *dout = gt_region(a->nbytes);
    tact_tensor_t ga = gt_on_gpu(a, dev);
    tact_tensor_t go = gt_on_gpu(a, dout);
    const tact_tensor_t *in[2] = {&ga, &ga};
    assert_int_equal(BE->kernel(ctx, div, in, &go, &st), TACT_CODE_UNIMPLEMENTED);
    assert_non_null(strstr(st.msg, "'Div'"));
    assert_non_null(strstr(st.msg, "int32"));
    st = (tact_status_t) TACT_STATUS_INIT;
    assert_int_equal(BE->kernel(ctx, mm, in, &go, &st), TACT_CODE_UNIMPLEMENTED);
    /* A failed status is left alone. */
    tact_status_t failed = {TACT_CODE_CANCELLED, "earlier"};
    assert_int_equal(BE->kernel(ctx, mm, in, &go, &failed), TACT_CODE_CANCELLED);
    assert_int_equal(BE->sync(ctx, &failed), TACT_CODE_CANCELLED);
    assert_string_equal(failed.msg, "earlier");
    BE->region_free(0, dev);
    BE->region_free(0, dout);
    tact_tensor_destroy(&a);
    tact_graph_destroy(&g);
}

int main(void)
{
    if (tu_must_fail_without_gpu("test_cuda", BE->count()))
        return 1;
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_backend_table),
        cmocka_unit_test(test_count_and_query),
        cmocka_unit_test(test_open_bind_close),
        cmocka_unit_test(test_fatal_errors),
        cmocka_unit_test(test_no_gpu_reason),
        cmocka_unit_test(test_copies),
        cmocka_unit_test(test_copies_back_to_back),
        cmocka_unit_test(test_copy_waits_for_kernels),
        cmocka_unit_test(test_contexts_share_ordering),
        cmocka_unit_test(test_binary),
        cmocka_unit_test(test_unary),
        cmocka_unit_test(test_softmax),
        cmocka_unit_test(test_matmul),
        cmocka_unit_test(test_reduce),
        cmocka_unit_test(test_transpose),
        cmocka_unit_test(test_cast),
        cmocka_unit_test(test_fill),
        cmocka_unit_test(test_unsupported),
        cmocka_unit_test(test_math_unary),
        cmocka_unit_test(test_math_binary),
        cmocka_unit_test(test_math_reduce),
        cmocka_unit_test(test_add_n),
        cmocka_unit_test(test_batch_matmul),
    };
    int failed = cmocka_run_group_tests_name("cuda", tests, NULL, NULL);
    if (gt_ctx != NULL)
        BE->close(gt_ctx);
    return failed;
}
