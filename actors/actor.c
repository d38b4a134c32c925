/* SPDX-License-Identifier: MIT */
/* Generic actor: thread + inbox + READY + TERM + join. The inbox is a PULL socket bound by the
 * actor on inproc://tact-actor-<n>; senders share one PUSH socket guarded by a mutex (ZeroMQ
 * allows a socket to move between threads with a full barrier between uses, which the mutex
 * gives). Not for deciding what a request means: that is the ops' handle(). */
#include "actors/actor.h"
#include "runtime/base/zctx.h"

#include <zmq.h>

/* How long an actor keeps polling its inbox after a request before it blocks: a burst of
 * requests then costs no wake-ups, and an idle actor sleeps. */
#define ACTOR_SPIN_NS 20000

struct tact_actor {
    const tact_actor_ops_t *ops;
    void *arg;
    pthread_t thread;
    char endpoint[48];
    void *zctx;
    void *push;                   /* owner side; guarded by push_lock */
    pthread_mutex_t push_lock;
    _Atomic uint32_t load;
    _Atomic uint32_t seq;
    tact_completion_t ready;
    tact_status_t ready_status;
};

static _Atomic uint32_t actor_counter;

static bool actor_poll(void *inbox, tact_msg_t *m)
{
    int64_t until = tact__now_ns() + ACTOR_SPIN_NS;
    do {
        if (zmq_recv(inbox, m, sizeof *m, ZMQ_DONTWAIT) == (int) sizeof *m)
            return true;
    } while (tact__now_ns() < until);
    return false;
}

static void *actor_main(void *p)
{
    tact_actor_t *a = p;
    void *inbox = zmq_socket(a->zctx, ZMQ_PULL);
    TACT_ASSERT(inbox != NULL);
    TACT_ASSERT(zmq_bind(inbox, a->endpoint) == 0);
    if (a->ops->open)
        a->ops->open(a->arg, &a->ready_status);
    bool ok = a->ready_status.code == TACT_CODE_OK;
    tact__completion_done(&a->ready);  /* READY */

    tact_msg_t m;
    while (ok) {
        if (!actor_poll(inbox, &m) && tact__msg_recv(inbox, &m) != 0)
            break;
        /* Pairs with the release in tact__actor_send: makes the sender's writes visible to
         * tools that cannot see through ZeroMQ's own synchronisation (ThreadSanitizer). */
        atomic_load_explicit(&a->seq, memory_order_acquire);
        TACT_ASSERT(m.cmd < TACT_CMD_COUNT && m.done != NULL);
        bool term = m.cmd == TACT_CMD_TERM;
        if (!term)
            a->ops->handle(a->arg, &m);
        atomic_fetch_sub_explicit(&a->load, 1, memory_order_relaxed);
        tact__completion_done(m.done);  /* exactly one reply */
        if (term)
            break;
    }
    if (ok && a->ops->close)
        a->ops->close(a->arg);
    zmq_close(inbox);
    return NULL;
}

tact_actor_t *tact__actor_new(const tact_actor_ops_t *ops, void *arg, tact_status_t *st)
{
    if (tact__failed(st))
        return NULL;
    tact_actor_t *a = tact__malloc(sizeof *a);
    a->ops = ops;
    a->arg = arg;
    a->zctx = tact__zctx_acquire();
    a->ready_status = (tact_status_t) TACT_STATUS_INIT;
    snprintf(a->endpoint, sizeof a->endpoint, "inproc://tact-actor-%u",
             atomic_fetch_add(&actor_counter, 1));
    TACT_ASSERT(pthread_mutex_init(&a->push_lock, NULL) == 0);
    tact__completion_init(&a->ready, 1);
    /* The thread starts with every signal blocked (it inherits the mask in force here), so a
     * process-directed signal goes to one of the program's own threads: a server that blocks
     * SIGTERM and waits for it with sigwait gets it. */
    sigset_t all, old;
    sigfillset(&all);
    pthread_sigmask(SIG_SETMASK, &all, &old);
    int rc = pthread_create(&a->thread, NULL, actor_main, a);
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    TACT_ASSERT(rc == 0);
    tact__completion_wait(&a->ready, 0);
    if (a->ready_status.code != TACT_CODE_OK) {
        pthread_join(a->thread, NULL);
        tact__status_merge(st, &a->ready_status);
        pthread_mutex_destroy(&a->push_lock);
        tact__zctx_release();
        free(a);
        return NULL;
    }
    a->push = zmq_socket(a->zctx, ZMQ_PUSH);
    TACT_ASSERT(a->push != NULL);
    TACT_ASSERT(zmq_connect(a->push, a->endpoint) == 0);
    return a;
}

int tact__actor_send(tact_actor_t *a, tact_msg_t *msg)
{
    msg->seq = atomic_fetch_add_explicit(&a->seq, 1, memory_order_acq_rel) + 1;
    atomic_fetch_add_explicit(&a->load, 1, memory_order_relaxed);
    pthread_mutex_lock(&a->push_lock);
    int rc = tact__msg_send(a->push, msg);
    pthread_mutex_unlock(&a->push_lock);
    if (rc != 0)
        atomic_fetch_sub_explicit(&a->load, 1, memory_order_relaxed);
    return rc;
}

uint32_t tact__actor_requests(const tact_actor_t *a)
{
    return atomic_load_explicit(&((tact_actor_t *) a)->seq, memory_order_relaxed);
}

uint32_t tact__actor_load(const tact_actor_t *a)
{
    return atomic_load_explicit(&a->load, memory_order_relaxed);
}

void tact__actor_destroy(tact_actor_t **a_p)
{
    if (a_p == NULL || *a_p == NULL)
        return;
    tact_actor_t *a = *a_p;
    tact_status_t st = TACT_STATUS_INIT;
    tact_completion_t done;
    tact__completion_init(&done, 1);
    tact_msg_t term = { .cmd = TACT_CMD_TERM, .status = &st, .done = &done };
    TACT_ASSERT(tact__actor_send(a, &term) == 0);
    tact__completion_wait(&done, 0);
    pthread_join(a->thread, NULL);
    zmq_setsockopt(a->push, ZMQ_LINGER, &(int) { 0 }, sizeof(int));
    zmq_close(a->push);
    pthread_mutex_destroy(&a->push_lock);
    tact__zctx_release();
    free(a);
    *a_p = NULL;
}
