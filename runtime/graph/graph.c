/* SPDX-License-Identifier: MIT */
/* Graphs: ops in creation order, TensorFlow's name uniquing, name lookup, the sticky builder
 * status and graph lifetime (refcounted: sessions and default stacks hold references). Op
 * semantics (shapes, dtypes) live in opdefs.c; the public builders in ops.c. */
#include "runtime/graph/device_spec.h"
#include "runtime/graph/graph_impl.h"
#include "runtime/graph/graph_scopes.h"

tact_graph_t *tact_graph_new(void)
{
    tact_graph_t *g = tact__malloc(sizeof *g);
    g->tag = TACT_TAG_GRAPH;
    atomic_init(&g->refs, 1);
    TACT_ASSERT(pthread_mutex_init(&g->lock, NULL) == 0);
    g->status = (tact_status_t) TACT_STATUS_INIT;
    return g;
}

/* The key of a VarHandleOp's variable, as TensorFlow's ResourceHandle: its container ("" is
 * the default one) and shared_name, the op's name when that is empty. */
static const char *graph_var_shared_name(const tact_op_t *op)
{
    return op->attrs.text != NULL && op->attrs.text[0] != '\0' ? op->attrs.text : op->name;
}

/* The first VarHandleOp of `g` naming the same variable as `op`, whose value `op` shares, or
 * NULL when `op` is the first. Called with the graph's lock held. */
static tact_op_t *graph_var_resource(tact_graph_t *g, const tact_op_t *op)
{
    const char *c = op->attrs.container != NULL ? op->attrs.container : "";
    for (int i = 0; i < g->n_ops; i++) {
        const tact_op_t *o = g->ops[i];
        if (o->kind == TACT_OP_VAR_HANDLE && o->attrs.resource == NULL &&
            strcmp(o->attrs.container != NULL ? o->attrs.container : "", c) == 0 &&
            strcmp(graph_var_shared_name(o), graph_var_shared_name(op)) == 0)
            return g->ops[i];
    }
    return NULL;
}

static void graph_free(tact_graph_t *g)
{
    for (int i = 0; i < g->n_ops; i++) {
        tact_op_t *op = g->ops[i];
        tact_tensor_destroy(&op->attrs.value);
        free(op->attrs.dtypes);
        free(op->attrs.text);
        free(op->attrs.container);
        free(op->out_dtype);
        free(op->out_shape);
        free(op->name);
        free(op->inputs);
        free(op->controls);
        free(op->device);
        free(op->colocate);
        op->tag = TACT_TAG_DEAD;
        free(op);
    }
    free(g->ops);
    free(g->variables);
    tact__graph_scopes_free(g->scopes);
    tact__var_scopes_free(g->var_scopes);
    tact__strmap_fini(&g->by_name);
    tact__strmap_fini(&g->names_in_use);
    pthread_mutex_destroy(&g->lock);
    g->tag = TACT_TAG_DEAD;
    free(g);
}

void tact__graph_ref(tact_graph_t *g)
{
    TACT_ASSERT(g != NULL && g->tag == TACT_TAG_GRAPH);
    atomic_fetch_add_explicit(&g->refs, 1, memory_order_relaxed);
}

void tact__graph_unref(tact_graph_t *g)
{
    TACT_ASSERT(g != NULL && g->tag == TACT_TAG_GRAPH);
    if (atomic_fetch_sub_explicit(&g->refs, 1, memory_order_acq_rel) == 1)
        graph_free(g);
}

void tact_graph_destroy(tact_graph_t **g_p)
{
    if (g_p == NULL || *g_p == NULL)
        return;
    tact__graph_unref(*g_p);
    *g_p = NULL;
}

const tact_status_t *tact_graph_status(tact_graph_t *g)
{
    g = tact__graph_or_default(g);
    return &g->status;  /* written once, under the lock, before any reader can see an error */
}

int tact_graph_num_ops(tact_graph_t *g)
{
    g = tact__graph_or_default(g);
    pthread_mutex_lock(&g->lock);
    int n = g->n_ops;
    pthread_mutex_unlock(&g->lock);
    return n;
}

tact_op_t *tact_graph_op(tact_graph_t *g, const char *name)
{
    g = tact__graph_or_default(g);
    TACT_ASSERT(name != NULL);
    pthread_mutex_lock(&g->lock);
    tact_op_t *op = tact__strmap_get(&g->by_name, name);
    pthread_mutex_unlock(&g->lock);
    return op;
}

tact_output_t tact_graph_output(tact_graph_t *g, const char *name, tact_status_t *st)
{
    tact_output_t none = { NULL, -1 };
    if (tact__failed(st))
        return none;
    g = tact__graph_or_default(g);
    TACT_ASSERT(name != NULL);

    long index = 0;
    const char *colon = strrchr(name, ':');
    size_t n = colon ? (size_t) (colon - name) : strlen(name);
    if (colon) {
        char *end = NULL;
        errno = 0;
        index = strtol(colon + 1, &end, 10);
        if (!isdigit((unsigned char) colon[1]) || *end != '\0' || errno || index < 0 || index > INT_MAX || n == 0) {
            tact__fail(st, TACT_CODE_INVALID_ARGUMENT,
                       "The name '%s' looks a like a Tensor name, but is not a valid one. "
                       "Tensor names must be of the form \"<op_name>:<output_index>\".", name);
            return none;
        }
    }
    char *op_name = tact__malloc(n + 1);  /* names have no length limit */
    memcpy(op_name, name, n);
    op_name[n] = '\0';
    tact_op_t *op = tact_graph_op(g, op_name);
    if (op == NULL) {
        tact__fail(st, TACT_CODE_NOT_FOUND,
                   "The name '%s' refers to a Tensor which does not exist. "
                   "The operation, '%s', does not exist in the graph.", name, op_name);
    } else if (index >= op->n_outputs) {
        tact__fail(st, TACT_CODE_INVALID_ARGUMENT,
                   "The name '%s' refers to a Tensor which does not exist. "
                   "The operation, '%s', exists but only has %d outputs.", name, op_name,
                   op->n_outputs);
        op = NULL;
    }
    free(op_name);
    return op ? (tact_output_t) { op, (int) index } : none;
}

/* ------------------------------------------------------------------------------------------ */
/* Ops                                                                                        */
/* ------------------------------------------------------------------------------------------ */

static const tact_op_t *op_checked(const tact_op_t *op)
{
    TACT_ASSERT(op != NULL && op->tag == TACT_TAG_OP);
    return op;
}

const char *tact_op_name(const tact_op_t *op)
{
    return op_checked(op)->name;
}

const char *tact_op_type(const tact_op_t *op)
{
    return tact__op_kind_type(op_checked(op)->kind);
}

tact_graph_t *tact_op_graph(const tact_op_t *op)
{
    return op_checked(op)->graph;
}

int tact_op_num_outputs(const tact_op_t *op)
{
    return op_checked(op)->n_outputs;
}

int tact_op_num_inputs(const tact_op_t *op)
{
    return op_checked(op)->n_inputs;
}

tact_output_t tact_op_input(const tact_op_t *op, int i)
{
    TACT_ASSERT(i >= 0 && i < op_checked(op)->n_inputs);
    return op->inputs[i];
}

static const tact_op_t *output_checked(tact_output_t out)
{
    TACT_ASSERT(out.index >= 0 && out.index < op_checked(out.op)->n_outputs);
    return out.op;
}

tact_dtype_t tact_output_dtype(tact_output_t out)
{
    return output_checked(out)->out_dtype[out.index];
}

int tact_output_ndims(tact_output_t out)
{
    return output_checked(out)->out_shape[out.index].ndims;
}

int64_t tact_output_dim(tact_output_t out, int i)
{
    const tact_shape_t *s = &output_checked(out)->out_shape[out.index];
    TACT_ASSERT(i >= 0 && i < s->ndims);
    return s->dims[i];
}

void tact__graph_add_variable(tact_graph_t *g, tact_op_t *var)
{
    pthread_mutex_lock(&g->lock);
    if (g->n_variables == g->cap_variables) {
        g->cap_variables = g->cap_variables ? 2 * g->cap_variables : 8;
        g->variables = tact__realloc(g->variables,
                                     (size_t) g->cap_variables * sizeof *g->variables);
    }
    g->variables[g->n_variables++] = var;
    pthread_mutex_unlock(&g->lock);
}

char *tact__output_name(tact_output_t out, char *buf, size_t len)
{
    snprintf(buf, len, "%s:%d", out.op ? out.op->name : "<empty>", out.index);
    return buf;
}

size_t tact_output_format(tact_output_t out, char *buf, size_t len)
{
    if (out.op == NULL)
        return (size_t) snprintf(buf, len, "Tensor(<empty>)");
    const tact_op_t *op = output_checked(out);
    /* Python's Tensor.__repr__: no shape for an unknown rank, the device when there is one. */
    char shape[180] = "";
    if (op->out_shape[out.index].ndims >= 0) {
        memcpy(shape, " shape=", 8);
        tact__shape_tuple_str(&op->out_shape[out.index], shape + 7, sizeof shape - 7);
        strcat(shape, ",");
    }
    return (size_t) snprintf(buf, len, "Tensor(\"%s:%d\",%s dtype=%s%s%s)", op->name, out.index,
                             shape, tact_dtype_name(op->out_dtype[out.index]),
                             op->device ? ", device=" : "", op->device ? op->device : "");
}

/* ------------------------------------------------------------------------------------------ */
/* Adding ops                                                                                 */
/* ------------------------------------------------------------------------------------------ */

/* TensorFlow's op-name rule: [A-Za-z0-9.][A-Za-z0-9_.\-/>]* */
bool tact__graph_valid_name(const char *name)
{
    static const char more[] = "_.-/>";
    if (name[0] == '\0' || !(isalnum((unsigned char) name[0]) || name[0] == '.'))
        return false;
    for (const char *p = name + 1; *p; p++) {
        if (!isalnum((unsigned char) *p) && strchr(more, *p) == NULL)
            return false;
    }
    return true;
}

/* A lower-case copy of `s`. Caller frees. */
static char *graph_lower(const char *s)
{
    char *out = tact__strdup(s);
    for (char *p = out; *p; p++)
        *p = (char) tolower((unsigned char) *p);
    return out;
}

/* Graph.unique_name: "N" first, then "N_1", "N_2"... skipping keys already taken,
 * case-insensitively; the caller's capitalisation is kept. Called with the lock held. */
char *tact__graph_unique_name(tact_graph_t *g, const char *name)
{
    char *base = graph_lower(name);
    intptr_t i = (intptr_t) tact__strmap_get(&g->names_in_use, base);
    tact__strmap_put(&g->names_in_use, base, (void *) (i + 1));
    if (i == 0) {
        free(base);
        return tact__strdup(name);
    }
    char *key = NULL;
    do {
        free(key);
        key = tact__asprintf("%s_%" PRIdPTR, base, i++);
    } while (tact__strmap_contains(&g->names_in_use, key));
    tact__strmap_put(&g->names_in_use, key, (void *) 1);
    free(key);
    free(base);
    return tact__asprintf("%s_%" PRIdPTR, name, i - 1);
}

void tact__graph_record_error(tact_graph_t *g, const tact_status_t *err, tact_status_t *st)
{
    g = tact__graph_or_default(g);
    pthread_mutex_lock(&g->lock);
    tact__status_merge(&g->status, err);
    pthread_mutex_unlock(&g->lock);
    tact__status_merge(st, err);
}

/* Record the first builder error on the graph too. Called with the lock held. */
static tact_op_t *graph_fail(tact_graph_t *g, tact_status_t *st, const tact_status_t *err)
{
    tact__status_merge(&g->status, err);
    tact__status_merge(st, err);
    return NULL;
}

tact_op_t *tact__graph_add_op(tact_graph_t *g, tact_op_kind_t kind, const char *name,
                              const tact_output_t *inputs, int n_inputs,
                              tact_op_t *const *controls, int n_controls,
                              const tact_op_attrs_t *attrs, tact_status_t *st)
{
    if (tact__failed(st))
        return NULL;
    g = tact__graph_or_default(g);
    tact_status_t err = TACT_STATUS_INIT;
    const char *type = tact__op_kind_type(kind);

    pthread_mutex_lock(&g->lock);
    for (int i = 0; i < n_inputs; i++) {
        if (inputs[i].op == NULL) {
            /* A failed builder upstream: pass its error on (or say which input is empty). */
            if (g->status.code != TACT_CODE_OK)
                err = g->status;
            else
                tact__fail(&err, TACT_CODE_INVALID_ARGUMENT, "%s: input %d is empty", type, i);
            tact__status_merge(st, &err);
            pthread_mutex_unlock(&g->lock);
            return NULL;
        }
        TACT_ASSERT(inputs[i].op->tag == TACT_TAG_OP);
        if (inputs[i].op->graph != g || inputs[i].index < 0 ||
            inputs[i].index >= inputs[i].op->n_outputs) {
            char a[300];
            bool index_ok = inputs[i].index >= 0 && inputs[i].index < inputs[i].op->n_outputs;
            if (index_ok)  /* TensorFlow's Tensor("b:0", shape=..., dtype=...) form */
                tact_output_format(inputs[i], a, sizeof a);
            else
                tact__output_name(inputs[i], a, sizeof a);
            if (inputs[i].op->graph != g)
                tact__fail(&err, TACT_CODE_INVALID_ARGUMENT,
                           "%s: %s must be from the same graph as the op being built", type, a);
            else
                tact__fail(&err, TACT_CODE_INVALID_ARGUMENT,
                           "%s: input %d refers to output %d of '%s', which has %d outputs",
                           type, i, inputs[i].index, inputs[i].op->name, inputs[i].op->n_outputs);
            tact_op_t *r = graph_fail(g, st, &err);
            pthread_mutex_unlock(&g->lock);
            return r;
        }
    }
    for (int i = 0; i < n_controls; i++) {
        TACT_ASSERT(controls[i] != NULL && controls[i]->tag == TACT_TAG_OP);
        if (controls[i]->graph != g) {
            tact__fail(&err, TACT_CODE_INVALID_ARGUMENT,
                       "%s: control input '%s' must be from the same graph", type,
                       controls[i]->name);
            tact_op_t *r = graph_fail(g, st, &err);
            pthread_mutex_unlock(&g->lock);
            return r;
        }
    }
    if (name == NULL)
        name = tact__op_kind_default_name(kind);
    if (!tact__graph_valid_name(name)) {
        tact__fail(&err, TACT_CODE_INVALID_ARGUMENT, "'%.200s' is not a valid node name", name);
        tact_op_t *r = graph_fail(g, st, &err);
        pthread_mutex_unlock(&g->lock);
        return r;
    }
    char *op_name;
    if (name[strlen(name) - 1] == '/') {
        /* A scope's name ("v/"): the op takes it as it is, outside the name scopes and without
         * uniquing, as TensorFlow's create_op does (tf.Variable names its op so). */
        op_name = tact__strdup(name);
        op_name[strlen(op_name) - 1] = '\0';
        if (tact__strmap_contains(&g->by_name, op_name)) {
            tact__fail(&err, TACT_CODE_INVALID_ARGUMENT, "Duplicate node name in graph: '%s'",
                       op_name);
            free(op_name);
            tact_op_t *r = graph_fail(g, st, &err);
            pthread_mutex_unlock(&g->lock);
            return r;
        }
        char *key = graph_lower(op_name);
        if (!tact__strmap_contains(&g->names_in_use, key))  /* later ops uniquify against it */
            tact__strmap_put(&g->names_in_use, key, (void *) 1);
        free(key);
    } else {
        char *full = tact__name_scope_apply(g, name);  /* "scope/name" inside name scopes */
        op_name = tact__graph_unique_name(g, full);
        free(full);
    }

    tact_op_t *op = tact__malloc(sizeof *op);
    op->tag = TACT_TAG_OP;
    op->kind = kind;
    op->graph = g;
    op->attrs = *attrs;
    op->name = op_name;

    /* Scratch for the inputs' dtypes and shapes: on the stack for most ops, on the heap for a
     * SaveV2 of many tensors. */
    tact_dtype_t in_dtypes_local[TACT_MAX_OUTPUTS + 1];
    tact_shape_t in_shapes_local[TACT_MAX_OUTPUTS + 1];
    bool big = n_inputs > TACT_MAX_OUTPUTS + 1;
    tact_dtype_t *in_dtypes = big ? tact__malloc((size_t) n_inputs * sizeof *in_dtypes)
                                  : in_dtypes_local;
    tact_shape_t *in_shapes = big ? tact__malloc((size_t) n_inputs * sizeof *in_shapes)
                                  : in_shapes_local;
    /* A Const input's value is known now (TensorFlow's input_tensor): shape functions that
     * read values (Reshape's shape, Slice's begin) use it. */
    const tact_tensor_t *in_values_local[TACT_MAX_OUTPUTS + 1];
    const tact_tensor_t **in_values = big ? tact__malloc((size_t) n_inputs * sizeof *in_values)
                                          : in_values_local;
    for (int i = 0; i < n_inputs; i++) {
        in_dtypes[i] = inputs[i].op->out_dtype[inputs[i].index];
        in_shapes[i] = inputs[i].op->out_shape[inputs[i].index];
        in_values[i] = inputs[i].op->kind == TACT_OP_CONST ? inputs[i].op->attrs.value : NULL;
    }
    op->n_outputs = tact__op_num_outputs(kind, attrs);
    TACT_ASSERT(op->n_outputs >= 0);
    size_t n_out = op->n_outputs > 0 ? (size_t) op->n_outputs : 1;
    op->out_dtype = tact__malloc(n_out * sizeof *op->out_dtype);
    op->out_shape = tact__malloc(n_out * sizeof *op->out_shape);
    tact_code_t rc = tact__op_infer_values(kind, attrs, op->name, n_inputs, in_dtypes,
                                           in_shapes, in_values, TACT_INFER_BUILD,
                                           &op->out_dtype[0], &op->out_shape[0], &err);
    if (big) {
        free(in_dtypes);
        free(in_shapes);
        free(in_values);
    }
    if (rc != TACT_CODE_OK) {
        op->attrs.value = NULL;  /* stays with the caller on failure */
        free(op->out_dtype);
        free(op->out_shape);
        free(op->name);
        free(op);
        tact_op_t *r = graph_fail(g, st, &err);
        pthread_mutex_unlock(&g->lock);
        return r;
    }
    /* The op's own copies of its list and string attributes. */
    if (attrs->dtypes != NULL && attrs->n_list > 0) {
        op->attrs.dtypes = tact__malloc((size_t) attrs->n_list * sizeof *attrs->dtypes);
        memcpy(op->attrs.dtypes, attrs->dtypes, (size_t) attrs->n_list * sizeof *attrs->dtypes);
    } else {
        op->attrs.dtypes = NULL;
    }
    op->attrs.text = attrs->text != NULL ? tact__strdup(attrs->text) : NULL;
    op->attrs.container = attrs->container != NULL ? tact__strdup(attrs->container) : NULL;
    op->attrs.resource = kind == TACT_OP_VAR_HANDLE ? graph_var_resource(g, op) : NULL;

    op->n_inputs = n_inputs;
    op->inputs = tact__malloc((size_t) n_inputs * sizeof *op->inputs);
    if (n_inputs > 0)
        memcpy(op->inputs, inputs, (size_t) n_inputs * sizeof *op->inputs);
    /* The given control inputs, then those of the calling thread's control_dependencies. */
    int cap_controls = n_controls;
    op->n_controls = n_controls;
    op->controls = tact__malloc((size_t) (n_controls ? n_controls : 1) * sizeof *op->controls);
    if (n_controls > 0)
        memcpy(op->controls, controls, (size_t) n_controls * sizeof *op->controls);
    tact__control_scope_collect(g, inputs, n_inputs, &op->controls, &op->n_controls,
                                &cap_controls);
    op->device = tact__device_scope_current(g);  /* the calling thread's device scopes */
    const char *colocated_device;
    op->colocate = tact__colocate_scope_groups(g, &op->n_colocate, &colocated_device);
    if (colocated_device != NULL) {  /* colocate_with: the op goes where its group's op is */
        free(op->device);
        op->device = tact__strdup(colocated_device);
    }

    if (g->n_ops == g->cap_ops) {
        g->cap_ops = g->cap_ops ? g->cap_ops * 2 : 16;
        g->ops = tact__realloc(g->ops, (size_t) g->cap_ops * sizeof *g->ops);
    }
    op->id = g->n_ops;
    g->ops[g->n_ops++] = op;
    atomic_store_explicit(&g->n_ops_published, g->n_ops, memory_order_release);
    tact__strmap_put(&g->by_name, op->name, op);
    tact__control_scope_seen(g, op);
    pthread_mutex_unlock(&g->lock);
    return op;
}
