/* SPDX-License-Identifier: MIT */
/* Cancellation handles and the watcher thread that turns a request into wake-ups. The watcher
 * exists so that tact_cancel_request stays async-signal-safe (an atomic store and sem_post)
 * while blocked waits still sleep on their own condition variables, which only a normal thread
 * may signal. */
#include "runtime/state/cancel.h"

static struct {
    pthread_once_t once;
    atomic_bool started;          /* set once the semaphore and thread exist */
    atomic_bool stopping;
    sem_t kick;                   /* posted by every request (async-signal-safe) */
    pthread_mutex_t lock;         /* guards `waiters` */
    tact_cancel_waiter_t *waiters;
    pthread_t thread;
} cancel_watcher = { .once = PTHREAD_ONCE_INIT, .lock = PTHREAD_MUTEX_INITIALIZER };

tact_cancel_t *tact_cancel_new(void)
{
    tact_cancel_t *c = tact__malloc(sizeof *c);
    atomic_init(&c->requested, false);
    return c;
}

void tact_cancel_request(tact_cancel_t *c)
{
    TACT_ASSERT(c != NULL);
    atomic_store(&c->requested, true);
    /* Not started: nobody has registered yet, and whoever registers later sees the flag. */
    if (atomic_load(&cancel_watcher.started))
        sem_post(&cancel_watcher.kick);
}

bool tact_cancel_requested(const tact_cancel_t *c)
{
    TACT_ASSERT(c != NULL);
    return atomic_load(&((tact_cancel_t *) c)->requested);
}

void tact_cancel_destroy(tact_cancel_t **c_p)
{
    if (c_p == NULL || *c_p == NULL)
        return;
    free(*c_p);
    *c_p = NULL;
}

/* Wake every registered wait whose handle is requested. Several requests may share one pass. */
static void *cancel_watch_loop(void *arg)
{
    TACT_UNUSED(arg);
    for (;;) {
        while (sem_wait(&cancel_watcher.kick) != 0)
            continue;  /* EINTR */
        if (atomic_load(&cancel_watcher.stopping))
            return NULL;
        pthread_mutex_lock(&cancel_watcher.lock);
        for (tact_cancel_waiter_t *w = cancel_watcher.waiters; w != NULL; w = w->next) {
            if (atomic_load(&w->cancel->requested))
                w->wake(w->arg);
        }
        pthread_mutex_unlock(&cancel_watcher.lock);
    }
}

/* At exit (or unload), so that no thread of tact's outlives the library. */
__attribute__((destructor)) static void cancel_watcher_stop(void)
{
    if (!atomic_load(&cancel_watcher.started))
        return;
    atomic_store(&cancel_watcher.stopping, true);
    sem_post(&cancel_watcher.kick);
    pthread_join(cancel_watcher.thread, NULL);
    sem_destroy(&cancel_watcher.kick);
}

static void cancel_watcher_start(void)
{
    TACT_ASSERT(sem_init(&cancel_watcher.kick, 0, 0) == 0);
    /* Signals stay with the application's threads: the watcher blocks them all. */
    sigset_t all, old;
    sigfillset(&all);
    pthread_sigmask(SIG_SETMASK, &all, &old);
    TACT_ASSERT(pthread_create(&cancel_watcher.thread, NULL, cancel_watch_loop, NULL) == 0);
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    atomic_store(&cancel_watcher.started, true);
}

void tact__cancel_watch(tact_cancel_waiter_t *w)
{
    TACT_ASSERT(w->cancel != NULL && w->wake != NULL);
    pthread_once(&cancel_watcher.once, cancel_watcher_start);
    pthread_mutex_lock(&cancel_watcher.lock);
    w->prev = NULL;
    w->next = cancel_watcher.waiters;
    if (w->next != NULL)
        w->next->prev = w;
    cancel_watcher.waiters = w;
    pthread_mutex_unlock(&cancel_watcher.lock);
}

void tact__cancel_unwatch(tact_cancel_waiter_t *w)
{
    if (w->cancel == NULL)
        return;
    pthread_mutex_lock(&cancel_watcher.lock);
    if (w->prev != NULL)
        w->prev->next = w->next;
    else
        cancel_watcher.waiters = w->next;
    if (w->next != NULL)
        w->next->prev = w->prev;
    pthread_mutex_unlock(&cancel_watcher.lock);
    w->cancel = NULL;
}
