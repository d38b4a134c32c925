/* SPDX-License-Identifier: MIT */
/* Graph rewrites at plan build (runtime/exec/plan.c): Identity and StopGradient ops whose value
 * only their consumers read do not run, the consumers read the Identity's input instead; an op
 * that repeats an earlier one (same kind and inputs) does not run either. Each
 * test shows the rewrite in the plan (nodes, input slots) or the run's partition graph, the
 * value equal to the run that keeps the op (fetching it keeps it), and the cases it must leave
 * alone: fetched, targeted, control edges in or out, across devices, a variable's read. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <tact/inspect.h>
#include <tact/log.h>

#include "devices/cpu/cpu.h"
#include "runtime/exec/plan.h"
#include "tests/helpers.h"

static tact_device_t test_devs[2] = {
    { .iface = &tact__cpu_iface, .ordinal = 0, .name = "CPU:0" },
    { .iface = &tact__cpu_iface, .ordinal = 1, .name = "CPU:1" },
};

/* The plan of fetching `fetches` (sorted by op id, as the session sorts them) and `targets`,
 * on n_devs CPU devices. */
static tact_plan_t *plan_of(const tact_output_t *fetches, int n_fetches, tact_op_t *const *targets,
                            int n_targets, int n_devs)
{
    tact_status_t st = TACT_STATUS_INIT;
    tact_signature_t sig = { .n_fetches = n_fetches, .fetches = fetches,
                             .n_targets = n_targets, .targets = targets };
    tact_plan_t *plan = tact__plan_build(&sig, test_devs, n_devs, false, NULL, &st);
    if (st.code != TACT_CODE_OK)
        fprintf(stderr, "plan failed: %s\n", st.msg);
    assert_int_equal(st.code, TACT_CODE_OK);
    return plan;
}

/* The node running `op`, or NULL when it does not run. */
static const tact_node_t *node_for(const tact_plan_t *plan, const tact_op_t *op)
{
    for (int k = 0; k < plan->n_nodes; k++) {
        if (plan->nodes[k].kind == TACT_NODE_OP && plan->nodes[k].op == op)
            return &plan->nodes[k];
    }
    return NULL;
}

static bool in_order(const tact_plan_t *plan, const tact_op_t *op)
{
    for (int n = 0; n < plan->n_ops; n++) {
        if (plan->order[n] == op)
            return true;
    }
    return false;
}

/* c -> Identity i1 -> StopGradient i2 -> Identity i3 -> y = i3 * c. */
typedef struct chain {
    tact_graph_t *g;
    tact_output_t c, i1, i2, i3, y;
} chain_t;

static void chain_new(chain_t *ch)
{
    tact_status_t st = TACT_STATUS_INIT;
    ch->g = tact_graph_new();
    ch->c = tu_const_f32(ch->g, (int64_t[]){ 3 }, 1, (float[]){ 1, -2, 3 }, "c", &st);
    ch->i1 = tact_identity(ch->g, ch->c, "i1", &st);
    ch->i2 = tact_stop_gradient(ch->g, ch->i1, "i2", &st);
    ch->i3 = tact_identity(ch->g, ch->i2, "i3", &st);
    ch->y = tact_multiply(ch->g, ch->i3, ch->c, "y", &st);
    assert_int_equal(st.code, TACT_CODE_OK);
}

/* The chain's Identity ops do not run; y reads c's slot for both inputs. They stay among the
 * plan's ops (placement and its log name them). */
static void test_identity_chain_elided(void **state)
{
    (void) state;
    chain_t ch;
    chain_new(&ch);
    tact_plan_t *plan = plan_of(&ch.y, 1, NULL, 0, 1);
    assert_int_equal(plan->n_nodes, 2);  /* c, y */
    assert_int_equal(plan->n_ops, 5);
    assert_true(in_order(plan, ch.i1.op) && in_order(plan, ch.i2.op) && in_order(plan, ch.i3.op));
    const tact_node_t *c = node_for(plan, ch.c.op), *y = node_for(plan, ch.y.op);
    assert_non_null(c);
    assert_non_null(y);
    assert_null(node_for(plan, ch.i1.op));
    assert_null(node_for(plan, ch.i3.op));
    assert_int_equal(y->n_in, 2);
    assert_int_equal(y->in_slots[0], c->out_slot);
    assert_int_equal(y->in_slots[1], c->out_slot);
    assert_int_equal(y->n_release, 1);  /* c's slot, once, after y */
    assert_int_equal(y->release_slots[0], c->out_slot);
    assert_int_equal(plan->fetch_slots[0], y->out_slot);
    tact__plan_destroy(&plan);
    tact_graph_destroy(&ch.g);
}

/* A fetched Identity runs; the ones before it in the chain still go. */
static void test_fetched_identity_kept(void **state)
{
    (void) state;
    chain_t ch;
    chain_new(&ch);
    tact_output_t fetches[2] = { ch.i2, ch.y };
    tact_plan_t *plan = plan_of(fetches, 2, NULL, 0, 1);
    assert_int_equal(plan->n_nodes, 3);  /* c, i2, y */
    const tact_node_t *c = node_for(plan, ch.c.op), *i2 = node_for(plan, ch.i2.op);
    const tact_node_t *y = node_for(plan, ch.y.op);
    assert_non_null(i2);
    assert_null(node_for(plan, ch.i1.op));
    assert_null(node_for(plan, ch.i3.op));
    assert_int_equal(i2->in_slots[0], c->out_slot);
    assert_int_equal(y->in_slots[0], i2->out_slot);  /* past i3, to the fetched i2 */
    assert_int_equal(plan->fetch_slots[0], i2->out_slot);
    tact__plan_destroy(&plan);
    tact_graph_destroy(&ch.g);
}

/* Kept: an Identity with a control input, one that is a control input, one that is a target,
 * one whose consumer or producer runs on another device, one reading a variable. */
static void test_identities_that_stay(void **state)
{
    (void) state;
    tact_status_t st = TACT_STATUS_INIT;
    tact_graph_t *g = tact_graph_new();
    tact_output_t c = tu_const_f32(g, NULL, 0, (float[]){ 2 }, "c", &st);
    tact_output_t gate = tu_const_f32(g, NULL, 0, (float[]){ 0 }, "gate", &st);
    tact_graph_push_control_dependencies(g, &gate.op, 1, &st);
    tact_output_t ctl_in = tact_identity(g, c, "ctl_in", &st);
    tact_graph_pop_control_dependencies(g);
    tact_output_t ctl_out = tact_identity(g, c, "ctl_out", &st);
    tact_graph_push_control_dependencies(g, &ctl_out.op, 1, &st);
    tact_output_t after = tact_add(g, ctl_in, c, "after", &st);
    tact_graph_pop_control_dependencies(g);
    tact_output_t across = tact_identity(g, c, "across", &st);
    tact_graph_push_device(g, "/cpu:1", &st);
    tact_output_t on1 = tact_negative(g, across, "on1", &st);
    tact_output_t from0 = tact_identity(g, c, "from0", &st);  /* its producer is on CPU:0 */
    tact_output_t on1b = tact_negative(g, from0, "on1b", &st);
    tact_graph_pop_device(g);
    tact_output_t v = tu_variable_f32(g, 4, "v", &st);
    tact_output_t read = tact_identity(g, v, "read", &st);
    tact_output_t sum = tact_add_n(g, (tact_output_t[]){ after, on1, on1b, read }, 4, "sum",
                                   &st);
    tact_output_t target = tact_identity(g, c, "target", &st);
    tact_output_t user = tact_negative(g, target, "user", &st);
    assert_int_equal(st.code, TACT_CODE_OK);

    tact_output_t fetches[2] = { sum, user };
    tact_plan_t *plan = plan_of(fetches, 2, (tact_op_t *[]){ target.op }, 1, 2);
    assert_non_null(node_for(plan, ctl_in.op));
    assert_non_null(node_for(plan, ctl_out.op));
    assert_non_null(node_for(plan, across.op));
    assert_non_null(node_for(plan, from0.op));
    assert_non_null(node_for(plan, read.op));
    assert_non_null(node_for(plan, target.op));
    tact__plan_destroy(&plan);

    /* Without the target, its Identity goes; the others stay. */
    plan = plan_of(fetches, 2, NULL, 0, 2);
    assert_null(node_for(plan, target.op));
    assert_non_null(node_for(plan, ctl_in.op));
    assert_non_null(node_for(plan, across.op));
    assert_non_null(node_for(plan, read.op));
    tact__plan_destroy(&plan);
    tact_graph_destroy(&g);
}

/* x (fed) -> Identity i -> StopGradient sg -> mm = sg @ w: the run's partition has no Identity,
 * the value is TensorFlow's and equals the run that fetches i too (and so keeps it). */
static void test_run_values_and_partition(void **state)
{
    (void) state;
    tact_status_t st = TACT_STATUS_INIT;
    tact_graph_t *g = tact_graph_new();
    tact_output_t x = tact_placeholder(g, TACT_DTYPE_F32, NULL, -1, "x", &st);
    tact_output_t i = tact_identity(g, x, "i", &st);
    tact_output_t sg = tact_stop_gradient(g, i, "sg", &st);
    float w[12];
    for (int k = 0; k < 12; k++)
        w[k] = (float) k;
    tact_output_t cw = tu_const_f32(g, (int64_t[]){ 3, 4 }, 2, w, "w", &st);
    tact_output_t mm = tact_matmul(g, sg, cw, false, false, "mm", &st);
    assert_int_equal(st.code, TACT_CODE_OK);
    tact_session_t *s = tu_session(g, NULL);
    tact_tensor_t *xv = tu_f32((int64_t[]){ 2, 3 }, 2, (float[]){ 1, 1, 1, 1, 1, 1 });
    tact_feed_t feed = { x, xv };

    tact_run_metadata_t md = { 0 };
    tact_run_options_t opts = { .metadata = &md };
    tact_tensor_t *r = NULL;
    assert_int_equal(tact_session_run_ex(s, &opts, &mm, 1, &r, &feed, 1, NULL, 0, &st),
                     TACT_CODE_OK);
    /* TensorFlow (tests/data/make_rewrites_expected.py): [[12 15 18 21] [12 15 18 21]] */
    const float want[8] = { 12, 15, 18, 21, 12, 15, 18, 21 };
    assert_true(tu_f32_equal(r, (int64_t[]){ 2, 4 }, 2, want));
    assert_int_equal(md.n_partitions, 1);
    assert_string_equal(md.partitions[0].graph, "_arg_x_0_0 = _Arg()\n"
                                                "w = Const()\n"
                                                "mm = MatMul(_arg_x_0_0, w)\n"
                                                "_retval_mm_0_0 = _Retval(mm)\n");
    tact_run_metadata_clear(&md);

    tact_output_t both[2] = { i, mm };
    tact_tensor_t *out[2] = { NULL, NULL };
    assert_int_equal(tact_session_run_ex(s, &opts, both, 2, out, &feed, 1, NULL, 0, &st),
                     TACT_CODE_OK);
    assert_true(tu_contains(md.partitions[0].graph, "i = Identity(_arg_x_0_0)\n"));
    assert_true(tu_contains(md.partitions[0].graph, "mm = MatMul(i, w)\n"));
    assert_true(tu_f32_equal(out[1], (int64_t[]){ 2, 4 }, 2, want));
    assert_true(tu_f32_equal(out[0], (int64_t[]){ 2, 3 }, 2, (float[]){ 1, 1, 1, 1, 1, 1 }));
    tact_run_metadata_clear(&md);
    tact_tensor_destroy(&out[0]);
    tact_tensor_destroy(&out[1]);
    tact_tensor_destroy(&r);

    /* A bad feed: the same error, naming the MatMul, whether the Identity runs or not. */
    tact_tensor_t *bad = tu_f32((int64_t[]){ 2, 2 }, 2, (float[]){ 1, 1, 1, 1 });
    feed.value = bad;
    const char *msg = "Matrix size-incompatible: In[0]: [2,2], In[1]: [3,4]\n\t [[{{node mm}}]]";
    tu_run_fails(s, mm, &feed, 1, TACT_CODE_INVALID_ARGUMENT, msg);
    tact_status_t st2 = TACT_STATUS_INIT;
    out[0] = out[1] = NULL;
    assert_int_equal(tact_session_run(s, both, 2, out, &feed, 1, NULL, 0, &st2),
                     TACT_CODE_INVALID_ARGUMENT);
    assert_string_equal(st2.msg, msg);
    assert_null(out[0]);
    assert_null(out[1]);
    tact_tensor_destroy(&bad);
    tact_tensor_destroy(&xv);
    tact_session_destroy(&s);
    tact_graph_destroy(&g);
}

typedef struct log_capture {
    int n;
    char lines[16][160];
} log_capture_t;

static void capture(tact_log_level_t level, const char *msg, void *user)
{
    log_capture_t *c = user;
    if (level == TACT_LOG_INFO && c->n < 16)
        snprintf(c->lines[c->n++], sizeof c->lines[0], "%s", msg);
}

static bool logged(const log_capture_t *c, const char *line)
{
    for (int i = 0; i < c->n; i++) {
        if (strcmp(c->lines[i], line) == 0)
            return true;
    }
    return false;
}

/* The placement log still names the ops a rewrite removed: they are the user's ops, placed
 * (TensorFlow logs them too, before Grappler runs). */
static void test_placement_log_names_removed_ops(void **state)
{
    (void) state;
    chain_t ch;
    chain_new(&ch);
    log_capture_t cap = { .n = 0 };
    tact_log_set_callback(capture, &cap);
    tact_config_t config = { .log_device_placement = true };
    tact_session_t *s = tu_session(ch.g, &config);
    tact_status_t st = TACT_STATUS_INIT;
    tact_tensor_t *y = tu_run1(s, ch.y, NULL, 0, &st);
    tact_log_set_callback(NULL, NULL);
    assert_true(tu_f32_equal(y, (int64_t[]){ 3 }, 1, (float[]){ 1, 4, 9 }));
    assert_true(logged(&cap, "i1: (Identity): /job:localhost/replica:0/task:0/device:CPU:0"));
    assert_true(logged(&cap, "i2: (StopGradient): /job:localhost/replica:0/task:0/device:CPU:0"));
    assert_true(logged(&cap, "i3: (Identity): /job:localhost/replica:0/task:0/device:CPU:0"));
    tact_tensor_destroy(&y);
    tact_session_destroy(&s);
    tact_graph_destroy(&ch.g);
}

/* x, c consts; a1 = x + c, a2 = x + c, a3 = Identity(x) + c; r1 = relu(a1), r2 = relu(a2);
 * s = x - c (another kind), b = c + x (other input order); y = r1 * r2 * a3. */
typedef struct dups {
    tact_graph_t *g;
    tact_output_t x, c, a1, a2, a3, r1, r2, s, b, y;
} dups_t;

static void dups_new(dups_t *d)
{
    tact_status_t st = TACT_STATUS_INIT;
    d->g = tact_graph_new();
    d->x = tu_const_f32(d->g, (int64_t[]){ 3 }, 1, (float[]){ 1, -2, 3 }, "x", &st);
    d->c = tu_const_f32(d->g, (int64_t[]){ 3 }, 1, (float[]){ 0.5f, 0.5f, -4 }, "c", &st);
    d->a1 = tact_add(d->g, d->x, d->c, "a1", &st);
    d->a2 = tact_add(d->g, d->x, d->c, "a2", &st);
    d->a3 = tact_add(d->g, tact_identity(d->g, d->x, "ix", &st), d->c, "a3", &st);
    d->r1 = tact_relu(d->g, d->a1, "r1", &st);
    d->r2 = tact_relu(d->g, d->a2, "r2", &st);
    d->s = tact_subtract(d->g, d->x, d->c, "s", &st);
    d->b = tact_add(d->g, d->c, d->x, "b", &st);
    tact_output_t p = tact_multiply(d->g, d->r1, d->r2, "p", &st);
    tact_output_t q = tact_multiply(d->g, p, d->a3, "q", &st);
    d->y = tact_add_n(d->g, (tact_output_t[]){ q, d->s, d->b }, 3, "y", &st);
    assert_int_equal(st.code, TACT_CODE_OK);
}

/* a2 and a3 merge into a1, then r2 into r1 (its input is now a1's); s and b stay. */
static void test_cse_merges_duplicates(void **state)
{
    (void) state;
    dups_t d;
    dups_new(&d);
    tact_plan_t *plan = plan_of(&d.y, 1, NULL, 0, 1);
    assert_int_equal(plan->n_nodes, 9);  /* x, c, a1, r1, s, b, p, q, y */
    const tact_node_t *a1 = node_for(plan, d.a1.op), *r1 = node_for(plan, d.r1.op);
    assert_non_null(a1);
    assert_non_null(r1);
    assert_null(node_for(plan, d.a2.op));
    assert_null(node_for(plan, d.a3.op));
    assert_null(node_for(plan, d.r2.op));
    assert_non_null(node_for(plan, d.s.op));
    assert_non_null(node_for(plan, d.b.op));
    const tact_node_t *p = node_for(plan, tact_op_input(d.y.op, 0).op->inputs[0].op);
    const tact_node_t *q = node_for(plan, tact_op_input(d.y.op, 0).op);
    assert_int_equal(p->in_slots[0], r1->out_slot);
    assert_int_equal(p->in_slots[1], r1->out_slot);
    assert_int_equal(q->in_slots[1], a1->out_slot);
    tact__plan_destroy(&plan);

    /* Fetched, r2 runs (reading a1); a2 still merges. */
    tact_output_t fetches[2] = { d.r2, d.y };
    plan = plan_of(fetches, 2, NULL, 0, 1);
    const tact_node_t *r2 = node_for(plan, d.r2.op);
    assert_non_null(r2);
    assert_null(node_for(plan, d.a2.op));
    assert_int_equal(r2->in_slots[0], node_for(plan, d.a1.op)->out_slot);
    tact__plan_destroy(&plan);
    tact_graph_destroy(&d.g);
}

/* The merged run's values are TensorFlow's and those of the run that fetches the duplicates
 * (and so keeps them). */
static void test_cse_values(void **state)
{
    (void) state;
    dups_t d;
    dups_new(&d);
    tact_session_t *s = tu_session(d.g, NULL);
    tact_status_t st = TACT_STATUS_INIT;
    /* TensorFlow (tests/data/make_rewrites_expected.py): relu(x + c) = [1.5 0 0]; y adds
     * (x + c) * r1 * r2 = [3.375 0 0], x - c = [0.5 -2.5 7] and c + x = [1.5 -1.5 -1]. */
    const float want_y[3] = { 5.375f, -4, 6 };
    tact_tensor_t *y = tu_run1(s, d.y, NULL, 0, &st);
    assert_true(tu_f32_equal(y, (int64_t[]){ 3 }, 1, want_y));
    tact_output_t fetches[4] = { d.a2, d.a3, d.r2, d.y };
    tact_tensor_t *out[4] = { NULL };
    assert_int_equal(tact_session_run(s, fetches, 4, out, NULL, 0, NULL, 0, &st), TACT_CODE_OK);
    assert_true(tu_f32_equal(out[0], (int64_t[]){ 3 }, 1, (float[]){ 1.5f, -1.5f, -1 }));
    assert_true(tu_f32_equal(out[1], (int64_t[]){ 3 }, 1, (float[]){ 1.5f, -1.5f, -1 }));
    assert_true(tu_f32_equal(out[2], (int64_t[]){ 3 }, 1, (float[]){ 1.5f, 0, 0 }));
    assert_true(tu_f32_equal(out[3], (int64_t[]){ 3 }, 1, want_y));
    for (int i = 0; i < 4; i++)
        tact_tensor_destroy(&out[i]);
    tact_tensor_destroy(&y);
    tact_session_destroy(&s);
    tact_graph_destroy(&d.g);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_identity_chain_elided),
        cmocka_unit_test(test_fetched_identity_kept),
        cmocka_unit_test(test_identities_that_stay),
        cmocka_unit_test(test_run_values_and_partition),
        cmocka_unit_test(test_placement_log_names_removed_ops),
        cmocka_unit_test(test_cse_merges_duplicates),
        cmocka_unit_test(test_cse_values),
    };
    return cmocka_run_group_tests_name("rewrites", tests, NULL, NULL);
}
