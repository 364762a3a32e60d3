/* Graph compiler driver: decoded ONNX -> checked, folded, fused steps over one planned arena.
 *
 * The passes, in order (docs/ARCHITECTURE.md; each in its own file of this folder):
 *   graph.c          values for initializers, inputs and node outputs; topological order
 *   ternary_match.c  ternary weight subgraphs (docs/FORMAT.md) recognised into a table of weights
 *   lower_*.c        every node in order, dispatched through op_table.h: attribute checks (attrs.c),
 *                    shape/type inference (geometry.c for windows and broadcasting), then an alias
 *                    (Reshape & co. share their input's bytes), a constant, or a step (steps.c), which
 *                    runs at once when all its inputs are constant (constant folding)
 *   fuse.c           Q/DQ absorption, BatchNormalization folding, residual Add and Relu/Clip epilogues
 *   graph.c          declared outputs checked against the computed ones
 *   select.c         each conv/gemm's kernel variant chosen and its weights packed for it
 *   plan.c           liveness and one arena for every runtime buffer
 *   describe.c       statistics for trit_model_info */
#include <string.h>

#include "compiler.h"

#define DEFAULT_MAX_FILE_BYTES ((size_t)256 << 20)
#define DEFAULT_MAX_TENSOR_ELEMENTS ((size_t)1 << 28)
#define DEFAULT_MAX_NODES 4096
#define DEFAULT_MAX_ARENA_BYTES ((size_t)1 << 30)
#define DEFAULT_MAX_SPATIAL 8192

typedef struct op_entry {
    const char *op_type;
    int (*lower)(compiler *c, int ni, const onnx_node *n, int arg);
    int arg;
    size_t max_outputs;
} op_entry;

static const op_entry op_table[] = {
#define OP(name, handler, arg, outputs) {name, handler, arg, outputs},
#include "op_table.h"
#undef OP
};

static int lower_node(compiler *c, int ni) {
    const onnx_node *n = &c->onnx.graph.nodes[ni];
    if (n->domain[0] && strcmp(n->domain, "ai.onnx") != 0)
        return cc_node_fail(c, n, TRIT_ERROR_UNSUPPORTED, "domain '%s' is not supported", n->domain);
    const op_entry *e = NULL;
    for (size_t i = 0; !e && i < sizeof op_table / sizeof op_table[0]; i++)
        if (strcmp(op_table[i].op_type, n->op_type) == 0) e = &op_table[i];
    if (!e) return cc_node_fail(c, n, TRIT_ERROR_UNSUPPORTED, "operator %s is not supported", n->op_type);
    if (n->output_count == 0 || !n->outputs[0][0]) return cc_node_fail(c, n, TRIT_ERROR_FORMAT, "has no output");
    if (n->output_count > e->max_outputs) return cc_node_fail(c, n, TRIT_ERROR_UNSUPPORTED, "has %zu outputs", n->output_count);
    return e->lower(c, ni, n, e->arg);
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
        cc_fail(&c, TRIT_ERROR_ARGUMENT, "model bytes are NULL");
        return c.status;
    }
    if (size > c.limits.max_file_bytes) {
        cc_fail(&c, TRIT_ERROR_LIMIT, "model file has %zu bytes, above the limit of %zu", size, c.limits.max_file_bytes);
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
    if (c.onnx.ir_version < 3) ok = cc_fail(&c, TRIT_ERROR_UNSUPPORTED, "IR version %lld is not supported (3 or later)", (long long)c.onnx.ir_version);
    else if (c.onnx.opset == 0 && g->node_count) {
        for (size_t ni = 0; ok && ni < g->node_count; ni++) /* e.g. only ai.onnx.preview.training nodes */
            if (g->nodes[ni].domain[0] && strcmp(g->nodes[ni].domain, "ai.onnx") != 0)
                ok = cc_node_fail(&c, &g->nodes[ni], TRIT_ERROR_UNSUPPORTED, "domain '%s' is not supported", g->nodes[ni].domain);
        if (ok) ok = cc_fail(&c, TRIT_ERROR_FORMAT, "the model imports no opset of the default domain");
    }
    else if (c.onnx.opset > 21)
        ok = cc_fail(&c, TRIT_ERROR_UNSUPPORTED, "opset %lld is not supported (up to 21)", (long long)c.onnx.opset);
    if (ok && g->node_count && !(c.skip = trit_calloc(g->node_count, 1))) ok = cc_no_memory(&c);
    ok = ok && cc_build_values(&c) && cc_topological_order(&c);
    ok = ok && cc_match_ternary(&c) && cc_keep_needed_nodes(&c);
    for (size_t i = 0; ok && i < g->node_count; i++) {
        int ni = c.order[i];
        if (c.skip[ni]) continue;
        ok = lower_node(&c, ni);
    }
    ok = ok && cc_fuse(&c) && cc_check_outputs(&c) && cc_select_kernels(&c) && cc_plan(&c) && cc_describe(&c);
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
    trit_free(m->requested);
    trit_free(m->requested_infos);
    trit_pool_release(&m->pool);
    m->values = NULL;
    m->steps = NULL;
    m->ternary = NULL;
    m->arena = NULL;
    m->info_json = NULL;
    m->requested = NULL;
    m->requested_infos = NULL;
    m->requested_count = 0;
    m->value_count = m->step_count = m->ternary_count = 0;
}
