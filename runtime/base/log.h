/* SPDX-License-Identifier: MIT */
/* Internal entry point of the logging facility (include/tact/log.h). */
#ifndef TACT_RUNTIME_LOG_H
#define TACT_RUNTIME_LOG_H

#include "runtime/base/prelude.h"

/* Format and deliver one message if `level` passes the threshold. Thread-safe. */
void tact__log(tact_log_level_t level, const char *fmt, ...) TACT__PRINTF(2, 3);

#endif
