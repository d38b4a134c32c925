/* SPDX-License-Identifier: MIT */
/* Placement: which device runs each op of a plan. Pure apart from the session's pins (where
 * its stateful ops were first placed): it reads ops and device descriptions and starts
 * nothing, so it is tested without any device running. */
#ifndef TACT_RUNTIME_SCHED_H
#define TACT_RUNTIME_SCHED_H

#include "devices/device_impl.h"

/* Where a session's stateful ops went the first time a plan placed them. Thread-safe. */
typedef struct tact_sched_pins {
    pthread_mutex_t lock;
    int n;                        /* room, by op id */
    int *device;                  /* by op id: the device index + 1; 0 while not placed */
    /* The session's last placement of its whole graph (TensorFlow places the whole graph and
     * then prunes): by op id, the device index + 1, for the first n_whole ops. A placement
     * whose ops it all covers takes their devices from it. */
    int n_whole;
    int *whole;
} tact_sched_pins_t;

void tact__sched_pins_init(tact_sched_pins_t *pins);
void tact__sched_pins_fini(tact_sched_pins_t *pins);

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
 * A request for another job, replica or task is an error even with soft placement.
 * With `pins`, a stateful op (a variable, queue or reader) that an earlier call placed goes
 * where it went then, and its group with it, whatever the requests say now (spec §3.3, as
 * TensorFlow keeps a stateful node's placement when it places a grown graph again): its value
 * lives in that device's memory. A member without a kernel there is INVALID_ARGUMENT.
 * With `pins` holding a whole-graph placement (tact_sched_pins_t.whole) that covers every op,
 * each op goes where that placement put it: a run's plan agrees with the whole graph's. */
tact_code_t tact__sched_place(const tact_op_t *const *ops, int n, tact_device_t *devs,
                              int n_devs, bool allow_soft_placement, tact_sched_pins_t *pins,
                              int *out, tact_status_t *st);


#endif
