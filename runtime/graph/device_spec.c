/* SPDX-License-Identifier: MIT */
/* Device specifications and device scopes. The first half is pure: TensorFlow's device strings
 * parsed into tact_device_spec_t, printed in canonical form, merged as nested scopes merge and
 * matched against a local device. The second half is tact_graph_push_device's levels, kept in
 * the graph's per-(graph, thread) scope stacks (graph_scopes.c), as TensorFlow keeps its device
 * stack in the Graph's thread-local state. Not for placement: the placer reads op->device and decides. */
#include "runtime/graph/device_spec.h"
#include "runtime/graph/graph_impl.h"
#include "runtime/graph/graph_scopes.h"

/* ------------------------------------------------------------------------------------------ */
/* Parsing                                                                                    */
/* ------------------------------------------------------------------------------------------ */

/* ASCII only: device strings must not depend on the C locale. */
static bool spec_is_alpha(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static bool spec_is_digit(char c)
{
    return c >= '0' && c <= '9';
}

static char spec_upper(char c)
{
    return c >= 'a' && c <= 'z' ? (char) (c - 'a' + 'A') : c;
}

/* True when p[0..n) equals the string `word`, ignoring (ASCII) case. */
static bool spec_word_is(const char *p, size_t n, const char *word)
{
    size_t i = 0;
    for (; i < n && word[i] != '\0'; i++) {
        if (spec_upper(p[i]) != spec_upper(word[i]))
            return false;
    }
    return i == n && word[i] == '\0';
}

static bool spec_field_is(const char *p, size_t n, const char *word)
{
    return strlen(word) == n && memcmp(p, word, n) == 0;
}

/* A replica, task or index: decimal digits that fit an int, or "*" (unset). */
static bool spec_parse_int(const char *p, size_t n, int *out)
{
    if (n == 1 && p[0] == '*') {
        *out = TACT_DEVICE_UNSET;
        return true;
    }
    if (n == 0)
        return false;
    long long v = 0;
    for (size_t i = 0; i < n; i++) {
        if (!spec_is_digit(p[i]))
            return false;
        v = v * 10 + (p[i] - '0');
        if (v > INT_MAX)
            return false;
    }
    *out = (int) v;
    return true;
}

/* A job or type name of any length: [A-Za-z][A-Za-z0-9_]*, or "*" (unset, written as "").
 * Types are upper-cased. A name is stored as a new heap string. */
static bool spec_parse_name(const char *p, size_t n, bool upper, const char **out)
{
    if (n == 1 && p[0] == '*')
        return true;  /* *out stays "" */
    if (n == 0 || !spec_is_alpha(p[0]))
        return false;
    for (size_t i = 0; i < n; i++) {
        if (!spec_is_alpha(p[i]) && !spec_is_digit(p[i]) && p[i] != '_')
            return false;
    }
    char *name = tact__malloc(n + 1);
    for (size_t i = 0; i < n; i++)
        name[i] = upper ? spec_upper(p[i]) : p[i];
    name[n] = '\0';
    *out = name;
    return true;
}

static tact_code_t spec_malformed(const char *text, tact_status_t *st)
{
    return tact__fail(st, TACT_CODE_INVALID_ARGUMENT, "Malformed device specification '%.200s'",
                      text);
}

#define SPEC_MAX_FIELDS 3

/* One "/name:a:b" component, split at ':'. n_fields is SPEC_MAX_FIELDS + 1 when there are
 * more fields than any component takes. */
typedef struct spec_component {
    int n_fields;
    const char *field[SPEC_MAX_FIELDS];
    size_t len[SPEC_MAX_FIELDS];
} spec_component_t;

static spec_component_t spec_split(const char *p, const char *end)
{
    spec_component_t c = { 0 };
    for (;;) {
        const char *colon = memchr(p, ':', (size_t) (end - p));
        const char *stop = colon ? colon : end;
        if (c.n_fields == SPEC_MAX_FIELDS) {
            c.n_fields++;
            return c;
        }
        c.field[c.n_fields] = p;
        c.len[c.n_fields] = (size_t) (stop - p);
        c.n_fields++;
        if (colon == NULL)
            return c;
        p = colon + 1;
    }
}

/* Apply one component to *s. `seen` flags job, replica, task and type components met so far. */
static tact_code_t spec_apply(const char *text, const spec_component_t *c, unsigned *seen,
                              tact_device_spec_t *s, tact_status_t *st)
{
    enum { SEEN_JOB = 1, SEEN_REPLICA = 2, SEEN_TASK = 4, SEEN_TYPE = 8 };
    const char *name = c->field[0];
    size_t n = c->len[0];
    bool ok;

    if (n == 0)
        return spec_malformed(text, st);
    if (spec_field_is(name, n, "job") || spec_field_is(name, n, "replica") ||
        spec_field_is(name, n, "task")) {
        unsigned bit = name[0] == 'j' ? SEEN_JOB : name[0] == 'r' ? SEEN_REPLICA : SEEN_TASK;
        if (c->n_fields != 2 || (*seen & bit))
            return spec_malformed(text, st);
        *seen |= bit;
        if (bit == SEEN_JOB && spec_field_is(c->field[1], c->len[1], "*")) {
            s->job = tact__strdup("*");  /* kept, as Python keeps it: "/job:*" */
            ok = true;
        } else if (bit == SEEN_JOB)
            ok = spec_parse_name(c->field[1], c->len[1], false, &s->job);
        else
            ok = spec_parse_int(c->field[1], c->len[1],
                                bit == SEEN_REPLICA ? &s->replica : &s->task);
        return ok ? TACT_CODE_OK : spec_malformed(text, st);
    }

    /* Python's DeviceSpec takes "/<type>:<n>" for the device types TensorFlow registers, known
     * here or not: "/tpu:0" is "/device:TPU:0", which placement then refuses. */
    bool legacy = spec_word_is(name, n, "cpu") || spec_word_is(name, n, "gpu") ||
                  spec_word_is(name, n, "tpu") || spec_word_is(name, n, "custom") ||
                  spec_word_is(name, n, "epu");
    if (!legacy && !spec_field_is(name, n, "device"))
        return tact__fail(st, TACT_CODE_INVALID_ARGUMENT, "Unknown attribute: '%.*s' in '%.160s'",
                          (int) (n < 60 ? n : 60), name, text);
    if (*seen & SEEN_TYPE)
        return tact__fail(st, TACT_CODE_INVALID_ARGUMENT,
                          "Cannot specify multiple device types: %.180s", text);
    *seen |= SEEN_TYPE;
    if (legacy) {
        /* /cpu, /cpu:N, /GPU:* ... */
        if (c->n_fields > 2)
            return spec_malformed(text, st);
        ok = spec_parse_name(name, n, true, &s->type);
        if (ok && c->n_fields == 2)
            ok = spec_parse_int(c->field[1], c->len[1], &s->index);
    } else {
        /* /device:TYPE, /device:TYPE:N, with "*" for either */
        if (c->n_fields < 2 || c->n_fields > 3)
            return spec_malformed(text, st);
        ok = spec_parse_name(c->field[1], c->len[1], true, &s->type);
        if (ok && c->n_fields == 3)
            ok = spec_parse_int(c->field[2], c->len[2], &s->index);
    }
    return ok ? TACT_CODE_OK : spec_malformed(text, st);
}

tact_code_t tact__device_spec_parse(const char *text, tact_device_spec_t *out, tact_status_t *st)
{
    TACT_ASSERT(text != NULL && out != NULL);
    *out = (tact_device_spec_t) TACT_DEVICE_SPEC_INIT;
    if (tact__failed(st))
        return st->code;

    tact_device_spec_t s = TACT_DEVICE_SPEC_INIT;
    const char *p = text[0] == '/' ? text + 1 : text;
    if (*p == '\0')
        return TACT_CODE_OK;  /* "" and "/" constrain nothing */
    unsigned seen = 0;
    for (;;) {
        const char *end = strchr(p, '/');
        if (end == NULL)
            end = p + strlen(p);
        spec_component_t c = spec_split(p, end);
        /* Python's parser skips a component with an empty name: "//cpu:0", "/cpu:0/", "/:0". */
        tact_code_t rc = c.len[0] == 0 ? TACT_CODE_OK : spec_apply(text, &c, &seen, &s, st);
        if (rc != TACT_CODE_OK) {
            tact__device_spec_fini(&s);
            return rc;
        }
        if (*end == '\0')
            break;
        p = end + 1;
    }
    *out = s;
    return TACT_CODE_OK;
}

/* ------------------------------------------------------------------------------------------ */
/* Printing, merging, matching                                                                */
/* ------------------------------------------------------------------------------------------ */

void tact__device_spec_fini(tact_device_spec_t *s)
{
    if (s->job[0] != '\0')  /* a set name is always a heap string; "" is the literal */
        free((char *) s->job);
    if (s->type[0] != '\0')
        free((char *) s->type);
    *s = (tact_device_spec_t) TACT_DEVICE_SPEC_INIT;
}

char *tact__device_spec_string(const tact_device_spec_t *s)
{
    char rep[32] = "", task[32] = "", dev[32] = "";
    if (s->replica != TACT_DEVICE_UNSET)
        snprintf(rep, sizeof rep, "/replica:%d", s->replica);
    if (s->task != TACT_DEVICE_UNSET)
        snprintf(task, sizeof task, "/task:%d", s->task);
    if (s->index != TACT_DEVICE_UNSET)
        snprintf(dev, sizeof dev, ":%d", s->index);
    else if (s->type[0] != '\0')
        snprintf(dev, sizeof dev, ":*");
    bool has_device = s->type[0] != '\0' || s->index != TACT_DEVICE_UNSET;
    return tact__asprintf("%s%s%s%s%s%s%s", s->job[0] ? "/job:" : "", s->job, rep, task,
                          has_device ? "/device:" : "", has_device && !s->type[0] ? "*" : s->type,
                          has_device ? dev : "");
}

size_t tact__device_spec_format(const tact_device_spec_t *s, char *buf, size_t len)
{
    char *text = tact__device_spec_string(s);
    size_t n = strlen(text);
    if (len > 0)
        snprintf(buf, len, "%s", text);
    free(text);
    return n;
}

tact_code_t tact__device_spec_canonical(const char *text, char *buf, size_t len,
                                        tact_status_t *st)
{
    tact_device_spec_t s;
    tact_code_t rc = tact__device_spec_parse(text, &s, st);
    if (rc == TACT_CODE_OK) {
        tact__device_spec_format(&s, buf, len);
        tact__device_spec_fini(&s);
    } else if (len > 0)
        buf[0] = '\0';
    return rc;
}

bool tact__device_spec_is_empty(const tact_device_spec_t *s)
{
    return s->job[0] == '\0' && s->replica == TACT_DEVICE_UNSET &&
           s->task == TACT_DEVICE_UNSET && s->type[0] == '\0' && s->index == TACT_DEVICE_UNSET;
}

tact_device_spec_t tact__device_spec_merge(const tact_device_spec_t *inner,
                                           const tact_device_spec_t *outer)
{
    tact_device_spec_t m = *inner;
    if (m.job[0] == '\0')
        m.job = outer->job;
    if (m.replica == TACT_DEVICE_UNSET)
        m.replica = outer->replica;
    if (m.task == TACT_DEVICE_UNSET)
        m.task = outer->task;
    if (m.type[0] == '\0')
        m.type = outer->type;
    if (m.index == TACT_DEVICE_UNSET)
        m.index = outer->index;
    if (m.job[0] != '\0')  /* copies: the result owns its names */
        m.job = tact__strdup(m.job);
    if (m.type[0] != '\0')
        m.type = tact__strdup(m.type);
    return m;
}

bool tact__device_spec_is_local(const tact_device_spec_t *s)
{
    return (s->job[0] == '\0' || strcmp(s->job, "*") == 0 || strcmp(s->job, "localhost") == 0) &&
           (s->replica == TACT_DEVICE_UNSET || s->replica == 0) &&
           (s->task == TACT_DEVICE_UNSET || s->task == 0);
}

bool tact__device_spec_matches(const tact_device_spec_t *s, const char *kind, int index)
{
    TACT_ASSERT(kind != NULL && index >= 0);
    if (!tact__device_spec_is_local(s))
        return false;
    if (s->index != TACT_DEVICE_UNSET && s->index != index)
        return false;
    if (s->type[0] == '\0')
        return true;
    size_t n = strlen(kind);
    if (spec_word_is(kind, n, s->type))
        return true;
    return strcmp(s->type, "GPU") == 0 && spec_word_is(kind, n, "cuda");
}

/* ------------------------------------------------------------------------------------------ */
/* Device scopes                                                                              */
/* ------------------------------------------------------------------------------------------ */

/* One `with tf.device(...)` level, already merged with every level below it: scopes only
 * count at op creation, so merging at push time gives what TensorFlow's walk from the
 * innermost scope outwards gives, and a new op just copies the top string. The levels live in
 * the graph's per-thread scope stacks (graph_scopes.c). */
typedef struct device_level {
    tact_device_spec_t merged;    /* owns its names */
    char *str;                    /* merged's canonical string; NULL when it is empty */
} device_level_t;

static void device_level_fini(void *level)
{
    device_level_t *l = level;
    free(l->str);
    tact__device_spec_fini(&l->merged);
}

tact_code_t tact_graph_push_device(tact_graph_t *g, const char *spec, tact_status_t *st)
{
    if (tact__failed(st))
        return st->code;
    g = tact__graph_or_default(g);

    /* NULL is device(None): a fresh empty level that hides the enclosing ones. */
    tact_device_spec_t parsed = TACT_DEVICE_SPEC_INIT;
    if (spec != NULL) {
        tact_status_t err = TACT_STATUS_INIT;
        if (tact__device_spec_parse(spec, &parsed, &err) != TACT_CODE_OK) {
            tact__graph_record_error(g, &err, st);
            return err.code;
        }
    }

    pthread_mutex_lock(&g->lock);
    const device_level_t *outer = tact__scope_top(g, TACT_SCOPE_DEVICE);
    device_level_t level = { .merged = parsed };  /* parsed's names move here... */
    if (spec != NULL && outer != NULL) {
        level.merged = tact__device_spec_merge(&parsed, &outer->merged);
        tact__device_spec_fini(&parsed);          /* ...unless merged copied them */
    }
    if (!tact__device_spec_is_empty(&level.merged))
        level.str = tact__device_spec_string(&level.merged);
    *(device_level_t *) tact__scope_push(g, TACT_SCOPE_DEVICE, sizeof level,
                                         device_level_fini) = level;
    pthread_mutex_unlock(&g->lock);
    return TACT_CODE_OK;
}

tact_code_t tact_graph_pop_device(tact_graph_t *g)
{
    g = tact__graph_or_default(g);
    pthread_mutex_lock(&g->lock);
    tact_code_t rc = tact__scope_pop(g, TACT_SCOPE_DEVICE);
    pthread_mutex_unlock(&g->lock);
    return rc;
}

const char *tact_op_device(const tact_op_t *op)
{
    TACT_ASSERT(op != NULL && op->tag == TACT_TAG_OP);
    return op->device != NULL ? op->device : "";
}

char *tact__device_scope_current(tact_graph_t *g)
{
    const device_level_t *top = tact__scope_top(g, TACT_SCOPE_DEVICE);
    return top != NULL && top->str != NULL ? tact__strdup(top->str) : NULL;
}
