/* SPDX-License-Identifier: MIT */
/* Image ops of the family layout (opdefs.h): ResizeBilinear and ResizeNearestNeighbor on NHWC
 * images, with TensorFlow's shape function (core/ops/image_ops.cc ResizeShapeFn) when an op is
 * built and the checks and words of ImageResizerState (image_resizer_state.h) when it runs.
 * Kernels: devices/cpu/kernels/image_kernels.c. */
#include "runtime/ops/opdefs.h"
#include "runtime/ops/array_ops.h"

#define IMAGE_SHAPE_LEN 192

/* image_ops.cc ResizeShapeFn at build time; ValidateAndCalculateOutputSize when run. The
 * output is float32 for ResizeBilinear and the images' dtype for ResizeNearestNeighbor. */
static tact_code_t image_infer_resize(const tact_op_ctx_t *c, tact_dtype_t *out_dtype,
                                      tact_shape_t *out_shape)
{
    static const unsigned real = 1u << TACT_DTYPE_F32 | 1u << TACT_DTYPE_F64 |
                                 1u << TACT_DTYPE_I32 | 1u << TACT_DTYPE_I64;
    if (tact__op_check_dtype(c, 0, "images", real) ||
        tact__op_check_exact(c, 1, "size", TACT_DTYPE_I32))
        return c->st->code;
    const tact_op_attrs_t *at = c->attrs;
    const tact_shape_t *x = &c->shapes[0], *s = &c->shapes[1];
    const tact_tensor_t *sv = tact__op_value(c, 1);
    char a[IMAGE_SHAPE_LEN];
    tact_shape_t out = {.ndims = 4, .dims = {-1, -1, -1, -1}};
    if (c->phase == TACT_INFER_RUN) {
        if (at->half_pixel_centers && at->align_corners)
            return tact__fail(c->st, TACT_CODE_INVALID_ARGUMENT,
                              "If half_pixel_centers is True, align_corners must be False.");
        if (x->ndims != 4)
            return tact__fail(c->st, TACT_CODE_INVALID_ARGUMENT, "input must be 4-dimensional%s",
                              tact__shape_str(x, a, sizeof a));
        if (x->dims[1] > INT32_MAX || x->dims[2] > INT32_MAX)
            return tact__fail(c->st, TACT_CODE_INVALID_ARGUMENT,
                              "input sizes must be between 0 and max int32");
        if (s->ndims != 1)
            return tact__fail(c->st, TACT_CODE_INVALID_ARGUMENT, "shape_t must be 1-dimensional%s",
                              tact__shape_str(s, a, sizeof a));
        if (s->dims[0] != 2)
            return tact__fail(c->st, TACT_CODE_INVALID_ARGUMENT,
                              "shape_t must have two elements%s", tact__shape_str(s, a, sizeof a));
        int64_t h = tact__array_int_at(sv, 0), w = tact__array_int_at(sv, 1);
        if (h <= 0 || w <= 0)
            return tact__fail(c->st, TACT_CODE_INVALID_ARGUMENT,
                              "output dimensions must be positive");
        if (x->dims[3] <= 0)
            return tact__fail(c->st, TACT_CODE_INVALID_ARGUMENT,
                              "image must have at least one channel");
        if (x->dims[1] <= 0 || x->dims[2] <= 0)
            return tact__fail(c->st, TACT_CODE_INVALID_ARGUMENT,
                              "input image must be of non-zero size");
        out = (tact_shape_t) {.ndims = 4, .dims = {x->dims[0], h, w, x->dims[3]}};
    } else {
        if (tact__op_check_rank(c, 0, 4) || tact__op_check_rank(c, 1, 1))
            return c->st->code;
        if (s->ndims == 1 && s->dims[0] >= 0 && s->dims[0] != 2)
            return tact__op_fail_shape(c, "Dimension must be 2 but is %" PRId64, s->dims[0]);
        if (x->ndims == 4) {
            out.dims[0] = x->dims[0];
            out.dims[3] = x->dims[3];
        }
        /* A negative size stays unknown here, as TensorFlow's shape function leaves it; the
         * kernel refuses it. */
        if (sv != NULL && sv->nelems == 2)
            for (int d = 0; d < 2; d++) {
                int64_t v = tact__array_int_at(sv, d);
                out.dims[1 + d] = v >= 0 ? v : -1;
            }
    }
    *out_dtype = c->kind == TACT_OP_RESIZE_BILINEAR ? TACT_DTYPE_F32 : c->dtypes[0];
    *out_shape = out;
    return TACT_CODE_OK;
}

const tact_op_def_t tact__image_op_defs[TACT_OP_COUNT] = {
    [TACT_OP_RESIZE_BILINEAR] = {.n_inputs = 2, .infer = image_infer_resize},
    [TACT_OP_RESIZE_NEAREST_NEIGHBOR] = {.n_inputs = 2, .infer = image_infer_resize},
};
