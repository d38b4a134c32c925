/* SPDX-License-Identifier: MIT */
/* String ops of the family layout (opdefs.h): StringJoin and StaticRegexFullMatch, with
 * TensorFlow's shape functions (core/ops/string_ops.cc). Kernels:
 * devices/cpu/kernels/string_kernels.c. */
#include "runtime/ops/opdefs.h"

static int string_n_list(const tact_op_attrs_t *attrs)
{
    return attrs->n_list;
}

/* StringJoin: N string tensors, each a scalar or of one common shape; scalars are repeated. */
static tact_code_t string_infer_join(const tact_op_ctx_t *c, tact_dtype_t *out_dtype,
                                     tact_shape_t *out_shape)
{
    bool all_strings = true;
    for (int i = 0; i < c->n_in; i++)
        all_strings = all_strings && c->dtypes[i] == TACT_DTYPE_STRING;
    if (!all_strings) {
        char list[160];
        size_t pos = 0;
        list[0] = '\0';
        for (int i = 0; i < c->n_in && pos < sizeof list; i++) {
            int k = snprintf(list + pos, sizeof list - pos, "%s%s", i ? ", " : "",
                             tact_dtype_name(c->dtypes[i]));
            pos += k > 0 ? (size_t) k : 0;
        }
        return tact__fail(c->st, TACT_CODE_INVALID_ARGUMENT,
                          "Tensors in list passed to 'inputs' of 'StringJoin' Op have types [%s] "
                          "that do not match expected type string.", list);
    }
    tact_shape_t out = {.ndims = 0};
    bool have = false;
    for (int i = 0; i < c->n_in; i++) {
        const tact_shape_t *s = &c->shapes[i];
        if (s->ndims == 0)
            continue;
        if (s->ndims < 0) {  /* TensorFlow: any unknown rank makes the output unknown */
            if (c->phase == TACT_INFER_BUILD) {
                *out_dtype = TACT_DTYPE_STRING;
                *out_shape = (tact_shape_t) {.ndims = -1};
                return TACT_CODE_OK;
            }
            continue;
        }
        if (!have) {
            out = *s;
            have = true;
            continue;
        }
        if (c->phase == TACT_INFER_RUN) {
            bool same = out.ndims == s->ndims;
            for (int d = 0; same && d < s->ndims; d++)
                same = out.dims[d] == s->dims[d];
            if (!same) {
                char a[192], b[192];
                return tact__fail(c->st, TACT_CODE_INVALID_ARGUMENT,
                                  "Input shapes do not match: %s vs. %s",
                                  tact__shape_str(&out, a, sizeof a),
                                  tact__shape_str(s, b, sizeof b));
            }
        } else if (tact__op_merge_shapes(c, &out, s, &out) != TACT_CODE_OK) {
            return c->st->code;
        }
    }
    *out_dtype = TACT_DTYPE_STRING;
    *out_shape = out;
    return TACT_CODE_OK;
}

/* StaticRegexFullMatch: a bool per string. The pattern is compiled by the kernel (POSIX
 * extended regular expressions, not RE2: see string_kernels.c). */
static tact_code_t string_infer_regex(const tact_op_ctx_t *c, tact_dtype_t *out_dtype,
                                      tact_shape_t *out_shape)
{
    if (tact__op_check_exact(c, 0, "input", TACT_DTYPE_STRING) != TACT_CODE_OK)
        return c->st->code;
    if (c->attrs->text == NULL)
        return tact__fail(c->st, TACT_CODE_INVALID_ARGUMENT,
                          "'%s' (op: 'StaticRegexFullMatch') needs its attr pattern", c->name);
    *out_dtype = TACT_DTYPE_BOOL;
    *out_shape = c->shapes[0];
    return TACT_CODE_OK;
}

const tact_op_def_t tact__string_op_defs[TACT_OP_COUNT] = {
    [TACT_OP_STRING_JOIN] = {.arity = string_n_list, .infer = string_infer_join},
    [TACT_OP_STATIC_REGEX_FULL_MATCH] = {.n_inputs = 1, .infer = string_infer_regex},
};
