/* SPDX-License-Identifier: MIT */
/* Sessions on a real CUDA GPU, end to end: GPU-first placement, values against a CPU-only
 * session over the same graph, variables updated on the GPU from several threads, two
 * sessions sharing the GPU at once, an allocation past the GPU's memory failing in
 * TensorFlow's words with the session going on, and the allocator's figures. test_gpu covers
 * the same paths on a fake GPU everywhere; this program checks them on the hardware, and
 * skips every test with a clear message where no CUDA GPU is visible (TACT_REQUIRE_GPU=1
 * makes that a failure, for machines meant to have one). */
#include "devices/gpu/gpu_device.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h> /* after the four above, which it needs */

#include <cuda_runtime_api.h> /* cudaHostAlloc: a fed tensor in pinned memory */

#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tests/helpers.h"

#define GPU0 "/job:localhost/replica:0/task:0/device:GPU:0"
#define CPU0 "/job:localhost/replica:0/task:0/device:CPU:0"

static void need_gpu(void)
{
    const tact_gpu_backend_t *b = tact__gpu_backend();
    if (b == NULL || b->count() == 0)
        skip();
}

/* x[64,256] -> relu(x w + b) -> softmax, w and b constants, x fed. */
typedef struct mlp {
    tact_graph_t *g;
    tact_output_t x, y;
    tact_tensor_t *xv;
} mlp_t;

static mlp_t mlp_new(void)
{
    tact_status_t st = TACT_STATUS_INIT;
    mlp_t m = { .g = tact_graph_new() };
    m.x = tact_placeholder(m.g, TACT_DTYPE_F32, (int64_t[]) { 64, 256 }, 2, "x", &st);
    float *wd = malloc(256 * 128 * sizeof *wd), bd[128];
    for (int i = 0; i < 256 * 128; i++)
        wd[i] = (float) ((i * 53) % 97) / 480.0f - 0.1f;
    for (int i = 0; i < 128; i++)
        bd[i] = (float) (i % 7) / 7.0f - 0.5f;
    tact_output_t w = tu_const_f32(m.g, (int64_t[]) { 256, 128 }, 2, wd, "w", &st);
    tact_output_t b = tu_const_f32(m.g, (int64_t[]) { 128 }, 1, bd, "b", &st);
    free(wd);
    tact_output_t h = tact_relu(m.g, tact_add(m.g, tact_matmul(m.g, m.x, w, false, false, "mm",
                                                               &st), b, "plus", &st), "h", &st);
    m.y = tact_softmax(m.g, h, "y", &st);
    assert_int_equal(st.code, TACT_CODE_OK);
    float *data = malloc(64 * 256 * sizeof *data);
    for (int i = 0; i < 64 * 256; i++)
        data[i] = (float) ((i * 37) % 101) / 50.0f - 1.0f;
    m.xv = tu_f32((int64_t[]) { 64, 256 }, 2, data);
    free(data);
    return m;
}

static void mlp_free(mlp_t *m)
{
    tact_tensor_destroy(&m->xv);
    tact_graph_destroy(&m->g);
}

/* An MLP on GPU:0, its values those of a CPU-only session over the same graph; x fed from
 * pinned memory (borrowed, so it goes by DMA) gives the same bits as x fed from pageable. */
static void test_values_match_the_cpu(void **state)
{
    (void) state;
    need_gpu();
    tact_status_t st = TACT_STATUS_INIT;
    mlp_t m = mlp_new();
    tact_config_t cpu_only = { .device_count.gpu = TACT_DEVICE_COUNT_NONE };
    tact_session_t *gs = tu_session(m.g, NULL), *cs = tu_session(m.g, &cpu_only);
    tact_feed_t feed = { m.x, m.xv };
    tact_tensor_t *on_gpu = tu_run1(gs, m.y, &feed, 1, &st);
    tact_tensor_t *on_cpu = tu_run1(cs, m.y, &feed, 1, &st);
    assert_int_equal(st.code, TACT_CODE_OK);
    assert_string_equal(tact_session_op_device(gs, m.y.op), GPU0);
    assert_string_equal(tact_session_op_device(cs, m.y.op), CPU0);
    const float *a = tact_tensor_data(on_gpu), *b = tact_tensor_data(on_cpu);
    for (int i = 0; i < 64 * 128; i++)
        assert_true(fabsf(a[i] - b[i]) <= 1e-5f + 1e-4f * fabsf(b[i]));

    void *pinned = NULL;
    const size_t bytes = tact_tensor_nbytes(m.xv);
    assert_int_equal(cudaHostAlloc(&pinned, bytes, cudaHostAllocDefault), cudaSuccess);
    memcpy(pinned, tact_tensor_data(m.xv), bytes);
    tact_tensor_t *xp = tact_tensor_new_borrowed(TACT_DTYPE_F32, (int64_t[]) { 64, 256 }, 2,
                                                 pinned, bytes, NULL, NULL, &st);
    tact_feed_t pinned_feed = { m.x, xp };
    tact_tensor_t *from_pinned = tu_run1(gs, m.y, &pinned_feed, 1, &st);
    assert_int_equal(st.code, TACT_CODE_OK);
    assert_memory_equal(tact_tensor_data(from_pinned), a, 64 * 128 * sizeof(float));
    tact_tensor_destroy(&from_pinned);
    tact_tensor_destroy(&xp);
    assert_int_equal(cudaFreeHost(pinned), cudaSuccess);
    tact_tensor_destroy(&on_gpu);
    tact_tensor_destroy(&on_cpu);
    tact_session_destroy(&gs);
    tact_session_destroy(&cs);
    mlp_free(&m);
}

typedef struct worker {
    tact_session_t *s;
    tact_output_t fetch;
    const tact_feed_t *feed;
    int runs, failures;
    const tact_tensor_t *want;  /* NULL: no check */
} worker_t;

static void *worker_main(void *p)
{
    worker_t *w = p;
    for (int i = 0; i < w->runs; i++) {
        tact_status_t st = TACT_STATUS_INIT;
        tact_tensor_t *r = tu_run1(w->s, w->fetch, w->feed, w->feed ? 1 : 0, &st);
        if (r == NULL || (w->want != NULL &&
                          memcmp(tact_tensor_data(r), tact_tensor_data(w->want),
                                 tact_tensor_nbytes(r)) != 0))
            w->failures++;
        tact_tensor_destroy(&r);
    }
    return NULL;
}

static void run_workers(worker_t *w, int n)
{
    pthread_t th[8];
    for (int i = 0; i < n; i++)
        assert_int_equal(pthread_create(&th[i], NULL, worker_main, &w[i]), 0);
    for (int i = 0; i < n; i++) {
        assert_int_equal(pthread_join(th[i], NULL), 0);
        assert_int_equal(w[i].failures, 0);
    }
}

/* A variable on the GPU, 4 threads x 50 AssignAdd of ones: every update lands. */
static void test_variable_updates_on_the_gpu(void **state)
{
    (void) state;
    need_gpu();
    tact_status_t st = TACT_STATUS_INIT;
    tact_graph_t *g = tact_graph_new();
    tact_output_t v = tact_variable(g, tact_zeros(g, TACT_DTYPE_F32, (int64_t[]) { 1000 }, 1,
                                                  "v0", &st), "v", &st);
    tact_output_t inc = tact_assign_add(g, v, tact_ones(g, TACT_DTYPE_F32, (int64_t[]) { 1000 },
                                                        1, "one", &st), "inc", &st);
    tact_op_t *init = tact_global_variables_initializer(g, &st);
    assert_int_equal(st.code, TACT_CODE_OK);
    tact_session_t *s = tu_session(g, NULL);
    tu_run_op(s, init);
    worker_t w[4];
    for (int i = 0; i < 4; i++)
        w[i] = (worker_t) { .s = s, .fetch = inc, .runs = 50 };
    run_workers(w, 4);
    tact_tensor_t *r = tu_run1(s, v, NULL, 0, &st);
    assert_int_equal(st.code, TACT_CODE_OK);
    const float *d = tact_tensor_data(r);
    for (int i = 0; i < 1000; i++)
        assert_true(d[i] == 200.0f);
    tact_tensor_destroy(&r);
    assert_string_equal(tact_session_op_device(s, v.op), GPU0);
    assert_string_equal(tact_session_op_device(s, inc.op), GPU0);
    tact_session_destroy(&s);
    tact_graph_destroy(&g);
}

/* Two sessions on the GPU at once, two threads each: the results are always those of one
 * run alone (the sessions share the GPU's allocator and streams). */
static void test_two_sessions_share_the_gpu(void **state)
{
    (void) state;
    need_gpu();
    tact_status_t st = TACT_STATUS_INIT;
    mlp_t m = mlp_new();
    tact_session_t *s1 = tu_session(m.g, NULL), *s2 = tu_session(m.g, NULL);
    tact_feed_t feed = { m.x, m.xv };
    tact_tensor_t *want = tu_run1(s1, m.y, &feed, 1, &st);
    assert_non_null(want);
    worker_t w[4];
    for (int i = 0; i < 4; i++)
        w[i] = (worker_t) { .s = i % 2 ? s2 : s1, .fetch = m.y, .feed = &feed, .runs = 100,
                            .want = want };
    run_workers(w, 4);
    tact_tensor_destroy(&want);
    tact_session_destroy(&s1);
    tact_session_destroy(&s2);
    mlp_free(&m);
}

/* A tensor larger than any GPU: RESOURCE_EXHAUSTED in TensorFlow's words, naming the shape,
 * the device and the node; the session runs on, and the allocator counts the refusal. */
static void test_oom_and_memory_stats(void **state)
{
    (void) state;
    need_gpu();
    tact_status_t st = TACT_STATUS_INIT;
    tact_graph_t *g = tact_graph_new();
    tact_output_t huge = tact_fill(g, TACT_DTYPE_F32, (int64_t[]) { (int64_t) 1 << 38 }, 1, 1,
                                   "huge", &st);
    tact_output_t big = tact_fill(g, TACT_DTYPE_F32, (int64_t[]) { 1 << 24 }, 1, 2, "big", &st);
    tact_output_t total = tact_reduce_sum(g, big, NULL, 0, false, "total", &st);
    assert_int_equal(st.code, TACT_CODE_OK);
    tact_session_t *s = tu_session(g, NULL);
    tact_tensor_t *r = tu_run1(s, huge, NULL, 0, &st);
    assert_null(r);
    assert_int_equal(st.code, TACT_CODE_RESOURCE_EXHAUSTED);
    assert_true(tu_contains(st.msg, "OOM when allocating tensor with shape[274877906944] and "
                                    "type float on " GPU0 " by allocator GPU_0_bfc"));
    assert_true(tu_contains(st.msg, "[[{{node huge}}]]"));
    st = (tact_status_t) TACT_STATUS_INIT;
    r = tu_run1(s, total, NULL, 0, &st);
    assert_int_equal(st.code, TACT_CODE_OK);
    assert_true(*(const float *) tact_tensor_data(r) == 2.0f * (float) (1 << 24));
    tact_tensor_destroy(&r);
    tact_memory_stats_t ms;
    assert_int_equal(tact_session_memory_stats(s, "/gpu:0", &ms, &st), TACT_CODE_OK);
    assert_true(ms.bytes_limit > 0 && ms.bytes_reserved <= ms.bytes_limit);
    assert_true(ms.peak_bytes_in_use >= (int64_t) 4 << 24);  /* big: 64 MiB */
    assert_true(ms.num_ooms >= 1);
    tact_session_destroy(&s);
    tact_graph_destroy(&g);
}

int main(void)
{
    const tact_gpu_backend_t *b = tact__gpu_backend();
    if (tu_must_fail_without_gpu("test_cuda_session", b != NULL ? b->count() : 0))
        return 1;
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_values_match_the_cpu),
        cmocka_unit_test(test_variable_updates_on_the_gpu),
        cmocka_unit_test(test_two_sessions_share_the_gpu),
        cmocka_unit_test(test_oom_and_memory_stats),
    };
    return cmocka_run_group_tests_name("cuda_session", tests, NULL, NULL);
}
