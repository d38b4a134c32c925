/* SPDX-License-Identifier: MIT */
/* Resource variables of the family layout (opdefs.h): VarHandleOp, ReadVariableOp,
 * AssignVariableOp, AssignAddVariableOp and VarIsInitializedOp, what
 * tf.compat.v1.get_variable(use_resource=True) puts in a graph, with TensorFlow's shape
 * functions (core/ops/resource_variable_ops.cc). The handle is never a value: its dtype is
 * TACT_DTYPE_STRING like a queue's, and its static shape is the variable's (TensorFlow keeps
 * that in the handle's shape data), so ReadVariableOp's output has it. Every op here reads or
 * writes the session's variables: all are stateful. Kernels:
 * devices/cpu/kernels/state_kernels.c. */
#include "runtime/ops/opdefs.h"

static int state_no_outputs(const tact_op_attrs_t *attrs)
{
    TACT_UNUSED(attrs);
    return 0;
}

static tact_code_t state_infer_handle(const tact_op_ctx_t *c, tact_dtype_t *out_dtype,
                                      tact_shape_t *out_shape)
{
    if (!tact__dtype_valid(c->attrs->dtype))
        return tact__fail(c->st, TACT_CODE_INVALID_ARGUMENT,
                          "'%s' (op: 'VarHandleOp'): dtype is not a dtype tact has", c->name);
    *out_dtype = TACT_DTYPE_STRING;
    *out_shape = c->attrs->shape;
    return TACT_CODE_OK;
}

/* Input 0 must be a handle (a string-typed output here). */
static tact_code_t state_check_handle(const tact_op_ctx_t *c)
{
    return tact__op_check_exact(c, 0, "resource", TACT_DTYPE_STRING);
}

/* The value's shape is known only to the kernel at run time (an AssignVariableOp may have
 * given the variable another shape). */
static tact_code_t state_infer_read(const tact_op_ctx_t *c, tact_dtype_t *out_dtype,
                                    tact_shape_t *out_shape)
{
    if (c->phase == TACT_INFER_BUILD && state_check_handle(c) != TACT_CODE_OK)
        return c->st->code;
    *out_dtype = c->attrs->dtype;
    if (c->phase == TACT_INFER_RUN)
        *out_shape = (tact_shape_t) { .ndims = -1 };
    else
        *out_shape = c->shapes[0];
    return TACT_CODE_OK;
}

/* AssignVariableOp and AssignAddVariableOp: the value's dtype is the attr's, and its shape
 * merges with the variable's ("Dimension 0 in both shapes must be equal, ..."). */
static tact_code_t state_infer_assign(const tact_op_ctx_t *c, tact_dtype_t *out_dtype,
                                      tact_shape_t *out_shape)
{
    TACT_UNUSED(out_dtype);
    TACT_UNUSED(out_shape);
    if (c->phase == TACT_INFER_RUN)
        return TACT_CODE_OK;  /* the kernel checks the variable's dtype and shape */
    if (state_check_handle(c) != TACT_CODE_OK ||
        tact__op_check_exact(c, 1, "value", c->attrs->dtype) != TACT_CODE_OK)
        return c->st->code;
    tact_shape_t merged;
    return tact__op_merge_shapes(c, &c->shapes[0], &c->shapes[1], &merged);
}

static tact_code_t state_infer_is_initialized(const tact_op_ctx_t *c, tact_dtype_t *out_dtype,
                                              tact_shape_t *out_shape)
{
    if (c->phase == TACT_INFER_BUILD && state_check_handle(c) != TACT_CODE_OK)
        return c->st->code;
    *out_dtype = TACT_DTYPE_BOOL;
    *out_shape = (tact_shape_t) { .ndims = 0 };
    return TACT_CODE_OK;
}

const tact_op_def_t tact__state_op_defs[TACT_OP_COUNT] = {
    [TACT_OP_VAR_HANDLE] = {.n_inputs = 0, .infer = state_infer_handle, .stateful = true},
    [TACT_OP_READ_VARIABLE] = {.n_inputs = 1, .infer = state_infer_read, .stateful = true},
    [TACT_OP_ASSIGN_VARIABLE] = {.n_inputs = 2, .num_outputs = state_no_outputs,
                                 .infer = state_infer_assign, .stateful = true},
    [TACT_OP_ASSIGN_ADD_VARIABLE] = {.n_inputs = 2, .num_outputs = state_no_outputs,
                                     .infer = state_infer_assign, .stateful = true},
    [TACT_OP_VAR_IS_INITIALIZED] = {.n_inputs = 1, .infer = state_infer_is_initialized,
                                    .stateful = true},
};
