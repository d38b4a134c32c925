/* SPDX-License-Identifier: MIT */
/* The list of the CPU's family kernel tables (family.h). */
#include "devices/cpu/kernels/family.h"

#include <pthread.h>

static const tact_cpu_op_kernel_t *const family_tables[] = {
    tact__cpu_array_kernels,
    tact__cpu_string_kernels,
    tact__cpu_io_kernels,
    tact__cpu_sparse_kernels,
    tact__cpu_math_kernels,
    tact__cpu_nn_kernels,
    tact__cpu_state_kernels,
    tact__cpu_image_kernels,
};

/* Each kind's kernel, NULL for the older ops: filled once, so the node loop's lookup is one
 * load rather than a walk over the families. */
static const tact_cpu_op_kernel_t *family_by_kind[TACT_OP_COUNT];
static pthread_once_t family_once = PTHREAD_ONCE_INIT;

static void family_index(void)
{
    for (int kind = 0; kind < TACT_OP_COUNT; kind++) {
        for (size_t f = 0; f < sizeof family_tables / sizeof family_tables[0]; f++) {
            if (family_tables[f][kind].run != NULL) {
                family_by_kind[kind] = &family_tables[f][kind];
                break;
            }
        }
    }
}

const tact_cpu_op_kernel_t *tact__cpu_op_kernel(tact_op_kind_t kind)
{
    TACT_ASSERT((unsigned) kind < (unsigned) TACT_OP_COUNT);
    pthread_once(&family_once, family_index);
    return family_by_kind[kind];
}

tact_tensor_t *tact__kernel_alloc(const tact_kernel_ctx_t *k, tact_dtype_t dtype,
                                  const tact_shape_t *shape, tact_status_t *st)
{
    return tact__tensor_try_alloc(dtype, shape->dims, shape->ndims, k->limit, k->device, st);
}
