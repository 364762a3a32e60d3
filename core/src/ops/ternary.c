/* Ternary conv and gemm with additions only: the MAC loop never multiplies.
 *
 * Accumulation order, per output element (faster variants must stay within float rounding of it):
 *   acc = 0.0f
 *   for plane p = 0 .. plane_count-1
 *     plus = 0.0f, minus = 0.0f
 *     for each weight position k of the output, in the codes' row-major order
 *       (conv: input channel of the group, then kernel row, then kernel column; taps in padding skipped;
 *        gemm: k ascending)
 *       code +1: plus += x;  code -1: minus += x;  code 0: nothing
 *     acc += pos_scale[o] * plus - neg_scale[o] * minus
 *   acc += bias[o]   (bias LAST, when present)
 *   y = epilogue(acc)   (e == NULL means none)
 */
#include "ops.h"

/* The plane sum of one output: pos*plus - neg*minus, planes accumulated in order. */
typedef struct plane_sums {
    float plus[TRIT_MAX_PLANES];
    float minus[TRIT_MAX_PLANES];
} plane_sums;

static float combine_planes(const trit_ternary_weights *w, int o, const plane_sums *sums) {
    float acc = 0.0f;
    for (int p = 0; p < w->plane_count; p++) {
        const float positive = w->planes[p].pos_scale[o] * sums->plus[p];
        const float negative = w->planes[p].neg_scale[o] * sums->minus[p];
        acc += positive - negative;
    }
    return acc;
}

static void add_under_code(plane_sums *sums, int p, int8_t code, float v) {
    if (code > 0) {
        sums->plus[p] += v;
    } else if (code < 0) {
        sums->minus[p] += v;
    }
}

void trit_ref_ternary_conv2d_f32(const trit_conv_shape *s, const float *x, const trit_ternary_weights *w,
                                 const float *bias, const trit_epilogue *e, float *y) {
    const int in_per_group = s->in_channels / s->group;
    const int out_per_group = s->out_channels / s->group;
    const size_t in_plane = (size_t)s->in_h * (size_t)s->in_w;
    const size_t out_plane = (size_t)s->out_h * (size_t)s->out_w;
    const size_t kernel_size = (size_t)s->kernel_h * (size_t)s->kernel_w;

    for (int n = 0; n < s->batch; n++) {
        const float *x_image = x + (size_t)n * (size_t)s->in_channels * in_plane;
        for (int o = 0; o < s->out_channels; o++) {
            const int first_in = (o / out_per_group) * in_per_group;
            const size_t y_base = ((size_t)n * (size_t)s->out_channels + (size_t)o) * out_plane;
            for (int oh = 0; oh < s->out_h; oh++) {
                for (int ow = 0; ow < s->out_w; ow++) {
                    plane_sums sums = {{0.0f}, {0.0f}};
                    for (int p = 0; p < w->plane_count; p++) {
                        const int8_t *codes = w->planes[p].codes + (size_t)o * w->per_out;
                        for (int ci = 0; ci < in_per_group; ci++) {
                            const float *x_plane = x_image + (size_t)(first_in + ci) * in_plane;
                            const int8_t *c_plane = codes + (size_t)ci * kernel_size;
                            TRIT_FOR_EACH_TAP_INSIDE(s, oh, ow, kh, kw, ih, iw) {
                                add_under_code(&sums, p, c_plane[(size_t)kh * (size_t)s->kernel_w + (size_t)kw],
                                               x_plane[(size_t)ih * (size_t)s->in_w + (size_t)iw]);
                            }
                        }
                    }
                    float acc = combine_planes(w, o, &sums);
                    if (bias) acc += bias[o];
                    const size_t i = y_base + (size_t)oh * (size_t)s->out_w + (size_t)ow;
                    y[i] = e ? trit_apply_epilogue(e, i, acc) : acc;
                }
            }
        }
    }
}

void trit_ref_ternary_gemm_f32(int m, int n, int k, const float *x, const trit_ternary_weights *w,
                               const float *bias, const trit_epilogue *e, float *y) {
    for (int row = 0; row < m; row++) {
        const float *x_row = x + (size_t)row * (size_t)k;
        for (int col = 0; col < n; col++) {
            plane_sums sums = {{0.0f}, {0.0f}};
            for (int p = 0; p < w->plane_count; p++) {
                const int8_t *codes = w->planes[p].codes + (size_t)col * w->per_out;
                for (int kk = 0; kk < k; kk++) add_under_code(&sums, p, codes[kk], x_row[kk]);
            }
            float acc = combine_planes(w, col, &sums);
            if (bias) acc += bias[col];
            const size_t i = (size_t)row * (size_t)n + (size_t)col;
            y[i] = e ? trit_apply_epilogue(e, i, acc) : acc;
        }
    }
}
