/* SPDX-License-Identifier: MIT */
/* CPU kernels of runtime/ops/nn_ops.c, float32, NHWC (the run-time inference refuses NCHW as
 * TensorFlow's CPU kernels do, except FusedBatchNorm, which takes both). Conv2D is im2col + a
 * GEMM (a 1x1 unit-stride convolution is one on the input as it is): the device's (gemm.h),
 * which packs a constant or variable filter once, or OpenBLAS' sgemm for grouped ones; the
 * windows of depthwise convolutions and pools are direct loops over channels, the innermost
 * dimension, their output rows split over the cores when large. The shapes were checked by
 * the run-time inference and the outputs allocated with them, so the kernels only compute. */
#include "devices/cpu/kernels/family.h"
#include "devices/cpu/gemm.h"
#include "devices/cpu/intra_pool.h"
#include "devices/cpu/kernels.h"

#include <cblas.h>

/* im2col works on batches of images whose patch matrix stays under this many floats. */
#define NN_COL_FLOATS ((int64_t) 4 << 20)

/* float32 lowest (-FLT_MAX), where TensorFlow starts a max (float.h is not in the prelude). */
#define NN_LOWEST (-3.40282346638528859812e+38f)

static bool nn_f32(const tact_op_t *op)
{
    for (int i = 0; i < op->n_inputs; i++)
        if (op->inputs[i].op->out_dtype[op->inputs[i].index] != TACT_DTYPE_F32)
            return false;
    return true;
}

/* The zeros a window op adds before dimension d (TensorFlow's SAME puts the odd one after). */
static int64_t nn_pad_before(const tact_op_attrs_t *at, int d, int64_t in, int64_t out,
                             int64_t eff)
{
    if (at->padding == TACT_PADDING_EXPLICIT)
        return at->explicit_paddings[2 * d];
    if (at->padding == TACT_PADDING_SAME) {
        int64_t need = (out - 1) * at->strides[d] + eff - in;
        return need > 0 ? need / 2 : 0;
    }
    return 0;
}

/* sgemm takes int sizes. */
static tact_code_t nn_check_int(const tact_kernel_ctx_t *k, int64_t v, tact_status_t *st)
{
    if (v <= INT_MAX)
        return TACT_CODE_OK;
    return tact__fail(st, TACT_CODE_UNIMPLEMENTED, "%s: %s '%s' is too large for one sgemm "
                      "(%" PRId64 ")", k->device, tact__op_kind_type(k->op->kind), k->op->name,
                      v);
}

/* ---- Conv2D ---- */

typedef struct nn_conv_geom {
    int64_t n, ih, iw, ic, kh, kw, fc, oc, oh, ow;
    int64_t sh, sw, dh, dw, pt, pl;
} nn_conv_geom_t;

/* Kernels that do at least this much work (im2col's patch floats, a window op's multiply-adds
 * or compares) run their output rows on every core: split, a ResNet layer's 3x3 Conv2D at
 * 56x56x64 took 1388-1491 us instead of 1518-2228, and MobileNet's 56x56x128 depthwise layer
 * ran at 1.4-2.0 x one thread (bench/README.md). */
#define NN_SPLIT_WORK ((double) (1 << 18))

/* Output rows [r0, r1) of a kernel, a row being one image's output row (b, oy). */
typedef void (*nn_rows_fn)(const void *arg, int64_t r0, int64_t r1);

typedef struct nn_rows_job {
    nn_rows_fn fn;
    const void *arg;
    int64_t rows;
} nn_rows_job_t;

static void nn_rows_part(void *arg, int part, int n_parts)
{
    const nn_rows_job_t *j = arg;
    j->fn(j->arg, j->rows * part / n_parts, j->rows * (part + 1) / n_parts);
}

/* fn over all `rows` output rows, split by rows over the intra-op workers when the kernel does
 * at least NN_SPLIT_WORK (each row's results depend on its own inputs only, so the split
 * changes no value; `work` in double, as a hostile window's size times the output passes
 * int64). Returns whether it split. */
static bool nn_rows_run(nn_rows_fn fn, const void *arg, int64_t rows, double work)
{
    int64_t width = tact__cpu_intra_width();
    if (width < 2 || rows < 2 || work < NN_SPLIT_WORK) {
        fn(arg, 0, rows);
        return false;
    }
    nn_rows_job_t job = { .fn = fn, .arg = arg, .rows = rows };
    tact__cpu_intra_run((int) (rows < width ? rows : width), nn_rows_part, &job);
    return true;
}

/* Rows [r0, r1) of the patches of images [b0, b0 + nb) for input channels [c0, c0 + g->fc),
 * a row being one image's output row: one patch row per output position, (ky, kx, c) along
 * it, zeros where the window leaves the input. */
static void nn_im2col_rows(const nn_conv_geom_t *g, const float *x, int64_t b0, int64_t r0,
                           int64_t r1, int64_t c0, float *col)
{
    int64_t kdim = g->kh * g->kw * g->fc;
    size_t run = (size_t) g->fc * sizeof(float);
    for (int64_t r = r0; r < r1; r++) {
        int64_t b = b0 + r / g->oh, oy = r % g->oh;
        for (int64_t ox = 0; ox < g->ow; ox++) {
            float *row = col + (r * g->ow + ox) * kdim;
            for (int64_t ky = 0; ky < g->kh; ky++) {
                int64_t iy = oy * g->sh - g->pt + ky * g->dh;
                for (int64_t kx = 0; kx < g->kw; kx++) {
                    int64_t ix = ox * g->sw - g->pl + kx * g->dw;
                    float *dst = row + (ky * g->kw + kx) * g->fc;
                    if (iy < 0 || iy >= g->ih || ix < 0 || ix >= g->iw)
                        memset(dst, 0, run);
                    else
                        memcpy(dst, x + ((b * g->ih + iy) * g->iw + ix) * g->ic + c0, run);
                }
            }
        }
    }
}

typedef struct nn_im2col_job {
    const nn_conv_geom_t *g;
    const float *x;
    int64_t b0, c0;
    float *col;
} nn_im2col_job_t;

static void nn_im2col_range(const void *arg, int64_t r0, int64_t r1)
{
    const nn_im2col_job_t *j = arg;
    nn_im2col_rows(j->g, j->x, j->b0, r0, r1, j->c0, j->col);
}

/* The patches of images [b0, b0 + nb) (nn_im2col_rows), on every core when large. The
 * workers are parked after: the GEMM that follows may be OpenBLAS', whose threads need every
 * core. */
static void nn_im2col(const nn_conv_geom_t *g, const float *x, int64_t b0, int64_t nb, int64_t c0,
                      float *col)
{
    nn_im2col_job_t job = { .g = g, .x = x, .b0 = b0, .c0 = c0, .col = col };
    int64_t rows = nb * g->oh;
    if (nn_rows_run(nn_im2col_range, &job, rows,
                    (double) rows * (double) (g->ow * g->kh * g->kw * g->fc)))
        tact__cpu_intra_park();
}

static tact_code_t nn_conv2d(tact_kernel_ctx_t *k, tact_status_t *st)
{
    const tact_tensor_t *x = k->in[0], *f = k->in[1];
    tact_tensor_t *y = k->out[0];
    const tact_op_attrs_t *at = &k->op->attrs;
    if (y->nelems == 0)
        return TACT_CODE_OK;
    nn_conv_geom_t g = {
        .n = x->dims[0], .ih = x->dims[1], .iw = x->dims[2], .ic = x->dims[3],
        .kh = f->dims[0], .kw = f->dims[1], .fc = f->dims[2], .oc = f->dims[3],
        .oh = y->dims[1], .ow = y->dims[2],
        .sh = at->strides[1], .sw = at->strides[2], .dh = at->dilations[1],
        .dw = at->dilations[2],
    };
    g.pt = nn_pad_before(at, 1, g.ih, g.oh, (g.kh - 1) * g.dh + 1);
    g.pl = nn_pad_before(at, 2, g.iw, g.ow, (g.kw - 1) * g.dw + 1);
    int64_t groups = g.ic / g.fc, kdim = g.kh * g.kw * g.fc;
    int64_t rows = g.oh * g.ow;
    const float *xd = x->data, *fd = f->data;
    float *yd = y->data;
    if (nn_check_int(k, g.n * rows, st) || nn_check_int(k, kdim, st) ||
        nn_check_int(k, g.oc, st))
        return st->code;
    /* A fused chain's bias, residual and activation, applied with the product's rows. */
    tact_kernel_epilogue_t *epi = k->epilogue;
    const float *bias = NULL, *res = NULL;
    tact_op_kind_t act = TACT_OP_NOOP;
    if (epi != NULL && tact__cpu_epilogue_fits(y, epi->bias, epi->res)) {
        bias = epi->bias != NULL ? (const float *) epi->bias->data : NULL;
        res = epi->res != NULL ? (const float *) epi->res->data : NULL;
        act = epi->act;
        epi->applied = true;
    }
    bool tail = bias != NULL || res != NULL || act != TACT_OP_NOOP;  /* after OpenBLAS' */
    if (kdim == 0 || groups == 0) {  /* an empty window or no input channels: zeros */
        memset(yd, 0, (size_t) y->nelems * sizeof(float));
        if (tail)
            tact__cpu_bias_act_f32(yd, y->nelems / g.oc, g.oc, bias, res, g.oc, act);
        return TACT_CODE_OK;
    }
    int64_t ocg = g.oc / groups;
    /* One group's filter is the product's whole [kdim, oc] matrix: the device's GEMM takes it. */
    bool device_gemm = k->gemm != NULL && groups == 1;
    bool f_stable = (k->stable_in & 2u) != 0;
    if (g.kh == 1 && g.kw == 1 && g.sh == 1 && g.sw == 1 && g.pt == 0 && g.pl == 0 &&
        groups == 1 && g.oh == g.ih && g.ow == g.iw) {
        if (device_gemm)
            return tact__cpu_gemm_conv(k->gemm, k->op, xd, g.n * rows, g.ic, g.ic, f, f_stable,
                                       bias, res, act, yd, st);
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, (int) (g.n * rows), (int) g.oc,
                    (int) g.ic, 1.0f, xd, (int) g.ic, fd, (int) g.oc, 0.0f, yd, (int) g.oc);
        if (tail)
            tact__cpu_bias_act_f32(yd, g.n * rows, g.oc, bias, res, g.oc, act);
        return TACT_CODE_OK;
    }
    int64_t per_image = rows * kdim;
    int64_t chunk = NN_COL_FLOATS / (per_image > 0 ? per_image : 1);
    chunk = chunk < 1 ? 1 : chunk > g.n ? g.n : chunk;
    float *col = malloc((size_t) (chunk * per_image) * sizeof *col);
    if (col == NULL)
        return tact__fail(st, TACT_CODE_RESOURCE_EXHAUSTED, "%s: Conv2D '%s': no memory for "
                          "%" PRId64 " patch values", k->device, k->op->name, chunk * per_image);
    tact_code_t rc = TACT_CODE_OK;
    for (int64_t b0 = 0; b0 < g.n && rc == TACT_CODE_OK; b0 += chunk) {
        int64_t nb = g.n - b0 < chunk ? g.n - b0 : chunk;
        if (device_gemm) {
            nn_im2col(&g, xd, b0, nb, 0, col);
            rc = tact__cpu_gemm_conv(k->gemm, k->op, col, nb * rows, kdim, kdim, f, f_stable,
                                     bias, res != NULL ? res + b0 * rows * g.oc : NULL, act,
                                     yd + b0 * rows * g.oc, st);
            continue;
        }
        for (int64_t gi = 0; gi < groups; gi++) {
            nn_im2col(&g, xd, b0, nb, gi * g.fc, col);
            cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, (int) (nb * rows), (int) ocg,
                        (int) kdim, 1.0f, col, (int) kdim, fd + gi * ocg, (int) g.oc, 0.0f,
                        yd + b0 * rows * g.oc + gi * ocg, (int) g.oc);
        }
    }
    free(col);
    if (rc == TACT_CODE_OK && tail && !device_gemm)
        tact__cpu_bias_act_f32(yd, g.n * rows, g.oc, bias, res, g.oc, act);
    return rc;
}

/* ---- DepthwiseConv2dNative ---- */

typedef struct nn_dw {
    int64_t ih, iw, ic, kh, kw, mult, oh, ow, oc, s, pt, pl;
    const float *x, *f;
    float *y;
} nn_dw_t;

/* Output rows [r0, r1): per position, the window's taps in order, each added to the
 * position's channels (a loop the compiler vectorizes). */
static void nn_depthwise_rows(const void *arg, int64_t r0, int64_t r1)
{
    const nn_dw_t *d = arg;
    int64_t ic = d->ic, mult = d->mult, oc = d->oc;
    for (int64_t r = r0; r < r1; r++) {
        int64_t b = r / d->oh, oy = r % d->oh;
        for (int64_t ox = 0; ox < d->ow; ox++) {
            float *restrict out = d->y + ((b * d->oh + oy) * d->ow + ox) * oc;
            for (int64_t o = 0; o < oc; o++)
                out[o] = 0.0f;
            for (int64_t ky = 0; ky < d->kh; ky++) {
                int64_t iy = oy * d->s - d->pt + ky;
                if (iy < 0 || iy >= d->ih)
                    continue;
                for (int64_t kx = 0; kx < d->kw; kx++) {
                    int64_t ix = ox * d->s - d->pl + kx;
                    if (ix < 0 || ix >= d->iw)
                        continue;
                    const float *restrict in = d->x + ((b * d->ih + iy) * d->iw + ix) * ic;
                    const float *restrict w = d->f + (ky * d->kw + kx) * oc;
                    if (mult == 1) {
                        for (int64_t c = 0; c < ic; c++)
                            out[c] += in[c] * w[c];
                    } else {
                        for (int64_t c = 0; c < ic; c++)
                            for (int64_t m = 0; m < mult; m++)
                                out[c * mult + m] += in[c] * w[c * mult + m];
                    }
                }
            }
        }
    }
}

static tact_code_t nn_depthwise(tact_kernel_ctx_t *k, tact_status_t *st)
{
    TACT_UNUSED(st);
    const tact_tensor_t *x = k->in[0], *f = k->in[1];
    tact_tensor_t *y = k->out[0];
    const tact_op_attrs_t *at = &k->op->attrs;
    if (y->nelems == 0)
        return TACT_CODE_OK;
    nn_dw_t d = {
        .ih = x->dims[1], .iw = x->dims[2], .ic = x->dims[3], .kh = f->dims[0],
        .kw = f->dims[1], .mult = f->dims[3], .oh = y->dims[1], .ow = y->dims[2],
        .oc = y->dims[3], .s = at->strides[1], .x = x->data, .f = f->data, .y = y->data,
    };
    d.pt = nn_pad_before(at, 1, d.ih, d.oh, d.kh);
    d.pl = nn_pad_before(at, 2, d.iw, d.ow, d.kw);
    nn_rows_run(nn_depthwise_rows, &d, x->dims[0] * d.oh,
                (double) y->nelems * (double) d.kh * (double) d.kw);
    return TACT_CODE_OK;
}

/* ---- MaxPool, AvgPool ---- */

typedef struct nn_pl {
    bool max;
    int64_t ih, iw, ch, oh, ow, kh, kw, sh, sw, pt, pl;
    const float *x;
    float *y;
} nn_pl_t;

/* Output rows [r0, r1): per position, the window's inputs in order, each taken into the
 * position's channels (loops the compiler vectorizes; a NaN never wins a max). */
static void nn_pool_rows(const void *arg, int64_t r0, int64_t r1)
{
    const nn_pl_t *p = arg;
    int64_t ch = p->ch;
    for (int64_t r = r0; r < r1; r++) {
        int64_t b = r / p->oh, oy = r % p->oh;
        int64_t y0 = oy * p->sh - p->pt, y1 = y0 + p->kh;
        y0 = y0 < 0 ? 0 : y0;
        y1 = y1 > p->ih ? p->ih : y1;
        for (int64_t ox = 0; ox < p->ow; ox++) {
            int64_t x0 = ox * p->sw - p->pl, x1 = x0 + p->kw;
            x0 = x0 < 0 ? 0 : x0;
            x1 = x1 > p->iw ? p->iw : x1;
            float *restrict out = p->y + ((b * p->oh + oy) * p->ow + ox) * ch;
            for (int64_t c = 0; c < ch; c++)
                out[c] = p->max ? NN_LOWEST : 0.0f;
            for (int64_t iy = y0; iy < y1; iy++) {
                for (int64_t ix = x0; ix < x1; ix++) {
                    const float *restrict in = p->x + ((b * p->ih + iy) * p->iw + ix) * ch;
                    if (p->max) {
                        for (int64_t c = 0; c < ch; c++)
                            out[c] = in[c] > out[c] ? in[c] : out[c];
                    } else {
                        for (int64_t c = 0; c < ch; c++)
                            out[c] += in[c];
                    }
                }
            }
            /* TensorFlow divides by the elements inside the input, not the window's size */
            int64_t count = (y1 - y0) * (x1 - x0);
            if (!p->max && count > 0) {
                float inv = 1.0f / (float) count;
                for (int64_t c = 0; c < ch; c++)
                    out[c] *= inv;
            }
        }
    }
}

static tact_code_t nn_pool(tact_kernel_ctx_t *k, tact_status_t *st)
{
    TACT_UNUSED(st);
    const tact_tensor_t *x = k->in[0];
    tact_tensor_t *y = k->out[0];
    const tact_op_attrs_t *at = &k->op->attrs;
    if (y->nelems == 0)
        return TACT_CODE_OK;
    nn_pl_t p = {
        .max = k->op->kind == TACT_OP_MAX_POOL, .ih = x->dims[1], .iw = x->dims[2],
        .ch = x->dims[3], .oh = y->dims[1], .ow = y->dims[2], .kh = at->ksize[1],
        .kw = at->ksize[2], .sh = at->strides[1], .sw = at->strides[2], .x = x->data,
        .y = y->data,
    };
    p.pt = nn_pad_before(at, 1, p.ih, p.oh, p.kh);
    p.pl = nn_pad_before(at, 2, p.iw, p.ow, p.kw);
    nn_rows_run(nn_pool_rows, &p, x->dims[0] * p.oh,
                (double) y->nelems * (double) p.kh * (double) p.kw);
    return TACT_CODE_OK;
}

/* ---- FusedBatchNorm, FusedBatchNormV3 ---- */

/* Training: the batch's mean and (biased) variance per channel, in double, two passes. x is
 * [outer][ch][inner]. */
static void nn_bn_moments(const float *x, int64_t outer, int64_t ch, int64_t inner,
                          double *mean, double *var)
{
    int64_t n = outer * inner;
    for (int64_t c = 0; c < ch; c++)
        mean[c] = var[c] = 0.0;
    for (int64_t o = 0; o < outer; o++)
        for (int64_t c = 0; c < ch; c++)
            for (int64_t j = 0; j < inner; j++)
                mean[c] += x[(o * ch + c) * inner + j];
    for (int64_t c = 0; c < ch; c++)
        mean[c] /= (double) n;
    for (int64_t o = 0; o < outer; o++)
        for (int64_t c = 0; c < ch; c++)
            for (int64_t j = 0; j < inner; j++) {
                double d = x[(o * ch + c) * inner + j] - mean[c];
                var[c] += d * d;
            }
    for (int64_t c = 0; c < ch; c++)
        var[c] /= (double) n;
}

static tact_code_t nn_batch_norm(tact_kernel_ctx_t *k, tact_status_t *st)
{
    const tact_tensor_t *x = k->in[0];
    const float *scale = k->in[1]->data, *offset = k->in[2]->data;
    const tact_op_attrs_t *at = &k->op->attrs;
    int64_t ch = k->in[1]->nelems;
    /* x as [outer][ch][inner]: NHWC is [rows][ch][1], NCHW [N][ch][H * W] */
    int64_t outer = ch > 0 ? x->nelems / ch : 0, inner = 1;
    if (at->nchw && x->dims[0] > 0 && ch > 0) {
        outer = x->dims[0];
        inner = x->nelems / (outer * ch);
    }
    int64_t n = outer * inner;  /* the elements of one channel */
    double *mean = malloc((size_t) (2 * ch + 1) * sizeof *mean);
    float *a = malloc((size_t) (2 * ch + 1) * sizeof *a);
    if (mean == NULL || a == NULL) {
        free(mean);
        free(a);
        return tact__fail(st, TACT_CODE_RESOURCE_EXHAUSTED, "%s: %s: no memory", k->device,
                          k->op->name);
    }
    double *var = mean + ch;
    float *b = a + ch;
    if (at->is_training) {
        nn_bn_moments(x->data, outer, ch, inner, mean, var);
    } else {
        for (int64_t c = 0; c < ch; c++) {
            mean[c] = ((const float *) k->in[3]->data)[c];
            var[c] = ((const float *) k->in[4]->data)[c];
        }
    }
    for (int64_t c = 0; c < ch; c++) {
        a[c] = scale[c] / sqrtf((float) var[c] + at->epsilon);
        b[c] = offset[c] - (float) mean[c] * a[c];
    }
    const float *xd = x->data;
    float *yd = k->out[0]->data;
    for (int64_t o = 0; o < outer; o++) {
        if (inner == 1) {  /* NHWC: one row of channels */
            const float *restrict xr = xd + o * ch;
            float *restrict yr = yd + o * ch;
            for (int64_t c = 0; c < ch; c++)
                yr[c] = xr[c] * a[c] + b[c];
            continue;
        }
        for (int64_t c = 0; c < ch; c++) {
            const float *restrict xr = xd + (o * ch + c) * inner;
            float *restrict yr = yd + (o * ch + c) * inner;
            for (int64_t j = 0; j < inner; j++)
                yr[j] = xr[j] * a[c] + b[c];
        }
    }
    /* TensorFlow's other outputs: batch_mean and batch_variance (the given ones in inference,
     * the batch's in training, its variance with Bessel's correction; NaN for an empty x, as
     * its CPU kernel answers), then reserve spaces: in training the batch's mean and biased
     * variance (zeros for an empty x); in inference, where TensorFlow leaves them unset,
     * zeros. */
    float *bm = k->out[1]->data, *bv = k->out[2]->data;
    float *r1 = k->out[3]->data, *r2 = k->out[4]->data;
    double bessel = n > 1 ? (double) n / (double) (n - 1) : 1.0;
    for (int64_t c = 0; c < ch; c++) {
        bm[c] = n > 0 ? (float) mean[c] : NAN;
        bv[c] = n > 0 ? (float) (at->is_training ? var[c] * bessel : var[c]) : NAN;
        r1[c] = at->is_training && n > 0 ? (float) mean[c] : 0.0f;
        r2[c] = at->is_training && n > 0 ? (float) var[c] : 0.0f;
    }
    for (int o = 5; o < k->op->n_outputs; o++)
        memset(k->out[o]->data, 0, (size_t) k->out[o]->nelems * sizeof(float));
    free(mean);
    free(a);
    return TACT_CODE_OK;
}

/* ---- BatchMatMulV2 ---- */

/* The element offset of batch `i` (of the output's batch dimensions) in t, whose batch
 * dimensions broadcast against them. */
static int64_t nn_batch_offset(const tact_tensor_t *t, const tact_tensor_t *out, int64_t i)
{
    int ob = out->ndims - 2, tb = t->ndims - 2;
    int64_t off = 0, stride = t->dims[t->ndims - 2] * t->dims[t->ndims - 1];
    for (int d = ob - 1; d >= 0; d--) {
        int64_t od = out->dims[d], idx = i % od;
        i /= od;
        int td = d - (ob - tb);
        if (td < 0)
            continue;
        if (t->dims[td] != 1)
            off += idx * stride;
        stride *= t->dims[td];
    }
    return off;
}

static tact_code_t nn_batch_matmul(tact_kernel_ctx_t *k, tact_status_t *st)
{
    const tact_tensor_t *x = k->in[0], *y = k->in[1];
    tact_tensor_t *out = k->out[0];
    const tact_op_attrs_t *at = &k->op->attrs;
    if (out->nelems == 0)
        return TACT_CODE_OK;
    int64_t xr = x->dims[x->ndims - 2], xc = x->dims[x->ndims - 1];
    int64_t yr = y->dims[y->ndims - 2], yc = y->dims[y->ndims - 1];
    int64_t m = out->dims[out->ndims - 2], n = out->dims[out->ndims - 1];
    int64_t kk = at->transpose_a ? xr : xc;
    if (nn_check_int(k, m, st) || nn_check_int(k, n, st) || nn_check_int(k, kk, st) ||
        nn_check_int(k, xc, st) || nn_check_int(k, yc, st))
        return st->code;
    int64_t batches = out->nelems / (m * n);
    const float *xd = x->data, *yd = y->data;
    float *od = out->data;
    if (kk == 0) {
        memset(od, 0, (size_t) out->nelems * sizeof(float));
        return TACT_CODE_OK;
    }
    TACT_UNUSED(yr);
    for (int64_t i = 0; i < batches; i++)
        cblas_sgemm(CblasRowMajor, at->transpose_a ? CblasTrans : CblasNoTrans,
                    at->transpose_b ? CblasTrans : CblasNoTrans, (int) m, (int) n, (int) kk,
                    1.0f, xd + nn_batch_offset(x, out, i), (int) xc,
                    yd + nn_batch_offset(y, out, i), (int) yc, 0.0f, od + i * m * n, (int) n);
    return TACT_CODE_OK;
}

/* ---- TopKV2 ---- */

typedef struct {
    float v;
    int32_t i;
} nn_topk_entry_t;

/* Larger values first, the lower index first among equal ones (TensorFlow's order); NaN sorts
 * above every number so that the order stays total. */
static int nn_topk_cmp(const void *pa, const void *pb)
{
    const nn_topk_entry_t *a = pa, *b = pb;
    bool an = a->v != a->v, bn = b->v != b->v;
    if (an != bn)
        return an ? -1 : 1;
    if (!an && a->v != b->v)
        return a->v > b->v ? -1 : 1;
    return (a->i > b->i) - (a->i < b->i);
}

static bool nn_topk_supports(const tact_op_t *op)
{
    return op->inputs[0].op->out_dtype[op->inputs[0].index] == TACT_DTYPE_F32;
}

/* sorted=false may give any order in TensorFlow; this kernel always sorts. */
static tact_code_t nn_top_k(tact_kernel_ctx_t *k, tact_status_t *st)
{
    const tact_tensor_t *x = k->in[0];
    tact_tensor_t *values = k->out[0], *indices = k->out[1];
    int64_t n = x->dims[x->ndims - 1], kk = values->dims[values->ndims - 1];
    if (values->nelems == 0)
        return TACT_CODE_OK;
    if (n > INT32_MAX)
        return tact__fail(st, TACT_CODE_INVALID_ARGUMENT,
                          "TopKV2 '%s': last dimension %" PRId64 " exceeds int32 indices",
                          k->op->name, n);
    nn_topk_entry_t *row = malloc((size_t) n * sizeof *row);
    if (row == NULL)
        return tact__fail(st, TACT_CODE_RESOURCE_EXHAUSTED, "TopKV2 '%s': out of memory",
                          k->op->name);
    const float *xd = x->data;
    float *vd = values->data;
    int32_t *id = indices->data;
    for (int64_t r = 0, rows = x->nelems / n; r < rows; r++) {
        for (int64_t j = 0; j < n; j++)
            row[j] = (nn_topk_entry_t) {xd[r * n + j], (int32_t) j};
        qsort(row, (size_t) n, sizeof *row, nn_topk_cmp);
        for (int64_t j = 0; j < kk; j++) {
            vd[r * kk + j] = row[j].v;
            id[r * kk + j] = row[j].i;
        }
    }
    free(row);
    return TACT_CODE_OK;
}

const tact_cpu_op_kernel_t tact__cpu_nn_kernels[TACT_OP_COUNT] = {
    [TACT_OP_CONV2D] = {.run = nn_conv2d, .supports = nn_f32},
    [TACT_OP_DEPTHWISE_CONV2D] = {.run = nn_depthwise, .supports = nn_f32},
    [TACT_OP_MAX_POOL] = {.run = nn_pool, .supports = nn_f32},
    [TACT_OP_AVG_POOL] = {.run = nn_pool, .supports = nn_f32},
    [TACT_OP_FUSED_BATCH_NORM] = {.run = nn_batch_norm, .supports = nn_f32},
    [TACT_OP_FUSED_BATCH_NORM_V3] = {.run = nn_batch_norm, .supports = nn_f32},
    [TACT_OP_BATCH_MATMUL] = {.run = nn_batch_matmul, .supports = nn_f32},
    [TACT_OP_TOP_K] = {.run = nn_top_k, .supports = nn_topk_supports},
};
