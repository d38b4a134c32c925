/* SPDX-License-Identifier: MIT */
/* LevelDB's SSTable format, as TensorFlow's checkpoint index (prefix.index) uses it: data blocks
 * of prefix-compressed keys with restart points, a metaindex block, an index block of
 * BlockHandles, each block followed by a compression byte and the masked CRC-32C of block and
 * byte, and a 48-byte footer ending in the magic 0xdb4775248b80fb57. Whole tables in memory:
 * an index holds one entry per tensor. */
#ifndef TACT_RUNTIME_MODEL_TABLE_H
#define TACT_RUNTIME_MODEL_TABLE_H

#include "runtime/base/prelude.h"

#define TACT_TABLE_MAGIC       0xdb4775248b80fb57ull
#define TACT_TABLE_FOOTER_SIZE 48

/* ---- writing ---- */

typedef struct tact_table_builder tact_table_builder_t;

/* A builder of uncompressed blocks of about `block_size` bytes (0: TensorFlow's 256 KiB) with
 * a restart point every 16 keys, as TensorFlow's BundleWriter writes them. */
tact_table_builder_t *tact__table_builder_new(size_t block_size);
void tact__table_builder_destroy(tact_table_builder_t **b_p);

/* Append key -> value. REQUIRES: key greater than every key added before (bytewise). */
void tact__table_builder_add(tact_table_builder_t *b, const void *key, size_t klen,
                             const void *value, size_t vlen);

/* The finished table: *data (malloc'd, the caller frees it) of *len bytes. The builder is
 * spent afterwards (destroy it). */
void tact__table_builder_finish(tact_table_builder_t *b, void **data, size_t *len);

/* ---- reading ---- */

typedef struct tact_table_entry {
    const char *key;              /* owned by the table; NUL-terminated after klen bytes */
    size_t klen;
    const unsigned char *value;   /* inside the table's copy of the file */
    size_t vlen;
} tact_table_entry_t;

typedef struct tact_table tact_table_t;

/* Parse a whole table: the footer and its magic, every block's checksum and compression byte,
 * every entry's bounds, keys strictly increasing. Takes `data` (malloc'd; freed here on
 * failure). `what` names the file in messages. A malformed table is DATA_LOSS, a Snappy block
 * UNIMPLEMENTED (TensorFlow writes checkpoint indexes uncompressed). NULL on failure.
 * REQUIRES: st not NULL. */
tact_table_t *tact__table_open(void *data, size_t len, const char *what, tact_status_t *st);
void tact__table_destroy(tact_table_t **t_p);

/* The entry of `key` (a NUL-terminated string), or NULL. */
const tact_table_entry_t *tact__table_find(const tact_table_t *t, const char *key);

/* Entries in key order. */
int tact__table_count(const tact_table_t *t);
const tact_table_entry_t *tact__table_entry(const tact_table_t *t, int i);

/* Varints as LevelDB and protobuf write them (shared with the bundle's string tensors). */
size_t tact__varint64_put(unsigned char *buf, uint64_t v);  /* buf holds 10 bytes; returns n */
/* Decode at *p below end; false when truncated or longer than 10 bytes. */
bool tact__varint64_get(const unsigned char **p, const unsigned char *end, uint64_t *v);

#endif
