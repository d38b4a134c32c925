/* SPDX-License-Identifier: MIT */
/* The CUDA backend of the GPU device: counting and describing GPUs, their memory, and per actor a
 * context of a cuBLAS handle, two pinned staging buffers and a reduction scratch over its GPU's two
 * streams; then copies and kernels on those streams. The CUDA runtime is linked statically
 * (cudart_static), so libtact loads without any CUDA library installed; with no driver, count() is
 * 0 and nothing else is called. cuBLAS is opened at run time (cuda_blas_load). Every CUDA or cuBLAS
 * failure becomes a status naming the call: "CUDA: cudaMemcpyAsync: out of memory".
 *
 * Streams. Kernels, cuBLAS and device-to-device copies go on the compute stream; copies
 * between host and device on the copy stream. A GPU has one pair of them for the whole
 * process, shared by every session's actor, as TensorFlow has one compute stream per GPU: the
 * allocator is process-wide too, and a block one session frees while its kernels still read
 * it may go to another session at once, whose work must then queue behind those kernels.
 * Freed blocks may be handed out again at once, so the two streams are ordered both ways: a
 * copy into a block freed since the GPU last drained first waits for an event recorded on the
 * compute stream (it must not overwrite a block that queued kernels still read; other copies
 * in overlap those kernels), copies out always do, and the compute stream waits for the
 * copy's completion event (later kernels read what it wrote). copy_in from pinned memory
 * returns at once (the caller keeps the source until sync), from pageable memory once its
 * last chunk sits in a staging buffer; copy_out returns when the bytes are in `host`. */
#include "devices/cuda/cuda_backend.h"
#include "devices/cuda/cuda_kernels.h"
#include "devices/cuda/walks.h"
#include "devices/layout.h"
#include "runtime/base/host_alloc.h"
#include "runtime/base/log.h"

/* The vendor headers stay in this folder; <dlfcn.h> opens cuBLAS. */
#include <dlfcn.h>

#include <cublas_api.h>
#include <cuda_runtime_api.h>

#define CUDA_NAME "CUDA"
/* Each of the two staging buffers: copies from and to pageable memory go through them in
 * chunks of this size, one chunk's transfer overlapping the memcpy of the next. */
#define CUDA_STAGE_BYTES ((size_t) 4 << 20)

/* ------------------------------------------------------------------------------------------ */
/* Errors                                                                                     */
/* ------------------------------------------------------------------------------------------ */

/* The most GPUs this backend tracks a lost context for (the GPU device's TACT_GPU_MAX). */
#define CUDA_MAX_GPUS 64

/* By visible id: a sticky error lost that GPU's context (see lost() in gpu_backend.h). */
static _Atomic bool cuda_lost[CUDA_MAX_GPUS];

/* The GPU this thread was bound to by open() or bind_thread(); -1 when none. Calls that may
 * run on any thread (query, region_alloc, region_free) switch to their GPU and then back to
 * this one, so an actor's binding survives them, and a thread tact never bound is not moved
 * back to GPU 0 (which would create a context there). */
static _Thread_local int cuda_bound = -1;

bool tact__cuda_error_fatal(int err)
{
    switch ((cudaError_t) err) {
    case cudaErrorIllegalAddress:
    case cudaErrorLaunchTimeout:
    case cudaErrorAssert:
    case cudaErrorHardwareStackError:
    case cudaErrorIllegalInstruction:
    case cudaErrorMisalignedAddress:
    case cudaErrorInvalidAddressSpace:
    case cudaErrorInvalidPc:
    case cudaErrorLaunchFailure:
    case cudaErrorECCUncorrectable:
        return true;
    default:
        return false;
    }
}

/* A failed CUDA call as a status: RESOURCE_EXHAUSTED when memory ran out, else INTERNAL. The
 * thread's last error is cleared, so a non-sticky error does not surface again later; a
 * sticky one marks the thread's GPU lost. */
static tact_code_t cuda_fail(tact_status_t *st, cudaError_t err, const char *what)
{
    (void) cudaGetLastError();
    if (tact__cuda_error_fatal(err) && cuda_bound >= 0 && cuda_bound < CUDA_MAX_GPUS)
        atomic_store(&cuda_lost[cuda_bound], true);
    tact_code_t code =
        err == cudaErrorMemoryAllocation ? TACT_CODE_RESOURCE_EXHAUSTED : TACT_CODE_INTERNAL;
    return tact__fail(st, code, CUDA_NAME ": %s: %s", what, cudaGetErrorString(err));
}

/* Call fn args; on failure return the status naming fn. */
#define CUDA_CALL(st, fn, args)                                                                    \
    do {                                                                                           \
        cudaError_t cuda_err_ = fn args;                                                           \
        if (cuda_err_ != cudaSuccess)                                                              \
            return cuda_fail((st), cuda_err_, #fn);                                                \
    } while (0)

/* ------------------------------------------------------------------------------------------ */
/* cuBLAS, opened at run time                                                                 */
/* ------------------------------------------------------------------------------------------ */

/* cuBLAS is dlopen'ed at the first open() rather than linked: libtact then loads where cuBLAS
 * is missing or off the loader's path (the toolkit keeps it in its own lib64), and programs
 * that never open a GPU never map it. Tried in order: the toolkit's soname, the plain name,
 * then the toolkit's own copy, its path fixed at build time (CMakeLists.txt defines both). */
#ifndef TACT_CUBLAS_SONAME
#define TACT_CUBLAS_SONAME "libcublas.so.13"
#endif
#ifndef TACT_CUBLAS_PATH
#define TACT_CUBLAS_PATH "/usr/local/cuda/lib64/libcublas.so"
#endif

typedef struct cuda_blas {
    cublasStatus_t (*create)(cublasHandle_t *handle);
    cublasStatus_t (*destroy)(cublasHandle_t handle);
    cublasStatus_t (*set_stream)(cublasHandle_t handle, cudaStream_t stream);
    cublasStatus_t (*sgemm)(cublasHandle_t handle, cublasOperation_t ta, cublasOperation_t tb,
                            int m, int n, int k, const float *alpha, const float *a, int lda,
                            const float *b, int ldb, const float *beta, float *c, int ldc);
    cublasStatus_t (*dgemm)(cublasHandle_t handle, cublasOperation_t ta, cublasOperation_t tb,
                            int m, int n, int k, const double *alpha, const double *a, int lda,
                            const double *b, int ldb, const double *beta, double *c, int ldc);
    cublasStatus_t (*sgemm_strided)(cublasHandle_t handle, cublasOperation_t ta,
                                    cublasOperation_t tb, int m, int n, int k, const float *alpha,
                                    const float *a, int lda, long long stride_a, const float *b,
                                    int ldb, long long stride_b, const float *beta, float *c,
                                    int ldc, long long stride_c, int batches);
    char error[200]; /* why loading failed; "" once loaded */
} cuda_blas_t;

static cuda_blas_t cuda_blas;
static pthread_once_t cuda_blas_once = PTHREAD_ONCE_INIT;

/* *slot (a function pointer) = the symbol `name` of lib. */
static bool cuda_blas_sym(void *lib, const char *name, void *slot)
{
    void *p = dlsym(lib, name);
    if (p == NULL)
        return false;
    memcpy(slot, &p, sizeof p); /* an object pointer becomes a function pointer, as POSIX allows */
    return true;
}

/* Opened once per process and never closed (cuBLAS keeps process-wide state). */
static void cuda_blas_load(void)
{
    static const char *const names[] = {TACT_CUBLAS_SONAME, "libcublas.so", TACT_CUBLAS_PATH};
    void *lib = NULL;
    char why[128] = ""; /* the soname's error, which says the most */
    for (size_t i = 0; i < sizeof names / sizeof names[0] && lib == NULL; i++) {
        lib = dlopen(names[i], RTLD_NOW | RTLD_LOCAL);
        const char *e = lib == NULL ? dlerror() : NULL;
        if (i == 0 && e != NULL)
            snprintf(why, sizeof why, "%s", e);
    }
    if (lib == NULL) {
        snprintf(cuda_blas.error, sizeof cuda_blas.error, "cannot load cuBLAS (%s, %s, %s): %s",
                 names[0], names[1], names[2], why);
        return;
    }
    _Static_assert(sizeof(void *) == sizeof cuda_blas.sgemm, "function pointers are pointers");
    const char *missing = NULL;
    if (!cuda_blas_sym(lib, "cublasCreate_v2", &cuda_blas.create))
        missing = "cublasCreate_v2";
    else if (!cuda_blas_sym(lib, "cublasDestroy_v2", &cuda_blas.destroy))
        missing = "cublasDestroy_v2";
    else if (!cuda_blas_sym(lib, "cublasSetStream_v2", &cuda_blas.set_stream))
        missing = "cublasSetStream_v2";
    else if (!cuda_blas_sym(lib, "cublasSgemm_v2", &cuda_blas.sgemm))
        missing = "cublasSgemm_v2";
    else if (!cuda_blas_sym(lib, "cublasDgemm_v2", &cuda_blas.dgemm))
        missing = "cublasDgemm_v2";
    else if (!cuda_blas_sym(lib, "cublasSgemmStridedBatched", &cuda_blas.sgemm_strided))
        missing = "cublasSgemmStridedBatched";
    if (missing != NULL) {
        snprintf(cuda_blas.error, sizeof cuda_blas.error, "cuBLAS has no %s", missing);
        dlclose(lib);
    }
}

static const char *cuda_blas_status_name(cublasStatus_t s)
{
    switch (s) {
    case CUBLAS_STATUS_SUCCESS:
        return "CUBLAS_STATUS_SUCCESS";
    case CUBLAS_STATUS_NOT_INITIALIZED:
        return "CUBLAS_STATUS_NOT_INITIALIZED";
    case CUBLAS_STATUS_ALLOC_FAILED:
        return "CUBLAS_STATUS_ALLOC_FAILED";
    case CUBLAS_STATUS_INVALID_VALUE:
        return "CUBLAS_STATUS_INVALID_VALUE";
    case CUBLAS_STATUS_ARCH_MISMATCH:
        return "CUBLAS_STATUS_ARCH_MISMATCH";
    case CUBLAS_STATUS_MAPPING_ERROR:
        return "CUBLAS_STATUS_MAPPING_ERROR";
    case CUBLAS_STATUS_EXECUTION_FAILED:
        return "CUBLAS_STATUS_EXECUTION_FAILED";
    case CUBLAS_STATUS_INTERNAL_ERROR:
        return "CUBLAS_STATUS_INTERNAL_ERROR";
    case CUBLAS_STATUS_NOT_SUPPORTED:
        return "CUBLAS_STATUS_NOT_SUPPORTED";
    case CUBLAS_STATUS_LICENSE_ERROR:
        return "CUBLAS_STATUS_LICENSE_ERROR";
    default:
        return "unknown cuBLAS status";
    }
}

static tact_code_t cuda_blas_fail(tact_status_t *st, cublasStatus_t s, const char *what)
{
    (void) cudaGetLastError();
    tact_code_t code =
        s == CUBLAS_STATUS_ALLOC_FAILED ? TACT_CODE_RESOURCE_EXHAUSTED : TACT_CODE_INTERNAL;
    return tact__fail(st, code, CUDA_NAME ": %s: %s (%d)", what, cuda_blas_status_name(s), (int) s);
}

/* ------------------------------------------------------------------------------------------ */
/* Counting, describing, device memory                                                        */
/* ------------------------------------------------------------------------------------------ */

static pthread_once_t cuda_count_once = PTHREAD_ONCE_INIT;
static int cuda_visible;

/* By visible GPU: its compute and copy streams, made by the first open() and kept for the
 * process (see Streams above). */
typedef struct cuda_streams {
    cudaStream_t compute;
    cudaStream_t copy;
} cuda_streams_t;

static pthread_mutex_t cuda_streams_lock = PTHREAD_MUTEX_INITIALIZER;
static cuda_streams_t *cuda_streams; /* cuda_visible of them */

static void cuda_rebind(int id)
{
    if (cuda_bound >= 0 && cuda_bound != id)
        (void) cudaSetDevice(cuda_bound);
    (void) cudaGetLastError(); /* a launch must not report a failure that is not its own */
}

void tact__cuda_no_gpu_reason(int err, int driver, int runtime, char *buf, size_t len)
{
    if (driver == 0)  /* libcuda is absent: CUDA then says "driver version is insufficient" */
        snprintf(buf, len, CUDA_NAME ": no GPU visible: no CUDA driver is installed (CPU only)");
    else if ((cudaError_t) err == cudaErrorInsufficientDriver)
        snprintf(buf, len, CUDA_NAME ": no GPU visible: the CUDA driver supports CUDA %d.%d, "
                 "older than the CUDA %d.%d runtime tact was built with (update the driver)",
                 driver / 1000, driver % 1000 / 10, runtime / 1000, runtime % 1000 / 10);
    else
        snprintf(buf, len, CUDA_NAME ": no GPU visible: cudaGetDeviceCount: %s",
                 cudaGetErrorString((cudaError_t) err));
}

/* CUDA applies CUDA_VISIBLE_DEVICES itself: the count is of the GPUs it leaves visible. */
static void cuda_count_init(void)
{
    int n = 0;
    cudaError_t err = cudaGetDeviceCount(&n);
    if (err != cudaSuccess) {
        (void) cudaGetLastError();
        int driver = 0;
        if (cudaDriverGetVersion(&driver) != cudaSuccess)
            driver = 0;
        (void) cudaGetLastError();
        char why[200];
        tact__cuda_no_gpu_reason(err, driver, CUDART_VERSION, why, sizeof why);
        tact__log(TACT_LOG_INFO, "%s", why);
        n = 0;
    }
    cuda_visible = n;
    if (n > 0)
        cuda_streams = tact__malloc((size_t) n * sizeof *cuda_streams);
}

static int cuda_count(void)
{
    pthread_once(&cuda_count_once, cuda_count_init);
    return cuda_visible;
}

static tact_code_t cuda_query(int id, tact_gpu_info_t *info, tact_status_t *st)
{
    if (tact__failed(st))
        return st->code;
    TACT_ASSERT(info != NULL);
    int n = cuda_count();
    if (id < 0 || id >= n)
        return tact__fail(st, TACT_CODE_INVALID_ARGUMENT,
                          CUDA_NAME ": no visible GPU %d (%d visible)", id, n);
    struct cudaDeviceProp prop;
    size_t free_bytes = 0;
    size_t total_bytes = 0;
    const char *what = "cudaSetDevice";
    cudaError_t err = cudaSetDevice(id);
    if (err == cudaSuccess) {
        what = "cudaMemGetInfo";
        err = cudaMemGetInfo(&free_bytes, &total_bytes);
    }
    if (err == cudaSuccess) {
        what = "cudaGetDeviceProperties";
        err = cudaGetDeviceProperties(&prop, id);
    }
    cuda_rebind(id);
    if (err != cudaSuccess)
        return cuda_fail(st, err, what);
    info->total_bytes = total_bytes;
    info->free_bytes = free_bytes;
    prop.name[sizeof prop.name - 1] = '\0';
    snprintf(info->description, sizeof info->description,
             "name: %.100s, pci bus id: %04x:%02x:%02x.0, compute capability: %d.%d", prop.name,
             (unsigned) prop.pciDomainID & 0xffffu, (unsigned) prop.pciBusID & 0xffu,
             (unsigned) prop.pciDeviceID & 0xffu, prop.major, prop.minor);
    return TACT_CODE_OK;
}

static void *cuda_region_alloc(int id, size_t bytes)
{
    void *p = NULL;
    if (cudaSetDevice(id) != cudaSuccess || cudaMalloc(&p, bytes > 0 ? bytes : 1) != cudaSuccess)
        p = NULL;
    (void) cudaGetLastError();
    cuda_rebind(id);
    return p;
}

static void cuda_region_free(int id, void *ptr)
{
    if (ptr == NULL)
        return;
    if (cudaSetDevice(id) == cudaSuccess)
        (void) cudaFree(ptr);
    (void) cudaGetLastError();
    cuda_rebind(id);
}

/* ------------------------------------------------------------------------------------------ */
/* Per-actor context                                                                          */
/* ------------------------------------------------------------------------------------------ */

typedef struct cuda_ctx {
    int id;
    cudaStream_t compute;      /* kernels, cuBLAS, device-to-device copies; the GPU's */
    cudaStream_t copy;         /* host <-> device copies; the GPU's */
    cudaEvent_t compute_mark;  /* recorded on compute before a copy, which waits for it */
    cudaEvent_t copy_mark;     /* recorded on copy after a copy in; compute waits for it */
    void *stage[2];            /* pinned, CUDA_STAGE_BYTES each */
    cudaEvent_t stage_done[2]; /* recorded after the last transfer through stage[i] */
    int next_stage;            /* where the next copy in starts: the buffer the last one
                                * did not end in, so back-to-back small copies alternate */
    cublasHandle_t blas;       /* bound to compute */
    void *scratch;             /* TACT_CUDA_REDUCE_SCRATCH_BYTES for split reductions */
} cuda_ctx_t;

/* Free what c holds (some members may be unset after a failed open). Never fails. */
static void cuda_ctx_free(cuda_ctx_t *c)
{
    (void) cudaSetDevice(c->id);
    if (c->compute != NULL)
        (void) cudaStreamSynchronize(c->compute);
    if (c->copy != NULL)
        (void) cudaStreamSynchronize(c->copy);
    if (c->blas != NULL)
        (void) cuda_blas.destroy(c->blas);
    for (int i = 0; i < 2; i++) {
        if (c->stage[i] != NULL)
            (void) cudaFreeHost(c->stage[i]);
        if (c->stage_done[i] != NULL)
            (void) cudaEventDestroy(c->stage_done[i]);
    }
    if (c->scratch != NULL)
        (void) cudaFree(c->scratch);
    if (c->compute_mark != NULL)
        (void) cudaEventDestroy(c->compute_mark);
    if (c->copy_mark != NULL)
        (void) cudaEventDestroy(c->copy_mark);
    /* The streams are the process's: they stay. */
    (void) cudaGetLastError();
    free(c);
}

/* c's streams: its GPU's, made on first use. */
static tact_code_t cuda_ctx_streams(cuda_ctx_t *c, tact_status_t *st)
{
    cudaError_t err = cudaSuccess;
    pthread_mutex_lock(&cuda_streams_lock);
    cuda_streams_t *s = &cuda_streams[c->id];
    cudaStream_t *both[2] = { &s->compute, &s->copy };
    for (int i = 0; i < 2 && err == cudaSuccess; i++) {
        if (*both[i] == NULL && (err = cudaStreamCreateWithFlags(both[i], cudaStreamNonBlocking)))
            *both[i] = NULL;  /* a later open tries again */
    }
    c->compute = s->compute;
    c->copy = s->copy;
    pthread_mutex_unlock(&cuda_streams_lock);
    return err == cudaSuccess ? TACT_CODE_OK : cuda_fail(st, err, "cudaStreamCreateWithFlags");
}

static tact_code_t cuda_ctx_init(cuda_ctx_t *c, tact_status_t *st)
{
    CUDA_CALL(st, cudaSetDevice, (c->id));
    if (cuda_ctx_streams(c, st) != TACT_CODE_OK)
        return st->code;
    CUDA_CALL(st, cudaEventCreateWithFlags, (&c->compute_mark, cudaEventDisableTiming));
    CUDA_CALL(st, cudaEventCreateWithFlags, (&c->copy_mark, cudaEventDisableTiming));
    for (int i = 0; i < 2; i++) {
        CUDA_CALL(st, cudaEventCreateWithFlags, (&c->stage_done[i], cudaEventDisableTiming));
        CUDA_CALL(st, cudaHostAlloc, (&c->stage[i], CUDA_STAGE_BYTES, cudaHostAllocDefault));
    }
    /* A few KiB outside the allocator: small enough not to count against its limit. */
    CUDA_CALL(st, cudaMalloc, (&c->scratch, TACT_CUDA_REDUCE_SCRATCH_BYTES));
    cublasStatus_t s = cuda_blas.create(&c->blas);
    if (s != CUBLAS_STATUS_SUCCESS) {
        c->blas = NULL;
        return cuda_blas_fail(st, s, "cublasCreate");
    }
    s = cuda_blas.set_stream(c->blas, c->compute);
    if (s != CUBLAS_STATUS_SUCCESS)
        return cuda_blas_fail(st, s, "cublasSetStream");
    return TACT_CODE_OK;
}

/* Host tensors that cross to or from a GPU come from a pool of pinned blocks once a GPU is
 * open (tact__host_alloc_pinned), so their copies go by DMA straight from them (no staging
 * copy): at most this much of it, since pinned pages cannot be swapped. */
#define CUDA_PINNED_MAX ((size_t) 4 << 30)

/* The GPU whose context pinned host memory is made in, on threads tact never bound (a
 * client, a CPU actor): the first one opened, so that no context is created on GPU 0 of a
 * process that uses only another. -1 until a GPU is open. */
static atomic_int cuda_pinned_gpu = -1;

/* On a thread tact never bound, switch to that GPU for a pinned-memory call; returns the
 * device to switch back to afterwards (the thread's own choice, which a program using CUDA
 * itself keeps), or -1 when nothing was switched. */
static int cuda_host_enter(void)
{
    int was = -1;
    int gpu = atomic_load(&cuda_pinned_gpu);
    if (cuda_bound >= 0 || cudaGetDevice(&was) != cudaSuccess || was == gpu)
        return -1;
    (void) cudaSetDevice(gpu);
    return was;
}

static void cuda_host_leave(int was)
{
    if (was >= 0)
        (void) cudaSetDevice(was);
    (void) cudaGetLastError(); /* a later launch must not report these calls' failures */
}

static void *cuda_host_alloc(size_t n)
{
    void *p = NULL;
    int was = cuda_host_enter();
    if (cudaHostAlloc(&p, n, cudaHostAllocPortable) != cudaSuccess)
        p = NULL;
    cuda_host_leave(was);
    return p;
}

static void cuda_host_free(void *p)
{
    int was = cuda_host_enter();
    (void) cudaFreeHost(p);
    cuda_host_leave(was);
}

static const tact_host_pinned_t cuda_host_pinned = { cuda_host_alloc, cuda_host_free };

static tact_code_t cuda_open(int id, void **ctx_p, tact_status_t *st)
{
    if (tact__failed(st))
        return st->code;
    TACT_ASSERT(ctx_p != NULL);
    *ctx_p = NULL;
    int n = cuda_count();
    if (id < 0 || id >= n) /* before cuBLAS is loaded: without a GPU it never is */
        return tact__fail(st, TACT_CODE_INVALID_ARGUMENT,
                          CUDA_NAME ": no visible GPU %d (%d visible)", id, n);
    pthread_once(&cuda_blas_once, cuda_blas_load);
    if (cuda_blas.error[0] != '\0')
        return tact__fail(st, TACT_CODE_FAILED_PRECONDITION, CUDA_NAME ": %s", cuda_blas.error);
    cuda_ctx_t *c = tact__malloc(sizeof *c);
    c->id = id;
    tact_code_t rc = cuda_ctx_init(c, st);
    if (rc != TACT_CODE_OK) {
        cuda_ctx_free(c);
        cuda_rebind(id);
        return rc;
    }
    cuda_bound = id;
    *ctx_p = c;
    int none = -1;
    atomic_compare_exchange_strong(&cuda_pinned_gpu, &none, id);
    tact__host_alloc_use_pinned(&cuda_host_pinned, CUDA_PINNED_MAX);
    return TACT_CODE_OK;
}

static void cuda_close(void *ctx)
{
    if (ctx != NULL)
        cuda_ctx_free(ctx);
}

static tact_code_t cuda_bind_thread(void *ctx, tact_status_t *st)
{
    if (tact__failed(st))
        return st->code;
    cuda_ctx_t *c = ctx;
    CUDA_CALL(st, cudaSetDevice, (c->id));
    cuda_bound = c->id;
    return TACT_CODE_OK;
}

/* ------------------------------------------------------------------------------------------ */
/* Copies                                                                                     */
/* ------------------------------------------------------------------------------------------ */

/* True for page-locked host memory (cudaHostAlloc, cudaHostRegister): the DMA engines read it
 * directly. Anything else (pageable, or unknown to CUDA) goes through the staging buffers. */
static bool cuda_pinned(const void *host)
{
    struct cudaPointerAttributes attrs;
    if (cudaPointerGetAttributes(&attrs, host) != cudaSuccess) {
        (void) cudaGetLastError();
        return false;
    }
    return attrs.type == cudaMemoryTypeHost;
}

/* The copy stream waits for everything queued on the compute stream so far. */
static tact_code_t cuda_copy_after_compute(cuda_ctx_t *c, tact_status_t *st)
{
    CUDA_CALL(st, cudaEventRecord, (c->compute_mark, c->compute));
    CUDA_CALL(st, cudaStreamWaitEvent, (c->copy, c->compute_mark, 0));
    return TACT_CODE_OK;
}

static tact_code_t cuda_copy_in(void *ctx, void *device, const void *host, size_t n,
                                bool after_work, tact_status_t *st)
{
    if (tact__failed(st))
        return st->code;
    if (n == 0)
        return TACT_CODE_OK;
    cuda_ctx_t *c = ctx;
    if (after_work && cuda_copy_after_compute(c, st) != TACT_CODE_OK)
        return st->code;  /* else the copy overlaps the kernels queued before it */
    if (cuda_pinned(host)) {  /* DMA from the caller's block, which lives until sync */
        CUDA_CALL(st, cudaMemcpyAsync, (device, host, n, cudaMemcpyHostToDevice, c->copy));
    } else {
        /* Each chunk goes through the buffer after the last one used (this call's or an
         * earlier call's), once that buffer's previous transfer is done. */
        int b = c->next_stage;
        for (size_t off = 0; off < n; off += CUDA_STAGE_BYTES, b ^= 1, c->next_stage = b) {
            size_t len = n - off < CUDA_STAGE_BYTES ? n - off : CUDA_STAGE_BYTES;
            CUDA_CALL(st, cudaEventSynchronize, (c->stage_done[b]));
            memcpy(c->stage[b], (const char *) host + off, len);
            CUDA_CALL(st, cudaMemcpyAsync,
                      ((char *) device + off, c->stage[b], len, cudaMemcpyHostToDevice, c->copy));
            CUDA_CALL(st, cudaEventRecord, (c->stage_done[b], c->copy));
        }
    }
    /* Later kernels read what this copy wrote. */
    CUDA_CALL(st, cudaEventRecord, (c->copy_mark, c->copy));
    CUDA_CALL(st, cudaStreamWaitEvent, (c->compute, c->copy_mark, 0));
    return TACT_CODE_OK;
}

/* Enqueue chunk `off` of a copy out into stage[b]. */
static tact_code_t cuda_stage_out(cuda_ctx_t *c, const void *device, size_t off, size_t n, int b,
                                  tact_status_t *st)
{
    size_t len = n - off < CUDA_STAGE_BYTES ? n - off : CUDA_STAGE_BYTES;
    CUDA_CALL(st, cudaMemcpyAsync,
              (c->stage[b], (const char *) device + off, len, cudaMemcpyDeviceToHost, c->copy));
    CUDA_CALL(st, cudaEventRecord, (c->stage_done[b], c->copy));
    return TACT_CODE_OK;
}

static tact_code_t cuda_copy_out(void *ctx, void *host, const void *device, size_t n,
                                 tact_status_t *st)
{
    if (tact__failed(st))
        return st->code;
    if (n == 0)
        return TACT_CODE_OK;
    cuda_ctx_t *c = ctx;
    tact_code_t rc = cuda_copy_after_compute(c, st);
    if (rc != TACT_CODE_OK)
        return rc;
    if (cuda_pinned(host)) {
        CUDA_CALL(st, cudaMemcpyAsync, (host, device, n, cudaMemcpyDeviceToHost, c->copy));
        CUDA_CALL(st, cudaStreamSynchronize, (c->copy));
        return TACT_CODE_OK;
    }
    /* Double-buffered: chunk i + 1 is on its way into one buffer while chunk i is copied out
     * of the other. (The copy stream is in order, so a buffer that an earlier copy in still
     * reads is written only after that.) */
    rc = cuda_stage_out(c, device, 0, n, 0, st);
    if (rc != TACT_CODE_OK)
        return rc;
    int b = 0;
    for (size_t off = 0; off < n; off += CUDA_STAGE_BYTES, b ^= 1) {
        size_t next = off + CUDA_STAGE_BYTES;
        if (next < n && (rc = cuda_stage_out(c, device, next, n, b ^ 1, st)) != TACT_CODE_OK)
            return rc;
        CUDA_CALL(st, cudaEventSynchronize, (c->stage_done[b]));
        size_t len = n - off < CUDA_STAGE_BYTES ? n - off : CUDA_STAGE_BYTES;
        memcpy((char *) host + off, c->stage[b], len);
    }
    return TACT_CODE_OK;
}

static tact_code_t cuda_copy_device(void *ctx, void *dst, const void *src, size_t n,
                                    tact_status_t *st)
{
    if (tact__failed(st))
        return st->code;
    if (n == 0 || dst == src)
        return TACT_CODE_OK;
    cuda_ctx_t *c = ctx;
    CUDA_CALL(st, cudaMemcpyAsync, (dst, src, n, cudaMemcpyDeviceToDevice, c->compute));
    return TACT_CODE_OK;
}

static bool cuda_lost_get(int id)
{
    return id >= 0 && id < CUDA_MAX_GPUS && atomic_load(&cuda_lost[id]);
}

static tact_code_t cuda_sync(void *ctx, tact_status_t *st)
{
    if (tact__failed(st))
        return st->code;
    cuda_ctx_t *c = ctx;
    cudaError_t copy_err = cudaStreamSynchronize(c->copy);
    cudaError_t compute_err = cudaStreamSynchronize(c->compute);
    if (copy_err != cudaSuccess)
        return cuda_fail(st, copy_err, "cudaStreamSynchronize");
    if (compute_err != cudaSuccess)
        return cuda_fail(st, compute_err, "cudaStreamSynchronize");
    return TACT_CODE_OK;
}

/* ------------------------------------------------------------------------------------------ */
/* Kernels                                                                                    */
/* ------------------------------------------------------------------------------------------ */

static tact_code_t cuda_no_kernel(const tact_op_t *op, tact_dtype_t dtype, tact_status_t *st)
{
    return tact__fail(st, TACT_CODE_UNIMPLEMENTED,
                      "No registered '%s' OpKernel for GPU devices compatible with dtype %s",
                      tact__op_kind_type(op->kind), tact_dtype_name(dtype));
}

/* The status of a launcher's result (0: launched). */
static tact_code_t cuda_launched(int err, const tact_op_t *op, tact_status_t *st)
{
    if (err == 0)
        return TACT_CODE_OK;
    char what[64];
    snprintf(what, sizeof what, "%s kernel", tact__op_kind_type(op->kind));
    return cuda_fail(st, (cudaError_t) err, what);
}

static bool cuda_is_float(tact_dtype_t dt)
{
    return dt == TACT_DTYPE_F32 || dt == TACT_DTYPE_F64;
}

static bool cuda_is_numeric(tact_dtype_t dt)
{
    return cuda_is_float(dt) || dt == TACT_DTYPE_I32 || dt == TACT_DTYPE_I64;
}

static bool cuda_is_castable(tact_dtype_t dt)
{
    return cuda_is_numeric(dt) || dt == TACT_DTYPE_BOOL;
}

static tact_code_t cuda_copy_tensor(cuda_ctx_t *c, const tact_tensor_t *x, tact_tensor_t *out,
                                    tact_status_t *st)
{
    TACT_ASSERT(x->nbytes == out->nbytes);
    return cuda_copy_device(c, out->data, x->data, out->nbytes, st);
}

/* ------------------------------------------------------------------------------------------ */
/* Element-wise ops and Max, Min, Prod, by op kind                                            */
/* ------------------------------------------------------------------------------------------ */

/* Which launcher runs an op kind, with its code there and the input dtypes it has kernels
 * for: adding an element-wise op or a reduction of this kind is one line here and its
 * element in kernel_math.cuh. */
typedef enum {
    CUDA_K_NONE,
    CUDA_K_UNARY,  /* tact__cuda_unary */
    CUDA_K_BINARY, /* tact__cuda_binary, numpy broadcasting */
    CUDA_K_REDUCE, /* tact__cuda_reduce_op over attrs' axes */
    CUDA_K_COPY,   /* the value itself (StopGradient) */
} cuda_k_family_t;

#define CUDA_DT(dt)  (1u << (unsigned) TACT_DTYPE_##dt)
#define CUDA_FLOATS  (CUDA_DT(F32) | CUDA_DT(F64))
#define CUDA_NUMERIC (CUDA_FLOATS | CUDA_DT(I32) | CUDA_DT(I64))

typedef struct cuda_k_entry {
    uint8_t family;  /* cuda_k_family_t */
    uint8_t code;    /* tact_cuda_unary_t, tact_cuda_binary_t, tact_cuda_reduce_t */
    uint16_t dtypes; /* the inputs' dtypes, as bits (every one for CUDA_K_COPY) */
} cuda_k_entry_t;

/* clang-format off */
#define CUDA_U(code, dts) { CUDA_K_UNARY, TACT_CUDA_##code, (dts) }
#define CUDA_B(code, dts) { CUDA_K_BINARY, TACT_CUDA_##code, (dts) }
#define CUDA_R(code)      { CUDA_K_REDUCE, TACT_CUDA_REDUCE_##code, CUDA_FLOATS }
/* clang-format on */

static const cuda_k_entry_t cuda_k_table[TACT_OP_COUNT] = {
    [TACT_OP_ADD] = CUDA_B(ADD, CUDA_NUMERIC),
    [TACT_OP_SUB] = CUDA_B(SUB, CUDA_NUMERIC),
    [TACT_OP_MUL] = CUDA_B(MUL, CUDA_NUMERIC),
    [TACT_OP_REALDIV] = CUDA_B(REALDIV, CUDA_FLOATS),
    [TACT_OP_POW] = CUDA_B(POW, CUDA_FLOATS),
    [TACT_OP_MAXIMUM] = CUDA_B(MAXIMUM, CUDA_FLOATS),
    [TACT_OP_MINIMUM] = CUDA_B(MINIMUM, CUDA_FLOATS),
    [TACT_OP_FLOOR_DIV] = CUDA_B(FLOOR_DIV, CUDA_FLOATS),
    [TACT_OP_FLOOR_MOD] = CUDA_B(FLOOR_MOD, CUDA_FLOATS),
    [TACT_OP_SQUARED_DIFFERENCE] = CUDA_B(SQUARED_DIFFERENCE, CUDA_FLOATS),
    [TACT_OP_EQUAL] = CUDA_B(EQUAL, CUDA_FLOATS),
    [TACT_OP_NOT_EQUAL] = CUDA_B(NOT_EQUAL, CUDA_FLOATS),
    [TACT_OP_LESS] = CUDA_B(LESS, CUDA_FLOATS),
    [TACT_OP_LESS_EQUAL] = CUDA_B(LESS_EQUAL, CUDA_FLOATS),
    [TACT_OP_GREATER] = CUDA_B(GREATER, CUDA_FLOATS),
    [TACT_OP_GREATER_EQUAL] = CUDA_B(GREATER_EQUAL, CUDA_FLOATS),
    [TACT_OP_LOGICAL_AND] = CUDA_B(LOGICAL_AND, CUDA_DT(BOOL)),
    [TACT_OP_LOGICAL_OR] = CUDA_B(LOGICAL_OR, CUDA_DT(BOOL)),
    [TACT_OP_NEG] = CUDA_U(NEG, CUDA_NUMERIC),
    [TACT_OP_RELU] = CUDA_U(RELU, CUDA_NUMERIC),
    [TACT_OP_SIGMOID] = CUDA_U(SIGMOID, CUDA_FLOATS),
    [TACT_OP_TANH] = CUDA_U(TANH, CUDA_FLOATS),
    [TACT_OP_ABS] = CUDA_U(ABS, CUDA_FLOATS),
    [TACT_OP_SQUARE] = CUDA_U(SQUARE, CUDA_FLOATS),
    [TACT_OP_SQRT] = CUDA_U(SQRT, CUDA_FLOATS),
    [TACT_OP_RSQRT] = CUDA_U(RSQRT, CUDA_FLOATS),
    [TACT_OP_EXP] = CUDA_U(EXP, CUDA_FLOATS),
    [TACT_OP_LOG] = CUDA_U(LOG, CUDA_FLOATS),
    [TACT_OP_SIGN] = CUDA_U(SIGN, CUDA_FLOATS),
    [TACT_OP_FLOOR] = CUDA_U(FLOOR, CUDA_FLOATS),
    [TACT_OP_CEIL] = CUDA_U(CEIL, CUDA_FLOATS),
    [TACT_OP_ROUND] = CUDA_U(ROUND, CUDA_FLOATS),
    [TACT_OP_RECIPROCAL] = CUDA_U(RECIPROCAL, CUDA_FLOATS),
    [TACT_OP_RELU6] = CUDA_U(RELU6, CUDA_FLOATS),
    [TACT_OP_LEAKY_RELU] = CUDA_U(LEAKY_RELU, CUDA_FLOATS),
    [TACT_OP_ELU] = CUDA_U(ELU, CUDA_FLOATS),
    [TACT_OP_SOFTPLUS] = CUDA_U(SOFTPLUS, CUDA_FLOATS),
    [TACT_OP_LOGICAL_NOT] = CUDA_U(LOGICAL_NOT, CUDA_DT(BOOL)),
    [TACT_OP_MAX] = CUDA_R(MAX),
    [TACT_OP_MIN] = CUDA_R(MIN),
    [TACT_OP_PROD] = CUDA_R(PROD),
    [TACT_OP_STOP_GRADIENT] = {CUDA_K_COPY, 0, 0},
};

#undef CUDA_U
#undef CUDA_B
#undef CUDA_R

/* out = a op b, the output's axes merged into runs that broadcast the same way in a and b
 * (size-1 axes dropped), each input's strides 0 where it repeats: the CPU kernel's walk. */
static tact_code_t cuda_binary(cuda_ctx_t *c, const tact_op_t *op, const cuda_k_entry_t *e,
                               const tact_tensor_t *const *in, tact_tensor_t *out,
                               tact_status_t *st)
{
    const tact_tensor_t *a = in[0];
    const tact_tensor_t *b = in[1];
    if (out->nelems == 0)
        return TACT_CODE_OK;
    tact_cuda_walk_t w;
    tact_cuda_bcast_t mode = tact__cuda_binary_walk(a, b, out, &w);
    return cuda_launched(tact__cuda_binary((tact_cuda_binary_t) e->code, a->dtype, a->data, b->data,
                                           out->data, out->nelems, mode, w, c->compute),
                         op, st);
}

/* Max, Min and Prod through the walks of Sum (tact__cuda_reduce_walks). */
static tact_code_t cuda_reduce_op(cuda_ctx_t *c, const tact_op_t *op, const cuda_k_entry_t *e,
                                  const tact_tensor_t *const *in, tact_tensor_t *out,
                                  tact_status_t *st)
{
    const tact_tensor_t *x = in[0];
    if (out->nelems == 0)
        return TACT_CODE_OK;
    tact_cuda_walk_t keep;
    tact_cuda_walk_t rw;
    tact__cuda_reduce_walks(x, &op->attrs, &keep, &rw);
    return cuda_launched(tact__cuda_reduce_op((tact_cuda_reduce_t) e->code, x->dtype, x->data,
                                              out->data, out->nelems, x->nelems / out->nelems, keep,
                                              rw, c->scratch, c->compute),
                         op, st);
}

/* An op of cuda_k_table. */
static tact_code_t cuda_table_kernel(cuda_ctx_t *c, const tact_op_t *op,
                                     const tact_tensor_t *const *in, tact_tensor_t *out,
                                     tact_status_t *st)
{
    const cuda_k_entry_t *e = &cuda_k_table[op->kind];
    tact_dtype_t dt = in[0]->dtype;
    if (e->family == CUDA_K_COPY) {
        if (dt != out->dtype || tact_dtype_size(dt) == 0)
            return cuda_no_kernel(op, dt, st);
        return cuda_copy_tensor(c, in[0], out, st);
    }
    if ((e->dtypes & (1u << (unsigned) dt)) == 0 ||
        (e->family == CUDA_K_BINARY && in[1]->dtype != dt))
        return cuda_no_kernel(op, dt, st);
    switch ((cuda_k_family_t) e->family) {
    case CUDA_K_UNARY:
        return cuda_launched(tact__cuda_unary((tact_cuda_unary_t) e->code, dt, in[0]->data,
                                              out->data, out->nelems, op->attrs.alpha, c->compute),
                             op, st);
    case CUDA_K_BINARY:
        return cuda_binary(c, op, e, in, out, st);
    case CUDA_K_REDUCE:
        return cuda_reduce_op(c, op, e, in, out, st);
    default:
        return cuda_no_kernel(op, dt, st);
    }
}

/* AddN: the first input copied, each later one added in order (the CPU kernel's order). */
static tact_code_t cuda_add_n(cuda_ctx_t *c, const tact_op_t *op, const tact_tensor_t *const *in,
                              tact_tensor_t *out, tact_status_t *st)
{
    tact_dtype_t dt = in[0]->dtype;
    if ((CUDA_NUMERIC & (1u << (unsigned) dt)) == 0)
        return cuda_no_kernel(op, dt, st);
    for (int i = 0; i < op->n_inputs; i++) {
        if (in[i]->dtype != dt || in[i]->nelems != out->nelems)
            return cuda_no_kernel(op, in[i]->dtype, st);
    }
    if (cuda_copy_tensor(c, in[0], out, st) != TACT_CODE_OK)
        return st->code;
    for (int i = 1; i < op->n_inputs; i++) {
        int err = tact__cuda_accumulate(dt, in[i]->data, out->data, out->nelems, c->compute);
        if (err != 0)
            return cuda_launched(err, op, st);
    }
    return TACT_CODE_OK;
}

static tact_code_t cuda_softmax(cuda_ctx_t *c, const tact_op_t *op, const tact_tensor_t *const *in,
                                tact_tensor_t *out, tact_status_t *st)
{
    const tact_tensor_t *x = in[0];
    if (!cuda_is_float(x->dtype))
        return cuda_no_kernel(op, x->dtype, st);
    TACT_ASSERT(x->ndims >= 1);
    int64_t cols = x->dims[x->ndims - 1];
    if (x->nelems == 0)
        return TACT_CODE_OK;
    return cuda_launched(
        tact__cuda_softmax(x->dtype, x->data, out->data, x->nelems / cols, cols, c->scratch,
                           c->compute),
        op,
        st);
}

/* C = op(A) op(B), row-major, through column-major cuBLAS: a row-major matrix is its own
 * transpose in column-major order, so C^T = op(B)^T op(A)^T is one gemm of B and A as stored,
 * with the same transpose flags and the operands swapped. */
static tact_code_t cuda_matmul(cuda_ctx_t *c, const tact_op_t *op, const tact_tensor_t *const *in,
                               tact_tensor_t *out, tact_status_t *st)
{
    const tact_tensor_t *a = in[0];
    const tact_tensor_t *b = in[1];
    if (!cuda_is_float(a->dtype) || b->dtype != a->dtype)
        return cuda_no_kernel(op, a->dtype, st);
    TACT_ASSERT(a->ndims == 2 && b->ndims == 2 && out->ndims == 2);
    bool ta = op->attrs.transpose_a;
    bool tb = op->attrs.transpose_b;
    int64_t m = out->dims[0];
    int64_t n = out->dims[1];
    int64_t k = ta ? a->dims[0] : a->dims[1];
    int64_t lda = a->dims[1];
    int64_t ldb = b->dims[1];
    if (out->nelems == 0)
        return TACT_CODE_OK;
    if (k == 0) {
        CUDA_CALL(st, cudaMemsetAsync, (out->data, 0, out->nbytes, c->compute));
        return TACT_CODE_OK;
    }
    if (m > INT_MAX || n > INT_MAX || k > INT_MAX || lda > INT_MAX || ldb > INT_MAX)
        return tact__fail(st, TACT_CODE_UNIMPLEMENTED,
                          CUDA_NAME ": MatMul of [%" PRId64 ",%" PRId64 "] by [%" PRId64 ",%" PRId64
                                    "] exceeds cuBLAS' int sizes",
                          a->dims[0], a->dims[1], b->dims[0], b->dims[1]);
    cublasOperation_t opa = ta ? CUBLAS_OP_T : CUBLAS_OP_N;
    cublasOperation_t opb = tb ? CUBLAS_OP_T : CUBLAS_OP_N;
    cublasStatus_t s;
    const char *what;
    if (a->dtype == TACT_DTYPE_F32) {
        const float one = 1.0f;
        const float zero = 0.0f;
        what = "cublasSgemm";
        s = cuda_blas.sgemm(c->blas, opb, opa, (int) n, (int) m, (int) k, &one, b->data, (int) ldb,
                            a->data, (int) lda, &zero, out->data, (int) n);
    } else {
        const double one = 1.0;
        const double zero = 0.0;
        what = "cublasDgemm";
        s = cuda_blas.dgemm(c->blas, opb, opa, (int) n, (int) m, (int) k, &one, b->data, (int) ldb,
                            a->data, (int) lda, &zero, out->data, (int) n);
    }
    if (s != CUBLAS_STATUS_SUCCESS)
        return cuda_blas_fail(st, s, what);
    return TACT_CODE_OK;
}

/* The element offset of batch i (of out's batch dimensions) in t, whose batch dimensions
 * broadcast against them: the CPU kernel's rule. */
static int64_t cuda_batch_offset(const tact_tensor_t *t, const tact_tensor_t *out, int64_t i)
{
    int ob = out->ndims - 2;
    int tb = t->ndims - 2;
    int64_t off = 0;
    int64_t stride = t->dims[t->ndims - 2] * t->dims[t->ndims - 1];
    for (int d = ob - 1; d >= 0; d--) {
        int64_t od = out->dims[d];
        int64_t idx = i % od;
        i /= od;
        int td = d - (ob - tb);
        if (td < 0)
            continue;
        if (t->dims[td] != 1)
            off += idx * stride;
        stride *= t->dims[td];
    }
    return off;
}

/* The batch stride of t in one strided-batched gemm: a matrix per batch (its batches those of
 * out) or one matrix for all (0); -1 when its batches broadcast otherwise. */
static long long cuda_batch_stride(const tact_tensor_t *t, int64_t batches)
{
    int64_t mat = t->dims[t->ndims - 2] * t->dims[t->ndims - 1];
    int64_t own = mat > 0 ? t->nelems / mat : 0;
    return own == batches ? (long long) mat : own == 1 ? 0 : -1;
}

/* BatchMatMulV2 (float32): out[i] = op(x[i]) op(y[i]) for each batch, row-major through
 * column-major cuBLAS as MatMul. Batches that line up (equal batch dimensions, or one side
 * a single matrix) go in one cublasSgemmStridedBatched; other broadcasts one sgemm per
 * batch. */
static tact_code_t cuda_batch_matmul(cuda_ctx_t *c, const tact_op_t *op,
                                     const tact_tensor_t *const *in, tact_tensor_t *out,
                                     tact_status_t *st)
{
    const tact_tensor_t *x = in[0];
    const tact_tensor_t *y = in[1];
    if (x->dtype != TACT_DTYPE_F32 || y->dtype != x->dtype)
        return cuda_no_kernel(op, x->dtype, st);
    TACT_ASSERT(x->ndims >= 2 && y->ndims >= 2 && out->ndims >= 2);
    bool ta = op->attrs.transpose_a;
    bool tb = op->attrs.transpose_b;
    int64_t xc = x->dims[x->ndims - 1];
    int64_t yc = y->dims[y->ndims - 1];
    int64_t m = out->dims[out->ndims - 2];
    int64_t n = out->dims[out->ndims - 1];
    int64_t k = ta ? x->dims[x->ndims - 2] : xc;
    if (out->nelems == 0)
        return TACT_CODE_OK;
    if (k == 0) {
        CUDA_CALL(st, cudaMemsetAsync, (out->data, 0, out->nbytes, c->compute));
        return TACT_CODE_OK;
    }
    int64_t batches = out->nelems / (m * n);
    if (m > INT_MAX || n > INT_MAX || k > INT_MAX || xc > INT_MAX || yc > INT_MAX ||
        batches > INT_MAX)
        return tact__fail(st, TACT_CODE_UNIMPLEMENTED,
                          CUDA_NAME ": BatchMatMulV2 of %" PRId64 " batches of [%" PRId64
                                    ",%" PRId64 "] by [%" PRId64 ",%" PRId64
                                    "] exceeds cuBLAS' int sizes",
                          batches, m, k, k, n);
    cublasOperation_t opx = ta ? CUBLAS_OP_T : CUBLAS_OP_N;
    cublasOperation_t opy = tb ? CUBLAS_OP_T : CUBLAS_OP_N;
    const float one = 1.0f;
    const float zero = 0.0f;
    long long sx = cuda_batch_stride(x, batches);
    long long sy = cuda_batch_stride(y, batches);
    cublasStatus_t s;
    if (sx >= 0 && sy >= 0) {
        s = cuda_blas.sgemm_strided(c->blas, opy, opx, (int) n, (int) m, (int) k, &one, y->data,
                                    (int) yc, sy, x->data, (int) xc, sx, &zero, out->data, (int) n,
                                    (long long) (m * n), (int) batches);
        if (s != CUBLAS_STATUS_SUCCESS)
            return cuda_blas_fail(st, s, "cublasSgemmStridedBatched");
        return TACT_CODE_OK;
    }
    const float *xd = x->data;
    const float *yd = y->data;
    float *od = out->data;
    for (int64_t i = 0; i < batches; i++) {
        s = cuda_blas.sgemm(
            c->blas, opy, opx, (int) n, (int) m, (int) k, &one, yd + cuda_batch_offset(y, out, i),
            (int) yc, xd + cuda_batch_offset(x, out, i), (int) xc, &zero, od + i * m * n, (int) n);
        if (s != CUBLAS_STATUS_SUCCESS)
            return cuda_blas_fail(st, s, "cublasSgemm");
    }
    return TACT_CODE_OK;
}

/* Sum and Mean: the input's axes merged into runs that are all reduced or all kept (size-1
 * axes dropped), as the CPU kernel does; the kept runs index the outputs, the reduced ones
 * the elements each output block adds up. Axes may be negative; n_axes -1 is every axis. */
static tact_code_t cuda_reduce(cuda_ctx_t *c, const tact_op_t *op, const tact_tensor_t *const *in,
                               tact_tensor_t *out, tact_status_t *st)
{
    const tact_tensor_t *x = in[0];
    if (!cuda_is_numeric(x->dtype))
        return cuda_no_kernel(op, x->dtype, st);
    if (out->nelems == 0)
        return TACT_CODE_OK;
    tact_cuda_walk_t keep;
    tact_cuda_walk_t rw;
    tact__cuda_reduce_walks(x, &op->attrs, &keep, &rw);
    int64_t n_red = x->nelems / out->nelems;
    return cuda_launched(tact__cuda_reduce(x->dtype, op->kind == TACT_OP_MEAN, x->data, out->data,
                                           out->nelems, n_red, keep, rw, c->scratch, c->compute),
                         op, st);
}

/* Transpose: size-1 axes dropped and output axes that are consecutive input axes moved as one
 * (the CPU kernel's grouping). One group is a copy, two a tiled 2-D transpose, more a
 * gather through the input's strides. */
static tact_code_t cuda_transpose(cuda_ctx_t *c, const tact_op_t *op,
                                  const tact_tensor_t *const *in, tact_tensor_t *out,
                                  tact_status_t *st)
{
    const tact_tensor_t *x = in[0];
    size_t esz = tact_dtype_size(x->dtype);
    if (esz != 1 && esz != 4 && esz != 8)
        return cuda_no_kernel(op, x->dtype, st);
    if (x->nelems == 0)
        return TACT_CODE_OK;
    tact_cuda_walk_t w;
    memset(&w, 0, sizeof w);
    int ng = tact__transpose_groups(x, &op->attrs, w.dims, w.stride_a);
    if (ng <= 1)
        return cuda_copy_tensor(c, x, out, st);
    w.ndims = ng;
    int err =
        ng == 2 ? tact__cuda_transpose2d(esz, x->data, out->data, w.dims[1], w.dims[0], c->compute)
                : tact__cuda_gather(esz, x->data, out->data, x->nelems, w, c->compute);
    return cuda_launched(err, op, st);
}

static tact_code_t cuda_cast(cuda_ctx_t *c, const tact_op_t *op, const tact_tensor_t *const *in,
                             tact_tensor_t *out, tact_status_t *st)
{
    tact_dtype_t from = in[0]->dtype;
    tact_dtype_t to = out->dtype;
    if (!cuda_is_castable(from) || !cuda_is_castable(to))
        return cuda_no_kernel(op, from, st);
    if (from == to)
        return cuda_copy_tensor(c, in[0], out, st);
    return cuda_launched(tact__cuda_cast(from, to, in[0]->data, out->data, out->nelems, c->compute),
                         op, st);
}

/* Fill: the scalar (a host tensor held by the op) repeated. */
static tact_code_t cuda_fill(cuda_ctx_t *c, const tact_op_t *op, tact_tensor_t *out,
                             tact_status_t *st)
{
    const tact_tensor_t *v = op->attrs.value;
    size_t esz = tact_dtype_size(out->dtype);
    if (v == NULL || v->dtype != out->dtype || (esz != 1 && esz != 4 && esz != 8))
        return cuda_no_kernel(op, out->dtype, st);
    uint64_t bits = 0;
    memcpy(&bits, v->data, esz);
    return cuda_launched(tact__cuda_fill(esz, bits, out->data, out->nelems, c->compute), op, st);
}

static tact_code_t cuda_kernel(void *ctx, const tact_op_t *op, const tact_tensor_t *const *in,
                               tact_tensor_t *out, tact_status_t *st)
{
    if (tact__failed(st))
        return st->code;
    cuda_ctx_t *c = ctx;
    if (cuda_k_table[op->kind].family != CUDA_K_NONE)
        return cuda_table_kernel(c, op, in, out, st);
    switch (op->kind) {
    case TACT_OP_ADD_N:
        return cuda_add_n(c, op, in, out, st);
    case TACT_OP_BATCH_MATMUL:
        return cuda_batch_matmul(c, op, in, out, st);
    case TACT_OP_SOFTMAX:
        return cuda_softmax(c, op, in, out, st);
    case TACT_OP_MATMUL:
        return cuda_matmul(c, op, in, out, st);
    case TACT_OP_SUM:
    case TACT_OP_MEAN:
        return cuda_reduce(c, op, in, out, st);
    case TACT_OP_TRANSPOSE:
        return cuda_transpose(c, op, in, out, st);
    case TACT_OP_CAST:
        return cuda_cast(c, op, in, out, st);
    case TACT_OP_FILL:
        return cuda_fill(c, op, out, st);
    case TACT_OP_IDENTITY:
    case TACT_OP_RESHAPE:
        if (in[0]->dtype != out->dtype || tact_dtype_size(out->dtype) == 0)
            return cuda_no_kernel(op, in[0]->dtype, st);
        return cuda_copy_tensor(c, in[0], out, st);
    case TACT_OP_NOOP:
        return TACT_CODE_OK;
    default:
        return cuda_no_kernel(op, op->n_inputs > 0 ? in[0]->dtype : out->dtype, st);
    }
}

const tact_gpu_backend_t tact__cuda_backend = {
    .name = CUDA_NAME,
    .count = cuda_count,
    .query = cuda_query,
    .region_alloc = cuda_region_alloc,
    .region_free = cuda_region_free,
    .open = cuda_open,
    .close = cuda_close,
    .bind_thread = cuda_bind_thread,
    .supports = tact__gpu_op_supported,
    .copy_in = cuda_copy_in,
    .copy_out = cuda_copy_out,
    .copy_device = cuda_copy_device,
    .kernel = cuda_kernel,
    .sync = cuda_sync,
    .lost = cuda_lost_get,
};
