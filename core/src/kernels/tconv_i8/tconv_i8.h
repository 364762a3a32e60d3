/* Ternary convolution kernel family with 8-bit activations (NCHW, float32 in and out).
 *
 * The model says where: a QuantizeLinear -> DequantizeLinear pair (int8 or uint8, zero point 0,
 * one scale per tensor, calibrated at export) in front of a ternary Conv/Gemm. The graph compiler
 * drops the pair and gives the scale and type to the kernel (weights->act_scale, act_unsigned); the
 * kernel quantizes its input exactly as QuantizeLinear does, then adds and subtracts 8-bit values,
 * so the arithmetic up to the per-channel scale is integer and every variant is bit-identical to
 * the reference. (uint8 suits ReLU outputs: twice the resolution of int8 for the same range.)
 *
 * Semantics, per output element (channel o, one pixel), which every variant reproduces exactly:
 *   q(x) = saturate(round_half_even(x / act_scale)) to [-128, 127] (int8) or [0, 255] (uint8),
 *          NaN -> 0   (taps in padding read 0)
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

/* Tests and benchmarks only: nonzero makes the dense variants take every layer they can run,
 * whatever their cost model says (default 0; read when a layer is selected, at load). */
extern int trit_tconv_i8_dense_always;

/* The first variant that supports the layer (the reference takes any act_scale > 0). */
const trit_tconv_kernel *trit_tconv_i8_select(const trit_conv_shape *shape, const trit_ternary_weights *weights);

/* ONNX QuantizeLinear with zero point 0 to int8 or (is_unsigned) uint8: round half to even,
 * saturate; NaN gives 0. */
static inline int trit_quantize_act(float x, float scale, int is_unsigned) {
    float v = x / scale;
    if (v != v) return 0;
    v = nearbyintf(v);
    const float lo = is_unsigned ? 0.0f : -128.0f, hi = is_unsigned ? 255.0f : 127.0f;
    if (v < lo) v = lo;
    if (v > hi) v = hi;
    return (int)v;
}

/* q[i] for i in [begin, n) as the variants store them: int8 as is, uint8 shifted by -128 (the scalar
 * quantizer, and the SIMD ones' tail). */
static inline void trit_i8_quantize_from(const float *x, int8_t *q, size_t begin, size_t n, float scale, int is_unsigned) {
    for (size_t i = begin; i < n; i++) q[i] = (int8_t)(trit_quantize_act(x[i], scale, is_unsigned) - (is_unsigned ? 128 : 0));
}

/* The SIMD quantizers (I8_QUANTIZE of the dense and sparse bodies), defined beside the sparse variants. */
void trit_i8_quantize_sse2(const float *x, int8_t *q, size_t n, float scale, int is_unsigned);
void trit_i8_quantize_avx2(const float *x, int8_t *q, size_t n, float scale, int is_unsigned);
void trit_i8_quantize_wasmsimd(const float *x, int8_t *q, size_t n, float scale, int is_unsigned);

#endif
