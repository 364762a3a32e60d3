#include "pb.h"

void pb_init(pb_reader *r, const void *data, size_t size) {
    r->pos = data;
    r->end = r->pos + size;
}

int pb_at_end(const pb_reader *r) { return r->pos >= r->end; }

int pb_read_varint(pb_reader *r, uint64_t *out) {
    uint64_t value = 0;
    for (int i = 0; i < 10; i++) {
        if (r->pos >= r->end) return 0;
        uint8_t b = *r->pos++;
        /* The 10th byte may only carry the top bit of a 64-bit value. */
        if (i == 9 && (b & 0xFE)) return 0;
        value |= (uint64_t)(b & 0x7F) << (7 * i);
        if (!(b & 0x80)) {
            *out = value;
            return 1;
        }
    }
    return 0;
}

int pb_next(pb_reader *r, pb_field *f) {
    if (r->pos >= r->end) return 0;
    uint64_t key;
    if (!pb_read_varint(r, &key)) return -1;
    uint64_t number = key >> 3;
    if (number == 0 || number > 0x1FFFFFFF) return -1;
    f->number = (uint32_t)number;
    f->wire_type = (int)(key & 7);
    f->value = 0;
    f->bytes = NULL;
    f->length = 0;
    switch (f->wire_type) {
    case PB_VARINT:
        return pb_read_varint(r, &f->value) ? 1 : -1;
    case PB_FIXED64:
        if ((size_t)(r->end - r->pos) < 8) return -1;
        for (int i = 0; i < 8; i++) f->value |= (uint64_t)r->pos[i] << (8 * i);
        r->pos += 8;
        return 1;
    case PB_FIXED32:
        if ((size_t)(r->end - r->pos) < 4) return -1;
        for (int i = 0; i < 4; i++) f->value |= (uint64_t)r->pos[i] << (8 * i);
        r->pos += 4;
        return 1;
    case PB_BYTES: {
        uint64_t length;
        if (!pb_read_varint(r, &length)) return -1;
        if (length > (uint64_t)(r->end - r->pos)) return -1;
        f->bytes = r->pos;
        f->length = (size_t)length;
        r->pos += length;
        return 1;
    }
    default: /* groups (3, 4) and 6, 7 are not used by ONNX */
        return -1;
    }
}

int pb_count_packed(const pb_field *f, int element_wire_type, size_t *count) {
    if (f->wire_type == element_wire_type) {
        *count = 1;
        return 1;
    }
    if (f->wire_type != PB_BYTES) return 0;
    if (element_wire_type == PB_FIXED32) {
        if (f->length % 4) return 0;
        *count = f->length / 4;
        return 1;
    }
    if (element_wire_type == PB_FIXED64) {
        if (f->length % 8) return 0;
        *count = f->length / 8;
        return 1;
    }
    /* varints: count terminating bytes, and check the last byte terminates one */
    size_t n = 0;
    for (size_t i = 0; i < f->length; i++)
        if (!(f->bytes[i] & 0x80)) n++;
    if (f->length && (f->bytes[f->length - 1] & 0x80)) return 0;
    *count = n;
    return 1;
}
