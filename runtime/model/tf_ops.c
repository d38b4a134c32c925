/* SPDX-License-Identifier: MIT */
/* The table of TensorFlow op types tact imports and exports. */
#include "runtime/model/tf_ops.h"

/* The first entry of a kind is what export writes. */
static const tact_tf_op_t tf_ops[] = {
    { "Const",                TACT_OP_CONST,            0, 0, { NULL }, NULL },
    { "Placeholder",          TACT_OP_PLACEHOLDER,      0, 0, { NULL }, NULL },
    { "Identity",             TACT_OP_IDENTITY,         1, 0, { NULL }, "T" },
    { "Add",                  TACT_OP_ADD,              2, 0, { NULL }, "T" },
    { "AddV2",                TACT_OP_ADD,              2, 0, { NULL }, "T" },
    { "BiasAdd",              TACT_OP_ADD,              2, 0, { NULL }, "T" },
    { "Sub",                  TACT_OP_SUB,              2, 0, { NULL }, "T" },
    { "Mul",                  TACT_OP_MUL,              2, 0, { NULL }, "T" },
    { "RealDiv",              TACT_OP_REALDIV,          2, 0, { NULL }, "T" },
    { "Div",                  TACT_OP_DIV,              2, 0, { NULL }, "T" },
    { "Neg",                  TACT_OP_NEG,              1, 0, { NULL }, "T" },
    { "Relu",                 TACT_OP_RELU,             1, 0, { NULL }, "T" },
    { "Sigmoid",              TACT_OP_SIGMOID,          1, 0, { NULL }, "T" },
    { "Tanh",                 TACT_OP_TANH,             1, 0, { NULL }, "T" },
    { "Softmax",              TACT_OP_SOFTMAX,          1, 0, { NULL }, "T" },
    { "MatMul",               TACT_OP_MATMUL,           2, 0, { NULL }, "T" },
    { "Sum",                  TACT_OP_SUM,              2, 1, { "reduction_indices" }, "T" },
    { "Mean",                 TACT_OP_MEAN,             2, 1, { "reduction_indices" }, "T" },
    { "Reshape",              TACT_OP_RESHAPE,          2, 1, { "shape" }, "T" },
    { "Transpose",            TACT_OP_TRANSPOSE,        2, 1, { "perm" }, "T" },
    { "Cast",                 TACT_OP_CAST,             1, 0, { NULL }, "SrcT" },
    { "NoOp",                 TACT_OP_NOOP,             0, 0, { NULL }, NULL },
    { "VariableV2",           TACT_OP_VARIABLE,         0, 0, { NULL }, NULL },
    { "Assign",               TACT_OP_ASSIGN,           2, 0, { NULL }, "T" },
    { "AssignAdd",            TACT_OP_ASSIGN_ADD,       2, 0, { NULL }, "T" },
    { "AssignSub",            TACT_OP_ASSIGN_SUB,       2, 0, { NULL }, "T" },
    { "Fill",                 TACT_OP_FILL,             2, 2, { "dims", "value" }, NULL },
    { "RandomUniform",        TACT_OP_RANDOM_UNIFORM,   1, 1, { "shape" }, NULL },
    { "RandomStandardNormal", TACT_OP_RANDOM_NORMAL,    1, 1, { "shape" }, NULL },
    { "TruncatedNormal",      TACT_OP_TRUNCATED_NORMAL, 1, 1, { "shape" }, NULL },
    { "FIFOQueueV2",          TACT_OP_QUEUE,            0, 0, { NULL }, NULL },
    { "QueueEnqueueV2",       TACT_OP_QUEUE_ENQUEUE,   -1, 0, { NULL }, NULL },
    { "QueueEnqueueManyV2",   TACT_OP_QUEUE_ENQUEUE_MANY, -1, 0, { NULL }, NULL },
    { "QueueDequeueV2",       TACT_OP_QUEUE_DEQUEUE,    1, 0, { NULL }, NULL },
    { "QueueDequeueManyV2",   TACT_OP_QUEUE_DEQUEUE_MANY, 2, 1, { "n" }, NULL },
    { "QueueSizeV2",          TACT_OP_QUEUE_SIZE,       1, 0, { NULL }, NULL },
    { "QueueCloseV2",         TACT_OP_QUEUE_CLOSE,      1, 0, { NULL }, NULL },
    { "TextLineReaderV2",     TACT_OP_TEXT_LINE_READER, 0, 0, { NULL }, NULL },
    { "WholeFileReaderV2",    TACT_OP_WHOLE_FILE_READER, 0, 0, { NULL }, NULL },
    { "ReaderReadV2",         TACT_OP_READER_READ,      2, 0, { NULL }, NULL },
    /* The ops tf.compat.v1.train.Saver adds (Select's T and IdentityN's list T are written by
     * export; their inputs' dtypes are checked by the ops' own shape functions). */
    { "PlaceholderWithDefault", TACT_OP_PLACEHOLDER_WITH_DEFAULT, 1, 0, { NULL }, "dtype" },
    { "Select",               TACT_OP_SELECT,           3, 0, { NULL }, NULL },
    { "SelectV2",             TACT_OP_SELECT_V2,        3, 0, { NULL }, NULL },
    { "Pack",                 TACT_OP_PACK,            -1, 0, { NULL }, "T" },
    { "IdentityN",            TACT_OP_IDENTITY_N,      -1, 0, { NULL }, NULL },
    { "StringJoin",           TACT_OP_STRING_JOIN,     -1, 0, { NULL }, NULL },
    { "StaticRegexFullMatch", TACT_OP_STATIC_REGEX_FULL_MATCH, 1, 0, { NULL }, NULL },
    { "SaveV2",               TACT_OP_SAVE_V2,         -1, 0, { NULL }, NULL },
    { "RestoreV2",            TACT_OP_RESTORE_V2,       3, 0, { NULL }, NULL },
    { "MergeV2Checkpoints",   TACT_OP_MERGE_V2_CHECKPOINTS, 2, 0, { NULL }, NULL },
    { "ShardedFilename",      TACT_OP_SHARDED_FILENAME, 3, 0, { NULL }, NULL },
    /* runtime/ops/math_ops.c (ArgMax and ArgMin take their "dimension" as a Const too) */
    { "Abs",                TACT_OP_ABS,                1, 0, { NULL }, "T" },
    { "Square",             TACT_OP_SQUARE,             1, 0, { NULL }, "T" },
    { "Sqrt",               TACT_OP_SQRT,               1, 0, { NULL }, "T" },
    { "Rsqrt",              TACT_OP_RSQRT,              1, 0, { NULL }, "T" },
    { "Exp",                TACT_OP_EXP,                1, 0, { NULL }, "T" },
    { "Log",                TACT_OP_LOG,                1, 0, { NULL }, "T" },
    { "Sign",               TACT_OP_SIGN,               1, 0, { NULL }, "T" },
    { "Floor",              TACT_OP_FLOOR,              1, 0, { NULL }, "T" },
    { "Ceil",               TACT_OP_CEIL,               1, 0, { NULL }, "T" },
    { "Round",              TACT_OP_ROUND,              1, 0, { NULL }, "T" },
    { "Reciprocal",         TACT_OP_RECIPROCAL,         1, 0, { NULL }, "T" },
    { "Relu6",              TACT_OP_RELU6,              1, 0, { NULL }, "T" },
    { "LeakyRelu",          TACT_OP_LEAKY_RELU,         1, 0, { NULL }, "T" },
    { "Elu",                TACT_OP_ELU,                1, 0, { NULL }, "T" },
    { "Softplus",           TACT_OP_SOFTPLUS,           1, 0, { NULL }, "T" },
    { "LogSoftmax",         TACT_OP_LOG_SOFTMAX,        1, 0, { NULL }, "T" },
    { "StopGradient",       TACT_OP_STOP_GRADIENT,      1, 0, { NULL }, "T" },
    { "Pow",                TACT_OP_POW,                2, 0, { NULL }, "T" },
    { "Maximum",            TACT_OP_MAXIMUM,            2, 0, { NULL }, "T" },
    { "Minimum",            TACT_OP_MINIMUM,            2, 0, { NULL }, "T" },
    { "FloorDiv",           TACT_OP_FLOOR_DIV,          2, 0, { NULL }, "T" },
    { "FloorMod",           TACT_OP_FLOOR_MOD,          2, 0, { NULL }, "T" },
    { "SquaredDifference",  TACT_OP_SQUARED_DIFFERENCE,  2, 0, { NULL }, "T" },
    { "Equal",              TACT_OP_EQUAL,              2, 0, { NULL }, "T" },
    { "NotEqual",           TACT_OP_NOT_EQUAL,          2, 0, { NULL }, "T" },
    { "Less",               TACT_OP_LESS,               2, 0, { NULL }, "T" },
    { "LessEqual",          TACT_OP_LESS_EQUAL,         2, 0, { NULL }, "T" },
    { "Greater",            TACT_OP_GREATER,            2, 0, { NULL }, "T" },
    { "GreaterEqual",       TACT_OP_GREATER_EQUAL,      2, 0, { NULL }, "T" },
    { "LogicalAnd",         TACT_OP_LOGICAL_AND,        2, 0, { NULL }, NULL },
    { "LogicalOr",          TACT_OP_LOGICAL_OR,         2, 0, { NULL }, NULL },
    { "LogicalNot",         TACT_OP_LOGICAL_NOT,        1, 0, { NULL }, NULL },
    { "AddN",               TACT_OP_ADD_N,             -1, 0, { NULL }, "T" },
    { "Max",                TACT_OP_MAX,                2, 1, { "reduction_indices" }, "T" },
    { "Min",                TACT_OP_MIN,                2, 1, { "reduction_indices" }, "T" },
    { "Prod",               TACT_OP_PROD,               2, 1, { "reduction_indices" }, "T" },
    { "ArgMax",             TACT_OP_ARG_MAX,            2, 1, { "dimension" }, "T" },
    { "ArgMin",             TACT_OP_ARG_MIN,            2, 1, { "dimension" }, "T" },
    /* runtime/ops/nn_ops.c */
    { "Conv2D",               TACT_OP_CONV2D,           2, 0, { NULL }, "T" },
    { "DepthwiseConv2dNative", TACT_OP_DEPTHWISE_CONV2D, 2, 0, { NULL }, "T" },
    { "MaxPool",              TACT_OP_MAX_POOL,         1, 0, { NULL }, "T" },
    { "AvgPool",              TACT_OP_AVG_POOL,         1, 0, { NULL }, "T" },
    { "FusedBatchNorm",       TACT_OP_FUSED_BATCH_NORM, 5, 0, { NULL }, "T" },
    { "FusedBatchNormV3",     TACT_OP_FUSED_BATCH_NORM_V3, 5, 0, { NULL }, "T" },
    { "BatchMatMulV2",        TACT_OP_BATCH_MATMUL,     2, 0, { NULL }, "T" },
    /* Resource variables (their "dtype" attr is read with the op's own attributes: input 0
     * is the handle, not of that dtype) */
    { "VarHandleOp",          TACT_OP_VAR_HANDLE,       0, 0, { NULL }, NULL },
    { "ReadVariableOp",       TACT_OP_READ_VARIABLE,    1, 0, { NULL }, NULL },
    { "AssignVariableOp",     TACT_OP_ASSIGN_VARIABLE,  2, 0, { NULL }, NULL },
    { "AssignAddVariableOp",  TACT_OP_ASSIGN_ADD_VARIABLE, 2, 0, { NULL }, NULL },
    { "VarIsInitializedOp",   TACT_OP_VAR_IS_INITIALIZED, 1, 0, { NULL }, NULL },
    /* Array ops: their inputs' dtypes (T, Index, Tidx...) are checked by their shape
     * functions, and export writes those attrs per op. */
    { "Shape",                TACT_OP_SHAPE,            1, 0, { NULL }, NULL },
    { "Size",                 TACT_OP_SIZE,             1, 0, { NULL }, NULL },
    { "Rank",                 TACT_OP_RANK,             1, 0, { NULL }, NULL },
    { "Slice",                TACT_OP_SLICE,            3, 0, { NULL }, NULL },
    { "StridedSlice",         TACT_OP_STRIDED_SLICE,    4, 0, { NULL }, NULL },
    { "Squeeze",              TACT_OP_SQUEEZE,          1, 0, { NULL }, NULL },
    { "ExpandDims",           TACT_OP_EXPAND_DIMS,      2, 0, { NULL }, NULL },
    { "ConcatV2",             TACT_OP_CONCAT_V2,       -1, 0, { NULL }, NULL },
    { "Split",                TACT_OP_SPLIT,            2, 0, { NULL }, NULL },
    { "Unpack",               TACT_OP_UNPACK,           1, 0, { NULL }, NULL },
    { "Tile",                 TACT_OP_TILE,             2, 0, { NULL }, NULL },
    { "Pad",                  TACT_OP_PAD,              2, 0, { NULL }, NULL },
    { "GatherV2",             TACT_OP_GATHER_V2,        3, 0, { NULL }, NULL },
    { "OneHot",               TACT_OP_ONE_HOT,          4, 0, { NULL }, NULL },
    { "Range",                TACT_OP_RANGE,            3, 0, { NULL }, NULL },
    { "ZerosLike",            TACT_OP_ZEROS_LIKE,       1, 0, { NULL }, NULL },
    { "OnesLike",             TACT_OP_ONES_LIKE,        1, 0, { NULL }, NULL },
    { "PadV2",                TACT_OP_PAD_V2,           3, 0, { NULL }, NULL },
    { "IsFinite",             TACT_OP_IS_FINITE,        1, 0, { NULL }, "T" },
    { "Erfc",                 TACT_OP_ERFC,             1, 0, { NULL }, "T" },
    { "Selu",                 TACT_OP_SELU,             1, 0, { NULL }, "T" },
    { "Softsign",             TACT_OP_SOFTSIGN,         1, 0, { NULL }, "T" },
    /* k and size are data inputs (their dtypes are checked by the shape functions; export
     * writes T per op) */
    { "TopKV2",               TACT_OP_TOP_K,            2, 0, { NULL }, NULL },
    { "ResizeBilinear",       TACT_OP_RESIZE_BILINEAR,  2, 0, { NULL }, NULL },
    { "ResizeNearestNeighbor", TACT_OP_RESIZE_NEAREST_NEIGHBOR, 2, 0, { NULL }, NULL },
};
#define TF_OPS_N ((int) (sizeof tf_ops / sizeof tf_ops[0]))

const tact_tf_op_t *tact__tf_op_find(const char *type)
{
    for (int i = 0; i < TF_OPS_N; i++)
        if (strcmp(tf_ops[i].type, type) == 0)
            return &tf_ops[i];
    return NULL;
}

const tact_tf_op_t *tact__tf_op_of_kind(tact_op_kind_t kind)
{
    for (int i = 0; i < TF_OPS_N; i++)
        if (tf_ops[i].kind == kind)
            return &tf_ops[i];
    return NULL;
}
