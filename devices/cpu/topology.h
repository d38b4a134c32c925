/* SPDX-License-Identifier: MIT */
/* The machine's cores as hwloc sees them, and which of them each CPU device's actors run on.
 * The split itself is a pure function of counts, so tests check it for any machine. */
#ifndef TACT_DEVICES_CPU_TOPOLOGY_H
#define TACT_DEVICES_CPU_TOPOLOGY_H

#include "runtime/base/prelude.h"

#include <hwloc.h>

/* Cores [first, first + count) in hwloc's logical core order. */
typedef struct tact_core_range {
    int first;
    int count;
} tact_core_range_t;

/* Give each of `n_devices` devices a contiguous core range of `n_cores` cores, into out[0..n).
 * At least n_devices cores: disjoint ranges, as even as possible; `group_sizes` (n_groups
 * consecutive runs of cores sharing a package and NUMA node; NULL or 1 group: none) are kept
 * together: fewer devices than groups take whole groups, more devices share the groups in
 * proportion to their sizes (D'Hondt) and no range crosses a group. Fewer cores than devices:
 * every device gets every core. Pure. */
void tact__topology_split(int n_cores, const int *group_sizes, int n_groups, int n_devices,
                          tact_core_range_t *out);

/* This process's cores (hwloc, loaded once; the online CPUs when hwloc cannot see /sys), at
 * least 1. Thread-safe. */
int tact__topology_cores(void);

/* Device `ordinal`'s range when the session has `n_devices` CPU devices. Thread-safe. */
tact_core_range_t tact__topology_device_cores(int ordinal, int n_devices);

/* "cores 1-1 of 2, NUMA node 0" for that range (the NUMA part only when hwloc knows it). */
void tact__topology_describe(tact_core_range_t r, char *buf, size_t size);

/* The PUs of range `r` (caller frees with hwloc_bitmap_free), NULL without hwloc. */
hwloc_bitmap_t tact__topology_cpuset(tact_core_range_t r);

/* Bind the calling thread to `set`: 0, or the errno of the failure. Thread-safe. */
int tact__topology_bind_thread(hwloc_const_bitmap_t set);

#endif
