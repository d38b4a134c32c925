/* SPDX-License-Identifier: MIT */
/* Seed example: a matrix product.
 *
 *     a = tf.constant([1., 2., 3., 4., 5., 6.], shape=[2, 3], name='a')
 *     b = tf.constant([1., 2., 3., 4., 5., 6.], shape=[3, 2], name='b')
 *     c = tf.matmul(a, b)
 *     print(tf.Session().run(c))  # [[22. 28.]
 *                                 #  [49. 64.]]
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
    tact_output_t c = tact_matmul(g, a, b, false, false, NULL, &st);
    tact_auto(session) sess = tact_session_new(NULL, g, NULL, &st);
    tact_auto(tensor) result = NULL;
    tact_session_run(sess, &c, 1, &result, NULL, 0, NULL, 0, &st);
    if (st.code != TACT_CODE_OK) {
        fprintf(stderr, "tact: %s: %s\n", tact_code_name(st.code), st.msg);
        return 1;
    }
    char text[128];
    tact_tensor_format(result, text, sizeof text);
    printf("%s\n", text);
    return 0;
}
