/* SPDX-License-Identifier: MIT */
/* intra_op_parallelism_threads: OpenBLAS' thread count, set once per process by the first
 * session that asks (TensorFlow 1.x's global intra-op pool: a second session created with
 * intra_op_parallelism_threads = 7 after one with 2 starts no threads of its own). A program of
 * its own, so that no earlier session in the process has set the count. */
#include "devices/cpu/cpu.h"

#include <setjmp.h>
#include <cmocka.h>

#include "tests/helpers.h"

static pthread_mutex_t log_lock = PTHREAD_MUTEX_INITIALIZER;
static char log_text[1024];
static int log_warnings;

static void log_sink(tact_log_level_t level, const char *msg, void *user)
{
    (void) user;
    if (level != TACT_LOG_WARNING)
        return;
    pthread_mutex_lock(&log_lock);
    log_warnings++;
    snprintf(log_text, sizeof log_text, "%s", msg);
    pthread_mutex_unlock(&log_lock);
}

/* A session with intra_op_parallelism_threads = n; its warnings counted. */
static tact_session_t *session_with(tact_graph_t *g, int n)
{
    tact_config_t c = { .intra_op_parallelism_threads = n };
    return tu_session(g, &c);
}

static void test_first_session_sets_the_process_wide_count(void **state)
{
    (void) state;
    tact_log_set_callback(log_sink, NULL);
    tact_status_t st = TACT_STATUS_INIT;
    tact_graph_t *g = tact_graph_new();
    tact_output_t a = tu_const_f32(g, (int64_t[]) { 2, 2 }, 2, (float[]) { 1, 2, 3, 4 }, "a",
                                   &st);
    tact_output_t y = tact_matmul(g, a, a, false, false, "y", &st);
    assert_int_equal(st.code, TACT_CODE_OK);

    int before = tact__cpu_blas_threads();
    tact_session_t *s0 = session_with(g, 0);  /* leaves OpenBLAS' own choice */
    assert_int_equal(tact__cpu_blas_threads(), before);

    tact_session_t *s1 = session_with(g, 1);
    assert_int_equal(tact__cpu_blas_threads(), 1);
    assert_int_equal(log_warnings, 0);

    tact_session_t *s2 = session_with(g, 3);  /* too late: the count stays 1 */
    assert_int_equal(tact__cpu_blas_threads(), 1);
    assert_int_equal(log_warnings, 1);
    assert_string_equal(log_text, "intra_op_parallelism_threads = 3 ignored: OpenBLAS' thread "
                                  "count is process-wide and an earlier session set it to 1");
    tact_tensor_t *r = tu_run1(s2, y, NULL, 0, &st);  /* and it runs */
    assert_true(tu_f32_equal(r, (int64_t[]) { 2, 2 }, 2, (float[]) { 7, 10, 15, 22 }));
    tact_tensor_destroy(&r);

    tact_session_t *s3 = session_with(g, 1);  /* the count in force: nothing to say */
    assert_int_equal(log_warnings, 1);
    assert_int_equal(tact__cpu_set_blas_threads(4), 1);
    assert_int_equal(tact__cpu_blas_threads(), 1);

    tact_session_destroy(&s0);
    tact_session_destroy(&s1);
    tact_session_destroy(&s2);
    tact_session_destroy(&s3);
    tact_graph_destroy(&g);
    tact_log_set_callback(NULL, NULL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_first_session_sets_the_process_wide_count),
    };
    return cmocka_run_group_tests_name("intra_op", tests, NULL, NULL);
}
