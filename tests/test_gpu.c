/* SPDX-License-Identifier: MIT */
/* The GPU device on a backend over host memory (fake_gpu.h): GPU-first placement, copies to
 * and from GPU memory as copy nodes, the partition graphs, the GPU actor running alongside
 * the calling thread, memory options and their errors, visible devices and the process-wide
 * id mapping, a failing GPU kernel stopping the run.
 *
 * The simplest use:
 *     fake_gpu_install(1);
 *     c = tact_matmul(g, a, b, ...);        // placed on GPU:0, a and b beside it
 *     tu_run1(s, c, ...);                   // the result copied back to host memory
 *     fake_gpu_uninstall();
 */
#include "runtime/session_impl.h"
#include "tests/fake_gpu.h"

#include <setjmp.h>
#include <cmocka.h>
#include <pthread.h>
#include <string.h>

#include <tact/scope.h>

#include "tests/helpers.h"

#define CPU(n) "/job:localhost/replica:0/task:0/device:CPU:" #n
#define GPU(n) "/job:localhost/replica:0/task:0/device:GPU:" #n

static const float v6[] = { 1, 2, 3, 4, 5, 6 };

typedef struct log_capture {
    char lines[32][256];
    int n;
} log_capture_t;

static void capture(tact_log_level_t level, const char *msg, void *user)
{
    log_capture_t *c = user;
    if (level == TACT_LOG_INFO && c->n < 32)
        snprintf(c->lines[c->n++], sizeof c->lines[0], "%s", msg);
}

static int setup(void **state)
{
    (void) state;
    fake_gpu_install(1);
    return 0;
}

static int teardown(void **state)
{
    (void) state;
    fake_gpu_uninstall();
    return 0;
}

/* a (2x3) and b (3x2) pinned by `scope` (NULL: none), c = matmul(a, b) unpinned. */
static tact_output_t seed_matmul(tact_graph_t *g, const char *scope, tact_status_t *st)
{
    tact_output_t a, b;
    {
        TACT_DEVICE_SCOPE(g, scope);
        a = tu_const_f32(g, (int64_t[]) { 2, 3 }, 2, v6, "a", st);
        b = tu_const_f32(g, (int64_t[]) { 3, 2 }, 2, v6, "b", st);
    }
    return tact_matmul(g, a, b, false, false, NULL, st);
}

/* Scenario S6 with a GPU: everything unpinned goes to GPU:0, the constants beside the
 * MatMul; the result comes back to host memory; the log has the mapping and the lines. */
static void test_gpu_first_placement_and_log(void **state)
{
    (void) state;
    tact_status_t st = TACT_STATUS_INIT;
    tact_graph_t *g = tact_graph_new();
    tact_output_t c = seed_matmul(g, NULL, &st);
    log_capture_t cap = { .n = 0 };
    tact_log_set_callback(capture, &cap);
    tact_config_t cfg = { .log_device_placement = true };
    tact_session_t *s = tu_session(g, &cfg);
    tact_tensor_t *r = tu_run1(s, c, NULL, 0, &st);
    tact_log_set_callback(NULL, NULL);
    assert_int_equal(st.code, TACT_CODE_OK);
    assert_string_equal(tu_str(r), "[[22. 28.]\n [49. 64.]]");
    tact_tensor_destroy(&r);
    assert_string_equal(tact_session_op_device(s, c.op), GPU(0));
    assert_string_equal(tact_session_op_device(s, tact_op_input(c.op, 0).op), GPU(0));
    int line = 0;
    while (line < cap.n && strncmp(cap.lines[line], "Device mapping:", 15) != 0)
        line++;
    assert_true(line < cap.n);
    assert_string_equal(cap.lines[line],
                        "Device mapping:\n" GPU(0) " -> device: 0, name: Fake GPU, pci bus id: "
                        "0000:01:00.0, compute capability: 9.0");
    assert_string_equal(cap.lines[cap.n - 3], "MatMul: (MatMul): " GPU(0));
    assert_string_equal(cap.lines[cap.n - 2], "a: (Const): " GPU(0));
    assert_string_equal(cap.lines[cap.n - 1], "b: (Const): " GPU(0));
    /* list_devices: CPU:0 then GPU:0 with its allocator's limit and description */
    tact_device_info_t d[4];
    assert_int_equal(tact_session_list_devices(s, d, 4), 2);
    assert_string_equal(d[1].name, GPU(0));
    assert_string_equal(d[1].kind, "GPU");
    /* 3.5 GiB free: the limit keeps back max(300 MiB, 5 %) (spec §4) */
    size_t avail = (size_t) 7 << 29;
    assert_int_equal(d[1].memory_limit, (int64_t) (avail - (size_t) 300 * 1048576));
    assert_true(tu_contains(d[1].description, "device: 0, name: Fake GPU"));
    tact_session_destroy(&s);
    tact_graph_destroy(&g);
}

/* Scenario S5 with a GPU: a and b pinned to the CPU, MatMul on GPU:0; the plan copies both
 * inputs in and the result out, and the partition graphs show the copies. */
static void test_manual_placement_copies_and_partitions(void **state)
{
    (void) state;
    tact_status_t st = TACT_STATUS_INIT;
    tact_graph_t *g = tact_graph_new();
    tact_output_t c = seed_matmul(g, "/cpu:0", &st);
    tact_session_t *s = tu_session(g, NULL);
    tact_run_metadata_t md = { 0 };
    tact_run_options_t opts = { .metadata = &md };
    tact_tensor_t *r = NULL;
    assert_int_equal(tact_session_run_ex(s, &opts, &c, 1, &r, NULL, 0, NULL, 0, &st),
                     TACT_CODE_OK);
    assert_string_equal(tu_str(r), "[[22. 28.]\n [49. 64.]]");
    tact_tensor_destroy(&r);
    assert_string_equal(tact_session_op_device(s, c.op), GPU(0));
    assert_string_equal(tact_session_op_device(s, tact_op_input(c.op, 0).op), CPU(0));
    assert_int_equal(md.n_partitions, 2);
    assert_string_equal(md.partitions[0].device, CPU(0));
    assert_int_equal(md.partitions[0].n_nodes, 2);
    assert_string_equal(md.partitions[0].graph, "a = Const()\nb = Const()\n");
    assert_string_equal(md.partitions[1].device, GPU(0));
    assert_int_equal(md.partitions[1].n_nodes, 1);
    assert_int_equal(md.partitions[1].n_recvs, 2);
    assert_int_equal(md.partitions[1].n_sends, 1);
    assert_string_equal(md.partitions[1].graph,
                        "a/_0 = _Recv(a:0 from " CPU(0) ")\n"
                        "b/_1 = _Recv(b:0 from " CPU(0) ")\n"
                        "MatMul = MatMul(a/_0, b/_1)\n"
                        "MatMul/_2 = _Send(MatMul:0 to " CPU(0) ")\n");
    tact_run_metadata_clear(&md);
    assert_int_equal(md.n_partitions, 0);
    assert_null(md.partitions[1].graph);
    tact_session_destroy(&s);
    tact_graph_destroy(&g);
}

/* Ops without a GPU kernel (integer division, variables and their updates) stay on the CPU
 * and their values cross to the GPU ops that read them; a feed goes in, a fetch comes out. */
static void test_mixed_graph_with_variable_and_feeds(void **state)
{
    (void) state;
    tact_status_t st = TACT_STATUS_INIT;
    tact_graph_t *g = tact_graph_new();
    tact_output_t x = tact_placeholder(g, TACT_DTYPE_F32, (int64_t[]) { 2 }, 1, "x", &st);
    tact_output_t v = tact_variable(g, tu_const_f32(g, (int64_t[]) { 2 }, 1,
                                                    (float[]) { 10, 20 }, "v0", &st), "v", &st);
    tact_output_t y = tact_add(g, x, v, "y", &st);      /* GPU */
    tact_output_t q = tact_divide(g, tu_const_i32(g, NULL, 0, (int32_t[]) { 7 }, "seven", &st),
                                  tu_const_i32(g, NULL, 0, (int32_t[]) { 2 }, "two", &st), "q",
                                  &st);                  /* integer Div: CPU only */
    tact_output_t bump = tact_assign_add(g, v, y, "bump", &st);
    assert_int_equal(st.code, TACT_CODE_OK);
    tact_session_t *s = tu_session(g, NULL);
    /* reading v before it has a value: the copy to the GPU reports it */
    tact_tensor_t *xv = tu_f32((int64_t[]) { 2 }, 1, (float[]) { 1, 2 });
    tact_feed_t feed = { x, xv };
    tact_tensor_t *r = tu_run1(s, y, &feed, 1, &st);
    assert_null(r);
    assert_int_equal(st.code, TACT_CODE_FAILED_PRECONDITION);
    assert_true(tu_contains(st.msg, "Attempting to use uninitialized value v"));
    st = (tact_status_t) TACT_STATUS_INIT;
    tact_op_t *init = tact_global_variables_initializer(g, &st);
    assert_int_equal(tact_session_run(s, NULL, 0, NULL, NULL, 0, &init, 1, &st), TACT_CODE_OK);
    tact_output_t fetches[3] = { y, q, bump };
    tact_tensor_t *rs[3] = { NULL };
    assert_int_equal(tact_session_run(s, fetches, 3, rs, &feed, 1, NULL, 0, &st), TACT_CODE_OK);
    assert_string_equal(tu_str(rs[0]), "[11. 22.]");
    assert_string_equal(tu_str(rs[1]), "3");
    assert_string_equal(tu_str(rs[2]), "[21. 42.]");
    for (int i = 0; i < 3; i++)
        tact_tensor_destroy(&rs[i]);
    assert_string_equal(tact_session_op_device(s, y.op), GPU(0));
    assert_string_equal(tact_session_op_device(s, q.op), CPU(0));
    assert_string_equal(tact_session_op_device(s, v.op), CPU(0));
    assert_string_equal(tact_session_op_device(s, bump.op), CPU(0));
    tact_tensor_destroy(&xv);
    tact_session_destroy(&s);
    tact_graph_destroy(&g);
}

/* Soft placement with a GPU (spec §3.4): /gpu:3 on one GPU goes to GPU:0; a GPU-pinned op
 * without a GPU kernel is an error without soft placement and runs on CPU:0 with it. */
static void test_soft_placement_cases(void **state)
{
    (void) state;
    tact_status_t st = TACT_STATUS_INIT;
    tact_graph_t *g = tact_graph_new();
    tact_output_t a = tu_const_f32(g, NULL, 0, (float[]) { 3 }, "a", &st), m, q;
    {
        TACT_DEVICE_SCOPE(g, "/gpu:3");
        m = tact_multiply(g, a, a, "m", &st);
    }
    {
        TACT_DEVICE_SCOPE(g, "/device:GPU:0");
        q = tact_divide(g, tu_const_i32(g, NULL, 0, (int32_t[]) { 9 }, "nine", &st),
                        tu_const_i32(g, NULL, 0, (int32_t[]) { 2 }, "two", &st), "q", &st);
    }
    tact_session_t *hard = tu_session(g, NULL);
    tact_tensor_t *r = tu_run1(hard, q, NULL, 0, &st);
    assert_null(r);
    assert_int_equal(st.code, TACT_CODE_INVALID_ARGUMENT);
    assert_true(tu_contains(st.msg, "Cannot assign a device for operation q: Could not satisfy "
                                    "explicit device specification '/device:GPU:0' because no "
                                    "supported kernel for GPU devices is available."));
    st = (tact_status_t) TACT_STATUS_INIT;
    r = tu_run1(hard, m, NULL, 0, &st);
    assert_null(r);
    assert_true(tu_contains(st.msg, "Operation was explicitly assigned to /device:GPU:3 but "
                                    "available devices are [ " CPU(0) ", " GPU(0) " ]"));
    tact_session_destroy(&hard);
    st = (tact_status_t) TACT_STATUS_INIT;
    tact_config_t soft_cfg = { .allow_soft_placement = true };
    tact_session_t *soft = tu_session(g, &soft_cfg);
    r = tu_run1(soft, m, NULL, 0, &st);
    assert_string_equal(tu_str(r), "9.0");
    tact_tensor_destroy(&r);
    assert_string_equal(tact_session_op_device(soft, m.op), GPU(0));
    r = tu_run1(soft, q, NULL, 0, &st);
    assert_string_equal(tu_str(r), "4");
    tact_tensor_destroy(&r);
    assert_string_equal(tact_session_op_device(soft, q.op), CPU(0));
    tact_session_destroy(&soft);
    tact_graph_destroy(&g);
}

/* per_process_gpu_memory_fraction is a hard cap: a tensor over it is RESOURCE_EXHAUSTED naming
 * the shape, dtype, device, allocator and node, and the session stays usable. allow_growth
 * reserves 2 MiB first; the stats call reports it. */
static void test_memory_fraction_growth_and_stats(void **state)
{
    (void) state;
    tact_status_t st = TACT_STATUS_INIT;
    tact_graph_t *g = tact_graph_new();
    tact_output_t x = tact_placeholder(g, TACT_DTYPE_F32, (int64_t[]) { -1, -1 }, 2, "x", &st);
    tact_output_t y = tact_add(g, x, x, "y", &st);
    tact_config_t cfg = { .gpu_options = { .allow_growth = true,
                                           .per_process_gpu_memory_fraction = 0.01 } };
    tact_session_t *s = tu_session(g, &cfg);
    size_t limit = (size_t) ((double) ((size_t) 4 << 30) * 0.01);
    tact_memory_stats_t ms;
    assert_int_equal(tact_session_memory_stats(s, "/gpu:0", &ms, &st), TACT_CODE_OK);
    assert_int_equal(ms.bytes_limit, (int64_t) limit);
    assert_int_equal(ms.bytes_reserved, 0);  /* allow_growth: nothing until the first tensor */
    tact_tensor_t *small = tact_tensor_new(TACT_DTYPE_F32, (int64_t[]) { 16, 16 }, 2, NULL, &st);
    tact_feed_t f = { x, small };
    tact_tensor_t *r = tu_run1(s, y, &f, 1, &st);
    assert_int_equal(st.code, TACT_CODE_OK);
    tact_tensor_destroy(&r);
    assert_int_equal(tact_session_memory_stats(s, "/device:GPU:0", &ms, &st), TACT_CODE_OK);
    assert_int_equal(ms.bytes_reserved, 2 << 20);
    assert_int_equal(ms.bytes_in_use, 0);
    assert_int_equal(ms.peak_bytes_in_use, 2048);  /* the copy in and the sum */
    /* 8192 x 1024 floats: 32 MiB, over the cap of 1 % of 4 GiB (about 41 MiB) once the
     * copy in and the sum both need a block: the sum's allocation fails */
    tact_tensor_t *big = tact_tensor_new(TACT_DTYPE_F32, (int64_t[]) { 8192, 1024 }, 2, NULL, &st);
    f.value = big;
    r = tu_run1(s, y, &f, 1, &st);
    assert_null(r);
    assert_int_equal(st.code, TACT_CODE_RESOURCE_EXHAUSTED);
    assert_true(tu_contains(st.msg, "OOM when allocating tensor with shape[8192,1024] and type "
                                    "float on " GPU(0) " by allocator GPU_0_bfc"));
    assert_true(tu_contains(st.msg, "[[{{node"));
    st = (tact_status_t) TACT_STATUS_INIT;
    f.value = small;
    r = tu_run1(s, y, &f, 1, &st);  /* still usable */
    assert_int_equal(st.code, TACT_CODE_OK);
    tact_tensor_destroy(&r);
    assert_int_equal(tact_session_memory_stats(s, GPU(0), &ms, &st), TACT_CODE_OK);
    assert_true(ms.num_ooms >= 1);
    assert_true(ms.bytes_reserved <= (int64_t) limit);
    /* errors: a CPU has no allocator of its own; a missing device; a malformed name */
    assert_int_equal(tact_session_memory_stats(s, "/cpu:0", &ms, &st),
                     TACT_CODE_INVALID_ARGUMENT);
    assert_true(tu_contains(st.msg, "Memory stats are not supported for " CPU(0)));
    st = (tact_status_t) TACT_STATUS_INIT;
    assert_int_equal(tact_session_memory_stats(s, "/gpu:1", &ms, &st), TACT_CODE_NOT_FOUND);
    st = (tact_status_t) TACT_STATUS_INIT;
    assert_int_equal(tact_session_memory_stats(s, "/foo:0", &ms, &st),
                     TACT_CODE_INVALID_ARGUMENT);
    st = (tact_status_t) TACT_STATUS_INIT;
    tact_tensor_destroy(&big);
    tact_tensor_destroy(&small);
    tact_session_destroy(&s);
    tact_graph_destroy(&g);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_gpu_first_placement_and_log, setup, teardown),
        cmocka_unit_test_setup_teardown(test_manual_placement_copies_and_partitions, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_mixed_graph_with_variable_and_feeds, setup, teardown),
        cmocka_unit_test_setup_teardown(test_soft_placement_cases, setup, teardown),
        cmocka_unit_test_setup_teardown(test_memory_fraction_growth_and_stats, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
