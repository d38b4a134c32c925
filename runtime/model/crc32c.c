/* SPDX-License-Identifier: MIT */
/* CRC-32C by slicing-by-8: eight 256-entry tables, built once, fold eight bytes per step
 * (about 1 byte per cycle, plenty beside the disk). Not for anything but CRC-32C. */
#include "runtime/base/prelude.h"

#include "runtime/model/crc32c.h"

#define CRC32C_POLY 0x82f63b78u  /* the reflected Castagnoli polynomial */

static uint32_t crc32c_table[8][256];
static pthread_once_t crc32c_once = PTHREAD_ONCE_INIT;

static void crc32c_init(void)
{
    for (uint32_t i = 0; i < 256; i++) {
        uint32_t c = i;
        for (int k = 0; k < 8; k++)
            c = (c & 1u) ? (c >> 1) ^ CRC32C_POLY : c >> 1;
        crc32c_table[0][i] = c;
    }
    /* table[k][i]: the CRC of byte i followed by k zero bytes. */
    for (int k = 1; k < 8; k++)
        for (int i = 0; i < 256; i++) {
            uint32_t prev = crc32c_table[k - 1][i];
            crc32c_table[k][i] = (prev >> 8) ^ crc32c_table[0][prev & 0xffu];
        }
}

static inline uint32_t crc32c_load_le32(const unsigned char *p)
{
    return (uint32_t) p[0] | (uint32_t) p[1] << 8 | (uint32_t) p[2] << 16 |
           (uint32_t) p[3] << 24;
}

uint32_t tact__crc32c_extend(uint32_t crc, const void *data, size_t n)
{
    pthread_once(&crc32c_once, crc32c_init);
    const unsigned char *p = data;
    uint32_t c = ~crc;
    while (n > 0 && ((uintptr_t) p & 7u) != 0) {
        c = (c >> 8) ^ crc32c_table[0][(c ^ *p++) & 0xffu];
        n--;
    }
    while (n >= 8) {
        uint32_t lo = crc32c_load_le32(p) ^ c, hi = crc32c_load_le32(p + 4);
        c = crc32c_table[7][lo & 0xffu] ^ crc32c_table[6][(lo >> 8) & 0xffu] ^
            crc32c_table[5][(lo >> 16) & 0xffu] ^ crc32c_table[4][lo >> 24] ^
            crc32c_table[3][hi & 0xffu] ^ crc32c_table[2][(hi >> 8) & 0xffu] ^
            crc32c_table[1][(hi >> 16) & 0xffu] ^ crc32c_table[0][hi >> 24];
        p += 8;
        n -= 8;
    }
    while (n-- > 0)
        c = (c >> 8) ^ crc32c_table[0][(c ^ *p++) & 0xffu];
    return ~c;
}
