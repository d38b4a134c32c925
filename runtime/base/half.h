/* SPDX-License-Identifier: MIT */
/* IEEE 754 binary16 (TensorFlow's DT_HALF, numpy's float16) held as its 16 bits: conversions
 * to and from float and double, shared by tensors' printing, TensorProto and the Cast kernels.
 * Rounding is to nearest, ties to even, as Eigen's float_to_half_rtne; every NaN becomes the
 * quiet NaN 0x7e00 with its sign, as Eigen does. */
#ifndef TACT_RUNTIME_BASE_HALF_H
#define TACT_RUNTIME_BASE_HALF_H

#include "runtime/base/prelude.h"

/* The binary16 nearest to `d` (one rounding, from the exact double). */
static inline uint16_t tact__half_from_double(double d)
{
    uint16_t sign = signbit(d) ? 0x8000u : 0u;
    double a = fabs(d);
    if (isnan(d))
        return (uint16_t) (sign | 0x7e00u);
    if (a >= 65520.0) /* halfway between 65504 and 2^16 rounds to even: infinity */
        return (uint16_t) (sign | 0x7c00u);
    if (a < 0x1p-14) {
        /* Subnormal: units of 2^-24; rounding up to 1024 lands on the smallest normal. */
        return (uint16_t) (sign | (uint16_t) nearbyint(a * 0x1p24));
    }
    int e;
    (void) frexp(a, &e);                          /* a in [2^(e-1), 2^e) */
    double m = nearbyint(ldexp(a, 11 - e));       /* [1024, 2048], exact scaling */
    int biased = e - 1 + 15;
    if (m >= 2048.0) {
        m = 1024.0;
        biased++;
    }
    return (uint16_t) (sign | (uint16_t) (biased << 10) | (uint16_t) ((unsigned) m - 1024u));
}

/* The binary16 nearest to `f` (float to double is exact, so this rounds once). */
static inline uint16_t tact__half_from_float(float f)
{
    return tact__half_from_double((double) f);
}

/* The exact float of a binary16; NaNs keep their payload. */
static inline float tact__half_to_float(uint16_t h)
{
    uint32_t sign = (uint32_t) (h & 0x8000u) << 16;
    uint32_t exp = (h >> 10) & 0x1fu;
    uint32_t man = h & 0x3ffu;
    uint32_t bits;
    if (exp == 0) {
        float f = ldexpf((float) man, -24);
        return sign ? -f : f;
    }
    if (exp == 31)
        bits = sign | 0x7f800000u | (man << 13);
    else
        bits = sign | ((exp + 112u) << 23) | (man << 13);
    float f;
    memcpy(&f, &bits, sizeof f);
    return f;
}

#endif
