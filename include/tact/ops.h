/* SPDX-License-Identifier: MIT */
/** @file
 * Op builders, named like TensorFlow's Python functions.
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

/** ------------------------------------------------------------------------------------------ */
/** Sources                                                                                    */
/** ------------------------------------------------------------------------------------------ */

/** tf.constant: `value` is copied. Default name "Const". */
TACT_API tact_output_t tact_constant(tact_graph_t *g, const tact_tensor_t *value,
                                     const char *name, tact_status_t *st);

/** tf.placeholder: dims[0..ndims), ndims -1 for unknown rank, a dimension -1 for an unknown
 * size. Must be fed when a run needs it. Default name "Placeholder". */
TACT_API tact_output_t tact_placeholder(tact_graph_t *g, tact_dtype_t dtype, const int64_t *dims,
                                        int ndims, const char *name, tact_status_t *st);

/** ------------------------------------------------------------------------------------------ */
/** Element-wise                                                                               */
/** ------------------------------------------------------------------------------------------ */

/** tf.identity. Default name "Identity". */
TACT_API tact_output_t tact_identity(tact_graph_t *g, tact_output_t x, const char *name,
                                     tact_status_t *st);

/** @{ */
/** Binary ops broadcast like numpy; both inputs must have the same dtype. Default names follow
 * TensorFlow: "Add", "Sub" (tf.add, tf.subtract), "mul" (Python's `a * b`, as the seed
 * example S1 pins it; tf.multiply itself says "Mul"), and "truediv" (type RealDiv) for floats or "div" (type Div,
 * truncating; INVALID_ARGUMENT "Integer division by zero" at run time) for integers. */
TACT_API tact_output_t tact_add(tact_graph_t *g, tact_output_t a, tact_output_t b,
                                const char *name, tact_status_t *st);
TACT_API tact_output_t tact_subtract(tact_graph_t *g, tact_output_t a, tact_output_t b,
                                     const char *name, tact_status_t *st);
TACT_API tact_output_t tact_multiply(tact_graph_t *g, tact_output_t a, tact_output_t b,
                                     const char *name, tact_status_t *st);
TACT_API tact_output_t tact_divide(tact_graph_t *g, tact_output_t a, tact_output_t b,
                                   const char *name, tact_status_t *st);
/** @} */

/** @{ */
/** tf.negative ("Neg"), tf.nn.relu ("Relu"), tf.sigmoid ("Sigmoid"), tf.tanh ("Tanh"). Relu and
 * Neg take any numeric dtype; Sigmoid and Tanh take float32 or float64. */
TACT_API tact_output_t tact_negative(tact_graph_t *g, tact_output_t x, const char *name,
                                     tact_status_t *st);
TACT_API tact_output_t tact_relu(tact_graph_t *g, tact_output_t x, const char *name,
                                 tact_status_t *st);
TACT_API tact_output_t tact_sigmoid(tact_graph_t *g, tact_output_t x, const char *name,
                                    tact_status_t *st);
TACT_API tact_output_t tact_tanh(tact_graph_t *g, tact_output_t x, const char *name,
                                 tact_status_t *st);
/** @} */

/** tf.nn.softmax over the last axis; float32 or float64, rank >= 1. Default name "Softmax". */
TACT_API tact_output_t tact_softmax(tact_graph_t *g, tact_output_t x, const char *name,
                                    tact_status_t *st);

/** tf.cast. Float to integer truncates toward zero; to bool is "!= 0"; strings cast only to
 * strings (other casts from or to them are UNIMPLEMENTED, as in TensorFlow). As TensorFlow's
 * CPU kernel: an integer cast to a narrower one keeps its low bits (int32 300 -> uint8 44), a
 * float cast to uint8, int8 or int16 truncates to int32 first (float32 -1.5 -> uint8 255),
 * float16 is rounded to nearest even, through float32 from float64. Default name "Cast". */
TACT_API tact_output_t tact_cast(tact_graph_t *g, tact_output_t x, tact_dtype_t dtype,
                                 const char *name, tact_status_t *st);

/** ------------------------------------------------------------------------------------------ */
/** Linear algebra, reductions, shapes                                                         */
/** ------------------------------------------------------------------------------------------ */

/** tf.matmul of two rank-2 tensors of the same dtype (float32 through OpenBLAS, float64,
 * int32, int64). Inner dimensions must agree: checked at build time when known, else at run
 * time. Default name "MatMul". */
TACT_API tact_output_t tact_matmul(tact_graph_t *g, tact_output_t a, tact_output_t b,
                                   bool transpose_a, bool transpose_b, const char *name,
                                   tact_status_t *st);

/** @{ */
/** tf.reduce_sum ("Sum") and tf.reduce_mean ("Mean") over axes[0..n_axes) (negative axes count
 * from the end); axes NULL means every axis. keep_dims keeps reduced axes with size 1. */
TACT_API tact_output_t tact_reduce_sum(tact_graph_t *g, tact_output_t x, const int *axes,
                                       int n_axes, bool keep_dims, const char *name,
                                       tact_status_t *st);
TACT_API tact_output_t tact_reduce_mean(tact_graph_t *g, tact_output_t x, const int *axes,
                                        int n_axes, bool keep_dims, const char *name,
                                        tact_status_t *st);
/** @} */

/** tf.reshape to dims[0..ndims); at most one dimension may be -1 (inferred). "Reshape". */
TACT_API tact_output_t tact_reshape(tact_graph_t *g, tact_output_t x, const int64_t *dims,
                                    int ndims, const char *name, tact_status_t *st);

/** tf.transpose by perm[0..n_perm); perm NULL reverses the axes. Default name "transpose"
 * (Python's, lower case), type "Transpose". */
TACT_API tact_output_t tact_transpose(tact_graph_t *g, tact_output_t x, const int *perm,
                                      int n_perm, const char *name, tact_status_t *st);

/** tf.placeholder_with_default: `input` unless the tensor is fed; a feed must fit dims[0..ndims)
 * (ndims -1 for unknown rank, a dimension -1 for an unknown size), which `input` must fit too.
 * The dtype is input's. Default name "PlaceholderWithDefault". */
TACT_API tact_output_t tact_placeholder_with_default(tact_graph_t *g, tact_output_t input,
                                                     const int64_t *dims, int ndims,
                                                     const char *name, tact_status_t *st);

/** ------------------------------------------------------------------------------------------ */
/** Selection and strings                                                                      */
/** ------------------------------------------------------------------------------------------ */

/** tf.compat.v1.where(condition, x, y) (TensorFlow's Select): x where the bool condition holds,
 * else y; x and y have one dtype and shape, and the condition is a scalar (picks x or y whole),
 * a vector of x's first dimension (picks rows), or of x's shape. Default name "Select". */
TACT_API tact_output_t tact_where(tact_graph_t *g, tact_output_t condition, tact_output_t x,
                                  tact_output_t y, const char *name, tact_status_t *st);

/** tf.where (v2, TensorFlow's SelectV2): as tact_where, with condition, x and y broadcast
 * against each other as numpy does. Default name "SelectV2". */
TACT_API tact_output_t tact_where_v2(tact_graph_t *g, tact_output_t condition, tact_output_t x,
                                     tact_output_t y, const char *name, tact_status_t *st);

/** tf.strings.join: element-wise concatenation of the string tensors inputs[0..n) with
 * `separator` (NULL: "") between them; scalars are repeated over the others' common shape.
 * Default name "StringJoin". */
TACT_API tact_output_t tact_string_join(tact_graph_t *g, const tact_output_t *inputs, int n,
                                        const char *separator, const char *name,
                                        tact_status_t *st);

/** ------------------------------------------------------------------------------------------ */
/** Control                                                                                    */
/** ------------------------------------------------------------------------------------------ */

/** tf.no_op: an op with no inputs and no outputs, for use as a target. Default name "NoOp".
 * Returns NULL on failure. Borrowed; valid while the graph lives. */
TACT_API tact_op_t *tact_no_op(tact_graph_t *g, const char *name, tact_status_t *st);

/** tf.group: a NoOp that runs after every op in ops[0..n_ops) (control dependencies). Default
 * name "group_deps". Returns NULL on failure. */
TACT_API tact_op_t *tact_group(tact_graph_t *g, tact_op_t *const *ops, int n_ops,
                               const char *name, tact_status_t *st);

/** ------------------------------------------------------------------------------------------ */
/** Fills and random values                                                                    */
/** ------------------------------------------------------------------------------------------ */

/** These builders take the output's shape as dims[0..ndims), every size known and >= 0 (a
 * negative size is INVALID_ARGUMENT "Dimension -1 must be >= 0", or "Fill dimensions must be
 * >= 0"); ndims 0 is a scalar and dims may then be NULL. */

/** tf.fill: `value` converted to `dtype` (float32, float64, int32, int64 or bool; to an integer
 * dtype only when it is a whole number in range, else INVALID_ARGUMENT; to bool as
 * "value != 0") in every element. One op of type Fill holding the value (TensorFlow feeds it a
 * dims and a value tensor). Integers beyond 2^53 are not exact in a double: use tact_constant
 * for those. Default name "Fill". */
TACT_API tact_output_t tact_fill(tact_graph_t *g, tact_dtype_t dtype, const int64_t *dims,
                                 int ndims, double value, const char *name, tact_status_t *st);

/** @{ */
/** tf.zeros and tf.ones: a Fill of 0 or 1 named "zeros" or "ones" by default. (TensorFlow
 * makes small ones a Const instead; the values are the same.) */
TACT_API tact_output_t tact_zeros(tact_graph_t *g, tact_dtype_t dtype, const int64_t *dims,
                                  int ndims, const char *name, tact_status_t *st);
TACT_API tact_output_t tact_ones(tact_graph_t *g, tact_dtype_t dtype, const int64_t *dims,
                                 int ndims, const char *name, tact_status_t *st);
/** @} */

/** Seeds. A random op draws from the Philox4x32-10 stream of two seeds, TensorFlow's
 * (seed, seed2), fixed when the op is built from the graph's seed and the op's `seed` as
 * tf.get_seed fixes them (each taken modulo 2^31):
 *   graph seed and op seed:   (graph seed, op seed)
 *   graph seed only:          (graph seed, the number of ops the graph then holds)
 *   op seed only:             (87654321, op seed)
 *   neither:                  fresh seeds for each session (and op): not repeatable
 * and (0, 0) becomes (0, 2^31 - 1). Each session keeps its own position in each op's stream:
 * the first run of an op in a new session starts at the beginning, so with a seed a new
 * session repeats the first values, and every run moves on, so repeated runs in one session
 * give new values. Values follow TensorFlow's CPU kernels (the same Philox stream, the same
 * conversions, the same 256 blocks reserved per element and run): for the same (seed, seed2)
 * tact and TensorFlow give the same numbers, run after run (checked against TensorFlow 2.21).
 * Only the graph-seed-only case may derive another seed2, since TensorFlow counts the helper
 * ops its Python builders add. */
#define TACT_SEED_NONE (-1)  /* any negative seed: none given (Python's seed=None) */

/** tf.set_random_seed: the graph-level seed for random ops built from now on (negative: none).
 * Ops already built keep their seeds. Thread-safe. */
TACT_API void tact_set_random_seed(tact_graph_t *g, int64_t seed);

/** tf.random_uniform for float32 or float64 (other dtypes: INVALID_ARGUMENT "Value for attr
 * 'dtype' of int32 is not in the list of allowed values: float, double ..."): values in
 * [minval, maxval), computed as u * (maxval - minval) + minval in `dtype` from u in [0, 1).
 * TensorFlow's defaults are minval 0, maxval 1. One op of type RandomUniform that applies the
 * scale itself (TensorFlow adds a Sub, a Mul and an Add). Default name "random_uniform". */
TACT_API tact_output_t tact_random_uniform(tact_graph_t *g, tact_dtype_t dtype,
                                           const int64_t *dims, int ndims, double minval,
                                           double maxval, int64_t seed, const char *name,
                                           tact_status_t *st);

/** tf.random_normal: x * stddev + mean from standard normal x (Box-Muller). One op of type
 * RandomStandardNormal. TensorFlow's defaults are mean 0, stddev 1. Default name
 * "random_normal". */
TACT_API tact_output_t tact_random_normal(tact_graph_t *g, tact_dtype_t dtype,
                                          const int64_t *dims, int ndims, double mean,
                                          double stddev, int64_t seed, const char *name,
                                          tact_status_t *st);

/** tf.truncated_normal: as tact_random_normal, but a sample more than 2 standard deviations
 * from the mean is drawn again, so every value lies in (mean - 2 stddev, mean + 2 stddev).
 * One op of type TruncatedNormal. Default name "truncated_normal". */
TACT_API tact_output_t tact_truncated_normal(tact_graph_t *g, tact_dtype_t dtype,
                                             const int64_t *dims, int ndims, double mean,
                                             double stddev, int64_t seed, const char *name,
                                             tact_status_t *st);

/** ------------------------------------------------------------------------------------------ */
/** Variables                                                                                  */
/** ------------------------------------------------------------------------------------------ */

/** Variable values live in sessions: two sessions over one graph never see each other's
 * values, and each must run the initializer. Reading a variable before it is initialised is
 * FAILED_PRECONDITION "Attempting to use uninitialized value <name>". */

/** tf.Variable(initial_value): a variable of initial_value's dtype and (fully known) shape,
 * added to the graph's global variables, with an initializer op "<name>/Assign" that assigns
 * initial_value. Returns the variable's value (fetch it, or feed it to other ops). Default
 * name "Variable". */
TACT_API tact_output_t tact_variable(tact_graph_t *g, tact_output_t initial_value,
                                     const char *name, tact_status_t *st);

/** tf.global_variables_initializer: a NoOp named "init" that runs the initializer of every
 * variable the graph holds now. Returns NULL on failure. */
TACT_API tact_op_t *tact_global_variables_initializer(tact_graph_t *g, tact_status_t *st);

/** @{ */
/** tf.assign, tf.assign_add, tf.assign_sub: give variable `var` (the output of tact_variable)
 * a new value of its dtype and shape; the result is the new value. The update of one variable
 * is atomic with respect to other runs. Default names "Assign", "AssignAdd", "AssignSub". */
TACT_API tact_output_t tact_assign(tact_graph_t *g, tact_output_t var, tact_output_t value,
                                   const char *name, tact_status_t *st);
TACT_API tact_output_t tact_assign_add(tact_graph_t *g, tact_output_t var, tact_output_t value,
                                       const char *name, tact_status_t *st);
TACT_API tact_output_t tact_assign_sub(tact_graph_t *g, tact_output_t var, tact_output_t value,
                                       const char *name, tact_status_t *st);
/** @} */

/** ------------------------------------------------------------------------------------------ */
/** Resource variables (tf.compat.v1.get_variable(use_resource=True))                          */
/** ------------------------------------------------------------------------------------------ */

/** Their values live in sessions, as tact_variable's, keyed by container and shared_name as
 * TensorFlow's ResourceMgr keys them: VarHandleOps of one graph with the same pair share one
 * value. Reading one without a value is TensorFlow's FAILED_PRECONDITION "Could not find
 * variable v. This could mean that the variable has been deleted. In TF1, it can also mean the
 * variable is uninitialized. Debug info: container=localhost, status error message=...". They
 * run on the CPU. */

/** tf.compat.v1.get_variable(name, initializer=initial_value, use_resource=True): a
 * VarHandleOp named by the scope `name` (shared_name the same) with initial_value's dtype and
 * shape, added to the graph's global variables (tact_global_variables_initializer and the
 * checkpoints cover it) with the initializer "<name>/Assign", an AssignVariableOp. Returns the
 * handle: read it with tact_read_variable. Default name "Variable". */
TACT_API tact_output_t tact_resource_variable(tact_graph_t *g, tact_output_t initial_value,
                                              const char *name, tact_status_t *st);

/** tf.raw_ops.VarHandleOp: the handle of the variable of `dtype` and shape dims[0..ndims)
 * (ndims -1: unknown rank) in `container` (NULL or "": the default, "localhost") named
 * `shared_name` (NULL or "": the op's name). The handle has no value of its own: it can only
 * be given to the ops below. Default name "Variable". */
TACT_API tact_output_t tact_var_handle(tact_graph_t *g, tact_dtype_t dtype, const int64_t *dims,
                                       int ndims, const char *container,
                                       const char *shared_name, const char *name,
                                       tact_status_t *st);

/** ReadVariableOp: the variable's value now, of its dtype. Default name "ReadVariableOp". */
TACT_API tact_output_t tact_read_variable(tact_graph_t *g, tact_output_t handle,
                                          const char *name, tact_status_t *st);

/** @{ */
/** AssignVariableOp and AssignAddVariableOp: give the variable `value` (of its dtype; a shape
 * that merges with the handle's), or add `value` to it (the same shape, else
 * INVALID_ARGUMENT "Cannot update variable with shape [2] using a Tensor with shape [3],
 * shapes must be equal."; a variable without a value is NOT_FOUND). Ops without outputs: run
 * them as targets. Default names "AssignVariableOp", "AssignAddVariableOp". Return NULL on
 * failure. */
TACT_API tact_op_t *tact_assign_variable(tact_graph_t *g, tact_output_t handle,
                                         tact_output_t value, const char *name,
                                         tact_status_t *st);
TACT_API tact_op_t *tact_assign_add_variable(tact_graph_t *g, tact_output_t handle,
                                             tact_output_t value, const char *name,
                                             tact_status_t *st);
/** @} */

/** VarIsInitializedOp: a bool scalar, whether the variable has a value in the session. Default
 * name "VarIsInitializedOp". */
TACT_API tact_output_t tact_var_is_initialized(tact_graph_t *g, tact_output_t handle,
                                               const char *name, tact_status_t *st);

/** ------------------------------------------------------------------------------------------ */
/** Initializers, tf.get_variable and variable scopes                                          */
/** ------------------------------------------------------------------------------------------ */

/** XX(KIND, TensorFlow's name) */
#define TACT_INITIALIZER_MAP(XX)                              \
    XX(ZEROS,            "zeros_initializer")                 \
    XX(ONES,             "ones_initializer")                  \
    XX(CONSTANT,         "constant_initializer")              \
    XX(RANDOM_UNIFORM,   "random_uniform_initializer")        \
    XX(RANDOM_NORMAL,    "random_normal_initializer")         \
    XX(TRUNCATED_NORMAL, "truncated_normal_initializer")      \
    XX(GLOROT_UNIFORM,   "glorot_uniform_initializer")        \
    XX(GLOROT_NORMAL,    "glorot_normal_initializer")

typedef enum {
#define XX(kind, text) TACT_INITIALIZER_##kind,
    TACT_INITIALIZER_MAP(XX)
#undef XX
    TACT_INITIALIZER_COUNT
} tact_initializer_kind_t;

/** How tact_get_variable makes a new variable's initial value: TensorFlow's initializer
 * objects as a plain value. Each kind reads the fields its comment names; the constructors
 * below fill them with TensorFlow's defaults. The initial value is built under
 * "<variable>/Initializer/" with TensorFlow's names:
 *   ZEROS, ONES          Fill "zeros" / "ones" (any dtype but string; ZEROS of string is a
 *                        Const "zeros" of empty strings, as in TensorFlow)
 *   CONSTANT             Const "Const" of `value` in every element (converted as tact_fill
 *                        converts)
 *   RANDOM_UNIFORM       "random_uniform" in [minval, maxval)            (float dtypes)
 *   RANDOM_NORMAL        "random_normal" of mean, stddev                 (float dtypes)
 *   TRUNCATED_NORMAL     "truncated_normal" of mean, stddev              (float dtypes)
 *   GLOROT_UNIFORM       "random_uniform" in [-limit, limit), limit = sqrt(6 / (fan_in +
 *                        fan_out))                                       (float dtypes)
 *   GLOROT_NORMAL        "truncated_normal" of mean 0, stddev = sqrt(2 / (fan_in + fan_out))
 *                        / 0.87962566103423978 (the truncated normal's own spread) (floats)
 * Fans follow TensorFlow's _compute_fans: a scalar has fan_in = fan_out = 1, a vector [n]
 * n and n, a matrix [in, out] in and out, and a convolution kernel [..., in, out] in and out
 * times the product of the leading sizes; the Glorot variance is taken over
 * max(1, (fan_in + fan_out) / 2). Glorot kinds on other dtypes are INVALID_ARGUMENT "Expected
 * floating point type, got int32.". */
typedef struct tact_initializer {
    tact_initializer_kind_t kind;
    double value;                 /* CONSTANT */
    double minval;                /* RANDOM_UNIFORM */
    double maxval;                /* RANDOM_UNIFORM */
    double mean;                  /* RANDOM_NORMAL, TRUNCATED_NORMAL */
    double stddev;                /* RANDOM_NORMAL, TRUNCATED_NORMAL */
    int64_t seed;                 /* the random and Glorot kinds: op seed, or TACT_SEED_NONE */
} tact_initializer_t;

/** "zeros_initializer" and so on; "unknown" outside the map. Never NULL. */
TACT_API const char *tact_initializer_kind_name(tact_initializer_kind_t kind);

/** @{ */
/** tf.zeros_initializer(), tf.ones_initializer(), tf.constant_initializer(value),
 * tf.random_uniform_initializer(minval, maxval, seed), tf.random_normal_initializer(mean,
 * stddev, seed), tf.truncated_normal_initializer(mean, stddev, seed),
 * tf.glorot_uniform_initializer(seed), tf.glorot_normal_initializer(seed). */
TACT_API tact_initializer_t tact_zeros_initializer(void);
TACT_API tact_initializer_t tact_ones_initializer(void);
TACT_API tact_initializer_t tact_constant_initializer(double value);
TACT_API tact_initializer_t tact_random_uniform_initializer(double minval, double maxval,
                                                            int64_t seed);
TACT_API tact_initializer_t tact_random_normal_initializer(double mean, double stddev,
                                                           int64_t seed);
TACT_API tact_initializer_t tact_truncated_normal_initializer(double mean, double stddev,
                                                              int64_t seed);
TACT_API tact_initializer_t tact_glorot_uniform_initializer(int64_t seed);
TACT_API tact_initializer_t tact_glorot_normal_initializer(int64_t seed);
/** @} */

/** tf.get_variable: the variable "<scope>/<name>" (the calling thread's open variable scopes
 * on `g`, joined with '/'), as TensorFlow's variable store gives it:
 *   - not yet made by tact_get_variable, outside reuse: a new variable of `dtype` and shape
 *     dims[0..ndims) (every size known: else INVALID_ARGUMENT "Shape of a new variable
 *     (scope/v) must be fully defined, but instead was (?, 3)."), initialised by `init`, or
 *     when `init` is NULL by TensorFlow's default: glorot_uniform for float dtypes, zeros for
 *     integers and bool, empty strings for string (a Const "scope/v/Initializer/zeros", as
 *     TensorFlow's zeros_initializer makes for strings). Its ops are "scope/v" (VariableV2), "scope/v/Initializer/..."
 *     (see tact_initializer_t) and "scope/v/Assign"; it joins the global variables, so
 *     tact_global_variables_initializer covers it. An op of another kind already named
 *     "scope/v" makes the variable "scope/v_1", as in TensorFlow.
 *   - already made, outside reuse: INVALID_ARGUMENT "Variable scope/v already exists,
 *     disallowed. Did you mean to set reuse=True or reuse=tf.AUTO_REUSE in VarScope?"
 *   - already made, inside reuse: that variable, when `dtype` matches and the shape is
 *     compatible (ndims -1 or sizes -1 match anything); else INVALID_ARGUMENT "Trying to
 *     share variable scope/v, but specified shape (3, 2) and found shape (2, 3)." (or "...
 *     specified dtype float64 and found dtype float32_ref.").
 *   - not made, inside reuse: INVALID_ARGUMENT "Variable scope/v does not exist, or was not
 *     created with tf.get_variable(). Did you mean to set reuse=tf.AUTO_REUSE in VarScope?"
 * Returns the variable's value, as tact_variable does. Errors are kept as the graph's first
 * error too, as builders' are. Calls on one graph are serialised, so two threads asking for
 * one new name get one variable and one "already exists". */
TACT_API tact_output_t tact_get_variable(tact_graph_t *g, const char *name, tact_dtype_t dtype,
                                         const int64_t *dims, int ndims,
                                         const tact_initializer_t *init, tact_status_t *st);

/** `with tf.variable_scope(name, reuse=reuse):` for the calling thread on `g` (NULL: the
 * default graph, resolved now; pass the same graph to the pop). Names given to
 * tact_get_variable inside get the prefix "<outer scopes>/<name>/". `reuse` true turns reuse
 * on for this scope and every scope inside it; false inherits the enclosing scope's (as
 * TensorFlow's reuse=None: reuse cannot be turned off inside a reusing scope). Like
 * TensorFlow's, a variable scope also opens a name scope of its name (tact_graph_push_name_scope),
 * made unique: other ops built inside are named "layer1/Add", and a second entry of "layer1"
 * names them "layer1_1/Add" while its variables are still "layer1/w". Scopes belong to one
 * (graph, thread) pair, as device scopes do.
 *
 * A push always opens a scope, even when `st` already holds an error or `name` is NULL, empty
 * or not a valid op name (INVALID_ARGUMENT; the scope then repeats the enclosing one), so
 * every push is matched by exactly one pop. Returns st's code. */
TACT_API tact_code_t tact_variable_scope_push(tact_graph_t *g, const char *name, bool reuse,
                                              tact_status_t *st);

/** Close the calling thread's innermost variable scope on `g` (NULL: the default graph). It
 * pops even when `st` already holds an error (a pop is cleanup). FAILED_PRECONDITION when the
 * thread has no variable scope open on `g`. */
TACT_API tact_code_t tact_variable_scope_pop(tact_graph_t *g, tact_status_t *st);

/** tf.get_variable_scope().name: the calling thread's current scope on `g`, "a/b", or "" at
 * the top, into buf[0..len) (NUL-terminated when len > 0). Returns the full length, like
 * snprintf. */
TACT_API size_t tact_variable_scope_name(tact_graph_t *g, char *buf, size_t len);

/** ---- Sparse tensors (TensorFlow's SparseTensor as its three outputs) ----------------------
 * indices int64 [N, rank] (rows in row-major order for the ops that need it), values [N],
 * dense_shape int64 [rank]. The sparse ops run on the CPU (they have no GPU kernel, as in
 * TensorFlow). Bad values are the kernels' INVALID_ARGUMENT, in TensorFlow's words. */
typedef struct tact_sparse_output {
    tact_output_t indices;       /* int64 [N, rank] */
    tact_output_t values;        /* dtype [N] */
    tact_output_t dense_shape;   /* int64 [rank] */
} tact_sparse_output_t;

/** tf.compat.v1.sparse_placeholder: three placeholders named "<name>/indices", "<name>/values"
 * and "<name>/shape" (name NULL: default names). dims[0..ndims) with -1 for unknown sizes;
 * ndims -1 for an unknown rank. With a known rank "<name>/shape" is a PlaceholderWithDefault
 * of those dims, so it need not be fed. Feed with tact_sparse_feed. On failure every output
 * is invalid and `st` is filled. */
TACT_API tact_sparse_output_t tact_sparse_placeholder(tact_graph_t *g, tact_dtype_t dtype,
                                                      const int64_t *dims,
                                                      int ndims /* -1 unknown */,
                                                      const char *name, tact_status_t *st);

/** tf.sparse.to_dense ("SparseToDense", validate_indices): default_value a scalar of the values'
 * dtype, or an empty output ({NULL, -1}) for zero. Unordered or repeated indices fail. */
TACT_API tact_output_t tact_sparse_to_dense(tact_graph_t *g, tact_sparse_output_t sp,
                                            tact_output_t default_value /* empty: zero */,
                                            const char *name, tact_status_t *st);

/** tf.sparse.from_dense: the non-zero elements of `dense` in row-major order. One op of tact's
 * own, "TactSparseFromDense" (default name "SparseFromDense"), where TensorFlow builds
 * NotEqual, Where and GatherNd. */
TACT_API tact_sparse_output_t tact_sparse_from_dense(tact_graph_t *g, tact_output_t dense,
                                                     const char *name, tact_status_t *st);

/** tf.sparse.reduce_sum ("SparseReduceSum") over axes[0..n_axes) (negative count from the end;
 * n_axes 0: every axis), a dense result; keep_dims keeps reduced axes with size 1. */
TACT_API tact_output_t tact_sparse_reduce_sum(tact_graph_t *g, tact_sparse_output_t sp,
                                              const int *axes, int n_axes /* 0: all */,
                                              bool keep_dims, const char *name,
                                              tact_status_t *st);

/** tf.sparse.sparse_dense_matmul: the op "SparseTensorDenseMatMul" inside a name scope `name`
 * (default "SparseTensorDenseMatMul"). a is a sparse matrix; the adjoints transpose. */
TACT_API tact_output_t tact_sparse_tensor_dense_matmul(tact_graph_t *g, tact_sparse_output_t a,
                                                       tact_output_t b, bool adjoint_a,
                                                       bool adjoint_b, const char *name,
                                                       tact_status_t *st);

/** tf.sparse.add of two sparse tensors of one dense shape ("SparseAdd"): the union of their
 * indices (both sorted), values added where they meet; a sum whose magnitude is below
 * `thresh` is left out (a Const "threshold" of the values' dtype). */
TACT_API tact_sparse_output_t tact_sparse_add(tact_graph_t *g, tact_sparse_output_t a,
                                              tact_sparse_output_t b, double thresh,
                                              const char *name, tact_status_t *st);

/** tf.sparse.add(sparse, dense) ("SparseTensorDenseAdd"): b plus a's values at a's indices, of
 * b's shape (no broadcasting). */
TACT_API tact_output_t tact_sparse_add_dense(tact_graph_t *g, tact_sparse_output_t a,
                                             tact_output_t b, const char *name,
                                             tact_status_t *st);

/** ------------------------------------------------------------------------------------------ */
/** Math (runtime/ops/math_ops.c)                                                               */
/** ------------------------------------------------------------------------------------------ */

/** @{ */
/** Element-wise functions, named like TensorFlow's Python functions, with TensorFlow's type as
 * the default name: tf.abs ("Abs"), tf.square ("Square"), tf.math.sign ("Sign"), tf.round
 * ("Round", half to even) take float32, float64, int32 or int64; tf.sqrt ("Sqrt"),
 * tf.math.rsqrt ("Rsqrt"), tf.exp ("Exp"), tf.math.log ("Log"), tf.floor ("Floor"),
 * tf.math.ceil ("Ceil"), tf.math.reciprocal ("Reciprocal"), tf.nn.elu ("Elu") and
 * tf.nn.softplus ("Softplus") take float32 or float64. A dtype outside the list is
 * INVALID_ARGUMENT with TensorFlow's "Value passed to parameter 'x' has DataType ..." message. */
TACT_API tact_output_t tact_abs(tact_graph_t *g, tact_output_t x, const char *name,
                                tact_status_t *st);
TACT_API tact_output_t tact_square(tact_graph_t *g, tact_output_t x, const char *name,
                                   tact_status_t *st);
TACT_API tact_output_t tact_sqrt(tact_graph_t *g, tact_output_t x, const char *name,
                                 tact_status_t *st);
TACT_API tact_output_t tact_rsqrt(tact_graph_t *g, tact_output_t x, const char *name,
                                  tact_status_t *st);
TACT_API tact_output_t tact_exp(tact_graph_t *g, tact_output_t x, const char *name,
                                tact_status_t *st);
TACT_API tact_output_t tact_log(tact_graph_t *g, tact_output_t x, const char *name,
                                tact_status_t *st);
TACT_API tact_output_t tact_sign(tact_graph_t *g, tact_output_t x, const char *name,
                                 tact_status_t *st);
TACT_API tact_output_t tact_floor(tact_graph_t *g, tact_output_t x, const char *name,
                                  tact_status_t *st);
TACT_API tact_output_t tact_ceil(tact_graph_t *g, tact_output_t x, const char *name,
                                 tact_status_t *st);
TACT_API tact_output_t tact_round(tact_graph_t *g, tact_output_t x, const char *name,
                                  tact_status_t *st);
TACT_API tact_output_t tact_reciprocal(tact_graph_t *g, tact_output_t x, const char *name,
                                       tact_status_t *st);
TACT_API tact_output_t tact_elu(tact_graph_t *g, tact_output_t x, const char *name,
                                tact_status_t *st);
TACT_API tact_output_t tact_softplus(tact_graph_t *g, tact_output_t x, const char *name,
                                     tact_status_t *st);
/** @} */

/** tf.nn.relu6 ("Relu6"): min(max(x, 0), 6); float32, float64, int32 or int64. */
TACT_API tact_output_t tact_relu6(tact_graph_t *g, tact_output_t x, const char *name,
                                  tact_status_t *st);

/** tf.nn.leaky_relu ("LeakyRelu"): x where x >= 0, alpha * x below (TensorFlow's default alpha
 * is 0.2; like TensorFlow's attr, alpha is kept as a float32); float32 or float64. */
TACT_API tact_output_t tact_leaky_relu(tact_graph_t *g, tact_output_t x, double alpha,
                                       const char *name, tact_status_t *st);

/** tf.nn.log_softmax over the last axis ("LogSoftmax"); float32 or float64, rank >= 1. */
TACT_API tact_output_t tact_log_softmax(tact_graph_t *g, tact_output_t x, const char *name,
                                        tact_status_t *st);

/** tf.stop_gradient ("StopGradient"): the input's value, any dtype (tact computes no
 * gradients; the op is kept so that graphs round-trip). */
TACT_API tact_output_t tact_stop_gradient(tact_graph_t *g, tact_output_t x, const char *name,
                                          tact_status_t *st);

/** @{ */
/** Binary ops that broadcast like numpy; both inputs of one dtype (float32, float64, int32,
 * int64), the result of that dtype: tf.pow ("Pow"; an integer exponent below zero is
 * INVALID_ARGUMENT "Integers to negative integer powers are not allowed" at run time),
 * tf.maximum ("Maximum"), tf.minimum ("Minimum"), tf.math.floordiv ("floordiv", type FloorDiv)
 * and tf.math.floormod ("FloorMod"), which round toward negative infinity (integer division by
 * zero is INVALID_ARGUMENT "Integer division by zero" at run time), and
 * tf.math.squared_difference ("SquaredDifference"). */
TACT_API tact_output_t tact_pow(tact_graph_t *g, tact_output_t x, tact_output_t y,
                                const char *name, tact_status_t *st);
TACT_API tact_output_t tact_maximum(tact_graph_t *g, tact_output_t x, tact_output_t y,
                                    const char *name, tact_status_t *st);
TACT_API tact_output_t tact_minimum(tact_graph_t *g, tact_output_t x, tact_output_t y,
                                    const char *name, tact_status_t *st);
TACT_API tact_output_t tact_floordiv(tact_graph_t *g, tact_output_t x, tact_output_t y,
                                     const char *name, tact_status_t *st);
TACT_API tact_output_t tact_floormod(tact_graph_t *g, tact_output_t x, tact_output_t y,
                                     const char *name, tact_status_t *st);
TACT_API tact_output_t tact_squared_difference(tact_graph_t *g, tact_output_t x,
                                               tact_output_t y, const char *name,
                                               tact_status_t *st);
/** @} */

/** @{ */
/** Comparisons that broadcast like numpy, giving bool: tf.equal ("Equal") and tf.not_equal
 * ("NotEqual") on numbers or bools, tf.less ("Less"), tf.less_equal ("LessEqual"), tf.greater
 * ("Greater") and tf.greater_equal ("GreaterEqual") on float32, float64, int32 or int64. */
TACT_API tact_output_t tact_equal(tact_graph_t *g, tact_output_t x, tact_output_t y,
                                  const char *name, tact_status_t *st);
TACT_API tact_output_t tact_not_equal(tact_graph_t *g, tact_output_t x, tact_output_t y,
                                      const char *name, tact_status_t *st);
TACT_API tact_output_t tact_less(tact_graph_t *g, tact_output_t x, tact_output_t y,
                                 const char *name, tact_status_t *st);
TACT_API tact_output_t tact_less_equal(tact_graph_t *g, tact_output_t x, tact_output_t y,
                                       const char *name, tact_status_t *st);
TACT_API tact_output_t tact_greater(tact_graph_t *g, tact_output_t x, tact_output_t y,
                                    const char *name, tact_status_t *st);
TACT_API tact_output_t tact_greater_equal(tact_graph_t *g, tact_output_t x, tact_output_t y,
                                          const char *name, tact_status_t *st);
/** @} */

/** @{ */
/** tf.logical_and ("LogicalAnd") and tf.logical_or ("LogicalOr") broadcast like numpy;
 * tf.logical_not ("LogicalNot"). bool inputs only. */
TACT_API tact_output_t tact_logical_and(tact_graph_t *g, tact_output_t x, tact_output_t y,
                                        const char *name, tact_status_t *st);
TACT_API tact_output_t tact_logical_or(tact_graph_t *g, tact_output_t x, tact_output_t y,
                                       const char *name, tact_status_t *st);
TACT_API tact_output_t tact_logical_not(tact_graph_t *g, tact_output_t x, const char *name,
                                        tact_status_t *st);
/** @} */

/** tf.math.add_n ("AddN"): the sum of inputs[0..n), n >= 1 tensors of one numeric dtype and
 * one shape (no broadcasting). */
TACT_API tact_output_t tact_add_n(tact_graph_t *g, const tact_output_t *inputs, int n,
                                  const char *name, tact_status_t *st);

/** @{ */
/** tf.reduce_max ("Max"), tf.reduce_min ("Min") and tf.reduce_prod ("Prod"), with the axes of
 * tact_reduce_sum: axes[0..n_axes) (negative count from the end), NULL for every axis;
 * keep_dims keeps reduced axes with size 1. Over no elements Max gives the lowest value (-inf,
 * INT_MIN), Min the highest, Prod 1, as in TensorFlow. */
TACT_API tact_output_t tact_reduce_max(tact_graph_t *g, tact_output_t x, const int *axes,
                                       int n_axes, bool keep_dims, const char *name,
                                       tact_status_t *st);
TACT_API tact_output_t tact_reduce_min(tact_graph_t *g, tact_output_t x, const int *axes,
                                       int n_axes, bool keep_dims, const char *name,
                                       tact_status_t *st);
TACT_API tact_output_t tact_reduce_prod(tact_graph_t *g, tact_output_t x, const int *axes,
                                        int n_axes, bool keep_dims, const char *name,
                                        tact_status_t *st);
/** @} */

/** @{ */
/** tf.argmax ("ArgMax") and tf.argmin ("ArgMin"): the index of the largest (smallest) element
 * along `axis` (negative counts from the end), the first one on ties; the axis goes away.
 * output_type is TACT_DTYPE_I64 (TensorFlow's default) or TACT_DTYPE_I32. An empty axis is
 * INVALID_ARGUMENT "Reduction axis 0 is empty in shape [0,3]" at run time. */
TACT_API tact_output_t tact_argmax(tact_graph_t *g, tact_output_t x, int axis,
                                   tact_dtype_t output_type, const char *name,
                                   tact_status_t *st);
TACT_API tact_output_t tact_argmin(tact_graph_t *g, tact_output_t x, int axis,
                                   tact_dtype_t output_type, const char *name,
                                   tact_status_t *st);
/** @} */
/** Neural networks (NHWC)                                                                      */
/** ------------------------------------------------------------------------------------------ */

/** Padding of the sliding-window ops, TensorFlow's `padding` attribute. */
typedef enum tact_padding {
    TACT_PADDING_VALID = 0,   /**< "VALID": windows only where they fit */
    TACT_PADDING_SAME,        /**< "SAME": output size ceil(in / stride), zeros around */
    TACT_PADDING_EXPLICIT,    /**< "EXPLICIT": explicit_paddings (Conv2D, MaxPool, depthwise) */
} tact_padding_t;

/** The attributes of a convolution or a pool, in NHWC order. NULL options, or a zero array,
 * take TensorFlow's defaults where it has one (strides and dilations 1). */
typedef struct tact_conv_options {
    int strides[4];                 /**< [1, stride_h, stride_w, 1]; all 0: all 1 */
    tact_padding_t padding;         /**< VALID, SAME or EXPLICIT */
    int dilations[4];               /**< Conv2D and depthwise; all 0: all 1 */
    int explicit_paddings[8];       /**< EXPLICIT: before and after for N, H, W, C */
    int ksize[4];                   /**< pools: [1, window_h, window_w, 1] */
} tact_conv_options_t;

/** tf.nn.conv2d ("Conv2D"): input [batch, height, width, in_channels] and filter
 * [filter_height, filter_width, in_channels / groups, out_channels], float32 on the CPU.
 * Shapes and attributes are checked with TensorFlow's messages; NULL opts is stride 1,
 * VALID. Default name "Conv2D". */
TACT_API tact_output_t tact_conv2d(tact_graph_t *g, tact_output_t input, tact_output_t filter,
                                   const tact_conv_options_t *opts, const char *name,
                                   tact_status_t *st);

/** tf.nn.depthwise_conv2d_native ("DepthwiseConv2dNative"): filter [fh, fw, in_channels,
 * channel_multiplier]; output channel c * multiplier + m. The CPU kernel, as TensorFlow's,
 * takes equal row and column strides and no dilations (UNIMPLEMENTED when run). Default name
 * "DepthwiseConv2dNative". */
TACT_API tact_output_t tact_depthwise_conv2d(tact_graph_t *g, tact_output_t input,
                                             tact_output_t filter,
                                             const tact_conv_options_t *opts, const char *name,
                                             tact_status_t *st);

/** tf.nn.max_pool ("MaxPool") with opts->ksize, strides and padding (SAME, VALID or
 * EXPLICIT); padded positions never win. Default name "MaxPool". */
TACT_API tact_output_t tact_max_pool(tact_graph_t *g, tact_output_t value,
                                     const tact_conv_options_t *opts, const char *name,
                                     tact_status_t *st);

/** tf.nn.avg_pool ("AvgPool"), SAME or VALID; with SAME each output is the mean of the window's
 * elements inside the input, as TensorFlow divides. Default name "AvgPool". */
TACT_API tact_output_t tact_avg_pool(tact_graph_t *g, tact_output_t value,
                                     const tact_conv_options_t *opts, const char *name,
                                     tact_status_t *st);

/** tf.compat.v1.nn.fused_batch_norm in inference (is_training false, "FusedBatchNormV3"):
 * y = scale * (x - mean) / sqrt(variance + epsilon) + offset over the last dimension of x
 * [N, H, W, C]; scale, offset, mean and variance are [C]. Returns y; the op's outputs 1 to 5
 * ({y.op, i}) are TensorFlow's batch_mean (mean), batch_variance (variance) and three reserve
 * spaces. Default name "FusedBatchNormV3". */
TACT_API tact_output_t tact_fused_batch_norm(tact_graph_t *g, tact_output_t x,
                                             tact_output_t scale, tact_output_t offset,
                                             tact_output_t mean, tact_output_t variance,
                                             float epsilon, const char *name,
                                             tact_status_t *st);

/** tf.linalg.matmul of batches ("BatchMatMulV2"): x [..., M, K] times y [..., K, N], the batch
 * dimensions broadcast like numpy; adj_x and adj_y transpose the last two dimensions first.
 * float32 on the CPU. Default name "BatchMatMulV2". */
TACT_API tact_output_t tact_batch_matmul(tact_graph_t *g, tact_output_t x, tact_output_t y,
                                         bool adj_x, bool adj_y, const char *name,
                                         tact_status_t *st);

/** @name Array ops whose shapes come from values
 * TensorFlow's array ops. Arguments that TensorFlow takes as tensors (begin, sizes, axes,
 * multiples, paddings, depth) are graph outputs here too: a constant (tact_constant) fixes the
 * result's shape when the op is built, any other tensor when it runs. An op with several
 * outputs (Split, Unpack) returns output 0; output i is { result.op, i }.
 * @{ */
/** tf.shape ("Shape"): x's dimensions as a vector of out_type (TACT_DTYPE_I32 or I64). */
TACT_API tact_output_t tact_shape(tact_graph_t *g, tact_output_t x, tact_dtype_t out_type,
                                  const char *name, tact_status_t *st);
/** tf.size ("Size"): x's element count as a scalar of out_type (TACT_DTYPE_I32 or I64). */
TACT_API tact_output_t tact_size(tact_graph_t *g, tact_output_t x, tact_dtype_t out_type,
                                 const char *name, tact_status_t *st);
/** tf.rank ("Rank"): x's number of dimensions, an int32 scalar. */
TACT_API tact_output_t tact_rank(tact_graph_t *g, tact_output_t x, const char *name,
                                 tact_status_t *st);
/** tf.reshape with the shape as an int32 or int64 vector tensor ("Reshape"); one entry may be
 * -1. tact_reshape takes the dimensions as an array instead. */
TACT_API tact_output_t tact_reshape_to(tact_graph_t *g, tact_output_t x, tact_output_t shape,
                                       const char *name, tact_status_t *st);
/** tf.fill with the dimensions as an int32 or int64 vector tensor ("Fill"): the scalar `value`
 * (any dtype but string) in every element. tact_fill takes dimensions and value as numbers. */
TACT_API tact_output_t tact_fill_to(tact_graph_t *g, tact_output_t dims, tact_output_t value,
                                    const char *name, tact_status_t *st);
/** tf.slice ("Slice"): size[i] elements from begin[i] along each axis (size -1: to the end). */
TACT_API tact_output_t tact_slice(tact_graph_t *g, tact_output_t x, tact_output_t begin,
                                  tact_output_t size, const char *name, tact_status_t *st);
/** tf.strided_slice ("StridedSlice"), Python's x[begin:end:strides] with TensorFlow's five
 * masks (bit i applies to entry i of begin, end and strides). */
TACT_API tact_output_t tact_strided_slice(tact_graph_t *g, tact_output_t x, tact_output_t begin,
                                          tact_output_t end, tact_output_t strides,
                                          int64_t begin_mask, int64_t end_mask,
                                          int64_t ellipsis_mask, int64_t new_axis_mask,
                                          int64_t shrink_axis_mask, const char *name,
                                          tact_status_t *st);
/** tf.squeeze ("Squeeze"): drops the size-1 axes axes[0..n_axes), or every size-1 axis when
 * n_axes is 0. */
TACT_API tact_output_t tact_squeeze(tact_graph_t *g, tact_output_t x, const int *axes,
                                    int n_axes, const char *name, tact_status_t *st);
/** tf.expand_dims ("ExpandDims"): a size-1 axis inserted at the scalar `axis`. */
TACT_API tact_output_t tact_expand_dims(tact_graph_t *g, tact_output_t x, tact_output_t axis,
                                        const char *name, tact_status_t *st);
/** tf.concat ("ConcatV2") of values[0..n), n >= 2, along the scalar `axis`. */
TACT_API tact_output_t tact_concat(tact_graph_t *g, const tact_output_t *values, int n,
                                   tact_output_t axis, const char *name, tact_status_t *st);
/** tf.split into num_split equal parts ("Split") along the int32 scalar `axis`; returns
 * output 0 of num_split. */
TACT_API tact_output_t tact_split(tact_graph_t *g, tact_output_t x, int num_split,
                                  tact_output_t axis, const char *name, tact_status_t *st);
/** tf.unstack ("Unpack"): the num slices of x along `axis`; returns output 0 of num. */
TACT_API tact_output_t tact_unstack(tact_graph_t *g, tact_output_t x, int num, int axis,
                                    const char *name, tact_status_t *st);
/** tf.tile ("Tile"): x repeated multiples[i] times along axis i. */
TACT_API tact_output_t tact_tile(tact_graph_t *g, tact_output_t x, tact_output_t multiples,
                                 const char *name, tact_status_t *st);
/** tf.pad with zeros ("Pad"); paddings is [rank, 2]: before and after each axis. */
TACT_API tact_output_t tact_pad(tact_graph_t *g, tact_output_t x, tact_output_t paddings,
                                const char *name, tact_status_t *st);
/** tf.pad with constant_values, a scalar of x's dtype ("PadV2"). */
TACT_API tact_output_t tact_pad_v2(tact_graph_t *g, tact_output_t x, tact_output_t paddings,
                                   tact_output_t constant_values, const char *name,
                                   tact_status_t *st);
/** tf.gather ("GatherV2", batch_dims 0): params' slices at `indices` along the scalar `axis`;
 * an index outside [0, size) fails the run with TensorFlow's message. */
TACT_API tact_output_t tact_gather(tact_graph_t *g, tact_output_t params, tact_output_t indices,
                                   tact_output_t axis, const char *name, tact_status_t *st);
/** tf.one_hot ("OneHot"): on_value where indices name a position of the new axis `axis` (-1:
 * last) of size depth (int32 scalar), off_value elsewhere. */
TACT_API tact_output_t tact_one_hot(tact_graph_t *g, tact_output_t indices, tact_output_t depth,
                                    tact_output_t on_value, tact_output_t off_value, int axis,
                                    const char *name, tact_status_t *st);
/** tf.range ("Range"): start, start + delta, ... up to limit (excluded); scalars of one dtype
 * (int32, int64, float32, float64). */
TACT_API tact_output_t tact_range(tact_graph_t *g, tact_output_t start, tact_output_t limit,
                                  tact_output_t delta, const char *name, tact_status_t *st);
/** tf.zeros_like ("ZerosLike"): zeros (empty strings) of x's dtype and shape. */
TACT_API tact_output_t tact_zeros_like(tact_graph_t *g, tact_output_t x, const char *name,
                                       tact_status_t *st);
/** tf.ones_like ("OnesLike"): ones of x's dtype (numbers, bool) and shape. */
TACT_API tact_output_t tact_ones_like(tact_graph_t *g, tact_output_t x, const char *name,
                                      tact_status_t *st);
/** @} */

/** @name Top-k and image resizing
 * tf.math.top_k and tf.compat.v1.image.resize_* as TensorFlow's raw ops. `k` and `size` are
 * int32 graph outputs: a constant fixes the result's shape when the op is built, any other
 * tensor when it runs.
 * @{ */
/** tf.math.top_k ("TopKV2"): the k largest entries of each row of `input`'s last dimension,
 * largest first (the lower index first among equal values), as output 0, and their int32
 * indices as output 1 ({op, 1}). `k` is an int32 scalar in [0, last dimension]. `sorted` is
 * kept for export; the CPU kernel always sorts. float32 on the CPU. Returns output 0. */
TACT_API tact_output_t tact_top_k(tact_graph_t *g, tact_output_t input, tact_output_t k,
                                  bool sorted, const char *name, tact_status_t *st);
/** tf.compat.v1.image.resize_bilinear ("ResizeBilinear"): NHWC `images` resized to `size`
 * (int32 [2]: height, width) by bilinear interpolation with TensorFlow's coordinates for
 * align_corners and half_pixel_centers (both true is refused when run). float32 output. */
TACT_API tact_output_t tact_resize_bilinear(tact_graph_t *g, tact_output_t images,
                                            tact_output_t size, bool align_corners,
                                            bool half_pixel_centers, const char *name,
                                            tact_status_t *st);
/** tf.compat.v1.image.resize_nearest_neighbor ("ResizeNearestNeighbor"): like
 * tact_resize_bilinear, taking each output pixel from the nearest input pixel. float32 on the
 * CPU; the output has the images' dtype. */
TACT_API tact_output_t tact_resize_nearest_neighbor(tact_graph_t *g, tact_output_t images,
                                                    tact_output_t size, bool align_corners,
                                                    bool half_pixel_centers, const char *name,
                                                    tact_status_t *st);
/** @} */

TACT_END_DECLS

#endif
