/* 4 float lanes on x86 SSE2: the SP_ macros that the kernel bodies (tconv_sparse_impl.h,
 * fconv_dense_impl.h, fgemm_n16_impl.h, tconv_i8_sparse_impl.h) expect. The *__sse2.c variants
 * include it; the build compiles them only for native targets (core/core.mk). Include once per
 * translation unit, after defining SP_NAME. */
#ifndef TRIT_SSE2_LANES_H
#define TRIT_SSE2_LANES_H

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

#endif
