/* SPDX-License-Identifier: MIT */
/* THE actor protocol: every request an actor understands, declared once.
 *
 * A request is one ZeroMQ frame holding a tact_msg_t by value, sent to the actor's inbox (a
 * PULL socket on a unique inproc endpoint). Pointers inside are borrowed and stay valid until
 * the reply. Every request gets exactly one reply: the actor writes *msg.status, then counts
 * down msg.done (a completion the sender waits on). Replies thus reach whichever thread sent
 * the request without a socket per client thread. The READY handshake is the actor's first
 * reply (to the completion given at start); TERM is always the last request. */
#ifndef TACT_ACTORS_MAILBOX_H
#define TACT_ACTORS_MAILBOX_H

#include "actors/completion.h"
#include "devices/device_impl.h"

#define TACT_CMD_MAP(XX)                                                       \
    XX(RUN,  run)   /* u.run.frag, u.run.step -> status of the fragment    */  \
    XX(SYNC, sync)  /* nothing; replies at once (the hand-off floor)        */  \
    XX(TERM, term)  /* always the last request; the actor replies and exits */

typedef enum {
#define XX(UP, low) TACT_CMD_##UP,
    TACT_CMD_MAP(XX)
#undef XX
    TACT_CMD_COUNT
} tact_cmd_t;

typedef struct tact_msg {
    uint32_t cmd;                 /* tact_cmd_t */
    uint32_t seq;                 /* for logs: the sender's request number */
    tact_status_t *status;        /* reply: written by the actor before `done` counts down */
    tact_completion_t *done;      /* reply: counted down exactly once per request */
    union {
        struct {
            const tact_fragment_t *frag;
            tact_step_t *step;
        } run;
    } u;
} tact_msg_t;

/* One frame each way. Return 0, or -1 when the socket is closing (ETERM) or interrupted. */
int tact__msg_send(void *sock, const tact_msg_t *msg);
int tact__msg_recv(void *sock, tact_msg_t *msg);
/* "RUN", "SYNC", "TERM"; "?" outside the map. */
const char *tact__cmd_name(uint32_t cmd);

#endif
