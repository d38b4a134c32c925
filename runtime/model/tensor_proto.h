/* SPDX-License-Identifier: MIT */
/* TensorFlow's TensorProto and TensorShapeProto against tact tensors and shapes: Const values in
 * GraphDefs (and any other message that carries a tensor). */
#ifndef TACT_RUNTIME_MODEL_TENSOR_PROTO_H
#define TACT_RUNTIME_MODEL_TENSOR_PROTO_H

#include "runtime/base/tensor_impl.h"

#include "tensor.pb-c.h"
#include "tensor_shape.pb-c.h"

/* The most bytes a tensor whose value fields are shorter than its shape (TensorFlow's "repeat
 * the last value" rule) is expanded to: a few bytes may claim a huge shape. */
#define TACT_TENSOR_PROTO_MAX_EXPANDED ((size_t) 64 << 20)

/* A shape message as a tact shape; unknown_rank gives ndims -1, a size -1 an unknown
 * dimension. INVALID_ARGUMENT naming `what` for more than TACT_MAX_DIMS dimensions or a size
 * below -1. A NULL message is a scalar. */
tact_code_t tact__shape_from_proto(const Tensorflow__TensorShapeProto *sp, const char *what,
                                   tact_shape_t *out, tact_status_t *st);

/* A new tensor from the message (tensor_content or the typed *_val fields, the last value
 * repeated to fill the shape). The declared size is checked against the bytes present before
 * anything is allocated. INVALID_ARGUMENT naming `what` on any mismatch. Caller owns the
 * result; NULL on failure. */
tact_tensor_t *tact__tensor_from_proto(const Tensorflow__TensorProto *tp, const char *what,
                                       tact_status_t *st);

/* New messages (every part from malloc, so protobuf_c_message_free_unpacked(m, NULL) frees
 * them). A shape with ndims -1 is unknown_rank. */
Tensorflow__TensorShapeProto *tact__shape_to_proto(const tact_shape_t *s);
Tensorflow__TensorProto *tact__tensor_to_proto(const tact_tensor_t *t);

#endif
