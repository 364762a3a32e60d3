/* Dense int8 ternary conv: the body shared by the dense variants of the int8-activation family
 * (semantics in tconv_i8.h; every variant bit-identical to tconv_i8_ref). The including file
 * defines the f32x4 operations of ../flat_layout.h (SP_VEC, SP_LOAD, SP_STORE, SP_ADD, SP_MUL,
 * SP_SPLAT, SP_ZERO, SP_CLAMP_LOW, SP_CLAMP_HIGH, SP_NAME) and:
 *   DV_VEC, DV_PIX        an int32 vector of DV_PIX lanes (4: 128-bit, 8: AVX2)
 *   DV_ZERO()
 *   DV_LOADX(p)           the 2 * DV_PIX int8 at p (DV_PIX pixels x 2 input channels, interleaved)
 *                         sign-extended to int16 lanes
 *   DV_SPLAT32(p)         the int32 at p (two int16 weights) in every lane
 *   DV_MADD(acc, x, w)    acc + pairwise dot product of the int16 lanes (i32x4.dot_i16x8_s / pmaddwd)
 *   DV_STORE(p, v)        DV_PIX int32 to p
 *   I32X4_LOAD_F32(p, c)  f32x4 of (the 4 int32 at p + c), rounded to nearest like (float) in C
 *   I8_QUANTIZE(x, q, n, scale, u)   as tconv_i8_sparse_impl.h
 *   DV_COST_DENSE, DV_COST_SPARSE    the cost model's constants (see supports)
 *
 * Design (docs/KERNELS.md "Dense int8"): ternary weights as int16 pairs {-1, 0, 1} (two input
 * channels per int32 lane of a dot product), activations 8-bit in the flat, phase-split layout of
 * ../flat_layout.h with input channels interleaved in pairs, so one DV_LOADX reads DV_PIX pixels of
 * two channels. A *stream* is one list group of tconv_i8.h's semantics: a symmetric plane of a
 * channel is one stream of weights {-1, 0, 1} (P - N); an asymmetric (TTQ) plane two streams of
 * weights {0, 1} (P, then N). Phase A: per block of DV_STREAMS streams and tile of DV_TP * DV_PIX
 * flat pixels, DV_TP x DV_STREAMS int32 accumulators; per (channel pair, tap): DV_TP loads,
 * DV_STREAMS weight splats, DV_TP * DV_STREAMS dot products + adds; exact int32 sums go to scratch.
 * Phase B: per channel and 4 pixels, acc = 0 + f32(sum_1 + c_1) * mul_1 + ..., + bias, the
 * epilogue's store. uint8 values are stored as q - 128, so each stream's correction is
 * c = 128 * (sum of its weights), a constant per stream. Zeros cost as much as non-zeros: the
 * family's list puts this variant first only for layers whose modelled cost beats the sparse lists
 * (supports), a deterministic count calibrated by measurement, since the engine has no clock. */
#include <stdint.h>
#include <string.h>

#include "../../alloc.h"
#include "tconv_i8.h"
#include "../load_time.h"

#define DV_TP 2      /* pixel vectors per tile */
#define DV_STREAMS 4 /* streams per block */
#define DV_SUPER 32  /* flat pixels per super-tile: phase A for every block, then phase B */
#define SP_TILE (DV_TP * DV_PIX)
#include "../flat_layout.h"

typedef struct dv_stream {
    int32_t correction; /* 128 * sum of the weights for uint8 activations, else 0 */
    float mul;          /* scale * act_scale, negated for the N stream of an asymmetric plane */
} dv_stream;

/* Packed: header, tap offsets [kk], first stream per channel [oc + 1], streams [padded count],
 * weights [blocks][pairs][kk][DV_STREAMS] int32 (two int16), output targets of the flat plane. */
typedef struct dv_header {
    int32_t out_channels, stream_count, blocks, pairs, kk, act_unsigned;
    float act_scale;
    int32_t pad_;
    size_t taps_at, first_at, streams_at, weights_at, targets_at;
} dv_header;

typedef struct dv_scratch {
    size_t image_bytes, pad_offset, pad_bytes, sums_offset, total;
} dv_scratch;

/* Streams of channel o (groups of tconv_i8.h in order): weight sign wanted per stream in `from`
 * (1: +1 codes as 1; -1: -1 codes as 1; 0: +1 as 1 and -1 as -1), plane in `plane`, mul in `mul`. */
TRIT_LOAD_TIME static int SP_NAME(channel_streams)(const trit_ternary_weights *w, int o, int *from, int *plane, float *mul) {
    int n = 0;
    for (int p = 0; p < w->plane_count; p++) {
        const int8_t *codes = w->planes[p].codes + (size_t)o * w->per_out;
        int adds = 0, subs = 0;
        for (size_t k = 0; k < w->per_out; k++) adds += codes[k] == 1, subs += codes[k] == -1;
        const float pos = w->planes[p].pos_scale[o], neg = w->planes[p].neg_scale[o];
        if (pos == neg) {
            if (adds + subs && pos != 0.0f) from[n] = 0, plane[n] = p, mul[n++] = pos * w->act_scale;
        } else {
            if (adds && pos != 0.0f) from[n] = 1, plane[n] = p, mul[n++] = pos * w->act_scale;
            if (subs && neg != 0.0f) from[n] = -1, plane[n] = p, mul[n++] = -(neg * w->act_scale);
        }
    }
    return n;
}

static int SP_NAME(scratch_layout)(const trit_conv_shape *s, const sp_geometry *g, size_t streams, dv_scratch *l) {
    size_t plane, pairs_bytes, sums;
    if (!trit_size_mul((size_t)s->in_h, (size_t)s->in_w, &plane) ||
        !trit_size_mul(plane, (size_t)s->in_channels, &l->image_bytes))
        return 0;
    l->pad_offset = (l->image_bytes + 15) & ~(size_t)15;
    /* channel pairs of the flat copy, 2 bytes per pixel, plus the slack of the last tile */
    const size_t pairs = ((size_t)s->in_channels + 1) / 2;
    if (!trit_size_mul(pairs, 2 * g->channel_size, &pairs_bytes) ||
        !trit_size_add(pairs_bytes, 2 * (SP_TILE + g->wq) + 32, &l->pad_bytes))
        return 0;
    if (!trit_size_add(l->pad_offset, (l->pad_bytes + 15) & ~(size_t)15, &l->sums_offset)) return 0;
    /* the int32 sums of every stream (padded to whole blocks, one more for a range's offset) over one super-tile */
    const size_t padded = (streams + 2 * DV_STREAMS - 1) / DV_STREAMS * DV_STREAMS;
    if (!trit_size_mul(padded, DV_SUPER * sizeof(int32_t), &sums)) return 0;
    return trit_size_add(l->sums_offset, sums, &l->total);
}

/* Worst case of 2 streams per plane, known from the shape alone (scratch_size has no weights). */
static size_t SP_NAME(max_streams)(const trit_conv_shape *s) {
    return (size_t)s->out_channels * 2 * TRIT_MAX_PLANES;
}

TRIT_LOAD_TIME static int SP_NAME(supports)(const trit_conv_shape *s, const trit_ternary_weights *w) {
    sp_geometry g;
    dv_scratch l;
    if (!(w->act_scale > 0.0f && w->act_scale <= 3.0e38f)) return 0;
    if (s->group != 1 || !SP_NAME(geometry)(s, &g) || !SP_NAME(scratch_layout)(s, &g, SP_NAME(max_streams)(s), &l)) return 0;
    if (w->plane_count < 1 || w->plane_count > TRIT_MAX_PLANES || w->out_channels != s->out_channels) return 0;
    const size_t kk = (size_t)s->kernel_h * (size_t)s->kernel_w, per_out = (size_t)s->in_channels * kk;
    if (w->per_out != per_out || per_out > ((size_t)1 << 22)) return 0;
    if ((size_t)s->out_h * (size_t)s->out_w < 4) return 0;
    if (l.total > (size_t)INT32_MAX || g.floats * 2 > (size_t)INT32_MAX) return 0;
    if (trit_tconv_i8_dense_always) return 1;
    /* The cost model (instruction-count estimate per run, constants measured with make
     * bench-kernels, docs/KERNELS.md): dense pays every weight, per (pair, tap, block, tile) step;
     * the sparse lists pay each non-zero per 64-pixel tile, plus per channel, group and tile. */
    int from[2 * TRIT_MAX_PLANES], plane[2 * TRIT_MAX_PLANES];
    float mul[2 * TRIT_MAX_PLANES];
    uint64_t streams = 0, entries = 0, groups = 0;
    for (int o = 0; o < w->out_channels; o++) {
        const int n = SP_NAME(channel_streams)(w, o, from, plane, mul);
        streams += (uint64_t)n, groups += (uint64_t)n;
        for (int p = 0; p < w->plane_count; p++) {
            const int8_t *codes = w->planes[p].codes + (size_t)o * w->per_out;
            for (size_t k = 0; k < w->per_out; k++) entries += codes[k] == 1 || codes[k] == -1;
        }
    }
    const uint64_t blocks = (streams + DV_STREAMS - 1) / DV_STREAMS, pairs = ((uint64_t)s->in_channels + 1) / 2;
    const uint64_t flat = (uint64_t)s->out_h * g.wq, tiles = (flat + SP_TILE - 1) / SP_TILE;
    const uint64_t tiles64 = (flat + 63) / 64;
    const double dense = (double)DV_COST_DENSE * (double)(blocks * pairs * kk * tiles) + 6.0 * (double)(streams * tiles * SP_TILE / 4);
    const double sparse = (double)DV_COST_SPARSE * (double)(entries * tiles64) + 100.0 * (double)(groups * tiles64) +
                          60.0 * (double)((uint64_t)w->out_channels * tiles64);
    return dense < sparse;
}

TRIT_LOAD_TIME static size_t SP_NAME(layout)(const trit_conv_shape *s, const trit_ternary_weights *w, dv_header *h) {
    int from[2 * TRIT_MAX_PLANES], plane[2 * TRIT_MAX_PLANES];
    float mul[2 * TRIT_MAX_PLANES];
    size_t streams = 0;
    for (int o = 0; o < w->out_channels; o++) streams += (size_t)SP_NAME(channel_streams)(w, o, from, plane, mul);
    memset(h, 0, sizeof *h);
    h->out_channels = w->out_channels;
    h->stream_count = (int32_t)streams;
    h->blocks = (int32_t)((streams + DV_STREAMS - 1) / DV_STREAMS);
    h->pairs = (s->in_channels + 1) / 2;
    h->kk = s->kernel_h * s->kernel_w;
    h->act_unsigned = w->act_unsigned != 0;
    h->act_scale = w->act_scale;
    size_t at = (sizeof(dv_header) + 15) & ~(size_t)15, bytes;
    h->taps_at = at;
    at += ((size_t)h->kk * sizeof(int32_t) + 15) & ~(size_t)15;
    h->first_at = at;
    at += (((size_t)w->out_channels + 1) * sizeof(int32_t) + 15) & ~(size_t)15;
    h->streams_at = at;
    if (!trit_size_mul((size_t)h->blocks * DV_STREAMS, sizeof(dv_stream), &bytes) || !trit_size_add(at, bytes, &at)) return 0;
    at = (at + 15) & ~(size_t)15;
    h->weights_at = at;
    if (!trit_size_mul((size_t)h->blocks * (size_t)h->pairs, (size_t)h->kk * DV_STREAMS * sizeof(int32_t), &bytes) ||
        !trit_size_add(at, bytes, &at))
        return 0;
    sp_geometry g;
    h->targets_at = at;
    if (!SP_NAME(geometry)(s, &g) || !trit_size_mul(g.flat_count / 4, sizeof(sp_target), &bytes) || !trit_size_add(at, bytes, &at))
        return 0;
    return at;
}

TRIT_LOAD_TIME static size_t SP_NAME(packed_size)(const trit_conv_shape *s, const trit_ternary_weights *w) {
    dv_header h;
    return SP_NAME(layout)(s, w, &h);
}

TRIT_LOAD_TIME static void SP_NAME(pack)(const trit_conv_shape *s, const trit_ternary_weights *w, void *packed) {
    dv_header h;
    const size_t total = SP_NAME(layout)(s, w, &h);
    unsigned char *base = packed;
    memset(base, 0, total);
    memcpy(base, &h, sizeof h);
    sp_geometry g;
    SP_NAME(geometry)(s, &g);
    int32_t *taps = (int32_t *)(base + h.taps_at), *first = (int32_t *)(base + h.first_at);
    dv_stream *streams = (dv_stream *)(base + h.streams_at);
    int32_t *weights = (int32_t *)(base + h.weights_at);
    for (int t = 0; t < h.kk; t++) taps[t] = (int32_t)(2 * SP_NAME(tap_offset)(s, &g, t));
    const int offset = h.act_unsigned ? 128 : 0;
    int32_t next = 0;
    for (int o = 0; o < w->out_channels; o++) {
        int from[2 * TRIT_MAX_PLANES], plane[2 * TRIT_MAX_PLANES];
        float mul[2 * TRIT_MAX_PLANES];
        const int n = SP_NAME(channel_streams)(w, o, from, plane, mul);
        first[o] = next;
        for (int i = 0; i < n; i++, next++) {
            const int8_t *codes = w->planes[plane[i]].codes + (size_t)o * w->per_out;
            const int b = next / DV_STREAMS, j = next % DV_STREAMS;
            int32_t sum = 0;
            for (int c = 0; c < s->in_channels; c++)
                for (int t = 0; t < h.kk; t++) {
                    const int8_t code = codes[(size_t)c * (size_t)h.kk + (size_t)t];
                    const int v = from[i] == 0 ? (code == 1 ? 1 : code == -1 ? -1 : 0)
                                               : (code == from[i] ? 1 : 0);
                    sum += v;
                    /* the int16 of channel c sits in the low (even c) or high (odd c) half */
                    const size_t at = (((size_t)b * (size_t)h.pairs + (size_t)(c / 2)) * (size_t)h.kk + (size_t)t) * DV_STREAMS + (size_t)j;
                    uint32_t word = (uint32_t)weights[at];
                    word |= (uint32_t)(uint16_t)(int16_t)v << (16 * (c & 1));
                    weights[at] = (int32_t)word;
                }
            streams[next].correction = offset * sum;
            streams[next].mul = mul[i];
        }
    }
    first[w->out_channels] = next;
    SP_NAME(compute_targets)(s, &g, (sp_target *)(void *)(base + h.targets_at));
}

TRIT_LOAD_TIME static size_t SP_NAME(scratch_size)(const trit_conv_shape *s) {
    sp_geometry g;
    dv_scratch l;
    if (!SP_NAME(geometry)(s, &g) || !SP_NAME(scratch_layout)(s, &g, SP_NAME(max_streams)(s), &l)) return 0;
    return l.total;
}

/* Per image, before any channel range: quantize, copy into the pair-interleaved flat layout. */
static void SP_NAME(prepare)(const trit_conv_shape *s, const void *packed, const float *x, void *scratch) {
    const dv_header *h = packed;
    sp_geometry g;
    dv_scratch l;
    SP_NAME(geometry)(s, &g);
    SP_NAME(scratch_layout)(s, &g, SP_NAME(max_streams)(s), &l);
    int8_t *image = scratch;
    int8_t *xp = (int8_t *)((unsigned char *)scratch + l.pad_offset);
    const int8_t pad = h->act_unsigned ? (int8_t)-128 : 0;
    I8_QUANTIZE(x, image, l.image_bytes, h->act_scale, h->act_unsigned);
    memset(xp, pad, l.pad_bytes);
    const int sh = s->stride_h, sw = s->stride_w;
    for (int c = 0; c < s->in_channels; c++) {
        const int8_t *qc = image + (size_t)c * (size_t)s->in_h * (size_t)s->in_w;
        int8_t *dst = xp + (size_t)(c / 2) * 2 * g.channel_size + (size_t)(c & 1);
        for (int r = 0; r < sh; r++)
            for (int ph = 0; ph < sw; ph++) {
                int8_t *plane = dst + 2 * (size_t)(r * sw + ph) * g.phase_size;
                for (size_t i = 0; i < g.hq; i++) {
                    const long iy = (long)i * sh + r - s->pad_top;
                    if (iy < 0 || iy >= s->in_h) continue;
                    const int8_t *qrow = qc + (size_t)iy * (size_t)s->in_w;
                    int8_t *row = plane + 2 * i * g.wq;
                    for (size_t j = 0; j < g.wq; j++) {
                        const long ix = (long)j * sw + ph - s->pad_left;
                        if (ix >= 0 && ix < s->in_w) row[2 * j] = qrow[ix];
                    }
                }
            }
    }
}

/* Output channels [oc_begin, oc_end) of one prepared image, per super-tile of DV_SUPER flat pixels:
 * phase A over the blocks holding their streams (sums of another range's streams in a shared block
 * are computed, not stored), then phase B. `sums` holds DV_SUPER int32 per stream of the range's
 * blocks (scratch's own area, or a worker's: see docs/KERNELS.md "Work splitting"). */
static void SP_NAME(channels)(const trit_conv_shape *s, const void *packed, const float *bias, const trit_epilogue *e,
                              float *y, const float *residual, const void *prepared, int32_t *sums, int oc_begin, int oc_end) {
    const dv_header *h = packed;
    sp_geometry g;
    dv_scratch l;
    SP_NAME(geometry)(s, &g);
    SP_NAME(scratch_layout)(s, &g, SP_NAME(max_streams)(s), &l);
    const unsigned char *base = packed;
    const int32_t *taps = (const int32_t *)(base + h->taps_at), *first = (const int32_t *)(base + h->first_at);
    const dv_stream *streams = (const dv_stream *)(base + h->streams_at);
    const int32_t *weights = (const int32_t *)(base + h->weights_at);
    const int8_t *xp = (const int8_t *)((const unsigned char *)prepared + l.pad_offset);
    const sp_target *targets = (const sp_target *)(const void *)(base + h->targets_at);
    const size_t flat = g.flat_count, pair_stride = 2 * g.channel_size;
    const int s_begin = first[oc_begin], s_end = first[oc_end], b_first = s_begin / DV_STREAMS;
    const int kk = h->kk, pairs = h->pairs;
    const size_t out_plane = (size_t)s->out_h * (size_t)s->out_w;
    const SP_VEC lo = SP_SPLAT(e->min), hi = SP_SPLAT(e->max);
    for (size_t f0 = 0; f0 < flat; f0 += DV_SUPER) {
        const size_t f_end = flat - f0 < DV_SUPER ? flat : f0 + DV_SUPER;
        for (int b = b_first; b * DV_STREAMS < s_end; b++) {
            const int32_t *wb = weights + (size_t)b * (size_t)pairs * (size_t)kk * DV_STREAMS;
            int32_t *sb = sums + (size_t)(b - b_first) * DV_STREAMS * DV_SUPER;
            for (size_t f = f0; f < f_end; f += SP_TILE) {
                const int8_t *xt = xp + 2 * f;
#define DV_DECL(j) DV_VEC a0##j = DV_ZERO(), a1##j = DV_ZERO();
                DV_DECL(0) DV_DECL(1) DV_DECL(2) DV_DECL(3)
#undef DV_DECL
                const int32_t *wp = wb;
                for (int cp = 0; cp < pairs; cp++, xt += pair_stride)
                    for (int t = 0; t < kk; t++, wp += DV_STREAMS) {
                        const int8_t *p = xt + taps[t];
                        const DV_VEC x0 = DV_LOADX(p), x1 = DV_LOADX(p + 2 * DV_PIX);
#define DV_STEP(j)                            \
    {                                         \
        const DV_VEC wj = DV_SPLAT32(wp + j); \
        a0##j = DV_MADD(a0##j, x0, wj);       \
        a1##j = DV_MADD(a1##j, x1, wj);       \
    }
                        DV_STEP(0) DV_STEP(1) DV_STEP(2) DV_STEP(3)
#undef DV_STEP
                    }
#define DV_OUT(j)                                                        \
    {                                                                    \
        int32_t *out = sb + (size_t)(j) * DV_SUPER + (f - f0);           \
        DV_STORE(out, a0##j);                                            \
        DV_STORE(out + DV_PIX, a1##j);                                   \
    }
                DV_OUT(0) DV_OUT(1) DV_OUT(2) DV_OUT(3)
#undef DV_OUT
            }
        }
        for (int o = oc_begin; o < oc_end; o++) {
            const SP_VEC b = SP_SPLAT(bias ? bias[o] : 0.0f);
            float *yo = y + (size_t)o * out_plane;
            const float *ro = residual ? residual + (size_t)o * out_plane : NULL;
            for (size_t f = f0; f < f_end; f += 4) {
                SP_VEC acc = SP_ZERO();
                for (int k = first[o]; k < first[o + 1]; k++) {
                    const int32_t *sk = sums + (size_t)(k - b_first * DV_STREAMS) * DV_SUPER + (f - f0);
                    acc = SP_ADD(acc, SP_MUL(I32X4_LOAD_F32(sk, streams[k].correction), SP_SPLAT(streams[k].mul)));
                }
                SP_NAME(store)(SP_ADD(acc, b), &targets[f / 4], yo, ro, lo, hi, e->min, e->max);
            }
        }
    }
}

static size_t SP_NAME(sums_offset)(const trit_conv_shape *s) {
    sp_geometry g;
    dv_scratch l;
    SP_NAME(geometry)(s, &g);
    SP_NAME(scratch_layout)(s, &g, SP_NAME(max_streams)(s), &l);
    return l.sums_offset;
}

static void SP_NAME(run)(const trit_conv_shape *s, const void *packed, const float *x, const float *bias,
                         const trit_epilogue *e, float *y, void *scratch) {
    const size_t in_image = (size_t)s->in_channels * (size_t)s->in_h * (size_t)s->in_w;
    const size_t out_image = (size_t)s->out_channels * (size_t)s->out_h * (size_t)s->out_w;
    for (int n = 0; n < s->batch; n++) {
        SP_NAME(prepare)(s, packed, x + (size_t)n * in_image, scratch);
        SP_NAME(channels)(s, packed, bias, e, y + (size_t)n * out_image, e->residual ? e->residual + (size_t)n * out_image : NULL,
                          scratch, (int32_t *)(void *)((unsigned char *)scratch + SP_NAME(sums_offset)(s)), 0, s->out_channels);
    }
}

/* Work splitting (tconv.h): units are output channels; a range's stream sums go to its own memory. */
static int SP_NAME(range_units)(const trit_conv_shape *s) { return s->out_channels; }

static size_t SP_NAME(own_size)(const trit_conv_shape *s) {
    sp_geometry g;
    dv_scratch l;
    if (!SP_NAME(geometry)(s, &g) || !SP_NAME(scratch_layout)(s, &g, SP_NAME(max_streams)(s), &l)) return 0;
    return l.total - l.sums_offset;
}

static void SP_NAME(run_range)(const trit_conv_shape *s, const void *packed, const float *bias, const trit_epilogue *e,
                               float *y, const void *scratch, void *own, int begin, int end) {
    SP_NAME(channels)(s, packed, bias, e, y, e->residual, scratch, own, begin, end);
}

/* The variant's list entry after its name (tconv.h): prepare runs whole. */
#define SP_KERNEL_ENTRIES(supports) TRIT_TCONV_ENTRIES(supports, TRIT_SPLIT(SP_NAME(own_size)), NULL, NULL)
