/* Sparse ± lists over 8-bit activations in plain C (the body is tconv_i8_sparse_impl.h with a tile
 * of 8 pixels in 8 int32 locals, the f32 operations of ../scalar_lanes.h): the fallback for builds
 * without a SIMD variant, i.e. trit-nosimd.wasm (and native builds without SSE2). Same lists,
 * chunks, groups and float order as the SIMD variants, so the same bits. Not compiled into the
 * wasm SIMD128 build, which never needs it (size budget, wasm/wasm.mk). */
#include "tconv_i8.h"

#if !defined(__wasm_simd128__)
#define SP_NAME(x) i8_scalar_##x
#include "../scalar_lanes.h"

typedef struct i8s_i16x8 {
    int32_t l0, l1, l2, l3, l4, l5, l6, l7; /* the int16 lanes of the SIMD variants; int32 never wraps */
} i8s_i16x8;
typedef struct i8s_i32x4 {
    int32_t l0, l1, l2, l3;
} i8s_i32x4;

static inline i8s_i16x8 i8s_add8(i8s_i16x8 a, const int8_t *p, int32_t sign) {
    return (i8s_i16x8){a.l0 + sign * p[0], a.l1 + sign * p[1], a.l2 + sign * p[2], a.l3 + sign * p[3],
                       a.l4 + sign * p[4], a.l5 + sign * p[5], a.l6 + sign * p[6], a.l7 + sign * p[7]};
}
static inline i8s_i32x4 i8s_add32(i8s_i32x4 a, i8s_i32x4 b) {
    return (i8s_i32x4){a.l0 + b.l0, a.l1 + b.l1, a.l2 + b.l2, a.l3 + b.l3};
}
static inline sl_f32x4 i8s_to_f32(i8s_i32x4 v) { return (sl_f32x4){(float)v.l0, (float)v.l1, (float)v.l2, (float)v.l3}; }

#define I8_VECS 1
#define I16_VEC i8s_i16x8
#define I16_ZERO() ((i8s_i16x8){0, 0, 0, 0, 0, 0, 0, 0})
#define I16_ADD8(a, p) i8s_add8((a), (p), 1)
#define I16_SUB8(a, p) i8s_add8((a), (p), -1)
#define I32_VEC i8s_i32x4
#define I32_ZERO() ((i8s_i32x4){0, 0, 0, 0})
#define I32_SPLAT(v) ((i8s_i32x4){(v), (v), (v), (v)})
#define I32_ADD i8s_add32
#define I32_WIDEN_LOW(a) ((i8s_i32x4){(a).l0, (a).l1, (a).l2, (a).l3})
#define I32_WIDEN_HIGH(a) ((i8s_i32x4){(a).l4, (a).l5, (a).l6, (a).l7})
#define I32_TO_F32(v) i8s_to_f32(v)

static void i8_scalar_quantize(const float *x, int8_t *q, size_t n, float scale, int is_unsigned) {
    trit_i8_quantize_from(x, q, 0, n, scale, is_unsigned);
}
#define I8_QUANTIZE i8_scalar_quantize
#include "tconv_i8_sparse_impl.h"

const trit_tconv_kernel trit_tconv_i8_sparse__scalar = {"tconv_i8_sparse__scalar", SP_KERNEL_ENTRIES(i8_scalar_supports)};
#endif
