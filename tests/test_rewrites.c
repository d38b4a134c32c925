/* SPDX-License-Identifier: MIT */
/* Graph rewrites at plan build (runtime/exec/plan.c): Identity and StopGradient ops whose value
 * only their consumers read do not run, the consumers read the Identity's input instead; an op
 * that repeats an earlier one (same kind and inputs) does not run either; constants are folded
 * and NoOps that only relay control edges removed; config.graph_options switches each off as
 * TensorFlow's ConfigProto does. Each
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
    tact_plan_t *plan = tact__plan_build(&sig, test_devs, n_devs, false, NULL, NULL, &st);
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
    char lines[64][160];
} log_capture_t;

static void capture(tact_log_level_t level, const char *msg, void *user)
{
    log_capture_t *c = user;
    if (level == TACT_LOG_INFO && c->n < 64)
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

/* ------------------------------------------------------------------------------------------ */
/* Constant folding, NoOp removal, pruning: tests/data/fold.pbtxt, TensorFlow's graph         */
/* (make_rewrites_expected.py), whose partition graphs and step stats the comments quote.     */
/* ------------------------------------------------------------------------------------------ */

static tact_output_t out_of(tact_graph_t *g, const char *name)
{
    tact_op_t *op = tact_graph_op(g, name);
    assert_non_null(op);
    return (tact_output_t) { op, 0 };
}

/* The plan of fetches (sorted by op id) given feeds (sorted by op id), on one CPU device. */
static tact_plan_t *plan_fed(const tact_output_t *feeds, int n_feeds, const tact_output_t *fetches,
                             int n_fetches, tact_op_t *const *targets, int n_targets)
{
    tact_status_t st = TACT_STATUS_INIT;
    tact_signature_t sig = { .n_feeds = n_feeds, .feeds = feeds, .n_fetches = n_fetches,
                             .fetches = fetches, .n_targets = n_targets, .targets = targets };
    tact_plan_t *plan = tact__plan_build(&sig, test_devs, 1, false, NULL, NULL, &st);
    assert_int_equal(st.code, TACT_CODE_OK);
    return plan;
}

/* Whether a node named `name` ran in the traced run `md` describes. */
static bool ran(const tact_run_metadata_t *md, const char *name)
{
    for (int d = 0; d < md->step_stats.n_devices; d++) {
        const tact_device_step_stats_t *dev = &md->step_stats.devices[d];
        for (int i = 0; i < dev->n_nodes; i++) {
            if (strcmp(dev->nodes[i].node_name, name) == 0)
                return true;
        }
    }
    return false;
}

static const float flat_x[24] = { 0,  1,  2,  3,  4,  5,  6,  7,  8,  9,  10, 11,
                                  12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23 };

/* Keras' Flatten of x [2, 3, 4] (Shape -> StridedSlice -> Pack -> Reshape) and k = Cast(Size +
 * Rank): the shapes are known, so the plan computes the Pack and k once and runs them as Const
 * nodes of their names; the ops before them, and the Const ops only they read, do not run. */
static void test_fold_keras_flatten_plan(void **state)
{
    (void) state;
    tact_graph_t *g = tu_import_fixture(TACT_TEST_DATA_DIR, "fold.pbtxt");
    tact_output_t x = out_of(g, "x"), scaled = out_of(g, "scaled");
    tact_plan_t *plan = plan_fed(&x, 1, &scaled, 1, NULL, 0);
    assert_int_equal(plan->n_nodes, 4);  /* flat/stack, k, flat/Reshape, scaled */
    assert_int_equal(plan->n_consts, 2);
    const tact_node_t *pack = node_for(plan, &plan->consts[0]);
    const tact_node_t *k = node_for(plan, &plan->consts[1]);
    assert_non_null(pack);
    assert_non_null(k);
    assert_string_equal(pack->op->name, "flat/stack");
    assert_int_equal(pack->op->kind, TACT_OP_CONST);
    assert_int_equal(pack->n_in, 0);
    assert_string_equal(tu_str(pack->op->attrs.value), "[ 2 -1]");
    assert_string_equal(k->op->name, "k");
    assert_string_equal(tu_str(k->op->attrs.value), "27.0");
    const tact_node_t *reshape = node_for(plan, out_of(g, "flat/Reshape").op);
    assert_non_null(reshape);
    assert_int_equal(reshape->in_slots[0], 0);  /* the feed */
    assert_int_equal(reshape->in_slots[1], pack->out_slot);
    const char *gone[] = { "flat/Shape", "flat/strided_slice", "flat/strided_slice/stack",
                           "flat/stack/1", "size", "rank", "add" };
    for (size_t i = 0; i < sizeof gone / sizeof gone[0]; i++) {
        assert_null(node_for(plan, out_of(g, gone[i]).op));
        assert_true(in_order(plan, out_of(g, gone[i]).op));  /* placed and logged */
    }
    tact__plan_destroy(&plan);
    tact_graph_destroy(&g);
}

/* The folded run's partition graph and step stats are TensorFlow's nodes: "flat/stack =
 * Const(); k = Const(); _arg_x_0_0 = _Arg(); flat/Reshape = Reshape(_arg_x_0_0, flat/stack);
 * scaled = Mul(flat/Reshape, k)", and its value TensorFlow's (x * 27 as [2, 12]), run after run
 * of the cached plan. Fetching the Pack too returns its folded value [2 -1]. */
static void test_fold_keras_flatten_run(void **state)
{
    (void) state;
    tact_graph_t *g = tu_import_fixture(TACT_TEST_DATA_DIR, "fold.pbtxt");
    tact_output_t x = out_of(g, "x"), scaled = out_of(g, "scaled");
    tact_session_t *s = tu_session(g, NULL);
    tact_tensor_t *xv = tu_f32((int64_t[]){ 2, 3, 4 }, 3, flat_x);
    tact_feed_t feed = { x, xv };
    float want[24];
    for (int i = 0; i < 24; i++)
        want[i] = 27.0f * flat_x[i];
    tact_run_metadata_t md = { 0 };
    tact_run_options_t opts = { .metadata = &md, .trace_level = TACT_TRACE_FULL_TRACE };
    tact_status_t st = TACT_STATUS_INIT;
    for (int run = 0; run < 2; run++) {
        tact_tensor_t *r = NULL;
        assert_int_equal(tact_session_run_ex(s, &opts, &scaled, 1, &r, &feed, 1, NULL, 0, &st),
                         TACT_CODE_OK);
        assert_true(tu_f32_equal(r, (int64_t[]){ 2, 12 }, 2, want));
        tact_tensor_destroy(&r);
        assert_string_equal(md.partitions[0].graph,
                            "_arg_x_0_0 = _Arg()\n"
                            "flat/stack = Const()\n"
                            "k = Const()\n"
                            "flat/Reshape = Reshape(_arg_x_0_0, flat/stack)\n"
                            "scaled = Mul(flat/Reshape, k)\n"
                            "_retval_scaled_0_0 = _Retval(scaled)\n");
        assert_true(ran(&md, "flat/stack") && ran(&md, "k") && ran(&md, "scaled"));
        assert_false(ran(&md, "flat/Shape") || ran(&md, "flat/strided_slice") ||
                     ran(&md, "size") || ran(&md, "rank"));
        tact_run_metadata_clear(&md);
    }
    tact_output_t both[2] = { out_of(g, "flat/stack"), scaled };
    tact_tensor_t *out[2] = { NULL, NULL };
    assert_int_equal(tact_session_run(s, both, 2, out, &feed, 1, NULL, 0, &st), TACT_CODE_OK);
    assert_string_equal(tu_str(out[0]), "[ 2 -1]");
    assert_true(tu_f32_equal(out[1], (int64_t[]){ 2, 12 }, 2, want));
    tact_tensor_destroy(&out[0]);
    tact_tensor_destroy(&out[1]);
    tact_tensor_destroy(&xv);
    tact_session_destroy(&s);
    tact_graph_destroy(&g);
}

/* An op whose kernel fails on its constants is not folded: the run fails as it does unfolded
 * (the same message with the constant fed, so nothing folds), TensorFlow's words: "Integer
 * division by zero\n\t [[{{node q}}]]", "indices[0] = 5 is not in [0, 3)\n\t [[{{node g}}]]".
 * Its sibling d = FloorDiv(qa, [2 3]) folds: dy = d + p is TensorFlow's [13 22] either way. */
static void test_fold_errors_unchanged(void **state)
{
    (void) state;
    tact_graph_t *g = tu_import_fixture(TACT_TEST_DATA_DIR, "fold.pbtxt");
    tact_session_t *s = tu_session(g, NULL);
    tact_tensor_t *pv = tu_i32((int64_t[]){ 2 }, 1, (int32_t[]){ 10, 20 });
    tact_tensor_t *pfv = tu_f32((int64_t[]){ 1 }, 1, (float[]){ 1 });
    tact_tensor_t *qbv = tu_i32((int64_t[]){ 2 }, 1, (int32_t[]){ 0, 2 });
    tact_tensor_t *giv = tu_i32((int64_t[]){ 1 }, 1, (int32_t[]){ 5 });
    tact_tensor_t *dbv = tu_i32((int64_t[]){ 2 }, 1, (int32_t[]){ 2, 3 });
    const char *div0 = "Integer division by zero\n\t [[{{node q}}]]";
    const char *index = "indices[0] = 5 is not in [0, 3)\n\t [[{{node g}}]]";
    tact_feed_t p = { out_of(g, "p"), pv }, pf = { out_of(g, "pf"), pfv };
    tu_run_fails(s, out_of(g, "qy"), &p, 1, TACT_CODE_INVALID_ARGUMENT, div0);
    tu_run_fails(s, out_of(g, "qy"), (tact_feed_t[]){ p, { out_of(g, "qb"), qbv } }, 2,
                 TACT_CODE_INVALID_ARGUMENT, div0);
    tu_run_fails(s, out_of(g, "gy"), &pf, 1, TACT_CODE_INVALID_ARGUMENT, index);
    tu_run_fails(s, out_of(g, "gy"), (tact_feed_t[]){ pf, { out_of(g, "gi"), giv } }, 2,
                 TACT_CODE_INVALID_ARGUMENT, index);

    tact_output_t x = out_of(g, "p"), qy = out_of(g, "qy"), dy = out_of(g, "dy");
    tact_plan_t *plan = plan_fed(&x, 1, &qy, 1, NULL, 0);
    assert_int_equal(node_for(plan, out_of(g, "q").op)->op->kind, TACT_OP_FLOOR_DIV);
    assert_int_equal(plan->n_consts, 0);
    tact__plan_destroy(&plan);
    plan = plan_fed(&x, 1, &dy, 1, NULL, 0);
    assert_int_equal(plan->n_nodes, 2);  /* d as a Const, dy */
    assert_int_equal(plan->n_consts, 1);
    tact__plan_destroy(&plan);

    tact_status_t st = TACT_STATUS_INIT;
    for (int fed = 0; fed < 2; fed++) {
        tact_feed_t feeds[2] = { p, { out_of(g, "db"), dbv } };
        tact_tensor_t *r = tu_run1(s, dy, feeds, 1 + fed, &st);
        assert_non_null(r);
        assert_string_equal(tu_str(r), "[13 22]");
        tact_tensor_destroy(&r);
    }
    tact_tensor_destroy(&pv);
    tact_tensor_destroy(&pfv);
    tact_tensor_destroy(&qbv);
    tact_tensor_destroy(&giv);
    tact_tensor_destroy(&dbv);
    tact_session_destroy(&s);
    tact_graph_destroy(&g);
}

/* Not folded, each read by an op that runs: a target, an op with a control input, one that is
 * a control input, a random op, a value over 10 MiB (TensorFlow's max_constant_size_in_bytes),
 * the Shape of a variable (its uninitialised read fails when the run reads it; TensorFlow
 * folds it and answers [2 3]), and a constant value only a fetch reads. A fed op does not run
 * at all. */
static void test_fold_left_alone(void **state)
{
    (void) state;
    tact_status_t st = TACT_STATUS_INIT;
    tact_graph_t *g = tact_graph_new();
    tact_output_t p = tact_placeholder(g, TACT_DTYPE_F32, NULL, 0, "p", &st);
    tact_output_t c = tu_const_f32(g, NULL, 0, (float[]){ 2 }, "c", &st);
    tact_output_t target = tact_negative(g, c, "target", &st);
    tact_graph_push_control_dependencies(g, &p.op, 1, &st);
    tact_output_t ctl_in = tact_negative(g, c, "ctl_in", &st);
    tact_graph_pop_control_dependencies(g);
    tact_output_t ctl_out = tact_negative(g, c, "ctl_out", &st);
    tact_graph_push_control_dependencies(g, &ctl_out.op, 1, &st);
    tact_output_t after = tact_add(g, p, c, "after", &st);
    tact_graph_pop_control_dependencies(g);
    tact_output_t rnd = tact_random_uniform(g, TACT_DTYPE_F32, NULL, 0, 0, 1, 7, "rnd", &st);
    tact_output_t big = tact_fill(g, TACT_DTYPE_F32, (int64_t[]){ 2048, 2048 }, 2, 1, "big",
                                  &st);
    tact_output_t small = tact_fill(g, TACT_DTYPE_F32, (int64_t[]){ 1024, 1024 }, 2, 1, "small",
                                    &st);
    float zeros[6] = { 0 };
    tact_output_t v = tact_variable(g, tu_const_f32(g, (int64_t[]){ 2, 3 }, 2, zeros, "v0", &st),
                                    "v", &st);
    tact_output_t vs = tact_cast(g, tact_shape(g, v, TACT_DTYPE_I32, "vs", &st), TACT_DTYPE_F32,
                                 "vsf", &st);
    tact_output_t fed = tact_negative(g, c, "fed", &st);
    tact_output_t terms[] = { tact_add(g, target, p, "t1", &st), tact_add(g, ctl_in, p, "t2", &st),
                              tact_add(g, ctl_out, p, "t3", &st), after,
                              tact_add(g, rnd, p, "t4", &st),
                              tact_add(g, tact_reduce_sum(g, big, NULL, 0, false, "bs", &st), p, "t5",
                                       &st),
                              tact_add(g, tact_reduce_sum(g, small, NULL, 0, false, "ss", &st), p,
                                       "t6", &st),
                              tact_add(g, tact_reduce_sum(g, vs, NULL, 0, false, "vss", &st), p, "t7",
                                       &st),
                              tact_add(g, fed, p, "t8", &st) };
    tact_output_t y = tact_add_n(g, terms, 9, "y", &st);
    tact_output_t only_fetched = tact_negative(g, c, "only_fetched", &st);
    assert_int_equal(st.code, TACT_CODE_OK);

    tact_output_t feeds[2] = { p, fed };
    tact_output_t fetches[2] = { y, only_fetched };
    tact_plan_t *plan = plan_fed(feeds, 2, fetches, 2, &target.op, 1);
    const tact_output_t kept[] = { target, ctl_in, ctl_out, rnd, big, vs, only_fetched };
    for (size_t i = 0; i < sizeof kept / sizeof kept[0]; i++) {
        const tact_node_t *n = node_for(plan, kept[i].op);
        assert_non_null(n);
        assert_int_equal(n->op->kind, kept[i].op->kind);
    }
    assert_null(node_for(plan, fed.op));
    /* The 4 MiB fill folds, and its sum with it: ss runs as a Const. */
    assert_null(node_for(plan, small.op));
    assert_int_equal(plan->n_consts, 1);
    assert_string_equal(plan->consts[0].name, "ss");
    tact__plan_destroy(&plan);

    /* The variable's Shape: the same error as when nothing folds. */
    tact_session_t *s = tu_session(g, NULL);
    tact_tensor_t *pv = tu_scalar_f32(1);
    tact_feed_t feed = { p, pv };
    tact_output_t t7 = tact_op_input(y.op, 7);
    tu_run_fails(s, t7, &feed, 1, TACT_CODE_FAILED_PRECONDITION,
                 "Attempting to use uninitialized value v\n\t [[{{node vs}}]]");
    tact_tensor_destroy(&pv);
    tact_session_destroy(&s);
    tact_graph_destroy(&g);
}

/* Shape, Size and Rank of a placeholder whose shape is fully known fold without its value; of
 * one with an unknown dimension, Shape and Size run, Rank folds. TensorFlow folds the same
 * four Casts after them ("Cast = Const(); Cast_1 = Const(); Cast_2 = Const(); Cast_5 =
 * Const()", "Shape_1 = Shape(_arg_u_0_0); Size_1 = Size(_arg_u_0_0)") and answers 151. The
 * imported fold.pbtxt has them as Consts already (the importer knows the shapes). */
static void test_fold_shape_of_known_input(void **state)
{
    (void) state;
    tact_status_t st = TACT_STATUS_INIT;
    tact_graph_t *g = tact_graph_new();
    tact_output_t x = tact_placeholder(g, TACT_DTYPE_F32, (int64_t[]){ 2, 3, 4 }, 3, "x", &st);
    tact_output_t u = tact_placeholder(g, TACT_DTYPE_F32, (int64_t[]){ -1, 3 }, 2, "u", &st);
    tact_output_t v[6] = {
        tact_shape(g, x, TACT_DTYPE_I64, "xs", &st), tact_size(g, x, TACT_DTYPE_I32, "xn", &st),
        tact_rank(g, x, "xr", &st), tact_shape(g, u, TACT_DTYPE_I32, "us", &st),
        tact_size(g, u, TACT_DTYPE_I64, "un", &st), tact_rank(g, u, "ur", &st)
    };
    tact_output_t sums[6];
    for (int i = 0; i < 6; i++)
        sums[i] = tact_add(g, tact_cast(g, tact_reduce_sum(g, v[i], NULL, 0, false, NULL, &st),
                                        TACT_DTYPE_F32, NULL, &st), tact_reduce_sum(g, u, NULL, 0,
                                                                                   false, NULL,
                                                                                   &st),
                           NULL, &st);
    tact_output_t y = tact_add_n(g, sums, 6, "y", &st);
    assert_int_equal(st.code, TACT_CODE_OK);
    tact_output_t feeds[2] = { x, u };
    tact_plan_t *plan = plan_fed(feeds, 2, &y, 1, NULL, 0);
    /* The folded: xs, xn, xr, ur and the Sum and Cast after each; Shape and Size of u run. */
    assert_null(node_for(plan, v[0].op));
    assert_null(node_for(plan, v[1].op));
    assert_null(node_for(plan, v[2].op));
    assert_non_null(node_for(plan, v[3].op));
    assert_non_null(node_for(plan, v[4].op));
    assert_null(node_for(plan, v[5].op));
    assert_int_equal(plan->n_consts, 4);  /* the four Casts */
    for (int k = 0; k < plan->n_consts; k++)
        assert_int_equal(plan->consts[k].kind, TACT_OP_CONST);
    tact__plan_destroy(&plan);

    /* x [2, 3, 4] of zeros, u [5, 3] of ones. */
    tact_session_t *s = tu_session(g, NULL);
    float ones[15], zeros[24] = { 0 };
    for (int i = 0; i < 15; i++)
        ones[i] = 1;
    tact_tensor_t *xv = tu_f32((int64_t[]){ 2, 3, 4 }, 3, zeros);
    tact_tensor_t *uv = tu_f32((int64_t[]){ 5, 3 }, 2, ones);
    tact_feed_t fv[2] = { { x, xv }, { u, uv } };
    tact_tensor_t *r = tu_run1(s, y, fv, 2, &st);
    assert_true(tu_f32_equal(r, NULL, 0, (float[]){ 151 }));
    tact_tensor_destroy(&r);
    tact_tensor_destroy(&xv);
    tact_tensor_destroy(&uv);
    tact_session_destroy(&s);
    tact_graph_destroy(&g);
}

/* The placement log names the folded ops and the ops only they read: the user's ops, placed. */
static void test_fold_placement_log(void **state)
{
    (void) state;
    tact_graph_t *g = tu_import_fixture(TACT_TEST_DATA_DIR, "fold.pbtxt");
    log_capture_t cap = { .n = 0 };
    tact_log_set_callback(capture, &cap);
    tact_config_t config = { .log_device_placement = true };
    tact_session_t *s = tu_session(g, &config);
    tact_status_t st = TACT_STATUS_INIT;
    tact_tensor_t *xv = tu_f32((int64_t[]){ 2, 3, 4 }, 3, flat_x);
    tact_feed_t feed = { out_of(g, "x"), xv };
    tact_tensor_t *y = tu_run1(s, out_of(g, "flat/Reshape"), &feed, 1, &st);
    tact_log_set_callback(NULL, NULL);
    assert_true(tu_f32_equal(y, (int64_t[]){ 2, 12 }, 2, flat_x));
    assert_true(logged(&cap, "flat/strided_slice: (StridedSlice): "
                             "/job:localhost/replica:0/task:0/device:CPU:0"));
    assert_true(logged(&cap, "flat/stack: (Pack): /job:localhost/replica:0/task:0/device:CPU:0"));
    tact_tensor_destroy(&y);
    tact_tensor_destroy(&xv);
    tact_session_destroy(&s);
    tact_graph_destroy(&g);
}

/* nop relays a1's and a2's control edges to z: it does not run, and z still runs after them
 * (TensorFlow's dependency optimizer removes it too; it also drops a1 and a2, which only a
 * control edge reads: "_arg_pf_0_0 = _Arg(); z/y = Const(^_arg_pf_0_0); z = Mul(...)". Here
 * they run, as an error of theirs must still fail the run). z is TensorFlow's [3]. */
static void test_noop_relay_removed(void **state)
{
    (void) state;
    tact_graph_t *g = tu_import_fixture(TACT_TEST_DATA_DIR, "fold.pbtxt");
    tact_output_t pf = out_of(g, "pf"), z = out_of(g, "z");
    tact_op_t *nop = tact_graph_op(g, "nop");
    tact_plan_t *plan = plan_fed(&pf, 1, &z, 1, NULL, 0);
    assert_null(node_for(plan, nop));
    assert_true(in_order(plan, nop));
    const tact_node_t *a1 = node_for(plan, out_of(g, "a1").op);
    const tact_node_t *a2 = node_for(plan, out_of(g, "a2").op);
    const tact_node_t *nz = node_for(plan, z.op);
    assert_non_null(a1);
    assert_non_null(a2);
    assert_true(a1 < nz && a2 < nz);  /* one fragment, in run order */
    tact__plan_destroy(&plan);

    /* As a target it runs. */
    plan = plan_fed(&pf, 1, &z, 1, &nop, 1);
    assert_non_null(node_for(plan, nop));
    tact__plan_destroy(&plan);

    tact_session_t *s = tu_session(g, NULL);
    tact_tensor_t *pfv = tu_f32((int64_t[]){ 1 }, 1, (float[]){ 1 });
    tact_feed_t feed = { pf, pfv };
    tact_run_metadata_t md = { 0 };
    tact_run_options_t opts = { .metadata = &md, .trace_level = TACT_TRACE_FULL_TRACE };
    tact_status_t st = TACT_STATUS_INIT;
    tact_tensor_t *r = NULL;
    assert_int_equal(tact_session_run_ex(s, &opts, &z, 1, &r, &feed, 1, NULL, 0, &st),
                     TACT_CODE_OK);
    assert_true(tu_f32_equal(r, (int64_t[]){ 1 }, 1, (float[]){ 3 }));
    assert_true(ran(&md, "a1") && ran(&md, "a2") && ran(&md, "z"));
    assert_false(ran(&md, "nop"));
    tact_run_metadata_clear(&md);
    tact_tensor_destroy(&r);
    tact_tensor_destroy(&pfv);
    tact_session_destroy(&s);
    tact_graph_destroy(&g);
}

/* A NoOp whose relayed edges cross devices stays: its node is what the other device waits
 * for. */
static void test_noop_across_devices_kept(void **state)
{
    (void) state;
    tact_status_t st = TACT_STATUS_INIT;
    tact_graph_t *g = tact_graph_new();
    tact_output_t c = tu_const_f32(g, NULL, 0, (float[]){ 2 }, "c", &st);
    tact_output_t p = tact_placeholder(g, TACT_DTYPE_F32, NULL, 0, "p", &st);
    tact_output_t a = tact_add(g, p, c, "a", &st);
    tact_graph_push_device(g, "/cpu:1", &st);
    tact_graph_push_control_dependencies(g, &a.op, 1, &st);
    tact_op_t *nop = tact_no_op(g, "nop", &st);
    tact_graph_pop_control_dependencies(g);
    tact_graph_push_control_dependencies(g, &nop, 1, &st);
    tact_output_t y = tact_multiply(g, p, c, "y", &st);
    tact_graph_pop_control_dependencies(g);
    tact_graph_pop_device(g);
    assert_int_equal(st.code, TACT_CODE_OK);
    tact_status_t pst = TACT_STATUS_INIT;
    tact_signature_t sig = { .n_feeds = 1, .feeds = &p, .n_fetches = 1, .fetches = &y };
    tact_plan_t *plan = tact__plan_build(&sig, test_devs, 2, false, NULL, NULL, &pst);
    assert_int_equal(pst.code, TACT_CODE_OK);
    const tact_node_t *n = node_for(plan, nop);
    assert_non_null(n);
    assert_int_equal(n->n_wait, 1);  /* for a, on CPU:0 */
    tact__plan_destroy(&plan);
    tact_graph_destroy(&g);
}

/* Pruning: a branch no fetch or target needs is not in the plan and does not run (TensorFlow's
 * step stats for fetching a1: "a1/y", "_arg_pf_0_0", "a1"; no "dead", no "z"). */
static void test_dead_branch_not_run(void **state)
{
    (void) state;
    tact_graph_t *g = tu_import_fixture(TACT_TEST_DATA_DIR, "fold.pbtxt");
    tact_output_t pf = out_of(g, "pf"), a1 = out_of(g, "a1");
    tact_plan_t *plan = plan_fed(&pf, 1, &a1, 1, NULL, 0);
    assert_int_equal(plan->n_ops, 2);  /* a1/y, a1 */
    assert_false(in_order(plan, out_of(g, "dead").op));
    assert_false(in_order(plan, out_of(g, "z").op));
    tact__plan_destroy(&plan);

    tact_session_t *s = tu_session(g, NULL);
    tact_tensor_t *pfv = tu_f32((int64_t[]){ 1 }, 1, (float[]){ 1 });
    tact_feed_t feed = { pf, pfv };
    tact_run_metadata_t md = { 0 };
    tact_run_options_t opts = { .metadata = &md, .trace_level = TACT_TRACE_FULL_TRACE };
    tact_status_t st = TACT_STATUS_INIT;
    tact_tensor_t *r = NULL;
    assert_int_equal(tact_session_run_ex(s, &opts, &a1, 1, &r, &feed, 1, NULL, 0, &st),
                     TACT_CODE_OK);
    assert_true(tu_f32_equal(r, (int64_t[]){ 1 }, 1, (float[]){ 2 }));
    assert_true(ran(&md, "a1") && ran(&md, "a1/y"));
    assert_false(ran(&md, "dead") || ran(&md, "z") || ran(&md, "a2"));
    tact_run_metadata_clear(&md);
    tact_tensor_destroy(&r);
    tact_tensor_destroy(&pfv);
    tact_session_destroy(&s);
    tact_graph_destroy(&g);
}

/* ------------------------------------------------------------------------------------------ */
/* graph_options: the rewrites switched off as TensorFlow switches them off. Each case runs a  */
/* fixture with a config and compares the partition graph, node for node, and the value with  */
/* TensorFlow 2.21's run under the same ConfigProto (data/rewrites_toggles.h, written by       */
/* make_rewrites_expected.py with toggles.pbtxt), and the value with tact's default run.       */
/* ------------------------------------------------------------------------------------------ */

typedef struct rt_case {
    const char *name;
    const char *partition;        /* TensorFlow's node order; compared as a set of lines */
    int n_value;
    const float *value;
} rt_case_t;

#include "tests/data/rewrites_toggles.h"

static const rt_case_t *rt_case(const char *name)
{
    for (size_t i = 0; i < sizeof rt_cases / sizeof rt_cases[0]; i++) {
        if (strcmp(rt_cases[i].name, name) == 0)
            return &rt_cases[i];
    }
    fail_msg("no case %s", name);
    return NULL;
}

static int line_cmp(const void *a, const void *b)
{
    return strcmp(*(char *const *) a, *(char *const *) b);
}

/* tact's kind for TensorFlow's node type in `line`: AddV2 and BiasAdd are both Add (a BiasAdd
 * is an Add that checks ranks), so its partition text says Add. Rewrites `line` in place. */
static void as_tact_type(char *line)
{
    static const char *const tf[2] = { " = AddV2(", " = BiasAdd(" };
    for (int i = 0; i < 2; i++) {
        char *at = strstr(line, tf[i]);
        if (at != NULL) {
            size_t skip = strlen(tf[i]) - strlen(" = Add(");
            memcpy(at, " = Add(", 7);
            memmove(at + 7, at + 7 + skip, strlen(at + 7 + skip) + 1);
        }
    }
}

/* The lines of `text`, sorted, as pointers into *copy (caller frees both); TensorFlow's
 * (tf) with tact's type names. */
static char **sorted_lines(const char *text, bool tf, char **copy, int *n)
{
    *copy = strdup(text);
    char **lines = malloc((strlen(text) + 1) * sizeof *lines);
    *n = 0;
    for (char *save = NULL, *l = strtok_r(*copy, "\n", &save); l != NULL;
         l = strtok_r(NULL, "\n", &save)) {
        if (tf)
            as_tact_type(l);
        lines[(*n)++] = l;
    }
    qsort(lines, (size_t) *n, sizeof *lines, line_cmp);
    return lines;
}

/* Whether tact's partition text holds TensorFlow's nodes, in any order; prints both when
 * not. */
static bool same_nodes(const char *got, const char *want)
{
    char *gc, *wc;
    int gn, wn;
    char **gl = sorted_lines(got, false, &gc, &gn), **wl = sorted_lines(want, true, &wc, &wn);
    bool same = gn == wn;
    for (int i = 0; i < gn && same; i++)
        same = strcmp(gl[i], wl[i]) == 0;
    if (!same)
        fprintf(stderr, "partition:\n%s\nTensorFlow's:\n%s\n", got, want);
    free(gl);
    free(wl);
    free(gc);
    free(wc);
    return same;
}

static int n_lines(const char *text)
{
    int n = 0;
    for (; *text != '\0'; text++)
        n += *text == '\n';
    return n;
}

/* The fixture graphs TensorFlow ran: the fetch, its one feed and their shapes. */
typedef struct rt_graph {
    const char *fixture, *fetch, *feed;
    int feed_ndims;
    int64_t feed_dims[3];
    int out_ndims;
    int64_t out_dims[2];
} rt_graph_t;

static const rt_graph_t rt_id = { "toggles.pbtxt", "tmm", "tx", 2, { 2, 3 }, 2, { 2, 4 } };
static const rt_graph_t rt_fuse = { "toggles.pbtxt", "fy", "fx", 2, { 2, 3 }, 2, { 2, 4 } };
static const rt_graph_t rt_cse = { "toggles.pbtxt", "cy", "cx", 1, { 3 }, 1, { 3 } };
static const rt_graph_t rt_noop = { "fold.pbtxt", "z", "pf", 1, { 1 }, 1, { 1 } };
static const rt_graph_t rt_fold = { "fold.pbtxt", "scaled", "x", 3, { 2, 3, 4 }, 2, { 2, 12 } };

/* The feed TensorFlow's run had (make_rewrites_expected.py): tx ones, fx 0..5 - 2, cx
 * [1 -2 3], pf [1], x 0..23. */
static tact_tensor_t *rt_feed(const rt_graph_t *gr)
{
    float v[24];
    int64_t n = 1;
    for (int d = 0; d < gr->feed_ndims; d++)
        n *= gr->feed_dims[d];
    for (int64_t i = 0; i < n; i++)
        v[i] = gr == &rt_id ? 1 : gr == &rt_fuse ? (float) i - 2 : (float) i;
    if (gr == &rt_cse)
        memcpy(v, (const float[]){ 1, -2, 3 }, sizeof(float[3]));
    if (gr == &rt_noop)
        v[0] = 1;
    return tu_f32(gr->feed_dims, gr->feed_ndims, v);
}

/* Runs gr under `config`; returns the partition text (caller frees) after checking the value
 * is TensorFlow's for case `tc` and equals tact's default run's. */
static char *rt_run(const rt_graph_t *gr, const tact_config_t *config, const rt_case_t *tc)
{
    tact_graph_t *g = tu_import_fixture(TACT_TEST_DATA_DIR, gr->fixture);
    tact_output_t fetch = out_of(g, gr->fetch);
    tact_tensor_t *fv = rt_feed(gr);
    tact_feed_t feed = { out_of(g, gr->feed), fv };
    tact_status_t st = TACT_STATUS_INIT;

    tact_session_t *s = tu_session(g, NULL);
    tact_tensor_t *base = tu_run1(s, fetch, &feed, 1, &st);
    assert_int_equal(st.code, TACT_CODE_OK);
    tact_session_destroy(&s);

    s = tu_session(g, config);
    tact_run_metadata_t md = { 0 };
    tact_run_options_t opts = { .metadata = &md };
    tact_tensor_t *r = NULL;
    assert_int_equal(tact_session_run_ex(s, &opts, &fetch, 1, &r, &feed, 1, NULL, 0, &st),
                     TACT_CODE_OK);
    assert_int_equal(md.n_partitions, 1);
    char *text = strdup(md.partitions[0].graph);
    assert_int_equal(tact_tensor_nelems(r), tc->n_value);
    assert_true(tu_f32_equal(r, gr->out_dims, gr->out_ndims, tc->value));
    assert_true(tu_f32_equal(base, gr->out_dims, gr->out_ndims, tc->value));
    tact_run_metadata_clear(&md);
    tact_tensor_destroy(&r);
    tact_tensor_destroy(&base);
    tact_tensor_destroy(&fv);
    tact_session_destroy(&s);
    tact_graph_destroy(&g);
    return text;
}

/* Runs case `name` and checks its partition holds TensorFlow's nodes. */
static void rt_check(const rt_graph_t *gr, const tact_config_t *config, const char *name)
{
    const rt_case_t *tc = rt_case(name);
    char *text = rt_run(gr, config, tc);
    assert_true(same_nodes(text, tc->partition));
    free(text);
}

/* The zero value, and every toggle ON, leave every rewrite on. */
static void test_toggle_defaults_all_on(void **state)
{
    (void) state;
    tact_config_t c = { 0 };
    tact_rewrites_t rw;
    tact__rewrites_from_config(&c, &rw);
    assert_true(rw.identities && rw.stop_gradients && rw.cse && rw.fold && rw.noops && rw.fuse);
    c.graph_options.rewrite_options = (struct tact_rewriter_config) {
        TACT_TOGGLE_ON, TACT_TOGGLE_ON, TACT_TOGGLE_ON, TACT_TOGGLE_ON, TACT_TOGGLE_ON,
        false, false };
    tact__rewrites_from_config(&c, &rw);
    assert_true(rw.identities && rw.stop_gradients && rw.cse && rw.fold && rw.noops && rw.fuse);
    rt_check(&rt_id, &c, "ID_DEFAULT");
}

/* dependency_optimization OFF: the relaying NoOp runs, and a1 and a2 before it (TensorFlow:
 * "nop = NoOp(^a1, ^a2)"). The Identity still goes: the model pruner removes it too. */
static void test_toggle_dependency_optimization(void **state)
{
    (void) state;
    tact_config_t c = { 0 };
    c.graph_options.rewrite_options.dependency_optimization = TACT_TOGGLE_OFF;
    rt_check(&rt_id, &c, "ID_DEP_OFF");
    /* arithmetic_optimization OFF as well in both: TensorFlow's would swap a1's inputs. */
    c.graph_options.rewrite_options.arithmetic_optimization = TACT_TOGGLE_OFF;
    rt_check(&rt_noop, &c, "NOOP_DEP_OFF");
}

/* disable_model_pruning: StopGradient runs; the Identity only with dependency_optimization
 * OFF too. */
static void test_toggle_model_pruning(void **state)
{
    (void) state;
    tact_config_t c = { 0 };
    c.graph_options.rewrite_options.disable_model_pruning = true;
    rt_check(&rt_id, &c, "ID_PRUNING_OFF");
    c.graph_options.rewrite_options.dependency_optimization = TACT_TOGGLE_OFF;
    rt_check(&rt_id, &c, "ID_PRUNING_DEP_OFF");
}

/* The Flatten graph of fold.pbtxt with its constants folded (test_fold_keras_flatten_run). */
static const char rt_folded[] = "_arg_x_0_0 = _Arg()\n"
                                "flat/stack = Const()\n"
                                "k = Const()\n"
                                "flat/Reshape = Reshape(_arg_x_0_0, flat/stack)\n"
                                "scaled = Mul(flat/Reshape, k)\n"
                                "_retval_scaled_0_0 = _Retval(scaled)\n";

/* constant_folding OFF with opt_level L0: the Keras Flatten chain runs as built. With only
 * one of them, or L0 with do_constant_folding, it folds (TensorFlow's graph optimizer names
 * its constants "flat/stack/_0__cf__0" and "k/_1__cf__1"; tact keeps the ops' names). */
static void test_toggle_constant_folding(void **state)
{
    (void) state;
    tact_config_t c = { 0 };
    c.graph_options.rewrite_options.constant_folding = TACT_TOGGLE_OFF;
    c.graph_options.rewrite_options.arithmetic_optimization = TACT_TOGGLE_OFF;
    c.graph_options.optimizer_options.opt_level = TACT_OPT_LEVEL_L0;
    rt_check(&rt_fold, &c, "FOLD_OFF_L0");
    c.graph_options.optimizer_options.do_constant_folding = true;
    char *text = rt_run(&rt_fold, &c, rt_case("FOLD_L0_DO_FOLDING"));
    assert_true(same_nodes(text, rt_folded));
    assert_int_equal(n_lines(text), n_lines(rt_case("FOLD_L0_DO_FOLDING")->partition));
    free(text);
    tact_config_t only = { 0 };
    only.graph_options.rewrite_options.constant_folding = TACT_TOGGLE_OFF;
    text = rt_run(&rt_fold, &only, rt_case("FOLD_OFF"));
    assert_true(same_nodes(text, rt_folded));
    assert_int_equal(n_lines(text), n_lines(rt_case("FOLD_OFF")->partition));
    free(text);
}

/* remapping OFF: MatMul, BiasAdd and Relu run as three nodes, not one _FusedMatMul. */
static void test_toggle_remapping(void **state)
{
    (void) state;
    tact_config_t c = { 0 };
    char *text = rt_run(&rt_fuse, &c, rt_case("FUSE_REMAP_OFF"));
    assert_true(tu_contains(text, "fy = _FusedMatMul(_arg_fx_0_0, fw, fb)\n"));
    free(text);
    c.graph_options.rewrite_options.remapping = TACT_TOGGLE_OFF;
    rt_check(&rt_fuse, &c, "FUSE_REMAP_OFF");
}

/* Duplicates run when Grappler's CSE is off (common_subgraph_elimination or
 * arithmetic_optimization OFF) and opt_level is L0; either alone still merges them, as does
 * L0 with do_common_subexpression_elimination. */
static void test_toggle_common_subgraph_elimination(void **state)
{
    (void) state;
    tact_config_t c = { 0 };
    c.graph_options.rewrite_options.common_subgraph_elimination = TACT_TOGGLE_OFF;
    rt_check(&rt_cse, &c, "CSE_OFF");
    c.graph_options.optimizer_options.opt_level = TACT_OPT_LEVEL_L0;
    rt_check(&rt_cse, &c, "CSE_OFF_L0");
    c.graph_options.optimizer_options.do_common_subexpression_elimination = true;
    rt_check(&rt_cse, &c, "CSE_L0_DO_CSE");
    tact_config_t a = { 0 };
    a.graph_options.rewrite_options.arithmetic_optimization = TACT_TOGGLE_OFF;
    a.graph_options.optimizer_options.opt_level = TACT_OPT_LEVEL_L0;
    rt_check(&rt_cse, &a, "CSE_ARITH_OFF_L0");
}

/* disable_meta_optimizer: every Grappler pass off, whatever the toggles say; at L1 the graph
 * optimizer still folds and merges, at L0 every graph runs as built. */
static void test_toggle_disable_meta_optimizer(void **state)
{
    (void) state;
    const rt_graph_t *graphs[5] = { &rt_id, &rt_fuse, &rt_cse, &rt_noop, &rt_fold };
    const char *names[5] = { "ID", "FUSE", "CSE", "NOOP", "FOLD" };
    tact_config_t c = { 0 };
    c.graph_options.rewrite_options = (struct tact_rewriter_config) {
        TACT_TOGGLE_ON, TACT_TOGGLE_ON, TACT_TOGGLE_ON, TACT_TOGGLE_ON, TACT_TOGGLE_ON,
        false, true };
    for (int i = 0; i < 5; i++) {
        char name[32];
        snprintf(name, sizeof name, "META_OFF_%s", names[i]);
        if (graphs[i] == &rt_fold) {  /* the graph optimizer's names, as above */
            char *text = rt_run(graphs[i], &c, rt_case(name));
            assert_true(same_nodes(text, rt_folded));
            assert_int_equal(n_lines(text), n_lines(rt_case(name)->partition));
            free(text);
        } else {
            rt_check(graphs[i], &c, name);
        }
    }
    c.graph_options.optimizer_options.opt_level = TACT_OPT_LEVEL_L0;
    for (int i = 0; i < 5; i++) {
        char name[32];
        snprintf(name, sizeof name, "META_OFF_L0_%s", names[i]);
        rt_check(graphs[i], &c, name);
    }
}

/* A value outside its enum: INVALID_ARGUMENT at session creation, naming the field. */
static void test_toggle_invalid(void **state)
{
    (void) state;
    tact_graph_t *g = tact_graph_new();
    const char *fields[5] = { "constant_folding", "remapping", "arithmetic_optimization",
                              "common_subgraph_elimination", "dependency_optimization" };
    for (int i = 0; i < 5; i++) {
        tact_config_t c = { 0 };
        tact_toggle_t *t[5] = { &c.graph_options.rewrite_options.constant_folding,
                                &c.graph_options.rewrite_options.remapping,
                                &c.graph_options.rewrite_options.arithmetic_optimization,
                                &c.graph_options.rewrite_options.common_subgraph_elimination,
                                &c.graph_options.rewrite_options.dependency_optimization };
        *t[i] = (tact_toggle_t) (i == 0 ? -1 : 3);
        tact_status_t st = TACT_STATUS_INIT;
        assert_null(tact_session_new(NULL, g, &c, &st));
        assert_int_equal(st.code, TACT_CODE_INVALID_ARGUMENT);
        char want[128];
        snprintf(want, sizeof want, "graph_options.rewrite_options.%s: unknown value %d",
                 fields[i], i == 0 ? -1 : 3);
        assert_string_equal(st.msg, want);
    }
    tact_config_t c = { 0 };
    c.graph_options.optimizer_options.opt_level = (tact_opt_level_t) 1;
    tact_status_t st = TACT_STATUS_INIT;
    assert_null(tact_session_new(NULL, g, &c, &st));
    assert_int_equal(st.code, TACT_CODE_INVALID_ARGUMENT);
    assert_string_equal(st.msg, "graph_options.optimizer_options.opt_level: unknown value 1");
    tact_graph_destroy(&g);
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
        cmocka_unit_test(test_fold_keras_flatten_plan),
        cmocka_unit_test(test_fold_keras_flatten_run),
        cmocka_unit_test(test_fold_errors_unchanged),
        cmocka_unit_test(test_fold_left_alone),
        cmocka_unit_test(test_fold_shape_of_known_input),
        cmocka_unit_test(test_fold_placement_log),
        cmocka_unit_test(test_noop_relay_removed),
        cmocka_unit_test(test_noop_across_devices_kept),
        cmocka_unit_test(test_dead_branch_not_run),
        cmocka_unit_test(test_toggle_defaults_all_on),
        cmocka_unit_test(test_toggle_dependency_optimization),
        cmocka_unit_test(test_toggle_model_pruning),
        cmocka_unit_test(test_toggle_constant_folding),
        cmocka_unit_test(test_toggle_remapping),
        cmocka_unit_test(test_toggle_common_subgraph_elimination),
        cmocka_unit_test(test_toggle_disable_meta_optimizer),
        cmocka_unit_test(test_toggle_invalid),
    };
    return cmocka_run_group_tests_name("rewrites", tests, NULL, NULL);
}
