/* Intermediate tensors and single steps (core/src/inspect.c): tensors asked for by name come back
 * with the values of a naive reference of the same graph, aliases map to their source, fused-away
 * tensors and unknown names fail naming the tensor (and the step that absorbed it), a failed request
 * leaves the previous one working, the inputs survive a request, an arena limit is kept, and running
 * the steps in two ranges equals one run.
 *
 * The graph: x[1,2,4,4] -> Conv(3x3, pad 1) c -> Relu r -> Conv(1x1) c2 -> Add(c2, r) s -> Relu o
 *            -> GlobalAveragePool g -> Flatten f -> Gemm(f, W^T, bias) logits
 * Fusion leaves four steps: conv+relu (writes r), conv+add+relu (writes o), pool (g), gemm (logits). */
#include <math.h>
#include <string.h>

#include "check.h"
#include "onnx_builder.h"
#include "trit.h"

enum { CIN = 2, C = 3, H = 4, W = 4, CLASSES = 4 };
static float w1[C * CIN * 9], b1[C], w2[C * C], fc[CLASSES * C], fc_bias[CLASSES];

static float value_at(int i, float scale) { return scale * (float)((i * 37 + 11) % 23 - 11) / 11.0f; }

static trit_status make_model(const trit_limits *limits, trit_model **out) {
    pbw g = {0};
    int64_t xd[4] = {1, CIN, H, W}, w1d[4] = {C, CIN, 3, 3}, b1d[1] = {C}, w2d[4] = {C, C, 1, 1}, fcd[2] = {CLASSES, C},
            fbd[1] = {CLASSES}, ld[2] = {1, CLASSES};
    ONNX_INPUT(&g, "x", TRIT_FLOAT32, 4, xd);
    ONNX_INITIALIZER(&g, "w1", TRIT_FLOAT32, 4, w1d, w1, sizeof w1);
    ONNX_INITIALIZER(&g, "b1", TRIT_FLOAT32, 1, b1d, b1, sizeof b1);
    ONNX_INITIALIZER(&g, "w2", TRIT_FLOAT32, 4, w2d, w2, sizeof w2);
    ONNX_INITIALIZER(&g, "W", TRIT_FLOAT32, 2, fcd, fc, sizeof fc);
    ONNX_INITIALIZER(&g, "fc_bias", TRIT_FLOAT32, 1, fbd, fc_bias, sizeof fc_bias);
    pbw n = mk_node("Conv", "conv1", LIST("x", "w1", "b1"), LIST("c"));
    mk_attr_ints(&n, "pads", 4, (const int64_t[]){1, 1, 1, 1});
    mk_end_node(&g, &n);
    mk_add_node(&g, "Relu", "relu1", LIST("c"), LIST("r"));
    mk_add_node(&g, "Conv", "conv2", LIST("r", "w2"), LIST("c2"));
    mk_add_node(&g, "Add", "add", LIST("c2", "r"), LIST("s"));
    mk_add_node(&g, "Relu", "relu2", LIST("s"), LIST("o"));
    mk_add_node(&g, "GlobalAveragePool", "pool", LIST("o"), LIST("g"));
    mk_add_node(&g, "Flatten", "flatten", LIST("g"), LIST("f"));
    n = mk_node("Gemm", "fc", LIST("f", "W", "fc_bias"), LIST("logits"));
    mk_attr_int(&n, "transB", 1);
    mk_end_node(&g, &n);
    ONNX_OUTPUT(&g, "logits", TRIT_FLOAT32, 2, ld);
    return mk_create(&g, limits, out);
}

/* The reference, written out loop by loop. */
typedef struct reference {
    float r[C * H * W], o[C * H * W], g[C], logits[CLASSES];
} reference;

static void compute_reference(const float *x, reference *ref) {
    for (int co = 0; co < C; co++)
        for (int y = 0; y < H; y++)
            for (int xx = 0; xx < W; xx++) {
                float sum = b1[co];
                for (int ci = 0; ci < CIN; ci++)
                    for (int ky = 0; ky < 3; ky++)
                        for (int kx = 0; kx < 3; kx++) {
                            int iy = y + ky - 1, ix = xx + kx - 1;
                            if (iy < 0 || iy >= H || ix < 0 || ix >= W) continue;
                            sum += x[(ci * H + iy) * W + ix] * w1[((co * CIN + ci) * 3 + ky) * 3 + kx];
                        }
                ref->r[(co * H + y) * W + xx] = sum > 0 ? sum : 0;
            }
    for (int co = 0; co < C; co++) {
        float total = 0;
        for (int p = 0; p < H * W; p++) {
            float sum = ref->r[co * H * W + p];
            for (int ci = 0; ci < C; ci++) sum += ref->r[ci * H * W + p] * w2[co * C + ci];
            ref->o[co * H * W + p] = sum > 0 ? sum : 0;
            total += ref->o[co * H * W + p];
        }
        ref->g[co] = total / (H * W);
    }
    for (int k = 0; k < CLASSES; k++) {
        ref->logits[k] = fc_bias[k];
        for (int c = 0; c < C; c++) ref->logits[k] += ref->g[c] * fc[k * C + c];
    }
}

static void check_close(const char *what, const float *got, const float *want, size_t count) {
    float worst = 0;
    for (size_t i = 0; i < count; i++) worst = fmaxf(worst, fabsf(got[i] - want[i]));
    CHECK_MSG(worst <= 1e-5f, "%s: max difference %g", what, worst);
}

static const float *requested(trit_model *m, size_t index, size_t want_bytes) {
    const void *data = NULL;
    size_t bytes = 0;
    trit_status st = trit_model_requested_output(m, index, &data, &bytes);
    CHECK_MSG(st == TRIT_OK && bytes == want_bytes, "requested %zu: %s, %zu bytes (%s)", index, trit_status_name(st), bytes,
              trit_model_message(m));
    return st == TRIT_OK && bytes == want_bytes ? data : NULL;
}

/* After a run: the seven tensors of `names` below against the reference. */
static const char *const names[] = {"r", "o", "g", "f", "W", "x", "logits"};
static void check_requested(trit_model *m, const float *x, const reference *ref) {
    const float *p;
    if ((p = requested(m, 0, sizeof ref->r))) check_close("r", p, ref->r, C * H * W);
    if ((p = requested(m, 1, sizeof ref->o))) check_close("o", p, ref->o, C * H * W);
    if ((p = requested(m, 2, sizeof ref->g))) check_close("g", p, ref->g, C);
    if ((p = requested(m, 3, sizeof ref->g))) check_close("f (alias of g)", p, ref->g, C);
    if ((p = requested(m, 4, sizeof fc))) CHECK(memcmp(p, fc, sizeof fc) == 0);
    if ((p = requested(m, 5, CIN * H * W * sizeof(float)))) CHECK(memcmp(p, x, CIN * H * W * sizeof(float)) == 0);
    if ((p = requested(m, 6, sizeof ref->logits))) check_close("logits", p, ref->logits, CLASSES);
}

static long arena_bytes(trit_model *m) {
    const char *json = NULL;
    if (trit_model_info_json(m, &json) != TRIT_OK) return -1;
    const char *at = strstr(json, "\"arena_bytes\": ");
    return at ? strtol(at + 15, NULL, 10) : -1;
}

int main(void) {
    for (size_t i = 0; i < sizeof w1 / sizeof w1[0]; i++) w1[i] = value_at((int)i, 0.5f);
    for (int i = 0; i < C; i++) b1[i] = value_at(i + 5, 0.2f);
    for (int i = 0; i < C * C; i++) w2[i] = value_at(i + 7, 0.7f);
    for (int i = 0; i < CLASSES * C; i++) fc[i] = value_at(i + 3, 1.0f);
    for (int i = 0; i < CLASSES; i++) fc_bias[i] = value_at(i + 1, 0.1f);
    float x[CIN * H * W], x2[CIN * H * W];
    for (int i = 0; i < CIN * H * W; i++) x[i] = value_at(i + 2, 1.0f), x2[i] = value_at(3 * i + 1, 2.0f);
    reference ref, ref2;
    compute_reference(x, &ref);
    compute_reference(x2, &ref2);

    trit_model *m;
    CHECK(make_model(NULL, &m) == TRIT_OK);
    CHECK(trit_model_requested_count(m) == 0);
    CHECK(trit_model_set_input(m, 0, x, sizeof x) == TRIT_OK);
    CHECK(trit_model_run(m) == TRIT_OK);
    float plain_logits[CLASSES];
    const void *out = NULL;
    CHECK(trit_model_output(m, 0, &out, NULL) == TRIT_OK && out);
    if (out) memcpy(plain_logits, out, sizeof plain_logits);

    /* the request keeps the input already set */
    trit_status st = trit_model_request_outputs(m, names, 7);
    CHECK_MSG(st == TRIT_OK, "%s: %s", trit_status_name(st), trit_model_message(m));
    CHECK(trit_model_requested_count(m) == 7);
    trit_tensor_info info;
    CHECK(trit_model_requested_info(m, 1, &info) == TRIT_OK && strcmp(info.name, "o") == 0 && info.rank == 4 &&
          info.dims[1] == C && info.dims[3] == W && info.dtype == TRIT_FLOAT32 && info.byte_size == sizeof ref.o);
    CHECK(trit_model_requested_info(m, 3, &info) == TRIT_OK && strcmp(info.name, "f") == 0 && info.rank == 2 && info.dims[1] == C);
    CHECK(trit_model_requested_info(m, 7, &info) == TRIT_ERROR_ARGUMENT);
    CHECK(trit_model_run(m) == TRIT_OK);
    check_requested(m, x, &ref);
    CHECK(trit_model_output(m, 0, &out, NULL) == TRIT_OK && out && memcmp(out, plain_logits, sizeof plain_logits) == 0);

    /* fused-away tensors and unknown names fail, naming them; the previous request still works */
    const char *const fused[] = {"g", "c"};
    CHECK(trit_model_request_outputs(m, fused, 2) == TRIT_ERROR_UNSUPPORTED);
    CHECK_MSG(strstr(trit_model_message(m), "'c'") && strstr(trit_model_message(m), "'conv1'") &&
              strstr(trit_model_message(m), "writes only 'r'"), "%s", trit_model_message(m));
    const char *const fused_add[] = {"s"};
    CHECK(trit_model_request_outputs(m, fused_add, 1) == TRIT_ERROR_UNSUPPORTED);
    CHECK_MSG(strstr(trit_model_message(m), "'s'") && strstr(trit_model_message(m), "writes only 'o'"), "%s", trit_model_message(m));
    const char *const fused_conv2[] = {"c2"};
    CHECK(trit_model_request_outputs(m, fused_conv2, 1) == TRIT_ERROR_UNSUPPORTED);
    CHECK_MSG(strstr(trit_model_message(m), "'c2'") && strstr(trit_model_message(m), "writes only 'o'"), "%s", trit_model_message(m));
    const char *const unknown[] = {"nope"};
    CHECK(trit_model_request_outputs(m, unknown, 1) == TRIT_ERROR_ARGUMENT);
    CHECK(strstr(trit_model_message(m), "'nope'") != NULL);
    const char *const with_null[] = {"r", NULL};
    CHECK(trit_model_request_outputs(m, with_null, 2) == TRIT_ERROR_ARGUMENT);
    CHECK(trit_model_request_outputs(m, NULL, 1) == TRIT_ERROR_ARGUMENT);
    CHECK(trit_model_requested_count(m) == 7);
    CHECK(trit_model_set_input(m, 0, x2, sizeof x2) == TRIT_OK);
    CHECK(trit_model_run(m) == TRIT_OK);
    check_requested(m, x2, &ref2);

    /* steps: what each is, and two ranges equal one run */
    CHECK(trit_model_step_count(m) == 4);
    trit_step_info s;
    CHECK(trit_model_step_info(m, 0, &s) == TRIT_OK && strcmp(s.name, "conv1") == 0 && strcmp(s.op, "Conv") == 0 &&
          strcmp(s.output, "r") == 0 && !s.fused_add && strcmp(s.fused_activation, "Relu") == 0 && s.kernel[0] &&
          strcmp(s.input, "x") == 0 && strcmp(s.weights, "w1") == 0);
    CHECK(trit_model_step_info(m, 1, &s) == TRIT_OK && strcmp(s.name, "conv2") == 0 && strcmp(s.output, "o") == 0 &&
          s.fused_add && strcmp(s.fused_activation, "Relu") == 0);
    CHECK(trit_model_step_info(m, 2, &s) == TRIT_OK && strcmp(s.op, "GlobalAveragePool") == 0 && strcmp(s.output, "g") == 0 && strcmp(s.input, "o") == 0 &&
          !s.fused_add && s.fused_activation[0] == 0 && s.kernel[0] == 0);
    CHECK(trit_model_step_info(m, 3, &s) == TRIT_OK && strcmp(s.op, "Gemm") == 0 && strcmp(s.output, "logits") == 0 &&
          strcmp(s.input, "f") == 0 && strcmp(s.weights, "W") == 0);
    /* a packed conv weight is not kept: asking for it says so */
    const char *const packed[] = {"w1"};
    CHECK(trit_model_request_outputs(m, packed, 1) == TRIT_ERROR_UNSUPPORTED && strstr(trit_model_message(m), "'w1'"));
    CHECK(trit_model_step_info(m, 4, &s) == TRIT_ERROR_ARGUMENT && strstr(trit_model_message(m), "4 steps"));
    CHECK(trit_model_set_input(m, 0, x, sizeof x) == TRIT_OK);
    CHECK(trit_model_run_steps(m, 0, 2) == TRIT_OK && trit_model_run_steps(m, 2, 2) == TRIT_OK);
    check_requested(m, x, &ref);
    CHECK(trit_model_run_steps(m, 4, 0) == TRIT_OK);
    CHECK(trit_model_run_steps(m, 3, 2) == TRIT_ERROR_ARGUMENT && strstr(trit_model_message(m), "out of range"));
    CHECK(trit_model_run_steps(m, (size_t)-1, 2) == TRIT_ERROR_ARGUMENT);

    /* count 0 drops the request */
    CHECK(trit_model_request_outputs(m, NULL, 0) == TRIT_OK && trit_model_requested_count(m) == 0);
    CHECK(trit_model_requested_output(m, 0, &out, NULL) == TRIT_ERROR_ARGUMENT);
    CHECK(trit_model_run(m) == TRIT_OK && trit_model_output(m, 0, &out, NULL) == TRIT_OK && out &&
          memcmp(out, plain_logits, sizeof plain_logits) == 0);
    trit_model_destroy(m);

    /* an arena limit that fits the load's plan but not a tensor kept to the end: x -> Relu a -> Relu b
     * -> Relu c needs x and two 4 KiB buffers at a time; with 'a' kept to the end, three */
    pbw g = {0};
    int64_t chain_dims[2] = {1, 1024};
    ONNX_INPUT(&g, "x", TRIT_FLOAT32, 2, chain_dims);
    mk_add_node(&g, "Relu", "relu_a", LIST("x"), LIST("a"));
    mk_add_node(&g, "Relu", "relu_b", LIST("a"), LIST("b"));
    mk_add_node(&g, "Relu", "relu_c", LIST("b"), LIST("c"));
    ONNX_OUTPUT(&g, "c", TRIT_FLOAT32, 2, chain_dims);
    pbw chain = mk_model(&g, 13, NULL);
    trit_limits limits = {0};
    limits.max_arena_bytes = 3 * 4096;
    CHECK(trit_model_create(chain.data, chain.length, &limits, &m) == TRIT_OK);
    CHECK(arena_bytes(m) == 3 * 4096);
    const char *const early[] = {"b"};
    CHECK(trit_model_request_outputs(m, early, 1) == TRIT_OK); /* b's lifetime already reaches c's step */
    const char *const earlier[] = {"a"};
    st = trit_model_request_outputs(m, earlier, 1);
    CHECK_MSG(st == TRIT_ERROR_LIMIT && strstr(trit_model_message(m), "16384 bytes, above the arena limit of 12288"), "%s: %s",
              trit_status_name(st), trit_model_message(m));
    CHECK(trit_model_requested_count(m) == 1);
    float ramp[1024];
    for (int i = 0; i < 1024; i++) ramp[i] = (float)(i - 512);
    CHECK(trit_model_set_input(m, 0, ramp, sizeof ramp) == TRIT_OK && trit_model_run(m) == TRIT_OK);
    const float *kept = NULL;
    CHECK(trit_model_requested_output(m, 0, (const void **)&kept, NULL) == TRIT_OK && kept && kept[0] == 0.0f &&
          kept[1023] == 511.0f);
    trit_model_destroy(m);
    pbw_free(&chain);

    /* a handle whose load failed */
    const unsigned char junk[3] = {1, 2, 3};
    CHECK(trit_model_create(junk, sizeof junk, NULL, &m) != TRIT_OK);
    CHECK(trit_model_request_outputs(m, names, 1) == TRIT_ERROR_STATE);
    CHECK(trit_model_run_steps(m, 0, 0) == TRIT_ERROR_STATE && trit_model_step_count(m) == 0);
    trit_model_destroy(m);
    CHECK(trit_model_request_outputs(NULL, names, 1) == TRIT_ERROR_ARGUMENT);
    return CHECK_REPORT("test_inspect");
}
