/* Sparse ± lists over int8 activations: the body shared by the SIMD variants of the int8 family
 * (semantics in tconv_i8.h). The including file defines (most through its ISA's lanes header), then
 * includes this header once:
 *   SP_VEC, SP_LOAD, SP_STORE, SP_ADD, SP_MUL, SP_SPLAT, SP_ZERO, SP_CLAMP_LOW, SP_CLAMP_HIGH, SP_NAME
 *                           the f32x4 operations of ../flat_layout.h (output store, epilogue)
 *   I16_VEC, I16_ZERO()     8 x int16 accumulator
 *   I16_ADD8(a, p), I16_SUB8(a, p)   a +/- the 8 int8 at p, sign-extended to int16
 *   I32_VEC, I32_ZERO(), I32_SPLAT(i), I32_ADD     4 x int32
 *   I32_WIDEN_LOW(a), I32_WIDEN_HIGH(a)   lanes 0-3 / 4-7 of an I16_VEC as int32
 *   I32_TO_F32(v)           exact for |v| < 2^24, else round to nearest (like (float) in C)
 *   I8_QUANTIZE(x, q, n, scale, u)   q[i] = trit_quantize_act(x[i], scale, u) - (u ? 128 : 0) for i < n
 *
 * Design (docs/KERNELS.md): the input is quantized once per image, then copied into the flat,
 * phase-split layout of ../flat_layout.h as int8. A tile is 64 flat pixels in 8 int16x8
 * accumulators (I8_VECS; the wasm variant takes 4: 32 pixels, measured faster in V8); every non-zero
 * weight costs one index load, 8 sign-extending 8-byte loads and 8 int16 adds for 64 MACs (the f32
 * kernel does 32). |q| <= 128, so int16 holds 255 terms: lists
 * run in chunks of at most 255 entries, each chunk widened into int32 (exact), and each list group
 * is converted to float once, times its scale. */
#include <stdint.h>
#include <string.h>

#include "../../alloc.h"
#include "tconv_i8.h"
#include "../load_time.h"

#ifndef I8_VECS
#define I8_VECS 8 /* int16x8 accumulators per tile (the plain-C variant takes 1) */
#endif
#define SP_TILE (8 * I8_VECS)
#define SP_VECS (SP_TILE / 4) /* f32x4 vectors per tile */
#define I8_CHUNK 255           /* 255 * 128 < 32768 */
#if I8_VECS == 8
#define I8_EACH(X) X(0) X(1) X(2) X(3) X(4) X(5) X(6) X(7)
#elif I8_VECS == 4
#define I8_EACH(X) X(0) X(1) X(2) X(3)
#elif I8_VECS == 1
#define I8_EACH(X) X(0)
#else
#error "I8_VECS must be 8, 4 or 1"
#endif
#include "../flat_layout.h"
#define I8_CHANNEL_OUTER_TILES 4

/* One group of entries: `adds` taps added then `subs` subtracted, the exact sum times `mul`. */
typedef struct i8_group {
    int32_t adds, subs;
    float mul;
} i8_group;

typedef struct i8_channel {
    uint32_t first_entry;
    int32_t group_count;
    i8_group groups[2 * TRIT_MAX_PLANES];
} i8_channel;

/* uint8 activations are stored as q - 128 (signed bytes); each group's sum is then short by
 * 128 * (adds - subs), added back exactly before the float conversion. */
typedef struct i8_header {
    int32_t out_channels;
    float act_scale;
    int32_t act_unsigned;
    int32_t pad_;
    uint64_t entry_count;
} i8_header;

/* Offsets (into the padded int8 copy) of the taps of channel o, plane p with code `want`; returns
 * how many. `entries` may be NULL to count only. */
TRIT_LOAD_TIME static int32_t SP_NAME(list_taps)(const trit_conv_shape *s, const sp_geometry *g, const trit_ternary_weights *w,
                                  int o, int p, int want, int32_t *entries) {
    const int cin_g = s->in_channels / s->group, cout_g = s->out_channels / s->group;
    const int kk = s->kernel_h * s->kernel_w;
    const int8_t *codes = w->planes[p].codes + (size_t)o * w->per_out;
    const size_t group_base = (size_t)(o / cout_g) * (size_t)cin_g * g->channel_size;
    int32_t count = 0;
    for (size_t k = 0; k < w->per_out; k++) {
        if (codes[k] != want) continue;
        const int ci = (int)(k / (size_t)kk), tap = (int)(k % (size_t)kk);
        if (entries) entries[count] = (int32_t)(group_base + (size_t)ci * g->channel_size + SP_NAME(tap_offset)(s, g, tap));
        count++;
    }
    return count;
}

/* Byte offsets in scratch: quantized image, padded copy (the output targets are in the packed weights). */
typedef struct i8_scratch {
    size_t image_bytes, pad_offset, total;
} i8_scratch;

static int SP_NAME(scratch_layout)(const trit_conv_shape *s, const sp_geometry *g, i8_scratch *l) {
    size_t plane;
    if (!trit_size_mul((size_t)s->in_h, (size_t)s->in_w, &plane) ||
        !trit_size_mul(plane, (size_t)s->in_channels, &l->image_bytes))
        return 0;
    l->pad_offset = (l->image_bytes + 15) & ~(size_t)15;
    return trit_size_add(l->pad_offset, (g->floats + 15) & ~(size_t)15, &l->total);
}

TRIT_LOAD_TIME static int SP_NAME(supports)(const trit_conv_shape *s, const trit_ternary_weights *w) {
    sp_geometry g;
    i8_scratch l;
    if (!(w->act_scale > 0.0f && w->act_scale <= 3.0e38f)) return 0;
    if (!SP_NAME(geometry)(s, &g) || !SP_NAME(scratch_layout)(s, &g, &l)) return 0;
    if (w->plane_count < 1 || w->plane_count > TRIT_MAX_PLANES || w->out_channels != s->out_channels) return 0;
    if (s->in_channels % s->group || s->out_channels % s->group) return 0;
    const size_t per_out = (size_t)(s->in_channels / s->group) * (size_t)s->kernel_h * (size_t)s->kernel_w;
    if (w->per_out != per_out) return 0;
    /* a group's int32 sum holds 2 * per_out terms of |q| <= 128 */
    if (per_out > ((size_t)1 << 22)) return 0;
    /* a 1x1 output (Gemm) would use 1 lane of 64: the reference is as fast there */
    if ((size_t)s->out_h * (size_t)s->out_w < 4) return 0;
    size_t codes;
    if (!trit_size_mul((size_t)w->out_channels, w->per_out, &codes) || !trit_size_mul(codes, (size_t)w->plane_count, &codes) ||
        (uint64_t)codes > UINT32_MAX)
        return 0;
    return 1;
}

/* Packs the lists into `packed` (or, when it is NULL, only counts the entries). */
TRIT_LOAD_TIME static uint64_t SP_NAME(build)(const trit_conv_shape *s, const trit_ternary_weights *w, void *packed) {
    sp_geometry g;
    SP_NAME(geometry)(s, &g);
    i8_channel *channels = packed ? (i8_channel *)((unsigned char *)packed + sizeof(i8_header)) : NULL;
    int32_t *entries = packed ? (int32_t *)((unsigned char *)packed + sizeof(i8_header) +
                                            (size_t)w->out_channels * sizeof(i8_channel))
                              : NULL;
    uint64_t next = 0;
    for (int o = 0; o < w->out_channels; o++) {
        i8_channel ch;
        memset(&ch, 0, sizeof ch);
        ch.first_entry = (uint32_t)next;
        for (int p = 0; p < w->plane_count; p++) {
            const float pos = w->planes[p].pos_scale[o], neg = w->planes[p].neg_scale[o];
            const int32_t adds = SP_NAME(list_taps)(s, &g, w, o, p, 1, NULL);
            const int32_t subs = SP_NAME(list_taps)(s, &g, w, o, p, -1, NULL);
            /* groups in the order of tconv_i8.h's semantics; `from` is the code whose taps a
             * group adds first (the -1 taps of an asymmetric plane are added, then scaled by -neg) */
            i8_group want[2];
            int from[2], n = 0;
            if (pos == neg) {
                if (adds + subs && pos != 0.0f) from[n] = 1, want[n++] = (i8_group){adds, subs, pos * w->act_scale};
            } else {
                if (adds && pos != 0.0f) from[n] = 1, want[n++] = (i8_group){adds, 0, pos * w->act_scale};
                if (subs && neg != 0.0f) from[n] = -1, want[n++] = (i8_group){subs, 0, -(neg * w->act_scale)};
            }
            for (int i = 0; i < n; i++) {
                if (entries) {
                    int32_t *at = entries + next;
                    at += SP_NAME(list_taps)(s, &g, w, o, p, from[i], at);
                    if (want[i].subs) SP_NAME(list_taps)(s, &g, w, o, p, -1, at);
                }
                next += (uint64_t)want[i].adds + (uint64_t)want[i].subs;
                ch.groups[ch.group_count++] = want[i];
            }
        }
        if (channels) channels[o] = ch;
    }
    return next;
}

/* Packed: header, channels, entries, then where each output vector of the flat plane lands
 * (computed once here, not per run). */
TRIT_LOAD_TIME static size_t SP_NAME(packed_size)(const trit_conv_shape *s, const trit_ternary_weights *w) {
    const uint64_t n = SP_NAME(build)(s, w, NULL);
    sp_geometry g;
    size_t bytes, total, targets;
    if (!SP_NAME(geometry)(s, &g) || !trit_size_mul(g.flat_count / 4, sizeof(sp_target), &targets)) return 0;
    if (n > SIZE_MAX / sizeof(int32_t) || !trit_size_mul((size_t)n, sizeof(int32_t), &bytes)) return 0;
    if (!trit_size_add(bytes, sizeof(i8_header) + (size_t)w->out_channels * sizeof(i8_channel), &total)) return 0;
    if (!trit_size_add(total, targets, &total)) return 0;
    return total;
}

TRIT_LOAD_TIME static void SP_NAME(pack)(const trit_conv_shape *s, const trit_ternary_weights *w, void *packed) {
    i8_header *h = packed;
    memset(h, 0, sizeof *h);
    h->out_channels = w->out_channels;
    h->act_scale = w->act_scale;
    h->act_unsigned = w->act_unsigned != 0;
    h->entry_count = SP_NAME(build)(s, w, packed);
    sp_geometry g;
    SP_NAME(geometry)(s, &g);
    SP_NAME(compute_targets)(s, &g, (sp_target *)(void *)((unsigned char *)packed + sizeof(i8_header) +
                                                          (size_t)w->out_channels * sizeof(i8_channel) +
                                                          (size_t)h->entry_count * sizeof(int32_t)));
}

TRIT_LOAD_TIME static size_t SP_NAME(scratch_size)(const trit_conv_shape *s) {
    sp_geometry g;
    i8_scratch l;
    if (!SP_NAME(geometry)(s, &g) || !SP_NAME(scratch_layout)(s, &g, &l)) return 0;
    return l.total;
}

/* The padded, phase-split int8 copy of one quantized image (flat_layout.h's fill, on bytes). */
/* Rows of 8-34 bytes: a memcpy/memset call each cost more than the bytes in wasm (no inline
 * memory.copy without bulk memory; the fixed cost of a 64x8x8 layer at 100 % zeros fell from 0.059 to
 * 0.014 ms min), so 8-byte words, then bytes; clang must not turn the loops back into calls. */
#if defined(__clang__)
#define I8_NO_BUILTIN __attribute__((no_builtin("memcpy", "memset")))
#else
#define I8_NO_BUILTIN
#endif
I8_NO_BUILTIN static inline void SP_NAME(copy_bytes)(int8_t *dst, const int8_t *src, size_t n) {
    size_t i = 0;
    for (; i + 8 <= n; i += 8) {
        uint64_t v;
        __builtin_memcpy(&v, src + i, 8);
        __builtin_memcpy(dst + i, &v, 8);
    }
    for (; i < n; i++) dst[i] = src[i];
}
I8_NO_BUILTIN static inline void SP_NAME(set_bytes)(int8_t *dst, int8_t value, size_t n) {
    const uint64_t v = 0x0101010101010101ull * (uint8_t)value;
    size_t i = 0;
    for (; i + 8 <= n; i += 8) __builtin_memcpy(dst + i, &v, 8);
    for (; i < n; i++) dst[i] = value;
}

I8_NO_BUILTIN static void SP_NAME(fill_i8)(const trit_conv_shape *s, const sp_geometry *g, const int8_t *q, int8_t *xpad, int8_t pad) {
    const int sh = s->stride_h, sw = s->stride_w;
    for (int c = 0; c < s->in_channels; c++) {
        const int8_t *qc = q + (size_t)c * (size_t)s->in_h * (size_t)s->in_w;
        for (int r = 0; r < sh; r++)
            for (int ph = 0; ph < sw; ph++) {
                int8_t *plane = xpad + (size_t)c * g->channel_size + (size_t)(r * sw + ph) * g->phase_size;
                for (size_t i = 0; i < g->hq; i++) {
                    int8_t *row = plane + i * g->wq;
                    const long iy = (long)i * sh + r - s->pad_top;
                    if (iy < 0 || iy >= s->in_h) {
                        memset(row, pad, g->wq);
                        continue;
                    }
                    const int8_t *qrow = qc + (size_t)iy * (size_t)s->in_w;
                    if (sw == 1) {
                        long begin, end;
                        const long first = SP_NAME(row_span)(s, g, &begin, &end); /* row[j] = qrow[j - first] */
                        SP_NAME(set_bytes)(row, pad, (size_t)begin);
                        if (end > begin) SP_NAME(copy_bytes)(row + begin, qrow + (begin - first), (size_t)(end - begin));
                        SP_NAME(set_bytes)(row + end, pad, g->wq - (size_t)end);
                    } else {
                        size_t j = 0;
#ifdef I8_PICK8
                        if (sw == 2) {
                            /* columns ix = 2j + ph - pad_left: pad before the first in the row, then 8 at
                             * a time from 16 loaded bytes, every other one (the loads stay inside the row) */
                            for (; j < g->wq && 2 * (long)j + ph - s->pad_left < 0; j++) row[j] = pad;
                            const long ix = 2 * (long)j + ph - s->pad_left, odd = ix & 1;
                            const int8_t *from = qrow + (ix - odd);
                            for (; j + 8 <= g->wq && (long)(from - qrow) + 16 <= s->in_w; j += 8, from += 16)
                                I8_PICK8(row + j, from, odd);
                        }
#endif
                        for (; j < g->wq; j++) {
                            const long ix = (long)j * sw + ph - s->pad_left;
                            row[j] = (ix >= 0 && ix < s->in_w) ? qrow[ix] : pad;
                        }
                    }
                }
            }
    }
    memset(xpad + (size_t)s->in_channels * g->channel_size, pad, SP_TILE + g->wq);
}

/* One tile of 64 flat pixels for one output channel: every group's chunks, scale, store. */
static inline void SP_NAME(tile_channel)(const i8_channel *ch, const int32_t *entries, const int8_t *base, int32_t offset,
                                         const sp_target *targets, float bias, float *yo, const float *ro,
                                         SP_VEC lo, SP_VEC hi, float lo_s, float hi_s) {
    SP_VEC facc[SP_VECS];
    for (int j = 0; j < SP_VECS; j++) facc[j] = SP_ZERO();
    const int32_t *idx = entries + ch->first_entry;
#define I8_DECLARE(v) I16_VEC a##v = I16_ZERO();
#define I8_ADD_TAP(v) a##v = I16_ADD8(a##v, p + 8 * v);
#define I8_SUB_TAP(v) a##v = I16_SUB8(a##v, p + 8 * v);
#define I8_WIDEN(v)                                             \
    iacc[2 * v] = I32_ADD(iacc[2 * v], I32_WIDEN_LOW(a##v));    \
    iacc[2 * v + 1] = I32_ADD(iacc[2 * v + 1], I32_WIDEN_HIGH(a##v));
#define I8_FLUSH_ONE(v)                                                                                   \
    facc[2 * v] = SP_ADD(facc[2 * v], SP_MUL(I32_TO_F32(I32_ADD(I32_WIDEN_LOW(a##v), correction)), m));         \
    facc[2 * v + 1] = SP_ADD(facc[2 * v + 1], SP_MUL(I32_TO_F32(I32_ADD(I32_WIDEN_HIGH(a##v), correction)), m));
    for (int gi = 0; gi < ch->group_count; gi++) {
        const i8_group *grp = &ch->groups[gi];
        if (grp->adds + grp->subs <= I8_CHUNK) {
            /* one chunk (the common case): straight from the int16 accumulators to float */
            const int32_t adds = grp->adds, total = grp->adds + grp->subs;
            const I32_VEC correction = I32_SPLAT(offset * (grp->adds - grp->subs));
            I8_EACH(I8_DECLARE)
            int32_t k = 0;
            for (; k < adds; k++) {
                const int8_t *p = base + idx[k];
                I8_EACH(I8_ADD_TAP)
            }
            for (; k < total; k++) {
                const int8_t *p = base + idx[k];
                I8_EACH(I8_SUB_TAP)
            }
            idx += total;
            const SP_VEC m = SP_SPLAT(grp->mul);
            I8_EACH(I8_FLUSH_ONE)
            continue;
        }
        I32_VEC iacc[SP_VECS];
        const I32_VEC correction = I32_SPLAT(offset * (grp->adds - grp->subs));
        for (int j = 0; j < SP_VECS; j++) iacc[j] = correction;
        const int32_t total = grp->adds + grp->subs;
        int32_t k = 0;
        while (k < total) {
            const int32_t chunk_end = total - k > I8_CHUNK ? k + I8_CHUNK : total;
            const int32_t add_end = chunk_end < grp->adds ? chunk_end : grp->adds;
            I8_EACH(I8_DECLARE)
            for (; k < add_end; k++) {
                const int8_t *p = base + idx[k];
                I8_EACH(I8_ADD_TAP)
            }
            for (; k < chunk_end; k++) {
                const int8_t *p = base + idx[k];
                I8_EACH(I8_SUB_TAP)
            }
            I8_EACH(I8_WIDEN)
        }
        idx += total;
        const SP_VEC m = SP_SPLAT(grp->mul);
        for (int j = 0; j < SP_VECS; j++) facc[j] = SP_ADD(facc[j], SP_MUL(I32_TO_F32(iacc[j]), m));
    }
#undef I8_FLUSH_ONE
#undef I8_DECLARE
#undef I8_ADD_TAP
#undef I8_SUB_TAP
#undef I8_WIDEN
    const SP_VEC b = SP_SPLAT(bias);
    for (int j = 0; j < SP_VECS; j++) facc[j] = SP_ADD(facc[j], b);
    SP_NAME(store_tile)(facc, SP_VECS, targets, yo, ro, lo, hi, lo_s, hi_s);
}

/* Work splitting (tconv.h): one image quantized and copied into the flat layout (the targets were
 * computed at load, in packed). */
/* (the _g forms take the geometry and scratch layout, so run() computes them once) */
static void SP_NAME(prepare_g)(const trit_conv_shape *s, const sp_geometry *g, const i8_scratch *l, const void *packed,
                               const float *x, void *scratch) {
    const i8_header *h = packed;
    int8_t *image = scratch;
    I8_QUANTIZE(x, image, l->image_bytes, h->act_scale, h->act_unsigned);
    SP_NAME(fill_i8)(s, g, image, (int8_t *)((unsigned char *)scratch + l->pad_offset), h->act_unsigned ? (int8_t)-128 : 0);
}

static void SP_NAME(prepare)(const trit_conv_shape *s, const void *packed, const float *x, void *scratch) {
    sp_geometry g;
    i8_scratch l;
    SP_NAME(geometry)(s, &g);
    SP_NAME(scratch_layout)(s, &g, &l);
    SP_NAME(prepare_g)(s, &g, &l, packed, x, scratch);
}

/* Units of work: tiles on large planes, output channels on small ones (as tconv_sparse_impl.h). */
static int SP_NAME(range_units)(const trit_conv_shape *s) {
    sp_geometry g;
    if (!SP_NAME(geometry)(s, &g)) return 0; /* a shape supports() refused */
    const size_t tiles = g.flat_count / SP_TILE;
    return tiles <= I8_CHANNEL_OUTER_TILES ? s->out_channels : (int)tiles;
}

static void SP_NAME(run_range_g)(const trit_conv_shape *s, const sp_geometry *gp, const i8_scratch *l, const void *packed,
                                 const float *bias, const trit_epilogue *e, float *y, const void *scratch, int begin, int end) {
    const sp_geometry g = *gp; /* a local copy: stores to y cannot alias it */
    const i8_header *h = packed;
    const i8_channel *channels = (const i8_channel *)((const unsigned char *)packed + sizeof(i8_header));
    const int32_t *entries = (const int32_t *)((const unsigned char *)packed + sizeof(i8_header) +
                                               (size_t)h->out_channels * sizeof(i8_channel));
    const int8_t *xpad = (const int8_t *)((const unsigned char *)scratch + l->pad_offset);
    const sp_target *targets = (const sp_target *)(const void *)(entries + h->entry_count);
    const size_t out_plane = (size_t)s->out_h * (size_t)s->out_w;
    const float *rn = e->residual;
    const SP_VEC lo = SP_SPLAT(e->min), hi = SP_SPLAT(e->max);
    const size_t tiles = g.flat_count / SP_TILE;
    const int32_t offset = h->act_unsigned ? 128 : 0;
#define I8_TILE(o, t)                                                                                              \
    SP_NAME(tile_channel)(&channels[o], entries, xpad + (t) * SP_TILE, offset, targets + (t) * SP_VECS, bias ? bias[o] : 0.0f, \
                          y + (size_t)(o) * out_plane, rn ? rn + (size_t)(o) * out_plane : NULL, lo, hi, e->min, e->max)
    if (tiles <= I8_CHANNEL_OUTER_TILES) {
        /* small planes, long lists: read each list once */
        for (int o = begin; o < end; o++)
            for (size_t t = 0; t < tiles; t++) I8_TILE(o, t);
    } else {
        /* large planes: the tile's input rows stay in cache while every channel's lists stream past */
        for (size_t t = (size_t)begin; t < (size_t)end; t++)
            for (int o = 0; o < s->out_channels; o++) I8_TILE(o, t);
    }
#undef I8_TILE
}

static void SP_NAME(run_range)(const trit_conv_shape *s, const void *packed, const float *bias, const trit_epilogue *e,
                               float *y, const void *scratch, void *own, int begin, int end) {
    (void)own;
    sp_geometry g;
    i8_scratch l;
    if (!SP_NAME(geometry)(s, &g)) return; /* a shape supports() refused */
    SP_NAME(scratch_layout)(s, &g, &l);
    SP_NAME(run_range_g)(s, &g, &l, packed, bias, e, y, scratch, begin, end);
}

static void SP_NAME(run)(const trit_conv_shape *s, const void *packed, const float *x, const float *bias,
                         const trit_epilogue *e, float *y, void *scratch) {
    const size_t in_image = (size_t)s->in_channels * (size_t)s->in_h * (size_t)s->in_w;
    const size_t out_image = (size_t)s->out_channels * (size_t)s->out_h * (size_t)s->out_w;
    sp_geometry g;
    i8_scratch l;
    if (!SP_NAME(geometry)(s, &g)) return; /* a shape supports() refused */
    SP_NAME(scratch_layout)(s, &g, &l);
    const size_t tiles = g.flat_count / SP_TILE;
    const int units = tiles <= I8_CHANNEL_OUTER_TILES ? s->out_channels : (int)tiles;
    for (int n = 0; n < s->batch; n++) {
        const trit_epilogue en = {e->residual ? e->residual + (size_t)n * out_image : NULL, e->min, e->max};
        SP_NAME(prepare_g)(s, &g, &l, packed, x + (size_t)n * in_image, scratch);
        SP_NAME(run_range_g)(s, &g, &l, packed, bias, &en, y + (size_t)n * out_image, scratch, 0, units);
    }
}

/* The variant's list entry after its name (tconv.h): prepare runs whole, ranges need no memory of their own. */
#define SP_KERNEL_ENTRIES(supports) TRIT_TCONV_ENTRIES(supports, NULL, NULL, NULL)
