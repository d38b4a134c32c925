/* SPDX-License-Identifier: MIT */
/* The `with` blocks of graph building, per (graph, thread): the generic stacks that hold them,
 * and three of their kinds, TensorFlow's name_scope, control_dependencies and colocate_with
 * (device scopes are device_spec.c's). A thread's stacks live in the graph under its lock, so
 * that threads building one graph see only their own scopes and the graph frees them; a
 * thread's record leaves when all its stacks are empty again. Not for naming rules themselves
 * (graph.c uniques names) nor for placement (sched.c reads what ops record here). */
#include "runtime/graph/graph_scopes.h"
#include "runtime/graph/graph_impl.h"

/* ------------------------------------------------------------------------------------------ */
/* The container                                                                              */
/* ------------------------------------------------------------------------------------------ */

typedef struct scope_stack {
    int depth;
    int cap;
    size_t size;                  /* bytes per level */
    void (*fini)(void *level);
    unsigned char *levels;
} scope_stack_t;

/* One thread's stacks on one graph. */
typedef struct scope_thread {
    uint64_t thread;              /* scope_thread_id() of its thread */
    scope_stack_t stack[TACT_SCOPE_KINDS];
} scope_thread_t;

struct tact_graph_scopes {
    int n;
    int cap;
    scope_thread_t *threads;
};

/* A process-unique id for the calling thread. Not pthread_self(): the id of a thread that has
 * exited may be reused, and a new thread must not inherit scopes a dead one left pushed. */
static _Atomic uint64_t scope_next_thread = 1;
static _Thread_local uint64_t scope_thread;

static uint64_t scope_thread_id(void)
{
    if (scope_thread == 0)
        scope_thread = atomic_fetch_add_explicit(&scope_next_thread, 1, memory_order_relaxed);
    return scope_thread;
}

/* The calling thread's record on `g`, or NULL (made when `create`). */
static scope_thread_t *scope_find(tact_graph_t *g, bool create)
{
    struct tact_graph_scopes *sc = g->scopes;
    if (!create && (sc == NULL || sc->n == 0))
        return NULL;  /* the common case, no thread inside a scope: skip the thread id */
    uint64_t me = scope_thread_id();
    for (int i = 0; sc != NULL && i < sc->n; i++) {
        if (sc->threads[i].thread == me)
            return &sc->threads[i];
    }
    if (!create)
        return NULL;
    if (sc == NULL)
        sc = g->scopes = tact__malloc(sizeof *sc);
    if (sc->n == sc->cap) {
        sc->cap = sc->cap ? 2 * sc->cap : 4;
        sc->threads = tact__realloc(sc->threads, (size_t) sc->cap * sizeof *sc->threads);
    }
    scope_thread_t *t = &sc->threads[sc->n++];
    *t = (scope_thread_t) { .thread = me };
    return t;
}

void *tact__scope_top(tact_graph_t *g, tact_scope_kind_t kind)
{
    scope_thread_t *t = scope_find(g, false);
    if (t == NULL || t->stack[kind].depth == 0)
        return NULL;
    scope_stack_t *s = &t->stack[kind];
    return s->levels + (size_t) (s->depth - 1) * s->size;
}

int tact__scope_depth(tact_graph_t *g, tact_scope_kind_t kind)
{
    scope_thread_t *t = scope_find(g, false);
    return t != NULL ? t->stack[kind].depth : 0;
}

void *tact__scope_level(tact_graph_t *g, tact_scope_kind_t kind, int i)
{
    scope_thread_t *t = scope_find(g, false);
    TACT_ASSERT(t != NULL && i >= 0 && i < t->stack[kind].depth);
    return t->stack[kind].levels + (size_t) i * t->stack[kind].size;
}

void *tact__scope_push(tact_graph_t *g, tact_scope_kind_t kind, size_t size,
                       void (*fini)(void *level))
{
    scope_stack_t *s = &scope_find(g, true)->stack[kind];
    TACT_ASSERT(s->depth == 0 || s->size == size);
    s->size = size;
    s->fini = fini;
    if (s->depth == s->cap) {
        s->cap = s->cap ? 2 * s->cap : 4;
        s->levels = tact__realloc(s->levels, (size_t) s->cap * size);
    }
    void *level = s->levels + (size_t) s->depth++ * size;
    memset(level, 0, size);
    return level;
}

static void scope_stack_fini(scope_stack_t *s)
{
    for (int i = 0; i < s->depth; i++) {
        if (s->fini != NULL)
            s->fini(s->levels + (size_t) i * s->size);
    }
    free(s->levels);
}

tact_code_t tact__scope_pop(tact_graph_t *g, tact_scope_kind_t kind)
{
    scope_thread_t *t = scope_find(g, false);
    if (t == NULL || t->stack[kind].depth == 0)
        return TACT_CODE_FAILED_PRECONDITION;
    scope_stack_t *s = &t->stack[kind];
    s->depth--;
    if (s->fini != NULL)
        s->fini(s->levels + (size_t) s->depth * s->size);
    for (int k = 0; k < TACT_SCOPE_KINDS; k++) {
        if (t->stack[k].depth > 0)
            return TACT_CODE_OK;
    }
    for (int k = 0; k < TACT_SCOPE_KINDS; k++)
        free(t->stack[k].levels);
    struct tact_graph_scopes *sc = g->scopes;
    *t = sc->threads[--sc->n];  /* order among threads does not matter */
    return TACT_CODE_OK;
}

void tact__graph_scopes_free(struct tact_graph_scopes *scopes)
{
    if (scopes == NULL)
        return;
    for (int i = 0; i < scopes->n; i++) {
        for (int k = 0; k < TACT_SCOPE_KINDS; k++)
            scope_stack_fini(&scopes->threads[i].stack[k]);
    }
    free(scopes->threads);
    free(scopes);
}

/* A failed push: the error is the graph's too, as a builder's is. */
static tact_code_t scope_fail(tact_graph_t *g, tact_status_t *st, const char *fmt, ...)
    TACT__PRINTF(3, 4);

static tact_code_t scope_fail(tact_graph_t *g, tact_status_t *st, const char *fmt, ...)
{
    tact_status_t err = { .code = TACT_CODE_INVALID_ARGUMENT };
    va_list ap;
    va_start(ap, fmt);
    tact__msg_vformat(err.msg, sizeof err.msg, fmt, ap);
    va_end(ap);
    tact__graph_record_error(g, &err, st);
    return err.code;
}

static tact_code_t scope_pop(tact_graph_t *g, tact_scope_kind_t kind)
{
    g = tact__graph_or_default(g);
    pthread_mutex_lock(&g->lock);
    tact_code_t rc = tact__scope_pop(g, kind);
    pthread_mutex_unlock(&g->lock);
    return rc;
}

/* ------------------------------------------------------------------------------------------ */
/* Name scopes                                                                                */
/* ------------------------------------------------------------------------------------------ */

/* The full scope ("outer/inner", "" at the root), as Graph._name_stack holds it. */
typedef struct name_level {
    char *prefix;
} name_level_t;

static void name_level_fini(void *level)
{
    free(((name_level_t *) level)->prefix);
}

static const char *name_scope_current(tact_graph_t *g)
{
    const name_level_t *top = tact__scope_top(g, TACT_SCOPE_NAME);
    return top != NULL ? top->prefix : "";
}

/* TensorFlow's _VALID_SCOPE_NAME_REGEX, [A-Za-z0-9_.\-/>]*, and at the root its op-name rule,
 * which also wants the first character in [A-Za-z0-9.]. */
static bool name_scope_valid(const char *name, bool root)
{
    if (root && !(isalnum((unsigned char) name[0]) || name[0] == '.'))
        return false;
    for (const char *p = name; *p; p++) {
        if (!isalnum((unsigned char) *p) && strchr("_.-/>", *p) == NULL)
            return false;
    }
    return true;
}

tact_code_t tact_graph_push_name_scope(tact_graph_t *g, const char *name, tact_status_t *st)
{
    if (tact__failed(st))
        return st->code;
    g = tact__graph_or_default(g);
    pthread_mutex_lock(&g->lock);
    const char *current = name_scope_current(g);
    char *prefix;
    if (name == NULL || name[0] == '\0') {
        prefix = tact__strdup("");  /* name_scope(None): back to the root */
    } else if (!name_scope_valid(name, current[0] == '\0')) {
        pthread_mutex_unlock(&g->lock);
        return scope_fail(g, st, "'%.255s' is not a valid scope name", name);
    } else if (name[strlen(name) - 1] == '/') {
        prefix = tact__strdup(name);  /* "scope/" re-enters that scope as it is */
        prefix[strlen(prefix) - 1] = '\0';
    } else {
        size_t n = strlen(current) + 1 + strlen(name) + 1;
        char *full = tact__malloc(n);
        snprintf(full, n, "%s%s%s", current, current[0] ? "/" : "", name);
        prefix = tact__graph_unique_name(g, full);  /* "scope", then "scope_1" */
        free(full);
    }
    name_level_t *level = tact__scope_push(g, TACT_SCOPE_NAME, sizeof *level, name_level_fini);
    level->prefix = prefix;
    pthread_mutex_unlock(&g->lock);
    return TACT_CODE_OK;
}

void tact__name_scope_push_same(tact_graph_t *g)
{
    pthread_mutex_lock(&g->lock);
    char *prefix = tact__strdup(name_scope_current(g));
    name_level_t *level = tact__scope_push(g, TACT_SCOPE_NAME, sizeof *level, name_level_fini);
    level->prefix = prefix;
    pthread_mutex_unlock(&g->lock);
}

tact_code_t tact_graph_pop_name_scope(tact_graph_t *g)
{
    return scope_pop(g, TACT_SCOPE_NAME);
}

char *tact__name_scope_apply(tact_graph_t *g, const char *name)
{
    const char *current = name_scope_current(g);
    if (current[0] == '\0')
        return tact__strdup(name);
    size_t n = strlen(current) + 1 + strlen(name) + 1;
    char *full = tact__malloc(n);
    snprintf(full, n, "%s/%s", current, name);
    return full;
}

/* ------------------------------------------------------------------------------------------ */
/* Control dependencies                                                                       */
/* ------------------------------------------------------------------------------------------ */

typedef struct control_level {
    bool clear;                   /* control_dependencies(None): hides the levels below */
    int n_ops;
    tact_op_t **ops;              /* the control inputs this level adds */
    int n_seen;
    int cap_seen;
    tact_op_t **seen;             /* ops this thread built while the level was in force */
} control_level_t;

static void control_level_fini(void *level)
{
    control_level_t *c = level;
    free(c->ops);
    free(c->seen);
}

tact_code_t tact_graph_push_control_dependencies(tact_graph_t *g, tact_op_t *const *ops, int n,
                                                 tact_status_t *st)
{
    if (tact__failed(st))
        return st->code;
    g = tact__graph_or_default(g);
    TACT_ASSERT(n >= 0 && (n == 0 || ops != NULL));
    for (int i = 0; i < n; i++) {
        TACT_ASSERT(ops[i] != NULL && ops[i]->tag == TACT_TAG_OP);
        if (ops[i]->graph != g)
            return scope_fail(g, st, "control_dependencies: Operation '%.200s' is not an "
                              "element of this graph.", ops[i]->name);
    }
    pthread_mutex_lock(&g->lock);
    control_level_t *level = tact__scope_push(g, TACT_SCOPE_CONTROL, sizeof *level,
                                              control_level_fini);
    level->clear = n == 0;
    level->n_ops = n;
    level->ops = tact__malloc((size_t) (n ? n : 1) * sizeof *level->ops);
    if (n > 0)
        memcpy(level->ops, ops, (size_t) n * sizeof *ops);
    pthread_mutex_unlock(&g->lock);
    return TACT_CODE_OK;
}

tact_code_t tact_graph_pop_control_dependencies(tact_graph_t *g)
{
    return scope_pop(g, TACT_SCOPE_CONTROL);
}

/* The outermost level in force: the innermost clearing level hides every level below it. */
static int control_first_active(tact_graph_t *g, int depth)
{
    int first = 0;
    for (int i = depth - 1; i >= 0; i--) {
        if (((control_level_t *) tact__scope_level(g, TACT_SCOPE_CONTROL, i))->clear) {
            first = i + 1;
            break;
        }
    }
    return first;
}

static bool control_has(tact_op_t *const *ops, int n, const tact_op_t *op)
{
    for (int i = 0; i < n; i++) {
        if (ops[i] == op)
            return true;
    }
    return false;
}

void tact__control_scope_collect(tact_graph_t *g, const tact_output_t *inputs, int n_inputs,
                                 tact_op_t ***controls, int *n, int *cap)
{
    int depth = tact__scope_depth(g, TACT_SCOPE_CONTROL);
    for (int i = control_first_active(g, depth); i < depth; i++) {
        const control_level_t *c = tact__scope_level(g, TACT_SCOPE_CONTROL, i);
        bool dominated = false;  /* an input built inside this block already depends on it */
        for (int k = 0; k < n_inputs && !dominated; k++)
            dominated = control_has(c->seen, c->n_seen, inputs[k].op);
        for (int j = 0; j < c->n_ops && !dominated; j++) {
            bool is_input = false;
            for (int k = 0; k < n_inputs && !is_input; k++)
                is_input = inputs[k].op == c->ops[j];
            if (is_input || control_has(*controls, *n, c->ops[j]))
                continue;
            *controls = tact__grow_zeroed(*controls, cap, *n, sizeof **controls);
            (*controls)[(*n)++] = c->ops[j];
        }
    }
}

void tact__control_scope_seen(tact_graph_t *g, tact_op_t *op)
{
    int depth = tact__scope_depth(g, TACT_SCOPE_CONTROL);
    for (int i = control_first_active(g, depth); i < depth; i++) {
        control_level_t *c = tact__scope_level(g, TACT_SCOPE_CONTROL, i);
        c->seen = tact__grow_zeroed(c->seen, &c->cap_seen, c->n_seen, sizeof *c->seen);
        c->seen[c->n_seen++] = op;
    }
}

/* ------------------------------------------------------------------------------------------ */
/* Colocation                                                                                 */
/* ------------------------------------------------------------------------------------------ */

typedef struct colocate_level {
    tact_op_t *op;                /* NULL: colocate_with(None, ignore_existing=True) */
    bool ignore_existing;         /* hides the levels below */
} colocate_level_t;

tact_code_t tact_graph_push_colocate_with(tact_graph_t *g, tact_op_t *op, bool ignore_existing,
                                          tact_status_t *st)
{
    if (tact__failed(st))
        return st->code;
    g = tact__graph_or_default(g);
    if (op == NULL && !ignore_existing)
        return scope_fail(g, st, "Trying to reset colocation (op is None) but ignore_existing "
                          "is not True");
    TACT_ASSERT(op == NULL || op->tag == TACT_TAG_OP);
    if (op != NULL && op->graph != g)
        return scope_fail(g, st, "colocate_with: Operation '%.200s' is not an element of this "
                          "graph.", op->name);
    /* TensorFlow resets the device scopes too: colocation is the stronger constraint. */
    tact_graph_push_device(g, NULL, NULL);
    pthread_mutex_lock(&g->lock);
    colocate_level_t *level = tact__scope_push(g, TACT_SCOPE_COLOCATE, sizeof *level, NULL);
    level->op = op;
    level->ignore_existing = ignore_existing;
    pthread_mutex_unlock(&g->lock);
    return TACT_CODE_OK;
}

tact_code_t tact_graph_pop_colocate_with(tact_graph_t *g)
{
    g = tact__graph_or_default(g);
    tact_code_t rc = scope_pop(g, TACT_SCOPE_COLOCATE);
    if (rc == TACT_CODE_OK)
        tact_graph_pop_device(g);  /* the reset pushed with it */
    return rc;
}

tact_op_t **tact__colocate_scope_groups(tact_graph_t *g, int *n, const char **device)
{
    *n = 0;
    *device = NULL;
    int depth = tact__scope_depth(g, TACT_SCOPE_COLOCATE);
    tact_op_t **groups = NULL;
    int cap = 0;
    /* Innermost first, as TensorFlow's peek_objs: the first device found wins. */
    for (int i = depth - 1; i >= 0; i--) {
        const colocate_level_t *c = tact__scope_level(g, TACT_SCOPE_COLOCATE, i);
        if (c->op != NULL) {
            if (*device == NULL && c->op->device != NULL)
                *device = c->op->device;
            /* Its groups: those it was built with, else the one it names. */
            int k = c->op->n_colocate;
            tact_op_t *const *of = k > 0 ? c->op->colocate : (tact_op_t *const[]) { c->op };
            for (int j = 0; j < (k > 0 ? k : 1); j++) {
                if (control_has(groups, *n, of[j]))
                    continue;
                groups = tact__grow_zeroed(groups, &cap, *n, sizeof *groups);
                groups[(*n)++] = of[j];
            }
        }
        if (c->ignore_existing)
            break;
    }
    return groups;
}
