/* SPDX-License-Identifier: MIT */
/* TF1 SavedModels (runtime/model/saved_model.c): TensorFlow's MLP saved by
 * tf.compat.v1.saved_model.Builder (data/saved_mlp, data/saved_two; made by
 * data/make_saved_model_fixtures.py) loaded by tags, run through its signature, its restored
 * variables, TensorFlow's messages for a missing file and unknown tags, the signature lookups'
 * errors, SavedModels changed here (text format, no variables, a main op, an unknown op, a
 * sparse signature), damaged files, and threads running one loaded session. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <tact/tact.h>

#include "runtime/model/text_format.h"
#include "tests/helpers.h"

#include "saved_model.pb-c.h"

#define MLP_DIR TACT_TEST_DATA_DIR "/saved_mlp"
#define TWO_DIR TACT_TEST_DATA_DIR "/saved_two"
#define TOL 1e-5f

static const char *const SERVE[] = {"serve"};

/* ---- fixtures ---- */

static tact_tensor_t *input_tensor(void)
{
    size_t len;
    float *x = tu_read_file(TACT_TEST_DATA_DIR "/saved_mlp_input.bin", &len);
    assert_int_equal(len, 12 * sizeof(float));
    tact_tensor_t *t = tu_f32((const int64_t[]) {4, 3}, 2, x);
    free(x);
    return t;
}

static void check_probs(const tact_tensor_t *probs)
{
    size_t len;
    float *want = tu_read_file(TACT_TEST_DATA_DIR "/saved_mlp_expected.bin", &len);
    assert_int_equal(len, 8 * sizeof(float));
    assert_non_null(probs);
    assert_int_equal(tact_tensor_ndims(probs), 2);
    assert_int_equal(tact_tensor_dim(probs, 0), 4);
    assert_int_equal(tact_tensor_dim(probs, 1), 2);
    const float *got = tact_tensor_data(probs);
    for (int i = 0; i < 8; i++)
        assert_float_equal(got[i], want[i], TOL);
    free(want);
}

static void run_probs(tact_session_t *s, tact_output_t x, tact_output_t probs);

/* Runs the "serving_default" signature's probs for the fixed input and checks them. */
static void run_signature(tact_session_t *s)
{
    tact_status_t st = TACT_STATUS_INIT;
    tact_output_t x = tact_saved_model_signature(s, NULL, "x", true, &st);
    tact_output_t probs = tact_saved_model_signature(s, "serving_default", "probs", false, &st);
    assert_int_equal(st.code, TACT_CODE_OK);
    assert_string_equal(tact_op_name(x.op), "x");
    assert_string_equal(tact_op_name(probs.op), "probs");
    run_probs(s, x, probs);
}

/* Runs probs for the fixed input fed to x and checks them. */
static void run_probs(tact_session_t *s, tact_output_t x, tact_output_t probs)
{
    tact_status_t st = TACT_STATUS_INIT;
    tact_tensor_t *in = input_tensor();
    tact_feed_t feed = {x, in};
    tact_tensor_t *out = tu_run1(s, probs, &feed, 1, &st);
    assert_int_equal(st.code, TACT_CODE_OK);
    check_probs(out);
    tact_tensor_destroy(&out);
    tact_tensor_destroy(&in);
}

/* A temporary directory; variables: a link to saved_mlp's variables/. */
static void temp_dir(char *dir, size_t cap, bool variables)
{
    snprintf(dir, cap, "/tmp/tact_saved_model_XXXXXX");
    assert_non_null(mkdtemp(dir));
    if (variables) {
        char link[300];
        snprintf(link, sizeof link, "%s/variables", dir);
        assert_int_equal(symlink(MLP_DIR "/variables", link), 0);
    }
}

static void remove_dir(const char *dir)
{
    const char *names[] = {"saved_model.pb", "saved_model.pbtxt", "variables"};
    for (int i = 0; i < 3; i++) {
        char path[300];
        snprintf(path, sizeof path, "%s/%s", dir, names[i]);
        unlink(path);
    }
    assert_int_equal(rmdir(dir), 0);
}

static Tensorflow__SavedModel *parse_mlp(void)
{
    size_t len;
    void *data = tu_read_file(MLP_DIR "/saved_model.pb", &len);
    Tensorflow__SavedModel *sm = tensorflow__saved_model__unpack(NULL, len, data);
    free(data);
    assert_non_null(sm);
    assert_int_equal(sm->n_meta_graphs, 1);
    return sm;
}

static void write_binary(const char *dir, const Tensorflow__SavedModel *sm)
{
    size_t n = tensorflow__saved_model__get_packed_size(sm);
    uint8_t *buf = malloc(n + 1);
    assert_int_equal(tensorflow__saved_model__pack(sm, buf), n);
    char path[300];
    snprintf(path, sizeof path, "%s/saved_model.pb", dir);
    tu_write_file(path, buf, n);
    free(buf);
}

/* ---- loading and running ---- */

static void test_load_new_graph(void **state)
{
    (void) state;
    tact_status_t st = TACT_STATUS_INIT;
    tact_session_t *s = tact_saved_model_load(MLP_DIR, SERVE, 1, NULL, NULL, &st);
    assert_int_equal(st.code, TACT_CODE_OK);
    assert_non_null(s);
    assert_non_null(tact_graph_op(tact_session_graph(s), "save/restore_all"));
    run_signature(s);
    tact_session_destroy(&s);  /* and the graph it made: valgrind and LSan check */
    assert_null(s);
}

static void test_load_given_graph(void **state)
{
    (void) state;
    tact_status_t st = TACT_STATUS_INIT;
    tact_graph_t *g = tact_graph_new();
    tact_session_t *s = tact_saved_model_load(MLP_DIR, SERVE, 1, g, NULL, &st);
    assert_int_equal(st.code, TACT_CODE_OK);
    assert_ptr_equal(tact_session_graph(s), g);
    assert_non_null(tact_graph_op(g, "probs"));
    tact_graph_destroy(&g);  /* the session keeps its reference */
    run_signature(s);
    tact_session_destroy(&s);

    /* A graph with ops already is refused. */
    g = tact_graph_new();
    tu_const_f32(g, NULL, 0, (const float[]) {1}, "c", &st);
    assert_null(tact_saved_model_load(MLP_DIR, SERVE, 1, g, NULL, &st));
    assert_int_equal(st.code, TACT_CODE_INVALID_ARGUMENT);
    assert_string_equal(st.msg, "tact_saved_model_load: the graph must be empty (it holds 1 ops)");
    assert_int_equal(tact_graph_num_ops(g), 1);
    tact_graph_destroy(&g);
}

/* The variables hold the checkpoint's values: TensorFlow's layer1/w. */
static void test_restored_variables(void **state)
{
    (void) state;
    tact_status_t st = TACT_STATUS_INIT;
    tact_session_t *s = tact_saved_model_load(MLP_DIR, SERVE, 1, NULL, NULL, &st);
    assert_non_null(s);
    tact_output_t w = tact_graph_output(tact_session_graph(s), "layer1/w:0", &st);
    tact_tensor_t *v = tu_run1(s, w, NULL, 0, &st);
    assert_int_equal(st.code, TACT_CODE_OK);
    size_t len;
    float *want = tu_read_file(TACT_TEST_DATA_DIR "/saved_mlp_w1.bin", &len);
    assert_int_equal(len, 12 * sizeof(float));
    assert_true(tu_f32_equal(v, (const int64_t[]) {3, 4}, 2, want));
    free(want);
    tact_tensor_destroy(&v);
    tact_session_destroy(&s);
}

static void test_two_meta_graphs(void **state)
{
    (void) state;
    tact_status_t st = TACT_STATUS_INIT;
    const char *const train[] = {"train"};
    tact_session_t *s = tact_saved_model_load(TWO_DIR, train, 1, NULL, NULL, &st);
    assert_int_equal(st.code, TACT_CODE_OK);
    tact_output_t x = tact_saved_model_signature(s, "train_sig", "x", true, &st);
    assert_int_equal(st.code, TACT_CODE_OK);
    assert_string_equal(tact_op_name(x.op), "x");
    tact_saved_model_signature(s, NULL, "x", true, &st);
    assert_int_equal(st.code, TACT_CODE_NOT_FOUND);
    assert_string_equal(st.msg, "The SavedModel has no signature 'serving_default'; its "
                                "signatures: {train_sig}");
    tact_session_destroy(&s);

    st = (tact_status_t) TACT_STATUS_INIT;
    const char *const serve_twice[] = {"serve", "serve"};  /* a set: repeats do not count */
    s = tact_saved_model_load(TWO_DIR, serve_twice, 2, NULL, NULL, &st);
    assert_int_equal(st.code, TACT_CODE_OK);
    run_signature(s);
    tact_session_destroy(&s);
}

/* The loaded graph (the Builder's saver included) exported and imported again: the saver's
 * ops keep their attrs, restore_all restores with the filename fed, and the sharded save
 * (ShardedFilename, SaveV2, MergeV2Checkpoints) writes a checkpoint that restores. */
static void test_export_round_trip(void **state)
{
    (void) state;
    tact_status_t st = TACT_STATUS_INIT;
    tact_session_t *s = tact_saved_model_load(MLP_DIR, SERVE, 1, NULL, NULL, &st);
    assert_non_null(s);
    void *data = NULL;
    size_t len = 0;
    assert_int_equal(tact_graph_export(tact_session_graph(s), &data, &len, &st), TACT_CODE_OK);
    int n_ops = tact_graph_num_ops(tact_session_graph(s));
    tact_session_destroy(&s);
    /* TACT_WRITE_FIXTURES=<dir>: the export for make_saved_model_fixtures.py --verify, which
     * imports it into TensorFlow, restores and runs it. */
    const char *fixtures = getenv("TACT_WRITE_FIXTURES");
    if (fixtures != NULL) {
        char path[300];
        snprintf(path, sizeof path, "%s/saved_mlp_tact_export.pb", fixtures);
        tu_write_file(path, data, len);
    }

    tact_graph_t *g = tact_graph_new();
    assert_int_equal(tact_graph_import(g, data, len, NULL, &st), TACT_CODE_OK);
    free(data);
    assert_int_equal(tact_graph_num_ops(g), n_ops);
    const char *types[][2] = {
        {"save/SaveV2", "SaveV2"}, {"save/RestoreV2", "RestoreV2"},
        {"save/MergeV2Checkpoints", "MergeV2Checkpoints"}, {"save/StringJoin", "StringJoin"},
        {"save/StaticRegexFullMatch", "StaticRegexFullMatch"}, {"save/Select", "Select"},
        {"save/ShardedFilename", "ShardedFilename"}, {"save/Const", "PlaceholderWithDefault"},
    };
    for (size_t i = 0; i < sizeof types / sizeof types[0]; i++) {
        tact_op_t *op = tact_graph_op(g, types[i][0]);
        assert_non_null(op);
        assert_string_equal(tact_op_type(op), types[i][1]);
    }
    s = tact_session_new(NULL, g, NULL, &st);
    tact_output_t filename = tact_graph_output(g, "save/Const:0", &st);
    tact_op_t *restore = tact_graph_op(g, "save/restore_all");
    const char *prefix = MLP_DIR "/variables/variables";
    tact_tensor_t *name = tact_tensor_new_strings(NULL, 0, &prefix, NULL, &st);
    tact_feed_t feed = {filename, name};
    assert_int_equal(tact_session_run(s, NULL, 0, NULL, &feed, 1, &restore, 1, &st),
                     TACT_CODE_OK);
    tact_tensor_destroy(&name);
    tact_output_t x = tact_graph_output(g, "x:0", &st);
    tact_output_t probs = tact_graph_output(g, "probs:0", &st);
    run_probs(s, x, probs);

    char dir[64], ckpt[300], cmd[400];
    temp_dir(dir, sizeof dir, false);
    snprintf(ckpt, sizeof ckpt, "%s/ckpt", dir);
    const char *ckpt_p = ckpt;
    name = tact_tensor_new_strings(NULL, 0, &ckpt_p, NULL, &st);
    feed.value = name;
    tact_tensor_t *saved = tu_run1(s, tact_graph_output(g, "save/Identity:0", &st), &feed, 1,
                                   &st);
    assert_int_equal(st.code, TACT_CODE_OK);
    assert_string_equal(tact_tensor_string(saved, 0, NULL), ckpt);
    tact_tensor_destroy(&saved);
    assert_int_equal(tact_session_run(s, NULL, 0, NULL, &feed, 1, &restore, 1, &st),
                     TACT_CODE_OK);
    tact_tensor_destroy(&name);
    run_probs(s, x, probs);
    tact_session_destroy(&s);
    tact_graph_destroy(&g);
    snprintf(cmd, sizeof cmd, "rm -r '%s'", dir);
    assert_int_equal(system(cmd), 0);
}

/* ---- errors ---- */

static void test_missing_file(void **state)
{
    (void) state;
    tact_status_t st = TACT_STATUS_INIT;
    assert_null(tact_saved_model_load(TACT_TEST_DATA_DIR "/no_such_dir", SERVE, 1, NULL, NULL,
                                      &st));
    assert_int_equal(st.code, TACT_CODE_NOT_FOUND);
    assert_string_equal(st.msg, "SavedModel file does not exist at: " TACT_TEST_DATA_DIR
                                "/no_such_dir/{saved_model.pbtxt|saved_model.pb}");
}

/* TensorFlow 2.21's words (make_saved_model_fixtures.py prints them). */
static void test_unknown_tags(void **state)
{
    (void) state;
    tact_status_t st = TACT_STATUS_INIT;
    const char *const gpu[] = {"gpu"};
    assert_null(tact_saved_model_load(TWO_DIR, gpu, 1, NULL, NULL, &st));
    assert_int_equal(st.code, TACT_CODE_NOT_FOUND);
    assert_string_equal(st.msg, "MetaGraphDef associated with tags 'gpu' could not be found in "
                                "SavedModel, with available tags '[{'serve'}, {'train'}]'. To "
                                "inspect available tag-sets in the SavedModel, please use the "
                                "SavedModel CLI: `saved_model_cli`.");
    st = (tact_status_t) TACT_STATUS_INIT;
    const char *const both[] = {"serve", "train"};
    assert_null(tact_saved_model_load(TWO_DIR, both, 2, NULL, NULL, &st));
    assert_int_equal(st.code, TACT_CODE_NOT_FOUND);
    assert_true(tu_contains(st.msg, "with tags 'serve', 'train' could not be found"));
    st = (tact_status_t) TACT_STATUS_INIT;
    assert_null(tact_saved_model_load(MLP_DIR, NULL, 0, NULL, NULL, &st));
    assert_int_equal(st.code, TACT_CODE_NOT_FOUND);
    assert_true(tu_contains(st.msg, "with tags  could not be found in SavedModel, with "
                                    "available tags '[{'serve'}]'"));
    /* A status already failed: nothing happens. */
    assert_null(tact_saved_model_load(MLP_DIR, SERVE, 1, NULL, NULL, &st));
    assert_int_equal(st.code, TACT_CODE_NOT_FOUND);
}

static void test_signature_errors(void **state)
{
    (void) state;
    tact_status_t st = TACT_STATUS_INIT;
    tact_session_t *s = tact_saved_model_load(MLP_DIR, SERVE, 1, NULL, NULL, &st);
    assert_non_null(s);
    tact_output_t t = tact_saved_model_signature(s, "predict", "x", true, &st);
    assert_null(t.op);
    assert_int_equal(st.code, TACT_CODE_NOT_FOUND);
    assert_string_equal(st.msg, "The SavedModel has no signature 'predict'; its signatures: "
                                "{serving_default}");
    st = (tact_status_t) TACT_STATUS_INIT;
    tact_saved_model_signature(s, NULL, "probs", true, &st);
    assert_int_equal(st.code, TACT_CODE_NOT_FOUND);
    assert_string_equal(st.msg, "Signature 'serving_default' has no input 'probs'; its inputs: "
                                "{x}");
    st = (tact_status_t) TACT_STATUS_INIT;
    tact_saved_model_signature(s, NULL, "y", false, &st);
    assert_int_equal(st.code, TACT_CODE_NOT_FOUND);
    assert_string_equal(st.msg, "Signature 'serving_default' has no output 'y'; its outputs: "
                                "{logits, probs}");
    tact_session_destroy(&s);

    st = (tact_status_t) TACT_STATUS_INIT;
    tact_graph_t *g = tact_graph_new();
    s = tact_session_new(NULL, g, NULL, &st);
    t = tact_saved_model_signature(s, NULL, "x", true, &st);
    assert_null(t.op);
    assert_int_equal(st.code, TACT_CODE_INVALID_ARGUMENT);
    assert_string_equal(st.msg, "signature 'serving_default': the session was not made by "
                                "tact_saved_model_load");
    tact_session_destroy(&s);
    tact_graph_destroy(&g);
}

/* The signature keys and the names of a signature's inputs and outputs, as the SavedModel
 * lists them (make_saved_model_fixtures.py: inputs {x}, outputs {probs, logits}, which
 * TensorFlow's deterministic serialisation writes sorted). */
static void test_signature_names(void **state)
{
    (void) state;
    tact_status_t st = TACT_STATUS_INIT;
    tact_session_t *s = tact_saved_model_load(MLP_DIR, SERVE, 1, NULL, NULL, &st);
    assert_non_null(s);
    const char *names[4] = { NULL };
    assert_int_equal(tact_saved_model_signature_keys(s, NULL, 0, &st), 1);
    assert_int_equal(tact_saved_model_signature_keys(s, names, 4, &st), 1);
    assert_string_equal(names[0], "serving_default");
    assert_int_equal(tact_saved_model_signature_names(s, NULL, true, names, 4, &st), 1);
    assert_string_equal(names[0], "x");
    /* a count, then as many as fit */
    assert_int_equal(tact_saved_model_signature_names(s, NULL, false, NULL, 0, &st), 2);
    names[1] = NULL;
    assert_int_equal(tact_saved_model_signature_names(s, "serving_default", false, names, 1, &st),
                     2);
    assert_string_equal(names[0], "logits");
    assert_null(names[1]);
    assert_int_equal(tact_saved_model_signature_names(s, NULL, false, names, 4, &st), 2);
    assert_string_equal(names[1], "probs");
    assert_int_equal(st.code, TACT_CODE_OK);
    /* each name is one tact_saved_model_signature takes */
    assert_int_equal(tact_saved_model_signature(s, NULL, names[1], false, &st).index, 0);
    assert_int_equal(st.code, TACT_CODE_OK);

    assert_int_equal(tact_saved_model_signature_names(s, "predict", true, names, 4, &st), -1);
    assert_int_equal(st.code, TACT_CODE_NOT_FOUND);
    assert_string_equal(st.msg, "The SavedModel has no signature 'predict'; its signatures: "
                                "{serving_default}");
    /* a status already failed: nothing done */
    assert_int_equal(tact_saved_model_signature_keys(s, names, 4, &st), -1);
    assert_int_equal(st.code, TACT_CODE_NOT_FOUND);
    tact_session_destroy(&s);

    /* two meta graphs: the "train" one has its own signature */
    const char *const train[] = { "train" };
    st = (tact_status_t) TACT_STATUS_INIT;
    s = tact_saved_model_load(TACT_TEST_DATA_DIR "/saved_two", train, 1, NULL, NULL, &st);
    assert_non_null(s);
    assert_int_equal(tact_saved_model_signature_keys(s, names, 4, &st), 1);
    assert_string_equal(names[0], "train_sig");
    assert_int_equal(tact_saved_model_signature_names(s, "train_sig", true, names, 4, &st), 1);
    assert_string_equal(names[0], "x");
    tact_session_destroy(&s);

    st = (tact_status_t) TACT_STATUS_INIT;
    tact_graph_t *g = tact_graph_new();
    s = tact_session_new(NULL, g, NULL, &st);
    assert_int_equal(tact_saved_model_signature_keys(s, names, 4, &st), -1);
    assert_int_equal(st.code, TACT_CODE_INVALID_ARGUMENT);
    assert_string_equal(st.msg, "signature keys: the session was not made by "
                                "tact_saved_model_load");
    st = (tact_status_t) TACT_STATUS_INIT;
    assert_int_equal(tact_saved_model_signature_names(s, NULL, true, names, 4, &st), -1);
    assert_string_equal(st.msg, "signature 'serving_default': the session was not made by "
                                "tact_saved_model_load");
    tact_session_destroy(&s);
    tact_graph_destroy(&g);
}

/* A COO sparse TensorInfo is refused by name. */
static void test_sparse_signature(void **state)
{
    (void) state;
    Tensorflow__SavedModel *sm = parse_mlp();
    Tensorflow__SignatureDef *sig = sm->meta_graphs[0]->signature_def[0]->value;
    Tensorflow__TensorInfo *info = sig->inputs[0]->value;
    free(info->name);
    info->encoding_case = TENSORFLOW__TENSOR_INFO__ENCODING_COO_SPARSE;
    info->coo_sparse = malloc(sizeof *info->coo_sparse);
    tensorflow__tensor_info__coo_sparse__init(info->coo_sparse);
    char dir[64];
    temp_dir(dir, sizeof dir, true);
    write_binary(dir, sm);
    tensorflow__saved_model__free_unpacked(sm, NULL);
    tact_status_t st = TACT_STATUS_INIT;
    tact_session_t *s = tact_saved_model_load(dir, SERVE, 1, NULL, NULL, &st);
    assert_non_null(s);
    tact_saved_model_signature(s, NULL, "x", true, &st);
    assert_int_equal(st.code, TACT_CODE_INVALID_ARGUMENT);
    assert_string_equal(st.msg, "Signature 'serving_default' input 'x' is a COO sparse tensor: "
                                "sparse signatures are not supported yet");
    tact_session_destroy(&s);
    remove_dir(dir);
}

/* An op type tact lacks: import's NOT_FOUND naming it, and nothing left over. */
static void test_unknown_op(void **state)
{
    (void) state;
    Tensorflow__SavedModel *sm = parse_mlp();
    Tensorflow__GraphDef *gd = sm->meta_graphs[0]->graph_def;
    for (size_t i = 0; i < gd->n_node; i++)
        if (strcmp(gd->node[i]->name, "probs") == 0) {
            free(gd->node[i]->op);
            gd->node[i]->op = strdup("Erf");
        }
    char dir[64];
    temp_dir(dir, sizeof dir, true);
    write_binary(dir, sm);
    tensorflow__saved_model__free_unpacked(sm, NULL);
    tact_status_t st = TACT_STATUS_INIT;
    tact_graph_t *g = tact_graph_new();
    assert_null(tact_saved_model_load(dir, SERVE, 1, g, NULL, &st));
    assert_int_equal(st.code, TACT_CODE_NOT_FOUND);
    assert_string_equal(st.msg, "Op type not registered 'Erf' in binary running on tact (node "
                                "'probs'). Make sure the Op is one tact imports.");
    assert_int_equal(tact_graph_num_ops(g), 0);
    tact_graph_destroy(&g);
    remove_dir(dir);
}

/* saved_model.pbtxt with no variables/: nothing is restored (the variables stay
 * uninitialised) until a main op initialises them; a main op the graph lacks is NOT_FOUND. */
static void test_text_format_and_main_op(void **state)
{
    (void) state;
    Tensorflow__SavedModel *sm = parse_mlp();
    size_t len;
    char *text = tact__text_format_print(&sm->base, &len);
    char dir[64], path[300];
    temp_dir(dir, sizeof dir, false);
    snprintf(path, sizeof path, "%s/saved_model.pbtxt", dir);
    tu_write_file(path, text, len);
    free(text);
    tact_status_t st = TACT_STATUS_INIT;
    tact_session_t *s = tact_saved_model_load(dir, SERVE, 1, NULL, NULL, &st);
    assert_int_equal(st.code, TACT_CODE_OK);
    tact_output_t w = tact_graph_output(tact_session_graph(s), "layer1/w:0", &st);
    tu_run_fails(s, w, NULL, 0, TACT_CODE_FAILED_PRECONDITION,
                 "Attempting to use uninitialized value layer1/w");
    tact_session_destroy(&s);

    /* The main op: the script's "init" (global_variables_initializer) gives the same values. */
    Tensorflow__MetaGraphDef *mg = sm->meta_graphs[0];
    size_t k = mg->n_collection_def;
    mg->collection_def = realloc(mg->collection_def, (k + 1) * sizeof *mg->collection_def);
    Tensorflow__MetaGraphDef__CollectionDefEntry *e = malloc(sizeof *e);
    tensorflow__meta_graph_def__collection_def_entry__init(e);
    e->key = strdup("saved_model_main_op");
    e->value = malloc(sizeof *e->value);
    tensorflow__collection_def__init(e->value);
    e->value->kind_case = TENSORFLOW__COLLECTION_DEF__KIND_NODE_LIST;
    e->value->node_list = malloc(sizeof *e->value->node_list);
    tensorflow__collection_def__node_list__init(e->value->node_list);
    e->value->node_list->n_value = 1;
    e->value->node_list->value = malloc(sizeof(char *));
    e->value->node_list->value[0] = strdup("init");
    mg->collection_def[k] = e;
    mg->n_collection_def = k + 1;
    write_binary(dir, sm);  /* saved_model.pb is read before saved_model.pbtxt */
    st = (tact_status_t) TACT_STATUS_INIT;
    s = tact_saved_model_load(dir, SERVE, 1, NULL, NULL, &st);
    assert_int_equal(st.code, TACT_CODE_OK);
    run_signature(s);
    tact_session_destroy(&s);

    free(e->value->node_list->value[0]);
    e->value->node_list->value[0] = strdup("no_such_init");
    write_binary(dir, sm);
    tensorflow__saved_model__free_unpacked(sm, NULL);
    assert_null(tact_saved_model_load(dir, SERVE, 1, NULL, NULL, &st));
    assert_int_equal(st.code, TACT_CODE_NOT_FOUND);
    assert_string_equal(st.msg, "SavedModel: saved_model_main_op 'no_such_init' is not in the "
                                "graph");
    remove_dir(dir);
}

/* Truncated and bit-flipped files: an error or a session, never a crash or a leak. */
static void test_damaged_files(void **state)
{
    (void) state;
    size_t len;
    uint8_t *data = tu_read_file(MLP_DIR "/saved_model.pb", &len);
    uint8_t *copy = malloc(len);
    char dir[64], path[300];
    temp_dir(dir, sizeof dir, true);
    snprintf(path, sizeof path, "%s/saved_model.pb", dir);
    int failed = 0, loaded = 0;
    for (int k = 0; k < 160; k++) {
        size_t n = len;
        memcpy(copy, data, len);
        if (k < 80) {
            n = (size_t) k * len / 80;  /* truncated */
        } else {
            uint32_t r = (uint32_t) k * 2654435761u;
            for (int b = 0; b < 4; b++, r = r * 1103515245u + 12345u)
                copy[(r >> 8) % len] ^= (uint8_t) (1u << (r & 7));
        }
        tu_write_file(path, copy, n);
        tact_status_t st = TACT_STATUS_INIT;
        tact_session_t *s = tact_saved_model_load(dir, SERVE, 1, NULL, NULL, &st);
        if (s == NULL) {
            assert_int_not_equal(st.code, TACT_CODE_OK);
            assert_true(st.msg[0] != '\0');
            failed++;
        } else {
            assert_int_equal(st.code, TACT_CODE_OK);
            loaded++;
        }
        tact_session_destroy(&s);
    }
    /* An empty file is an empty SavedModel: no meta graph has the tags. */
    assert_true(failed > 80);
    (void) loaded;
    free(copy);
    free(data);
    remove_dir(dir);
}

/* ---- threads ---- */

static void *thread_run(void *arg)
{
    tact_session_t *s = arg;
    for (int i = 0; i < 25; i++)
        run_signature(s);
    return NULL;
}

static void test_threads(void **state)
{
    (void) state;
    tact_status_t st = TACT_STATUS_INIT;
    tact_session_t *s = tact_saved_model_load(MLP_DIR, SERVE, 1, NULL, NULL, &st);
    assert_non_null(s);
    pthread_t th[4];
    for (int i = 0; i < 4; i++)
        assert_int_equal(pthread_create(&th[i], NULL, thread_run, s), 0);
    for (int i = 0; i < 4; i++)
        pthread_join(th[i], NULL);
    tact_session_destroy(&s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_load_new_graph),
        cmocka_unit_test(test_load_given_graph),
        cmocka_unit_test(test_restored_variables),
        cmocka_unit_test(test_two_meta_graphs),
        cmocka_unit_test(test_export_round_trip),
        cmocka_unit_test(test_missing_file),
        cmocka_unit_test(test_unknown_tags),
        cmocka_unit_test(test_signature_errors),
        cmocka_unit_test(test_signature_names),
        cmocka_unit_test(test_sparse_signature),
        cmocka_unit_test(test_unknown_op),
        cmocka_unit_test(test_text_format_and_main_op),
        cmocka_unit_test(test_damaged_files),
        cmocka_unit_test(test_threads),
    };
    return cmocka_run_group_tests_name("saved_model", tests, NULL, NULL);
}
