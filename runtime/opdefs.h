/* SPDX-License-Identifier: MIT */
/* The op table: every op kind with its TensorFlow type name and default name, and the shape
 * and dtype inference that runs when an op is built (partial shapes) and again when it runs
 * (concrete shapes). A new op is one TACT_OP_MAP line, a case in tact__op_infer and kernels. */
#ifndef TACT_RUNTIME_OPDEFS_H
#define TACT_RUNTIME_OPDEFS_H

#include "runtime/tensor_impl.h"

/* XX(KIND, TensorFlow type, default name) */
#define TACT_OP_MAP(XX)                             \
    XX(CONST,       "Const",       "Const")         \
    XX(PLACEHOLDER, "Placeholder", "Placeholder")   \
    XX(IDENTITY,    "Identity",    "Identity")      \
    XX(ADD,         "Add",         "Add")           \
    XX(SUB,         "Sub",         "Sub")           \
    XX(MUL,         "Mul",         "mul")           \
    XX(REALDIV,     "RealDiv",     "truediv")       \
    XX(DIV,         "Div",         "div")           \
    XX(NEG,         "Neg",         "Neg")           \
    XX(RELU,        "Relu",        "Relu")          \
    XX(SIGMOID,     "Sigmoid",     "Sigmoid")       \
    XX(TANH,        "Tanh",        "Tanh")          \
    XX(SOFTMAX,     "Softmax",     "Softmax")       \
    XX(MATMUL,      "MatMul",      "MatMul")        \
    XX(SUM,         "Sum",         "Sum")           \
    XX(MEAN,        "Mean",        "Mean")          \
    XX(RESHAPE,     "Reshape",     "Reshape")       \
    XX(TRANSPOSE,   "Transpose",   "Transpose")     \
    XX(CAST,        "Cast",        "Cast")          \
    XX(NOOP,        "NoOp",        "NoOp")          \
    XX(VARIABLE,    "VariableV2",  "Variable")      \
    XX(ASSIGN,      "Assign",      "Assign")        \
    XX(ASSIGN_ADD,  "AssignAdd",   "AssignAdd")     \
    XX(ASSIGN_SUB,  "AssignSub",   "AssignSub")

typedef enum {
#define XX(kind, type, defname) TACT_OP_##kind,
    TACT_OP_MAP(XX)
#undef XX
    TACT_OP_COUNT
} tact_op_kind_t;

/* True for the ops that update a variable in place of their first input. */
static inline bool tact__op_kind_assigns(tact_op_kind_t kind)
{
    return kind == TACT_OP_ASSIGN || kind == TACT_OP_ASSIGN_ADD || kind == TACT_OP_ASSIGN_SUB;
}

/* The most outputs any op has. */
#define TACT_MAX_OUTPUTS 1

/* Attributes; each op kind reads the fields its comment names. */
typedef struct tact_op_attrs {
    tact_tensor_t *value;        /* CONST: owned by the op */
    tact_dtype_t dtype;          /* PLACEHOLDER, VARIABLE: its dtype; CAST: the target dtype */
    tact_shape_t shape;          /* PLACEHOLDER, VARIABLE: declared; RESHAPE: requested */
    bool transpose_a;            /* MATMUL */
    bool transpose_b;            /* MATMUL */
    int n_axes;                  /* SUM, MEAN: -1 = every axis */
    int axes[TACT_MAX_DIMS];     /* SUM, MEAN: as given (may be negative) */
    bool keep_dims;              /* SUM, MEAN */
    int n_perm;                  /* TRANSPOSE: -1 = reverse */
    int perm[TACT_MAX_DIMS];     /* TRANSPOSE */
    struct tact_op *initializer; /* VARIABLE: the Assign of its initial value */
} tact_op_attrs_t;

/* When inference runs: building (partial shapes, TensorFlow's build-time messages) or running
 * (concrete shapes, the runtime kernels' messages). */
typedef enum { TACT_INFER_BUILD, TACT_INFER_RUN } tact_infer_phase_t;

const char *tact__op_kind_type(tact_op_kind_t kind);
const char *tact__op_kind_default_name(tact_op_kind_t kind);

/* Infer output 0's dtype and shape from the inputs' dtypes and shapes. `op_name` is used in
 * messages. Returns OK or fills `st` (INVALID_ARGUMENT, naming the op and the shapes). */
tact_code_t tact__op_infer(tact_op_kind_t kind, const tact_op_attrs_t *attrs, const char *op_name,
                           int n_in, const tact_dtype_t *in_dtypes, const tact_shape_t *in_shapes,
                           tact_infer_phase_t phase, tact_dtype_t *out_dtype,
                           tact_shape_t *out_shape, tact_status_t *st);

#endif
