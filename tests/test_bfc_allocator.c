/* SPDX-License-Identifier: MIT */
/* Tests of devices/bfc_allocator.c on host memory: rounding and alignment (also over a backend
 * that hands out unaligned regions), best fit, splitting and coalescing back to one chunk,
 * TensorFlow's growth sequence (2 MiB, 4 MiB, ... capped by the limit), reserving the whole
 * limit with the 90% back-off against a backend that refuses large regions, the OOM status and
 * message, the allocator staying usable after OOM, the stats, four threads allocating and
 * freeing at random with the invariants checked at the end, destroy handing every region back,
 * the free stamps, and the spec §4 limit formula.
 *
 * The fake backend is malloc underneath and counts and records every call. */
#include "devices/bfc_allocator.h" /* first: the prelude sets _GNU_SOURCE */

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h> /* after the four above, which it needs */

#define KIB ((size_t) 1 << 10)
#define MIB ((size_t) 1 << 20)
#define GIB ((size_t) 1 << 30)

/* ------------------------------------------------------------------------------------------ */
/* The fake backend                                                                           */
/* ------------------------------------------------------------------------------------------ */

#define FAKE_MAX 64

typedef struct {
    size_t refuse_above;     /* refuse regions larger than this; 0: never refuse */
    bool unaligned;          /* hand out malloc'd pointers + 16, never 256-aligned */
    int n_alloc_calls;       /* every region_alloc, refused or not */
    int n_free_calls;
    size_t asked[FAKE_MAX];  /* sizes asked for, in order (first FAKE_MAX) */
    int n_granted;
    size_t granted[FAKE_MAX];
    void *given[FAKE_MAX];   /* what region_alloc returned, in order */
    void *raw[FAKE_MAX];     /* what malloc returned for it */
    bool freed[FAKE_MAX];
} fake_backend_t;

static void *fake_alloc(void *ctx, size_t bytes)
{
    fake_backend_t *f = ctx;
    if (f->n_alloc_calls < FAKE_MAX)
        f->asked[f->n_alloc_calls] = bytes;
    f->n_alloc_calls++;
    if (f->refuse_above != 0 && bytes > f->refuse_above)
        return NULL;
    assert_true(f->n_granted < FAKE_MAX);
    void *raw = NULL;
    void *p;
    if (f->unaligned) {
        raw = malloc(bytes + 256);
        assert_non_null(raw);
        p = (char *) raw + ((uintptr_t) raw % 256 == 240 ? 32 : 16); /* never 256-aligned */
    } else {
        assert_int_equal(posix_memalign(&raw, 256, bytes), 0);
        p = raw;
    }
    f->granted[f->n_granted] = bytes;
    f->given[f->n_granted] = p;
    f->raw[f->n_granted] = raw;
    f->n_granted++;
    return p;
}

static void fake_free(void *ctx, void *ptr)
{
    fake_backend_t *f = ctx;
    f->n_free_calls++;
    for (int i = 0; i < f->n_granted; i++) {
        if (f->given[i] == ptr) {
            assert_false(f->freed[i]); /* each region exactly once */
            f->freed[i] = true;
            free(f->raw[i]);
            return;
        }
    }
    fail_msg("region_free of a pointer region_alloc never returned");
}

static tact_bfc_allocator_t *new_alloc(fake_backend_t *f, size_t limit, bool growth)
{
    tact_bfc_options_t o = {
        .backend = { fake_alloc, fake_free, f },
        .limit = limit,
        .allow_growth = growth,
        .device_name = "CUDA:0",
        .name = "GPU_0_bfc",
    };
    return tact__bfc_allocator_new(&o);
}

static tact_bfc_stats_t stats_of(tact_bfc_allocator_t *a)
{
    tact_bfc_stats_t s;
    tact__bfc_allocator_stats(a, &s);
    return s;
}

static void assert_invariants(tact_bfc_allocator_t *a)
{
    tact_status_t st = TACT_STATUS_INIT;
    tact_code_t rc = tact__bfc_allocator_check(a, &st);
    if (rc != TACT_CODE_OK)
        fail_msg("invariant broken: %s", st.msg);
}

/* An allocation that must succeed. */
static void *must_alloc(tact_bfc_allocator_t *a, size_t n)
{
    tact_status_t st = TACT_STATUS_INIT;
    void *p = tact__bfc_allocator_alloc(a, n, &st);
    if (p == NULL)
        fail_msg("alloc(%zu): %s", n, st.msg);
    assert_int_equal(st.code, TACT_CODE_OK);
    assert_int_equal((uintptr_t) p % TACT_BFC_ALIGN, 0);
    return p;
}

/* An allocation that must fail with RESOURCE_EXHAUSTED. */
static void must_oom(tact_bfc_allocator_t *a, size_t n)
{
    tact_status_t st = TACT_STATUS_INIT;
    void *p = tact__bfc_allocator_alloc(a, n, &st);
    assert_null(p);
    assert_int_equal(st.code, TACT_CODE_RESOURCE_EXHAUSTED);
}

/* Destroy and check that every granted region went back, once. */
static void destroy_all(tact_bfc_allocator_t **a, fake_backend_t *f)
{
    tact__bfc_allocator_destroy(a);
    assert_null(*a);
    assert_int_equal(f->n_free_calls, f->n_granted);
    for (int i = 0; i < f->n_granted; i++)
        assert_true(f->freed[i]);
}

static size_t round256(size_t n)
{
    return (n + 255) / 256 * 256;
}

/* ------------------------------------------------------------------------------------------ */
/* Basics: rounding, alignment, the first region                                              */
/* ------------------------------------------------------------------------------------------ */

static void test_new_holds_no_memory(void **state)
{
    (void) state;
    fake_backend_t f = { 0 };
    tact_bfc_allocator_t *a = new_alloc(&f, 4 * MIB, false);
    tact_bfc_stats_t s = stats_of(a);
    assert_int_equal(f.n_alloc_calls, 0);
    assert_int_equal(s.limit, 4 * MIB);
    assert_int_equal(s.bytes_reserved, 0);
    assert_int_equal(s.num_regions, 0);
    assert_int_equal(s.largest_free_chunk, 0);
    assert_invariants(a);
    destroy_all(&a, &f);
    assert_int_equal(f.n_free_calls, 0);
}

static void test_first_alloc_reserves_whole_limit(void **state)
{
    (void) state;
    fake_backend_t f = { 0 };
    tact_bfc_allocator_t *a = new_alloc(&f, 4 * MIB, false);
    void *p = must_alloc(a, 100);
    assert_int_equal(f.n_alloc_calls, 1);
    assert_int_equal(f.asked[0], 4 * MIB);
    assert_ptr_equal(p, f.given[0]); /* lowest address of the region */
    tact_bfc_stats_t s = stats_of(a);
    assert_int_equal(s.bytes_reserved, 4 * MIB);
    assert_int_equal(s.num_regions, 1);
    assert_int_equal(s.bytes_in_use, 256);
    assert_int_equal(s.largest_free_chunk, 4 * MIB - 256);
    /* The rest of the limit comes from that region: no second call. */
    void *q = must_alloc(a, 4 * MIB - 256);
    assert_ptr_equal(q, (char *) p + 256);
    assert_int_equal(f.n_alloc_calls, 1);
    must_oom(a, 1);
    assert_int_equal(f.n_alloc_calls, 1); /* nothing left under the limit: backend not asked */
    assert_invariants(a);
    destroy_all(&a, &f);
}

static void test_limit_not_a_multiple_of_256_rounds_down(void **state)
{
    (void) state;
    fake_backend_t f = { 0 };
    tact_bfc_allocator_t *a = new_alloc(&f, 10000, false);
    must_alloc(a, 1);
    assert_int_equal(f.asked[0], 9984); /* 39 * 256 */
    assert_int_equal(stats_of(a).bytes_reserved, 9984);
    must_alloc(a, 9984 - 256);
    must_oom(a, 1);
    assert_invariants(a);
    destroy_all(&a, &f);
}

static void test_sizes_round_up_to_256(void **state)
{
    (void) state;
    fake_backend_t f = { 0 };
    tact_bfc_allocator_t *a = new_alloc(&f, 1 * MIB, false);
    const size_t ask[] = { 0, 1, 255, 256, 257, 511, 512, 1000, 4096, 4097 };
    const size_t want[] = { 256, 256, 256, 256, 512, 512, 512, 1024, 4096, 4352 };
    void *p[10];
    size_t total = 0;
    for (int i = 0; i < 10; i++) {
        p[i] = must_alloc(a, ask[i]);
        assert_int_equal(tact__bfc_allocator_chunk_size(a, p[i]), want[i]);
        total += want[i];
        for (int j = 0; j < i; j++)
            assert_ptr_not_equal(p[i], p[j]);
        memset(p[i], 0xa5, want[i]); /* the whole chunk is ours (ASan checks the bounds) */
    }
    assert_int_equal(stats_of(a).bytes_in_use, total);
    /* First fit from one free chunk: consecutive, in order. */
    for (int i = 1; i < 10; i++)
        assert_ptr_equal(p[i], (char *) p[i - 1] + want[i - 1]);
    assert_invariants(a);
    for (int i = 0; i < 10; i++)
        tact__bfc_allocator_free(a, p[i]);
    assert_int_equal(stats_of(a).bytes_in_use, 0);
    assert_invariants(a);
    destroy_all(&a, &f);
}

static void test_unaligned_backend_still_aligns(void **state)
{
    (void) state;
    fake_backend_t f = { .unaligned = true };
    tact_bfc_allocator_t *a = new_alloc(&f, 64 * KIB, false);
    void *p = must_alloc(a, 1);
    assert_int_not_equal((uintptr_t) f.given[0] % 256, 0);
    assert_true((char *) p > (char *) f.given[0] && (char *) p < (char *) f.given[0] + 256);
    tact_bfc_stats_t s = stats_of(a);
    assert_int_equal(s.bytes_reserved, 64 * KIB);             /* counted as asked for */
    assert_int_equal(s.largest_free_chunk, 64 * KIB - 2 * 256); /* the skipped head is lost */
    for (int i = 0; i < 20; i++)
        assert_int_equal((uintptr_t) must_alloc(a, 300) % 256, 0);
    assert_invariants(a);
    destroy_all(&a, &f);
}

static void test_free_null_is_a_no_op(void **state)
{
    (void) state;
    fake_backend_t f = { 0 };
    tact_bfc_allocator_t *a = new_alloc(&f, 1 * MIB, false);
    tact__bfc_allocator_free(a, NULL);
    assert_int_equal(f.n_alloc_calls, 0);
    tact__bfc_allocator_destroy(NULL);
    tact_bfc_allocator_t *none = NULL;
    tact__bfc_allocator_destroy(&none);
    destroy_all(&a, &f);
}

/* ------------------------------------------------------------------------------------------ */
/* Best fit, splitting, coalescing                                                            */
/* ------------------------------------------------------------------------------------------ */

static void test_best_fit_is_chosen(void **state)
{
    (void) state;
    fake_backend_t f = { 0 };
    tact_bfc_allocator_t *a = new_alloc(&f, 1 * MIB, false);
    /* Holes of 1 KiB, 1.5 KiB, 2 KiB, 4 KiB and 1.5 KiB, each fenced by a 256-byte chunk in
     * use, then the big free tail of the region. */
    const size_t hole_size[] = { 1024, 1536, 2048, 4096, 1536 };
    void *hole[5], *fence[5];
    for (int i = 0; i < 5; i++) {
        hole[i] = must_alloc(a, hole_size[i]);
        fence[i] = must_alloc(a, 256);
    }
    for (int i = 0; i < 5; i++)
        tact__bfc_allocator_free(a, hole[i]);
    assert_invariants(a);

    /* 1100 -> 1280: 1 KiB is too small, both 1.5 KiB holes fit best: the lower address. */
    void *p = must_alloc(a, 1100);
    assert_ptr_equal(p, hole[1]);
    /* The second 1.5 KiB hole is now the best fit for the same size. */
    void *q = must_alloc(a, 1280);
    assert_ptr_equal(q, hole[4]);
    /* 3 KiB: only the 4 KiB hole and the tail fit; the hole is smaller (another bin). */
    void *r = must_alloc(a, 3 * KIB);
    assert_ptr_equal(r, hole[3]);
    /* An exact fit. */
    void *s = must_alloc(a, 2048);
    assert_ptr_equal(s, hole[2]);
    /* 700 -> 768 goes into the 1 KiB hole and splits it: 256 bytes stay free there... */
    void *t = must_alloc(a, 700);
    assert_ptr_equal(t, hole[0]);
    /* ...and are the best fit for 256 bytes now (the split rests of 1.5 KiB holes: 256 each,
     * at higher addresses). */
    void *u = must_alloc(a, 200);
    assert_ptr_equal(u, (char *) hole[0] + 768);
    assert_invariants(a);
    destroy_all(&a, &f);
    (void) fence;
}

static void test_split_leaves_the_rest_free(void **state)
{
    (void) state;
    fake_backend_t f = { 0 };
    tact_bfc_allocator_t *a = new_alloc(&f, 64 * KIB, false);
    void *p = must_alloc(a, 10 * KIB);
    tact_bfc_stats_t s = stats_of(a);
    assert_int_equal(s.bytes_in_use, 10 * KIB);
    assert_int_equal(s.largest_free_chunk, 54 * KIB);
    tact__bfc_allocator_free(a, p);
    s = stats_of(a);
    assert_int_equal(s.bytes_in_use, 0);
    assert_int_equal(s.largest_free_chunk, 64 * KIB); /* merged back */
    assert_invariants(a);
    destroy_all(&a, &f);
}

/* Free four neighbours of a full region in every one of the 24 orders: each time the region
 * ends as one free chunk, which the whole-region request then gets at the base address. */
static void test_coalescing_back_to_one_chunk(void **state)
{
    (void) state;
    fake_backend_t f = { 0 };
    const size_t limit = 64 * KIB;
    const size_t part[4] = { 8 * KIB, 16 * KIB, 256, 64 * KIB - 8 * KIB - 16 * KIB - 256 };
    tact_bfc_allocator_t *a = new_alloc(&f, limit, false);
    int perm[4] = { 0, 1, 2, 3 };
    for (int n = 0; n < 24; n++) {
        void *p[4];
        for (int i = 0; i < 4; i++)
            p[i] = must_alloc(a, part[i]);
        assert_ptr_equal(p[0], f.given[0]);
        assert_int_equal(stats_of(a).largest_free_chunk, 0);
        for (int i = 0; i < 4; i++) {
            tact__bfc_allocator_free(a, p[perm[i]]);
            assert_invariants(a); /* never two free neighbours */
        }
        tact_bfc_stats_t s = stats_of(a);
        assert_int_equal(s.largest_free_chunk, limit);
        assert_int_equal(s.bytes_in_use, 0);
        void *whole = must_alloc(a, limit);
        assert_ptr_equal(whole, f.given[0]);
        tact__bfc_allocator_free(a, whole);
        /* next permutation (lexicographic) */
        int i = 2;
        while (i >= 0 && perm[i] > perm[i + 1])
            i--;
        if (i < 0)
            break;
        int j = 3;
        while (perm[j] < perm[i])
            j--;
        int tmp = perm[i];
        perm[i] = perm[j];
        perm[j] = tmp;
        for (int lo = i + 1, hi = 3; lo < hi; lo++, hi--) {
            tmp = perm[lo];
            perm[lo] = perm[hi];
            perm[hi] = tmp;
        }
    }
    assert_int_equal(f.n_alloc_calls, 1);
    assert_int_equal(stats_of(a).num_allocs, 24 * 5);
    destroy_all(&a, &f);
}

static void test_freed_neighbours_merge_for_a_larger_request(void **state)
{
    (void) state;
    fake_backend_t f = { 0 };
    tact_bfc_allocator_t *a = new_alloc(&f, 16 * KIB, false);
    void *p[4];
    for (int i = 0; i < 4; i++)
        p[i] = must_alloc(a, 4 * KIB);
    must_oom(a, 4 * KIB);
    tact__bfc_allocator_free(a, p[1]);
    tact__bfc_allocator_free(a, p[2]);
    void *big = must_alloc(a, 8 * KIB); /* only fits because p[1] and p[2] merged */
    assert_ptr_equal(big, p[1]);
    assert_invariants(a);
    destroy_all(&a, &f);
}

/* Free stamps: memory never freed reads 0; every free takes the next number; a chunk made
 * of several freed pieces carries the latest; the part of a split keeps its chunk's stamp. */
static void test_free_stamps(void **state)
{
    (void) state;
    fake_backend_t f = { 0 };
    tact_bfc_allocator_t *a = new_alloc(&f, 16 * KIB, false);
    void *p[4];
    for (int i = 0; i < 4; i++) {
        p[i] = must_alloc(a, 4 * KIB);
        assert_int_equal(tact__bfc_allocator_freed_at(a, p[i]), 0);
    }
    assert_int_equal(tact__bfc_allocator_free_count(a), 0);
    tact__bfc_allocator_free(a, p[2]);  /* stamp 1 */
    tact__bfc_allocator_free(a, p[0]);  /* stamp 2 */
    tact__bfc_allocator_free(a, p[1]);  /* stamp 3: merges p[0..2] */
    assert_int_equal(tact__bfc_allocator_free_count(a), 3);
    void *q = must_alloc(a, 12 * KIB);
    assert_ptr_equal(q, p[0]);
    assert_int_equal(tact__bfc_allocator_freed_at(a, q), 3);
    tact__bfc_allocator_free(a, q);  /* stamp 4 */
    void *r = must_alloc(a, 256);  /* split off the 12 KiB chunk */
    void *t = must_alloc(a, 256);
    assert_int_equal(tact__bfc_allocator_freed_at(a, r), 4);
    assert_int_equal(tact__bfc_allocator_freed_at(a, t), 4);
    tact__bfc_allocator_free(a, r);
    tact__bfc_allocator_free(a, t);
    tact__bfc_allocator_free(a, p[3]);
    assert_int_equal(tact__bfc_allocator_free_count(a), 7);
    assert_invariants(a);
    destroy_all(&a, &f);
}

/* ------------------------------------------------------------------------------------------ */
/* Growth                                                                                     */
/* ------------------------------------------------------------------------------------------ */

/* Requests the size of each next region: 2, 4, 8, 16 MiB, then the rest of a 40 MiB limit. */
static void test_growth_doubles_then_caps(void **state)
{
    (void) state;
    fake_backend_t f = { 0 };
    tact_bfc_allocator_t *a = new_alloc(&f, 40 * MIB, true);
    must_alloc(a, 2 * MIB);
    must_alloc(a, 4 * MIB);
    must_alloc(a, 8 * MIB);
    must_alloc(a, 16 * MIB);
    assert_int_equal(stats_of(a).bytes_reserved, 30 * MIB);
    must_oom(a, 16 * MIB); /* 32 MiB region over the limit; 10 MiB would not hold it */
    assert_int_equal(f.n_alloc_calls, 4);
    must_alloc(a, 10 * MIB); /* capped: limit - reserved */
    const size_t want[] = { 2 * MIB, 4 * MIB, 8 * MIB, 16 * MIB, 10 * MIB };
    assert_int_equal(f.n_alloc_calls, 5);
    for (int i = 0; i < 5; i++)
        assert_int_equal(f.asked[i], want[i]);
    tact_bfc_stats_t s = stats_of(a);
    assert_int_equal(s.bytes_reserved, 40 * MIB);
    assert_int_equal(s.bytes_in_use, 40 * MIB);
    assert_int_equal(s.num_regions, 5);
    must_oom(a, 1);
    assert_int_equal(f.n_alloc_calls, 5);
    assert_invariants(a);
    destroy_all(&a, &f);
}

/* TensorFlow's Extend in detail: the first region is 2 MiB whatever the request's size; the
 * size doubles after each region; a larger request doubles it until it fits, and then it does
 * not double again; the last region is cut to what the limit leaves. */
static void test_growth_sequence(void **state)
{
    (void) state;
    fake_backend_t f = { 0 };
    tact_bfc_allocator_t *a = new_alloc(&f, 64 * MIB, true);
    must_alloc(a, 1 * KIB);  /* region 2 MiB; next 4 */
    assert_int_equal(stats_of(a).bytes_reserved, 2 * MIB);
    must_alloc(a, 1 * MIB);  /* fits in the first region */
    assert_int_equal(f.n_alloc_calls, 1);
    must_alloc(a, 2 * MIB);  /* does not: region 4 MiB; next 8 */
    must_alloc(a, 3 * MIB);  /* 2 MiB left in the second region: region 8 MiB; next 16 */
    must_alloc(a, 20 * MIB); /* 16 < 20: doubled to 32, region 32 MiB; stays 32 */
    assert_int_equal(stats_of(a).bytes_reserved, 46 * MIB);
    must_oom(a, 20 * MIB);   /* only 18 MiB left under the limit: backend not asked */
    assert_int_equal(f.n_alloc_calls, 4);
    must_alloc(a, 10 * MIB); /* fits in the 12 MiB left of the 32 MiB region */
    assert_int_equal(f.n_alloc_calls, 4);
    must_alloc(a, 10 * MIB); /* region min(32, 64 - 46) = 18 MiB */
    const size_t want[] = { 2 * MIB, 4 * MIB, 8 * MIB, 32 * MIB, 18 * MIB };
    assert_int_equal(f.n_alloc_calls, 5);
    for (int i = 0; i < 5; i++)
        assert_int_equal(f.asked[i], want[i]);
    assert_int_equal(stats_of(a).bytes_reserved, 64 * MIB);
    must_alloc(a, 5 * MIB);  /* the third region's rest: exactly 5 MiB */
    must_oom(a, 9 * MIB);    /* 8 MiB left in the last region, nothing under the limit */
    assert_int_equal(f.n_alloc_calls, 5);
    assert_invariants(a);
    destroy_all(&a, &f);
}

static void test_growth_start_is_the_limit_when_smaller(void **state)
{
    (void) state;
    fake_backend_t f = { 0 };
    tact_bfc_allocator_t *a = new_alloc(&f, 1 * MIB, true);
    must_alloc(a, 1);
    assert_int_equal(f.n_alloc_calls, 1);
    assert_int_equal(f.asked[0], 1 * MIB);
    destroy_all(&a, &f);
}

static void test_regions_are_never_given_back_early(void **state)
{
    (void) state;
    fake_backend_t f = { 0 };
    tact_bfc_allocator_t *a = new_alloc(&f, 64 * MIB, true);
    void *p = must_alloc(a, 1 * MIB);
    void *q = must_alloc(a, 3 * MIB);
    void *r = must_alloc(a, 7 * MIB);
    assert_int_equal(f.n_granted, 3);
    tact__bfc_allocator_free(a, p);
    tact__bfc_allocator_free(a, q);
    tact__bfc_allocator_free(a, r);
    tact_bfc_stats_t s = stats_of(a);
    assert_int_equal(f.n_free_calls, 0);
    assert_int_equal(s.bytes_in_use, 0);
    assert_int_equal(s.bytes_reserved, 2 * MIB + 4 * MIB + 8 * MIB);
    assert_int_equal(s.num_regions, 3);
    assert_int_equal(s.largest_free_chunk, 8 * MIB); /* regions never merge with each other */
    /* The pool is reused before it grows. */
    must_alloc(a, 8 * MIB);
    must_alloc(a, 4 * MIB);
    must_alloc(a, 2 * MIB);
    assert_int_equal(f.n_alloc_calls, 3);
    assert_invariants(a);
    destroy_all(&a, &f);
}

/* ------------------------------------------------------------------------------------------ */
/* Whole-limit reservation and the back-off                                                   */
/* ------------------------------------------------------------------------------------------ */

/* The sizes the back-off asks for: 90% of the previous one, rounded up to 256. */
static size_t backoff_next(size_t bytes)
{
    return round256(bytes - bytes / 10);
}

static void test_whole_limit_backs_off_by_ten_percent(void **state)
{
    (void) state;
    fake_backend_t f = { .refuse_above = 5 * MIB };
    tact_bfc_allocator_t *a = new_alloc(&f, 8 * MIB, false);
    must_alloc(a, 1 * MIB);
    /* 8 MiB, 7.2, 6.48, 5.83, 5.25, then 4.72 MiB is granted. */
    assert_int_equal(f.asked[0], 8 * MIB);
    size_t want = 8 * MIB;
    for (int i = 1; i < f.n_alloc_calls; i++) {
        want = backoff_next(want);
        assert_int_equal(f.asked[i], want);
    }
    assert_int_equal(f.n_alloc_calls, 6);
    assert_int_equal(f.n_granted, 1);
    assert_true(f.granted[0] <= 5 * MIB && f.asked[4] > 5 * MIB);
    size_t first = f.granted[0];
    assert_int_equal(stats_of(a).bytes_reserved, first);

    /* Filling the first region makes the allocator ask for the rest of the limit. */
    must_alloc(a, first - 1 * MIB);
    void *p = must_alloc(a, 1 * MIB);
    assert_int_equal(f.n_alloc_calls, 7);
    assert_int_equal(f.asked[6], 8 * MIB - first);
    assert_int_equal(tact__bfc_allocator_chunk_size(a, p), 1 * MIB);
    assert_int_equal(stats_of(a).bytes_reserved, 8 * MIB);
    assert_invariants(a);
    destroy_all(&a, &f);
}

static void test_backoff_stops_below_the_request_and_happens_once(void **state)
{
    (void) state;
    fake_backend_t f = { .refuse_above = 5 * MIB };
    tact_bfc_allocator_t *a = new_alloc(&f, 8 * MIB, false);
    must_oom(a, 6 * MIB); /* 8, 7.2, 6.48; 5.83 would be below the request: stop */
    assert_int_equal(f.n_alloc_calls, 3);
    assert_int_equal(f.asked[2], backoff_next(backoff_next(8 * MIB)));
    assert_int_equal(f.n_granted, 0);
    /* TensorFlow backs off only the first time: the whole limit is asked for again, once. */
    must_oom(a, 1 * MIB);
    assert_int_equal(f.n_alloc_calls, 4);
    assert_int_equal(f.asked[3], 8 * MIB);
    assert_int_equal(stats_of(a).num_ooms, 2);
    assert_int_equal(stats_of(a).bytes_reserved, 0);
    destroy_all(&a, &f);
}

static void test_backoff_with_growth(void **state)
{
    (void) state;
    fake_backend_t f = { .refuse_above = 1 * MIB };
    tact_bfc_allocator_t *a = new_alloc(&f, 64 * MIB, true);
    must_alloc(a, 100 * KIB); /* 2 MiB refused, 1.8, 1.62, 1.46, 1.31, 1.18, then 1.06 MiB */
    assert_int_equal(f.asked[0], 2 * MIB);
    assert_int_equal(f.n_granted, 1);
    assert_true(f.granted[0] <= 1 * MIB);
    assert_true(f.granted[0] >= 100 * KIB);
    destroy_all(&a, &f);
}

/* ------------------------------------------------------------------------------------------ */
/* OOM                                                                                        */
/* ------------------------------------------------------------------------------------------ */

static void test_oom_status_and_message(void **state)
{
    (void) state;
    fake_backend_t f = { 0 };
    tact_bfc_allocator_t *a = new_alloc(&f, 1 * MIB, false);
    tact_status_t st = TACT_STATUS_INIT;
    assert_null(tact__bfc_allocator_alloc(a, 2 * MIB, &st));
    assert_int_equal(st.code, TACT_CODE_RESOURCE_EXHAUSTED);
    assert_string_equal(st.msg, "OOM when allocating tensor of 2097152 bytes on CUDA:0 by "
                                "allocator GPU_0_bfc: 0 in use, 0 reserved, limit 1048576");
    assert_int_equal(f.n_alloc_calls, 0); /* over the limit: the backend is not asked */

    void *p = must_alloc(a, 500 * KIB);
    st = (tact_status_t) TACT_STATUS_INIT;
    assert_null(tact__bfc_allocator_alloc(a, 600000, &st));
    assert_int_equal(st.code, TACT_CODE_RESOURCE_EXHAUSTED);
    assert_string_equal(st.msg, "OOM when allocating tensor of 600000 bytes on CUDA:0 by "
                                "allocator GPU_0_bfc: 512000 in use, 1048576 reserved, "
                                "limit 1048576");

    /* Usable afterwards: the same request fits once memory is freed. */
    tact__bfc_allocator_free(a, p);
    void *q = must_alloc(a, 600000);
    tact_bfc_stats_t s = stats_of(a);
    assert_int_equal(s.num_ooms, 2);
    assert_int_equal(s.num_allocs, 2);
    assert_int_equal(s.bytes_in_use, round256(600000));
    tact__bfc_allocator_free(a, q);
    assert_invariants(a);
    destroy_all(&a, &f);
}

static void test_oom_default_names_and_null_status(void **state)
{
    (void) state;
    fake_backend_t f = { 0 };
    tact_bfc_options_t o = { .backend = { fake_alloc, fake_free, &f }, .limit = 4096 };
    tact_bfc_allocator_t *a = tact__bfc_allocator_new(&o);
    assert_null(tact__bfc_allocator_alloc(a, 8192, NULL)); /* NULL status is allowed */
    tact_status_t st = TACT_STATUS_INIT;
    assert_null(tact__bfc_allocator_alloc(a, 8192, &st));
    assert_string_equal(st.msg, "OOM when allocating tensor of 8192 bytes on ? by allocator "
                                "bfc: 0 in use, 0 reserved, limit 4096");
    destroy_all(&a, &f);
}

static void test_failed_status_returns_at_once(void **state)
{
    (void) state;
    fake_backend_t f = { 0 };
    tact_bfc_allocator_t *a = new_alloc(&f, 1 * MIB, false);
    tact_status_t st = TACT_STATUS_INIT;
    tact__fail(&st, TACT_CODE_INVALID_ARGUMENT, "earlier");
    assert_null(tact__bfc_allocator_alloc(a, 16, &st));
    assert_int_equal(st.code, TACT_CODE_INVALID_ARGUMENT);
    assert_string_equal(st.msg, "earlier");
    assert_int_equal(f.n_alloc_calls, 0);
    assert_int_equal(stats_of(a).num_allocs, 0);
    assert_int_equal(stats_of(a).num_ooms, 0);
    assert_int_equal(tact__bfc_allocator_check(a, &st), TACT_CODE_INVALID_ARGUMENT);
    destroy_all(&a, &f);
}

static void test_huge_and_zero_limit_requests(void **state)
{
    (void) state;
    fake_backend_t f = { 0 };
    tact_bfc_allocator_t *a = new_alloc(&f, 1 * MIB, true);
    tact_status_t st = TACT_STATUS_INIT;
    assert_null(tact__bfc_allocator_alloc(a, SIZE_MAX, &st));
    assert_int_equal(st.code, TACT_CODE_RESOURCE_EXHAUSTED);
    char want[240];
    snprintf(want, sizeof want, "OOM when allocating tensor of %zu bytes on CUDA:0", SIZE_MAX);
    assert_memory_equal(st.msg, want, strlen(want));
    must_oom(a, SIZE_MAX - 100);
    assert_int_equal(f.n_alloc_calls, 0);
    destroy_all(&a, &f);

    fake_backend_t g = { 0 };
    tact_bfc_allocator_t *z = new_alloc(&g, 0, false);
    must_oom(z, 0);
    must_oom(z, 1);
    assert_int_equal(g.n_alloc_calls, 0);
    assert_invariants(z);
    destroy_all(&z, &g);
}

static void test_backend_refusing_everything(void **state)
{
    (void) state;
    fake_backend_t f = { .refuse_above = 1 };
    tact_bfc_allocator_t *a = new_alloc(&f, 64 * KIB, false);
    tact_status_t st = TACT_STATUS_INIT;
    assert_null(tact__bfc_allocator_alloc(a, 48 * KIB, &st));
    assert_int_equal(st.code, TACT_CODE_RESOURCE_EXHAUSTED);
    assert_non_null(strstr(st.msg, ": 0 in use, 0 reserved, limit 65536"));
    /* 64 KiB, then 90% steps down to the first size below 48 KiB */
    assert_int_equal(f.asked[0], 64 * KIB);
    assert_true(f.asked[f.n_alloc_calls - 1] >= 48 * KIB);
    assert_true(backoff_next(f.asked[f.n_alloc_calls - 1]) < 48 * KIB);
    destroy_all(&a, &f);
}

/* ------------------------------------------------------------------------------------------ */
/* Stats                                                                                      */
/* ------------------------------------------------------------------------------------------ */

static void test_stats(void **state)
{
    (void) state;
    fake_backend_t f = { 0 };
    tact_bfc_allocator_t *a = new_alloc(&f, 1 * MIB, false);
    void *p = must_alloc(a, 1000);  /* 1024 */
    void *q = must_alloc(a, 5000);  /* 5120 */
    void *r = must_alloc(a, 300);   /* 512 */
    tact_bfc_stats_t s = stats_of(a);
    assert_int_equal(s.limit, 1 * MIB);
    assert_int_equal(s.bytes_reserved, 1 * MIB);
    assert_int_equal(s.bytes_in_use, 1024 + 5120 + 512);
    assert_int_equal(s.peak_bytes_in_use, 1024 + 5120 + 512);
    assert_int_equal(s.num_allocs, 3);
    assert_int_equal(s.num_ooms, 0);
    assert_int_equal(s.num_regions, 1);
    assert_int_equal(s.largest_alloc_size, 5120);
    assert_int_equal(s.largest_free_chunk, 1 * MIB - (1024 + 5120 + 512));

    tact__bfc_allocator_free(a, q);
    s = stats_of(a);
    assert_int_equal(s.bytes_in_use, 1024 + 512);
    assert_int_equal(s.peak_bytes_in_use, 1024 + 5120 + 512); /* the peak stays */
    assert_int_equal(s.largest_free_chunk, 1 * MIB - (1024 + 5120 + 512));

    tact__bfc_allocator_free(a, r); /* merges with q's hole and the tail */
    s = stats_of(a);
    assert_int_equal(s.largest_free_chunk, 1 * MIB - 1024);
    tact__bfc_allocator_free(a, p);
    s = stats_of(a);
    assert_int_equal(s.bytes_in_use, 0);
    assert_int_equal(s.largest_free_chunk, 1 * MIB);
    assert_int_equal(s.num_allocs, 3);
    assert_invariants(a);
    destroy_all(&a, &f);
}

/* ------------------------------------------------------------------------------------------ */
/* Destroy                                                                                    */
/* ------------------------------------------------------------------------------------------ */

static void test_destroy_releases_every_region(void **state)
{
    (void) state;
    fake_backend_t f = { 0 };
    tact_bfc_allocator_t *a = new_alloc(&f, 256 * MIB, true);
    for (size_t n = 1 * MIB; n <= 32 * MIB; n *= 2)
        must_alloc(a, n); /* kept in use on purpose */
    void *p = must_alloc(a, 3 * KIB);
    tact__bfc_allocator_free(a, p);
    assert_true(f.n_granted >= 5);
    assert_int_equal(f.n_free_calls, 0);
    int granted = f.n_granted;
    destroy_all(&a, &f); /* every region once, chunks in use or not */
    assert_int_equal(f.n_free_calls, granted);
}

/* ------------------------------------------------------------------------------------------ */
/* Threads                                                                                    */
/* ------------------------------------------------------------------------------------------ */

#define STRESS_THREADS 4
#define STRESS_OPS     10000
#define STRESS_LIVE    64

typedef struct {
    tact_bfc_allocator_t *a;
    uint64_t seed;
    int index;
    int n_allocs, n_ooms;
    int n_bad; /* failures found on the thread: cmocka's asserts belong to the main thread */
    char bad[160];
} stress_arg_t;

static uint64_t stress_rand(uint64_t *s)
{
    /* xorshift64* */
    *s ^= *s >> 12;
    *s ^= *s << 25;
    *s ^= *s >> 27;
    return *s * 2685821657736338717ull;
}

static void stress_bad(stress_arg_t *arg, const char *what)
{
    if (arg->n_bad++ == 0)
        snprintf(arg->bad, sizeof arg->bad, "thread %d: %s", arg->index, what);
}

static bool stress_filled(const unsigned char *p, size_t n, unsigned char v)
{
    for (size_t i = 0; i < n; i++) {
        if (p[i] != v)
            return false;
    }
    return true;
}

static void *stress_main(void *p)
{
    stress_arg_t *arg = p;
    void *live[STRESS_LIVE] = { 0 };
    size_t size[STRESS_LIVE] = { 0 };
    unsigned char tag[STRESS_LIVE] = { 0 };
    for (int op = 0; op < STRESS_OPS; op++) {
        uint64_t r = stress_rand(&arg->seed);
        int slot = (int) (r % STRESS_LIVE);
        if (live[slot] != NULL) {
            if (!stress_filled(live[slot], size[slot], tag[slot]))
                stress_bad(arg, "a chunk was overwritten: two owners");
            tact__bfc_allocator_free(arg->a, live[slot]);
            live[slot] = NULL;
            continue;
        }
        /* mostly small, sometimes up to 256 KiB */
        size_t n = (r >> 8) % 16 == 0 ? 1 + (r >> 16) % (256 * KIB) : 1 + (r >> 16) % (4 * KIB);
        tact_status_t st = TACT_STATUS_INIT;
        void *q = tact__bfc_allocator_alloc(arg->a, n, &st);
        if (q == NULL) {
            arg->n_ooms++;
            if (st.code != TACT_CODE_RESOURCE_EXHAUSTED)
                stress_bad(arg, "a failed allocation without RESOURCE_EXHAUSTED");
            continue;
        }
        if ((uintptr_t) q % TACT_BFC_ALIGN != 0)
            stress_bad(arg, "misaligned");
        arg->n_allocs++;
        tag[slot] = (unsigned char) (arg->index * STRESS_LIVE + slot + 1);
        memset(q, tag[slot], n);
        live[slot] = q;
        size[slot] = n;
    }
    for (int i = 0; i < STRESS_LIVE; i++) {
        if (live[i] != NULL && !stress_filled(live[i], size[i], tag[i]))
            stress_bad(arg, "a chunk was overwritten at the end");
        tact__bfc_allocator_free(arg->a, live[i]);
    }
    return NULL;
}

static void test_threads_random_alloc_free(void **state)
{
    (void) state;
    fake_backend_t f = { 0 };
    tact_bfc_allocator_t *a = new_alloc(&f, 32 * MIB, true);
    pthread_t th[STRESS_THREADS];
    stress_arg_t arg[STRESS_THREADS];
    for (int i = 0; i < STRESS_THREADS; i++) {
        arg[i] = (stress_arg_t) { .a = a, .seed = 0x9e3779b97f4a7c15ull * (uint64_t) (i + 1),
                                  .index = i };
        assert_int_equal(pthread_create(&th[i], NULL, stress_main, &arg[i]), 0);
    }
    int allocs = 0, ooms = 0;
    for (int i = 0; i < STRESS_THREADS; i++) {
        assert_int_equal(pthread_join(th[i], NULL), 0);
        if (arg[i].n_bad != 0)
            fail_msg("%s (%d failures)", arg[i].bad, arg[i].n_bad);
        allocs += arg[i].n_allocs;
        ooms += arg[i].n_ooms;
    }
    assert_invariants(a);
    tact_bfc_stats_t s = stats_of(a);
    assert_int_equal(s.bytes_in_use, 0);
    assert_int_equal(s.num_allocs, (uint64_t) allocs);
    assert_int_equal(s.num_ooms, (uint64_t) ooms);
    assert_true(allocs > STRESS_THREADS * STRESS_OPS / 4);
    assert_true(s.peak_bytes_in_use <= s.bytes_reserved);
    assert_true(s.bytes_reserved <= 32 * MIB);
    /* All freed: every region is one free chunk again (check: no free neighbours), so the
     * largest free chunk is the largest region. */
    size_t largest_region = 0;
    for (int i = 0; i < f.n_granted; i++)
        largest_region = f.granted[i] > largest_region ? f.granted[i] : largest_region;
    assert_int_equal(s.largest_free_chunk, largest_region);
    destroy_all(&a, &f);
}

/* ------------------------------------------------------------------------------------------ */
/* The limit formula (spec §4)                                                                */
/* ------------------------------------------------------------------------------------------ */

static void test_limit_formula_default_fraction(void **state)
{
    (void) state;
    const size_t total = 16 * GIB;
    /* available < 2 GiB: reserve 225 MiB */
    assert_int_equal(tact__gpu_memory_limit(total, 1 * GIB, 0), 1 * GIB - 225 * MIB);
    assert_int_equal(tact__gpu_memory_limit(total, 2 * GIB - 1, 0), 2 * GIB - 1 - 225 * MIB);
    /* available >= 2 GiB: max(300 MiB, 5%) */
    assert_int_equal(tact__gpu_memory_limit(total, 2 * GIB, 0), 2 * GIB - 300 * MIB);
    assert_int_equal(tact__gpu_memory_limit(total, 4 * GIB, 0), 4 * GIB - 300 * MIB);
    assert_int_equal(tact__gpu_memory_limit(total, 5 * GIB, 0), 5 * GIB - 300 * MIB);
    /* 5% passes 300 MiB at 6000 MiB */
    assert_int_equal(tact__gpu_memory_limit(total, 6000 * MIB, 0), 5700 * MIB);
    assert_int_equal(tact__gpu_memory_limit(total, 6 * GIB, 0),
                     6 * GIB - (size_t) (6.0 * (double) GIB * 0.05));
    /* 5% of 16 GiB is 819.2 MiB, more than 300 MiB */
    assert_int_equal(tact__gpu_memory_limit(total, 16 * GIB, 0),
                     16 * GIB - (size_t) (16.0 * (double) GIB * 0.05));
    assert_int_equal(tact__gpu_memory_limit(80 * GIB, 79 * GIB, 0),
                     79 * GIB - (size_t) (79.0 * (double) GIB * 0.05));
    /* the reserve would take everything: TensorFlow keeps all that is available */
    assert_int_equal(tact__gpu_memory_limit(total, 100 * MIB, 0), 100 * MIB);
    assert_int_equal(tact__gpu_memory_limit(total, 225 * MIB, 0), 225 * MIB);
    assert_int_equal(tact__gpu_memory_limit(total, 225 * MIB + 1, 0), 1);
    assert_int_equal(tact__gpu_memory_limit(total, 0, 0), 0);
    /* the total does not matter with fraction 0 */
    assert_int_equal(tact__gpu_memory_limit(1 * GIB, 1 * GIB, 0),
                     tact__gpu_memory_limit(80 * GIB, 1 * GIB, 0));
}

static void test_limit_formula_fraction_of_total(void **state)
{
    (void) state;
    /* a fraction of total memory, whatever is free */
    assert_int_equal(tact__gpu_memory_limit(16 * GIB, 1 * GIB, 0.5), 8 * GIB);
    assert_int_equal(tact__gpu_memory_limit(16 * GIB, 16 * GIB, 0.25), 4 * GIB);
    assert_int_equal(tact__gpu_memory_limit(1000000000, 0, 0.4), 400000000);
    assert_int_equal(tact__gpu_memory_limit(16 * GIB, 1 * GIB, 1.0), 16 * GIB);
    assert_int_equal(tact__gpu_memory_limit(16 * GIB + 1, 0, 1.0), 16 * GIB + 1);
    assert_int_equal(tact__gpu_memory_limit(1000, 1000, 1e-9), 0);
    /* > 1 (unified memory in TensorFlow), negative and NaN: 0, the caller reports */
    assert_int_equal(tact__gpu_memory_limit(16 * GIB, 16 * GIB, 1.0000001), 0);
    assert_int_equal(tact__gpu_memory_limit(16 * GIB, 16 * GIB, 2.0), 0);
    assert_int_equal(tact__gpu_memory_limit(16 * GIB, 16 * GIB, -0.5), 0);
    assert_int_equal(tact__gpu_memory_limit(16 * GIB, 16 * GIB, NAN), 0);
    assert_int_equal(tact__gpu_memory_limit(16 * GIB, 16 * GIB, INFINITY), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_new_holds_no_memory),
        cmocka_unit_test(test_first_alloc_reserves_whole_limit),
        cmocka_unit_test(test_limit_not_a_multiple_of_256_rounds_down),
        cmocka_unit_test(test_sizes_round_up_to_256),
        cmocka_unit_test(test_unaligned_backend_still_aligns),
        cmocka_unit_test(test_free_null_is_a_no_op),
        cmocka_unit_test(test_best_fit_is_chosen),
        cmocka_unit_test(test_split_leaves_the_rest_free),
        cmocka_unit_test(test_coalescing_back_to_one_chunk),
        cmocka_unit_test(test_freed_neighbours_merge_for_a_larger_request),
        cmocka_unit_test(test_growth_doubles_then_caps),
        cmocka_unit_test(test_growth_sequence),
        cmocka_unit_test(test_growth_start_is_the_limit_when_smaller),
        cmocka_unit_test(test_regions_are_never_given_back_early),
        cmocka_unit_test(test_whole_limit_backs_off_by_ten_percent),
        cmocka_unit_test(test_backoff_stops_below_the_request_and_happens_once),
        cmocka_unit_test(test_backoff_with_growth),
        cmocka_unit_test(test_oom_status_and_message),
        cmocka_unit_test(test_oom_default_names_and_null_status),
        cmocka_unit_test(test_failed_status_returns_at_once),
        cmocka_unit_test(test_huge_and_zero_limit_requests),
        cmocka_unit_test(test_backend_refusing_everything),
        cmocka_unit_test(test_stats),
        cmocka_unit_test(test_destroy_releases_every_region),
        cmocka_unit_test(test_free_stamps),
        cmocka_unit_test(test_threads_random_alloc_free),
        cmocka_unit_test(test_limit_formula_default_fraction),
        cmocka_unit_test(test_limit_formula_fraction_of_total),
    };
    return cmocka_run_group_tests_name("bfc_allocator", tests, NULL, NULL);
}
