/* SPDX-License-Identifier: MIT */
/* Placement: which device runs each op of a plan. Pure: it reads ops and device descriptions
 * and starts nothing, so it is tested without any device running. */
#ifndef TACT_RUNTIME_SCHED_H
#define TACT_RUNTIME_SCHED_H

#include "devices/device_impl.h"

/* Place ops[0..n) (a plan's ops in topological order) on devs[0..n_devs) (devs[0] is CPU:0,
 * the client device), writing device indices into out[0..n):
 *   0. ops that take a resource by reference (Assign and its variable, queue ops and their
 *      queue, a read and its reader) form a colocation group placed as one op: by the
 *      resource's request, else a member's; on a device with kernels for every member;
 *   1. an op with a requested device goes to the best device that matches it and supports
 *      the op; with soft placement, a request no device meets loses its type and index and is
 *      placed as if unconstrained; without, INVALID_ARGUMENT "Cannot assign a device for
 *      operation <name>: ..." listing the devices, or saying that the matching devices have no
 *      kernel for it;
 *   2. an unconstrained op goes to the best device that supports it: highest kind priority
 *      (a GPU before the CPU), then device order;
 *   3. an unconstrained generator (no inputs: Const, Placeholder, ...) then follows its
 *      consumers when they all sit on one device, as TensorFlow's placer does.
 * A request for another job, replica or task is an error even with soft placement. */
tact_code_t tact__sched_place(const tact_op_t *const *ops, int n, tact_device_t *devs,
                              int n_devs, bool allow_soft_placement, int *out,
                              tact_status_t *st);

/* "/job:localhost/replica:0/task:0/device:CPU:0" for a device. Returns buf. */
char *tact__sched_device_name(const tact_device_t *dev, char *buf, size_t len);

#endif
