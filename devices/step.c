/* SPDX-License-Identifier: MIT */
/* Cross-device ordering inside one step: a node that consumes what another device's fragment
 * produces waits on that node's done word (a futex), and a failing fragment releases every
 * waiter. This is the recv half of TensorFlow's send/recv pairs; host devices share memory,
 * so the value itself needs no copy. */
#include "devices/device_impl.h"

#include <linux/futex.h>
#include <sys/syscall.h>
#include <unistd.h>

/* How long a waiter sleeps before it re-checks the step's stop reasons. */
#define STEP_WAIT_SLICE_NS 2000000

tact_code_t tact__step_wait(tact_step_t *step, const tact_node_t *node, tact_status_t *st)
{
    for (int i = 0; i < node->n_wait; i++) {
        _Atomic uint32_t *word = &step->done[node->wait_nodes[i]];
        while (atomic_load_explicit(word, memory_order_acquire) == 0) {
            if (atomic_load(&step->failed))
                return tact__fail(st, TACT_CODE_CANCELLED, "Run call was cancelled");
            if (tact__stop_check(&step->stop, "Run call", st) != TACT_CODE_OK)
                return st->code;
            int64_t ns = STEP_WAIT_SLICE_NS;  /* never past the deadline */
            if (step->stop.deadline_ns > 0 && step->stop.deadline_ns - tact__now_ns() < ns)
                ns = step->stop.deadline_ns - tact__now_ns() + 1;
            struct timespec slice = { 0, ns > 0 ? (long) ns : 1 };
            syscall(SYS_futex, (uint32_t *) word, FUTEX_WAIT_PRIVATE, 0, &slice, NULL, 0);
        }
    }
    return TACT_CODE_OK;
}

void tact__step_signal(tact_step_t *step, const tact_node_t *node)
{
    _Atomic uint32_t *word = &step->done[node->index];
    atomic_store_explicit(word, 1, memory_order_release);
    syscall(SYS_futex, (uint32_t *) word, FUTEX_WAKE_PRIVATE, INT_MAX, NULL, NULL, 0);
}

void tact__step_fail(tact_step_t *step)
{
    atomic_store(&step->failed, true);  /* waiters notice within one slice */
}
