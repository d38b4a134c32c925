/* SPDX-License-Identifier: MIT */
/* A timeline of one run of a small MLP, as TensorFlow 1.x users make one:
 *
 *     x = tf.placeholder(tf.float32, [64, 784])
 *     h1 = tf.nn.relu(tf.matmul(x, W1) + b1)        # 512
 *     h2 = tf.nn.relu(tf.matmul(h1, W2) + b2)       # 512
 *     y = tf.nn.softmax(tf.matmul(h2, W3) + b3)     # 10
 *     opts = tf.RunOptions(trace_level=tf.RunOptions.FULL_TRACE)
 *     md = tf.RunMetadata()
 *     sess.run(y, {x: X}, options=opts, run_metadata=md)
 *     tl = timeline.Timeline(md.step_stats)
 *     open('mlp_trace.json', 'w').write(tl.generate_chrome_trace_format())
 *
 * Usage: example_trace_mlp [out.json]   (default: mlp_trace.json here). Open the file in
 * chrome://tracing or https://ui.perfetto.dev. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>

#include <tact/inspect.h>
#include <tact/scope.h>
#include <tact/tact.h>

#define BATCH 64
#define N_LAYERS 3

static const int64_t dims_in[N_LAYERS] = { 784, 512, 512 };
static const int64_t dims_out[N_LAYERS] = { 512, 512, 10 };

/* A tensor of small deterministic values in [-0.05, 0.05) (a 32-bit LCG). */
static tact_tensor_t *filled(const int64_t *dims, int ndims, uint32_t seed, tact_status_t *st)
{
    int64_t n = 1;
    for (int i = 0; i < ndims; i++)
        n *= dims[i];
    float *v = malloc((size_t) n * sizeof *v);
    if (v == NULL)
        return NULL;
    for (int64_t i = 0; i < n; i++) {
        seed = seed * 1664525u + 1013904223u;
        v[i] = ((float) (seed >> 8) / 16777216.0f - 0.5f) / 10;
    }
    tact_tensor_t *t = tact_tensor_new(TACT_DTYPE_F32, dims, ndims, v, st);
    free(v);
    return t;
}

int main(int argc, char **argv)
{
    const char *path = argc > 1 ? argv[1] : "mlp_trace.json";
    tact_status_t st = TACT_STATUS_INIT;
    tact_auto(graph) g = tact_graph_new();
    tact_output_t x = tact_placeholder(g, TACT_DTYPE_F32, (int64_t[]) { BATCH, 784 }, 2, "x",
                                       &st);
    tact_output_t h = x;
    for (int l = 0; l < N_LAYERS && st.code == TACT_CODE_OK; l++) {
        tact_auto(tensor) w = filled((int64_t[]) { dims_in[l], dims_out[l] }, 2, 1u + l, &st);
        tact_auto(tensor) b = filled((int64_t[]) { dims_out[l] }, 1, 100u + l, &st);
        tact_output_t z = tact_add(g, tact_matmul(g, h, tact_constant(g, w, NULL, &st), false,
                                                  false, NULL, &st),
                                   tact_constant(g, b, NULL, &st), NULL, &st);
        h = l < N_LAYERS - 1 ? tact_relu(g, z, NULL, &st) : tact_softmax(g, z, "y", &st);
    }
    tact_auto(session) sess = tact_session_new(NULL, g, NULL, &st);
    tact_auto(tensor) xv = filled((int64_t[]) { BATCH, 784 }, 2, 7u, &st);
    if (st.code != TACT_CODE_OK) {
        fprintf(stderr, "tact: %s: %s\n", tact_code_name(st.code), st.msg);
        return 1;
    }
    tact_feed_t feed = { x, xv };
    tact_run_metadata_t md = { 0 };
    tact_run_options_t opts = { .trace_level = TACT_TRACE_FULL_TRACE, .metadata = &md };
    tact_tensor_t *y = NULL;
    /* The first run builds the plan; the second is the one worth a look. */
    for (int run = 0; run < 2 && st.code == TACT_CODE_OK; run++) {
        tact_tensor_destroy(&y);
        tact_session_run_ex(sess, run ? &opts : NULL, &h, 1, &y, &feed, 1, NULL, 0, &st);
    }
    tact_tensor_destroy(&y);
    tact_trace_write_chrome(&md, path, &st);
    if (st.code != TACT_CODE_OK) {
        fprintf(stderr, "tact: %s: %s\n", tact_code_name(st.code), st.msg);
        tact_run_metadata_clear(&md);
        return 1;
    }
    int n_events = 0;
    for (int d = 0; d < md.step_stats.n_devices; d++) {
        const tact_device_step_stats_t *dev = &md.step_stats.devices[d];
        n_events += dev->n_nodes;
        int64_t first = dev->n_nodes ? dev->nodes[0].start_us : 0;
        int64_t last = dev->n_nodes ? dev->nodes[dev->n_nodes - 1].end_us : 0;
        printf("%s: %d nodes in %" PRId64 " us\n", dev->device, dev->n_nodes, last - first);
    }
    printf("%d timed events written to %s\n", n_events, path);
    tact_run_metadata_clear(&md);
    return 0;
}
