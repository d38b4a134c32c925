/* SPDX-License-Identifier: MIT */
/* The saver's I/O ops of the family layout (opdefs.h): SaveV2, RestoreV2, MergeV2Checkpoints
 * and ShardedFilename, the ops tf.compat.v1.train.Saver puts in a graph (and so every TF1
 * SavedModel), with TensorFlow's shape functions (core/ops/io_ops.cc) at build time and its
 * kernels' input checks (core/kernels/save_restore_v2_ops.cc) at run time. SaveV2, RestoreV2
 * and MergeV2Checkpoints touch files: they are stateful. Kernels:
 * devices/cpu/kernels/io_kernels.c. */
#include "runtime/ops/opdefs.h"

#define IO_SHAPE_LEN 192

static int io_save_arity(const tact_op_attrs_t *attrs)
{
    return 3 + attrs->n_list;
}

static int io_restore_outputs(const tact_op_attrs_t *attrs)
{
    return attrs->n_list;
}

static int io_no_outputs(const tact_op_attrs_t *attrs)
{
    TACT_UNUSED(attrs);
    return 0;
}

/* A vector input's length must be n: "Dimension must be 2 but is 1" (TensorFlow's WithValue). */
static tact_code_t io_check_length(const tact_op_ctx_t *c, int i, int64_t n)
{
    const tact_shape_t *s = &c->shapes[i];
    if (s->ndims == 1 && s->dims[0] >= 0 && s->dims[0] != n)
        return tact__op_fail_shape(c, "Dimension must be %" PRId64 " but is %" PRId64, n,
                                   s->dims[0]);
    return TACT_CODE_OK;
}

/* The kernels' checks of prefix, tensor_names and shape_and_slices on concrete shapes
 * (save_restore_v2_ops.cc's ValidateInputs). */
static tact_code_t io_check_run(const tact_op_ctx_t *c)
{
    const tact_shape_t *prefix = &c->shapes[0], *names = &c->shapes[1], *slices = &c->shapes[2];
    char a[IO_SHAPE_LEN], b[IO_SHAPE_LEN];
    if (prefix->ndims != 0)
        return tact__fail(c->st, TACT_CODE_INVALID_ARGUMENT,
                          "Input prefix should have a single element, got %" PRId64 " instead.",
                          tact__shape_nelems(prefix));
    if (names->ndims != 1 || slices->ndims != 1)
        return tact__fail(c->st, TACT_CODE_INVALID_ARGUMENT,
                          "Input tensor_names and shape_and_slices should be an 1-D tensors, got "
                          "%s and %s", tact__shape_str(names, a, sizeof a),
                          tact__shape_str(slices, b, sizeof b));
    if (names->dims[0] != slices->dims[0])
        return tact__fail(c->st, TACT_CODE_INVALID_ARGUMENT,
                          "tensor_names and shape_and_slices have different number of elements: "
                          "%" PRId64 " vs. %" PRId64, names->dims[0], slices->dims[0]);
    if (c->kind == TACT_OP_SAVE_V2 && names->dims[0] != c->attrs->n_list)
        return tact__fail(c->st, TACT_CODE_INVALID_ARGUMENT,
                          "Got %" PRId64 " tensor names but %d tensors.", names->dims[0],
                          c->attrs->n_list);
    if (c->kind == TACT_OP_RESTORE_V2 && names->dims[0] != c->attrs->n_list)
        return tact__fail(c->st, TACT_CODE_INVALID_ARGUMENT,
                          "Got %" PRId64 " tensor names, but %d expected dtypes.",
                          names->dims[0], c->attrs->n_list);
    return TACT_CODE_OK;
}

/* The three string inputs SaveV2 and RestoreV2 share. */
static tact_code_t io_check_strings(const tact_op_ctx_t *c)
{
    static const char *const params[3] = {"prefix", "tensor_names", "shape_and_slices"};
    for (int i = 0; i < 3; i++) {
        if (tact__op_check_exact(c, i, params[i], TACT_DTYPE_STRING) != TACT_CODE_OK)
            return c->st->code;
    }
    int n = c->attrs->n_list;
    if (n < 0 || (n > 0 && c->attrs->dtypes == NULL))
        return tact__fail(c->st, TACT_CODE_INVALID_ARGUMENT,
                          "'%s' (op: '%s') needs its attr dtypes (%d entries)", c->name,
                          tact__op_kind_type(c->kind), n);
    for (int i = 0; i < n; i++) {
        if (!tact__dtype_valid(c->attrs->dtypes[i]))
            return tact__fail(c->st, TACT_CODE_INVALID_ARGUMENT,
                              "'%s' (op: '%s'): dtypes[%d] is not a dtype tact has", c->name,
                              tact__op_kind_type(c->kind), i);
    }
    return TACT_CODE_OK;
}

static tact_code_t io_infer_save(const tact_op_ctx_t *c, tact_dtype_t *out_dtype,
                                 tact_shape_t *out_shape)
{
    TACT_UNUSED(out_dtype);
    TACT_UNUSED(out_shape);
    if (io_check_strings(c) != TACT_CODE_OK)
        return c->st->code;
    const tact_op_attrs_t *at = c->attrs;
    for (int i = 0; i < at->n_list; i++) {
        if (c->dtypes[3 + i] != at->dtypes[i])
            return tact__fail(c->st, TACT_CODE_INVALID_ARGUMENT,
                              "Input 'tensors' of 'SaveV2' Op: tensor %d has type %s that does "
                              "not match type %s of attr dtypes for '%s'", i,
                              tact_dtype_name(c->dtypes[3 + i]), tact_dtype_name(at->dtypes[i]),
                              c->name);
    }
    if (c->phase == TACT_INFER_RUN)
        return io_check_run(c);
    if (tact__op_check_rank(c, 0, 0) != TACT_CODE_OK || tact__op_check_rank(c, 1, 1) ||
        io_check_length(c, 1, at->n_list) || tact__op_check_rank(c, 2, 1) ||
        io_check_length(c, 2, at->n_list))
        return c->st->code;
    return TACT_CODE_OK;
}

/* RestoreV2: one output per entry of dtypes, of a shape only the checkpoint knows. */
static tact_code_t io_infer_restore(const tact_op_ctx_t *c, tact_dtype_t *out_dtype,
                                    tact_shape_t *out_shape)
{
    if (io_check_strings(c) != TACT_CODE_OK)
        return c->st->code;
    const tact_op_attrs_t *at = c->attrs;
    if (c->phase == TACT_INFER_RUN) {
        if (io_check_run(c) != TACT_CODE_OK)
            return c->st->code;
    } else {
        tact_shape_t merged;
        if (tact__op_check_rank(c, 0, 0) != TACT_CODE_OK || tact__op_check_rank(c, 1, 1) ||
            tact__op_check_rank(c, 2, 1) ||
            tact__op_merge_shapes(c, &c->shapes[1], &c->shapes[2], &merged))
            return c->st->code;
        if (merged.ndims == 1 && merged.dims[0] >= 0 && merged.dims[0] != at->n_list)
            return tact__op_fail_shape(c, "The number of shape_and_slice doesn't match tensor "
                                       "outputs.");
    }
    for (int i = 0; i < at->n_list; i++) {
        out_dtype[i] = at->dtypes[i];
        out_shape[i] = (tact_shape_t) {.ndims = -1};
    }
    return TACT_CODE_OK;
}

static tact_code_t io_infer_merge(const tact_op_ctx_t *c, tact_dtype_t *out_dtype,
                                  tact_shape_t *out_shape)
{
    TACT_UNUSED(out_dtype);
    TACT_UNUSED(out_shape);
    if (tact__op_check_exact(c, 0, "checkpoint_prefixes", TACT_DTYPE_STRING) ||
        tact__op_check_exact(c, 1, "destination_prefix", TACT_DTYPE_STRING))
        return c->st->code;
    if (c->phase == TACT_INFER_RUN) {
        if (c->shapes[1].ndims != 0)
            return tact__fail(c->st, TACT_CODE_INVALID_ARGUMENT,
                              "Input destination_prefix should be a scalar tensor, got %d "
                              "dimensions instead.", c->shapes[1].ndims);
        return TACT_CODE_OK;
    }
    if (tact__op_check_rank(c, 0, 1) || tact__op_check_rank(c, 1, 0))
        return c->st->code;
    return TACT_CODE_OK;
}

/* ShardedFilename(basename, shard, num_shards): "basename-00003-of-00012". */
static tact_code_t io_infer_sharded_filename(const tact_op_ctx_t *c, tact_dtype_t *out_dtype,
                                             tact_shape_t *out_shape)
{
    if (tact__op_check_exact(c, 0, "basename", TACT_DTYPE_STRING) ||
        tact__op_check_exact(c, 1, "shard", TACT_DTYPE_I32) ||
        tact__op_check_exact(c, 2, "num_shards", TACT_DTYPE_I32))
        return c->st->code;
    for (int i = 0; i < 3; i++) {
        if (tact__op_check_rank(c, i, 0) != TACT_CODE_OK)
            return c->st->code;
    }
    *out_dtype = TACT_DTYPE_STRING;
    *out_shape = (tact_shape_t) {.ndims = 0};
    return TACT_CODE_OK;
}

const tact_op_def_t tact__io_op_defs[TACT_OP_COUNT] = {
    [TACT_OP_SAVE_V2] = {.arity = io_save_arity, .num_outputs = io_no_outputs,
                         .infer = io_infer_save, .stateful = true},
    [TACT_OP_RESTORE_V2] = {.n_inputs = 3, .num_outputs = io_restore_outputs,
                            .infer = io_infer_restore, .stateful = true},
    [TACT_OP_MERGE_V2_CHECKPOINTS] = {.n_inputs = 2, .num_outputs = io_no_outputs,
                                      .infer = io_infer_merge, .stateful = true},
    [TACT_OP_SHARDED_FILENAME] = {.n_inputs = 3, .infer = io_infer_sharded_filename},
};
