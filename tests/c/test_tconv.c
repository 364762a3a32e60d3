/* Every variant of the ternary conv family (trit_tconv_kernels), and of the float conv family
 * (trit_fconv_kernels, same sweep with float weights), against a naive reference over
 * a sampled sweep of shapes: channels 1..130 (odd ones too), spatial 1..33, strides 1/2,
 * padding (asymmetric too), 1x1/3x3/7x7 kernels, dilation, grouped and depthwise, batch 1-2,
 * 1-2 planes (up to 4 sometimes), asymmetric and zero scales, with and without bias, residual and
 * ReLU/clip epilogues.
 *
 * Tolerance: SIMD variants sum in another order than the reference (and chain the scales), so
 * float results cannot match bit for bit. Each output must be within 2e-5 of the sum of the
 * magnitudes of its terms (|w·x| over every tap, |bias|, |residual|) plus 1e-6: float rounding of
 * a re-ordered sum of up to ~1,200 terms stays well inside that, a wrong tap or scale does not.
 *
 * Each run also poisons the scratch memory with NaN and checks that no byte past y is written.
 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../core/src/kernels/fconv/fconv.h"
#include "../../core/src/kernels/pool/pool.h"
#include "../../core/src/kernels/tconv/tconv.h"
#include "check.h"
#define RNG_SEED 0x9E3779B97F4A7C15ull
#define CONV_CASES
#include "conv_cases.h"
#include "split_check.h"

/* Straightforward loops in double: the ground truth, and the magnitude each output's error is
 * measured against. */
static void naive(const trit_conv_shape *s, const float *x, const trit_ternary_weights *w, const float *bias,
                  const trit_epilogue *e, float *y, double *magnitude) {
    const int cin_g = s->in_channels / s->group;
    for (int n = 0; n < s->batch; n++)
        for (int o = 0; o < s->out_channels; o++) {
            for (int oy = 0; oy < s->out_h; oy++)
                for (int ox = 0; ox < s->out_w; ox++) {
                    double sum = bias ? bias[o] : 0.0, mag = bias ? fabs(bias[o]) : 0.0;
                    for (int p = 0; p < w->plane_count; p++) {
                        const trit_ternary_plane *pl = &w->planes[p];
                        double plus = 0, minus = 0, plus_mag = 0, minus_mag = 0;
                        for (int ci = 0; ci < cin_g; ci++)
                            for (int ky = 0; ky < s->kernel_h; ky++)
                                for (int kx = 0; kx < s->kernel_w; kx++) {
                                    const long at = tap_input(s, n, o, ci, oy, ox, ky, kx);
                                    if (at < 0) continue;
                                    const double v = x[at];
                                    const int8_t code =
                                        pl->codes[(size_t)o * w->per_out + ((size_t)ci * s->kernel_h + ky) * s->kernel_w + kx];
                                    if (code == 1) plus += v, plus_mag += fabs(v);
                                    if (code == -1) minus += v, minus_mag += fabs(v);
                                }
                        sum += pl->pos_scale[o] * plus - pl->neg_scale[o] * minus;
                        mag += fabs(pl->pos_scale[o]) * plus_mag + fabs(pl->neg_scale[o]) * minus_mag;
                    }
                    const size_t i = (((size_t)n * s->out_channels + o) * s->out_h + oy) * s->out_w + ox;
                    if (e->residual) mag += fabs(e->residual[i]);
                    y[i] = trit_apply_epilogue(e, i, (float)sum);
                    if (magnitude) magnitude[i] = mag;
                }
        }
}

static int variant_supported[16];
static int variant_checked[16];

static void run_case(const test_case *tc) {
    trit_conv_shape s = tc->s;
    const size_t per_out = (size_t)(s.in_channels / s.group) * s.kernel_h * s.kernel_w;
    const size_t x_count = (size_t)s.batch * s.in_channels * s.in_h * s.in_w;
    const size_t y_count = (size_t)s.batch * s.out_channels * s.out_h * s.out_w;
    float *x = malloc(x_count * sizeof *x), *bias = malloc((size_t)s.out_channels * sizeof *bias);
    float *residual = malloc(y_count * sizeof *residual), *expect = malloc(y_count * sizeof *expect);
    double *magnitude = malloc(y_count * sizeof *magnitude);
    const size_t guard = 8;
    float *y = malloc((y_count + guard) * sizeof *y);
    int8_t *codes[TRIT_MAX_PLANES];
    float *scales[TRIT_MAX_PLANES];
    trit_ternary_weights w;
    memset(&w, 0, sizeof w);
    for (size_t i = 0; i < x_count; i++) x[i] = rnd_float(-1.0f, 1.0f) * (rnd_below(8) == 0 ? 8.0f : 1.0f);
    for (int o = 0; o < s.out_channels; o++) bias[o] = rnd_float(-0.5f, 0.5f);
    for (size_t i = 0; i < y_count; i++) residual[i] = rnd_float(-1.0f, 1.0f);
    random_ternary_weights(tc, per_out, 0, &w, codes, scales);
    const trit_epilogue e = case_epilogue(tc, residual);
    naive(&s, x, &w, tc->use_bias ? bias : NULL, &e, expect, magnitude);

    for (int k = 0; trit_tconv_kernels[k]; k++) {
        const trit_tconv_kernel *kernel = trit_tconv_kernels[k];
        if (!kernel->supports(&s, &w)) continue;
        variant_supported[k]++;
        size_t packed_size = kernel->packed_size(&s, &w), scratch_size = kernel->scratch_size(&s);
        CHECK_MSG(packed_size > 0, "%s: packed_size 0", kernel->name);
        void *packed = malloc(packed_size ? packed_size : 1);
        float *scratch = malloc(scratch_size ? scratch_size : 1);
        for (size_t i = 0; i < scratch_size / sizeof(float); i++) scratch[i] = NAN;
        kernel->pack(&s, &w, packed);
        for (size_t i = 0; i < y_count + guard; i++) y[i] = 12345.0f;
        kernel->run(&s, packed, x, tc->use_bias ? bias : NULL, &e, y, scratch);
        check_within(kernel->name, tc, y, expect, magnitude, y_count, guard);
        check_split(kernel, &s, packed, x, tc->use_bias ? bias : NULL, &e, y, y_count);
        variant_checked[k]++;
        free(packed);
        free(scratch);
    }
    for (int p = 0; p < tc->planes; p++) free(codes[p]), free(scales[p]);
    free(x), free(bias), free(residual), free(expect), free(magnitude), free(y);
}

/* The float conv family on the same shapes: float weights, naive double reference. */
static int fvariant_checked[16];

static void run_float_case(const test_case *tc) {
    const trit_conv_shape s = tc->s;
    const size_t per_out = (size_t)(s.in_channels / s.group) * s.kernel_h * s.kernel_w;
    const size_t x_count = (size_t)s.batch * s.in_channels * s.in_h * s.in_w;
    const size_t y_count = (size_t)s.batch * s.out_channels * s.out_h * s.out_w;
    const size_t w_count = (size_t)s.out_channels * per_out, guard = 8;
    float *x = malloc(x_count * sizeof *x), *w = malloc(w_count * sizeof *w), *bias = malloc(s.out_channels * sizeof *bias);
    float *residual = malloc(y_count * sizeof *residual), *expect = malloc(y_count * sizeof *expect);
    float *y = malloc((y_count + guard) * sizeof *y);
    double *magnitude = malloc(y_count * sizeof *magnitude);
    for (size_t i = 0; i < x_count; i++) x[i] = rnd_float(-1.0f, 1.0f);
    for (size_t i = 0; i < w_count; i++) w[i] = rnd_below(4) == 0 ? 0.0f : rnd_float(-1.0f, 1.0f);
    for (int o = 0; o < s.out_channels; o++) bias[o] = rnd_float(-0.5f, 0.5f);
    for (size_t i = 0; i < y_count; i++) residual[i] = rnd_float(-1.0f, 1.0f);
    trit_epilogue e = {tc->use_residual ? residual : NULL, tc->clamp ? 0.0f : -INFINITY, INFINITY};
    const int cin_g = s.in_channels / s.group;
    for (int n = 0; n < s.batch; n++)
        for (int o = 0; o < s.out_channels; o++)
            for (int oy = 0; oy < s.out_h; oy++)
                for (int ox = 0; ox < s.out_w; ox++) {
                    double sum = tc->use_bias ? bias[o] : 0.0, mag = fabs(sum);
                    for (int ci = 0; ci < cin_g; ci++)
                        for (int ky = 0; ky < s.kernel_h; ky++)
                            for (int kx = 0; kx < s.kernel_w; kx++) {
                                const long at = tap_input(&s, n, o, ci, oy, ox, ky, kx);
                                if (at < 0) continue;
                                const double v = x[at];
                                const double wv = w[(size_t)o * per_out + ((size_t)ci * s.kernel_h + ky) * s.kernel_w + kx];
                                sum += v * wv, mag += fabs(v * wv);
                            }
                    const size_t i = (((size_t)n * s.out_channels + o) * s.out_h + oy) * s.out_w + ox;
                    if (e.residual) mag += fabs(e.residual[i]);
                    expect[i] = trit_apply_epilogue(&e, i, (float)sum);
                    magnitude[i] = mag;
                }
    for (int k = 0; trit_fconv_kernels[k]; k++) {
        const trit_fconv_kernel *kernel = trit_fconv_kernels[k];
        if (!kernel->supports(&s)) continue;
        size_t packed_size = kernel->packed_size(&s), scratch_size = kernel->scratch_size(&s);
        CHECK_MSG(packed_size > 0, "%s: packed_size 0", kernel->name);
        void *packed = malloc(packed_size ? packed_size : 1);
        float *scratch = malloc(scratch_size ? scratch_size : 1);
        for (size_t i = 0; i < scratch_size / sizeof(float); i++) scratch[i] = NAN;
        kernel->pack(&s, w, packed);
        for (size_t i = 0; i < y_count + guard; i++) y[i] = 12345.0f;
        kernel->run(&s, packed, x, tc->use_bias ? bias : NULL, &e, y, scratch);
        check_within(kernel->name, tc, y, expect, magnitude, y_count, guard);
        fvariant_checked[k]++;
        free(packed), free(scratch);
    }
    free(x), free(w), free(bias), free(residual), free(expect), free(y), free(magnitude);
}

/* SIMD max pooling against the reference: bit-exact (max does not round). */
static int maxpool_checked;

static void run_maxpool_case(const test_case *tc) {
    trit_conv_shape s = tc->s;
    s.out_channels = s.in_channels;
    s.group = 1;
    const size_t x_count = (size_t)s.batch * s.in_channels * s.in_h * s.in_w;
    const size_t y_count = (size_t)s.batch * s.out_channels * s.out_h * s.out_w;
    float *x = malloc(x_count * sizeof *x), *y = malloc((y_count + 4) * sizeof *y), *expect = malloc(y_count * sizeof *expect);
    for (size_t i = 0; i < x_count; i++) x[i] = rnd_float(-1.0f, 1.0f);
    if (x_count > 3) x[x_count / 3] = NAN; /* never wins, in both */
    size_t scratch_size = trit_maxpool_f32_scratch_size(&s);
    float *scratch = malloc(scratch_size ? scratch_size : 1);
    for (size_t i = 0; i < scratch_size / sizeof(float); i++) scratch[i] = NAN;
    trit_ref_maxpool_f32(&s, x, expect);
    for (size_t i = 0; i < y_count + 4; i++) y[i] = 12345.0f;
    trit_maxpool_f32(&s, x, y, scratch);
    int bad = 0;
    for (size_t i = 0; i < y_count && bad < 3; i++)
        if (memcmp(&y[i], &expect[i], sizeof(float)) != 0) {
            bad++;
            CHECK_MSG(0, "maxpool in %dx%dx%d k %dx%d s %d,%d pad %d,%d: y[%zu] = %.9g, expected %.9g", s.in_channels,
                      s.in_h, s.in_w, s.kernel_h, s.kernel_w, s.stride_h, s.stride_w, s.pad_top, s.pad_left, i, y[i], expect[i]);
        }
    if (!bad) CHECK(1);
    for (size_t i = y_count; i < y_count + 4; i++) CHECK_MSG(y[i] == 12345.0f, "maxpool wrote past y");
    if (scratch_size) maxpool_checked++;
    free(x), free(y), free(expect), free(scratch);
}

int main(int argc, char **argv) {
    int random_count = argc > 1 ? atoi(argv[1]) : 300;
    /* The layer shapes the ResNets use, then the random sweep. */
    const test_case fixed[] = {
        fixed_case(1, 16, 32, 32, 16, 3, 1, 1, 1), fixed_case(1, 16, 32, 32, 32, 3, 2, 1, 1),
        fixed_case(1, 32, 16, 16, 64, 1, 2, 0, 1), fixed_case(1, 64, 8, 8, 64, 3, 1, 1, 1),
        fixed_case(1, 3, 33, 33, 8, 7, 2, 3, 1),   fixed_case(2, 130, 7, 7, 17, 3, 1, 1, 1),
        fixed_case(1, 32, 9, 9, 32, 3, 1, 1, 32),  fixed_case(1, 5, 1, 1, 9, 1, 1, 0, 1),
        fixed_case(1, 8, 1, 33, 8, 3, 1, 1, 1),    fixed_case(1, 8, 33, 1, 8, 3, 2, 1, 1),
    };
    for (size_t i = 0; i < sizeof fixed / sizeof fixed[0]; i++) run_case(&fixed[i]);
    test_case all_zero = fixed_case(1, 4, 6, 6, 4, 3, 1, 1, 1);
    all_zero.zero_share = 1.0f;
    run_case(&all_zero);
    for (int i = 0; i < random_count; i++) {
        test_case tc = random_case(0);
        run_case(&tc);
        if (i % 2 == 0) run_float_case(&tc);
        if (i % 3 == 0) run_maxpool_case(&tc);
    }
    run_float_case(&fixed[4]); /* the 7x7 stride-2 stem */
    test_case stem_pool = fixed_case(1, 64, 112, 112, 64, 3, 2, 1, 1);
    run_maxpool_case(&stem_pool);
    printf("  %-32s ran %d cases\n", "trit_maxpool_f32 (SIMD path)", maxpool_checked);
    for (int k = 0; trit_fconv_kernels[k]; k++)
        printf("  %-32s ran %d float cases\n", trit_fconv_kernels[k]->name, fvariant_checked[k]);
    for (int k = 0; trit_tconv_kernels[k]; k++)
        printf("  %-32s ran %d of %d cases\n", trit_tconv_kernels[k]->name, variant_checked[k],
               random_count + (int)(sizeof fixed / sizeof fixed[0]) + 1);
    /* the SIMD variant of this build must have taken part, or this test proves nothing about it */
    int simd_ran = 0, scalar_ran = 0, scalar_listed = 0;
    for (int k = 0; trit_tconv_kernels[k]; k++) {
        const char *name = trit_tconv_kernels[k]->name;
        const int most = variant_checked[k] > random_count / 2;
        if (strstr(name, "sparse") && !strstr(name, "__scalar") && most) simd_ran++;
        if (strstr(name, "__scalar")) scalar_listed++, scalar_ran += most;
    }
    for (int k = 0; trit_fconv_kernels[k]; k++) {
        const char *name = trit_fconv_kernels[k]->name;
        const int most = fvariant_checked[k] > random_count / 4;
        if (strstr(name, "dense") && !strstr(name, "__scalar") && most) simd_ran++;
        if (strstr(name, "__scalar")) scalar_listed++, scalar_ran += most;
    }
    /* the plain-C variants (listed in every build but wasm SIMD128) run on most cases too */
#if !defined(__wasm_simd128__)
    CHECK_MSG(scalar_listed == 2 && scalar_ran == 2, "the scalar variants did not run on most cases");
#else
    (void)scalar_ran, (void)scalar_listed;
#endif
#if defined(__SSE2__) || defined(__wasm_simd128__)
    if (maxpool_checked > random_count / 6) simd_ran++;
    CHECK_MSG(simd_ran >= 3, "the SIMD variants of this build did not run on most cases"); /* 4 where AVX2 is listed too */
#else
    (void)simd_ran;
#endif
    return CHECK_REPORT("test_tconv");
}
