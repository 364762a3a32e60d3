/* Dense float conv in plain C (the body is fconv_dense_impl.h over the 4-float struct of
 * ../scalar_lanes.h): register-tiled direct conv on the flat layout for builds without a SIMD
 * variant (trit-nosimd.wasm, native without SSE2). A tile is FD_VEC x 4 flat output pixels of FD_CH
 * output channels in scalar locals; each tap loads the tile's pixels once and every channel's weight
 * once. Listed after the SIMD variants; not compiled into the wasm SIMD128 build (size budget). */
#include "fconv.h"

#if !defined(__wasm_simd128__)
#ifndef FD_CH
#define FD_CH 4 /* 4 pixels x 4 channels = 16 accumulators; 3 channels measured the same */
#endif
#ifndef FD_VEC
#define FD_VEC 1
#endif
#define SP_NAME(x) fdense_scalar_##x
#include "../scalar_lanes.h"
#include "fconv_dense_impl.h"

const trit_fconv_kernel trit_fconv_f32_dense__scalar = {"fconv_f32_dense__scalar", SP_KERNEL_ENTRIES(fdense_scalar_supports)};
#endif
