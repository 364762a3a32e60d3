/* Dense float conv on wasm SIMD128 (the body is fconv_dense_impl.h). Built for another ISA this
 * variant is still listed, but supports() says no, so the list links everywhere. */
#include "fconv.h"

#if defined(__wasm_simd128__)
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
#define SP_NAME(x) fdense_wasmsimd_##x
#include "fconv_dense_impl.h"

const trit_fconv_kernel trit_fconv_f32_dense__wasmsimd = {
    "fconv_f32_dense__wasmsimd", fdense_wasmsimd_supports,     fdense_wasmsimd_packed_size,
    fdense_wasmsimd_pack,      fdense_wasmsimd_scratch_size, fdense_wasmsimd_run,
};
#else
static int unsupported(const trit_conv_shape *s) {
    (void)s;
    return 0;
}
static size_t no_size(const trit_conv_shape *s) {
    (void)s;
    return 0;
}
static void no_pack(const trit_conv_shape *s, const float *w, void *packed) {
    (void)s, (void)w, (void)packed;
}
static void no_run(const trit_conv_shape *s, const void *packed, const float *x, const float *bias,
                   const trit_epilogue *e, float *y, void *scratch) {
    (void)s, (void)packed, (void)x, (void)bias, (void)e, (void)y, (void)scratch;
}
const trit_fconv_kernel trit_fconv_f32_dense__wasmsimd = {
    "fconv_f32_dense__wasmsimd", unsupported, no_size, no_pack, no_size, no_run,
};
#endif
