/* SPDX-License-Identifier: MIT */
/* A small open-addressing hash map from owned C strings to pointers, for op names. Not
 * thread-safe: its owner locks. */
#ifndef TACT_RUNTIME_STRMAP_H
#define TACT_RUNTIME_STRMAP_H

#include "runtime/base/prelude.h"

typedef struct tact_strmap {
    struct tact_strmap_slot *slots;
    size_t cap;     /* a power of two, or 0 */
    size_t len;
} tact_strmap_t;

void tact__strmap_fini(tact_strmap_t *m);
/* The value stored under `key`, or NULL. */
void *tact__strmap_get(const tact_strmap_t *m, const char *key);
bool tact__strmap_contains(const tact_strmap_t *m, const char *key);
/* Store `value` under a copy of `key`, replacing any previous value. */
void tact__strmap_put(tact_strmap_t *m, const char *key, void *value);

#endif
