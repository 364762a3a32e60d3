/* 4 float lanes on wasm SIMD128: the SP_ macros that the kernel bodies (tconv_sparse_impl.h,
 * fconv_dense_impl.h, fgemm_n16_impl.h, tconv_i8_sparse_impl.h) expect. The *__wasmsimd.c variants
 * include it; the build compiles them only into trit.wasm (wasm/wasm.mk). Include once per
 * translation unit, after defining SP_NAME. */
#ifndef TRIT_WASMSIMD_LANES_H
#define TRIT_WASMSIMD_LANES_H

#include <wasm_simd128.h>

#define SP_VEC v128_t
#define SP_LOAD(p) wasm_v128_load(p)
#define SP_STORE(p, v) wasm_v128_store((p), (v))
#define SP_ADD wasm_f32x4_add
#define SP_SUB wasm_f32x4_sub
#define SP_MUL wasm_f32x4_mul
#define SP_SPLAT wasm_f32x4_splat
#define SP_LOAD_SPLAT(p) wasm_v128_load32_splat(p)
#define SP_ZERO() wasm_f32x4_const_splat(0.0f)
/* pmax(a, b) = a < b ? b : a; pmin(a, b) = b < a ? b : a: NaN in v stays, like the reference */
#define SP_CLAMP_LOW(v, lo) wasm_f32x4_pmax((v), (lo))
#define SP_CLAMP_HIGH(v, hi) wasm_f32x4_pmin((v), (hi))

#endif
