/* SPDX-License-Identifier: MIT */
/* bench_import: GraphDef import of a large graph, and the first run after it.
 *
 * The graph: a placeholder x [64] and a chain of 10,000 Adds, a_i = a_{i-1} + x (10,001 nodes),
 * built with the C builders, exported to a binary and a text GraphDef, and imported again.
 * Cases (latency per iteration; ratio = median / build_c median, lower is better):
 *   build_c        the baseline: the same graph built with tact_add into a new graph
 *   export_bin     tact_graph_export of the built graph
 *   import_bin     tact_graph_import of the binary GraphDef into a new graph
 *   import_text    tact_graph_import_file of the text GraphDef (parse + import)
 *   first_run      a new session on an imported graph and its first run (planning included)
 *   run            later runs of that session (a diagnostic)
 * Each result is checked: the chain's output is 10,001 x. */
#include "bench.h"

#include <tact/model.h>

#define IMPORT_N 10000
#define IMPORT_WIDTH 64

typedef struct import_ctx {
    int n;                  /* Adds in the chain */
    void *pb;               /* the binary GraphDef */
    size_t pb_len;
    char text_path[64];     /* the text GraphDef */
    tact_tensor_t *x;       /* the feed */
    tact_graph_t *built;    /* the graph built in C, for export_bin */
    tact_status_t st;
} import_ctx_t;

static tact_graph_t *import_build(const import_ctx_t *c, tact_status_t *st)
{
    tact_graph_t *g = tact_graph_new();
    tact_output_t x = tact_placeholder(g, TACT_DTYPE_F32, (const int64_t[]) { IMPORT_WIDTH }, 1,
                                       "x", st);
    tact_output_t a = x;
    for (int i = 0; i < c->n; i++)
        a = tact_add(g, a, x, NULL, st);
    tact_identity(g, a, "y", st);
    return g;
}

/* Run y with x fed and check every element is (n + 1) * x. */
static int import_run_check(import_ctx_t *c, tact_session_t *s, tact_graph_t *g)
{
    tact_output_t x = tact_graph_output(g, "x:0", &c->st);
    tact_output_t y = tact_graph_output(g, "y:0", &c->st);
    tact_feed_t feed = { x, c->x };
    tact_tensor_t *r = NULL;
    if (tact_session_run(s, &y, 1, &r, &feed, 1, NULL, 0, &c->st) != TACT_CODE_OK)
        return bench_failed(&c->st, "run") ? -1 : -1;
    const float *in = tact_tensor_data(c->x), *out = tact_tensor_data(r);
    int bad = 0;
    for (int i = 0; i < IMPORT_WIDTH; i++)
        bad += out[i] != in[i] * (float) (c->n + 1);
    tact_tensor_destroy(&r);
    if (bad) {
        fprintf(stderr, "bench_import: %d wrong elements\n", bad);
        return -1;
    }
    return 0;
}

static int case_build(void *ctx)
{
    import_ctx_t *c = ctx;
    tact_graph_t *g = import_build(c, &c->st);
    tact_graph_destroy(&g);
    return bench_failed(&c->st, "build") ? -1 : 0;
}

static int case_export(void *ctx)
{
    import_ctx_t *c = ctx;
    void *data = NULL;
    size_t len = 0;
    tact_graph_export(c->built, &data, &len, &c->st);
    free(data);
    return bench_failed(&c->st, "export") || len != c->pb_len ? -1 : 0;
}

/* Import timed alone: the graph is made before and destroyed after the clock. */
static int time_import(import_ctx_t *c, bool text, bench_samples_t *s)
{
    tact_graph_t *g = tact_graph_new();
    int64_t t0 = bench_now_ns();
    if (text)
        tact_graph_import_file(g, c->text_path, NULL, &c->st);
    else
        tact_graph_import(g, c->pb, c->pb_len, NULL, &c->st);
    int64_t t1 = bench_now_ns();
    int ok = tact_graph_num_ops(g) == c->n + 2;
    tact_graph_destroy(&g);
    if (bench_failed(&c->st, text ? "import_text" : "import_bin") || !ok)
        return -1;
    return bench_samples_add(s, (double) (t1 - t0));
}

/* A new session and its first run, then `later` more runs timed one by one. */
static int time_runs(import_ctx_t *c, const tact_config_t *cfg, bench_samples_t *first,
                     bench_samples_t *later, int n_later)
{
    tact_graph_t *g = tact_graph_new();
    if (tact_graph_import(g, c->pb, c->pb_len, NULL, &c->st) != TACT_CODE_OK) {
        tact_graph_destroy(&g);
        return bench_failed(&c->st, "import") ? -1 : -1;
    }
    int64_t t0 = bench_now_ns();
    tact_session_t *s = tact_session_new(NULL, g, cfg, &c->st);
    int rc = s != NULL ? import_run_check(c, s, g) : -1;
    int64_t t1 = bench_now_ns();
    if (rc == 0)
        rc = bench_samples_add(first, (double) (t1 - t0));
    for (int i = 0; rc == 0 && i < n_later; i++) {
        int64_t a = bench_now_ns();
        rc = import_run_check(c, s, g);
        int64_t b = bench_now_ns();
        if (rc == 0)
            rc = bench_samples_add(later, (double) (b - a));
    }
    tact_session_destroy(&s);
    tact_graph_destroy(&g);
    if (bench_failed(&c->st, "first run"))
        return -1;
    return rc;
}

enum { C_BUILD, C_EXPORT, C_IMPORT_BIN, C_IMPORT_TEXT, C_FIRST_RUN, C_RUN, C_COUNT };

int main(int argc, char **argv)
{
    bench_opts_t opt;
    int prc = bench_parse_args(argc, argv, &opt);
    if (prc != 0)
        return prc > 0 ? 0 : 2;
    bench_load_t load0 = bench_load_now();
    int rc = 1;
    import_ctx_t c = { .n = opt.quick ? 200 : IMPORT_N, .st = TACT_STATUS_INIT };
    float xv[IMPORT_WIDTH];
    for (int i = 0; i < IMPORT_WIDTH; i++)
        xv[i] = (float) (i % 7) - 3.0f;
    c.x = tact_tensor_new(TACT_DTYPE_F32, (const int64_t[]) { IMPORT_WIDTH }, 1, xv, &c.st);
    tact_config_t cfg = bench_cpu_config();
    bench_samples_t samples[C_COUNT] = { { 0 } };
    snprintf(c.text_path, sizeof c.text_path, "/tmp/bench_import_XXXXXX");
    int fd = mkstemp(c.text_path);
    if (fd < 0) {
        perror("bench_import: mkstemp");
        goto done;
    }
    close(fd);
    c.built = import_build(&c, &c.st);
    tact_graph_export(c.built, &c.pb, &c.pb_len, &c.st);
    tact_graph_export_file(c.built, c.text_path, true, &c.st);
    if (bench_failed(&c.st, "building and exporting the graph"))
        goto done;

    int iters = opt.quick ? 2 : 15;
    char size[32];
    snprintf(size, sizeof size, "%dnodes", c.n + 2);
    bench_header("bench_import", "a chain of Adds as a GraphDef: build, export, import, first "
                                 "run; latency per iteration; ratio = median / build_c median "
                                 "(lower is better)");
    bench_note("%d nodes; binary GraphDef %zu bytes; %d iterations per case (interleaved)%s",
               c.n + 2, c.pb_len, iters, opt.quick ? "; --quick: figures mean nothing" : "");
    if (bench_warmup(case_build, &c, 1) != 0 || bench_warmup(case_export, &c, 1) != 0)
        goto done;
    for (int i = 0; i < iters; i++) {
        if (bench_collect(case_build, &c, 1, 1, &samples[C_BUILD]) != 0 ||
            bench_collect(case_export, &c, 1, 1, &samples[C_EXPORT]) != 0 ||
            time_import(&c, false, &samples[C_IMPORT_BIN]) != 0 ||
            time_import(&c, true, &samples[C_IMPORT_TEXT]) != 0 ||
            time_runs(&c, &cfg, &samples[C_FIRST_RUN], &samples[C_RUN], 3) != 0)
            goto done;
    }

    static const char *const names[C_COUNT] = { "build_c", "export_bin", "import_bin",
                                                "import_text", "first_run", "run" };
    bench_stats_t stats[C_COUNT];
    for (int i = 0; i < C_COUNT; i++)
        stats[i] = bench_stats(&samples[i]);
    for (int i = 0; i < C_COUNT; i++)
        bench_line(names[i], "CPU", size, &stats[i], 1e6 / stats[i].median_us, "per_s",
                   i == C_BUILD ? NAN : stats[i].median_us / stats[C_BUILD].median_us,
                   i == C_BUILD ? NULL : names[C_BUILD]);
    bench_note("per node (medians): build %.3f us, import_bin %.3f us, import_text %.3f us, "
               "first_run %.3f us", stats[C_BUILD].median_us / (c.n + 2),
               stats[C_IMPORT_BIN].median_us / (c.n + 2),
               stats[C_IMPORT_TEXT].median_us / (c.n + 2),
               stats[C_FIRST_RUN].median_us / (c.n + 2));
    bench_note_load(&load0);
    rc = 0;
done:
    for (int i = 0; i < C_COUNT; i++)
        bench_samples_free(&samples[i]);
    unlink(c.text_path);
    tact_graph_destroy(&c.built);
    free(c.pb);
    tact_tensor_destroy(&c.x);
    return rc;
}
