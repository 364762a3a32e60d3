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
#define DV_COST_DENSE 24
#define DV_COST_SPARSE 24
#define I8_QUANTIZE trit_i8_quantize_avx2
#include "tconv_i8_dense_impl.h"
TRIT_X86_TARGET_END

TRIT_TCONV_SUPPORTS_AVX2(i8d_avx2_supports_here, i8d_avx2_supports)
const trit_tconv_kernel trit_tconv_i8_dense__avx2 = {"tconv_i8_dense__avx2", SP_KERNEL_ENTRIES(i8d_avx2_supports_here)};
#endif
