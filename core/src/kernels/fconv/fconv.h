/* Float convolution kernel family (float32 weights and activations, NCHW): the convs a ternary
 * network keeps in float (the first conv, sometimes a 1x1 shortcut). Same contract as the
 * ternary family (tconv.h): each variant repacks the weights once at load into memory the caller
 * allocated, then runs without allocating and without failing; listed once in fconv_list.c. */
#ifndef TRIT_FCONV_H
#define TRIT_FCONV_H

#include <stddef.h>

#include "../../ops/ops.h"
#include "../split_entries.h"

typedef struct trit_fconv_kernel {
    const char *name; /* e.g. "fconv_f32_dense__wasmsimd" */
    int (*supports)(const trit_conv_shape *shape);
    /* Bytes of packed weights, or 0 when the size would overflow. */
    size_t (*packed_size)(const trit_conv_shape *shape);
    /* w: [out_channels][in_channels/group][kernel_h][kernel_w] */
    void (*pack)(const trit_conv_shape *shape, const float *w, void *packed);
    size_t (*scratch_size)(const trit_conv_shape *shape);
    void (*run)(const trit_conv_shape *shape, const void *packed, const float *x, const float *bias,
                const trit_epilogue *epilogue, float *y, void *scratch);
    /* Work splitting, with the meaning of tconv.h's (NULL: runs whole only); no `own` memory. */
    void (*prepare)(const trit_conv_shape *shape, const void *packed, const float *x, void *scratch);
    int (*range_units)(const trit_conv_shape *shape);
    void (*run_range)(const trit_conv_shape *shape, const void *packed, const float *bias, const trit_epilogue *epilogue,
                      float *y, const void *scratch, void *own, int begin, int end);
} trit_fconv_kernel;

/* All variants compiled into this build, best first, the reference last; NULL-terminated. */
extern const trit_fconv_kernel *const trit_fconv_kernels[];

/* The first variant that supports the shape (the reference supports everything). */
const trit_fconv_kernel *trit_fconv_select(const trit_conv_shape *shape);

#endif
