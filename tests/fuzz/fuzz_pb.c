/* libFuzzer target: the protobuf wire-format reader (core/src/pb.c) and the standalone TensorProto
 * decoder (the CLI's input_*.pb files, core/src/onnx.c).
 *
 * The input is walked as a protobuf message; every length-delimited field is walked again as a
 * nested message (down to PB_MAX_DEPTH, as the ONNX decoder does) and counted as a packed repeated
 * field of each scalar wire type. The reader's own promises are checked: a field's bytes lie inside
 * its parent, the read position only moves forward and never past the end, and a field is never
 * empty-handed on success. Then the same bytes are decoded as a TensorProto. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "alloc.h"
#include "fuzz_common.h"
#include "onnx.h"
#include "pb.h"
#include "pool.h"

static void walk(const uint8_t *data, size_t size, int depth) {
    pb_reader r;
    pb_init(&r, data, size);
    const uint8_t *end = data + size;
    for (;;) {
        const uint8_t *before = r.pos;
        pb_field f;
        int got = pb_next(&r, &f);
        FUZZ_REQUIRE(r.pos >= before && r.pos <= end);
        if (got == 0) {
            FUZZ_REQUIRE(pb_at_end(&r));
            return;
        }
        if (got < 0) return;
        FUZZ_REQUIRE(got == 1 && f.number != 0 && r.pos > before);
        size_t count = 0;
        if (f.wire_type == PB_BYTES) {
            FUZZ_REQUIRE(f.bytes >= data && f.length <= (size_t)(end - f.bytes));
            FUZZ_REQUIRE(f.bytes + f.length == r.pos);
            if (pb_count_packed(&f, PB_FIXED32, &count)) FUZZ_REQUIRE(count * 4 == f.length);
            if (pb_count_packed(&f, PB_FIXED64, &count)) FUZZ_REQUIRE(count * 8 == f.length);
            if (pb_count_packed(&f, PB_VARINT, &count)) FUZZ_REQUIRE(count <= f.length);
            if (depth < PB_MAX_DEPTH) walk(f.bytes, f.length, depth + 1);
        } else {
            FUZZ_REQUIRE(f.wire_type == PB_VARINT || f.wire_type == PB_FIXED32 || f.wire_type == PB_FIXED64);
            FUZZ_REQUIRE(pb_count_packed(&f, f.wire_type, &count) && count == 1);
        }
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    walk(data, size, 0);

    /* Bare varints back to back. */
    pb_reader r;
    pb_init(&r, data, size);
    uint64_t value;
    while (pb_read_varint(&r, &value)) FUZZ_REQUIRE(r.pos <= data + size);

    /* The same bytes as a standalone TensorProto, under small limits so a declared size cannot make
     * the harness itself slow. */
    onnx_limits limits = {.max_tensor_elements = 1u << 20, .max_nodes = 1000};
    trit_pool pool = {0};
    onnx_tensor tensor;
    char message[256];
    trit_status status = onnx_decode_tensor(data, size, &limits, &pool, &tensor, message, sizeof message);
    if (status == TRIT_OK) {
        FUZZ_REQUIRE(tensor.rank >= 0 && tensor.rank <= TRIT_MAX_RANK);
        FUZZ_REQUIRE(tensor.count <= limits.max_tensor_elements);
        size_t element = onnx_dtype_size(tensor.dtype);
        FUZZ_REQUIRE(element != 0);
        /* Touch every byte of the data: ASan checks the decoder allocated what it promised. */
        volatile uint8_t sink = 0;
        const uint8_t *bytes = tensor.data;
        for (size_t i = 0; i < tensor.count * element; i++) sink ^= bytes[i];
        (void)sink;
        trit_free(tensor.data);
    } else {
        FUZZ_REQUIRE(message[0] != '\0');
    }
    trit_pool_release(&pool);
    return 0;
}
