/* SPDX-License-Identifier: MIT */
/* A completion: a counter of outstanding replies that the waiting thread watches. Actors reply
 * by writing their status and counting down; the waiter spins briefly, then sleeps on a futex,
 * so a fast reply costs no thread wake-up and an idle waiter burns no core. */
#ifndef TACT_ACTORS_COMPLETION_H
#define TACT_ACTORS_COMPLETION_H

#include "runtime/base/prelude.h"

typedef struct tact_completion {
    _Atomic uint32_t pending;
} tact_completion_t;

static inline void tact__completion_init(tact_completion_t *c, uint32_t n)
{
    atomic_init(&c->pending, n);
}

/* Count one reply. After this the completion may already be gone: touch nothing of it. */
void tact__completion_done(tact_completion_t *c);

/* Wait until every reply is counted: spin for up to `spin_ns`, then sleep. */
void tact__completion_wait(tact_completion_t *c, int64_t spin_ns);

#endif
