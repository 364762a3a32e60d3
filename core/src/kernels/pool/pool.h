/* Pooling kernels (NCHW): SIMD max pooling on the flat layout when this build has wasm SIMD128 or
 * SSE2, the scalar reference otherwise. Never allocate, never fail. */
#ifndef TRIT_KERNEL_POOL_H
#define TRIT_KERNEL_POOL_H

#include <stddef.h>

#include "../../ops/ops.h"

/* Bytes of scratch trit_maxpool_f32 needs for this shape (0 when it will use the reference). */
size_t trit_maxpool_f32_scratch_size(const trit_conv_shape *shape);
/* Same result as trit_ref_maxpool_f32 (padded cells never win; in_channels == out_channels). */
void trit_maxpool_f32(const trit_conv_shape *shape, const float *x, float *y, void *scratch);

#endif
