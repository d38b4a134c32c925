/* SPDX-License-Identifier: MIT */
/* Seeing inside a run: step stats (RunOptions.trace_level), their Chrome trace JSON (read
 * back with a real JSON parser) and the per-session counters. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <jansson.h>
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <tact/inspect.h>

#include "tests/fake_gpu.h"
#include "tests/helpers.h"

#define CPU0 "/job:localhost/replica:0/task:0/device:CPU:0"
#define GPU0 "/job:localhost/replica:0/task:0/device:GPU:0"

static const tact_config_t actors_config = { .executor = TACT_EXECUTOR_ACTORS };

/* x [2,3] (fed) @ w [3,4] + b [4] -> relu: the seed MLP's layer. */
/* A dense layer whose ops run one by one: the bias is a [1, 4] matrix, not the [4] row that
 * plan-time fusion turns into one _FusedMatMul (test_fused_chain_is_one_entry has that). */
static tact_graph_t *mlp_graph_bias(tact_output_t *x, tact_output_t *y, int bias_rank)
{
    tact_status_t st = TACT_STATUS_INIT;
    tact_graph_t *g = tact_graph_new();
    *x = tact_placeholder(g, TACT_DTYPE_F32, (int64_t[]){ 2, 3 }, 2, "x", &st);
    float w[12], b[4] = { 0.5f, -1, 0, 1 };
    for (int i = 0; i < 12; i++)
        w[i] = (float) (i - 5) / 4;
    tact_output_t cw = tu_const_f32(g, (int64_t[]){ 3, 4 }, 2, w, "w", &st);
    tact_output_t cb = bias_rank == 1 ? tu_const_f32(g, (int64_t[]){ 4 }, 1, b, "b", &st)
                                      : tu_const_f32(g, (int64_t[]){ 1, 4 }, 2, b, "b", &st);
    tact_output_t mm = tact_matmul(g, *x, cw, false, false, "mm", &st);
    tact_output_t add = tact_add(g, mm, cb, "add", &st);
    *y = tact_relu(g, add, "y", &st);
    assert_int_equal(st.code, TACT_CODE_OK);
    return g;
}

static tact_graph_t *mlp_graph(tact_output_t *x, tact_output_t *y)
{
    return mlp_graph_bias(x, y, 2);
}

/* a (CPU:1) * b (CPU:1) -> mul (CPU:1); c = mul + a on CPU:0: two values cross. */
static tact_graph_t *two_cpu_graph(tact_output_t *c)
{
    tact_status_t st = TACT_STATUS_INIT;
    tact_graph_t *g = tact_graph_new();
    tact_graph_push_device(g, "/cpu:1", &st);
    tact_output_t a = tu_const_f32(g, (int64_t[]){ 2 }, 1, (float[]){ 1, 2 }, "a", &st);
    tact_output_t b = tu_const_f32(g, (int64_t[]){ 2 }, 1, (float[]){ 3, 4 }, "b.q", &st);
    tact_output_t m = tact_multiply(g, a, b, "mul", &st);
    tact_graph_pop_device(g);
    tact_graph_push_device(g, "/cpu:0", &st);
    *c = tact_add(g, m, a, "c", &st);
    tact_graph_pop_device(g);
    assert_int_equal(st.code, TACT_CODE_OK);
    return g;
}

static tact_tensor_t *run_traced(tact_session_t *s, tact_output_t fetch, const tact_feed_t *feeds,
                                 int n_feeds, tact_run_metadata_t *md, tact_trace_level_t level)
{
    tact_status_t st = TACT_STATUS_INIT;
    tact_run_options_t opts = { .metadata = md, .trace_level = level };
    tact_tensor_t *r = NULL;
    assert_int_equal(tact_session_run_ex(s, &opts, &fetch, 1, &r, feeds, n_feeds, NULL, 0, &st),
                     TACT_CODE_OK);
    return r;
}

/* The entry named `name` of kind `kind` on device d; fails unless there is exactly one. */
static const tact_node_stats_t *find_entry(const tact_device_step_stats_t *d, const char *name,
                                           tact_node_stats_kind_t kind)
{
    const tact_node_stats_t *found = NULL;
    int n = 0;
    for (int i = 0; i < d->n_nodes; i++) {
        if (d->nodes[i].kind == kind && strcmp(d->nodes[i].node_name, name) == 0) {
            found = &d->nodes[i];
            n++;
        }
    }
    if (n != 1) {
        for (int i = 0; i < d->n_nodes; i++)
            print_message("  %d %s (%s)\n", d->nodes[i].kind, d->nodes[i].node_name,
                          d->nodes[i].op_type);
        fail_msg("%s: %d entries named '%s'", d->device, n, name);
    }
    return found;
}

static int count_kind(const tact_device_step_stats_t *d, tact_node_stats_kind_t kind)
{
    int n = 0;
    for (int i = 0; i < d->n_nodes; i++)
        n += d->nodes[i].kind == kind;
    return n;
}

static void assert_output(const tact_node_stats_t *e, int64_t d0, int64_t d1, int ndims)
{
    assert_int_equal(e->n_outputs, 1);
    assert_int_equal(e->outputs[0].dtype, TACT_DTYPE_F32);
    assert_int_equal(e->outputs[0].ndims, ndims);
    assert_int_equal(e->outputs[0].dims[0], d0);
    if (ndims > 1)
        assert_int_equal(e->outputs[0].dims[1], d1);
    assert_int_equal(e->outputs[0].bytes, 4 * d0 * (ndims > 1 ? d1 : 1));
}

/* Every op of the partition graph ("name = Type(...)" lines) is an OP entry exactly once with
 * that type, and every copy and hand-off entry (SEND, RECV) is one of its _Send and _Recv
 * lines, named alike. Lines without an entry are described, not run: the _Sends of values
 * host devices share by pointer, the _Arg and _Retval nodes and the fetches' _Recvs. */
static void assert_matches_partition(const tact_run_metadata_t *md, int f)
{
    const tact_device_step_stats_t *d = &md->step_stats.devices[f];
    assert_string_equal(d->device, md->partitions[f].device);
    assert_int_equal(count_kind(d, TACT_NODE_STATS_OP), md->partitions[f].n_nodes);
    char *text = strdup(md->partitions[f].graph);
    int ops = 0, sends = 0, recvs = 0, matched = 0;
    for (char *save = NULL, *line = strtok_r(text, "\n", &save); line != NULL;
         line = strtok_r(NULL, "\n", &save)) {
        char *eq = strstr(line, " = "), *paren = strchr(line, '(');
        assert_non_null(eq);
        assert_non_null(paren);
        *eq = '\0';
        *paren = '\0';
        const char *type = eq + 3;
        if (strcmp(type, "_Arg") == 0 || strcmp(type, "_Retval") == 0)
            continue;
        if (strcmp(type, "_Recv") != 0 && strcmp(type, "_Send") != 0) {
            assert_string_equal(find_entry(d, line, TACT_NODE_STATS_OP)->op_type, type);
            ops++;
            continue;
        }
        bool recv = strcmp(type, "_Recv") == 0;
        recvs += recv;
        sends += !recv;
        for (int i = 0; i < d->n_nodes; i++) {
            const tact_node_stats_t *e = &d->nodes[i];
            if (e->kind == (recv ? TACT_NODE_STATS_RECV : TACT_NODE_STATS_SEND) &&
                strcmp(e->node_name, line) == 0) {
                assert_string_equal(e->op_type, type);
                matched++;
            }
        }
    }
    assert_int_equal(ops, md->partitions[f].n_nodes);
    assert_int_equal(sends, md->partitions[f].n_sends);
    assert_int_equal(recvs, md->partitions[f].n_recvs);
    assert_int_equal(matched, count_kind(d, TACT_NODE_STATS_SEND) +
                                  count_kind(d, TACT_NODE_STATS_RECV));
    free(text);
}

static void assert_times_ordered(const tact_device_step_stats_t *d)
{
    const tact_node_stats_t *prev = NULL;
    for (int i = 0; i < d->n_nodes; i++) {
        const tact_node_stats_t *e = &d->nodes[i];
        assert_true(e->start_ns > 0);
        assert_true(e->start_ns <= e->end_ns);
        assert_true(e->start_us <= e->end_us);
        assert_int_equal(e->start_us, e->start_ns / 1000);
        if (e->kind != TACT_NODE_STATS_OP)
            continue;
        /* One fragment runs on one thread in dependency order: no overlap, in order. */
        if (prev != NULL) {
            assert_int_equal(prev->thread_id, e->thread_id);
            assert_true(prev->end_ns <= e->start_ns);
        }
        prev = e;
    }
}

static void test_mlp_on_the_calling_thread(void **state)
{
    (void) state;
    tact_output_t x, y;
    tact_graph_t *g = mlp_graph(&x, &y);
    tact_session_t *s = tu_session(g, NULL);
    tact_tensor_t *xv = tu_f32((int64_t[]){ 2, 3 }, 2, (float[]){ 1, 2, 3, 4, 5, 6 });
    tact_feed_t feed = { x, xv };
    tact_run_metadata_t md = { 0 };
    for (int round = 0; round < 2; round++) {  /* the second run frees the first's stats */
        tact_tensor_t *r = run_traced(s, y, &feed, 1, &md, TACT_TRACE_FULL_TRACE);
        tact_tensor_destroy(&r);
    }
    assert_int_equal(md.n_partitions, 1);
    assert_int_equal(md.step_stats.n_devices, 1);
    const tact_device_step_stats_t *d = &md.step_stats.devices[0];
    assert_string_equal(d->device, "/job:localhost/replica:0/task:0/device:CPU:0");
    assert_matches_partition(&md, 0);
    assert_int_equal(d->n_nodes, 5);  /* w, b, mm, add, y: x is fed, nothing crosses */
    assert_times_ordered(d);
    assert_output(find_entry(d, "w", TACT_NODE_STATS_OP), 3, 4, 2);
    assert_output(find_entry(d, "b", TACT_NODE_STATS_OP), 1, 4, 2);
    assert_output(find_entry(d, "mm", TACT_NODE_STATS_OP), 2, 4, 2);
    assert_output(find_entry(d, "add", TACT_NODE_STATS_OP), 2, 4, 2);
    const tact_node_stats_t *relu = find_entry(d, "y", TACT_NODE_STATS_OP);
    assert_output(relu, 2, 4, 2);
    assert_string_equal(relu->op_type, "Relu");
    assert_string_equal(find_entry(d, "mm", TACT_NODE_STATS_OP)->op_type, "MatMul");
    /* AUTO runs a one-device plan on this thread. */
    char name[16] = "";
    prctl(PR_GET_NAME, (unsigned long) name, 0, 0, 0);
    assert_int_equal(relu->thread_id, (int64_t) syscall(SYS_gettid));
    assert_string_equal(relu->thread_name, name);
    assert_int_equal(relu->peer_device, -1);
    /* Dependency order: mm before add before y. */
    assert_true(find_entry(d, "mm", TACT_NODE_STATS_OP)->end_ns <=
                find_entry(d, "add", TACT_NODE_STATS_OP)->start_ns);
    assert_true(find_entry(d, "add", TACT_NODE_STATS_OP)->end_ns <= relu->start_ns);

    tact_run_metadata_clear(&md);
    assert_int_equal(md.step_stats.n_devices, 0);
    assert_null(md.step_stats.devices);
    tact_tensor_destroy(&xv);
    tact_session_destroy(&s);
    tact_graph_destroy(&g);
}

/* A MatMul + row bias + Relu chain fused at plan build is one entry, _FusedMatMul named after
 * its last op (as TensorFlow's step stats show its remapper's fused nodes). */
static void test_fused_chain_is_one_entry(void **state)
{
    (void) state;
    tact_output_t x, y;
    tact_graph_t *g = mlp_graph_bias(&x, &y, 1);
    tact_session_t *s = tu_session(g, NULL);
    tact_tensor_t *xv = tu_f32((int64_t[]){ 2, 3 }, 2, (float[]){ 1, 2, 3, 4, 5, 6 });
    tact_feed_t feed = { x, xv };
    tact_run_metadata_t md = { 0 };
    tact_tensor_t *r = run_traced(s, y, &feed, 1, &md, TACT_TRACE_FULL_TRACE);
    tact_tensor_destroy(&r);
    const tact_device_step_stats_t *d = &md.step_stats.devices[0];
    assert_matches_partition(&md, 0);
    assert_int_equal(d->n_nodes, 3);  /* w, b, and y = _FusedMatMul(_arg_x_0_0, w, b) */
    const tact_node_stats_t *fused = find_entry(d, "y", TACT_NODE_STATS_OP);
    assert_string_equal(fused->op_type, "_FusedMatMul");
    assert_output(fused, 2, 4, 2);
    tact_run_metadata_clear(&md);
    tact_tensor_destroy(&xv);
    tact_session_destroy(&s);
    tact_graph_destroy(&g);
}

static void test_actor_mailbox_wait(void **state)
{
    (void) state;
    tact_output_t x, y;
    tact_graph_t *g = mlp_graph(&x, &y);
    tact_session_t *s = tu_session(g, &actors_config);
    tact_tensor_t *xv = tu_f32((int64_t[]){ 2, 3 }, 2, (float[]){ 1, 2, 3, 4, 5, 6 });
    tact_feed_t feed = { x, xv };
    tact_run_metadata_t md = { 0 };
    tact_tensor_t *r = run_traced(s, y, &feed, 1, &md, TACT_TRACE_SOFTWARE_TRACE);
    tact_tensor_destroy(&r);
    assert_int_equal(md.step_stats.n_devices, 1);
    const tact_device_step_stats_t *d = &md.step_stats.devices[0];
    assert_matches_partition(&md, 0);
    assert_int_equal(d->n_nodes, 6);
    assert_int_equal(count_kind(d, TACT_NODE_STATS_MAILBOX), 1);
    const tact_node_stats_t *mb = &d->nodes[5];
    assert_int_equal(mb->kind, TACT_NODE_STATS_MAILBOX);
    assert_string_equal(mb->op_type, "_Mailbox");
    assert_string_equal(mb->node_name, "RUN w");
    assert_times_ordered(d);
    /* Sent by this thread, taken by the actor, which then ran every node. */
    assert_true(mb->end_ns <= d->nodes[0].start_ns);
    assert_string_equal(mb->thread_name, "tact:CPU:0");
    for (int i = 0; i < 5; i++) {
        assert_int_equal(d->nodes[i].thread_id, mb->thread_id);
        assert_string_equal(d->nodes[i].thread_name, "tact:CPU:0");
    }
    assert_int_not_equal(mb->thread_id, (int64_t) syscall(SYS_gettid));
    tact_run_metadata_clear(&md);
    tact_tensor_destroy(&xv);
    tact_session_destroy(&s);
    tact_graph_destroy(&g);
}

/* A two-CPU run: the values made on CPU:1 and read on CPU:0 show as hand-offs there. */
static void check_two_cpu_stats(const tact_run_metadata_t *md)
{
    assert_int_equal(md->step_stats.n_devices, 2);
    const tact_device_step_stats_t *d0 = &md->step_stats.devices[0];
    const tact_device_step_stats_t *d1 = &md->step_stats.devices[1];
    assert_string_equal(d0->device, "/job:localhost/replica:0/task:0/device:CPU:0");
    assert_string_equal(d1->device, "/job:localhost/replica:0/task:0/device:CPU:1");
    assert_matches_partition(md, 0);
    assert_matches_partition(md, 1);
    assert_int_equal(d1->n_nodes, 3);  /* a, b.q, mul */
    assert_int_equal(d0->n_nodes, 3);  /* c and the hand-offs of mul:0 and a:0 (mul/_1, a/_3) */
    assert_times_ordered(d0);
    assert_times_ordered(d1);
    const tact_node_stats_t *c = find_entry(d0, "c", TACT_NODE_STATS_OP);
    assert_output(c, 2, 0, 1);
    const char *names[2] = { "mul/_1", "a/_3" }, *producers[2] = { "mul", "a" };
    for (int k = 0; k < 2; k++) {
        const tact_node_stats_t *h = find_entry(d0, names[k], TACT_NODE_STATS_RECV);
        assert_string_equal(h->op_type, "_Recv");
        assert_int_equal(h->peer_device, 1);
        assert_in_range(h->peer_node, 0, d1->n_nodes - 1);
        const tact_node_stats_t *p = &d1->nodes[h->peer_node];
        assert_string_equal(p->node_name, producers[k]);
        assert_int_equal(h->start_ns, p->end_ns);      /* from the producer's end */
        assert_true(h->end_ns <= c->start_ns);         /* to the reader's start */
        assert_int_equal(h->thread_id, c->thread_id);
        assert_output(h, 2, 0, 1);
    }
}

static void test_two_cpus_hand_offs(void **state)
{
    (void) state;
    tact_output_t c;
    tact_graph_t *g = two_cpu_graph(&c);
    tact_config_t config = { .device_count.cpu = 2 };
    tact_session_t *s = tu_session(g, &config);
    tact_run_metadata_t md = { 0 };
    tact_tensor_t *r = run_traced(s, c, NULL, 0, &md, TACT_TRACE_FULL_TRACE);
    assert_true(tu_f32_equal(r, (int64_t[]){ 2 }, 1, (float[]){ 4, 10 }));
    tact_tensor_destroy(&r);
    check_two_cpu_stats(&md);
    tact_run_metadata_clear(&md);
    tact_session_destroy(&s);
    tact_graph_destroy(&g);
}

static void test_no_trace_leaves_step_stats_empty(void **state)
{
    (void) state;
    tact_output_t c;
    tact_graph_t *g = two_cpu_graph(&c);
    tact_config_t config = { .device_count.cpu = 2 };
    tact_session_t *s = tu_session(g, &config);
    tact_run_metadata_t md = { 0 };
    tact_tensor_t *r = run_traced(s, c, NULL, 0, &md, TACT_TRACE_FULL_TRACE);
    tact_tensor_destroy(&r);
    assert_int_equal(md.step_stats.n_devices, 2);
    r = run_traced(s, c, NULL, 0, &md, TACT_TRACE_NO_TRACE);  /* frees the traced run's */
    tact_tensor_destroy(&r);
    assert_int_equal(md.n_partitions, 2);  /* partition graphs still come */
    assert_int_equal(md.step_stats.n_devices, 0);
    assert_null(md.step_stats.devices);
    /* A trace level TensorFlow does not have. */
    tact_status_t st = TACT_STATUS_INIT;
    tact_run_options_t bad = { .metadata = &md, .trace_level = (tact_trace_level_t) 4 };
    assert_int_equal(tact_session_run_ex(s, &bad, &c, 1, &r, NULL, 0, NULL, 0, &st),
                     TACT_CODE_INVALID_ARGUMENT);
    assert_null(r);
    assert_string_equal(st.msg, "tact_session_run: trace_level: unknown value 4");
    st = (tact_status_t) TACT_STATUS_INIT;
    assert_int_equal(tact_trace_write_chrome(&md, "/tmp/unused.json", &st),
                     TACT_CODE_INVALID_ARGUMENT);
    assert_true(tu_contains(st.msg, "tact_trace_write_chrome: the metadata holds no step stats"));
    tact_run_metadata_clear(&md);
    tact_session_destroy(&s);
    tact_graph_destroy(&g);
}

/* The event of phase `ph` and name `name` with args.name `arg` (NULL: any); exactly one. */
static json_t *find_event(json_t *events, const char *ph, const char *name, const char *arg)
{
    json_t *found = NULL, *ev;
    size_t i;
    int n = 0;
    json_array_foreach(events, i, ev) {
        json_t *a = json_object_get(json_object_get(ev, "args"), "name");
        if (strcmp(json_string_value(json_object_get(ev, "ph")), ph) == 0 &&
            strcmp(json_string_value(json_object_get(ev, "name")), name) == 0 &&
            (arg == NULL || (a != NULL && strcmp(json_string_value(a), arg) == 0))) {
            found = ev;
            n++;
        }
    }
    if (n != 1)
        fail_msg("%d events %s %s %s", n, ph, name, arg ? arg : "");
    return found;
}

static int64_t json_int(json_t *obj, const char *key)
{
    json_t *v = json_object_get(obj, key);
    assert_true(json_is_integer(v));
    return (int64_t) json_integer_value(v);
}

static void test_chrome_trace_json(void **state)
{
    (void) state;
    tact_output_t c;
    tact_graph_t *g = two_cpu_graph(&c);
    tact_config_t config = { .device_count.cpu = 2 };
    tact_session_t *s = tu_session(g, &config);
    tact_run_metadata_t md = { 0 };
    tact_tensor_t *r = run_traced(s, c, NULL, 0, &md, TACT_TRACE_FULL_TRACE);
    tact_tensor_destroy(&r);
    check_two_cpu_stats(&md);

    char path[] = "/tmp/tact-trace-XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    close(fd);
    tact_status_t st = TACT_STATUS_INIT;
    assert_int_equal(tact_trace_write_chrome(&md, path, &st), TACT_CODE_OK);
    json_error_t jerr;
    json_t *root = json_load_file(path, 0, &jerr);
    if (root == NULL)
        fail_msg("%s:%d: %s", path, jerr.line, jerr.text);
    unlink(path);
    json_t *events = json_object_get(root, "traceEvents");
    assert_true(json_is_array(events));

    /* Process rows: pid = device index + 1, named by the device. */
    for (int f = 0; f < 2; f++) {
        json_t *ev = NULL, *e;
        size_t i;
        json_array_foreach(events, i, e) {
            if (strcmp(json_string_value(json_object_get(e, "name")), "process_name") == 0 &&
                json_int(e, "pid") == f + 1)
                ev = e;
        }
        assert_non_null(ev);
        assert_string_equal(json_string_value(json_object_get(json_object_get(ev, "args"),
                                                              "name")),
                            md.step_stats.devices[f].device);
    }
    /* Every entry is one "X" event on its device's row and thread, with its times. */
    int n_x = 0, n_s = 0, n_f = 0, n_threads = 0;
    json_t *e;
    size_t i;
    json_array_foreach(events, i, e) {
        const char *ph = json_string_value(json_object_get(e, "ph"));
        n_x += strcmp(ph, "X") == 0;
        n_s += strcmp(ph, "s") == 0;
        n_f += strcmp(ph, "f") == 0;
        if (strcmp(json_string_value(json_object_get(e, "name")), "thread_name") == 0) {
            n_threads++;
            assert_int_equal(json_int(e, "tid"), md.step_stats.devices[0].nodes[0].thread_id);
            assert_string_equal(json_string_value(json_object_get(json_object_get(e, "args"),
                                                                  "name")),
                                md.step_stats.devices[0].nodes[0].thread_name);
        }
    }
    assert_int_equal(n_x, md.step_stats.devices[0].n_nodes + md.step_stats.devices[1].n_nodes);
    assert_int_equal(n_threads, 2);  /* this thread ran both devices' nodes: a row each */
    for (int f = 0; f < 2; f++) {
        const tact_device_step_stats_t *d = &md.step_stats.devices[f];
        for (int k = 0; k < d->n_nodes; k++) {
            const tact_node_stats_t *n = &d->nodes[k];
            json_t *ev = find_event(events, "X", n->op_type, n->node_name);
            assert_int_equal(json_int(ev, "pid"), f + 1);
            assert_int_equal(json_int(ev, "tid"), n->thread_id);
            json_t *ts = json_object_get(ev, "ts"), *dur = json_object_get(ev, "dur");
            assert_true(json_is_real(ts) && json_is_real(dur));
            assert_true(fabs(json_real_value(ts) - (double) n->start_ns / 1000) < 1);
            assert_true(fabs(json_real_value(dur) - (double) (n->end_ns - n->start_ns) / 1000) <
                        0.01);
            json_t *args = json_object_get(ev, "args");
            assert_string_equal(json_string_value(json_object_get(args, "op")), n->op_type);
            assert_string_equal(json_string_value(json_object_get(args, "output0")),
                                "float32[2] 8 bytes");
        }
    }
    find_event(events, "X", "Const", "b.q");
    /* One arrow per hand-off, from the producer's device to CPU:0. */
    assert_int_equal(n_s, 2);
    assert_int_equal(n_f, 2);
    json_t *fs = find_event(events, "s", "mul/_1", NULL), *ff = find_event(events, "f", "mul/_1",
                                                                          NULL);
    assert_int_equal(json_int(fs, "id"), json_int(ff, "id"));
    assert_int_equal(json_int(fs, "pid"), 2);
    assert_int_equal(json_int(ff, "pid"), 1);
    assert_string_equal(json_string_value(json_object_get(fs, "cat")), "DataFlow");
    json_decref(root);

    /* A file that cannot be made: the errno's code, naming the path. */
    st = (tact_status_t) TACT_STATUS_INIT;
    assert_int_equal(tact_trace_write_chrome(&md, "/nonexistent-dir/t.json", &st),
                     TACT_CODE_NOT_FOUND);
    assert_true(tu_contains(st.msg, "/nonexistent-dir/t.json: "));
    st = (tact_status_t) TACT_STATUS_INIT;
    assert_int_equal(tact_trace_write_chrome(NULL, path, &st), TACT_CODE_INVALID_ARGUMENT);
    tact_run_metadata_clear(&md);
    tact_session_destroy(&s);
    tact_graph_destroy(&g);
}

/* A GPU (tests/fake_gpu.c, over host memory): the copies in and out are the GPU's entries,
 * each copy in pointing at its producer on the CPU; the request waited in the GPU actor's
 * mailbox; the session counts the bytes copied and reads the GPU allocator's peak. */
static int gpu_setup(void **state)
{
    (void) state;
    fake_gpu_install(1);
    return 0;
}

static int gpu_teardown(void **state)
{
    (void) state;
    int unordered = atomic_load(&fake_gpu.unordered_copies);
    fake_gpu_uninstall();
    return unordered == 0 ? 0 : -1;  /* no copy into GPU memory overtook work queued there */
}

static void test_gpu_copies_and_counters(void **state)
{
    (void) state;
    tact_status_t st = TACT_STATUS_INIT;
    tact_graph_t *g = tact_graph_new();
    tact_graph_push_device(g, "/cpu:0", &st);
    float v6[6] = { 1, 2, 3, 4, 5, 6 };
    tact_output_t a = tu_const_f32(g, (int64_t[]){ 2, 3 }, 2, v6, "a", &st);
    tact_output_t b = tu_const_f32(g, (int64_t[]){ 3, 2 }, 2, v6, "b", &st);
    tact_graph_pop_device(g);
    tact_output_t c = tact_matmul(g, a, b, false, false, NULL, &st);  /* GPU:0 */
    assert_int_equal(st.code, TACT_CODE_OK);
    tact_session_t *s = tu_session(g, NULL);
    tact_run_metadata_t md = { 0 };
    tact_tensor_t *r = run_traced(s, c, NULL, 0, &md, TACT_TRACE_HARDWARE_TRACE);
    assert_true(tu_f32_equal(r, (int64_t[]){ 2, 2 }, 2, (float[]){ 22, 28, 49, 64 }));
    tact_tensor_destroy(&r);

    assert_int_equal(md.step_stats.n_devices, 2);
    const tact_device_step_stats_t *cpu = &md.step_stats.devices[0];
    const tact_device_step_stats_t *gpu = &md.step_stats.devices[1];
    assert_string_equal(cpu->device, CPU0);
    assert_string_equal(gpu->device, GPU0);
    assert_matches_partition(&md, 0);
    assert_matches_partition(&md, 1);
    assert_int_equal(cpu->n_nodes, 2);
    assert_int_equal(gpu->n_nodes, 5);  /* 2 copies in, MatMul, 1 copy out, the mailbox */
    const char *ins[2] = { "a/_1", "b/_3" }, *producers[2] = { "a", "b" };
    const tact_node_stats_t *mm = find_entry(gpu, "MatMul", TACT_NODE_STATS_OP);
    assert_output(mm, 2, 2, 2);
    for (int k = 0; k < 2; k++) {
        const tact_node_stats_t *in = find_entry(gpu, ins[k], TACT_NODE_STATS_RECV);
        assert_string_equal(in->op_type, "_Recv");
        assert_int_equal(in->peer_device, 0);
        assert_string_equal(cpu->nodes[in->peer_node].node_name, producers[k]);
        assert_true(cpu->nodes[in->peer_node].end_ns <= in->start_ns);
        assert_true(in->end_ns <= mm->start_ns);
        assert_output(in, k ? 3 : 2, k ? 2 : 3, 2);
        assert_string_equal(in->thread_name, "tact:GPU:0");
    }
    const tact_node_stats_t *out = find_entry(gpu, "MatMul/_4", TACT_NODE_STATS_SEND);
    assert_string_equal(out->op_type, "_Send");
    assert_int_equal(out->peer_device, 0);
    assert_true(mm->end_ns <= out->start_ns);
    assert_output(out, 2, 2, 2);
    const tact_node_stats_t *mb = find_entry(gpu, "RUN a/_1", TACT_NODE_STATS_MAILBOX);
    assert_true(mb->end_ns <= find_entry(gpu, "a/_1", TACT_NODE_STATS_RECV)->start_ns);
    assert_int_equal(mb->thread_id, mm->thread_id);

    tact_session_stats_t stats;
    assert_int_equal(tact_session_stats(s, &stats, &st), TACT_CODE_OK);
    assert_int_equal(stats.bytes_copied, 24 + 24 + 16);
    assert_int_equal(stats.n_devices, 2);
    assert_string_equal(stats.devices[1].device, GPU0);
    tact_memory_stats_t ms;
    assert_int_equal(tact_session_memory_stats(s, "/gpu:0", &ms, &st), TACT_CODE_OK);
    assert_int_equal(stats.devices[1].peak_bytes_in_use, ms.peak_bytes_in_use);
    assert_true(stats.devices[1].peak_bytes_in_use >= 24 + 24 + 16);
    assert_int_equal(stats.devices[0].peak_bytes_in_use, -1);

    tact_run_metadata_clear(&md);
    tact_session_destroy(&s);
    tact_graph_destroy(&g);
}

/* Traced runs from several threads at once over two devices: each run's stats are its own. */
typedef struct trace_job {
    tact_session_t *s;
    tact_output_t c;
    int bad;
} trace_job_t;

static void *trace_worker(void *arg)
{
    trace_job_t *job = arg;
    tact_run_metadata_t md = { 0 };
    tact_run_options_t opts = { .metadata = &md, .trace_level = TACT_TRACE_FULL_TRACE };
    for (int i = 0; i < 50; i++) {
        tact_status_t st = TACT_STATUS_INIT;
        tact_tensor_t *r = NULL;
        tact_session_run_ex(job->s, &opts, &job->c, 1, &r, NULL, 0, NULL, 0, &st);
        tact_tensor_destroy(&r);
        const tact_device_step_stats_t *d = md.step_stats.devices;
        job->bad += st.code != TACT_CODE_OK || md.step_stats.n_devices != 2 ||
                    d[0].n_nodes != 3 || d[1].n_nodes != 3;
        for (int f = 0; f < md.step_stats.n_devices; f++)
            for (int k = 0; k < d[f].n_nodes; k++)
                job->bad += d[f].nodes[k].start_ns <= 0 ||
                            d[f].nodes[k].end_ns < d[f].nodes[k].start_ns;
    }
    tact_run_metadata_clear(&md);
    return NULL;
}

static void test_concurrent_traced_runs(void **state)
{
    (void) state;
    tact_output_t c;
    tact_graph_t *g = two_cpu_graph(&c);
    tact_config_t config = { .device_count.cpu = 2 };
    tact_session_t *s = tu_session(g, &config);
    pthread_t t[4];
    trace_job_t jobs[4];
    for (int i = 0; i < 4; i++) {
        jobs[i] = (trace_job_t) { s, c, 0 };
        assert_int_equal(pthread_create(&t[i], NULL, trace_worker, &jobs[i]), 0);
    }
    for (int i = 0; i < 4; i++) {
        pthread_join(t[i], NULL);
        assert_int_equal(jobs[i].bad, 0);
    }
    tact_session_destroy(&s);
    tact_graph_destroy(&g);
}

/* ------------------------------------------------------------------------------------------ */
/* Session counters                                                                           */
/* ------------------------------------------------------------------------------------------ */

static void test_stats_count_exactly(void **state)
{
    (void) state;
    tact_status_t st = TACT_STATUS_INIT;
    tact_output_t x, y;
    tact_graph_t *g = mlp_graph(&x, &y);
    tact_graph_t *other = tact_graph_new();
    tact_output_t foreign = tu_const_f32(other, NULL, 0, (float[]){ 1 }, "f", &st);
    tact_output_t w = tact_graph_output(g, "w", &st);
    tact_config_t limited = { .host_memory_limit_bytes = 1 << 20 };
    tact_session_t *s = tu_session(g, &limited);
    tact_tensor_t *xv = tu_f32((int64_t[]){ 2, 3 }, 2, (float[]){ 1, 2, 3, 4, 5, 6 });
    tact_feed_t feed = { x, xv };
    tact_session_stats_t stats;
    assert_int_equal(tact_session_stats(s, &stats, &st), TACT_CODE_OK);
    assert_int_equal(stats.runs, 0);

    tact_output_t order[] = { y, y, w, y };  /* miss, hit, miss, hit */
    for (int i = 0; i < 4; i++) {
        tact_tensor_t *r = tu_run1(s, order[i], &feed, 1, &st);
        assert_non_null(r);
        tact_tensor_destroy(&r);
    }
    tu_run_fails(s, foreign, NULL, 0, TACT_CODE_INVALID_ARGUMENT,
                 "Fetch argument f:0 cannot be interpreted as a Tensor. (Tensor f:0 is not an "
                 "element of this graph.)");  /* before the cache */
    tu_run_fails(s, y, NULL, 0, TACT_CODE_INVALID_ARGUMENT,
                 "You must feed a value for placeholder tensor 'x' with dtype float and shape "
                 "[2,3]\n\t [[{{node x}}]]");  /* a new signature: the cache misses, the build fails */
    assert_int_equal(tact_session_stats(s, &stats, &st), TACT_CODE_OK);
    assert_int_equal(stats.runs, 6);
    assert_int_equal(stats.plan_cache_hits, 2);
    assert_int_equal(stats.plan_cache_misses, 3);
    assert_int_equal(stats.errors[TACT_CODE_INVALID_ARGUMENT], 2);
    assert_int_equal(stats.errors[TACT_CODE_OK], 0);
    assert_int_equal(stats.bytes_copied, 0);       /* one host device: nothing to copy */
    assert_true(stats.peak_host_bytes >= 2 * 4 * 4);  /* at least one [2,4] float result */
    assert_true(stats.peak_host_bytes <= 1 << 20);
    assert_int_equal(stats.n_devices, 1);
    assert_string_equal(stats.devices[0].device, "/job:localhost/replica:0/task:0/device:CPU:0");
    assert_int_equal(stats.devices[0].peak_bytes_in_use, -1);

    tact_session_close(s, &st);
    tu_run_fails(s, y, &feed, 1, TACT_CODE_CANCELLED, "Session has been closed.");
    assert_int_equal(tact_session_stats(s, &stats, &st), TACT_CODE_OK);  /* after close too */
    assert_int_equal(stats.runs, 7);
    assert_int_equal(stats.errors[TACT_CODE_CANCELLED], 1);
    assert_int_equal(stats.plan_cache_hits + stats.plan_cache_misses, 5);

    tact_session_t *unlimited = tu_session(g, NULL);
    assert_int_equal(tact_session_stats(unlimited, &stats, &st), TACT_CODE_OK);
    assert_int_equal(stats.peak_host_bytes, -1);
    assert_int_equal(tact_session_stats(NULL, &stats, &st), TACT_CODE_INVALID_ARGUMENT);
    assert_string_equal(st.msg, "tact_session_stats: session and out must not be NULL");

    tact_session_destroy(&unlimited);
    tact_tensor_destroy(&xv);
    tact_session_destroy(&s);
    tact_graph_destroy(&other);
    tact_graph_destroy(&g);
}

#define STATS_THREADS 4
#define STATS_RUNS 200
#define STATS_ERRORS 25

typedef struct stats_job {
    tact_session_t *s;
    tact_output_t good, bad;
    const tact_feed_t *feed;
    int failures;
} stats_job_t;

static void *stats_worker(void *arg)
{
    stats_job_t *job = arg;
    for (int i = 0; i < STATS_RUNS + STATS_ERRORS; i++) {
        tact_status_t st = TACT_STATUS_INIT;
        tact_tensor_t *r = NULL;
        bool good = i < STATS_RUNS;
        tact_output_t fetch = good ? job->good : job->bad;
        tact_session_run(job->s, &fetch, 1, &r, job->feed, 1, NULL, 0, &st);
        job->failures += (st.code != TACT_CODE_OK) != !good;
        tact_tensor_destroy(&r);
    }
    return NULL;
}

static void test_stats_sum_over_threads(void **state)
{
    (void) state;
    tact_status_t st = TACT_STATUS_INIT;
    tact_output_t x, y;
    tact_graph_t *g = mlp_graph(&x, &y);
    tact_graph_t *other = tact_graph_new();
    tact_output_t foreign = tu_const_f32(other, NULL, 0, (float[]){ 1 }, "f", &st);
    tact_session_t *s = tu_session(g, NULL);
    tact_tensor_t *xv = tu_f32((int64_t[]){ 2, 3 }, 2, (float[]){ 1, 2, 3, 4, 5, 6 });
    tact_feed_t feed = { x, xv };
    tact_tensor_t *r = tu_run1(s, y, &feed, 1, &st);  /* builds the plan: the threads hit */
    tact_tensor_destroy(&r);
    pthread_t t[STATS_THREADS];
    stats_job_t jobs[STATS_THREADS];
    for (int i = 0; i < STATS_THREADS; i++) {
        jobs[i] = (stats_job_t) { s, y, foreign, &feed, 0 };
        assert_int_equal(pthread_create(&t[i], NULL, stats_worker, &jobs[i]), 0);
    }
    for (int i = 0; i < STATS_THREADS; i++) {
        pthread_join(t[i], NULL);
        assert_int_equal(jobs[i].failures, 0);
    }
    tact_session_stats_t stats;
    assert_int_equal(tact_session_stats(s, &stats, &st), TACT_CODE_OK);
    assert_int_equal(stats.runs, 1 + STATS_THREADS * (STATS_RUNS + STATS_ERRORS));
    assert_int_equal(stats.plan_cache_misses, 1);
    assert_int_equal(stats.plan_cache_hits, STATS_THREADS * STATS_RUNS);
    assert_int_equal(stats.errors[TACT_CODE_INVALID_ARGUMENT], STATS_THREADS * STATS_ERRORS);
    int64_t errors = 0;
    for (int k = 0; k < TACT_CODE_COUNT; k++)
        errors += stats.errors[k];
    assert_int_equal(errors, STATS_THREADS * STATS_ERRORS);
    tact_tensor_destroy(&xv);
    tact_session_destroy(&s);
    tact_graph_destroy(&other);
    tact_graph_destroy(&g);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_mlp_on_the_calling_thread),
        cmocka_unit_test(test_fused_chain_is_one_entry),
        cmocka_unit_test(test_actor_mailbox_wait),
        cmocka_unit_test(test_two_cpus_hand_offs),
        cmocka_unit_test(test_no_trace_leaves_step_stats_empty),
        cmocka_unit_test(test_chrome_trace_json),
        cmocka_unit_test_setup_teardown(test_gpu_copies_and_counters, gpu_setup, gpu_teardown),
        cmocka_unit_test(test_concurrent_traced_runs),
        cmocka_unit_test(test_stats_count_exactly),
        cmocka_unit_test(test_stats_sum_over_threads),
    };
    return cmocka_run_group_tests_name("trace", tests, NULL, NULL);
}
