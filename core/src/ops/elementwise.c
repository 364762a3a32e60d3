/* Element-wise ops: clamp (Relu, Clip), per-channel affine (unfolded BatchNormalization) and the
 * broadcasting binary ops.
 *
 * Binary op semantics (ONNX), chosen so that no input can trap or hit undefined behaviour:
 *   float32: IEEE add/sub/mul/div; Mod and Fmod are C fmodf (ONNX requires fmod=1 for floats: the result
 *            has the sign of the dividend). Shifts on float32 are not defined by ONNX: they write 0.
 *   integers (uint8, int8, int32, int64): add/sub/mul wrap around (two's complement); Div truncates toward
 *            zero; Mod follows the sign of the divisor (ONNX fmod=0, Python-style), Fmod the sign of the
 *            dividend (ONNX fmod=1, C's %); x / 0, x % 0 and fmod(x, 0) give 0;
 *            INT_MIN / -1 wraps to INT_MIN and INT_MIN % -1 is 0. Shifts act on the unsigned bit pattern
 *            of the type's width; a shift by the width or more (or by a negative amount) gives 0.
 */
#include <math.h>

#include "ops.h"

void trit_ref_clamp_f32(size_t count, const float *x, float min, float max, float *y) {
    for (size_t i = 0; i < count; i++) {
        float v = x[i];
        if (v < min) v = min;
        if (v > max) v = max;
        y[i] = v; /* NaN passes through, as in ONNX Relu/Clip */
    }
}

void trit_ref_clamp_int(trit_dtype type, size_t count, const void *x, int64_t min, int64_t max, void *y) {
    for (size_t i = 0; i < count; i++) {
        int64_t v;
        switch (type) {
        case TRIT_UINT8: v = ((const uint8_t *)x)[i]; break;
        case TRIT_INT8: v = ((const int8_t *)x)[i]; break;
        case TRIT_INT32: v = ((const int32_t *)x)[i]; break;
        default: v = ((const int64_t *)x)[i]; break;
        }
        if (v < min) v = min;
        if (v > max) v = max;
        /* v now lies within the type's range whenever min/max do (the compiler reads them as the type) */
        switch (type) {
        case TRIT_UINT8: ((uint8_t *)y)[i] = (uint8_t)v; break;
        case TRIT_INT8: ((int8_t *)y)[i] = (int8_t)v; break;
        case TRIT_INT32: ((int32_t *)y)[i] = (int32_t)v; break;
        default: ((int64_t *)y)[i] = v; break;
        }
    }
}

void trit_ref_batchnorm_params(int channels, const float *gamma, const float *beta, const float *mean, const float *var,
                               float epsilon, float *scale, float *shift) {
    for (int i = 0; i < channels; i++) {
        scale[i] = gamma[i] / sqrtf(var[i] + epsilon);
        shift[i] = beta[i] - mean[i] * scale[i];
    }
}

void trit_ref_channel_affine_f32(int batch, int channels, size_t spatial, const float *x, const float *scale,
                                 const float *shift, const trit_epilogue *e, float *y) {
    size_t i = 0;
    for (int n = 0; n < batch; n++) {
        for (int c = 0; c < channels; c++) {
            for (size_t s = 0; s < spatial; s++, i++) {
                const float v = x[i] * scale[c] + shift[c];
                y[i] = e ? trit_apply_epilogue(e, i, v) : v;
            }
        }
    }
}

static float binary_f32(trit_binary_op op, float a, float b) {
    switch (op) {
    case TRIT_BINARY_ADD: return a + b;
    case TRIT_BINARY_SUB: return a - b;
    case TRIT_BINARY_MUL: return a * b;
    case TRIT_BINARY_DIV: return a / b;
    case TRIT_BINARY_MOD:
    case TRIT_BINARY_FMOD: return fmodf(a, b);
    case TRIT_BINARY_SHIFT_LEFT:
    case TRIT_BINARY_SHIFT_RIGHT: break;
    }
    return 0.0f;
}

/* Signed arithmetic for every integer type, done on int64 with wrap-around through uint64 so that
 * overflow is defined; the caller narrows the result to its type (modular conversion). Values of
 * narrower types cannot reach the int64 corner cases, so one function serves all of them. */
static int64_t wrap_to_int64(uint64_t u) {
    /* Two's complement reinterpretation without implementation-defined conversion. */
    return u <= (uint64_t)INT64_MAX ? (int64_t)u : -(int64_t)(~u) - 1;
}

static int64_t binary_arith_int(trit_binary_op op, int64_t a, int64_t b) {
    switch (op) {
    case TRIT_BINARY_ADD: return wrap_to_int64((uint64_t)a + (uint64_t)b);
    case TRIT_BINARY_SUB: return wrap_to_int64((uint64_t)a - (uint64_t)b);
    case TRIT_BINARY_MUL: return wrap_to_int64((uint64_t)a * (uint64_t)b);
    case TRIT_BINARY_DIV:
        if (b == 0) return 0;
        if (b == -1) return wrap_to_int64(0u - (uint64_t)a); /* INT64_MIN / -1 wraps */
        return a / b;
    case TRIT_BINARY_MOD: {
        if (b == 0 || b == -1) return 0;
        int64_t r = a % b;
        if (r != 0 && ((r < 0) != (b < 0))) r += b; /* take the divisor's sign */
        return r;
    }
    case TRIT_BINARY_FMOD:
        if (b == 0 || b == -1) return 0;
        return a % b; /* C99: truncating division, the remainder has the dividend's sign */
    case TRIT_BINARY_SHIFT_LEFT:
    case TRIT_BINARY_SHIFT_RIGHT: break;
    }
    return 0;
}

/* Shifts on the unsigned bit pattern of `bits` width; the amount is the raw value of b. */
static uint64_t binary_shift(trit_binary_op op, uint64_t a_bits, int64_t amount, int bits) {
    if (amount < 0 || amount >= bits) return 0;
    const uint64_t mask = bits == 64 ? ~(uint64_t)0 : (((uint64_t)1 << bits) - 1);
    if (op == TRIT_BINARY_SHIFT_LEFT) return (a_bits << amount) & mask;
    return (a_bits & mask) >> amount;
}

static int is_shift(trit_binary_op op) { return op == TRIT_BINARY_SHIFT_LEFT || op == TRIT_BINARY_SHIFT_RIGHT; }

/* Narrowing to the signed types by bit pattern (defined behaviour, unlike a plain cast). */
static int8_t int8_from_bits(uint64_t u) {
    const unsigned v = (unsigned)(u & 0xFFu);
    return v < 128u ? (int8_t)v : (int8_t)((int)v - 256);
}
static int32_t int32_from_bits(uint64_t u) {
    const uint32_t v = (uint32_t)(u & 0xFFFFFFFFu);
    return v <= (uint32_t)INT32_MAX ? (int32_t)v : (int32_t)(-(int64_t)(~v) - 1);
}

static void binary_element(trit_binary_op op, trit_dtype dtype, const void *a, size_t ai, const void *b, size_t bi,
                           void *y, size_t yi) {
    switch (dtype) {
    case TRIT_FLOAT32:
        ((float *)y)[yi] = binary_f32(op, ((const float *)a)[ai], ((const float *)b)[bi]);
        return;
    case TRIT_UINT8: {
        const uint8_t av = ((const uint8_t *)a)[ai], bv = ((const uint8_t *)b)[bi];
        const uint64_t r = is_shift(op) ? binary_shift(op, av, bv, 8) : (uint64_t)binary_arith_int(op, av, bv);
        ((uint8_t *)y)[yi] = (uint8_t)(r & 0xFFu);
        return;
    }
    case TRIT_INT8: {
        const int8_t av = ((const int8_t *)a)[ai], bv = ((const int8_t *)b)[bi];
        const uint64_t r = is_shift(op) ? binary_shift(op, (uint64_t)(int64_t)av, bv, 8)
                                        : (uint64_t)binary_arith_int(op, av, bv);
        ((int8_t *)y)[yi] = int8_from_bits(r);
        return;
    }
    case TRIT_INT32: {
        const int32_t av = ((const int32_t *)a)[ai], bv = ((const int32_t *)b)[bi];
        const uint64_t r = is_shift(op) ? binary_shift(op, (uint64_t)(int64_t)av, bv, 32)
                                        : (uint64_t)binary_arith_int(op, av, bv);
        ((int32_t *)y)[yi] = int32_from_bits(r);
        return;
    }
    case TRIT_INT64: {
        const int64_t av = ((const int64_t *)a)[ai], bv = ((const int64_t *)b)[bi];
        ((int64_t *)y)[yi] = is_shift(op) ? wrap_to_int64(binary_shift(op, (uint64_t)av, bv, 64))
                                          : binary_arith_int(op, av, bv);
        return;
    }
    }
}

void trit_ref_binary(trit_binary_op op, trit_dtype dtype, int rank, const int64_t *out_dims,
                     const void *a, const int64_t *a_strides, const void *b, const int64_t *b_strides,
                     void *y) {
    size_t count = 1;
    for (int d = 0; d < rank; d++) count *= (size_t)out_dims[d];

    /* Walk the output in row-major order with a multi-index, moving the input offsets along. */
    int64_t index[TRIT_MAX_RANK] = {0};
    int64_t a_offset = 0, b_offset = 0;
    for (size_t i = 0; i < count; i++) {
        binary_element(op, dtype, a, (size_t)a_offset, b, (size_t)b_offset, y, i);
        for (int d = rank - 1; d >= 0; d--) {
            index[d]++;
            a_offset += a_strides[d];
            b_offset += b_strides[d];
            if (index[d] < out_dims[d]) break;
            a_offset -= a_strides[d] * out_dims[d];
            b_offset -= b_strides[d] * out_dims[d];
            index[d] = 0;
        }
    }
}
