/* SPDX-License-Identifier: MIT */
/* Protocol buffers' text format (what tf.io.write_graph(as_text=True) writes and
 * text_format.Parse reads), printed and parsed for any message through protobuf-c's
 * descriptors: protobuf-c itself has no text format. */
#ifndef TACT_RUNTIME_MODEL_TEXT_FORMAT_H
#define TACT_RUNTIME_MODEL_TEXT_FORMAT_H

#include "runtime/base/prelude.h"

#include <protobuf-c/protobuf-c.h>

/* The message as text: fields in number order, proto3 fields at their defaults left out,
 * enums by name, strings and bytes C-escaped (octal for other bytes), nested messages in
 * "{ }" indented by two spaces. New string from malloc, NUL-terminated; its length in *len
 * when len is not NULL. */
char *tact__text_format_print(const ProtobufCMessage *msg, size_t *len);

/* A new message of type `desc` from text[0..len): fields by name, "{ }" or "< >" around
 * messages (the ':' before them optional), "[a, b]" lists for repeated fields, strings in
 * single or double quotes (adjacent ones joined, C escapes incl. octal and hex), enums by name
 * or number, '#' comments, ',' or ';' after a field. INVALID_ARGUMENT naming the line and
 * column on any error. Free the result with protobuf_c_message_free_unpacked(m, NULL). */
ProtobufCMessage *tact__text_format_parse(const ProtobufCMessageDescriptor *desc,
                                          const char *text, size_t len, tact_status_t *st);

#endif
