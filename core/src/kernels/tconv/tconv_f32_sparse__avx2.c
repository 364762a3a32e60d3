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

TRIT_TCONV_SUPPORTS_AVX2(sparse_avx2_supports_here, sparse_avx2_supports)
const trit_tconv_kernel trit_tconv_f32_sparse__avx2 = {"tconv_f32_sparse__avx2", SP_KERNEL_ENTRIES(sparse_avx2_supports_here)};
#endif
