/* SPDX-License-Identifier: MIT */
/* libFuzzer target: a binary GraphDef imported into a fresh graph (tact_graph_import). Any
 * input gives a graph or an error, never a crash, a leak or a claimed-size allocation; a failed
 * import leaves the graph empty, and a graph that imported exports again. */
#include <stdint.h>
#include <stdlib.h>

#include <tact/tact.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    tact_graph_t *g = tact_graph_new();
    tact_status_t st = TACT_STATUS_INIT;
    if (tact_graph_import(g, data, size, NULL, &st) == TACT_CODE_OK) {
        void *out = NULL;
        size_t len = 0;
        tact_status_t est = TACT_STATUS_INIT;
        tact_graph_export(g, &out, &len, &est);
        free(out);
    } else if (st.msg[0] == '\0' || tact_graph_num_ops(g) != 0) {
        abort();  /* every error says what it is, and leaves the graph unchanged */
    }
    tact_graph_destroy(&g);
    return 0;
}
