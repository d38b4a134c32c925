/* SPDX-License-Identifier: MIT */
/* Test helpers: tensor makers, one-fetch runs and value comparisons. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <dirent.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h> /* after the four it needs */

#include "tests/helpers.h"

static tact_tensor_t *tu_make(tact_dtype_t dt, const int64_t *dims, int ndims, const void *data)
{
    tact_status_t st = TACT_STATUS_INIT;
    tact_tensor_t *t = tact_tensor_new(dt, dims, ndims, data, &st);
    if (t == NULL) {
        fprintf(stderr, "tu_make: %s\n", st.msg);
        abort();
    }
    return t;
}

tact_tensor_t *tu_f32(const int64_t *dims, int ndims, const float *data)
{
    return tu_make(TACT_DTYPE_F32, dims, ndims, data);
}

tact_tensor_t *tu_i32(const int64_t *dims, int ndims, const int32_t *data)
{
    return tu_make(TACT_DTYPE_I32, dims, ndims, data);
}

tact_tensor_t *tu_scalar_f32(float v)
{
    return tu_make(TACT_DTYPE_F32, NULL, 0, &v);
}

tact_output_t tu_const_f32(tact_graph_t *g, const int64_t *dims, int ndims, const float *data,
                           const char *name, tact_status_t *st)
{
    tact_tensor_t *t = tu_f32(dims, ndims, data);
    tact_output_t out = tact_constant(g, t, name, st);
    tact_tensor_destroy(&t);
    return out;
}

tact_output_t tu_const_i32(tact_graph_t *g, const int64_t *dims, int ndims, const int32_t *data,
                           const char *name, tact_status_t *st)
{
    tact_tensor_t *t = tu_i32(dims, ndims, data);
    tact_output_t out = tact_constant(g, t, name, st);
    tact_tensor_destroy(&t);
    return out;
}

tact_session_t *tu_session(tact_graph_t *g, const tact_config_t *config)
{
    tact_status_t st = TACT_STATUS_INIT;
    tact_session_t *s = tact_session_new(NULL, g, config, &st);
    if (s == NULL) {
        fprintf(stderr, "tu_session: %s: %s\n", tact_code_name(st.code), st.msg);
        abort();
    }
    return s;
}

tact_tensor_t *tu_run1(tact_session_t *s, tact_output_t fetch, const tact_feed_t *feeds,
                       int n_feeds, tact_status_t *st)
{
    tact_tensor_t *r = NULL;
    tact_session_run(s, &fetch, 1, &r, feeds, n_feeds, NULL, 0, st);
    return r;
}

tact_output_t tu_variable_f32(tact_graph_t *g, float init, const char *name, tact_status_t *st)
{
    char init_name[128];
    snprintf(init_name, sizeof init_name, "%s0", name);
    return tact_variable(g, tu_const_f32(g, NULL, 0, &init, init_name, st), name, st);
}

void tu_run_op(tact_session_t *s, tact_op_t *op)
{
    tact_status_t st = TACT_STATUS_INIT;
    if (tact_session_run(s, NULL, 0, NULL, NULL, 0, &op, 1, &st) != TACT_CODE_OK)
        fail_msg("running %s: %s: %s", tact_op_name(op), tact_code_name(st.code), st.msg);
}

void tu_run_fails(tact_session_t *s, tact_output_t fetch, const tact_feed_t *feeds, int n_feeds,
                  tact_code_t code, const char *msg)
{
    tact_status_t st = TACT_STATUS_INIT;
    tact_tensor_t *r = tu_run1(s, fetch, feeds, n_feeds, &st);
    assert_null(r);
    assert_int_equal(st.code, code);
    assert_string_equal(st.msg, msg);
}

bool tu_must_fail_without_gpu(const char *program, int n_gpus)
{
    if (n_gpus > 0)
        return false;
    const char *required = getenv("TACT_REQUIRE_GPU");
    if (required != NULL && strcmp(required, "1") == 0) {
        fprintf(stderr, "%s: TACT_REQUIRE_GPU=1 but no CUDA GPU is visible\n", program);
        return true;
    }
    printf("%s: no CUDA GPU visible, skipping the tests that need one\n", program);
    return false;
}

bool tu_f32_equal(const tact_tensor_t *t, const int64_t *dims, int ndims, const float *want)
{
    if (t == NULL || tact_tensor_dtype(t) != TACT_DTYPE_F32 || tact_tensor_ndims(t) != ndims)
        return false;
    for (int i = 0; i < ndims; i++) {
        if (tact_tensor_dim(t, i) != dims[i])
            return false;
    }
    const float *got = tact_tensor_data(t);
    for (int64_t i = 0; i < tact_tensor_nelems(t); i++) {
        if (fabsf(got[i] - want[i]) > 1e-5f * (1.0f + fabsf(want[i]))) {
            fprintf(stderr, "element %lld: got %g want %g\n", (long long) i, got[i], want[i]);
            return false;
        }
    }
    return true;
}

const char *tu_str(const tact_tensor_t *t)
{
    static char buf[4096];
    if (t == NULL)
        return "(null)";
    tact_tensor_format(t, buf, sizeof buf);
    return buf;
}

bool tu_contains(const char *haystack, const char *needle)
{
    if (haystack != NULL && strstr(haystack, needle) != NULL)
        return true;
    fprintf(stderr, "expected \"%s\" in \"%s\"\n", needle, haystack ? haystack : "(null)");
    return false;
}

void *tu_read_file(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (f == NULL)
        fail_msg("cannot open %s", path);
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    assert_true(n >= 0);
    char *buf = malloc((size_t) n + 1);
    assert_non_null(buf);
    assert_int_equal(fread(buf, 1, (size_t) n, f), (size_t) n);
    buf[n] = '\0';
    fclose(f);
    if (len != NULL)
        *len = (size_t) n;
    return buf;
}

tact_tensor_t *tu_f32_from_file(const char *path, const int64_t *dims, int ndims)
{
    size_t len;
    float *v = tu_read_file(path, &len);
    int64_t n = 1;
    for (int i = 0; i < ndims; i++)
        n *= dims[i];
    assert_int_equal(len, (size_t) n * sizeof(float));
    tact_tensor_t *t = tu_f32(dims, ndims, v);
    free(v);
    return t;
}

tact_graph_t *tu_import_fixture(const char *dir, const char *name)
{
    char path[1024];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    tact_graph_t *g = tact_graph_new();
    tact_status_t st = TACT_STATUS_INIT;
    if (tact_graph_import_file(g, path, NULL, &st) != TACT_CODE_OK)
        fail_msg("import of %s failed: %s", path, st.msg);
    return g;
}

void tu_remove_tree(const char *dir)
{
    DIR *d = opendir(dir);
    if (d == NULL)
        return;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
            continue;
        char path[1024];
        snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
        struct stat sb;
        if (lstat(path, &sb) == 0 && S_ISDIR(sb.st_mode))
            tu_remove_tree(path);
        else
            assert_int_equal(unlink(path), 0);
    }
    closedir(d);
    assert_int_equal(rmdir(dir), 0);
}

void tu_write_file(const char *path, const void *data, size_t len)
{
    FILE *f = fopen(path, "wb");
    if (f == NULL)
        fail_msg("cannot create %s", path);
    assert_int_equal(fwrite(data, 1, len, f), len);
    assert_int_equal(fclose(f), 0);
}
