/* SPDX-License-Identifier: MIT */
/* Manual placement with the placement log (scenarios S5/S6 on a machine without a GPU).
 *
 *     with tf.device('/cpu:0'):
 *         a = tf.constant([1., 2., 3., 4., 5., 6.], shape=[2, 3], name='a')
 *         b = tf.constant([1., 2., 3., 4., 5., 6.], shape=[3, 2], name='b')
 *     c = tf.matmul(a, b)
 *     sess = tf.Session(config=tf.ConfigProto(log_device_placement=True))
 *     print(sess.run(c))
 *
 * tact sends the placement lines through its log; this program prints them on stdout, as
 * TensorFlow does.
 */
#include <stdio.h>

#include <tact/scope.h>
#include <tact/tact.h>

static void print_line(tact_log_level_t level, const char *msg, void *user)
{
    (void) level;
    (void) user;
    printf("%s\n", msg);
}

int main(void)
{
    tact_log_set_callback(print_line, NULL);
    tact_status_t st = TACT_STATUS_INIT;
    const float values[] = { 1, 2, 3, 4, 5, 6 };
    tact_auto(graph) g = tact_graph_new();
    tact_output_t a, b;
    {
        TACT_DEVICE_SCOPE(g, "/cpu:0");
        tact_auto(tensor) a23 = tact_tensor_new(TACT_DTYPE_F32, (int64_t[]) { 2, 3 }, 2, values,
                                                &st);
        tact_auto(tensor) b32 = tact_tensor_new(TACT_DTYPE_F32, (int64_t[]) { 3, 2 }, 2, values,
                                                &st);
        a = tact_constant(g, a23, "a", &st);
        b = tact_constant(g, b32, "b", &st);
    }
    tact_output_t c = tact_matmul(g, a, b, false, false, NULL, &st);
    tact_config_t config = { .log_device_placement = true };
    tact_auto(session) sess = tact_session_new(NULL, g, &config, &st);
    tact_auto(tensor) result = tact_eval(c, NULL, 0, sess, &st);
    tact_log_set_callback(NULL, NULL);
    if (st.code != TACT_CODE_OK) {
        fprintf(stderr, "tact: %s: %s\n", tact_code_name(st.code), st.msg);
        return 1;
    }
    char text[128];
    tact_tensor_format(result, text, sizeof text);
    printf("%s\n", text);
    return 0;
}
