/* The one list of float Gemm variants, best first (see fgemm.h). */
#include "fgemm.h"

#if defined(__wasm_simd128__) /* *__wasmsimd.c is built only for wasm SIMD128 */
extern const trit_fgemm_kernel trit_fgemm_f32_n16__wasmsimd;
#endif
#if defined(__SSE2__) /* *__sse2.c is built only for x86 */
extern const trit_fgemm_kernel trit_fgemm_f32_n16__sse2;
#endif
extern const trit_fgemm_kernel trit_fgemm_f32_ref;

const trit_fgemm_kernel *const trit_fgemm_kernels[] = {
#if defined(__wasm_simd128__)
    &trit_fgemm_f32_n16__wasmsimd,
#endif
#if defined(__SSE2__)
    &trit_fgemm_f32_n16__sse2,
#endif
    &trit_fgemm_f32_ref,
    NULL,
};

const trit_fgemm_kernel *trit_fgemm_select(const trit_gemm_params *p) {
    for (int i = 0; trit_fgemm_kernels[i]; i++)
        if (trit_fgemm_kernels[i]->supports(p)) return trit_fgemm_kernels[i];
    return NULL; /* unreachable: the reference supports every shape */
}
