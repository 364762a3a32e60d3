/* Graph compiler: decoded ONNX → checked, folded, fused steps over one planned arena.
 *
 * Order of work: values for initializers, inputs and node outputs → topological order →
 * ternary weight patterns (docs/FORMAT.md) recognised from the packed codes → every node in
 * order: attribute checks, shape/type inference, then constant folding (all inputs constant:
 * run the step now), aliasing (Reshape & co. share their input's bytes) or a step, with
 * BatchNormalization folded into the conv before it and Relu/Clip/residual Add fused into the
 * conv/gemm epilogue → ternary weights packed for their kernel → one memory plan. */
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "alloc.h"
#include "engine.h"
#include "onnx.h"

#define DEFAULT_MAX_FILE_BYTES ((size_t)256 << 20)
#define DEFAULT_MAX_TENSOR_ELEMENTS ((size_t)1 << 28)
#define DEFAULT_MAX_NODES 4096
#define DEFAULT_MAX_ARENA_BYTES ((size_t)1 << 30)
#define DEFAULT_MAX_SPATIAL 8192

typedef struct compiler {
    trit_model *m;
    trit_limits limits;
    trit_pool temp;
    onnx_model onnx;
    tvalue *values;
    size_t value_count, value_capacity;
    int *hash;
    size_t hash_size;
    step *steps;
    size_t step_count, step_capacity;
    int *order;        /* node indices in topological order */
    char *skip;        /* nodes replaced by a recognised ternary weight */
    ternary_weight *ternary;
    size_t ternary_count, ternary_capacity;
    trit_status status;
} compiler;

static int fail(compiler *c, trit_status status, const char *fmt, ...) {
    if (c->status == TRIT_OK) {
        c->status = status;
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(c->m->message, sizeof c->m->message, fmt, ap);
        va_end(ap);
    }
    return 0;
}

static const char *node_label(const onnx_node *n) {
    if (n->name[0]) return n->name;
    if (n->output_count && n->outputs[0][0]) return n->outputs[0];
    return "?";
}

static int node_fail(compiler *c, const onnx_node *n, trit_status status, const char *fmt, ...) {
    if (c->status != TRIT_OK) return 0;
    char detail[360];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(detail, sizeof detail, fmt, ap);
    va_end(ap);
    return fail(c, status, "node '%s' (%s): %s", node_label(n), n->op_type, detail);
}

static int no_memory(compiler *c) { return fail(c, TRIT_ERROR_MEMORY, "out of memory while compiling the model"); }

/* ---- values and the name table ---------------------------------------------------------------- */
static uint64_t hash_name(const char *s) {
    uint64_t h = 1469598103934665603ull;
    while (*s) h = (h ^ (unsigned char)*s++) * 1099511628211ull;
    return h;
}

static int find_value(compiler *c, const char *name) {
    if (!c->hash_size) return -1;
    size_t i = (size_t)(hash_name(name) & (c->hash_size - 1));
    while (c->hash[i] >= 0) {
        if (strcmp(c->values[c->hash[i]].name, name) == 0) return c->hash[i];
        i = (i + 1) & (c->hash_size - 1);
    }
    return -1;
}

static int grow_hash(compiler *c) {
    size_t size = c->hash_size ? c->hash_size * 2 : 256;
    int *table = trit_alloc(size * sizeof(int));
    if (!table) return no_memory(c);
    for (size_t i = 0; i < size; i++) table[i] = -1;
    trit_free(c->hash);
    c->hash = table;
    c->hash_size = size;
    for (size_t v = 0; v < c->value_count; v++) {
        if (!c->values[v].name[0]) continue;
        size_t i = (size_t)(hash_name(c->values[v].name) & (size - 1));
        while (table[i] >= 0) i = (i + 1) & (size - 1);
        table[i] = (int)v;
    }
    return 1;
}

/* New value; named ones enter the name table (a duplicate name is a malformed graph). */
static int new_value(compiler *c, const char *name) {
    if (c->value_count == c->value_capacity) {
        size_t capacity = c->value_capacity ? c->value_capacity * 2 : 256;
        tvalue *grown = trit_realloc(c->values, capacity * sizeof(tvalue));
        if (!grown) return no_memory(c), -1;
        c->values = grown;
        c->value_capacity = capacity;
    }
    int id = (int)c->value_count++;
    tvalue *v = &c->values[id];
    memset(v, 0, sizeof *v);
    v->name = name;
    v->root = id;
    v->producer = -1;
    v->step = -1;
    v->ternary = -1;
    if (name[0]) {
        if ((c->value_count * 2 > c->hash_size) && !grow_hash(c)) return -1;
        size_t i = (size_t)(hash_name(name) & (c->hash_size - 1));
        while (c->hash[i] >= 0) i = (i + 1) & (c->hash_size - 1);
        c->hash[i] = id;
    }
    return id;
}

/* Set dtype and shape, checking the limits. */
static int set_shape(compiler *c, int id, int dtype, int rank, const int64_t *dims) {
    tvalue *v = &c->values[id];
    if (rank > TRIT_MAX_RANK) return fail(c, TRIT_ERROR_LIMIT, "value '%s' has rank %d, above %d", v->name, rank, TRIT_MAX_RANK);
    size_t count = 1, bytes;
    for (int i = 0; i < rank; i++) {
        if (dims[i] < 0) return fail(c, TRIT_ERROR_SHAPE, "value '%s' would have a negative dimension", v->name);
        if ((uint64_t)dims[i] > SIZE_MAX || !trit_size_mul(count, (size_t)dims[i], &count))
            return fail(c, TRIT_ERROR_LIMIT, "value '%s': element count overflows", v->name);
    }
    if (count > c->limits.max_tensor_elements)
        return fail(c, TRIT_ERROR_LIMIT, "value '%s' has %zu elements, above the limit of %zu", v->name, count,
                    c->limits.max_tensor_elements);
    if (!trit_size_mul(count, onnx_dtype_size(dtype), &bytes))
        return fail(c, TRIT_ERROR_LIMIT, "value '%s': byte size overflows", v->name);
    v->dtype = dtype;
    v->rank = rank;
    for (int i = 0; i < rank; i++) v->dims[i] = dims[i];
    v->count = count;
    v->bytes = bytes;
    return 1;
}

static int same_dims(const tvalue *a, const tvalue *b) {
    if (a->rank != b->rank) return 0;
    for (int i = 0; i < a->rank; i++)
        if (a->dims[i] != b->dims[i]) return 0;
    return 1;
}

static size_t dims_product(const int64_t *dims, int from, int to) {
    size_t p = 1;
    for (int i = from; i < to; i++) p *= (size_t)dims[i]; /* bounded by the element limit already */
    return p;
}

/* ---- ternary weights ------------------------------------------------------------------------- */
#define code_at trit_ternary_value

/* Float values of a recognised ternary weight, computed exactly as the ONNX subgraph does it
 * (Gather of levels, times the scale, planes summed left to right). */
static int materialise_ternary(compiler *c, int id) {
    tvalue *v = &c->values[id];
    ternary_weight *t = &c->ternary[v->ternary];
    float *w = trit_alloc(t->count * sizeof(float));
    if (!w && t->count) return no_memory(c);
    for (size_t k = 0; k < t->count; k++) {
        size_t o = k / t->per_out;
        float sum = 0;
        for (int p = 0; p < t->plane_count; p++) {
            float value = t->levels[p][code_at(t->packed[p], k) + 1];
            if (t->scale[p]) value *= t->scale[p][o];
            sum = p == 0 ? value : sum + value;
        }
        w[k] = sum;
    }
    v->data = w;
    v->kind = VALUE_CONST;
    return 1;
}

static int is_const(compiler *c, int id) { return id < 0 || c->values[id].kind != VALUE_RUNTIME; }

/* Constant data of a value (materialising a ternary weight), or NULL for a runtime value. */
static void *const_data(compiler *c, int id) {
    tvalue *v = &c->values[id];
    if (v->kind == VALUE_TERNARY && !v->data && !materialise_ternary(c, id)) return NULL;
    if (v->kind == VALUE_RUNTIME) return NULL;
    tvalue *root = &c->values[v->root];
    return v->data ? v->data : root->data;
}

/* Read an integer constant (int32 or int64) element. */
static int64_t const_int(const tvalue *v, const void *data, size_t i) {
    return v->dtype == TRIT_INT32 ? ((const int32_t *)data)[i] : ((const int64_t *)data)[i];
}

/* ---- recognising the ternary weight pattern (docs/FORMAT.md) ------------------------------------ */
typedef struct pattern {
    int nodes[64];
    int node_count;
    int inits[64]; /* initializers it reads */
    int init_count;
} pattern;

/* The node producing value `id` if it is a default-domain `op` and the value has no other reader. */
static const onnx_node *sole_producer(compiler *c, int id, const char *op, pattern *p, int need_single) {
    if (id < 0) return NULL;
    tvalue *v = &c->values[id];
    if (v->producer < 0 || (need_single && v->consumers != 1) || v->is_output) return NULL;
    const onnx_node *n = &c->onnx.graph.nodes[v->producer];
    if (strcmp(n->op_type, op) != 0 || (n->domain[0] && strcmp(n->domain, "ai.onnx") != 0)) return NULL;
    if (p->node_count >= 64) return NULL;
    p->nodes[p->node_count++] = v->producer;
    return n;
}

static int input_id(compiler *c, const onnx_node *n, size_t i) {
    if (i >= n->input_count || !n->inputs[i][0]) return -1;
    return find_value(c, n->inputs[i]);
}

/* An initializer input of the given dtype and element count (count 0 = any). */
static const tvalue *pattern_init(compiler *c, const onnx_node *n, size_t i, int dtype, size_t count, pattern *p) {
    int id = input_id(c, n, i);
    if (id < 0 || !c->values[id].from_initializer || c->values[id].dtype != dtype) return NULL;
    if (count && c->values[id].count != count) return NULL;
    if (p->init_count >= 64) return NULL;
    p->inits[p->init_count++] = id;
    return &c->values[id];
}

static int only_attributes(const onnx_node *n, const char *const *names) {
    for (size_t i = 0; i < n->attribute_count; i++) {
        int known = 0;
        for (const char *const *k = names; *k; k++)
            if (strcmp(n->attributes[i].name, *k) == 0) known = 1;
        if (!known) return 0;
    }
    return 1;
}

static int attr_int_is(const onnx_node *n, const char *name, int64_t fallback, int64_t want) {
    const onnx_attribute *a = onnx_find_attribute(n, name);
    if (!a) return fallback == want;
    return a->type == ONNX_ATTR_INT && a->i == want;
}

typedef struct plane_match {
    const tvalue *codes, *levels, *scale, *shape;
    size_t n;
    size_t offset; /* first code of this weight in `codes` (a shared code blob, FORMAT.md) */
} plane_match;

/* W.codes = output k of Split(trit.codes_flat, trit.split, axis=0): the weight's codes are
 * elements [offset, offset + count) of the shared blob, whose decoded length is `total`. */
static int match_split(compiler *c, const onnx_node *n, int id, size_t count, pattern *p, size_t *offset, size_t *total) {
    static const char *const axis[] = {"axis", NULL};
    if (c->onnx.opset < 13 || n->input_count != 2 || !only_attributes(n, axis) || !attr_int_is(n, "axis", 0, 0)) return 0;
    const tvalue *sizes = pattern_init(c, n, 1, TRIT_INT64, n->output_count, p);
    if (!sizes || sizes->rank != 1) return 0;
    const int64_t *size = sizes->data;
    *offset = *total = 0;
    int found = 0;
    for (size_t k = 0; k < n->output_count; k++) {
        if (size[k] < 0 || (uint64_t)size[k] > c->limits.max_tensor_elements) return 0;
        if (!found && strcmp(n->outputs[k], c->values[id].name) == 0) {
            if ((size_t)size[k] != count) return 0;
            *offset = *total;
            found = 1;
        }
        if ((size_t)size[k] > SIZE_MAX - *total) return 0;
        *total += (size_t)size[k];
    }
    return found;
}

static int match_plane(compiler *c, int id, pattern *p, plane_match *out) {
    static const char *const axis[] = {"axis", NULL};
    memset(out, 0, sizeof *out);
    const onnx_node *n = sole_producer(c, id, "Mul", p, 1);
    if (n) {
        if (n->input_count != 2 || n->attribute_count) return 0;
        out->scale = pattern_init(c, n, 1, TRIT_FLOAT32, 0, p);
        if (!out->scale) return 0;
        id = input_id(c, n, 0);
    } /* else: no per-channel scale */
    if (!(n = sole_producer(c, id, "Gather", p, 1)) || n->input_count != 2 || !only_attributes(n, axis) ||
        !attr_int_is(n, "axis", 0, 0))
        return 0;
    if (!(out->levels = pattern_init(c, n, 0, TRIT_FLOAT32, 3, p)) || out->levels->rank != 1) return 0;
    id = input_id(c, n, 1);
    static const char *const allowzero[] = {"allowzero", NULL};
    if (!(n = sole_producer(c, id, "Reshape", p, 1)) || n->input_count != 2 || !only_attributes(n, allowzero) ||
        !attr_int_is(n, "allowzero", 0, 0))
        return 0;
    if (!(out->shape = pattern_init(c, n, 1, TRIT_INT64, 0, p)) || out->shape->rank != 1) return 0;
    const int64_t *shape = out->shape->data;
    if (out->shape->count < 1 || out->shape->count > 4) return 0;
    size_t count = 1;
    for (size_t i = 0; i < out->shape->count; i++) {
        if (shape[i] <= 0 || !trit_size_mul(count, (size_t)shape[i], &count)) return 0;
    }
    if (count > c->limits.max_tensor_elements) return 0;
    out->n = count;
    id = input_id(c, n, 0);
    int sliced = 0, shared = 0;
    size_t total = 0;
    if ((n = sole_producer(c, id, "Split", p, 1))) {
        if (!match_split(c, n, id, count, p, &out->offset, &total)) return 0;
        shared = 1; /* the blob's decode chain below feeds every weight of the Split */
    } else if ((n = sole_producer(c, id, "Slice", p, 1))) {
        if (n->input_count != 3 || n->attribute_count) return 0;
        const tvalue *zero = pattern_init(c, n, 1, TRIT_INT64, 1, p), *end = pattern_init(c, n, 2, TRIT_INT64, 1, p);
        if (!zero || !end || ((int64_t *)zero->data)[0] != 0 || ((int64_t *)end->data)[0] != (int64_t)count) return 0;
    }
    if (n) {
        id = input_id(c, n, 0);
        if (!(n = sole_producer(c, id, "Reshape", p, !shared)) || n->input_count != 2 || !only_attributes(n, allowzero) ||
            !attr_int_is(n, "allowzero", 0, 0))
            return 0;
        const tvalue *flat = pattern_init(c, n, 1, TRIT_INT64, 1, p);
        if (!flat || ((int64_t *)flat->data)[0] != -1) return 0;
        id = input_id(c, n, 0);
        sliced = 1;
    }
    /* base-3 digits: Mod(Div(Cast(Unsqueeze(codes), INT32), powers), three) */
    static const char *const fmod_attr[] = {"fmod", NULL};
    if (!(n = sole_producer(c, id, "Mod", p, !shared)) || n->input_count != 2 || !only_attributes(n, fmod_attr) ||
        !attr_int_is(n, "fmod", 0, 0))
        return 0;
    const tvalue *three = pattern_init(c, n, 1, TRIT_INT32, 1, p);
    if (!three || ((int32_t *)three->data)[0] != 3) return 0;
    id = input_id(c, n, 0);
    if (!(n = sole_producer(c, id, "Div", p, !shared)) || n->input_count != 2 || n->attribute_count) return 0;
    const tvalue *powers = pattern_init(c, n, 1, TRIT_INT32, 5, p);
    if (!powers || powers->rank != 2 || powers->dims[0] != 1) return 0;
    for (int i = 0, power = 1; i < 5; i++, power *= 3)
        if (((int32_t *)powers->data)[i] != power) return 0;
    id = input_id(c, n, 0);
    static const char *const to[] = {"to", NULL};
    if (!(n = sole_producer(c, id, "Cast", p, !shared)) || n->input_count != 1 || !only_attributes(n, to) ||
        !attr_int_is(n, "to", -1, TRIT_INT32))
        return 0;
    id = input_id(c, n, 0);
    static const char *const axes_attr[] = {"axes", NULL};
    if (!(n = sole_producer(c, id, "Unsqueeze", p, !shared)) || !only_attributes(n, axes_attr)) return 0;
    if (n->input_count == 2) {
        const tvalue *axes = pattern_init(c, n, 1, TRIT_INT64, 1, p);
        if (!axes || ((int64_t *)axes->data)[0] != 1 || onnx_find_attribute(n, "axes")) return 0;
    } else {
        const onnx_attribute *a = onnx_find_attribute(n, "axes");
        if (n->input_count != 1 || !a || a->type != ONNX_ATTR_INTS || a->int_count != 1 || a->ints[0] != 1) return 0;
    }
    if (!(out->codes = pattern_init(c, n, 0, TRIT_UINT8, 0, p)) || out->codes->rank != 1) return 0;
    size_t packed = count / 5 + (count % 5 != 0);
    if (shared) /* the sizes cover the blob exactly, so this weight's codes lie inside it */
        return total / 5 == out->codes->count && total % 5 == 0;
    if (out->codes->count != packed) return 0;
    if (!sliced && count % 5) return 0;
    return 1;
}

/* Match W = plane | Add(W', plane) (left-nested, at most TRIT_MAX_PLANES planes). */
static int match_planes(compiler *c, int id, pattern *p, plane_match *planes, int *plane_count) {
    const onnx_node *n = sole_producer(c, id, "Add", p, 1);
    if (n) {
        if (n->input_count != 2 || n->attribute_count) return 0;
        if (!match_planes(c, input_id(c, n, 0), p, planes, plane_count)) return 0;
        if (*plane_count >= TRIT_MAX_PLANES) return 0;
        return match_plane(c, input_id(c, n, 1), p, &planes[(*plane_count)++]);
    }
    if (*plane_count >= TRIT_MAX_PLANES) return 0;
    return match_plane(c, id, p, &planes[(*plane_count)++]);
}

/* Try to recognise value `id` (a Conv/Gemm weight) as a ternary weight. Returns 0 when it is
 * not one (it is then folded to float like any constant subgraph), -1 on a hard error. */
static int recognise_ternary(compiler *c, int id) {
    tvalue *w = &c->values[id];
    if (w->producer < 0 || w->is_output || w->kind != VALUE_RUNTIME) return 0;
    /* every reader must be a Conv or Gemm weight slot */
    const onnx_graph *g = &c->onnx.graph;
    for (size_t i = 0; i < g->node_count; i++) {
        const onnx_node *n = &g->nodes[i];
        for (size_t k = 0; k < n->input_count; k++) {
            if (strcmp(n->inputs[k], w->name) != 0) continue;
            if (k != 1 || !(strcmp(n->op_type, "Conv") == 0 || strcmp(n->op_type, "Gemm") == 0)) return 0;
        }
    }
    pattern p;
    memset(&p, 0, sizeof p);
    plane_match planes[TRIT_MAX_PLANES];
    int plane_count = 0;
    /* the weight itself may have several readers: match its producer without the single-reader rule */
    tvalue saved = *w;
    w->consumers = 1;
    int ok = match_planes(c, id, &p, planes, &plane_count);
    c->values[id].consumers = saved.consumers;
    if (!ok) return 0;
    w = &c->values[id];
    const plane_match *first = &planes[0];
    int rank = (int)first->shape->count;
    const int64_t *dims = first->shape->data;
    if (rank != 4 && rank != 2) return 0;
    for (int pl = 0; pl < plane_count; pl++) {
        if (planes[pl].n != first->n || planes[pl].shape->count != (size_t)rank ||
            memcmp(planes[pl].shape->data, dims, (size_t)rank * sizeof(int64_t)) != 0)
            return 0;
        const float *levels = planes[pl].levels->data;
        if (levels[1] != 0.0f) return 0; /* the kernels assume code 1 means zero */
        const tvalue *s = planes[pl].scale;
        if (s) {
            if (s->rank != rank || s->dims[0] != dims[0]) return 0;
            for (int d = 1; d < rank; d++)
                if (s->dims[d] != 1) return 0;
        }
    }
    /* accepted: copy what the model keeps, check every code */
    if (c->ternary_count == c->ternary_capacity) {
        size_t capacity = c->ternary_capacity ? c->ternary_capacity * 2 : 16;
        ternary_weight *grown = trit_realloc(c->ternary, capacity * sizeof(ternary_weight));
        if (!grown) return no_memory(c), -1;
        c->ternary = grown;
        c->ternary_capacity = capacity;
    }
    ternary_weight *t = &c->ternary[c->ternary_count];
    memset(t, 0, sizeof *t);
    t->value = id;
    t->name = w->name;
    t->rank = rank;
    for (int d = 0; d < rank; d++) t->dims[d] = dims[d];
    t->count = first->n;
    t->out_channels = (int)dims[0];
    t->per_out = t->count / (size_t)dims[0];
    t->plane_count = plane_count;
    for (int pl = 0; pl < plane_count; pl++) {
        const plane_match *pm = &planes[pl];
        size_t packed_bytes = (t->count + 4) / 5;
        t->packed[pl] = trit_pool_alloc(&c->m->pool, packed_bytes);
        if (!t->packed[pl]) return no_memory(c), -1;
        const uint8_t *source = pm->codes->data;
        for (size_t j = pm->offset / 5; j <= (pm->offset + t->count - 1) / 5; j++)
            if (source[j] > 242)
                return fail(c, TRIT_ERROR_FORMAT, "ternary weight '%s': code byte %zu of plane %d is %u (above 242)", w->name,
                            j, pl, source[j]), -1;
        /* repacked from the weight's first code, padded with zeros (code 1): a blob's weights need not
         * start on a byte */
        static const uint8_t powers[5] = {1, 3, 9, 27, 81};
        memset(t->packed[pl], 0, packed_bytes);
        for (size_t k = 0; k < 5 * packed_bytes; k++) {
            int code = k < t->count ? code_at(source, pm->offset + k) + 1 : 1;
            t->packed[pl][k / 5] = (uint8_t)(t->packed[pl][k / 5] + code * powers[k % 5]);
        }
        memcpy(t->levels[pl], pm->levels->data, 3 * sizeof(float));
        t->file_bytes += packed_bytes + pm->levels->bytes;
        if (pm->scale) {
            t->scale[pl] = trit_pool_array(&c->m->pool, (size_t)dims[0], sizeof(float));
            if (!t->scale[pl]) return no_memory(c), -1;
            memcpy(t->scale[pl], pm->scale->data, (size_t)dims[0] * sizeof(float));
            t->file_bytes += pm->scale->bytes;
        }
        for (size_t k = 0; k < t->count; k++) {
            int code = code_at(t->packed[pl], k) + 1;
            if (code == 1) t->zeros++;
            else if (code == 2) t->positive++;
            else t->negative++;
        }
    }
    for (size_t k = 0; k < t->count; k++) {
        int all_zero = 1;
        for (int pl = 0; pl < plane_count; pl++)
            if (code_at(t->packed[pl], k) != 0) all_zero = 0;
        t->zero_weights += (size_t)all_zero;
    }
    c->ternary_count++;
    for (int i = 0; i < p.node_count; i++) c->skip[p.nodes[i]] = 1;
    for (int i = 0; i < p.init_count; i++) c->values[p.inits[i]].in_pattern = 1;
    w->kind = VALUE_TERNARY;
    w->ternary = (int)(t - c->ternary);
    w->producer = -1;
    int64_t shape[TRIT_MAX_RANK];
    for (int d = 0; d < rank; d++) shape[d] = dims[d];
    if (!set_shape(c, id, TRIT_FLOAT32, rank, shape)) return -1;
    return 1;
}

/* ---- attributes ------------------------------------------------------------------------------- */
/* Refuse any attribute the op handler does not know: ignoring one could change the result. */
static int check_attributes(compiler *c, const onnx_node *n, const char *const *known) {
    for (size_t i = 0; i < n->attribute_count; i++) {
        const onnx_attribute *a = &n->attributes[i];
        int ok = 0;
        for (const char *const *k = known; *k; k++)
            if (strcmp(a->name, *k) == 0) ok = 1;
        if (!ok) return node_fail(c, n, TRIT_ERROR_UNSUPPORTED, "attribute '%s' is not supported", a->name);
        if (a->has_ref) return node_fail(c, n, TRIT_ERROR_UNSUPPORTED, "attribute '%s' refers to a function attribute", a->name);
    }
    return 1;
}

static int attr_int(compiler *c, const onnx_node *n, const char *name, int64_t fallback, int64_t *out) {
    *out = fallback;
    const onnx_attribute *a = onnx_find_attribute(n, name);
    if (!a) {
        *out = fallback;
        return 1;
    }
    if (a->type != ONNX_ATTR_INT) return node_fail(c, n, TRIT_ERROR_FORMAT, "attribute '%s' must be an int", name);
    *out = a->i;
    return 1;
}

static int attr_float(compiler *c, const onnx_node *n, const char *name, float fallback, float *out) {
    *out = fallback;
    const onnx_attribute *a = onnx_find_attribute(n, name);
    if (!a) {
        *out = fallback;
        return 1;
    }
    if (a->type != ONNX_ATTR_FLOAT) return node_fail(c, n, TRIT_ERROR_FORMAT, "attribute '%s' must be a float", name);
    *out = a->f;
    return 1;
}

/* ints attribute; *count = (size_t)-1 when absent */
static int attr_ints(compiler *c, const onnx_node *n, const char *name, const int64_t **out, size_t *count) {
    const onnx_attribute *a = onnx_find_attribute(n, name);
    *out = NULL;
    *count = (size_t)-1;
    if (!a) return 1;
    if (a->type != ONNX_ATTR_INTS) return node_fail(c, n, TRIT_ERROR_FORMAT, "attribute '%s' must be a list of ints", name);
    *out = a->ints;
    *count = a->int_count;
    return 1;
}

static int attr_string(compiler *c, const onnx_node *n, const char *name, const char *fallback, const char **out) {
    *out = fallback;
    const onnx_attribute *a = onnx_find_attribute(n, name);
    if (!a) {
        *out = fallback;
        return 1;
    }
    if (a->type != ONNX_ATTR_STRING || !a->s) return node_fail(c, n, TRIT_ERROR_FORMAT, "attribute '%s' must be a string", name);
    *out = a->s;
    return 1;
}

/* ---- steps ------------------------------------------------------------------------------------ */
static step *new_step(compiler *c, step_kind kind, int node_index) {
    if (c->step_count == c->step_capacity) {
        size_t capacity = c->step_capacity ? c->step_capacity * 2 : 64;
        step *grown = trit_realloc(c->steps, capacity * sizeof(step));
        if (!grown) return no_memory(c), NULL;
        c->steps = grown;
        c->step_capacity = capacity;
    }
    step *s = &c->steps[c->step_count];
    memset(s, 0, sizeof *s);
    s->kind = kind;
    s->node = node_index;
    /* A copy in the model's pool: run-time messages name the step after the decoded file is freed. */
    const char *label = node_index >= 0 ? node_label(&c->onnx.graph.nodes[node_index]) : "";
    if (!(s->name = trit_pool_strndup(&c->m->pool, label, strlen(label)))) return no_memory(c), NULL;
    for (int i = 0; i < STEP_MAX_INPUTS; i++) s->in[i] = -1;
    s->out = -1;
    s->residual = -1;
    s->clamp_min = -INFINITY;
    s->clamp_max = INFINITY;
    return s;
}

/* The step just created either runs now (every input constant: fold) or stays in the list. */
static int finish_step(compiler *c, step *s) {
    int all_const = is_const(c, s->residual);
    for (int i = 0; i < STEP_MAX_INPUTS; i++) all_const = all_const && is_const(c, s->in[i]);
    if (s->kind == STEP_CONCAT)
        for (int i = 0; i < s->u.concat.count; i++) all_const = all_const && is_const(c, s->u.concat.inputs[i]);
    if (s->kind == STEP_TCONV) all_const = 0; /* fold only float conv; a constant-input tconv is absurd */
    tvalue *out = &c->values[s->out];
    if (!all_const) {
        out->step = (int)c->step_count;
        c->step_count++;
        return 1;
    }
    /* materialise every input (ternary weights read as float) then run the step on constants */
    for (int i = 0; i < STEP_MAX_INPUTS; i++)
        if (s->in[i] >= 0 && !const_data(c, s->in[i])) {
            if (c->status) return 0;
        }
    void *data = out->bytes ? trit_alloc(out->bytes) : NULL;
    void *scratch = s->scratch_bytes ? trit_alloc(s->scratch_bytes) : NULL;
    if ((out->bytes && !data) || (s->scratch_bytes && !scratch)) {
        trit_free(data);
        trit_free(scratch);
        return no_memory(c);
    }
    out = &c->values[s->out];
    out->data = data;
    out->kind = VALUE_CONST;
    char message[256] = "";
    trit_status st = trit_exec_step(s, c->values, NULL, scratch, message, sizeof message);
    trit_free(scratch);
    if (st != TRIT_OK) return fail(c, st == TRIT_ERROR_ARGUMENT ? TRIT_ERROR_FORMAT : st, "%s", message); /* folded values come from the file */
    return 1; /* the step is not kept: step_count unchanged */
}

/* Output value `out` shares the bytes of `in` (Identity, Reshape, Flatten, ...). */
static int alias_value(compiler *c, int out, int in) {
    tvalue *vi = &c->values[in];
    if (vi->kind != VALUE_RUNTIME) {
        void *src = const_data(c, in);
        if (!src && c->values[in].bytes) return c->status ? 0 : no_memory(c);
        tvalue *vo = &c->values[out];
        if (vo->bytes) {
            if (!(vo->data = trit_alloc(vo->bytes))) return no_memory(c);
            memcpy(vo->data, src, vo->bytes);
        }
        vo->kind = VALUE_CONST;
        return 1;
    }
    c->values[out].root = vi->root;
    c->values[out].step = -1;
    return 1;
}

static int require_dtype(compiler *c, const onnx_node *n, int id, int dtype, const char *what) {
    if (c->values[id].dtype != dtype)
        return node_fail(c, n, TRIT_ERROR_UNSUPPORTED, "%s has type %s, only %s is supported", what,
                         onnx_dtype_name(c->values[id].dtype), onnx_dtype_name(dtype));
    return 1;
}

static int normalise_axis(compiler *c, const onnx_node *n, int64_t axis, int rank, int inclusive_end, int64_t *out) {
    *out = 0;
    /* Flatten's axis may equal rank (inclusive_end); negative axes count from rank either way */
    if (axis < -(int64_t)rank || axis >= rank + (inclusive_end ? 1 : 0))
        return node_fail(c, n, TRIT_ERROR_SHAPE, "axis %lld is out of range for rank %d", (long long)axis, rank);
    *out = axis < 0 ? axis + rank : axis;
    return 1;
}

/* Can the step that writes `id` take an epilogue (Relu/Clip/residual Add) in place of the node reading it? */
static step *fusable_producer(compiler *c, int id) {
    if (id < 0) return NULL;
    tvalue *v = &c->values[id];
    if (v->kind != VALUE_RUNTIME || v->root != id || v->step < 0 || v->consumers != 1 || v->is_output) return NULL;
    step *s = &c->steps[v->step];
    if (s->dead || s->out != id) return NULL;
    if (s->kind != STEP_CONV && s->kind != STEP_TCONV && s->kind != STEP_GEMM) return NULL;
    if (v->dtype != TRIT_FLOAT32) return NULL;
    return s;
}

/* Move a producer step so that it writes `out` instead, at the end of the list (a residual
 * it now reads may be computed after its old position). */
static int retarget_step(compiler *c, step *s, int out) {
    size_t old = (size_t)(s - c->steps);
    step copy = *s;
    c->steps[old].dead = 1;
    c->values[copy.out].step = -1;
    step *moved = new_step(c, copy.kind, copy.node);
    if (!moved) return 0;
    *moved = copy;
    moved->out = out;
    c->values[out].step = (int)c->step_count;
    c->step_count++;
    return 1;
}

/* ---- shape helpers for conv and pooling ------------------------------------------------------- */
typedef struct window {
    int64_t kernel[2], strides[2], dilations[2], pads[4]; /* pads: top, left, bottom, right */
    int64_t out[2];
} window;

/* kernel_shape/strides/dilations/pads/auto_pad/ceil_mode → output size and begin/end pads.
 * spatial = 1 (1-D pooling, viewed as H = 1): in_hw, kernel_hw and the attributes describe W only. */
static int window_geometry(compiler *c, const onnx_node *n, const int64_t *in_hw, const int64_t *kernel_hw, int ceil_mode,
                           int spatial, window *w) {
    const int64_t *strides, *dilations, *pads;
    size_t ns, nd, np;
    const char *auto_pad;
    if (!attr_ints(c, n, "strides", &strides, &ns) || !attr_ints(c, n, "dilations", &dilations, &nd) ||
        !attr_ints(c, n, "pads", &pads, &np) || !attr_string(c, n, "auto_pad", "NOTSET", &auto_pad))
        return 0;
    size_t sp = (size_t)spatial;
    if ((ns != (size_t)-1 && ns != sp) || (nd != (size_t)-1 && nd != sp) || (np != (size_t)-1 && np != 2 * sp))
        return node_fail(c, n, TRIT_ERROR_SHAPE, "strides, dilations and pads must have %zu, %zu and %zu entries", sp, sp, 2 * sp);
    int64_t pads4[4] = {0, 0, 0, 0}, one_hw[2] = {1, in_hw[0]}, one_k[2] = {1, kernel_hw[0]};
    if (spatial == 1) { /* H is a unit dimension: kernel 1, stride 1, no padding */
        if (pads) pads4[1] = pads[0], pads4[3] = pads[1], pads = pads4;
        in_hw = one_hw;
        kernel_hw = one_k;
    }
    for (int i = 0; i < 2; i++) {
        int attr = spatial == 1 ? i - 1 : i; /* -1: the unit H dimension */
        w->kernel[i] = kernel_hw[i];
        w->strides[i] = strides && attr >= 0 ? strides[attr] : 1;
        w->dilations[i] = dilations && attr >= 0 ? dilations[attr] : 1;
        if (w->strides[i] < 1 || w->dilations[i] < 1 || w->kernel[i] < 1)
            return node_fail(c, n, TRIT_ERROR_SHAPE, "kernel, strides and dilations must be positive");
        if (w->kernel[i] > c->limits.max_spatial || w->strides[i] > c->limits.max_spatial ||
            w->dilations[i] > c->limits.max_spatial)
            return node_fail(c, n, TRIT_ERROR_LIMIT, "kernel, stride or dilation above the spatial limit %d",
                             c->limits.max_spatial);
    }
    for (int i = 0; i < 4; i++) {
        w->pads[i] = pads ? pads[i] : 0;
        if (w->pads[i] < 0 || w->pads[i] > c->limits.max_spatial)
            return node_fail(c, n, TRIT_ERROR_SHAPE, "pads must be between 0 and %d", c->limits.max_spatial);
    }
    int same = strcmp(auto_pad, "SAME_UPPER") == 0 || strcmp(auto_pad, "SAME_LOWER") == 0;
    if (!same && strcmp(auto_pad, "NOTSET") != 0 && strcmp(auto_pad, "VALID") != 0)
        return node_fail(c, n, TRIT_ERROR_UNSUPPORTED, "auto_pad '%s' is not supported", auto_pad);
    if (strcmp(auto_pad, "NOTSET") != 0 && pads)
        for (int i = 0; i < 4; i++) w->pads[i] = 0; /* explicit pads only count with NOTSET */
    for (int i = 0; i < 2; i++) {
        int64_t effective = (w->kernel[i] - 1) * w->dilations[i] + 1;
        if (same) {
            int64_t out = (in_hw[i] + w->strides[i] - 1) / w->strides[i];
            int64_t total = (out - 1) * w->strides[i] + effective - in_hw[i];
            if (total < 0) total = 0;
            int64_t small = total / 2, large = total - small;
            int upper = strcmp(auto_pad, "SAME_UPPER") == 0;
            w->pads[i] = upper ? small : large;
            w->pads[i + 2] = upper ? large : small;
            w->out[i] = out;
        } else {
            int64_t span = in_hw[i] + w->pads[i] + w->pads[i + 2] - effective;
            if (span < 0)
                return node_fail(c, n, TRIT_ERROR_SHAPE, "the window (%lld) is larger than the padded input (%lld)",
                                 (long long)effective, (long long)(in_hw[i] + w->pads[i] + w->pads[i + 2]));
            int64_t out = ceil_mode ? (span + w->strides[i] - 1) / w->strides[i] + 1 : span / w->strides[i] + 1;
            /* ceil_mode: the last window must start inside the input or its begin padding */
            if (ceil_mode && (out - 1) * w->strides[i] >= in_hw[i] + w->pads[i]) out--;
            w->out[i] = out;
        }
    }
    return 1;
}

static int fill_conv_shape(compiler *c, const onnx_node *n, const tvalue *x, int64_t out_channels, const window *w,
                           int64_t group, trit_conv_shape *s) {
    /* one row high (a 1-D signal): the width may use the whole square budget, max_spatial^2 */
    int64_t limit_w = x->dims[2] == 1 ? (int64_t)c->limits.max_spatial * c->limits.max_spatial : c->limits.max_spatial;
    for (int i = 2; i < 4; i++)
        if (x->dims[i] > (i == 3 ? limit_w : c->limits.max_spatial))
            return node_fail(c, n, TRIT_ERROR_LIMIT, "spatial size %lld is above the limit %lld", (long long)x->dims[i],
                             (long long)(i == 3 ? limit_w : c->limits.max_spatial));
    if (x->dims[0] > INT_MAX || x->dims[1] > INT_MAX || out_channels > INT_MAX)
        return node_fail(c, n, TRIT_ERROR_LIMIT, "too many channels");
    /* kernels index with int: the furthest tap of the last window must fit */
    for (int i = 0; i < 2; i++) {
        int64_t reach = (w->out[i] - 1) * w->strides[i] + (w->kernel[i] - 1) * w->dilations[i] + x->dims[2 + i] + w->pads[i];
        if (w->out[i] > INT_MAX || reach > INT_MAX / 2)
            return node_fail(c, n, TRIT_ERROR_LIMIT, "window geometry too large for the kernels");
    }
    s->batch = (int)x->dims[0];
    s->in_channels = (int)x->dims[1];
    s->in_h = (int)x->dims[2];
    s->in_w = (int)x->dims[3];
    s->out_channels = (int)out_channels;
    s->out_h = (int)w->out[0];
    s->out_w = (int)w->out[1];
    s->kernel_h = (int)w->kernel[0];
    s->kernel_w = (int)w->kernel[1];
    s->stride_h = (int)w->strides[0];
    s->stride_w = (int)w->strides[1];
    s->dilation_h = (int)w->dilations[0];
    s->dilation_w = (int)w->dilations[1];
    s->pad_top = (int)w->pads[0];
    s->pad_left = (int)w->pads[1];
    s->group = (int)group;
    return 1;
}

/* Per-plane, per-channel scales of a ternary step: +pos for code +1, -neg for code -1. */
static int init_tconv_scales(compiler *c, step *s, float alpha) {
    const ternary_weight *t = &c->ternary[s->u.tconv.ternary];
    for (int p = 0; p < t->plane_count; p++) {
        float *pos = trit_pool_array(&c->m->pool, (size_t)t->out_channels, sizeof(float));
        float *neg = trit_pool_array(&c->m->pool, (size_t)t->out_channels, sizeof(float));
        if (!pos || !neg) return no_memory(c);
        for (int o = 0; o < t->out_channels; o++) {
            float channel = t->scale[p] ? t->scale[p][o] : 1.0f;
            pos[o] = t->levels[p][2] * channel * alpha;
            neg[o] = -t->levels[p][0] * channel * alpha;
        }
        s->u.tconv.pos[p] = pos;
        s->u.tconv.neg[p] = neg;
    }
    return 1;
}

/* A (De)QuantizeLinear step with 8-bit values (int8 or uint8), a constant per-tensor scale (> 0,
 * finite) and an absent or zero zero point: 1, else 0. */
static int act8_tensor_scale(compiler *c, const step *q, float *scale) {
    const int type = q->u.dequantize.x_type;
    if ((type != TRIT_INT8 && type != TRIT_UINT8) || q->u.dequantize.axis_size != 1 || !is_const(c, q->in[1])) return 0;
    if (q->in[2] >= 0 && !is_const(c, q->in[2])) return 0;
    const float *sp = const_data(c, q->in[1]);
    const unsigned char *zp = q->in[2] >= 0 ? const_data(c, q->in[2]) : NULL;
    if (!sp || (q->in[2] >= 0 && !zp) || (zp && zp[0] != 0)) return 0;
    *scale = sp[0];
    return *scale > 0.0f && *scale <= 3.0e38f;
}

/* A ternary conv reading DequantizeLinear(QuantizeLinear(x, s, 0), s, 0) -- int8 or uint8, one
 * scale per tensor, as export.py writes for models with 8-bit activations -- reads x and quantizes it
 * inside its kernel (the tconv_i8 family, docs/KERNELS.md): the same numbers, no 8-bit tensor in the
 * arena.
 * The pair's steps die when nothing else reads their outputs. */
static int absorb_activation_quantization(compiler *c, step *s) {
    const int dq_out = s->in[0];
    tvalue *vd = &c->values[dq_out];
    if (vd->kind != VALUE_RUNTIME || vd->root != dq_out || vd->step < 0) return 1;
    step *dq = &c->steps[vd->step];
    float dq_scale, q_scale;
    if (dq->dead || dq->kind != STEP_DEQUANTIZE || dq->out != dq_out || !act8_tensor_scale(c, dq, &dq_scale)) return 1;
    const int q_out = dq->in[0];
    tvalue *vq = &c->values[q_out];
    if (vq->kind != VALUE_RUNTIME || vq->root != q_out || vq->step < 0) return 1;
    step *q = &c->steps[vq->step];
    if (q->dead || q->kind != STEP_QUANTIZE || q->out != q_out || !act8_tensor_scale(c, q, &q_scale)) return 1;
    if (q_scale != dq_scale || q->u.dequantize.x_type != dq->u.dequantize.x_type || c->status) return 1;
    const int x = q->in[0];
    s->in[0] = x;
    s->u.tconv.act_scale = q_scale;
    s->u.tconv.act_unsigned = q->u.dequantize.x_type == TRIT_UINT8;
    c->values[x].consumers++;
    if (--vd->consumers == 0 && !vd->is_output) {
        dq->dead = 1;
        vd->step = -1;
        if (--vq->consumers == 0 && !vq->is_output) {
            q->dead = 1;
            vq->step = -1;
            c->values[x].consumers--;
        }
    }
    return 1;
}

/* ---- op handlers ------------------------------------------------------------------------------ */
#define IN(i) input_id(c, n, (i))
#define OUT0 (find_value(c, n->outputs[0]))

static int op_conv(compiler *c, int ni, const onnx_node *n) {
    static const char *const known[] = {"auto_pad", "dilations", "group", "kernel_shape", "pads", "strides", NULL};
    if (!check_attributes(c, n, known)) return 0;
    int x = IN(0), w = IN(1), b = IN(2), y = OUT0;
    if (x < 0 || w < 0) return node_fail(c, n, TRIT_ERROR_FORMAT, "needs inputs X and W");
    tvalue *vx = &c->values[x], *vw = &c->values[w];
    if (!require_dtype(c, n, x, TRIT_FLOAT32, "X") || !require_dtype(c, n, w, TRIT_FLOAT32, "W")) return 0;
    if (vx->rank != 4 || vw->rank != 4)
        return node_fail(c, n, TRIT_ERROR_UNSUPPORTED, "only 2-D convolution (rank-4 X and W) is supported, X has rank %d", vx->rank);
    int64_t group;
    if (!attr_int(c, n, "group", 1, &group)) return 0;
    int64_t cin = vx->dims[1], cout = vw->dims[0];
    if (group < 1 || cin % group != 0)
        return node_fail(c, n, TRIT_ERROR_SHAPE, "group %lld does not divide %lld input channels", (long long)group, (long long)cin);
    if (vw->dims[1] * group != cin)
        return node_fail(c, n, TRIT_ERROR_SHAPE, "W has %lld input channels per group, X has %lld channels in %lld groups",
                         (long long)vw->dims[1], (long long)cin, (long long)group);
    if (cout % group != 0)
        return node_fail(c, n, TRIT_ERROR_SHAPE, "group %lld does not divide %lld output channels", (long long)group, (long long)cout);
    const int64_t *kernel_shape;
    size_t nk;
    if (!attr_ints(c, n, "kernel_shape", &kernel_shape, &nk)) return 0;
    if (kernel_shape && (nk != 2 || kernel_shape[0] != vw->dims[2] || kernel_shape[1] != vw->dims[3]))
        return node_fail(c, n, TRIT_ERROR_SHAPE, "kernel_shape does not match W");
    if (b >= 0) {
        if (!require_dtype(c, n, b, TRIT_FLOAT32, "B")) return 0;
        if (c->values[b].rank != 1 || c->values[b].dims[0] != cout)
            return node_fail(c, n, TRIT_ERROR_SHAPE, "bias B must have shape [%lld]", (long long)cout);
    }
    window win;
    if (!window_geometry(c, n, &vx->dims[2], &vw->dims[2], 0, 2, &win)) return 0;
    if (win.out[0] < 1 || win.out[1] < 1) return node_fail(c, n, TRIT_ERROR_SHAPE, "output would be empty");
    int64_t out_dims[4] = {vx->dims[0], cout, win.out[0], win.out[1]};
    if (!set_shape(c, y, TRIT_FLOAT32, 4, out_dims)) return 0;
    vw = &c->values[w];
    step *s = new_step(c, vw->kind == VALUE_TERNARY && !vw->data ? STEP_TCONV : STEP_CONV, ni);
    if (!s) return 0;
    if (!fill_conv_shape(c, n, &c->values[x], cout, &win, group, &s->u.conv.shape)) return 0;
    s->in[0] = x;
    s->in[1] = w;
    s->in[2] = b;
    s->out = y;
    if (s->kind == STEP_TCONV) {
        s->u.tconv.ternary = vw->ternary;
        if (!init_tconv_scales(c, s, 1.0f)) return 0;
        s->in[1] = -1; /* the packed weights replace W */
        if (b >= 0 && !is_const(c, b)) return node_fail(c, n, TRIT_ERROR_UNSUPPORTED, "a ternary conv needs a constant bias");
        if (!absorb_activation_quantization(c, s)) return 0;
    } else if (vw->kind == VALUE_TERNARY && !const_data(c, w)) {
        return 0;
    }
    return finish_step(c, s);
}

/* Per-channel scale/shift of an inference BatchNormalization. */
static int batchnorm_affine(compiler *c, const onnx_node *n, int channels, float epsilon, float **scale, float **shift) {
    const float *gamma = const_data(c, IN(1)), *beta = const_data(c, IN(2)), *mean = const_data(c, IN(3)),
                *var = const_data(c, IN(4));
    *scale = trit_alloc((size_t)channels * sizeof(float) + 1);
    *shift = trit_alloc((size_t)channels * sizeof(float) + 1);
    if (!*scale || !*shift) {
        trit_free(*scale);
        trit_free(*shift);
        return no_memory(c);
    }
    (void)n;
    for (int i = 0; i < channels; i++) {
        (*scale)[i] = gamma[i] / sqrtf(var[i] + epsilon);
        (*shift)[i] = beta[i] - mean[i] * (*scale)[i];
    }
    return 1;
}

static int new_const(compiler *c, int dtype, int rank, const int64_t *dims, void *data) {
    int id = new_value(c, "");
    if (id < 0) {
        trit_free(data);
        return -1;
    }
    if (!set_shape(c, id, dtype, rank, dims)) {
        trit_free(data);
        return -1;
    }
    c->values[id].kind = VALUE_CONST;
    c->values[id].data = data;
    return id;
}

static int op_batchnorm(compiler *c, int ni, const onnx_node *n) {
    static const char *const known[] = {"epsilon", "momentum", "spatial", "training_mode", NULL};
    static const char *const known_v6[] = {"epsilon", "is_test", "momentum", "spatial", NULL}; /* opset 6 */
    if (!check_attributes(c, n, c->onnx.opset < 7 ? known_v6 : known)) return 0;
    int64_t training, spatial, is_test;
    float epsilon;
    if (!attr_int(c, n, "training_mode", 0, &training) || !attr_int(c, n, "spatial", 1, &spatial) ||
        !attr_int(c, n, "is_test", 0, &is_test) || !attr_float(c, n, "epsilon", 1e-5f, &epsilon))
        return 0;
    if (training) return node_fail(c, n, TRIT_ERROR_UNSUPPORTED, "training_mode=1 is not supported (inference only)");
    if (c->onnx.opset < 7 && !is_test)
        return node_fail(c, n, TRIT_ERROR_UNSUPPORTED, "is_test=0 (training) is not supported (inference only)");
    if (spatial != 1) return node_fail(c, n, TRIT_ERROR_UNSUPPORTED, "spatial=0 is not supported");
    for (size_t i = 1; i < n->output_count; i++)
        if (n->outputs[i][0]) {
            int extra = find_value(c, n->outputs[i]);
            if (extra >= 0 && c->values[extra].consumers)
                return node_fail(c, n, TRIT_ERROR_UNSUPPORTED, "training outputs (running mean/var) are not supported");
        }
    int x = IN(0), y = OUT0;
    if (x < 0 || n->input_count != 5) return node_fail(c, n, TRIT_ERROR_FORMAT, "needs 5 inputs");
    if (!require_dtype(c, n, x, TRIT_FLOAT32, "X")) return 0;
    tvalue *vx = &c->values[x];
    if (vx->rank < 2) return node_fail(c, n, TRIT_ERROR_SHAPE, "X must have rank >= 2");
    int64_t channels = vx->dims[1];
    if (channels > INT_MAX || vx->dims[0] > INT_MAX) return node_fail(c, n, TRIT_ERROR_LIMIT, "too many channels");
    int all_const = 1;
    for (int i = 1; i < 5; i++) {
        int p = IN(i);
        if (p < 0) return node_fail(c, n, TRIT_ERROR_FORMAT, "needs 5 inputs");
        if (!require_dtype(c, n, p, TRIT_FLOAT32, "a parameter")) return 0;
        if (c->values[p].rank != 1 || c->values[p].dims[0] != channels)
            return node_fail(c, n, TRIT_ERROR_SHAPE, "parameters must have shape [%lld]", (long long)channels);
        all_const = all_const && is_const(c, p);
    }
    if (!set_shape(c, y, TRIT_FLOAT32, vx->rank, vx->dims)) return 0;
    vx = &c->values[x];
    step *conv = all_const ? fusable_producer(c, x) : NULL;
    if (conv && (conv->kind == STEP_GEMM || conv->residual >= 0 || conv->clamp_min != -INFINITY ||
                 conv->clamp_max != INFINITY || (conv->kind == STEP_CONV && !is_const(c, conv->in[1])) ||
                 (conv->in[2] >= 0 && !is_const(c, conv->in[2]))))
        conv = NULL;
    if (conv) {
        /* fold into the conv: w' = w * s per output channel, b' = b * s + shift */
        float *scale, *shift;
        if (!batchnorm_affine(c, n, (int)channels, epsilon, &scale, &shift)) return 0;
        size_t conv_index = (size_t)(conv - c->steps);
        const float *bias = conv->in[2] >= 0 ? const_data(c, conv->in[2]) : NULL;
        for (int o = 0; o < channels; o++) shift[o] += (bias ? bias[o] : 0.0f) * scale[o];
        int64_t bias_dims[1] = {channels};
        int bias_id = new_const(c, TRIT_FLOAT32, 1, bias_dims, shift);
        if (bias_id < 0) {
            trit_free(scale);
            return 0;
        }
        conv = &c->steps[conv_index];
        if (conv->kind == STEP_CONV) {
            int w = conv->in[1];
            const float *wd = const_data(c, w);
            tvalue *vw = &c->values[w];
            float *folded = trit_alloc(vw->bytes);
            if (!folded) {
                trit_free(scale);
                return no_memory(c);
            }
            size_t per_out = vw->count / (size_t)channels;
            for (size_t k = 0; k < vw->count; k++) folded[k] = wd[k] * scale[k / per_out];
            int64_t wdims[TRIT_MAX_RANK];
            memcpy(wdims, vw->dims, sizeof wdims);
            int folded_id = new_const(c, TRIT_FLOAT32, vw->rank, wdims, folded);
            if (folded_id < 0) {
                trit_free(scale);
                return 0;
            }
            c->steps[conv_index].in[1] = folded_id;
        } else {
            for (int p = 0; p < TRIT_MAX_PLANES; p++) {
                if (!conv->u.tconv.pos[p]) continue;
                for (int o = 0; o < channels; o++) {
                    conv->u.tconv.pos[p][o] *= scale[o];
                    conv->u.tconv.neg[p][o] *= scale[o];
                }
            }
        }
        trit_free(scale);
        conv = &c->steps[conv_index];
        conv->in[2] = bias_id;
        c->values[conv->out].step = -1;
        conv->out = y;
        c->values[y].step = (int)conv_index;
        return 1;
    }
    step *s = new_step(c, all_const ? STEP_AFFINE : STEP_BATCHNORM, ni);
    if (!s) return 0;
    size_t index = c->step_count;
    s->u.affine.batch = (int)vx->dims[0];
    s->u.affine.channels = (int)channels;
    s->u.affine.spatial = dims_product(vx->dims, 2, vx->rank);
    s->u.affine.epsilon = epsilon;
    s->in[0] = x;
    s->out = y;
    if (all_const) {
        float *scale, *shift;
        if (!batchnorm_affine(c, n, (int)channels, epsilon, &scale, &shift)) return 0;
        int64_t d[1] = {channels};
        int sid = new_const(c, TRIT_FLOAT32, 1, d, scale);
        int hid = sid >= 0 ? new_const(c, TRIT_FLOAT32, 1, d, shift) : (trit_free(shift), -1);
        if (hid < 0) return 0;
        s = &c->steps[index];
        s->in[1] = sid;
        s->in[2] = hid;
    } else {
        for (int i = 1; i < 5; i++) s->in[i] = IN(i);
        s->scratch_bytes = 2 * (size_t)channels * sizeof(float);
    }
    return finish_step(c, s);
}

/* Relu and Clip on integer tensors (ONNX Clip: every numeric type from opset 12; Relu: signed
 * integers from opset 14): bounds have the input's type, default to the type's range. */
static int clamp_int(compiler *c, int ni, const onnx_node *n, int is_relu) {
    int x = IN(0), y = OUT0;
    int dtype = c->values[x].dtype;
    if (dtype != TRIT_UINT8 && dtype != TRIT_INT8 && dtype != TRIT_INT32 && dtype != TRIT_INT64)
        return node_fail(c, n, TRIT_ERROR_UNSUPPORTED, "the input has type %s (float32, uint8, int8, int32 and int64 are supported)",
                         onnx_dtype_name(dtype));
    int64_t lo = dtype == TRIT_UINT8 ? 0 : dtype == TRIT_INT8 ? INT8_MIN : dtype == TRIT_INT32 ? INT32_MIN : INT64_MIN;
    int64_t hi = dtype == TRIT_UINT8 ? UINT8_MAX : dtype == TRIT_INT8 ? INT8_MAX : dtype == TRIT_INT32 ? INT32_MAX : INT64_MAX;
    int bound[2] = {-1, -1};
    if (is_relu) {
        static const char *const known[] = {NULL};
        if (!check_attributes(c, n, known)) return 0;
        if (lo < 0) lo = 0;
    } else {
        if (c->onnx.opset < 12)
            return node_fail(c, n, TRIT_ERROR_UNSUPPORTED, "Clip on %s needs opset 12 or later (this model has opset %lld)",
                             onnx_dtype_name(dtype), (long long)c->onnx.opset);
        static const char *const known[] = {NULL};
        if (!check_attributes(c, n, known)) return 0;
        for (int i = 0; i < 2; i++) {
            int id = IN(1 + i);
            if (id < 0) continue;
            if (!require_dtype(c, n, id, dtype, i ? "max" : "min")) return 0;
            if (c->values[id].count != 1) return node_fail(c, n, TRIT_ERROR_SHAPE, "min and max must be scalars");
            if (!is_const(c, id)) {
                bound[i] = id;
                continue;
            }
            const void *d = const_data(c, id);
            int64_t v = dtype == TRIT_UINT8 ? *(const uint8_t *)d : dtype == TRIT_INT8 ? *(const int8_t *)d
                      : dtype == TRIT_INT32 ? *(const int32_t *)d : *(const int64_t *)d;
            if (i) hi = v;
            else lo = v;
        }
    }
    if (!set_shape(c, y, dtype, c->values[x].rank, c->values[x].dims)) return 0;
    step *s = new_step(c, STEP_CLAMP, ni);
    if (!s) return 0;
    s->in[0] = x;
    s->in[1] = bound[0];
    s->in[2] = bound[1];
    s->u.clamp.count = c->values[x].count;
    s->u.clamp.dtype = dtype;
    s->u.clamp.imin = lo;
    s->u.clamp.imax = hi;
    s->out = y;
    return finish_step(c, s);
}

/* Relu and Clip: fused into the producing conv/gemm when it is the only reader. */
static int op_clamp(compiler *c, int ni, const onnx_node *n, int is_relu) {
    float lo = -INFINITY, hi = INFINITY;
    int min_id = -1, max_id = -1;
    if (IN(0) < 0) return node_fail(c, n, TRIT_ERROR_FORMAT, "needs an input");
    if (c->values[IN(0)].dtype != TRIT_FLOAT32) return clamp_int(c, ni, n, is_relu);
    if (is_relu) {
        static const char *const known[] = {NULL};
        if (!check_attributes(c, n, known)) return 0;
        lo = 0.0f;
    } else if (c->onnx.opset < 11) {
        static const char *const known[] = {"min", "max", NULL};
        if (!check_attributes(c, n, known) || !attr_float(c, n, "min", -INFINITY, &lo) ||
            !attr_float(c, n, "max", INFINITY, &hi))
            return 0;
    } else {
        static const char *const known[] = {NULL};
        if (!check_attributes(c, n, known)) return 0;
        min_id = IN(1);
        max_id = IN(2);
        for (int i = 0; i < 2; i++) {
            int id = i ? max_id : min_id;
            if (id < 0) continue;
            if (!require_dtype(c, n, id, TRIT_FLOAT32, i ? "max" : "min")) return 0;
            if (c->values[id].count != 1) return node_fail(c, n, TRIT_ERROR_SHAPE, "min and max must be scalars");
            if (is_const(c, id)) {
                float v = *(const float *)const_data(c, id);
                if (i) hi = v;
                else lo = v;
                if (i) max_id = -1;
                else min_id = -1;
            }
        }
    }
    int x = IN(0), y = OUT0;
    if (x < 0) return node_fail(c, n, TRIT_ERROR_FORMAT, "needs an input");
    if (!require_dtype(c, n, x, TRIT_FLOAT32, "the input")) return 0;
    if (!set_shape(c, y, TRIT_FLOAT32, c->values[x].rank, c->values[x].dims)) return 0;
    step *producer = min_id < 0 && max_id < 0 ? fusable_producer(c, x) : NULL;
    if (producer && producer->clamp_min == -INFINITY && producer->clamp_max == INFINITY) {
        producer->clamp_min = lo;
        producer->clamp_max = hi;
        c->values[producer->out].step = -1;
        producer->out = y;
        c->values[y].step = (int)(producer - c->steps);
        return 1;
    }
    step *s = new_step(c, STEP_CLAMP, ni);
    if (!s) return 0;
    s->in[0] = x;
    s->in[1] = min_id;
    s->in[2] = max_id;
    s->clamp_min = lo;
    s->clamp_max = hi;
    s->u.clamp.count = c->values[x].count;
    s->u.clamp.dtype = TRIT_FLOAT32;
    s->out = y;
    /* the clamp bounds live in the epilogue fields; the step has no epilogue of its own */
    return finish_step(c, s);
}

static int broadcast_shapes(compiler *c, const onnx_node *n, const tvalue *a, const tvalue *b, int *rank, int64_t *dims) {
    int r = a->rank > b->rank ? a->rank : b->rank;
    *rank = 0;
    for (int i = 0; i < r; i++) {
        int ia = i - (r - a->rank), ib = i - (r - b->rank);
        int64_t da = ia >= 0 ? a->dims[ia] : 1, db = ib >= 0 ? b->dims[ib] : 1;
        if (da != db && da != 1 && db != 1)
            return node_fail(c, n, TRIT_ERROR_SHAPE, "shapes cannot be broadcast (dimension %d: %lld vs %lld)", i,
                             (long long)da, (long long)db);
        dims[i] = da == 1 ? db : da;
    }
    *rank = r;
    return 1;
}

static void broadcast_strides(const tvalue *v, int rank, const int64_t *out_dims, int64_t *strides) {
    int64_t stride = 1;
    for (int i = rank - 1; i >= 0; i--) {
        int iv = i - (rank - v->rank);
        int64_t d = iv >= 0 ? v->dims[iv] : 1;
        strides[i] = (d == 1 && out_dims[i] != 1) || iv < 0 ? 0 : stride;
        stride *= d;
    }
}

static int op_binary(compiler *c, int ni, const onnx_node *n, trit_binary_op op) {
    static const char *const none[] = {NULL};
    static const char *const mod_attrs[] = {"fmod", NULL};
    static const char *const shift_attrs[] = {"direction", NULL};
    const char *const *known = op == TRIT_BINARY_MOD ? mod_attrs : (op == TRIT_BINARY_SHIFT_RIGHT ? shift_attrs : none);
    if (!check_attributes(c, n, known)) return 0;
    int a = IN(0), b = IN(1), y = OUT0;
    if (a < 0 || b < 0 || n->input_count != 2) return node_fail(c, n, TRIT_ERROR_FORMAT, "needs two inputs");
    tvalue *va = &c->values[a], *vb = &c->values[b];
    if (va->dtype != vb->dtype)
        return node_fail(c, n, TRIT_ERROR_SHAPE, "inputs have different types (%s, %s)", onnx_dtype_name(va->dtype),
                         onnx_dtype_name(vb->dtype));
    int dtype = va->dtype;
    if (op == TRIT_BINARY_MOD) {
        int64_t fmod_mode;
        if (!attr_int(c, n, "fmod", 0, &fmod_mode)) return 0;
        if (dtype == TRIT_FLOAT32 && fmod_mode != 1)
            return node_fail(c, n, TRIT_ERROR_UNSUPPORTED, "float Mod needs fmod=1");
        if (dtype != TRIT_FLOAT32 && fmod_mode != 0) op = TRIT_BINARY_FMOD; /* C remainder: sign of the dividend */
    }
    if (op == TRIT_BINARY_SHIFT_RIGHT) {
        const char *direction;
        if (!attr_string(c, n, "direction", "", &direction)) return 0;
        if (strcmp(direction, "LEFT") == 0) op = TRIT_BINARY_SHIFT_LEFT;
        else if (strcmp(direction, "RIGHT") != 0) return node_fail(c, n, TRIT_ERROR_FORMAT, "direction must be LEFT or RIGHT");
        if (dtype != TRIT_UINT8)
            return node_fail(c, n, TRIT_ERROR_UNSUPPORTED, "BitShift on %s is not supported (uint8 only)", onnx_dtype_name(dtype));
    }
    int rank;
    int64_t dims[TRIT_MAX_RANK];
    if (!broadcast_shapes(c, n, va, vb, &rank, dims) || !set_shape(c, y, dtype, rank, dims)) return 0;
    va = &c->values[a];
    vb = &c->values[b];
    if (op == TRIT_BINARY_ADD && dtype == TRIT_FLOAT32 && same_dims(va, vb) && a != b) {
        /* residual Add fused into the conv/gemm that produces one side */
        for (int side = 0; side < 2; side++) {
            int mine = side ? b : a, other = side ? a : b;
            step *producer = fusable_producer(c, mine);
            if (!producer || producer->residual >= 0 || producer->clamp_min != -INFINITY || producer->clamp_max != INFINITY)
                continue;
            producer->residual = other;
            return retarget_step(c, producer, y);
        }
    }
    step *s = new_step(c, STEP_BINARY, ni);
    if (!s) return 0;
    s->in[0] = a;
    s->in[1] = b;
    s->out = y;
    s->u.binary.op = op;
    s->u.binary.rank = rank;
    memcpy(s->u.binary.dims, dims, sizeof dims);
    broadcast_strides(&c->values[a], rank, dims, s->u.binary.a_strides);
    broadcast_strides(&c->values[b], rank, dims, s->u.binary.b_strides);
    return finish_step(c, s);
}

static int op_pool(compiler *c, int ni, const onnx_node *n, int is_max) {
    static const char *const max_known[] = {"auto_pad", "ceil_mode", "dilations", "kernel_shape", "pads", "storage_order", "strides", NULL};
    static const char *const avg_known[] = {"auto_pad", "ceil_mode", "count_include_pad", "dilations", "kernel_shape", "pads", "strides", NULL};
    if (!check_attributes(c, n, is_max ? max_known : avg_known)) return 0;
    if (n->output_count > 1 && n->outputs[1][0]) {
        int extra = find_value(c, n->outputs[1]);
        if (extra >= 0 && c->values[extra].consumers)
            return node_fail(c, n, TRIT_ERROR_UNSUPPORTED, "the Indices output is not supported");
    }
    int x = IN(0), y = OUT0;
    if (x < 0) return node_fail(c, n, TRIT_ERROR_FORMAT, "needs an input");
    int dtype = c->values[x].dtype;
    if (!(is_max && (dtype == TRIT_UINT8 || dtype == TRIT_INT8)) && !require_dtype(c, n, x, TRIT_FLOAT32, "X")) return 0;
    tvalue *vx = &c->values[x];
    if (vx->rank != 4 && vx->rank != 3)
        return node_fail(c, n, TRIT_ERROR_UNSUPPORTED, "only 1-D and 2-D pooling (rank-3 or rank-4 X) are supported, X has rank %d",
                         vx->rank);
    int spatial = vx->rank - 2;
    const int64_t *kernel_shape;
    size_t nk;
    int64_t ceil_mode, count_include_pad;
    if (!attr_ints(c, n, "kernel_shape", &kernel_shape, &nk) || !attr_int(c, n, "ceil_mode", 0, &ceil_mode) ||
        !attr_int(c, n, "count_include_pad", 0, &count_include_pad))
        return 0;
    if (!kernel_shape || nk != (size_t)spatial) return node_fail(c, n, TRIT_ERROR_SHAPE, "kernel_shape must have %d entries", spatial);
    window win;
    if (!window_geometry(c, n, &vx->dims[2], kernel_shape, ceil_mode != 0, spatial, &win)) return 0;
    if (win.out[0] < 1 || win.out[1] < 1) return node_fail(c, n, TRIT_ERROR_SHAPE, "output would be empty");
    int64_t out_dims[4] = {vx->dims[0], vx->dims[1], win.out[0], win.out[1]};
    if (spatial == 1) out_dims[2] = win.out[1];
    if (!set_shape(c, y, dtype, vx->rank, out_dims)) return 0;
    step *s = new_step(c, is_max ? STEP_MAXPOOL : STEP_AVGPOOL, ni);
    if (!s) return 0;
    tvalue view = c->values[x]; /* 1-D pooling runs as 2-D over [N, C, 1, L] */
    if (spatial == 1) view.dims[3] = view.dims[2], view.dims[2] = 1, view.rank = 4;
    if (!fill_conv_shape(c, n, &view, view.dims[1], &win, 1, &s->u.conv.shape)) return 0;
    s->u.conv.count_include_pad = count_include_pad != 0;
    s->u.conv.pad_bottom = (int)win.pads[2];
    s->u.conv.pad_right = (int)win.pads[3];
    s->in[0] = x;
    s->out = y;
    return finish_step(c, s);
}

static int op_global_pool(compiler *c, int ni, const onnx_node *n, int is_max) {
    static const char *const known[] = {NULL};
    if (!check_attributes(c, n, known)) return 0;
    int x = IN(0), y = OUT0;
    if (x < 0) return node_fail(c, n, TRIT_ERROR_FORMAT, "needs an input");
    if (!require_dtype(c, n, x, TRIT_FLOAT32, "X")) return 0;
    tvalue *vx = &c->values[x];
    if (vx->rank < 3) return node_fail(c, n, TRIT_ERROR_SHAPE, "X must have rank >= 3");
    if (vx->dims[0] > INT_MAX || vx->dims[1] > INT_MAX) return node_fail(c, n, TRIT_ERROR_LIMIT, "too many channels");
    int64_t dims[TRIT_MAX_RANK];
    for (int i = 0; i < vx->rank; i++) dims[i] = i < 2 ? vx->dims[i] : 1;
    if (!set_shape(c, y, TRIT_FLOAT32, vx->rank, dims)) return 0;
    step *s = new_step(c, is_max ? STEP_GLOBAL_MAXPOOL : STEP_GLOBAL_AVGPOOL, ni);
    if (!s) return 0;
    vx = &c->values[x];
    s->u.affine.batch = (int)vx->dims[0];
    s->u.affine.channels = (int)vx->dims[1];
    s->u.affine.spatial = dims_product(vx->dims, 2, vx->rank);
    s->in[0] = x;
    s->out = y;
    return finish_step(c, s);
}

static int op_gemm(compiler *c, int ni, const onnx_node *n, int is_matmul) {
    static const char *const gemm_known[] = {"alpha", "beta", "transA", "transB", NULL};
    static const char *const gemm_known_v6[] = {"alpha", "beta", "broadcast", "transA", "transB", NULL}; /* opset < 7 */
    static const char *const none[] = {NULL};
    if (!check_attributes(c, n, is_matmul ? none : c->onnx.opset < 7 ? gemm_known_v6 : gemm_known)) return 0;
    int64_t broadcast = 1; /* opset < 7: without broadcast=1, C must be exactly [M, N] */
    if (!is_matmul && c->onnx.opset < 7 && !attr_int(c, n, "broadcast", 0, &broadcast)) return 0;
    int64_t trans_a = 0, trans_b = 0;
    float alpha = 1.0f, beta = 1.0f;
    if (!is_matmul && (!attr_int(c, n, "transA", 0, &trans_a) || !attr_int(c, n, "transB", 0, &trans_b) ||
                       !attr_float(c, n, "alpha", 1.0f, &alpha) || !attr_float(c, n, "beta", 1.0f, &beta)))
        return 0;
    int a = IN(0), b = IN(1), cc = is_matmul ? -1 : IN(2), y = OUT0;
    if (a < 0 || b < 0) return node_fail(c, n, TRIT_ERROR_FORMAT, "needs inputs A and B");
    if (!require_dtype(c, n, a, TRIT_FLOAT32, "A") || !require_dtype(c, n, b, TRIT_FLOAT32, "B")) return 0;
    tvalue *va = &c->values[a], *vb = &c->values[b];
    if (va->rank != 2 || vb->rank != 2)
        return node_fail(c, n, TRIT_ERROR_UNSUPPORTED, "only 2-D A and B are supported (ranks %d and %d)", va->rank, vb->rank);
    int64_t m = trans_a ? va->dims[1] : va->dims[0], k = trans_a ? va->dims[0] : va->dims[1];
    int64_t kb = trans_b ? vb->dims[1] : vb->dims[0], nn = trans_b ? vb->dims[0] : vb->dims[1];
    if (k != kb) return node_fail(c, n, TRIT_ERROR_SHAPE, "inner dimensions differ (%lld vs %lld)", (long long)k, (long long)kb);
    if (m > INT_MAX || nn > INT_MAX || k > INT_MAX) return node_fail(c, n, TRIT_ERROR_LIMIT, "matrix too large");
    size_t c_stride_m = 0, c_stride_n = 0;
    if (cc >= 0) {
        tvalue *vc = &c->values[cc];
        if (!require_dtype(c, n, cc, TRIT_FLOAT32, "C")) return 0;
        int64_t cm = vc->rank == 2 ? vc->dims[0] : 1, cn = vc->rank >= 1 ? vc->dims[vc->rank - 1] : 1;
        if (vc->rank > 2 || (cm != 1 && cm != m) || (cn != 1 && cn != nn))
            return node_fail(c, n, TRIT_ERROR_SHAPE, "C cannot be broadcast to [%lld, %lld]", (long long)m, (long long)nn);
        if (!broadcast && (vc->rank != 2 || cm != m || cn != nn))
            return node_fail(c, n, TRIT_ERROR_SHAPE, "C must have shape [%lld, %lld] without broadcast=1", (long long)m,
                             (long long)nn);
        c_stride_n = cn == 1 ? 0 : 1;
        c_stride_m = cm == 1 ? 0 : (size_t)cn;
    }
    int64_t out_dims[2] = {m, nn};
    if (!set_shape(c, y, TRIT_FLOAT32, 2, out_dims)) return 0;
    vb = &c->values[b];
    int ternary = vb->kind == VALUE_TERNARY && !vb->data && trans_b && !trans_a;
    float *bias = NULL;
    if (ternary && cc >= 0) {
        /* the bias must be one row [N]: beta * C */
        if (!is_const(c, cc) || c_stride_m != 0) ternary = 0;
        else {
            const float *cd = const_data(c, cc);
            if (!(bias = trit_alloc((size_t)nn * sizeof(float)))) return no_memory(c);
            for (int64_t j = 0; j < nn; j++) bias[j] = beta * cd[c_stride_n ? j : 0];
        }
    }
    if (ternary) {
        int bias_id = -1;
        if (bias) {
            int64_t d[1] = {nn};
            if ((bias_id = new_const(c, TRIT_FLOAT32, 1, d, bias)) < 0) return 0;
        }
        step *s = new_step(c, STEP_TCONV, ni);
        if (!s) return 0;
        trit_conv_shape *sh = &s->u.tconv.shape;
        sh->batch = (int)m;
        sh->in_channels = (int)k;
        sh->in_h = sh->in_w = sh->out_h = sh->out_w = 1;
        sh->out_channels = (int)nn;
        sh->kernel_h = sh->kernel_w = sh->stride_h = sh->stride_w = sh->dilation_h = sh->dilation_w = sh->group = 1;
        s->u.tconv.ternary = c->values[b].ternary;
        if (!init_tconv_scales(c, s, alpha)) return 0;
        s->in[0] = a;
        s->in[2] = bias_id;
        s->out = y;
        if (!absorb_activation_quantization(c, s)) return 0;
        return finish_step(c, s);
    }
    if (c->values[b].kind == VALUE_TERNARY && !const_data(c, b)) return 0;
    step *s = new_step(c, STEP_GEMM, ni);
    if (!s) return 0;
    s->u.gemm.p.m = (int)m;
    s->u.gemm.p.n = (int)nn;
    s->u.gemm.p.k = (int)k;
    s->u.gemm.p.trans_a = trans_a != 0;
    s->u.gemm.p.trans_b = trans_b != 0;
    s->u.gemm.p.alpha = alpha;
    s->u.gemm.p.beta = cc >= 0 ? beta : 0.0f;
    s->u.gemm.p.c_stride_m = c_stride_m;
    s->u.gemm.p.c_stride_n = c_stride_n;
    s->in[0] = a;
    s->in[1] = b;
    s->in[2] = cc;
    s->out = y;
    return finish_step(c, s);
}

static int op_softmax(compiler *c, int ni, const onnx_node *n) {
    static const char *const known[] = {"axis", NULL};
    if (!check_attributes(c, n, known)) return 0;
    int x = IN(0), y = OUT0;
    if (x < 0) return node_fail(c, n, TRIT_ERROR_FORMAT, "needs an input");
    if (!require_dtype(c, n, x, TRIT_FLOAT32, "the input")) return 0;
    tvalue *vx = &c->values[x];
    int64_t axis;
    if (!attr_int(c, n, "axis", c->onnx.opset < 13 ? 1 : -1, &axis) || !normalise_axis(c, n, axis, vx->rank, 0, &axis))
        return 0;
    if (!set_shape(c, y, TRIT_FLOAT32, vx->rank, vx->dims)) return 0;
    vx = &c->values[x];
    step *s = new_step(c, STEP_SOFTMAX, ni);
    if (!s) return 0;
    s->u.softmax.outer = dims_product(vx->dims, 0, (int)axis);
    if (c->onnx.opset < 13) { /* the input is coerced to 2-D [outer, rest] */
        s->u.softmax.n = dims_product(vx->dims, (int)axis, vx->rank);
        s->u.softmax.inner = 1;
    } else {
        s->u.softmax.n = (size_t)vx->dims[axis];
        s->u.softmax.inner = dims_product(vx->dims, (int)axis + 1, vx->rank);
    }
    if (s->u.softmax.n == 0) s->u.softmax.outer = 0;
    s->in[0] = x;
    s->out = y;
    return finish_step(c, s);
}

/* Reshape-like ops: output shape computed by the caller, bytes shared with the input. */
static int finish_alias(compiler *c, const onnx_node *n, int x, int rank, const int64_t *dims, int dtype) {
    int y = OUT0;
    if (!set_shape(c, y, dtype, rank, dims)) return 0;
    if (c->values[y].count != c->values[x].count)
        return node_fail(c, n, TRIT_ERROR_SHAPE, "%zu elements cannot become %zu", c->values[x].count, c->values[y].count);
    return alias_value(c, y, x);
}

/* A constant int64/int32 1-D input read as int64 values. */
static int const_ints(compiler *c, const onnx_node *n, int id, const char *what, int64_t *out, size_t capacity, size_t *count) {
    if (!is_const(c, id)) return node_fail(c, n, TRIT_ERROR_UNSUPPORTED, "%s must be a constant", what);
    tvalue *v = &c->values[id];
    if (v->dtype != TRIT_INT64 && v->dtype != TRIT_INT32)
        return node_fail(c, n, TRIT_ERROR_SHAPE, "%s must be int64 or int32", what);
    if (v->rank > 1) return node_fail(c, n, TRIT_ERROR_SHAPE, "%s must be 1-D", what);
    if (v->count > capacity) return node_fail(c, n, TRIT_ERROR_LIMIT, "%s has more than %zu entries", what, capacity);
    const void *data = const_data(c, id);
    for (size_t i = 0; i < v->count; i++) out[i] = const_int(v, data, i);
    *count = v->count;
    return 1;
}

static int op_reshape(compiler *c, const onnx_node *n) {
    static const char *const known[] = {"allowzero", NULL};
    if (!check_attributes(c, n, known)) return 0;
    int x = IN(0), sh = IN(1);
    if (x < 0 || sh < 0) return node_fail(c, n, TRIT_ERROR_FORMAT, "needs data and shape");
    int64_t allowzero;
    if (!attr_int(c, n, "allowzero", 0, &allowzero)) return 0;
    int64_t dims[TRIT_MAX_RANK];
    size_t rank;
    if (!const_ints(c, n, sh, "the shape", dims, TRIT_MAX_RANK, &rank)) return 0;
    tvalue *vx = &c->values[x];
    int infer = -1;
    size_t known_product = 1;
    for (size_t i = 0; i < rank; i++) {
        if (dims[i] == 0 && !allowzero) {
            if ((int)i >= vx->rank) return node_fail(c, n, TRIT_ERROR_SHAPE, "0 in shape position %zu has no input dimension", i);
            dims[i] = vx->dims[i];
        }
        if (dims[i] == -1) {
            if (infer >= 0) return node_fail(c, n, TRIT_ERROR_SHAPE, "more than one -1 in the shape");
            infer = (int)i;
            continue;
        }
        if (dims[i] < 0) return node_fail(c, n, TRIT_ERROR_SHAPE, "invalid dimension %lld", (long long)dims[i]);
        if (!trit_size_mul(known_product, (size_t)dims[i], &known_product))
            return node_fail(c, n, TRIT_ERROR_LIMIT, "shape overflows");
    }
    if (infer >= 0) {
        if (known_product == 0 || vx->count % known_product)
            return node_fail(c, n, TRIT_ERROR_SHAPE, "cannot infer the -1 dimension for %zu elements", vx->count);
        dims[infer] = (int64_t)(vx->count / known_product);
    }
    return finish_alias(c, n, x, (int)rank, dims, vx->dtype);
}

static int op_flatten(compiler *c, const onnx_node *n) {
    static const char *const known[] = {"axis", NULL};
    if (!check_attributes(c, n, known)) return 0;
    int x = IN(0);
    if (x < 0) return node_fail(c, n, TRIT_ERROR_FORMAT, "needs an input");
    tvalue *vx = &c->values[x];
    int64_t axis;
    if (!attr_int(c, n, "axis", 1, &axis) || !normalise_axis(c, n, axis, vx->rank, 1, &axis)) return 0;
    int64_t dims[2] = {(int64_t)dims_product(vx->dims, 0, (int)axis), (int64_t)dims_product(vx->dims, (int)axis, vx->rank)};
    return finish_alias(c, n, x, 2, dims, vx->dtype);
}

static int op_identity(compiler *c, const onnx_node *n) {
    static const char *const known[] = {NULL};
    if (!check_attributes(c, n, known)) return 0;
    int x = IN(0);
    if (x < 0) return node_fail(c, n, TRIT_ERROR_FORMAT, "needs an input");
    return finish_alias(c, n, x, c->values[x].rank, c->values[x].dims, c->values[x].dtype);
}

static int op_dropout(compiler *c, const onnx_node *n) {
    static const char *const known[] = {"ratio", "seed", "is_test", NULL};
    if (!check_attributes(c, n, known)) return 0;
    int64_t is_test;
    if (!attr_int(c, n, "is_test", c->onnx.opset < 7 ? 0 : 1, &is_test)) return 0;
    if (!is_test) return node_fail(c, n, TRIT_ERROR_UNSUPPORTED, "training-mode dropout is not supported");
    int training = IN(2);
    if (training >= 0) {
        if (!is_const(c, training) || c->values[training].count != 1 || c->values[training].dtype == TRIT_FLOAT32)
            return node_fail(c, n, TRIT_ERROR_UNSUPPORTED, "training_mode must be a constant false");
        const void *data = const_data(c, training);
        int on = c->values[training].dtype == TRIT_UINT8 || c->values[training].dtype == TRIT_INT8 ? ((const uint8_t *)data)[0] != 0
                                                                                               : const_int(&c->values[training], data, 0) != 0;
        if (on) return node_fail(c, n, TRIT_ERROR_UNSUPPORTED, "training-mode dropout is not supported");
    }
    if (n->output_count > 1 && n->outputs[1][0]) {
        int mask = find_value(c, n->outputs[1]);
        if (mask >= 0 && c->values[mask].consumers)
            return node_fail(c, n, TRIT_ERROR_UNSUPPORTED, "the mask output is not supported");
    }
    int x = IN(0);
    if (x < 0) return node_fail(c, n, TRIT_ERROR_FORMAT, "needs an input");
    return finish_alias(c, n, x, c->values[x].rank, c->values[x].dims, c->values[x].dtype);
}

/* Squeeze/Unsqueeze axes: attribute below opset 13, input from 13. */
static int read_axes(compiler *c, const onnx_node *n, int64_t *axes, size_t *count, int *present) {
    static const char *const attr_known[] = {"axes", NULL};
    static const char *const none[] = {NULL};
    *present = 0;
    *count = 0;
    if (c->onnx.opset < 13) {
        if (!check_attributes(c, n, attr_known)) return 0;
        const int64_t *a;
        size_t na;
        if (!attr_ints(c, n, "axes", &a, &na)) return 0;
        if (a) {
            if (na > TRIT_MAX_RANK) return node_fail(c, n, TRIT_ERROR_LIMIT, "too many axes");
            memcpy(axes, a, na * sizeof(int64_t));
            *count = na;
            *present = 1;
        }
        return 1;
    }
    if (!check_attributes(c, n, none)) return 0;
    int id = IN(1);
    if (id < 0) return 1;
    *present = 1;
    return const_ints(c, n, id, "axes", axes, TRIT_MAX_RANK, count);
}

static int op_squeeze(compiler *c, const onnx_node *n, int unsqueeze) {
    int64_t axes[TRIT_MAX_RANK];
    size_t count;
    int present;
    if (!read_axes(c, n, axes, &count, &present)) return 0;
    int x = IN(0);
    if (x < 0) return node_fail(c, n, TRIT_ERROR_FORMAT, "needs an input");
    tvalue *vx = &c->values[x];
    int64_t dims[TRIT_MAX_RANK];
    int rank = 0;
    if (unsqueeze) {
        if (!present) return node_fail(c, n, TRIT_ERROR_FORMAT, "needs axes");
        int out_rank = vx->rank + (int)count;
        if (out_rank > TRIT_MAX_RANK) return node_fail(c, n, TRIT_ERROR_LIMIT, "rank above %d", TRIT_MAX_RANK);
        int inserted[TRIT_MAX_RANK] = {0};
        for (size_t i = 0; i < count; i++) {
            int64_t a;
            if (!normalise_axis(c, n, axes[i], out_rank, 0, &a)) return 0;
            if (inserted[a]) return node_fail(c, n, TRIT_ERROR_SHAPE, "axis %lld repeated", (long long)axes[i]);
            inserted[a] = 1;
        }
        int k = 0;
        for (int i = 0; i < out_rank; i++) dims[i] = inserted[i] ? 1 : vx->dims[k++];
        rank = out_rank;
    } else {
        int drop[TRIT_MAX_RANK] = {0};
        for (size_t i = 0; i < count; i++) {
            int64_t a;
            if (!normalise_axis(c, n, axes[i], vx->rank, 0, &a)) return 0;
            if (vx->dims[a] != 1)
                return node_fail(c, n, TRIT_ERROR_SHAPE, "cannot squeeze axis %lld of size %lld", (long long)axes[i],
                                 (long long)vx->dims[a]);
            drop[a] = 1;
        }
        for (int i = 0; i < vx->rank; i++)
            if (!(present ? drop[i] : vx->dims[i] == 1)) dims[rank++] = vx->dims[i];
    }
    return finish_alias(c, n, x, rank, dims, vx->dtype);
}

static int op_constant(compiler *c, const onnx_node *n) {
    static const char *const known[] = {"value", "value_float", "value_floats", "value_int", "value_ints", NULL};
    if (!check_attributes(c, n, known)) return 0;
    if (n->attribute_count != 1) return node_fail(c, n, TRIT_ERROR_FORMAT, "needs exactly one value attribute");
    const onnx_attribute *a = &n->attributes[0];
    int y = OUT0;
    tvalue *vy = &c->values[y];
    int64_t dims[1] = {0};
    if (strcmp(a->name, "value") == 0) {
        if (a->type != ONNX_ATTR_TENSOR || !a->t) return node_fail(c, n, TRIT_ERROR_FORMAT, "value must be a tensor");
        if (!set_shape(c, y, a->t->dtype, a->t->rank, a->t->dims)) return 0;
        vy = &c->values[y];
        vy->data = a->t->data;
        a->t->data = NULL; /* taken */
    } else if (strcmp(a->name, "value_float") == 0 || strcmp(a->name, "value_int") == 0) {
        int is_float = a->name[6] == 'f';
        if (a->type != (is_float ? ONNX_ATTR_FLOAT : ONNX_ATTR_INT)) return node_fail(c, n, TRIT_ERROR_FORMAT, "bad %s", a->name);
        if (!set_shape(c, y, is_float ? TRIT_FLOAT32 : TRIT_INT64, 0, dims)) return 0;
        vy = &c->values[y];
        if (!(vy->data = trit_alloc(vy->bytes))) return no_memory(c);
        if (is_float) *(float *)vy->data = a->f;
        else *(int64_t *)vy->data = a->i;
    } else {
        int is_float = a->name[6] == 'f';
        if (a->type != (is_float ? ONNX_ATTR_FLOATS : ONNX_ATTR_INTS)) return node_fail(c, n, TRIT_ERROR_FORMAT, "bad %s", a->name);
        dims[0] = (int64_t)(is_float ? a->float_count : a->int_count);
        if (!set_shape(c, y, is_float ? TRIT_FLOAT32 : TRIT_INT64, 1, dims)) return 0;
        vy = &c->values[y];
        if (vy->bytes) {
            if (!(vy->data = trit_alloc(vy->bytes))) return no_memory(c);
            memcpy(vy->data, is_float ? (void *)a->floats : (void *)a->ints, vy->bytes);
        }
    }
    vy->kind = VALUE_CONST;
    return 1;
}

static int op_shape(compiler *c, const onnx_node *n) {
    static const char *const known[] = {"start", "end", NULL};
    if (!check_attributes(c, n, known)) return 0;
    int x = IN(0), y = OUT0;
    if (x < 0) return node_fail(c, n, TRIT_ERROR_FORMAT, "needs an input");
    int rank = c->values[x].rank;
    int64_t start, end;
    if (!attr_int(c, n, "start", 0, &start) || !attr_int(c, n, "end", rank, &end)) return 0;
    if (start < 0) start += rank;
    if (end < 0) end += rank;
    if (start < 0) start = 0;
    if (start > rank) start = rank;
    if (end < 0) end = 0;
    if (end > rank) end = rank;
    int64_t count = end > start ? end - start : 0;
    if (!set_shape(c, y, TRIT_INT64, 1, &count)) return 0;
    tvalue *vy = &c->values[y];
    if (count && !(vy->data = trit_alloc(vy->bytes))) return no_memory(c);
    for (int64_t i = 0; i < count; i++) ((int64_t *)vy->data)[i] = c->values[x].dims[start + i];
    vy->kind = VALUE_CONST; /* shapes are static: always folded */
    return 1;
}

static int op_cast(compiler *c, int ni, const onnx_node *n) {
    static const char *const known[] = {"to", "saturate", NULL};
    if (!check_attributes(c, n, known)) return 0;
    int64_t to;
    const onnx_attribute *to_attr = onnx_find_attribute(n, "to");
    if (to_attr && to_attr->type == ONNX_ATTR_STRING) /* opset < 6 */
        return node_fail(c, n, TRIT_ERROR_UNSUPPORTED, "'to' given as a type name (opset < 6) is not supported");
    if (!attr_int(c, n, "to", -1, &to)) return 0;
    int x = IN(0), y = OUT0;
    if (x < 0) return node_fail(c, n, TRIT_ERROR_FORMAT, "needs an input");
    if (onnx_dtype_size((int)to) == 0 || to != (int)to)
        return node_fail(c, n, TRIT_ERROR_UNSUPPORTED, "cast to %s is not supported", onnx_dtype_name((int)to));
    tvalue *vx = &c->values[x];
    if (!set_shape(c, y, (int)to, vx->rank, vx->dims)) return 0;
    vx = &c->values[x];
    if (vx->dtype == to) return alias_value(c, y, x);
    step *s = new_step(c, STEP_CAST, ni);
    if (!s) return 0;
    s->u.cast.from = vx->dtype;
    s->u.cast.to = (int)to;
    s->u.cast.count = vx->count;
    s->in[0] = x;
    s->out = y;
    return finish_step(c, s);
}

/* [outer][axis][inner] view of x for a (De)QuantizeLinear scale: a scalar or one-element scale is
 * per-tensor (as onnxruntime reads it), a longer 1-D one per-axis. */
static int quantize_axis(compiler *c, const onnx_node *n, const tvalue *vx, const tvalue *vs, int64_t axis,
                         const char *what, size_t *outer, size_t *axis_size, size_t *inner) {
    *outer = 1, *axis_size = 1, *inner = vx->count;
    if (vs->rank > 1) return node_fail(c, n, TRIT_ERROR_SHAPE, "%s must be a scalar or 1-D", what);
    if (vs->count == 1) return 1;
    if (!normalise_axis(c, n, axis, vx->rank, 0, &axis)) return 0;
    if (vs->dims[0] != vx->dims[axis])
        return node_fail(c, n, TRIT_ERROR_SHAPE, "%s has %lld entries, axis %lld has size %lld", what,
                         (long long)vs->dims[0], (long long)axis, (long long)vx->dims[axis]);
    *outer = dims_product(vx->dims, 0, (int)axis);
    *axis_size = (size_t)vx->dims[axis];
    *inner = dims_product(vx->dims, (int)axis + 1, vx->rank);
    return 1;
}

static int op_dequantize(compiler *c, int ni, const onnx_node *n) {
    static const char *const known[] = {"axis", "block_size", NULL};
    if (!check_attributes(c, n, known)) return 0;
    int64_t axis, block_size;
    if (!attr_int(c, n, "axis", 1, &axis) || !attr_int(c, n, "block_size", 0, &block_size)) return 0;
    if (block_size != 0) return node_fail(c, n, TRIT_ERROR_UNSUPPORTED, "blocked quantization is not supported");
    int x = IN(0), scale = IN(1), zero = IN(2), y = OUT0;
    if (x < 0 || scale < 0) return node_fail(c, n, TRIT_ERROR_FORMAT, "needs x and x_scale");
    tvalue *vx = &c->values[x], *vs = &c->values[scale];
    if (vx->dtype != TRIT_INT8 && vx->dtype != TRIT_UINT8 && vx->dtype != TRIT_INT32)
        return node_fail(c, n, TRIT_ERROR_UNSUPPORTED, "x of type %s is not supported", onnx_dtype_name(vx->dtype));
    if (!require_dtype(c, n, scale, TRIT_FLOAT32, "x_scale")) return 0;
    if (zero >= 0 && c->values[zero].dtype != vx->dtype)
        return node_fail(c, n, TRIT_ERROR_SHAPE, "x_zero_point must have the type of x");
    if (zero >= 0 && c->values[zero].count != vs->count)
        return node_fail(c, n, TRIT_ERROR_SHAPE, "x_zero_point and x_scale must have the same shape");
    size_t outer, axis_size, inner;
    if (!quantize_axis(c, n, vx, vs, axis, "x_scale", &outer, &axis_size, &inner)) return 0;
    if (!set_shape(c, y, TRIT_FLOAT32, vx->rank, vx->dims)) return 0;
    step *s = new_step(c, STEP_DEQUANTIZE, ni);
    if (!s) return 0;
    s->u.dequantize.x_type = c->values[x].dtype;
    s->u.dequantize.outer = outer;
    s->u.dequantize.axis_size = axis_size;
    s->u.dequantize.inner = inner;
    s->in[0] = x;
    s->in[1] = scale;
    s->in[2] = zero;
    s->out = y;
    return finish_step(c, s);
}

/* QuantizeLinear to int8 or uint8 (the type of y_zero_point, else output_dtype, else uint8). When its
 * DequantizeLinear twin feeds a ternary conv, the conv absorbs the pair (absorb_activation_quantization). */
static int op_quantize(compiler *c, int ni, const onnx_node *n) {
    static const char *const known[] = {"axis", "block_size", "saturate", "output_dtype", NULL};
    if (!check_attributes(c, n, known)) return 0;
    int64_t axis, block_size, output_dtype;
    if (!attr_int(c, n, "axis", 1, &axis) || !attr_int(c, n, "block_size", 0, &block_size) ||
        !attr_int(c, n, "output_dtype", 0, &output_dtype))
        return 0;
    if (block_size != 0) return node_fail(c, n, TRIT_ERROR_UNSUPPORTED, "blocked quantization is not supported");
    int x = IN(0), scale = IN(1), zero = IN(2), y = OUT0;
    if (x < 0 || scale < 0) return node_fail(c, n, TRIT_ERROR_FORMAT, "needs x and y_scale");
    if (!require_dtype(c, n, x, TRIT_FLOAT32, "x") || !require_dtype(c, n, scale, TRIT_FLOAT32, "y_scale")) return 0;
    int y_type = zero >= 0 ? c->values[zero].dtype : (output_dtype ? (int)output_dtype : TRIT_UINT8);
    if (y_type != TRIT_INT8 && y_type != TRIT_UINT8)
        return node_fail(c, n, TRIT_ERROR_UNSUPPORTED, "output type %s is not supported (int8 and uint8 are)",
                         onnx_dtype_name(y_type));
    if (output_dtype && output_dtype != y_type)
        return node_fail(c, n, TRIT_ERROR_SHAPE, "output_dtype differs from the type of y_zero_point");
    tvalue *vx = &c->values[x], *vs = &c->values[scale];
    if (zero >= 0 && c->values[zero].count != vs->count)
        return node_fail(c, n, TRIT_ERROR_SHAPE, "y_zero_point and y_scale must have the same shape");
    size_t outer, axis_size, inner;
    if (!quantize_axis(c, n, vx, vs, axis, "y_scale", &outer, &axis_size, &inner)) return 0;
    if (!set_shape(c, y, y_type, vx->rank, vx->dims)) return 0;
    step *s = new_step(c, STEP_QUANTIZE, ni);
    if (!s) return 0;
    s->u.dequantize.x_type = y_type;
    s->u.dequantize.outer = outer;
    s->u.dequantize.axis_size = axis_size;
    s->u.dequantize.inner = inner;
    s->in[0] = x;
    s->in[1] = scale;
    s->in[2] = zero;
    s->out = y;
    return finish_step(c, s);
}

static int op_gather(compiler *c, int ni, const onnx_node *n) {
    static const char *const known[] = {"axis", NULL};
    if (!check_attributes(c, n, known)) return 0;
    int x = IN(0), idx = IN(1), y = OUT0;
    if (x < 0 || idx < 0) return node_fail(c, n, TRIT_ERROR_FORMAT, "needs data and indices");
    tvalue *vx = &c->values[x], *vi = &c->values[idx];
    if (vi->dtype != TRIT_INT32 && vi->dtype != TRIT_INT64)
        return node_fail(c, n, TRIT_ERROR_SHAPE, "indices must be int32 or int64");
    int64_t axis;
    if (!attr_int(c, n, "axis", 0, &axis) || !normalise_axis(c, n, axis, vx->rank, 0, &axis)) return 0;
    int rank = vx->rank + vi->rank - 1;
    if (rank > TRIT_MAX_RANK) return node_fail(c, n, TRIT_ERROR_LIMIT, "output rank above %d", TRIT_MAX_RANK);
    int64_t dims[TRIT_MAX_RANK];
    int k = 0;
    for (int i = 0; i < axis; i++) dims[k++] = vx->dims[i];
    for (int i = 0; i < vi->rank; i++) dims[k++] = vi->dims[i];
    for (int i = (int)axis + 1; i < vx->rank; i++) dims[k++] = vx->dims[i];
    if (!set_shape(c, y, vx->dtype, rank, dims)) return 0;
    step *s = new_step(c, STEP_GATHER, ni);
    if (!s) return 0;
    vx = &c->values[x];
    vi = &c->values[idx];
    s->u.gather.element_size = onnx_dtype_size(vx->dtype);
    s->u.gather.outer = dims_product(vx->dims, 0, (int)axis);
    s->u.gather.axis_size = (size_t)vx->dims[axis];
    s->u.gather.inner = dims_product(vx->dims, (int)axis + 1, vx->rank);
    s->u.gather.index_count = vi->count;
    s->scratch_bytes = vi->count * sizeof(int64_t);
    s->in[0] = x;
    s->in[1] = idx;
    s->out = y;
    return finish_step(c, s);
}

static int op_slice(compiler *c, int ni, const onnx_node *n) {
    int64_t starts[TRIT_MAX_RANK], ends[TRIT_MAX_RANK], axes[TRIT_MAX_RANK], steps_in[TRIT_MAX_RANK];
    size_t ns, ne, na = (size_t)-1, nst = (size_t)-1;
    if (c->onnx.opset < 10) {
        static const char *const known[] = {"starts", "ends", "axes", NULL};
        if (!check_attributes(c, n, known)) return 0;
        const int64_t *a, *b, *x;
        if (!attr_ints(c, n, "starts", &a, &ns) || !attr_ints(c, n, "ends", &b, &ne) || !attr_ints(c, n, "axes", &x, &na)) return 0;
        if (!a || !b) return node_fail(c, n, TRIT_ERROR_FORMAT, "needs starts and ends");
        if (ns > TRIT_MAX_RANK || ne > TRIT_MAX_RANK || (x && na > TRIT_MAX_RANK)) return node_fail(c, n, TRIT_ERROR_LIMIT, "too many axes");
        memcpy(starts, a, ns * sizeof(int64_t));
        memcpy(ends, b, ne * sizeof(int64_t));
        if (x) memcpy(axes, x, na * sizeof(int64_t));
    } else {
        static const char *const known[] = {NULL};
        if (!check_attributes(c, n, known)) return 0;
        if (IN(1) < 0 || IN(2) < 0) return node_fail(c, n, TRIT_ERROR_FORMAT, "needs starts and ends");
        if (!const_ints(c, n, IN(1), "starts", starts, TRIT_MAX_RANK, &ns) ||
            !const_ints(c, n, IN(2), "ends", ends, TRIT_MAX_RANK, &ne))
            return 0;
        if (IN(3) >= 0 && !const_ints(c, n, IN(3), "axes", axes, TRIT_MAX_RANK, &na)) return 0;
        if (IN(4) >= 0 && !const_ints(c, n, IN(4), "steps", steps_in, TRIT_MAX_RANK, &nst)) return 0;
    }
    int x = IN(0), y = OUT0;
    if (x < 0) return node_fail(c, n, TRIT_ERROR_FORMAT, "needs data");
    tvalue *vx = &c->values[x];
    if (ns != ne || (na != (size_t)-1 && na != ns) || (nst != (size_t)-1 && nst != ns))
        return node_fail(c, n, TRIT_ERROR_SHAPE, "starts, ends, axes and steps must have the same length");
    step *s = new_step(c, STEP_SLICE, ni);
    if (!s) return 0;
    int rank = vx->rank;
    int seen[TRIT_MAX_RANK] = {0};
    for (int d = 0; d < rank; d++) {
        s->u.slice.x_dims[d] = vx->dims[d];
        s->u.slice.starts[d] = 0;
        s->u.slice.steps[d] = 1;
        s->u.slice.y_dims[d] = vx->dims[d];
    }
    for (size_t i = 0; i < ns; i++) {
        int64_t axis = na != (size_t)-1 ? axes[i] : (int64_t)i;
        if (!normalise_axis(c, n, axis, rank, 0, &axis)) return 0;
        if (seen[axis]) return node_fail(c, n, TRIT_ERROR_SHAPE, "axis %lld repeated", (long long)axis);
        seen[axis] = 1;
        int64_t step_size = nst != (size_t)-1 ? steps_in[i] : 1;
        if (step_size == 0) return node_fail(c, n, TRIT_ERROR_SHAPE, "step 0");
        int64_t dim = vx->dims[axis], start = starts[i], end = ends[i];
        if (start < 0) start += dim;
        if (end < 0) end += dim;
        int64_t count;
        if (step_size > 0) {
            start = start < 0 ? 0 : start > dim ? dim : start;
            end = end < 0 ? 0 : end > dim ? dim : end;
            count = end > start ? (end - start + step_size - 1) / step_size : 0;
        } else {
            start = start < 0 ? -1 : start > dim - 1 ? dim - 1 : start;
            end = end < -1 ? -1 : end > dim - 1 ? dim - 1 : end;
            count = start > end ? (start - end + (-step_size) - 1) / (-step_size) : 0;
        }
        s->u.slice.starts[axis] = count ? start : 0;
        s->u.slice.steps[axis] = step_size;
        s->u.slice.y_dims[axis] = count;
    }
    s->u.slice.rank = rank;
    s->u.slice.element_size = onnx_dtype_size(vx->dtype);
    int64_t ydims[TRIT_MAX_RANK];
    memcpy(ydims, s->u.slice.y_dims, sizeof ydims);
    size_t index = c->step_count;
    if (!set_shape(c, y, vx->dtype, rank, ydims)) return 0;
    s = &c->steps[index];
    s->in[0] = x;
    s->out = y;
    return finish_step(c, s);
}

static int op_pad(compiler *c, int ni, const onnx_node *n) {
    int64_t pads[2 * TRIT_MAX_RANK], axes[TRIT_MAX_RANK];
    size_t np, na = (size_t)-1;
    double value = 0;
    int value_id = -1;
    const char *mode;
    int x = IN(0), y = OUT0;
    if (x < 0) return node_fail(c, n, TRIT_ERROR_FORMAT, "needs data");
    tvalue *vx = &c->values[x];
    int rank = vx->rank;
    if (c->onnx.opset < 11) {
        static const char *const known[] = {"mode", "pads", "value", NULL};
        if (!check_attributes(c, n, known)) return 0;
        const int64_t *a;
        float f;
        if (!attr_ints(c, n, "pads", &a, &np) || !attr_float(c, n, "value", 0.0f, &f)) return 0;
        if (!a) return node_fail(c, n, TRIT_ERROR_FORMAT, "needs pads");
        if (np > 2 * TRIT_MAX_RANK) return node_fail(c, n, TRIT_ERROR_LIMIT, "too many pads");
        memcpy(pads, a, np * sizeof(int64_t));
        value = f;
    } else {
        static const char *const known[] = {"mode", NULL};
        if (!check_attributes(c, n, known)) return 0;
        if (IN(1) < 0) return node_fail(c, n, TRIT_ERROR_FORMAT, "needs pads");
        if (!const_ints(c, n, IN(1), "pads", pads, 2 * TRIT_MAX_RANK, &np)) return 0;
        value_id = IN(2);
        if (IN(3) >= 0 && !const_ints(c, n, IN(3), "axes", axes, TRIT_MAX_RANK, &na)) return 0;
    }
    if (!attr_string(c, n, "mode", "constant", &mode)) return 0;
    if (strcmp(mode, "constant") != 0) return node_fail(c, n, TRIT_ERROR_UNSUPPORTED, "mode '%s' is not supported", mode);
    int64_t full[2 * TRIT_MAX_RANK] = {0};
    if (na != (size_t)-1) {
        if (np != 2 * na) return node_fail(c, n, TRIT_ERROR_SHAPE, "pads must have 2 entries per axis");
        for (size_t i = 0; i < na; i++) {
            int64_t a;
            if (!normalise_axis(c, n, axes[i], rank, 0, &a)) return 0;
            full[a] = pads[i];
            full[a + rank] = pads[i + na];
        }
    } else {
        if (np != 2 * (size_t)rank) return node_fail(c, n, TRIT_ERROR_SHAPE, "pads must have %d entries", 2 * rank);
        memcpy(full, pads, np * sizeof(int64_t));
    }
    int64_t dims[TRIT_MAX_RANK];
    for (int d = 0; d < rank; d++) {
        if (full[d] > c->limits.max_spatial || full[d + rank] > c->limits.max_spatial || full[d] < -vx->dims[d] ||
            full[d + rank] < -vx->dims[d])
            return node_fail(c, n, TRIT_ERROR_SHAPE, "pads out of range");
        dims[d] = vx->dims[d] + full[d] + full[d + rank];
        if (dims[d] < 0) return node_fail(c, n, TRIT_ERROR_SHAPE, "pads crop below zero");
    }
    if (!set_shape(c, y, vx->dtype, rank, dims)) return 0;
    vx = &c->values[x];
    step *s = new_step(c, STEP_PAD, ni);
    if (!s) return 0;
    if (value_id >= 0) {
        if (!is_const(c, value_id)) return node_fail(c, n, TRIT_ERROR_UNSUPPORTED, "constant_value must be a constant");
        if (c->values[value_id].dtype != vx->dtype || c->values[value_id].count != 1)
            return node_fail(c, n, TRIT_ERROR_SHAPE, "constant_value must be one value of the data's type");
        memcpy(s->u.pad.value, const_data(c, value_id), onnx_dtype_size(vx->dtype));
    } else {
        float f = (float)value;
        if (vx->dtype == TRIT_FLOAT32) memcpy(s->u.pad.value, &f, 4);
        else {
            int64_t i64 = (int64_t)value;
            int32_t i32 = (int32_t)value;
            int8_t i8 = (int8_t)value;
            uint8_t u8 = (uint8_t)value;
            const void *src = vx->dtype == TRIT_INT64 ? (const void *)&i64 : vx->dtype == TRIT_INT32 ? (const void *)&i32
                            : vx->dtype == TRIT_INT8 ? (const void *)&i8 : (const void *)&u8;
            memcpy(s->u.pad.value, src, onnx_dtype_size(vx->dtype));
        }
    }
    s->u.pad.element_size = onnx_dtype_size(vx->dtype);
    s->u.pad.rank = rank;
    memcpy(s->u.pad.x_dims, vx->dims, sizeof s->u.pad.x_dims);
    memcpy(s->u.pad.pads, full, sizeof full);
    s->in[0] = x;
    s->out = y;
    return finish_step(c, s);
}

static int op_concat(compiler *c, int ni, const onnx_node *n) {
    static const char *const known[] = {"axis", NULL};
    if (!check_attributes(c, n, known)) return 0;
    int y = OUT0;
    if (n->input_count < 1) return node_fail(c, n, TRIT_ERROR_FORMAT, "needs inputs");
    int first = IN(0);
    if (first < 0) return node_fail(c, n, TRIT_ERROR_FORMAT, "empty input name");
    int64_t axis;
    tvalue *v0 = &c->values[first];
    if (!attr_int(c, n, "axis", c->onnx.opset < 4 ? 1 : INT64_MAX, &axis)) return 0;
    if (axis == INT64_MAX) return node_fail(c, n, TRIT_ERROR_FORMAT, "needs an axis");
    if (!normalise_axis(c, n, axis, v0->rank, 0, &axis)) return 0;
    int count = (int)n->input_count;
    int *inputs = trit_pool_array(&c->m->pool, (size_t)count, sizeof(int));
    int64_t *sizes = trit_pool_array(&c->m->pool, (size_t)count, sizeof(int64_t));
    const void **pointers = trit_pool_array(&c->m->pool, (size_t)count, sizeof(void *));
    if (!inputs || !sizes || !pointers) return no_memory(c);
    int64_t dims[TRIT_MAX_RANK];
    memcpy(dims, v0->dims, sizeof dims);
    dims[axis] = 0;
    for (int i = 0; i < count; i++) {
        int id = IN(i);
        if (id < 0) return node_fail(c, n, TRIT_ERROR_FORMAT, "empty input name");
        tvalue *v = &c->values[id];
        if (v->dtype != v0->dtype || v->rank != v0->rank) return node_fail(c, n, TRIT_ERROR_SHAPE, "inputs differ in type or rank");
        for (int d = 0; d < v->rank; d++)
            if (d != axis && v->dims[d] != v0->dims[d])
                return node_fail(c, n, TRIT_ERROR_SHAPE, "input %d differs in dimension %d", i, d);
        inputs[i] = id;
        sizes[i] = v->dims[axis];
        dims[axis] += v->dims[axis];
    }
    if (!set_shape(c, y, v0->dtype, v0->rank, dims)) return 0;
    step *s = new_step(c, STEP_CONCAT, ni);
    if (!s) return 0;
    v0 = &c->values[first];
    s->u.concat.element_size = onnx_dtype_size(v0->dtype);
    s->u.concat.outer = dims_product(v0->dims, 0, (int)axis);
    s->u.concat.inner = dims_product(v0->dims, (int)axis + 1, v0->rank);
    s->u.concat.count = count;
    s->u.concat.inputs = inputs;
    s->u.concat.axis_sizes = sizes;
    s->u.concat.pointers = pointers;
    s->out = y;
    return finish_step(c, s);
}

/* ---- driver ----------------------------------------------------------------------------------- */
static int compile_node(compiler *c, int ni) {
    const onnx_node *n = &c->onnx.graph.nodes[ni];
    const char *op = n->op_type;
    if (n->domain[0] && strcmp(n->domain, "ai.onnx") != 0)
        return node_fail(c, n, TRIT_ERROR_UNSUPPORTED, "domain '%s' is not supported", n->domain);
    static const char *const supported[] = {"Conv", "BatchNormalization", "Relu", "Clip", "Add", "Sub", "Mul", "Div", "Mod",
        "BitShift", "MaxPool", "AveragePool", "GlobalAveragePool", "GlobalMaxPool", "Flatten", "Reshape", "Gemm", "MatMul",
        "Softmax", "Identity", "Dropout", "Constant", "DequantizeLinear", "QuantizeLinear", "Unsqueeze", "Squeeze", "Cast", "Gather", "Slice",
        "Pad", "Concat", "Shape", NULL};
    int known = 0;
    for (const char *const *k = supported; *k && !known; k++) known = strcmp(*k, op) == 0;
    if (!known) return node_fail(c, n, TRIT_ERROR_UNSUPPORTED, "operator %s is not supported", op);
    if (n->output_count == 0 || !n->outputs[0][0]) return node_fail(c, n, TRIT_ERROR_FORMAT, "has no output");
    size_t max_outputs = strcmp(op, "Dropout") == 0 || strcmp(op, "MaxPool") == 0 ? 2
                       : strcmp(op, "BatchNormalization") == 0 ? 5 : 1;
    if (n->output_count > max_outputs) return node_fail(c, n, TRIT_ERROR_UNSUPPORTED, "has %zu outputs", n->output_count);
    if (strcmp(op, "Conv") == 0) return op_conv(c, ni, n);
    if (strcmp(op, "BatchNormalization") == 0) return op_batchnorm(c, ni, n);
    if (strcmp(op, "Relu") == 0) return op_clamp(c, ni, n, 1);
    if (strcmp(op, "Clip") == 0) return op_clamp(c, ni, n, 0);
    if (strcmp(op, "Add") == 0) return op_binary(c, ni, n, TRIT_BINARY_ADD);
    if (strcmp(op, "Sub") == 0) return op_binary(c, ni, n, TRIT_BINARY_SUB);
    if (strcmp(op, "Mul") == 0) return op_binary(c, ni, n, TRIT_BINARY_MUL);
    if (strcmp(op, "Div") == 0) return op_binary(c, ni, n, TRIT_BINARY_DIV);
    if (strcmp(op, "Mod") == 0) return op_binary(c, ni, n, TRIT_BINARY_MOD);
    if (strcmp(op, "BitShift") == 0) return op_binary(c, ni, n, TRIT_BINARY_SHIFT_RIGHT);
    if (strcmp(op, "MaxPool") == 0) return op_pool(c, ni, n, 1);
    if (strcmp(op, "AveragePool") == 0) return op_pool(c, ni, n, 0);
    if (strcmp(op, "GlobalAveragePool") == 0) return op_global_pool(c, ni, n, 0);
    if (strcmp(op, "GlobalMaxPool") == 0) return op_global_pool(c, ni, n, 1);
    if (strcmp(op, "Flatten") == 0) return op_flatten(c, n);
    if (strcmp(op, "Reshape") == 0) return op_reshape(c, n);
    if (strcmp(op, "Gemm") == 0) return op_gemm(c, ni, n, 0);
    if (strcmp(op, "MatMul") == 0) return op_gemm(c, ni, n, 1);
    if (strcmp(op, "Softmax") == 0) return op_softmax(c, ni, n);
    if (strcmp(op, "Identity") == 0) return op_identity(c, n);
    if (strcmp(op, "Dropout") == 0) return op_dropout(c, n);
    if (strcmp(op, "Constant") == 0) return op_constant(c, n);
    if (strcmp(op, "DequantizeLinear") == 0) return op_dequantize(c, ni, n);
    if (strcmp(op, "QuantizeLinear") == 0) return op_quantize(c, ni, n);
    if (strcmp(op, "Unsqueeze") == 0) return op_squeeze(c, n, 1);
    if (strcmp(op, "Squeeze") == 0) return op_squeeze(c, n, 0);
    if (strcmp(op, "Cast") == 0) return op_cast(c, ni, n);
    if (strcmp(op, "Gather") == 0) return op_gather(c, ni, n);
    if (strcmp(op, "Slice") == 0) return op_slice(c, ni, n);
    if (strcmp(op, "Pad") == 0) return op_pad(c, ni, n);
    if (strcmp(op, "Concat") == 0) return op_concat(c, ni, n);
    if (strcmp(op, "Shape") == 0) return op_shape(c, n);
    return node_fail(c, n, TRIT_ERROR_UNSUPPORTED, "operator %s is not supported", op);
}

/* A decode chain shared by several weights (one Split of a code blob) was skipped with the first
 * weight recognised; nodes whose outputs something still reads (a weight that was not recognised) are
 * compiled after all -- for a blob's Split that is a clear "operator Split is not supported", never a
 * read of a value nothing computed. Walks consumers before producers. */
static int keep_needed_nodes(compiler *c) {
    const onnx_graph *g = &c->onnx.graph;
    int *reads = trit_calloc(c->value_count + 1, sizeof(int));
    if (!reads) return no_memory(c);
    for (size_t i = g->node_count; i-- > 0;) {
        int ni = c->order[i];
        const onnx_node *n = &g->nodes[ni];
        for (size_t k = 0; c->skip[ni] && k < n->output_count; k++) {
            int id = n->outputs[k][0] ? find_value(c, n->outputs[k]) : -1;
            if (id >= 0 && c->values[id].kind != VALUE_TERNARY && (reads[id] || c->values[id].is_output)) c->skip[ni] = 0;
        }
        for (size_t k = 0; !c->skip[ni] && k < n->input_count; k++) {
            int id = input_id(c, n, k);
            if (id >= 0) reads[id]++;
        }
    }
    trit_free(reads);
    return 1;
}

static char *keep_string(compiler *c, const char *s) {
    char *copy = trit_pool_strndup(&c->m->pool, s, strlen(s));
    if (!copy) no_memory(c);
    return copy;
}

static int build_values(compiler *c) {
    const onnx_graph *g = &c->onnx.graph;
    for (size_t i = 0; i < g->initializer_count; i++) {
        onnx_tensor *t = &g->initializers[i];
        if (!t->name[0]) return fail(c, TRIT_ERROR_FORMAT, "an initializer has no name");
        if (find_value(c, t->name) >= 0) return fail(c, TRIT_ERROR_FORMAT, "initializer '%s' appears twice", t->name);
        const char *name = keep_string(c, t->name);
        int id = name ? new_value(c, name) : -1;
        if (id < 0 || !set_shape(c, id, t->dtype, t->rank, t->dims)) return 0;
        tvalue *v = &c->values[id];
        v->kind = VALUE_CONST;
        v->data = t->data;
        t->data = NULL;
        v->from_initializer = 1;
    }
    size_t input_count = 0;
    int *inputs = trit_pool_array(&c->m->pool, g->input_count + 1, sizeof(int));
    if (!inputs) return no_memory(c);
    for (size_t i = 0; i < g->input_count; i++) {
        const onnx_value_info *vi = &g->inputs[i];
        int existing = find_value(c, vi->name);
        if (existing >= 0) {
            if (c->values[existing].from_initializer) continue; /* an input with a default value: a constant */
            return fail(c, TRIT_ERROR_FORMAT, "graph input '%s' appears twice", vi->name);
        }
        if (onnx_dtype_size(vi->elem_type) == 0)
            return fail(c, TRIT_ERROR_UNSUPPORTED, "graph input '%s': type %s is not supported", vi->name,
                        vi->elem_type < 0 ? "(not a tensor)" : onnx_dtype_name(vi->elem_type));
        if (!vi->has_shape) return fail(c, TRIT_ERROR_UNSUPPORTED, "graph input '%s' has no shape", vi->name);
        int64_t dims[TRIT_MAX_RANK];
        for (int d = 0; d < vi->rank; d++) {
            if (vi->dim_is_symbolic[d]) {
                if (d != 0 || vi->rank < 2)
                    return fail(c, TRIT_ERROR_UNSUPPORTED,
                                "graph input '%s': dimension %d is symbolic; only a leading batch dimension may be (it becomes 1)",
                                vi->name, d);
                dims[d] = 1;
            } else {
                dims[d] = vi->dims[d];
            }
        }
        const char *name = keep_string(c, vi->name);
        int id = name ? new_value(c, name) : -1;
        if (id < 0 || !set_shape(c, id, vi->elem_type, vi->rank, dims)) return 0;
        c->values[id].is_input = 1;
        inputs[input_count++] = id;
    }
    c->m->inputs = inputs;
    c->m->input_count = input_count;
    for (size_t ni = 0; ni < g->node_count; ni++) {
        const onnx_node *n = &g->nodes[ni];
        for (size_t k = 0; k < n->output_count; k++) {
            if (!n->outputs[k][0]) continue;
            if (find_value(c, n->outputs[k]) >= 0)
                return fail(c, TRIT_ERROR_FORMAT, "value '%s' is produced twice", n->outputs[k]);
            const char *name = keep_string(c, n->outputs[k]);
            int id = name ? new_value(c, name) : -1;
            if (id < 0) return 0;
            c->values[id].producer = (int)ni;
        }
    }
    for (size_t ni = 0; ni < g->node_count; ni++) {
        const onnx_node *n = &g->nodes[ni];
        for (size_t k = 0; k < n->input_count; k++) {
            if (!n->inputs[k][0]) continue;
            int id = find_value(c, n->inputs[k]);
            if (id < 0)
                return node_fail(c, n, TRIT_ERROR_FORMAT, "input '%s' is not produced by any node, initializer or graph input",
                                 n->inputs[k]);
            c->values[id].consumers++;
        }
    }
    int *outputs = trit_pool_array(&c->m->pool, g->output_count + 1, sizeof(int));
    if (!outputs) return no_memory(c);
    for (size_t i = 0; i < g->output_count; i++) {
        int id = find_value(c, g->outputs[i].name);
        if (id < 0) return fail(c, TRIT_ERROR_FORMAT, "graph output '%s' is not produced by the graph", g->outputs[i].name);
        c->values[id].is_output = 1;
        c->values[id].consumers++;
        outputs[i] = id;
    }
    c->m->outputs = outputs;
    c->m->output_count = g->output_count;
    if (g->output_count == 0) return fail(c, TRIT_ERROR_FORMAT, "graph has no outputs");
    return 1;
}

/* Kahn's algorithm over node → node edges through values; a cycle leaves nodes unplaced. */
static int topological_order(compiler *c) {
    const onnx_graph *g = &c->onnx.graph;
    size_t count = g->node_count;
    c->order = trit_alloc((count + 1) * sizeof(int));
    int *pending = trit_calloc(count + 1, sizeof(int));
    size_t *first_edge = trit_calloc(count + 2, sizeof(size_t));
    size_t edge_count = 0;
    for (size_t ni = 0; ni < count; ni++) edge_count += g->nodes[ni].input_count;
    int *edges = trit_alloc((edge_count + 1) * sizeof(int));
    if (!c->order || !pending || !first_edge || !edges) {
        trit_free(pending);
        trit_free(first_edge);
        trit_free(edges);
        return no_memory(c);
    }
    /* edges grouped by producer: count, prefix sums, fill */
    for (size_t ni = 0; ni < count; ni++) {
        const onnx_node *n = &g->nodes[ni];
        for (size_t k = 0; k < n->input_count; k++) {
            int id = n->inputs[k][0] ? find_value(c, n->inputs[k]) : -1;
            if (id >= 0 && c->values[id].producer >= 0) {
                first_edge[c->values[id].producer + 1]++;
                pending[ni]++;
            }
        }
    }
    for (size_t i = 1; i <= count; i++) first_edge[i] += first_edge[i - 1];
    size_t *fill = trit_alloc((count + 1) * sizeof(size_t));
    if (!fill) {
        trit_free(pending);
        trit_free(first_edge);
        trit_free(edges);
        return no_memory(c);
    }
    memcpy(fill, first_edge, (count + 1) * sizeof(size_t));
    for (size_t ni = 0; ni < count; ni++) {
        const onnx_node *n = &g->nodes[ni];
        for (size_t k = 0; k < n->input_count; k++) {
            int id = n->inputs[k][0] ? find_value(c, n->inputs[k]) : -1;
            if (id >= 0 && c->values[id].producer >= 0) edges[fill[c->values[id].producer]++] = (int)ni;
        }
    }
    size_t head = 0, tail = 0;
    for (size_t ni = 0; ni < count; ni++)
        if (pending[ni] == 0) c->order[tail++] = (int)ni;
    while (head < tail) {
        int ni = c->order[head++];
        for (size_t e = first_edge[ni]; e < first_edge[ni + 1]; e++)
            if (--pending[edges[e]] == 0) c->order[tail++] = edges[e];
    }
    trit_free(pending);
    trit_free(first_edge);
    trit_free(edges);
    trit_free(fill);
    if (tail != count) return fail(c, TRIT_ERROR_FORMAT, "the graph has a cycle");
    return 1;
}

static int check_outputs(compiler *c) {
    const onnx_graph *g = &c->onnx.graph;
    for (size_t i = 0; i < g->output_count; i++) {
        int id = c->m->outputs[i];
        tvalue *v = &c->values[id];
        if (v->kind == VALUE_TERNARY && !const_data(c, id)) return 0;
        v = &c->values[id];
        if (v->dtype == 0) return fail(c, TRIT_ERROR_UNSUPPORTED, "graph output '%s' is not computed", v->name);
        const onnx_value_info *vi = &g->outputs[i];
        if (vi->elem_type > 0 && vi->elem_type != v->dtype)
            return fail(c, TRIT_ERROR_SHAPE, "graph output '%s' is declared %s but computes to %s", v->name,
                        onnx_dtype_name(vi->elem_type), onnx_dtype_name(v->dtype));
        if (vi->has_shape) {
            int mismatch = vi->rank != v->rank;
            for (int d = 0; !mismatch && d < v->rank; d++)
                if (!vi->dim_is_symbolic[d] && vi->dims[d] != v->dims[d]) mismatch = 1;
            if (mismatch) return fail(c, TRIT_ERROR_SHAPE, "graph output '%s' has a declared shape that differs from the computed one", v->name);
        }
        v->keep = 1;
    }
    return 1;
}

static int pack_ternary(compiler *c) {
    for (size_t si = 0; si < c->step_count; si++) {
        step *s = &c->steps[si];
        if (s->kind != STEP_TCONV) continue;
        ternary_weight *t = &c->ternary[s->u.tconv.ternary];
        trit_ternary_weights w;
        memset(&w, 0, sizeof w);
        w.out_channels = t->out_channels;
        w.per_out = t->per_out;
        w.plane_count = t->plane_count;
        int8_t *codes[TRIT_MAX_PLANES] = {0};
        int ok = 1;
        for (int p = 0; p < t->plane_count; p++) {
            codes[p] = trit_alloc(t->count ? t->count : 1);
            if (!codes[p]) ok = 0;
            else
                for (size_t k = 0; k < t->count; k++) codes[p][k] = code_at(t->packed[p], k);
            w.planes[p].codes = codes[p];
            w.planes[p].pos_scale = s->u.tconv.pos[p];
            w.planes[p].neg_scale = s->u.tconv.neg[p];
        }
        w.act_scale = s->u.tconv.act_scale;
        w.act_unsigned = s->u.tconv.act_unsigned;
        const trit_tconv_kernel *kernel = !ok ? NULL
                                          : w.act_scale > 0.0f ? trit_tconv_i8_select(&s->u.tconv.shape, &w)
                                                               : trit_tconv_select(&s->u.tconv.shape, &w);
        size_t bytes = kernel ? kernel->packed_size(&s->u.tconv.shape, &w) : 0;
        void *packed = bytes ? trit_alloc(bytes) : NULL;
        if (packed) kernel->pack(&s->u.tconv.shape, &w, packed);
        for (int p = 0; p < t->plane_count; p++) trit_free(codes[p]);
        if (!ok || !packed) {
            if (ok && kernel && bytes == 0) return fail(c, TRIT_ERROR_LIMIT, "ternary weight '%s' is too large to pack", t->name);
            return no_memory(c);
        }
        s->u.tconv.kernel = kernel;
        s->u.tconv.packed = packed;
        s->scratch_bytes = kernel->scratch_size(&s->u.tconv.shape);
        t->used = 1;
        t->act_scale = w.act_scale;
        t->act_unsigned = w.act_unsigned;
        t->kernel = kernel->name;
        t->op = s->u.tconv.shape.in_h == 1 && s->u.tconv.shape.kernel_h == 1 && c->onnx.graph.nodes[s->node].op_type[0] == 'G'
                    ? "Gemm" : "Conv";
    }
    return 1;
}

/* Float convs with constant weights: repacked once for the best fconv variant. */
static int pack_float_convs(compiler *c) {
    for (size_t si = 0; si < c->step_count; si++) {
        step *s = &c->steps[si];
        if (s->kind == STEP_GEMM) {
            /* constant B (an FC layer's weights): repacked for the best fgemm variant */
            if (!is_const(c, s->in[1])) continue;
            const float *b = const_data(c, s->in[1]);
            if (!b) return c->status ? 0 : no_memory(c);
            const trit_fgemm_kernel *kernel = trit_fgemm_select(&s->u.gemm.p);
            size_t bytes = kernel ? kernel->packed_size(&s->u.gemm.p) : 0;
            if (!kernel || bytes == 0) continue;
            void *packed = trit_alloc(bytes);
            if (!packed) return no_memory(c);
            kernel->pack(&s->u.gemm.p, b, packed);
            s->u.gemm.kernel = kernel;
            s->u.gemm.packed = packed;
            s->in[1] = -1;
            continue;
        }
        if (s->kind == STEP_MAXPOOL) {
            if (c->values[s->out].dtype == TRIT_FLOAT32) s->scratch_bytes = trit_maxpool_f32_scratch_size(&s->u.conv.shape);
            continue;
        }
        if (s->kind != STEP_CONV || !is_const(c, s->in[1])) continue;
        const float *w = const_data(c, s->in[1]);
        if (!w) return c->status ? 0 : no_memory(c);
        trit_conv_shape shape = s->u.conv.shape;
        const trit_fconv_kernel *kernel = trit_fconv_select(&shape);
        size_t bytes = kernel ? kernel->packed_size(&shape) : 0;
        if (!kernel || bytes == 0) continue; /* stays on the reference kernel */
        void *packed = trit_alloc(bytes);
        if (!packed) return no_memory(c);
        kernel->pack(&shape, w, packed);
        s->kind = STEP_FCONV;
        s->u.fconv.shape = shape;
        s->u.fconv.kernel = kernel;
        s->u.fconv.packed = packed;
        s->in[1] = -1; /* the packed copy replaces the weights */
        s->scratch_bytes = kernel->scratch_size(&shape);
    }
    return 1;
}

static void mark_read(compiler *c, int id, int step_index) {
    if (id < 0) return;
    tvalue *v = &c->values[id];
    if (v->kind != VALUE_RUNTIME) {
        v->keep = 1;
        return;
    }
    tvalue *root = &c->values[v->root];
    if (step_index > root->last_use) root->last_use = step_index;
}

static int plan(compiler *c) {
    /* drop dead steps, renumber */
    size_t kept = 0;
    for (size_t i = 0; i < c->step_count; i++) {
        if (c->steps[i].dead) continue;
        c->steps[kept] = c->steps[i];
        c->values[c->steps[kept].out].step = (int)kept;
        kept++;
    }
    c->step_count = kept;
    if (!pack_ternary(c) || !pack_float_convs(c)) return 0;
    int total_steps = (int)c->step_count;
    for (size_t v = 0; v < c->value_count; v++) {
        c->values[v].first_use = INT_MAX;
        c->values[v].last_use = -1;
    }
    for (size_t i = 0; i < c->step_count; i++) {
        step *s = &c->steps[i];
        tvalue *out = &c->values[c->values[s->out].root];
        if ((int)i < out->first_use) out->first_use = (int)i;
        if ((int)i > out->last_use) out->last_use = (int)i;
        for (int k = 0; k < STEP_MAX_INPUTS; k++) mark_read(c, s->in[k], (int)i);
        mark_read(c, s->residual, (int)i);
        if (s->kind == STEP_CONCAT)
            for (int k = 0; k < s->u.concat.count; k++) mark_read(c, s->u.concat.inputs[k], (int)i);
    }
    for (size_t i = 0; i < c->m->input_count; i++) {
        tvalue *v = &c->values[c->m->inputs[i]];
        v->first_use = 0; /* inputs survive the whole run: running twice gives the same result */
        v->last_use = total_steps;
    }
    for (size_t i = 0; i < c->m->output_count; i++) {
        tvalue *v = &c->values[c->m->outputs[i]];
        if (v->kind != VALUE_RUNTIME) continue;
        tvalue *root = &c->values[v->root];
        root->last_use = total_steps;
        if (root->first_use == INT_MAX) root->first_use = 0;
    }
    size_t buffer_count = 0;
    for (size_t v = 0; v < c->value_count; v++)
        if (c->values[v].kind == VALUE_RUNTIME && c->values[v].root == (int)v && c->values[v].first_use != INT_MAX) buffer_count++;
    for (size_t i = 0; i < c->step_count; i++)
        if (c->steps[i].scratch_bytes) buffer_count++;
    plan_buffer *buffers = trit_alloc((buffer_count + 1) * sizeof(plan_buffer));
    int *owner = trit_alloc((buffer_count + 1) * sizeof(int)); /* value id, or -1 - step index */
    if (!buffers || !owner) {
        trit_free(buffers);
        trit_free(owner);
        return no_memory(c);
    }
    size_t b = 0;
    for (size_t v = 0; v < c->value_count; v++) {
        tvalue *val = &c->values[v];
        if (val->kind == VALUE_RUNTIME && val->root == (int)v && val->first_use != INT_MAX) {
            buffers[b].bytes = val->bytes;
            buffers[b].first = val->first_use;
            buffers[b].last = val->last_use < val->first_use ? val->first_use : val->last_use;
            owner[b++] = (int)v;
        }
    }
    for (size_t i = 0; i < c->step_count; i++)
        if (c->steps[i].scratch_bytes) {
            buffers[b].bytes = c->steps[i].scratch_bytes;
            buffers[b].first = buffers[b].last = (int)i;
            owner[b++] = -1 - (int)i;
        }
    size_t total = 0;
    int planned = trit_plan_memory(buffers, buffer_count, &total), ok = planned == 1;
    if (planned < 0) {
        trit_free(buffers);
        trit_free(owner);
        return no_memory(c);
    }
    if (ok && total > c->limits.max_arena_bytes) {
        trit_free(buffers);
        trit_free(owner);
        return fail(c, TRIT_ERROR_LIMIT, "activations need %zu bytes, above the arena limit of %zu", total, c->limits.max_arena_bytes);
    }
    if (ok) {
        for (size_t i = 0; i < buffer_count; i++) {
            if (owner[i] >= 0) c->values[owner[i]].offset = buffers[i].offset;
            else c->steps[-1 - owner[i]].scratch_offset = buffers[i].offset;
        }
    }
    trit_free(buffers);
    trit_free(owner);
    if (!ok) return fail(c, TRIT_ERROR_LIMIT, "the memory plan overflows");
    c->m->arena_bytes = total;
    if (total && !(c->m->arena = trit_alloc(total))) return no_memory(c);
    if (total) memset(c->m->arena, 0, total);
    return 1;
}

static int describe(compiler *c) {
    trit_model *m = c->m;
    const onnx_graph *g = &c->onnx.graph;
    m->ops = trit_pool_array(&m->pool, g->node_count + 1, sizeof(op_count));
    if (!m->ops) return no_memory(c);
    for (size_t ni = 0; ni < g->node_count; ni++) {
        const char *op = g->nodes[ni].op_type;
        size_t k = 0;
        while (k < m->op_kinds && strcmp(m->ops[k].op, op) != 0) k++;
        if (k == m->op_kinds) {
            if (!(m->ops[k].op = keep_string(c, op))) return 0;
            m->op_kinds++;
        }
        m->ops[k].count++;
    }
    for (size_t i = 0; i < g->initializer_count; i++) {
        const tvalue *v = &c->values[i];
        if (v->in_pattern || v->dtype == TRIT_INT64 || v->dtype == TRIT_INT32) continue;
        m->parameters += v->count;
        m->weight_file_bytes += g->initializers[i].file_bytes;
    }
    for (size_t i = 0; i < c->ternary_count; i++) {
        m->parameters += c->ternary[i].count;
        m->weight_file_bytes += c->ternary[i].file_bytes;
        if (c->ternary[i].used) m->ternary_parameters += c->ternary[i].count;
    }
    if (!(m->graph_name = keep_string(c, g->name)) || !(m->producer = keep_string(c, c->onnx.producer_name))) return 0;
    m->opset = c->onnx.opset;
    m->metadata_count = c->onnx.metadata_count;
    m->metadata_keys = trit_pool_array(&m->pool, m->metadata_count + 1, sizeof(char *));
    m->metadata_values = trit_pool_array(&m->pool, m->metadata_count + 1, sizeof(char *));
    if (!m->metadata_keys || !m->metadata_values) return no_memory(c);
    for (size_t i = 0; i < m->metadata_count; i++) {
        if (!(m->metadata_keys[i] = keep_string(c, c->onnx.metadata_keys[i])) ||
            !(m->metadata_values[i] = keep_string(c, c->onnx.metadata_values[i])))
            return 0;
    }
    if (m->output_count) {
        const tvalue *out = &c->values[m->outputs[0]];
        const tvalue *root = &c->values[out->root];
        m->ends_in_softmax = root->step >= 0 && c->steps[root->step].kind == STEP_SOFTMAX;
    }
    return 1;
}

static void release_compiler(compiler *c) {
    onnx_model_free_data(&c->onnx);
    trit_pool_release(&c->temp);
    trit_free(c->hash);
    trit_free(c->order);
    trit_free(c->skip);
}

trit_status trit_compile(trit_model *m, const void *bytes, size_t size, const trit_limits *limits) {
    compiler c;
    memset(&c, 0, sizeof c);
    c.m = m;
    c.limits.max_file_bytes = limits && limits->max_file_bytes ? limits->max_file_bytes : DEFAULT_MAX_FILE_BYTES;
    c.limits.max_tensor_elements = limits && limits->max_tensor_elements ? limits->max_tensor_elements : DEFAULT_MAX_TENSOR_ELEMENTS;
    c.limits.max_nodes = limits && limits->max_nodes ? limits->max_nodes : DEFAULT_MAX_NODES;
    c.limits.max_arena_bytes = limits && limits->max_arena_bytes ? limits->max_arena_bytes : DEFAULT_MAX_ARENA_BYTES;
    c.limits.max_spatial = limits && limits->max_spatial > 0 ? limits->max_spatial : DEFAULT_MAX_SPATIAL;
    if (!bytes && size) {
        fail(&c, TRIT_ERROR_ARGUMENT, "model bytes are NULL");
        return c.status;
    }
    if (size > c.limits.max_file_bytes) {
        fail(&c, TRIT_ERROR_LIMIT, "model file has %zu bytes, above the limit of %zu", size, c.limits.max_file_bytes);
        return c.status;
    }
    m->file_bytes = size;
    onnx_limits ol = {c.limits.max_tensor_elements, c.limits.max_nodes};
    c.status = onnx_decode_model(bytes, size, &ol, &c.temp, &c.onnx, m->message, sizeof m->message);
    if (c.status != TRIT_OK) {
        release_compiler(&c);
        return c.status;
    }
    const onnx_graph *g = &c.onnx.graph;
    int ok = 1;
    if (c.onnx.ir_version < 3) ok = fail(&c, TRIT_ERROR_UNSUPPORTED, "IR version %lld is not supported (3 or later)", (long long)c.onnx.ir_version);
    else if (c.onnx.opset == 0 && g->node_count) {
        for (size_t ni = 0; ok && ni < g->node_count; ni++) /* e.g. only ai.onnx.preview.training nodes */
            if (g->nodes[ni].domain[0] && strcmp(g->nodes[ni].domain, "ai.onnx") != 0)
                ok = node_fail(&c, &g->nodes[ni], TRIT_ERROR_UNSUPPORTED, "domain '%s' is not supported", g->nodes[ni].domain);
        if (ok) ok = fail(&c, TRIT_ERROR_FORMAT, "the model imports no opset of the default domain");
    }
    else if (c.onnx.opset > 21)
        ok = fail(&c, TRIT_ERROR_UNSUPPORTED, "opset %lld is not supported (up to 21)", (long long)c.onnx.opset);
    if (ok && g->node_count && !(c.skip = trit_calloc(g->node_count, 1))) ok = no_memory(&c);
    ok = ok && build_values(&c) && topological_order(&c);
    for (size_t ni = 0; ok && ni < g->node_count; ni++) {
        const onnx_node *n = &g->nodes[ni];
        if (strcmp(n->op_type, "Conv") != 0 && strcmp(n->op_type, "Gemm") != 0) continue;
        int w = input_id(&c, n, 1);
        if (w >= 0 && c.values[w].kind == VALUE_RUNTIME && c.values[w].producer >= 0 && recognise_ternary(&c, w) < 0) ok = 0;
    }
    ok = ok && keep_needed_nodes(&c);
    for (size_t i = 0; ok && i < g->node_count; i++) {
        int ni = c.order[i];
        if (c.skip[ni]) continue;
        ok = compile_node(&c, ni);
    }
    ok = ok && check_outputs(&c) && plan(&c) && describe(&c);
    /* free constants nothing reads at run time */
    for (size_t v = 0; v < c.value_count; v++) {
        if (!ok || !c.values[v].keep) {
            trit_free(c.values[v].data);
            c.values[v].data = NULL;
        }
    }
    m->values = c.values;
    m->value_count = c.value_count;
    m->steps = c.steps;
    m->step_count = c.step_count;
    m->ternary = c.ternary;
    m->ternary_count = c.ternary_count;
    release_compiler(&c);
    if (!ok && c.status == TRIT_OK) c.status = TRIT_ERROR_FORMAT;
    return c.status;
}

void trit_model_release_contents(trit_model *m) {
    for (size_t v = 0; v < m->value_count; v++) trit_free(m->values[v].data);
    for (size_t i = 0; i < m->step_count; i++)
        if (m->steps[i].kind == STEP_TCONV) trit_free(m->steps[i].u.tconv.packed);
        else if (m->steps[i].kind == STEP_FCONV) trit_free(m->steps[i].u.fconv.packed);
        else if (m->steps[i].kind == STEP_GEMM) trit_free(m->steps[i].u.gemm.packed);
    trit_free(m->values);
    trit_free(m->steps);
    trit_free(m->ternary);
    trit_free(m->arena);
    trit_free(m->info_json);
    trit_pool_release(&m->pool);
    m->values = NULL;
    m->steps = NULL;
    m->ternary = NULL;
    m->arena = NULL;
    m->info_json = NULL;
    m->value_count = m->step_count = m->ternary_count = 0;
}
