/* Data movement (Gather, Slice, Pad, Concat) on raw elements of any size, and Cast. */
#include <math.h>
#include <string.h>

#include "ops.h"

void trit_ref_gather(size_t element_size, size_t outer, size_t axis_size, size_t inner, const void *data,
                     const int64_t *indices, size_t index_count, void *y) {
    const size_t block = inner * element_size;
    if (block == 0) return; /* empty blocks: nothing to copy, and data may be NULL */
    const unsigned char *src = data;
    unsigned char *dst = y;
    for (size_t o = 0; o < outer; o++) {
        for (size_t i = 0; i < index_count; i++) {
            memcpy(dst, src + (o * axis_size + (size_t)indices[i]) * block, block);
            dst += block;
        }
    }
}

/* Row-major element strides of x_dims. */
static void dims_strides(int rank, const int64_t *dims, int64_t *strides) {
    int64_t stride = 1;
    for (int d = rank - 1; d >= 0; d--) {
        strides[d] = stride;
        stride *= dims[d];
    }
}

/* The next multi-index of a row-major walk over dims (an odometer). */
static void next_index(int rank, const int64_t *dims, int64_t *index) {
    for (int d = rank - 1; d >= 0; d--) {
        if (++index[d] < dims[d]) break;
        index[d] = 0;
    }
}

static size_t dims_count(int rank, const int64_t *dims) {
    size_t count = 1;
    for (int d = 0; d < rank; d++) count *= (size_t)dims[d];
    return count;
}

/* One element of `size` bytes (4 and 1 copied directly: the shortcut of every ResNet moves floats
 * or 8-bit values, and a memcpy call per element cost more than the conv it feeds on 8x8 planes). */
static inline void copy_element(unsigned char *dst, const unsigned char *src, size_t size) {
    if (size == 4) memcpy(dst, src, 4);
    else if (size == 1) *dst = *src;
    else memcpy(dst, src, size);
}

/* y as rows of its last dimension, for the row walkers below (slice, pad): 0 when there is nothing
 * to walk, y being empty or of rank 0 (its one element then copied from x here). */
static int rows_to_walk(size_t element_size, int rank, const int64_t *y_dims, const void *x, void *y, size_t *row,
                        size_t *rows) {
    const size_t count = dims_count(rank, y_dims);
    if (count == 0) return 0;
    if (rank == 0) {
        memcpy(y, x, element_size);
        return 0;
    }
    *row = (size_t)y_dims[rank - 1];
    *rows = count / *row;
    return 1;
}

/* Walks y row by row (every dimension but the last by the odometer, the last one in a loop). */
void trit_ref_slice(size_t element_size, int rank, const int64_t *x_dims, const int64_t *starts,
                    const int64_t *steps, const int64_t *y_dims, const void *x, void *y) {
    int64_t x_strides[TRIT_MAX_RANK];
    dims_strides(rank, x_dims, x_strides);
    size_t row, rows;
    if (!rows_to_walk(element_size, rank, y_dims, x, y, &row, &rows)) return;
    const int last = rank - 1;
    const int64_t step = steps[last] * x_strides[last];
    int64_t index[TRIT_MAX_RANK] = {0};
    unsigned char *dst = y;
    for (size_t r = 0; r < rows; r++) {
        int64_t offset = starts[last] * x_strides[last];
        for (int d = 0; d < last; d++) offset += (starts[d] + index[d] * steps[d]) * x_strides[d];
        const unsigned char *src = (const unsigned char *)x + offset * (int64_t)element_size;
        if (step == 1) memcpy(dst, src, row * element_size);
        else
            for (size_t i = 0; i < row; i++) copy_element(dst + i * element_size, src + (int64_t)i * step * (int64_t)element_size, element_size);
        dst += row * element_size;
        next_index(last, y_dims, index);
    }
}

void trit_ref_pad_constant(size_t element_size, int rank, const int64_t *x_dims, const int64_t *pads,
                           const void *value, const void *x, void *y) {
    int64_t x_strides[TRIT_MAX_RANK], y_dims[TRIT_MAX_RANK];
    dims_strides(rank, x_dims, x_strides);
    for (int d = 0; d < rank; d++) y_dims[d] = x_dims[d] + pads[d] + pads[rank + d];
    size_t row, rows;
    if (!rows_to_walk(element_size, rank, y_dims, x, y, &row, &rows)) return;
    const int last = rank - 1;
    const unsigned char *src = x;
    unsigned char *dst = y;
    int64_t index[TRIT_MAX_RANK] = {0};
    for (size_t r = 0; r < rows; r++) {
        int64_t offset = 0;
        int inside = 1;
        for (int d = 0; d < last; d++) {
            const int64_t xi = index[d] - pads[d];
            if (xi < 0 || xi >= x_dims[d]) {
                inside = 0;
                break;
            }
            offset += xi * x_strides[d];
        }
        /* columns [begin, end) of this row come from x, the rest is the value */
        int64_t begin = pads[last], end = pads[last] + x_dims[last];
        if (begin < 0) begin = 0;
        if (end > (int64_t)row) end = (int64_t)row;
        if (!inside || end < begin) begin = end = 0;
        for (int64_t i = 0; i < begin; i++) copy_element(dst + (size_t)i * element_size, value, element_size);
        if (end > begin)
            memcpy(dst + (size_t)begin * element_size, src + (size_t)(offset + begin - pads[last]) * element_size,
                   (size_t)(end - begin) * element_size);
        for (int64_t i = end; i < (int64_t)row; i++) copy_element(dst + (size_t)i * element_size, value, element_size);
        dst += row * element_size;
        next_index(last, y_dims, index);
    }
}

void trit_ref_concat(size_t element_size, size_t outer, size_t inner, int count, const void *const *inputs,
                     const int64_t *axis_sizes, void *y) {
    unsigned char *dst = y;
    for (size_t o = 0; o < outer; o++) {
        for (int t = 0; t < count; t++) {
            const size_t block = (size_t)axis_sizes[t] * inner * element_size;
            memcpy(dst, (const unsigned char *)inputs[t] + o * block, block);
            dst += block;
        }
    }
}

/* ---- Cast --------------------------------------------------------------------------------------
 * int → int: two's complement wrap-around to the target width (as onnxruntime's static_cast).
 * int → float: nearest float. float → int: NaN → 0, otherwise truncate toward zero and saturate to
 * the target's range (ONNX leaves out-of-range undefined; saturating keeps C free of undefined
 * behaviour and is what the 8-bit targets in ops.h promise). float → float: copy. */
static int is_float(trit_dtype t) { return t == TRIT_FLOAT32; }

/* Write the low bits of v (two's complement) to an integer element of type t. */
static void write_int_wrapped(trit_dtype t, void *y, size_t i, int64_t v) {
    const uint64_t bits = (uint64_t)v;
    switch (t) {
    case TRIT_UINT8: ((uint8_t *)y)[i] = (uint8_t)(bits & 0xFFu); return;
    case TRIT_INT8: {
        const unsigned low = (unsigned)(bits & 0xFFu);
        ((int8_t *)y)[i] = low < 128u ? (int8_t)low : (int8_t)((int)low - 256);
        return;
    }
    case TRIT_INT32: {
        const uint32_t low = (uint32_t)(bits & 0xFFFFFFFFu);
        ((int32_t *)y)[i] = low <= (uint32_t)INT32_MAX ? (int32_t)low : (int32_t)(-(int64_t)(~low) - 1);
        return;
    }
    case TRIT_INT64: ((int64_t *)y)[i] = v; return;
    case TRIT_FLOAT32: return;
    }
}

/* Saturating float → integer: NaN → 0, truncation toward zero. */
static int64_t float_to_int_saturated(trit_dtype t, float v) {
    double lo, hi;
    switch (t) {
    case TRIT_UINT8: lo = 0.0; hi = 255.0; break;
    case TRIT_INT8: lo = -128.0; hi = 127.0; break;
    case TRIT_INT32: lo = -2147483648.0; hi = 2147483647.0; break;
    default:
        if (isnan(v)) return 0;
        /* 2^63 is the first float above INT64_MAX; everything below converts exactly. */
        if (v >= 9223372036854775808.0f) return INT64_MAX;
        if (v <= -9223372036854775808.0f) return INT64_MIN;
        return (int64_t)v;
    }
    if (isnan(v)) return 0;
    const double d = trunc((double)v);
    if (d <= lo) return (int64_t)lo;
    if (d >= hi) return (int64_t)hi;
    return (int64_t)d;
}

void trit_ref_cast(trit_dtype from, trit_dtype to, size_t count, const void *x, void *y) {
    for (size_t i = 0; i < count; i++) {
        if (is_float(from) && is_float(to)) {
            ((float *)y)[i] = ((const float *)x)[i];
        } else if (is_float(from)) {
            write_int_wrapped(to, y, i, float_to_int_saturated(to, ((const float *)x)[i]));
        } else if (is_float(to)) {
            ((float *)y)[i] = (float)trit_read_int(from, x, i);
        } else {
            write_int_wrapped(to, y, i, trit_read_int(from, x, i));
        }
    }
}
