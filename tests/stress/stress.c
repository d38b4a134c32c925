/* SPDX-License-Identifier: MIT */
/* The stress harness (stress.h). */
#include "tests/stress/stress.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static int64_t stress_now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t) ts.tv_sec * 1000000000 + ts.tv_nsec;
}

void stress_init(stress_t *t, const char *name, int argc, char **argv, double short_seconds)
{
    memset(t, 0, sizeof *t);
    t->name = name;
    t->seconds = short_seconds;
    t->seed = 20240601;
    const char *e = getenv("TACT_STRESS_SECONDS");
    if (e != NULL && *e != '\0')
        t->seconds = atof(e);
    e = getenv("TACT_STRESS_SEED");
    if (e != NULL && *e != '\0')
        t->seed = strtoull(e, NULL, 0);
    for (int i = 1; i + 1 < argc; i += 2) {
        if (strcmp(argv[i], "--seconds") == 0)
            t->seconds = atof(argv[i + 1]);
        else if (strcmp(argv[i], "--seed") == 0)
            t->seed = strtoull(argv[i + 1], NULL, 0);
    }
    t->t0_ns = stress_now_ns();
    printf("%s: %.1f s, seed %llu\n", name, t->seconds, (unsigned long long) t->seed);
    fflush(stdout);
}

double stress_elapsed(const stress_t *t)
{
    return (double) (stress_now_ns() - t->t0_ns) / 1e9;
}

bool stress_running(const stress_t *t)
{
    return stress_elapsed(t) < t->seconds && atomic_load(&((stress_t *) t)->failures) == 0;
}

uint64_t stress_rand(uint64_t *state)
{
    uint64_t z = (*state += 0x9E3779B97F4A7C15u);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9u;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBu;
    return z ^ (z >> 31);
}

long stress_rss_kib(void)
{
    FILE *f = fopen("/proc/self/statm", "r");
    long size = 0, resident = 0;
    if (f == NULL)
        return -1;
    if (fscanf(f, "%ld %ld", &size, &resident) != 2)
        resident = -1;
    fclose(f);
    return resident < 0 ? -1 : resident * (sysconf(_SC_PAGESIZE) / 1024);
}

void stress_fail(stress_t *t, const char *file, int line, const char *fmt, ...)
{
    /* The first few failures are enough to diagnose; the count says how many there were. */
    if (atomic_fetch_add(&t->failures, 1) >= 10)
        return;
    char msg[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    fprintf(stderr, "%s: FAILED at %s:%d: %s\n", t->name, file, line, msg);
}

int stress_finish(stress_t *t, int threads, const char *extra)
{
    int failures = atomic_load(&t->failures);
    printf("%s: threads %d, runs %ld, %.1f s%s%s: %s\n", t->name, threads,
           atomic_load(&t->runs), stress_elapsed(t), extra ? ", " : "", extra ? extra : "",
           failures ? "FAILED" : "OK");
    if (failures)
        printf("%s: %d check(s) failed\n", t->name, failures);
    return failures ? 1 : 0;
}
