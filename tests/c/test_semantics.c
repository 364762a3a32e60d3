/* ONNX semantics that depend on the opset, the element type or an attribute, checked on tiny
 * hand-built models against values worked out by hand: Clip/Relu on integers, Clip bounds as
 * inputs (opset 11+) vs attributes (opset < 11), Softmax's default axis before and after opset 13,
 * Reshape 0 / -1 / allowzero, Conv auto_pad SAME_UPPER vs SAME_LOWER vs VALID, DequantizeLinear
 * per-tensor (scalar or one-element scale) and per-axis, 1-D pooling, MaxPool on int8/uint8, and
 * refusals that name the node. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "onnx_builder.h"
#include "trit.h"

static trit_model *load(pbw *m, trit_status expect) {
    trit_model *model = NULL;
    trit_status st = trit_model_create(m->data, m->length, NULL, &model);
    CHECK_MSG(st == expect, "create gave %s (%s), expected %s", trit_status_name(st), model ? trit_model_message(model) : "",
              trit_status_name(expect));
    pbw_free(m);
    if (st != TRIT_OK) {
        trit_model_destroy(model);
        return NULL;
    }
    return model;
}

/* Loads, expects a refusal with `status` and a message containing `needle`. */
static void refused(pbw *m, trit_status status, const char *needle) {
    trit_model *model = NULL;
    trit_status st = trit_model_create(m->data, m->length, NULL, &model);
    pbw_free(m);
    const char *message = model ? trit_model_message(model) : "";
    CHECK_MSG(st == status && strstr(message, needle), "got %s '%s', expected %s with '%s'", trit_status_name(st), message,
              trit_status_name(status), needle);
    trit_model_destroy(model);
}

static const void *run(trit_model *m, const void *x, size_t bytes) {
    const void *out = NULL;
    if (!m) return NULL;
    CHECK(trit_model_set_input(m, 0, x, bytes) == TRIT_OK);
    trit_status st = trit_model_run(m);
    CHECK_MSG(st == TRIT_OK, "run: %s", trit_model_message(m));
    CHECK(trit_model_output(m, 0, &out, NULL) == TRIT_OK);
    return out;
}

/* ---- Clip / Relu --------------------------------------------------------------------------------- */
static pbw clip_int_model(int dtype, int64_t opset, const void *lo, const void *hi, size_t size) {
    int64_t dims[1] = {5};
    pbw g = {0};
    ONNX_INPUT(&g, "x", dtype, 1, dims);
    if (lo) ONNX_INITIALIZER(&g, "lo", dtype, 0, NULL, lo, size);
    if (hi) ONNX_INITIALIZER(&g, "hi", dtype, 0, NULL, hi, size);
    pbw n = mk_node("Clip", "clip", LIST("x", lo ? "lo" : "", hi ? "hi" : ""), LIST("y"));
    mk_end_node(&g, &n);
    ONNX_OUTPUT(&g, "y", dtype, 1, dims);
    return mk_model(&g, opset, NULL);
}

static void test_clip_integers(void) {
    /* int8: min only, max only, both, min > max (everything becomes max) */
    const int8_t x8[5] = {-128, -3, 0, 4, 127};
    int8_t lo = -2, hi = 3;
    pbw model = clip_int_model(TRIT_INT8, 13, &lo, NULL, 1);
    trit_model *m = load(&model, TRIT_OK);
    const int8_t *y = run(m, x8, sizeof x8);
    CHECK(y && y[0] == -2 && y[1] == -2 && y[2] == 0 && y[3] == 4 && y[4] == 127);
    trit_model_destroy(m);
    model = clip_int_model(TRIT_INT8, 13, NULL, &hi, 1);
    m = load(&model, TRIT_OK);
    y = run(m, x8, sizeof x8);
    CHECK(y && y[0] == -128 && y[1] == -3 && y[2] == 0 && y[3] == 3 && y[4] == 3);
    trit_model_destroy(m);
    int8_t big = 5, small = 1;
    model = clip_int_model(TRIT_INT8, 13, &big, &small, 1);
    m = load(&model, TRIT_OK);
    y = run(m, x8, sizeof x8);
    CHECK(y && y[0] == 1 && y[2] == 1 && y[4] == 1);
    trit_model_destroy(m);

    /* uint8 and int64 with both bounds */
    const uint8_t xu[5] = {0, 9, 10, 200, 255};
    uint8_t ulo = 10, uhi = 200;
    model = clip_int_model(TRIT_UINT8, 13, &ulo, &uhi, 1);
    m = load(&model, TRIT_OK);
    const uint8_t *yu = run(m, xu, sizeof xu);
    CHECK(yu && yu[0] == 10 && yu[1] == 10 && yu[2] == 10 && yu[3] == 200 && yu[4] == 200);
    trit_model_destroy(m);
    const int64_t x64[5] = {INT64_MIN, -5000000000LL, 0, 5000000000LL, INT64_MAX};
    int64_t llo = -4000000000LL, lhi = 4000000000LL;
    model = clip_int_model(TRIT_INT64, 17, &llo, &lhi, 8);
    m = load(&model, TRIT_OK);
    const int64_t *y64 = run(m, x64, sizeof x64);
    CHECK(y64 && y64[0] == llo && y64[1] == llo && y64[2] == 0 && y64[3] == lhi && y64[4] == lhi);
    trit_model_destroy(m);

    /* int32 with a runtime max (a graph input) */
    int64_t dims[1] = {4}, scalar_dims[1] = {0};
    pbw g = {0};
    ONNX_INPUT(&g, "x", TRIT_INT32, 1, dims);
    ONNX_INPUT(&g, "hi", TRIT_INT32, 0, scalar_dims);
    pbw n = mk_node("Clip", "clip", LIST("x", "", "hi"), LIST("y"));
    mk_end_node(&g, &n);
    ONNX_OUTPUT(&g, "y", TRIT_INT32, 1, dims);
    model = mk_model(&g, 13, NULL);
    m = load(&model, TRIT_OK);
    const int32_t x32[4] = {-7, 1, 50, 2000000000};
    int32_t runtime_hi = 40;
    if (m) {
        CHECK(trit_model_set_input(m, 1, &runtime_hi, 4) == TRIT_OK);
        const int32_t *y32 = run(m, x32, sizeof x32);
        CHECK(y32 && y32[0] == -7 && y32[1] == 1 && y32[2] == 40 && y32[3] == 40);
        runtime_hi = 0;
        CHECK(trit_model_set_input(m, 1, &runtime_hi, 4) == TRIT_OK);
        y32 = run(m, x32, sizeof x32);
        CHECK(y32 && y32[0] == -7 && y32[1] == 0 && y32[3] == 0);
    }
    trit_model_destroy(m);

    /* Relu on int32 */
    g = (pbw){0};
    ONNX_INPUT(&g, "x", TRIT_INT32, 1, dims);
    n = mk_node("Relu", "relu", LIST("x"), LIST("y"));
    mk_end_node(&g, &n);
    ONNX_OUTPUT(&g, "y", TRIT_INT32, 1, dims);
    model = mk_model(&g, 14, NULL);
    m = load(&model, TRIT_OK);
    const int32_t *yr = run(m, x32, sizeof x32);
    CHECK(yr && yr[0] == 0 && yr[1] == 1 && yr[2] == 50 && yr[3] == 2000000000);
    trit_model_destroy(m);

    /* integer Clip came in opset 12; a bound of another type is refused naming the node */
    model = clip_int_model(TRIT_INT8, 11, &lo, NULL, 1);
    refused(&model, TRIT_ERROR_UNSUPPORTED, "node 'clip' (Clip)");
    int32_t lo32 = 0;
    g = (pbw){0};
    ONNX_INPUT(&g, "x", TRIT_INT8, 1, dims);
    ONNX_INITIALIZER(&g, "lo", TRIT_INT32, 0, NULL, &lo32, 4);
    n = mk_node("Clip", "clip", LIST("x", "lo"), LIST("y"));
    mk_end_node(&g, &n);
    ONNX_OUTPUT(&g, "y", TRIT_INT8, 1, dims);
    model = mk_model(&g, 13, NULL);
    refused(&model, TRIT_ERROR_UNSUPPORTED, "node 'clip' (Clip): min has type int32");
}

static void test_clip_float_forms(void) {
    int64_t dims[1] = {4};
    const float x[4] = {-3, -0.5f, 0.5f, 3};
    /* opset 10: min/max are attributes */
    pbw g = {0};
    ONNX_INPUT(&g, "x", TRIT_FLOAT32, 1, dims);
    pbw n = mk_node("Clip", "clip", LIST("x"), LIST("y"));
    mk_attr_float(&n, "min", -1.0f);
    mk_attr_float(&n, "max", 2.0f);
    mk_end_node(&g, &n);
    ONNX_OUTPUT(&g, "y", TRIT_FLOAT32, 1, dims);
    pbw model = mk_model(&g, 10, NULL);
    trit_model *m = load(&model, TRIT_OK);
    const float *y = run(m, x, sizeof x);
    CHECK(y && y[0] == -1.0f && y[1] == -0.5f && y[2] == 0.5f && y[3] == 2.0f);
    trit_model_destroy(m);
    /* opset 11: the same attributes are not part of Clip any more */
    g = (pbw){0};
    ONNX_INPUT(&g, "x", TRIT_FLOAT32, 1, dims);
    n = mk_node("Clip", "clip", LIST("x"), LIST("y"));
    mk_attr_float(&n, "min", -1.0f);
    mk_end_node(&g, &n);
    ONNX_OUTPUT(&g, "y", TRIT_FLOAT32, 1, dims);
    model = mk_model(&g, 11, NULL);
    refused(&model, TRIT_ERROR_UNSUPPORTED, "node 'clip' (Clip)");
    /* opset 11: max as an input, min left out with "" */
    float hi = 0.25f;
    g = (pbw){0};
    ONNX_INPUT(&g, "x", TRIT_FLOAT32, 1, dims);
    ONNX_INITIALIZER(&g, "hi", TRIT_FLOAT32, 0, NULL, &hi, 4);
    n = mk_node("Clip", "clip", LIST("x", "", "hi"), LIST("y"));
    mk_end_node(&g, &n);
    ONNX_OUTPUT(&g, "y", TRIT_FLOAT32, 1, dims);
    model = mk_model(&g, 11, NULL);
    m = load(&model, TRIT_OK);
    y = run(m, x, sizeof x);
    CHECK(y && y[0] == -3.0f && y[1] == -0.5f && y[2] == 0.25f && y[3] == 0.25f);
    trit_model_destroy(m);
}

/* ---- Softmax default axis ------------------------------------------------------------------------- */
static void test_softmax_default_axis(void) {
    int64_t dims[3] = {1, 2, 2};
    const float x[4] = {0, 1, 2, 3};
    for (int opset = 11; opset <= 13; opset += 2) {
        pbw g = {0};
        ONNX_INPUT(&g, "x", TRIT_FLOAT32, 3, dims);
        pbw n = mk_node("Softmax", "sm", LIST("x"), LIST("y"));
        mk_end_node(&g, &n);
        ONNX_OUTPUT(&g, "y", TRIT_FLOAT32, 3, dims);
        pbw model = mk_model(&g, opset, NULL);
        trit_model *m = load(&model, TRIT_OK);
        const float *y = run(m, x, sizeof x);
        if (opset == 11) { /* axis 1, input coerced to [1, 4]: one softmax over all four */
            double sum = 1 + exp(1) + exp(2) + exp(3);
            CHECK(y && fabs(y[0] - 1 / sum) < 1e-6 && fabs(y[3] - exp(3) / sum) < 1e-6);
        } else { /* axis -1: pairs */
            double p = 1 / (1 + exp(1));
            CHECK(y && fabs(y[0] - p) < 1e-6 && fabs(y[2] - p) < 1e-6 && fabs(y[3] - (1 - p)) < 1e-6);
        }
        trit_model_destroy(m);
    }
}

/* ---- Reshape ------------------------------------------------------------------------------------------ */
static pbw reshape_model(int64_t allowzero, const int64_t *shape, int rank, int out_rank, const int64_t *out_dims) {
    int64_t dims[3] = {2, 3, 4}, shape_dims[1] = {rank};
    pbw g = {0};
    ONNX_INPUT(&g, "x", TRIT_FLOAT32, 3, dims);
    ONNX_INITIALIZER(&g, "shape", TRIT_INT64, 1, shape_dims, shape, (size_t)rank * 8);
    pbw n = mk_node("Reshape", "rs", LIST("x", "shape"), LIST("y"));
    if (allowzero >= 0) mk_attr_int(&n, "allowzero", allowzero);
    mk_end_node(&g, &n);
    ONNX_OUTPUT(&g, "y", TRIT_FLOAT32, out_rank, out_dims);
    return mk_model(&g, 14, NULL);
}

static void test_reshape(void) {
    trit_tensor_info info;
    const int64_t s1[2] = {0, -1}, o1[2] = {2, 12};
    pbw model = reshape_model(-1, s1, 2, 2, o1);
    trit_model *m = load(&model, TRIT_OK);
    CHECK(m && trit_model_output_info(m, 0, &info) == TRIT_OK && info.rank == 2 && info.dims[0] == 2 && info.dims[1] == 12);
    trit_model_destroy(m);
    const int64_t s2[3] = {-1, 0, 2}, o2[3] = {4, 3, 2};
    model = reshape_model(0, s2, 3, 3, o2);
    m = load(&model, TRIT_OK);
    CHECK(m && trit_model_output_info(m, 0, &info) == TRIT_OK && info.dims[0] == 4 && info.dims[1] == 3 && info.dims[2] == 2);
    trit_model_destroy(m);
    /* allowzero=1: a 0 is a real zero, so 24 elements cannot take the shape [0, -1] */
    model = reshape_model(1, s1, 2, 2, o1);
    refused(&model, TRIT_ERROR_SHAPE, "node 'rs' (Reshape)");
    const int64_t s3[2] = {-1, -1};
    model = reshape_model(0, s3, 2, 2, o1);
    refused(&model, TRIT_ERROR_SHAPE, "more than one -1");
}

/* ---- Conv auto_pad -------------------------------------------------------------------------------- */
static void test_conv_auto_pad(void) {
    /* 1x1x3x3 input 1..9, 2x2 kernel of ones, stride 1: SAME needs one padded row and column.
     * SAME_UPPER puts it at the end (bottom/right), SAME_LOWER at the beginning. */
    const float x[9] = {1, 2, 3, 4, 5, 6, 7, 8, 9}, w[4] = {1, 1, 1, 1};
    const float upper[9] = {12, 16, 9, 24, 28, 15, 15, 17, 9};
    const float lower[9] = {1, 3, 5, 5, 12, 16, 11, 24, 28};
    const float valid[4] = {12, 16, 24, 28};
    const char *modes[3] = {"SAME_UPPER", "SAME_LOWER", "VALID"};
    const float *want[3] = {upper, lower, valid};
    for (int k = 0; k < 3; k++) {
        int64_t xd[4] = {1, 1, 3, 3}, wd[4] = {1, 1, 2, 2}, yd[4] = {1, 1, k == 2 ? 2 : 3, k == 2 ? 2 : 3};
        pbw g = {0};
        ONNX_INPUT(&g, "x", TRIT_FLOAT32, 4, xd);
        ONNX_INITIALIZER(&g, "w", TRIT_FLOAT32, 4, wd, w, sizeof w);
        pbw n = mk_node("Conv", "conv", LIST("x", "w"), LIST("y"));
        mk_attr_string(&n, "auto_pad", modes[k]);
        mk_end_node(&g, &n);
        ONNX_OUTPUT(&g, "y", TRIT_FLOAT32, 4, yd);
        pbw model = mk_model(&g, 13, NULL);
        trit_model *m = load(&model, TRIT_OK);
        trit_tensor_info info;
        CHECK(m && trit_model_output_info(m, 0, &info) == TRIT_OK && info.dims[2] == yd[2] && info.dims[3] == yd[3]);
        const float *y = run(m, x, sizeof x);
        for (int i = 0; y && i < (k == 2 ? 4 : 9); i++) CHECK_MSG(y[i] == want[k][i], "%s [%d]: %g vs %g", modes[k], i, y[i], want[k][i]);
        trit_model_destroy(m);
    }
}

/* ---- DequantizeLinear ------------------------------------------------------------------------------ */
static pbw dequantize_model(int scale_rank, int64_t scale_count, const float *scale, const uint8_t *zero, int64_t axis) {
    int64_t xd[2] = {2, 3}, sd[1] = {scale_count};
    pbw g = {0};
    ONNX_INPUT(&g, "x", TRIT_UINT8, 2, xd);
    ONNX_INITIALIZER(&g, "s", TRIT_FLOAT32, scale_rank, sd, scale, (size_t)scale_count * 4);
    ONNX_INITIALIZER(&g, "z", TRIT_UINT8, scale_rank, sd, zero, (size_t)scale_count);
    pbw n = mk_node("DequantizeLinear", "dq", LIST("x", "s", "z"), LIST("y"));
    if (axis != 99) mk_attr_int(&n, "axis", axis);
    mk_end_node(&g, &n);
    ONNX_OUTPUT(&g, "y", TRIT_FLOAT32, 2, xd);
    return mk_model(&g, 13, NULL);
}

static void test_dequantize(void) {
    const uint8_t x[6] = {0, 10, 20, 30, 40, 50};
    /* one-element 1-D scale: per-tensor whatever the axis size (onnxruntime reads it so) */
    const float s1[1] = {0.5f};
    const uint8_t z1[1] = {10};
    pbw model = dequantize_model(1, 1, s1, z1, 99);
    trit_model *m = load(&model, TRIT_OK);
    const float *y = run(m, x, sizeof x);
    CHECK(y && y[0] == -5.0f && y[1] == 0.0f && y[5] == 20.0f);
    trit_model_destroy(m);
    /* per-axis along axis 0 (given as -2), then along the default axis 1 */
    const float s2[2] = {1.0f, 2.0f};
    const uint8_t z2[2] = {0, 30};
    model = dequantize_model(1, 2, s2, z2, -2);
    m = load(&model, TRIT_OK);
    y = run(m, x, sizeof x);
    CHECK(y && y[0] == 0.0f && y[2] == 20.0f && y[3] == 0.0f && y[5] == 40.0f);
    trit_model_destroy(m);
    const float s3[3] = {1.0f, 0.1f, 2.0f};
    const uint8_t z3[3] = {0, 0, 20};
    model = dequantize_model(1, 3, s3, z3, 99);
    m = load(&model, TRIT_OK);
    y = run(m, x, sizeof x);
    CHECK(y && y[0] == 0.0f && fabsf(y[1] - 1.0f) < 1e-6f && y[2] == 0.0f && y[5] == 60.0f);
    trit_model_destroy(m);
    model = dequantize_model(1, 2, s2, z2, 99); /* 2 scales along axis 1 of size 3 */
    refused(&model, TRIT_ERROR_SHAPE, "node 'dq' (DequantizeLinear)");
}

/* ---- 1-D pooling and MaxPool on 8-bit integers ----------------------------------------------------- */
static pbw pool1d_model(const char *op, int dtype, int64_t kernel, int64_t stride, const int64_t *pads, const char *auto_pad,
                        int64_t count_include_pad, int64_t out) {
    int64_t xd[3] = {1, 1, 5}, yd[3] = {1, 1, out};
    pbw g = {0};
    ONNX_INPUT(&g, "x", dtype, 3, xd);
    pbw n = mk_node(op, "pool", LIST("x"), LIST("y"));
    mk_attr_ints(&n, "kernel_shape", 1, &kernel);
    mk_attr_ints(&n, "strides", 1, &stride);
    if (pads) mk_attr_ints(&n, "pads", 2, pads);
    if (auto_pad) mk_attr_string(&n, "auto_pad", auto_pad);
    if (count_include_pad >= 0) mk_attr_int(&n, "count_include_pad", count_include_pad);
    mk_end_node(&g, &n);
    ONNX_OUTPUT(&g, "y", dtype, 3, yd);
    return mk_model(&g, 13, NULL);
}

static void test_pool_1d_and_int(void) {
    const float x[5] = {1, 2, 3, 4, 5};
    const int64_t pads[2] = {1, 1};
    trit_tensor_info info;
    for (int include = 0; include < 2; include++) {
        /* kernel 2, stride 2, pads 1/1: windows {pad,1} {2,3} {4,5} */
        pbw model = pool1d_model("AveragePool", TRIT_FLOAT32, 2, 2, pads, NULL, include, 3);
        trit_model *m = load(&model, TRIT_OK);
        CHECK(m && trit_model_output_info(m, 0, &info) == TRIT_OK && info.rank == 3 && info.dims[2] == 3);
        const float *y = run(m, x, sizeof x);
        CHECK(y && y[0] == (include ? 0.5f : 1.0f) && y[1] == 2.5f && y[2] == 4.5f);
        trit_model_destroy(m);
    }
    /* int8 MaxPool, kernel 3, SAME_UPPER: one padded cell each side, which never wins */
    const int8_t x8[5] = {-5, -100, 7, 3, -128};
    pbw model = pool1d_model("MaxPool", TRIT_INT8, 3, 1, NULL, "SAME_UPPER", -1, 5);
    trit_model *m = load(&model, TRIT_OK);
    const int8_t *y8 = run(m, x8, sizeof x8);
    CHECK(y8 && y8[0] == -5 && y8[1] == 7 && y8[2] == 7 && y8[3] == 7 && y8[4] == 3);
    trit_model_destroy(m);
    const uint8_t xu[5] = {0, 200, 1, 0, 255};
    model = pool1d_model("MaxPool", TRIT_UINT8, 2, 2, NULL, NULL, -1, 2);
    m = load(&model, TRIT_OK);
    const uint8_t *yu = run(m, xu, sizeof xu);
    CHECK(yu && yu[0] == 200 && yu[1] == 1);
    trit_model_destroy(m);
    /* AveragePool stays float-only; a 2-entry kernel_shape on a 1-D input is a shape error */
    model = pool1d_model("AveragePool", TRIT_INT8, 2, 2, NULL, NULL, -1, 2);
    refused(&model, TRIT_ERROR_UNSUPPORTED, "node 'pool' (AveragePool): X has type int8");
    int64_t xd[3] = {1, 1, 5}, k2[2] = {2, 2};
    pbw g = {0};
    ONNX_INPUT(&g, "x", TRIT_FLOAT32, 3, xd);
    pbw n = mk_node("MaxPool", "pool", LIST("x"), LIST("y"));
    mk_attr_ints(&n, "kernel_shape", 2, k2);
    mk_end_node(&g, &n);
    ONNX_OUTPUT(&g, "y", TRIT_FLOAT32, 3, xd);
    model = mk_model(&g, 13, NULL);
    refused(&model, TRIT_ERROR_SHAPE, "kernel_shape must have 1 entries");
}

/* A 1-D signal is one row high: its length may reach max_spatial^2 (PyTorch's MaxPool1d export test
 * has 220000 samples), while a 2-D side stays within max_spatial. */
static void test_pool_1d_length_limit(void) {
    int64_t xd[3] = {1, 1, 100000}, yd[3] = {1, 1, 50000}, k = 2;
    pbw g = {0};
    ONNX_INPUT(&g, "x", TRIT_FLOAT32, 3, xd);
    pbw n = mk_node("MaxPool", "pool", LIST("x"), LIST("y"));
    mk_attr_ints(&n, "kernel_shape", 1, &k);
    mk_attr_ints(&n, "strides", 1, &k);
    mk_end_node(&g, &n);
    ONNX_OUTPUT(&g, "y", TRIT_FLOAT32, 3, yd);
    pbw model = mk_model(&g, 13, NULL);
    trit_model *m = NULL;
    CHECK_MSG(trit_model_create(model.data, model.length, NULL, &m) == TRIT_OK, "%s", trit_model_message(m));
    float *x = calloc(100000, sizeof(float));
    if (x) {
        x[99999] = 3.0f;
        const float *y = run(m, x, 100000 * sizeof(float));
        CHECK(y && y[0] == 0.0f && y[49999] == 3.0f);
    }
    free(x);
    trit_model_destroy(m);
    trit_limits limits = {0, 0, 0, 0, 300}; /* 300^2 = 90000 < 100000 */
    CHECK(trit_model_create(model.data, model.length, &limits, &m) == TRIT_ERROR_LIMIT &&
          strstr(trit_model_message(m), "spatial size 100000 is above the limit 90000"));
    trit_model_destroy(m);
    pbw_free(&model);
}

/* ---- opset 6 attributes: BatchNormalization is_test, Gemm broadcast ---------------------------------- */
static pbw gemm_v6(int64_t broadcast) {
    int64_t ad[2] = {1, 2}, bd[2] = {2, 2}, cd[1] = {2}, yd[2] = {1, 2};
    const float b[4] = {1, 2, 3, 4}, cv[2] = {10, 20};
    pbw g = {0};
    ONNX_INPUT(&g, "a", TRIT_FLOAT32, 2, ad);
    ONNX_INITIALIZER(&g, "b", TRIT_FLOAT32, 2, bd, b, sizeof b);
    ONNX_INITIALIZER(&g, "c", TRIT_FLOAT32, 1, cd, cv, sizeof cv);
    pbw n = mk_node("Gemm", "fc", LIST("a", "b", "c"), LIST("y"));
    if (broadcast >= 0) mk_attr_int(&n, "broadcast", broadcast);
    mk_end_node(&g, &n);
    ONNX_OUTPUT(&g, "y", TRIT_FLOAT32, 2, yd);
    return mk_model(&g, 6, NULL);
}

static pbw batchnorm_v6(int64_t is_test) {
    int64_t xd[4] = {1, 1, 1, 2}, pd[1] = {1};
    const float scale = 2, bias = 1, mean = 3, var = 4 - 1e-5f;
    pbw g = {0};
    ONNX_INPUT(&g, "x", TRIT_FLOAT32, 4, xd);
    ONNX_INITIALIZER(&g, "s", TRIT_FLOAT32, 1, pd, &scale, 4);
    ONNX_INITIALIZER(&g, "b", TRIT_FLOAT32, 1, pd, &bias, 4);
    ONNX_INITIALIZER(&g, "m", TRIT_FLOAT32, 1, pd, &mean, 4);
    ONNX_INITIALIZER(&g, "v", TRIT_FLOAT32, 1, pd, &var, 4);
    pbw n = mk_node("BatchNormalization", "bn", LIST("x", "s", "b", "m", "v"), LIST("y"));
    if (is_test >= 0) mk_attr_int(&n, "is_test", is_test);
    mk_end_node(&g, &n);
    ONNX_OUTPUT(&g, "y", TRIT_FLOAT32, 4, xd);
    return mk_model(&g, 6, NULL);
}

static void test_opset6_attributes(void) {
    const float a[2] = {1, 1};
    pbw model = gemm_v6(1);
    trit_model *m = load(&model, TRIT_OK);
    const float *y = run(m, a, sizeof a);
    CHECK(y && y[0] == 14.0f && y[1] == 26.0f);
    trit_model_destroy(m);
    model = gemm_v6(0); /* a [2] C needs broadcast=1 at opset 6 */
    refused(&model, TRIT_ERROR_SHAPE, "node 'fc' (Gemm): C must have shape [1, 2] without broadcast=1");
    const float x[2] = {3, 5};
    model = batchnorm_v6(1);
    m = load(&model, TRIT_OK);
    y = run(m, x, sizeof x);
    CHECK(y && fabsf(y[0] - 1.0f) < 1e-5f && fabsf(y[1] - 3.0f) < 1e-5f); /* (x - 3) / 2 * 2 + 1 */
    trit_model_destroy(m);
    model = batchnorm_v6(0);
    refused(&model, TRIT_ERROR_UNSUPPORTED, "node 'bn' (BatchNormalization): is_test=0");
}

/* ---- nodes listed out of order run in topological order ----------------------------------------- */
static void test_node_order(void) {
    int64_t dims[1] = {3};
    float two = 2.0f;
    pbw g = {0};
    ONNX_INPUT(&g, "x", TRIT_FLOAT32, 1, dims);
    ONNX_INITIALIZER(&g, "two", TRIT_FLOAT32, 0, NULL, &two, 4);
    pbw n = mk_node("Sub", "last", LIST("r", "x"), LIST("y")); /* y = relu(x) * 2 - x, listed first */
    mk_end_node(&g, &n);
    n = mk_node("Mul", "middle", LIST("q", "two"), LIST("r"));
    mk_end_node(&g, &n);
    n = mk_node("Relu", "first", LIST("x"), LIST("q"));
    mk_end_node(&g, &n);
    ONNX_OUTPUT(&g, "y", TRIT_FLOAT32, 1, dims);
    pbw model = mk_model(&g, 13, NULL);
    trit_model *m = load(&model, TRIT_OK);
    const float x[3] = {-1, 0.5f, 4};
    const float *y = run(m, x, sizeof x);
    CHECK(y && y[0] == 1.0f && y[1] == 0.5f && y[2] == 4.0f);
    trit_model_destroy(m);
}

/* ---- a tensor attribute outside the subset names its node ----------------------------------------- */
static void test_attribute_refusal(void) {
    int64_t dims[1] = {1};
    pbw g = {0}, t = {0}, a = {0};
    pbw n = mk_node("Constant", "", NULL, LIST("k"));
    pbw_uint(&t, 1, 1);
    pbw_uint(&t, 2, 11); /* double */
    pbw_bytes(&t, 9, "\0\0\0\0\0\0\xf0\x3f", 8);
    pbw_str(&a, 1, "value");
    pbw_msg(&a, 5, &t);
    pbw_uint(&a, 20, 4); /* TENSOR */
    pbw_msg(&n, 5, &a);
    mk_end_node(&g, &n);
    ONNX_OUTPUT(&g, "k", 11, 1, dims);
    pbw model = mk_model(&g, 13, NULL);
    refused(&model, TRIT_ERROR_UNSUPPORTED, "node 'k' (Constant): attribute 'value': tensor '': data type double is not supported");
}

int main(void) {
    test_clip_integers();
    test_clip_float_forms();
    test_softmax_default_axis();
    test_reshape();
    test_conv_auto_pad();
    test_dequantize();
    test_pool_1d_and_int();
    test_pool_1d_length_limit();
    test_opset6_attributes();
    test_node_order();
    test_attribute_refusal();
    return CHECK_REPORT("test_semantics");
}
