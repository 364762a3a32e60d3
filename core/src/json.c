/* A tiny JSON writer (for the info description) and a parser for one array of strings (the
 * trit.labels metadata). */
#include <math.h>
#include <string.h>

#include "alloc.h"
#include "engine.h"
#include "format.h"

static void append(json_writer *w, const char *text, size_t length) {
    if (w->failed) return;
    size_t need;
    if (!trit_size_add(w->length, length + 1, &need)) {
        w->failed = 1;
        return;
    }
    if (need > w->capacity) {
        size_t capacity = w->capacity ? w->capacity : 256;
        while (capacity < need) capacity *= 2;
        char *grown = trit_realloc(w->data, capacity);
        if (!grown) {
            w->failed = 1;
            return;
        }
        w->data = grown;
        w->capacity = capacity;
    }
    memcpy(w->data + w->length, text, length);
    w->length += length;
    w->data[w->length] = 0;
}

void json_raw(json_writer *w, const char *text) { append(w, text, strlen(text)); }

void json_string(json_writer *w, const char *text) {
    append(w, "\"", 1);
    for (const unsigned char *p = (const unsigned char *)text; *p; p++) {
        char escaped[8];
        switch (*p) {
        case '"': append(w, "\\\"", 2); break;
        case '\\': append(w, "\\\\", 2); break;
        case '\n': append(w, "\\n", 2); break;
        case '\r': append(w, "\\r", 2); break;
        case '\t': append(w, "\\t", 2); break;
        default:
            if (*p < 0x20) {
                trit_format(escaped, sizeof escaped, "\\u%04x", *p);
                append(w, escaped, 6);
            } else {
                append(w, (const char *)p, 1);
            }
        }
    }
    append(w, "\"", 1);
}

void json_int(json_writer *w, long long value) {
    char text[32];
    trit_format(text, sizeof text, "%lld", value);
    json_raw(w, text);
}

void json_float(json_writer *w, double value) {
    char text[40];
    if (!isfinite(value)) value = 0; /* JSON has no NaN/Inf */
    trit_format(text, sizeof text, "%.9g", value);
    json_raw(w, text);
}

/* ---- parser ------------------------------------------------------------------------------------ */
static const char *skip_space(const char *p) {
    while (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r') p++;
    return p;
}

static int hex4(const char *p, unsigned *out) {
    unsigned v = 0;
    for (int i = 0; i < 4; i++) {
        char c = p[i];
        v <<= 4;
        if (c >= '0' && c <= '9') v |= (unsigned)(c - '0');
        else if (c >= 'a' && c <= 'f') v |= (unsigned)(c - 'a' + 10);
        else if (c >= 'A' && c <= 'F') v |= (unsigned)(c - 'A' + 10);
        else return 0;
    }
    *out = v;
    return 1;
}

static size_t put_utf8(unsigned cp, char *out) {
    if (cp < 0x80) { out[0] = (char)cp; return 1; }
    if (cp < 0x800) { out[0] = (char)(0xC0 | cp >> 6); out[1] = (char)(0x80 | (cp & 0x3F)); return 2; }
    if (cp < 0x10000) {
        out[0] = (char)(0xE0 | cp >> 12); out[1] = (char)(0x80 | ((cp >> 6) & 0x3F)); out[2] = (char)(0x80 | (cp & 0x3F));
        return 3;
    }
    out[0] = (char)(0xF0 | cp >> 18); out[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
    out[2] = (char)(0x80 | ((cp >> 6) & 0x3F)); out[3] = (char)(0x80 | (cp & 0x3F));
    return 4;
}

/* Parse one string at p (which points at '"'); decoded into out (at most strlen(p) bytes). */
static const char *parse_string(const char *p, char *out, size_t *out_length) {
    size_t n = 0;
    if (*p++ != '"') return NULL;
    for (;;) {
        unsigned char c = (unsigned char)*p++;
        if (c == 0 || c < 0x20) return NULL;
        if (c == '"') break;
        if (c != '\\') {
            out[n++] = (char)c;
            continue;
        }
        char e = *p++;
        switch (e) {
        case '"': out[n++] = '"'; break;
        case '\\': out[n++] = '\\'; break;
        case '/': out[n++] = '/'; break;
        case 'b': out[n++] = '\b'; break;
        case 'f': out[n++] = '\f'; break;
        case 'n': out[n++] = '\n'; break;
        case 'r': out[n++] = '\r'; break;
        case 't': out[n++] = '\t'; break;
        case 'u': {
            unsigned cp, low;
            if (!hex4(p, &cp)) return NULL;
            p += 4;
            if (cp >= 0xD800 && cp < 0xDC00) {
                if (p[0] != '\\' || p[1] != 'u' || !hex4(p + 2, &low) || low < 0xDC00 || low >= 0xE000) return NULL;
                p += 6;
                cp = 0x10000 + ((cp - 0xD800) << 10) + (low - 0xDC00);
            } else if (cp >= 0xDC00 && cp < 0xE000) {
                return NULL;
            }
            if (cp == 0) return NULL; /* would end the C string */
            n += put_utf8(cp, out + n); /* \uXXXX is 6 input bytes, at most 4 output bytes */
            break;
        }
        default: return NULL;
        }
    }
    out[n] = 0;
    *out_length = n;
    return p;
}

int json_parse_string_array(const char *text, trit_pool *pool, const char ***out_items, size_t *out_count) {
    size_t capacity = 0, length = strlen(text);
    /* first pass: validate and count */
    char *buffer = trit_alloc(length + 1);
    int result = 0;
    if (!buffer) return -1;
    for (int pass = 0; pass < 2; pass++) {
        const char *p = skip_space(text);
        size_t count = 0;
        if (*p++ != '[') goto bad;
        p = skip_space(p);
        if (*p == ']') {
            p++;
        } else {
            for (;;) {
                size_t item_length;
                p = parse_string(p, buffer, &item_length);
                if (!p) goto bad;
                if (pass == 1) {
                    char *copy = trit_pool_strndup(pool, buffer, item_length);
                    if (!copy) {
                        result = -1;
                        goto bad;
                    }
                    (*out_items)[count] = copy;
                }
                count++;
                p = skip_space(p);
                if (*p == ',') {
                    p = skip_space(p + 1);
                    continue;
                }
                if (*p == ']') {
                    p++;
                    break;
                }
                goto bad;
            }
        }
        if (*skip_space(p) != 0) goto bad;
        if (pass == 0) {
            capacity = count;
            *out_items = trit_pool_array(pool, capacity ? capacity : 1, sizeof(char *));
            if (!*out_items) {
                result = -1;
                goto bad;
            }
        }
        *out_count = count;
    }
    trit_free(buffer);
    return 1;
bad:
    trit_free(buffer);
    return result;
}
