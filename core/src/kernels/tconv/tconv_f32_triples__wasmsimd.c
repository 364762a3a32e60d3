/* Ternary conv over input-channel triples on wasm SIMD128: the sparse ± list kernel
 * (tconv_sparse_impl.h) reading 13 precomputed pattern planes per 3 input channels, so one entry
 * covers a whole weight triple (symmetric scales only). */
#include "tconv.h"
#define SP_TRIPLES 1

#if defined(__wasm_simd128__) /* built only for its ISA (core/core.mk, wasm/wasm.mk) */

#define SP_NAME(x) triples_wasm_##x
/* 4 accumulators (16-pixel tiles), not 8: A/B per inference (bench/ab.mjs), min ms of 8 against 4, both
 * orders: resnet20-hefan 2.16 / 2.02 and 2.18 / 2.06, resnet20-hefan2 3.39 / 3.07 and 3.32 / 3.00,
 * resnet20-ptq 1.89 / 1.78 and 1.90 / 1.82; ResNet-18 and the 50 %-zero benchmark ResNet-20 unchanged */
#ifndef SP_VECS /* (the micro-benchmark's design experiments set their own) */
#define SP_VECS 4
#endif
#include "../wasmsimd_lanes.h"
#ifndef SP_VARIANT_NAME /* the micro-benchmark builds design experiments under other names */
#define SP_VARIANT_NAME "tconv_f32_triples__wasmsimd"
#endif
#include "tconv_sparse_impl.h"

const trit_tconv_kernel trit_tconv_f32_triples__wasmsimd = {SP_VARIANT_NAME, SP_KERNEL_ENTRIES(triples_wasm_supports)};
#endif
