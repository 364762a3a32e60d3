/* Dense float conv on x86 SSE2 (native builds) (the body is fconv_dense_impl.h). */
#include "fconv.h"

#if defined(__SSE2__) /* built only for its ISA (core/core.mk, wasm/wasm.mk) */

#define SP_NAME(x) fdense_sse2_##x
#include "../sse2_lanes.h"
#include "fconv_dense_impl.h"

const trit_fconv_kernel trit_fconv_f32_dense__sse2 = {"fconv_f32_dense__sse2", SP_KERNEL_ENTRIES(fdense_sse2_supports)};
#endif
