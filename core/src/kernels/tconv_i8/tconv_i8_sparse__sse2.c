/* Sparse ± lists over int8 activations on x86 SSE2 (the body is tconv_i8_sparse_impl.h): the
 * native build (CLI, `trit eval`, sanitizer tests) runs the same integer algorithm as the wasm
 * variant, bit for bit. */
#include "tconv_i8.h"

#if defined(__SSE2__) /* built only for its ISA (core/core.mk, wasm/wasm.mk) */

#define SP_NAME(x) i8_sse2_##x
#include "../sse2_lanes.h"
/* SSE2 has no byte sign extension: duplicate each byte into a 16-bit lane, shift right arithmetic */
static inline __m128i i8_sse2_load8x8(const int8_t *p) {
    const __m128i b = _mm_loadl_epi64((const __m128i *)(const void *)p);
    return _mm_srai_epi16(_mm_unpacklo_epi8(b, b), 8);
}
#define I16_VEC __m128i
#define I16_ZERO() _mm_setzero_si128()
#define I16_ADD8(a, p) _mm_add_epi16((a), i8_sse2_load8x8(p))
#define I16_SUB8(a, p) _mm_sub_epi16((a), i8_sse2_load8x8(p))
#define I32_VEC __m128i
#define I32_ZERO() _mm_setzero_si128()
#define I32_SPLAT(v) _mm_set1_epi32(v)
#define I32_ADD _mm_add_epi32
#define I32_WIDEN_LOW(a) _mm_srai_epi32(_mm_unpacklo_epi16((a), (a)), 16)
#define I32_WIDEN_HIGH(a) _mm_srai_epi32(_mm_unpackhi_epi16((a), (a)), 16)
#define I32_TO_F32(v) _mm_cvtepi32_ps(v)

/* QuantizeLinear, 16 at a time: divide, NaN to 0, clamp to the type's range (cvtps would turn a
 * large value into INT_MIN), round half to even (cvtps under the default rounding mode), shift
 * uint8 values by -128, then pack. */
/* also the dense variant's quantizer */
void trit_i8_quantize_sse2(const float *x, int8_t *q, size_t n, float scale, int is_unsigned);
void trit_i8_quantize_sse2(const float *x, int8_t *q, size_t n, float scale, int is_unsigned) {
    const __m128 s = _mm_set1_ps(scale), lo = _mm_set1_ps(is_unsigned ? 0.0f : -128.0f);
    const __m128 hi = _mm_set1_ps(is_unsigned ? 255.0f : 127.0f);
    const __m128i shift = _mm_set1_epi32(is_unsigned ? 128 : 0);
    size_t i = 0;
    for (; i + 16 <= n; i += 16) {
        __m128i r[4];
        for (int k = 0; k < 4; k++) {
            __m128 v = _mm_div_ps(_mm_loadu_ps(x + i + 4 * k), s);
            v = _mm_and_ps(v, _mm_cmpord_ps(v, v));
            r[k] = _mm_sub_epi32(_mm_cvtps_epi32(_mm_min_ps(_mm_max_ps(v, lo), hi)), shift);
        }
        const __m128i packed = _mm_packs_epi16(_mm_packs_epi32(r[0], r[1]), _mm_packs_epi32(r[2], r[3]));
        _mm_storeu_si128((__m128i *)(void *)(q + i), packed);
    }
    for (; i < n; i++) q[i] = (int8_t)(trit_quantize_act(x[i], scale, is_unsigned) - (is_unsigned ? 128 : 0));
}
#define I8_QUANTIZE trit_i8_quantize_sse2
#include "tconv_i8_sparse_impl.h"

const trit_tconv_kernel trit_tconv_i8_sparse__sse2 = {
    "tconv_i8_sparse__sse2", i8_sse2_supports, i8_sse2_packed_size, i8_sse2_pack, i8_sse2_scratch_size, i8_sse2_run,
    TRIT_SPLIT(i8_sse2_prepare), TRIT_SPLIT(i8_sse2_range_units), TRIT_SPLIT(i8_sse2_run_range), NULL, NULL, NULL,
};
#endif
