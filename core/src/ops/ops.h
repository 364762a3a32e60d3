/* Reference kernels: portable scalar C, the ground truth for every faster variant.
 * Clear, not clever. They never allocate and never fail: the graph compiler has checked every
 * shape and parameter before a kernel is called. Layout is NCHW for images, row-major otherwise.
 */
#ifndef TRIT_OPS_H
#define TRIT_OPS_H

#include <stddef.h>
#include <stdint.h>

#include "trit.h"

/* ---- epilogue fused into conv / gemm / add ------------------------------------------------
 * y = clamp(value + (residual ? residual[i] : 0), min, max). A plain ReLU is {0, +INFINITY};
 * no activation is {-INFINITY, +INFINITY}. `residual` has exactly the output's shape. */
typedef struct trit_epilogue {
    const float *residual;
    float min;
    float max;
} trit_epilogue;

static inline float trit_apply_epilogue(const trit_epilogue *e, size_t i, float v) {
    if (e->residual) v += e->residual[i];
    if (v < e->min) v = e->min;
    if (v > e->max) v = e->max;
    return v;
}

/* ---- 2-D convolution geometry (also used by pooling) ---------------------------------------- */
typedef struct trit_conv_shape {
    int batch;
    int in_channels, in_h, in_w;
    int out_channels, out_h, out_w;
    int kernel_h, kernel_w;
    int stride_h, stride_w;
    int dilation_h, dilation_w;
    int pad_top, pad_left; /* bottom/right padding is whatever out_h/out_w imply */
    int group;             /* in_channels and out_channels are multiples of group */
} trit_conv_shape;

/* Loops over the taps (kh, kw) of output (oh, ow)'s window that fall inside the input, kernel rows
 * then columns ascending, declaring kh, kw and their input cell ih, iw (padding taps are skipped):
 *   TRIT_FOR_EACH_TAP_INSIDE(s, oh, ow, kh, kw, ih, iw) sum += x[ih * in_w + iw];
 * The empty then-branches keep an `else` after the loop body from binding inside the macro. */
#define TRIT_FOR_EACH_TAP_INSIDE(s, oh, ow, kh, kw, ih, iw)                                                  \
    for (int kh = 0, ih; kh < (s)->kernel_h; kh++)                                                            \
        if (ih = (oh) * (s)->stride_h - (s)->pad_top + kh * (s)->dilation_h, ih < 0 || ih >= (s)->in_h) {    \
        } else                                                                                                \
            for (int kw = 0, iw; kw < (s)->kernel_w; kw++)                                                    \
                if (iw = (ow) * (s)->stride_w - (s)->pad_left + kw * (s)->dilation_w, iw < 0 || iw >= (s)->in_w) { \
                } else

/* Float conv: w is [out_channels][in_channels/group][kernel_h][kernel_w]; bias may be NULL. */
void trit_ref_conv2d_f32(const trit_conv_shape *s, const float *x, const float *w, const float *bias,
                         const trit_epilogue *e, float *y);

/* ---- ternary weights: the reference (unpacked) layout ----------------------------------------
 * A ternary layer holds 1..TRIT_MAX_PLANES planes (He & Fan's residual expansion uses 2 or 4).
 * Plane p's weight for output channel o and position k is
 *     +pos_scale[o] if codes[o*per_out + k] == +1,  -neg_scale[o] if == -1,  0 if == 0.
 * The layer's weight is the sum over planes. Symmetric quantizers have pos_scale == neg_scale;
 * TTQ's per-layer Wp/Wn repeat the same value in every channel. */
#define TRIT_MAX_PLANES 4

typedef struct trit_ternary_plane {
    const int8_t *codes;     /* [out_channels][per_out], each -1, 0 or +1 */
    const float *pos_scale;  /* [out_channels] */
    const float *neg_scale;  /* [out_channels], magnitude (positive) */
} trit_ternary_plane;

typedef struct trit_ternary_weights {
    int out_channels;
    size_t per_out; /* in_channels/group * kernel_h * kernel_w for conv; K for gemm */
    int plane_count;
    trit_ternary_plane planes[TRIT_MAX_PLANES];
    /* 8-bit-activation family only (kernels/tconv_i8): the input's quantization scale and type, as in
     * ONNX QuantizeLinear with zero point 0 (int8, or uint8 when act_unsigned). The float family
     * ignores both (keep them 0 there). */
    float act_scale;
    int act_unsigned;
} trit_ternary_weights;

/* Ternary conv with additions only: per output, sum of inputs under +1 codes minus sum under -1
 * codes, then one scale per plane. */
void trit_ref_ternary_conv2d_f32(const trit_conv_shape *s, const float *x, const trit_ternary_weights *w,
                                 const float *bias, const trit_epilogue *e, float *y);

/* Ternary fully connected: y[m][n] = sum_k x[m][k] * W[n][k] (W as ternary, out_channels = N,
 * per_out = K), plus bias[n]. This is Gemm with transB=1, alpha=1, beta=1 on a [N] bias. */
void trit_ref_ternary_gemm_f32(int m, int n, int k, const float *x, const trit_ternary_weights *w,
                               const float *bias, const trit_epilogue *e, float *y);

/* ---- Gemm / MatMul ---------------------------------------------------------------------------
 * Y[M][N] = alpha * op(A)[M][K] * op(B)[K][N] + beta * C, C broadcast to [M][N] by its strides
 * (c_stride_m / c_stride_n are 0 on broadcast dimensions; C may be NULL). */
typedef struct trit_gemm_params {
    int m, n, k;
    int trans_a, trans_b;
    float alpha, beta;
    size_t c_stride_m, c_stride_n;
} trit_gemm_params;

void trit_ref_gemm_f32(const trit_gemm_params *p, const float *a, const float *b, const float *c,
                       const trit_epilogue *e, float *y);

/* ---- per-channel affine (unfolded BatchNormalization): y = x*scale[c] + shift[c] ------------- */
/* Inference BatchNormalization as a per-channel affine: scale = gamma / sqrt(var + epsilon),
 * shift = beta - mean * scale (the compiler for constant parameters, the executor for runtime ones). */
void trit_ref_batchnorm_params(int channels, const float *gamma, const float *beta, const float *mean, const float *var,
                               float epsilon, float *scale, float *shift);
void trit_ref_channel_affine_f32(int batch, int channels, size_t spatial, const float *x, const float *scale,
                                 const float *shift, const trit_epilogue *e, float *y);

/* ---- pooling ---------------------------------------------------------------------------------
 * Uses trit_conv_shape with in_channels == out_channels and group ignored. Windows that fall into
 * padding: MaxPool ignores padded cells; AveragePool divides by the whole window when
 * count_include_pad, else by the cells inside the input. With ceil_mode the last window may start
 * inside the input and end past the padded edge: those extra cells never count. */
void trit_ref_maxpool_f32(const trit_conv_shape *s, const float *x, float *y);
/* MaxPool on uint8 (is_signed = 0) or int8 tensors; a window with no input cell gives the type's minimum. */
void trit_ref_maxpool_8bit(const trit_conv_shape *s, int is_signed, const void *x, void *y);
void trit_ref_avgpool_f32(const trit_conv_shape *s, int count_include_pad, int pad_bottom, int pad_right,
                          const float *x, float *y);
void trit_ref_global_avgpool_f32(int batch, int channels, size_t spatial, const float *x, float *y);
void trit_ref_global_maxpool_f32(int batch, int channels, size_t spatial, const float *x, float *y);

/* ---- element-wise ------------------------------------------------------------------------------ */
/* Element i of an integer tensor (uint8, int8, int32, int64) as int64; 0 for float32, which no
 * caller sends. */
static inline int64_t trit_read_int(trit_dtype type, const void *data, size_t i) {
    switch (type) {
    case TRIT_UINT8: return ((const uint8_t *)data)[i];
    case TRIT_INT8: return ((const int8_t *)data)[i];
    case TRIT_INT32: return ((const int32_t *)data)[i];
    case TRIT_INT64: return ((const int64_t *)data)[i];
    case TRIT_FLOAT32: break;
    }
    return 0;
}

void trit_ref_clamp_f32(size_t count, const float *x, float min, float max, float *y); /* Relu, Clip */
/* Relu and Clip on integers (uint8, int8, int32, int64): y = min(max(x, lo), hi), compared in int64
 * (lo > hi gives hi everywhere, as ONNX says). */
void trit_ref_clamp_int(trit_dtype type, size_t count, const void *x, int64_t min, int64_t max, void *y);

typedef enum trit_binary_op {
    TRIT_BINARY_ADD,
    TRIT_BINARY_SUB,
    TRIT_BINARY_MUL,
    TRIT_BINARY_DIV,
    TRIT_BINARY_MOD,        /* ONNX Mod with fmod=0 (sign of divisor) for integers; fmod=1 for floats */
    TRIT_BINARY_SHIFT_LEFT, /* BitShift, unsigned types only */
    TRIT_BINARY_SHIFT_RIGHT,
    TRIT_BINARY_FMOD        /* ONNX Mod with fmod=1 on any type: C remainder, sign of the dividend */
} trit_binary_op;

/* Multidirectional broadcasting. out_dims has `rank` entries; a_strides / b_strides are element
 * strides per output dimension, 0 where that input is broadcast. Integer division by zero yields 0
 * (never traps: file bytes must not crash us). */
void trit_ref_binary(trit_binary_op op, trit_dtype dtype, int rank, const int64_t *out_dims,
                     const void *a, const int64_t *a_strides, const void *b, const int64_t *b_strides,
                     void *y);

/* Softmax over the last axis of a [outer][n] view (ONNX opset >= 13 with axis moved last, or the
 * opset < 13 2-D coercion). Numerically stable (subtract the max). */
void trit_ref_softmax_f32(size_t outer, size_t n, const float *x, float *y);

/* Cast between the supported dtypes with ONNX semantics (float→int truncates toward zero and
 * saturates for 8-bit targets; NaN→0). */
void trit_ref_cast(trit_dtype from, trit_dtype to, size_t count, const void *x, void *y);

/* DequantizeLinear: y = (x - zero_point) * scale. axis_size/inner describe per-axis scales:
 * x viewed as [outer][axis_size][inner]; per-tensor is axis_size = 1. zero_point may be NULL. */
void trit_ref_dequantize_linear(trit_dtype x_type, size_t outer, size_t axis_size, size_t inner, const void *x,
                                const float *scale, const void *zero_point, float *y);
/* QuantizeLinear to int8 / uint8: y = saturate(round_half_even(x / scale[a]) + zero_point[a]); NaN
 * counts as 0 before the zero point is added. Same [outer][axis][inner] layout as above. */
void trit_ref_quantize_linear(trit_dtype y_type, size_t outer, size_t axis_size, size_t inner, const float *x,
                              const float *scale, const void *zero_point, void *y);

/* Gather along axis: data viewed as [outer][axis_size][inner], indices already normalised to
 * [0, axis_size) by the caller. y is [outer][index_count][inner]. */
void trit_ref_gather(size_t element_size, size_t outer, size_t axis_size, size_t inner, const void *data,
                     const int64_t *indices, size_t index_count, void *y);

/* Slice / strided copy: y[i...] = x[start[d] + i[d]*step[d] ...] over `rank` dims. */
void trit_ref_slice(size_t element_size, int rank, const int64_t *x_dims, const int64_t *starts,
                    const int64_t *steps, const int64_t *y_dims, const void *x, void *y);

/* Constant-mode Pad: pads[0..rank) are begins, pads[rank..2*rank) ends (may be negative = crop). */
void trit_ref_pad_constant(size_t element_size, int rank, const int64_t *x_dims, const int64_t *pads,
                           const void *value, const void *x, void *y);

/* Concat of `count` inputs along axis: each input viewed as [outer][axis_i][inner]. */
void trit_ref_concat(size_t element_size, size_t outer, size_t inner, int count, const void *const *inputs,
                     const int64_t *axis_sizes, void *y);

#endif
