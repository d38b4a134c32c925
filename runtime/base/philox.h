/* SPDX-License-Identifier: MIT */
/* TensorFlow's counter-based random numbers: the Philox4x32-10 generator (Salmon et al. 2011)
 * with TensorFlow's state layout and skipping (tensorflow/core/lib/random/philox_random.h),
 * and the conversions its distributions use (random_distributions.h): 23 or 52 random mantissa
 * bits for a uniform float or double in [0, 1), Box-Muller for normals. Written to give the
 * same bits as TensorFlow's CPU kernels for the same (seed, seed2) and position. Pure functions
 * on value structs, so kernels on any device and the tests share them. Not for seeding policy:
 * initializers.c derives the seeds, the session's resources keep the positions. */
#ifndef TACT_RUNTIME_PHILOX_H
#define TACT_RUNTIME_PHILOX_H

#include "runtime/base/prelude.h"

/* One stream: a 128-bit counter (ctr[0] lowest) and a 64-bit key. */
typedef struct tact_philox {
    uint32_t ctr[4];
    uint32_t key[2];
} tact_philox_t;

/* TensorFlow's PhiloxRandom(seed_lo, seed_hi): the key is `seed`, the counter's high half is
 * `seed2` and its low half, the position, starts at 0. */
static inline tact_philox_t tact__philox_init(uint64_t seed, uint64_t seed2)
{
    tact_philox_t p = {
        .ctr = { 0, 0, (uint32_t) seed2, (uint32_t) (seed2 >> 32) },
        .key = { (uint32_t) seed, (uint32_t) (seed >> 32) },
    };
    return p;
}

/* Move on by `count` blocks of 128 bits (TensorFlow's Skip: a carry out of the low half
 * increments the high half). */
static inline void tact__philox_skip(tact_philox_t *p, uint64_t count)
{
    uint32_t lo = (uint32_t) count;
    uint32_t hi = (uint32_t) (count >> 32);
    p->ctr[0] += lo;
    if (p->ctr[0] < lo)
        hi++;
    p->ctr[1] += hi;
    if (p->ctr[1] < hi && ++p->ctr[2] == 0)
        p->ctr[3]++;
}

/* The ten rounds of Philox4x32 on one counter and key: out = philox(ctr, key). */
static inline void tact__philox_block(const uint32_t ctr[4], const uint32_t key[2],
                                      uint32_t out[4])
{
    uint32_t c0 = ctr[0], c1 = ctr[1], c2 = ctr[2], c3 = ctr[3];
    uint32_t k0 = key[0], k1 = key[1];
    for (int round = 0; round < 10; round++) {
        uint64_t p0 = (uint64_t) 0xD2511F53u * c0;
        uint64_t p1 = (uint64_t) 0xCD9E8D57u * c2;
        uint32_t n0 = (uint32_t) (p1 >> 32) ^ c1 ^ k0;
        uint32_t n1 = (uint32_t) p1;
        uint32_t n2 = (uint32_t) (p0 >> 32) ^ c3 ^ k1;
        uint32_t n3 = (uint32_t) p0;
        c0 = n0;
        c1 = n1;
        c2 = n2;
        c3 = n3;
        k0 += 0x9E3779B9u;
        k1 += 0xBB67AE85u;
    }
    out[0] = c0;
    out[1] = c1;
    out[2] = c2;
    out[3] = c3;
}

/* The next four 32-bit values of the stream. */
static inline void tact__philox_next(tact_philox_t *p, uint32_t out[4])
{
    tact__philox_block(p->ctr, p->key, out);
    tact__philox_skip(p, 1);
}

/* TensorFlow's SingleSampleAdapter: the stream one 32-bit value at a time. */
typedef struct tact_philox_single {
    tact_philox_t gen;
    uint32_t buf[4];
    int used;                     /* values of buf handed out; 4 = refill first */
} tact_philox_single_t;

static inline uint32_t tact__philox_single_next(tact_philox_single_t *s)
{
    if (s->used >= 4) {
        tact__philox_next(&s->gen, s->buf);
        s->used = 0;
    }
    return s->buf[s->used++];
}

/* A float in [0, 1) from the low 23 bits of x (TensorFlow's Uint32ToFloat). */
static inline float tact__philox_float(uint32_t x)
{
    uint32_t bits = (127u << 23) | (x & 0x7fffffu);
    float f;
    memcpy(&f, &bits, sizeof f);
    return f - 1.0f;
}

/* A double in [0, 1) from the low 20 bits of x0 and all of x1 (Uint64ToDouble). */
static inline double tact__philox_double(uint32_t x0, uint32_t x1)
{
    uint64_t bits = ((uint64_t) 1023 << 52) | ((uint64_t) (x0 & 0xfffffu) << 32) | x1;
    double d;
    memcpy(&d, &bits, sizeof d);
    return d - 1.0;
}

/* Two standard normal floats from two 32-bit values (BoxMullerFloat). */
static inline void tact__philox_box_muller_f32(uint32_t x0, uint32_t x1, float *f0, float *f1)
{
    float u1 = tact__philox_float(x0);
    if (u1 < 1.0e-7f)
        u1 = 1.0e-7f;  /* never log(0) */
    const float v1 = (float) (2.0f * M_PI * tact__philox_float(x1));
    const float u2 = sqrtf(-2.0f * logf(u1));
    float s, c;
    sincosf(v1, &s, &c);
    *f0 = s * u2;
    *f1 = c * u2;
}

/* Two standard normal doubles from four 32-bit values (BoxMullerDouble). */
static inline void tact__philox_box_muller_f64(uint32_t x0, uint32_t x1, uint32_t x2,
                                               uint32_t x3, double *d0, double *d1)
{
    double u1 = tact__philox_double(x0, x1);
    if (u1 < 1.0e-7)
        u1 = 1.0e-7;
    const double v1 = 2 * M_PI * tact__philox_double(x2, x3);
    const double u2 = sqrt(-2.0 * log(u1));
    double s, c;
    sincos(v1, &s, &c);
    *d0 = s * u2;
    *d1 = c * u2;
}

/* splitmix64: one well-mixed 64-bit value per call, for deriving seeds (not for samples). */
static inline uint64_t tact__splitmix64(uint64_t *state)
{
    uint64_t z = (*state += 0x9E3779B97F4A7C15u);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9u;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBu;
    return z ^ (z >> 31);
}

#endif
