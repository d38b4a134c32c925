/* SPDX-License-Identifier: MIT */
/* The CPU device: host memory, kernels from kernels.c (OpenBLAS for matmul), and the node
 * loop that runs a fragment. Its run() is re-entrant, so a client thread may run a fragment
 * itself as a temporary member of the device's pool. Not for placement or threads: the
 * scheduler and the device actors do those. */
#include "devices/cpu/cpu.h"
#include "devices/cpu/gemm.h"
#include "devices/cpu/kernels.h"
#include "devices/cpu/kernels/family.h"
#include "devices/cpu/topology.h"
#include "runtime/base/log.h"
#include "runtime/state/resources.h"
#include "devices/trace.h"

#include <cblas.h>
/* OpenBLAS' pthreads build (Debian's libopenblas0-pthread) starts its worker threads when it
 * is loaded, before main, with no signal blocked; a process-directed SIGTERM can then land on
 * one of them and kill a server that blocks it and waits in sigwait. Its server's own entry
 * points restart them: weak, so another BLAS build (OpenMP) simply lacks them. */
extern int blas_thread_shutdown_(void) __attribute__((weak));
extern int blas_thread_init(void) __attribute__((weak));

/* Run `fn` with every signal blocked on this thread, so threads it starts inherit that mask. */
static void cpu_with_signals_blocked(void (*fn)(void *), void *arg)
{
    sigset_t all, old;
    sigfillset(&all);
    pthread_sigmask(SIG_SETMASK, &all, &old);
    fn(arg);
    pthread_sigmask(SIG_SETMASK, &old, NULL);
}

static void cpu_blas_restart(void *arg)
{
    TACT_UNUSED(arg);
    blas_thread_shutdown_();
    blas_thread_init();
}

static pthread_once_t cpu_blas_once = PTHREAD_ONCE_INIT;

static void cpu_blas_block_signals(void)
{
    if (blas_thread_shutdown_ != NULL && blas_thread_init != NULL)
        cpu_with_signals_blocked(cpu_blas_restart, NULL);
}

int tact__cpu_core_count(void)
{
    return tact__topology_cores();
}

static void cpu_blas_set_threads(void *arg)
{
    openblas_set_num_threads(*(const int *) arg);
}

int tact__cpu_set_blas_threads(int n)
{
    TACT_ASSERT(n > 0);
    /* The first request wins, as TensorFlow 1.x's process-wide intra-op pool does: changing
     * OpenBLAS' count under another session's running sgemm is not safe, and its
     * openblas_set_num_threads_local is process-wide in pthreads builds (absent in 0.3.21). */
    static atomic_int fixed;
    int in_force = 0;
    if (!atomic_compare_exchange_strong(&fixed, &in_force, n))
        return in_force;
    pthread_once(&cpu_blas_once, cpu_blas_block_signals);
    cpu_with_signals_blocked(cpu_blas_set_threads, &n);  /* new workers block signals too */
    return n;
}

int tact__cpu_blas_threads(void)
{
    return openblas_get_num_threads();
}

static int cpu_count(void)
{
    return 1;
}

/* The device's context: its cores, and their PUs for binding (NULL without hwloc). */
typedef struct cpu_ctx {
    tact_core_range_t cores;
    hwloc_bitmap_t cpuset;
    tact_cpu_gemm_t *gemm;        /* the session's packed weights on this device (gemm.c) */
} cpu_ctx_t;

static tact_code_t cpu_open(tact_device_t *dev, tact_status_t *st)
{
    if (tact__failed(st))
        return st->code;
    /* The first CPU device restarts OpenBLAS' workers with every signal blocked, before any
     * tact run can be using them. */
    pthread_once(&cpu_blas_once, cpu_blas_block_signals);
    cpu_ctx_t *ctx = tact__malloc(sizeof *ctx);
    int n = dev->kind_count > 0 ? dev->kind_count : 1;
    ctx->cores = tact__topology_device_cores(dev->ordinal < n ? dev->ordinal : 0, n);
    ctx->cpuset = tact__topology_cpuset(ctx->cores);
    ctx->gemm = tact__cpu_gemm_new();
    tact__cpu_gemm_lib();  /* loads oneDNN now, not inside a first step's deadline */
    dev->ctx = ctx;
    return TACT_CODE_OK;
}

static void cpu_close(tact_device_t *dev)
{
    cpu_ctx_t *ctx = dev->ctx;
    if (ctx == NULL)
        return;
    if (ctx->cpuset != NULL)
        hwloc_bitmap_free(ctx->cpuset);
    tact__cpu_gemm_destroy(&ctx->gemm);
    free(ctx);
    dev->ctx = NULL;
}

/* Binding fails in some containers and restricted cpusets: warn once per process, run unbound. */
static atomic_bool cpu_bind_warned;

static tact_code_t cpu_bind_thread(tact_device_t *dev, tact_status_t *st)
{
    const cpu_ctx_t *ctx = dev->ctx;
    if (ctx == NULL || ctx->cpuset == NULL)  /* no hwloc: nothing to bind to */
        return tact__failed(st) ? st->code : TACT_CODE_OK;
    int err = tact__topology_bind_thread(ctx->cpuset);
    if (err != 0 && !atomic_exchange(&cpu_bind_warned, true))
        tact__log(TACT_LOG_WARNING,
                  "%s: cannot bind actor threads to cores %d-%d (%s); running unbound",
                  dev->name, ctx->cores.first, ctx->cores.first + ctx->cores.count - 1,
                  strerror(err));
    return tact__failed(st) ? st->code : TACT_CODE_OK;
}

static bool cpu_supports(const tact_device_t *dev, const tact_op_t *op)
{
    TACT_UNUSED(dev);
    const tact_cpu_op_kernel_t *fk = tact__cpu_op_kernel(op->kind);
    if (fk != NULL)  /* a family op's (kernels/family.h) */
        return fk->supports == NULL || fk->supports(op);
    return op->kind == TACT_OP_CONST || op->kind == TACT_OP_PLACEHOLDER ||
           tact__cpu_kernel_supports(op);
}

/* TensorFlow ends a kernel's message with the node it ran. */
static tact_code_t cpu_fail_node(tact_status_t *st, const tact_op_t *op)
{
    tact__status_append(st, "\n\t [[{{node %s}}]]", op->name);
    return st->code;
}

static tact_code_t cpu_uninitialized(const tact_op_t *var, const tact_op_t *op,
                                     tact_status_t *st)
{
    tact__fail(st, TACT_CODE_FAILED_PRECONDITION, "Attempting to use uninitialized value %s",
               var->name);
    return cpu_fail_node(st, op);
}

/* Whether `op` is run as an element-wise Add, Sub, Mul, RealDiv or Div of two inputs of one
 * dtype and one shape, that dtype being the op's own output dtype: its output then has that
 * dtype and shape, which is what tact__op_infer would answer (broadcasting equal shapes gives
 * the shape, and the dtype passed the op's check when the graph was built), read from the
 * inputs in place. The common small-op case skips copying shapes and the general inference. */
/* Whether x and y are of op's output dtype and one shape, and op no BiasAdd (which has rank
 * checks of its own). */
static inline bool cpu_same_operands(const tact_op_t *op, const tact_tensor_t *x,
                                     const tact_tensor_t *y)
{
    if (op->attrs.bias_add || x->dtype != y->dtype || x->dtype != op->out_dtype[0] ||
        x->ndims != y->ndims)
        return false;
    for (int i = 0; i < x->ndims; i++) {
        if (x->dims[i] != y->dims[i])
            return false;
    }
    return true;
}

static bool cpu_same_shape_binary(const tact_op_t *op, tact_op_kind_t kind,
                                  const tact_tensor_t *const *in, int n_in)
{
    if (n_in != 2 || kind != op->kind ||
        !(kind == TACT_OP_ADD || kind == TACT_OP_SUB || kind == TACT_OP_MUL ||
          kind == TACT_OP_REALDIV || kind == TACT_OP_DIV))
        return false;
    return cpu_same_operands(op, in[0], in[1]);
}

/* The output of `op` (run as `kind`'s kernel) for these inputs, on `dev`, charged to the
 * step's host memory limit, from the pinned pool when `pinned` (a GPU copies it in); NULL with
 * `st` filled when there is no kernel, the inputs do not fit, or the memory is refused. */
static tact_tensor_t *cpu_output(const tact_device_t *dev, const tact_step_t *step,
                                 const tact_op_t *op, tact_op_kind_t kind,
                                 const tact_tensor_t *const *in, int n_in, bool pinned,
                                 tact_status_t *st)
{
    if (tact__cpu_kernel(kind) == NULL) {
        tact__fail(st, TACT_CODE_UNIMPLEMENTED, "CPU: no kernel for %s", tact__op_kind_type(kind));
        return NULL;
    }
    if (cpu_same_shape_binary(op, kind, in, n_in)) {
        const tact_tensor_t *x = in[0];
        if (pinned && tact_dtype_size(x->dtype) > 0)
            return tact__tensor_try_alloc_pinned(x->dtype, x->dims, x->ndims, step->host_limit,
                                                 dev->name, st);
        return tact__tensor_try_alloc(x->dtype, x->dims, x->ndims, step->host_limit, dev->name,
                                      st);
    }
    tact_dtype_t in_dtypes[8], dtype;
    tact_shape_t in_shapes[8], shape;
    for (int i = 0; i < n_in; i++) {
        in_dtypes[i] = in[i]->dtype;
        in_shapes[i] = tact__tensor_shape(in[i]);
    }
    if (tact__op_infer(kind, &op->attrs, op->name, n_in, in_dtypes, in_shapes, TACT_INFER_RUN,
                       &dtype, &shape, st) != TACT_CODE_OK)
        return NULL;
    if (pinned && tact_dtype_size(dtype) > 0)
        return tact__tensor_try_alloc_pinned(dtype, shape.dims, shape.ndims, step->host_limit,
                                             dev->name, st);
    return tact__tensor_try_alloc(dtype, shape.dims, shape.ndims, step->host_limit, dev->name, st);
}

/* Run `kind`'s kernel for `op` into `out`; frees it and returns NULL when the kernel fails. */
static tact_tensor_t *cpu_kernel_into(const tact_op_t *op, tact_op_kind_t kind,
                                      const tact_tensor_t *const *in, tact_tensor_t *out,
                                      tact_status_t *st)
{
    const tact_op_t *kop = op;
    tact_op_t as_kind;
    if (kind != op->kind) {  /* AssignAdd runs Add's kernel */
        as_kind = *op;
        as_kind.kind = kind;
        kop = &as_kind;
    }
    if (tact__cpu_kernel(kind)(kop, in, out, st) != TACT_CODE_OK)
        tact_tensor_destroy(&out);
    return out;
}

/* Allocate the output of `op` for these inputs (pinned: see cpu_output) and run `kind`'s
 * kernel into it. */
static tact_tensor_t *cpu_compute(const tact_device_t *dev, const tact_step_t *step,
                                  const tact_op_t *op, tact_op_kind_t kind,
                                  const tact_tensor_t *const *in, int n_in, bool pinned,
                                  tact_status_t *st)
{
    tact_tensor_t *out = cpu_output(dev, step, op, kind, in, n_in, pinned, st);
    return out != NULL ? cpu_kernel_into(op, kind, in, out, st) : NULL;
}

/* Assign, AssignAdd, AssignSub: a new value replaces the variable's (copy on write), and is
 * the node's output too. */
static tact_code_t cpu_assign(const tact_device_t *dev, const tact_node_t *node,
                              const tact_tensor_t *const *in, tact_step_t *step,
                              tact_status_t *st)
{
    const tact_op_t *op = node->op, *var = op->inputs[0].op;
    tact_tensor_t *value = NULL;
    if (op->kind == TACT_OP_ASSIGN) {
        tact_shape_t vs = tact__tensor_shape(in[1]);
        tact_dtype_t dtype;
        tact_shape_t shape;
        if (tact__op_infer(op->kind, &op->attrs, op->name, 2,
                           (tact_dtype_t[]) { var->attrs.dtype, in[1]->dtype },
                           (tact_shape_t[]) { var->attrs.shape, vs }, TACT_INFER_RUN, &dtype,
                           &shape, st) != TACT_CODE_OK)
            return cpu_fail_node(st, op);
        value = tact__tensor_try_clone(in[1], step->host_limit, dev->name, st);
        if (value == NULL)
            return cpu_fail_node(st, op);
        tact__resources_write(step->resources, var, tact__tensor_ref(value));
    } else {
        tact_tensor_t *old = tact__resources_begin_update(step->resources, var);
        if (old != NULL && tact__resources_check_update(old, in[1], st) == TACT_CODE_OK) {
            const tact_tensor_t *args[2] = { old, in[1] };
            tact_op_kind_t kind = op->kind == TACT_OP_ASSIGN_ADD ? TACT_OP_ADD : TACT_OP_SUB;
            value = cpu_compute(dev, step, op, kind, args, 2, false, st);
        }
        tact__resources_end_update(step->resources, var, value ? tact__tensor_ref(value) : NULL);
        if (old == NULL)
            return cpu_uninitialized(var, op, st);
        if (value == NULL)
            return cpu_fail_node(st, op);
    }
    step->values[node->out_slot] = (tact_value_t) { value, true };
    return TACT_CODE_OK;
}

/* Reshape of a fixed-size dtype: a view of its input's bytes, no copy (TensorFlow aliases
 * the buffer too); the shape is checked as the kernel would. */
static tact_code_t cpu_reshape(const tact_node_t *node, const tact_tensor_t *const *in,
                               tact_step_t *step, tact_status_t *st)
{
    const tact_op_t *op = node->op;
    tact_dtype_t in_dtypes[2], dtype;
    tact_shape_t in_shapes[2], shape;
    TACT_ASSERT(node->n_in <= 2);
    for (int i = 0; i < node->n_in; i++) {
        in_dtypes[i] = in[i]->dtype;
        in_shapes[i] = tact__tensor_shape(in[i]);
    }
    if (tact__op_infer(op->kind, &op->attrs, op->name, node->n_in, in_dtypes, in_shapes,
                       TACT_INFER_RUN, &dtype, &shape, st) != TACT_CODE_OK)
        return cpu_fail_node(st, op);
    step->values[node->out_slot] = (tact_value_t) {
        tact__tensor_reshaped((tact_tensor_t *) in[0], shape.dims, shape.ndims), true };
    return TACT_CODE_OK;
}

/* A random op: this session's position in the op's stream moves on by what TensorFlow reserves
 * per run (256 blocks per output element), and the kernel runs on a copy of the op that carries
 * the position and, for an op built without any seed, this session's seeds. As in TensorFlow,
 * the output is allocated first: a refused one leaves the stream where it was. */
static tact_code_t cpu_random_node(const tact_device_t *dev, const tact_node_t *node,
                                   tact_step_t *step, tact_status_t *st)
{
    const tact_op_t *op = node->op;
    TACT_ASSERT(node->out_slot >= 0);
    tact_tensor_t *out = cpu_output(dev, step, op, op->kind, NULL, 0, node->pin_out, st);
    if (out == NULL)
        return cpu_fail_node(st, op);
    tact_op_t local = *op;
    local.attrs.rng_skip =
        tact__resources_random_reserve(step->resources, op, (uint64_t) out->nelems * 256u);
    if (op->attrs.seed == 0 && op->attrs.seed2 == 0)
        tact__resources_random_seeds(step->resources, op, &local.attrs.seed, &local.attrs.seed2);
    out = cpu_kernel_into(&local, op->kind, NULL, out, st);
    if (out == NULL)
        return cpu_fail_node(st, op);
    step->values[node->out_slot] = (tact_value_t) { out, true };
    return TACT_CODE_OK;
}

/* Ops on a queue (input 0, whose handle is never a value): the queue lives in the session's
 * resources and its waits end when the step must stop. Dequeued tensors are the step's. */
static tact_code_t cpu_queue_op(const tact_device_t *dev, const tact_node_t *node,
                                const tact_tensor_t *const *in, tact_step_t *step,
                                tact_status_t *st)
{
    const tact_op_t *op = node->op;
    tact_queue_t *q = tact__resources_queue(step->resources, op->inputs[0].op);
    tact_tensor_t *out[TACT_MAX_OUTPUTS] = { NULL };
    tact_code_t rc = TACT_CODE_OK;
    switch (op->kind) {
    case TACT_OP_QUEUE_ENQUEUE:
        rc = tact__queue_enqueue(q, in + 1, &step->stop, step->host_limit, st);
        break;
    case TACT_OP_QUEUE_ENQUEUE_MANY:
        rc = tact__queue_enqueue_many(q, in + 1, &step->stop, step->host_limit, st);
        break;
    case TACT_OP_QUEUE_DEQUEUE:
        rc = tact__queue_dequeue(q, out, &step->stop, st);
        break;
    case TACT_OP_QUEUE_DEQUEUE_MANY:
        rc = tact__queue_dequeue_many(q, op->attrs.n, out, &step->stop, step->host_limit, st);
        break;
    case TACT_OP_QUEUE_SIZE:
        /* Charged like any output, so a session at its limit refuses every op alike. */
        out[0] = tact__tensor_try_alloc(TACT_DTYPE_I32, NULL, 0, step->host_limit, dev->name, st);
        if (out[0] == NULL)
            rc = st->code;
        else
            *(int32_t *) out[0]->data = (int32_t) tact__queue_size(q);
        break;
    default:
        TACT_ASSERT(op->kind == TACT_OP_QUEUE_CLOSE);
        rc = tact__queue_close(q, op->attrs.cancel_pending, st);
        break;
    }
    if (rc != TACT_CODE_OK)
        return cpu_fail_node(st, op);
    for (int k = 0; k < op->n_outputs; k++)
        step->values[node->out_slot + k] = (tact_value_t) { out[k], true };
    return TACT_CODE_OK;
}

/* ReaderRead: the next (key, value) record of the reader (input 0) from its queue of file
 * names (input 1). */
static tact_code_t cpu_reader_read(const tact_node_t *node, tact_step_t *step, tact_status_t *st)
{
    const tact_op_t *op = node->op;
    tact_reader_t *reader = tact__resources_reader(step->resources, op->inputs[0].op);
    tact_queue_t *files = tact__resources_queue(step->resources, op->inputs[1].op);
    tact_tensor_t *key = NULL, *value = NULL;
    if (tact__reader_read(reader, files, &key, &value, &step->stop, st) != TACT_CODE_OK)
        return cpu_fail_node(st, op);
    step->values[node->out_slot] = (tact_value_t) { key, true };
    step->values[node->out_slot + 1] = (tact_value_t) { value, true };
    return TACT_CODE_OK;
}

/* A family op's kernel (kernels/family.h) for `op` on its n_in inputs: outputs inferred on
 * the concrete inputs and allocated where their shapes are known, the rest made by the
 * kernel; output k goes to slot out_slot + k. stable_in and epi: the kernel context's. */
static tact_code_t cpu_family_run(const tact_device_t *dev, const tact_op_t *op, int n_in,
                                  int out_slot, const tact_cpu_op_kernel_t *fk,
                                  const tact_tensor_t *const *in, unsigned stable_in,
                                  tact_kernel_epilogue_t *epi, tact_step_t *step,
                                  tact_status_t *st)
{
    int n_out = op->n_outputs;
    size_t n_in_1 = n_in > 0 ? (size_t) n_in : 1, n_out_1 = n_out > 0 ? (size_t) n_out : 1;
    tact_dtype_t *in_dtypes = tact__malloc(n_in_1 * sizeof *in_dtypes);
    tact_shape_t *in_shapes = tact__malloc(n_in_1 * sizeof *in_shapes);
    tact_dtype_t *out_dtypes = tact__malloc(n_out_1 * sizeof *out_dtypes);
    tact_shape_t *out_shapes = tact__malloc(n_out_1 * sizeof *out_shapes);
    tact_tensor_t **out = tact__malloc(n_out_1 * sizeof *out);
    for (int i = 0; i < n_in; i++) {
        if (in[i] == NULL) {  /* a handle (tact__op_input_is_handle): its static form */
            const tact_output_t *src = &op->inputs[i];
            in_dtypes[i] = src->op->out_dtype[src->index];
            in_shapes[i] = src->op->out_shape[src->index];
            continue;
        }
        in_dtypes[i] = in[i]->dtype;
        in_shapes[i] = tact__tensor_shape(in[i]);
    }
    tact_code_t rc = tact__op_infer_values(op->kind, &op->attrs, op->name, n_in, in_dtypes,
                                           in_shapes, in, TACT_INFER_RUN, out_dtypes,
                                           out_shapes, st);
    for (int k = 0; rc == TACT_CODE_OK && k < n_out; k++) {
        if (tact__shape_nelems(&out_shapes[k]) < 0)
            continue;  /* the kernel knows it */
        out[k] = tact__tensor_try_alloc(out_dtypes[k], out_shapes[k].dims, out_shapes[k].ndims,
                                        step->host_limit, dev->name, st);
        rc = out[k] != NULL ? TACT_CODE_OK : st->code;
    }
    if (rc == TACT_CODE_OK) {
        const cpu_ctx_t *ctx = dev->ctx;  /* NULL on a device no session opened (tests) */
        tact_kernel_ctx_t k = { .op = op, .n_in = n_in, .in = in, .out = out,
                                .limit = step->host_limit, .device = dev->name,
                                .resources = step->resources,
                                .gemm = ctx != NULL ? ctx->gemm : NULL,
                                .stable_in = stable_in, .epilogue = epi };
        rc = fk->run(&k, st);
    }
    for (int k = 0; k < n_out; k++) {
        TACT_ASSERT(rc != TACT_CODE_OK || out[k] != NULL);  /* a kernel fills every output */
        if (rc == TACT_CODE_OK)
            step->values[out_slot + k] = (tact_value_t) { out[k], true };
        else
            tact_tensor_destroy(&out[k]);
    }
    free(in_dtypes);
    free(in_shapes);
    free(out_dtypes);
    free(out_shapes);
    free(out);
    return rc == TACT_CODE_OK ? rc : cpu_fail_node(st, op);
}

static bool cpu_stable(const tact_node_t *node, int i, const tact_tensor_t *const *in,
                       const tact_step_t *step);

/* The stable_in bits of a node that runs a family kernel: a float32 Conv2D's filter, which
 * the device's GEMM packs once. */
static unsigned cpu_stable_filter(const tact_node_t *node, const tact_op_t *op,
                                  const tact_tensor_t *const *in, const tact_step_t *step)
{
    if (op->kind != TACT_OP_CONV2D || in[1] == NULL || in[1]->dtype != TACT_DTYPE_F32)
        return 0;
    return cpu_stable(node, 1, in, step) ? 2u : 0u;
}

static tact_code_t cpu_family_node(const tact_device_t *dev, const tact_node_t *node,
                                   const tact_cpu_op_kernel_t *fk, const tact_tensor_t *const *in,
                                   tact_step_t *step, tact_status_t *st)
{
    return cpu_family_run(dev, node->op, node->n_in, node->out_slot, fk, in,
                          cpu_stable_filter(node, node->op, in, step), NULL, step, st);
}

static tact_code_t cpu_run_node_in(const tact_device_t *dev, const tact_node_t *node,
                                   tact_step_t *step, const tact_tensor_t **in,
                                   tact_tensor_t **held, tact_status_t *st);
static tact_code_t cpu_run_node_fresh(const tact_device_t *dev, const tact_node_t *node,
                                      tact_step_t *step, tact_status_t *st);
static tact_code_t cpu_value_inputs_node(const tact_device_t *dev, const tact_node_t *node,
                                         tact_step_t *step, const tact_tensor_t **in,
                                         tact_status_t *st);
static tact_code_t cpu_dispatch(const tact_device_t *dev, const tact_node_t *node,
                                tact_step_t *step, const tact_tensor_t **in, tact_status_t *st);

/* The node's inputs gathered on the stack, or on the heap for a SaveV2 of many tensors. */

/* The op whose output feeds node input i: a fused node reads the MatMul's operands and then
 * the bias. */
static const tact_op_t *cpu_input_op(const tact_node_t *node, int i)
{
    const tact_fusion_t *f = node->fusion;
    if (f == NULL)
        return node->op->inputs[i].op;
    return tact__fusion_input(f, i)->op;
}

/* The op that reads node input i, for messages: a fused node's head or one of its Adds. */
static const tact_op_t *cpu_reader_op(const tact_node_t *node, int i)
{
    const tact_fusion_t *f = node->fusion;
    if (f == NULL)
        return node->op;
    return i < 2 ? f->head : i == 2 ? f->bias_add : f->res_add;
}

/* Whether node input i is a value that cannot change while referenced: a constant's own
 * tensor (not a feed in its place), or a variable's value as the executor read it (values
 * are replaced whole, never written; a fed one is a borrowed user tensor). */
static bool cpu_stable(const tact_node_t *node, int i, const tact_tensor_t *const *in,
                       const tact_step_t *step)
{
    const tact_op_t *src = cpu_input_op(node, i);
    if (src->kind == TACT_OP_CONST)
        return in[i] == src->attrs.value;
    return src->kind == TACT_OP_VARIABLE && step->values[node->in_slots[i]].owned;
}

/* A float32 MatMul node: the GEMM library's path (tact__cpu_gemm). */
static tact_code_t cpu_gemm_node(const tact_device_t *dev, const tact_node_t *node,
                                 const tact_tensor_t *const *in, tact_step_t *step,
                                 tact_status_t *st)
{
    const tact_op_t *op = node->op;
    tact_tensor_t *out = cpu_output(dev, step, op, TACT_OP_MATMUL, in, 2, node->pin_out, st);
    if (out == NULL)
        return cpu_fail_node(st, op);
    const cpu_ctx_t *ctx = dev->ctx;
    if (tact__cpu_gemm(ctx->gemm, op, in[0], in[1], cpu_stable(node, 1, in, step), NULL,
                       TACT_OP_NOOP, out, st) != TACT_CODE_OK) {
        tact_tensor_destroy(&out);
        return cpu_fail_node(st, op);
    }
    step->values[node->out_slot] = (tact_value_t) { out, true };
    return TACT_CODE_OK;
}

/* Whether a fused chain's epilogue may add the bias and the residual of node inputs 2 and 3
 * to the head's output `y`: a float32 row [channels] and a float32 tensor of y's shape (each
 * when the chain has it). Others at run time (a fed tensor of another shape) take the unfused
 * path, so that their errors, or broadcasts, are the Adds'. */
static bool cpu_fused_fits(const tact_fusion_t *f, const tact_tensor_t *const *in,
                           const tact_tensor_t *y)
{
    return tact__cpu_epilogue_fits(y, f->bias_add != NULL ? in[2] : NULL,
                                   f->res_add != NULL ? in[3] : NULL);
}

/* The epilogue on the head's output y in place: bias, residual, activation in one pass. */
static void cpu_fused_epilogue(const tact_fusion_t *f, const tact_tensor_t *const *in,
                               tact_tensor_t *y)
{
    int64_t channels = y->dims[y->ndims - 1], n = y->nelems;
    if (channels > 0 && n > 0)
        tact__cpu_bias_act_f32(y->data, n / channels, channels,
                               f->bias_add != NULL ? (const float *) in[2]->data : NULL,
                               f->res_add != NULL ? (const float *) in[3]->data : NULL,
                               channels, f->act != NULL ? f->act->kind : TACT_OP_NOOP);
}

/* One Add of a fused chain unfused: `x` (taken) plus node input `other` on `add`'s sides. */
static tact_tensor_t *cpu_fused_add(const tact_device_t *dev, const tact_node_t *node,
                                    const tact_op_t *add, int side, tact_tensor_t *x,
                                    const tact_tensor_t *other, bool last, tact_step_t *step,
                                    tact_status_t *st)
{
    const tact_tensor_t *args[2];
    args[side] = other;
    args[1 - side] = x;
    tact_tensor_t *sum = cpu_compute(dev, step, add, TACT_OP_ADD, args, 2, last && node->pin_out,
                                     st);
    tact_tensor_destroy(&x);
    if (sum == NULL)
        cpu_fail_node(st, add);
    return sum;
}

/* The rest of a fused chain unfused, on the head's value `y` (taken): the Adds, then the
 * activation (Relu6's kernel is its family's), into the node's slot. */
static tact_code_t cpu_fused_tail(const tact_device_t *dev, const tact_node_t *node,
                                  tact_tensor_t *y, const tact_tensor_t *const *in,
                                  tact_step_t *step, tact_status_t *st)
{
    const tact_fusion_t *f = node->fusion;
    tact_tensor_t *sum = cpu_fused_add(dev, node, f->bias_add, f->bias_side, y, in[2],
                                       f->res_add == NULL && f->act == NULL, step, st);
    if (sum != NULL && f->res_add != NULL)
        sum = cpu_fused_add(dev, node, f->res_add, f->res_side, sum, in[3], f->act == NULL, step,
                            st);
    if (sum == NULL)
        return st->code;
    if (f->act == NULL) {
        step->values[node->out_slot] = (tact_value_t) { sum, true };
        return TACT_CODE_OK;
    }
    const tact_tensor_t *x = sum;
    const tact_cpu_op_kernel_t *fk = tact__cpu_op_kernel(f->act->kind);
    tact_code_t rc = TACT_CODE_OK;
    if (fk != NULL) {
        rc = cpu_family_run(dev, f->act, 1, node->out_slot, fk, &x, 0, NULL, step, st);
    } else {
        tact_tensor_t *out = cpu_compute(dev, step, f->act, f->act->kind, &x, 1, node->pin_out,
                                         st);
        if (out == NULL)
            rc = cpu_fail_node(st, f->act);
        else
            step->values[node->out_slot] = (tact_value_t) { out, true };
    }
    tact_tensor_destroy(&sum);
    return rc;
}

/* A fused Conv2D chain: the convolution's kernel applies the bias, residual and activation
 * to the rows it computes (its GEMM's parts, while they are in cache) when they fit its
 * output (tact__cpu_epilogue_fits); otherwise the Adds and the activation follow unfused. */
static tact_code_t cpu_fused_conv(const tact_device_t *dev, const tact_node_t *node,
                                  const tact_tensor_t *const *in, tact_step_t *step,
                                  tact_status_t *st)
{
    const tact_fusion_t *f = node->fusion;
    tact_kernel_epilogue_t epi = {
        .bias = f->bias_add != NULL ? in[2] : NULL,
        .res = f->res_add != NULL ? in[3] : NULL,
        .act = f->act != NULL ? f->act->kind : TACT_OP_NOOP,
    };
    tact_code_t rc = cpu_family_run(dev, f->head, 2, node->out_slot,
                                    tact__cpu_op_kernel(f->head->kind), in,
                                    cpu_stable_filter(node, f->head, in, step), &epi, step,
                                    st);
    if (rc != TACT_CODE_OK || epi.applied)
        return rc;
    tact_tensor_t *y = step->values[node->out_slot].tensor;
    step->values[node->out_slot] = (tact_value_t) { NULL, false };
    return cpu_fused_tail(dev, node, y, in, step, st);
}

/* A fused chain (plan.c): act(MatMul(a, b) + bias (+ residual)) in one output; without a
 * residual the GEMM applies the epilogue to its rows while they are in cache. */
static tact_code_t cpu_fused(const tact_device_t *dev, const tact_node_t *node,
                             const tact_tensor_t *const *in, tact_step_t *step, tact_status_t *st)
{
    const tact_fusion_t *f = node->fusion;
    if (f->head->kind != TACT_OP_MATMUL)
        return cpu_fused_conv(dev, node, in, step, st);
    tact_tensor_t *out = cpu_output(dev, step, f->head, TACT_OP_MATMUL, in, 2, node->pin_out,
                                    st);
    if (out == NULL)
        return cpu_fail_node(st, f->head);
    /* The GEMM applies the epilogue itself when it is only a bias and an activation;
     * otherwise it computes the MatMul alone, as the unfused node would. */
    bool fits = cpu_fused_fits(f, in, out), in_gemm = fits && f->res_add == NULL;
    const cpu_ctx_t *ctx = dev->ctx;
    if (tact__cpu_gemm(ctx->gemm, f->head, in[0], in[1], cpu_stable(node, 1, in, step),
                       in_gemm && f->bias_add != NULL ? in[2] : NULL,
                       in_gemm && f->act != NULL ? f->act->kind : TACT_OP_NOOP, out,
                       st) != TACT_CODE_OK) {
        tact_tensor_destroy(&out);
        return cpu_fail_node(st, f->head);
    }
    if (!fits) {
        TACT_ASSERT(f->bias_add != NULL);  /* without one, nothing can misfit */
        return cpu_fused_tail(dev, node, out, in, step, st);
    }
    if (!in_gemm)
        cpu_fused_epilogue(f, in, out);
    step->values[node->out_slot] = (tact_value_t) { out, true };
    return TACT_CODE_OK;
}

/* Not a node for cpu_flat_binary. */
#define CPU_NOT_FLAT (-1)

/* An element-wise Add, Sub, Mul or RealDiv of two inputs of one dtype and one shape, the
 * common small op: its output allocated from the first input's shape and the kernel's flat
 * loop called directly, past the general gathering and dispatch. It computes what
 * cpu_dispatch would (cpu_output's equal-shape case, then cpu_binary's flat loop) with the
 * same errors. CPU_NOT_FLAT for any other node, which takes the general path. */
static int cpu_flat_binary(const tact_device_t *dev, const tact_node_t *node, tact_step_t *step,
                           tact_status_t *st)
{
    const tact_op_t *op = node->op;
    tact_op_kind_t kind = op->kind;
    if ((kind != TACT_OP_ADD && kind != TACT_OP_SUB && kind != TACT_OP_MUL &&
         kind != TACT_OP_REALDIV) ||
        node->n_in != 2 || node->fusion != NULL || node->fresh_inputs != 0 ||
        op->attrs.value_inputs)
        return CPU_NOT_FLAT;
    tact_value_t *values = step->values;
    const tact_tensor_t *x = values[node->in_slots[0]].tensor;
    const tact_tensor_t *y = values[node->in_slots[1]].tensor;
    if (x == NULL || y == NULL || !cpu_same_operands(op, x, y))  /* the kind and count known */
        return CPU_NOT_FLAT;
    tact_cpu_flat2_fn loop = tact__cpu_binary_flat(kind, x->dtype);
    if (loop == NULL)
        return CPU_NOT_FLAT;
    tact_tensor_t *out = tact__tensor_try_alloc_like(x, node->pin_out, step->host_limit,
                                                     dev->name, st);
    if (out == NULL)
        return cpu_fail_node(st, op);
    if (out->nelems > 0)
        loop(x->data, y->data, out->data, out->nelems);
    values[node->out_slot] = (tact_value_t) { out, true };
    return TACT_CODE_OK;
}

static tact_code_t cpu_run_node(const tact_device_t *dev, const tact_node_t *node,
                                tact_step_t *step, tact_status_t *st)
{
    const tact_tensor_t *local[TACT_MAX_OUTPUTS + 1];
    int flat = cpu_flat_binary(dev, node, step, st);
    if (flat != CPU_NOT_FLAT)
        return (tact_code_t) flat;
    if (node->fresh_inputs != 0)
        return cpu_run_node_fresh(dev, node, step, st);
    if (node->n_in <= TACT_MAX_OUTPUTS + 1)
        return cpu_run_node_in(dev, node, step, local, NULL, st);
    const tact_tensor_t **in = tact__malloc((size_t) node->n_in * sizeof *in);
    tact_code_t rc = cpu_run_node_in(dev, node, step, in, NULL, st);
    free(in);
    return rc;
}

/* A node that reads variables (node->fresh_inputs): their values as they are now, held
 * until the kernel is done with them. */
static tact_code_t cpu_run_node_fresh(const tact_device_t *dev, const tact_node_t *node,
                                      tact_step_t *step, tact_status_t *st)
{
    tact_tensor_t *held[64] = { NULL };
    const tact_tensor_t *local[TACT_MAX_OUTPUTS + 1];
    const tact_tensor_t **in = node->n_in <= TACT_MAX_OUTPUTS + 1
                                   ? local : tact__malloc((size_t) node->n_in * sizeof *in);
    tact_code_t rc = cpu_run_node_in(dev, node, step, in, held, st);
    for (int i = 0; i < node->n_in && i < 64; i++)
        tact_tensor_destroy(&held[i]);
    if (in != local)
        free(in);
    return rc;
}

static tact_code_t cpu_run_node_in(const tact_device_t *dev, const tact_node_t *node,
                                   tact_step_t *step, const tact_tensor_t **in,
                                   tact_tensor_t **held, tact_status_t *st)
{
    const tact_op_t *op = node->op;
    tact_value_t *values = step->values;
    switch (op->kind) {
    case TACT_OP_CONST:
        values[node->out_slot] = (tact_value_t) { op->attrs.value, false };
        return TACT_CODE_OK;
    case TACT_OP_VARIABLE:  /* a snapshot; NULL while uninitialised, which readers report */
        values[node->out_slot] = (tact_value_t) { tact__resources_read(step->resources, op),
                                                  true };
        return TACT_CODE_OK;
    case TACT_OP_NOOP:
    case TACT_OP_VAR_HANDLE:  /* resource variables too (kernels/state_kernels.c) */
    case TACT_OP_QUEUE:  /* queues and readers are made on first use, by the ops on them */
    case TACT_OP_TEXT_LINE_READER:
    case TACT_OP_WHOLE_FILE_READER:
        return TACT_CODE_OK;
    default:
        break;
    }
    for (int i = 0; i < node->n_in; i++) {
        in[i] = values[node->in_slots[i]].tensor;
        if (held != NULL && i < 64 && (node->fresh_inputs >> i & 1) &&
            !tact__op_input_is_handle(cpu_reader_op(node, i)->kind, i))
            in[i] = held[i] = tact__resources_read(step->resources, cpu_input_op(node, i));
        if (in[i] == NULL) {
            /* An empty slot is a resource's handle (a queue, a reader: never a value) or a
             * variable without a value yet. Ops that take the resource by reference (Assign,
             * queue and reader ops) do not read it. */
            const tact_op_t *src = cpu_input_op(node, i), *rop = cpu_reader_op(node, i);
            if (tact__op_input_is_handle(rop->kind, i) &&
                (src->kind != TACT_OP_VARIABLE || rop->kind == TACT_OP_ASSIGN))
                continue;
            if (src->kind == TACT_OP_VARIABLE)
                return cpu_uninitialized(src, rop, st);
            tact__fail(st, TACT_CODE_INVALID_ARGUMENT, "%s: input %d is the %s '%s', which has "
                       "no value", tact__op_kind_type(rop->kind), i,
                       tact__op_kind_type(src->kind), src->name);
            return cpu_fail_node(st, rop);
        }
    }
    if (op->attrs.value_inputs)
        return cpu_value_inputs_node(dev, node, step, in, st);
    return cpu_dispatch(dev, node, step, in, st);
}

/* Reshape, Transpose, Sum, Mean or Fill with its shape, perm, axes or dims as an input tensor:
 * the attribute form of the op, made from the values of this run. */
static tact_code_t cpu_value_inputs_node(const tact_device_t *dev, const tact_node_t *node,
                                         tact_step_t *step, const tact_tensor_t **in,
                                         tact_status_t *st)
{
    const tact_op_t *op = node->op;
    tact_op_t local = *op;
    if (tact__op_attrs_from_values(op->kind, &op->attrs, in, &local.attrs, st) != TACT_CODE_OK)
        return cpu_fail_node(st, op);
    tact_node_t one = *node;
    one.op = &local;
    one.n_in = tact__op_arity(op->kind, &local.attrs);
    return cpu_dispatch(dev, &one, step, in, st);
}

/* A node whose inputs are gathered: the kernel its op and inputs ask for. */
static tact_code_t cpu_dispatch(const tact_device_t *dev, const tact_node_t *node,
                                tact_step_t *step, const tact_tensor_t **in, tact_status_t *st)
{
    const tact_op_t *op = node->op;
    tact_value_t *values = step->values;
    if (node->fusion != NULL)  /* before the families: its op may be Relu6 */
        return cpu_fused(dev, node, in, step, st);
    const tact_cpu_op_kernel_t *fk = tact__cpu_op_kernel(op->kind);
    if (fk != NULL)
        return cpu_family_node(dev, node, fk, in, step, st);
    if (op->kind == TACT_OP_MATMUL && in[0]->dtype == TACT_DTYPE_F32 &&
        in[1]->dtype == TACT_DTYPE_F32)
        return cpu_gemm_node(dev, node, in, step, st);
    if (tact__op_kind_assigns(op->kind))
        return cpu_assign(dev, node, in, step, st);
    if (tact__op_kind_uses_queue(op->kind))
        return cpu_queue_op(dev, node, in, step, st);
    if (op->kind == TACT_OP_READER_READ)
        return cpu_reader_read(node, step, st);
    if (tact__op_kind_random(op->kind))
        return cpu_random_node(dev, node, step, st);

    TACT_ASSERT(node->out_slot >= 0);
    if (op->kind == TACT_OP_RESHAPE && tact_dtype_size(in[0]->dtype) > 0)
        return cpu_reshape(node, in, step, st);
    tact_tensor_t *out = cpu_compute(dev, step, op, op->kind, in, node->n_in, node->pin_out, st);
    if (out == NULL)
        return cpu_fail_node(st, op);
    values[node->out_slot] = (tact_value_t) { out, true };
    return TACT_CODE_OK;
}

/* The node loop. Kept apart from the trace check in cpu_run so that it compiles exactly as it
 * did before traces existed: a traced step runs it one node at a time. */
static TACT__NOINLINE tact_code_t cpu_run_nodes(tact_device_t *dev, const tact_fragment_t *frag,
                                                tact_step_t *step, tact_status_t *st)
{
    for (int i = 0; i < frag->n_nodes; i++) {
        const tact_node_t *node = &frag->nodes[i];
        if (tact__stop_check(&step->stop, "Run call", st) != TACT_CODE_OK ||
            (step->done != NULL && node->n_wait > 0 &&
             tact__step_wait(step, node, st) != TACT_CODE_OK) ||
            cpu_run_node(dev, node, step, st) != TACT_CODE_OK) {
            if (step->done != NULL)
                tact__step_fail(step);  /* the other devices' fragments stop waiting */
            return st->code;
        }
        if (step->done != NULL && node->signal)
            tact__step_signal(step, node);
        for (int r = 0; r < node->n_release; r++)
            tact__value_release(step->values, node->release_slots[r]);
    }
    return TACT_CODE_OK;
}

/* A traced step: each node's wait first (not part of its time), then the node alone, stamped
 * around it. */
static TACT__NOINLINE tact_code_t cpu_run_traced(tact_device_t *dev, const tact_fragment_t *frag,
                                                 tact_step_t *step, tact_status_t *st)
{
    for (int i = 0; i < frag->n_nodes; i++) {
        const tact_node_t *node = &frag->nodes[i];
        if (step->done != NULL && node->n_wait > 0 &&
            tact__step_wait(step, node, st) != TACT_CODE_OK) {
            tact__step_fail(step);
            return st->code;
        }
        tact_fragment_t one = { .dev = frag->dev, .n_nodes = 1, .nodes = node,
                                .blocking = frag->blocking };
        tact__trace_node_begin(step, node);
        if (cpu_run_nodes(dev, &one, step, st) != TACT_CODE_OK)
            return st->code;
        tact__trace_node_end(step, node);
    }
    return TACT_CODE_OK;
}

static tact_code_t cpu_run(tact_device_t *dev, const tact_fragment_t *frag, tact_step_t *step,
                           tact_status_t *st)
{
    if (TACT_UNLIKELY(step->trace != NULL))
        return cpu_run_traced(dev, frag, step, st);
    return cpu_run_nodes(dev, frag, step, st);
}

const tact_device_iface_t tact__cpu_iface = {
    .api_version = TACT_DEVICE_API_VERSION,
    .kind = "CPU",
    .caller_may_run = true,
    .priority = 70,
    .count = cpu_count,
    .open = cpu_open,
    .close = cpu_close,
    .supports = cpu_supports,
    .run = cpu_run,
    .bind_thread = cpu_bind_thread,
};
