/* SPDX-License-Identifier: MIT */
/* The narrow dtypes uint8, int8, int16 and float16 against TensorFlow
 * (data/make_dtype_fixtures.py): names and sizes, numpy's printing, Cast between them and
 * every other dtype, Placeholder and Identity, a frozen GraphDef (a uint8 image cast to float,
 * Consts in tensor_content and in int_val/half_val) imported, run and exported again, and a
 * checkpoint tf.train.Saver wrote restored and written back byte for byte. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <tact/tact.h>

#include "runtime/base/half.h"
#include "runtime/base/tensor_impl.h"
#include "tests/helpers.h"

typedef struct {
    tact_dtype_t from, to;
    int n;
    const char *in, *out;
} dtype_cast_case_t;

typedef struct {
    tact_dtype_t dtype;
    int ndims;
    int64_t dims[4];
    const char *data, *str, *repr;
} dtype_format_case_t;

typedef struct {
    const char *name;
    tact_dtype_t dtype;
    int ndims;
    int64_t dims[4];
    const char *data;
    size_t nbytes;
} dtype_fetch_case_t;

#include "tests/data/dtype_fixtures.inc"

#define N_OF(a) ((int) (sizeof(a) / sizeof((a)[0])))
#define GRAPH_PATH TACT_TEST_DATA_DIR "/dtype_graph.pb"
#define CKPT_PREFIX TACT_TEST_DATA_DIR "/ckpt_dtypes/model"

/* `t` has the dtype, shape and bytes of `want`; says which differ when not. */
static void assert_tensor_is(const tact_tensor_t *t, const dtype_fetch_case_t *want)
{
    assert_non_null(t);
    if (tact_tensor_dtype(t) != want->dtype)
        fail_msg("%s: dtype %s, want %s", want->name, tact_dtype_name(tact_tensor_dtype(t)),
                 tact_dtype_name(want->dtype));
    assert_int_equal(tact_tensor_ndims(t), want->ndims);
    for (int d = 0; d < want->ndims; d++)
        assert_int_equal(tact_tensor_dim(t, d), want->dims[d]);
    assert_int_equal(tact_tensor_nbytes(t), want->nbytes);
    if (want->nbytes > 0 && memcmp(tact_tensor_data(t), want->data, want->nbytes) != 0)
        fail_msg("%s: got %s", want->name, tu_str(t));
}

static void test_names_and_sizes(void **state)
{
    (void) state;
    assert_string_equal(tact_dtype_name(TACT_DTYPE_U8), "uint8");
    assert_string_equal(tact_dtype_name(TACT_DTYPE_I8), "int8");
    assert_string_equal(tact_dtype_name(TACT_DTYPE_I16), "int16");
    assert_string_equal(tact_dtype_name(TACT_DTYPE_F16), "float16");
    /* TensorFlow's DataTypeString, which its messages print */
    assert_string_equal(tact__dtype_tf_name(TACT_DTYPE_U8), "uint8");
    assert_string_equal(tact__dtype_tf_name(TACT_DTYPE_F16), "half");
    assert_int_equal(tact_dtype_size(TACT_DTYPE_U8), 1);
    assert_int_equal(tact_dtype_size(TACT_DTYPE_I8), 1);
    assert_int_equal(tact_dtype_size(TACT_DTYPE_I16), 2);
    assert_int_equal(tact_dtype_size(TACT_DTYPE_F16), 2);
    /* the older values keep their numbers (the public enum only grows) */
    assert_int_equal(TACT_DTYPE_STRING, 5);
    assert_int_equal(TACT_DTYPE_U8, 6);
    assert_int_equal(TACT_DTYPE_F16, 9);

    tact_status_t st = TACT_STATUS_INIT;
    tact_tensor_t *t = tact_tensor_new(TACT_DTYPE_I16, (int64_t[]) { 2, 3 }, 2, NULL, &st);
    assert_int_equal(st.code, TACT_CODE_OK);
    assert_int_equal(tact_tensor_nbytes(t), 12);
    tact_tensor_destroy(&t);
}

/* binary16 conversions on their edges (values from numpy's float16) */
static void test_half_conversions(void **state)
{
    (void) state;
    assert_int_equal(tact__half_from_float(1.0f), 0x3c00);
    assert_int_equal(tact__half_from_float(65504.0f), 0x7bff);
    assert_int_equal(tact__half_from_float(65519.0f), 0x7bff);
    assert_int_equal(tact__half_from_float(65520.0f), 0x7c00);  /* ties to even: infinity */
    assert_int_equal(tact__half_from_float(-0.0f), 0x8000);
    assert_int_equal(tact__half_from_float(6e-8f), 0x0001);     /* smallest subnormal */
    assert_int_equal(tact__half_from_float(2.9e-8f), 0x0000);   /* below half of it */
    assert_int_equal(tact__half_from_float(6.1035156e-05f), 0x0400);
    assert_int_equal(tact__half_from_float(1.0f + 0x1p-11f), 0x3c00);      /* tie, even */
    assert_int_equal(tact__half_from_float(1.0f + 3 * 0x1p-11f), 0x3c02);  /* tie, even */
    assert_int_equal(tact__half_from_float(-INFINITY), 0xfc00);
    assert_int_equal(tact__half_from_float(NAN), 0x7e00);
    assert_true(tact__half_to_float(0x0001) == 0x1p-24f);
    assert_true(tact__half_to_float(0x7bff) == 65504.0f);
    assert_true(tact__half_to_float(0xc000) == -2.0f);
    assert_true(isinf(tact__half_to_float(0x7c00)));
    assert_true(isnan(tact__half_to_float(0x7e00)));
    /* every binary16 survives the round trip through float */
    for (uint32_t h = 0; h < 0x10000u; h++) {
        if ((h & 0x7c00u) == 0x7c00u && (h & 0x3ffu) != 0)
            continue;  /* NaNs become the quiet NaN */
        if (tact__half_from_float(tact__half_to_float((uint16_t) h)) != h)
            fail_msg("0x%04x does not round-trip", h);
    }
}

static void test_format_as_numpy(void **state)
{
    (void) state;
    for (int i = 0; i < N_OF(dtype_format_cases); i++) {
        const dtype_format_case_t *c = &dtype_format_cases[i];
        tact_status_t st = TACT_STATUS_INIT;
        tact_tensor_t *t = tact_tensor_new(c->dtype, c->dims, c->ndims, c->data, &st);
        assert_int_equal(st.code, TACT_CODE_OK);
        char buf[512];
        tact_tensor_format(t, buf, sizeof buf);
        if (strcmp(buf, c->str) != 0)
            fail_msg("case %d str: got \"%s\", want \"%s\"", i, buf, c->str);
        tact__tensor_format_repr(t, buf, sizeof buf);
        /* a 0-d array's repr is numpy's array formatting ("1.e-07"), which tact's repr, shared
         * by every dtype, does not follow; the arrays' is checked */
        if (c->ndims > 0 && strcmp(buf, c->repr) != 0)
            fail_msg("case %d repr: got \"%s\", want \"%s\"", i, buf, c->repr);
        tact_tensor_destroy(&t);
    }
}

/* Every pair of TensorFlow's table through a Placeholder and a Cast, compared bit for bit. */
static void test_cast_as_tensorflow(void **state)
{
    (void) state;
    for (int i = 0; i < N_OF(dtype_cast_cases); i++) {
        const dtype_cast_case_t *c = &dtype_cast_cases[i];
        tact_status_t st = TACT_STATUS_INIT;
        tact_graph_t *g = tact_graph_new();
        int64_t n = c->n;
        tact_output_t x = tact_placeholder(g, c->from, &n, 1, "x", &st);
        tact_output_t y = tact_cast(g, x, c->to, "y", &st);
        assert_int_equal(st.code, TACT_CODE_OK);
        assert_int_equal(tact_output_dtype(y), c->to);
        tact_tensor_t *in = tact_tensor_new(c->from, &n, 1, c->in, &st);
        assert_int_equal(st.code, TACT_CODE_OK);
        tact_session_t *s = tu_session(g, NULL);
        tact_feed_t feed = { x, in };
        tact_tensor_t *out = tu_run1(s, y, &feed, 1, &st);
        if (st.code != TACT_CODE_OK)
            fail_msg("cast %s -> %s: %s", tact_dtype_name(c->from), tact_dtype_name(c->to),
                     st.msg);
        size_t size = tact_dtype_size(c->to);
        for (int k = 0; k < c->n; k++) {
            const char *got = (const char *) tact_tensor_data(out) + (size_t) k * size;
            if (memcmp(got, c->out + (size_t) k * size, size) != 0)
                fail_msg("cast %s -> %s: element %d of %s differs: got %s",
                         tact_dtype_name(c->from), tact_dtype_name(c->to), k, tu_str(in),
                         tu_str(out));
        }
        tact_tensor_destroy(&out);
        tact_tensor_destroy(&in);
        tact_session_destroy(&s);
        tact_graph_destroy(&g);
    }
}

/* A cast to or from a string is still TensorFlow's UNIMPLEMENTED. */
static void test_cast_string_refused(void **state)
{
    (void) state;
    tact_status_t st = TACT_STATUS_INIT;
    tact_graph_t *g = tact_graph_new();
    tact_output_t x = tact_placeholder(g, TACT_DTYPE_F16, NULL, 0, "x", &st);
    tact_cast(g, x, TACT_DTYPE_STRING, "y", &st);
    assert_int_equal(st.code, TACT_CODE_UNIMPLEMENTED);
    assert_string_equal(st.msg, "Cast half to string is not supported");
    tact_graph_destroy(&g);
}

/* Placeholder, Identity and Const of each dtype keep the bytes. */
static void test_placeholder_identity_const(void **state)
{
    (void) state;
    const tact_dtype_t dts[] = { TACT_DTYPE_U8, TACT_DTYPE_I8, TACT_DTYPE_I16, TACT_DTYPE_F16 };
    const uint16_t data[] = { 0x3c00, 0x8001, 0x7bff, 0xfc00 };
    for (int i = 0; i < N_OF(dts); i++) {
        tact_status_t st = TACT_STATUS_INIT;
        tact_graph_t *g = tact_graph_new();
        int64_t dims[] = { 2, 2 };
        tact_output_t x = tact_placeholder(g, dts[i], (int64_t[]) { -1, 2 }, 2, "x", &st);
        tact_output_t y = tact_identity(g, x, "y", &st);
        tact_tensor_t *in = tact_tensor_new(dts[i], dims, 2, data, &st);
        tact_output_t c = tact_constant(g, in, "c", &st);
        tact_output_t z = tact_identity(g, c, "z", &st);
        assert_int_equal(st.code, TACT_CODE_OK);
        tact_session_t *s = tu_session(g, NULL);
        tact_feed_t feed = { x, in };
        tact_output_t fetches[] = { y, z };
        tact_tensor_t *out[2];
        assert_int_equal(tact_session_run(s, fetches, 2, out, &feed, 1, NULL, 0, &st),
                         TACT_CODE_OK);
        for (int k = 0; k < 2; k++) {
            assert_int_equal(tact_tensor_dtype(out[k]), dts[i]);
            assert_int_equal(tact_tensor_nbytes(out[k]), tact_tensor_nbytes(in));
            assert_memory_equal(tact_tensor_data(out[k]), tact_tensor_data(in),
                                tact_tensor_nbytes(in));
            tact_tensor_destroy(&out[k]);
        }
        tact_tensor_destroy(&in);
        tact_session_destroy(&s);
        tact_graph_destroy(&g);
    }
}

/* Runs the fixture graph's fetches (fed the uint8 image) against TensorFlow's outputs. */
static void assert_graph_outputs(tact_graph_t *g)
{
    tact_status_t st = TACT_STATUS_INIT;
    tact_output_t image = tact_graph_output(g, "image:0", &st);
    assert_int_equal(st.code, TACT_CODE_OK);
    assert_int_equal(tact_output_dtype(image), TACT_DTYPE_U8);
    tact_tensor_t *in =
        tact_tensor_new(TACT_DTYPE_U8, (int64_t[]) { 2, 2, 3 }, 3, dtype_graph_image, &st);
    tact_session_t *s = tu_session(g, NULL);
    tact_feed_t feed = { image, in };
    for (int i = 0; i < N_OF(dtype_graph_fetches); i++) {
        const dtype_fetch_case_t *c = &dtype_graph_fetches[i];
        char name[80];
        snprintf(name, sizeof name, "%s:0", c->name);
        tact_output_t y = tact_graph_output(g, name, &st);
        assert_int_equal(st.code, TACT_CODE_OK);
        tact_tensor_t *out = tu_run1(s, y, &feed, 1, &st);
        if (st.code != TACT_CODE_OK)
            fail_msg("%s: %s", c->name, st.msg);
        assert_tensor_is(out, c);
        tact_tensor_destroy(&out);
    }
    tact_tensor_destroy(&in);
    tact_session_destroy(&s);
}

static void test_graphdef_import(void **state)
{
    (void) state;
    tact_status_t st = TACT_STATUS_INIT;
    tact_graph_t *g = tact_graph_new();
    assert_int_equal(tact_graph_import_file(g, GRAPH_PATH, NULL, &st), TACT_CODE_OK);
    assert_graph_outputs(g);
    tact_graph_destroy(&g);
}

/* Exported (both formats) and imported again: the same answers. */
static void test_graphdef_round_trip(void **state)
{
    (void) state;
    for (int as_text = 0; as_text < 2; as_text++) {
        tact_status_t st = TACT_STATUS_INIT;
        tact_graph_t *g = tact_graph_new();
        assert_int_equal(tact_graph_import_file(g, GRAPH_PATH, NULL, &st), TACT_CODE_OK);
        char path[] = "/tmp/tact_dtypes_XXXXXX";
        int fd = mkstemp(path);
        assert_true(fd >= 0);
        close(fd);
        assert_int_equal(tact_graph_export_file(g, path, as_text, &st), TACT_CODE_OK);
        tact_graph_t *g2 = tact_graph_new();
        if (tact_graph_import_file(g2, path, NULL, &st) != TACT_CODE_OK)
            fail_msg("re-import (%s): %s", as_text ? "text" : "binary", st.msg);
        assert_graph_outputs(g2);
        unlink(path);
        tact_graph_destroy(&g2);
        tact_graph_destroy(&g);
    }
}

/* A graph with the fixture checkpoint's variables, initialised to zeros. */
static tact_graph_t *ckpt_graph(void)
{
    tact_status_t st = TACT_STATUS_INIT;
    tact_graph_t *g = tact_graph_new();
    for (int i = 0; i < N_OF(dtype_ckpt_vars); i++) {
        const dtype_fetch_case_t *c = &dtype_ckpt_vars[i];
        tact_tensor_t *zeros = tact_tensor_new(c->dtype, c->dims, c->ndims, NULL, &st);
        char name[80];
        snprintf(name, sizeof name, "%s_init", c->name);
        tact_output_t init = tact_constant(g, zeros, name, &st);
        tact_variable(g, init, c->name, &st);
        tact_tensor_destroy(&zeros);
    }
    assert_int_equal(st.code, TACT_CODE_OK);
    return g;
}

static void assert_ckpt_values(tact_session_t *s, tact_graph_t *g)
{
    for (int i = 0; i < N_OF(dtype_ckpt_vars); i++) {
        tact_status_t st = TACT_STATUS_INIT;
        tact_output_t v = tact_graph_output(g, dtype_ckpt_vars[i].name, &st);
        tact_tensor_t *got = tu_run1(s, v, NULL, 0, &st);
        assert_int_equal(st.code, TACT_CODE_OK);
        assert_tensor_is(got, &dtype_ckpt_vars[i]);
        tact_tensor_destroy(&got);
    }
}

static void test_checkpoint_from_tensorflow(void **state)
{
    (void) state;
    tact_status_t st = TACT_STATUS_INIT;
    tact_graph_t *g = ckpt_graph();
    tact_session_t *s = tu_session(g, NULL);
    if (tact_checkpoint_restore(s, CKPT_PREFIX, &st) != TACT_CODE_OK)
        fail_msg("restore: %s", st.msg);
    assert_ckpt_values(s, g);

    /* saved again: TensorFlow's very data file */
    char dir[] = "/tmp/tact_dtypes_XXXXXX", prefix[64], path[512];
    assert_non_null(mkdtemp(dir));
    snprintf(prefix, sizeof prefix, "%s/model", dir);
    assert_int_equal(tact_checkpoint_save(s, prefix, &st), TACT_CODE_OK);
    snprintf(path, sizeof path, "%s.data-00000-of-00001", prefix);
    size_t n_got, n_want;
    char *got = tu_read_file(path, &n_got);
    char *want = tu_read_file(CKPT_PREFIX ".data-00000-of-00001", &n_want);
    assert_int_equal(n_got, n_want);
    assert_memory_equal(got, want, n_want);
    free(got);
    free(want);

    /* and restored into a fresh session */
    tact_session_t *s2 = tu_session(g, NULL);
    assert_int_equal(tact_checkpoint_restore(s2, prefix, &st), TACT_CODE_OK);
    assert_ckpt_values(s2, g);
    tact_session_destroy(&s2);

    tu_remove_tree(dir);
    tact_session_destroy(&s);
    tact_graph_destroy(&g);
}

/* A variable of another of the new dtypes than the checkpoint's: TensorFlow's message. */
static void test_checkpoint_dtype_mismatch(void **state)
{
    (void) state;
    tact_status_t st = TACT_STATUS_INIT;
    tact_graph_t *g = tact_graph_new();
    tact_tensor_t *zeros = tact_tensor_new(TACT_DTYPE_I8, (int64_t[]) { 3 }, 1, NULL, &st);
    tact_output_t init = tact_constant(g, zeros, "pixels_init", &st);
    tact_variable(g, init, "pixels", &st);
    tact_tensor_destroy(&zeros);
    tact_session_t *s = tu_session(g, NULL);
    assert_int_equal(tact_checkpoint_restore(s, CKPT_PREFIX, &st), TACT_CODE_INVALID_ARGUMENT);
    assert_true(tu_contains(st.msg, "pixels"));
    assert_true(tu_contains(st.msg, "uint8"));
    assert_true(tu_contains(st.msg, "int8"));
    tact_session_destroy(&s);
    tact_graph_destroy(&g);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_names_and_sizes),
        cmocka_unit_test(test_half_conversions),
        cmocka_unit_test(test_format_as_numpy),
        cmocka_unit_test(test_cast_as_tensorflow),
        cmocka_unit_test(test_cast_string_refused),
        cmocka_unit_test(test_placeholder_identity_const),
        cmocka_unit_test(test_graphdef_import),
        cmocka_unit_test(test_graphdef_round_trip),
        cmocka_unit_test(test_checkpoint_from_tensorflow),
        cmocka_unit_test(test_checkpoint_dtype_mismatch),
    };
    return cmocka_run_group_tests_name("dtypes", tests, NULL, NULL);
}
