/* Image decoding (stb_image through the allocation hook) and preprocessing to a model input.
 *
 * Preprocessing (docs/FORMAT.md), computed in double with a fixed evaluation order so that the native
 * build and wasm give bit-identical tensors:
 *   1. Resized size: the shorter side becomes p->resize, the other side round(side * resize / shorter)
 *      (integer arithmetic, halves round up), at least 1.
 *   2. Each axis is resampled on its own (separable). Per output coordinate x of an axis going from
 *      S source pixels to D pixels:
 *      - D == S: identity (one tap of weight 1).
 *      - D <  S and filter "area": exact box average. The output covers source interval
 *        [x*S/D, (x+1)*S/D); each source pixel i weighs |[i, i+1) ∩ that interval| * D/S, computed from
 *        integer overlaps (exact rationals).
 *      - otherwise (enlarging, or filter "bilinear"): bilinear with half-pixel centres,
 *        src = (x + 0.5) * S/D - 0.5 clamped to [0, S-1]; taps floor(src) and floor(src)+1 (clamped)
 *        with weights 1-f and f.
 *      Only the pixels inside the centre crop are computed.
 *   3. Centre crop: offset floor((resized - target) / 2) on each axis.
 *   4. Value of an output pixel, channel c: v = Σ_rows wy * (Σ_cols wx * p), both sums in tap order
 *      (ascending source index), in double; out = (float)((v / 255.0 - mean[c]) / std[c]) with mean and
 *      std widened to double. With identity resizing v == p exactly.
 */
#include "image.h"

#include <limits.h>
#include <string.h>

#include "alloc.h"
#include "format.h"

/* ---- stb_image, configured: our allocator, memory only, JPEG/PNG/BMP, no asserts reachable from
 * file bytes, failure reasons kept. */
static void *image_alloc(size_t size);
static void *image_realloc(void *ptr, size_t size);
#define STBI_MALLOC(size) image_alloc(size)
#define STBI_REALLOC(ptr, size) image_realloc((ptr), (size))
#define STBI_FREE(ptr) trit_free(ptr)
#define STBI_ASSERT(x) ((void)0)
#define STBI_NO_STDIO
#define STBI_NO_LINEAR
#define STBI_NO_HDR
#define STBI_ONLY_JPEG
#define STBI_ONLY_PNG
#define STBI_ONLY_BMP
#define STB_IMAGE_STATIC
#define STB_IMAGE_IMPLEMENTATION

#if defined(__GNUC__) || defined(__clang__)
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wunused-function"
#pragma GCC diagnostic ignored "-Wunused-parameter"
#pragma GCC diagnostic ignored "-Wunused-but-set-variable"
#pragma GCC diagnostic ignored "-Wsign-compare"
#pragma GCC diagnostic ignored "-Wimplicit-fallthrough"
#pragma GCC diagnostic ignored "-Wshadow"
#pragma GCC diagnostic ignored "-Wconversion"
#pragma GCC diagnostic ignored "-Wsign-conversion"
#pragma GCC diagnostic ignored "-Wdouble-promotion"
#pragma GCC diagnostic ignored "-Wcast-qual"
#pragma GCC diagnostic ignored "-Wpedantic"
#endif
#include "../third_party/stb_image.h"
#if defined(__GNUC__) || defined(__clang__)
#pragma GCC diagnostic pop
/* GCC reports stb's declared-but-undefined static API (gif, thread variants) at the end of the file. */
#pragma GCC diagnostic ignored "-Wunused-function"
#endif

/* stb does not always set a reason when an allocation fails (its zlib returns a bare NULL), and a
 * failed probe of another format may leave a stale one; so allocation failures are noted here. A
 * failure during a format probe can be harmless (the next probe succeeds): it only decides the
 * status when the decode as a whole fails. Thread-local like stb's own failure reason. */
#ifdef STBI_THREAD_LOCAL
static STBI_THREAD_LOCAL int allocation_failed;
#else
static int allocation_failed;
#endif

static void *image_alloc(size_t size) {
    void *p = trit_calloc(1, size); /* zeroed: stb_image reads Huffman tables a JPEG may never define */
    if (!p) allocation_failed = 1;
    return p;
}

static void *image_realloc(void *ptr, size_t size) {
    void *p = trit_realloc(ptr, size);
    if (!p) allocation_failed = 1;
    return p;
}

/* message = "image: " what [" (" why ")"], truncated to message_size. */
static void set_message(char *message, size_t message_size, const char *what, const char *why) {
    if (!message || message_size == 0) return;
    if (why) {
        trit_format(message, message_size, "image: %s (%s)", what, why);
    } else {
        trit_format(message, message_size, "image: %s", what);
    }
}

/* The format its first bytes announce, or NULL: stb_image's own failure reason is that of the last
 * loader it tried ("bad png sig" for a truncated JPEG), so messages name the format from here. */
static const char *signature_format(const uint8_t *b, size_t size) {
    if (size >= 3 && b[0] == 0xff && b[1] == 0xd8 && b[2] == 0xff) return "JPEG";
    if (size >= 8 && memcmp(b, "\x89PNG\r\n\x1a\n", 8) == 0) return "PNG";
    if (size >= 2 && b[0] == 'B' && b[1] == 'M') return "BMP";
    return NULL;
}

trit_status trit_image_decode_rgb(const void *bytes, size_t size, int max_side, uint8_t **out_rgb, int *out_width,
                                  int *out_height, char *message, size_t message_size) {
    char reason[96];
    if (message && message_size) message[0] = '\0';
    if (!bytes || !out_rgb || !out_width || !out_height || max_side <= 0) {
        set_message(message, message_size, "bad argument to trit_image_decode_rgb", NULL);
        return TRIT_ERROR_ARGUMENT;
    }
    *out_rgb = NULL;
    *out_width = 0;
    *out_height = 0;
    if (size == 0 || size > (size_t)INT_MAX) {
        set_message(message, message_size, size == 0 ? "empty input" : "input larger than 2 GiB", NULL);
        return TRIT_ERROR_IMAGE;
    }

    int width = 0, height = 0, file_channels = 0;
    allocation_failed = 0;
    stbi__g_failure_reason = NULL;
    if (!stbi_info_from_memory(bytes, (int)size, &width, &height, &file_channels)) {
        if (allocation_failed) {
            set_message(message, message_size, "out of memory while reading the header", NULL);
            return TRIT_ERROR_MEMORY;
        }
        const char *format = signature_format(bytes, size);
        if (format) {
            trit_format(reason, sizeof reason, "%s header is corrupt, truncated or declares an image too large to decode", format);
            set_message(message, message_size, reason, NULL);
        } else {
            set_message(message, message_size, "not a JPEG, PNG or BMP file", NULL);
        }
        return TRIT_ERROR_IMAGE;
    }
    size_t pixel_bytes;
    if (width <= 0 || height <= 0 || width > max_side || height > max_side ||
        !trit_size_mul((size_t)width, (size_t)height, &pixel_bytes) || !trit_size_mul(pixel_bytes, 3, &pixel_bytes)) {
        trit_format(reason, sizeof reason, "%dx%d, each side must be 1..%d", width, height, max_side);
        set_message(message, message_size, "unusable size", reason);
        return TRIT_ERROR_IMAGE;
    }

    int decoded_width = 0, decoded_height = 0;
    allocation_failed = 0;
    stbi__g_failure_reason = NULL;
    uint8_t *rgb = stbi_load_from_memory(bytes, (int)size, &decoded_width, &decoded_height, &file_channels, 3);
    if (!rgb) {
        const char *why = stbi_failure_reason();
        if (allocation_failed || (why && strcmp(why, "outofmem") == 0)) {
            set_message(message, message_size, "out of memory while decoding", NULL);
            return TRIT_ERROR_MEMORY;
        }
        const char *format = signature_format(bytes, size);
        trit_format(reason, sizeof reason, "%s data is corrupt or truncated", format ? format : "image");
        set_message(message, message_size, reason, NULL);
        return TRIT_ERROR_IMAGE;
    }
    if (decoded_width != width || decoded_height != height) { /* header and decoder disagree: distrust */
        trit_free(rgb);
        set_message(message, message_size, "decoded size differs from the header's", NULL);
        return TRIT_ERROR_IMAGE;
    }
    *out_rgb = rgb;
    *out_width = width;
    *out_height = height;
    return TRIT_OK;
}

/* ---- resampling weights ----------------------------------------------------------------------- */

/* Taps of one output coordinate: source indices first .. first+count-1, weights at weights[offset..]. */
typedef struct axis_tap {
    int first;
    int count;
    size_t offset;
} axis_tap;

/* Fills the taps of `out_count` output coordinates starting at resized coordinate `crop_offset`,
 * for an axis going from `src` to `dst` pixels. With weights == NULL only counts the weights. */
static size_t axis_weights(int src, int dst, int crop_offset, int out_count, trit_resize_filter filter,
                           axis_tap *taps, double *weights) {
    size_t used = 0;
    for (int x = 0; x < out_count; x++) {
        const int64_t rx = (int64_t)crop_offset + x;
        int first, count;
        if (dst == src) {
            first = (int)rx;
            count = 1;
            if (weights) weights[used] = 1.0;
        } else if (dst < src && filter == TRIT_FILTER_AREA) {
            /* In units of 1/dst source pixels the output covers [rx*src, (rx+1)*src) and pixel i
             * covers [i*dst, (i+1)*dst). */
            const int64_t lo = rx * src, hi = (rx + 1) * src;
            first = (int)(lo / dst);
            const int last = (int)((hi - 1) / dst);
            count = last - first + 1;
            if (weights) {
                for (int i = 0; i < count; i++) {
                    const int64_t cell_lo = (int64_t)(first + i) * dst, cell_hi = cell_lo + dst;
                    const int64_t overlap = (hi < cell_hi ? hi : cell_hi) - (lo > cell_lo ? lo : cell_lo);
                    weights[used + (size_t)i] = (double)overlap / (double)src;
                }
            }
        } else {
            /* src coordinate = ((2*rx + 1) * src - dst) / (2*dst), exact as a rational. */
            const int64_t denominator = 2 * (int64_t)dst;
            int64_t numerator = (2 * rx + 1) * src - dst;
            if (numerator < 0) numerator = 0;
            if (numerator > (int64_t)(src - 1) * denominator) numerator = (int64_t)(src - 1) * denominator;
            first = (int)(numerator / denominator);
            const int64_t remainder = numerator % denominator;
            if (remainder == 0) {
                count = 1;
                if (weights) weights[used] = 1.0;
            } else {
                count = 2; /* first + 1 <= src - 1 because numerator < (src-1) * denominator here */
                if (weights) {
                    const double f = (double)remainder / (double)denominator;
                    weights[used] = 1.0 - f;
                    weights[used + 1] = f;
                }
            }
        }
        if (taps) {
            taps[x].first = first;
            taps[x].count = count;
            taps[x].offset = used;
        }
        used += (size_t)count;
    }
    return used;
}

/* round(long_side * resize / short_side), halves up, at least 1; 0 when it does not fit an int. */
static int scaled_side(int side, int resize, int shorter) {
    const uint64_t value = (2 * (uint64_t)side * (uint64_t)resize + (uint64_t)shorter) / (2 * (uint64_t)shorter);
    if (value > (uint64_t)INT_MAX) return 0;
    return value < 1 ? 1 : (int)value;
}

trit_status trit_image_preprocess(const uint8_t *pixels, int width, int height, size_t stride, int channels,
                                  const trit_preprocess *p, float *out_nchw) {
    if (!pixels || !p || !out_nchw || (channels != 3 && channels != 4) ||
        (p->filter != TRIT_FILTER_AREA && p->filter != TRIT_FILTER_BILINEAR)) {
        return TRIT_ERROR_ARGUMENT;
    }
    size_t row_bytes;
    if (width <= 0 || height <= 0 || !trit_size_mul((size_t)width, (size_t)channels, &row_bytes) ||
        stride < row_bytes) {
        return width <= 0 || height <= 0 ? TRIT_ERROR_IMAGE : TRIT_ERROR_ARGUMENT;
    }
    if (p->height <= 0 || p->width <= 0 || p->resize <= 0) return TRIT_ERROR_IMAGE;

    int resized_w, resized_h;
    if (width <= height) {
        resized_w = p->resize;
        resized_h = scaled_side(height, p->resize, width);
    } else {
        resized_h = p->resize;
        resized_w = scaled_side(width, p->resize, height);
    }
    if (resized_w < p->width || resized_h < p->height) return TRIT_ERROR_IMAGE; /* crop would not fit (or overflow) */
    const int crop_left = (resized_w - p->width) / 2;
    const int crop_top = (resized_h - p->height) / 2;

    /* One allocation: weights (doubles first, for alignment), then the x and y taps. */
    const size_t x_weight_count = axis_weights(width, resized_w, crop_left, p->width, p->filter, NULL, NULL);
    const size_t y_weight_count = axis_weights(height, resized_h, crop_top, p->height, p->filter, NULL, NULL);
    size_t weight_count, weight_bytes, tap_count, tap_bytes, total;
    if (!trit_size_add(x_weight_count, y_weight_count, &weight_count) ||
        !trit_size_mul(weight_count, sizeof(double), &weight_bytes) ||
        !trit_size_add((size_t)p->width, (size_t)p->height, &tap_count) ||
        !trit_size_mul(tap_count, sizeof(axis_tap), &tap_bytes) || !trit_size_add(weight_bytes, tap_bytes, &total)) {
        return TRIT_ERROR_IMAGE;
    }
    unsigned char *block = trit_alloc(total);
    if (!block) return TRIT_ERROR_MEMORY;
    double *x_weights = (double *)block;
    double *y_weights = x_weights + x_weight_count;
    axis_tap *x_taps = (axis_tap *)(block + weight_bytes);
    axis_tap *y_taps = x_taps + p->width;
    axis_weights(width, resized_w, crop_left, p->width, p->filter, x_taps, x_weights);
    axis_weights(height, resized_h, crop_top, p->height, p->filter, y_taps, y_weights);

    const size_t plane = (size_t)p->width * (size_t)p->height;
    for (int y = 0; y < p->height; y++) {
        const axis_tap *ty = &y_taps[y];
        for (int x = 0; x < p->width; x++) {
            const axis_tap *tx = &x_taps[x];
            for (int c = 0; c < 3; c++) {
                double value = 0.0;
                for (int j = 0; j < ty->count; j++) {
                    const uint8_t *row = pixels + (size_t)(ty->first + j) * stride;
                    double row_value = 0.0;
                    for (int i = 0; i < tx->count; i++) {
                        const double term = x_weights[tx->offset + (size_t)i] *
                                            (double)row[(size_t)(tx->first + i) * (size_t)channels + (size_t)c];
                        row_value += term;
                    }
                    const double term = y_weights[ty->offset + (size_t)j] * row_value;
                    value += term;
                }
                const double normalised = (value / 255.0 - (double)p->mean[c]) / (double)p->std[c];
                out_nchw[(size_t)c * plane + (size_t)y * (size_t)p->width + (size_t)x] = (float)normalised;
            }
        }
    }
    trit_free(block);
    return TRIT_OK;
}
