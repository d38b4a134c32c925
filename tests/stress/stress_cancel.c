/* SPDX-License-Identifier: MIT */
/* Cancels and deadlines from other threads. 16 workers dequeue from one queue, each run with
 * either its own cancellation handle or a random timeout; a canceller thread cancels the
 * workers' current handles at random; a producer enqueues the integers 1, 2, 3, ... Checked:
 * a run ends OK with an element, CANCELLED only when its handle was cancelled, and
 * DEADLINE_EXCEEDED only after its timeout; no element is lost or delivered twice (the
 * elements dequeued plus those left equal those enqueued, each value once). */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "tests/stress/stress.h"

enum { N_WORKERS = 16 };

typedef struct shared {
    stress_t *t;
    tact_session_t *s;
    tact_output_t v, deq, size;
    tact_op_t *enq;
    atomic_bool stop;             /* workers done: the producer and canceller end */
    atomic_long produced;
    atomic_long consumed;
    atomic_long cancelled, timed_out;
    _Atomic unsigned char *seen;  /* by value: dequeued once */
    long max_values;
} shared_t;

typedef struct worker {
    shared_t *sh;
    int id;
    uint64_t rng;
    pthread_mutex_t lock;         /* guards `cancel` against the canceller */
    tact_cancel_t *cancel;        /* the current run's handle, or NULL */
    pthread_t th;
} worker_t;

static worker_t workers[N_WORKERS];

static int64_t now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t) ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static void *worker_main(void *p)
{
    worker_t *w = p;
    shared_t *sh = w->sh;
    stress_t *t = sh->t;
    while (stress_running(t)) {
        bool with_cancel = stress_rand(&w->rng) % 2 == 0;
        tact_run_options_t o = { 0 };
        if (with_cancel) {
            o.cancel = tact_cancel_new();
            pthread_mutex_lock(&w->lock);
            w->cancel = o.cancel;
            pthread_mutex_unlock(&w->lock);
        } else {
            o.timeout_in_ms = 1 + (int64_t) (stress_rand(&w->rng) % 10);
        }
        tact_status_t st = TACT_STATUS_INIT;
        tact_tensor_t *r = NULL;
        int64_t t0 = now_ns();
        tact_session_run_ex(sh->s, &o, &sh->deq, 1, &r, NULL, 0, NULL, 0, &st);
        int64_t took = now_ns() - t0;
        atomic_fetch_add(&t->runs, 1);
        if (with_cancel) {
            pthread_mutex_lock(&w->lock);
            w->cancel = NULL;
            pthread_mutex_unlock(&w->lock);
        }
        if (st.code == TACT_CODE_OK) {
            long v = *(int32_t *) tact_tensor_data(r);
            STRESS_CHECK(t, v >= 1 && v < sh->max_values, "dequeued %ld", v);
            if (v >= 1 && v < sh->max_values)
                STRESS_CHECK(t, atomic_exchange(&sh->seen[v], 1) == 0, "%ld dequeued twice", v);
            atomic_fetch_add(&sh->consumed, 1);
        } else if (st.code == TACT_CODE_CANCELLED) {
            STRESS_CHECK(t, with_cancel && tact_cancel_requested(o.cancel),
                         "CANCELLED without a cancel: %s", st.msg);
            atomic_fetch_add(&sh->cancelled, 1);
        } else if (st.code == TACT_CODE_DEADLINE_EXCEEDED) {
            STRESS_CHECK(t, !with_cancel && took >= o.timeout_in_ms * 1000000,
                         "DEADLINE_EXCEEDED after %lld ns, timeout %lld ms", (long long) took,
                         (long long) o.timeout_in_ms);
            atomic_fetch_add(&sh->timed_out, 1);
        } else {
            STRESS_CHECK(t, false, "dequeue: %s: %s", tact_code_name(st.code), st.msg);
        }
        tact_tensor_destroy(&r);
        tact_cancel_destroy(&o.cancel);
    }
    return NULL;
}

static void *canceller_main(void *p)
{
    shared_t *sh = p;
    uint64_t rng = sh->t->seed ^ 0xC0FFEE;
    while (!atomic_load(&sh->stop)) {
        worker_t *w = &workers[stress_rand(&rng) % N_WORKERS];
        pthread_mutex_lock(&w->lock);
        if (w->cancel != NULL)
            tact_cancel_request(w->cancel);
        pthread_mutex_unlock(&w->lock);
        usleep((useconds_t) (stress_rand(&rng) % 2000));
    }
    return NULL;
}

static void *producer_main(void *p)
{
    shared_t *sh = p;
    uint64_t rng = sh->t->seed ^ 0xFEED;
    while (!atomic_load(&sh->stop)) {
        long v = atomic_load(&sh->produced) + 1;
        if (v >= sh->max_values)
            break;
        int32_t x = (int32_t) v;
        tact_status_t st = TACT_STATUS_INIT;
        tact_tensor_t *xv = tact_tensor_new(TACT_DTYPE_I32, NULL, 0, &x, &st);
        tact_feed_t f = { sh->v, xv };
        tact_session_run(sh->s, NULL, 0, NULL, &f, 1, &sh->enq, 1, &st);
        STRESS_CHECK(sh->t, st.code == TACT_CODE_OK, "enqueue: %s", st.msg);
        tact_tensor_destroy(&xv);
        atomic_store(&sh->produced, v);
        usleep((useconds_t) (stress_rand(&rng) % 1000));
    }
    return NULL;
}

int main(int argc, char **argv)
{
    stress_t t;
    stress_init(&t, "stress_cancel", argc, argv, 2.0);
    tact_status_t st = TACT_STATUS_INIT;
    tact_graph_t *g = tact_graph_new();
    shared_t sh = { .t = &t, .max_values = 1 << 24 };
    sh.seen = calloc((size_t) sh.max_values, 1);
    sh.v = tact_placeholder(g, TACT_DTYPE_I32, NULL, 0, "v", &st);
    tact_op_t *q = tact_fifo_queue(g, 0, (tact_dtype_t[]) { TACT_DTYPE_I32 }, 1, NULL, NULL, "q",
                                   &st);
    sh.enq = tact_queue_enqueue(g, q, &sh.v, 1, NULL, &st);
    tact_queue_dequeue(g, q, &sh.deq, NULL, &st);
    sh.size = tact_queue_size(g, q, NULL, &st);
    sh.s = tact_session_new(NULL, g, NULL, &st);
    if (st.code != TACT_CODE_OK) {
        fprintf(stderr, "stress_cancel: setup failed: %s\n", st.msg);
        return 1;
    }

    pthread_t canceller, producer;
    for (int i = 0; i < N_WORKERS; i++) {
        workers[i] = (worker_t) { .sh = &sh, .id = i, .rng = t.seed * 7919u + (uint64_t) i };
        pthread_mutex_init(&workers[i].lock, NULL);
        pthread_create(&workers[i].th, NULL, worker_main, &workers[i]);
    }
    pthread_create(&canceller, NULL, canceller_main, &sh);
    pthread_create(&producer, NULL, producer_main, &sh);
    for (int i = 0; i < N_WORKERS; i++)
        pthread_join(workers[i].th, NULL);
    atomic_store(&sh.stop, true);
    pthread_join(canceller, NULL);
    pthread_join(producer, NULL);

    tact_tensor_t *r = NULL;
    tact_session_run(sh.s, &sh.size, 1, &r, NULL, 0, NULL, 0, &st);
    long left = st.code == TACT_CODE_OK ? *(int32_t *) tact_tensor_data(r) : -1;
    STRESS_CHECK(&t, st.code == TACT_CODE_OK, "size: %s", st.msg);
    STRESS_CHECK(&t, atomic_load(&sh.consumed) + left == atomic_load(&sh.produced),
                 "produced %ld, dequeued %ld, left %ld", atomic_load(&sh.produced),
                 atomic_load(&sh.consumed), left);
    tact_tensor_destroy(&r);
    for (int i = 0; i < N_WORKERS; i++)
        pthread_mutex_destroy(&workers[i].lock);
    tact_session_destroy(&sh.s);
    tact_graph_destroy(&g);
    free((void *) sh.seen);
    char extra[160];
    snprintf(extra, sizeof extra, "produced %ld, dequeued %ld, cancelled %ld, timed out %ld",
             atomic_load(&sh.produced), atomic_load(&sh.consumed), atomic_load(&sh.cancelled),
             atomic_load(&sh.timed_out));
    return stress_finish(&t, N_WORKERS + 2, extra);
}
