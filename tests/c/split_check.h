/* Work splitting (tconv.h, docs/KERNELS.md "Work splitting"): a variant's prepare + run_range over
 * chunks of its units, taken last chunk first with a fresh `own` per chunk, must write exactly the
 * bytes run() wrote (y_run), as the threaded executor (core/src/threads.c) relies on. Batch 1 only. */
#ifndef TRIT_TEST_SPLIT_CHECK_H
#define TRIT_TEST_SPLIT_CHECK_H
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "../../core/src/kernels/tconv/tconv.h"

static int split_checked;

static void check_split(const trit_tconv_kernel *k, const trit_conv_shape *s, const void *packed, const float *x,
                        const float *bias, const trit_epilogue *e, const float *y_run, size_t y_count) {
    if (!k->run_range || s->batch != 1) return;
    const int units = k->range_units(s);
    CHECK_MSG(units >= 1, "%s: range_units %d", k->name, units);
    const size_t scratch_size = k->scratch_size(s), own_size = k->own_size ? k->own_size(s) : 0;
    unsigned char *scratch = malloc(scratch_size ? scratch_size : 1), *own = malloc(own_size + 16);
    float *y = malloc((y_count ? y_count : 1) * sizeof *y);
    memset(scratch, 0xA5, scratch_size);
    for (size_t i = 0; i < y_count; i++) y[i] = 12345.0f;
    if (k->prepare_range) { /* the prepared copy by rows too, last range first, each with fresh own memory */
        const int rows = k->prepare_units(s), step = rows > 3 ? rows / 3 : 1;
        for (int end = rows; end > 0; end -= step) {
            memset(own, 0x5A, own_size + 16);
            k->prepare_range(s, packed, x, scratch, own, end - step > 0 ? end - step : 0, end);
        }
    } else {
        k->prepare(s, packed, x, scratch);
    }
    const int chunk = units > 3 ? units / 3 : 1;
    for (int end = units; end > 0; end -= chunk) {
        memset(own, 0x5A, own_size + 16);
        k->run_range(s, packed, bias, e, y, scratch, own, end - chunk > 0 ? end - chunk : 0, end);
    }
    CHECK_MSG(memcmp(y, y_run, y_count * sizeof *y) == 0, "%s: prepare + run_range in chunks differs from run()", k->name);
    split_checked++;
    free(scratch), free(own), free(y);
}
#endif
