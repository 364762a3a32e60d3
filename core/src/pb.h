/* Protobuf wire-format reader: just enough to walk ONNX messages. Every read is bounds-checked;
 * a malformed buffer makes the reader report failure, never read past the end. */
#ifndef TRIT_PB_H
#define TRIT_PB_H

#include <stddef.h>
#include <stdint.h>

enum { PB_VARINT = 0, PB_FIXED64 = 1, PB_BYTES = 2, PB_FIXED32 = 5 };

/* Nesting limit for length-delimited messages decoded recursively (ONNX graphs nest through
 * attributes; a hostile file must not exhaust the stack). */
#define PB_MAX_DEPTH 32

typedef struct pb_reader {
    const uint8_t *pos;
    const uint8_t *end;
} pb_reader;

/* One decoded field: number, wire type and its value (varint / fixed / byte range). */
typedef struct pb_field {
    uint32_t number;
    int wire_type;
    uint64_t value;        /* varint, fixed32, fixed64 (raw bits) */
    const uint8_t *bytes;  /* PB_BYTES */
    size_t length;
} pb_field;

void pb_init(pb_reader *r, const void *data, size_t size);
int pb_at_end(const pb_reader *r);
/* 1 = a field was read into *f, 0 = clean end of buffer, -1 = malformed (truncated, overlong
 * varint, bad wire type, field number 0). Unknown fields are the caller's to ignore. */
int pb_next(pb_reader *r, pb_field *f);
/* Read one varint; 0 on truncation or more than 10 bytes / overflowing the 64 bits. */
int pb_read_varint(pb_reader *r, uint64_t *out);

/* Count the elements of a repeated scalar field in one occurrence (packed or not).
 * Returns 0 on malformed packed data. */
int pb_count_packed(const pb_field *f, int element_wire_type, size_t *count);

#endif
