/* Tiny protobuf writer for building ONNX models inside the C tests (no Python needed). Each
 * message is a pbw buffer; nested messages are embedded with pbw_msg. Allocation failures abort
 * the test program (tests only). */
#ifndef TRIT_ONNX_BUILDER_H
#define TRIT_ONNX_BUILDER_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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

#endif
