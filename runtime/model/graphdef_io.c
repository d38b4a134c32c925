/* SPDX-License-Identifier: MIT */
/* The public GraphDef calls: bytes and files in either format, to and from the parsed messages
 * that graphdef_import.c and graphdef_export.c work on. */
#include "runtime/model/graphdef.h"
#include "runtime/model/proto_depth.h"
#include "runtime/model/text_format.h"

static Tensorflow__GraphDef *io_unpack(const void *data, size_t len, tact_status_t *st)
{
    if (!tact__proto_depth_ok(&tensorflow__graph_def__descriptor, data, len,
                              TACT_PROTO_MAX_DEPTH)) {
        tact__fail(st, TACT_CODE_INVALID_ARGUMENT,
                   "Invalid GraphDef: messages nested deeper than %d", TACT_PROTO_MAX_DEPTH);
        return NULL;
    }
    Tensorflow__GraphDef *gd = tensorflow__graph_def__unpack(NULL, len, data);
    if (gd == NULL)
        tact__fail(st, TACT_CODE_INVALID_ARGUMENT,
                   "Invalid GraphDef: %zu bytes are not a serialized tensorflow.GraphDef", len);
    return gd;
}

tact_code_t tact_graph_import(tact_graph_t *g, const void *data, size_t len,
                              const tact_import_options_t *opts, tact_status_t *st)
{
    tact_status_t local = TACT_STATUS_INIT;
    if (st == NULL)
        st = &local;
    if (tact__failed(st))
        return st->code;
    g = tact__graph_or_default(g);
    TACT_ASSERT(data != NULL || len == 0);
    Tensorflow__GraphDef *gd = io_unpack(len ? data : "", len, st);
    if (gd == NULL)
        return st->code;
    tact__graphdef_import(g, gd, opts, st);
    tensorflow__graph_def__free_unpacked(gd, NULL);
    return st->code;
}

/* Text, not binary: no control bytes but white space, and the first word a field name or a
 * comment. A binary GraphDef starts with a tag byte (0x0a for a node), then a length. */
static bool io_looks_like_text(const unsigned char *s, size_t len)
{
    size_t i = 0;
    for (size_t k = 0; k < len; k++)
        if (s[k] < 0x20 && s[k] != '\n' && s[k] != '\r' && s[k] != '\t')
            return false;
    while (i < len && isspace(s[i]))
        i++;
    return i == len || isalpha(s[i]) || s[i] == '#';
}

char *tact__graphdef_read_file(const char *path, size_t *len, tact_status_t *st)
{
    FILE *f = fopen(path, "rb");
    if (f == NULL) {
        int err = errno;
        tact__fail(st, tact__code_from_errno(err), "%s; %s", path, strerror(err));
        return NULL;
    }
    size_t cap = 1 << 16, n = 0;
    char *buf = tact__malloc(cap);
    size_t got;
    errno = 0;
    while ((got = fread(buf + n, 1, cap - n, f)) > 0) {
        n += got;
        if (n == cap) {
            cap *= 2;
            buf = tact__realloc(buf, cap);
        }
    }
    int err = ferror(f) ? errno : 0;
    fclose(f);
    if (err != 0) {  /* TensorFlow's words: "/tmp; Is a directory" is FAILED_PRECONDITION */
        free(buf);
        tact__fail(st, err == EISDIR ? TACT_CODE_FAILED_PRECONDITION : TACT_CODE_DATA_LOSS,
                   "%s; %s", path, strerror(err));
        return NULL;
    }
    *len = n;
    return buf;
}

tact_code_t tact_graph_import_file(tact_graph_t *g, const char *path,
                                   const tact_import_options_t *opts, tact_status_t *st)
{
    tact_status_t local = TACT_STATUS_INIT;
    if (st == NULL)
        st = &local;
    if (tact__failed(st))
        return st->code;
    g = tact__graph_or_default(g);
    TACT_ASSERT(path != NULL);
    size_t len = 0;
    char *data = tact__graphdef_read_file(path, &len, st);
    if (data == NULL)
        return st->code;
    Tensorflow__GraphDef *gd = NULL;
    if (io_looks_like_text((const unsigned char *) data, len)) {
        /* A tiny binary GraphDef can look like text: fall back to binary, but report the text
         * error when both fail, since the content looked like text. */
        tact_status_t text_err = TACT_STATUS_INIT;
        gd = (Tensorflow__GraphDef *) tact__text_format_parse(&tensorflow__graph_def__descriptor,
                                                              data, len, &text_err);
        if (gd == NULL) {
            tact_status_t bin_err = TACT_STATUS_INIT;
            gd = io_unpack(data, len, &bin_err);
            if (gd == NULL)
                tact__fail(st, text_err.code, "%s: %s", path, text_err.msg);
        }
    } else {
        gd = io_unpack(data, len, st);
    }
    free(data);
    if (gd == NULL)
        return st->code;
    tact__graphdef_import(g, gd, opts, st);
    tensorflow__graph_def__free_unpacked(gd, NULL);
    return st->code;
}

tact_code_t tact_graph_export(tact_graph_t *g, void **data, size_t *len, tact_status_t *st)
{
    tact_status_t local = TACT_STATUS_INIT;
    if (st == NULL)
        st = &local;
    if (tact__failed(st))
        return st->code;
    g = tact__graph_or_default(g);
    TACT_ASSERT(data != NULL && len != NULL);
    *data = NULL;
    *len = 0;
    Tensorflow__GraphDef *gd = tact__graphdef_export(g, st);
    if (gd == NULL)
        return st->code;
    size_t n = tensorflow__graph_def__get_packed_size(gd);
    uint8_t *buf = tact__malloc(n + 1);
    TACT_ASSERT(tensorflow__graph_def__pack(gd, buf) == n);
    protobuf_c_message_free_unpacked(&gd->base, NULL);
    *data = buf;
    *len = n;
    return TACT_CODE_OK;
}

tact_code_t tact_graph_export_file(tact_graph_t *g, const char *path, bool as_text,
                                   tact_status_t *st)
{
    tact_status_t local = TACT_STATUS_INIT;
    if (st == NULL)
        st = &local;
    if (tact__failed(st))
        return st->code;
    g = tact__graph_or_default(g);
    TACT_ASSERT(path != NULL);
    void *data = NULL;
    size_t len = 0;
    if (as_text) {
        Tensorflow__GraphDef *gd = tact__graphdef_export(g, st);
        if (gd == NULL)
            return st->code;
        data = tact__text_format_print(&gd->base, &len);
        protobuf_c_message_free_unpacked(&gd->base, NULL);
    } else if (tact_graph_export(g, &data, &len, st)) {
        return st->code;
    }
    FILE *f = fopen(path, "wb");
    if (f == NULL) {
        free(data);
        int err = errno;
        return tact__fail(st, tact__code_from_errno(err), "%s; %s", path, strerror(err));
    }
    bool ok = fwrite(data, 1, len, f) == len;
    ok = fclose(f) == 0 && ok;
    free(data);
    if (!ok)
        return tact__fail(st, TACT_CODE_DATA_LOSS, "%s: write error", path);
    return TACT_CODE_OK;
}
