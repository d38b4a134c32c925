/* SPDX-License-Identifier: MIT */
/* Scenarios S9 and S10: evaluating a tensor in the default session, then in an explicit one.
 *
 *     c = tf.constant(37)
 *     sess = tf.Session()
 *     with sess.as_default():
 *         print(c.eval())            # 37
 *     print(c.eval(session=sess))    # 37   (sess is still open after the block)
 *     sess.close()
 */
#include <stdio.h>

#include <tact/scope.h>
#include <tact/tact.h>

/* print(t.eval(session=session)); session NULL: the default session. */
static void print_eval(tact_output_t t, tact_session_t *session, tact_status_t *st)
{
    tact_auto(tensor) value = tact_eval(t, NULL, 0, session, st);
    if (value != NULL) {
        char text[64];
        tact_tensor_format(value, text, sizeof text);
        printf("%s\n", text);
    }
}

int main(void)
{
    tact_status_t st = TACT_STATUS_INIT;
    tact_auto(graph) g = tact_graph_new();
    tact_auto(tensor) v37 = tact_tensor_new(TACT_DTYPE_I32, NULL, 0, (int32_t[]) { 37 }, &st);
    tact_output_t c = tact_constant(g, v37, NULL, &st);
    tact_auto(session) sess = tact_session_new(NULL, g, NULL, &st);
    if (sess == NULL) {
        fprintf(stderr, "tact: %s: %s\n", tact_code_name(st.code), st.msg);
        return 1;
    }

    {
        TACT_DEFAULT_SESSION_SCOPE(sess);  /* `with sess.as_default():` */
        print_eval(c, NULL, &st);
    }   /* popped here; sess stays open */

    print_eval(c, sess, &st);  /* c.eval(session=sess), with no default session */

    if (st.code != TACT_CODE_OK) {
        fprintf(stderr, "tact: %s: %s\n", tact_code_name(st.code), st.msg);
        return 1;
    }
    return 0;
}
