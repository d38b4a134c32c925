/* SPDX-License-Identifier: MIT */
/* The compiled-in device kinds, best first, CPU always last. */
#ifndef TACT_RUNTIME_REGISTRY_H
#define TACT_RUNTIME_REGISTRY_H

#include "devices/device_impl.h"

/* The kinds in priority order; *n receives their number. Checks each API version once. */
const tact_device_iface_t *const *tact__registry_kinds(int *n);

/* The kind called `kind` ("CPU"), or NULL. */
const tact_device_iface_t *tact__registry_find(const char *kind);

#endif
