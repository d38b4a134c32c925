/* SPDX-License-Identifier: MIT */
/* tf.import_graph_def: a GraphDef's nodes become ops of a tact graph. All or nothing: every
 * node is mapped, wired, sorted and inferred before the first op is added, so a failed import
 * leaves the graph as it was. The file formats are told apart in graphdef_io.c. */
#include "runtime/graph/device_spec.h"
#include "runtime/model/dtypes.h"
#include "runtime/model/graphdef.h"
#include "runtime/model/tensor_proto.h"
#include "runtime/model/tf_ops.h"

typedef struct imp_input {
    int node;              /* the imported node it comes from, or -1 when input_map gives it */
    int index;             /* that node's output */
    tact_output_t mapped;  /* node -1: the existing output */
} imp_input_t;

typedef struct imp_node {
    const Tensorflow__NodeDef *nd;
    const tact_tf_op_t *tf;
    char *name;                       /* with the prefix */
    tact_op_attrs_t attrs;            /* attrs.value owned here until the op is added */
    tact_dtype_t type_attr;           /* tf->type_attr's value */
    imp_input_t *in;                  /* one per NodeDef input at most */
    int n_in;                         /* TensorFlow's data inputs */
    int *controls;                    /* imported nodes */
    int n_controls;
    tact_device_spec_t device;
    int n_outputs;
    tact_dtype_t *out_dtype;          /* n_outputs of each, once inferred */
    tact_shape_t *out_shape;
    tact_op_t *op;                    /* once added */
    int n_folded;                     /* tf->n_folded, or 0 where the values are data inputs */
} imp_node_t;

typedef struct imp {
    tact_graph_t *g;
    const Tensorflow__GraphDef *gd;
    const tact_import_options_t *opts;
    tact_status_t *st;
    imp_node_t *nodes;
    int n;
    tact_strmap_t by_name;            /* GraphDef name -> index + 1 */
    char prefix[300];                 /* "" or "p/" */
    tact_device_spec_t default_device;
    int *order;                       /* topological */
    bool *map_used;
} imp_t;

static const char *imp_nd_name(const Tensorflow__NodeDef *nd)
{
    return nd->name != NULL ? nd->name : "";
}

/* ------------------------------------------------------------------------------------------ */
/* Attributes                                                                                 */
/* ------------------------------------------------------------------------------------------ */

static const Tensorflow__AttrValue *imp_attr(const Tensorflow__NodeDef *nd, const char *key)
{
    static const Tensorflow__AttrValue empty;  /* value_case NOT_SET */
    for (size_t i = 0; i < nd->n_attr; i++) {
        const Tensorflow__NodeDef__AttrEntry *e = nd->attr[i];
        if (e != NULL && e->key != NULL && strcmp(e->key, key) == 0)
            return e->value != NULL ? e->value : &empty;
    }
    return NULL;
}

static tact_code_t imp_missing(imp_t *im, const imp_node_t *n, const char *key)
{
    return tact__fail(im->st, TACT_CODE_INVALID_ARGUMENT,
                      "NodeDef missing attr '%s' from Op<name=%s>; NodeDef: {{node %s}}", key,
                      n->tf->type, imp_nd_name(n->nd));
}

static tact_code_t imp_wrong_kind(imp_t *im, const imp_node_t *n, const char *key,
                                  const char *want)
{
    return tact__fail(im->st, TACT_CODE_INVALID_ARGUMENT,
                      "Node '%s': attr '%s' does not hold a value of type '%s'",
                      imp_nd_name(n->nd), key, want);
}

static tact_code_t imp_attr_type(imp_t *im, const imp_node_t *n, const char *key, bool required,
                                 tact_dtype_t dflt, tact_dtype_t *out)
{
    const Tensorflow__AttrValue *a = imp_attr(n->nd, key);
    *out = dflt;
    if (a == NULL)
        return required ? imp_missing(im, n, key) : TACT_CODE_OK;
    if (a->value_case != TENSORFLOW__ATTR_VALUE__VALUE_TYPE)
        return imp_wrong_kind(im, n, key, "type");
    if (!tact__dtype_from_proto(a->type, out))
        return tact__fail(im->st, TACT_CODE_UNIMPLEMENTED,
                          "Node '%s': attr '%s' is %s, a dtype tact does not support",
                          imp_nd_name(n->nd), key, tact__dtype_proto_name(a->type));
    return TACT_CODE_OK;
}

static tact_code_t imp_attr_bool(imp_t *im, const imp_node_t *n, const char *key, bool *out)
{
    const Tensorflow__AttrValue *a = imp_attr(n->nd, key);
    if (a == NULL)
        return TACT_CODE_OK;  /* every bool attr tact reads has a default */
    if (a->value_case != TENSORFLOW__ATTR_VALUE__VALUE_B)
        return imp_wrong_kind(im, n, key, "bool");
    *out = a->b != 0;
    return TACT_CODE_OK;
}

static tact_code_t imp_attr_int(imp_t *im, const imp_node_t *n, const char *key, int64_t *out)
{
    const Tensorflow__AttrValue *a = imp_attr(n->nd, key);
    if (a == NULL)
        return TACT_CODE_OK;
    if (a->value_case != TENSORFLOW__ATTR_VALUE__VALUE_I)
        return imp_wrong_kind(im, n, key, "int");
    *out = a->i;
    return TACT_CODE_OK;
}

static tact_code_t imp_attr_float(imp_t *im, const imp_node_t *n, const char *key, double *out)
{
    const Tensorflow__AttrValue *a = imp_attr(n->nd, key);
    if (a == NULL)
        return TACT_CODE_OK;
    if (a->value_case != TENSORFLOW__ATTR_VALUE__VALUE_F)
        return imp_wrong_kind(im, n, key, "float");
    *out = a->f;
    return TACT_CODE_OK;
}

/* A shape attr; absent: `dflt`. */
static tact_code_t imp_attr_shape(imp_t *im, const imp_node_t *n, const char *key, bool required,
                                  tact_shape_t *out)
{
    const Tensorflow__AttrValue *a = imp_attr(n->nd, key);
    if (a == NULL) {
        out->ndims = -1;
        return required ? imp_missing(im, n, key) : TACT_CODE_OK;
    }
    if (a->value_case != TENSORFLOW__ATTR_VALUE__VALUE_SHAPE)
        return imp_wrong_kind(im, n, key, "shape");
    char what[300];
    snprintf(what, sizeof what, "Node '%.200s': attr '%s'", imp_nd_name(n->nd), key);
    return tact__shape_from_proto(a->shape, what, out, im->st);
}

/* A list(type) attr into a malloc'd array (the node owns it until the op copies it). */
static tact_code_t imp_attr_types(imp_t *im, imp_node_t *n, const char *key, int *n_out,
                                  tact_dtype_t **out)
{
    const Tensorflow__AttrValue *a = imp_attr(n->nd, key);
    if (a == NULL)
        return imp_missing(im, n, key);
    if (a->value_case != TENSORFLOW__ATTR_VALUE__VALUE_LIST)
        return imp_wrong_kind(im, n, key, "list(type)");
    const Tensorflow__AttrValue__ListValue *l = a->list;
    if (l->n_type > (size_t) INT_MAX / 4)
        return tact__fail(im->st, TACT_CODE_INVALID_ARGUMENT, "Node '%s': attr '%s' is too long",
                          imp_nd_name(n->nd), key);
    *n_out = (int) l->n_type;
    *out = tact__malloc((l->n_type + 1) * sizeof **out);
    for (size_t i = 0; i < l->n_type; i++)
        if (!tact__dtype_from_proto(l->type[i], &(*out)[i]))
            return tact__fail(im->st, TACT_CODE_UNIMPLEMENTED,
                              "Node '%s': attr '%s' entry %zu is %s, a dtype tact does not "
                              "support", imp_nd_name(n->nd), key, i,
                              tact__dtype_proto_name(l->type[i]));
    return TACT_CODE_OK;
}

/* A string attr into a malloc'd C string; absent: `dflt`. Bytes with a NUL are refused (tact
 * keeps separators and patterns as C strings). */
static tact_code_t imp_attr_text(imp_t *im, imp_node_t *n, const char *key, bool required,
                                 const char *dflt, char **out)
{
    const Tensorflow__AttrValue *a = imp_attr(n->nd, key);
    if (a == NULL) {
        if (required)
            return imp_missing(im, n, key);
        *out = tact__strdup(dflt);
        return TACT_CODE_OK;
    }
    if (a->value_case != TENSORFLOW__ATTR_VALUE__VALUE_S)
        return imp_wrong_kind(im, n, key, "string");
    if (a->s.len > 0 && memchr(a->s.data, '\0', a->s.len) != NULL)
        return tact__fail(im->st, TACT_CODE_UNIMPLEMENTED,
                          "Node '%s': attr '%s' holds a NUL byte, which tact does not support",
                          imp_nd_name(n->nd), key);
    *out = tact__malloc(a->s.len + 1);
    if (a->s.len > 0)
        memcpy(*out, a->s.data, a->s.len);
    (*out)[a->s.len] = '\0';
    return TACT_CODE_OK;
}

/* An int attr that must be present and fit an int (N, axis). */
static tact_code_t imp_attr_small_int(imp_t *im, imp_node_t *n, const char *key, bool required,
                                      int *out)
{
    if (required && imp_attr(n->nd, key) == NULL)
        return imp_missing(im, n, key);
    int64_t v = *out;
    if (imp_attr_int(im, n, key, &v))
        return im->st->code;
    if (v < INT_MIN / 4 || v > INT_MAX / 4)
        return tact__fail(im->st, TACT_CODE_INVALID_ARGUMENT,
                          "Node '%s': attr '%s' = %" PRId64 " is out of range",
                          imp_nd_name(n->nd), key, v);
    *out = (int) v;
    return TACT_CODE_OK;
}

/* Squeeze's squeeze_dims: a list of ints (absent or empty: every axis of size 1). */
static tact_code_t imp_attr_squeeze_dims(imp_t *im, imp_node_t *n)
{
    const Tensorflow__AttrValue *a = imp_attr(n->nd, "squeeze_dims");
    if (a == NULL)
        return TACT_CODE_OK;
    if (a->value_case != TENSORFLOW__ATTR_VALUE__VALUE_LIST)
        return imp_wrong_kind(im, n, "squeeze_dims", "list(int)");
    if (a->list->n_i > TACT_MAX_DIMS)
        return tact__fail(im->st, TACT_CODE_INVALID_ARGUMENT,
                          "Node '%s': %zu squeeze_dims; at most %d", imp_nd_name(n->nd),
                          a->list->n_i, TACT_MAX_DIMS);
    n->attrs.n_squeeze = (int) a->list->n_i;
    for (size_t i = 0; i < a->list->n_i; i++) {
        int64_t d = a->list->i[i];
        n->attrs.squeeze_dims[i] = d < -TACT_MAX_DIMS - 1 ? -TACT_MAX_DIMS - 1
                                   : d > TACT_MAX_DIMS ? TACT_MAX_DIMS : (int) d;
    }
    return TACT_CODE_OK;
}

/* FIFOQueueV2's element type: component_types, shapes (none: any), capacity (-1: none). */
static tact_code_t imp_queue_attrs(imp_t *im, imp_node_t *n)
{
    tact_op_attrs_t *at = &n->attrs;
    const Tensorflow__AttrValue *types = imp_attr(n->nd, "component_types");
    if (types == NULL)
        return imp_missing(im, n, "component_types");
    if (types->value_case != TENSORFLOW__ATTR_VALUE__VALUE_LIST)
        return imp_wrong_kind(im, n, "component_types", "list(type)");
    const Tensorflow__AttrValue__ListValue *l = types->list;
    if (l->n_type < 1 || l->n_type > TACT_MAX_OUTPUTS)
        return tact__fail(im->st, TACT_CODE_INVALID_ARGUMENT,
                          "Node '%s': %zu queue components; tact supports 1 to %d",
                          imp_nd_name(n->nd), l->n_type, TACT_MAX_OUTPUTS);
    at->n_components = (int) l->n_type;
    for (size_t i = 0; i < l->n_type; i++)
        if (!tact__dtype_from_proto(l->type[i], &at->component_dtypes[i]))
            return tact__fail(im->st, TACT_CODE_UNIMPLEMENTED,
                              "Node '%s': queue component %zu is %s, a dtype tact does not "
                              "support", imp_nd_name(n->nd), i,
                              tact__dtype_proto_name(l->type[i]));
    const Tensorflow__AttrValue *shapes = imp_attr(n->nd, "shapes");
    if (shapes != NULL && shapes->value_case == TENSORFLOW__ATTR_VALUE__VALUE_LIST &&
        shapes->list->n_shape > 0) {
        const Tensorflow__AttrValue__ListValue *sl = shapes->list;
        if (sl->n_shape != l->n_type)
            return tact__fail(im->st, TACT_CODE_INVALID_ARGUMENT,
                              "Node '%s': %zu shapes for %zu queue components",
                              imp_nd_name(n->nd), sl->n_shape, l->n_type);
        at->has_shapes = true;
        for (size_t i = 0; i < sl->n_shape; i++) {
            char what[300];
            snprintf(what, sizeof what, "Node '%.200s': queue component %zu", imp_nd_name(n->nd),
                     i);
            if (tact__shape_from_proto(sl->shape[i], what, &at->component_shapes[i], im->st))
                return im->st->code;
            if (at->component_shapes[i].ndims < 0 ||
                at->component_shapes[i].ndims > TACT_MAX_DIMS - 1)
                return tact__fail(im->st, TACT_CODE_UNIMPLEMENTED,
                                  "%s: tact takes queue shapes of known rank up to %d", what,
                                  TACT_MAX_DIMS - 1);
        }
    }
    int64_t capacity = -1;
    if (imp_attr_int(im, n, "capacity", &capacity))
        return im->st->code;
    at->capacity = capacity <= 0 || capacity > INT_MAX ? -1 : (int) capacity;
    return TACT_CODE_OK;
}

/* A list(int) attr into vals[0..cap) (the rest dropped), its length in *n_out; absent: `dflt`
 * (n_dflt entries), or a missing-attr error when dflt is NULL. */
static tact_code_t imp_attr_ints(imp_t *im, const imp_node_t *n, const char *key, int cap,
                                 const int *dflt, int n_dflt, int *vals, int *n_out)
{
    const Tensorflow__AttrValue *a = imp_attr(n->nd, key);
    if (a == NULL) {
        if (dflt == NULL)
            return imp_missing(im, n, key);
        *n_out = n_dflt;
        for (int i = 0; i < n_dflt && i < cap; i++)
            vals[i] = dflt[i];
        return TACT_CODE_OK;
    }
    if (a->value_case != TENSORFLOW__ATTR_VALUE__VALUE_LIST)
        return imp_wrong_kind(im, n, key, "list(int)");
    const Tensorflow__AttrValue__ListValue *l = a->list;
    if (l->n_i > (size_t) INT_MAX / 4)
        return tact__fail(im->st, TACT_CODE_INVALID_ARGUMENT, "Node '%s': attr '%s' is too long",
                          imp_nd_name(n->nd), key);
    *n_out = (int) l->n_i;
    for (size_t i = 0; i < l->n_i && i < (size_t) cap; i++) {
        if (l->i[i] < INT_MIN / 4 || l->i[i] > INT_MAX / 4)
            return tact__fail(im->st, TACT_CODE_INVALID_ARGUMENT,
                              "Node '%s': attr '%s' entry %zu = %" PRId64 " is out of range",
                              imp_nd_name(n->nd), key, i, l->i[i]);
        vals[i] = (int) l->i[i];
    }
    return TACT_CODE_OK;
}

/* A string attr that must be one of `allowed` (NULL-terminated): its index in *out; absent:
 * `dflt`, or a missing-attr error when dflt is -1. TensorFlow's words when it is not. */
static tact_code_t imp_attr_choice(imp_t *im, const imp_node_t *n, const char *key,
                                   const char *const *allowed, int dflt, int *out)
{
    const Tensorflow__AttrValue *a = imp_attr(n->nd, key);
    if (a == NULL) {
        if (dflt < 0)
            return imp_missing(im, n, key);
        *out = dflt;
        return TACT_CODE_OK;
    }
    if (a->value_case != TENSORFLOW__ATTR_VALUE__VALUE_S)
        return imp_wrong_kind(im, n, key, "string");
    char list[160] = "";
    for (int i = 0; allowed[i] != NULL; i++) {
        if (strlen(allowed[i]) == a->s.len && memcmp(allowed[i], a->s.data, a->s.len) == 0) {
            *out = i;
            return TACT_CODE_OK;
        }
        size_t used = strlen(list);
        snprintf(list + used, sizeof list - used, "%s\"%s\"", i > 0 ? ", " : "", allowed[i]);
    }
    return tact__fail(im->st, TACT_CODE_INVALID_ARGUMENT,
                      "Value for attr '%s' of \"%.*s\" is not in the list of allowed values: %s"
                      "; NodeDef: {{node %s}}", key, (int) (a->s.len > 100 ? 100 : a->s.len),
                      (const char *) a->s.data, list, imp_nd_name(n->nd));
}

/* The attributes of the ops of runtime/ops/nn_ops.c, with TensorFlow's defaults. */
static tact_code_t imp_nn_attrs(imp_t *im, imp_node_t *n)
{
    static const char *const formats[] = {"NHWC", "NCHW", NULL};
    static const char *const paddings[] = {"SAME", "VALID", "EXPLICIT", NULL};
    static const tact_padding_t padding_of[] = {TACT_PADDING_SAME, TACT_PADDING_VALID,
                                                TACT_PADDING_EXPLICIT};
    static const int ones[4] = {1, 1, 1, 1};
    tact_op_attrs_t *at = &n->attrs;
    tact_op_kind_t kind = n->tf->kind;
    int nchw = 0, padding = 0;
    if (imp_attr_choice(im, n, "data_format", formats, 0, &nchw))
        return im->st->code;
    at->nchw = nchw == 1;
    if (kind == TACT_OP_FUSED_BATCH_NORM || kind == TACT_OP_FUSED_BATCH_NORM_V3) {
        at->epsilon = 0.0001f;  /* TensorFlow's defaults */
        at->is_training = true;
        at->exponential_avg_factor = 1.0f;
        double epsilon = at->epsilon, factor = at->exponential_avg_factor;
        if (imp_attr_float(im, n, "epsilon", &epsilon) ||
            imp_attr_float(im, n, "exponential_avg_factor", &factor))
            return im->st->code;
        at->epsilon = (float) epsilon;
        at->exponential_avg_factor = (float) factor;
        return imp_attr_bool(im, n, "is_training", &at->is_training);
    }
    if (kind == TACT_OP_BATCH_MATMUL) {
        if (imp_attr_bool(im, n, "adj_x", &at->transpose_a))
            return im->st->code;
        return imp_attr_bool(im, n, "adj_y", &at->transpose_b);
    }
    if (imp_attr_choice(im, n, "padding", paddings, -1, &padding) ||
        imp_attr_ints(im, n, "strides", 4, NULL, 0, at->strides, &at->n_strides) ||
        imp_attr_ints(im, n, "explicit_paddings", 8, ones, 0, at->explicit_paddings,
                      &at->n_explicit_paddings))
        return im->st->code;
    at->padding = padding_of[padding];
    if (kind == TACT_OP_MAX_POOL || kind == TACT_OP_AVG_POOL)
        return imp_attr_ints(im, n, "ksize", 4, NULL, 0, at->ksize, &at->n_ksize);
    return imp_attr_ints(im, n, "dilations", 4, ones, 4, at->dilations, &at->n_dilations);
}

/* The node's own attributes (not those that come from Const inputs). */
static tact_code_t imp_node_attrs(imp_t *im, imp_node_t *n)
{
    tact_op_attrs_t *at = &n->attrs;
    at->n_axes = -1;
    at->n_perm = -1;
    if (n->tf->type_attr != NULL &&
        imp_attr_type(im, n, n->tf->type_attr, true, TACT_DTYPE_F32, &n->type_attr))
        return im->st->code;
    char what[300];
    snprintf(what, sizeof what, "Node '%.200s'", imp_nd_name(n->nd));

    switch (n->tf->kind) {
    case TACT_OP_CONST: {
        const Tensorflow__AttrValue *v = imp_attr(n->nd, "value");
        if (v == NULL)
            return imp_missing(im, n, "value");
        if (v->value_case != TENSORFLOW__ATTR_VALUE__VALUE_TENSOR)
            return imp_wrong_kind(im, n, "value", "tensor");
        tact_dtype_t dtype;
        if (imp_attr_type(im, n, "dtype", true, TACT_DTYPE_F32, &dtype))
            return im->st->code;
        at->value = tact__tensor_from_proto(v->tensor, what, im->st);
        if (at->value == NULL)
            return im->st->code;
        if (at->value->dtype != dtype)
            return tact__fail(im->st, TACT_CODE_INVALID_ARGUMENT,
                              "Node '%s': value is a %s tensor, but dtype is %s",
                              imp_nd_name(n->nd), tact__dtype_tf_name(at->value->dtype),
                              tact__dtype_tf_name(dtype));
        return TACT_CODE_OK;
    }
    case TACT_OP_PLACEHOLDER:
        if (imp_attr_type(im, n, "dtype", true, TACT_DTYPE_F32, &at->dtype))
            return im->st->code;
        return imp_attr_shape(im, n, "shape", false, &at->shape);
    case TACT_OP_VARIABLE:
        if (imp_attr_type(im, n, "dtype", true, TACT_DTYPE_F32, &at->dtype) ||
            imp_attr_shape(im, n, "shape", true, &at->shape))
            return im->st->code;
        if (tact__shape_nelems(&at->shape) < 0) {
            char text[160];
            return tact__fail(im->st, TACT_CODE_UNIMPLEMENTED,
                              "Node '%s': a variable of partly known shape %s is not supported",
                              imp_nd_name(n->nd), tact__shape_str(&at->shape, text, sizeof text));
        }
        return TACT_CODE_OK;
    case TACT_OP_MATMUL:
        if (imp_attr_bool(im, n, "transpose_a", &at->transpose_a))
            return im->st->code;
        return imp_attr_bool(im, n, "transpose_b", &at->transpose_b);
    case TACT_OP_SUM:
    case TACT_OP_MEAN:
    case TACT_OP_MAX:
    case TACT_OP_MIN:
    case TACT_OP_PROD:
        return imp_attr_bool(im, n, "keep_dims", &at->keep_dims);
    case TACT_OP_LEAKY_RELU:
        at->alpha = 0.2;  /* TensorFlow's default */
        return imp_attr_float(im, n, "alpha", &at->alpha);
    case TACT_OP_ADD_N:
        return imp_attr_small_int(im, n, "N", true, &at->n_list);
    case TACT_OP_ARG_MAX:
    case TACT_OP_ARG_MIN:
        return imp_attr_type(im, n, "output_type", false, TACT_DTYPE_I64, &at->dtype);
    case TACT_OP_CAST:
        return imp_attr_type(im, n, "DstT", true, TACT_DTYPE_F32, &at->dtype);
    case TACT_OP_RANDOM_UNIFORM:
    case TACT_OP_RANDOM_NORMAL:
    case TACT_OP_TRUNCATED_NORMAL:
        at->rand_a = 0.0;  /* TensorFlow scales and shifts with Mul and Add ops after these */
        at->rand_b = 1.0;
        if (imp_attr_type(im, n, "dtype", true, TACT_DTYPE_F32, &at->dtype) ||
            imp_attr_int(im, n, "seed", &at->seed))
            return im->st->code;
        return imp_attr_int(im, n, "seed2", &at->seed2);
    case TACT_OP_QUEUE:
        return imp_queue_attrs(im, n);
    case TACT_OP_PLACEHOLDER_WITH_DEFAULT:
        at->dtype = n->type_attr;  /* attr dtype, read as the type attr above */
        return imp_attr_shape(im, n, "shape", true, &at->shape);
    case TACT_OP_PACK:
        if (imp_attr_small_int(im, n, "N", true, &at->n_list))
            return im->st->code;
        return imp_attr_small_int(im, n, "axis", false, &at->axis);
    case TACT_OP_SHAPE:
    case TACT_OP_SIZE:
        return imp_attr_type(im, n, "out_type", false, TACT_DTYPE_I32, &at->out_type);
    case TACT_OP_SQUEEZE:
        return imp_attr_squeeze_dims(im, n);
    case TACT_OP_STRIDED_SLICE:
        if (imp_attr_int(im, n, "begin_mask", &at->begin_mask) ||
            imp_attr_int(im, n, "end_mask", &at->end_mask) ||
            imp_attr_int(im, n, "ellipsis_mask", &at->ellipsis_mask) ||
            imp_attr_int(im, n, "new_axis_mask", &at->new_axis_mask))
            return im->st->code;
        return imp_attr_int(im, n, "shrink_axis_mask", &at->shrink_axis_mask);
    case TACT_OP_CONCAT_V2:
        return imp_attr_small_int(im, n, "N", true, &at->n_list);
    case TACT_OP_SPLIT:
        return imp_attr_small_int(im, n, "num_split", true, &at->num);
    case TACT_OP_UNPACK:
        if (imp_attr_small_int(im, n, "num", true, &at->num))
            return im->st->code;
        return imp_attr_small_int(im, n, "axis", false, &at->axis);
    case TACT_OP_ONE_HOT:
        at->axis = -1;
        return imp_attr_small_int(im, n, "axis", false, &at->axis);
    case TACT_OP_GATHER_V2: {
        int64_t batch_dims = 0;
        if (imp_attr_int(im, n, "batch_dims", &batch_dims))
            return im->st->code;
        if (batch_dims != 0)
            return tact__fail(im->st, TACT_CODE_UNIMPLEMENTED,
                              "Node '%s': GatherV2 with batch_dims %" PRId64 " is not supported "
                              "(only 0)", imp_nd_name(n->nd), batch_dims);
        return TACT_CODE_OK;
    }
    case TACT_OP_STRING_JOIN:
        if (imp_attr_small_int(im, n, "N", true, &at->n_list))
            return im->st->code;
        return imp_attr_text(im, n, "separator", false, "", &at->text);
    case TACT_OP_STATIC_REGEX_FULL_MATCH:
        return imp_attr_text(im, n, "pattern", true, "", &at->text);
    case TACT_OP_IDENTITY_N:
        return imp_attr_types(im, n, "T", &at->n_list, &at->dtypes);
    case TACT_OP_SAVE_V2:
    case TACT_OP_RESTORE_V2:
        return imp_attr_types(im, n, "dtypes", &at->n_list, &at->dtypes);
    case TACT_OP_MERGE_V2_CHECKPOINTS:
        at->delete_old_dirs = true;  /* TensorFlow's defaults */
        at->allow_missing_files = false;
        if (imp_attr_bool(im, n, "delete_old_dirs", &at->delete_old_dirs))
            return im->st->code;
        return imp_attr_bool(im, n, "allow_missing_files", &at->allow_missing_files);
    case TACT_OP_QUEUE_CLOSE:
        return imp_attr_bool(im, n, "cancel_pending_enqueues", &at->cancel_pending);
    case TACT_OP_VAR_HANDLE:
        if (imp_attr_type(im, n, "dtype", true, TACT_DTYPE_F32, &at->dtype) ||
            imp_attr_shape(im, n, "shape", true, &at->shape) ||
            imp_attr_text(im, n, "shared_name", false, "", &at->text))
            return im->st->code;
        return imp_attr_text(im, n, "container", false, "", &at->container);
    case TACT_OP_READ_VARIABLE:
    case TACT_OP_ASSIGN_VARIABLE:
    case TACT_OP_ASSIGN_ADD_VARIABLE:
        return imp_attr_type(im, n, "dtype", true, TACT_DTYPE_F32, &at->dtype);
    case TACT_OP_TEXT_LINE_READER: {
        int64_t skip = 0;
        if (imp_attr_int(im, n, "skip_header_lines", &skip))
            return im->st->code;
        at->skip_header_lines = skip < INT_MIN ? INT_MIN : skip > INT_MAX ? INT_MAX : (int) skip;
        return TACT_CODE_OK;
    }
    case TACT_OP_ADD:
        if (strcmp(n->tf->type, "BiasAdd") == 0) {
            const Tensorflow__AttrValue *f = imp_attr(n->nd, "data_format");
            if (f != NULL && f->value_case == TENSORFLOW__ATTR_VALUE__VALUE_S &&
                !(f->s.len == 4 && memcmp(f->s.data, "NHWC", 4) == 0))
                return tact__fail(im->st, TACT_CODE_UNIMPLEMENTED,
                                  "Node '%s': BiasAdd is imported for data_format NHWC only",
                                  imp_nd_name(n->nd));
            at->bias_add = true;
        }
        return TACT_CODE_OK;
    case TACT_OP_CONV2D:
    case TACT_OP_DEPTHWISE_CONV2D:
    case TACT_OP_MAX_POOL:
    case TACT_OP_AVG_POOL:
    case TACT_OP_FUSED_BATCH_NORM:
    case TACT_OP_FUSED_BATCH_NORM_V3:
    case TACT_OP_BATCH_MATMUL:
        return imp_nn_attrs(im, n);
    case TACT_OP_TOP_K:
        at->sorted = true;  /* TensorFlow's default */
        return imp_attr_bool(im, n, "sorted", &at->sorted);
    case TACT_OP_RESIZE_BILINEAR:
    case TACT_OP_RESIZE_NEAREST_NEIGHBOR:
        if (imp_attr_bool(im, n, "align_corners", &at->align_corners))
            return im->st->code;
        return imp_attr_bool(im, n, "half_pixel_centers", &at->half_pixel_centers);
    default:
        return TACT_CODE_OK;
    }
}

/* ------------------------------------------------------------------------------------------ */
/* Inputs                                                                                     */
/* ------------------------------------------------------------------------------------------ */

/* "name:3" into name and 3; "name" is output 0. False when the index part is malformed. */
static bool imp_split(const char *s, char *name, size_t cap, int *index)
{
    const char *colon = strrchr(s, ':');
    size_t len = strlen(s);
    *index = 0;
    if (colon != NULL) {
        long v = 0;
        if (colon[1] == '\0')
            return false;
        for (const char *p = colon + 1; *p; p++) {
            if (!isdigit((unsigned char) *p) || v > INT_MAX / 10)
                return false;
            v = v * 10 + (*p - '0');
        }
        *index = (int) v;
        len = (size_t) (colon - s);
    }
    if (len == 0 || len >= cap)
        return false;
    memcpy(name, s, len);
    name[len] = '\0';
    return true;
}

static int imp_lookup(const imp_t *im, const char *name)
{
    return (int) (intptr_t) tact__strmap_get(&im->by_name, name) - 1;
}

/* The input_map entry for "name:index", or -1. */
static int imp_mapped(imp_t *im, const char *name, int index)
{
    for (int i = 0; i < im->opts->n_input_map; i++) {
        char key[300];
        int kidx;
        if (imp_split(im->opts->input_map[i].name, key, sizeof key, &kidx) &&
            kidx == index && strcmp(key, name) == 0)
            return i;
    }
    return -1;
}

static tact_code_t imp_node_inputs(imp_t *im, int self)
{
    imp_node_t *n = &im->nodes[self];
    const Tensorflow__NodeDef *nd = n->nd;
    int n_data = 0;
    n->controls = tact__malloc((nd->n_input + 1) * sizeof *n->controls);
    n->in = tact__malloc((nd->n_input + 1) * sizeof *n->in);
    for (size_t i = 0; i < nd->n_input; i++) {
        const char *s = nd->input[i] != NULL ? nd->input[i] : "";
        char name[300];
        int index;
        if (s[0] == '^') {
            int k = imp_lookup(im, s + 1);
            if (k < 0)
                return tact__fail(im->st, TACT_CODE_INVALID_ARGUMENT,
                                  "Node '%s': Unknown input node '%s'", imp_nd_name(nd), s);
            n->controls[n->n_controls++] = k;
            continue;
        }
        if (n->n_controls > 0)
            return tact__fail(im->st, TACT_CODE_INVALID_ARGUMENT,
                              "Node '%s': Control dependencies must come after regular "
                              "dependencies: input '%s'", imp_nd_name(nd), s);
        if (n->tf->n_inputs >= 0 && n_data == n->tf->n_inputs)
            return tact__fail(im->st, TACT_CODE_INVALID_ARGUMENT,
                              "Node '%s': %s takes %d inputs, but the NodeDef has more",
                              imp_nd_name(nd), n->tf->type, n_data);
        if (!imp_split(s, name, sizeof name, &index))
            return tact__fail(im->st, TACT_CODE_INVALID_ARGUMENT,
                              "Node '%s': Unknown input node '%s'", imp_nd_name(nd), s);
        imp_input_t *in = &n->in[n_data++];
        int m = imp_mapped(im, name, index);
        if (m >= 0) {
            tact_output_t v = im->opts->input_map[m].value;
            if (v.op == NULL || v.op->graph != im->g || v.index < 0 ||
                v.index >= v.op->n_outputs)
                return tact__fail(im->st, TACT_CODE_INVALID_ARGUMENT,
                                  "input_map entry '%s' does not name an output of the graph "
                                  "being imported into", im->opts->input_map[m].name);
            im->map_used[m] = true;
            *in = (imp_input_t) { .node = -1, .index = v.index, .mapped = v };
            continue;
        }
        int k = imp_lookup(im, name);
        if (k < 0)
            return tact__fail(im->st, TACT_CODE_INVALID_ARGUMENT,
                              "Node '%s': Unknown input node '%s'", imp_nd_name(nd), s);
        *in = (imp_input_t) { .node = k, .index = index };
    }
    n->n_in = n_data;
    if (n->tf->n_inputs >= 0 && n_data != n->tf->n_inputs)
        return tact__fail(im->st, TACT_CODE_INVALID_ARGUMENT,
                          "Node '%s': %s takes %d inputs, but the NodeDef has %d",
                          imp_nd_name(nd), n->tf->type, n->tf->n_inputs, n_data);
    return TACT_CODE_OK;
}

/* ------------------------------------------------------------------------------------------ */
/* Const inputs held as attributes                                                            */
/* ------------------------------------------------------------------------------------------ */

/* The Const tensor behind TensorFlow input i of node n, or NULL (fills st). */
static const tact_tensor_t *imp_folded(imp_t *im, imp_node_t *n, int i, const char *what,
                                       bool integer)
{
    const imp_input_t *in = &n->in[i];
    const imp_node_t *src = in->node >= 0 ? &im->nodes[in->node] : NULL;
    if (src == NULL || src->tf->kind != TACT_OP_CONST || in->index != 0) {
        char from[300];
        if (src == NULL)
            tact__output_name(in->mapped, from, sizeof from);
        else
            snprintf(from, sizeof from, "%.280s:%d", imp_nd_name(src->nd), in->index);
        tact__fail(im->st, TACT_CODE_INVALID_ARGUMENT,
                   "Node '%s': input %d (%s) comes from '%s', but tact needs a Const there "
                   "for now (%s takes its %s as a constant)", imp_nd_name(n->nd), i, what, from,
                   n->tf->type, what);
        return NULL;
    }
    const tact_tensor_t *t = src->attrs.value;
    if (integer && ((t->dtype != TACT_DTYPE_I32 && t->dtype != TACT_DTYPE_I64) || t->ndims > 1)) {
        tact__fail(im->st, TACT_CODE_INVALID_ARGUMENT,
                   "Node '%s': %s must be an int32 or int64 scalar or vector, not %s of rank %d",
                   imp_nd_name(n->nd), what, tact__dtype_tf_name(t->dtype), t->ndims);
        return NULL;
    }
    return t;
}

static int64_t imp_int_at(const tact_tensor_t *t, int64_t i)
{
    return t->dtype == TACT_DTYPE_I32 ? ((const int32_t *) t->data)[i]
                                      : ((const int64_t *) t->data)[i];
}

/* Up to TACT_MAX_DIMS integers from a Const, as dims (Reshape, Fill, random shapes). */
static tact_code_t imp_folded_dims(imp_t *im, imp_node_t *n, const tact_tensor_t *t,
                                   const char *what, bool allow_minus_one, tact_shape_t *out)
{
    if (t->nelems > TACT_MAX_DIMS || t->ndims != 1)
        return tact__fail(im->st, TACT_CODE_INVALID_ARGUMENT,
                          "Node '%s': %s must be a vector of at most %d dimensions",
                          imp_nd_name(n->nd), what, TACT_MAX_DIMS);
    out->ndims = (int) t->nelems;
    for (int64_t i = 0; i < t->nelems; i++) {
        int64_t d = imp_int_at(t, i);
        if (d < (allow_minus_one ? -1 : 0))
            return tact__fail(im->st, TACT_CODE_INVALID_ARGUMENT,
                              "Node '%s': %s has a negative dimension %" PRId64,
                              imp_nd_name(n->nd), what, d);
        out->dims[i] = d;
    }
    return TACT_CODE_OK;
}

/* The kind of the op behind input i (imported or mapped), and its attributes. */
static const tact_op_attrs_t *imp_input_attrs(const imp_t *im, const imp_node_t *n, int i,
                                              tact_op_kind_t *kind)
{
    const imp_input_t *in = &n->in[i];
    if (in->node < 0) {
        *kind = in->mapped.op->kind;
        return &in->mapped.op->attrs;
    }
    *kind = im->nodes[in->node].tf->kind;
    return &im->nodes[in->node].attrs;
}

/* Ops on a queue carry its element type; an enqueue has one input per component. */
static tact_code_t imp_fold_queue_user(imp_t *im, imp_node_t *n)
{
    tact_op_kind_t kind;
    const tact_op_attrs_t *q = imp_input_attrs(im, n, 0, &kind);
    if (n->n_in < 1 || kind != TACT_OP_QUEUE)
        return tact__fail(im->st, TACT_CODE_INVALID_ARGUMENT,
                          "Node '%s': input 0 of %s must be a queue (FIFOQueueV2)",
                          imp_nd_name(n->nd), n->tf->type);
    tact_op_attrs_t *at = &n->attrs;
    at->capacity = q->capacity;
    at->n_components = q->n_components;
    memcpy(at->component_dtypes, q->component_dtypes, sizeof at->component_dtypes);
    at->has_shapes = q->has_shapes;
    memcpy(at->component_shapes, q->component_shapes, sizeof at->component_shapes);
    if ((n->tf->kind == TACT_OP_QUEUE_ENQUEUE || n->tf->kind == TACT_OP_QUEUE_ENQUEUE_MANY) &&
        n->n_in != 1 + q->n_components)
        return tact__fail(im->st, TACT_CODE_INVALID_ARGUMENT,
                          "Node '%s': %s of a queue of %d components takes %d inputs, but the "
                          "NodeDef has %d", imp_nd_name(n->nd), n->tf->type, q->n_components,
                          1 + q->n_components, n->n_in);
    if (n->tf->kind == TACT_OP_QUEUE_DEQUEUE_MANY) {
        const tact_tensor_t *t = imp_folded(im, n, 1, "n", true);
        if (t == NULL)
            return im->st->code;
        if (t->ndims != 0 || imp_int_at(t, 0) < 0)
            return tact__fail(im->st, TACT_CODE_INVALID_ARGUMENT,
                              "Node '%s': n must be a scalar >= 0", imp_nd_name(n->nd));
        at->n = imp_int_at(t, 0);
    }
    return TACT_CODE_OK;
}

/* Whether NodeDef input i comes from a Const's output 0. */
static bool imp_is_const(const imp_t *im, const imp_node_t *n, int i)
{
    const imp_input_t *in = &n->in[i];
    return in->node >= 0 && im->nodes[in->node].tf->kind == TACT_OP_CONST && in->index == 0;
}

static tact_code_t imp_fold(imp_t *im, imp_node_t *n)
{
    tact_op_attrs_t *at = &n->attrs;
    const tact_tensor_t *t;
    if (tact__op_kind_uses_queue(n->tf->kind))
        return imp_fold_queue_user(im, n);
    /* A shape, perm, axes or dims computed in the graph (Keras' flatten packs one from Shape):
     * the op keeps it as a data input and reads its value when it runs. */
    tact_op_kind_t k = n->tf->kind;
    if ((tact__op_kind_reduces(k) || k == TACT_OP_RESHAPE || k == TACT_OP_TRANSPOSE ||
         k == TACT_OP_FILL) && n->n_in == 2 &&
        !(imp_is_const(im, n, 0) && imp_is_const(im, n, 1)) &&
        !(k != TACT_OP_FILL && imp_is_const(im, n, 1))) {
        n->n_folded = 0;
        at->value_inputs = true;
        return TACT_CODE_OK;
    }
    switch (n->tf->kind) {
    case TACT_OP_READER_READ: {
        tact_op_kind_t k0, k1;
        imp_input_attrs(im, n, 0, &k0);
        imp_input_attrs(im, n, 1, &k1);
        if (!tact__op_kind_is_reader(k0) || k1 != TACT_OP_QUEUE)
            return tact__fail(im->st, TACT_CODE_INVALID_ARGUMENT,
                              "Node '%s': ReaderReadV2 reads from a reader (input 0) and a queue "
                              "of file names (input 1)", imp_nd_name(n->nd));
        return TACT_CODE_OK;
    }
    case TACT_OP_SUM:
    case TACT_OP_MEAN:
    case TACT_OP_MAX:
    case TACT_OP_MIN:
    case TACT_OP_PROD:
        if ((t = imp_folded(im, n, 1, "reduction_indices", true)) == NULL)
            return im->st->code;
        at->n_axes = 0;
        for (int64_t i = 0; i < t->nelems; i++) {
            int64_t a = imp_int_at(t, i);
            bool seen = false;
            for (int j = 0; j < at->n_axes && !seen; j++)
                seen = at->axes[j] == a;
            if (seen)
                continue;
            if (at->n_axes == TACT_MAX_DIMS || a < -TACT_MAX_DIMS || a >= TACT_MAX_DIMS)
                return tact__fail(im->st, TACT_CODE_INVALID_ARGUMENT,
                                  "Node '%s': Invalid reduction dimension %" PRId64,
                                  imp_nd_name(n->nd), a);
            at->axes[at->n_axes++] = (int) a;
        }
        return TACT_CODE_OK;
    case TACT_OP_ARG_MAX:
    case TACT_OP_ARG_MIN: {
        if ((t = imp_folded(im, n, 1, "dimension", true)) == NULL)
            return im->st->code;
        int64_t d = t->ndims == 0 ? imp_int_at(t, 0) : 0;
        if (t->ndims != 0 || d < -TACT_MAX_DIMS || d >= TACT_MAX_DIMS)
            return tact__fail(im->st, TACT_CODE_INVALID_ARGUMENT,
                              "Node '%s': dimension must be a scalar in [%d, %d)",
                              imp_nd_name(n->nd), -TACT_MAX_DIMS, TACT_MAX_DIMS);
        at->axis = (int) d;
        return TACT_CODE_OK;
    }
    case TACT_OP_RESHAPE:
        if ((t = imp_folded(im, n, 1, "shape", true)) == NULL)
            return im->st->code;
        if (t->ndims == 0)
            return tact__fail(im->st, TACT_CODE_INVALID_ARGUMENT,
                              "Node '%s': shape must be a vector", imp_nd_name(n->nd));
        return imp_folded_dims(im, n, t, "shape", true, &at->shape);
    case TACT_OP_TRANSPOSE:
        if ((t = imp_folded(im, n, 1, "perm", true)) == NULL)
            return im->st->code;
        if (t->ndims != 1 || t->nelems > TACT_MAX_DIMS)
            return tact__fail(im->st, TACT_CODE_INVALID_ARGUMENT,
                              "Node '%s': perm must be a vector of at most %d entries",
                              imp_nd_name(n->nd), TACT_MAX_DIMS);
        at->n_perm = (int) t->nelems;
        for (int64_t i = 0; i < t->nelems; i++) {
            int64_t p = imp_int_at(t, i);
            if (p < INT_MIN || p > INT_MAX)
                return tact__fail(im->st, TACT_CODE_INVALID_ARGUMENT,
                                  "Node '%s': perm entry %" PRId64 " is out of range",
                                  imp_nd_name(n->nd), p);
            at->perm[i] = (int) p;
        }
        return TACT_CODE_OK;
    case TACT_OP_FILL: {
        if ((t = imp_folded(im, n, 0, "dims", true)) == NULL ||
            imp_folded_dims(im, n, t, "dims", false, &at->shape))
            return im->st->code;
        const tact_tensor_t *v = imp_folded(im, n, 1, "value", false);
        if (v == NULL)
            return im->st->code;
        if (v->ndims != 0)
            return tact__fail(im->st, TACT_CODE_INVALID_ARGUMENT,
                              "Node '%s': value must be a scalar, not of rank %d",
                              imp_nd_name(n->nd), v->ndims);
        at->value = tact_tensor_clone(v);
        return TACT_CODE_OK;
    }
    case TACT_OP_RANDOM_UNIFORM:
    case TACT_OP_RANDOM_NORMAL:
    case TACT_OP_TRUNCATED_NORMAL:
        if ((t = imp_folded(im, n, 0, "shape", true)) == NULL)
            return im->st->code;
        return imp_folded_dims(im, n, t, "shape", false, &at->shape);
    default:
        return TACT_CODE_OK;
    }
}

/* ------------------------------------------------------------------------------------------ */
/* Order and inference                                                                        */
/* ------------------------------------------------------------------------------------------ */

/* Kahn's algorithm over data and control edges between imported nodes. */
static tact_code_t imp_sort(imp_t *im)
{
    int n = im->n;
    int *pending = tact__malloc((size_t) n * sizeof *pending + 1);
    int *first = tact__malloc(((size_t) n + 1) * sizeof *first);
    int n_edges = 0;
    for (int i = 0; i < n; i++)
        n_edges += im->nodes[i].n_in + im->nodes[i].n_controls;
    int *users = tact__malloc((size_t) n_edges * sizeof *users + 1);
    /* CSR of users: count, prefix-sum, fill. */
    for (int i = 0; i < n; i++) {
        imp_node_t *nd = &im->nodes[i];
        for (int j = 0; j < nd->n_in; j++)
            if (nd->in[j].node >= 0)
                first[nd->in[j].node + 1]++, pending[i]++;
        for (int j = 0; j < nd->n_controls; j++)
            first[nd->controls[j] + 1]++, pending[i]++;
    }
    for (int i = 0; i < n; i++)
        first[i + 1] += first[i];
    int *fill = tact__malloc((size_t) n * sizeof *fill + 1);
    for (int i = 0; i < n; i++) {
        imp_node_t *nd = &im->nodes[i];
        for (int j = 0; j < nd->n_in; j++)
            if (nd->in[j].node >= 0)
                users[first[nd->in[j].node] + fill[nd->in[j].node]++] = i;
        for (int j = 0; j < nd->n_controls; j++)
            users[first[nd->controls[j]] + fill[nd->controls[j]]++] = i;
    }
    int done = 0;
    for (int i = 0; i < n; i++)  /* GraphDef order among the ready ones */
        if (pending[i] == 0)
            im->order[done++] = i;
    for (int k = 0; k < done; k++) {
        int i = im->order[k];
        for (int e = first[i]; e < first[i + 1]; e++)
            if (--pending[users[e]] == 0)
                im->order[done++] = users[e];
    }
    free(pending);
    free(first);
    free(users);
    free(fill);
    if (done < n)
        return tact__fail(im->st, TACT_CODE_INVALID_ARGUMENT, "%d nodes in a cycle", n - done);
    return TACT_CODE_OK;
}

static void imp_source(const imp_t *im, const imp_input_t *in, tact_op_kind_t *kind,
                       int *n_outputs, tact_dtype_t *dtype, tact_shape_t *shape)
{
    if (in->node < 0) {
        const tact_op_t *op = in->mapped.op;
        *kind = op->kind;
        *n_outputs = op->n_outputs;
        *dtype = op->out_dtype[in->index];
        *shape = op->out_shape[in->index];
        return;
    }
    const imp_node_t *src = &im->nodes[in->node];
    *kind = src->tf->kind;
    *n_outputs = src->n_outputs;
    if (in->index < src->n_outputs) {
        *dtype = src->out_dtype[in->index];
        *shape = src->out_shape[in->index];
    }
}

/* The inputs' dtypes and shapes, checked against the node's type attribute. */
static tact_code_t imp_infer_inputs(imp_t *im, imp_node_t *n, int n_data, tact_dtype_t *dtypes,
                                    tact_shape_t *shapes)
{
    for (int i = 0; i < n->n_in; i++) {

        const imp_input_t *in = &n->in[i];
        tact_op_kind_t kind;
        int n_out;
        tact_dtype_t dt = TACT_DTYPE_F32;
        tact_shape_t sh = { .ndims = -1 };
        imp_source(im, in, &kind, &n_out, &dt, &sh);
        if (in->index >= n_out)
            return tact__fail(im->st, TACT_CODE_INVALID_ARGUMENT,
                              "Node '%s': Connecting to invalid output %d of source node %s "
                              "which has %d outputs.", imp_nd_name(n->nd), in->index,
                              in->node >= 0 ? imp_nd_name(im->nodes[in->node].nd)
                                            : in->mapped.op->name, n_out);
        if (i >= n_data)
            continue;
        if (n->tf->type_attr != NULL && dt != n->type_attr && i < n_data &&
            (!n->attrs.value_inputs || i == 0)) {
            char from[300];
            if (in->node >= 0)
                snprintf(from, sizeof from, "%.280s:%d", imp_nd_name(im->nodes[in->node].nd),
                         in->index);
            else
                tact__output_name(in->mapped, from, sizeof from);
            return tact__fail(im->st, TACT_CODE_INVALID_ARGUMENT,
                              "Input %d of node %s was passed %s from %s incompatible with "
                              "expected %s.", i, imp_nd_name(n->nd),
                              tact__dtype_proto_name(tact__dtype_to_proto(dt)), from,
                              tact__dtype_proto_name(tact__dtype_to_proto(n->type_attr)));
        }
        if (i == 0 && tact__op_kind_assigns(n->tf->kind) && kind != TACT_OP_VARIABLE)
            return tact__fail(im->st, TACT_CODE_INVALID_ARGUMENT,
                              "Node '%s': input 'ref' of %s must be a variable",
                              imp_nd_name(n->nd), n->tf->type);
        if (i == 0 && tact__op_kind_uses_var_handle(n->tf->kind) && kind != TACT_OP_VAR_HANDLE)
            return tact__fail(im->st, TACT_CODE_UNIMPLEMENTED,
                              "Node '%s': input 'resource' of %s must come from a VarHandleOp "
                              "(tact takes no other resource handles)", imp_nd_name(n->nd),
                              n->tf->type);
        dtypes[i] = dt;
        shapes[i] = sh;
    }
    return TACT_CODE_OK;
}


static tact_code_t imp_infer(imp_t *im, imp_node_t *n)
{
    int n_data = n->n_in - n->n_folded;
    /* The family ops' input lists (SaveV2's tensors, Pack's values) follow their attributes:
     * tact__op_infer asserts the count, so a NodeDef that disagrees is refused here. */
    if (tact__op_def(n->tf->kind) != NULL) {
        int want = tact__op_arity(n->tf->kind, &n->attrs);
        if (n_data != want)
            return tact__fail(im->st, TACT_CODE_INVALID_ARGUMENT,
                              "Node '%s': %s takes %d inputs (by its attributes), but the "
                              "NodeDef has %d", imp_nd_name(n->nd), n->tf->type, want, n_data);
    }
    tact_dtype_t *dtypes = tact__malloc(((size_t) n->n_in + 1) * sizeof *dtypes);
    tact_shape_t *shapes = tact__malloc(((size_t) n->n_in + 1) * sizeof *shapes);
    tact_code_t rc = imp_infer_inputs(im, n, n_data, dtypes, shapes);
    if (rc == TACT_CODE_OK) {
        n->n_outputs = tact__op_num_outputs(n->tf->kind, &n->attrs);
        n->out_dtype = tact__malloc(((size_t) n->n_outputs + 1) * sizeof *n->out_dtype);
        n->out_shape = tact__malloc(((size_t) n->n_outputs + 1) * sizeof *n->out_shape);
        /* Const inputs' values, for the shape functions that read them. */
        const tact_tensor_t **values = tact__malloc(((size_t) n->n_in + 1) * sizeof *values);
        for (int i = 0; i < n_data; i++) {
            const imp_input_t *in = &n->in[i];
            const tact_op_t *mapped = in->node < 0 ? in->mapped.op : NULL;
            const imp_node_t *src = in->node >= 0 ? &im->nodes[in->node] : NULL;
            values[i] = src != NULL && src->tf->kind == TACT_OP_CONST ? src->attrs.value
                        : mapped != NULL && mapped->kind == TACT_OP_CONST ? mapped->attrs.value
                                                                          : NULL;
        }
        rc = tact__op_infer_values(n->tf->kind, &n->attrs, n->name, n_data, dtypes, shapes,
                                   values, TACT_INFER_BUILD, n->out_dtype, n->out_shape,
                                   im->st);
        free(values);
    }
    free(dtypes);
    free(shapes);
    return rc;
}
/* ------------------------------------------------------------------------------------------ */
/* The import                                                                                 */
/* ------------------------------------------------------------------------------------------ */

/* TensorFlow's unique name scope for the prefix: "p", then "p_1"... while taken. */
static void imp_choose_prefix(imp_t *im)
{
    const char *p = im->opts->prefix;
    if (p == NULL || p[0] == '\0')
        return;
    tact_graph_t *g = im->g;
    char cand[260];
    snprintf(cand, sizeof cand, "%.200s", p);
    pthread_mutex_lock(&g->lock);
    for (int k = 1;; k++) {
        size_t len = strlen(cand);
        bool taken = false;
        for (int i = 0; i < g->n_ops && !taken; i++) {
            const char *name = g->ops[i]->name;
            taken = strncasecmp(name, cand, len) == 0 && (name[len] == '\0' || name[len] == '/');
        }
        char key[260];
        for (size_t i = 0; i <= len; i++)
            key[i] = (char) tolower((unsigned char) cand[i]);
        taken = taken || tact__strmap_contains(&g->names_in_use, key);
        if (!taken)
            break;
        snprintf(cand, sizeof cand, "%.200s_%d", p, k);
    }
    pthread_mutex_unlock(&g->lock);
    snprintf(im->prefix, sizeof im->prefix, "%s/", cand);
}

/* Reserve the prefix's scope name, as entering a name scope does in TensorFlow. */
static void imp_reserve_prefix(imp_t *im)
{
    size_t len = strlen(im->prefix);
    if (len == 0)
        return;
    char key[300];
    for (size_t i = 0; i + 1 < len; i++)
        key[i] = (char) tolower((unsigned char) im->prefix[i]);
    key[len - 1] = '\0';
    pthread_mutex_lock(&im->g->lock);
    if (!tact__strmap_contains(&im->g->names_in_use, key))
        tact__strmap_put(&im->g->names_in_use, key, (void *) (intptr_t) 1);
    pthread_mutex_unlock(&im->g->lock);
}

static tact_code_t imp_prepare(imp_t *im)
{
    const Tensorflow__GraphDef *gd = im->gd;
    const tact_import_options_t *o = im->opts;
    if (o->default_device != NULL &&
        tact__device_spec_parse(o->default_device, &im->default_device, im->st))
        return im->st->code;
    if (o->n_input_map < 0 || (o->n_input_map > 0 && o->input_map == NULL))
        return tact__fail(im->st, TACT_CODE_INVALID_ARGUMENT,
                          "input_map: %d entries at %p", o->n_input_map, (void *) o->input_map);
    for (int i = 0; i < o->n_input_map; i++) {
        char name[300];
        int index;
        if (o->input_map[i].name == NULL ||
            !imp_split(o->input_map[i].name, name, sizeof name, &index))
            return tact__fail(im->st, TACT_CODE_INVALID_ARGUMENT,
                              "input_map: '%s' is not a tensor name (\"op:index\")",
                              o->input_map[i].name ? o->input_map[i].name : "(null)");
    }
    imp_choose_prefix(im);

    if (gd->n_node > (size_t) INT_MAX / 4)
        return tact__fail(im->st, TACT_CODE_INVALID_ARGUMENT, "GraphDef has too many nodes");
    im->n = (int) gd->n_node;
    im->nodes = tact__malloc((size_t) im->n * sizeof *im->nodes + 1);
    im->order = tact__malloc((size_t) im->n * sizeof *im->order + 1);
    im->map_used = tact__malloc((size_t) o->n_input_map * sizeof *im->map_used + 1);
    for (int i = 0; i < im->n; i++)  /* every node's spec finis on any way out */
        im->nodes[i].device = (tact_device_spec_t) TACT_DEVICE_SPEC_INIT;

    /* Names, op types, own attributes, devices. */
    for (int i = 0; i < im->n; i++) {
        imp_node_t *n = &im->nodes[i];
        const Tensorflow__NodeDef *nd = gd->node[i];
        n->nd = nd;
        const char *name = imp_nd_name(nd);
        if (tact__strmap_contains(&im->by_name, name))
            return tact__fail(im->st, TACT_CODE_INVALID_ARGUMENT, "Node '%s' is not unique",
                              name);
        tact__strmap_put(&im->by_name, name, (void *) (intptr_t) (i + 1));
        size_t len = strlen(im->prefix) + strlen(name) + 1;
        n->name = tact__malloc(len);
        snprintf(n->name, len, "%s%s", im->prefix, name);
        if (!tact__graph_valid_name(n->name))
            return tact__fail(im->st, TACT_CODE_INVALID_ARGUMENT,
                              "Node '%.200s': '%.200s' is not a valid node name", name, n->name);
        const char *type = nd->op != NULL ? nd->op : "";
        n->tf = tact__tf_op_find(type);
        if (n->tf == NULL)
            return tact__fail(im->st, TACT_CODE_NOT_FOUND,
                              "Op type not registered '%.100s' in binary running on tact (node "
                              "'%.100s'). Make sure the Op is one tact imports.", type, name);
        n->n_folded = n->tf->n_folded;
        if (nd->device != NULL && nd->device[0] != '\0') {
            tact_status_t err = TACT_STATUS_INIT;
            if (tact__device_spec_parse(nd->device, &n->device, &err))
                return tact__fail(im->st, err.code, "Node '%s': %s", name, err.msg);
        }
        if (imp_node_attrs(im, n))
            return im->st->code;
    }
    /* Edges, then the attributes that come from Const inputs. */
    for (int i = 0; i < im->n; i++)
        if (imp_node_inputs(im, i))
            return im->st->code;
    for (int i = 0; i < o->n_input_map; i++) {
        char name[300];
        int index;
        imp_split(o->input_map[i].name, name, sizeof name, &index);
        if (!im->map_used[i] && imp_lookup(im, name) < 0) {
            char to[300] = "";
            if (o->input_map[i].value.op != NULL)
                tact__output_name(o->input_map[i].value, to, sizeof to);
            return tact__fail(im->st, TACT_CODE_INVALID_ARGUMENT,
                              "node '%s' in input_map does not exist in graph (input_map "
                              "entry: %s->%s)", name, o->input_map[i].name, to);
        }
    }
    for (int i = 0; i < im->n; i++)
        if (imp_fold(im, &im->nodes[i]))
            return im->st->code;
    if (imp_sort(im))
        return im->st->code;
    for (int k = 0; k < im->n; k++)
        if (imp_infer(im, &im->nodes[im->order[k]]))
            return im->st->code;
    return TACT_CODE_OK;
}

/* The op's device: the node's own request, the default device filling the fields it leaves
 * open, then the caller's device scopes (what add_op recorded) filling the rest. */
static void imp_set_device(imp_t *im, imp_node_t *n)
{
    tact_device_spec_t spec = tact__device_spec_merge(&n->device, &im->default_device);
    tact_op_t *op = n->op;
    if (op->device != NULL) {
        tact_device_spec_t scope = TACT_DEVICE_SPEC_INIT;
        tact_status_t ignore = TACT_STATUS_INIT;
        if (tact__device_spec_parse(op->device, &scope, &ignore) == TACT_CODE_OK) {
            tact_device_spec_t both = tact__device_spec_merge(&spec, &scope);
            tact__device_spec_fini(&spec);
            spec = both;
        }
        tact__device_spec_fini(&scope);
    }
    free(op->device);
    op->device = NULL;
    if (!tact__device_spec_is_empty(&spec))
        op->device = tact__device_spec_string(&spec);
    tact__device_spec_fini(&spec);
}

static tact_code_t imp_add(imp_t *im)
{
    imp_reserve_prefix(im);
    for (int k = 0; k < im->n; k++) {
        imp_node_t *n = &im->nodes[im->order[k]];
        int n_data = n->n_in - n->n_folded;
        tact_output_t *inputs = tact__malloc(((size_t) n->n_in + 1) * sizeof *inputs);
        for (int i = 0; i < n->n_in; i++) {
            const imp_input_t *in = &n->in[i];
            tact_output_t out = in->node >= 0
                                    ? (tact_output_t) { im->nodes[in->node].op, in->index }
                                    : in->mapped;
            if (i < n_data)
                inputs[i] = out;
            else
                n->attrs.const_inputs[i - n_data] = out.op;
        }
        tact_op_t **controls = tact__malloc((size_t) n->n_controls * sizeof *controls + 1);
        for (int i = 0; i < n->n_controls; i++)
            controls[i] = im->nodes[n->controls[i]].op;
        tact_status_t err = TACT_STATUS_INIT;
        n->op = tact__graph_add_op(im->g, n->tf->kind, n->name, inputs, n_data, controls,
                                   n->n_controls, &n->attrs, &err);
        free(controls);
        free(inputs);
        if (n->op == NULL)  /* checked above: a bug if it happens */
            return tact__fail(im->st, TACT_CODE_INTERNAL, "import: adding '%s' failed after it "
                              "was checked: %s", n->name, err.msg);
        n->attrs.value = NULL;  /* the op's now */
        imp_set_device(im, n);
    }
    /* Variables whose initializer TensorFlow names "<var>/Assign" join the variables
     * collection, so tact_global_variables_initializer runs them. */
    for (int k = 0; k < im->n; k++) {
        imp_node_t *n = &im->nodes[im->order[k]];
        if (n->tf->kind != TACT_OP_VARIABLE)
            continue;
        char init_name[300];
        snprintf(init_name, sizeof init_name, "%.280s/Assign", imp_nd_name(n->nd));
        int a = imp_lookup(im, init_name);
        if (a < 0 || im->nodes[a].tf->kind != TACT_OP_ASSIGN ||
            im->nodes[a].in[0].node != im->order[k])
            continue;
        n->op->attrs.initializer = im->nodes[a].op;
        tact__graph_add_variable(im->g, n->op);
    }
    /* Resource variables likewise, whose initializer is the AssignVariableOp "<var>/Assign"
     * (tf.compat.v1 with use_resource=True), unless they share another handle's variable. */
    for (int k = 0; k < im->n; k++) {
        imp_node_t *n = &im->nodes[im->order[k]];
        if (n->tf->kind != TACT_OP_VAR_HANDLE || n->op->attrs.resource != NULL)
            continue;
        char init_name[300];
        snprintf(init_name, sizeof init_name, "%.280s/Assign", imp_nd_name(n->nd));
        int a = imp_lookup(im, init_name);
        if (a < 0 || im->nodes[a].tf->kind != TACT_OP_ASSIGN_VARIABLE ||
            im->nodes[a].in[0].node != im->order[k])
            continue;
        n->op->attrs.initializer = im->nodes[a].op;
        tact__graph_add_variable(im->g, n->op);
    }
    return TACT_CODE_OK;
}

tact_code_t tact__graphdef_import(tact_graph_t *g, const Tensorflow__GraphDef *gd,
                                  const tact_import_options_t *opts, tact_status_t *st)
{
    tact_status_t local = TACT_STATUS_INIT;
    if (st == NULL)
        st = &local;
    if (tact__failed(st))
        return st->code;
    static const tact_import_options_t defaults = { 0 };
    imp_t im = {
        .g = g,
        .gd = gd,
        .opts = opts != NULL ? opts : &defaults,
        .st = st,
        .default_device = TACT_DEVICE_SPEC_INIT,
    };
    if (imp_prepare(&im) == TACT_CODE_OK)
        imp_add(&im);
    for (int i = 0; i < im.n; i++) {
        tact__device_spec_fini(&im.nodes[i].device);
        tact_tensor_destroy(&im.nodes[i].attrs.value);
        free(im.nodes[i].name);
        free(im.nodes[i].controls);
        free(im.nodes[i].in);
        free(im.nodes[i].out_dtype);
        free(im.nodes[i].out_shape);
        free(im.nodes[i].attrs.dtypes);
        free(im.nodes[i].attrs.text);
        free(im.nodes[i].attrs.container);
    }
    tact__device_spec_fini(&im.default_device);
    free(im.nodes);
    free(im.order);
    free(im.map_used);
    tact__strmap_fini(&im.by_name);
    return st->code;
}
