/* SPDX-License-Identifier: MIT */
/* Tests of runtime/base/status.c: code names and TensorFlow's code numbers, the sticky
 * first-error-wins helper tact__fail, tact__failed, and tact__status_merge, which carries an
 * error from one status (a device actor's reply) into another (the caller's). */
#include "runtime/base/prelude.h" /* first: it sets _GNU_SOURCE before any system header */

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h> /* after the four above, which it needs */

/* ------------------------------------------------------------------------------------------ */
/* Codes                                                                                      */
/* ------------------------------------------------------------------------------------------ */

static void test_code_numbers_match_tensorflow(void **state)
{
    (void) state;
    /* tensorflow/core/protobuf/error_codes.proto */
    assert_int_equal(TACT_CODE_OK, 0);
    assert_int_equal(TACT_CODE_CANCELLED, 1);
    assert_int_equal(TACT_CODE_UNKNOWN, 2);
    assert_int_equal(TACT_CODE_INVALID_ARGUMENT, 3);
    assert_int_equal(TACT_CODE_DEADLINE_EXCEEDED, 4);
    assert_int_equal(TACT_CODE_NOT_FOUND, 5);
    assert_int_equal(TACT_CODE_ALREADY_EXISTS, 6);
    assert_int_equal(TACT_CODE_PERMISSION_DENIED, 7);
    assert_int_equal(TACT_CODE_RESOURCE_EXHAUSTED, 8);
    assert_int_equal(TACT_CODE_FAILED_PRECONDITION, 9);
    assert_int_equal(TACT_CODE_ABORTED, 10);
    assert_int_equal(TACT_CODE_OUT_OF_RANGE, 11);
    assert_int_equal(TACT_CODE_UNIMPLEMENTED, 12);
    assert_int_equal(TACT_CODE_INTERNAL, 13);
    assert_int_equal(TACT_CODE_UNAVAILABLE, 14);
    assert_int_equal(TACT_CODE_DATA_LOSS, 15);
    assert_int_equal(TACT_CODE_UNAUTHENTICATED, 16);
    assert_int_equal(TACT_CODE_COUNT, 17);
}

static void test_code_names(void **state)
{
    (void) state;
    assert_string_equal(tact_code_name(TACT_CODE_OK), "ok");
    assert_string_equal(tact_code_name(TACT_CODE_CANCELLED), "cancelled");
    assert_string_equal(tact_code_name(TACT_CODE_UNKNOWN), "unknown");
    assert_string_equal(tact_code_name(TACT_CODE_INVALID_ARGUMENT), "invalid argument");
    assert_string_equal(tact_code_name(TACT_CODE_DEADLINE_EXCEEDED), "deadline exceeded");
    assert_string_equal(tact_code_name(TACT_CODE_NOT_FOUND), "not found");
    assert_string_equal(tact_code_name(TACT_CODE_ALREADY_EXISTS), "already exists");
    assert_string_equal(tact_code_name(TACT_CODE_PERMISSION_DENIED), "permission denied");
    assert_string_equal(tact_code_name(TACT_CODE_RESOURCE_EXHAUSTED), "resource exhausted");
    assert_string_equal(tact_code_name(TACT_CODE_FAILED_PRECONDITION), "failed precondition");
    assert_string_equal(tact_code_name(TACT_CODE_ABORTED), "aborted");
    assert_string_equal(tact_code_name(TACT_CODE_OUT_OF_RANGE), "out of range");
    assert_string_equal(tact_code_name(TACT_CODE_UNIMPLEMENTED), "unimplemented");
    assert_string_equal(tact_code_name(TACT_CODE_INTERNAL), "internal");
    assert_string_equal(tact_code_name(TACT_CODE_UNAVAILABLE), "unavailable");
    assert_string_equal(tact_code_name(TACT_CODE_DATA_LOSS), "data loss");
    assert_string_equal(tact_code_name(TACT_CODE_UNAUTHENTICATED), "unauthenticated");
}

static void test_code_names_are_distinct(void **state)
{
    (void) state;
    for (int a = 0; a < TACT_CODE_COUNT; a++) {
        assert_non_null(tact_code_name(a));
        assert_string_not_equal(tact_code_name(a), "unknown code");
        for (int b = a + 1; b < TACT_CODE_COUNT; b++)
            assert_string_not_equal(tact_code_name(a), tact_code_name(b));
    }
}

static void test_code_name_outside_the_map(void **state)
{
    (void) state;
    assert_string_equal(tact_code_name(TACT_CODE_COUNT), "unknown code");
    assert_string_equal(tact_code_name((tact_code_t) 99), "unknown code");
    assert_string_equal(tact_code_name((tact_code_t) -1), "unknown code");
}

/* ------------------------------------------------------------------------------------------ */
/* tact__fail and tact__failed                                                                */
/* ------------------------------------------------------------------------------------------ */

static void test_status_init(void **state)
{
    (void) state;
    tact_status_t st = TACT_STATUS_INIT;
    assert_int_equal(st.code, TACT_CODE_OK);
    assert_string_equal(st.msg, "");
    assert_false(tact__failed(&st));
    assert_false(tact__failed(NULL));
}

static void test_fail_formats_and_returns_code(void **state)
{
    (void) state;
    tact_status_t st = TACT_STATUS_INIT;
    tact_code_t rc =
        tact__fail(&st, TACT_CODE_UNIMPLEMENTED, "CPU:%d: no kernel for %s", 0, "matmul");
    assert_int_equal(rc, TACT_CODE_UNIMPLEMENTED);
    assert_int_equal(st.code, TACT_CODE_UNIMPLEMENTED);
    assert_string_equal(st.msg, "CPU:0: no kernel for matmul");
    assert_true(tact__failed(&st));

    tact_status_t plain = TACT_STATUS_INIT;
    assert_int_equal(tact__fail(&plain, TACT_CODE_INTERNAL, "no arguments: 100%%"),
                     TACT_CODE_INTERNAL);
    assert_string_equal(plain.msg, "no arguments: 100%");
}

static void test_fail_first_error_wins(void **state)
{
    (void) state;
    tact_status_t st = TACT_STATUS_INIT;
    tact__fail(&st, TACT_CODE_NOT_FOUND, "first: %s", "root cause");

    /* Later failures still return their own code but leave the status alone. */
    assert_int_equal(tact__fail(&st, TACT_CODE_INTERNAL, "second"), TACT_CODE_INTERNAL);
    assert_int_equal(tact__fail(&st, TACT_CODE_ABORTED, "third %d", 3), TACT_CODE_ABORTED);
    assert_int_equal(st.code, TACT_CODE_NOT_FOUND);
    assert_string_equal(st.msg, "first: root cause");
}

static void test_fail_with_null_status(void **state)
{
    (void) state;
    assert_int_equal(tact__fail(NULL, TACT_CODE_DATA_LOSS, "lost %d bytes", 12),
                     TACT_CODE_DATA_LOSS);
}

static void test_fail_truncates_long_messages(void **state)
{
    (void) state;
    /* One token longer than the message: cut at the last byte that leaves room for "…". */
    char long_text[2000];
    memset(long_text, 'a', sizeof long_text - 1);
    long_text[sizeof long_text - 1] = '\0';

    tact_status_t st = TACT_STATUS_INIT;
    assert_int_equal(sizeof st.msg, 1024);  /* the API contract */
    tact__fail(&st, TACT_CODE_OUT_OF_RANGE, "%s", long_text);
    assert_int_equal(st.code, TACT_CODE_OUT_OF_RANGE);
    assert_int_equal(strlen(st.msg), sizeof st.msg - 1);
    assert_memory_equal(st.msg, long_text, sizeof st.msg - 4);
    assert_string_equal(st.msg + sizeof st.msg - 4, "\xe2\x80\xa6");
}

static void test_fail_cuts_long_messages_at_a_word(void **state)
{
    (void) state;
    /* "device0 device1 ... device199": the cut falls after a whole word, never inside one. */
    char list[2400];
    size_t at = 0;
    for (int i = 0; i < 200; i++)
        at += (size_t) snprintf(list + at, sizeof list - at, "%sdevice%d", i ? " " : "", i);

    tact_status_t st = TACT_STATUS_INIT;
    tact__fail(&st, TACT_CODE_INVALID_ARGUMENT, "available devices are [ %s ].", list);
    size_t n = strlen(st.msg);
    assert_true(n < sizeof st.msg);
    assert_true(n > sizeof st.msg - 20);  /* only the last partial word is dropped */
    assert_string_equal(st.msg + n - 3, "\xe2\x80\xa6");
    /* What precedes the ellipsis is a prefix of the full text ending at a word's end. */
    char full[2600];
    snprintf(full, sizeof full, "available devices are [ %s ].", list);
    assert_memory_equal(st.msg, full, n - 3);
    assert_int_equal(full[n - 3], ' ');
    assert_true(st.msg[n - 4] != ' ');

    /* A message that fits is left alone: no ellipsis. */
    tact_status_t ok = TACT_STATUS_INIT;
    tact__fail(&ok, TACT_CODE_INVALID_ARGUMENT, "%.*s", (int) sizeof ok.msg - 1, full);
    assert_int_equal(strlen(ok.msg), sizeof ok.msg - 1);
    assert_memory_equal(ok.msg, full, sizeof ok.msg - 1);
}

static void test_status_append_is_cut_too(void **state)
{
    (void) state;
    tact_status_t st = TACT_STATUS_INIT;
    tact__fail(&st, TACT_CODE_INTERNAL, "kernel failed");
    tact__status_append(&st, "\n\t [[{{node %s}}]]", "y");
    assert_string_equal(st.msg, "kernel failed\n\t [[{{node y}}]]");

    char words[1500];
    size_t at = 0;
    while (at < sizeof words - 8)
        at += (size_t) snprintf(words + at, sizeof words - at, "word ");
    tact__status_append(&st, " %s", words);
    size_t n = strlen(st.msg);
    assert_true(n < sizeof st.msg);
    assert_string_equal(st.msg + n - 7, "word\xe2\x80\xa6");
    assert_int_equal(st.code, TACT_CODE_INTERNAL);
}

/* ------------------------------------------------------------------------------------------ */
/* tact__status_merge                                                                         */
/* ------------------------------------------------------------------------------------------ */

static void test_merge_copies_an_error_into_ok(void **state)
{
    (void) state;
    tact_status_t to = TACT_STATUS_INIT;
    tact_status_t from = TACT_STATUS_INIT;
    tact__fail(&from, TACT_CODE_RESOURCE_EXHAUSTED, "CUDA:0: out of memory (%d MiB)", 512);

    assert_int_equal(tact__status_merge(&to, &from), TACT_CODE_RESOURCE_EXHAUSTED);
    assert_int_equal(to.code, TACT_CODE_RESOURCE_EXHAUSTED);
    assert_string_equal(to.msg, "CUDA:0: out of memory (512 MiB)");
    /* `from` is unchanged. */
    assert_int_equal(from.code, TACT_CODE_RESOURCE_EXHAUSTED);
    assert_string_equal(from.msg, "CUDA:0: out of memory (512 MiB)");
}

static void test_merge_keeps_the_first_error(void **state)
{
    (void) state;
    tact_status_t to = TACT_STATUS_INIT;
    tact_status_t from = TACT_STATUS_INIT;
    tact__fail(&to, TACT_CODE_INVALID_ARGUMENT, "first");
    tact__fail(&from, TACT_CODE_INTERNAL, "second");

    assert_int_equal(tact__status_merge(&to, &from), TACT_CODE_INVALID_ARGUMENT);
    assert_int_equal(to.code, TACT_CODE_INVALID_ARGUMENT);
    assert_string_equal(to.msg, "first");
}

static void test_merge_ok_changes_nothing(void **state)
{
    (void) state;
    tact_status_t to = TACT_STATUS_INIT;
    tact_status_t ok = TACT_STATUS_INIT;
    assert_int_equal(tact__status_merge(&to, &ok), TACT_CODE_OK);
    assert_int_equal(to.code, TACT_CODE_OK);
    assert_string_equal(to.msg, "");

    tact__fail(&to, TACT_CODE_ABORTED, "aborted run");
    assert_int_equal(tact__status_merge(&to, &ok), TACT_CODE_ABORTED);
    assert_string_equal(to.msg, "aborted run");
}

static void test_merge_into_null(void **state)
{
    (void) state;
    tact_status_t from = TACT_STATUS_INIT;
    assert_int_equal(tact__status_merge(NULL, &from), TACT_CODE_OK);
    tact__fail(&from, TACT_CODE_UNAVAILABLE, "device gone");
    assert_int_equal(tact__status_merge(NULL, &from), TACT_CODE_UNAVAILABLE);
}

/* File errors get TensorFlow's codes (its ErrnoToCode). */
static void test_code_from_errno(void **state)
{
    (void) state;
    assert_int_equal(tact__code_from_errno(ENOENT), TACT_CODE_NOT_FOUND);
    assert_int_equal(tact__code_from_errno(ENOTDIR), TACT_CODE_NOT_FOUND);
    assert_int_equal(tact__code_from_errno(EACCES), TACT_CODE_PERMISSION_DENIED);
    assert_int_equal(tact__code_from_errno(EROFS), TACT_CODE_PERMISSION_DENIED);
    assert_int_equal(tact__code_from_errno(EISDIR), TACT_CODE_FAILED_PRECONDITION);
    assert_int_equal(tact__code_from_errno(EEXIST), TACT_CODE_ALREADY_EXISTS);
    assert_int_equal(tact__code_from_errno(ENAMETOOLONG), TACT_CODE_INVALID_ARGUMENT);
    assert_int_equal(tact__code_from_errno(ENOSPC), TACT_CODE_RESOURCE_EXHAUSTED);
    assert_int_equal(tact__code_from_errno(EMFILE), TACT_CODE_RESOURCE_EXHAUSTED);
    assert_int_equal(tact__code_from_errno(EFBIG), TACT_CODE_OUT_OF_RANGE);
    assert_int_equal(tact__code_from_errno(EIO), TACT_CODE_UNKNOWN);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_code_numbers_match_tensorflow),
        cmocka_unit_test(test_code_names),
        cmocka_unit_test(test_code_names_are_distinct),
        cmocka_unit_test(test_code_name_outside_the_map),
        cmocka_unit_test(test_status_init),
        cmocka_unit_test(test_fail_formats_and_returns_code),
        cmocka_unit_test(test_fail_first_error_wins),
        cmocka_unit_test(test_fail_with_null_status),
        cmocka_unit_test(test_fail_truncates_long_messages),
        cmocka_unit_test(test_fail_cuts_long_messages_at_a_word),
        cmocka_unit_test(test_status_append_is_cut_too),
        cmocka_unit_test(test_merge_copies_an_error_into_ok),
        cmocka_unit_test(test_merge_keeps_the_first_error),
        cmocka_unit_test(test_merge_ok_changes_nothing),
        cmocka_unit_test(test_merge_into_null),
        cmocka_unit_test(test_code_from_errno),
    };
    return cmocka_run_group_tests_name("status", tests, NULL, NULL);
}
