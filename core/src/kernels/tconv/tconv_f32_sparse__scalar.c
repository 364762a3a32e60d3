/* Sparse ± list ternary conv in plain C (the body is tconv_sparse_impl.h over the 4-float struct of
 * ../scalar_lanes.h): the fallback for builds without a SIMD variant, i.e. trit-nosimd.wasm (and
 * native builds without SSE2). A tile is SP_VECS x 4 flat output pixels held in scalar locals; each
 * non-zero weight is one index load plus one load and one add (or sub) per pixel, zeros cost
 * nothing. Listed after the SIMD variants, so it runs only where none of them supports a layer.
 * Not compiled into the wasm SIMD128 build, which never needs it (size budget, wasm/wasm.mk). */
#include "tconv.h"

#if !defined(__wasm_simd128__)
#ifndef SP_VECS
#define SP_VECS 2 /* 8 pixels = 8 scalar accumulators: fits the 15 float registers V8 allocates on x64 */
#endif
#define SP_NAME(x) sparse_scalar_##x
#include "../scalar_lanes.h"
#include "tconv_sparse_impl.h"

const trit_tconv_kernel trit_tconv_f32_sparse__scalar = {"tconv_f32_sparse__scalar", SP_KERNEL_ENTRIES(sparse_scalar_supports)};
#endif
