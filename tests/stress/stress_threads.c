/* SPDX-License-Identifier: MIT */
/* Many threads (32 by default, TACT_STRESS_THREADS) run one session at once, half of them
 * on a second session over the same graph that uses the device actors, each checking its
 * answers exactly: y = 2x + 1 elementwise and the matmul m·m of its own 2x2 feed, on
 * integer-valued floats so every result is exact. */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "tests/stress/stress.h"

typedef struct shared {
    stress_t *t;
    tact_session_t *s[2];         /* the calling-thread executor, the actors */
    tact_output_t x, y, m, mm;
} shared_t;

typedef struct worker {
    shared_t *sh;
    int id;
    pthread_t th;
} worker_t;

static void *worker_main(void *p)
{
    worker_t *w = p;
    shared_t *sh = w->sh;
    stress_t *t = sh->t;
    uint64_t rng = t->seed * 1000003u + (uint64_t) w->id;
    tact_session_t *s = sh->s[w->id % 2];
    while (stress_running(t)) {
        float x[4], m[4];
        for (int i = 0; i < 4; i++) {
            x[i] = (float) ((int) (stress_rand(&rng) % 2001) - 1000);
            m[i] = (float) ((int) (stress_rand(&rng) % 201) - 100);
        }
        tact_status_t st = TACT_STATUS_INIT;
        tact_tensor_t *xv = tact_tensor_new(TACT_DTYPE_F32, (int64_t[]) { 4 }, 1, x, &st);
        tact_tensor_t *mv = tact_tensor_new(TACT_DTYPE_F32, (int64_t[]) { 2, 2 }, 2, m, &st);
        tact_feed_t feeds[2] = { { sh->x, xv }, { sh->m, mv } };
        tact_output_t fetch[2] = { sh->y, sh->mm };
        tact_tensor_t *r[2] = { NULL, NULL };
        tact_session_run(s, fetch, 2, r, feeds, 2, NULL, 0, &st);
        atomic_fetch_add(&t->runs, 1);
        STRESS_CHECK(t, st.code == TACT_CODE_OK, "thread %d: run failed: %s", w->id, st.msg);
        if (st.code == TACT_CODE_OK) {
            const float *y = tact_tensor_data(r[0]), *mm = tact_tensor_data(r[1]);
            for (int i = 0; i < 4; i++)
                STRESS_CHECK(t, y[i] == 2 * x[i] + 1, "thread %d: y[%d] = %g, want %g", w->id,
                             i, (double) y[i], (double) (2 * x[i] + 1));
            for (int i = 0; i < 2; i++) {
                for (int j = 0; j < 2; j++) {
                    float want = m[2 * i] * m[j] + m[2 * i + 1] * m[2 + j];
                    STRESS_CHECK(t, mm[2 * i + j] == want, "thread %d: mm[%d][%d] = %g, want %g",
                                 w->id, i, j, (double) mm[2 * i + j], (double) want);
                }
            }
        }
        tact_tensor_destroy(&r[0]);
        tact_tensor_destroy(&r[1]);
        tact_tensor_destroy(&xv);
        tact_tensor_destroy(&mv);
    }
    return NULL;
}

int main(int argc, char **argv)
{
    stress_t t;
    stress_init(&t, "stress_threads", argc, argv, 2.0);
    const char *e = getenv("TACT_STRESS_THREADS");
    int n = e && atoi(e) > 0 ? atoi(e) : 32;

    tact_status_t st = TACT_STATUS_INIT;
    tact_graph_t *g = tact_graph_new();
    shared_t sh = { .t = &t };
    sh.x = tact_placeholder(g, TACT_DTYPE_F32, (int64_t[]) { 4 }, 1, "x", &st);
    float two = 2, one = 1;
    tact_tensor_t *tv = tact_tensor_new(TACT_DTYPE_F32, NULL, 0, &two, &st);
    tact_tensor_t *ov = tact_tensor_new(TACT_DTYPE_F32, NULL, 0, &one, &st);
    sh.y = tact_add(g, tact_multiply(g, sh.x, tact_constant(g, tv, "two", &st), NULL, &st),
                    tact_constant(g, ov, "one", &st), "y", &st);
    sh.m = tact_placeholder(g, TACT_DTYPE_F32, (int64_t[]) { 2, 2 }, 2, "m", &st);
    sh.mm = tact_matmul(g, sh.m, sh.m, false, false, "mm", &st);
    tact_tensor_destroy(&tv);
    tact_tensor_destroy(&ov);
    tact_config_t actors = { .executor = TACT_EXECUTOR_ACTORS };
    sh.s[0] = tact_session_new(NULL, g, NULL, &st);
    sh.s[1] = tact_session_new(NULL, g, &actors, &st);
    if (st.code != TACT_CODE_OK) {
        fprintf(stderr, "stress_threads: setup failed: %s\n", st.msg);
        return 1;
    }

    worker_t *w = calloc((size_t) n, sizeof *w);
    for (int i = 0; i < n; i++) {
        w[i] = (worker_t) { .sh = &sh, .id = i };
        pthread_create(&w[i].th, NULL, worker_main, &w[i]);
    }
    for (int i = 0; i < n; i++)
        pthread_join(w[i].th, NULL);
    free(w);
    tact_session_destroy(&sh.s[0]);
    tact_session_destroy(&sh.s[1]);
    tact_graph_destroy(&g);
    return stress_finish(&t, n, NULL);
}
