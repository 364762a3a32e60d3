/* libFuzzer target: image decoding (stb_image through the allocation hook) and preprocessing.
 *
 * Input layout: 8 parameter bytes, then the payload.
 *   p[0] target height - 1 (mod 64)      p[1] target width - 1 (mod 64)
 *   p[2] resize - 1 (mod 96; smaller than the crop is legal and must be refused, not crash)
 *   p[3] bit 0 filter (area/bilinear), bit 1 payload is raw RGBA pixels instead of an encoded image,
 *        bits 2-4 extra row stride in bytes
 *   p[4], p[5] raw mode: width - 1 (little endian, mod 1024)   p[6] mean   p[7] std
 * Encoded mode decodes the payload as JPEG/PNG/BMP (sides up to 1024) and preprocesses it twice: from
 * the tight RGB buffer and from an RGBA copy with padded rows. Alpha and padding must not matter, so
 * the two tensors must be bit-identical. Raw mode preprocesses the payload as RGBA rows directly. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "alloc.h"
#include "fuzz_common.h"
#include "image.h"

enum { MAX_SIDE = 1024 };

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    if (size < 8) return 0;
    const uint8_t *p = data;
    const uint8_t *payload = data + 8;
    const size_t payload_size = size - 8;

    trit_preprocess pre;
    pre.height = p[0] % 64 + 1;
    pre.width = p[1] % 64 + 1;
    pre.resize = p[2] % 96 + 1;
    pre.filter = (p[3] & 1) ? TRIT_FILTER_BILINEAR : TRIT_FILTER_AREA;
    const size_t extra_stride = (size_t)((p[3] >> 2) & 7);
    for (int c = 0; c < 3; c++) {
        pre.mean[c] = (float)p[6] / 255.0f;
        pre.std[c] = 0.05f + (float)p[7] / 64.0f;
    }
    const size_t plane = (size_t)pre.height * (size_t)pre.width;
    float *tensor = malloc(3 * plane * sizeof(float));
    float *tensor_rgba = malloc(3 * plane * sizeof(float));
    FUZZ_REQUIRE(tensor && tensor_rgba);

    if (p[3] & 2) {
        const int width = (int)((p[4] | (p[5] << 8)) % 1024) + 1;
        const size_t stride = (size_t)width * 4 + extra_stride;
        const size_t height = payload_size / stride;
        if (height > 0) {
            trit_status s = trit_image_preprocess(payload, width, (int)height, stride, 4, &pre, tensor);
            FUZZ_REQUIRE(s == TRIT_OK || s == TRIT_ERROR_IMAGE);
        }
    } else {
        uint8_t *rgb = NULL;
        int width = 0, height = 0;
        char message[160];
        trit_status s = trit_image_decode_rgb(payload, payload_size, MAX_SIDE, &rgb, &width, &height, message,
                                              sizeof message);
        if (s == TRIT_OK) {
            FUZZ_REQUIRE(rgb && width >= 1 && height >= 1 && width <= MAX_SIDE && height <= MAX_SIDE);
            const size_t stride = (size_t)width * 4 + extra_stride;
            uint8_t *rgba = malloc(stride * (size_t)height);
            FUZZ_REQUIRE(rgba != NULL);
            memset(rgba, 0xA5, stride * (size_t)height);
            for (int y = 0; y < height; y++)
                for (int x = 0; x < width; x++) {
                    memcpy(rgba + (size_t)y * stride + (size_t)x * 4, rgb + ((size_t)y * (size_t)width + (size_t)x) * 3,
                           3);
                    rgba[(size_t)y * stride + (size_t)x * 4 + 3] = (uint8_t)(x * 7 + y);
                }
            trit_status a = trit_image_preprocess(rgb, width, height, (size_t)width * 3, 3, &pre, tensor);
            trit_status b = trit_image_preprocess(rgba, width, height, stride, 4, &pre, tensor_rgba);
            FUZZ_REQUIRE(a == b);
            FUZZ_REQUIRE(a == TRIT_OK || a == TRIT_ERROR_IMAGE);
            if (a == TRIT_OK) FUZZ_REQUIRE(memcmp(tensor, tensor_rgba, 3 * plane * sizeof(float)) == 0);
            free(rgba);
            trit_free(rgb);
        } else {
            FUZZ_REQUIRE(rgb == NULL && message[0] != '\0');
            FUZZ_REQUIRE(s == TRIT_ERROR_IMAGE || s == TRIT_ERROR_MEMORY);
        }
    }
    free(tensor);
    free(tensor_rgba);
    return 0;
}
