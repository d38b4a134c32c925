/* SPDX-License-Identifier: MIT */
/* The CPU kernels of the resource variables (runtime/ops/state_ops.c). A variable's value lives
 * in the session's resource table (runtime/state/resources.c) under the first VarHandleOp of the
 * graph with its container and shared_name, as TensorFlow's ResourceMgr keys it; values are
 * replaced whole, so a read is a reference, never a copy. Messages are TensorFlow 2.21's. */
#include "devices/cpu/kernels.h"
#include "devices/cpu/kernels/family.h"
#include "runtime/state/resources.h"

/* The VarHandleOp that owns the value behind input 0 (the handle). */
static const tact_op_t *state_var(const tact_kernel_ctx_t *k)
{
    const tact_op_t *h = k->op->inputs[0].op;
    TACT_ASSERT(h->kind == TACT_OP_VAR_HANDLE);
    return h->attrs.resource != NULL ? h->attrs.resource : h;
}

static tact_code_t state_run_read(tact_kernel_ctx_t *k, tact_status_t *st)
{
    const tact_op_t *var = state_var(k);
    tact_tensor_t *v = tact__resources_read(k->resources, var);
    if (v == NULL)
        return tact__resources_var_missing(k->resources, var, true, st);
    if (v->dtype != k->op->attrs.dtype) {
        tact_code_t rc = tact__fail(st, TACT_CODE_INVALID_ARGUMENT,
                                    "Trying to read variable with wrong dtype. Expected %s got %s",
                                    tact__dtype_tf_name(k->op->attrs.dtype),
                                    tact__dtype_tf_name(v->dtype));
        tact_tensor_destroy(&v);
        return rc;
    }
    k->out[0] = v;  /* the step's reference */
    return TACT_CODE_OK;
}

/* The variable's declared dtype against the value's (AssignVariableOp's check). */
static tact_code_t state_check_dtype(const tact_op_t *var, const tact_tensor_t *value,
                                     tact_status_t *st)
{
    if (value->dtype == var->attrs.dtype)
        return TACT_CODE_OK;
    return tact__fail(st, TACT_CODE_INVALID_ARGUMENT,
                      "Trying to assign variable with wrong dtype. Expected %s got %s",
                      tact__dtype_tf_name(var->attrs.dtype), tact__dtype_tf_name(value->dtype));
}

static tact_code_t state_run_assign(tact_kernel_ctx_t *k, tact_status_t *st)
{
    const tact_op_t *var = state_var(k);
    if (state_check_dtype(var, k->in[1], st) != TACT_CODE_OK)
        return st->code;
    /* a copy: the value may be a fed tensor the caller still owns */
    tact_tensor_t *value = tact__tensor_try_clone(k->in[1], k->limit, k->device, st);
    if (value == NULL)
        return st->code;
    tact__resources_write(k->resources, var, value);
    return TACT_CODE_OK;
}

static tact_code_t state_run_assign_add(tact_kernel_ctx_t *k, tact_status_t *st)
{
    const tact_op_t *var = state_var(k);
    const tact_tensor_t *delta = k->in[1];
    tact_tensor_t *old = tact__resources_begin_update(k->resources, var), *sum = NULL;
    tact_code_t rc = TACT_CODE_OK;
    if (old == NULL) {
        rc = tact__resources_var_missing(k->resources, var, false, st);
    } else if (state_check_dtype(var, delta, st) != TACT_CODE_OK) {
        rc = st->code;
    } else {
        tact_shape_t a = tact__tensor_shape(old), b = tact__tensor_shape(delta);
        bool same = a.ndims == b.ndims;
        for (int d = 0; same && d < a.ndims; d++)
            same = a.dims[d] == b.dims[d];
        if (!same) {
            char sa[160], sb[160];
            rc = tact__fail(st, TACT_CODE_INVALID_ARGUMENT,
                            "Cannot update variable with shape %s using a Tensor with shape %s, "
                            "shapes must be equal.", tact__shape_str(&a, sa, sizeof sa),
                            tact__shape_str(&b, sb, sizeof sb));
        } else {
            sum = tact__tensor_try_alloc(old->dtype, a.dims, a.ndims, k->limit, k->device, st);
            tact_op_t add = *k->op;  /* Add's loops, which dispatch on the op's kind */
            add.kind = TACT_OP_ADD;
            const tact_tensor_t *args[2] = { old, delta };
            rc = sum != NULL ? tact__cpu_kernel(TACT_OP_ADD)(&add, args, sum, st) : st->code;
            if (rc != TACT_CODE_OK)
                tact_tensor_destroy(&sum);
        }
    }
    tact__resources_end_update(k->resources, var, sum);
    return rc;
}

static tact_code_t state_run_is_initialized(tact_kernel_ctx_t *k, tact_status_t *st)
{
    TACT_UNUSED(st);
    tact_tensor_t *v = tact__resources_read(k->resources, state_var(k));
    *(bool *) k->out[0]->data = v != NULL;
    tact_tensor_destroy(&v);
    return TACT_CODE_OK;
}

/* The handle has no value: the ops on it find the variable through the graph. */
static tact_code_t state_run_handle(tact_kernel_ctx_t *k, tact_status_t *st)
{
    TACT_UNUSED(k);
    TACT_UNUSED(st);
    return TACT_CODE_OK;
}

/* AssignAddVariableOp adds with Add's loops: the dtypes they have. */
static bool state_supports_assign_add(const tact_op_t *op)
{
    tact_dtype_t dt = op->attrs.dtype;
    return dt == TACT_DTYPE_F32 || dt == TACT_DTYPE_F64 || dt == TACT_DTYPE_I32 ||
           dt == TACT_DTYPE_I64;
}

const tact_cpu_op_kernel_t tact__cpu_state_kernels[TACT_OP_COUNT] = {
    [TACT_OP_VAR_HANDLE] = {.run = state_run_handle},
    [TACT_OP_READ_VARIABLE] = {.run = state_run_read},
    [TACT_OP_ASSIGN_VARIABLE] = {.run = state_run_assign},
    [TACT_OP_ASSIGN_ADD_VARIABLE] = {.run = state_run_assign_add,
                                     .supports = state_supports_assign_add},
    [TACT_OP_VAR_IS_INITIALIZED] = {.run = state_run_is_initialized},
};
