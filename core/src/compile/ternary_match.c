/* Recognises the ternary weight pattern of docs/FORMAT.md (base-3 packed codes expanded by a small
 * constant subgraph of standard operators) and fills the table of recognised weights; the nodes of
 * a recognised subgraph are skipped by lowering. Knows nothing of steps. */
#include <string.h>

#include "compiler.h"

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


/* An initializer input of the given dtype and element count (count 0 = any). */
static const tvalue *pattern_init(compiler *c, const onnx_node *n, size_t i, int dtype, size_t count, pattern *p) {
    int id = cc_input_id(c, n, i);
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
        id = cc_input_id(c, n, 0);
    } /* else: no per-channel scale */
    if (!(n = sole_producer(c, id, "Gather", p, 1)) || n->input_count != 2 || !only_attributes(n, axis) ||
        !attr_int_is(n, "axis", 0, 0))
        return 0;
    if (!(out->levels = pattern_init(c, n, 0, TRIT_FLOAT32, 3, p)) || out->levels->rank != 1) return 0;
    id = cc_input_id(c, n, 1);
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
    id = cc_input_id(c, n, 0);
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
        id = cc_input_id(c, n, 0);
        if (!(n = sole_producer(c, id, "Reshape", p, !shared)) || n->input_count != 2 || !only_attributes(n, allowzero) ||
            !attr_int_is(n, "allowzero", 0, 0))
            return 0;
        const tvalue *flat = pattern_init(c, n, 1, TRIT_INT64, 1, p);
        if (!flat || ((int64_t *)flat->data)[0] != -1) return 0;
        id = cc_input_id(c, n, 0);
        sliced = 1;
    }
    /* base-3 digits: Mod(Div(Cast(Unsqueeze(codes), INT32), powers), three) */
    static const char *const fmod_attr[] = {"fmod", NULL};
    if (!(n = sole_producer(c, id, "Mod", p, !shared)) || n->input_count != 2 || !only_attributes(n, fmod_attr) ||
        !attr_int_is(n, "fmod", 0, 0))
        return 0;
    const tvalue *three = pattern_init(c, n, 1, TRIT_INT32, 1, p);
    if (!three || ((int32_t *)three->data)[0] != 3) return 0;
    id = cc_input_id(c, n, 0);
    if (!(n = sole_producer(c, id, "Div", p, !shared)) || n->input_count != 2 || n->attribute_count) return 0;
    const tvalue *powers = pattern_init(c, n, 1, TRIT_INT32, 5, p);
    if (!powers || powers->rank != 2 || powers->dims[0] != 1) return 0;
    for (int i = 0, power = 1; i < 5; i++, power *= 3)
        if (((int32_t *)powers->data)[i] != power) return 0;
    id = cc_input_id(c, n, 0);
    static const char *const to[] = {"to", NULL};
    if (!(n = sole_producer(c, id, "Cast", p, !shared)) || n->input_count != 1 || !only_attributes(n, to) ||
        !attr_int_is(n, "to", -1, TRIT_INT32))
        return 0;
    id = cc_input_id(c, n, 0);
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
        if (!match_planes(c, cc_input_id(c, n, 0), p, planes, plane_count)) return 0;
        if (*plane_count >= TRIT_MAX_PLANES) return 0;
        return match_plane(c, cc_input_id(c, n, 1), p, &planes[(*plane_count)++]);
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
    if (!cc_reserve(c, (void **)&c->ternary, &c->ternary_capacity, c->ternary_count, sizeof(ternary_weight), 16)) return -1;
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
        if (!t->packed[pl]) return cc_no_memory(c), -1;
        const uint8_t *source = pm->codes->data;
        for (size_t j = pm->offset / 5; j <= (pm->offset + t->count - 1) / 5; j++)
            if (source[j] > 242)
                return cc_fail(c, TRIT_ERROR_FORMAT, "ternary weight '%s': code byte %zu of plane %d is %u (above 242)", w->name,
                            j, pl, source[j]), -1;
        /* repacked from the weight's first code, padded with zeros (code 1): a blob's weights need not
         * start on a byte */
        static const uint8_t powers[5] = {1, 3, 9, 27, 81};
        memset(t->packed[pl], 0, packed_bytes);
        for (size_t k = 0; k < 5 * packed_bytes; k++) {
            int code = k < t->count ? trit_ternary_value(source, pm->offset + k) + 1 : 1;
            t->packed[pl][k / 5] = (uint8_t)(t->packed[pl][k / 5] + code * powers[k % 5]);
        }
        memcpy(t->levels[pl], pm->levels->data, 3 * sizeof(float));
        t->file_bytes += packed_bytes + pm->levels->bytes;
        if (pm->scale) {
            t->scale[pl] = trit_pool_array(&c->m->pool, (size_t)dims[0], sizeof(float));
            if (!t->scale[pl]) return cc_no_memory(c), -1;
            memcpy(t->scale[pl], pm->scale->data, (size_t)dims[0] * sizeof(float));
            t->file_bytes += pm->scale->bytes;
        }
        for (size_t k = 0; k < t->count; k++) {
            int code = trit_ternary_value(t->packed[pl], k) + 1;
            if (code == 1) t->zeros++;
            else if (code == 2) t->positive++;
            else t->negative++;
        }
    }
    for (size_t k = 0; k < t->count; k++) {
        int all_zero = 1;
        for (int pl = 0; pl < plane_count; pl++)
            if (trit_ternary_value(t->packed[pl], k) != 0) all_zero = 0;
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
    if (!cc_set_shape(c, id, TRIT_FLOAT32, rank, shape)) return -1;
    return 1;
}

/* The pass: every Conv/Gemm weight computed by a subgraph is tried. */
int cc_match_ternary(compiler *c) {
    const onnx_graph *g = &c->onnx.graph;
    for (size_t ni = 0; ni < g->node_count; ni++) {
        const onnx_node *n = &g->nodes[ni];
        if (strcmp(n->op_type, "Conv") != 0 && strcmp(n->op_type, "Gemm") != 0) continue;
        int w = cc_input_id(c, n, 1);
        if (w >= 0 && c->values[w].kind == VALUE_RUNTIME && c->values[w].producer >= 0 && recognise_ternary(c, w) < 0) return 0;
    }
    return 1;
}
