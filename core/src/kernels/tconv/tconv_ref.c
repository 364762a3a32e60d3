/* The reference variant of the ternary conv family: keeps the unpacked layout (int8 codes and
 * per-channel scales, plane after plane; tconv_i8_ref.c packs the same) and calls the scalar
 * reference kernel. Every faster variant is tested against this one. */
#include <string.h>

#include "../../alloc.h"
#include "tconv.h"

/* Packed blob: header, then per plane: codes [out_channels * per_out] int8, pos [out_channels]
 * float, neg [out_channels] float (floats first so they stay aligned). */
typedef struct ref_header {
    trit_ternary_weights weights; /* plane pointers are rebuilt at run time from offsets */
    size_t plane_offset[TRIT_MAX_PLANES];
} ref_header;

static int ref_supports(const trit_conv_shape *shape, const trit_ternary_weights *weights) {
    (void)shape;
    (void)weights;
    return 1;
}

static size_t ref_plane_bytes(const trit_ternary_weights *w) {
    size_t codes, scales, total;
    if (!trit_size_mul((size_t)w->out_channels, w->per_out, &codes)) return 0;
    if (!trit_size_mul((size_t)w->out_channels, 2 * sizeof(float), &scales)) return 0;
    if (!trit_size_add(codes, scales, &total)) return 0;
    return (total + 15) & ~(size_t)15;
}

size_t trit_tconv_ref_packed_size(const trit_conv_shape *shape, const trit_ternary_weights *w) {
    (void)shape;
    size_t plane = ref_plane_bytes(w), planes, total;
    if (plane == 0 || !trit_size_mul(plane, (size_t)w->plane_count, &planes)) return 0;
    if (!trit_size_add(planes, (sizeof(ref_header) + 15) & ~(size_t)15, &total)) return 0;
    return total;
}

void trit_tconv_ref_pack(const trit_conv_shape *shape, const trit_ternary_weights *w, void *packed) {
    (void)shape;
    ref_header *h = packed;
    memset(h, 0, sizeof *h);
    h->weights = *w;
    size_t offset = (sizeof(ref_header) + 15) & ~(size_t)15;
    size_t plane_bytes = ref_plane_bytes(w);
    size_t oc = (size_t)w->out_channels;
    for (int p = 0; p < w->plane_count; p++) {
        unsigned char *base = (unsigned char *)packed + offset;
        memcpy(base, w->planes[p].pos_scale, oc * sizeof(float));
        memcpy(base + oc * sizeof(float), w->planes[p].neg_scale, oc * sizeof(float));
        memcpy(base + 2 * oc * sizeof(float), w->planes[p].codes, oc * w->per_out);
        h->plane_offset[p] = offset;
        offset += plane_bytes;
    }
}

void trit_tconv_ref_unpack(const void *packed, trit_ternary_weights *w) {
    const ref_header *h = packed;
    *w = h->weights;
    const size_t oc = (size_t)w->out_channels;
    for (int p = 0; p < w->plane_count; p++) {
        const unsigned char *base = (const unsigned char *)packed + h->plane_offset[p];
        w->planes[p].pos_scale = (const float *)base;
        w->planes[p].neg_scale = (const float *)(base + oc * sizeof(float));
        w->planes[p].codes = (const int8_t *)(base + 2 * oc * sizeof(float));
    }
}

static size_t ref_scratch_size(const trit_conv_shape *shape) {
    (void)shape;
    return 0;
}

static void ref_run(const trit_conv_shape *shape, const void *packed, const float *x, const float *bias,
                    const trit_epilogue *epilogue, float *y, void *scratch) {
    (void)scratch;
    trit_ternary_weights w;
    trit_tconv_ref_unpack(packed, &w);
    trit_ref_ternary_conv2d_f32(shape, x, &w, bias, epilogue, y);
}

const trit_tconv_kernel trit_tconv_f32_ref = {
    "tconv_f32_ref", ref_supports, trit_tconv_ref_packed_size, trit_tconv_ref_pack, ref_scratch_size, ref_run, NULL, NULL, NULL, NULL, NULL, NULL,
};
