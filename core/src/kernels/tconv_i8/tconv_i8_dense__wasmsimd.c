/* Dense int8 ternary conv on wasm SIMD128 (the body is tconv_i8_dense_impl.h): i32x4.dot_i16x8_s
 * over pairs of input channels, 8 pixels x 4 streams per tile. */
#include "tconv_i8.h"

#if defined(__wasm_simd128__) /* built only for its ISA (core/core.mk, wasm/wasm.mk) */

#define SP_NAME(x) i8d_wasm_##x
#include "../wasmsimd_lanes.h"
#define DV_VEC v128_t
#define DV_PIX 4
#define DV_ZERO() wasm_i32x4_const_splat(0)
#define DV_LOADX(p) wasm_i16x8_load8x8(p)
#define DV_SPLAT32(p) wasm_v128_load32_splat(p)
#define DV_MADD(acc, x, w) wasm_i32x4_add((acc), wasm_i32x4_dot_i16x8((x), (w)))
#define DV_STORE(p, v) wasm_v128_store((p), (v))
#define DV_COST_DENSE 22
#define DV_COST_SPARSE 24
#define I8_QUANTIZE trit_i8_quantize_wasmsimd
#include "tconv_i8_dense_impl.h"

const trit_tconv_kernel trit_tconv_i8_dense__wasmsimd = {"tconv_i8_dense__wasmsimd", SP_KERNEL_ENTRIES(i8d_wasm_supports)};
#endif
