/* Memory planner: live buffers never overlap, dead ones are reused, alignment holds. */
#include <stdlib.h>

#include "check.h"
#include "engine.h"

static int overlap_in_time(const plan_buffer *a, const plan_buffer *b) { return a->first <= b->last && b->first <= a->last; }
static int overlap_in_memory(const plan_buffer *a, const plan_buffer *b) {
    return a->offset < b->offset + b->bytes && b->offset < a->offset + a->bytes;
}

static void check_plan(plan_buffer *b, size_t n, size_t total) {
    int bad = 0;
    for (size_t i = 0; i < n; i++) {
        if (b[i].offset % 64 || b[i].offset + b[i].bytes > total) bad++;
        for (size_t j = i + 1; j < n; j++)
            if (b[i].bytes && b[j].bytes && overlap_in_time(&b[i], &b[j]) && overlap_in_memory(&b[i], &b[j])) bad++;
    }
    CHECK_MSG(bad == 0, "%d overlapping or misplaced buffers", bad);
}

int main(void) {
    /* a chain: each buffer lives for two steps; two buffers suffice */
    plan_buffer chain[6];
    for (int i = 0; i < 6; i++) chain[i] = (plan_buffer){1000, i, i + 1, 0};
    size_t total = 0;
    CHECK(trit_plan_memory(chain, 6, &total));
    check_plan(chain, 6, total);
    CHECK_MSG(total == 2 * 1024, "chain total %zu", total);

    /* everything live at once: the sum */
    plan_buffer all[4] = {{100, 0, 5, 0}, {200, 0, 5, 0}, {300, 0, 5, 0}, {64, 0, 5, 0}};
    CHECK(trit_plan_memory(all, 4, &total));
    check_plan(all, 4, total);
    CHECK(total == 128 + 256 + 320 + 64);

    /* a small buffer fits in the gap a dead large one left */
    plan_buffer gap[3] = {{4096, 0, 1, 0}, {4096, 2, 3, 0}, {1024, 1, 2, 0}};
    CHECK(trit_plan_memory(gap, 3, &total));
    check_plan(gap, 3, total);
    CHECK(total == 4096 + 1024);

    /* random lifetimes */
    srand(7);
    for (int round = 0; round < 50; round++) {
        plan_buffer r[40];
        size_t sum = 0;
        for (int i = 0; i < 40; i++) {
            int first = rand() % 30;
            r[i] = (plan_buffer){(size_t)(rand() % 5000), first, first + rand() % 6, 0};
            sum += (r[i].bytes + 63) & ~(size_t)63;
        }
        CHECK(trit_plan_memory(r, 40, &total));
        check_plan(r, 40, total);
        CHECK(total <= sum);
    }
    CHECK(trit_plan_memory(NULL, 0, &total) && total == 0);
    /* overflow is reported, not wrapped */
    plan_buffer huge[2] = {{SIZE_MAX - 10, 0, 1, 0}, {100, 0, 1, 0}};
    CHECK(!trit_plan_memory(huge, 2, &total));
    return CHECK_REPORT("test_plan");
}
