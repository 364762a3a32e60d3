/* Memory planner: one arena, buffers placed greedily from the largest down; each goes into the
 * smallest gap between buffers already placed whose lifetimes overlap its own (best fit), or
 * after the highest of them. Same idea as TFLite's greedy-by-size planner. */
#include "alloc.h"
#include "engine.h"

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
