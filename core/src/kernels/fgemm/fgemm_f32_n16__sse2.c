/* Float Gemm with constant B on x86 SSE2 (the body is fgemm_n16_impl.h). */
#include "fgemm.h"

#if defined(__SSE2__) /* built only for its ISA (core/core.mk, wasm/wasm.mk) */

#define SP_NAME(x) fgemm_sse2_##x
#include "../sse2_lanes.h"
#include "fgemm_n16_impl.h"

const trit_fgemm_kernel trit_fgemm_f32_n16__sse2 = {
    "fgemm_f32_n16__sse2", fgemm_sse2_supports, fgemm_sse2_packed_size, fgemm_sse2_pack, fgemm_sse2_run,
};
#endif
