/* SPDX-License-Identifier: MIT */
/* TextLineReader and WholeFileReader: reading of the files named by a queue, with
 * TensorFlow's keys ("<file>:<line>" and "<file>") and its end-of-input rules. Files are
 * opened without blocking and read after poll() says so, in short slices that check the
 * step's stop reasons, so a file that never delivers (a FIFO without a writer) still ends on
 * the run's timeout, its cancellation or the session's close. Not for scheduling or
 * resources: the executor and the resource table own those. */
#include "runtime/state/reader.h"

/* How long one wait for a file (or for the reader's lock) lasts before stop is re-checked. */
#define READER_WAIT_SLICE_MS 10
#define READER_CHUNK         65536

struct tact_reader {
    pthread_mutex_t lock;
    tact_op_kind_t kind;
    int skip_header_lines;
    int fd;                       /* the current work item, or -1 */
    bool eof;                     /* its last byte is in buf */
    char *file_name;
    int64_t line;                 /* lines read from the current file */
    char *buf;                    /* bytes read and not yet returned: buf[pos..len) */
    size_t pos, len, cap;
};

tact_reader_t *tact__reader_new(const tact_op_t *op)
{
    TACT_ASSERT(tact__op_kind_is_reader(op->kind));
    tact_reader_t *r = tact__malloc(sizeof *r);
    TACT_ASSERT(pthread_mutex_init(&r->lock, NULL) == 0);
    r->kind = op->kind;
    r->skip_header_lines = op->attrs.skip_header_lines;
    r->fd = -1;
    return r;
}

static void reader_close_file(tact_reader_t *r)
{
    if (r->fd >= 0)
        close(r->fd);
    r->fd = -1;
    r->eof = false;
    free(r->file_name);
    r->file_name = NULL;
    r->line = 0;
    free(r->buf);
    r->buf = NULL;
    r->pos = r->len = r->cap = 0;
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

/* Milliseconds to wait in one slice: READER_WAIT_SLICE_MS, or less before the deadline. */
static int reader_slice_ms(const tact_stop_t *stop)
{
    if (stop == NULL || stop->deadline_ns <= 0)
        return READER_WAIT_SLICE_MS;
    int64_t left = (stop->deadline_ns - tact__now_ns()) / 1000000 + 1;
    return left < READER_WAIT_SLICE_MS ? (left > 0 ? (int) left : 0) : READER_WAIT_SLICE_MS;
}

/* The reader's lock, waited for in slices: another run may hold it while it waits on a file. */
static tact_code_t reader_lock(tact_reader_t *r, const tact_stop_t *stop, tact_status_t *st)
{
    while (pthread_mutex_trylock(&r->lock) != 0) {
        if (tact__stop_check(stop, "ReaderRead operation", st) != TACT_CODE_OK)
            return st->code;
        struct timespec ts = { 0, 1000000 };  /* 1 ms */
        nanosleep(&ts, NULL);
    }
    return TACT_CODE_OK;
}

/* Take the next file name from the queue and open it, without blocking (a FIFO's open would
 * wait for a writer: reader_fill waits for it instead, with the stop checks). */
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
    r->fd = open(r->file_name, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
    if (r->fd < 0) {
        int err = errno;
        tact_code_t code = tact__code_from_errno(err);
        tact__fail(st, code, "%s; %s", r->file_name, strerror(err));
        reader_close_file(r);
        return code;
    }
    r->line = 0;
    return TACT_CODE_OK;
}

static tact_code_t reader_read_error(tact_reader_t *r, int err, tact_status_t *st)
{
    tact__fail(st, TACT_CODE_DATA_LOSS, "%s: read failed: %s", r->file_name, strerror(err));
    reader_close_file(r);
    return TACT_CODE_DATA_LOSS;
}

/* Append the next bytes of the current file to buf (setting eof at its end), waiting in
 * slices while it has none yet. Whatever was read stays in the reader when a stop reason
 * ends the wait, so the next read goes on from there. */
static tact_code_t reader_fill(tact_reader_t *r, const tact_stop_t *stop, tact_status_t *st)
{
    if (r->cap - r->len < READER_CHUNK / 2 + 1) {
        r->cap = r->cap ? 2 * r->cap : READER_CHUNK;
        r->buf = tact__realloc(r->buf, r->cap);
    }
    for (;;) {
        if (tact__stop_check(stop, "ReaderRead operation", st) != TACT_CODE_OK)
            return st->code;
        struct pollfd p = { .fd = r->fd, .events = POLLIN };
        int ready = poll(&p, 1, reader_slice_ms(stop));
        if (ready < 0 && errno != EINTR)
            return reader_read_error(r, errno, st);
        if (ready <= 0)
            continue;
        ssize_t n = read(r->fd, r->buf + r->len, r->cap - r->len - 1);  /* room for a NUL */
        if (n > 0) {
            r->len += (size_t) n;
            return TACT_CODE_OK;
        }
        if (n == 0) {
            r->eof = true;
            return TACT_CODE_OK;
        }
        if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)
            return reader_read_error(r, errno, st);
    }
}

/* The whole current file as the value. */
static tact_code_t reader_whole_file(tact_reader_t *r, tact_tensor_t **key, tact_tensor_t **value,
                                     const tact_stop_t *stop, tact_status_t *st)
{
    while (!r->eof) {
        if (reader_fill(r, stop, st) != TACT_CODE_OK)
            return st->code;
    }
    size_t len = r->len;
    char *bytes = r->buf ? r->buf : tact__malloc(1);
    bytes[len] = '\0';
    r->buf = NULL;  /* the value's now */
    *key = reader_string(r->file_name, strlen(r->file_name));
    *value = tact__tensor_alloc(TACT_DTYPE_STRING, NULL, 0);
    tact__tensor_take_string(*value, 0, bytes, len);
    reader_close_file(r);
    return TACT_CODE_OK;
}

/* The next line of the current file into *key and *value, or neither at its end (the file
 * is then closed). */
static tact_code_t reader_line(tact_reader_t *r, tact_tensor_t **key, tact_tensor_t **value,
                               const tact_stop_t *stop, tact_status_t *st)
{
    for (;;) {
        char *start = r->buf + r->pos;
        char *nl = r->len > r->pos ? memchr(start, '\n', r->len - r->pos) : NULL;
        size_t len;
        if (nl != NULL) {
            len = (size_t) (nl - start);
            r->pos += len + 1;
        } else if (r->eof) {
            if (r->pos == r->len) {
                reader_close_file(r);
                return TACT_CODE_OK;
            }
            len = r->len - r->pos;  /* a last line without a newline */
            r->pos = r->len;
        } else {
            if (r->pos > 0) {  /* keep the partial line, then read on */
                memmove(r->buf, start, r->len - r->pos);
                r->len -= r->pos;
                r->pos = 0;
            }
            if (reader_fill(r, stop, st) != TACT_CODE_OK)
                return st->code;
            continue;
        }
        r->line++;
        if (r->line <= r->skip_header_lines)
            continue;
        if (len > 0 && start[len - 1] == '\r')
            len--;
        char *k = tact__asprintf("%s:%" PRId64, r->file_name, r->line);
        *key = reader_string(k, strlen(k));
        free(k);
        *value = reader_string(start, len);
        return TACT_CODE_OK;
    }
}

tact_code_t tact__reader_read(tact_reader_t *r, tact_queue_t *files, tact_tensor_t **key,
                              tact_tensor_t **value, const tact_stop_t *stop, tact_status_t *st)
{
    if (reader_lock(r, stop, st) != TACT_CODE_OK)
        return st->code;
    tact_code_t rc = TACT_CODE_OK;
    for (;;) {
        if (r->fd < 0 && (rc = reader_next_file(r, files, stop, st)) != TACT_CODE_OK)
            break;
        if (r->kind == TACT_OP_WHOLE_FILE_READER) {
            rc = reader_whole_file(r, key, value, stop, st);
            break;
        }
        if ((rc = reader_line(r, key, value, stop, st)) != TACT_CODE_OK || *key != NULL)
            break;
        /* That file is done (an empty file gives no record): on to the next. */
    }
    pthread_mutex_unlock(&r->lock);
    return rc;
}
