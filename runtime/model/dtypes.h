/* SPDX-License-Identifier: MIT */
/* TensorFlow's DataType enum (types.proto) against tact's dtypes: the one mapping that GraphDef
 * import/export and checkpoints share. */
#ifndef TACT_RUNTIME_MODEL_DTYPES_H
#define TACT_RUNTIME_MODEL_DTYPES_H

#include <stdbool.h>

#include <tact/tensor.h>

#include "types.pb-c.h"

/* The tact dtype of a TensorFlow DataType; a reference type (DT_FLOAT_REF) maps as its value
 * type. False for a DataType tact has no dtype for (complex, quantized, resource…). */
bool tact__dtype_from_proto(Tensorflow__DataType dt, tact_dtype_t *out);

/* TensorFlow's DataType of a tact dtype (DT_INVALID for a value outside the map). */
Tensorflow__DataType tact__dtype_to_proto(tact_dtype_t dtype);

/* TensorFlow's name of a DataType as its messages print it ("float", "int32", "float_ref"),
 * "unknown" outside the enum. */
const char *tact__dtype_proto_name(Tensorflow__DataType dt);

#endif
