/* SPDX-License-Identifier: MIT */
/* DataType <-> tact dtype, and TensorFlow's DataTypeString names. */
#include "runtime/model/dtypes.h"

#define DTYPES_REF_OFFSET 100

/* XX(tact dtype, TensorFlow DataType) */
#define DTYPES_MAP(XX)                              \
    XX(TACT_DTYPE_F32, TENSORFLOW__DATA_TYPE__DT_FLOAT)   \
    XX(TACT_DTYPE_F64, TENSORFLOW__DATA_TYPE__DT_DOUBLE)  \
    XX(TACT_DTYPE_I32, TENSORFLOW__DATA_TYPE__DT_INT32)   \
    XX(TACT_DTYPE_I64, TENSORFLOW__DATA_TYPE__DT_INT64)   \
    XX(TACT_DTYPE_BOOL, TENSORFLOW__DATA_TYPE__DT_BOOL)   \
    XX(TACT_DTYPE_STRING, TENSORFLOW__DATA_TYPE__DT_STRING) \
    XX(TACT_DTYPE_U8, TENSORFLOW__DATA_TYPE__DT_UINT8)    \
    XX(TACT_DTYPE_I8, TENSORFLOW__DATA_TYPE__DT_INT8)     \
    XX(TACT_DTYPE_I16, TENSORFLOW__DATA_TYPE__DT_INT16)   \
    XX(TACT_DTYPE_F16, TENSORFLOW__DATA_TYPE__DT_HALF)

bool tact__dtype_from_proto(Tensorflow__DataType dt, tact_dtype_t *out)
{
    int value = (int) dt;
    if (value > DTYPES_REF_OFFSET)
        value -= DTYPES_REF_OFFSET;
    switch (value) {
#define XX(td, pd) case pd: *out = td; return true;
        DTYPES_MAP(XX)
#undef XX
    default:
        return false;
    }
}

Tensorflow__DataType tact__dtype_to_proto(tact_dtype_t dtype)
{
    switch (dtype) {
#define XX(td, pd) case td: return pd;
        DTYPES_MAP(XX)
#undef XX
    default:
        return TENSORFLOW__DATA_TYPE__DT_INVALID;
    }
}

/* TensorFlow's DataTypeString, indexed by the value type's number. */
static const char *const dtypes_names[] = {
    [0] = "invalid", [1] = "float", [2] = "double", [3] = "int32", [4] = "uint8", [5] = "int16",
    [6] = "int8", [7] = "string", [8] = "complex64", [9] = "int64", [10] = "bool", [11] = "qint8",
    [12] = "quint8", [13] = "qint32", [14] = "bfloat16", [15] = "qint16", [16] = "quint16",
    [17] = "uint16", [18] = "complex128", [19] = "half", [20] = "resource", [21] = "variant",
    [22] = "uint32", [23] = "uint64",
};
static const char *const dtypes_ref_names[] = {
    [1] = "float_ref", [2] = "double_ref", [3] = "int32_ref", [4] = "uint8_ref",
    [5] = "int16_ref", [6] = "int8_ref", [7] = "string_ref", [8] = "complex64_ref",
    [9] = "int64_ref", [10] = "bool_ref", [11] = "qint8_ref", [12] = "quint8_ref",
    [13] = "qint32_ref", [14] = "bfloat16_ref", [15] = "qint16_ref", [16] = "quint16_ref",
    [17] = "uint16_ref", [18] = "complex128_ref", [19] = "half_ref", [20] = "resource_ref",
    [21] = "variant_ref", [22] = "uint32_ref", [23] = "uint64_ref",
};
#define DTYPES_N ((int) (sizeof dtypes_names / sizeof dtypes_names[0]))

const char *tact__dtype_proto_name(Tensorflow__DataType dt)
{
    int value = (int) dt;
    if (value >= 0 && value < DTYPES_N)
        return dtypes_names[value];
    if (value > DTYPES_REF_OFFSET && value - DTYPES_REF_OFFSET < DTYPES_N)
        return dtypes_ref_names[value - DTYPES_REF_OFFSET];
    return "unknown";
}
