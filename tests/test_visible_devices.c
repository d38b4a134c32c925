/* SPDX-License-Identifier: MIT */
/* Tests of devices/visible_devices.c: gpu_options.visible_device_list as TensorFlow 1.x
 * parses it (identity when empty, "1,0" maps GPU:0 to visible id 1), what an entry may look
 * like (white space around it, one leading '-', nothing else), the three INVALID_ARGUMENT
 * messages and their order (entry by entry, repeats last), and the GPU count rule with
 * device_count["GPU"] (spec §3.6, §3.7). */
#include "devices/visible_devices.h" /* first: the prelude sets _GNU_SOURCE */

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h> /* after the four above, which it needs */

#define MAX_VISIBLE 8

/* Parse `list` against n visible GPUs; expect OK and ids want[0..n_want). */
static void expect_ids(const char *list, int n_visible, const int *want, int n_want)
{
    tact_status_t st = TACT_STATUS_INIT;
    int ids[MAX_VISIBLE];
    int n = -1;
    tact_code_t rc = tact__visible_devices_parse(list, n_visible, ids, &n, &st);
    if (rc != TACT_CODE_OK)
        fail_msg("'%s' (n=%d): %s", list ? list : "(null)", n_visible, st.msg);
    assert_int_equal(st.code, TACT_CODE_OK);
    assert_string_equal(st.msg, "");
    assert_int_equal(n, n_want);
    for (int i = 0; i < n_want; i++)
        assert_int_equal(ids[i], want[i]);
}

#define EXPECT_IDS(list, n_visible, ...)                                                   \
    expect_ids((list), (n_visible), (const int[]) { __VA_ARGS__ },                         \
               (int) (sizeof((const int[]) { __VA_ARGS__ }) / sizeof(int)))

/* Parse `list`; expect INVALID_ARGUMENT with exactly `msg`, and no ids. */
static void expect_error(const char *list, int n_visible, const char *msg)
{
    tact_status_t st = TACT_STATUS_INIT;
    int ids[MAX_VISIBLE];
    int n = -1;
    tact_code_t rc = tact__visible_devices_parse(list, n_visible, ids, &n, &st);
    assert_int_equal(rc, TACT_CODE_INVALID_ARGUMENT);
    assert_int_equal(st.code, TACT_CODE_INVALID_ARGUMENT);
    assert_string_equal(st.msg, msg);
    assert_int_equal(n, 0);
}

/* The parse error for `entry` of `list`. */
static void expect_unparsable(const char *list, int n_visible, const char *entry)
{
    char msg[240];
    snprintf(msg, sizeof msg,
             "Could not parse entry in 'visible_device_list': '%s'. visible_device_list = %s",
             entry, list);
    expect_error(list, n_visible, msg);
}

static void expect_invalid_id(const char *list, int n_visible, const char *id)
{
    char msg[240];
    snprintf(msg, sizeof msg,
             "'visible_device_list' listed an invalid GPU id '%s' but visible device count is %d",
             id, n_visible);
    expect_error(list, n_visible, msg);
}

static void expect_duplicate(const char *list, int n_visible)
{
    char msg[240];
    snprintf(msg, sizeof msg, "visible_device_list contained a duplicate entry: %s", list);
    expect_error(list, n_visible, msg);
}

/* ------------------------------------------------------------------------------------------ */
/* Valid lists                                                                                */
/* ------------------------------------------------------------------------------------------ */

static void test_empty_list_is_identity(void **state)
{
    (void) state;
    EXPECT_IDS(NULL, 3, 0, 1, 2);
    EXPECT_IDS("", 3, 0, 1, 2);
    EXPECT_IDS("", 1, 0);
    expect_ids("", 0, NULL, 0);
    expect_ids(NULL, 0, NULL, 0);
}

static void test_list_maps_tf_ids_to_visible_ids(void **state)
{
    (void) state;
    EXPECT_IDS("0", 1, 0);
    EXPECT_IDS("1", 2, 1);      /* GPU:0 is the second visible GPU */
    EXPECT_IDS("1,0", 2, 1, 0); /* swapped */
    EXPECT_IDS("0,1", 2, 0, 1);
    EXPECT_IDS("2,0", 4, 2, 0); /* a subset, in list order */
    EXPECT_IDS("3,1,2,0", 4, 3, 1, 2, 0);
    EXPECT_IDS("7,6,5,4,3,2,1,0", 8, 7, 6, 5, 4, 3, 2, 1, 0);
}

static void test_white_space_around_entries(void **state)
{
    (void) state;
    /* TensorFlow's safe_strto32 skips white space on both sides of the number. */
    EXPECT_IDS(" 1", 2, 1);
    EXPECT_IDS("1 ", 2, 1);
    EXPECT_IDS(" 1 , 0 ", 2, 1, 0);
    EXPECT_IDS("1, 0", 2, 1, 0);
    EXPECT_IDS("\t1,\n0\r", 2, 1, 0);
    EXPECT_IDS("1,\v\f0", 2, 1, 0);
}

static void test_leading_zeros_and_minus_zero(void **state)
{
    (void) state;
    EXPECT_IDS("01", 2, 1);
    EXPECT_IDS("00,001", 2, 0, 1);
    EXPECT_IDS("-0", 1, 0); /* safe_strto32 reads "-0" as 0 */
}

/* ------------------------------------------------------------------------------------------ */
/* Invalid lists                                                                              */
/* ------------------------------------------------------------------------------------------ */

static void test_unparsable_entries(void **state)
{
    (void) state;
    expect_unparsable("a", 2, "a");
    expect_unparsable("gpu:0", 2, "gpu:0");
    expect_unparsable("0,x", 2, "x");
    expect_unparsable("+1", 2, "+1");     /* no '+' */
    expect_unparsable("0x1", 2, "0x1");   /* no hex */
    expect_unparsable("1.0", 2, "1.0");
    expect_unparsable("1e0", 2, "1e0");
    expect_unparsable("1 0", 2, "1 0");   /* space inside a number */
    expect_unparsable("- 1", 2, "- 1");   /* nor between the sign and the digits */
    expect_unparsable("--1", 2, "--1");
    expect_unparsable("-", 2, "-");
    expect_unparsable("1;0", 2, "1;0");   /* only ',' separates */
    expect_unparsable("1 0,0", 2, "1 0");
}

static void test_empty_entries_are_unparsable(void **state)
{
    (void) state;
    /* TensorFlow splits keeping empty pieces. */
    expect_unparsable("0,", 2, "");
    expect_unparsable(",0", 2, "");
    expect_unparsable("0,,1", 2, "");
    expect_unparsable(",", 2, "");
    expect_unparsable(" ", 2, " ");       /* not empty, so split: a blank entry */
    expect_unparsable("0, ,1", 2, " ");
}

static void test_out_of_int32_is_unparsable(void **state)
{
    (void) state;
    expect_unparsable("2147483648", 2, "2147483648");
    expect_unparsable("99999999999", 2, "99999999999");
    expect_unparsable("-2147483649", 2, "-2147483649");
}

static void test_invalid_ids(void **state)
{
    (void) state;
    expect_invalid_id("2", 2, "2");
    expect_invalid_id("0,5", 2, "5");
    expect_invalid_id("-1", 2, "-1");
    expect_invalid_id(" 3 ", 2, "3");          /* the number, not the entry, is quoted */
    expect_invalid_id("007", 2, "7");
    expect_invalid_id("2147483647", 4, "2147483647");
    expect_invalid_id("-2147483648", 4, "-2147483648");
    expect_invalid_id("0", 0, "0");            /* no visible GPU at all */
}

static void test_duplicates(void **state)
{
    (void) state;
    expect_duplicate("0,0", 2);
    expect_duplicate("1, 1", 2);
    expect_duplicate("0,1,0", 2);
    expect_duplicate("1,01", 2);
    expect_duplicate("0,-0", 2);
    expect_duplicate("0,1,0,1,0,1,0,1,0,1,0,1", 2); /* more entries than visible GPUs */
}

static void test_errors_come_entry_by_entry_then_repeats(void **state)
{
    (void) state;
    /* A bad entry after a repeat still wins: repeats are checked after every entry. */
    expect_unparsable("0,0,x", 2, "x");
    expect_invalid_id("0,0,5", 2, "5");
    /* The first bad entry wins. */
    expect_unparsable("x,5", 2, "x");
    expect_invalid_id("5,x", 2, "5");
}

static void test_failed_status_returns_at_once(void **state)
{
    (void) state;
    tact_status_t st = TACT_STATUS_INIT;
    tact__fail(&st, TACT_CODE_NOT_FOUND, "earlier");
    int ids[2] = { -7, -7 };
    int n = -7;
    assert_int_equal(tact__visible_devices_parse("1,0", 2, ids, &n, &st), TACT_CODE_NOT_FOUND);
    assert_int_equal(tact__visible_devices_parse("x", 2, ids, &n, &st), TACT_CODE_NOT_FOUND);
    assert_string_equal(st.msg, "earlier");
    assert_int_equal(n, -7);
    assert_int_equal(ids[0], -7);
    assert_int_equal(tact__visible_devices_select("1,0", 2, -1, ids, &n, &st),
                     TACT_CODE_NOT_FOUND);
    assert_int_equal(n, -7);
}

static void test_null_status_still_reports_the_code(void **state)
{
    (void) state;
    int ids[2];
    int n = -1;
    assert_int_equal(tact__visible_devices_parse("x", 2, ids, &n, NULL),
                     TACT_CODE_INVALID_ARGUMENT);
    assert_int_equal(tact__visible_devices_parse("0,0", 2, ids, &n, NULL),
                     TACT_CODE_INVALID_ARGUMENT);
    assert_int_equal(n, 0);
    assert_int_equal(tact__visible_devices_parse("1,0", 2, ids, &n, NULL), TACT_CODE_OK);
    assert_int_equal(n, 2);
}

static void test_long_list_message_is_truncated_safely(void **state)
{
    (void) state;
    char list[4096];
    size_t at = 0;
    for (int i = 0; i < 1000; i++)  /* longer than any message: no spaces, so cut at the end */
        at += (size_t) snprintf(list + at, sizeof list - at, "%s0", i ? "," : "");
    tact_status_t st = TACT_STATUS_INIT;
    int ids[2];
    int n = -1;
    assert_int_equal(tact__visible_devices_parse(list, 2, ids, &n, &st),
                     TACT_CODE_INVALID_ARGUMENT);
    assert_int_equal(strlen(st.msg), sizeof st.msg - 1);
    assert_string_equal(st.msg + sizeof st.msg - 4, "\xe2\x80\xa6");
    assert_memory_equal(st.msg, "visible_device_list contained a duplicate entry: 0,0,0",
                        strlen("visible_device_list contained a duplicate entry: 0,0,0"));
}

/* ------------------------------------------------------------------------------------------ */
/* With device_count["GPU"]                                                                   */
/* ------------------------------------------------------------------------------------------ */

static void expect_select(const char *list, int n_visible, int max_gpus, const int *want,
                          int n_want)
{
    tact_status_t st = TACT_STATUS_INIT;
    int ids[MAX_VISIBLE];
    int n = -1;
    tact_code_t rc = tact__visible_devices_select(list, n_visible, max_gpus, ids, &n, &st);
    if (rc != TACT_CODE_OK)
        fail_msg("'%s' (n=%d, max=%d): %s", list ? list : "(null)", n_visible, max_gpus,
                 st.msg);
    assert_int_equal(n, n_want);
    for (int i = 0; i < n_want; i++)
        assert_int_equal(ids[i], want[i]);
}

#define EXPECT_SELECT(list, n_visible, max_gpus, ...)                                      \
    expect_select((list), (n_visible), (max_gpus), (const int[]) { __VA_ARGS__ },          \
                  (int) (sizeof((const int[]) { __VA_ARGS__ }) / sizeof(int)))

static void test_select_count_is_min_of_cap_and_list(void **state)
{
    (void) state;
    EXPECT_SELECT(NULL, 4, -1, 0, 1, 2, 3); /* no "GPU" entry: all visible */
    EXPECT_SELECT("", 4, 2, 0, 1);          /* cap 2: the first two */
    EXPECT_SELECT("", 2, 5, 0, 1);          /* a cap above the count changes nothing */
    EXPECT_SELECT("3,1", 4, -1, 3, 1);
    EXPECT_SELECT("3,1", 4, 1, 3);          /* the first listed, not the lowest id */
    EXPECT_SELECT("3,1", 4, 2, 3, 1);
    EXPECT_SELECT("3,1", 4, 100, 3, 1);
}

static void test_select_none_skips_parsing(void **state)
{
    (void) state;
    /* device_count {"GPU": 0}: TensorFlow does not parse the list, so a bad one passes. */
    expect_select("x", 2, 0, NULL, 0);
    expect_select("5", 2, 0, NULL, 0);
    expect_select("", 2, 0, NULL, 0);
    /* No visible GPU (CUDA_VISIBLE_DEVICES="" or none present): nothing is checked either. */
    expect_select("x", 0, -1, NULL, 0);
    expect_select("0", 0, -1, NULL, 0);
    expect_select("0,0", 0, 3, NULL, 0);
}

static void test_select_reports_parse_errors(void **state)
{
    (void) state;
    tact_status_t st = TACT_STATUS_INIT;
    int ids[MAX_VISIBLE];
    int n = -1;
    /* with a cap of 1 the whole list is still checked, as TensorFlow parses it first */
    assert_int_equal(tact__visible_devices_select("0,0", 2, 1, ids, &n, &st),
                     TACT_CODE_INVALID_ARGUMENT);
    assert_string_equal(st.msg, "visible_device_list contained a duplicate entry: 0,0");
    assert_int_equal(n, 0);

    st = (tact_status_t) TACT_STATUS_INIT;
    assert_int_equal(tact__visible_devices_select("1,2", 2, -1, ids, &n, &st),
                     TACT_CODE_INVALID_ARGUMENT);
    assert_string_equal(st.msg, "'visible_device_list' listed an invalid GPU id '2' but "
                                "visible device count is 2");

    st = (tact_status_t) TACT_STATUS_INIT;
    assert_int_equal(tact__visible_devices_select("1,a", 2, 1, ids, &n, &st),
                     TACT_CODE_INVALID_ARGUMENT);
    assert_string_equal(st.msg, "Could not parse entry in 'visible_device_list': 'a'. "
                                "visible_device_list = 1,a");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_empty_list_is_identity),
        cmocka_unit_test(test_list_maps_tf_ids_to_visible_ids),
        cmocka_unit_test(test_white_space_around_entries),
        cmocka_unit_test(test_leading_zeros_and_minus_zero),
        cmocka_unit_test(test_unparsable_entries),
        cmocka_unit_test(test_empty_entries_are_unparsable),
        cmocka_unit_test(test_out_of_int32_is_unparsable),
        cmocka_unit_test(test_invalid_ids),
        cmocka_unit_test(test_duplicates),
        cmocka_unit_test(test_errors_come_entry_by_entry_then_repeats),
        cmocka_unit_test(test_failed_status_returns_at_once),
        cmocka_unit_test(test_null_status_still_reports_the_code),
        cmocka_unit_test(test_long_list_message_is_truncated_safely),
        cmocka_unit_test(test_select_count_is_min_of_cap_and_list),
        cmocka_unit_test(test_select_none_skips_parsing),
        cmocka_unit_test(test_select_reports_parse_errors),
    };
    return cmocka_run_group_tests_name("visible_devices", tests, NULL, NULL);
}
