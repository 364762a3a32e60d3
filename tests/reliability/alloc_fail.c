/* Allocation failure: make each allocation of load and run fail in turn (through the single hook,
 * trit_set_allocator) and check that
 *   - the call that hit it returns TRIT_ERROR_MEMORY (create: with a message, or a NULL handle),
 *   - nothing leaks: after destroy the hook sees 0 live blocks (and LeakSanitizer agrees at exit),
 *   - the handle stays usable: the failed step, repeated without the failure, gives the reference
 *     result; and a fresh model afterwards gives the reference result too.
 * The scenario is the life of a model in an app: create, info JSON, classify a PNG, a JPEG, a
 * progressive JPEG and a BMP, an RGBA frame, top-k, a request for an intermediate tensor
 * (trit_model_request_outputs: a failed one leaves the model running as before; after it the input
 * already set is still there), destroy. The loop stops at the first index past
 * the last allocation of the scenario, so every allocation point is covered.
 *
 *   alloc_fail MODELS_DIR     (models written by tests/reliability/make_models.py) */
#include "../c/check.h"
#include "reliability.h"

enum { IMAGE_COUNT = 4, TOP_K = 3 };
static const char *const image_names[IMAGE_COUNT] = {"image.png", "image.jpg", "image_progressive.jpg", "image.bmp"};

typedef struct reference {
    unsigned char *logits[IMAGE_COUNT + 1]; /* per image, then the RGBA frame */
    size_t logit_bytes;
    char *json;
    unsigned char *first_step; /* step 0's output for the RGBA frame */
    size_t first_step_bytes;
} reference;

static file_bytes images[IMAGE_COUNT];
static uint8_t rgba_frame[9 * 7 * 4];

static int same_output(trit_model *model, const unsigned char *expected, size_t bytes) {
    const void *out = NULL;
    size_t out_bytes = 0;
    if (trit_model_output(model, 0, &out, &out_bytes) != TRIT_OK || out_bytes != bytes) return 0;
    return memcmp(out, expected, bytes) == 0;
}

/* One image step: set input (may fail with MEMORY), run (must not allocate), compare. Returns 0 on
 * a check failure. With a failure injected into set_input, repeats it without one: the handle must
 * still work. */
static void image_step(trit_model *model, int which, const reference *ref, long *memory_errors) {
    trit_status s;
    for (int attempt = 0; attempt < 2; attempt++) {
        if (which < IMAGE_COUNT)
            s = trit_model_set_input_image(model, images[which].data, images[which].size);
        else
            s = trit_model_set_input_rgba(model, rgba_frame, 9, 7, 9 * 4);
        if (s == TRIT_OK) break;
        CHECK_MSG(s == TRIT_ERROR_MEMORY, "set input %d: %s (%s)", which, trit_status_name(s),
                  trit_model_message(model));
        CHECK_MSG(trit_model_message(model)[0] != '\0', "MEMORY without a message");
        (*memory_errors)++;
        g_alloc.fail_at = -1; /* same handle, no failure this time */
    }
    if (s != TRIT_OK) return;
    long calls_before_run = g_alloc.calls;
    s = trit_model_run(model);
    CHECK_MSG(s == TRIT_OK, "run: %s (%s)", trit_status_name(s), trit_model_message(model));
    CHECK_MSG(g_alloc.calls == calls_before_run, "trit_model_run allocated %ld times",
              g_alloc.calls - calls_before_run);
    CHECK_MSG(same_output(model, ref->logits[which], ref->logit_bytes), "input %d: output differs from reference",
              which);
    trit_class_score top[TOP_K];
    size_t count = 0;
    s = trit_model_top_k(model, TOP_K, top, &count);
    CHECK_MSG(s == TRIT_OK || s == TRIT_ERROR_MEMORY, "top_k: %s", trit_status_name(s));
}

/* Ask for step 0's output and output 0 by name. */
static trit_status request_tensors(trit_model *model) {
    trit_step_info step;
    trit_tensor_info output;
    if (trit_model_step_info(model, 0, &step) != TRIT_OK || trit_model_output_info(model, 0, &output) != TRIT_OK)
        return TRIT_ERROR_STATE;
    const char *const names[2] = {step.output, output.name};
    return trit_model_request_outputs(model, names, 2);
}

static int same_requested(trit_model *model, size_t index, const unsigned char *expected, size_t bytes) {
    const void *out = NULL;
    size_t out_bytes = 0;
    if (trit_model_requested_output(model, index, &out, &out_bytes) != TRIT_OK || out_bytes != bytes) return 0;
    return memcmp(out, expected, bytes) == 0;
}

/* After the RGBA frame: the request, then a run on the input it kept. */
static void request_step(trit_model *model, const reference *ref, long *memory_errors) {
    trit_status s;
    for (int attempt = 0; attempt < 2; attempt++) {
        s = request_tensors(model);
        if (s == TRIT_OK) break;
        CHECK_MSG(s == TRIT_ERROR_MEMORY, "request_outputs: %s (%s)", trit_status_name(s), trit_model_message(model));
        CHECK_MSG(trit_model_message(model)[0] != '\0', "MEMORY without a message");
        CHECK(trit_model_requested_count(model) == 0);
        CHECK(trit_model_run(model) == TRIT_OK && same_output(model, ref->logits[IMAGE_COUNT], ref->logit_bytes));
        (*memory_errors)++;
        g_alloc.fail_at = -1;
    }
    if (s != TRIT_OK) return;
    long calls_before_run = g_alloc.calls;
    CHECK(trit_model_run(model) == TRIT_OK);
    CHECK_MSG(g_alloc.calls == calls_before_run, "trit_model_run allocated after a request");
    CHECK_MSG(same_output(model, ref->logits[IMAGE_COUNT], ref->logit_bytes), "output differs after the request");
    CHECK(same_requested(model, 0, ref->first_step, ref->first_step_bytes));
    CHECK(same_requested(model, 1, ref->logits[IMAGE_COUNT], ref->logit_bytes));
}

/* The whole scenario with allocation `fail_at` failing. Returns the number of allocation calls made. */
static long scenario(const file_bytes *model_file, long fail_at, const reference *ref, long *memory_errors) {
    alloc_arm(fail_at);
    trit_model *model = NULL;
    trit_status s = trit_model_create(model_file->data, model_file->size, NULL, &model);
    if (s != TRIT_OK) {
        CHECK_MSG(s == TRIT_ERROR_MEMORY, "create with allocation %ld failing: %s (%s)", fail_at, trit_status_name(s),
                  model ? trit_model_message(model) : "no handle");
        if (model) {
            CHECK_MSG(trit_model_message(model)[0] != '\0', "create failed without a message");
            CHECK(trit_model_run(model) == TRIT_ERROR_STATE);
        }
        (*memory_errors)++;
        trit_model_destroy(model);
        return g_alloc.calls;
    }
    const char *json = NULL;
    for (int attempt = 0; attempt < 2; attempt++) {
        s = trit_model_info_json(model, &json);
        if (s == TRIT_OK) break;
        CHECK_MSG(s == TRIT_ERROR_MEMORY, "info_json: %s", trit_status_name(s));
        (*memory_errors)++;
        g_alloc.fail_at = -1;
    }
    CHECK(s == TRIT_OK && json && strcmp(json, ref->json) == 0);
    for (int which = 0; which <= IMAGE_COUNT; which++) image_step(model, which, ref, memory_errors);
    request_step(model, ref, memory_errors);
    trit_model_destroy(model);
    return g_alloc.calls;
}

static void make_reference(const file_bytes *model_file, reference *ref, long *create_calls, long *total_calls) {
    alloc_arm(-1);
    trit_model *model = NULL;
    trit_status s = trit_model_create(model_file->data, model_file->size, NULL, &model);
    if (s != TRIT_OK) {
        fprintf(stderr, "reference model does not load: %s (%s)\n", trit_status_name(s),
                model ? trit_model_message(model) : "");
        exit(1);
    }
    *create_calls = g_alloc.calls;
    const char *json = NULL;
    CHECK(trit_model_info_json(model, &json) == TRIT_OK);
    ref->json = strdup(json ? json : "");
    trit_tensor_info info;
    CHECK(trit_model_output_info(model, 0, &info) == TRIT_OK);
    ref->logit_bytes = info.byte_size;
    for (int which = 0; which <= IMAGE_COUNT; which++) {
        s = which < IMAGE_COUNT ? trit_model_set_input_image(model, images[which].data, images[which].size)
                                : trit_model_set_input_rgba(model, rgba_frame, 9, 7, 9 * 4);
        CHECK_MSG(s == TRIT_OK, "reference input %d: %s (%s)", which, trit_status_name(s), trit_model_message(model));
        CHECK(trit_model_run(model) == TRIT_OK);
        const void *out = NULL;
        size_t bytes = 0;
        CHECK(trit_model_output(model, 0, &out, &bytes) == TRIT_OK && bytes == ref->logit_bytes);
        ref->logits[which] = malloc(ref->logit_bytes);
        memcpy(ref->logits[which], out, ref->logit_bytes);
    }
    CHECK_MSG(request_tensors(model) == TRIT_OK, "reference request: %s", trit_model_message(model));
    CHECK(trit_model_run(model) == TRIT_OK);
    const void *first = NULL;
    CHECK(trit_model_requested_output(model, 0, &first, &ref->first_step_bytes) == TRIT_OK && first);
    ref->first_step = malloc(ref->first_step_bytes);
    memcpy(ref->first_step, first, ref->first_step_bytes);
    trit_model_destroy(model);
    *total_calls = g_alloc.calls;
    CHECK_MSG(g_alloc.live_blocks == 0, "reference run leaves %ld live blocks", g_alloc.live_blocks);
}

static void free_reference(reference *ref) {
    for (int i = 0; i <= IMAGE_COUNT; i++) free(ref->logits[i]);
    free(ref->json);
    free(ref->first_step);
}

int main(int argc, char **argv) {
    if (argc < 2) {
        fprintf(stderr, "usage: %s MODELS_DIR\n", argv[0]);
        return 2;
    }
    setvbuf(stdout, NULL, _IOLBF, 0); /* lines reach the log even if a sanitizer aborts */
    for (int i = 0; i < IMAGE_COUNT; i++) images[i] = read_fixture(argv[1], image_names[i]);
    for (size_t i = 0; i < sizeof rgba_frame; i++) rgba_frame[i] = (uint8_t)(i * 29 + 3);
    install_counting_allocator();

    const char *const model_names[] = {"small.onnx", "small_blob.onnx", "float.onnx"};
    long all_points = 0;
    for (size_t m = 0; m < sizeof model_names / sizeof model_names[0]; m++) {
        file_bytes model_file = read_fixture(argv[1], model_names[m]);
        reference ref = {{0}, 0, NULL, NULL, 0};
        long create_calls = 0, total_calls = 0;
        make_reference(&model_file, &ref, &create_calls, &total_calls);

        long points = 0, memory_errors = 0;
        for (long fail_at = 0;; fail_at++) {
            long calls = scenario(&model_file, fail_at, &ref, &memory_errors);
            CHECK_MSG(g_alloc.live_blocks == 0 && g_alloc.live_bytes == 0,
                      "%s: allocation %ld failing leaks %ld blocks, %lld bytes", model_names[m], fail_at,
                      g_alloc.live_blocks, g_alloc.live_bytes);
            g_alloc.live_blocks = 0; /* report each leak once */
            g_alloc.live_bytes = 0;
            if (g_alloc.failed == 0 || calls <= fail_at) break; /* past the last allocation: all covered */
            points++;
            if (fail_at > 100000) {
                CHECK_MSG(0, "scenario never ends");
                break;
            }
        }
        /* The library after all that: a fresh model gives the reference logits. */
        alloc_arm(-1);
        trit_model *model = NULL;
        CHECK(trit_model_create(model_file.data, model_file.size, NULL, &model) == TRIT_OK);
        CHECK(trit_model_set_input_image(model, images[0].data, images[0].size) == TRIT_OK);
        CHECK(trit_model_run(model) == TRIT_OK);
        CHECK(same_output(model, ref.logits[0], ref.logit_bytes));
        trit_model_destroy(model);
        CHECK(g_alloc.live_blocks == 0);

        printf("alloc_fail %s: %ld allocation points (%ld in create, %ld after), each failed in turn: "
               "%ld TRIT_ERROR_MEMORY returns, %ld absorbed (the call still gave the reference result)\n",
               model_names[m], points, create_calls, total_calls - create_calls, memory_errors, points - memory_errors);
        CHECK(points == total_calls);
        all_points += points;
        free_reference(&ref);
        free(model_file.data);
    }
    printf("alloc_fail: %ld allocation-failure points tested\n", all_points);
    trit_set_allocator(NULL);
    for (int i = 0; i < IMAGE_COUNT; i++) free(images[i].data);
    return CHECK_REPORT("alloc_fail");
}
