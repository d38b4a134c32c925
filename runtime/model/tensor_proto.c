/* SPDX-License-Identifier: MIT */
/* TensorProto <-> tact tensor. Hostile messages are expected (a GraphDef from a file), so every
 * size is checked before anything is allocated. */
#include "runtime/model/tensor_proto.h"

#include "runtime/base/half.h"
#include "runtime/model/dtypes.h"

tact_code_t tact__shape_from_proto(const Tensorflow__TensorShapeProto *sp, const char *what,
                                   tact_shape_t *out, tact_status_t *st)
{
    *out = (tact_shape_t) { .ndims = 0 };
    if (sp == NULL)
        return TACT_CODE_OK;
    if (sp->unknown_rank) {
        out->ndims = -1;
        return TACT_CODE_OK;
    }
    if (sp->n_dim > TACT_MAX_DIMS)
        return tact__fail(st, TACT_CODE_INVALID_ARGUMENT,
                          "%s: shape has %zu dimensions; tact supports at most %d", what,
                          sp->n_dim, TACT_MAX_DIMS);
    out->ndims = (int) sp->n_dim;
    for (size_t i = 0; i < sp->n_dim; i++) {
        int64_t d = sp->dim[i]->size;
        if (d < -1)
            return tact__fail(st, TACT_CODE_INVALID_ARGUMENT,
                              "%s: shape has a negative dimension %" PRId64, what, d);
        out->dims[i] = d;
    }
    return TACT_CODE_OK;
}

/* The typed value field that holds `dtype`'s elements: its count and element size. */
static const void *tensor_proto_values(const Tensorflow__TensorProto *tp, tact_dtype_t dtype,
                                       size_t *n)
{
    switch (dtype) {
    case TACT_DTYPE_F32: *n = tp->n_float_val; return tp->float_val;
    case TACT_DTYPE_F64: *n = tp->n_double_val; return tp->double_val;
    case TACT_DTYPE_I32:
    case TACT_DTYPE_U8:
    case TACT_DTYPE_I8:
    case TACT_DTYPE_I16: *n = tp->n_int_val; return tp->int_val;  /* TensorFlow widens them */
    case TACT_DTYPE_F16: *n = tp->n_half_val; return tp->half_val;  /* the bits */
    case TACT_DTYPE_I64: *n = tp->n_int64_val; return tp->int64_val;
    case TACT_DTYPE_BOOL: *n = tp->n_bool_val; return tp->bool_val;
    case TACT_DTYPE_STRING: *n = tp->n_string_val; return tp->string_val;
    default: *n = 0; return NULL;
    }
}

/* Element i of the typed field into dst (one element of the tensor's dtype). */
static void tensor_proto_store(tact_tensor_t *t, int64_t at, const void *vals, size_t i)
{
    switch (t->dtype) {
    case TACT_DTYPE_F32: ((float *) t->data)[at] = ((const float *) vals)[i]; break;
    case TACT_DTYPE_F64: ((double *) t->data)[at] = ((const double *) vals)[i]; break;
    case TACT_DTYPE_I32: ((int32_t *) t->data)[at] = ((const int32_t *) vals)[i]; break;
    case TACT_DTYPE_I64: ((int64_t *) t->data)[at] = ((const int64_t *) vals)[i]; break;
    /* The narrow integers keep their low bits, as TensorFlow's FromProto does. */
    case TACT_DTYPE_U8: ((uint8_t *) t->data)[at] = (uint8_t) ((const int32_t *) vals)[i]; break;
    case TACT_DTYPE_I8:
        ((int8_t *) t->data)[at] = (int8_t) (uint8_t) ((const int32_t *) vals)[i];
        break;
    case TACT_DTYPE_I16:
        ((int16_t *) t->data)[at] = (int16_t) (uint16_t) ((const int32_t *) vals)[i];
        break;
    case TACT_DTYPE_F16:
        ((uint16_t *) t->data)[at] = (uint16_t) ((const int32_t *) vals)[i];
        break;
    case TACT_DTYPE_BOOL:
        ((bool *) t->data)[at] = ((const protobuf_c_boolean *) vals)[i] != 0;
        break;
    case TACT_DTYPE_STRING: {
        const ProtobufCBinaryData *s = &((const ProtobufCBinaryData *) vals)[i];
        tact__tensor_set_string(t, at, (const char *) s->data, s->len);
        break;
    }
    default:
        TACT_ASSERT(!"dtype without a value field");
    }
}

tact_tensor_t *tact__tensor_from_proto(const Tensorflow__TensorProto *tp, const char *what,
                                       tact_status_t *st)
{
    if (tact__failed(st))
        return NULL;
    tact_dtype_t dtype;
    if (!tact__dtype_from_proto(tp->dtype, &dtype) || tp->dtype > 100) {
        tact__fail(st, TACT_CODE_INVALID_ARGUMENT, "%s: tensor of dtype %s is not supported",
                   what, tact__dtype_proto_name(tp->dtype));
        return NULL;
    }
    tact_shape_t shape;
    if (tact__shape_from_proto(tp->tensor_shape, what, &shape, st) != TACT_CODE_OK)
        return NULL;
    size_t nbytes = 0;
    bool known = shape.ndims >= 0;
    for (int i = 0; i < shape.ndims; i++)
        known = known && shape.dims[i] >= 0;
    if (!known || !tact__tensor_nbytes_of(dtype, shape.dims, shape.ndims, &nbytes)) {
        char text[160];
        tact__fail(st, TACT_CODE_INVALID_ARGUMENT, "%s: invalid tensor shape %s", what,
                   tact__shape_str(&shape, text, sizeof text));
        return NULL;
    }
    int64_t nelems = tact__shape_nelems(&shape);
    char text[160];

    if (tp->tensor_content.len > 0) {
        if (dtype == TACT_DTYPE_STRING || tp->tensor_content.len != nbytes) {
            tact__fail(st, TACT_CODE_INVALID_ARGUMENT,
                       "%s: tensor_content has %zu bytes, but a %s tensor of shape %s needs %zu",
                       what, tp->tensor_content.len, tact__dtype_tf_name(dtype),
                       tact__shape_str(&shape, text, sizeof text), nbytes);
            return NULL;
        }
        tact_tensor_t *t = tact__tensor_alloc(dtype, shape.dims, shape.ndims);
        if (dtype == TACT_DTYPE_BOOL) {  /* any non-zero byte is true */
            for (int64_t i = 0; i < nelems; i++)
                ((bool *) t->data)[i] = tp->tensor_content.data[i] != 0;
        } else {
            memcpy(t->data, tp->tensor_content.data, nbytes);
        }
        return t;
    }

    size_t n = 0;
    const void *vals = tensor_proto_values(tp, dtype, &n);
    if ((int64_t) n > nelems) {
        tact__fail(st, TACT_CODE_INVALID_ARGUMENT,
                   "%s: %zu values given for a %s tensor of shape %s (%" PRId64 " elements)",
                   what, n, tact__dtype_tf_name(dtype),
                   tact__shape_str(&shape, text, sizeof text), nelems);
        return NULL;
    }
    /* Repeating the last value: bound what a short message may expand to. */
    size_t expanded = dtype == TACT_DTYPE_STRING ? (size_t) nelems * sizeof(tact_string_t)
                                                 : nbytes;
    if ((int64_t) n < nelems && expanded > TACT_TENSOR_PROTO_MAX_EXPANDED) {
        tact__fail(st, TACT_CODE_INVALID_ARGUMENT,
                   "%s: %zu values would fill a %s tensor of shape %s (%zu bytes); tact expands "
                   "at most %zu bytes", what, n, tact__dtype_tf_name(dtype),
                   tact__shape_str(&shape, text, sizeof text), expanded,
                   TACT_TENSOR_PROTO_MAX_EXPANDED);
        return NULL;
    }
    tact_tensor_t *t = tact__tensor_alloc(dtype, shape.dims, shape.ndims);
    if (n == 0) {
        if (nbytes > 0 && dtype != TACT_DTYPE_STRING)
            memset(t->data, 0, nbytes);  /* no values: zeros (empty strings are already set) */
        return t;
    }
    for (int64_t i = 0; i < nelems; i++)
        tensor_proto_store(t, i, vals, (size_t) i < n ? (size_t) i : n - 1);
    return t;
}

Tensorflow__TensorShapeProto *tact__shape_to_proto(const tact_shape_t *s)
{
    Tensorflow__TensorShapeProto *sp = tact__malloc(sizeof *sp);
    tensorflow__tensor_shape_proto__init(sp);
    if (s->ndims < 0) {
        sp->unknown_rank = true;
        return sp;
    }
    sp->n_dim = (size_t) s->ndims;
    sp->dim = tact__malloc((size_t) s->ndims * sizeof *sp->dim + 1);
    for (int i = 0; i < s->ndims; i++) {
        Tensorflow__TensorShapeProto__Dim *d = tact__malloc(sizeof *d);
        tensorflow__tensor_shape_proto__dim__init(d);
        d->size = s->dims[i];
        sp->dim[i] = d;
    }
    return sp;
}

Tensorflow__TensorProto *tact__tensor_to_proto(const tact_tensor_t *t)
{
    Tensorflow__TensorProto *tp = tact__malloc(sizeof *tp);
    tensorflow__tensor_proto__init(tp);
    tp->dtype = tact__dtype_to_proto(t->dtype);
    tact_shape_t shape = tact__tensor_shape(t);
    tp->tensor_shape = tact__shape_to_proto(&shape);
    size_t n = (size_t) t->nelems;
    if (t->dtype == TACT_DTYPE_STRING) {
        tp->n_string_val = n;
        tp->string_val = tact__malloc(n * sizeof *tp->string_val + 1);
        for (size_t i = 0; i < n; i++) {
            size_t len = 0;
            const char *s = tact_tensor_string(t, (int64_t) i, &len);
            tp->string_val[i].len = len;
            tp->string_val[i].data = tact__malloc(len + 1);
            memcpy(tp->string_val[i].data, s, len);
        }
        return tp;
    }
    if (n == 1) {  /* a scalar in its typed field, as make_tensor_proto writes it */
        switch (t->dtype) {
#define TENSOR_PROTO_ONE(field, ctype, cast)                                  \
        tp->n_##field = 1;                                                    \
        tp->field = tact__malloc(sizeof *tp->field);                          \
        tp->field[0] = (cast) ((const ctype *) t->data)[0];                   \
        return tp;
        case TACT_DTYPE_F32: TENSOR_PROTO_ONE(float_val, float, float)
        case TACT_DTYPE_F64: TENSOR_PROTO_ONE(double_val, double, double)
        case TACT_DTYPE_I32: TENSOR_PROTO_ONE(int_val, int32_t, int32_t)
        case TACT_DTYPE_I64: TENSOR_PROTO_ONE(int64_val, int64_t, int64_t)
        case TACT_DTYPE_BOOL: TENSOR_PROTO_ONE(bool_val, bool, protobuf_c_boolean)
        case TACT_DTYPE_U8: TENSOR_PROTO_ONE(int_val, uint8_t, int32_t)
        case TACT_DTYPE_I8: TENSOR_PROTO_ONE(int_val, int8_t, int32_t)
        case TACT_DTYPE_I16: TENSOR_PROTO_ONE(int_val, int16_t, int32_t)
        case TACT_DTYPE_F16: TENSOR_PROTO_ONE(half_val, uint16_t, int32_t)
#undef TENSOR_PROTO_ONE
        default:
            break;
        }
    }
    if (t->nbytes > 0) {
        tp->tensor_content.len = t->nbytes;
        tp->tensor_content.data = tact__malloc(t->nbytes);
        memcpy(tp->tensor_content.data, t->data, t->nbytes);
    }
    return tp;
}
