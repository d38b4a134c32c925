/* SPDX-License-Identifier: MIT */
/* The protobuf text format over protobuf-c descriptors: TensorFlow's own .pbtxt files read and
 * printed back byte for byte, escapes, lists, comments, oneofs, and errors with their line. */
/* first: the prelude's _GNU_SOURCE precedes the system headers */
#include "runtime/model/text_format.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "graph.pb-c.h"
#include "tests/helpers.h"

/* A fixture of tests/data/ read whole. */
static char *read_all(const char *name, size_t *len)
{
    char path[512];
    snprintf(path, sizeof path, "%s/%s", TACT_TEST_DATA_DIR, name);
    return tu_read_file(path, len);
}

static ProtobufCMessage *parse_ok(const ProtobufCMessageDescriptor *d, const char *text)
{
    tact_status_t st = TACT_STATUS_INIT;
    ProtobufCMessage *m = tact__text_format_parse(d, text, strlen(text), &st);
    if (m == NULL)
        fail_msg("parse failed: %s", st.msg);
    return m;
}

static void parse_fails(const char *text, const char *msg)
{
    tact_status_t st = TACT_STATUS_INIT;
    ProtobufCMessage *m = tact__text_format_parse(&tensorflow__graph_def__descriptor, text,
                                                  strlen(text), &st);
    assert_null(m);
    assert_int_equal(st.code, TACT_CODE_INVALID_ARGUMENT);
    assert_string_equal(st.msg, msg);
}

/* TensorFlow's write_graph(as_text=True) output parses and prints back identically, and the
 * parsed message packs to the same bytes as TensorFlow's binary file of the same graph. */
static void test_tensorflow_files_round_trip(void **state)
{
    (void) state;
    const char *files[] = { "frozen_mlp.pbtxt", "ops.pbtxt" };
    for (int i = 0; i < 2; i++) {
        size_t len;
        char *text = read_all(files[i], &len);
        ProtobufCMessage *m = parse_ok(&tensorflow__graph_def__descriptor, text);
        size_t out_len;
        char *out = tact__text_format_print(m, &out_len);
        assert_int_equal(out_len, len);
        assert_string_equal(out, text);
        free(out);
        if (i == 0) {  /* the binary file TensorFlow wrote of the same graph */
            size_t blen;
            char *bin = read_all("frozen_mlp.pb", &blen);
            Tensorflow__GraphDef *b = tensorflow__graph_def__unpack(NULL, blen, (uint8_t *) bin);
            assert_non_null(b);
            char *btext = tact__text_format_print(&b->base, NULL);
            assert_string_equal(btext, text);
            free(btext);
            tensorflow__graph_def__free_unpacked(b, NULL);
            free(bin);
        }
        protobuf_c_message_free_unpacked(m, NULL);
        free(text);
    }
}

static void test_escapes_and_syntax(void **state)
{
    (void) state;
    const char *text =
        "# a comment\n"
        "node < name: 'a\\'b' op: \"NoOp\" \"V2\" input: [\"x\", 'y:1'] ; >\n"
        "node: { name: \"\\001\\x41\\n\\t\\\\\\\"\\377\" attr { key: \"v\" value { tensor {\n"
        "  dtype: DT_FLOAT float_val: [1.5, -2e-3, inf, -inf, 3f] int_val: 0x10\n"
        "  tensor_content: \"\\000\\1\\12z\" } } }, }\n"
        "versions { producer: 7 min_consumer: -1 }";
    Tensorflow__GraphDef *gd = (Tensorflow__GraphDef *)
        parse_ok(&tensorflow__graph_def__descriptor, text);
    assert_int_equal(gd->n_node, 2);
    assert_string_equal(gd->node[0]->name, "a'b");
    assert_string_equal(gd->node[0]->op, "NoOpV2");
    assert_int_equal(gd->node[0]->n_input, 2);
    assert_string_equal(gd->node[0]->input[1], "y:1");
    assert_string_equal(gd->node[1]->name, "\001A\n\t\\\"\377");
    const Tensorflow__TensorProto *tp = gd->node[1]->attr[0]->value->tensor;
    assert_int_equal(gd->node[1]->attr[0]->value->value_case,
                     TENSORFLOW__ATTR_VALUE__VALUE_TENSOR);
    assert_int_equal(tp->dtype, TENSORFLOW__DATA_TYPE__DT_FLOAT);
    assert_int_equal(tp->n_float_val, 5);
    assert_true(tp->float_val[0] == 1.5f && tp->float_val[1] == -2e-3f);
    assert_true(isinf(tp->float_val[2]) && tp->float_val[3] < 0 && tp->float_val[4] == 3.0f);
    assert_int_equal(tp->int_val[0], 16);
    assert_int_equal(tp->tensor_content.len, 4);
    assert_memory_equal(tp->tensor_content.data, "\000\001\012z", 4);
    assert_int_equal(gd->versions->producer, 7);
    assert_int_equal(gd->versions->min_consumer, -1);

    /* Printed back: octal for other bytes, the shortest floats, fields in number order. */
    char *out = tact__text_format_print(&gd->base, NULL);
    assert_true(tu_contains(out, "name: \"\\001A\\n\\t\\\\\\\"\\377\""));
    assert_true(tu_contains(out, "float_val: 1.5\n"));
    assert_true(tu_contains(out, "float_val: -0.002\n"));
    assert_true(tu_contains(out, "float_val: -inf\n"));
    assert_true(tu_contains(out, "tensor_content: \"\\000\\001\\nz\"\n"));
    assert_true(tu_contains(out, "versions {\n  producer: 7\n  min_consumer: -1\n}\n"));
    /* And that text reads back as the same message. */
    Tensorflow__GraphDef *again = (Tensorflow__GraphDef *)
        parse_ok(&tensorflow__graph_def__descriptor, out);
    size_t n1 = tensorflow__graph_def__get_packed_size(gd);
    size_t n2 = tensorflow__graph_def__get_packed_size(again);
    assert_int_equal(n1, n2);
    uint8_t *b1 = malloc(n1), *b2 = malloc(n2);
    tensorflow__graph_def__pack(gd, b1);
    tensorflow__graph_def__pack(again, b2);
    assert_memory_equal(b1, b2, n1);
    free(b1);
    free(b2);
    free(out);
    tensorflow__graph_def__free_unpacked(again, NULL);
    tensorflow__graph_def__free_unpacked(gd, NULL);
}

/* A oneof keeps its last member; the earlier members' values are freed (ASan, valgrind). */
static void test_oneof_last_wins(void **state)
{
    (void) state;
    Tensorflow__AttrValue *a = (Tensorflow__AttrValue *) parse_ok(
        &tensorflow__attr_value__descriptor,
        "s: 'first' shape { dim { size: 3 } } list { i: [1, 2] } i: 42 s: \"x\" s: \"last\"");
    assert_int_equal(a->value_case, TENSORFLOW__ATTR_VALUE__VALUE_S);
    assert_int_equal(a->s.len, 4);
    assert_memory_equal(a->s.data, "last", 4);
    char *out = tact__text_format_print(&a->base, NULL);
    assert_string_equal(out, "s: \"last\"\n");
    free(out);
    tensorflow__attr_value__free_unpacked(a, NULL);

    a = (Tensorflow__AttrValue *) parse_ok(&tensorflow__attr_value__descriptor,
                                           "b: true type: DT_INT64 b: f");
    assert_int_equal(a->value_case, TENSORFLOW__ATTR_VALUE__VALUE_B);
    assert_false(a->b);
    out = tact__text_format_print(&a->base, NULL);
    assert_string_equal(out, "b: false\n");
    free(out);
    tensorflow__attr_value__free_unpacked(a, NULL);
}

static void test_errors_name_the_line(void **state)
{
    (void) state;
    parse_fails("node {\n  name: \"a\"\n  colour: 3\n}",
                "tensorflow.GraphDef text format, line 3 column 9: message tensorflow.NodeDef "
                "has no field named 'colour'");
    parse_fails("node { name \"a\" }",
                "tensorflow.GraphDef text format, line 1 column 13: expected ':' after 'name'");
    parse_fails("node {\n name: \"a\n\" }",
                "tensorflow.GraphDef text format, line 2 column 10: string not terminated");
    parse_fails("node { attr { key: 'T' value { type: DT_FLOOT } } }",
                "tensorflow.GraphDef text format, line 1 column 46: enum tensorflow.DataType "
                "has no value named 'DT_FLOOT'");
    parse_fails("versions { producer: 3000000000 }",
                "tensorflow.GraphDef text format, line 1 column 32: integer 3000000000 out of "
                "range for int32");
    parse_fails("node { name: ['a', 'b'] }",
                "tensorflow.GraphDef text format, line 1 column 15: 'name' is not a repeated "
                "field, so takes no list");
    parse_fails("node { name: 'a' ",
                "tensorflow.GraphDef text format, line 1 column 18: expected '}' before the end "
                "of the text");
    parse_fails("node { name: 'a\\q' }",
                "tensorflow.GraphDef text format, line 1 column 18: invalid escape '\\q'");
    parse_fails("node { attr { value { b: maybe } } }",
                "tensorflow.GraphDef text format, line 1 column 31: expected true or false for "
                "'b', not 'maybe'");
    parse_fails("versions { producer: 12abc }",
                "tensorflow.GraphDef text format, line 1 column 27: expected an integer, not "
                "'12abc'");
    /* A word longer than the parser's room for one, then a sign (found by fuzz_graphdef_text:
     * the sign's check read before the word's buffer under ASan). */
    char longword[700];
    memset(longword, 0, sizeof longword);
    memcpy(longword, "node { ", 7);
    memset(longword + 7, 'e', 600);
    memcpy(longword + 607, "-1: 2 }", 7);
    tact_status_t lst = TACT_STATUS_INIT;
    assert_null(tact__text_format_parse(&tensorflow__graph_def__descriptor, longword,
                                        strlen(longword), &lst));
    assert_int_equal(lst.code, TACT_CODE_INVALID_ARGUMENT);
    assert_true(tu_contains(lst.msg, "line 1"));
    /* Deep nesting is refused, not a stack overflow. */
    size_t depth = 5000;
    char *deep = malloc(depth * 32 + 32);
    size_t n = (size_t) sprintf(deep, "node { attr { value { ");
    for (size_t i = 0; i < depth; i++)  /* AttrValue, ListValue, NameAttrList, its attr entry */
        n += (size_t) sprintf(deep + n, "list { func { attr { value { ");
    tact_status_t st = TACT_STATUS_INIT;
    assert_null(tact__text_format_parse(&tensorflow__graph_def__descriptor, deep, n, &st));
    assert_int_equal(st.code, TACT_CODE_INVALID_ARGUMENT);
    assert_true(tu_contains(st.msg, "messages nested deeper than 100"));
    free(deep);
}

/* Every prefix of a valid text is parsed or refused with a status, never a crash or a leak. */
static void test_truncated_text(void **state)
{
    (void) state;
    size_t len;
    char *text = read_all("ops.pbtxt", &len);
    int ok = 0;
    for (size_t cut = 0; cut < len; cut++) {
        tact_status_t st = TACT_STATUS_INIT;
        ProtobufCMessage *m = tact__text_format_parse(&tensorflow__graph_def__descriptor, text,
                                                      cut, &st);
        if (m != NULL) {
            ok++;
            protobuf_c_message_free_unpacked(m, NULL);
        } else {
            assert_int_equal(st.code, TACT_CODE_INVALID_ARGUMENT);
        }
    }
    assert_true(ok > 0 && ok < (int) len / 4);  /* only the cuts between nodes parse */
    free(text);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_tensorflow_files_round_trip),
        cmocka_unit_test(test_escapes_and_syntax),
        cmocka_unit_test(test_oneof_last_wins),
        cmocka_unit_test(test_errors_name_the_line),
        cmocka_unit_test(test_truncated_text),
    };
    return cmocka_run_group_tests_name("text_format", tests, NULL, NULL);
}
