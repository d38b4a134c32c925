/* SPDX-License-Identifier: MIT */
/* A pipeline over two CPU devices (device_count={'CPU': 2}): each stage pinned to its own
 * device; tact cuts the graph into per-device fragments and moves the tensors between them.
 *
 *     with tf.device('/cpu:1'):
 *         h = tf.nn.relu(tf.matmul(x, w1))
 *     y = tf.reduce_sum(tf.matmul(h, w2))        # on /cpu:0
 */
#include <stdio.h>

#include <tact/scope.h>
#include <tact/tact.h>

int main(void)
{
    tact_status_t st = TACT_STATUS_INIT;
    tact_auto(graph) g = tact_graph_new();
    tact_output_t x = tact_placeholder(g, TACT_DTYPE_F32, (int64_t[]) { -1, 3 }, 2, "x", &st);
    tact_auto(tensor) w1v = tact_tensor_new(TACT_DTYPE_F32, (int64_t[]) { 3, 2 }, 2,
                                            (float[]) { 1, -1, 2, 0, -1, 1 }, &st);
    tact_auto(tensor) w2v = tact_tensor_new(TACT_DTYPE_F32, (int64_t[]) { 2, 1 }, 2,
                                            (float[]) { 10, 100 }, &st);
    tact_output_t h;
    {
        TACT_DEVICE_SCOPE(g, "/cpu:1");
        tact_output_t w1 = tact_constant(g, w1v, "w1", &st);
        h = tact_relu(g, tact_matmul(g, x, w1, false, false, NULL, &st), "h", &st);
    }
    tact_output_t w2 = tact_constant(g, w2v, "w2", &st);
    tact_output_t y = tact_reduce_sum(g, tact_matmul(g, h, w2, false, false, NULL, &st), NULL, 0,
                                      false, "y", &st);

    tact_config_t two = { .device_count.cpu = 2 };
    tact_auto(session) sess = tact_session_new(NULL, g, &two, &st);
    tact_auto(tensor) xv = tact_tensor_new(TACT_DTYPE_F32, (int64_t[]) { 2, 3 }, 2,
                                           (float[]) { 1, 2, 3, 4, 5, 6 }, &st);
    tact_feed_t feed = { x, xv };
    tact_auto(tensor) result = tact_eval(y, &feed, 1, sess, &st);
    if (st.code != TACT_CODE_OK) {
        fprintf(stderr, "tact: %s: %s\n", tact_code_name(st.code), st.msg);
        return 1;
    }
    char text[64];
    tact_tensor_format(result, text, sizeof text);
    printf("h on %s\n", tact_session_op_device(sess, h.op));
    printf("y on %s\n", tact_session_op_device(sess, y.op));
    printf("%s\n", text);
    return 0;
}
