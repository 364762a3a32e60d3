/* QuantizeLinear on x86, 16 at a time: divide, NaN to 0, clamp to the type's range (cvtps would turn
 * a large value into INT_MIN), round half to even (cvtps under the default rounding mode), shift uint8
 * values by -128, then pack. SSE2 instructions; VEX-encoded where the AVX2 file includes it inside its
 * target region. The including file names the function: I8_X86_QUANTIZE (trit_i8_quantize_<isa>). */
#include "tconv_i8.h"

void I8_X86_QUANTIZE(const float *x, int8_t *q, size_t n, float scale, int is_unsigned) {
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
    trit_i8_quantize_from(x, q, i, n, scale, is_unsigned);
}
