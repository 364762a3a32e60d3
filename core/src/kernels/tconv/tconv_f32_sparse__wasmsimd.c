/* Sparse ± list ternary conv on wasm SIMD128 (the body is tconv_sparse_impl.h). Built without
 * SIMD128 this variant is still listed, but supports() says no, so the list links everywhere. */
#include "tconv.h"

#ifdef __wasm_simd128__
#include <wasm_simd128.h>

#define SP_VEC v128_t
#define SP_LOAD(p) wasm_v128_load(p)
#define SP_STORE(p, v) wasm_v128_store((p), (v))
#define SP_ADD wasm_f32x4_add
#define SP_SUB wasm_f32x4_sub
#define SP_MUL wasm_f32x4_mul
#define SP_SPLAT wasm_f32x4_splat
#define SP_ZERO() wasm_f32x4_const_splat(0.0f)
/* pmax(a, b) = a < b ? b : a; pmin(a, b) = b < a ? b : a: NaN in v stays, like the reference */
#define SP_CLAMP_LOW(v, lo) wasm_f32x4_pmax((v), (lo))
#define SP_CLAMP_HIGH(v, hi) wasm_f32x4_pmin((v), (hi))
#define SP_NAME(x) sparse_wasm_##x
#ifndef SP_VARIANT_NAME /* the micro-benchmark builds design experiments under other names */
#define SP_VARIANT_NAME "tconv_f32_sparse__wasmsimd"
#endif
#include "tconv_sparse_impl.h"

const trit_tconv_kernel trit_tconv_f32_sparse__wasmsimd = {
    SP_VARIANT_NAME,          sparse_wasm_supports,     sparse_wasm_packed_size,
    sparse_wasm_pack,             sparse_wasm_scratch_size, sparse_wasm_run,
};
#else
static int unsupported(const trit_conv_shape *s, const trit_ternary_weights *w) {
    (void)s;
    (void)w;
    return 0;
}
static size_t no_size(const trit_conv_shape *s, const trit_ternary_weights *w) {
    (void)s;
    (void)w;
    return 0;
}
static void no_pack(const trit_conv_shape *s, const trit_ternary_weights *w, void *packed) {
    (void)s;
    (void)w;
    (void)packed;
}
static size_t no_scratch(const trit_conv_shape *s) {
    (void)s;
    return 0;
}
static void no_run(const trit_conv_shape *s, const void *packed, const float *x, const float *bias,
                   const trit_epilogue *e, float *y, void *scratch) {
    (void)s, (void)packed, (void)x, (void)bias, (void)e, (void)y, (void)scratch;
}
const trit_tconv_kernel trit_tconv_f32_sparse__wasmsimd = {
    "tconv_f32_sparse__wasmsimd", unsupported, no_size, no_pack, no_scratch, no_run,
};
#endif
