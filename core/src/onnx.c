#include "onnx.h"

#include <stdarg.h>
#include <string.h>

#include "alloc.h"
#include "format.h"
#include "pb.h"

typedef struct decoder {
    const onnx_limits *limits;
    trit_pool *pool;
    char *message;
    size_t message_size;
    trit_status status;
} decoder;

static int fail(decoder *d, trit_status status, const char *fmt, ...) {
    if (d->status == TRIT_OK) {
        d->status = status;
        va_list ap;
        va_start(ap, fmt);
        trit_vformat(d->message, d->message_size, fmt, ap);
        va_end(ap);
    }
    return 0;
}

static int malformed(decoder *d, const char *what) {
    return fail(d, TRIT_ERROR_FORMAT, "malformed protobuf in %s", what);
}

static int out_of_memory(decoder *d) { return fail(d, TRIT_ERROR_MEMORY, "out of memory while decoding the model"); }

size_t onnx_dtype_size(int dtype) {
    switch (dtype) {
    case TRIT_FLOAT32: return 4;
    case TRIT_UINT8: return 1;
    case TRIT_INT8: return 1;
    case TRIT_INT32: return 4;
    case TRIT_INT64: return 8;
    default: return 0;
    }
}

const char *onnx_dtype_name(int dtype) {
    static const char *names[] = {"undefined", "float32", "uint8", "int8", "uint16", "int16", "int32", "int64",
                                  "string", "bool", "float16", "double", "uint32", "uint64", "complex64",
                                  "complex128", "bfloat16", "float8e4m3fn", "float8e4m3fnuz", "float8e5m2",
                                  "float8e5m2fnuz", "uint4", "int4"};
    if (dtype >= 0 && dtype < (int)(sizeof names / sizeof names[0])) return names[dtype];
    return "unknown";
}

const onnx_attribute *onnx_find_attribute(const onnx_node *node, const char *name) {
    for (size_t i = 0; i < node->attribute_count; i++)
        if (strcmp(node->attributes[i].name, name) == 0) return &node->attributes[i];
    return NULL;
}

static char *dup_string(decoder *d, const pb_field *f) {
    char *s = trit_pool_strndup(d->pool, f->bytes, f->length);
    if (!s) out_of_memory(d);
    return s;
}

/* Read the elements of one occurrence of a repeated varint field (packed or not) into out[*n...]. */
static int read_varints(decoder *d, const pb_field *f, int64_t *out, size_t capacity, size_t *n, const char *what) {
    if (f->wire_type == PB_VARINT) {
        if (*n >= capacity) return malformed(d, what);
        out[(*n)++] = (int64_t)f->value;
        return 1;
    }
    if (f->wire_type != PB_BYTES) return malformed(d, what);
    pb_reader r;
    pb_init(&r, f->bytes, f->length);
    while (!pb_at_end(&r)) {
        uint64_t v;
        if (!pb_read_varint(&r, &v) || *n >= capacity) return malformed(d, what);
        out[(*n)++] = (int64_t)v;
    }
    return 1;
}

static int read_floats(decoder *d, const pb_field *f, float *out, size_t capacity, size_t *n, const char *what) {
    if (f->wire_type == PB_FIXED32) {
        if (*n >= capacity) return malformed(d, what);
        uint32_t bits = (uint32_t)f->value;
        memcpy(&out[(*n)++], &bits, 4);
        return 1;
    }
    if (f->wire_type != PB_BYTES || f->length % 4) return malformed(d, what);
    size_t count = f->length / 4;
    if (count > capacity - *n) return malformed(d, what);
    for (size_t i = 0; i < count; i++) {
        const uint8_t *b = f->bytes + 4 * i;
        uint32_t bits = (uint32_t)b[0] | (uint32_t)b[1] << 8 | (uint32_t)b[2] << 16 | (uint32_t)b[3] << 24;
        memcpy(&out[(*n)++], &bits, 4);
    }
    return 1;
}

static int count_field(decoder *d, const pb_field *f, int wire_type, size_t *total, const char *what) {
    size_t n;
    if (!pb_count_packed(f, wire_type, &n) || !trit_size_add(*total, n, total)) return malformed(d, what);
    return 1;
}

/* ---- TensorProto ------------------------------------------------------------------------------ */
static int decode_tensor(decoder *d, const uint8_t *bytes, size_t size, onnx_tensor *t) {
    const char *what = "TensorProto";
    memset(t, 0, sizeof *t);
    t->name = "";
    pb_reader r;
    pb_field f;
    int rc;
    const uint8_t *raw = NULL;
    size_t raw_length = 0;
    int has_raw = 0;
    size_t float_count = 0, int32_count = 0, int64_count = 0, other_count = 0;
    size_t rank = 0;
    int64_t dims[TRIT_MAX_RANK + 1];
    pb_init(&r, bytes, size);
    while ((rc = pb_next(&r, &f)) == 1) {
        switch (f.number) {
        case 1: { /* dims */
            size_t n = 0;
            if (!count_field(d, &f, PB_VARINT, &n, what)) return 0;
            if (rank + n > TRIT_MAX_RANK)
                return fail(d, TRIT_ERROR_LIMIT, "tensor has rank above %d", TRIT_MAX_RANK);
            if (!read_varints(d, &f, dims, TRIT_MAX_RANK, &rank, what)) return 0;
            break;
        }
        case 2:
            if (f.wire_type != PB_VARINT) return malformed(d, what);
            t->dtype = (int)(int32_t)f.value;
            break;
        case 3:
            if (f.wire_type != PB_BYTES) return malformed(d, what);
            return fail(d, TRIT_ERROR_UNSUPPORTED, "segmented tensors are not supported");
        case 4: if (!count_field(d, &f, PB_FIXED32, &float_count, what)) return 0; break;
        case 5: if (!count_field(d, &f, PB_VARINT, &int32_count, what)) return 0; break;
        case 6: other_count++; break;
        case 7: if (!count_field(d, &f, PB_VARINT, &int64_count, what)) return 0; break;
        case 8:
            if (f.wire_type != PB_BYTES || !(t->name = dup_string(d, &f))) return d->status ? 0 : malformed(d, what);
            break;
        case 9:
            if (f.wire_type != PB_BYTES) return malformed(d, what);
            raw = f.bytes;
            raw_length = f.length;
            has_raw = 1;
            break;
        case 10: case 11: other_count++; break;
        case 13:
            if (f.wire_type != PB_BYTES) return malformed(d, what);
            return fail(d, TRIT_ERROR_UNSUPPORTED, "tensor '%s': external data is not supported", t->name);
        case 14:
            if (f.wire_type != PB_VARINT) return malformed(d, what);
            if (f.value != 0)
                return fail(d, TRIT_ERROR_UNSUPPORTED, "tensor '%s': external data is not supported", t->name);
            break;
        default: break; /* doc_string and unknown fields */
        }
    }
    if (rc < 0) return malformed(d, what);
    size_t element_size = onnx_dtype_size(t->dtype);
    if (element_size == 0)
        return fail(d, TRIT_ERROR_UNSUPPORTED, "tensor '%s': data type %s is not supported", t->name,
                    onnx_dtype_name(t->dtype));
    t->rank = (int)rank;
    size_t count = 1;
    for (size_t i = 0; i < rank; i++) {
        if (dims[i] < 0) return fail(d, TRIT_ERROR_FORMAT, "tensor '%s': negative dimension", t->name);
        t->dims[i] = dims[i];
        if ((uint64_t)dims[i] > SIZE_MAX || !trit_size_mul(count, (size_t)dims[i], &count))
            return fail(d, TRIT_ERROR_LIMIT, "tensor '%s': element count overflows", t->name);
    }
    if (count > d->limits->max_tensor_elements)
        return fail(d, TRIT_ERROR_LIMIT, "tensor '%s': %zu elements exceed the limit of %zu", t->name, count,
                    d->limits->max_tensor_elements);
    t->count = count;
    size_t bytes_needed; /* the caller's limits may be SIZE_MAX: check */
    if (!trit_size_mul(count, element_size, &bytes_needed)) return fail(d, TRIT_ERROR_LIMIT, "tensor '%s': byte size overflows", t->name);
    if (count && !(t->data = trit_alloc(bytes_needed))) return out_of_memory(d);
    (void)other_count;
    if (has_raw) {
        if (raw_length != bytes_needed)
            return fail(d, TRIT_ERROR_FORMAT, "tensor '%s': raw_data has %zu bytes, expected %zu", t->name,
                        raw_length, bytes_needed);
        if (count) memcpy(t->data, raw, bytes_needed); /* ONNX raw_data is little-endian, like our targets */
        t->file_bytes = raw_length;
        return 1;
    }
    size_t have = t->dtype == TRIT_FLOAT32 ? float_count : t->dtype == TRIT_INT64 ? int64_count : int32_count;
    if (have != count)
        return fail(d, TRIT_ERROR_FORMAT, "tensor '%s': has %zu values, its dims say %zu", t->name, have, count);
    if (count == 0) return 1;
    size_t n = 0;
    int64_t *wide = NULL;
    if (t->dtype != TRIT_FLOAT32 && t->dtype != TRIT_INT64) {
        wide = trit_alloc(count * sizeof(int64_t));
        if (!wide) return out_of_memory(d);
    }
    pb_init(&r, bytes, size);
    while (pb_next(&r, &f) == 1) {
        int ok = 1;
        if (f.number == 4 && t->dtype == TRIT_FLOAT32) ok = read_floats(d, &f, t->data, count, &n, what);
        else if (f.number == 7 && t->dtype == TRIT_INT64) ok = read_varints(d, &f, t->data, count, &n, what);
        else if (f.number == 5 && wide) ok = read_varints(d, &f, wide, count, &n, what);
        if (!ok) {
            trit_free(wide);
            return 0;
        }
    }
    if (wide) {
        for (size_t i = 0; i < count; i++) {
            if (t->dtype == TRIT_INT32) ((int32_t *)t->data)[i] = (int32_t)wide[i];
            else if (t->dtype == TRIT_INT8) ((int8_t *)t->data)[i] = (int8_t)wide[i];
            else ((uint8_t *)t->data)[i] = (uint8_t)wide[i];
        }
        trit_free(wide);
    }
    t->file_bytes = bytes_needed;
    return 1;
}

/* ---- AttributeProto --------------------------------------------------------------------------- */
static int decode_attribute(decoder *d, const uint8_t *bytes, size_t size, onnx_attribute *a) {
    const char *what = "AttributeProto";
    pb_reader r;
    pb_field f;
    int rc;
    size_t float_count = 0, int_count = 0;
    int seen_f = 0, seen_i = 0, seen_s = 0, seen_t = 0, seen_other = 0;
    a->name = "";
    pb_init(&r, bytes, size);
    while ((rc = pb_next(&r, &f)) == 1) {
        switch (f.number) {
        case 1:
            if (f.wire_type != PB_BYTES || !(a->name = dup_string(d, &f))) return d->status ? 0 : malformed(d, what);
            break;
        case 2:
            if (f.wire_type != PB_FIXED32) return malformed(d, what);
            {
                uint32_t bits = (uint32_t)f.value;
                memcpy(&a->f, &bits, 4);
            }
            seen_f = 1;
            break;
        case 3:
            if (f.wire_type != PB_VARINT) return malformed(d, what);
            a->i = (int64_t)f.value;
            seen_i = 1;
            break;
        case 4:
            if (f.wire_type != PB_BYTES) return malformed(d, what);
            if (!(a->s = dup_string(d, &f))) return 0;
            a->s_length = f.length;
            seen_s = 1;
            break;
        case 5:
            if (f.wire_type != PB_BYTES) return malformed(d, what);
            if (!a->t && !(a->t = trit_pool_alloc(d->pool, sizeof *a->t))) return out_of_memory(d);
            trit_free(a->t->data);
            if (!decode_tensor(d, f.bytes, f.length, a->t)) return 0;
            seen_t = 1;
            break;
        case 7: if (!count_field(d, &f, PB_FIXED32, &float_count, what)) return 0; break;
        case 8: if (!count_field(d, &f, PB_VARINT, &int_count, what)) return 0; break;
        case 6: case 9: case 10: case 11: case 14: case 15: case 22: case 23: seen_other = (int)f.number; break;
        case 20:
            if (f.wire_type != PB_VARINT) return malformed(d, what);
            a->type = (int)(int32_t)f.value;
            break;
        case 21: a->has_ref = 1; break;
        default: break;
        }
    }
    if (rc < 0) return malformed(d, what);
    if (a->type == ONNX_ATTR_UNDEFINED) { /* old files: infer the type from the field that is set */
        if (seen_f) a->type = ONNX_ATTR_FLOAT;
        else if (seen_i) a->type = ONNX_ATTR_INT;
        else if (seen_s) a->type = ONNX_ATTR_STRING;
        else if (seen_t) a->type = ONNX_ATTR_TENSOR;
        else if (float_count) a->type = ONNX_ATTR_FLOATS;
        else if (int_count) a->type = ONNX_ATTR_INTS;
        else if (seen_other == 6) a->type = ONNX_ATTR_GRAPH;
        else if (seen_other == 9) a->type = ONNX_ATTR_STRINGS;
        else if (seen_other) a->type = ONNX_ATTR_TENSORS;
    }
    if (float_count) {
        if (!(a->floats = trit_pool_array(d->pool, float_count, sizeof(float)))) return out_of_memory(d);
    }
    if (int_count) {
        if (!(a->ints = trit_pool_array(d->pool, int_count, sizeof(int64_t)))) return out_of_memory(d);
    }
    if (float_count || int_count) {
        pb_init(&r, bytes, size);
        while (pb_next(&r, &f) == 1) {
            if (f.number == 7 && !read_floats(d, &f, a->floats, float_count, &a->float_count, what)) return 0;
            if (f.number == 8 && !read_varints(d, &f, a->ints, int_count, &a->int_count, what)) return 0;
        }
    }
    return 1;
}

/* ---- NodeProto -------------------------------------------------------------------------------- */
static int decode_node(decoder *d, const uint8_t *bytes, size_t size, onnx_node *n) {
    const char *what = "NodeProto";
    pb_reader r;
    pb_field f;
    int rc;
    n->name = n->op_type = n->domain = "";
    pb_init(&r, bytes, size);
    while ((rc = pb_next(&r, &f)) == 1) {
        if ((f.number >= 1 && f.number <= 5) || f.number == 7) {
            if (f.wire_type != PB_BYTES) return malformed(d, what);
        }
        /* name and op_type first, so that an attribute's error can name its node */
        if (f.number == 3 && !(n->name = dup_string(d, &f))) return 0;
        if (f.number == 4 && !(n->op_type = dup_string(d, &f))) return 0;
        if (f.number == 1) n->input_count++;
        else if (f.number == 2) n->output_count++;
        else if (f.number == 5) n->attribute_count++;
    }
    if (rc < 0) return malformed(d, what);
    if ((n->input_count && !(n->inputs = trit_pool_array(d->pool, n->input_count, sizeof(char *)))) ||
        (n->output_count && !(n->outputs = trit_pool_array(d->pool, n->output_count, sizeof(char *)))) ||
        (n->attribute_count &&
         !(n->attributes = trit_pool_array(d->pool, n->attribute_count, sizeof(onnx_attribute)))))
        return out_of_memory(d);
    size_t ni = 0, no = 0, na = 0;
    pb_init(&r, bytes, size);
    while (pb_next(&r, &f) == 1) {
        switch (f.number) {
        case 1: if (!(n->inputs[ni++] = dup_string(d, &f))) return 0; break;
        case 2: if (!(n->outputs[no++] = dup_string(d, &f))) return 0; break;
        case 7: if (!(n->domain = dup_string(d, &f))) return 0; break;
        case 5:
            if (!decode_attribute(d, f.bytes, f.length, &n->attributes[na])) {
                if (d->status != TRIT_ERROR_MEMORY) { /* "node 'conv1' (Conv): attribute 'value': <why>" */
                    char why[256];
                    trit_format(why, sizeof why, "%s", d->message);
                    const char *label = n->name[0] ? n->name : no && n->outputs[0][0] ? n->outputs[0] : "?";
                    trit_format(d->message, d->message_size, "node '%s' (%s): attribute '%s': %s", label, n->op_type,
                             n->attributes[na].name ? n->attributes[na].name : "", why);
                }
                return 0;
            }
            na++;
            break;
        default: break;
        }
    }
    return 1;
}

/* ---- ValueInfoProto --------------------------------------------------------------------------- */
static int decode_shape(decoder *d, const uint8_t *bytes, size_t size, onnx_value_info *v) {
    const char *what = "TensorShapeProto";
    pb_reader r, rd;
    pb_field f, g;
    int rc;
    v->has_shape = 1;
    pb_init(&r, bytes, size);
    while ((rc = pb_next(&r, &f)) == 1) {
        if (f.number != 1) continue;
        if (f.wire_type != PB_BYTES) return malformed(d, what);
        if (v->rank >= TRIT_MAX_RANK)
            return fail(d, TRIT_ERROR_LIMIT, "value '%s' has rank above %d", v->name, TRIT_MAX_RANK);
        int k = v->rank++;
        v->dim_is_symbolic[k] = 1;
        pb_init(&rd, f.bytes, f.length);
        while ((rc = pb_next(&rd, &g)) == 1) {
            if (g.number == 1) {
                if (g.wire_type != PB_VARINT) return malformed(d, what);
                v->dims[k] = (int64_t)g.value;
                v->dim_is_symbolic[k] = v->dims[k] < 0;
            }
        }
        if (rc < 0) return malformed(d, what);
    }
    return rc < 0 ? malformed(d, what) : 1;
}

static int decode_value_info(decoder *d, const uint8_t *bytes, size_t size, onnx_value_info *v) {
    const char *what = "ValueInfoProto";
    pb_reader r, rt, rtt;
    pb_field f, g, h;
    int rc;
    v->name = "";
    v->elem_type = 0;
    pb_init(&r, bytes, size);
    while ((rc = pb_next(&r, &f)) == 1) {
        if (f.number == 1) {
            if (f.wire_type != PB_BYTES || !(v->name = dup_string(d, &f))) return d->status ? 0 : malformed(d, what);
        } else if (f.number == 2) {
            if (f.wire_type != PB_BYTES) return malformed(d, what);
            pb_init(&rt, f.bytes, f.length);
            while ((rc = pb_next(&rt, &g)) == 1) {
                if (g.number == 1) {
                    if (g.wire_type != PB_BYTES) return malformed(d, "TypeProto");
                    pb_init(&rtt, g.bytes, g.length);
                    while ((rc = pb_next(&rtt, &h)) == 1) {
                        if (h.number == 1) {
                            if (h.wire_type != PB_VARINT) return malformed(d, "TypeProto.Tensor");
                            v->elem_type = (int)(int32_t)h.value;
                        } else if (h.number == 2) {
                            if (h.wire_type != PB_BYTES || !decode_shape(d, h.bytes, h.length, v)) return d->status ? 0 : malformed(d, "TypeProto.Tensor");
                        }
                    }
                    if (rc < 0) return malformed(d, "TypeProto.Tensor");
                } else if (g.number == 4 || g.number == 5 || g.number == 8 || g.number == 9) {
                    v->elem_type = -1; /* sequence, map, sparse, optional */
                }
            }
            if (rc < 0) return malformed(d, "TypeProto");
        }
    }
    return rc < 0 ? malformed(d, what) : 1;
}

/* ---- GraphProto ------------------------------------------------------------------------------- */
static int decode_graph(decoder *d, const uint8_t *bytes, size_t size, onnx_graph *g) {
    const char *what = "GraphProto";
    pb_reader r;
    pb_field f;
    int rc;
    g->name = "";
    pb_init(&r, bytes, size);
    while ((rc = pb_next(&r, &f)) == 1) {
        if ((f.number == 1 || f.number == 2 || f.number == 5 || f.number == 11 || f.number == 12 ||
             f.number == 15) && f.wire_type != PB_BYTES)
            return malformed(d, what);
        switch (f.number) {
        case 1: g->node_count++; break;
        case 5: g->initializer_count++; break;
        case 11: g->input_count++; break;
        case 12: g->output_count++; break;
        case 15: return fail(d, TRIT_ERROR_UNSUPPORTED, "sparse initializers are not supported");
        default: break;
        }
    }
    if (rc < 0) return malformed(d, what);
    if (g->node_count > d->limits->max_nodes)
        return fail(d, TRIT_ERROR_LIMIT, "graph has %zu nodes, the limit is %zu", g->node_count, d->limits->max_nodes);
    if ((g->node_count && !(g->nodes = trit_pool_array(d->pool, g->node_count, sizeof(onnx_node)))) ||
        (g->initializer_count &&
         !(g->initializers = trit_pool_array(d->pool, g->initializer_count, sizeof(onnx_tensor)))) ||
        (g->input_count && !(g->inputs = trit_pool_array(d->pool, g->input_count, sizeof(onnx_value_info)))) ||
        (g->output_count && !(g->outputs = trit_pool_array(d->pool, g->output_count, sizeof(onnx_value_info)))))
        return out_of_memory(d);
    size_t nn = 0, ni = 0, nin = 0, nout = 0;
    pb_init(&r, bytes, size);
    while (pb_next(&r, &f) == 1) {
        switch (f.number) {
        case 1: if (!decode_node(d, f.bytes, f.length, &g->nodes[nn++])) return 0; break;
        case 2: if (!(g->name = dup_string(d, &f))) return 0; break;
        case 5: {
            onnx_tensor *t = &g->initializers[ni++];
            if (!decode_tensor(d, f.bytes, f.length, t)) {
                if (d->status != TRIT_ERROR_MEMORY && t->name && t->name[0]) {
                    /* name the initializer in the message when the tensor had one */
                    char inner[200];
                    trit_format(inner, sizeof inner, "%s", d->message);
                    if (strncmp(inner, "tensor '", 8) != 0)
                        trit_format(d->message, d->message_size, "initializer '%s': %s", t->name, inner);
                }
                return 0;
            }
            break;
        }
        case 11: if (!decode_value_info(d, f.bytes, f.length, &g->inputs[nin++])) return 0; break;
        case 12: if (!decode_value_info(d, f.bytes, f.length, &g->outputs[nout++])) return 0; break;
        default: break;
        }
    }
    return 1;
}

/* ---- ModelProto ------------------------------------------------------------------------------- */
static int decode_model(decoder *d, const uint8_t *bytes, size_t size, onnx_model *m) {
    const char *what = "ModelProto";
    pb_reader r, rs;
    pb_field f, g;
    int rc;
    int has_graph = 0;
    m->producer_name = "";
    pb_init(&r, bytes, size);
    while ((rc = pb_next(&r, &f)) == 1) {
        if (f.number == 14) m->metadata_count++;
    }
    if (rc < 0) return malformed(d, what);
    if (m->metadata_count &&
        (!(m->metadata_keys = trit_pool_array(d->pool, m->metadata_count, sizeof(char *))) ||
         !(m->metadata_values = trit_pool_array(d->pool, m->metadata_count, sizeof(char *)))))
        return out_of_memory(d);
    size_t nm = 0;
    pb_init(&r, bytes, size);
    while (pb_next(&r, &f) == 1) {
        switch (f.number) {
        case 1:
            if (f.wire_type != PB_VARINT) return malformed(d, what);
            m->ir_version = (int64_t)f.value;
            break;
        case 2:
            if (f.wire_type != PB_BYTES || !(m->producer_name = dup_string(d, &f))) return d->status ? 0 : malformed(d, what);
            break;
        case 7:
            if (f.wire_type != PB_BYTES) return malformed(d, what);
            if (has_graph) return fail(d, TRIT_ERROR_FORMAT, "model has more than one graph");
            has_graph = 1;
            if (!decode_graph(d, f.bytes, f.length, &m->graph)) return 0;
            break;
        case 8: { /* OperatorSetIdProto */
            if (f.wire_type != PB_BYTES) return malformed(d, what);
            const uint8_t *domain = NULL;
            size_t domain_length = 0;
            int64_t version = 0;
            pb_init(&rs, f.bytes, f.length);
            while ((rc = pb_next(&rs, &g)) == 1) {
                if (g.number == 1 && g.wire_type == PB_BYTES) {
                    domain = g.bytes;
                    domain_length = g.length;
                } else if (g.number == 2 && g.wire_type == PB_VARINT) {
                    version = (int64_t)g.value;
                }
            }
            if (rc < 0) return malformed(d, "OperatorSetIdProto");
            if (domain_length == 0 || (domain_length == 7 && memcmp(domain, "ai.onnx", 7) == 0)) m->opset = version;
            break;
        }
        case 14: { /* StringStringEntryProto */
            if (f.wire_type != PB_BYTES) return malformed(d, what);
            const char *key = "", *value = "";
            pb_init(&rs, f.bytes, f.length);
            while ((rc = pb_next(&rs, &g)) == 1) {
                if ((g.number == 1 || g.number == 2) && g.wire_type != PB_BYTES) return malformed(d, "metadata_props");
                if (g.number == 1 && !(key = dup_string(d, &g))) return 0;
                if (g.number == 2 && !(value = dup_string(d, &g))) return 0;
            }
            if (rc < 0) return malformed(d, "metadata_props");
            m->metadata_keys[nm] = key;
            m->metadata_values[nm] = value;
            nm++;
            break;
        }
        default: break;
        }
    }
    if (!has_graph) return fail(d, TRIT_ERROR_FORMAT, "model has no graph");
    return 1;
}

void onnx_model_free_data(onnx_model *m) {
    onnx_graph *g = &m->graph;
    for (size_t i = 0; g->initializers && i < g->initializer_count; i++) { /* counted before allocated */
        trit_free(g->initializers[i].data);
        g->initializers[i].data = NULL;
    }
    for (size_t i = 0; g->nodes && i < g->node_count; i++) {
        for (size_t k = 0; g->nodes[i].attributes && k < g->nodes[i].attribute_count; k++) {
            onnx_tensor *t = g->nodes[i].attributes[k].t;
            if (t) {
                trit_free(t->data);
                t->data = NULL;
            }
        }
    }
}

trit_status onnx_decode_model(const void *bytes, size_t size, const onnx_limits *limits, trit_pool *pool,
                              onnx_model *out, char *message, size_t message_size) {
    decoder d = {limits, pool, message, message_size, TRIT_OK};
    memset(out, 0, sizeof *out);
    if (!decode_model(&d, bytes, size, out)) {
        if (d.status == TRIT_OK) malformed(&d, "ModelProto");
        onnx_model_free_data(out);
        return d.status;
    }
    return TRIT_OK;
}

trit_status onnx_decode_tensor(const void *bytes, size_t size, const onnx_limits *limits, trit_pool *pool,
                               onnx_tensor *out, char *message, size_t message_size) {
    decoder d = {limits, pool, message, message_size, TRIT_OK};
    if (!decode_tensor(&d, bytes, size, out)) {
        trit_free(out->data);
        out->data = NULL;
        return d.status ? d.status : TRIT_ERROR_FORMAT;
    }
    return TRIT_OK;
}
