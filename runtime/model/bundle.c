/* SPDX-License-Identifier: MIT */
/* The tensor bundle's files: writing one crash-safely from host tensors, and reading one from
 * anywhere, trusting none of its bytes (every size is checked against the data file before it
 * is allocated, every tensor against its checksum). Not for variables or sessions
 * (checkpoint.c), nor for partitioned tensors (slices: UNIMPLEMENTED). */
#include "runtime/base/prelude.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "runtime/base/host_alloc.h"
#include "runtime/model/bundle.h"
#include "runtime/model/byte_buf.h"
#include "runtime/model/crc32c.h"
#include "runtime/model/dtypes.h"
#include "runtime/model/table.h"
#include "tensor_bundle.pb-c.h"

/* Tensors are written and read as the host's bytes: TensorFlow's little-endian layout. */
_Static_assert(__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__,
               "checkpoints assume a little-endian host");

#define BUNDLE_PATH_MAX 4096
#define BUNDLE_MAX_SHARDS 4096
/* Restored values are read into host memory; an OOM names it as TensorFlow names the host. */
#define BUNDLE_HOST_DEVICE "CPU:0"

static tact_code_t bundle_io_fail(tact_status_t *st, const char *what, const char *path)
{
    int err = errno;
    return tact__fail(st, tact__code_from_errno(err), "%s %.160s: %s", what, path, strerror(err));
}

static void bundle_data_path(char *buf, size_t len, const char *prefix, int shard, int n_shards)
{
    snprintf(buf, len, "%s.data-%05d-of-%05d", prefix, shard, n_shards);
}

static void bundle_store32(unsigned char *p, uint32_t v)
{
    p[0] = (unsigned char) v;
    p[1] = (unsigned char) (v >> 8);
    p[2] = (unsigned char) (v >> 16);
    p[3] = (unsigned char) (v >> 24);
}

/* ---- writing ---- */

static tact_code_t bundle_write_all(int fd, const void *data, size_t n, const char *path,
                                    tact_status_t *st)
{
    const unsigned char *p = data;
    while (n > 0) {
        ssize_t w = write(fd, p, n);
        if (w < 0 && errno == EINTR)
            continue;
        if (w < 0)
            return bundle_io_fail(st, "write", path);
        p += w;
        n -= (size_t) w;
    }
    return TACT_CODE_OK;
}

/* A whole file at `path` (created or truncated), fsynced before it is closed. */
static tact_code_t bundle_write_file(const char *path, const void *data, size_t n,
                                     tact_status_t *st)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0)
        return bundle_io_fail(st, "cannot create", path);
    tact_code_t rc = bundle_write_all(fd, data, n, path, st);
    if (rc == TACT_CODE_OK && fsync(fd) != 0)
        rc = bundle_io_fail(st, "fsync", path);
    if (close(fd) != 0 && rc == TACT_CODE_OK)
        rc = bundle_io_fail(st, "close", path);
    return rc;
}

/* The directory holding `prefix`, fsynced so that renames inside it are durable. */
static tact_code_t bundle_sync_dir(const char *dir, tact_status_t *st)
{
    int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0)
        return bundle_io_fail(st, "cannot open directory", dir);
    tact_code_t rc = TACT_CODE_OK;
    if (fsync(fd) != 0 && errno != EINVAL)  /* some filesystems cannot sync a directory */
        rc = bundle_io_fail(st, "fsync", dir);
    close(fd);
    return rc;
}

static void bundle_dirname(const char *prefix, char *dir, size_t len)
{
    const char *slash = strrchr(prefix, '/');
    if (slash == NULL)
        snprintf(dir, len, ".");
    else if (slash == prefix)
        snprintf(dir, len, "/");
    else
        snprintf(dir, len, "%.*s", (int) (slash - prefix), prefix);
}

/* A string tensor's bytes as TensorFlow's BundleWriter lays them out; returns their CRC-32C,
 * which covers each length as 4 little-endian bytes (8 above 4 GiB), the masked CRC of those
 * lengths as written, then the bytes (tensor_bundle.cc's WriteStringTensor). */
static uint32_t bundle_put_strings(tact_byte_buf_t *out, const tact_tensor_t *t)
{
    uint32_t crc = 0;
    for (int64_t i = 0; i < t->nelems; i++) {
        size_t len;
        tact_tensor_string(t, i, &len);
        unsigned char tmp[10];
        tact__byte_buf_put(out, tmp, tact__varint64_put(tmp, len));
        unsigned char le[8];
        uint64_t v = len;
        for (int k = 0; k < 8; k++)
            le[k] = (unsigned char) (v >> (8 * k));
        crc = tact__crc32c_extend(crc, le, (uint64_t) len <= UINT32_MAX ? 4 : 8);
    }
    unsigned char masked[4];
    bundle_store32(masked, tact__crc32c_mask(crc));
    tact__byte_buf_put(out, masked, 4);
    crc = tact__crc32c_extend(crc, masked, 4);
    for (int64_t i = 0; i < t->nelems; i++) {
        size_t len;
        const char *str = tact_tensor_string(t, i, &len);
        tact__byte_buf_put(out, str, len);
        crc = tact__crc32c_extend(crc, str, len);
    }
    return crc;
}

/* The data file at `path`: the tensors in `order`, one after another, written straight from
 * their memory (strings through a buffer), then fsynced. Fills offsets[0..n] and crcs. */
static tact_code_t bundle_write_data(const char *path, const tact_tensor_t *const *values,
                                     const int *order, int n, int64_t *offsets, uint32_t *crcs,
                                     tact_status_t *st)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0)
        return bundle_io_fail(st, "cannot create", path);
    tact_code_t rc = TACT_CODE_OK;
    tact_byte_buf_t strings = { 0 };
    uint64_t at = 0;
    for (int k = 0; k < n && rc == TACT_CODE_OK; k++) {
        const tact_tensor_t *t = values[order[k]];
        offsets[k] = (int64_t) at;
        const void *bytes = t->data;
        size_t nbytes;
        if (t->dtype == TACT_DTYPE_STRING) {
            strings.len = 0;
            crcs[k] = bundle_put_strings(&strings, t);
            bytes = strings.data;
            nbytes = strings.len;
        } else {
            nbytes = (size_t) t->nelems * tact_dtype_size(t->dtype);
            crcs[k] = tact__crc32c(bytes, nbytes);
        }
        rc = bundle_write_all(fd, bytes, nbytes, path, st);
        at += nbytes;
    }
    offsets[n] = (int64_t) at;
    free(strings.data);
    if (rc == TACT_CODE_OK && fsync(fd) != 0)
        rc = bundle_io_fail(st, "fsync", path);
    if (close(fd) != 0 && rc == TACT_CODE_OK)
        rc = bundle_io_fail(st, "close", path);
    return rc;
}

static void bundle_add_message(tact_table_builder_t *tb, const char *key,
                               const ProtobufCMessage *msg)
{
    size_t n = protobuf_c_message_get_packed_size(msg);
    unsigned char *buf = tact__malloc(n ? n : 1);
    protobuf_c_message_pack(msg, buf);
    tact__table_builder_add(tb, key, strlen(key), buf, n);
    free(buf);
}

/* The index for tensors in key order, their entries pointing into data. */
static void bundle_build_index(const char *const *names, const tact_tensor_t *const *values,
                               const int *order, int n, const int64_t *offsets,
                               const uint32_t *crcs, void **index, size_t *index_len)
{
    tact_table_builder_t *tb = tact__table_builder_new(0);
    Tensorflow__VersionDef version = TENSORFLOW__VERSION_DEF__INIT;
    version.producer = 1;
    Tensorflow__BundleHeaderProto header = TENSORFLOW__BUNDLE_HEADER_PROTO__INIT;
    header.num_shards = 1;
    header.version = &version;
    bundle_add_message(tb, "", &header.base);
    for (int k = 0; k < n; k++) {
        int i = order[k];
        const tact_tensor_t *t = values[i];
        Tensorflow__TensorShapeProto__Dim dims[TACT_MAX_DIMS], *dim_ptrs[TACT_MAX_DIMS];
        for (int d = 0; d < t->ndims; d++) {
            dims[d] = (Tensorflow__TensorShapeProto__Dim) TENSORFLOW__TENSOR_SHAPE_PROTO__DIM__INIT;
            dims[d].size = t->dims[d];
            dim_ptrs[d] = &dims[d];
        }
        Tensorflow__TensorShapeProto shape = TENSORFLOW__TENSOR_SHAPE_PROTO__INIT;
        shape.n_dim = (size_t) t->ndims;
        shape.dim = dim_ptrs;
        Tensorflow__BundleEntryProto entry = TENSORFLOW__BUNDLE_ENTRY_PROTO__INIT;
        entry.dtype = tact__dtype_to_proto(t->dtype);
        entry.shape = &shape;
        entry.offset = offsets[k];
        entry.size = offsets[k + 1] - offsets[k];
        entry.crc32c = tact__crc32c_mask(crcs[k]);
        bundle_add_message(tb, names[i], &entry.base);
    }
    tact__table_builder_finish(tb, index, index_len);
    tact__table_builder_destroy(&tb);
}

/* A tensor's place in the arguments, sorted by its name (the table's key order). */
typedef struct bundle_key {
    const char *name;
    int index;
} bundle_key_t;

static int bundle_key_cmp(const void *a, const void *b)
{
    return strcmp(((const bundle_key_t *) a)->name, ((const bundle_key_t *) b)->name);
}

static tact_bundle_t *bundle_open_at(const char *prefix, const char *index_path,
                                     tact_status_t *st);
static bool bundle_consistent(const char *prefix, const char *index_path);

/* A crashed write may have left its data renamed but its index pending: when that index, and
 * not the bundle's own, matches the data, it becomes the bundle's before anything else is
 * written; else it is dropped. */
static void bundle_roll_forward(const char *prefix, const char *index_path, const char *pending)
{
    if (access(pending, F_OK) != 0)
        return;
    if (!bundle_consistent(prefix, index_path) && bundle_consistent(prefix, pending))
        rename(pending, index_path);
    else
        unlink(pending);
}

tact_code_t tact__bundle_write(const char *prefix, const char *const *names,
                               const tact_tensor_t *const *values, int n, tact_status_t *st)
{
    TACT_ASSERT(st != NULL);
    if (tact__failed(st))
        return st->code;
    char dir[BUNDLE_PATH_MAX], data_path[BUNDLE_PATH_MAX], index_path[BUNDLE_PATH_MAX];
    char data_tmp[BUNDLE_PATH_MAX + 64], pending[BUNDLE_PATH_MAX + 16];
    if (strlen(prefix) + 64 > BUNDLE_PATH_MAX || prefix[0] == '\0')
        return tact__fail(st, TACT_CODE_INVALID_ARGUMENT,
                          "checkpoint prefix '%.100s' is empty or too long", prefix);
    bundle_dirname(prefix, dir, sizeof dir);
    struct stat sb;
    if (stat(dir, &sb) != 0 || !S_ISDIR(sb.st_mode))
        return tact__fail(st, TACT_CODE_NOT_FOUND,
                          "Parent directory of %.160s doesn't exist, can't save.", prefix);
    bundle_data_path(data_path, sizeof data_path, prefix, 0, 1);
    snprintf(index_path, sizeof index_path, "%s.index", prefix);
    snprintf(pending, sizeof pending, "%s.index.pending", prefix);
    static _Atomic unsigned bundle_counter;
    snprintf(data_tmp, sizeof data_tmp, "%s.tempstate%ld_%u", data_path, (long) getpid(),
             atomic_fetch_add(&bundle_counter, 1u));

    bundle_key_t *keys = tact__malloc((size_t) (n > 0 ? n : 1) * sizeof *keys);
    int *order = tact__malloc((size_t) (n > 0 ? n : 1) * sizeof *order);
    for (int i = 0; i < n; i++)
        keys[i] = (bundle_key_t) { names[i], i };
    qsort(keys, (size_t) n, sizeof *keys, bundle_key_cmp);
    for (int k = 0; k < n; k++)
        order[k] = keys[k].index;
    for (int k = 1; k < n; k++)
        if (strcmp(keys[k - 1].name, keys[k].name) == 0) {
            tact__fail(st, TACT_CODE_INVALID_ARGUMENT,
                       "checkpoint: the name %.160s is given twice", keys[k].name);
            free(keys);
            free(order);
            return st->code;
        }
    free(keys);

    int64_t *offsets = tact__malloc((size_t) (n + 1) * sizeof *offsets);
    uint32_t *crcs = tact__malloc((size_t) (n > 0 ? n : 1) * sizeof *crcs);
    bundle_roll_forward(prefix, index_path, pending);
    tact_code_t rc = bundle_write_data(data_tmp, values, order, n, offsets, crcs, st);
    void *index = NULL;
    size_t index_len = 0;
    if (rc == TACT_CODE_OK)
        bundle_build_index(names, values, order, n, offsets, crcs, &index, &index_len);
    free(order);
    free(offsets);
    free(crcs);
    if (rc == TACT_CODE_OK)
        rc = bundle_write_file(pending, index, index_len, st);
    if (rc == TACT_CODE_OK)
        rc = bundle_sync_dir(dir, st);
    if (rc == TACT_CODE_OK && rename(data_tmp, data_path) != 0)
        rc = bundle_io_fail(st, "cannot rename to", data_path);
    /* Here a crash leaves the old index over the new data: the pending index is the remedy. */
    if (rc == TACT_CODE_OK && rename(pending, index_path) != 0)
        rc = bundle_io_fail(st, "cannot rename to", index_path);
    if (rc == TACT_CODE_OK)
        rc = bundle_sync_dir(dir, st);
    if (rc != TACT_CODE_OK && access(data_tmp, F_OK) == 0) {  /* failed before the renames */
        unlink(data_tmp);
        unlink(pending);
    }
    free(index);
    return rc;
}

/* ---- reading ---- */

struct tact_bundle {
    char *prefix;
    tact_table_t *table;
    int n_shards;
    int *fds;                     /* data files, by shard */
    uint64_t *sizes;              /* their sizes */
};

static tact_code_t bundle_corrupt(tact_status_t *st, const tact_bundle_t *b, const char *name,
                                  const char *why)
{
    return tact__fail(st, TACT_CODE_DATA_LOSS, "checkpoint %.100s: tensor %.60s: %s", b->prefix,
                      name, why);
}

static tact_code_t bundle_read_file(const char *path, void **data, size_t *len, tact_status_t *st)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return bundle_io_fail(st, "cannot open", path);
    struct stat sb;
    tact_code_t rc = TACT_CODE_OK;
    unsigned char *buf = NULL;
    size_t got = 0;
    if (fstat(fd, &sb) != 0) {
        rc = bundle_io_fail(st, "cannot stat", path);
    } else {
        size_t n = (size_t) sb.st_size;
        buf = tact__malloc(n ? n : 1);
        while (got < n) {
            ssize_t r = read(fd, buf + got, n - got);
            if (r < 0 && errno == EINTR)
                continue;
            if (r <= 0)
                break;
            got += (size_t) r;
        }
        if (got < n)
            rc = tact__fail(st, TACT_CODE_DATA_LOSS, "%.160s: short read", path);
    }
    close(fd);
    if (rc != TACT_CODE_OK) {
        free(buf);
        return rc;
    }
    *data = buf;
    *len = got;
    return TACT_CODE_OK;
}

static tact_code_t bundle_read_header(tact_bundle_t *b, const char *index_path,
                                      tact_status_t *st)
{
    const tact_table_entry_t *e = tact__table_find(b->table, "");
    Tensorflow__BundleHeaderProto *h =
        e ? tensorflow__bundle_header_proto__unpack(NULL, e->vlen, e->value) : NULL;
    tact_code_t rc = TACT_CODE_OK;
    if (h == NULL)
        rc = tact__fail(st, TACT_CODE_DATA_LOSS, "%.160s: no valid bundle header", index_path);
    else if (h->endianness != TENSORFLOW__BUNDLE_HEADER_PROTO__ENDIANNESS__LITTLE)
        rc = tact__fail(st, TACT_CODE_UNIMPLEMENTED,
                        "%.160s: a big-endian checkpoint; tact reads little-endian ones",
                        index_path);
    else if (h->num_shards < 1 || h->num_shards > BUNDLE_MAX_SHARDS)
        rc = tact__fail(st, TACT_CODE_DATA_LOSS, "%.160s: bad number of shards %d", index_path,
                        (int) h->num_shards);
    else if (h->version != NULL && h->version->min_consumer > 1)
        rc = tact__fail(st, TACT_CODE_FAILED_PRECONDITION,
                        "%.160s: checkpoint min consumer version %d above current version 1",
                        index_path, (int) h->version->min_consumer);
    else
        b->n_shards = h->num_shards;
    if (h != NULL)
        tensorflow__bundle_header_proto__free_unpacked(h, NULL);
    return rc;
}

static tact_bundle_t *bundle_open_at(const char *prefix, const char *index_path,
                                     tact_status_t *st)
{
    TACT_ASSERT(st != NULL);
    if (tact__failed(st))
        return NULL;
    void *data = NULL;
    size_t len = 0;
    tact_status_t io = TACT_STATUS_INIT;
    if (bundle_read_file(index_path, &data, &len, &io) != TACT_CODE_OK) {
        if (io.code == TACT_CODE_NOT_FOUND)
            tact__fail(st, TACT_CODE_NOT_FOUND,
                       "The passed save_path is not a valid checkpoint: %.160s", prefix);
        else
            tact__fail(st, io.code, "%s", io.msg);
        return NULL;
    }
    tact_bundle_t *b = tact__malloc(sizeof *b);
    b->prefix = tact__strdup(prefix);
    b->table = tact__table_open(data, len, index_path, st);
    if (b->table == NULL || bundle_read_header(b, index_path, st) != TACT_CODE_OK) {
        tact__bundle_destroy(&b);
        return NULL;
    }
    b->fds = tact__malloc((size_t) b->n_shards * sizeof *b->fds);
    b->sizes = tact__malloc((size_t) b->n_shards * sizeof *b->sizes);
    for (int i = 0; i < b->n_shards; i++)
        b->fds[i] = -1;
    for (int i = 0; i < b->n_shards; i++) {
        char path[BUNDLE_PATH_MAX + 32];
        bundle_data_path(path, sizeof path, prefix, i, b->n_shards);
        b->fds[i] = open(path, O_RDONLY | O_CLOEXEC);
        struct stat sb;
        if (b->fds[i] < 0 || fstat(b->fds[i], &sb) != 0) {
            bundle_io_fail(st, "cannot open checkpoint data file", path);
            tact__bundle_destroy(&b);
            return NULL;
        }
        b->sizes[i] = (uint64_t) sb.st_size;
    }
    return b;
}

tact_bundle_t *tact__bundle_open(const char *prefix, bool pending, tact_status_t *st)
{
    char index_path[BUNDLE_PATH_MAX + 16];
    snprintf(index_path, sizeof index_path, pending ? "%s.index.pending" : "%s.index", prefix);
    return bundle_open_at(prefix, index_path, st);
}

bool tact__bundle_has_pending(const char *prefix)
{
    char pending[BUNDLE_PATH_MAX + 16];
    snprintf(pending, sizeof pending, "%s.index.pending", prefix);
    return access(pending, F_OK) == 0;
}

char **tact__bundle_names(const tact_bundle_t *b, int *n)
{
    int count = tact__table_count(b->table);
    char **names = tact__malloc((size_t) (count > 0 ? count : 1) * sizeof *names);
    *n = 0;
    for (int i = 0; i < count; i++) {
        const tact_table_entry_t *e = tact__table_entry(b->table, i);
        if (e->klen == 0)
            continue;  /* the header */
        char *name = tact__malloc(e->klen + 1);
        memcpy(name, e->key, e->klen);
        name[e->klen] = '\0';
        names[(*n)++] = name;
    }
    return names;
}

/* The index at index_path opens and every tensor matches its entry. */
static bool bundle_consistent(const char *prefix, const char *index_path)
{
    tact_status_t st = TACT_STATUS_INIT;
    tact_bundle_t *b = bundle_open_at(prefix, index_path, &st);
    bool ok = b != NULL && tact__bundle_verify(b, &st) == TACT_CODE_OK;
    tact__bundle_destroy(&b);
    return ok;
}

void tact__bundle_destroy(tact_bundle_t **b_p)
{
    tact_bundle_t *b = *b_p;
    if (b == NULL)
        return;
    for (int i = 0; b->fds != NULL && i < b->n_shards; i++)
        if (b->fds[i] >= 0)
            close(b->fds[i]);
    free(b->fds);
    free(b->sizes);
    tact__table_destroy(&b->table);
    free(b->prefix);
    free(b);
    *b_p = NULL;
}

/* The entry of `name`, its shape checked: NULL with st set otherwise. */
static Tensorflow__BundleEntryProto *bundle_entry(tact_bundle_t *b, const char *name,
                                                  tact_shape_t *shape, tact_status_t *st)
{
    const tact_table_entry_t *e = name[0] ? tact__table_find(b->table, name) : NULL;
    if (e == NULL) {
        tact__fail(st, TACT_CODE_NOT_FOUND, "Key %.160s not found in checkpoint", name);
        return NULL;
    }
    Tensorflow__BundleEntryProto *entry =
        tensorflow__bundle_entry_proto__unpack(NULL, e->vlen, e->value);
    const char *why = NULL;
    if (entry == NULL)
        why = "its index entry does not parse";
    else if (entry->shape != NULL && entry->shape->unknown_rank)
        why = "its shape has an unknown rank";
    else if (entry->shape != NULL && entry->shape->n_dim > TACT_MAX_DIMS)
        why = "its shape has more dimensions than tact supports";
    if (entry != NULL && entry->n_slices > 0) {
        tact__fail(st, TACT_CODE_UNIMPLEMENTED,
                   "checkpoint %.100s: tensor %.60s is partitioned (slices); tact restores "
                   "whole tensors only", b->prefix, name);
        tensorflow__bundle_entry_proto__free_unpacked(entry, NULL);
        return NULL;
    }
    if (why == NULL) {
        shape->ndims = entry->shape ? (int) entry->shape->n_dim : 0;
        for (int d = 0; d < shape->ndims; d++) {
            shape->dims[d] = entry->shape->dim[d]->size;
            if (shape->dims[d] < 0)
                why = "its shape has a negative dimension";
        }
    }
    if (why != NULL) {
        bundle_corrupt(st, b, name, why);
        if (entry != NULL)
            tensorflow__bundle_entry_proto__free_unpacked(entry, NULL);
        return NULL;
    }
    return entry;
}

tact_code_t tact__bundle_info(tact_bundle_t *b, const char *name, tact_bundle_info_t *info,
                              tact_status_t *st)
{
    TACT_ASSERT(st != NULL);
    if (tact__failed(st))
        return st->code;
    Tensorflow__BundleEntryProto *entry = bundle_entry(b, name, &info->shape, st);
    if (entry == NULL)
        return st->code;
    info->dtype = entry->dtype;
    tensorflow__bundle_entry_proto__free_unpacked(entry, NULL);
    return TACT_CODE_OK;
}

static tact_code_t bundle_pread(tact_bundle_t *b, int shard, void *buf, size_t n, uint64_t off,
                                const char *name, tact_status_t *st)
{
    unsigned char *p = buf;
    while (n > 0) {
        ssize_t r = pread(b->fds[shard], p, n, (off_t) off);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            return bundle_corrupt(st, b, name, "the data file ends before its bytes");
        p += r;
        n -= (size_t) r;
        off += (uint64_t) r;
    }
    return TACT_CODE_OK;
}

/* A string tensor from its `size` bytes: lengths, their masked CRC, then the bytes. */
static tact_tensor_t *bundle_strings(tact_bundle_t *b, const char *name,
                                     const tact_shape_t *shape, const unsigned char *buf,
                                     size_t size, uint32_t *crc, tact_status_t *st)
{
    int64_t nelems = tact__shape_nelems(shape);
    /* Each element takes one length byte at least: a bound before anything is allocated. */
    if (nelems < 0 || (uint64_t) nelems > size) {
        bundle_corrupt(st, b, name, "its size is too small for its shape");
        return NULL;
    }
    uint64_t *lens = tact__malloc((size_t) (nelems ? nelems : 1) * sizeof *lens);
    const unsigned char *p = buf, *end = buf + size;
    uint64_t total = 0;
    uint32_t c = 0;
    const char *why = NULL;
    for (int64_t i = 0; i < nelems && why == NULL; i++) {
        if (!tact__varint64_get(&p, end, &lens[i]))
            why = "its string lengths are truncated";
        else if (lens[i] > size || (total += lens[i]) > size)
            why = "its string lengths exceed its size";
        else {
            unsigned char le[8];
            for (int k = 0; k < 8; k++)
                le[k] = (unsigned char) (lens[i] >> (8 * k));
            c = tact__crc32c_extend(c, le, lens[i] <= UINT32_MAX ? 4 : 8);
        }
    }
    if (why == NULL && (size_t) (end - p) < 4)
        why = "its string lengths' checksum is missing";
    if (why == NULL) {
        uint32_t stored = (uint32_t) p[0] | (uint32_t) p[1] << 8 | (uint32_t) p[2] << 16 |
                          (uint32_t) p[3] << 24;
        if (tact__crc32c_unmask(stored) != c)
            why = "its string lengths' checksum does not match";
        c = tact__crc32c_extend(c, p, 4);
        p += 4;
    }
    if (why == NULL && (uint64_t) (end - p) != total)
        why = "its string bytes do not add up to its size";
    if (why != NULL) {
        free(lens);
        bundle_corrupt(st, b, name, why);
        return NULL;
    }
    c = tact__crc32c_extend(c, p, (size_t) total);
    tact_tensor_t *t = tact__tensor_try_alloc(TACT_DTYPE_STRING, shape->dims, shape->ndims, NULL,
                                              BUNDLE_HOST_DEVICE, st);
    if (t == NULL) {
        free(lens);
        return NULL;
    }
    for (int64_t i = 0; i < nelems; i++) {
        tact__tensor_set_string(t, i, (const char *) p, (size_t) lens[i]);
        p += lens[i];
    }
    free(lens);
    *crc = c;
    return t;
}

tact_tensor_t *tact__bundle_read(tact_bundle_t *b, const char *name, tact_status_t *st)
{
    TACT_ASSERT(st != NULL);
    if (tact__failed(st))
        return NULL;
    tact_shape_t shape;
    Tensorflow__BundleEntryProto *entry = bundle_entry(b, name, &shape, st);
    if (entry == NULL)
        return NULL;
    tact_dtype_t dtype;
    size_t want = 0;
    const char *why = NULL;
    bool known = tact__dtype_from_proto(entry->dtype, &dtype) && entry->dtype < 100;
    if (!known) {
        tact__fail(st, TACT_CODE_UNIMPLEMENTED,
                   "checkpoint %.100s: tensor %.60s has dtype %s, which tact does not support",
                   b->prefix, name, tact__dtype_proto_name(entry->dtype));
    } else if (entry->shard_id < 0 || entry->shard_id >= b->n_shards) {
        why = "its shard does not exist";
    } else if (entry->offset < 0 || entry->size < 0 ||
               (uint64_t) entry->offset > b->sizes[entry->shard_id] ||
               (uint64_t) entry->size > b->sizes[entry->shard_id] - (uint64_t) entry->offset) {
        why = "its bytes lie past the end of the data file";
    } else if (dtype != TACT_DTYPE_STRING &&
               (!tact__tensor_nbytes_of(dtype, shape.dims, shape.ndims, &want) ||
                want != (size_t) entry->size)) {
        why = "its size does not match its dtype and shape";
    }
    if (!known || why != NULL) {
        if (why != NULL)
            bundle_corrupt(st, b, name, why);
        tensorflow__bundle_entry_proto__free_unpacked(entry, NULL);
        return NULL;
    }
    /* Bounded by the data file's size, checked above. Numbers go straight into the tensor. */
    size_t size = (size_t) entry->size;
    tact_tensor_t *t = NULL;
    uint32_t crc = 0;
    if (dtype == TACT_DTYPE_STRING) {
        unsigned char *buf = tact__host_try_alloc(size ? size : 1);
        if (buf == NULL) {
            tact__fail(st, TACT_CODE_RESOURCE_EXHAUSTED,
                       "OOM when reading %zu bytes of tensor %.60s from checkpoint %.100s",
                       size, name, b->prefix);
        } else if (bundle_pread(b, entry->shard_id, buf, size, (uint64_t) entry->offset, name, st) ==
            TACT_CODE_OK)
            t = bundle_strings(b, name, &shape, buf, size, &crc, st);
        if (buf != NULL)
            tact__host_free(buf, size ? size : 1);
    } else if ((t = tact__tensor_try_alloc(dtype, shape.dims, shape.ndims, NULL,
                                           BUNDLE_HOST_DEVICE, st)) != NULL) {
        unsigned char *p = t->data;
        if (bundle_pread(b, entry->shard_id, p, size, (uint64_t) entry->offset, name, st) !=
            TACT_CODE_OK) {
            tact_tensor_destroy(&t);
        } else {
            crc = tact__crc32c(p, size);
            if (dtype == TACT_DTYPE_BOOL)  /* any byte but 0 or 1 would be an invalid bool */
                for (size_t i = 0; i < size; i++)
                    p[i] = p[i] != 0;
        }
    }
    if (t != NULL && crc != tact__crc32c_unmask(entry->crc32c)) {
        tact_tensor_destroy(&t);
        bundle_corrupt(st, b, name, "checksum mismatch (the data file does not match the index)");
    }
    tensorflow__bundle_entry_proto__free_unpacked(entry, NULL);
    return t;
}

tact_code_t tact__bundle_verify(tact_bundle_t *b, tact_status_t *st)
{
    TACT_ASSERT(st != NULL);
    if (tact__failed(st))
        return st->code;
    for (int i = 0; i < tact__table_count(b->table); i++) {
        const tact_table_entry_t *e = tact__table_entry(b->table, i);
        if (e->klen == 0)
            continue;  /* the header */
        tact_tensor_t *t = tact__bundle_read(b, e->key, st);
        if (t == NULL)
            return st->code;
        tact_tensor_destroy(&t);
    }
    return TACT_CODE_OK;
}
