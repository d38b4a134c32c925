/* SPDX-License-Identifier: MIT */
/* A guard before protobuf-c's unpack, which recurses once per nested message without a limit:
 * TensorFlow's messages nest recursively (AttrValue -> ListValue -> NameAttrList -> AttrValue),
 * so a small hostile buffer could otherwise overflow the stack. */
#ifndef TACT_RUNTIME_MODEL_PROTO_DEPTH_H
#define TACT_RUNTIME_MODEL_PROTO_DEPTH_H

#include "runtime/base/prelude.h"

#include <protobuf-c/protobuf-c.h>

/* The most nested messages tact parses (protobuf's own default recursion limit is 100). */
#define TACT_PROTO_MAX_DEPTH 100

/* False when data[0..len), read as a `desc`, nests messages deeper than max_depth. Malformed
 * wire data returns true: protobuf-c's unpack reports it. */
bool tact__proto_depth_ok(const ProtobufCMessageDescriptor *desc, const uint8_t *data, size_t len,
                          int max_depth);

#endif
