/* SPDX-License-Identifier: MIT */
/* Two graphs, each with its own variable "v", each run in a session of its own. Inside each
 * `with` block the session's graph is the default graph, so the initializer made there
 * belongs to it.
 *
 *     g_1 = tf.Graph()
 *     with g_1.as_default():
 *         v = tf.get_variable("v", [1], initializer=tf.zeros_initializer())
 *     g_2 = tf.Graph()
 *     with g_2.as_default():
 *         v = tf.get_variable("v", [1], initializer=tf.ones_initializer())
 *     for g in (g_1, g_2):
 *         with tf.Session(graph=g) as sess:
 *             sess.run(tf.global_variables_initializer())
 *             print(sess.run(g.get_tensor_by_name("v:0")))
 *     # [0.]
 *     # [1.]
 */
#include <stdio.h>

#include <tact/scope.h>
#include <tact/tact.h>

/* A new graph holding the variable "v" of shape [1] made by `init`. Caller owns it. */
static tact_graph_t *graph_with_variable(tact_initializer_t init, tact_status_t *st)
{
    tact_graph_t *g = tact_graph_new();
    TACT_DEFAULT_GRAPH_SCOPE(g);  /* `with g.as_default():` builders given NULL use g */
    tact_get_variable(NULL, "v", TACT_DTYPE_F32, (int64_t[]) { 1 }, 1, &init, st);
    return g;
}

/* `with tf.Session(graph=g) as s:` initialise, then print the variable. */
static void print_variable(tact_graph_t *g, tact_status_t *st)
{
    TACT_SESSION_SCOPE(s, NULL, g, NULL, st);
    if (s == NULL)
        return;
    /* Inside the block g is the default graph and s the default session. */
    tact_op_run(tact_global_variables_initializer(NULL, st), NULL, 0, NULL, st);
    tact_output_t v = tact_graph_output(tact_graph_get_default(), "v:0", st);
    tact_auto(tensor) value = tact_eval(v, NULL, 0, NULL, st);
    if (value != NULL) {
        char text[64];
        tact_tensor_format(value, text, sizeof text);
        printf("%s\n", text);
    }
}   /* leaving the block pops both stacks, closes and destroys s */

int main(void)
{
    tact_status_t st = TACT_STATUS_INIT;
    tact_auto(graph) g1 = graph_with_variable(tact_zeros_initializer(), &st);
    tact_auto(graph) g2 = graph_with_variable(tact_ones_initializer(), &st);
    print_variable(g1, &st);
    print_variable(g2, &st);
    if (st.code != TACT_CODE_OK) {
        fprintf(stderr, "tact: %s: %s\n", tact_code_name(st.code), st.msg);
        return 1;
    }
    return 0;
}
