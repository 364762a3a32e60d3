/* Dense float conv on x86 SSE2 (native builds) (the body is fconv_dense_impl.h). Built for another ISA this
 * variant is still listed, but supports() says no, so the list links everywhere. */
#include "fconv.h"

#if defined(__SSE2__)
#include <emmintrin.h>

#define SP_VEC __m128
#define SP_LOAD(p) _mm_loadu_ps(p)
#define SP_STORE(p, v) _mm_storeu_ps((p), (v))
#define SP_ADD _mm_add_ps
#define SP_SUB _mm_sub_ps
#define SP_MUL _mm_mul_ps
#define SP_SPLAT _mm_set1_ps
#define SP_LOAD_SPLAT(p) _mm_load1_ps(p)
#define SP_ZERO() _mm_setzero_ps()
/* maxps(a, b) = a > b ? a : b, so maxps(lo, v) keeps a NaN v, like the reference */
#define SP_CLAMP_LOW(v, lo) _mm_max_ps((lo), (v))
#define SP_CLAMP_HIGH(v, hi) _mm_min_ps((hi), (v))
#define SP_NAME(x) fdense_sse2_##x
#include "fconv_dense_impl.h"

const trit_fconv_kernel trit_fconv_f32_dense__sse2 = {
    "fconv_f32_dense__sse2", fdense_sse2_supports,     fdense_sse2_packed_size,
    fdense_sse2_pack,      fdense_sse2_scratch_size, fdense_sse2_run,
};
#else
static int unsupported(const trit_conv_shape *s) {
    (void)s;
    return 0;
}
static size_t no_size(const trit_conv_shape *s) {
    (void)s;
    return 0;
}
static void no_pack(const trit_conv_shape *s, const float *w, void *packed) {
    (void)s, (void)w, (void)packed;
}
static void no_run(const trit_conv_shape *s, const void *packed, const float *x, const float *bias,
                   const trit_epilogue *e, float *y, void *scratch) {
    (void)s, (void)packed, (void)x, (void)bias, (void)e, (void)y, (void)scratch;
}
const trit_fconv_kernel trit_fconv_f32_dense__sse2 = {
    "fconv_f32_dense__sse2", unsupported, no_size, no_pack, no_size, no_run,
};
#endif
