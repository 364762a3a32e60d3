/* Statistics for trit_model_info: op counts, parameters, ternary share, metadata. */
#include <string.h>

#include "compiler.h"

int cc_describe(compiler *c) {
    trit_model *m = c->m;
    const onnx_graph *g = &c->onnx.graph;
    m->ops = trit_pool_array(&m->pool, g->node_count + 1, sizeof(op_count));
    if (!m->ops) return cc_no_memory(c);
    for (size_t ni = 0; ni < g->node_count; ni++) {
        const char *op = g->nodes[ni].op_type;
        size_t k = 0;
        while (k < m->op_kinds && strcmp(m->ops[k].op, op) != 0) k++;
        if (k == m->op_kinds) {
            if (!(m->ops[k].op = cc_keep_string(c, op))) return 0;
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
    if (!(m->graph_name = cc_keep_string(c, g->name)) || !(m->producer = cc_keep_string(c, c->onnx.producer_name))) return 0;
    m->opset = c->onnx.opset;
    m->metadata_count = c->onnx.metadata_count;
    m->metadata_keys = trit_pool_array(&m->pool, m->metadata_count + 1, sizeof(char *));
    m->metadata_values = trit_pool_array(&m->pool, m->metadata_count + 1, sizeof(char *));
    if (!m->metadata_keys || !m->metadata_values) return cc_no_memory(c);
    for (size_t i = 0; i < m->metadata_count; i++) {
        if (!(m->metadata_keys[i] = cc_keep_string(c, c->onnx.metadata_keys[i])) ||
            !(m->metadata_values[i] = cc_keep_string(c, c->onnx.metadata_values[i])))
            return 0;
    }
    if (m->output_count) {
        const tvalue *out = &c->values[m->outputs[0]];
        const tvalue *root = &c->values[out->root];
        m->ends_in_softmax = root->step >= 0 && c->steps[root->step].kind == STEP_SOFTMAX;
    }
    return 1;
}
