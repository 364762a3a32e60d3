/* Design probe for the int8-activation path (docs/KERNELS.md): the sparse ± list kernel over
 * int16 lanes. Not a product kernel (not in tconv_list.c, results are quantised): the input is
 * quantised per tensor at run time (scale = 127 / max|x|, so |q| <= 127), each list entry adds
 * 8 x i16x8 = 64 pixels, lists are cut into chunks of <= 256 entries so the int16 sums cannot
 * overflow (256 * 127 < 32768), and each chunk is widened into i32x4 accumulators. It has the
 * tconv_kernel interface so bench/tconv_bench.c times it like the others. wasm SIMD128 only. */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../core/src/kernels/tconv/tconv.h"

#ifdef __wasm_simd128__
#include <wasm_simd128.h>

#define CHUNK 256
#ifndef PROBE_VECS
#define PROBE_VECS 8 /* i16x8 accumulators per tile: 8 -> 64 pixels per list entry */
#endif
#define PROBE_TILE (8 * PROBE_VECS)
#include <stdint.h>

typedef struct probe_header {
    int32_t out_channels, hp, wp, plane; /* padded plane: hp x wp (stride 1 only) */
    uint32_t flat_count;
} probe_header;

typedef struct probe_channel {
    uint32_t first, plus, minus;
    float scale;
} probe_channel;

static int probe_supports(const trit_conv_shape *s, const trit_ternary_weights *w) {
    return s->stride_h == 1 && s->stride_w == 1 && s->dilation_h == 1 && s->dilation_w == 1 && s->group == 1 &&
           s->batch == 1 && w->plane_count == 1 && s->out_h * s->out_w >= 4;
}

static void probe_geometry(const trit_conv_shape *s, probe_header *h) {
    h->hp = s->out_h + s->kernel_h - 1;
    h->wp = s->out_w + s->kernel_w - 1;
    h->plane = h->hp * h->wp;
    h->flat_count = (uint32_t)((s->out_h * h->wp + PROBE_TILE - 1) / PROBE_TILE * PROBE_TILE);
}

static size_t probe_packed_size(const trit_conv_shape *s, const trit_ternary_weights *w) {
    (void)s;
    size_t nz = 0;
    for (size_t i = 0; i < (size_t)w->out_channels * w->per_out; i++) nz += w->planes[0].codes[i] != 0;
    return sizeof(probe_header) + (size_t)w->out_channels * sizeof(probe_channel) + nz * sizeof(int32_t);
}

static void probe_pack(const trit_conv_shape *s, const trit_ternary_weights *w, void *packed) {
    probe_header *h = packed;
    probe_geometry(s, h);
    h->out_channels = w->out_channels;
    probe_channel *ch = (probe_channel *)(h + 1);
    int32_t *e = (int32_t *)(ch + w->out_channels);
    uint32_t next = 0;
    const int kk = s->kernel_h * s->kernel_w;
    for (int o = 0; o < w->out_channels; o++) {
        ch[o].first = next;
        ch[o].scale = w->planes[0].pos_scale[o]; /* symmetric scales assumed by the probe */
        for (int sign = 1; sign >= -1; sign -= 2) {
            uint32_t count = 0;
            for (size_t k = 0; k < w->per_out; k++) {
                if (w->planes[0].codes[(size_t)o * w->per_out + k] != sign) continue;
                const int ci = (int)(k / kk), tap = (int)(k % kk);
                e[next++] = ci * h->plane + (tap / s->kernel_w) * h->wp + tap % s->kernel_w;
                count++;
            }
            if (sign == 1) ch[o].plus = count;
            else ch[o].minus = count;
        }
    }
}

static size_t probe_scratch_size(const trit_conv_shape *s) {
    probe_header h;
    probe_geometry(s, &h);
    /* int16 input copy, then a flat float output staging area [out_channels][flat_count] */
    return (((size_t)s->in_channels * h.plane + h.flat_count + 64) * sizeof(int16_t) + 15) / 16 * 16 +
           (size_t)s->out_channels * h.flat_count * sizeof(float);
}


/* s0..s7 op= the vectors at each of the n entries from idx[done] (op: wasm_i16x8_add or _sub) */
#define PROBE_ACCUMULATE(op)                                                               \
    do {                                                                                   \
        for (uint32_t i = 0; i < n; i++) {                                                 \
            const int16_t *p = base + idx[done + i];                                       \
            s0 = op(s0, wasm_v128_load(p)), s1 = op(s1, wasm_v128_load(p + 8));            \
            s2 = op(s2, wasm_v128_load(p + 16)), s3 = op(s3, wasm_v128_load(p + 24));      \
            if (PROBE_VECS == 8) {                                                         \
                s4 = op(s4, wasm_v128_load(p + 32)), s5 = op(s5, wasm_v128_load(p + 40));  \
                s6 = op(s6, wasm_v128_load(p + 48)), s7 = op(s7, wasm_v128_load(p + 56));  \
            }                                                                              \
        }                                                                                  \
    } while (0)

/* acc16 +=/-= one chunk of <= 256 entries at a time, then widened into acc32 (kept in memory:
 * touched once per chunk, so it costs no registers in the inner loop) */
static inline void probe_list(const int16_t *base, const int32_t *idx, uint32_t count, int subtract, v128_t *acc32) {
    for (uint32_t done = 0; done < count;) {
        const uint32_t n = count - done < CHUNK ? count - done : CHUNK;
        v128_t s0 = wasm_i16x8_splat(0), s1 = s0, s2 = s0, s3 = s0, s4 = s0, s5 = s0, s6 = s0, s7 = s0;
        if (subtract) PROBE_ACCUMULATE(wasm_i16x8_sub);
        else PROBE_ACCUMULATE(wasm_i16x8_add);
        const v128_t sums[8] = {s0, s1, s2, s3, s4, s5, s6, s7};
        for (int v = 0; v < PROBE_VECS; v++) {
            acc32[2 * v] = wasm_i32x4_add(acc32[2 * v], wasm_i32x4_extend_low_i16x8(sums[v]));
            acc32[2 * v + 1] = wasm_i32x4_add(acc32[2 * v + 1], wasm_i32x4_extend_high_i16x8(sums[v]));
        }
        done += n;
    }
}

static void probe_run(const trit_conv_shape *s, const void *packed, const float *x, const float *bias,
                      const trit_epilogue *e, float *y, void *scratch) {
    const probe_header *h = packed;
    const probe_channel *ch = (const probe_channel *)(h + 1);
    const int32_t *entries = (const int32_t *)(ch + h->out_channels);
    int16_t *xq = scratch;
    /* per-tensor dynamic quantisation: one pass for max|x|, one to pad and round */
    float amax = 0.0f;
    const size_t in_count = (size_t)s->in_channels * s->in_h * s->in_w;
    for (size_t i = 0; i < in_count; i++) amax = fmaxf(amax, fabsf(x[i]));
    const float q = amax > 0 ? 127.0f / amax : 1.0f, dq = 1.0f / q;
    const size_t xq_bytes = (((size_t)s->in_channels * h->plane + h->flat_count + 64) * sizeof(int16_t) + 15) / 16 * 16;
    float *stage = (float *)((unsigned char *)scratch + xq_bytes);
    memset(xq, 0, xq_bytes);
    for (int c = 0; c < s->in_channels; c++)
        for (int i = 0; i < s->in_h; i++)
            for (int j = 0; j < s->in_w; j++)
                xq[c * h->plane + (i + s->pad_top) * h->wp + j + s->pad_left] =
                    (int16_t)(x[((size_t)c * s->in_h + i) * s->in_w + j] * q + (x[((size_t)c * s->in_h + i) * s->in_w + j] >= 0 ? 0.5f : -0.5f));
    const size_t out_plane = (size_t)s->out_h * s->out_w;
    for (uint32_t f0 = 0; f0 < h->flat_count; f0 += PROBE_TILE) {
        const int16_t *base = xq + f0;
        for (int o = 0; o < h->out_channels; o++) {
            v128_t acc32[2 * PROBE_VECS];
            for (int v = 0; v < 2 * PROBE_VECS; v++) acc32[v] = wasm_i32x4_splat(0);
            const int32_t *idx = entries + ch[o].first;
            probe_list(base, idx, ch[o].plus, 0, acc32);
            probe_list(base, idx + ch[o].plus, ch[o].minus, 1, acc32);
            const v128_t m = wasm_f32x4_splat(ch[o].scale * dq), b = wasm_f32x4_splat(bias ? bias[o] : 0.0f);
            float *out = stage + (size_t)o * h->flat_count + f0;
            for (int v = 0; v < 2 * PROBE_VECS; v++)
                wasm_v128_store(out + 4 * v, wasm_f32x4_add(wasm_f32x4_mul(wasm_f32x4_convert_i32x4(acc32[v]), m), b));
        }
    }
    /* staging rows -> y, epilogue applied */
    for (int o = 0; o < h->out_channels; o++)
        for (int oy = 0; oy < s->out_h; oy++) {
            const float *row = stage + (size_t)o * h->flat_count + (size_t)oy * h->wp;
            const size_t i0 = (size_t)o * out_plane + (size_t)oy * s->out_w;
            for (int ox = 0; ox < s->out_w; ox++) y[i0 + ox] = trit_apply_epilogue(e, i0 + ox, row[ox]);
        }
}

const trit_tconv_kernel bench_probe_int16 = {
    "probe_int16_sparse", probe_supports, probe_packed_size, probe_pack, probe_scratch_size, probe_run,
};
#endif
