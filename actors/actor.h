/* SPDX-License-Identifier: MIT */
/* A generic actor: a thread that alone reads its inbox (a ZeroMQ PULL socket), a READY
 * handshake carrying the status of its start-up, and TERM + join on destroy. What it does
 * with each request is the `handle` callback's business (device_actor.c gives devices one). */
#ifndef TACT_ACTORS_ACTOR_H
#define TACT_ACTORS_ACTOR_H

#include "actors/mailbox.h"

typedef struct tact_actor tact_actor_t;

typedef struct tact_actor_ops {
    /* [optional] On the actor's thread before READY; a failure is the READY status. */
    tact_code_t (*open)(void *arg, tact_status_t *st);
    /* Every request but TERM, on the actor's thread; writes *msg->status. The actor sends
     * the reply (counts msg->done down) after it returns. */
    void (*handle)(void *arg, tact_msg_t *msg);
    /* [optional] On the actor's thread after TERM. */
    void (*close)(void *arg);
} tact_actor_ops_t;

/* Start the actor and wait for READY. On failure (open failed) the thread is joined and NULL
 * returned with `st` filled. Caller owns the result. */
tact_actor_t *tact__actor_new(const tact_actor_ops_t *ops, void *arg, tact_status_t *st);

/* Send a request. Any thread may call it (the sending socket is locked). Returns 0 or -1. */
int tact__actor_send(tact_actor_t *a, tact_msg_t *msg);

/* Requests sent so far (TERM included). */
uint32_t tact__actor_requests(const tact_actor_t *a);

/* Requests sent and not yet replied to. */
uint32_t tact__actor_load(const tact_actor_t *a);

/* Send TERM, wait for its reply, join the thread, close the sockets. Accepts NULL and
 * *a_p == NULL; sets *a_p to NULL. REQUIRES: no request is in flight. */
void tact__actor_destroy(tact_actor_t **a_p);

#endif
