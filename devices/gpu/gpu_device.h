/* SPDX-License-Identifier: MIT */
/* The GPU device kind ("GPU"): values in the GPU's own memory under a best-fit allocator that
 * belongs to the process (spec §4), copy nodes to and from the host, the node loop on the
 * GPU's actor thread, and the process-wide mapping of tact's GPU ids to visible ones (§3.7).
 * The hardware calls come from a backend (gpu_backend.h): CUDA when built with it. */
#ifndef TACT_DEVICES_GPU_GPU_DEVICE_H
#define TACT_DEVICES_GPU_GPU_DEVICE_H

#include "devices/device_impl.h"
#include "devices/gpu/gpu_backend.h"

/* The most GPUs one process uses. */
#define TACT_GPU_MAX 64

extern const tact_device_iface_t tact__gpu_iface;

/* The backend in use: CUDA when built with it, else NULL (no GPU kind at all), unless a test
 * installed another. */
const tact_gpu_backend_t *tact__gpu_backend(void);

/* Use `backend` (NULL: the built-in one) from now on, and forget the process's GPU state
 * (allocators, their regions, the id mapping) as if the process had just started. For tests,
 * which put a GPU over host memory in place of CUDA. REQUIRES: no session has a GPU device. */
void tact__gpu_set_backend(const tact_gpu_backend_t *backend);

/* The GPUs a session with config `c` gets, as visible ids by tact id (ids[i] is the visible
 * id of GPU:i): every visible GPU, or the config's visible_device_list, capped by
 * device_count.gpu; none without asking the backend when device_count.gpu is
 * TACT_DEVICE_COUNT_NONE. The first session fixes the mapping for the process; a later one
 * that maps an id elsewhere fails with ALREADY_EXISTS. REQUIRES: ids has TACT_GPU_MAX room. */
tact_code_t tact__gpu_select(const struct tact_config *c, int *ids, int *n_gpus,
                             tact_status_t *st);

#endif
