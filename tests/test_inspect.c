/* SPDX-License-Identifier: MIT */
/* Seeing inside: the DOT picture of a graph, coloured by where a session placed its ops. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tests/helpers.h"

/* a (CPU:1) * b (CPU:1) -> mul (CPU:1); c = mul + a on CPU:0: one edge crosses. */
static tact_graph_t *two_device_graph(tact_output_t *fetch)
{
    tact_status_t st = TACT_STATUS_INIT;
    tact_graph_t *g = tact_graph_new();
    tact_graph_push_device(g, "/cpu:1", &st);
    tact_output_t a = tu_const_f32(g, (int64_t[]){ 2 }, 1, (float[]){ 1, 2 }, "a", &st);
    tact_output_t b = tu_const_f32(g, (int64_t[]){ 2 }, 1, (float[]){ 3, 4 }, "b.q", &st);
    tact_output_t m = tact_multiply(g, a, b, NULL, &st);
    tact_graph_pop_device(g);
    tact_graph_push_device(g, "/cpu:0", &st);
    *fetch = tact_add(g, m, a, "c", &st);
    tact_graph_pop_device(g);
    tact_op_t *ctl[] = { a.op };
    tact_graph_push_control_dependencies(g, ctl, 1, &st);
    tu_const_f32(g, (int64_t[]){ 1 }, 1, (float[]){ 0 }, "after_a", &st);
    tact_graph_pop_control_dependencies(g);
    assert_int_equal(st.code, TACT_CODE_OK);
    return g;
}

static void test_dot_with_placement(void **state)
{
    (void) state;
    tact_output_t c;
    tact_graph_t *g = two_device_graph(&c);
    tact_config_t config = { 0 };
    config.device_count.cpu = 2;
    tact_session_t *s = tu_session(g, &config);
    tact_status_t st = TACT_STATUS_INIT;
    tact_tensor_t *v = tu_run1(s, c, NULL, 0, &st);
    assert_int_equal(st.code, TACT_CODE_OK);
    tact_tensor_destroy(&v);
    /* An op added after the run: the session placed the graph without it. */
    tu_const_f32(g, (int64_t[]) { 1 }, 1, (float[]) { 1 }, "late", &st);
    assert_int_equal(st.code, TACT_CODE_OK);

    char path[] = "/tmp/tact-dot-XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    close(fd);
    assert_int_equal(tact_graph_write_dot(g, s, path, &st), TACT_CODE_OK);
    char *dot = tu_read_file(path, NULL);
    assert_true(tu_contains(dot, "digraph tact {"));
    /* Nodes: name, type, output dtype and shape, placed device; a quote escaped. */
    assert_true(tu_contains(dot, "label=\"mul\\nMul\\n0: float32 [2]\\n@ CPU:1\""));
    assert_true(tu_contains(dot, "label=\"c\\nAdd\\n0: float32 [2]\\n@ CPU:0\""));
    assert_true(tu_contains(dot, "label=\"b.q\\nConst"));
    /* The edge between devices is the runtime's _Send/_Recv pair, bold; the others plain. */
    assert_true(tu_contains(dot, "[label=\"mul:0\\n_Send/_Recv\", style=bold"));
    assert_true(tu_contains(dot, "[label=\"a:0\"];"));
    /* The control edge is dashed; an op no run needed is placed all the same (the session
     * places its whole graph); the op added since is white with no device. */
    assert_true(tu_contains(dot, "[style=dashed];"));
    assert_true(tu_contains(dot, "label=\"after_a\\nConst\\n0: float32 [1]\\n@ CPU:0\""));
    assert_true(tu_contains(dot, "label=\"late\\nConst\\n0: float32 [1]\", style=filled, "
                                 "fillcolor=\"white\""));
    /* Each device in the legend with its colour. */
    assert_true(tu_contains(dot, "/job:localhost/replica:0/task:0/device:CPU:0"));
    assert_true(tu_contains(dot, "/job:localhost/replica:0/task:0/device:CPU:1"));
    free(dot);
    if (system("command -v dot >/dev/null 2>&1") == 0) {  /* Graphviz reads it */
        char cmd[128];
        snprintf(cmd, sizeof cmd, "dot -Tsvg %s -o /dev/null", path);
        assert_int_equal(system(cmd), 0);
    } else {
        printf("dot (Graphviz) not installed: the file's syntax was checked by content only\n");
    }
    unlink(path);
    tact_session_destroy(&s);
    tact_graph_destroy(&g);
}

static void test_dot_requests_only(void **state)
{
    (void) state;
    tact_output_t c;
    tact_graph_t *g = two_device_graph(&c);
    tact_status_t st = TACT_STATUS_INIT;
    char path[] = "/tmp/tact-dot-XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    close(fd);
    assert_int_equal(tact_graph_write_dot(g, NULL, path, &st), TACT_CODE_OK);
    char *dot = tu_read_file(path, NULL);
    assert_true(tu_contains(dot, "label=\"mul\\nMul\\n0: float32 [2]\\nrequests /device:CPU:1\""));
    assert_false(tu_contains(dot, "_Send/_Recv"));
    assert_false(tu_contains(dot, "cluster_legend"));
    free(dot);
    unlink(path);
    tact_graph_destroy(&g);
}

static void test_dot_empty_graph(void **state)
{
    (void) state;
    tact_graph_t *g = tact_graph_new();
    tact_status_t st = TACT_STATUS_INIT;
    char path[] = "/tmp/tact-dot-XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    close(fd);
    assert_int_equal(tact_graph_write_dot(g, NULL, path, &st), TACT_CODE_OK);
    char *dot = tu_read_file(path, NULL);
    assert_true(tu_contains(dot, "digraph tact {"));
    assert_false(tu_contains(dot, "op0"));
    free(dot);
    unlink(path);
    tact_graph_destroy(&g);
}

static void test_dot_errors(void **state)
{
    (void) state;
    tact_output_t c;
    tact_graph_t *g = two_device_graph(&c);
    tact_graph_t *other = tact_graph_new();
    tact_session_t *s = tu_session(other, NULL);
    tact_status_t st = TACT_STATUS_INIT;
    assert_int_equal(tact_graph_write_dot(g, NULL, "/nonexistent-dir/g.dot", &st),
                     TACT_CODE_NOT_FOUND);
    assert_true(tu_contains(st.msg, "/nonexistent-dir/g.dot"));
    st = (tact_status_t) TACT_STATUS_INIT;
    assert_int_equal(tact_graph_write_dot(g, s, "/tmp/unused.dot", &st),
                     TACT_CODE_INVALID_ARGUMENT);
    assert_string_equal(st.msg, "tact_graph_write_dot: the session runs another graph");
    tact_session_destroy(&s);
    tact_graph_destroy(&other);
    tact_graph_destroy(&g);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_dot_with_placement),
        cmocka_unit_test(test_dot_requests_only),
        cmocka_unit_test(test_dot_empty_graph),
        cmocka_unit_test(test_dot_errors),
    };
    return cmocka_run_group_tests_name("inspect", tests, NULL, NULL);
}
