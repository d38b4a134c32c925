/* SPDX-License-Identifier: MIT */
/* The CPU device: host memory, kernels from kernels.c (OpenBLAS for matmul), and the node
 * loop that runs a fragment. Its run() is re-entrant, so a client thread may run a fragment
 * itself as a temporary member of the device's pool. Not for placement or threads: the
 * scheduler and the device actors do those. */
#include "devices/cpu/cpu.h"
#include "devices/cpu/kernels.h"

#include <cblas.h>
#include <hwloc.h>

static pthread_once_t cpu_topology_once = PTHREAD_ONCE_INIT;
static int cpu_cores = 1;

static void cpu_read_topology(void)
{
    hwloc_topology_t topo;
    if (hwloc_topology_init(&topo) != 0)
        return;
    if (hwloc_topology_load(topo) == 0) {
        int n = hwloc_get_nbobjs_by_type(topo, HWLOC_OBJ_CORE);
        if (n <= 0)
            n = hwloc_get_nbobjs_by_type(topo, HWLOC_OBJ_PU);
        if (n > 0)
            cpu_cores = n;
    }
    hwloc_topology_destroy(topo);
}

int tact__cpu_core_count(void)
{
    pthread_once(&cpu_topology_once, cpu_read_topology);
    return cpu_cores;
}

void tact__cpu_set_blas_threads(int n)
{
    openblas_set_num_threads(n);
}

static int cpu_count(void)
{
    return 1;
}

static tact_code_t cpu_open(tact_device_t *dev, tact_status_t *st)
{
    TACT_UNUSED(dev);
    return tact__failed(st) ? st->code : TACT_CODE_OK;
}

static void cpu_close(tact_device_t *dev)
{
    TACT_UNUSED(dev);
}

static bool cpu_supports(const tact_device_t *dev, const tact_op_t *op)
{
    TACT_UNUSED(dev);
    return op->kind == TACT_OP_CONST || op->kind == TACT_OP_PLACEHOLDER ||
           tact__cpu_kernel_supports(op);
}

/* TensorFlow ends a kernel's message with the node it ran. */
static tact_code_t cpu_fail_node(tact_status_t *st, const tact_op_t *op)
{
    size_t n = strlen(st->msg);
    snprintf(st->msg + n, sizeof st->msg - n, "\n\t [[{{node %s}}]]", op->name);
    return st->code;
}

static tact_code_t cpu_run_node(const tact_node_t *node, tact_value_t *values, tact_status_t *st)
{
    const tact_op_t *op = node->op;
    if (op->kind == TACT_OP_CONST) {
        values[node->out_slot] = (tact_value_t) { op->attrs.value, false };
        return TACT_CODE_OK;
    }
    if (op->kind == TACT_OP_NOOP)
        return TACT_CODE_OK;
    tact_cpu_kernel_fn kernel = tact__cpu_kernel(op->kind);
    if (kernel == NULL) {
        tact__fail(st, TACT_CODE_UNIMPLEMENTED, "CPU: no kernel for %s",
                   tact__op_kind_type(op->kind));
        return cpu_fail_node(st, op);
    }
    const tact_tensor_t *in[8];
    tact_dtype_t in_dtypes[8];
    tact_shape_t in_shapes[8];
    for (int i = 0; i < node->n_in; i++) {
        in[i] = values[node->in_slots[i]].tensor;
        TACT_ASSERT(in[i] != NULL);
        in_dtypes[i] = in[i]->dtype;
        in_shapes[i] = tact__tensor_shape(in[i]);
    }
    TACT_ASSERT(node->out_slot >= 0);
    tact_dtype_t dtype;
    tact_shape_t shape;
    if (tact__op_infer(op->kind, &op->attrs, op->name, node->n_in, in_dtypes, in_shapes,
                       TACT_INFER_RUN, &dtype, &shape, st) != TACT_CODE_OK)
        return cpu_fail_node(st, op);
    tact_tensor_t *out = tact__tensor_alloc(dtype, shape.dims, shape.ndims);
    if (kernel(op, in, out, st) != TACT_CODE_OK) {
        tact_tensor_destroy(&out);
        return cpu_fail_node(st, op);
    }
    values[node->out_slot] = (tact_value_t) { out, true };
    return TACT_CODE_OK;
}

static tact_code_t cpu_run(tact_device_t *dev, const tact_fragment_t *frag, tact_value_t *values,
                           tact_status_t *st)
{
    TACT_UNUSED(dev);
    for (int i = 0; i < frag->n_nodes; i++) {
        const tact_node_t *node = &frag->nodes[i];
        if (cpu_run_node(node, values, st) != TACT_CODE_OK)
            return st->code;
        for (int r = 0; r < node->n_release; r++)
            tact__value_release(values, node->release_slots[r]);
    }
    return TACT_CODE_OK;
}

const tact_device_iface_t tact__cpu_iface = {
    .api_version = TACT_DEVICE_API_VERSION,
    .kind = "CPU",
    .caller_may_run = true,
    .count = cpu_count,
    .open = cpu_open,
    .close = cpu_close,
    .supports = cpu_supports,
    .run = cpu_run,
};
