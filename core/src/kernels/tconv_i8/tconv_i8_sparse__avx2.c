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
#define I8_LOAD8X8(p) _mm_cvtepi8_epi16(_mm_loadl_epi64((const __m128i *)(const void *)(p)))
#define I32_WIDEN_LOW(a) _mm_cvtepi16_epi32(a)
#define I32_WIDEN_HIGH(a) _mm_cvtepi16_epi32(_mm_unpackhi_epi64((a), (a)))

#define I8_X86_QUANTIZE trit_i8_quantize_avx2 /* also the dense variant's quantizer */
#include "tconv_i8_quantize_x86.h"
#define I8_QUANTIZE trit_i8_quantize_avx2
#include "tconv_i8_sparse_impl.h"
TRIT_X86_TARGET_END

TRIT_TCONV_SUPPORTS_AVX2(i8_avx2_supports_here, i8_avx2_supports)
const trit_tconv_kernel trit_tconv_i8_sparse__avx2 = {"tconv_i8_sparse__avx2", SP_KERNEL_ENTRIES(i8_avx2_supports_here)};
#endif
