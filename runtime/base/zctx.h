/* SPDX-License-Identifier: MIT */
/* The one ZeroMQ context of the process. inproc endpoints only connect sockets of the same
 * context, so every actor and session socket comes from here. */
#ifndef TACT_RUNTIME_ZCTX_H
#define TACT_RUNTIME_ZCTX_H

#include "runtime/base/prelude.h"

/* Take a reference to the context, creating it on first use. Thread-safe. */
void *tact__zctx_acquire(void);
/* Drop a reference; the last one terminates the context, so every socket made from it must be
 * closed first (zmq_ctx_term would block otherwise). */
void tact__zctx_release(void);

#endif
