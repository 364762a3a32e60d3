/* The C API under misuse: NULL pointers, wrong sizes, out-of-range indices, calls on a handle whose
 * load failed, undecodable and zero-sized images. Each call must return an error status
 * (ARGUMENT / STATE / IMAGE), never crash, and leave the model usable: the test ends by classifying
 * with the same handle and comparing with a clean run.
 *
 *   api_misuse MODELS_DIR */
#include "../c/check.h"
#include "reliability.h"

int main(int argc, char **argv) {
    if (argc < 2) {
        fprintf(stderr, "usage: %s MODELS_DIR\n", argv[0]);
        return 2;
    }
    setvbuf(stdout, NULL, _IOLBF, 0); /* lines reach the log even if a sanitizer aborts */
    install_counting_allocator();
    alloc_arm(-1);
    file_bytes file = read_fixture(argv[1], "small.onnx");
    file_bytes png = read_fixture(argv[1], "image.png");

    trit_model *model = NULL;
    CHECK(trit_model_create(NULL, 10, NULL, &model) != TRIT_OK);
    trit_model_destroy(model);
    model = NULL;
    CHECK(trit_model_create(file.data, file.size, NULL, NULL) == TRIT_ERROR_ARGUMENT);
    CHECK(trit_model_create(file.data, 0, NULL, &model) != TRIT_OK);
    trit_model_destroy(model);
    trit_model_destroy(NULL);

    /* NULL handles. */
    const char *json = NULL;
    trit_tensor_info info;
    const void *out_any = NULL;
    CHECK(trit_model_info_json(NULL, &json) != TRIT_OK);
    CHECK(trit_model_run(NULL) != TRIT_OK);
    CHECK(trit_model_input_info(NULL, 0, &info) != TRIT_OK);
    const char *const some_names[] = {"x"};
    trit_step_info step_info;
    CHECK(trit_model_request_outputs(NULL, some_names, 1) != TRIT_OK);
    CHECK(trit_model_requested_info(NULL, 0, &info) != TRIT_OK);
    CHECK(trit_model_requested_output(NULL, 0, &out_any, NULL) != TRIT_OK);
    CHECK(trit_model_step_info(NULL, 0, &step_info) != TRIT_OK);
    CHECK(trit_model_run_steps(NULL, 0, 1) != TRIT_OK);
    CHECK(trit_model_step_count(NULL) == 0 && trit_model_requested_count(NULL) == 0);

    /* A handle whose load failed. */
    unsigned char garbage[64];
    memset(garbage, 0xFF, sizeof garbage);
    CHECK(trit_model_create(garbage, sizeof garbage, NULL, &model) != TRIT_OK);
    CHECK(model != NULL);
    CHECK(trit_model_run(model) == TRIT_ERROR_STATE);
    CHECK(trit_model_info_json(model, &json) == TRIT_ERROR_STATE);
    CHECK(trit_model_set_input_image(model, png.data, png.size) == TRIT_ERROR_STATE);
    CHECK(trit_model_input_info(model, 0, &info) == TRIT_ERROR_STATE);
    CHECK(trit_model_request_outputs(model, some_names, 1) == TRIT_ERROR_STATE);
    CHECK(trit_model_requested_output(model, 0, &out_any, NULL) == TRIT_ERROR_STATE);
    CHECK(trit_model_step_info(model, 0, &step_info) == TRIT_ERROR_STATE);
    CHECK(trit_model_run_steps(model, 0, 0) == TRIT_ERROR_STATE);
    trit_model_destroy(model);

    /* A good handle, bad arguments. */
    model = NULL;
    CHECK(trit_model_create(file.data, file.size, NULL, &model) == TRIT_OK);
    CHECK(trit_model_set_input_image(model, png.data, png.size) == TRIT_OK);
    CHECK(trit_model_run(model) == TRIT_OK);
    const void *out = NULL;
    size_t out_bytes = 0;
    CHECK(trit_model_output(model, 0, &out, &out_bytes) == TRIT_OK);
    unsigned char *expected = malloc(out_bytes);
    memcpy(expected, out, out_bytes);

    CHECK(trit_model_info_json(model, NULL) == TRIT_ERROR_ARGUMENT);
    CHECK(trit_model_input_info(model, 1, &info) == TRIT_ERROR_ARGUMENT);
    CHECK(trit_model_input_info(model, (size_t)-1, &info) == TRIT_ERROR_ARGUMENT);
    CHECK(trit_model_input_info(model, 0, NULL) == TRIT_ERROR_ARGUMENT);
    CHECK(trit_model_output_info(model, 1, &info) == TRIT_ERROR_ARGUMENT);
    CHECK(trit_model_output(model, 1, &out, &out_bytes) == TRIT_ERROR_ARGUMENT);
    CHECK(trit_model_output(model, 0, NULL, &out_bytes) == TRIT_ERROR_ARGUMENT);
    float zeros[3 * 8 * 8] = {0};
    CHECK(trit_model_set_input(model, 0, zeros, sizeof zeros - 4) == TRIT_ERROR_ARGUMENT);
    CHECK(trit_model_set_input(model, 0, zeros, sizeof zeros + 4) == TRIT_ERROR_ARGUMENT);
    CHECK(trit_model_set_input(model, 0, NULL, sizeof zeros) == TRIT_ERROR_ARGUMENT);
    CHECK(trit_model_set_input(model, 1, zeros, sizeof zeros) == TRIT_ERROR_ARGUMENT);
    CHECK(trit_model_ternary_codes(model, 99, NULL, 0) == TRIT_ERROR_ARGUMENT);
    int8_t codes[4];
    CHECK(trit_model_ternary_codes(model, 0, codes, sizeof codes) == TRIT_ERROR_ARGUMENT); /* too small */
    CHECK(trit_model_metadata(model, NULL) == NULL);
    CHECK(trit_model_metadata(model, "no.such.key") == NULL);
    /* intermediate tensors and steps: bad names, NULLs, ranges */
    const char *const unknown_names[] = {"no-such-tensor"}, *const null_name[] = {NULL};
    CHECK(trit_model_request_outputs(model, unknown_names, 1) == TRIT_ERROR_ARGUMENT);
    CHECK(trit_model_request_outputs(model, null_name, 1) == TRIT_ERROR_ARGUMENT);
    CHECK(trit_model_request_outputs(model, NULL, 3) == TRIT_ERROR_ARGUMENT);
    CHECK(trit_model_requested_info(model, 0, &info) == TRIT_ERROR_ARGUMENT);
    CHECK(trit_model_requested_output(model, 0, &out_any, NULL) == TRIT_ERROR_ARGUMENT);
    CHECK(trit_model_step_info(model, trit_model_step_count(model), &step_info) == TRIT_ERROR_ARGUMENT);
    CHECK(trit_model_step_info(model, 0, NULL) == TRIT_ERROR_ARGUMENT);
    CHECK(trit_model_run_steps(model, 1, (size_t)-1) == TRIT_ERROR_ARGUMENT);
    CHECK(trit_model_run_steps(model, trit_model_step_count(model) + 1, 0) == TRIT_ERROR_ARGUMENT);

    trit_class_score top[12];
    size_t count = 99;
    CHECK(trit_model_top_k(model, 0, top, &count) != TRIT_OK || count == 0);
    CHECK(trit_model_top_k(model, -3, top, &count) != TRIT_OK);
    CHECK(trit_model_top_k(model, 5, NULL, &count) == TRIT_ERROR_ARGUMENT);
    CHECK(trit_model_top_k(model, 12, top, &count) == TRIT_OK && count == 10); /* k > classes */

    /* Images: NULL, empty, garbage, truncated, zero and negative sizes, short stride. */
    uint8_t rgba[4 * 4 * 4] = {0};
    CHECK(trit_model_set_input_image(model, NULL, 10) == TRIT_ERROR_ARGUMENT);
    CHECK(trit_model_set_input_image(model, png.data, 0) != TRIT_OK);
    CHECK(trit_model_set_input_image(model, garbage, sizeof garbage) == TRIT_ERROR_IMAGE);
    for (size_t cut = 1; cut < png.size; cut++) {
        trit_status s = trit_model_set_input_image(model, png.data, cut);
        CHECK_MSG(s == TRIT_ERROR_IMAGE || s == TRIT_OK, "png cut at %zu: %s", cut, trit_status_name(s));
    }
    CHECK(trit_model_set_input_rgba(model, NULL, 4, 4, 16) == TRIT_ERROR_ARGUMENT);
    CHECK(trit_model_set_input_rgba(model, rgba, 0, 4, 16) != TRIT_OK);
    CHECK(trit_model_set_input_rgba(model, rgba, 4, 0, 16) != TRIT_OK);
    CHECK(trit_model_set_input_rgba(model, rgba, -4, 4, 16) != TRIT_OK);
    CHECK(trit_model_set_input_rgba(model, rgba, 4, 4, 15) != TRIT_OK); /* stride < 4*width */
    CHECK(trit_model_set_input_rgba(model, rgba, 1 << 30, 1 << 30, (size_t)1 << 32) != TRIT_OK);
    CHECK(trit_model_classify_image(model, garbage, sizeof garbage, 3, top, &count) == TRIT_ERROR_IMAGE);
    CHECK(trit_model_message(model)[0] != '\0');

    /* Still usable, same answer. */
    CHECK(trit_model_set_input_image(model, png.data, png.size) == TRIT_OK);
    CHECK(trit_model_run(model) == TRIT_OK);
    CHECK(trit_model_output(model, 0, &out, &out_bytes) == TRIT_OK);
    CHECK(memcmp(out, expected, out_bytes) == 0);
    CHECK(trit_model_classify_image(model, png.data, png.size, 3, top, &count) == TRIT_OK && count == 3);
    CHECK(trit_model_message(model)[0] == '\0');
    trit_model_destroy(model);
    CHECK_MSG(g_alloc.live_blocks == 0, "%ld blocks leaked", g_alloc.live_blocks);

    free(expected);
    free(file.data);
    free(png.data);
    trit_set_allocator(NULL);
    return CHECK_REPORT("api_misuse");
}
