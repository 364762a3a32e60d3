/* The flat, phase-split input layout shared by the SIMD conv kernels (ternary and float).
 * Included by a kernel's impl header after it defined SP_VEC, SP_LOAD, SP_STORE, SP_ADD,
 * SP_CLAMP_LOW, SP_CLAMP_HIGH, SP_NAME and SP_TILE (pixels per tile, a multiple of 4), and optionally
 * SP_TILE_OF(s): a layer's own tile (a multiple of 4, at most SP_TILE), which the flat run is rounded to.
 *
 * The input is copied once per image into scratch: zero-padded and split into stride phases,
 * xpad[c][row phase][col phase][Hq][Wq], so every tap of every output pixel is a plain load and a
 * whole output plane is one flat run: output (oy, ox) sits at flat f = oy*Wq + ox and tap
 * (c, dy, dx) reads xpad[c*channel_size + phase(dy, dx)*phase_size + (dy/sh)*Wq + dx/sw + f].
 * Columns ox >= out_w are computed and thrown away (Wq - out_w of every Wq). */
#include <stdint.h>
#include <string.h>

#include "../alloc.h"
#include "../ops/ops.h"
#include "load_time.h"

#ifndef SP_TILE_OF
#define SP_TILE_OF(s) SP_TILE
#endif

/* Geometry of the padded, phase-split input copy. */
typedef struct sp_geometry {
    size_t hq, wq;          /* rows / columns of one phase plane */
    size_t phase_size;      /* hq * wq */
    size_t channel_size;    /* stride_h * stride_w * phase_size */
    size_t flat_count;      /* out_h * wq, rounded up to a whole tile */
    size_t floats;          /* whole copy, slack for the last tile included */
} sp_geometry;

static inline int SP_NAME(geometry)(const trit_conv_shape *s, sp_geometry *g) {
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
    const size_t tile = SP_TILE_OF(s);
    g->flat_count = (flat + tile - 1) / tile * tile;
    if (!trit_size_mul(g->channel_size, (size_t)s->in_channels, &total)) return 0;
    /* slack: the last tile runs up to SP_TILE - 1 past the plane, plus a column reach */
    if (!trit_size_add(total, SP_TILE + g->wq, &g->floats)) return 0;
    /* offsets are int32 and every read index must fit too */
    if (g->floats + g->flat_count > (size_t)INT32_MAX) return 0;
    return 1;
}

/* Offset of tap (dy, dx) within one channel of the flat layout (the kernels' packing, at load). */
TRIT_LOAD_TIME static inline size_t SP_NAME(tap_offset)(const trit_conv_shape *s, const sp_geometry *g, int tap) {
    const size_t dy = (size_t)(tap / s->kernel_w) * (size_t)s->dilation_h;
    const size_t dx = (size_t)(tap % s->kernel_w) * (size_t)s->dilation_w;
    const size_t phase = (dy % (size_t)s->stride_h) * (size_t)s->stride_w + dx % (size_t)s->stride_w;
    return phase * g->phase_size + (dy / (size_t)s->stride_h) * g->wq + dx / (size_t)s->stride_w;
}

/* Where vector v of a tile lands in y: one whole-vector store, or only its valid lanes. Thrown-away
 * lanes (columns ox >= out_w, rows past the plane) sit only at row ends, so a vector's valid lanes
 * always go to consecutive y indices from `first`: `count` of them (at most 3 when not whole), lane
 * bytes[4k] / 4 to y[first + k]. */
typedef struct sp_target {
    int32_t first;
    int8_t whole, count, pad_[2];
    uint8_t bytes[16]; /* a byte shuffle moving the valid lanes to the front (later ones repeat the last) */
} sp_target;

/* Scratch: the padded input copy, then where each output vector of the flat plane lands. */
static inline size_t SP_NAME(targets_offset)(const sp_geometry *g) {
    return (g->floats * sizeof(float) + 15) & ~(size_t)15;
}

/* Bytes of scratch: the padded copy, then the targets. */
static inline size_t SP_NAME(flat_scratch_size)(const trit_conv_shape *s) {
    sp_geometry g;
    size_t targets, total;
    if (!SP_NAME(geometry)(s, &g) || !trit_size_mul(g.floats, sizeof(float), &total)) return 0;
    if (!trit_size_mul(g.flat_count / 4, sizeof(sp_target), &targets)) return 0;
    if (!trit_size_add(SP_NAME(targets_offset)(&g), targets, &total)) return 0;
    return total;
}

/* A stride-1 row of the copy is row[j] = xrow[j - first] for j in [begin, end), padding elsewhere:
 * returns first (= pad_left), with begin and end clamped to the row's wq columns. */
static inline long SP_NAME(row_span)(const trit_conv_shape *s, const sp_geometry *g, long *begin, long *end) {
    const long first = s->pad_left;
    *begin = first < 0 ? 0 : first, *end = first + s->in_w;
    if (*end > (long)g->wq) *end = (long)g->wq;
    if (*begin > *end) *begin = *end;
    return first;
}

/* Copies rows [row_begin, row_end) of every phase plane of one image into the padded, phase-split
 * layout; `pad` fills the border (0 for convolution, -infinity for max pooling), and the slack
 * after the last plane when the range reaches the last row. */
static inline void SP_NAME(fill_rows)(const trit_conv_shape *s, const sp_geometry *g, const float *x, float *xpad,
                                      float pad, size_t row_begin, size_t row_end) {
    const int sh = s->stride_h, sw = s->stride_w;
    for (int c = 0; c < s->in_channels; c++) {
        const float *xc = x + (size_t)c * (size_t)s->in_h * (size_t)s->in_w;
        for (int r = 0; r < sh; r++) {
            for (int q = 0; q < sw; q++) {
                float *plane = xpad + (size_t)c * g->channel_size + (size_t)(r * sw + q) * g->phase_size;
                for (size_t i = row_begin; i < row_end; i++) {
                    float *row = plane + i * g->wq;
                    const long iy = (long)i * sh + r - s->pad_top;
                    if (iy < 0 || iy >= s->in_h) {
                        for (size_t j = 0; j < g->wq; j++) row[j] = pad;
                        continue;
                    }
                    const float *xrow = xc + (size_t)iy * (size_t)s->in_w;
                    if (sw == 1) {
                        /* contiguous: pad, one copy, pad */
                        long begin, end;
                        const long first = SP_NAME(row_span)(s, g, &begin, &end); /* row[j] = xrow[j - first] */
                        for (long j = 0; j < begin; j++) row[j] = pad;
                        if (end > begin) memcpy(row + begin, xrow + (begin - first), (size_t)(end - begin) * sizeof(float));
                        for (long j = end; j < (long)g->wq; j++) row[j] = pad;
                    } else {
                        for (size_t j = 0; j < g->wq; j++) {
                            const long ix = (long)j * sw + q - s->pad_left;
                            row[j] = (ix >= 0 && ix < s->in_w) ? xrow[ix] : pad;
                        }
                    }
                }
            }
        }
    }
    if (row_end == g->hq)
        for (size_t j = 0; j < SP_TILE + g->wq; j++) xpad[(size_t)s->in_channels * g->channel_size + j] = pad;
}

static inline void SP_NAME(fill_with)(const trit_conv_shape *s, const sp_geometry *g, const float *x, float *xpad, float pad) {
    SP_NAME(fill_rows)(s, g, x, xpad, pad, 0, g->hq);
}

static inline void SP_NAME(fill)(const trit_conv_shape *s, const sp_geometry *g, const float *x, float *xpad) {
    SP_NAME(fill_with)(s, g, x, xpad, 0.0f);
}

/* Where each output vector of the flat plane lands in y (per run in the f32 kernels, once at load
 * in the 8-bit ones); row and column are counted, not divided (a division per pixel cost ~10 us
 * per 32x32 layer). */
static inline void SP_NAME(compute_targets)(const trit_conv_shape *s, const sp_geometry *g, sp_target *targets) {
    const size_t valid_flat = (size_t)s->out_h * g->wq;
    size_t f = 0, ox = 0, row_base = 0; /* row_base = oy * out_w */
    for (size_t v = 0; v < g->flat_count / 4; v++) {
        sp_target *t = &targets[v];
        int count = 0, lane_of[4] = {0, 0, 0, 0};
        t->first = 0;
        for (int l = 0; l < 4; l++, f++) {
            if (f < valid_flat && ox < (size_t)s->out_w) {
                if (count == 0) t->first = (int32_t)(row_base + ox);
                lane_of[count++] = l;
            }
            if (++ox == g->wq) ox = 0, row_base += (size_t)s->out_w;
        }
        t->whole = count == 4;
        t->count = (int8_t)count;
        t->pad_[0] = t->pad_[1] = 0;
        for (int k = 0; k < 4; k++) { /* bytes 4 lane .. 4 lane + 3, written as one word */
            const uint32_t lane = (uint32_t)lane_of[k < count ? k : (count ? count - 1 : 0)];
            const uint8_t word[4] = {(uint8_t)(4 * lane), (uint8_t)(4 * lane + 1), (uint8_t)(4 * lane + 2), (uint8_t)(4 * lane + 3)};
            memcpy(t->bytes + 4 * k, word, 4);
        }
    }
}

/* The valid lanes of a vector that is not whole: inline in store_tile (once per kernel), a call from
 * store (the kernels that store vector by vector, where an inline copy per site would cost ~4 KB of
 * trit.wasm). */
#ifdef SP_STORE_PART
/* the lanes header's own (wasm: in registers; a stack array and a branch per lane cost V8 13 % of a
 * ResNet-20, docs/KERNELS.md) */
#define SP_PART_INLINE(v, t, y, residual, lo, hi, lo_s, hi_s) SP_STORE_PART(v, t, y, residual, lo, hi)
#else
static inline void SP_NAME(store_part_inline)(SP_VEC v, const sp_target *t, float *y, const float *residual,
                                              float lo_s, float hi_s) {
    float lanes[4];
    SP_STORE(lanes, v);
    for (int k = 0; k < t->count; k++) {
        const size_t i = (size_t)t->first + (size_t)k;
        float value = lanes[t->bytes[4 * k] / 4];
        if (residual) value += residual[i];
        if (value < lo_s) value = lo_s;
        if (value > hi_s) value = hi_s;
        y[i] = value;
    }
}
#define SP_PART_INLINE(v, t, y, residual, lo, hi, lo_s, hi_s) SP_NAME(store_part_inline)(v, t, y, residual, lo_s, hi_s)
#endif
#define SP_STORE_WHOLE_OR_PART(PART)                                 \
    if (t->whole) {                                                  \
        const size_t i = (size_t)t->first;                           \
        if (residual) v = SP_ADD(v, SP_LOAD(residual + i));          \
        v = SP_CLAMP_HIGH(SP_CLAMP_LOW(v, lo), hi);                  \
        SP_STORE(y + i, v);                                          \
    } else {                                                         \
        PART(v, t, y, residual, lo, hi, lo_s, hi_s);                 \
    }

#if defined(__GNUC__)
__attribute__((noinline, unused))
#endif
static void SP_NAME(store_part)(SP_VEC v, const sp_target *t, float *y, const float *residual, SP_VEC lo, SP_VEC hi,
                                float lo_s, float hi_s) {
    (void)lo, (void)hi, (void)lo_s, (void)hi_s;
    SP_PART_INLINE(v, t, y, residual, lo, hi, lo_s, hi_s);
}
#define SP_PART_CALL(v, t, y, residual, lo, hi, lo_s, hi_s) SP_NAME(store_part)(v, t, y, residual, lo, hi, lo_s, hi_s)

/* One output vector: residual added, clamped, stored where its target says. */
static inline void SP_NAME(store)(SP_VEC v, const sp_target *t, float *y, const float *residual,
                                  SP_VEC lo, SP_VEC hi, float lo_s, float hi_s) {
    SP_STORE_WHOLE_OR_PART(SP_PART_CALL)
}

/* A tile's n output vectors (the accumulators written to `out` first, so none is live across a call). */
static inline void SP_NAME(store_tile)(const SP_VEC *out, int n, const sp_target *targets, float *y, const float *residual,
                                       SP_VEC lo, SP_VEC hi, float lo_s, float hi_s) {
#if defined(__clang__)
#pragma clang loop unroll(disable)
#endif
    for (int j = 0; j < n; j++) {
        SP_VEC v = out[j];
        const sp_target *t = &targets[j];
        SP_STORE_WHOLE_OR_PART(SP_PART_INLINE)
    }
}
