/* SPDX-License-Identifier: MIT */
/* Float32 GEMM with an epilogue for the CPU device, for MatMul and for Conv2D's lowered
 * product (im2col patches times the filter): oneDNN with weights packed once, or OpenBLAS.
 * OpenBLAS repacks both operands on every call (sgemm_itcopy: a quarter of an MLP's time);
 * oneDNN takes weights packed once (its matmul primitive's blocked layout where it has one,
 * else its packed sgemm), and the bias and activation run on rows still in cache.
 *
 * One set of threads owns the cores: OpenBLAS' (intra-op), the CPU device's actors
 * (inter-op) and tact's intra-op workers (devices/cpu/intra_pool.c), which split a big packed
 * product by rows over as many cores as OpenBLAS may use. oneDNN (Debian's build runs on
 * OpenMP) runs on each of those threads alone: a call sets that thread's OpenMP thread count
 * to 1 and restores it after, so no OpenMP team is ever started. With OpenMP's own 2 threads
 * beside OpenBLAS' the two pools fought: raw OpenBLAS in the same process ran 15 % slower
 * and the packed GEMM no faster on this 2-core machine (bench/README.md); TSan and valgrind
 * also see no uninstrumented OpenMP threads. oneDNN is opened at run time (dlopen, like
 * cuBLAS in devices/cuda): without it, everything runs on OpenBLAS. */
#include "devices/cpu/gemm.h"
#include "devices/cpu/intra_pool.h"
#include "devices/cpu/kernels.h"
#include "runtime/base/log.h"

#include <cblas.h>
#include <dlfcn.h>

#ifdef TACT_WITH_ONEDNN
#include <oneapi/dnnl/dnnl.h>
#endif

static atomic_uint_fast64_t gemm_packs;
static _Atomic int gemm_lib = -1;  /* tact_cpu_gemm_lib_t once chosen */

uint64_t tact__cpu_gemm_packs(void)
{
    return atomic_load(&gemm_packs);
}

/* ------------------------------------------------------------------------------------------ */
/* OpenBLAS                                                                                   */
/* ------------------------------------------------------------------------------------------ */

/* One float32 product: row-major out[m, n] = act(op(a)[m, k] op(b)[k, n] + bias). */
typedef struct gemm_problem {
    const tact_op_t *op;          /* the MatMul or the Conv2D: names b's packed copies */
    int64_t m, k, n;
    bool ta, tb;
    const float *a;               /* [m, k] in rows of lda floats ([k, m] when ta) */
    int64_t lda;
    const tact_tensor_t *b;       /* its bytes a row-major [k, n] ([n, k] when tb) */
    int64_t ldb;
    float *out;                   /* [m, n], contiguous */
    const float *bias;            /* [n] or NULL */
    const float *res;             /* [m, n] added after the bias, or NULL */
    tact_op_kind_t act;
    /* A MatMul's own operands, for its kernel (which takes sizes past int); NULL for a
     * convolution's product, whose sizes the caller checked */
    const tact_tensor_t *mm_a;
    tact_tensor_t *mm_out;
} gemm_problem_t;

/* OpenBLAS' sgemm (a MatMul's own kernel: loops past int sizes), then the epilogue in one
 * pass. */
static tact_code_t gemm_openblas(const gemm_problem_t *p, tact_status_t *st)
{
    if (p->mm_a != NULL) {
        const tact_tensor_t *in[2] = { p->mm_a, p->b };
        if (tact__cpu_kernel(TACT_OP_MATMUL)(p->op, in, p->mm_out, st) != TACT_CODE_OK)
            return st->code;
    } else {
        cblas_sgemm(CblasRowMajor, p->ta ? CblasTrans : CblasNoTrans,
                    p->tb ? CblasTrans : CblasNoTrans, (int) p->m, (int) p->n, (int) p->k, 1.0f,
                    p->a, (int) p->lda, p->b->data, (int) p->ldb, 0.0f, p->out, (int) p->n);
    }
    if (p->bias != NULL || p->res != NULL || p->act != TACT_OP_NOOP)
        tact__cpu_bias_act_f32(p->out, p->m, p->n, p->bias, p->res, p->n, p->act);
    return TACT_CODE_OK;
}

#ifdef TACT_WITH_ONEDNN
/* ------------------------------------------------------------------------------------------ */
/* oneDNN, opened at run time                                                                 */
/* ------------------------------------------------------------------------------------------ */

#define GEMM_DNNL_MAP(XX)                                                                          \
    XX(dnnl_engine_create) XX(dnnl_stream_create) XX(dnnl_stream_destroy)                          \
    XX(dnnl_stream_wait) XX(dnnl_memory_desc_init_by_strides) XX(dnnl_matmul_desc_init)           \
    XX(dnnl_primitive_attr_create) XX(dnnl_primitive_attr_destroy) XX(dnnl_post_ops_create)       \
    XX(dnnl_post_ops_destroy) XX(dnnl_post_ops_append_eltwise)                                     \
    XX(dnnl_primitive_attr_set_post_ops) XX(dnnl_primitive_desc_create)                            \
    XX(dnnl_primitive_desc_destroy) XX(dnnl_primitive_desc_query_md)                               \
    XX(dnnl_primitive_create) XX(dnnl_primitive_destroy) XX(dnnl_primitive_execute)               \
    XX(dnnl_memory_create) XX(dnnl_memory_destroy) XX(dnnl_memory_desc_equal)                     \
    XX(dnnl_reorder_primitive_desc_create) XX(dnnl_memory_desc_get_size)                         \
    XX(dnnl_memory_desc_init_by_tag) XX(dnnl_get_effective_cpu_isa)

static struct {
#define XX(name) __typeof__(&name) name;
    GEMM_DNNL_MAP(XX)
#undef XX
    dnnl_engine_t engine;         /* one CPU engine for the process, never destroyed */
    bool blocking_isa;            /* AVX-512: the matmul primitive may pack into blocks */
} dnnl;

#define DNNL(name) (dnnl.name)

/* oneDNN's packed sgemm (dnnl::impl::cpu::sgemm_pack / sgemm_compute, the MKL-style pack API
 * its RNN primitives use): not in its C API, so looked up by the C++ names of the 2.x ABI and
 * used only when all three are there. Column-major, as BLAS. */
typedef int64_t gemm_dim_t;
static struct {
    int (*get_size)(const char *id, const char *ta, const char *tb, const gemm_dim_t *m,
                    const gemm_dim_t *n, const gemm_dim_t *k, const gemm_dim_t *lda,
                    const gemm_dim_t *ldb, size_t *size, bool *pack);
    int (*pack)(const char *id, const char *ta, const char *tb, const gemm_dim_t *m,
                const gemm_dim_t *n, const gemm_dim_t *k, const gemm_dim_t *lda,
                const gemm_dim_t *ldb, const float *src, float *dst);
    int (*compute)(const char *ta, const char *tb, const gemm_dim_t *m, const gemm_dim_t *n,
                   const gemm_dim_t *k, const float *a, const gemm_dim_t *lda, const float *b,
                   const gemm_dim_t *ldb, const float *beta, float *c, const gemm_dim_t *ldc);
} sgemm_api;

static void gemm_sgemm_load(void *lib)
{
    void *p[3] = {
        dlsym(lib, "_ZN4dnnl4impl3cpu19sgemm_pack_get_sizeEPKcS3_S3_PKlS5_S5_S5_S5_PmPb"),
        dlsym(lib, "_ZN4dnnl4impl3cpu10sgemm_packEPKcS3_S3_PKlS5_S5_S5_S5_PKfPf"),
        dlsym(lib, "_ZN4dnnl4impl3cpu13sgemm_computeEPKcS3_PKlS5_S5_PKfS5_S7_S5_S7_PfS5_"),
    };
    if (p[0] == NULL || p[1] == NULL || p[2] == NULL)
        return;
    memcpy(&sgemm_api.get_size, &p[0], sizeof p[0]);
    memcpy(&sgemm_api.pack, &p[1], sizeof p[1]);
    memcpy(&sgemm_api.compute, &p[2], sizeof p[2]);
}

/* One tiny packed product now: oneDNN generates its sgemm kernels (JIT) on first use,
 * which takes seconds under valgrind; here that happens while a device opens, not inside a
 * step and its deadline. */
static void gemm_sgemm_warm(void)
{
    if (sgemm_api.compute == NULL)
        return;
    gemm_dim_t two = 2;
    float a[4] = { 1, 2, 3, 4 }, c[4] = { 0 }, beta = 0.0f;
    size_t size = 0;
    bool pack = false;
    void *packed = NULL;
    bool ok = sgemm_api.get_size("A", "N", "N", &two, &two, &two, &two, &two, &size, &pack) == 0 &&
              posix_memalign(&packed, 64, size ? size : 64) == 0 &&
              sgemm_api.pack("A", "N", "N", &two, &two, &two, &two, &two, a, packed) == 0 &&
              sgemm_api.compute("P", "N", &two, &two, &two, packed, &two, a, &two, &beta, c,
                                &two) == 0;
    free(packed);
    /* column-major [1 3; 2 4] squared is [7 15; 10 22] */
    if (!ok || c[0] != 7 || c[1] != 10 || c[2] != 15 || c[3] != 22) {
        tact__log(TACT_LOG_WARNING, "CPU: oneDNN's packed sgemm failed its check; not used");
        memset(&sgemm_api, 0, sizeof sgemm_api);
    }
}

/* OpenMP's per-thread team size (libgomp, loaded with oneDNN). */
static struct {
    void (*set_num_threads)(int n);
    int (*get_max_threads)(void);
} omp_api;

/* Run oneDNN on the calling thread only, until gemm_omp_leave(the result). */
static int gemm_omp_enter(void)
{
    int old = omp_api.get_max_threads();
    if (old != 1)
        omp_api.set_num_threads(1);
    return old;
}

static void gemm_omp_leave(int old)
{
    if (old != 1)
        omp_api.set_num_threads(old);
}

static pthread_once_t gemm_dnnl_once = PTHREAD_ONCE_INIT;
static bool gemm_dnnl_ok;

static void gemm_dnnl_load(void)
{
    void *lib = dlopen("libdnnl.so.2", RTLD_NOW | RTLD_LOCAL);
    if (lib == NULL) {
        tact__log(TACT_LOG_INFO, "CPU: oneDNN not loaded (%s); float32 GEMMs run on OpenBLAS",
                  dlerror());
        return;
    }
    _Static_assert(sizeof(void *) == sizeof dnnl.dnnl_engine_create, "function pointers");
#define XX(name)                                                                                   \
    {                                                                                              \
        void *p = dlsym(lib, #name);                                                               \
        if (p == NULL) {                                                                           \
            tact__log(TACT_LOG_WARNING, "CPU: oneDNN lacks %s; float32 GEMMs run on OpenBLAS",     \
                      #name);                                                                      \
            return;                                                                                \
        }                                                                                          \
        memcpy(&dnnl.name, &p, sizeof p);                                                          \
    }
    GEMM_DNNL_MAP(XX)
#undef XX
    if (DNNL(dnnl_engine_create)(&dnnl.engine, dnnl_cpu, 0) != dnnl_success)
        return;
    void *set = dlsym(lib, "omp_set_num_threads"), *get = dlsym(lib, "omp_get_max_threads");
    if (set == NULL || get == NULL) {
        tact__log(TACT_LOG_WARNING, "CPU: oneDNN without OpenMP's thread count calls; float32 "
                  "GEMMs run on OpenBLAS");
        return;
    }
    memcpy(&omp_api.set_num_threads, &set, sizeof set);
    memcpy(&omp_api.get_max_threads, &get, sizeof get);
    gemm_sgemm_load(lib);
    int omp = gemm_omp_enter();
    gemm_sgemm_warm();
    gemm_omp_leave(omp);
    dnnl.blocking_isa = (DNNL(dnnl_get_effective_cpu_isa)() & dnnl_cpu_isa_avx512_core) ==
                        dnnl_cpu_isa_avx512_core;
    gemm_dnnl_ok = true;
}

/* A primitive for one problem: shapes, transposes, packed weights or not, epilogue. */
typedef struct gemm_prim {
    struct gemm_prim *next;
    int64_t m, k, n;
    bool ta, tb, packed, bias;
    tact_op_kind_t act;
    dnnl_primitive_t prim;
    dnnl_memory_desc_t src_md, wei_md, bias_md, dst_md;  /* wei_md: packed layout if packed */
    dnnl_memory_desc_t user_wei_md;                       /* b as stored */
    bool blocked;                 /* packed weights differ from b's own layout */
} gemm_prim_t;

/* One packed copy of an op's weights: b's value (referenced, so its address stays its
 * own) reordered into a primitive's layout, or packed by sgemm_pack for problems of m rows.
 * Shared by the runs that use it: refcounted. */
typedef struct gemm_packed {
    struct gemm_packed *next;
    _Atomic int refs;
    const tact_op_t *op;              /* the MatMul or Conv2D it serves */
    tact_tensor_t *src;
    bool sgemm;                   /* sgemm_pack's, for m rows; else a reorder into md */
    int64_t m;
    dnnl_memory_desc_t md;
    void *data;
} gemm_packed_t;

#define GEMM_MAX_PRIMS 64  /* past this, a problem gets a primitive for the call only */

/* AUTO's choice for one problem shape: which way won, timed on this machine. oneDNN runs on
 * one thread and OpenBLAS on its pool, so which is faster depends on the shape, the cores
 * and what else keeps them busy: the first GEMM_TRIALS calls of each way are timed (their
 * best, so the first packing does not count) and the faster one keeps the shape. */
typedef struct gemm_choice {
    struct gemm_choice *next;
    int64_t m, k, n;
    bool ta, tb;
    int trials[2];                /* [0] OpenBLAS, [1] oneDNN */
    int64_t best_ns[2];
    int pick;                     /* -1 while timing, else the index that won */
} gemm_choice_t;

#define GEMM_TRIALS 3

struct tact_cpu_gemm {
    pthread_mutex_t lock;
    gemm_prim_t *prims;
    int n_prims;
    gemm_packed_t *packed;
    gemm_choice_t *choices;
    int n_choices;
};

static void gemm_packed_unref(gemm_packed_t *p)
{
    if (p == NULL || atomic_fetch_sub(&p->refs, 1) != 1)
        return;
    tact_tensor_destroy(&p->src);
    free(p->data);
    free(p);
}

static void gemm_prim_free(gemm_prim_t *p)
{
    if (p->prim != NULL)
        DNNL(dnnl_primitive_destroy)(p->prim);
    free(p);
}

/* A plain row-major [rows, cols] f32 descriptor of a matrix stored transposed or not. */
static bool gemm_md(dnnl_memory_desc_t *md, int64_t rows, int64_t cols, bool transposed)
{
    dnnl_dims_t dims = { rows, cols };
    dnnl_dims_t strides = { transposed ? 1 : cols, transposed ? rows : 1 };
    return DNNL(dnnl_memory_desc_init_by_strides)(md, 2, dims, dnnl_f32, strides) == dnnl_success;
}

/* The activations oneDNN's eltwise post-ops compute (relu, logistic, tanh); the others
 * (Relu6) run over the output after the primitive. */
static bool gemm_post_op_act(tact_op_kind_t act)
{
    return act == TACT_OP_RELU || act == TACT_OP_SIGMOID || act == TACT_OP_TANH;
}

static gemm_prim_t *gemm_prim_create(int64_t m, int64_t k, int64_t n, bool ta, bool tb,
                                     bool packed, bool bias, tact_op_kind_t act)
{
    gemm_prim_t *p = tact__malloc(sizeof *p);
    *p = (gemm_prim_t) { .m = m, .k = k, .n = n, .ta = ta, .tb = tb, .packed = packed,
                         .bias = bias, .act = act };
    dnnl_memory_desc_t wany;
    dnnl_dims_t wdims = { k, n };
    bool ok = gemm_md(&p->src_md, m, k, ta) && gemm_md(&p->user_wei_md, k, n, tb) &&
              gemm_md(&p->bias_md, 1, n, false) && gemm_md(&p->dst_md, m, n, false);
    if (ok && packed)  /* format "any": the primitive picks its packed layout */
        ok = DNNL(dnnl_memory_desc_init_by_tag)(&wany, 2, wdims, dnnl_f32,
                                                dnnl_format_tag_any) == dnnl_success;
    dnnl_matmul_desc_t desc;
    dnnl_primitive_attr_t attr = NULL;
    dnnl_post_ops_t po = NULL;
    dnnl_primitive_desc_t pd = NULL;
    ok = ok && DNNL(dnnl_matmul_desc_init)(&desc, &p->src_md, packed ? &wany : &p->user_wei_md,
                                           bias ? &p->bias_md : NULL, &p->dst_md) == dnnl_success;
    ok = ok && DNNL(dnnl_primitive_attr_create)(&attr) == dnnl_success;
    TACT_ASSERT(act == TACT_OP_NOOP || gemm_post_op_act(act));
    if (ok && act != TACT_OP_NOOP) {
        dnnl_alg_kind_t alg = act == TACT_OP_RELU      ? dnnl_eltwise_relu
                              : act == TACT_OP_SIGMOID ? dnnl_eltwise_logistic
                                                       : dnnl_eltwise_tanh;
        ok = DNNL(dnnl_post_ops_create)(&po) == dnnl_success &&
             DNNL(dnnl_post_ops_append_eltwise)(po, 1.0f, alg, 0.0f, 0.0f) == dnnl_success &&
             DNNL(dnnl_primitive_attr_set_post_ops)(attr, po) == dnnl_success;
    }
    ok = ok && DNNL(dnnl_primitive_desc_create)(&pd, &desc, attr, dnnl.engine, NULL) ==
                   dnnl_success;
    if (ok) {
        const dnnl_memory_desc_t *w = DNNL(dnnl_primitive_desc_query_md)(pd, dnnl_query_weights_md,
                                                                         0);
        ok = w != NULL;
        if (ok) {
            p->wei_md = *w;
            p->blocked = !DNNL(dnnl_memory_desc_equal)(w, &p->user_wei_md);
        }
    }
    ok = ok && DNNL(dnnl_primitive_create)(&p->prim, pd) == dnnl_success;
    if (pd != NULL)
        DNNL(dnnl_primitive_desc_destroy)(pd);
    if (po != NULL)
        DNNL(dnnl_post_ops_destroy)(po);
    if (attr != NULL)
        DNNL(dnnl_primitive_attr_destroy)(attr);
    if (!ok) {
        gemm_prim_free(p);
        return NULL;
    }
    return p;
}

/* The cached primitive for this problem, made on first use; *owned is set when it could not be
 * cached (the caller frees it). NULL when oneDNN refuses the problem. Under g->lock. */
static gemm_prim_t *gemm_prim_get(tact_cpu_gemm_t *g, int64_t m, int64_t k, int64_t n, bool ta,
                                  bool tb, bool packed, bool bias, tact_op_kind_t act,
                                  bool *owned)
{
    *owned = false;
    for (gemm_prim_t *p = g->prims; p != NULL; p = p->next) {
        if (p->m == m && p->k == k && p->n == n && p->ta == ta && p->tb == tb &&
            p->packed == packed && p->bias == bias && p->act == act)
            return p;
    }
    gemm_prim_t *p = gemm_prim_create(m, k, n, ta, tb, packed, bias, act);
    if (p == NULL)
        return NULL;
    if (g->n_prims >= GEMM_MAX_PRIMS) {
        *owned = true;
        return p;
    }
    p->next = g->prims;
    g->prims = p;
    g->n_prims++;
    return p;
}

/* Run a reorder of `src` (described by from) into `dst` (described by to). */
static bool gemm_reorder(const dnnl_memory_desc_t *from, const void *src,
                         const dnnl_memory_desc_t *to, void *dst)
{
    dnnl_primitive_desc_t pd = NULL;
    dnnl_primitive_t r = NULL;
    dnnl_memory_t ms = NULL, md = NULL;
    dnnl_stream_t s = NULL;
    bool ok = DNNL(dnnl_reorder_primitive_desc_create)(&pd, from, dnnl.engine, to, dnnl.engine,
                                                       NULL) == dnnl_success &&
              DNNL(dnnl_primitive_create)(&r, pd) == dnnl_success &&
              DNNL(dnnl_memory_create)(&ms, from, dnnl.engine, (void *) src) == dnnl_success &&
              DNNL(dnnl_memory_create)(&md, to, dnnl.engine, dst) == dnnl_success &&
              DNNL(dnnl_stream_create)(&s, dnnl.engine, dnnl_stream_default_flags) ==
                  dnnl_success;
    if (ok) {
        dnnl_exec_arg_t args[2] = { { DNNL_ARG_FROM, ms }, { DNNL_ARG_TO, md } };
        ok = DNNL(dnnl_primitive_execute)(r, s, 2, args) == dnnl_success &&
             DNNL(dnnl_stream_wait)(s) == dnnl_success;
    }
    if (s != NULL)
        DNNL(dnnl_stream_destroy)(s);
    if (md != NULL)
        DNNL(dnnl_memory_destroy)(md);
    if (ms != NULL)
        DNNL(dnnl_memory_destroy)(ms);
    if (r != NULL)
        DNNL(dnnl_primitive_destroy)(r);
    if (pd != NULL)
        DNNL(dnnl_primitive_desc_destroy)(pd);
    return ok;
}

/* op's packed copy of `b` for this use (sgemm for m rows, or a reorder into md), with a
 * reference for the caller; NULL when there is none yet. Copies of op's other values (a
 * variable assigned since) are dropped on the way: they are never read again. Under g->lock. */
static gemm_packed_t *gemm_packed_find(tact_cpu_gemm_t *g, const tact_op_t *op,
                                       const tact_tensor_t *b, bool sgemm, int64_t m,
                                       const dnnl_memory_desc_t *md)
{
    gemm_packed_t **pp = &g->packed;
    while (*pp != NULL) {
        gemm_packed_t *p = *pp;
        if (p->op == op && p->src != b) {
            *pp = p->next;
            gemm_packed_unref(p);
            continue;
        }
        if (p->op == op && p->sgemm == sgemm &&
            (sgemm ? p->m == m : DNNL(dnnl_memory_desc_equal)(&p->md, md))) {
            atomic_fetch_add(&p->refs, 1);
            return p;
        }
        pp = &p->next;
    }
    return NULL;
}

/* Keep `data` (packed from b, malloc'ed) as op's copy; returns it with the caller's reference.
 * Under g->lock. */
static gemm_packed_t *gemm_packed_add(tact_cpu_gemm_t *g, const tact_op_t *op,
                                      const tact_tensor_t *b, bool sgemm, int64_t m,
                                      const dnnl_memory_desc_t *md, void *data)
{
    atomic_fetch_add(&gemm_packs, 1);
    gemm_packed_t *p = tact__malloc(sizeof *p);
    p->op = op;
    p->src = tact__tensor_ref((tact_tensor_t *) b);
    p->sgemm = sgemm;
    p->m = m;
    if (md != NULL)
        p->md = *md;
    p->data = data;
    atomic_store(&p->refs, 2);  /* the cache's and the caller's */
    p->next = g->packed;
    g->packed = p;
    return p;
}

/* op's weights `b` in prim's packed layout (gemm_packed_find, else reordered now), with a
 * reference for the caller. NULL when the reorder fails. Under g->lock. */
static gemm_packed_t *gemm_packed_get(tact_cpu_gemm_t *g, const tact_op_t *op,
                                      const tact_tensor_t *b, const gemm_prim_t *prim)
{
    gemm_packed_t *p = gemm_packed_find(g, op, b, false, 0, &prim->wei_md);
    if (p != NULL)
        return p;
    size_t size = DNNL(dnnl_memory_desc_get_size)(&prim->wei_md);
    void *data = NULL;
    if (posix_memalign(&data, 64, size ? size : 64) != 0)
        return NULL;
    if (!gemm_reorder(&prim->user_wei_md, b->data, &prim->wei_md, data)) {
        free(data);
        return NULL;
    }
    return gemm_packed_add(g, op, b, false, 0, &prim->wei_md, data);
}

/* One packed product split by rows of out (columns of the column-major product): each part
 * reads the same packed weights and runs its rows' epilogue while they are in its cache. */
typedef struct gemm_split {
    const void *packed;
    const char *trb;
    gemm_dim_t m, n, k, lda, ldb, ldc;
    const float *a;
    float *out;
    const float *bias;
    const float *res;             /* rows ldc apart, as out's */
    tact_op_kind_t act;
    atomic_bool failed;
} gemm_split_t;

static void gemm_sgemm_part(void *arg, int part, int n_parts)
{
    gemm_split_t *s = arg;
    gemm_dim_t r0 = s->n * part / n_parts, r1 = s->n * (part + 1) / n_parts, rows = r1 - r0;
    if (rows == 0)
        return;
    /* a's rows are the columns of op(b) in the column-major product: row r starts at r * ldb,
     * or at r when it is read transposed */
    const float *b = s->a + (s->trb[0] == 'T' ? r0 : r0 * s->ldb);
    float *c = s->out + r0 * s->ldc;
    const float beta = 0.0f;
    int omp = gemm_omp_enter();  /* a worker's own OpenMP team size, as the caller's */
    int rc = sgemm_api.compute("P", s->trb, &s->m, &rows, &s->k, s->packed, &s->lda, b, &s->ldb,
                               &beta, c, &s->ldc);
    gemm_omp_leave(omp);
    if (rc != 0) {
        atomic_store(&s->failed, true);
        return;
    }
    if (s->bias != NULL || s->res != NULL || s->act != TACT_OP_NOOP)
        tact__cpu_bias_act_f32(c, rows, s->m, s->bias, s->res != NULL ? s->res + r0 * s->ldc : NULL,
                               s->ldc, s->act);
}

/* How many parts a packed product of out[n, m] (k deep) runs in: one per core OpenBLAS may
 * use, when each part gets at least GEMM_SPLIT_MIN_ROWS rows and the product is big enough
 * that a second core pays for waking it (GEMM_SPLIT_MIN_MACS multiply-adds: some 20 us). */
#define GEMM_SPLIT_MIN_ROWS 4
#define GEMM_SPLIT_MIN_MACS (1 << 18)
static int gemm_split_parts(gemm_dim_t m, gemm_dim_t n, gemm_dim_t k)
{
    if ((double) m * (double) n * (double) k < GEMM_SPLIT_MIN_MACS)
        return 1;
    int64_t parts = n / GEMM_SPLIT_MIN_ROWS, width = tact__cpu_intra_width();
    parts = parts < width ? parts : width;
    return parts < 1 ? 1 : (int) parts;
}

/* Row-major out[m, n] = op(a) op(b) as column-major out^T = op(b)^T op(a)^T, b packed once
 * per (op, value, m). false when the API is missing or refuses. */
static bool gemm_sgemm_packed(tact_cpu_gemm_t *g, const gemm_problem_t *pr)
{
    if (sgemm_api.compute == NULL)
        return false;
    gemm_dim_t m = pr->n, n = pr->m, k = pr->k;
    gemm_dim_t lda = pr->ldb, ldb = pr->lda, ldc = m;
    const char *tra = pr->tb ? "T" : "N", *trb = pr->ta ? "T" : "N";
    pthread_mutex_lock(&g->lock);
    gemm_packed_t *p = gemm_packed_find(g, pr->op, pr->b, true, n, NULL);
    if (p == NULL) {
        size_t size = 0;
        bool pack = false;
        void *data = NULL;
        if (sgemm_api.get_size("A", tra, trb, &m, &n, &k, &lda, &ldb, &size, &pack) == 0 &&
            posix_memalign(&data, 64, size ? size : 64) == 0) {
            if (sgemm_api.pack("A", tra, trb, &m, &n, &k, &lda, &ldb, pr->b->data, data) == 0)
                p = gemm_packed_add(g, pr->op, pr->b, true, n, NULL, data);
            else
                free(data);
        }
    }
    pthread_mutex_unlock(&g->lock);
    if (p == NULL)
        return false;
    gemm_split_t split = { .packed = p->data, .trb = trb, .m = m, .n = n, .k = k, .lda = lda,
                           .ldb = ldb, .ldc = ldc, .a = pr->a, .out = pr->out, .bias = pr->bias,
                           .res = pr->res, .act = pr->act, .failed = false };
    tact__cpu_intra_run(gemm_split_parts(m, n, k), gemm_sgemm_part, &split);
    gemm_packed_unref(p);
    return !atomic_load(&split.failed);
}

/* false: oneDNN did not take this problem; the caller runs OpenBLAS instead. AUTO offers it
 * weights that stay (b_stable) only, through the matmul primitive where that packs them into a
 * blocked layout (its brgemm kernels, AVX-512 and up), else through the packed sgemm: where
 * the primitive keeps b's plain layout (gemm:jit, AVX2) it repacks b on every call as OpenBLAS
 * does, 0.72 x OpenBLAS at the MLP's batch 64 (bench/README.md). ONEDNN and ONEDNN_SGEMM
 * (tests) force one way for every problem it can take. */
static bool gemm_onednn(tact_cpu_gemm_t *g, const gemm_problem_t *pr, bool b_stable,
                        tact_cpu_gemm_lib_t mode)
{
    if (pr->m == 0 || pr->n == 0 || pr->k == 0)
        return false;  /* OpenBLAS' path handles empty shapes */
    if (mode == TACT_CPU_GEMM_ONEDNN_SGEMM)
        return b_stable && gemm_sgemm_packed(g, pr);
    bool always = mode == TACT_CPU_GEMM_ONEDNN;
    if (!always && !b_stable)
        return false;
    /* Below AVX-512 its matmul never packs into blocks: no primitive (its JIT costs) to ask. */
    if (!always && !dnnl.blocking_isa)
        return gemm_sgemm_packed(g, pr);
    /* The primitive's descriptors are of contiguous matrices. */
    TACT_ASSERT(pr->lda == (pr->ta ? pr->m : pr->k) && pr->ldb == (pr->tb ? pr->k : pr->n));
    bool owned;
    gemm_packed_t *packed = NULL;
    /* a residual comes before the activation: both after the primitive */
    tact_op_kind_t post = gemm_post_op_act(pr->act) && pr->res == NULL ? pr->act : TACT_OP_NOOP;
    pthread_mutex_lock(&g->lock);
    gemm_prim_t *prim = gemm_prim_get(g, pr->m, pr->k, pr->n, pr->ta, pr->tb, b_stable,
                                      pr->bias != NULL, post, &owned);
    bool plain = prim != NULL && !always && !prim->blocked;
    if (plain && owned)
        gemm_prim_free(prim);
    if (plain)
        prim = NULL;
    if (prim != NULL && b_stable)
        packed = gemm_packed_get(g, pr->op, pr->b, prim);
    pthread_mutex_unlock(&g->lock);
    if (plain)
        return gemm_sgemm_packed(g, pr);
    if (prim == NULL || (b_stable && packed == NULL)) {
        if (prim != NULL && owned)
            gemm_prim_free(prim);
        return false;
    }
    dnnl_memory_t ms = NULL, mw = NULL, mb = NULL, md = NULL;
    dnnl_stream_t s = NULL;
    bool ok =
        DNNL(dnnl_memory_create)(&ms, &prim->src_md, dnnl.engine, (void *) pr->a) ==
            dnnl_success &&
        DNNL(dnnl_memory_create)(&mw, &prim->wei_md, dnnl.engine,
                                 packed != NULL ? packed->data : pr->b->data) == dnnl_success &&
        (pr->bias == NULL || DNNL(dnnl_memory_create)(&mb, &prim->bias_md, dnnl.engine,
                                                      (void *) pr->bias) == dnnl_success) &&
        DNNL(dnnl_memory_create)(&md, &prim->dst_md, dnnl.engine, pr->out) == dnnl_success &&
        DNNL(dnnl_stream_create)(&s, dnnl.engine, dnnl_stream_default_flags) == dnnl_success;
    if (ok) {
        dnnl_exec_arg_t args[4] = { { DNNL_ARG_SRC, ms }, { DNNL_ARG_WEIGHTS, mw },
                                    { DNNL_ARG_DST, md }, { DNNL_ARG_BIAS, mb } };
        ok = DNNL(dnnl_primitive_execute)(prim->prim, s, pr->bias != NULL ? 4 : 3, args) ==
                 dnnl_success &&
             DNNL(dnnl_stream_wait)(s) == dnnl_success;
    }
    if (s != NULL)
        DNNL(dnnl_stream_destroy)(s);
    dnnl_memory_t mems[4] = { ms, mw, mb, md };
    for (int i = 0; i < 4; i++) {
        if (mems[i] != NULL)
            DNNL(dnnl_memory_destroy)(mems[i]);
    }
    gemm_packed_unref(packed);
    if (owned)
        gemm_prim_free(prim);
    if (ok && (post != pr->act || pr->res != NULL))
        tact__cpu_bias_act_f32(pr->out, pr->m, pr->n, NULL, pr->res, pr->n,
                               post != pr->act ? pr->act : TACT_OP_NOOP);
    return ok;
}

/* Whether AUTO gives out[m, n] (k deep) to oneDNN's packed sgemm without timing it: a batch of
 * GEMM_PREFER_SPLIT_ROWS rows or fewer against stable weights (a dense layer), split over every
 * core OpenBLAS may use, below AVX-512 (where the packed sgemm, not the matmul primitive, takes
 * such weights). There the split always won when it ran (the MLP's batch 64: 1.2-1.35 x raw
 * OpenBLAS, forced, in every run), but timing the first calls of each way chose OpenBLAS in
 * about half of the runs: OpenBLAS' threads keep polling after its calls, so whichever way ran
 * beside them lost (bench/README.md). Taller products (a square N = 1024: the split at 0.57 x)
 * are still timed. */
#define GEMM_PREFER_SPLIT_ROWS 128
static bool gemm_prefer_split(int64_t m, int64_t n, int64_t k)
{
    int width = tact__cpu_intra_width();
    return m <= GEMM_PREFER_SPLIT_ROWS && sgemm_api.compute != NULL && !dnnl.blocking_isa &&
           width > 1 && gemm_split_parts(n, m, k) == width;
}

/* AUTO: which way runs this call (0 OpenBLAS, 1 oneDNN), and the shape's record while it is
 * still being timed (NULL once decided, or when no record could be kept). */
static int gemm_choose(tact_cpu_gemm_t *g, const gemm_problem_t *pr, gemm_choice_t **timing)
{
    bool ta = pr->ta, tb = pr->tb;
    int64_t m = pr->m, n = pr->n, k = pr->k;
    *timing = NULL;
    pthread_mutex_lock(&g->lock);
    gemm_choice_t *c = g->choices;
    while (c != NULL && !(c->m == m && c->k == k && c->n == n && c->ta == ta && c->tb == tb))
        c = c->next;
    if (c == NULL && g->n_choices < GEMM_MAX_PRIMS) {
        c = tact__malloc(sizeof *c);
        *c = (gemm_choice_t) { .m = m, .k = k, .n = n, .ta = ta, .tb = tb, .pick = -1,
                               .best_ns = { INT64_MAX, INT64_MAX }, .next = g->choices };
        g->choices = c;
        g->n_choices++;
    }
    int way = 0;
    if (c != NULL && c->pick < 0 && gemm_prefer_split(m, n, k)) {
        c->pick = 1;
        way = 1;
    } else if (c != NULL && c->pick >= 0) {
        way = c->pick;
    } else if (c != NULL) {
        way = c->trials[1] < c->trials[0];  /* alternate, oneDNN second */
        *timing = c;
    }
    pthread_mutex_unlock(&g->lock);
    return way;
}

static void gemm_record(tact_cpu_gemm_t *g, gemm_choice_t *c, int way, int64_t ns)
{
    pthread_mutex_lock(&g->lock);
    if (c->pick < 0) {
        c->trials[way]++;
        c->best_ns[way] = ns < c->best_ns[way] ? ns : c->best_ns[way];
        if (c->trials[0] >= GEMM_TRIALS && c->trials[1] >= GEMM_TRIALS)
            c->pick = c->best_ns[1] < c->best_ns[0];
    }
    pthread_mutex_unlock(&g->lock);
}
#else  /* no oneDNN at build time */
struct tact_cpu_gemm {
    int unused;
};
#endif

/* ------------------------------------------------------------------------------------------ */

tact_cpu_gemm_lib_t tact__cpu_gemm_lib(void)
{
    int lib = atomic_load(&gemm_lib);
    if (lib >= 0)
        return (tact_cpu_gemm_lib_t) lib;
    lib = TACT_CPU_GEMM_OPENBLAS;
#ifdef TACT_WITH_ONEDNN
    const char *env = getenv("TACT_CPU_GEMM");
    if (env == NULL || strcmp(env, "openblas") != 0) {
        pthread_once(&gemm_dnnl_once, gemm_dnnl_load);
        if (gemm_dnnl_ok)
            lib = env == NULL                      ? TACT_CPU_GEMM_AUTO
                  : strcmp(env, "onednn") == 0       ? TACT_CPU_GEMM_ONEDNN
                  : strcmp(env, "onednn_sgemm") == 0 ? TACT_CPU_GEMM_ONEDNN_SGEMM
                                                     : TACT_CPU_GEMM_AUTO;
    }
#endif
    int expected = -1;
    atomic_compare_exchange_strong(&gemm_lib, &expected, lib);
    return (tact_cpu_gemm_lib_t) atomic_load(&gemm_lib);
}

tact_cpu_gemm_lib_t tact__cpu_gemm_set_lib(tact_cpu_gemm_lib_t lib)
{
    tact_cpu_gemm_lib_t old = tact__cpu_gemm_lib();
#ifdef TACT_WITH_ONEDNN
    if (lib != TACT_CPU_GEMM_OPENBLAS) {
        pthread_once(&gemm_dnnl_once, gemm_dnnl_load);
        if (!gemm_dnnl_ok || (lib == TACT_CPU_GEMM_ONEDNN_SGEMM && sgemm_api.compute == NULL))
            lib = TACT_CPU_GEMM_OPENBLAS;
    }
#else
    lib = TACT_CPU_GEMM_OPENBLAS;
#endif
    atomic_store(&gemm_lib, (int) lib);
    return old;
}

tact_cpu_gemm_t *tact__cpu_gemm_new(void)
{
    tact_cpu_gemm_t *g = tact__malloc(sizeof *g);
#ifdef TACT_WITH_ONEDNN
    pthread_mutex_init(&g->lock, NULL);
#endif
    return g;
}

void tact__cpu_gemm_destroy(tact_cpu_gemm_t **g_p)
{
    if (g_p == NULL || *g_p == NULL)
        return;
    tact_cpu_gemm_t *g = *g_p;
#ifdef TACT_WITH_ONEDNN
    while (g->prims != NULL) {
        gemm_prim_t *p = g->prims;
        g->prims = p->next;
        gemm_prim_free(p);
    }
    while (g->choices != NULL) {
        gemm_choice_t *c = g->choices;
        g->choices = c->next;
        free(c);
    }
    while (g->packed != NULL) {
        gemm_packed_t *p = g->packed;
        g->packed = p->next;
        gemm_packed_unref(p);
    }
    pthread_mutex_destroy(&g->lock);
#endif
    free(g);
    *g_p = NULL;
}

/* One product on the library chosen (gemm.h's tact_cpu_gemm_lib_t). */
static tact_code_t gemm_run(tact_cpu_gemm_t *g, const gemm_problem_t *pr, bool b_stable,
                            tact_status_t *st)
{
#ifdef TACT_WITH_ONEDNN
    tact_cpu_gemm_lib_t lib = tact__cpu_gemm_lib();
    gemm_choice_t *timing = NULL;
    int way = 1;
    if (lib == TACT_CPU_GEMM_AUTO && b_stable)
        way = gemm_choose(g, pr, &timing);
    int64_t t0 = timing != NULL ? tact__now_ns() : 0;
    if (lib != TACT_CPU_GEMM_OPENBLAS && way == 1) {
        int omp = gemm_omp_enter();
        bool done = gemm_onednn(g, pr, b_stable, lib);
        gemm_omp_leave(omp);
        if (done) {
            if (timing != NULL) {
                gemm_record(g, timing, 1, tact__now_ns() - t0);
                tact__cpu_intra_park();  /* the next trial may be OpenBLAS': all cores */
            }
            return TACT_CODE_OK;
        }
        if (timing != NULL)  /* oneDNN did not take it: a trial that never wins */
            gemm_record(g, timing, 1, INT64_MAX);
        way = 0;
        t0 = timing != NULL ? tact__now_ns() : 0;
    }
    if (timing != NULL) {
        tact_code_t rc = gemm_openblas(pr, st);
        gemm_record(g, timing, way, tact__now_ns() - t0);
        return rc;
    }
#else
    TACT_UNUSED(g);
    TACT_UNUSED(b_stable);
#endif
    return gemm_openblas(pr, st);
}

tact_code_t tact__cpu_gemm(tact_cpu_gemm_t *g, const tact_op_t *mm, const tact_tensor_t *a,
                           const tact_tensor_t *b, bool b_stable, const tact_tensor_t *bias,
                           tact_op_kind_t act, tact_tensor_t *out, tact_status_t *st)
{
    TACT_ASSERT(a->dtype == TACT_DTYPE_F32 && b->dtype == TACT_DTYPE_F32 &&
                out->dtype == TACT_DTYPE_F32 && out->ndims == 2);
    bool ta = mm->attrs.transpose_a, tb = mm->attrs.transpose_b;
    gemm_problem_t pr = {
        .op = mm, .m = out->dims[0], .k = ta ? a->dims[0] : a->dims[1], .n = out->dims[1],
        .ta = ta, .tb = tb, .a = a->data, .lda = a->dims[1], .b = b, .ldb = b->dims[1],
        .out = out->data, .bias = bias != NULL ? (const float *) bias->data : NULL, .act = act,
        .mm_a = a, .mm_out = out,
    };
    return gemm_run(g, &pr, b_stable, st);
}

tact_code_t tact__cpu_gemm_conv(tact_cpu_gemm_t *g, const tact_op_t *conv, const float *x,
                                int64_t m, int64_t k, int64_t ldx, const tact_tensor_t *w,
                                bool w_stable, const float *bias, const float *res,
                                tact_op_kind_t act, float *y, tact_status_t *st)
{
    TACT_ASSERT(w->dtype == TACT_DTYPE_F32 && w->ndims == 4 && m <= INT_MAX && k <= INT_MAX &&
                w->dims[3] <= INT_MAX && ldx <= INT_MAX);
    gemm_problem_t pr = {
        .op = conv, .m = m, .k = k, .n = w->dims[3], .a = x, .lda = ldx, .b = w,
        .ldb = w->dims[3], .out = y, .bias = bias, .res = res, .act = act,
    };
    return gemm_run(g, &pr, w_stable, st);
}
