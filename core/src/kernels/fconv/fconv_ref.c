/* The reference variant of the float conv family: keeps the weights as they are and calls the
 * scalar reference kernel. Every faster variant is tested against it. */
#include <string.h>

#include "../../alloc.h"
#include "fconv.h"

static int ref_supports(const trit_conv_shape *s) {
    (void)s;
    return 1;
}

static size_t ref_packed_size(const trit_conv_shape *s) {
    size_t n, bytes;
    if (!trit_size_mul((size_t)s->out_channels, (size_t)(s->in_channels / s->group), &n)) return 0;
    if (!trit_size_mul(n, (size_t)s->kernel_h * (size_t)s->kernel_w, &n)) return 0;
    if (!trit_size_mul(n, sizeof(float), &bytes)) return 0;
    return bytes ? bytes : sizeof(float);
}

static void ref_pack(const trit_conv_shape *s, const float *w, void *packed) {
    memcpy(packed, w, ref_packed_size(s));
}

static size_t ref_scratch_size(const trit_conv_shape *s) {
    (void)s;
    return 0;
}

static void ref_run(const trit_conv_shape *s, const void *packed, const float *x, const float *bias,
                    const trit_epilogue *e, float *y, void *scratch) {
    (void)scratch;
    trit_ref_conv2d_f32(s, x, packed, bias, e, y);
}

const trit_fconv_kernel trit_fconv_f32_ref = {
    "fconv_f32_ref", ref_supports, ref_packed_size, ref_pack, ref_scratch_size, ref_run, NULL, NULL, NULL,
};
