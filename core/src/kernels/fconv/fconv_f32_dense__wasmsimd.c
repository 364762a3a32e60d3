/* Dense float conv on wasm SIMD128 (the body is fconv_dense_impl.h). */
#include "fconv.h"

#if defined(__wasm_simd128__) /* built only for its ISA (core/core.mk, wasm/wasm.mk) */

#define SP_NAME(x) fdense_wasmsimd_##x
#include "../wasmsimd_lanes.h"
#include "fconv_dense_impl.h"

const trit_fconv_kernel trit_fconv_f32_dense__wasmsimd = {"fconv_f32_dense__wasmsimd", SP_KERNEL_ENTRIES(fdense_wasmsimd_supports)};
#endif
