/* SPDX-License-Identifier: MIT */
/* CRC-32C (runtime/model/crc32c.c) against the RFC 3720 vectors and the check value, the
 * slicing path against a bytewise reference at every length and alignment, and LevelDB's
 * mask. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <string.h>

#include "runtime/model/crc32c.h"

static void test_rfc3720_vectors(void **state)
{
    (void) state;
    unsigned char buf[32];
    memset(buf, 0, sizeof buf);
    assert_int_equal(tact__crc32c(buf, 32), 0x8a9136aau);
    memset(buf, 0xff, sizeof buf);
    assert_int_equal(tact__crc32c(buf, 32), 0x62a8ab43u);
    for (int i = 0; i < 32; i++)
        buf[i] = (unsigned char) i;
    assert_int_equal(tact__crc32c(buf, 32), 0x46dd794eu);
    for (int i = 0; i < 32; i++)
        buf[i] = (unsigned char) (31 - i);
    assert_int_equal(tact__crc32c(buf, 32), 0x113fdb5cu);
    assert_int_equal(tact__crc32c("123456789", 9), 0xe3069283u);
    assert_int_equal(tact__crc32c(NULL, 0), 0u);
}

/* Bit by bit, the definition. */
static uint32_t crc_reference(const unsigned char *p, size_t n)
{
    uint32_t c = 0xffffffffu;
    for (size_t i = 0; i < n; i++) {
        c ^= p[i];
        for (int k = 0; k < 8; k++)
            c = (c & 1u) ? (c >> 1) ^ 0x82f63b78u : c >> 1;
    }
    return ~c;
}

static void test_every_length_and_alignment(void **state)
{
    (void) state;
    unsigned char buf[96];
    uint32_t x = 12345u;
    for (size_t i = 0; i < sizeof buf; i++) {
        x = x * 1103515245u + 12345u;
        buf[i] = (unsigned char) (x >> 16);
    }
    for (size_t off = 0; off < 8; off++)
        for (size_t n = 0; n + off <= sizeof buf; n++)
            assert_int_equal(tact__crc32c(buf + off, n), crc_reference(buf + off, n));
}

static void test_extend_is_concatenation(void **state)
{
    (void) state;
    const char *text = "hello world, a somewhat longer string than eight bytes";
    size_t n = strlen(text);
    for (size_t cut = 0; cut <= n; cut++)
        assert_int_equal(tact__crc32c_extend(tact__crc32c(text, cut), text + cut, n - cut),
                         tact__crc32c(text, n));
    /* LevelDB's crc32c_test: Extend("hello ", "world") == Value("hello world"). */
    assert_int_equal(tact__crc32c_extend(tact__crc32c("hello ", 6), "world", 5),
                     tact__crc32c("hello world", 11));
}

static void test_mask(void **state)
{
    (void) state;
    uint32_t crc = tact__crc32c("foo", 3);
    assert_int_not_equal(tact__crc32c_mask(crc), crc);
    assert_int_not_equal(tact__crc32c_mask(tact__crc32c_mask(crc)), crc);
    assert_int_equal(tact__crc32c_unmask(tact__crc32c_mask(crc)), crc);
    assert_int_equal(tact__crc32c_unmask(tact__crc32c_unmask(tact__crc32c_mask(
                         tact__crc32c_mask(crc)))), crc);
    /* rotate right by 15, plus 0xa282ead8 */
    assert_int_equal(tact__crc32c_mask(0x00008000u), 0x00000001u + 0xa282ead8u);
    assert_int_equal(tact__crc32c_mask(0u), 0xa282ead8u);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_rfc3720_vectors),
        cmocka_unit_test(test_every_length_and_alignment),
        cmocka_unit_test(test_extend_is_concatenation),
        cmocka_unit_test(test_mask),
    };
    return cmocka_run_group_tests_name("crc32c", tests, NULL, NULL);
}
