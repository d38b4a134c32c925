/* SPDX-License-Identifier: MIT */
/* Close and destroy under load, round after round (seeded):
 *  - close: 16 threads mix exact computations, dequeues with short timeouts and dequeues
 *    that block until the close; at a random moment the session closes. Every run ends OK
 *    (exact), DEADLINE_EXCEEDED (its timeout) or CANCELLED (the close), never otherwise, and
 *    every thread returns;
 *  - destroy: 48 runs block in a dequeue (some with long timeouts) and the session is
 *    destroyed without a close: every run ends CANCELLED and none touches the freed session
 *    (run it under ThreadSanitizer / AddressSanitizer). */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "runtime/exec/session_impl.h"
#include "tests/stress/stress.h"

typedef struct round_ctx {
    stress_t *t;
    tact_session_t *s;
    tact_output_t x, y, deq;
} round_ctx_t;

typedef struct worker {
    round_ctx_t *rc;
    int id;
    uint64_t rng;
    bool once;                    /* destroy rounds: one blocked dequeue, then return */
    pthread_t th;
} worker_t;

static bool is_close_msg(const char *msg)
{
    return strstr(msg, "Session has been closed.") != NULL ||
           strstr(msg, "was cancelled") != NULL;
}

/* One run of a random kind; false once the session has closed under it. */
static bool worker_step(worker_t *w)
{
    round_ctx_t *rc = w->rc;
    stress_t *t = rc->t;
    tact_status_t st = TACT_STATUS_INIT;
    tact_tensor_t *r = NULL;
    unsigned kind = w->once ? 2 : (unsigned) (stress_rand(&w->rng) % 3);
    atomic_fetch_add(&t->runs, 1);
    if (kind == 0) {  /* an exact computation */
        float x = (float) (int) (stress_rand(&w->rng) % 100000);
        tact_tensor_t *xv = tact_tensor_new(TACT_DTYPE_F32, NULL, 0, &x, &st);
        tact_feed_t f = { rc->x, xv };
        tact_session_run(rc->s, &rc->y, 1, &r, &f, 1, NULL, 0, &st);
        tact_tensor_destroy(&xv);
        if (st.code == TACT_CODE_OK)
            STRESS_CHECK(t, *(float *) tact_tensor_data(r) == 2 * x + 1, "y(%g) = %g", (double) x,
                         (double) *(float *) tact_tensor_data(r));
        else
            STRESS_CHECK(t, st.code == TACT_CODE_CANCELLED && is_close_msg(st.msg),
                         "compute: %s: %s", tact_code_name(st.code), st.msg);
    } else {  /* a dequeue on the empty queue: with a short timeout, or until the close */
        tact_run_options_t o = { .timeout_in_ms = kind == 1 ? 1 + (int64_t) (stress_rand(&w->rng) % 20)
                                                            : 0 };
        if (w->once && w->id % 3 == 0)
            o.timeout_in_ms = 60000;  /* still blocked when the destroy comes */
        tact_session_run_ex(rc->s, &o, &rc->deq, 1, &r, NULL, 0, NULL, 0, &st);
        bool timed_out = kind == 1 && st.code == TACT_CODE_DEADLINE_EXCEEDED &&
                         strstr(st.msg, "Timed out waiting for notification") != NULL;
        STRESS_CHECK(t, timed_out || (st.code == TACT_CODE_CANCELLED && is_close_msg(st.msg)),
                     "dequeue (timeout %lld ms): %s: %s", (long long) o.timeout_in_ms,
                     tact_code_name(st.code), st.msg);
    }
    tact_tensor_destroy(&r);
    return st.code != TACT_CODE_CANCELLED;
}

static void *worker_main(void *p)
{
    worker_t *w = p;
    if (w->once)
        worker_step(w);
    else
        while (worker_step(w)) {
        }
    return NULL;
}

static tact_session_t *new_session(stress_t *t, tact_graph_t *g, int round)
{
    tact_config_t actors = { .executor = TACT_EXECUTOR_ACTORS };
    tact_status_t st = TACT_STATUS_INIT;
    tact_session_t *s = tact_session_new(NULL, g, round % 2 ? &actors : NULL, &st);
    STRESS_CHECK(t, s != NULL, "session: %s", st.msg);
    return s;
}

int main(int argc, char **argv)
{
    stress_t t;
    stress_init(&t, "stress_close", argc, argv, 3.0);
    tact_status_t st = TACT_STATUS_INIT;
    tact_graph_t *g = tact_graph_new();
    round_ctx_t rc = { .t = &t };
    rc.x = tact_placeholder(g, TACT_DTYPE_F32, NULL, 0, "x", &st);
    float two = 2, one = 1;
    tact_tensor_t *tv = tact_tensor_new(TACT_DTYPE_F32, NULL, 0, &two, &st);
    tact_tensor_t *ov = tact_tensor_new(TACT_DTYPE_F32, NULL, 0, &one, &st);
    rc.y = tact_add(g, tact_multiply(g, rc.x, tact_constant(g, tv, NULL, &st), NULL, &st),
                    tact_constant(g, ov, NULL, &st), "y", &st);
    tact_tensor_destroy(&tv);
    tact_tensor_destroy(&ov);
    tact_op_t *q = tact_fifo_queue(g, 0, (tact_dtype_t[]) { TACT_DTYPE_F32 }, 1, NULL, NULL, "q",
                                   &st);
    tact_queue_dequeue(g, q, &rc.deq, NULL, &st);
    if (st.code != TACT_CODE_OK) {
        fprintf(stderr, "stress_close: setup failed: %s\n", st.msg);
        return 1;
    }

    enum { N_CLOSE = 16, N_DESTROY = 48 };
    worker_t w[N_DESTROY];
    uint64_t rng = t.seed;
    int rounds = 0;
    do {
        bool destroy = rounds % 2 == 1;
        int n = destroy ? N_DESTROY : N_CLOSE;
        rc.s = new_session(&t, g, rounds / 2);
        if (rc.s == NULL)
            break;
        for (int i = 0; i < n; i++) {
            w[i] = (worker_t) { .rc = &rc, .id = i, .rng = stress_rand(&rng), .once = destroy };
            pthread_create(&w[i].th, NULL, worker_main, &w[i]);
        }
        if (destroy) {
            /* Every run inside (none may refer to the session after it is freed). */
            while (tact__session_active_runs(rc.s) < n)
                usleep(500);
            usleep((useconds_t) (stress_rand(&rng) % 20000));
            tact_session_destroy(&rc.s);
        } else {
            usleep((useconds_t) (5000 + stress_rand(&rng) % 45000));
            tact_status_t cs = TACT_STATUS_INIT;
            STRESS_CHECK(&t, tact_session_close(rc.s, &cs) == TACT_CODE_OK, "close: %s", cs.msg);
        }
        for (int i = 0; i < n; i++)
            pthread_join(w[i].th, NULL);
        tact_session_destroy(&rc.s);
        rounds++;
    } while (stress_running(&t));
    tact_graph_destroy(&g);
    char extra[64];
    snprintf(extra, sizeof extra, "rounds %d", rounds);
    return stress_finish(&t, N_DESTROY, extra);
}
