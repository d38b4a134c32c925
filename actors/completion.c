/* SPDX-License-Identifier: MIT */
/* Completions on Linux futexes. FUTEX_WAKE only hashes the address, so waking after the
 * waiter has returned and freed the word is harmless. */
#include "actors/completion.h"

#include <linux/futex.h>
#include <sys/syscall.h>
#include <unistd.h>

static void completion_futex(_Atomic uint32_t *word, int op, uint32_t val)
{
    syscall(SYS_futex, (uint32_t *) word, op, val, NULL, NULL, 0);
}

void tact__completion_done(tact_completion_t *c)
{
    if (atomic_fetch_sub_explicit(&c->pending, 1, memory_order_acq_rel) == 1)
        completion_futex(&c->pending, FUTEX_WAKE_PRIVATE, INT_MAX);
}

void tact__completion_wait(tact_completion_t *c, int64_t spin_ns)
{
    if (atomic_load_explicit(&c->pending, memory_order_acquire) == 0)
        return;
    int64_t until = tact__now_ns() + spin_ns;
    while (tact__now_ns() < until) {
        for (int i = 0; i < 64; i++) {
            if (atomic_load_explicit(&c->pending, memory_order_acquire) == 0)
                return;
#if defined(__x86_64__) || defined(__i386__)
            __builtin_ia32_pause();
#endif
        }
    }
    uint32_t v;
    while ((v = atomic_load_explicit(&c->pending, memory_order_acquire)) != 0)
        completion_futex(&c->pending, FUTEX_WAIT_PRIVATE, v);
}
