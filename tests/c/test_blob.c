/* The shared code blob (docs/FORMAT.md, the layout models/export.py writes): one trit.codes for
 * every ternary weight, decoded once and cut by Split. Built here by mk_ternary_blob
 * (onnx_builder.h) from FORMAT.md's worked example -- W1 [2,1,3,3] then W2 [1,7,1,1], which starts
 * inside byte 3 -- and checked: the bytes are the document's, both convs run on the ternary kernels
 * with their codes recovered exactly (W2 repacked from its odd offset), the outputs match a naive
 * conv of the decoded weights, a code byte above 242 is a FORMAT error, and a blob weight that is not
 * a Conv/Gemm weight leaves the Split to be refused by name. */
#include <math.h>
#include <string.h>

#include "check.h"
#include "onnx_builder.h"
#include "trit.h"

static const int8_t w1_values[18] = {1, 0, -1, 0, 0, 1, -1, -1, 0, 0, 1, 0, 0, -1, 0, 0, 0, 1};
static const int8_t w2_values[7] = {-1, 1, 0, 1, -1, 0, 0};
static const int64_t w1_dims[4] = {2, 1, 3, 3}, w2_dims[4] = {1, 7, 1, 1};
static const mk_blob_weight weights[2] = {
    {"W1", 4, w1_dims, w1_values, {-0.6f, 0.0f, 0.8f}},
    {"W2", 4, w2_dims, w2_values, {-1.5f, 0.0f, 0.5f}},
};

/* x1 [1,1,4,4] -> Conv(W1, pads 1) -> y1 [1,2,4,4];  x2 [1,7,2,2] -> Conv(W2) -> y2 [1,1,2,2]; with
 * `w2_elsewhere` W2 is added to an input instead. `corrupt` >= 0: that code byte becomes 243. */
static trit_status load_blob(int w2_elsewhere, int corrupt, trit_model **out) {
    int64_t x1[4] = {1, 1, 4, 4}, y1[4] = {1, 2, 4, 4}, x2[4] = {1, 7, 2, 2}, y2[4] = {1, 1, 2, 2}, split[2];
    size_t size;
    uint8_t *codes = mk_blob_codes(weights, 2, split, &size);
    if (corrupt >= 0) codes[corrupt] = 243;
    pbw g = {0};
    ONNX_INPUT(&g, "x1", TRIT_FLOAT32, 4, x1);
    ONNX_INPUT(&g, "x2", TRIT_FLOAT32, 4, w2_elsewhere ? w2_dims : x2);
    mk_ternary_blob_codes(&g, weights, 2, codes, size);
    free(codes);
    pbw n = mk_node("Conv", "conv1", LIST("x1", "W1"), LIST("y1"));
    mk_attr_ints(&n, "pads", 4, (const int64_t[]){1, 1, 1, 1});
    mk_end_node(&g, &n);
    mk_add_node(&g, w2_elsewhere ? "Add" : "Conv", "use2", LIST("x2", "W2"), LIST("y2"));
    ONNX_OUTPUT(&g, "y1", TRIT_FLOAT32, 4, y1);
    ONNX_OUTPUT(&g, "y2", TRIT_FLOAT32, 4, w2_elsewhere ? w2_dims : y2);
    return mk_create(&g, NULL, out);
}

static float level(const mk_blob_weight *w, int8_t t) { return w->levels[t + 1]; }

int main(void) {
    /* the bytes of FORMAT.md's worked example */
    int64_t split[2];
    size_t size;
    uint8_t *codes = mk_blob_codes(weights, 2, split, &size);
    const uint8_t expected[5] = {0x71, 0x6E, 0x5F, 0xB8, 0x73};
    CHECK(size == 5 && memcmp(codes, expected, 5) == 0 && split[0] == 18 && split[1] == 7);
    free(codes);

    trit_model *m;
    CHECK(load_blob(0, -1, &m) == TRIT_OK);
    const char *json = NULL;
    CHECK(trit_model_info_json(m, &json) == TRIT_OK && json && strstr(json, "\"ternary_parameters\": 25,"));
    /* both weights are ternary layers, codes recovered exactly (W2 from element 18, inside byte 3) */
    int8_t got[18];
    CHECK(trit_model_ternary_codes(m, 0, got, 18) == TRIT_OK && memcmp(got, w1_values, 18) == 0);
    CHECK(trit_model_ternary_codes(m, 1, got, 18) == TRIT_OK && memcmp(got, w2_values, 7) == 0);

    float x1[16], x2[28];
    for (int i = 0; i < 16; i++) x1[i] = (float)(i % 5) - 1.5f;
    for (int i = 0; i < 28; i++) x2[i] = (float)(i % 7) * 0.25f - 0.5f;
    CHECK(trit_model_set_input(m, 0, x1, sizeof x1) == TRIT_OK && trit_model_set_input(m, 1, x2, sizeof x2) == TRIT_OK);
    CHECK(trit_model_run(m) == TRIT_OK);
    const float *y1 = NULL, *y2 = NULL;
    size_t b1 = 0, b2 = 0;
    CHECK(trit_model_output(m, 0, (const void **)&y1, &b1) == TRIT_OK && b1 == 32 * sizeof(float));
    CHECK(trit_model_output(m, 1, (const void **)&y2, &b2) == TRIT_OK && b2 == 4 * sizeof(float));
    for (int o = 0; y1 && o < 2; o++) /* 3x3, pad 1, stride 1 */
        for (int r = 0; r < 4; r++)
            for (int c = 0; c < 4; c++) {
                double want = 0;
                for (int ky = 0; ky < 3; ky++)
                    for (int kx = 0; kx < 3; kx++) {
                        const int iy = r + ky - 1, ix = c + kx - 1;
                        if (iy >= 0 && iy < 4 && ix >= 0 && ix < 4)
                            want += x1[iy * 4 + ix] * level(&weights[0], w1_values[o * 9 + ky * 3 + kx]);
                    }
                CHECK_NEAR(y1[o * 16 + r * 4 + c], want, 1e-5, 1e-5);
            }
    for (int p = 0; y2 && p < 4; p++) { /* 1x1 over 7 channels */
        double want = 0;
        for (int ci = 0; ci < 7; ci++) want += x2[ci * 4 + p] * level(&weights[1], w2_values[ci]);
        CHECK_NEAR(y2[p], want, 1e-5, 1e-5);
    }
    trit_model_destroy(m);

    CHECK(load_blob(0, 3, &m) == TRIT_ERROR_FORMAT);
    CHECK(m && strstr(trit_model_message(m), "above 242"));
    trit_model_destroy(m);

    CHECK(load_blob(1, -1, &m) == TRIT_ERROR_UNSUPPORTED);
    CHECK(m && strstr(trit_model_message(m), "operator Split is not supported"));
    trit_model_destroy(m);
    return CHECK_REPORT("test_blob");
}
