/* SPDX-License-Identifier: MIT */
/* Internal prelude: the system headers, assertions, allocation and status helpers that every
 * tact source file uses. System headers are included here and in the public headers only. */
#ifndef TACT_RUNTIME_PRELUDE_H
#define TACT_RUNTIME_PRELUDE_H

#ifndef _GNU_SOURCE
#  define _GNU_SOURCE
#endif

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <math.h>
#include <poll.h>
#include <pthread.h>
#include <semaphore.h>
#include <signal.h>
#include <stdalign.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <tact/tact.h>

/* Programmer errors abort, always (also in release builds), naming file, line and expression. */
#define TACT_ASSERT(expr)                                                                  \
    do {                                                                                   \
        if (!(expr))                                                                       \
            tact__assert_fail(__FILE__, __LINE__, #expr);                                  \
    } while (0)

#define TACT_UNUSED(x) ((void) (x))

#if defined(__GNUC__)
#  define TACT__PRINTF(fmt, args) __attribute__((format(printf, fmt, args)))
#  define TACT__NORETURN          __attribute__((noreturn))
#  define TACT__NOINLINE          __attribute__((noinline))  /* keep cold paths off the hot one */
#  define TACT_LIKELY(x)          __builtin_expect(!!(x), 1)
#  define TACT_UNLIKELY(x)        __builtin_expect(!!(x), 0)
#else
#  define TACT__PRINTF(fmt, args)
#  define TACT__NORETURN
#  define TACT__NOINLINE
#  define TACT_LIKELY(x)   (x)
#  define TACT_UNLIKELY(x) (x)
#endif

/* Type tags: the first word of every public opaque struct, checked at the API boundary, so a
 * use after destroy is caught where it happens. */
#define TACT_TAG_TENSOR  0x54656e73u /* "Tens" */
#define TACT_TAG_GRAPH   0x47726170u /* "Grap" */
#define TACT_TAG_OP      0x4f706572u /* "Oper" */
#define TACT_TAG_SESSION 0x53657373u /* "Sess" */
#define TACT_TAG_CALLABLE 0x43616c6cu /* "Call" */
#define TACT_TAG_DEAD    0xdeaddeadu

TACT__NORETURN void tact__assert_fail(const char *file, int line, const char *expr);

/* Host allocation: zeroed, and a failure aborts (host OOM is not a recoverable status). */
void *tact__malloc(size_t n);
void *tact__realloc(void *p, size_t n);
char *tact__strdup(const char *s);
/* A new string formatted as by printf, of whatever length (names have no size limit). */
char *tact__asprintf(const char *fmt, ...) TACT__PRINTF(1, 2);
/* The array `arr` of *cap elements of `size` bytes, grown (doubling) and zero-filled until
 * `index` fits; *cap updated. Returns the array, perhaps moved. */
void *tact__grow_zeroed(void *arr, int *cap, int index, size_t size);
/* 64-byte aligned, not zeroed; free with free(). */
void *tact__aligned_alloc(size_t n);

/* True when `st` already holds an error (the sticky-status early return). */
static inline bool tact__failed(const tact_status_t *st)
{
    return st != NULL && st->code != TACT_CODE_OK;
}

/* TACT_STATUS_INIT without writing the whole message buffer: for statuses on a hot path. */
static inline void tact__status_clear(tact_status_t *st)
{
    st->code = TACT_CODE_OK;
    st->msg[0] = '\0';
}

/* Record the first error: formats into `st` only while it is OK, then returns `code`. */
tact_code_t tact__fail(tact_status_t *st, tact_code_t code, const char *fmt, ...)
    TACT__PRINTF(3, 4);

/* vsnprintf into buf[len], except that a message too long for it is cut after its last whole
 * word and ends with "…" (UTF-8). Returns buf. */
char *tact__msg_vformat(char *buf, size_t len, const char *fmt, va_list ap) TACT__PRINTF(3, 0);

/* Append to the message of a status that holds an error, cut as tact__msg_vformat cuts. */
void tact__status_append(tact_status_t *st, const char *fmt, ...) TACT__PRINTF(2, 3);

/* TensorFlow's code for a failed file operation's errno (its ErrnoToCode): NOT_FOUND for a
 * missing file or folder, PERMISSION_DENIED, FAILED_PRECONDITION for a directory where a file
 * was expected, ALREADY_EXISTS, INVALID_ARGUMENT, RESOURCE_EXHAUSTED for a full disk or no
 * descriptors, OUT_OF_RANGE for a file too large; else UNKNOWN. */
tact_code_t tact__code_from_errno(int err);

/* Copy `from` into `to` when `to` is still OK and `from` is an error. Returns to's code. */
tact_code_t tact__status_merge(tact_status_t *to, const tact_status_t *from);

/* Monotonic clock in nanoseconds. */
static inline int64_t tact__now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t) ts.tv_sec * 1000000000 + ts.tv_nsec;
}

#endif
