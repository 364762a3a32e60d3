/* Pooling, NCHW. Window of output (oh, ow) covers input rows oh*stride_h - pad_top + kh*dilation_h,
 * kh = 0..kernel_h-1 (columns alike).
 *   MaxPool: the largest of the cells inside the input (padding never wins). NaN cells are skipped,
 *            as in onnxruntime (`v > best`). A window with no cell inside the input (possible with
 *            dilation, e.g. kernel 2, dilation 2, pad 1 on a 1-pixel input) gives -FLT_MAX, which is
 *            onnxruntime's result (it starts from numeric_limits<float>::lowest()).
 *   AveragePool: sum of the cells inside the input, in row-major window order, divided by
 *            - count_include_pad: the window cells inside the padded extent
 *              [-pad_top, in_h + pad_bottom) x [-pad_left, in_w + pad_right) (ceil_mode overhang excluded)
 *            - otherwise: the window cells inside the input.
 *            A window with nothing to count gives 0.
 *   Global pools: sum (or max) over the plane in memory order; the average is sum / count.
 */
#include <float.h>
#include <math.h>

#include "ops.h"

/* MaxPool at output (oh, ow) of one plane. */
static float max_cell(const trit_conv_shape *s, const float *x_plane, int oh, int ow) {
    float best = -INFINITY;
    int inside = 0;
    TRIT_FOR_EACH_TAP_INSIDE(s, oh, ow, kh, kw, ih, iw) {
        const float v = x_plane[(size_t)ih * (size_t)s->in_w + (size_t)iw];
        inside++;
        if (v > best) best = v;
    }
    return inside ? best : -FLT_MAX;
}

/* AveragePool's divisor: what counts as inside (see above). */
typedef struct avg_counting {
    int count_include_pad, pad_bottom, pad_right;
} avg_counting;

/* AveragePool at output (oh, ow) of one plane. */
static float avg_cell(const trit_conv_shape *s, const avg_counting *c, const float *x_plane, int oh, int ow) {
    float sum = 0.0f;
    int inside = 0, inside_padded = 0;
    for (int kh = 0; kh < s->kernel_h; kh++) {
        const int ih = oh * s->stride_h - s->pad_top + kh * s->dilation_h;
        if (ih < -s->pad_top || ih >= s->in_h + c->pad_bottom) continue;
        for (int kw = 0; kw < s->kernel_w; kw++) {
            const int iw = ow * s->stride_w - s->pad_left + kw * s->dilation_w;
            if (iw < -s->pad_left || iw >= s->in_w + c->pad_right) continue;
            inside_padded++;
            if (ih < 0 || ih >= s->in_h || iw < 0 || iw >= s->in_w) continue;
            inside++;
            sum += x_plane[(size_t)ih * (size_t)s->in_w + (size_t)iw];
        }
    }
    const int divisor = c->count_include_pad ? inside_padded : inside;
    return divisor > 0 ? sum / (float)divisor : 0.0f;
}

/* The float pools, plane by plane and cell by cell: AveragePool where `avg` is given, else MaxPool. */
static void pool_f32(const trit_conv_shape *s, const avg_counting *avg, const float *x, float *y) {
    const size_t in_plane = (size_t)s->in_h * (size_t)s->in_w;
    const size_t out_plane = (size_t)s->out_h * (size_t)s->out_w;
    const size_t planes = (size_t)s->batch * (size_t)s->in_channels;
    for (size_t plane = 0; plane < planes; plane++) {
        const float *x_plane = x + plane * in_plane;
        float *y_plane = y + plane * out_plane;
        for (int oh = 0; oh < s->out_h; oh++)
            for (int ow = 0; ow < s->out_w; ow++)
                y_plane[(size_t)oh * (size_t)s->out_w + (size_t)ow] =
                    avg ? avg_cell(s, avg, x_plane, oh, ow) : max_cell(s, x_plane, oh, ow);
    }
}

void trit_ref_maxpool_f32(const trit_conv_shape *s, const float *x, float *y) { pool_f32(s, NULL, x, y); }

void trit_ref_maxpool_8bit(const trit_conv_shape *s, int is_signed, const void *x, void *y) {
    const size_t in_plane = (size_t)s->in_h * (size_t)s->in_w;
    const size_t out_plane = (size_t)s->out_h * (size_t)s->out_w;
    const size_t planes = (size_t)s->batch * (size_t)s->in_channels;
    for (size_t plane = 0; plane < planes; plane++) {
        for (int oh = 0; oh < s->out_h; oh++) {
            for (int ow = 0; ow < s->out_w; ow++) {
                int best = is_signed ? -128 : 0;
                TRIT_FOR_EACH_TAP_INSIDE(s, oh, ow, kh, kw, ih, iw) {
                    const size_t at = plane * in_plane + (size_t)ih * (size_t)s->in_w + (size_t)iw;
                    const int v = is_signed ? ((const int8_t *)x)[at] : ((const uint8_t *)x)[at];
                    if (v > best) best = v;
                }
                const size_t to = plane * out_plane + (size_t)oh * (size_t)s->out_w + (size_t)ow;
                if (is_signed) ((int8_t *)y)[to] = (int8_t)best;
                else ((uint8_t *)y)[to] = (uint8_t)best;
            }
        }
    }
}

void trit_ref_avgpool_f32(const trit_conv_shape *s, int count_include_pad, int pad_bottom, int pad_right,
                          const float *x, float *y) {
    const avg_counting counting = {count_include_pad, pad_bottom, pad_right};
    pool_f32(s, &counting, x, y);
}

void trit_ref_global_avgpool_f32(int batch, int channels, size_t spatial, const float *x, float *y) {
    const size_t planes = (size_t)batch * (size_t)channels;
    for (size_t plane = 0; plane < planes; plane++) {
        float sum = 0.0f;
        for (size_t i = 0; i < spatial; i++) sum += x[plane * spatial + i];
        y[plane] = spatial > 0 ? sum / (float)spatial : 0.0f;
    }
}

void trit_ref_global_maxpool_f32(int batch, int channels, size_t spatial, const float *x, float *y) {
    const size_t planes = (size_t)batch * (size_t)channels;
    for (size_t plane = 0; plane < planes; plane++) {
        float best = -INFINITY;
        for (size_t i = 0; i < spatial; i++) {
            const float v = x[plane * spatial + i];
            if (v > best) best = v;
        }
        y[plane] = best;
    }
}
