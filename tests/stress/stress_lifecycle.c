/* SPDX-License-Identifier: MIT */
/* Session lifecycles in a loop, with the process's RSS sampled from /proc/self/statm: each
 * iteration makes a graph, sessions (both executors, one or two CPUs), an interactive
 * session, runs them, leaves defaults pushed on a thread that exits, closes some sessions
 * before destroying them and destroys the rest directly. After a warm-up the RSS may not grow
 * beyond a generous bound (TACT_STRESS_RSS_KIB, default 32 MiB): anything a lifecycle leaks
 * grows with the iteration count. Sanitized builds report the growth without the bound (their
 * allocators keep freed memory), and find leaks themselves. */
#include <pthread.h>
#include <stdlib.h>

#include "tests/stress/stress.h"

typedef struct pusher {
    tact_session_t *s;
    tact_graph_t *g;
} pusher_t;

/* Push defaults and exit without popping: the thread's exit must release them. */
static void *pusher_main(void *p)
{
    pusher_t *u = p;
    tact_graph_push_default(u->g);
    tact_session_push_default(u->s);
    return NULL;
}

static void one_lifecycle(stress_t *t, long i)
{
    tact_status_t st = TACT_STATUS_INIT;
    tact_graph_t *g = tact_graph_new();
    float a[4] = { 1, 2, 3, 4 };
    tact_tensor_t *av = tact_tensor_new(TACT_DTYPE_F32, (int64_t[]) { 2, 2 }, 2, a, &st);
    tact_output_t c = tact_constant(g, av, "a", &st);
    tact_output_t y = tact_matmul(g, c, c, false, false, "y", &st);
    tact_op_t *q = tact_fifo_queue(g, 4, (tact_dtype_t[]) { TACT_DTYPE_F32 }, 1, NULL, NULL, "q",
                                   &st);
    tact_op_t *enq = tact_queue_enqueue(g, q, &y, 1, NULL, &st);
    tact_tensor_destroy(&av);
    tact_config_t configs[3] = { { 0 }, { .executor = TACT_EXECUTOR_ACTORS },
                                 { .device_count.cpu = 2 } };
    tact_session_t *s = tact_session_new(NULL, g, &configs[i % 3], &st);
    STRESS_CHECK(t, st.code == TACT_CODE_OK, "session: %s", st.msg);
    if (s == NULL) {
        tact_graph_destroy(&g);
        return;
    }
    tact_tensor_t *r = NULL;
    tact_session_run(s, &y, 1, &r, NULL, 0, &enq, 1, &st);
    atomic_fetch_add(&t->runs, 1);
    STRESS_CHECK(t, st.code == TACT_CODE_OK && ((float *) tact_tensor_data(r))[3] == 22.0f,
                 "matmul: %s", st.msg);
    tact_tensor_destroy(&r);

    pusher_t u = { s, g };
    pthread_t th;
    pthread_create(&th, NULL, pusher_main, &u);
    pthread_join(th, NULL);

    tact_session_t *inter = tact_interactive_session_new(NULL, g, NULL, &st);
    STRESS_CHECK(t, inter != NULL, "interactive: %s", st.msg);
    if (inter != NULL) {
        r = tact_eval(y, NULL, 0, NULL, &st);  /* on the interactive default */
        atomic_fetch_add(&t->runs, 1);
        STRESS_CHECK(t, st.code == TACT_CODE_OK, "eval: %s", st.msg);
        tact_tensor_destroy(&r);
        tact_session_close(inter, &st);
        tact_session_destroy(&inter);
    }
    if (i % 2)
        tact_session_close(s, &st);
    STRESS_CHECK(t, st.code == TACT_CODE_OK, "close: %s", st.msg);
    tact_session_destroy(&s);
    tact_graph_destroy(&g);
}

int main(int argc, char **argv)
{
    stress_t t;
    stress_init(&t, "stress_lifecycle", argc, argv, 3.0);
    const char *e = getenv("TACT_STRESS_RSS_KIB");
    long bound = e && atol(e) > 0 ? atol(e) : 32 * 1024;
    long i = 0, warm = -1, peak = 0;
    double warm_until = t.seconds * 0.2 < 1.0 ? t.seconds * 0.2 : 1.0;
    do {
        one_lifecycle(&t, i++);
        if (warm < 0 && stress_elapsed(&t) >= warm_until && i >= 20)
            warm = stress_rss_kib();
        long now = stress_rss_kib();
        peak = now > peak ? now : peak;
    } while (stress_running(&t) || i < 40);
    long end = stress_rss_kib();
    if (warm < 0)
        warm = end;
    long growth = end - warm;
    if (!STRESS_SANITIZED)
        STRESS_CHECK(&t, growth <= bound, "RSS grew %ld KiB after warm-up (bound %ld KiB)",
                     growth, bound);
    char extra[160];
    snprintf(extra, sizeof extra, "lifecycles %ld, RSS %ld KiB after warm-up, %ld KiB at end "
             "(growth %ld KiB, peak %ld KiB)%s", i, warm, end, growth, peak,
             STRESS_SANITIZED ? ", bound not applied (sanitizer)" : "");
    return stress_finish(&t, 2, extra);
}
