/* SPDX-License-Identifier: MIT */
/* Neural-network ops of the family layout (opdefs.h): Conv2D, DepthwiseConv2dNative, MaxPool,
 * AvgPool, FusedBatchNorm, FusedBatchNormV3, BatchMatMulV2 and TopKV2, with TensorFlow's shape
 * functions (core/ops/nn_ops.cc, math_ops.cc, framework/common_shape_fns.cc) when an op is
 * built, and the checks and words of its CPU kernels when it runs (conv_ops.cc,
 * depthwise_conv_op.cc, pooling_ops_common.cc, fused_batch_norm_op.cc, batch_matmul_op_impl.h,
 * topk_op.cc).
 * Kernels: devices/cpu/kernels/nn_kernels.c. */
#include "runtime/ops/opdefs.h"
#include "runtime/ops/array_ops.h"

#define NN_SHAPE_LEN 192

/* A window size the filter's shape does not tell yet (pools' ksize may be any int). */
#define NN_UNKNOWN INT_MIN

/* Index of the height, width and channel dimensions of a rank-4 tensor in the op's format. */
static int nn_h(const tact_op_attrs_t *at) { return at->nchw ? 2 : 1; }
static int nn_w(const tact_op_attrs_t *at) { return at->nchw ? 3 : 2; }
static int nn_c(const tact_op_attrs_t *at) { return at->nchw ? 1 : 3; }

static const char *nn_format(const tact_op_attrs_t *at)
{
    return at->nchw ? "NCHW" : "NHWC";
}

static char *nn_shape(const tact_shape_t *s, char *buf)
{
    return tact__shape_str(s, buf, NN_SHAPE_LEN);
}

/* One spatial dimension's output size (the kernels work out the padding again). */
static tact_code_t nn_window(const tact_op_ctx_t *c, int64_t in, int k, int stride, int dilation,
                             int pad_before, int pad_after, int64_t *out)
{
    /* common_shape_fns.cc GetWindowedOutputSizeFromDimsV2 */
    if (stride <= 0)
        return tact__op_fail_shape(c, "Stride must be > 0, but got %d", stride);
    if (dilation < 1)
        return tact__op_fail_shape(c, "Dilation rate must be >= 1, but got %d", dilation);
    if (in >= 0 && c->attrs->padding == TACT_PADDING_SAME) {
        *out = (in + stride - 1) / stride;
        return TACT_CODE_OK;
    }
    if (in < 0 || k == NN_UNKNOWN) {
        *out = -1;
        return TACT_CODE_OK;
    }
    int64_t eff = ((int64_t) k - 1) * dilation + 1;
    if (c->attrs->padding == TACT_PADDING_EXPLICIT)
        in += pad_before + pad_after;
    int64_t size = in - eff + stride;
    if (c->phase == TACT_INFER_BUILD && in < eff)
        return tact__op_fail_shape(c, "Negative dimension size caused by subtracting %" PRId64
                                   " from %" PRId64, eff, in);
    if (size < 0)
        return tact__fail(c->st, TACT_CODE_INVALID_ARGUMENT,
                          "Computed output size would be negative: %" PRId64 " [input_size: %"
                          PRId64 ", effective_filter_size: %" PRId64 ", stride: %d]",
                          size / stride, in, eff, stride);
    *out = size / stride;
    return TACT_CODE_OK;
}

/* common_shape_fns.cc CheckValidPadding. */
static tact_code_t nn_check_padding(const tact_op_ctx_t *c)
{
    const tact_op_attrs_t *at = c->attrs;
    if (at->padding != TACT_PADDING_EXPLICIT) {
        if (at->n_explicit_paddings != 0)
            return tact__op_fail_shape(c, "explicit_paddings attribute must be empty if the "
                                       "padding attribute is not EXPLICIT");
        return TACT_CODE_OK;
    }
    if (at->n_explicit_paddings != 8)
        return tact__op_fail_shape(c, "explicit_paddings attribute must contain 8 values, but "
                                   "got: %d", at->n_explicit_paddings);
    for (int i = 0; i < 8; i++)
        if (at->explicit_paddings[i] < 0)
            return tact__op_fail_shape(c, "All elements of explicit_paddings must be "
                                       "nonnegative");
    int n = 0, ch = nn_c(at);
    if (at->explicit_paddings[2 * n] || at->explicit_paddings[2 * n + 1] ||
        at->explicit_paddings[2 * ch] || at->explicit_paddings[2 * ch + 1])
        return tact__op_fail_shape(c, "Nonzero explicit padding in the batch or depth dimensions "
                                   "is not supported");
    return TACT_CODE_OK;
}

static tact_code_t nn_check_at_least(const tact_op_ctx_t *c, int i, int rank)
{
    int have = c->shapes[i].ndims;
    if (have < 0 || have >= rank)
        return TACT_CODE_OK;
    return tact__op_fail_shape(c, "Shape must be at least rank %d but is rank %d", rank, have);
}

/* Output rows and columns of a window op on a rank-4 input; pads are the explicit ones. */
static tact_code_t nn_spatial(const tact_op_ctx_t *c, const tact_shape_t *in, const int *k,
                              const int *dil, int64_t *oh, int64_t *ow)
{
    const tact_op_attrs_t *at = c->attrs;
    int h = nn_h(at), w = nn_w(at);
    const int *ep = at->explicit_paddings;
    if (nn_window(c, in->dims[h], k[0], at->strides[h], dil[0], ep[2 * h], ep[2 * h + 1],
                  oh) != TACT_CODE_OK ||
        nn_window(c, in->dims[w], k[1], at->strides[w], dil[1], ep[2 * w], ep[2 * w + 1],
                  ow) != TACT_CODE_OK)
        return c->st->code;
    return TACT_CODE_OK;
}

static int nn_k(int64_t filter_dim)
{
    return filter_dim < 0 ? NN_UNKNOWN : (int) filter_dim;
}

static tact_shape_t nn_out4(const tact_op_attrs_t *at, int64_t n, int64_t oh, int64_t ow,
                            int64_t ch)
{
    tact_shape_t o = {.ndims = 4};
    o.dims[0] = n;
    o.dims[nn_h(at)] = oh;
    o.dims[nn_w(at)] = ow;
    o.dims[nn_c(at)] = ch;
    return o;
}

/* ---- Conv2D ---- */

static tact_code_t nn_infer_conv2d(const tact_op_ctx_t *c, tact_dtype_t *out_dtype,
                                   tact_shape_t *out_shape)
{
    const tact_op_attrs_t *at = c->attrs;
    const tact_shape_t *in = &c->shapes[0], *f = &c->shapes[1];
    char a[NN_SHAPE_LEN];
    if (tact__op_check_same(c, 1, "filter", 0, "input") != TACT_CODE_OK)
        return c->st->code;
    int ch = nn_c(at), h = nn_h(at), w = nn_w(at);
    if (c->phase == TACT_INFER_RUN) {
        /* conv_ops.cc: the kernel's constructor, then its Compute. */
        if (at->strides[0] != 1 || at->strides[ch] != 1)
            return tact__fail(c->st, TACT_CODE_UNIMPLEMENTED, "Current implementation does not "
                              "yet support strides in the batch and depth dimensions.");
        if (at->dilations[0] != 1 || at->dilations[ch] != 1)
            return tact__fail(c->st, TACT_CODE_UNIMPLEMENTED, "Current implementation does not "
                              "yet support dilations in the batch and depth dimensions.");
        if (in->ndims != 4)
            return tact__fail(c->st, TACT_CODE_INVALID_ARGUMENT,
                              "convolution input must be 4-dimensional: %s", nn_shape(in, a));
        if (f->ndims != 4)
            return tact__fail(c->st, TACT_CODE_INVALID_ARGUMENT,
                              "convolution filter must be 4-dimensional: %s", nn_shape(f, a));
        if (f->dims[2] <= 0)
            return tact__fail(c->st, TACT_CODE_INVALID_ARGUMENT,
                              "filter depth must be stricly positive, got %" PRId64, f->dims[2]);
        if (in->dims[ch] % f->dims[2] != 0)
            return tact__fail(c->st, TACT_CODE_INVALID_ARGUMENT,
                              "input depth must be evenly divisible by filter depth: %" PRId64
                              " vs %" PRId64, in->dims[ch], f->dims[2]);
        int64_t groups = in->dims[ch] / f->dims[2];
        if (groups > 0 && f->dims[3] % groups != 0)
            return tact__fail(c->st, TACT_CODE_INVALID_ARGUMENT,
                              "output depth must be evenly divisible by number of groups: %"
                              PRId64 " vs %" PRId64, f->dims[3], groups);
    } else {
        if (at->n_dilations != 4)
            return tact__op_fail_shape(c, "Conv2D requires the dilation attribute to contain 4 "
                                       "values, but got: %d", at->n_dilations);
        if (at->n_strides != 4)
            return tact__op_fail_shape(c, "Conv2D on data format %s requires the stride "
                                       "attribute to contain 4 values, but got: %d",
                                       nn_format(at), at->n_strides);
        if (tact__op_check_rank(c, 0, 4) != TACT_CODE_OK ||
            tact__op_check_rank(c, 1, 4) != TACT_CODE_OK ||
            nn_check_padding(c) != TACT_CODE_OK)
            return c->st->code;
        if (in->ndims < 0 || f->ndims < 0) {
            *out_dtype = c->dtypes[0];
            *out_shape = (tact_shape_t) {.ndims = 4,
                                         .dims = {in->ndims == 4 ? in->dims[0] : -1, -1, -1, -1}};
            if (f->ndims == 4)
                out_shape->dims[ch] = f->dims[3];
            return TACT_CODE_OK;
        }
        if (f->dims[2] == 0)
            return tact__op_fail_shape(c, "Depth of filter must not be 0");
        if (in->dims[ch] >= 0 && f->dims[2] > 0 && in->dims[ch] % f->dims[2] != 0)
            return tact__op_fail_shape(c, "Depth of input (%" PRId64 ") is not a multiple of "
                                       "input depth of filter (%" PRId64 ")", in->dims[ch],
                                       f->dims[2]);
    }
    if (f->dims[0] > INT_MAX || f->dims[1] > INT_MAX)
        return tact__op_fail_shape(c, "filter size %s is too large", nn_shape(f, a));
    int k[2] = {nn_k(f->dims[0]), nn_k(f->dims[1])};
    int dil[2] = {at->dilations[h], at->dilations[w]};
    int64_t oh, ow;
    if (nn_spatial(c, in, k, dil, &oh, &ow) != TACT_CODE_OK)
        return c->st->code;
    if (c->phase == TACT_INFER_RUN && at->nchw)
        return tact__fail(c->st, TACT_CODE_UNIMPLEMENTED, "The Conv2D op currently only supports "
                          "the NHWC tensor format on the CPU. The op was given the format: NCHW");
    *out_dtype = c->dtypes[0];
    *out_shape = nn_out4(at, in->dims[0], oh, ow, f->dims[3]);
    return TACT_CODE_OK;
}

/* ---- DepthwiseConv2dNative ---- */

static tact_code_t nn_infer_depthwise(const tact_op_ctx_t *c, tact_dtype_t *out_dtype,
                                      tact_shape_t *out_shape)
{
    const tact_op_attrs_t *at = c->attrs;
    const tact_shape_t *in = &c->shapes[0], *f = &c->shapes[1];
    char a[NN_SHAPE_LEN];
    if (tact__op_check_same(c, 1, "filter", 0, "input") != TACT_CODE_OK)
        return c->st->code;
    int ch = nn_c(at), h = nn_h(at), w = nn_w(at);
    if (c->phase == TACT_INFER_RUN) {
        /* depthwise_conv_op.cc */
        if (at->strides[0] != 1 || at->strides[ch] != 1)
            return tact__fail(c->st, TACT_CODE_INVALID_ARGUMENT, "Current implementation does "
                              "not yet support strides in the batch and depth dimensions.");
        if (at->strides[h] != at->strides[w])
            return tact__fail(c->st, TACT_CODE_INVALID_ARGUMENT, "Current implementation only "
                              "supports equal length strides in the row and column dimensions.");
        if (at->nchw)
            return tact__fail(c->st, TACT_CODE_UNIMPLEMENTED, "Depthwise convolution on CPU is "
                              "only supported for NHWC format");
        for (int d = 0; d < 4; d++)
            if (at->dilations[d] != 1)
                return tact__fail(c->st, TACT_CODE_UNIMPLEMENTED,
                                  "Current kernel implementation does not support dilations, "
                                  "received [%d %d %d %d]", at->dilations[0], at->dilations[1],
                                  at->dilations[2], at->dilations[3]);
        if (in->ndims != 4)
            return tact__fail(c->st, TACT_CODE_INVALID_ARGUMENT,
                              "input must be 4-dimensional%s", nn_shape(in, a));
        if (f->ndims != 4)
            return tact__fail(c->st, TACT_CODE_INVALID_ARGUMENT,
                              "filter must be 4-dimensional: %s", nn_shape(f, a));
        if (in->dims[ch] != f->dims[2])
            return tact__fail(c->st, TACT_CODE_INVALID_ARGUMENT,
                              "input and filter must have the same depth: %" PRId64 " vs %"
                              PRId64, in->dims[ch], f->dims[2]);
    } else {
        if (tact__op_check_rank(c, 0, 4) != TACT_CODE_OK ||
            tact__op_check_rank(c, 1, 4) != TACT_CODE_OK)
            return c->st->code;
        if (at->n_strides != 4)
            return tact__op_fail_shape(c, "DepthwiseConv2D requires the stride attribute to "
                                       "contain 4 values, but got: %d", at->n_strides);
        if (at->n_dilations != 4)
            return tact__op_fail_shape(c, "DepthwiseConv2D requires the dilations attribute to "
                                       "contain 4 values, but got: %d", at->n_dilations);
        if (nn_check_padding(c) != TACT_CODE_OK)
            return c->st->code;
        if (in->ndims < 0 || f->ndims < 0) {
            *out_dtype = c->dtypes[0];
            *out_shape = (tact_shape_t) {.ndims = 4,
                                         .dims = {in->ndims == 4 ? in->dims[0] : -1, -1, -1, -1}};
            return TACT_CODE_OK;
        }
        if (in->dims[ch] >= 0 && f->dims[2] >= 0 && in->dims[ch] != f->dims[2])
            return tact__op_fail_shape(c, "Dimensions must be equal, but are %" PRId64 " and %"
                                       PRId64, in->dims[ch], f->dims[2]);
    }
    if (f->dims[0] > INT_MAX || f->dims[1] > INT_MAX)
        return tact__op_fail_shape(c, "filter size %s is too large", nn_shape(f, a));
    int k[2] = {nn_k(f->dims[0]), nn_k(f->dims[1])};
    int dil[2] = {at->dilations[h], at->dilations[w]};
    int64_t oh, ow;
    if (nn_spatial(c, in, k, dil, &oh, &ow) != TACT_CODE_OK)
        return c->st->code;
    int64_t depth = in->dims[ch] >= 0 ? in->dims[ch] : f->dims[2];
    int64_t out_ch = depth >= 0 && f->dims[3] >= 0 ? depth * f->dims[3] : -1;
    *out_dtype = c->dtypes[0];
    *out_shape = nn_out4(at, in->dims[0], oh, ow, out_ch);
    return TACT_CODE_OK;
}

/* ---- MaxPool, AvgPool ---- */

static tact_code_t nn_infer_pool(const tact_op_ctx_t *c, tact_dtype_t *out_dtype,
                                 tact_shape_t *out_shape)
{
    const tact_op_attrs_t *at = c->attrs;
    const tact_shape_t *in = &c->shapes[0];
    bool max = c->kind == TACT_OP_MAX_POOL;
    const char *type = max ? "MaxPool" : "AvgPool";
    int ch = nn_c(at), h = nn_h(at), w = nn_w(at);
    if (c->phase == TACT_INFER_RUN) {
        /* pooling_ops_common.cc, avgpooling_op.cc, maxpooling_op.cc */
        if (at->nchw)
            return tact__fail(c->st, TACT_CODE_INVALID_ARGUMENT, "Default %s only supports NHWC "
                              "on device type CPU", max ? "MaxPoolingOp" : "AvgPoolingOp");
        if (at->ksize[0] != 1 || at->strides[0] != 1)
            return tact__fail(c->st, TACT_CODE_UNIMPLEMENTED,
                              "Pooling is not yet supported on the batch dimension.");
        for (int d = 0; d < 4; d++) {
            if (at->ksize[d] > 0)
                continue;
            if (max)
                return tact__fail(c->st, TACT_CODE_INVALID_ARGUMENT, "Sliding window ksize must "
                                  "be positive. The specified or inferred ksize is: %d,%d,%d,%d",
                                  at->ksize[0], at->ksize[1], at->ksize[2], at->ksize[3]);
            return tact__fail(c->st, TACT_CODE_INVALID_ARGUMENT,
                              "ksize must be a positive int32 value, got:%d", at->ksize[d]);
        }
        if (in->ndims != 4)
            return tact__fail(c->st, TACT_CODE_INVALID_ARGUMENT,
                              "tensor_in_shape must have 2 spatial dimensions. %d 0", in->ndims);
        /* TensorFlow pools across depth only with a 1x1 window; tact does not. */
        if (at->ksize[ch] != 1)
            return tact__fail(c->st, TACT_CODE_UNIMPLEMENTED, "MaxPooling supports exactly one "
                              "of pooling across depth or pooling across width/height.");
    } else {
        if (at->n_ksize < 4)
            return tact__fail(c->st, TACT_CODE_INVALID_ARGUMENT, "Attr 'ksize' of '%s' Op "
                              "passed list of length %d less than minimum 4.", type, at->n_ksize);
        if (at->n_strides < 4)
            return tact__fail(c->st, TACT_CODE_INVALID_ARGUMENT, "Attr 'strides' of '%s' Op "
                              "passed list of length %d less than minimum 4.", type,
                              at->n_strides);
        if (!max && at->padding == TACT_PADDING_EXPLICIT)
            return tact__fail(c->st, TACT_CODE_INVALID_ARGUMENT, "Attr 'padding' of 'AvgPool' "
                              "Op passed string 'EXPLICIT' not in: \"SAME\", \"VALID\".");
        if (tact__op_check_rank(c, 0, 4) != TACT_CODE_OK)
            return c->st->code;
        if (at->n_strides != 4)
            return tact__op_fail_shape(c, "%s requires the stride attribute to contain 4 values, "
                                       "but got: %d", type, at->n_strides);
        if (at->n_ksize != 4)
            return tact__op_fail_shape(c, "%s requires the ksize attribute to contain 4 values, "
                                       "but got: %d", type, at->n_ksize);
        if (max && nn_check_padding(c) != TACT_CODE_OK)
            return c->st->code;
        if (max && at->strides[ch] <= 0)
            return tact__op_fail_shape(c, "Stride must be > 0, but got %d", at->strides[ch]);
        if (in->ndims < 0) {
            *out_dtype = c->dtypes[0];
            *out_shape = (tact_shape_t) {.ndims = 4, .dims = {-1, -1, -1, -1}};
            return TACT_CODE_OK;
        }
    }
    int k[2] = {at->ksize[h], at->ksize[w]}, dil[2] = {1, 1};
    int64_t oh, ow;
    if (nn_spatial(c, in, k, dil, &oh, &ow) != TACT_CODE_OK)
        return c->st->code;
    *out_dtype = c->dtypes[0];
    *out_shape = nn_out4(at, in->dims[0], oh, ow, in->dims[ch]);
    return TACT_CODE_OK;
}

/* ---- FusedBatchNorm, FusedBatchNormV3 ---- */

static int nn_bn_outputs(const tact_op_attrs_t *attrs)
{
    TACT_UNUSED(attrs);
    return 5;
}

static int nn_bn_v3_outputs(const tact_op_attrs_t *attrs)
{
    TACT_UNUSED(attrs);
    return 6;
}

static const char *const nn_bn_params[5] = {"x", "scale", "offset", "mean", "variance"};

static tact_code_t nn_infer_bn(const tact_op_ctx_t *c, tact_dtype_t *out_dtype,
                               tact_shape_t *out_shape)
{
    const tact_op_attrs_t *at = c->attrs;
    const tact_shape_t *x = &c->shapes[0];
    char a[NN_SHAPE_LEN];
    if (tact__op_check_dtype(c, 0, "x", 1u << TACT_DTYPE_F32) != TACT_CODE_OK)
        return c->st->code;
    for (int i = 2; i <= 4; i++)
        if (tact__op_check_same(c, i, nn_bn_params[i], 1, "scale") != TACT_CODE_OK)
            return c->st->code;
    if (tact__op_check_dtype(c, 1, "scale", 1u << TACT_DTYPE_F32) != TACT_CODE_OK)
        return c->st->code;
    int64_t channels;
    int n_out = c->kind == TACT_OP_FUSED_BATCH_NORM_V3 ? 6 : 5;
    if (c->phase == TACT_INFER_RUN) {
        /* fused_batch_norm_op.cc */
        static const char *const names[5] = {"", "scale", "offset", "estimated_mean",
                                             "estimated_variance"};
        if (x->ndims != 4 && x->ndims != 5)
            return tact__fail(c->st, TACT_CODE_INVALID_ARGUMENT,
                              "input must be 4 or 5-dimensional%s", nn_shape(x, a));
        for (int i = 1; i <= 4; i++)
            if (c->shapes[i].ndims != 1)
                return tact__fail(c->st, TACT_CODE_INVALID_ARGUMENT, "%s must be 1-dimensional%s",
                                  names[i], nn_shape(&c->shapes[i], a));
        channels = at->nchw ? x->dims[1] : x->dims[x->ndims - 1];
        if (at->is_training && at->exponential_avg_factor != 1.0f)
            return tact__fail(c->st, TACT_CODE_UNIMPLEMENTED,
                              "%s '%s': is_training=true with exponential_avg_factor %g is not "
                              "supported (only 1, batch statistics alone)",
                              tact__op_kind_type(c->kind), c->name,
                              (double) at->exponential_avg_factor);
        /* in training mean and variance are not read (they may be empty) */
        int n_checked = at->is_training ? 2 : 4;
        for (int i = 1; i <= n_checked; i++)
            if (c->shapes[i].dims[0] != channels)
                return tact__fail(c->st, TACT_CODE_INVALID_ARGUMENT,
                                  "%s%s must have the same number of elements as the channels "
                                  "of x, got %" PRId64 " and %" PRId64,
                                  i >= 3 ? "When is_training=false, " : "", nn_bn_params[i],
                                  c->shapes[i].dims[0], channels);
    } else {
        if (tact__op_check_rank(c, 0, 4) != TACT_CODE_OK)
            return c->st->code;
        int ch = nn_c(at);
        channels = x->ndims == 4 ? x->dims[ch] : -1;
        /* TensorFlow's FusedBatchNormShape: training with factor 1 reads scale and offset */
        int n_checked = at->is_training && at->exponential_avg_factor == 1.0f ? 2 : 4;
        for (int i = 1; i <= n_checked; i++) {
            const tact_shape_t *v = &c->shapes[i];
            if (tact__op_check_rank(c, i, 1) != TACT_CODE_OK)
                return c->st->code;
            if (v->ndims < 0 || v->dims[0] < 0)
                continue;
            if (channels >= 0 && v->dims[0] != channels)
                return tact__op_fail_shape(c, "Dimensions must be equal, but are %" PRId64
                                           " and %" PRId64, channels, v->dims[0]);
            channels = v->dims[0];
        }
    }
    out_dtype[0] = c->dtypes[0];
    out_shape[0] = x->ndims >= 0 ? *x : (tact_shape_t) {.ndims = 4, .dims = {-1, -1, -1, -1}};
    if (x->ndims >= 0)
        out_shape[0].dims[at->nchw ? 1 : x->ndims - 1] = channels;
    for (int i = 1; i < 5; i++) {
        out_dtype[i] = c->dtypes[1];
        out_shape[i] = (tact_shape_t) {.ndims = 1, .dims = {channels}};
    }
    if (n_out == 6) {  /* reserve_space_3: unknown when built, a scalar on the CPU */
        out_dtype[5] = c->dtypes[1];
        out_shape[5] = (tact_shape_t) {.ndims = c->phase == TACT_INFER_RUN ? 0 : -1};
    }
    return TACT_CODE_OK;
}

/* ---- BatchMatMulV2 ---- */

static tact_code_t nn_infer_batch_matmul(const tact_op_ctx_t *c, tact_dtype_t *out_dtype,
                                         tact_shape_t *out_shape)
{
    const tact_op_attrs_t *at = c->attrs;
    const tact_shape_t *x = &c->shapes[0], *y = &c->shapes[1];
    char a[NN_SHAPE_LEN], b[NN_SHAPE_LEN];
    if (tact__op_check_same(c, 1, "y", 0, "x") != TACT_CODE_OK)
        return c->st->code;
    bool run = c->phase == TACT_INFER_RUN;
    for (int i = 0; i < 2; i++) {
        if (run && c->shapes[i].ndims < 2)
            return tact__fail(c->st, TACT_CODE_INVALID_ARGUMENT, "In[%d] ndims must be >= 2: %d",
                              i, c->shapes[i].ndims);
        if (nn_check_at_least(c, i, 2) != TACT_CODE_OK)
            return c->st->code;
    }
    *out_dtype = c->dtypes[0];
    if (x->ndims < 0 || y->ndims < 0) {
        *out_shape = (tact_shape_t) {.ndims = -1};
        return TACT_CODE_OK;
    }
    int rx = x->ndims, ry = y->ndims, rank = rx > ry ? rx : ry;
    int64_t m = x->dims[rx - (at->transpose_a ? 1 : 2)];
    int64_t kx = x->dims[rx - (at->transpose_a ? 2 : 1)];
    int64_t ky = y->dims[ry - (at->transpose_b ? 1 : 2)];
    int64_t n = y->dims[ry - (at->transpose_b ? 2 : 1)];
    tact_shape_t o = {.ndims = rank};
    /* batch dimensions broadcast like numpy */
    bool batch_ok = true;
    int64_t bad_x = 0, bad_y = 0;
    for (int d = 0; d < rank - 2; d++) {
        int px = d - (rank - rx), py = d - (rank - ry);
        int64_t dx = px >= 0 ? x->dims[px] : 1, dy = py >= 0 ? y->dims[py] : 1;
        if (dx >= 0 && dy >= 0 && dx != dy && dx != 1 && dy != 1) {
            batch_ok = false;
            bad_x = dx;
            bad_y = dy;
            break;
        }
        o.dims[d] = dx == 1 ? dy : dy == 1 ? dx : dx >= 0 ? dx : dy;
    }
    if (run) {
        if (!batch_ok)
            return tact__fail(c->st, TACT_CODE_INVALID_ARGUMENT, "In[0] and In[1] must have "
                              "compatible batch dimensions: %s vs. %s", nn_shape(x, a),
                              nn_shape(y, b));
        if (kx != ky)
            return tact__fail(c->st, TACT_CODE_INVALID_ARGUMENT, "Matrix size-incompatible: "
                              "In[0]: %s, In[1]: %s", nn_shape(x, a), nn_shape(y, b));
    } else {
        if (kx >= 0 && ky >= 0 && kx != ky)
            return tact__op_fail_shape(c, "Dimensions must be equal, but are %" PRId64 " and %"
                                       PRId64, kx, ky);
        if (!batch_ok)
            return tact__op_fail_shape(c, "Dimensions must be equal, but are %" PRId64 " and %"
                                       PRId64, bad_x, bad_y);
    }
    o.dims[rank - 2] = m;
    o.dims[rank - 1] = n;
    *out_shape = o;
    return TACT_CODE_OK;
}

/* ---- TopKV2 ---- */

static int nn_topk_outputs(const tact_op_attrs_t *attrs)
{
    TACT_UNUSED(attrs);
    return 2;
}

/* nn_ops.cc TopKShapeFn at build time, topk_op.cc's checks when run: values [..., k] in the
 * input's dtype and int32 indices. */
static tact_code_t nn_infer_top_k(const tact_op_ctx_t *c, tact_dtype_t *out_dtype,
                                  tact_shape_t *out_shape)
{
    static const unsigned real = 1u << TACT_DTYPE_F32 | 1u << TACT_DTYPE_F64 |
                                 1u << TACT_DTYPE_I32 | 1u << TACT_DTYPE_I64;
    if (tact__op_check_dtype(c, 0, "input", real) ||
        tact__op_check_dtype(c, 1, "k", 1u << TACT_DTYPE_I32 | 1u << TACT_DTYPE_I64))
        return c->st->code;
    const tact_shape_t *x = &c->shapes[0], *ks = &c->shapes[1];
    const tact_tensor_t *kv = tact__op_value(c, 1);
    char a[NN_SHAPE_LEN];
    int64_t k = -1;
    if (c->phase == TACT_INFER_RUN) {
        if (ks->ndims != 0)
            return tact__fail(c->st, TACT_CODE_INVALID_ARGUMENT, "k must be scalar, got shape %s",
                              nn_shape(ks, a));
        k = tact__array_int_at(kv, 0);
        if (k < 0)
            return tact__fail(c->st, TACT_CODE_INVALID_ARGUMENT, "Need k >= 0, got %" PRId64, k);
        if (x->ndims < 1)
            return tact__fail(c->st, TACT_CODE_INVALID_ARGUMENT,
                              "input must be >= 1-D, got shape %s", nn_shape(x, a));
        if (x->dims[x->ndims - 1] < k)
            return tact__fail(c->st, TACT_CODE_INVALID_ARGUMENT,
                              "input must have at least k columns. Had %" PRId64 ", needed %"
                              PRId64, x->dims[x->ndims - 1], k);
    } else {
        if (x->ndims == 0)
            return tact__op_fail_shape(c, "Shape must be at least rank 1 but is rank 0");
        if (ks->ndims > 0)
            return tact__op_fail_shape(c, "Input must be scalar but has rank %d", ks->ndims);
        if (kv != NULL) {
            k = tact__array_int_at(kv, 0);
            if (k < 0)
                return tact__op_fail_shape(c, "Dimension size, given by scalar input 1, must be "
                                           "non-negative but is %" PRId64, k);
        }
        if (k >= 0 && x->ndims > 0 && x->dims[x->ndims - 1] >= 0 && x->dims[x->ndims - 1] < k)
            return tact__op_fail_shape(c, "input must have last dimension >= k = %" PRId64
                                       " but is %" PRId64, k, x->dims[x->ndims - 1]);
    }
    tact_shape_t out = *x;
    if (out.ndims > 0)
        out.dims[out.ndims - 1] = k;
    out_dtype[0] = c->dtypes[0];
    out_dtype[1] = TACT_DTYPE_I32;
    out_shape[0] = out;
    out_shape[1] = out;
    return TACT_CODE_OK;
}

const tact_op_def_t tact__nn_op_defs[TACT_OP_COUNT] = {
    [TACT_OP_CONV2D] = {.n_inputs = 2, .infer = nn_infer_conv2d},
    [TACT_OP_DEPTHWISE_CONV2D] = {.n_inputs = 2, .infer = nn_infer_depthwise},
    [TACT_OP_MAX_POOL] = {.n_inputs = 1, .infer = nn_infer_pool},
    [TACT_OP_AVG_POOL] = {.n_inputs = 1, .infer = nn_infer_pool},
    [TACT_OP_FUSED_BATCH_NORM] = {.n_inputs = 5, .num_outputs = nn_bn_outputs,
                                  .infer = nn_infer_bn},
    [TACT_OP_FUSED_BATCH_NORM_V3] = {.n_inputs = 5, .num_outputs = nn_bn_v3_outputs,
                                     .infer = nn_infer_bn},
    [TACT_OP_BATCH_MATMUL] = {.n_inputs = 2, .infer = nn_infer_batch_matmul},
    [TACT_OP_TOP_K] = {.n_inputs = 2, .num_outputs = nn_topk_outputs, .infer = nn_infer_top_k},
};
