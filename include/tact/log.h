/* SPDX-License-Identifier: MIT */
/** @file
 * tact's one logging facility: warnings, placement lines and other notes go to stderr by
 * default, or to a callback the program installs (a server wants them in its own log). */
#ifndef TACT_LOG_H
#define TACT_LOG_H

#include <tact/export.h>

TACT_BEGIN_DECLS

#define TACT_LOG_LEVEL_MAP(XX) \
    XX(DEBUG,   0, "D")        \
    XX(INFO,    1, "I")        \
    XX(WARNING, 2, "W")        \
    XX(ERROR,   3, "E")

typedef enum {
#define XX(name, num, letter) TACT_LOG_##name = num,
    TACT_LOG_LEVEL_MAP(XX)
#undef XX
    TACT_LOG_LEVEL_COUNT
} tact_log_level_t;

/** Receives each message at or above the threshold: its level and the text (no trailing
 * newline; borrowed, valid during the call). Called on whichever thread logs, possibly several
 * at once, so it must be thread-safe. */
typedef void (*tact_log_fn)(tact_log_level_t level, const char *msg, void *user);

/** Send messages to `fn` (with `user`) instead of stderr; NULL restores stderr. Thread-safe,
 * but a message being delivered on another thread when the sink changes may still reach the
 * old callback: keep its `user` data alive while tact may be logging (for the life of the
 * program, in practice). */
TACT_API void tact_log_set_callback(tact_log_fn fn, void *user);

/** @{ */
/** Drop messages below `level`. Thread-safe. The default is TACT_LOG_INFO, or what the
 * environment asks for when the first message is logged: TACT_LOG_LEVEL (DEBUG, INFO, WARNING,
 * ERROR, or 0-3), else TensorFlow's TF_CPP_MIN_LOG_LEVEL (0: everything from INFO up, 1: from
 * WARNING, 2: ERROR only, 3: nothing). A call here overrides the environment. tact_log_level()
 * reports TACT_LOG_LEVEL_COUNT when everything is dropped. */
TACT_API void tact_log_set_level(tact_log_level_t level);
TACT_API tact_log_level_t tact_log_level(void);
/** @} */

/** "DEBUG", "INFO", "WARNING", "ERROR"; "?" outside the map. */
TACT_API const char *tact_log_level_name(tact_log_level_t level);

TACT_END_DECLS

#endif
