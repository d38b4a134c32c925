/* SPDX-License-Identifier: MIT */
/* Seed example: TensorFlow's first program.
 *
 *     a = tf.constant(5.0); b = tf.constant(6.0); c = a * b
 *     with tf.Session() as sess: print(sess.run(c))      # 30.0
 */
#include <stdio.h>

#include <tact/scope.h>
#include <tact/tact.h>

int main(void)
{
    tact_status_t st = TACT_STATUS_INIT;
    tact_auto(graph) g = tact_graph_new();
    tact_auto(tensor) five = tact_tensor_new(TACT_DTYPE_F32, NULL, 0, (float[]) { 5.0f }, &st);
    tact_auto(tensor) six = tact_tensor_new(TACT_DTYPE_F32, NULL, 0, (float[]) { 6.0f }, &st);
    tact_output_t a = tact_constant(g, five, NULL, &st);  /* "Const" */
    tact_output_t b = tact_constant(g, six, NULL, &st);   /* "Const_1" */
    tact_output_t c = tact_multiply(g, a, b, NULL, &st);  /* "mul" */
    tact_auto(session) sess = tact_session_new(NULL, g, NULL, &st);
    tact_auto(tensor) result = NULL;
    tact_session_run(sess, &c, 1, &result, NULL, 0, NULL, 0, &st);
    if (st.code != TACT_CODE_OK) {
        fprintf(stderr, "tact: %s: %s\n", tact_code_name(st.code), st.msg);
        return 1;
    }
    char text[64];
    tact_tensor_format(result, text, sizeof text);
    printf("%s\n", text);
    return 0;
}
