/* SPDX-License-Identifier: MIT */
/* Best-fit with coalescing, after TensorFlow's BFCAllocator (bfc_allocator.cc, 1.x).
 *
 * Shape. Memory comes in regions from the backend. Each region is tiled by chunks, kept in a
 * doubly linked list in address order (prev/next). A chunk is either in use (found by its
 * address in an open-addressing table, for free()) or free (in exactly one bin). Bin b holds
 * the free chunks of size [256 << b, 256 << (b + 1)), the last bin everything larger, each bin
 * sorted by (size, address), so the first chunk that fits in the first bin that can hold the
 * request is the best fit. Two free chunks are never neighbours: free() merges at once.
 *
 * Growth (TensorFlow's Extend): the next region size starts at the whole limit, or at
 * min(limit, 2 MiB) with allow_growth. When a request does not fit, that size doubles until it
 * covers the request; a region of min(size, limit - reserved) is asked for, and after a region
 * obtained without doubling the size doubles for next time. The first time the backend refuses,
 * the allocator backs off: it asks for 90% of the size, repeatedly, until the backend agrees or
 * the size drops below the request. Regions are only handed back by destroy.
 *
 * Decisions that differ from TensorFlow, each for a reason:
 * - A chunk is always split when the rest is at least 256 bytes (TF keeps chunks smaller than
 *   twice the request whole unless 128 MiB would be wasted): `in use` then means what was asked
 *   for, rounded, and the leftover is not lost to the next request.
 * - A request that cannot be met fails at once; TF waits up to 10 s for concurrent frees
 *   (spec §4, tact proposal "fail fast").
 * - Chunk headers live in host memory, one small struct per chunk, plus a pointer table;
 *   TF keeps a handle per 256 bytes of every region.
 * - 0 bytes gets a 256-byte chunk, so success is always a non-NULL pointer (TF returns NULL).
 * - A bin is a sorted linked list (TF: a std::set), so putting a chunk back is linear in the
 *   length of its bin; coalescing keeps free chunks few. Revisit if a profile says otherwise. */
#include "devices/bfc_allocator.h"

#define BFC_NUM_BINS 21 /* 256 B ... 256 MiB and larger, as TensorFlow */

typedef struct bfc_chunk bfc_chunk_t;
struct bfc_chunk {
    uintptr_t addr;
    size_t size;              /* a multiple of TACT_BFC_ALIGN */
    bfc_chunk_t *prev, *next; /* address neighbours in the same region, or NULL */
    bfc_chunk_t *bin_prev;    /* free: ring of the bin (with the bin's sentinel) */
    bfc_chunk_t *bin_next;    /* free: ring of the bin; recycled: the spare list */
    int bin;                  /* free: its bin; in use or recycled: -1 */
    bool in_use;
    uint64_t freed_at;        /* the allocator's free count when any of this memory was last
                               * freed (the latest, across merges); 0: never */
};

typedef struct {
    void *raw;          /* as region_alloc returned it, for region_free */
    size_t bytes;       /* as asked for: what counts against the limit */
    uintptr_t base;     /* raw rounded up to TACT_BFC_ALIGN */
    size_t usable;      /* from base, a multiple of TACT_BFC_ALIGN */
    bfc_chunk_t *first; /* lowest chunk; NULL when usable is 0 */
} bfc_region_t;

typedef struct {
    uintptr_t key; /* 0: empty */
    bfc_chunk_t *chunk;
} bfc_slot_t;

struct tact_bfc_allocator {
    pthread_mutex_t lock;
    tact_bfc_backend_t backend;
    size_t limit;
    bool allow_growth;
    char *device_name;
    char *name;

    size_t next_region_bytes; /* TF's curr_region_allocation_bytes_ */
    bool backed_off;          /* TF's started_backpedal_: back off only once */

    bfc_region_t *regions;
    int n_regions, cap_regions;

    bfc_chunk_t bins[BFC_NUM_BINS]; /* sentinels of the bin rings */
    bfc_chunk_t *spare;             /* recycled chunk structs */

    bfc_slot_t *slots; /* chunks in use, by address */
    size_t cap_slots;  /* a power of two */
    size_t n_slots;

    tact_bfc_stats_t stats; /* largest_free_chunk is computed on demand */
    uint64_t n_frees;       /* frees so far: the stamp of the latest */
};

/* ------------------------------------------------------------------------------------------ */
/* Sizes and bins                                                                             */
/* ------------------------------------------------------------------------------------------ */

/* n rounded up to TACT_BFC_ALIGN; SIZE_MAX when that overflows. */
static size_t bfc_round_up(size_t n)
{
    if (n > SIZE_MAX - (TACT_BFC_ALIGN - 1))
        return SIZE_MAX;
    return (n + TACT_BFC_ALIGN - 1) / TACT_BFC_ALIGN * TACT_BFC_ALIGN;
}

static size_t bfc_round_down(size_t n)
{
    return n / TACT_BFC_ALIGN * TACT_BFC_ALIGN;
}

static int bfc_bin_for(size_t size)
{
    size_t units = size / TACT_BFC_ALIGN;
    int b = 0;
    while (units > 1 && b < BFC_NUM_BINS - 1) {
        units >>= 1;
        b++;
    }
    return b;
}

/* True when chunk a sorts before chunk b in a bin. */
static bool bfc_before(const bfc_chunk_t *a, const bfc_chunk_t *b)
{
    return a->size < b->size || (a->size == b->size && a->addr < b->addr);
}

static void bfc_bin_insert(tact_bfc_allocator_t *self, bfc_chunk_t *c)
{
    int b = bfc_bin_for(c->size);
    bfc_chunk_t *head = &self->bins[b];
    bfc_chunk_t *at = head->bin_next;
    while (at != head && bfc_before(at, c))
        at = at->bin_next;
    /* insert before `at` */
    c->bin_next = at;
    c->bin_prev = at->bin_prev;
    at->bin_prev->bin_next = c;
    at->bin_prev = c;
    c->bin = b;
}

static void bfc_bin_remove(bfc_chunk_t *c)
{
    TACT_ASSERT(c->bin >= 0);
    c->bin_prev->bin_next = c->bin_next;
    c->bin_next->bin_prev = c->bin_prev;
    c->bin_prev = c->bin_next = NULL;
    c->bin = -1;
}

/* The best free chunk for `rounded` bytes, or NULL. */
static bfc_chunk_t *bfc_find(tact_bfc_allocator_t *self, size_t rounded)
{
    for (int b = bfc_bin_for(rounded); b < BFC_NUM_BINS; b++) {
        bfc_chunk_t *head = &self->bins[b];
        for (bfc_chunk_t *c = head->bin_next; c != head; c = c->bin_next) {
            if (c->size >= rounded)
                return c; /* sorted: the first that fits is the smallest that fits */
        }
    }
    return NULL;
}

static size_t bfc_largest_free(const tact_bfc_allocator_t *self)
{
    for (int b = BFC_NUM_BINS - 1; b >= 0; b--) {
        const bfc_chunk_t *head = &self->bins[b];
        if (head->bin_prev != head)
            return head->bin_prev->size; /* sorted ascending: the tail is the largest */
    }
    return 0;
}

/* ------------------------------------------------------------------------------------------ */
/* Chunk structs                                                                              */
/* ------------------------------------------------------------------------------------------ */

static bfc_chunk_t *bfc_chunk_new(tact_bfc_allocator_t *self)
{
    bfc_chunk_t *c = self->spare;
    if (c != NULL)
        self->spare = c->bin_next;
    else
        c = tact__malloc(sizeof *c);
    *c = (bfc_chunk_t) { .bin = -1 };
    return c;
}

static void bfc_chunk_recycle(tact_bfc_allocator_t *self, bfc_chunk_t *c)
{
    *c = (bfc_chunk_t) { .bin = -1, .bin_next = self->spare };
    self->spare = c;
}

/* ------------------------------------------------------------------------------------------ */
/* Chunks in use, by address (linear probing, backward-shift deletion)                        */
/* ------------------------------------------------------------------------------------------ */

static size_t bfc_home(const tact_bfc_allocator_t *self, uintptr_t key)
{
    uint64_t h = (uint64_t) (key / TACT_BFC_ALIGN) * 0x9e3779b97f4a7c15ull;
    return (size_t) (h >> 32) & (self->cap_slots - 1);
}

/* The slot holding `key`, or the empty slot where it would go. REQUIRES: cap_slots > 0. */
static size_t bfc_probe(const tact_bfc_allocator_t *self, uintptr_t key)
{
    size_t mask = self->cap_slots - 1;
    size_t i = bfc_home(self, key);
    while (self->slots[i].key != 0 && self->slots[i].key != key)
        i = (i + 1) & mask;
    return i;
}

static bfc_chunk_t *bfc_lookup(const tact_bfc_allocator_t *self, uintptr_t key)
{
    if (self->cap_slots == 0 || key == 0)
        return NULL;
    return self->slots[bfc_probe(self, key)].chunk;
}

static void bfc_table_put(tact_bfc_allocator_t *self, bfc_chunk_t *c)
{
    if (2 * (self->n_slots + 1) > self->cap_slots) {
        bfc_slot_t *old = self->slots;
        size_t old_cap = self->cap_slots;
        self->cap_slots = old_cap ? old_cap * 2 : 64;
        self->slots = tact__malloc(self->cap_slots * sizeof *self->slots);
        for (size_t i = 0; i < old_cap; i++) {
            if (old[i].key != 0)
                self->slots[bfc_probe(self, old[i].key)] = old[i];
        }
        free(old);
    }
    size_t i = bfc_probe(self, c->addr);
    TACT_ASSERT(self->slots[i].key == 0);
    self->slots[i] = (bfc_slot_t) { .key = c->addr, .chunk = c };
    self->n_slots++;
}

static void bfc_table_remove(tact_bfc_allocator_t *self, uintptr_t key)
{
    size_t mask = self->cap_slots - 1;
    size_t hole = bfc_probe(self, key);
    TACT_ASSERT(self->slots[hole].key == key);
    for (size_t j = (hole + 1) & mask; self->slots[j].key != 0; j = (j + 1) & mask) {
        size_t home = bfc_home(self, self->slots[j].key);
        /* Move j into the hole unless its home lies cyclically in (hole, j]. */
        bool stays = hole <= j ? (hole < home && home <= j) : (hole < home || home <= j);
        if (!stays) {
            self->slots[hole] = self->slots[j];
            hole = j;
        }
    }
    self->slots[hole] = (bfc_slot_t) { 0 };
    self->n_slots--;
}

/* ------------------------------------------------------------------------------------------ */
/* Regions                                                                                    */
/* ------------------------------------------------------------------------------------------ */

/* Add a region of `bytes` obtained at `raw`: one free chunk covering it. */
static void bfc_add_region(tact_bfc_allocator_t *self, void *raw, size_t bytes)
{
    if (self->n_regions == self->cap_regions) {
        self->cap_regions = self->cap_regions ? self->cap_regions * 2 : 8;
        self->regions =
            tact__realloc(self->regions, (size_t) self->cap_regions * sizeof *self->regions);
    }
    uintptr_t base = ((uintptr_t) raw + TACT_BFC_ALIGN - 1) / TACT_BFC_ALIGN * TACT_BFC_ALIGN;
    size_t pad = base - (uintptr_t) raw;
    bfc_region_t *r = &self->regions[self->n_regions++];
    *r = (bfc_region_t) {
        .raw = raw, .bytes = bytes, .base = base,
        .usable = bytes > pad ? bfc_round_down(bytes - pad) : 0,
    };
    self->stats.bytes_reserved += bytes;
    self->stats.num_regions = self->n_regions;
    if (r->usable > 0) {
        bfc_chunk_t *c = bfc_chunk_new(self);
        c->addr = base;
        c->size = r->usable;
        r->first = c;
        bfc_bin_insert(self, c);
    }
}

/* TensorFlow's Extend: add a region that can hold `rounded` bytes, if the limit and the
 * backend allow. */
static bool bfc_extend(tact_bfc_allocator_t *self, size_t rounded)
{
    size_t available = bfc_round_down(self->limit - self->stats.bytes_reserved);
    if (rounded > available)
        return false;

    bool increased = false;
    while (rounded > self->next_region_bytes) {
        self->next_region_bytes = self->next_region_bytes > SIZE_MAX / 2
                                      ? rounded
                                      : self->next_region_bytes * 2;
        increased = true;
    }

    size_t bytes = self->next_region_bytes < available ? self->next_region_bytes : available;
    void *raw = self->backend.region_alloc(self->backend.ctx, bytes);
    if (raw == NULL && !self->backed_off) {
        self->backed_off = true;
        while (raw == NULL) {
            size_t less = bfc_round_up(bytes - bytes / 10);
            if (less >= bytes)
                less = bytes - TACT_BFC_ALIGN; /* 90% rounds back up to the same size */
            if (less < rounded)
                break;
            bytes = less;
            raw = self->backend.region_alloc(self->backend.ctx, bytes);
        }
    }
    if (raw == NULL)
        return false;

    if (!increased && self->next_region_bytes <= SIZE_MAX / 2)
        self->next_region_bytes *= 2;
    bfc_add_region(self, raw, bytes);
    return true;
}

/* ------------------------------------------------------------------------------------------ */
/* API                                                                                        */
/* ------------------------------------------------------------------------------------------ */

tact_bfc_allocator_t *tact__bfc_allocator_new(const tact_bfc_options_t *opts)
{
    TACT_ASSERT(opts != NULL);
    TACT_ASSERT(opts->backend.region_alloc != NULL && opts->backend.region_free != NULL);
    tact_bfc_allocator_t *self = tact__malloc(sizeof *self);
    TACT_ASSERT(pthread_mutex_init(&self->lock, NULL) == 0);
    self->backend = opts->backend;
    self->limit = opts->limit;
    self->allow_growth = opts->allow_growth;
    self->device_name = tact__strdup(opts->device_name ? opts->device_name : "?");
    self->name = tact__strdup(opts->name ? opts->name : "bfc");
    size_t first = opts->allow_growth && opts->limit > TACT_BFC_GROWTH_START
                       ? TACT_BFC_GROWTH_START
                       : opts->limit;
    first = bfc_round_up(first);
    self->next_region_bytes = first > 0 ? first : TACT_BFC_ALIGN;
    for (int b = 0; b < BFC_NUM_BINS; b++) {
        self->bins[b].bin_prev = self->bins[b].bin_next = &self->bins[b];
        self->bins[b].bin = b;
    }
    self->stats.limit = opts->limit;
    return self;
}

void tact__bfc_allocator_destroy(tact_bfc_allocator_t **self_p)
{
    if (self_p == NULL || *self_p == NULL)
        return;
    tact_bfc_allocator_t *self = *self_p;
    *self_p = NULL;
    for (int i = 0; i < self->n_regions; i++) {
        bfc_region_t *r = &self->regions[i];
        for (bfc_chunk_t *c = r->first, *next; c != NULL; c = next) {
            next = c->next;
            free(c);
        }
        self->backend.region_free(self->backend.ctx, r->raw);
    }
    while (self->spare != NULL) {
        bfc_chunk_t *c = self->spare;
        self->spare = c->bin_next;
        free(c);
    }
    free(self->regions);
    free(self->slots);
    free(self->device_name);
    free(self->name);
    pthread_mutex_destroy(&self->lock);
    free(self);
}

void *tact__bfc_allocator_alloc(tact_bfc_allocator_t *self, size_t nbytes, tact_status_t *st)
{
    if (tact__failed(st))
        return NULL;
    TACT_ASSERT(self != NULL);
    size_t rounded = bfc_round_up(nbytes > 0 ? nbytes : 1);

    pthread_mutex_lock(&self->lock);
    bfc_chunk_t *c = bfc_find(self, rounded);
    if (c == NULL && bfc_extend(self, rounded))
        c = bfc_find(self, rounded);
    if (c == NULL) {
        self->stats.num_ooms++;
        tact__fail(st, TACT_CODE_RESOURCE_EXHAUSTED,
                   "OOM when allocating tensor of %zu bytes on %s by allocator %s: "
                   "%zu in use, %zu reserved, limit %zu",
                   nbytes, self->device_name, self->name, self->stats.bytes_in_use,
                   self->stats.bytes_reserved, self->limit);
        pthread_mutex_unlock(&self->lock);
        return NULL;
    }

    bfc_bin_remove(c);
    if (c->size - rounded >= TACT_BFC_ALIGN) {
        /* Split: the rest stays free. Its neighbours are c (now in use) and c's old next,
         * which is not free because c was, so it needs no merging. */
        bfc_chunk_t *rest = bfc_chunk_new(self);
        rest->addr = c->addr + rounded;
        rest->size = c->size - rounded;
        rest->prev = c;
        rest->next = c->next;
        rest->freed_at = c->freed_at;
        if (c->next != NULL)
            c->next->prev = rest;
        c->next = rest;
        c->size = rounded;
        bfc_bin_insert(self, rest);
    }
    c->in_use = true;
    bfc_table_put(self, c);

    tact_bfc_stats_t *s = &self->stats;
    s->num_allocs++;
    s->bytes_in_use += c->size;
    if (s->bytes_in_use > s->peak_bytes_in_use)
        s->peak_bytes_in_use = s->bytes_in_use;
    if (c->size > s->largest_alloc_size)
        s->largest_alloc_size = c->size;
    void *ptr = (void *) c->addr;
    pthread_mutex_unlock(&self->lock);
    return ptr;
}

void tact__bfc_allocator_free(tact_bfc_allocator_t *self, void *ptr)
{
    if (ptr == NULL)
        return;
    TACT_ASSERT(self != NULL);
    pthread_mutex_lock(&self->lock);
    bfc_chunk_t *c = bfc_lookup(self, (uintptr_t) ptr);
    TACT_ASSERT(c != NULL && c->in_use); /* not from this allocator, or freed twice */
    bfc_table_remove(self, c->addr);
    c->in_use = false;
    c->freed_at = ++self->n_frees;  /* the newest stamp: a merge below keeps it */
    self->stats.bytes_in_use -= c->size;

    bfc_chunk_t *next = c->next;
    if (next != NULL && !next->in_use) {
        bfc_bin_remove(next);
        c->size += next->size;
        c->next = next->next;
        if (next->next != NULL)
            next->next->prev = c;
        bfc_chunk_recycle(self, next);
    }
    bfc_chunk_t *prev = c->prev;
    if (prev != NULL && !prev->in_use) {
        bfc_bin_remove(prev);
        prev->size += c->size;
        prev->freed_at = c->freed_at;
        prev->next = c->next;
        if (c->next != NULL)
            c->next->prev = prev;
        bfc_chunk_recycle(self, c);
        c = prev;
    }
    bfc_bin_insert(self, c);
    pthread_mutex_unlock(&self->lock);
}

/* A copy of the chunk in use at `ptr`, taken under the lock. */
static bfc_chunk_t bfc_in_use(tact_bfc_allocator_t *self, const void *ptr)
{
    TACT_ASSERT(self != NULL);
    pthread_mutex_lock(&self->lock);
    bfc_chunk_t *c = bfc_lookup(self, (uintptr_t) ptr);
    TACT_ASSERT(c != NULL && c->in_use); /* not from this allocator, or freed */
    bfc_chunk_t copy = *c;
    pthread_mutex_unlock(&self->lock);
    return copy;
}

size_t tact__bfc_allocator_chunk_size(tact_bfc_allocator_t *self, const void *ptr)
{
    return bfc_in_use(self, ptr).size;
}

uint64_t tact__bfc_allocator_freed_at(tact_bfc_allocator_t *self, const void *ptr)
{
    return bfc_in_use(self, ptr).freed_at;
}

uint64_t tact__bfc_allocator_free_count(tact_bfc_allocator_t *self)
{
    TACT_ASSERT(self != NULL);
    pthread_mutex_lock(&self->lock);
    uint64_t n = self->n_frees;
    pthread_mutex_unlock(&self->lock);
    return n;
}

void tact__bfc_allocator_stats(tact_bfc_allocator_t *self, tact_bfc_stats_t *out)
{
    TACT_ASSERT(self != NULL && out != NULL);
    pthread_mutex_lock(&self->lock);
    *out = self->stats;
    out->largest_free_chunk = bfc_largest_free(self);
    pthread_mutex_unlock(&self->lock);
}

/* The invariant walk, with the lock held. */
static tact_code_t bfc_check_locked(tact_bfc_allocator_t *self, tact_status_t *st)
{
#define BFC_CHECK(cond, ...)                                                               \
    do {                                                                                   \
        if (!(cond))                                                                       \
            return tact__fail(st, TACT_CODE_INTERNAL, __VA_ARGS__);                        \
    } while (0)

    size_t reserved = 0, in_use = 0, n_in_use = 0, n_free = 0;
    for (int i = 0; i < self->n_regions; i++) {
        const bfc_region_t *r = &self->regions[i];
        reserved += r->bytes;
        BFC_CHECK(r->base % TACT_BFC_ALIGN == 0 && r->usable % TACT_BFC_ALIGN == 0,
                  "%s: region %d misaligned", self->name, i);
        BFC_CHECK((r->usable == 0) == (r->first == NULL), "%s: region %d: first chunk",
                  self->name, i);
        uintptr_t at = r->base;
        const bfc_chunk_t *prev = NULL;
        for (const bfc_chunk_t *c = r->first; c != NULL; prev = c, c = c->next) {
            BFC_CHECK(c->addr == at, "%s: region %d: gap or overlap at %#" PRIxPTR, self->name,
                      i, at);
            BFC_CHECK(c->prev == prev, "%s: region %d: broken prev link at %#" PRIxPTR,
                      self->name, i, c->addr);
            BFC_CHECK(c->size > 0 && c->size % TACT_BFC_ALIGN == 0,
                      "%s: chunk %#" PRIxPTR ": size %zu", self->name, c->addr, c->size);
            at += c->size;
            if (c->in_use) {
                n_in_use++;
                in_use += c->size;
                BFC_CHECK(c->bin == -1, "%s: chunk in use sits in bin %d", self->name, c->bin);
                BFC_CHECK(bfc_lookup(self, c->addr) == c,
                          "%s: chunk in use at %#" PRIxPTR " not in the table", self->name,
                          c->addr);
            } else {
                n_free++;
                BFC_CHECK(c->bin == bfc_bin_for(c->size),
                          "%s: free chunk of %zu bytes in bin %d", self->name, c->size, c->bin);
                BFC_CHECK(prev == NULL || prev->in_use,
                          "%s: adjacent free chunks at %#" PRIxPTR, self->name, c->addr);
                BFC_CHECK(bfc_lookup(self, c->addr) == NULL,
                          "%s: free chunk at %#" PRIxPTR " still in the table", self->name,
                          c->addr);
            }
        }
        BFC_CHECK(at == r->base + r->usable, "%s: region %d: chunks do not cover it",
                  self->name, i);
    }

    size_t in_bins = 0;
    for (int b = 0; b < BFC_NUM_BINS; b++) {
        const bfc_chunk_t *head = &self->bins[b];
        for (const bfc_chunk_t *c = head->bin_next; c != head; c = c->bin_next) {
            in_bins++;
            BFC_CHECK(!c->in_use && c->bin == b, "%s: bin %d holds a wrong chunk", self->name,
                      b);
            BFC_CHECK(c->bin_next->bin_prev == c, "%s: bin %d: broken ring", self->name, b);
            BFC_CHECK(c->bin_next == head || bfc_before(c, c->bin_next),
                      "%s: bin %d out of order", self->name, b);
            BFC_CHECK(in_bins <= n_free, "%s: bins hold more chunks than are free", self->name);
        }
    }
    BFC_CHECK(in_bins == n_free, "%s: %zu free chunks, %zu in bins", self->name, n_free,
              in_bins);
    BFC_CHECK(n_in_use == self->n_slots, "%s: %zu chunks in use, %zu in the table", self->name,
              n_in_use, self->n_slots);
    BFC_CHECK(in_use == self->stats.bytes_in_use, "%s: bytes in use %zu, counted %zu",
              self->name, in_use, self->stats.bytes_in_use);
    BFC_CHECK(reserved == self->stats.bytes_reserved, "%s: bytes reserved %zu, counted %zu",
              self->name, reserved, self->stats.bytes_reserved);
    BFC_CHECK(reserved <= self->limit, "%s: reserved %zu over the limit %zu", self->name,
              reserved, self->limit);
    BFC_CHECK(self->stats.peak_bytes_in_use >= in_use, "%s: peak below in use", self->name);
    return TACT_CODE_OK;
#undef BFC_CHECK
}

tact_code_t tact__bfc_allocator_check(tact_bfc_allocator_t *self, tact_status_t *st)
{
    if (tact__failed(st))
        return st->code;
    TACT_ASSERT(self != NULL);
    pthread_mutex_lock(&self->lock);
    tact_code_t rc = bfc_check_locked(self, st);
    pthread_mutex_unlock(&self->lock);
    return rc;
}

/* ------------------------------------------------------------------------------------------ */
/* The limit formula                                                                          */
/* ------------------------------------------------------------------------------------------ */

size_t tact__gpu_memory_limit(size_t total, size_t available, double fraction)
{
    const size_t mib = (size_t) 1 << 20;
    if (fraction == 0) {
        size_t reserve;
        if ((uint64_t) available < ((uint64_t) 2 << 30)) {
            reserve = 225 * mib;
        } else {
            size_t five_percent = (size_t) ((double) available * 0.05);
            reserve = five_percent > 300 * mib ? five_percent : 300 * mib;
        }
        return reserve < available ? available - reserve : available;
    }
    if (!(fraction > 0 && fraction <= 1)) /* also NaN */
        return 0;
    if (fraction == 1)
        return total;
    return (size_t) ((double) total * fraction);
}
