/* SPDX-License-Identifier: MIT */
/* A thread-per-worker server sketch: one graph built once, one session shared by every
 * worker. Default sessions are per thread, so each worker makes the shared session its own
 * default for as long as it runs, then serves requests from a bounded queue with tact_eval.
 *
 *     g = tf.Graph()
 *     with g.as_default():
 *         x = tf.placeholder(tf.float32, shape=[], name='x')
 *         y = x * 2 + 1
 *     sess = tf.Session(graph=g)
 *     requests = queue.Queue(maxsize=8)
 *     answers = [None] * 100
 *     def worker():
 *         with sess.as_default():            # this thread's own default-session stack
 *             while True:
 *                 i = requests.get()
 *                 if i is None:
 *                     return
 *                 answers[i] = y.eval(feed_dict={x: float(i)})
 *     workers = [threading.Thread(target=worker) for _ in range(4)]
 *     for w in workers: w.start()
 *     for i in range(100): requests.put(i)
 *     for w in workers: requests.put(None)
 *     for w in workers: w.join()
 *     print('served %d requests, checksum %d' % (len(answers), sum(answers)))
 *     # served 100 requests, checksum 10000
 */
#include <math.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>

#include <tact/scope.h>
#include <tact/tact.h>

#define WORKERS    4
#define REQUESTS   100
#define QUEUE_CAP  8
#define STOP       (-1)  /* the sentinel: one per worker */

/* A bounded blocking queue of request ids. */
typedef struct queue {
    pthread_mutex_t lock;
    pthread_cond_t not_empty, not_full;
    int items[QUEUE_CAP];
    int head, count;
} queue_t;

static void queue_put(queue_t *q, int id)
{
    pthread_mutex_lock(&q->lock);
    while (q->count == QUEUE_CAP)
        pthread_cond_wait(&q->not_full, &q->lock);
    q->items[(q->head + q->count++) % QUEUE_CAP] = id;
    pthread_cond_signal(&q->not_empty);
    pthread_mutex_unlock(&q->lock);
}

static int queue_get(queue_t *q)
{
    pthread_mutex_lock(&q->lock);
    while (q->count == 0)
        pthread_cond_wait(&q->not_empty, &q->lock);
    int id = q->items[q->head];
    q->head = (q->head + 1) % QUEUE_CAP;
    q->count--;
    pthread_cond_signal(&q->not_full);
    pthread_mutex_unlock(&q->lock);
    return id;
}

typedef struct server {
    tact_session_t *session;  /* shared by every worker */
    tact_output_t x, y;
    queue_t requests;
    float answers[REQUESTS];  /* each slot written by the one worker that served it */
    atomic_int served, failed;
} server_t;

static void *worker(void *arg)
{
    server_t *srv = arg;
    TACT_DEFAULT_SESSION_SCOPE(srv->session);  /* popped when the worker returns */
    for (int id; (id = queue_get(&srv->requests)) != STOP;) {
        tact_status_t st = TACT_STATUS_INIT;
        float xv = (float) id;
        tact_auto(tensor) x = tact_tensor_new(TACT_DTYPE_F32, NULL, 0, &xv, &st);
        tact_feed_t feed = { srv->x, x };
        tact_auto(tensor) y = tact_eval(srv->y, &feed, 1, NULL, &st);  /* default session */
        if (y == NULL) {
            fprintf(stderr, "request %d: %s: %s\n", id, tact_code_name(st.code), st.msg);
            atomic_fetch_add(&srv->failed, 1);
            continue;
        }
        srv->answers[id] = *(const float *) tact_tensor_data(y);
        atomic_fetch_add(&srv->served, 1);
    }
    return NULL;
}

/* A scalar float constant in g. */
static tact_output_t scalar(tact_graph_t *g, float v, tact_status_t *st)
{
    tact_auto(tensor) t = tact_tensor_new(TACT_DTYPE_F32, NULL, 0, &v, st);
    return tact_constant(g, t, NULL, st);
}

int main(void)
{
    static server_t srv = {
        .requests = { PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER,
                      PTHREAD_COND_INITIALIZER, { 0 }, 0, 0 },
    };
    tact_status_t st = TACT_STATUS_INIT;

    /* The graph, built once: y = x * 2 + 1. */
    tact_auto(graph) g = tact_graph_new();
    srv.x = tact_placeholder(g, TACT_DTYPE_F32, NULL, 0, "x", &st);
    srv.y = tact_add(g, tact_multiply(g, srv.x, scalar(g, 2, &st), NULL, &st), scalar(g, 1, &st),
                     "y", &st);
    tact_auto(session) sess = tact_session_new(NULL, g, NULL, &st);
    if (st.code != TACT_CODE_OK) {
        fprintf(stderr, "tact: %s: %s\n", tact_code_name(st.code), st.msg);
        return 1;
    }
    srv.session = sess;

    pthread_t threads[WORKERS];
    for (int i = 0; i < WORKERS; i++)
        pthread_create(&threads[i], NULL, worker, &srv);
    for (int id = 0; id < REQUESTS; id++)
        queue_put(&srv.requests, id);
    for (int i = 0; i < WORKERS; i++)
        queue_put(&srv.requests, STOP);
    for (int i = 0; i < WORKERS; i++)
        pthread_join(threads[i], NULL);

    /* Which worker served which request varies; the answers do not. */
    double checksum = 0;
    for (int id = 0; id < REQUESTS; id++)
        checksum += srv.answers[id];
    printf("served %d requests, checksum %.0f\n", atomic_load(&srv.served), checksum);
    return atomic_load(&srv.failed) == 0 ? 0 : 1;
}
