/* SPDX-License-Identifier: MIT */
/* CPU kernels of runtime/ops/string_ops.c: StringJoin and StaticRegexFullMatch.
 *
 * StaticRegexFullMatch uses POSIX extended regular expressions (regcomp, REG_EXTENDED), not
 * TensorFlow's RE2: the patterns TensorFlow's own graphs carry ("^s3://.*", the saver's) mean
 * the same in both, but RE2-only syntax (\d, (?i), non-greedy *?, named groups) is an
 * INVALID_ARGUMENT "Invalid pattern" here, and POSIX picks the leftmost-longest match, which
 * decides full matches exactly as RE2's FullMatch does. Strings may hold NUL bytes (glibc's
 * REG_STARTEND). */
#include "devices/cpu/kernels/family.h"
#include "runtime/base/host_alloc.h"

#include <regex.h>

/* StringJoin: element i of the output is element i of each input (element 0 of a scalar)
 * with the separator between them. */
static tact_code_t string_join(tact_kernel_ctx_t *k, tact_status_t *st)
{
    const char *sep = k->op->attrs.text != NULL ? k->op->attrs.text : "";
    size_t sep_len = strlen(sep);
    tact_tensor_t *out = k->out[0];
    for (int64_t i = 0; i < out->nelems; i++) {
        size_t len = 0;
        for (int j = 0; j < k->n_in; j++) {
            const tact_string_t *s = k->in[j]->data;
            len += s[k->in[j]->ndims == 0 ? 0 : i].len + (j > 0 ? sep_len : 0);
        }
        char *buf = tact__host_try_alloc(len + 1);
        if (buf == NULL)
            return tact__fail(st, TACT_CODE_RESOURCE_EXHAUSTED,
                              "OOM when allocating a string of %zu bytes on %s", len, k->device);
        size_t pos = 0;
        for (int j = 0; j < k->n_in; j++) {
            const tact_string_t *s = &((const tact_string_t *) k->in[j]->data)
                                          [k->in[j]->ndims == 0 ? 0 : i];
            if (j > 0) {
                memcpy(buf + pos, sep, sep_len);
                pos += sep_len;
            }
            if (s->len > 0)
                memcpy(buf + pos, s->ptr, s->len);
            pos += s->len;
        }
        buf[len] = '\0';
        tact__tensor_set_string(out, i, buf, len);
        tact__host_free(buf, len + 1);
    }
    return TACT_CODE_OK;
}

static tact_code_t string_regex_full_match(tact_kernel_ctx_t *k, tact_status_t *st)
{
    const char *pattern = k->op->attrs.text;
    regex_t re;
    int err = regcomp(&re, pattern, REG_EXTENDED);
    if (err != 0) {
        char why[128];
        regerror(err, &re, why, sizeof why);
        return tact__fail(st, TACT_CODE_INVALID_ARGUMENT, "Invalid pattern: %.100s, error: %s",
                          pattern, why);
    }
    const tact_string_t *in = k->in[0]->data;
    bool *out = k->out[0]->data;
    for (int64_t i = 0; i < k->in[0]->nelems; i++) {
        regmatch_t m = {.rm_so = 0, .rm_eo = (regoff_t) in[i].len};
        /* leftmost-longest: a full match, if any, is the one found at offset 0 */
        out[i] = regexec(&re, in[i].ptr, 1, &m, REG_STARTEND) == 0 && m.rm_so == 0 &&
                 (size_t) m.rm_eo == in[i].len;
    }
    regfree(&re);
    return TACT_CODE_OK;
}

const tact_cpu_op_kernel_t tact__cpu_string_kernels[TACT_OP_COUNT] = {
    [TACT_OP_STRING_JOIN] = {.run = string_join},
    [TACT_OP_STATIC_REGEX_FULL_MATCH] = {.run = string_regex_full_match},
};
