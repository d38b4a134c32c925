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
    XX(TRUNCATED_NORMAL, "TruncatedNormal",      "truncated_normal")

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

/* True for the ops whose input `i` is a resource (queue, reader, variable) taken by
 * reference, so that input has no value of its own. */
static inline bool tact__op_input_is_handle(tact_op_kind_t kind, int i)
{
    return (i == 0 && (tact__op_kind_uses_queue(kind) || tact__op_kind_assigns(kind))) ||
           (i < 2 && kind == TACT_OP_READER_READ);
}

/* The most outputs any op has (a dequeue has one per queue component). */
#define TACT_MAX_OUTPUTS 8

/* Attributes; each op kind reads the fields its comment names. */
typedef struct tact_op_attrs {
    tact_tensor_t *value;        /* CONST: owned by the op; FILL: the scalar, owned */
    tact_dtype_t dtype;          /* PLACEHOLDER, VARIABLE, random ops: its dtype; CAST: target */
    tact_shape_t shape;          /* PLACEHOLDER, VARIABLE: declared; RESHAPE: requested; FILL,
                                  * random ops: the output's (fully known) */
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
} tact_op_attrs_t;

/* When inference runs: building (partial shapes, TensorFlow's build-time messages) or running
 * (concrete shapes, the runtime kernels' messages). */
typedef enum { TACT_INFER_BUILD, TACT_INFER_RUN } tact_infer_phase_t;

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

#endif
