/* SPDX-License-Identifier: MIT */
/* Logging: the level threshold, the stderr sink ("W tact] message", glog style), a program's
 * callback instead of stderr, level names, and many threads logging at once while the sink
 * and the threshold change (TSan runs this suite).
 *
 * The simplest use of the log module:
 *     tact_log_set_level(TACT_LOG_WARNING);          // drop INFO and DEBUG
 *     tact_log_set_callback(my_fn, my_user_data);    // messages go to my_fn, not stderr
 *     tact_log_set_callback(NULL, NULL);             // back to stderr
 */
#include "runtime/base/log.h"

#include <setjmp.h>
#include <cmocka.h>

#include <sched.h>
#include <unistd.h>

/* ------------------------------------------------------------------------------------------ */
/* A capturing callback                                                                       */
/* ------------------------------------------------------------------------------------------ */

#define CAPTURE_MAX 16

typedef struct capture {
    pthread_mutex_t lock;
    int n;                              /* messages received (all of them) */
    tact_log_level_t level[CAPTURE_MAX];
    char text[CAPTURE_MAX][1100];
    void *user_seen;
} capture_t;

static capture_t cap = { .lock = PTHREAD_MUTEX_INITIALIZER };

static void capture_fn(tact_log_level_t level, const char *msg, void *user)
{
    pthread_mutex_lock(&cap.lock);
    if (cap.n < CAPTURE_MAX) {
        cap.level[cap.n] = level;
        snprintf(cap.text[cap.n], sizeof cap.text[0], "%s", msg);
    }
    cap.n++;
    cap.user_seen = user;
    pthread_mutex_unlock(&cap.lock);
}

static int capture_reset(void **state)
{
    (void) state;
    pthread_mutex_lock(&cap.lock);
    cap.n = 0;
    cap.user_seen = NULL;
    memset(cap.text, 0, sizeof cap.text);
    pthread_mutex_unlock(&cap.lock);
    return 0;
}

/* Every test leaves the defaults behind: stderr, INFO. */
static int restore_defaults(void **state)
{
    (void) state;
    tact_log_set_callback(NULL, NULL);
    tact_log_set_level(TACT_LOG_INFO);
    return 0;
}

static int captured(void)
{
    pthread_mutex_lock(&cap.lock);
    int n = cap.n;
    pthread_mutex_unlock(&cap.lock);
    return n;
}

/* ------------------------------------------------------------------------------------------ */
/* stderr capture: dup2 a temporary file over fd 2                                            */
/* ------------------------------------------------------------------------------------------ */

typedef struct stderr_capture {
    FILE *file;
    int saved_fd;
} stderr_capture_t;

static void stderr_begin(stderr_capture_t *c)
{
    fflush(stderr);
    c->file = tmpfile();
    assert_non_null(c->file);
    c->saved_fd = dup(STDERR_FILENO);
    assert_true(c->saved_fd >= 0);
    assert_int_equal(dup2(fileno(c->file), STDERR_FILENO), STDERR_FILENO);
}

/* Restore fd 2 and return what was written to it (static buffer). */
static const char *stderr_end(stderr_capture_t *c)
{
    static char text[4096];
    fflush(stderr);
    assert_int_equal(dup2(c->saved_fd, STDERR_FILENO), STDERR_FILENO);
    close(c->saved_fd);
    rewind(c->file);
    size_t n = fread(text, 1, sizeof text - 1, c->file);
    text[n] = '\0';
    fclose(c->file);
    return text;
}

/* ------------------------------------------------------------------------------------------ */
/* Tests                                                                                      */
/* ------------------------------------------------------------------------------------------ */

static void test_default_level_is_info(void **state)
{
    (void) state;
    /* Runs first: nothing has changed the threshold yet. */
    assert_int_equal(tact_log_level(), TACT_LOG_INFO);
    tact_log_set_callback(capture_fn, NULL);
    tact__log(TACT_LOG_DEBUG, "hidden");
    tact__log(TACT_LOG_INFO, "shown");
    assert_int_equal(captured(), 1);
    assert_int_equal(cap.level[0], TACT_LOG_INFO);
    assert_string_equal(cap.text[0], "shown");
}

static void test_set_level_filters(void **state)
{
    (void) state;
    tact_log_set_callback(capture_fn, NULL);

    tact_log_set_level(TACT_LOG_WARNING);
    assert_int_equal(tact_log_level(), TACT_LOG_WARNING);
    tact__log(TACT_LOG_DEBUG, "d");
    tact__log(TACT_LOG_INFO, "i");
    tact__log(TACT_LOG_WARNING, "w");
    tact__log(TACT_LOG_ERROR, "e");
    assert_int_equal(captured(), 2);
    assert_int_equal(cap.level[0], TACT_LOG_WARNING);
    assert_string_equal(cap.text[0], "w");
    assert_int_equal(cap.level[1], TACT_LOG_ERROR);
    assert_string_equal(cap.text[1], "e");

    tact_log_set_level(TACT_LOG_ERROR);
    tact__log(TACT_LOG_WARNING, "w2");
    assert_int_equal(captured(), 2);

    tact_log_set_level(TACT_LOG_DEBUG);
    assert_int_equal(tact_log_level(), TACT_LOG_DEBUG);
    tact__log(TACT_LOG_DEBUG, "d2");
    tact__log(TACT_LOG_INFO, "i2");
    assert_int_equal(captured(), 4);
    assert_int_equal(cap.level[2], TACT_LOG_DEBUG);
    assert_string_equal(cap.text[2], "d2");
    assert_int_equal(cap.level[3], TACT_LOG_INFO);
    assert_string_equal(cap.text[3], "i2");
}

static void test_callback_gets_level_text_and_user(void **state)
{
    (void) state;
    int token = 0;
    tact_log_set_callback(capture_fn, &token);
    tact__log(TACT_LOG_ERROR, "op %s failed after %d steps (%.1f%%)", "MatMul", 3, 12.5);
    assert_int_equal(captured(), 1);
    assert_int_equal(cap.level[0], TACT_LOG_ERROR);
    assert_string_equal(cap.text[0], "op MatMul failed after 3 steps (12.5%)");
    assert_ptr_equal(cap.user_seen, &token);

    /* No trailing newline is added or kept out; the text is passed as formatted. */
    tact__log(TACT_LOG_WARNING, "two\nlines");
    assert_string_equal(cap.text[1], "two\nlines");
    tact__log(TACT_LOG_INFO, "%s", "");
    assert_int_equal(captured(), 3);
    assert_string_equal(cap.text[2], "");

    /* A long message is cut to the 1023 bytes of the buffer, still NUL-terminated. */
    char big[2000];
    memset(big, 'x', sizeof big - 1);
    big[sizeof big - 1] = '\0';
    tact__log(TACT_LOG_INFO, "%s", big);
    assert_int_equal(captured(), 4);
    assert_int_equal(strlen(cap.text[3]), 1023);
    assert_int_equal(cap.text[3][0], 'x');

    /* A callback installed with another user pointer replaces the first. */
    int other = 0;
    tact_log_set_callback(capture_fn, &other);
    tact__log(TACT_LOG_INFO, "again");
    assert_ptr_equal(cap.user_seen, &other);
}

static void test_null_callback_restores_stderr(void **state)
{
    (void) state;
    /* While a callback is installed nothing reaches stderr. */
    tact_log_set_callback(capture_fn, NULL);
    stderr_capture_t c;
    stderr_begin(&c);
    tact__log(TACT_LOG_WARNING, "to the callback %d", 1);
    const char *text = stderr_end(&c);
    assert_string_equal(text, "");
    assert_int_equal(captured(), 1);
    assert_string_equal(cap.text[0], "to the callback 1");

    /* NULL: back to stderr, one glog-style line per message, each level its letter. */
    tact_log_set_callback(NULL, NULL);
    tact_log_set_level(TACT_LOG_DEBUG);
    stderr_begin(&c);
    tact__log(TACT_LOG_WARNING, "An interactive session is already active. %d", 7);
    tact__log(TACT_LOG_DEBUG, "debug");
    tact__log(TACT_LOG_INFO, "info");
    tact__log(TACT_LOG_ERROR, "error");
    text = stderr_end(&c);
    assert_string_equal(text, "W tact] An interactive session is already active. 7\n"
                              "D tact] debug\n"
                              "I tact] info\n"
                              "E tact] error\n");
    assert_int_equal(captured(), 1);  /* the old callback got nothing more */

    /* The threshold still applies to stderr. */
    tact_log_set_level(TACT_LOG_ERROR);
    stderr_begin(&c);
    tact__log(TACT_LOG_WARNING, "dropped");
    tact__log(TACT_LOG_ERROR, "kept");
    text = stderr_end(&c);
    assert_string_equal(text, "E tact] kept\n");
}

static void test_level_names(void **state)
{
    (void) state;
    assert_string_equal(tact_log_level_name(TACT_LOG_DEBUG), "DEBUG");
    assert_string_equal(tact_log_level_name(TACT_LOG_INFO), "INFO");
    assert_string_equal(tact_log_level_name(TACT_LOG_WARNING), "WARNING");
    assert_string_equal(tact_log_level_name(TACT_LOG_ERROR), "ERROR");
    assert_string_equal(tact_log_level_name(TACT_LOG_LEVEL_COUNT), "?");
    assert_string_equal(tact_log_level_name((tact_log_level_t) 99), "?");
    assert_string_equal(tact_log_level_name((tact_log_level_t) -1), "?");
    assert_int_equal(TACT_LOG_DEBUG, 0);
    assert_int_equal(TACT_LOG_ERROR, 3);
    assert_int_equal(TACT_LOG_LEVEL_COUNT, 4);
}

static void test_out_of_range_level_prints_question_mark(void **state)
{
    (void) state;
    stderr_capture_t c;
    stderr_begin(&c);
    tact__log(TACT_LOG_LEVEL_COUNT, "odd");
    const char *text = stderr_end(&c);
    assert_string_equal(text, "? tact] odd\n");
}

/* A callback that logs from inside itself (the sink is called outside the lock). */
static void reentrant_fn(tact_log_level_t level, const char *msg, void *user)
{
    capture_fn(level, msg, user);
    if (level == TACT_LOG_ERROR)
        tact__log(TACT_LOG_WARNING, "nested: %s", msg);
}

static void test_callback_may_log(void **state)
{
    (void) state;
    tact_log_set_callback(reentrant_fn, NULL);
    tact__log(TACT_LOG_ERROR, "outer");
    assert_int_equal(captured(), 2);
    assert_int_equal(cap.level[0], TACT_LOG_ERROR);
    assert_string_equal(cap.text[0], "outer");
    assert_int_equal(cap.level[1], TACT_LOG_WARNING);
    assert_string_equal(cap.text[1], "nested: outer");

    /* A callback may also replace itself. */
    tact_log_set_callback(capture_fn, NULL);
    tact__log(TACT_LOG_ERROR, "plain");
    assert_int_equal(captured(), 3);
}

/* Many threads log at once while another swaps callbacks and the threshold. */
#define LOG_THREADS  8
#define LOG_MESSAGES 400

static _Atomic int count_a, count_b, bad_text;

static void check_text(const char *msg)
{
    int t = -1, i = -1;
    char tail[8] = "";
    if (sscanf(msg, "thread %d message %d%7s", &t, &i, tail) != 2 || t < 0 || t >= LOG_THREADS ||
        i < 0 || i >= LOG_MESSAGES)
        atomic_fetch_add(&bad_text, 1);
}

static void count_fn_a(tact_log_level_t level, const char *msg, void *user)
{
    if (level != TACT_LOG_WARNING || user != &count_a)
        atomic_fetch_add(&bad_text, 1);
    check_text(msg);
    atomic_fetch_add(&count_a, 1);
}

static void count_fn_b(tact_log_level_t level, const char *msg, void *user)
{
    if (level != TACT_LOG_WARNING || user != &count_b)
        atomic_fetch_add(&bad_text, 1);
    check_text(msg);
    atomic_fetch_add(&count_b, 1);
}

static _Atomic bool logging_done;

static void *log_thread(void *arg)
{
    int id = (int) (intptr_t) arg;
    for (int i = 0; i < LOG_MESSAGES; i++) {
        tact__log(TACT_LOG_WARNING, "thread %d message %d", id, i);
        tact__log(TACT_LOG_DEBUG, "thread %d dropped %d", id, i);  /* below every threshold */
    }
    return NULL;
}

static void *switch_thread(void *arg)
{
    (void) arg;
    for (int k = 0; !atomic_load(&logging_done); k++) {
        if (k & 1)
            tact_log_set_callback(count_fn_a, &count_a);
        else
            tact_log_set_callback(count_fn_b, &count_b);
        tact_log_set_level((k & 2) ? TACT_LOG_INFO : TACT_LOG_WARNING);
        (void) tact_log_level();
        sched_yield();
    }
    return NULL;
}

static void test_many_threads(void **state)
{
    (void) state;
    atomic_store(&count_a, 0);
    atomic_store(&count_b, 0);
    atomic_store(&bad_text, 0);
    atomic_store(&logging_done, false);
    tact_log_set_callback(count_fn_a, &count_a);

    pthread_t sw, t[LOG_THREADS];
    assert_int_equal(pthread_create(&sw, NULL, switch_thread, NULL), 0);
    for (int i = 0; i < LOG_THREADS; i++)
        assert_int_equal(pthread_create(&t[i], NULL, log_thread, (void *) (intptr_t) i), 0);
    for (int i = 0; i < LOG_THREADS; i++)
        assert_int_equal(pthread_join(t[i], NULL), 0);
    atomic_store(&logging_done, true);
    assert_int_equal(pthread_join(sw, NULL), 0);

    /* Every WARNING reached exactly one of the two callbacks, intact; no DEBUG did. */
    assert_int_equal(atomic_load(&count_a) + atomic_load(&count_b), LOG_THREADS * LOG_MESSAGES);
    assert_int_equal(atomic_load(&bad_text), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_default_level_is_info, capture_reset,
                                        restore_defaults),
        cmocka_unit_test_setup_teardown(test_set_level_filters, capture_reset, restore_defaults),
        cmocka_unit_test_setup_teardown(test_callback_gets_level_text_and_user, capture_reset,
                                        restore_defaults),
        cmocka_unit_test_setup_teardown(test_null_callback_restores_stderr, capture_reset,
                                        restore_defaults),
        cmocka_unit_test_setup_teardown(test_level_names, capture_reset, restore_defaults),
        cmocka_unit_test_setup_teardown(test_out_of_range_level_prints_question_mark,
                                        capture_reset, restore_defaults),
        cmocka_unit_test_setup_teardown(test_callback_may_log, capture_reset, restore_defaults),
        cmocka_unit_test_setup_teardown(test_many_threads, capture_reset, restore_defaults),
    };
    return cmocka_run_group_tests_name("log", tests, NULL, NULL);
}
