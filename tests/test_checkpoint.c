/* SPDX-License-Identifier: MIT */
/* V2 checkpoints (runtime/model/table.c, bundle.c, checkpoint.c): the LevelDB table, a
 * checkpoint TensorFlow's Saver wrote (data/ckpt_saver, data/make_checkpoint_fixtures.py)
 * restored value for value, tact's own writes byte for byte against TensorFlow's data file and
 * the committed data/ckpt_tact (which TensorFlow reads: the script's --verify), save/restore
 * round trips on the CPU and on the fake GPU, TensorFlow's errors, corrupt and hostile files
 * (truncations, seeded bit flips, huge claimed shapes), two shards, saves killed at random
 * points, and saves from four threads beside updates. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <dirent.h>
#include <pthread.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <tact/tact.h>

#include "runtime/model/bundle.h"
#include "runtime/model/crc32c.h"
#include "runtime/model/table.h"
#include "tensor_bundle.pb-c.h"
#include "tests/fake_gpu.h"
#include "tests/helpers.h"

#define SAVER_PREFIX TACT_TEST_DATA_DIR "/ckpt_saver/model"
#define TACT_PREFIX  TACT_TEST_DATA_DIR "/ckpt_tact/model"
#define DATA_SUFFIX  ".data-00000-of-00001"

/* ---- files ---- */

static bool file_exists(const char *path)
{
    struct stat sb;
    return stat(path, &sb) == 0;
}

static bool files_equal(const char *a, const char *b)
{
    size_t na, nb;
    char *da = tu_read_file(a, &na), *db = tu_read_file(b, &nb);
    bool same = na == nb && memcmp(da, db, na) == 0;
    free(da);
    free(db);
    return same;
}

/* A fresh directory under $TMPDIR (or /tmp), removed with its files by tu_remove_tree. */
static void make_dir(char *dir, size_t len)
{
    const char *tmp = getenv("TMPDIR");
    snprintf(dir, len, "%s/tact_ckpt_XXXXXX", tmp && tmp[0] ? tmp : "/tmp");
    assert_non_null(mkdtemp(dir));
}

static void copy_file(const char *from, const char *to)
{
    size_t n;
    char *data = tu_read_file(from, &n);
    tu_write_file(to, data, n);
    free(data);
}

/* ---- the fixture's variables (make_checkpoint_fixtures.py's VARIABLES) ---- */

enum { NV = 6 };
static const char *const var_names[NV] = { "a", "b", "c", "scope/d", "e", "s" };

static const float want_a[] = { 1.5f, -2.0f, 3.25f, 4.0f, 5.0f, 6.0f };
static const double want_b = 2.718281828459045;
static const int32_t want_c[] = { 1, -2, 2147483647 };
static const int64_t want_d[] = { 9007199254740993LL, -1 };
static const bool want_e[] = { true, false, true };
static const char *const want_s[] = { "hello", "", "w\0rld" };
static const size_t want_s_len[] = { 5, 0, 5 };

/* The fixture's value of variable i, or (zeros) a tensor of its dtype and shape. */
static tact_tensor_t *var_value(int i, bool zeros)
{
    tact_status_t st = TACT_STATUS_INIT;
    tact_tensor_t *t = NULL;
    const void *data = NULL;
    switch (i) {
    case 0:
        data = zeros ? NULL : want_a;
        t = tact_tensor_new(TACT_DTYPE_F32, (int64_t[]) { 2, 3 }, 2, data, &st);
        break;
    case 1:
        t = tact_tensor_new(TACT_DTYPE_F64, NULL, 0, zeros ? NULL : &want_b, &st);
        break;
    case 2:
        t = tact_tensor_new(TACT_DTYPE_I32, (int64_t[]) { 3 }, 1, zeros ? NULL : want_c, &st);
        break;
    case 3:
        data = zeros ? NULL : want_d;
        t = tact_tensor_new(TACT_DTYPE_I64, (int64_t[]) { 1, 2 }, 2, data, &st);
        break;
    case 4:
        t = tact_tensor_new(TACT_DTYPE_BOOL, (int64_t[]) { 3 }, 1, zeros ? NULL : want_e, &st);
        break;
    case 5:
        t = tact_tensor_new_strings((int64_t[]) { 3 }, 1, zeros ? NULL : want_s,
                                    zeros ? NULL : want_s_len, &st);
        break;
    }
    assert_int_equal(st.code, TACT_CODE_OK);
    return t;
}

static bool tensors_equal(const tact_tensor_t *x, const tact_tensor_t *y)
{
    if (x == NULL || y == NULL || tact_tensor_dtype(x) != tact_tensor_dtype(y) ||
        tact_tensor_ndims(x) != tact_tensor_ndims(y))
        return false;
    for (int d = 0; d < tact_tensor_ndims(x); d++)
        if (tact_tensor_dim(x, d) != tact_tensor_dim(y, d))
            return false;
    if (tact_tensor_dtype(x) != TACT_DTYPE_STRING)
        return tact_tensor_nbytes(x) == tact_tensor_nbytes(y) &&
               memcmp(tact_tensor_data(x), tact_tensor_data(y), tact_tensor_nbytes(x)) == 0;
    for (int64_t i = 0; i < tact_tensor_nelems(x); i++) {
        size_t lx, ly;
        const char *sx = tact_tensor_string(x, i, &lx), *sy = tact_tensor_string(y, i, &ly);
        if (lx != ly || memcmp(sx, sy, lx) != 0)
            return false;
    }
    return true;
}

/* A graph holding the six variables (initial values: the fixture's, or zeros), optionally one
 * more variable `extra` (a float scalar). */
static tact_graph_t *fixture_graph(bool zeros, const char *extra)
{
    tact_status_t st = TACT_STATUS_INIT;
    tact_graph_t *g = tact_graph_new();
    for (int i = 0; i < NV; i++) {
        tact_tensor_t *t = var_value(i, zeros);
        char cname[64];
        snprintf(cname, sizeof cname, "%s_init", var_names[i]);
        tact_output_t init = tact_constant(g, t, cname, &st);
        tact_variable(g, init, var_names[i], &st);
        tact_tensor_destroy(&t);
    }
    if (extra != NULL)
        tu_variable_f32(g, 7.0f, extra, &st);
    assert_int_equal(st.code, TACT_CODE_OK);
    return g;
}

static tact_tensor_t *fetch_var(tact_session_t *s, tact_graph_t *g, const char *name,
                                tact_status_t *st)
{
    tact_op_t *op = tact_graph_op(g, name);
    assert_non_null(op);
    return tu_run1(s, (tact_output_t) { op, 0 }, NULL, 0, st);
}

/* Every variable of the session holds the fixture's value. */
static void assert_fixture_values(tact_session_t *s, tact_graph_t *g)
{
    for (int i = 0; i < NV; i++) {
        tact_status_t st = TACT_STATUS_INIT;
        tact_tensor_t *got = fetch_var(s, g, var_names[i], &st);
        assert_int_equal(st.code, TACT_CODE_OK);
        tact_tensor_t *want = var_value(i, false);
        if (!tensors_equal(got, want))
            fail_msg("variable %s: got %s", var_names[i], tu_str(got));
        tact_tensor_destroy(&got);
        tact_tensor_destroy(&want);
    }
}

static void init_all(tact_session_t *s, tact_graph_t *g)
{
    tact_status_t st = TACT_STATUS_INIT;
    tact_op_t *init = tact_global_variables_initializer(g, &st);
    assert_int_equal(st.code, TACT_CODE_OK);
    tu_run_op(s, init);
}

static void expect_fail(tact_code_t rc, const tact_status_t *st, tact_code_t code,
                        const char *msg)
{
    assert_int_equal(rc, code);
    assert_int_equal(st->code, code);
    if (strcmp(st->msg, msg) != 0)
        fail_msg("message '%s', expected '%s'", st->msg, msg);
}

/* ---- the table ---- */

static void test_table_round_trip(void **state)
{
    (void) state;
    tact_table_builder_t *b = tact__table_builder_new(64);  /* many blocks */
    char key[32], value[32];
    for (int i = 0; i < 500; i++) {
        snprintf(key, sizeof key, "key%05d", i);
        snprintf(value, sizeof value, "value %d", i * 7);
        tact__table_builder_add(b, key, strlen(key), value, strlen(value));
    }
    void *data;
    size_t len;
    tact__table_builder_finish(b, &data, &len);
    tact__table_builder_destroy(&b);
    tact_status_t st = TACT_STATUS_INIT;
    tact_table_t *t = tact__table_open(data, len, "round trip", &st);
    assert_non_null(t);
    assert_int_equal(tact__table_count(t), 500);
    for (int i = 0; i < 500; i++) {
        snprintf(key, sizeof key, "key%05d", i);
        snprintf(value, sizeof value, "value %d", i * 7);
        const tact_table_entry_t *e = tact__table_find(t, key);
        assert_non_null(e);
        assert_int_equal(e->vlen, strlen(value));
        assert_memory_equal(e->value, value, e->vlen);
        assert_string_equal(tact__table_entry(t, i)->key, key);
    }
    assert_null(tact__table_find(t, "key"));
    assert_null(tact__table_find(t, "key00000x"));
    assert_null(tact__table_find(t, "zzz"));
    tact__table_destroy(&t);
}

static void test_table_reads_tensorflow_index(void **state)
{
    (void) state;
    size_t len;
    char *data = tu_read_file(SAVER_PREFIX ".index", &len);
    tact_status_t st = TACT_STATUS_INIT;
    tact_table_t *t = tact__table_open(data, len, "model.index", &st);
    assert_non_null(t);
    const char *keys[] = { "", "a", "b", "c", "e", "s", "scope/d" };
    assert_int_equal(tact__table_count(t), 7);
    for (int i = 0; i < 7; i++)
        assert_string_equal(tact__table_entry(t, i)->key, keys[i]);
    /* The entry's crc32c is the masked CRC of the tensor's bytes (a: the first 24). */
    Tensorflow__BundleEntryProto *e = tensorflow__bundle_entry_proto__unpack(
        NULL, tact__table_find(t, "a")->vlen, tact__table_find(t, "a")->value);
    assert_non_null(e);
    assert_int_equal(e->offset, 0);
    assert_int_equal(e->size, 24);
    assert_int_equal(e->crc32c, tact__crc32c_mask(tact__crc32c(want_a, sizeof want_a)));
    tensorflow__bundle_entry_proto__free_unpacked(e, NULL);
    tact__table_destroy(&t);
}

static tact_table_t *open_copy(const unsigned char *data, size_t len, tact_status_t *st)
{
    void *copy = malloc(len ? len : 1);
    assert_non_null(copy);
    memcpy(copy, data, len);
    return tact__table_open(copy, len, "t.index", st);
}

static void test_table_corruption(void **state)
{
    (void) state;
    tact_table_builder_t *b = tact__table_builder_new(0);
    tact__table_builder_add(b, "k", 1, "v", 1);
    unsigned char *data;
    size_t len;
    tact__table_builder_finish(b, (void **) &data, &len);
    tact__table_builder_destroy(&b);
    tact_status_t st = TACT_STATUS_INIT;

    assert_null(open_copy(data, TACT_TABLE_FOOTER_SIZE - 1, &st));
    assert_int_equal(st.code, TACT_CODE_DATA_LOSS);
    assert_string_equal(st.msg, "t.index: corrupted checkpoint index: file too short");

    data[len - 1] ^= 1;
    st = (tact_status_t) TACT_STATUS_INIT;
    assert_null(open_copy(data, len, &st));
    assert_string_equal(st.msg, "t.index: corrupted checkpoint index: bad magic number in the "
                                "footer");
    data[len - 1] ^= 1;

    data[1] ^= 0x10;  /* inside the data block */
    st = (tact_status_t) TACT_STATUS_INIT;
    assert_null(open_copy(data, len, &st));
    assert_int_equal(st.code, TACT_CODE_DATA_LOSS);
    assert_string_equal(st.msg, "t.index: corrupted checkpoint index: block checksum mismatch");
    data[1] ^= 0x10;

    /* The data block (at 0, its trailer just before the metaindex block) marked Snappy, with
     * a checksum that fits: refused as such. */
    const unsigned char *p = data + len - TACT_TABLE_FOOTER_SIZE;
    uint64_t meta_off;
    assert_true(tact__varint64_get(&p, data + len, &meta_off));
    size_t n = (size_t) meta_off - 5;
    data[n] = 1;
    uint32_t crc = tact__crc32c_mask(tact__crc32c(data, n + 1));
    for (int k = 0; k < 4; k++)
        data[n + 1 + k] = (unsigned char) (crc >> (8 * k));
    st = (tact_status_t) TACT_STATUS_INIT;
    assert_null(open_copy(data, len, &st));
    assert_int_equal(st.code, TACT_CODE_UNIMPLEMENTED);
    assert_true(tu_contains(st.msg, "a Snappy-compressed block"));
    free(data);
}

/* ---- TensorFlow's checkpoint ---- */

static void test_restore_tensorflow_checkpoint(void **state)
{
    (void) state;
    tact_graph_t *g = fixture_graph(true, NULL);
    tact_session_t *s = tu_session(g, NULL);
    tact_status_t st = TACT_STATUS_INIT;
    assert_int_equal(tact_checkpoint_restore(s, SAVER_PREFIX, &st), TACT_CODE_OK);
    assert_fixture_values(s, g);
    tact_session_destroy(&s);
    tact_graph_destroy(&g);
}

static void test_save_matches_tensorflow(void **state)
{
    (void) state;
    char dir[256], prefix[300], path[320];
    make_dir(dir, sizeof dir);
    tact_graph_t *g = fixture_graph(false, NULL);
    tact_session_t *s = tu_session(g, NULL);
    init_all(s, g);
    snprintf(prefix, sizeof prefix, "%s/model", dir);
    tact_status_t st = TACT_STATUS_INIT;
    assert_int_equal(tact_checkpoint_save(s, prefix, &st), TACT_CODE_OK);
    /* The same bytes as TensorFlow's data file: same order, same string layout. */
    snprintf(path, sizeof path, "%s" DATA_SUFFIX, prefix);
    assert_true(files_equal(path, SAVER_PREFIX DATA_SUFFIX));
    /* The state file: an absolute prefix as it is. */
    snprintf(path, sizeof path, "%s/checkpoint", dir);
    size_t n;
    char *text = tu_read_file(path, &n);
    char want[800];
    snprintf(want, sizeof want, "model_checkpoint_path: \"%s\"\nall_model_checkpoint_paths: "
             "\"%s\"\n", prefix, prefix);
    assert_int_equal(n, strlen(want));
    assert_memory_equal(text, want, n);
    free(text);
    /* A relative prefix: the path relative to its directory, TensorFlow's very file. */
    char cwd[1024];
    assert_non_null(getcwd(cwd, sizeof cwd));
    assert_int_equal(chdir(dir), 0);
    assert_int_equal(tact_checkpoint_save(s, "./model", &st), TACT_CODE_OK);
    assert_int_equal(chdir(cwd), 0);
    assert_true(files_equal(path, TACT_TEST_DATA_DIR "/ckpt_saver/checkpoint"));
    /* Nothing left beside: checkpoint, model.index, model.data-00000-of-00001. */
    int count = 0;
    DIR *d = opendir(dir);
    for (struct dirent *e; (e = readdir(d)) != NULL;)
        count += e->d_name[0] != '.';
    closedir(d);
    assert_int_equal(count, 3);
    tact_session_destroy(&s);
    tact_graph_destroy(&g);
    tu_remove_tree(dir);
}

/* data/ckpt_tact is what tact writes today (TensorFlow read it: the script's --verify);
 * TACT_WRITE_FIXTURES=<dir> writes it again there. */
static void test_tact_fixture_is_current(void **state)
{
    (void) state;
    char dir[256], prefix[300];
    make_dir(dir, sizeof dir);
    tact_graph_t *g = fixture_graph(false, NULL);
    tact_session_t *s = tu_session(g, NULL);
    init_all(s, g);
    snprintf(prefix, sizeof prefix, "%s/model", dir);
    tact_status_t st = TACT_STATUS_INIT;
    const char *out = getenv("TACT_WRITE_FIXTURES");
    if (out != NULL && out[0] != '\0') {
        char cwd[1024];  /* a relative prefix: the state file names "model" */
        assert_non_null(getcwd(cwd, sizeof cwd));
        assert_int_equal(chdir(out), 0);
        assert_int_equal(tact_checkpoint_save(s, "model", &st), TACT_CODE_OK);
        assert_int_equal(chdir(cwd), 0);
    }
    assert_int_equal(tact_checkpoint_save(s, prefix, &st), TACT_CODE_OK);
    char path[320];
    snprintf(path, sizeof path, "%s.index", prefix);
    assert_true(files_equal(path, TACT_PREFIX ".index"));
    snprintf(path, sizeof path, "%s" DATA_SUFFIX, prefix);
    assert_true(files_equal(path, TACT_PREFIX DATA_SUFFIX));
    tact_session_destroy(&s);
    tact_graph_destroy(&g);
    tu_remove_tree(dir);
}

/* TensorFlow's index of 40 keys sharing prefixes (restart points every 16): restored into
 * zeros, and tact's save of the same values is TensorFlow's data file. */
static void test_many_keys(void **state)
{
    (void) state;
    tact_status_t st = TACT_STATUS_INIT;
    tact_graph_t *g = tact_graph_new();
    char name[32];
    for (int i = 0; i < 40; i++) {
        snprintf(name, sizeof name, "layer%02d/w", i);
        tu_variable_f32(g, 0.0f, name, &st);
    }
    assert_int_equal(st.code, TACT_CODE_OK);
    tact_session_t *s = tu_session(g, NULL);
    assert_int_equal(tact_checkpoint_restore(s, TACT_TEST_DATA_DIR "/ckpt_many/model", &st),
                     TACT_CODE_OK);
    for (int i = 0; i < 40; i++) {
        snprintf(name, sizeof name, "layer%02d/w", i);
        tact_tensor_t *t = fetch_var(s, g, name, &st);
        assert_non_null(t);
        assert_true(*(const float *) tact_tensor_data(t) == 0.5f * (float) i);
        tact_tensor_destroy(&t);
    }
    char dir[256], prefix[300], path[320];
    make_dir(dir, sizeof dir);
    snprintf(prefix, sizeof prefix, "%s/model", dir);
    assert_int_equal(tact_checkpoint_save(s, prefix, &st), TACT_CODE_OK);
    snprintf(path, sizeof path, "%s" DATA_SUFFIX, prefix);
    assert_true(files_equal(path, TACT_TEST_DATA_DIR "/ckpt_many/model" DATA_SUFFIX));
    tact_session_destroy(&s);
    tact_graph_destroy(&g);
    tu_remove_tree(dir);
}

/* ---- round trips ---- */

static void test_round_trip_overwrites_values(void **state)
{
    (void) state;
    char dir[256], prefix[300];
    make_dir(dir, sizeof dir);
    snprintf(prefix, sizeof prefix, "%s/model", dir);
    tact_status_t st = TACT_STATUS_INIT;
    tact_graph_t *g1 = fixture_graph(false, NULL);
    tact_session_t *s1 = tu_session(g1, NULL);
    init_all(s1, g1);
    assert_int_equal(tact_checkpoint_save(s1, prefix, &st), TACT_CODE_OK);

    tact_graph_t *g2 = fixture_graph(true, NULL);  /* zeros, initialised: restore replaces */
    tact_session_t *s2 = tu_session(g2, NULL);
    init_all(s2, g2);
    assert_int_equal(tact_checkpoint_restore(s2, prefix, &st), TACT_CODE_OK);
    assert_fixture_values(s2, g2);
    /* and the other way: a restore into the first session of a zero checkpoint */
    assert_int_equal(tact_checkpoint_save(s2, prefix, &st), TACT_CODE_OK);
    tact_graph_t *g3 = fixture_graph(true, NULL);
    tact_session_t *s3 = tu_session(g3, NULL);
    init_all(s3, g3);
    assert_int_equal(tact_checkpoint_save(s3, prefix, &st), TACT_CODE_OK);
    assert_int_equal(tact_checkpoint_restore(s1, prefix, &st), TACT_CODE_OK);
    tact_tensor_t *a = fetch_var(s1, g1, "a", &st), *zero = var_value(0, true);
    assert_true(tensors_equal(a, zero));
    tact_tensor_destroy(&a);
    tact_tensor_destroy(&zero);
    tact_session_destroy(&s3);
    tact_graph_destroy(&g3);
    tact_session_destroy(&s2);
    tact_graph_destroy(&g2);
    tact_session_destroy(&s1);
    tact_graph_destroy(&g1);
    tu_remove_tree(dir);
}

/* ---- errors ---- */

static void test_save_errors(void **state)
{
    (void) state;
    tact_graph_t *g = fixture_graph(false, NULL);
    tact_session_t *s = tu_session(g, NULL);
    char dir[256], prefix[300], path[320];
    make_dir(dir, sizeof dir);
    snprintf(prefix, sizeof prefix, "%s/model", dir);
    tact_status_t st = TACT_STATUS_INIT;
    expect_fail(tact_checkpoint_save(s, prefix, &st), &st, TACT_CODE_FAILED_PRECONDITION,
                "Attempting to use uninitialized value a");
    snprintf(path, sizeof path, "%s.index", prefix);
    assert_false(file_exists(path));
    init_all(s, g);
    st = (tact_status_t) TACT_STATUS_INIT;
    snprintf(path, sizeof path, "%s/no/such/dir/model", dir);
    char want[400];
    snprintf(want, sizeof want, "Parent directory of %s doesn't exist, can't save.", path);
    expect_fail(tact_checkpoint_save(s, path, &st), &st, TACT_CODE_NOT_FOUND, want);
    st = (tact_status_t) TACT_STATUS_INIT;
    expect_fail(tact_checkpoint_save(s, "", &st), &st, TACT_CODE_INVALID_ARGUMENT,
                "Saver.save: the checkpoint prefix is empty");
    /* No status: the codes alone. */
    assert_int_equal(tact_checkpoint_save(s, path, NULL), TACT_CODE_NOT_FOUND);
    assert_int_equal(tact_checkpoint_save(s, prefix, NULL), TACT_CODE_OK);
    assert_int_equal(tact_checkpoint_restore(s, prefix, NULL), TACT_CODE_OK);
    assert_int_equal(tact_checkpoint_restore(s, path, NULL), TACT_CODE_NOT_FOUND);
    tact_session_destroy(&s);
    tact_graph_destroy(&g);

    g = tact_graph_new();
    s = tu_session(g, NULL);
    st = (tact_status_t) TACT_STATUS_INIT;
    expect_fail(tact_checkpoint_save(s, prefix, &st), &st, TACT_CODE_INVALID_ARGUMENT,
                "No variables to save");
    /* The bundle writer's own check (a graph's names are unique already). */
    tact_tensor_t *t = var_value(0, false);
    st = (tact_status_t) TACT_STATUS_INIT;
    expect_fail(tact__bundle_write(prefix, (const char *[]) { "x", "y", "x" },
                                   (const tact_tensor_t *[]) { t, t, t }, 3, &st),
                &st, TACT_CODE_INVALID_ARGUMENT, "checkpoint: the name x is given twice");
    tact_tensor_destroy(&t);
    tact_session_destroy(&s);
    tact_graph_destroy(&g);
    tu_remove_tree(dir);
}

/* A graph with one variable `name` of `dtype` and shape dims (zeros). */
static tact_graph_t *one_var_graph(const char *name, tact_dtype_t dtype, const int64_t *dims,
                                   int ndims)
{
    tact_status_t st = TACT_STATUS_INIT;
    tact_graph_t *g = tact_graph_new();
    tact_tensor_t *t = tact_tensor_new(dtype, dims, ndims, NULL, &st);
    tact_variable(g, tact_constant(g, t, "init", &st), name, &st);
    tact_tensor_destroy(&t);
    assert_int_equal(st.code, TACT_CODE_OK);
    return g;
}

static void restore_fails(tact_graph_t *g, const char *prefix, tact_code_t code,
                          const char *msg)
{
    tact_session_t *s = tu_session(g, NULL);
    tact_status_t st = TACT_STATUS_INIT;
    expect_fail(tact_checkpoint_restore(s, prefix, &st), &st, code, msg);
    /* All or nothing: no variable got a value. */
    tact_op_t *first = tact_graph_op(g, "a") ? tact_graph_op(g, "a") : NULL;
    if (first != NULL) {
        char want[128];
        snprintf(want, sizeof want, "Attempting to use uninitialized value %s",
                 tact_op_name(first));
        tu_run_fails(s, (tact_output_t) { first, 0 }, NULL, 0, TACT_CODE_FAILED_PRECONDITION,
                     want);
    }
    tact_session_destroy(&s);
    tact_graph_destroy(&g);
}

static void test_restore_errors(void **state)
{
    (void) state;
    restore_fails(fixture_graph(true, "missing"), SAVER_PREFIX, TACT_CODE_NOT_FOUND,
                  "Key missing not found in checkpoint");
    restore_fails(one_var_graph("a", TACT_DTYPE_F32, (int64_t[]) { 3 }, 1), SAVER_PREFIX,
                  TACT_CODE_INVALID_ARGUMENT,
                  "Assign requires shapes of both tensors to match. lhs shape= [3] rhs shape= "
                  "[2,3] (restoring a)");
    restore_fails(one_var_graph("b", TACT_DTYPE_F64, (int64_t[]) { 1 }, 1), SAVER_PREFIX,
                  TACT_CODE_INVALID_ARGUMENT,
                  "Assign requires shapes of both tensors to match. lhs shape= [1] rhs shape= "
                  "[] (restoring b)");
    restore_fails(one_var_graph("a", TACT_DTYPE_F64, (int64_t[]) { 2, 3 }, 2), SAVER_PREFIX,
                  TACT_CODE_INVALID_ARGUMENT,
                  "tensor_name = a; expected dtype double does not equal original dtype float");
    restore_fails(one_var_graph("s", TACT_DTYPE_I32, (int64_t[]) { 3 }, 1), SAVER_PREFIX,
                  TACT_CODE_INVALID_ARGUMENT,
                  "tensor_name = s; expected dtype int32 does not equal original dtype string");
    restore_fails(fixture_graph(true, NULL), TACT_TEST_DATA_DIR "/no_such_model",
                  TACT_CODE_NOT_FOUND,
                  "The passed save_path is not a valid checkpoint: " TACT_TEST_DATA_DIR
                  "/no_such_model");

    /* An index without its data file. */
    char dir[256], prefix[300], path[320], want[600];
    make_dir(dir, sizeof dir);
    snprintf(prefix, sizeof prefix, "%s/model", dir);
    snprintf(path, sizeof path, "%s.index", prefix);
    copy_file(SAVER_PREFIX ".index", path);
    snprintf(want, sizeof want,
             "cannot open checkpoint data file %s" DATA_SUFFIX ": No such file or directory",
             prefix);
    restore_fails(fixture_graph(true, NULL), prefix, TACT_CODE_NOT_FOUND, want);
    tu_remove_tree(dir);
}

static bool acceptable_error(tact_code_t code)
{
    return code == TACT_CODE_DATA_LOSS || code == TACT_CODE_NOT_FOUND ||
           code == TACT_CODE_INVALID_ARGUMENT || code == TACT_CODE_UNIMPLEMENTED ||
           code == TACT_CODE_FAILED_PRECONDITION;
}

/* Every truncation of either file, and seeded bit flips: an error (DATA_LOSS for the data
 * file) or, where a flip hit bytes nothing reads (the footer's padding), the right values;
 * never a crash, a leak or a wrong value. */
static void test_corrupt_files(void **state)
{
    (void) state;
    char dir[256], prefix[300], index[320], data[320];
    make_dir(dir, sizeof dir);
    snprintf(prefix, sizeof prefix, "%s/model", dir);
    snprintf(index, sizeof index, "%s.index", prefix);
    snprintf(data, sizeof data, "%s" DATA_SUFFIX, prefix);
    size_t n_index, n_data;
    char *good_index = tu_read_file(SAVER_PREFIX ".index", &n_index);
    char *good_data = tu_read_file(SAVER_PREFIX DATA_SUFFIX, &n_data);
    tu_write_file(index, good_index, n_index);
    tu_write_file(data, good_data, n_data);

    tact_graph_t *g = fixture_graph(true, NULL);
    tact_session_t *s = tu_session(g, NULL);
    tact_status_t st = TACT_STATUS_INIT;
    for (size_t len = 0; len < n_index; len++) {
        tu_write_file(index, good_index, len);
        st = (tact_status_t) TACT_STATUS_INIT;
        tact_code_t rc = tact_checkpoint_restore(s, prefix, &st);
        if (!acceptable_error(rc))
            fail_msg("index cut at %zu: %s (%s)", len, tact_code_name(rc), st.msg);
    }
    tu_write_file(index, good_index, n_index);
    for (size_t len = 0; len < n_data; len++) {
        tu_write_file(data, good_data, len);
        st = (tact_status_t) TACT_STATUS_INIT;
        tact_code_t rc = tact_checkpoint_restore(s, prefix, &st);
        if (rc != TACT_CODE_DATA_LOSS)
            fail_msg("data cut at %zu: %s (%s)", len, tact_code_name(rc), st.msg);
    }
    tu_write_file(data, good_data, n_data);

    uint64_t x = 0x9e3779b97f4a7c15ull;  /* seeded: the same flips every run */
    int ok = 0;
    char *buf = malloc(n_index > n_data ? n_index : n_data);
    for (int round = 0; round < 600; round++) {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        bool in_index = (x & 1) == 0;
        size_t n = in_index ? n_index : n_data;
        size_t bit = (size_t) ((x >> 8) % (n * 8));
        memcpy(buf, in_index ? good_index : good_data, n);
        buf[bit / 8] ^= (char) (1 << (bit % 8));
        tu_write_file(in_index ? index : data, buf, n);
        st = (tact_status_t) TACT_STATUS_INIT;
        tact_code_t rc = tact_checkpoint_restore(s, prefix, &st);
        if (rc == TACT_CODE_OK) {
            ok++;
            assert_fixture_values(s, g);
        } else if (!acceptable_error(rc) || (!in_index && rc != TACT_CODE_DATA_LOSS)) {
            fail_msg("bit %zu of the %s: %s (%s)", bit, in_index ? "index" : "data",
                     tact_code_name(rc), st.msg);
        }
        tu_write_file(in_index ? index : data, in_index ? good_index : good_data, n);
    }
    /* Flips land in the footer's 40 - 8 bytes of padding about 1 in 20 times. */
    assert_true(ok < 60);
    free(buf);
    free(good_index);
    free(good_data);
    tact_session_destroy(&s);
    tact_graph_destroy(&g);
    tu_remove_tree(dir);
}

/* An index of one entry `name` -> entry, beside `data_path`'s copy of TensorFlow's data. */
static void write_index_shards(const char *path, const char *name,
                               const Tensorflow__BundleEntryProto *entry, int shards)
{
    tact_table_builder_t *b = tact__table_builder_new(0);
    Tensorflow__VersionDef version = TENSORFLOW__VERSION_DEF__INIT;
    version.producer = 1;
    Tensorflow__BundleHeaderProto header = TENSORFLOW__BUNDLE_HEADER_PROTO__INIT;
    header.num_shards = shards;
    header.version = &version;
    unsigned char buf[512];
    size_t n = tensorflow__bundle_header_proto__pack(&header, buf);
    tact__table_builder_add(b, "", 0, buf, n);
    n = tensorflow__bundle_entry_proto__pack(entry, buf);
    tact__table_builder_add(b, name, strlen(name), buf, n);
    void *data;
    size_t len;
    tact__table_builder_finish(b, &data, &len);
    tact__table_builder_destroy(&b);
    tu_write_file(path, data, len);
    free(data);
}

static void write_index(const char *path, const char *name,
                        const Tensorflow__BundleEntryProto *entry)
{
    write_index_shards(path, name, entry, 1);
}

/* Entries claiming more than the data file holds are refused before anything is allocated
 * (ASan would report an allocation of these sizes; tact's allocator would abort). */
static void test_hostile_sizes(void **state)
{
    (void) state;
    char dir[256], prefix[300], index[320], data[320];
    make_dir(dir, sizeof dir);
    snprintf(prefix, sizeof prefix, "%s/model", dir);
    snprintf(index, sizeof index, "%s.index", prefix);
    snprintf(data, sizeof data, "%s" DATA_SUFFIX, prefix);
    copy_file(SAVER_PREFIX DATA_SUFFIX, data);

    struct {
        Tensorflow__DataType dtype;
        int64_t dims[2];
        int ndims;
        int64_t offset, size;
        const char *why;
    } cases[] = {
        { TENSORFLOW__DATA_TYPE__DT_FLOAT, { 1LL << 30, 1LL << 30 }, 2, 0, 1LL << 62,
          "its bytes lie past the end of the data file" },
        { TENSORFLOW__DATA_TYPE__DT_FLOAT, { 1LL << 40, 1LL << 40 }, 2, 0, 16,
          "its size does not match its dtype and shape" },
        { TENSORFLOW__DATA_TYPE__DT_FLOAT, { 1LL << 28, 1 }, 2, 0, 1LL << 30,
          "its bytes lie past the end of the data file" },
        { TENSORFLOW__DATA_TYPE__DT_FLOAT, { 2, 1 }, 2, 76, 8,
          "its bytes lie past the end of the data file" },
        { TENSORFLOW__DATA_TYPE__DT_FLOAT, { 2, 1 }, 2, -8, 8,
          "its bytes lie past the end of the data file" },
        { TENSORFLOW__DATA_TYPE__DT_STRING, { 1LL << 40, 1 }, 2, 0, 80,
          "its size is too small for its shape" },
        { TENSORFLOW__DATA_TYPE__DT_STRING, { 2, 1 }, 2, 47, 17,
          "its string lengths' checksum does not match" },
        { TENSORFLOW__DATA_TYPE__DT_FLOAT, { -1, 2 }, 2, 0, 8,
          "its shape has a negative dimension" },
        { TENSORFLOW__DATA_TYPE__DT_FLOAT, { 2, 3 }, 2, 0, 24,
          "checksum mismatch (the data file does not match the index)" },
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        Tensorflow__TensorShapeProto__Dim dims[2] = { TENSORFLOW__TENSOR_SHAPE_PROTO__DIM__INIT,
                                                      TENSORFLOW__TENSOR_SHAPE_PROTO__DIM__INIT };
        Tensorflow__TensorShapeProto__Dim *dim_ptrs[2] = { &dims[0], &dims[1] };
        dims[0].size = cases[i].dims[0];
        dims[1].size = cases[i].dims[1];
        Tensorflow__TensorShapeProto shape = TENSORFLOW__TENSOR_SHAPE_PROTO__INIT;
        shape.n_dim = (size_t) cases[i].ndims;
        shape.dim = dim_ptrs;
        Tensorflow__BundleEntryProto entry = TENSORFLOW__BUNDLE_ENTRY_PROTO__INIT;
        entry.dtype = cases[i].dtype;
        entry.shape = &shape;
        entry.offset = cases[i].offset;
        entry.size = cases[i].size;
        entry.crc32c = 12345;
        write_index(index, "v", &entry);
        tact_status_t st = TACT_STATUS_INIT;
        tact_bundle_t *b = tact__bundle_open(prefix, false, &st);
        assert_non_null(b);
        assert_null(tact__bundle_read(b, "v", &st));
        char want[600];
        snprintf(want, sizeof want, "checkpoint %s: tensor v: %s", prefix, cases[i].why);
        expect_fail(st.code, &st, TACT_CODE_DATA_LOSS, want);
        tact__bundle_destroy(&b);
    }
    /* And through a restore: a variable of the claimed shape is refused the same way. */
    char want[600];
    snprintf(want, sizeof want, "checkpoint %s: tensor v: checksum mismatch (the data file does "
             "not match the index)", prefix);
    restore_fails(one_var_graph("v", TACT_DTYPE_F32, (int64_t[]) { 2, 3 }, 2), prefix,
                  TACT_CODE_DATA_LOSS, want);
    tu_remove_tree(dir);
}

/* A bundle of two shards (Saver(sharded=True) over two devices): the tensor read from the
 * second data file. */
static void test_two_shards(void **state)
{
    (void) state;
    char dir[256], prefix[300], path[340];
    make_dir(dir, sizeof dir);
    snprintf(prefix, sizeof prefix, "%s/model", dir);
    snprintf(path, sizeof path, "%s.data-00000-of-00002", prefix);
    tu_write_file(path, "", 0);
    snprintf(path, sizeof path, "%s.data-00001-of-00002", prefix);
    tu_write_file(path, want_a, sizeof want_a);
    Tensorflow__TensorShapeProto__Dim dims[2] = { TENSORFLOW__TENSOR_SHAPE_PROTO__DIM__INIT,
                                                  TENSORFLOW__TENSOR_SHAPE_PROTO__DIM__INIT };
    Tensorflow__TensorShapeProto__Dim *dim_ptrs[2] = { &dims[0], &dims[1] };
    dims[0].size = 2;
    dims[1].size = 3;
    Tensorflow__TensorShapeProto shape = TENSORFLOW__TENSOR_SHAPE_PROTO__INIT;
    shape.n_dim = 2;
    shape.dim = dim_ptrs;
    Tensorflow__BundleEntryProto entry = TENSORFLOW__BUNDLE_ENTRY_PROTO__INIT;
    entry.dtype = TENSORFLOW__DATA_TYPE__DT_FLOAT;
    entry.shape = &shape;
    entry.shard_id = 1;
    entry.size = sizeof want_a;
    entry.crc32c = tact__crc32c_mask(tact__crc32c(want_a, sizeof want_a));
    snprintf(path, sizeof path, "%s.index", prefix);
    write_index_shards(path, "a", &entry, 2);
    tact_graph_t *g = one_var_graph("a", TACT_DTYPE_F32, (int64_t[]) { 2, 3 }, 2);
    tact_session_t *s = tu_session(g, NULL);
    tact_status_t st = TACT_STATUS_INIT;
    assert_int_equal(tact_checkpoint_restore(s, prefix, &st), TACT_CODE_OK);
    tact_tensor_t *got = fetch_var(s, g, "a", &st), *want = var_value(0, false);
    assert_true(tensors_equal(got, want));
    tact_tensor_destroy(&got);
    tact_tensor_destroy(&want);
    /* A shard past the header's count is corrupt. */
    entry.shard_id = 2;
    snprintf(path, sizeof path, "%s.index", prefix);
    write_index_shards(path, "a", &entry, 2);
    char msg[600];
    snprintf(msg, sizeof msg, "checkpoint %s: tensor a: its shard does not exist", prefix);
    st = (tact_status_t) TACT_STATUS_INIT;
    expect_fail(tact_checkpoint_restore(s, prefix, &st), &st, TACT_CODE_DATA_LOSS, msg);
    tact_session_destroy(&s);
    tact_graph_destroy(&g);
    tu_remove_tree(dir);
}

/* ---- crash safety ---- */

enum { CRASH_VARS = 4, CRASH_LEN = 4096 };

/* Variables v0..v3 of CRASH_LEN floats, all 0, and ops adding 1 to every element of each. */
static tact_graph_t *crash_graph(tact_op_t **bump)
{
    tact_status_t st = TACT_STATUS_INIT;
    tact_graph_t *g = tact_graph_new();
    tact_tensor_t *zero = tact_tensor_new(TACT_DTYPE_F32, (int64_t[]) { CRASH_LEN }, 1, NULL,
                                          &st);
    float *ones_data = calloc(CRASH_LEN, sizeof *ones_data);
    for (int i = 0; i < CRASH_LEN; i++)
        ones_data[i] = 1.0f;
    tact_tensor_t *ones = tact_tensor_new(TACT_DTYPE_F32, (int64_t[]) { CRASH_LEN }, 1,
                                          ones_data, &st);
    free(ones_data);
    tact_output_t one = tact_constant(g, ones, "one", &st);
    tact_op_t *adds[CRASH_VARS];
    for (int v = 0; v < CRASH_VARS; v++) {
        char name[16];
        snprintf(name, sizeof name, "v%d", v);
        tact_output_t var = tact_variable(g, tact_constant(g, zero, NULL, &st), name, &st);
        adds[v] = tact_assign_add(g, var, one, NULL, &st).op;
    }
    assert_int_equal(st.code, TACT_CODE_OK);
    if (bump != NULL) {  /* bump[0..3]: the adds; bump[4]: the initializer */
        for (int v = 0; v < CRASH_VARS; v++)
            bump[v] = adds[v];
        bump[4] = tact_global_variables_initializer(g, &st);
        assert_int_equal(st.code, TACT_CODE_OK);
    }
    tact_tensor_destroy(&zero);
    tact_tensor_destroy(&ones);
    return g;
}

/* Every variable restored from `prefix` holds one count in every element (one assignment's
 * value, whole) and, with `same`, all hold the same count (one save's values, whole). Returns
 * the count of v0. */
static float restored_counts(const char *prefix, bool same)
{
    tact_graph_t *g = crash_graph(NULL);
    tact_session_t *s = tu_session(g, NULL);
    tact_status_t st = TACT_STATUS_INIT;
    if (tact_checkpoint_restore(s, prefix, &st) != TACT_CODE_OK)
        fail_msg("restore after a kill: %s", st.msg);
    float count = -1;
    for (int v = 0; v < CRASH_VARS; v++) {
        char name[16];
        snprintf(name, sizeof name, "v%d", v);
        tact_tensor_t *t = fetch_var(s, g, name, &st);
        assert_non_null(t);
        const float *p = tact_tensor_data(t);
        if (count < 0)
            count = p[0];
        float want = same ? count : p[0];
        for (int i = 0; i < CRASH_LEN; i++)
            if (p[i] != want)
                fail_msg("%s[%d] = %g, not %g: a torn checkpoint", name, i, p[i], want);
        tact_tensor_destroy(&t);
    }
    tact_session_destroy(&s);
    tact_graph_destroy(&g);
    return count;
}

static float restored_count(const char *prefix)
{
    return restored_counts(prefix, true);
}

/* The child: its own graph and session (none is alive at the fork, so it holds no other
 * thread's locks), saving counts start + 1, start + 2, ... until killed; a byte down `fd`
 * after each save. */
static void crash_child(const char *prefix, int start, int fd)
{
    tact_op_t *ops[5];
    tact_graph_t *g = crash_graph(ops);
    tact_session_t *s = tu_session(g, NULL);
    tact_status_t st = TACT_STATUS_INIT;
    tu_run_op(s, ops[4]);
    for (int k = 0; k < start; k++)
        tact_session_run(s, NULL, 0, NULL, NULL, 0, ops, 4, &st);
    for (;;) {
        tact_session_run(s, NULL, 0, NULL, NULL, 0, ops, 4, &st);
        if (tact_checkpoint_save(s, prefix, &st) != TACT_CODE_OK || write(fd, "s", 1) != 1)
            _exit(2);
    }
}

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double) ts.tv_sec + (double) ts.tv_nsec * 1e-9;
}

static void test_killed_saves_leave_whole_checkpoints(void **state)
{
    (void) state;
    char dir[256], prefix[300];
    make_dir(dir, sizeof dir);
    snprintf(prefix, sizeof prefix, "%s/model", dir);
    {  /* count 0: a previous checkpoint from the start */
        tact_op_t *ops[5];
        tact_graph_t *g = crash_graph(ops);
        tact_session_t *s = tu_session(g, NULL);
        tact_status_t st = TACT_STATUS_INIT;
        tu_run_op(s, ops[4]);
        assert_int_equal(tact_checkpoint_save(s, prefix, &st), TACT_CODE_OK);
        tact_session_destroy(&s);
        tact_graph_destroy(&g);
    }
    uint64_t x = 0x2545f4914f6cdd1dull;  /* seeded kill points */
    float last = 0;
    for (int round = 0; round < 24; round++) {
        int fds[2];
        assert_int_equal(pipe(fds), 0);
        pid_t pid = fork();
        assert_true(pid >= 0);
        if (pid == 0) {
            close(fds[0]);
            crash_child(prefix, (int) last, fds[1]);
        }
        close(fds[1]);
        /* Two saves timed, then a kill anywhere in the next two save cycles (whatever the
         * machine's speed, under valgrind too). */
        char c;
        assert_int_equal(read(fds[0], &c, 1), 1);
        double t0 = now_s();
        assert_int_equal(read(fds[0], &c, 1), 1);
        double period = now_s() - t0;
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        long us = (long) ((double) (x % 1000000) / 1e6 * 2 * period * 1e6);
        struct timespec ts = { us / 1000000, (us % 1000000) * 1000 };
        nanosleep(&ts, NULL);
        kill(pid, SIGKILL);
        int status;
        assert_int_equal(waitpid(pid, &status, 0), pid);
        close(fds[0]);
        assert_true(WIFSIGNALED(status));  /* killed, not failed (exit 2) */
        float count = restored_count(prefix);
        /* the previous checkpoint (at least the two saves seen) or a later complete one */
        assert_true(count >= last + 2);
        last = count;
    }
    print_message("24 saving children killed; the last restore held save %g\n", last);
    tu_remove_tree(dir);
}

/* The crash window itself, made by hand: the old index over a new data file with the new
 * index still pending. Restore takes the pending one; the next save puts it in place first. */
static void test_pending_index_recovered(void **state)
{
    (void) state;
    char dir[256], p1[300], p2[300], from[320], to[340];
    make_dir(dir, sizeof dir);
    snprintf(p1, sizeof p1, "%s/one", dir);
    snprintf(p2, sizeof p2, "%s/two", dir);
    tact_op_t *ops[5];
    tact_graph_t *g = crash_graph(ops);
    tact_session_t *s = tu_session(g, NULL);
    tact_status_t st = TACT_STATUS_INIT;
    tu_run_op(s, ops[4]);
    assert_int_equal(tact_session_run(s, NULL, 0, NULL, NULL, 0, ops, 4, &st), TACT_CODE_OK);
    assert_int_equal(tact_checkpoint_save(s, p1, &st), TACT_CODE_OK);  /* 1 */
    assert_int_equal(tact_session_run(s, NULL, 0, NULL, NULL, 0, ops, 4, &st), TACT_CODE_OK);
    assert_int_equal(tact_checkpoint_save(s, p2, &st), TACT_CODE_OK);  /* 2 */
    snprintf(from, sizeof from, "%s" DATA_SUFFIX, p2);
    snprintf(to, sizeof to, "%s" DATA_SUFFIX, p1);
    assert_int_equal(rename(from, to), 0);
    snprintf(from, sizeof from, "%s.index", p2);
    snprintf(to, sizeof to, "%s.index.pending", p1);
    assert_int_equal(rename(from, to), 0);
    assert_true(restored_count(p1) == 2.0f);
    assert_true(file_exists(to));  /* restore only reads */
    /* The next save rolls forward, then writes: 3, and no pending index left. */
    assert_int_equal(tact_session_run(s, NULL, 0, NULL, NULL, 0, ops, 4, &st), TACT_CODE_OK);
    assert_int_equal(tact_checkpoint_save(s, p1, &st), TACT_CODE_OK);
    assert_false(file_exists(to));
    assert_true(restored_count(p1) == 3.0f);
    /* A stale pending index that does not match is ignored and then dropped. */
    snprintf(from, sizeof from, "%s.index", p1);
    copy_file(SAVER_PREFIX ".index", to);
    assert_true(restored_count(p1) == 3.0f);
    assert_int_equal(tact_checkpoint_save(s, p1, &st), TACT_CODE_OK);
    assert_false(file_exists(to));
    tact_session_destroy(&s);
    tact_graph_destroy(&g);
    tu_remove_tree(dir);
}

/* ---- saves beside runs ---- */

typedef struct saver_arg {
    tact_session_t *s;
    char prefix[320];
    tact_code_t rc;
} saver_arg_t;

static void *saver_main(void *p)
{
    saver_arg_t *a = p;
    for (int k = 0; k < 8 && a->rc == TACT_CODE_OK; k++) {
        tact_status_t st = TACT_STATUS_INIT;
        a->rc = tact_checkpoint_save(a->s, a->prefix, &st);
    }
    return NULL;
}

/* Four threads save one session to four prefixes of one directory while the main thread
 * updates every variable: each variable in each checkpoint is one of its values, whole. (Not
 * one step's values across variables: as SaveV2's reads, a save's may fall between a step's
 * updates of two variables.) */
static void test_concurrent_saves(void **state)
{
    (void) state;
    char dir[256];
    make_dir(dir, sizeof dir);
    tact_op_t *ops[5];
    tact_graph_t *g = crash_graph(ops);
    tact_session_t *s = tu_session(g, NULL);
    tu_run_op(s, ops[4]);
    saver_arg_t args[4];
    pthread_t threads[4];
    for (int i = 0; i < 4; i++) {
        args[i] = (saver_arg_t) { .s = s, .rc = TACT_CODE_OK };
        snprintf(args[i].prefix, sizeof args[i].prefix, "%s/model%d", dir, i);
        assert_int_equal(pthread_create(&threads[i], NULL, saver_main, &args[i]), 0);
    }
    for (int k = 0; k < 50; k++) {
        tact_status_t st = TACT_STATUS_INIT;
        assert_int_equal(tact_session_run(s, NULL, 0, NULL, NULL, 0, ops, 4, &st),
                         TACT_CODE_OK);
    }
    for (int i = 0; i < 4; i++) {
        assert_int_equal(pthread_join(threads[i], NULL), 0);
        assert_int_equal(args[i].rc, TACT_CODE_OK);
    }
    tact_session_destroy(&s);
    tact_graph_destroy(&g);
    for (int i = 0; i < 4; i++) {
        float count = restored_counts(args[i].prefix, false);
        assert_true(count >= 0 && count <= 50);
    }
    /* The state file names one of them, whole. */
    char path[320];
    snprintf(path, sizeof path, "%s/checkpoint", dir);
    size_t n;
    char *text = tu_read_file(path, &n);
    text[n] = '\0';
    assert_true(tu_contains(text, "model_checkpoint_path: \""));
    assert_true(tu_contains(text, "\nall_model_checkpoint_paths: \""));
    free(text);
    tu_remove_tree(dir);
}

/* ---- variables on a GPU (the fake one: its memory is unreadable from the host) ---- */

static void test_gpu_variables(void **state)
{
    (void) state;
    fake_gpu_install(1);
    char dir[256], prefix[300];
    make_dir(dir, sizeof dir);
    snprintf(prefix, sizeof prefix, "%s/model", dir);
    tact_status_t st = TACT_STATUS_INIT;
    tact_graph_t *g1 = fixture_graph(false, NULL);
    tact_session_t *s1 = tu_session(g1, NULL);
    init_all(s1, g1);
    assert_true(tu_contains(tact_session_op_device(s1, tact_graph_op(g1, "a")), "GPU:0"));
    assert_int_equal(tact_checkpoint_save(s1, prefix, &st), TACT_CODE_OK);
    char path[320];
    snprintf(path, sizeof path, "%s" DATA_SUFFIX, prefix);
    assert_true(files_equal(path, SAVER_PREFIX DATA_SUFFIX));

    tact_graph_t *g2 = fixture_graph(true, NULL);
    tact_session_t *s2 = tu_session(g2, NULL);
    init_all(s2, g2);  /* placed now: the restore must land in GPU memory */
    assert_int_equal(tact_checkpoint_restore(s2, prefix, &st), TACT_CODE_OK);
    assert_true(tu_contains(tact_session_op_device(s2, tact_graph_op(g2, "a")), "GPU:0"));
    assert_fixture_values(s2, g2);
    tact_graph_t *g3 = fixture_graph(true, NULL);  /* never run before the restore */
    tact_session_t *s3 = tu_session(g3, NULL);
    assert_int_equal(tact_checkpoint_restore(s3, SAVER_PREFIX, &st), TACT_CODE_OK);
    assert_fixture_values(s3, g3);
    assert_true(tu_contains(tact_session_op_device(s3, tact_graph_op(g3, "a")), "GPU:0"));
    tact_session_destroy(&s3);
    tact_graph_destroy(&g3);
    tact_session_destroy(&s2);
    tact_graph_destroy(&g2);
    tact_session_destroy(&s1);
    tact_graph_destroy(&g1);
    int unordered = atomic_load(&fake_gpu.unordered_copies);
    fake_gpu_uninstall();
    assert_int_equal(unordered, 0);
    tu_remove_tree(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_table_round_trip),
        cmocka_unit_test(test_table_reads_tensorflow_index),
        cmocka_unit_test(test_table_corruption),
        cmocka_unit_test(test_restore_tensorflow_checkpoint),
        cmocka_unit_test(test_save_matches_tensorflow),
        cmocka_unit_test(test_tact_fixture_is_current),
        cmocka_unit_test(test_many_keys),
        cmocka_unit_test(test_round_trip_overwrites_values),
        cmocka_unit_test(test_save_errors),
        cmocka_unit_test(test_restore_errors),
        cmocka_unit_test(test_corrupt_files),
        cmocka_unit_test(test_hostile_sizes),
        cmocka_unit_test(test_two_shards),
        cmocka_unit_test(test_pending_index_recovered),
        cmocka_unit_test(test_killed_saves_leave_whole_checkpoints),
        cmocka_unit_test(test_concurrent_saves),
        cmocka_unit_test(test_gpu_variables),
    };
    return cmocka_run_group_tests_name("checkpoint", tests, NULL, NULL);
}
