/* Dense int8 ternary conv on x86 SSE2 (the body is tconv_i8_dense_impl.h): pmaddwd over pairs of
 * input channels, 8 pixels x 4 streams per tile; bit-identical to the wasm variant. */
#include "tconv_i8.h"

#if defined(__SSE2__) /* built only for its ISA (core/core.mk, wasm/wasm.mk) */

#define SP_NAME(x) i8d_sse2_##x
#include "../sse2_lanes.h"
#define DV_VEC __m128i
#define DV_PIX 4
#define DV_ZERO() _mm_setzero_si128()
#define DV_LOADX(p) sse2_load8x8_i16(p)
#define DV_SPLAT32(p) _mm_set1_epi32(*(p))
#define DV_MADD(acc, x, w) _mm_add_epi32((acc), _mm_madd_epi16((x), (w)))
#define DV_STORE(p, v) _mm_storeu_si128((__m128i *)(void *)(p), (v))
#define DV_COST_DENSE 24
#define DV_COST_SPARSE 30
#define I8_QUANTIZE trit_i8_quantize_sse2
#include "tconv_i8_dense_impl.h"

const trit_tconv_kernel trit_tconv_i8_dense__sse2 = {"tconv_i8_dense__sse2", SP_KERNEL_ENTRIES(i8d_sse2_supports)};
#endif
