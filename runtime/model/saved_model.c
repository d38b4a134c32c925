/* SPDX-License-Identifier: MIT */
/* TF1 SavedModels: TF_LoadSessionFromSavedModel (tf.compat.v1.saved_model.loader.load) reads
 * <export_dir>/saved_model.pb, imports the MetaGraphDef whose tags are the given set, starts a
 * session, runs the saver's restore op on <export_dir>/variables/variables and then the main op
 * (or legacy init op), and keeps the signature_def map for tact_saved_model_signature. Not for
 * TF2 object graphs (resource variables, functions): their ops fail the import by name. */
#include <sys/stat.h>  /* as bundle.c: whether a file is there */

#include <tact/model.h>

#include "runtime/model/graphdef.h"
#include "runtime/model/proto_depth.h"
#include "runtime/model/saved_model.h"
#include "runtime/model/text_format.h"
#include "runtime/exec/session_impl.h"

#include "saved_model.pb-c.h"

struct tact_saved_model {
    size_t n_signatures;
    Tensorflow__MetaGraphDef__SignatureDefEntry **signatures;  /* taken from the parsed file */
};

void tact__saved_model_free(tact_saved_model_t *sm)
{
    if (sm == NULL)
        return;
    for (size_t i = 0; i < sm->n_signatures; i++)
        if (sm->signatures[i] != NULL)
            protobuf_c_message_free_unpacked(&sm->signatures[i]->base, NULL);
    free(sm->signatures);
    free(sm);
}

/* ------------------------------------------------------------------------------------------ */
/* Reading saved_model.pb                                                                     */
/* ------------------------------------------------------------------------------------------ */

static bool sm_exists(const char *path)
{
    struct stat sb;
    return stat(path, &sb) == 0 && S_ISREG(sb.st_mode);
}

/* saved_model.pb, else saved_model.pbtxt (TensorFlow's ReadSavedModel order). */
static Tensorflow__SavedModel *sm_read(const char *dir, tact_status_t *st)
{
    size_t cap = strlen(dir) + 32;
    char *pb = tact__malloc(cap), *txt = tact__malloc(cap);
    snprintf(pb, cap, "%s/saved_model.pb", dir);
    snprintf(txt, cap, "%s/saved_model.pbtxt", dir);
    Tensorflow__SavedModel *sm = NULL;
    bool binary = sm_exists(pb);
    if (!binary && !sm_exists(txt)) {
        tact__fail(st, TACT_CODE_NOT_FOUND,
                   "SavedModel file does not exist at: %.200s/{saved_model.pbtxt|saved_model.pb}",
                   dir);
        goto out;
    }
    const char *path = binary ? pb : txt;
    size_t len = 0;
    char *data = tact__graphdef_read_file(path, &len, st);
    if (data == NULL)
        goto out;
    if (binary) {
        if (tact__proto_depth_ok(&tensorflow__saved_model__descriptor,
                                 (const uint8_t *) data, len,
                                 TACT_PROTO_MAX_DEPTH))
            sm = tensorflow__saved_model__unpack(NULL, len, (const uint8_t *) data);
        if (sm == NULL)  /* TensorFlow's ReadBinaryProto */
            tact__fail(st, TACT_CODE_DATA_LOSS, "Can't parse %.200s as binary proto", path);
    } else {
        tact_status_t err = TACT_STATUS_INIT;
        sm = (Tensorflow__SavedModel *) tact__text_format_parse(
            &tensorflow__saved_model__descriptor, data, len, &err);
        if (sm == NULL)
            tact__fail(st, TACT_CODE_DATA_LOSS, "Can't parse %.200s as text proto: %s", path,
                       err.msg);
    }
    free(data);
out:
    free(pb);
    free(txt);
    return sm;
}

/* ------------------------------------------------------------------------------------------ */
/* Choosing the MetaGraphDef                                                                  */
/* ------------------------------------------------------------------------------------------ */

static bool sm_has_tag(char **tags, size_t n, const char *tag)
{
    for (size_t i = 0; i < n; i++)
        if (tags[i] != NULL && strcmp(tags[i], tag) == 0)
            return true;
    return false;
}

/* TensorFlow compares tag sets: every given tag is the meta graph's, and every one of its tags
 * is given (repeats do not count). */
static bool sm_tags_match(const Tensorflow__MetaGraphDef *mg, const char *const *tags, int n)
{
    const Tensorflow__MetaGraphDef__MetaInfoDef *info = mg->meta_info_def;
    size_t n_mg = info != NULL ? info->n_tags : 0;
    char **mg_tags = info != NULL ? info->tags : NULL;
    for (int i = 0; i < n; i++)
        if (!sm_has_tag(mg_tags, n_mg, tags[i]))
            return false;
    for (size_t i = 0; i < n_mg; i++) {
        bool given = false;
        for (int j = 0; j < n && !given; j++)
            given = mg_tags[i] != NULL && strcmp(mg_tags[i], tags[j]) == 0;
        if (!given)
            return false;
    }
    return true;
}

/* Appends to buf[0..cap) at *used, truncating (the status message is short anyway). */
static void sm_append(char *buf, size_t cap, size_t *used, const char *fmt, ...)
    TACT__PRINTF(4, 5);
static void sm_append(char *buf, size_t cap, size_t *used, const char *fmt, ...)
{
    if (*used >= cap)
        return;
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(buf + *used, cap - *used, fmt, ap);
    va_end(ap);
    *used = n < 0 ? cap : *used + (size_t) n;
}

/* TensorFlow 2.21's loader: "MetaGraphDef associated with tags 'gpu' could not be found in
 * SavedModel, with available tags '[{'serve'}, {'train'}]'. To inspect ...". */
static tact_code_t sm_no_tags(const Tensorflow__SavedModel *sm, const char *const *tags,
                              int n, tact_status_t *st)
{
    char want[200] = "", have[300] = "";
    size_t u = 0;
    for (int i = 0; i < n; i++)
        sm_append(want, sizeof want, &u, "%s'%s'", i ? ", " : "", tags[i]);
    u = 0;
    sm_append(have, sizeof have, &u, "[");
    for (size_t m = 0; m < sm->n_meta_graphs; m++) {
        const Tensorflow__MetaGraphDef__MetaInfoDef *info =
            sm->meta_graphs[m] != NULL ? sm->meta_graphs[m]->meta_info_def : NULL;
        sm_append(have, sizeof have, &u, "%s{", m ? ", " : "");
        for (size_t i = 0; info != NULL && i < info->n_tags; i++)
            sm_append(have, sizeof have, &u, "%s'%s'", i ? ", " : "",
                      info->tags[i] != NULL ? info->tags[i] : "");
        sm_append(have, sizeof have, &u, "}");
    }
    sm_append(have, sizeof have, &u, "]");
    return tact__fail(st, TACT_CODE_NOT_FOUND,
                      "MetaGraphDef associated with tags %s could not be found in SavedModel, "
                      "with available tags '%s'. To inspect available tag-sets in the "
                      "SavedModel, please use the SavedModel CLI: `saved_model_cli`.",
                      want, have);
}

/* ------------------------------------------------------------------------------------------ */
/* Restoring and initialising                                                                 */
/* ------------------------------------------------------------------------------------------ */

/* The op a tensor or op name ("save/restore_all", "x:0", "^init") names, or NULL (fills st). */
static tact_op_t *sm_op(tact_graph_t *g, const char *name, const char *what, tact_status_t *st)
{
    char buf[300];
    snprintf(buf, sizeof buf, "%s", name[0] == '^' ? name + 1 : name);
    char *colon = strrchr(buf, ':');
    if (colon != NULL)
        *colon = '\0';
    tact_op_t *op = tact_graph_op(g, buf);
    if (op == NULL)
        tact__fail(st, TACT_CODE_NOT_FOUND, "SavedModel: %s '%s' is not in the graph", what,
                   name);
    return op;
}

/* The saver's restore op with the variables' prefix fed, as TensorFlow's RunRestore. No
 * variables/variables.index or no saver: nothing to restore. */
static tact_code_t sm_restore(tact_session_t *s, const Tensorflow__MetaGraphDef *mg,
                              const char *dir, tact_status_t *st)
{
    const Tensorflow__SaverDef *sd = mg->saver_def;
    size_t cap = strlen(dir) + 48;
    char *prefix = tact__malloc(cap), *index = tact__malloc(cap);
    snprintf(prefix, cap, "%s/variables/variables", dir);
    snprintf(index, cap, "%s.index", prefix);
    if (sd != NULL && sd->restore_op_name != NULL && sd->restore_op_name[0] != '\0' &&
        sm_exists(index)) {
        tact_op_t *restore = sm_op(s->graph, sd->restore_op_name, "restore op", st);
        tact_output_t filename = {NULL, -1};
        if (restore != NULL)
            filename = tact_graph_output(s->graph, sd->filename_tensor_name != NULL
                                                       ? sd->filename_tensor_name : "", st);
        tact_tensor_t *value = NULL;
        if (st->code == TACT_CODE_OK)
            value = tact_tensor_new_strings(NULL, 0, (const char *const *) &prefix, NULL, st);
        if (value != NULL) {
            tact_feed_t feed = {filename, value};
            tact_session_run(s, NULL, 0, NULL, &feed, 1, &restore, 1, st);
        }
        tact_tensor_destroy(&value);
    }
    free(prefix);
    free(index);
    return st->code;
}

static const Tensorflow__CollectionDef *sm_collection(const Tensorflow__MetaGraphDef *mg,
                                                      const char *key)
{
    for (size_t i = 0; i < mg->n_collection_def; i++)
        if (mg->collection_def[i] != NULL && mg->collection_def[i]->key != NULL &&
            strcmp(mg->collection_def[i]->key, key) == 0)
            return mg->collection_def[i]->value;
    return NULL;
}

/* The main op, else the legacy init op (TensorFlow runs one of them, main op first), after
 * the restore. */
static tact_code_t sm_init(tact_session_t *s, const Tensorflow__MetaGraphDef *mg,
                           tact_status_t *st)
{
    const char *keys[] = {"saved_model_main_op", "legacy_init_op"};
    for (int k = 0; k < 2; k++) {
        const Tensorflow__CollectionDef *c = sm_collection(mg, keys[k]);
        if (c == NULL)
            continue;
        if (c->kind_case != TENSORFLOW__COLLECTION_DEF__KIND_NODE_LIST ||
            c->node_list->n_value != 1)
            return tact__fail(st, TACT_CODE_FAILED_PRECONDITION,
                              "Expected exactly one %s: found %zu", keys[k],
                              c->kind_case == TENSORFLOW__COLLECTION_DEF__KIND_NODE_LIST
                                  ? c->node_list->n_value : (size_t) 0);
        tact_op_t *op = sm_op(s->graph, c->node_list->value[0] ? c->node_list->value[0] : "",
                              keys[k], st);
        if (op == NULL)
            return st->code;
        return tact_session_run(s, NULL, 0, NULL, NULL, 0, &op, 1, st);
    }
    return TACT_CODE_OK;
}

/* ------------------------------------------------------------------------------------------ */
/* The public calls                                                                           */
/* ------------------------------------------------------------------------------------------ */

tact_session_t *tact_saved_model_load(const char *export_dir, const char *const *tags,
                                      int n_tags, tact_graph_t *graph,
                                      const tact_config_t *config, tact_status_t *st)
{
    tact_status_t local = TACT_STATUS_INIT;
    if (st == NULL)
        st = &local;
    if (tact__failed(st))
        return NULL;
    TACT_ASSERT(export_dir != NULL && n_tags >= 0 && (tags != NULL || n_tags == 0));
    for (int i = 0; i < n_tags; i++)
        TACT_ASSERT(tags[i] != NULL);
    if (graph != NULL && tact_graph_num_ops(graph) != 0) {
        tact__fail(st, TACT_CODE_INVALID_ARGUMENT,
                   "tact_saved_model_load: the graph must be empty (it holds %d ops)",
                   tact_graph_num_ops(graph));
        return NULL;
    }
    Tensorflow__SavedModel *sm = sm_read(export_dir, st);
    if (sm == NULL)
        return NULL;
    Tensorflow__MetaGraphDef *mg = NULL;
    for (size_t i = 0; i < sm->n_meta_graphs && mg == NULL; i++)
        if (sm->meta_graphs[i] != NULL && sm_tags_match(sm->meta_graphs[i], tags, n_tags))
            mg = sm->meta_graphs[i];
    tact_session_t *s = NULL;
    tact_graph_t *g = graph;
    if (mg == NULL) {
        sm_no_tags(sm, tags, n_tags, st);
        goto out;
    }
    /* NULL graph: a new one whose only lasting reference is the session's. */
    if (g == NULL)
        g = tact_graph_new();
    if (mg->graph_def != NULL)
        tact__graphdef_import(g, mg->graph_def, NULL, st);
    if (st->code == TACT_CODE_OK)
        s = tact_session_new(NULL, g, config, st);
    if (s != NULL && (sm_restore(s, mg, export_dir, st) || sm_init(s, mg, st)))
        tact_session_destroy(&s);
    if (s != NULL) {
        tact_saved_model_t *kept = tact__malloc(sizeof *kept);
        kept->n_signatures = mg->n_signature_def;
        kept->signatures = mg->signature_def;
        mg->n_signature_def = 0;  /* taken: freeing sm leaves them */
        mg->signature_def = NULL;
        s->saved_model = kept;
        s->saved_model_free = tact__saved_model_free;
    }
out:
    if (graph == NULL)
        tact_graph_destroy(&g);
    tensorflow__saved_model__free_unpacked(sm, NULL);
    return s;
}

/* "{a, b}" of the keys of n map entries (key at the same place in each entry type). */
static void sm_keys(char *buf, size_t cap, char *const *keys, size_t n)
{
    size_t u = 0;
    sm_append(buf, cap, &u, "{");
    for (size_t i = 0; i < n; i++)
        sm_append(buf, cap, &u, "%s%s", i ? ", " : "", keys[i] != NULL ? keys[i] : "");
    sm_append(buf, cap, &u, "}");
}

/* The saved model of a session tact_saved_model_load made, or NULL with INVALID_ARGUMENT
 * naming the signature `key` (NULL: the listing of the keys). */
static const tact_saved_model_t *sm_of_session(tact_session_t *s, const char *key,
                                               tact_status_t *st)
{
    TACT_ASSERT(s != NULL && s->tag == TACT_TAG_SESSION);
    if (s->saved_model == NULL && key != NULL)
        tact__fail(st, TACT_CODE_INVALID_ARGUMENT,
                   "signature '%s': the session was not made by tact_saved_model_load", key);
    else if (s->saved_model == NULL)
        tact__fail(st, TACT_CODE_INVALID_ARGUMENT,
                   "signature keys: the session was not made by tact_saved_model_load");
    return s->saved_model;
}

/* The signature `key`, or NULL with NOT_FOUND listing the signatures there are. */
static const Tensorflow__SignatureDef *sm_signature(const tact_saved_model_t *sm, const char *key,
                                                    tact_status_t *st)
{
    for (size_t i = 0; i < sm->n_signatures; i++)
        if (sm->signatures[i]->key != NULL && strcmp(sm->signatures[i]->key, key) == 0)
            return sm->signatures[i]->value;
    char list[160];
    char **keys = tact__malloc((sm->n_signatures + 1) * sizeof *keys);
    for (size_t i = 0; i < sm->n_signatures; i++)
        keys[i] = sm->signatures[i]->key;
    sm_keys(list, sizeof list, keys, sm->n_signatures);
    free(keys);
    tact__fail(st, TACT_CODE_NOT_FOUND, "The SavedModel has no signature '%s'; its signatures: %s",
               key, list);
    return NULL;
}

/* Stores min(n, cap) of the n keys into out[] and returns n; a count past INT_MAX cannot come
 * from a parsed file that fits in memory with its entries. */
static int sm_list(char *const *keys, size_t n, const char **out, int cap)
{
    TACT_ASSERT(cap >= 0 && (out != NULL || cap == 0) && n <= INT_MAX);
    for (size_t i = 0; i < n && i < (size_t) cap; i++)
        out[i] = keys[i] != NULL ? keys[i] : "";
    return (int) n;
}

int tact_saved_model_signature_keys(tact_session_t *s, const char **keys, int cap,
                                    tact_status_t *st)
{
    tact_status_t local = TACT_STATUS_INIT;
    if (st == NULL)
        st = &local;
    if (tact__failed(st))
        return -1;
    const tact_saved_model_t *sm = sm_of_session(s, NULL, st);
    if (sm == NULL)
        return -1;
    char **names = tact__malloc((sm->n_signatures + 1) * sizeof *names);
    for (size_t i = 0; i < sm->n_signatures; i++)
        names[i] = sm->signatures[i]->key;
    int n = sm_list(names, sm->n_signatures, keys, cap);
    free(names);
    return n;
}

int tact_saved_model_signature_names(tact_session_t *s, const char *signature_key, bool input,
                                     const char **names, int cap, tact_status_t *st)
{
    tact_status_t local = TACT_STATUS_INIT;
    if (st == NULL)
        st = &local;
    if (tact__failed(st))
        return -1;
    const char *key = signature_key != NULL ? signature_key : "serving_default";
    const tact_saved_model_t *sm = sm_of_session(s, key, st);
    const Tensorflow__SignatureDef *sig = sm != NULL ? sm_signature(sm, key, st) : NULL;
    if (sig == NULL)
        return -1;
    size_t n = input ? sig->n_inputs : sig->n_outputs;
    char **keys = tact__malloc((n + 1) * sizeof *keys);
    for (size_t i = 0; i < n; i++)
        keys[i] = input ? sig->inputs[i]->key : sig->outputs[i]->key;
    int count = sm_list(keys, n, names, cap);
    free(keys);
    return count;
}

tact_output_t tact_saved_model_signature(tact_session_t *s, const char *signature_key,
                                         const char *name, bool input, tact_status_t *st)
{
    const tact_output_t none = {NULL, -1};
    tact_status_t local = TACT_STATUS_INIT;
    if (st == NULL)
        st = &local;
    if (tact__failed(st))
        return none;
    TACT_ASSERT(s != NULL && s->tag == TACT_TAG_SESSION && name != NULL);
    const char *key = signature_key != NULL ? signature_key : "serving_default";
    const tact_saved_model_t *sm = sm_of_session(s, key, st);
    const Tensorflow__SignatureDef *sig = sm != NULL ? sm_signature(sm, key, st) : NULL;
    if (sig == NULL)
        return none;
    char list[160];
    size_t n = input ? sig->n_inputs : sig->n_outputs;
    Tensorflow__SignatureDef__InputsEntry **in = sig->inputs;
    Tensorflow__SignatureDef__OutputsEntry **out = sig->outputs;
    const Tensorflow__TensorInfo *info = NULL;
    char **names = tact__malloc((n + 1) * sizeof *names);
    for (size_t i = 0; i < n; i++) {
        names[i] = input ? in[i]->key : out[i]->key;
        if (info == NULL && names[i] != NULL && strcmp(names[i], name) == 0)
            info = input ? in[i]->value : out[i]->value;
    }
    sm_keys(list, sizeof list, names, n);
    free(names);
    const char *what = input ? "input" : "output";
    if (info == NULL) {
        tact__fail(st, TACT_CODE_NOT_FOUND, "Signature '%s' has no %s '%s'; its %ss: %s", key,
                   what, name, what, list);
        return none;
    }
    if (info->encoding_case == TENSORFLOW__TENSOR_INFO__ENCODING_COO_SPARSE) {
        tact__fail(st, TACT_CODE_INVALID_ARGUMENT,
                   "Signature '%s' %s '%s' is a COO sparse tensor: sparse signatures are not "
                   "supported yet", key, what, name);
        return none;
    }
    if (info->encoding_case != TENSORFLOW__TENSOR_INFO__ENCODING_NAME || info->name == NULL) {
        tact__fail(st, TACT_CODE_INVALID_ARGUMENT,
                   "Signature '%s' %s '%s' has no tensor name (an encoding tact does not "
                   "support)", key, what, name);
        return none;
    }
    tact_status_t err = TACT_STATUS_INIT;
    tact_output_t t = tact_graph_output(s->graph, info->name, &err);
    if (err.code != TACT_CODE_OK)
        tact__fail(st, err.code, "Signature '%s' %s '%s': %s", key, what, name, err.msg);
    return t;
}
