/* SPDX-License-Identifier: MIT */
/* Readers: TextLineReader and WholeFileReader over a queue of file names, with TensorFlow's
 * keys, header skipping, files without a trailing newline, empty and missing files, end of
 * input, bytes kept exactly, and per-session positions.
 *
 * The simplest use:
 *     tact_op_t *reader = tact_text_line_reader(g, 0, NULL, &st);
 *     tact_reader_read(g, reader, files, &key, &value, NULL, &st);
 */
#include "runtime/exec/session_impl.h"

#include <setjmp.h>
#include <cmocka.h>
#include <string.h>
#include <unistd.h>
#include <pthread.h>
#include <sys/stat.h>

#include "tests/helpers.h"

typedef struct fixture {
    char dir[64];
    tact_graph_t *g;
    tact_output_t name;           /* placeholder: a file name */
    tact_op_t *files;             /* queue of file names */
    tact_op_t *enq, *close;
    tact_op_t *lines, *lines_skip1, *whole;
    tact_output_t key, value, key1, value1, wkey, wvalue;
} fixture_t;

static void write_file(const fixture_t *f, const char *name, const char *bytes, size_t len)
{
    char path[160];
    snprintf(path, sizeof path, "%s/%s", f->dir, name);
    FILE *fp = fopen(path, "wb");
    assert_non_null(fp);
    assert_int_equal(fwrite(bytes, 1, len, fp), len);
    fclose(fp);
}

static int setup(void **state)
{
    fixture_t *f = calloc(1, sizeof *f);
    strcpy(f->dir, "/tmp/tact-reader-XXXXXX");
    if (mkdtemp(f->dir) == NULL)
        return -1;
    write_file(f, "a.txt", "header\nfirst\r\nsecond\n", 21);
    write_file(f, "b.txt", "no newline at end", 17);
    write_file(f, "empty.txt", "", 0);
    write_file(f, "bin.dat", "x\0y\n\0", 5);
    tact_status_t st = TACT_STATUS_INIT;
    f->g = tact_graph_new();
    f->name = tact_placeholder(f->g, TACT_DTYPE_STRING, NULL, 0, "name", &st);
    f->files = tact_fifo_queue(f->g, 0, (tact_dtype_t[]) { TACT_DTYPE_STRING }, 1, NULL, NULL,
                               "files", &st);
    f->enq = tact_queue_enqueue(f->g, f->files, &f->name, 1, NULL, &st);
    f->close = tact_queue_close(f->g, f->files, false, NULL, &st);
    f->lines = tact_text_line_reader(f->g, 0, NULL, &st);
    f->lines_skip1 = tact_text_line_reader(f->g, 1, "skip1", &st);
    f->whole = tact_whole_file_reader(f->g, NULL, &st);
    tact_reader_read(f->g, f->lines, f->files, &f->key, &f->value, NULL, &st);
    tact_reader_read(f->g, f->lines_skip1, f->files, &f->key1, &f->value1, "read_skip1", &st);
    tact_reader_read(f->g, f->whole, f->files, &f->wkey, &f->wvalue, "read_whole", &st);
    *state = f;
    return st.code == TACT_CODE_OK ? 0 : -1;
}

static int teardown(void **state)
{
    fixture_t *f = *state;
    const char *names[] = { "a.txt", "b.txt", "empty.txt", "bin.dat" };
    for (int i = 0; i < 4; i++) {
        char path[160];
        snprintf(path, sizeof path, "%s/%s", f->dir, names[i]);
        unlink(path);
    }
    rmdir(f->dir);
    tact_graph_destroy(&f->g);
    free(f);
    return 0;
}

/* Enqueue the files `names` (in the fixture's directory; a name starting with '/' as is). */
static void enqueue_files(tact_session_t *s, fixture_t *f, const char *const *names, int n,
                          bool close)
{
    for (int i = 0; i < n; i++) {
        char path[160];
        if (names[i][0] == '/')
            snprintf(path, sizeof path, "%s", names[i]);
        else
            snprintf(path, sizeof path, "%s/%s", f->dir, names[i]);
        const char *p = path;
        tact_status_t st = TACT_STATUS_INIT;
        tact_tensor_t *v = tact_tensor_new_strings(NULL, 0, &p, NULL, &st);
        tact_feed_t feed = { f->name, v };
        assert_int_equal(tact_session_run(s, NULL, 0, NULL, &feed, 1, &f->enq, 1, &st),
                         TACT_CODE_OK);
        tact_tensor_destroy(&v);
    }
    if (close) {
        tact_status_t st = TACT_STATUS_INIT;
        assert_int_equal(tact_op_run(f->close, NULL, 0, s, &st), TACT_CODE_OK);
    }
}

/* Read one record; returns the code, with key (relative to the directory) and value. */
static tact_code_t read_record(tact_session_t *s, fixture_t *f, tact_output_t key,
                               tact_output_t value, char *k, char *v, size_t *vlen,
                               tact_status_t *st)
{
    tact_output_t fetch[2] = { key, value };
    tact_tensor_t *r[2] = { NULL, NULL };
    tact_code_t rc = tact_session_run(s, fetch, 2, r, NULL, 0, NULL, 0, st);
    if (rc == TACT_CODE_OK) {
        size_t klen, len;
        const char *kb = tact_tensor_string(r[0], 0, &klen);
        size_t dl = strlen(f->dir);
        assert_true(klen > dl && memcmp(kb, f->dir, dl) == 0);
        memcpy(k, kb + dl + 1, klen - dl - 1);
        k[klen - dl - 1] = '\0';
        const char *vb = tact_tensor_string(r[1], 0, &len);
        memcpy(v, vb, len);
        v[len] = '\0';
        if (vlen)
            *vlen = len;
    }
    tact_tensor_destroy(&r[0]);
    tact_tensor_destroy(&r[1]);
    return rc;
}

static void test_names_and_types(void **state)
{
    fixture_t *f = *state;
    assert_string_equal(tact_op_name(f->lines), "TextLineReaderV2");
    assert_string_equal(tact_op_name(f->whole), "WholeFileReaderV2");
    assert_string_equal(tact_op_name(f->key.op), "ReaderReadV2");
    char text[160];
    tact_output_format(f->value, text, sizeof text);
    assert_string_equal(text, "Tensor(\"ReaderReadV2:1\", shape=(), dtype=string)");
    tact_status_t e = TACT_STATUS_INIT;
    tact_output_t k, v;
    tact_op_t *ints = tact_fifo_queue(f->g, 0, (tact_dtype_t[]) { TACT_DTYPE_I32 }, 1, NULL,
                                      NULL, NULL, &e);
    assert_null(tact_reader_read(f->g, f->lines, ints, &k, &v, NULL, &e));
    assert_int_equal(e.code, TACT_CODE_INVALID_ARGUMENT);
    assert_true(tu_contains(e.msg, "must hold single strings"));
    e = (tact_status_t) TACT_STATUS_INIT;
    assert_null(tact_reader_read(f->g, f->files, f->files, &k, &v, NULL, &e));
    assert_true(tu_contains(e.msg, "is not a reader"));
    e = (tact_status_t) TACT_STATUS_INIT;
    assert_null(tact_text_line_reader(f->g, -1, NULL, &e));
    assert_true(tu_contains(e.msg, "skip_header_lines must be >= 0"));
}

static void test_text_lines_across_files(void **state)
{
    fixture_t *f = *state;
    tact_session_t *s = tu_session(f->g, NULL);
    enqueue_files(s, f, (const char *[]) { "a.txt", "empty.txt", "b.txt" }, 3, true);
    const char *want[][2] = { { "a.txt:1", "header" }, { "a.txt:2", "first" },
                              { "a.txt:3", "second" }, { "b.txt:1", "no newline at end" } };
    char k[200], v[200];
    tact_status_t st = TACT_STATUS_INIT;
    for (int i = 0; i < 4; i++) {
        assert_int_equal(read_record(s, f, f->key, f->value, k, v, NULL, &st), TACT_CODE_OK);
        assert_string_equal(k, want[i][0]);
        assert_string_equal(v, want[i][1]);
    }
    /* The queue is closed and drained: end of input. */
    tact_status_t e = TACT_STATUS_INIT;
    assert_int_equal(read_record(s, f, f->key, f->value, k, v, NULL, &e), TACT_CODE_OUT_OF_RANGE);
    assert_true(tu_contains(e.msg, "is closed and has insufficient elements"));
    tact_session_destroy(&s);
}

static void test_skip_header_lines(void **state)
{
    fixture_t *f = *state;
    tact_session_t *s = tu_session(f->g, NULL);
    enqueue_files(s, f, (const char *[]) { "a.txt", "b.txt" }, 2, true);
    char k[200], v[200];
    tact_status_t st = TACT_STATUS_INIT;
    assert_int_equal(read_record(s, f, f->key1, f->value1, k, v, NULL, &st), TACT_CODE_OK);
    assert_string_equal(k, "a.txt:2");  /* line numbers count the skipped header */
    assert_string_equal(v, "first");
    assert_int_equal(read_record(s, f, f->key1, f->value1, k, v, NULL, &st), TACT_CODE_OK);
    assert_string_equal(k, "a.txt:3");
    /* b.txt's only line is its header: nothing left. */
    tact_status_t e = TACT_STATUS_INIT;
    assert_int_equal(read_record(s, f, f->key1, f->value1, k, v, NULL, &e),
                     TACT_CODE_OUT_OF_RANGE);
    tact_session_destroy(&s);
}

static void test_whole_files_keep_bytes(void **state)
{
    fixture_t *f = *state;
    tact_session_t *s = tu_session(f->g, NULL);
    enqueue_files(s, f, (const char *[]) { "bin.dat", "empty.txt" }, 2, true);
    char k[200], v[200];
    size_t len = 0;
    tact_status_t st = TACT_STATUS_INIT;
    assert_int_equal(read_record(s, f, f->wkey, f->wvalue, k, v, &len, &st), TACT_CODE_OK);
    assert_string_equal(k, "bin.dat");
    assert_int_equal(len, 5);
    assert_memory_equal(v, "x\0y\n\0", 5);
    assert_int_equal(read_record(s, f, f->wkey, f->wvalue, k, v, &len, &st), TACT_CODE_OK);
    assert_string_equal(k, "empty.txt");
    assert_int_equal(len, 0);
    tact_session_destroy(&s);
}

static void test_missing_file_and_sessions(void **state)
{
    fixture_t *f = *state;
    tact_session_t *a = tu_session(f->g, NULL), *b = tu_session(f->g, NULL);
    enqueue_files(a, f, (const char *[]) { "missing.txt", "b.txt" }, 2, false);
    enqueue_files(b, f, (const char *[]) { "a.txt" }, 1, false);
    char k[200], v[200];
    tact_status_t e = TACT_STATUS_INIT;
    assert_int_equal(read_record(a, f, f->key, f->value, k, v, NULL, &e), TACT_CODE_NOT_FOUND);
    assert_true(tu_contains(e.msg, "missing.txt; No such file or directory"));
    assert_true(tu_contains(e.msg, "[[{{node ReaderReadV2}}]]"));
    /* The reader goes on with the next file. */
    tact_status_t st = TACT_STATUS_INIT;
    assert_int_equal(read_record(a, f, f->key, f->value, k, v, NULL, &st), TACT_CODE_OK);
    assert_string_equal(k, "b.txt:1");
    /* Session b has its own reader position and queue. */
    assert_int_equal(read_record(b, f, f->key, f->value, k, v, NULL, &st), TACT_CODE_OK);
    assert_string_equal(k, "a.txt:1");
    /* With the queue open and empty, a read waits: a timeout ends it. */
    tact_run_options_t opts = { .timeout_in_ms = 10 };
    tact_output_t fetch[2] = { f->key, f->value };
    tact_tensor_t *r[2];
    e = (tact_status_t) TACT_STATUS_INIT;
    assert_int_equal(tact_session_run_ex(a, &opts, fetch, 2, r, NULL, 0, NULL, 0, &e),
                     TACT_CODE_DEADLINE_EXCEEDED);
    tact_session_destroy(&a);
    tact_session_destroy(&b);
}

/* A read running on its own thread, so that a read that never returns fails the test. */
typedef struct bg_read {
    tact_session_t *s;
    fixture_t *f;
    tact_output_t key, value;
    tact_run_options_t opts;
    tact_status_t st;
    char k[200], v[200];
    atomic_bool done;
} bg_read_t;

static void *bg_read_main(void *p)
{
    bg_read_t *b = p;
    tact_output_t fetch[2] = { b->key, b->value };
    tact_tensor_t *r[2] = { NULL, NULL };
    if (tact_session_run_ex(b->s, &b->opts, fetch, 2, r, NULL, 0, NULL, 0, &b->st) ==
        TACT_CODE_OK) {
        size_t klen, vlen;
        const char *kb = tact_tensor_string(r[0], 0, &klen), *vb = tact_tensor_string(r[1], 0, &vlen);
        snprintf(b->k, sizeof b->k, "%.*s", (int) klen, kb);
        snprintf(b->v, sizeof b->v, "%.*s", (int) vlen, vb);
    }
    tact_tensor_destroy(&r[0]);
    tact_tensor_destroy(&r[1]);
    atomic_store(&b->done, true);
    return NULL;
}

/* Wait for `b` to end; a read still blocked after 20 s is the bug itself: fail at once
 * (the blocked thread could not be joined). */
static void bg_read_join(pthread_t th, bg_read_t *b)
{
    for (int i = 0; i < 2000 && !atomic_load(&b->done); i++)
        usleep(10000);
    if (!atomic_load(&b->done)) {
        fprintf(stderr, "test_reader: a read on a FIFO without a writer is still blocked\n");
        _exit(1);
    }
    pthread_join(th, NULL);
}

/* Wait until a run is inside `s`, then a little more, so that it is blocked in the read. */
static void wait_blocked(tact_session_t *s)
{
    while (tact__session_active_runs(s) == 0)
        usleep(1000);
    usleep(30000);
}

/* A FIFO without a writer: opening it would block (TensorFlow's reader would wait forever).
 * Here the read ends on its timeout (run options or the config), its cancellation handle
 * and the session's close, and a writer that comes later is read in full. */
static void test_fifo_without_writer(void **state)
{
    fixture_t *f = *state;
    char fifo[160];
    snprintf(fifo, sizeof fifo, "%s/fifo", f->dir);
    assert_int_equal(mkfifo(fifo, 0600), 0);
    const char *names[] = { "fifo" };
    for (int kind = 0; kind < 2; kind++) {  /* WholeFileReader, TextLineReader */
        tact_output_t key = kind ? f->key : f->wkey, value = kind ? f->value : f->wvalue;
        const char *what = kind ? "fifo:1" : "fifo";

        /* 1. The run's timeout, then the config's. */
        for (int c = 0; c < 2; c++) {
            tact_config_t timeout = { .operation_timeout_in_ms = 50 };
            tact_session_t *s = tu_session(f->g, c ? &timeout : NULL);
            enqueue_files(s, f, names, 1, false);
            pthread_t th;
            bg_read_t b = { .s = s, .f = f, .key = key, .value = value,
                            .opts = { .timeout_in_ms = c ? 0 : 50 }, .st = TACT_STATUS_INIT };
            int64_t t0 = tact__now_ns();
            assert_int_equal(pthread_create(&th, NULL, bg_read_main, &b), 0);
            bg_read_join(th, &b);
            assert_true(tact__now_ns() - t0 >= 50 * 1000000LL);
            assert_int_equal(b.st.code, TACT_CODE_DEADLINE_EXCEEDED);
            assert_true(tu_contains(b.st.msg, "Timed out waiting for notification"));
            tact_session_destroy(&s);
        }

        /* 2. A cancellation from another thread. */
        tact_session_t *s = tu_session(f->g, NULL);
        enqueue_files(s, f, names, 1, false);
        tact_cancel_t *cancel = tact_cancel_new();
        pthread_t th;
        bg_read_t b = { .s = s, .f = f, .key = key, .value = value, .opts = { .cancel = cancel },
                        .st = TACT_STATUS_INIT };
        assert_int_equal(pthread_create(&th, NULL, bg_read_main, &b), 0);
        wait_blocked(s);
        assert_false(atomic_load(&b.done));
        tact_cancel_request(cancel);
        bg_read_join(th, &b);
        assert_int_equal(b.st.code, TACT_CODE_CANCELLED);
        assert_true(tu_contains(b.st.msg, "ReaderRead operation was cancelled"));

        /* 3. The reader kept its file: a writer now delivers it to the next read. */
        bg_read_t b2 = { .s = s, .f = f, .key = key, .value = value, .st = TACT_STATUS_INIT };
        assert_int_equal(pthread_create(&th, NULL, bg_read_main, &b2), 0);
        wait_blocked(s);
        FILE *w = fopen(fifo, "wb");
        assert_non_null(w);
        fputs("one\ntwo", w);
        fclose(w);
        bg_read_join(th, &b2);
        assert_int_equal(b2.st.code, TACT_CODE_OK);
        assert_true(tu_contains(b2.k, what));
        assert_string_equal(b2.v, kind ? "one" : "one\ntwo");
        tact_session_destroy(&s);
        tact_cancel_destroy(&cancel);

        /* 4. The session's close (then destroy) while the read waits. */
        s = tu_session(f->g, NULL);
        enqueue_files(s, f, names, 1, false);
        bg_read_t b3 = { .s = s, .f = f, .key = key, .value = value, .st = TACT_STATUS_INIT };
        assert_int_equal(pthread_create(&th, NULL, bg_read_main, &b3), 0);
        wait_blocked(s);
        tact_status_t st = TACT_STATUS_INIT;
        assert_int_equal(tact_session_close(s, &st), TACT_CODE_OK);
        bg_read_join(th, &b3);
        assert_int_equal(b3.st.code, TACT_CODE_CANCELLED);
        assert_true(tu_contains(b3.st.msg, "ReaderRead operation was cancelled"));
        tact_session_destroy(&s);
    }
    unlink(fifo);
}

/* Two runs on one reader: the second waits for the reader while the first waits on the FIFO,
 * and both end on their own timeouts. */
static void test_fifo_two_runs_one_reader(void **state)
{
    fixture_t *f = *state;
    char fifo[160];
    snprintf(fifo, sizeof fifo, "%s/fifo", f->dir);
    assert_int_equal(mkfifo(fifo, 0600), 0);
    tact_session_t *s = tu_session(f->g, NULL);
    enqueue_files(s, f, (const char *[]) { "fifo" }, 1, false);
    pthread_t th[2];
    bg_read_t b[2];
    for (int i = 0; i < 2; i++) {
        b[i] = (bg_read_t) { .s = s, .f = f, .key = f->wkey, .value = f->wvalue,
                             .opts = { .timeout_in_ms = 100 + 100 * i },
                             .st = TACT_STATUS_INIT };
        assert_int_equal(pthread_create(&th[i], NULL, bg_read_main, &b[i]), 0);
    }
    for (int i = 0; i < 2; i++) {
        bg_read_join(th[i], &b[i]);
        assert_int_equal(b[i].st.code, TACT_CODE_DEADLINE_EXCEEDED);
    }
    tact_session_destroy(&s);
    unlink(fifo);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_names_and_types, setup, teardown),
        cmocka_unit_test_setup_teardown(test_text_lines_across_files, setup, teardown),
        cmocka_unit_test_setup_teardown(test_skip_header_lines, setup, teardown),
        cmocka_unit_test_setup_teardown(test_whole_files_keep_bytes, setup, teardown),
        cmocka_unit_test_setup_teardown(test_missing_file_and_sessions, setup, teardown),
        cmocka_unit_test_setup_teardown(test_fifo_without_writer, setup, teardown),
        cmocka_unit_test_setup_teardown(test_fifo_two_runs_one_reader, setup, teardown),
    };
    return cmocka_run_group_tests_name("reader", tests, NULL, NULL);
}
