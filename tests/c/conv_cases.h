/* Shared by the kernel suites: a seeded xorshift generator (test_fgemm.c, test_tconv.c,
 * test_tconv_i8.c) and, with CONV_CASES defined, the random conv geometry sweep of the two conv
 * suites -- channels 1..130 (odd ones too), spatial 1..33, strides 1-3, asymmetric padding,
 * 1x1..7x7 kernels, dilation, grouped and depthwise, batch 1-2, 1-4 planes -- its ternary weights
 * and the message that names a failing case.
 * Define RNG_SEED (each suite has its own stream) before including. */
#ifndef TRIT_TEST_CONV_CASES_H
#define TRIT_TEST_CONV_CASES_H

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

static uint64_t rng_state = RNG_SEED;
static inline uint32_t rnd(void) {
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 7;
    rng_state ^= rng_state << 17;
    return (uint32_t)(rng_state >> 16);
}
static inline int rnd_below(int n) { return (int)(rnd() % (uint32_t)n); }
static inline float rnd_float(float lo, float hi) { return lo + (hi - lo) * (float)(rnd() & 0xFFFFFF) / (float)0x1000000; }
static inline int pick(const int *values, int count) { return values[rnd_below(count)]; }

#ifdef CONV_CASES
typedef struct test_case {
    trit_conv_shape s;
    int pad_bottom, pad_right, planes, use_bias, use_residual, clamp, symmetric, act_unsigned;
    float zero_share;
} test_case;

/* Fills in out_h/out_w from the padding; returns 0 when the geometry has no output. */
static int finish_shape(test_case *tc) {
    trit_conv_shape *s = &tc->s;
    const int span_h = s->in_h + s->pad_top + tc->pad_bottom - s->dilation_h * (s->kernel_h - 1);
    const int span_w = s->in_w + s->pad_left + tc->pad_right - s->dilation_w * (s->kernel_w - 1);
    if (span_h < 1 || span_w < 1) return 0;
    s->out_h = (span_h - 1) / s->stride_h + 1;
    s->out_w = (span_w - 1) / s->stride_w + 1;
    return 1;
}

/* int8_suite: the int8-activation suite's mix (more planes, mostly symmetric, int8 and uint8). */
static test_case random_case(int int8_suite) {
    static const int channels[] = {1, 2, 3, 4, 5, 7, 8, 9, 16, 17, 31, 32, 33, 64, 65, 127, 130};
    static const int spatial[] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 13, 14, 15, 16, 17, 28, 32, 33};
    test_case tc;
    for (;;) {
        memset(&tc, 0, sizeof tc);
        trit_conv_shape *s = &tc.s;
        s->batch = rnd_below(6) == 0 ? 2 : 1;
        s->kernel_h = pick((const int[]){1, 3, 3, 3, 5, 7}, 6);
        s->kernel_w = rnd_below(8) == 0 ? pick((const int[]){1, 3}, 2) : s->kernel_h;
        s->stride_h = pick((const int[]){1, 1, 2, 3}, 4);
        s->stride_w = rnd_below(6) == 0 ? pick((const int[]){1, 2}, 2) : s->stride_h;
        s->dilation_h = s->dilation_w = rnd_below(8) == 0 ? 2 : 1;
        s->pad_top = rnd_below(3) ? s->dilation_h * (s->kernel_h / 2) : rnd_below(3);
        s->pad_left = rnd_below(3) ? s->dilation_w * (s->kernel_w / 2) : rnd_below(3);
        tc.pad_bottom = rnd_below(4) ? s->pad_top : rnd_below(3);
        tc.pad_right = rnd_below(4) ? s->pad_left : rnd_below(3);
        s->in_h = pick(spatial, 17);
        s->in_w = rnd_below(3) ? s->in_h : pick(spatial, 17);
        const int kind = rnd_below(6); /* 0: depthwise, 1: grouped, else dense */
        if (kind == 0) {
            s->in_channels = s->out_channels = s->group = pick(channels, 17);
        } else if (kind == 1) {
            s->group = pick((const int[]){2, 3, 4}, 3);
            s->in_channels = s->group * (1 + rnd_below(12));
            s->out_channels = s->group * (1 + rnd_below(12));
        } else {
            s->group = 1;
            s->in_channels = pick(channels, 17);
            s->out_channels = pick(channels, 17);
        }
        if (!finish_shape(&tc)) continue;
        const double macs = (double)s->batch * s->out_channels * s->out_h * s->out_w * (s->in_channels / s->group) *
                            s->kernel_h * s->kernel_w;
        if (macs > 1.5e6) continue; /* keeps the sweep to seconds under wasm */
        if (int8_suite) tc.planes = rnd_below(4) ? 1 : 1 + rnd_below(TRIT_MAX_PLANES);
        else tc.planes = rnd_below(4) ? 1 : (rnd_below(4) ? 2 : 1 + rnd_below(TRIT_MAX_PLANES));
        tc.use_bias = rnd_below(3) != 0;
        tc.use_residual = rnd_below(2);
        tc.clamp = rnd_below(3);
        tc.zero_share = pick((const int[]){0, 30, 50, 70, 85, 95, 100}, 7) / 100.0f;
        tc.symmetric = int8_suite ? rnd_below(3) != 0 : rnd_below(3) == 0;
        if (int8_suite) tc.act_unsigned = rnd_below(2);
        return tc;
    }
}

/* A ResNet-like layer: one plane, bias, residual, ReLU, half the weights zero. */
static test_case fixed_case(int batch, int cin, int h, int w, int cout, int k, int stride, int pad, int group) {
    test_case tc;
    memset(&tc, 0, sizeof tc);
    tc.s = (trit_conv_shape){batch, cin, h, w, cout, 0, 0, k, k, stride, stride, 1, 1, pad, pad, group};
    tc.pad_bottom = tc.pad_right = pad;
    finish_shape(&tc);
    tc.planes = 1, tc.use_bias = 1, tc.use_residual = 1, tc.clamp = 1, tc.zero_share = 0.5f;
    return tc;
}

/* Random codes (a share zero) and per-channel scales for each plane, into caller-freed codes[p] and
 * scales[p] (pos then neg); some negative levels are 0, and with `prune` some whole channels. */
static void random_ternary_weights(const test_case *tc, size_t per_out, int prune, trit_ternary_weights *w,
                                   int8_t **codes, float **scales) {
    const int cout = tc->s.out_channels;
    const size_t w_count = (size_t)cout * per_out;
    w->out_channels = cout, w->per_out = per_out, w->plane_count = tc->planes;
    for (int p = 0; p < tc->planes; p++) {
        codes[p] = malloc(w_count ? w_count : 1);
        scales[p] = malloc(2 * (size_t)cout * sizeof(float));
        for (size_t i = 0; i < w_count; i++) codes[p][i] = rnd_float(0, 1) < tc->zero_share ? 0 : (rnd_below(2) ? 1 : -1);
        for (int o = 0; o < cout; o++) {
            float pos = rnd_float(0.05f, 2.0f), neg = tc->symmetric ? pos : rnd_float(0.05f, 2.0f);
            if (!tc->symmetric && rnd_below(10) == 0) neg = 0.0f; /* a quantizer with no negative level */
            if (prune && rnd_below(20) == 0) pos = neg = 0.0f;    /* a channel pruned away */
            scales[p][o] = pos;
            scales[p][cout + o] = neg;
        }
        w->planes[p].codes = codes[p];
        w->planes[p].pos_scale = scales[p];
        w->planes[p].neg_scale = scales[p] + cout;
    }
}

/* The case's epilogue: residual or not, then none, ReLU (clamp 1) or a clip to [-0.25, 0.75] (clamp 2). */
static inline trit_epilogue case_epilogue(const test_case *tc, const float *residual) {
    trit_epilogue e = {tc->use_residual ? residual : NULL, -INFINITY, INFINITY};
    if (tc->clamp == 1) e.min = 0.0f;
    if (tc->clamp == 2) e.min = -0.25f, e.max = 0.75f;
    return e;
}

/* Index of the input element under tap (ci, ky, kx) of output (n, o, oy, ox), or -1 in the padding. */
static inline long tap_input(const trit_conv_shape *s, int n, int o, int ci, int oy, int ox, int ky, int kx) {
    const int cin_g = s->in_channels / s->group, cout_g = s->out_channels / s->group;
    const int iy = oy * s->stride_h + ky * s->dilation_h - s->pad_top;
    const int ix = ox * s->stride_w + kx * s->dilation_w - s->pad_left;
    if (iy < 0 || iy >= s->in_h || ix < 0 || ix >= s->in_w) return -1;
    return (long)((((size_t)n * s->in_channels + (size_t)(o / cout_g) * cin_g + ci) * s->in_h + iy) * s->in_w + ix);
}

/* "in NxCxHxW out CxHxW k .. s .. d .. pad t,l,b,r g .. planes .. bias .. res .. clamp ..". */
static const char *case_text(const test_case *tc) {
    static char text[200];
    const trit_conv_shape *s = &tc->s;
    snprintf(text, sizeof text,
             "in %dx%dx%dx%d out %dx%dx%d k %dx%d s %d,%d d %d,%d pad %d,%d,%d,%d g %d planes %d bias %d res %d clamp %d",
             s->batch, s->in_channels, s->in_h, s->in_w, s->out_channels, s->out_h, s->out_w, s->kernel_h, s->kernel_w,
             s->stride_h, s->stride_w, s->dilation_h, s->dilation_w, s->pad_top, s->pad_left, tc->pad_bottom,
             tc->pad_right, s->group, tc->planes, tc->use_bias, tc->use_residual, tc->clamp);
    return text;
}

/* y against expect within 2e-5 * magnitude + 1e-6 (the first 3 misses reported), and nothing written
 * in the `guard` floats past y (12345 before the run). */
static inline void check_within(const char *name, const test_case *tc, const float *y, const float *expect, const double *magnitude,
                         size_t count, size_t guard) {
    int bad = 0;
    for (size_t i = 0; i < count && bad < 3; i++) {
        const double tol = 2e-5 * magnitude[i] + 1e-6;
        if (!(fabs((double)y[i] - (double)expect[i]) <= tol)) {
            bad++;
            CHECK_MSG(0, "%s: %s: y[%zu] = %.9g, expected %.9g (tol %.3g)", name, case_text(tc), i, y[i], expect[i], tol);
        }
    }
    if (!bad) CHECK(1);
    for (size_t i = count; i < count + guard; i++) CHECK_MSG(y[i] == 12345.0f, "%s wrote past y", name);
}
#endif

#endif
