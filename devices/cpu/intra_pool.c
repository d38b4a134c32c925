/* SPDX-License-Identifier: MIT */
/* Intra-op workers. One call at a time owns them (a flag taken with test-and-set); the call
 * is published as one atomic word (a sequence number and the part count), so a worker that is
 * not needed reads nothing else, and the call's function and argument are read only by the
 * workers the caller then waits for. A worker spins for INTRA_SPIN_NS after each call, since
 * on a virtual machine waking a sleeping thread on another vCPU takes tens of microseconds
 * (bench/README.md: the unpinned ZeroMQ round trip), then sleeps on a condition variable. */
#include "devices/cpu/intra_pool.h"
#include "devices/cpu/cpu.h"
#include "runtime/base/log.h"

#include <sched.h>
#include <signal.h>

#define INTRA_MAX_WORKERS 63
#define INTRA_SPIN_NS 200000  /* longer than the gap between two layers' GEMMs */

static struct {
    pthread_once_t once;
    int n_workers;
    pthread_t workers[INTRA_MAX_WORKERS];
    atomic_bool stop;             /* set at exit: workers return */
    atomic_flag busy;             /* held by the call that owns the workers */
    atomic_uint_fast64_t word;    /* (sequence << 8) | parts of the latest call */
    uint64_t seq;                 /* under busy */
    tact_cpu_part_fn fn;          /* the latest call's, read by its participants only */
    void *arg;
    atomic_int pending;           /* workers' parts of the latest call not yet returned */
    atomic_int sleepers;
    atomic_bool park;             /* spinning workers go to sleep now (tact__cpu_intra_park) */
    int caller_cpu;               /* the latest call's caller's CPU, or -1 */
    cpu_set_t allowed;            /* the CPUs the workers started with */
    pthread_mutex_t lock;
    pthread_cond_t wake;
    atomic_ulong parallel_calls;
} intra = { .once = PTHREAD_ONCE_INIT, .busy = ATOMIC_FLAG_INIT,
            .lock = PTHREAD_MUTEX_INITIALIZER, .wake = PTHREAD_COND_INITIALIZER };

static inline void intra_relax(void)
{
#if defined(__x86_64__) || defined(__i386__)
    __builtin_ia32_pause();
#endif
}

/* The next call's word after `last`: spin, then sleep. `last` again once the process exits. */
static uint64_t intra_wait(uint64_t last)
{
    int64_t deadline = 0;
    for (unsigned i = 1;; i++) {
        uint64_t w = atomic_load_explicit(&intra.word, memory_order_acquire);
        if (w != last || atomic_load_explicit(&intra.stop, memory_order_relaxed))
            return w;
        if (atomic_load_explicit(&intra.park, memory_order_relaxed))
            break;
        intra_relax();
        if ((i & 255) == 0) {
            int64_t now = tact__now_ns();
            if (deadline == 0)
                deadline = now + INTRA_SPIN_NS;
            else if (now > deadline)
                break;
        }
    }
    /* With the caller's store of `word` before its load of `sleepers` (both seq_cst), either
     * the caller sees this sleeper and signals under the lock, or this load sees the word. */
    pthread_mutex_lock(&intra.lock);
    atomic_fetch_add(&intra.sleepers, 1);
    uint64_t w;
    while ((w = atomic_load(&intra.word)) == last && !atomic_load(&intra.stop))
        pthread_cond_wait(&intra.wake, &intra.lock);
    atomic_fetch_sub(&intra.sleepers, 1);
    pthread_mutex_unlock(&intra.lock);
    return w;
}

/* A worker that finds itself on its caller's CPU moves off it. The scheduler sees two busy
 * threads there against one on another CPU (say, OpenBLAS' thread polling after its sgemm)
 * as balanced and leaves them: the call then ran at half speed for as long as the other
 * thread polled, below one thread's speed (bench/README.md). One affinity call, only then. */
static void intra_move_off(int cpu)
{
    if (cpu < 0 || cpu != sched_getcpu() || CPU_COUNT(&intra.allowed) < 2)
        return;
    cpu_set_t set = intra.allowed;
    CPU_CLR(cpu, &set);
    pthread_setaffinity_np(pthread_self(), sizeof set, &set);
}

static void *intra_worker(void *arg)
{
    int part = (int) (intptr_t) arg;
    uint64_t last = 0;  /* the word before any call: a worker started late still sees the first */
    for (;;) {
        uint64_t w = intra_wait(last);
        if (w == last)
            return NULL;
        last = w;
        int n_parts = (int) (last & 0xff);
        if (part < n_parts) {
            intra_move_off(intra.caller_cpu);
            intra.fn(intra.arg, part, n_parts);
            atomic_fetch_sub_explicit(&intra.pending, 1, memory_order_release);
        }
    }
}

/* At exit: the workers return and are joined, so none outlives the process' teardown (and
 * their thread records are not left for leak checkers to report). */
static void intra_stop(void)
{
    /* Held from now on: a call in progress ends first, and later ones run on their callers. */
    while (atomic_flag_test_and_set_explicit(&intra.busy, memory_order_acquire))
        sched_yield();
    atomic_store(&intra.stop, true);
    pthread_mutex_lock(&intra.lock);
    pthread_cond_broadcast(&intra.wake);
    pthread_mutex_unlock(&intra.lock);
    for (int i = 0; i < intra.n_workers; i++)
        pthread_join(intra.workers[i], NULL);
    intra.n_workers = 0;
}

/* In a child of fork(): the workers were not copied, so its calls run on their callers. */
static void intra_forked(void)
{
    intra.n_workers = 0;
    atomic_flag_clear(&intra.busy);
}

/* Workers for every further thread OpenBLAS may use, started with every signal blocked (as
 * OpenBLAS' own, devices/cpu/cpu.c) so process-directed signals reach the application's. */
static void intra_start(void)
{
    int want = tact__cpu_blas_threads() - 1;
    if (sched_getaffinity(0, sizeof intra.allowed, &intra.allowed) != 0)
        CPU_ZERO(&intra.allowed);  /* unknown: workers never move */
    want = want > INTRA_MAX_WORKERS ? INTRA_MAX_WORKERS : want;
    sigset_t all, old;
    sigfillset(&all);
    pthread_sigmask(SIG_SETMASK, &all, &old);
    for (int i = 0; i < want; i++) {
        if (pthread_create(&intra.workers[i], NULL, intra_worker, (void *) (intptr_t) (i + 1)) !=
            0) {
            tact__log(TACT_LOG_WARNING, "CPU: started %d of %d intra-op threads", i, want);
            break;
        }
        intra.n_workers = i + 1;
    }
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    if (intra.n_workers > 0) {
        atexit(intra_stop);
        pthread_atfork(NULL, NULL, intra_forked);
    }
}

int tact__cpu_intra_width(void)
{
    int n = tact__cpu_blas_threads();
    n = n < 1 ? 1 : n;
    return n > INTRA_MAX_WORKERS + 1 ? INTRA_MAX_WORKERS + 1 : n;
}

void tact__cpu_intra_run(int n_parts, tact_cpu_part_fn fn, void *arg)
{
    TACT_ASSERT(n_parts >= 1 && n_parts <= INTRA_MAX_WORKERS + 1);
    if (n_parts > 1)
        pthread_once(&intra.once, intra_start);
    if (n_parts == 1 || n_parts > intra.n_workers + 1 ||
        atomic_flag_test_and_set_explicit(&intra.busy, memory_order_acquire)) {
        for (int i = 0; i < n_parts; i++)
            fn(arg, i, n_parts);
        return;
    }
    intra.fn = fn;
    intra.arg = arg;
    intra.caller_cpu = sched_getcpu();
    intra.seq++;
    atomic_store_explicit(&intra.park, false, memory_order_relaxed);
    atomic_store_explicit(&intra.pending, n_parts - 1, memory_order_relaxed);
    atomic_store(&intra.word, (intra.seq << 8) | (uint64_t) n_parts);
    if (atomic_load(&intra.sleepers) > 0) {
        pthread_mutex_lock(&intra.lock);
        pthread_cond_broadcast(&intra.wake);
        pthread_mutex_unlock(&intra.lock);
    }
    fn(arg, 0, n_parts);
    for (unsigned i = 1; atomic_load_explicit(&intra.pending, memory_order_acquire) != 0; i++) {
        if ((i & 1023) == 0)
            sched_yield();  /* a worker preempted (more threads than cores) */
        else
            intra_relax();
    }
    atomic_fetch_add_explicit(&intra.parallel_calls, 1, memory_order_relaxed);
    atomic_flag_clear_explicit(&intra.busy, memory_order_release);
}

void tact__cpu_intra_park(void)
{
    atomic_store_explicit(&intra.park, true, memory_order_relaxed);
}

unsigned long tact__cpu_intra_parallel_calls(void)
{
    return atomic_load(&intra.parallel_calls);
}
