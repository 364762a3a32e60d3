/* Reference kernels (core/src/ops): hand-computed cases on small tensors, and each kernel against a
 * deliberately naive second implementation (double accumulation, explicit padded grids) over swept
 * odd sizes. */
#include <float.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "ops/ops.h"

/* ---- helpers ------------------------------------------------------------------------------------ */
static uint32_t rng_state = 12345u;
static uint32_t rng_next(void) { /* xorshift32: deterministic across platforms */
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 17;
    rng_state ^= rng_state << 5;
    return rng_state;
}
static int rng_int(int lo, int hi) { return lo + (int)(rng_next() % (uint32_t)(hi - lo + 1)); }
static float rng_float(void) { return (float)((double)(rng_next() >> 8) / 16777216.0 * 2.0 - 1.0); }
static void fill_random(float *v, size_t n) {
    for (size_t i = 0; i < n; i++) v[i] = rng_float();
}
static const trit_epilogue no_epilogue = {NULL, -INFINITY, INFINITY};

/* Largest violation of |a-b| <= abs + rel*|b| over n values, as a ratio (<= 1 passes). */
static double worst_ratio(const float *got, const double *want, size_t n, double abs_tol, double rel_tol) {
    double worst = 0.0;
    for (size_t i = 0; i < n; i++) {
        const double limit = abs_tol + rel_tol * fabs(want[i]);
        const double diff = fabs((double)got[i] - want[i]);
        const double r = isnan(diff) ? INFINITY : diff / limit;
        if (r > worst) worst = r;
    }
    return worst;
}

/* ONNX output size: floor or ceil((in + pads - dilated_kernel) / stride) + 1, and with ceil the last
 * window must start inside the input or the left padding. */
static int onnx_out_size(int in, int k, int stride, int dilation, int pad_begin, int pad_end, int ceil_mode) {
    const int span = in + pad_begin + pad_end - ((k - 1) * dilation + 1);
    if (span < 0) return 0;
    int out = (ceil_mode ? (span + stride - 1) / stride : span / stride) + 1;
    if (ceil_mode && (out - 1) * stride >= in + pad_begin) out--;
    return out;
}

/* ---- float conv -------------------------------------------------------------------------------- */
/* Naive: dense weights over all input channels (zero outside the group), explicitly zero-padded
 * input, double accumulation. */
static void naive_conv(const trit_conv_shape *s, int pad_bottom, int pad_right, const float *x, const float *w,
                       const float *bias, double *y) {
    const int ph = s->in_h + s->pad_top + pad_bottom, pw = s->in_w + s->pad_left + pad_right;
    const int icg = s->in_channels / s->group, ocg = s->out_channels / s->group;
    double *padded = xcalloc((size_t)s->batch * s->in_channels * ph * pw, sizeof(double));
    double *dense = xcalloc((size_t)s->out_channels * s->in_channels * s->kernel_h * s->kernel_w, sizeof(double));
    for (int n = 0; n < s->batch; n++)
        for (int c = 0; c < s->in_channels; c++)
            for (int h = 0; h < s->in_h; h++)
                for (int ww = 0; ww < s->in_w; ww++)
                    padded[((size_t)(n * s->in_channels + c) * ph + h + s->pad_top) * pw + ww + s->pad_left] =
                        x[((size_t)(n * s->in_channels + c) * s->in_h + h) * s->in_w + ww];
    for (int o = 0; o < s->out_channels; o++)
        for (int c = 0; c < icg; c++)
            for (int k = 0; k < s->kernel_h * s->kernel_w; k++)
                dense[((size_t)o * s->in_channels + (size_t)((o / ocg) * icg + c)) * s->kernel_h * s->kernel_w + k] =
                    w[((size_t)o * icg + c) * s->kernel_h * s->kernel_w + k];
    for (int n = 0; n < s->batch; n++)
        for (int o = 0; o < s->out_channels; o++)
            for (int oh = 0; oh < s->out_h; oh++)
                for (int ow = 0; ow < s->out_w; ow++) {
                    double acc = bias ? bias[o] : 0.0;
                    for (int c = 0; c < s->in_channels; c++)
                        for (int kh = 0; kh < s->kernel_h; kh++)
                            for (int kw = 0; kw < s->kernel_w; kw++)
                                acc += padded[((size_t)(n * s->in_channels + c) * ph + oh * s->stride_h +
                                               kh * s->dilation_h) * pw + ow * s->stride_w + kw * s->dilation_w] *
                                       dense[(((size_t)o * s->in_channels + c) * s->kernel_h + kh) * s->kernel_w + kw];
                    y[((size_t)(n * s->out_channels + o) * s->out_h + oh) * s->out_w + ow] = acc;
                }
    free(padded);
    free(dense);
}

/* A random conv geometry with odd sizes; returns 0 when the output would be empty. */
static int random_conv_shape(trit_conv_shape *s, int *pad_bottom, int *pad_right) {
    const int group_choices[] = {1, 1, 2, 3};
    s->group = group_choices[rng_int(0, 3)];
    s->batch = rng_int(1, 2);
    s->in_channels = s->group * rng_int(1, 9 / s->group);
    s->out_channels = s->group * rng_int(1, 9 / s->group);
    if (rng_int(0, 5) == 0) { /* depthwise */
        s->group = s->in_channels = s->out_channels = rng_int(1, 9);
    }
    s->in_h = rng_int(1, 9);
    s->in_w = rng_int(1, 9);
    s->kernel_h = rng_int(1, 3);
    s->kernel_w = rng_int(1, 3);
    s->stride_h = rng_int(1, 3);
    s->stride_w = rng_int(1, 3);
    s->dilation_h = rng_int(1, 2);
    s->dilation_w = rng_int(1, 2);
    s->pad_top = rng_int(0, 2);
    s->pad_left = rng_int(0, 2);
    *pad_bottom = rng_int(0, 2);
    *pad_right = rng_int(0, 2);
    s->out_h = onnx_out_size(s->in_h, s->kernel_h, s->stride_h, s->dilation_h, s->pad_top, *pad_bottom, 0);
    s->out_w = onnx_out_size(s->in_w, s->kernel_w, s->stride_w, s->dilation_w, s->pad_left, *pad_right, 0);
    return s->out_h > 0 && s->out_w > 0;
}

static void test_conv_hand(void) {
    /* 1x1x3x3 input 1..9, one 2x2 kernel [1 2; 3 4], bias 0.5, stride 1, no pad: 2x2 output. */
    const float x[9] = {1, 2, 3, 4, 5, 6, 7, 8, 9};
    const float w[4] = {1, 2, 3, 4};
    const float bias[1] = {0.5f};
    trit_conv_shape s = {1, 1, 3, 3, 1, 2, 2, 2, 2, 1, 1, 1, 1, 0, 0, 1};
    float y[4];
    trit_ref_conv2d_f32(&s, x, w, bias, &no_epilogue, y);
    /* 1+4+12+20 = 37, 2+6+15+24 = 47, 4+10+21+32 = 67, 5+12+24+36 = 77 */
    CHECK(y[0] == 37.5f && y[1] == 47.5f && y[2] == 67.5f && y[3] == 77.5f);

    /* Pad 1, stride 2: 2x2 output whose windows hang into padding. */
    trit_conv_shape sp = {1, 1, 3, 3, 1, 2, 2, 2, 2, 2, 2, 1, 1, 1, 1, 1};
    trit_ref_conv2d_f32(&sp, x, w, NULL, &no_epilogue, y);
    /* (0,0): only x[0]*w[3] = 4; (0,1): x[1]*w[2] + x[2]*w[3] = 6+12 = 18;
     * (1,0): x[3]*w[1] + x[6]*w[3] = 8+28 = 36; (1,1): 5*1+6*2+8*3+9*4 = 77 */
    CHECK(y[0] == 4.0f && y[1] == 18.0f && y[2] == 36.0f && y[3] == 77.0f);

    /* Epilogue: residual then ReLU6-style clamp. */
    const float residual[4] = {-10.0f, -20.0f, 0.0f, 1.0f};
    const trit_epilogue e = {residual, 0.0f, 20.0f};
    trit_ref_conv2d_f32(&sp, x, w, NULL, &e, y);
    CHECK(y[0] == 0.0f && y[1] == 0.0f && y[2] == 20.0f && y[3] == 20.0f);

    /* Depthwise, 2 channels, dilation 2 on a 3x3 input with a 2x2 kernel: one output each. */
    const float x2[18] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 9, 8, 7, 6, 5, 4, 3, 2, 1};
    const float w2[8] = {1, 0, 0, 1, 0, 1, 1, 0};
    trit_conv_shape sd = {1, 2, 3, 3, 2, 1, 1, 2, 2, 1, 1, 2, 2, 0, 0, 2};
    trit_ref_conv2d_f32(&sd, x2, w2, NULL, NULL, y);
    CHECK(y[0] == 1.0f + 9.0f && y[1] == 7.0f + 3.0f);
}

static void test_conv_sweep(void) {
    int configs = 0, bad = 0;
    for (int trial = 0; trial < 600; trial++) {
        trit_conv_shape s;
        int pb, pr;
        if (!random_conv_shape(&s, &pb, &pr)) continue;
        const size_t xn = (size_t)s.batch * s.in_channels * s.in_h * s.in_w;
        const size_t wn = (size_t)s.out_channels * (s.in_channels / s.group) * s.kernel_h * s.kernel_w;
        const size_t yn = (size_t)s.batch * s.out_channels * s.out_h * s.out_w;
        float *x = xcalloc(xn, sizeof(float)), *w = xcalloc(wn, sizeof(float)), *y = xcalloc(yn, sizeof(float));
        float *bias = xcalloc((size_t)s.out_channels, sizeof(float));
        double *want = xcalloc(yn, sizeof(double));
        fill_random(x, xn);
        fill_random(w, wn);
        fill_random(bias, (size_t)s.out_channels);
        const int use_bias = rng_int(0, 1);
        trit_ref_conv2d_f32(&s, x, w, use_bias ? bias : NULL, &no_epilogue, y);
        naive_conv(&s, pb, pr, x, w, use_bias ? bias : NULL, want);
        const double r = worst_ratio(y, want, yn, 1e-5, 1e-5);
        configs++;
        if (r > 1.0) {
            bad++;
            fprintf(stderr, "conv sweep: trial %d ratio %g (c %d->%d g %d, %dx%d k %dx%d s %d,%d d %d,%d)\n", trial, r,
                    s.in_channels, s.out_channels, s.group, s.in_h, s.in_w, s.kernel_h, s.kernel_w, s.stride_h,
                    s.stride_w, s.dilation_h, s.dilation_w);
        }
        free(x), free(w), free(y), free(bias), free(want);
    }
    CHECK_MSG(bad == 0, "%d of %d conv configurations differ from the naive conv", bad, configs);
    CHECK(configs > 400);
}

/* ---- ternary conv / gemm ------------------------------------------------------------------------- */
typedef struct ternary_storage {
    trit_ternary_weights w;
    int8_t *codes[TRIT_MAX_PLANES];
    float *pos[TRIT_MAX_PLANES], *neg[TRIT_MAX_PLANES];
} ternary_storage;

static void ternary_random(ternary_storage *t, int out_channels, size_t per_out, int planes, int exact_scales) {
    memset(t, 0, sizeof *t);
    t->w.out_channels = out_channels;
    t->w.per_out = per_out;
    t->w.plane_count = planes;
    for (int p = 0; p < planes; p++) {
        t->codes[p] = xcalloc((size_t)out_channels * per_out, 1);
        t->pos[p] = xcalloc((size_t)out_channels, sizeof(float));
        t->neg[p] = xcalloc((size_t)out_channels, sizeof(float));
        for (size_t i = 0; i < (size_t)out_channels * per_out; i++) t->codes[p][i] = (int8_t)rng_int(-1, 1);
        for (int o = 0; o < out_channels; o++) {
            /* exact: powers of two, so sums of small integers stay exact in float */
            t->pos[p][o] = exact_scales ? ldexpf(1.0f, rng_int(-3, 1)) : 0.05f + (rng_float() + 1.0f);
            t->neg[p][o] = exact_scales ? ldexpf(1.0f, rng_int(-3, 1)) : 0.05f + (rng_float() + 1.0f);
        }
        t->w.planes[p].codes = t->codes[p];
        t->w.planes[p].pos_scale = t->pos[p];
        t->w.planes[p].neg_scale = t->neg[p];
    }
}

static void ternary_free(ternary_storage *t) {
    for (int p = 0; p < t->w.plane_count; p++) free(t->codes[p]), free(t->pos[p]), free(t->neg[p]);
}

/* Dense float weights: sum over planes of +pos / -neg / 0. */
static float *ternary_dequantize(const ternary_storage *t) {
    const size_t n = (size_t)t->w.out_channels * t->w.per_out;
    float *w = xcalloc(n, sizeof(float));
    for (size_t i = 0; i < n; i++) {
        const int o = (int)(i / t->w.per_out);
        double v = 0.0;
        for (int p = 0; p < t->w.plane_count; p++) {
            if (t->codes[p][i] > 0) v += t->pos[p][o];
            if (t->codes[p][i] < 0) v -= t->neg[p][o];
        }
        w[i] = (float)v;
    }
    return w;
}

static void test_ternary_hand(void) {
    /* docs/FORMAT.md worked example: TTQ Wp = 0.8, Wn = 0.6, 3x3 kernel, 1 -> 2 channels. */
    const int8_t codes[18] = {1, 0, -1, 0, 0, 1, -1, -1, 0, 0, 1, 0, 0, -1, 0, 0, 0, 1};
    const float pos[2] = {0.8f, 0.8f}, neg[2] = {0.6f, 0.6f};
    trit_ternary_weights w = {2, 9, 1, {{codes, pos, neg}}};
    const float x[9] = {1, 2, 3, 4, 5, 6, 7, 8, 9};
    const float bias[2] = {0.25f, -0.25f};
    trit_conv_shape s = {1, 1, 3, 3, 2, 1, 1, 3, 3, 1, 1, 1, 1, 0, 0, 1};
    float y[2];
    trit_ref_ternary_conv2d_f32(&s, x, &w, bias, &no_epilogue, y);
    /* ch 0: 0.8*(1+6) - 0.6*(3+7+8) = 5.6 - 10.8 = -5.2; ch 1: 0.8*(2+9) - 0.6*5 = 8.8 - 3 = 5.8 */
    CHECK_NEAR(y[0], -5.2 + 0.25, 1e-6, 1e-6);
    CHECK_NEAR(y[1], 5.8 - 0.25, 1e-6, 1e-6);

    /* Two planes (residual expansion): plane 1 adds 0.5 / -0.25 on its own codes. */
    const int8_t codes1[18] = {1, 1, 1, 1, 1, 1, 1, 1, 1, -1, -1, -1, -1, -1, -1, -1, -1, -1};
    const float pos1[2] = {0.5f, 0.5f}, neg1[2] = {0.25f, 0.25f};
    trit_ternary_weights w2 = {2, 9, 2, {{codes, pos, neg}, {codes1, pos1, neg1}}};
    trit_ref_ternary_conv2d_f32(&s, x, &w2, NULL, NULL, y);
    CHECK_NEAR(y[0], -5.2 + 0.5 * 45, 1e-5, 1e-6);
    CHECK_NEAR(y[1], 5.8 - 0.25 * 45, 1e-5, 1e-6);

    /* Gemm: x [2][3], W [2][3] ternary with per-channel scales, bias, ReLU. */
    const float gx[6] = {1, 2, 3, -1, -2, -3};
    const int8_t gcodes[6] = {1, -1, 0, 1, 1, 1};
    const float gpos[2] = {2.0f, 0.5f}, gneg[2] = {1.0f, 0.5f};
    const float gbias[2] = {0.0f, 1.0f};
    trit_ternary_weights gw = {2, 3, 1, {{gcodes, gpos, gneg}}};
    const trit_epilogue relu = {NULL, 0.0f, INFINITY};
    float gy[4];
    trit_ref_ternary_gemm_f32(2, 2, 3, gx, &gw, gbias, &relu, gy);
    /* row 0: 2*1 - 1*2 = 0; 0.5*6 + 1 = 4; row 1: 2*-1 - 1*-2 = 0; 0.5*-6 + 1 = -2 -> 0 */
    CHECK(gy[0] == 0.0f && gy[1] == 4.0f && gy[2] == 0.0f && gy[3] == 0.0f);
}

static void test_ternary_sweep(void) {
    int configs = 0, bad = 0, exact_bad = 0;
    for (int trial = 0; trial < 400; trial++) {
        trit_conv_shape s;
        int pb, pr;
        if (!random_conv_shape(&s, &pb, &pr)) continue;
        const int exact = trial % 2; /* odd trials: integer inputs and power-of-two scales -> exact */
        const size_t per_out = (size_t)(s.in_channels / s.group) * s.kernel_h * s.kernel_w;
        ternary_storage t;
        ternary_random(&t, s.out_channels, per_out, rng_int(1, TRIT_MAX_PLANES), exact);
        const size_t xn = (size_t)s.batch * s.in_channels * s.in_h * s.in_w;
        const size_t yn = (size_t)s.batch * s.out_channels * s.out_h * s.out_w;
        float *x = xcalloc(xn, sizeof(float)), *y = xcalloc(yn, sizeof(float)), *yf = xcalloc(yn, sizeof(float));
        float *bias = xcalloc((size_t)s.out_channels, sizeof(float));
        double *want = xcalloc(yn, sizeof(double));
        for (size_t i = 0; i < xn; i++) x[i] = exact ? (float)rng_int(-8, 8) : rng_float();
        for (int o = 0; o < s.out_channels; o++) bias[o] = exact ? (float)rng_int(-4, 4) : rng_float();
        float *dense = ternary_dequantize(&t);
        trit_ref_ternary_conv2d_f32(&s, x, &t.w, bias, &no_epilogue, y);
        trit_ref_conv2d_f32(&s, x, dense, bias, &no_epilogue, yf);
        naive_conv(&s, pb, pr, x, dense, bias, want);
        for (size_t i = 0; i < yn; i++) {
            if (exact ? y[i] != (float)want[i] : fabsf(y[i] - yf[i]) > 1e-4f + 1e-4f * fabsf(yf[i])) {
                if (exact) exact_bad++; else bad++;
                break;
            }
        }
        configs++;
        free(x), free(y), free(yf), free(bias), free(want), free(dense);
        ternary_free(&t);
    }
    CHECK_MSG(bad == 0, "%d ternary conv configurations differ from float conv on dequantized weights", bad);
    CHECK_MSG(exact_bad == 0, "%d exact ternary conv configurations differ", exact_bad);
    CHECK(configs > 250);

    /* Ternary gemm vs float gemm (transB) on dequantized weights. */
    bad = 0;
    for (int trial = 0; trial < 100; trial++) {
        const int m = rng_int(1, 5), n = rng_int(1, 9), k = rng_int(1, 40);
        ternary_storage t;
        ternary_random(&t, n, (size_t)k, rng_int(1, 4), 0);
        float *x = xcalloc((size_t)m * k, sizeof(float)), *bias = xcalloc((size_t)n, sizeof(float));
        float *y = xcalloc((size_t)m * n, sizeof(float)), *yf = xcalloc((size_t)m * n, sizeof(float));
        fill_random(x, (size_t)m * k);
        fill_random(bias, (size_t)n);
        float *dense = ternary_dequantize(&t);
        trit_ref_ternary_gemm_f32(m, n, k, x, &t.w, bias, &no_epilogue, y);
        const trit_gemm_params gp = {m, n, k, 0, 1, 1.0f, 1.0f, 0, 1};
        trit_ref_gemm_f32(&gp, x, dense, bias, &no_epilogue, yf);
        for (int i = 0; i < m * n; i++) {
            if (fabsf(y[i] - yf[i]) > 1e-4f + 1e-4f * fabsf(yf[i])) {
                bad++;
                break;
            }
        }
        free(x), free(bias), free(y), free(yf), free(dense);
        ternary_free(&t);
    }
    CHECK_MSG(bad == 0, "%d ternary gemm configurations differ from float gemm", bad);
}

/* ---- gemm ---------------------------------------------------------------------------------------- */
static void test_gemm(void) {
    /* Hand: A [2][3], B [3][2], alpha 2, beta 0.5 with C broadcast per column [2]. */
    const float a[6] = {1, 2, 3, 4, 5, 6};
    const float b[6] = {1, 0, 0, 1, 1, 1};
    const float c[2] = {10, 20};
    float y[4];
    const trit_gemm_params p = {2, 2, 3, 0, 0, 2.0f, 0.5f, 0, 1};
    trit_ref_gemm_f32(&p, a, b, c, NULL, y);
    /* A*B = [4 5; 10 11] -> 2x + [5 10] */
    CHECK(y[0] == 13.0f && y[1] == 20.0f && y[2] == 25.0f && y[3] == 32.0f);

    int bad = 0;
    for (int trial = 0; trial < 200; trial++) {
        trit_gemm_params q;
        q.m = rng_int(1, 7), q.n = rng_int(1, 7), q.k = rng_int(1, 9);
        q.trans_a = rng_int(0, 1), q.trans_b = rng_int(0, 1);
        q.alpha = rng_float() * 2.0f, q.beta = rng_float() * 2.0f;
        const int c_kind = rng_int(0, 4); /* none, [M][N], [N], [M][1], scalar */
        q.c_stride_m = (c_kind == 1) ? (size_t)q.n : (c_kind == 3) ? 1 : 0;
        q.c_stride_n = (c_kind == 1 || c_kind == 2) ? 1 : 0;
        float *aa = xcalloc((size_t)q.m * q.k, sizeof(float)), *bb = xcalloc((size_t)q.k * q.n, sizeof(float));
        float *cc = xcalloc((size_t)q.m * q.n, sizeof(float)), *res = xcalloc((size_t)q.m * q.n, sizeof(float));
        float *yy = xcalloc((size_t)q.m * q.n, sizeof(float));
        double *want = xcalloc((size_t)q.m * q.n, sizeof(double));
        fill_random(aa, (size_t)q.m * q.k);
        fill_random(bb, (size_t)q.k * q.n);
        fill_random(cc, (size_t)q.m * q.n);
        fill_random(res, (size_t)q.m * q.n);
        const trit_epilogue e = {res, -0.5f, 0.75f};
        trit_ref_gemm_f32(&q, aa, bb, c_kind ? cc : NULL, &e, yy);
        for (int i = 0; i < q.m; i++)
            for (int j = 0; j < q.n; j++) {
                double acc = 0.0;
                for (int l = 0; l < q.k; l++) {
                    const double av = q.trans_a ? aa[l * q.m + i] : aa[i * q.k + l];
                    const double bv = q.trans_b ? bb[j * q.k + l] : bb[l * q.n + j];
                    acc += av * bv;
                }
                double v = q.alpha * acc;
                if (c_kind == 1) v += q.beta * cc[i * q.n + j];
                if (c_kind == 2) v += q.beta * cc[j];
                if (c_kind == 3) v += q.beta * cc[i];
                if (c_kind == 4) v += q.beta * cc[0];
                v += res[i * q.n + j];
                want[i * q.n + j] = v < -0.5 ? -0.5 : v > 0.75 ? 0.75 : v;
            }
        if (worst_ratio(yy, want, (size_t)q.m * q.n, 1e-5, 1e-5) > 1.0) bad++;
        free(aa), free(bb), free(cc), free(res), free(yy), free(want);
    }
    CHECK_MSG(bad == 0, "%d gemm configurations differ from the naive gemm", bad);
}

/* ---- pooling ------------------------------------------------------------------------------------- */
static void test_pool_hand(void) {
    const float x[16] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16};
    float y[9];
    /* MaxPool 2x2 stride 2 on 4x4 */
    trit_conv_shape s = {1, 1, 4, 4, 1, 2, 2, 2, 2, 2, 2, 1, 1, 0, 0, 1};
    trit_ref_maxpool_f32(&s, x, y);
    CHECK(y[0] == 6 && y[1] == 8 && y[2] == 14 && y[3] == 16);
    /* MaxPool 3x3 stride 2 pad 1 (ResNet stem) on 4x4 -> 2x2 */
    trit_conv_shape s3 = {1, 1, 4, 4, 1, 2, 2, 3, 3, 2, 2, 1, 1, 1, 1, 1};
    trit_ref_maxpool_f32(&s3, x, y);
    CHECK(y[0] == 6 && y[1] == 8 && y[2] == 14 && y[3] == 16);
    /* Padding never wins, even over negatives. */
    const float neg[4] = {-4, -3, -2, -1};
    trit_conv_shape sn = {1, 1, 2, 2, 1, 1, 1, 2, 2, 1, 1, 1, 1, 1, 1, 1};
    trit_ref_maxpool_f32(&sn, neg, y);
    CHECK(y[0] == -4);
    /* Kernel 2, dilation 2, pad 1 on a 1x1 input: both taps miss the input -> -FLT_MAX (onnxruntime). */
    const float one[1] = {5.0f};
    trit_conv_shape se = {1, 1, 1, 1, 1, 1, 1, 2, 2, 1, 1, 2, 2, 1, 1, 1};
    trit_ref_maxpool_f32(&se, one, y);
    CHECK(y[0] == -FLT_MAX);

    /* AveragePool 3x3 stride 2 pad 1 on 4x4, both counting modes; pad_bottom = pad_right = 1. */
    trit_ref_avgpool_f32(&s3, 1, 1, 1, x, y);
    /* (0,0) window covers input rows 0..1, cols 0..1: 1+2+5+6 = 14 over 9 cells */
    CHECK_NEAR(y[0], 14.0 / 9, 1e-6, 1e-6);
    CHECK_NEAR(y[3], (6 + 7 + 8 + 10 + 11 + 12 + 14 + 15 + 16) / 9.0, 1e-6, 1e-6); /* rows/cols 1..3 */
    trit_ref_avgpool_f32(&s3, 0, 1, 1, x, y);
    CHECK_NEAR(y[0], 14.0 / 4, 1e-6, 1e-6);
    /* (0,1): rows 0..1, cols 1..3 = 2+3+4+6+7+8 = 30 over 6 */
    CHECK_NEAR(y[1], 5.0, 1e-6, 1e-6);

    /* ceil_mode: 5x5 input, kernel 2 stride 2, no pad -> 3x3 with ceil; the last window covers one
     * input column plus an overhang that never counts, even with count_include_pad. */
    float x5[25];
    for (int i = 0; i < 25; i++) x5[i] = (float)(i + 1);
    trit_conv_shape sc = {1, 1, 5, 5, 1, 3, 3, 2, 2, 2, 2, 1, 1, 0, 0, 1};
    trit_ref_avgpool_f32(&sc, 1, 0, 0, x5, y);
    CHECK_NEAR(y[2], (5.0 + 10.0) / 2, 1e-6, 1e-6);
    CHECK_NEAR(y[8], 25.0, 1e-6, 1e-6);
    trit_ref_maxpool_f32(&sc, x5, y);
    CHECK(y[2] == 10 && y[8] == 25 && y[4] == 19);

    /* Global pools on 2 channels of 3 cells. */
    const float g[6] = {1, 2, 6, -1, -5, -3};
    trit_ref_global_avgpool_f32(1, 2, 3, g, y);
    CHECK(y[0] == 3.0f && y[1] == -3.0f);
    trit_ref_global_maxpool_f32(1, 2, 3, g, y);
    CHECK(y[0] == 6.0f && y[1] == -1.0f);
}

/* Naive pooling over an explicit grid that covers the padded input and any ceil_mode overhang:
 * each cell knows whether it is inside the input and inside the padded extent. */
static void naive_pool(const trit_conv_shape *s, int pad_bottom, int pad_right, int count_include_pad, int is_max,
                       const float *x, double *y) {
    const int need_h = (s->out_h - 1) * s->stride_h + (s->kernel_h - 1) * s->dilation_h + 1;
    const int need_w = (s->out_w - 1) * s->stride_w + (s->kernel_w - 1) * s->dilation_w + 1;
    const int gh = need_h > s->pad_top + s->in_h + pad_bottom ? need_h : s->pad_top + s->in_h + pad_bottom;
    const int gw = need_w > s->pad_left + s->in_w + pad_right ? need_w : s->pad_left + s->in_w + pad_right;
    double *grid = xcalloc((size_t)gh * gw, sizeof(double));
    char *in_input = xcalloc((size_t)gh * gw, 1), *in_padded = xcalloc((size_t)gh * gw, 1);
    for (int plane = 0; plane < s->batch * s->in_channels; plane++) {
        for (int i = 0; i < gh; i++)
            for (int j = 0; j < gw; j++) {
                const int ih = i - s->pad_top, iw = j - s->pad_left;
                const int inside = ih >= 0 && ih < s->in_h && iw >= 0 && iw < s->in_w;
                in_input[i * gw + j] = (char)inside;
                in_padded[i * gw + j] = (char)(i < s->pad_top + s->in_h + pad_bottom && j < s->pad_left + s->in_w + pad_right);
                grid[i * gw + j] = inside ? x[((size_t)plane * s->in_h + ih) * s->in_w + iw] : 0.0;
            }
        for (int oh = 0; oh < s->out_h; oh++)
            for (int ow = 0; ow < s->out_w; ow++) {
                double sum = 0.0, best = -INFINITY;
                int n_input = 0, n_padded = 0;
                for (int kh = 0; kh < s->kernel_h; kh++)
                    for (int kw = 0; kw < s->kernel_w; kw++) {
                        const int cell = (oh * s->stride_h + kh * s->dilation_h) * gw + ow * s->stride_w + kw * s->dilation_w;
                        n_padded += in_padded[cell];
                        if (!in_input[cell]) continue;
                        n_input++;
                        sum += grid[cell];
                        if (grid[cell] > best) best = grid[cell];
                    }
                const int divisor = count_include_pad ? n_padded : n_input;
                y[((size_t)plane * s->out_h + oh) * s->out_w + ow] =
                    is_max ? (n_input ? best : -FLT_MAX) : (divisor ? sum / divisor : 0.0);
            }
    }
    free(grid), free(in_input), free(in_padded);
}

static void test_pool_sweep(void) {
    int configs = 0, bad = 0;
    for (int trial = 0; trial < 800; trial++) {
        trit_conv_shape s;
        memset(&s, 0, sizeof s);
        s.batch = rng_int(1, 2);
        s.in_channels = s.out_channels = rng_int(1, 5);
        s.group = 1;
        s.in_h = rng_int(1, 9), s.in_w = rng_int(1, 9);
        s.kernel_h = rng_int(1, 3), s.kernel_w = rng_int(1, 3);
        s.stride_h = rng_int(1, 3), s.stride_w = rng_int(1, 3);
        s.dilation_h = rng_int(1, 2), s.dilation_w = rng_int(1, 2);
        /* ONNX requires pads smaller than the kernel */
        s.pad_top = rng_int(0, s.kernel_h - 1), s.pad_left = rng_int(0, s.kernel_w - 1);
        const int pb = rng_int(0, s.kernel_h - 1), pr = rng_int(0, s.kernel_w - 1);
        const int ceil_mode = rng_int(0, 1), include_pad = rng_int(0, 1), is_max = trial % 2;
        s.out_h = onnx_out_size(s.in_h, s.kernel_h, s.stride_h, s.dilation_h, s.pad_top, pb, ceil_mode);
        s.out_w = onnx_out_size(s.in_w, s.kernel_w, s.stride_w, s.dilation_w, s.pad_left, pr, ceil_mode);
        if (s.out_h <= 0 || s.out_w <= 0) continue;
        const size_t xn = (size_t)s.batch * s.in_channels * s.in_h * s.in_w;
        const size_t yn = (size_t)s.batch * s.in_channels * s.out_h * s.out_w;
        float *x = xcalloc(xn, sizeof(float)), *y = xcalloc(yn, sizeof(float));
        double *want = xcalloc(yn, sizeof(double));
        fill_random(x, xn);
        if (is_max) trit_ref_maxpool_f32(&s, x, y);
        else trit_ref_avgpool_f32(&s, include_pad, pb, pr, x, y);
        naive_pool(&s, pb, pr, include_pad, is_max, x, want);
        configs++;
        if (worst_ratio(y, want, yn, 1e-6, 1e-6) > 1.0) {
            bad++;
            fprintf(stderr, "pool sweep: trial %d (%s ceil %d incl %d) in %dx%d k %dx%d s %d,%d d %d,%d p %d,%d,%d,%d out %dx%d\n",
                    trial, is_max ? "max" : "avg", ceil_mode, include_pad, s.in_h, s.in_w, s.kernel_h, s.kernel_w,
                    s.stride_h, s.stride_w, s.dilation_h, s.dilation_w, s.pad_top, s.pad_left, pb, pr, s.out_h, s.out_w);
            for (size_t i = 0; i < yn; i++) if ((double)y[i] != want[i]) fprintf(stderr, "  [%zu] %g vs %g\n", i, y[i], want[i]);
        }
        free(x), free(y), free(want);
    }
    CHECK_MSG(bad == 0, "%d of %d pooling configurations differ from the naive pooling", bad, configs);
    CHECK(configs > 600);
}

/* ---- element-wise -------------------------------------------------------------------------------- */
static void test_elementwise_hand(void) {
    const float x[5] = {-2.0f, -0.5f, 0.0f, 3.0f, NAN};
    float y[5];
    trit_ref_clamp_f32(5, x, 0.0f, INFINITY, y);
    CHECK(y[0] == 0.0f && y[1] == 0.0f && y[2] == 0.0f && y[3] == 3.0f && isnan(y[4]));
    trit_ref_clamp_f32(4, x, -1.0f, 1.0f, y);
    CHECK(y[0] == -1.0f && y[1] == -0.5f && y[2] == 0.0f && y[3] == 1.0f);

    /* Affine: batch 2, 2 channels, 2 cells; scale/shift per channel, then ReLU. */
    const float ax[8] = {1, 2, 3, 4, 5, 6, 7, 8};
    const float scale[2] = {2.0f, -1.0f}, shift[2] = {-3.0f, 5.0f};
    const trit_epilogue relu = {NULL, 0.0f, INFINITY};
    float ay[8];
    trit_ref_channel_affine_f32(2, 2, 2, ax, scale, shift, &relu, ay);
    const float want[8] = {0, 1, 2, 1, 7, 9, 0, 0};
    CHECK(memcmp(ay, want, sizeof want) == 0);
}

static void test_binary_hand(void) {
    /* Float broadcasting: [2][3] + [3] and [2][1] * [1][3]. */
    const int64_t dims[2] = {2, 3};
    const float a[6] = {1, 2, 3, 4, 5, 6}, row[3] = {10, 20, 30}, col[2] = {1, -1};
    const int64_t a_st[2] = {3, 1}, row_st[2] = {0, 1}, col_st[2] = {1, 0};
    float y[6];
    trit_ref_binary(TRIT_BINARY_ADD, TRIT_FLOAT32, 2, dims, a, a_st, row, row_st, y);
    CHECK(y[0] == 11 && y[2] == 33 && y[3] == 14 && y[5] == 36);
    trit_ref_binary(TRIT_BINARY_MUL, TRIT_FLOAT32, 2, dims, col, col_st, row, row_st, y);
    CHECK(y[0] == 10 && y[2] == 30 && y[3] == -10 && y[5] == -30);
    trit_ref_binary(TRIT_BINARY_SUB, TRIT_FLOAT32, 2, dims, row, row_st, a, a_st, y);
    CHECK(y[0] == 9 && y[5] == 24);
    trit_ref_binary(TRIT_BINARY_DIV, TRIT_FLOAT32, 2, dims, a, a_st, col, col_st, y);
    CHECK(y[0] == 1 && y[5] == -6);
    /* Scalar (rank 0) */
    const float s1 = 7.0f, s2 = -2.0f;
    float sy;
    trit_ref_binary(TRIT_BINARY_MOD, TRIT_FLOAT32, 0, NULL, &s1, NULL, &s2, NULL, &sy);
    CHECK(sy == 1.0f); /* fmod: sign of the dividend */
    const float fm_a[2] = {-7.0f, 5.5f}, fm_b[2] = {3.0f, 2.0f};
    const int64_t one_dim[1] = {2}, unit[1] = {1};
    float fm_y[2];
    trit_ref_binary(TRIT_BINARY_MOD, TRIT_FLOAT32, 1, one_dim, fm_a, unit, fm_b, unit, fm_y);
    CHECK(fm_y[0] == -1.0f && fm_y[1] == 1.5f);

    /* int32 Mod (sign of the divisor), Div (truncation), by zero -> 0, INT_MIN / -1. */
    const int64_t six[1] = {6};
    const int32_t ia[6] = {-7, 7, -7, 7, 5, INT32_MIN};
    const int32_t ib[6] = {3, -3, -3, 3, 0, -1};
    int32_t iy[6];
    trit_ref_binary(TRIT_BINARY_MOD, TRIT_INT32, 1, six, ia, unit, ib, unit, iy);
    CHECK(iy[0] == 2 && iy[1] == -2 && iy[2] == -1 && iy[3] == 1 && iy[4] == 0 && iy[5] == 0);
    trit_ref_binary(TRIT_BINARY_FMOD, TRIT_INT32, 1, six, ia, unit, ib, unit, iy);
    CHECK(iy[0] == -1 && iy[1] == 1 && iy[2] == -1 && iy[3] == 1 && iy[4] == 0 && iy[5] == 0);
    trit_ref_binary(TRIT_BINARY_FMOD, TRIT_FLOAT32, 1, one_dim, fm_a, unit, fm_b, unit, fm_y);
    CHECK(fm_y[0] == -1.0f && fm_y[1] == 1.5f);
    trit_ref_binary(TRIT_BINARY_DIV, TRIT_INT32, 1, six, ia, unit, ib, unit, iy);
    CHECK(iy[0] == -2 && iy[1] == -2 && iy[2] == 2 && iy[3] == 2 && iy[4] == 0 && iy[5] == INT32_MIN);
    trit_ref_binary(TRIT_BINARY_ADD, TRIT_INT32, 1, six, ia, unit, ib, unit, iy);
    CHECK(iy[5] == INT32_MAX); /* INT32_MIN + -1 wraps */

    /* int64 corner cases */
    const int64_t la[4] = {INT64_MIN, INT64_MIN, INT64_MAX, -9};
    const int64_t lb[4] = {-1, -1, 1, 0};
    int64_t ly[4];
    const int64_t four[1] = {4};
    trit_ref_binary(TRIT_BINARY_DIV, TRIT_INT64, 1, four, la, unit, lb, unit, ly);
    CHECK(ly[0] == INT64_MIN && ly[3] == 0 && ly[2] == INT64_MAX);
    trit_ref_binary(TRIT_BINARY_MOD, TRIT_INT64, 1, four, la, unit, lb, unit, ly);
    CHECK(ly[0] == 0 && ly[2] == 0 && ly[3] == 0);
    trit_ref_binary(TRIT_BINARY_ADD, TRIT_INT64, 1, four, la, unit, lb, unit, ly);
    CHECK(ly[0] == INT64_MAX && ly[2] == INT64_MIN);
    trit_ref_binary(TRIT_BINARY_MUL, TRIT_INT64, 1, four, la, unit, lb, unit, ly);
    CHECK(ly[0] == INT64_MIN && ly[3] == 0);

    /* int8 and uint8 wrap-around, division by zero, mod signs. */
    const int8_t ca[4] = {-128, 100, -5, 7}, cb[4] = {-1, 100, 0, -2};
    int8_t cy[4];
    trit_ref_binary(TRIT_BINARY_DIV, TRIT_INT8, 1, four, ca, unit, cb, unit, cy);
    CHECK(cy[0] == -128 && cy[1] == 1 && cy[2] == 0 && cy[3] == -3);
    trit_ref_binary(TRIT_BINARY_ADD, TRIT_INT8, 1, four, ca, unit, cb, unit, cy);
    CHECK(cy[0] == 127 && cy[1] == -56 && cy[2] == -5 && cy[3] == 5);
    trit_ref_binary(TRIT_BINARY_MOD, TRIT_INT8, 1, four, ca, unit, cb, unit, cy);
    CHECK(cy[0] == 0 && cy[1] == 0 && cy[2] == 0 && cy[3] == -1);
    const uint8_t ua[4] = {3, 200, 9, 250}, ub[4] = {5, 100, 0, 7};
    uint8_t uy[4];
    trit_ref_binary(TRIT_BINARY_SUB, TRIT_UINT8, 1, four, ua, unit, ub, unit, uy);
    CHECK(uy[0] == 254 && uy[1] == 100 && uy[2] == 9 && uy[3] == 243);
    trit_ref_binary(TRIT_BINARY_MUL, TRIT_UINT8, 1, four, ua, unit, ub, unit, uy);
    CHECK(uy[0] == 15 && uy[1] == (uint8_t)(20000 % 256) && uy[2] == 0 && uy[3] == (uint8_t)(1750 % 256));
    trit_ref_binary(TRIT_BINARY_MOD, TRIT_UINT8, 1, four, ua, unit, ub, unit, uy);
    CHECK(uy[0] == 3 && uy[1] == 0 && uy[2] == 0 && uy[3] == 5);
    trit_ref_binary(TRIT_BINARY_DIV, TRIT_UINT8, 1, four, ua, unit, ub, unit, uy);
    CHECK(uy[0] == 0 && uy[1] == 2 && uy[2] == 0 && uy[3] == 35);

    /* BitShift on uint8, including amounts >= 8. */
    const uint8_t sa[4] = {0xF0, 1, 1, 0xFF}, sb[4] = {4, 7, 8, 200};
    trit_ref_binary(TRIT_BINARY_SHIFT_RIGHT, TRIT_UINT8, 1, four, sa, unit, sb, unit, uy);
    CHECK(uy[0] == 0x0F && uy[1] == 0 && uy[2] == 0 && uy[3] == 0);
    trit_ref_binary(TRIT_BINARY_SHIFT_LEFT, TRIT_UINT8, 1, four, sa, unit, sb, unit, uy);
    CHECK(uy[0] == 0 && uy[1] == 0x80 && uy[2] == 0 && uy[3] == 0);

    /* The docs/FORMAT.md unpack chain: [P][1] >> [1][4] then Mod 4 recovers the 2-bit codes. */
    const uint8_t packed[5] = {0x46, 0x09, 0x65, 0x51, 0x59};
    const uint8_t shifts[4] = {0, 2, 4, 6}, four_u8 = 4;
    const int64_t pdims[2] = {5, 4}, packed_st[2] = {1, 0}, shift_st[2] = {0, 1}, scalar_st[2] = {0, 0}, dense_st[2] = {4, 1};
    uint8_t shifted[20], codes[20];
    trit_ref_binary(TRIT_BINARY_SHIFT_RIGHT, TRIT_UINT8, 2, pdims, packed, packed_st, shifts, shift_st, shifted);
    trit_ref_binary(TRIT_BINARY_MOD, TRIT_UINT8, 2, pdims, shifted, dense_st, &four_u8, scalar_st, codes);
    const uint8_t want_codes[20] = {2, 1, 0, 1, 1, 2, 0, 0, 1, 1, 2, 1, 1, 0, 1, 1, 1, 2, 1, 1};
    CHECK(memcmp(codes, want_codes, sizeof want_codes) == 0);
}

/* Random broadcasting shapes of rank 1..4 against a flat-index implementation. */
static void test_binary_sweep(void) {
    int bad = 0;
    for (int trial = 0; trial < 300; trial++) {
        const int rank = rng_int(1, 4);
        int64_t dims[4], a_dims[4], b_dims[4], a_st[4], b_st[4];
        size_t count = 1;
        for (int d = 0; d < rank; d++) {
            dims[d] = rng_int(1, 4);
            a_dims[d] = rng_int(0, 2) == 0 ? 1 : dims[d];
            b_dims[d] = rng_int(0, 2) == 0 ? 1 : dims[d];
            count *= (size_t)dims[d];
        }
        int64_t sa = 1, sb = 1;
        for (int d = rank - 1; d >= 0; d--) {
            a_st[d] = a_dims[d] == 1 ? 0 : sa;
            b_st[d] = b_dims[d] == 1 ? 0 : sb;
            sa *= a_dims[d];
            sb *= b_dims[d];
        }
        const trit_binary_op ops[6] = {TRIT_BINARY_ADD, TRIT_BINARY_SUB, TRIT_BINARY_MUL, TRIT_BINARY_DIV,
                                       TRIT_BINARY_MOD, TRIT_BINARY_FMOD};
        const trit_binary_op op = ops[rng_int(0, 5)];
        int32_t *ai = xcalloc((size_t)sa, sizeof(int32_t)), *bi = xcalloc((size_t)sb, sizeof(int32_t));
        int32_t *yi = xcalloc(count, sizeof(int32_t));
        float *af = xcalloc((size_t)sa, sizeof(float)), *bf = xcalloc((size_t)sb, sizeof(float));
        float *yf = xcalloc(count, sizeof(float));
        for (int64_t i = 0; i < sa; i++) ai[i] = rng_int(-20, 20), af[i] = rng_float();
        for (int64_t i = 0; i < sb; i++) bi[i] = rng_int(-5, 5), bf[i] = rng_float() + 2.0f;
        trit_ref_binary(op, TRIT_INT32, rank, dims, ai, a_st, bi, b_st, yi);
        trit_ref_binary(op, TRIT_FLOAT32, rank, dims, af, a_st, bf, b_st, yf);
        for (size_t i = 0; i < count; i++) {
            size_t rest = i, ao = 0, bo = 0, a_mul = 1, b_mul = 1;
            for (int d = rank - 1; d >= 0; d--) {
                const size_t idx = rest % (size_t)dims[d];
                rest /= (size_t)dims[d];
                if (a_dims[d] != 1) ao += idx * a_mul;
                if (b_dims[d] != 1) bo += idx * b_mul;
                a_mul *= (size_t)a_dims[d];
                b_mul *= (size_t)b_dims[d];
            }
            const int32_t x = ai[ao], z = bi[bo];
            int32_t wi = 0;
            float wf = 0.0f;
            switch (op) {
            case TRIT_BINARY_ADD: wi = x + z; wf = af[ao] + bf[bo]; break;
            case TRIT_BINARY_SUB: wi = x - z; wf = af[ao] - bf[bo]; break;
            case TRIT_BINARY_MUL: wi = x * z; wf = af[ao] * bf[bo]; break;
            case TRIT_BINARY_DIV: wi = z ? x / z : 0; wf = af[ao] / bf[bo]; break;
            case TRIT_BINARY_FMOD: wi = z ? x % z : 0; wf = fmodf(af[ao], bf[bo]); break;
            default: wi = z ? (int32_t)(((x % z) + z) % z) : 0; wf = fmodf(af[ao], bf[bo]); break;
            }
            if (yi[i] != wi || yf[i] != wf) {
                bad++;
                break;
            }
        }
        free(ai), free(bi), free(yi), free(af), free(bf), free(yf);
    }
    CHECK_MSG(bad == 0, "%d broadcasting configurations differ from the flat-index implementation", bad);
}

/* ---- softmax, cast, dequantize ----------------------------------------------------------------- */
static void test_softmax(void) {
    const float x[6] = {1, 2, 3, 1000, 1000, -INFINITY};
    float y[6];
    trit_ref_softmax_f32(2, 3, x, y);
    const double sum = exp(-2.0) + exp(-1.0) + 1.0;
    CHECK_NEAR(y[0], exp(-2.0) / sum, 1e-7, 1e-6);
    CHECK_NEAR(y[1], exp(-1.0) / sum, 1e-7, 1e-6);
    CHECK_NEAR(y[2], 1.0 / sum, 1e-7, 1e-6);
    CHECK(y[3] == 0.5f && y[4] == 0.5f && y[5] == 0.0f); /* stable at large values */
}

static void test_cast(void) {
    const float f[10] = {3.7f, -3.7f, 300.0f, -300.0f, NAN, 127.9f, -128.9f, -0.5f, -129.5f, 255.5f};
    int8_t i8[10];
    trit_ref_cast(TRIT_FLOAT32, TRIT_INT8, 10, f, i8);
    CHECK(i8[0] == 3 && i8[1] == -3 && i8[2] == 127 && i8[3] == -128 && i8[4] == 0 && i8[5] == 127 &&
          i8[6] == -128 && i8[7] == 0 && i8[8] == -128 && i8[9] == 127);
    uint8_t u8[10];
    trit_ref_cast(TRIT_FLOAT32, TRIT_UINT8, 10, f, u8);
    CHECK(u8[0] == 3 && u8[1] == 0 && u8[2] == 255 && u8[3] == 0 && u8[4] == 0 && u8[5] == 127 && u8[7] == 0 &&
          u8[8] == 0 && u8[9] == 255);
    const float big[4] = {3e9f, -3e9f, 1e19f, -1e19f};
    int32_t i32[4];
    int64_t i64[4];
    trit_ref_cast(TRIT_FLOAT32, TRIT_INT32, 4, big, i32);
    CHECK(i32[0] == INT32_MAX && i32[1] == INT32_MIN);
    trit_ref_cast(TRIT_FLOAT32, TRIT_INT64, 4, big, i64);
    CHECK(i64[0] == 3000000000LL && i64[1] == -3000000000LL && i64[2] == INT64_MAX && i64[3] == INT64_MIN);
    const int64_t l[4] = {300, -1, 16777217, -129};
    trit_ref_cast(TRIT_INT64, TRIT_INT8, 4, l, i8);
    CHECK(i8[0] == 44 && i8[1] == -1 && i8[3] == 127);
    trit_ref_cast(TRIT_INT64, TRIT_UINT8, 4, l, u8);
    CHECK(u8[0] == 44 && u8[1] == 255);
    float fo[4];
    trit_ref_cast(TRIT_INT64, TRIT_FLOAT32, 4, l, fo);
    CHECK(fo[0] == 300.0f && fo[1] == -1.0f && fo[2] == 16777216.0f && fo[3] == -129.0f);
    const uint8_t codes[3] = {0, 1, 2};
    int32_t ci[3];
    trit_ref_cast(TRIT_UINT8, TRIT_INT32, 3, codes, ci);
    CHECK(ci[0] == 0 && ci[1] == 1 && ci[2] == 2);
    trit_ref_cast(TRIT_FLOAT32, TRIT_FLOAT32, 4, big, fo);
    CHECK(memcmp(fo, big, sizeof big) == 0);
}

static void test_dequantize(void) {
    const uint8_t x[3] = {0, 128, 255}, zp = 128;
    const float scale = 0.5f;
    float y[6];
    trit_ref_dequantize_linear(TRIT_UINT8, 1, 1, 3, x, &scale, &zp, y);
    CHECK(y[0] == -64.0f && y[1] == 0.0f && y[2] == 63.5f);
    const int8_t xi[6] = {-128, 0, 127, 1, 2, 3};
    const float scales[2] = {0.25f, 2.0f};
    const int8_t zps[2] = {0, -1};
    trit_ref_dequantize_linear(TRIT_INT8, 1, 2, 3, xi, scales, zps, y); /* per-axis over axis 0 of [2][3] */
    CHECK(y[0] == -32.0f && y[1] == 0.0f && y[2] == 31.75f && y[3] == 4.0f && y[4] == 6.0f && y[5] == 8.0f);
    trit_ref_dequantize_linear(TRIT_INT8, 3, 2, 1, xi, scales, NULL, y); /* axis 1 of [3][2], no zero point */
    CHECK(y[0] == -32.0f && y[1] == 0.0f && y[2] == 31.75f && y[3] == 2.0f && y[4] == 0.5f && y[5] == 6.0f);
    const int32_t x32[2] = {-1000, 1000};
    trit_ref_dequantize_linear(TRIT_INT32, 1, 1, 2, x32, &scale, NULL, y);
    CHECK(y[0] == -500.0f && y[1] == 500.0f);
}

/* ---- data movement ------------------------------------------------------------------------------- */
static void test_tensor_ops(void) {
    /* Gather axis 0 of [3][2] with [2, 0, 2]; axis 1 of [2][3] with [1]. */
    const float d[6] = {1, 2, 3, 4, 5, 6};
    const int64_t idx[3] = {2, 0, 2};
    float g[6];
    trit_ref_gather(sizeof(float), 1, 3, 2, d, idx, 3, g);
    const float want_g[6] = {5, 6, 1, 2, 5, 6};
    CHECK(memcmp(g, want_g, sizeof want_g) == 0);
    const int64_t idx1[1] = {1};
    trit_ref_gather(sizeof(float), 2, 3, 1, d, idx1, 1, g);
    CHECK(g[0] == 2 && g[1] == 5);
    /* Gather of levels by int codes, as the ternary unpack chain does. */
    const float levels[3] = {-0.6f, 0.0f, 0.8f};
    const int64_t code_idx[4] = {2, 1, 0, 1};
    trit_ref_gather(sizeof(float), 1, 3, 1, levels, code_idx, 4, g);
    CHECK(g[0] == 0.8f && g[1] == 0.0f && g[2] == -0.6f && g[3] == 0.0f);

    /* Slice [3][4] with starts [2, 3], steps [-1, -2], y [3][2]. */
    float x12[12];
    for (int i = 0; i < 12; i++) x12[i] = (float)i;
    const int64_t xd[2] = {3, 4}, st[2] = {2, 3}, sp[2] = {-1, -2}, yd[2] = {3, 2};
    float s[6];
    trit_ref_slice(sizeof(float), 2, xd, st, sp, yd, x12, s);
    const float want_s[6] = {11, 9, 7, 5, 3, 1};
    CHECK(memcmp(s, want_s, sizeof want_s) == 0);
    const int64_t st2[2] = {1, 0}, sp2[2] = {1, 3}, yd2[2] = {2, 2};
    trit_ref_slice(sizeof(float), 2, xd, st2, sp2, yd2, x12, s);
    CHECK(s[0] == 4 && s[1] == 7 && s[2] == 8 && s[3] == 11);

    /* Pad [2][3]: rows +1 before, columns -1 before (crop) and +2 after, value 9 -> [3][4]. */
    const int64_t pd[2] = {2, 3}, pads[4] = {1, -1, 0, 2};
    const float value = 9.0f;
    float p[12];
    trit_ref_pad_constant(sizeof(float), 2, pd, pads, &value, d, p);
    const float want_p[12] = {9, 9, 9, 9, 2, 3, 9, 9, 5, 6, 9, 9};
    CHECK(memcmp(p, want_p, sizeof want_p) == 0);
    /* int64 pad on rank 1 */
    const int64_t l[2] = {7, 8}, ld[1] = {2}, lpads[2] = {1, 1}, lval = -1;
    int64_t lp[4];
    trit_ref_pad_constant(sizeof(int64_t), 1, ld, lpads, &lval, l, lp);
    CHECK(lp[0] == -1 && lp[1] == 7 && lp[2] == 8 && lp[3] == -1);

    /* Concat along axis 1: [2][1] and [2][2] -> [2][3]. */
    const float c1[2] = {1, 4}, c2[4] = {2, 3, 5, 6};
    const void *inputs[2] = {c1, c2};
    const int64_t sizes[2] = {1, 2};
    float c[6];
    trit_ref_concat(sizeof(float), 2, 1, 2, inputs, sizes, c);
    CHECK(memcmp(c, d, sizeof d) == 0);
}

int main(void) {
    test_conv_hand();
    test_conv_sweep();
    test_ternary_hand();
    test_ternary_sweep();
    test_gemm();
    test_pool_hand();
    test_pool_sweep();
    test_elementwise_hand();
    test_binary_hand();
    test_binary_sweep();
    test_softmax();
    test_cast();
    test_dequantize();
    test_tensor_ops();
    return CHECK_REPORT("test_ops");
}
