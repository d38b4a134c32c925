/* SPDX-License-Identifier: MIT */
/* The CPU device's interface table and what the runtime asks of the host. */
#ifndef TACT_DEVICES_CPU_CPU_H
#define TACT_DEVICES_CPU_CPU_H

#include "devices/device_impl.h"

extern const tact_device_iface_t tact__cpu_iface;

/* Physical cores of this machine (hwloc), read once; at least 1. Thread-safe. */
int tact__cpu_core_count(void);

/* Set OpenBLAS' thread count (intra-op parallelism) to n > 0, once per process: the first
 * call sets it, later ones change nothing. Returns the count in force (n, or the first call's).
 * Thread-safe. */
int tact__cpu_set_blas_threads(int n);
/* OpenBLAS' thread count now. */
int tact__cpu_blas_threads(void);

#endif
