/* Ternary conv over input-channel triples on x86 SSE2 (native builds): the sparse ± list kernel
 * (tconv_sparse_impl.h) reading 13 precomputed pattern planes per 3 input channels, so one entry
 * covers a whole weight triple (symmetric scales only). */
#include "tconv.h"
#define SP_TRIPLES 1

#if defined(__SSE2__) /* built only for its ISA (core/core.mk, wasm/wasm.mk) */

#define SP_NAME(x) triples_sse2_##x
#include "../sse2_lanes.h"
#include "tconv_sparse_impl.h"

const trit_tconv_kernel trit_tconv_f32_triples__sse2 = {"tconv_f32_triples__sse2", SP_KERNEL_ENTRIES(triples_sse2_supports)};
#endif
