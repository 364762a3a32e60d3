/* The public API over tiny hand-built models: errors keep the handle usable, run performs no
 * allocation, allocation failures at every point are clean, the ternary format (worked example of
 * docs/FORMAT.md) is recognised and runs, fusions give the unfused results, limits are enforced. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "onnx_builder.h"
#include "trit.h"

/* ---- allocation counting / failure injection -------------------------------------------------- */
static long allocations = 0;
static long fail_after = -1; /* fail the allocation with this index (counting from 0); -1 = never */
static void *counting_alloc(size_t size, void *user) {
    (void)user;
    if (fail_after >= 0 && allocations >= fail_after) return NULL;
    allocations++;
    return malloc(size);
}
static void *counting_realloc(void *p, size_t size, void *user) {
    (void)user;
    if (fail_after >= 0 && allocations >= fail_after) return NULL;
    allocations++;
    return realloc(p, size);
}
static void counting_free(void *p, void *user) { (void)user; free(p); }
static const trit_allocator counting = {counting_alloc, counting_realloc, counting_free, NULL};

static trit_model *load(const pbw *m, trit_status expect) {
    trit_model *model = NULL;
    trit_status st = trit_model_create(m->data, m->length, NULL, &model);
    CHECK_MSG(st == expect, "create gave %s (%s), expected %s", trit_status_name(st), model ? trit_model_message(model) : "",
              trit_status_name(expect));
    return model;
}

/* The model around `graph` (which it frees) fails to load with FORMAT and a message naming `fragment`. */
static void check_refused(pbw *graph, const char *fragment) {
    pbw model = mk_model(graph, 13, NULL);
    trit_model *m = load(&model, TRIT_ERROR_FORMAT);
    CHECK_MSG(m && strstr(trit_model_message(m), fragment), "no '%s' in: %s", fragment, m ? trit_model_message(m) : "");
    trit_model_destroy(m);
    pbw_free(&model);
}

static const float *run1(trit_model *m, const float *x, size_t x_bytes) {
    const void *out = NULL;
    size_t bytes = 0;
    CHECK(trit_model_set_input(m, 0, x, x_bytes) == TRIT_OK);
    trit_status st = trit_model_run(m);
    CHECK_MSG(st == TRIT_OK, "run: %s", trit_model_message(m));
    CHECK(trit_model_output(m, 0, &out, &bytes) == TRIT_OK);
    return out;
}

/* ---- ternary weights in the FORMAT.md structure ---------------------------------------------------- */
static void pack_base3(const int8_t *t, size_t n, uint8_t *out) {
    size_t bytes = (n + 4) / 5;
    for (size_t j = 0; j < bytes; j++) {
        int value = 0, power = 1;
        for (int d = 0; d < 5; d++, power *= 3) {
            size_t k = 5 * j + (size_t)d;
            value += (k < n ? t[k] + 1 : 1) * power;
        }
        out[j] = (uint8_t)value;
    }
}

static void add_unpack_constants(pbw *g) {
    int64_t one[1] = {1}, d15[2] = {1, 5}, zero_dims[1] = {1};
    int64_t axes[1] = {1}, zero[1] = {0}, flat[1] = {-1};
    int32_t powers[5] = {1, 3, 9, 27, 81}, three = 3;
    ONNX_INITIALIZER(g, "trit.unpack.axes", TRIT_INT64, 1, one, axes, sizeof axes);
    ONNX_INITIALIZER(g, "trit.unpack.powers", TRIT_INT32, 2, d15, powers, sizeof powers);
    ONNX_INITIALIZER(g, "trit.unpack.three", TRIT_INT32, 0, NULL, &three, sizeof three);
    ONNX_INITIALIZER(g, "trit.unpack.zero", TRIT_INT64, 1, zero_dims, zero, sizeof zero);
    ONNX_INITIALIZER(g, "trit.unpack.flat", TRIT_INT64, 1, zero_dims, flat, sizeof flat);
}

/* Writes `name` = ternary weight (one plane) with the given values, levels and optional scale. */
static void add_ternary(pbw *g, const char *name, int rank, const int64_t *dims, const int8_t *t, const float *levels,
                        const float *scale, const uint8_t *override_codes) {
    size_t n = 1;
    for (int i = 0; i < rank; i++) n *= (size_t)dims[i];
    size_t p = (n + 4) / 5;
    uint8_t codes[4096];
    pack_base3(t, n, codes);
    if (override_codes) memcpy(codes, override_codes, p);
    char a[128], b[128], c2[128], d[128], e[128], f[128], h[128], k[128], s[128], cnt[128], shp[128], lv[128], sc[128];
    snprintf(a, sizeof a, "%s.codes", name);
    snprintf(lv, sizeof lv, "%s.levels", name);
    snprintf(shp, sizeof shp, "%s.shape", name);
    snprintf(cnt, sizeof cnt, "%s.count", name);
    snprintf(sc, sizeof sc, "%s.scale", name);
    int64_t pdims[1] = {(int64_t)p}, three[1] = {3}, rdims[1] = {rank}, one[1] = {1};
    int64_t shape[8], count[1] = {(int64_t)n};
    for (int i = 0; i < rank; i++) shape[i] = dims[i];
    ONNX_INITIALIZER(g, a, TRIT_UINT8, 1, pdims, codes, p);
    ONNX_INITIALIZER(g, lv, TRIT_FLOAT32, 1, three, levels, 3 * sizeof(float));
    ONNX_INITIALIZER(g, shp, TRIT_INT64, 1, rdims, shape, (size_t)rank * sizeof(int64_t));
    snprintf(b, sizeof b, "%s.codes_col", name);
    snprintf(c2, sizeof c2, "%s.codes_int", name);
    snprintf(d, sizeof d, "%s.codes_div", name);
    snprintf(e, sizeof e, "%s.codes_index", name);
    snprintf(h, sizeof h, "%s.codes_shaped", name);
    snprintf(k, sizeof k, "%s.unscaled", name);
    pbw node = mk_node("Unsqueeze", b, LIST(a, "trit.unpack.axes"), LIST(b));
    mk_end_node(g, &node);
    node = mk_node("Cast", c2, LIST(b), LIST(c2));
    mk_attr_int(&node, "to", TRIT_INT32);
    mk_end_node(g, &node);
    node = mk_node("Div", d, LIST(c2, "trit.unpack.powers"), LIST(d));
    mk_end_node(g, &node);
    node = mk_node("Mod", e, LIST(d, "trit.unpack.three"), LIST(e));
    mk_end_node(g, &node);
    if (n % 5) {
        ONNX_INITIALIZER(g, cnt, TRIT_INT64, 1, one, count, sizeof count);
        snprintf(f, sizeof f, "%s.codes_flat", name);
        char cut[128];
        snprintf(cut, sizeof cut, "%s.codes_cut", name);
        node = mk_node("Reshape", f, LIST(e, "trit.unpack.flat"), LIST(f));
        mk_end_node(g, &node);
        node = mk_node("Slice", cut, LIST(f, "trit.unpack.zero", cnt), LIST(cut));
        mk_end_node(g, &node);
        node = mk_node("Reshape", h, LIST(cut, shp), LIST(h));
        mk_end_node(g, &node);
    } else {
        node = mk_node("Reshape", h, LIST(e, shp), LIST(h));
        mk_end_node(g, &node);
    }
    if (scale) {
        int64_t sdims[4] = {dims[0], 1, 1, 1};
        ONNX_INITIALIZER(g, sc, TRIT_FLOAT32, rank, sdims, scale, (size_t)dims[0] * sizeof(float));
        node = mk_node("Gather", k, LIST(lv, h), LIST(k));
        mk_attr_int(&node, "axis", 0);
        mk_end_node(g, &node);
        node = mk_node("Mul", name, LIST(k, sc), LIST(name));
        mk_end_node(g, &node);
    } else {
        node = mk_node("Gather", name, LIST(lv, h), LIST(name));
        mk_attr_int(&node, "axis", 0);
        mk_end_node(g, &node);
    }
    (void)s;
}

/* Plain conv reference (stride 1, square padding). */
static void conv_ref(int cin, int h, int w, int cout, int k, int pad, const float *x, const float *wt, const float *bias, float *y) {
    int oh = h + 2 * pad - k + 1, ow = w + 2 * pad - k + 1;
    for (int o = 0; o < cout; o++)
        for (int i = 0; i < oh; i++)
            for (int j = 0; j < ow; j++) {
                double sum = bias ? bias[o] : 0;
                for (int c = 0; c < cin; c++)
                    for (int u = 0; u < k; u++)
                        for (int v = 0; v < k; v++) {
                            int yy = i + u - pad, xx = j + v - pad;
                            if (yy < 0 || xx < 0 || yy >= h || xx >= w) continue;
                            sum += x[(c * h + yy) * w + xx] * wt[((o * cin + c) * k + u) * k + v];
                        }
                y[(o * oh + i) * ow + j] = (float)sum;
            }
}

static const int8_t worked_t[18] = {1, 0, -1, 0, 0, 1, -1, -1, 0, 0, 1, 0, 0, -1, 0, 0, 0, 1};

static void test_worked_example(void) {
    uint8_t codes[4];
    pack_base3(worked_t, 18, codes);
    CHECK(codes[0] == 113 && codes[1] == 110 && codes[2] == 95 && codes[3] == 130); /* FORMAT.md's bytes */

    float levels[3] = {-0.6f, 0.0f, 0.8f};
    int64_t wdims[4] = {2, 1, 3, 3}, xdims[4] = {1, 1, 5, 5}, ydims[4] = {1, 2, 5, 5};
    pbw g = {0};
    add_unpack_constants(&g);
    add_ternary(&g, "W", 4, wdims, worked_t, levels, NULL, NULL);
    ONNX_INPUT(&g, "x", TRIT_FLOAT32, 4, xdims);
    pbw conv = mk_node("Conv", "conv", LIST("x", "W"), LIST("y"));
    int64_t pads[4] = {1, 1, 1, 1};
    mk_attr_ints(&conv, "pads", 4, pads);
    mk_end_node(&g, &conv);
    ONNX_OUTPUT(&g, "y", TRIT_FLOAT32, 4, ydims);
    pbw model = mk_model(&g, 13, NULL);
    trit_model *m = load(&model, TRIT_OK);
    if (m) {
        float x[25], wf[18], want[50];
        for (int i = 0; i < 25; i++) x[i] = (float)((i * 7) % 11) - 5.0f;
        for (int i = 0; i < 18; i++) wf[i] = levels[worked_t[i] + 1];
        CHECK(wf[0] == 0.8f && wf[2] == -0.6f && wf[5] == 0.8f && wf[6] == -0.6f); /* "channel 0: 0.8 0 −0.6 / 0 0 0.8 / −0.6 −0.6 0" */
        conv_ref(1, 5, 5, 2, 3, 1, x, wf, NULL, want);
        const float *y = run1(m, x, sizeof x);
        int bad = 0;
        for (int i = 0; i < 50; i++) bad += fabsf(y[i] - want[i]) > 1e-5f;
        CHECK_MSG(bad == 0, "%d ternary conv outputs differ", bad);
        int8_t got[18];
        CHECK(trit_model_ternary_codes(m, 0, got, 18) == TRIT_OK && memcmp(got, worked_t, 18) == 0);
        CHECK(trit_model_ternary_codes(m, 0, got, 17) == TRIT_ERROR_ARGUMENT);
        CHECK(trit_model_ternary_codes(m, 1, got, 18) == TRIT_ERROR_ARGUMENT);
        const char *info = NULL;
        CHECK(trit_model_info_json(m, &info) == TRIT_OK && info);
        CHECK(info && strstr(info, "\"ternary_layers\": [{\"name\": \"W\", \"op\": \"Conv\", \"dims\": [2, 1, 3, 3], \"planes\": 1, "
                                   "\"zeros\": 10, \"positive\": 4, \"negative\": 4"));
        CHECK(info && strstr(info, "\"ternary_parameters\": 18"));
        CHECK(info && strstr(info, "\"nodes_compiled\": 1,"));
    }
    trit_model_destroy(m);
    pbw_free(&model);

    /* a byte above 242 is refused */
    g = (pbw){0};
    add_unpack_constants(&g);
    uint8_t bad_codes[4] = {113, 243, 95, 130};
    add_ternary(&g, "W", 4, wdims, worked_t, levels, NULL, bad_codes);
    ONNX_INPUT(&g, "x", TRIT_FLOAT32, 4, xdims);
    conv = mk_node("Conv", "conv", LIST("x", "W"), LIST("y"));
    mk_attr_ints(&conv, "pads", 4, pads);
    mk_end_node(&g, &conv);
    ONNX_OUTPUT(&g, "y", TRIT_FLOAT32, 4, ydims);
    model = mk_model(&g, 13, NULL);
    m = load(&model, TRIT_ERROR_FORMAT);
    CHECK(m && strstr(trit_model_message(m), "above 242"));
    CHECK(trit_model_run(m) == TRIT_ERROR_STATE);
    CHECK(trit_model_input_count(m) == 0);
    trit_model_destroy(m);
    pbw_free(&model);
}

/* Ternary conv with per-channel scale + BatchNormalization + Relu (all folded/fused) and a
 * ternary Gemm: compared with the same math done in float here. */
static void test_ternary_fused(void) {
    enum { CIN = 3, COUT = 4, H = 6, W = 6 };
    int8_t t[COUT * CIN * 9];
    for (int i = 0; i < COUT * CIN * 9; i++) t[i] = (int8_t)((i * 5 + 3) % 3 - 1);
    float levels[3] = {-0.5f, 0.0f, 0.7f}, scale[COUT] = {1.0f, 0.5f, 2.0f, -1.5f};
    float gamma[COUT] = {1.2f, 0.8f, 1.0f, 0.6f}, beta[COUT] = {0.1f, -0.2f, 0.3f, 0.0f};
    float mean[COUT] = {0.05f, -0.1f, 0.2f, 0.0f}, var[COUT] = {1.5f, 0.7f, 1.0f, 2.0f}, bias[COUT] = {0.1f, 0.2f, -0.3f, 0.4f};
    int64_t wdims[4] = {COUT, CIN, 3, 3}, xdims[4] = {1, CIN, H, W}, c1[1] = {COUT}, gdims[2] = {5, COUT * H * W};
    int64_t flat_dims[2] = {1, COUT * H * W}, ydims[2] = {1, 5};
    int8_t tg[5 * COUT * H * W];
    for (int i = 0; i < 5 * COUT * H * W; i++) tg[i] = (int8_t)((i * 7) % 3 - 1);
    float glevels[3] = {-0.01f, 0.0f, 0.02f};
    pbw g = {0};
    add_unpack_constants(&g);
    add_ternary(&g, "W", 4, wdims, t, levels, scale, NULL);
    add_ternary(&g, "G", 2, gdims, tg, glevels, NULL, NULL);
    ONNX_INITIALIZER(&g, "bias", TRIT_FLOAT32, 1, c1, bias, sizeof bias);
    ONNX_INITIALIZER(&g, "gamma", TRIT_FLOAT32, 1, c1, gamma, sizeof gamma);
    ONNX_INITIALIZER(&g, "beta", TRIT_FLOAT32, 1, c1, beta, sizeof beta);
    ONNX_INITIALIZER(&g, "mean", TRIT_FLOAT32, 1, c1, mean, sizeof mean);
    ONNX_INITIALIZER(&g, "var", TRIT_FLOAT32, 1, c1, var, sizeof var);
    ONNX_INPUT(&g, "x", TRIT_FLOAT32, 4, xdims);
    pbw node = mk_node("Conv", "conv", LIST("x", "W", "bias"), LIST("c"));
    int64_t pads[4] = {1, 1, 1, 1};
    mk_attr_ints(&node, "pads", 4, pads);
    mk_end_node(&g, &node);
    node = mk_node("BatchNormalization", "bn", LIST("c", "gamma", "beta", "mean", "var"), LIST("b"));
    mk_attr_float(&node, "epsilon", 1e-3f);
    mk_end_node(&g, &node);
    node = mk_node("Relu", "relu", LIST("b"), LIST("r"));
    mk_end_node(&g, &node);
    node = mk_node("Flatten", "flatten", LIST("r"), LIST("f"));
    mk_end_node(&g, &node);
    node = mk_node("Gemm", "fc", LIST("f", "G"), LIST("y"));
    mk_attr_int(&node, "transB", 1);
    mk_end_node(&g, &node);
    ONNX_OUTPUT(&g, "y", TRIT_FLOAT32, 2, ydims);
    pbw model = mk_model(&g, 13, NULL);
    (void)flat_dims;
    trit_model *m = load(&model, TRIT_OK);
    if (m) {
        float x[CIN * H * W], wf[COUT * CIN * 9], conv[COUT * H * W], want[5];
        for (int i = 0; i < CIN * H * W; i++) x[i] = sinf((float)i);
        for (int i = 0; i < COUT * CIN * 9; i++) wf[i] = levels[t[i] + 1] * scale[i / (CIN * 9)];
        conv_ref(CIN, H, W, COUT, 3, 1, x, wf, bias, conv);
        for (int o = 0; o < COUT; o++)
            for (int i = 0; i < H * W; i++) {
                float v = (conv[o * H * W + i] - mean[o]) / sqrtf(var[o] + 1e-3f) * gamma[o] + beta[o];
                conv[o * H * W + i] = v > 0 ? v : 0;
            }
        for (int n = 0; n < 5; n++) {
            double sum = 0;
            for (int k = 0; k < COUT * H * W; k++) sum += conv[k] * glevels[tg[n * COUT * H * W + k] + 1];
            want[n] = (float)sum;
        }
        const float *y = run1(m, x, sizeof x);
        for (int n = 0; n < 5; n++) CHECK_NEAR(y[n], want[n], 1e-5, 1e-4);
        const char *info;
        CHECK(trit_model_info_json(m, &info) == TRIT_OK);
        CHECK(strstr(info, "\"nodes_compiled\": 2,") != NULL); /* conv+bn+relu, gemm */
        CHECK(strstr(info, "\"op\": \"Gemm\"") != NULL);
    }
    trit_model_destroy(m);
    pbw_free(&model);
}

/* ---- a float model: conv → bn → add(residual) → relu, gemm, softmax ------------------------------- */
static pbw float_model(int with_softmax, const char *const *metadata) {
    int64_t xdims[4] = {1, 2, 4, 4}, wdims[4] = {2, 2, 3, 3}, c2[1] = {2}, fdims[2] = {3, 32}, ydims[2] = {1, 3};
    float w[36], gamma[2] = {1.5f, 0.5f}, beta[2] = {0.1f, -0.1f}, mean[2] = {0.2f, -0.3f}, var[2] = {0.9f, 1.1f};
    float fc[96], fb[3] = {0.5f, -0.5f, 0.25f};
    for (int i = 0; i < 36; i++) w[i] = cosf((float)i) * 0.3f;
    for (int i = 0; i < 96; i++) fc[i] = sinf((float)i * 0.7f) * 0.2f;
    pbw g = {0};
    ONNX_INPUT(&g, "x", TRIT_FLOAT32, 4, xdims);
    ONNX_INITIALIZER(&g, "w", TRIT_FLOAT32, 4, wdims, w, sizeof w);
    ONNX_INITIALIZER(&g, "gamma", TRIT_FLOAT32, 1, c2, gamma, sizeof gamma);
    ONNX_INITIALIZER(&g, "beta", TRIT_FLOAT32, 1, c2, beta, sizeof beta);
    ONNX_INITIALIZER(&g, "mean", TRIT_FLOAT32, 1, c2, mean, sizeof mean);
    ONNX_INITIALIZER(&g, "var", TRIT_FLOAT32, 1, c2, var, sizeof var);
    ONNX_INITIALIZER(&g, "fc", TRIT_FLOAT32, 2, fdims, fc, sizeof fc);
    ONNX_INITIALIZER(&g, "fb", TRIT_FLOAT32, 1, ydims + 1, fb, sizeof fb);
    pbw n = mk_node("Conv", "conv", LIST("x", "w"), LIST("c"));
    int64_t pads[4] = {1, 1, 1, 1};
    mk_attr_ints(&n, "pads", 4, pads);
    mk_end_node(&g, &n);
    n = mk_node("BatchNormalization", "bn", LIST("c", "gamma", "beta", "mean", "var"), LIST("b"));
    mk_end_node(&g, &n);
    n = mk_node("Add", "add", LIST("x", "b"), LIST("a"));
    mk_end_node(&g, &n);
    n = mk_node("Relu", "relu", LIST("a"), LIST("r"));
    mk_end_node(&g, &n);
    n = mk_node("Flatten", "flatten", LIST("r"), LIST("f"));
    mk_end_node(&g, &n);
    n = mk_node("Gemm", "gemm", LIST("f", "fc", "fb"), LIST(with_softmax ? "logits" : "y"));
    mk_attr_int(&n, "transB", 1);
    mk_end_node(&g, &n);
    if (with_softmax) {
        n = mk_node("Softmax", "softmax", LIST("logits"), LIST("y"));
        mk_end_node(&g, &n);
    }
    ONNX_OUTPUT(&g, "y", TRIT_FLOAT32, 2, ydims);
    return mk_model(&g, 13, metadata);
}

static void float_model_reference(const float *x, float *out3) {
    float w[36], gamma[2] = {1.5f, 0.5f}, beta[2] = {0.1f, -0.1f}, mean[2] = {0.2f, -0.3f}, var[2] = {0.9f, 1.1f};
    float fc[96], fb[3] = {0.5f, -0.5f, 0.25f}, c[32];
    for (int i = 0; i < 36; i++) w[i] = cosf((float)i) * 0.3f;
    for (int i = 0; i < 96; i++) fc[i] = sinf((float)i * 0.7f) * 0.2f;
    conv_ref(2, 4, 4, 2, 3, 1, x, w, NULL, c);
    for (int i = 0; i < 32; i++) {
        int o = i / 16;
        float v = (c[i] - mean[o]) / sqrtf(var[o] + 1e-5f) * gamma[o] + beta[o] + x[i];
        c[i] = v > 0 ? v : 0;
    }
    for (int n = 0; n < 3; n++) {
        double s = fb[n];
        for (int k = 0; k < 32; k++) s += c[k] * fc[n * 32 + k];
        out3[n] = (float)s;
    }
}

static void test_float_model_and_api(void) {
    pbw model = float_model(0, LIST("trit.labels", "[\"cat\", \"d\\u00f6g\", \"b\\\"ird\"]", "trit.arch", "tiny"));
    trit_model *m = load(&model, TRIT_OK);
    if (!m) return;
    float x[32], want[3];
    for (int i = 0; i < 32; i++) x[i] = cosf((float)i * 1.3f);
    float_model_reference(x, want);
    const float *y = run1(m, x, sizeof x);
    for (int i = 0; i < 3; i++) CHECK_NEAR(y[i], want[i], 1e-5, 1e-4);
    const char *info;
    CHECK(trit_model_info_json(m, &info) == TRIT_OK);
    CHECK(strstr(info, "\"nodes_compiled\": 2,") != NULL); /* conv+bn+add+relu fused; flatten aliased; gemm */
    CHECK(strstr(info, "\"ops\": {\"Conv\": 1, \"BatchNormalization\": 1, \"Add\": 1, \"Relu\": 1, \"Flatten\": 1, \"Gemm\": 1}"));
    CHECK(strstr(info, "\"labels\": [\"cat\", \"d\xc3\xb6g\", \"b\\\"ird\"]"));
    CHECK(strstr(info, "\"metadata\": {\"trit.labels\""));
    CHECK(strstr(info, "\"bits_per_weight\": 32"));
    CHECK(strcmp(trit_model_metadata(m, "trit.arch"), "tiny") == 0 && trit_model_metadata(m, "nope") == NULL);

    /* top-k with softmax applied by the API */
    trit_class_score scores[5];
    size_t count = 0;
    CHECK(trit_model_top_k(m, 5, scores, &count) == TRIT_OK && count == 3);
    double mx = fmax(want[0], fmax(want[1], want[2])), sum = 0;
    for (int i = 0; i < 3; i++) sum += exp(want[i] - mx);
    CHECK(scores[0].probability >= scores[1].probability && scores[1].probability >= scores[2].probability);
    CHECK_NEAR(scores[0].probability, exp(want[scores[0].index] - mx) / sum, 1e-6, 1e-4);
    CHECK(strcmp(scores[0].label, scores[0].index == 0 ? "cat" : scores[0].index == 1 ? "d\xc3\xb6g" : "b\"ird") == 0);

    /* errors keep the handle usable */
    CHECK(trit_model_set_input(m, 0, x, sizeof x - 4) == TRIT_ERROR_ARGUMENT);
    CHECK(strstr(trit_model_message(m), "bytes") != NULL);
    CHECK(trit_model_set_input(m, 1, x, sizeof x) == TRIT_ERROR_ARGUMENT);
    CHECK(trit_model_top_k(m, 0, scores, &count) == TRIT_ERROR_ARGUMENT);
    CHECK(trit_model_set_input_rgba(m, (const uint8_t *)x, 4, 4, 16) == TRIT_ERROR_SHAPE); /* 2 channels: not an image */
    CHECK(trit_model_set_input_image(m, "not an image", 12) == TRIT_ERROR_SHAPE);
    trit_tensor_info info_in;
    CHECK(trit_model_input_info(m, 3, &info_in) == TRIT_ERROR_ARGUMENT);
    CHECK(trit_model_input_info(m, 0, &info_in) == TRIT_OK && info_in.rank == 4 && info_in.byte_size == sizeof x &&
          strcmp(info_in.name, "x") == 0);
    CHECK(trit_model_message(m)[0] == 0); /* "" after a success */
    y = run1(m, x, sizeof x);
    for (int i = 0; i < 3; i++) CHECK_NEAR(y[i], want[i], 1e-5, 1e-4);

    /* run performs no allocation; running twice gives the same result */
    trit_set_allocator(&counting);
    allocations = 0;
    for (int r = 0; r < 3; r++) CHECK(trit_model_run(m) == TRIT_OK);
    CHECK(trit_model_top_k(m, 2, scores, &count) == TRIT_OK);
    CHECK_MSG(allocations == 0, "run allocated %ld times", allocations);
    trit_set_allocator(NULL);
    for (int i = 0; i < 3; i++) CHECK_NEAR(y[i], want[i], 1e-5, 1e-4);
    trit_model_destroy(m);
    pbw_free(&model);

    /* a graph ending in Softmax: top_k reports its output as is */
    model = float_model(1, NULL);
    m = load(&model, TRIT_OK);
    if (m) {
        run1(m, x, sizeof x);
        CHECK(trit_model_top_k(m, 1, scores, &count) == TRIT_OK && count == 1 && scores[0].label[0] == 0);
        double mx2 = fmax(want[0], fmax(want[1], want[2])), s2 = 0;
        for (int i = 0; i < 3; i++) s2 += exp(want[i] - mx2);
        CHECK_NEAR(scores[0].probability, 1.0 / s2, 1e-6, 1e-4);
    }
    trit_model_destroy(m);
    pbw_free(&model);
}

/* Every allocation failing in turn: create reports TRIT_ERROR_MEMORY (or a NULL handle) and leaks
 * nothing (the sanitizer build checks leaks), until it succeeds. */
static void test_allocation_failures(void) {
    pbw model = float_model(1, LIST("trit.labels", "[\"a\", \"b\", \"c\"]"));
    int failures_seen = 0, bad = 0, succeeded = 0;
    trit_set_allocator(&counting);
    for (long k = 0; k < 2000 && !succeeded; k++) {
        allocations = 0;
        fail_after = k;
        trit_model *m = NULL;
        trit_status st = trit_model_create(model.data, model.length, NULL, &m);
        if (st == TRIT_OK) {
            succeeded = 1;
            const char *info;
            /* later calls may fail cleanly too */
            st = trit_model_info_json(m, &info);
            if (st != TRIT_OK && st != TRIT_ERROR_MEMORY) bad++;
        } else {
            failures_seen++;
            if (st != TRIT_ERROR_MEMORY) bad++, fprintf(stderr, "allocation %ld failing: %s: %s\n", k, trit_status_name(st), m ? trit_model_message(m) : "");
            if (m && trit_model_run(m) != TRIT_ERROR_STATE) bad++;
        }
        trit_model_destroy(m);
    }
    fail_after = -1;
    trit_set_allocator(NULL);
    CHECK(succeeded);
    CHECK(failures_seen > 10);
    CHECK_MSG(bad == 0, "%d wrong statuses under allocation failure", bad);
    pbw_free(&model);
}

/* ---- refusals, limits, odd graphs ------------------------------------------------------------------ */
static pbw one_node(const char *op, const char *attr, int64_t attr_value) {
    int64_t dims[2] = {1, 4};
    pbw g = {0};
    ONNX_INPUT(&g, "x", TRIT_FLOAT32, 2, dims);
    pbw n = mk_node(op, "n1", LIST("x"), LIST("y"));
    if (attr) mk_attr_int(&n, attr, attr_value);
    mk_end_node(&g, &n);
    ONNX_OUTPUT(&g, "y", TRIT_FLOAT32, 2, dims);
    return mk_model(&g, 13, NULL);
}

static void test_refusals(void) {
    trit_model *m = NULL;
    CHECK(trit_model_create("\x08\x01\xff", 3, NULL, &m) == TRIT_ERROR_FORMAT);
    CHECK(m && trit_model_message(m)[0] && trit_model_run(m) == TRIT_ERROR_STATE && trit_model_output_count(m) == 0);
    const char *info;
    CHECK(trit_model_info_json(m, &info) == TRIT_ERROR_STATE);
    trit_model_destroy(m);
    CHECK(trit_model_create("", 0, NULL, NULL) == TRIT_ERROR_ARGUMENT);
    CHECK(trit_model_create(NULL, 10, NULL, &m) == TRIT_ERROR_ARGUMENT);
    trit_model_destroy(m);
    CHECK(trit_model_run(NULL) == TRIT_ERROR_ARGUMENT);
    trit_model_destroy(NULL);

    pbw model = one_node("Frobnicate", NULL, 0);
    m = load(&model, TRIT_ERROR_UNSUPPORTED);
    CHECK(m && strstr(trit_model_message(m), "node 'n1' (Frobnicate)"));
    trit_model_destroy(m);
    pbw_free(&model);

    model = one_node("Relu", "alpha", 2);
    m = load(&model, TRIT_ERROR_UNSUPPORTED);
    CHECK(m && strstr(trit_model_message(m), "attribute 'alpha'"));
    trit_model_destroy(m);
    pbw_free(&model);

    model = one_node("Softmax", "axis", 5);
    m = load(&model, TRIT_ERROR_SHAPE);
    trit_model_destroy(m);
    pbw_free(&model);

    /* limits */
    model = one_node("Relu", NULL, 0);
    trit_limits limits = {0};
    limits.max_file_bytes = 10;
    CHECK(trit_model_create(model.data, model.length, &limits, &m) == TRIT_ERROR_LIMIT);
    trit_model_destroy(m);
    limits = (trit_limits){0};
    limits.max_tensor_elements = 3;
    CHECK(trit_model_create(model.data, model.length, &limits, &m) == TRIT_ERROR_LIMIT);
    trit_model_destroy(m);
    limits = (trit_limits){0};
    limits.max_arena_bytes = 20;
    CHECK(trit_model_create(model.data, model.length, &limits, &m) == TRIT_ERROR_LIMIT);
    CHECK(m && strstr(trit_model_message(m), "arena"));
    trit_model_destroy(m);
    pbw_free(&model);

    /* cycle, dangling input, symbolic dims */
    int64_t dims[2] = {1, 4}, sym[2] = {-1, 4}, sym2[2] = {1, -1};
    pbw g = {0};
    ONNX_INPUT(&g, "x", TRIT_FLOAT32, 2, dims);
    mk_add_node(&g, "Add", "a", LIST("x", "q"), LIST("p"));
    mk_add_node(&g, "Relu", "b", LIST("p"), LIST("q"));
    ONNX_OUTPUT(&g, "q", TRIT_FLOAT32, 2, dims);
    check_refused(&g, "cycle");

    g = (pbw){0};
    ONNX_INPUT(&g, "x", TRIT_FLOAT32, 2, dims);
    mk_add_node(&g, "Add", "a", LIST("x", "missing"), LIST("y"));
    ONNX_OUTPUT(&g, "y", TRIT_FLOAT32, 2, dims);
    check_refused(&g, "'missing'");

    for (int variant = 0; variant < 2; variant++) {
        g = (pbw){0};
        ONNX_INPUT(&g, "x", TRIT_FLOAT32, 2, variant ? sym2 : sym);
        mk_add_node(&g, "Identity", "i", LIST("x"), LIST("y"));
        ONNX_OUTPUT(&g, "y", TRIT_FLOAT32, 2, variant ? sym2 : sym);
        model = mk_model(&g, 13, NULL);
        m = load(&model, variant ? TRIT_ERROR_UNSUPPORTED : TRIT_OK);
        if (!variant && m) {
            /* leading batch dim became 1; output aliases the input */
            trit_tensor_info ti;
            CHECK(trit_model_output_info(m, 0, &ti) == TRIT_OK && ti.dims[0] == 1 && ti.element_count == 4);
            float x[4] = {1, -2, 3, -4};
            const float *y = run1(m, x, sizeof x);
            CHECK(y[1] == -2 && y[3] == -4);
        }
        trit_model_destroy(m);
        pbw_free(&model);
    }

    /* bad labels metadata */
    model = float_model(0, LIST("trit.labels", "[\"a\", 3]"));
    m = load(&model, TRIT_ERROR_FORMAT);
    trit_model_destroy(m);
    pbw_free(&model);
}

/* An image model: RGBA in, normalised NCHW out (Identity graph), per FORMAT.md preprocessing. */
static void test_image_input(void) {
    int64_t dims[4] = {1, 3, 4, 4};
    pbw g = {0};
    ONNX_INPUT(&g, "image", TRIT_FLOAT32, 4, dims);
    pbw n = mk_node("Identity", "i", LIST("image"), LIST("y"));
    mk_end_node(&g, &n);
    ONNX_OUTPUT(&g, "y", TRIT_FLOAT32, 4, dims);
    pbw model = mk_model(&g, 13, LIST("trit.mean", "0.5,0.25,0", "trit.std", "0.5, 0.25, 2"));
    trit_model *m = load(&model, TRIT_OK);
    if (m) {
        uint8_t rgba[8 * 8 * 4];
        for (int i = 0; i < 64; i++) {
            rgba[4 * i] = 255;
            rgba[4 * i + 1] = 51;
            rgba[4 * i + 2] = 102;
            rgba[4 * i + 3] = 7;
        }
        CHECK(trit_model_set_input_rgba(m, rgba, 8, 8, 32) == TRIT_OK);
        CHECK(trit_model_run(m) == TRIT_OK);
        const void *out;
        size_t bytes;
        CHECK(trit_model_output(m, 0, &out, &bytes) == TRIT_OK && bytes == 48 * sizeof(float));
        const float *y = out;
        CHECK_NEAR(y[0], (1.0 - 0.5) / 0.5, 1e-5, 0);
        CHECK_NEAR(y[16], (51 / 255.0 - 0.25) / 0.25, 1e-5, 0);
        CHECK_NEAR(y[47], (102 / 255.0) / 2.0, 1e-5, 0);
        CHECK(trit_model_set_input_rgba(m, rgba, 8, 8, 16) == TRIT_ERROR_ARGUMENT);
        CHECK(trit_model_set_input_image(m, "\xff\xd8garbage", 9) == TRIT_ERROR_IMAGE);
        CHECK(trit_model_run(m) == TRIT_OK);
        const char *info;
        CHECK(trit_model_info_json(m, &info) == TRIT_OK &&
              strstr(info, "\"preprocess\": {\"height\": 4, \"width\": 4, \"resize\": 4, \"filter\": \"area\", \"mean\": [0.5, 0.25, 0]"));
    }
    trit_model_destroy(m);
    pbw_free(&model);
}

int main(void) {
    test_worked_example();
    test_ternary_fused();
    test_float_model_and_api();
    test_allocation_failures();
    test_refusals();
    test_image_input();
    return CHECK_REPORT("test_model");
}
