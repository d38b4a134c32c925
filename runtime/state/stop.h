/* SPDX-License-Identifier: MIT */
/* Why a step must stop: its deadline, its run's cancellation handle, its session's close.
 * Kernels that wait (queues) sleep until the deadline and are woken by a cancel (runtime/state/cancel.h)
 * or the close; executors check it between nodes. */
#ifndef TACT_RUNTIME_STOP_H
#define TACT_RUNTIME_STOP_H

#include "runtime/state/cancel.h"

typedef struct tact_stop {
    int64_t deadline_ns;          /* tact__now_ns() past this: DEADLINE_EXCEEDED; 0 = none */
    const tact_cancel_t *cancel;  /* the run's cancellation handle (or NULL) */
    const atomic_bool *closed;    /* the session's: closing cancels steps in flight */
} tact_stop_t;

/* OK, or the reason to stop written into `st` (CANCELLED "<what> was cancelled" or
 * DEADLINE_EXCEEDED "Timed out waiting for notification"). `stop` may be NULL. */
static inline tact_code_t tact__stop_check(const tact_stop_t *stop, const char *what,
                                           tact_status_t *st)
{
    if (stop == NULL)
        return TACT_CODE_OK;
    if ((stop->cancel && atomic_load_explicit(&stop->cancel->requested, memory_order_relaxed)) ||
        (stop->closed && atomic_load_explicit(stop->closed, memory_order_relaxed)))
        return tact__fail(st, TACT_CODE_CANCELLED, "%s was cancelled", what);
    if (stop->deadline_ns > 0 && tact__now_ns() > stop->deadline_ns)
        return tact__fail(st, TACT_CODE_DEADLINE_EXCEEDED, "Timed out waiting for notification");
    return TACT_CODE_OK;
}

#endif
