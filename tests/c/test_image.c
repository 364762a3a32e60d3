/* Image decoding and preprocessing (core/src/image.c): BMP and PNG files written by hand in the
 * test, decode errors and allocation failures, and resize / crop / normalise against hand-computed
 * values and a naive dense-weight resampler. */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "alloc.h"
#include "check.h"
#include "image.h"


/* ---- a counting allocator that can fail the n-th allocation ------------------------------------- */
static long alloc_live = 0;     /* outstanding allocations */
static long alloc_fail_at = -1; /* index of the allocation to fail, -1 = never */
static long alloc_index = 0;

static void *counting_alloc(size_t size, void *user) {
    (void)user;
    if (alloc_index++ == alloc_fail_at) return NULL;
    void *p = malloc(size);
    if (p) alloc_live++;
    return p;
}
static void *counting_realloc(void *ptr, size_t size, void *user) {
    (void)user;
    if (alloc_index++ == alloc_fail_at) return NULL;
    void *p = realloc(ptr, size);
    if (p && !ptr) alloc_live++;
    return p;
}
static void counting_free(void *ptr, void *user) {
    (void)user;
    if (ptr) alloc_live--;
    free(ptr);
}
static const trit_allocator counting = {counting_alloc, counting_realloc, counting_free, NULL};

/* ---- tiny encoders ------------------------------------------------------------------------------ */
typedef struct byte_buffer {
    uint8_t *data;
    size_t size, capacity;
} byte_buffer;

static void put(byte_buffer *b, const void *bytes, size_t n) {
    if (b->size + n > b->capacity) {
        b->capacity = (b->size + n) * 2;
        b->data = realloc(b->data, b->capacity);
        if (!b->data) exit(2);
    }
    memcpy(b->data + b->size, bytes, n);
    b->size += n;
}
static void put_u8(byte_buffer *b, unsigned v) {
    const uint8_t x = (uint8_t)v;
    put(b, &x, 1);
}
static void put_le16(byte_buffer *b, unsigned v) { put_u8(b, v & 0xFF), put_u8(b, (v >> 8) & 0xFF); }
static void put_le32(byte_buffer *b, uint32_t v) { put_le16(b, v & 0xFFFF), put_le16(b, v >> 16); }
static void put_be32(byte_buffer *b, uint32_t v) {
    put_u8(b, v >> 24), put_u8(b, (v >> 16) & 0xFF), put_u8(b, (v >> 8) & 0xFF), put_u8(b, v & 0xFF);
}

/* 24-bit bottom-up BMP of tightly packed RGB pixels; rows padded to 4 bytes. */
static byte_buffer encode_bmp(const uint8_t *rgb, int w, int h) {
    byte_buffer b = {0};
    const uint32_t row = (uint32_t)((w * 3 + 3) & ~3), image = row * (uint32_t)h;
    put(&b, "BM", 2);
    put_le32(&b, 54 + image);
    put_le32(&b, 0);
    put_le32(&b, 54);
    put_le32(&b, 40);
    put_le32(&b, (uint32_t)w);
    put_le32(&b, (uint32_t)h);
    put_le16(&b, 1);
    put_le16(&b, 24);
    put_le32(&b, 0); /* BI_RGB */
    put_le32(&b, image);
    put_le32(&b, 2835), put_le32(&b, 2835), put_le32(&b, 0), put_le32(&b, 0);
    for (int y = h - 1; y >= 0; y--) {
        for (int x = 0; x < w; x++) {
            const uint8_t *p = rgb + ((size_t)y * w + x) * 3;
            put_u8(&b, p[2]), put_u8(&b, p[1]), put_u8(&b, p[0]); /* BGR */
        }
        for (uint32_t pad = (uint32_t)w * 3; pad < row; pad++) put_u8(&b, 0xAB);
    }
    return b;
}

static uint32_t crc32_bytes(const uint8_t *p, size_t n) {
    uint32_t c = 0xFFFFFFFFu;
    for (size_t i = 0; i < n; i++) {
        c ^= p[i];
        for (int k = 0; k < 8; k++) c = (c >> 1) ^ (0xEDB88320u & (0u - (c & 1u)));
    }
    return c ^ 0xFFFFFFFFu;
}

static void put_png_chunk(byte_buffer *b, const char *type, const uint8_t *data, size_t n) {
    put_be32(b, (uint32_t)n);
    byte_buffer body = {0};
    put(&body, type, 4);
    if (n) put(&body, data, n);
    put(b, body.data, body.size);
    put_be32(b, crc32_bytes(body.data, body.size));
    free(body.data);
}

/* 8-bit PNG (colour type 2 = RGB or 6 = RGBA), filter 0 rows, zlib with stored (uncompressed) blocks. */
static byte_buffer encode_png(const uint8_t *pixels, int w, int h, int channels) {
    byte_buffer raw = {0}, z = {0}, b = {0};
    for (int y = 0; y < h; y++) {
        put_u8(&raw, 0);
        put(&raw, pixels + (size_t)y * w * channels, (size_t)w * channels);
    }
    put_u8(&z, 0x78), put_u8(&z, 0x01);
    size_t done = 0;
    do {
        const size_t n = raw.size - done > 65535 ? 65535 : raw.size - done;
        put_u8(&z, done + n == raw.size ? 1 : 0);
        put_le16(&z, (unsigned)n), put_le16(&z, (unsigned)(~n & 0xFFFF));
        put(&z, raw.data + done, n);
        done += n;
    } while (done < raw.size);
    uint32_t s1 = 1, s2 = 0;
    for (size_t i = 0; i < raw.size; i++) s1 = (s1 + raw.data[i]) % 65521u, s2 = (s2 + s1) % 65521u;
    put_be32(&z, (s2 << 16) | s1);

    static const uint8_t signature[8] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1A, '\n'};
    put(&b, signature, 8);
    byte_buffer ihdr = {0};
    put_be32(&ihdr, (uint32_t)w), put_be32(&ihdr, (uint32_t)h);
    put_u8(&ihdr, 8), put_u8(&ihdr, channels == 4 ? 6 : 2), put_u8(&ihdr, 0), put_u8(&ihdr, 0), put_u8(&ihdr, 0);
    put_png_chunk(&b, "IHDR", ihdr.data, ihdr.size);
    put_png_chunk(&b, "IDAT", z.data, z.size);
    put_png_chunk(&b, "IEND", NULL, 0);
    free(raw.data), free(z.data), free(ihdr.data);
    return b;
}

static void make_pattern(uint8_t *p, int w, int h, int channels) {
    for (int y = 0; y < h; y++)
        for (int x = 0; x < w; x++)
            for (int c = 0; c < channels; c++)
                p[((size_t)y * w + x) * channels + c] = (uint8_t)(x * 37 + y * 91 + c * 53 + 11);
}

/* Two 16x8 JPEGs (baseline and progressive), made with Pillow 9.4 (quality 95, 4:4:4): left half
 * RGB (220, 40, 30), right half (20, 60, 200). JPEG is lossy: decoded values are checked to +-4. */
static const uint8_t jpeg_baseline[640] = {
    0xff, 0xd8, 0xff, 0xe0, 0x00, 0x10, 0x4a, 0x46, 0x49, 0x46, 0x00, 0x01, 0x01, 0x00, 0x00, 0x01, 0x00, 0x01, 0x00, 0x00,
    0xff, 0xdb, 0x00, 0x43, 0x00, 0x02, 0x01, 0x01, 0x01, 0x01, 0x01, 0x02, 0x01, 0x01, 0x01, 0x02, 0x02, 0x02, 0x02, 0x02,
    0x04, 0x03, 0x02, 0x02, 0x02, 0x02, 0x05, 0x04, 0x04, 0x03, 0x04, 0x06, 0x05, 0x06, 0x06, 0x06, 0x05, 0x06, 0x06, 0x06,
    0x07, 0x09, 0x08, 0x06, 0x07, 0x09, 0x07, 0x06, 0x06, 0x08, 0x0b, 0x08, 0x09, 0x0a, 0x0a, 0x0a, 0x0a, 0x0a, 0x06, 0x08,
    0x0b, 0x0c, 0x0b, 0x0a, 0x0c, 0x09, 0x0a, 0x0a, 0x0a, 0xff, 0xdb, 0x00, 0x43, 0x01, 0x02, 0x02, 0x02, 0x02, 0x02, 0x02,
    0x05, 0x03, 0x03, 0x05, 0x0a, 0x07, 0x06, 0x07, 0x0a, 0x0a, 0x0a, 0x0a, 0x0a, 0x0a, 0x0a, 0x0a, 0x0a, 0x0a, 0x0a, 0x0a,
    0x0a, 0x0a, 0x0a, 0x0a, 0x0a, 0x0a, 0x0a, 0x0a, 0x0a, 0x0a, 0x0a, 0x0a, 0x0a, 0x0a, 0x0a, 0x0a, 0x0a, 0x0a, 0x0a, 0x0a,
    0x0a, 0x0a, 0x0a, 0x0a, 0x0a, 0x0a, 0x0a, 0x0a, 0x0a, 0x0a, 0x0a, 0x0a, 0x0a, 0x0a, 0x0a, 0x0a, 0x0a, 0x0a, 0xff, 0xc0,
    0x00, 0x11, 0x08, 0x00, 0x08, 0x00, 0x10, 0x03, 0x01, 0x11, 0x00, 0x02, 0x11, 0x01, 0x03, 0x11, 0x01, 0xff, 0xc4, 0x00,
    0x1f, 0x00, 0x00, 0x01, 0x05, 0x01, 0x01, 0x01, 0x01, 0x01, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01,
    0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08, 0x09, 0x0a, 0x0b, 0xff, 0xc4, 0x00, 0xb5, 0x10, 0x00, 0x02, 0x01, 0x03, 0x03,
    0x02, 0x04, 0x03, 0x05, 0x05, 0x04, 0x04, 0x00, 0x00, 0x01, 0x7d, 0x01, 0x02, 0x03, 0x00, 0x04, 0x11, 0x05, 0x12, 0x21,
    0x31, 0x41, 0x06, 0x13, 0x51, 0x61, 0x07, 0x22, 0x71, 0x14, 0x32, 0x81, 0x91, 0xa1, 0x08, 0x23, 0x42, 0xb1, 0xc1, 0x15,
    0x52, 0xd1, 0xf0, 0x24, 0x33, 0x62, 0x72, 0x82, 0x09, 0x0a, 0x16, 0x17, 0x18, 0x19, 0x1a, 0x25, 0x26, 0x27, 0x28, 0x29,
    0x2a, 0x34, 0x35, 0x36, 0x37, 0x38, 0x39, 0x3a, 0x43, 0x44, 0x45, 0x46, 0x47, 0x48, 0x49, 0x4a, 0x53, 0x54, 0x55, 0x56,
    0x57, 0x58, 0x59, 0x5a, 0x63, 0x64, 0x65, 0x66, 0x67, 0x68, 0x69, 0x6a, 0x73, 0x74, 0x75, 0x76, 0x77, 0x78, 0x79, 0x7a,
    0x83, 0x84, 0x85, 0x86, 0x87, 0x88, 0x89, 0x8a, 0x92, 0x93, 0x94, 0x95, 0x96, 0x97, 0x98, 0x99, 0x9a, 0xa2, 0xa3, 0xa4,
    0xa5, 0xa6, 0xa7, 0xa8, 0xa9, 0xaa, 0xb2, 0xb3, 0xb4, 0xb5, 0xb6, 0xb7, 0xb8, 0xb9, 0xba, 0xc2, 0xc3, 0xc4, 0xc5, 0xc6,
    0xc7, 0xc8, 0xc9, 0xca, 0xd2, 0xd3, 0xd4, 0xd5, 0xd6, 0xd7, 0xd8, 0xd9, 0xda, 0xe1, 0xe2, 0xe3, 0xe4, 0xe5, 0xe6, 0xe7,
    0xe8, 0xe9, 0xea, 0xf1, 0xf2, 0xf3, 0xf4, 0xf5, 0xf6, 0xf7, 0xf8, 0xf9, 0xfa, 0xff, 0xc4, 0x00, 0x1f, 0x01, 0x00, 0x03,
    0x01, 0x01, 0x01, 0x01, 0x01, 0x01, 0x01, 0x01, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01, 0x02, 0x03, 0x04, 0x05,
    0x06, 0x07, 0x08, 0x09, 0x0a, 0x0b, 0xff, 0xc4, 0x00, 0xb5, 0x11, 0x00, 0x02, 0x01, 0x02, 0x04, 0x04, 0x03, 0x04, 0x07,
    0x05, 0x04, 0x04, 0x00, 0x01, 0x02, 0x77, 0x00, 0x01, 0x02, 0x03, 0x11, 0x04, 0x05, 0x21, 0x31, 0x06, 0x12, 0x41, 0x51,
    0x07, 0x61, 0x71, 0x13, 0x22, 0x32, 0x81, 0x08, 0x14, 0x42, 0x91, 0xa1, 0xb1, 0xc1, 0x09, 0x23, 0x33, 0x52, 0xf0, 0x15,
    0x62, 0x72, 0xd1, 0x0a, 0x16, 0x24, 0x34, 0xe1, 0x25, 0xf1, 0x17, 0x18, 0x19, 0x1a, 0x26, 0x27, 0x28, 0x29, 0x2a, 0x35,
    0x36, 0x37, 0x38, 0x39, 0x3a, 0x43, 0x44, 0x45, 0x46, 0x47, 0x48, 0x49, 0x4a, 0x53, 0x54, 0x55, 0x56, 0x57, 0x58, 0x59,
    0x5a, 0x63, 0x64, 0x65, 0x66, 0x67, 0x68, 0x69, 0x6a, 0x73, 0x74, 0x75, 0x76, 0x77, 0x78, 0x79, 0x7a, 0x82, 0x83, 0x84,
    0x85, 0x86, 0x87, 0x88, 0x89, 0x8a, 0x92, 0x93, 0x94, 0x95, 0x96, 0x97, 0x98, 0x99, 0x9a, 0xa2, 0xa3, 0xa4, 0xa5, 0xa6,
    0xa7, 0xa8, 0xa9, 0xaa, 0xb2, 0xb3, 0xb4, 0xb5, 0xb6, 0xb7, 0xb8, 0xb9, 0xba, 0xc2, 0xc3, 0xc4, 0xc5, 0xc6, 0xc7, 0xc8,
    0xc9, 0xca, 0xd2, 0xd3, 0xd4, 0xd5, 0xd6, 0xd7, 0xd8, 0xd9, 0xda, 0xe2, 0xe3, 0xe4, 0xe5, 0xe6, 0xe7, 0xe8, 0xe9, 0xea,
    0xf2, 0xf3, 0xf4, 0xf5, 0xf6, 0xf7, 0xf8, 0xf9, 0xfa, 0xff, 0xda, 0x00, 0x0c, 0x03, 0x01, 0x00, 0x02, 0x11, 0x03, 0x11,
    0x00, 0x3f, 0x00, 0xf9, 0xce, 0xbf, 0x9c, 0xcf, 0xf5, 0xb0, 0xf0, 0xba, 0xff, 0x00, 0x70, 0x0f, 0xf0, 0x5c, 0xff, 0xd9,
};
static const uint8_t jpeg_progressive[525] = {
    0xff, 0xd8, 0xff, 0xe0, 0x00, 0x10, 0x4a, 0x46, 0x49, 0x46, 0x00, 0x01, 0x01, 0x00, 0x00, 0x01, 0x00, 0x01, 0x00, 0x00,
    0xff, 0xdb, 0x00, 0x43, 0x00, 0x02, 0x01, 0x01, 0x01, 0x01, 0x01, 0x02, 0x01, 0x01, 0x01, 0x02, 0x02, 0x02, 0x02, 0x02,
    0x04, 0x03, 0x02, 0x02, 0x02, 0x02, 0x05, 0x04, 0x04, 0x03, 0x04, 0x06, 0x05, 0x06, 0x06, 0x06, 0x05, 0x06, 0x06, 0x06,
    0x07, 0x09, 0x08, 0x06, 0x07, 0x09, 0x07, 0x06, 0x06, 0x08, 0x0b, 0x08, 0x09, 0x0a, 0x0a, 0x0a, 0x0a, 0x0a, 0x06, 0x08,
    0x0b, 0x0c, 0x0b, 0x0a, 0x0c, 0x09, 0x0a, 0x0a, 0x0a, 0xff, 0xdb, 0x00, 0x43, 0x01, 0x02, 0x02, 0x02, 0x02, 0x02, 0x02,
    0x05, 0x03, 0x03, 0x05, 0x0a, 0x07, 0x06, 0x07, 0x0a, 0x0a, 0x0a, 0x0a, 0x0a, 0x0a, 0x0a, 0x0a, 0x0a, 0x0a, 0x0a, 0x0a,
    0x0a, 0x0a, 0x0a, 0x0a, 0x0a, 0x0a, 0x0a, 0x0a, 0x0a, 0x0a, 0x0a, 0x0a, 0x0a, 0x0a, 0x0a, 0x0a, 0x0a, 0x0a, 0x0a, 0x0a,
    0x0a, 0x0a, 0x0a, 0x0a, 0x0a, 0x0a, 0x0a, 0x0a, 0x0a, 0x0a, 0x0a, 0x0a, 0x0a, 0x0a, 0x0a, 0x0a, 0x0a, 0x0a, 0xff, 0xc2,
    0x00, 0x11, 0x08, 0x00, 0x08, 0x00, 0x10, 0x03, 0x01, 0x11, 0x00, 0x02, 0x11, 0x01, 0x03, 0x11, 0x01, 0xff, 0xc4, 0x00,
    0x15, 0x00, 0x01, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x06, 0x07,
    0xff, 0xc4, 0x00, 0x15, 0x01, 0x01, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    0x00, 0x08, 0x07, 0xff, 0xda, 0x00, 0x0c, 0x03, 0x01, 0x00, 0x02, 0x10, 0x03, 0x10, 0x00, 0x00, 0x01, 0x9c, 0xce, 0x56,
    0xc1, 0x5c, 0x00, 0xbf, 0xff, 0xc4, 0x00, 0x14, 0x10, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x10, 0xff, 0xda, 0x00, 0x08, 0x01, 0x01, 0x00, 0x01, 0x05, 0x02, 0x3f, 0xff, 0xc4, 0x00,
    0x14, 0x11, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x10, 0xff,
    0xda, 0x00, 0x08, 0x01, 0x03, 0x01, 0x01, 0x3f, 0x01, 0x3f, 0xff, 0xc4, 0x00, 0x14, 0x11, 0x01, 0x00, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x10, 0xff, 0xda, 0x00, 0x08, 0x01, 0x02, 0x01, 0x01,
    0x3f, 0x01, 0x3f, 0xff, 0xc4, 0x00, 0x14, 0x10, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x10, 0xff, 0xda, 0x00, 0x08, 0x01, 0x01, 0x00, 0x06, 0x3f, 0x02, 0x3f, 0xff, 0xc4, 0x00, 0x14,
    0x10, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x10, 0xff, 0xda,
    0x00, 0x08, 0x01, 0x01, 0x00, 0x01, 0x3f, 0x21, 0x3f, 0xff, 0xda, 0x00, 0x0c, 0x03, 0x01, 0x00, 0x02, 0x00, 0x03, 0x00,
    0x00, 0x00, 0x10, 0x03, 0xff, 0xc4, 0x00, 0x14, 0x11, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x10, 0xff, 0xda, 0x00, 0x08, 0x01, 0x03, 0x01, 0x01, 0x3f, 0x10, 0x3f, 0xff, 0xc4, 0x00,
    0x14, 0x11, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x10, 0xff,
    0xda, 0x00, 0x08, 0x01, 0x02, 0x01, 0x01, 0x3f, 0x10, 0x3f, 0xff, 0xc4, 0x00, 0x14, 0x10, 0x01, 0x00, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x10, 0xff, 0xda, 0x00, 0x08, 0x01, 0x01, 0x00, 0x01,
    0x3f, 0x10, 0x3f, 0xff, 0xd9,
};

static void test_decode_jpeg(void) {
    const uint8_t *files[2] = {jpeg_baseline, jpeg_progressive};
    const size_t sizes[2] = {sizeof jpeg_baseline, sizeof jpeg_progressive};
    for (int f = 0; f < 2; f++) {
        char message[160];
        uint8_t *out = NULL;
        int w = 0, h = 0;
        CHECK(trit_image_decode_rgb(files[f], sizes[f], 64, &out, &w, &h, message, sizeof message) == TRIT_OK);
        if (!out) continue;
        int close = w == 16 && h == 8;
        for (int y = 0; close && y < 8; y++)
            for (int x = 0; x < 16; x++) {
                const int want[3] = {x < 8 ? 220 : 20, x < 8 ? 40 : 60, x < 8 ? 30 : 200};
                for (int c = 0; c < 3; c++) close &= abs(out[(y * 16 + x) * 3 + c] - want[c]) <= 4;
            }
        CHECK_MSG(close, "JPEG %d decodes to the wrong pixels", f);
        trit_free(out);
        /* Allocation failures while decoding a JPEG give MEMORY and leak nothing. */
        trit_set_allocator(&counting);
        int wrong = 0, memory = 0;
        for (long n = 0; n < 40; n++) {
            alloc_index = 0, alloc_fail_at = n, alloc_live = 0;
            out = NULL;
            const trit_status st = trit_image_decode_rgb(files[f], sizes[f], 64, &out, &w, &h, message, sizeof message);
            if (st == TRIT_OK) trit_free(out);
            else if (st == TRIT_ERROR_MEMORY) memory++;
            else wrong++;
            if (alloc_live != 0) wrong++;
        }
        alloc_fail_at = -1;
        trit_set_allocator(NULL);
        CHECK_MSG(memory > 0 && wrong == 0, "JPEG %d under allocation failures: %d MEMORY, %d wrong", f, memory, wrong);
    }
}

/* The message names the format the bytes announce, not the reason of stb_image's last probe (which
 * said "bad png sig" for a truncated JPEG and "unknown image type" for an oversized PNG). */
static void test_decode_messages(void) {
    char message[160];
    uint8_t *out = NULL;
    int w = 0, h = 0;
    CHECK(trit_image_decode_rgb(jpeg_baseline, sizeof jpeg_baseline / 2, 64, &out, &w, &h, message, sizeof message) ==
          TRIT_ERROR_IMAGE);
    CHECK_MSG(strcmp(message, "image: JPEG data is corrupt or truncated") == 0, "%s", message);
    byte_buffer huge = {0};
    put(&huge, "\x89PNG\r\n\x1a\n", 8);
    const uint8_t ihdr[13] = {0, 1, 0x86, 0xa0, 0, 1, 0x86, 0xa0, 8, 2, 0, 0, 0}; /* 100000 x 100000 RGB */
    put_png_chunk(&huge, "IHDR", ihdr, sizeof ihdr);
    put_png_chunk(&huge, "IEND", NULL, 0);
    CHECK(trit_image_decode_rgb(huge.data, huge.size, 64, &out, &w, &h, message, sizeof message) == TRIT_ERROR_IMAGE);
    CHECK_MSG(strstr(message, "PNG header is corrupt, truncated or declares an image too large"), "%s", message);
    free(huge.data);
    CHECK(trit_image_decode_rgb("hello, world", 12, 64, &out, &w, &h, message, sizeof message) == TRIT_ERROR_IMAGE);
    CHECK_MSG(strcmp(message, "image: not a JPEG, PNG or BMP file") == 0, "%s", message);
    CHECK(out == NULL);
}

/* ---- decoding ------------------------------------------------------------------------------------ */
static void test_decode(void) {
    char message[160];
    uint8_t rgb[5 * 3 * 3], rgba[5 * 3 * 4];
    make_pattern(rgb, 5, 3, 3);
    make_pattern(rgba, 5, 3, 4);

    byte_buffer bmp = encode_bmp(rgb, 5, 3);
    uint8_t *out = NULL;
    int w = 0, h = 0;
    CHECK(trit_image_decode_rgb(bmp.data, bmp.size, 64, &out, &w, &h, message, sizeof message) == TRIT_OK);
    CHECK(w == 5 && h == 3 && out && memcmp(out, rgb, sizeof rgb) == 0);
    trit_free(out);

    byte_buffer png = encode_png(rgb, 5, 3, 3);
    CHECK(trit_image_decode_rgb(png.data, png.size, 64, &out, &w, &h, message, sizeof message) == TRIT_OK);
    CHECK(w == 5 && h == 3 && out && memcmp(out, rgb, sizeof rgb) == 0);
    trit_free(out);

    byte_buffer png4 = encode_png(rgba, 5, 3, 4); /* alpha dropped: RGB of each RGBA pixel */
    CHECK(trit_image_decode_rgb(png4.data, png4.size, 64, &out, &w, &h, message, sizeof message) == TRIT_OK);
    int same = w == 5 && h == 3 && out;
    for (int i = 0; same && i < 15; i++) same = memcmp(out + i * 3, rgba + i * 4, 3) == 0;
    CHECK(same);
    trit_free(out);

    /* A side above max_side is refused before decoding. */
    out = (uint8_t *)1;
    CHECK(trit_image_decode_rgb(png.data, png.size, 4, &out, &w, &h, message, sizeof message) == TRIT_ERROR_IMAGE);
    CHECK(out == NULL && strstr(message, "5x3") != NULL);
    CHECK(trit_image_decode_rgb(png.data, png.size, 5, &out, &w, &h, message, sizeof message) == TRIT_OK);
    trit_free(out);

    /* A header claiming 2^30 x 2^30 pixels: refused by size, no attempt to allocate. */
    byte_buffer huge = {0};
    put(&huge, png.data, png.size);
    huge.data[16] = 0x40, huge.data[17] = huge.data[18] = huge.data[19] = 0; /* IHDR width */
    huge.data[20] = 0x40, huge.data[21] = huge.data[22] = huge.data[23] = 0; /* IHDR height */
    const uint32_t crc = crc32_bytes(huge.data + 12, 17);
    huge.data[29] = (uint8_t)(crc >> 24), huge.data[30] = (uint8_t)(crc >> 16), huge.data[31] = (uint8_t)(crc >> 8),
    huge.data[32] = (uint8_t)crc;
    CHECK(trit_image_decode_rgb(huge.data, huge.size, 1 << 30, &out, &w, &h, message, sizeof message) ==
          TRIT_ERROR_IMAGE);
    CHECK(message[0] != '\0');

    /* Not an image, truncated image, empty input, bad arguments. */
    const char text[] = "this is not an image at all";
    CHECK(trit_image_decode_rgb(text, sizeof text, 64, &out, &w, &h, message, sizeof message) == TRIT_ERROR_IMAGE);
    CHECK(strstr(message, "image") != NULL);
    CHECK(trit_image_decode_rgb(png.data, png.size - 30, 64, &out, &w, &h, message, sizeof message) ==
          TRIT_ERROR_IMAGE);
    CHECK(trit_image_decode_rgb(bmp.data, 40, 64, &out, &w, &h, message, sizeof message) == TRIT_ERROR_IMAGE);
    CHECK(trit_image_decode_rgb(png.data, 0, 64, &out, &w, &h, message, sizeof message) == TRIT_ERROR_IMAGE);
    CHECK(trit_image_decode_rgb(NULL, 10, 64, &out, &w, &h, message, sizeof message) == TRIT_ERROR_ARGUMENT);
    CHECK(trit_image_decode_rgb(png.data, png.size, 64, NULL, &w, &h, NULL, 0) == TRIT_ERROR_ARGUMENT);

    /* Every allocation failing in turn (for each encoder): OK (a failed format probe is harmless) or
     * MEMORY, never another status, never a leak; at least one run fails. */
    trit_set_allocator(&counting);
    const byte_buffer *files[3] = {&png, &bmp, &png4};
    for (int f = 0; f < 3; f++) {
        alloc_index = 0, alloc_fail_at = -1, alloc_live = 0;
        CHECK(trit_image_decode_rgb(files[f]->data, files[f]->size, 64, &out, &w, &h, message, sizeof message) == TRIT_OK);
        trit_free(out);
        const long allocations = alloc_index;
        int memory_failures = 0, wrong = 0;
        for (long n = 0; n < allocations; n++) {
            alloc_index = 0, alloc_fail_at = n, alloc_live = 0;
            out = NULL;
            const trit_status st =
                trit_image_decode_rgb(files[f]->data, files[f]->size, 64, &out, &w, &h, message, sizeof message);
            if (st == TRIT_OK) {
                if (w != 5 || h != 3 || memcmp(out, rgb, 3) != 0) wrong++;
                trit_free(out);
            } else if (st == TRIT_ERROR_MEMORY) {
                memory_failures++;
                if (out != NULL || strstr(message, "memory") == NULL) wrong++;
            } else {
                wrong++;
                fprintf(stderr, "allocation %ld of %ld failing: status %d (%s)\n", n, allocations, (int)st, message);
            }
            if (alloc_live != 0) wrong++;
        }
        CHECK_MSG(memory_failures > 0 && wrong == 0, "file %d: %ld allocations, %d MEMORY, %d wrong", f, allocations,
                  memory_failures, wrong);
    }
    alloc_fail_at = -1;
    trit_set_allocator(NULL);

    free(bmp.data), free(png.data), free(png4.data), free(huge.data);
}

/* ---- preprocessing -------------------------------------------------------------------------------- */
static const trit_preprocess plain = {0, 0, 0, TRIT_FILTER_AREA, {0, 0, 0}, {1, 1, 1}};

static trit_preprocess make_pre(int height, int width, int resize, trit_resize_filter filter) {
    trit_preprocess p = plain;
    p.height = height, p.width = width, p.resize = resize, p.filter = filter;
    return p;
}

/* Pointer form for one-off calls (one static copy; each call overwrites it). */
static const trit_preprocess *pre(int height, int width, int resize, trit_resize_filter filter) {
    static trit_preprocess p;
    p = make_pre(height, width, resize, filter);
    return &p;
}

/* out value of an RGB pixel value v (0..255 as double) in channel c, as image.c documents it. */
static float normalised(double v, const trit_preprocess *p, int c) {
    return (float)((v / 255.0 - (double)p->mean[c]) / (double)p->std[c]);
}

static void test_identity(void) {
    uint8_t rgb[4 * 3 * 3];
    make_pattern(rgb, 4, 3, 3);
    trit_preprocess p = make_pre(3, 4, 3, TRIT_FILTER_AREA);
    const float mean[3] = {0.485f, 0.456f, 0.406f}, std[3] = {0.229f, 0.224f, 0.225f};
    memcpy(p.mean, mean, sizeof mean), memcpy(p.std, std, sizeof std);
    float out[3 * 3 * 4];
    for (int filter = 0; filter < 2; filter++) {
        p.filter = (trit_resize_filter)filter;
        CHECK(trit_image_preprocess(rgb, 4, 3, 12, 3, &p, out) == TRIT_OK);
        int exact = 1;
        for (int c = 0; c < 3; c++)
            for (int i = 0; i < 12; i++) exact &= out[c * 12 + i] == normalised(rgb[i * 3 + c], &p, c);
        CHECK_MSG(exact, "identity resize (filter %d) is not exactly p/255 normalised", filter);
    }
    /* Exactly (p/255 - mean)/std of the plain float formula as well, within a float ulp or two. */
    CHECK_NEAR(out[0], (rgb[0] / 255.0f - 0.485f) / 0.229f, 1e-6, 1e-6);
}

static void test_box_downscale(void) {
    /* 4x4 -> 2x2, exact 2x2 block means. */
    uint8_t rgb[4 * 4 * 3];
    make_pattern(rgb, 4, 4, 3);
    rgb[0] = 255, rgb[3] = 0, rgb[12] = 1, rgb[15] = 2; /* uneven block, mean 64.5 */
    const trit_preprocess p = make_pre(2, 2, 2, TRIT_FILTER_AREA);
    float out[3 * 2 * 2];
    CHECK(trit_image_preprocess(rgb, 4, 4, 12, 3, &p, out) == TRIT_OK);
    int exact = 1;
    for (int c = 0; c < 3; c++)
        for (int y = 0; y < 2; y++)
            for (int x = 0; x < 2; x++) {
                double sum = 0;
                for (int j = 0; j < 2; j++)
                    for (int i = 0; i < 2; i++) sum += rgb[((2 * y + j) * 4 + 2 * x + i) * 3 + c];
                exact &= out[c * 4 + y * 2 + x] == normalised(sum / 4.0, &p, c);
            }
    CHECK(exact);
    CHECK(out[0] == (float)(64.5 / 255.0));

    /* 3 -> 2 along x (rows equal): weights 2/3, 1/3 and 1/3, 2/3. */
    const uint8_t row3[3 * 3 * 3] = {30, 0, 0, 60, 0, 0, 90, 0, 0, 30, 0, 0, 60, 0, 0, 90, 0, 0,
                                     30, 0, 0, 60, 0, 0, 90, 0, 0};
    float out2[3 * 2 * 2];
    CHECK(trit_image_preprocess(row3, 3, 3, 9, 3, pre(2, 2, 2, TRIT_FILTER_AREA), out2) == TRIT_OK);
    CHECK_NEAR(out2[0], 40.0 / 255, 1e-7, 0);
    CHECK_NEAR(out2[1], 80.0 / 255, 1e-7, 0);
    CHECK_NEAR(out2[2], 40.0 / 255, 1e-7, 0);
}

static void test_bilinear(void) {
    /* 2x2 -> 4x4: channel 0 = 100*x, channel 1 = 100*y, channel 2 constant. */
    const uint8_t rgb[2 * 2 * 3] = {0, 0, 7, 100, 0, 7, 0, 100, 7, 100, 100, 7};
    const float want[4] = {0, 25, 75, 100};
    float out[3 * 4 * 4];
    for (int filter = 0; filter < 2; filter++) { /* enlarging: area also uses bilinear */
        const trit_preprocess p = make_pre(4, 4, 4, (trit_resize_filter)filter);
        CHECK(trit_image_preprocess(rgb, 2, 2, 6, 3, &p, out) == TRIT_OK);
        int exact = 1;
        for (int y = 0; y < 4; y++)
            for (int x = 0; x < 4; x++) {
                exact &= out[y * 4 + x] == normalised(want[x], &p, 0);
                exact &= out[16 + y * 4 + x] == normalised(want[y], &p, 1);
                exact &= out[32 + y * 4 + x] == normalised(7, &p, 2);
            }
        CHECK_MSG(exact, "bilinear 2x upscale (filter %d)", filter);
    }
    /* Filter bilinear when shrinking 4 -> 2: source positions 0.5 and 2.5 (no box average). */
    const uint8_t r4[4 * 1 * 3] = {0, 0, 0, 100, 0, 0, 20, 0, 0, 60, 0, 0};
    float o2[3 * 1 * 2];
    /* 4x1 image: shorter side 1 -> resize 1 keeps it; use a 4x4 image of equal rows instead. */
    uint8_t r44[4 * 4 * 3];
    for (int y = 0; y < 4; y++) memcpy(r44 + y * 12, r4, 12);
    CHECK(trit_image_preprocess(r44, 4, 4, 12, 3, pre(1, 2, 2, TRIT_FILTER_BILINEAR), o2) == TRIT_OK);
    CHECK(o2[0] == normalised(50, &plain, 0) && o2[1] == normalised(40, &plain, 0));
    CHECK(trit_image_preprocess(r44, 4, 4, 12, 3, pre(1, 2, 2, TRIT_FILTER_AREA), o2) == TRIT_OK);
    CHECK(o2[0] == normalised(50, &plain, 0) && o2[1] == normalised(40, &plain, 0)); /* box of pairs agrees here */
    const uint8_t r4b[4 * 3] = {0, 0, 0, 100, 0, 0, 200, 0, 0, 40, 0, 0};
    for (int y = 0; y < 4; y++) memcpy(r44 + y * 12, r4b, 12);
    CHECK(trit_image_preprocess(r44, 4, 4, 12, 3, pre(1, 2, 2, TRIT_FILTER_BILINEAR), o2) == TRIT_OK);
    CHECK(o2[0] == normalised(50, &plain, 0) && o2[1] == normalised(120, &plain, 0));
}

static void test_crop_and_aspect(void) {
    /* 7x3 -> target 3x3 (resize 3 = identity): crop left floor(4/2) = 2. 6x3 -> floor(3/2) = 1. */
    uint8_t img[8 * 8 * 3];
    make_pattern(img, 8, 8, 3);
    float out[3 * 3 * 3];
    const trit_preprocess p = make_pre(3, 3, 3, TRIT_FILTER_AREA);
    const int widths[2] = {7, 6}, lefts[2] = {2, 1};
    for (int k = 0; k < 2; k++) {
        CHECK(trit_image_preprocess(img, widths[k], 3, 24, 3, &p, out) == TRIT_OK);
        int ok = 1;
        for (int c = 0; c < 3; c++)
            for (int y = 0; y < 3; y++)
                for (int x = 0; x < 3; x++)
                    ok &= out[c * 9 + y * 3 + x] == normalised(img[(y * 8 + x + lefts[k]) * 3 + c], &p, c);
        CHECK_MSG(ok, "horizontal centre crop of width %d", widths[k]);
    }
    /* 3 wide, 8 tall: crop top floor(5/2) = 2. */
    CHECK(trit_image_preprocess(img, 3, 8, 24, 3, &p, out) == TRIT_OK);
    int ok = 1;
    for (int y = 0; y < 3; y++)
        for (int x = 0; x < 3; x++) ok &= out[y * 3 + x] == normalised(img[((y + 2) * 8 + x) * 3], &p, 0);
    CHECK(ok);

    /* Aspect rounding: 7x2 with resize 1 -> 4x1 (3.5 rounds up); then each output is a box of
     * 1.75 x 2 pixels. Target 1x4 uses the whole resized image. */
    uint8_t r72[7 * 2 * 3];
    make_pattern(r72, 7, 2, 3);
    float o4[3 * 4];
    CHECK(trit_image_preprocess(r72, 7, 2, 21, 3, pre(1, 4, 1, TRIT_FILTER_AREA), o4) == TRIT_OK);
    double v0 = 0;
    for (int y = 0; y < 2; y++) v0 += (r72[(y * 7) * 3] * 1.0 + r72[(y * 7 + 1) * 3] * 0.75) / 1.75 / 2;
    CHECK_NEAR(o4[0], v0 / 255, 1e-7, 0);
    /* ...and a 1x5 target does not fit a 4-wide resized image. */
    CHECK(trit_image_preprocess(r72, 7, 2, 21, 3, pre(1, 5, 1, TRIT_FILTER_AREA), o4) == TRIT_ERROR_IMAGE);
}

static void test_rgba_and_errors(void) {
    /* RGBA with a padded stride full of junk gives the same tensor as packed RGB. */
    enum { W = 5, H = 4, STRIDE = W * 4 + 7 };
    uint8_t rgb[W * H * 3], rgba[STRIDE * H];
    make_pattern(rgb, W, H, 3);
    for (int i = 0; i < STRIDE * H; i++) rgba[i] = (uint8_t)(i * 131 + 7);
    for (int y = 0; y < H; y++)
        for (int x = 0; x < W; x++) memcpy(rgba + y * STRIDE + x * 4, rgb + (y * W + x) * 3, 3);
    const trit_preprocess p = make_pre(3, 3, 3, TRIT_FILTER_AREA);
    float a[27], b[27];
    CHECK(trit_image_preprocess(rgb, W, H, W * 3, 3, &p, a) == TRIT_OK);
    CHECK(trit_image_preprocess(rgba, W, H, STRIDE, 4, &p, b) == TRIT_OK);
    CHECK(memcmp(a, b, sizeof a) == 0);

    CHECK(trit_image_preprocess(rgb, W, H, W * 3 - 1, 3, &p, a) == TRIT_ERROR_ARGUMENT); /* stride too small */
    CHECK(trit_image_preprocess(rgb, W, H, W * 3, 2, &p, a) == TRIT_ERROR_ARGUMENT);
    CHECK(trit_image_preprocess(NULL, W, H, W * 3, 3, &p, a) == TRIT_ERROR_ARGUMENT);
    CHECK(trit_image_preprocess(rgb, 0, H, W * 3, 3, &p, a) == TRIT_ERROR_IMAGE);
    CHECK(trit_image_preprocess(rgb, W, H, W * 3, 3, pre(3, 3, 2, TRIT_FILTER_AREA), a) == TRIT_ERROR_IMAGE);
    CHECK(trit_image_preprocess(rgb, W, H, W * 3, 3, pre(0, 3, 3, TRIT_FILTER_AREA), a) == TRIT_ERROR_IMAGE);

    /* The intermediate's allocation failing gives MEMORY and leaks nothing. */
    trit_set_allocator(&counting);
    alloc_index = 0, alloc_fail_at = 0, alloc_live = 0;
    CHECK(trit_image_preprocess(rgb, W, H, W * 3, 3, &p, a) == TRIT_ERROR_MEMORY);
    alloc_fail_at = -1;
    CHECK(trit_image_preprocess(rgb, W, H, W * 3, 3, &p, a) == TRIT_OK && alloc_live == 0);
    trit_set_allocator(NULL);

    /* A very elongated image: only the crop is computed, the huge resized side costs nothing. */
    uint8_t strip[1 * 3000 * 3];
    memset(strip, 200, sizeof strip);
    float s[3 * 4 * 4];
    CHECK(trit_image_preprocess(strip, 1, 3000, 3, 3, pre(4, 4, 1000, TRIT_FILTER_AREA), s) == TRIT_OK);
    CHECK(s[0] == normalised(200, &plain, 0) && s[47] == normalised(200, &plain, 2));
}

/* ---- naive resampler sweep --------------------------------------------------------------------- */
/* Dense weights over all S source pixels for resized coordinate r, in plain double arithmetic. */
static void naive_axis(int src, int dst, int r, trit_resize_filter filter, double *w) {
    for (int i = 0; i < src; i++) w[i] = 0;
    if (dst == src) {
        w[r] = 1;
    } else if (dst < src && filter == TRIT_FILTER_AREA) {
        const double lo = (double)r * src / dst, hi = (double)(r + 1) * src / dst;
        for (int i = 0; i < src; i++) {
            const double a = lo > i ? lo : i, b = hi < i + 1 ? hi : i + 1;
            if (b > a) w[i] = (b - a) / (hi - lo);
        }
    } else {
        double pos = (r + 0.5) * src / dst - 0.5;
        if (pos < 0) pos = 0;
        if (pos > src - 1) pos = src - 1;
        const int i0 = (int)floor(pos);
        const int i1 = i0 + 1 < src ? i0 + 1 : src - 1;
        w[i0] += 1 - (pos - i0);
        w[i1] += pos - i0;
    }
}

static void test_resample_sweep(void) {
    uint32_t seed = 99;
    int bad = 0, cases = 0;
    for (int trial = 0; trial < 300; trial++) {
        seed = seed * 1664525u + 1013904223u;
        const int w = 1 + (int)(seed >> 8) % 12, h = 1 + (int)(seed >> 16) % 12;
        const int resize = 1 + (int)(seed >> 24) % 14;
        const trit_resize_filter filter = (trit_resize_filter)((seed >> 4) & 1);
        const int shorter = w < h ? w : h;
        const int rw = w <= h ? resize : (int)((2LL * w * resize + shorter) / (2LL * shorter));
        const int rh = w <= h ? (int)((2LL * h * resize + shorter) / (2LL * shorter)) : resize;
        const int tw = 1 + (int)(seed >> 12) % rw, th = 1 + (int)(seed >> 20) % rh;
        uint8_t *img = xcalloc((size_t)w * h * 3, 1);
        for (int i = 0; i < w * h * 3; i++) img[i] = (uint8_t)(i * 97 + trial);
        float *out = xcalloc((size_t)3 * tw * th, sizeof(float));
        const trit_preprocess p = make_pre(th, tw, resize, filter);
        if (trit_image_preprocess(img, w, h, (size_t)w * 3, 3, &p, out) != TRIT_OK) {
            bad++;
            free(img), free(out);
            continue;
        }
        double *wx = xcalloc((size_t)w, sizeof(double)), *wy = xcalloc((size_t)h, sizeof(double));
        const int left = (rw - tw) / 2, top = (rh - th) / 2;
        double worst = 0;
        for (int y = 0; y < th; y++) {
            naive_axis(h, rh, y + top, filter, wy);
            for (int x = 0; x < tw; x++) {
                naive_axis(w, rw, x + left, filter, wx);
                for (int c = 0; c < 3; c++) {
                    double v = 0;
                    for (int j = 0; j < h; j++)
                        for (int i = 0; i < w; i++) v += wy[j] * wx[i] * img[(j * w + i) * 3 + c];
                    const double d = fabs(out[(c * th + y) * tw + x] - v / 255.0);
                    if (d > worst) worst = d;
                }
            }
        }
        cases++;
        if (worst > 1e-6) {
            bad++;
            fprintf(stderr, "resample sweep: %dx%d resize %d target %dx%d filter %d: error %g\n", w, h, resize, tw, th,
                    (int)filter, worst);
        }
        free(img), free(out), free(wx), free(wy);
    }
    CHECK_MSG(bad == 0, "%d of %d resampling cases differ from the naive resampler", bad, cases);
}

/* A digest of a few preprocessed tensors, printed so native and wasm builds can be compared. */
static void print_digest(void) {
    uint8_t img[37 * 23 * 3];
    make_pattern(img, 37, 23, 3);
    const trit_preprocess cases[3] = {make_pre(16, 16, 16, TRIT_FILTER_AREA), make_pre(20, 30, 29, TRIT_FILTER_AREA),
                                      make_pre(30, 40, 31, TRIT_FILTER_BILINEAR)};
    uint32_t hash = 2166136261u;
    float out[3 * 30 * 40];
    for (int k = 0; k < 3; k++) {
        trit_preprocess p = cases[k];
        p.mean[0] = 0.485f, p.mean[1] = 0.456f, p.mean[2] = 0.406f;
        p.std[0] = 0.229f, p.std[1] = 0.224f, p.std[2] = 0.225f;
        CHECK(trit_image_preprocess(img, 37, 23, 37 * 3, 3, &p, out) == TRIT_OK);
        const uint8_t *bytes = (const uint8_t *)out;
        for (size_t i = 0; i < (size_t)3 * p.height * p.width * sizeof(float); i++) hash = (hash ^ bytes[i]) * 16777619u;
    }
    printf("test_image: preprocess digest %08x\n", (unsigned)hash);
}

int main(void) {
    test_decode();
    test_decode_jpeg();
    test_decode_messages();
    test_identity();
    test_box_downscale();
    test_bilinear();
    test_crop_and_aspect();
    test_rgba_and_errors();
    test_resample_sweep();
    print_digest();
    return CHECK_REPORT("test_image");
}
