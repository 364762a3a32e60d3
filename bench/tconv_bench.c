/* Micro-benchmark of the ternary conv variants, built as a standalone wasm module (or natively)
 * and driven by bench/tconv_bench.mjs: one layer at a time, random ternary weights with a given
 * share of zeros. The list's variants plus design experiments (the sparse kernel with 4 and 12
 * accumulators) compiled from the same sources under other names. */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../core/src/kernels/tconv/tconv.h"
#include "../core/src/kernels/tconv_i8/tconv_i8.h"

#if defined(__wasm__)
extern const trit_tconv_kernel bench_design_v4, bench_design_v12, bench_design_v16, bench_design_v8_tile_outer,
    bench_design_triples_always, bench_probe_int16;
#endif

/* The f32 list, then the 8-bit list (run on uint8 activations), then the design experiments. */
static int is_8bit;
static const trit_tconv_kernel *variant(int index) {
#if defined(__wasm__)
    static const trit_tconv_kernel *extra[] = {&bench_design_v4, &bench_design_v12, &bench_design_v16,
                                               &bench_design_v8_tile_outer, &bench_design_triples_always,
                                               &bench_probe_int16};
#else /* the design experiments are wasm builds only */
    static const trit_tconv_kernel *extra[] = {NULL};
#endif
    int listed = 0, listed8 = 0;
    while (trit_tconv_kernels[listed]) listed++;
    while (trit_tconv_i8_kernels[listed8]) listed8++;
    is_8bit = 0;
    if (index < listed) return trit_tconv_kernels[index];
    index -= listed;
    if (index < listed8) return is_8bit = 1, trit_tconv_i8_kernels[index];
    index -= listed8;
    return index < (int)(sizeof extra / sizeof extra[0]) ? extra[index] : NULL;
}

const char *bench_variant_name(int index) {
    const trit_tconv_kernel *k = variant(index);
    return k ? k->name : NULL;
}

static struct {
    trit_conv_shape shape;
    trit_ternary_weights weights;
    int8_t *codes;
    float *scales;
    const trit_tconv_kernel *kernel;
    void *packed, *scratch;
    float *x, *y, *bias;
} current;

static uint32_t seed_state;
static uint32_t rnd(void) {
    seed_state = seed_state * 1664525u + 1013904223u;
    return seed_state >> 8;
}

/* Returns the dense MAC count of one run, or 0 when the variant does not take this shape. */
double bench_setup(int variant_index, int cin, int h, int w, int cout, int k, int stride, int pad, int zero_pct) {
    free(current.packed), free(current.scratch), free(current.x), free(current.y), free(current.bias);
    free(current.codes), free(current.scales);
    seed_state = 12345u + (uint32_t)(cin * 7 + h * 131 + cout * 17 + k * 3 + stride + zero_pct * 1009);
    memset(&current, 0, sizeof current);
    trit_tconv_i8_dense_always = 1; /* time the dense variants on every layer, not only where the cost model picks them */
    /* zero_pct + 1000: TTQ-style asymmetric scales (two streams per channel for the dense variant) */
    const int asymmetric = zero_pct >= 1000;
    if (asymmetric) zero_pct -= 1000;
    trit_conv_shape s = {1, cin, h, w, cout, (h + 2 * pad - k) / stride + 1, (w + 2 * pad - k) / stride + 1,
                         k, k, stride, stride, 1, 1, pad, pad, 1};
    current.shape = s;
    size_t per_out = (size_t)cin * k * k;
    int8_t *codes = malloc((size_t)cout * per_out);
    float *scales = malloc(2 * (size_t)cout * sizeof(float));
    for (size_t i = 0; i < (size_t)cout * per_out; i++)
        codes[i] = (int)(rnd() % 100) < zero_pct ? 0 : (rnd() & 1 ? 1 : -1);
    /* symmetric per-channel scales (BN folded), like the benchmark ResNet-18 */
    for (int o = 0; o < cout; o++) scales[o] = scales[cout + o] = 0.5f + (float)(rnd() % 100) / 100.0f;
    if (asymmetric)
        for (int o = 0; o < cout; o++) scales[cout + o] = scales[o] * 0.8f;
    trit_ternary_weights tw = {cout, per_out, 1, {{codes, scales, scales + cout}}};
    const trit_tconv_kernel *kernel = variant(variant_index);
    if (is_8bit) tw.act_scale = 1.0f / 255.0f, tw.act_unsigned = 1; /* inputs in [-1, 1): ReLU-like half is kept */
    if (!kernel || !kernel->supports(&s, &tw)) {
        free(codes), free(scales);
        return 0;
    }
    current.kernel = kernel;
    current.codes = codes, current.scales = scales, current.weights = tw;
    current.packed = malloc(kernel->packed_size(&s, &tw));
    kernel->pack(&s, &tw, current.packed);
    current.scratch = malloc(kernel->scratch_size(&s) + 16);
    current.x = malloc((size_t)cin * h * w * sizeof(float));
    current.y = malloc((size_t)cout * s.out_h * s.out_w * sizeof(float));
    current.bias = malloc((size_t)cout * sizeof(float));
    for (size_t i = 0; i < (size_t)cin * h * w; i++) current.x[i] = (float)(rnd() % 2000) / 1000.0f - 1.0f;
    for (int o = 0; o < cout; o++) current.bias[o] = 0.1f;
    return (double)cout * s.out_h * s.out_w * per_out;
}

float bench_run(int iterations) {
    trit_epilogue e = {NULL, 0.0f, 1e30f};
    for (int i = 0; i < iterations; i++)
        current.kernel->run(&current.shape, current.packed, current.x, current.bias, &e, current.y, current.scratch);
    return current.y[0];
}

/* max |y - y_ref| / max |y_ref| of the current variant against the reference variant (the last in
 * the list), on the current layer: 0 up to float rounding for exact kernels, the quantisation
 * error for the int16 probe. */
double bench_error(void) {
    const trit_conv_shape *s = &current.shape;
    const size_t n = (size_t)s->out_channels * s->out_h * s->out_w;
    int last = 0;
    while (trit_tconv_kernels[last + 1]) last++;
    const trit_tconv_kernel *ref = trit_tconv_kernels[last];
    void *packed = malloc(ref->packed_size(s, &current.weights));
    ref->pack(s, &current.weights, packed);
    float *y_ref = malloc(n * sizeof(float));
    trit_epilogue e = {NULL, -1e30f, 1e30f};
    ref->run(s, packed, current.x, current.bias, &e, y_ref, NULL);
    current.kernel->run(s, current.packed, current.x, current.bias, &e, current.y, current.scratch);
    double worst = 0, top = 0;
    for (size_t i = 0; i < n; i++) {
        worst = fmax(worst, fabs((double)current.y[i] - y_ref[i]));
        top = fmax(top, fabs((double)y_ref[i]));
    }
    free(packed), free(y_ref);
    return top > 0 ? worst / top : worst;
}

#if !defined(__wasm__)
/* Native driver (make bench-kernels-native): the same layers and rounds as bench/tconv_bench.mjs,
 * the AVX2 / SSE2 variants of this machine. Arguments: variant-name substring, zeros (e.g. 22a,50;
 * "a" = asymmetric TTQ scales), layer-name substring. */
#include <stdio.h>
#include <time.h>
static double now_ms(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return 1e3 * (double)t.tv_sec + 1e-6 * (double)t.tv_nsec;
}
int main(int argc, char **argv) {
    const char *filter = argc > 1 ? argv[1] : "", *zeros_arg = argc > 2 ? argv[2] : "50,85", *layer_filter = argc > 3 ? argv[3] : "";
    static const struct { const char *name; int cin, h, w, cout, k, stride, pad; } layers[] = {
        {"r20 16x32x32 3x3 s1", 16, 32, 32, 16, 3, 1, 1}, {"r20 16->32 3x3 s2", 16, 32, 32, 32, 3, 2, 1},
        {"r20 32x16x16 3x3 s1", 32, 16, 16, 32, 3, 1, 1}, {"r20 32->64 3x3 s2", 32, 16, 16, 64, 3, 2, 1},
        {"r20 64x8x8 3x3 s1", 64, 8, 8, 64, 3, 1, 1},     {"r18 64x56x56 3x3 s1", 64, 56, 56, 64, 3, 1, 1},
        {"r18 128x28x28 3x3 s1", 128, 28, 28, 128, 3, 1, 1}, {"r18 256x14x14 3x3 s1", 256, 14, 14, 256, 3, 1, 1},
        {"r18 512x7x7 3x3 s1", 512, 7, 7, 512, 3, 1, 1},
    };
    printf("layer | zeros | variant | ms median | ms min | GMAC/s dense-eq (min)\n");
    char zbuf[64];
    snprintf(zbuf, sizeof zbuf, "%s", zeros_arg);
    for (char *z = strtok(zbuf, ","); z; z = strtok(NULL, ",")) {
        const int zero_pct = atoi(z) + (strchr(z, 'a') ? 1000 : 0);
        for (size_t li = 0; li < sizeof layers / sizeof layers[0]; li++) {
            if (!strstr(layers[li].name, layer_filter)) continue;
            double times[32][15];
            int ids[32], live = 0;
            double macs = 0;
            for (int vi = 0; bench_variant_name(vi) && live < 32; vi++)
                if (strstr(bench_variant_name(vi), filter) && !strstr(bench_variant_name(vi), "_ref") &&
                    bench_setup(vi, layers[li].cin, layers[li].h, layers[li].w, layers[li].cout, layers[li].k,
                                layers[li].stride, layers[li].pad, zero_pct) > 0)
                    ids[live++] = vi;
            for (int round = 0; round < 15; round++)
                for (int i = 0; i < live; i++) {
                    macs = bench_setup(ids[i], layers[li].cin, layers[li].h, layers[li].w, layers[li].cout, layers[li].k,
                                       layers[li].stride, layers[li].pad, zero_pct);
                    bench_run(1);
                    const double t0 = now_ms();
                    bench_run(20);
                    times[i][round] = (now_ms() - t0) / 20;
                }
            for (int i = 0; i < live; i++) {
                double sorted[15], min = 1e30;
                memcpy(sorted, times[i], sizeof sorted);
                for (int a = 0; a < 15; a++)
                    for (int b = a + 1; b < 15; b++)
                        if (sorted[b] < sorted[a]) { double t = sorted[a]; sorted[a] = sorted[b]; sorted[b] = t; }
                min = sorted[0];
                printf("%s | %s%% | %s | %.4f | %.4f | %.1f\n", layers[li].name, z, bench_variant_name(ids[i]), sorted[7], min, macs / min / 1e6);
            }
        }
    }
    return 0;
}
#endif
