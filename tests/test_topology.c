/* SPDX-License-Identifier: MIT */
/* The machine's cores and their split among a session's CPU devices; actor threads bound to
 * their device's cores, or running unbound after one warning when the machine refuses.
 *
 * The simplest use: the cores of device 1 of 2, and its description.
 *     tact_core_range_t r = tact__topology_device_cores(1, 2);
 *     char buf[96];
 *     tact__topology_describe(r, buf, sizeof buf);  // "cores 1-1 of 2, NUMA node 0"
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE  /* pthread_getaffinity_np, CPU_COUNT */
#endif
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <pthread.h>
#include <sched.h>
#include <string.h>

#include "devices/cpu/cpu.h"
#include "devices/cpu/topology.h"
#include "runtime/exec/session_impl.h"
#include "tests/helpers.h"

/* ------------------------------------------------------------------------------------------ */
/* The pure split                                                                             */
/* ------------------------------------------------------------------------------------------ */

/* Split and compare with want[0..n) given as {first, count} pairs. */
static void check_split(int n_cores, const int *groups, int n_groups, int n,
                        const tact_core_range_t *want)
{
    tact_core_range_t got[16];
    assert_true(n <= 16);
    tact__topology_split(n_cores, groups, n_groups, n, got);
    for (int i = 0; i < n; i++) {
        if (got[i].first != want[i].first || got[i].count != want[i].count)
            fail_msg("%d cores, %d devices: device %d got {%d, %d}, want {%d, %d}", n_cores, n,
                     i, got[i].first, got[i].count, want[i].first, want[i].count);
    }
}

#define RANGES(...) ((const tact_core_range_t[]) { __VA_ARGS__ })

static void test_split_even(void **state)
{
    (void) state;
    check_split(2, NULL, 0, 1, RANGES({ 0, 2 }));
    check_split(2, NULL, 0, 2, RANGES({ 0, 1 }, { 1, 1 }));
    check_split(8, NULL, 0, 3, RANGES({ 0, 2 }, { 2, 3 }, { 5, 3 }));
    check_split(16, NULL, 0, 4, RANGES({ 0, 4 }, { 4, 4 }, { 8, 4 }, { 12, 4 }));
    check_split(5, NULL, 0, 5, RANGES({ 0, 1 }, { 1, 1 }, { 2, 1 }, { 3, 1 }, { 4, 1 }));
    check_split(1, NULL, 0, 1, RANGES({ 0, 1 }));
    check_split(16, (int[]) { 16 }, 1, 4, RANGES({ 0, 4 }, { 4, 4 }, { 8, 4 }, { 12, 4 }));
}

static void test_split_shared_when_fewer_cores(void **state)
{
    (void) state;
    check_split(2, NULL, 0, 3, RANGES({ 0, 2 }, { 0, 2 }, { 0, 2 }));
    check_split(1, NULL, 0, 4, RANGES({ 0, 1 }, { 0, 1 }, { 0, 1 }, { 0, 1 }));
    check_split(4, (int[]) { 2, 2 }, 2, 5, RANGES({ 0, 4 }, { 0, 4 }, { 0, 4 }, { 0, 4 }, { 0, 4 }));
}

static void test_split_keeps_groups_together(void **state)
{
    (void) state;
    /* Fewer devices than groups: whole groups. */
    check_split(8, (int[]) { 4, 4 }, 2, 1, RANGES({ 0, 8 }));
    check_split(8, (int[]) { 4, 4 }, 2, 2, RANGES({ 0, 4 }, { 4, 4 }));
    check_split(8, (int[]) { 2, 2, 2, 2 }, 4, 2, RANGES({ 0, 4 }, { 4, 4 }));
    check_split(8, (int[]) { 2, 2, 2, 2 }, 4, 3, RANGES({ 0, 2 }, { 2, 2 }, { 4, 4 }));
    /* More devices: shared in proportion, no range across a group (an even split would give
     * {0,2},{2,3},{5,3}, whose second range spans both nodes). */
    check_split(8, (int[]) { 4, 4 }, 2, 3, RANGES({ 0, 2 }, { 2, 2 }, { 4, 4 }));
    check_split(8, (int[]) { 4, 4 }, 2, 4, RANGES({ 0, 2 }, { 2, 2 }, { 4, 2 }, { 6, 2 }));
    check_split(8, (int[]) { 6, 2 }, 2, 4, RANGES({ 0, 2 }, { 2, 2 }, { 4, 2 }, { 6, 2 }));
    check_split(3, (int[]) { 2, 1 }, 2, 3, RANGES({ 0, 1 }, { 1, 1 }, { 2, 1 }));
    check_split(16, (int[]) { 8, 8 }, 2, 4, RANGES({ 0, 4 }, { 4, 4 }, { 8, 4 }, { 12, 4 }));
}

/* Every split with at least as many cores as devices is a disjoint cover of nonempty ranges. */
static void test_split_disjoint_property(void **state)
{
    (void) state;
    tact_core_range_t got[16];
    for (int cores = 1; cores <= 16; cores++) {
        for (int n = 1; n <= cores && n <= 16; n++) {
            tact__topology_split(cores, NULL, 0, n, got);
            int next = 0;
            for (int i = 0; i < n; i++) {
                assert_int_equal(got[i].first, next);
                assert_true(got[i].count >= cores / n && got[i].count <= cores / n + 1);
                next += got[i].count;
            }
            assert_int_equal(next, cores);
        }
    }
}

/* ------------------------------------------------------------------------------------------ */
/* This machine                                                                               */
/* ------------------------------------------------------------------------------------------ */

static void test_process_topology_loads(void **state)
{
    (void) state;
    int cores = tact__topology_cores();
    assert_true(cores >= 1);
    assert_int_equal(tact__cpu_core_count(), cores);
    tact_core_range_t r = tact__topology_device_cores(0, 1);
    assert_int_equal(r.first, 0);
    assert_int_equal(r.count, cores);
    char buf[96], want[64];
    tact__topology_describe(r, buf, sizeof buf);
    snprintf(want, sizeof want, "cores 0-%d of %d", cores - 1, cores);
    assert_true(tu_contains(buf, want));
}

/* Warnings about binding, from any thread. */
static _Atomic int bind_warnings;

static void capture_log(tact_log_level_t level, const char *msg, void *user)
{
    (void) user;
    if (level == TACT_LOG_WARNING && strstr(msg, "cannot bind actor threads") != NULL)
        atomic_fetch_add(&bind_warnings, 1);
}

typedef struct bind_result {
    tact_code_t code;
    int want_cpus;                /* PUs of the device's cores; 0 without hwloc */
    int got_cpus;                 /* the thread's affinity after binding */
    bool closed;                  /* close() freed the context */
} bind_result_t;

/* Open CPU:1 of 2 and bind this (fresh) thread to it, as an actor does. */
static void *bind_thread_main(void *p)
{
    bind_result_t *res = p;
    tact_status_t st = TACT_STATUS_INIT;
    tact_device_t dev = { .iface = &tact__cpu_iface, .ordinal = 1, .kind_count = 2,
                          .name = "CPU:1" };
    /* No cmocka asserts off the main thread: record, check after the join. */
    if (dev.iface->open(&dev, &st) != TACT_CODE_OK)
        return NULL;
    res->code = dev.iface->bind_thread(&dev, &st);
    hwloc_bitmap_t set = tact__topology_cpuset(tact__topology_device_cores(1, 2));
    res->want_cpus = set ? hwloc_bitmap_weight(set) : 0;
    if (set)
        hwloc_bitmap_free(set);
    cpu_set_t mask;
    CPU_ZERO(&mask);
    res->got_cpus = pthread_getaffinity_np(pthread_self(), sizeof mask, &mask) == 0
                        ? CPU_COUNT(&mask) : -1;
    dev.iface->close(&dev);
    res->closed = dev.ctx == NULL;
    return NULL;
}

/* Binding succeeds here, or degrades with exactly one warning per process; never an error. */
static void test_bind_succeeds_or_warns_once(void **state)
{
    (void) state;
    tact_log_set_callback(capture_log, NULL);
    bind_result_t res = { TACT_CODE_UNKNOWN, 0, 0, false };
    pthread_t t;
    assert_int_equal(pthread_create(&t, NULL, bind_thread_main, &res), 0);
    assert_int_equal(pthread_join(t, NULL), 0);
    assert_int_equal(res.code, TACT_CODE_OK);
    assert_true(res.closed);
    if (res.want_cpus > 0 && atomic_load(&bind_warnings) == 0)
        assert_int_equal(res.got_cpus, res.want_cpus);  /* bound to exactly its cores */
    /* Many sessions and actors later, still at most one warning. */
    for (int n = 1; n <= 3; n++) {
        tact_config_t c = { .device_count.cpu = n, .executor = TACT_EXECUTOR_ACTORS };
        tact_graph_t *g = tact_graph_new();
        tact_session_t *s = tu_session(g, &c);
        tact_session_destroy(&s);
        tact_graph_destroy(&g);
    }
    assert_true(atomic_load(&bind_warnings) <= 1);
    tact_log_set_callback(NULL, NULL);
}

/* ------------------------------------------------------------------------------------------ */
/* Sessions                                                                                   */
/* ------------------------------------------------------------------------------------------ */

static void test_sessions_run_on_each_device(void **state)
{
    (void) state;
    tact_log_set_callback(capture_log, NULL);  /* keep a binding warning off stderr */
    for (int n = 1; n <= 3; n++) {
        for (int inter = 0; inter <= 3; inter += 3) {
            tact_config_t c = { .device_count.cpu = n, .inter_op_parallelism_threads = inter,
                                .executor = TACT_EXECUTOR_ACTORS };
            tact_status_t st = TACT_STATUS_INIT;
            tact_graph_t *g = tact_graph_new();
            tact_output_t y[3];
            for (int i = 0; i < n; i++) {  /* i + 1 wholly on CPU:i: a lone fragment */
                char spec[32];
                snprintf(spec, sizeof spec, "/device:CPU:%d", i);
                assert_int_equal(tact_graph_push_device(g, spec, &st), TACT_CODE_OK);
                tact_output_t a = tu_const_f32(g, NULL, 0, (float[]) { (float) i }, NULL, &st);
                tact_output_t one = tu_const_f32(g, NULL, 0, (float[]) { 1 }, NULL, &st);
                y[i] = tact_add(g, a, one, NULL, &st);
                tact_graph_pop_device(g);
            }
            assert_int_equal(st.code, TACT_CODE_OK);
            tact_session_t *s = tu_session(g, &c);
            assert_int_equal(s->n_devices, n);
            for (int i = 0; i < n; i++) {  /* each sent to its device's actors */
                tact_tensor_t *r = tu_run1(s, y[i], NULL, 0, &st);
                assert_int_equal(st.code, TACT_CODE_OK);
                char want[16];
                snprintf(want, sizeof want, "%d.0", i + 1);
                assert_string_equal(tu_str(r), want);
                tact_tensor_destroy(&r);
                assert_int_equal(tact__device_pool_requests(s->pools[i]), 1);
            }

            tact_device_info_t info[3];
            assert_int_equal(tact_session_list_devices(s, info, 3), n);
            for (int i = 0; i < n; i++) {
                tact_core_range_t cores = tact__topology_device_cores(i, n);
                int want_pool = inter > 0 ? inter : cores.count;
                assert_int_equal(tact__device_pool_size(s->pools[i]), want_pool);
                char want_desc[64];
                snprintf(want_desc, sizeof want_desc, "device: CPU:%d, cores %d-%d of %d", i,
                         cores.first, cores.first + cores.count - 1, tact__topology_cores());
                assert_true(tu_contains(info[i].description, want_desc));
            }
            tact_session_destroy(&s);
            tact_graph_destroy(&g);
        }
    }
    assert_true(atomic_load(&bind_warnings) <= 1);
    tact_log_set_callback(NULL, NULL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_split_even),
        cmocka_unit_test(test_split_shared_when_fewer_cores),
        cmocka_unit_test(test_split_keeps_groups_together),
        cmocka_unit_test(test_split_disjoint_property),
        cmocka_unit_test(test_process_topology_loads),
        cmocka_unit_test(test_bind_succeeds_or_warns_once),
        cmocka_unit_test(test_sessions_run_on_each_device),
    };
    return cmocka_run_group_tests_name("topology", tests, NULL, NULL);
}
