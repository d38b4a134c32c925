/* SPDX-License-Identifier: MIT */
/* tf.train.Saver for a session: every variable of the graph's GLOBAL_VARIABLES collection, by
 * its name, into and out of a V2 checkpoint (bundle.c), plus the directory's "checkpoint"
 * state file that tf.train.latest_checkpoint reads. Values cross between the session and the
 * host through ordinary runs, so a variable on a GPU is copied by the plan's own copies: a save
 * fetches the variables, a restore runs each variable's initializer Assign with its initial
 * value fed by the checkpoint's tensor, on whatever device the variable lives. Not a Saver
 * object: no max_to_keep, no var_list, no sharding. */
#include "runtime/base/prelude.h"

#include <unistd.h>

#include "runtime/graph/graph_impl.h"
#include "runtime/model/bundle.h"
#include "runtime/model/dtypes.h"
#include "runtime/exec/session_impl.h"
#include "runtime/base/tensor_impl.h"

#define CKPT_PATH_MAX 4096

/* The graph's variables now (the collection may grow while we work). Caller frees. */
static tact_op_t **ckpt_variables(tact_graph_t *g, int *n)
{
    pthread_mutex_lock(&g->lock);
    *n = g->n_variables;
    tact_op_t **vars = tact__malloc((size_t) (*n > 0 ? *n : 1) * sizeof *vars);
    if (*n > 0)
        memcpy(vars, g->variables, (size_t) *n * sizeof *vars);
    pthread_mutex_unlock(&g->lock);
    return vars;
}

static tact_code_t ckpt_check_args(tact_session_t *s, const char *prefix, const char *what,
                                   tact_status_t *st)
{
    TACT_ASSERT(s != NULL && s->tag == TACT_TAG_SESSION);
    if (tact__failed(st))
        return st->code;
    if (prefix == NULL || prefix[0] == '\0')
        return tact__fail(st, TACT_CODE_INVALID_ARGUMENT, "%s: the checkpoint prefix is empty",
                          what);
    if (strlen(prefix) > CKPT_PATH_MAX - 64)
        return tact__fail(st, TACT_CODE_INVALID_ARGUMENT, "%s: the checkpoint prefix is too long",
                          what);
    return TACT_CODE_OK;
}

/* ---- the "checkpoint" state file ---- */

/* A string in protobuf's text format (CEscape): quotes, backslashes and bytes outside
 * printable ASCII escaped. */
static void ckpt_put_quoted(FILE *f, const char *s)
{
    fputc('"', f);
    for (const unsigned char *p = (const unsigned char *) s; *p; p++) {
        if (*p == '"' || *p == '\\' || *p == '\'')
            fprintf(f, "\\%c", *p);
        else if (*p == '\n')
            fputs("\\n", f);
        else if (*p == '\r')
            fputs("\\r", f);
        else if (*p == '\t')
            fputs("\\t", f);
        else if (*p < 0x20 || *p >= 0x7f)
            fprintf(f, "\\%03o", *p);
        else
            fputc(*p, f);
    }
    fputc('"', f);
}

/* What tf.train.Saver.save writes beside the checkpoint (a new Saver's first save):
 *   model_checkpoint_path: "<path>"
 *   all_model_checkpoint_paths: "<path>"
 * with the path relative to the directory when the prefix is relative (checkpoint_management's
 * rule), as given when absolute. Written to a temporary name and renamed over the old one. */
static tact_code_t ckpt_write_state(const char *prefix, tact_status_t *st)
{
    const char *slash = strrchr(prefix, '/');
    char dir[CKPT_PATH_MAX], path[CKPT_PATH_MAX + 16], tmp[CKPT_PATH_MAX + 64];
    if (slash == NULL)
        snprintf(dir, sizeof dir, ".");
    else
        snprintf(dir, sizeof dir, "%.*s", slash == prefix ? 1 : (int) (slash - prefix), prefix);
    const char *recorded = prefix[0] == '/' ? prefix : (slash ? slash + 1 : prefix);
    snprintf(path, sizeof path, "%s/checkpoint", dir);
    static _Atomic unsigned ckpt_counter;  /* two threads saving into one directory */
    snprintf(tmp, sizeof tmp, "%s.tmp%ld_%u", path, (long) getpid(),
             atomic_fetch_add(&ckpt_counter, 1u));
    FILE *f = fopen(tmp, "w");
    if (f == NULL)
        return tact__fail(st, TACT_CODE_UNKNOWN, "cannot create %.160s: %s", tmp,
                          strerror(errno));
    fputs("model_checkpoint_path: ", f);
    ckpt_put_quoted(f, recorded);
    fputs("\nall_model_checkpoint_paths: ", f);
    ckpt_put_quoted(f, recorded);
    fputc('\n', f);
    bool ok = fflush(f) == 0 && fsync(fileno(f)) == 0;
    ok = fclose(f) == 0 && ok;
    if (!ok || rename(tmp, path) != 0) {
        int err = errno;
        unlink(tmp);
        return tact__fail(st, TACT_CODE_UNKNOWN, "cannot write %.160s: %s", path, strerror(err));
    }
    return TACT_CODE_OK;
}

/* ---- save ---- */

tact_code_t tact_checkpoint_save(tact_session_t *s, const char *prefix, tact_status_t *st)
{
    tact_status_t local = TACT_STATUS_INIT;  /* st may be NULL: the internals need one */
    if (st == NULL)
        st = &local;
    if (ckpt_check_args(s, prefix, "Saver.save", st) != TACT_CODE_OK)
        return st->code;
    int n;
    tact_op_t **vars = ckpt_variables(s->graph, &n);
    if (n == 0) {
        free(vars);
        return tact__fail(st, TACT_CODE_INVALID_ARGUMENT, "No variables to save");
    }
    tact_output_t *fetches = tact__malloc((size_t) n * sizeof *fetches);
    tact_tensor_t **values = tact__malloc((size_t) n * sizeof *values);
    tact_tensor_t **fetched = tact__malloc((size_t) n * sizeof *fetched);
    const char **names = tact__malloc((size_t) n * sizeof *names);
    int n_fetches = 0;
    for (int i = 0; i < n; i++) {
        values[i] = NULL;
        if (vars[i]->kind != TACT_OP_VAR_HANDLE)
            fetches[n_fetches++] = (tact_output_t) { vars[i], 0 };
        names[i] = vars[i]->name;
    }
    /* One run reads them all, copied to the host by the plan wherever they live. An
     * uninitialised one is "Attempting to use uninitialized value v", as SaveV2 says. */
    tact_code_t rc = n_fetches > 0 ? tact_session_run(s, fetches, n_fetches, fetched, NULL, 0,
                                                      NULL, 0, st)
                                   : TACT_CODE_OK;
    for (int i = 0, k = 0; i < n && rc == TACT_CODE_OK; i++) {
        if (vars[i]->kind != TACT_OP_VAR_HANDLE)
            values[i] = fetched[k++];
    }
    /* Resource variables live in the session's table, on the host. */
    for (int i = 0; i < n && rc == TACT_CODE_OK; i++) {
        if (vars[i]->kind != TACT_OP_VAR_HANDLE)
            continue;
        values[i] = tact__resources_read(s->resources, vars[i]);
        if (values[i] == NULL)
            rc = tact__resources_var_missing(s->resources, vars[i], true, st);
    }
    free(fetched);
    if (rc == TACT_CODE_OK)
        rc = tact__bundle_write(prefix, names, (const tact_tensor_t *const *) values, n, st);
    if (rc == TACT_CODE_OK)
        rc = ckpt_write_state(prefix, st);
    for (int i = 0; i < n; i++)
        tact_tensor_destroy(&values[i]);  /* NULL after a failed run */
    free(fetches);
    free(values);
    free(names);
    free(vars);
    return rc;
}

/* ---- restore ---- */

/* Every variable's tensor from `b`, checked against the variable (RestoreV2's and Assign's
 * words) and read (size and checksum), before any is assigned. */
static tact_code_t ckpt_read_all(tact_bundle_t *b, tact_op_t **vars, int n,
                                 tact_tensor_t **values, tact_status_t *st)
{
    for (int i = 0; i < n; i++) {
        const tact_op_t *var = vars[i];
        tact_bundle_info_t info;
        if (tact__bundle_info(b, var->name, &info, st) != TACT_CODE_OK)
            return st->code;
        tact_dtype_t dtype;
        if (info.dtype >= 100 || !tact__dtype_from_proto(info.dtype, &dtype) ||
            dtype != var->attrs.dtype)
            return tact__fail(st, TACT_CODE_INVALID_ARGUMENT,
                              "tensor_name = %.100s; expected dtype %s does not equal original "
                              "dtype %s", var->name, tact__dtype_tf_name(var->attrs.dtype),
                              tact__dtype_proto_name(info.dtype));
        if (!tact__shape_compatible(&var->attrs.shape, &info.shape) ||
            var->attrs.shape.ndims != info.shape.ndims) {
            char lhs[128], rhs[128];
            return tact__fail(st, TACT_CODE_INVALID_ARGUMENT,
                              "Assign requires shapes of both tensors to match. lhs shape= %s "
                              "rhs shape= %s (restoring %.80s)",
                              tact__shape_str(&var->attrs.shape, lhs, sizeof lhs),
                              tact__shape_str(&info.shape, rhs, sizeof rhs), var->name);
        }
    }
    for (int i = 0; i < n; i++) {
        values[i] = tact__bundle_read(b, vars[i]->name, st);
        if (values[i] == NULL)
            return st->code;
    }
    return TACT_CODE_OK;
}

/* Assign the values through the variables' initializers (their Assign ops, on the variables'
 * devices), feeding each initializer's value input. Initializers whose fed inputs are shared,
 * or are variables, run alone: a run feeds a tensor once and never feeds what it assigns. */
static tact_code_t ckpt_assign_all(tact_session_t *s, tact_op_t **vars, int n,
                                   tact_tensor_t **values, tact_status_t *st)
{
    for (int i = 0; i < n; i++) {
        const tact_op_t *init = vars[i]->attrs.initializer;
        if (init == NULL || init->n_inputs < 2)
            return tact__fail(st, TACT_CODE_UNIMPLEMENTED,
                              "restore: variable %.100s has no initializer (Assign) to restore "
                              "it through", vars[i]->name);
    }
    tact_feed_t *feeds = tact__malloc((size_t) n * sizeof *feeds);
    tact_op_t **targets = tact__malloc((size_t) n * sizeof *targets);
    int k = 0;
    tact_code_t rc = TACT_CODE_OK;
    for (int i = 0; i <= n && rc == TACT_CODE_OK; i++) {
        bool alone = false, flush = i == n;
        tact_output_t in = { 0 };
        if (i < n) {
            in = vars[i]->attrs.initializer->inputs[1];
            alone = in.op->kind == TACT_OP_VARIABLE;
            for (int j = 0; j < k && !flush; j++)
                flush = feeds[j].tensor.op == in.op && feeds[j].tensor.index == in.index;
            flush = flush || (alone && k > 0);
        }
        if (flush && k > 0) {
            rc = tact_session_run(s, NULL, 0, NULL, feeds, k, targets, k, st);
            k = 0;
        }
        if (i < n) {
            feeds[k] = (tact_feed_t) { in, values[i] };
            targets[k++] = vars[i]->attrs.initializer;
            if (alone && rc == TACT_CODE_OK) {
                rc = tact_session_run(s, NULL, 0, NULL, feeds, k, targets, k, st);
                k = 0;
            }
        }
    }
    free(feeds);
    free(targets);
    return rc;
}

static tact_code_t ckpt_restore_from(tact_session_t *s, const char *prefix, bool pending,
                                     tact_op_t **vars, int n, tact_status_t *st)
{
    tact_bundle_t *b = tact__bundle_open(prefix, pending, st);
    if (b == NULL)
        return st->code;
    tact_tensor_t **values = tact__malloc((size_t) n * sizeof *values);
    tact_code_t rc = ckpt_read_all(b, vars, n, values, st);
    tact__bundle_destroy(&b);
    if (rc == TACT_CODE_OK)
        rc = ckpt_assign_all(s, vars, n, values, st);
    for (int i = 0; i < n; i++)
        tact_tensor_destroy(&values[i]);
    free(values);
    return rc;
}

tact_code_t tact_checkpoint_restore(tact_session_t *s, const char *prefix, tact_status_t *st)
{
    tact_status_t local = TACT_STATUS_INIT;  /* st may be NULL: the internals need one */
    if (st == NULL)
        st = &local;
    if (ckpt_check_args(s, prefix, "Saver.restore", st) != TACT_CODE_OK)
        return st->code;
    int n;
    tact_op_t **vars = ckpt_variables(s->graph, &n);
    if (n == 0) {
        free(vars);
        return tact__fail(st, TACT_CODE_INVALID_ARGUMENT, "No variables to save");
    }
    tact_status_t first = TACT_STATUS_INIT;
    tact_code_t rc = ckpt_restore_from(s, prefix, false, vars, n, &first);
    /* The data may be a newer save's whose index was still pending when it crashed. */
    if ((rc == TACT_CODE_DATA_LOSS || rc == TACT_CODE_NOT_FOUND) &&
        tact__bundle_has_pending(prefix)) {
        tact_status_t second = TACT_STATUS_INIT;
        if (ckpt_restore_from(s, prefix, true, vars, n, &second) == TACT_CODE_OK)
            rc = TACT_CODE_OK;
    }
    if (rc != TACT_CODE_OK)
        tact__status_merge(st, &first);
    free(vars);
    return rc;
}
