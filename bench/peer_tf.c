/* SPDX-License-Identifier: MIT */
/* peer_tf: the same graphs through TensorFlow's C API (TF_SessionRun) and through tact
 * (tact_session_run), same process, timed in alternating blocks. Built only when CMake is given
 * -DTACT_TF_C_API=<dir> (bench/README.md); nothing else depends on it.
 *
 *   mlp   bench_mlp's network (bench_mlp_net.h), x[B,784] -> 512 relu -> 512 relu -> 10
 *         softmax at B = 64 and 1: built in tact as bench_mlp builds it, written out with
 *         tact_graph_export and those GraphDef bytes imported by TF_GraphImportGraphDef, so
 *         both run one graph with one set of weights
 *   cnn   tests/data/cnn.pb (bench_cnn's CNN) at B = 1 and 32, the file's bytes imported by both
 *
 * One run on either side feeds x from a tensor made once, fetches y and destroys the result.
 * Sessions: tact's default config (bench_cpu_config: no GPU), TensorFlow's with
 * intra_op_parallelism_threads = inter_op_parallelism_threads = the online cores (tact's
 * defaults for both). Before and after timing, both outputs must agree within 1e-4.
 * value = runs/s from the median run; ratio = tact runs/s / TensorFlow runs/s (higher is
 * better). Target: >= 1.3 for every case. */
#include "bench_mlp_net.h"

#include <tact/model.h>
#include <tensorflow/c/c_api.h>

#define PEER_BLOCK 50      /* runs per side before switching */
#define PEER_TARGET 1.3
#define CNN_IN (8 * 8 * 3)
#define CNN_OUT 5

/* One graph open in both: tact's session and TensorFlow's, with x's value made once for each. */
typedef struct peer {
    int batch, n_out;               /* y is [batch, n_out] */
    tact_session_t *ts;
    tact_output_t tx, ty;
    tact_tensor_t *txv;
    tact_status_t tst;
    TF_Graph *fg;
    TF_Session *fs;
    TF_Status *fst;
    TF_Output fx, fy;
    TF_Tensor *fxv;
} peer_t;

/* ------------------------------------------------------------------------------------------ */
/* TensorFlow's session config                                                                */
/* ------------------------------------------------------------------------------------------ */

/* A serialized ConfigProto (tensorflow/core/protobuf/config.proto) with two int32 fields, each
 * written as a key byte (field << 3 | wire type 0, varint) and a base-128 varint:
 *   0x10 <n>  intra_op_parallelism_threads = n   (field 2)
 *   0x28 <n>  inter_op_parallelism_threads = n   (field 5)
 * so 2 cores give 10 02 28 02, what Python's ConfigProto(...).SerializeToString() writes.
 * Returns the length (at most 12). */
static size_t peer_config_proto(uint8_t buf[12], unsigned threads)
{
    static const uint8_t keys[2] = { 0x10, 0x28 };
    size_t n = 0;
    for (int f = 0; f < 2; f++) {
        buf[n++] = keys[f];
        unsigned v = threads;
        do {
            buf[n++] = (uint8_t) ((v & 0x7f) | (v > 0x7f ? 0x80 : 0));
            v >>= 7;
        } while (v != 0);
    }
    return n;
}

/* True (after printing it) when `st` holds an error. */
static bool peer_tf_failed(TF_Status *st, const char *what)
{
    if (TF_GetCode(st) == TF_OK)
        return false;
    fprintf(stderr, "peer_tf: %s: TensorFlow code %d: %s\n", what, (int) TF_GetCode(st),
            TF_Message(st));
    return true;
}

/* ------------------------------------------------------------------------------------------ */
/* Opening and closing                                                                        */
/* ------------------------------------------------------------------------------------------ */

/* Open `g` (built or imported; x, y in it) in tact and the GraphDef `def` in TensorFlow, and
 * make x = `xdata` of shape `dims` for both. 0, or -1 after printing why; peer_close either way. */
static int peer_open(peer_t *p, tact_graph_t *g, tact_output_t x, tact_output_t y,
                     const void *def, size_t def_len, const int64_t *dims, int ndims,
                     const float *xdata, int n_out)
{
    p->batch = (int) dims[0];
    p->n_out = n_out;
    p->tx = x;
    p->ty = y;
    p->tst = (tact_status_t) TACT_STATUS_INIT;
    tact_config_t cfg = bench_cpu_config();
    p->ts = tact_session_new(NULL, g, &cfg, &p->tst);
    p->txv = tact_tensor_new(TACT_DTYPE_F32, dims, ndims, xdata, &p->tst);
    if (bench_failed(&p->tst, "tact: opening the session"))
        return -1;

    p->fst = TF_NewStatus();
    p->fg = TF_NewGraph();
    TF_Buffer *buf = TF_NewBufferFromString(def, def_len);
    TF_ImportGraphDefOptions *io = TF_NewImportGraphDefOptions();
    TF_GraphImportGraphDef(p->fg, buf, io, p->fst);
    TF_DeleteImportGraphDefOptions(io);
    TF_DeleteBuffer(buf);
    if (peer_tf_failed(p->fst, "TF_GraphImportGraphDef"))
        return -1;
    p->fx = (TF_Output) { TF_GraphOperationByName(p->fg, tact_op_name(x.op)), x.index };
    p->fy = (TF_Output) { TF_GraphOperationByName(p->fg, tact_op_name(y.op)), y.index };
    if (p->fx.oper == NULL || p->fy.oper == NULL) {
        fprintf(stderr, "peer_tf: TensorFlow's graph lacks '%s' or '%s'\n", tact_op_name(x.op),
                tact_op_name(y.op));
        return -1;
    }
    uint8_t proto[12];
    long cores = sysconf(_SC_NPROCESSORS_ONLN);
    size_t proto_len = peer_config_proto(proto, cores > 0 ? (unsigned) cores : 1u);
    TF_SessionOptions *so = TF_NewSessionOptions();
    TF_SetConfig(so, proto, proto_len, p->fst);
    if (!peer_tf_failed(p->fst, "TF_SetConfig"))
        p->fs = TF_NewSession(p->fg, so, p->fst);
    TF_DeleteSessionOptions(so);
    if (peer_tf_failed(p->fst, "TF_NewSession"))
        return -1;
    size_t bytes = sizeof(float);
    for (int i = 0; i < ndims; i++)
        bytes *= (size_t) dims[i];
    p->fxv = TF_AllocateTensor(TF_FLOAT, dims, ndims, bytes);
    if (p->fxv == NULL) {
        fprintf(stderr, "peer_tf: TF_AllocateTensor failed\n");
        return -1;
    }
    memcpy(TF_TensorData(p->fxv), xdata, bytes);
    return 0;
}

/* Close both sessions: 0, or -1 when closing reported an error. */
static int peer_close(peer_t *p)
{
    int rc = 0;
    if (!bench_close_session(&p->ts))
        rc = -1;
    tact_tensor_destroy(&p->txv);
    if (p->fs != NULL) {
        TF_CloseSession(p->fs, p->fst);
        rc |= peer_tf_failed(p->fst, "TF_CloseSession") ? -1 : 0;
        TF_DeleteSession(p->fs, p->fst);
        rc |= peer_tf_failed(p->fst, "TF_DeleteSession") ? -1 : 0;
    }
    if (p->fxv != NULL)
        TF_DeleteTensor(p->fxv);
    if (p->fg != NULL)
        TF_DeleteGraph(p->fg);
    if (p->fst != NULL)
        TF_DeleteStatus(p->fst);
    memset(p, 0, sizeof *p);
    return rc;
}

/* ------------------------------------------------------------------------------------------ */
/* One run of each                                                                            */
/* ------------------------------------------------------------------------------------------ */

/* One tact run; y is copied into `out` ([batch, n_out]) unless it is NULL. 0 or -1. */
static int peer_tact_run(peer_t *p, float *out)
{
    tact_feed_t feed = { p->tx, p->txv };
    tact_tensor_t *y = NULL;
    if (tact_session_run(p->ts, &p->ty, 1, &y, &feed, 1, NULL, 0, &p->tst) != TACT_CODE_OK) {
        bench_failed(&p->tst, "tact_session_run");
        return -1;
    }
    int rc = 0;
    if (tact_tensor_dtype(y) != TACT_DTYPE_F32 ||
        tact_tensor_nelems(y) != (int64_t) p->batch * p->n_out) {
        fprintf(stderr, "peer_tf: tact's y has the wrong dtype or size\n");
        rc = -1;
    } else if (out != NULL) {
        memcpy(out, tact_tensor_data(y), (size_t) p->batch * (size_t) p->n_out * sizeof *out);
    }
    tact_tensor_destroy(&y);
    return rc;
}

/* One TF_SessionRun, the same way. 0 or -1. */
static int peer_tf_run(peer_t *p, float *out)
{
    TF_Tensor *y = NULL;
    TF_SessionRun(p->fs, NULL, &p->fx, &p->fxv, 1, &p->fy, &y, 1, NULL, 0, NULL, p->fst);
    if (peer_tf_failed(p->fst, "TF_SessionRun"))
        return -1;
    int rc = 0;
    if (TF_TensorType(y) != TF_FLOAT ||
        TF_TensorElementCount(y) != (int64_t) p->batch * p->n_out) {
        fprintf(stderr, "peer_tf: TensorFlow's y has the wrong dtype or size\n");
        rc = -1;
    } else if (out != NULL) {
        memcpy(out, TF_TensorData(y), (size_t) p->batch * (size_t) p->n_out * sizeof *out);
    }
    TF_DeleteTensor(y);
    return rc;
}

/* Both outputs agree within 1e-4: 0, else -1 after printing why. */
static int peer_check(peer_t *p, const char *name, const char *when)
{
    size_t n = (size_t) p->batch * (size_t) p->n_out;
    float *a = malloc(n * sizeof *a), *b = malloc(n * sizeof *b);
    int rc = -1;
    if (a == NULL || b == NULL) {
        fprintf(stderr, "peer_tf: out of memory\n");
    } else if (peer_tact_run(p, a) == 0 && peer_tf_run(p, b) == 0) {
        double max_diff = 0, sum = 0;
        for (size_t i = 0; i < n; i++) {
            max_diff = fmax(max_diff, fabs((double) a[i] - (double) b[i]));
            sum += b[i];
        }
        bench_note("check %s (%s): max |tact - TensorFlow| = %.3g over %zu outputs, mean row "
                   "sum %.6f", name, when, max_diff, n, sum / p->batch);
        if (max_diff < 1e-4)
            rc = 0;
        else
            fprintf(stderr, "peer_tf: %s (%s): tact and TensorFlow differ by %g (limit 1e-4)\n",
                    name, when, max_diff);
    }
    free(a);
    free(b);
    return rc;
}

/* Check, time both sides in alternating blocks, check again, print the two lines and the
 * target. The lines are <base>_tf<suffix> and <base>_tact<suffix> (mlp_tf_b1, as bench_mlp
 * names mlp_raw_b1). 0, or -1 on an error or a wrong result. */
static int peer_time(peer_t *p, const bench_opts_t *opt, const char *base, const char *suffix,
                     const char *size, int runs)
{
    char label[64], name_tf[64], name_tact[64], goal[128];
    snprintf(label, sizeof label, "%s%s", base, suffix);
    snprintf(name_tf, sizeof name_tf, "%s_tf%s", base, suffix);
    snprintf(name_tact, sizeof name_tact, "%s_tact%s", base, suffix);
    bench_samples_t s_tact = { 0 }, s_tf = { 0 };
    int block = opt->quick ? 1 : PEER_BLOCK, warmup = opt->quick ? 1 : 50, rc = -1;
    if (opt->quick)
        runs = 3;
    if (peer_check(p, label, "before") != 0 ||
        bench_samples_reserve(&s_tact, (size_t) runs) != 0 ||
        bench_samples_reserve(&s_tf, (size_t) runs) != 0)
        goto done;
    for (int i = 0; i < warmup; i++) {
        if (peer_tact_run(p, NULL) != 0 || peer_tf_run(p, NULL) != 0)
            goto done;
    }
    while (s_tact.n < (size_t) runs) {
        int k = block;
        if ((size_t) k > (size_t) runs - s_tact.n)
            k = (int) ((size_t) runs - s_tact.n);
        for (int i = 0; i < k; i++) {
            int64_t t0 = bench_now_ns();
            if (peer_tact_run(p, NULL) != 0)
                goto done;
            s_tact.ns[s_tact.n++] = (double) (bench_now_ns() - t0);
        }
        for (int i = 0; i < k; i++) {
            int64_t t0 = bench_now_ns();
            if (peer_tf_run(p, NULL) != 0)
                goto done;
            s_tf.ns[s_tf.n++] = (double) (bench_now_ns() - t0);
        }
    }
    if (peer_check(p, label, "after") != 0)
        goto done;
    bench_stats_t sf = bench_stats(&s_tf), stt = bench_stats(&s_tact);
    double vf = 1e6 / sf.median_us, vt = 1e6 / stt.median_us;
    bench_line(name_tf, "CPU", size, &sf, vf, "runs/s", NAN, NULL);
    bench_line(name_tact, "CPU", size, &stt, vt, "runs/s", vt / vf, name_tf);
    snprintf(goal, sizeof goal, "%s: tact >= %.1f x TensorFlow (runs/s)", name_tact,
             PEER_TARGET);
    if (!opt->quick)
        bench_target(goal, vt / vf >= PEER_TARGET);
    rc = 0;
done:
    bench_samples_free(&s_tact);
    bench_samples_free(&s_tf);
    return rc;
}

/* ------------------------------------------------------------------------------------------ */
/* The cases                                                                                  */
/* ------------------------------------------------------------------------------------------ */

/* The MLP at one batch size. 0 or -1. */
static int peer_mlp(const bench_opts_t *opt, int batch)
{
    mlp_t m;
    peer_t p = { 0 };
    mlp_tact_t t = { .st = TACT_STATUS_INIT };
    tact_graph_t *g = tact_graph_new();
    void *def = NULL;
    size_t def_len = 0;
    int rc = -1;
    if (mlp_init(&m, batch) != 0)
        goto done;
    mlp_build(g, &m, &t, &t.st);
    tact_graph_export(g, &def, &def_len, &t.st);
    if (bench_failed(&t.st, "mlp: building and exporting the graph"))
        goto done;
    char suffix[16], size[32];
    snprintf(suffix, sizeof suffix, batch == 64 ? "" : "_b%d", batch);
    snprintf(size, sizeof size, "%dx%d", batch, MLP_IN);
    const int64_t dims[2] = { batch, MLP_IN };
    if (peer_open(&p, g, t.x, t.y, def, def_len, dims, 2, m.x, MLP_OUT) == 0)
        rc = peer_time(&p, opt, "mlp", suffix, size, batch == 1 ? 10000 : 2000);
done:
    if (peer_close(&p) != 0)
        rc = -1;
    free(def);
    tact_tensor_destroy(&t.xv);
    tact_graph_destroy(&g);
    mlp_free(&m);
    return rc;
}

/* A file of tests/data: its bytes and length, or NULL after printing why. */
static void *peer_read(const char *name, size_t *len)
{
    char path[512];
    snprintf(path, sizeof path, "%s/%s", TACT_BENCH_DATA_DIR, name);
    FILE *f = fopen(path, "rb");
    if (f == NULL) {
        perror(path);
        return NULL;
    }
    char *buf = NULL;
    size_t n = 0, cap = 0;
    for (;;) {
        if (n == cap) {
            char *q = realloc(buf, cap = cap ? 2 * cap : 65536);
            if (q == NULL) {
                fprintf(stderr, "peer_tf: out of memory reading %s\n", path);
                free(buf);
                fclose(f);
                return NULL;
            }
            buf = q;
        }
        size_t got = fread(buf + n, 1, cap - n, f);
        n += got;
        if (got == 0)
            break;
    }
    bool err = ferror(f) != 0;
    fclose(f);
    if (err) {
        fprintf(stderr, "peer_tf: error reading %s\n", path);
        free(buf);
        return NULL;
    }
    *len = n;
    return buf;
}

/* The CNN of tests/data/cnn.pb at one batch size, image b being the fixture's input b % 2.
 * 0 or -1. */
static int peer_cnn(const bench_opts_t *opt, int batch)
{
    peer_t p = { 0 };
    tact_status_t st = TACT_STATUS_INIT;
    tact_graph_t *g = tact_graph_new();
    size_t def_len = 0, in_len = 0;
    void *def = peer_read("cnn.pb", &def_len);
    float *images = peer_read("cnn_input.bin", &in_len);
    float *x = malloc((size_t) batch * CNN_IN * sizeof *x);
    int rc = -1;
    if (def == NULL || images == NULL || x == NULL)
        goto done;
    if (in_len != 2 * CNN_IN * sizeof(float)) {
        fprintf(stderr, "peer_tf: cnn_input.bin: %zu bytes, expected %zu\n", in_len,
                2 * CNN_IN * sizeof(float));
        goto done;
    }
    for (int b = 0; b < batch; b++)
        memcpy(x + (size_t) b * CNN_IN, images + (b % 2) * CNN_IN, CNN_IN * sizeof *x);
    tact_graph_import(g, def, def_len, NULL, &st);
    tact_output_t in = tact_graph_output(g, "input:0", &st);
    tact_output_t out = tact_graph_output(g, "softmax:0", &st);
    if (bench_failed(&st, "cnn: importing cnn.pb"))
        goto done;
    char suffix[16], size[32];
    snprintf(suffix, sizeof suffix, "_b%d", batch);
    snprintf(size, sizeof size, "%dx8x8x3", batch);
    const int64_t dims[4] = { batch, 8, 8, 3 };
    if (peer_open(&p, g, in, out, def, def_len, dims, 4, x, CNN_OUT) == 0)
        rc = peer_time(&p, opt, "cnn", suffix, size, batch == 1 ? 10000 : 2000);
done:
    if (peer_close(&p) != 0)
        rc = -1;
    tact_graph_destroy(&g);
    free(def);
    free(images);
    free(x);
    return rc;
}

int main(int argc, char **argv)
{
    bench_opts_t opt;
    int prc = bench_parse_args(argc, argv, &opt);
    if (prc != 0)
        return prc > 0 ? 0 : 2;
    if (opt.gpu_only)
        return 0;  /* CPU cases only: the TensorFlow here is tensorflow-cpu */
    bench_load_t load0 = bench_load_now();
    uint8_t proto[12];
    long cores = sysconf(_SC_NPROCESSORS_ONLN);
    size_t proto_len = peer_config_proto(proto, cores > 0 ? (unsigned) cores : 1u);
    char hex[40] = "";
    for (size_t i = 0; i < proto_len; i++)
        snprintf(hex + 3 * i, sizeof hex - 3 * i, "%02x ", proto[i]);
    bench_header("peer_tf", "the same graphs through TensorFlow's TF_SessionRun and tact's "
                            "tact_session_run, CPU, float32; ratio = tact runs/s / TensorFlow "
                            "runs/s (higher is better)");
    bench_note("TF_Version() %s; openblas_get_config() %s, %d threads", TF_Version(),
               openblas_get_config(), openblas_get_num_threads());
    bench_note("TensorFlow's ConfigProto: %sintra_op = inter_op = %ld threads; tact: default "
               "config; alternating blocks of %d%s", hex, cores, PEER_BLOCK,
               opt.quick ? "; --quick: figures mean nothing" : "");
    int rc = peer_mlp(&opt, 64);
    if (rc == 0)
        rc = peer_mlp(&opt, 1);
    if (rc == 0)
        rc = peer_cnn(&opt, 1);
    if (rc == 0)
        rc = peer_cnn(&opt, 32);
    bench_note_load(&load0);
    return rc == 0 ? 0 : 1;
}
