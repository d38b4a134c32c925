/* SPDX-License-Identifier: MIT */
/* libFuzzer target: device strings (op device requests, config device lists). Any input gets a
 * parse or an INVALID_ARGUMENT; a parse formats back to a string that parses to the same. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "runtime/graph/device_spec.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *text = malloc(size + 1);
    memcpy(text, data, size);
    text[size] = '\0';
    tact_status_t st = TACT_STATUS_INIT;
    tact_device_spec_t spec;
    if (tact__device_spec_parse(text, &spec, &st) == TACT_CODE_OK) {
        char *canon = tact__device_spec_string(&spec);
        tact_device_spec_t again;
        tact_status_t st2 = TACT_STATUS_INIT;
        if (tact__device_spec_parse(canon, &again, &st2) != TACT_CODE_OK)
            abort();  /* the canonical form must parse */
        char *canon2 = tact__device_spec_string(&again);
        if (strcmp(canon, canon2) != 0)
            abort();  /* and be a fixed point */
        free(canon);
        free(canon2);
        tact__device_spec_fini(&again);
        tact__device_spec_fini(&spec);
    } else if (st.code != TACT_CODE_INVALID_ARGUMENT || st.msg[0] == '\0') {
        abort();
    }
    free(text);
    return 0;
}
