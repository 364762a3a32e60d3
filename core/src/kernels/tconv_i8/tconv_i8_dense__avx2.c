/* Dense int8 ternary conv for x86 CPUs with AVX2 (native builds; chosen at run time by cpuid, see
 * ../x86_target.h): the body of tconv_i8_dense_impl.h on 256-bit vectors, vpmaddwd over pairs of
 * input channels, 16 pixels x 4 streams per tile; bit-identical to the other variants. */
#include "tconv_i8.h"
#include "../x86_target.h"

#if defined(TRIT_X86_AVX2)
#include <immintrin.h>

TRIT_X86_TARGET_BEGIN
#define SP_NAME(x) i8d_avx2_##x
#include "../sse2_lanes.h"
#define DV_VEC __m256i
#define DV_PIX 8
#define DV_ZERO() _mm256_setzero_si256()
#define DV_LOADX(p) _mm256_cvtepi8_epi16(_mm_loadu_si128((const __m128i *)(const void *)(p)))
#define DV_SPLAT32(p) _mm256_set1_epi32(*(p))
#define DV_MADD(acc, x, w) _mm256_add_epi32((acc), _mm256_madd_epi16((x), (w)))
#define DV_STORE(p, v) _mm256_storeu_si256((__m256i *)(void *)(p), (v))
#define I32X4_LOAD_F32(p, c) _mm_cvtepi32_ps(_mm_add_epi32(_mm_loadu_si128((const __m128i *)(const void *)(p)), _mm_set1_epi32(c)))
#define DV_COST_DENSE 24
#define DV_COST_SPARSE 24
void trit_i8_quantize_avx2(const float *x, int8_t *q, size_t n, float scale, int is_unsigned);
#define I8_QUANTIZE trit_i8_quantize_avx2
#include "tconv_i8_dense_impl.h"
TRIT_X86_TARGET_END

static int i8d_avx2_supports_here(const trit_conv_shape *s, const trit_ternary_weights *w) {
    return trit_x86_has_avx2() && i8d_avx2_supports(s, w);
}

const trit_tconv_kernel trit_tconv_i8_dense__avx2 = {
    "tconv_i8_dense__avx2", i8d_avx2_supports_here, i8d_avx2_packed_size, i8d_avx2_pack, i8d_avx2_scratch_size, i8d_avx2_run,
    TRIT_SPLIT(i8d_avx2_prepare), TRIT_SPLIT(i8d_avx2_range_units), TRIT_SPLIT(i8d_avx2_run_range), TRIT_SPLIT(i8d_avx2_own_size), NULL, NULL,
};
#endif
