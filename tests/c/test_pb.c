/* Protobuf wire reader and ONNX decoder: hand-made byte strings, truncations, overflowing
 * varints, packed and unpacked repeated fields, refused encodings. */
#include <string.h>

#include "alloc.h"
#include "check.h"
#include "onnx.h"
#include "onnx_builder.h"
#include "pb.h"
#include "trit.h"

static int read_varint(const unsigned char *bytes, size_t n, uint64_t *out) {
    pb_reader r;
    pb_init(&r, bytes, n);
    return pb_read_varint(&r, out);
}

static void test_varints(void) {
    uint64_t v = 0;
    const unsigned char one[] = {0x01}, big[] = {0xAC, 0x02};
    CHECK(read_varint(one, 1, &v) && v == 1);
    CHECK(read_varint(big, 2, &v) && v == 300);
    const unsigned char max[] = {0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x01};
    CHECK(read_varint(max, 10, &v) && v == UINT64_MAX);
    const unsigned char overflow[] = {0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x02};
    CHECK(!read_varint(overflow, 10, &v));
    const unsigned char too_long[] = {0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x00};
    CHECK(!read_varint(too_long, 11, &v));
    const unsigned char truncated[] = {0x80, 0x80};
    CHECK(!read_varint(truncated, 2, &v));
    CHECK(!read_varint(truncated, 0, &v));
}

static int next_field(const unsigned char *bytes, size_t n, pb_field *f) {
    pb_reader r;
    pb_init(&r, bytes, n);
    return pb_next(&r, f);
}

static void test_fields(void) {
    pb_field f;
    const unsigned char varint_field[] = {0x08, 0x96, 0x01}; /* field 1, 150 */
    CHECK(next_field(varint_field, 3, &f) == 1 && f.number == 1 && f.wire_type == PB_VARINT && f.value == 150);
    const unsigned char bytes_field[] = {0x12, 0x03, 'a', 'b', 'c'};
    CHECK(next_field(bytes_field, 5, &f) == 1 && f.number == 2 && f.length == 3 && memcmp(f.bytes, "abc", 3) == 0);
    CHECK(next_field(bytes_field, 4, &f) == -1); /* length beyond the buffer */
    const unsigned char huge_length[] = {0x12, 0xFF, 0xFF, 0xFF, 0xFF, 0x0F};
    CHECK(next_field(huge_length, 6, &f) == -1);
    const unsigned char fixed32[] = {0x1D, 0x00, 0x00, 0x80, 0x3F}; /* field 3, 1.0f */
    CHECK(next_field(fixed32, 5, &f) == 1 && f.wire_type == PB_FIXED32 && f.value == 0x3F800000u);
    CHECK(next_field(fixed32, 4, &f) == -1);
    const unsigned char fixed64[] = {0x21, 1, 2, 3, 4, 5, 6, 7, 8};
    CHECK(next_field(fixed64, 9, &f) == 1 && f.value == 0x0807060504030201ull);
    CHECK(next_field(fixed64, 8, &f) == -1);
    const unsigned char field_zero[] = {0x00, 0x01};
    CHECK(next_field(field_zero, 2, &f) == -1);
    const unsigned char group[] = {0x0B}; /* wire type 3 */
    CHECK(next_field(group, 1, &f) == -1);
    const unsigned char wire7[] = {0x0F};
    CHECK(next_field(wire7, 1, &f) == -1);
    CHECK(next_field(group, 0, &f) == 0);

    /* packed counts */
    pb_field packed = {4, PB_BYTES, 0, (const uint8_t *)"\x01\x96\x01\x02", 4};
    size_t count = 0;
    CHECK(pb_count_packed(&packed, PB_VARINT, &count) && count == 3);
    pb_field bad_packed = {4, PB_BYTES, 0, (const uint8_t *)"\x01\x96", 2};
    CHECK(!pb_count_packed(&bad_packed, PB_VARINT, &count));
    pb_field floats = {4, PB_BYTES, 0, (const uint8_t *)"12345678", 8};
    CHECK(pb_count_packed(&floats, PB_FIXED32, &count) && count == 2);
    floats.length = 7;
    CHECK(!pb_count_packed(&floats, PB_FIXED32, &count));
}

static onnx_limits limits = {1u << 20, 100};

static trit_status decode_tensor_bytes(const pbw *w, onnx_tensor *t, trit_pool *pool) {
    char message[256];
    return onnx_decode_tensor(w->data, w->length, &limits, pool, t, message, sizeof message);
}

static void test_tensors(void) {
    trit_pool pool = {0};
    onnx_tensor t;
    /* packed dims + packed float_data */
    pbw w = {0};
    pbw_bytes(&w, 1, "\x02\x03", 2); /* dims packed: 2, 3 */
    pbw_uint(&w, 2, TRIT_FLOAT32);
    float values[6] = {1, 2, 3, 4, 5, -6.5f};
    pbw_bytes(&w, 4, values, sizeof values);
    pbw_str(&w, 8, "w");
    CHECK(decode_tensor_bytes(&w, &t, &pool) == TRIT_OK);
    CHECK(t.rank == 2 && t.dims[0] == 2 && t.dims[1] == 3 && t.count == 6 && strcmp(t.name, "w") == 0);
    CHECK(t.data && ((float *)t.data)[5] == -6.5f);
    trit_free(t.data);
    pbw_free(&w);

    /* unpacked dims and int32_data holding int8 values (negatives as 10-byte varints) */
    pbw_uint(&w, 1, 3);
    pbw_uint(&w, 2, TRIT_INT8);
    pbw_uint(&w, 5, (uint64_t)(int64_t)-1);
    pbw_uint(&w, 5, 127);
    pbw_uint(&w, 5, (uint64_t)(int64_t)-128);
    CHECK(decode_tensor_bytes(&w, &t, &pool) == TRIT_OK);
    CHECK(t.count == 3 && ((int8_t *)t.data)[0] == -1 && ((int8_t *)t.data)[1] == 127 && ((int8_t *)t.data)[2] == -128);
    trit_free(t.data);
    pbw_free(&w);

    /* int32_data holding uint8 (packed) and int32 values: every element type from the typed fields */
    pbw_uint(&w, 1, 3);
    pbw_uint(&w, 2, TRIT_UINT8);
    pbw_bytes(&w, 5, "\x00\xff\x01\x80\x01", 5); /* packed varints 0, 255, 128 */
    CHECK(decode_tensor_bytes(&w, &t, &pool) == TRIT_OK);
    CHECK(t.count == 3 && ((uint8_t *)t.data)[0] == 0 && ((uint8_t *)t.data)[1] == 255 && ((uint8_t *)t.data)[2] == 128);
    trit_free(t.data);
    pbw_free(&w);
    pbw_uint(&w, 1, 2);
    pbw_uint(&w, 2, TRIT_INT32);
    pbw_uint(&w, 5, (uint64_t)(int64_t)INT32_MIN);
    pbw_uint(&w, 5, (uint64_t)INT32_MAX);
    CHECK(decode_tensor_bytes(&w, &t, &pool) == TRIT_OK);
    CHECK(t.count == 2 && ((int32_t *)t.data)[0] == INT32_MIN && ((int32_t *)t.data)[1] == INT32_MAX);
    trit_free(t.data);
    pbw_free(&w);

    /* a text file read as a tensor: "hello" is field 13 (external_data) with the varint wire type,
     * which is a malformed message, not an external-data tensor */
    CHECK(onnx_decode_tensor("hello\n", 6, &limits, &pool, &t, (char[128]){0}, 128) == TRIT_ERROR_FORMAT);

    /* int64_data mixed packed and unpacked */
    pbw_uint(&w, 1, 3);
    pbw_uint(&w, 2, TRIT_INT64);
    pbw_uint(&w, 7, 5);
    pbw_bytes(&w, 7, "\x07\x09", 2);
    CHECK(decode_tensor_bytes(&w, &t, &pool) == TRIT_OK);
    CHECK(t.count == 3 && ((int64_t *)t.data)[0] == 5 && ((int64_t *)t.data)[2] == 9);
    trit_free(t.data);
    pbw_free(&w);

    /* wrong number of values */
    pbw_uint(&w, 1, 4);
    pbw_uint(&w, 2, TRIT_INT64);
    pbw_uint(&w, 7, 5);
    CHECK(decode_tensor_bytes(&w, &t, &pool) == TRIT_ERROR_FORMAT);
    pbw_free(&w);

    /* raw_data of the wrong size */
    pbw_uint(&w, 1, 2);
    pbw_uint(&w, 2, TRIT_FLOAT32);
    pbw_bytes(&w, 9, "\0\0\0\0\0\0\0", 7);
    CHECK(decode_tensor_bytes(&w, &t, &pool) == TRIT_ERROR_FORMAT);
    pbw_free(&w);

    /* unsupported dtype, external data, segments, negative dims, too many elements, rank > 8 */
    pbw_uint(&w, 1, 2);
    pbw_uint(&w, 2, 11); /* double */
    CHECK(decode_tensor_bytes(&w, &t, &pool) == TRIT_ERROR_UNSUPPORTED);
    pbw_free(&w);
    pbw_uint(&w, 2, TRIT_FLOAT32);
    pbw_uint(&w, 14, 1);
    CHECK(decode_tensor_bytes(&w, &t, &pool) == TRIT_ERROR_UNSUPPORTED);
    pbw_free(&w);
    pbw_uint(&w, 2, TRIT_FLOAT32);
    pbw_bytes(&w, 3, "\x08\x00", 2);
    CHECK(decode_tensor_bytes(&w, &t, &pool) == TRIT_ERROR_UNSUPPORTED);
    pbw_free(&w);
    pbw_uint(&w, 1, (uint64_t)(int64_t)-3);
    pbw_uint(&w, 2, TRIT_FLOAT32);
    CHECK(decode_tensor_bytes(&w, &t, &pool) == TRIT_ERROR_FORMAT);
    pbw_free(&w);
    pbw_uint(&w, 1, 1u << 21);
    pbw_uint(&w, 2, TRIT_FLOAT32);
    CHECK(decode_tensor_bytes(&w, &t, &pool) == TRIT_ERROR_LIMIT);
    pbw_free(&w);
    for (int i = 0; i < 9; i++) pbw_uint(&w, 1, 1);
    pbw_uint(&w, 2, TRIT_FLOAT32);
    CHECK(decode_tensor_bytes(&w, &t, &pool) == TRIT_ERROR_LIMIT);
    pbw_free(&w);
    trit_pool_release(&pool);
}

/* A small valid model: every prefix of it must decode to a clean error or success, never crash. */
static void test_model_decoding(void) {
    pbw g = {0};
    int64_t dims[2] = {1, 4}, shape[1] = {2};
    int64_t target[2] = {2, 2};
    ONNX_INPUT(&g, "x", TRIT_FLOAT32, 2, dims);
    ONNX_INITIALIZER(&g, "shape", TRIT_INT64, 1, shape, target, sizeof target);
    pbw n = mk_node("Reshape", "reshape", LIST("x", "shape"), LIST("y"));
    mk_end_node(&g, &n);
    pbw r = mk_node("Relu", "relu", LIST("y"), LIST("z"));
    mk_end_node(&g, &r);
    ONNX_OUTPUT(&g, "z", TRIT_FLOAT32, 2, target);
    pbw m = mk_model(&g, 13, LIST("trit.name", "tiny"));
    trit_pool pool = {0};
    onnx_model decoded;
    char message[256];
    CHECK(onnx_decode_model(m.data, m.length, &limits, &pool, &decoded, message, sizeof message) == TRIT_OK);
    CHECK(decoded.opset == 13 && decoded.ir_version == 8 && strcmp(decoded.producer_name, "trit-tests") == 0);
    CHECK(decoded.graph.node_count == 2 && strcmp(decoded.graph.nodes[1].op_type, "Relu") == 0);
    CHECK(decoded.graph.nodes[0].input_count == 2 && strcmp(decoded.graph.nodes[0].inputs[1], "shape") == 0);
    CHECK(decoded.graph.initializer_count == 1 && ((int64_t *)decoded.graph.initializers[0].data)[1] == 2);
    CHECK(decoded.graph.input_count == 1 && decoded.graph.inputs[0].rank == 2 && decoded.graph.inputs[0].dims[1] == 4);
    CHECK(decoded.metadata_count == 1 && strcmp(decoded.metadata_values[0], "tiny") == 0);
    onnx_model_free_data(&decoded);
    trit_pool_release(&pool);
    int crashes = 0, ok_prefixes = 0;
    for (size_t length = 0; length < m.length; length++) {
        trit_model *model = NULL;
        trit_status st = trit_model_create(m.data, length, NULL, &model);
        if (st == TRIT_OK) ok_prefixes++;
        if (!model) crashes++;
        trit_model_destroy(model);
    }
    CHECK(crashes == 0);
    /* only the cut that drops just the trailing metadata entry still loads */
    CHECK_MSG(ok_prefixes == 1, "%d prefixes loaded", ok_prefixes);
    trit_model *full = NULL;
    CHECK(trit_model_create(m.data, m.length, NULL, &full) == TRIT_OK);
    CHECK(strcmp(trit_model_metadata(full, "trit.name"), "tiny") == 0);
    trit_model_destroy(full);
    /* single-byte corruptions */
    for (size_t i = 0; i < m.length; i++) {
        unsigned char saved = m.data[i];
        m.data[i] ^= 0xFF;
        trit_model *model = NULL;
        trit_model_create(m.data, m.length, NULL, &model);
        trit_model_destroy(model);
        m.data[i] = saved;
    }
    pbw_free(&m);
}

int main(void) {
    test_varints();
    test_fields();
    test_tensors();
    test_model_decoding();
    return CHECK_REPORT("test_pb");
}
