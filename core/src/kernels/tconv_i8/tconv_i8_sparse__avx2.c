/* Sparse ± lists over int8 activations for x86 CPUs with AVX2 (native builds; chosen at run time by
 * cpuid, see ../x86_target.h): the body of tconv_i8_sparse_impl.h with SSE4.1's sign-extending
 * byte load (one vpmovsxbw instead of SSE2's unpack + shift) and VEX three-operand encodings: the
 * instruction stream V8 emits for the wasm variant, so the CLI is not slower than the browser. */
#include "tconv_i8.h"
#include "../x86_target.h"

#if defined(TRIT_X86_AVX2)
#include <immintrin.h>

TRIT_X86_TARGET_BEGIN
#define SP_NAME(x) i8_avx2_##x
#include "../sse2_lanes.h"
#define I16_VEC __m128i
#define I16_ZERO() _mm_setzero_si128()
#define I8_LOAD8X8(p) _mm_cvtepi8_epi16(_mm_loadl_epi64((const __m128i *)(const void *)(p)))
#define I16_ADD8(a, p) _mm_add_epi16((a), I8_LOAD8X8(p))
#define I16_SUB8(a, p) _mm_sub_epi16((a), I8_LOAD8X8(p))
#define I32_VEC __m128i
#define I32_ZERO() _mm_setzero_si128()
#define I32_SPLAT(v) _mm_set1_epi32(v)
#define I32_ADD _mm_add_epi32
#define I32_WIDEN_LOW(a) _mm_cvtepi16_epi32(a)
#define I32_WIDEN_HIGH(a) _mm_cvtepi16_epi32(_mm_unpackhi_epi64((a), (a)))
#define I32_TO_F32(v) _mm_cvtepi32_ps(v)

/* QuantizeLinear, 16 at a time (as the SSE2 variant: NaN to 0, clamp, round half to even, shift). */
/* also the dense variant's quantizer */
void trit_i8_quantize_avx2(const float *x, int8_t *q, size_t n, float scale, int is_unsigned);
void trit_i8_quantize_avx2(const float *x, int8_t *q, size_t n, float scale, int is_unsigned) {
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
        _mm_storeu_si128((__m128i *)(void *)(q + i), _mm_packs_epi16(_mm_packs_epi32(r[0], r[1]), _mm_packs_epi32(r[2], r[3])));
    }
    for (; i < n; i++) q[i] = (int8_t)(trit_quantize_act(x[i], scale, is_unsigned) - (is_unsigned ? 128 : 0));
}
#define I8_QUANTIZE trit_i8_quantize_avx2
#include "tconv_i8_sparse_impl.h"
TRIT_X86_TARGET_END

static int i8_avx2_supports_here(const trit_conv_shape *s, const trit_ternary_weights *w) {
    return trit_x86_has_avx2() && i8_avx2_supports(s, w);
}

const trit_tconv_kernel trit_tconv_i8_sparse__avx2 = {
    "tconv_i8_sparse__avx2", i8_avx2_supports_here, i8_avx2_packed_size, i8_avx2_pack, i8_avx2_scratch_size, i8_avx2_run,
    TRIT_SPLIT(i8_avx2_prepare), TRIT_SPLIT(i8_avx2_range_units), TRIT_SPLIT(i8_avx2_run_range), NULL, NULL, NULL,
};
#endif
