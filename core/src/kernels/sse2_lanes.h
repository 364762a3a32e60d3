/* 4 float lanes on x86 SSE2: the SP_ macros that the kernel bodies (tconv_sparse_impl.h,
 * fconv_dense_impl.h, fgemm_n16_impl.h, tconv_i8_sparse_impl.h) expect, and the int16 / int32 lanes
 * of the int8 bodies (tconv_i8_sparse_impl.h, tconv_i8_dense_impl.h) but for the ISA's own
 * I8_LOAD8X8 and I32_WIDEN_LOW / _HIGH. The *__sse2.c and *__avx2.c variants include it; the build
 * compiles them only for native targets (core/core.mk). Include once per translation unit, after
 * defining SP_NAME. */
#ifndef TRIT_SSE2_LANES_H
#define TRIT_SSE2_LANES_H

#include <emmintrin.h>
#include <stdint.h>

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

/* 8 int8 at p sign-extended to int16 lanes: SSE2 has no byte sign extension, so each byte is
 * duplicated into a 16-bit lane and shifted right arithmetic */
static inline __m128i sse2_load8x8_i16(const int8_t *p) {
    const __m128i b = _mm_loadl_epi64((const __m128i *)(const void *)p);
    return _mm_srai_epi16(_mm_unpacklo_epi8(b, b), 8);
}

#define I16_VEC __m128i
#define I16_ZERO() _mm_setzero_si128()
#define I16_ADD8(a, p) _mm_add_epi16((a), I8_LOAD8X8(p))
#define I16_SUB8(a, p) _mm_sub_epi16((a), I8_LOAD8X8(p))
#define I32_VEC __m128i
#define I32_ZERO() _mm_setzero_si128()
#define I32_SPLAT(v) _mm_set1_epi32(v)
#define I32_ADD _mm_add_epi32
#define I32_TO_F32(v) _mm_cvtepi32_ps(v)
/* f32x4 of (the 4 int32 at p + c): tconv_i8_dense_impl.h */
#define I32X4_LOAD_F32(p, c) _mm_cvtepi32_ps(_mm_add_epi32(_mm_loadu_si128((const __m128i *)(const void *)(p)), _mm_set1_epi32(c)))

#endif
