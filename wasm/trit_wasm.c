/* The flat API the JS SDK calls: only integers and pointers into wasm memory cross the
 * boundary, so js_sdk/trit.js needs no struct layouts beyond the two fixed ones below.
 * Every call that can fail returns a trit_status; the message is the model handle's
 * (trit_wasm_message), and the SDK turns status name + message into a TritError.
 *
 * The module is built STANDALONE (no Emscripten JS glue): its only import is
 * env.emscripten_notify_memory_growth. Memory comes from the allocation hook (trit_alloc),
 * so the SDK's buffers and the engine's share one accounting. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "../core/include/trit.h"
#include "../core/src/alloc.h"
#include "../core/src/image.h"

#define TRIT_EXPORT(name) __attribute__((export_name(#name), used))

/* One top-k entry as the SDK reads it: three 32-bit fields (index, probability, label pointer). */
typedef struct trit_wasm_score {
    int32_t index;
    float probability;
    uint32_t label; /* pointer to a NUL-terminated string owned by the model */
} trit_wasm_score;
_Static_assert(sizeof(trit_wasm_score) == 12, "the SDK reads 12-byte score entries");

/* Tensor info as the SDK reads it: int32 fields, dims clamped into int32. */
enum { TRIT_WASM_INFO_WORDS = 4 + TRIT_MAX_RANK }; /* dtype, rank, element_count, byte_size, dims[8] */

TRIT_EXPORT(trit_wasm_malloc) void *trit_wasm_malloc(size_t size) { return trit_alloc(size); }
TRIT_EXPORT(trit_wasm_free) void trit_wasm_free(void *ptr) { trit_free(ptr); }

TRIT_EXPORT(trit_wasm_status_name) const char *trit_wasm_status_name(int status) {
    return trit_status_name((trit_status)status);
}

TRIT_EXPORT(trit_wasm_version) const char *trit_wasm_version(void) { return TRIT_VERSION; }

/* Which of the two builds this is, so model.info.simd is right even for a Module the caller compiled. */
TRIT_EXPORT(trit_wasm_simd) int trit_wasm_simd(void) {
#ifdef __wasm_simd128__
    return 1;
#else
    return 0;
#endif
}

/* Writes the handle to *out_model even when loading fails (its message says why); NULL only
 * when the handle itself could not be allocated. */
TRIT_EXPORT(trit_wasm_create) int trit_wasm_create(const void *bytes, size_t size, trit_model **out_model) {
    if (!out_model) return TRIT_ERROR_ARGUMENT;
    *out_model = NULL;
    return trit_model_create(bytes, size, NULL, out_model);
}

TRIT_EXPORT(trit_wasm_destroy) void trit_wasm_destroy(trit_model *model) { trit_model_destroy(model); }

TRIT_EXPORT(trit_wasm_message) const char *trit_wasm_message(const trit_model *model) {
    return model ? trit_model_message(model) : "no model handle (out of memory while creating it)";
}

TRIT_EXPORT(trit_wasm_info_json) int trit_wasm_info_json(trit_model *model, const char **out_json) {
    return trit_model_info_json(model, out_json);
}

static int write_tensor_info(trit_status status, const trit_tensor_info *info, int32_t *out) {
    if (status != TRIT_OK) return status;
    memset(out, 0, TRIT_WASM_INFO_WORDS * sizeof(int32_t));
    if (info->element_count > INT32_MAX || info->byte_size > INT32_MAX) return TRIT_ERROR_LIMIT;
    out[0] = (int32_t)info->dtype;
    out[1] = info->rank;
    out[2] = (int32_t)info->element_count;
    out[3] = (int32_t)info->byte_size;
    for (int i = 0; i < info->rank && i < TRIT_MAX_RANK; i++) {
        out[4 + i] = info->dims[i] > INT32_MAX ? INT32_MAX : (int32_t)info->dims[i];
    }
    return TRIT_OK;
}

/* out: TRIT_WASM_INFO_WORDS int32 words. */
TRIT_EXPORT(trit_wasm_input_info) int trit_wasm_input_info(trit_model *model, size_t index, int32_t *out) {
    if (!out) return TRIT_ERROR_ARGUMENT;
    trit_tensor_info info;
    return write_tensor_info(trit_model_input_info(model, index, &info), &info, out);
}

TRIT_EXPORT(trit_wasm_output_info) int trit_wasm_output_info(trit_model *model, size_t index, int32_t *out) {
    if (!out) return TRIT_ERROR_ARGUMENT;
    trit_tensor_info info;
    return write_tensor_info(trit_model_output_info(model, index, &info), &info, out);
}

/* Copy raw bytes into input `index` (the SDK checks count, dtype and size first and names the input). */
TRIT_EXPORT(trit_wasm_set_input) int trit_wasm_set_input(trit_model *model, size_t index, const void *data,
                                                         size_t byte_size) {
    return trit_model_set_input(model, index, data, byte_size);
}

/* Run on the inputs already set and point at output 0 (inside the arena; the SDK copies it). */
TRIT_EXPORT(trit_wasm_run) int trit_wasm_run(trit_model *model, const void **out_data, size_t *out_byte_size) {
    trit_status status = trit_model_run(model);
    if (status == TRIT_OK) status = trit_model_output(model, 0, out_data, out_byte_size);
    return status;
}

/* An image to a [3][H][W] float input without a model: the SDK runs this in a second, short-lived
 * instance, so a large image never grows the model's own memory. `width` 0: `pixels` holds `size`
 * bytes of JPEG/PNG/BMP, decoded with the CLI's side limit; else RGBA rows of width * 4 bytes.
 * The preprocessing is the one trit_model_set_input_image/_rgba apply (same code, same answer). */
_Static_assert(sizeof(trit_preprocess) == 40, "the SDK writes a 40-byte trit_preprocess");
TRIT_EXPORT(trit_wasm_preprocess) int trit_wasm_preprocess(const uint8_t *pixels, size_t size, int width, int height,
                                                           const trit_preprocess *p, float *out, char *message,
                                                           size_t message_size) {
    uint8_t *rgb = NULL;
    if (width == 0) {
        trit_status status = trit_image_decode_rgb(pixels, size, 16384, &rgb, &width, &height, message, message_size);
        if (status != TRIT_OK) return status;
    }
    trit_status status = trit_image_preprocess(rgb ? rgb : pixels, width, height, (size_t)width * (rgb ? 3 : 4),
                                               rgb ? 3 : 4, p, out);
    trit_free(rgb);
    return status;
}

/* Run on the input already set, then softmax + top-k into `out` (capacity k entries). */
TRIT_EXPORT(trit_wasm_classify) int trit_wasm_classify(trit_model *model, int k, trit_wasm_score *out,
                                                       size_t *out_count) {
    if (!out || !out_count || k < 1) return TRIT_ERROR_ARGUMENT;
    trit_status status = trit_model_run(model);
    if (status != TRIT_OK) return status;
    *out_count = 0;
    /* Copied through the engine's own struct so its layout stays the engine's business. */
    enum { ON_STACK = 64 };
    trit_class_score on_stack[ON_STACK];
    trit_class_score *buffer = on_stack;
    if (k > ON_STACK) {
        size_t bytes;
        if (!trit_size_mul((size_t)k, sizeof(trit_class_score), &bytes)) return TRIT_ERROR_LIMIT;
        buffer = trit_alloc(bytes);
        if (!buffer) return TRIT_ERROR_MEMORY;
    }
    size_t count = 0;
    status = trit_model_top_k(model, k, buffer, &count);
    for (size_t i = 0; status == TRIT_OK && i < count; i++) {
        out[i].index = buffer[i].index;
        out[i].probability = buffer[i].probability;
        out[i].label = (uint32_t)(uintptr_t)buffer[i].label;
    }
    if (buffer != on_stack) trit_free(buffer);
    if (status == TRIT_OK) *out_count = count;
    return status;
}

TRIT_EXPORT(trit_wasm_ternary_codes) int trit_wasm_ternary_codes(trit_model *model, size_t layer, int8_t *out,
                                                                 size_t capacity) {
    return trit_model_ternary_codes(model, layer, out, capacity);
}

/* ---- intermediate tensors and single steps (model.run(input, { outputs }), model.profile()) ---- */

/* `names`: `count` NUL-terminated names one after another. */
TRIT_EXPORT(trit_wasm_request_outputs) int trit_wasm_request_outputs(trit_model *model, const char *names, size_t count) {
    if (!names && count) return TRIT_ERROR_ARGUMENT;
    size_t bytes;
    if (!trit_size_mul(count + 1, sizeof(const char *), &bytes)) return TRIT_ERROR_LIMIT;
    const char **list = trit_alloc(bytes);
    if (!list) return TRIT_ERROR_MEMORY;
    for (size_t i = 0; i < count; i++, names += strlen(names) + 1) list[i] = names;
    trit_status status = trit_model_request_outputs(model, list, count);
    trit_free(list);
    return status;
}

/* out: TRIT_WASM_INFO_WORDS int32 words, as trit_wasm_output_info. */
TRIT_EXPORT(trit_wasm_requested_info) int trit_wasm_requested_info(trit_model *model, size_t index, int32_t *out) {
    if (!out) return TRIT_ERROR_ARGUMENT;
    trit_tensor_info info;
    return write_tensor_info(trit_model_requested_info(model, index, &info), &info, out);
}

TRIT_EXPORT(trit_wasm_requested_output) int trit_wasm_requested_output(trit_model *model, size_t index,
                                                                       const void **out_data, size_t *out_byte_size) {
    return trit_model_requested_output(model, index, out_data, out_byte_size);
}

TRIT_EXPORT(trit_wasm_step_count) int trit_wasm_step_count(trit_model *model) { return (int)trit_model_step_count(model); }

/* out: eight 32-bit words: name, op, input, weights, output, kernel (string pointers owned by the
 * model), fused_add, fused_activation (string pointer). */
TRIT_EXPORT(trit_wasm_step_info) int trit_wasm_step_info(trit_model *model, size_t index, uint32_t *out) {
    if (!out) return TRIT_ERROR_ARGUMENT;
    trit_step_info info;
    trit_status status = trit_model_step_info(model, index, &info);
    if (status != TRIT_OK) return status;
    out[0] = (uint32_t)(uintptr_t)info.name;
    out[1] = (uint32_t)(uintptr_t)info.op;
    out[2] = (uint32_t)(uintptr_t)info.input;
    out[3] = (uint32_t)(uintptr_t)info.weights;
    out[4] = (uint32_t)(uintptr_t)info.output;
    out[5] = (uint32_t)(uintptr_t)info.kernel;
    out[6] = (uint32_t)info.fused_add;
    out[7] = (uint32_t)(uintptr_t)info.fused_activation;
    return TRIT_OK;
}

TRIT_EXPORT(trit_wasm_run_steps) int trit_wasm_run_steps(trit_model *model, size_t first, size_t count) {
    return trit_model_run_steps(model, first, count);
}
