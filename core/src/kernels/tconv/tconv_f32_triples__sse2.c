/* Ternary conv over input-channel triples on x86 SSE2 (native builds): the sparse ± list kernel
 * (tconv_sparse_impl.h) reading 13 precomputed pattern planes per 3 input channels, so one entry
 * covers a whole weight triple (symmetric scales only). Built for another ISA this variant is
 * still listed, but supports() says no, so the list links everywhere. */
#include "tconv.h"
#define SP_TRIPLES 1

#if defined(__SSE2__)
#include <emmintrin.h>

#define SP_VEC __m128
#define SP_LOAD(p) _mm_loadu_ps(p)
#define SP_STORE(p, v) _mm_storeu_ps((p), (v))
#define SP_ADD _mm_add_ps
#define SP_SUB _mm_sub_ps
#define SP_MUL _mm_mul_ps
#define SP_SPLAT _mm_set1_ps
#define SP_ZERO() _mm_setzero_ps()
/* maxps(a, b) = a > b ? a : b, so maxps(lo, v) keeps a NaN v, like the reference */
#define SP_CLAMP_LOW(v, lo) _mm_max_ps((lo), (v))
#define SP_CLAMP_HIGH(v, hi) _mm_min_ps((hi), (v))
#define SP_NAME(x) triples_sse2_##x
#include "tconv_sparse_impl.h"

const trit_tconv_kernel trit_tconv_f32_triples__sse2 = {
    "tconv_f32_triples__sse2", triples_sse2_supports,     triples_sse2_packed_size,
    triples_sse2_pack,         triples_sse2_scratch_size, triples_sse2_run,
};
#else
static int unsupported(const trit_conv_shape *s, const trit_ternary_weights *w) {
    (void)s;
    (void)w;
    return 0;
}
static size_t no_size(const trit_conv_shape *s, const trit_ternary_weights *w) {
    (void)s;
    (void)w;
    return 0;
}
static void no_pack(const trit_conv_shape *s, const trit_ternary_weights *w, void *packed) {
    (void)s;
    (void)w;
    (void)packed;
}
static size_t no_scratch(const trit_conv_shape *s) {
    (void)s;
    return 0;
}
static void no_run(const trit_conv_shape *s, const void *packed, const float *x, const float *bias,
                   const trit_epilogue *e, float *y, void *scratch) {
    (void)s, (void)packed, (void)x, (void)bias, (void)e, (void)y, (void)scratch;
}
const trit_tconv_kernel trit_tconv_f32_triples__sse2 = {
    "tconv_f32_triples__sse2", unsupported, no_size, no_pack, no_scratch, no_run,
};
#endif
