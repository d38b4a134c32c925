/* SPDX-License-Identifier: MIT */
/** @file
 * tact: tensor actors. Build a dataflow graph once, run pieces of it in sessions.
 *
 * Conventions (as TensorFlow's C API):
 * - Every public name starts with tact_ / TACT_. Objects are opaque handles; only small value
 *   types (tact_status_t, tact_output_t, tact_feed_t, tact_config_t) have public layouts.
 * - Fallible calls take `tact_status_t *st` last (may be NULL) and return tact_code_t (0 = OK)
 *   or an object (NULL on failure). The first error sticks: a building or running call handed
 *   a status that already holds an error returns at once. Cleanup is the exception: close,
 *   the destroy functions and the scope pops always do their work, whatever the status holds
 *   (a server's error path closes with the status of its failure): they return their own
 *   result and leave the status's first error in place.
 * - tact_X_new returns an object the caller owns; tact_X_destroy(&x) accepts NULL and sets the
 *   variable to NULL. Pointer parameters borrow; returned const char * and const T * are
 *   borrowed and stay valid until their owner is destroyed.
 * - Sizes in bytes are size_t, dimensions int64_t, row-major.
 * - Memory: an allocation whose size comes from data (tensors, constants, feeds, kernel
 *   outputs, queue elements) never aborts: an overflowing size is INVALID_ARGUMENT, refused
 *   memory RESOURCE_EXHAUSTED (TensorFlow's "OOM when allocating tensor with shape[..]"), and
 *   the session stays usable. Only tact's own bookkeeping (small internal structures) aborts
 *   when the host is out of memory, as czmq's zmalloc does.
 * - Threads: sessions may be run from many threads at once; graphs may be built from many
 *   threads; a graph may grow while sessions run it.
 */
#ifndef TACT_H
#define TACT_H

#include <tact/config.h>
#include <tact/graph.h>
#include <tact/inspect.h>
#include <tact/log.h>
#include <tact/model.h>
#include <tact/ops.h>
#include <tact/queue.h>
#include <tact/reader.h>
#include <tact/session.h>
#include <tact/status.h>
#include <tact/tensor.h>
#include <tact/version.h>

#endif
