/* Internal model representation shared by the compiler (compile/, docs/ARCHITECTURE.md), the
 * executor (exec.c) and the public API (model.c). */
#ifndef TRIT_ENGINE_H
#define TRIT_ENGINE_H

#include <stddef.h>
#include <stdint.h>

#include "kernels/fconv/fconv.h"
#include "kernels/fgemm/fgemm.h"
#include "kernels/pool/pool.h"
#include "kernels/tconv/tconv.h"
#include "kernels/tconv_i8/tconv_i8.h"
#include "ops/ops.h"
#include "pool.h"
#include "trit.h"

#define TRIT_MESSAGE_BYTES 512

/* A tensor of the graph. Constants own `data` (trit_alloc'd); runtime values live in the arena
 * at the offset of their root (aliases — Reshape, Flatten, Identity, ... — share the root's bytes). */
typedef enum value_kind { VALUE_RUNTIME = 0, VALUE_CONST = 1, VALUE_TERNARY = 2 } value_kind;

typedef struct tvalue {
    const char *name;
    int dtype;
    int rank;
    int64_t dims[TRIT_MAX_RANK];
    size_t count;
    size_t bytes;
    value_kind kind;
    void *data;       /* VALUE_CONST (and a VALUE_TERNARY once materialised as float) */
    int root;         /* value whose buffer this one uses (itself unless an alias) */
    int producer;     /* onnx node index, -1 for initializers and graph inputs */
    int consumers;    /* input slots of nodes that read it, plus 1 per graph output */
    int step;         /* step that writes it, -1 if none */
    int fused_into;   /* its producer runs fused in the step that writes this value now, -1 (messages) */
    int ternary;      /* index into the model's ternary weights, -1 */
    int keep;         /* constant referenced at run time: do not free after compile */
    int is_input, is_output, from_initializer, in_pattern;
    int first_use, last_use; /* liveness in step indices (computed for roots) */
    size_t offset;           /* arena offset of a runtime root */
} tvalue;

typedef enum step_kind {
    STEP_CONV,      /* float conv on the reference kernel (weights computed at run time) */
    STEP_FCONV,     /* float conv with constant weights through the fconv family */
    STEP_TCONV,     /* ternary conv (and ternary Gemm as a 1x1 conv) through the tconv family */
    STEP_GEMM,
    STEP_AFFINE,    /* BatchNormalization not folded: y = x*scale + shift per channel */
    STEP_BATCHNORM, /* BatchNormalization with runtime parameters */
    STEP_MAXPOOL,
    STEP_AVGPOOL,
    STEP_GLOBAL_AVGPOOL,
    STEP_GLOBAL_MAXPOOL,
    STEP_CLAMP,
    STEP_BINARY,
    STEP_SOFTMAX,
    STEP_CAST,
    STEP_DEQUANTIZE,
    STEP_QUANTIZE,
    STEP_GATHER,
    STEP_SLICE,
    STEP_PAD,
    STEP_CONCAT,
    STEP_COPY,
    STEP_UNARY      /* float32 element-wise y = fn(x): the op's own function (compile/lower_*.c) */
} step_kind;

/* A float32 element-wise op over `count` values; x and y do not overlap. */
typedef void (*trit_unary_f32)(size_t count, const float *x, float *y);

#define STEP_MAX_INPUTS 5

typedef struct step {
    step_kind kind;
    int dead;          /* compile-time only: removed before planning */
    int node;          /* onnx node index (for messages) */
    const char *name;  /* node name, for messages */
    const char *op;    /* the node's op type (trit_model_step_info) */
    int in[STEP_MAX_INPUTS]; /* value ids, -1 = absent */
    int out;
    int weights;       /* the constant weight a packed copy replaced (in[1] before packing), -1 */
    /* epilogue for conv / gemm / tconv */
    int residual;      /* value id or -1 */
    float clamp_min, clamp_max;
    /* scratch in the arena (tconv, gather indices, batchnorm scale/shift) */
    size_t scratch_bytes;
    size_t scratch_offset;
    union {
        struct { trit_conv_shape shape; int count_include_pad, pad_bottom, pad_right; } conv;
        struct {
            trit_conv_shape shape;
            const trit_tconv_kernel *kernel;
            void *packed;   /* model-owned (trit_alloc) */
            int ternary;    /* ternary weight index */
            float act_scale; /* > 0: 8-bit activations (an absorbed QuantizeLinear's scale), tconv_i8 family */
            int act_unsigned; /* uint8 rather than int8 */
            float *pos[TRIT_MAX_PLANES], *neg[TRIT_MAX_PLANES]; /* per channel, after BN folding; pool */
        } tconv;
        struct {
            trit_conv_shape shape;
            const trit_fconv_kernel *kernel;
            void *packed; /* model-owned (trit_alloc) */
        } fconv;
        struct {
            trit_gemm_params p;
            const trit_fgemm_kernel *kernel; /* NULL: B is computed at run time, the reference runs */
            void *packed;                    /* model-owned (trit_alloc), replaces B */
        } gemm;
        struct { int batch, channels; size_t spatial; float epsilon; } affine;
        struct {
            size_t count;
            int dtype;          /* float32: bounds in clamp_min/max; integers: in imin/imax */
            int64_t imin, imax;
        } clamp; /* min/max from in[1], in[2] when present (runtime bounds), else the fields above */
        struct {
            trit_binary_op op;
            int rank;
            int64_t dims[TRIT_MAX_RANK], a_strides[TRIT_MAX_RANK], b_strides[TRIT_MAX_RANK];
        } binary;
        struct { size_t outer, n, inner; } softmax;
        struct { int from, to; size_t count; } cast;
        struct { int x_type; size_t outer, axis_size, inner; } dequantize; /* also QuantizeLinear (x_type: y's) */
        struct { size_t element_size, outer, axis_size, inner, index_count; } gather;
        struct {
            size_t element_size;
            int rank;
            int64_t x_dims[TRIT_MAX_RANK], starts[TRIT_MAX_RANK], steps[TRIT_MAX_RANK], y_dims[TRIT_MAX_RANK];
        } slice;
        struct {
            size_t element_size;
            int rank;
            int64_t x_dims[TRIT_MAX_RANK], pads[2 * TRIT_MAX_RANK];
            unsigned char value[8];
        } pad;
        struct {
            size_t element_size, outer, inner;
            int count;
            int *inputs;            /* value ids, pool */
            int64_t *axis_sizes;    /* pool */
            const void **pointers;  /* filled at run time, pool: run must not allocate */
        } concat;
        struct { size_t bytes; } copy;
        struct { size_t count; trit_unary_f32 fn; } unary;
    } u;
} step;

/* A ternary weight recognised from the packed-code pattern of docs/FORMAT.md. */
typedef struct ternary_weight {
    int value;
    const char *name;
    const char *op;  /* "Conv" or "Gemm" once a step uses it */
    int used;        /* runs on the ternary kernels */
    float act_scale; /* > 0: its input is quantized to 8 bits with this scale (tconv_i8 family) */
    int act_unsigned; /* to uint8 rather than int8 */
    const char *kernel; /* the variant that runs it */
    int rank;
    int64_t dims[TRIT_MAX_RANK];
    size_t count;        /* elements n */
    int out_channels;
    size_t per_out;
    int plane_count;
    uint8_t *packed[TRIT_MAX_PLANES]; /* the file's base-3 codes, ceil(n/5) bytes; pool */
    float levels[TRIT_MAX_PLANES][3];
    float *scale[TRIT_MAX_PLANES];    /* per output channel or NULL; pool */
    size_t zeros, positive, negative; /* codes, over all planes */
    size_t zero_weights;              /* weights that are zero in every plane: what "sparsity" means */
    size_t file_bytes;                /* codes + levels + scales */
} ternary_weight;

/* Ternary value (-1, 0, +1) of element k of base-3 packed codes: five per byte, first element in
 * the least significant digit (docs/FORMAT.md). */
static inline int8_t trit_ternary_value(const uint8_t *packed, size_t k) {
    static const uint8_t powers[5] = {1, 3, 9, 27, 81};
    return (int8_t)((packed[k / 5] / powers[k % 5]) % 3 - 1);
}

typedef struct op_count {
    const char *op;
    size_t count;
} op_count;

struct trit_model {
    char message[TRIT_MESSAGE_BYTES];
    int loaded;
    trit_pool pool; /* names, steps' side arrays, metadata: lives as long as the model */
    tvalue *values;
    size_t value_count;
    step *steps;
    size_t step_count;
    int *inputs;
    size_t input_count;
    int *outputs;
    size_t output_count;
    trit_tensor_info *input_infos, *output_infos;
    ternary_weight *ternary;
    size_t ternary_count;
    unsigned char *arena;
    size_t arena_bytes;     /* as planned at load (info JSON) */
    size_t max_arena_bytes; /* the load's limit, for a re-plan (trit_model_request_outputs) */
    int *requested;         /* value ids of the tensors asked for besides the outputs (trit_alloc) */
    trit_tensor_info *requested_infos;
    size_t requested_count;
    /* description */
    const char *graph_name;
    const char *producer;
    int64_t opset;
    size_t file_bytes;
    op_count *ops;
    size_t op_kinds;
    size_t parameters, ternary_parameters, weight_file_bytes;
    const char **metadata_keys, **metadata_values;
    size_t metadata_count;
    const char **labels;
    size_t label_count;
    int ends_in_softmax;
    int preprocess_ok; /* input 0 is [1,3,H,W] float */
    int pre_height, pre_width, pre_resize, pre_filter;
    float pre_mean[3], pre_std[3];
    char *info_json; /* built on first request */
};

/* compile/compile.c: decode + compile into a freshly zeroed model (message set on failure). */
trit_status trit_compile(trit_model *model, const void *bytes, size_t size, const trit_limits *limits);
void trit_model_release_contents(trit_model *model);
/* model.c: a value's name, type and shape as the public API describes a tensor. */
void trit_fill_tensor_info(const tvalue *v, trit_tensor_info *info);
/* model.c, for the public calls on a model (model.c, inspect.c): trit_fail formats the message
 * trit_model_message returns and gives back `status`; trit_model_begin checks the handle (loaded)
 * and clears the last call's message. */
trit_status trit_fail(trit_model *m, trit_status status, const char *fmt, ...);
trit_status trit_model_begin(trit_model *m);

/* exec.c: run one step. `arena` may be NULL when every value involved is a constant (folding);
 * `scratch` overrides the step's arena scratch when non-NULL. */
trit_status trit_exec_step(const step *s, tvalue *values, unsigned char *arena, void *scratch, char *message,
                           size_t message_size);
void *trit_value_pointer(tvalue *values, unsigned char *arena, int id);

/* compile/plan.c: offsets for buffers with lifetimes [first, last] (inclusive step indices); two buffers
 * whose lifetimes overlap never overlap in memory. Greedy by size, best-fit gap. Alignment 64. */
typedef struct plan_buffer {
    size_t bytes;
    int first, last;
    size_t offset; /* output */
} plan_buffer;
/* Returns 1 on success, 0 when the total overflows, -1 when out of memory. */
int trit_plan_memory(plan_buffer *buffers, size_t count, size_t *out_total);

/* The arena of a step list: every runtime root's and every step scratch's offset. The values in
 * `live_to_end` (graph inputs, outputs, tensors a caller asked for) stay live to the end of a run.
 * Computes liveness into the values (first_use, last_use) and marks constants read at run time
 * `keep`; writes no offsets until trit_arena_plan_commit. Same returns as trit_plan_memory. */
typedef struct arena_plan {
    plan_buffer *buffers;
    int *owner; /* value id, or -1 - step index for a step's scratch */
    size_t count, total;
} arena_plan;
int trit_arena_plan(tvalue *values, size_t value_count, const step *steps, size_t step_count, const int *live_to_end,
                    size_t live_count, arena_plan *out);
void trit_arena_plan_commit(const arena_plan *plan, tvalue *values, step *steps);
void trit_arena_plan_release(arena_plan *plan);

/* json.c: a growable string built through the allocation hook. */
typedef struct json_writer {
    char *data;
    size_t length, capacity;
    int failed;
} json_writer;
void json_raw(json_writer *w, const char *text);
void json_string(json_writer *w, const char *text);
void json_int(json_writer *w, long long value);
void json_float(json_writer *w, double value);
/* Parses a JSON array of strings into pool strings: 1 ok, 0 malformed, -1 out of memory. */
int json_parse_string_array(const char *text, trit_pool *pool, const char ***out_items, size_t *out_count);

#endif
