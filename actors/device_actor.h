/* SPDX-License-Identifier: MIT */
/* The actors that drive one device: a pool of actor threads (the device's inter-op
 * parallelism), each serving the mailbox protocol with the device's interface. The first
 * actor opens and closes the device, on its own thread. */
#ifndef TACT_ACTORS_DEVICE_ACTOR_H
#define TACT_ACTORS_DEVICE_ACTOR_H

#include "actors/actor.h"

typedef struct tact_device_pool tact_device_pool_t;

/* Start `n_threads` actors for `dev` (opened by the first). Caller owns the result. On failure
 * returns NULL with `st` filled and nothing left running. */
tact_device_pool_t *tact__device_pool_new(tact_device_t *dev, int n_threads, tact_status_t *st);

/* Send a request to the least loaded actor of the pool. Any thread. Returns 0 or -1. */
int tact__device_pool_send(tact_device_pool_t *pool, tact_msg_t *msg);

int tact__device_pool_size(const tact_device_pool_t *pool);

/* Requests its actors have been sent so far. */
uint32_t tact__device_pool_requests(const tact_device_pool_t *pool);

/* TERM every actor and join them (the device is closed last). Accepts NULL; NULLs *pool_p.
 * REQUIRES: no request in flight. */
void tact__device_pool_destroy(tact_device_pool_t **pool_p);

#endif
