/* SPDX-License-Identifier: MIT */
/* CPU kernels of runtime/ops/image_ops.c, float32 NHWC, with TensorFlow's coordinate formulas
 * (image_resizer_state.h, resize_bilinear_op.cc, resize_nearest_neighbor_op.cc) in float as
 * TensorFlow computes them, so that sampled positions and weights match bit for bit. The
 * shapes were checked by the run-time inference and the output allocated with them. */
#include "devices/cpu/kernels/family.h"

#include <math.h>

static bool image_f32(const tact_op_t *op)
{
    return op->inputs[0].op->out_dtype[op->inputs[0].index] == TACT_DTYPE_F32;
}

/* CalculateResizeScale: align_corners maps the corner pixels' centres onto each other. */
static float image_scale(int64_t in, int64_t out, bool align_corners)
{
    return align_corners && out > 1 ? (float) (in - 1) / (float) (out - 1)
                                    : (float) in / (float) out;
}

/* compute_interpolation_weights: the two source rows (or columns) and the weight of the
 * upper one, for output index i. */
static void image_weights(int64_t i, float scale, int64_t in, bool half_pixel,
                          int64_t *lower, int64_t *upper, float *lerp)
{
    float pos = half_pixel ? ((float) i + 0.5f) * scale - 0.5f : (float) i * scale;
    float pos_floor = floorf(pos);
    int64_t lo = (int64_t) pos_floor, hi = (int64_t) ceilf(pos);
    *lower = lo > 0 ? lo : 0;
    *upper = hi < in - 1 ? hi : in - 1;
    *lerp = pos - pos_floor;
}

static tact_code_t image_resize_bilinear(tact_kernel_ctx_t *k, tact_status_t *st)
{
    TACT_UNUSED(st);
    const tact_op_attrs_t *at = &k->op->attrs;
    const tact_tensor_t *x = k->in[0];
    tact_tensor_t *out = k->out[0];
    int64_t batch = x->dims[0], ih = x->dims[1], iw = x->dims[2], ch = x->dims[3];
    int64_t oh = out->dims[1], ow = out->dims[2];
    float hs = image_scale(ih, oh, at->align_corners), ws = image_scale(iw, ow, at->align_corners);
    const float *xd = x->data;
    float *od = out->data;
    for (int64_t b = 0; b < batch; b++) {
        const float *img = xd + b * ih * iw * ch;
        for (int64_t y = 0; y < oh; y++) {
            int64_t y0, y1;
            float yl;
            image_weights(y, hs, ih, at->half_pixel_centers, &y0, &y1, &yl);
            for (int64_t xx = 0; xx < ow; xx++) {
                int64_t x0, x1;
                float xl;
                image_weights(xx, ws, iw, at->half_pixel_centers, &x0, &x1, &xl);
                const float *tl = img + (y0 * iw + x0) * ch, *tr = img + (y0 * iw + x1) * ch;
                const float *bl = img + (y1 * iw + x0) * ch, *br = img + (y1 * iw + x1) * ch;
                for (int64_t c = 0; c < ch; c++) {
                    /* compute_lerp: top and bottom along x, then between them along y */
                    float top = tl[c] + (tr[c] - tl[c]) * xl;
                    float bottom = bl[c] + (br[c] - bl[c]) * xl;
                    *od++ = top + (bottom - top) * yl;
                }
            }
        }
    }
    return TACT_CODE_OK;
}

/* The source index of output index i (ResizeNearestNeighbor's LegacyScaler or
 * HalfPixelScalerForNN, rounded as TensorFlow does for each align_corners). */
static int64_t image_nearest(int64_t i, float scale, int64_t in, const tact_op_attrs_t *at)
{
    float pos = at->half_pixel_centers ? ((float) i + 0.5f) * scale : (float) i * scale;
    int64_t src = (int64_t) (at->align_corners ? roundf(pos) : floorf(pos));
    if (src > in - 1)
        src = in - 1;
    if (at->half_pixel_centers && src < 0)
        src = 0;
    return src;
}

static tact_code_t image_resize_nearest(tact_kernel_ctx_t *k, tact_status_t *st)
{
    TACT_UNUSED(st);
    const tact_op_attrs_t *at = &k->op->attrs;
    const tact_tensor_t *x = k->in[0];
    tact_tensor_t *out = k->out[0];
    int64_t batch = x->dims[0], ih = x->dims[1], iw = x->dims[2], ch = x->dims[3];
    int64_t oh = out->dims[1], ow = out->dims[2];
    float hs = image_scale(ih, oh, at->align_corners), ws = image_scale(iw, ow, at->align_corners);
    const float *xd = x->data;
    float *od = out->data;
    for (int64_t b = 0; b < batch; b++)
        for (int64_t y = 0; y < oh; y++) {
            int64_t sy = image_nearest(y, hs, ih, at);
            for (int64_t xx = 0; xx < ow; xx++) {
                const float *src = xd + ((b * ih + sy) * iw + image_nearest(xx, ws, iw, at)) * ch;
                memcpy(od, src, (size_t) ch * sizeof(float));
                od += ch;
            }
        }
    return TACT_CODE_OK;
}

const tact_cpu_op_kernel_t tact__cpu_image_kernels[TACT_OP_COUNT] = {
    [TACT_OP_RESIZE_BILINEAR] = {.run = image_resize_bilinear, .supports = image_f32},
    [TACT_OP_RESIZE_NEAREST_NEIGHBOR] = {.run = image_resize_nearest, .supports = image_f32},
};
