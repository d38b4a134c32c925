/* SPDX-License-Identifier: MIT */
/* The stress programs' shared harness: run length (short for CI, long for soaks), a seeded
 * random stream, checks that count failures instead of aborting, the process's RSS, and the
 * summary line scripts/soak.sh collects. Plain C: each program returns non-zero on failure. */
#ifndef TACT_TESTS_STRESS_STRESS_H
#define TACT_TESTS_STRESS_STRESS_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include <tact/tact.h>

typedef struct stress {
    const char *name;
    double seconds;               /* TACT_STRESS_SECONDS, else the program's short default */
    uint64_t seed;                /* TACT_STRESS_SEED, else a fixed one */
    int64_t t0_ns;
    atomic_long runs;             /* runs made, for the summary */
    atomic_int failures;
} stress_t;

/* Read the environment (and "--seconds N" / "--seed N" arguments) and start the clock. */
void stress_init(stress_t *t, const char *name, int argc, char **argv, double short_seconds);
/* True while the run length is not used up. */
bool stress_running(const stress_t *t);
double stress_elapsed(const stress_t *t);
/* splitmix64 step; `state` is per thread (seed it from t->seed and the thread's number). */
uint64_t stress_rand(uint64_t *state);
/* Resident set size of this process in KiB, from /proc/self/statm. */
long stress_rss_kib(void);
/* Print the summary line and return the exit code (0 when no check failed). `extra` is
 * appended to the line (NULL: nothing). */
int stress_finish(stress_t *t, int threads, const char *extra);

void stress_fail(stress_t *t, const char *file, int line, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* Count a failure with its place and reason; go on (the other threads must still be joined). */
#define STRESS_CHECK(t, cond, ...)                                    \
    do {                                                              \
        if (!(cond))                                                  \
            stress_fail((t), __FILE__, __LINE__, __VA_ARGS__);        \
    } while (0)

/* Sanitizers keep freed memory in quarantine and shadow: RSS bounds do not apply there. */
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
#  define STRESS_SANITIZED 1
#elif defined(__has_feature)
#  if __has_feature(address_sanitizer) || __has_feature(thread_sanitizer)
#    define STRESS_SANITIZED 1
#  endif
#endif
#ifndef STRESS_SANITIZED
#  define STRESS_SANITIZED 0
#endif

#endif
