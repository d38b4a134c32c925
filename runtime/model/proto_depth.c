/* SPDX-License-Identifier: MIT */
/* Nesting depth of a serialized message, walked with its descriptors (fields that are messages
 * are entered; everything else, unknown fields included, is skipped). */
#include "runtime/model/proto_depth.h"

static bool depth_varint(const uint8_t *p, size_t len, size_t *at, uint64_t *out)
{
    uint64_t v = 0;
    for (int shift = 0; shift < 64 && *at < len; shift += 7) {
        uint8_t b = p[(*at)++];
        v |= (uint64_t) (b & 0x7f) << shift;
        if ((b & 0x80) == 0) {
            *out = v;
            return true;
        }
    }
    return false;
}

bool tact__proto_depth_ok(const ProtobufCMessageDescriptor *desc, const uint8_t *data, size_t len,
                          int max_depth)
{
    if (max_depth < 0)
        return false;
    size_t at = 0;
    while (at < len) {
        uint64_t tag, n;
        if (!depth_varint(data, len, &at, &tag))
            return true;
        switch (tag & 7) {
        case 0:
            if (!depth_varint(data, len, &at, &n))
                return true;
            break;
        case 1:
            at += 8;
            break;
        case 5:
            at += 4;
            break;
        case 2: {
            if (!depth_varint(data, len, &at, &n) || n > len - at)
                return true;
            unsigned field = tag >> 3 <= UINT32_MAX ? (unsigned) (tag >> 3) : 0;
            const ProtobufCFieldDescriptor *f =
                field ? protobuf_c_message_descriptor_get_field(desc, field) : NULL;
            if (f != NULL && f->type == PROTOBUF_C_TYPE_MESSAGE &&
                !tact__proto_depth_ok(f->descriptor, data + at, (size_t) n, max_depth - 1))
                return false;
            at += (size_t) n;
            break;
        }
        default:
            return true;  /* groups and junk: unpack refuses them */
        }
    }
    return true;
}
