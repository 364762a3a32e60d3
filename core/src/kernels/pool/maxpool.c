/* Max pooling on the flat, phase-split layout (../flat_layout.h) with -infinity as the border:
 * every window tap is one vector load and one max, 32 output pixels per tile. Measured on the
 * ResNet-18 stem pool (64x112x112, 3x3 stride 2): see docs/KERNELS.md. */
#include <math.h>

#include "pool.h"

#if defined(__wasm_simd128__) || defined(__SSE2__)
#if defined(__wasm_simd128__)
#include <wasm_simd128.h>
#define SP_VEC v128_t
#define SP_LOAD(p) wasm_v128_load(p)
#define SP_STORE(p, v) wasm_v128_store((p), (v))
#define SP_ADD wasm_f32x4_add
#define SP_SPLAT wasm_f32x4_splat
#define SP_MAX(a, b) wasm_f32x4_pmax((a), (b)) /* a < b ? b : a */
#define SP_CLAMP_LOW(v, lo) wasm_f32x4_pmax((v), (lo))
#define SP_CLAMP_HIGH(v, hi) wasm_f32x4_pmin((v), (hi))
#else
#include <emmintrin.h>
#define SP_VEC __m128
#define SP_LOAD(p) _mm_loadu_ps(p)
#define SP_STORE(p, v) _mm_storeu_ps((p), (v))
#define SP_ADD _mm_add_ps
#define SP_SPLAT _mm_set1_ps
#define SP_MAX(a, b) _mm_max_ps((b), (a)) /* b > a ? b : a */
#define SP_CLAMP_LOW(v, lo) _mm_max_ps((lo), (v))
#define SP_CLAMP_HIGH(v, hi) _mm_min_ps((hi), (v))
#endif
#define SP_NAME(x) maxpool_##x
#define SP_TILE 32
#include "../flat_layout.h"

/* Every window must hold at least one input cell: the reference writes -FLT_MAX for an empty
 * one, this kernel would give -infinity (empty windows only come from unusual padding). */
static int maxpool_simd_ok(const trit_conv_shape *s) {
    sp_geometry g;
    if (s->in_channels != s->out_channels || s->dilation_h != 1 || s->dilation_w != 1) return 0;
    if ((size_t)s->kernel_h * (size_t)s->kernel_w > 64 || !SP_NAME(geometry)(s, &g)) return 0;
    if (s->pad_top > s->kernel_h - 1 || s->pad_left > s->kernel_w - 1) return 0;
    if ((long)(s->out_h - 1) * s->stride_h - s->pad_top > s->in_h - 1) return 0;
    if ((long)(s->out_w - 1) * s->stride_w - s->pad_left > s->in_w - 1) return 0;
    return 1;
}

size_t trit_maxpool_f32_scratch_size(const trit_conv_shape *s) {
    return maxpool_simd_ok(s) ? SP_NAME(flat_scratch_size)(s) : 0;
}

void trit_maxpool_f32(const trit_conv_shape *s, const float *x, float *y, void *scratch) {
    if (!maxpool_simd_ok(s)) {
        trit_ref_maxpool_f32(s, x, y);
        return;
    }
    sp_geometry g;
    SP_NAME(geometry)(s, &g);
    float *xpad = scratch;
    sp_target *targets = (sp_target *)((unsigned char *)scratch + SP_NAME(targets_offset)(&g));
    SP_NAME(compute_targets)(s, &g, targets);
    int32_t taps[64];
    const int kk = s->kernel_h * s->kernel_w;
    for (int t = 0; t < kk; t++) {
        const size_t dy = (size_t)(t / s->kernel_w) * (size_t)s->dilation_h, dx = (size_t)(t % s->kernel_w) * (size_t)s->dilation_w;
        const size_t phase = (dy % (size_t)s->stride_h) * (size_t)s->stride_w + dx % (size_t)s->stride_w;
        taps[t] = (int32_t)(phase * g.phase_size + (dy / (size_t)s->stride_h) * g.wq + dx / (size_t)s->stride_w);
    }
    const size_t in_image = (size_t)s->in_channels * (size_t)s->in_h * (size_t)s->in_w;
    const size_t out_plane = (size_t)s->out_h * (size_t)s->out_w, out_image = (size_t)s->out_channels * out_plane;
    const SP_VEC lo = SP_SPLAT(-INFINITY), hi = SP_SPLAT(INFINITY), none = SP_SPLAT(-INFINITY);
    for (int n = 0; n < s->batch; n++) {
        SP_NAME(fill_with)(s, &g, x + (size_t)n * in_image, xpad, -INFINITY);
        for (int c = 0; c < s->in_channels; c++) {
            const float *plane = xpad + (size_t)c * g.channel_size;
            float *yc = y + (size_t)n * out_image + (size_t)c * out_plane;
            for (size_t f0 = 0; f0 < g.flat_count; f0 += SP_TILE) {
                const float *base = plane + f0;
                SP_VEC m0 = none, m1 = none, m2 = none, m3 = none, m4 = none, m5 = none, m6 = none, m7 = none;
                for (int t = 0; t < kk; t++) {
                    const float *p = base + taps[t];
                    m0 = SP_MAX(m0, SP_LOAD(p)), m1 = SP_MAX(m1, SP_LOAD(p + 4));
                    m2 = SP_MAX(m2, SP_LOAD(p + 8)), m3 = SP_MAX(m3, SP_LOAD(p + 12));
                    m4 = SP_MAX(m4, SP_LOAD(p + 16)), m5 = SP_MAX(m5, SP_LOAD(p + 20));
                    m6 = SP_MAX(m6, SP_LOAD(p + 24)), m7 = SP_MAX(m7, SP_LOAD(p + 28));
                }
                const sp_target *tg = targets + f0 / 4;
                SP_NAME(store)(m0, &tg[0], yc, NULL, lo, hi, -INFINITY, INFINITY);
                SP_NAME(store)(m1, &tg[1], yc, NULL, lo, hi, -INFINITY, INFINITY);
                SP_NAME(store)(m2, &tg[2], yc, NULL, lo, hi, -INFINITY, INFINITY);
                SP_NAME(store)(m3, &tg[3], yc, NULL, lo, hi, -INFINITY, INFINITY);
                SP_NAME(store)(m4, &tg[4], yc, NULL, lo, hi, -INFINITY, INFINITY);
                SP_NAME(store)(m5, &tg[5], yc, NULL, lo, hi, -INFINITY, INFINITY);
                SP_NAME(store)(m6, &tg[6], yc, NULL, lo, hi, -INFINITY, INFINITY);
                SP_NAME(store)(m7, &tg[7], yc, NULL, lo, hi, -INFINITY, INFINITY);
            }
        }
    }
}
#else
size_t trit_maxpool_f32_scratch_size(const trit_conv_shape *s) {
    (void)s;
    return 0;
}

void trit_maxpool_f32(const trit_conv_shape *s, const float *x, float *y, void *scratch) {
    (void)scratch;
    trit_ref_maxpool_f32(s, x, y);
}
#endif
