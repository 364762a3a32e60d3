/* Steps: creation, and constant folding (a step whose inputs are all constant runs at compile time
 * on the executor and leaves a constant instead). */
#include <math.h>
#include <string.h>

#include "compiler.h"

step *cc_new_step(compiler *c, step_kind kind, int node_index) {
    if (!cc_reserve(c, (void **)&c->steps, &c->step_capacity, c->step_count, sizeof(step), 64)) return NULL;
    step *s = &c->steps[c->step_count];
    memset(s, 0, sizeof *s);
    s->kind = kind;
    s->node = node_index;
    /* A copy in the model's pool: run-time messages name the step after the decoded file is freed. */
    const char *label = node_index >= 0 ? cc_node_label(&c->onnx.graph.nodes[node_index]) : "";
    const char *op = node_index >= 0 ? c->onnx.graph.nodes[node_index].op_type : "";
    if (!(s->name = trit_pool_strndup(&c->m->pool, label, strlen(label))) ||
        !(s->op = trit_pool_strndup(&c->m->pool, op, strlen(op))))
        return cc_no_memory(c), NULL;
    for (int i = 0; i < STEP_MAX_INPUTS; i++) s->in[i] = -1;
    s->out = -1;
    s->weights = -1;
    s->residual = -1;
    s->clamp_min = -INFINITY;
    s->clamp_max = INFINITY;
    return s;
}

/* The step just created either runs now (every input constant: fold) or stays in the list. */
int cc_finish_step(compiler *c, step *s) {
    int all_const = cc_is_const(c, s->residual);
    for (int i = 0; i < STEP_MAX_INPUTS; i++) all_const = all_const && cc_is_const(c, s->in[i]);
    if (s->kind == STEP_CONCAT)
        for (int i = 0; i < s->u.concat.count; i++) all_const = all_const && cc_is_const(c, s->u.concat.inputs[i]);
    if (s->kind == STEP_TCONV) all_const = 0; /* fold only float conv; a constant-input tconv is absurd */
    tvalue *out = &c->values[s->out];
    if (!all_const) {
        out->step = (int)c->step_count;
        c->step_count++;
        return 1;
    }
    /* materialise every input (ternary weights read as float) then run the step on constants */
    for (int i = 0; i < STEP_MAX_INPUTS; i++)
        if (s->in[i] >= 0 && !cc_const_data(c, s->in[i])) {
            if (c->status) return 0;
        }
    void *data = out->bytes ? trit_alloc(out->bytes) : NULL;
    void *scratch = s->scratch_bytes ? trit_alloc(s->scratch_bytes) : NULL;
    if ((out->bytes && !data) || (s->scratch_bytes && !scratch)) {
        trit_free(data);
        trit_free(scratch);
        return cc_no_memory(c);
    }
    out = &c->values[s->out];
    out->data = data;
    out->kind = VALUE_CONST;
    char message[256] = "";
    trit_status st = trit_exec_step(s, c->values, NULL, scratch, message, sizeof message);
    trit_free(scratch);
    if (st != TRIT_OK) return cc_fail(c, st == TRIT_ERROR_ARGUMENT ? TRIT_ERROR_FORMAT : st, "%s", message); /* folded values come from the file */
    return 1; /* the step is not kept: step_count unchanged */
}
