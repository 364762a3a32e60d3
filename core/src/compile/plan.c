/* Memory plan: liveness of every runtime buffer over the step list (cc_plan), then one arena
 * (trit_plan_memory): buffers placed greedily from the largest down; each goes into the smallest gap
 * between buffers already placed whose lifetimes overlap its own (best fit), or after the highest of
 * them. Same idea as TFLite's greedy-by-size planner. */
#include <limits.h>
#include <string.h>

#include "compiler.h"

#define PLAN_ALIGN 64

static int overlaps(const plan_buffer *a, const plan_buffer *b) { return a->first <= b->last && b->first <= a->last; }

int trit_plan_memory(plan_buffer *buffers, size_t count, size_t *out_total) {
    size_t *order = count ? trit_alloc(count * sizeof(size_t)) : NULL;
    size_t *placed = count ? trit_alloc(count * sizeof(size_t)) : NULL; /* indices of placed buffers, by offset */
    if (count && (!order || !placed)) {
        trit_free(order);
        trit_free(placed);
        return -1;
    }
    for (size_t i = 0; i < count; i++) {
        order[i] = i;
        size_t rounded;
        if (!trit_size_add(buffers[i].bytes, PLAN_ALIGN - 1, &rounded)) {
            trit_free(order);
            trit_free(placed);
            return 0;
        }
        buffers[i].bytes = rounded & ~(size_t)(PLAN_ALIGN - 1);
    }
    /* insertion sort by size, largest first; ties by earlier first use (stable, deterministic) */
    for (size_t i = 1; i < count; i++) {
        size_t v = order[i], j = i;
        while (j > 0 && (buffers[order[j - 1]].bytes < buffers[v].bytes ||
                         (buffers[order[j - 1]].bytes == buffers[v].bytes && buffers[order[j - 1]].first > buffers[v].first))) {
            order[j] = order[j - 1];
            j--;
        }
        order[j] = v;
    }
    size_t placed_count = 0, total = 0;
    for (size_t oi = 0; oi < count; oi++) {
        plan_buffer *b = &buffers[order[oi]];
        size_t best_offset = 0, best_gap = SIZE_MAX, cursor = 0;
        int found = 0;
        for (size_t k = 0; k < placed_count; k++) { /* placed[] is sorted by offset */
            const plan_buffer *p = &buffers[placed[k]];
            if (!overlaps(p, b)) continue;
            if (p->offset > cursor) {
                size_t gap = p->offset - cursor;
                if (gap >= b->bytes && gap < best_gap) {
                    best_gap = gap;
                    best_offset = cursor;
                    found = 1;
                }
            }
            size_t end = p->offset + p->bytes; /* cannot overflow: checked when placed */
            if (end > cursor) cursor = end;
        }
        if (!found) best_offset = cursor;
        size_t end;
        if (!trit_size_add(best_offset, b->bytes, &end)) {
            trit_free(order);
            trit_free(placed);
            return 0;
        }
        b->offset = best_offset;
        if (end > total) total = end;
        size_t k = placed_count++;
        while (k > 0 && buffers[placed[k - 1]].offset > b->offset) {
            placed[k] = placed[k - 1];
            k--;
        }
        placed[k] = order[oi];
    }
    trit_free(order);
    trit_free(placed);
    *out_total = total;
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

int cc_plan(compiler *c) {
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
        return cc_no_memory(c);
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
        return cc_no_memory(c);
    }
    if (ok && total > c->limits.max_arena_bytes) {
        trit_free(buffers);
        trit_free(owner);
        return cc_fail(c, TRIT_ERROR_LIMIT, "activations need %zu bytes, above the arena limit of %zu", total, c->limits.max_arena_bytes);
    }
    if (ok) {
        for (size_t i = 0; i < buffer_count; i++) {
            if (owner[i] >= 0) c->values[owner[i]].offset = buffers[i].offset;
            else c->steps[-1 - owner[i]].scratch_offset = buffers[i].offset;
        }
    }
    trit_free(buffers);
    trit_free(owner);
    if (!ok) return cc_fail(c, TRIT_ERROR_LIMIT, "the memory plan overflows");
    c->m->arena_bytes = total;
    if (total && !(c->m->arena = trit_alloc(total))) return cc_no_memory(c);
    if (total) memset(c->m->arena, 0, total);
    return 1;
}
