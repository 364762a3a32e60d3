/* Dense float conv for x86 CPUs with AVX2 (native builds; chosen at run time by cpuid, see
 * ../x86_target.h): fconv_dense_impl.h with VEX three-operand encodings. -std=c11 keeps GCC from
 * contracting mul + add into FMA, so the results equal the SSE2 variant's. */
#include "fconv.h"
#include "../x86_target.h"

#if defined(TRIT_X86_AVX2)
#include <immintrin.h>

TRIT_X86_TARGET_BEGIN
#define SP_NAME(x) fdense_avx2_##x
#include "../sse2_lanes.h"
#include "fconv_dense_impl.h"
TRIT_X86_TARGET_END

static int fdense_avx2_supports_here(const trit_conv_shape *s) {
    return trit_x86_has_avx2() && fdense_avx2_supports(s);
}

const trit_fconv_kernel trit_fconv_f32_dense__avx2 = {"fconv_f32_dense__avx2", SP_KERNEL_ENTRIES(fdense_avx2_supports_here)};
#endif
