/* The graph: values for initializers, inputs and node outputs; topological order; which skipped
 * nodes are needed after all; the declared outputs checked against the computed ones. */
#include <string.h>

#include "compiler.h"

/* A decode chain shared by several weights (one Split of a code blob) was skipped with the first
 * weight recognised; nodes whose outputs something still reads (a weight that was not recognised) are
 * compiled after all -- for a blob's Split that is a clear "operator Split is not supported", never a
 * read of a value nothing computed. Walks consumers before producers. */
int cc_keep_needed_nodes(compiler *c) {
    const onnx_graph *g = &c->onnx.graph;
    int *reads = trit_calloc(c->value_count + 1, sizeof(int));
    if (!reads) return cc_no_memory(c);
    for (size_t i = g->node_count; i-- > 0;) {
        int ni = c->order[i];
        const onnx_node *n = &g->nodes[ni];
        for (size_t k = 0; c->skip[ni] && k < n->output_count; k++) {
            int id = n->outputs[k][0] ? cc_find_value(c, n->outputs[k]) : -1;
            if (id >= 0 && c->values[id].kind != VALUE_TERNARY && (reads[id] || c->values[id].is_output)) c->skip[ni] = 0;
        }
        for (size_t k = 0; !c->skip[ni] && k < n->input_count; k++) {
            int id = cc_input_id(c, n, k);
            if (id >= 0) reads[id]++;
        }
    }
    trit_free(reads);
    return 1;
}

int cc_build_values(compiler *c) {
    const onnx_graph *g = &c->onnx.graph;
    for (size_t i = 0; i < g->initializer_count; i++) {
        onnx_tensor *t = &g->initializers[i];
        if (!t->name[0]) return cc_fail(c, TRIT_ERROR_FORMAT, "an initializer has no name");
        if (cc_find_value(c, t->name) >= 0) return cc_fail(c, TRIT_ERROR_FORMAT, "initializer '%s' appears twice", t->name);
        const char *name = cc_keep_string(c, t->name);
        int id = name ? cc_new_value(c, name) : -1;
        if (id < 0 || !cc_set_shape(c, id, t->dtype, t->rank, t->dims)) return 0;
        tvalue *v = &c->values[id];
        v->kind = VALUE_CONST;
        v->data = t->data;
        t->data = NULL;
        v->from_initializer = 1;
    }
    size_t input_count = 0;
    int *inputs = trit_pool_array(&c->m->pool, g->input_count + 1, sizeof(int));
    if (!inputs) return cc_no_memory(c);
    for (size_t i = 0; i < g->input_count; i++) {
        const onnx_value_info *vi = &g->inputs[i];
        int existing = cc_find_value(c, vi->name);
        if (existing >= 0) {
            if (c->values[existing].from_initializer) continue; /* an input with a default value: a constant */
            return cc_fail(c, TRIT_ERROR_FORMAT, "graph input '%s' appears twice", vi->name);
        }
        if (onnx_dtype_size(vi->elem_type) == 0)
            return cc_fail(c, TRIT_ERROR_UNSUPPORTED, "graph input '%s': type %s is not supported", vi->name,
                        vi->elem_type < 0 ? "(not a tensor)" : onnx_dtype_name(vi->elem_type));
        if (!vi->has_shape) return cc_fail(c, TRIT_ERROR_UNSUPPORTED, "graph input '%s' has no shape", vi->name);
        int64_t dims[TRIT_MAX_RANK];
        for (int d = 0; d < vi->rank; d++) {
            if (vi->dim_is_symbolic[d]) {
                if (d != 0 || vi->rank < 2)
                    return cc_fail(c, TRIT_ERROR_UNSUPPORTED,
                                "graph input '%s': dimension %d is symbolic; only a leading batch dimension may be (it becomes 1)",
                                vi->name, d);
                dims[d] = 1;
            } else {
                dims[d] = vi->dims[d];
            }
        }
        const char *name = cc_keep_string(c, vi->name);
        int id = name ? cc_new_value(c, name) : -1;
        if (id < 0 || !cc_set_shape(c, id, vi->elem_type, vi->rank, dims)) return 0;
        c->values[id].is_input = 1;
        inputs[input_count++] = id;
    }
    c->m->inputs = inputs;
    c->m->input_count = input_count;
    for (size_t ni = 0; ni < g->node_count; ni++) {
        const onnx_node *n = &g->nodes[ni];
        for (size_t k = 0; k < n->output_count; k++) {
            if (!n->outputs[k][0]) continue;
            if (cc_find_value(c, n->outputs[k]) >= 0)
                return cc_fail(c, TRIT_ERROR_FORMAT, "value '%s' is produced twice", n->outputs[k]);
            const char *name = cc_keep_string(c, n->outputs[k]);
            int id = name ? cc_new_value(c, name) : -1;
            if (id < 0) return 0;
            c->values[id].producer = (int)ni;
        }
    }
    for (size_t ni = 0; ni < g->node_count; ni++) {
        const onnx_node *n = &g->nodes[ni];
        for (size_t k = 0; k < n->input_count; k++) {
            if (!n->inputs[k][0]) continue;
            int id = cc_find_value(c, n->inputs[k]);
            if (id < 0)
                return cc_node_fail(c, n, TRIT_ERROR_FORMAT, "input '%s' is not produced by any node, initializer or graph input",
                                 n->inputs[k]);
            c->values[id].consumers++;
        }
    }
    int *outputs = trit_pool_array(&c->m->pool, g->output_count + 1, sizeof(int));
    if (!outputs) return cc_no_memory(c);
    for (size_t i = 0; i < g->output_count; i++) {
        int id = cc_find_value(c, g->outputs[i].name);
        if (id < 0) return cc_fail(c, TRIT_ERROR_FORMAT, "graph output '%s' is not produced by the graph", g->outputs[i].name);
        c->values[id].is_output = 1;
        c->values[id].consumers++;
        outputs[i] = id;
    }
    c->m->outputs = outputs;
    c->m->output_count = g->output_count;
    if (g->output_count == 0) return cc_fail(c, TRIT_ERROR_FORMAT, "graph has no outputs");
    return 1;
}

/* Kahn's algorithm over node → node edges through values; a cycle leaves nodes unplaced. */
int cc_topological_order(compiler *c) {
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
        return cc_no_memory(c);
    }
    /* edges grouped by producer: count, prefix sums, fill */
    for (size_t ni = 0; ni < count; ni++) {
        const onnx_node *n = &g->nodes[ni];
        for (size_t k = 0; k < n->input_count; k++) {
            int id = n->inputs[k][0] ? cc_find_value(c, n->inputs[k]) : -1;
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
        return cc_no_memory(c);
    }
    memcpy(fill, first_edge, (count + 1) * sizeof(size_t));
    for (size_t ni = 0; ni < count; ni++) {
        const onnx_node *n = &g->nodes[ni];
        for (size_t k = 0; k < n->input_count; k++) {
            int id = n->inputs[k][0] ? cc_find_value(c, n->inputs[k]) : -1;
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
    if (tail != count) return cc_fail(c, TRIT_ERROR_FORMAT, "the graph has a cycle");
    return 1;
}

int cc_check_outputs(compiler *c) {
    const onnx_graph *g = &c->onnx.graph;
    for (size_t i = 0; i < g->output_count; i++) {
        int id = c->m->outputs[i];
        tvalue *v = &c->values[id];
        if (v->kind == VALUE_TERNARY && !cc_const_data(c, id)) return 0;
        v = &c->values[id];
        if (v->dtype == 0) return cc_fail(c, TRIT_ERROR_UNSUPPORTED, "graph output '%s' is not computed", v->name);
        const onnx_value_info *vi = &g->outputs[i];
        if (vi->elem_type > 0 && vi->elem_type != v->dtype)
            return cc_fail(c, TRIT_ERROR_SHAPE, "graph output '%s' is declared %s but computes to %s", v->name,
                        onnx_dtype_name(vi->elem_type), onnx_dtype_name(v->dtype));
        if (vi->has_shape) {
            int mismatch = vi->rank != v->rank;
            for (int d = 0; !mismatch && d < v->rank; d++)
                if (!vi->dim_is_symbolic[d] && vi->dims[d] != v->dims[d]) mismatch = 1;
            if (mismatch) return cc_fail(c, TRIT_ERROR_SHAPE, "graph output '%s' has a declared shape that differs from the computed one", v->name);
        }
        v->keep = 1;
    }
    return 1;
}
