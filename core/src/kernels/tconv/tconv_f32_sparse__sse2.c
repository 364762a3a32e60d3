/* Sparse ± list ternary conv on x86 SSE2 (the body is tconv_sparse_impl.h): the native build
 * (CLI, sanitizer tests) runs the same algorithm as the wasm variant. */
#include "tconv.h"

#if defined(__SSE2__) /* built only for its ISA (core/core.mk, wasm/wasm.mk) */

#define SP_NAME(x) sparse_sse2_##x
#include "../sse2_lanes.h"
#include "tconv_sparse_impl.h"

const trit_tconv_kernel trit_tconv_f32_sparse__sse2 = {"tconv_f32_sparse__sse2", SP_KERNEL_ENTRIES(sparse_sse2_supports)};
#endif
