/* Float 2-D convolution, direct form, NCHW.
 *
 * Accumulation order (faster variants must stay within float rounding of it):
 *   acc = 0.0f
 *   for each input channel of the output's group, ascending
 *     for kernel row kh ascending, for kernel column kw ascending
 *       skip taps that fall into padding; acc += x * w        (float, one product per add)
 *   acc += bias[o]   (bias LAST, when present)
 *   y = epilogue(acc)  (residual added, then clamp; e == NULL means none)
 */
#include "ops.h"

void trit_ref_conv2d_f32(const trit_conv_shape *s, const float *x, const float *w, const float *bias,
                         const trit_epilogue *e, float *y) {
    const int in_per_group = s->in_channels / s->group;
    const int out_per_group = s->out_channels / s->group;
    const size_t in_plane = (size_t)s->in_h * (size_t)s->in_w;
    const size_t out_plane = (size_t)s->out_h * (size_t)s->out_w;
    const size_t kernel_size = (size_t)s->kernel_h * (size_t)s->kernel_w;

    for (int n = 0; n < s->batch; n++) {
        const float *x_image = x + (size_t)n * (size_t)s->in_channels * in_plane;
        for (int o = 0; o < s->out_channels; o++) {
            const int first_in = (o / out_per_group) * in_per_group;
            const float *w_out = w + (size_t)o * (size_t)in_per_group * kernel_size;
            const size_t y_base = ((size_t)n * (size_t)s->out_channels + (size_t)o) * out_plane;
            for (int oh = 0; oh < s->out_h; oh++) {
                for (int ow = 0; ow < s->out_w; ow++) {
                    float acc = 0.0f;
                    for (int ci = 0; ci < in_per_group; ci++) {
                        const float *x_plane = x_image + (size_t)(first_in + ci) * in_plane;
                        const float *w_plane = w_out + (size_t)ci * kernel_size;
                        TRIT_FOR_EACH_TAP_INSIDE(s, oh, ow, kh, kw, ih, iw) {
                            acc += x_plane[(size_t)ih * (size_t)s->in_w + (size_t)iw] *
                                   w_plane[(size_t)kh * (size_t)s->kernel_w + (size_t)kw];
                        }
                    }
                    if (bias) acc += bias[o];
                    const size_t i = y_base + (size_t)oh * (size_t)s->out_w + (size_t)ow;
                    y[i] = e ? trit_apply_epilogue(e, i, acc) : acc;
                }
            }
        }
    }
}
