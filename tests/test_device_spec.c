/* SPDX-License-Identifier: MIT */
/* Device specifications and device scopes: parsing every form of spec §3.1 into canonical
 * strings, the three error kinds with their codes and messages, merging nested scopes (§3.2),
 * matching a spec against the devices of this process, and tact_graph_push_device /
 * TACT_DEVICE_SCOPE on graphs: nesting, device(None), "", ops outside scopes, guards left by
 * return and goto, and threads building one graph in different scopes.
 *
 * The simplest use of a device scope:
 *     tact_status_t st = TACT_STATUS_INIT;
 *     tact_graph_t *g = tact_graph_new();
 *     tact_graph_push_device(g, "/gpu:0", &st);                  // with tf.device("/gpu:0"):
 *     tact_output_t x = tact_placeholder(g, TACT_DTYPE_F32, NULL, 0, "x", &st);
 *     tact_graph_pop_device(g);
 *     tact_op_device(x.op);                                      // "/device:GPU:0"
 *     tact_graph_destroy(&g);
 */
#include "runtime/graph/device_spec.h"

#include <setjmp.h>
#include <cmocka.h>

#include <tact/scope.h>

#include "tests/helpers.h"

/* ------------------------------------------------------------------------------------------ */
/* Helpers                                                                                    */
/* ------------------------------------------------------------------------------------------ */

/* A scalar placeholder that must build; returns its op. */
static tact_op_t *leaf(tact_graph_t *g, const char *name)
{
    tact_status_t st = TACT_STATUS_INIT;
    tact_output_t out = tact_placeholder(g, TACT_DTYPE_F32, NULL, 0, name, &st);
    assert_int_equal(st.code, TACT_CODE_OK);
    return out.op;
}

/* The device a new leaf op gets on `g` from the calling thread's scopes. */
static const char *new_op_device(tact_graph_t *g)
{
    return tact_op_device(leaf(g, "probe"));
}

static tact_device_spec_t parse_ok(const char *text)
{
    tact_status_t st = TACT_STATUS_INIT;
    tact_device_spec_t s;
    assert_int_equal(tact__device_spec_parse(text, &s, &st), TACT_CODE_OK);
    assert_int_equal(st.code, TACT_CODE_OK);
    return s;
}

static void push_ok(tact_graph_t *g, const char *spec)
{
    tact_status_t st = TACT_STATUS_INIT;
    assert_int_equal(tact_graph_push_device(g, spec, &st), TACT_CODE_OK);
    assert_int_equal(st.code, TACT_CODE_OK);
}

static void pop_ok(tact_graph_t *g)
{
    assert_int_equal(tact_graph_pop_device(g), TACT_CODE_OK);
}

/* ------------------------------------------------------------------------------------------ */
/* Parsing                                                                                    */
/* ------------------------------------------------------------------------------------------ */

typedef struct parse_case {
    const char *in;
    tact_code_t code;
    const char *want;  /* the canonical string, or the whole error message */
} parse_case_t;

#define OK_(in, want)  { in, TACT_CODE_OK, want }
#define BAD_(in, msg)  { in, TACT_CODE_INVALID_ARGUMENT, msg }
#define MALFORMED_(in) BAD_(in, "Malformed device specification '" in "'")
#define MULTIPLE_(in)  BAD_(in, "Cannot specify multiple device types: " in)

static const parse_case_t parse_cases[] = {
    /* unconstrained */
    OK_("", ""),
    OK_("/", ""),
    OK_("/job:*/replica:*/task:*/device:*:*", "/job:*"),  /* Python keeps "/job:*" */
    OK_("/job:*", "/job:*"),
    OK_("/job:*/gpu:0", "/job:*/device:GPU:0"),
    /* empty components are skipped, as Python skips them */
    OK_("//cpu:0", "/device:CPU:0"),
    OK_("/cpu:0/", "/device:CPU:0"),
    OK_("/job:w//task:0", "/job:w/task:0"),
    OK_("/:0", ""),
    OK_("//", ""),
    /* the legacy form of device types TensorFlow registers but tact has no device for */
    OK_("/tpu:0", "/device:TPU:0"),
    OK_("/TPU", "/device:TPU:*"),
    OK_("/job:w/tpu:0", "/job:w/device:TPU:0"),
    OK_("/custom:1", "/device:CUSTOM:1"),
    OK_("/epu:0", "/device:EPU:0"),
    /* legacy forms, any case, with and without an index */
    OK_("/cpu:0", "/device:CPU:0"),
    OK_("/CPU:0", "/device:CPU:0"),
    OK_("/cpu:3", "/device:CPU:3"),
    OK_("/gpu:1", "/device:GPU:1"),
    OK_("/GPU:1", "/device:GPU:1"),
    OK_("/Gpu:2", "/device:GPU:2"),
    OK_("/gpu", "/device:GPU:*"),
    OK_("/CPU", "/device:CPU:*"),
    OK_("/gpu:*", "/device:GPU:*"),
    OK_("/cpu:007", "/device:CPU:7"),
    OK_("/cpu:2147483647", "/device:CPU:2147483647"),
    OK_("gpu:0", "/device:GPU:0"),  /* the leading '/' is optional, as in Python */
    /* the device: form */
    OK_("/device:GPU:1", "/device:GPU:1"),
    OK_("/device:CPU:0", "/device:CPU:0"),
    OK_("/device:gpu:1", "/device:GPU:1"),
    OK_("/device:GPU:*", "/device:GPU:*"),
    OK_("/device:GPU", "/device:GPU:*"),
    OK_("/device:*:1", "/device:*:1"),
    OK_("/device:*:*", ""),
    OK_("/device:XLA_cpu:0", "/device:XLA_CPU:0"),
    OK_("/device:TPU_SYSTEM:0", "/device:TPU_SYSTEM:0"),
    /* job, replica, task */
    OK_("/job:localhost/replica:0/task:0/cpu:0", "/job:localhost/replica:0/task:0/device:CPU:0"),
    OK_("/job:localhost/replica:0/task:0/device:CPU:0",
        "/job:localhost/replica:0/task:0/device:CPU:0"),
    OK_("/job:localhost/replica:0/task:0/device:GPU:1",
        "/job:localhost/replica:0/task:0/device:GPU:1"),
    OK_("/job:worker", "/job:worker"),
    OK_("/job:Worker_1/task:3", "/job:Worker_1/task:3"),
    OK_("/replica:2", "/replica:2"),
    OK_("/task:1/job:ps", "/job:ps/task:1"),
    OK_("/device:GPU:0/task:0/job:w/replica:1", "/job:w/replica:1/task:0/device:GPU:0"),
    OK_("/job:ps/gpu", "/job:ps/device:GPU:*"),
    OK_("/job:ps/replica:*/task:2", "/job:ps/task:2"),
    OK_("/job:a23456789012345678901234567890123456789012345678901234567890123",
        "/job:a23456789012345678901234567890123456789012345678901234567890123"),
    /* no length limit (TensorFlow has none) */
    OK_("/job:a234567890123456789012345678901234567890123456789012345678901234/device:gpu:1",
        "/job:a234567890123456789012345678901234567890123456789012345678901234/device:GPU:1"),
    /* unknown components */
    BAD_("/foo:0", "Unknown attribute: 'foo' in '/foo:0'"),
    BAD_("/foo", "Unknown attribute: 'foo' in '/foo'"),
    BAD_("/xla_cpu:0", "Unknown attribute: 'xla_cpu' in '/xla_cpu:0'"),
    BAD_("/JOB:w", "Unknown attribute: 'JOB' in '/JOB:w'"),
    BAD_("/Device:GPU:0", "Unknown attribute: 'Device' in '/Device:GPU:0'"),
    BAD_("/cpux:0", "Unknown attribute: 'cpux' in '/cpux:0'"),
    /* two types */
    MULTIPLE_("/cpu:0/gpu:0"),
    MULTIPLE_("/device:CPU:0/gpu:1"),
    MULTIPLE_("/gpu/device:GPU:0"),
    MULTIPLE_("/device:*:*/cpu:0"),
    MULTIPLE_("/job:w/GPU:0/replica:0/CPU:1"),
    /* malformed numbers */
    MALFORMED_("/cpu:x"),
    MALFORMED_("/cpu:-1"),
    MALFORMED_("/cpu:+1"),
    MALFORMED_("/cpu:1x"),
    MALFORMED_("/cpu:0 "),
    MALFORMED_("/cpu:"),
    MALFORMED_("/cpu:2147483648"),
    MALFORMED_("/cpu:99999999999999999999"),
    MALFORMED_("/device:GPU:one"),
    MALFORMED_("/replica:x"),
    MALFORMED_("/replica:"),
    MALFORMED_("/task:-2"),
    MALFORMED_("/task:1.0"),
    /* malformed names */
    MALFORMED_("/job:"),
    MALFORMED_("/job:1abc"),
    MALFORMED_("/job:a-b"),
    MALFORMED_("/job:a b"),
    MALFORMED_("/job:_a"),
    MALFORMED_("/device:"),
    MALFORMED_("/device::0"),
    MALFORMED_("/device:1GPU:0"),
    MALFORMED_("/device:G-PU:0"),
    /* wrong arity, repeats, empty components, junk */
    MALFORMED_("/device"),
    MALFORMED_("/device:GPU:0:1"),
    MALFORMED_("/device:GPU:0:1:2"),
    MALFORMED_("/cpu:0:1"),
    MALFORMED_("/job"),
    MALFORMED_("/job:a:b"),
    MALFORMED_("/task"),
    MALFORMED_("/task:1:2"),
    MALFORMED_("/job:a/job:b"),
    MALFORMED_("/replica:0/replica:0"),
    MALFORMED_("/task:0/task:1"),
    MALFORMED_("/job:w:"),
};

static void test_parse_table(void **state)
{
    (void) state;
    int failures = 0;
    for (size_t i = 0; i < sizeof parse_cases / sizeof parse_cases[0]; i++) {
        const parse_case_t *c = &parse_cases[i];
        tact_status_t st = TACT_STATUS_INIT;
        char buf[400];
        tact_code_t rc = tact__device_spec_canonical(c->in, buf, sizeof buf, &st);
        const char *got = rc == TACT_CODE_OK ? buf : st.msg;
        if (rc != c->code || st.code != c->code || strcmp(got, c->want) != 0) {
            fprintf(stderr, "'%s': got %s '%s', want %s '%s'\n", c->in, tact_code_name(rc), got,
                    tact_code_name(c->code), c->want);
            failures++;
        }
    }
    assert_int_equal(failures, 0);
}

/* A canonical string parses back to itself. */
static void test_canonical_round_trip(void **state)
{
    (void) state;
    for (size_t i = 0; i < sizeof parse_cases / sizeof parse_cases[0]; i++) {
        if (parse_cases[i].code != TACT_CODE_OK)
            continue;
        char again[400];
        tact_status_t st = TACT_STATUS_INIT;
        assert_int_equal(tact__device_spec_canonical(parse_cases[i].want, again, sizeof again, &st),
                         TACT_CODE_OK);
        assert_string_equal(again, parse_cases[i].want);
    }
}

static void test_parse_fields(void **state)
{
    (void) state;
    tact_device_spec_t s = parse_ok("/job:localhost/replica:1/task:2/device:gpu:3");
    assert_string_equal(s.job, "localhost");
    assert_int_equal(s.replica, 1);
    assert_int_equal(s.task, 2);
    assert_string_equal(s.type, "GPU");
    assert_int_equal(s.index, 3);
    assert_false(tact__device_spec_is_empty(&s));
    tact__device_spec_fini(&s);
    assert_true(tact__device_spec_is_empty(&s));

    s = parse_ok("/gpu");
    assert_string_equal(s.job, "");
    assert_int_equal(s.replica, TACT_DEVICE_UNSET);
    assert_int_equal(s.task, TACT_DEVICE_UNSET);
    assert_string_equal(s.type, "GPU");
    assert_int_equal(s.index, TACT_DEVICE_UNSET);
    tact__device_spec_fini(&s);

    s = parse_ok("");
    assert_true(tact__device_spec_is_empty(&s));
    s = parse_ok("/replica:*/task:*/device:*:*");
    assert_true(tact__device_spec_is_empty(&s));
    s = parse_ok("/job:*");
    assert_string_equal(s.job, "*");
    assert_false(tact__device_spec_is_empty(&s));
    assert_true(tact__device_spec_is_local(&s));
    assert_true(tact__device_spec_matches(&s, "CPU", 0));
    tact__device_spec_fini(&s);
}

static void test_parse_errors_leave_empty_spec_and_stick(void **state)
{
    (void) state;
    tact_status_t st = TACT_STATUS_INIT;
    tact_device_spec_t s = parse_ok("/cpu:0");
    tact__device_spec_fini(&s);
    assert_int_equal(tact__device_spec_parse("/job:w/cpu:zero", &s, &st),
                     TACT_CODE_INVALID_ARGUMENT);
    assert_true(tact__device_spec_is_empty(&s));
    assert_string_equal(st.msg, "Malformed device specification '/job:w/cpu:zero'");

    /* The first error sticks: a later call returns it without parsing. */
    assert_int_equal(tact__device_spec_parse("/cpu:0", &s, &st), TACT_CODE_INVALID_ARGUMENT);
    assert_true(tact__device_spec_is_empty(&s));
    assert_string_equal(st.msg, "Malformed device specification '/job:w/cpu:zero'");

    /* A NULL status is allowed. */
    assert_int_equal(tact__device_spec_parse("/bar:1", &s, NULL), TACT_CODE_INVALID_ARGUMENT);

    /* A very long spec still gives a terminated message that starts right. */
    char longspec[1000];
    memset(longspec, 'x', sizeof longspec - 1);
    memcpy(longspec, "/cpu:", 5);
    longspec[sizeof longspec - 1] = '\0';
    tact_status_t st2 = TACT_STATUS_INIT;
    assert_int_equal(tact__device_spec_parse(longspec, &s, &st2), TACT_CODE_INVALID_ARGUMENT);
    assert_true(tu_contains(st2.msg, "Malformed device specification '/cpu:xxx"));
    assert_true(strlen(st2.msg) < sizeof st2.msg);
}

static void test_format_lengths(void **state)
{
    (void) state;
    tact_device_spec_t s = parse_ok("/job:localhost/replica:0/task:0/device:CPU:0");
    char small[8];
    size_t n = tact__device_spec_format(&s, small, sizeof small);
    assert_int_equal(n, strlen("/job:localhost/replica:0/task:0/device:CPU:0"));
    assert_string_equal(small, "/job:lo");
    assert_int_equal(tact__device_spec_format(&s, NULL, 0), n);

    tact__device_spec_fini(&s);

    /* Names have no length limit: a 300-character job and type print in full. */
    char job[301], type[301], text[800], out[800];
    memset(job, 'j', sizeof job - 1);
    job[sizeof job - 1] = '\0';
    memset(type, 'T', sizeof type - 1);
    type[sizeof type - 1] = '\0';
    snprintf(text, sizeof text, "/job:%s/replica:2147483647/task:2147483647/device:%s:2147483647",
             job, type);
    tact_status_t st = TACT_STATUS_INIT;
    assert_int_equal(tact__device_spec_canonical(text, out, sizeof out, &st), TACT_CODE_OK);
    assert_string_equal(out, text);
    s = parse_ok(text);
    assert_string_equal(s.job, job);
    assert_string_equal(s.type, type);
    assert_false(tact__device_spec_matches(&s, "CPU", 0));
    tact__device_spec_fini(&s);
    /* And such a spec pushed as a device scope is kept whole on new ops. */
    tact_graph_t *g = tact_graph_new();
    push_ok(g, text);
    push_ok(g, "/device:*:5");
    snprintf(text, sizeof text, "/job:%s/replica:2147483647/task:2147483647/device:%s:5", job,
             type);
    assert_string_equal(new_op_device(g), text);
    tact_graph_destroy(&g);  /* scopes left pushed are freed with their graph */
}

/* ------------------------------------------------------------------------------------------ */
/* Merging and matching                                                                       */
/* ------------------------------------------------------------------------------------------ */

static void test_merge(void **state)
{
    (void) state;
    static const struct {
        const char *outer, *inner, *want;
    } cases[] = {
        /* spec §3.2's table */
        { "/job:worker", "/gpu:0", "/job:worker/device:GPU:0" },
        { "/gpu:0", "/cpu:0", "/device:CPU:0" },
        { "/cpu:0", "/job:ps", "/job:ps/device:CPU:0" },
        /* type and index are separate fields, as in TensorFlow's merge_from */
        { "/gpu:1", "/device:CPU:*", "/device:CPU:1" },
        { "/gpu:1", "/cpu", "/device:CPU:1" },
        { "/device:*:3", "/gpu", "/device:GPU:3" },
        { "/gpu", "/device:*:2", "/device:GPU:2" },
        /* inner fields win, outer fills the rest */
        { "/job:a/replica:1/task:2/cpu:0", "/job:b", "/job:b/replica:1/task:2/device:CPU:0" },
        { "/job:a/replica:1/task:2", "/task:7/gpu:1", "/job:a/replica:1/task:7/device:GPU:1" },
        { "/job:a", "/job:*", "/job:*" },  /* TensorFlow: "*" is a job name, inner wins */
        { "/job:*", "/job:a", "/job:a" },
        { "/job:a/cpu:0", "/job:*", "/job:*/device:CPU:0" },
        /* an empty side changes nothing */
        { "", "/cpu:0", "/device:CPU:0" },
        { "/cpu:0", "", "/device:CPU:0" },
        { "", "", "" },
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        tact_device_spec_t outer = parse_ok(cases[i].outer);
        tact_device_spec_t inner = parse_ok(cases[i].inner);
        tact_device_spec_t m = tact__device_spec_merge(&inner, &outer);
        char buf[400];
        tact__device_spec_format(&m, buf, sizeof buf);
        if (strcmp(buf, cases[i].want) != 0)
            fprintf(stderr, "outer '%s' inner '%s': got '%s'\n", cases[i].outer, cases[i].inner,
                    buf);
        assert_string_equal(buf, cases[i].want);
        tact__device_spec_fini(&outer);
        tact__device_spec_fini(&inner);
        tact__device_spec_fini(&m);
    }
}

static void test_matches(void **state)
{
    (void) state;
    static const struct {
        const char *spec, *kind;
        int index;
        bool want;
    } cases[] = {
        { "", "CPU", 0, true },
        { "", "CUDA", 1, true },
        { "/cpu:0", "CPU", 0, true },
        { "/cpu:0", "CPU", 1, false },
        { "/cpu:0", "CUDA", 0, false },
        { "/cpu", "CPU", 5, true },
        { "/gpu:1", "CUDA", 1, true },
        { "/gpu:1", "GPU", 1, true },
        { "/gpu:1", "CUDA", 0, false },
        { "/gpu:1", "CPU", 1, false },
        { "/gpu", "CUDA", 3, true },
        { "/device:*:1", "CPU", 1, true },
        { "/device:*:1", "CUDA", 1, true },
        { "/device:*:1", "CPU", 0, false },
        { "/device:cpu:0", "cpu", 0, true },
        { "/device:XLA_CPU:0", "CPU", 0, false },
        { "/device:CUDA:0", "CUDA", 0, true },
        { "/device:CUDA:0", "GPU", 0, false },
        { "/job:localhost/replica:0/task:0/device:CPU:0", "CPU", 0, true },
        { "/job:localhost", "CUDA", 0, true },
        { "/job:worker", "CPU", 0, false },
        { "/job:worker/cpu:0", "CPU", 0, false },
        { "/replica:1", "CPU", 0, false },
        { "/task:1/cpu:0", "CPU", 0, false },
        { "/job:*/replica:*/task:*", "CPU", 0, true },
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        tact_device_spec_t s = parse_ok(cases[i].spec);
        bool got = tact__device_spec_matches(&s, cases[i].kind, cases[i].index);
        if (got != cases[i].want)
            fprintf(stderr, "'%s' vs %s:%d: got %d\n", cases[i].spec, cases[i].kind,
                    cases[i].index, got);
        assert_int_equal(got, cases[i].want);
        tact__device_spec_fini(&s);
    }

    tact_device_spec_t s = parse_ok("/job:localhost/replica:0/task:0");
    assert_true(tact__device_spec_is_local(&s));
    tact__device_spec_fini(&s);
    s = parse_ok("/job:ps/gpu:0");
    assert_false(tact__device_spec_is_local(&s));
    tact__device_spec_fini(&s);
    s = parse_ok("/task:3");
    assert_false(tact__device_spec_is_local(&s));
}

/* ------------------------------------------------------------------------------------------ */
/* Device scopes on graphs                                                                    */
/* ------------------------------------------------------------------------------------------ */

static void test_scopes_nest_and_merge(void **state)
{
    (void) state;
    tact_graph_t *g = tact_graph_new();
    tact_op_t *before = leaf(g, "before");
    assert_string_equal(tact_op_device(before), "");

    push_ok(g, "/job:worker");
    assert_string_equal(new_op_device(g), "/job:worker");
    push_ok(g, "/gpu:0");
    tact_op_t *inner = leaf(g, "inner");
    assert_string_equal(tact_op_device(inner), "/job:worker/device:GPU:0");
    push_ok(g, "/replica:1/cpu");
    assert_string_equal(new_op_device(g), "/job:worker/replica:1/device:CPU:0");
    pop_ok(g);
    assert_string_equal(new_op_device(g), "/job:worker/device:GPU:0");
    pop_ok(g);
    pop_ok(g);
    tact_op_t *after = leaf(g, "after");
    assert_string_equal(tact_op_device(after), "");
    assert_int_equal(tact_graph_pop_device(g), TACT_CODE_FAILED_PRECONDITION);

    /* Only creation time counts: earlier ops keep what they got. */
    assert_string_equal(tact_op_device(before), "");
    assert_string_equal(tact_op_device(inner), "/job:worker/device:GPU:0");

    /* Legacy spellings are stored canonically; the whole §3.2 table through real scopes. */
    push_ok(g, "/gpu:0");
    push_ok(g, "/cpu:0");
    assert_string_equal(new_op_device(g), "/device:CPU:0");
    pop_ok(g);
    pop_ok(g);
    push_ok(g, "/cpu:0");
    push_ok(g, "/job:ps");
    assert_string_equal(new_op_device(g), "/job:ps/device:CPU:0");
    pop_ok(g);
    pop_ok(g);
    push_ok(g, "/gpu");
    assert_string_equal(new_op_device(g), "/device:GPU:*");
    pop_ok(g);

    /* Deep nesting grows the stack. */
    for (int i = 0; i < 40; i++)
        push_ok(g, i % 2 ? "/cpu:1" : "/task:0");
    assert_string_equal(new_op_device(g), "/task:0/device:CPU:1");
    for (int i = 0; i < 40; i++)
        pop_ok(g);
    assert_int_equal(tact_graph_pop_device(g), TACT_CODE_FAILED_PRECONDITION);
    assert_int_equal(tact_graph_status(g)->code, TACT_CODE_OK);
    tact_graph_destroy(&g);
}

static void test_scope_none_and_empty(void **state)
{
    (void) state;
    tact_graph_t *g = tact_graph_new();
    push_ok(g, "/job:worker/gpu:0");

    /* NULL is device(None): enclosing scopes are ignored... */
    push_ok(g, NULL);
    assert_string_equal(new_op_device(g), "");
    /* ...while scopes inside it merge as usual, without the outer ones. */
    push_ok(g, "/cpu:1");
    assert_string_equal(new_op_device(g), "/device:CPU:1");
    push_ok(g, "");
    assert_string_equal(new_op_device(g), "/device:CPU:1");
    pop_ok(g);
    pop_ok(g);
    pop_ok(g);

    /* "" constrains nothing: the enclosing scope applies unchanged. */
    push_ok(g, "");
    assert_string_equal(new_op_device(g), "/job:worker/device:GPU:0");
    push_ok(g, "/device:*:*");
    assert_string_equal(new_op_device(g), "/job:worker/device:GPU:0");
    pop_ok(g);
    pop_ok(g);

    /* After the None scope is popped the outer scope is back. */
    assert_string_equal(new_op_device(g), "/job:worker/device:GPU:0");
    pop_ok(g);

    /* NULL and "" on an empty stack. */
    push_ok(g, NULL);
    assert_string_equal(new_op_device(g), "");
    push_ok(g, "");
    assert_string_equal(new_op_device(g), "");
    pop_ok(g);
    pop_ok(g);
    assert_int_equal(tact_graph_pop_device(g), TACT_CODE_FAILED_PRECONDITION);
    tact_graph_destroy(&g);
}

static void test_push_errors(void **state)
{
    (void) state;
    tact_graph_t *g = tact_graph_new();
    push_ok(g, "/cpu:0");

    tact_status_t st = TACT_STATUS_INIT;
    assert_int_equal(tact_graph_push_device(g, "/foo:0", &st), TACT_CODE_INVALID_ARGUMENT);
    assert_int_equal(st.code, TACT_CODE_INVALID_ARGUMENT);
    assert_string_equal(st.msg, "Unknown attribute: 'foo' in '/foo:0'");
    /* Nothing was pushed: the outer scope is still the top. */
    assert_string_equal(new_op_device(g), "/device:CPU:0");
    /* Kept as the graph's first error, like a builder's. */
    assert_int_equal(tact_graph_status(g)->code, TACT_CODE_INVALID_ARGUMENT);
    assert_string_equal(tact_graph_status(g)->msg, "Unknown attribute: 'foo' in '/foo:0'");

    /* A status that already holds an error: returns it, pushes nothing. */
    assert_int_equal(tact_graph_push_device(g, "/gpu:0", &st), TACT_CODE_INVALID_ARGUMENT);
    assert_string_equal(new_op_device(g), "/device:CPU:0");
    assert_string_equal(st.msg, "Unknown attribute: 'foo' in '/foo:0'");

    /* NULL status; the other messages; the graph keeps its first error. */
    assert_int_equal(tact_graph_push_device(g, "/cpu:0/gpu:0", NULL), TACT_CODE_INVALID_ARGUMENT);
    tact_status_t st2 = TACT_STATUS_INIT;
    assert_int_equal(tact_graph_push_device(g, "/gpu:x", &st2), TACT_CODE_INVALID_ARGUMENT);
    assert_string_equal(st2.msg, "Malformed device specification '/gpu:x'");
    tact_status_t st3 = TACT_STATUS_INIT;
    assert_int_equal(tact_graph_push_device(g, "/cpu:0/gpu:0", &st3), TACT_CODE_INVALID_ARGUMENT);
    assert_string_equal(st3.msg, "Cannot specify multiple device types: /cpu:0/gpu:0");
    assert_string_equal(tact_graph_status(g)->msg, "Unknown attribute: 'foo' in '/foo:0'");
    assert_string_equal(new_op_device(g), "/device:CPU:0");

    pop_ok(g);
    assert_int_equal(tact_graph_pop_device(g), TACT_CODE_FAILED_PRECONDITION);
    tact_graph_destroy(&g);
}

static void test_default_graph_scopes(void **state)
{
    (void) state;
    tact_graph_t *g = tact_graph_new();
    {
        TACT_DEFAULT_GRAPH_SCOPE(g);
        push_ok(NULL, "/gpu:1");
        assert_string_equal(new_op_device(NULL), "/device:GPU:1");
        assert_string_equal(new_op_device(g), "/device:GPU:1");
        pop_ok(NULL);
        assert_int_equal(tact_graph_pop_device(NULL), TACT_CODE_FAILED_PRECONDITION);
        {
            TACT_DEVICE_SCOPE(NULL, "/cpu:0");
            assert_string_equal(new_op_device(g), "/device:CPU:0");
        }
        assert_string_equal(new_op_device(g), "");
    }
    /* Scopes are per graph: one on g does not reach another graph. */
    tact_graph_t *h = tact_graph_new();
    push_ok(g, "/cpu:0");
    assert_string_equal(new_op_device(h), "");
    push_ok(h, "/gpu:0");
    assert_string_equal(new_op_device(g), "/device:CPU:0");
    assert_string_equal(new_op_device(h), "/device:GPU:0");
    pop_ok(g);
    assert_int_equal(tact_graph_pop_device(g), TACT_CODE_FAILED_PRECONDITION);
    assert_string_equal(new_op_device(h), "/device:GPU:0");
    /* h is destroyed with its scope still pushed: the graph frees it. */
    tact_graph_destroy(&h);
    tact_graph_destroy(&g);
}

/* ------------------------------------------------------------------------------------------ */
/* TACT_DEVICE_SCOPE                                                                          */
/* ------------------------------------------------------------------------------------------ */

static const char *device_in_scope_then_return(tact_graph_t *g, bool early)
{
    TACT_DEVICE_SCOPE(g, "/gpu:2");
    const char *d = new_op_device(g);
    if (early)
        return d;  /* the guard pops here */
    {
        TACT_DEVICE_SCOPE(g, "/job:worker");
        return new_op_device(g);  /* both guards pop */
    }
}

static void test_guard_pops_on_every_exit(void **state)
{
    (void) state;
    tact_graph_t *g = tact_graph_new();

    /* Fall-through, with nesting. */
    {
        TACT_DEVICE_SCOPE(g, "/job:worker");
        assert_string_equal(new_op_device(g), "/job:worker");
        {
            TACT_DEVICE_SCOPE(g, "/gpu:0");
            assert_string_equal(new_op_device(g), "/job:worker/device:GPU:0");
            {
                TACT_DEVICE_SCOPE(g, NULL);
                assert_string_equal(new_op_device(g), "");
            }
            assert_string_equal(new_op_device(g), "/job:worker/device:GPU:0");
        }
        assert_string_equal(new_op_device(g), "/job:worker");
    }
    assert_string_equal(new_op_device(g), "");

    /* Return. */
    assert_string_equal(device_in_scope_then_return(g, true), "/device:GPU:2");
    assert_string_equal(new_op_device(g), "");
    assert_string_equal(device_in_scope_then_return(g, false), "/job:worker/device:GPU:2");
    assert_string_equal(new_op_device(g), "");

    /* Goto out of the block, and break out of a loop. */
    int visits = 0;
again:
    {
        TACT_DEVICE_SCOPE(g, "/cpu:0");
        assert_string_equal(new_op_device(g), "/device:CPU:0");
        if (++visits < 3)
            goto again;
    }
    assert_int_equal(visits, 3);
    assert_string_equal(new_op_device(g), "");
    for (int i = 0; i < 5; i++) {
        TACT_DEVICE_SCOPE(g, "/cpu:1");
        assert_string_equal(new_op_device(g), "/device:CPU:1");
        if (i == 2)
            break;
    }
    assert_string_equal(new_op_device(g), "");
    assert_int_equal(tact_graph_pop_device(g), TACT_CODE_FAILED_PRECONDITION);
    assert_int_equal(tact_graph_status(g)->code, TACT_CODE_OK);
    tact_graph_destroy(&g);
}

static void test_guard_with_malformed_spec(void **state)
{
    (void) state;
    tact_graph_t *g = tact_graph_new();
    {
        TACT_DEVICE_SCOPE(g, "/gpu:0");
        {
            /* Nothing pushed, so nothing popped: the outer scope survives the block. */
            TACT_DEVICE_SCOPE(g, "/gpu:zero");
            assert_string_equal(new_op_device(g), "/device:GPU:0");
        }
        assert_string_equal(new_op_device(g), "/device:GPU:0");
        /* The two-argument form leaves the error on the graph. */
        assert_int_equal(tact_graph_status(g)->code, TACT_CODE_INVALID_ARGUMENT);
        assert_string_equal(tact_graph_status(g)->msg,
                            "Malformed device specification '/gpu:zero'");

        /* The three-argument form reports it to the caller too. */
        tact_status_t st = TACT_STATUS_INIT;
        {
            TACT_DEVICE_SCOPE(g, "/bogus:1", &st);
            assert_int_equal(st.code, TACT_CODE_INVALID_ARGUMENT);
            assert_string_equal(st.msg, "Unknown attribute: 'bogus' in '/bogus:1'");
            assert_string_equal(new_op_device(g), "/device:GPU:0");
        }
        /* With st already failed the guard pushes nothing either. */
        {
            TACT_DEVICE_SCOPE(g, "/cpu:0", &st);
            assert_string_equal(new_op_device(g), "/device:GPU:0");
        }
        /* And with a healthy status it pushes. */
        tact_status_t ok = TACT_STATUS_INIT;
        {
            TACT_DEVICE_SCOPE(g, "/cpu:0", &ok);
            assert_int_equal(ok.code, TACT_CODE_OK);
            assert_string_equal(new_op_device(g), "/device:CPU:0");
        }
        assert_string_equal(new_op_device(g), "/device:GPU:0");
    }
    assert_string_equal(new_op_device(g), "");
    assert_int_equal(tact_graph_pop_device(g), TACT_CODE_FAILED_PRECONDITION);
    tact_graph_destroy(&g);
}

/* ------------------------------------------------------------------------------------------ */
/* Threads                                                                                    */
/* ------------------------------------------------------------------------------------------ */

#define SCOPE_THREADS 8
#define SCOPE_OPS     200

typedef struct scope_worker {
    tact_graph_t *g;
    pthread_barrier_t *barrier;
    const char *spec;
    const char *want;
    tact_op_t *ops[SCOPE_OPS];
    int bad;                      /* ops whose device differs from want */
    bool leave_pushed;            /* exit with the scope still open */
} scope_worker_t;

static void *scope_worker_main(void *arg)
{
    scope_worker_t *w = arg;
    tact_status_t st = TACT_STATUS_INIT;
    char name[32];

    /* A new thread starts with no scopes, whatever the main thread has open. */
    tact_output_t first = tact_placeholder(w->g, TACT_DTYPE_F32, NULL, 0, "first", &st);
    if (st.code != TACT_CODE_OK || strcmp(tact_op_device(first.op), "") != 0)
        w->bad++;

    tact_graph_push_device(w->g, "/job:localhost", &st);
    tact_graph_push_device(w->g, w->spec, &st);
    pthread_barrier_wait(w->barrier);  /* every thread is inside its scopes from here on */
    for (int i = 0; i < SCOPE_OPS; i++) {
        snprintf(name, sizeof name, "op_%d", i);
        tact_output_t x = tact_placeholder(w->g, TACT_DTYPE_F32, NULL, 0, name, &st);
        w->ops[i] = x.op;
        if (x.op == NULL || strcmp(tact_op_device(x.op), w->want) != 0)
            w->bad++;
    }
    pthread_barrier_wait(w->barrier);
    if (w->leave_pushed)
        return NULL;
    if (tact_graph_pop_device(w->g) != TACT_CODE_OK ||
        tact_graph_pop_device(w->g) != TACT_CODE_OK ||
        tact_graph_pop_device(w->g) != TACT_CODE_FAILED_PRECONDITION)
        w->bad++;
    if (st.code != TACT_CODE_OK)
        w->bad++;
    return NULL;
}

static void test_threads_build_in_their_own_scopes(void **state)
{
    (void) state;
    static const char *specs[SCOPE_THREADS][2] = {
        { "/cpu:0", "/job:localhost/device:CPU:0" },
        { "/gpu:1", "/job:localhost/device:GPU:1" },
        { NULL, "" },
        { "", "/job:localhost" },
        { "/job:worker/task:3", "/job:worker/task:3" },
        { "/device:GPU:*", "/job:localhost/device:GPU:*" },
        { "/replica:0/CPU:2", "/job:localhost/replica:0/device:CPU:2" },
        { "/gpu:0", "/job:localhost/device:GPU:0" },
    };
    tact_graph_t *g = tact_graph_new();
    push_ok(g, "/device:TPU:7");  /* the main thread's scope reaches no worker */

    pthread_barrier_t barrier;
    assert_int_equal(pthread_barrier_init(&barrier, NULL, SCOPE_THREADS), 0);
    scope_worker_t w[SCOPE_THREADS];
    pthread_t th[SCOPE_THREADS];
    for (int t = 0; t < SCOPE_THREADS; t++) {
        w[t] = (scope_worker_t) { .g = g, .barrier = &barrier, .spec = specs[t][0],
                                  .want = specs[t][1], .leave_pushed = t == 3 };
        assert_int_equal(pthread_create(&th[t], NULL, scope_worker_main, &w[t]), 0);
    }
    for (int t = 0; t < SCOPE_THREADS; t++)
        assert_int_equal(pthread_join(th[t], NULL), 0);
    pthread_barrier_destroy(&barrier);

    for (int t = 0; t < SCOPE_THREADS; t++) {
        assert_int_equal(w[t].bad, 0);
        for (int i = 0; i < SCOPE_OPS; i++)
            assert_string_equal(tact_op_device(w[t].ops[i]), specs[t][1]);
    }
    assert_int_equal(tact_graph_num_ops(g), SCOPE_THREADS * (SCOPE_OPS + 1));

    /* The main thread's scope is untouched by the threads; thread 3's leftover scope is not
     * the main thread's to pop, and the graph frees it. */
    assert_string_equal(new_op_device(g), "/device:TPU:7");
    pop_ok(g);
    assert_int_equal(tact_graph_pop_device(g), TACT_CODE_FAILED_PRECONDITION);
    assert_string_equal(new_op_device(g), "");
    tact_graph_destroy(&g);
}

/* Two threads on one graph, one in a GPU scope and one in a CPU scope, alternating op by op
 * through a shared graph while the other is inside its scope. */
typedef struct pingpong {
    tact_graph_t *g;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    int turn;                     /* whose turn: 0 or 1 */
    int rounds;
} pingpong_t;

typedef struct pingpong_arg {
    pingpong_t *pp;
    int me;
    const char *spec;
    const char *want;
    int bad;
} pingpong_arg_t;

static void *pingpong_main(void *arg)
{
    pingpong_arg_t *a = arg;
    pingpong_t *pp = a->pp;
    {
        TACT_DEVICE_SCOPE(pp->g, a->spec);
        for (int i = 0; i < pp->rounds; i++) {
            pthread_mutex_lock(&pp->mu);
            while (pp->turn != a->me)
                pthread_cond_wait(&pp->cv, &pp->mu);
            pthread_mutex_unlock(&pp->mu);
            if (strcmp(new_op_device(pp->g), a->want) != 0)
                a->bad++;
            pthread_mutex_lock(&pp->mu);
            pp->turn = 1 - a->me;
            pthread_cond_broadcast(&pp->cv);
            pthread_mutex_unlock(&pp->mu);
        }
    }
    if (tact_graph_pop_device(pp->g) != TACT_CODE_FAILED_PRECONDITION)
        a->bad++;
    return NULL;
}

static void test_two_threads_alternate(void **state)
{
    (void) state;
    pingpong_t pp = { .g = tact_graph_new(), .turn = 0, .rounds = 50 };
    pthread_mutex_init(&pp.mu, NULL);
    pthread_cond_init(&pp.cv, NULL);
    pingpong_arg_t a[2] = {
        { .pp = &pp, .me = 0, .spec = "/gpu:0", .want = "/device:GPU:0" },
        { .pp = &pp, .me = 1, .spec = "/job:localhost/cpu:0",
          .want = "/job:localhost/device:CPU:0" },
    };
    pthread_t th[2];
    for (int t = 0; t < 2; t++)
        assert_int_equal(pthread_create(&th[t], NULL, pingpong_main, &a[t]), 0);
    for (int t = 0; t < 2; t++)
        assert_int_equal(pthread_join(th[t], NULL), 0);
    assert_int_equal(a[0].bad, 0);
    assert_int_equal(a[1].bad, 0);
    assert_int_equal(tact_graph_num_ops(pp.g), 100);
    pthread_cond_destroy(&pp.cv);
    pthread_mutex_destroy(&pp.mu);
    tact_graph_destroy(&pp.g);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_parse_table),
        cmocka_unit_test(test_canonical_round_trip),
        cmocka_unit_test(test_parse_fields),
        cmocka_unit_test(test_parse_errors_leave_empty_spec_and_stick),
        cmocka_unit_test(test_format_lengths),
        cmocka_unit_test(test_merge),
        cmocka_unit_test(test_matches),
        cmocka_unit_test(test_scopes_nest_and_merge),
        cmocka_unit_test(test_scope_none_and_empty),
        cmocka_unit_test(test_push_errors),
        cmocka_unit_test(test_default_graph_scopes),
        cmocka_unit_test(test_guard_pops_on_every_exit),
        cmocka_unit_test(test_guard_with_malformed_spec),
        cmocka_unit_test(test_threads_build_in_their_own_scopes),
        cmocka_unit_test(test_two_threads_alternate),
    };
    return cmocka_run_group_tests_name("device_spec", tests, NULL, NULL);
}
