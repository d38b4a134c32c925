/* SPDX-License-Identifier: MIT */
/* CRC-32C (Castagnoli), the checksum of LevelDB tables and TensorFlow's checkpoint bundles, and
 * LevelDB's mask (a CRC stored in data that is itself checksummed is masked, so that a CRC of a
 * string holding CRCs does not degenerate). */
#ifndef TACT_RUNTIME_MODEL_CRC32C_H
#define TACT_RUNTIME_MODEL_CRC32C_H

#include <stddef.h>
#include <stdint.h>

/* The CRC-32C of data[0..n) continuing `crc` (0 to start): crc32c_extend(crc32c(a), b) is the
 * CRC of a followed by b. data may be NULL when n is 0. */
uint32_t tact__crc32c_extend(uint32_t crc, const void *data, size_t n);

static inline uint32_t tact__crc32c(const void *data, size_t n)
{
    return tact__crc32c_extend(0, data, n);
}

/* LevelDB's crc32c::Mask and Unmask: rotate right by 15 bits and add a constant. */
#define TACT_CRC32C_MASK_DELTA 0xa282ead8u

static inline uint32_t tact__crc32c_mask(uint32_t crc)
{
    return ((crc >> 15) | (crc << 17)) + TACT_CRC32C_MASK_DELTA;
}

static inline uint32_t tact__crc32c_unmask(uint32_t masked)
{
    uint32_t rot = masked - TACT_CRC32C_MASK_DELTA;
    return (rot >> 17) | (rot << 15);
}

#endif
