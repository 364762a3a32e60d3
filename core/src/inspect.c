/* Looking inside a compiled model (trit.h, "intermediate tensors and single steps"): tensors asked
 * for by name besides the graph's outputs, kept alive by a second memory plan; the step list, and
 * running a range of it so a caller can time each step. */
#include <math.h>
#include <string.h>

#include "alloc.h"
#include "engine.h"

/* The live step that writes value `root`, or -1. */
static int writer_of(const trit_model *m, int root) {
    for (size_t i = 0; i < m->step_count; i++)
        if (m->values[m->steps[i].out].root == root) return (int)i;
    return -1;
}

/* The value id `name` stands for at run time, or -1 with the message set. */
static int resolve(trit_model *m, const char *name, trit_status *status) {
    int id = -1;
    for (size_t v = 0; v < m->value_count && id < 0; v++)
        if (m->values[v].name && m->values[v].name[0] && strcmp(m->values[v].name, name) == 0) id = (int)v;
    if (id < 0) {
        *status = trit_fail(m, TRIT_ERROR_ARGUMENT, "no tensor named '%s' in the graph", name);
        return -1;
    }
    const tvalue *v = &m->values[id];
    *status = TRIT_ERROR_UNSUPPORTED;
    if (v->kind == VALUE_TERNARY)
        return trit_fail(m, *status, "tensor '%s' is a ternary weight: read its codes with trit_model_ternary_codes", name), -1;
    if (v->kind == VALUE_CONST) {
        if (v->data) return id;
        return trit_fail(m, *status, "tensor '%s' is a constant folded or packed at load, not kept", name), -1;
    }
    const tvalue *root = &m->values[v->root];
    if (root->is_input || writer_of(m, v->root) >= 0) return id;
    /* not written: its node runs fused in a later node's step (follow the chain to the value that
     * step writes), or it was folded away, or no output needs it */
    int into = v->root;
    for (size_t hops = 0; m->values[into].fused_into >= 0 && hops < m->value_count; hops++) into = m->values[into].fused_into;
    int writer = into != v->root ? writer_of(m, m->values[into].root) : -1;
    if (writer >= 0)
        return trit_fail(m, *status, "tensor '%s' is not kept: its node runs fused in the step of node '%s' (%s), which writes "
                    "only '%s'", name, m->steps[writer].name, m->steps[writer].op, m->values[m->steps[writer].out].name), -1;
    return trit_fail(m, *status, "tensor '%s' is not computed at run time (folded at load, or no output needs it)", name), -1;
}

trit_status trit_model_request_outputs(trit_model *m, const char *const *names, size_t count) {
    trit_status st = trit_model_begin(m);
    if (st) return st;
    for (size_t i = 0; i < count; i++)
        if (!names || !names[i]) return trit_fail(m, TRIT_ERROR_ARGUMENT, "a name is NULL");
    size_t live_count = m->input_count + m->output_count + count, bytes;
    if (!trit_size_mul(live_count + 1, sizeof(int), &bytes)) return trit_fail(m, TRIT_ERROR_LIMIT, "too many names (%zu)", count);
    int *live = trit_alloc(bytes); /* inputs, outputs, then the requested ids */
    trit_tensor_info *infos = trit_alloc((count + 1) * sizeof(trit_tensor_info));
    arena_plan plan = {0};
    unsigned char *arena = NULL;
    if (!live || !infos) {
        st = trit_fail(m, TRIT_ERROR_MEMORY, "out of memory");
        goto done;
    }
    for (size_t i = 0; i < m->input_count; i++) live[i] = m->inputs[i];
    for (size_t i = 0; i < m->output_count; i++) live[m->input_count + i] = m->outputs[i];
    int *ids = live + m->input_count + m->output_count;
    for (size_t i = 0; i < count; i++) {
        if ((ids[i] = resolve(m, names[i], &st)) < 0) goto done;
        trit_fill_tensor_info(&m->values[ids[i]], &infos[i]);
    }
    int planned = trit_arena_plan(m->values, m->value_count, m->steps, m->step_count, live, live_count, &plan);
    if (planned <= 0) {
        st = planned < 0 ? trit_fail(m, TRIT_ERROR_MEMORY, "out of memory") : trit_fail(m, TRIT_ERROR_LIMIT, "the memory plan overflows");
        goto done;
    }
    if (plan.total > m->max_arena_bytes) {
        st = trit_fail(m, TRIT_ERROR_LIMIT, "activations need %zu bytes, above the arena limit of %zu", plan.total, m->max_arena_bytes);
        goto done;
    }
    if (plan.total && !(arena = trit_alloc(plan.total))) {
        st = trit_fail(m, TRIT_ERROR_MEMORY, "out of memory");
        goto done;
    }
    if (plan.total) memset(arena, 0, plan.total);
    /* nothing can fail from here: keep the inputs already set, switch to the new plan */
    for (size_t i = 0; i < m->input_count; i++) {
        const void *from = trit_value_pointer(m->values, m->arena, m->inputs[i]);
        size_t offset = 0;
        for (size_t b = 0; b < plan.count; b++)
            if (plan.owner[b] == m->values[m->inputs[i]].root) offset = plan.buffers[b].offset;
        if (from && arena && m->values[m->inputs[i]].bytes) memcpy(arena + offset, from, m->values[m->inputs[i]].bytes);
    }
    trit_arena_plan_commit(&plan, m->values, m->steps);
    trit_free(m->arena);
    m->arena = arena;
    arena = NULL;
    trit_free(m->requested);
    trit_free(m->requested_infos);
    m->requested_count = count;
    m->requested_infos = infos;
    infos = NULL;
    for (size_t i = 0; i < count; i++) live[i] = ids[i]; /* the ids to the front: forward copy, ids is after live */
    m->requested = live;
    live = NULL;
    st = TRIT_OK;
done:
    trit_arena_plan_release(&plan);
    trit_free(arena);
    trit_free(live);
    trit_free(infos);
    return st;
}

size_t trit_model_requested_count(const trit_model *m) { return m && m->loaded ? m->requested_count : 0; }

trit_status trit_model_requested_info(trit_model *m, size_t index, trit_tensor_info *out_info) {
    trit_status st = trit_model_begin(m);
    if (st) return st;
    if (!out_info || index >= m->requested_count)
        return trit_fail(m, TRIT_ERROR_ARGUMENT, "requested tensor index %zu out of range (%zu requested)", index, m->requested_count);
    *out_info = m->requested_infos[index];
    return TRIT_OK;
}

trit_status trit_model_requested_output(trit_model *m, size_t index, const void **out_data, size_t *out_byte_size) {
    trit_status st = trit_model_begin(m);
    if (st) return st;
    if (!out_data || index >= m->requested_count)
        return trit_fail(m, TRIT_ERROR_ARGUMENT, "requested tensor index %zu out of range (%zu requested)", index, m->requested_count);
    *out_data = trit_value_pointer(m->values, m->arena, m->requested[index]);
    if (out_byte_size) *out_byte_size = m->values[m->requested[index]].bytes;
    return TRIT_OK;
}

size_t trit_model_step_count(const trit_model *m) { return m && m->loaded ? m->step_count : 0; }

static const char *kernel_name(const step *s) {
    if (s->kind == STEP_TCONV) return s->u.tconv.kernel->name;
    if (s->kind == STEP_FCONV) return s->u.fconv.kernel->name;
    if (s->kind == STEP_GEMM && s->u.gemm.kernel) return s->u.gemm.kernel->name;
    return "";
}

static const char *weights_name(const trit_model *m, const step *s) {
    if (s->kind == STEP_TCONV) return m->ternary[s->u.tconv.ternary].name;
    int id = s->weights >= 0 ? s->weights : (s->kind == STEP_CONV || s->kind == STEP_GEMM) ? s->in[1] : -1;
    return id >= 0 && m->values[id].name ? m->values[id].name : "";
}

trit_status trit_model_step_info(trit_model *m, size_t index, trit_step_info *out_info) {
    trit_status st = trit_model_begin(m);
    if (st) return st;
    if (!out_info || index >= m->step_count)
        return trit_fail(m, TRIT_ERROR_ARGUMENT, "step index %zu out of range (%zu steps)", index, m->step_count);
    const step *s = &m->steps[index];
    const int fused_kind = s->kind == STEP_CONV || s->kind == STEP_FCONV || s->kind == STEP_TCONV || s->kind == STEP_GEMM;
    out_info->name = s->name;
    out_info->op = s->op;
    out_info->input = s->in[0] >= 0 && m->values[s->in[0]].name ? m->values[s->in[0]].name : "";
    out_info->weights = weights_name(m, s);
    out_info->output = m->values[s->out].name;
    out_info->kernel = kernel_name(s);
    out_info->fused_add = fused_kind && s->residual >= 0;
    out_info->fused_activation = !fused_kind || (s->clamp_min == -INFINITY && s->clamp_max == INFINITY) ? ""
                                 : s->clamp_min == 0.0f && s->clamp_max == INFINITY                  ? "Relu"
                                                                                                     : "Clip";
    return TRIT_OK;
}

trit_status trit_model_run_steps(trit_model *m, size_t first, size_t count) {
    trit_status st = trit_model_begin(m);
    if (st) return st;
    if (first > m->step_count || count > m->step_count - first)
        return trit_fail(m, TRIT_ERROR_ARGUMENT, "steps %zu..%zu out of range (%zu steps)", first, first + count, m->step_count);
    for (size_t i = first; i < first + count; i++) {
        st = trit_exec_step(&m->steps[i], m->values, m->arena, NULL, m->message, sizeof m->message);
        if (st) return st;
    }
    return TRIT_OK;
}
