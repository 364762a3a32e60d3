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
 *
 * Design (docs/KERNELS.md has the measurements):
 * - At run time the input is copied once into scratch: zero-padded and split into stride phases,
 *   xpad[c][row phase][col phase][Hq][Wq], so every tap of every output pixel is a plain load and
 *   a whole output plane is one flat run: output (oy, ox) sits at flat f = oy*Wq + ox and tap t reads
 *   xpad[offset[t] + f]. Columns ox >= out_w are computed and thrown away (Wq - out_w of Wq).
 * - At load, pack() turns each output channel's codes into lists of flat offsets: one list of +1
 *   taps and one of -1 taps per plane (zeros vanish: cost is proportional to the non-zeros).
 * - A tile of SP_TILE flat pixels is 8 f32x4 accumulators; every list entry costs one index load,
 *   8 vector loads and 8 adds (or subs) for 32 MACs. Tiles are the outer loop and output channels the
 *   inner one, so the tile's input rows stay in L1 while all channels' lists stream past them.
 * - Scales: the lists of a channel are chained as acc = (acc * prev_scale/this_scale) ± Σ list, and
 *   the last scale multiplies at the end, so asymmetric (TTQ) and multi-plane scales cost a few
 *   multiplies per tile instead of one per entry. supports() refuses scales whose ratios could
 *   overflow that chain (the reference takes those).
 */
#include <math.h>
#include <stdint.h>
#include <string.h>

#include "../../alloc.h"
#include "tconv.h"

#define SP_VECS 8
#define SP_TILE (4 * SP_VECS)
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

/* Geometry of the padded, phase-split input copy. */
typedef struct sp_geometry {
    size_t hq, wq;          /* rows / columns of one phase plane */
    size_t phase_size;      /* hq * wq */
    size_t channel_size;    /* stride_h * stride_w * phase_size */
    size_t flat_count;      /* out_h * wq, rounded up to a whole tile */
    size_t floats;          /* whole copy, slack for the last tile included */
} sp_geometry;

static int SP_NAME(geometry)(const trit_conv_shape *s, sp_geometry *g) {
    if (s->batch < 1 || s->in_channels < 1 || s->out_channels < 1 || s->out_h < 1 || s->out_w < 1 ||
        s->kernel_h < 1 || s->kernel_w < 1 || s->stride_h < 1 || s->stride_w < 1 || s->dilation_h < 1 ||
        s->dilation_w < 1 || s->group < 1 || s->pad_top < 0 || s->pad_left < 0 || s->in_h < 1 || s->in_w < 1)
        return 0;
    size_t reach_h = (size_t)(s->kernel_h - 1) * (size_t)s->dilation_h;
    size_t reach_w = (size_t)(s->kernel_w - 1) * (size_t)s->dilation_w;
    g->hq = (size_t)s->out_h + reach_h / (size_t)s->stride_h;
    g->wq = (size_t)s->out_w + reach_w / (size_t)s->stride_w;
    size_t phases = (size_t)s->stride_h * (size_t)s->stride_w, flat, total;
    if (!trit_size_mul(g->hq, g->wq, &g->phase_size)) return 0;
    if (!trit_size_mul(g->phase_size, phases, &g->channel_size)) return 0;
    if (!trit_size_mul((size_t)s->out_h, g->wq, &flat)) return 0;
    g->flat_count = (flat + SP_TILE - 1) / SP_TILE * SP_TILE;
    if (!trit_size_mul(g->channel_size, (size_t)s->in_channels, &total)) return 0;
    /* slack: the last tile runs up to SP_TILE - 1 past the plane, plus a column reach */
    if (!trit_size_add(total, SP_TILE + g->wq, &g->floats)) return 0;
    /* offsets are int32 and every read index must fit too */
    if (g->floats + g->flat_count > (size_t)INT32_MAX) return 0;
    return 1;
}

/* Scales the chain can take: finite, and within 2^-60..2^60 of each other in magnitude. */
static int SP_NAME(scale_ok)(float v) {
    float a = fabsf(v);
    return a == 0.0f || (a >= 0x1p-30f && a <= 0x1p30f);
}

static int SP_NAME(supports)(const trit_conv_shape *s, const trit_ternary_weights *w) {
    sp_geometry g;
    if (!SP_NAME(geometry)(s, &g)) return 0;
    if (w->plane_count < 1 || w->plane_count > TRIT_MAX_PLANES || w->out_channels != s->out_channels) return 0;
    if (s->in_channels % s->group || s->out_channels % s->group) return 0;
    size_t per_out = (size_t)(s->in_channels / s->group) * (size_t)s->kernel_h * (size_t)s->kernel_w;
    if (w->per_out != per_out) return 0;
    /* a 1x1 output (Gemm) would use 1 lane of 32: the reference is as fast there */
    if ((size_t)s->out_h * (size_t)s->out_w < 4) return 0;
    for (int p = 0; p < w->plane_count; p++) {
        for (int o = 0; o < w->out_channels; o++) {
            if (!SP_NAME(scale_ok)(w->planes[p].pos_scale[o]) || !SP_NAME(scale_ok)(w->planes[p].neg_scale[o]))
                return 0;
        }
    }
    return 1;
}

static uint64_t SP_NAME(count_entries)(const trit_ternary_weights *w) {
    uint64_t n = 0;
    for (int p = 0; p < w->plane_count; p++) {
        const trit_ternary_plane *pl = &w->planes[p];
        for (int o = 0; o < w->out_channels; o++) {
            const int8_t *c = pl->codes + (size_t)o * w->per_out;
            int use_pos = pl->pos_scale[o] != 0.0f, use_neg = pl->neg_scale[o] != 0.0f;
            for (size_t k = 0; k < w->per_out; k++) n += (c[k] == 1 && use_pos) || (c[k] == -1 && use_neg);
        }
    }
    return n;
}

static size_t SP_NAME(entries_offset)(const trit_ternary_weights *w) {
    return sizeof(sp_header) + (size_t)w->out_channels * sizeof(sp_channel);
}

static size_t SP_NAME(packed_size)(const trit_conv_shape *s, const trit_ternary_weights *w) {
    (void)s;
    uint64_t n = SP_NAME(count_entries)(w);
    size_t bytes, total;
    if (n > SIZE_MAX / sizeof(int32_t)) return 0;
    if (!trit_size_mul((size_t)n, sizeof(int32_t), &bytes)) return 0;
    if (!trit_size_add(bytes, SP_NAME(entries_offset)(w), &total)) return 0;
    return total;
}

static void SP_NAME(pack)(const trit_conv_shape *s, const trit_ternary_weights *w, void *packed) {
    sp_geometry g;
    SP_NAME(geometry)(s, &g);
    sp_header *h = packed;
    sp_channel *channels = (sp_channel *)((unsigned char *)packed + sizeof(sp_header));
    int32_t *entries = (int32_t *)((unsigned char *)packed + SP_NAME(entries_offset)(w));
    memset(h, 0, sizeof *h);
    h->out_channels = w->out_channels;
    const int cin_g = s->in_channels / s->group, cout_g = s->out_channels / s->group;
    const int kk = s->kernel_h * s->kernel_w;
    uint32_t next = 0;
    for (int o = 0; o < w->out_channels; o++) {
        sp_channel *ch = &channels[o];
        memset(ch, 0, sizeof *ch);
        ch->first_entry = next;
        float prev_scale = 1.0f;
        const size_t group_base = (size_t)(o / cout_g) * (size_t)cin_g * g.channel_size;
        for (int p = 0; p < w->plane_count; p++) {
            const int8_t *codes = w->planes[p].codes + (size_t)o * w->per_out;
            for (int sign = 0; sign < 2; sign++) {
                const int8_t want = sign ? -1 : 1;
                const float scale = sign ? w->planes[p].neg_scale[o] : w->planes[p].pos_scale[o];
                if (scale == 0.0f) continue;
                int32_t count = 0;
                for (size_t k = 0; k < w->per_out; k++) {
                    if (codes[k] != want) continue;
                    const int ci = (int)(k / (size_t)kk), tap = (int)(k % (size_t)kk);
                    const size_t dy = (size_t)(tap / s->kernel_w) * (size_t)s->dilation_h;
                    const size_t dx = (size_t)(tap % s->kernel_w) * (size_t)s->dilation_w;
                    const size_t phase = (dy % (size_t)s->stride_h) * (size_t)s->stride_w + dx % (size_t)s->stride_w;
                    const size_t offset = group_base + (size_t)ci * g.channel_size + phase * g.phase_size +
                                          (dy / (size_t)s->stride_h) * g.wq + dx / (size_t)s->stride_w;
                    entries[next++] = (int32_t)offset;
                    count++;
                }
                if (count == 0) continue;
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

static size_t SP_NAME(scratch_size)(const trit_conv_shape *s) {
    sp_geometry g;
    size_t bytes;
    if (!SP_NAME(geometry)(s, &g) || !trit_size_mul(g.floats, sizeof(float), &bytes)) return 0;
    return bytes;
}

/* Copies image n of x into the padded, phase-split layout (slack zeroed too). */
static void SP_NAME(fill)(const trit_conv_shape *s, const sp_geometry *g, const float *x, float *xpad) {
    const int sh = s->stride_h, sw = s->stride_w;
    for (int c = 0; c < s->in_channels; c++) {
        const float *xc = x + (size_t)c * (size_t)s->in_h * (size_t)s->in_w;
        for (int r = 0; r < sh; r++) {
            for (int q = 0; q < sw; q++) {
                float *plane = xpad + (size_t)c * g->channel_size + (size_t)(r * sw + q) * g->phase_size;
                for (size_t i = 0; i < g->hq; i++) {
                    float *row = plane + i * g->wq;
                    const long iy = (long)i * sh + r - s->pad_top;
                    if (iy < 0 || iy >= s->in_h) {
                        memset(row, 0, g->wq * sizeof(float));
                        continue;
                    }
                    const float *xrow = xc + (size_t)iy * (size_t)s->in_w;
                    if (sw == 1) {
                        /* contiguous: zeros, copy, zeros */
                        const long first = s->pad_left - q; /* ix = j - first */
                        for (size_t j = 0; j < g->wq; j++) {
                            const long ix = (long)j - first;
                            row[j] = (ix >= 0 && ix < s->in_w) ? xrow[ix] : 0.0f;
                        }
                    } else {
                        for (size_t j = 0; j < g->wq; j++) {
                            const long ix = (long)j * sw + q - s->pad_left;
                            row[j] = (ix >= 0 && ix < s->in_w) ? xrow[ix] : 0.0f;
                        }
                    }
                }
            }
        }
    }
    memset(xpad + (size_t)s->in_channels * g->channel_size, 0, (SP_TILE + g->wq) * sizeof(float));
}

/* Where vector v of a tile lands in y: a whole-vector store, or lane by lane at the edges. */
typedef struct sp_target {
    int32_t whole;               /* all 4 lanes in one output row */
    int32_t lane_index[4];       /* y index per lane, -1 for thrown-away lanes */
} sp_target;

static inline void SP_NAME(store)(SP_VEC v, const sp_target *t, float *y, const float *residual,
                                  SP_VEC lo, SP_VEC hi, float lo_s, float hi_s) {
    if (t->whole) {
        const size_t i = (size_t)t->lane_index[0];
        if (residual) v = SP_ADD(v, SP_LOAD(residual + i));
        v = SP_CLAMP_HIGH(SP_CLAMP_LOW(v, lo), hi);
        SP_STORE(y + i, v);
    } else {
        float lanes[4];
        SP_STORE(lanes, v);
        for (int l = 0; l < 4; l++) {
            if (t->lane_index[l] < 0) continue;
            const size_t i = (size_t)t->lane_index[l];
            float value = lanes[l];
            if (residual) value += residual[i];
            if (value < lo_s) value = lo_s;
            if (value > hi_s) value = hi_s;
            y[i] = value;
        }
    }
}

static void SP_NAME(run)(const trit_conv_shape *s, const void *packed, const float *x, const float *bias,
                         const trit_epilogue *e, float *y, void *scratch) {
    sp_geometry g;
    SP_NAME(geometry)(s, &g);
    const sp_header *h = packed;
    const sp_channel *channels = (const sp_channel *)((const unsigned char *)packed + sizeof(sp_header));
    const int32_t *entries =
        (const int32_t *)((const unsigned char *)packed + sizeof(sp_header) + (size_t)h->out_channels * sizeof(sp_channel));
    float *xpad = scratch;
    const size_t in_image = (size_t)s->in_channels * (size_t)s->in_h * (size_t)s->in_w;
    const size_t out_plane = (size_t)s->out_h * (size_t)s->out_w;
    const size_t out_image = (size_t)s->out_channels * out_plane;
    const SP_VEC lo = SP_SPLAT(e->min), hi = SP_SPLAT(e->max);
    const size_t valid_flat = (size_t)s->out_h * g.wq;

    for (int n = 0; n < s->batch; n++) {
        SP_NAME(fill)(s, &g, x + (size_t)n * in_image, xpad);
        float *yn = y + (size_t)n * out_image;
        const float *rn = e->residual ? e->residual + (size_t)n * out_image : NULL;
        for (size_t f0 = 0; f0 < g.flat_count; f0 += SP_TILE) {
            sp_target targets[SP_VECS];
            for (int v = 0; v < SP_VECS; v++) {
                sp_target *t = &targets[v];
                for (int l = 0; l < 4; l++) {
                    const size_t f = f0 + (size_t)(4 * v + l);
                    const size_t oy = f / g.wq, ox = f % g.wq;
                    t->lane_index[l] = (f < valid_flat && ox < (size_t)s->out_w) ? (int32_t)(oy * (size_t)s->out_w + ox) : -1;
                }
                t->whole = t->lane_index[0] >= 0 && t->lane_index[3] == t->lane_index[0] + 3;
            }
            const float *base = xpad + f0;
            for (int o = 0; o < s->out_channels; o++) {
                const sp_channel *ch = &channels[o];
                const int32_t *idx = entries + ch->first_entry;
                SP_VEC a0 = SP_ZERO(), a1 = SP_ZERO(), a2 = SP_ZERO(), a3 = SP_ZERO();
                SP_VEC a4 = SP_ZERO(), a5 = SP_ZERO(), a6 = SP_ZERO(), a7 = SP_ZERO();
                for (int li = 0; li < ch->list_count; li++) {
                    const sp_list *l = &ch->lists[li];
                    if (li) {
                        const SP_VEC m = SP_SPLAT(l->pre_mul);
                        a0 = SP_MUL(a0, m); a1 = SP_MUL(a1, m); a2 = SP_MUL(a2, m); a3 = SP_MUL(a3, m);
                        a4 = SP_MUL(a4, m); a5 = SP_MUL(a5, m); a6 = SP_MUL(a6, m); a7 = SP_MUL(a7, m);
                    }
                    const int32_t *end = idx + l->count;
                    if (l->subtract) {
                        for (; idx < end; idx++) {
                            const float *p = base + *idx;
                            a0 = SP_SUB(a0, SP_LOAD(p + 0));  a1 = SP_SUB(a1, SP_LOAD(p + 4));
                            a2 = SP_SUB(a2, SP_LOAD(p + 8));  a3 = SP_SUB(a3, SP_LOAD(p + 12));
                            a4 = SP_SUB(a4, SP_LOAD(p + 16)); a5 = SP_SUB(a5, SP_LOAD(p + 20));
                            a6 = SP_SUB(a6, SP_LOAD(p + 24)); a7 = SP_SUB(a7, SP_LOAD(p + 28));
                        }
                    } else {
                        for (; idx < end; idx++) {
                            const float *p = base + *idx;
                            a0 = SP_ADD(a0, SP_LOAD(p + 0));  a1 = SP_ADD(a1, SP_LOAD(p + 4));
                            a2 = SP_ADD(a2, SP_LOAD(p + 8));  a3 = SP_ADD(a3, SP_LOAD(p + 12));
                            a4 = SP_ADD(a4, SP_LOAD(p + 16)); a5 = SP_ADD(a5, SP_LOAD(p + 20));
                            a6 = SP_ADD(a6, SP_LOAD(p + 24)); a7 = SP_ADD(a7, SP_LOAD(p + 28));
                        }
                    }
                }
                const SP_VEC m = SP_SPLAT(ch->post_mul);
                const SP_VEC b = SP_SPLAT(bias ? bias[o] : 0.0f);
                float *yo = yn + (size_t)o * out_plane;
                const float *ro = rn ? rn + (size_t)o * out_plane : NULL;
                SP_NAME(store)(SP_ADD(SP_MUL(a0, m), b), &targets[0], yo, ro, lo, hi, e->min, e->max);
                SP_NAME(store)(SP_ADD(SP_MUL(a1, m), b), &targets[1], yo, ro, lo, hi, e->min, e->max);
                SP_NAME(store)(SP_ADD(SP_MUL(a2, m), b), &targets[2], yo, ro, lo, hi, e->min, e->max);
                SP_NAME(store)(SP_ADD(SP_MUL(a3, m), b), &targets[3], yo, ro, lo, hi, e->min, e->max);
                SP_NAME(store)(SP_ADD(SP_MUL(a4, m), b), &targets[4], yo, ro, lo, hi, e->min, e->max);
                SP_NAME(store)(SP_ADD(SP_MUL(a5, m), b), &targets[5], yo, ro, lo, hi, e->min, e->max);
                SP_NAME(store)(SP_ADD(SP_MUL(a6, m), b), &targets[6], yo, ro, lo, hi, e->min, e->max);
                SP_NAME(store)(SP_ADD(SP_MUL(a7, m), b), &targets[7], yo, ro, lo, hi, e->min, e->max);
            }
        }
    }
}
