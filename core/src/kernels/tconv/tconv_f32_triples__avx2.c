/* Channel-triples ternary conv (f32 activations) for x86 CPUs with AVX2 (native builds; chosen at
 * run time by cpuid, see ../x86_target.h): tconv_sparse_impl.h with SP_TRIPLES, VEX encodings. */
#include "tconv.h"
#include "../x86_target.h"

#define SP_TRIPLES 1
#if defined(TRIT_X86_AVX2)
#include <immintrin.h>

TRIT_X86_TARGET_BEGIN
#define SP_NAME(x) triples_avx2_##x
#include "../sse2_lanes.h"
#include "tconv_sparse_impl.h"
TRIT_X86_TARGET_END

TRIT_TCONV_SUPPORTS_AVX2(triples_avx2_supports_here, triples_avx2_supports)
const trit_tconv_kernel trit_tconv_f32_triples__avx2 = {"tconv_f32_triples__avx2", SP_KERNEL_ENTRIES(triples_avx2_supports_here)};
#endif
