/* DequantizeLinear: y = (float)(x - zero_point) * scale, the difference taken exactly in int64
 * (as onnxruntime does in int32 for 8-bit inputs), then one float multiply. */
#include <math.h>

#include "ops.h"

void trit_ref_dequantize_linear(trit_dtype x_type, size_t outer, size_t axis_size, size_t inner, const void *x,
                                const float *scale, const void *zero_point, float *y) {
    size_t i = 0;
    for (size_t o = 0; o < outer; o++) {
        for (size_t a = 0; a < axis_size; a++) {
            const int64_t zero = zero_point ? trit_read_int(x_type, zero_point, a) : 0;
            for (size_t k = 0; k < inner; k++, i++) {
                y[i] = (float)(trit_read_int(x_type, x, i) - zero) * scale[a];
            }
        }
    }
}

void trit_ref_quantize_linear(trit_dtype y_type, size_t outer, size_t axis_size, size_t inner, const float *x,
                              const float *scale, const void *zero_point, void *y) {
    const float lo = y_type == TRIT_UINT8 ? 0.0f : -128.0f, hi = y_type == TRIT_UINT8 ? 255.0f : 127.0f;
    size_t i = 0;
    for (size_t o = 0; o < outer; o++) {
        for (size_t a = 0; a < axis_size; a++) {
            const float zero = zero_point ? (float)trit_read_int(y_type, zero_point, a) : 0.0f;
            for (size_t k = 0; k < inner; k++, i++) {
                float v = x[i] / scale[a];
                v = (v != v ? 0.0f : nearbyintf(v)) + zero; /* integers below 2^24: exact */
                v = v < lo ? lo : (v > hi ? hi : v);
                if (y_type == TRIT_UINT8) ((uint8_t *)y)[i] = (uint8_t)v;
                else ((int8_t *)y)[i] = (int8_t)v;
            }
        }
    }
}
