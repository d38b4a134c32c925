/* SPDX-License-Identifier: MIT */
/* Initial values and get_variable: the builders of <tact/ops.h> for fills and random ops
 * (with tf.get_seed's seed rules and the graph seed), the initializer values, tf.get_variable's
 * variable store and the variable scopes. A graph's store hangs off g->var_scopes, made on first
 * use and freed with the graph; the scope levels live on the graph's per-(graph, thread) scope
 * stacks (graph_scopes.c). Not for values:
 * the kernels (devices/cpu/kernels.c, runtime/base/philox.h) compute them, and the session's
 * resources keep each random op's stream position. */
#include "runtime/graph/graph_impl.h"
#include "runtime/graph/graph_scopes.h"

/* TensorFlow's DEFAULT_GRAPH_SEED, used when only an op seed is given. */
#define INIT_DEFAULT_GRAPH_SEED 87654321
#define INIT_MAXINT32           2147483647

static tact_output_t init_out(tact_op_t *op)
{
    return (tact_output_t) { op, op ? 0 : -1 };
}

static tact_output_t init_fail(tact_graph_t *g, tact_status_t *st, tact_code_t code,
                               const char *fmt, ...) TACT__PRINTF(4, 5);

/* Record a builder error on the graph and in `st`; returns an empty output. */
static tact_output_t init_fail(tact_graph_t *g, tact_status_t *st, tact_code_t code,
                               const char *fmt, ...)
{
    tact_status_t err = TACT_STATUS_INIT;
    err.code = code;
    va_list ap;
    va_start(ap, fmt);
    tact__msg_vformat(err.msg, sizeof err.msg, fmt, ap);
    va_end(ap);
    tact__graph_record_error(g, &err, st);
    return init_out(NULL);
}

/* dims[0..ndims) into `shape`, every size known: false (with `err`) otherwise. `what` names
 * the op in messages. */
static bool init_fixed_shape(tact_shape_t *shape, const int64_t *dims, int ndims, bool fill,
                             const char *what, tact_status_t *err)
{
    if (ndims < 0 || ndims > TACT_MAX_DIMS || (ndims > 0 && dims == NULL)) {
        tact__fail(err, TACT_CODE_INVALID_ARGUMENT, "%s: invalid rank %d (at most %d dims)",
                   what, ndims, TACT_MAX_DIMS);
        return false;
    }
    shape->ndims = ndims;
    for (int i = 0; i < ndims; i++) {
        if (dims[i] < 0) {
            if (fill)
                tact__fail(err, TACT_CODE_INVALID_ARGUMENT, "%s: Fill dimensions must be >= 0",
                           what);
            else
                tact__fail(err, TACT_CODE_INVALID_ARGUMENT,
                           "%s: Dimension %" PRId64 " must be >= 0", what, dims[i]);
            return false;
        }
        shape->dims[i] = dims[i];
    }
    return true;
}

/* ------------------------------------------------------------------------------------------ */
/* Fills                                                                                      */
/* ------------------------------------------------------------------------------------------ */

/* `value` as one element of `dtype` into out (8 bytes of room). Integers must be whole and in
 * range (a C conversion outside it is undefined). */
static bool init_convert(double value, tact_dtype_t dtype, void *out, const char *what,
                         tact_status_t *err)
{
    switch (dtype) {
    case TACT_DTYPE_F32: {
        float f = (float) value;
        memcpy(out, &f, sizeof f);
        return true;
    }
    case TACT_DTYPE_F64:
        memcpy(out, &value, sizeof value);
        return true;
    case TACT_DTYPE_I32:
        if (value == trunc(value) && value >= -2147483648.0 && value <= 2147483647.0) {
            int32_t i = (int32_t) value;
            memcpy(out, &i, sizeof i);
            return true;
        }
        break;
    case TACT_DTYPE_I64:
        if (value == trunc(value) && value >= -9223372036854775808.0 &&
            value < 9223372036854775808.0) {
            int64_t i = (int64_t) value;
            memcpy(out, &i, sizeof i);
            return true;
        }
        break;
    case TACT_DTYPE_BOOL: {
        bool b = value != 0.0;
        memcpy(out, &b, sizeof b);
        return true;
    }
    default:
        if (!tact__dtype_valid(dtype))
            tact__fail(err, TACT_CODE_INVALID_ARGUMENT, "%s: invalid dtype %d", what, (int) dtype);
        else
            tact__fail(err, TACT_CODE_INVALID_ARGUMENT, "%s: dtype %s is not supported", what,
                       tact_dtype_name(dtype));
        return false;
    }
    tact__fail(err, TACT_CODE_INVALID_ARGUMENT, "%s: value %.17g is not representable as %s",
               what, value, tact_dtype_name(dtype));
    return false;
}

tact_output_t tact_fill(tact_graph_t *g, tact_dtype_t dtype, const int64_t *dims, int ndims,
                        double value, const char *name, tact_status_t *st)
{
    if (tact__failed(st))
        return init_out(NULL);
    g = tact__graph_or_default(g);
    tact_status_t err = TACT_STATUS_INIT;
    tact_op_attrs_t attrs = { 0 };
    unsigned char bytes[8];
    if (!init_fixed_shape(&attrs.shape, dims, ndims, true, "Fill", &err) ||
        !init_convert(value, dtype, bytes, "Fill", &err)) {
        tact__graph_record_error(g, &err, st);
        return init_out(NULL);
    }
    attrs.value = tact__tensor_alloc(dtype, NULL, 0);
    memcpy(attrs.value->data, bytes, tact_dtype_size(dtype));
    tact_op_t *op = tact__graph_add_op(g, TACT_OP_FILL, name, NULL, 0, NULL, 0, &attrs, st);
    if (op == NULL)
        tact_tensor_destroy(&attrs.value);
    return init_out(op);
}

tact_output_t tact_zeros(tact_graph_t *g, tact_dtype_t dtype, const int64_t *dims, int ndims,
                         const char *name, tact_status_t *st)
{
    return tact_fill(g, dtype, dims, ndims, 0.0, name ? name : "zeros", st);
}

tact_output_t tact_ones(tact_graph_t *g, tact_dtype_t dtype, const int64_t *dims, int ndims,
                        const char *name, tact_status_t *st)
{
    return tact_fill(g, dtype, dims, ndims, 1.0, name ? name : "ones", st);
}

/* ------------------------------------------------------------------------------------------ */
/* Random ops                                                                                 */
/* ------------------------------------------------------------------------------------------ */

void tact_set_random_seed(tact_graph_t *g, int64_t seed)
{
    g = tact__graph_or_default(g);
    pthread_mutex_lock(&g->lock);
    g->has_random_seed = seed >= 0;
    g->random_seed = seed >= 0 ? seed : 0;
    pthread_mutex_unlock(&g->lock);
}

/* Python's seed % 2**31 for a non-negative seed. */
static int64_t init_truncate_seed(int64_t seed)
{
    return seed % ((int64_t) INIT_MAXINT32 + 1);
}

/* tf.get_seed: the (seed, seed2) attributes of a random op built now with op seed `op_seed`
 * (negative: none). Both 0 means "no seed": the kernel then draws fresh ones. */
static void init_get_seed(tact_graph_t *g, int64_t op_seed, int64_t *seed, int64_t *seed2)
{
    pthread_mutex_lock(&g->lock);
    bool has_graph_seed = g->has_random_seed;
    int64_t graph_seed = g->random_seed;
    int64_t last_id = g->n_ops;  /* Graph._last_id: the ops made so far */
    pthread_mutex_unlock(&g->lock);
    if (has_graph_seed) {
        *seed = init_truncate_seed(graph_seed);
        *seed2 = init_truncate_seed(op_seed >= 0 ? op_seed : last_id);
    } else if (op_seed >= 0) {
        *seed = INIT_DEFAULT_GRAPH_SEED;
        *seed2 = init_truncate_seed(op_seed);
    } else {
        *seed = *seed2 = 0;
        return;
    }
    if (*seed == 0 && *seed2 == 0)
        *seed2 = INIT_MAXINT32;  /* (0, 0) would mean "no seed" to the kernel */
}

static tact_output_t init_random(tact_graph_t *g, tact_op_kind_t kind, tact_dtype_t dtype,
                                 const int64_t *dims, int ndims, double a, double b,
                                 int64_t seed, const char *name, tact_status_t *st)
{
    if (tact__failed(st))
        return init_out(NULL);
    g = tact__graph_or_default(g);
    tact_status_t err = TACT_STATUS_INIT;
    tact_op_attrs_t attrs = { .dtype = dtype, .rand_a = a, .rand_b = b };
    if (!init_fixed_shape(&attrs.shape, dims, ndims, false, tact__op_kind_type(kind), &err)) {
        tact__graph_record_error(g, &err, st);
        return init_out(NULL);
    }
    init_get_seed(g, seed, &attrs.seed, &attrs.seed2);
    return init_out(tact__graph_add_op(g, kind, name, NULL, 0, NULL, 0, &attrs, st));
}

tact_output_t tact_random_uniform(tact_graph_t *g, tact_dtype_t dtype, const int64_t *dims,
                                  int ndims, double minval, double maxval, int64_t seed,
                                  const char *name, tact_status_t *st)
{
    return init_random(g, TACT_OP_RANDOM_UNIFORM, dtype, dims, ndims, minval, maxval, seed, name,
                       st);
}

tact_output_t tact_random_normal(tact_graph_t *g, tact_dtype_t dtype, const int64_t *dims,
                                 int ndims, double mean, double stddev, int64_t seed,
                                 const char *name, tact_status_t *st)
{
    return init_random(g, TACT_OP_RANDOM_NORMAL, dtype, dims, ndims, mean, stddev, seed, name,
                       st);
}

tact_output_t tact_truncated_normal(tact_graph_t *g, tact_dtype_t dtype, const int64_t *dims,
                                    int ndims, double mean, double stddev, int64_t seed,
                                    const char *name, tact_status_t *st)
{
    return init_random(g, TACT_OP_TRUNCATED_NORMAL, dtype, dims, ndims, mean, stddev, seed, name,
                       st);
}

/* ------------------------------------------------------------------------------------------ */
/* Initializers                                                                               */
/* ------------------------------------------------------------------------------------------ */

static const char *const init_kind_names[TACT_INITIALIZER_COUNT] = {
#define XX(kind, text) [TACT_INITIALIZER_##kind] = text,
    TACT_INITIALIZER_MAP(XX)
#undef XX
};

const char *tact_initializer_kind_name(tact_initializer_kind_t kind)
{
    return (unsigned) kind < (unsigned) TACT_INITIALIZER_COUNT ? init_kind_names[kind]
                                                               : "unknown";
}

tact_initializer_t tact_zeros_initializer(void)
{
    return (tact_initializer_t) { .kind = TACT_INITIALIZER_ZEROS, .seed = TACT_SEED_NONE };
}

tact_initializer_t tact_ones_initializer(void)
{
    return (tact_initializer_t) { .kind = TACT_INITIALIZER_ONES, .seed = TACT_SEED_NONE };
}

tact_initializer_t tact_constant_initializer(double value)
{
    return (tact_initializer_t) {
        .kind = TACT_INITIALIZER_CONSTANT, .value = value, .seed = TACT_SEED_NONE
    };
}

tact_initializer_t tact_random_uniform_initializer(double minval, double maxval, int64_t seed)
{
    return (tact_initializer_t) {
        .kind = TACT_INITIALIZER_RANDOM_UNIFORM, .minval = minval, .maxval = maxval, .seed = seed
    };
}

tact_initializer_t tact_random_normal_initializer(double mean, double stddev, int64_t seed)
{
    return (tact_initializer_t) {
        .kind = TACT_INITIALIZER_RANDOM_NORMAL, .mean = mean, .stddev = stddev, .seed = seed
    };
}

tact_initializer_t tact_truncated_normal_initializer(double mean, double stddev, int64_t seed)
{
    return (tact_initializer_t) {
        .kind = TACT_INITIALIZER_TRUNCATED_NORMAL, .mean = mean, .stddev = stddev, .seed = seed
    };
}

tact_initializer_t tact_glorot_uniform_initializer(int64_t seed)
{
    return (tact_initializer_t) { .kind = TACT_INITIALIZER_GLOROT_UNIFORM, .seed = seed };
}

tact_initializer_t tact_glorot_normal_initializer(int64_t seed)
{
    return (tact_initializer_t) { .kind = TACT_INITIALIZER_GLOROT_NORMAL, .seed = seed };
}

/* TensorFlow's _compute_fans. */
static void init_fans(const tact_shape_t *s, double *fan_in, double *fan_out)
{
    if (s->ndims < 1) {
        *fan_in = *fan_out = 1.0;
    } else if (s->ndims == 1) {
        *fan_in = *fan_out = (double) s->dims[0];
    } else {
        double receptive = 1.0;
        for (int i = 0; i < s->ndims - 2; i++)
            receptive *= (double) s->dims[i];
        *fan_in = (double) s->dims[s->ndims - 2] * receptive;
        *fan_out = (double) s->dims[s->ndims - 1] * receptive;
    }
}

/* VarianceScaling(scale=1.0, mode="fan_avg"): the variance 1 / max(1, (fan_in + fan_out) / 2). */
static double init_glorot_variance(const tact_shape_t *s)
{
    double fan_in, fan_out;
    init_fans(s, &fan_in, &fan_out);
    double avg = (fan_in + fan_out) / 2.0;
    return 1.0 / (avg > 1.0 ? avg : 1.0);
}

/* A Const of `shape` holding `value` in every element. */
static tact_output_t init_constant(tact_graph_t *g, tact_dtype_t dtype, const tact_shape_t *shape,
                                   double value, const char *name, tact_status_t *st)
{
    tact_status_t err = TACT_STATUS_INIT;
    unsigned char bytes[8];
    if (!init_convert(value, dtype, bytes, "Const", &err)) {
        tact__graph_record_error(g, &err, st);
        return init_out(NULL);
    }
    size_t esz = tact_dtype_size(dtype);
    int64_t n = tact__shape_nelems(shape);
    if (n < 0 || (uint64_t) n > (uint64_t) PTRDIFF_MAX / esz) {
        char text[160];
        return init_fail(g, st, TACT_CODE_INVALID_ARGUMENT,
                         "Const: shape %s has too many elements",
                         tact__shape_str(shape, text, sizeof text));
    }
    tact_tensor_t *t = tact__tensor_try_alloc(dtype, shape->dims, shape->ndims, NULL, NULL, &err);
    if (t == NULL) {
        tact__graph_record_error(g, &err, st);
        return init_out(NULL);
    }
    for (int64_t i = 0; i < n; i++)
        memcpy((char *) t->data + (size_t) i * esz, bytes, esz);
    tact_output_t out = tact_constant(g, t, name, st);
    tact_tensor_destroy(&t);
    return out;
}

/* "<scope>/<op>" into name, which holds strlen(scope) + INIT_OP_NAME_MAX bytes. */
#define INIT_OP_NAME_MAX 32
static void init_name(char *name, const char *scope, const char *op)
{
    sprintf(name, "%s/%s", scope, op);
}

/* The initial value `init` gives a variable of `dtype` and (fully known) `shape`, its ops
 * named under `scope` ("v/Initializer"). */
static tact_output_t init_value_named(tact_graph_t *g, char *name,
                                      const tact_initializer_t *init, tact_dtype_t dtype,
                                      const tact_shape_t *shape, const char *scope,
                                      tact_status_t *st)
{
    const int64_t *dims = shape->dims;
    int nd = shape->ndims;
    bool is_float = dtype == TACT_DTYPE_F32 || dtype == TACT_DTYPE_F64;
    switch (init->kind) {
    case TACT_INITIALIZER_ZEROS:
        init_name(name, scope, "zeros");
        if (dtype == TACT_DTYPE_STRING) {
            /* TensorFlow's zeros_initializer makes a Const of empty strings (Fill has no
             * string kernel here). */
            tact_tensor_t *t = tact__tensor_alloc(dtype, dims, nd);
            tact_output_t out = tact_constant(g, t, name, st);
            tact_tensor_destroy(&t);
            return out;
        }
        return tact_fill(g, dtype, dims, nd, 0.0, name, st);
    case TACT_INITIALIZER_ONES:
        init_name(name, scope, "ones");
        return tact_fill(g, dtype, dims, nd, 1.0, name, st);
    case TACT_INITIALIZER_CONSTANT:
        init_name(name, scope, "Const");
        return init_constant(g, dtype, shape, init->value, name, st);
    case TACT_INITIALIZER_RANDOM_UNIFORM:
        init_name(name, scope, "random_uniform");
        return tact_random_uniform(g, dtype, dims, nd, init->minval, init->maxval, init->seed,
                                   name, st);
    case TACT_INITIALIZER_RANDOM_NORMAL:
        init_name(name, scope, "random_normal");
        return tact_random_normal(g, dtype, dims, nd, init->mean, init->stddev, init->seed, name,
                                  st);
    case TACT_INITIALIZER_TRUNCATED_NORMAL:
        init_name(name, scope, "truncated_normal");
        return tact_truncated_normal(g, dtype, dims, nd, init->mean, init->stddev, init->seed,
                                     name, st);
    case TACT_INITIALIZER_GLOROT_UNIFORM:
    case TACT_INITIALIZER_GLOROT_NORMAL: {
        if (!is_float)
            return init_fail(g, st, TACT_CODE_INVALID_ARGUMENT,
                             "Expected floating point type, got %s.",
                             tact__dtype_valid(dtype) ? tact_dtype_name(dtype) : "invalid");
        double variance = init_glorot_variance(shape);
        if (init->kind == TACT_INITIALIZER_GLOROT_UNIFORM) {
            double limit = sqrt(3.0 * variance);
            init_name(name, scope, "random_uniform");
            return tact_random_uniform(g, dtype, dims, nd, -limit, limit, init->seed, name, st);
        }
        /* The standard deviation of a unit normal truncated to (-2, 2). */
        double stddev = sqrt(variance) / 0.87962566103423978;
        init_name(name, scope, "truncated_normal");
        return tact_truncated_normal(g, dtype, dims, nd, 0.0, stddev, init->seed, name, st);
    }
    default:
        return init_fail(g, st, TACT_CODE_INVALID_ARGUMENT, "get_variable: unknown initializer "
                         "kind %d", (int) init->kind);
    }
}

static tact_output_t init_value(tact_graph_t *g, const tact_initializer_t *init,
                                tact_dtype_t dtype, const tact_shape_t *shape, const char *scope,
                                tact_status_t *st)
{
    char *name = tact__malloc(strlen(scope) + INIT_OP_NAME_MAX);  /* no limit on names */
    tact_output_t out = init_value_named(g, name, init, dtype, shape, scope, st);
    free(name);
    return out;
}

/* ------------------------------------------------------------------------------------------ */
/* Variable scopes and the variable store                                                     */
/* ------------------------------------------------------------------------------------------ */

/* One `with tf.variable_scope(...)` level: its full name and whether it reuses, both already
 * combined with the levels below it. */
typedef struct var_level {
    char *prefix;                 /* "a/b"; NULL at a level that repeats an empty enclosing */
    bool reuse;
} var_level_t;

static void var_level_fini(void *level)
{
    free(((var_level_t *) level)->prefix);
}

/* The variable store; the scope levels live on the graph's per-thread scope stacks
 * (graph_scopes.c). */
struct tact_var_scopes {
    pthread_mutex_t store_lock;   /* serialises tact_get_variable; taken before g->lock */
    tact_strmap_t store;          /* full name -> VARIABLE op made by tact_get_variable */
};

/* The graph's store, made on first use. Called with g->lock held. */
static struct tact_var_scopes *var_scopes(tact_graph_t *g)
{
    if (g->var_scopes == NULL) {
        struct tact_var_scopes *vs = tact__malloc(sizeof *vs);
        TACT_ASSERT(pthread_mutex_init(&vs->store_lock, NULL) == 0);
        g->var_scopes = vs;
    }
    return g->var_scopes;
}

/* TensorFlow's op-name rule: [A-Za-z0-9.][A-Za-z0-9_.\-/]* */
static bool var_valid_name(const char *name)
{
    static const char more[] = "_.-/";
    if (name == NULL || name[0] == '\0' ||
        !(isalnum((unsigned char) name[0]) || name[0] == '.'))
        return false;
    for (const char *p = name + 1; *p; p++) {
        if (!isalnum((unsigned char) *p) && strchr(more, *p) == NULL)
            return false;
    }
    return true;
}

tact_code_t tact_variable_scope_push(tact_graph_t *g, const char *name, bool reuse,
                                     tact_status_t *st)
{
    g = tact__graph_or_default(g);
    tact_status_t err = TACT_STATUS_INIT;
    bool ok = !tact__failed(st);
    if (ok && !var_valid_name(name)) {
        tact__fail(&err, TACT_CODE_INVALID_ARGUMENT, "variable_scope: '%.200s' is not a valid "
                   "scope name", name ? name : "(null)");
        ok = false;
    }

    pthread_mutex_lock(&g->lock);
    const var_level_t *outer = tact__scope_top(g, TACT_SCOPE_VARIABLE);
    var_level_t level = { .reuse = reuse || (outer && outer->reuse) };
    if (ok) {
        level.prefix = tact__asprintf("%s%s%s", outer && outer->prefix ? outer->prefix : "",
                                      outer && outer->prefix ? "/" : "", name);
    } else if (outer != NULL && outer->prefix != NULL) {
        level.prefix = tact__strdup(outer->prefix);
    }
    *(var_level_t *) tact__scope_push(g, TACT_SCOPE_VARIABLE, sizeof level, var_level_fini) =
        level;
    pthread_mutex_unlock(&g->lock);

    /* TensorFlow's variable_scope opens a name scope of the same name (made unique, so that a
     * second entry names its other ops "vs_1/..."); a refused name re-enters the current one,
     * so that the pop always has a name scope to close. */
    if (ok)
        tact_graph_push_name_scope(g, name, NULL);
    else
        tact__name_scope_push_same(g);
    if (err.code != TACT_CODE_OK)
        tact__graph_record_error(g, &err, st);
    return st ? st->code : err.code;
}

tact_code_t tact_variable_scope_pop(tact_graph_t *g, tact_status_t *st)
{
    g = tact__graph_or_default(g);
    pthread_mutex_lock(&g->lock);
    tact_code_t rc = tact__scope_pop(g, TACT_SCOPE_VARIABLE);
    pthread_mutex_unlock(&g->lock);
    if (rc != TACT_CODE_OK)
        return tact__fail(st, rc, "variable_scope: pop without an open variable scope");
    tact_graph_pop_name_scope(g);  /* the one the push opened */
    return TACT_CODE_OK;
}

/* The calling thread's current scope name (borrowed: valid while g->lock is held) and reuse
 * flag. Called with g->lock held. */
static const char *var_current(tact_graph_t *g, bool *reuse)
{
    const var_level_t *top = tact__scope_top(g, TACT_SCOPE_VARIABLE);
    *reuse = top != NULL && top->reuse;
    return top != NULL && top->prefix != NULL ? top->prefix : "";
}

size_t tact_variable_scope_name(tact_graph_t *g, char *buf, size_t len)
{
    g = tact__graph_or_default(g);
    TACT_ASSERT(buf != NULL || len == 0);
    bool reuse;
    pthread_mutex_lock(&g->lock);
    int n = snprintf(buf, len, "%s", var_current(g, &reuse));
    pthread_mutex_unlock(&g->lock);
    return n > 0 ? (size_t) n : 0;
}

void tact__var_scopes_free(struct tact_var_scopes *vs)
{
    if (vs == NULL)
        return;
    tact__strmap_fini(&vs->store);
    pthread_mutex_destroy(&vs->store_lock);
    free(vs);
}

/* tf.get_variable on a variable the store already holds (store_lock held). */
static tact_output_t var_reuse(tact_graph_t *g, tact_op_t *var, const char *full, bool reuse,
                               tact_dtype_t dtype, const tact_shape_t *shape, tact_status_t *st)
{
    if (!reuse)
        return init_fail(g, st, TACT_CODE_INVALID_ARGUMENT,
                         "Variable %s already exists, disallowed. Did you mean to set "
                         "reuse=True or reuse=tf.AUTO_REUSE in VarScope?", full);
    const tact_shape_t *found = &var->out_shape[0];
    if (!tact__shape_compatible(shape, found)) {
        char a[160], b[160];
        return init_fail(g, st, TACT_CODE_INVALID_ARGUMENT,
                         "Trying to share variable %s, but specified shape %s and found shape "
                         "%s.", full, tact__shape_tuple_str(shape, a, sizeof a),
                         tact__shape_tuple_str(found, b, sizeof b));
    }
    if (dtype != var->out_dtype[0])
        return init_fail(g, st, TACT_CODE_INVALID_ARGUMENT,
                         "Trying to share variable %s, but specified dtype %s and found dtype "
                         "%s_ref.", full, tact_dtype_name(dtype),
                         tact_dtype_name(var->out_dtype[0]));
    return init_out(var);
}

/* The errors `init` would meet building a value of `dtype`, found before the variable's op is
 * made, so that a refused get_variable leaves no op behind (TensorFlow builds the initial value
 * first). The messages are those the builders would give. */
static bool var_check_init(const tact_initializer_t *init, tact_dtype_t dtype, const char *full,
                           tact_status_t *err)
{
    bool is_float = dtype == TACT_DTYPE_F32 || dtype == TACT_DTYPE_F64;
    unsigned char bytes[8];
    tact_op_kind_t random = TACT_OP_COUNT;
    switch (init->kind) {
    case TACT_INITIALIZER_ZEROS:
        if (dtype == TACT_DTYPE_STRING)
            return true;  /* empty strings */
        return init_convert(0.0, dtype, bytes, "Fill", err);
    case TACT_INITIALIZER_ONES:
        return init_convert(0.0, dtype, bytes, "Fill", err);
    case TACT_INITIALIZER_CONSTANT:
        return init_convert(init->value, dtype, bytes, "Const", err);
    case TACT_INITIALIZER_GLOROT_UNIFORM:
    case TACT_INITIALIZER_GLOROT_NORMAL:
        if (!is_float)
            tact__fail(err, TACT_CODE_INVALID_ARGUMENT, "Expected floating point type, got %s.",
                       tact_dtype_name(dtype));
        return is_float;
    case TACT_INITIALIZER_RANDOM_UNIFORM:
        random = TACT_OP_RANDOM_UNIFORM;
        break;
    case TACT_INITIALIZER_RANDOM_NORMAL:
        random = TACT_OP_RANDOM_NORMAL;
        break;
    case TACT_INITIALIZER_TRUNCATED_NORMAL:
        random = TACT_OP_TRUNCATED_NORMAL;
        break;
    default:
        tact__fail(err, TACT_CODE_INVALID_ARGUMENT, "get_variable: unknown initializer kind %d "
                   "for variable %s", (int) init->kind, full);
        return false;
    }
    if (!is_float)
        tact__fail(err, TACT_CODE_INVALID_ARGUMENT,
                   "Value for attr 'dtype' of %s is not in the list of allowed values: float, "
                   "double for '%.200s/Initializer/%s' (op: '%s')", tact__dtype_tf_name(dtype),
                   full, tact__op_kind_default_name(random), tact__op_kind_type(random));
    return is_float;
}

/* A new variable `full` (store_lock held): VariableV2, its initial value under
 * "<name>/Initializer", its "<name>/Assign", and its place in the global variables. */
static tact_output_t var_create(tact_graph_t *g, const char *full, tact_dtype_t dtype,
                                const tact_shape_t *shape, const tact_initializer_t *init,
                                tact_status_t *st)
{
    char text[160];
    if (tact__shape_nelems(shape) < 0)
        return init_fail(g, st, TACT_CODE_INVALID_ARGUMENT,
                         "Shape of a new variable (%s) must be fully defined, but instead was "
                         "%s.", full, tact__shape_tuple_str(shape, text, sizeof text));
    tact_initializer_t fallback;
    if (init == NULL) {
        if (dtype == TACT_DTYPE_F32 || dtype == TACT_DTYPE_F64)
            fallback = tact_glorot_uniform_initializer(TACT_SEED_NONE);
        else if (dtype == TACT_DTYPE_I32 || dtype == TACT_DTYPE_I64 || dtype == TACT_DTYPE_BOOL ||
                 dtype == TACT_DTYPE_STRING)
            fallback = tact_zeros_initializer();  /* strings: empty ones, as TensorFlow's */
        else
            return init_fail(g, st, TACT_CODE_INVALID_ARGUMENT,
                             "An initializer for variable %s of %s is required", full,
                             tact_dtype_name(dtype));
        init = &fallback;
    }
    tact_status_t err = TACT_STATUS_INIT;
    if (!var_check_init(init, dtype, full, &err)) {
        tact__graph_record_error(g, &err, st);
        return init_out(NULL);
    }
    tact_op_attrs_t attrs = { .dtype = dtype, .shape = *shape };
    tact_op_t *var = tact__graph_add_op(g, TACT_OP_VARIABLE, full, NULL, 0, NULL, 0, &attrs, st);
    if (var == NULL)
        return init_out(NULL);
    char *scope = tact__asprintf("%s/Initializer", var->name);
    tact_output_t value = init_value(g, init, dtype, shape, scope, st);
    free(scope);
    if (value.op == NULL)
        return init_out(NULL);
    char *assign_name = tact__asprintf("%s/Assign", var->name);
    tact_output_t in[2] = { { var, 0 }, value };
    tact_op_attrs_t none = { 0 };
    tact_op_t *assign = tact__graph_add_op(g, TACT_OP_ASSIGN, assign_name, in, 2, NULL, 0, &none,
                                           st);
    free(assign_name);
    if (assign == NULL)
        return init_out(NULL);
    var->attrs.initializer = assign;  /* set before the variable is published below */
    tact__graph_add_variable(g, var);
    tact__strmap_put(&g->var_scopes->store, full, var);
    return init_out(var);
}

static tact_output_t var_get(tact_graph_t *g, const char *name, tact_dtype_t dtype,
                             const int64_t *dims, int ndims, const tact_initializer_t *init,
                             tact_status_t *st)
{
    if (!var_valid_name(name))
        return init_fail(g, st, TACT_CODE_INVALID_ARGUMENT,
                         "get_variable: '%.200s' is not a valid variable name",
                         name ? name : "(null)");
    if (!tact__dtype_valid(dtype))
        return init_fail(g, st, TACT_CODE_INVALID_ARGUMENT,
                         "get_variable: invalid dtype %d for variable %s", (int) dtype, name);
    tact_shape_t shape = { .ndims = ndims };
    if (ndims < -1 || ndims > TACT_MAX_DIMS || (ndims > 0 && dims == NULL))
        return init_fail(g, st, TACT_CODE_INVALID_ARGUMENT,
                         "get_variable: invalid rank %d for variable %s (at most %d dims)",
                         ndims, name, TACT_MAX_DIMS);
    for (int i = 0; i < ndims; i++) {
        if (dims[i] < -1)
            return init_fail(g, st, TACT_CODE_INVALID_ARGUMENT,
                             "Dimension %" PRId64 " must be >= 0", dims[i]);
        shape.dims[i] = dims[i];
    }

    bool reuse;
    pthread_mutex_lock(&g->lock);
    const char *prefix = var_current(g, &reuse);
    char *full = tact__asprintf("%s%s%s", prefix, prefix[0] ? "/" : "", name);
    struct tact_var_scopes *vs = var_scopes(g);
    pthread_mutex_unlock(&g->lock);

    pthread_mutex_lock(&vs->store_lock);
    tact_op_t *found = tact__strmap_get(&vs->store, full);
    tact_output_t out;
    if (found != NULL)
        out = var_reuse(g, found, full, reuse, dtype, &shape, st);
    else if (reuse)
        out = init_fail(g, st, TACT_CODE_INVALID_ARGUMENT,
                        "Variable %s does not exist, or was not created with tf.get_variable(). "
                        "Did you mean to set reuse=tf.AUTO_REUSE in VarScope?", full);
    else
        out = var_create(g, full, dtype, &shape, init, st);
    pthread_mutex_unlock(&vs->store_lock);
    free(full);
    return out;
}

tact_output_t tact_get_variable(tact_graph_t *g, const char *name, tact_dtype_t dtype,
                                const int64_t *dims, int ndims, const tact_initializer_t *init,
                                tact_status_t *st)
{
    if (tact__failed(st))
        return init_out(NULL);
    g = tact__graph_or_default(g);
    /* TensorFlow builds it under name_scope(None): its ops are named from the variable scopes
     * alone, whatever name scopes are open. */
    tact_graph_push_name_scope(g, NULL, NULL);
    tact_output_t out = var_get(g, name, dtype, dims, ndims, init, st);
    tact_graph_pop_name_scope(g);
    return out;
}
