/* SPDX-License-Identifier: MIT */
/* TextLineReader and WholeFileReader: stdio reading of the files named by a queue, with
 * TensorFlow's keys ("<file>:<line>" and "<file>") and its end-of-input rules. Not for
 * scheduling or resources: the executor and the resource table own those. */
#include "runtime/reader.h"

struct tact_reader {
    pthread_mutex_t lock;
    tact_op_kind_t kind;
    int skip_header_lines;
    FILE *file;                   /* the current work item, or NULL */
    char *file_name;
    int64_t line;                 /* lines read from the current file */
};

tact_reader_t *tact__reader_new(const tact_op_t *op)
{
    TACT_ASSERT(tact__op_kind_is_reader(op->kind));
    tact_reader_t *r = tact__malloc(sizeof *r);
    TACT_ASSERT(pthread_mutex_init(&r->lock, NULL) == 0);
    r->kind = op->kind;
    r->skip_header_lines = op->attrs.skip_header_lines;
    return r;
}

static void reader_close_file(tact_reader_t *r)
{
    if (r->file != NULL)
        fclose(r->file);
    r->file = NULL;
    free(r->file_name);
    r->file_name = NULL;
    r->line = 0;
}

void tact__reader_destroy(tact_reader_t **r_p)
{
    if (r_p == NULL || *r_p == NULL)
        return;
    reader_close_file(*r_p);
    pthread_mutex_destroy(&(*r_p)->lock);
    free(*r_p);
    *r_p = NULL;
}

static tact_tensor_t *reader_string(const char *bytes, size_t len)
{
    tact_tensor_t *t = tact__tensor_alloc(TACT_DTYPE_STRING, NULL, 0);
    tact__tensor_set_string(t, 0, bytes, len);
    return t;
}

/* Take the next file name from the queue and open it. */
static tact_code_t reader_next_file(tact_reader_t *r, tact_queue_t *files,
                                    const tact_stop_t *stop, tact_status_t *st)
{
    tact_tensor_t *name = NULL;
    tact_status_t qs = TACT_STATUS_INIT;
    if (tact__queue_dequeue(files, &name, stop, &qs) != TACT_CODE_OK) {
        if (qs.code == TACT_CODE_OUT_OF_RANGE)  /* TensorFlow's end of input */
            return tact__fail(st, TACT_CODE_OUT_OF_RANGE, "%s", qs.msg);
        return tact__status_merge(st, &qs);
    }
    size_t len = 0;
    const char *bytes = tact_tensor_string(name, 0, &len);
    if (memchr(bytes, '\0', len) != NULL) {
        tact_tensor_destroy(&name);
        return tact__fail(st, TACT_CODE_INVALID_ARGUMENT, "file name contains a NUL byte");
    }
    r->file_name = tact__strdup(bytes);
    tact_tensor_destroy(&name);
    r->file = fopen(r->file_name, "rb");
    if (r->file == NULL) {
        int err = errno;
        tact_code_t code = err == ENOENT || err == ENOTDIR ? TACT_CODE_NOT_FOUND
                           : err == EACCES             ? TACT_CODE_PERMISSION_DENIED
                                                       : TACT_CODE_UNKNOWN;
        tact__fail(st, code, "%s; %s", r->file_name, strerror(err));
        reader_close_file(r);
        return code;
    }
    r->line = 0;
    return TACT_CODE_OK;
}

static tact_code_t reader_read_error(tact_reader_t *r, tact_status_t *st)
{
    tact__fail(st, TACT_CODE_DATA_LOSS, "%s: read failed: %s", r->file_name, strerror(errno));
    reader_close_file(r);
    return TACT_CODE_DATA_LOSS;
}

/* The whole current file as the value. */
static tact_code_t reader_whole_file(tact_reader_t *r, tact_tensor_t **key, tact_tensor_t **value,
                                     tact_status_t *st)
{
    size_t cap = 4096, len = 0;
    char *buf = tact__malloc(cap + 1);
    for (;;) {
        size_t n = fread(buf + len, 1, cap - len, r->file);
        len += n;
        if (len < cap) {
            if (ferror(r->file)) {
                free(buf);
                return reader_read_error(r, st);
            }
            break;  /* end of file */
        }
        cap *= 2;
        buf = tact__realloc(buf, cap + 1);
    }
    buf[len] = '\0';
    *key = reader_string(r->file_name, strlen(r->file_name));
    *value = tact__tensor_alloc(TACT_DTYPE_STRING, NULL, 0);
    tact__tensor_take_string(*value, 0, buf, len);
    reader_close_file(r);
    return TACT_CODE_OK;
}

/* The next line of the current file, or false at its end (the file is then closed). */
static bool reader_line(tact_reader_t *r, tact_tensor_t **key, tact_tensor_t **value,
                        tact_status_t *st)
{
    char *line = NULL;
    size_t cap = 0;
    for (;;) {
        errno = 0;
        ssize_t n = getline(&line, &cap, r->file);
        if (n < 0) {
            free(line);
            if (ferror(r->file))
                reader_read_error(r, st);
            else
                reader_close_file(r);
            return false;
        }
        r->line++;
        if (r->line <= r->skip_header_lines)
            continue;
        size_t len = (size_t) n;
        if (len > 0 && line[len - 1] == '\n')
            len--;
        if (len > 0 && line[len - 1] == '\r')
            len--;
        char k[4200];
        int kn = snprintf(k, sizeof k, "%s:%" PRId64, r->file_name, r->line);
        *key = reader_string(k, (size_t) kn < sizeof k ? (size_t) kn : sizeof k - 1);
        *value = reader_string(line, len);
        free(line);
        return true;
    }
}

tact_code_t tact__reader_read(tact_reader_t *r, tact_queue_t *files, tact_tensor_t **key,
                              tact_tensor_t **value, const tact_stop_t *stop, tact_status_t *st)
{
    pthread_mutex_lock(&r->lock);
    tact_code_t rc = TACT_CODE_OK;
    for (;;) {
        if (r->file == NULL && (rc = reader_next_file(r, files, stop, st)) != TACT_CODE_OK)
            break;
        if (r->kind == TACT_OP_WHOLE_FILE_READER) {
            rc = reader_whole_file(r, key, value, st);
            break;
        }
        if (reader_line(r, key, value, st))
            break;
        if (tact__failed(st)) {
            rc = st->code;
            break;
        }
        /* That file is done (an empty file gives no record): on to the next. */
    }
    pthread_mutex_unlock(&r->lock);
    return rc;
}
