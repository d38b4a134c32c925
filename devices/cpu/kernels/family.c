/* SPDX-License-Identifier: MIT */
/* The list of the CPU's family kernel tables (family.h). */
#include "devices/cpu/kernels/family.h"

static const tact_cpu_op_kernel_t *const family_tables[] = {
    tact__cpu_array_kernels,
    tact__cpu_string_kernels,
    tact__cpu_io_kernels,
    tact__cpu_sparse_kernels,
    tact__cpu_math_kernels,
    tact__cpu_nn_kernels,
    tact__cpu_state_kernels,
};

const tact_cpu_op_kernel_t *tact__cpu_op_kernel(tact_op_kind_t kind)
{
    TACT_ASSERT((unsigned) kind < (unsigned) TACT_OP_COUNT);
    for (size_t f = 0; f < sizeof family_tables / sizeof family_tables[0]; f++) {
        if (family_tables[f][kind].run != NULL)
            return &family_tables[f][kind];
    }
    return NULL;
}

tact_tensor_t *tact__kernel_alloc(const tact_kernel_ctx_t *k, tact_dtype_t dtype,
                                  const tact_shape_t *shape, tact_status_t *st)
{
    return tact__tensor_try_alloc(dtype, shape->dims, shape->ndims, k->limit, k->device, st);
}
