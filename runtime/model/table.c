/* SPDX-License-Identifier: MIT */
/* LevelDB tables (SSTables) in memory: the builder TensorFlow's BundleWriter amounts to, without
 * compression, and a reader that checks every byte it relies on, for indexes from anywhere.
 * Not a LevelDB: no iterators over files, no filters, no caches. */
#include "runtime/model/byte_buf.h"
#include "runtime/model/table.h"

#include "runtime/model/crc32c.h"

#define TABLE_RESTART_INTERVAL 16
#define TABLE_DEFAULT_BLOCK    (256u * 1024u)
#define TABLE_TRAILER          5  /* compression byte + masked crc32c */
#define TABLE_NO_COMPRESSION   0
#define TABLE_SNAPPY           1

/* ---- byte buffers ---- */

static void table_buf_varint(tact_byte_buf_t *b, uint64_t v)
{
    unsigned char tmp[10];
    tact__byte_buf_put(b, tmp, tact__varint64_put(tmp, v));
}

static void table_buf_fixed32(tact_byte_buf_t *b, uint32_t v)
{
    unsigned char tmp[4] = { (unsigned char) v, (unsigned char) (v >> 8),
                             (unsigned char) (v >> 16), (unsigned char) (v >> 24) };
    tact__byte_buf_put(b, tmp, 4);
}

static uint32_t table_load32(const unsigned char *p)
{
    return (uint32_t) p[0] | (uint32_t) p[1] << 8 | (uint32_t) p[2] << 16 |
           (uint32_t) p[3] << 24;
}

size_t tact__varint64_put(unsigned char *buf, uint64_t v)
{
    size_t n = 0;
    while (v >= 0x80) {
        buf[n++] = (unsigned char) (v | 0x80);
        v >>= 7;
    }
    buf[n++] = (unsigned char) v;
    return n;
}

bool tact__varint64_get(const unsigned char **p, const unsigned char *end, uint64_t *v)
{
    uint64_t result = 0;
    const unsigned char *q = *p;
    for (int shift = 0; shift <= 63 && q < end; shift += 7) {
        uint64_t byte = *q++;
        result |= (byte & 0x7f) << shift;
        if ((byte & 0x80) == 0) {
            *v = result;
            *p = q;
            return true;
        }
    }
    return false;
}

/* ---- building ---- */

/* One block under construction: LevelDB's BlockBuilder. */
typedef struct table_block {
    tact_byte_buf_t buf;
    uint32_t *restarts;
    int n_restarts, cap_restarts;
    int counter;                  /* entries since the last restart */
    tact_byte_buf_t last_key;
    int n_entries;
    int restart_interval;         /* 16 for data blocks, 1 for the index (as LevelDB) */
} table_block_t;

struct tact_table_builder {
    size_t block_size;
    tact_byte_buf_t out;              /* the file so far */
    table_block_t data, index;
    tact_byte_buf_t last_key;         /* of the whole table: order check and the index key */
    bool any;
};

static void table_block_reset(table_block_t *blk)
{
    blk->buf.len = 0;
    blk->last_key.len = 0;
    blk->n_entries = 0;
    blk->counter = 0;
    blk->n_restarts = 0;
    blk->restarts = tact__grow_zeroed(blk->restarts, &blk->cap_restarts, 0, sizeof(uint32_t));
    blk->restarts[blk->n_restarts++] = 0;
}

static void table_block_add(table_block_t *blk, const void *key, size_t klen, const void *value,
                            size_t vlen)
{
    size_t shared = 0;
    if (blk->counter < blk->restart_interval) {
        size_t max = klen < blk->last_key.len ? klen : blk->last_key.len;
        while (shared < max && blk->last_key.data[shared] == ((const unsigned char *) key)[shared])
            shared++;
    } else {
        blk->restarts = tact__grow_zeroed(blk->restarts, &blk->cap_restarts, blk->n_restarts,
                                          sizeof(uint32_t));
        blk->restarts[blk->n_restarts++] = (uint32_t) blk->buf.len;
        blk->counter = 0;
    }
    table_buf_varint(&blk->buf, shared);
    table_buf_varint(&blk->buf, klen - shared);
    table_buf_varint(&blk->buf, vlen);
    tact__byte_buf_put(&blk->buf, (const unsigned char *) key + shared, klen - shared);
    tact__byte_buf_put(&blk->buf, value, vlen);
    blk->last_key.len = 0;
    tact__byte_buf_put(&blk->last_key, key, klen);
    blk->counter++;
    blk->n_entries++;
}

/* The block's restart array closes it; then the trailer, appended to the file. Returns the
 * block's handle (offset and size without the trailer). */
static void table_block_flush(tact_table_builder_t *b, table_block_t *blk, uint64_t *offset,
                              uint64_t *size)
{
    for (int i = 0; i < blk->n_restarts; i++)
        table_buf_fixed32(&blk->buf, blk->restarts[i]);
    table_buf_fixed32(&blk->buf, (uint32_t) blk->n_restarts);
    *offset = b->out.len;
    *size = blk->buf.len;
    tact__byte_buf_put(&b->out, blk->buf.data, blk->buf.len);
    unsigned char type = TABLE_NO_COMPRESSION;
    tact__byte_buf_put(&b->out, &type, 1);
    uint32_t crc = tact__crc32c_extend(tact__crc32c(blk->buf.data, blk->buf.len), &type, 1);
    table_buf_fixed32(&b->out, tact__crc32c_mask(crc));
    table_block_reset(blk);
}

/* The data block goes out, and the index maps its last key to it. (LevelDB shortens the index
 * key to a separator; any key >= the block's last and < the next block's first is valid.) */
static void table_flush_data(tact_table_builder_t *b)
{
    if (b->data.n_entries == 0)
        return;
    uint64_t offset, size;
    tact_byte_buf_t key = { 0 };
    tact__byte_buf_put(&key, b->data.last_key.data, b->data.last_key.len);
    table_block_flush(b, &b->data, &offset, &size);
    tact_byte_buf_t handle = { 0 };
    table_buf_varint(&handle, offset);
    table_buf_varint(&handle, size);
    table_block_add(&b->index, key.data, key.len, handle.data, handle.len);
    free(key.data);
    free(handle.data);
}

tact_table_builder_t *tact__table_builder_new(size_t block_size)
{
    tact_table_builder_t *b = tact__malloc(sizeof *b);
    b->block_size = block_size ? block_size : TABLE_DEFAULT_BLOCK;
    b->data.restart_interval = TABLE_RESTART_INTERVAL;
    b->index.restart_interval = 1;
    table_block_reset(&b->data);
    table_block_reset(&b->index);
    return b;
}

void tact__table_builder_destroy(tact_table_builder_t **b_p)
{
    tact_table_builder_t *b = *b_p;
    if (b == NULL)
        return;
    table_block_t *blocks[2] = { &b->data, &b->index };
    for (int i = 0; i < 2; i++) {
        free(blocks[i]->buf.data);
        free(blocks[i]->restarts);
        free(blocks[i]->last_key.data);
    }
    free(b->out.data);
    free(b->last_key.data);
    free(b);
    *b_p = NULL;
}

void tact__table_builder_add(tact_table_builder_t *b, const void *key, size_t klen,
                             const void *value, size_t vlen)
{
    if (b->any) {
        size_t min = klen < b->last_key.len ? klen : b->last_key.len;
        int c = min ? memcmp(b->last_key.data, key, min) : 0;
        TACT_ASSERT(c < 0 || (c == 0 && b->last_key.len < klen));
    }
    b->any = true;
    b->last_key.len = 0;
    tact__byte_buf_put(&b->last_key, key, klen);
    table_block_add(&b->data, key, klen, value, vlen);
    if (b->data.buf.len >= b->block_size)
        table_flush_data(b);
}

void tact__table_builder_finish(tact_table_builder_t *b, void **data, size_t *len)
{
    table_flush_data(b);
    uint64_t meta_off, meta_size, index_off, index_size;
    table_block_flush(b, &b->data, &meta_off, &meta_size);  /* an empty metaindex block */
    table_block_flush(b, &b->index, &index_off, &index_size);
    tact_byte_buf_t footer = { 0 };
    table_buf_varint(&footer, meta_off);
    table_buf_varint(&footer, meta_size);
    table_buf_varint(&footer, index_off);
    table_buf_varint(&footer, index_size);
    unsigned char zeros[TACT_TABLE_FOOTER_SIZE] = { 0 };
    tact__byte_buf_put(&footer, zeros, TACT_TABLE_FOOTER_SIZE - 8 - footer.len);
    table_buf_fixed32(&footer, (uint32_t) TACT_TABLE_MAGIC);
    table_buf_fixed32(&footer, (uint32_t) (TACT_TABLE_MAGIC >> 32));
    tact__byte_buf_put(&b->out, footer.data, footer.len);
    free(footer.data);
    *data = b->out.data;
    *len = b->out.len;
    b->out = (tact_byte_buf_t) { 0 };
}

/* ---- reading ---- */

struct tact_table {
    unsigned char *file;
    size_t len;
    tact_table_entry_t *entries;
    int n, cap;
    char what[96];
};

static tact_code_t table_corrupt(tact_table_t *t, tact_status_t *st, const char *why)
{
    return tact__fail(st, TACT_CODE_DATA_LOSS, "%s: corrupted checkpoint index: %s", t->what,
                      why);
}

/* A BlockHandle at *p: the block's bytes and trailer must lie inside the file before the
 * footer; its checksum and compression byte are checked here. */
static tact_code_t table_block(tact_table_t *t, const unsigned char **p, const unsigned char *end,
                               const unsigned char **block, size_t *size, tact_status_t *st)
{
    uint64_t off, n;
    if (!tact__varint64_get(p, end, &off) || !tact__varint64_get(p, end, &n))
        return table_corrupt(t, st, "bad block handle");
    size_t limit = t->len - TACT_TABLE_FOOTER_SIZE;
    if (off > limit || n > limit - off || TABLE_TRAILER > limit - off - n)
        return table_corrupt(t, st, "block handle past the end of the file");
    const unsigned char *b = t->file + off;
    uint32_t want = tact__crc32c_unmask(table_load32(b + n + 1));
    if (tact__crc32c(b, n + 1) != want)
        return table_corrupt(t, st, "block checksum mismatch");
    if (b[n] == TABLE_SNAPPY)
        return tact__fail(st, TACT_CODE_UNIMPLEMENTED,
                          "%s: a Snappy-compressed block; tact reads uncompressed checkpoint "
                          "indexes only (TensorFlow writes them uncompressed)", t->what);
    if (b[n] != TABLE_NO_COMPRESSION)
        return table_corrupt(t, st, "unknown block compression type");
    *block = b;
    *size = (size_t) n;
    return TACT_CODE_OK;
}

/* Decode every entry of a block through `on_entry`. Keys are rebuilt in `key` (prefix
 * compression), so each is copied out by the callee if kept. */
typedef tact_code_t (*table_entry_fn)(tact_table_t *t, const unsigned char *key, size_t klen,
                                      const unsigned char *value, size_t vlen,
                                      tact_status_t *st);

static tact_code_t table_block_entries(tact_table_t *t, const unsigned char *b, size_t n,
                                       table_entry_fn on_entry, tact_status_t *st)
{
    if (n < 4)
        return table_corrupt(t, st, "block too short");
    uint64_t n_restarts = table_load32(b + n - 4);
    if (n_restarts > (n - 4) / 4)
        return table_corrupt(t, st, "bad restart array");
    const unsigned char *p = b, *end = b + n - 4 - 4 * n_restarts;
    tact_byte_buf_t key = { 0 };
    tact_code_t rc = TACT_CODE_OK;
    while (p < end && rc == TACT_CODE_OK) {
        uint64_t shared, non_shared, vlen;
        if (!tact__varint64_get(&p, end, &shared) || !tact__varint64_get(&p, end, &non_shared) ||
            !tact__varint64_get(&p, end, &vlen) || shared > key.len ||
            non_shared > (uint64_t) (end - p) || vlen > (uint64_t) (end - p) - non_shared) {
            rc = table_corrupt(t, st, "bad block entry");
            break;
        }
        key.len = (size_t) shared;
        tact__byte_buf_put(&key, p, (size_t) non_shared);
        p += non_shared;
        rc = on_entry(t, key.data ? key.data : (const unsigned char *) "", key.len, p,
                      (size_t) vlen, st);
        p += vlen;
    }
    free(key.data);
    return rc;
}

static tact_code_t table_keep_entry(tact_table_t *t, const unsigned char *key, size_t klen,
                                    const unsigned char *value, size_t vlen, tact_status_t *st)
{
    if (t->n > 0) {
        const tact_table_entry_t *last = &t->entries[t->n - 1];
        size_t min = klen < last->klen ? klen : last->klen;
        int c = min ? memcmp(last->key, key, min) : 0;
        if (!(c < 0 || (c == 0 && last->klen < klen)))
            return table_corrupt(t, st, "keys out of order");
    }
    t->entries = tact__grow_zeroed(t->entries, &t->cap, t->n, sizeof *t->entries);
    char *copy = tact__malloc(klen + 1);
    memcpy(copy, key, klen);
    t->entries[t->n++] = (tact_table_entry_t) { copy, klen, value, vlen };
    return TACT_CODE_OK;
}

static tact_code_t table_index_entry(tact_table_t *t, const unsigned char *key, size_t klen,
                                     const unsigned char *value, size_t vlen, tact_status_t *st)
{
    TACT_UNUSED(key);
    TACT_UNUSED(klen);
    const unsigned char *b, *p = value;
    size_t n;
    if (table_block(t, &p, value + vlen, &b, &n, st) != TACT_CODE_OK)
        return st->code;
    return table_block_entries(t, b, n, table_keep_entry, st);
}

tact_table_t *tact__table_open(void *data, size_t len, const char *what, tact_status_t *st)
{
    TACT_ASSERT(st != NULL);
    tact_table_t *t = tact__malloc(sizeof *t);
    t->file = data;
    t->len = len;
    snprintf(t->what, sizeof t->what, "%s", what);
    const unsigned char *meta, *index;
    size_t meta_n, index_n;
    if (len < TACT_TABLE_FOOTER_SIZE) {
        table_corrupt(t, st, "file too short");
    } else {
        const unsigned char *footer = t->file + len - TACT_TABLE_FOOTER_SIZE;
        uint64_t magic = (uint64_t) table_load32(footer + 40) |
                         (uint64_t) table_load32(footer + 44) << 32;
        const unsigned char *p = footer, *end = footer + 40;
        if (magic != TACT_TABLE_MAGIC)
            table_corrupt(t, st, "bad magic number in the footer");
        else if (table_block(t, &p, end, &meta, &meta_n, st) == TACT_CODE_OK &&
                 table_block(t, &p, end, &index, &index_n, st) == TACT_CODE_OK)
            table_block_entries(t, index, index_n, table_index_entry, st);
    }
    if (tact__failed(st)) {
        tact__table_destroy(&t);
        return NULL;
    }
    return t;
}

void tact__table_destroy(tact_table_t **t_p)
{
    tact_table_t *t = *t_p;
    if (t == NULL)
        return;
    for (int i = 0; i < t->n; i++)
        free((char *) t->entries[i].key);
    free(t->entries);
    free(t->file);
    free(t);
    *t_p = NULL;
}

const tact_table_entry_t *tact__table_find(const tact_table_t *t, const char *key)
{
    size_t klen = strlen(key);
    int lo = 0, hi = t->n;
    while (lo < hi) {
        int mid = lo + (hi - lo) / 2;
        const tact_table_entry_t *e = &t->entries[mid];
        size_t min = klen < e->klen ? klen : e->klen;
        int c = min ? memcmp(e->key, key, min) : 0;
        if (c == 0)
            c = e->klen < klen ? -1 : e->klen > klen ? 1 : 0;
        if (c == 0)
            return e;
        if (c < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return NULL;
}

int tact__table_count(const tact_table_t *t)
{
    return t->n;
}

const tact_table_entry_t *tact__table_entry(const tact_table_t *t, int i)
{
    TACT_ASSERT(i >= 0 && i < t->n);
    return &t->entries[i];
}
