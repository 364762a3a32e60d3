/* Float Gemm with constant B on wasm SIMD128 (the body is fgemm_n16_impl.h). Built without SIMD128
 * this variant is still listed, but supports() says no. */
#include "fgemm.h"

#ifdef __wasm_simd128__
#include <wasm_simd128.h>

#define SP_VEC v128_t
#define SP_LOAD(p) wasm_v128_load(p)
#define SP_STORE(p, v) wasm_v128_store((p), (v))
#define SP_ADD wasm_f32x4_add
#define SP_MUL wasm_f32x4_mul
#define SP_SPLAT wasm_f32x4_splat
#define SP_ZERO() wasm_f32x4_const_splat(0.0f)
#define SP_NAME(x) fgemm_wasm_##x
#include "fgemm_n16_impl.h"

const trit_fgemm_kernel trit_fgemm_f32_n16__wasmsimd = {
    "fgemm_f32_n16__wasmsimd", fgemm_wasm_supports, fgemm_wasm_packed_size, fgemm_wasm_pack, fgemm_wasm_run,
};
#else
static int unsupported(const trit_gemm_params *p) {
    (void)p;
    return 0;
}
static size_t no_size(const trit_gemm_params *p) {
    (void)p;
    return 0;
}
static void no_pack(const trit_gemm_params *p, const float *b, void *packed) { (void)p, (void)b, (void)packed; }
static void no_run(const trit_gemm_params *p, const void *packed, const float *a, const float *c, const trit_epilogue *e,
                   float *y) {
    (void)p, (void)packed, (void)a, (void)c, (void)e, (void)y;
}
const trit_fgemm_kernel trit_fgemm_f32_n16__wasmsimd = {"fgemm_f32_n16__wasmsimd", unsupported, no_size, no_pack, no_run};
#endif
