/* SPDX-License-Identifier: MIT */
/* GPU memory options and the stats call: a session that grows its GPU memory on demand up to
 * 40 % of the GPU, runs a 1024 x 1024 matmul there and reports what the allocator holds.
 *
 *     config = tf.ConfigProto()
 *     config.gpu_options.allow_growth = True
 *     config.gpu_options.per_process_gpu_memory_fraction = 0.4
 *     with tf.Session(config=config) as sess:
 *         print(sess.run(tf.reduce_mean(tf.matmul(a, a))))
 *         print(tf.config.experimental.get_memory_info('GPU:0'))
 *
 * Without a visible GPU (CUDA_VISIBLE_DEVICES="" or none present) everything runs on CPU:0
 * and the program says so. */
#include <stdio.h>

#include <tact/scope.h>
#include <tact/tact.h>

#define N 1024

int main(void)
{
    tact_status_t st = TACT_STATUS_INIT;
    tact_auto(graph) g = tact_graph_new();
    tact_auto(tensor) ones = tact_tensor_new(TACT_DTYPE_F32, (int64_t[]) { N, N }, 2, NULL, &st);
    if (ones == NULL)
        return 1;
    float *p = tact_tensor_data(ones);
    for (int i = 0; i < N * N; i++)
        p[i] = 1.0f;
    tact_output_t a = tact_constant(g, ones, "a", &st);
    tact_output_t c = tact_reduce_mean(g, tact_matmul(g, a, a, false, false, NULL, &st), NULL, 0,
                                      false, "mean", &st);
    tact_config_t config = { .gpu_options = { .allow_growth = true,
                                              .per_process_gpu_memory_fraction = 0.4 } };
    tact_auto(session) sess = tact_session_new(NULL, g, &config, &st);
    tact_auto(tensor) total = NULL;
    if (st.code == TACT_CODE_OK)
        tact_session_run(sess, &c, 1, &total, NULL, 0, NULL, 0, &st);
    if (st.code != TACT_CODE_OK) {
        fprintf(stderr, "tact: %s: %s\n", tact_code_name(st.code), st.msg);
        return 1;
    }
    char text[64];
    tact_tensor_format(total, text, sizeof text);
    printf("mean of a @ a: %s on %s\n", text, tact_session_op_device(sess, c.op));
    tact_memory_stats_t ms;
    tact_status_t ms_st = TACT_STATUS_INIT;
    if (tact_session_memory_stats(sess, "/gpu:0", &ms, &ms_st) != TACT_CODE_OK) {
        printf("no GPU visible: %s\n", ms_st.msg);
        return 0;
    }
    printf("GPU:0 limit %lld MiB, reserved %lld MiB, in use %lld bytes, peak %lld MiB\n",
           (long long) (ms.bytes_limit >> 20), (long long) (ms.bytes_reserved >> 20),
           (long long) ms.bytes_in_use, (long long) (ms.peak_bytes_in_use >> 20));
    return 0;
}
