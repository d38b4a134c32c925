/* SPDX-License-Identifier: MIT */
/* Serve a model TensorFlow made: import a frozen GraphDef (binary or text; the one given on
 * the command line, else the frozen MLP shipped in tests/data/) or load a TF1 SavedModel (a
 * directory: tags {"serve"}, signature "serving_default"), then answer requests from several
 * threads sharing one session, and print the answers in request order.
 *
 *     example_serve_model [model.pb|model.pbtxt [input_tensor output_tensor]]
 *     example_serve_model saved_model_dir [input_name output_name]
 *
 * A SavedModel's input and output are the signature's names (default: its first input and
 * first output), e.g. tests/data/saved_mlp (x -> probs).
 *
 * The same in TensorFlow, for the shipped model:
 *
 *     gd = tf.compat.v1.GraphDef(); gd.ParseFromString(open('frozen_mlp.pb', 'rb').read())
 *     tf.import_graph_def(gd, name='')
 *     with tf.compat.v1.Session() as s:
 *         print(s.run('softmax:0', {'input:0': [[0.5, -1, 2, 0.25]]}))
 *     # [[6.0863655e-08 7.7968958e-05 9.9992192e-01]]
 */
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <tact/tact.h>

#ifndef TACT_EXAMPLE_MODEL
#define TACT_EXAMPLE_MODEL "tests/data/frozen_mlp.pb"
#endif

#define WORKERS  4
#define REQUESTS 12
#define FEATURES 4                       /* a frozen graph's; a SavedModel's from its input */
#define MAX_FEATURES 16

typedef struct server {
    tact_session_t *session;
    tact_output_t input, output;
    atomic_int next;                     /* the next request to take */
    int features;
    float requests[REQUESTS][MAX_FEATURES];
    tact_tensor_t *answers[REQUESTS];
    tact_status_t errors[REQUESTS];
} server_t;

static void *worker(void *arg)
{
    server_t *srv = arg;
    for (int i; (i = atomic_fetch_add(&srv->next, 1)) < REQUESTS;) {
        tact_status_t *st = &srv->errors[i];
        tact_tensor_t *x = tact_tensor_new(TACT_DTYPE_F32, (int64_t[]) { 1, srv->features }, 2,
                                           srv->requests[i], st);
        tact_feed_t feed = { srv->input, x };
        tact_session_run(srv->session, &srv->output, 1, &srv->answers[i], &feed, 1, NULL, 0,
                         st);
        tact_tensor_destroy(&x);
    }
    return NULL;
}

/* The first name of a signature's inputs or outputs ("" when it has none). */
static void first_name(tact_session_t *s, bool input, char *name, size_t cap)
{
    tact_status_t st = TACT_STATUS_INIT;
    const char *names[1];
    int n = tact_saved_model_signature_names(s, NULL, input, names, 1, &st);
    snprintf(name, cap, "%s", n > 0 ? names[0] : "");
}

int main(int argc, char **argv)
{
    const char *path = argc > 1 ? argv[1] : TACT_EXAMPLE_MODEL;
    char in_buf[128], out_buf[128];
    const char *in_name = argc > 3 ? argv[2] : "input:0";
    const char *out_name = argc > 3 ? argv[3] : "softmax:0";
    tact_status_t st = TACT_STATUS_INIT;
    tact_graph_t *g = NULL;
    static server_t srv;
    struct stat sb;
    bool saved_model = stat(path, &sb) == 0 && S_ISDIR(sb.st_mode);
    if (saved_model) {  /* the session owns the graph it loads */
        const char *const tags[] = { "serve" };
        srv.session = tact_saved_model_load(path, tags, 1, NULL, NULL, &st);
        if (srv.session != NULL && argc <= 3) {
            first_name(srv.session, true, in_buf, sizeof in_buf);
            first_name(srv.session, false, out_buf, sizeof out_buf);
            in_name = in_buf;
            out_name = out_buf;
        }
        srv.input = tact_saved_model_signature(srv.session, NULL, in_name, true, &st);
        srv.output = tact_saved_model_signature(srv.session, NULL, out_name, false, &st);
        if (st.code == TACT_CODE_OK)
            g = tact_session_graph(srv.session);
    } else {
        g = tact_graph_new();
        tact_graph_import_file(g, path, NULL, &st);
        srv.input = tact_graph_output(g, in_name, &st);
        srv.output = tact_graph_output(g, out_name, &st);
        srv.session = tact_session_new(NULL, g, NULL, &st);
    }
    srv.features = FEATURES;
    if (st.code == TACT_CODE_OK && tact_output_ndims(srv.input) == 2 &&
        tact_output_dim(srv.input, 1) > 0 && tact_output_dim(srv.input, 1) <= MAX_FEATURES)
        srv.features = (int) tact_output_dim(srv.input, 1);
    if (st.code != TACT_CODE_OK) {
        fprintf(stderr, "%s: %s: %s\n", path, tact_code_name(st.code), st.msg);
        tact_session_destroy(&srv.session);
        if (!saved_model)
            tact_graph_destroy(&g);
        return 1;
    }
    printf("%s: %d ops; serving %s -> %s from %d threads\n", path, tact_graph_num_ops(g),
           in_name, out_name, WORKERS);
    for (int i = 0; i < REQUESTS; i++)  /* the first is the request quoted above */
        for (int k = 0; k < srv.features; k++)
            srv.requests[i][k] = i == 0 && k < 4 ? (float[]) { 0.5f, -1, 2, 0.25f }[k]
                                        : (float) ((i * 7 + k * 3) % 11) / 2.0f - 2.5f;
    pthread_t threads[WORKERS];
    for (int t = 0; t < WORKERS; t++)
        pthread_create(&threads[t], NULL, worker, &srv);
    for (int t = 0; t < WORKERS; t++)
        pthread_join(threads[t], NULL);
    int failed = 0;
    for (int i = 0; i < REQUESTS; i++) {
        char text[256];
        if (srv.answers[i] == NULL) {
            printf("request %2d: %s: %s\n", i, tact_code_name(srv.errors[i].code),
                   srv.errors[i].msg);
            failed++;
            continue;
        }
        tact_tensor_format(srv.answers[i], text, sizeof text);
        printf("request %2d: %s\n", i, text);
        tact_tensor_destroy(&srv.answers[i]);
    }
    tact_session_destroy(&srv.session);  /* a SavedModel's graph goes with its session */
    if (!saved_model)
        tact_graph_destroy(&g);
    return failed ? 1 : 0;
}
