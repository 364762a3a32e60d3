/* Softmax over the last axis of [outer][n]: y = exp(x - max) / sum, in float.
 * Order: max over the row; e_i = expf(x_i - max) stored in y; sum of e_i ascending; y_i = e_i / sum. */
#include <math.h>

#include "ops.h"

void trit_ref_softmax_f32(size_t outer, size_t n, const float *x, float *y) {
    for (size_t row = 0; row < outer; row++) {
        const float *x_row = x + row * n;
        float *y_row = y + row * n;
        if (n == 0) continue;
        float max = x_row[0];
        for (size_t i = 1; i < n; i++) {
            if (x_row[i] > max) max = x_row[i];
        }
        float sum = 0.0f;
        for (size_t i = 0; i < n; i++) {
            y_row[i] = expf(x_row[i] - max);
            sum += y_row[i];
        }
        for (size_t i = 0; i < n; i++) y_row[i] /= sum;
    }
}
