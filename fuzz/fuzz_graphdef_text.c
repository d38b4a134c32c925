/* SPDX-License-Identifier: MIT */
/* libFuzzer target: the text format (a .pbtxt GraphDef): parsed, printed again, and the
 * printed text must parse to a message that prints the same. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "graph.pb-c.h"
#include "runtime/model/text_format.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    tact_status_t st = TACT_STATUS_INIT;
    ProtobufCMessage *m = tact__text_format_parse(&tensorflow__graph_def__descriptor,
                                                  (const char *) data, size, &st);
    if (m == NULL) {
        if (st.code != TACT_CODE_INVALID_ARGUMENT || st.msg[0] == '\0')
            abort();
        return 0;
    }
    size_t len = 0, len2 = 0;
    char *text = tact__text_format_print(m, &len);
    tact_status_t st2 = TACT_STATUS_INIT;
    ProtobufCMessage *again = tact__text_format_parse(&tensorflow__graph_def__descriptor, text,
                                                      len, &st2);
    if (again == NULL)
        abort();  /* what tact prints, tact parses */
    char *text2 = tact__text_format_print(again, &len2);
    if (len != len2 || memcmp(text, text2, len) != 0)
        abort();  /* and printing is a fixed point */
    free(text);
    free(text2);
    protobuf_c_message_free_unpacked(m, NULL);
    protobuf_c_message_free_unpacked(again, NULL);
    return 0;
}
