/* SPDX-License-Identifier: MIT */
/* TensorFlow's tensor bundle (the V2 checkpoint format): prefix.index, a table from each tensor's
 * name to a BundleEntryProto (dtype, shape, shard, offset, size, masked CRC-32C of the bytes)
 * with the BundleHeaderProto under the empty key, and prefix.data-SSSSS-of-NNNNN, the tensors'
 * little-endian bytes one after another (a string tensor: its lengths as varint64s, the masked
 * CRC-32C of the lengths, then the bytes). Host tensors only; sessions and variables are
 * checkpoint.c's. Every `st` here is required (not NULL). */
#ifndef TACT_RUNTIME_MODEL_BUNDLE_H
#define TACT_RUNTIME_MODEL_BUNDLE_H

#include "runtime/base/tensor_impl.h"

#include "types.pb-c.h"

/* Write the bundle at `prefix`: tensors values[i] under names[i] (any order; a name twice is
 * INVALID_ARGUMENT). Crash-safe: both files go to temporary names beside the prefix and are
 * fsynced; the data file is renamed into place, then the index (which is first kept as
 * "<prefix>.index.pending" until then), then the directory is fsynced. A crash leaves the old
 * bundle, or the new one, or the old index over the new data with the new index pending; the
 * reader (tact__bundle_open) and the next write take the pending index then. A parent
 * directory that does not exist is NOT_FOUND; other I/O failures are their errno's code.
 * Writes to different prefixes may run at once; two writes to one prefix must not. */
tact_code_t tact__bundle_write(const char *prefix, const char *const *names,
                               const tact_tensor_t *const *values, int n, tact_status_t *st);

typedef struct tact_bundle tact_bundle_t;

/* What the index says of one tensor. */
typedef struct tact_bundle_info {
    Tensorflow__DataType dtype;   /* as written, perhaps one tact has no dtype for */
    tact_shape_t shape;
} tact_bundle_info_t;

/* Open the bundle at `prefix`, reading its index (checksums, footer, header) and opening its
 * data files; `pending` opens "<prefix>.index.pending" instead: the index of a write that
 * crashed between its two renames, which matches the data when the bundle's own index does
 * not (try it when reading by the own index fails with DATA_LOSS). No index is NOT_FOUND "The
 * passed save_path is not a valid checkpoint: <prefix>" (Saver.restore's words); a missing
 * data file NOT_FOUND; a malformed index DATA_LOSS. */
tact_bundle_t *tact__bundle_open(const char *prefix, bool pending, tact_status_t *st);

/* True when "<prefix>.index.pending" exists. */
bool tact__bundle_has_pending(const char *prefix);

void tact__bundle_destroy(tact_bundle_t **b_p);

/* The dtype and shape of tensor `name`: NOT_FOUND "Key <name> not found in checkpoint" when
 * the index has none, DATA_LOSS when its entry is malformed. */
tact_code_t tact__bundle_info(tact_bundle_t *b, const char *name, tact_bundle_info_t *info,
                              tact_status_t *st);

/* Tensor `name` read from the data file, its size and checksum verified (DATA_LOSS otherwise).
 * A claimed size is checked against the data file's before anything is allocated. A dtype
 * tact has none for is UNIMPLEMENTED. Caller owns the result; NULL on failure. */
tact_tensor_t *tact__bundle_read(tact_bundle_t *b, const char *name, tact_status_t *st);

/* The names of the bundle's tensors, in key order (the header's empty key left out): *n of them,
 * each and the array malloc'd, for the caller to free. */
char **tact__bundle_names(const tact_bundle_t *b, int *n);

/* Read and check every tensor of the bundle (DATA_LOSS on the first that fails). */
tact_code_t tact__bundle_verify(tact_bundle_t *b, tact_status_t *st);

#endif
