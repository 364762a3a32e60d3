/* Tiny protobuf writer for building ONNX models inside the C tests (no Python needed). Each
 * message is a pbw buffer; nested messages are embedded with pbw_msg. Allocation failures abort
 * the test program (tests only). */
#ifndef TRIT_ONNX_BUILDER_H
#define TRIT_ONNX_BUILDER_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "trit.h"

typedef struct pbw {
    unsigned char *data;
    size_t length, capacity;
} pbw;

static inline void pbw_put(pbw *w, const void *bytes, size_t n) {
    if (w->length + n > w->capacity) {
        size_t capacity = w->capacity ? w->capacity * 2 : 64;
        while (capacity < w->length + n) capacity *= 2;
        w->data = realloc(w->data, capacity);
        if (!w->data) abort();
        w->capacity = capacity;
    }
    if (n) memcpy(w->data + w->length, bytes, n);
    w->length += n;
}
static inline void pbw_varint(pbw *w, uint64_t v) {
    unsigned char b[10];
    int n = 0;
    do {
        b[n] = (unsigned char)(v & 0x7F);
        v >>= 7;
        if (v) b[n] |= 0x80;
        n++;
    } while (v);
    pbw_put(w, b, (size_t)n);
}
static inline void pbw_key(pbw *w, unsigned field, unsigned wire) { pbw_varint(w, (uint64_t)field << 3 | wire); }
static inline void pbw_uint(pbw *w, unsigned field, uint64_t v) { pbw_key(w, field, 0); pbw_varint(w, v); }
static inline void pbw_bytes(pbw *w, unsigned field, const void *bytes, size_t n) {
    pbw_key(w, field, 2);
    pbw_varint(w, n);
    pbw_put(w, bytes, n);
}
static inline void pbw_str(pbw *w, unsigned field, const char *s) { pbw_bytes(w, field, s, strlen(s)); }
static inline void pbw_msg(pbw *w, unsigned field, pbw *sub) { /* embeds and frees sub */
    pbw_bytes(w, field, sub->data, sub->length);
    free(sub->data);
    memset(sub, 0, sizeof *sub);
}
static inline void pbw_float(pbw *w, unsigned field, float f) {
    uint32_t bits;
    memcpy(&bits, &f, 4);
    unsigned char b[4] = {(unsigned char)bits, (unsigned char)(bits >> 8), (unsigned char)(bits >> 16), (unsigned char)(bits >> 24)};
    pbw_key(w, field, 5);
    pbw_put(w, b, 4);
}
static inline void pbw_free(pbw *w) { free(w->data); memset(w, 0, sizeof *w); }

/* ---- ONNX messages ---------------------------------------------------------------------------- */
/* TensorProto with raw_data */
static inline void mk_tensor_raw(pbw *graph, unsigned field, const char *name, int dtype, int rank, const int64_t *dims,
                            const void *raw, size_t bytes) {
    pbw t = {0};
    for (int i = 0; i < rank; i++) pbw_uint(&t, 1, (uint64_t)dims[i]);
    pbw_uint(&t, 2, (uint64_t)dtype);
    pbw_str(&t, 8, name);
    pbw_bytes(&t, 9, raw, bytes);
    pbw_msg(graph, field, &t);
}
#define ONNX_INITIALIZER(g, name, dtype, rank, dims, data, bytes) mk_tensor_raw((g), 5, (name), (dtype), (rank), (dims), (data), (bytes))

static inline void mk_value_info(pbw *graph, unsigned field, const char *name, int elem_type, int rank, const int64_t *dims) {
    pbw shape = {0}, tensor = {0}, type = {0}, vi = {0};
    for (int i = 0; i < rank; i++) {
        pbw dim = {0};
        if (dims[i] < 0) pbw_str(&dim, 2, "N");
        else pbw_uint(&dim, 1, (uint64_t)dims[i]);
        pbw_msg(&shape, 1, &dim);
    }
    pbw_uint(&tensor, 1, (uint64_t)elem_type);
    pbw_msg(&tensor, 2, &shape);
    pbw_msg(&type, 1, &tensor);
    pbw_str(&vi, 1, name);
    pbw_msg(&vi, 2, &type);
    pbw_msg(graph, field, &vi);
}
#define ONNX_INPUT(g, name, type, rank, dims) mk_value_info((g), 11, (name), (type), (rank), (dims))
#define ONNX_OUTPUT(g, name, type, rank, dims) mk_value_info((g), 12, (name), (type), (rank), (dims))

/* attributes: built into a node buffer */
static inline void mk_attr_int(pbw *node, const char *name, int64_t v) {
    pbw a = {0};
    pbw_str(&a, 1, name);
    pbw_uint(&a, 3, (uint64_t)v);
    pbw_uint(&a, 20, 2);
    pbw_msg(node, 5, &a);
}
static inline void mk_attr_float(pbw *node, const char *name, float v) {
    pbw a = {0};
    pbw_str(&a, 1, name);
    pbw_float(&a, 2, v);
    pbw_uint(&a, 20, 1);
    pbw_msg(node, 5, &a);
}
static inline void mk_attr_ints(pbw *node, const char *name, int count, const int64_t *v) {
    pbw a = {0};
    pbw_str(&a, 1, name);
    for (int i = 0; i < count; i++) pbw_uint(&a, 8, (uint64_t)v[i]);
    pbw_uint(&a, 20, 7);
    pbw_msg(node, 5, &a);
}
static inline void mk_attr_string(pbw *node, const char *name, const char *s) {
    pbw a = {0};
    pbw_str(&a, 1, name);
    pbw_str(&a, 4, s);
    pbw_uint(&a, 20, 3);
    pbw_msg(node, 5, &a);
}

/* Starts a node; inputs/outputs are NULL-terminated lists. Add attributes, then mk_end_node. */
static inline pbw mk_node(const char *op, const char *name, const char *const *inputs, const char *const *outputs) {
    pbw n = {0};
    for (const char *const *p = inputs; p && *p; p++) pbw_str(&n, 1, *p);
    for (const char *const *p = outputs; p && *p; p++) pbw_str(&n, 2, *p);
    pbw_str(&n, 3, name);
    pbw_str(&n, 4, op);
    return n;
}
static inline void mk_end_node(pbw *graph, pbw *node) { pbw_msg(graph, 1, node); }
/* A node without attributes, in one call. */
static inline void mk_add_node(pbw *graph, const char *op, const char *name, const char *const *inputs,
                               const char *const *outputs) {
    pbw n = mk_node(op, name, inputs, outputs);
    mk_end_node(graph, &n);
}

/* ModelProto around a graph; metadata as key, value pairs (NULL-terminated). Frees graph. */
static inline pbw mk_model(pbw *graph, int64_t opset, const char *const *metadata) {
    pbw m = {0}, op = {0};
    pbw_uint(&m, 1, 8);
    pbw_str(&m, 2, "trit-tests");
    pbw_str(graph, 2, "test-graph");
    pbw_msg(&m, 7, graph);
    pbw_str(&op, 1, "");
    pbw_uint(&op, 2, (uint64_t)opset);
    pbw_msg(&m, 8, &op);
    for (const char *const *p = metadata; p && p[0] && p[1]; p += 2) {
        pbw kv = {0};
        pbw_str(&kv, 1, p[0]);
        pbw_str(&kv, 2, p[1]);
        pbw_msg(&m, 14, &kv);
    }
    return m;
}

#define LIST(...) ((const char *const[]){__VA_ARGS__, NULL})

/* trit_model_create (with `limits`, may be NULL) on an opset-13 ModelProto around `graph`, which it frees;
 * *out is NULL first, as the call leaves it on a failure. */
static inline trit_status mk_create(pbw *graph, const trit_limits *limits, trit_model **out) {
    pbw m = mk_model(graph, 13, NULL);
    *out = NULL;
    const trit_status st = trit_model_create(m.data, m.length, limits, out);
    pbw_free(&m);
    return st;
}

/* ---- ternary weights in the shared code blob (docs/FORMAT.md, what models/export.py writes) ----- */
typedef struct mk_blob_weight {
    const char *name;     /* the weight value W (a Conv/Gemm input 1 for trit to run it as ternary) */
    int rank;
    const int64_t *dims;
    const int8_t *values; /* -1 / 0 / +1, row-major */
    float levels[3];      /* what codes -1, 0, +1 stand for (trit needs levels[1] = 0) */
} mk_blob_weight;

/* The element counts of the weights into split[0..count) (their sum returned), and their base-3 codes,
 * one after another, padded with code 1 (zero) to whole bytes: ceil(sum / 5) bytes, caller frees. */
static inline uint8_t *mk_blob_codes(const mk_blob_weight *w, int count, int64_t *split, size_t *size) {
    static const uint8_t powers[5] = {1, 3, 9, 27, 81};
    int64_t total = 0;
    for (int k = 0; k < count; k++) {
        split[k] = 1;
        for (int d = 0; d < w[k].rank; d++) split[k] *= w[k].dims[d];
        total += split[k];
    }
    *size = (size_t)(total + 4) / 5;
    uint8_t *codes = calloc(*size + 1, 1);
    if (!codes) abort();
    for (int64_t at = 0, k = 0, i = 0; at < 5 * (int64_t)*size; at++) {
        int code = 1; /* padding */
        while (k < count && i == split[k]) k++, i = 0;
        if (k < count) code = w[k].values[i++] + 1;
        codes[at / 5] = (uint8_t)(codes[at / 5] + code * powers[at % 5]);
    }
    return codes;
}

/* Adds one blob holding `count` (<= 64) weights, its code bytes `codes` (mk_blob_codes, or altered):
 * trit.codes, trit.split (the counts, then the padding's when not 0), the shared decode chain and the
 * Split, then per weight a Reshape to its shape and a Gather of its levels. Opset 13 or later. */
static inline void mk_ternary_blob_codes(pbw *graph, const mk_blob_weight *w, int count, const uint8_t *codes, size_t size) {
    int64_t split[65], total = 0;
    size_t ignored;
    free(mk_blob_codes(w, count, split, &ignored));
    for (int k = 0; k < count; k++) total += split[k];
    const int outputs = count + (5 * (int64_t)size > total ? 1 : 0);
    split[count] = 5 * (int64_t)size - total;
    int64_t one = 1, five[2] = {1, 5}, axes = 1, flat = -1, k_dims = outputs, bytes = (int64_t)size;
    const int32_t powers32[5] = {1, 3, 9, 27, 81}, three = 3;
    ONNX_INITIALIZER(graph, "trit.codes", 2 /* uint8 */, 1, &bytes, codes, size);
    ONNX_INITIALIZER(graph, "trit.split", 7 /* int64 */, 1, &k_dims, split, (size_t)outputs * sizeof(int64_t));
    ONNX_INITIALIZER(graph, "trit.unpack.axes", 7, 1, &one, &axes, sizeof axes);
    ONNX_INITIALIZER(graph, "trit.unpack.powers", 6 /* int32 */, 2, five, powers32, sizeof powers32);
    ONNX_INITIALIZER(graph, "trit.unpack.three", 6, 1, &one, &three, sizeof three);
    ONNX_INITIALIZER(graph, "trit.unpack.flat", 7, 1, &one, &flat, sizeof flat);
    mk_add_node(graph, "Unsqueeze", "", LIST("trit.codes", "trit.unpack.axes"), LIST("trit.codes_col"));
    pbw n = mk_node("Cast", "", LIST("trit.codes_col"), LIST("trit.codes_int"));
    mk_attr_int(&n, "to", 6);
    mk_end_node(graph, &n);
    mk_add_node(graph, "Div", "", LIST("trit.codes_int", "trit.unpack.powers"), LIST("trit.codes_div"));
    mk_add_node(graph, "Mod", "", LIST("trit.codes_div", "trit.unpack.three"), LIST("trit.codes_index"));
    mk_add_node(graph, "Reshape", "", LIST("trit.codes_index", "trit.unpack.flat"), LIST("trit.codes_flat"));
    n = mk_node("Split", "", LIST("trit.codes_flat", "trit.split"), NULL);
    char names[65][3][96];
    for (int k = 0; k < outputs; k++) {
        if (k < count) snprintf(names[k][0], sizeof names[k][0], "%s.codes", w[k].name);
        else snprintf(names[k][0], sizeof names[k][0], "trit.codes_pad");
        pbw_str(&n, 2, names[k][0]);
    }
    mk_end_node(graph, &n);
    for (int k = 0; k < count; k++) {
        int64_t rank = w[k].rank, three_levels = 3;
        char index[104];
        snprintf(names[k][1], sizeof names[k][1], "%s.shape", w[k].name);
        snprintf(names[k][2], sizeof names[k][2], "%s.levels", w[k].name);
        snprintf(index, sizeof index, "%s.index", w[k].name);
        ONNX_INITIALIZER(graph, names[k][1], 7, 1, &rank, w[k].dims, (size_t)rank * sizeof(int64_t));
        ONNX_INITIALIZER(graph, names[k][2], 1 /* float */, 1, &three_levels, w[k].levels, sizeof w[k].levels);
        mk_add_node(graph, "Reshape", "", LIST(names[k][0], names[k][1]), LIST(index));
        mk_add_node(graph, "Gather", "", LIST(names[k][2], index), LIST(w[k].name));
    }
}

static inline void mk_ternary_blob(pbw *graph, const mk_blob_weight *w, int count) {
    int64_t split[65];
    size_t size;
    uint8_t *codes = mk_blob_codes(w, count, split, &size);
    mk_ternary_blob_codes(graph, w, count, codes, size);
    free(codes);
}

#endif
