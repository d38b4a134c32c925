/* SPDX-License-Identifier: MIT */
/* Serve a model TensorFlow made: import a frozen GraphDef (binary or text; the one given on
 * the command line, else the frozen MLP shipped in tests/data/), then answer requests from
 * several threads sharing one session, and print the answers in request order.
 *
 *     example_serve_model [model.pb|model.pbtxt [input_tensor output_tensor]]
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

#include <tact/tact.h>

#ifndef TACT_EXAMPLE_MODEL
#define TACT_EXAMPLE_MODEL "tests/data/frozen_mlp.pb"
#endif

#define WORKERS  4
#define REQUESTS 12
#define FEATURES 4

typedef struct server {
    tact_session_t *session;
    tact_output_t input, output;
    atomic_int next;                     /* the next request to take */
    float requests[REQUESTS][FEATURES];
    tact_tensor_t *answers[REQUESTS];
    tact_status_t errors[REQUESTS];
} server_t;

static void *worker(void *arg)
{
    server_t *srv = arg;
    for (int i; (i = atomic_fetch_add(&srv->next, 1)) < REQUESTS;) {
        tact_status_t *st = &srv->errors[i];
        tact_tensor_t *x = tact_tensor_new(TACT_DTYPE_F32, (int64_t[]) { 1, FEATURES }, 2,
                                           srv->requests[i], st);
        tact_feed_t feed = { srv->input, x };
        tact_session_run(srv->session, &srv->output, 1, &srv->answers[i], &feed, 1, NULL, 0,
                         st);
        tact_tensor_destroy(&x);
    }
    return NULL;
}

int main(int argc, char **argv)
{
    const char *path = argc > 1 ? argv[1] : TACT_EXAMPLE_MODEL;
    const char *in_name = argc > 3 ? argv[2] : "input:0";
    const char *out_name = argc > 3 ? argv[3] : "softmax:0";
    tact_status_t st = TACT_STATUS_INIT;
    tact_graph_t *g = tact_graph_new();
    static server_t srv;
    tact_graph_import_file(g, path, NULL, &st);
    srv.input = tact_graph_output(g, in_name, &st);
    srv.output = tact_graph_output(g, out_name, &st);
    srv.session = tact_session_new(NULL, g, NULL, &st);
    if (st.code != TACT_CODE_OK) {
        fprintf(stderr, "%s: %s: %s\n", path, tact_code_name(st.code), st.msg);
        tact_session_destroy(&srv.session);
        tact_graph_destroy(&g);
        return 1;
    }
    printf("%s: %d ops; serving %s -> %s from %d threads\n", path, tact_graph_num_ops(g),
           in_name, out_name, WORKERS);
    for (int i = 0; i < REQUESTS; i++)  /* the first is the request quoted above */
        for (int k = 0; k < FEATURES; k++)
            srv.requests[i][k] = i == 0 ? (float[]) { 0.5f, -1, 2, 0.25f }[k]
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
    tact_session_destroy(&srv.session);
    tact_graph_destroy(&g);
    return failed ? 1 : 0;
}
