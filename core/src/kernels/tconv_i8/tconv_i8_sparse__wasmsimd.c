/* Sparse ± lists over int8 activations on wasm SIMD128 (the body is tconv_i8_sparse_impl.h). */
#include "tconv_i8.h"

#if defined(__wasm_simd128__) /* built only for its ISA (core/core.mk, wasm/wasm.mk) */

#define SP_NAME(x) i8_wasm_##x
/* 4 int16x8 accumulators (32-pixel tiles), not 8: same run, alternating, min ms of 8 against 4 on this
 * 2-vCPU AMD EPYC: resnet20-ttq-8bit 2.47 / 2.23, resnet20-ptq-8bit 1.82 / 1.60, ResNet-18 50 % zeros 8-bit
 * 67.6 / 49.2, 85 % 34.8 / 31.6 (docs/KERNELS.md), and 1,177 B less of trit.wasm */
#define I8_VECS 4
#include "../wasmsimd_lanes.h"

/* QuantizeLinear, 16 at a time: divide, round half to even, shift uint8 values by -128, then the
 * saturating narrowings clamp exactly as trit_quantize_act does (trunc_sat maps NaN to 0; for
 * uint8, saturating round(x/s) - 128 to [-128, 127] is saturating round(x/s) to [0, 255], shifted).
 * Also the dense variant's quantizer. */
void trit_i8_quantize_wasmsimd(const float *x, int8_t *q, size_t n, float scale, int is_unsigned) {
    const v128_t s = wasm_f32x4_splat(scale), shift = wasm_i32x4_splat(is_unsigned ? 128 : 0);
    size_t i = 0;
#define I8_Q4(k) \
    wasm_i32x4_sub(wasm_i32x4_trunc_sat_f32x4(wasm_f32x4_nearest(wasm_f32x4_div(wasm_v128_load(x + i + 4 * (k)), s))), shift)
    for (; i + 16 <= n; i += 16) {
        const v128_t lo = wasm_i16x8_narrow_i32x4(I8_Q4(0), I8_Q4(1)), hi = wasm_i16x8_narrow_i32x4(I8_Q4(2), I8_Q4(3));
        wasm_v128_store(q + i, wasm_i8x16_narrow_i16x8(lo, hi));
    }
#undef I8_Q4
    trit_i8_quantize_from(x, q, i, n, scale, is_unsigned);
}
#define I8_QUANTIZE trit_i8_quantize_wasmsimd
#include "tconv_i8_sparse_impl.h"

const trit_tconv_kernel trit_tconv_i8_sparse__wasmsimd = {"tconv_i8_sparse__wasmsimd", SP_KERNEL_ENTRIES(i8_wasm_supports)};
#endif
