/* Float Gemm with constant B on x86 SSE2 (the body is fgemm_n16_impl.h). Built without SSE2
 * this variant is still listed, but supports() says no. */
#include "fgemm.h"

#ifdef __SSE2__
#include <emmintrin.h>

#define SP_VEC __m128
#define SP_LOAD(p) _mm_loadu_ps(p)
#define SP_STORE(p, v) _mm_storeu_ps((p), (v))
#define SP_ADD _mm_add_ps
#define SP_MUL _mm_mul_ps
#define SP_SPLAT _mm_set1_ps
#define SP_ZERO() _mm_setzero_ps()
#define SP_NAME(x) fgemm_sse2_##x
#include "fgemm_n16_impl.h"

const trit_fgemm_kernel trit_fgemm_f32_n16__sse2 = {
    "fgemm_f32_n16__sse2", fgemm_sse2_supports, fgemm_sse2_packed_size, fgemm_sse2_pack, fgemm_sse2_run,
};
#else
static int unsupported(const trit_gemm_params *p) {
    (void)p;
    return 0;
}
static size_t no_size(const trit_gemm_params *p) {
    (void)p;
    return 0;
}
static void no_pack(const trit_gemm_params *p, const float *b, void *packed) { (void)p, (void)b, (void)packed; }
static void no_run(const trit_gemm_params *p, const void *packed, const float *a, const float *c, const trit_epilogue *e,
                   float *y) {
    (void)p, (void)packed, (void)a, (void)c, (void)e, (void)y;
}
const trit_fgemm_kernel trit_fgemm_f32_n16__sse2 = {"fgemm_f32_n16__sse2", unsupported, no_size, no_pack, no_run};
#endif
