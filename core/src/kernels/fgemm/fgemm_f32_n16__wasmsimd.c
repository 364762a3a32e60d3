/* Float Gemm with constant B on wasm SIMD128 (the body is fgemm_n16_impl.h). */
#include "fgemm.h"

#if defined(__wasm_simd128__) /* built only for its ISA (core/core.mk, wasm/wasm.mk) */

#define SP_NAME(x) fgemm_wasm_##x
#include "../wasmsimd_lanes.h"
#include "fgemm_n16_impl.h"

const trit_fgemm_kernel trit_fgemm_f32_n16__wasmsimd = {
    "fgemm_f32_n16__wasmsimd", fgemm_wasm_supports, fgemm_wasm_packed_size, fgemm_wasm_pack, fgemm_wasm_run,
};
#endif
