/* Ternary convolution kernel family with int8 activations (NCHW, float32 in and out).
 *
 * The model says where: a QuantizeLinear -> DequantizeLinear pair (int8, zero point 0, one scale
 * per tensor, calibrated at export) in front of a ternary Conv/Gemm. The graph compiler drops the
 * pair and gives the scale to the kernel as weights->act_scale; the kernel quantizes its input
 * exactly as QuantizeLinear does, then adds and subtracts int8 values, so the arithmetic up to the
 * per-channel scale is integer and every variant is bit-identical to the reference.
 *
 * Semantics, per output element (channel o, one pixel), which every variant reproduces exactly:
 *   q(x) = saturate_int8(round_half_even(x / act_scale)), NaN -> 0   (taps in padding read 0)
 *   acc = 0.0f
 *   for plane p:   P = sum of q under +1 codes, N = sum under -1 codes   (exact integers)
 *     if pos_scale == neg_scale:  if the plane has a non-zero code and pos != 0:
 *                                     acc = acc + (float)(P - N) * (pos * act_scale)
 *     else:  if it has a +1 code and pos != 0:  acc = acc + (float)P * (pos * act_scale)
 *            if it has a -1 code and neg != 0:  acc = acc + (float)N * -(neg * act_scale)
 *   y = epilogue(acc + (bias ? bias[o] : 0.0f))   (residual added, then clamped)
 * Codes other than +1 / -1 count as 0. Variants share trit_tconv_kernel (tconv.h); the list is
 * separate because the contract differs (act_scale > 0 required).
 */
#ifndef TRIT_TCONV_I8_H
#define TRIT_TCONV_I8_H

#include <math.h>
#include <stdint.h>

#include "../tconv/tconv.h"

/* All int8-activation variants compiled into this build, best first, the reference last. */
extern const trit_tconv_kernel *const trit_tconv_i8_kernels[];

/* The first variant that supports the layer (the reference takes any act_scale > 0). */
const trit_tconv_kernel *trit_tconv_i8_select(const trit_conv_shape *shape, const trit_ternary_weights *weights);

/* ONNX QuantizeLinear to int8 with zero point 0 (round half to even, saturate); NaN gives 0. */
static inline int8_t trit_quantize_i8(float x, float scale) {
    float v = x / scale;
    if (v != v) return 0;
    v = nearbyintf(v);
    if (v < -128.0f) v = -128.0f;
    if (v > 127.0f) v = 127.0f;
    return (int8_t)v;
}

/* Scale products a SIMD variant may chain: finite, and not so small that they lose precision. */
static inline int trit_i8_scale_ok(float v) {
    const float a = fabsf(v);
    return a == 0.0f || (a >= 0x1p-100f && a <= 0x1p100f);
}

#endif
