/* SPDX-License-Identifier: MIT */
/* A tact graph as a GraphDef that tf.import_graph_def reads: every op with its TensorFlow type,
 * inputs, device request and the attrs its OpDef requires. Where tact holds axes, shapes or
 * permutations as attributes, the Const input TensorFlow wants is the imported one when the op
 * came from a GraphDef, or a new "<op>/reduction_indices" ("/shape", "/perm", "/dims",
 * "/value") Const, as Python would have made it, for an op built in C. */
#include "runtime/model/dtypes.h"
#include "runtime/model/graphdef.h"
#include "runtime/model/tensor_proto.h"
#include "runtime/model/tf_ops.h"

/* The producer version tact's GraphDefs declare: one of the TensorFlow 1.15 era, so that 1.x
 * binaries do not see a GraphDef from their future (TensorFlow 2.21 writes 2474 and imports any
 * producer >= 0; tested against 2.21 only). */
#define EXPORT_PRODUCER 134

typedef struct exp {
    Tensorflow__GraphDef *gd;
    size_t cap_nodes;
    tact_strmap_t names;          /* every name in the GraphDef being written */
    tact_status_t *st;
} exp_t;

static Tensorflow__NodeDef *exp_node(exp_t *ex, const char *name, const char *type,
                                     const char *device)
{
    Tensorflow__NodeDef *nd = tact__malloc(sizeof *nd);
    tensorflow__node_def__init(nd);
    nd->name = tact__strdup(name);
    nd->op = tact__strdup(type);
    if (device != NULL && device[0] != '\0')
        nd->device = tact__strdup(device);
    Tensorflow__GraphDef *gd = ex->gd;
    if (gd->n_node == ex->cap_nodes) {
        ex->cap_nodes = ex->cap_nodes ? 2 * ex->cap_nodes : 16;
        gd->node = tact__realloc(gd->node, ex->cap_nodes * sizeof *gd->node);
    }
    gd->node[gd->n_node++] = nd;
    tact__strmap_put(&ex->names, name, nd);
    return nd;
}

static void exp_input(Tensorflow__NodeDef *nd, const char *text)
{
    nd->input = tact__realloc(nd->input, (nd->n_input + 1) * sizeof *nd->input);
    nd->input[nd->n_input++] = tact__strdup(text);
}

/* "name" for output 0, "name:i" otherwise, as TensorFlow writes inputs. */
static void exp_data_input(Tensorflow__NodeDef *nd, tact_output_t out)
{
    char buf[300];
    if (out.index == 0)
        snprintf(buf, sizeof buf, "%s", out.op->name);
    else
        snprintf(buf, sizeof buf, "%s:%d", out.op->name, out.index);
    exp_input(nd, buf);
}

static Tensorflow__AttrValue *exp_attr(Tensorflow__NodeDef *nd, const char *key)
{
    Tensorflow__NodeDef__AttrEntry *e = tact__malloc(sizeof *e);
    tensorflow__node_def__attr_entry__init(e);
    e->key = tact__strdup(key);
    e->value = tact__malloc(sizeof *e->value);
    tensorflow__attr_value__init(e->value);
    nd->attr = tact__realloc(nd->attr, (nd->n_attr + 1) * sizeof *nd->attr);
    nd->attr[nd->n_attr++] = e;
    return e->value;
}

static void exp_attr_type(Tensorflow__NodeDef *nd, const char *key, tact_dtype_t dtype)
{
    Tensorflow__AttrValue *a = exp_attr(nd, key);
    a->value_case = TENSORFLOW__ATTR_VALUE__VALUE_TYPE;
    a->type = tact__dtype_to_proto(dtype);
}

static void exp_attr_bool(Tensorflow__NodeDef *nd, const char *key, bool b)
{
    Tensorflow__AttrValue *a = exp_attr(nd, key);
    a->value_case = TENSORFLOW__ATTR_VALUE__VALUE_B;
    a->b = b;
}

static void exp_attr_int(Tensorflow__NodeDef *nd, const char *key, int64_t i)
{
    Tensorflow__AttrValue *a = exp_attr(nd, key);
    a->value_case = TENSORFLOW__ATTR_VALUE__VALUE_I;
    a->i = i;
}

static void exp_attr_float(Tensorflow__NodeDef *nd, const char *key, double f)
{
    Tensorflow__AttrValue *a = exp_attr(nd, key);
    a->value_case = TENSORFLOW__ATTR_VALUE__VALUE_F;
    a->f = (float) f;
}

static void exp_attr_str(Tensorflow__NodeDef *nd, const char *key, const char *s)
{
    Tensorflow__AttrValue *a = exp_attr(nd, key);
    a->value_case = TENSORFLOW__ATTR_VALUE__VALUE_S;
    a->s.len = strlen(s);
    a->s.data = (uint8_t *) tact__strdup(s);
}

static void exp_attr_shape(Tensorflow__NodeDef *nd, const char *key, const tact_shape_t *s)
{
    Tensorflow__AttrValue *a = exp_attr(nd, key);
    a->value_case = TENSORFLOW__ATTR_VALUE__VALUE_SHAPE;
    a->shape = tact__shape_to_proto(s);
}

static void exp_attr_tensor(Tensorflow__NodeDef *nd, const char *key, const tact_tensor_t *t)
{
    Tensorflow__AttrValue *a = exp_attr(nd, key);
    a->value_case = TENSORFLOW__ATTR_VALUE__VALUE_TENSOR;
    a->tensor = tact__tensor_to_proto(t);
}

/* A list(int) attr (strides, ksize). */
static void exp_attr_ints(Tensorflow__NodeDef *nd, const char *key, const int *vals, int n)
{
    Tensorflow__AttrValue *a = exp_attr(nd, key);
    a->value_case = TENSORFLOW__ATTR_VALUE__VALUE_LIST;
    a->list = tact__malloc(sizeof *a->list);
    tensorflow__attr_value__list_value__init(a->list);
    a->list->n_i = (size_t) n;
    a->list->i = tact__malloc(((size_t) n + 1) * sizeof *a->list->i);
    for (int i = 0; i < n; i++)
        a->list->i[i] = vals[i];
}

/* The attrs of the ops of runtime/ops/nn_ops.c (lists keep at most 4 or 8 entries, the only
 * lengths their shape functions accept). Attrs newer than TensorFlow 1.15 (explicit_paddings
 * of MaxPool and DepthwiseConv2dNative, exponential_avg_factor) are left to their defaults
 * unless set, so that 1.x binaries read the GraphDef. */
static void exp_nn_attrs(Tensorflow__NodeDef *nd, const tact_op_t *op)
{
    static const char *const paddings[] = {"VALID", "SAME", "EXPLICIT"};  /* tact_padding_t */
    const tact_op_attrs_t *at = &op->attrs;
    exp_attr_str(nd, "data_format", at->nchw ? "NCHW" : "NHWC");
    switch (op->kind) {
    case TACT_OP_FUSED_BATCH_NORM_V3:
        exp_attr_type(nd, "U", op->inputs[1].op->out_dtype[op->inputs[1].index]);
        /* fall through */
    case TACT_OP_FUSED_BATCH_NORM:
        exp_attr_float(nd, "epsilon", at->epsilon);
        exp_attr_bool(nd, "is_training", at->is_training);
        if (at->exponential_avg_factor != 1.0f)
            exp_attr_float(nd, "exponential_avg_factor", at->exponential_avg_factor);
        return;
    case TACT_OP_CONV2D:
    case TACT_OP_DEPTHWISE_CONV2D:
        exp_attr_ints(nd, "dilations", at->dilations, at->n_dilations < 4 ? at->n_dilations : 4);
        break;
    default:  /* the pools */
        exp_attr_ints(nd, "ksize", at->ksize, at->n_ksize < 4 ? at->n_ksize : 4);
        break;
    }
    exp_attr_ints(nd, "strides", at->strides, at->n_strides < 4 ? at->n_strides : 4);
    exp_attr_str(nd, "padding", paddings[at->padding]);
    if (at->n_explicit_paddings > 0)
        exp_attr_ints(nd, "explicit_paddings", at->explicit_paddings,
                      at->n_explicit_paddings < 8 ? at->n_explicit_paddings : 8);
}

/* A list(type) attr (SaveV2's dtypes, IdentityN's T). */
static void exp_attr_types(Tensorflow__NodeDef *nd, const char *key, const tact_dtype_t *dtypes,
                           int n)
{
    Tensorflow__AttrValue *a = exp_attr(nd, key);
    a->value_case = TENSORFLOW__ATTR_VALUE__VALUE_LIST;
    a->list = tact__malloc(sizeof *a->list);
    tensorflow__attr_value__list_value__init(a->list);
    a->list->n_type = (size_t) (n > 0 ? n : 0);
    a->list->type = tact__malloc(a->list->n_type * sizeof *a->list->type + 1);
    for (int i = 0; i < n; i++)
        a->list->type[i] = tact__dtype_to_proto(dtypes[i]);
}

/* A queue's component dtypes (and shapes when it fixes them) as list attrs. */
static void exp_attr_components(Tensorflow__NodeDef *nd, const char *key,
                                const tact_op_attrs_t *at, bool with_shapes)
{
    Tensorflow__AttrValue *a = exp_attr(nd, key);
    a->value_case = TENSORFLOW__ATTR_VALUE__VALUE_LIST;
    a->list = tact__malloc(sizeof *a->list);
    tensorflow__attr_value__list_value__init(a->list);
    a->list->n_type = (size_t) at->n_components;
    a->list->type = tact__malloc((size_t) at->n_components * sizeof *a->list->type + 1);
    for (int i = 0; i < at->n_components; i++)
        a->list->type[i] = tact__dtype_to_proto(at->component_dtypes[i]);
    if (!with_shapes)
        return;
    Tensorflow__AttrValue *sa = exp_attr(nd, "shapes");
    sa->value_case = TENSORFLOW__ATTR_VALUE__VALUE_LIST;
    sa->list = tact__malloc(sizeof *sa->list);
    tensorflow__attr_value__list_value__init(sa->list);
    if (!at->has_shapes)
        return;
    sa->list->n_shape = (size_t) at->n_components;
    sa->list->shape = tact__malloc((size_t) at->n_components * sizeof *sa->list->shape);
    for (int i = 0; i < at->n_components; i++)
        sa->list->shape[i] = tact__shape_to_proto(&at->component_shapes[i]);
}

/* `base`, or "base_1", "base_2"... whichever the GraphDef does not have yet, into buf. */
static const char *exp_unique(exp_t *ex, const char *base, char *buf, size_t cap)
{
    char name[320];
    snprintf(name, sizeof name, "%.300s", base);
    for (int k = 1; tact__strmap_contains(&ex->names, name); k++)
        snprintf(name, sizeof name, "%.300s_%d", base, k);
    snprintf(buf, cap, "%s", name);
    return buf;
}

/* A Const node named after `base`, made unique among the GraphDef's names. */
static const char *exp_const(exp_t *ex, const char *base, const tact_tensor_t *value,
                             const char *device)
{
    char name[320];
    exp_unique(ex, base, name, sizeof name);
    Tensorflow__NodeDef *nd = exp_node(ex, name, "Const", device);
    exp_attr_tensor(nd, "value", value);
    exp_attr_type(nd, "dtype", value->dtype);
    return nd->name;
}

/* An int32 vector (int64 when a value does not fit) Const of `n` values. */
static tact_tensor_t *exp_ints(const int64_t *v, int n)
{
    bool wide = false;
    for (int i = 0; i < n; i++)
        wide = wide || v[i] < INT32_MIN || v[i] > INT32_MAX;
    int64_t dims[1] = { n };
    tact_tensor_t *t = tact__tensor_alloc(wide ? TACT_DTYPE_I64 : TACT_DTYPE_I32, dims, 1);
    for (int i = 0; i < n; i++) {
        if (wide)
            ((int64_t *) t->data)[i] = v[i];
        else
            ((int32_t *) t->data)[i] = (int32_t) v[i];
    }
    return t;
}

/* A binary op of TensorFlow's type `type` and dtype T named `name`. */
static void exp_binary(exp_t *ex, const char *name, const char *type, const char *a,
                       const char *b, tact_dtype_t dtype, const char *device)
{
    Tensorflow__NodeDef *nd = exp_node(ex, name, type, device);
    exp_input(nd, a);
    exp_input(nd, b);
    exp_attr_type(nd, "T", dtype);
}

/* A scalar Const of `dtype` holding v, named after "<op>/<what>"; returns its name. */
static const char *exp_scalar(exp_t *ex, const tact_op_t *op, const char *what, double v)
{
    tact_tensor_t *t = tact__tensor_alloc(op->attrs.dtype, NULL, 0);
    if (op->attrs.dtype == TACT_DTYPE_F64)
        *(double *) t->data = v;
    else
        *(float *) t->data = (float) v;
    char base[300];
    snprintf(base, sizeof base, "%.250s/%s", op->name, what);
    const char *name = exp_const(ex, base, t, op->device);
    tact_tensor_destroy(&t);
    return name;
}

/* A random op with a range or a mean and stddev of its own: TensorFlow draws the standard
 * distribution ("<op>/RandomUniform") and scales it with ops of its own, the last of which is
 * named after the op, as tf.random_uniform and tf.random_normal build them. */
static void exp_random_scale(exp_t *ex, const tact_op_t *op, const char *raw)
{
    char mul[300], sub[300];
    const char *dev = op->device;
    tact_dtype_t dt = op->attrs.dtype;
    snprintf(mul, sizeof mul, "%.250s/mul", op->name);
    exp_unique(ex, mul, mul, sizeof mul);
    if (op->kind == TACT_OP_RANDOM_UNIFORM) {
        char lo[300], hi[300];
        snprintf(lo, sizeof lo, "%s", exp_scalar(ex, op, "min", op->attrs.rand_a));
        snprintf(hi, sizeof hi, "%s", exp_scalar(ex, op, "max", op->attrs.rand_b));
        snprintf(sub, sizeof sub, "%.250s/sub", op->name);
        exp_unique(ex, sub, sub, sizeof sub);
        exp_binary(ex, sub, "Sub", hi, lo, dt, dev);
        exp_binary(ex, mul, "Mul", raw, sub, dt, dev);
        exp_binary(ex, op->name, "AddV2", mul, lo, dt, dev);
        return;
    }
    char mean[300], stddev[300];
    snprintf(stddev, sizeof stddev, "%s", exp_scalar(ex, op, "stddev", op->attrs.rand_b));
    snprintf(mean, sizeof mean, "%s", exp_scalar(ex, op, "mean", op->attrs.rand_a));
    exp_binary(ex, mul, "Mul", raw, stddev, dt, dev);
    exp_binary(ex, op->name, "AddV2", mul, mean, dt, dev);
}

/* The value a C-built op's attribute stands for, as TensorFlow's Const input `i`. NULL with
 * st filled when it cannot be written (an all-axes reduction of unknown rank). */
static tact_tensor_t *exp_folded_value(exp_t *ex, const tact_op_t *op, int i)
{
    const tact_op_attrs_t *at = &op->attrs;
    int64_t v[TACT_MAX_DIMS];
    int rank = op->n_inputs > 0 ? op->inputs[0].op->out_shape[op->inputs[0].index].ndims : -1;
    switch (op->kind) {
    case TACT_OP_SUM:
    case TACT_OP_MEAN:
    case TACT_OP_MAX:
    case TACT_OP_MIN:
    case TACT_OP_PROD:
    case TACT_OP_TRANSPOSE: {
        int n = op->kind == TACT_OP_TRANSPOSE ? at->n_perm : at->n_axes;
        const int *src = op->kind == TACT_OP_TRANSPOSE ? at->perm : at->axes;
        if (n < 0 && rank < 0) {
            tact__fail(ex->st, TACT_CODE_UNIMPLEMENTED,
                       "export: '%s' (%s) works on every axis of an input of unknown rank; "
                       "tact cannot write that as a Const yet", op->name,
                       tact__op_kind_type(op->kind));
            return NULL;
        }
        if (n < 0) {  /* every axis; a transpose reverses them */
            for (int k = 0; k < rank; k++)
                v[k] = op->kind == TACT_OP_TRANSPOSE ? rank - 1 - k : k;
            return exp_ints(v, rank);
        }
        for (int k = 0; k < n; k++)
            v[k] = src[k];
        return exp_ints(v, n);
    }
    case TACT_OP_QUEUE_DEQUEUE_MANY: {
        tact_tensor_t *t = tact__tensor_alloc(TACT_DTYPE_I32, NULL, 0);
        *(int32_t *) t->data = (int32_t) at->n;
        return t;
    }
    case TACT_OP_ARG_MAX:
    case TACT_OP_ARG_MIN: {  /* "dimension", an int32 scalar as tf.argmax writes it */
        tact_tensor_t *t = tact__tensor_alloc(TACT_DTYPE_I32, NULL, 0);
        *(int32_t *) t->data = at->axis;
        return t;
    }
    case TACT_OP_FILL:
        if (i == 1)
            return tact_tensor_clone(at->value);
        return exp_ints(at->shape.dims, at->shape.ndims);
    case TACT_OP_RESHAPE:
    case TACT_OP_RANDOM_UNIFORM:
    case TACT_OP_RANDOM_NORMAL:
    case TACT_OP_TRUNCATED_NORMAL:
        return exp_ints(at->shape.dims, at->shape.ndims);
    default:
        TACT_ASSERT(!"no folded inputs");
        return NULL;
    }
}

/* The dtype of op's data input i. */
static tact_dtype_t exp_in_dtype(const tact_op_t *op, int i)
{
    return op->inputs[i].op->out_dtype[op->inputs[i].index];
}

/* The attrs TensorFlow's OpDef asks of each type (those with defaults too, as Python writes
 * them). `folded` holds the dtypes of the Const inputs. */
static void exp_attrs(const tact_op_t *op, const tact_tf_op_t *tf, Tensorflow__NodeDef *nd,
                      const tact_dtype_t *folded)
{
    const tact_op_attrs_t *at = &op->attrs;
    tact_dtype_t t0 = op->n_inputs > 0 ? op->inputs[0].op->out_dtype[op->inputs[0].index]
                                       : TACT_DTYPE_F32;
    if (tf->type_attr != NULL)
        exp_attr_type(nd, tf->type_attr, t0);
    switch (op->kind) {
    case TACT_OP_ADD:
        if (at->bias_add)
            exp_attr_str(nd, "data_format", "NHWC");
        break;
    case TACT_OP_CONST:
        exp_attr_tensor(nd, "value", at->value);
        exp_attr_type(nd, "dtype", at->value->dtype);
        break;
    case TACT_OP_PLACEHOLDER:
        exp_attr_type(nd, "dtype", at->dtype);
        exp_attr_shape(nd, "shape", &at->shape);
        break;
    case TACT_OP_MATMUL:
        exp_attr_bool(nd, "transpose_a", at->transpose_a);
        exp_attr_bool(nd, "transpose_b", at->transpose_b);
        break;
    case TACT_OP_SUM:
    case TACT_OP_MEAN:
    case TACT_OP_MAX:
    case TACT_OP_MIN:
    case TACT_OP_PROD:
        exp_attr_bool(nd, "keep_dims", at->keep_dims);
        exp_attr_type(nd, "Tidx", folded[0]);
        break;
    case TACT_OP_ARG_MAX:
    case TACT_OP_ARG_MIN:
        exp_attr_type(nd, "Tidx", folded[0]);
        exp_attr_type(nd, "output_type", at->dtype);
        break;
    case TACT_OP_LEAKY_RELU:
        exp_attr_float(nd, "alpha", at->alpha);
        break;
    case TACT_OP_ADD_N:
        exp_attr_int(nd, "N", at->n_list);
        break;
    case TACT_OP_EQUAL:
    case TACT_OP_NOT_EQUAL:
        exp_attr_bool(nd, "incompatible_shape_error", true);
        break;
    case TACT_OP_RESHAPE:
        exp_attr_type(nd, "Tshape", folded[0]);
        break;
    case TACT_OP_TRANSPOSE:
        exp_attr_type(nd, "Tperm", folded[0]);
        break;
    case TACT_OP_CAST:
        exp_attr_type(nd, "DstT", at->dtype);
        exp_attr_bool(nd, "Truncate", false);
        break;
    case TACT_OP_VARIABLE:
        exp_attr_type(nd, "dtype", at->dtype);
        exp_attr_shape(nd, "shape", &at->shape);
        exp_attr_str(nd, "container", "");
        exp_attr_str(nd, "shared_name", "");
        break;
    case TACT_OP_ASSIGN:
        exp_attr_bool(nd, "use_locking", true);
        exp_attr_bool(nd, "validate_shape", true);
        break;
    case TACT_OP_ASSIGN_ADD:
    case TACT_OP_ASSIGN_SUB:
        exp_attr_bool(nd, "use_locking", false);
        break;
    case TACT_OP_FILL:
        exp_attr_type(nd, "T", at->value_inputs ? exp_in_dtype(op, 1) : at->value->dtype);
        exp_attr_type(nd, "index_type", folded[0]);
        break;
    case TACT_OP_SHAPE:
    case TACT_OP_SIZE:
        exp_attr_type(nd, "T", t0);
        exp_attr_type(nd, "out_type", at->out_type);
        break;
    case TACT_OP_RANK:
    case TACT_OP_ZEROS_LIKE:
    case TACT_OP_ONES_LIKE:
        exp_attr_type(nd, "T", t0);
        break;
    case TACT_OP_SLICE:
    case TACT_OP_STRIDED_SLICE:
        exp_attr_type(nd, "T", t0);
        exp_attr_type(nd, "Index", exp_in_dtype(op, 1));
        if (op->kind == TACT_OP_SLICE)
            break;
        exp_attr_int(nd, "begin_mask", at->begin_mask);
        exp_attr_int(nd, "end_mask", at->end_mask);
        exp_attr_int(nd, "ellipsis_mask", at->ellipsis_mask);
        exp_attr_int(nd, "new_axis_mask", at->new_axis_mask);
        exp_attr_int(nd, "shrink_axis_mask", at->shrink_axis_mask);
        break;
    case TACT_OP_SQUEEZE: {
        Tensorflow__AttrValue *a;
        exp_attr_type(nd, "T", t0);
        a = exp_attr(nd, "squeeze_dims");
        a->value_case = TENSORFLOW__ATTR_VALUE__VALUE_LIST;
        a->list = tact__malloc(sizeof *a->list);
        tensorflow__attr_value__list_value__init(a->list);
        a->list->n_i = (size_t) at->n_squeeze;
        a->list->i = tact__malloc(a->list->n_i * sizeof *a->list->i + 1);
        for (int i = 0; i < at->n_squeeze; i++)
            a->list->i[i] = at->squeeze_dims[i];
        break;
    }
    case TACT_OP_EXPAND_DIMS:
        exp_attr_type(nd, "T", t0);
        exp_attr_type(nd, "Tdim", exp_in_dtype(op, 1));
        break;
    case TACT_OP_CONCAT_V2:
        exp_attr_int(nd, "N", at->n_list);
        exp_attr_type(nd, "T", t0);
        exp_attr_type(nd, "Tidx", exp_in_dtype(op, at->n_list));
        break;
    case TACT_OP_SPLIT:
        exp_attr_int(nd, "num_split", at->num);
        exp_attr_type(nd, "T", exp_in_dtype(op, 1));
        break;
    case TACT_OP_UNPACK:
        exp_attr_int(nd, "num", at->num);
        exp_attr_int(nd, "axis", at->axis);
        exp_attr_type(nd, "T", t0);
        break;
    case TACT_OP_TILE:
        exp_attr_type(nd, "T", t0);
        exp_attr_type(nd, "Tmultiples", exp_in_dtype(op, 1));
        break;
    case TACT_OP_PAD:
    case TACT_OP_PAD_V2:
        exp_attr_type(nd, "T", t0);
        exp_attr_type(nd, "Tpaddings", exp_in_dtype(op, 1));
        break;
    case TACT_OP_GATHER_V2:
        exp_attr_type(nd, "Tparams", t0);
        exp_attr_type(nd, "Tindices", exp_in_dtype(op, 1));
        exp_attr_type(nd, "Taxis", exp_in_dtype(op, 2));
        exp_attr_int(nd, "batch_dims", 0);
        break;
    case TACT_OP_ONE_HOT:
        exp_attr_int(nd, "axis", at->axis);
        exp_attr_type(nd, "T", exp_in_dtype(op, 2));
        exp_attr_type(nd, "TI", t0);
        break;
    case TACT_OP_RANGE:
        exp_attr_type(nd, "Tidx", t0);
        break;
    case TACT_OP_QUEUE:
        exp_attr_components(nd, "component_types", at, true);
        exp_attr_int(nd, "capacity", at->capacity > 0 ? at->capacity : -1);
        exp_attr_str(nd, "container", "");
        exp_attr_str(nd, "shared_name", "");
        break;
    case TACT_OP_QUEUE_ENQUEUE:
    case TACT_OP_QUEUE_ENQUEUE_MANY:
        exp_attr_components(nd, "Tcomponents", at, false);
        exp_attr_int(nd, "timeout_ms", -1);
        break;
    case TACT_OP_QUEUE_DEQUEUE:
    case TACT_OP_QUEUE_DEQUEUE_MANY:
        exp_attr_components(nd, "component_types", at, false);
        exp_attr_int(nd, "timeout_ms", -1);
        break;
    case TACT_OP_QUEUE_CLOSE:
        exp_attr_bool(nd, "cancel_pending_enqueues", at->cancel_pending);
        break;
    case TACT_OP_TEXT_LINE_READER:
        exp_attr_int(nd, "skip_header_lines", at->skip_header_lines);
        /* fall through */
    case TACT_OP_WHOLE_FILE_READER:
        exp_attr_str(nd, "container", "");
        exp_attr_str(nd, "shared_name", "");
        break;
    case TACT_OP_RANDOM_UNIFORM:
    case TACT_OP_RANDOM_NORMAL:
    case TACT_OP_TRUNCATED_NORMAL:
        exp_attr_type(nd, "dtype", at->dtype);
        exp_attr_type(nd, "T", folded[0]);
        exp_attr_int(nd, "seed", at->seed);
        exp_attr_int(nd, "seed2", at->seed2);
        break;
    case TACT_OP_PLACEHOLDER_WITH_DEFAULT:  /* dtype: the type attr */
        exp_attr_shape(nd, "shape", &at->shape);
        break;
    case TACT_OP_SELECT:
    case TACT_OP_SELECT_V2:
        exp_attr_type(nd, "T", op->inputs[1].op->out_dtype[op->inputs[1].index]);
        break;
    case TACT_OP_PACK:
        exp_attr_int(nd, "N", at->n_list);
        exp_attr_int(nd, "axis", at->axis);
        break;
    case TACT_OP_STRING_JOIN:
        exp_attr_int(nd, "N", at->n_list);
        exp_attr_str(nd, "separator", at->text != NULL ? at->text : "");
        break;
    case TACT_OP_STATIC_REGEX_FULL_MATCH:
        exp_attr_str(nd, "pattern", at->text != NULL ? at->text : "");
        break;
    case TACT_OP_IDENTITY_N:
        exp_attr_types(nd, "T", at->dtypes, at->n_list);
        break;
    case TACT_OP_SAVE_V2:
    case TACT_OP_RESTORE_V2:
        exp_attr_types(nd, "dtypes", at->dtypes, at->n_list);
        break;
    case TACT_OP_MERGE_V2_CHECKPOINTS:
        exp_attr_bool(nd, "allow_missing_files", at->allow_missing_files);
        exp_attr_bool(nd, "delete_old_dirs", at->delete_old_dirs);
        break;
    case TACT_OP_CONV2D:
    case TACT_OP_DEPTHWISE_CONV2D:
    case TACT_OP_MAX_POOL:
    case TACT_OP_AVG_POOL:
    case TACT_OP_FUSED_BATCH_NORM:
    case TACT_OP_FUSED_BATCH_NORM_V3:
        exp_nn_attrs(nd, op);
        break;
    case TACT_OP_BATCH_MATMUL:
        exp_attr_bool(nd, "adj_x", at->transpose_a);
        exp_attr_bool(nd, "adj_y", at->transpose_b);
        break;
    case TACT_OP_TOP_K:
        exp_attr_type(nd, "T", t0);
        exp_attr_type(nd, "Tk", exp_in_dtype(op, 1));
        exp_attr_type(nd, "index_type", TACT_DTYPE_I32);
        exp_attr_bool(nd, "sorted", at->sorted);
        break;
    case TACT_OP_RESIZE_BILINEAR:
    case TACT_OP_RESIZE_NEAREST_NEIGHBOR:
        exp_attr_type(nd, "T", t0);
        exp_attr_bool(nd, "align_corners", at->align_corners);
        exp_attr_bool(nd, "half_pixel_centers", at->half_pixel_centers);
        break;
    case TACT_OP_VAR_HANDLE:
        exp_attr_type(nd, "dtype", at->dtype);
        exp_attr_shape(nd, "shape", &at->shape);
        exp_attr_str(nd, "container", at->container != NULL ? at->container : "");
        exp_attr_str(nd, "shared_name", at->text != NULL ? at->text : "");
        break;
    case TACT_OP_READ_VARIABLE:
    case TACT_OP_ASSIGN_ADD_VARIABLE:
        exp_attr_type(nd, "dtype", at->dtype);
        break;
    case TACT_OP_ASSIGN_VARIABLE:
        exp_attr_type(nd, "dtype", at->dtype);
        exp_attr_bool(nd, "validate_shape", false);
        break;
    default:
        break;
    }
}

/* Attrs by key, as TensorFlow writes its map fields: the output is the same on every run. */
static int exp_attr_cmp(const void *a, const void *b)
{
    const Tensorflow__NodeDef__AttrEntry *x = *(Tensorflow__NodeDef__AttrEntry *const *) a;
    const Tensorflow__NodeDef__AttrEntry *y = *(Tensorflow__NodeDef__AttrEntry *const *) b;
    return strcmp(x->key, y->key);
}

static tact_code_t exp_op(exp_t *ex, const tact_op_t *op)
{
    const tact_tf_op_t *tf = tact__tf_op_of_kind(op->kind);
    if (tf == NULL)
        return tact__fail(ex->st, TACT_CODE_UNIMPLEMENTED,
                          "export: '%s' is a %s, which tact cannot write to a GraphDef yet",
                          op->name, tact__op_kind_type(op->kind));
    bool scaled = tact__op_kind_random(op->kind) &&
                  (op->attrs.rand_a != 0.0 || op->attrs.rand_b != 1.0);
    /* The Const inputs first, so that the GraphDef lists them before their user. */
    const char *folded_names[2] = { NULL, NULL };
    tact_dtype_t folded_dtypes[2] = { TACT_DTYPE_I32, TACT_DTYPE_I32 };
    /* Values given as data inputs are written as the edges they are. */
    int n_folded = op->attrs.value_inputs ? 0 : tf->n_folded;
    if (op->attrs.value_inputs) {
        int vi = op->kind == TACT_OP_FILL ? 0 : 1;
        folded_dtypes[0] = op->inputs[vi].op->out_dtype[op->inputs[vi].index];
    }
    for (int i = 0; i < n_folded; i++) {
        const tact_op_t *c = op->attrs.const_inputs[i];
        if (c != NULL) {
            folded_names[i] = c->name;
            folded_dtypes[i] = c->out_dtype[0];
            continue;
        }
        tact_tensor_t *v = exp_folded_value(ex, op, i);
        if (v == NULL)
            return ex->st->code;
        char base[300];
        snprintf(base, sizeof base, "%.250s/%s", op->name, tf->folded[i]);
        folded_names[i] = exp_const(ex, base, v, op->device);
        folded_dtypes[i] = v->dtype;
        tact_tensor_destroy(&v);
    }
    char raw_name[300];
    snprintf(raw_name, sizeof raw_name, "%.250s/%s", op->name, tf->type);
    Tensorflow__NodeDef *nd = exp_node(ex, scaled ? exp_unique(ex, raw_name, raw_name,
                                                               sizeof raw_name)
                                                  : op->name,
                                       op->attrs.bias_add ? "BiasAdd" : tf->type, op->device);
    for (int i = 0; i < op->n_inputs; i++)
        exp_data_input(nd, op->inputs[i]);
    for (int i = 0; i < n_folded; i++)
        exp_input(nd, folded_names[i]);
    for (int i = 0; i < op->n_controls; i++) {
        char buf[300];
        snprintf(buf, sizeof buf, "^%s", op->controls[i]->name);
        exp_input(nd, buf);
    }
    exp_attrs(op, tf, nd, folded_dtypes);
    if (nd->n_attr > 1)
        qsort(nd->attr, nd->n_attr, sizeof *nd->attr, exp_attr_cmp);
    if (scaled)
        exp_random_scale(ex, op, nd->name);
    return TACT_CODE_OK;
}

Tensorflow__GraphDef *tact__graphdef_export(tact_graph_t *g, tact_status_t *st)
{
    if (tact__failed(st))
        return NULL;
    tact_status_t local = TACT_STATUS_INIT;
    exp_t ex = { .st = st != NULL ? st : &local };
    ex.gd = tact__malloc(sizeof *ex.gd);
    tensorflow__graph_def__init(ex.gd);
    ex.gd->versions = tact__malloc(sizeof *ex.gd->versions);
    tensorflow__version_def__init(ex.gd->versions);
    ex.gd->versions->producer = EXPORT_PRODUCER;

    pthread_mutex_lock(&g->lock);
    int n = g->n_ops;
    tact_op_t **ops = tact__malloc((size_t) n * sizeof *ops + 1);
    if (n > 0)  /* an empty graph has no ops array yet */
        memcpy(ops, g->ops, (size_t) n * sizeof *ops);
    for (int i = 0; i < n; i++)  /* the graph's names first: new Consts avoid them all */
        tact__strmap_put(&ex.names, ops[i]->name, NULL);
    pthread_mutex_unlock(&g->lock);

    for (int i = 0; i < n && ex.st->code == TACT_CODE_OK; i++)
        exp_op(&ex, ops[i]);
    free(ops);
    tact__strmap_fini(&ex.names);
    if (ex.st->code != TACT_CODE_OK) {
        protobuf_c_message_free_unpacked(&ex.gd->base, NULL);
        return NULL;
    }
    return ex.gd;
}
