/* SPDX-License-Identifier: MIT */
/* Plan building (runtime/exec/plan.c), called directly: no session, no threads, no device code.
 * Covers pruning to what the fetches and targets need (a fed tensor cuts its producers),
 * topological node order, control inputs of groups, slot numbering (feed slots first), each
 * node's input and output slots, the release lists (each slot freed once, by its last reader,
 * never when fetched), unfed-placeholder errors, the signature keys the session's plan
 * cache compares, and the copy nodes where edges cross into or out of a device's memory.
 *
 * The simplest use of a plan (the session builds the signature from a run's sorted
 * endpoints; the device is only stored in the fragment, never called):
 *     tact_signature_t sig = { .n_fetches = 1, .fetches = &c };
 *     tact_device_t dev = { .iface = NULL, .name = "CPU:0" };
 *     tact_plan_t *plan = tact__plan_build(&sig, &dev, 1, false, NULL, NULL, &st);
 *     ... plan->fragments[0].nodes[0 .. n_nodes) ...
 *     tact__plan_destroy(&plan);
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "devices/cpu/cpu.h"
#include "runtime/exec/plan.h"
#include "tests/helpers.h"

/* ------------------------------------------------------------------------------------------ */
/* Helpers                                                                                    */
/* ------------------------------------------------------------------------------------------ */

#define MAX_ENDPOINTS 16

/* A signature with its own storage, sorted by (op id, index) as the session does. */
typedef struct test_sig {
    tact_output_t feeds[MAX_ENDPOINTS];
    tact_output_t fetches[MAX_ENDPOINTS];
    tact_op_t *targets[MAX_ENDPOINTS];
    tact_signature_t sig;
} test_sig_t;

static int cmp_output(const void *a, const void *b)
{
    const tact_output_t *x = a, *y = b;
    if (x->op->id != y->op->id)
        return x->op->id < y->op->id ? -1 : 1;
    return (x->index > y->index) - (x->index < y->index);
}

static int cmp_op(const void *a, const void *b)
{
    const tact_op_t *x = *(tact_op_t *const *) a, *y = *(tact_op_t *const *) b;
    return (x->id > y->id) - (x->id < y->id);
}

static void make_sig(test_sig_t *s, const tact_output_t *feeds, int n_feeds,
                     const tact_output_t *fetches, int n_fetches, tact_op_t *const *targets,
                     int n_targets)
{
    assert_true(n_feeds <= MAX_ENDPOINTS && n_fetches <= MAX_ENDPOINTS &&
                n_targets <= MAX_ENDPOINTS);
    memset(s, 0, sizeof *s);
    for (int i = 0; i < n_feeds; i++)
        s->feeds[i] = feeds[i];
    for (int i = 0; i < n_fetches; i++)
        s->fetches[i] = fetches[i];
    for (int i = 0; i < n_targets; i++)
        s->targets[i] = targets[i];
    qsort(s->feeds, (size_t) n_feeds, sizeof s->feeds[0], cmp_output);
    qsort(s->fetches, (size_t) n_fetches, sizeof s->fetches[0], cmp_output);
    qsort(s->targets, (size_t) n_targets, sizeof s->targets[0], cmp_op);
    s->sig = (tact_signature_t) { .n_feeds = n_feeds, .feeds = s->feeds,
                                  .n_fetches = n_fetches, .fetches = s->fetches,
                                  .n_targets = n_targets, .targets = s->targets };
}

/* The device is only recorded in the fragment: no interface at all. */
static tact_device_t test_dev = { .iface = &tact__cpu_iface, .ordinal = 0, .name = "CPU:0" };

static tact_plan_t *build_ok(const test_sig_t *s)
{
    tact_status_t st = TACT_STATUS_INIT;
    tact_plan_t *plan = tact__plan_build(&s->sig, &test_dev, 1, false, NULL, NULL, &st);
    if (st.code != TACT_CODE_OK)
        fprintf(stderr, "plan failed: %s\n", st.msg);
    assert_int_equal(st.code, TACT_CODE_OK);
    assert_non_null(plan);
    return plan;
}

static int n_nodes(const tact_plan_t *plan)
{
    return plan->n_fragments == 0 ? 0 : plan->fragments[0].n_nodes;
}

static const tact_node_t *node_at(const tact_plan_t *plan, int i)
{
    assert_true(i >= 0 && i < n_nodes(plan));
    return &plan->fragments[0].nodes[i];
}

/* Index of the node running `op` (or the Const a folded op runs as: same id and name), or -1. */
static int find_node(const tact_plan_t *plan, const tact_op_t *op)
{
    for (int i = 0; i < n_nodes(plan); i++) {
        if (node_at(plan, i)->op->id == op->id)
            return i;
    }
    return -1;
}

static const tact_node_t *node_of(const tact_plan_t *plan, tact_output_t out)
{
    int i = find_node(plan, out.op);
    if (i < 0)
        fail_msg("%s is not in the plan", tact_op_name(out.op));
    return node_at(plan, i);
}

/* The slot that holds `out` in this plan (a feed's slot or its producer's out_slot), or -1. */
static int slot_of(const tact_plan_t *plan, const tact_signature_t *sig, tact_output_t out)
{
    for (int i = 0; i < sig->n_feeds; i++) {
        if (sig->feeds[i].op == out.op && sig->feeds[i].index == out.index)
            return plan->feed_slots[i];
    }
    int n = find_node(plan, out.op);
    return n < 0 ? -1 : node_at(plan, n)->out_slot;
}

static bool node_releases(const tact_node_t *node, int slot)
{
    for (int i = 0; i < node->n_release; i++) {
        if (node->release_slots[i] == slot)
            return true;
    }
    return false;
}

static bool is_fed(const tact_signature_t *sig, const tact_op_t *op)
{
    for (int i = 0; i < sig->n_feeds; i++) {
        if (sig->feeds[i].op == op)
            return true;
    }
    return false;
}

/* Every structural invariant of a plan, checked against the signature it was built from. */
static void check_invariants(const tact_plan_t *plan, const tact_signature_t *sig)
{
    int nn = n_nodes(plan);
    assert_true(plan->n_fragments == (nn > 0 ? 1 : 0));
    if (plan->n_fragments > 0) {
        assert_ptr_equal(plan->fragments[0].dev, &test_dev);
        assert_ptr_equal(plan->fragments[0].nodes, plan->nodes);
    }

    /* Feed slots come first, in signature order. */
    assert_int_equal(plan->n_feeds, sig->n_feeds);
    for (int i = 0; i < sig->n_feeds; i++)
        assert_int_equal(plan->feed_slots[i], i);

    /* Nodes: increasing ids (a topological order), none of them fed, distinct output slots
     * after the feed slots, -1 exactly for ops without outputs. */
    bool *slot_used = calloc((size_t) plan->n_slots + 1, sizeof *slot_used);
    assert_non_null(slot_used);
    for (int i = 0; i < sig->n_feeds; i++)
        slot_used[plan->feed_slots[i]] = true;
    for (int n = 0; n < nn; n++) {
        const tact_node_t *node = node_at(plan, n);
        if (n > 0)
            assert_true(node_at(plan, n - 1)->op->id < node->op->id);
        assert_false(is_fed(sig, node->op));
        assert_int_equal(node->n_in, tact_op_num_inputs(node->op));
        if (tact_op_num_outputs(node->op) == 0) {
            assert_int_equal(node->out_slot, -1);
        } else {
            assert_true(node->out_slot >= sig->n_feeds && node->out_slot < plan->n_slots);
            assert_false(slot_used[node->out_slot]);
            slot_used[node->out_slot] = true;
        }
        /* Each input slot holds the input's feed or its producer's output, made earlier. */
        for (int i = 0; i < node->n_in; i++) {
            tact_output_t in = tact_op_input(node->op, i);
            if (is_fed(sig, in.op)) {
                assert_int_equal(node->in_slots[i], slot_of(plan, sig, in));
            } else {
                int p = find_node(plan, in.op);
                assert_true(p >= 0 && p < n);
                assert_int_equal(node->in_slots[i], node_at(plan, p)->out_slot);
            }
        }
        /* Control inputs run earlier in the same plan (unless fed). */
        for (int i = 0; i < node->op->n_controls; i++) {
            int p = find_node(plan, node->op->controls[i]);
            assert_true(is_fed(sig, node->op->controls[i]) || (p >= 0 && p < n));
        }
    }
    for (int s = 0; s < plan->n_slots; s++)  /* or its op was rewritten away (left empty) */
        assert_true(slot_used[s] || find_node(plan, plan->slot_op[s]) < 0);
    free(slot_used);

    /* Fetch slots. */
    assert_int_equal(plan->n_fetches, sig->n_fetches);
    for (int i = 0; i < sig->n_fetches; i++) {
        int p = find_node(plan, sig->fetches[i].op);
        assert_true(p >= 0);
        assert_int_equal(plan->fetch_slots[i], node_at(plan, p)->out_slot);
    }

    /* Releases: a fetched slot never; any other slot once, by its last reader, or by its
     * producer when nothing reads it; an unread feed never. */
    for (int s = 0; s < plan->n_slots; s++) {
        bool fetched = false;
        for (int i = 0; i < sig->n_fetches; i++)
            fetched |= plan->fetch_slots[i] == s;
        int last = -1;
        for (int n = 0; n < nn; n++) {
            const tact_node_t *node = node_at(plan, n);
            if (node->out_slot == s)
                last = n;
            for (int i = 0; i < node->n_in; i++) {
                if (node->in_slots[i] == s)
                    last = n;
            }
        }
        int count = 0, where = -1;
        for (int n = 0; n < nn; n++) {
            const tact_node_t *node = node_at(plan, n);
            for (int i = 0; i < node->n_release; i++) {
                if (node->release_slots[i] == s) {
                    count++;
                    where = n;
                }
            }
        }
        if (fetched || last < 0) {
            assert_int_equal(count, 0);
        } else {
            assert_int_equal(count, 1);
            assert_int_equal(where, last);
        }
    }

    /* The packed signature and its hash. */
    int64_t keys[3 * MAX_ENDPOINTS + 3];
    assert_int_equal(plan->n_keys, tact__signature_n_keys(sig));
    assert_int_equal(plan->hash, tact__signature_keys(sig, keys));
    assert_memory_equal(plan->keys, keys, (size_t) plan->n_keys * sizeof keys[0]);
}

static tact_output_t cf(tact_graph_t *g, float v, const char *name)
{
    tact_status_t st = TACT_STATUS_INIT;
    tact_output_t out = tu_const_f32(g, NULL, 0, &v, name, &st);
    assert_int_equal(st.code, TACT_CODE_OK);
    return out;
}

/* ------------------------------------------------------------------------------------------ */
/* Tests                                                                                      */
/* ------------------------------------------------------------------------------------------ */

static void test_simplest_plan(void **state)
{
    (void) state;
    tact_status_t st = TACT_STATUS_INIT;
    tact_graph_t *g = tact_graph_new();
    tact_output_t a = cf(g, 1, "a");
    tact_output_t b = cf(g, 2, "b");
    tact_output_t c = tact_add(g, a, b, "c", &st);
    assert_int_equal(st.code, TACT_CODE_OK);

    test_sig_t s;
    make_sig(&s, NULL, 0, &c, 1, NULL, 0);
    tact_plan_t *plan = build_ok(&s);
    check_invariants(plan, &s.sig);
    assert_int_equal(plan->n_fragments, 1);
    assert_int_equal(n_nodes(plan), 3);
    assert_int_equal(plan->n_slots, 3);
    assert_ptr_equal(node_at(plan, 0)->op, a.op);
    assert_ptr_equal(node_at(plan, 1)->op, b.op);
    assert_ptr_equal(node_at(plan, 2)->op, c.op);
    const tact_node_t *nc = node_at(plan, 2);
    assert_int_equal(node_at(plan, 0)->out_slot, 0);
    assert_int_equal(node_at(plan, 1)->out_slot, 1);
    assert_int_equal(nc->out_slot, 2);
    assert_int_equal(nc->n_in, 2);
    assert_int_equal(nc->in_slots[0], 0);
    assert_int_equal(nc->in_slots[1], 1);
    /* a and b die after c reads them; c is fetched and lives on. */
    assert_int_equal(node_at(plan, 0)->n_release, 0);
    assert_int_equal(node_at(plan, 1)->n_release, 0);
    assert_int_equal(nc->n_release, 2);
    assert_true(node_releases(nc, 0) && node_releases(nc, 1));
    assert_false(node_releases(nc, 2));
    assert_int_equal(plan->n_fetches, 1);
    assert_int_equal(plan->fetch_slots[0], 2);
    assert_int_equal(plan->n_feeds, 0);
    assert_null(plan->next);

    tact__plan_destroy(&plan);
    assert_null(plan);
    tact__plan_destroy(&plan);  /* NULL is fine */
    tact__plan_destroy(NULL);
    tact_graph_destroy(&g);
}

static void test_feed_cuts_producers(void **state)
{
    (void) state;
    tact_status_t st = TACT_STATUS_INIT;
    tact_graph_t *g = tact_graph_new();
    tact_output_t p = tact_placeholder(g, TACT_DTYPE_F32, (int64_t[]) { 2 }, 1, "p", &st);
    tact_output_t two = cf(g, 2, "two");
    tact_output_t q = tact_multiply(g, p, two, "q", &st);
    tact_output_t one = cf(g, 1, "one");
    tact_output_t r = tact_add(g, q, one, "r", &st);
    assert_int_equal(st.code, TACT_CODE_OK);

    /* Feeding q: p (and two) are not needed, so the unfed placeholder is no error. */
    test_sig_t s;
    make_sig(&s, &q, 1, &r, 1, NULL, 0);
    tact_plan_t *plan = build_ok(&s);
    check_invariants(plan, &s.sig);
    assert_int_equal(n_nodes(plan), 2);
    assert_int_equal(find_node(plan, p.op), -1);
    assert_int_equal(find_node(plan, two.op), -1);
    assert_int_equal(find_node(plan, q.op), -1);  /* fed: its value comes from the feed */
    assert_ptr_equal(node_at(plan, 0)->op, one.op);
    assert_ptr_equal(node_at(plan, 1)->op, r.op);
    assert_int_equal(plan->n_slots, 3);
    assert_int_equal(plan->feed_slots[0], 0);
    assert_int_equal(node_at(plan, 0)->out_slot, 1);
    const tact_node_t *nr = node_at(plan, 1);
    assert_int_equal(nr->out_slot, 2);
    assert_int_equal(nr->in_slots[0], 0);  /* the feed */
    assert_int_equal(nr->in_slots[1], 1);
    assert_int_equal(nr->n_release, 2);
    assert_true(node_releases(nr, 0) && node_releases(nr, 1));
    assert_int_equal(plan->fetch_slots[0], 2);
    tact__plan_destroy(&plan);

    /* Without the feed, p is needed and unfed. */
    make_sig(&s, NULL, 0, &r, 1, NULL, 0);
    plan = tact__plan_build(&s.sig, &test_dev, 1, false, NULL, NULL, &st);
    assert_null(plan);
    assert_int_equal(st.code, TACT_CODE_INVALID_ARGUMENT);
    assert_true(tu_contains(st.msg, "You must feed a value for placeholder tensor 'p'"));

    /* Feeding p: everything else runs, p does not. */
    st = (tact_status_t) TACT_STATUS_INIT;
    make_sig(&s, &p, 1, &r, 1, NULL, 0);
    plan = build_ok(&s);
    check_invariants(plan, &s.sig);
    assert_int_equal(n_nodes(plan), 4);
    assert_int_equal(find_node(plan, p.op), -1);
    assert_ptr_equal(node_at(plan, 0)->op, two.op);
    assert_ptr_equal(node_at(plan, 1)->op, q.op);
    assert_ptr_equal(node_at(plan, 2)->op, one.op);
    assert_ptr_equal(node_at(plan, 3)->op, r.op);
    assert_int_equal(node_of(plan, q)->in_slots[0], 0);
    assert_int_equal(node_of(plan, q)->in_slots[1], 1);
    assert_int_equal(plan->n_slots, 5);
    tact__plan_destroy(&plan);

    /* Fetching q while feeding p: r and one are pruned. */
    make_sig(&s, &p, 1, &q, 1, NULL, 0);
    plan = build_ok(&s);
    check_invariants(plan, &s.sig);
    assert_int_equal(n_nodes(plan), 2);
    assert_int_equal(find_node(plan, r.op), -1);
    assert_int_equal(find_node(plan, one.op), -1);
    tact__plan_destroy(&plan);
    tact_graph_destroy(&g);
}

static void test_prunes_unreachable_ops(void **state)
{
    (void) state;
    tact_status_t st = TACT_STATUS_INIT;
    tact_graph_t *g = tact_graph_new();
    tact_output_t x = cf(g, 1, "x");
    tact_output_t unused = cf(g, 5, "unused");
    tact_output_t unfed = tact_placeholder(g, TACT_DTYPE_F32, NULL, -1, "unfed", &st);
    tact_output_t y = tact_negative(g, x, "y", &st);
    tact_output_t side = tact_add(g, unused, unfed, "side", &st);
    tact_output_t z = tact_relu(g, y, "z", &st);
    tact_output_t later = tact_add(g, z, x, "later", &st);  /* consumes z: not needed for z */
    assert_int_equal(st.code, TACT_CODE_OK);

    test_sig_t s;
    make_sig(&s, NULL, 0, &z, 1, NULL, 0);
    tact_plan_t *plan = build_ok(&s);
    check_invariants(plan, &s.sig);
    assert_int_equal(n_nodes(plan), 3);
    assert_ptr_equal(node_at(plan, 0)->op, x.op);
    assert_ptr_equal(node_at(plan, 1)->op, y.op);
    assert_ptr_equal(node_at(plan, 2)->op, z.op);
    assert_int_equal(find_node(plan, unused.op), -1);
    assert_int_equal(find_node(plan, unfed.op), -1);
    assert_int_equal(find_node(plan, side.op), -1);
    assert_int_equal(find_node(plan, later.op), -1);
    assert_int_equal(plan->n_slots, 3);
    /* A chain: each value dies at its one reader. */
    assert_int_equal(node_at(plan, 1)->n_release, 1);
    assert_int_equal(node_at(plan, 1)->release_slots[0], node_at(plan, 0)->out_slot);
    assert_int_equal(node_at(plan, 2)->n_release, 1);
    assert_int_equal(node_at(plan, 2)->release_slots[0], node_at(plan, 1)->out_slot);
    tact__plan_destroy(&plan);

    /* Ops added after a plan was built change nothing in it or in a rebuilt one. */
    tact_output_t more = tact_multiply(g, z, z, "more", &st);
    assert_int_equal(st.code, TACT_CODE_OK);
    plan = build_ok(&s);
    check_invariants(plan, &s.sig);
    assert_int_equal(n_nodes(plan), 3);
    assert_int_equal(find_node(plan, more.op), -1);
    tact__plan_destroy(&plan);
    tact_graph_destroy(&g);
}

static void test_diamond_and_repeated_inputs(void **state)
{
    (void) state;
    tact_status_t st = TACT_STATUS_INIT;
    tact_graph_t *g = tact_graph_new();
    tact_output_t a = cf(g, 3, "a");
    tact_output_t b = cf(g, 4, "b");
    tact_output_t c = tact_add(g, a, b, "c", &st);      /* reads a, b */
    tact_output_t d = tact_multiply(g, c, a, "d", &st); /* reads c, a: a's last reader */
    tact_output_t e = tact_negative(g, c, "e", &st);    /* c's last reader */
    tact_output_t f = tact_subtract(g, d, e, "f", &st); /* reads d, e */
    tact_output_t sq = tact_multiply(g, f, f, "sq", &st); /* one slot read twice */
    assert_int_equal(st.code, TACT_CODE_OK);

    test_sig_t s;
    make_sig(&s, NULL, 0, &sq, 1, NULL, 0);
    tact_plan_t *plan = build_ok(&s);
    check_invariants(plan, &s.sig);
    assert_int_equal(n_nodes(plan), 7);
    int sa = node_of(plan, a)->out_slot, sb = node_of(plan, b)->out_slot;
    int sc = node_of(plan, c)->out_slot, sd = node_of(plan, d)->out_slot;
    int se = node_of(plan, e)->out_slot, sf = node_of(plan, f)->out_slot;
    assert_int_equal(node_of(plan, c)->n_release, 1);
    assert_int_equal(node_of(plan, c)->release_slots[0], sb);
    assert_int_equal(node_of(plan, d)->n_release, 1);
    assert_int_equal(node_of(plan, d)->release_slots[0], sa);
    assert_int_equal(node_of(plan, e)->n_release, 1);
    assert_int_equal(node_of(plan, e)->release_slots[0], sc);
    assert_int_equal(node_of(plan, f)->n_release, 2);
    assert_true(node_releases(node_of(plan, f), sd) && node_releases(node_of(plan, f), se));
    const tact_node_t *nsq = node_of(plan, sq);
    assert_int_equal(nsq->in_slots[0], sf);
    assert_int_equal(nsq->in_slots[1], sf);
    assert_int_equal(nsq->n_release, 1);  /* once, though read twice */
    assert_int_equal(nsq->release_slots[0], sf);
    tact__plan_destroy(&plan);

    /* Fetching intermediate values too: those are never released. */
    tact_output_t fetches[] = { sq, c, a };
    make_sig(&s, NULL, 0, fetches, 3, NULL, 0);
    plan = build_ok(&s);
    check_invariants(plan, &s.sig);
    assert_int_equal(n_nodes(plan), 7);
    /* Sorted by op id: a, c, sq. */
    assert_int_equal(plan->fetch_slots[0], node_of(plan, a)->out_slot);
    assert_int_equal(plan->fetch_slots[1], node_of(plan, c)->out_slot);
    assert_int_equal(plan->fetch_slots[2], node_of(plan, sq)->out_slot);
    assert_int_equal(node_of(plan, d)->n_release, 0);
    assert_int_equal(node_of(plan, e)->n_release, 0);
    assert_int_equal(node_of(plan, c)->n_release, 1);
    assert_int_equal(node_of(plan, c)->release_slots[0], node_of(plan, b)->out_slot);
    tact__plan_destroy(&plan);
    tact_graph_destroy(&g);
}

static void test_targets_groups_and_noops(void **state)
{
    (void) state;
    tact_status_t st = TACT_STATUS_INIT;
    tact_graph_t *g = tact_graph_new();
    tact_output_t x = cf(g, 1, "x");
    tact_output_t y = tact_negative(g, x, "y", &st);
    tact_output_t z = tact_relu(g, x, "z", &st);
    tact_output_t w = tact_multiply(g, y, z, "w", &st);  /* not needed by the group */
    tact_op_t *grp = tact_group(g, (tact_op_t *[]) { y.op, z.op }, 2, "grp", &st);
    tact_op_t *nop = tact_no_op(g, "nop", &st);
    assert_int_equal(st.code, TACT_CODE_OK);

    /* A lone NoOp: one node, no slots. */
    test_sig_t s;
    make_sig(&s, NULL, 0, NULL, 0, &nop, 1);
    tact_plan_t *plan = build_ok(&s);
    check_invariants(plan, &s.sig);
    assert_int_equal(n_nodes(plan), 1);
    assert_ptr_equal(node_at(plan, 0)->op, nop);
    assert_int_equal(node_at(plan, 0)->out_slot, -1);
    assert_int_equal(node_at(plan, 0)->n_in, 0);
    assert_int_equal(node_at(plan, 0)->n_release, 0);
    assert_int_equal(plan->n_slots, 0);
    assert_int_equal(plan->n_fetches, 0);
    tact__plan_destroy(&plan);

    /* The group pulls in its control inputs and their producers, not w. */
    make_sig(&s, NULL, 0, NULL, 0, &grp, 1);
    plan = build_ok(&s);
    check_invariants(plan, &s.sig);
    assert_int_equal(n_nodes(plan), 4);
    assert_ptr_equal(node_at(plan, 0)->op, x.op);
    assert_ptr_equal(node_at(plan, 1)->op, y.op);
    assert_ptr_equal(node_at(plan, 2)->op, z.op);
    assert_ptr_equal(node_at(plan, 3)->op, grp);
    assert_int_equal(find_node(plan, w.op), -1);
    assert_int_equal(find_node(plan, nop), -1);
    assert_int_equal(node_at(plan, 3)->out_slot, -1);
    assert_int_equal(node_at(plan, 3)->n_in, 0);
    assert_int_equal(node_at(plan, 3)->n_release, 0);
    /* Unread outputs of targeted ops die where they are made; x dies at its last reader. */
    int sx = node_of(plan, x)->out_slot, sy = node_of(plan, y)->out_slot;
    int sz = node_of(plan, z)->out_slot;
    assert_int_equal(node_of(plan, y)->n_release, 1);
    assert_int_equal(node_of(plan, y)->release_slots[0], sy);
    assert_int_equal(node_of(plan, z)->n_release, 2);
    assert_true(node_releases(node_of(plan, z), sx) && node_releases(node_of(plan, z), sz));
    tact__plan_destroy(&plan);

    /* Fetching y as well as running the group: y lives on, z still dies at once. */
    tact_op_t *targets[] = { nop, grp };
    make_sig(&s, NULL, 0, &y, 1, targets, 2);
    plan = build_ok(&s);
    check_invariants(plan, &s.sig);
    assert_int_equal(n_nodes(plan), 5);
    assert_ptr_equal(node_at(plan, 4)->op, nop);
    assert_int_equal(node_of(plan, y)->n_release, 0);
    assert_true(node_releases(node_of(plan, z), node_of(plan, z)->out_slot));
    assert_int_equal(plan->fetch_slots[0], node_of(plan, y)->out_slot);
    tact__plan_destroy(&plan);

    /* A data op as a target: it runs and its unread output is released by itself. Its inputs
     * y and z are folded (constants the target reads), and x is no longer read. */
    make_sig(&s, NULL, 0, NULL, 0, &w.op, 1);
    plan = build_ok(&s);
    check_invariants(plan, &s.sig);
    assert_int_equal(n_nodes(plan), 3);
    assert_int_equal(find_node(plan, x.op), -1);
    const tact_node_t *nw = node_of(plan, w);
    assert_true(node_releases(nw, nw->out_slot));
    assert_true(node_releases(nw, node_of(plan, y)->out_slot));
    assert_true(node_releases(nw, node_of(plan, z)->out_slot));
    assert_int_equal(nw->n_release, 3);
    tact__plan_destroy(&plan);
    tact_graph_destroy(&g);
}

static void test_feed_slots_first(void **state)
{
    (void) state;
    tact_status_t st = TACT_STATUS_INIT;
    tact_graph_t *g = tact_graph_new();
    tact_output_t k = cf(g, 1, "k");
    tact_output_t p1 = tact_placeholder(g, TACT_DTYPE_F32, NULL, 0, "p1", &st);
    tact_output_t p2 = tact_placeholder(g, TACT_DTYPE_F32, NULL, 0, "p2", &st);
    tact_output_t idle = tact_placeholder(g, TACT_DTYPE_F32, NULL, 0, "idle", &st);
    tact_output_t s1 = tact_add(g, p1, k, "s1", &st);
    tact_output_t s2 = tact_multiply(g, s1, p2, "s2", &st);
    assert_int_equal(st.code, TACT_CODE_OK);

    /* Feeds given out of order are sorted by op id, and take slots 0, 1, 2 in that order. */
    tact_output_t feeds[] = { idle, p2, p1 };
    test_sig_t s;
    make_sig(&s, feeds, 3, &s2, 1, NULL, 0);
    assert_ptr_equal(s.sig.feeds[0].op, p1.op);
    assert_ptr_equal(s.sig.feeds[1].op, p2.op);
    assert_ptr_equal(s.sig.feeds[2].op, idle.op);
    tact_plan_t *plan = build_ok(&s);
    check_invariants(plan, &s.sig);
    assert_int_equal(plan->n_feeds, 3);
    assert_int_equal(plan->n_slots, 6);
    assert_int_equal(n_nodes(plan), 3);  /* k, s1, s2 */
    assert_int_equal(node_of(plan, k)->out_slot, 3);
    assert_int_equal(node_of(plan, s1)->out_slot, 4);
    assert_int_equal(node_of(plan, s2)->out_slot, 5);
    assert_int_equal(node_of(plan, s1)->in_slots[0], 0);
    assert_int_equal(node_of(plan, s1)->in_slots[1], 3);
    assert_int_equal(node_of(plan, s2)->in_slots[0], 4);
    assert_int_equal(node_of(plan, s2)->in_slots[1], 1);
    /* Feed slots die at their last reader; the unread feed is never released. */
    assert_true(node_releases(node_of(plan, s1), 0));
    assert_true(node_releases(node_of(plan, s2), 1));
    for (int n = 0; n < n_nodes(plan); n++)
        assert_false(node_releases(node_at(plan, n), 2));
    tact__plan_destroy(&plan);

    /* Feeds only, nothing to compute: an empty plan with the feed slots. */
    make_sig(&s, &p1, 1, NULL, 0, NULL, 0);
    plan = build_ok(&s);
    check_invariants(plan, &s.sig);
    assert_int_equal(plan->n_fragments, 0);
    assert_int_equal(plan->n_slots, 1);
    assert_int_equal(plan->feed_slots[0], 0);
    tact__plan_destroy(&plan);
    tact_graph_destroy(&g);
}

static void test_unfed_placeholder(void **state)
{
    (void) state;
    tact_status_t st = TACT_STATUS_INIT;
    tact_graph_t *g = tact_graph_new();
    tact_output_t x = tact_placeholder(g, TACT_DTYPE_F32, (int64_t[]) { 2 }, 1, "x", &st);
    tact_output_t u = tact_placeholder(g, TACT_DTYPE_I32, (int64_t[]) { -1, 3 }, 2, "u", &st);
    tact_output_t r = tact_placeholder(g, TACT_DTYPE_F64, NULL, -1, "r", &st);
    tact_output_t m = tact_placeholder(g, TACT_DTYPE_I64, (int64_t[]) { 2, 3 }, 2, "m", &st);
    tact_output_t y = tact_negative(g, x, "y", &st);
    tact_output_t uy = tact_relu(g, u, "uy", &st);
    tact_output_t ry = tact_identity(g, r, "ry", &st);
    tact_op_t *grp = tact_group(g, &m.op, 1, "grp", &st);
    assert_int_equal(st.code, TACT_CODE_OK);

    test_sig_t s;
    make_sig(&s, NULL, 0, &y, 1, NULL, 0);
    tact_plan_t *plan = tact__plan_build(&s.sig, &test_dev, 1, false, NULL, NULL, &st);
    assert_null(plan);
    assert_int_equal(st.code, TACT_CODE_INVALID_ARGUMENT);
    assert_true(tu_contains(st.msg, "You must feed a value for placeholder tensor 'x' with dtype "
                                    "float and shape [2]"));
    assert_true(tu_contains(st.msg, "[[{{node x}}]]"));

    /* An unknown size: the partial shape, as TensorFlow prints it. */
    st = (tact_status_t) TACT_STATUS_INIT;
    make_sig(&s, NULL, 0, &uy, 1, NULL, 0);
    assert_null(tact__plan_build(&s.sig, &test_dev, 1, false, NULL, NULL, &st));
    assert_int_equal(st.code, TACT_CODE_INVALID_ARGUMENT);
    assert_true(tu_contains(st.msg, "You must feed a value for placeholder tensor 'u' with dtype "
                                    "int32 and shape [?,3]"));

    /* An unknown rank: no shape clause either. */
    st = (tact_status_t) TACT_STATUS_INIT;
    make_sig(&s, NULL, 0, &ry, 1, NULL, 0);
    assert_null(tact__plan_build(&s.sig, &test_dev, 1, false, NULL, NULL, &st));
    assert_true(tu_contains(st.msg, "placeholder tensor 'r' with dtype double"));
    assert_null(strstr(st.msg, " and shape"));

    /* Reached through a control input. */
    st = (tact_status_t) TACT_STATUS_INIT;
    make_sig(&s, NULL, 0, NULL, 0, &grp, 1);
    assert_null(tact__plan_build(&s.sig, &test_dev, 1, false, NULL, NULL, &st));
    assert_true(tu_contains(st.msg, "placeholder tensor 'm' with dtype int64 and shape [2,3]"));

    /* Fetching the placeholder itself, unfed. */
    st = (tact_status_t) TACT_STATUS_INIT;
    make_sig(&s, NULL, 0, &x, 1, NULL, 0);
    assert_null(tact__plan_build(&s.sig, &test_dev, 1, false, NULL, NULL, &st));
    assert_true(tu_contains(st.msg, "placeholder tensor 'x'"));

    /* One fed, another not: the error names the unfed one. */
    st = (tact_status_t) TACT_STATUS_INIT;
    tact_output_t fetches[] = { y, uy };
    make_sig(&s, &x, 1, fetches, 2, NULL, 0);
    assert_null(tact__plan_build(&s.sig, &test_dev, 1, false, NULL, NULL, &st));
    assert_true(tu_contains(st.msg, "placeholder tensor 'u'"));

    /* A status that already failed: nothing is built, the status is kept. */
    tact_status_t failed = TACT_STATUS_INIT;
    failed.code = TACT_CODE_CANCELLED;
    strcpy(failed.msg, "earlier");
    make_sig(&s, &x, 1, &y, 1, NULL, 0);
    assert_null(tact__plan_build(&s.sig, &test_dev, 1, false, NULL, NULL, &failed));
    assert_int_equal(failed.code, TACT_CODE_CANCELLED);
    assert_string_equal(failed.msg, "earlier");
    tact_graph_destroy(&g);
}

static void test_signature_keys(void **state)
{
    (void) state;
    tact_status_t st = TACT_STATUS_INIT;
    tact_graph_t *g = tact_graph_new();
    tact_output_t p = tact_placeholder(g, TACT_DTYPE_F32, NULL, 0, "p", &st);
    tact_output_t q = tact_multiply(g, p, cf(g, 2, "two"), "q", &st);
    tact_output_t r = tact_add(g, q, cf(g, 1, "one"), "r", &st);
    tact_op_t *nop = tact_no_op(g, "nop", &st);
    assert_int_equal(st.code, TACT_CODE_OK);

    int64_t k1[4 * MAX_ENDPOINTS + 4], k2[4 * MAX_ENDPOINTS + 4];
    test_sig_t s1, s2;

    /* Equal signatures (built from differently ordered arrays) pack equally. */
    tact_output_t f12[] = { r, q }, f21[] = { q, r };
    make_sig(&s1, &p, 1, f12, 2, &nop, 1);
    make_sig(&s2, &p, 1, f21, 2, &nop, 1);
    assert_int_equal(tact__signature_n_keys(&s1.sig), 1 + 2 + 1 + 4);
    uint64_t h1 = tact__signature_keys(&s1.sig, k1);
    uint64_t h2 = tact__signature_keys(&s2.sig, k2);
    assert_int_equal(h1, h2);
    assert_memory_equal(k1, k2, (size_t) tact__signature_n_keys(&s1.sig) * sizeof k1[0]);
    /* The layout: count, then entries, per section. */
    assert_int_equal(k1[0], 1);
    assert_int_equal(k1[2], 2);
    assert_int_equal(k1[5], 1);
    assert_int_equal(k1[6], nop->id);
    assert_int_equal(k1[7], 0);  /* no ops ran before (partial runs) */

    /* Ops that ran earlier in the step are part of the signature. */
    make_sig(&s2, &p, 1, f21, 2, &nop, 1);
    s2.sig.n_done = 1;
    s2.sig.done = &nop;
    assert_int_equal(tact__signature_n_keys(&s2.sig), 1 + 2 + 1 + 1 + 4);
    h2 = tact__signature_keys(&s2.sig, k2);
    assert_int_not_equal(h1, h2);
    assert_int_equal(k2[7], 1);
    assert_int_equal(k2[8], nop->id);

    /* A different feed changes the keys and the hash. */
    make_sig(&s1, &q, 1, &r, 1, NULL, 0);
    make_sig(&s2, &p, 1, &r, 1, NULL, 0);
    h1 = tact__signature_keys(&s1.sig, k1);
    h2 = tact__signature_keys(&s2.sig, k2);
    assert_int_equal(tact__signature_n_keys(&s1.sig), tact__signature_n_keys(&s2.sig));
    assert_true(memcmp(k1, k2, (size_t) tact__signature_n_keys(&s1.sig) * sizeof k1[0]) != 0);
    assert_int_not_equal(h1, h2);

    /* So does moving an endpoint between sections (same endpoint, other role). */
    make_sig(&s1, NULL, 0, &q, 1, NULL, 0);
    make_sig(&s2, &q, 1, NULL, 0, NULL, 0);
    h1 = tact__signature_keys(&s1.sig, k1);
    h2 = tact__signature_keys(&s2.sig, k2);
    assert_true(memcmp(k1, k2, 4 * sizeof k1[0]) != 0);
    assert_int_not_equal(h1, h2);

    /* And an extra target. */
    make_sig(&s1, &p, 1, &r, 1, NULL, 0);
    make_sig(&s2, &p, 1, &r, 1, &nop, 1);
    assert_int_not_equal(tact__signature_n_keys(&s1.sig), tact__signature_n_keys(&s2.sig));
    assert_int_not_equal(tact__signature_keys(&s1.sig, k1), tact__signature_keys(&s2.sig, k2));

    /* A built plan carries its signature's keys and hash (checked in check_invariants). */
    make_sig(&s1, &q, 1, &r, 1, &nop, 1);
    tact_plan_t *plan = build_ok(&s1);
    check_invariants(plan, &s1.sig);
    assert_int_equal(plan->hash, tact__signature_keys(&s1.sig, k1));
    tact__plan_destroy(&plan);
    tact_graph_destroy(&g);
}

/* The node of op `out` in any fragment of the plan. */
static const tact_node_t *plan_node(const tact_plan_t *plan, tact_output_t out)
{
    for (int i = 0; i < plan->n_nodes; i++) {
        if (plan->by_index[i]->kind == TACT_NODE_OP && plan->by_index[i]->op == out.op)
            return plan->by_index[i];
    }
    fail_msg("%s is not in the plan", tact_op_name(out.op));
    return NULL;
}

/* A device with its own memory that runs everything but integer Div (placement picks it first
 * by priority): the plan must copy every value that enters or leaves it. */
static bool test_gpu_supports(const tact_device_t *dev, const tact_op_t *op)
{
    (void) dev;
    return op->kind != TACT_OP_DIV;
}

/* Copies where edges cross memories, as copy nodes in the plan: a feed and a host value go in
 * before their first GPU reader (one copy per value and device, however many readers), a GPU
 * value goes out after its producer for a host reader and for a fetch (one copy out serving
 * both), the order stays topological, waits name the producers on the other device, and each
 * slot is released once, by the device that reads it last. */
static void test_copies_between_memories(void **state)
{
    (void) state;
    tact_status_t st = TACT_STATUS_INIT;
    tact_graph_t *g = tact_graph_new();
    tact_output_t x = tact_placeholder(g, TACT_DTYPE_F32, NULL, 0, "x", &st);
    tact_output_t two = cf(g, 2, "two");
    tact_output_t y = tact_multiply(g, x, two, "y", &st);          /* GPU */
    tact_output_t z = tact_add(g, y, x, "z", &st);                 /* GPU: x copied once */
    tact_output_t n = tact_placeholder(g, TACT_DTYPE_I32, NULL, 0, "n", &st);
    tact_output_t q = tact_divide(g, n, tu_const_i32(g, NULL, 0, (int32_t[]) { 2 }, "d", &st),
                                  "q", &st);                       /* integer Div: host */
    tact_output_t qf = tact_cast(g, q, TACT_DTYPE_F32, "qf", &st);  /* GPU: q copied in */
    tact_output_t w = tact_multiply(g, qf, z, "w", &st);           /* GPU */
    assert_int_equal(st.code, TACT_CODE_OK);
    tact_device_iface_t host = tact__cpu_iface, gpu = tact__cpu_iface;
    gpu.kind = "GPU";
    gpu.priority = 210;
    gpu.device_memory = true;
    gpu.caller_may_run = false;
    gpu.supports = test_gpu_supports;
    tact_device_t devs[2] = { { .iface = &host, .ordinal = 0, .name = "CPU:0" },
                              { .iface = &gpu, .ordinal = 0, .name = "GPU:0" } };
    tact_output_t feeds[] = { x, n };
    tact_output_t fetches[] = { z, w };
    test_sig_t ts;
    make_sig(&ts, feeds, 2, fetches, 2, NULL, 0);
    tact_plan_t *plan = tact__plan_build(&ts.sig, devs, 2, false, NULL, NULL, &st);
    assert_non_null(plan);
    assert_int_equal(plan->n_fragments, 2);
    assert_int_equal(plan->n_ops, 7);  /* two, y, z, d, q, qf, w */
    /* Check the kinds by position and what each copy moves, and that the run order with the
     * copies stays topological. */
    int n_in = 0, n_out = 0;
    const tact_node_t *x_in = NULL, *z_out = NULL;
    for (int i = 0; i < plan->n_nodes; i++) {
        const tact_node_t *node = plan->by_index[i];
        assert_int_equal(node->index, i);
        if (node->kind == TACT_NODE_COPY_IN) {
            n_in++;
            if (node->op == x.op)
                x_in = node;
        } else if (node->kind == TACT_NODE_COPY_OUT) {
            n_out++;
            if (node->op == z.op)
                z_out = node;
        }
        /* every input was written by an earlier node or is a feed */
        for (int k = 0; k < node->n_in; k++) {
            int slot = node->in_slots[k];
            bool earlier = slot < plan->n_feeds;
            for (int j = 0; j < i && !earlier; j++) {
                const tact_node_t *prev = plan->by_index[j];
                int outs = prev->kind == TACT_NODE_OP ? prev->op->n_outputs : 1;
                earlier = prev->out_slot >= 0 && slot >= prev->out_slot &&
                          slot < prev->out_slot + outs;
            }
            assert_true(earlier);
        }
    }
    assert_int_equal(n_in, 2);   /* x (read by y and z: one copy), q */
    assert_int_equal(n_out, 2);  /* z (fetched), w (fetched) */
    assert_non_null(x_in);
    assert_non_null(z_out);
    assert_int_equal(x_in->in_slots[0], plan->feed_slots[0]);
    /* y and z read x's copy, not the feed */
    const tact_node_t *ny = plan_node(plan, y), *nz = plan_node(plan, z);
    assert_int_equal(ny->in_slots[0], x_in->out_slot);
    assert_int_equal(nz->in_slots[1], x_in->out_slot);
    /* the fetch of z is its copy out, which reads z's slot on the GPU */
    assert_int_equal(z_out->in_slots[0], nz->out_slot);
    assert_int_equal(plan->fetch_slots[0], z_out->out_slot);
    /* the GPU's copy of x waits for nothing (a feed); its copy of q waits for q, on the host */
    assert_int_equal(x_in->n_wait, 0);
    const tact_node_t *nq = plan_node(plan, q), *nqf = plan_node(plan, qf);
    assert_true(nq->signal);
    assert_int_not_equal(nqf->in_slots[0], nq->out_slot);  /* qf reads the copy of q */
    assert_int_equal(plan->by_index[nqf->index - 1]->kind, TACT_NODE_COPY_IN);
    assert_int_equal(plan->by_index[nqf->index - 1]->n_wait, 1);
    assert_int_equal(plan->by_index[nqf->index - 1]->wait_nodes[0], nq->index);
    /* fragments: the host has d and q; the GPU the rest and all four copies */
    const tact_fragment_t *fh = &plan->fragments[0], *fg = &plan->fragments[1];
    assert_ptr_equal(fh->dev, &devs[0]);
    assert_int_equal(fh->n_nodes, 2);
    assert_int_equal(fg->n_nodes, 5 + 4);
    char *text = tact__plan_partition_text(plan, 1);
    /* x is an _Arg of the client (CPU:0): the feeds sorted by name are n, x */
    assert_string_equal(text, "two = Const()\n"
                              "_arg_x_0_1/_1 = _Recv(_arg_x_0_1:0 from /job:localhost/replica:0/"
                              "task:0/device:CPU:0)\n"
                              "y = Mul(_arg_x_0_1/_1, two)\n"
                              "z = Add(y, _arg_x_0_1/_1)\n"
                              "z/_4 = _Send(z:0 to /job:localhost/replica:0/task:0/"
                              "device:CPU:0)\n"
                              "q/_3 = _Recv(q:0 from /job:localhost/replica:0/task:0/"
                              "device:CPU:0)\n"
                              "qf = Cast(q/_3)\n"
                              "w = Mul(qf, z)\n"
                              "w/_6 = _Send(w:0 to /job:localhost/replica:0/task:0/"
                              "device:CPU:0)\n");
    free(text);
    /* segments in run order: the GPU's first four nodes, the host's two, the GPU's rest; the
     * second GPU segment is sent once the host's are done */
    assert_int_equal(plan->n_segments, 3);
    assert_int_equal(plan->n_remote_segments, 2);
    assert_ptr_equal(plan->segments[0].dev, &devs[1]);
    assert_int_equal(plan->segments[0].n_nodes, 4);
    assert_ptr_equal(plan->segments[1].dev, &devs[0]);
    assert_int_equal(plan->segments[1].n_nodes, 2);
    assert_ptr_equal(plan->segments[2].dev, &devs[1]);
    assert_int_equal(plan->segments[2].n_nodes, 5);
    assert_ptr_equal(plan->segments[2].nodes, fg->nodes + 4);  /* a slice of the fragment */
    /* each slot released at most once; fetched and cross-device slots never */
    int released[64] = { 0 };
    assert_true(plan->n_slots <= 64);
    for (int i = 0; i < plan->n_nodes; i++) {
        const tact_node_t *node = plan->by_index[i];
        for (int r = 0; r < node->n_release; r++)
            released[node->release_slots[r]]++;
    }
    for (int sl = 0; sl < plan->n_slots; sl++)
        assert_true(released[sl] <= 1);
    assert_int_equal(released[plan->fetch_slots[0]], 0);
    assert_int_equal(released[plan->fetch_slots[1]], 0);
    assert_int_equal(released[x_in->out_slot], 1);  /* device memory, freed on the GPU */
    tact__plan_destroy(&plan);
    tact_graph_destroy(&g);
}

/* An op that already ran in the step (partial runs: the signature's done) is not run again: a
 * control edge to it is cut, as a feed cuts a data edge; without it, it runs. */
static void test_done_control_input_cut(void **state)
{
    (void) state;
    tact_status_t st = TACT_STATUS_INIT;
    tact_graph_t *g = tact_graph_new();
    tact_output_t a = cf(g, 1, "a");
    tact_op_t *side = cf(g, 2, "side").op;  /* a NoOp here would be removed (plan_drop_noops) */
    tact_output_t b;
    assert_int_equal(tact_graph_push_control_dependencies(g, &side, 1, &st), TACT_CODE_OK);
    b = tact_identity(g, a, "b", &st);
    tact_graph_pop_control_dependencies(g);
    assert_int_equal(st.code, TACT_CODE_OK);
    test_sig_t s;
    make_sig(&s, NULL, 0, &b, 1, NULL, 0);
    tact_plan_t *plan = build_ok(&s);
    assert_int_equal(n_nodes(plan), 3);  /* a, side, b */
    tact__plan_destroy(&plan);
    s.sig.n_done = 1;
    s.sig.done = &side;
    plan = build_ok(&s);
    assert_int_equal(n_nodes(plan), 2);  /* a, b */
    assert_ptr_equal(node_at(plan, 0)->op, a.op);
    assert_ptr_equal(node_at(plan, 1)->op, b.op);
    tact__plan_destroy(&plan);
    tact_graph_destroy(&g);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_simplest_plan),
        cmocka_unit_test(test_feed_cuts_producers),
        cmocka_unit_test(test_prunes_unreachable_ops),
        cmocka_unit_test(test_diamond_and_repeated_inputs),
        cmocka_unit_test(test_targets_groups_and_noops),
        cmocka_unit_test(test_feed_slots_first),
        cmocka_unit_test(test_unfed_placeholder),
        cmocka_unit_test(test_signature_keys),
        cmocka_unit_test(test_done_control_input_cut),
        cmocka_unit_test(test_copies_between_memories),
    };
    return cmocka_run_group_tests_name("plan", tests, NULL, NULL);
}
