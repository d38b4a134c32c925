/* SPDX-License-Identifier: MIT */
/* Partial runs: TensorFlow's partial_run_setup / partial_run, one step fed and fetched in
 * pieces. A handle keeps a table of endpoints (declared feeds and fetches, and every value a
 * call computed); each call checks its feeds and fetches against it in TensorFlow's order
 * (DirectSession::PRun), then runs an ordinary session run whose feeds are every value known
 * so far and whose fetches are the call's fetches plus every output of the ops it computes, so
 * the plan cache and executors do the work and a later call never computes an op again.
 * Not for pruning, placement or execution (plan.c, session.c). */
#include "runtime/exec/session_impl.h"
#include "runtime/graph/graph_impl.h"
#include "runtime/base/log.h"

#define TACT_TAG_PARTIAL_RUN 0x5052756eu /* "PRun" */

enum {
    PR_DECL_FEED = 1,             /* named in setup's feeds */
    PR_DECL_FETCH = 2,            /* named in setup's fetches */
    PR_FED = 4,
    PR_FETCHED = 8,
};

typedef struct pr_entry {
    tact_output_t out;
    int flags;
    tact_tensor_t *value;         /* owned: fed, or computed by an earlier call; or NULL */
} pr_entry_t;

struct tact_partial_run {
    uint32_t tag;                 /* TACT_TAG_PARTIAL_RUN */
    tact_session_t *session;      /* compared only: never dereferenced by destroy */
    int n_entries, cap_entries;
    pr_entry_t *entries;
    int n_targets;
    tact_op_t **targets;
    bool *target_ran;
    int cap_ran;
    bool *ran;                    /* by op id: ran in an earlier call (TensorFlow runs every
                                   * node at most once per step) */
    bool finished;                /* every fetch fetched and every target run */
    atomic_bool busy;             /* a call is in progress (calls must not overlap) */
    tact_cancel_t *cancel;        /* destroy stops a call in progress with it */
};

static const char pr_setup_msg[] = "Must run 'setup' before performing partial runs!";

static pr_entry_t *pr_find(tact_partial_run_t *h, tact_output_t out)
{
    for (int i = 0; i < h->n_entries; i++) {
        if (h->entries[i].out.op == out.op && h->entries[i].out.index == out.index)
            return &h->entries[i];
    }
    return NULL;
}

static pr_entry_t *pr_add(tact_partial_run_t *h, tact_output_t out)
{
    pr_entry_t *e = pr_find(h, out);
    if (e != NULL)
        return e;
    if (h->n_entries == h->cap_entries) {
        h->cap_entries = h->cap_entries ? 2 * h->cap_entries : 16;
        h->entries = tact__realloc(h->entries, (size_t) h->cap_entries * sizeof *h->entries);
    }
    e = &h->entries[h->n_entries++];
    *e = (pr_entry_t) { .out = out };
    return e;
}

/* An endpoint of the session's graph, or INVALID_ARGUMENT naming what (`what`: "feed" or
 * "fetch") and where it is wrong. */
static tact_code_t pr_check_endpoint(tact_session_t *s, tact_output_t t, const char *what,
                                     int i, tact_status_t *st)
{
    char name[300];
    if (t.op == NULL)
        return tact__fail(st, TACT_CODE_INVALID_ARGUMENT,
                          "partial_run: %s %d is an empty output (a builder failed)", what, i);
    TACT_ASSERT(t.op->tag == TACT_TAG_OP);
    if (t.op->graph != s->graph)
        return tact__fail(st, TACT_CODE_INVALID_ARGUMENT,
                          "partial_run: %s %s is not an element of this graph.", what,
                          tact__output_name(t, name, sizeof name));
    if (t.index < 0 || t.index >= t.op->n_outputs)
        return tact__fail(st, TACT_CODE_INVALID_ARGUMENT,
                          "partial_run: %s %s:%d: output index must be < %d", what, t.op->name,
                          t.index, t.op->n_outputs);
    return TACT_CODE_OK;
}

/* Ops whose output is a resource (a variable's reference, a queue or reader handle): their
 * outputs cannot stand in as fed values, and running them again is harmless. */
static bool pr_op_is_resource(const tact_op_t *op)
{
    return op->kind == TACT_OP_VARIABLE || op->kind == TACT_OP_QUEUE ||
           op->kind == TACT_OP_VAR_HANDLE || tact__op_kind_is_reader(op->kind);
}

/* Whether `op` ran in an earlier call of the handle. */
static bool pr_ran(const tact_partial_run_t *h, const tact_op_t *op)
{
    return op->id < h->cap_ran && h->ran[op->id];
}

/* Op `id` of the graph: the ops array moves while other threads add ops, the ops do not. */
static tact_op_t *pr_op_at(tact_graph_t *g, int id)
{
    pthread_mutex_lock(&g->lock);
    tact_op_t *op = g->ops[id];
    pthread_mutex_unlock(&g->lock);
    return op;
}

void tact_partial_run_destroy(tact_partial_run_t **h_p)
{
    if (h_p == NULL || *h_p == NULL)
        return;
    tact_partial_run_t *h = *h_p;
    TACT_ASSERT(h->tag == TACT_TAG_PARTIAL_RUN);
    /* A call in progress on another thread: stop it and wait for it to leave. */
    tact_cancel_request(h->cancel);
    while (atomic_load(&h->busy)) {
        struct timespec ts = { 0, 100000 };
        nanosleep(&ts, NULL);
    }
    int outstanding = 0;
    for (int i = 0; i < h->n_entries; i++) {
        outstanding += (h->entries[i].flags & (PR_DECL_FETCH | PR_FETCHED)) == PR_DECL_FETCH;
        tact_tensor_destroy(&h->entries[i].value);
    }
    for (int i = 0; i < h->n_targets; i++)
        outstanding += !h->target_ran[i];
    if (outstanding > 0)
        tact__log(TACT_LOG_WARNING, "Partial run destroyed with %d fetch%s or target%s "
                  "outstanding: PRun cancellation", outstanding, outstanding == 1 ? "" : "es",
                  outstanding == 1 ? "" : "s");
    free(h->entries);
    free(h->targets);
    free(h->target_ran);
    free(h->ran);
    tact_cancel_destroy(&h->cancel);
    h->tag = TACT_TAG_DEAD;
    free(h);
    *h_p = NULL;
}

tact_partial_run_t *tact_session_partial_run_setup(tact_session_t *s,
        const tact_output_t *fetches, int n_fetches, const tact_output_t *feeds, int n_feeds,
        tact_op_t *const *targets, int n_targets, tact_status_t *st)
{
    if (tact__failed(st))
        return NULL;
    if (s == NULL) {
        tact__fail(st, TACT_CODE_INVALID_ARGUMENT, "partial_run_setup: session is NULL");
        return NULL;
    }
    TACT_ASSERT(s->tag == TACT_TAG_SESSION);
    if (n_fetches < 0 || n_feeds < 0 || n_targets < 0 || (n_fetches > 0 && fetches == NULL) ||
        (n_feeds > 0 && feeds == NULL) || (n_targets > 0 && targets == NULL)) {
        tact__fail(st, TACT_CODE_INVALID_ARGUMENT,
                   "partial_run_setup: bad array (%d fetches, %d feeds, %d targets)", n_fetches,
                   n_feeds, n_targets);
        return NULL;
    }
    if (atomic_load(&s->closed)) {
        tact__fail(st, TACT_CODE_CANCELLED, "Session has been closed.");
        return NULL;
    }
    tact_status_t err = TACT_STATUS_INIT;
    if (n_fetches == 0 && n_targets == 0)
        tact__fail(&err, TACT_CODE_INVALID_ARGUMENT,
                   "Must specify at least one target to fetch or execute.");
    for (int i = 0; i < n_feeds && err.code == TACT_CODE_OK; i++)
        pr_check_endpoint(s, feeds[i], "feed", i, &err);
    for (int i = 0; i < n_fetches && err.code == TACT_CODE_OK; i++)
        pr_check_endpoint(s, fetches[i], "fetch", i, &err);
    for (int i = 0; i < n_targets && err.code == TACT_CODE_OK; i++) {
        if (targets[i] == NULL || targets[i]->graph != s->graph)
            tact__fail(&err, TACT_CODE_INVALID_ARGUMENT,
                       "partial_run_setup: target %d is %s", i,
                       targets[i] == NULL ? "NULL" : "not an element of this graph");
    }
    /* TensorFlow's PRunSetup places the graph: an op that cannot be placed fails it. */
    if (err.code == TACT_CODE_OK)
        tact__session_place_graph(s, &err);
    if (err.code != TACT_CODE_OK) {
        tact__status_merge(st, &err);
        return NULL;
    }

    tact_partial_run_t *h = tact__malloc(sizeof *h);
    h->tag = TACT_TAG_PARTIAL_RUN;
    h->session = s;
    atomic_init(&h->busy, false);
    h->cancel = tact_cancel_new();
    for (int i = 0; i < n_feeds; i++)
        pr_add(h, feeds[i])->flags |= PR_DECL_FEED;
    for (int i = 0; i < n_fetches; i++)
        pr_add(h, fetches[i])->flags |= PR_DECL_FETCH;
    h->targets = tact__malloc((size_t) (n_targets ? n_targets : 1) * sizeof *h->targets);
    h->target_ran = tact__malloc((size_t) (n_targets ? n_targets : 1) * sizeof *h->target_ran);
    for (int i = 0; i < n_targets; i++) {
        bool dup = false;
        for (int j = 0; j < h->n_targets; j++)
            dup |= h->targets[j] == targets[i];
        if (!dup)
            h->targets[h->n_targets++] = targets[i];
    }
    return h;
}

/* ------------------------------------------------------------------------------------------ */
/* One call                                                                                   */
/* ------------------------------------------------------------------------------------------ */

/* A declared feed that neither an earlier call nor this one (`feeds`) has fed. */
static bool pr_pending_feed(tact_partial_run_t *h, tact_output_t out, const tact_feed_t *feeds,
                            int n_feeds)
{
    pr_entry_t *e = pr_find(h, out);
    if (e == NULL || !(e->flags & PR_DECL_FEED) || (e->flags & PR_FED))
        return false;
    for (int i = 0; i < n_feeds; i++) {
        if (feeds[i].tensor.op == out.op && feeds[i].tensor.index == out.index)
            return false;
    }
    return true;
}

/* TensorFlow's CheckFetch: the first pending feed among the inputs `root` depends on, found by
 * walking all of its ancestry (data and control edges). Returns false with *missing set when
 * there is one. `seen` has room for every op id and is cleared here. */
static bool pr_computable(tact_partial_run_t *h, const tact_op_t *root, const tact_feed_t *feeds,
                          int n_feeds, bool *seen, int n_ids, tact_output_t *missing)
{
    memset(seen, 0, (size_t) n_ids * sizeof *seen);
    int cap = 64, top = 0;
    const tact_op_t **stack = tact__malloc((size_t) cap * sizeof *stack);
    stack[top++] = root;
    seen[root->id] = true;
    bool ok = true;
    while (top > 0 && ok) {
        const tact_op_t *op = stack[--top];
        for (int i = 0; i < op->n_inputs + op->n_controls && ok; i++) {
            bool data = i < op->n_inputs;
            const tact_op_t *in = data ? op->inputs[i].op : op->controls[i - op->n_inputs];
            if (data && pr_pending_feed(h, op->inputs[i], feeds, n_feeds)) {
                *missing = op->inputs[i];
                ok = false;
            } else if (!seen[in->id]) {
                seen[in->id] = true;
                if (top == cap) {
                    cap *= 2;
                    stack = tact__realloc(stack, (size_t) cap * sizeof *stack);
                }
                stack[top++] = in;
            }
        }
    }
    free(stack);
    return ok;
}

/* A value known before this call runs: fed or computed earlier, or fed now. */
static bool pr_known(tact_partial_run_t *h, tact_output_t out, const tact_feed_t *feeds,
                     int n_feeds)
{
    pr_entry_t *e = pr_find(h, out);
    if (e != NULL && e->value != NULL)
        return true;
    for (int i = 0; i < n_feeds; i++) {
        if (feeds[i].tensor.op == out.op && feeds[i].tensor.index == out.index)
            return true;
    }
    return false;
}

/* Mark in `run` the ops this call computes toward `root`: as the plan prunes, a known value
 * cuts the graph at its edge, and so does a control input that ran in an earlier call (the
 * run is told so: tact__session_run_step's `done`). */
static void pr_mark(tact_partial_run_t *h, const tact_op_t *root, const tact_feed_t *feeds,
                    int n_feeds, bool *run)
{
    if (run[root->id])
        return;
    int cap = 64, top = 0;
    const tact_op_t **stack = tact__malloc((size_t) cap * sizeof *stack);
    stack[top++] = root;
    run[root->id] = true;
    while (top > 0) {
        const tact_op_t *op = stack[--top];
        for (int i = 0; i < op->n_inputs + op->n_controls; i++) {
            bool data = i < op->n_inputs;
            const tact_op_t *in = data ? op->inputs[i].op : op->controls[i - op->n_inputs];
            if (run[in->id] || (data && pr_known(h, op->inputs[i], feeds, n_feeds)) ||
                (!data && pr_ran(h, in)))
                continue;
            run[in->id] = true;
            if (top == cap) {
                cap *= 2;
                stack = tact__realloc(stack, (size_t) cap * sizeof *stack);
            }
            stack[top++] = in;
        }
    }
    free(stack);
}

/* The feeds and fetches checked in TensorFlow's order (DirectSession::PRun): each feed
 * declared and not fed yet, each fetch declared and not fetched yet, then every fetch
 * computable from the feeds given so far. */
static tact_code_t pr_check_call(tact_session_t *s, tact_partial_run_t *h,
                                 const tact_output_t *fetches, int n_fetches,
                                 const tact_feed_t *feeds, int n_feeds, bool *seen, int n_ids,
                                 tact_status_t *st)
{
    char name[300];
    for (int i = 0; i < n_feeds; i++) {
        if (pr_check_endpoint(s, feeds[i].tensor, "feed", i, st) != TACT_CODE_OK)
            return st->code;
        if (feeds[i].value == NULL)
            return tact__fail(st, TACT_CODE_INVALID_ARGUMENT, "The value fed to %s is NULL",
                              tact__output_name(feeds[i].tensor, name, sizeof name));
        pr_entry_t *e = pr_find(h, feeds[i].tensor);
        bool again = false;
        for (int j = 0; j < i; j++)
            again |= feeds[j].tensor.op == feeds[i].tensor.op &&
                     feeds[j].tensor.index == feeds[i].tensor.index;
        if (e == NULL || !(e->flags & PR_DECL_FEED))
            return tact__fail(st, TACT_CODE_INVALID_ARGUMENT,
                              "The feed %s was not specified in partial_run_setup.",
                              tact__output_name(feeds[i].tensor, name, sizeof name));
        if ((e->flags & PR_FED) || again)
            return tact__fail(st, TACT_CODE_INVALID_ARGUMENT, "The feed %s has already been fed.",
                              tact__output_name(feeds[i].tensor, name, sizeof name));
    }
    for (int i = 0; i < n_fetches; i++) {
        if (pr_check_endpoint(s, fetches[i], "fetch", i, st) != TACT_CODE_OK)
            return st->code;
        pr_entry_t *e = pr_find(h, fetches[i]);
        bool again = false;
        for (int j = 0; j < i; j++)
            again |= fetches[j].op == fetches[i].op && fetches[j].index == fetches[i].index;
        if (e == NULL || !(e->flags & PR_DECL_FETCH))
            return tact__fail(st, TACT_CODE_INVALID_ARGUMENT,
                              "The fetch %s was not specified in partial_run_setup.",
                              tact__output_name(fetches[i], name, sizeof name));
        if ((e->flags & PR_FETCHED) || again)
            return tact__fail(st, TACT_CODE_INVALID_ARGUMENT,
                              "The fetch %s has already been fetched.",
                              tact__output_name(fetches[i], name, sizeof name));
    }
    for (int i = 0; i < n_fetches; i++) {
        tact_output_t missing = fetches[i];
        if (pr_pending_feed(h, fetches[i], feeds, n_feeds) ||
            !pr_computable(h, fetches[i].op, feeds, n_feeds, seen, n_ids, &missing))
            return tact__fail(st, TACT_CODE_INVALID_ARGUMENT,
                              "Fetch %s can't be computed from the feeds that have been fed so "
                              "far.", tact__output_name(missing, name, sizeof name));
    }
    return TACT_CODE_OK;
}

/* The call proper, with the handle held. */
static tact_code_t pr_call(tact_session_t *s, tact_partial_run_t *h,
                           const tact_output_t *fetches, int n_fetches, tact_tensor_t **results,
                           const tact_feed_t *feeds, int n_feeds, tact_status_t *st)
{
    int n_ids = tact_graph_num_ops(s->graph);
    bool *seen = tact__malloc((size_t) (n_ids ? n_ids : 1) * sizeof *seen);
    bool *run = tact__malloc((size_t) (n_ids ? n_ids : 1) * sizeof *run);
    tact_op_t **targets = tact__malloc((size_t) (h->n_targets + 1) * sizeof *targets);
    int *target_at = tact__malloc((size_t) (h->n_targets + 1) * sizeof *target_at);
    tact_feed_t *all_feeds = NULL;
    tact_output_t *all_fetches = NULL;
    tact_tensor_t **values = NULL, **fed = NULL;
    tact_op_t **ran_before = NULL;
    int n_all_feeds = 0, n_all_fetches = 0, n_run_targets = 0;
    tact_code_t rc = pr_check_call(s, h, fetches, n_fetches, feeds, n_feeds, seen, n_ids, st);
    if (rc != TACT_CODE_OK)
        goto out;

    /* The targets the feeds so far make computable run now; the others wait. */
    for (int i = 0; i < h->n_targets; i++) {
        tact_output_t missing;
        if (!h->target_ran[i] &&
            pr_computable(h, h->targets[i], feeds, n_feeds, seen, n_ids, &missing)) {
            target_at[n_run_targets] = i;
            targets[n_run_targets++] = h->targets[i];
        }
    }

    /* The handle keeps its own copies of the feeds: the caller's are borrowed. */
    fed = tact__malloc((size_t) (n_feeds + 1) * sizeof *fed);
    for (int i = 0; i < n_feeds; i++) {
        fed[i] = tact__tensor_try_clone(feeds[i].value, s->host_limit, NULL, st);
        if (fed[i] == NULL) {
            rc = st->code;
            for (int j = 0; j < i; j++)
                tact_tensor_destroy(&fed[j]);
            goto out;
        }
    }

    /* The run: every known value fed; fetched, the call's fetches and then every output of
     * every op it computes, so that no later call computes them again. */
    memset(run, 0, (size_t) n_ids * sizeof *run);
    for (int i = 0; i < n_fetches; i++) {
        if (!pr_known(h, fetches[i], feeds, n_feeds))
            pr_mark(h, fetches[i].op, feeds, n_feeds, run);
    }
    for (int i = 0; i < n_run_targets; i++)
        pr_mark(h, targets[i], feeds, n_feeds, run);
    int cap_fetches = n_fetches + 16;
    all_fetches = tact__malloc((size_t) cap_fetches * sizeof *all_fetches);
    for (int i = 0; i < n_fetches; i++)
        all_fetches[n_all_fetches++] = fetches[i];
    for (int id = 0; id < n_ids; id++) {
        if (!run[id])
            continue;
        tact_op_t *op = pr_op_at(s->graph, id);
        if (pr_op_is_resource(op))
            continue;
        for (int k = 0; k < op->n_outputs; k++) {
            tact_output_t out = { op, k };
            bool dup = pr_known(h, out, feeds, n_feeds);
            for (int i = 0; i < n_fetches && !dup; i++)
                dup = fetches[i].op == op && fetches[i].index == k;
            if (dup)
                continue;
            if (n_all_fetches == cap_fetches) {
                cap_fetches *= 2;
                all_fetches = tact__realloc(all_fetches, (size_t) cap_fetches *
                                                             sizeof *all_fetches);
            }
            all_fetches[n_all_fetches++] = out;
        }
    }
    all_feeds = tact__malloc((size_t) (h->n_entries + n_feeds + 1) * sizeof *all_feeds);
    for (int i = 0; i < h->n_entries; i++) {
        if (h->entries[i].value != NULL)
            all_feeds[n_all_feeds++] = (tact_feed_t) { h->entries[i].out, h->entries[i].value };
    }
    for (int i = 0; i < n_feeds; i++)
        all_feeds[n_all_feeds++] = (tact_feed_t) { feeds[i].tensor, fed[i] };
    /* The control inputs of this call's ops that ran before, by id: the run cuts them. */
    memset(seen, 0, (size_t) n_ids * sizeof *seen);
    for (int id = 0; id < n_ids; id++) {
        if (!run[id])
            continue;
        const tact_op_t *op = pr_op_at(s->graph, id);
        for (int c = 0; c < op->n_controls; c++)
            seen[op->controls[c]->id] |= pr_ran(h, op->controls[c]);
    }
    int n_done = 0;
    for (int id = 0; id < n_ids; id++)
        n_done += seen[id];
    ran_before = tact__malloc((size_t) (n_done + 1) * sizeof *ran_before);
    n_done = 0;
    for (int id = 0; id < n_ids; id++) {
        if (seen[id])
            ran_before[n_done++] = pr_op_at(s->graph, id);
    }
    values = tact__malloc((size_t) (n_all_fetches + 1) * sizeof *values);
    if (n_all_fetches > 0 || n_run_targets > 0) {
        tact_run_options_t opts = { .cancel = h->cancel };
        rc = tact__session_run_step(s, &opts, all_fetches, n_all_fetches, values, all_feeds,
                                    n_all_feeds, targets, n_run_targets, ran_before, n_done, st);
    } else if (atomic_load(&s->closed)) {
        rc = tact__fail(st, TACT_CODE_CANCELLED, "Session has been closed.");
    }
    if (rc != TACT_CODE_OK) {
        for (int i = 0; i < n_feeds; i++)
            tact_tensor_destroy(&fed[i]);
        goto out;
    }

    /* The caller gets copies of the call's fetches; the handle keeps every value. */
    for (int i = 0; i < n_fetches && rc == TACT_CODE_OK; i++) {
        results[i] = tact__tensor_try_clone(values[i], s->host_limit, NULL, st);
        rc = results[i] ? TACT_CODE_OK : st->code;
    }
    if (rc != TACT_CODE_OK) {
        for (int i = 0; i < n_fetches; i++)
            tact_tensor_destroy(&results[i]);
        for (int i = 0; i < n_all_fetches; i++)
            tact_tensor_destroy(&values[i]);
        for (int i = 0; i < n_feeds; i++)
            tact_tensor_destroy(&fed[i]);
        goto out;
    }
    for (int i = 0; i < n_feeds; i++) {
        pr_entry_t *e = pr_add(h, feeds[i].tensor);
        e->flags |= PR_FED;
        tact_tensor_destroy(&e->value);
        e->value = fed[i];
    }
    for (int i = 0; i < n_all_fetches; i++) {
        pr_entry_t *e = pr_add(h, all_fetches[i]);
        if (i < n_fetches)
            e->flags |= PR_FETCHED;
        if (e->value == NULL)
            e->value = values[i];
        else
            tact_tensor_destroy(&values[i]);  /* a fetch of a fed value */
    }
    for (int i = 0; i < n_run_targets; i++)
        h->target_ran[target_at[i]] = true;
    for (int id = n_ids - 1; id >= 0; id--) {
        if (run[id]) {
            h->ran = tact__grow_zeroed(h->ran, &h->cap_ran, id, sizeof *h->ran);
            h->ran[id] = true;
        }
    }
    bool done = true;
    for (int i = 0; i < h->n_entries && done; i++)
        done = (h->entries[i].flags & (PR_DECL_FETCH | PR_FETCHED)) != PR_DECL_FETCH;
    for (int i = 0; i < h->n_targets && done; i++)
        done = h->target_ran[i];
    h->finished = done;

out:
    free(ran_before);
    free(values);
    free(fed);
    free(all_feeds);
    free(all_fetches);
    free(targets);
    free(target_at);
    free(run);
    free(seen);
    return rc;
}

tact_code_t tact_session_partial_run(tact_session_t *s, tact_partial_run_t *h,
                                     const tact_output_t *fetches, int n_fetches,
                                     tact_tensor_t **results, const tact_feed_t *feeds,
                                     int n_feeds, tact_status_t *st)
{
    for (int i = 0; i < n_fetches && results != NULL; i++)
        results[i] = NULL;
    if (tact__failed(st))
        return st->code;
    if (s == NULL)
        return tact__fail(st, TACT_CODE_INVALID_ARGUMENT, "partial_run: session is NULL");
    TACT_ASSERT(s->tag == TACT_TAG_SESSION);
    if (h == NULL)
        return tact__fail(st, TACT_CODE_INVALID_ARGUMENT, pr_setup_msg);
    TACT_ASSERT(h->tag == TACT_TAG_PARTIAL_RUN);  /* a destroyed handle: a use after free */
    if (n_fetches < 0 || n_feeds < 0 || (n_fetches > 0 && (fetches == NULL || results == NULL)) ||
        (n_feeds > 0 && feeds == NULL))
        return tact__fail(st, TACT_CODE_INVALID_ARGUMENT,
                          "partial_run: bad array (%d fetches, %d feeds)", n_fetches, n_feeds);
    if (h->session != s)
        return tact__fail(st, TACT_CODE_INVALID_ARGUMENT,
                          "partial_run: the handle was set up on another session");
    if (atomic_load(&s->closed))
        return tact__fail(st, TACT_CODE_CANCELLED, "Session has been closed.");
    bool idle = false;
    if (!atomic_compare_exchange_strong(&h->busy, &idle, true))
        return tact__fail(st, TACT_CODE_FAILED_PRECONDITION,
                          "partial_run: another call on this handle is in progress; calls on "
                          "one handle must not overlap");
    tact_status_t err = TACT_STATUS_INIT;
    if (h->finished)
        tact__fail(&err, TACT_CODE_INVALID_ARGUMENT, pr_setup_msg);
    else
        pr_call(s, h, fetches, n_fetches, results, feeds, n_feeds, &err);
    atomic_store(&h->busy, false);
    return tact__status_merge(st, &err);
}
