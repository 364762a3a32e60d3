/* Portable "vector" of 4 floats for the scalar variants (plain C, no intrinsics): the SP_ macros
 * that tconv_sparse_impl.h and fconv_dense_impl.h expect, over a struct of 4 named floats. Named
 * fields, not an array, so clang/gcc split every accumulator into its own scalar local (SROA) and
 * keep them in registers; in a wasm build without SIMD128 each lane is one f32 local.
 * Include once per translation unit, after defining SP_NAME. */
#ifndef TRIT_SCALAR_LANES_H
#define TRIT_SCALAR_LANES_H

typedef struct sl_f32x4 {
    float l0, l1, l2, l3;
} sl_f32x4;

static inline sl_f32x4 sl_load(const float *p) { return (sl_f32x4){p[0], p[1], p[2], p[3]}; }
static inline void sl_store(float *p, sl_f32x4 v) { p[0] = v.l0, p[1] = v.l1, p[2] = v.l2, p[3] = v.l3; }
static inline sl_f32x4 sl_add(sl_f32x4 a, sl_f32x4 b) { return (sl_f32x4){a.l0 + b.l0, a.l1 + b.l1, a.l2 + b.l2, a.l3 + b.l3}; }
static inline sl_f32x4 sl_sub(sl_f32x4 a, sl_f32x4 b) { return (sl_f32x4){a.l0 - b.l0, a.l1 - b.l1, a.l2 - b.l2, a.l3 - b.l3}; }
static inline sl_f32x4 sl_mul(sl_f32x4 a, sl_f32x4 b) { return (sl_f32x4){a.l0 * b.l0, a.l1 * b.l1, a.l2 * b.l2, a.l3 * b.l3}; }
static inline sl_f32x4 sl_splat(float f) { return (sl_f32x4){f, f, f, f}; }
/* (v < lo) ? lo : v and (v > hi) ? hi : v per lane: a NaN v stays, like the reference */
static inline float sl_low1(float v, float lo) { return v < lo ? lo : v; }
static inline float sl_high1(float v, float hi) { return v > hi ? hi : v; }
static inline sl_f32x4 sl_clamp_low(sl_f32x4 v, sl_f32x4 lo) {
    return (sl_f32x4){sl_low1(v.l0, lo.l0), sl_low1(v.l1, lo.l1), sl_low1(v.l2, lo.l2), sl_low1(v.l3, lo.l3)};
}
static inline sl_f32x4 sl_clamp_high(sl_f32x4 v, sl_f32x4 hi) {
    return (sl_f32x4){sl_high1(v.l0, hi.l0), sl_high1(v.l1, hi.l1), sl_high1(v.l2, hi.l2), sl_high1(v.l3, hi.l3)};
}

#define SP_VEC sl_f32x4
#define SP_LOAD(p) sl_load(p)
#define SP_STORE(p, v) sl_store((p), (v))
#define SP_ADD sl_add
#define SP_SUB sl_sub
#define SP_MUL sl_mul
#define SP_SPLAT sl_splat
#define SP_LOAD_SPLAT(p) sl_splat(*(p))
#define SP_ZERO() sl_splat(0.0f)
#define SP_CLAMP_LOW(v, lo) sl_clamp_low((v), (lo))
#define SP_CLAMP_HIGH(v, hi) sl_clamp_high((v), (hi))

#endif
