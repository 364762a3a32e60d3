/* Dense float convolution on the flat, phase-split layout (../flat_layout.h): the body shared by
 * the SIMD variants, which define the SP_ vector macros (see tconv_sparse_impl.h) and SP_NAME.
 *
 * A tile is 16 flat output pixels (4 f32x4) of 2 output channels: 8 accumulators. Each tap costs
 * 4 input loads (shared by both channels), 2 weight splats, 8 multiplies and 8 adds for 32 MACs
 * (no FMA in wasm SIMD128). Taps are the same flat offsets for every channel (group 1 only; grouped
 * float convs take the reference). */
#include <math.h>
#include <stdint.h>
#include <string.h>

#include "../../alloc.h"
#include "fconv.h"

#ifndef FD_CH
#define FD_CH 2 /* output channels per tile (docs/KERNELS.md: 2x4, 4x2, 4x3 measured alike on the stem) */
#endif
#ifndef FD_VEC
#define FD_VEC 4 /* f32x4 vectors of pixels per tile */
#endif
#define SP_TILE (4 * FD_VEC)
#include "../flat_layout.h"

/* FD_EACH_ACC(OP) expands OP(c, v) for every channel c < FD_CH and vector v < FD_VEC */
#if FD_VEC == 1 /* the scalar variant: 4 pixels in scalar locals */
#define FD_VECS_OF(OP, c) OP(c, 0)
#define FD_EACH_VEC(OP) OP(0)
#elif FD_VEC == 2
#define FD_VECS_OF(OP, c) OP(c, 0) OP(c, 1)
#define FD_EACH_VEC(OP) OP(0) OP(1)
#elif FD_VEC == 3
#define FD_VECS_OF(OP, c) OP(c, 0) OP(c, 1) OP(c, 2)
#define FD_EACH_VEC(OP) OP(0) OP(1) OP(2)
#elif FD_VEC == 4
#define FD_VECS_OF(OP, c) OP(c, 0) OP(c, 1) OP(c, 2) OP(c, 3)
#define FD_EACH_VEC(OP) OP(0) OP(1) OP(2) OP(3)
#else
#error "FD_VEC must be 1, 2, 3 or 4"
#endif
#if FD_CH == 2
#define FD_EACH_CH(OP) OP(0) OP(1)
#define FD_EACH_ACC(OP) FD_VECS_OF(OP, 0) FD_VECS_OF(OP, 1)
#elif FD_CH == 3
#define FD_EACH_CH(OP) OP(0) OP(1) OP(2)
#define FD_EACH_ACC(OP) FD_VECS_OF(OP, 0) FD_VECS_OF(OP, 1) FD_VECS_OF(OP, 2)
#elif FD_CH == 4
#define FD_EACH_CH(OP) OP(0) OP(1) OP(2) OP(3)
#define FD_EACH_ACC(OP) FD_VECS_OF(OP, 0) FD_VECS_OF(OP, 1) FD_VECS_OF(OP, 2) FD_VECS_OF(OP, 3)
#else
#error "FD_CH must be 2, 3 or 4"
#endif
#define FD_DECLARE(c, v) SP_VEC a##c##_##v = SP_ZERO();
#define FD_MAC(c, v) a##c##_##v = SP_ADD(a##c##_##v, SP_MUL(x##v, w##c));
#define FD_LOAD_X(v) const SP_VEC x##v = SP_LOAD(p + 4 * v);
#define FD_SPLAT_W(c) const SP_VEC w##c = SP_LOAD_SPLAT(wk + c);
#define FD_STORE(c, v) SP_NAME(store)(SP_ADD(a##c##_##v, bias_v), &t[v], yc, rc, lo, hi, e->min, e->max);
#define FD_FINISH_CH(c)                                                                         \
    if (o + c < s->out_channels) {                                                              \
        const SP_VEC bias_v = SP_SPLAT(bias ? bias[o + c] : 0.0f);                              \
        float *yc = yn + (size_t)(o + c) * out_plane;                                           \
        const float *rc = rn ? rn + (size_t)(o + c) * out_plane : NULL;                         \
        FD_VECS_OF(FD_STORE, c)                                                                 \
    }

typedef struct fd_header {
    int32_t out_channels, taps;
} fd_header;

/* Packed: header, int32 offsets[taps] (16-byte aligned), then per group of FD_CH channels
 * float w[taps][FD_CH] (zeros for the channels past out_channels). */
static size_t SP_NAME(weights_offset)(size_t taps) {
    return (sizeof(fd_header) + taps * sizeof(int32_t) + 15) & ~(size_t)15;
}

static int SP_NAME(supports)(const trit_conv_shape *s) {
    sp_geometry g;
    if (s->group != 1 || !SP_NAME(geometry)(s, &g)) return 0;
    if ((size_t)s->out_h * (size_t)s->out_w < 4) return 0; /* Gemm-like: one lane of 16 */
    size_t taps = (size_t)s->in_channels * (size_t)s->kernel_h * (size_t)s->kernel_w;
    return taps < (size_t)INT32_MAX / 16 && s->out_channels < INT32_MAX - 1;
}

static size_t SP_NAME(packed_size)(const trit_conv_shape *s) {
    size_t taps = (size_t)s->in_channels * (size_t)s->kernel_h * (size_t)s->kernel_w, pairs_bytes, total;
    size_t groups = ((size_t)s->out_channels + FD_CH - 1) / FD_CH;
    if (!trit_size_mul(groups, taps * FD_CH * sizeof(float), &pairs_bytes)) return 0;
    if (!trit_size_add(SP_NAME(weights_offset)(taps), pairs_bytes, &total)) return 0;
    return total;
}

static void SP_NAME(pack)(const trit_conv_shape *s, const float *w, void *packed) {
    sp_geometry g;
    SP_NAME(geometry)(s, &g);
    const size_t kk = (size_t)s->kernel_h * (size_t)s->kernel_w, taps = (size_t)s->in_channels * kk;
    fd_header *h = packed;
    h->out_channels = s->out_channels;
    h->taps = (int32_t)taps;
    int32_t *offsets = (int32_t *)(h + 1);
    for (size_t t = 0; t < taps; t++) {
        const size_t ci = t / kk, tap = t % kk;
        const size_t dy = (tap / (size_t)s->kernel_w) * (size_t)s->dilation_h;
        const size_t dx = (tap % (size_t)s->kernel_w) * (size_t)s->dilation_w;
        const size_t phase = (dy % (size_t)s->stride_h) * (size_t)s->stride_w + dx % (size_t)s->stride_w;
        offsets[t] = (int32_t)(ci * g.channel_size + phase * g.phase_size + (dy / (size_t)s->stride_h) * g.wq +
                               dx / (size_t)s->stride_w);
    }
    float *groups = (float *)((unsigned char *)packed + SP_NAME(weights_offset)(taps));
    for (int o = 0; o < s->out_channels; o += FD_CH) {
        float *pw = groups + (size_t)(o / FD_CH) * taps * FD_CH;
        for (size_t t = 0; t < taps; t++)
            for (int c = 0; c < FD_CH; c++)
                pw[FD_CH * t + (size_t)c] = o + c < s->out_channels ? w[(size_t)(o + c) * taps + t] : 0.0f;
    }
}

static size_t SP_NAME(scratch_size)(const trit_conv_shape *s) { return SP_NAME(flat_scratch_size)(s); }

/* Work splitting (fconv.h): one image's flat copy and the output targets; units are tiles. */
/* (the _g forms take the geometry, so run() computes it once) */
static void SP_NAME(prepare_g)(const trit_conv_shape *s, const sp_geometry *g, const float *x, void *scratch) {
    SP_NAME(compute_targets)(s, g, (sp_target *)((unsigned char *)scratch + SP_NAME(targets_offset)(g)));
    SP_NAME(fill)(s, g, x, scratch);
}

static void SP_NAME(prepare)(const trit_conv_shape *s, const void *packed, const float *x, void *scratch) {
    (void)packed;
    sp_geometry g;
    SP_NAME(geometry)(s, &g);
    SP_NAME(prepare_g)(s, &g, x, scratch);
}

static int SP_NAME(range_units)(const trit_conv_shape *s) {
    sp_geometry g;
    if (!SP_NAME(geometry)(s, &g)) return 0; /* a shape supports() refused */
    return (int)((g.flat_count + SP_TILE - 1) / SP_TILE);
}

static void SP_NAME(run_range_g)(const trit_conv_shape *s, const sp_geometry *gp, const void *packed, const float *bias,
                                 const trit_epilogue *e, float *yn, const void *scratch, int begin, int end) {
    const sp_geometry g = *gp; /* a local copy: stores to y cannot alias it */
    const fd_header *h = packed;
    const size_t taps = (size_t)h->taps;
    const int32_t *offsets = (const int32_t *)(h + 1);
    const float *groups = (const float *)((const unsigned char *)packed + SP_NAME(weights_offset)(taps));
    const float *xpad = scratch;
    const sp_target *targets = (const sp_target *)((const unsigned char *)scratch + SP_NAME(targets_offset)(&g));
    const size_t out_plane = (size_t)s->out_h * (size_t)s->out_w;
    const float *rn = e->residual;
    const SP_VEC lo = SP_SPLAT(e->min), hi = SP_SPLAT(e->max);
    for (size_t f0 = (size_t)begin * SP_TILE; f0 < g.flat_count && f0 < (size_t)end * SP_TILE; f0 += SP_TILE) {
        const float *base = xpad + f0;
        const sp_target *t = targets + f0 / 4;
        for (int o = 0; o < s->out_channels; o += FD_CH) {
            const float *pw = groups + (size_t)(o / FD_CH) * taps * FD_CH;
            FD_EACH_ACC(FD_DECLARE)
            for (size_t k = 0; k < taps; k++) {
                const float *p = base + offsets[k];
                const float *wk = pw + FD_CH * k;
                FD_EACH_VEC(FD_LOAD_X)
                FD_EACH_CH(FD_SPLAT_W)
                FD_EACH_ACC(FD_MAC)
            }
            FD_EACH_CH(FD_FINISH_CH)
        }
    }
}

static void SP_NAME(run_range)(const trit_conv_shape *s, const void *packed, const float *bias, const trit_epilogue *e,
                               float *y, const void *scratch, void *own, int begin, int end) {
    (void)own;
    sp_geometry g;
    if (!SP_NAME(geometry)(s, &g)) return; /* a shape supports() refused */
    SP_NAME(run_range_g)(s, &g, packed, bias, e, y, scratch, begin, end);
}

static void SP_NAME(run)(const trit_conv_shape *s, const void *packed, const float *x, const float *bias,
                         const trit_epilogue *e, float *y, void *scratch) {
    const size_t in_image = (size_t)s->in_channels * (size_t)s->in_h * (size_t)s->in_w;
    const size_t out_image = (size_t)s->out_channels * (size_t)s->out_h * (size_t)s->out_w;
    sp_geometry g;
    if (!SP_NAME(geometry)(s, &g)) return; /* a shape supports() refused */
    for (int n = 0; n < s->batch; n++) {
        const trit_epilogue en = {e->residual ? e->residual + (size_t)n * out_image : NULL, e->min, e->max};
        SP_NAME(prepare_g)(s, &g, x + (size_t)n * in_image, scratch);
        SP_NAME(run_range_g)(s, &g, packed, bias, &en, y + (size_t)n * out_image, scratch, 0, (int)((g.flat_count + SP_TILE - 1) / SP_TILE));
    }
}

/* The variant's list entry after its name (fconv.h): `supports` is SP_NAME(supports), or the AVX2 file's
 * wrapper that asks the CPU first. */
#define SP_KERNEL_ENTRIES(supports)                                                                     \
    supports, SP_NAME(packed_size), SP_NAME(pack), SP_NAME(scratch_size), SP_NAME(run), TRIT_SPLIT(SP_NAME(prepare)), \
        TRIT_SPLIT(SP_NAME(range_units)), TRIT_SPLIT(SP_NAME(run_range))
