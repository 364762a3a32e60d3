/* The reference variant of the int8-activation ternary conv family: unpacked codes and scales (the
 * f32 reference's packing, tconv_ref.c), the input quantized once per image into scratch, then
 * straightforward loops with integer sums (the semantics in tconv_i8.h). Every other variant must
 * match it bit for bit. */
#include "../../alloc.h"
#include "tconv_i8.h"

static int i8ref_supports(const trit_conv_shape *shape, const trit_ternary_weights *w) {
    (void)shape;
    return w->act_scale > 0.0f && w->act_scale <= 3.0e38f;
}

/* One quantized input image (int16: int8 and uint8 values alike). */
static size_t i8ref_scratch_size(const trit_conv_shape *s) {
    size_t plane, image, bytes;
    if (!trit_size_mul((size_t)s->in_h, (size_t)s->in_w, &plane) || !trit_size_mul(plane, (size_t)s->in_channels, &image) ||
        !trit_size_mul(image, sizeof(int16_t), &bytes))
        return 0;
    return bytes ? bytes : 1;
}

static void i8ref_run(const trit_conv_shape *s, const void *packed, const float *x, const float *bias,
                      const trit_epilogue *e, float *y, void *scratch) {
    trit_ternary_weights w;
    trit_tconv_ref_unpack(packed, &w);
    const int cin_g = s->in_channels / s->group, cout_g = s->out_channels / s->group;
    const size_t in_plane = (size_t)s->in_h * (size_t)s->in_w, out_plane = (size_t)s->out_h * (size_t)s->out_w;
    const size_t kk = (size_t)s->kernel_h * (size_t)s->kernel_w, in_image = (size_t)s->in_channels * in_plane;
    int16_t *q = scratch;
    for (int n = 0; n < s->batch; n++) {
        for (size_t i = 0; i < in_image; i++)
            q[i] = (int16_t)trit_quantize_act(x[(size_t)n * in_image + i], w.act_scale, w.act_unsigned);
        for (int o = 0; o < s->out_channels; o++) {
            const int first_in = (o / cout_g) * cin_g;
            const size_t y_base = ((size_t)n * (size_t)s->out_channels + (size_t)o) * out_plane;
            for (int oh = 0; oh < s->out_h; oh++)
                for (int ow = 0; ow < s->out_w; ow++) {
                    float acc = 0.0f;
                    for (int p = 0; p < w.plane_count; p++) {
                        const int8_t *codes = w.planes[p].codes + (size_t)o * w.per_out;
                        int64_t plus = 0, minus = 0;
                        size_t plus_codes = 0, minus_codes = 0;
                        for (int ci = 0; ci < cin_g; ci++)
                            for (int kh = 0; kh < s->kernel_h; kh++)
                                for (int kw = 0; kw < s->kernel_w; kw++) {
                                    const int8_t code = codes[(size_t)ci * kk + (size_t)kh * (size_t)s->kernel_w + (size_t)kw];
                                    if (code != 1 && code != -1) continue;
                                    const int ih = oh * s->stride_h - s->pad_top + kh * s->dilation_h;
                                    const int iw = ow * s->stride_w - s->pad_left + kw * s->dilation_w;
                                    int v = 0; /* padding */
                                    if (ih >= 0 && ih < s->in_h && iw >= 0 && iw < s->in_w)
                                        v = q[(size_t)(first_in + ci) * in_plane + (size_t)ih * (size_t)s->in_w + (size_t)iw];
                                    if (code == 1) plus += v, plus_codes++;
                                    else minus += v, minus_codes++;
                                }
                        const float pos = w.planes[p].pos_scale[o], neg = w.planes[p].neg_scale[o];
                        if (pos == neg) {
                            if (plus_codes + minus_codes && pos != 0.0f)
                                acc = acc + (float)(plus - minus) * (pos * w.act_scale);
                        } else {
                            if (plus_codes && pos != 0.0f) acc = acc + (float)plus * (pos * w.act_scale);
                            if (minus_codes && neg != 0.0f) acc = acc + (float)minus * -(neg * w.act_scale);
                        }
                    }
                    const size_t i = y_base + (size_t)oh * (size_t)s->out_w + (size_t)ow;
                    y[i] = trit_apply_epilogue(e, i, acc + (bias ? bias[o] : 0.0f));
                }
        }
    }
}

const trit_tconv_kernel trit_tconv_i8_ref = {
    "tconv_i8_ref", i8ref_supports, trit_tconv_ref_packed_size, trit_tconv_ref_pack, i8ref_scratch_size, i8ref_run, NULL, NULL, NULL, NULL, NULL, NULL,
};
