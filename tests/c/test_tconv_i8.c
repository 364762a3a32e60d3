/* The int8-activation ternary conv family (trit_tconv_i8_kernels): every variant against the
 * reference, bit for bit, over a sampled sweep of shapes (channels 1..130 incl. odd ones, spatial
 * 1..33, strides 1-3, asymmetric padding, 1x1..7x7 kernels, dilation, grouped and depthwise,
 * batch 1-2, 1-4 planes, symmetric / asymmetric / zero scales, bias, residual, ReLU/clip,
 * int8 and uint8 activations, some saturating). The reference itself is checked against a naive double
 * implementation of the quantized convolution, and the quantizer against hand-computed values.
 * Each run poisons scratch and checks that nothing is written past y. */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../core/src/kernels/tconv_i8/tconv_i8.h"
#include "check.h"
#define RNG_SEED 0x2545F4914F6CDD1Dull
#define CONV_CASES
#include "conv_cases.h"
#include "split_check.h"

static void test_quantizer(void) {
    /* ONNX QuantizeLinear: round half to even, saturate to [-128, 127] */
    const float scale = 0.5f;
    const struct { float x; int q; } cases[] = {
        {0.0f, 0},     {0.25f, 0},    {0.26f, 1},    {0.75f, 2},    {1.25f, 2},     {-0.25f, 0},
        {-0.75f, -2},  {-1.25f, -2},  {63.5f, 127},  {63.75f, 127}, {100.0f, 127},  {-64.0f, -128},
        {-64.25f, -128}, {-1e30f, -128}, {1e30f, 127}, {INFINITY, 127}, {-INFINITY, -128}, {NAN, 0},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
        CHECK_MSG(trit_quantize_act(cases[i].x, scale, 0) == cases[i].q, "q(%g) = %d, expected %d", cases[i].x,
                  trit_quantize_act(cases[i].x, scale, 0), cases[i].q);
    /* uint8: [0, 255] */
    const struct { float x; int q; } ucases[] = {
        {0.0f, 0}, {-0.2f, 0}, {-5.0f, 0}, {0.75f, 2}, {63.75f, 128}, {127.25f, 254}, {127.5f, 255}, {1e9f, 255}, {NAN, 0},
    };
    for (size_t i = 0; i < sizeof ucases / sizeof ucases[0]; i++)
        CHECK_MSG(trit_quantize_act(ucases[i].x, scale, 1) == ucases[i].q, "uint8 q(%g) = %d, expected %d", ucases[i].x,
                  trit_quantize_act(ucases[i].x, scale, 1), ucases[i].q);
}

/* The quantized convolution in double: checks the reference's semantics (not its float order). */
static void naive(const trit_conv_shape *s, const float *x, const trit_ternary_weights *w, const float *bias,
                  const trit_epilogue *e, double *y, double *magnitude) {
    const int cin_g = s->in_channels / s->group;
    for (int n = 0; n < s->batch; n++)
        for (int o = 0; o < s->out_channels; o++)
            for (int oy = 0; oy < s->out_h; oy++)
                for (int ox = 0; ox < s->out_w; ox++) {
                    double sum = bias ? bias[o] : 0.0, mag = bias ? fabs(bias[o]) : 0.0;
                    for (int p = 0; p < w->plane_count; p++)
                        for (int ci = 0; ci < cin_g; ci++)
                            for (int ky = 0; ky < s->kernel_h; ky++)
                                for (int kx = 0; kx < s->kernel_w; kx++) {
                                    const long at = tap_input(s, n, o, ci, oy, ox, ky, kx);
                                    if (at < 0) continue;
                                    const int q = trit_quantize_act(x[at], w->act_scale, w->act_unsigned);
                                    const int8_t code =
                                        w->planes[p].codes[(size_t)o * w->per_out + ((size_t)ci * s->kernel_h + ky) * s->kernel_w + kx];
                                    const double wv = code == 1 ? w->planes[p].pos_scale[o]
                                                                : code == -1 ? -(double)w->planes[p].neg_scale[o] : 0.0;
                                    sum += wv * q * w->act_scale;
                                    mag += fabs(wv * q * w->act_scale);
                                }
                    const size_t i = (((size_t)n * s->out_channels + o) * s->out_h + oy) * s->out_w + ox;
                    if (e->residual) sum += e->residual[i], mag += fabs(e->residual[i]);
                    if (sum < e->min) sum = e->min;
                    if (sum > e->max) sum = e->max;
                    y[i] = sum;
                    magnitude[i] = mag;
                }
}

static int checked[8], simd_checked;

static void run_case(const test_case *tc) {
    trit_conv_shape s = tc->s;
    const size_t per_out = (size_t)(s.in_channels / s.group) * s.kernel_h * s.kernel_w;
    const size_t x_count = (size_t)s.batch * s.in_channels * s.in_h * s.in_w;
    const size_t y_count = (size_t)s.batch * s.out_channels * s.out_h * s.out_w;
    const size_t guard = 8;
    float *x = malloc(x_count * sizeof *x), *bias = malloc((size_t)s.out_channels * sizeof *bias);
    float *residual = malloc(y_count * sizeof *residual), *expect = malloc((y_count + guard) * sizeof *expect);
    float *y = malloc((y_count + guard) * sizeof *y);
    double *exact = malloc(y_count * sizeof *exact), *magnitude = malloc(y_count * sizeof *magnitude);
    int8_t *codes[TRIT_MAX_PLANES];
    float *scales[TRIT_MAX_PLANES];
    trit_ternary_weights w;
    memset(&w, 0, sizeof w);
    float max_abs = 0.0f;
    for (size_t i = 0; i < x_count; i++) {
        x[i] = rnd_float(-1.0f, 1.0f) * (rnd_below(8) == 0 ? 8.0f : 1.0f);
        if (rnd_below(4) == 0) x[i] = fmaxf(x[i], 0.0f); /* ReLU outputs too */
        max_abs = fmaxf(max_abs, fabsf(x[i]));
    }
    /* int8 or uint8; scales from "calibrated" (no saturation) to clipping a share of the inputs */
    w.act_unsigned = tc->act_unsigned;
    w.act_scale = (max_abs > 0 ? max_abs : 1.0f) / (tc->act_unsigned ? 255.0f : 127.0f) * rnd_float(0.3f, 1.2f);
    for (int o = 0; o < s.out_channels; o++) bias[o] = rnd_float(-0.5f, 0.5f);
    for (size_t i = 0; i < y_count; i++) residual[i] = rnd_float(-1.0f, 1.0f);
    random_ternary_weights(tc, per_out, 1, &w, codes, scales);
    const trit_epilogue e = case_epilogue(tc, residual);
    const float *b = tc->use_bias ? bias : NULL;

    int ref_ran = 0;
    for (int pass = 0; pass < 2; pass++) /* the reference first, then every other variant against it */
        for (int k = 0; trit_tconv_i8_kernels[k]; k++) {
            const trit_tconv_kernel *kernel = trit_tconv_i8_kernels[k];
            const int is_ref = trit_tconv_i8_kernels[k + 1] == NULL;
            if (is_ref != (pass == 0) || !kernel->supports(&s, &w)) continue;
            if (!is_ref && !ref_ran) continue;
            const size_t packed_size = kernel->packed_size(&s, &w), scratch_size = kernel->scratch_size(&s);
            CHECK_MSG(packed_size > 0 && scratch_size > 0, "%s: size 0", kernel->name);
            void *packed = malloc(packed_size ? packed_size : 1);
            unsigned char *scratch = malloc(scratch_size ? scratch_size : 1);
            memset(scratch, 0xA5, scratch_size);
            kernel->pack(&s, &w, packed);
            float *out = is_ref ? expect : y;
            for (size_t i = 0; i < y_count + guard; i++) out[i] = 12345.0f;
            kernel->run(&s, packed, x, b, &e, out, scratch);
            for (size_t i = y_count; i < y_count + guard; i++) CHECK_MSG(out[i] == 12345.0f, "%s wrote past y", kernel->name);
            check_split(kernel, &s, packed, x, b, &e, out, y_count);
            int bad = 0;
            if (is_ref) {
                naive(&s, x, &w, b, &e, exact, magnitude);
                for (size_t i = 0; i < y_count && bad < 3; i++)
                    if (!(fabs(out[i] - exact[i]) <= 1e-5 * magnitude[i] + 1e-6)) {
                        bad++;
                        CHECK_MSG(0, "%s: y[%zu] = %.9g, naive %.9g", kernel->name, i, out[i], exact[i]);
                    }
                ref_ran = 1;
            } else {
                for (size_t i = 0; i < y_count && bad < 3; i++)
                    if (memcmp(&out[i], &expect[i], sizeof(float)) != 0) {
                        bad++;
                        CHECK_MSG(0, "%s: %s: y[%zu] = %.9g, reference %.9g (not bit-identical)", kernel->name,
                                  case_text(tc), i, out[i], expect[i]);
                    }
                simd_checked++;
            }
            if (!bad) CHECK(1);
            checked[k]++;
            free(packed), free(scratch);
        }
    for (int p = 0; p < tc->planes; p++) free(codes[p]), free(scales[p]);
    free(x), free(bias), free(residual), free(expect), free(y), free(exact), free(magnitude);
}

int main(int argc, char **argv) {
    const int random_count = argc > 1 ? atoi(argv[1]) : 300;
    trit_tconv_i8_dense_always = 1; /* the dense variants on every shape they take, not only where the cost model picks them */
    test_quantizer();
    test_case fixed[] = { /* symmetric scales, as the 8-bit models have */
        fixed_case(1, 16, 32, 32, 16, 3, 1, 1, 1), fixed_case(1, 16, 32, 32, 32, 3, 2, 1, 1),
        fixed_case(1, 32, 16, 16, 64, 1, 2, 0, 1), fixed_case(1, 64, 8, 8, 64, 3, 1, 1, 1),
        fixed_case(2, 130, 7, 7, 17, 3, 1, 1, 1),  fixed_case(1, 32, 9, 9, 32, 3, 1, 1, 32),
        fixed_case(1, 5, 1, 1, 9, 1, 1, 0, 1),     fixed_case(1, 8, 1, 33, 8, 3, 1, 1, 1),
        /* 512 x 9 = 4,608 taps per channel: many 255-entry chunks per list */
        fixed_case(1, 512, 4, 4, 4, 3, 1, 1, 1),
    };
    const int fixed_count = (int)(sizeof fixed / sizeof fixed[0]);
    for (int i = 0; i < fixed_count; i++) fixed[i].symmetric = 1;
    for (int i = 0; i < fixed_count; i++) run_case(&fixed[i]);
    test_case asymmetric = fixed[0];
    asymmetric.symmetric = 0, asymmetric.planes = 2;
    run_case(&asymmetric);
    test_case dense_big = fixed[8];
    dense_big.zero_share = 0.0f; /* a list of 4,608 entries of up to |128| each: int16 chunks must not overflow */
    run_case(&dense_big);
    dense_big.act_unsigned = 1; /* and of up to 255 each */
    run_case(&dense_big);
    for (int i = 0; i < 4; i++) {
        test_case u = fixed[i];
        u.act_unsigned = 1;
        run_case(&u);
    }
    for (int i = 0; i < random_count; i++) {
        test_case tc = random_case(1);
        run_case(&tc);
    }
    const int total = random_count + fixed_count + 7;
    for (int k = 0; trit_tconv_i8_kernels[k]; k++)
        printf("  %-32s ran %d of %d cases\n", trit_tconv_i8_kernels[k]->name, checked[k], total);
#if defined(__SSE2__) || defined(__wasm_simd128__)
    CHECK_MSG(simd_checked > random_count / 2, "the SIMD variant of this build ran on only %d cases", simd_checked);
#endif
    return CHECK_REPORT("test_tconv_i8");
}
