/* SPDX-License-Identifier: MIT */
/* TopKV2 (runtime/ops/nn_ops.c) and the image family (runtime/ops/image_ops.c,
 * devices/cpu/kernels/image_kernels.c): ResizeBilinear and ResizeNearestNeighbor under each
 * align_corners/half_pixel_centers pair, upscaling and downscaling, and TopKV2's ties and k = 0,
 * against TensorFlow's outputs (tests/data/image_cases.h, made by
 * tests/data/make_image_fixtures.py); their build-time and run-time errors in TensorFlow's
 * words; and a GraphDef TensorFlow wrote with all three, imported, run, exported and imported
 * again. */
/* first: the prelude's _GNU_SOURCE precedes the system headers */
#include "runtime/graph/graph_impl.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include <cmocka.h>

#include <tact/model.h>

#include "tests/helpers.h"
#include "tests/data/image_cases.h"

#define DIMS(...) ((const int64_t[]) { __VA_ARGS__ })
#define N_IMAGE_CASES ((int) (sizeof image_cases / sizeof image_cases[0]))

/* A fed value (feeds hold them const). */
static void drop(const tact_tensor_t *t)
{
    tact_tensor_t *owned = (tact_tensor_t *) t;
    tact_tensor_destroy(&owned);
}

static tact_output_t ph(tact_graph_t *g, tact_dtype_t dtype, const int64_t *dims, int ndims,
                        const char *name)
{
    tact_status_t st = TACT_STATUS_INIT;
    tact_output_t p = tact_placeholder(g, dtype, dims, ndims, name, &st);
    assert_int_equal(st.code, TACT_CODE_OK);
    return p;
}

/* A failed build keeps the op's name taken: each error test uses its own name. */
static tact_output_t resize_named(tact_graph_t *g, bool bilinear, tact_output_t images,
                                  tact_output_t size, bool align, bool half, const char *name,
                                  tact_status_t *st)
{
    return bilinear ? tact_resize_bilinear(g, images, size, align, half, name, st)
                    : tact_resize_nearest_neighbor(g, images, size, align, half, name, st);
}

static tact_output_t resize(tact_graph_t *g, bool bilinear, tact_output_t images,
                            tact_output_t size, bool align, bool half, tact_status_t *st)
{
    return resize_named(g, bilinear, images, size, align, half, "op", st);
}

static void assert_i32(const tact_tensor_t *t, const int32_t *want, int64_t n)
{
    assert_int_equal(t->dtype, TACT_DTYPE_I32);
    assert_int_equal(t->nelems, n);
    for (int64_t i = 0; i < n; i++)
        assert_int_equal(((const int32_t *) t->data)[i], want[i]);
}

/* Each case of image_cases.h, the size a Const (the output shape known when built). */
static void test_resize_matches_tensorflow(void **state)
{
    (void) state;
    for (int i = 0; i < N_IMAGE_CASES; i++) {
        const image_case_t *c = &image_cases[i];
        tact_graph_t *g = tact_graph_new();
        tact_status_t st = TACT_STATUS_INIT;
        tact_output_t x = tu_const_f32(g, DIMS(2, 3, 4, 2), 4, image_input, "x", &st);
        tact_output_t size = tu_const_i32(g, DIMS(2), 1, (const int32_t[]) {c->h, c->w}, "size",
                                          &st);
        tact_output_t y = resize(g, c->bilinear, x, size, c->align_corners,
                                 c->half_pixel_centers, &st);
        assert_int_equal(st.code, TACT_CODE_OK);
        assert_int_equal(tact_output_dim(y, 1), c->h);
        assert_int_equal(tact_output_dim(y, 2), c->w);
        tact_session_t *s = tu_session(g, NULL);
        tact_tensor_t *out = tu_run1(s, y, NULL, 0, &st);
        assert_non_null(out);
        if (!tu_f32_equal(out, DIMS(2, c->h, c->w, 2), 4, c->want))
            fail_msg("case %d (%s align_corners=%d half_pixel_centers=%d %dx%d): %s", i,
                     c->bilinear ? "bilinear" : "nearest", c->align_corners,
                     c->half_pixel_centers, c->h, c->w, tu_str(out));
        tact_tensor_destroy(&out);
        tact_session_destroy(&s);
        tact_graph_destroy(&g);
    }
}

/* The size fed when run: the static shape has unknown height and width, the answer is the
 * same. */
static void test_resize_fed_size(void **state)
{
    (void) state;
    const image_case_t *c = &image_cases[1];
    tact_graph_t *g = tact_graph_new();
    tact_status_t st = TACT_STATUS_INIT;
    tact_output_t x = tu_const_f32(g, DIMS(2, 3, 4, 2), 4, image_input, "x", &st);
    tact_output_t size = ph(g, TACT_DTYPE_I32, DIMS(2), 1, "size");
    tact_output_t y = resize(g, c->bilinear, x, size, c->align_corners, c->half_pixel_centers,
                             &st);
    assert_int_equal(st.code, TACT_CODE_OK);
    assert_int_equal(tact_output_dim(y, 0), 2);
    assert_int_equal(tact_output_dim(y, 1), -1);
    assert_int_equal(tact_output_dim(y, 3), 2);
    tact_session_t *s = tu_session(g, NULL);
    tact_feed_t feed = {size, tu_i32(DIMS(2), 1, (const int32_t[]) {c->h, c->w})};
    tact_tensor_t *out = tu_run1(s, y, &feed, 1, &st);
    assert_non_null(out);
    assert_true(tu_f32_equal(out, DIMS(2, c->h, c->w, 2), 4, c->want));
    tact_tensor_destroy(&out);
    drop(feed.value);
    tact_session_destroy(&s);
    tact_graph_destroy(&g);
}

/* TensorFlow 2.21's shape function, when built (tact's form of the message). */
static void test_resize_build_errors(void **state)
{
    (void) state;
    for (int b = 0; b < 2; b++) {
        const char *type = b ? "ResizeBilinear" : "ResizeNearestNeighbor";
        char want[300];
        tact_graph_t *g = tact_graph_new();
        tact_status_t st = TACT_STATUS_INIT;
        tact_output_t x3 = ph(g, TACT_DTYPE_F32, DIMS(2, 2, 1), 3, "x3");
        tact_output_t x4 = ph(g, TACT_DTYPE_F32, DIMS(1, 2, 2, 1), 4, "x4");
        tact_output_t s2 = tu_const_i32(g, DIMS(2), 1, (const int32_t[]) {3, 3}, "s2", &st);
        tact_output_t s3 = tu_const_i32(g, DIMS(3), 1, (const int32_t[]) {3, 3, 3}, "s3", &st);
        tact_output_t s12 = tu_const_i32(g, DIMS(1, 2), 2, (const int32_t[]) {3, 3}, "s12", &st);
        assert_int_equal(st.code, TACT_CODE_OK);

        assert_true(tact_output_is_empty(resize(g, b, x3, s2, false, false, &st)));
        assert_int_equal(st.code, TACT_CODE_INVALID_ARGUMENT);
        snprintf(want, sizeof want, "Shape must be rank 4 but is rank 3 for 'op' (op: '%s') "
                 "with input shapes: [2,2,1], [2].", type);
        assert_string_equal(st.msg, want);

        st = (tact_status_t) TACT_STATUS_INIT;
        assert_true(tact_output_is_empty(resize_named(g, b, x4, s3, false, false, "op2", &st)));
        snprintf(want, sizeof want, "Dimension must be 2 but is 3 for 'op2' (op: '%s') "
                 "with input shapes: [1,2,2,1], [3].", type);
        assert_string_equal(st.msg, want);

        st = (tact_status_t) TACT_STATUS_INIT;
        assert_true(tact_output_is_empty(resize_named(g, b, x4, s12, false, false, "op3", &st)));
        snprintf(want, sizeof want, "Shape must be rank 1 but is rank 2 for 'op3' (op: '%s') "
                 "with input shapes: [1,2,2,1], [1,2].", type);
        assert_string_equal(st.msg, want);

        /* a float size is refused by the op's signature */
        st = (tact_status_t) TACT_STATUS_INIT;
        tact_output_t fs = ph(g, TACT_DTYPE_F32, DIMS(2), 1, "fs");
        assert_true(tact_output_is_empty(resize_named(g, b, x4, fs, false, false, "op4", &st)));
        assert_int_equal(st.code, TACT_CODE_INVALID_ARGUMENT);
        tact_graph_destroy(&g);
    }
}

static void run_fails(tact_graph_t *g, tact_output_t y, const tact_feed_t *feeds, int n,
                      const char *msg)
{
    char want[400];
    snprintf(want, sizeof want, "%s\n\t [[{{node op}}]]", msg);
    tact_session_t *s = tu_session(g, NULL);
    tu_run_fails(s, y, feeds, n, TACT_CODE_INVALID_ARGUMENT, want);
    tact_session_destroy(&s);
}

/* ImageResizerState's checks, as TensorFlow's kernels print them. */
static void test_resize_run_errors(void **state)
{
    (void) state;
    for (int b = 0; b < 2; b++) {
        tact_graph_t *g = tact_graph_new();
        tact_status_t st = TACT_STATUS_INIT;
        tact_output_t x = ph(g, TACT_DTYPE_F32, NULL, -1, "x");
        tact_output_t size = ph(g, TACT_DTYPE_I32, NULL, -1, "size");
        tact_output_t y = resize(g, b, x, size, false, false, &st);
        assert_int_equal(st.code, TACT_CODE_OK);
        float zeros[8] = {0};
        tact_feed_t feeds[2] = {{x, tu_f32(DIMS(1, 2, 2, 2), 4, zeros)},
                                {size, tu_i32(DIMS(2), 1, (const int32_t[]) {0, 3})}};
        run_fails(g, y, feeds, 2, "output dimensions must be positive");
        drop(feeds[1].value);
        feeds[1].value = tu_i32(DIMS(2), 1, (const int32_t[]) {-1, 3});
        run_fails(g, y, feeds, 2, "output dimensions must be positive");
        drop(feeds[1].value);
        feeds[1].value = tu_i32(DIMS(3), 1, (const int32_t[]) {3, 3, 3});
        run_fails(g, y, feeds, 2, "shape_t must have two elements[3]");
        drop(feeds[1].value);
        feeds[1].value = tu_i32(DIMS(2), 1, (const int32_t[]) {3, 3});
        drop(feeds[0].value);
        feeds[0].value = tu_f32(DIMS(2, 2, 2), 3, zeros);
        run_fails(g, y, feeds, 2, "input must be 4-dimensional[2,2,2]");
        drop(feeds[0].value);
        feeds[0].value = tu_f32(DIMS(1, 0, 2, 1), 4, zeros);
        run_fails(g, y, feeds, 2, "input image must be of non-zero size");
        drop(feeds[0].value);
        feeds[0].value = tu_f32(DIMS(1, 2, 2, 2), 4, zeros);

        /* both centre attributes: refused when run, as TensorFlow's kernels do */
        tact_op_t *op = y.op;
        y = resize(g, b, x, size, true, true, &st);
        assert_int_equal(st.code, TACT_CODE_OK);
        assert_ptr_not_equal(y.op, op);
        char want[200];
        snprintf(want, sizeof want, "If half_pixel_centers is True, align_corners must be "
                 "False.\n\t [[{{node %s}}]]", y.op->name);
        tact_session_t *s = tu_session(g, NULL);
        tu_run_fails(s, y, feeds, 2, TACT_CODE_INVALID_ARGUMENT, want);
        tact_session_destroy(&s);
        drop(feeds[0].value);
        drop(feeds[1].value);
        tact_graph_destroy(&g);
    }
}

static void check_top_k(int k, const float *values, const int32_t *indices)
{
    tact_graph_t *g = tact_graph_new();
    tact_status_t st = TACT_STATUS_INIT;
    tact_output_t x = tu_const_f32(g, DIMS(3, 5), 2, topk_input, "x", &st);
    tact_output_t kk = tu_const_i32(g, NULL, 0, (const int32_t[]) {k}, "k", &st);
    tact_output_t v = tact_top_k(g, x, kk, true, "op", &st);
    assert_int_equal(st.code, TACT_CODE_OK);
    tact_output_t i = {v.op, 1};
    assert_int_equal(tact_output_dim(v, 1), k);
    assert_int_equal(tact_output_dtype(i), TACT_DTYPE_I32);
    tact_session_t *s = tu_session(g, NULL);
    tact_tensor_t *vt = tu_run1(s, v, NULL, 0, &st), *it = tu_run1(s, i, NULL, 0, &st);
    assert_non_null(vt);
    assert_non_null(it);
    assert_true(tu_f32_equal(vt, DIMS(3, k), 2, values));
    assert_int_equal(it->ndims, 2);
    assert_int_equal(it->dims[1], k);
    assert_i32(it, indices, 3 * k);
    tact_tensor_destroy(&vt);
    tact_tensor_destroy(&it);
    tact_session_destroy(&s);
    tact_graph_destroy(&g);
}

/* Equal values: the lower index first; k = 0 gives empty rows. */
static void test_top_k_matches_tensorflow(void **state)
{
    (void) state;
    check_top_k(3, topk_values_k3, topk_indices_k3);
    check_top_k(5, topk_values_k5, topk_indices_k5);
    check_top_k(0, topk_values_k0, topk_indices_k0);
}

static void test_top_k_build_errors(void **state)
{
    (void) state;
    tact_graph_t *g = tact_graph_new();
    tact_status_t st = TACT_STATUS_INIT;
    tact_output_t x = ph(g, TACT_DTYPE_F32, DIMS(3), 1, "x");
    tact_output_t scalar = ph(g, TACT_DTYPE_F32, NULL, 0, "s");
    tact_output_t km = tu_const_i32(g, NULL, 0, (const int32_t[]) {-1}, "km", &st);
    tact_output_t k4 = tu_const_i32(g, NULL, 0, (const int32_t[]) {4}, "k4", &st);
    tact_output_t k1 = tu_const_i32(g, DIMS(1), 1, (const int32_t[]) {1}, "k1", &st);
    assert_int_equal(st.code, TACT_CODE_OK);
    static const char *const want[4] = {
        "Dimension size, given by scalar input 1, must be non-negative but is -1 for 'op0' "
        "(op: 'TopKV2') with input shapes: [3], [].",
        "input must have last dimension >= k = 4 but is 3 for 'op1' (op: 'TopKV2') with input "
        "shapes: [3], [].",
        "Shape must be at least rank 1 but is rank 0 for 'op2' (op: 'TopKV2') with input "
        "shapes: [], [].",
        "Input must be scalar but has rank 1 for 'op3' (op: 'TopKV2') with input shapes: [3], "
        "[1].",
    };
    tact_output_t ins[4][2] = {{x, km}, {x, k4}, {scalar, k4}, {x, k1}};
    for (int i = 0; i < 4; i++) {
        char name[8];
        snprintf(name, sizeof name, "op%d", i);
        st = (tact_status_t) TACT_STATUS_INIT;
        assert_true(tact_output_is_empty(tact_top_k(g, ins[i][0], ins[i][1], true, name, &st)));
        assert_int_equal(st.code, TACT_CODE_INVALID_ARGUMENT);
        assert_string_equal(st.msg, want[i]);
    }
    tact_graph_destroy(&g);
}

/* k fed when run: topk_op.cc's checks. */
static void test_top_k_fed_k(void **state)
{
    (void) state;
    tact_graph_t *g = tact_graph_new();
    tact_status_t st = TACT_STATUS_INIT;
    tact_output_t x = ph(g, TACT_DTYPE_F32, DIMS(-1, 5), 2, "x");
    tact_output_t k = ph(g, TACT_DTYPE_I32, NULL, -1, "k");
    tact_output_t v = tact_top_k(g, x, k, true, "op", &st);
    assert_int_equal(st.code, TACT_CODE_OK);
    assert_int_equal(tact_output_dim(v, 1), -1);
    tact_feed_t feeds[2] = {{x, tu_f32(DIMS(3, 5), 2, topk_input)},
                            {k, tu_i32(NULL, 0, (const int32_t[]) {3})}};
    tact_session_t *s = tu_session(g, NULL);
    tact_tensor_t *it = tu_run1(s, (tact_output_t) {v.op, 1}, feeds, 2, &st);
    assert_non_null(it);
    assert_i32(it, topk_indices_k3, 9);
    tact_tensor_destroy(&it);
    tact_session_destroy(&s);
    drop(feeds[1].value);
    feeds[1].value = tu_i32(NULL, 0, (const int32_t[]) {-1});
    run_fails(g, v, feeds, 2, "Need k >= 0, got -1");
    drop(feeds[1].value);
    feeds[1].value = tu_i32(NULL, 0, (const int32_t[]) {6});
    run_fails(g, v, feeds, 2, "input must have at least k columns. Had 5, needed 6");
    drop(feeds[1].value);
    feeds[1].value = tu_i32(DIMS(1), 1, (const int32_t[]) {1});
    run_fails(g, v, feeds, 2, "k must be scalar, got shape [1]");
    drop(feeds[0].value);
    drop(feeds[1].value);
    tact_graph_destroy(&g);
}

static void assert_graph_answers(tact_graph_t *g)
{
    tact_status_t st = TACT_STATUS_INIT;
    tact_output_t x = tact_graph_output(g, "x:0", &st);
    tact_output_t v = tact_graph_output(g, "topk:0", &st), i = tact_graph_output(g, "topk:1", &st);
    assert_int_equal(st.code, TACT_CODE_OK);
    assert_int_equal(tact_output_dim(v, 1), 4);
    assert_int_equal(tact_output_dim(v, 2), 6);
    assert_int_equal(tact_output_dim(v, 3), 2);
    tact_feed_t feed = {x, tu_f32(DIMS(1, 3, 4, 3), 4, image_graph_x)};
    tact_session_t *s = tu_session(g, NULL);
    tact_tensor_t *vt = tu_run1(s, v, &feed, 1, &st), *it = tu_run1(s, i, &feed, 1, &st);
    assert_non_null(vt);
    assert_non_null(it);
    assert_true(tu_f32_equal(vt, DIMS(1, 4, 6, 2), 4, image_graph_values));
    assert_i32(it, image_graph_indices, 48);
    tact_tensor_destroy(&vt);
    tact_tensor_destroy(&it);
    drop(feed.value);
    tact_session_destroy(&s);
}

/* image_ops.pbtxt, written by TensorFlow: imported, run, exported and imported again. */
static void test_graph_from_tensorflow(void **state)
{
    (void) state;
    tact_graph_t *g = tu_import_fixture(TACT_TEST_DATA_DIR, "image_ops.pbtxt");
    tact_status_t st = TACT_STATUS_INIT;
    const tact_op_t *bil = tact_graph_op(g, "bilinear"), *nn = tact_graph_op(g, "nearest");
    assert_string_equal(tact_op_type(bil), "ResizeBilinear");
    assert_true(bil->attrs.half_pixel_centers);
    assert_false(bil->attrs.align_corners);
    assert_true(nn->attrs.align_corners);
    assert_true(tact_graph_op(g, "topk")->attrs.sorted);
    assert_graph_answers(g);

    void *pb = NULL;
    size_t len = 0;
    assert_int_equal(tact_graph_export(g, &pb, &len, &st), TACT_CODE_OK);
    if (getenv("TACT_WRITE_FIXTURES") != NULL) {  /* for make_image_fixtures.py --check */
        char path[512];
        snprintf(path, sizeof path, "%s/image_tact_exported.pb", TACT_TEST_DATA_DIR);
        tu_write_file(path, pb, len);
    }
    tact_graph_t *g2 = tact_graph_new();
    if (tact_graph_import(g2, pb, len, NULL, &st) != TACT_CODE_OK)
        fail_msg("re-import failed: %s", st.msg);
    free(pb);
    assert_true(tact_graph_op(g2, "bilinear")->attrs.half_pixel_centers);
    assert_true(tact_graph_op(g2, "nearest")->attrs.align_corners);
    assert_graph_answers(g2);
    tact_graph_destroy(&g2);
    tact_graph_destroy(&g);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_resize_matches_tensorflow),
        cmocka_unit_test(test_resize_fed_size),
        cmocka_unit_test(test_resize_build_errors),
        cmocka_unit_test(test_resize_run_errors),
        cmocka_unit_test(test_top_k_matches_tensorflow),
        cmocka_unit_test(test_top_k_build_errors),
        cmocka_unit_test(test_top_k_fed_k),
        cmocka_unit_test(test_graph_from_tensorflow),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
