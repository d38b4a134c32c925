/* SPDX-License-Identifier: MIT */
/* Actors and the mailbox protocol: the READY handshake, a failing open, exactly one reply per
 * request, TERM last, many senders at once, and device pools driving the CPU device.
 *
 * The simplest actor:
 *     tact_actor_t *a = tact__actor_new(&ops, arg, &st);   // READY received
 *     tact__actor_send(a, &msg); tact__completion_wait(msg.done, 0);
 *     tact__actor_destroy(&a);                             // TERM + join
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "actors/device_actor.h"
#include "devices/cpu/cpu.h"
#include "runtime/exec/plan.h"
#include "runtime/state/resources.h"
#include "tests/helpers.h"

typedef struct echo {
    int opened, closed;
    _Atomic int handled;
    bool fail_open;
    pthread_t thread;             /* the actor's own thread, seen from open() */
    bool same_thread;             /* every handle() ran on that thread */
} echo_t;

static tact_code_t echo_open(void *arg, tact_status_t *st)
{
    echo_t *e = arg;
    e->opened++;
    e->thread = pthread_self();
    e->same_thread = true;
    if (e->fail_open)
        return tact__fail(st, TACT_CODE_UNAVAILABLE, "echo: no such device");
    return TACT_CODE_OK;
}

static void echo_handle(void *arg, tact_msg_t *m)
{
    echo_t *e = arg;
    if (!pthread_equal(e->thread, pthread_self()))
        e->same_thread = false;
    atomic_fetch_add(&e->handled, 1);
    if (m->cmd == TACT_CMD_SYNC && m->seq % 7 == 0)
        tact__fail(m->status, TACT_CODE_ABORTED, "echo: seq %u", m->seq);
}

static void echo_close(void *arg)
{
    ((echo_t *) arg)->closed++;
}

static const tact_actor_ops_t echo_ops = { echo_open, echo_handle, echo_close };

static void test_ready_and_term(void **state)
{
    (void) state;
    echo_t e = { 0 };
    tact_status_t st = TACT_STATUS_INIT;
    tact_actor_t *a = tact__actor_new(&echo_ops, &e, &st);
    assert_non_null(a);
    assert_int_equal(st.code, TACT_CODE_OK);
    assert_int_equal(e.opened, 1);  /* open ran before READY came back */
    assert_int_equal(tact__actor_load(a), 0);
    tact__actor_destroy(&a);
    assert_null(a);
    assert_int_equal(e.closed, 1);  /* close ran after TERM, before the join returned */
    assert_int_equal(atomic_load(&e.handled), 0);  /* TERM is not handed to handle() */
    tact__actor_destroy(&a);        /* NULL-safe */
}

static void test_failing_open_is_the_ready_status(void **state)
{
    (void) state;
    echo_t e = { .fail_open = true };
    tact_status_t st = TACT_STATUS_INIT;
    assert_null(tact__actor_new(&echo_ops, &e, &st));
    assert_int_equal(st.code, TACT_CODE_UNAVAILABLE);
    assert_string_equal(st.msg, "echo: no such device");
    assert_int_equal(e.closed, 0);  /* never opened, never closed */
}

static void test_one_reply_per_request(void **state)
{
    (void) state;
    echo_t e = { 0 };
    tact_status_t st = TACT_STATUS_INIT;
    tact_actor_t *a = tact__actor_new(&echo_ops, &e, &st);
    enum { N = 100 };
    tact_status_t replies[N];
    tact_msg_t msgs[N];
    tact_completion_t done;
    tact__completion_init(&done, N);
    for (int i = 0; i < N; i++) {
        replies[i] = (tact_status_t) TACT_STATUS_INIT;
        msgs[i] = (tact_msg_t) { .cmd = TACT_CMD_SYNC, .status = &replies[i], .done = &done };
        assert_int_equal(tact__actor_send(a, &msgs[i]), 0);
        assert_int_equal(msgs[i].seq, (uint32_t) i + 1);  /* requests are numbered from 1 */
    }
    tact__completion_wait(&done, 0);
    assert_int_equal(atomic_load(&done.pending), 0);
    assert_int_equal(atomic_load(&e.handled), N);
    for (int i = 0; i < N; i++) {
        /* Each reply landed in its own request's status. */
        assert_int_equal(replies[i].code, (i + 1) % 7 == 0 ? TACT_CODE_ABORTED : TACT_CODE_OK);
    }
    assert_true(e.same_thread);
    assert_int_equal(tact__actor_load(a), 0);
    tact__actor_destroy(&a);
}

typedef struct sender {
    tact_actor_t *a;
    int ok;
} sender_t;

static void *sender_main(void *p)
{
    sender_t *s = p;
    for (int i = 0; i < 200; i++) {
        tact_status_t st = TACT_STATUS_INIT;
        tact_completion_t done;
        tact__completion_init(&done, 1);
        tact_msg_t m = { .cmd = TACT_CMD_RUN, .status = &st, .done = &done };
        if (tact__actor_send(s->a, &m) == 0) {
            tact__completion_wait(&done, i % 2 ? 0 : 100000);
            s->ok++;
        }
    }
    return NULL;
}

static void test_many_senders(void **state)
{
    (void) state;
    echo_t e = { 0 };
    tact_status_t st = TACT_STATUS_INIT;
    tact_actor_t *a = tact__actor_new(&echo_ops, &e, &st);
    pthread_t th[4];
    sender_t s[4];
    for (int i = 0; i < 4; i++) {
        s[i] = (sender_t) { .a = a };
        pthread_create(&th[i], NULL, sender_main, &s[i]);
    }
    for (int i = 0; i < 4; i++) {
        pthread_join(th[i], NULL);
        assert_int_equal(s[i].ok, 200);
    }
    assert_int_equal(atomic_load(&e.handled), 800);
    assert_true(e.same_thread);
    tact__actor_destroy(&a);
}

static void test_cmd_names(void **state)
{
    (void) state;
    assert_string_equal(tact__cmd_name(TACT_CMD_RUN), "RUN");
    assert_string_equal(tact__cmd_name(TACT_CMD_SYNC), "SYNC");
    assert_string_equal(tact__cmd_name(TACT_CMD_TERM), "TERM");
    assert_string_equal(tact__cmd_name(TACT_CMD_COUNT), "?");
}

/* A device pool runs a real fragment on the CPU device's actor threads. */
static void test_device_pool_runs_fragments(void **state)
{
    (void) state;
    tact_status_t st = TACT_STATUS_INIT;
    tact_graph_t *g = tact_graph_new();
    tact_output_t a = tu_const_f32(g, NULL, 0, (float[]) { 5 }, NULL, &st);
    tact_output_t b = tu_const_f32(g, NULL, 0, (float[]) { 6 }, NULL, &st);
    tact_output_t c = tact_multiply(g, a, b, NULL, &st);
    tact_device_t dev = { .iface = &tact__cpu_iface, .ordinal = 0, .name = "CPU:0" };
    tact_signature_t sig = { .n_fetches = 1, .fetches = &c };
    tact_plan_t *plan = tact__plan_build(&sig, &dev, 1, false, NULL, NULL, &st);
    assert_non_null(plan);

    tact_device_pool_t *pool = tact__device_pool_new(&dev, 3, &st);
    assert_non_null(pool);
    assert_int_equal(tact__device_pool_size(pool), 3);
    enum { N = 30 };
    tact_value_t values[N][4];
    tact_step_t steps[N];
    tact_resources_t *resources = tact__resources_new();
    tact_status_t replies[N];
    tact_completion_t done;
    tact__completion_init(&done, N);
    assert_true(plan->n_slots <= 4);
    for (int i = 0; i < N; i++) {
        memset(values[i], 0, sizeof values[i]);
        steps[i] = (tact_step_t) { .values = values[i], .resources = resources };
        replies[i] = (tact_status_t) TACT_STATUS_INIT;
        tact_msg_t m = { .cmd = TACT_CMD_RUN, .status = &replies[i], .done = &done,
                         .u.run = { &plan->fragments[0], &steps[i] } };
        assert_int_equal(tact__device_pool_send(pool, &m), 0);
    }
    tact__completion_wait(&done, 0);
    for (int i = 0; i < N; i++) {
        assert_int_equal(replies[i].code, TACT_CODE_OK);
        tact_value_t *v = &values[i][plan->fetch_slots[0]];
        assert_true(v->owned);
        assert_string_equal(tu_str(v->tensor), "30.0");
        for (int k = 0; k < plan->n_slots; k++)
            tact__value_release(values[i], k);
    }
    tact__device_pool_destroy(&pool);
    assert_null(pool);
    tact__resources_destroy(&resources);
    tact__plan_destroy(&plan);
    tact_graph_destroy(&g);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_ready_and_term),
        cmocka_unit_test(test_failing_open_is_the_ready_status),
        cmocka_unit_test(test_one_reply_per_request),
        cmocka_unit_test(test_many_senders),
        cmocka_unit_test(test_cmd_names),
        cmocka_unit_test(test_device_pool_runs_fragments),
    };
    return cmocka_run_group_tests_name("actor", tests, NULL, NULL);
}
