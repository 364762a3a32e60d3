/* Dense int8 ternary conv on x86 SSE2 (the body is tconv_i8_dense_impl.h): pmaddwd over pairs of
 * input channels, 8 pixels x 4 streams per tile; bit-identical to the wasm variant. */
#include "tconv_i8.h"

#if defined(__SSE2__) /* built only for its ISA (core/core.mk, wasm/wasm.mk) */

#define SP_NAME(x) i8d_sse2_##x
#include "../sse2_lanes.h"
static inline __m128i i8d_sse2_load8x8(const int8_t *p) {
    const __m128i b = _mm_loadl_epi64((const __m128i *)(const void *)p);
    return _mm_srai_epi16(_mm_unpacklo_epi8(b, b), 8);
}
#define DV_VEC __m128i
#define DV_PIX 4
#define DV_ZERO() _mm_setzero_si128()
#define DV_LOADX(p) i8d_sse2_load8x8(p)
#define DV_SPLAT32(p) _mm_set1_epi32(*(p))
#define DV_MADD(acc, x, w) _mm_add_epi32((acc), _mm_madd_epi16((x), (w)))
#define DV_STORE(p, v) _mm_storeu_si128((__m128i *)(void *)(p), (v))
#define I32X4_LOAD_F32(p, c) _mm_cvtepi32_ps(_mm_add_epi32(_mm_loadu_si128((const __m128i *)(const void *)(p)), _mm_set1_epi32(c)))
#define DV_COST_DENSE 24
#define DV_COST_SPARSE 30
void trit_i8_quantize_sse2(const float *x, int8_t *q, size_t n, float scale, int is_unsigned);
#define I8_QUANTIZE trit_i8_quantize_sse2
#include "tconv_i8_dense_impl.h"

const trit_tconv_kernel trit_tconv_i8_dense__sse2 = {
    "tconv_i8_dense__sse2", i8d_sse2_supports, i8d_sse2_packed_size, i8d_sse2_pack, i8d_sse2_scratch_size, i8d_sse2_run,
    TRIT_SPLIT(i8d_sse2_prepare), TRIT_SPLIT(i8d_sse2_range_units), TRIT_SPLIT(i8d_sse2_run_range), TRIT_SPLIT(i8d_sse2_own_size), NULL, NULL,
};
#endif
