/* libFuzzer target: the whole model path a downloaded file takes — decode, check, compile
 * (trit_model_create), then everything a caller can ask of a loaded model, and one run with a zero
 * input. Limits are lowered (see `limits` below) so that a file that declares a big but legal model
 * cannot make one execution slow; the limit checks themselves are what is being exercised.
 *
 * Promises checked: a failed create leaves a message; a successful one answers every query, runs a
 * zero input, and its outputs lie within the sizes it declared. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_common.h"
#include "trit.h"

static const trit_limits limits = {
    .max_file_bytes = 1u << 20,
    .max_tensor_elements = 1u << 18,
    .max_nodes = 512,
    .max_arena_bytes = 8u << 20,
    .max_spatial = 256,
};

static size_t check_tensor_info(const trit_tensor_info *info) {
    FUZZ_REQUIRE(info->name != NULL);
    FUZZ_REQUIRE(info->rank >= 0 && info->rank <= TRIT_MAX_RANK);
    size_t count = 1;
    for (int d = 0; d < info->rank; d++) {
        FUZZ_REQUIRE(info->dims[d] >= 0);
        count *= (size_t)info->dims[d];
    }
    FUZZ_REQUIRE(count == info->element_count);
    return info->byte_size;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    trit_model *model = NULL;
    trit_status status = trit_model_create(data, size, &limits, &model);
    if (status != TRIT_OK) {
        /* Bytes are the file's fault, never the caller's: no ARGUMENT or STATE for a file. */
        if (size > 0) FUZZ_REQUIRE(status != TRIT_ERROR_ARGUMENT && status != TRIT_ERROR_STATE);
        if (model) {
            FUZZ_REQUIRE(trit_model_message(model)[0] != '\0');
            /* A failed handle refuses work instead of crashing. */
            FUZZ_REQUIRE(trit_model_run(model) == TRIT_ERROR_STATE);
        } else {
            FUZZ_REQUIRE(status == TRIT_ERROR_MEMORY);
        }
        trit_model_destroy(model);
        return 0;
    }

    const char *json = NULL;
    FUZZ_REQUIRE(trit_model_info_json(model, &json) == TRIT_OK && json && json[0] == '{');
    (void)trit_model_metadata(model, "trit.labels");

    size_t inputs = trit_model_input_count(model);
    for (size_t i = 0; i < inputs; i++) {
        trit_tensor_info info;
        FUZZ_REQUIRE(trit_model_input_info(model, i, &info) == TRIT_OK);
        size_t bytes = check_tensor_info(&info);
        void *zeros = calloc(1, bytes ? bytes : 1);
        FUZZ_REQUIRE(zeros != NULL);
        FUZZ_REQUIRE(trit_model_set_input(model, i, zeros, bytes) == TRIT_OK);
        free(zeros);
    }
    trit_tensor_info info;
    FUZZ_REQUIRE(trit_model_input_info(model, inputs, &info) == TRIT_ERROR_ARGUMENT);

    status = trit_model_run(model);
    if (status == TRIT_OK) {
        size_t outputs = trit_model_output_count(model);
        for (size_t i = 0; i < outputs; i++) {
            FUZZ_REQUIRE(trit_model_output_info(model, i, &info) == TRIT_OK);
            size_t declared = check_tensor_info(&info);
            const void *out = NULL;
            size_t out_bytes = 0;
            FUZZ_REQUIRE(trit_model_output(model, i, &out, &out_bytes) == TRIT_OK);
            FUZZ_REQUIRE(out_bytes == declared);
            /* Read all of it: ASan checks it lies inside the arena. */
            volatile uint8_t sink = 0;
            for (size_t b = 0; b < out_bytes; b++) sink ^= ((const uint8_t *)out)[b];
            (void)sink;
        }
        trit_class_score top[5];
        size_t count = 0;
        if (trit_model_top_k(model, 5, top, &count) == TRIT_OK) {
            FUZZ_REQUIRE(count <= 5);
            for (size_t k = 0; k < count; k++) FUZZ_REQUIRE(top[k].label != NULL);
        }
    } else {
        FUZZ_REQUIRE(trit_model_message(model)[0] != '\0');
    }
    trit_model_destroy(model);
    return 0;
}
