/* SPDX-License-Identifier: MIT */
/* A session's host memory limit (tact_config_t.host_memory_limit_bytes): the bytes of the
 * host tensors its runs make, counted while they live, refused past the limit. Shared by the
 * session and every tensor charged to it, so a result the caller keeps after the session is
 * gone still gives its bytes back to a live counter. */
#ifndef TACT_RUNTIME_HOST_LIMIT_H
#define TACT_RUNTIME_HOST_LIMIT_H

#include "runtime/base/prelude.h"

typedef struct tact_host_limit tact_host_limit_t;

/* A counter at 0 bytes in use that refuses more than `limit` bytes. REQUIRES: limit > 0.
 * Caller owns the (only) reference. */
tact_host_limit_t *tact__host_limit_new(size_t limit);
/* Another reference. Returns self. Thread-safe. */
tact_host_limit_t *tact__host_limit_ref(tact_host_limit_t *self);
/* Drop a reference; the last one frees. Accepts NULL and *self_p == NULL; sets it to NULL. */
void tact__host_limit_unref(tact_host_limit_t **self_p);

/* Count n more bytes in use: false (and nothing counted) when that would pass the limit.
 * Thread-safe. */
bool tact__host_limit_charge(tact_host_limit_t *self, size_t n);
/* Give back n bytes counted by tact__host_limit_charge. Thread-safe. */
void tact__host_limit_release(tact_host_limit_t *self, size_t n);
/* Bytes counted now (tests). */
size_t tact__host_limit_in_use(const tact_host_limit_t *self);
/* The most bytes counted at once so far. Thread-safe. */
size_t tact__host_limit_peak(const tact_host_limit_t *self);

#endif
