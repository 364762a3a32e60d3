/* Sparse ± list ternary conv on wasm SIMD128 (the body is tconv_sparse_impl.h). */
#include "tconv.h"

#if defined(__wasm_simd128__) /* built only for its ISA (core/core.mk, wasm/wasm.mk) */

#define SP_NAME(x) sparse_wasm_##x
#ifndef SP_VECS /* (the micro-benchmark's design experiments set their own) */
#define SP_HALF_TILES 1 /* half tiles for short lists (tconv_sparse_impl.h): measured faster in wasm only */
#endif
#include "../wasmsimd_lanes.h"
#ifndef SP_VARIANT_NAME /* the micro-benchmark builds design experiments under other names */
#define SP_VARIANT_NAME "tconv_f32_sparse__wasmsimd"
#endif
#include "tconv_sparse_impl.h"

const trit_tconv_kernel trit_tconv_f32_sparse__wasmsimd = {SP_VARIANT_NAME, SP_KERNEL_ENTRIES(sparse_wasm_supports)};
#endif
