/* SPDX-License-Identifier: MIT */
/* The CPU device's intra-op workers (devices/cpu/intra_pool.c): every part of a call runs
 * once, part 0 on the caller and the others on other threads; callers that find the workers
 * held run every part themselves; a call after the workers fell asleep wakes them. On a
 * machine where OpenBLAS uses one thread the cases that need a second one say so and stop. */
#include "devices/cpu/cpu.h"
#include "devices/cpu/intra_pool.h"

#include <setjmp.h>
#include <cmocka.h>
#include <pthread.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "tests/helpers.h"

#define MAX_PARTS 64

typedef struct {
    atomic_int runs[MAX_PARTS];
    pthread_t who[MAX_PARTS];
    int n_parts_seen[MAX_PARTS];
} record_t;

static void record_part(void *arg, int part, int n_parts)
{
    record_t *r = arg;
    atomic_fetch_add(&r->runs[part], 1);
    r->who[part] = pthread_self();
    r->n_parts_seen[part] = n_parts;
}

/* Skip (with the reason) where no second thread may run a part. */
static int width_or_skip(void)
{
    int width = tact__cpu_intra_width();
    assert_int_equal(width, tact__cpu_blas_threads() < 1 ? 1 : tact__cpu_blas_threads());
    if (width < 2) {
        print_message("OpenBLAS uses one thread here: a call's parts all run on the caller\n");
        skip();
    }
    return width;
}

static void test_each_part_runs_once(void **state)
{
    (void) state;
    int width = tact__cpu_intra_width();
    for (int n = 1; n <= width; n++) {
        record_t r = { 0 };
        unsigned long before = tact__cpu_intra_parallel_calls();
        tact__cpu_intra_run(n, record_part, &r);
        for (int i = 0; i < MAX_PARTS; i++)
            assert_int_equal(atomic_load(&r.runs[i]), i < n ? 1 : 0);
        for (int i = 0; i < n; i++)
            assert_int_equal(r.n_parts_seen[i], n);
        assert_true(pthread_equal(r.who[0], pthread_self()));
        for (int i = 1; i < n; i++)  /* no other caller: the workers ran them */
            assert_false(pthread_equal(r.who[i], pthread_self()));
        assert_int_equal(tact__cpu_intra_parallel_calls() - before, n > 1 ? 1 : 0);
    }
}

/* Workers asleep (well past their spin) are woken by the next call, every time. */
static void test_call_wakes_sleeping_workers(void **state)
{
    (void) state;
    int width = width_or_skip();
    for (int round = 0; round < 5; round++) {
        nanosleep(&(struct timespec) { .tv_nsec = 5 * 1000 * 1000 }, NULL);
        record_t r = { 0 };
        tact__cpu_intra_run(width, record_part, &r);
        for (int i = 0; i < width; i++)
            assert_int_equal(atomic_load(&r.runs[i]), 1);
    }
}

typedef struct {
    int width;
    int calls;
    int bad;
    int on_caller_only;  /* calls that found the workers held */
} caller_t;

static void sum_part(void *arg, int part, int n_parts)
{
    long *sums = arg;
    (void) n_parts;
    sums[part] += part + 1;  /* each part its own slot: no two threads write one */
}

static void *caller_main(void *arg)
{
    caller_t *c = arg;
    for (int i = 0; i < c->calls; i++) {
        record_t r = { 0 };
        tact__cpu_intra_run(c->width, record_part, &r);
        bool all_here = true;
        for (int p = 0; p < c->width; p++) {
            c->bad += atomic_load(&r.runs[p]) != 1;
            all_here = all_here && pthread_equal(r.who[p], pthread_self());
        }
        c->on_caller_only += all_here;
    }
    long sums[MAX_PARTS] = { 0 };
    for (int i = 0; i < 100; i++)
        tact__cpu_intra_run(c->width, sum_part, sums);
    for (int p = 0; p < c->width; p++)
        c->bad += sums[p] != 100L * (p + 1);
    return NULL;
}

/* Four threads calling at once: each call gets every part run once, whether the workers or
 * the caller alone ran them, and none waits for another's call to end. */
static void test_concurrent_callers(void **state)
{
    (void) state;
    int width = width_or_skip();
    enum { THREADS = 4 };
    caller_t callers[THREADS];
    pthread_t th[THREADS];
    unsigned long before = tact__cpu_intra_parallel_calls();
    for (int i = 0; i < THREADS; i++) {
        callers[i] = (caller_t) { .width = width, .calls = 2000 };
        assert_int_equal(pthread_create(&th[i], NULL, caller_main, &callers[i]), 0);
    }
    int on_caller_only = 0;
    for (int i = 0; i < THREADS; i++) {
        pthread_join(th[i], NULL);
        assert_int_equal(callers[i].bad, 0);
        on_caller_only += callers[i].on_caller_only;
    }
    /* Each of the 8000 recorded calls either held the workers (counted as parallel) or ran
     * all its parts on its caller; the 400 summing calls may be either. */
    long parallel = (long) (tact__cpu_intra_parallel_calls() - before);
    assert_true(parallel >= THREADS * 2000L - on_caller_only);
    assert_true(parallel <= THREADS * 2100L - on_caller_only);
}

/* A child of fork() has none of its parent's workers: its calls run every part itself (they
 * would otherwise wait forever for threads that were not copied). */
static void test_child_of_fork_runs_alone(void **state)
{
    (void) state;
    int width = width_or_skip();
    record_t warm = { 0 };
    tact__cpu_intra_run(width, record_part, &warm);  /* the workers exist */
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        alarm(20);  /* a hang ends the child with SIGALRM, which the parent sees */
        record_t r = { 0 };
        tact__cpu_intra_run(width, record_part, &r);
        int bad = 0;
        for (int i = 0; i < width; i++)
            bad += atomic_load(&r.runs[i]) != 1 || !pthread_equal(r.who[i], pthread_self());
        _exit(bad == 0 ? 0 : 1);
    }
    int status = 0;
    assert_int_equal(waitpid(pid, &status, 0), pid);
    assert_true(WIFEXITED(status));
    assert_int_equal(WEXITSTATUS(status), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_each_part_runs_once),
        cmocka_unit_test(test_call_wakes_sleeping_workers),
        cmocka_unit_test(test_concurrent_callers),
        cmocka_unit_test(test_child_of_fork_runs_alone),
    };
    return cmocka_run_group_tests_name("intra_pool", tests, NULL, NULL);
}
