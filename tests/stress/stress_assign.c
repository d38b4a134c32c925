/* SPDX-License-Identifier: MIT */
/* Variable updates from many threads: 32 threads run v.assign_add(1) on one int32 variable of
 * one session, each fetching the new value. No update may be lost: every returned value is
 * distinct, and the final value equals the number of updates made. Rounds of at most
 * MAX_UPDATES updates each, the variable re-initialised to 0 in between, fill the run time. */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "tests/stress/stress.h"

enum { N_THREADS = 32, MAX_UPDATES = 1 << 22 };

typedef struct shared {
    stress_t *t;
    tact_session_t *s;
    tact_output_t inc, v;
    atomic_long updates;          /* this round's */
    _Atomic unsigned char *seen;  /* by new value */
} shared_t;

static void *worker_main(void *p)
{
    shared_t *sh = p;
    stress_t *t = sh->t;
    while (stress_running(t) && atomic_load(&sh->updates) < MAX_UPDATES - N_THREADS) {
        tact_status_t st = TACT_STATUS_INIT;
        tact_tensor_t *r = NULL;
        tact_session_run(sh->s, &sh->inc, 1, &r, NULL, 0, NULL, 0, &st);
        atomic_fetch_add(&t->runs, 1);
        STRESS_CHECK(t, st.code == TACT_CODE_OK, "assign_add: %s", st.msg);
        if (st.code == TACT_CODE_OK) {
            long v = *(int32_t *) tact_tensor_data(r);
            atomic_fetch_add(&sh->updates, 1);
            STRESS_CHECK(t, v >= 1 && v < MAX_UPDATES, "new value %ld", v);
            if (v >= 1 && v < MAX_UPDATES)
                STRESS_CHECK(t, atomic_exchange(&sh->seen[v], 1) == 0,
                             "two updates returned %ld: one was lost", v);
        }
        tact_tensor_destroy(&r);
    }
    return NULL;
}

int main(int argc, char **argv)
{
    stress_t t;
    stress_init(&t, "stress_assign", argc, argv, 2.0);
    tact_status_t st = TACT_STATUS_INIT;
    tact_graph_t *g = tact_graph_new();
    shared_t sh = { .t = &t, .seen = calloc(MAX_UPDATES, 1) };
    int32_t zero = 0, one = 1;
    tact_tensor_t *zv = tact_tensor_new(TACT_DTYPE_I32, NULL, 0, &zero, &st);
    tact_tensor_t *ov = tact_tensor_new(TACT_DTYPE_I32, NULL, 0, &one, &st);
    sh.v = tact_variable(g, tact_constant(g, zv, "zero", &st), "v", &st);
    sh.inc = tact_assign_add(g, sh.v, tact_constant(g, ov, "one", &st), "inc", &st);
    tact_tensor_destroy(&zv);
    tact_tensor_destroy(&ov);
    tact_op_t *init = tact_global_variables_initializer(g, &st);
    sh.s = tact_session_new(NULL, g, NULL, &st);
    tact_session_run(sh.s, NULL, 0, NULL, NULL, 0, &init, 1, &st);
    if (st.code != TACT_CODE_OK) {
        fprintf(stderr, "stress_assign: setup failed: %s\n", st.msg);
        return 1;
    }
    long total = 0;
    int rounds = 0;
    do {
        pthread_t th[N_THREADS];
        for (int i = 0; i < N_THREADS; i++)
            pthread_create(&th[i], NULL, worker_main, &sh);
        for (int i = 0; i < N_THREADS; i++)
            pthread_join(th[i], NULL);
        tact_tensor_t *r = NULL;
        tact_session_run(sh.s, &sh.v, 1, &r, NULL, 0, NULL, 0, &st);
        STRESS_CHECK(&t, st.code == TACT_CODE_OK, "read v: %s", st.msg);
        long final = st.code == TACT_CODE_OK ? *(int32_t *) tact_tensor_data(r) : -1;
        STRESS_CHECK(&t, final == atomic_load(&sh.updates), "round %d: v = %ld after %ld updates",
                     rounds, final, atomic_load(&sh.updates));
        tact_tensor_destroy(&r);
        total += atomic_load(&sh.updates);
        rounds++;
        /* The next round from 0. */
        atomic_store(&sh.updates, 0);
        memset((void *) sh.seen, 0, MAX_UPDATES);
        tact_session_run(sh.s, NULL, 0, NULL, NULL, 0, &init, 1, &st);
    } while (stress_running(&t));
    tact_session_destroy(&sh.s);
    tact_graph_destroy(&g);
    free((void *) sh.seen);
    char extra[64];
    snprintf(extra, sizeof extra, "rounds %d, updates %ld", rounds, total);
    return stress_finish(&t, N_THREADS, extra);
}
