/* SPDX-License-Identifier: MIT */
/* Soft placement (scenario S12): an op pinned to a GPU on a machine without one.
 *
 *     with tf.device('/device:GPU:0'):
 *         c = tf.matmul(a, b)
 *     tf.Session().run(c)   # InvalidArgumentError: Cannot assign a device for operation ...
 *     tf.Session(config=tf.ConfigProto(allow_soft_placement=True)).run(c)   # runs on CPU:0
 */
#include <stdio.h>

#include <tact/scope.h>
#include <tact/tact.h>

int main(void)
{
    tact_status_t st = TACT_STATUS_INIT;
    const float values[] = { 1, 2, 3, 4, 5, 6 };
    tact_auto(graph) g = tact_graph_new();
    tact_auto(tensor) a23 = tact_tensor_new(TACT_DTYPE_F32, (int64_t[]) { 2, 3 }, 2, values, &st);
    tact_auto(tensor) b32 = tact_tensor_new(TACT_DTYPE_F32, (int64_t[]) { 3, 2 }, 2, values, &st);
    tact_output_t a = tact_constant(g, a23, "a", &st);
    tact_output_t b = tact_constant(g, b32, "b", &st);
    tact_output_t c;
    {
        TACT_DEVICE_SCOPE(g, "/device:GPU:0");
        c = tact_matmul(g, a, b, false, false, NULL, &st);
    }
    if (st.code != TACT_CODE_OK) {
        fprintf(stderr, "tact: %s: %s\n", tact_code_name(st.code), st.msg);
        return 1;
    }

    /* Without soft placement (and without a GPU) the run fails, naming the op. */
    tact_auto(session) strict = tact_session_new(NULL, g, NULL, &st);
    tact_status_t err = TACT_STATUS_INIT;
    tact_auto(tensor) none = tact_eval(c, NULL, 0, strict, &err);
    printf("%s: %.60s...\n", tact_code_name(err.code), err.msg);

    tact_config_t soft = { .allow_soft_placement = true };
    tact_auto(session) sess = tact_session_new(NULL, g, &soft, &st);
    tact_auto(tensor) result = tact_eval(c, NULL, 0, sess, &st);
    if (st.code != TACT_CODE_OK) {
        fprintf(stderr, "tact: %s: %s\n", tact_code_name(st.code), st.msg);
        return 1;
    }
    char text[128];
    tact_tensor_format(result, text, sizeof text);
    printf("MatMul on %s\n%s\n", tact_session_op_device(sess, c.op), text);
    return 0;
}
