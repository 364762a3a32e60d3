/* trit_ref_slice and trit_ref_pad_constant (row-wise since issue 17: the option-A shortcut of every
 * CIFAR ResNet runs through them) against the element-by-element walk they replaced, over random
 * ranks 1-4, element sizes 1/2/4/8, negative steps and negative (cropping) pads. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../core/src/ops/ops.h"
#include "check.h"

static uint32_t state = 12345;
static int rnd(int n) {
    state = state * 1664525u + 1013904223u;
    return (int)((state >> 8) % (uint32_t)n);
}

static void naive_slice(size_t es, int rank, const int64_t *xd, const int64_t *starts, const int64_t *steps,
                        const int64_t *yd, const unsigned char *x, unsigned char *y) {
    int64_t st[4], idx[4] = {0};
    int64_t s = 1;
    for (int d = rank - 1; d >= 0; d--) st[d] = s, s *= xd[d];
    size_t count = 1;
    for (int d = 0; d < rank; d++) count *= (size_t)yd[d];
    for (size_t i = 0; i < count; i++) {
        int64_t off = 0;
        for (int d = 0; d < rank; d++) off += (starts[d] + idx[d] * steps[d]) * st[d];
        memcpy(y + i * es, x + off * (int64_t)es, es);
        for (int d = rank - 1; d >= 0; d--) {
            if (++idx[d] < yd[d]) break;
            idx[d] = 0;
        }
    }
}

static void naive_pad(size_t es, int rank, const int64_t *xd, const int64_t *pads, const unsigned char *value,
                      const unsigned char *x, unsigned char *y) {
    int64_t st[4], yd[4], idx[4] = {0};
    int64_t s = 1;
    for (int d = rank - 1; d >= 0; d--) st[d] = s, s *= xd[d];
    size_t count = 1;
    for (int d = 0; d < rank; d++) yd[d] = xd[d] + pads[d] + pads[rank + d], count *= (size_t)yd[d];
    for (size_t i = 0; i < count; i++) {
        int64_t off = 0;
        int inside = 1;
        for (int d = 0; d < rank; d++) {
            const int64_t xi = idx[d] - pads[d];
            if (xi < 0 || xi >= xd[d]) {
                inside = 0;
                break;
            }
            off += xi * st[d];
        }
        memcpy(y + i * es, inside ? x + off * (int64_t)es : value, es);
        for (int d = rank - 1; d >= 0; d--) {
            if (++idx[d] < yd[d]) break;
            idx[d] = 0;
        }
    }
}

int main(void) {
    unsigned char x[8 * 6 * 7 * 5 * 8], y[4096 * 8], z[4096 * 8], value[8] = {1, 2, 3, 4, 5, 6, 7, 8};
    for (size_t i = 0; i < sizeof x; i++) x[i] = (unsigned char)(i * 7 + 3);
    for (int t = 0; t < 3000; t++) {
        const int rank = 1 + rnd(4);
        const size_t es = (size_t[]){1, 2, 4, 8}[rnd(4)];
        int64_t xd[4], starts[4], steps[4], yd[4], pads[8];
        for (int d = 0; d < rank; d++) xd[d] = 1 + rnd(6);
        for (int d = 0; d < rank; d++) {
            steps[d] = rnd(3) == 0 ? -1 - rnd(2) : 1 + rnd(3);
            if (steps[d] > 0) {
                starts[d] = rnd((int)xd[d]);
                yd[d] = (xd[d] - starts[d] + steps[d] - 1) / steps[d];
            } else {
                starts[d] = rnd((int)xd[d]);
                yd[d] = (starts[d] + 1 + (-steps[d]) - 1) / (-steps[d]);
            }
            if (rnd(8) == 0) yd[d] = 0;
        }
        memset(y, 0xAB, sizeof y), memset(z, 0xAB, sizeof z);
        trit_ref_slice(es, rank, xd, starts, steps, yd, x, y);
        naive_slice(es, rank, xd, starts, steps, yd, x, z);
        CHECK_MSG(memcmp(y, z, sizeof y) == 0, "slice case %d differs", t);
        for (int d = 0; d < 2 * rank; d++) pads[d] = rnd(5) == 0 ? -rnd((int)xd[d % rank]) : rnd(3);
        int empty = 0;
        for (int d = 0; d < rank; d++) empty |= xd[d] + pads[d] + pads[rank + d] < 0;
        if (empty) continue;
        memset(y, 0xAB, sizeof y), memset(z, 0xAB, sizeof z);
        trit_ref_pad_constant(es, rank, xd, pads, value, x, y);
        naive_pad(es, rank, xd, pads, value, x, z);
        CHECK_MSG(memcmp(y, z, sizeof y) == 0, "pad case %d differs", t);
    }
    return CHECK_REPORT("test_slice_pad");
}
