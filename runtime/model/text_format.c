/* SPDX-License-Identifier: MIT */
/* Text format printer and parser over protobuf-c descriptors. Parsed messages are built the way
 * protobuf-c's unpack builds them (every part from malloc, defaults shared), so
 * protobuf_c_message_free_unpacked frees them, including after a parse error half-way. */
#include "runtime/model/text_format.h"

/* Hostile text may nest without end: deeper than this is an error, not a stack overflow. */
#define TEXT_MAX_DEPTH 100

/* ------------------------------------------------------------------------------------------ */
/* Printing                                                                                   */
/* ------------------------------------------------------------------------------------------ */

typedef struct text_buf {
    char *p;
    size_t len;
    size_t cap;
} text_buf_t;

static void buf_put(text_buf_t *b, const char *s, size_t n)
{
    if (b->len + n + 1 > b->cap) {
        while (b->len + n + 1 > b->cap)
            b->cap = b->cap ? 2 * b->cap : 256;
        b->p = tact__realloc(b->p, b->cap);
    }
    memcpy(b->p + b->len, s, n);
    b->len += n;
    b->p[b->len] = '\0';
}

static void buf_printf(text_buf_t *b, const char *fmt, ...) TACT__PRINTF(2, 3);
static void buf_printf(text_buf_t *b, const char *fmt, ...)
{
    char tmp[128];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(tmp, sizeof tmp, fmt, ap);
    va_end(ap);
    TACT_ASSERT(n >= 0 && (size_t) n < sizeof tmp);
    buf_put(b, tmp, (size_t) n);
}

static void buf_indent(text_buf_t *b, int depth)
{
    for (int i = 0; i < depth; i++)
        buf_put(b, "  ", 2);
}

/* C escapes as Python's text_format writes them: named ones, octal for other bytes. */
static void buf_quoted(text_buf_t *b, const uint8_t *s, size_t n)
{
    buf_put(b, "\"", 1);
    for (size_t i = 0; i < n; i++) {
        uint8_t c = s[i];
        switch (c) {
        case '\n': buf_put(b, "\\n", 2); break;
        case '\r': buf_put(b, "\\r", 2); break;
        case '\t': buf_put(b, "\\t", 2); break;
        case '"': buf_put(b, "\\\"", 2); break;
        case '\'': buf_put(b, "\\'", 2); break;
        case '\\': buf_put(b, "\\\\", 2); break;
        default:
            if (c < 0x20 || c >= 0x7f)
                buf_printf(b, "\\%03o", c);
            else
                buf_put(b, (const char *) &c, 1);
        }
    }
    buf_put(b, "\"", 1);
}

/* The shortest decimal that reads back as the same value, as Python prints floats. */
static void buf_real(text_buf_t *b, double v, bool is_float)
{
    if (isnan(v)) {
        buf_put(b, "nan", 3);
        return;
    }
    if (isinf(v)) {
        buf_put(b, v < 0 ? "-inf" : "inf", v < 0 ? 4 : 3);
        return;
    }
    char tmp[64];
    for (int prec = 1; prec <= 17; prec++) {
        snprintf(tmp, sizeof tmp, "%.*g", prec, v);
        if (is_float ? strtof(tmp, NULL) == (float) v : strtod(tmp, NULL) == v)
            break;
    }
    if (strpbrk(tmp, ".e") == NULL)  /* Python's repr: "2.0", not "2" */
        strcat(tmp, ".0");
    buf_put(b, tmp, strlen(tmp));
}

static void print_message(text_buf_t *b, const ProtobufCMessage *m, int depth);

/* One value of field f stored at `p`. */
static void print_value(text_buf_t *b, const ProtobufCFieldDescriptor *f, const void *p,
                        int depth)
{
    switch (f->type) {
    case PROTOBUF_C_TYPE_INT32:
    case PROTOBUF_C_TYPE_SINT32:
    case PROTOBUF_C_TYPE_SFIXED32:
        buf_printf(b, "%" PRId32, *(const int32_t *) p);
        break;
    case PROTOBUF_C_TYPE_UINT32:
    case PROTOBUF_C_TYPE_FIXED32:
        buf_printf(b, "%" PRIu32, *(const uint32_t *) p);
        break;
    case PROTOBUF_C_TYPE_INT64:
    case PROTOBUF_C_TYPE_SINT64:
    case PROTOBUF_C_TYPE_SFIXED64:
        buf_printf(b, "%" PRId64, *(const int64_t *) p);
        break;
    case PROTOBUF_C_TYPE_UINT64:
    case PROTOBUF_C_TYPE_FIXED64:
        buf_printf(b, "%" PRIu64, *(const uint64_t *) p);
        break;
    case PROTOBUF_C_TYPE_FLOAT:
        buf_real(b, *(const float *) p, true);
        break;
    case PROTOBUF_C_TYPE_DOUBLE:
        buf_real(b, *(const double *) p, false);
        break;
    case PROTOBUF_C_TYPE_BOOL:
        buf_printf(b, "%s", *(const protobuf_c_boolean *) p ? "true" : "false");
        break;
    case PROTOBUF_C_TYPE_ENUM: {
        int v = *(const int *) p;
        const ProtobufCEnumValue *ev =
            protobuf_c_enum_descriptor_get_value((const ProtobufCEnumDescriptor *) f->descriptor,
                                                 v);
        if (ev != NULL)
            buf_put(b, ev->name, strlen(ev->name));
        else
            buf_printf(b, "%d", v);
        break;
    }
    case PROTOBUF_C_TYPE_STRING: {
        const char *s = *(char *const *) p;
        buf_quoted(b, (const uint8_t *) (s ? s : ""), s ? strlen(s) : 0);
        break;
    }
    case PROTOBUF_C_TYPE_BYTES: {
        const ProtobufCBinaryData *d = p;
        buf_quoted(b, d->data, d->len);
        break;
    }
    case PROTOBUF_C_TYPE_MESSAGE:
        buf_put(b, "{\n", 2);
        print_message(b, *(ProtobufCMessage *const *) p, depth + 1);
        buf_indent(b, depth);
        buf_put(b, "}", 1);
        break;
    }
}

static size_t field_size(const ProtobufCFieldDescriptor *f)
{
    switch (f->type) {
    case PROTOBUF_C_TYPE_INT32:
    case PROTOBUF_C_TYPE_SINT32:
    case PROTOBUF_C_TYPE_SFIXED32:
    case PROTOBUF_C_TYPE_UINT32:
    case PROTOBUF_C_TYPE_FIXED32:
        return 4;
    case PROTOBUF_C_TYPE_INT64:
    case PROTOBUF_C_TYPE_SINT64:
    case PROTOBUF_C_TYPE_SFIXED64:
    case PROTOBUF_C_TYPE_UINT64:
    case PROTOBUF_C_TYPE_FIXED64:
        return 8;
    case PROTOBUF_C_TYPE_FLOAT:
        return sizeof(float);
    case PROTOBUF_C_TYPE_DOUBLE:
        return sizeof(double);
    case PROTOBUF_C_TYPE_BOOL:
        return sizeof(protobuf_c_boolean);
    case PROTOBUF_C_TYPE_ENUM:
        return sizeof(int);
    case PROTOBUF_C_TYPE_STRING:
        return sizeof(char *);
    case PROTOBUF_C_TYPE_BYTES:
        return sizeof(ProtobufCBinaryData);
    case PROTOBUF_C_TYPE_MESSAGE:
        return sizeof(ProtobufCMessage *);
    }
    return 0;
}

/* A proto3 field (no presence) at its default: left out. */
static bool field_is_default(const ProtobufCFieldDescriptor *f, const void *p)
{
    switch (f->type) {
    case PROTOBUF_C_TYPE_STRING: {
        const char *s = *(char *const *) p;
        return s == NULL || s[0] == '\0';
    }
    case PROTOBUF_C_TYPE_BYTES:
        return ((const ProtobufCBinaryData *) p)->len == 0;
    case PROTOBUF_C_TYPE_MESSAGE:
        return *(ProtobufCMessage *const *) p == NULL;
    case PROTOBUF_C_TYPE_FLOAT:
        return *(const float *) p == 0.0f && !signbit(*(const float *) p);
    case PROTOBUF_C_TYPE_DOUBLE:
        return *(const double *) p == 0.0 && !signbit(*(const double *) p);
    default: {
        static const uint8_t zero[8];
        return memcmp(p, zero, field_size(f)) == 0;
    }
    }
}

static void print_field(text_buf_t *b, const ProtobufCFieldDescriptor *f, const void *p,
                        int depth)
{
    buf_indent(b, depth);
    buf_put(b, f->name, strlen(f->name));
    buf_put(b, f->type == PROTOBUF_C_TYPE_MESSAGE ? " " : ": ",
            f->type == PROTOBUF_C_TYPE_MESSAGE ? 1 : 2);
    print_value(b, f, p, depth);
    buf_put(b, "\n", 1);
}

static void print_message(text_buf_t *b, const ProtobufCMessage *m, int depth)
{
    const ProtobufCMessageDescriptor *d = m->descriptor;
    const char *base = (const char *) m;
    for (unsigned i = 0; i < d->n_fields; i++) {
        const ProtobufCFieldDescriptor *f = &d->fields[i];
        const void *p = base + f->offset;
        if (f->label == PROTOBUF_C_LABEL_REPEATED) {
            size_t n = *(const size_t *) (base + f->quantifier_offset);
            const char *arr = *(char *const *) p;
            for (size_t k = 0; k < n; k++)
                print_field(b, f, arr + k * field_size(f), depth);
            continue;
        }
        if (f->flags & PROTOBUF_C_FIELD_FLAG_ONEOF) {
            if (*(const uint32_t *) (base + f->quantifier_offset) == f->id)
                print_field(b, f, p, depth);
            continue;
        }
        bool present;
        if (f->label == PROTOBUF_C_LABEL_REQUIRED)
            present = true;
        else if (f->label == PROTOBUF_C_LABEL_OPTIONAL && f->type != PROTOBUF_C_TYPE_MESSAGE &&
                 f->type != PROTOBUF_C_TYPE_STRING)
            present = *(const protobuf_c_boolean *) (base + f->quantifier_offset);
        else if (f->label == PROTOBUF_C_LABEL_OPTIONAL)
            present = *(void *const *) p != NULL && *(void *const *) p != f->default_value;
        else
            present = !field_is_default(f, p);
        if (present)
            print_field(b, f, p, depth);
    }
}

char *tact__text_format_print(const ProtobufCMessage *msg, size_t *len)
{
    text_buf_t b = { 0 };
    buf_put(&b, "", 0);
    print_message(&b, msg, 0);
    if (len != NULL)
        *len = b.len;
    return b.p;
}

/* ------------------------------------------------------------------------------------------ */
/* Parsing                                                                                    */
/* ------------------------------------------------------------------------------------------ */

typedef struct text_parser {
    const char *s;       /* NUL-terminated */
    size_t pos;
    int line;
    size_t line_start;
    const ProtobufCMessageDescriptor *top;
    tact_status_t *st;
} text_parser_t;

static tact_code_t parse_error(text_parser_t *p, const char *fmt, ...) TACT__PRINTF(2, 3);
static tact_code_t parse_error(text_parser_t *p, const char *fmt, ...)
{
    char msg[200];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    return tact__fail(p->st, TACT_CODE_INVALID_ARGUMENT, "%s text format, line %d column %d: %s",
                      p->top->name, p->line, (int) (p->pos - p->line_start) + 1, msg);
}

static void skip_space(text_parser_t *p)
{
    for (;;) {
        char c = p->s[p->pos];
        if (c == '\n') {
            p->pos++;
            p->line++;
            p->line_start = p->pos;
        } else if (c == ' ' || c == '\t' || c == '\r' || c == '\f' || c == '\v') {
            p->pos++;
        } else if (c == '#') {
            while (p->s[p->pos] != '\0' && p->s[p->pos] != '\n')
                p->pos++;
        } else {
            return;
        }
    }
}

static bool try_char(text_parser_t *p, char c)
{
    skip_space(p);
    if (p->s[p->pos] != c)
        return false;
    p->pos++;
    return true;
}

static bool is_ident_char(char c)
{
    return isalnum((unsigned char) c) || c == '_' || c == '.';
}

/* An identifier or a number: the characters up to the next delimiter. */
static size_t read_word(text_parser_t *p, char *out, size_t cap)
{
    skip_space(p);
    size_t n = 0;
    char last = '\0';  /* the word's previous character (it may be past `out`'s room) */
    while (is_ident_char(p->s[p->pos]) || ((p->s[p->pos] == '-' || p->s[p->pos] == '+') &&
                                           (n == 0 || last == 'e' || last == 'E'))) {
        last = p->s[p->pos];
        if (n + 1 < cap)
            out[n] = last;
        n++;
        p->pos++;
    }
    out[n < cap ? n : cap - 1] = '\0';
    return n;
}

static int hex_digit(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    c = (char) tolower((unsigned char) c);
    return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

/* One or more adjacent quoted strings, unescaped and joined, into a new malloc'd buffer. */
static tact_code_t read_string(text_parser_t *p, uint8_t **out, size_t *out_len)
{
    skip_space(p);
    char q = p->s[p->pos];
    if (q != '"' && q != '\'')
        return parse_error(p, "expected a string");
    size_t cap = 16, n = 0;
    uint8_t *buf = tact__malloc(cap);
    while (q == '"' || q == '\'') {
        p->pos++;
        for (;;) {
            char c = p->s[p->pos];
            if (c == '\0' || c == '\n') {
                free(buf);
                return parse_error(p, "string not terminated");
            }
            p->pos++;
            if (c == q)
                break;
            unsigned v = (unsigned char) c;
            if (c == '\\') {
                c = p->s[p->pos++];
                switch (c) {
                case 'n': v = '\n'; break;
                case 'r': v = '\r'; break;
                case 't': v = '\t'; break;
                case 'a': v = '\a'; break;
                case 'b': v = '\b'; break;
                case 'f': v = '\f'; break;
                case 'v': v = '\v'; break;
                case '\\': case '\'': case '"': case '?': v = (unsigned char) c; break;
                case 'x': case 'X': {
                    int d = hex_digit(p->s[p->pos]);
                    if (d < 0) {
                        free(buf);
                        return parse_error(p, "\\x without hex digits");
                    }
                    v = 0;
                    for (int k = 0; k < 2 && (d = hex_digit(p->s[p->pos])) >= 0; k++, p->pos++)
                        v = v * 16 + (unsigned) d;
                    break;
                }
                default:
                    if (c >= '0' && c <= '7') {
                        v = (unsigned) (c - '0');
                        for (int k = 0; k < 2 && p->s[p->pos] >= '0' && p->s[p->pos] <= '7';
                             k++, p->pos++)
                            v = v * 8 + (unsigned) (p->s[p->pos] - '0');
                        if (v > 255) {
                            free(buf);
                            return parse_error(p, "octal escape above \\377");
                        }
                        break;
                    }
                    free(buf);
                    if (c == '\0')
                        p->pos--;
                    return parse_error(p, "invalid escape '\\%c'", c ? c : '0');
                }
            }
            if (n + 2 > cap) {
                cap *= 2;
                buf = tact__realloc(buf, cap);
            }
            buf[n++] = (uint8_t) v;
        }
        skip_space(p);
        q = p->s[p->pos];
    }
    buf[n] = '\0';
    *out = buf;
    *out_len = n;
    return TACT_CODE_OK;
}

static tact_code_t parse_message(text_parser_t *p, ProtobufCMessage *m, char close, int depth);

/* Where the next value of field f goes: a new slot of a repeated field, or the field itself
 * (its old string, bytes or message value freed or, for a message, kept to merge into). */
static void *field_slot(ProtobufCMessage *m, const ProtobufCFieldDescriptor *f)
{
    char *base = (char *) m;
    void *p = base + f->offset;
    if (f->label == PROTOBUF_C_LABEL_REPEATED) {
        size_t *n = (size_t *) (base + f->quantifier_offset);
        char **arr = p;
        size_t size = field_size(f);
        if ((*n & (*n - 1)) == 0)  /* 0, 1, 2, 4...: grow to the next power of two */
            *arr = tact__realloc(*arr, (*n ? 2 * *n : 1) * size);
        void *slot = *arr + *n * size;
        memset(slot, 0, size);
        (*n)++;
        return slot;
    }
    if (f->flags & PROTOBUF_C_FIELD_FLAG_ONEOF) {
        uint32_t *which = (uint32_t *) (base + f->quantifier_offset);
        if (*which != 0 && *which != f->id) {  /* another member was set: drop its value */
            const ProtobufCFieldDescriptor *old =
                protobuf_c_message_descriptor_get_field(m->descriptor, *which);
            void *op = base + old->offset;
            if (old->type == PROTOBUF_C_TYPE_MESSAGE && *(ProtobufCMessage **) op != NULL)
                protobuf_c_message_free_unpacked(*(ProtobufCMessage **) op, NULL);
            else if (old->type == PROTOBUF_C_TYPE_STRING &&
                     *(char **) op != old->default_value)
                free(*(char **) op);
            else if (old->type == PROTOBUF_C_TYPE_BYTES)
                free(((ProtobufCBinaryData *) op)->data);
            memset(op, 0, field_size(old));
            if (f->type == PROTOBUF_C_TYPE_STRING)
                *(const void **) p = f->default_value;
        }
        *which = f->id;
    } else if (f->label == PROTOBUF_C_LABEL_OPTIONAL && f->type != PROTOBUF_C_TYPE_MESSAGE &&
               f->type != PROTOBUF_C_TYPE_STRING) {
        *(protobuf_c_boolean *) (base + f->quantifier_offset) = 1;
    }
    if (f->type == PROTOBUF_C_TYPE_STRING) {
        char **s = p;
        if (*s != NULL && *s != f->default_value)
            free(*s);
        *s = NULL;
    } else if (f->type == PROTOBUF_C_TYPE_BYTES) {
        ProtobufCBinaryData *d = p;
        const ProtobufCBinaryData *dflt = f->default_value;
        if (d->data != NULL && (dflt == NULL || d->data != dflt->data))
            free(d->data);
        d->data = NULL;
        d->len = 0;
    }
    return p;
}

static tact_code_t parse_int(text_parser_t *p, const char *w, bool is_signed, int bits,
                             void *out)
{
    errno = 0;
    char *end = NULL;
    if (is_signed) {
        long long v = strtoll(w, &end, 0);
        if (*w == '\0' || *end != '\0' || errno)
            return parse_error(p, "expected an integer, not '%s'", w);
        if (bits == 32 && (v < INT32_MIN || v > INT32_MAX))
            return parse_error(p, "integer %s out of range for int32", w);
        if (bits == 32)
            *(int32_t *) out = (int32_t) v;
        else
            *(int64_t *) out = (int64_t) v;
        return TACT_CODE_OK;
    }
    if (w[0] == '-')
        return parse_error(p, "expected an unsigned integer, not '%s'", w);
    unsigned long long v = strtoull(w, &end, 0);
    if (*w == '\0' || *end != '\0' || errno)
        return parse_error(p, "expected an integer, not '%s'", w);
    if (bits == 32 && v > UINT32_MAX)
        return parse_error(p, "integer %s out of range for uint32", w);
    if (bits == 32)
        *(uint32_t *) out = (uint32_t) v;
    else
        *(uint64_t *) out = (uint64_t) v;
    return TACT_CODE_OK;
}

static tact_code_t parse_real(text_parser_t *p, const char *w, double *out)
{
    const char *s = w[0] == '-' || w[0] == '+' ? w + 1 : w;
    double sign = w[0] == '-' ? -1.0 : 1.0;
    if (strcasecmp(s, "inf") == 0 || strcasecmp(s, "infinity") == 0 ||
        strcasecmp(s, "inff") == 0 || strcasecmp(s, "infinityf") == 0) {
        *out = sign * INFINITY;
        return TACT_CODE_OK;
    }
    if (strcasecmp(s, "nan") == 0 || strcasecmp(s, "nanf") == 0) {
        *out = NAN;
        return TACT_CODE_OK;
    }
    if (!isdigit((unsigned char) s[0]) && s[0] != '.')
        return parse_error(p, "expected a number, not '%s'", w);
    char *end = NULL;
    *out = strtod(w, &end);
    if (end == w || (*end != '\0' && !((*end == 'f' || *end == 'F') && end[1] == '\0')))
        return parse_error(p, "expected a number, not '%s'", w);
    return TACT_CODE_OK;
}

/* One scalar, string or message value of field f into slot. */
static tact_code_t parse_value(text_parser_t *p, ProtobufCMessage *m,
                               const ProtobufCFieldDescriptor *f, void *slot, int depth)
{
    if (f->type == PROTOBUF_C_TYPE_MESSAGE) {
        skip_space(p);
        char open = p->s[p->pos];
        if (open != '{' && open != '<')
            return parse_error(p, "expected '{' or '<' after '%s'", f->name);
        p->pos++;
        ProtobufCMessage **sub = slot;
        if (*sub == NULL) {
            const ProtobufCMessageDescriptor *sd = f->descriptor;
            *sub = tact__malloc(sd->sizeof_message);
            protobuf_c_message_init(sd, *sub);
        }
        return parse_message(p, *sub, open == '{' ? '}' : '>', depth + 1);
    }
    if (f->type == PROTOBUF_C_TYPE_STRING || f->type == PROTOBUF_C_TYPE_BYTES) {
        uint8_t *data = NULL;
        size_t len = 0;
        if (read_string(p, &data, &len))
            return p->st->code;
        if (f->type == PROTOBUF_C_TYPE_STRING) {
            *(char **) slot = (char *) data;
        } else {
            ((ProtobufCBinaryData *) slot)->data = data;
            ((ProtobufCBinaryData *) slot)->len = len;
        }
        return TACT_CODE_OK;
    }
    char w[128];
    size_t n = read_word(p, w, sizeof w);
    if (n == 0)
        return parse_error(p, "expected a value for '%s'", f->name);
    if (n >= sizeof w)
        return parse_error(p, "value for '%s' too long", f->name);
    TACT_UNUSED(m);
    switch (f->type) {
    case PROTOBUF_C_TYPE_INT32:
    case PROTOBUF_C_TYPE_SINT32:
    case PROTOBUF_C_TYPE_SFIXED32:
        return parse_int(p, w, true, 32, slot);
    case PROTOBUF_C_TYPE_INT64:
    case PROTOBUF_C_TYPE_SINT64:
    case PROTOBUF_C_TYPE_SFIXED64:
        return parse_int(p, w, true, 64, slot);
    case PROTOBUF_C_TYPE_UINT32:
    case PROTOBUF_C_TYPE_FIXED32:
        return parse_int(p, w, false, 32, slot);
    case PROTOBUF_C_TYPE_UINT64:
    case PROTOBUF_C_TYPE_FIXED64:
        return parse_int(p, w, false, 64, slot);
    case PROTOBUF_C_TYPE_FLOAT:
    case PROTOBUF_C_TYPE_DOUBLE: {
        double v = 0.0;
        if (parse_real(p, w, &v))
            return p->st->code;
        if (f->type == PROTOBUF_C_TYPE_FLOAT)
            *(float *) slot = (float) v;
        else
            *(double *) slot = v;
        return TACT_CODE_OK;
    }
    case PROTOBUF_C_TYPE_BOOL:
        if (strcmp(w, "true") == 0 || strcmp(w, "True") == 0 || strcmp(w, "t") == 0 ||
            strcmp(w, "1") == 0)
            *(protobuf_c_boolean *) slot = 1;
        else if (strcmp(w, "false") == 0 || strcmp(w, "False") == 0 || strcmp(w, "f") == 0 ||
                 strcmp(w, "0") == 0)
            *(protobuf_c_boolean *) slot = 0;
        else
            return parse_error(p, "expected true or false for '%s', not '%s'", f->name, w);
        return TACT_CODE_OK;
    case PROTOBUF_C_TYPE_ENUM: {
        const ProtobufCEnumDescriptor *ed = f->descriptor;
        const ProtobufCEnumValue *ev = protobuf_c_enum_descriptor_get_value_by_name(ed, w);
        if (ev == NULL && (isdigit((unsigned char) w[0]) || w[0] == '-')) {
            int32_t v = 0;
            if (parse_int(p, w, true, 32, &v))
                return p->st->code;
            *(int *) slot = v;
            return TACT_CODE_OK;
        }
        if (ev == NULL)
            return parse_error(p, "enum %s has no value named '%s'", ed->name, w);
        *(int *) slot = ev->value;
        return TACT_CODE_OK;
    }
    default:
        return parse_error(p, "field '%s' has a type tact cannot parse", f->name);
    }
}

static tact_code_t parse_message(text_parser_t *p, ProtobufCMessage *m, char close, int depth)
{
    if (depth > TEXT_MAX_DEPTH)
        return parse_error(p, "messages nested deeper than %d", TEXT_MAX_DEPTH);
    const ProtobufCMessageDescriptor *d = m->descriptor;
    for (;;) {
        skip_space(p);
        char c = p->s[p->pos];
        if (c == '\0') {
            if (close != '\0')
                return parse_error(p, "expected '%c' before the end of the text", close);
            return TACT_CODE_OK;
        }
        if (c == close && close != '\0') {
            p->pos++;
            return TACT_CODE_OK;
        }
        char name[128];
        size_t n = read_word(p, name, sizeof name);
        if (n == 0)
            return parse_error(p, "expected a field name, not '%c'", c);
        if (n >= sizeof name)
            return parse_error(p, "field name too long");
        const ProtobufCFieldDescriptor *f = protobuf_c_message_descriptor_get_field_by_name(d,
                                                                                         name);
        if (f == NULL)
            return parse_error(p, "message %s has no field named '%s'", d->name, name);
        bool colon = try_char(p, ':');
        if (!colon && f->type != PROTOBUF_C_TYPE_MESSAGE)
            return parse_error(p, "expected ':' after '%s'", name);
        if (try_char(p, '[')) {
            if (f->label != PROTOBUF_C_LABEL_REPEATED)
                return parse_error(p, "'%s' is not a repeated field, so takes no list", name);
            if (!try_char(p, ']')) {
                do {
                    if (parse_value(p, m, f, field_slot(m, f), depth))
                        return p->st->code;
                } while (try_char(p, ','));
                if (!try_char(p, ']'))
                    return parse_error(p, "expected ']' or ',' in the list of '%s'", name);
            }
        } else if (parse_value(p, m, f, field_slot(m, f), depth)) {
            return p->st->code;
        }
        if (!try_char(p, ','))
            try_char(p, ';');
    }
}

ProtobufCMessage *tact__text_format_parse(const ProtobufCMessageDescriptor *desc,
                                          const char *text, size_t len, tact_status_t *st)
{
    if (tact__failed(st))
        return NULL;
    tact_status_t local = TACT_STATUS_INIT;
    if (st == NULL)
        st = &local;
    text_parser_t p = { .line = 1, .top = desc, .st = st };
    if (memchr(text, '\0', len) != NULL) {
        tact__fail(st, TACT_CODE_INVALID_ARGUMENT, "%s text format: the text holds a NUL byte",
                   desc->name);
        return NULL;
    }
    char *copy = tact__malloc(len + 1);
    memcpy(copy, text, len);
    p.s = copy;
    ProtobufCMessage *m = tact__malloc(desc->sizeof_message);
    protobuf_c_message_init(desc, m);
    parse_message(&p, m, '\0', 0);
    free(copy);
    if (st->code != TACT_CODE_OK) {
        protobuf_c_message_free_unpacked(m, NULL);
        return NULL;
    }
    return m;
}
