/* Sparse ± list ternary convolution, float32 activations, NCHW: the body shared by the SIMD
 * variants. The including file defines the vector type and these operations, then includes this
 * header once:
 *   SP_VEC                         4 x f32 vector type
 *   SP_LOAD(p) / SP_STORE(p, v)    unaligned load / store of 4 floats
 *   SP_ADD SP_SUB SP_MUL           lane-wise arithmetic
 *   SP_SPLAT(f) SP_ZERO()          broadcast / zero vector
 *   SP_CLAMP_LOW(v, lo)            (v < lo) ? lo : v   per lane, NaN kept (like the reference)
 *   SP_CLAMP_HIGH(v, hi)           (v > hi) ? hi : v   per lane, NaN kept
 *   SP_NAME(x)                     prefixes the static symbols (one include per translation unit)
 *   SP_TRIPLES (optional)          build the channel-triple variant (below)
 *   SP_HALF_TILES (optional)       also half tiles (4 accumulators, 16 pixels) for layers with short lists
 *
 * Design (docs/KERNELS.md has the measurements):
 * - At run time the input is copied once into scratch in the flat, phase-split layout of
 *   ../flat_layout.h: every tap of every output pixel is a plain load at a constant offset from the
 *   pixel's flat index, whatever the stride, padding or dilation.
 * - At load, pack() turns each output channel's codes into lists of flat offsets: one list of +1
 *   taps and one of -1 taps per plane (zeros vanish: cost is proportional to the non-zeros).
 * - A tile of SP_TILE flat pixels is 8 f32x4 accumulators; every list entry costs one index load,
 *   8 vector loads and 8 adds (or subs) for 32 MACs. Tiles are the outer loop and output channels the
 *   inner one, so the tile's input rows stay in L1 while all channels' lists stream past them.
 * - SP_HALF_TILES: a layer whose channels have at most SP_HALF_TILE_MAX_TAPS taps (input channels x
 *   kernel area: short lists, as in every ResNet-20 layer) runs tiles of half as many pixels with 4
 *   accumulators instead: measured 12-30 % faster there in wasm SIMD128 on a 2-vCPU AMD EPYC, and 3-10 %
 *   slower on ResNet-18's 128- to 512-channel layers (docs/KERNELS.md "Half tiles").
 * - Scales: the lists of a channel are chained as acc = (acc * prev_scale/this_scale) ± Σ list, and
 *   the last scale multiplies at the end, so asymmetric (TTQ) and multi-plane scales cost a few
 *   multiplies per tile instead of one per entry. supports() refuses scales whose ratios could
 *   overflow that chain (the reference takes those).
 * - SP_TRIPLES: input channels are taken three at a time and 13 pattern planes are built per
 *   triple (every signed combination up to sign); an entry then covers the codes of 3 channels at
 *   one tap, so at 50 % zeros there are 0.58x as many entries. Symmetric scales only, 3x3-and-up
 *   kernels, and only when it saves >= 20 % of the entries (measured break-even).
 */
#include <math.h>
#include <stdint.h>
#include <string.h>

#include "../../alloc.h"
#include "tconv.h"
#include "../load_time.h"

#ifndef SP_VECS
#define SP_VECS 8 /* f32x4 accumulators per tile (docs/KERNELS.md: 4 and 8 tie, 12 and 16 slower) */
#endif
#define SP_TILE (4 * SP_VECS)
/* SP_EACH_VEC(X) expands X(0) ... X(SP_VECS - 1): named accumulators, see tile_channel */
#define SP_EACH_4(X) X(0) X(1) X(2) X(3)
#define SP_EACH_8(X) SP_EACH_4(X) X(4) X(5) X(6) X(7)
#if SP_VECS == 2 /* the scalar variant: 8 pixels in scalar locals */
#define SP_EACH_VEC(X) X(0) X(1)
#elif SP_VECS == 4
#define SP_EACH_VEC(X) SP_EACH_4(X)
#elif SP_VECS == 8
#define SP_EACH_VEC(X) SP_EACH_8(X)
#elif SP_VECS == 12
#define SP_EACH_VEC(X) SP_EACH_8(X) X(8) X(9) X(10) X(11)
#elif SP_VECS == 16
#define SP_EACH_VEC(X) SP_EACH_8(X) X(8) X(9) X(10) X(11) X(12) X(13) X(14) X(15)
#else
#error "SP_VECS must be 2, 4, 8, 12 or 16"
#endif

/* Pixels per tile for a layer (flat_layout.h rounds the flat run to it): half tiles where the lists are short. */
#if defined(SP_HALF_TILES) && SP_VECS == 8
#ifndef SP_HALF_TILE_MAX_TAPS
#define SP_HALF_TILE_MAX_TAPS 640 /* ResNet-20's 64-channel 3x3 layers (576) in, ResNet-18's 128-channel (1,152) out */
#endif
static inline size_t SP_NAME(tile_pixels)(const trit_conv_shape *s) {
    const size_t taps = (size_t)(s->in_channels / s->group) * (size_t)s->kernel_h * (size_t)s->kernel_w;
    return taps <= SP_HALF_TILE_MAX_TAPS ? SP_TILE / 2 : SP_TILE;
}
#else
static inline size_t SP_NAME(tile_pixels)(const trit_conv_shape *s) {
    (void)s;
    return SP_TILE;
}
#endif
#define SP_TILE_OF(s) SP_NAME(tile_pixels)(s)
#include "../flat_layout.h"
#ifndef SP_CHANNEL_OUTER_TILES
#define SP_CHANNEL_OUTER_TILES 4 /* planes of at most this many tiles loop channels outside */
#endif
#define SP_MAX_LISTS (2 * TRIT_MAX_PLANES)

typedef struct sp_list {
    int32_t count;
    int32_t subtract; /* 0: add the taps, 1: subtract them */
    float pre_mul;    /* acc *= pre_mul before this list: previous list's scale / this one's */
} sp_list;

typedef struct sp_channel {
    uint32_t first_entry;
    int32_t list_count;
    float post_mul; /* scale of the last list (0 when the channel has no non-zero weight) */
    sp_list lists[SP_MAX_LISTS];
} sp_channel;

typedef struct sp_header {
    int32_t out_channels;
    int32_t pad_;
    uint64_t entry_count;
} sp_header;

#ifdef SP_TRIPLES
/* Input channels in triples (a, b, c); for each triple, 13 pattern planes hold every signed
 * combination up to an overall sign: a, b, c, a+b, a-b, a+c, a-c, b+c, b-c, a+b+c, a+b-c, a-b+c, a-b-c.
 * A weight triple at one tap (27 codes) is then one entry (or none for 0,0,0): at 50 % zeros 0.875
 * entries per 3 taps instead of 1.5. sp_pattern_of maps (c0+1)*9 + (c1+1)*3 + (c2+1) to
 * ±(pattern index + 1), the sign being that of the first non-zero code. */
#define SP_PATTERNS 13
#ifndef SP_TRIPLES_MAX_RATIO
#define SP_TRIPLES_MAX_RATIO 0.8 /* take a layer when triples need at most this share of the entries */
#endif
static const int8_t sp_pattern_of[27] = {
    /* c0 = -1 */ -10, -4, -11, -6, -1, -7, -12, -5, -13,
    /* c0 =  0 */ -8, -2, -9, -3, 0, 3, 9, 2, 8,
    /* c0 = +1 */ 13, 5, 12, 7, 1, 6, 11, 4, 10,
};

/* Floats of the pattern planes, slack for the last tile included. */
static int SP_NAME(combo_floats)(const trit_conv_shape *s, const sp_geometry *g, size_t *floats) {
    const size_t triples = (size_t)((s->in_channels / s->group + 2) / 3) * (size_t)s->group;
    size_t planes, total;
    if (!trit_size_mul(triples, SP_PATTERNS, &planes) || !trit_size_mul(planes, g->channel_size, &total)) return 0;
    return trit_size_add(total, SP_TILE + g->wq, floats);
}
#endif

/* Scales the chain can take: finite, magnitudes within 2^-30..2^30, so every ratio stays within 2^±60. */
static int SP_NAME(scale_ok)(float v) {
    float a = fabsf(v);
    return a == 0.0f || (a >= 0x1p-30f && a <= 0x1p30f);
}

static uint64_t SP_NAME(count_entries)(const trit_conv_shape *s, const trit_ternary_weights *w);

TRIT_LOAD_TIME static int SP_NAME(supports)(const trit_conv_shape *s, const trit_ternary_weights *w) {
    sp_geometry g;
    if (!SP_NAME(geometry)(s, &g)) return 0;
    if (w->plane_count < 1 || w->plane_count > TRIT_MAX_PLANES || w->out_channels != s->out_channels) return 0;
    if (s->in_channels % s->group || s->out_channels % s->group) return 0;
    size_t per_out = (size_t)(s->in_channels / s->group) * (size_t)s->kernel_h * (size_t)s->kernel_w;
    if (w->per_out != per_out) return 0;
    /* a 1x1 output (Gemm) would use 1 lane of 32: the reference is as fast there */
    if ((size_t)s->out_h * (size_t)s->out_w < 4) return 0;
    /* list positions are uint32: at most UINT32_MAX entries in all */
    size_t codes;
    if (!trit_size_mul((size_t)w->out_channels, w->per_out, &codes) || !trit_size_mul(codes, (size_t)w->plane_count, &codes) ||
        (uint64_t)codes > UINT32_MAX)
        return 0;
    for (int p = 0; p < w->plane_count; p++) {
        for (int o = 0; o < w->out_channels; o++) {
            if (!SP_NAME(scale_ok)(w->planes[p].pos_scale[o]) || !SP_NAME(scale_ok)(w->planes[p].neg_scale[o]))
                return 0;
#ifdef SP_TRIPLES
            /* a pattern mixes +1 and -1 codes under one scale: symmetric planes only */
            if (w->planes[p].pos_scale[o] != w->planes[p].neg_scale[o]) return 0;
#endif
        }
    }
#ifdef SP_TRIPLES
    /* 1x1 convs: building 13 planes per 3 channels costs more than the entries it saves (measured) */
    if (s->kernel_h * s->kernel_w < 4) return 0;
    size_t combo_floats;
    if (!SP_NAME(combo_floats)(s, &g, &combo_floats) || combo_floats + g.flat_count > (size_t)INT32_MAX) return 0;
    /* Worth it only when triples save entries: measured break-even in docs/KERNELS.md. */
    uint64_t singles = 0;
    for (int p = 0; p < w->plane_count; p++)
        for (size_t i = 0; i < (size_t)w->out_channels * w->per_out; i++) singles += w->planes[p].codes[i] != 0;
    if ((double)SP_NAME(count_entries)(s, w) > SP_TRIPLES_MAX_RATIO * (double)singles) return 0;
#endif
    return 1;
}

/* Calls emit(offset) for every tap of output channel o, plane p whose sign is `want` (+1 / -1), in
 * list order, and returns how many. Offsets are into the buffer run() reads: the padded input
 * (sparse), or the pattern planes (triples). `entries` may be NULL to count only. */
TRIT_LOAD_TIME static int32_t SP_NAME(list_taps)(const trit_conv_shape *s, const sp_geometry *g, const trit_ternary_weights *w,
                                  int o, int p, int want, int32_t *entries) {
    const int cin_g = s->in_channels / s->group, cout_g = s->out_channels / s->group;
    const int kk = s->kernel_h * s->kernel_w;
    const int8_t *codes = w->planes[p].codes + (size_t)o * w->per_out;
    int32_t count = 0;
#ifdef SP_TRIPLES
    const int triples = (cin_g + 2) / 3;
    for (int t = 0; t < triples; t++) {
        const size_t vbase = ((size_t)(o / cout_g) * (size_t)triples + (size_t)t) * SP_PATTERNS;
        for (int tap = 0; tap < kk; tap++) {
            int c[3];
            for (int i = 0; i < 3; i++) {
                /* like the reference, a code other than +1 / -1 counts as 0 (and stays inside the table) */
                const int v = 3 * t + i < cin_g ? codes[(size_t)(3 * t + i) * kk + tap] : 0;
                c[i] = v == 1 ? 1 : (v == -1 ? -1 : 0);
            }
            const int8_t code = sp_pattern_of[(c[0] + 1) * 9 + (c[1] + 1) * 3 + (c[2] + 1)];
            if (code == 0 || (code > 0 ? 1 : -1) != want) continue;
            const size_t pattern = (size_t)(code > 0 ? code : -code) - 1;
            if (entries) entries[count] = (int32_t)((vbase + pattern) * g->channel_size + SP_NAME(tap_offset)(s, g, tap));
            count++;
        }
    }
#else
    const size_t group_base = (size_t)(o / cout_g) * (size_t)cin_g * g->channel_size;
    for (size_t k = 0; k < w->per_out; k++) {
        if (codes[k] != want) continue;
        const int ci = (int)(k / (size_t)kk), tap = (int)(k % (size_t)kk);
        if (entries) entries[count] = (int32_t)(group_base + (size_t)ci * g->channel_size + SP_NAME(tap_offset)(s, g, tap));
        count++;
    }
#endif
    return count;
}

TRIT_LOAD_TIME static uint64_t SP_NAME(count_entries)(const trit_conv_shape *s, const trit_ternary_weights *w) {
    sp_geometry g;
    SP_NAME(geometry)(s, &g);
    uint64_t n = 0;
    for (int p = 0; p < w->plane_count; p++)
        for (int o = 0; o < w->out_channels; o++) {
            if (w->planes[p].pos_scale[o] != 0.0f) n += (uint64_t)SP_NAME(list_taps)(s, &g, w, o, p, 1, NULL);
            if (w->planes[p].neg_scale[o] != 0.0f) n += (uint64_t)SP_NAME(list_taps)(s, &g, w, o, p, -1, NULL);
        }
    return n;
}

static size_t SP_NAME(entries_offset)(const trit_ternary_weights *w) {
    return sizeof(sp_header) + (size_t)w->out_channels * sizeof(sp_channel);
}

TRIT_LOAD_TIME static size_t SP_NAME(packed_size)(const trit_conv_shape *s, const trit_ternary_weights *w) {
    uint64_t n = SP_NAME(count_entries)(s, w);
    size_t bytes, total;
    if (n > SIZE_MAX / sizeof(int32_t)) return 0;
    if (!trit_size_mul((size_t)n, sizeof(int32_t), &bytes)) return 0;
    if (!trit_size_add(bytes, SP_NAME(entries_offset)(w), &total)) return 0;
    return total;
}

TRIT_LOAD_TIME static void SP_NAME(pack)(const trit_conv_shape *s, const trit_ternary_weights *w, void *packed) {
    sp_geometry g;
    SP_NAME(geometry)(s, &g);
    sp_header *h = packed;
    sp_channel *channels = (sp_channel *)((unsigned char *)packed + sizeof(sp_header));
    int32_t *entries = (int32_t *)((unsigned char *)packed + SP_NAME(entries_offset)(w));
    memset(h, 0, sizeof *h);
    h->out_channels = w->out_channels;
    uint32_t next = 0;
    for (int o = 0; o < w->out_channels; o++) {
        sp_channel *ch = &channels[o];
        memset(ch, 0, sizeof *ch);
        ch->first_entry = next;
        float prev_scale = 1.0f;
        for (int p = 0; p < w->plane_count; p++) {
            for (int sign = 0; sign < 2; sign++) {
                const float scale = sign ? w->planes[p].neg_scale[o] : w->planes[p].pos_scale[o];
                if (scale == 0.0f) continue;
                const int32_t count = SP_NAME(list_taps)(s, &g, w, o, p, sign ? -1 : 1, entries + next);
                if (count == 0) continue;
                next += (uint32_t)count;
                sp_list *l = &ch->lists[ch->list_count++];
                l->count = count;
                l->subtract = sign;
                l->pre_mul = ch->list_count == 1 ? 1.0f : prev_scale / scale;
                prev_scale = scale;
            }
        }
        ch->post_mul = ch->list_count ? prev_scale : 0.0f;
    }
    h->entry_count = next;
}

#ifdef SP_TRIPLES
/* Scratch: one triple's padded copy, the pattern planes of all triples, the output targets. */
typedef struct sp_triple_scratch {
    size_t temp_floats, combo_offset, combo_floats, targets_offset, total;
} sp_triple_scratch;

static int SP_NAME(triple_scratch)(const trit_conv_shape *s, const sp_geometry *g, sp_triple_scratch *t) {
    size_t targets;
    t->temp_floats = 3 * g->channel_size + SP_TILE + g->wq;
    t->combo_offset = (t->temp_floats * sizeof(float) + 15) & ~(size_t)15;
    if (!SP_NAME(combo_floats)(s, g, &t->combo_floats) || t->combo_floats > SIZE_MAX / 8) return 0;
    t->targets_offset = t->combo_offset + ((t->combo_floats * sizeof(float) + 15) & ~(size_t)15);
    if (!trit_size_mul(g->flat_count / 4, sizeof(sp_target), &targets)) return 0;
    return trit_size_add(t->targets_offset, targets, &t->total);
}

static size_t SP_NAME(scratch_size)(const trit_conv_shape *s) {
    sp_geometry g;
    sp_triple_scratch t;
    if (!SP_NAME(geometry)(s, &g) || !SP_NAME(triple_scratch)(s, &g, &t)) return 0;
    return t.total;
}

/* Builds rows [row_begin, row_end) of the 13 pattern planes of every input triple of image x (see
 * sp_pattern_of), in every phase plane. */
static void SP_NAME(fill_patterns)(const trit_conv_shape *s, const sp_geometry *g, const float *x, float *temp,
                                   float *combos, size_t row_begin, size_t row_end) {
    const int cin_g = s->in_channels / s->group, triples = (cin_g + 2) / 3;
    const size_t in_plane = (size_t)s->in_h * (size_t)s->in_w, cs = g->channel_size;
    const size_t phases = (size_t)s->stride_h * (size_t)s->stride_w;
    for (int gi = 0; gi < s->group; gi++)
        for (int t = 0; t < triples; t++) {
            trit_conv_shape part = *s;
            part.in_channels = cin_g - 3 * t < 3 ? cin_g - 3 * t : 3;
            SP_NAME(fill_rows)(&part, g, x + ((size_t)gi * (size_t)cin_g + 3 * (size_t)t) * in_plane, temp, 0.0f,
                               row_begin, row_end);
            if (part.in_channels < 3)
                memset(temp + (size_t)part.in_channels * cs, 0, (3 - (size_t)part.in_channels) * cs * sizeof(float));
            float *out = combos + ((size_t)gi * (size_t)triples + (size_t)t) * SP_PATTERNS * cs;
            const float *a = temp, *b = temp + cs, *c = temp + 2 * cs;
            for (size_t ph = 0; ph < phases; ph++) {
                const size_t begin = ph * g->phase_size + row_begin * g->wq, end = ph * g->phase_size + row_end * g->wq;
                size_t j = begin;
                for (; j + 4 <= end; j += 4) {
                    const SP_VEC va = SP_LOAD(a + j), vb = SP_LOAD(b + j), vc = SP_LOAD(c + j);
                    const SP_VEC ab = SP_ADD(va, vb), amb = SP_SUB(va, vb);
                    SP_STORE(out + j, va), SP_STORE(out + cs + j, vb), SP_STORE(out + 2 * cs + j, vc);
                    SP_STORE(out + 3 * cs + j, ab), SP_STORE(out + 4 * cs + j, amb);
                    SP_STORE(out + 5 * cs + j, SP_ADD(va, vc)), SP_STORE(out + 6 * cs + j, SP_SUB(va, vc));
                    SP_STORE(out + 7 * cs + j, SP_ADD(vb, vc)), SP_STORE(out + 8 * cs + j, SP_SUB(vb, vc));
                    SP_STORE(out + 9 * cs + j, SP_ADD(ab, vc)), SP_STORE(out + 10 * cs + j, SP_SUB(ab, vc));
                    SP_STORE(out + 11 * cs + j, SP_ADD(amb, vc)), SP_STORE(out + 12 * cs + j, SP_SUB(amb, vc));
                }
                for (; j < end; j++) {
                    const float fa = a[j], fb = b[j], fc = c[j];
                    const float r[SP_PATTERNS] = {fa, fb, fc, fa + fb, fa - fb, fa + fc, fa - fc, fb + fc, fb - fc,
                                                  fa + fb + fc, fa + fb - fc, fa - fb + fc, fa - fb - fc};
                    for (int k = 0; k < SP_PATTERNS; k++) out[(size_t)k * cs + j] = r[k];
                }
            }
        }
    if (row_end == g->hq) {
        const size_t used = (size_t)s->group * (size_t)triples * SP_PATTERNS * cs;
        memset(combos + used, 0, (SP_TILE + g->wq) * sizeof(float));
    }
}

#else
static size_t SP_NAME(scratch_size)(const trit_conv_shape *s) { return SP_NAME(flat_scratch_size)(s); }
#endif


/* One tile of flat pixels for one output channel (4 pixels per accumulator; EACH names them): walk
 * its lists, scale, store. */
#define SP_DEFINE_TILE_CHANNEL(FUNCTION, EACH, VECS)                                                                     \
    static inline void SP_NAME(FUNCTION)(const sp_channel *ch, const int32_t *entries, const float *base,          \
                                         const sp_target *targets, float bias, float *yo, const float *ro,         \
                                         SP_VEC lo, SP_VEC hi, float lo_s, float hi_s) {                           \
        const int32_t *idx = entries + ch->first_entry;                                                           \
        EACH(SP_DECLARE)                                                                                           \
        for (int li = 0; li < ch->list_count; li++) {                                                              \
            const sp_list *l = &ch->lists[li];                                                                     \
            if (li) {                                                                                              \
                const SP_VEC m = SP_SPLAT(l->pre_mul);                                                             \
                EACH(SP_SCALE)                                                                                     \
            }                                                                                                      \
            const int32_t *end = idx + l->count;                                                                   \
            if (l->subtract) {                                                                                     \
                for (; idx < end; idx++) {                                                                         \
                    const float *p = base + *idx;                                                                  \
                    EACH(SP_SUB_TAP)                                                                               \
                }                                                                                                  \
            } else {                                                                                               \
                for (; idx < end; idx++) {                                                                         \
                    const float *p = base + *idx;                                                                  \
                    EACH(SP_ADD_TAP)                                                                               \
                }                                                                                                  \
            }                                                                                                      \
        }                                                                                                          \
        const SP_VEC m = SP_SPLAT(ch->post_mul), b = SP_SPLAT(bias);                                               \
        SP_VEC out[VECS];                                                                                          \
        EACH(SP_FINISH)                                                                                            \
        SP_NAME(store_tile)(out, VECS, targets, yo, ro, lo, hi, lo_s, hi_s);                                       \
    }
/* Named accumulators, not an array: with an array clang 14 stores every accumulator to the wasm stack
 * on each entry (8 extra stores per entry in the code V8 generated). */
#define SP_DECLARE(v) SP_VEC a##v = SP_ZERO();
#define SP_SCALE(v) a##v = SP_MUL(a##v, m);
#define SP_ADD_TAP(v) a##v = SP_ADD(a##v, SP_LOAD(p + 4 * v));
#define SP_SUB_TAP(v) a##v = SP_SUB(a##v, SP_LOAD(p + 4 * v));
#define SP_FINISH(v) out[v] = SP_ADD(SP_MUL(a##v, m), b);
SP_DEFINE_TILE_CHANNEL(tile_channel, SP_EACH_VEC, SP_VECS)
#if defined(SP_HALF_TILES) && SP_VECS == 8
SP_DEFINE_TILE_CHANNEL(tile_channel_half, SP_EACH_4, 4)
#endif
#undef SP_DECLARE
#undef SP_SCALE
#undef SP_ADD_TAP
#undef SP_SUB_TAP
#undef SP_FINISH
#undef SP_DEFINE_TILE_CHANNEL

/* Where run() reads its input (the flat copy, or the triples' pattern planes) and keeps its targets. */
static void SP_NAME(scratch_parts)(const trit_conv_shape *s, const sp_geometry *g, const void *scratch,
                                   const float **source, sp_target **targets) {
#ifdef SP_TRIPLES
    sp_triple_scratch ts;
    SP_NAME(triple_scratch)(s, g, &ts);
    *source = (const float *)((const unsigned char *)scratch + ts.combo_offset);
    *targets = (sp_target *)((uintptr_t)scratch + ts.targets_offset);
#else
    (void)s;
    *source = scratch;
    *targets = (sp_target *)((uintptr_t)scratch + SP_NAME(targets_offset)(g));
#endif
}

/* Work splitting (tconv.h): one image's flat copy (or pattern planes) and output targets. */
/* (the _g forms take the geometry and scratch parts, so run() computes them once) */
static void SP_NAME(prepare_g)(const trit_conv_shape *s, const sp_geometry *g, const float *x, void *scratch,
                               const float *source, sp_target *targets) {
    (void)source;
    SP_NAME(compute_targets)(s, g, targets);
#ifdef SP_TRIPLES
    SP_NAME(fill_patterns)(s, g, x, scratch, (float *)(uintptr_t)source, 0, g->hq);
#else
    SP_NAME(fill)(s, g, x, scratch);
#endif
}

static void SP_NAME(prepare)(const trit_conv_shape *s, const void *packed, const float *x, void *scratch) {
    (void)packed;
    sp_geometry g;
    const float *source;
    sp_target *targets;
    SP_NAME(geometry)(s, &g);
    SP_NAME(scratch_parts)(s, &g, scratch, &source, &targets);
    SP_NAME(prepare_g)(s, &g, x, scratch, source, targets);
}

/* prepare() by rows of the phase planes (the first range also writes the targets); the triples'
 * per-range temporary (one triple's padded copy) is in `own`. */
static int SP_NAME(prepare_units)(const trit_conv_shape *s) {
    sp_geometry g;
    return SP_NAME(geometry)(s, &g) ? (int)g.hq : 0;
}

static void SP_NAME(prepare_range)(const trit_conv_shape *s, const void *packed, const float *x, void *scratch, void *own,
                                   int begin, int end) {
    (void)packed, (void)own;
    sp_geometry g;
    const float *source;
    sp_target *targets;
    if (!SP_NAME(geometry)(s, &g)) return;
    SP_NAME(scratch_parts)(s, &g, scratch, &source, &targets);
    if (begin == 0) SP_NAME(compute_targets)(s, &g, targets);
#ifdef SP_TRIPLES
    SP_NAME(fill_patterns)(s, &g, x, own, (float *)(uintptr_t)source, (size_t)begin, (size_t)end);
#else
    SP_NAME(fill_rows)(s, &g, x, scratch, 0.0f, (size_t)begin, (size_t)end);
#endif
}

#ifdef SP_TRIPLES
static size_t SP_NAME(own_size)(const trit_conv_shape *s) {
    sp_geometry g;
    sp_triple_scratch t;
    return SP_NAME(geometry)(s, &g) && SP_NAME(triple_scratch)(s, &g, &t) ? t.temp_floats * sizeof(float) : 0;
}
#endif

/* Units of work: tiles on large planes (every tile costs the same), output channels on small ones
 * (at most SP_CHANNEL_OUTER_TILES tiles, where each channel's lists are read once). */
static int SP_NAME(units_g)(const trit_conv_shape *s, const sp_geometry *g) {
    const size_t tiles = g->flat_count / SP_NAME(tile_pixels)(s);
    return tiles <= SP_CHANNEL_OUTER_TILES ? s->out_channels : (int)tiles;
}

static int SP_NAME(range_units)(const trit_conv_shape *s) {
    sp_geometry g;
    return SP_NAME(geometry)(s, &g) ? SP_NAME(units_g)(s, &g) : 0; /* 0: a shape supports() refused */
}

static void SP_NAME(run_range_g)(const trit_conv_shape *s, const sp_geometry *gp, const void *packed, const float *bias,
                                 const trit_epilogue *e, float *y, const float *source, const sp_target *targets,
                                 int begin, int end) {
    const sp_geometry g = *gp; /* a local copy: stores to y cannot alias it */
    const sp_header *h = packed;
    const sp_channel *channels = (const sp_channel *)((const unsigned char *)packed + sizeof(sp_header));
    const int32_t *entries = (const int32_t *)((const unsigned char *)packed + sizeof(sp_header) +
                                               (size_t)h->out_channels * sizeof(sp_channel));
    const size_t out_plane = (size_t)s->out_h * (size_t)s->out_w;
    const float *rn = e->residual;
    const SP_VEC lo = SP_SPLAT(e->min), hi = SP_SPLAT(e->max);
    const size_t tile = SP_NAME(tile_pixels)(s), tiles = g.flat_count / tile;
#define SP_TILE_CHANNEL(FUNCTION, o, t)                                                                          \
    SP_NAME(FUNCTION)(&channels[o], entries, source + (t) * tile, targets + (t) * (tile / 4), bias ? bias[o] : 0.0f, \
                      y + (size_t)(o) * out_plane, rn ? rn + (size_t)(o) * out_plane : NULL, lo, hi, e->min, e->max)
    /* small planes, long lists (late ResNet layers): read each list once; large planes: the tile's input
     * rows stay in cache while every channel's list streams past */
#define SP_TILE_LOOPS(FUNCTION)                                                                                   \
    if (tiles <= SP_CHANNEL_OUTER_TILES) {                                                                        \
        for (int o = begin; o < end; o++)                                                                         \
            for (size_t t = 0; t < tiles; t++) SP_TILE_CHANNEL(FUNCTION, o, t);                                   \
    } else {                                                                                                      \
        for (size_t t = (size_t)begin; t < (size_t)end; t++)                                                      \
            for (int o = 0; o < s->out_channels; o++) SP_TILE_CHANNEL(FUNCTION, o, t);                            \
    }
#if defined(SP_HALF_TILES) && SP_VECS == 8
    if (tile < SP_TILE) {
        SP_TILE_LOOPS(tile_channel_half)
        return;
    }
#endif
    SP_TILE_LOOPS(tile_channel)
#undef SP_TILE_LOOPS
#undef SP_TILE_CHANNEL
}

static void SP_NAME(run_range)(const trit_conv_shape *s, const void *packed, const float *bias, const trit_epilogue *e,
                               float *y, const void *scratch, void *own, int begin, int end) {
    (void)own;
    sp_geometry g;
    const float *source;
    sp_target *targets;
    if (!SP_NAME(geometry)(s, &g)) return; /* a shape supports() refused */
    SP_NAME(scratch_parts)(s, &g, scratch, &source, &targets);
    SP_NAME(run_range_g)(s, &g, packed, bias, e, y, source, targets, begin, end);
}

static void SP_NAME(run)(const trit_conv_shape *s, const void *packed, const float *x, const float *bias,
                         const trit_epilogue *e, float *y, void *scratch) {
    const size_t in_image = (size_t)s->in_channels * (size_t)s->in_h * (size_t)s->in_w;
    const size_t out_image = (size_t)s->out_channels * (size_t)s->out_h * (size_t)s->out_w;
    sp_geometry g;
    const float *source;
    sp_target *targets;
    if (!SP_NAME(geometry)(s, &g)) return; /* a shape supports() refused */
    SP_NAME(scratch_parts)(s, &g, scratch, &source, &targets);
    const int units = SP_NAME(units_g)(s, &g);
    for (int n = 0; n < s->batch; n++) {
        const trit_epilogue en = {e->residual ? e->residual + (size_t)n * out_image : NULL, e->min, e->max};
        SP_NAME(prepare_g)(s, &g, x + (size_t)n * in_image, scratch, source, targets);
        SP_NAME(run_range_g)(s, &g, packed, bias, &en, y + (size_t)n * out_image, source, targets, 0, units);
    }
}

/* The variant's list entry after its name (tconv.h); only the triples need memory of their own per range. */
#ifdef SP_TRIPLES
#define SP_KERNEL_ENTRIES(supports) \
    TRIT_TCONV_ENTRIES(supports, TRIT_SPLIT(SP_NAME(own_size)), TRIT_SPLIT(SP_NAME(prepare_units)), TRIT_SPLIT(SP_NAME(prepare_range)))
#else
#define SP_KERNEL_ENTRIES(supports) \
    TRIT_TCONV_ENTRIES(supports, NULL, TRIT_SPLIT(SP_NAME(prepare_units)), TRIT_SPLIT(SP_NAME(prepare_range)))
#endif
