/* Values of the graph being compiled: the name table, shapes and their limits, constants (a
 * recognised ternary weight materialised as float on demand), aliases, and the error helpers. */
#include <stdarg.h>
#include <string.h>

#include "compiler.h"
#include "format.h"

int cc_fail(compiler *c, trit_status status, const char *fmt, ...) {
    if (c->status == TRIT_OK) {
        c->status = status;
        va_list ap;
        va_start(ap, fmt);
        trit_vformat(c->m->message, sizeof c->m->message, fmt, ap);
        va_end(ap);
    }
    return 0;
}

const char *cc_node_label(const onnx_node *n) {
    if (n->name[0]) return n->name;
    if (n->output_count && n->outputs[0][0]) return n->outputs[0];
    return "?";
}

int cc_node_fail(compiler *c, const onnx_node *n, trit_status status, const char *fmt, ...) {
    if (c->status != TRIT_OK) return 0;
    char detail[360];
    va_list ap;
    va_start(ap, fmt);
    trit_vformat(detail, sizeof detail, fmt, ap);
    va_end(ap);
    return cc_fail(c, status, "node '%s' (%s): %s", cc_node_label(n), n->op_type, detail);
}

int cc_no_memory(compiler *c) { return cc_fail(c, TRIT_ERROR_MEMORY, "out of memory while compiling the model"); }

/* Room for one more element in a growable array of `count` elements (doubling, `first` at first). */
int cc_reserve(compiler *c, void **array, size_t *capacity, size_t count, size_t element, size_t first) {
    if (count < *capacity) return 1;
    size_t grown_capacity = *capacity ? *capacity * 2 : first;
    void *grown = trit_realloc(*array, grown_capacity * element);
    if (!grown) return cc_no_memory(c);
    *array = grown;
    *capacity = grown_capacity;
    return 1;
}

/* ---- values and the name table ---------------------------------------------------------------- */
static uint64_t hash_name(const char *s) {
    uint64_t h = 1469598103934665603ull;
    while (*s) h = (h ^ (unsigned char)*s++) * 1099511628211ull;
    return h;
}

int cc_find_value(compiler *c, const char *name) {
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
    if (!table) return cc_no_memory(c);
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
int cc_new_value(compiler *c, const char *name) {
    if (!cc_reserve(c, (void **)&c->values, &c->value_capacity, c->value_count, sizeof(tvalue), 256)) return -1;
    int id = (int)c->value_count++;
    tvalue *v = &c->values[id];
    memset(v, 0, sizeof *v);
    v->name = name;
    v->root = id;
    v->producer = -1;
    v->step = -1;
    v->fused_into = -1;
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
int cc_set_shape(compiler *c, int id, int dtype, int rank, const int64_t *dims) {
    tvalue *v = &c->values[id];
    if (rank > TRIT_MAX_RANK) return cc_fail(c, TRIT_ERROR_LIMIT, "value '%s' has rank %d, above %d", v->name, rank, TRIT_MAX_RANK);
    size_t count = 1, bytes;
    for (int i = 0; i < rank; i++) {
        if (dims[i] < 0) return cc_fail(c, TRIT_ERROR_SHAPE, "value '%s' would have a negative dimension", v->name);
        if ((uint64_t)dims[i] > SIZE_MAX || !trit_size_mul(count, (size_t)dims[i], &count))
            return cc_fail(c, TRIT_ERROR_LIMIT, "value '%s': element count overflows", v->name);
    }
    if (count > c->limits.max_tensor_elements)
        return cc_fail(c, TRIT_ERROR_LIMIT, "value '%s' has %zu elements, above the limit of %zu", v->name, count,
                    c->limits.max_tensor_elements);
    if (!trit_size_mul(count, onnx_dtype_size(dtype), &bytes))
        return cc_fail(c, TRIT_ERROR_LIMIT, "value '%s': byte size overflows", v->name);
    v->dtype = dtype;
    v->rank = rank;
    for (int i = 0; i < rank; i++) v->dims[i] = dims[i];
    v->count = count;
    v->bytes = bytes;
    return 1;
}

int cc_same_dims(const tvalue *a, const tvalue *b) {
    if (a->rank != b->rank) return 0;
    for (int i = 0; i < a->rank; i++)
        if (a->dims[i] != b->dims[i]) return 0;
    return 1;
}

size_t cc_dims_product(const int64_t *dims, int from, int to) {
    size_t p = 1;
    for (int i = from; i < to; i++) p *= (size_t)dims[i]; /* bounded by the element limit already */
    return p;
}

/* Float values of a recognised ternary weight, computed exactly as the ONNX subgraph does it
 * (Gather of levels, times the scale, planes summed left to right). */
static int materialise_ternary(compiler *c, int id) {
    tvalue *v = &c->values[id];
    ternary_weight *t = &c->ternary[v->ternary];
    float *w = trit_alloc(t->count * sizeof(float));
    if (!w && t->count) return cc_no_memory(c);
    for (size_t k = 0; k < t->count; k++) {
        size_t o = k / t->per_out;
        float sum = 0;
        for (int p = 0; p < t->plane_count; p++) {
            float value = t->levels[p][trit_ternary_value(t->packed[p], k) + 1];
            if (t->scale[p]) value *= t->scale[p][o];
            sum = p == 0 ? value : sum + value;
        }
        w[k] = sum;
    }
    v->data = w;
    v->kind = VALUE_CONST;
    return 1;
}

int cc_is_const(compiler *c, int id) { return id < 0 || c->values[id].kind != VALUE_RUNTIME; }

/* Constant data of a value (materialising a ternary weight), or NULL for a runtime value. */
void *cc_const_data(compiler *c, int id) {
    tvalue *v = &c->values[id];
    if (v->kind == VALUE_TERNARY && !v->data && !materialise_ternary(c, id)) return NULL;
    if (v->kind == VALUE_RUNTIME) return NULL;
    tvalue *root = &c->values[v->root];
    return v->data ? v->data : root->data;
}

/* Read an integer constant (int32 or int64) element. */
int64_t cc_const_int(const tvalue *v, const void *data, size_t i) {
    return v->dtype == TRIT_INT32 ? ((const int32_t *)data)[i] : ((const int64_t *)data)[i];
}

int cc_input_id(compiler *c, const onnx_node *n, size_t i) {
    if (i >= n->input_count || !n->inputs[i][0]) return -1;
    return cc_find_value(c, n->inputs[i]);
}

/* Output value `out` shares the bytes of `in` (Identity, Reshape, Flatten, ...). */
int cc_alias_value(compiler *c, int out, int in) {
    tvalue *vi = &c->values[in];
    if (vi->kind != VALUE_RUNTIME) {
        void *src = cc_const_data(c, in);
        if (!src && c->values[in].bytes) return c->status ? 0 : cc_no_memory(c);
        tvalue *vo = &c->values[out];
        if (vo->bytes) {
            if (!(vo->data = trit_alloc(vo->bytes))) return cc_no_memory(c);
            memcpy(vo->data, src, vo->bytes);
        }
        vo->kind = VALUE_CONST;
        return 1;
    }
    c->values[out].root = vi->root;
    c->values[out].step = -1;
    return 1;
}

int cc_require_dtype(compiler *c, const onnx_node *n, int id, int dtype, const char *what) {
    if (c->values[id].dtype != dtype)
        return cc_node_fail(c, n, TRIT_ERROR_UNSUPPORTED, "%s has type %s, only %s is supported", what,
                         onnx_dtype_name(c->values[id].dtype), onnx_dtype_name(dtype));
    return 1;
}

int cc_normalise_axis(compiler *c, const onnx_node *n, int64_t axis, int rank, int inclusive_end, int64_t *out) {
    *out = 0;
    /* Flatten's axis may equal rank (inclusive_end); negative axes count from rank either way */
    if (axis < -(int64_t)rank || axis >= rank + (inclusive_end ? 1 : 0))
        return cc_node_fail(c, n, TRIT_ERROR_SHAPE, "axis %lld is out of range for rank %d", (long long)axis, rank);
    *out = axis < 0 ? axis + rank : axis;
    return 1;
}

int cc_new_const(compiler *c, int dtype, int rank, const int64_t *dims, void *data) {
    int id = cc_new_value(c, "");
    if (id < 0) {
        trit_free(data);
        return -1;
    }
    if (!cc_set_shape(c, id, dtype, rank, dims)) {
        trit_free(data);
        return -1;
    }
    c->values[id].kind = VALUE_CONST;
    c->values[id].data = data;
    return id;
}

/* Reshape-like ops: output shape computed by the caller, bytes shared with the input. */
int cc_finish_alias(compiler *c, const onnx_node *n, int x, int rank, const int64_t *dims, int dtype) {
    int y = OUT0;
    if (!cc_set_shape(c, y, dtype, rank, dims)) return 0;
    if (c->values[y].count != c->values[x].count)
        return cc_node_fail(c, n, TRIT_ERROR_SHAPE, "%zu elements cannot become %zu", c->values[x].count, c->values[y].count);
    return cc_alias_value(c, y, x);
}

/* A constant int64/int32 1-D input read as int64 values. */
int cc_const_ints(compiler *c, const onnx_node *n, int id, const char *what, int64_t *out, size_t capacity, size_t *count) {
    if (!cc_is_const(c, id)) return cc_node_fail(c, n, TRIT_ERROR_UNSUPPORTED, "%s must be a constant", what);
    tvalue *v = &c->values[id];
    if (v->dtype != TRIT_INT64 && v->dtype != TRIT_INT32)
        return cc_node_fail(c, n, TRIT_ERROR_SHAPE, "%s must be int64 or int32", what);
    if (v->rank > 1) return cc_node_fail(c, n, TRIT_ERROR_SHAPE, "%s must be 1-D", what);
    if (v->count > capacity) return cc_node_fail(c, n, TRIT_ERROR_LIMIT, "%s has more than %zu entries", what, capacity);
    const void *data = cc_const_data(c, id);
    for (size_t i = 0; i < v->count; i++) out[i] = cc_const_int(v, data, i);
    *count = v->count;
    return 1;
}

char *cc_keep_string(compiler *c, const char *s) {
    char *copy = trit_pool_strndup(&c->m->pool, s, strlen(s));
    if (!copy) cc_no_memory(c);
    return copy;
}
