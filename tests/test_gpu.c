/* SPDX-License-Identifier: MIT */
/* The GPU device on a backend over host memory (fake_gpu.h): GPU-first placement, copies to
 * and from GPU memory as copy nodes, the partition graphs, the GPU actor running alongside
 * the calling thread, variables in GPU memory and their first placement kept, memory options
 * and their errors, visible devices and the process-wide id mapping, a failing GPU kernel
 * stopping the run, two GPUs under concurrent runs, values against the CPU's, timeouts and
 * close while a GPU fragment waits on the host.
 *
 * The simplest use:
 *     fake_gpu_install(1);
 *     c = tact_matmul(g, a, b, ...);        // placed on GPU:0, a and b beside it
 *     tu_run1(s, c, ...);                   // the result copied back to host memory
 *     fake_gpu_uninstall();
 */
#include "runtime/exec/session_impl.h"
#include "tests/fake_gpu.h"
#include "runtime/base/host_alloc.h"

#include <setjmp.h>
#include <cmocka.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

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
    /* No copy into GPU memory went ahead of work queued on that memory. */
    int unordered = atomic_load(&fake_gpu.unordered_copies);
    fake_gpu_uninstall();
    assert_int_equal(unordered, 0);
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
    assert_int_equal(md.partitions[0].n_sends, 2);
    assert_int_equal(md.partitions[0].n_recvs, 1);
    /* Each edge's pair: the _Send on the maker's partition, the _Recv on the reader's. */
    assert_string_equal(md.partitions[0].graph,
                        "a = Const()\n"
                        "a/_0 = _Send(a:0 to " GPU(0) ")\n"
                        "b = Const()\n"
                        "b/_2 = _Send(b:0 to " GPU(0) ")\n"
                        "MatMul/_5 = _Recv(MatMul:0 from " GPU(0) ")\n"
                        "_retval_MatMul_0_0 = _Retval(MatMul/_5)\n");
    assert_string_equal(md.partitions[1].device, GPU(0));
    assert_int_equal(md.partitions[1].n_nodes, 1);
    assert_int_equal(md.partitions[1].n_recvs, 2);
    assert_int_equal(md.partitions[1].n_sends, 1);
    assert_string_equal(md.partitions[1].graph,
                        "a/_1 = _Recv(a:0 from " CPU(0) ")\n"
                        "b/_3 = _Recv(b:0 from " CPU(0) ")\n"
                        "MatMul = MatMul(a/_1, b/_3)\n"
                        "MatMul/_4 = _Send(MatMul:0 to " CPU(0) ")\n");
    tact_run_metadata_clear(&md);
    assert_int_equal(md.n_partitions, 0);
    assert_null(md.partitions[1].graph);
    tact_session_destroy(&s);
    tact_graph_destroy(&g);
}

/* Variables live on the GPU with the ops that update them; an op without a GPU kernel
 * (integer division) stays on the CPU; a feed goes in, a fetch comes out. The fake GPU's
 * memory is PROT_NONE to the host, so a value read where it does not live crashes. */
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
    tu_run_op(s, init);
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
    assert_string_equal(tact_session_op_device(s, v.op), GPU(0));
    assert_string_equal(tact_session_op_device(s, bump.op), GPU(0));
    /* the update stayed on the GPU: v is now [21, 42], fetched through a copy out */
    r = tu_run1(s, v, NULL, 0, &st);
    assert_string_equal(tu_str(r), "[21. 42.]");
    tact_tensor_destroy(&r);
    tact_tensor_destroy(&xv);
    tact_session_destroy(&s);
    tact_graph_destroy(&g);
}

/* Run `fetch` in s and check that its value prints as `want`. */
static void check_value(tact_session_t *s, tact_output_t fetch, const char *want)
{
    tact_status_t st = TACT_STATUS_INIT;
    tact_tensor_t *r = tu_run1(s, fetch, NULL, 0, &st);
    assert_int_equal(st.code, TACT_CODE_OK);
    assert_string_equal(tu_str(r), want);
    tact_tensor_destroy(&r);
}

typedef struct run_worker {
    tact_session_t *s;
    tact_output_t fetch;
    int runs;
    int failures;
} run_worker_t;

static void *run_worker_main(void *p)
{
    run_worker_t *w = p;
    for (int i = 0; i < w->runs; i++) {
        tact_status_t st = TACT_STATUS_INIT;
        tact_tensor_t *r = tu_run1(w->s, w->fetch, NULL, 0, &st);
        w->failures += r == NULL;
        tact_tensor_destroy(&r);
    }
    return NULL;
}

/* A variable on the GPU: fetching it before it has a value fails as on the CPU; Assign,
 * AssignAdd and AssignSub, and updates from several threads at once; a
 * second session over the graph has its own value. */
static void test_variable_on_gpu(void **state)
{
    (void) state;
    tact_status_t st = TACT_STATUS_INIT;
    tact_graph_t *g = tact_graph_new();
    tact_output_t v = tact_variable(g, tu_const_f32(g, (int64_t[]) { 3 }, 1,
                                                    (float[]) { 1, 2, 3 }, "v0", &st), "v", &st);
    tact_output_t set = tact_assign(g, v, tu_const_f32(g, (int64_t[]) { 3 }, 1,
                                                       (float[]) { 10, 20, 30 }, "ten", &st),
                                    "set", &st);
    tact_output_t ones = tu_const_f32(g, (int64_t[]) { 3 }, 1, (float[]) { 1, 1, 1 }, "ones",
                                      &st);
    tact_output_t inc = tact_assign_add(g, v, ones, "inc", &st);
    tact_output_t dec = tact_assign_sub(g, v, tu_const_f32(g, (int64_t[]) { 3 }, 1,
                                                           (float[]) { 1, 2, 3 }, "d", &st),
                                        "dec", &st);
    tact_op_t *init = tact_global_variables_initializer(g, &st);
    assert_int_equal(st.code, TACT_CODE_OK);
    tact_session_t *s = tu_session(g, NULL), *other = tu_session(g, NULL);
    tact_tensor_t *r = tu_run1(s, v, NULL, 0, &st);
    assert_null(r);
    assert_int_equal(st.code, TACT_CODE_FAILED_PRECONDITION);
    assert_true(tu_contains(st.msg, "Attempting to use uninitialized value v"));
    st = (tact_status_t) TACT_STATUS_INIT;
    r = tu_run1(s, inc, NULL, 0, &st);  /* an update of no value fails too */
    assert_null(r);
    assert_int_equal(st.code, TACT_CODE_FAILED_PRECONDITION);
    assert_true(tu_contains(st.msg, "Attempting to use uninitialized value v"));
    st = (tact_status_t) TACT_STATUS_INIT;
    tu_run_op(s, init);
    tu_run_op(other, init);
    check_value(s, set, "[10. 20. 30.]");
    check_value(s, dec, "[ 9. 18. 27.]");
    /* 4 threads x 25 increments, each atomic */
    pthread_t th[4];
    run_worker_t wk[4];
    for (int i = 0; i < 4; i++) {
        wk[i] = (run_worker_t) { s, inc, 25, 0 };
        assert_int_equal(pthread_create(&th[i], NULL, run_worker_main, &wk[i]), 0);
    }
    for (int i = 0; i < 4; i++) {
        assert_int_equal(pthread_join(th[i], NULL), 0);
        assert_int_equal(wk[i].failures, 0);
    }
    check_value(s, v, "[109. 118. 127.]");
    check_value(other, v, "[1. 2. 3.]");
    const tact_op_t *all[] = { v.op, set.op, inc.op, dec.op };
    for (int i = 0; i < 4; i++)
        assert_string_equal(tact_session_op_device(s, all[i]), GPU(0));
    tact_session_destroy(&s);
    tact_session_destroy(&other);
    tact_graph_destroy(&g);
}

/* Copies into GPU memory overlap the work queued before them unless their block was freed
 * since the GPU last drained: y = -x1 + x2, where x2's copy comes after Neg and gets the block
 * of x1's copy (released after Neg, its last reader), so it must wait; x1's copy goes into
 * memory that nothing queued uses, on the first run and (the run's end drained the GPU) on
 * the next. */
static void test_copy_in_waits_only_for_reused_blocks(void **state)
{
    (void) state;
    tact_status_t st = TACT_STATUS_INIT;
    tact_graph_t *g = tact_graph_new();
    int64_t dims[1] = { 1024 };
    tact_output_t x1 = tact_placeholder(g, TACT_DTYPE_F32, dims, 1, "x1", &st);
    tact_output_t x2 = tact_placeholder(g, TACT_DTYPE_F32, dims, 1, "x2", &st);
    tact_output_t y = tact_add(g, tact_negative(g, x1, "n", &st), x2, "y", &st);
    assert_int_equal(st.code, TACT_CODE_OK);
    float a[1024], b[1024];
    for (int i = 0; i < 1024; i++) {
        a[i] = (float) i;
        b[i] = 2.0f * (float) i;
    }
    tact_tensor_t *ta = tu_f32(dims, 1, a), *tb = tu_f32(dims, 1, b);
    tact_feed_t feeds[2] = { { x1, ta }, { x2, tb } };
    tact_session_t *s = tu_session(g, NULL);
    for (int run = 1; run <= 2; run++) {
        tact_tensor_t *r = tu_run1(s, y, feeds, 2, &st);
        assert_int_equal(st.code, TACT_CODE_OK);
        for (int i = 0; i < 1024; i++)
            assert_true(((float *) r->data)[i] == (float) i);
        tact_tensor_destroy(&r);
        assert_int_equal(atomic_load(&fake_gpu.copies_in_free), run);
        assert_int_equal(atomic_load(&fake_gpu.copies_in_after_work), run);
    }
    tact_session_destroy(&s);
    tact_tensor_destroy(&ta);
    tact_tensor_destroy(&tb);
    tact_graph_destroy(&g);
}

/* The errors of variables on the GPU read as on the CPU: an uninitialised value fetched (no
 * node named) or read by an op (that op named), an update of another shape, and a variable
 * fed where an op on the run would update it. */
static void test_variable_errors_on_gpu(void **state)
{
    (void) state;
    tact_status_t st = TACT_STATUS_INIT;
    tact_graph_t *g = tact_graph_new();
    tact_output_t v = tact_variable(g, tu_const_f32(g, (int64_t[]) { 2 }, 1, (float[]) { 1, 2 },
                                                    "v0", &st), "v", &st);
    tact_output_t y = tact_multiply(g, v, v, "y", &st);
    tact_output_t d = tact_placeholder(g, TACT_DTYPE_F32, NULL, -1, "d", &st);
    tact_output_t add = tact_assign_add(g, v, d, "add", &st);
    tact_output_t set = tact_assign(g, v, d, "set", &st);
    tact_op_t *init = tact_global_variables_initializer(g, &st);
    assert_int_equal(st.code, TACT_CODE_OK);
    tact_session_t *s = tu_session(g, NULL);
    tu_run_fails(s, v, NULL, 0, TACT_CODE_FAILED_PRECONDITION,
                 "Attempting to use uninitialized value v");
    tu_run_fails(s, y, NULL, 0, TACT_CODE_FAILED_PRECONDITION,
                 "Attempting to use uninitialized value v\n\t [[{{node y}}]]");
    tu_run_op(s, init);
    tact_tensor_t *scalar = tu_scalar_f32(3);
    tact_feed_t feed = { d, scalar };
    tu_run_fails(s, add, &feed, 1, TACT_CODE_INVALID_ARGUMENT,
                 "Parameters and update must be the same size\n\t [[{{node add}}]]");
    tact_tensor_t *pair = tu_f32((int64_t[]) { 2 }, 1, (float[]) { 5, 6 });
    tact_feed_t feeds[2] = { { v, pair }, { d, pair } };
    tu_run_fails(s, set, feeds, 2, TACT_CODE_INVALID_ARGUMENT,
                 "Input 0 of node set was passed float from v:0 incompatible with "
                 "expected float_ref.");
    check_value(s, v, "[1. 2.]");
    assert_string_equal(tact_session_op_device(s, v.op), GPU(0));
    tact_tensor_destroy(&scalar);
    tact_tensor_destroy(&pair);
    tact_session_destroy(&s);
    tact_graph_destroy(&g);
}

/* A stateful op keeps its first placement (spec §3.3): once a run put v on the GPU, an
 * Assign added later with a CPU request follows v there (its request is ignored, as across
 * any reference edge), where a fresh session would have put v on the CPU. A later op on v
 * that has no kernel where v lives cannot run. */
static void test_variable_keeps_first_placement(void **state)
{
    (void) state;
    tact_status_t st = TACT_STATUS_INIT;
    tact_graph_t *g = tact_graph_new();
    tact_output_t v = tu_variable_f32(g, 5, "v", &st);
    tact_op_t *init = tact_global_variables_initializer(g, &st);
    tact_session_t *s = tu_session(g, NULL);
    tu_run_op(s, init);
    assert_string_equal(tact_session_op_device(s, v.op), GPU(0));
    tact_output_t set;
    {
        TACT_DEVICE_SCOPE(g, "/cpu:0");
        set = tact_assign(g, v, tu_const_f32(g, NULL, 0, (float[]) { 7 }, "seven", &st), "set",
                          &st);
    }
    check_value(s, set, "7.0");
    assert_string_equal(tact_session_op_device(s, v.op), GPU(0));
    assert_string_equal(tact_session_op_device(s, set.op), GPU(0));
    tact_session_t *fresh = tu_session(g, NULL);  /* places the grown graph from scratch */
    tu_run_op(fresh, init);
    assert_string_equal(tact_session_op_device(fresh, v.op), CPU(0));
    tact_session_destroy(&fresh);
    fake_gpu.no_kernel_op = "bump";
    tact_output_t bump = tact_assign_add(g, v, tu_const_f32(g, NULL, 0, (float[]) { 1 }, "i",
                                                            &st), "bump", &st);
    tact_tensor_t *r = tu_run1(s, bump, NULL, 0, &st);
    assert_null(r);
    assert_int_equal(st.code, TACT_CODE_INVALID_ARGUMENT);
    assert_string_equal(st.msg, "Cannot assign a device for operation bump: no kernel for "
                                "GPU devices, and it must be colocated with v, which keeps its "
                                "first placement (" GPU(0) ")");
    /* TensorFlow places the whole graph: while it holds bump, every run fails alike, even one
     * that does not need bump. */
    st = (tact_status_t) TACT_STATUS_INIT;
    assert_null(tu_run1(s, v, NULL, 0, &st));
    assert_true(tu_contains(st.msg, "Cannot assign a device for operation bump: "));
    fake_gpu.no_kernel_op = NULL;
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
    /* Without soft placement the whole graph fails at its first unplaceable op (m), for every
     * run, as TensorFlow's placer does; q's own error shows in a graph without m. */
    tact_session_t *hard = tu_session(g, NULL);
    tact_output_t runs[2] = { q, m };
    tact_tensor_t *r;
    for (int i = 0; i < 2; i++) {
        st = (tact_status_t) TACT_STATUS_INIT;
        r = tu_run1(hard, runs[i], NULL, 0, &st);
        assert_null(r);
        assert_int_equal(st.code, TACT_CODE_INVALID_ARGUMENT);
        assert_true(tu_contains(st.msg, "Cannot assign a device for operation m: Operation was "
                                        "explicitly assigned to /device:GPU:3 but available "
                                        "devices are [ " CPU(0) ", " GPU(0) " ]"));
    }
    tact_session_destroy(&hard);
    st = (tact_status_t) TACT_STATUS_INIT;
    tact_graph_t *g_q = tact_graph_new();
    tact_output_t q_alone;
    {
        TACT_DEVICE_SCOPE(g_q, "/device:GPU:0");
        q_alone = tact_divide(g_q, tu_const_i32(g_q, NULL, 0, (int32_t[]) { 9 }, "nine", &st),
                              tu_const_i32(g_q, NULL, 0, (int32_t[]) { 2 }, "two", &st), "q",
                              &st);
    }
    assert_int_equal(st.code, TACT_CODE_OK);
    hard = tu_session(g_q, NULL);
    assert_null(tu_run1(hard, q_alone, NULL, 0, &st));
    assert_int_equal(st.code, TACT_CODE_INVALID_ARGUMENT);
    assert_true(tu_contains(st.msg, "Cannot assign a device for operation q: Could not satisfy "
                                    "explicit device specification '/device:GPU:0' because no "
                                    "supported kernel for GPU devices is available."));
    tact_session_destroy(&hard);
    tact_graph_destroy(&g_q);
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

/* Sizes from data on the GPU: a shape past 2^63 - 1 elements is INVALID_ARGUMENT, bytes past
 * the address space (2^64 of them) and 4 TiB from a broadcast are the allocator's OOM; the
 * session runs on. */
static void test_input_sized_outputs_on_gpu(void **state)
{
    (void) state;
    tact_status_t st = TACT_STATUS_INIT;
    tact_graph_t *g = tact_graph_new();
    tact_output_t a = tact_placeholder(g, TACT_DTYPE_F32, (int64_t[]) { -1, -1 }, 2, "a", &st);
    tact_output_t b = tact_placeholder(g, TACT_DTYPE_F32, (int64_t[]) { -1, -1 }, 2, "b", &st);
    tact_output_t mm = tact_matmul(g, a, b, false, false, NULL, &st);
    tact_output_t add = tact_add(g, a, b, "add", &st);
    assert_int_equal(st.code, TACT_CODE_OK);
    tact_session_t *s = tu_session(g, NULL);
    const int64_t p31 = (int64_t) 1 << 31, p40 = (int64_t) 1 << 40, n = (int64_t) 1 << 20;
    tact_tensor_t *va = tact_tensor_new(TACT_DTYPE_F32, (int64_t[]) { p31, 0 }, 2, NULL, &st);
    tact_tensor_t *vb = tact_tensor_new(TACT_DTYPE_F32, (int64_t[]) { 0, p31 }, 2, NULL, &st);
    tact_feed_t feeds[] = { { a, va }, { b, vb } };
    tu_run_fails(s, mm, feeds, 2, TACT_CODE_RESOURCE_EXHAUSTED,
                 "OOM when allocating tensor with shape[2147483648,2147483648] and type float "
                 "on " GPU(0) " by allocator GPU_0_bfc\n\t [[{{node MatMul}}]]");
    tact_tensor_destroy(&va);
    tact_tensor_destroy(&vb);
    va = tact_tensor_new(TACT_DTYPE_F32, (int64_t[]) { p40, 0 }, 2, NULL, &st);
    vb = tact_tensor_new(TACT_DTYPE_F32, (int64_t[]) { 0, p40 }, 2, NULL, &st);
    feeds[0].value = va;
    feeds[1].value = vb;
    tu_run_fails(s, mm, feeds, 2, TACT_CODE_INVALID_ARGUMENT,
                 "Shape [1099511627776,1099511627776] would have more than 2**63 - 1 elements"
                 "\n\t [[{{node MatMul}}]]");
    tact_tensor_destroy(&va);
    tact_tensor_destroy(&vb);
    va = tact_tensor_new(TACT_DTYPE_F32, (int64_t[]) { n, 1 }, 2, NULL, &st);
    vb = tact_tensor_new(TACT_DTYPE_F32, (int64_t[]) { 1, n }, 2, NULL, &st);
    feeds[0].value = va;
    feeds[1].value = vb;
    tu_run_fails(s, add, feeds, 2, TACT_CODE_RESOURCE_EXHAUSTED,
                 "OOM when allocating tensor with shape[1048576,1048576] and type float on "
                 GPU(0) " by allocator GPU_0_bfc\n\t [[{{node add}}]]");
    tact_tensor_destroy(&va);
    tact_tensor_destroy(&vb);
    va = tu_f32((int64_t[]) { 1, 2 }, 2, (float[]) { 1, 2 });
    vb = tu_f32((int64_t[]) { 2, 1 }, 2, (float[]) { 3, 4 });
    feeds[0].value = va;
    feeds[1].value = vb;
    tact_tensor_t *r = tu_run1(s, mm, feeds, 2, &st);
    assert_int_equal(st.code, TACT_CODE_OK);
    assert_true(tu_f32_equal(r, (int64_t[]) { 1, 1 }, 2, (float[]) { 11 }));
    tact_tensor_destroy(&r);
    tact_tensor_destroy(&va);
    tact_tensor_destroy(&vb);
    tact_session_destroy(&s);
    tact_graph_destroy(&g);
}

/* ------------------------------------------------------------------------------------------ */
/* Visible devices, device_count and the process-wide mapping (spec §3.6, §3.7)               */
/* ------------------------------------------------------------------------------------------ */

static int setup2(void **state)
{
    (void) state;
    fake_gpu_install(2);
    return 0;
}

/* A session over `g` with `cfg`, expected to fail: returns the status. */
static tact_status_t session_error(tact_graph_t *g, const tact_config_t *cfg)
{
    tact_status_t st = TACT_STATUS_INIT;
    tact_session_t *s = tact_session_new(NULL, g, cfg, &st);
    assert_null(s);
    return st;
}

/* The "Device mapping:" line among the captured lines (NULL when none). */
static const char *mapping_line(const log_capture_t *cap)
{
    for (int i = 0; i < cap->n; i++) {
        if (strncmp(cap->lines[i], "Device mapping:", 15) == 0)
            return cap->lines[i];
    }
    return NULL;
}

/* Two visible GPUs: "1" makes GPU:0 the second one; bad lists fail with TensorFlow's words;
 * once GPU:0 is mapped to visible GPU 1 no later session may map it elsewhere. */
static void test_visible_device_list_and_mapping(void **state)
{
    (void) state;
    tact_status_t st = TACT_STATUS_INIT;
    tact_graph_t *g = tact_graph_new();
    tact_output_t c = seed_matmul(g, NULL, &st);
    log_capture_t cap = { .n = 0 };
    tact_log_set_callback(capture, &cap);
    tact_config_t cfg = { .log_device_placement = true,
                          .gpu_options.visible_device_list = "1" };
    tact_session_t *s = tu_session(g, &cfg);
    tact_log_set_callback(NULL, NULL);
    const char *line = mapping_line(&cap);
    assert_non_null(line);
    assert_string_equal(line, "Device mapping:\n" GPU(0) " -> device: 1, name: Fake GPU, pci bus "
                              "id: 0000:02:00.0, compute capability: 9.0");
    tact_device_info_t d[4];
    assert_int_equal(tact_session_list_devices(s, d, 4), 2);
    assert_string_equal(d[1].name, GPU(0));
    assert_string_equal(d[1].description, "device: 1, name: Fake GPU, pci bus id: 0000:02:00.0, "
                                          "compute capability: 9.0");
    tact_tensor_t *r = tu_run1(s, c, NULL, 0, &st);
    assert_int_equal(st.code, TACT_CODE_OK);
    assert_string_equal(tu_str(r), "[[22. 28.]\n [49. 64.]]");
    tact_tensor_destroy(&r);
    assert_string_equal(tact_session_op_device(s, c.op), GPU(0));

    /* Bad lists: INVALID_ARGUMENT at session creation. */
    tact_config_t bad = { .gpu_options.visible_device_list = "0,0" };
    st = session_error(g, &bad);
    assert_int_equal(st.code, TACT_CODE_INVALID_ARGUMENT);
    assert_string_equal(st.msg, "visible_device_list contained a duplicate entry: 0,0");
    bad.gpu_options.visible_device_list = "2";
    st = session_error(g, &bad);
    assert_int_equal(st.code, TACT_CODE_INVALID_ARGUMENT);
    assert_string_equal(st.msg, "'visible_device_list' listed an invalid GPU id '2' but visible "
                                "device count is 2");
    bad.gpu_options.visible_device_list = "x";
    st = session_error(g, &bad);
    assert_int_equal(st.code, TACT_CODE_INVALID_ARGUMENT);
    assert_string_equal(st.msg, "Could not parse entry in 'visible_device_list': 'x'. "
                                "visible_device_list = x");

    /* The mapping is the process's: GPU:0 -> 1 stays, whether or not `s` is open. */
    static const char multiple[] =
        "TensorFlow device (GPU:0) is being mapped to multiple CUDA devices (0 now, and 1 "
        "previously), which is not supported. The sessions of a process must map GPUs alike "
        "(gpu_options.visible_device_list).";
    bad.gpu_options.visible_device_list = "0";
    st = session_error(g, &bad);
    assert_int_equal(st.code, TACT_CODE_ALREADY_EXISTS);
    assert_string_equal(st.msg, multiple);
    st = session_error(g, NULL);  /* the default list is "0,1": GPU:0 -> 0 again */
    assert_int_equal(st.code, TACT_CODE_ALREADY_EXISTS);
    assert_string_equal(st.msg, multiple);
    tact_session_destroy(&s);
    st = session_error(g, &bad);
    assert_int_equal(st.code, TACT_CODE_ALREADY_EXISTS);
    assert_string_equal(st.msg, multiple);

    /* "1,0" agrees with GPU:0 -> 1 and adds GPU:1 -> 0. */
    st = (tact_status_t) TACT_STATUS_INIT;
    tact_config_t both = { .gpu_options.visible_device_list = "1,0" };
    s = tu_session(g, &both);
    assert_int_equal(tact_session_list_devices(s, d, 4), 3);
    assert_string_equal(d[1].name, GPU(0));
    assert_string_equal(d[2].name, GPU(1));
    assert_string_equal(d[1].description, "device: 1, name: Fake GPU, pci bus id: 0000:02:00.0, "
                                          "compute capability: 9.0");
    assert_string_equal(d[2].description, "device: 0, name: Fake GPU, pci bus id: 0000:01:00.0, "
                                          "compute capability: 9.0");
    tact_session_destroy(&s);
    /* device_count.gpu caps the list: one GPU, still GPU:0 -> 1. */
    tact_config_t one = { .gpu_options.visible_device_list = "1,0", .device_count.gpu = 1 };
    s = tu_session(g, &one);
    assert_int_equal(tact_session_list_devices(s, d, 4), 2);
    assert_string_equal(d[1].name, GPU(0));
    assert_true(tu_contains(d[1].description, "device: 1, "));
    tact_session_destroy(&s);
    tact_graph_destroy(&g);
}

/* device_count.gpu: N caps the GPUs; TACT_DEVICE_COUNT_NONE makes none without asking the
 * backend (TensorFlow does not even initialise the GPUs), and then a bad list is no error. */
static void test_device_count_gpu(void **state)
{
    (void) state;
    tact_status_t st = TACT_STATUS_INIT;
    tact_graph_t *g = tact_graph_new();
    tact_output_t c = seed_matmul(g, NULL, &st);
    tact_config_t none = { .device_count.gpu = TACT_DEVICE_COUNT_NONE,
                           .gpu_options.visible_device_list = "x" };
    tact_session_t *s = tu_session(g, &none);
    tact_device_info_t d[4];
    assert_int_equal(tact_session_list_devices(s, d, 4), 1);
    assert_string_equal(d[0].name, CPU(0));
    tact_tensor_t *r = tu_run1(s, c, NULL, 0, &st);
    assert_int_equal(st.code, TACT_CODE_OK);
    assert_string_equal(tu_str(r), "[[22. 28.]\n [49. 64.]]");
    tact_tensor_destroy(&r);
    assert_string_equal(tact_session_op_device(s, c.op), CPU(0));
    tact_session_destroy(&s);
    assert_int_equal(atomic_load(&fake_gpu.count_calls), 0);
    assert_int_equal(atomic_load(&fake_gpu.open_contexts), 0);
    assert_int_equal(atomic_load(&fake_gpu.region_bytes), 0);

    tact_config_t one = { .device_count.gpu = 1 };
    s = tu_session(g, &one);
    assert_true(atomic_load(&fake_gpu.count_calls) > 0);
    assert_int_equal(atomic_load(&fake_gpu.open_contexts), 1);
    assert_int_equal(tact_session_list_devices(s, d, 4), 2);
    assert_string_equal(d[1].name, GPU(0));
    assert_true(tu_contains(d[1].description, "device: 0, "));
    tact_session_destroy(&s);
    assert_int_equal(atomic_load(&fake_gpu.open_contexts), 0);
    s = tu_session(g, NULL);  /* the default: every visible GPU */
    assert_int_equal(tact_session_list_devices(s, d, 4), 3);
    assert_string_equal(d[0].name, CPU(0));
    assert_string_equal(d[1].name, GPU(0));
    assert_string_equal(d[2].name, GPU(1));
    assert_int_equal(tact_session_list_devices(s, d, 1), 3);  /* max 1: the count anyway */
    assert_int_equal(atomic_load(&fake_gpu.open_contexts), 2);
    tact_session_destroy(&s);
    tact_graph_destroy(&g);
}

/* ------------------------------------------------------------------------------------------ */
/* Memory options (spec §4)                                                                   */
/* ------------------------------------------------------------------------------------------ */

typedef struct level_capture {
    tact_log_level_t levels[32];
    char lines[32][512];
    int n;
} level_capture_t;

static void capture_levels(tact_log_level_t level, const char *msg, void *user)
{
    level_capture_t *c = user;
    if (c->n < 32) {
        c->levels[c->n] = level;
        snprintf(c->lines[c->n++], sizeof c->lines[0], "%s", msg);
    }
}

/* The default limit on a fake GPU: 3.5 GiB free less max(300 MiB, 5 %). */
#define DEFAULT_LIMIT ((int64_t) ((size_t) 7 << 29) - (int64_t) 300 * 1048576)

static tact_memory_stats_t gpu0_stats(tact_session_t *s)
{
    tact_status_t st = TACT_STATUS_INIT;
    tact_memory_stats_t ms;
    memset(&ms, 0xff, sizeof ms);
    assert_int_equal(tact_session_memory_stats(s, "/gpu:0", &ms, &st), TACT_CODE_OK);
    return ms;
}

/* Bytes in use on GPU:`gpu` as a new session on `g` sees them: the process's allocator once
 * every earlier session is gone (whatever a session kept for itself went back at close). */
static int64_t in_use_after_close(tact_graph_t *g, const char *gpu)
{
    tact_status_t st = TACT_STATUS_INIT;
    tact_session_t *s = tu_session(g, NULL);
    tact_memory_stats_t ms;
    assert_int_equal(tact_session_memory_stats(s, gpu, &ms, &st), TACT_CODE_OK);
    tact_session_destroy(&s);
    return ms.bytes_in_use;
}

/* y = x + x over a fed 16x16 float32 x, run once. */
static void run_small_add(tact_session_t *s, tact_output_t x, tact_output_t y)
{
    tact_status_t st = TACT_STATUS_INIT;
    float data[256];
    for (int i = 0; i < 256; i++)
        data[i] = (float) i;
    tact_tensor_t *xv = tu_f32((int64_t[]) { 16, 16 }, 2, data);
    tact_feed_t f = { x, xv };
    tact_tensor_t *r = tu_run1(s, y, &f, 1, &st);
    assert_int_equal(st.code, TACT_CODE_OK);
    const float *out = tact_tensor_data(r);
    for (int i = 0; i < 256; i++)
        assert_true(out[i] == 2.0f * (float) i);
    tact_tensor_destroy(&r);
    tact_tensor_destroy(&xv);
}

/* allow_growth false (the default) reserves the whole limit when the device is made; the
 * allocator is the process's, so a second session's fraction changes nothing, and closing the
 * sessions gives nothing back. TF_FORCE_GPU_ALLOW_GROWTH and interactive sessions grow from
 * 2 MiB instead. */
static void test_default_memory_reservation_and_growth_overrides(void **state)
{
    (void) state;
    tact_status_t st = TACT_STATUS_INIT;
    tact_graph_t *g = tact_graph_new();
    tact_output_t x = tact_placeholder(g, TACT_DTYPE_F32, (int64_t[]) { -1, -1 }, 2, "x", &st);
    tact_output_t y = tact_add(g, x, x, "y", &st);
    assert_int_equal(st.code, TACT_CODE_OK);
    assert_null(getenv("TF_FORCE_GPU_ALLOW_GROWTH"));

    assert_int_equal(atomic_load(&fake_gpu.region_bytes), 0);
    tact_session_t *s1 = tu_session(g, NULL);
    tact_memory_stats_t ms = gpu0_stats(s1);
    assert_int_equal(ms.bytes_limit, DEFAULT_LIMIT);
    assert_int_equal(ms.bytes_reserved, DEFAULT_LIMIT);
    assert_int_equal(ms.bytes_in_use, 0);
    assert_int_equal(atomic_load(&fake_gpu.region_bytes), DEFAULT_LIMIT);
    run_small_add(s1, x, y);
    ms = gpu0_stats(s1);
    assert_int_equal(ms.bytes_reserved, DEFAULT_LIMIT);  /* carved from the one region */
    assert_int_equal(ms.bytes_in_use, 0);
    /* A second session asks for half of the GPU: the first session's allocator serves it. */
    log_capture_t cap = { .n = 0 };
    tact_log_set_callback(capture, &cap);
    tact_config_t half = { .gpu_options.per_process_gpu_memory_fraction = 0.5 };
    tact_session_t *s2 = tu_session(g, &half);
    tact_log_set_callback(NULL, NULL);
    assert_int_equal(cap.n, 1);
    assert_string_equal(cap.lines[0], "Created TensorFlow device (" GPU(0) " with 3284 MB memory) "
                                      "-> physical GPU (device: 0, name: Fake GPU, pci bus id: "
                                      "0000:01:00.0, compute capability: 9.0)");
    ms = gpu0_stats(s2);
    assert_int_equal(ms.bytes_limit, DEFAULT_LIMIT);
    assert_int_equal(ms.bytes_reserved, DEFAULT_LIMIT);
    tact_device_info_t d[2];
    assert_int_equal(tact_session_list_devices(s2, d, 2), 2);
    assert_int_equal(d[1].memory_limit, DEFAULT_LIMIT);
    run_small_add(s2, x, y);
    tact_session_destroy(&s1);
    tact_session_destroy(&s2);
    assert_int_equal(atomic_load(&fake_gpu.region_bytes), DEFAULT_LIMIT);  /* never given back */
    tact_session_t *s3 = tu_session(g, &half);
    ms = gpu0_stats(s3);
    assert_int_equal(ms.bytes_limit, DEFAULT_LIMIT);
    assert_int_equal(ms.bytes_reserved, DEFAULT_LIMIT);
    assert_int_equal(ms.bytes_in_use, 0);
    tact_session_destroy(&s3);

    /* TF_FORCE_GPU_ALLOW_GROWTH=true in a fresh process: growth despite the config, with a
     * warning. */
    fake_gpu_uninstall();
    fake_gpu_install(1);
    assert_int_equal(setenv("TF_FORCE_GPU_ALLOW_GROWTH", "true", 1), 0);
    level_capture_t lc = { .n = 0 };
    tact_log_set_callback(capture_levels, &lc);
    s1 = tu_session(g, NULL);
    tact_log_set_callback(NULL, NULL);
    assert_int_equal(unsetenv("TF_FORCE_GPU_ALLOW_GROWTH"), 0);
    assert_int_equal(lc.n, 2);
    assert_int_equal(lc.levels[0], TACT_LOG_WARNING);
    assert_string_equal(lc.lines[0], "Overriding allow_growth setting because the "
                                     "TF_FORCE_GPU_ALLOW_GROWTH environment variable is set. "
                                     "Original config value was 0.");
    assert_int_equal(lc.levels[1], TACT_LOG_INFO);
    assert_true(tu_contains(lc.lines[1], "Created TensorFlow device (" GPU(0) " with 3284 MB"));
    ms = gpu0_stats(s1);
    assert_int_equal(ms.bytes_limit, DEFAULT_LIMIT);
    assert_int_equal(ms.bytes_reserved, 0);
    run_small_add(s1, x, y);
    ms = gpu0_stats(s1);
    assert_int_equal(ms.bytes_reserved, 2 << 20);
    assert_int_equal(atomic_load(&fake_gpu.region_bytes), 2 << 20);
    tact_session_destroy(&s1);

    /* A value that is neither "true" nor "false": an error line, and the config's value. */
    fake_gpu_uninstall();
    fake_gpu_install(1);
    assert_int_equal(setenv("TF_FORCE_GPU_ALLOW_GROWTH", "yes", 1), 0);
    lc.n = 0;
    tact_log_set_callback(capture_levels, &lc);
    s1 = tu_session(g, NULL);
    tact_log_set_callback(NULL, NULL);
    assert_int_equal(unsetenv("TF_FORCE_GPU_ALLOW_GROWTH"), 0);
    assert_int_equal(lc.n, 2);
    assert_int_equal(lc.levels[0], TACT_LOG_ERROR);
    assert_string_equal(lc.lines[0], "The TF_FORCE_GPU_ALLOW_GROWTH environment variable is set "
                                     "but could not be parsed: \"yes\". Valid values are \"true\" "
                                     "or \"false\". Using original config value of allow_growth.");
    ms = gpu0_stats(s1);
    assert_int_equal(ms.bytes_reserved, DEFAULT_LIMIT);
    tact_session_destroy(&s1);

    /* An interactive session without a config grows, and leaves the default stacks when
     * closed. */
    fake_gpu_uninstall();
    fake_gpu_install(1);
    tact_session_t *is = tact_interactive_session_new(NULL, g, NULL, &st);
    assert_non_null(is);
    assert_ptr_equal(tact_session_get_default(), is);
    assert_ptr_equal(tact_graph_get_default(), g);
    ms = gpu0_stats(is);
    assert_int_equal(ms.bytes_limit, DEFAULT_LIMIT);
    assert_int_equal(ms.bytes_reserved, 0);
    run_small_add(is, x, y);
    ms = gpu0_stats(is);
    assert_int_equal(ms.bytes_reserved, 2 << 20);
    assert_int_equal(tact_session_close(is, &st), TACT_CODE_OK);
    assert_null(tact_session_get_default());
    assert_ptr_not_equal(tact_graph_get_default(), g);
    tact_session_destroy(&is);
    assert_int_equal(atomic_load(&fake_gpu.region_bytes), 2 << 20);
    tact_graph_destroy(&g);
}

/* ------------------------------------------------------------------------------------------ */
/* Errors                                                                                     */
/* ------------------------------------------------------------------------------------------ */

/* A GPU kernel fails while a CPU op waits for its value and another CPU branch runs: the run
 * reports the kernel's error (not the waiter's CANCELLED), frees every device tensor and
 * leaves the session usable. */
static void test_failing_gpu_kernel_stops_the_run(void **state)
{
    (void) state;
    tact_status_t st = TACT_STATUS_INIT;
    tact_graph_t *g = tact_graph_new();
    tact_output_t x = tu_const_i32(g, (int64_t[]) { 2 }, 1, (int32_t[]) { 4, 6 }, "x", &st);
    tact_output_t two = tu_const_i32(g, NULL, 0, (int32_t[]) { 2 }, "two", &st);
    tact_output_t bad = tact_negative(g, x, "bad", &st);      /* GPU, fails */
    tact_output_t good = tact_relu(g, x, "good", &st);        /* GPU */
    tact_output_t q = tact_divide(g, bad, two, "q", &st);     /* integer Div: CPU, waits */
    tact_output_t r = tact_divide(g, tu_const_i32(g, NULL, 0, (int32_t[]) { 9 }, "nine", &st),
                                  two, "r", &st);             /* CPU, independent */
    tact_output_t h = tact_divide(g, good, two, "h", &st);    /* CPU after the GPU */
    assert_int_equal(st.code, TACT_CODE_OK);
    tact_session_t *s = tu_session(g, NULL);
    tact_output_t fetches[3] = { q, r, h };
    tact_tensor_t *rs[3] = { NULL };
    /* without the failure first, to check the plan and the placements */
    assert_int_equal(tact_session_run(s, fetches, 3, rs, NULL, 0, NULL, 0, &st), TACT_CODE_OK);
    assert_string_equal(tu_str(rs[0]), "[-2 -3]");
    assert_string_equal(tu_str(rs[1]), "4");
    assert_string_equal(tu_str(rs[2]), "[2 3]");
    for (int i = 0; i < 3; i++)
        tact_tensor_destroy(&rs[i]);
    assert_string_equal(tact_session_op_device(s, bad.op), GPU(0));
    assert_string_equal(tact_session_op_device(s, good.op), GPU(0));
    assert_string_equal(tact_session_op_device(s, q.op), CPU(0));
    assert_string_equal(tact_session_op_device(s, r.op), CPU(0));
    /* what a successful run leaves in use (constants the device may keep for the session) */
    int64_t kept = gpu0_stats(s).bytes_in_use;
    assert_true(kept == 0 || kept == 256);

    fake_gpu.fail_op = "bad";
    for (int round = 0; round < 3; round++) {
        st = (tact_status_t) TACT_STATUS_INIT;
        rs[0] = rs[1] = rs[2] = (tact_tensor_t *) &st;  /* cleared by the run */
        assert_int_equal(tact_session_run(s, fetches, 3, rs, NULL, 0, NULL, 0, &st),
                         TACT_CODE_INTERNAL);
        assert_string_equal(st.msg, "fake GPU: kernel of bad failed\n\t [[{{node bad}}]]");
        assert_null(rs[0]);
        assert_null(rs[1]);
        assert_null(rs[2]);
        assert_int_equal(gpu0_stats(s).bytes_in_use, kept);  /* the failed run freed its own */
    }
    /* runs that avoid "bad" still work, GPU ones included */
    st = (tact_status_t) TACT_STATUS_INIT;
    tact_output_t rest[2] = { r, h };
    assert_int_equal(tact_session_run(s, rest, 2, rs, NULL, 0, NULL, 0, &st), TACT_CODE_OK);
    assert_string_equal(tu_str(rs[0]), "4");
    assert_string_equal(tu_str(rs[1]), "[2 3]");
    tact_tensor_destroy(&rs[0]);
    tact_tensor_destroy(&rs[1]);
    /* a target that needs it fails the same way */
    assert_int_equal(tact_session_run(s, NULL, 0, NULL, NULL, 0, &bad.op, 1, &st),
                     TACT_CODE_INTERNAL);
    assert_string_equal(st.msg, "fake GPU: kernel of bad failed\n\t [[{{node bad}}]]");
    fake_gpu.fail_op = NULL;
    st = (tact_status_t) TACT_STATUS_INIT;
    assert_int_equal(tact_session_run(s, fetches, 3, rs, NULL, 0, NULL, 0, &st), TACT_CODE_OK);
    assert_string_equal(tu_str(rs[0]), "[-2 -3]");
    for (int i = 0; i < 3; i++)
        tact_tensor_destroy(&rs[i]);
    tact_memory_stats_t ms = gpu0_stats(s);
    assert_int_equal(ms.bytes_in_use, kept);
    assert_int_equal(ms.num_ooms, 0);
    tact_session_destroy(&s);
    assert_int_equal(in_use_after_close(g, "/gpu:0"), 0);
    tact_graph_destroy(&g);
}

/* A fatal fault (CUDA's sticky errors: an illegal address, a failed launch) loses the GPU's
 * context: the run that hit it and every later run or session needing that GPU fail with one
 * INTERNAL message saying the process must restart; CPU work and the other GPU go on. */
static void test_fatal_gpu_fault_fails_that_gpu_only(void **state)
{
    (void) state;
    const char *lost_msg = "GPU:0 is unusable until the process restarts: a fatal GPU error "
                           "lost its context (fake GPU: an illegal memory access was "
                           "encountered)";
    tact_status_t st = TACT_STATUS_INIT;
    tact_graph_t *g = tact_graph_new();
    tact_output_t x, bad, later, other, cpu;
    {
        TACT_DEVICE_SCOPE(g, "/cpu:0");
        x = tu_const_f32(g, (int64_t[]) { 2 }, 1, (float[]) { 1, -2 }, "x", &st);
    }
    {
        TACT_DEVICE_SCOPE(g, "/gpu:0");
        bad = tact_negative(g, x, "bad", &st);
        later = tact_relu(g, x, "later", &st);
    }
    {
        TACT_DEVICE_SCOPE(g, "/gpu:1");
        other = tact_negative(g, x, "other", &st);
    }
    {
        TACT_DEVICE_SCOPE(g, "/cpu:0");
        cpu = tact_add(g, x, x, "cpu", &st);
    }
    assert_int_equal(st.code, TACT_CODE_OK);
    tact_session_t *s = tu_session(g, NULL);
    tact_tensor_t *r = NULL;
    fake_gpu.fatal_op = "bad";
    assert_int_equal(tact_session_run(s, &bad, 1, &r, NULL, 0, NULL, 0, &st),
                     TACT_CODE_INTERNAL);
    assert_string_equal(st.msg, lost_msg);  /* the fault's own run already says so */
    assert_null(r);
    fake_gpu.fatal_op = NULL;
    for (int round = 0; round < 2; round++) {  /* every later GPU:0 run, without a launch */
        int kernels = atomic_load(&fake_gpu.kernels_run);
        st = (tact_status_t) TACT_STATUS_INIT;
        assert_int_equal(tact_session_run(s, &later, 1, &r, NULL, 0, NULL, 0, &st),
                         TACT_CODE_INTERNAL);
        assert_string_equal(st.msg, lost_msg);
        assert_int_equal(atomic_load(&fake_gpu.kernels_run), kernels);
    }
    /* the CPU and GPU:1 in the same session go on */
    st = (tact_status_t) TACT_STATUS_INIT;
    tact_output_t fine[2] = { cpu, other };
    tact_tensor_t *rs[2] = { NULL };
    assert_int_equal(tact_session_run(s, fine, 2, rs, NULL, 0, NULL, 0, &st), TACT_CODE_OK);
    assert_string_equal(tu_str(rs[0]), "[ 2. -4.]");
    assert_string_equal(tu_str(rs[1]), "[-1.  2.]");
    tact_tensor_destroy(&rs[0]);
    tact_tensor_destroy(&rs[1]);
    tact_session_destroy(&s);
    /* a new session that would open GPU:0 is refused with the same words; a CPU one works */
    st = session_error(g, NULL);
    assert_int_equal(st.code, TACT_CODE_INTERNAL);
    assert_string_equal(st.msg, lost_msg);
    tact_config_t cpu_only = { .device_count.gpu = TACT_DEVICE_COUNT_NONE,
                               .allow_soft_placement = true };
    s = tu_session(g, &cpu_only);
    st = (tact_status_t) TACT_STATUS_INIT;
    assert_int_equal(tact_session_run(s, &later, 1, &r, NULL, 0, NULL, 0, &st), TACT_CODE_OK);
    assert_string_equal(tact_session_op_device(s, later.op), CPU(0));
    assert_string_equal(tu_str(r), "[1. 0.]");
    tact_tensor_destroy(&r);
    tact_session_destroy(&s);
    tact_graph_destroy(&g);
}

/* ------------------------------------------------------------------------------------------ */
/* Two GPUs: concurrency and partitions                                                       */
/* ------------------------------------------------------------------------------------------ */

/* x (CPU, fed) -> y = 2x (GPU:0) -> z = y + 1 (GPU:1) -> w = z + x (CPU), and
 * v = z * y (GPU:0, reading GPU:1's z). */
typedef struct chain {
    tact_output_t x, y, z, w, v;
} chain_t;

static chain_t build_chain(tact_graph_t *g, tact_status_t *st)
{
    chain_t c;
    c.x = tact_placeholder(g, TACT_DTYPE_F32, (int64_t[]) { 2 }, 1, "x", st);
    {
        TACT_DEVICE_SCOPE(g, "/gpu:0");
        c.y = tact_multiply(g, c.x, tu_const_f32(g, NULL, 0, (float[]) { 2 }, "two", st), "y",
                            st);
    }
    {
        TACT_DEVICE_SCOPE(g, "/gpu:1");
        c.z = tact_add(g, c.y, tu_const_f32(g, NULL, 0, (float[]) { 1 }, "one", st), "z", st);
    }
    {
        TACT_DEVICE_SCOPE(g, "/cpu:0");
        c.w = tact_add(g, c.z, c.x, "w", st);
    }
    {
        TACT_DEVICE_SCOPE(g, "/gpu:0");
        c.v = tact_multiply(g, c.z, c.y, "v", st);
    }
    return c;
}

typedef struct chain_worker {
    tact_session_t *s;
    const chain_t *c;
    int id, runs;
    int failures;                 /* wrong values or failed runs */
    tact_status_t first_error;
} chain_worker_t;

static void *chain_worker_main(void *arg)
{
    chain_worker_t *wk = arg;
    for (int i = 0; i < wk->runs; i++) {
        float xs[2] = { (float) wk->id, (float) i };
        tact_tensor_t *xv = tu_f32((int64_t[]) { 2 }, 1, xs);
        tact_feed_t f = { wk->c->x, xv };
        tact_output_t fetches[2] = { wk->c->w, wk->c->v };
        tact_tensor_t *rs[2] = { NULL, NULL };
        tact_status_t st = TACT_STATUS_INIT;
        if (tact_session_run(wk->s, fetches, 2, rs, &f, 1, NULL, 0, &st) != TACT_CODE_OK) {
            if (wk->failures++ == 0)
                wk->first_error = st;
        } else {
            const float *w = tact_tensor_data(rs[0]), *v = tact_tensor_data(rs[1]);
            for (int k = 0; k < 2; k++) {
                float want_w = 3 * xs[k] + 1, want_v = (2 * xs[k] + 1) * (2 * xs[k]);
                if (w[k] != want_w || v[k] != want_v)
                    wk->failures++;
            }
        }
        tact_tensor_destroy(&rs[0]);
        tact_tensor_destroy(&rs[1]);
        tact_tensor_destroy(&xv);
    }
    return NULL;
}

#define CHAIN_THREADS 4
#define CHAIN_RUNS 200

static void run_chain_workers(tact_session_t *const *sessions, int n_sessions, const chain_t *c)
{
    pthread_t th[CHAIN_THREADS];
    chain_worker_t wk[CHAIN_THREADS];
    for (int i = 0; i < CHAIN_THREADS; i++) {
        wk[i] = (chain_worker_t) { .s = sessions[i % n_sessions], .c = c, .id = i + 1,
                                   .runs = CHAIN_RUNS };
        assert_int_equal(pthread_create(&th[i], NULL, chain_worker_main, &wk[i]), 0);
    }
    for (int i = 0; i < CHAIN_THREADS; i++)
        pthread_join(th[i], NULL);
    for (int i = 0; i < CHAIN_THREADS; i++) {
        if (wk[i].failures > 0)
            fprintf(stderr, "worker %d: %d failures, first %s: %s\n", i, wk[i].failures,
                    tact_code_name(wk[i].first_error.code), wk[i].first_error.msg);
        assert_int_equal(wk[i].failures, 0);
    }
}

/* Runs whose fragments wait on each other across two GPUs and the host, from four threads at
 * once on one session and then on two sessions: every result exact, no deadlock. */
static void test_two_gpus_concurrent_cross_device_chain(void **state)
{
    (void) state;
    tact_status_t st = TACT_STATUS_INIT;
    tact_graph_t *g = tact_graph_new();
    chain_t c = build_chain(g, &st);
    assert_int_equal(st.code, TACT_CODE_OK);
    tact_session_t *s[2] = { tu_session(g, NULL), NULL };
    /* one run first: the placements */
    tact_tensor_t *xv = tu_f32((int64_t[]) { 2 }, 1, (float[]) { 1, 2 });
    tact_feed_t f = { c.x, xv };
    tact_output_t fetches[2] = { c.w, c.v };
    tact_tensor_t *rs[2] = { NULL, NULL };
    assert_int_equal(tact_session_run(s[0], fetches, 2, rs, &f, 1, NULL, 0, &st), TACT_CODE_OK);
    assert_string_equal(tu_str(rs[0]), "[4. 7.]");
    assert_string_equal(tu_str(rs[1]), "[ 6. 20.]");
    tact_tensor_destroy(&rs[0]);
    tact_tensor_destroy(&rs[1]);
    tact_tensor_destroy(&xv);
    /* fed, it does not run, but TensorFlow places (and logs) it with the whole graph */
    assert_string_equal(tact_session_op_device(s[0], c.x.op), CPU(0));
    assert_string_equal(tact_session_op_device(s[0], c.y.op), GPU(0));
    assert_string_equal(tact_session_op_device(s[0], c.z.op), GPU(1));
    assert_string_equal(tact_session_op_device(s[0], c.w.op), CPU(0));
    assert_string_equal(tact_session_op_device(s[0], c.v.op), GPU(0));
    tact_memory_stats_t ms0 = gpu0_stats(s[0]), ms1;
    assert_int_equal(tact_session_memory_stats(s[0], GPU(1), &ms1, &st), TACT_CODE_OK);

    run_chain_workers(s, 1, &c);
    s[1] = tu_session(g, NULL);
    run_chain_workers(s, 2, &c);
    /* nothing left behind by the 1600 runs beyond what one run left (each session's
     * constants, if the device keeps them) */
    tact_memory_stats_t ms;
    assert_int_equal(tact_session_memory_stats(s[1], GPU(1), &ms, &st), TACT_CODE_OK);
    assert_int_equal(ms.bytes_in_use, 2 * ms1.bytes_in_use);
    assert_int_equal(gpu0_stats(s[1]).bytes_in_use, 2 * ms0.bytes_in_use);
    tact_session_destroy(&s[0]);
    tact_session_destroy(&s[1]);
    assert_int_equal(atomic_load(&fake_gpu.open_contexts), 0);
    assert_int_equal(in_use_after_close(g, "/gpu:0"), 0);
    assert_int_equal(in_use_after_close(g, "/gpu:1"), 0);
    tact_graph_destroy(&g);
}

/* A GPU:0 -> GPU:1 edge passes through the host, but the partitions show it as TensorFlow
 * does: a _Send to GPU:1 in GPU:0's partition, a _Recv from GPU:0 in GPU:1's. */
static void test_two_gpu_partition_metadata(void **state)
{
    (void) state;
    tact_status_t st = TACT_STATUS_INIT;
    tact_graph_t *g = tact_graph_new();
    tact_output_t x, y, z;
    {
        TACT_DEVICE_SCOPE(g, "/cpu:0");
        x = tu_const_f32(g, (int64_t[]) { 2 }, 1, (float[]) { 3, 4 }, "x", &st);
    }
    {
        TACT_DEVICE_SCOPE(g, "/gpu:0");
        y = tact_multiply(g, x, x, "y", &st);
    }
    {
        TACT_DEVICE_SCOPE(g, "/gpu:1");
        z = tact_add(g, y, y, "z", &st);
    }
    assert_int_equal(st.code, TACT_CODE_OK);
    tact_session_t *s = tu_session(g, NULL);
    tact_run_metadata_t md = { 0 };
    tact_run_options_t opts = { .metadata = &md };
    tact_tensor_t *r = NULL;
    for (int round = 0; round < 2; round++) {  /* the second run frees the first's text */
        assert_int_equal(tact_session_run_ex(s, &opts, &z, 1, &r, NULL, 0, NULL, 0, &st),
                         TACT_CODE_OK);
        assert_string_equal(tu_str(r), "[18. 32.]");
        tact_tensor_destroy(&r);
        assert_int_equal(md.n_partitions, 3);
        assert_string_equal(md.partitions[0].device, CPU(0));
        assert_int_equal(md.partitions[0].n_nodes, 1);
        assert_int_equal(md.partitions[0].n_sends, 1);
        assert_int_equal(md.partitions[0].n_recvs, 1);
        assert_string_equal(md.partitions[0].graph,
                            "x = Const()\n"
                            "x/_0 = _Send(x:0 to " GPU(0) ")\n"
                            "z/_5 = _Recv(z:0 from " GPU(1) ")\n"
                            "_retval_z_0_0 = _Retval(z/_5)\n");
        assert_string_equal(md.partitions[1].device, GPU(0));
        assert_int_equal(md.partitions[1].n_nodes, 1);
        assert_int_equal(md.partitions[1].n_sends, 1);
        assert_int_equal(md.partitions[1].n_recvs, 1);
        assert_string_equal(md.partitions[1].graph,
                            "x/_1 = _Recv(x:0 from " CPU(0) ")\n"
                            "y = Mul(x/_1, x/_1)\n"
                            "y/_2 = _Send(y:0 to " GPU(1) ")\n");
        assert_string_equal(md.partitions[2].device, GPU(1));
        assert_int_equal(md.partitions[2].n_nodes, 1);
        assert_int_equal(md.partitions[2].n_sends, 1);
        assert_int_equal(md.partitions[2].n_recvs, 1);
        assert_string_equal(md.partitions[2].graph,
                            "y/_3 = _Recv(y:0 from " GPU(0) ")\n"
                            "z = Add(y/_3, y/_3)\n"
                            "z/_4 = _Send(z:0 to " CPU(0) ")\n");
        assert_null(md.partitions[3].graph);
    }
    tact_run_metadata_clear(&md);
    assert_int_equal(md.n_partitions, 0);
    tact_session_destroy(&s);
    tact_graph_destroy(&g);
}

/* ------------------------------------------------------------------------------------------ */
/* Values                                                                                     */
/* ------------------------------------------------------------------------------------------ */

#define VALUE_FETCHES 12

typedef struct value_graph {
    tact_output_t fetches[VALUE_FETCHES];
    tact_op_t *target_gpu;        /* a NoOp beside its GPU control input */
    tact_op_t *target_cpu;        /* a NoOp on the CPU after a GPU op */
    tact_op_t *controlled;        /* the GPU op both NoOps wait for */
} value_graph_t;

static value_graph_t build_values(tact_graph_t *g, tact_status_t *st)
{
    value_graph_t v;
    tact_output_t x = tu_const_f32(g, (int64_t[]) { 2, 3 }, 2, v6, "x", st);
    tact_output_t xi = tu_const_i32(g, (int64_t[]) { 3 }, 1, (int32_t[]) { 1, -2, 3 }, "xi", st);
    int axis1[] = { 1 }, axis0[] = { 0 };
    v.fetches[0] = x;
    v.fetches[1] = tact_identity(g, x, "id", st);
    v.fetches[2] = tact_reshape(g, x, (int64_t[]) { 3, -1 }, 2, "reshape", st);
    v.fetches[3] = tact_cast(g, xi, TACT_DTYPE_F32, "cast", st);
    v.fetches[4] = tact_transpose(g, x, NULL, 0, "transpose", st);
    v.fetches[5] = tact_softmax(g, x, "softmax", st);
    v.fetches[6] = tact_reduce_sum(g, x, axis1, 1, true, "sum_keep", st);
    v.fetches[7] = tact_reduce_mean(g, x, axis0, 1, false, "mean0", st);
    v.fetches[8] = tact_reduce_sum(g, x, NULL, 0, false, "sum_all", st);
    v.fetches[9] = tact_fill(g, TACT_DTYPE_F32, (int64_t[]) { 2, 2 }, 2, 7.5, "fill", st);
    v.fetches[10] = tact_reduce_sum(g, xi, axis0, 1, false, "sum_i32", st);
    v.fetches[11] = tact_tanh(g, tact_identity(g, v.fetches[2], "id2", st), "tanh", st);
    v.controlled = v.fetches[11].op;
    v.target_gpu = tact_group(g, &v.controlled, 1, "after_tanh", st);
    {
        TACT_DEVICE_SCOPE(g, "/cpu:0");
        v.target_cpu = tact_group(g, &v.controlled, 1, "after_tanh_cpu", st);
    }
    return v;
}

static const char *const value_texts[VALUE_FETCHES] = {
    "[[1. 2. 3.]\n [4. 5. 6.]]",
    "[[1. 2. 3.]\n [4. 5. 6.]]",
    "[[1. 2.]\n [3. 4.]\n [5. 6.]]",
    "[ 1. -2.  3.]",
    "[[1. 4.]\n [2. 5.]\n [3. 6.]]",
    NULL,  /* softmax: compared between the sessions */
    "[[ 6.]\n [15.]]",
    "[2.5 3.5 4.5]",
    "21.0",
    "[[7.5 7.5]\n [7.5 7.5]]",
    "2",
    NULL,  /* tanh */
};

/* Reshape is a view on both devices, as TensorFlow aliases the buffer: on the GPU it takes no
 * device memory (the run of y = 2x, r = reshape(y), z = r + 1 allocates what the same graph
 * without r does), and the values, fetched from either device, are right. */
static void test_reshape_aliases_on_gpu_and_cpu(void **state)
{
    (void) state;
    tact_status_t st = TACT_STATUS_INIT;
    tact_graph_t *g = tact_graph_new();
    tact_output_t x, y, r, z, y2, z2, rc, zc;
    {
        TACT_DEVICE_SCOPE(g, "/cpu:0");
        x = tu_const_f32(g, (int64_t[]) { 2, 3 }, 2, (float[]) { 1, 2, 3, 4, 5, 6 }, "x", &st);
        rc = tact_reshape(g, x, (int64_t[]) { 3, -1 }, 2, "rc", &st);
        zc = tact_add(g, rc, tu_const_f32(g, NULL, 0, (float[]) { 1 }, "one_c", &st), "zc",
                      &st);
    }
    {
        TACT_DEVICE_SCOPE(g, "/gpu:0");
        tact_output_t two = tu_const_f32(g, NULL, 0, (float[]) { 2 }, "two", &st);
        tact_output_t one = tu_const_f32(g, NULL, 0, (float[]) { 1 }, "one", &st);
        y = tact_multiply(g, x, two, "y", &st);
        r = tact_reshape(g, y, (int64_t[]) { 3, 2 }, 2, "r", &st);
        z = tact_add(g, r, one, "z", &st);
        y2 = tact_multiply(g, x, two, "y2", &st);
        z2 = tact_add(g, y2, one, "z2", &st);
    }
    assert_int_equal(st.code, TACT_CODE_OK);
    tact_session_t *s = tu_session(g, NULL);
    tact_tensor_t *rs[4] = { NULL };
    int64_t allocs[2];
    tact_output_t with[2] = { z, z2 };
    for (int k = 0; k < 2; k++) {  /* each once to warm up (constants kept), then counted */
        assert_int_equal(tact_session_run(s, &with[k], 1, rs, NULL, 0, NULL, 0, &st),
                         TACT_CODE_OK);
        tact_tensor_destroy(&rs[0]);
        int64_t before = gpu0_stats(s).num_allocs;
        assert_int_equal(tact_session_run(s, &with[k], 1, rs, NULL, 0, NULL, 0, &st),
                         TACT_CODE_OK);
        allocs[k] = gpu0_stats(s).num_allocs - before;
        tact_tensor_destroy(&rs[0]);
    }
    assert_true(allocs[1] > 0);
    assert_int_equal(allocs[0], allocs[1]);  /* r took no block of its own */
    tact_output_t fetches[4] = { r, z, rc, zc };
    assert_int_equal(tact_session_run(s, fetches, 4, rs, NULL, 0, NULL, 0, &st), TACT_CODE_OK);
    assert_string_equal(tact_session_op_device(s, r.op), GPU(0));
    assert_string_equal(tact_session_op_device(s, rc.op), CPU(0));
    assert_string_equal(tu_str(rs[0]), "[[ 2.  4.]\n [ 6.  8.]\n [10. 12.]]");
    assert_string_equal(tu_str(rs[1]), "[[ 3.  5.]\n [ 7.  9.]\n [11. 13.]]");
    assert_string_equal(tu_str(rs[2]), "[[1. 2.]\n [3. 4.]\n [5. 6.]]");
    assert_string_equal(tu_str(rs[3]), "[[2. 3.]\n [4. 5.]\n [6. 7.]]");
    /* a fetched view of a constant is the caller's own copy: writing it leaves x alone */
    ((float *) tact_tensor_data(rs[2]))[0] = 100;
    for (int i = 0; i < 4; i++)
        tact_tensor_destroy(&rs[i]);
    assert_int_equal(tact_session_run(s, &rc, 1, rs, NULL, 0, NULL, 0, &st), TACT_CODE_OK);
    assert_string_equal(tu_str(rs[0]), "[[1. 2.]\n [3. 4.]\n [5. 6.]]");
    tact_tensor_destroy(&rs[0]);
    tact_session_destroy(&s);
    assert_int_equal(in_use_after_close(g, "/gpu:0"), 0);
    tact_graph_destroy(&g);
}

/* Pinned host memory only for what crosses to or from a GPU, from the pool: a CPU op's output
 * that is copied to the GPU is pinned (so is what comes back from the GPU), a CPU result that
 * stays on the host is not, a fed tensor stays the caller's (pageable), and a repeated step
 * makes no new pinned block. */
static void test_only_gpu_bound_tensors_pinned(void **state)
{
    (void) state;
    tact_status_t st = TACT_STATUS_INIT;
    tact_graph_t *g = tact_graph_new();
    int64_t n = (int64_t) (2u << 20) / 4;  /* 2 MiB of float32 */
    tact_output_t x, a, b, y, w;
    {
        TACT_DEVICE_SCOPE(g, "/cpu:0");
        x = tact_placeholder(g, TACT_DTYPE_F32, &n, 1, "x", &st);
        tact_output_t one = tu_const_f32(g, NULL, 0, (float[]) { 1 }, "one", &st);
        a = tact_add(g, x, one, "a", &st);       /* copied to the GPU */
        b = tact_multiply(g, x, x, "b", &st);    /* stays on the host */
    }
    {
        TACT_DEVICE_SCOPE(g, "/gpu:0");
        y = tact_multiply(g, a, tu_const_f32(g, NULL, 0, (float[]) { 3 }, "three", &st), "y",
                          &st);
        w = tact_add(g, x, x, "w", &st);         /* the fed x, copied in as it is */
    }
    assert_int_equal(st.code, TACT_CODE_OK);
    tact_tensor_t *xv = tact_tensor_new(TACT_DTYPE_F32, &n, 1, NULL, &st);
    float *xd = tact_tensor_data(xv);
    for (int64_t i = 0; i < n; i++)
        xd[i] = (float) (i % 7);
    tact_session_t *s = tu_session(g, NULL);
    tact_feed_t feed = { x, xv };
    tact_output_t fetches[3] = { b, y, w };
    tact_tensor_t *rs[3] = { NULL };
    uint64_t made = 0;
    for (int step = 0; step < 4; step++) {
        atomic_store(&fake_gpu.copies_in_pinned, 0);
        atomic_store(&fake_gpu.copies_in_pageable, 0);
        assert_int_equal(tact_session_run(s, fetches, 3, rs, &feed, 1, NULL, 0, &st),
                         TACT_CODE_OK);
        assert_int_equal(atomic_load(&fake_gpu.copies_in_pinned), 1);    /* a */
        assert_int_equal(atomic_load(&fake_gpu.copies_in_pageable), 1);  /* the feed */
        assert_false(tact__host_is_pinned(tact_tensor_data(rs[0]), tact_tensor_nbytes(rs[0])));
        assert_true(tact__host_is_pinned(tact_tensor_data(rs[1]), tact_tensor_nbytes(rs[1])));
        const float *yd = tact_tensor_data(rs[1]), *wd = tact_tensor_data(rs[2]);
        const float *bd = tact_tensor_data(rs[0]);
        for (int64_t i = 0; i < n; i += 4099) {
            assert_true(yd[i] == 3.0f * (xd[i] + 1.0f));
            assert_true(wd[i] == 2.0f * xd[i]);
            assert_true(bd[i] == xd[i] * xd[i]);
        }
        for (int i = 0; i < 3; i++)
            tact_tensor_destroy(&rs[i]);
        tact_host_pinned_stats_t ps = tact__host_pinned_stats();
        if (step == 0)
            made = ps.made;
        assert_int_equal(ps.made, made);  /* the pool's blocks again, none made or freed */
        assert_int_equal(ps.released, 0);
    }
    tact_session_destroy(&s);
    tact_tensor_destroy(&xv);
    tact_graph_destroy(&g);
}

/* The device's own ops (Const, Identity, Reshape, NoOp) and the kernels the backend runs give
 * the CPU's values, element for element. */
static void test_gpu_values_match_cpu(void **state)
{
    (void) state;
    tact_status_t st = TACT_STATUS_INIT;
    tact_graph_t *g = tact_graph_new();
    value_graph_t v = build_values(g, &st);
    assert_int_equal(st.code, TACT_CODE_OK);
    tact_config_t cpu_only = { .device_count.gpu = TACT_DEVICE_COUNT_NONE };
    tact_session_t *gs = tu_session(g, NULL), *cs = tu_session(g, &cpu_only);
    tact_tensor_t *gr[VALUE_FETCHES] = { NULL }, *cr[VALUE_FETCHES] = { NULL };
    assert_int_equal(tact_session_run(gs, v.fetches, VALUE_FETCHES, gr, NULL, 0, NULL, 0, &st),
                     TACT_CODE_OK);
    assert_int_equal(tact_session_run(cs, v.fetches, VALUE_FETCHES, cr, NULL, 0, NULL, 0, &st),
                     TACT_CODE_OK);
    for (int i = 0; i < VALUE_FETCHES; i++) {
        const tact_op_t *op = v.fetches[i].op;
        assert_string_equal(tact_session_op_device(gs, op), GPU(0));
        assert_string_equal(tact_session_op_device(cs, op), CPU(0));
        assert_int_equal(tact_tensor_dtype(gr[i]), tact_tensor_dtype(cr[i]));
        assert_int_equal(tact_tensor_ndims(gr[i]), tact_tensor_ndims(cr[i]));
        for (int k = 0; k < tact_tensor_ndims(gr[i]); k++)
            assert_int_equal(tact_tensor_dim(gr[i], k), tact_tensor_dim(cr[i], k));
        assert_int_equal(tact_tensor_nbytes(gr[i]), tact_tensor_nbytes(cr[i]));
        assert_memory_equal(tact_tensor_data(gr[i]), tact_tensor_data(cr[i]),
                            tact_tensor_nbytes(gr[i]));
        char text[256];
        snprintf(text, sizeof text, "%s", tu_str(gr[i]));
        assert_string_equal(text, tu_str(cr[i]));
        if (value_texts[i] != NULL)
            assert_string_equal(text, value_texts[i]);
    }
    assert_string_equal(tu_str(gr[5]), "[[0.09003057 0.24472848 0.66524094]\n"
                                       " [0.09003057 0.24472848 0.66524094]]");
    assert_string_equal(tu_str(gr[11]), "[[0.7615942 0.9640276]\n"
                                        " [0.9950548 0.9993293]\n"
                                        " [0.9999092 0.9999877]]");
    for (int i = 0; i < VALUE_FETCHES; i++) {
        tact_tensor_destroy(&gr[i]);
        tact_tensor_destroy(&cr[i]);
    }
    /* The NoOps run their GPU control input: it runs once per run, and its failure is
     * theirs. */
    tact_op_t *targets[2] = { v.target_gpu, v.target_cpu };
    for (int t = 0; t < 2; t++) {
        int before = atomic_load(&fake_gpu.kernels_run);
        assert_int_equal(tact_session_run(gs, NULL, 0, NULL, NULL, 0, &targets[t], 1, &st),
                         TACT_CODE_OK);
        assert_int_equal(atomic_load(&fake_gpu.kernels_run), before + 1);  /* tanh */
        fake_gpu.fail_op = "tanh";
        assert_int_equal(tact_session_run(gs, NULL, 0, NULL, NULL, 0, &targets[t], 1, &st),
                         TACT_CODE_INTERNAL);
        assert_string_equal(st.msg, "fake GPU: kernel of tanh failed\n\t [[{{node tanh}}]]");
        fake_gpu.fail_op = NULL;
        st = (tact_status_t) TACT_STATUS_INIT;
        assert_int_equal(tact_session_run(cs, NULL, 0, NULL, NULL, 0, &targets[t], 1, &st),
                         TACT_CODE_OK);
    }
    assert_string_equal(tact_session_op_device(gs, v.target_gpu), GPU(0));
    assert_string_equal(tact_session_op_device(gs, v.target_cpu), CPU(0));
    assert_string_equal(tact_session_op_device(gs, v.controlled), GPU(0));
    tact_session_destroy(&gs);
    tact_session_destroy(&cs);
    assert_int_equal(in_use_after_close(g, "/gpu:0"), 0);
    tact_graph_destroy(&g);
}

/* ------------------------------------------------------------------------------------------ */
/* A GPU fragment waiting on a blocked host node                                              */
/* ------------------------------------------------------------------------------------------ */

typedef struct closer {
    tact_session_t *s;
    tact_status_t st;
} closer_t;

static int active_runs(tact_session_t *s)
{
    int n = 0;
    for (int i = 0; i < TACT_SESSION_RUN_COUNTERS; i++)
        n += atomic_load(&s->active[i].n);
    return n;
}

static void sleep_ms(long ms)
{
    struct timespec ts = { ms / 1000, (ms % 1000) * 1000000 };
    nanosleep(&ts, NULL);
}

static void *closer_main(void *arg)
{
    closer_t *c = arg;
    while (active_runs(c->s) == 0)
        sleep_ms(1);
    sleep_ms(30);  /* the run is in its dequeue by now */
    tact_session_close(c->s, &c->st);
    return NULL;
}

/* A GPU op reads a dequeue on an empty host queue: the GPU's segment is sent only once the
 * dequeue is done, so the GPU actor is never held by the wait (nothing reaches the GPU). The
 * run's timeout ends it with DEADLINE_EXCEEDED and the session stays usable; a close from
 * another thread ends it with the dequeue's CANCELLED. */
static void test_gpu_waits_on_blocked_host_node(void **state)
{
    (void) state;
    tact_status_t st = TACT_STATUS_INIT;
    tact_graph_t *g = tact_graph_new();
    tact_op_t *q = tact_fifo_queue(g, 4, (tact_dtype_t[]) { TACT_DTYPE_F32 }, 1, NULL, NULL, "q",
                                   &st);
    tact_output_t item;
    tact_op_t *deq = tact_queue_dequeue(g, q, &item, NULL, &st);
    tact_output_t sq = tact_multiply(g, item, item, "sq", &st);   /* GPU */
    tact_output_t three = tu_const_f32(g, (int64_t[]) { 2 }, 1, (float[]) { 3, -1 }, "three",
                                       &st);
    tact_op_t *enq = tact_queue_enqueue(g, q, &three, 1, NULL, &st);
    assert_int_equal(st.code, TACT_CODE_OK);
    tact_config_t cfg = { .operation_timeout_in_ms = 50 };
    tact_session_t *s = tu_session(g, &cfg);
    int64_t t0 = tact__now_ns();
    int kernels = atomic_load(&fake_gpu.kernels_run);
    tact_tensor_t *r = tu_run1(s, sq, NULL, 0, &st);
    assert_null(r);
    assert_int_equal(st.code, TACT_CODE_DEADLINE_EXCEEDED);
    assert_true(tact__now_ns() - t0 >= 50000000);
    assert_string_equal(st.msg, "Timed out waiting for notification\n\t [[{{node "
                                "q_Dequeue}}]]");
    assert_int_equal(atomic_load(&fake_gpu.kernels_run), kernels);
    assert_string_equal(tact_session_op_device(s, sq.op), GPU(0));
    assert_string_equal(tact_session_op_device(s, deq), CPU(0));
    assert_int_equal(gpu0_stats(s).bytes_in_use, 0);
    /* still usable: with an element the same run succeeds */
    st = (tact_status_t) TACT_STATUS_INIT;
    assert_int_equal(tact_session_run(s, NULL, 0, NULL, NULL, 0, &enq, 1, &st), TACT_CODE_OK);
    r = tu_run1(s, sq, NULL, 0, &st);
    assert_int_equal(st.code, TACT_CODE_OK);
    assert_string_equal(tu_str(r), "[9. 1.]");
    tact_tensor_destroy(&r);
    /* a close from another thread while the run waits: CANCELLED */
    tact_run_options_t no_timeout = { .timeout_in_ms = 60000 };
    closer_t c = { .s = s, .st = TACT_STATUS_INIT };
    pthread_t th;
    assert_int_equal(pthread_create(&th, NULL, closer_main, &c), 0);
    t0 = tact__now_ns();
    assert_int_equal(tact_session_run_ex(s, &no_timeout, &sq, 1, &r, NULL, 0, NULL, 0, &st),
                     TACT_CODE_CANCELLED);
    assert_true(tact__now_ns() - t0 < 30000000000);
    pthread_join(th, NULL);
    assert_null(r);
    assert_string_equal(st.msg, "Dequeue operation was cancelled\n\t [[{{node q_Dequeue}}]]");
    assert_int_equal(c.st.code, TACT_CODE_OK);
    st = (tact_status_t) TACT_STATUS_INIT;
    r = tu_run1(s, sq, NULL, 0, &st);
    assert_int_equal(st.code, TACT_CODE_CANCELLED);
    assert_string_equal(st.msg, "Session has been closed.");
    tact_session_destroy(&s);
    assert_int_equal(atomic_load(&fake_gpu.open_contexts), 0);
    tact_graph_destroy(&g);
}

/* list_devices after close reports what it did while the session was open (taken when the
 * session was made); the memory stats call, which needs the devices, reports the close. */
static void test_list_devices_after_close(void **state)
{
    (void) state;
    tact_status_t st = TACT_STATUS_INIT;
    tact_graph_t *g = tact_graph_new();
    tact_output_t c = seed_matmul(g, NULL, &st);
    tact_session_t *s = tu_session(g, NULL);
    tact_tensor_t *r = tu_run1(s, c, NULL, 0, &st);
    assert_int_equal(st.code, TACT_CODE_OK);
    tact_tensor_destroy(&r);
    tact_device_info_t open_d[4], d[4];
    assert_int_equal(tact_session_list_devices(s, open_d, 4), 3);
    assert_int_equal(open_d[1].memory_limit, DEFAULT_LIMIT);
    assert_int_equal(open_d[2].memory_limit, DEFAULT_LIMIT);
    assert_string_equal(open_d[2].description, "device: 1, name: Fake GPU, pci bus id: "
                                               "0000:02:00.0, compute capability: 9.0");
    assert_int_equal(tact_session_close(s, &st), TACT_CODE_OK);
    memset(d, 0, sizeof d);
    assert_int_equal(tact_session_list_devices(s, d, 4), 3);
    assert_int_equal(tact_session_list_devices(s, NULL, 0), 3);
    for (int i = 0; i < 3; i++) {
        assert_string_equal(d[i].name, open_d[i].name);
        assert_string_equal(d[i].kind, open_d[i].kind);
        assert_int_equal(d[i].memory_limit, open_d[i].memory_limit);
        assert_string_equal(d[i].description, open_d[i].description);
    }
    assert_int_equal(d[0].memory_limit, 268435456);
    tact_memory_stats_t ms;
    assert_int_equal(tact_session_memory_stats(s, "/gpu:0", &ms, &st), TACT_CODE_CANCELLED);
    assert_string_equal(st.msg, "Session has been closed.");
    tact_session_destroy(&s);
    tact_graph_destroy(&g);
}

/* A read on the GPU under a control dependency on the variable's own assign sees the assigned
 * value, as TensorFlow's ref variables do (tests/test_variables.c has TensorFlow's values). */
static void test_variable_read_after_assign_on_gpu(void **state)
{
    (void) state;
    tact_status_t st = TACT_STATUS_INIT;
    tact_graph_t *g = tact_graph_new();
    tact_output_t v = tact_variable(g, tu_const_f32(g, (int64_t[]) { 2 }, 1, (float[]) { 1, 1 },
                                                    "one", &st), "v", &st);
    tact_output_t a = tact_assign(g, v, tu_const_f32(g, (int64_t[]) { 2 }, 1,
                                                     (float[]) { 5, 5 }, "five", &st), "a", &st);
    tact_output_t r, p;
    {
        TACT_CONTROL_DEPENDENCIES(g, &a.op, 1, &st);
        r = tact_identity(g, v, "r", &st);
        p = tact_add(g, v, tu_const_f32(g, (int64_t[]) { 2 }, 1, (float[]) { 1, 1 }, "p_one",
                                        &st), "p", &st);
    }
    tact_op_t *init = tact_global_variables_initializer(g, &st);
    assert_int_equal(st.code, TACT_CODE_OK);
    tact_session_t *s = tu_session(g, NULL);
    tu_run_op(s, init);
    check_value(s, r, "[5. 5.]");
    assert_string_equal(tact_session_op_device(s, r.op), GPU(0));
    assert_string_equal(tact_session_op_device(s, v.op), GPU(0));
    tu_run_op(s, init);
    check_value(s, p, "[6. 6.]");
    tact_session_destroy(&s);
    tact_graph_destroy(&g);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_gpu_first_placement_and_log, setup, teardown),
        cmocka_unit_test_setup_teardown(test_input_sized_outputs_on_gpu, setup, teardown),
        cmocka_unit_test_setup_teardown(test_manual_placement_copies_and_partitions, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_mixed_graph_with_variable_and_feeds, setup, teardown),
        cmocka_unit_test_setup_teardown(test_variable_on_gpu, setup, teardown),
        cmocka_unit_test_setup_teardown(test_variable_keeps_first_placement, setup, teardown),
        cmocka_unit_test_setup_teardown(test_variable_errors_on_gpu, setup, teardown),
        cmocka_unit_test_setup_teardown(test_copy_in_waits_only_for_reused_blocks, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_soft_placement_cases, setup, teardown),
        cmocka_unit_test_setup_teardown(test_memory_fraction_growth_and_stats, setup, teardown),
        cmocka_unit_test_setup_teardown(test_visible_device_list_and_mapping, setup2, teardown),
        cmocka_unit_test_setup_teardown(test_device_count_gpu, setup2, teardown),
        cmocka_unit_test_setup_teardown(test_default_memory_reservation_and_growth_overrides,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(test_failing_gpu_kernel_stops_the_run, setup, teardown),
        cmocka_unit_test_setup_teardown(test_fatal_gpu_fault_fails_that_gpu_only, setup2,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_two_gpus_concurrent_cross_device_chain, setup2,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_two_gpu_partition_metadata, setup2, teardown),
        cmocka_unit_test_setup_teardown(test_reshape_aliases_on_gpu_and_cpu, setup, teardown),
        cmocka_unit_test_setup_teardown(test_only_gpu_bound_tensors_pinned, setup, teardown),
        cmocka_unit_test_setup_teardown(test_gpu_values_match_cpu, setup, teardown),
        cmocka_unit_test_setup_teardown(test_gpu_waits_on_blocked_host_node, setup, teardown),
        cmocka_unit_test_setup_teardown(test_list_devices_after_close, setup2, teardown),
        cmocka_unit_test_setup_teardown(test_variable_read_after_assign_on_gpu, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
