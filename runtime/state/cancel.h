/* SPDX-License-Identifier: MIT */
/* Run cancellation: the handle behind tact_cancel_t, and how a blocked wait (a dequeue on an
 * empty queue) learns of a request at once instead of polling. A request must stay
 * async-signal-safe, so it only sets the flag and posts a semaphore; one process-wide watcher
 * thread, started by the first wait that registers, then wakes the waits registered on that
 * handle through their wake callbacks. */
#ifndef TACT_RUNTIME_CANCEL_H
#define TACT_RUNTIME_CANCEL_H

#include "runtime/base/prelude.h"

struct tact_cancel {
    atomic_bool requested;        /* once set, never cleared */
};

/* A wait that wants to hear of `cancel`'s request: wake(arg) is called (on the watcher thread)
 * after the request is visible, so a waiter that re-checks the flag under its own lock after
 * wake's lock never sleeps through it. Zero-initialise; tact__cancel_watch fills the links. */
typedef struct tact_cancel_waiter {
    const tact_cancel_t *cancel;  /* NULL: not registered */
    void (*wake)(void *arg);
    void *arg;
    struct tact_cancel_waiter *prev, *next;
} tact_cancel_waiter_t;

/* Register w (cancel, wake and arg set by the caller) until tact__cancel_unwatch. A request
 * made before this returns is visible to the caller's next check of the flag. REQUIRES: the
 * caller holds no lock that wake takes (the watcher takes its own lock, then wake's). */
void tact__cancel_watch(tact_cancel_waiter_t *w);
/* Unregister w; a no-op when w->cancel is NULL. Afterwards wake(arg) is not running and will
 * not be called. */
void tact__cancel_unwatch(tact_cancel_waiter_t *w);

#endif
