/* Sparse ± lists over int8 activations on x86 SSE2 (the body is tconv_i8_sparse_impl.h): the
 * native build (CLI, `trit eval`, sanitizer tests) runs the same integer algorithm as the wasm
 * variant, bit for bit. */
#include "tconv_i8.h"

#if defined(__SSE2__) /* built only for its ISA (core/core.mk, wasm/wasm.mk) */

#define SP_NAME(x) i8_sse2_##x
#include "../sse2_lanes.h"
#define I8_LOAD8X8(p) sse2_load8x8_i16(p)
#define I32_WIDEN_LOW(a) _mm_srai_epi32(_mm_unpacklo_epi16((a), (a)), 16)
#define I32_WIDEN_HIGH(a) _mm_srai_epi32(_mm_unpackhi_epi16((a), (a)), 16)

#define I8_X86_QUANTIZE trit_i8_quantize_sse2 /* also the dense variant's quantizer */
#include "tconv_i8_quantize_x86.h"
#define I8_QUANTIZE trit_i8_quantize_sse2
#include "tconv_i8_sparse_impl.h"

const trit_tconv_kernel trit_tconv_i8_sparse__sse2 = {"tconv_i8_sparse__sse2", SP_KERNEL_ENTRIES(i8_sse2_supports)};
#endif
