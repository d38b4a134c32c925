/* SPDX-License-Identifier: MIT */
/* The CUDA backend of the GPU device (devices/gpu/): the CUDA runtime (linked statically),
 * cuBLAS (opened at run time) and the kernels of kernels.cu behind tact_gpu_backend_t. No
 * CUDA type appears here, so the GPU device includes this header in every build with CUDA. */
#ifndef TACT_DEVICES_CUDA_CUDA_BACKEND_H
#define TACT_DEVICES_CUDA_CUDA_BACKEND_H

#include "devices/gpu/gpu_backend.h"

extern const tact_gpu_backend_t tact__cuda_backend;

/* Whether CUDA error `err` (a cudaError_t) is one of the sticky ones that lose the context
 * (an illegal address, a failed launch, a device assert...): every later call fails alike and
 * only a new process can use the GPU again. */
bool tact__cuda_error_fatal(int err);

/* Why no GPU is visible, for the log: `err` from cudaGetDeviceCount, `driver` from
 * cudaDriverGetVersion (0: no driver installed), `runtime` the runtime's CUDART_VERSION. */
void tact__cuda_no_gpu_reason(int err, int driver, int runtime, char *buf, size_t len);

#endif
