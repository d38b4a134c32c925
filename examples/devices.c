/* SPDX-License-Identifier: MIT */
/* The devices of a session, as TensorFlow's Session.list_devices() shows them, with the cores
 * each CPU device's actor threads are bound to.
 *
 *     sess = tf.Session(config=tf.ConfigProto(device_count={'CPU': 2}))
 *     for d in sess.list_devices(): print(d.name, d.device_type, d.memory_limit_bytes)
 */
#include <stdio.h>

#include <tact/scope.h>
#include <tact/tact.h>

int main(void)
{
    tact_status_t st = TACT_STATUS_INIT;
    tact_auto(graph) g = tact_graph_new();
    tact_config_t two = { .device_count.cpu = 2 };
    tact_auto(session) sess = tact_session_new(NULL, g, &two, &st);
    if (st.code != TACT_CODE_OK) {
        fprintf(stderr, "tact: %s: %s\n", tact_code_name(st.code), st.msg);
        return 1;
    }
    tact_device_info_t devs[8];
    int n = tact_session_list_devices(sess, devs, 8);
    for (int i = 0; i < n && i < 8; i++)
        printf("%s %s %lld (%s)\n", devs[i].name, devs[i].kind,
               (long long) devs[i].memory_limit, devs[i].description);
    return 0;
}
