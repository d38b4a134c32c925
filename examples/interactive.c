/* SPDX-License-Identifier: MIT */
/* Scenario S8: an interactive session makes itself the default, so tensors evaluate with no
 * session argument; closing it leaves the default stack.
 *
 *     sess = tf.InteractiveSession()
 *     a = tf.constant(1.0, shape=[1, 2])
 *     b = tf.constant(2.0, shape=[2, 3])
 *     c = tf.matmul(a, b)
 *     print(c.eval())    # [[4. 4. 4.]]
 *     d = tf.constant([1., 2., 3.], shape=[3, 1])
 *     e = tf.matmul(c, d)
 *     print(e.eval())    # [[24.]]
 *     sess.close()
 */
#include <stdio.h>

#include <tact/scope.h>
#include <tact/tact.h>

/* tf.constant(values, shape) in the default graph. */
static tact_output_t constant(const float *values, int64_t rows, int64_t cols, tact_status_t *st)
{
    tact_auto(tensor) t = tact_tensor_new(TACT_DTYPE_F32, (int64_t[]) { rows, cols }, 2, values,
                                          st);
    return tact_constant(NULL, t, NULL, st);
}

/* print(t.eval()): evaluated in the default session. */
static void print_eval(tact_output_t t, tact_status_t *st)
{
    tact_auto(tensor) value = tact_eval(t, NULL, 0, NULL, st);
    if (value != NULL) {
        char text[128];
        tact_tensor_format(value, text, sizeof text);
        printf("%s\n", text);
    }
}

int main(void)
{
    tact_status_t st = TACT_STATUS_INIT;
    /* Over the default graph; it is now this thread's default session. */
    tact_auto(session) sess = tact_interactive_session_new(NULL, NULL, NULL, &st);

    tact_output_t a = constant((float[]) { 1, 1 }, 1, 2, &st);
    tact_output_t b = constant((float[]) { 2, 2, 2, 2, 2, 2 }, 2, 3, &st);
    tact_output_t c = tact_matmul(NULL, a, b, false, false, NULL, &st);
    print_eval(c, &st);

    tact_output_t d = constant((float[]) { 1, 2, 3 }, 3, 1, &st);
    tact_output_t e = tact_matmul(NULL, c, d, false, false, NULL, &st);
    print_eval(e, &st);

    /* Close explicitly, as TensorFlow asks, to see its status; it leaves the default stack. */
    tact_session_close(sess, &st);
    if (st.code != TACT_CODE_OK) {
        fprintf(stderr, "tact: %s: %s\n", tact_code_name(st.code), st.msg);
        return 1;
    }
    return tact_session_get_default() == NULL ? 0 : 1;
}
