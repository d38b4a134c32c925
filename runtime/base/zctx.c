/* SPDX-License-Identifier: MIT */
/* Refcounted process-wide ZeroMQ context: created with the first session, terminated after the
 * last one has joined its actors and closed its sockets. */
#include "runtime/base/zctx.h"

#include <zmq.h>

static pthread_mutex_t zctx_lock = PTHREAD_MUTEX_INITIALIZER;
static void *zctx;
static int zctx_refs;

void *tact__zctx_acquire(void)
{
    pthread_mutex_lock(&zctx_lock);
    if (zctx_refs++ == 0) {
        zctx = zmq_ctx_new();
        TACT_ASSERT(zctx != NULL);
        /* inproc needs no I/O thread; without one, no thread outlives the last session. */
        zmq_ctx_set(zctx, ZMQ_IO_THREADS, 0);
    }
    void *ctx = zctx;
    pthread_mutex_unlock(&zctx_lock);
    return ctx;
}

void tact__zctx_release(void)
{
    pthread_mutex_lock(&zctx_lock);
    TACT_ASSERT(zctx_refs > 0);
    if (--zctx_refs == 0) {
        zmq_ctx_term(zctx);
        zctx = NULL;
    }
    pthread_mutex_unlock(&zctx_lock);
}
