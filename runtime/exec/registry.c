/* SPDX-License-Identifier: MIT */
/* Device kinds compiled into this build. Adding a kind is a folder under devices/, one
 * tact_add_device line in CMake and one line here. */
#include "runtime/exec/registry.h"
#include "devices/cpu/cpu.h"
#include "devices/gpu/gpu_device.h"

/* Best first. The scheduler tries kinds in this order. */
static const tact_device_iface_t *const kinds[] = {
    &tact__gpu_iface,  /* no GPU backend, or no GPU visible: count() is 0 */
    &tact__cpu_iface,  /* always last: runs whatever nothing else takes */
};

#define N_KINDS ((int) (sizeof kinds / sizeof kinds[0]))

const tact_device_iface_t *const *tact__registry_kinds(int *n)
{
    for (int i = 0; i < N_KINDS; i++)
        TACT_ASSERT(kinds[i]->api_version == TACT_DEVICE_API_VERSION);
    TACT_ASSERT(strcmp(kinds[N_KINDS - 1]->kind, "CPU") == 0);
    *n = N_KINDS;
    return kinds;
}

const tact_device_iface_t *tact__registry_find(const char *kind)
{
    for (int i = 0; i < N_KINDS; i++) {
        if (strcmp(kinds[i]->kind, kind) == 0)
            return kinds[i];
    }
    return NULL;
}
