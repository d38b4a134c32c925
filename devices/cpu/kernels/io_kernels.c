/* SPDX-License-Identifier: MIT */
/* CPU kernels of runtime/ops/io_ops.c: the saver's SaveV2, RestoreV2, MergeV2Checkpoints and
 * ShardedFilename, over the V2 checkpoint format of runtime/model/bundle.c (which does the
 * crash-safe writing and the checked reading). Whole tensors only: a non-empty shape_and_slices
 * (a partitioned variable's slice) is UNIMPLEMENTED. */
#include "devices/cpu/kernels/family.h"
#include "runtime/model/bundle.h"
#include "runtime/model/dtypes.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#define IO_PATH_MAX 4096

/* Element i of a string tensor as a C string: INVALID_ARGUMENT when it holds a NUL byte or is
 * too long for a path, naming what it is. */
static const char *io_cstr(const tact_tensor_t *t, int64_t i, const char *what,
                           tact_status_t *st)
{
    const tact_string_t *s = &((const tact_string_t *) t->data)[i];
    if (memchr(s->ptr, '\0', s->len) != NULL || s->len > IO_PATH_MAX - 64) {
        tact__fail(st, TACT_CODE_INVALID_ARGUMENT, "%s %" PRId64 " is not a valid name: it holds "
                   "a NUL byte or is longer than %d bytes", what, i, IO_PATH_MAX - 64);
        return NULL;
    }
    return s->ptr;
}

/* The directory part of `path` ("." for none). */
static void io_dirname(const char *path, char *dir, size_t len)
{
    const char *slash = strrchr(path, '/');
    if (slash == NULL)
        snprintf(dir, len, ".");
    else
        snprintf(dir, len, "%.*s", slash == path ? 1 : (int) (slash - path), path);
}

/* The directory that holds `prefix` is made when missing, but not its parents, as TensorFlow's
 * BundleWriter and MergeBundles do (Env::CreateDir): Saver(sharded=True) saves into
 * "<prefix>_temp/". */
static tact_code_t io_make_parent(const char *prefix, tact_status_t *st)
{
    char dir[IO_PATH_MAX];
    io_dirname(prefix, dir, sizeof dir);
    if (mkdir(dir, 0777) == 0 || errno == EEXIST)
        return TACT_CODE_OK;
    return tact__fail(st, errno == ENOENT ? TACT_CODE_NOT_FOUND
                          : errno == EACCES ? TACT_CODE_PERMISSION_DENIED : TACT_CODE_UNKNOWN,
                      "%.200s; %s", dir, strerror(errno));
}

/* Only whole tensors: every shape_and_slices entry "". */
static tact_code_t io_check_slices(const tact_kernel_ctx_t *k, tact_status_t *st)
{
    const tact_string_t *slices = k->in[2]->data;
    const tact_string_t *names = k->in[1]->data;
    for (int64_t i = 0; i < k->in[2]->nelems; i++) {
        if (slices[i].len > 0)
            return tact__fail(st, TACT_CODE_UNIMPLEMENTED,
                              "%s: shape_and_slices \"%.60s\" for tensor %.80s: saving or "
                              "restoring a slice of a partitioned variable is not supported",
                              tact__op_kind_type(k->op->kind), slices[i].ptr, names[i].ptr);
    }
    return TACT_CODE_OK;
}

/* SaveV2(prefix, tensor_names, shape_and_slices, tensors...): one bundle at prefix. */
static tact_code_t io_save(tact_kernel_ctx_t *k, tact_status_t *st)
{
    int n = k->n_in - 3;
    const char *prefix = io_cstr(k->in[0], 0, "prefix", st);
    if (prefix == NULL || io_check_slices(k, st) != TACT_CODE_OK)
        return st->code;
    const char **names = tact__malloc((size_t) (n > 0 ? n : 1) * sizeof *names);
    for (int i = 0; i < n; i++) {
        names[i] = io_cstr(k->in[1], i, "tensor name", st);
        if (names[i] == NULL) {
            free(names);
            return st->code;
        }
    }
    if (io_make_parent(prefix, st) == TACT_CODE_OK)
        tact__bundle_write(prefix, names, k->in + 3, n, st);
    free(names);
    return st->code;
}

/* Open the bundle at prefix (its pending index when `pending`): NOT_FOUND in RestoreV2's words
 * when there is no index at all. */
static tact_bundle_t *io_open(const char *prefix, bool pending, tact_status_t *st)
{
    char index[IO_PATH_MAX + 16];
    snprintf(index, sizeof index, "%s.index", prefix);
    if (!pending && access(index, F_OK) != 0 && !tact__bundle_has_pending(prefix)) {
        tact__fail(st, TACT_CODE_NOT_FOUND, "Unsuccessful TensorSliceReader constructor: Failed "
                   "to find any matching files for %.200s", prefix);
        return NULL;
    }
    return tact__bundle_open(prefix, pending, st);
}

/* The outputs of RestoreV2 from the bundle at prefix (or its pending index). */
static tact_code_t io_restore_from(tact_kernel_ctx_t *k, const char *prefix, bool pending,
                                   tact_status_t *st)
{
    const tact_op_t *op = k->op;
    tact_bundle_t *b = io_open(prefix, pending, st);
    if (b == NULL)
        return st->code;
    for (int i = 0; i < op->n_outputs && st->code == TACT_CODE_OK; i++) {
        const char *name = io_cstr(k->in[1], i, "tensor name", st);
        tact_bundle_info_t info;
        if (name == NULL || tact__bundle_info(b, name, &info, st) != TACT_CODE_OK)
            break;
        tact_dtype_t dtype;
        if (info.dtype >= 100 || !tact__dtype_from_proto(info.dtype, &dtype) ||
            dtype != op->attrs.dtypes[i]) {
            tact__fail(st, TACT_CODE_INVALID_ARGUMENT,
                       "tensor_name = %.100s; expected dtype %s does not equal original dtype %s",
                       name, tact__dtype_tf_name(op->attrs.dtypes[i]),
                       tact__dtype_proto_name(info.dtype));
            break;
        }
        k->out[i] = tact__bundle_read(b, name, st);
    }
    tact__bundle_destroy(&b);
    if (st->code != TACT_CODE_OK) {
        for (int i = 0; i < op->n_outputs; i++)
            tact_tensor_destroy(&k->out[i]);
    }
    return st->code;
}

/* RestoreV2(prefix, tensor_names, shape_and_slices): tensor i of dtype dtypes[i]. A bundle
 * whose data does not match its index is tried again by its pending index: the data may be a
 * newer save's that crashed between its renames (as tact_checkpoint_restore does). */
static tact_code_t io_restore(tact_kernel_ctx_t *k, tact_status_t *st)
{
    const char *prefix = io_cstr(k->in[0], 0, "prefix", st);
    if (prefix == NULL || io_check_slices(k, st) != TACT_CODE_OK)
        return st->code;
    tact_status_t first = TACT_STATUS_INIT;
    tact_code_t rc = io_restore_from(k, prefix, false, &first);
    if ((rc == TACT_CODE_DATA_LOSS || rc == TACT_CODE_NOT_FOUND) &&
        tact__bundle_has_pending(prefix)) {
        tact_status_t second = TACT_STATUS_INIT;
        if (io_restore_from(k, prefix, true, &second) == TACT_CODE_OK)
            return TACT_CODE_OK;
    }
    tact__status_merge(st, &first);
    return st->code;
}

/* ---- MergeV2Checkpoints ---- */

static void io_data_path(char *buf, size_t len, const char *prefix, int shard, int n_shards)
{
    snprintf(buf, len, "%s.data-%05d-of-%05d", prefix, shard, n_shards);
}

static tact_code_t io_rename(const char *from, const char *to, tact_status_t *st)
{
    if (rename(from, to) != 0)
        return tact__fail(st, errno == ENOENT ? TACT_CODE_NOT_FOUND : TACT_CODE_UNKNOWN,
                          "cannot rename %.150s to %.150s: %s", from, to, strerror(errno));
    return TACT_CODE_OK;
}

static tact_code_t io_sync_dir(const char *path, tact_status_t *st)
{
    char dir[IO_PATH_MAX];
    io_dirname(path, dir, sizeof dir);
    int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0 || fsync(fd) != 0) {
        int err = errno;
        if (fd >= 0)
            close(fd);
        return tact__fail(st, TACT_CODE_UNKNOWN, "cannot sync directory %.200s: %s", dir,
                          strerror(err));
    }
    close(fd);
    return TACT_CODE_OK;
}

/* One source bundle of one data file becomes the destination by renames, in bundle.c's crash
 * order: the index waits as "<dest>.index.pending" while the data moves in. */
static tact_code_t io_merge_rename(const char *src, const char *dst, tact_status_t *st)
{
    char from[IO_PATH_MAX + 32], to[IO_PATH_MAX + 32], pending[IO_PATH_MAX + 32];
    snprintf(from, sizeof from, "%s.index", src);
    snprintf(pending, sizeof pending, "%s.index.pending", dst);
    if (io_rename(from, pending, st) != TACT_CODE_OK)
        return st->code;
    io_data_path(from, sizeof from, src, 0, 1);
    io_data_path(to, sizeof to, dst, 0, 1);
    if (io_rename(from, to, st) != TACT_CODE_OK)
        return st->code;
    snprintf(to, sizeof to, "%s.index", dst);
    if (io_rename(pending, to, st) != TACT_CODE_OK)
        return st->code;
    return io_sync_dir(dst, st);
}

/* Several sources: every tensor read (and checked) and written as one bundle at dst, then the
 * sources' files removed. */
static tact_code_t io_merge_copy(const char *const *srcs, int n_src, const char *dst,
                                 tact_status_t *st)
{
    int n = 0, cap = 0;
    char **names = NULL;
    tact_tensor_t **values = NULL;
    for (int s = 0; s < n_src && st->code == TACT_CODE_OK; s++) {
        tact_bundle_t *b = io_open(srcs[s], false, st);
        if (b == NULL)
            break;
        int m;
        char **keys = tact__bundle_names(b, &m);
        for (int i = 0; i < m; i++) {
            if (n == cap) {
                cap = cap ? 2 * cap : 16;
                names = tact__realloc(names, (size_t) cap * sizeof *names);
                values = tact__realloc(values, (size_t) cap * sizeof *values);
            }
            names[n] = keys[i];
            values[n] = st->code == TACT_CODE_OK ? tact__bundle_read(b, keys[i], st) : NULL;
            n++;
        }
        free(keys);
        tact__bundle_destroy(&b);
    }
    if (st->code == TACT_CODE_OK)
        tact__bundle_write(dst, (const char *const *) names,
                           (const tact_tensor_t *const *) values, n, st);
    for (int i = 0; i < n; i++) {
        free(names[i]);
        tact_tensor_destroy(&values[i]);
    }
    free(names);
    free(values);
    for (int s = 0; s < n_src && st->code == TACT_CODE_OK; s++) {
        if (strcmp(srcs[s], dst) == 0)
            continue;
        char path[IO_PATH_MAX + 32];
        snprintf(path, sizeof path, "%s.index", srcs[s]);
        unlink(path);
        io_data_path(path, sizeof path, srcs[s], 0, 1);
        unlink(path);
    }
    return st->code;
}

/* MergeV2Checkpoints(checkpoint_prefixes, destination_prefix): the bundles SaveV2 wrote for
 * each shard become one at destination_prefix; with delete_old_dirs the sources' directories
 * are removed when empty (TensorFlow's "<prefix>_temp"). */
static tact_code_t io_merge(tact_kernel_ctx_t *k, tact_status_t *st)
{
    const tact_op_attrs_t *at = &k->op->attrs;
    const char *dst = io_cstr(k->in[1], 0, "destination_prefix", st);
    if (dst == NULL)
        return st->code;
    int64_t n = k->in[0]->nelems;
    const char **srcs = tact__malloc((size_t) (n > 0 ? n : 1) * sizeof *srcs);
    int n_src = 0;
    for (int64_t i = 0; i < n; i++) {
        const char *src = io_cstr(k->in[0], i, "checkpoint prefix", st);
        if (src == NULL)
            break;
        char index[IO_PATH_MAX + 16];
        snprintf(index, sizeof index, "%s.index", src);
        if (access(index, F_OK) != 0) {
            if (at->allow_missing_files)
                continue;
            tact__fail(st, TACT_CODE_INVALID_ARGUMENT, "allow_missing_files was set to false "
                       "and %.150s did not exist.NOT_FOUND: %.150s not found", src, src);
            break;
        }
        srcs[n_src++] = src;
    }
    if (st->code == TACT_CODE_OK && n_src > 0 && io_make_parent(dst, st) == TACT_CODE_OK) {
        bool one_file = false;
        if (n_src == 1 && strcmp(srcs[0], dst) != 0) {
            char data[IO_PATH_MAX + 32];
            io_data_path(data, sizeof data, srcs[0], 0, 1);
            one_file = access(data, F_OK) == 0;
        }
        if (one_file)
            io_merge_rename(srcs[0], dst, st);
        else if (!(n_src == 1 && strcmp(srcs[0], dst) == 0))
            io_merge_copy(srcs, n_src, dst, st);
    }
    if (st->code == TACT_CODE_OK && at->delete_old_dirs) {
        char dst_dir[IO_PATH_MAX], dir[IO_PATH_MAX];
        io_dirname(dst, dst_dir, sizeof dst_dir);
        for (int s = 0; s < n_src; s++) {
            io_dirname(srcs[s], dir, sizeof dir);
            if (strcmp(dir, dst_dir) != 0)
                rmdir(dir);  /* only when empty, as TensorFlow's DeleteDir; errors ignored */
        }
    }
    free(srcs);
    return st->code;
}

/* ShardedFilename(basename, shard, num_shards): "%s-%05d-of-%05d". */
static tact_code_t io_sharded_filename(tact_kernel_ctx_t *k, tact_status_t *st)
{
    TACT_UNUSED(st);
    const tact_string_t *base = k->in[0]->data;
    int32_t shard = *(const int32_t *) k->in[1]->data;
    int32_t n = *(const int32_t *) k->in[2]->data;
    char suffix[48];
    int len = snprintf(suffix, sizeof suffix, "-%05d-of-%05d", (int) shard, (int) n);
    size_t total = base->len + (size_t) len;
    char *buf = tact__malloc(total + 1);
    if (base->len > 0)
        memcpy(buf, base->ptr, base->len);
    memcpy(buf + base->len, suffix, (size_t) len + 1);
    tact__tensor_take_string(k->out[0], 0, buf, total);
    return TACT_CODE_OK;
}

const tact_cpu_op_kernel_t tact__cpu_io_kernels[TACT_OP_COUNT] = {
    [TACT_OP_SAVE_V2] = {.run = io_save},
    [TACT_OP_RESTORE_V2] = {.run = io_restore},
    [TACT_OP_MERGE_V2_CHECKPOINTS] = {.run = io_merge},
    [TACT_OP_SHARDED_FILENAME] = {.run = io_sharded_filename},
};
