/* SPDX-License-Identifier: MIT */
/* The CUDA backend of the GPU device (devices/gpu/): the CUDA runtime (linked statically),
 * cuBLAS (opened at run time) and the kernels of kernels.cu behind tact_gpu_backend_t. No
 * CUDA type appears here, so the GPU device includes this header in every build with CUDA. */
#ifndef TACT_DEVICES_CUDA_CUDA_BACKEND_H
#define TACT_DEVICES_CUDA_CUDA_BACKEND_H

#include "devices/gpu/gpu_backend.h"

extern const tact_gpu_backend_t tact__cuda_backend;

#endif
