/* SPDX-License-Identifier: MIT */
/* Models made the way users make them (Keras layers, tf.nn, a TF1 SavedModel on resource
 * variables), frozen or saved by TensorFlow (tests/data/make_model_zoo.py): each imports or
 * loads and gives TensorFlow's answers within 1e-4, at batch sizes 1 and 3 through one
 * session. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <tact/model.h>
#include <tact/session.h>

#include "tests/helpers.h"

#define MAX_OUTPUTS 3

typedef struct {
    const char *name;   /* the tensor, or the signature's name for a SavedModel */
    tact_dtype_t dtype; /* F32 or I64 */
    int64_t per_item;   /* elements per batch item; 0: a scalar */
} zoo_tensor_t;

typedef struct {
    const char *model;  /* zoo_<model>_in<B>.bin, zoo_<model>_out<B>.bin */
    const char *graph;  /* zoo_<graph>.pb */
    zoo_tensor_t input;
    int in_ndims;       /* with the batch */
    int64_t in_dims[4]; /* in_dims[0] is set per batch */
    int n_outputs;
    zoo_tensor_t outputs[MAX_OUTPUTS];
} zoo_model_t;

static const zoo_model_t keras_mobilenet = {
    "mobilenet", "mobilenet", {"x:0", TACT_DTYPE_F32, 8 * 8 * 3}, 4, {0, 8, 8, 3},
    1, {{"Identity:0", TACT_DTYPE_F32, 5}}};
static const zoo_model_t v1_mobilenet = {
    "mobilenet_v1", "mobilenet_v1", {"x:0", TACT_DTYPE_F32, 8 * 8 * 3}, 4, {0, 8, 8, 3},
    1, {{"probs:0", TACT_DTYPE_F32, 5}}};
static const zoo_model_t keras_text = {
    "text", "text", {"ids:0", TACT_DTYPE_I32, 6}, 2, {0, 6},
    1, {{"Identity:0", TACT_DTYPE_F32, 1}}};
static const zoo_model_t keras_activations = {
    "activations", "activations", {"x:0", TACT_DTYPE_F32, 5}, 2, {0, 5},
    1, {{"Identity:0", TACT_DTYPE_F32, 3}}};
static const zoo_model_t v1_mlp = {
    "mlp", "mlp", {"x:0", TACT_DTYPE_F32, 4}, 2, {0, 4},
    2, {{"log_probs:0", TACT_DTYPE_F32, 3}, {"label:0", TACT_DTYPE_I64, 1}}};
static const zoo_model_t saved = {
    "saved", "saved", {"x", TACT_DTYPE_F32, 4}, 2, {0, 4},
    2, {{"y", TACT_DTYPE_F32, 1}, {"scores", TACT_DTYPE_F32, 3}}};
static const zoo_model_t any_rank3 = {
    "any_rank_r3", "any_rank", {"x:0", TACT_DTYPE_F32, 2 * 3}, 3, {0, 2, 3},
    3, {{"scaled:0", TACT_DTYPE_F32, 2 * 3}, {"mean:0", TACT_DTYPE_F32, 0},
        {"where_max:0", TACT_DTYPE_I64, 0}}};
static const zoo_model_t any_rank2 = {
    "any_rank_r2", "any_rank", {"x:0", TACT_DTYPE_F32, 6}, 2, {0, 6},
    3, {{"scaled:0", TACT_DTYPE_F32, 6}, {"mean:0", TACT_DTYPE_F32, 0},
        {"where_max:0", TACT_DTYPE_I64, 0}}};

static void *read_data(const char *fmt, const char *model, int batch, size_t want_len)
{
    char path[512];
    snprintf(path, sizeof path, "%s/zoo_%s_%s%d.bin", TACT_TEST_DATA_DIR, model, fmt, batch);
    size_t len;
    void *data = tu_read_file(path, &len);
    assert_int_equal(len, want_len);
    return data;
}

static size_t elem_size(tact_dtype_t dt)
{
    return dt == TACT_DTYPE_I64 ? 8 : 4;
}

static int64_t item_count(const zoo_tensor_t *t, int batch)
{
    return t->per_item == 0 ? 1 : batch * t->per_item;
}

/* Runs `m` at batch sizes 1 and 3 on `s`, feeding x and fetching outs[], and compares with
 * TensorFlow's answers: floats within 1e-4, integers exactly. */
static void check_batches(tact_session_t *s, const zoo_model_t *m, tact_output_t x,
                          const tact_output_t *outs)
{
    static const int batches[] = {1, 3};
    for (size_t bi = 0; bi < sizeof batches / sizeof batches[0]; bi++) {
        int b = batches[bi];
        tact_status_t st = TACT_STATUS_INIT;
        int64_t dims[4];
        memcpy(dims, m->in_dims, sizeof dims);
        dims[0] = b;
        void *in = read_data("in", m->model, b, (size_t) (b * m->input.per_item) * 4);
        tact_tensor_t *xin = tact_tensor_new(m->input.dtype, dims, m->in_ndims, in, &st);
        free(in);
        assert_non_null(xin);
        tact_feed_t feed = {x, xin};
        size_t out_len = 0;
        for (int k = 0; k < m->n_outputs; k++)
            out_len += (size_t) item_count(&m->outputs[k], b) * elem_size(m->outputs[k].dtype);
        char *want = read_data("out", m->model, b, out_len);
        tact_tensor_t *r[MAX_OUTPUTS] = {NULL};
        if (tact_session_run(s, outs, m->n_outputs, r, &feed, 1, NULL, 0, &st) != TACT_CODE_OK)
            fail_msg("%s batch %d: %s", m->model, b, st.msg);
        size_t off = 0;
        for (int k = 0; k < m->n_outputs; k++) {
            const zoo_tensor_t *o = &m->outputs[k];
            assert_int_equal(tact_tensor_dtype(r[k]), o->dtype);
            int64_t n = item_count(o, b);
            if (o->per_item == 0)
                assert_int_equal(tact_tensor_ndims(r[k]), 0);
            else
                assert_int_equal(tact_tensor_dim(r[k], 0), b);
            assert_int_equal(tact_tensor_nelems(r[k]), n);
            if (o->dtype == TACT_DTYPE_F32) {
                const float *got = tact_tensor_data(r[k]), *w = (const float *) (want + off);
                for (int64_t i = 0; i < n; i++)
                    if (!(fabsf(got[i] - w[i]) <= 1e-4f))
                        fail_msg("%s batch %d %s[%lld]: %.7g, TensorFlow %.7g", m->model, b,
                                 o->name, (long long) i, got[i], w[i]);
            } else {
                assert_memory_equal(tact_tensor_data(r[k]), want + off, (size_t) n * 8);
            }
            off += (size_t) n * elem_size(o->dtype);
            tact_tensor_destroy(&r[k]);
        }
        free(want);
        tact_tensor_destroy(&xin);
    }
}

static void run_frozen(const zoo_model_t *m)
{
    char path[512];
    snprintf(path, sizeof path, "%s/zoo_%s.pb", TACT_TEST_DATA_DIR, m->graph);
    tact_graph_t *g = tact_graph_new();
    tact_status_t st = TACT_STATUS_INIT;
    if (tact_graph_import_file(g, path, NULL, &st) != TACT_CODE_OK)
        fail_msg("%s: import: %s", m->model, st.msg);
    tact_output_t x = tact_graph_output(g, m->input.name, &st);
    tact_output_t outs[MAX_OUTPUTS];
    for (int k = 0; k < m->n_outputs; k++)
        outs[k] = tact_graph_output(g, m->outputs[k].name, &st);
    if (st.code != TACT_CODE_OK)
        fail_msg("%s: %s", m->model, st.msg);
    tact_session_t *s = tu_session(g, NULL);
    check_batches(s, m, x, outs);
    tact_session_destroy(&s);

    /* exported and imported again: the same answers */
    void *pb = NULL;
    size_t len = 0;
    if (tact_graph_export(g, &pb, &len, &st) != TACT_CODE_OK)
        fail_msg("%s: export: %s", m->model, st.msg);
    if (getenv("TACT_WRITE_FIXTURES") != NULL) {  /* for make_model_zoo.py --check */
        snprintf(path, sizeof path, "%s/zoo_%s_tact_exported.pb", TACT_TEST_DATA_DIR, m->graph);
        tu_write_file(path, pb, len);
    }
    tact_graph_t *g2 = tact_graph_new();
    if (tact_graph_import(g2, pb, len, NULL, &st) != TACT_CODE_OK)
        fail_msg("%s: re-import: %s", m->model, st.msg);
    free(pb);
    x = tact_graph_output(g2, m->input.name, &st);
    for (int k = 0; k < m->n_outputs; k++)
        outs[k] = tact_graph_output(g2, m->outputs[k].name, &st);
    s = tu_session(g2, NULL);
    check_batches(s, m, x, outs);
    tact_session_destroy(&s);
    tact_graph_destroy(&g2);
    tact_graph_destroy(&g);
}

/* Keras 3: Conv2D, BatchNormalization (unfused: Rsqrt, Mul, Sub, AddV2), ReLU6,
 * DepthwiseConv2D, GlobalAveragePooling2D (Mean), Dense, Softmax. */
static void test_keras_mobilenet(void **state)
{
    (void) state;
    run_frozen(&keras_mobilenet);
}

/* tf.compat.v1 graph mode on resource variables: FusedBatchNormV3, Relu6, Mean over [1, 2]. */
static void test_v1_mobilenet(void **state)
{
    (void) state;
    run_frozen(&v1_mobilenet);
}

/* Keras 3: Embedding (GatherV2 of the frozen table, ids int32), GlobalAveragePooling1D,
 * Dense relu, Dropout at inference, Dense sigmoid. */
static void test_keras_text(void **state)
{
    (void) state;
    run_frozen(&keras_text);
}

/* Keras 3 Dense layers with gelu (exact: Erfc), selu and softsign activations. */
static void test_keras_activations(void **state)
{
    (void) state;
    run_frozen(&keras_activations);
}

/* tf.nn: leaky_relu, elu, l2_normalize (Square, Sum, Maximum, Rsqrt, Mul), log_softmax and an
 * int64 argmax. */
static void test_v1_mlp(void **state)
{
    (void) state;
    run_frozen(&v1_mlp);
}

/* A placeholder of unknown rank: Min, Max and Sum over Range(0, Rank(x)), Prod of its Shape,
 * ArgMax of it flattened; fed rank 3, then rank 2, in the same session. */
static void test_any_rank(void **state)
{
    (void) state;
    run_frozen(&any_rank3);
    run_frozen(&any_rank2);
}

/* simple_save of resource variables: the loader restores them through the saver subgraph and
 * the serving signature names the tensors. */
static void test_saved_model(void **state)
{
    (void) state;
    char dir[512];
    snprintf(dir, sizeof dir, "%s/zoo_saved", TACT_TEST_DATA_DIR);
    const char *tags[] = {"serve"};
    tact_status_t st = TACT_STATUS_INIT;
    tact_session_t *s = tact_saved_model_load(dir, tags, 1, NULL, NULL, &st);
    if (s == NULL)
        fail_msg("load: %s", st.msg);
    const zoo_model_t *m = &saved;
    tact_output_t x = tact_saved_model_signature(s, NULL, m->input.name, true, &st);
    tact_output_t outs[MAX_OUTPUTS];
    for (int k = 0; k < m->n_outputs; k++)
        outs[k] = tact_saved_model_signature(s, NULL, m->outputs[k].name, false, &st);
    if (st.code != TACT_CODE_OK)
        fail_msg("signature: %s", st.msg);
    check_batches(s, m, x, outs);
    tact_session_destroy(&s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_keras_mobilenet),
        cmocka_unit_test(test_v1_mobilenet),
        cmocka_unit_test(test_keras_text),
        cmocka_unit_test(test_keras_activations),
        cmocka_unit_test(test_v1_mlp),
        cmocka_unit_test(test_any_rank),
        cmocka_unit_test(test_saved_model),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
