/* trit — ternary-weight ResNets, small C11 inference engine.
 *
 * The whole public API: create a model from bytes, ask what it is, run it, destroy it.
 * Every call that can fail returns a trit_status; the model handle keeps a message that names
 * what went wrong ("node 'conv3' (Conv): group 3 does not divide 64 input channels").
 * The library never reads files and never aborts on bad bytes.
 */
#ifndef TRIT_H
#define TRIT_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define TRIT_VERSION "0.1.0"

/* The one table of status codes, X(name, value, meaning): it generates the enum below and
 * trit_status_name() (core/src/model.c); tests/c/test_status.c checks it against the codes
 * js_sdk/trit.d.ts declares. */
#define TRIT_STATUS_TABLE(X)                                                                               \
    X(TRIT_OK, 0, "success")                                                                               \
    X(TRIT_ERROR_ARGUMENT, 1, "a caller passed a bad argument (NULL, wrong size, index out of range)")    \
    X(TRIT_ERROR_FORMAT, 2, "the model bytes are not a well-formed ONNX protobuf")                         \
    X(TRIT_ERROR_UNSUPPORTED, 3, "well-formed, but outside trit's ONNX-lite subset")                       \
    X(TRIT_ERROR_SHAPE, 4, "shapes or types do not fit together")                                          \
    X(TRIT_ERROR_LIMIT, 5, "a size limit was exceeded (file, tensor, nodes, rank, arena)")                 \
    X(TRIT_ERROR_MEMORY, 6, "an allocation failed")                                                        \
    X(TRIT_ERROR_IMAGE, 7, "an image could not be decoded or has an unusable size")                        \
    X(TRIT_ERROR_STATE, 8, "the handle is not usable for this call (e.g. its load failed)")

typedef enum trit_status {
#define TRIT_STATUS_ENUM_(name, value, meaning) name = value,
    TRIT_STATUS_TABLE(TRIT_STATUS_ENUM_)
#undef TRIT_STATUS_ENUM_
} trit_status;

const char *trit_status_name(trit_status status);

/* Element types use ONNX TensorProto.DataType numbers. */
typedef enum trit_dtype {
    TRIT_FLOAT32 = 1,
    TRIT_UINT8 = 2,
    TRIT_INT8 = 3,
    TRIT_INT32 = 6,
    TRIT_INT64 = 7
} trit_dtype;

#define TRIT_MAX_RANK 8

typedef struct trit_tensor_info {
    const char *name;       /* owned by the model */
    trit_dtype dtype;
    int rank;
    int64_t dims[TRIT_MAX_RANK];
    size_t element_count;
    size_t byte_size;
} trit_tensor_info;

/* ---- allocation hook ------------------------------------------------------------------------
 * Every allocation of the library goes through these three functions (default: malloc/realloc/
 * free). Set them before creating any model; they are process-wide. */
typedef struct trit_allocator {
    void *(*alloc)(size_t size, void *user);
    void *(*realloc)(void *ptr, size_t size, void *user);
    void (*free)(void *ptr, void *user);
    void *user;
} trit_allocator;

void trit_set_allocator(const trit_allocator *allocator); /* NULL restores the default */

/* ---- model ----------------------------------------------------------------------------------- */
typedef struct trit_model trit_model;

/* Limits applied at load (0 in a field = the default, see docs/FORMAT.md). */
typedef struct trit_limits {
    size_t max_file_bytes;
    size_t max_tensor_elements;
    size_t max_nodes;
    size_t max_arena_bytes;
    int max_spatial;
} trit_limits;

/* Parse, check and compile a model from bytes in memory. The bytes are not kept after return.
 * Like sqlite3_open: *out_model receives a handle even when loading fails (then every call but
 * trit_model_message/destroy returns TRIT_ERROR_STATE), except when the handle itself cannot be
 * allocated, where *out_model is NULL and the status is TRIT_ERROR_MEMORY. */
trit_status trit_model_create(const void *bytes, size_t size, const trit_limits *limits /* nullable */,
                              trit_model **out_model);
void trit_model_destroy(trit_model *model); /* NULL is fine */

/* The message of the last failed call on this handle ("" after a success). Owned by the model. */
const char *trit_model_message(const trit_model *model);

/* A JSON description, owned by the model. Shape (every key always present):
 * { "name": str, "producer": str, "opset": int, "file_bytes": int,
 *   "inputs":  [{"name": str, "dtype": "float32"|"uint8"|"int8"|"int32"|"int64", "dims": [int...]}],
 *   "outputs": [ same ],
 *   "ops": {"Conv": count, ...},            -- node counts of the file's graph, by op type
 *   "nodes_compiled": int,                   -- steps after folding and fusion
 *   "parameters": int,                       -- elements of all weight tensors (ternary counted once per weight)
 *   "ternary_parameters": int,               -- elements of ternary weights
 *   "sparsity": float,                       -- share of ternary weights that are zero (in every plane)
 *   "bits_per_weight": float,                -- 8 * weight bytes in the file / parameters
 *   "ternary_layers": [{"name": str, "op": "Conv"|"Gemm", "dims": [int...], "planes": int,
 *                       "zeros": int, "positive": int, "negative": int,   -- codes, over all planes
 *                       "sparsity": float}],                              -- zero weights / elements
 *   "labels": [str...],
 *   "preprocess": {"height": int, "width": int, "resize": int, "filter": "area"|"bilinear",
 *                  "mean": [f,f,f], "std": [f,f,f]},
 *   "metadata": {key: value, ...},           -- all metadata_props
 *   "arena_bytes": int }                     -- activation memory planned at load */
trit_status trit_model_info_json(trit_model *model, const char **out_json);

/* Copy plane 0 of ternary layer `layer` (index into info's "ternary_layers") as int8 codes
 * (-1, 0, +1) in the weight's row-major order; `capacity` must be >= its element count. */
trit_status trit_model_ternary_codes(trit_model *model, size_t layer, int8_t *out_codes, size_t capacity);

/* Metadata value for a key of metadata_props, or NULL. Owned by the model. */
const char *trit_model_metadata(const trit_model *model, const char *key);

size_t trit_model_input_count(const trit_model *model);
size_t trit_model_output_count(const trit_model *model);
trit_status trit_model_input_info(trit_model *model, size_t index, trit_tensor_info *out_info);
trit_status trit_model_output_info(trit_model *model, size_t index, trit_tensor_info *out_info);

/* Copy `byte_size` bytes into input `index` (must equal its byte_size). */
trit_status trit_model_set_input(trit_model *model, size_t index, const void *data, size_t byte_size);
/* Run the graph. Performs no allocation. */
trit_status trit_model_run(trit_model *model);
/* Pointer to output `index` inside the model's arena; valid until the next run or destroy. */
trit_status trit_model_output(trit_model *model, size_t index, const void **out_data, size_t *out_byte_size);

/* ---- intermediate tensors and single steps ----------------------------------------------------
 * Ask for tensors of the graph by their ONNX value names, besides its outputs: after each run they
 * are readable like outputs (trit_model_requested_info/_output, index = position in `names`).
 * A name must be computed at run time as that very tensor, or be a constant the engine holds:
 *   - a graph input or output, a node's output written by a step, or an alias of one (Flatten,
 *     Reshape, Identity, ... share their input's bytes): fine;
 *   - a node's output that fusion merged into the next step's (a Conv's output when its Relu or
 *     residual Add runs in the conv's epilogue): TRIT_ERROR_UNSUPPORTED, the message names the
 *     tensor and the fused step's output to ask for instead; never a different tensor's values;
 *   - a constant: its values when the engine holds them (biases, an FC layer's weights: the constant
 *     B of a Gemm), else TRIT_ERROR_UNSUPPORTED; a ternary weight: read it with trit_model_ternary_codes;
 *   - no such name: TRIT_ERROR_ARGUMENT.
 * Each call replaces the previous request (count 0 drops it). It plans the activation memory again,
 * so the tensors stay alive to the end of a run: one allocation, the inputs already set are kept,
 * outputs must be computed again (run). On any failure the model keeps its previous request and
 * arena, as usable as before. */
trit_status trit_model_request_outputs(trit_model *model, const char *const *names, size_t count);
size_t trit_model_requested_count(const trit_model *model);
trit_status trit_model_requested_info(trit_model *model, size_t index, trit_tensor_info *out_info);
/* Pointer to requested tensor `index` (in the arena, or the constant's data); valid until the next
 * run, request or destroy. */
trit_status trit_model_requested_output(trit_model *model, size_t index, const void **out_data, size_t *out_byte_size);

/* The compiled model is a list of steps, each one node or several fused (a conv with its residual
 * Add and Relu). trit_model_run runs them all; trit_model_run_steps runs steps [first, first+count)
 * on what earlier steps left in the arena, so a caller with a clock can time each step (the engine
 * reads none). Performs no allocation. */
typedef struct trit_step_info {
    const char *name;             /* the node's name (its first output when it has none); owned by the model */
    const char *op;               /* the node's op type: "Conv", "Gemm", "GlobalAveragePool", ... */
    const char *input;            /* its first input tensor ("" when none) */
    const char *weights;          /* its weight tensor (a conv's W, a gemm's B; "" when none) */
    const char *output;           /* the tensor it writes (for a fused step, the last fused node's output) */
    const char *kernel;           /* the kernel variant of a conv or gemm ("" for the reference code) */
    int fused_add;                /* 1 when a residual Add runs in its epilogue */
    const char *fused_activation; /* "Relu" or "Clip" when one runs in its epilogue, else "" */
} trit_step_info;

size_t trit_model_step_count(const trit_model *model);
trit_status trit_model_step_info(trit_model *model, size_t index, trit_step_info *out_info);
trit_status trit_model_run_steps(trit_model *model, size_t first, size_t count);

/* ---- images and classification --------------------------------------------------------------
 * Preprocessing follows the model's metadata (docs/FORMAT.md): resize the shorter side, centre
 * crop to the input's H×W, scale to [0,1], subtract mean, divide by std, NCHW float. */
typedef struct trit_class_score {
    int index;
    float probability;
    const char *label; /* owned by the model; "" when the model has no labels */
} trit_class_score;

/* Fill input 0 from an RGBA8 image (row stride in bytes). */
trit_status trit_model_set_input_rgba(trit_model *model, const uint8_t *rgba, int width, int height,
                                      size_t stride);
/* Fill input 0 from an encoded JPEG/PNG/BMP image. */
trit_status trit_model_set_input_image(trit_model *model, const void *encoded, size_t size);

/* Softmax over output 0 (unless the graph already ends in Softmax) and the top-k classes,
 * highest first. *out_count = min(k, classes). */
trit_status trit_model_top_k(trit_model *model, int k, trit_class_score *out_scores, size_t *out_count);

/* Convenience: set_input_image + run + top_k. */
trit_status trit_model_classify_image(trit_model *model, const void *encoded, size_t size, int k,
                                      trit_class_score *out_scores, size_t *out_count);

#ifdef __cplusplus
}
#endif
#endif
