/* SPDX-License-Identifier: MIT */
/* A growable byte buffer for writing the model formats (a checkpoint's index table and data
 * file): doubling growth, bytes appended at the end. Bookkeeping-sized growth aborts on host
 * OOM like every tact__realloc. */
#ifndef TACT_RUNTIME_MODEL_BYTE_BUF_H
#define TACT_RUNTIME_MODEL_BYTE_BUF_H

#include "runtime/base/prelude.h"

typedef struct tact_byte_buf {
    unsigned char *data;          /* from tact__realloc; the owner frees it */
    size_t len, cap;
} tact_byte_buf_t;

/* Append n bytes of p (p may be NULL when n is 0). */
static inline void tact__byte_buf_put(tact_byte_buf_t *b, const void *p, size_t n)
{
    if (b->len + n > b->cap) {
        size_t cap = b->cap ? b->cap : 256;
        while (cap < b->len + n)
            cap *= 2;
        b->data = tact__realloc(b->data, cap);
        b->cap = cap;
    }
    if (n > 0)
        memcpy(b->data + b->len, p, n);
    b->len += n;
}

#endif
