/* The reference variant of the int8-activation ternary conv family: unpacked codes and scales, the
 * input quantized once per image into scratch, then straightforward loops with integer sums (the
 * semantics in tconv_i8.h). Every other variant must match it bit for bit. */
#include <string.h>

#include "../../alloc.h"
#include "tconv_i8.h"

/* Packed blob: the weights struct (pointers rebuilt at run time), then per plane the pos [oc] and
 * neg [oc] floats and the codes [oc * per_out] int8. */
typedef struct i8ref_header {
    trit_ternary_weights weights;
    size_t plane_offset[TRIT_MAX_PLANES];
} i8ref_header;

static int i8ref_supports(const trit_conv_shape *shape, const trit_ternary_weights *w) {
    (void)shape;
    return w->act_scale > 0.0f && w->act_scale <= 3.0e38f;
}

static size_t i8ref_plane_bytes(const trit_ternary_weights *w) {
    size_t codes, scales, total;
    if (!trit_size_mul((size_t)w->out_channels, w->per_out, &codes)) return 0;
    if (!trit_size_mul((size_t)w->out_channels, 2 * sizeof(float), &scales)) return 0;
    if (!trit_size_add(codes, scales, &total)) return 0;
    return (total + 15) & ~(size_t)15;
}

static size_t i8ref_packed_size(const trit_conv_shape *shape, const trit_ternary_weights *w) {
    (void)shape;
    size_t plane = i8ref_plane_bytes(w), planes, total;
    if (plane == 0 || !trit_size_mul(plane, (size_t)w->plane_count, &planes)) return 0;
    if (!trit_size_add(planes, (sizeof(i8ref_header) + 15) & ~(size_t)15, &total)) return 0;
    return total;
}

static void i8ref_pack(const trit_conv_shape *shape, const trit_ternary_weights *w, void *packed) {
    (void)shape;
    i8ref_header *h = packed;
    memset(h, 0, sizeof *h);
    h->weights = *w;
    size_t offset = (sizeof(i8ref_header) + 15) & ~(size_t)15;
    const size_t plane_bytes = i8ref_plane_bytes(w), oc = (size_t)w->out_channels;
    for (int p = 0; p < w->plane_count; p++) {
        unsigned char *base = (unsigned char *)packed + offset;
        memcpy(base, w->planes[p].pos_scale, oc * sizeof(float));
        memcpy(base + oc * sizeof(float), w->planes[p].neg_scale, oc * sizeof(float));
        memcpy(base + 2 * oc * sizeof(float), w->planes[p].codes, oc * w->per_out);
        h->plane_offset[p] = offset;
        offset += plane_bytes;
    }
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
    const i8ref_header *h = packed;
    trit_ternary_weights w = h->weights;
    const size_t oc = (size_t)w.out_channels;
    for (int p = 0; p < w.plane_count; p++) {
        const unsigned char *base = (const unsigned char *)packed + h->plane_offset[p];
        w.planes[p].pos_scale = (const float *)base;
        w.planes[p].neg_scale = (const float *)(base + oc * sizeof(float));
        w.planes[p].codes = (const int8_t *)(base + 2 * oc * sizeof(float));
    }
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
    "tconv_i8_ref", i8ref_supports, i8ref_packed_size, i8ref_pack, i8ref_scratch_size, i8ref_run, NULL, NULL, NULL, NULL, NULL, NULL,
};
