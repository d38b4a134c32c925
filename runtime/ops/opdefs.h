/* SPDX-License-Identifier: MIT */
/* The op table: every op kind with its TensorFlow type name and default name, and the shape
 * and dtype inference that runs when an op is built (partial shapes) and again when it runs
 * (concrete shapes).
 *
 * Adding an op (STYLE.md 1b: one file per op family). A new op is
 *   1. one TACT_OP_MAP line below (its kind, TensorFlow type and default name);
 *   2. one entry in its family's table of definitions in runtime/ops/<family>_ops.c,
 *        const tact_op_def_t tact__<family>_op_defs[TACT_OP_COUNT] = {
 *            [TACT_OP_STRING_JOIN] = { .arity = ..., .infer = ... }, };
 *      (inputs, outputs, shape function and flags; listed once in opdefs.c's family list);
 *   3. one entry in devices/cpu/kernels/<family>_kernels.c's table of tact_cpu_op_kernel_t
 *      (devices/cpu/kernels/family.h), which cpu.c consults before its older kernels, and a
 *      GPU kernel only when it has one (the scheduler places an op without one on the CPU).
 * tact__op_infer, tact__op_num_outputs and the arity check look a kind up in the family tables
 * first; the switch in opdefs.c holds the ops older than the families. */
#ifndef TACT_RUNTIME_OPDEFS_H
#define TACT_RUNTIME_OPDEFS_H

#include "runtime/base/tensor_impl.h"

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
    XX(TRANSPOSE,   "Transpose",   "transpose")     \
    XX(CAST,        "Cast",        "Cast")          \
    XX(NOOP,        "NoOp",        "NoOp")          \
    XX(QUEUE,         "FIFOQueueV2",        "fifo_queue")             \
    XX(QUEUE_ENQUEUE, "QueueEnqueueV2",     "fifo_queue_enqueue")     \
    XX(QUEUE_ENQUEUE_MANY, "QueueEnqueueManyV2", "fifo_queue_EnqueueMany") \
    XX(QUEUE_DEQUEUE, "QueueDequeueV2",     "fifo_queue_Dequeue")     \
    XX(QUEUE_DEQUEUE_MANY, "QueueDequeueManyV2", "fifo_queue_DequeueMany") \
    XX(QUEUE_SIZE,    "QueueSizeV2",        "fifo_queue_Size")        \
    XX(QUEUE_CLOSE,   "QueueCloseV2",       "fifo_queue_Close")       \
    XX(TEXT_LINE_READER,  "TextLineReaderV2",  "TextLineReaderV2")    \
    XX(WHOLE_FILE_READER, "WholeFileReaderV2", "WholeFileReaderV2")   \
    XX(READER_READ,       "ReaderReadV2",      "ReaderReadV2")        \
    XX(VARIABLE,    "VariableV2",  "Variable")      \
    XX(ASSIGN,      "Assign",      "Assign")        \
    XX(ASSIGN_ADD,  "AssignAdd",   "AssignAdd")     \
    XX(ASSIGN_SUB,  "AssignSub",   "AssignSub")     \
    XX(FILL,        "Fill",        "Fill")          \
    XX(RANDOM_UNIFORM,   "RandomUniform",        "random_uniform")   \
    XX(RANDOM_NORMAL,    "RandomStandardNormal", "random_normal")    \
    XX(TRUNCATED_NORMAL, "TruncatedNormal",      "truncated_normal") \
    /* runtime/ops/array_ops.c */                                   \
    XX(PLACEHOLDER_WITH_DEFAULT, "PlaceholderWithDefault", "PlaceholderWithDefault") \
    XX(SELECT,      "Select",      "Select")        \
    XX(SELECT_V2,   "SelectV2",    "SelectV2")      \
    XX(PACK,        "Pack",        "stack")         \
    XX(IDENTITY_N,  "IdentityN",   "IdentityN")     \
    XX(SHAPE,       "Shape",       "Shape")         \
    XX(SIZE,        "Size",        "Size")          \
    XX(RANK,        "Rank",        "Rank")          \
    XX(SLICE,       "Slice",       "Slice")         \
    XX(STRIDED_SLICE, "StridedSlice", "strided_slice") \
    XX(SQUEEZE,     "Squeeze",     "Squeeze")       \
    XX(EXPAND_DIMS, "ExpandDims",  "ExpandDims")    \
    XX(CONCAT_V2,   "ConcatV2",    "concat")        \
    XX(SPLIT,       "Split",       "split")         \
    XX(UNPACK,      "Unpack",      "unstack")       \
    XX(TILE,        "Tile",        "Tile")          \
    XX(PAD,         "Pad",         "Pad")           \
    XX(GATHER_V2,   "GatherV2",    "GatherV2")      \
    XX(ONE_HOT,     "OneHot",      "one_hot")       \
    XX(RANGE,       "Range",       "range")         \
    XX(ZEROS_LIKE,  "ZerosLike",   "zeros_like")    \
    XX(ONES_LIKE,   "OnesLike",    "ones_like")     \
    XX(PAD_V2,      "PadV2",       "PadV2")         \
    /* runtime/ops/string_ops.c */                                  \
    XX(STRING_JOIN, "StringJoin",  "StringJoin")    \
    XX(STATIC_REGEX_FULL_MATCH, "StaticRegexFullMatch", "StaticRegexFullMatch") \
    /* runtime/ops/io_ops.c */                                      \
    XX(SAVE_V2,     "SaveV2",      "SaveV2")        \
    XX(RESTORE_V2,  "RestoreV2",   "RestoreV2")     \
    XX(MERGE_V2_CHECKPOINTS, "MergeV2Checkpoints", "MergeV2Checkpoints") \
    XX(SHARDED_FILENAME, "ShardedFilename", "ShardedFilename") \
    /* runtime/ops/sparse_ops.c */                                  \
    XX(SPARSE_TO_DENSE, "SparseToDense", "SparseToDense")           \
    XX(SPARSE_FROM_DENSE, "TactSparseFromDense", "SparseFromDense") \
    XX(SPARSE_REDUCE_SUM, "SparseReduceSum", "SparseReduceSum")     \
    XX(SPARSE_DENSE_MATMUL, "SparseTensorDenseMatMul", "SparseTensorDenseMatMul") \
    XX(SPARSE_ADD,  "SparseAdd",   "SparseAdd")     \
    XX(SPARSE_DENSE_ADD, "SparseTensorDenseAdd", "SparseTensorDenseAdd") \
    /* runtime/ops/math_ops.c */                                    \
    XX(ABS,         "Abs",         "Abs")           \
    XX(SQUARE,      "Square",      "Square")        \
    XX(SQRT,        "Sqrt",        "Sqrt")          \
    XX(RSQRT,       "Rsqrt",       "Rsqrt")         \
    XX(EXP,         "Exp",         "Exp")           \
    XX(LOG,         "Log",         "Log")           \
    XX(SIGN,        "Sign",        "Sign")          \
    XX(FLOOR,       "Floor",       "Floor")         \
    XX(CEIL,        "Ceil",        "Ceil")          \
    XX(ROUND,       "Round",       "Round")         \
    XX(RECIPROCAL,  "Reciprocal",  "Reciprocal")    \
    XX(RELU6,       "Relu6",       "Relu6")         \
    XX(LEAKY_RELU,  "LeakyRelu",   "LeakyRelu")     \
    XX(ELU,         "Elu",         "Elu")           \
    XX(SOFTPLUS,    "Softplus",    "Softplus")      \
    XX(LOG_SOFTMAX, "LogSoftmax",  "LogSoftmax")    \
    XX(STOP_GRADIENT, "StopGradient", "StopGradient") \
    XX(POW,         "Pow",         "Pow")           \
    XX(MAXIMUM,     "Maximum",     "Maximum")       \
    XX(MINIMUM,     "Minimum",     "Minimum")       \
    XX(FLOOR_DIV,   "FloorDiv",    "floordiv")      \
    XX(FLOOR_MOD,   "FloorMod",    "FloorMod")      \
    XX(SQUARED_DIFFERENCE, "SquaredDifference", "SquaredDifference") \
    XX(EQUAL,       "Equal",       "Equal")         \
    XX(NOT_EQUAL,   "NotEqual",    "NotEqual")      \
    XX(LESS,        "Less",        "Less")          \
    XX(LESS_EQUAL,  "LessEqual",   "LessEqual")     \
    XX(GREATER,     "Greater",     "Greater")       \
    XX(GREATER_EQUAL, "GreaterEqual", "GreaterEqual") \
    XX(LOGICAL_AND, "LogicalAnd",  "LogicalAnd")    \
    XX(LOGICAL_OR,  "LogicalOr",   "LogicalOr")     \
    XX(LOGICAL_NOT, "LogicalNot",  "LogicalNot")    \
    XX(ADD_N,       "AddN",        "AddN")          \
    XX(MAX,         "Max",         "Max")           \
    XX(MIN,         "Min",         "Min")           \
    XX(PROD,        "Prod",        "Prod")          \
    XX(ARG_MAX,     "ArgMax",      "ArgMax")        \
    XX(ARG_MIN,     "ArgMin",      "ArgMin")        \
    /* runtime/ops/nn_ops.c */                                      \
    XX(CONV2D,      "Conv2D",      "Conv2D")        \
    XX(DEPTHWISE_CONV2D, "DepthwiseConv2dNative", "DepthwiseConv2dNative") \
    XX(MAX_POOL,    "MaxPool",     "MaxPool")       \
    XX(AVG_POOL,    "AvgPool",     "AvgPool")       \
    XX(FUSED_BATCH_NORM, "FusedBatchNorm", "FusedBatchNorm")       \
    XX(FUSED_BATCH_NORM_V3, "FusedBatchNormV3", "FusedBatchNormV3") \
    XX(BATCH_MATMUL, "BatchMatMulV2", "BatchMatMulV2") \
    /* runtime/ops/state_ops.c */                                   \
    XX(VAR_HANDLE,  "VarHandleOp", "Variable")      \
    XX(READ_VARIABLE, "ReadVariableOp", "ReadVariableOp") \
    XX(ASSIGN_VARIABLE, "AssignVariableOp", "AssignVariableOp") \
    XX(ASSIGN_ADD_VARIABLE, "AssignAddVariableOp", "AssignAddVariableOp") \
    XX(VAR_IS_INITIALIZED, "VarIsInitializedOp", "VarIsInitializedOp") \
    /* runtime/ops/math_ops.c */                                    \
    XX(IS_FINITE,   "IsFinite",    "IsFinite")      \
    XX(ERFC,        "Erfc",        "Erfc")          \
    XX(SELU,        "Selu",        "Selu")          \
    XX(SOFTSIGN,    "Softsign",    "Softsign")      \
    /* runtime/ops/nn_ops.c */                                      \
    XX(TOP_K,       "TopKV2",      "TopKV2")        \
    /* runtime/ops/image_ops.c */                                   \
    XX(RESIZE_BILINEAR, "ResizeBilinear", "ResizeBilinear") \
    XX(RESIZE_NEAREST_NEIGHBOR, "ResizeNearestNeighbor", "ResizeNearestNeighbor")

typedef enum {
#define XX(kind, type, defname) TACT_OP_##kind,
    TACT_OP_MAP(XX)
#undef XX
    TACT_OP_COUNT
} tact_op_kind_t;

/* True for the reductions over attrs' axes (n_axes, axes, keep_dims), whose axes TensorFlow
 * takes as a Const input "reduction_indices". */
static inline bool tact__op_kind_reduces(tact_op_kind_t kind)
{
    return kind == TACT_OP_SUM || kind == TACT_OP_MEAN || kind == TACT_OP_MAX ||
           kind == TACT_OP_MIN || kind == TACT_OP_PROD;
}

/* True for the ops that update a variable in place of their first input. */
static inline bool tact__op_kind_assigns(tact_op_kind_t kind)
{
    return kind == TACT_OP_ASSIGN || kind == TACT_OP_ASSIGN_ADD || kind == TACT_OP_ASSIGN_SUB;
}

/* True for the ops that draw from a Philox stream (seeded by attrs.seed and attrs.seed2). */
static inline bool tact__op_kind_random(tact_op_kind_t kind)
{
    return kind == TACT_OP_RANDOM_UNIFORM || kind == TACT_OP_RANDOM_NORMAL ||
           kind == TACT_OP_TRUNCATED_NORMAL;
}

/* True for the ops that act on a queue given as their first input. */
static inline bool tact__op_kind_uses_queue(tact_op_kind_t kind)
{
    return kind >= TACT_OP_QUEUE_ENQUEUE && kind <= TACT_OP_QUEUE_CLOSE;
}

/* True for the ops that may wait long (for a queue's elements or room): their fragment runs
 * on the calling thread, never holding a device actor. */
static inline bool tact__op_kind_may_block(tact_op_kind_t kind)
{
    return kind == TACT_OP_QUEUE_ENQUEUE || kind == TACT_OP_QUEUE_ENQUEUE_MANY ||
           kind == TACT_OP_QUEUE_DEQUEUE || kind == TACT_OP_QUEUE_DEQUEUE_MANY ||
           kind == TACT_OP_READER_READ;
}

/* True for the ops that declare a reader (a session resource). */
static inline bool tact__op_kind_is_reader(tact_op_kind_t kind)
{
    return kind == TACT_OP_TEXT_LINE_READER || kind == TACT_OP_WHOLE_FILE_READER;
}

/* True for the ops on a resource variable, whose first input is a VarHandleOp's handle. */
static inline bool tact__op_kind_uses_var_handle(tact_op_kind_t kind)
{
    return kind == TACT_OP_READ_VARIABLE || kind == TACT_OP_ASSIGN_VARIABLE ||
           kind == TACT_OP_ASSIGN_ADD_VARIABLE || kind == TACT_OP_VAR_IS_INITIALIZED;
}

/* True for the ops whose input `i` is a resource (queue, reader, variable) taken by
 * reference, so that input has no value of its own. */
static inline bool tact__op_input_is_handle(tact_op_kind_t kind, int i)
{
    return (i == 0 && (tact__op_kind_uses_queue(kind) || tact__op_kind_assigns(kind) ||
                       tact__op_kind_uses_var_handle(kind))) ||
           (i < 2 && kind == TACT_OP_READER_READ);
}

/* The most components a queue element has (a dequeue has one output per component); also the
 * inputs that the executors' scratch arrays hold on the stack (more go on the heap). An op's
 * outputs are allocated per op: RestoreV2 has one per tensor it restores. */
#define TACT_MAX_OUTPUTS 8

/* Attributes; each op kind reads the fields its comment names. */
typedef struct tact_op_attrs {
    tact_tensor_t *value;        /* CONST: owned by the op; FILL: the scalar, owned */
    tact_dtype_t dtype;          /* PLACEHOLDER, VARIABLE, random ops: its dtype; CAST: target */
    tact_shape_t shape;          /* PLACEHOLDER, VARIABLE: declared; RESHAPE: requested; FILL,
                                  * random ops: the output's (fully known) */
    bool bias_add;               /* ADD: TensorFlow's BiasAdd (NHWC), imported and exported as
                                  * such: its rank checks on top of Add's broadcast */
    bool transpose_a;            /* MATMUL */
    bool transpose_b;            /* MATMUL */
    int n_axes;                  /* SUM, MEAN: -1 = every axis */
    int axes[TACT_MAX_DIMS];     /* SUM, MEAN: as given (may be negative) */
    bool keep_dims;              /* SUM, MEAN */
    int n_perm;                  /* TRANSPOSE: -1 = reverse */
    int perm[TACT_MAX_DIMS];     /* TRANSPOSE */
    struct tact_op *initializer; /* VARIABLE: the Assign of its initial value */
    int64_t seed;                /* random ops: TensorFlow's seed and seed2 attributes, already */
    int64_t seed2;               /* derived (tf.get_seed); both 0: fresh seeds per session */
    double rand_a;               /* RANDOM_UNIFORM: minval; the normals: mean */
    double rand_b;               /* RANDOM_UNIFORM: maxval; the normals: stddev */
    uint64_t rng_skip;           /* random ops: 128-bit Philox blocks to skip; 0 in the graph,
                                  * set on a per-run copy of the op by the executor */
    /* QUEUE and the ops on it: the queue's element type; capacity <= 0 = unbounded */
    int capacity;                /* QUEUE */
    int n_components;            /* QUEUE, QUEUE_*: the element's tensors */
    tact_dtype_t component_dtypes[TACT_MAX_OUTPUTS];
    bool has_shapes;             /* the queue fixes its components' shapes */
    tact_shape_t component_shapes[TACT_MAX_OUTPUTS];
    int64_t n;                   /* QUEUE_DEQUEUE_MANY: elements per dequeue */
    bool cancel_pending;         /* QUEUE_CLOSE: cancel_pending_enqueues */
    int skip_header_lines;       /* TEXT_LINE_READER */
    /* SUM, MEAN (axes), RESHAPE (shape), TRANSPOSE (perm), FILL (dims, value), random ops
     * (shape): in an imported GraphDef these attributes come from Const ops that TensorFlow
     * wires in as inputs. Those ops, kept so that export writes the same edges back; NULL for
     * ops built in C (export then writes the Const that TensorFlow would have). */
    struct tact_op *const_inputs[2];
    /* Lists and strings: tact__graph_add_op copies them into the op, which owns its copies. */
    int n_list;                  /* STRING_JOIN, PACK, IDENTITY_N: N, the inputs; SAVE_V2,
                                  * RESTORE_V2: the tensors (entries of `dtypes`) */
    tact_dtype_t *dtypes;        /* SAVE_V2, RESTORE_V2: attr dtypes; IDENTITY_N: attr T */
    char *text;                  /* STRING_JOIN: separator; STATIC_REGEX_FULL_MATCH: pattern */
    int axis;                    /* PACK */
    bool delete_old_dirs;        /* MERGE_V2_CHECKPOINTS */
    bool allow_missing_files;    /* MERGE_V2_CHECKPOINTS */
    bool validate_indices;       /* SPARSE_TO_DENSE (SPARSE_REDUCE_SUM: axes, keep_dims;
                                  * SPARSE_DENSE_MATMUL: transpose_a/_b are the adjoints) */
    double alpha;                /* LEAKY_RELU (MAX, MIN, PROD: n_axes, axes, keep_dims;
                                  * ARG_MAX, ARG_MIN: axis, and dtype the output's; ADD_N:
                                  * n_list) */
    /* runtime/ops/nn_ops.c: CONV2D, DEPTHWISE_CONV2D, MAX_POOL, AVG_POOL, in data_format's
     * order. The n_ fields keep the attribute's length, which TensorFlow checks is 4 (8 for
     * explicit_paddings); only that many entries are kept. BATCH_MATMUL: transpose_a/_b are
     * adj_x/adj_y. */
    int n_strides;
    int strides[4];
    int n_dilations;             /* CONV2D, DEPTHWISE_CONV2D */
    int dilations[4];
    int n_ksize;                 /* MAX_POOL, AVG_POOL */
    int ksize[4];
    tact_padding_t padding;
    int n_explicit_paddings;     /* padding EXPLICIT: before and after, per dimension */
    int explicit_paddings[8];
    bool nchw;                   /* data_format "NCHW": shapes infer, the CPU kernels refuse it
                                  * as TensorFlow's do */
    float epsilon;               /* FUSED_BATCH_NORM, _V3 */
    bool is_training;            /* FUSED_BATCH_NORM, _V3: batch statistics */
    float exponential_avg_factor; /* FUSED_BATCH_NORM, _V3: TensorFlow's default 1; training
                                  * with another one (running means) is refused when run */
    /* VAR_HANDLE: dtype, shape (the variable's), text (shared_name), container (copied like
     * text), initializer (its AssignVariableOp, when imported), and `resource`: the first
     * VarHandleOp of the graph with the same container and shared_name, whose value they
     * share (NULL: this one), set by tact__graph_add_op. READ_VARIABLE, ASSIGN_VARIABLE,
     * ASSIGN_ADD_VARIABLE: dtype. */
    char *container;
    struct tact_op *resource;
    /* RESHAPE (shape), TRANSPOSE (perm), the reductions (tact__op_kind_reduces: axes), FILL
     * (dims, value): true when these come as data inputs, TensorFlow's form (input 1; FILL's
     * inputs 0 and 1), whose values the shape function reads when known (a Const at build
     * time, the tensor at run time) instead of the fields above. */
    bool value_inputs;
    /* Array ops (array_ops.c, TensorFlow's attributes of the same names). */
    tact_dtype_t out_type;       /* SHAPE, SIZE: int32 or int64 */
    int n_squeeze;               /* SQUEEZE: entries of squeeze_dims; 0: every size-1 axis */
    int squeeze_dims[TACT_MAX_DIMS];
    int64_t begin_mask;          /* STRIDED_SLICE: the five masks */
    int64_t end_mask;
    int64_t ellipsis_mask;
    int64_t new_axis_mask;
    int64_t shrink_axis_mask;
    int num;                     /* SPLIT: num_split; UNPACK: num */
    bool sorted;                 /* TOP_K */
    bool align_corners;          /* RESIZE_BILINEAR, RESIZE_NEAREST_NEIGHBOR */
    bool half_pixel_centers;     /* RESIZE_BILINEAR, RESIZE_NEAREST_NEIGHBOR */
} tact_op_attrs_t;

/* When inference runs: building (partial shapes, TensorFlow's build-time messages) or running
 * (concrete shapes, the runtime kernels' messages). */
typedef enum { TACT_INFER_BUILD, TACT_INFER_RUN } tact_infer_phase_t;

/* One inference call: its arguments, so that shape functions and their helpers can name the op
 * and print its inputs. */
typedef struct tact_op_ctx {
    tact_op_kind_t kind;
    const tact_op_attrs_t *attrs;
    const char *name;
    int n_in;
    const tact_dtype_t *dtypes;
    const tact_shape_t *shapes;
    /* The inputs' values where known (TensorFlow's InferenceContext::input_tensor): a Const's
     * tensor at build time, every input at run time; NULL entries (or a NULL array) where the
     * value is not known yet. Read through tact__op_value. */
    const tact_tensor_t *const *values;
    tact_infer_phase_t phase;
    tact_status_t *st;
} tact_op_ctx_t;

/* Input i's value, or NULL while it is unknown (build time, not a Const). */
static inline const tact_tensor_t *tact__op_value(const tact_op_ctx_t *c, int i)
{
    return c->values != NULL ? c->values[i] : NULL;
}

/* The definition of an op kind that lives in a family file (see the top of this header). */
typedef struct tact_op_def {
    int n_inputs;                /* data inputs, when arity is NULL */
    int (*arity)(const tact_op_attrs_t *attrs);        /* NULL: n_inputs */
    int (*num_outputs)(const tact_op_attrs_t *attrs);  /* NULL: one output */
    /* Fills n_outputs dtypes and shapes, or `c->st` with TensorFlow's message. */
    tact_code_t (*infer)(const tact_op_ctx_t *c, tact_dtype_t *out_dtype,
                         tact_shape_t *out_shape);
    /* Reads or writes state outside its inputs (files): its value must never be cached or
     * folded into a constant, and it runs only when a fetch or target needs it. */
    bool stateful;
} tact_op_def_t;

extern const tact_op_def_t tact__array_op_defs[TACT_OP_COUNT];
extern const tact_op_def_t tact__string_op_defs[TACT_OP_COUNT];
extern const tact_op_def_t tact__io_op_defs[TACT_OP_COUNT];
extern const tact_op_def_t tact__sparse_op_defs[TACT_OP_COUNT];
extern const tact_op_def_t tact__math_op_defs[TACT_OP_COUNT];
extern const tact_op_def_t tact__nn_op_defs[TACT_OP_COUNT];
extern const tact_op_def_t tact__state_op_defs[TACT_OP_COUNT];
extern const tact_op_def_t tact__image_op_defs[TACT_OP_COUNT];

/* The family definition of `kind`, or NULL for the older ops of opdefs.c's switch. */
const tact_op_def_t *tact__op_def(tact_op_kind_t kind);

/* True for ops that touch files or other state beyond their inputs (tact_op_def_t.stateful). */
bool tact__op_kind_stateful(tact_op_kind_t kind);

/* Shape-function helpers for the family files, with opdefs.c's messages:
 * a build-time error "<msg> for 'name' (op: 'Type') with input shapes: [2], [3].", or the
 * runtime form (just the message) when c->phase is TACT_INFER_RUN; */
tact_code_t tact__op_fail_shape(const tact_op_ctx_t *c, const char *fmt, ...) TACT__PRINTF(2, 3);
/* input i's dtype in `allowed` (a mask of 1 << dtype), as TensorFlow's builder words it; */
tact_code_t tact__op_check_dtype(const tact_op_ctx_t *c, int i, const char *param,
                                 unsigned allowed);
/* input i's dtype equal to input j's; */
tact_code_t tact__op_check_same(const tact_op_ctx_t *c, int i, const char *param, int j,
                                const char *param_j);
/* input i of exactly dtype `want`: "Input 'condition' of 'Select' Op has type int32 that does
 * not match expected type of bool."; */
tact_code_t tact__op_check_exact(const tact_op_ctx_t *c, int i, const char *param,
                                 tact_dtype_t want);
/* input i of rank `rank` (unknown passes): "Shape must be rank 0 but is rank 1". */
tact_code_t tact__op_check_rank(const tact_op_ctx_t *c, int i, int rank);
/* merging two shapes, TensorFlow's Merge: "Dimension 0 in both shapes must be equal, but are 2
 * and 3. Shapes are [2] and [3]." at build time; *out is the merged shape. */
tact_code_t tact__op_merge_shapes(const tact_op_ctx_t *c, const tact_shape_t *a,
                                  const tact_shape_t *b, tact_shape_t *out);

/* numpy broadcasting of inputs 0 and 1 into *out (unknown sizes as TensorFlow's
 * BroadcastBinaryOpOutputShapeFnHelper), with the messages of Add's shape function (build) and
 * kernel (run): "Dimensions must be equal, but are 3 and 4", "Incompatible shapes: [2] vs. [3]". */
tact_code_t tact__op_broadcast_shape(const tact_op_ctx_t *c, tact_shape_t *out);
/* Sum's and Mean's shape function (numeric input, attrs' axes and keep_dims), for the other
 * reductions (tact__op_kind_reduces). */
tact_code_t tact__op_infer_reduce(const tact_op_ctx_t *c, tact_dtype_t *out_dtype,
                                  tact_shape_t *out_shape);

const char *tact__op_kind_type(tact_op_kind_t kind);
const char *tact__op_kind_default_name(tact_op_kind_t kind);

/* The number of outputs of an op of this kind with these attributes. */
int tact__op_num_outputs(tact_op_kind_t kind, const tact_op_attrs_t *attrs);

/* Infer the outputs' dtypes and shapes from the inputs' dtypes and shapes: out_dtype and
 * out_shape point to tact__op_num_outputs() entries (one for most ops). `op_name` is used in
 * messages. Returns OK or fills `st` (INVALID_ARGUMENT, naming the op and the shapes). */
tact_code_t tact__op_infer(tact_op_kind_t kind, const tact_op_attrs_t *attrs, const char *op_name,
                           int n_in, const tact_dtype_t *in_dtypes, const tact_shape_t *in_shapes,
                           tact_infer_phase_t phase, tact_dtype_t *out_dtype,
                           tact_shape_t *out_shape, tact_status_t *st);

/* tact__op_infer that also sees the inputs' values (`values`: n_in entries, NULL where not
 * known; the array itself may be NULL): shapes that values fix (Reshape's shape, Slice's
 * sizes, Range's bounds) come out exact. */
tact_code_t tact__op_infer_values(tact_op_kind_t kind, const tact_op_attrs_t *attrs,
                                  const char *op_name, int n_in, const tact_dtype_t *in_dtypes,
                                  const tact_shape_t *in_shapes,
                                  const tact_tensor_t *const *values, tact_infer_phase_t phase,
                                  tact_dtype_t *out_dtype, tact_shape_t *out_shape,
                                  tact_status_t *st);

/* For an op with attrs->value_inputs: *out becomes *attrs with the shape, perm, axes or
 * (FILL) dims and value read from the input tensors `in` (all known), value_inputs cleared, so
 * that the op runs as its attribute form with tact__op_data_inputs() inputs. out->value is
 * then borrowed from `in` (FILL). Fails with TensorFlow's kernel message on a malformed value
 * ("sizes input must be 1-D, not [1,2]"). */
tact_code_t tact__op_attrs_from_values(tact_op_kind_t kind, const tact_op_attrs_t *attrs,
                                       const tact_tensor_t *const *in, tact_op_attrs_t *out,
                                       tact_status_t *st);

/* The inputs an op of this kind takes with these attributes. */
int tact__op_arity(tact_op_kind_t kind, const tact_op_attrs_t *attrs);

#endif
