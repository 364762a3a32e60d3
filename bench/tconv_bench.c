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

extern const trit_tconv_kernel bench_design_v4, bench_design_v12, bench_design_v16, bench_design_v8_tile_outer,
    bench_design_triples_always, bench_probe_int16;

/* The f32 list, then the 8-bit list (run on uint8 activations), then the design experiments. */
static int is_8bit;
static const trit_tconv_kernel *variant(int index) {
    static const trit_tconv_kernel *extra[] = {&bench_design_v4, &bench_design_v12, &bench_design_v16,
                                               &bench_design_v8_tile_outer, &bench_design_triples_always,
                                               &bench_probe_int16};
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
