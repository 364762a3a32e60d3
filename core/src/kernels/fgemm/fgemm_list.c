/* The one list of float Gemm variants, best first (see fgemm.h). */
#include "fgemm.h"

extern const trit_fgemm_kernel trit_fgemm_f32_n16__wasmsimd;
extern const trit_fgemm_kernel trit_fgemm_f32_n16__sse2;
extern const trit_fgemm_kernel trit_fgemm_f32_ref;

const trit_fgemm_kernel *const trit_fgemm_kernels[] = {
    &trit_fgemm_f32_n16__wasmsimd,
    &trit_fgemm_f32_n16__sse2,
    &trit_fgemm_f32_ref,
    NULL,
};

const trit_fgemm_kernel *trit_fgemm_select(const trit_gemm_params *p) {
    for (int i = 0; trit_fgemm_kernels[i]; i++)
        if (trit_fgemm_kernels[i]->supports(p)) return trit_fgemm_kernels[i];
    return NULL; /* unreachable: the reference supports every shape */
}
