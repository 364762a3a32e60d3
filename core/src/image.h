/* Image decoding (stb_image, through the allocation hook) and preprocessing to a model input.
 * One implementation for the native CLI and wasm, so both give identical tensors. */
#ifndef TRIT_IMAGE_H
#define TRIT_IMAGE_H

#include <stddef.h>
#include <stdint.h>

#include "trit.h"

typedef enum trit_resize_filter { TRIT_FILTER_AREA = 0, TRIT_FILTER_BILINEAR = 1 } trit_resize_filter;

typedef struct trit_preprocess {
    int height, width;       /* the model input's H and W */
    int resize;              /* shorter side is resized to this, then centre-cropped to height×width */
    trit_resize_filter filter;
    float mean[3], std[3];   /* applied to p/255 per RGB channel */
} trit_preprocess;

/* Decode JPEG/PNG/BMP (anything stb_image reads) to RGB8, tightly packed, allocated with
 * trit_alloc (free with trit_free). Refuses images with a side of 0 or > max_side, or whose pixel
 * count overflows. On failure writes a one-line reason into message. */
trit_status trit_image_decode_rgb(const void *bytes, size_t size, int max_side, uint8_t **out_rgb, int *out_width,
                                  int *out_height, char *message, size_t message_size);

/* Resize + centre-crop + normalise an 8-bit image with `channels` = 3 (RGB) or 4 (RGBA, alpha
 * ignored) and row stride in bytes into out_nchw [3][height][width]. Allocates its intermediate
 * through the hook; TRIT_ERROR_MEMORY when that fails, TRIT_ERROR_IMAGE for unusable sizes. */
trit_status trit_image_preprocess(const uint8_t *pixels, int width, int height, size_t stride, int channels,
                                  const trit_preprocess *p, float *out_nchw);

#endif
