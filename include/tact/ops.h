/* SPDX-License-Identifier: MIT */
/* Op builders, named like TensorFlow's Python functions.
 *
 * Every builder takes the graph first (NULL: the calling thread's default graph), then its
 * inputs and attributes, then `name` (NULL: TensorFlow's default name, such as "Add"; any name
 * is made unique the TensorFlow way: "Add", "Add_1", ...) and the status last.
 *
 * Shapes and dtypes are checked when the op is built. A builder that fails returns an empty
 * output, fills `st` and keeps the first error on the graph (tact_graph_status). A builder
 * handed an empty input returns an empty output at once, so a chain of builders can be checked
 * once at the end. Builders may be called from several threads at once. */
#ifndef TACT_OPS_H
#define TACT_OPS_H

#include <stdbool.h>
#include <stdint.h>

#include <tact/export.h>
#include <tact/graph.h>
#include <tact/status.h>
#include <tact/tensor.h>

TACT_BEGIN_DECLS

/* ------------------------------------------------------------------------------------------ */
/* Sources                                                                                    */
/* ------------------------------------------------------------------------------------------ */

/* tf.constant: `value` is copied. Default name "Const". */
TACT_API tact_output_t tact_constant(tact_graph_t *g, const tact_tensor_t *value,
                                     const char *name, tact_status_t *st);

/* tf.placeholder: dims[0..ndims), ndims -1 for unknown rank, a dimension -1 for an unknown
 * size. Must be fed when a run needs it. Default name "Placeholder". */
TACT_API tact_output_t tact_placeholder(tact_graph_t *g, tact_dtype_t dtype, const int64_t *dims,
                                        int ndims, const char *name, tact_status_t *st);

/* ------------------------------------------------------------------------------------------ */
/* Element-wise                                                                               */
/* ------------------------------------------------------------------------------------------ */

/* tf.identity. Default name "Identity". */
TACT_API tact_output_t tact_identity(tact_graph_t *g, tact_output_t x, const char *name,
                                     tact_status_t *st);

/* Binary ops broadcast like numpy; both inputs must have the same dtype. Default names follow
 * TensorFlow: "Add", "Sub", "mul", and "truediv" (type RealDiv) for floats or "div" (type Div,
 * truncating; INVALID_ARGUMENT "Integer division by zero" at run time) for integers. */
TACT_API tact_output_t tact_add(tact_graph_t *g, tact_output_t a, tact_output_t b,
                                const char *name, tact_status_t *st);
TACT_API tact_output_t tact_subtract(tact_graph_t *g, tact_output_t a, tact_output_t b,
                                     const char *name, tact_status_t *st);
TACT_API tact_output_t tact_multiply(tact_graph_t *g, tact_output_t a, tact_output_t b,
                                     const char *name, tact_status_t *st);
TACT_API tact_output_t tact_divide(tact_graph_t *g, tact_output_t a, tact_output_t b,
                                   const char *name, tact_status_t *st);

/* tf.negative ("Neg"), tf.nn.relu ("Relu"), tf.sigmoid ("Sigmoid"), tf.tanh ("Tanh"). Relu and
 * Neg take any numeric dtype; Sigmoid and Tanh take float32 or float64. */
TACT_API tact_output_t tact_negative(tact_graph_t *g, tact_output_t x, const char *name,
                                     tact_status_t *st);
TACT_API tact_output_t tact_relu(tact_graph_t *g, tact_output_t x, const char *name,
                                 tact_status_t *st);
TACT_API tact_output_t tact_sigmoid(tact_graph_t *g, tact_output_t x, const char *name,
                                    tact_status_t *st);
TACT_API tact_output_t tact_tanh(tact_graph_t *g, tact_output_t x, const char *name,
                                 tact_status_t *st);

/* tf.nn.softmax over the last axis; float32 or float64, rank >= 1. Default name "Softmax". */
TACT_API tact_output_t tact_softmax(tact_graph_t *g, tact_output_t x, const char *name,
                                    tact_status_t *st);

/* tf.cast. Float to integer truncates toward zero; to bool is "!= 0". Default name "Cast". */
TACT_API tact_output_t tact_cast(tact_graph_t *g, tact_output_t x, tact_dtype_t dtype,
                                 const char *name, tact_status_t *st);

/* ------------------------------------------------------------------------------------------ */
/* Linear algebra, reductions, shapes                                                         */
/* ------------------------------------------------------------------------------------------ */

/* tf.matmul of two rank-2 tensors of the same dtype (float32 through OpenBLAS, float64,
 * int32, int64). Inner dimensions must agree: checked at build time when known, else at run
 * time. Default name "MatMul". */
TACT_API tact_output_t tact_matmul(tact_graph_t *g, tact_output_t a, tact_output_t b,
                                   bool transpose_a, bool transpose_b, const char *name,
                                   tact_status_t *st);

/* tf.reduce_sum ("Sum") and tf.reduce_mean ("Mean") over axes[0..n_axes) (negative axes count
 * from the end); axes NULL means every axis. keep_dims keeps reduced axes with size 1. */
TACT_API tact_output_t tact_reduce_sum(tact_graph_t *g, tact_output_t x, const int *axes,
                                       int n_axes, bool keep_dims, const char *name,
                                       tact_status_t *st);
TACT_API tact_output_t tact_reduce_mean(tact_graph_t *g, tact_output_t x, const int *axes,
                                        int n_axes, bool keep_dims, const char *name,
                                        tact_status_t *st);

/* tf.reshape to dims[0..ndims); at most one dimension may be -1 (inferred). "Reshape". */
TACT_API tact_output_t tact_reshape(tact_graph_t *g, tact_output_t x, const int64_t *dims,
                                    int ndims, const char *name, tact_status_t *st);

/* tf.transpose by perm[0..n_perm); perm NULL reverses the axes. "Transpose". */
TACT_API tact_output_t tact_transpose(tact_graph_t *g, tact_output_t x, const int *perm,
                                      int n_perm, const char *name, tact_status_t *st);

/* ------------------------------------------------------------------------------------------ */
/* Control                                                                                    */
/* ------------------------------------------------------------------------------------------ */

/* tf.no_op: an op with no inputs and no outputs, for use as a target. Default name "NoOp".
 * Returns NULL on failure. Borrowed; valid while the graph lives. */
TACT_API tact_op_t *tact_no_op(tact_graph_t *g, const char *name, tact_status_t *st);

/* tf.group: a NoOp that runs after every op in ops[0..n_ops) (control dependencies). Default
 * name "group_deps". Returns NULL on failure. */
TACT_API tact_op_t *tact_group(tact_graph_t *g, tact_op_t *const *ops, int n_ops,
                               const char *name, tact_status_t *st);

/* ------------------------------------------------------------------------------------------ */
/* Variables                                                                                  */
/* ------------------------------------------------------------------------------------------ */

/* Variable values live in sessions: two sessions over one graph never see each other's
 * values, and each must run the initializer. Reading a variable before it is initialised is
 * FAILED_PRECONDITION "Attempting to use uninitialized value <name>". */

/* tf.Variable(initial_value): a variable of initial_value's dtype and (fully known) shape,
 * added to the graph's global variables, with an initializer op "<name>/Assign" that assigns
 * initial_value. Returns the variable's value (fetch it, or feed it to other ops). Default
 * name "Variable". */
TACT_API tact_output_t tact_variable(tact_graph_t *g, tact_output_t initial_value,
                                     const char *name, tact_status_t *st);

/* tf.global_variables_initializer: a NoOp named "init" that runs the initializer of every
 * variable the graph holds now. Returns NULL on failure. */
TACT_API tact_op_t *tact_global_variables_initializer(tact_graph_t *g, tact_status_t *st);

/* tf.assign, tf.assign_add, tf.assign_sub: give variable `var` (the output of tact_variable)
 * a new value of its dtype and shape; the result is the new value. The update of one variable
 * is atomic with respect to other runs. Default names "Assign", "AssignAdd", "AssignSub". */
TACT_API tact_output_t tact_assign(tact_graph_t *g, tact_output_t var, tact_output_t value,
                                   const char *name, tact_status_t *st);
TACT_API tact_output_t tact_assign_add(tact_graph_t *g, tact_output_t var, tact_output_t value,
                                       const char *name, tact_status_t *st);
TACT_API tact_output_t tact_assign_sub(tact_graph_t *g, tact_output_t var, tact_output_t value,
                                       const char *name, tact_status_t *st);

TACT_END_DECLS

#endif
