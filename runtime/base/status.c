/* SPDX-License-Identifier: MIT */
/* Status codes, the sticky-first-error helpers, assertions and host allocation. Not for
 * logging or error policy: callers decide what a code means. */
#include "runtime/base/prelude.h"

const char *tact_code_name(tact_code_t code)
{
    switch (code) {
#define XX(name, num, text) \
    case TACT_CODE_##name:  \
        return text;
        TACT_CODE_MAP(XX)
#undef XX
    default:
        return "unknown code";
    }
}

void tact__assert_fail(const char *file, int line, const char *expr)
{
    fprintf(stderr, "tact: %s:%d: assertion failed: %s\n", file, line, expr);
    fflush(stderr);
    abort();
}

/* "…" in UTF-8, and how far back from the cut a word boundary is looked for: a message whose
 * tail is one long token (a path, a list without spaces) is cut at the byte limit instead. */
static const char status_ellipsis[] = "\xe2\x80\xa6";
#define STATUS_WORD_LOOKBACK 80

char *tact__msg_vformat(char *buf, size_t len, const char *fmt, va_list ap)
{
    TACT_ASSERT(buf != NULL && len > sizeof status_ellipsis);
    int full = vsnprintf(buf, len, fmt, ap);
    if (full < 0 || (size_t) full < len)
        return buf;
    /* Too long: keep what fits with the ellipsis after it, then back up to a space. */
    size_t cut = len - sizeof status_ellipsis;
    size_t at = cut;
    while (at > 0 && cut - at < STATUS_WORD_LOOKBACK && buf[at] != ' ')
        at--;
    if (buf[at] == ' ' && at > 0) {
        while (at > 0 && buf[at - 1] == ' ')
            at--;
        cut = at;
    } else {
        while (cut > 0 && ((unsigned char) buf[cut] & 0xC0) == 0x80)
            cut--;  /* never split a UTF-8 sequence */
    }
    memcpy(buf + cut, status_ellipsis, sizeof status_ellipsis);
    return buf;
}

tact_code_t tact__fail(tact_status_t *st, tact_code_t code, const char *fmt, ...)
{
    if (st != NULL && st->code == TACT_CODE_OK) {
        st->code = code;
        va_list ap;
        va_start(ap, fmt);
        tact__msg_vformat(st->msg, sizeof st->msg, fmt, ap);
        va_end(ap);
    }
    return code;
}

void tact__status_append(tact_status_t *st, const char *fmt, ...)
{
    TACT_ASSERT(st != NULL);
    size_t n = strlen(st->msg);
    if (n + sizeof status_ellipsis >= sizeof st->msg)
        return;  /* already full (and already cut) */
    va_list ap;
    va_start(ap, fmt);
    tact__msg_vformat(st->msg + n, sizeof st->msg - n, fmt, ap);
    va_end(ap);
}

tact_code_t tact__status_merge(tact_status_t *to, const tact_status_t *from)
{
    if (to == NULL)
        return from->code;
    if (to->code == TACT_CODE_OK && from->code != TACT_CODE_OK)
        *to = *from;
    return to->code;
}

void *tact__malloc(size_t n)
{
    void *p = calloc(1, n ? n : 1);
    TACT_ASSERT(p != NULL);
    return p;
}

void *tact__realloc(void *p, size_t n)
{
    void *q = realloc(p, n ? n : 1);
    TACT_ASSERT(q != NULL);
    return q;
}

void *tact__grow_zeroed(void *arr, int *cap, int index, size_t size)
{
    if (index < *cap)
        return arr;
    int n = *cap ? *cap : 16;
    while (n <= index)
        n *= 2;
    arr = tact__realloc(arr, (size_t) n * size);
    memset((char *) arr + (size_t) *cap * size, 0, (size_t) (n - *cap) * size);
    *cap = n;
    return arr;
}

char *tact__strdup(const char *s)
{
    size_t n = strlen(s) + 1;
    char *d = tact__malloc(n);
    memcpy(d, s, n);
    return d;
}

char *tact__asprintf(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    TACT_ASSERT(n >= 0);
    char *d = tact__malloc((size_t) n + 1);
    va_start(ap, fmt);
    vsnprintf(d, (size_t) n + 1, fmt, ap);
    va_end(ap);
    return d;
}

void *tact__aligned_alloc(size_t n)
{
    void *p = NULL;
    TACT_ASSERT(posix_memalign(&p, 64, n ? n : 1) == 0);
    return p;
}

tact_code_t tact__code_from_errno(int err)
{
    switch (err) {
    case ENOENT:
    case ENOTDIR:
        return TACT_CODE_NOT_FOUND;
    case EACCES:
    case EPERM:
    case EROFS:
        return TACT_CODE_PERMISSION_DENIED;
    case EISDIR:
    case ENOTEMPTY:
    case EBUSY:
        return TACT_CODE_FAILED_PRECONDITION;
    case EEXIST:
        return TACT_CODE_ALREADY_EXISTS;
    case EINVAL:
    case ENAMETOOLONG:
        return TACT_CODE_INVALID_ARGUMENT;
    case ENOSPC:
    case EDQUOT:
    case ENOMEM:
    case EMFILE:
    case ENFILE:
        return TACT_CODE_RESOURCE_EXHAUSTED;
    case EFBIG:
    case EOVERFLOW:
        return TACT_CODE_OUT_OF_RANGE;
    default:
        return TACT_CODE_UNKNOWN;
    }
}
