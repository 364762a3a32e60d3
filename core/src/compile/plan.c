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

static void mark_read(tvalue *values, int id, int step_index) {
    if (id < 0) return;
    tvalue *v = &values[id];
    if (v->kind != VALUE_RUNTIME) {
        v->keep = 1;
        return;
    }
    tvalue *root = &values[v->root];
    if (step_index > root->last_use) root->last_use = step_index;
}

int trit_arena_plan(tvalue *values, size_t value_count, const step *steps, size_t step_count, const int *live_to_end,
                    size_t live_count, arena_plan *out) {
    memset(out, 0, sizeof *out);
    const int total_steps = (int)step_count;
    for (size_t v = 0; v < value_count; v++) {
        values[v].first_use = INT_MAX;
        values[v].last_use = -1;
    }
    for (size_t i = 0; i < step_count; i++) {
        const step *s = &steps[i];
        tvalue *written = &values[values[s->out].root];
        if ((int)i < written->first_use) written->first_use = (int)i;
        if ((int)i > written->last_use) written->last_use = (int)i;
        for (int k = 0; k < STEP_MAX_INPUTS; k++) mark_read(values, s->in[k], (int)i);
        mark_read(values, s->residual, (int)i);
        if (s->kind == STEP_CONCAT)
            for (int k = 0; k < s->u.concat.count; k++) mark_read(values, s->u.concat.inputs[k], (int)i);
    }
    /* inputs survive the whole run (running twice gives the same result); outputs and requested
     * tensors from their step to the end */
    for (size_t i = 0; i < live_count; i++) {
        tvalue *v = &values[live_to_end[i]];
        if (v->kind != VALUE_RUNTIME) continue;
        tvalue *root = &values[v->root];
        root->last_use = total_steps;
        if (root->first_use == INT_MAX) root->first_use = 0;
    }
    size_t buffer_count = 0;
    for (size_t v = 0; v < value_count; v++)
        if (values[v].kind == VALUE_RUNTIME && values[v].root == (int)v && values[v].first_use != INT_MAX) buffer_count++;
    for (size_t i = 0; i < step_count; i++)
        if (steps[i].scratch_bytes) buffer_count++;
    plan_buffer *buffers = trit_alloc((buffer_count + 1) * sizeof(plan_buffer));
    int *owner = trit_alloc((buffer_count + 1) * sizeof(int));
    if (!buffers || !owner) {
        trit_free(buffers);
        trit_free(owner);
        return -1;
    }
    size_t b = 0;
    for (size_t v = 0; v < value_count; v++) {
        const tvalue *val = &values[v];
        if (val->kind == VALUE_RUNTIME && val->root == (int)v && val->first_use != INT_MAX) {
            buffers[b].bytes = val->bytes;
            buffers[b].first = val->first_use;
            buffers[b].last = val->last_use < val->first_use ? val->first_use : val->last_use;
            owner[b++] = (int)v;
        }
    }
    for (size_t i = 0; i < step_count; i++)
        if (steps[i].scratch_bytes) {
            buffers[b].bytes = steps[i].scratch_bytes;
            buffers[b].first = buffers[b].last = (int)i;
            owner[b++] = -1 - (int)i;
        }
    out->buffers = buffers;
    out->owner = owner;
    out->count = buffer_count;
    int planned = trit_plan_memory(buffers, buffer_count, &out->total);
    if (planned != 1) trit_arena_plan_release(out);
    return planned;
}

void trit_arena_plan_commit(const arena_plan *plan, tvalue *values, step *steps) {
    for (size_t i = 0; i < plan->count; i++) {
        if (plan->owner[i] >= 0) values[plan->owner[i]].offset = plan->buffers[i].offset;
        else steps[-1 - plan->owner[i]].scratch_offset = plan->buffers[i].offset;
    }
}

void trit_arena_plan_release(arena_plan *plan) {
    trit_free(plan->buffers);
    trit_free(plan->owner);
    plan->buffers = NULL;
    plan->owner = NULL;
    plan->count = 0;
}

int cc_plan(compiler *c) {
    trit_model *m = c->m;
    size_t live_count = m->input_count + m->output_count;
    int *live = trit_alloc((live_count + 1) * sizeof(int));
    if (!live) return cc_no_memory(c);
    for (size_t i = 0; i < m->input_count; i++) live[i] = m->inputs[i];
    for (size_t i = 0; i < m->output_count; i++) live[m->input_count + i] = m->outputs[i];
    arena_plan plan;
    int planned = trit_arena_plan(c->values, c->value_count, c->steps, c->step_count, live, live_count, &plan);
    trit_free(live);
    if (planned < 0) return cc_no_memory(c);
    if (planned == 0) return cc_fail(c, TRIT_ERROR_LIMIT, "the memory plan overflows");
    const size_t total = plan.total;
    if (total > c->limits.max_arena_bytes) {
        trit_arena_plan_release(&plan);
        return cc_fail(c, TRIT_ERROR_LIMIT, "activations need %zu bytes, above the arena limit of %zu", total, c->limits.max_arena_bytes);
    }
    trit_arena_plan_commit(&plan, c->values, c->steps);
    trit_arena_plan_release(&plan);
    m->arena_bytes = total;
    m->max_arena_bytes = c->limits.max_arena_bytes;
    if (total && !(m->arena = trit_alloc(total))) return cc_no_memory(c);
    if (total) memset(m->arena, 0, total);
    return 1;
}
