/* Ternary conv over input-channel triples on wasm SIMD128: the sparse ± list kernel
 * (tconv_sparse_impl.h) reading 13 precomputed pattern planes per 3 input channels, so one entry
 * covers a whole weight triple (symmetric scales only). */
#include "tconv.h"
#define SP_TRIPLES 1

#if defined(__wasm_simd128__) /* built only for its ISA (core/core.mk, wasm/wasm.mk) */

#define SP_NAME(x) triples_wasm_##x
#include "../wasmsimd_lanes.h"
#ifndef SP_VARIANT_NAME /* the micro-benchmark builds design experiments under other names */
#define SP_VARIANT_NAME "tconv_f32_triples__wasmsimd"
#endif
#include "tconv_sparse_impl.h"

const trit_tconv_kernel trit_tconv_f32_triples__wasmsimd = {SP_VARIANT_NAME, SP_KERNEL_ENTRIES(triples_wasm_supports)};
#endif
