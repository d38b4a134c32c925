/* SPDX-License-Identifier: MIT */
/** @file
 * Status codes (TensorFlow's canonical set, same numbers) and the status value struct. */
#ifndef TACT_STATUS_H
#define TACT_STATUS_H

#include <tact/export.h>

TACT_BEGIN_DECLS

/** ------------------------------------------------------------------------------------------ */
/** Codes                                                                                      */
/** ------------------------------------------------------------------------------------------ */

#define TACT_CODE_MAP(XX)                                  \
    XX(OK,                   0, "ok")                      \
    XX(CANCELLED,            1, "cancelled")               \
    XX(UNKNOWN,              2, "unknown")                 \
    XX(INVALID_ARGUMENT,     3, "invalid argument")        \
    XX(DEADLINE_EXCEEDED,    4, "deadline exceeded")       \
    XX(NOT_FOUND,            5, "not found")               \
    XX(ALREADY_EXISTS,       6, "already exists")          \
    XX(PERMISSION_DENIED,    7, "permission denied")       \
    XX(RESOURCE_EXHAUSTED,   8, "resource exhausted")      \
    XX(FAILED_PRECONDITION,  9, "failed precondition")     \
    XX(ABORTED,             10, "aborted")                 \
    XX(OUT_OF_RANGE,        11, "out of range")            \
    XX(UNIMPLEMENTED,       12, "unimplemented")           \
    XX(INTERNAL,            13, "internal")                \
    XX(UNAVAILABLE,         14, "unavailable")             \
    XX(DATA_LOSS,           15, "data loss")               \
    XX(UNAUTHENTICATED,     16, "unauthenticated")

/** The same numbers as TensorFlow's canonical error codes. */
typedef enum {
#define XX(name, num, text) TACT_CODE_##name = num,
    TACT_CODE_MAP(XX)
#undef XX
    TACT_CODE_COUNT
} tact_code_t;

/** ------------------------------------------------------------------------------------------ */
/** Status                                                                                     */
/** ------------------------------------------------------------------------------------------ */

/** Plain data. Put one on the stack, initialise it with TACT_STATUS_INIT and pass its address
 * as the last argument of any call. tact fills it only while its code is still OK, so after a
 * chain of calls it holds the first failure; a call handed a status that already holds an
 * error returns at once. */
typedef struct tact_status {
    tact_code_t code;
    char msg[1024];  /* room for TensorFlow's placement errors, which list devices; a longer
                      * message is cut at a word and ends with "…" */
} tact_status_t;

#define TACT_STATUS_INIT { TACT_CODE_OK, "" }

/** Static string such as "invalid argument" ("unknown code" outside the map). Never NULL. */
TACT_API const char *tact_code_name(tact_code_t code);

TACT_END_DECLS

#endif
