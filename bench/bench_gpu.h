/* SPDX-License-Identifier: MIT */
/* What the GPU cases of bench_run, bench_matmul and bench_copy share: whether they can run
 * (built with CUDA, a GPU visible), the raw CUDA runtime for their same-process baselines, and
 * a check that tact really placed an op on GPU:0. Without CUDA each program prints one '#'
 * line saying why its GPU cases were skipped. */
#ifndef TACT_BENCH_GPU_H
#define TACT_BENCH_GPU_H

#include "bench.h"

#ifdef TACT_BENCH_CUDA
#include <cuda_runtime_api.h>

/* True (after printing it) when a CUDA call failed. */
static inline bool bench_cuda_failed(cudaError_t err, const char *what)
{
    if (err == cudaSuccess)
        return false;
    fprintf(stderr, "bench: %s: %s\n", what, cudaGetErrorString(err));
    return true;
}
#endif

/* Whether the GPU cases run; prints the reason when they do not. */
static inline bool bench_gpu_begin(void)
{
#ifndef TACT_BENCH_CUDA
    bench_note("GPU cases skipped: built without CUDA (TACT_WITH_CUDA=OFF or no toolkit)");
    return false;
#else
    int n = 0;
    cudaError_t err = cudaGetDeviceCount(&n);
    if (err != cudaSuccess || n == 0) {
        (void) cudaGetLastError();
        int driver = 0;
        if (cudaDriverGetVersion(&driver) != cudaSuccess)
            driver = 0;
        /* without a driver CUDA says "driver version is insufficient": say what it means */
        bench_note("GPU cases skipped: no CUDA GPU visible (%s)",
                   driver == 0 ? "no CUDA driver installed"
                   : err != cudaSuccess ? cudaGetErrorString(err) : "0 devices");
        return false;
    }
    struct cudaDeviceProp prop;
    if (cudaGetDeviceProperties(&prop, 0) == cudaSuccess)
        bench_note("GPU:0 is %s, compute capability %d.%d", prop.name, prop.major, prop.minor);
    return true;
#endif
}

/* 0 when the session placed `op` on GPU:0, else -1 after saying where it went. */
static inline int bench_on_gpu(tact_session_t *s, const tact_op_t *op)
{
    const char *where = tact_session_op_device(s, op);
    const char *want = "/job:localhost/replica:0/task:0/device:GPU:0";
    if (where != NULL && strcmp(where, want) == 0)
        return 0;
    fprintf(stderr, "bench: %s ran on %s, not GPU:0\n", tact_op_name(op),
            where ? where : "no device");
    return -1;
}

#endif
