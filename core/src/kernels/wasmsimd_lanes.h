/* 4 float lanes on wasm SIMD128: the SP_ macros that the kernel bodies (tconv_sparse_impl.h,
 * fconv_dense_impl.h, fgemm_n16_impl.h, tconv_i8_sparse_impl.h) expect, and the int16 / int32 lanes
 * of the int8 bodies (tconv_i8_sparse_impl.h, tconv_i8_dense_impl.h). The *__wasmsimd.c variants
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

#define I16_VEC v128_t
#define I16_ZERO() wasm_i16x8_const_splat(0)
#define I16_ADD8(a, p) wasm_i16x8_add((a), wasm_i16x8_load8x8(p))
#define I16_SUB8(a, p) wasm_i16x8_sub((a), wasm_i16x8_load8x8(p))
#define I32_VEC v128_t
#define I32_ZERO() wasm_i32x4_const_splat(0)
#define I32_SPLAT(v) wasm_i32x4_splat(v)
#define I32_ADD wasm_i32x4_add
#define I32_WIDEN_LOW(a) wasm_i32x4_extend_low_i16x8(a)
#define I32_WIDEN_HIGH(a) wasm_i32x4_extend_high_i16x8(a)
#define I32_TO_F32(v) wasm_f32x4_convert_i32x4(v)
/* f32x4 of (the 4 int32 at p + c): tconv_i8_dense_impl.h */
#define I32X4_LOAD_F32(p, c) wasm_f32x4_convert_i32x4(wasm_i32x4_add(wasm_v128_load(p), wasm_i32x4_splat(c)))

/* flat_layout.h's store of a vector that is not whole (1-3 valid lanes going to y[first + k]), in
 * registers: the valid lanes are moved to the front, and the stores run from the last lane down, lane k
 * to y[first + min(k, count - 1)], so a repeated lane is overwritten by the right one. Every address
 * stays inside the vector's own outputs (split ranges never share one). */
static inline void sp_wasm_store_part(v128_t v, int count, const uint8_t *bytes, int32_t first, float *y,
                                      const float *residual, v128_t lo, v128_t hi) {
    if (count == 0) return;
    v = wasm_i8x16_swizzle(v, wasm_v128_load(bytes));
    const int32_t i1 = count > 1 ? first + 1 : first, i2 = count > 2 ? first + 2 : i1;
    if (residual) {
        v128_t r = wasm_f32x4_splat(residual[first]);
        r = wasm_f32x4_replace_lane(r, 1, residual[i1]);
        r = wasm_f32x4_replace_lane(r, 2, residual[i2]);
        v = wasm_f32x4_add(v, r);
    }
    v = wasm_f32x4_pmin(wasm_f32x4_pmax(v, lo), hi);
    y[i2] = wasm_f32x4_extract_lane(v, 2);
    y[i1] = wasm_f32x4_extract_lane(v, 1);
    y[first] = wasm_f32x4_extract_lane(v, 0);
}
#define SP_STORE_PART(v, t, y, residual, lo, hi) sp_wasm_store_part((v), (t)->count, (t)->bytes, (t)->first, (y), (residual), (lo), (hi))

/* The int8 fill of a stride-2 layer (tconv_i8_sparse_impl.h): the even (odd = 0) or odd (odd = 1)
 * bytes of the 16 at src, stored as 8 at dst. */
#define I8_PICK8(dst, src, odd)                                                                          \
    wasm_v128_store64_lane((dst), wasm_i8x16_swizzle(wasm_v128_load(src),                                \
                                                     wasm_i8x16_add(wasm_i8x16_const(0, 2, 4, 6, 8, 10, 12, 14, 0, 2, 4, 6, 8, 10, 12, 14), \
                                                                    wasm_i8x16_splat((int8_t)(odd)))), 0)

#endif
