/* SPDX-License-Identifier: MIT */
/* Seed example: printing a graph tensor, then its value.
 *
 *     a = tf.constant([1.0, 2.0]); b = tf.constant([2.0, 3.0]); c = tf.add(a, b)
 *     print(c)                    # Tensor("Add:0", shape=(2,), dtype=float32)
 *     print(tf.Session().run(c))  # [3. 5.]
 */
#include <stdio.h>

#include <tact/scope.h>
#include <tact/tact.h>

int main(void)
{
    tact_status_t st = TACT_STATUS_INIT;
    tact_auto(graph) g = tact_graph_new();
    tact_auto(tensor) one_two = tact_tensor_new(TACT_DTYPE_F32, (int64_t[]) { 2 }, 1,
                                                (float[]) { 1, 2 }, &st);
    tact_auto(tensor) two_three = tact_tensor_new(TACT_DTYPE_F32, (int64_t[]) { 2 }, 1,
                                                  (float[]) { 2, 3 }, &st);
    tact_output_t a = tact_constant(g, one_two, NULL, &st);
    tact_output_t b = tact_constant(g, two_three, NULL, &st);
    tact_output_t c = tact_add(g, a, b, NULL, &st);
    if (st.code != TACT_CODE_OK) {
        fprintf(stderr, "tact: %s: %s\n", tact_code_name(st.code), st.msg);
        return 1;
    }
    char text[128];
    tact_output_format(c, text, sizeof text);
    printf("%s\n", text);

    tact_auto(session) sess = tact_session_new(NULL, g, NULL, &st);
    tact_auto(tensor) result = NULL;
    tact_session_run(sess, &c, 1, &result, NULL, 0, NULL, 0, &st);
    if (st.code != TACT_CODE_OK) {
        fprintf(stderr, "tact: %s: %s\n", tact_code_name(st.code), st.msg);
        return 1;
    }
    tact_tensor_format(result, text, sizeof text);
    printf("%s\n", text);
    return 0;
}
