/* SPDX-License-Identifier: MIT */
/* Helpers shared by the tests: tensor makers and value checks. Include after <cmocka.h>. */
#ifndef TACT_TESTS_HELPERS_H
#define TACT_TESTS_HELPERS_H

#include <stdbool.h>
#include <stdint.h>

#include <tact/tact.h>

/* A new float32 / int32 tensor; aborts the test on failure. */
tact_tensor_t *tu_f32(const int64_t *dims, int ndims, const float *data);
tact_tensor_t *tu_i32(const int64_t *dims, int ndims, const int32_t *data);
tact_tensor_t *tu_scalar_f32(float v);

/* A constant of a new tensor (the tensor is freed here). */
tact_output_t tu_const_f32(tact_graph_t *g, const int64_t *dims, int ndims, const float *data,
                           const char *name, tact_status_t *st);
tact_output_t tu_const_i32(tact_graph_t *g, const int64_t *dims, int ndims, const int32_t *data,
                           const char *name, tact_status_t *st);

/* A new session over `g` with `config` (NULL: defaults); aborts the test on failure. */
tact_session_t *tu_session(tact_graph_t *g, const tact_config_t *config);

/* Run one fetch; returns the result (caller destroys) or NULL with st filled. */
tact_tensor_t *tu_run1(tact_session_t *s, tact_output_t fetch, const tact_feed_t *feeds,
                       int n_feeds, tact_status_t *st);

/* A float32 scalar variable `name` whose initial value is the constant `init` ("<name>0"). */
tact_output_t tu_variable_f32(tact_graph_t *g, float init, const char *name, tact_status_t *st);

/* Run `op` as the only target; it must succeed. */
void tu_run_op(tact_session_t *s, tact_op_t *op);

/* Run one fetch that must fail with `code` and exactly `msg`. */
void tu_run_fails(tact_session_t *s, tact_output_t fetch, const tact_feed_t *feeds, int n_feeds,
                  tact_code_t code, const char *msg);

/* For programs whose tests need a GPU, before they run: true when the program must fail, as
 * none is visible (`n_gpus` 0) under TACT_REQUIRE_GPU=1 (a machine meant to have one); false
 * otherwise, after saying, when none is visible, that the tests needing one skip. */
bool tu_must_fail_without_gpu(const char *program, int n_gpus);

/* True when `t` is float32 of shape dims[0..ndims) holding `want` within 1e-5 relative. */
bool tu_f32_equal(const tact_tensor_t *t, const int64_t *dims, int ndims, const float *want);

/* The numpy-style text of `t` in a static buffer (valid until the next call). */
const char *tu_str(const tact_tensor_t *t);

/* The whole file at `path`, NUL-terminated (the NUL not counted), from malloc; its length in
 * *len when len is not NULL. A file that cannot be read fails the test. */
void *tu_read_file(const char *path, size_t *len);
/* Write data[0..len) to `path` (created or truncated); a failure fails the test. */
void tu_write_file(const char *path, const void *data, size_t len);

/* A float32 tensor of shape dims[0..ndims) holding the raw floats of the file at `path`; a
 * file of another size fails the test. */
tact_tensor_t *tu_f32_from_file(const char *path, const int64_t *dims, int ndims);

/* A new graph holding the GraphDef file dir/name (binary or text); an import error fails the
 * test with its message. */
tact_graph_t *tu_import_fixture(const char *dir, const char *name);

/* Remove `dir` and everything below it (a test's temporary directory); absent: nothing. */
void tu_remove_tree(const char *dir);

/* True when `haystack` contains `needle`; prints both when not. */
bool tu_contains(const char *haystack, const char *needle);

#endif
