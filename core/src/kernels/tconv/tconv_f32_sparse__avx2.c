/* Sparse ± list ternary conv (f32 activations) for x86 CPUs with AVX2 (native builds; chosen at run
 * time by cpuid, see ../x86_target.h): tconv_sparse_impl.h compiled with VEX three-operand encodings
 * (no register copies before each add), as V8 emits the wasm variant. */
#include "tconv.h"
#include "../x86_target.h"

#if defined(TRIT_X86_AVX2)
#include <immintrin.h>

TRIT_X86_TARGET_BEGIN
#define SP_NAME(x) sparse_avx2_##x
#include "../sse2_lanes.h"
#include "tconv_sparse_impl.h"
TRIT_X86_TARGET_END

static int sparse_avx2_supports_here(const trit_conv_shape *s, const trit_ternary_weights *w) {
    return trit_x86_has_avx2() && sparse_avx2_supports(s, w);
}

const trit_tconv_kernel trit_tconv_f32_sparse__avx2 = {
    "tconv_f32_sparse__avx2", sparse_avx2_supports_here, sparse_avx2_packed_size,
    sparse_avx2_pack,         sparse_avx2_scratch_size,  sparse_avx2_run,
    TRIT_SPLIT(sparse_avx2_prepare), TRIT_SPLIT(sparse_avx2_range_units), TRIT_SPLIT(sparse_avx2_run_range), NULL,
    TRIT_SPLIT(sparse_avx2_prepare_units), TRIT_SPLIT(sparse_avx2_prepare_range),
};
#endif
